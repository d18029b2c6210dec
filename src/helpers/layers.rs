//! layers.py's general layer helpers: data, fully connected, element-wise and vector layers,
//! each doing what the helper and config_parser's layer class do together: default names and
//! attributes, size inference, parameters.

use super::args::*;
use super::build::*;
use super::objects::*;
use super::state::{with_builder, OrConfigError, State};
use crate::eval::{Bound, EvalError, Interp, Module, Value};
use crate::graph::layers::general;
use crate::graph::layers::simple::{self, SimpleKind, SimpleLayer};
use crate::graph::{ClipConfig, InputSpec, LayerExtra};
use std::rc::Rc;

fn data_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = a.arg_str("name")?;
    let size = a.arg_uint("size")?;
    let depth = a.arg_opt_uint("depth")?;
    let height = a.arg_opt_uint("height")?;
    let width = a.arg_opt_uint("width")?;
    let extra = a.arg_extra(&[])?;
    let layer = general::DataLayer {
        name: name.clone(),
        size,
        depth,
        height,
        width,
        extra,
    };
    with_builder(st, |b| general::data_layer(b, layer))?;
    let mut num_filters = None;
    if let (Some(h), Some(w)) = (height, width) {
        let d = depth.unwrap_or(1);
        let area = h * w * d;
        if area == 0 || size % area != 0 {
            return Err(EvalError::value_error(format!(
                "data_layer(): size={size} is not a whole number of width={w} * height={h} * depth={d} images"
            )));
        }
        num_filters = Some(size / area);
    }
    Ok(LayerOutput::new(st, &name, "data", Some(size))
        .with_filters(num_filters)
        .value())
}

fn fc_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "fc_layer";
    let name = layer_name(st, &a, "fc_layer")?;
    let inputs = a.arg_layers("input")?;
    let size = a.arg_uint("size")?;
    let act = a.arg_act("act", "TanhActivation")?;
    let attrs = param_attrs_per_input(a.arg("param_attr")?, inputs.len(), f)?;
    let bias = a.arg_bias(true)?;
    let extra = a.arg_extra(&[DROPOUT, ERROR_CLIPPING])?;
    let specs = inputs
        .iter()
        .zip(attrs)
        .map(|(l, p)| InputSpec::with_param(lo(l).name.clone(), p))
        .collect();
    let layer = general::FcLayer {
        name: name.clone(),
        size,
        inputs: specs,
        bias,
        active_type: act_name(&act).to_string(),
        extra,
    };
    with_builder(st, |b| general::fc_layer(b, layer))?;
    Ok(LayerOutput::new(st, &name, "fc", Some(size))
        .with_act(&act)
        .with_parents(inputs)
        .value())
}

fn selective_fc_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "selective_fc_layer";
    let name = layer_name(st, &a, "selective_fc_layer")?;
    let inputs = a.arg_layers("input")?;
    let size = a.arg_uint("size")?;
    let select = a.arg_layer("select")?;
    let act = a.arg_act("act", "TanhActivation")?;
    let attrs = param_attrs_per_input(a.arg("param_attr")?, inputs.len(), f)?;
    let bias = a.arg_bias(true)?;
    let extra = a.arg_extra(&[DROPOUT, ERROR_CLIPPING])?;
    let pass_generation = a.bool("pass_generation");
    let has_selected = a.bool("has_selected_colums");
    let ratio = a.arg_real("mul_ratio")?;
    let mut specs: Vec<InputSpec> = inputs
        .iter()
        .zip(attrs)
        .map(|(l, p)| InputSpec::with_param(lo(l).name.clone(), p))
        .collect();
    specs.push(InputSpec::new(select.name.clone()));
    {
        st.with_builder(|b| {
            let added = b
                .add_layer(&name, "selective_fc", size, specs, act_name(&act), &extra)
                .cfg()?;
            {
                let l = b.layer_at_mut(added.index);
                l.selective_fc_pass_generation = Some(pass_generation);
                l.has_selected_colums = Some(has_selected);
                l.selective_fc_full_mul_ratio = Some(ratio);
            }
            let n = if has_selected {
                inputs.len()
            } else {
                inputs.len() + 1
            };
            for i in 0..n {
                let in_size = b.input_layer(added.index, i).size();
                b.create_input_parameter_sparse(
                    &added,
                    i,
                    size * in_size,
                    vec![size, in_size],
                    Some(false),
                )
                .cfg()?;
            }
            b.create_bias_parameter(added.index, bias.as_ref(), size, None, true)
                .cfg()?;
            Ok::<(), EvalError>(())
        })?;
    }
    let mut parents = inputs;
    parents.push(a.arg("select")?.clone());
    Ok(LayerOutput::new(st, &name, "selective_fc", Some(size))
        .with_act(&act)
        .with_parents(parents)
        .value())
}

/// A layer through config_parser's class of `kind`; the output's parents are `parents`.
fn add_simple(
    st: &Rc<State>,
    a: &Bound,
    prefix: &str,
    kind: SimpleKind,
    parents: Vec<Value>,
    inputs: Vec<Value>,
) -> Result<Value, EvalError> {
    let name = layer_name(st, a, prefix)?;
    let extra = a.arg_extra(&[])?;
    let out_type = kind.layer_type();
    let layer = SimpleLayer {
        name: name.clone(),
        kind,
        inputs: inputs.iter().map(spec).collect(),
        active_type: String::new(),
        extra,
    };
    let idx = with_builder(st, |b| simple::simple_layer(b, layer))?;
    let size = st.with_builder(|b| b.layer_at(idx).size());
    Ok(LayerOutput::new(st, &name, out_type, Some(size))
        .with_parents(parents)
        .value())
}

/// One-input layers whose size is the input's.
fn same_size(
    st: &Rc<State>,
    a: &Bound,
    prefix: &str,
    kind: SimpleKind,
) -> Result<Value, EvalError> {
    a.arg_layer("input")?;
    let input = vec![a.arg("input")?.clone()];
    add_simple(st, a, prefix, kind, input.clone(), input)
}

fn trans_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    same_size(st, &a, "trans_layer", SimpleKind::Trans)
}

fn sum_to_one_norm_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    same_size(st, &a, "sum_to_one_norm_layer", SimpleKind::SumToOneNorm)
}

fn row_l2_norm_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    same_size(st, &a, "row_l2_norm_layer", SimpleKind::RowL2Norm)
}

fn sampling_id_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    same_size(st, &a, "sampling_id_layer", SimpleKind::SamplingId)
}

fn maxid_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    same_size(st, &a, "maxid_layer", SimpleKind::MaxId { beam_size: None })
}

fn eos_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "eos_layer")?;
    let input = a.arg_layer("input")?;
    let eos_id = a.arg_uint("eos_id")?;
    let extra = a.arg_extra(&[])?;
    let mut s = Simple::new(&name, "eos_id", vec![InputSpec::new(input.name.clone())]);
    s.extra = extra;
    s.size_of = None;
    s.size = 2;
    let size = s.add(st, |l| l.eos_id = Some(eos_id as u32))?;
    Ok(LayerOutput::new(st, &name, "eos_id", Some(size))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn slope_intercept_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let kind = SimpleKind::SlopeIntercept {
        slope: a.arg_real("slope")?,
        intercept: a.arg_real("intercept")?,
    };
    same_size(st, &a, "slope_intercept_layer", kind)
}

/// Two-input layers `(weight, input)` sized like the second: scaling and power.
fn weighted(st: &Rc<State>, a: &Bound, f: &str, kind: SimpleKind) -> Result<Value, EvalError> {
    a.arg_layer("input")?;
    let weight = a.arg_layer("weight")?;
    if weight.size.get().is_some_and(|s| s != 1) {
        return Err(EvalError::value_error(format!(
            "{f}(): the weight must have size 1, but '{}' has size {}",
            weight.name,
            weight.size.get().unwrap_or(0)
        )));
    }
    let (input, weight) = (a.arg("input")?.clone(), a.arg("weight")?.clone());
    let parents = match kind {
        SimpleKind::Power => vec![input.clone(), weight.clone()],
        _ => vec![weight.clone(), input.clone()],
    };
    add_simple(st, a, f, kind, parents, vec![weight, input])
}

fn scaling_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    weighted(st, &a, "scaling_layer", SimpleKind::Scaling)
}

fn power_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    weighted(st, &a, "power_layer", SimpleKind::Power)
}

fn interpolation_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let inputs = a.arg_layers("input")?;
    if inputs.len() != 2 {
        return Err(EvalError::value_error(
            "interpolation_layer(): input must be two layers",
        ));
    }
    a.arg_layer("weight")?;
    let mut all = vec![a.arg("weight")?.clone()];
    all.extend(inputs);
    let kind = SimpleKind::Interpolation;
    add_simple(st, &a, "interpolation_layer", kind, all.clone(), all)
}

fn cos_sim(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "cos_sim";
    let name = layer_name(st, &a, f)?;
    let x = a.arg_layer("a")?;
    let y = a.arg_layer("b")?;
    let scale = a.arg_real("scale")?;
    let size = a.arg_uint("size")?;
    let extra = a.arg_extra(&[])?;
    let specs = vec![
        InputSpec::new(x.name.clone()),
        InputSpec::new(y.name.clone()),
    ];
    let mut s = if size == 1 {
        let mut s = Simple::new(&name, "cos", specs);
        s.size = 1;
        s
    } else {
        let mut s = Simple::new(&name, "cos_vm", specs);
        s.size = size;
        s
    };
    s.size_of = None;
    s.extra = extra;
    s.add(st, |l| l.cos_scale = Some(scale))?;
    Ok(LayerOutput::new(st, &name, "cos", Some(size))
        .with_parents(vec![a.arg("a")?.clone(), a.arg("b")?.clone()])
        .value())
}

fn l2_distance_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    scalar_pair_layer(
        st,
        &a,
        "l2_distance_layer",
        "l2_distance",
        ["x", "y"],
        |_, _| Ok(()),
    )
}

fn dot_prod_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    scalar_pair_layer(
        st,
        &a,
        "dot_prod_layer",
        "dot_prod",
        ["input1", "input2"],
        |x, y| {
            if x.size.get() != y.size.get() {
                return Err(EvalError::value_error(
                    "dot_prod_layer(): Two inputs should have the same size.",
                ));
            }
            Ok(())
        },
    )
}

/// A parameterless layer of size 1 over the two inputs named by `keys`.
fn scalar_pair_layer(
    st: &Rc<State>,
    a: &Bound,
    f: &str,
    ty: &str,
    keys: [&str; 2],
    check: impl Fn(&LayerOutput, &LayerOutput) -> Result<(), EvalError>,
) -> Result<Value, EvalError> {
    let name = layer_name(st, a, f)?;
    let x = layer_arg(a.arg(keys[0])?, f, keys[0])?;
    let y = layer_arg(a.arg(keys[1])?, f, keys[1])?;
    check(x, y)?;
    let extra = a.arg_extra(&[])?;
    let mut s = Simple::new(
        &name,
        ty,
        vec![
            InputSpec::new(x.name.clone()),
            InputSpec::new(y.name.clone()),
        ],
    );
    s.size_of = None;
    s.size = 1;
    s.extra = extra;
    s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, ty, Some(1))
        .with_parents(vec![a.arg(keys[0])?.clone(), a.arg(keys[1])?.clone()])
        .value())
}

fn out_prod_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "out_prod_layer";
    let name = layer_name(st, &a, f)?;
    let x = a.arg_layer("input1")?;
    let y = a.arg_layer("input2")?;
    let extra = a.arg_extra(&[])?;
    let size = x.size.get().unwrap_or(0) * y.size.get().unwrap_or(0);
    let mut s = Simple::new(
        &name,
        "out_prod",
        vec![
            InputSpec::new(x.name.clone()),
            InputSpec::new(y.name.clone()),
        ],
    );
    s.size_of = None;
    s.size = size;
    s.extra = extra;
    s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "out_prod", Some(size))
        .with_parents(vec![a.arg("input1")?.clone(), a.arg("input2")?.clone()])
        .value())
}

fn conv_shift_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "conv_shift_layer";
    let name = layer_name(st, &a, f)?;
    let x = a.arg_layer("a")?;
    let y = a.arg_layer("b")?;
    if y.size.get().is_some_and(|s| s % 2 == 0) {
        return Err(EvalError::value_error(
            "conv_shift_layer(): the size of b must be odd",
        ));
    }
    let extra = a.arg_extra(&[])?;
    let mut s = Simple::new(
        &name,
        "conv_shift",
        vec![
            InputSpec::new(x.name.clone()),
            InputSpec::new(y.name.clone()),
        ],
    );
    s.extra = extra;
    let size = s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "conv_shift", Some(size))
        .with_parents(vec![a.arg("a")?.clone(), a.arg("b")?.clone()])
        .value())
}

fn tensor_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "tensor_layer";
    let name = layer_name(st, &a, f)?;
    let x = a.arg_layer("a")?;
    let y = a.arg_layer("b")?;
    let size = a.arg_uint("size")?;
    let act = a.arg_act("act", "LinearActivation")?;
    let attr = a.arg_param(smart_param)?;
    let bias = a.arg_bias(true)?;
    let extra = a.arg_extra(&[DROPOUT, ERROR_CLIPPING])?;
    {
        st.with_builder(|b| {
            let specs = vec![
                InputSpec::with_param(x.name.clone(), attr),
                InputSpec::new(y.name.clone()),
            ];
            let added = b
                .add_layer(&name, "tensor", size, specs, act_name(&act), &extra)
                .cfg()?;
            let s0 = b.input_layer(added.index, 0).size();
            let s1 = b.input_layer(added.index, 1).size();
            b.create_input_parameter(&added, 0, size * s0 * s1, vec![s0, s1, size])
                .cfg()?;
            b.create_bias_parameter(added.index, bias.as_ref(), size, None, true)
                .cfg()?;
            Ok::<(), EvalError>(())
        })?;
    }
    Ok(LayerOutput::new(st, &name, "tensor", Some(size))
        .with_act(&act)
        .with_parents(vec![a.arg("a")?.clone(), a.arg("b")?.clone()])
        .value())
}

fn linear_comb_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "linear_comb_layer";
    let name = layer_name(st, &a, f)?;
    let w = a.arg_layer("weights")?;
    let v = a.arg_layer("vectors")?;
    let mut size = a.arg_opt_uint("size")?;
    if let (Some(vs), Some(ws)) = (v.size.get(), w.size.get()) {
        if ws == 0 || vs % ws != 0 {
            return Err(EvalError::value_error(format!(
                "linear_comb_layer(): the size of vectors ({vs}) is not a multiple of the size of weights ({ws})"
            )));
        }
        match size {
            None => size = Some(vs / ws),
            Some(s) if s != vs / ws => {
                return Err(EvalError::value_error(format!(
                    "linear_comb_layer(): size={s}, but vectors ({vs}) / weights ({ws}) = {}",
                    vs / ws
                )))
            }
            _ => {}
        }
    }
    let size = size.unwrap_or(0);
    let extra = a.arg_extra(&[])?;
    let mut s = Simple::new(
        &name,
        "convex_comb",
        vec![
            InputSpec::new(w.name.clone()),
            InputSpec::new(v.name.clone()),
        ],
    );
    s.size_of = None;
    s.size = size;
    s.extra = extra;
    s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "convex_comb", Some(size))
        .with_parents(vec![a.arg("weights")?.clone(), a.arg("vectors")?.clone()])
        .value())
}

fn addto_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "addto")?;
    let inputs = a.arg_layers("input")?;
    let act = a.arg_act("act", "LinearActivation")?;
    let bias = a.arg_bias(false)?;
    let extra = a.arg_extra(&[DROPOUT, ERROR_CLIPPING])?;
    let num_filters = inputs.iter().filter_map(|l| lo(l).num_filters).next_back();
    let layer = general::AddToLayer {
        caller: "addto_layer()",
        name: name.clone(),
        inputs: names(&inputs),
        bias,
        active_type: act_name(&act).to_string(),
        extra,
    };
    let size = with_builder(st, |b| {
        let idx = general::addto_layer(b, layer)?;
        Ok(b.layer_at(idx).size())
    })?;
    Ok(LayerOutput::new(st, &name, "addto", Some(size))
        .with_act(&act)
        .with_filters(num_filters)
        .with_parents(inputs)
        .value())
}

fn concat_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "concat_layer";
    let act = a.arg_act("act", "IdentityActivation")?;
    let name = layer_name(st, &a, "concat")?;
    let list = a.arg_items("input")?;
    if list.is_empty() {
        return Err(EvalError::value_error("concat_layer(): input is empty"));
    }
    let all_layers = list
        .iter()
        .all(|v| v.downcast_host::<LayerOutput>().is_some());
    let all_projs = list
        .iter()
        .all(|v| v.downcast_host::<ProjectionObj>().is_some());
    let extra = a.arg_extra(&[DROPOUT, ERROR_CLIPPING])?;
    if all_layers {
        let layer = general::ConcatLayer {
            caller: "concat_layer()",
            name: name.clone(),
            inputs: names(&list),
            bias: a.arg("bias_attr")?.truthy(),
            active_type: act_name(&act).to_string(),
            extra,
        };
        let size = with_builder(st, |b| {
            let idx = general::concat_layer(b, layer)?;
            Ok(b.layer_at(idx).size())
        })?;
        return Ok(LayerOutput::new(st, &name, "concat", Some(size))
            .with_act(&act)
            .with_parents(list)
            .value());
    }
    if !all_projs {
        return Err(EvalError::type_error(
            "concat_layer(): input must be all layers or all projections",
        ));
    }
    // Paddle passes `ParamAttr.to_bias(bias_attr)` straight to config_parser: only a ParamAttr
    // makes a bias; True, like None and False, makes none (benchmark GoogLeNet passes True).
    let bias = match a.arg("bias_attr")? {
        Value::None | Value::Bool(_) => None,
        v => bias_attr(v, false, f)?,
    };
    let (size, parents) =
        super::mixed::build_mixed(st, &name, "concat2", 0, &list, bias, act_name(&act), extra)?;
    Ok(LayerOutput::new(st, &name, "concat2", Some(size))
        .with_act(&act)
        .with_parents(parents)
        .value())
}

fn repeat_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "repeat_layer";
    let name = layer_name(st, &a, f)?;
    let input = a.arg_layer("input")?;
    let n = a.arg_uint("num_repeats")?;
    let as_row = a.bool("as_row_vector");
    let act = a.arg_act("act", "IdentityActivation")?;
    let extra = a.arg_extra(&[])?;
    let mut s = Simple::new(
        &name,
        "featmap_expand",
        vec![InputSpec::new(input.name.clone())],
    );
    s.size_of = None;
    s.size = input.size.get().unwrap_or(0) * n;
    s.active_type = act_name(&act);
    s.extra = extra;
    let size = s.add(st, |l| {
        l.num_filters = Some(n as u32);
        if !as_row {
            l.user_arg = Some("as_col_vec".into());
        }
    })?;
    Ok(LayerOutput::new(st, &name, "featmap_expand", Some(size))
        .with_act(&act)
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn get_output_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "get_output_layer";
    let name = layer_name(st, &a, f)?;
    let input = a.arg_layer("input")?;
    let arg = a.arg_str("arg_name")?;
    if !input.outputs.contains(&arg) {
        return Err(EvalError::value_error(format!(
            "Get Output From an not existed input. The get output name is {arg}, which not in {}",
            input.outputs.join(",")
        )));
    }
    let extra = a.arg_extra(&[])?;
    let size = input.size.get().unwrap_or(0);
    let mut spec = InputSpec::new(input.name.clone());
    spec.input_layer_argument = Some(arg);
    let mut s = Simple::new(&name, "get_output", vec![spec]);
    s.size = size;
    s.size_of = None;
    s.extra = extra;
    s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "get_output", Some(size))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn print_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "print")?;
    let inputs = a.arg_layers("input")?;
    let format = a.arg_opt_str("format")?;
    st.with_builder(|b| {
        let added = b
            .add_layer(
                &name,
                "print",
                0,
                names(&inputs),
                "",
                &LayerExtra::default(),
            )
            .cfg()?;
        let format = format.unwrap_or_else(|| {
            b.layer_at(added.index)
                .inputs
                .iter()
                .map(|i| format!("layer={} %s", i.input_layer_name))
                .collect::<Vec<_>>()
                .join("\n")
        });
        b.layer_at_mut(added.index).user_arg = Some(format);
        Ok(Value::None)
    })
}

fn clip_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "clip")?;
    a.arg_layer("input")?;
    let (min, max) = (a.arg_real("min")?, a.arg_real("max")?);
    if min.as_f64() >= max.as_f64() {
        return Err(EvalError::value_error(
            "clip_layer(): min must be less than max.",
        ));
    }
    let size = with_layer(
        st,
        &name,
        "clip",
        0,
        vec![a.arg_spec("input")?],
        "",
        &Default::default(),
        |b, added| {
            let s = b.input_layer(added.index, 0).size();
            b.set_layer_size(added.index, s)?;
            b.layer_at_mut(added.index).inputs[0].clip_conf = Some(ClipConfig { min, max });
            Ok(())
        },
    )?;
    Ok(LayerOutput::new(st, &name, "clip", Some(size))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn scale_shift_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "scale_shift")?;
    let input = a.arg_layer("input")?;
    let attr = a.arg_param(smart_param)?;
    let bias = a.arg_bias(true)?;
    let size = with_layer(
        st,
        &name,
        "scale_shift",
        0,
        vec![InputSpec::with_param(input.name.clone(), attr)],
        "",
        &Default::default(),
        |b, added| {
            let s = b.input_layer(added.index, 0).size();
            b.set_layer_size(added.index, s)?;
            b.create_input_parameter(added, 0, 1, vec![1, 1])?;
            b.create_bias_parameter(added.index, bias.as_ref(), 1, None, true)?;
            Ok(())
        },
    )?;
    Ok(LayerOutput::new(st, &name, "scale_shift", Some(size))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn resize_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "resize")?;
    let input = a.arg_layer("input")?;
    let size = a.arg_uint("size")?;
    let mut s = Simple::new(&name, "resize", vec![a.arg_spec("input")?]);
    s.size = size;
    s.size_of = None;
    s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "resize", input.size.get())
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn factorization_machine(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "factorization_machine";
    let name = layer_name(st, &a, f)?;
    let input = a.arg_layer("input")?;
    let factor = a.arg_uint("factor_size")?;
    if factor == 0 {
        return Err(EvalError::value_error(
            "the factor_size must be greater than 0.",
        ));
    }
    let act = a.arg_act("act", "LinearActivation")?;
    let attr = a.arg_param(smart_param)?;
    let extra = a.arg_extra(&[])?;
    with_layer(
        st,
        &name,
        "factorization_machine",
        1,
        vec![InputSpec::with_param(input.name.clone(), attr)],
        act_name(&act),
        &extra,
        |b, added| {
            let s = b.input_layer(added.index, 0).size();
            b.layer_at_mut(added.index).factor_size = Some(factor as u32);
            b.create_input_parameter(added, 0, s * factor, vec![s, factor])
        },
    )?;
    Ok(
        LayerOutput::new(st, &name, "factorization_machine", Some(1))
            .with_act(&act)
            .with_parents(vec![a.arg("input")?.clone()])
            .value(),
    )
}

fn multiplex_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "multiplex_layer";
    let name = layer_name(st, &a, f)?;
    let inputs = a.arg_layers("input")?;
    if inputs.len() <= 2 {
        return Err(EvalError::value_error(
            "multiplex_layer should have more than 2 inputs",
        ));
    }
    let size = lo(&inputs[1]).size.get().unwrap_or(0);
    for l in &inputs[1..] {
        if lo(l).size.get() != Some(size) {
            return Err(EvalError::value_error(
                "All the input layers except the first one should have the same size",
            ));
        }
    }
    let extra = a.arg_extra(&[])?;
    let mut s = Simple::new(&name, "multiplex", inputs.iter().map(spec).collect());
    s.size = size;
    s.size_of = None;
    s.extra = extra;
    s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "multiplex", Some(size))
        .with_parents(inputs)
        .value())
}

/// Paddle's upsample_layer (UpsampleLayer, added in March 2018) is named with its exact
/// signature so a config calling it gets this answer rather than a NameError.
fn upsample_layer(_: &Rc<State>, _: &mut Interp, _: Bound) -> Result<Value, EvalError> {
    Err(EvalError::new(
        "NotImplementedError",
        "upsample_layer() is not supported by paddlers: its UpsampleConfig is not in our graph \
         yet; use bilinear_interp_layer for image upsampling",
    ))
}

/// This family's natives: the name and Paddle's signature of each, then its function.
#[rustfmt::skip]
const NATIVES: &[(&str, &str, Native)] = &[
    ("upsample_layer", "input, name=None, scale=None, scale_y=None, upsample_size=None, upsample_size_y=None, pad_out_x=False, pad_out_y=False, layer_attr=None", upsample_layer),
    ("data_layer", "name, size, depth=None, height=None, width=None, layer_attr=None", data_layer),
    ("fc_layer", "input, size, act=None, name=None, param_attr=None, bias_attr=None, layer_attr=None", fc_layer),
    ("selective_fc_layer", "input, size, select=None, act=None, name=None, pass_generation=False, has_selected_colums=True, mul_ratio=0.02, param_attr=None, bias_attr=None, layer_attr=None", selective_fc_layer),
    ("trans_layer", "input, name=None, layer_attr=None", trans_layer),
    ("sum_to_one_norm_layer", "input, name=None, layer_attr=None", sum_to_one_norm_layer),
    ("row_l2_norm_layer", "input, name=None, layer_attr=None", row_l2_norm_layer),
    ("sampling_id_layer", "input, name=None, layer_attr=None", sampling_id_layer),
    ("maxid_layer", "input, name=None, layer_attr=None", maxid_layer),
    ("eos_layer", "input, eos_id, name=None, layer_attr=None", eos_layer),
    ("slope_intercept_layer", "input, name=None, slope=1.0, intercept=0.0, layer_attr=None", slope_intercept_layer),
    ("scaling_layer", "input, weight, name=None, layer_attr=None", scaling_layer),
    ("power_layer", "input, weight, name=None, layer_attr=None", power_layer),
    ("interpolation_layer", "input, weight, name=None, layer_attr=None", interpolation_layer),
    ("cos_sim", "a, b, scale=1, size=1, name=None, layer_attr=None", cos_sim),
    ("l2_distance_layer", "x, y, name=None, layer_attr=None", l2_distance_layer),
    ("dot_prod_layer", "input1, input2, name=None, layer_attr=None", dot_prod_layer),
    ("out_prod_layer", "input1, input2, name=None, layer_attr=None", out_prod_layer),
    ("conv_shift_layer", "a, b, name=None, layer_attr=None", conv_shift_layer),
    ("tensor_layer", "a, b, size, act=None, name=None, param_attr=None, bias_attr=None, layer_attr=None", tensor_layer),
    ("linear_comb_layer", "weights, vectors, size=None, name=None, layer_attr=None", linear_comb_layer),
    ("convex_comb_layer", "weights, vectors, size=None, name=None, layer_attr=None", linear_comb_layer),
    ("addto_layer", "input, act=None, name=None, bias_attr=None, layer_attr=None", addto_layer),
    ("concat_layer", "input, act=None, name=None, layer_attr=None, bias_attr=None", concat_layer),
    ("repeat_layer", "input, num_repeats, as_row_vector=True, act=None, name=None, layer_attr=None", repeat_layer),
    ("get_output_layer", "input, arg_name, name=None, layer_attr=None", get_output_layer),
    ("print_layer", "input, format=None, name=None", print_layer),
    ("printer_layer", "input, format=None, name=None", print_layer),
    ("multiplex_layer", "input, name=None, layer_attr=None", multiplex_layer),
    ("clip_layer", "input, min, max, name=None", clip_layer),
    ("scale_shift_layer", "input, name=None, param_attr=None, bias_attr=None", scale_shift_layer),
    ("resize_layer", "input, size, name=None", resize_layer),
    ("factorization_machine", "input, factor_size, act=None, name=None, param_attr=None, layer_attr=None", factorization_machine),
];

pub fn register(m: &Module, st: &Rc<State>) {
    for (name, spec, f) in NATIVES {
        def(m, st, name, spec, *f);
    }
}
