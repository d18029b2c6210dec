//! mixed_layer with its projections and operators, and the helpers built on it.

use super::args::*;
use super::build::{def, layer_name, Native};
use super::objects::*;
use super::state::{OrConfigError, State};
use crate::eval::{Bound, EvalError, Interp, Module, Value};
use crate::graph::layers::image::ConvSpec;
use crate::graph::layers::mixed::{self, MixedInput, OpKind, Operator, ProjKind, Projection};
use crate::graph::{InputSpec, LayerExtra, ParamAttrs};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

fn proj_value(kind: ProjKind, input: &Value, param: ParamAttrs, size: u64) -> Value {
    let l = lo(input);
    Value::host(ProjectionObj {
        proj: Projection {
            kind,
            input: InputSpec::with_param(l.name.clone(), param),
            size,
        },
        origin: input.clone(),
    })
}

fn weighted_proj(a: &Bound, kind: ProjKind) -> Result<Value, EvalError> {
    a.arg_layer("input")?;
    let size = a.arg_uint("size")?;
    let attr = a.arg_param(smart_param)?;
    Ok(proj_value(kind, a.arg("input")?, attr, size))
}

fn full_matrix_projection(_: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    weighted_proj(&a, ProjKind::Fc)
}

fn trans_full_matrix_projection(
    _: &Rc<State>,
    _: &mut Interp,
    a: Bound,
) -> Result<Value, EvalError> {
    weighted_proj(&a, ProjKind::TransFc)
}

fn table_projection(_: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    weighted_proj(&a, ProjKind::Table)
}

fn identity_projection(_: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let input = a.arg_layer("input")?;
    match a.arg_opt_uint("offset")? {
        None => Ok(proj_value(
            ProjKind::Identity,
            a.arg("input")?,
            ParamAttrs::default(),
            0,
        )),
        Some(offset) => {
            let size = match a.arg_opt_uint("size")? {
                Some(s) => s,
                None => input.size.get().unwrap_or(0).saturating_sub(offset),
            };
            Ok(proj_value(
                ProjKind::IdentityOffset { offset },
                a.arg("input")?,
                ParamAttrs::default(),
                size,
            ))
        }
    }
}

fn slice_projection(_: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "slice_projection";
    a.arg_layer("input")?;
    let mut slices = Vec::new();
    let mut start = 0;
    for s in a.arg_items("slices")? {
        let pair = items(&s);
        if pair.len() != 2 {
            return Err(EvalError::value_error(
                "slice_projection(): each slice must be a (start, end) pair",
            ));
        }
        let (b, e) = (
            uint_arg(&pair[0], f, "slices")?,
            uint_arg(&pair[1], f, "slices")?,
        );
        if b < start || e < b {
            return Err(EvalError::value_error(format!(
                "slice_projection(): slice ({b}, {e}) overlaps the previous one or is reversed"
            )));
        }
        start = e;
        slices.push((b as u32, e as u32));
    }
    if slices.is_empty() {
        return Err(EvalError::value_error(
            "slice_projection(): give at least one slice",
        ));
    }
    Ok(proj_value(
        ProjKind::Slice { slices },
        a.arg("input")?,
        ParamAttrs::default(),
        0,
    ))
}

fn scaling_projection(_: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    a.arg_layer("input")?;
    let attr = a.arg_param(smart_param)?;
    Ok(proj_value(ProjKind::Scaling, a.arg("input")?, attr, 0))
}

fn dotmul_projection(_: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let input = a.arg_layer("input")?;
    let attr = a.arg_param(smart_param)?;
    let size = input.size.get().unwrap_or(0);
    Ok(proj_value(ProjKind::DotMul, a.arg("input")?, attr, size))
}

fn context_projection(_: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "context_projection";
    a.arg_layer("input")?;
    let len = a.arg_int("context_len")?;
    let start = match a.opt("context_start") {
        Some(v) => int_arg(v, f, "context_start")?,
        // Python 2 floors: -(len - 1) / 2.
        None => (-(len - 1)).div_euclid(2),
    };
    // Paddle's wrap_bias_attr_default: an unset padding_attr means a trainable, zero padding.
    let padding = if a.is_given("padding_attr") {
        a.arg("padding_attr")?
    } else {
        &Value::None
    };
    let (trainable, attr) = match padding {
        Value::Bool(false) => (false, ParamAttrs::default()),
        Value::None | Value::Bool(true) => (true, zero_param()),
        v => match v.downcast_host::<ParamAttr>() {
            Some(p) => (true, p.attrs.clone()),
            None => {
                return Err(EvalError::type_error(format!(
                    "context_projection() argument 'padding_attr' must be a ParamAttr or a bool, not {}",
                    v.type_name()
                )))
            }
        },
    };
    Ok(proj_value(
        ProjKind::Context {
            start: start as i32,
            length: len as i32,
            trainable_padding: trainable,
        },
        a.arg("input")?,
        attr,
        0,
    ))
}

fn conv_spec(a: &Bound, f: &str, channels: u64, groups: u64) -> Result<ConvSpec, EvalError> {
    let (fx, fy) = pair(
        a.arg("filter_size")?,
        a.arg("filter_size_y")?,
        f,
        "filter_size",
    )?;
    let (sx, sy) = pair(a.arg("stride")?, a.arg("stride_y")?, f, "stride")?;
    let (px, py) = pair(a.arg("padding")?, a.arg("padding_y")?, f, "padding")?;
    Ok(ConvSpec {
        filter_size: fx as u32,
        filter_size_y: fy as u32,
        filter_size_z: 1,
        channels: channels as u32,
        padding: px as u32,
        padding_y: py as u32,
        padding_z: 0,
        stride: sx as u32,
        stride_y: sy as u32,
        stride_z: 1,
        groups: groups as u32,
        caffe_mode: true,
        dilation: None,
        dilation_y: None,
    })
}

fn conv_projection(_: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "conv_projection";
    let input = a.arg_layer("input")?;
    let channels = match a.arg_opt_uint("num_channels")? {
        Some(c) => c,
        None => input.num_filters.ok_or_else(|| {
            EvalError::value_error(format!(
                "conv_projection(): give num_channels for '{}'",
                input.name
            ))
        })?,
    };
    let groups = a.arg_uint("groups")?;
    let conv = conv_spec(&a, f, channels, groups)?;
    let mut attr = a.arg_param(smart_param)?;
    if attr.initial_smart == Some(true) {
        let fx = conv.filter_size as f64;
        attr.initial_mean = Some(crate::graph::Real::Float(0.0));
        attr.initial_std = Some(crate::graph::Real::Float(
            (2.0 / (fx * fx * channels as f64)).sqrt(),
        ));
        attr.initial_strategy = Some(0);
        attr.initial_smart = Some(false);
    }
    let num_filters = a.arg_uint("num_filters")? as u32;
    Ok(proj_value(
        ProjKind::Conv {
            conv,
            num_filters,
            trans: a.bool("trans"),
        },
        a.arg("input")?,
        attr,
        0,
    ))
}

fn dotmul_operator(_: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "dotmul_operator";
    let mut x = a.arg("a")?.clone();
    let mut y = a.arg("b")?.clone();
    for (k, v) in &a.kwargs {
        match &**k {
            "x" => x = v.clone(),
            "y" => y = v.clone(),
            other => {
                return Err(EvalError::type_error(format!(
                    "dotmul_operator() got an unexpected keyword argument '{other}'"
                )))
            }
        }
    }
    let (lx, ly) = (layer_arg(&x, f, "a")?, layer_arg(&y, f, "b")?);
    if let (Some(sa), Some(sb)) = (lx.size.get(), ly.size.get()) {
        if sa != sb {
            return Err(EvalError::value_error(format!(
                "dotmul_operator(): a and b must have the same size, got {sa} and {sb}"
            )));
        }
    }
    let scale = a.arg_real("scale")?;
    Ok(Value::host(OperatorObj {
        op: Operator {
            kind: OpKind::DotMul { scale: Some(scale) },
            inputs: vec![lx.name.clone(), ly.name.clone()],
        },
        origin: vec![x, y],
    }))
}

fn conv_operator(_: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "conv_operator";
    let img = a.arg_layer("img")?;
    let filter = a.arg_layer("filter")?;
    let channels = match a.arg_opt_uint("num_channels")? {
        Some(c) => c,
        None => img.num_filters.unwrap_or(0),
    };
    let conv = conv_spec(&a, f, channels, 1)?;
    let num_filters = a.arg_uint("num_filters")? as u32;
    Ok(Value::host(OperatorObj {
        op: Operator {
            kind: OpKind::Conv {
                conv,
                num_filters,
                trans: a.bool("trans"),
            },
            inputs: vec![img.name.clone(), filter.name.clone()],
        },
        origin: vec![a.arg("img")?.clone(), a.arg("filter")?.clone()],
    }))
}

/// Builds a mixed (or concat2) layer from projection and operator objects.
/// Returns its size and the layers it reads.
#[allow(clippy::too_many_arguments)]
pub fn build_mixed(
    st: &State,
    name: &str,
    layer_type: &str,
    size: u64,
    inputs: &[Value],
    bias: Option<ParamAttrs>,
    active_type: &str,
    extra: LayerExtra,
) -> Result<(u64, Vec<Value>), EvalError> {
    let mut mixed_inputs = Vec::new();
    let mut parents = Vec::new();
    for v in inputs {
        if let Some(p) = v.downcast_host::<ProjectionObj>() {
            mixed_inputs.push(MixedInput::Proj(p.proj.clone()));
            parents.push(p.origin.clone());
        } else if let Some(o) = v.downcast_host::<OperatorObj>() {
            mixed_inputs.push(MixedInput::Op(o.op.clone()));
            parents.extend(o.origin.iter().cloned());
        } else {
            return Err(EvalError::type_error(format!(
                "the inputs of a mixed layer must be projections or operators (full_matrix_projection(...), \
                 identity_projection(...), ...), not {}",
                v.type_name()
            )));
        }
    }
    st.with_builder(|b| {
        let idx = mixed::mixed_layer(
            b,
            mixed::MixedLayer {
                name: name.to_string(),
                layer_type: layer_type.to_string(),
                size,
                inputs: mixed_inputs,
                bias,
                active_type: active_type.to_string(),
                extra,
            },
        )
        .cfg()?;
        Ok((b.layer_at(idx).size(), parents))
    })
}

pub fn add_to_mixed(layer: &LayerOutput, m: &MixedPending, other: &Value) -> Result<(), EvalError> {
    if m.finalized.get() {
        return Err(EvalError::value_error(format!(
            "mixed layer '{}' is already built: add its inputs inside the `with` block",
            layer.name
        )));
    }
    if other.downcast_host::<ProjectionObj>().is_none()
        && other.downcast_host::<OperatorObj>().is_none()
    {
        return Err(EvalError::type_error(format!(
            "only projections and operators can be added to a mixed layer, not {}",
            other.type_name()
        )));
    }
    m.inputs.borrow_mut().push(other.clone());
    Ok(())
}

pub fn finish_mixed(layer: &LayerOutput, m: &MixedPending) -> Result<(), EvalError> {
    if m.finalized.get() {
        return Ok(());
    }
    let inputs = m.inputs.borrow().clone();
    if inputs.is_empty() {
        return Err(EvalError::value_error(format!(
            "mixed layer '{}' has no inputs",
            layer.name
        )));
    }
    let (size, parents) = build_mixed(
        &layer.state,
        &layer.name,
        m.layer_type,
        layer.size.get().unwrap_or(0),
        &inputs,
        m.bias.clone(),
        act_name(&m.act),
        m.extra.clone(),
    )?;
    layer.size.set(Some(size));
    layer.parents.borrow_mut().extend(parents);
    m.finalized.set(true);
    Ok(())
}

pub fn pending_mixed(
    st: &Rc<State>,
    name: &str,
    size: u64,
    act: Value,
    bias: Option<ParamAttrs>,
    extra: LayerExtra,
) -> LayerOutput {
    let mut out = LayerOutput::new(st, name, "mixed", if size == 0 { None } else { Some(size) })
        .with_act(&act);
    out.mixed = Some(MixedPending {
        layer_type: "mixed",
        act,
        bias,
        extra,
        inputs: RefCell::new(Vec::new()),
        finalized: Cell::new(false),
    });
    out
}

fn mixed_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "mixed")?;
    let act = a.arg_act("act", "LinearActivation")?;
    let bias = a.arg_bias(false)?;
    let extra = a.arg_extra(&[DROPOUT, ERROR_CLIPPING])?;
    let size = a.arg_uint("size")?;
    let out = pending_mixed(st, &name, size, act, bias, extra);
    if a.arg("input")?.is_none() {
        return Ok(out.value());
    }
    {
        let m = out.mixed.as_ref().expect("just made");
        for v in a.arg_items("input")? {
            add_to_mixed(&out, m, &v)?;
        }
        finish_mixed(&out, m)?;
    }
    Ok(out.value())
}

fn embedding_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "embedding")?;
    a.arg_layer("input")?;
    let size = a.arg_uint("size")?;
    let attr = a.arg_param(smart_param)?;
    let extra = a.arg_extra(&[DROPOUT, ERROR_CLIPPING])?;
    let out = pending_mixed(st, &name, size, activation("LinearActivation"), None, extra);
    {
        let m = out.mixed.as_ref().expect("just made");
        add_to_mixed(
            &out,
            m,
            &proj_value(ProjKind::Table, a.arg("input")?, attr, size),
        )?;
        finish_mixed(&out, m)?;
    }
    Ok(out.value())
}

/// `layer_math.exp(x)` and friends: an identity projection of `x` through the activation.
pub fn register_layer_math(m: &Module, st: &Rc<State>) {
    for (op, act) in [
        ("exp", "ExpActivation"),
        ("log", "LogActivation"),
        ("abs", "AbsActivation"),
        ("sigmoid", "SigmoidActivation"),
        ("tanh", "TanhActivation"),
        ("square", "SquareActivation"),
        ("relu", "ReluActivation"),
        ("sqrt", "SqrtActivation"),
        ("reciprocal", "ReciprocalActivation"),
    ] {
        let st = st.clone();
        m.add_native(op, "input, name=None", move |_, a| {
            layer_arg(a.arg("input")?, op, "input")?;
            let name = match a.opt("name") {
                Some(v) => str_arg(v, op, "name")?,
                None => st.with_builder(|b| b.unique_name(op)),
            };
            let out = pending_mixed(&st, &name, 0, activation(act), None, LayerExtra::default());
            {
                let m = out.mixed.as_ref().expect("just made");
                add_to_mixed(
                    &out,
                    m,
                    &proj_value(
                        ProjKind::Identity,
                        a.arg("input")?,
                        ParamAttrs::default(),
                        0,
                    ),
                )?;
                finish_mixed(&out, m)?;
            }
            Ok(out.value())
        });
    }
}

/// This family's natives: the name and Paddle's signature of each, then its function.
#[rustfmt::skip]
const NATIVES: &[(&str, &str, Native)] = &[
    ("full_matrix_projection", "input, size=0, param_attr=None", full_matrix_projection),
    ("trans_full_matrix_projection", "input, size=0, param_attr=None", trans_full_matrix_projection),
    ("table_projection", "input, size=0, param_attr=None", table_projection),
    ("identity_projection", "input, offset=None, size=None", identity_projection),
    ("slice_projection", "input, slices", slice_projection),
    ("scaling_projection", "input, param_attr=None", scaling_projection),
    ("dotmul_projection", "input, param_attr=None", dotmul_projection),
    ("context_projection", "input, context_len, context_start=None, padding_attr=False", context_projection),
    ("conv_projection", "input, filter_size, num_filters, num_channels=None, stride=1, padding=0, filter_size_y=None, stride_y=None, padding_y=None, groups=1, param_attr=None, trans=False", conv_projection),
    ("dotmul_operator", "a=None, b=None, scale=1, **kwargs", dotmul_operator),
    ("conv_operator", "img, filter, filter_size, num_filters, num_channels=None, stride=1, padding=0, filter_size_y=None, stride_y=None, padding_y=None, trans=False", conv_operator),
    ("mixed_layer", "size=0, input=None, name=None, act=None, bias_attr=False, layer_attr=None", mixed_layer),
    ("embedding_layer", "input, size, name=None, param_attr=None, layer_attr=None", embedding_layer),
];

pub fn register(m: &Module, st: &Rc<State>) {
    for (name, spec, f) in NATIVES {
        def(m, st, name, spec, *f);
    }
}
