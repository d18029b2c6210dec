//! One module per layer family. Each layer type lowers to a small struct that holds what its
//! config fixes (sizes, parameter names, strides) and a `forward` over tch tensors.
//!
//! Layer outputs are flat [rows, size] as in Paddle; image layers view them as NCHW
//! (`channels`, `img_size_y`, `img_size` from their confs) and flatten back, which costs no
//! copy. The network applies the activation and `drop_rate` after `forward`, as Paddle's
//! `Layer::forwardActivation` / `forwardDropOut` do, so layers never do it themselves.

mod batch_norm;
mod conv;
mod cost;
mod deconv3d;
mod detection_output;
mod elementwise;
mod fc;
mod hsigmoid;
mod image;
mod misc;
mod mixed;
mod multibox_loss;
mod nce;
mod norm;
mod pool;
mod recurrent;
mod roi_pool;
mod sequence;
mod volume;

pub use pool::{paddle_pool2d, Pool2d, PoolKind, PoolWindow};

use paddlers::graph::{LayerConfig, ModelConfig};
use tch::{Device, Kind, Tensor};

use super::arg::Arg;
use super::error::{Result, RuntimeError};
use super::params::ParamStore;

/// What a layer's forward pass may read besides its inputs.
pub struct Cx<'a> {
    pub params: &'a ParamStore,
    pub train: bool,
}

impl Cx<'_> {
    /// A parameter's flat tensor. Names were checked when the layer was built.
    pub fn param(&self, name: &str) -> Result<&Tensor, String> {
        self.params.tensor(name).map_err(|e| e.to_string())
    }
}

pub trait Layer: Send {
    /// Computes the layer's output (before activation and dropout) from its inputs, in the
    /// order of the config's `inputs`.
    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String>;

    /// Whether the output has the input's rows, so it keeps the input's sequence positions
    /// (most layers); sequence pooling layers set their own.
    fn keeps_sequence(&self) -> bool {
        true
    }

    /// Layers that apply active_type inside (recurrent cells) return true, so the network
    /// does not apply it again.
    fn applies_own_activation(&self) -> bool {
        false
    }

    /// Cost layers report per-sample costs and are summed into the loss.
    fn is_cost(&self) -> bool {
        false
    }
}

/// Layer types whose output is a cost rather than a prediction (predict runs up to the
/// layer a cost reads, not to the cost).
pub fn is_cost_layer_type(t: &str) -> bool {
    cost::is_cost_type(t) || matches!(t, "nce" | "hsigmoid" | "multibox_loss")
}

/// What building a layer may look at: its config, the whole model (input sizes), and the
/// parameter store (names and sizes).
pub struct BuildCx<'a> {
    pub cfg: &'a LayerConfig,
    pub model: &'a ModelConfig,
    pub params: &'a ParamStore,
}

impl BuildCx<'_> {
    pub fn err(&self, msg: impl Into<String>) -> RuntimeError {
        RuntimeError::BadLayer {
            layer: self.cfg.name.clone(),
            layer_type: self.cfg.r#type.clone(),
            msg: msg.into(),
        }
    }

    pub fn device(&self) -> Device {
        self.params.device()
    }

    pub fn kind(&self) -> Kind {
        self.params.kind()
    }

    pub fn size(&self) -> i64 {
        self.cfg.size() as i64
    }

    pub fn num_inputs(&self) -> usize {
        self.cfg.inputs.len()
    }

    pub fn expect_inputs(&self, range: std::ops::RangeInclusive<usize>) -> Result<()> {
        let n = self.num_inputs();
        if range.contains(&n) {
            Ok(())
        } else if range.start() == range.end() {
            Err(self.err(format!("needs {} inputs, has {n}", range.start())))
        } else {
            Err(self.err(format!(
                "needs {} to {} inputs, has {n}",
                range.start(),
                range.end()
            )))
        }
    }

    /// The output size of input `i`'s layer.
    pub fn input_size(&self, i: usize) -> Result<i64> {
        let name = &self.cfg.inputs[i].input_layer_name;
        self.model
            .layer(name)
            .map(|l| l.size() as i64)
            .ok_or_else(|| self.err(format!("input '{name}' is not a layer of the model")))
    }

    /// The parameter of input `i`, checked to exist with `size` values.
    pub fn input_param(&self, i: usize, size: i64) -> Result<String> {
        let name = self.cfg.inputs[i]
            .input_parameter_name
            .clone()
            .ok_or_else(|| self.err(format!("input {i} has no input_parameter_name")))?;
        self.check_param(&name, size)?;
        Ok(name)
    }

    /// The bias parameter, if the layer has one, checked to have `size` values.
    pub fn bias(&self, size: i64) -> Result<Option<String>> {
        match &self.cfg.bias_parameter_name {
            Some(name) if !name.is_empty() => {
                self.check_param(name, size)?;
                Ok(Some(name.clone()))
            }
            _ => Ok(None),
        }
    }

    pub fn check_param(&self, name: &str, size: i64) -> Result<()> {
        let p = self
            .params
            .get(name)
            .ok_or_else(|| self.err(format!("parameter '{name}' is not in the model config")))?;
        if p.config.size as i64 != size {
            return Err(self.err(format!(
                "parameter '{name}' has size {}, the layer needs {size}",
                p.config.size
            )));
        }
        Ok(())
    }

    /// A constant tensor on the network's device and dtype.
    pub fn constant(&self, values: &[f64], shape: &[i64]) -> Tensor {
        Tensor::from_slice(values)
            .view(shape)
            .to_kind(self.kind())
            .to_device(self.device())
    }
}

/// Dense value of an input, or an error naming what was missing.
pub fn value<'a>(arg: &'a Arg, what: &str) -> Result<&'a Tensor, String> {
    arg.value
        .as_ref()
        .ok_or_else(|| format!("{what} has no dense value (is it an integer_value slot?)"))
}

/// Integer ids of an input.
pub fn ids<'a>(arg: &'a Arg, what: &str) -> Result<&'a Tensor, String> {
    arg.ids
        .as_ref()
        .ok_or_else(|| format!("{what} has no integer ids (is it a dense slot?)"))
}

/// Layer types that exist in Paddle but need sequence data or are not lowered yet, with why.
fn unsupported_hint(layer_type: &str) -> &'static str {
    match layer_type {
        "recurrent_layer_group"
        | "agent"
        | "scatter_agent"
        | "gather_agent"
        | "seq_slice"
        | "sub_seq"
        | "sub_nested_seq"
        | "lstm_step"
        | "gru_step"
        | "get_output"
        | "ctc"
        | "warp_ctc"
        | "crf"
        | "crf_decoding"
        | "lambda_cost"
        | "cross_entropy_over_beam" => ": this sequence or recurrent layer is not implemented yet",
        _ => "",
    }
}

/// Builds the layer for `cx.cfg`, or fails naming the layer and its type.
pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    let t = cx.cfg.r#type.as_str();
    Ok(match t {
        "data" => Box::new(Data),
        "fc" => fc::build(cx)?,
        "selective_fc" => fc::build_selective(cx)?,
        "exconv" | "cudnn_conv" | "conv" => conv::build(cx, false)?,
        "exconvt" | "cudnn_convt" | "convt" => conv::build(cx, true)?,
        "batch_norm" | "cudnn_batch_norm" | "mkldnn_batch_norm" => batch_norm::build(cx)?,
        "pool" | "cudnn_pool" => pool::build(cx)?,
        "max" | "average" | "seqlastins" | "seqfirstins" => sequence::build(cx)?,
        "expand" => sequence::build_expand(cx)?,
        "seqconcat" | "seqreshape" | "row_conv" => sequence::build_seq_op(cx)?,
        "kmax_seq_score" => sequence::build_kmax(cx)?,
        "lstmemory" | "gated_recurrent" | "recurrent" => recurrent::build(cx)?,
        "conv3d" => volume::build_conv(cx)?,
        "deconv3d" => deconv3d::build(cx)?,
        "roi_pool" => roi_pool::build(cx)?,
        "nce" => nce::build(cx)?,
        "detection_output" => detection_output::build(cx)?,
        "multibox_loss" => multibox_loss::build(cx)?,
        "pool3d" => volume::build_pool(cx)?,
        "norm" => norm::build_cmr(cx)?,
        "row_l2_norm" | "sum_to_one_norm" => norm::build_row(cx)?,
        "maxout" | "spp" | "pad" | "crop" | "bilinear_interp" => image::build(cx)?,
        "blockexpand" => image::build_block_expand(cx)?,
        "mixed" => mixed::build(cx)?,
        "addto"
        | "concat"
        | "concat2"
        | "slope_intercept"
        | "scaling"
        | "power"
        | "interpolation"
        | "multiplex"
        | "dot_prod"
        | "l2_distance"
        | "clip"
        | "prelu"
        | "scale_shift"
        | "resize"
        | "factorization_machine"
        | "cos"
        | "featmap_expand"
        | "trans" => elementwise::build(cx)?,
        "cos_vm" | "convex_comb" | "conv_shift" | "tensor" | "scale_sub_region" | "maxid"
        | "sampling_id" | "print" => misc::build(cx)?,
        "hsigmoid" => hsigmoid::build(cx)?,
        _ if cost::is_cost_type(t) => cost::build(cx)?,
        _ => {
            return Err(RuntimeError::UnsupportedLayer {
                layer: cx.cfg.name.clone(),
                layer_type: t.to_string(),
                hint: unsupported_hint(t).to_string(),
            })
        }
    })
}

/// Data layers pass their feed through; the network handles them before calling `forward`.
struct Data;

impl Layer for Data {
    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        inputs
            .first()
            .map(|a| (*a).clone())
            .ok_or_else(|| "data layer without a feed".to_string())
    }
}
