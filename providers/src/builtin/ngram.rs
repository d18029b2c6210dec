//! `ngram`: the word2vec chapter's `dataprovider.py`. Its init hook builds the dictionary from
//! the training text `srcText` (each line wrapped in `<s>` ... `<e>`; the words seen more than
//! `cutoff` times, by falling count then by word), writes it to `dictfile` one word a line,
//! and declares N slots `integer_value(len(dict))`. Each line of a listed file becomes the
//! windows of N ids over `['<s>'] * (N-1) + words + ['<e>']`, unknown words as `<unk>`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::batch::{BatchBuilder, Sample, Value};
use crate::builtin::book_args::option_error;
use crate::error::{ProviderError, Result};
use crate::filelist::{read_list, ListEntry};
use crate::options::Options;
use crate::pipeline::{RecordStream, Source};
use crate::provider::{CacheType, DataProvider, PoolSettings};
use crate::rng::Rng;
use crate::slots::{integer_value, Slot};
use crate::spec::{ArgValue, DataSourceSpec};

const ORIGIN: &str = "ngram provider";
/// The data layer names of the chapter's `ngram.py`, in window order.
const BOOK_NAMES: [&str; 5] = ["firstw", "secondw", "thirdw", "fourthw", "fifthw"];

pub struct NgramSource {
    pub dict: Arc<HashMap<String, i64>>,
    pub unk: i64,
    pub names: Vec<String>,
    pub units: Vec<ListEntry>,
}

/// One window of N word ids.
pub type NgramRecord = Box<[i64]>;

fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| ProviderError::io(path, e))?;
    String::from_utf8(bytes)
        .map_err(|_| ProviderError::format(path, "not a text file (invalid UTF-8)"))
}

/// `build_dict`: the words of `text` (with `<s>`/`<e>` per line) seen more than `cutoff`
/// times, sorted by falling count, ties by the word.
pub fn build_dict(text: &str, cutoff: usize) -> Vec<String> {
    let mut freq: HashMap<&str, usize> = HashMap::new();
    for line in text.lines() {
        *freq.entry("<s>").or_default() += 1;
        for w in line.split_whitespace() {
            *freq.entry(w).or_default() += 1;
        }
        *freq.entry("<e>").or_default() += 1;
    }
    let mut words: Vec<(&str, usize)> = freq.into_iter().filter(|&(_, c)| c > cutoff).collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    words.into_iter().map(|(w, _)| w.to_string()).collect()
}

/// The N-grams of one line.
pub fn windows(line: &str, n: usize, dict: &HashMap<String, i64>, unk: i64) -> Vec<NgramRecord> {
    let ids: Vec<i64> = std::iter::repeat("<s>")
        .take(n - 1)
        .chain(line.split_whitespace())
        .chain(std::iter::once("<e>"))
        .map(|w| dict.get(w).copied().unwrap_or(unk))
        .collect();
    ids.windows(n).map(|w| w.into()).collect()
}

impl Source for NgramSource {
    type Record = NgramRecord;

    fn slots(&self) -> Vec<Slot> {
        let n = self.dict.len();
        self.names
            .iter()
            .map(|name| Slot::new(name, integer_value(n)))
            .collect()
    }

    fn units(&self) -> usize {
        self.units.len()
    }

    fn open(&self, unit: usize) -> Result<RecordStream<NgramRecord>> {
        let entry = &self.units[unit];
        let text = String::from_utf8(entry.read()?)
            .map_err(|_| ProviderError::format(&entry.path, "not a text file (invalid UTF-8)"))?;
        let n = self.names.len();
        let mut recs = Vec::new();
        for line in text.lines() {
            recs.extend(windows(line, n, &self.dict, self.unk));
        }
        Ok(Box::new(recs.into_iter().map(Ok)))
    }

    fn emit(&self, r: &NgramRecord, _rng: &mut Rng, out: &mut BatchBuilder) -> Result<()> {
        out.push(&Sample(r.iter().map(|&i| Value::Index(i)).collect()))
            .map_err(|e| ProviderError::Usage(e.to_string()))
    }
}

fn slot_names(o: &Options, n: usize) -> Result<Vec<String>> {
    match o.get_list("slot_names")? {
        Some(items) => {
            let names: Vec<String> = items
                .into_iter()
                .map(|v| match v {
                    ArgValue::Str(s) => Ok(s),
                    other => Err(option_error(
                        ORIGIN,
                        "slot_names",
                        format!("expected data layer names, got {other}"),
                    )),
                })
                .collect::<Result<_>>()?;
            if names.len() != n {
                return Err(option_error(
                    ORIGIN,
                    "slot_names",
                    format!("{} names for N = {n} words a window", names.len()),
                ));
            }
            Ok(names)
        }
        None if n == BOOK_NAMES.len() => Ok(BOOK_NAMES.iter().map(|s| s.to_string()).collect()),
        None => Err(option_error(
            ORIGIN,
            "slot_names",
            format!("required when N = {n}: the data layer of each word of the window"),
        )),
    }
}

pub fn source(spec: &DataSourceSpec, o: &Options) -> Result<NgramSource> {
    let n = o.positive("N")?.unwrap_or(5);
    if n < 2 {
        return Err(option_error(ORIGIN, "N", "an n-gram needs N >= 2"));
    }
    let cutoff = o.size("cutoff")?.unwrap_or(50);
    let src_text = o.string("srcText")?.ok_or_else(|| {
        option_error(
            ORIGIN,
            "srcText",
            "required: the training text the dictionary is built from",
        )
    })?;
    let dictfile = o.string("dictfile")?.ok_or_else(|| {
        option_error(
            ORIGIN,
            "dictfile",
            "required: where the dictionary is written",
        )
    })?;
    let names = slot_names(o, n)?;
    let src_path = PathBuf::from(&src_text);
    let words = build_dict(&read_text(&src_path)?, cutoff);
    let dict: HashMap<String, i64> = words
        .iter()
        .enumerate()
        .map(|(i, w)| (w.clone(), i as i64))
        .collect();
    let unk = *dict.get("<unk>").ok_or_else(|| {
        ProviderError::format(
            &src_path,
            format!(
                "'<unk>' is not among the {} words seen more than {cutoff} times; the chapter's provider maps unknown words to it",
                dict.len()
            ),
        )
    })?;
    let mut listing = words.join("\n");
    listing.push('\n');
    let dict_path = PathBuf::from(&dictfile);
    crate::durable::write_file(&dict_path, listing.as_bytes())
        .map_err(|e| ProviderError::io(&dict_path, e))?;
    tracing::info!("Dictionary size={}", dict.len());
    Ok(NgramSource {
        dict: Arc::new(dict),
        unk,
        names,
        units: read_list(&spec.list)?,
    })
}

pub fn open(spec: &DataSourceSpec, o: &Options, seed: u64) -> Result<Box<dyn DataProvider>> {
    let src = source(spec, o)?;
    let settings = PoolSettings::from_options(o, spec.is_train, CacheType::NoCache)?;
    o.check_unused()?;
    crate::registry::start(spec, src, settings, seed)
}
