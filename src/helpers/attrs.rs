//! Constructors of the attribute objects: activations, poolings, ParamAttr, ExtraAttr,
//! HookAttr, and the class names configs test with `isinstance`.

use super::args::*;
use super::objects::*;
use super::state::State;
use crate::eval::{Bound, EvalError, HostType, Interp, Module, Value};
use crate::graph::{LayerExtra, ParamAttrs, ParameterUpdaterHookConfig, Real};
use std::cell::RefCell;
use std::rc::Rc;

fn host_type(
    m: &Module,
    name: &str,
    spec: &str,
    f: impl Fn(&mut Interp, Bound) -> Result<Value, EvalError> + 'static,
) {
    let ctor = Value::native(name, spec, f);
    m.set(
        name,
        HostType::new(name).with_constructor(ctor).into_value(),
    );
}

fn plain_type(m: &Module, name: &str) {
    m.set(name, HostType::new(name).into_value());
}

/// `is_compatible_with(x, float)`: a number that is not a bool.
fn float_like(v: &Value) -> Option<Real> {
    match v {
        Value::Int(_) | Value::Float(_) => real(v),
        _ => None,
    }
}

fn param_attr_ctor(_: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let mut p = ParamAttrs::default();
    let is_static = a.bool("is_static");
    if is_static {
        p.is_static = Some(true);
    }
    let (std, mean, max, min) = (
        a.arg("initial_std")?,
        a.arg("initial_mean")?,
        a.arg("initial_max")?,
        a.arg("initial_min")?,
    );
    if std.is_none() && mean.is_none() && max.is_none() && min.is_none() {
        p.initial_smart = Some(true);
    } else if float_like(std).is_some() || float_like(mean).is_some() {
        p.initial_std = float_like(std);
        p.initial_mean = float_like(mean);
        p.initial_strategy = Some(0);
    } else if let (Some(hi), Some(lo)) = (float_like(max), float_like(min)) {
        if lo.as_f64() >= hi.as_f64() {
            return Err(EvalError::value_error(format!(
                "ParamAttr(): initial_min ({lo}) must be less than initial_max ({hi})"
            )));
        }
        // Python 2 arithmetic: two ints stay ints (and divide by flooring).
        let (m, s) = match (hi, lo) {
            (Real::Int(h), Real::Int(l)) => {
                let m = (h + l).div_euclid(2);
                (Real::Int(m), Real::Int(m - l))
            }
            _ => {
                let m = (hi.as_f64() + lo.as_f64()) / 2.0;
                (Real::Float(m), Real::Float(m - lo.as_f64()))
            }
        };
        p.initial_mean = Some(m);
        p.initial_std = Some(s);
        p.initial_strategy = Some(1);
    } else {
        return Err(EvalError::type_error(
            "ParamAttr(): initial_std/initial_mean, or initial_max with initial_min, must be numbers",
        ));
    }
    if !is_static {
        p.decay_rate_l1 = float_like(a.arg("l1_rate")?);
        p.decay_rate = float_like(a.arg("l2_rate")?);
        p.learning_rate = float_like(a.arg("learning_rate")?);
        p.momentum = float_like(a.arg("momentum")?);
    }
    p.parameter_name = a.arg_opt_str("name")?;
    if a.bool("sparse_update") {
        p.sparse_update = Some(true);
        p.sparse_remote_update = Some(true);
    }
    p.gradient_clipping_threshold = float_like(a.arg("gradient_clipping_threshold")?);
    let hooks = a.arg("update_hooks")?;
    if hooks.truthy() {
        for h in items(hooks) {
            let hook = h.downcast_host::<HookAttr>().ok_or_else(|| {
                EvalError::type_error(format!(
                    "ParamAttr(): update_hooks must be HookAttr objects, not {}",
                    h.type_name()
                ))
            })?;
            if hook.r#type == "pruning" || hook.r#type == "dpruning" {
                p.update_hooks.push(ParameterUpdaterHookConfig {
                    r#type: hook.r#type.clone(),
                    sparsity_ratio: if hook.r#type == "pruning" {
                        hook.sparsity_ratio
                    } else {
                        None
                    },
                });
            }
        }
    }
    Ok(Value::host(ParamAttr { attrs: p }))
}

fn extra_attr_ctor(_: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "ExtraAttr";
    let mut e = LayerExtra::default();
    if let Some(v) = a.opt("error_clipping_threshold") {
        let t = real_arg(v, f, "error_clipping_threshold")?.as_f64();
        if t < 0.0 {
            return Err(EvalError::value_error("Error clipping must > 0"));
        }
        e.error_clipping_threshold = Some(Real::Float(t));
    }
    if let Some(v) = a.opt("drop_rate") {
        let d = real_arg(v, f, "drop_rate")?.as_f64();
        if d < 0.0 {
            return Err(EvalError::value_error("Dropout rate must > 0"));
        }
        e.drop_rate = Some(Real::Float(d));
    }
    if let Value::Int(d) = a.arg("device")? {
        e.device = Some(*d as i32);
    }
    Ok(Value::host(ExtraAttr { extra: e }))
}

/// `LayerOutput(name, layer_type, ...)`: a handle on a layer a config built itself (with
/// `Layer(type=...)`), so the helpers can take it as input.
fn layer_output_ctor(st: &Rc<State>, a: Bound) -> Result<Value, EvalError> {
    let f = "LayerOutput";
    let name = a.arg_str("name")?;
    let layer_type = a.arg_str("layer_type")?;
    let size = a.arg_opt_uint("size")?;
    let mut out =
        LayerOutput::new(st, &name, &layer_type, size).with_filters(a.arg_opt_uint("num_filters")?);
    if let Some(act) = a.opt("activation") {
        out = out.with_act(act);
    }
    if let Some(parents) = a.opt("parents") {
        out = out.with_parents(layers_arg(parents, f, "parents")?);
    }
    if let Some(outputs) = a.opt("outputs") {
        out.outputs = items(outputs)
            .iter()
            .map(|o| str_arg(o, f, "outputs"))
            .collect::<Result<_, _>>()?;
    }
    if let Some(r) = a.opt("reverse") {
        out.reverse.set(Some(r.truthy()));
    }
    Ok(out.value())
}

fn hook_attr_ctor(_: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let ratio = a.arg_opt_real("sparsity_ratio")?;
    if let Some(r) = ratio {
        if !(0.0..=1.0).contains(&r.as_f64()) {
            return Err(EvalError::value_error(
                "sparsity_ratio must be a float between [0, 1] ",
            ));
        }
    }
    Ok(Value::host(HookAttr {
        r#type: a.arg_str("type")?,
        sparsity_ratio: ratio,
    }))
}

fn pooling(
    class: &'static str,
    name: &str,
    strategy: Option<&str>,
    max_index: Option<bool>,
) -> Value {
    Value::host(Pooling {
        class,
        name: RefCell::new(name.to_string()),
        strategy: strategy.map(str::to_string),
        output_max_index: max_index,
    })
}

pub fn register(m: &Module, st: &Rc<State>) {
    for (class, _, _) in ACTIVATIONS {
        let class: &'static str = class;
        host_type(m, class, "", move |_, _| Ok(activation(class)));
    }
    // Paddle's activation names are the C++ kernels' fixed set, so a BaseActivation names
    // one of the classes above.
    host_type(m, "BaseActivation", "name, support_hppl", |_, a| {
        let name = a.arg_str("name")?;
        let (_, known, _) = ACTIVATIONS
            .iter()
            .find(|(_, n, _)| *n == name)
            .copied()
            .ok_or_else(|| {
                EvalError::value_error(format!("BaseActivation(): unknown activation '{name}'"))
            })?;
        Ok(Value::host(Activation {
            class: "BaseActivation",
            name: known,
            support_hppl: a.bool("support_hppl"),
        }))
    });
    host_type(m, "MaxPooling", "output_max_index=None", |_, a| {
        let idx = a.opt("output_max_index").map(|v| v.truthy());
        Ok(pooling("MaxPooling", "max", None, idx))
    });
    host_type(m, "AvgPooling", "strategy='average'", |_, a| {
        let s = str_arg(a.arg("strategy")?, "AvgPooling", "strategy")?;
        Ok(pooling("AvgPooling", "average", Some(&s), None))
    });
    host_type(m, "SumPooling", "", |_, _| {
        Ok(pooling("SumPooling", "average", Some("sum"), None))
    });
    host_type(m, "SquareRootNPooling", "", |_, _| {
        Ok(pooling(
            "SquareRootNPooling",
            "average",
            Some("squarerootn"),
            None,
        ))
    });
    host_type(m, "CudnnMaxPooling", "", |_, _| {
        Ok(pooling("CudnnMaxPooling", "cudnn-max-pool", None, None))
    });
    host_type(m, "CudnnAvgPooling", "", |_, _| {
        Ok(pooling("CudnnAvgPooling", "cudnn-avg-pool", None, None))
    });
    host_type(m, "CudnnAvgInclPadPooling", "", |_, _| {
        Ok(pooling(
            "CudnnAvgInclPadPooling",
            "cudnn-avg-incl-pad-pool",
            None,
            None,
        ))
    });
    host_type(m, "MaxWithMaskPooling", "", |_, _| {
        Ok(pooling(
            "MaxWithMaskPooling",
            "max-pool-with-mask",
            None,
            None,
        ))
    });
    host_type(m, "BasePoolingType", "name", |_, a| {
        let name = str_arg(a.arg("name")?, "BasePoolingType", "name")?;
        Ok(pooling("BasePoolingType", &name, None, None))
    });
    let spec = "name=None, is_static=False, initial_std=None, initial_mean=None, initial_max=None, initial_min=None, \
                l1_rate=None, l2_rate=None, learning_rate=None, momentum=None, gradient_clipping_threshold=None, \
                sparse_update=False, update_hooks=None, initializer=None";
    host_type(m, "ParameterAttribute", spec, param_attr_ctor);
    host_type(m, "ParamAttr", spec, param_attr_ctor);
    let spec = "error_clipping_threshold=None, drop_rate=None, device=None";
    host_type(m, "ExtraLayerAttribute", spec, extra_attr_ctor);
    host_type(m, "ExtraAttr", spec, extra_attr_ctor);
    host_type(
        m,
        "HookAttribute",
        "type, sparsity_ratio=None",
        hook_attr_ctor,
    );
    host_type(m, "HookAttr", "type, sparsity_ratio=None", hook_attr_ctor);
    let st2 = st.clone();
    host_type(
        m,
        "LayerOutput",
        "name, layer_type, parents=None, activation=None, num_filters=None, \
         img_norm_type=None, size=None, outputs=None, reverse=None",
        move |_, a| layer_output_ctor(&st2, a),
    );
    plain_type(m, "Projection");
    plain_type(m, "Operator");
    host_type(
        m,
        "StaticInput",
        "input, is_seq=False, size=None",
        |_, a| {
            let input = layer_arg(a.arg("input")?, "StaticInput", "input")?;
            if let Some(s) = opt_uint(a.arg("size")?, "StaticInput", "size")? {
                if input.size.get() != Some(s) {
                    return Err(EvalError::value_error(format!(
                        "StaticInput(): size={s} does not match the size of '{}'",
                        input.name
                    )));
                }
            }
            Ok(Value::host(StaticInput {
                input: a.arg("input")?.clone(),
            }))
        },
    );
    m.add_native("SubsequenceInput", "input", |_, a| {
        Ok(a.arg("input")?.clone())
    });
    host_type(
        m,
        "GeneratedInput",
        "size, embedding_name, embedding_size",
        |_, a| {
            Ok(Value::host(GeneratedInput {
                size: a.arg_uint("size")?,
                embedding_name: a.arg_str("embedding_name")?,
                embedding_size: a.arg_uint("embedding_size")?,
            }))
        },
    );
    plain_type(m, "BaseGeneratedInput");
}
