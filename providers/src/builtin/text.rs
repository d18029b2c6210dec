//! `text`: labelled lines of words for the text demos (Paddle's quick_start
//! `dataprovider_bow.py` / `dataprovider_emb.py`). Each line is `label<TAB>words...`; words map
//! to ids through a dictionary given in the config's `args` (a dict of word -> id, as the demos
//! pass it) or read from `dict_path` (one word per line, first tab-separated field, id = line
//! number from 0).
//!
//! `sequence = false` (default): `word: sparse_binary_vector(len(dict))`, the bag of known
//! words, unknown ones dropped (as dataprovider_bow.py does). `sequence = true`:
//! `word: integer_value_sequence(len(dict))`, unknown words as `unk_id` (as
//! dataprovider_emb.py does with UNK_IDX).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::batch::{BatchBuilder, Sample, Value};
use crate::error::{ProviderError, Result};
use crate::filelist::{read_list, ListEntry};
use crate::options::Options;
use crate::pipeline::{RecordStream, Source};
use crate::provider::{CacheType, DataProvider, PoolSettings};
use crate::rng::Rng;
use crate::slots::{integer_value, integer_value_sequence, sparse_binary_vector, Slot};
use crate::spec::{ArgValue, DataSourceSpec};

#[derive(Debug, Clone)]
pub struct TextConfig {
    pub dict: Arc<HashMap<String, i64>>,
    pub dict_size: usize,
    pub sequence: bool,
    pub unk_id: i64,
    pub num_classes: usize,
    pub names: [String; 2],
}

#[derive(Debug, Clone)]
pub struct TextRecord {
    pub ids: Box<[i64]>,
    pub label: u32,
}

pub struct TextSource {
    pub config: TextConfig,
    pub units: Vec<ListEntry>,
}

fn option_error(key: &str, msg: impl Into<String>) -> ProviderError {
    ProviderError::Option {
        origin: "text provider".into(),
        key: key.into(),
        msg: msg.into(),
    }
}

fn read_dict(path: &Path) -> Result<HashMap<String, i64>> {
    let text = std::fs::read_to_string(path).map_err(|e| ProviderError::io(path, e))?;
    let mut dict = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let word = line.split('\t').next().unwrap_or("").trim();
        if word.is_empty() {
            return Err(ProviderError::line(path, i + 1, "empty dictionary entry"));
        }
        dict.entry(word.to_string()).or_insert(i as i64);
    }
    Ok(dict)
}

/// Parses `label<TAB>text` (`lineno` counts from 1).
pub fn parse_line(path: &Path, lineno: usize, line: &str, cfg: &TextConfig) -> Result<TextRecord> {
    let err = |msg: String| ProviderError::line(path, lineno, msg);
    let (label_txt, words) = line
        .split_once('\t')
        .ok_or_else(|| err("expected 'label<TAB>text'".into()))?;
    let label: i64 = label_txt
        .trim()
        .parse()
        .map_err(|_| err(format!("label {label_txt:?} is not an integer")))?;
    if label < 0 || label as usize >= cfg.num_classes {
        return Err(err(format!(
            "label {label} out of range [0, {})",
            cfg.num_classes
        )));
    }
    let ids: Vec<i64> = if cfg.sequence {
        words
            .split_whitespace()
            .map(|w| cfg.dict.get(w).copied().unwrap_or(cfg.unk_id))
            .collect()
    } else {
        words
            .split_whitespace()
            .filter_map(|w| cfg.dict.get(w).copied())
            .collect()
    };
    Ok(TextRecord {
        ids: ids.into(),
        label: label as u32,
    })
}

impl Source for TextSource {
    type Record = TextRecord;

    fn slots(&self) -> Vec<Slot> {
        let c = &self.config;
        let word = if c.sequence {
            integer_value_sequence(c.dict_size)
        } else {
            sparse_binary_vector(c.dict_size)
        };
        vec![
            Slot::new(&c.names[0], word),
            Slot::new(&c.names[1], integer_value(c.num_classes)),
        ]
    }

    fn unit_name(&self, unit: usize) -> String {
        self.units[unit].path.display().to_string()
    }

    fn units(&self) -> usize {
        self.units.len()
    }

    fn open(&self, unit: usize) -> Result<RecordStream<TextRecord>> {
        let entry = &self.units[unit];
        let text = String::from_utf8(entry.read()?)
            .map_err(|_| ProviderError::format(&entry.path, "not a text file (invalid UTF-8)"))?;
        let mut recs = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            recs.push(parse_line(&entry.path, i + 1, line, &self.config)?);
        }
        Ok(Box::new(recs.into_iter().map(Ok)))
    }

    fn emit(&self, r: &TextRecord, _rng: &mut Rng, out: &mut BatchBuilder) -> Result<()> {
        let word = if self.config.sequence {
            Value::Seq(r.ids.iter().map(|&i| Value::Index(i)).collect())
        } else {
            Value::SparseBinary(r.ids.to_vec())
        };
        out.push(&Sample(vec![word, Value::Index(r.label as i64)]))
            .map_err(|e| ProviderError::Usage(e.to_string()))
    }
}

pub fn source(spec: &DataSourceSpec, o: &Options) -> Result<TextSource> {
    let dict = match (o.dict("dictionary")?, o.string("dict_path")?) {
        (Some(_), Some(_)) => {
            return Err(option_error(
                "dict_path",
                "give dictionary or dict_path, not both",
            ))
        }
        (Some(d), None) => {
            let mut map = HashMap::with_capacity(d.len());
            for (w, v) in d {
                match v {
                    ArgValue::Int(i) if i >= 0 => {
                        map.insert(w, i);
                    }
                    other => {
                        return Err(option_error(
                            "dictionary",
                            format!("word {w:?} maps to {other}, expected an id >= 0"),
                        ))
                    }
                }
            }
            map
        }
        (None, Some(p)) => read_dict(Path::new(&p))?,
        (None, None) => {
            return Err(option_error(
                "dictionary",
                "required: a dict of word -> id in args, or dict_path in providers.toml",
            ))
        }
    };
    let dict_size = dict.values().max().map_or(0, |&m| m as usize + 1);
    let sequence = o.bool("sequence")?.unwrap_or(false);
    let unk_id = o.int("unk_id")?.unwrap_or(0);
    if sequence && (unk_id < 0 || unk_id as usize >= dict_size.max(1)) {
        return Err(option_error(
            "unk_id",
            format!("{unk_id} is outside the dictionary [0, {dict_size})"),
        ));
    }
    let num_classes = o.positive("num_classes")?.unwrap_or(2);
    let names = [
        o.string("input_name")?.unwrap_or_else(|| "word".into()),
        o.string("label_name")?.unwrap_or_else(|| "label".into()),
    ];
    Ok(TextSource {
        config: TextConfig {
            dict: Arc::new(dict),
            dict_size: dict_size.max(1),
            sequence,
            unk_id,
            num_classes,
            names,
        },
        units: read_list(&spec.list)?,
    })
}

pub fn open(spec: &DataSourceSpec, o: &Options, seed: u64) -> Result<Box<dyn DataProvider>> {
    let src = source(spec, o)?;
    // Both quick_start providers declare cache=CacheType.CACHE_PASS_IN_MEM.
    let settings = PoolSettings::from_options(o, spec.is_train, CacheType::CachePassInMem)?;
    o.check_unused()?;
    crate::registry::start(spec, src, settings, seed)
}
