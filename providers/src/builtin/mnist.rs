//! `mnist`: the recognize_digits chapter's `mnist_provider.py`. Each file list entry is a
//! prefix such as `data/raw_data/train`; the provider reads `<prefix>-images-idx3-ubyte` and
//! `<prefix>-labels-idx1-ubyte` (big-endian idx headers: magic 2051 with n, rows, cols; magic
//! 2049 with n), scales each pixel to `x / 255 * 2 - 1` and yields
//! `pixel: dense_vector(rows*cols)`, `label: integer_value(10)`.

use std::path::{Path, PathBuf};

use crate::batch::{BatchBuilder, Sample, Value};
use crate::error::{ProviderError, Result};
use crate::filelist::{cwd_hint, read_list, ListEntry};
use crate::options::Options;
use crate::pipeline::{RecordStream, Source};
use crate::provider::{CacheType, DataProvider, PoolSettings};
use crate::rng::Rng;
use crate::slots::{dense_vector, integer_value, Slot};
use crate::spec::DataSourceSpec;

const IMAGES_MAGIC: u32 = 2051;
const LABELS_MAGIC: u32 = 2049;
const NUM_CLASSES: usize = 10;

pub struct MnistSource {
    /// Pixels per image (`dense_vector(28 * 28)` in the chapter).
    pub pixels: usize,
    pub names: [String; 2],
    pub units: Vec<ListEntry>,
}

#[derive(Debug, Clone)]
pub struct MnistRecord {
    pub pixels: Box<[u8]>,
    pub label: u8,
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn read_file(entry: &ListEntry, path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        entry.error(format!(
            "cannot read '{}': {e}{}",
            path.display(),
            cwd_hint(path, &e)
        ))
    })
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Reads the image and label files of one list entry.
pub fn read_pair(entry: &ListEntry, pixels: usize) -> Result<Vec<MnistRecord>> {
    let img_path = with_suffix(&entry.path, "-images-idx3-ubyte");
    let lbl_path = with_suffix(&entry.path, "-labels-idx1-ubyte");
    let img = read_file(entry, &img_path)?;
    let lbl = read_file(entry, &lbl_path)?;
    let fmt = |p: &Path, m: String| ProviderError::format(p, m);
    if img.len() < 16 || be_u32(&img, 0) != IMAGES_MAGIC {
        return Err(fmt(
            &img_path,
            format!("not an idx3 image file (expected magic {IMAGES_MAGIC} in a 16-byte header)"),
        ));
    }
    if lbl.len() < 8 || be_u32(&lbl, 0) != LABELS_MAGIC {
        return Err(fmt(
            &lbl_path,
            format!("not an idx1 label file (expected magic {LABELS_MAGIC} in an 8-byte header)"),
        ));
    }
    let (n, rows, cols) = (
        be_u32(&img, 4) as usize,
        be_u32(&img, 8) as usize,
        be_u32(&img, 12) as usize,
    );
    if rows * cols != pixels {
        return Err(fmt(
            &img_path,
            format!("images are {rows}x{cols}, the slot is dense_vector({pixels})"),
        ));
    }
    let n_labels = be_u32(&lbl, 4) as usize;
    if n_labels != n {
        return Err(fmt(
            &lbl_path,
            format!(
                "{n_labels} labels for the {n} images of '{}'",
                img_path.display()
            ),
        ));
    }
    let have = (img.len() - 16) / pixels.max(1);
    if have < n {
        return Err(ProviderError::record(
            &img_path,
            have,
            format!("truncated: the header says {n} images, the file holds {have}"),
        ));
    }
    if lbl.len() - 8 < n {
        return Err(ProviderError::record(
            &lbl_path,
            lbl.len() - 8,
            format!("truncated: the header says {n} labels"),
        ));
    }
    let mut recs = Vec::with_capacity(n);
    for i in 0..n {
        let label = lbl[8 + i];
        if label as usize >= NUM_CLASSES {
            return Err(ProviderError::record(
                &lbl_path,
                i,
                format!("label {label} out of range [0, {NUM_CLASSES})"),
            ));
        }
        recs.push(MnistRecord {
            pixels: img[16 + i * pixels..16 + (i + 1) * pixels].into(),
            label,
        });
    }
    Ok(recs)
}

impl Source for MnistSource {
    type Record = MnistRecord;

    fn slots(&self) -> Vec<Slot> {
        vec![
            Slot::new(&self.names[0], dense_vector(self.pixels)),
            Slot::new(&self.names[1], integer_value(NUM_CLASSES)),
        ]
    }

    fn units(&self) -> usize {
        self.units.len()
    }

    fn open(&self, unit: usize) -> Result<RecordStream<MnistRecord>> {
        let recs = read_pair(&self.units[unit], self.pixels)?;
        Ok(Box::new(recs.into_iter().map(Ok)))
    }

    fn emit(&self, r: &MnistRecord, _rng: &mut Rng, out: &mut BatchBuilder) -> Result<()> {
        // images / 255.0 * 2.0 - 1.0, in float32 as numpy computes it.
        let px: Vec<f32> = r
            .pixels
            .iter()
            .map(|&p| p as f32 / 255.0 * 2.0 - 1.0)
            .collect();
        out.push(&Sample(vec![
            Value::Dense(px.into()),
            Value::Index(r.label as i64),
        ]))
        .map_err(|e| ProviderError::Usage(e.to_string()))
    }
}

pub fn source(spec: &DataSourceSpec, o: &Options) -> Result<MnistSource> {
    Ok(MnistSource {
        pixels: o.positive("pixels")?.unwrap_or(28 * 28),
        names: [
            o.string("input_name")?.unwrap_or_else(|| "pixel".into()),
            o.string("label_name")?.unwrap_or_else(|| "label".into()),
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
