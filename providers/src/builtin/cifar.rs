//! `cifar`: the tutorial's `dataprovider.py`. Reads CIFAR-10/100 python batches (Python 2
//! pickles holding a uint8 `data` array of N x 3072 and a `labels` list) named by the file
//! list, subtracts the mean from `mean_path`, and flips training images left-right at random.
//!
//! Like the tutorial, each line of the file list may name a batch file directly or a text file
//! that lists batch files (the tutorial's `data/train.list` names `data/train.txt`).

use std::path::Path;

use crate::batch::{BatchBuilder, SampleOrigin};
use crate::error::{ProviderError, Result};
use crate::filelist::{parse_list, read_list, ListEntry};
use crate::numpy;
use crate::options::Options;
use crate::pickle::{self, PyValue};
use crate::pipeline::{RecordStream, Source};
use crate::provider::{CacheType, DataProvider, PoolSettings};
use crate::rng::Rng;
use crate::slots::{dense_vector, integer_value, Slot};
use crate::spec::DataSourceSpec;

/// The image geometry and label set of a CIFAR variant.
#[derive(Debug, Clone)]
pub struct CifarConfig {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub num_classes: usize,
    /// `labels` for CIFAR-10, `fine_labels` or `coarse_labels` for CIFAR-100.
    pub label_key: String,
    pub flip: bool,
    /// Per-pixel mean (channels * height * width values); zeros when no mean file is given.
    pub mean: Vec<f32>,
}

impl CifarConfig {
    pub fn dim(&self) -> usize {
        self.channels * self.height * self.width
    }
}

/// One image as stored in the batch, and its label.
#[derive(Debug, Clone)]
pub struct CifarRecord {
    pub pixels: Box<[u8]>,
    pub label: u32,
    /// The batch file the image came from (shared by its records) and its row there.
    pub file: std::sync::Arc<str>,
    pub row: u32,
}

pub struct CifarSource {
    pub config: CifarConfig,
    pub units: Vec<ListEntry>,
}

/// Loads a mean file and checks its size: per pixel (C*H*W values) or per channel (C values).
pub fn load_mean(path: &Path, c: usize, h: usize, w: usize) -> Result<Vec<f32>> {
    let (mean, shape) = numpy::load_array(path, "mean")?;
    let dim = c * h * w;
    if mean.len() == dim {
        Ok(mean)
    } else if mean.len() == c {
        Ok(mean
            .iter()
            .flat_map(|&m| std::iter::repeat(m).take(h * w))
            .collect())
    } else {
        Err(ProviderError::format(
            path,
            format!(
                "mean of the wrong size: shape {shape:?} ({} values), expected {dim} (per pixel, {c}x{h}x{w}) or {c} (per channel)",
                mean.len()
            ),
        ))
    }
}

/// Decodes one batch file into records, checking shapes and label ranges.
pub fn read_batch(path: &Path, bytes: &[u8], cfg: &CifarConfig) -> Result<Vec<CifarRecord>> {
    let v = pickle::load(bytes).map_err(|e| ProviderError::Pickle {
        path: path.to_path_buf(),
        offset: e.offset,
        msg: e.msg,
    })?;
    let fmt = |msg: String| ProviderError::format(path, msg);
    if !matches!(v, PyValue::Dict(_)) {
        return Err(fmt(format!(
            "expected a dict batch, found a {}",
            v.type_name()
        )));
    }
    let data = v
        .get("data")
        .ok_or_else(|| fmt("batch has no 'data' key".into()))?;
    let arr = data.as_array().ok_or_else(|| {
        fmt(format!(
            "'data' is a {}, not a numpy array",
            data.type_name()
        ))
    })?;
    let dim = cfg.dim();
    let n = arr.shape.first().copied().unwrap_or(0);
    let per_row: usize = arr.shape.iter().skip(1).product();
    let want = format!("(N, {dim}) uint8");
    if arr.dtype.kind != 'u' || arr.dtype.size != 1 {
        return Err(fmt(format!(
            "'data' has dtype {}, expected {want}",
            arr.dtype.descr()
        )));
    }
    if arr.shape.len() < 2 || per_row != dim || (arr.fortran_order && arr.shape.len() > 1) {
        return Err(fmt(format!(
            "'data' has shape {:?}{}, expected {want}",
            arr.shape,
            if arr.fortran_order {
                " in Fortran order"
            } else {
                ""
            }
        )));
    }
    let labels_v = v
        .get(&cfg.label_key)
        .ok_or_else(|| fmt(format!("batch has no '{}' key", cfg.label_key)))?;
    let labels: Vec<i64> = if let Some(items) = labels_v.items() {
        let mut out = Vec::with_capacity(items.len());
        for (i, it) in items.iter().enumerate() {
            out.push(it.as_int().ok_or_else(|| {
                ProviderError::record(
                    path,
                    i,
                    format!("label is a {}, not an integer", it.type_name()),
                )
            })?);
        }
        out
    } else if let Some(a) = labels_v.as_array() {
        a.to_f32_c_order().iter().map(|&x| x as i64).collect()
    } else {
        return Err(fmt(format!(
            "'{}' is a {}, expected a list of integers",
            cfg.label_key,
            labels_v.type_name()
        )));
    };
    if labels.len() != n {
        return Err(fmt(format!(
            "'data' has {n} rows but '{}' has {} entries",
            cfg.label_key,
            labels.len()
        )));
    }
    let mut out = Vec::with_capacity(n);
    let file: std::sync::Arc<str> = path.display().to_string().into();
    for (i, (row, &label)) in arr.data.chunks_exact(dim).zip(&labels).enumerate() {
        if label < 0 || label as usize >= cfg.num_classes {
            return Err(ProviderError::record(
                path,
                i,
                format!("label {label} out of range [0, {})", cfg.num_classes),
            ));
        }
        out.push(CifarRecord {
            pixels: row.into(),
            label: label as u32,
            file: file.clone(),
            row: i as u32,
        });
    }
    Ok(out)
}

/// Whether a list entry is itself a pickle rather than a text list of batch files.
fn looks_like_pickle(bytes: &[u8]) -> bool {
    matches!(bytes.first(), Some(0x80) | Some(b'}') | Some(b'('))
        || std::str::from_utf8(bytes).is_err()
}

impl Source for CifarSource {
    type Record = CifarRecord;

    fn slots(&self) -> Vec<Slot> {
        vec![
            Slot::new("image", dense_vector(self.config.dim())),
            Slot::new("label", integer_value(self.config.num_classes)),
        ]
    }

    fn unit_name(&self, unit: usize) -> String {
        self.units[unit].path.display().to_string()
    }

    // A list entry may name a text list of batch files: the batch file is what to look in.
    fn locate(&self, r: &CifarRecord) -> Option<SampleOrigin> {
        Some(SampleOrigin {
            file: r.file.clone(),
            record: r.row as u64,
        })
    }

    fn units(&self) -> usize {
        self.units.len()
    }

    fn open(&self, unit: usize) -> Result<RecordStream<CifarRecord>> {
        let entry = self.units[unit].clone();
        let bytes = entry.read()?;
        let files: Vec<ListEntry> = if looks_like_pickle(&bytes) {
            let recs = read_batch(&entry.path, &bytes, &self.config)?;
            return Ok(Box::new(recs.into_iter().map(Ok)));
        } else {
            let text = String::from_utf8_lossy(&bytes);
            let files = parse_list(&entry.path, &text);
            if files.is_empty() {
                return Err(entry.error(format!("'{}' names no batch files", entry.path.display())));
            }
            files
        };
        let cfg = self.config.clone();
        let mut files = files.into_iter();
        let mut current: std::vec::IntoIter<CifarRecord> = Vec::new().into_iter();
        let mut failed = false;
        Ok(Box::new(std::iter::from_fn(move || loop {
            if failed {
                return None;
            }
            if let Some(r) = current.next() {
                return Some(Ok(r));
            }
            let f = files.next()?;
            match f.read().and_then(|b| read_batch(&f.path, &b, &cfg)) {
                Ok(recs) => current = recs.into_iter(),
                Err(e) => {
                    failed = true;
                    return Some(Err(e));
                }
            }
        })))
    }

    fn emit(&self, r: &CifarRecord, rng: &mut Rng, out: &mut BatchBuilder) -> Result<()> {
        let c = &self.config;
        let flip = c.flip && rng.coin();
        let row = out.dense_row(0);
        let px = &r.pixels[..];
        let mean = &c.mean[..];
        if flip {
            let w = c.width;
            for ((o, p), m) in row
                .chunks_exact_mut(w)
                .zip(px.chunks_exact(w))
                .zip(mean.chunks_exact(w))
            {
                for x in 0..w {
                    o[x] = p[w - 1 - x] as f32 - m[x];
                }
            }
        } else {
            for ((o, &p), &m) in row.iter_mut().zip(px).zip(mean) {
                *o = p as f32 - m;
            }
        }
        out.index(1, r.label as i64)
            .map_err(|e| ProviderError::Usage(e.to_string()))?;
        out.end_sample();
        Ok(())
    }
}

/// Builds the source from a data source and its options (without starting a pipeline).
pub fn source(spec: &DataSourceSpec, o: &Options) -> Result<CifarSource> {
    let channels = o.positive("channels")?.unwrap_or(3);
    let height = o.positive("height")?.unwrap_or(32);
    let width = o.positive("width")?.unwrap_or(32);
    let num_classes = o.positive("num_classes")?.unwrap_or(10);
    let label_key = o.string("label_key")?.unwrap_or_else(|| "labels".into());
    let flip = o.bool("flip")?.unwrap_or(spec.is_train);
    let mean = match o.string("mean_path")? {
        Some(p) => load_mean(Path::new(&p), channels, height, width)?,
        None => vec![0.0; channels * height * width],
    };
    let units = read_list(&spec.list)?;
    Ok(CifarSource {
        config: CifarConfig {
            channels,
            height,
            width,
            num_classes,
            label_key,
            flip,
            mean,
        },
        units,
    })
}

pub fn open(spec: &DataSourceSpec, o: &Options, seed: u64) -> Result<Box<dyn DataProvider>> {
    let src = source(spec, o)?;
    // The tutorial's provider declares cache=CacheType.CACHE_PASS_IN_MEM.
    let settings = PoolSettings::from_options(o, spec.is_train, CacheType::CachePassInMem)?;
    o.check_unused()?;
    crate::registry::start(spec, src, settings, seed)
}
