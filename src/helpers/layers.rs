//! layers.py's layer helpers, each doing what the helper and config_parser's layer class do
//! together: default names and attributes, size inference, parameters.

use super::args::*;
use super::objects::*;
use super::state::{OrConfigError, State};
use crate::eval::{Bound, EvalError, Interp, Module, Value};
use crate::graph::layers::image::{self, ConvSpec, NormSpec, PoolSpec};
use crate::graph::{InputSpec, LayerConfig, LayerExtra, ParamAttrs, Real};
use std::rc::Rc;

pub type Native = fn(&Rc<State>, &mut Interp, Bound) -> Result<Value, EvalError>;

pub fn def(m: &Module, st: &Rc<State>, name: &str, spec: &str, f: Native) {
    let st = st.clone();
    m.add_native(name, spec, move |interp, bound| f(&st, interp, bound));
}

/// `wrap_name_default(prefix)`: the given name, or `__<prefix>_<n>__`.
pub fn layer_name(st: &State, a: &Bound, prefix: &str) -> Result<String, EvalError> {
    match a.opt("name") {
        Some(v) => str_arg(v, &a.func_name, "name"),
        None => Ok(st.b().unique_name(prefix)),
    }
}

/// A layer whose output copies input `size_of`'s size (or has a fixed size), the shape of
/// many of Paddle's simple layers.
pub struct Simple<'a> {
    pub name: &'a str,
    pub layer_type: &'a str,
    pub inputs: Vec<InputSpec>,
    pub size: u64,
    pub size_of: Option<usize>,
    pub active_type: &'a str,
    pub bias: Option<ParamAttrs>,
    pub extra: LayerExtra,
}

impl<'a> Simple<'a> {
    pub fn new(name: &'a str, layer_type: &'a str, inputs: Vec<InputSpec>) -> Self {
        Simple {
            name,
            layer_type,
            inputs,
            size: 0,
            size_of: Some(0),
            active_type: "",
            bias: None,
            extra: LayerExtra::default(),
        }
    }

    /// Adds the layer; `fields` sets the layer-specific config. Returns the output size.
    pub fn add(self, st: &State, fields: impl FnOnce(&mut LayerConfig)) -> Result<u64, EvalError> {
        let mut b = st.b();
        let added = b
            .add_layer(
                self.name,
                self.layer_type,
                self.size,
                self.inputs,
                self.active_type,
                &self.extra,
            )
            .cfg()?;
        if let Some(k) = self.size_of {
            let size = b.input_layer(added.index, k).size();
            b.set_layer_size(added.index, size).cfg()?;
        }
        fields(b.layer_at_mut(added.index));
        let size = b.layer_at(added.index).size();
        b.create_bias_parameter(added.index, self.bias.as_ref(), size, None, true)
            .cfg()?;
        Ok(b.layer_at(added.index).size())
    }
}

fn names(layers: &[Value]) -> Vec<InputSpec> {
    layers
        .iter()
        .map(|l| InputSpec::new(lo(l).name.clone()))
        .collect()
}

fn data_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "data_layer";
    let name = str_arg(a.get("name"), f, "name")?;
    let size = uint_arg(a.get("size"), f, "size")?;
    let depth = opt_uint(a.get("depth"), f, "depth")?;
    let height = opt_uint(a.get("height"), f, "height")?;
    let width = opt_uint(a.get("width"), f, "width")?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    {
        let mut b = st.b();
        let added = b.add_layer(&name, "data", size, vec![], "", &extra).cfg()?;
        if let (Some(h), Some(w)) = (height, width) {
            if h > 0 && w > 0 {
                b.set_height_width(added.index, h, w);
            }
        }
        if let Some(d) = depth.filter(|&d| d > 0) {
            b.layer_at_mut(added.index).depth = Some(d);
        }
    }
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
    let inputs = layers_arg(a.get("input"), f, "input")?;
    let size = uint_arg(a.get("size"), f, "size")?;
    let act = act_arg(a.get("act"), "TanhActivation", f, "act")?;
    let attrs = param_attrs_per_input(a.get("param_attr"), inputs.len(), f)?;
    let bias = bias_attr(a.get("bias_attr"), true, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[DROPOUT, ERROR_CLIPPING])?;
    let specs = inputs
        .iter()
        .zip(attrs)
        .map(|(l, p)| InputSpec::with_param(lo(l).name.clone(), p))
        .collect();
    {
        let mut b = st.b();
        let added = b
            .add_layer(&name, "fc", size, specs, act_name(&act), &extra)
            .cfg()?;
        for i in 0..inputs.len() {
            let in_size = b.input_layer(added.index, i).size();
            b.create_input_parameter(&added, i, size * in_size, vec![in_size, size])
                .cfg()?;
        }
        b.create_bias_parameter(added.index, bias.as_ref(), size, None, true)
            .cfg()?;
    }
    Ok(LayerOutput::new(st, &name, "fc", Some(size))
        .with_act(&act)
        .with_parents(inputs)
        .value())
}

fn selective_fc_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "selective_fc_layer";
    let name = layer_name(st, &a, "selective_fc_layer")?;
    let inputs = layers_arg(a.get("input"), f, "input")?;
    let size = uint_arg(a.get("size"), f, "size")?;
    let select = layer_arg(a.get("select"), f, "select")?;
    let act = act_arg(a.get("act"), "TanhActivation", f, "act")?;
    let attrs = param_attrs_per_input(a.get("param_attr"), inputs.len(), f)?;
    let bias = bias_attr(a.get("bias_attr"), true, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[DROPOUT, ERROR_CLIPPING])?;
    let pass_generation = a.bool("pass_generation");
    let has_selected = a.bool("has_selected_colums");
    let ratio = real_arg(a.get("mul_ratio"), f, "mul_ratio")?;
    let mut specs: Vec<InputSpec> = inputs
        .iter()
        .zip(attrs)
        .map(|(l, p)| InputSpec::with_param(lo(l).name.clone(), p))
        .collect();
    specs.push(InputSpec::new(select.name.clone()));
    {
        let mut b = st.b();
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
    }
    let mut parents = inputs;
    parents.push(a.get("select").clone());
    Ok(LayerOutput::new(st, &name, "selective_fc", Some(size))
        .with_act(&act)
        .with_parents(parents)
        .value())
}

/// One-input layers whose size is the input's.
fn same_size(
    st: &Rc<State>,
    a: &Bound,
    f: &str,
    prefix: &str,
    layer_type: &str,
    out_type: &str,
) -> Result<Value, EvalError> {
    let name = layer_name(st, a, prefix)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut s = Simple::new(&name, layer_type, vec![InputSpec::new(input.name.clone())]);
    s.extra = extra;
    let size = s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, out_type, Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn trans_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    same_size(st, &a, "trans_layer", "trans_layer", "trans", "trans")
}

fn sum_to_one_norm_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    same_size(
        st,
        &a,
        "sum_to_one_norm_layer",
        "sum_to_one_norm_layer",
        "sum_to_one_norm",
        "sum_to_one_norm",
    )
}

fn row_l2_norm_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    same_size(
        st,
        &a,
        "row_l2_norm_layer",
        "row_l2_norm_layer",
        "row_l2_norm",
        "row_l2_norm",
    )
}

fn sampling_id_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    same_size(
        st,
        &a,
        "sampling_id_layer",
        "sampling_id_layer",
        "sampling_id",
        "sampling_id",
    )
}

fn maxid_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "maxid_layer";
    let name = layer_name(st, &a, "maxid_layer")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let beam = {
        let b = st.b();
        b.current_submodel()
            .generator
            .as_ref()
            .and_then(|g| g.beam_size)
    };
    let mut s = Simple::new(&name, "maxid", vec![InputSpec::new(input.name.clone())]);
    s.extra = extra;
    let size = s.add(st, |l| {
        if let Some(beam) = beam {
            l.beam_size = Some(beam as u32);
        }
    })?;
    Ok(LayerOutput::new(st, &name, "maxid", Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn eos_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "eos_layer";
    let name = layer_name(st, &a, "eos_layer")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let eos_id = uint_arg(a.get("eos_id"), f, "eos_id")?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut s = Simple::new(&name, "eos_id", vec![InputSpec::new(input.name.clone())]);
    s.extra = extra;
    s.size_of = None;
    s.size = 2;
    let size = s.add(st, |l| l.eos_id = Some(eos_id as u32))?;
    Ok(LayerOutput::new(st, &name, "eos_id", Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn slope_intercept_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "slope_intercept_layer";
    let name = layer_name(st, &a, "slope_intercept_layer")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let slope = real_arg(a.get("slope"), f, "slope")?;
    let intercept = real_arg(a.get("intercept"), f, "intercept")?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut s = Simple::new(
        &name,
        "slope_intercept",
        vec![InputSpec::new(input.name.clone())],
    );
    s.extra = extra;
    let size = s.add(st, |l| {
        l.slope = Some(slope);
        l.intercept = Some(intercept);
    })?;
    Ok(LayerOutput::new(st, &name, "slope_intercept", Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

/// Two-input layers `(weight, input)` sized like the second: scaling and power.
fn weighted(st: &Rc<State>, a: &Bound, f: &str, layer_type: &str) -> Result<Value, EvalError> {
    let name = layer_name(st, a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let weight = layer_arg(a.get("weight"), f, "weight")?;
    if weight.size.get().is_some_and(|s| s != 1) {
        return Err(EvalError::value_error(format!(
            "{f}(): the weight must have size 1, but '{}' has size {}",
            weight.name,
            weight.size.get().unwrap_or(0)
        )));
    }
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut s = Simple::new(
        &name,
        layer_type,
        vec![
            InputSpec::new(weight.name.clone()),
            InputSpec::new(input.name.clone()),
        ],
    );
    s.extra = extra;
    s.size_of = Some(1);
    let size = s.add(st, |_| {})?;
    let parents = if layer_type == "power" {
        vec![a.get("input").clone(), a.get("weight").clone()]
    } else {
        vec![a.get("weight").clone(), a.get("input").clone()]
    };
    Ok(LayerOutput::new(st, &name, layer_type, Some(size))
        .with_parents(parents)
        .value())
}

fn scaling_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    weighted(st, &a, "scaling_layer", "scaling")
}

fn power_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    weighted(st, &a, "power_layer", "power")
}

fn interpolation_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "interpolation_layer";
    let name = layer_name(st, &a, f)?;
    let inputs = layers_arg(a.get("input"), f, "input")?;
    if inputs.len() != 2 {
        return Err(EvalError::value_error(
            "interpolation_layer(): input must be two layers",
        ));
    }
    let weight = layer_arg(a.get("weight"), f, "weight")?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut specs = vec![InputSpec::new(weight.name.clone())];
    specs.extend(names(&inputs));
    let mut s = Simple::new(&name, "interpolation", specs);
    s.extra = extra;
    s.size_of = Some(1);
    let size = s.add(st, |_| {})?;
    let mut parents = vec![a.get("weight").clone()];
    parents.extend(inputs);
    Ok(LayerOutput::new(st, &name, "interpolation", Some(size))
        .with_parents(parents)
        .value())
}

fn cos_sim(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "cos_sim";
    let name = layer_name(st, &a, f)?;
    let x = layer_arg(a.get("a"), f, "a")?;
    let y = layer_arg(a.get("b"), f, "b")?;
    let scale = real_arg(a.get("scale"), f, "scale")?;
    let size = uint_arg(a.get("size"), f, "size")?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
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
        .with_parents(vec![a.get("a").clone(), a.get("b").clone()])
        .value())
}

fn l2_distance_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "l2_distance_layer";
    let name = layer_name(st, &a, f)?;
    let x = layer_arg(a.get("x"), f, "x")?;
    let y = layer_arg(a.get("y"), f, "y")?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut s = Simple::new(
        &name,
        "l2_distance",
        vec![
            InputSpec::new(x.name.clone()),
            InputSpec::new(y.name.clone()),
        ],
    );
    s.size_of = None;
    s.size = 1;
    s.extra = extra;
    s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "l2_distance", Some(1))
        .with_parents(vec![a.get("x").clone(), a.get("y").clone()])
        .value())
}

fn dot_prod_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "dot_prod_layer";
    let name = layer_name(st, &a, f)?;
    let x = layer_arg(a.get("input1"), f, "input1")?;
    let y = layer_arg(a.get("input2"), f, "input2")?;
    if x.size.get() != y.size.get() {
        return Err(EvalError::value_error(
            "dot_prod_layer(): Two inputs should have the same size.",
        ));
    }
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut s = Simple::new(
        &name,
        "dot_prod",
        vec![
            InputSpec::new(x.name.clone()),
            InputSpec::new(y.name.clone()),
        ],
    );
    s.size_of = None;
    s.size = 1;
    s.extra = extra;
    s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "dot_prod", Some(1))
        .with_parents(vec![a.get("input1").clone(), a.get("input2").clone()])
        .value())
}

fn out_prod_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "out_prod_layer";
    let name = layer_name(st, &a, f)?;
    let x = layer_arg(a.get("input1"), f, "input1")?;
    let y = layer_arg(a.get("input2"), f, "input2")?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
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
        .with_parents(vec![a.get("input1").clone(), a.get("input2").clone()])
        .value())
}

fn conv_shift_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "conv_shift_layer";
    let name = layer_name(st, &a, f)?;
    let x = layer_arg(a.get("a"), f, "a")?;
    let y = layer_arg(a.get("b"), f, "b")?;
    if y.size.get().is_some_and(|s| s % 2 == 0) {
        return Err(EvalError::value_error(
            "conv_shift_layer(): the size of b must be odd",
        ));
    }
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
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
        .with_parents(vec![a.get("a").clone(), a.get("b").clone()])
        .value())
}

fn tensor_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "tensor_layer";
    let name = layer_name(st, &a, f)?;
    let x = layer_arg(a.get("a"), f, "a")?;
    let y = layer_arg(a.get("b"), f, "b")?;
    let size = uint_arg(a.get("size"), f, "size")?;
    let act = act_arg(a.get("act"), "LinearActivation", f, "act")?;
    let attr = param_attr(a.get("param_attr"), smart_param, f)?;
    let bias = bias_attr(a.get("bias_attr"), true, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[DROPOUT, ERROR_CLIPPING])?;
    {
        let mut b = st.b();
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
    }
    Ok(LayerOutput::new(st, &name, "tensor", Some(size))
        .with_act(&act)
        .with_parents(vec![a.get("a").clone(), a.get("b").clone()])
        .value())
}

fn linear_comb_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "linear_comb_layer";
    let name = layer_name(st, &a, f)?;
    let w = layer_arg(a.get("weights"), f, "weights")?;
    let v = layer_arg(a.get("vectors"), f, "vectors")?;
    let mut size = opt_uint(a.get("size"), f, "size")?;
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
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
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
        .with_parents(vec![a.get("weights").clone(), a.get("vectors").clone()])
        .value())
}

fn addto_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "addto_layer";
    let name = layer_name(st, &a, "addto")?;
    let inputs = layers_arg(a.get("input"), f, "input")?;
    let act = act_arg(a.get("act"), "LinearActivation", f, "act")?;
    let bias = bias_attr(a.get("bias_attr"), false, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[DROPOUT, ERROR_CLIPPING])?;
    let num_filters = inputs.iter().filter_map(|l| lo(l).num_filters).next_back();
    let size = {
        let mut b = st.b();
        let added = b
            .add_layer(&name, "addto", 0, names(&inputs), act_name(&act), &extra)
            .cfg()?;
        let first = b.input_layer(added.index, 0).clone();
        for i in 1..inputs.len() {
            let other = b.input_layer(added.index, i);
            if other.size() != first.size() {
                return Err(EvalError::new(
                    "ConfigError",
                    format!(
                        "addto_layer(): all inputs must have the same size, but '{}' has {} and '{}' has {}",
                        first.name,
                        first.size(),
                        other.name,
                        other.size()
                    ),
                ));
            }
        }
        b.set_layer_size(added.index, first.size()).cfg()?;
        b.set_height_width(
            added.index,
            first.height.unwrap_or(0),
            first.width.unwrap_or(0),
        );
        b.layer_at_mut(added.index).depth = Some(first.depth.unwrap_or(1));
        let size = first.size();
        b.create_bias_parameter(added.index, bias.as_ref(), size, None, true)
            .cfg()?;
        size
    };
    Ok(LayerOutput::new(st, &name, "addto", Some(size))
        .with_act(&act)
        .with_filters(num_filters)
        .with_parents(inputs)
        .value())
}

fn concat_layer(st: &Rc<State>, interp: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "concat_layer";
    let act = act_arg(a.get("act"), "IdentityActivation", f, "act")?;
    let name = layer_name(st, &a, "concat")?;
    let list = items(a.get("input"));
    if list.is_empty() {
        return Err(EvalError::value_error("concat_layer(): input is empty"));
    }
    let all_layers = list
        .iter()
        .all(|v| v.downcast_host::<LayerOutput>().is_some());
    let all_projs = list
        .iter()
        .all(|v| v.downcast_host::<ProjectionObj>().is_some());
    let extra = extra_attr(a.get("layer_attr"), f, &[DROPOUT, ERROR_CLIPPING])?;
    if all_layers {
        if a.get("bias_attr").truthy() {
            return Err(EvalError::value_error(
                "concat_layer(): a concat of layers cannot have a bias",
            ));
        }
        let size = {
            let mut b = st.b();
            let added = b
                .add_layer(&name, "concat", 0, names(&list), act_name(&act), &extra)
                .cfg()?;
            let first = b.input_layer(added.index, 0).clone();
            let mut size = 0;
            for i in 0..list.len() {
                let l = b.input_layer(added.index, i);
                if l.height != first.height || l.width != first.width || l.depth != first.depth {
                    return Err(EvalError::new(
                        "ConfigError",
                        format!(
                            "concat_layer(): inputs '{}' and '{}' have different image shapes",
                            first.name, l.name
                        ),
                    ));
                }
                size += l.size();
            }
            b.set_height_width(
                added.index,
                first.height.unwrap_or(0),
                first.width.unwrap_or(0),
            );
            b.layer_at_mut(added.index).depth = Some(first.depth.unwrap_or(1));
            b.set_layer_size(added.index, size).cfg()?;
            size
        };
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
    let bias = bias_attr(a.get("bias_attr"), false, f)?;
    let _ = interp;
    let (size, parents) =
        super::mixed::build_mixed(st, &name, "concat2", 0, &list, bias, act_name(&act), extra)?;
    Ok(LayerOutput::new(st, &name, "concat2", Some(size))
        .with_act(&act)
        .with_parents(parents)
        .value())
}

fn seq_concat_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "seq_concat_layer";
    let name = layer_name(st, &a, "seqconcat")?;
    let x = layer_arg(a.get("a"), f, "a")?;
    let y = layer_arg(a.get("b"), f, "b")?;
    let act = act_arg(a.get("act"), "IdentityActivation", f, "act")?;
    let bias = bias_attr(a.get("bias_attr"), false, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[DROPOUT, ERROR_CLIPPING])?;
    let mut s = Simple::new(
        &name,
        "seqconcat",
        vec![
            InputSpec::new(x.name.clone()),
            InputSpec::new(y.name.clone()),
        ],
    );
    s.active_type = act_name(&act);
    s.bias = bias;
    s.extra = extra;
    let size = s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "seqconcat", Some(size))
        .with_act(&act)
        .with_parents(vec![a.get("a").clone(), a.get("b").clone()])
        .value())
}

fn seq_reshape_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "seq_reshape_layer";
    let name = layer_name(st, &a, "seqreshape")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let size = uint_arg(a.get("reshape_size"), f, "reshape_size")?;
    let act = act_arg(a.get("act"), "IdentityActivation", f, "act")?;
    let bias = bias_attr(a.get("bias_attr"), false, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[DROPOUT, ERROR_CLIPPING])?;
    let mut s = Simple::new(
        &name,
        "seqreshape",
        vec![InputSpec::new(input.name.clone())],
    );
    s.size = size;
    s.size_of = None;
    s.active_type = act_name(&act);
    s.bias = bias;
    s.extra = extra;
    s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "seqreshape", Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

/// last_seq / first_seq.
fn seq_instance(st: &Rc<State>, a: &Bound, f: &str, first: bool) -> Result<Value, EvalError> {
    let name = layer_name(st, a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let agg = str_arg(a.get("agg_level"), f, "agg_level")?;
    let stride = int_arg(a.get("stride"), f, "stride")?;
    if agg == "seq" && stride != -1 {
        return Err(EvalError::value_error(format!(
            "{f}(): subseq does not support stride window"
        )));
    }
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut s = Simple::new(
        &name,
        "seqlastins",
        vec![InputSpec::new(input.name.clone())],
    );
    s.extra = extra;
    let size = s.add(st, |l| {
        l.trans_type = Some(agg.clone());
        l.seq_pool_stride = Some(stride as i32);
        if first {
            l.select_first = Some(true);
        }
    })?;
    let t = if first { "seqfirstins" } else { "seqlastins" };
    Ok(LayerOutput::new(st, &name, t, Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn last_seq(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    seq_instance(st, &a, "last_seq", false)
}

fn first_seq(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    seq_instance(st, &a, "first_seq", true)
}

fn pooling_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "pooling_layer";
    let name = layer_name(st, &a, "seq_pooling")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let pooling = a.get("pooling_type");
    let (ptype, strategy, max_index) = if pooling.is_none() {
        ("max".to_string(), None, None)
    } else {
        let p = pooling.downcast_host::<Pooling>().ok_or_else(|| {
            EvalError::type_error(format!(
                "pooling_layer() argument 'pooling_type' must be a pooling such as MaxPooling(), not {}",
                pooling.type_name()
            ))
        })?;
        let name = p.name.borrow().clone();
        // AvgPooling's name may have been turned into 'avg' by an image pooling.
        let name = if p.strategy.is_some() {
            "average".to_string()
        } else {
            name
        };
        (name, p.strategy.clone(), p.output_max_index)
    };
    let bias = bias_attr(a.get("bias_attr"), false, f)?;
    let agg = str_arg(a.get("agg_level"), f, "agg_level")?;
    let stride = int_arg(a.get("stride"), f, "stride")?;
    if agg == "seq" && stride != -1 {
        return Err(EvalError::value_error(
            "pooling_layer(): subseq does not support stride window",
        ));
    }
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut s = Simple::new(&name, &ptype, vec![InputSpec::new(input.name.clone())]);
    s.bias = bias;
    s.extra = extra;
    let size = s.add(st, |l| {
        if let Some(st) = &strategy {
            l.average_strategy = Some(st.clone());
        }
        l.trans_type = Some(agg.clone());
        l.seq_pool_stride = Some(stride as i32);
        if let Some(m) = max_index {
            l.output_max_index = Some(m);
        }
    })?;
    Ok(LayerOutput::new(st, &name, &ptype, Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn expand_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "expand_layer";
    let name = layer_name(st, &a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let expand_as = layer_arg(a.get("expand_as"), f, "expand_as")?;
    let bias = bias_attr(a.get("bias_attr"), false, f)?;
    let level = str_arg(a.get("expand_level"), f, "expand_level")?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut s = Simple::new(
        &name,
        "expand",
        vec![
            InputSpec::new(input.name.clone()),
            InputSpec::new(expand_as.name.clone()),
        ],
    );
    s.bias = bias;
    s.extra = extra;
    let size = s.add(st, |l| l.trans_type = Some(level.clone()))?;
    Ok(LayerOutput::new(st, &name, "expand", Some(size))
        .with_parents(vec![a.get("input").clone(), a.get("expand_as").clone()])
        .value())
}

fn repeat_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "repeat_layer";
    let name = layer_name(st, &a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let n = uint_arg(a.get("num_repeats"), f, "num_repeats")?;
    let as_row = a.bool("as_row_vector");
    let act = act_arg(a.get("act"), "IdentityActivation", f, "act")?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
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
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn get_output_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "get_output_layer";
    let name = layer_name(st, &a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let arg = str_arg(a.get("arg_name"), f, "arg_name")?;
    if !input.outputs.contains(&arg) {
        return Err(EvalError::value_error(format!(
            "Get Output From an not existed input. The get output name is {arg}, which not in {}",
            input.outputs.join(",")
        )));
    }
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let size = input.size.get().unwrap_or(0);
    let mut spec = InputSpec::new(input.name.clone());
    spec.input_layer_argument = Some(arg);
    let mut s = Simple::new(&name, "get_output", vec![spec]);
    s.size = size;
    s.size_of = None;
    s.extra = extra;
    s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "get_output", Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn print_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "print_layer";
    let name = layer_name(st, &a, "print")?;
    let inputs = layers_arg(a.get("input"), f, "input")?;
    let format = opt_str(a.get("format"), f, "format")?;
    let mut b = st.b();
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
}

fn img_conv_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "img_conv_layer";
    let name = layer_name(st, &a, "conv")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let num_filters = uint_arg(a.get("num_filters"), f, "num_filters")?;
    let channels = match opt_uint(a.get("num_channels"), f, "num_channels")? {
        Some(c) => c,
        None => input.num_filters.ok_or_else(|| {
            EvalError::value_error(format!(
                "img_conv_layer(): the number of input channels is unknown: '{}' is not an image layer, \
                 so give num_channels",
                input.name
            ))
        })?,
    };
    let act = act_arg(a.get("act"), "ReluActivation", f, "act")?;
    let (fx, fy) = pair(
        a.get("filter_size"),
        a.get("filter_size_y"),
        f,
        "filter_size",
    )?;
    let (sx, sy) = pair(a.get("stride"), a.get("stride_y"), f, "stride")?;
    let (px, py) = pair(a.get("padding"), a.get("padding_y"), f, "padding")?;
    let (dx, dy) = pair(a.get("dilation"), a.get("dilation_y"), f, "dilation")?;
    let groups = uint_arg(a.get("groups"), f, "groups")?;
    let mut attr = param_attr(a.get("param_attr"), smart_param, f)?;
    if attr.initial_smart == Some(true) {
        // Paddle's conv layers start from He initialization: std = sqrt(2 / (k^2 * c)).
        let init_w = (2.0 / ((fx * fx * channels) as f64)).sqrt();
        attr.initial_mean = Some(Real::Float(0.0));
        attr.initial_std = Some(Real::Float(init_w));
        attr.initial_strategy = Some(0);
        attr.initial_smart = Some(false);
    }
    let bias = bias_attr(a.get("bias_attr"), true, f)?;
    let shared = a.bool("shared_biases");
    let extra = extra_attr(a.get("layer_attr"), f, &[DROPOUT])?;
    let trans = a.bool("trans");
    let use_gpu = st
        .b()
        .config_arg("use_gpu")
        .is_some_and(|v| v.trim() == "1" || v.trim() == "True" || v.trim() == "true");
    let lt = match opt_str(a.get("layer_type"), f, "layer_type")? {
        Some(t) => t,
        None if trans => "convt".into(),
        None => "conv".into(),
    };
    let layer_type = match lt.as_str() {
        "conv" | "exconv" | "cudnn_conv" if !trans => {
            if use_gpu && lt != "exconv" {
                "cudnn_conv"
            } else {
                "exconv"
            }
        }
        "convt" | "exconvt" | "cudnn_convt" if trans => {
            if use_gpu && lt != "exconvt" {
                "cudnn_convt"
            } else {
                "exconvt"
            }
        }
        other => {
            return Err(EvalError::value_error(format!(
                "img_conv_layer(): layer_type '{other}' does not match trans={trans}"
            )))
        }
    };
    let conv = ConvSpec {
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
        dilation: Some(dx as u32),
        dilation_y: Some(dy as u32),
    };
    let idx = image::conv_layer(
        &mut st.b(),
        image::ConvLayer {
            name: name.clone(),
            layer_type: layer_type.into(),
            inputs: vec![(InputSpec::with_param(input.name.clone(), attr), conv)],
            num_filters: num_filters as u32,
            bias,
            shared_biases: shared,
            active_type: act_name(&act).into(),
            extra,
        },
    )
    .cfg()?;
    let size = st.b().layer_at(idx).size();
    Ok(LayerOutput::new(st, &name, &lt, Some(size))
        .with_act(&act)
        .with_filters(Some(num_filters))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

/// The pool_type string of a pooling object for image pooling (`max-projection`, ...).
fn image_pool_type(v: &Value, f: &str) -> Result<String, EvalError> {
    if v.is_none() {
        return Ok("max-projection".into());
    }
    let p = v.downcast_host::<Pooling>().ok_or_else(|| {
        EvalError::type_error(format!(
            "{f}() argument 'pool_type' must be a pooling such as MaxPooling(), not {}",
            v.type_name()
        ))
    })?;
    Ok(match p.class {
        "MaxPooling" => "max-projection".into(),
        "AvgPooling" => {
            *p.name.borrow_mut() = "avg".into();
            "avg-projection".into()
        }
        "SumPooling" | "SquareRootNPooling" => {
            return Err(EvalError::value_error(format!(
                "{f}(): only (Cudnn)AvgPooling, (Cudnn)MaxPooling, MaxWithMaskPooling are supported"
            )))
        }
        _ => p.name.borrow().clone(),
    })
}

fn img_pool_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "img_pool_layer";
    let name = layer_name(st, &a, "pool")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let channels = match opt_uint(a.get("num_channels"), f, "num_channels")? {
        Some(c) => c,
        None => input.num_filters.ok_or_else(|| {
            EvalError::value_error(format!(
                "img_pool_layer(): the number of input channels is unknown: give num_channels for '{}'",
                input.name
            ))
        })?,
    };
    let pool_type = image_pool_type(a.get("pool_type"), f)?;
    let size_x = uint_arg(a.get("pool_size"), f, "pool_size")?;
    let size_y = opt_uint(a.get("pool_size_y"), f, "pool_size_y")?.unwrap_or(size_x);
    let stride = uint_arg(a.get("stride"), f, "stride")?;
    let stride_y = opt_uint(a.get("stride_y"), f, "stride_y")?.unwrap_or(stride);
    let padding = uint_arg(a.get("padding"), f, "padding")?;
    let padding_y = opt_uint(a.get("padding_y"), f, "padding_y")?.unwrap_or(padding);
    let exclude_mode = if a.get("exclude_mode").is_none() {
        None
    } else {
        Some(a.bool("exclude_mode"))
    };
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let idx = image::pool_layer(
        &mut st.b(),
        image::PoolLayer {
            name: name.clone(),
            layer_type: "pool".into(),
            input: InputSpec::new(input.name.clone()),
            pool: PoolSpec {
                pool_type,
                channels: channels as u32,
                size_x: size_x as u32,
                size_y: Some(size_y as u32),
                stride: stride as u32,
                stride_y: Some(stride_y as u32),
                padding: Some(padding as u32),
                padding_y: Some(padding_y as u32),
                exclude_mode,
                ..Default::default()
            },
            ceil_mode: a.bool("ceil_mode"),
            active_type: String::new(),
            extra,
        },
    )
    .cfg()?;
    let size = st.b().layer_at(idx).size();
    Ok(LayerOutput::new(st, &name, "pool", Some(size))
        .with_filters(Some(channels))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn batch_norm_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "batch_norm_layer";
    let name = layer_name(st, &a, "batch_norm")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let act = act_arg(a.get("act"), "ReluActivation", f, "act")?;
    let channels = match opt_uint(a.get("num_channels"), f, "num_channels")? {
        Some(c) => c,
        None => input.num_filters.or(input.size.get()).unwrap_or(0),
    };
    let attr = param_attr(
        a.get("param_attr"),
        || ParamAttrs {
            initial_mean: Some(Real::Float(1.0)),
            initial_std: Some(Real::Float(0.0)),
            initial_strategy: Some(0),
            ..Default::default()
        },
        f,
    )?;
    let bias = bias_attr(a.get("bias_attr"), true, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[DROPOUT, ERROR_CLIPPING])?;
    let bn_type = opt_str(a.get("batch_norm_type"), f, "batch_norm_type")?;
    let use_gpu = st
        .b()
        .config_arg("use_gpu")
        .is_some_and(|v| v.trim() == "1" || v.trim() == "True" || v.trim() == "true");
    let layer_type = match bn_type.as_deref() {
        None if use_gpu => "cudnn_batch_norm",
        None | Some("batch_norm") => "batch_norm",
        Some("cudnn_batch_norm") => if use_gpu { "cudnn_batch_norm" } else { "batch_norm" },
        Some("mkldnn_batch_norm") => "mkldnn_batch_norm",
        Some(other) => {
            return Err(EvalError::value_error(format!(
                "batch_norm_layer(): batch_norm_type '{other}' is not one of batch_norm, cudnn_batch_norm, mkldnn_batch_norm"
            )))
        }
    };
    let mean_var_names = match a.opt("mean_var_names") {
        None => None,
        Some(v) => {
            let l = items(v);
            if l.len() != 2 {
                return Err(EvalError::value_error(
                    "batch_norm_layer(): mean_var_names must be two names",
                ));
            }
            Some((
                str_arg(&l[0], f, "mean_var_names")?,
                str_arg(&l[1], f, "mean_var_names")?,
            ))
        }
    };
    let use_global_stats = a.opt("use_global_stats").map(|v| v.truthy());
    let idx = image::batch_norm_layer(
        &mut st.b(),
        image::BatchNormLayer {
            name: name.clone(),
            layer_type: layer_type.into(),
            input: InputSpec::with_param(input.name.clone(), attr),
            channels: channels as u32,
            img3d: a.bool("img3D"),
            bias,
            use_global_stats,
            moving_average_fraction: real_arg(
                a.get("moving_average_fraction"),
                f,
                "moving_average_fraction",
            )?,
            epsilon: real_arg(a.get("epsilon"), f, "epsilon")?,
            mean_var_names,
            active_type: act_name(&act).into(),
            extra,
        },
    )
    .cfg()?;
    let size = st.b().layer_at(idx).size();
    Ok(LayerOutput::new(st, &name, "batch_norm", Some(size))
        .with_act(&act)
        .with_filters(Some(channels))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn img_cmrnorm_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "img_cmrnorm_layer";
    let name = layer_name(st, &a, "crmnorm")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let channels = match opt_uint(a.get("num_channels"), f, "num_channels")? {
        Some(c) => c,
        None => input.num_filters.ok_or_else(|| {
            EvalError::value_error(format!(
                "img_cmrnorm_layer(): give num_channels for '{}'",
                input.name
            ))
        })?,
    };
    let norm = NormSpec {
        norm_type: "cmrnorm-projection".into(),
        channels: channels as u32,
        size: uint_arg(a.get("size"), f, "size")? as u32,
        scale: real_arg(a.get("scale"), f, "scale")?.as_f64(),
        pow: real_arg(a.get("power"), f, "power")?,
        blocked: false,
    };
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let idx = image::norm_layer(
        &mut st.b(),
        &name,
        InputSpec::new(input.name.clone()),
        &norm,
        "",
        &extra,
    )
    .cfg()?;
    let size = st.b().layer_at(idx).size();
    Ok(LayerOutput::new(st, &name, "norm", Some(size))
        .with_filters(Some(channels))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

/// Sequence and recurrent layers with one weighted input: lstmemory, grumemory, recurrent.
fn recurrent_like(st: &Rc<State>, a: &Bound, f: &str, prefix: &str) -> Result<Value, EvalError> {
    let name = layer_name(st, a, prefix)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let in_size = input.size.get().unwrap_or(0);
    let act = act_arg(a.get("act"), "TanhActivation", f, "act")?;
    let attr = param_attr(a.get("param_attr"), smart_param, f)?;
    let bias = bias_attr(a.get("bias_attr"), true, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let reverse = a.bool("reverse");
    let (layer_type, out_type, div) = match f {
        "lstmemory" => ("lstmemory", "lstmemory", 4),
        "grumemory" => ("gated_recurrent", "gated_recurrent", 3),
        _ => ("recurrent", "recurrent", 1),
    };
    if in_size % div != 0 {
        return Err(EvalError::value_error(format!(
            "{f}(): the input size {in_size} of '{}' must be a multiple of {div}",
            input.name
        )));
    }
    let size = in_size / div;
    if f != "recurrent_layer" {
        if let Some(s) = opt_uint(a.get("size"), f, "size")? {
            if s != size {
                return Err(EvalError::value_error(format!(
                    "size of {f} layer: {name} is automatically set to size of input layer / {div}. \
                     The parameter size passing to this layer is ignored."
                )));
            }
        }
    }
    let gate = if f == "recurrent_layer" {
        None
    } else {
        Some(act_arg(
            a.get("gate_act"),
            "SigmoidActivation",
            f,
            "gate_act",
        )?)
    };
    let state_act = if f == "lstmemory" {
        Some(act_arg(
            a.get("state_act"),
            "TanhActivation",
            f,
            "state_act",
        )?)
    } else {
        None
    };
    {
        let mut b = st.b();
        let added = b
            .add_layer(
                &name,
                layer_type,
                0,
                vec![InputSpec::with_param(input.name.clone(), attr)],
                act_name(&act),
                &extra,
            )
            .cfg()?;
        b.set_layer_size(added.index, size).cfg()?;
        {
            let l = b.layer_at_mut(added.index);
            l.reversed = Some(reverse);
            if let Some(g) = &gate {
                l.active_gate_type = Some(act_name(g).into());
            }
            if let Some(s) = &state_act {
                l.active_state_type = Some(act_name(s).into());
            }
        }
        let (psize, dims, bsize) = match f {
            "lstmemory" => (size * size * 4, vec![size, size, 4], size * 7),
            "grumemory" => (size * size * 3, vec![size, size * 3], size * 3),
            _ => (size * size, vec![size, size], size),
        };
        b.create_input_parameter(&added, 0, psize, dims).cfg()?;
        b.create_bias_parameter(added.index, bias.as_ref(), bsize, None, true)
            .cfg()?;
    }
    let out = LayerOutput::new(st, &name, out_type, Some(size))
        .with_parents(vec![a.get("input").clone()]);
    out.reverse.set(Some(reverse));
    let out = if f == "recurrent_layer" {
        out.with_act(&act)
    } else {
        out
    };
    Ok(out.value())
}

fn lstmemory(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    recurrent_like(st, &a, "lstmemory", "lstmemory")
}

fn grumemory(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    recurrent_like(st, &a, "grumemory", "gru")
}

fn recurrent_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    recurrent_like(st, &a, "recurrent_layer", "recurrent_layer")
}

pub fn register(m: &Module, st: &Rc<State>) {
    def(
        m,
        st,
        "data_layer",
        "name, size, depth=None, height=None, width=None, layer_attr=None",
        data_layer,
    );
    def(
        m,
        st,
        "fc_layer",
        "input, size, act=None, name=None, param_attr=None, bias_attr=None, layer_attr=None",
        fc_layer,
    );
    def(
        m,
        st,
        "selective_fc_layer",
        "input, size, select=None, act=None, name=None, pass_generation=False, has_selected_colums=True, mul_ratio=0.02, param_attr=None, bias_attr=None, layer_attr=None",
        selective_fc_layer,
    );
    def(
        m,
        st,
        "trans_layer",
        "input, name=None, layer_attr=None",
        trans_layer,
    );
    def(
        m,
        st,
        "sum_to_one_norm_layer",
        "input, name=None, layer_attr=None",
        sum_to_one_norm_layer,
    );
    def(
        m,
        st,
        "row_l2_norm_layer",
        "input, name=None, layer_attr=None",
        row_l2_norm_layer,
    );
    def(
        m,
        st,
        "sampling_id_layer",
        "input, name=None, layer_attr=None",
        sampling_id_layer,
    );
    def(
        m,
        st,
        "maxid_layer",
        "input, name=None, layer_attr=None",
        maxid_layer,
    );
    def(
        m,
        st,
        "eos_layer",
        "input, eos_id, name=None, layer_attr=None",
        eos_layer,
    );
    def(
        m,
        st,
        "slope_intercept_layer",
        "input, name=None, slope=1.0, intercept=0.0, layer_attr=None",
        slope_intercept_layer,
    );
    def(
        m,
        st,
        "scaling_layer",
        "input, weight, name=None, layer_attr=None",
        scaling_layer,
    );
    def(
        m,
        st,
        "power_layer",
        "input, weight, name=None, layer_attr=None",
        power_layer,
    );
    def(
        m,
        st,
        "interpolation_layer",
        "input, weight, name=None, layer_attr=None",
        interpolation_layer,
    );
    def(
        m,
        st,
        "cos_sim",
        "a, b, scale=1, size=1, name=None, layer_attr=None",
        cos_sim,
    );
    def(
        m,
        st,
        "l2_distance_layer",
        "x, y, name=None, layer_attr=None",
        l2_distance_layer,
    );
    def(
        m,
        st,
        "dot_prod_layer",
        "input1, input2, name=None, layer_attr=None",
        dot_prod_layer,
    );
    def(
        m,
        st,
        "out_prod_layer",
        "input1, input2, name=None, layer_attr=None",
        out_prod_layer,
    );
    def(
        m,
        st,
        "conv_shift_layer",
        "a, b, name=None, layer_attr=None",
        conv_shift_layer,
    );
    def(
        m,
        st,
        "tensor_layer",
        "a, b, size, act=None, name=None, param_attr=None, bias_attr=None, layer_attr=None",
        tensor_layer,
    );
    def(
        m,
        st,
        "linear_comb_layer",
        "weights, vectors, size=None, name=None, layer_attr=None",
        linear_comb_layer,
    );
    def(
        m,
        st,
        "convex_comb_layer",
        "weights, vectors, size=None, name=None, layer_attr=None",
        linear_comb_layer,
    );
    def(
        m,
        st,
        "addto_layer",
        "input, act=None, name=None, bias_attr=None, layer_attr=None",
        addto_layer,
    );
    def(
        m,
        st,
        "concat_layer",
        "input, act=None, name=None, layer_attr=None, bias_attr=None",
        concat_layer,
    );
    def(
        m,
        st,
        "seq_concat_layer",
        "a, b, act=None, name=None, layer_attr=None, bias_attr=None",
        seq_concat_layer,
    );
    def(
        m,
        st,
        "seq_reshape_layer",
        "input, reshape_size, act=None, name=None, layer_attr=None, bias_attr=None",
        seq_reshape_layer,
    );
    def(
        m,
        st,
        "last_seq",
        "input, name=None, agg_level='non-seq', stride=-1, layer_attr=None",
        last_seq,
    );
    def(
        m,
        st,
        "first_seq",
        "input, name=None, agg_level='non-seq', stride=-1, layer_attr=None",
        first_seq,
    );
    def(
        m,
        st,
        "pooling_layer",
        "input, pooling_type=None, name=None, bias_attr=None, agg_level='non-seq', stride=-1, layer_attr=None",
        pooling_layer,
    );
    def(
        m,
        st,
        "expand_layer",
        "input, expand_as, name=None, bias_attr=False, expand_level='non-seq', layer_attr=None",
        expand_layer,
    );
    def(
        m,
        st,
        "repeat_layer",
        "input, num_repeats, as_row_vector=True, act=None, name=None, layer_attr=None",
        repeat_layer,
    );
    def(
        m,
        st,
        "get_output_layer",
        "input, arg_name, name=None, layer_attr=None",
        get_output_layer,
    );
    def(
        m,
        st,
        "print_layer",
        "input, format=None, name=None",
        print_layer,
    );
    def(
        m,
        st,
        "printer_layer",
        "input, format=None, name=None",
        print_layer,
    );
    def(
        m,
        st,
        "img_conv_layer",
        "input, filter_size, num_filters, name=None, num_channels=None, act=None, groups=1, stride=1, padding=0, dilation=1, bias_attr=None, param_attr=None, shared_biases=True, layer_attr=None, filter_size_y=None, stride_y=None, padding_y=None, dilation_y=None, trans=False, layer_type=None",
        img_conv_layer,
    );
    def(
        m,
        st,
        "img_pool_layer",
        "input, pool_size, name=None, num_channels=None, pool_type=None, stride=1, padding=0, layer_attr=None, pool_size_y=None, stride_y=None, padding_y=None, ceil_mode=True, exclude_mode=None",
        img_pool_layer,
    );
    def(
        m,
        st,
        "batch_norm_layer",
        "input, act=None, name=None, img3D=False, num_channels=None, bias_attr=None, param_attr=None, layer_attr=None, batch_norm_type=None, epsilon=1e-5, moving_average_fraction=0.9, use_global_stats=None, mean_var_names=None",
        batch_norm_layer,
    );
    def(
        m,
        st,
        "img_cmrnorm_layer",
        "input, size, scale=0.0128, power=0.75, name=None, num_channels=None, layer_attr=None",
        img_cmrnorm_layer,
    );
    def(
        m,
        st,
        "lstmemory",
        "input, name=None, size=None, reverse=False, act=None, gate_act=None, state_act=None, bias_attr=None, param_attr=None, layer_attr=None",
        lstmemory,
    );
    def(
        m,
        st,
        "grumemory",
        "input, size=None, name=None, reverse=False, act=None, gate_act=None, bias_attr=None, param_attr=None, layer_attr=None",
        grumemory,
    );
    def(
        m,
        st,
        "recurrent_layer",
        "input, act=None, bias_attr=None, param_attr=None, name=None, reverse=False, layer_attr=None",
        recurrent_layer,
    );
}
