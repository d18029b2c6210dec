//! From the config's data sources (`define_py_data_sources2`, as DataConfig) to running
//! providers, and from provider batches to the network's feed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use paddlers_graph::{DataConfig, TrainerConfig};
use paddlers_providers::pickle::{self, PyValue};
use paddlers_providers::{ArgValue, DataProvider, DataSourceSpec};

use super::error::TrainError;

/// The provider spec for `data` (the train half when `is_train`).
pub fn spec(
    config: &TrainerConfig,
    data: &DataConfig,
    is_train: bool,
) -> Result<DataSourceSpec, TrainError> {
    let what = if is_train { "train" } else { "test" };
    if data.r#type != "py2" {
        return Err(TrainError::Config(format!(
            "the {what} data source has type '{}'; paddlers reads data through \
             define_py_data_sources2 (type py2) only",
            data.r#type
        )));
    }
    let field = |v: &Option<String>, name: &str| {
        v.clone()
            .ok_or_else(|| TrainError::Config(format!("the {what} data source has no {name}")))
    };
    let (config_path, config_line) = match &data.declared_at {
        Some(at) => (at.file.clone(), at.line as usize),
        None => (
            PathBuf::from(config.config_file.clone().unwrap_or_default()),
            0,
        ),
    };
    Ok(DataSourceSpec {
        config_path,
        config_line,
        list: PathBuf::from(field(&data.files, "file list")?),
        module: field(&data.load_data_module, "module")?,
        obj: field(&data.load_data_object, "obj")?,
        args: provider_args(data.load_data_args.as_deref().unwrap_or(""))
            .map_err(|m| TrainError::Config(format!("the {what} data source's args: {m}")))?,
        is_train,
        // PyDataProvider2 orders a dict of input_types by the network's input layers.
        input_order: config.model_config.input_layer_names.clone(),
    })
}

/// Opens the train and test providers the config declares.
#[allow(clippy::type_complexity)]
pub fn open(
    config: &TrainerConfig,
    seed: u64,
) -> Result<(Option<Box<dyn DataProvider>>, Option<Box<dyn DataProvider>>), TrainError> {
    let open_one = |d: &Option<DataConfig>, is_train| -> Result<_, TrainError> {
        match d {
            None => Ok(None),
            Some(d) => {
                let spec = spec(config, d, is_train)?;
                paddlers_providers::open(&spec, seed)
                    .map(Some)
                    .map_err(|e| TrainError::Data(e.to_string()))
            }
        }
    };
    Ok((
        open_one(&config.data_config, true)?,
        open_one(&config.test_data_config, false)?,
    ))
}

/// `args=` as the config wrote it: Paddle passes it to the provider as a protocol-0 pickle.
pub fn provider_args(pickled: &str) -> Result<BTreeMap<String, ArgValue>, String> {
    if pickled.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let value = pickle::load(pickled.as_bytes())
        .map_err(|e| format!("unreadable pickle at byte {}: {}", e.offset, e.msg))?;
    match arg_value(&value)? {
        ArgValue::Dict(d) => Ok(d),
        ArgValue::None => Ok(BTreeMap::new()),
        other => Err(format!("expected a dict, got {other}")),
    }
}

fn arg_value(v: &PyValue) -> Result<ArgValue, String> {
    Ok(match v {
        PyValue::None => ArgValue::None,
        PyValue::Bool(b) => ArgValue::Bool(*b),
        PyValue::Int(i) => ArgValue::Int(*i),
        PyValue::Float(f) => ArgValue::Float(*f),
        PyValue::Bytes(_) | PyValue::Str(_) => {
            ArgValue::Str(v.as_text().expect("str and unicode have text"))
        }
        PyValue::List(_) | PyValue::Tuple(_) => ArgValue::List(
            v.items()
                .expect("lists and tuples have items")
                .iter()
                .map(arg_value)
                .collect::<Result<_, _>>()?,
        ),
        PyValue::Dict(d) => {
            let mut out = BTreeMap::new();
            for (k, x) in d.borrow().iter() {
                let key = match k {
                    PyValue::Int(i) => i.to_string(),
                    k => k
                        .as_text()
                        .ok_or_else(|| format!("a dict key of type {}", k.type_name()))?,
                };
                out.insert(key, arg_value(x)?);
            }
            ArgValue::Dict(out)
        }
        other => return Err(format!("a value of type {}", other.type_name())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_from_a_protocol_0_pickle() {
        // cPickle.dumps({'mean_path': 'data/mean.meta', 'is_train': True, 'n': 3}, 0)
        let p = "(dp1\nS'mean_path'\np2\nS'data/mean.meta'\np3\nsS'is_train'\np4\nI01\nsS'n'\np5\nI3\ns.";
        let args = provider_args(p).unwrap();
        assert_eq!(args["mean_path"], ArgValue::Str("data/mean.meta".into()));
        assert_eq!(args["is_train"], ArgValue::Bool(true));
        assert_eq!(args["n"], ArgValue::Int(3));
        assert!(provider_args("").unwrap().is_empty());
        assert!(provider_args("I3\n.")
            .unwrap_err()
            .contains("expected a dict"));
    }
}
