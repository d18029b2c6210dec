//! config_parser's own API, for configs older than trainer_config_helpers: `Settings`,
//! `Inputs`/`Outputs`, `Layer(name=..., type=..., inputs=[Input(...)])`, `Parameter`,
//! `Evaluator`, the data declarations and the `default_*` setters. Paddle made these global
//! in every config, so they are installed as builtins.

use super::args::*;
use super::objects::{OperatorObj, ProjectionObj};
use super::state::{with_builder, OrConfigError, State};
use crate::eval::{Bound, EvalError, HostObject, Interp, Module, Value};
use crate::graph::layer_types as lt;
use crate::graph::layers::image::{self, ConvSpec, NormSpec, PoolSpec};
use crate::graph::layers::mixed::{OpKind, Operator, ProjKind, Projection};
use crate::graph::layers::recurrent::{self as group, RecurrentKind, RecurrentLayer};
use crate::graph::layers::sequence as seq;
use crate::graph::layers::simple::{self, SimpleKind, SimpleLayer};
use crate::graph::layers::{cost, general};
use crate::graph::settings::Setting;
use crate::graph::{DataConfig, FileGroupConf, InputSpec, LayerExtra, ParamAttrs, Real};
use std::any::Any;
use std::rc::Rc;

/// A config_parser object made of keyword arguments (`Input`, `Conv`, `Bias`, ...).
pub struct Cfg {
    pub class: &'static str,
    pub args: Vec<(String, Value)>,
    /// What `get` returns for an argument that was not given.
    none: Value,
}

impl Cfg {
    fn new(class: &'static str, args: Vec<(String, Value)>) -> Cfg {
        Cfg {
            class,
            args,
            none: Value::None,
        }
    }

    fn get(&self, k: &str) -> &Value {
        self.args
            .iter()
            .find(|(n, _)| n == k)
            .map_or(&self.none, |(_, v)| v)
    }
}

impl HostObject for Cfg {
    fn type_name(&self) -> &str {
        self.class
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> Result<Option<Value>, EvalError> {
        Ok(self
            .args
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone()))
    }
}

fn cfg_ctor(m: &Module, class: &'static str, spec: &str) {
    let names = spec_names(spec);
    m.add_native(class, spec, move |_, a| {
        let (values, _, kwargs) = a.into_parts();
        let names = names.clone();
        let mut args: Vec<(String, Value)> = names.into_iter().zip(values).collect();
        args.extend(kwargs.into_iter().map(|(k, v)| (k.to_string(), v)));
        Ok(Value::host(Cfg::new(class, args)))
    });
}

fn spec_names(spec: &str) -> Vec<String> {
    spec.split(',')
        .map(|p| p.split('=').next().unwrap_or("").trim().to_string())
        .filter(|p| !p.is_empty() && !p.starts_with('*'))
        .collect()
}

const PARAM_KEYS: &str = "parameter_name=None, learning_rate=None, momentum=None, decay_rate=None, \
    decay_rate_l1=None, initial_mean=None, initial_std=None, initial_strategy=None, initial_smart=None, \
    num_batches_regularization=None, sparse_remote_update=None, gradient_clipping_threshold=None, \
    is_static=None, is_shared=None, initializer=None";

fn param_attrs_of(c: &Cfg, f: &str) -> Result<ParamAttrs, EvalError> {
    let opt_bool = |k: &str| -> Option<bool> {
        let v = c.get(k);
        (!v.is_none()).then(|| v.truthy())
    };
    Ok(ParamAttrs {
        parameter_name: opt_str(c.get("parameter_name"), f, "parameter_name")?,
        learning_rate: opt_real(c.get("learning_rate"), f, "learning_rate")?,
        momentum: opt_real(c.get("momentum"), f, "momentum")?,
        decay_rate: opt_real(c.get("decay_rate"), f, "decay_rate")?,
        decay_rate_l1: opt_real(c.get("decay_rate_l1"), f, "decay_rate_l1")?,
        initial_mean: opt_real(c.get("initial_mean"), f, "initial_mean")?,
        initial_std: opt_real(c.get("initial_std"), f, "initial_std")?,
        initial_strategy: opt_uint(c.get("initial_strategy"), f, "initial_strategy")?
            .map(|v| v as i32),
        initial_smart: opt_bool("initial_smart"),
        num_batches_regularization: opt_uint(
            c.get("num_batches_regularization"),
            f,
            "num_batches_regularization",
        )?
        .map(|v| v as i32),
        sparse_remote_update: opt_bool("sparse_remote_update"),
        sparse_update: opt_bool("sparse_update"),
        gradient_clipping_threshold: opt_real(
            c.get("gradient_clipping_threshold"),
            f,
            "gradient_clipping_threshold",
        )?,
        is_static: opt_bool("is_static"),
        is_shared: opt_bool("is_shared"),
        update_hooks: Vec::new(),
        format: opt_str(c.get("format"), f, "format")?,
        nnz: opt_uint(c.get("nnz"), f, "nnz")?,
    })
}

/// One entry of `inputs=`: a layer name or an `Input(...)`.
fn input_of(v: &Value, f: &str) -> Result<(InputSpec, Option<Rc<Cfg>>), EvalError> {
    match v {
        Value::Str(s) => Ok((InputSpec::new(s.to_string()), None)),
        Value::Host(h) => match h.as_any().downcast_ref::<Cfg>() {
            Some(c) if c.class == "Input" => {
                let name = str_arg(c.get("input_layer_name"), f, "input_layer_name")?;
                let mut spec = InputSpec::with_param(name, param_attrs_of(c, f)?);
                spec.input_layer_argument =
                    opt_str(c.get("input_layer_argument"), f, "input_layer_argument")?;
                Ok((spec, Some(Rc::new(Cfg::new(c.class, c.args.clone())))))
            }
            _ => Err(EvalError::type_error(format!(
                "{f}: inputs must be layer names or Input(...), not {}",
                v.type_name()
            ))),
        },
        other => Err(EvalError::type_error(format!(
            "{f}: inputs must be layer names or Input(...), not {}",
            other.type_name()
        ))),
    }
}

fn bias_of(v: &Value, f: &str, default: bool) -> Result<Option<ParamAttrs>, EvalError> {
    match v {
        Value::None => Ok(default.then(ParamAttrs::default)),
        Value::Bool(b) => Ok(b.then(ParamAttrs::default)),
        Value::Host(h) => match h.as_any().downcast_ref::<Cfg>() {
            Some(c) if c.class == "Bias" => Ok(Some(param_attrs_of(c, f)?)),
            _ => Err(EvalError::type_error(format!(
                "{f}: bias must be a bool or Bias(...)"
            ))),
        },
        other => Err(EvalError::type_error(format!(
            "{f}: bias must be a bool or Bias(...), not {}",
            other.type_name()
        ))),
    }
}

fn sub_cfg<'a>(input: &'a Option<Rc<Cfg>>, key: &str) -> Option<&'a Cfg> {
    input
        .as_ref()
        .and_then(|c| c.get(key).downcast_host::<Cfg>())
}

fn conv_of(c: &Cfg, f: &str) -> Result<ConvSpec, EvalError> {
    let u =
        |k: &str, d: u64| -> Result<u64, EvalError> { Ok(opt_uint(c.get(k), f, k)?.unwrap_or(d)) };
    let fx = uint_arg(c.get("filter_size"), f, "filter_size")?;
    let (px, sx) = (u("padding", 0)?, u("stride", 1)?);
    Ok(ConvSpec {
        filter_size: fx as u32,
        filter_size_y: u("filter_size_y", fx)? as u32,
        filter_size_z: 1,
        channels: uint_arg(c.get("channels"), f, "channels")? as u32,
        padding: px as u32,
        padding_y: u("padding_y", px)? as u32,
        padding_z: 0,
        stride: sx as u32,
        stride_y: u("stride_y", sx)? as u32,
        stride_z: 1,
        groups: u("groups", 1)? as u32,
        caffe_mode: c.get("caffe_mode").is_none() || c.get("caffe_mode").truthy(),
        dilation: opt_uint(c.get("dilation"), f, "dilation")?.map(|v| v as u32),
        dilation_y: opt_uint(c.get("dilation_y"), f, "dilation_y")?
            .or(opt_uint(c.get("dilation"), f, "dilation")?)
            .map(|v| v as u32),
    })
}

fn layer(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "Layer";
    let name = a.arg_str("name")?;
    let t = a.arg_str("type")?;
    let kw = |k: &str| {
        a.kwargs
            .iter()
            .find(|(n, _)| &**n == k)
            .map_or(Value::None, |(_, v)| v.clone())
    };
    if t == "mixed" || t == "concat2" {
        return mixed_raw(st, &name, &t, &kw);
    }
    let mut inputs = Vec::new();
    for v in items(&kw("inputs")) {
        inputs.push(input_of(&v, f)?);
    }
    let size = opt_uint(&kw("size"), f, "size")?.unwrap_or(0);
    let active_type = opt_str(&kw("active_type"), f, "active_type")?.unwrap_or_default();
    let extra = LayerExtra {
        device: opt_uint(&kw("device"), f, "device")?.map(|d| d as i32),
        drop_rate: opt_real(&kw("drop_rate"), f, "drop_rate")?,
        coeff: opt_real(&kw("coeff"), f, "coeff")?,
        error_clipping_threshold: opt_real(
            &kw("error_clipping_threshold"),
            f,
            "error_clipping_threshold",
        )?,
    };
    let specs: Vec<InputSpec> = inputs.iter().map(|(s, _)| s.clone()).collect();
    // These read their first input's config; without one they would index past the end.
    if specs.is_empty()
        && matches!(
            t.as_str(),
            "pool" | "norm" | "batch_norm" | "cudnn_batch_norm"
        )
    {
        return Err(EvalError::value_error(format!(
            "Layer {name}: type '{t}' needs an input"
        )));
    }
    let cfg = |i: usize, key: &str| sub_cfg(&inputs[i].1, key);
    st.with_builder(|b| {
        match t.as_str() {
            "data" => {
                let layer = general::DataLayer {
                    name,
                    size,
                    depth: opt_uint(&kw("depth"), f, "depth")?,
                    height: opt_uint(&kw("height"), f, "height")?,
                    width: opt_uint(&kw("width"), f, "width")?,
                    extra,
                };
                general::data_layer(b, layer).cfg()?;
            }
            "fc" => {
                let layer = general::FcLayer {
                    name,
                    size,
                    inputs: specs,
                    bias: bias_of(&kw("bias"), f, true)?,
                    active_type,
                    extra,
                };
                general::fc_layer(b, layer).cfg()?;
            }
            // config_parser's AddToLayer has a bias unless told otherwise; ConcatenateLayer refuses one.
            "addto" => {
                let layer = general::AddToLayer {
                    caller: "Layer()",
                    name,
                    inputs: specs,
                    bias: bias_of(&kw("bias"), f, true)?,
                    active_type,
                    extra,
                };
                general::addto_layer(b, layer).cfg()?;
            }
            "concat" => {
                let layer = general::ConcatLayer {
                    caller: "Layer()",
                    name,
                    inputs: specs,
                    bias: kw("bias").truthy(),
                    active_type,
                    extra,
                };
                general::concat_layer(b, layer).cfg()?;
            }
            "conv" | "exconv" | "cudnn_conv" => {
                let convs = (0..inputs.len())
                    .map(|i| cfg(i, "conv").ok_or_else(|| EvalError::value_error(format!("Layer {name}: each input needs conv=Conv(...)"))).and_then(|c| conv_of(c, f)))
                    .collect::<Result<Vec<_>, _>>()?;
                let num_filters = uint_arg(&kw("num_filters"), f, "num_filters")? as u32;
                let shared = kw("shared_biases").is_none() || kw("shared_biases").truthy();
                let bias = bias_of(&kw("bias"), f, true)?;
                image::conv_layer(
                    b,
                    image::ConvLayer {
                        name: name.clone(),
                        layer_type: "exconv".into(),
                        inputs: specs.into_iter().zip(convs).collect(),
                        num_filters,
                        bias,
                        shared_biases: shared,
                        active_type,
                        extra,
                    },
                )
                .cfg()?;
            }
            "pool" => {
                let p = cfg(0, "pool").ok_or_else(|| EvalError::value_error(format!("Layer {name}: the input needs pool=Pool(...)")))?;
                let pool = PoolSpec {
                    pool_type: str_arg(p.get("pool_type"), f, "pool_type")?,
                    channels: uint_arg(p.get("channels"), f, "channels")? as u32,
                    size_x: uint_arg(p.get("size_x"), f, "size_x")? as u32,
                    size_y: opt_uint(p.get("size_y"), f, "size_y")?.map(|v| v as u32),
                    stride: opt_uint(p.get("stride"), f, "stride")?.unwrap_or(1) as u32,
                    stride_y: opt_uint(p.get("stride_y"), f, "stride_y")?.map(|v| v as u32),
                    padding: opt_uint(p.get("padding"), f, "padding")?.map(|v| v as u32),
                    padding_y: opt_uint(p.get("padding_y"), f, "padding_y")?.map(|v| v as u32),
                    ..Default::default()
                };
                let ceil = kw("ceil_mode").is_none() || kw("ceil_mode").truthy();
                image::pool_layer(
                    b,
                    image::PoolLayer { name, layer_type: "pool".into(), input: specs[0].clone(), pool, ceil_mode: ceil, active_type, extra },
                )
                .cfg()?;
            }
            "norm" => {
                let n = cfg(0, "norm").ok_or_else(|| EvalError::value_error(format!("Layer {name}: the input needs norm=Norm(...)")))?;
                let norm = NormSpec {
                    norm_type: str_arg(n.get("norm_type"), f, "norm_type")?,
                    channels: uint_arg(n.get("channels"), f, "channels")? as u32,
                    size: uint_arg(n.get("size"), f, "size")? as u32,
                    scale: real_arg(n.get("scale"), f, "scale")?.as_f64(),
                    pow: real_arg(n.get("pow"), f, "pow")?,
                    blocked: n.get("blocked").truthy(),
                };
                image::norm_layer(b, &name, specs[0].clone(), &norm, &active_type, &extra).cfg()?;
            }
            "batch_norm" | "cudnn_batch_norm" => {
                let channels = match cfg(0, "image") {
                    Some(i) => uint_arg(i.get("channels"), f, "channels")?,
                    None => return Err(EvalError::value_error(format!("Layer {name}: the input needs image=Image(channels)"))),
                };
                let bias = bias_of(&kw("bias"), f, true)?;
                image::batch_norm_layer(
                    b,
                    image::BatchNormLayer {
                        name,
                        layer_type: "batch_norm".into(),
                        input: specs[0].clone(),
                        channels: channels as u32,
                        img3d: false,
                        bias,
                        use_global_stats: (!kw("use_global_stats").is_none()).then(|| kw("use_global_stats").truthy()),
                        moving_average_fraction: opt_real(&kw("moving_average_fraction"), f, "moving_average_fraction")?
                            .unwrap_or(Real::Float(0.9)),
                        epsilon: opt_real(&kw("epsilon"), f, "epsilon")?.unwrap_or(Real::Float(1e-5)),
                        mean_var_names: None,
                        active_type,
                        extra,
                    },
                )
                .cfg()?;
            }
            "seqlastins" | "seqfirstins" | "max" | "average" => {
                let kind = match t.as_str() {
                    "seqlastins" => seq::SeqPoolKind::Last,
                    "seqfirstins" => seq::SeqPoolKind::First,
                    "max" => seq::SeqPoolKind::Max {
                        output_max_index: (!kw("output_max_index").is_none()).then(|| kw("output_max_index").truthy()),
                    },
                    _ => seq::SeqPoolKind::Average {
                        strategy: opt_str(&kw("average_strategy"), f, "average_strategy")?.unwrap_or_else(|| "average".into()),
                    },
                };
                let layer = seq::SeqPoolLayer {
                    caller: "Layer()",
                    name,
                    input: specs.into_iter().next().ok_or_else(|| {
                        EvalError::new("ConfigError", format!("Layer(): a {t} layer must have 1 input"))
                    })?,
                    kind,
                    trans_type: opt_str(&kw("trans_type"), f, "trans_type")?.unwrap_or_else(|| "non-seq".into()),
                    stride: match kw("stride") {
                        Value::None => -1,
                        v => int_arg(&v, f, "stride")?,
                    },
                    bias: bias_of(&kw("bias"), f, false)?,
                    active_type,
                    extra,
                };
                seq::seq_pool_layer(b, layer).cfg()?;
            }
            "trans" | "expand" | "sum_to_one_norm" | "maxid" | "sampling_id" | "row_l2_norm"
        | "slope_intercept" | "scaling" | "power" | "interpolation" => {
            let real_or = |k: &str, default: f64| -> Result<Real, EvalError> {
                Ok(opt_real(&kw(k), f, k)?.unwrap_or(Real::Float(default)))
            };
            let kind = match t.as_str() {
                "trans" => SimpleKind::Trans,
                "sum_to_one_norm" => SimpleKind::SumToOneNorm,
                "row_l2_norm" => SimpleKind::RowL2Norm,
                "sampling_id" => SimpleKind::SamplingId,
                "maxid" => SimpleKind::MaxId {
                    beam_size: opt_uint(&kw("beam_size"), f, "beam_size")?.map(|v| v as u32),
                },
                "slope_intercept" => SimpleKind::SlopeIntercept {
                    slope: real_or("slope", 1.0)?,
                    intercept: real_or("intercept", 0.0)?,
                },
                "scaling" => SimpleKind::Scaling,
                "power" => SimpleKind::Power,
                "interpolation" => SimpleKind::Interpolation,
                _ => SimpleKind::Expand {
                    trans_type: opt_str(&kw("trans_type"), f, "trans_type")?
                        .unwrap_or_else(|| "non-seq".into()),
                    bias: bias_of(&kw("bias"), f, false)?,
                },
            };
            let layer = SimpleLayer {
                name,
                kind,
                inputs: specs,
                active_type,
                extra,
            };
            simple::simple_layer(b, layer).cfg()?;
        }
        "lstmemory" | "gated_recurrent" | "recurrent" => {
                let gate = || -> Result<String, EvalError> {
                    Ok(opt_str(&kw("active_gate_type"), f, "active_gate_type")?.unwrap_or_else(|| "sigmoid".into()))
                };
                let kind = match t.as_str() {
                    "lstmemory" => RecurrentKind::Lstm {
                        active_gate_type: gate()?,
                        active_state_type: opt_str(&kw("active_state_type"), f, "active_state_type")?
                            .unwrap_or_else(|| "sigmoid".into()),
                    },
                    "gated_recurrent" => RecurrentKind::Gru { active_gate_type: gate()? },
                    _ => RecurrentKind::Recurrent,
                };
                let layer = RecurrentLayer {
                    name,
                    kind,
                    inputs: specs,
                    reversed: kw("reversed").truthy(),
                    bias: bias_of(&kw("bias"), f, true)?,
                    active_type,
                    extra,
                };
                group::recurrent_layer(b, layer).cfg()?;
            }
            t if cost::CostKind::defined(t).is_some()
                || t == lt::MULTI_CLASS_CROSS_ENTROPY_WITH_SELFNORM
                || t == lt::HUBER_REGRESSION =>
            {
                let real_or = |k: &str, default: f64| -> Result<Real, EvalError> {
                    Ok(opt_real(&kw(k), f, k)?.unwrap_or(Real::Float(default)))
                };
                let kind = match t {
                    lt::MULTI_CLASS_CROSS_ENTROPY_WITH_SELFNORM => cost::CostKind::SelfNorm {
                        softmax_selfnorm_alpha: real_or("softmax_selfnorm_alpha", 0.1)?,
                    },
                    lt::HUBER_REGRESSION => cost::CostKind::HuberRegression {
                        delta: real_or("delta", 1.0)?,
                        coeff: real_or("coeff", 1.0)?,
                    },
                    _ => cost::CostKind::defined(t).ok_or_else(|| {
                        EvalError::value_error(format!("Layer(): '{t}' is not a cost type"))
                    })?,
                };
                // define_cost's classes take only name, inputs, device and coeff (1. by default).
                let coeff = match kind {
                    cost::CostKind::HuberRegression { .. } => None,
                    _ => Some(real_or("coeff", 1.0)?),
                };
                let layer = cost::CostLayer {
                    name,
                    kind,
                    inputs: specs,
                    coeff,
                    extra: LayerExtra { device: extra.device, ..Default::default() },
                };
                cost::cost_layer(b, layer).cfg()?;
            }
            other => {
                return Err(EvalError::value_error(format!(
                    "Layer(): layer type '{other}' is not supported through Layer(); use its trainer_config_helpers function"
                )))
            }
        }
        Ok(Value::None)
    })
}

/// `Layer(type='mixed', inputs=[FullMatrixProjection(...), ...])`.
fn mixed_raw(
    st: &Rc<State>,
    name: &str,
    t: &str,
    kw: &dyn Fn(&str) -> Value,
) -> Result<Value, EvalError> {
    let f = "Layer";
    let inputs = items(&kw("inputs"));
    let size = opt_uint(&kw("size"), f, "size")?.unwrap_or(0);
    let active_type = opt_str(&kw("active_type"), f, "active_type")?.unwrap_or_default();
    let bias = bias_of(&kw("bias"), f, t == "mixed")?;
    let extra = LayerExtra {
        device: opt_uint(&kw("device"), f, "device")?.map(|d| d as i32),
        drop_rate: opt_real(&kw("drop_rate"), f, "drop_rate")?,
        coeff: None,
        error_clipping_threshold: opt_real(
            &kw("error_clipping_threshold"),
            f,
            "error_clipping_threshold",
        )?,
    };
    super::mixed::build_mixed(st, name, t, size, &inputs, bias, &active_type, extra)?;
    Ok(Value::None)
}

/// config_parser's projection classes (`FullMatrixProjection("layer", size=...)`).
fn projection_ctor(
    m: &Module,
    class: &'static str,
    kind: fn(&Bound) -> Result<ProjKind, EvalError>,
    extra_spec: &str,
) {
    let spec = format!("input_layer_name, {extra_spec}size=0, {PARAM_KEYS}");
    let names = spec_names(&spec);
    m.add_native(class, &spec, move |_, a| {
        let k = kind(&a)?;
        let (values, _, _) = a.into_parts();
        let c = Cfg::new(class, names.clone().into_iter().zip(values).collect());
        let input = str_arg(c.get("input_layer_name"), class, "input_layer_name")?;
        let size = uint_arg(c.get("size"), class, "size")?;
        Ok(Value::host(ProjectionObj {
            proj: Projection {
                kind: k,
                input: InputSpec::with_param(input, param_attrs_of(&c, class)?),
                size,
            },
            origin: Value::None,
        }))
    });
}

fn memory_raw(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "Memory";
    let name = a.arg_opt_str("name")?;
    let size = a.arg_uint("size")?;
    let boot_layer = a.arg_opt_str("boot_layer")?;
    let boot_bias = match a.arg("boot_bias")? {
        Value::None | Value::Bool(false) => None,
        v => bias_of(v, f, false)?,
    };
    let act = a.arg_opt_str("boot_bias_active_type")?.unwrap_or_default();
    let const_id = a.arg_opt_uint("boot_with_const_id")?.map(|v| v as u32);
    let memory_name = a.arg_opt_str("memory_name")?;
    let agent = st
        .with_builder(|b| {
            group::memory(
                b,
                name.as_deref(),
                size,
                memory_name.as_deref(),
                boot_layer.as_deref(),
                boot_bias.as_ref(),
                &act,
                const_id,
            )
        })
        .cfg()?;
    Ok(Value::str(&agent))
}

fn link_names(v: &Value, f: &str) -> Result<Vec<String>, EvalError> {
    items(v).iter().map(|l| str_arg(l, f, "link")).collect()
}

fn group_begin(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "RecurrentLayerGroupBegin";
    let name = a.arg_str("name")?;
    let in_links = link_names(a.arg("in_links")?, f)?;
    let out_links = link_names(a.arg("out_links")?, f)?;
    st.with_builder(|b| {
        group::begin_group(b, &name, &in_links, a.bool("seq_reversed")).cfg()?;
        for link in &out_links {
            group::set_out_link(b, link);
        }
        Ok(Value::None)
    })
}

fn group_end(st: &Rc<State>, _: &mut Interp, _a: Bound) -> Result<Value, EvalError> {
    with_builder(st, group::end_group)?;
    Ok(Value::None)
}

/// Where a config named each network input and output: (`Inputs`/`Outputs`, name, path,
/// line, column). Paddle checks the names only when the whole config has run (a config may
/// name a layer before defining it), so an unknown name is reported at the end of parsing;
/// this lets that error point at the call that named it.
type IoSite = (&'static str, String, String, usize, usize);

thread_local! {
    static IO_SITES: std::cell::RefCell<Vec<IoSite>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Enough for any real config; past it further calls go unrecorded (the error then has no
/// line), so a long-running process that never finishes a parse cannot grow the list.
const MAX_IO_SITES: usize = 10_000;

fn record_io_sites(interp: &Interp, call: &'static str, names: &[String]) {
    let Some((path, line, col)) = interp.call_sites().find(|(p, _, _)| !p.starts_with('<')) else {
        return;
    };
    IO_SITES.with(|s| {
        let mut s = s.borrow_mut();
        for n in names {
            if s.len() < MAX_IO_SITES {
                s.push((call, n.clone(), path.clone(), line, col));
            }
        }
    });
}

/// Forgets the recorded sites (at the start of each parse).
pub(crate) fn clear_io_sites() {
    IO_SITES.with(|s| s.borrow_mut().clear());
}

/// The `Inputs(...)`/`Outputs(...)` call that named `name`, for the end-of-parse check's error.
pub(crate) fn io_site(call: &str, name: &str) -> Option<(String, usize, usize)> {
    IO_SITES.with(|s| {
        s.borrow()
            .iter()
            .find(|(c, n, ..)| *c == call && n == name)
            .map(|(_, _, p, l, c)| (p.clone(), *l, *c))
    })
}

fn names_of(a: &Bound, f: &str) -> Result<Vec<String>, EvalError> {
    a.varargs.iter().map(|v| str_arg(v, f, "name")).collect()
}

fn settings_raw(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    for (k, v) in &a.kwargs {
        if &**k == "usage_ratio" {
            continue;
        }
        let setting = match v {
            Value::None => None,
            Value::Bool(b) => Some(Setting::Bool(*b)),
            Value::Str(s) => Some(Setting::Str(s.to_string())),
            v => Some(Setting::Num(real_arg(v, "Settings", k)?)),
        };
        st.with_builder(|b| {
            b.settings.set_checked(k, setting).map_err(|e| {
                EvalError::new("ConfigError", format!("Unkown setting: {k} ({})", e.0))
            })
        })?;
    }
    Ok(Value::None)
}

fn data_config(a: &Bound, f: &str, kind: &str) -> Result<DataConfig, EvalError> {
    let files = a.arg_opt_str("files")?;
    let mut d = DataConfig {
        r#type: kind.to_string(),
        files: files.or_else(|| (kind == "py").then(String::new)),
        async_load_data: Some(a.opt("async_load_data").is_some_and(|v| v.truthy())),
        data_ratio: Some(1),
        is_main_data: Some(true),
        usage_ratio: Some(Real::Float(1.0)),
        ..Default::default()
    };
    if kind == "py" {
        d.load_data_module = Some(a.arg_str("load_data_module")?);
        d.load_data_object = Some(a.arg_str("load_data_object")?);
        d.load_data_args = Some(a.arg_opt_str("load_data_args")?.unwrap_or_default());
    }
    if kind == "simple" {
        d.feat_dim = a.arg_opt_uint("feat_dim")?.map(|v| v as i32);
    }
    let group = |k: &str| a.opt(k).map(|v| uint_arg(v, f, k)).transpose();
    let (cap, count, threads) = (
        group("file_group_queue_capacity")?,
        group("load_file_count")?,
        group("load_thread_num")?,
    );
    if cap.is_some() || count.is_some() || threads.is_some() {
        d.file_group_conf = Some(FileGroupConf {
            queue_capacity: cap.map(|v| v as u32),
            load_file_count: count.map(|v| v as i32),
            load_thread_num: threads.map(|v| v as i32),
        });
    }
    Ok(d)
}

/// A DataConfig as a config value, for `TrainData(PyData(...))`.
pub struct DataObj(pub DataConfig);

impl HostObject for DataObj {
    fn type_name(&self) -> &str {
        "DataConfig"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn train_or_test(
    st: &Rc<State>,
    interp: &Interp,
    a: &Bound,
    for_test: bool,
) -> Result<Value, EvalError> {
    let f = if for_test { "TestData" } else { "TrainData" };
    let d = a
        .arg("data_config")?
        .downcast_host::<DataObj>()
        .ok_or_else(|| {
            EvalError::type_error(format!(
                "{f}() takes a data declaration such as PyData(...)"
            ))
        })?;
    let mut d = d.0.clone();
    d.for_test = Some(for_test);
    if let Some(v) = a.opt("async_load_data") {
        d.async_load_data = Some(v.truthy());
    }
    d.declared_at = Some(super::config::declaration(st, interp));
    super::config::set_data_config(st, d, for_test)?;
    Ok(Value::None)
}

fn evaluator_raw(st: &Rc<State>, _: &mut Interp, a: Bound) -> Result<Value, EvalError> {
    let f = "Evaluator";
    let name = a.arg_str("name")?;
    let t = a.arg_str("type")?;
    let inputs: Vec<String> = a
        .arg_items("inputs")?
        .iter()
        .map(|v| str_arg(v, f, "inputs"))
        .collect::<Result<_, _>>()?;
    let top_k = a.opt("top_k").map(|v| int_arg(v, f, "top_k")).transpose()?;
    let threshold = a.arg_opt_real("classification_threshold")?;
    super::costs::add_evaluator(st, &name, &t, inputs, |e| {
        e.top_k = top_k.map(|k| k as i32);
        e.classification_threshold = threshold;
    })?;
    Ok(Value::None)
}

/// This family's natives: the name and Paddle's signature of each, then its function.
#[rustfmt::skip]
const NATIVES: &[(&str, &str, Native)] = &[
    ("Memory", "name, size, is_sequence=False, boot_layer=None, boot_bias=False, boot_bias_active_type='', boot_with_const_id=None, memory_name=None", memory_raw),
    ("RecurrentLayerGroupBegin", "name, in_links, out_links, generator=None, target_inlinkname='', seq_reversed=False", group_begin),
    ("RecurrentLayerGroupEnd", "name", group_end),
    ("Layer", "name, type, **xargs", layer),
    ("Settings", "**args", settings_raw),
    ("Evaluator", "name, type, inputs, chunk_scheme=None, num_chunk_types=None, classification_threshold=None, positive_label=None, dict_file=None, result_file=None, num_results=None, top_k=None, delimited=None, excluded_chunk_types=None, overlap_threshold=None, background_id=None, evaluate_difficult=None, ap_type=None", evaluator_raw),
];

pub fn register(m: &Module, st: &Rc<State>) {
    projection_ctor(m, "FullMatrixProjection", |_| Ok(ProjKind::Fc), "");
    projection_ctor(
        m,
        "TransposedFullMatrixProjection",
        |_| Ok(ProjKind::TransFc),
        "",
    );
    projection_ctor(m, "TableProjection", |_| Ok(ProjKind::Table), "");
    projection_ctor(m, "IdentityProjection", |_| Ok(ProjKind::Identity), "");
    projection_ctor(m, "DotMulProjection", |_| Ok(ProjKind::DotMul), "");
    projection_ctor(m, "ScalingProjection", |_| Ok(ProjKind::Scaling), "");
    projection_ctor(
        m,
        "IdentityOffsetProjection",
        |a| {
            Ok(ProjKind::IdentityOffset {
                offset: uint_arg(a.arg("offset")?, "IdentityOffsetProjection", "offset")?,
            })
        },
        "offset, ",
    );
    projection_ctor(
        m,
        "ContextProjection",
        |a| {
            Ok(ProjKind::Context {
                start: a.arg_int("context_start")? as i32,
                length: a.arg_int("context_length")? as i32,
                trainable_padding: a.bool("trainable_padding"),
            })
        },
        "context_start, context_length, trainable_padding, ",
    );
    m.add_native("DotMulOperator", "input_layer_names, scale=None", |_, a| {
        let f = "DotMulOperator";
        let names: Vec<String> = a
            .arg_items("input_layer_names")?
            .iter()
            .map(|v| str_arg(v, f, "input_layer_names"))
            .collect::<Result<_, _>>()?;
        if names.len() != 2 {
            return Err(EvalError::value_error("DotMul is binary operator"));
        }
        Ok(Value::host(OperatorObj {
            op: Operator {
                kind: OpKind::DotMul {
                    scale: a.arg_opt_real("scale")?,
                },
                inputs: names,
            },
            origin: Vec::new(),
        }))
    });
    for (name, spec, f) in NATIVES {
        def(m, st, name, spec, *f);
    }
    cfg_ctor(m, "Input", &format!("input_layer_name, {PARAM_KEYS}, sparse_update=None, conv=None, bilinear_interp=None, norm=None, pool=None, image=None, block_expand=None, maxout=None, spp=None, pad=None, format=None, nnz=None, update_hooks=None, input_layer_argument=None, make_layer_name_in_submodel=True"));
    cfg_ctor(m, "Bias", PARAM_KEYS);
    cfg_ctor(m, "Conv", "filter_size, channels, padding=None, stride=None, groups=None, filter_channels=None, output_x=None, img_size=None, caffe_mode=True, filter_size_y=None, padding_y=None, stride_y=None, dilation=None, dilation_y=None");
    cfg_ctor(m, "Pool", "pool_type, channels, size_x, size_y=None, start=None, stride=None, stride_y=None, padding=None, padding_y=None");
    cfg_ctor(
        m,
        "Norm",
        "norm_type, channels, size, scale, pow, output_x=None, img_size=None, blocked=None",
    );
    cfg_ctor(m, "Image", "channels, img_size=None");
    def(m, st, "Inputs", "*args", |st, interp, a| {
        let names = names_of(&a, "Inputs")?;
        record_io_sites(interp, "Inputs", &names);
        st.b().add_inputs(&names).cfg().map(|_| Value::None)
    });
    def(m, st, "Outputs", "*args", |st, interp, a| {
        let names = names_of(&a, "Outputs")?;
        record_io_sites(interp, "Outputs", &names);
        st.b().add_outputs(&names).cfg().map(|_| Value::None)
    });
    def(m, st, "HasInputsSet", "", |st, _, _| {
        Ok(Value::Bool(!st.with_builder(|b| {
            b.current_submodel().input_layer_names.is_empty()
        })))
    });
    def(m, st, "model_type", "name", |st, _, a| {
        let v = str_arg(a.arg("name")?, "model_type", "name")?;
        st.with_builder(|b| b.model_mut().r#type = v);
        Ok(Value::None)
    });
    def(m, st, "default_initial_std", "val", |st, _, a| {
        let v = real_arg(a.arg("val")?, "default_initial_std", "val")?;
        st.with_builder(|b| b.defaults.initial_std = v);
        Ok(Value::None)
    });
    def(m, st, "default_initial_mean", "val", |st, _, a| {
        let v = real_arg(a.arg("val")?, "default_initial_mean", "val")?;
        st.with_builder(|b| b.defaults.initial_mean = v);
        Ok(Value::None)
    });
    def(m, st, "default_initial_strategy", "val", |st, _, a| {
        let v = int_arg(a.arg("val")?, "default_initial_strategy", "val")? as i32;
        st.with_builder(|b| b.defaults.initial_strategy = v);
        Ok(Value::None)
    });
    def(m, st, "default_initial_smart", "val", |st, _, a| {
        let v = a.arg("val")?.truthy();
        st.with_builder(|b| b.defaults.initial_smart = v);
        Ok(Value::None)
    });
    def(m, st, "default_momentum", "val", |st, _, a| {
        let v = opt_real(a.arg("val")?, "default_momentum", "val")?;
        st.with_builder(|b| b.defaults.momentum = v);
        Ok(Value::None)
    });
    def(m, st, "default_decay_rate", "val", |st, _, a| {
        let v = opt_real(a.arg("val")?, "default_decay_rate", "val")?;
        st.with_builder(|b| b.defaults.decay_rate = v);
        Ok(Value::None)
    });
    def(
        m,
        st,
        "default_gradient_clipping_threshold",
        "val",
        |st, _, a| {
            let v = opt_real(a.arg("val")?, "default_gradient_clipping_threshold", "val")?;
            st.with_builder(|b| b.defaults.gradient_clipping_threshold = v);
            Ok(Value::None)
        },
    );
    def(
        m,
        st,
        "default_num_batches_regularization",
        "val",
        |st, _, a| {
            let v = opt_uint(a.arg("val")?, "default_num_batches_regularization", "val")?
                .map(|v| v as i32);
            st.with_builder(|b| b.defaults.num_batches_regularization = v);
            Ok(Value::None)
        },
    );
    def(m, st, "default_device", "val", |st, _, a| {
        let v = opt_uint(a.arg("val")?, "default_device", "val")?.map(|v| v as i32);
        st.with_builder(|b| b.defaults.device = v);
        Ok(Value::None)
    });
    def(
        m,
        st,
        "Parameter",
        &format!(
            "name, size, device, dims, {}",
            PARAM_KEYS.replace("parameter_name=None, ", "")
        ),
        |st, _, a| {
            let f = "Parameter";
            let (values, _, _) = a.into_parts();
            let names = spec_names(&format!(
                "name, size, device, dims, {}",
                PARAM_KEYS.replace("parameter_name=None, ", "")
            ));
            let c = Cfg::new("Parameter", names.into_iter().zip(values).collect());
            let name = str_arg(c.get("name"), f, "name")?;
            let size = uint_arg(c.get("size"), f, "size")?;
            let device = opt_uint(c.get("device"), f, "device")?.map(|d| d as i32);
            let dims = items(c.get("dims"))
                .iter()
                .map(|v| uint_arg(v, f, "dims"))
                .collect::<Result<_, _>>()?;
            let attrs = param_attrs_of(&c, f)?;
            st.with_builder(|b| b.create_parameter(&name, size, device, dims, &attrs, None))
                .cfg()?;
            Ok(Value::None)
        },
    );
    let data_spec = "files=None, type=None, file_group_queue_capacity=None, load_data_module=None, load_data_object=None, \
                     load_data_args='', load_file_count=None, constant_slots=None, load_thread_num=None, feat_dim=None, \
                     context_len=None, buffer_capacity=None, async_load_data=False, data_ratio=1, is_main_data=True, usage_ratio=None";
    m.add_native("PyData", data_spec, |_, a| {
        Ok(Value::host(DataObj(data_config(&a, "PyData", "py")?)))
    });
    m.add_native("SimpleData", data_spec, |_, a| {
        Ok(Value::host(DataObj(data_config(
            &a,
            "SimpleData",
            "simple",
        )?)))
    });
    m.add_native("ProtoData", data_spec, |_, a| {
        let t = opt_str(a.arg("type")?, "ProtoData", "type")?.unwrap_or_else(|| "proto".into());
        Ok(Value::host(DataObj(data_config(&a, "ProtoData", &t)?)))
    });
    def(
        m,
        st,
        "TrainData",
        "data_config, async_load_data=None",
        |st, interp, a| train_or_test(st, interp, &a, false),
    );
    def(
        m,
        st,
        "TestData",
        "data_config, async_load_data=None",
        |st, interp, a| train_or_test(st, interp, &a, true),
    );
}

use super::build::{def, Native};
