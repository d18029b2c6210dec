//! What the config says about one data source, independent of the interpreter: the trainer
//! converts the graph's DataConfig (from `define_py_data_sources2` / `TrainData`) into this.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// A typed value from the config's `args={...}` (or from providers.toml).
#[derive(Debug, Clone, PartialEq)]
pub enum ArgValue {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<ArgValue>),
    Dict(BTreeMap<String, ArgValue>),
}

impl fmt::Display for ArgValue {
    /// Python's repr, since that is how the user wrote it in the config.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgValue::None => write!(f, "None"),
            ArgValue::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
            ArgValue::Int(i) => write!(f, "{i}"),
            ArgValue::Float(x) => write!(f, "{x:?}"),
            ArgValue::Str(s) => write!(f, "{s:?}"),
            ArgValue::List(v) => {
                write!(f, "[")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{x}")?;
                }
                write!(f, "]")
            }
            ArgValue::Dict(m) => {
                write!(f, "{{")?;
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k:?}: {x}")?;
                }
                write!(f, "}}")
            }
        }
    }
}

impl ArgValue {
    pub(crate) fn from_toml(v: &toml::Value) -> ArgValue {
        match v {
            toml::Value::String(s) => ArgValue::Str(s.clone()),
            toml::Value::Integer(i) => ArgValue::Int(*i),
            toml::Value::Float(x) => ArgValue::Float(*x),
            toml::Value::Boolean(b) => ArgValue::Bool(*b),
            toml::Value::Datetime(d) => ArgValue::Str(d.to_string()),
            toml::Value::Array(a) => ArgValue::List(a.iter().map(ArgValue::from_toml).collect()),
            toml::Value::Table(t) => ArgValue::Dict(
                t.iter()
                    .map(|(k, v)| (k.clone(), ArgValue::from_toml(v)))
                    .collect(),
            ),
        }
    }
}

/// One data source: the train or the test half of `define_py_data_sources2(...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSourceSpec {
    /// The config file, for error messages and to find `providers.toml` beside it.
    pub config_path: PathBuf,
    /// The line of the `define_py_data_sources2` call (1-based), for error messages.
    pub config_line: usize,
    /// `train_list` or `test_list`: the file list, relative to the working directory as in Paddle.
    pub list: PathBuf,
    pub module: String,
    pub obj: String,
    pub args: BTreeMap<String, ArgValue>,
    pub is_train: bool,
    /// The data layer names in the order the network wants the slots (Paddle's `input_order`).
    /// Empty: the provider's own order.
    pub input_order: Vec<String>,
}
