//! Image layers: convolution (2-D, 3-D, transposed), pooling, normalization, and the layers
//! that reshape feature maps (pad, maxout, spp, bilinear interpolation, block expansion).

use super::args::*;
use super::build::*;
use super::objects::*;
use super::state::{with_builder, OrConfigError, State};
use crate::eval::{Bound, EvalError, Interp, Module, Value};
use crate::graph::layer_types as lt;
use crate::graph::layers::image::{self, parse_image, ConvSpec, NormSpec, PoolSpec};
use crate::graph::{
    ImageConfig, InputSpec, MaxOutConfig, PadConfig, ParamAttrs, Real, ScaleSubRegionConfig,
    SppConfig,
};
use std::rc::Rc;

fn img_conv_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "img_conv_layer";
    let name = layer_name(st, &a, "conv")?;
    let input = a.arg_layer("input")?;
    let num_filters = a.arg_uint("num_filters")?;
    let channels = match a.arg_opt_uint("num_channels")? {
        Some(c) => c,
        None => input.num_filters.ok_or_else(|| {
            EvalError::value_error(format!(
                "img_conv_layer(): the number of input channels is unknown: '{}' is not an image layer, \
                 so give num_channels",
                input.name
            ))
        })?,
    };
    let act = a.arg_act("act", "ReluActivation")?;
    let (fx, fy) = pair(
        a.arg("filter_size")?,
        a.arg("filter_size_y")?,
        f,
        "filter_size",
    )?;
    let (sx, sy) = pair(a.arg("stride")?, a.arg("stride_y")?, f, "stride")?;
    let (px, py) = pair(a.arg("padding")?, a.arg("padding_y")?, f, "padding")?;
    let (dx, dy) = pair(a.arg("dilation")?, a.arg("dilation_y")?, f, "dilation")?;
    let groups = a.arg_uint("groups")?;
    let mut attr = a.arg_param(smart_param)?;
    if attr.initial_smart == Some(true) {
        // Paddle's conv layers start from He initialization: std = sqrt(2 / (k^2 * c)).
        let init_w = (2.0 / ((fx * fx * channels) as f64)).sqrt();
        attr.initial_mean = Some(Real::Float(0.0));
        attr.initial_std = Some(Real::Float(init_w));
        attr.initial_strategy = Some(0);
        attr.initial_smart = Some(false);
    }
    let bias = a.arg_bias(true)?;
    let shared = a.bool("shared_biases");
    let extra = a.arg_extra(&[DROPOUT])?;
    let trans = a.bool("trans");
    let use_gpu = use_gpu(st);
    let lt = match a.arg_opt_str("layer_type")? {
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
    let idx = st
        .with_builder(|b| {
            image::conv_layer(
                b,
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
        })
        .cfg()?;
    let size = st.with_builder(|b| b.layer_at(idx).size());
    Ok(LayerOutput::new(st, &name, &lt, Some(size))
        .with_act(&act)
        .with_filters(Some(num_filters))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

/// Whether the config was given `use_gpu=1` (or True): conv and batch_norm then pick their
/// cudnn types, as Paddle's helpers do.
fn use_gpu(st: &State) -> bool {
    st.with_builder(|b| {
        b.config_arg("use_gpu")
            .is_some_and(|v| matches!(v.trim(), "1" | "True" | "true"))
    })
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
    let input = a.arg_layer("input")?;
    let channels = match a.arg_opt_uint("num_channels")? {
        Some(c) => c,
        None => input.num_filters.ok_or_else(|| {
            EvalError::value_error(format!(
                "img_pool_layer(): the number of input channels is unknown: give num_channels for '{}'",
                input.name
            ))
        })?,
    };
    let pool_type = image_pool_type(a.arg("pool_type")?, f)?;
    let size_x = a.arg_uint("pool_size")?;
    let size_y = a.arg_opt_uint("pool_size_y")?.unwrap_or(size_x);
    let stride = a.arg_uint("stride")?;
    let stride_y = a.arg_opt_uint("stride_y")?.unwrap_or(stride);
    let padding = a.arg_uint("padding")?;
    let padding_y = a.arg_opt_uint("padding_y")?.unwrap_or(padding);
    let exclude_mode = if a.arg("exclude_mode")?.is_none() {
        None
    } else {
        Some(a.bool("exclude_mode"))
    };
    let pool = PoolSpec {
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
    };
    add_pool(st, &a, &name, lt::POOL, pool)
}

/// The pool builder's adapter for img_pool_layer and img_pool3d_layer: the output keeps the
/// channels as its filters.
fn add_pool(
    st: &Rc<State>,
    a: &Bound,
    name: &str,
    layer_type: &str,
    pool: PoolSpec,
) -> Result<Value, EvalError> {
    let input = a.arg_layer("input")?;
    let channels = pool.channels as u64;
    let layer = image::PoolLayer {
        name: name.to_string(),
        layer_type: layer_type.into(),
        input: InputSpec::new(input.name.clone()),
        pool,
        ceil_mode: a.bool("ceil_mode"),
        active_type: String::new(),
        extra: a.arg_extra(&[])?,
    };
    let idx = with_builder(st, |b| image::pool_layer(b, layer))?;
    let size = st.with_builder(|b| b.layer_at(idx).size());
    Ok(LayerOutput::new(st, name, lt::POOL, Some(size))
        .with_filters(Some(channels))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn batch_norm_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "batch_norm_layer";
    let name = layer_name(st, &a, "batch_norm")?;
    let input = a.arg_layer("input")?;
    let act = a.arg_act("act", "ReluActivation")?;
    let channels = match a.arg_opt_uint("num_channels")? {
        Some(c) => c,
        None => input.num_filters.or(input.size.get()).unwrap_or(0),
    };
    let attr = param_attr(
        a.arg("param_attr")?,
        || ParamAttrs {
            initial_mean: Some(Real::Float(1.0)),
            initial_std: Some(Real::Float(0.0)),
            initial_strategy: Some(0),
            ..Default::default()
        },
        f,
    )?;
    let bias = a.arg_bias(true)?;
    let extra = a.arg_extra(&[DROPOUT, ERROR_CLIPPING])?;
    let bn_type = a.arg_opt_str("batch_norm_type")?;
    let use_gpu = use_gpu(st);
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
    let epsilon = a.arg_real("epsilon")?;
    if epsilon.as_f64() < 1e-5 {
        return Err(EvalError::value_error(format!(
            "batch_norm_layer(): epsilon must be no less than 1e-5, got {epsilon}"
        )));
    }
    let moving_average_fraction = a.arg_real("moving_average_fraction")?;
    let idx = st
        .with_builder(|b| {
            image::batch_norm_layer(
                b,
                image::BatchNormLayer {
                    name: name.clone(),
                    layer_type: layer_type.into(),
                    input: InputSpec::with_param(input.name.clone(), attr),
                    channels: channels as u32,
                    img3d: a.bool("img3D"),
                    bias,
                    use_global_stats,
                    moving_average_fraction,
                    epsilon,
                    mean_var_names,
                    active_type: act_name(&act).into(),
                    extra,
                },
            )
        })
        .cfg()?;
    let size = st.with_builder(|b| b.layer_at(idx).size());
    Ok(LayerOutput::new(st, &name, "batch_norm", Some(size))
        .with_act(&act)
        .with_filters(Some(channels))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn img_cmrnorm_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "crmnorm")?;
    let input = a.arg_layer("input")?;
    let channels = match a.arg_opt_uint("num_channels")? {
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
        size: a.arg_uint("size")? as u32,
        scale: a.arg_real("scale")?.as_f64(),
        pow: a.arg_real("power")?,
        blocked: false,
    };
    let extra = a.arg_extra(&[])?;
    let idx = st
        .with_builder(|b| {
            image::norm_layer(
                b,
                &name,
                InputSpec::new(input.name.clone()),
                &norm,
                "",
                &extra,
            )
        })
        .cfg()?;
    let size = st.with_builder(|b| b.layer_at(idx).size());
    image_output(st, &a, &name, "norm", Some(size), Some(channels))
}

fn spp_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "spp_layer";
    let name = layer_name(st, &a, "spp")?;
    let input = a.arg_layer("input")?;
    let channels = channels_of(input, a.arg("num_channels")?, f)?;
    let pool_type = match a.arg("pool_type")? {
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
    let height = a.arg_uint("pyramid_height")?;
    if !(1..=16).contains(&height) {
        return Err(EvalError::value_error(format!(
            "spp_layer(): pyramid_height must be between 1 and 16, got {height}"
        )));
    }
    let extra = a.arg_extra(&[])?;
    let size = with_layer(
        st,
        &name,
        "spp",
        0,
        vec![a.arg_spec("input")?],
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
    image_output(st, &a, &name, "spp", Some(size), Some(channels))
}

fn bilinear_interp_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "bilinear_interp_layer";
    let name = layer_name(st, &a, f)?;
    let input = a.arg_layer("input")?;
    if input.layer_type != "conv" {
        return Err(EvalError::value_error(
            "bilinear_interp_layer(): the input must be a convolution layer",
        ));
    }
    let channels = channels_of(input, &Value::None, f)?;
    let (ox, oy) = (a.arg_uint("out_size_x")?, a.arg_uint("out_size_y")?);
    let extra = a.arg_extra(&[])?;
    let size = with_layer(
        st,
        &name,
        "bilinear_interp",
        0,
        vec![a.arg_spec("input")?],
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
    image_output(st, &a, &name, "bilinear_interp", Some(size), Some(channels))
}

fn maxout_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "maxout_layer";
    let name = layer_name(st, &a, f)?;
    let input = a.arg_layer("input")?;
    let groups = a.arg_uint("groups")?;
    let channels = channels_of(input, a.arg("num_channels")?, f)?;
    if groups <= 1 || channels % groups != 0 {
        return Err(EvalError::value_error(format!(
            "maxout_layer(): groups ({groups}) must be > 1 and divide the {channels} channels"
        )));
    }
    let extra = a.arg_extra(&[])?;
    let size = with_layer(
        st,
        &name,
        "maxout",
        0,
        vec![a.arg_spec("input")?],
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
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn pad_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "pad_layer";
    let name = layer_name(st, &a, "pad")?;
    let input = a.arg_layer("input")?;
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
    let extra = a.arg_extra(&[])?;
    let size = with_layer(
        st,
        &name,
        "pad",
        0,
        vec![a.arg_spec("input")?],
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
    image_output(st, &a, &name, "pad", Some(size), Some(out_ch))
}

fn prelu_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "prelu_layer";
    let name = layer_name(st, &a, f)?;
    let input = a.arg_layer("input")?;
    let attr = param_attr(
        a.arg("param_attr")?,
        || ParamAttrs {
            initial_mean: Some(Real::Float(0.25)),
            initial_std: Some(Real::Float(0.0)),
            initial_strategy: Some(0),
            ..Default::default()
        },
        f,
    )?;
    let channels = channels_of(input, a.arg("num_channels")?, f)?;
    let mut partial_sum = a.arg_uint("partial_sum")?;
    if let Some(shared) = a.opt("channel_shared") {
        let (h, w) = with_builder(st, |b| {
            let l = b.layer(&input.full_name.borrow())?;
            Ok((l.height.unwrap_or(0), l.width.unwrap_or(0)))
        })?;
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
    let extra = a.arg_extra(&[])?;
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
    image_output(st, &a, &name, "prelu", Some(size), Some(channels))
}

fn block_expand_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "block_expand_layer";
    let name = layer_name(st, &a, f)?;
    let input = a.arg_layer("input")?;
    let channels = channels_of(input, a.arg("num_channels")?, f)?;
    let u = |k: &str| uint_arg(a.arg(k)?, f, k).map(|v| v as u32);
    let (bx, by, sx, sy, px, py) = (
        u("block_x")?,
        u("block_y")?,
        u("stride_x")?,
        u("stride_y")?,
        u("padding_x")?,
        u("padding_y")?,
    );
    let extra = a.arg_extra(&[])?;
    let size = with_layer(
        st,
        &name,
        "blockexpand",
        0,
        vec![a.arg_spec("input")?],
        "",
        &extra,
        |b, added| {
            // Paddle's block_expand_layer passes no image size, so the outputs stay 0 and
            // the runtime takes the shape from the input.
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
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn cross_channel_norm_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "cross_channel_norm_layer";
    let name = layer_name(st, &a, "cross_channel_norm")?;
    let input = a.arg_layer("input")?;
    let channels = channels_of(input, &Value::None, f)?;
    let attr = a.arg_param(smart_param)?;
    let norm = image::NormSpec {
        norm_type: "cross-channel-norm".into(),
        channels: channels as u32,
        size: input.size.get().unwrap_or(0) as u32,
        scale: 0.0,
        pow: Real::Int(0),
        blocked: false,
    };
    let idx = st
        .with_builder(|b| {
            image::norm_layer(
                b,
                &name,
                InputSpec::with_param(input.name.clone(), attr),
                &norm,
                "",
                &Default::default(),
            )
        })
        .cfg()?;
    let size = st.with_builder(|b| b.layer_at(idx).size());
    image_output(st, &a, &name, "norm", Some(size), Some(channels))
}

fn rotate_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "rotate_layer";
    let name = layer_name(st, &a, f)?;
    a.arg_layer("input")?;
    let (h, w) = (a.arg_uint("height")?, a.arg_uint("width")?);
    let extra = a.arg_extra(&[])?;
    let size = with_layer(
        st,
        &name,
        "rotate",
        0,
        vec![a.arg_spec("input")?],
        "",
        &extra,
        |b, added| {
            b.set_height_width(added.index, h, w);
            let s = b.input_layer(added.index, 0).size();
            b.set_layer_size(added.index, s)
        },
    )?;
    Ok(LayerOutput::new(st, &name, "rotate", Some(size))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn scale_sub_region_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "scale_sub_region")?;
    let input = a.arg_layer("input")?;
    a.arg_layer("indices")?;
    let value = match a.arg("value")? {
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
        vec![a.arg_spec("input")?, a.arg_spec("indices")?],
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
            .with_parents(vec![a.arg("input")?.clone(), a.arg("indices")?.clone()])
            .value(),
    )
}

fn img_pool3d_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "img_pool3d_layer";
    let name = layer_name(st, &a, "pool3d")?;
    let input = a.arg_layer("input")?;
    let channels = channels_of(input, a.arg("num_channels")?, f)?;
    let pool_type = match a.arg("pool_type")? {
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
    let (sx, sy, sz) = triple(a.arg("pool_size")?, f, "pool_size")?;
    let (tx, ty, tz) = triple(a.arg("stride")?, f, "stride")?;
    // Paddle's helper unpacks a padding triple into (padding, padding_y, padding_y): the z
    // padding of a triple is dropped and the scalar's used instead.
    let (px, py, pz) = if is_sequence(a.arg("padding")?) {
        let (x, _, z) = triple(a.arg("padding")?, f, "padding")?;
        (x, z, x)
    } else {
        triple(a.arg("padding")?, f, "padding")?
    };
    let pool = PoolSpec {
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
    };
    add_pool(st, &a, &name, lt::POOL3D, pool)
}

fn img_conv3d_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "img_conv3d_layer";
    let name = layer_name(st, &a, "conv3d")?;
    let input = a.arg_layer("input")?;
    let channels = channels_of(input, a.arg("num_channels")?, f)?;
    let num_filters = a.arg_uint("num_filters")?;
    let act = a.arg_act("act", "ReluActivation")?;
    let (fx, fy, fz) = triple(a.arg("filter_size")?, f, "filter_size")?;
    let (sx, sy, sz) = triple(a.arg("stride")?, f, "stride")?;
    let (px, py, pz) = triple(a.arg("padding")?, f, "padding")?;
    let groups = a.arg_uint("groups")?;
    let mut attr = a.arg_param(smart_param)?;
    if attr.initial_smart == Some(true) {
        attr.initial_mean = Some(Real::Float(0.0));
        attr.initial_std = Some(Real::Float((2.0 / ((fx * fx * channels) as f64)).sqrt()));
        attr.initial_strategy = Some(0);
        attr.initial_smart = Some(false);
    }
    let bias = a.arg_bias(true)?;
    let extra = a.arg_extra(&[DROPOUT])?;
    let trans = a.bool("trans");
    let lt = match a.arg_opt_str("layer_type")? {
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
    let idx = st
        .with_builder(|b| {
            image::conv_layer(
                b,
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
        })
        .cfg()?;
    let size = st.with_builder(|b| b.layer_at(idx).size());
    Ok(LayerOutput::new(st, &name, &lt, Some(size))
        .with_act(&act)
        .with_filters(Some(num_filters))
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn switch_order_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let name = layer_name(st, &a, "switch_order")?;
    a.arg_layer("input")?;
    let axis = a.arg_uint("reshape_axis")?;
    if !(1..4).contains(&axis) {
        return Err(EvalError::value_error(format!(
            "switch_order_layer(): reshape_axis must be 1, 2 or 3, got {axis}"
        )));
    }
    let act = a.arg_act("act", "LinearActivation")?;
    let extra = a.arg_extra(&[])?;
    let size = with_layer(
        st,
        &name,
        "switch_order",
        0,
        vec![a.arg_spec("input")?],
        act_name(&act),
        &extra,
        |b, added| {
            let input = b.input_layer(added.index, 0).clone();
            let (h, w, d) = (
                input.height.unwrap_or(0),
                input.width.unwrap_or(0),
                input.depth.unwrap_or(1),
            );
            crate::graph::builder::check(h > 0 && w > 0, || {
                format!("switch_order_layer(): '{}' has no image shape", input.name)
            })?;
            // NCHW (or NCDHW) becomes NHWC; the output width is the product of the dims from
            // the first "width" axis on.
            let out_dims: Vec<u64> = if d > 1 {
                vec![0, d, h, w, input.size() / h / w / d]
            } else {
                vec![0, h, w, input.size() / h / w]
            };
            let size = out_dims[axis as usize..].iter().product();
            b.layer_at_mut(added.index).reshape_conf = Some(crate::graph::ReshapeConfig {
                height_axis: (0..axis as u32).collect(),
                width_axis: (axis as u32..4).collect(),
            });
            b.set_layer_size(added.index, size)
        },
    )?;
    Ok(LayerOutput::new(st, &name, "switch_order", Some(size))
        .with_act(&act)
        .with_parents(vec![a.arg("input")?.clone()])
        .value())
}

fn crop_layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "crop_layer";
    let name = layer_name(st, &a, f)?;
    let inputs = a.arg_layers("input")?;
    if inputs.len() > 2 {
        return Err(EvalError::value_error(
            "crop_layer(): give the input and at most one reference layer",
        ));
    }
    let axis = a.arg_int("axis")?;
    let offset: Vec<u32> = a
        .arg_items("offset")?
        .iter()
        .map(|v| uint_arg(v, f, "offset").map(|u| u as u32))
        .collect::<Result<_, _>>()?;
    let shape: Vec<u32> = a
        .arg_items("shape")?
        .iter()
        .map(|v| uint_arg(v, f, "shape").map(|u| u as u32))
        .collect::<Result<_, _>>()?;
    if inputs.len() == 1 && shape.len() < 3 {
        return Err(EvalError::value_error(
            "crop_layer(): without a reference layer, give shape=[N, C, H, W]",
        ));
    }
    let extra = a.arg_extra(&[])?;
    let specs = inputs.iter().map(spec).collect();
    let size = with_layer(st, &name, "crop", 0, specs, "", &extra, |b, added| {
        let input = b.input_layer(added.index, 0).clone();
        let (h, w) = (input.height.unwrap_or(0), input.width.unwrap_or(0));
        crate::graph::builder::check(h > 0 && w > 0, || {
            format!("crop_layer(): '{}' has no image shape", input.name)
        })?;
        {
            let l = b.layer_at_mut(added.index);
            l.axis = Some(axis as i32);
            l.offset = offset.clone();
            l.shape = shape.clone();
            l.inputs[0].image_conf = Some(ImageConfig {
                channels: (input.size() / (w * h)) as u32,
                img_size: w as u32,
                img_size_y: Some(h as u32),
                img_size_z: None,
            });
        }
        if added.inputs.len() == 2 {
            let reference = b.input_layer(added.index, 1).clone();
            b.set_height_width(
                added.index,
                reference.height.unwrap_or(0),
                reference.width.unwrap_or(0),
            );
            b.set_layer_size(added.index, reference.size())
        } else {
            let n = shape.len();
            b.set_height_width(added.index, shape[n - 2] as u64, shape[n - 1] as u64);
            b.set_layer_size(added.index, shape[1..].iter().map(|&x| x as u64).product())
        }
    })?;
    Ok(LayerOutput::new(st, &name, "crop", Some(size))
        .with_parents(inputs)
        .value())
}

/// This family's natives: the name and Paddle's signature of each, then its function.
#[rustfmt::skip]
const NATIVES: &[(&str, &str, Native)] = &[
    ("switch_order_layer", "input, name=None, reshape_axis=None, act=None, layer_attr=None", switch_order_layer),
    ("crop_layer", "input, offset, axis=2, shape=None, name=None, layer_attr=None", crop_layer),
    ("img_conv_layer", "input, filter_size, num_filters, name=None, num_channels=None, act=None, groups=1, stride=1, padding=0, dilation=1, bias_attr=None, param_attr=None, shared_biases=True, layer_attr=None, filter_size_y=None, stride_y=None, padding_y=None, dilation_y=None, trans=False, layer_type=None", img_conv_layer),
    ("img_pool_layer", "input, pool_size, name=None, num_channels=None, pool_type=None, stride=1, padding=0, layer_attr=None, pool_size_y=None, stride_y=None, padding_y=None, ceil_mode=True, exclude_mode=None", img_pool_layer),
    ("batch_norm_layer", "input, act=None, name=None, img3D=False, num_channels=None, bias_attr=None, param_attr=None, layer_attr=None, batch_norm_type=None, epsilon=1e-5, moving_average_fraction=0.9, use_global_stats=None, mean_var_names=None", batch_norm_layer),
    ("img_cmrnorm_layer", "input, size, scale=0.0128, power=0.75, name=None, num_channels=None, layer_attr=None", img_cmrnorm_layer),
    ("rotate_layer", "input, height, width, name=None, layer_attr=None", rotate_layer),
    ("cross_channel_norm_layer", "input, name=None, param_attr=None", cross_channel_norm_layer),
    ("spp_layer", "input, name=None, num_channels=None, pool_type=None, pyramid_height=None, layer_attr=None", spp_layer),
    ("bilinear_interp_layer", "input, out_size_x=None, out_size_y=None, name=None, layer_attr=None", bilinear_interp_layer),
    ("maxout_layer", "input, groups, num_channels=None, name=None, layer_attr=None", maxout_layer),
    ("pad_layer", "input, pad_c=None, pad_h=None, pad_w=None, name=None, layer_attr=None", pad_layer),
    ("prelu_layer", "input, name=None, partial_sum=1, channel_shared=None, num_channels=None, param_attr=None, layer_attr=None", prelu_layer),
    ("img_pool3d_layer", "input, pool_size, name=None, num_channels=None, pool_type=None, stride=1, padding=0, layer_attr=None, pool_size_y=None, stride_y=None, padding_y=None, pool_size_z=None, stride_z=None, padding_z=None, ceil_mode=True", img_pool3d_layer),
    ("img_conv3d_layer", "input, filter_size, num_filters, name=None, num_channels=None, act=None, groups=1, stride=1, padding=0, bias_attr=None, param_attr=None, shared_biases=True, layer_attr=None, trans=False, layer_type=None", img_conv3d_layer),
    ("scale_sub_region_layer", "input, indices, value, name=None", scale_sub_region_layer),
    ("block_expand_layer", "input, block_x=0, block_y=0, stride_x=0, stride_y=0, padding_x=0, padding_y=0, num_channels=None, name=None, layer_attr=None", block_expand_layer),
];

pub fn register(m: &Module, st: &Rc<State>) {
    for (name, spec, f) in NATIVES {
        def(m, st, name, spec, *f);
    }
}
