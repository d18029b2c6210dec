//! config_parser's cost layer classes: the `define_cost` family (one output, a coefficient,
//! no parameters), `MultiClassCrossEntropySelfNormCostLayer` and `HuberRegressionLoss`.
//! cross_entropy, square_error_cost, ... and `Layer(type='square_error', ...)` all call
//! [`cost_layer`].

use crate::builder::{check, Builder, InputSpec, LayerExtra, Result};
use crate::layer_types as lt;
use crate::Real;

/// The types config_parser makes with `define_cost(class_name, cost_type)`.
pub const DEFINE_COST_TYPES: &[&str] = &[
    lt::MULTI_CLASS_CROSS_ENTROPY,
    lt::CROSS_ENTROPY_OVER_BEAM,
    lt::RANK_COST,
    lt::AUC_VALIDATION,
    lt::PNPAIR_VALIDATION,
    lt::SQUARE_ERROR,
    lt::MULTI_BINARY_LABEL_CROSS_ENTROPY,
    lt::SOFT_BINARY_CLASS_CROSS_ENTROPY,
    lt::HUBER_CLASSIFICATION,
    lt::SUM_COST,
    lt::SMOOTH_L1,
];

/// Which cost class, with what only that class sets.
#[derive(Clone, Debug)]
pub enum CostKind {
    /// A `define_cost` type (one of [`DEFINE_COST_TYPES`]).
    Defined(&'static str),
    /// `multi_class_cross_entropy_with_selfnorm`: the only cost that leaves its size unset.
    SelfNorm { softmax_selfnorm_alpha: Real },
    /// `huber_regression`: `delta` and `coeff` are written as the config gave them.
    HuberRegression { delta: Real, coeff: Real },
}

impl CostKind {
    /// The kind for a layer type, `None` for a type that is not one of these classes.
    pub fn defined(layer_type: &str) -> Option<CostKind> {
        DEFINE_COST_TYPES
            .iter()
            .find(|t| **t == layer_type)
            .map(|t| CostKind::Defined(t))
    }

    pub fn layer_type(&self) -> &'static str {
        match self {
            CostKind::Defined(t) => t,
            CostKind::SelfNorm { .. } => lt::MULTI_CLASS_CROSS_ENTROPY_WITH_SELFNORM,
            CostKind::HuberRegression { .. } => lt::HUBER_REGRESSION,
        }
    }
}

pub struct CostLayer {
    pub name: String,
    pub kind: CostKind,
    pub inputs: Vec<InputSpec>,
    /// `coeff`, which every class but huber_regression takes through LayerBase.
    pub coeff: Option<Real>,
    pub extra: LayerExtra,
}

pub fn cost_layer(b: &mut Builder, l: CostLayer) -> Result<usize> {
    let size = match l.kind {
        CostKind::SelfNorm { .. } => 0,
        _ => 1,
    };
    let extra = LayerExtra {
        coeff: l.coeff,
        ..l.extra
    };
    let added = b.add_layer(&l.name, l.kind.layer_type(), size, l.inputs, "", &extra)?;
    let c = b.layer_at_mut(added.index);
    match l.kind {
        CostKind::Defined(_) => {}
        CostKind::SelfNorm {
            softmax_selfnorm_alpha,
        } => c.softmax_selfnorm_alpha = Some(softmax_selfnorm_alpha),
        CostKind::HuberRegression { delta, coeff } => {
            check(added.inputs.len() == 2, || {
                "HuberRegression must have 2 inputs".into()
            })?;
            c.delta = Some(delta);
            c.coeff = Some(coeff);
        }
    }
    Ok(added.index)
}
