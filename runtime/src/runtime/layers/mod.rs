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
mod crf;
mod ctc;
mod deconv3d;
mod detection_output;
mod elementwise;
mod fc;
mod hsigmoid;
mod image;
mod lambda_cost;
mod misc;
mod mixed;
mod multibox_loss;
mod nce;
mod norm;
mod pool;
mod priorbox;
mod recurrent;
mod recurrent_group;
mod roi_pool;
mod seq_select;
mod sequence;
mod switch_order;
mod volume;

pub use conv::build_folded as build_conv_batch_norm;
pub use pool::{paddle_pool2d, Pool2d, PoolKind, PoolWindow};
pub use recurrent_group::{input_names, is_fed, is_generated, root_layers};

use paddlers_graph::layer_types as lt;
use paddlers_graph::{LayerConfig, ModelConfig};
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

/// The cost layers `cost::build` lowers.
const COST_TYPES: &[&str] = &[
    lt::MULTI_CLASS_CROSS_ENTROPY,
    lt::MULTI_CLASS_CROSS_ENTROPY_WITH_SELFNORM,
    lt::SOFT_BINARY_CLASS_CROSS_ENTROPY,
    lt::MULTI_BINARY_LABEL_CROSS_ENTROPY,
    lt::SQUARE_ERROR,
    lt::HUBER_REGRESSION,
    lt::HUBER_CLASSIFICATION,
    "huber",
    lt::SMOOTH_L1,
    lt::RANK_COST,
    lt::SUM_COST,
];

/// Layer types whose output is a cost rather than a prediction (predict runs up to the
/// layer a cost reads, not to the cost).
pub fn is_cost_layer_type(t: &str) -> bool {
    COST_TYPES.contains(&t)
        || [
            lt::NCE,
            lt::HSIGMOID,
            lt::MULTIBOX_LOSS,
            lt::CRF,
            lt::CTC,
            lt::WARP_CTC,
            lt::LAMBDA_COST,
        ]
        .contains(&t)
}

/// How the runtime builds one layer type.
type BuildFn = fn(&BuildCx) -> Result<Box<dyn Layer>>;

/// The layer types the runtime lowers, each with its builder. `build` dispatches through this
/// table, so a type listed here is one the runtime runs.
const LOWERED: &[(&[&str], BuildFn)] = &[
    (&[lt::DATA], |cx| {
        if is_generated(cx.model, &cx.cfg.name) {
            recurrent_group::build_pick(cx)
        } else {
            Ok(Box::new(Data))
        }
    }),
    // A group's step is fed its agents, as the network is fed its data layers.
    (&[lt::AGENT, lt::SCATTER_AGENT], |_| Ok(Box::new(Data))),
    (&[lt::RECURRENT_LAYER_GROUP], recurrent_group::build),
    (
        &[lt::GATHER_AGENT, lt::GET_OUTPUT],
        recurrent_group::build_pick,
    ),
    (&[lt::LSTM_STEP, lt::GRU_STEP], recurrent::build_step),
    (&[lt::FC], fc::build),
    (&[lt::SELECTIVE_FC], fc::build_selective),
    (&[lt::EXCONV, lt::CUDNN_CONV, lt::CONV], |cx| {
        conv::build(cx, false)
    }),
    (&[lt::EXCONVT, lt::CUDNN_CONVT, lt::CONVT], |cx| {
        conv::build(cx, true)
    }),
    (
        &[lt::BATCH_NORM, lt::CUDNN_BATCH_NORM, lt::MKLDNN_BATCH_NORM],
        batch_norm::build,
    ),
    (&[lt::POOL, "cudnn_pool"], pool::build),
    (
        &[lt::MAX, lt::AVERAGE, lt::SEQLASTINS, lt::SEQFIRSTINS],
        sequence::build,
    ),
    (&[lt::EXPAND], sequence::build_expand),
    (
        &[lt::SEQCONCAT, lt::SEQRESHAPE, lt::ROW_CONV],
        sequence::build_seq_op,
    ),
    (&[lt::KMAX_SEQ_SCORE], sequence::build_kmax),
    (
        &[lt::LSTMEMORY, lt::GATED_RECURRENT, lt::RECURRENT],
        recurrent::build,
    ),
    (&[lt::CONV3D], volume::build_conv),
    (&[lt::DECONV3D], deconv3d::build),
    (&[lt::ROI_POOL], roi_pool::build),
    (&[lt::NCE], nce::build),
    (&[lt::DETECTION_OUTPUT], detection_output::build),
    (&[lt::MULTIBOX_LOSS], multibox_loss::build),
    (&[lt::POOL3D], volume::build_pool),
    (&[lt::NORM], norm::build_cmr),
    (&[lt::ROW_L2_NORM, lt::SUM_TO_ONE_NORM], norm::build_row),
    (
        &[lt::MAXOUT, lt::SPP, lt::PAD, lt::CROP, lt::BILINEAR_INTERP],
        image::build,
    ),
    (&[lt::BLOCKEXPAND], image::build_block_expand),
    (&[lt::MIXED], mixed::build),
    (
        &[
            lt::ADDTO,
            lt::CONCAT,
            lt::CONCAT2,
            lt::SLOPE_INTERCEPT,
            lt::SCALING,
            lt::POWER,
            lt::INTERPOLATION,
            lt::MULTIPLEX,
            lt::DOT_PROD,
            lt::L2_DISTANCE,
            lt::CLIP,
            lt::PRELU,
            lt::SCALE_SHIFT,
            lt::RESIZE,
            lt::FACTORIZATION_MACHINE,
            lt::COS,
            lt::FEATMAP_EXPAND,
            lt::TRANS,
        ],
        elementwise::build,
    ),
    (
        &[
            lt::COS_VM,
            lt::CONVEX_COMB,
            lt::CONV_SHIFT,
            lt::TENSOR,
            lt::SCALE_SUB_REGION,
            lt::MAXID,
            lt::SAMPLING_ID,
            lt::PRINT,
        ],
        misc::build,
    ),
    (&[lt::HSIGMOID], hsigmoid::build),
    (&[lt::CRF], crf::build),
    (&[lt::CRF_DECODING], crf::build_decoding),
    (&[lt::CTC, lt::WARP_CTC], ctc::build),
    (&[lt::SEQ_SLICE, lt::SUB_NESTED_SEQ], seq_select::build),
    (&[lt::LAMBDA_COST], lambda_cost::build),
    (&[lt::SWITCH_ORDER], switch_order::build),
    (&[lt::PRIORBOX], priorbox::build),
    (COST_TYPES, cost::build),
];

const NOT_YET: &str = "not implemented in the runtime yet";
const SEQUENCE: &str = "this sequence or recurrent layer is not implemented yet";
const MKLDNN: &str = "an MKL-DNN variant, which paddlers' config parsing never produces";

/// The rest of Paddle's layer types, each refused at build with the reason given here.
pub const NOT_LOWERED: &[(&str, &str)] = &[
    (lt::SUBSEQ, SEQUENCE),
    (lt::MDLSTMEMORY, SEQUENCE),
    (lt::EOS_ID, SEQUENCE),
    (lt::CROSS_ENTROPY_OVER_BEAM, SEQUENCE),
    (lt::MKLDNN_FC, MKLDNN),
    (lt::MKLDNN_CONV, MKLDNN),
    (lt::MKLDNN_POOL, MKLDNN),
    (lt::MKLDNN_ADDTO, MKLDNN),
    (lt::MKLDNN_CONCAT, MKLDNN),
    (lt::MKLDNN_LRN, MKLDNN),
    (lt::DATA_NORM, NOT_YET),
    (lt::CONV_3D, NOT_YET),
    (
        lt::UPSAMPLE,
        "upsample_layer is refused when the config is parsed",
    ),
    (lt::ROTATE, NOT_YET),
    (lt::OUT_PROD, NOT_YET),
    (lt::AUC_VALIDATION, NOT_YET),
    (lt::PNPAIR_VALIDATION, NOT_YET),
];

/// The builder for a layer type, if the runtime lowers it.
pub fn builder_for(layer_type: &str) -> Option<BuildFn> {
    LOWERED
        .iter()
        .find(|(types, _)| types.contains(&layer_type))
        .map(|(_, f)| *f)
}

/// Builds the layer for `cx.cfg`, or fails naming the layer, its type and why.
pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    let t = cx.cfg.r#type.as_str();
    match builder_for(t) {
        Some(f) => f(cx),
        None => Err(RuntimeError::UnsupportedLayer {
            layer: cx.cfg.name.clone(),
            layer_type: t.to_string(),
            hint: NOT_LOWERED
                .iter()
                .find(|(n, _)| *n == t)
                .map(|(_, why)| format!(": {why}"))
                .unwrap_or_default(),
        }),
    }
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

/// The sequence start positions of an input, checked to run from 0 to its rows without going
/// back (Paddle CHECKs the same before reading them).
pub fn seq_starts<'a>(arg: &'a Arg, what: &str) -> Result<&'a [i64], String> {
    let starts = arg
        .seq_starts
        .as_deref()
        .ok_or_else(|| format!("{what} is not a sequence (it has no sequence start positions)"))?;
    check_starts(starts, arg.rows(), what)?;
    Ok(starts)
}

/// Start positions must begin at 0, never decrease and end at `rows`.
pub fn check_starts(starts: &[i64], rows: i64, what: &str) -> Result<(), String> {
    let ok = starts.first() == Some(&0)
        && starts.last() == Some(&rows)
        && starts.windows(2).all(|w| w[0] <= w[1]);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} has sequence start positions {starts:?}, which do not run from 0 to its {rows} rows"
        ))
    }
}

/// Host copy of integer ids.
pub fn host_ids(t: &Tensor) -> Result<Vec<i64>, String> {
    Vec::<i64>::try_from(&t.to_device(Device::Cpu).to_kind(Kind::Int64).reshape([-1]))
        .map_err(|e| e.to_string())
}

/// Host copy of dense values, row-major.
pub fn host_values(t: &Tensor) -> Result<Vec<f64>, String> {
    Vec::<f64>::try_from(
        &t.detach()
            .to_device(Device::Cpu)
            .to_kind(Kind::Double)
            .reshape([-1]),
    )
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod coverage {
    use super::*;

    /// Every layer type Paddle's config_parser can write is either lowered or refused with a
    /// reason, and no type is both.
    #[test]
    fn every_graph_type_has_a_runtime_arm_or_a_reason() {
        let mut missing = Vec::new();
        for t in lt::ALL {
            let lowered = builder_for(t).is_some();
            let refused = NOT_LOWERED.iter().any(|(n, _)| n == t);
            assert!(!(lowered && refused), "{t} is both lowered and refused");
            if !lowered && !refused {
                missing.push(*t);
            }
        }
        assert!(
            missing.is_empty(),
            "layer types with no runtime arm and no reason: {missing:?}"
        );
        for (t, why) in NOT_LOWERED {
            assert!(
                lt::ALL.contains(t),
                "{t} is refused but is not a Paddle layer type"
            );
            assert!(!why.is_empty());
        }
    }
}
