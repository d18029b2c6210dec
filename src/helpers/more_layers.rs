//! The less common layers.py helpers: sequence selection, detection, 3-D images, padding,
//! maxout, spp, and the structured costs (ctc, crf, nce, hsigmoid).

use super::args::*;
use super::layers::{def, layer_name, Simple};
use super::objects::*;
use super::state::{OrConfigError, State};
use crate::eval::{Bound, EvalError, Interp, Module, Value};
use crate::graph::layers::image::{self, parse_image, ConvSpec, PoolSpec};
use crate::graph::{
    ClipConfig, DetectionOutputConfig, ImageConfig, InputSpec, LayerConfig, MaxOutConfig,
    MultiBoxLossConfig, PadConfig, ParamAttrs, ROIPoolConfig, Real, RowConvConfig,
    ScaleSubRegionConfig, SppConfig,
};
use std::rc::Rc;

fn spec(v: &Value) -> InputSpec {
    InputSpec::new(lo(v).name.clone())
}

fn channels_of(input: &LayerOutput, given: &Value, f: &str) -> Result<u64, EvalError> {
    match opt_uint(given, f, "num_channels")? {
        Some(c) => Ok(c),
        None => input.num_filters.ok_or_else(|| {
            EvalError::value_error(format!(
                "{f}(): the number of channels of '{}' is unknown; give num_channels",
                input.name
            ))
        }),
    }
}

/// Adds a layer with the given inputs and lets `build` finish it with the builder.
#[allow(clippy::too_many_arguments)]
fn with_layer(
    st: &State,
    name: &str,
    layer_type: &str,
    size: u64,
    inputs: Vec<InputSpec>,
    active_type: &str,
    extra: &crate::graph::LayerExtra,
    build: impl FnOnce(
        &mut crate::graph::Builder,
        &crate::graph::builder::Added,
    ) -> Result<(), crate::graph::GraphError>,
) -> Result<u64, EvalError> {
    let mut b = st.b();
    let added = b
        .add_layer(name, layer_type, size, inputs, active_type, extra)
        .cfg()?;
    build(&mut b, &added).cfg()?;
    Ok(b.layer_at(added.index).size())
}

fn hsigmoid(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "hsigmoid";
    let name = layer_name(st, &a, f)?;
    let inputs = layers_arg(a.get("input"), f, "input")?;
    let label = layer_arg(a.get("label"), f, "label")?;
    let num_classes = match opt_uint(a.get("num_classes"), f, "num_classes")? {
        Some(n) => n,
        None => label.size.get().unwrap_or(0),
    };
    if num_classes <= 2 {
        return Err(EvalError::value_error(
            "hsigmoid label size must larger than 2.",
        ));
    }
    let attrs = param_attrs_per_input(a.get("param_attr"), inputs.len(), f)?;
    let bias = bias_attr(a.get("bias_attr"), true, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut specs: Vec<InputSpec> = inputs
        .iter()
        .zip(attrs)
        .map(|(l, p)| InputSpec::with_param(lo(l).name.clone(), p))
        .collect();
    specs.push(InputSpec::new(label.name.clone()));
    let n = inputs.len();
    let size = with_layer(st, &name, "hsigmoid", 1, specs, "", &extra, |b, added| {
        b.layer_at_mut(added.index).num_classes = Some(num_classes as u32);
        for i in 0..n {
            let s = b.input_layer(added.index, i).size();
            b.create_input_parameter(added, i, (num_classes - 1) * s, vec![num_classes - 1, s])?;
        }
        b.create_bias_parameter(added.index, bias.as_ref(), num_classes - 1, None, true)?;
        Ok(())
    })?;
    let mut parents = inputs;
    parents.push(a.get("label").clone());
    Ok(LayerOutput::new(st, &name, "hsigmoid", Some(size))
        .with_parents(parents)
        .value())
}

fn ctc_like(st: &Rc<State>, a: &Bound, f: &str, layer_type: &str) -> Result<Value, EvalError> {
    let name = layer_name(st, a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let label = layer_arg(a.get("label"), f, "label")?;
    let mut size = opt_uint(a.get("size"), f, "size")?;
    if let Some(ls) = label.size.get() {
        match size {
            Some(s) if s != ls + 1 => {
                return Err(EvalError::value_error(format!(
                    "{f}(): size ({s}) must be the label size + 1 ({})",
                    ls + 1
                )))
            }
            None => size = Some(ls + 1),
            _ => {}
        }
    }
    let size = size.unwrap_or(0);
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let norm = a.bool("norm_by_times");
    let blank = if layer_type == "warp_ctc" {
        Some(uint_arg(a.get("blank"), f, "blank")? as u32)
    } else {
        None
    };
    if layer_type == "warp_ctc"
        && !matches!(
            act_name(input.activation.as_ref().unwrap_or(&Value::None)),
            ""
        )
    {
        return Err(EvalError::value_error(
            "warp_ctc_layer(): Expecting the active_type of input layer to be linear or null",
        ));
    }
    let mut s = Simple::new(
        &name,
        layer_type,
        vec![
            InputSpec::new(input.name.clone()),
            InputSpec::new(label.name.clone()),
        ],
    );
    s.size = size;
    s.size_of = None;
    s.extra = extra;
    s.add(st, |l| {
        l.norm_by_times = Some(norm);
        l.blank = blank;
    })?;
    Ok(LayerOutput::new(st, &name, layer_type, Some(size))
        .with_parents(vec![a.get("input").clone(), a.get("label").clone()])
        .value())
}

fn ctc_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    ctc_like(st, &a, "ctc_layer", "ctc")
}

fn warp_ctc_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    ctc_like(st, &a, "warp_ctc_layer", "warp_ctc")
}

fn crf_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "crf_layer";
    let name = layer_name(st, &a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let label = layer_arg(a.get("label"), f, "label")?;
    let mut size = opt_uint(a.get("size"), f, "size")?;
    if let (Some(is), Some(ls)) = (input.size.get(), label.size.get()) {
        if is != ls {
            return Err(EvalError::value_error(format!(
                "crf_layer(): input size {is} and label size {ls} differ"
            )));
        }
        size.get_or_insert(is);
    }
    let size = size.unwrap_or(0);
    let attr = param_attr(a.get("param_attr"), smart_param, f)?;
    let coeff = real_arg(a.get("coeff"), f, "coeff")?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut specs = vec![
        InputSpec::with_param(input.name.clone(), attr),
        InputSpec::new(label.name.clone()),
    ];
    let mut parents = vec![a.get("input").clone(), a.get("label").clone()];
    if let Some(w) = a.opt("weight") {
        specs.push(InputSpec::new(layer_arg(w, f, "weight")?.name.clone()));
        parents.push(w.clone());
    }
    with_layer(st, &name, "crf", size, specs, "", &extra, |b, added| {
        b.create_input_parameter(added, 0, size * (size + 2), vec![size + 2, size])?;
        b.layer_at_mut(added.index).coeff = Some(coeff);
        Ok(())
    })?;
    Ok(LayerOutput::new(st, &name, "crf", Some(1))
        .with_parents(parents)
        .value())
}

fn crf_decoding_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "crf_decoding_layer";
    let name = layer_name(st, &a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let size = uint_arg(a.get("size"), f, "size")?;
    let attr = param_attr(a.get("param_attr"), smart_param, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut specs = vec![InputSpec::with_param(input.name.clone(), attr)];
    let mut parents = vec![a.get("input").clone()];
    if let Some(l) = a.opt("label") {
        specs.push(InputSpec::new(layer_arg(l, f, "label")?.name.clone()));
        parents.push(l.clone());
    }
    with_layer(
        st,
        &name,
        "crf_decoding",
        size,
        specs,
        "",
        &extra,
        |b, added| b.create_input_parameter(added, 0, size * (size + 2), vec![size + 2, size]),
    )?;
    Ok(LayerOutput::new(st, &name, "crf_decoding", Some(1))
        .with_parents(parents)
        .value())
}

fn nce_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "nce_layer";
    let name = layer_name(st, &a, f)?;
    let inputs = layers_arg(a.get("input"), f, "input")?;
    let label = layer_arg(a.get("label"), f, "label")?;
    if label.layer_type != "data" {
        return Err(EvalError::value_error(
            "nce_layer(): the label must be a data layer",
        ));
    }
    let num_classes = match opt_uint(a.get("num_classes"), f, "num_classes")? {
        Some(n) => n,
        None => label.size.get().unwrap_or(0),
    };
    let dist = match a.opt("neg_distribution") {
        None => Vec::new(),
        Some(v) => {
            let d: Vec<Real> = items(v)
                .iter()
                .map(|x| real_arg(x, f, "neg_distribution"))
                .collect::<Result<_, _>>()?;
            if d.len() as u64 != num_classes {
                return Err(EvalError::value_error(format!(
                    "len(neg_sampling_dist)({}) is not same as num_classes ({num_classes})",
                    d.len()
                )));
            }
            let sum: f64 = d.iter().map(|r| r.as_f64()).sum();
            if (sum - 1.0).abs() >= 1e-5 {
                return Err(EvalError::value_error(format!(
                    "The sum of neg_sampling_dist ({sum}) is not 1"
                )));
            }
            d
        }
    };
    let attrs = param_attrs_per_input(a.get("param_attr"), inputs.len(), f)?;
    let bias = bias_attr(a.get("bias_attr"), true, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let num_neg = int_arg(a.get("num_neg_samples"), f, "num_neg_samples")?;
    let mut specs: Vec<InputSpec> = inputs
        .iter()
        .zip(attrs)
        .map(|(l, p)| InputSpec::with_param(lo(l).name.clone(), p))
        .collect();
    specs.push(InputSpec::new(label.name.clone()));
    let mut parents = inputs.clone();
    parents.push(a.get("label").clone());
    if let Some(w) = a.opt("weight") {
        let wl = layer_arg(w, f, "weight")?;
        specs.push(InputSpec::new(wl.name.clone()));
        parents.push(w.clone());
    }
    let n_inputs = specs.len();
    with_layer(st, &name, "nce", 1, specs, "sigmoid", &extra, |b, added| {
        {
            let l = b.layer_at_mut(added.index);
            l.num_classes = Some(num_classes as u32);
            l.neg_sampling_dist = dist;
            l.num_neg_samples = Some(num_neg as i32);
        }
        let mut real = n_inputs - 1;
        if real > 1
            && b.input_layer(added.index, real).size() == 1
            && b.input_layer(added.index, real - 1).r#type == "data"
        {
            real -= 1;
        }
        for i in 0..real {
            let s = b.input_layer(added.index, i).size();
            b.create_input_parameter(added, i, num_classes * s, vec![num_classes, s])?;
        }
        b.create_bias_parameter(added.index, bias.as_ref(), num_classes, None, true)?;
        Ok(())
    })?;
    Ok(LayerOutput::new(st, &name, "nce", Some(1))
        .with_act(&activation("SigmoidActivation"))
        .with_parents(parents)
        .value())
}

fn spp_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "spp_layer";
    let name = layer_name(st, &a, "spp")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let channels = channels_of(input, a.get("num_channels"), f)?;
    let pool_type = match a.get("pool_type") {
        Value::None => "max-projection".to_string(),
        v => {
            let p = v
                .downcast_host::<Pooling>()
                .ok_or_else(|| EvalError::type_error("spp_layer(): pool_type must be a pooling"))?;
            match p.class {
                "MaxPooling" => "max-projection".into(),
                "AvgPooling" => "avg-projection".into(),
                _ => p.name.borrow().clone(),
            }
        }
    };
    let height = uint_arg(a.get("pyramid_height"), f, "pyramid_height")?;
    if !(1..=16).contains(&height) {
        return Err(EvalError::value_error(format!(
            "spp_layer(): pyramid_height must be between 1 and 16, got {height}"
        )));
    }
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let size = with_layer(
        st,
        &name,
        "spp",
        0,
        vec![spec(a.get("input"))],
        "",
        &extra,
        |b, added| {
            let in_name = b.layer_at(added.index).inputs[0].input_layer_name.clone();
            let image_conf = parse_image(b, &in_name, channels as u32)?;
            b.layer_at_mut(added.index).inputs[0].spp_conf = Some(SppConfig {
                image_conf,
                pool_type: pool_type.clone(),
                pyramid_height: height as u32,
            });
            let out_x = (4u64.pow(height as u32) - 1) / 3;
            b.set_cnn_layer(added.index, 1, out_x, channels)
        },
    )?;
    Ok(LayerOutput::new(st, &name, "spp", Some(size))
        .with_filters(Some(channels))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn bilinear_interp_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "bilinear_interp_layer";
    let name = layer_name(st, &a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    if input.layer_type != "conv" {
        return Err(EvalError::value_error(
            "bilinear_interp_layer(): the input must be a convolution layer",
        ));
    }
    let channels = channels_of(input, &Value::None, f)?;
    let (ox, oy) = (
        uint_arg(a.get("out_size_x"), f, "out_size_x")?,
        uint_arg(a.get("out_size_y"), f, "out_size_y")?,
    );
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let size = with_layer(
        st,
        &name,
        "bilinear_interp",
        0,
        vec![spec(a.get("input"))],
        "",
        &extra,
        |b, added| {
            let in_name = b.layer_at(added.index).inputs[0].input_layer_name.clone();
            let image_conf = parse_image(b, &in_name, channels as u32)?;
            b.layer_at_mut(added.index).inputs[0].bilinear_interp_conf =
                Some(crate::graph::BilinearInterpConfig {
                    image_conf,
                    out_size_x: ox as u32,
                    out_size_y: oy as u32,
                });
            b.set_cnn_layer(added.index, oy, ox, channels)
        },
    )?;
    Ok(LayerOutput::new(st, &name, "bilinear_interp", Some(size))
        .with_filters(Some(channels))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn maxout_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "maxout_layer";
    let name = layer_name(st, &a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let groups = uint_arg(a.get("groups"), f, "groups")?;
    let channels = channels_of(input, a.get("num_channels"), f)?;
    if groups <= 1 || channels % groups != 0 {
        return Err(EvalError::value_error(format!(
            "maxout_layer(): groups ({groups}) must be > 1 and divide the {channels} channels"
        )));
    }
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let size = with_layer(
        st,
        &name,
        "maxout",
        0,
        vec![spec(a.get("input"))],
        "",
        &extra,
        |b, added| {
            let in_name = b.layer_at(added.index).inputs[0].input_layer_name.clone();
            let image_conf = parse_image(b, &in_name, channels as u32)?;
            let (x, y) = (
                image_conf.img_size as u64,
                image_conf.img_size_y.unwrap_or(0) as u64,
            );
            b.layer_at_mut(added.index).inputs[0].maxout_conf = Some(MaxOutConfig {
                image_conf,
                groups: groups as u32,
            });
            b.set_cnn_layer(added.index, y, x, channels / groups)
        },
    )?;
    Ok(LayerOutput::new(st, &name, "maxout", Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn pad_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "pad_layer";
    let name = layer_name(st, &a, "pad")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let pair = |k: &str| -> Result<Vec<u32>, EvalError> {
        match a.opt(k) {
            None => Ok(vec![0, 0]),
            Some(v) => {
                let l = items(v);
                if l.len() != 2 {
                    return Err(EvalError::value_error(format!(
                        "pad_layer(): {k} must be two numbers"
                    )));
                }
                l.iter()
                    .map(|x| uint_arg(x, f, k).map(|u| u as u32))
                    .collect()
            }
        }
    };
    let (pc, ph, pw) = (pair("pad_c")?, pair("pad_h")?, pair("pad_w")?);
    let in_ch = channels_of(input, &Value::None, f)?;
    let out_ch = in_ch + pc[0] as u64 + pc[1] as u64;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let size = with_layer(
        st,
        &name,
        "pad",
        0,
        vec![spec(a.get("input"))],
        "",
        &extra,
        |b, added| {
            let in_name = b.layer_at(added.index).inputs[0].input_layer_name.clone();
            let image_conf = parse_image(b, &in_name, in_ch as u32)?;
            let out_h = image_conf.img_size_y.unwrap_or(0) as u64 + ph[0] as u64 + ph[1] as u64;
            let out_w = image_conf.img_size as u64 + pw[0] as u64 + pw[1] as u64;
            b.layer_at_mut(added.index).inputs[0].pad_conf = Some(PadConfig {
                image_conf,
                pad_c: pc.clone(),
                pad_h: ph.clone(),
                pad_w: pw.clone(),
            });
            b.set_cnn_layer(added.index, out_h, out_w, out_ch)
        },
    )?;
    Ok(LayerOutput::new(st, &name, "pad", Some(size))
        .with_filters(Some(out_ch))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn multiplex_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "multiplex_layer";
    let name = layer_name(st, &a, f)?;
    let inputs = layers_arg(a.get("input"), f, "input")?;
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
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let mut s = Simple::new(&name, "multiplex", inputs.iter().map(spec).collect());
    s.size = size;
    s.size_of = None;
    s.extra = extra;
    s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "multiplex", Some(size))
        .with_parents(inputs)
        .value())
}

fn prelu_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "prelu_layer";
    let name = layer_name(st, &a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let attr = param_attr(
        a.get("param_attr"),
        || ParamAttrs {
            initial_mean: Some(Real::Float(0.25)),
            initial_std: Some(Real::Float(0.0)),
            initial_strategy: Some(0),
            ..Default::default()
        },
        f,
    )?;
    let channels = channels_of(input, a.get("num_channels"), f)?;
    let mut partial_sum = uint_arg(a.get("partial_sum"), f, "partial_sum")?;
    if let Some(shared) = a.opt("channel_shared") {
        let (h, w) = {
            let b = st.b();
            let l = b.layer(&input.full_name.borrow()).cfg()?;
            (l.height.unwrap_or(0), l.width.unwrap_or(0))
        };
        if h == 0 || w == 0 {
            return Err(EvalError::value_error(
                "prelu_layer(): input height and width must be set",
            ));
        }
        partial_sum = if shared.truthy() {
            h * w * channels
        } else {
            h * w
        };
    }
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let size = with_layer(
        st,
        &name,
        "prelu",
        0,
        vec![InputSpec::with_param(input.name.clone(), attr)],
        "",
        &extra,
        |b, added| {
            let s = b.input_layer(added.index, 0).size();
            crate::graph::builder::check(partial_sum > 0 && s % partial_sum == 0, || {
                "a wrong setting for partial_sum".into()
            })?;
            b.set_layer_size(added.index, s)?;
            let input = b.input_layer(added.index, 0).clone();
            b.set_height_width(
                added.index,
                input.height.unwrap_or(0),
                input.width.unwrap_or(0),
            );
            b.layer_at_mut(added.index).depth = Some(input.depth.unwrap_or(1));
            b.layer_at_mut(added.index).partial_sum = Some(partial_sum as u32);
            b.create_input_parameter(added, 0, s / partial_sum, vec![1, s / partial_sum])
        },
    )?;
    Ok(LayerOutput::new(st, &name, "prelu", Some(size))
        .with_filters(Some(channels))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn row_conv_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "row_conv_layer";
    let name = layer_name(st, &a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let len = uint_arg(a.get("context_len"), f, "context_len")?;
    if len == 0 {
        return Err(EvalError::value_error(
            "the context_len must be greatet than 0.",
        ));
    }
    let act = act_arg(a.get("act"), "LinearActivation", f, "act")?;
    let attr = param_attr(a.get("param_attr"), smart_param, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[DROPOUT])?;
    let size = with_layer(
        st,
        &name,
        "row_conv",
        0,
        vec![InputSpec::with_param(input.name.clone(), attr)],
        act_name(&act),
        &extra,
        |b, added| {
            let s = b.input_layer(added.index, 0).size();
            b.layer_at_mut(added.index).inputs[0].row_conv_conf = Some(RowConvConfig {
                context_length: len as u32,
            });
            b.set_layer_size(added.index, s)?;
            b.create_input_parameter(added, 0, len * s, vec![len, s])
        },
    )?;
    Ok(LayerOutput::new(st, &name, "row_conv", Some(size))
        .with_act(&act)
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn detection_inputs(a: &Bound, f: &str) -> Result<(Vec<Value>, Vec<Value>), EvalError> {
    let loc = layers_arg(a.get("input_loc"), f, "input_loc")?;
    let conf = layers_arg(a.get("input_conf"), f, "input_conf")?;
    if loc.len() != conf.len() {
        return Err(EvalError::value_error(format!(
            "{f}(): {} input_loc layers but {} input_conf layers",
            loc.len(),
            conf.len()
        )));
    }
    Ok((loc, conf))
}

fn multibox_loss_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "multibox_loss_layer";
    let name = layer_name(st, &a, "multibox_loss")?;
    let (loc, conf) = detection_inputs(&a, f)?;
    layer_arg(a.get("priorbox"), f, "priorbox")?;
    layer_arg(a.get("label"), f, "label")?;
    let mut inputs = vec![a.get("priorbox").clone(), a.get("label").clone()];
    inputs.extend(loc.iter().cloned());
    inputs.extend(conf.iter().cloned());
    let num_classes = uint_arg(a.get("num_classes"), f, "num_classes")?;
    let background = uint_arg(a.get("background_id"), f, "background_id")?;
    if num_classes <= background {
        return Err(EvalError::value_error(
            "Classes number must greater than background ID",
        ));
    }
    let c = MultiBoxLossConfig {
        num_classes: num_classes as u32,
        overlap_threshold: real_arg(a.get("overlap_threshold"), f, "overlap_threshold")?,
        neg_pos_ratio: real_arg(a.get("neg_pos_ratio"), f, "neg_pos_ratio")?,
        neg_overlap: real_arg(a.get("neg_overlap"), f, "neg_overlap")?,
        background_id: background as u32,
        input_num: loc.len() as u32,
        height: None,
        width: None,
    };
    with_layer(
        st,
        &name,
        "multibox_loss",
        0,
        inputs.iter().map(spec).collect(),
        "",
        &Default::default(),
        |b, added| {
            b.layer_at_mut(added.index).inputs[0].multibox_loss_conf = Some(c);
            b.layer_at_mut(added.index).size = Some(1);
            Ok(())
        },
    )?;
    Ok(LayerOutput::new(st, &name, "multibox_loss", Some(1))
        .with_parents(inputs)
        .value())
}

fn detection_output_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "detection_output_layer";
    let name = layer_name(st, &a, "detection_output")?;
    let (loc, conf) = detection_inputs(&a, f)?;
    layer_arg(a.get("priorbox"), f, "priorbox")?;
    let mut inputs = vec![a.get("priorbox").clone()];
    inputs.extend(loc.iter().cloned());
    inputs.extend(conf.iter().cloned());
    let num_classes = uint_arg(a.get("num_classes"), f, "num_classes")?;
    let background = uint_arg(a.get("background_id"), f, "background_id")?;
    if num_classes <= background {
        return Err(EvalError::value_error(
            "Classes number must greater than background ID",
        ));
    }
    let keep = uint_arg(a.get("keep_top_k"), f, "keep_top_k")?;
    let c = DetectionOutputConfig {
        num_classes: num_classes as u32,
        nms_threshold: real_arg(a.get("nms_threshold"), f, "nms_threshold")?,
        nms_top_k: uint_arg(a.get("nms_top_k"), f, "nms_top_k")? as u32,
        background_id: background as u32,
        input_num: loc.len() as u32,
        keep_top_k: keep as u32,
        confidence_threshold: real_arg(a.get("confidence_threshold"), f, "confidence_threshold")?,
        height: None,
        width: None,
    };
    let size = keep * 7;
    with_layer(
        st,
        &name,
        "detection_output",
        0,
        inputs.iter().map(spec).collect(),
        "",
        &Default::default(),
        |b, added| {
            b.layer_at_mut(added.index).inputs[0].detection_output_conf = Some(c);
            b.layer_at_mut(added.index).size = Some(size);
            Ok(())
        },
    )?;
    Ok(LayerOutput::new(st, &name, "detection_output", Some(size))
        .with_parents(inputs)
        .value())
}

fn clip_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "clip_layer";
    let name = layer_name(st, &a, "clip")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let (min, max) = (
        real_arg(a.get("min"), f, "min")?,
        real_arg(a.get("max"), f, "max")?,
    );
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
        vec![spec(a.get("input"))],
        "",
        &Default::default(),
        |b, added| {
            let s = b.input_layer(added.index, 0).size();
            b.set_layer_size(added.index, s)?;
            b.layer_at_mut(added.index).inputs[0].clip_conf = Some(ClipConfig { min, max });
            Ok(())
        },
    )?;
    let _ = input;
    Ok(LayerOutput::new(st, &name, "clip", Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn kmax_seq_score_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "kmax_seq_score_layer";
    let name = layer_name(st, &a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    if input.size.get() != Some(1) {
        return Err(EvalError::value_error(
            "input of kmax_seq_score_layer is a score over a sequence or a nested sequence, so its width must be 1.",
        ));
    }
    let beam = uint_arg(a.get("beam_size"), f, "beam_size")?;
    with_layer(
        st,
        &name,
        "kmax_seq_score",
        0,
        vec![spec(a.get("input"))],
        "",
        &Default::default(),
        |b, added| {
            b.layer_at_mut(added.index).beam_size = Some(beam as u32);
            Ok(())
        },
    )?;
    Ok(
        LayerOutput::new(st, &name, "kmax_seq_score", input.size.get())
            .with_parents(vec![a.get("input").clone()])
            .value(),
    )
}

fn sub_nested_seq_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "sub_nested_seq_layer";
    let name = layer_name(st, &a, f)?;
    layer_arg(a.get("input"), f, "input")?;
    layer_arg(a.get("selected_indices"), f, "selected_indices")?;
    let s = Simple::new(
        &name,
        "sub_nested_seq",
        vec![spec(a.get("input")), spec(a.get("selected_indices"))],
    );
    let size = s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "sub_nested_seq", Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn scale_shift_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "scale_shift_layer";
    let name = layer_name(st, &a, "scale_shift")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let attr = param_attr(a.get("param_attr"), smart_param, f)?;
    let bias = bias_attr(a.get("bias_attr"), true, f)?;
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
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn seq_slice_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "seq_slice_layer";
    let name = layer_name(st, &a, f)?;
    layer_arg(a.get("input"), f, "input")?;
    let (starts, ends) = (a.opt("starts"), a.opt("ends"));
    if starts.is_none() && ends.is_none() {
        return Err(EvalError::value_error(
            "start and end indices cannot be set to None at the same time, at least one of them should be given.",
        ));
    }
    let mut specs = vec![spec(a.get("input"))];
    for (v, what) in [(starts, "starts"), (ends, "ends")] {
        if let Some(v) = v {
            specs.push(InputSpec::new(layer_arg(v, f, what)?.name.clone()));
        }
    }
    if let (Some(s), Some(e)) = (starts, ends) {
        if lo(s).size.get() != lo(e).size.get() {
            return Err(EvalError::value_error(
                "If start and end indices are both given to seq_slice_layer, they should have the same width.",
            ));
        }
    }
    let two = specs.len() == 2;
    let has_starts = starts.is_some();
    let size = Simple::new(&name, "seq_slice", specs).add(st, |l: &mut LayerConfig| {
        if two {
            l.select_first = Some(has_starts);
        }
    })?;
    Ok(LayerOutput::new(st, &name, "seq_slice", Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn cross_entropy_over_beam(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "cross_entropy_over_beam";
    let name = layer_name(st, &a, f)?;
    let mut inputs = Vec::new();
    for beam in items(a.get("input")) {
        let beam = beam.downcast_host::<BeamInput>().ok_or_else(|| {
            EvalError::type_error("input for cross_entropy_over_beam should be a BeamInput object.")
        })?;
        inputs.extend([
            beam.candidate_scores.clone(),
            beam.selected_candidates.clone(),
            beam.gold.clone(),
        ]);
    }
    with_layer(
        st,
        &name,
        "cross_entropy_over_beam",
        0,
        inputs.iter().map(spec).collect(),
        "",
        &Default::default(),
        |b, added| {
            for i in (0..inputs.len()).step_by(3) {
                crate::graph::builder::check(b.input_layer(added.index, i).size() == 1, || {
                    "Inputs for this layer are made up of several triples, in which the first one is scores over \
                 all candidate paths, whose size should be equal to 1."
                    .into()
                })?;
            }
            Ok(())
        },
    )?;
    Ok(
        LayerOutput::new(st, &name, "multi-class-cross-entropy", Some(1))
            .with_parents(inputs)
            .value(),
    )
}

/// `BeamInput(candidate_scores, selected_candidates, gold)`.
pub struct BeamInput {
    pub candidate_scores: Value,
    pub selected_candidates: Value,
    pub gold: Value,
}

impl crate::eval::HostObject for BeamInput {
    fn type_name(&self) -> &str {
        "BeamInput"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn roi_pool_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "roi_pool_layer";
    let name = layer_name(st, &a, "roi_pool")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    layer_arg(a.get("rois"), f, "rois")?;
    let channels = channels_of(input, a.get("num_channels"), f)?;
    let (pw, ph) = (
        uint_arg(a.get("pooled_width"), f, "pooled_width")?,
        uint_arg(a.get("pooled_height"), f, "pooled_height")?,
    );
    let scale = real_arg(a.get("spatial_scale"), f, "spatial_scale")?;
    with_layer(
        st,
        &name,
        "roi_pool",
        0,
        vec![spec(a.get("input")), spec(a.get("rois"))],
        "",
        &Default::default(),
        |b, added| {
            b.layer_at_mut(added.index).inputs[0].roi_pool_conf = Some(ROIPoolConfig {
                pooled_width: pw as u32,
                pooled_height: ph as u32,
                spatial_scale: scale,
                height: None,
                width: None,
            });
            b.set_cnn_layer(added.index, ph, pw, channels)
        },
    )?;
    Ok(
        LayerOutput::new(st, &name, "roi_pool", Some(channels * pw * ph))
            .with_parents(vec![a.get("input").clone(), a.get("rois").clone()])
            .value(),
    )
}

fn triple(v: &Value, f: &str, what: &str) -> Result<(u64, u64, u64), EvalError> {
    if is_sequence(v) {
        let l = items(v);
        if l.len() != 3 {
            return Err(EvalError::value_error(format!(
                "{f}(): {what} must be one int or three"
            )));
        }
        return Ok((
            uint_arg(&l[0], f, what)?,
            uint_arg(&l[1], f, what)?,
            uint_arg(&l[2], f, what)?,
        ));
    }
    let x = uint_arg(v, f, what)?;
    Ok((x, x, x))
}

fn img_pool3d_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "img_pool3d_layer";
    let name = layer_name(st, &a, "pool3d")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let channels = channels_of(input, a.get("num_channels"), f)?;
    let pool_type = match a.get("pool_type") {
        Value::None => "max-projection".to_string(),
        v => match v.downcast_host::<Pooling>() {
            Some(p) if p.class == "MaxPooling" => "max-projection".into(),
            Some(p) if p.class == "AvgPooling" => "avg-projection".into(),
            Some(p) => p.name.borrow().clone(),
            None => {
                return Err(EvalError::type_error(
                    "img_pool3d_layer(): pool_type must be a pooling",
                ))
            }
        },
    };
    let (sx, sy, sz) = triple(a.get("pool_size"), f, "pool_size")?;
    let (tx, ty, tz) = triple(a.get("stride"), f, "stride")?;
    // Paddle's helper unpacks a padding triple into (padding, padding_y, padding_y): the z
    // padding of a triple is dropped and the scalar's used instead.
    let (px, py, pz) = if is_sequence(a.get("padding")) {
        let (x, _, z) = triple(a.get("padding"), f, "padding")?;
        (x, z, x)
    } else {
        triple(a.get("padding"), f, "padding")?
    };
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let idx = image::pool_layer(
        &mut st.b(),
        image::PoolLayer {
            name: name.clone(),
            layer_type: "pool3d".into(),
            input: InputSpec::new(input.name.clone()),
            pool: PoolSpec {
                pool_type,
                channels: channels as u32,
                size_x: sx as u32,
                size_y: Some(sy as u32),
                size_z: Some(sz as u32),
                stride: tx as u32,
                stride_y: Some(ty as u32),
                stride_z: Some(tz as u32),
                padding: Some(px as u32),
                padding_y: Some(py as u32),
                padding_z: Some(pz as u32),
                exclude_mode: None,
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

fn img_conv3d_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "img_conv3d_layer";
    let name = layer_name(st, &a, "conv3d")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let channels = channels_of(input, a.get("num_channels"), f)?;
    let num_filters = uint_arg(a.get("num_filters"), f, "num_filters")?;
    let act = act_arg(a.get("act"), "ReluActivation", f, "act")?;
    let (fx, fy, fz) = triple(a.get("filter_size"), f, "filter_size")?;
    let (sx, sy, sz) = triple(a.get("stride"), f, "stride")?;
    let (px, py, pz) = triple(a.get("padding"), f, "padding")?;
    let groups = uint_arg(a.get("groups"), f, "groups")?;
    let mut attr = param_attr(a.get("param_attr"), smart_param, f)?;
    if attr.initial_smart == Some(true) {
        attr.initial_mean = Some(Real::Float(0.0));
        attr.initial_std = Some(Real::Float((2.0 / ((fx * fx * channels) as f64)).sqrt()));
        attr.initial_strategy = Some(0);
        attr.initial_smart = Some(false);
    }
    let bias = bias_attr(a.get("bias_attr"), true, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[DROPOUT])?;
    let trans = a.bool("trans");
    let lt = match opt_str(a.get("layer_type"), f, "layer_type")? {
        Some(t) => t,
        None if trans => "deconv3d".into(),
        None => "conv3d".into(),
    };
    let conv = ConvSpec {
        filter_size: fx as u32,
        filter_size_y: fy as u32,
        filter_size_z: fz as u32,
        channels: channels as u32,
        padding: px as u32,
        padding_y: py as u32,
        padding_z: pz as u32,
        stride: sx as u32,
        stride_y: sy as u32,
        stride_z: sz as u32,
        groups: groups as u32,
        caffe_mode: true,
        dilation: None,
        dilation_y: None,
    };
    let idx = image::conv_layer(
        &mut st.b(),
        image::ConvLayer {
            name: name.clone(),
            layer_type: lt.clone(),
            inputs: vec![(InputSpec::with_param(input.name.clone(), attr), conv)],
            num_filters: num_filters as u32,
            bias,
            shared_biases: a.bool("shared_biases"),
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

fn resize_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "resize_layer";
    let name = layer_name(st, &a, "resize")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let size = uint_arg(a.get("size"), f, "size")?;
    let mut s = Simple::new(&name, "resize", vec![spec(a.get("input"))]);
    s.size = size;
    s.size_of = None;
    s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "resize", input.size.get())
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn scale_sub_region_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "scale_sub_region_layer";
    let name = layer_name(st, &a, "scale_sub_region")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    layer_arg(a.get("indices"), f, "indices")?;
    let value = match a.get("value") {
        Value::Float(x) => Real::Float(*x),
        v => {
            return Err(EvalError::type_error(format!(
                "The value to multiply, must be a real value, not {}",
                v.type_name()
            )))
        }
    };
    with_layer(
        st,
        &name,
        "scale_sub_region",
        0,
        vec![spec(a.get("input")), spec(a.get("indices"))],
        "",
        &Default::default(),
        |b, added| {
            let l = b.input_layer(added.index, 0).clone();
            let (w, h) = (l.width.unwrap_or(0), l.height.unwrap_or(0));
            crate::graph::builder::check(w > 0 && h > 0, || {
                format!("scale_sub_region_layer(): '{}' has no image shape", l.name)
            })?;
            let channels = l.size() / (w * h);
            b.layer_at_mut(added.index).inputs[0].scale_sub_region_conf =
                Some(ScaleSubRegionConfig {
                    image_conf: ImageConfig {
                        channels: channels as u32,
                        img_size: w as u32,
                        img_size_y: Some(h as u32),
                        img_size_z: None,
                    },
                    value,
                });
            b.set_cnn_layer(added.index, h, w, channels)
        },
    )?;
    Ok(
        LayerOutput::new(st, &name, "scale_sub_region", input.size.get())
            .with_filters(input.num_filters)
            .with_parents(vec![a.get("input").clone(), a.get("indices").clone()])
            .value(),
    )
}

fn factorization_machine(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "factorization_machine";
    let name = layer_name(st, &a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let factor = uint_arg(a.get("factor_size"), f, "factor_size")?;
    if factor == 0 {
        return Err(EvalError::value_error(
            "the factor_size must be greater than 0.",
        ));
    }
    let act = act_arg(a.get("act"), "LinearActivation", f, "act")?;
    let attr = param_attr(a.get("param_attr"), smart_param, f)?;
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
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
            .with_parents(vec![a.get("input").clone()])
            .value(),
    )
}

fn block_expand_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "block_expand_layer";
    let name = layer_name(st, &a, f)?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let channels = channels_of(input, a.get("num_channels"), f)?;
    let u = |k: &str| uint_arg(a.get(k), f, k).map(|v| v as u32);
    let (bx, by, sx, sy, px, py) = (
        u("block_x")?,
        u("block_y")?,
        u("stride_x")?,
        u("stride_y")?,
        u("padding_x")?,
        u("padding_y")?,
    );
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let size = with_layer(
        st,
        &name,
        "blockexpand",
        0,
        vec![spec(a.get("input"))],
        "",
        &extra,
        |b, added| {
            let in_name = b.layer_at(added.index).inputs[0].input_layer_name.clone();
            // Paddle's block_expand_layer passes no image size, so the outputs stay 0 and
            // the runtime takes the shape from the input.
            let _ = in_name;
            let (ix, iy) = (0u32, 0u32);
            let out = |img: u32, block: u32, pad: u32, stride: u32| {
                if img == 0 {
                    Ok(0)
                } else {
                    image::cnn_output_size(img, block, pad, stride, false)
                }
            };
            let conf = crate::graph::BlockExpandConfig {
                channels: channels as u32,
                stride_x: sx,
                stride_y: sy,
                padding_x: px,
                padding_y: py,
                block_x: bx,
                block_y: by,
                output_x: out(ix, bx, px, sx)?,
                output_y: out(iy, by, py, sy)?,
                img_size_x: ix,
                img_size_y: iy,
            };
            b.layer_at_mut(added.index).inputs[0].block_expand_conf = Some(conf);
            b.set_layer_size(added.index, bx as u64 * by as u64 * channels)
        },
    )?;
    Ok(LayerOutput::new(st, &name, "blockexpand", Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn rotate_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "rotate_layer";
    let name = layer_name(st, &a, f)?;
    layer_arg(a.get("input"), f, "input")?;
    let (h, w) = (
        uint_arg(a.get("height"), f, "height")?,
        uint_arg(a.get("width"), f, "width")?,
    );
    let extra = extra_attr(a.get("layer_attr"), f, &[])?;
    let size = with_layer(
        st,
        &name,
        "rotate",
        0,
        vec![spec(a.get("input"))],
        "",
        &extra,
        |b, added| {
            b.set_height_width(added.index, h, w);
            let s = b.input_layer(added.index, 0).size();
            b.set_layer_size(added.index, s)
        },
    )?;
    Ok(LayerOutput::new(st, &name, "rotate", Some(size))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn sub_seq_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "sub_seq_layer";
    let name = layer_name(st, &a, "sub_seq")?;
    for k in ["input", "offsets", "sizes"] {
        layer_arg(a.get(k), f, k)?;
    }
    let act = act_arg(a.get("act"), "LinearActivation", f, "act")?;
    let bias = bias_attr(a.get("bias_attr"), false, f)?;
    let mut s = Simple::new(
        &name,
        "subseq",
        vec![
            spec(a.get("input")),
            spec(a.get("offsets")),
            spec(a.get("sizes")),
        ],
    );
    s.active_type = act_name(&act);
    s.bias = bias;
    let size = s.add(st, |_| {})?;
    Ok(LayerOutput::new(st, &name, "subseq", Some(size))
        .with_parents(vec![
            a.get("input").clone(),
            a.get("offsets").clone(),
            a.get("sizes").clone(),
        ])
        .value())
}

fn cross_channel_norm_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "cross_channel_norm_layer";
    let name = layer_name(st, &a, "cross_channel_norm")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let channels = channels_of(input, &Value::None, f)?;
    let attr = param_attr(a.get("param_attr"), smart_param, f)?;
    let norm = image::NormSpec {
        norm_type: "cross-channel-norm".into(),
        channels: channels as u32,
        size: input.size.get().unwrap_or(0) as u32,
        scale: 0.0,
        pow: Real::Int(0),
        blocked: false,
    };
    let idx = image::norm_layer(
        &mut st.b(),
        &name,
        InputSpec::with_param(input.name.clone(), attr),
        &norm,
        "",
        &Default::default(),
    )
    .cfg()?;
    let size = st.b().layer_at(idx).size();
    Ok(LayerOutput::new(st, &name, "norm", Some(size))
        .with_filters(Some(channels))
        .with_parents(vec![a.get("input").clone()])
        .value())
}

fn priorbox_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "priorbox_layer";
    let name = layer_name(st, &a, "priorbox")?;
    let input = layer_arg(a.get("input"), f, "input")?;
    let image = layer_arg(a.get("image"), f, "image")?;
    let reals = |k: &str| -> Result<Vec<Real>, EvalError> {
        items(a.get(k)).iter().map(|v| real_arg(v, f, k)).collect()
    };
    let uints = |k: &str| -> Result<Vec<u32>, EvalError> {
        items(a.get(k))
            .iter()
            .map(|v| uint_arg(v, f, k).map(|u| u as u32))
            .collect()
    };
    let (aspect, variance, min_size, max_size) = (
        reals("aspect_ratio")?,
        reals("variance")?,
        uints("min_size")?,
        uints("max_size")?,
    );
    if variance.len() != 4 {
        return Err(EvalError::value_error(
            "priorbox_layer(): The variance must have 4 inputs",
        ));
    }
    let num_filters = (aspect.len() as u64 * 2 + 1 + max_size.len() as u64) * 4;
    let channels = channels_of(input, &Value::None, f)?;
    let size = input.size.get().unwrap_or(0) / channels.max(1) * num_filters * 2;
    let image_name = image.name.clone();
    with_layer(
        st,
        &name,
        "priorbox",
        0,
        vec![spec(a.get("input")), spec(a.get("image"))],
        "",
        &Default::default(),
        |b, added| {
            let img = b.input_layer(added.index, 1).clone();
            crate::graph::builder::check(img.r#type == "data", || {
                format!("Expecting the second input layer of an priorbox layer ('{image_name}') to be a data layer")
            })?;
            crate::graph::builder::check(
                img.width.unwrap_or(0) > 0 && img.height.unwrap_or(0) > 0,
                || "The data layer must set width and height".into(),
            )?;
            b.layer_at_mut(added.index).inputs[0].priorbox_conf =
                Some(crate::graph::PriorBoxConfig {
                    min_size,
                    max_size,
                    aspect_ratio: aspect,
                    variance,
                });
            b.layer_at_mut(added.index).size = Some(size);
            Ok(())
        },
    )?;
    Ok(LayerOutput::new(st, &name, "priorbox", Some(size))
        .with_filters(Some(num_filters))
        .with_parents(vec![a.get("input").clone(), a.get("image").clone()])
        .value())
}

pub fn register(m: &Module, st: &Rc<State>) {
    def(
        m,
        st,
        "rotate_layer",
        "input, height, width, name=None, layer_attr=None",
        rotate_layer,
    );
    def(
        m,
        st,
        "sub_seq_layer",
        "input, offsets, sizes, act=None, bias_attr=None, name=None",
        sub_seq_layer,
    );
    def(
        m,
        st,
        "cross_channel_norm_layer",
        "input, name=None, param_attr=None",
        cross_channel_norm_layer,
    );
    def(
        m,
        st,
        "priorbox_layer",
        "input, image, aspect_ratio, variance, min_size, max_size=[], name=None",
        priorbox_layer,
    );
    def(m, st, "hsigmoid", "input, label, num_classes=None, name=None, bias_attr=None, param_attr=None, layer_attr=None", hsigmoid);
    def(
        m,
        st,
        "ctc_layer",
        "input, label, size=None, name=None, norm_by_times=False, layer_attr=None",
        ctc_layer,
    );
    def(
        m,
        st,
        "warp_ctc_layer",
        "input, label, size=None, name=None, blank=0, norm_by_times=False, layer_attr=None",
        warp_ctc_layer,
    );
    def(m, st, "crf_layer", "input, label, size=None, weight=None, param_attr=None, name=None, coeff=1.0, layer_attr=None", crf_layer);
    def(
        m,
        st,
        "crf_decoding_layer",
        "input, size, label=None, param_attr=None, name=None, layer_attr=None",
        crf_decoding_layer,
    );
    def(
        m,
        st,
        "nce_layer",
        "input, label, num_classes=None, param_attr=None, weight=None, num_neg_samples=10, neg_distribution=None, name=None, bias_attr=None, layer_attr=None",
        nce_layer,
    );
    def(
        m,
        st,
        "spp_layer",
        "input, name=None, num_channels=None, pool_type=None, pyramid_height=None, layer_attr=None",
        spp_layer,
    );
    def(
        m,
        st,
        "bilinear_interp_layer",
        "input, out_size_x=None, out_size_y=None, name=None, layer_attr=None",
        bilinear_interp_layer,
    );
    def(
        m,
        st,
        "maxout_layer",
        "input, groups, num_channels=None, name=None, layer_attr=None",
        maxout_layer,
    );
    def(
        m,
        st,
        "pad_layer",
        "input, pad_c=None, pad_h=None, pad_w=None, name=None, layer_attr=None",
        pad_layer,
    );
    def(
        m,
        st,
        "multiplex_layer",
        "input, name=None, layer_attr=None",
        multiplex_layer,
    );
    def(
        m,
        st,
        "prelu_layer",
        "input, name=None, partial_sum=1, channel_shared=None, num_channels=None, param_attr=None, layer_attr=None",
        prelu_layer,
    );
    def(
        m,
        st,
        "row_conv_layer",
        "input, context_len, act=None, name=None, param_attr=None, layer_attr=None",
        row_conv_layer,
    );
    def(
        m,
        st,
        "multibox_loss_layer",
        "input_loc, input_conf, priorbox, label, num_classes, overlap_threshold=0.5, neg_pos_ratio=3.0, neg_overlap=0.5, background_id=0, name=None",
        multibox_loss_layer,
    );
    def(
        m,
        st,
        "detection_output_layer",
        "input_loc, input_conf, priorbox, num_classes, nms_threshold=0.45, nms_top_k=400, keep_top_k=200, confidence_threshold=0.01, background_id=0, name=None",
        detection_output_layer,
    );
    def(
        m,
        st,
        "clip_layer",
        "input, min, max, name=None",
        clip_layer,
    );
    def(
        m,
        st,
        "kmax_seq_score_layer",
        "input, name=None, beam_size=1",
        kmax_seq_score_layer,
    );
    def(
        m,
        st,
        "sub_nested_seq_layer",
        "input, selected_indices, name=None",
        sub_nested_seq_layer,
    );
    def(
        m,
        st,
        "scale_shift_layer",
        "input, name=None, param_attr=None, bias_attr=None",
        scale_shift_layer,
    );
    def(
        m,
        st,
        "seq_slice_layer",
        "input, starts, ends, name=None",
        seq_slice_layer,
    );
    def(
        m,
        st,
        "cross_entropy_over_beam",
        "input, name=None",
        cross_entropy_over_beam,
    );
    m.add_native(
        "BeamInput",
        "candidate_scores, selected_candidates, gold",
        |_, a| {
            let f = "BeamInput";
            for k in ["candidate_scores", "selected_candidates", "gold"] {
                layer_arg(a.get(k), f, k)?;
            }
            Ok(Value::host(BeamInput {
                candidate_scores: a.get("candidate_scores").clone(),
                selected_candidates: a.get("selected_candidates").clone(),
                gold: a.get("gold").clone(),
            }))
        },
    );
    def(
        m,
        st,
        "roi_pool_layer",
        "input, rois, pooled_width, pooled_height, spatial_scale, num_channels=None, name=None",
        roi_pool_layer,
    );
    def(
        m,
        st,
        "img_pool3d_layer",
        "input, pool_size, name=None, num_channels=None, pool_type=None, stride=1, padding=0, layer_attr=None, pool_size_y=None, stride_y=None, padding_y=None, pool_size_z=None, stride_z=None, padding_z=None, ceil_mode=True",
        img_pool3d_layer,
    );
    def(
        m,
        st,
        "img_conv3d_layer",
        "input, filter_size, num_filters, name=None, num_channels=None, act=None, groups=1, stride=1, padding=0, bias_attr=None, param_attr=None, shared_biases=True, layer_attr=None, trans=False, layer_type=None",
        img_conv3d_layer,
    );
    def(
        m,
        st,
        "resize_layer",
        "input, size, name=None",
        resize_layer,
    );
    def(
        m,
        st,
        "scale_sub_region_layer",
        "input, indices, value, name=None",
        scale_sub_region_layer,
    );
    def(
        m,
        st,
        "factorization_machine",
        "input, factor_size, act=None, name=None, param_attr=None, layer_attr=None",
        factorization_machine,
    );
    def(
        m,
        st,
        "block_expand_layer",
        "input, block_x=0, block_y=0, stride_x=0, stride_y=0, padding_x=0, padding_y=0, num_channels=None, name=None, layer_attr=None",
        block_expand_layer,
    );
}
