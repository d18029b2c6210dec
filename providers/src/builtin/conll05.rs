//! `conll05`: the label_semantic_roles chapter's `dataprovider.py`. Each line of a listed file
//! holds nine tab-separated columns, as the chapter's `extract_dict_feature.py` writes them:
//! sentence, predicate, ctx_n2, ctx_n1, ctx_0, ctx_p1, ctx_p2, marks, labels. Words map
//! through `word_dict` (unknown words to id 0, UNK_IDX), the predicate through
//! `predicate_dict` and the labels through `label_dict`, all passed in the config's `args`.
//! Every slot is an `integer_value_sequence` as long as the sentence; the predicate and the
//! five context words are repeated over it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::batch::{BatchBuilder, Sample, Value};
use crate::builtin::book_args::{dict_len, word_dict};
use crate::error::{ProviderError, Result};
use crate::filelist::{read_list, ListEntry};
use crate::options::Options;
use crate::pipeline::{RecordStream, Source};
use crate::provider::{CacheType, DataProvider, PoolSettings};
use crate::rng::Rng;
use crate::slots::{integer_value_sequence, Slot};
use crate::spec::DataSourceSpec;

const ORIGIN: &str = "conll05 provider";
const UNK_IDX: i64 = 0;
/// The slots in column order after the sentence: ctx_n2 .. ctx_p2 read the word dictionary.
const CTX: [&str; 5] = [
    "ctx_n2_data",
    "ctx_n1_data",
    "ctx_0_data",
    "ctx_p1_data",
    "ctx_p2_data",
];

pub struct Conll05Dicts {
    pub word: HashMap<String, i64>,
    pub predicate: HashMap<String, i64>,
    pub label: HashMap<String, i64>,
    pub sizes: [usize; 3],
}

pub struct Conll05Source {
    pub dicts: Arc<Conll05Dicts>,
    pub units: Vec<ListEntry>,
}

/// One sentence with one predicate: the word ids, the predicate and context ids (one each,
/// repeated over the sentence when emitted), the marks and the label ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Conll05Record {
    pub words: Box<[i64]>,
    pub predicate: i64,
    pub ctx: [i64; 5],
    pub marks: Box<[i64]>,
    pub labels: Box<[i64]>,
}

/// Parses one line (`lineno` from 1).
pub fn parse_line(
    path: &Path,
    lineno: usize,
    line: &str,
    d: &Conll05Dicts,
) -> Result<Conll05Record> {
    let err = |msg: String| ProviderError::line(path, lineno, msg);
    let cols: Vec<&str> = line.trim_end_matches(['\r', '\n']).split('\t').collect();
    if cols.len() != 9 {
        return Err(err(format!(
            "{} tab-separated columns, expected 9: sentence, predicate, ctx_n2, ctx_n1, ctx_0, ctx_p1, ctx_p2, marks, labels",
            cols.len()
        )));
    }
    let words: Box<[i64]> = cols[0]
        .split_whitespace()
        .map(|w| d.word.get(w).copied().unwrap_or(UNK_IDX))
        .collect();
    if words.is_empty() {
        return Err(err("empty sentence".into()));
    }
    let predicate = *d
        .predicate
        .get(cols[1].trim())
        .ok_or_else(|| err(format!("predicate {:?} is not in predicate_dict", cols[1])))?;
    let mut ctx = [0; 5];
    for (k, c) in ctx.iter_mut().enumerate() {
        *c = d.word.get(cols[2 + k].trim()).copied().unwrap_or(UNK_IDX);
    }
    let marks: Box<[i64]> = cols[7]
        .split_whitespace()
        .map(|m| match m {
            "0" => Ok(0),
            "1" => Ok(1),
            other => Err(err(format!("mark {other:?} is not 0 or 1"))),
        })
        .collect::<Result<_>>()?;
    let labels: Box<[i64]> = cols[8]
        .split_whitespace()
        .map(|l| {
            d.label
                .get(l)
                .copied()
                .ok_or_else(|| err(format!("label {l:?} is not in label_dict")))
        })
        .collect::<Result<_>>()?;
    for (what, n) in [("marks", marks.len()), ("labels", labels.len())] {
        if n != words.len() {
            return Err(err(format!(
                "{n} {what} for a sentence of {} words",
                words.len()
            )));
        }
    }
    Ok(Conll05Record {
        words,
        predicate,
        ctx,
        marks,
        labels,
    })
}

fn seq(ids: impl Iterator<Item = i64>) -> Value {
    Value::Seq(ids.map(Value::Index).collect())
}

impl Source for Conll05Source {
    type Record = Conll05Record;

    fn slots(&self) -> Vec<Slot> {
        let [w, p, l] = self.dicts.sizes;
        let mut slots = vec![Slot::new("word_data", integer_value_sequence(w))];
        slots.extend(CTX.iter().map(|n| Slot::new(*n, integer_value_sequence(w))));
        slots.push(Slot::new("verb_data", integer_value_sequence(p)));
        slots.push(Slot::new("mark_data", integer_value_sequence(2)));
        slots.push(Slot::new("target", integer_value_sequence(l)));
        slots
    }

    fn units(&self) -> usize {
        self.units.len()
    }

    fn open(&self, unit: usize) -> Result<RecordStream<Conll05Record>> {
        let entry = &self.units[unit];
        let text = String::from_utf8(entry.read()?)
            .map_err(|_| ProviderError::format(&entry.path, "not a text file (invalid UTF-8)"))?;
        let mut recs = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            recs.push(parse_line(&entry.path, i + 1, line, &self.dicts)?);
        }
        Ok(Box::new(recs.into_iter().map(Ok)))
    }

    fn emit(&self, r: &Conll05Record, _rng: &mut Rng, out: &mut BatchBuilder) -> Result<()> {
        let n = r.words.len();
        let mut values = vec![seq(r.words.iter().copied())];
        values.extend(r.ctx.iter().map(|&c| seq(std::iter::repeat(c).take(n))));
        values.push(seq(std::iter::repeat(r.predicate).take(n)));
        values.push(seq(r.marks.iter().copied()));
        values.push(seq(r.labels.iter().copied()));
        out.push(&Sample(values))
            .map_err(|e| ProviderError::Usage(e.to_string()))
    }
}

pub fn source(spec: &DataSourceSpec, o: &Options) -> Result<Conll05Source> {
    let word = word_dict(o, ORIGIN, "word_dict")?;
    let predicate = word_dict(o, ORIGIN, "predicate_dict")?;
    let label = word_dict(o, ORIGIN, "label_dict")?;
    let sizes = [
        dict_len(&word, ORIGIN, "word_dict")?,
        dict_len(&predicate, ORIGIN, "predicate_dict")?,
        dict_len(&label, ORIGIN, "label_dict")?,
    ];
    Ok(Conll05Source {
        dicts: Arc::new(Conll05Dicts {
            word,
            predicate,
            label,
            sizes,
        }),
        units: read_list(&spec.list)?,
    })
}

pub fn open(spec: &DataSourceSpec, o: &Options, seed: u64) -> Result<Box<dyn DataProvider>> {
    let src = source(spec, o)?;
    // The chapter's @provider(cache=CacheType.CACHE_PASS_IN_MEM, should_shuffle=True).
    let settings = PoolSettings::from_options(o, spec.is_train, CacheType::CachePassInMem)?;
    o.check_unused()?;
    crate::registry::start(spec, src, settings, seed)
}
