//! Reading helper arguments the way trainer_config_helpers reads them: one layer or a list,
//! `ParamAttr`/`ExtraAttr` objects with Paddle's defaults, `True`/`False`/attr biases,
//! `(x, y)` pairs for image sizes.

use super::objects::{ExtraAttr, LayerOutput, ParamAttr};
use crate::eval::{EvalError, Value};
use crate::graph::{LayerExtra, ParamAttrs, Real};

/// A number as Paddle stored it in a float field: ints stay ints.
pub fn real(v: &Value) -> Option<Real> {
    match v {
        Value::Int(i) => Some(Real::Int(*i)),
        Value::Bool(b) => Some(Real::Int(*b as i64)),
        Value::Float(f) => Some(Real::Float(*f)),
        _ => None,
    }
}

pub fn real_arg(v: &Value, func: &str, what: &str) -> Result<Real, EvalError> {
    real(v).ok_or_else(|| {
        EvalError::type_error(format!(
            "{func}() argument '{what}' must be a number, not {}",
            v.type_name()
        ))
    })
}

pub fn opt_real(v: &Value, func: &str, what: &str) -> Result<Option<Real>, EvalError> {
    if v.is_none() {
        Ok(None)
    } else {
        real_arg(v, func, what).map(Some)
    }
}

pub fn int_arg(v: &Value, func: &str, what: &str) -> Result<i64, EvalError> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        Value::Float(f) if f.fract() == 0.0 => Ok(*f as i64),
        _ => Err(EvalError::type_error(format!(
            "{func}() argument '{what}' must be an int, not {}",
            v.type_name()
        ))),
    }
}

pub fn uint_arg(v: &Value, func: &str, what: &str) -> Result<u64, EvalError> {
    let i = int_arg(v, func, what)?;
    u64::try_from(i).map_err(|_| {
        EvalError::value_error(format!(
            "{func}() argument '{what}' must not be negative, got {i}"
        ))
    })
}

pub fn opt_uint(v: &Value, func: &str, what: &str) -> Result<Option<u64>, EvalError> {
    if v.is_none() {
        Ok(None)
    } else {
        uint_arg(v, func, what).map(Some)
    }
}

pub fn str_arg(v: &Value, func: &str, what: &str) -> Result<String, EvalError> {
    v.as_str().map(str::to_string).ok_or_else(|| {
        EvalError::type_error(format!(
            "{func}() argument '{what}' must be a str, not {}",
            v.type_name()
        ))
    })
}

pub fn opt_str(v: &Value, func: &str, what: &str) -> Result<Option<String>, EvalError> {
    if v.is_none() {
        Ok(None)
    } else {
        str_arg(v, func, what).map(Some)
    }
}

/// The items of a list or tuple, or the value itself as a one-item list.
pub fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.borrow().clone(),
        Value::Tuple(t) => t.as_ref().clone(),
        Value::None => Vec::new(),
        v => vec![v.clone()],
    }
}

pub fn is_sequence(v: &Value) -> bool {
    matches!(v, Value::List(_) | Value::Tuple(_))
}

/// `input=`: one LayerOutput or a list of them.
pub fn layers_arg(v: &Value, func: &str, what: &str) -> Result<Vec<Value>, EvalError> {
    let list = items(v);
    if list.is_empty() {
        return Err(EvalError::value_error(format!(
            "{func}() argument '{what}' is empty: give at least one layer"
        )));
    }
    for (i, l) in list.iter().enumerate() {
        if l.downcast_host::<LayerOutput>().is_none() {
            let at = if is_sequence(v) {
                format!("{what}[{i}]")
            } else {
                what.to_string()
            };
            return Err(EvalError::type_error(format!(
                "{func}() argument '{at}' must be a LayerOutput (the result of a layer helper), not {}",
                l.type_name()
            )));
        }
    }
    Ok(list)
}

pub fn lo(v: &Value) -> &LayerOutput {
    v.downcast_host::<LayerOutput>()
        .expect("checked by layers_arg")
}

/// `ParamAttr()` with nothing set: Paddle's "smart" initialization, std = 1/sqrt(fan_in).
pub fn smart_param() -> ParamAttrs {
    ParamAttrs {
        initial_smart: Some(true),
        ..Default::default()
    }
}

/// `ParamAttr(initial_std=0., initial_mean=0.)`: the default bias.
pub fn zero_param() -> ParamAttrs {
    ParamAttrs {
        initial_std: Some(Real::Float(0.0)),
        initial_mean: Some(Real::Float(0.0)),
        initial_strategy: Some(0),
        ..Default::default()
    }
}

/// `param_attr=`: None takes `default`.
pub fn param_attr(
    v: &Value,
    default: fn() -> ParamAttrs,
    func: &str,
) -> Result<ParamAttrs, EvalError> {
    if v.is_none() {
        return Ok(default());
    }
    v.downcast_host::<ParamAttr>()
        .map(|p| p.attrs.clone())
        .ok_or_else(|| {
            EvalError::type_error(format!(
                "{func}() argument 'param_attr' must be a ParamAttr, not {}",
                v.type_name()
            ))
        })
}

/// One ParamAttrs per input: a list must match the inputs, one attr is copied to each.
pub fn param_attrs_per_input(
    v: &Value,
    n: usize,
    func: &str,
) -> Result<Vec<ParamAttrs>, EvalError> {
    if is_sequence(v) {
        let list = items(v);
        if list.len() != n {
            return Err(EvalError::value_error(format!(
                "{func}(): {} param_attr given for {n} inputs",
                list.len()
            )));
        }
        return list
            .iter()
            .map(|p| param_attr(p, smart_param, func))
            .collect();
    }
    let attr = param_attr(v, smart_param, func)?;
    if attr.parameter_name.is_some() && n > 1 {
        return Err(EvalError::value_error(format!(
            "{func}(): When the name field of param_attr is manually specified and the input is a list, \
             the param_attr should also be a list with each item being the param_attr for each input item. \
             If only one named param_attr is provided, all the input items would share this parameter."
        )));
    }
    Ok(vec![attr; n])
}

/// `bias_attr=` after Paddle's `wrap_bias_attr_default(has_bias)` and `ParamAttr.to_bias`:
/// `None` is the layer's default, `True` a zero-initialized bias, `False` none.
pub fn bias_attr(v: &Value, has_bias: bool, func: &str) -> Result<Option<ParamAttrs>, EvalError> {
    match v {
        Value::None => Ok(has_bias.then(zero_param)),
        Value::Bool(true) => Ok(Some(zero_param())),
        Value::Bool(false) => Ok(None),
        v => match v.downcast_host::<ParamAttr>() {
            Some(p) => Ok(Some(p.attrs.clone())),
            None => Err(EvalError::type_error(format!(
                "{func}() argument 'bias_attr' must be a ParamAttr or a bool, not {}",
                v.type_name()
            ))),
        },
    }
}

/// `layer_attr=`, checked against what the layer supports (Paddle's `layer_support`).
pub fn extra_attr(v: &Value, func: &str, supports: &[&str]) -> Result<LayerExtra, EvalError> {
    if v.is_none() {
        return Ok(LayerExtra::default());
    }
    let extra = v
        .downcast_host::<ExtraAttr>()
        .map(|e| e.extra.clone())
        .ok_or_else(|| {
            EvalError::type_error(format!(
                "{func}() argument 'layer_attr' must be an ExtraAttr, not {}",
                v.type_name()
            ))
        })?;
    let set = [
        ("drop_rate", extra.drop_rate.is_some()),
        (
            "error_clipping_threshold",
            extra.error_clipping_threshold.is_some(),
        ),
    ];
    for (attr, is_set) in set {
        if is_set && !supports.contains(&attr) {
            return Err(EvalError::new(
                "NotImplementedError",
                format!("Layer {func} cannot support {attr}"),
            ));
        }
    }
    Ok(extra)
}

pub const DROPOUT: &str = "drop_rate";
pub const ERROR_CLIPPING: &str = "error_clipping_threshold";

/// An int, or an `(x, y)` pair: image helpers accept both for sizes, strides, paddings.
pub fn pair(v: &Value, y: &Value, func: &str, what: &str) -> Result<(u64, u64), EvalError> {
    if is_sequence(v) {
        let list = items(v);
        if list.len() != 2 {
            return Err(EvalError::value_error(format!(
                "{func}() argument '{what}' must be one int or a pair, got {} values",
                list.len()
            )));
        }
        let x = uint_arg(&list[0], func, what)?;
        let yv = if y.is_none() {
            uint_arg(&list[1], func, what)?
        } else {
            uint_arg(y, func, &format!("{what}_y"))?
        };
        return Ok((x, yv));
    }
    let x = uint_arg(v, func, what)?;
    let yv = if y.is_none() {
        x
    } else {
        uint_arg(y, func, &format!("{what}_y"))?
    };
    Ok((x, yv))
}

/// Typed getters on a native's bound arguments, errors worded from the called function's name
/// (`fc_layer() argument 'size' must be an int, not str`). A name the signature lacks is an
/// error too, never a panic.
pub trait Args {
    fn arg(&self, name: &str) -> Result<&Value, EvalError>;
    fn func(&self) -> &str;

    fn arg_uint(&self, name: &str) -> Result<u64, EvalError> {
        uint_arg(self.arg(name)?, self.func(), name)
    }
    fn arg_opt_uint(&self, name: &str) -> Result<Option<u64>, EvalError> {
        opt_uint(self.arg(name)?, self.func(), name)
    }
    fn arg_int(&self, name: &str) -> Result<i64, EvalError> {
        int_arg(self.arg(name)?, self.func(), name)
    }
    fn arg_real(&self, name: &str) -> Result<Real, EvalError> {
        real_arg(self.arg(name)?, self.func(), name)
    }
    fn arg_opt_real(&self, name: &str) -> Result<Option<Real>, EvalError> {
        opt_real(self.arg(name)?, self.func(), name)
    }
    fn arg_str(&self, name: &str) -> Result<String, EvalError> {
        str_arg(self.arg(name)?, self.func(), name)
    }
    fn arg_opt_str(&self, name: &str) -> Result<Option<String>, EvalError> {
        opt_str(self.arg(name)?, self.func(), name)
    }
    /// `input=`: one LayerOutput or a list of them.
    fn arg_layers(&self, name: &str) -> Result<Vec<Value>, EvalError> {
        layers_arg(self.arg(name)?, self.func(), name)
    }
    fn arg_layer(&self, name: &str) -> Result<&LayerOutput, EvalError> {
        super::objects::layer_arg(self.arg(name)?, self.func(), name)
    }
    /// A layer argument as a graph input (checked to be a LayerOutput first).
    fn arg_spec(&self, name: &str) -> Result<crate::graph::InputSpec, EvalError> {
        Ok(crate::graph::InputSpec::new(
            self.arg_layer(name)?.name.clone(),
        ))
    }
    /// One value or a list of them, as a list.
    fn arg_items(&self, name: &str) -> Result<Vec<Value>, EvalError> {
        Ok(items(self.arg(name)?))
    }
    /// `layer_attr=`, checked against what the layer supports.
    fn arg_extra(&self, supports: &[&str]) -> Result<LayerExtra, EvalError> {
        extra_attr(self.arg("layer_attr")?, self.func(), supports)
    }
    /// `bias_attr=` with the layer's default (`has_bias`).
    fn arg_bias(&self, has_bias: bool) -> Result<Option<ParamAttrs>, EvalError> {
        bias_attr(self.arg("bias_attr")?, has_bias, self.func())
    }
    /// `param_attr=`, None taking `default`.
    fn arg_param(&self, default: fn() -> ParamAttrs) -> Result<ParamAttrs, EvalError> {
        param_attr(self.arg("param_attr")?, default, self.func())
    }
    /// An activation argument (`act=`, `gate_act=`, ...), None taking `default`.
    fn arg_act(&self, name: &str, default: &str) -> Result<Value, EvalError> {
        super::objects::act_arg(self.arg(name)?, default, self.func(), name)
    }
}

impl Args for crate::eval::Bound {
    fn arg(&self, name: &str) -> Result<&Value, EvalError> {
        self.try_get(name).ok_or_else(|| {
            EvalError::type_error(format!(
                "{}() has no parameter named '{name}'",
                self.func_name
            ))
        })
    }
    fn func(&self) -> &str {
        &self.func_name
    }
}
