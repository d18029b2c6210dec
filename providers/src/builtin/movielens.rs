//! `movielens`: the recommender_system chapter's `dataprovider.py`. The config loads the meta
//! file (`data/meta.bin`, written by the chapter's `meta_generator.py`) with pickle at parse
//! time and passes it as `args={'meta': meta}`. `meta['movie']` and `meta['user']` each hold
//! `'__meta__': {'raw_meta': [field, ...]}` and, per id, the values of the fields after the
//! id. Each field declares a slot (`common_utils.meta_to_header`): `id` as
//! `integer_value(max)`, `embedding` as `integer_value(len(dict))` (a sequence when
//! `seq == 'sequence'`), `one_hot_dense` as `dense_vector(len(dict))`; then
//! `rating: dense_vector(1)`. Each line of a listed ratings file is
//! `user::movie::score::timestamp`; the sample is the movie's slots (id - 1 first), the
//! user's, and `score - 3`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use crate::batch::{BatchBuilder, Sample, Value};
use crate::builtin::book_args::option_error;
use crate::error::{ProviderError, Result};
use crate::filelist::{read_list, ListEntry};
use crate::options::Options;
use crate::pipeline::{RecordStream, Source};
use crate::provider::{CacheType, DataProvider, PoolSettings};
use crate::rng::Rng;
use crate::slots::{dense_vector, integer_value, integer_value_sequence, InputType, Slot};
use crate::spec::{ArgValue, DataSourceSpec};

const ORIGIN: &str = "movielens provider";

/// One side (movie or user): its slots and each id's feature values.
pub struct Table {
    /// The id slot first, then one per feature field.
    pub slots: Vec<Slot>,
    pub rows: HashMap<i64, Vec<Value>>,
}

pub struct MovielensSource {
    pub movie: Arc<Table>,
    pub user: Arc<Table>,
    pub units: Vec<ListEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    pub user: i64,
    pub movie: i64,
    pub score: f32,
}

fn bad(path: &str, msg: impl Into<String>) -> ProviderError {
    option_error(ORIGIN, "meta", format!("{path}: {}", msg.into()))
}

fn as_dict<'a>(v: &'a ArgValue, path: &str) -> Result<&'a BTreeMap<String, ArgValue>> {
    match v {
        ArgValue::Dict(d) => Ok(d),
        other => Err(bad(path, format!("expected a dict, got {}", kind(other)))),
    }
}

fn kind(v: &ArgValue) -> &'static str {
    match v {
        ArgValue::None => "None",
        ArgValue::Bool(_) => "a bool",
        ArgValue::Int(_) => "an int",
        ArgValue::Float(_) => "a float",
        ArgValue::Str(_) => "a string",
        ArgValue::List(_) => "a list",
        ArgValue::Dict(_) => "a dict",
    }
}

fn field<'a>(d: &'a BTreeMap<String, ArgValue>, key: &str, path: &str) -> Result<&'a ArgValue> {
    d.get(key)
        .ok_or_else(|| bad(path, format!("no '{key}' entry")))
}

/// The slot a `raw_meta` field declares (`meta_to_header`).
fn field_slot(f: &ArgValue, side: &str, path: &str) -> Result<Slot> {
    let d = as_dict(f, path)?;
    let name = match d.get("name") {
        Some(ArgValue::Str(s)) => s.clone(),
        _ => format!("{side}_id"),
    };
    let dict_len = || -> Result<usize> {
        match field(d, "dict", path)? {
            ArgValue::List(items) => Ok(items.len()),
            other => Err(bad(path, format!("'dict' is {}, not a list", kind(other)))),
        }
    };
    let ty: InputType = match field(d, "type", path)? {
        ArgValue::Str(t) if t == "id" => match field(d, "max", path)? {
            ArgValue::Int(m) if *m > 0 => integer_value(*m as usize),
            other => return Err(bad(path, format!("'max' is {other}, not an id count"))),
        },
        ArgValue::Str(t) if t == "embedding" => {
            if matches!(d.get("seq"), Some(ArgValue::Str(s)) if s == "sequence") {
                integer_value_sequence(dict_len()?)
            } else {
                integer_value(dict_len()?)
            }
        }
        ArgValue::Str(t) if t == "one_hot_dense" => dense_vector(dict_len()?),
        other => {
            return Err(bad(
                path,
                format!("field type {other} (expected 'id', 'embedding' or 'one_hot_dense')"),
            ))
        }
    };
    Ok(Slot::new(name, ty))
}

/// A feature value as its slot takes it.
fn feature_value(v: &ArgValue, slot: &Slot, path: &str) -> Result<Value> {
    let ty = slot.ty;
    let fit = |i: i64| -> Result<i64> {
        if i < 0 || i as usize >= ty.dim {
            Err(bad(path, format!("{} value {i} outside {ty}", slot.name)))
        } else {
            Ok(i)
        }
    };
    let num = |x: &ArgValue| -> Result<f32> {
        match x {
            ArgValue::Float(f) => Ok(*f as f32),
            ArgValue::Int(i) => Ok(*i as f32),
            other => Err(bad(path, format!("{}: {other} is not a number", slot.name))),
        }
    };
    use crate::slots::{SeqType, SlotKind};
    Ok(match (ty.kind, ty.seq, v) {
        (SlotKind::Index, SeqType::None, ArgValue::Int(i)) => Value::Index(fit(*i)?),
        (SlotKind::Index, SeqType::Seq, ArgValue::List(items)) => Value::Seq(
            items
                .iter()
                .map(|x| match x {
                    ArgValue::Int(i) => fit(*i).map(Value::Index),
                    other => Err(bad(path, format!("{}: {other} is not an id", slot.name))),
                })
                .collect::<Result<_>>()?,
        ),
        (SlotKind::Dense, SeqType::None, ArgValue::List(items)) if items.len() == ty.dim => {
            Value::Dense(items.iter().map(num).collect::<Result<Vec<f32>>>()?.into())
        }
        (_, _, other) => {
            return Err(bad(
                path,
                format!("{}: {} does not fit {ty}", slot.name, kind(other)),
            ))
        }
    })
}

fn table(meta: &BTreeMap<String, ArgValue>, side: &str) -> Result<Table> {
    let path = format!("meta['{side}']");
    let side_d = as_dict(field(meta, side, "meta")?, &path)?;
    let mpath = format!("{path}['__meta__']");
    let raw = match field(
        as_dict(field(side_d, "__meta__", &path)?, &mpath)?,
        "raw_meta",
        &mpath,
    )? {
        ArgValue::List(items) if !items.is_empty() => items,
        _ => return Err(bad(&mpath, "'raw_meta' is not a non-empty list of fields")),
    };
    let slots: Vec<Slot> = raw
        .iter()
        .enumerate()
        .map(|(i, f)| field_slot(f, side, &format!("{mpath}['raw_meta'][{i}]")))
        .collect::<Result<_>>()?;
    let mut rows = HashMap::new();
    for (k, v) in side_d {
        if k == "__meta__" {
            continue;
        }
        let rpath = format!("{path}[{k}]");
        let id: i64 = k
            .parse()
            .map_err(|_| bad(&rpath, "a key that is not an id"))?;
        let values = match v {
            ArgValue::List(items) if items.len() == slots.len() - 1 => items,
            other => {
                return Err(bad(
                    &rpath,
                    format!(
                        "expected a list of {} feature values, got {other}",
                        slots.len() - 1
                    ),
                ))
            }
        };
        let feats = values
            .iter()
            .zip(&slots[1..])
            .map(|(x, s)| feature_value(x, s, &rpath))
            .collect::<Result<Vec<_>>>()?;
        rows.insert(id, feats);
    }
    Ok(Table { slots, rows })
}

/// Parses `user::movie::score::timestamp` (`lineno` from 1).
pub fn parse_rating(path: &Path, lineno: usize, line: &str) -> Result<Rating> {
    let err = |msg: String| ProviderError::line(path, lineno, msg);
    let parts: Vec<&str> = line.trim().split("::").collect();
    if parts.len() != 4 {
        return Err(err(format!(
            "{} '::'-separated fields, expected user::movie::score::timestamp",
            parts.len()
        )));
    }
    let int = |i: usize, what: &str| -> Result<i64> {
        parts[i]
            .trim()
            .parse()
            .map_err(|_| err(format!("{what} {:?} is not an integer", parts[i])))
    };
    Ok(Rating {
        user: int(0, "user id")?,
        movie: int(1, "movie id")?,
        score: (int(2, "score")? - 3) as f32,
    })
}

impl MovielensSource {
    fn check(&self, path: &Path, lineno: usize, r: &Rating) -> Result<()> {
        for (side, t, id) in [
            ("movie", &self.movie, r.movie),
            ("user", &self.user, r.user),
        ] {
            if !t.rows.contains_key(&id) {
                return Err(ProviderError::line(
                    path,
                    lineno,
                    format!("{side} id {id} is not in meta['{side}']"),
                ));
            }
            if id < 1 || id as usize > t.slots[0].ty.dim {
                return Err(ProviderError::line(
                    path,
                    lineno,
                    format!(
                        "{side} id {id} outside 1..={} (its slot is {})",
                        t.slots[0].ty.dim, t.slots[0].ty
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl Source for MovielensSource {
    type Record = Rating;

    fn slots(&self) -> Vec<Slot> {
        let mut s = self.movie.slots.clone();
        s.extend(self.user.slots.iter().cloned());
        s.push(Slot::new("rating", dense_vector(1)));
        s
    }

    fn units(&self) -> usize {
        self.units.len()
    }

    fn open(&self, unit: usize) -> Result<RecordStream<Rating>> {
        let entry = &self.units[unit];
        let text = String::from_utf8(entry.read()?)
            .map_err(|_| ProviderError::format(&entry.path, "not a text file (invalid UTF-8)"))?;
        let mut recs = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let r = parse_rating(&entry.path, i + 1, line)?;
            self.check(&entry.path, i + 1, &r)?;
            recs.push(r);
        }
        Ok(Box::new(recs.into_iter().map(Ok)))
    }

    fn emit(&self, r: &Rating, _rng: &mut Rng, out: &mut BatchBuilder) -> Result<()> {
        let mut values = vec![Value::Index(r.movie - 1)];
        values.extend(self.movie.rows[&r.movie].iter().cloned());
        values.push(Value::Index(r.user - 1));
        values.extend(self.user.rows[&r.user].iter().cloned());
        values.push(Value::Dense(vec![r.score].into()));
        out.push(&Sample(values))
            .map_err(|e| ProviderError::Usage(e.to_string()))
    }
}

pub fn source(spec: &DataSourceSpec, o: &Options) -> Result<MovielensSource> {
    let meta = o.dict("meta")?.ok_or_else(|| {
        option_error(
            ORIGIN,
            "meta",
            "required: the unpickled meta file, passed as args={'meta': meta} as the chapter does",
        )
    })?;
    Ok(MovielensSource {
        movie: Arc::new(table(&meta, "movie")?),
        user: Arc::new(table(&meta, "user")?),
        units: read_list(&spec.list)?,
    })
}

pub fn open(spec: &DataSourceSpec, o: &Options, seed: u64) -> Result<Box<dyn DataProvider>> {
    let src = source(spec, o)?;
    // The chapter's @provider(cache=CacheType.CACHE_PASS_IN_MEM).
    let settings = PoolSettings::from_options(o, spec.is_train, CacheType::CachePassInMem)?;
    o.check_unused()?;
    crate::registry::start(spec, src, settings, seed)
}
