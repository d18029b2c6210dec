//! `housing`: the fit_a_line chapter's `dataprovider.py`. Each file list entry is a `.npy`
//! array (written by the chapter's `prepare_data.py` with `np.save`) of N rows: the features,
//! then the price. Each row is one sample `x: dense_vector(dim)`, `y: dense_vector(1)`.

use crate::batch::{BatchBuilder, Sample, Value};
use crate::error::{ProviderError, Result};
use crate::filelist::{read_list, ListEntry};
use crate::numpy::parse_npy;
use crate::options::Options;
use crate::pipeline::{RecordStream, Source};
use crate::provider::{CacheType, DataProvider, PoolSettings};
use crate::rng::Rng;
use crate::slots::{dense_vector, Slot};
use crate::spec::DataSourceSpec;

pub struct HousingSource {
    /// Features per row (`dense_vector(13)` in the chapter).
    pub dim: usize,
    /// Slot names: features, then target.
    pub names: [String; 2],
    pub units: Vec<ListEntry>,
}

/// One row: `dim` features and the target.
pub type HousingRecord = Box<[f32]>;

/// Reads one `.npy` file into rows of `dim + 1` values.
pub fn read_rows(entry: &ListEntry, dim: usize) -> Result<Vec<HousingRecord>> {
    let bytes = entry.read()?;
    let arr = parse_npy(&bytes).map_err(|e| ProviderError::format(&entry.path, e))?;
    let cols = dim + 1;
    if arr.shape.len() != 2 || arr.shape[1] != cols {
        return Err(ProviderError::format(
            &entry.path,
            format!(
                "expected an array of rows x {cols} ({dim} features and the target), found shape {:?}",
                arr.shape
            ),
        ));
    }
    let values = arr.to_f32_c_order();
    let mut rows = Vec::with_capacity(arr.shape[0]);
    for (r, row) in values.chunks_exact(cols).enumerate() {
        if let Some(c) = row.iter().position(|x| !x.is_finite()) {
            return Err(ProviderError::record(
                &entry.path,
                r,
                format!("column {c} is {}, not a finite number", row[c]),
            ));
        }
        rows.push(row.into());
    }
    Ok(rows)
}

impl Source for HousingSource {
    type Record = HousingRecord;

    fn slots(&self) -> Vec<Slot> {
        vec![
            Slot::new(&self.names[0], dense_vector(self.dim)),
            Slot::new(&self.names[1], dense_vector(1)),
        ]
    }

    fn units(&self) -> usize {
        self.units.len()
    }

    fn open(&self, unit: usize) -> Result<RecordStream<HousingRecord>> {
        let rows = read_rows(&self.units[unit], self.dim)?;
        Ok(Box::new(rows.into_iter().map(Ok)))
    }

    fn emit(&self, r: &HousingRecord, _rng: &mut Rng, out: &mut BatchBuilder) -> Result<()> {
        let (x, y) = r.split_at(self.dim);
        out.push(&Sample(vec![
            Value::Dense(x.to_vec().into()),
            Value::Dense(y.to_vec().into()),
        ]))
        .map_err(|e| ProviderError::Usage(e.to_string()))
    }
}

pub fn source(spec: &DataSourceSpec, o: &Options) -> Result<HousingSource> {
    Ok(HousingSource {
        dim: o.positive("dim")?.unwrap_or(13),
        names: [
            o.string("input_name")?.unwrap_or_else(|| "x".into()),
            o.string("label_name")?.unwrap_or_else(|| "y".into()),
        ],
        units: read_list(&spec.list)?,
    })
}

pub fn open(spec: &DataSourceSpec, o: &Options, seed: u64) -> Result<Box<dyn DataProvider>> {
    let src = source(spec, o)?;
    let settings = PoolSettings::from_options(o, spec.is_train, CacheType::NoCache)?;
    o.check_unused()?;
    crate::registry::start(spec, src, settings, seed)
}
