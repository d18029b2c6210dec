//! What the book chapters' providers share: dictionaries passed in the config's `args` (a dict
//! of word -> id, as `load_dict` builds them), and typed reads of nested `args` values, each
//! failing with the option's name and what was found.

use std::collections::HashMap;

use crate::error::{ProviderError, Result};
use crate::options::Options;
use crate::spec::ArgValue;

pub(crate) fn option_error(origin: &str, key: &str, msg: impl Into<String>) -> ProviderError {
    ProviderError::Option {
        origin: origin.into(),
        key: key.into(),
        msg: msg.into(),
    }
}

/// A required dict of word -> id from `args` (`origin` names the provider for messages).
pub(crate) fn word_dict(o: &Options, origin: &str, key: &str) -> Result<HashMap<String, i64>> {
    let d = o.dict(key)?.ok_or_else(|| {
        option_error(
            origin,
            key,
            "required: a dict of word -> id, passed in the config's args as the chapter does",
        )
    })?;
    let mut map = HashMap::with_capacity(d.len());
    for (w, v) in d {
        match v {
            ArgValue::Int(i) if i >= 0 => {
                map.insert(w, i);
            }
            other => {
                return Err(option_error(
                    origin,
                    key,
                    format!("word {w:?} maps to {other}, expected an id >= 0"),
                ))
            }
        }
    }
    Ok(map)
}

/// `len(d)` as PyDataProvider2 sizes `integer_value(len(d))`; ids must fit below it.
pub(crate) fn dict_len(d: &HashMap<String, i64>, origin: &str, key: &str) -> Result<usize> {
    let n = d.len();
    if let Some((w, &id)) = d.iter().find(|(_, &id)| id as usize >= n) {
        return Err(option_error(
            origin,
            key,
            format!("word {w:?} has id {id}, outside integer_value(len(dict)) = [0, {n})"),
        ));
    }
    Ok(n.max(1))
}
