//! Typed access to a provider's options: the entry in providers.toml merged with the config's
//! `args`. Every key read is recorded, so a misspelt key in providers.toml is an error rather
//! than a silently ignored setting.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use crate::error::{ProviderError, Result};
use crate::spec::ArgValue;

/// Where an option came from, for messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// providers.toml, with the table name, e.g. `models/providers.toml [dataprovider.process]`.
    Toml(String),
    /// The config's `args={...}`, e.g. `models/vgg.cfg:9 args`.
    Args(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Toml(s) | Origin::Args(s) => f.write_str(s),
        }
    }
}

#[derive(Debug, Default)]
pub struct Options {
    entries: BTreeMap<String, (ArgValue, Origin)>,
    used: RefCell<BTreeSet<String>>,
}

impl Options {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or overrides) an option.
    pub fn set(&mut self, key: impl Into<String>, value: ArgValue, origin: Origin) {
        self.entries.insert(key.into(), (value, origin));
    }

    fn get(&self, key: &str) -> Option<&(ArgValue, Origin)> {
        self.used.borrow_mut().insert(key.to_string());
        self.entries
            .get(key)
            .filter(|(v, _)| !matches!(v, ArgValue::None))
    }

    fn bad(&self, key: &str, origin: &Origin, msg: String) -> ProviderError {
        ProviderError::Option {
            origin: origin.to_string(),
            key: key.to_string(),
            msg,
        }
    }

    pub fn string(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some((ArgValue::Str(s), _)) => Ok(Some(s.clone())),
            Some((v, o)) => Err(self.bad(key, o, format!("expected a string, got {}", short(v)))),
        }
    }

    /// Accepts what PyDataProvider2's `should_shuffle` accepts: bools, 0/1, and
    /// 't'/'true'/'on'/'f'/'false'/'off'.
    pub fn bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some((ArgValue::Bool(b), _)) => Ok(Some(*b)),
            Some((ArgValue::Int(i @ (0 | 1)), _)) => Ok(Some(*i == 1)),
            Some((ArgValue::Str(s), o)) => match s.to_ascii_lowercase().as_str() {
                "t" | "true" | "on" | "1" => Ok(Some(true)),
                "f" | "false" | "off" | "0" => Ok(Some(false)),
                _ => Err(self.bad(key, o, format!("expected a bool, got {s:?}"))),
            },
            Some((v, o)) => Err(self.bad(key, o, format!("expected a bool, got {}", short(v)))),
        }
    }

    pub fn int(&self, key: &str) -> Result<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some((ArgValue::Int(i), _)) => Ok(Some(*i)),
            Some((v, o)) => Err(self.bad(key, o, format!("expected an integer, got {}", short(v)))),
        }
    }

    /// A size; PyDataProvider2's `-1` (and any negative) means "not set".
    pub fn size(&self, key: &str) -> Result<Option<usize>> {
        Ok(self.int(key)?.and_then(|i| usize::try_from(i).ok()))
    }

    /// A strictly positive size.
    pub fn positive(&self, key: &str) -> Result<Option<usize>> {
        match self.int(key)? {
            None => Ok(None),
            Some(i) if i > 0 => Ok(Some(i as usize)),
            Some(i) => {
                let o = self.entries[key].1.clone();
                Err(self.bad(key, &o, format!("must be > 0, got {i}")))
            }
        }
    }

    pub fn float(&self, key: &str) -> Result<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some((ArgValue::Float(x), _)) => Ok(Some(*x)),
            Some((ArgValue::Int(i), _)) => Ok(Some(*i as f64)),
            Some((v, o)) => Err(self.bad(key, o, format!("expected a number, got {}", short(v)))),
        }
    }

    /// A dict (from the config's `args`, or a TOML table).
    pub fn dict(&self, key: &str) -> Result<Option<BTreeMap<String, ArgValue>>> {
        match self.get(key) {
            None => Ok(None),
            Some((ArgValue::Dict(d), _)) => Ok(Some(d.clone())),
            Some((v, o)) => Err(self.bad(key, o, format!("expected a dict, got {}", short(v)))),
        }
    }

    /// A list of any values.
    pub fn get_list(&self, key: &str) -> Result<Option<Vec<ArgValue>>> {
        match self.get(key) {
            None => Ok(None),
            Some((ArgValue::List(v), _)) => Ok(Some(v.clone())),
            Some((v, o)) => Err(self.bad(key, o, format!("expected a list, got {}", short(v)))),
        }
    }

    /// The value as given, for providers that walk nested `args` themselves.
    pub fn value(&self, key: &str) -> Option<ArgValue> {
        self.get(key).map(|(v, _)| v.clone())
    }

    /// A number or a list of numbers.
    pub fn floats(&self, key: &str) -> Result<Option<Vec<f32>>> {
        match self.get(key) {
            None => Ok(None),
            Some((ArgValue::Float(x), _)) => Ok(Some(vec![*x as f32])),
            Some((ArgValue::Int(i), _)) => Ok(Some(vec![*i as f32])),
            Some((ArgValue::List(items), o)) => items
                .iter()
                .map(|v| match v {
                    ArgValue::Float(x) => Ok(*x as f32),
                    ArgValue::Int(i) => Ok(*i as f32),
                    v => Err(self.bad(key, o, format!("expected numbers, got {}", short(v)))),
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some((v, o)) => Err(self.bad(
                key,
                o,
                format!("expected a number or a list, got {}", short(v)),
            )),
        }
    }

    /// Errors for a providers.toml key that no one read; a config `args` key no provider reads
    /// only gets a warning, since a Python provider's `**kwargs` ignored those too.
    pub fn check_unused(&self) -> Result<()> {
        let used = self.used.borrow();
        for (k, (_, origin)) in &self.entries {
            if used.contains(k) {
                continue;
            }
            match origin {
                Origin::Toml(_) => {
                    let mut known: Vec<&str> = used.iter().map(String::as_str).collect();
                    known.sort();
                    return Err(self.bad(
                        k,
                        origin,
                        format!("unknown option; this provider reads: {}", known.join(", ")),
                    ));
                }
                Origin::Args(_) => {
                    tracing::warn!("{origin}: argument '{k}' is not used by this provider")
                }
            }
        }
        Ok(())
    }
}

/// A value for messages, cut short (a dictionary arg may hold thousands of words).
fn short(v: &ArgValue) -> String {
    let s = v.to_string();
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_getters_and_unknown_keys() {
        let mut o = Options::new();
        let t = Origin::Toml("p.toml [a.b]".into());
        o.set("flag", ArgValue::Str("off".into()), t.clone());
        o.set("n", ArgValue::Int(-1), t.clone());
        o.set(
            "mean",
            ArgValue::List(vec![ArgValue::Int(1), ArgValue::Float(2.5)]),
            t.clone(),
        );
        o.set("typo", ArgValue::Int(3), t.clone());
        assert_eq!(o.bool("flag").unwrap(), Some(false));
        assert_eq!(o.size("n").unwrap(), None);
        assert_eq!(o.floats("mean").unwrap(), Some(vec![1.0, 2.5]));
        assert!(o
            .string("n")
            .unwrap_err()
            .to_string()
            .contains("expected a string"));
        let e = o.check_unused().unwrap_err().to_string();
        assert!(e.contains("'typo'") && e.contains("p.toml [a.b]"), "{e}");
    }
}
