//! config_parser's small classes that create no weight and take their size from one input:
//! `TransLayer`, `SumToOneNormLayer`, `RowL2NormLayer`, `SamplingIdLayer`, `MaxIdLayer`,
//! `SlopeInterceptLayer`, `ScalingLayer`, `PowerLayer`, `InterpolationLayer` and
//! `ExpandLayer`. The helpers (trans_layer, scaling_layer, ...) and `Layer(type=...)` both
//! call [`simple_layer`].

use crate::builder::{check, Builder, InputSpec, LayerExtra, ParamAttrs, Result};
use crate::layer_types as lt;
use crate::Real;

/// Which class, with what only that class sets.
// Built once per layer and consumed by the builder, never stored: the size of Expand's bias
// attrs costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum SimpleKind {
    Trans,
    SumToOneNorm,
    RowL2Norm,
    SamplingId,
    /// `beam_size` None takes the enclosing generator's, as config_parser does.
    MaxId {
        beam_size: Option<u32>,
    },
    SlopeIntercept {
        slope: Real,
        intercept: Real,
    },
    /// `(weight, input)`: the weight has size 1.
    Scaling,
    /// `(exponent, input)`: the exponent has size 1.
    Power,
    /// `(weight, a, b)`: a and b of one size, the weight of size 1.
    Interpolation,
    Expand {
        trans_type: String,
        bias: Option<ParamAttrs>,
    },
}

impl SimpleKind {
    pub fn layer_type(&self) -> &'static str {
        match self {
            SimpleKind::Trans => lt::TRANS,
            SimpleKind::SumToOneNorm => lt::SUM_TO_ONE_NORM,
            SimpleKind::RowL2Norm => lt::ROW_L2_NORM,
            SimpleKind::SamplingId => lt::SAMPLING_ID,
            SimpleKind::MaxId { .. } => lt::MAXID,
            SimpleKind::SlopeIntercept { .. } => lt::SLOPE_INTERCEPT,
            SimpleKind::Scaling => lt::SCALING,
            SimpleKind::Power => lt::POWER,
            SimpleKind::Interpolation => lt::INTERPOLATION,
            SimpleKind::Expand { .. } => lt::EXPAND,
        }
    }

    /// How many inputs config_parser asserts, its message, and which input gives the size.
    fn arity(&self) -> (usize, &'static str, usize) {
        match self {
            SimpleKind::Trans => (1, "TransLayer must have one and only one input", 0),
            SimpleKind::SumToOneNorm => (1, "SumToOneNormLayer must have 1 input", 0),
            SimpleKind::RowL2Norm => (1, "RowL2NormLayer must have 1 input", 0),
            SimpleKind::SamplingId => (1, "SamplingIdLayer must have 1 input", 0),
            SimpleKind::MaxId { .. } => (1, "MaxIdLayer must have 1 input", 0),
            SimpleKind::SlopeIntercept { .. } => (1, "SlopeInterceptLayer must have 1 input", 0),
            SimpleKind::Scaling => (2, "ScalingLayer must have 2 inputs", 1),
            SimpleKind::Power => (2, "PowerLayer must have 2 inputs", 1),
            SimpleKind::Interpolation => (3, "InterpolationLayer must have 3 inputs", 1),
            SimpleKind::Expand { .. } => (2, "ExpandLayer takes 2 and only 2 inputs", 0),
        }
    }
}

pub struct SimpleLayer {
    pub name: String,
    pub kind: SimpleKind,
    pub inputs: Vec<InputSpec>,
    pub active_type: String,
    pub extra: LayerExtra,
}

pub fn simple_layer(b: &mut Builder, l: SimpleLayer) -> Result<usize> {
    let (arity, arity_msg, size_of) = l.kind.arity();
    let added = b.add_layer(
        &l.name,
        l.kind.layer_type(),
        0,
        l.inputs,
        &l.active_type,
        &l.extra,
    )?;
    let idx = added.index;
    check(added.inputs.len() == arity, || arity_msg.into())?;
    let size = b.input_layer(idx, size_of).size();
    b.set_layer_size(idx, size)?;
    let first = b.input_layer(idx, 0).size();
    match &l.kind {
        SimpleKind::Scaling => check(first == 1, || "The left input should be of size 1".into())?,
        SimpleKind::Power => check(first == 1, || {
            "The left input is the exponent and should be of size 1".into()
        })?,
        SimpleKind::Interpolation => {
            check(first == 1, || "weight should be of size 1".into())?;
            check(b.input_layer(idx, 2).size() == size, || {
                "the two vector inputs should be of the same size".into()
            })?;
        }
        _ => {}
    }
    let generator_beam = b
        .current_submodel()
        .generator
        .as_ref()
        .and_then(|g| g.beam_size);
    let c = b.layer_at_mut(idx);
    match &l.kind {
        SimpleKind::MaxId { beam_size } => {
            if let Some(beam) = beam_size.or(generator_beam.map(|g| g as u32)) {
                c.beam_size = Some(beam);
            }
        }
        SimpleKind::SlopeIntercept { slope, intercept } => {
            c.slope = Some(*slope);
            c.intercept = Some(*intercept);
        }
        SimpleKind::Expand { trans_type, bias } => {
            c.trans_type = Some(trans_type.clone());
            b.create_bias_parameter(idx, bias.as_ref(), size, None, true)?;
        }
        _ => {}
    }
    Ok(idx)
}
