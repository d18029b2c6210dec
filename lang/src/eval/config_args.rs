//! `--config_args` and `get_config_arg`, as Paddle's config_parser defines them.

use super::value::{BuiltinType, Value};
use super::{Bound, EvalError, Interp};
use indexmap::IndexMap;

/// Parses `a=1,b=x` (Paddle splits on ',' then '='). Empty items are ignored.
pub fn parse_config_args(s: &str) -> Result<IndexMap<String, String>, String> {
    let mut out = IndexMap::new();
    for item in s.split(',') {
        if item.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = item.split_once('=') else {
            return Err(format!("config arg '{item}' is not of the form name=value"));
        };
        if v.contains('=') {
            return Err(format!("config arg '{item}' has more than one '='"));
        }
        out.insert(k.trim().to_string(), v.to_string());
    }
    Ok(out)
}

/// `get_config_arg(name, type, default=None)`: bools accept True/true/1 and False/false/0;
/// other types are applied to the string (or to the default when the arg is absent).
pub(crate) fn get_config_arg(interp: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = a.str("name")?;
    let ty = a.get("type").clone();
    interp.config_args_read.insert(name.to_string());
    let raw = interp.config_args.get(&*name).cloned();
    if matches!(ty, Value::Type(BuiltinType::Bool)) {
        return match raw.as_deref() {
            None => Ok(a.get("default").clone()),
            Some("True" | "true" | "1") => Ok(Value::Bool(true)),
            Some("False" | "false" | "0") => Ok(Value::Bool(false)),
            Some(other) => Err(EvalError::value_error(format!(
                "Value of config_arg {name} is not boolean: '{other}'"
            ))),
        };
    }
    let v = match raw {
        Some(s) => Value::str(&s),
        None => a.get("default").clone(),
    };
    interp.call(&ty, vec![v], Vec::new()).map_err(|e| {
        let m = format!("config_arg {name}: {}", e.message());
        EvalError::new(e.kind(), m)
    })
}
