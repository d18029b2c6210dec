//! `dense`: text files of numbers, one sample per line: the features, then (or first) an
//! integer label. Columns are separated by commas (CSV) or whitespace. Each entry of the file
//! list is one such file.

use std::path::PathBuf;

use crate::batch::BatchBuilder;
use crate::error::{ProviderError, Result};
use crate::filelist::{read_list, ListEntry};
use crate::options::Options;
use crate::pipeline::{RecordStream, Source};
use crate::provider::{CacheType, DataProvider, PoolSettings};
use crate::rng::Rng;
use crate::slots::{dense_vector, integer_value, Slot};
use crate::spec::DataSourceSpec;

#[derive(Debug, Clone)]
pub struct DenseConfig {
    pub dim: usize,
    pub num_classes: usize,
    /// The label is the first column instead of the last.
    pub label_first: bool,
    /// Lines to skip at the top of each file (a CSV header).
    pub skip_lines: usize,
    /// Slot names: features, then label.
    pub names: [String; 2],
}

#[derive(Debug, Clone)]
pub struct DenseRecord {
    pub features: Box<[f32]>,
    pub label: u32,
}

pub struct DenseSource {
    pub config: DenseConfig,
    pub units: Vec<ListEntry>,
}

fn split(line: &str) -> Vec<&str> {
    if line.contains(',') {
        line.split(',').map(str::trim).collect()
    } else {
        line.split_whitespace().collect()
    }
}

/// Parses one data line (`lineno` counts from 1).
pub fn parse_line(
    path: &PathBuf,
    lineno: usize,
    line: &str,
    cfg: &DenseConfig,
) -> Result<DenseRecord> {
    let err = |msg: String| ProviderError::line(path, lineno, msg);
    let cols = split(line);
    if cols.len() != cfg.dim + 1 {
        return Err(err(format!(
            "{} columns, expected {} features and a label",
            cols.len(),
            cfg.dim
        )));
    }
    let (label_txt, feats) = if cfg.label_first {
        (cols[0], &cols[1..])
    } else {
        (cols[cfg.dim], &cols[..cfg.dim])
    };
    let label: i64 = label_txt
        .parse()
        .map_err(|_| err(format!("label {label_txt:?} is not an integer")))?;
    if label < 0 || label as usize >= cfg.num_classes {
        return Err(err(format!(
            "label {label} out of range [0, {})",
            cfg.num_classes
        )));
    }
    let mut features = Vec::with_capacity(cfg.dim);
    for (i, f) in feats.iter().enumerate() {
        let x: f32 = f
            .parse()
            .map_err(|_| err(format!("column {}: {f:?} is not a number", i + 1)))?;
        features.push(x);
    }
    Ok(DenseRecord {
        features: features.into(),
        label: label as u32,
    })
}

impl Source for DenseSource {
    type Record = DenseRecord;

    fn slots(&self) -> Vec<Slot> {
        vec![
            Slot::new(&self.config.names[0], dense_vector(self.config.dim)),
            Slot::new(
                &self.config.names[1],
                integer_value(self.config.num_classes),
            ),
        ]
    }

    fn unit_name(&self, unit: usize) -> String {
        self.units[unit].path.display().to_string()
    }

    fn units(&self) -> usize {
        self.units.len()
    }

    fn open(&self, unit: usize) -> Result<RecordStream<DenseRecord>> {
        let entry = &self.units[unit];
        let bytes = entry.read()?;
        let text = String::from_utf8(bytes)
            .map_err(|_| ProviderError::format(&entry.path, "not a text file (invalid UTF-8)"))?;
        let mut recs = Vec::new();
        for (i, line) in text.lines().enumerate().skip(self.config.skip_lines) {
            if line.trim().is_empty() {
                continue;
            }
            recs.push(parse_line(&entry.path, i + 1, line, &self.config)?);
        }
        Ok(Box::new(recs.into_iter().map(Ok)))
    }

    fn emit(&self, r: &DenseRecord, _rng: &mut Rng, out: &mut BatchBuilder) -> Result<()> {
        out.dense_row(0).copy_from_slice(&r.features);
        out.index(1, r.label as i64)
            .map_err(|e| ProviderError::Usage(e.to_string()))?;
        out.end_sample();
        Ok(())
    }
}

pub fn source(spec: &DataSourceSpec, o: &Options) -> Result<DenseSource> {
    let num_classes = o
        .positive("num_classes")?
        .ok_or_else(|| ProviderError::Option {
            origin: "dense provider".into(),
            key: "num_classes".into(),
            msg: "required: the label range, as in integer_value(num_classes)".into(),
        })?;
    let label_first = match o.string("label_column")?.as_deref() {
        None | Some("last") => false,
        Some("first") => true,
        Some(other) => {
            return Err(ProviderError::Option {
                origin: "dense provider".into(),
                key: "label_column".into(),
                msg: format!("expected \"first\" or \"last\", got {other:?}"),
            })
        }
    };
    let skip_lines = o.size("skip_lines")?.unwrap_or(0);
    let names = [
        o.string("input_name")?.unwrap_or_else(|| "data".into()),
        o.string("label_name")?.unwrap_or_else(|| "label".into()),
    ];
    let units = read_list(&spec.list)?;
    let dim = match o.positive("dim")? {
        Some(d) => d,
        None => {
            // Take the width from the first data line, so a config need not repeat it.
            let first = &units[0];
            let text = String::from_utf8_lossy(&first.read()?).into_owned();
            let line = text
                .lines()
                .skip(skip_lines)
                .find(|l| !l.trim().is_empty())
                .ok_or_else(|| ProviderError::format(&first.path, "no data lines"))?;
            split(line).len().saturating_sub(1).max(1)
        }
    };
    Ok(DenseSource {
        config: DenseConfig {
            dim,
            num_classes,
            label_first,
            skip_lines,
            names,
        },
        units,
    })
}

pub fn open(spec: &DataSourceSpec, o: &Options, seed: u64) -> Result<Box<dyn DataProvider>> {
    let src = source(spec, o)?;
    let settings = PoolSettings::from_options(o, spec.is_train, CacheType::NoCache)?;
    o.check_unused()?;
    crate::registry::start(spec, src, settings, seed)
}
