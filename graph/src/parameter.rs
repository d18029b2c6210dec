//! ParameterConfig.proto.

use super::Real;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParameterUpdaterHookConfig {
    pub r#type: String,
    pub sparsity_ratio: Option<Real>,
}

/// One trainable tensor, keyed by Paddle's name (`___fc_layer_0__.w0`).
/// `initial_strategy` 0 is normal(initial_mean, initial_std), 1 is uniform around the mean;
/// `initial_smart` means std = 1/sqrt(dims[0]), already folded into `initial_std` by the parser.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParameterConfig {
    pub name: String,
    pub size: u64,
    pub learning_rate: Option<Real>,
    pub momentum: Option<Real>,
    pub initial_mean: Option<Real>,
    pub initial_std: Option<Real>,
    pub decay_rate: Option<Real>,
    pub decay_rate_l1: Option<Real>,
    pub dims: Vec<u64>,
    pub device: Option<i32>,
    pub initial_strategy: Option<i32>,
    pub initial_smart: Option<bool>,
    pub num_batches_regularization: Option<i32>,
    pub is_sparse: Option<bool>,
    pub format: Option<String>,
    pub sparse_remote_update: Option<bool>,
    pub gradient_clipping_threshold: Option<Real>,
    pub is_static: Option<bool>,
    pub para_id: Option<u64>,
    pub update_hooks: Vec<ParameterUpdaterHookConfig>,
    pub need_compact: Option<bool>,
    pub sparse_update: Option<bool>,
    pub is_shared: Option<bool>,
    pub parameter_block_size: Option<u64>,
}

impl ParameterConfig {
    /// Effective values, with the proto defaults for fields the config left unset.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate.map_or(1.0, Real::as_f64)
    }
    pub fn momentum(&self) -> f64 {
        self.momentum.map_or(0.0, Real::as_f64)
    }
    pub fn initial_mean(&self) -> f64 {
        self.initial_mean.map_or(0.0, Real::as_f64)
    }
    pub fn initial_std(&self) -> f64 {
        self.initial_std.map_or(0.01, Real::as_f64)
    }
    pub fn decay_rate(&self) -> f64 {
        self.decay_rate.map_or(0.0, Real::as_f64)
    }
    pub fn decay_rate_l1(&self) -> f64 {
        self.decay_rate_l1.map_or(0.0, Real::as_f64)
    }
    pub fn gradient_clipping_threshold(&self) -> f64 {
        self.gradient_clipping_threshold.map_or(0.0, Real::as_f64)
    }
    pub fn is_static(&self) -> bool {
        self.is_static.unwrap_or(false)
    }
    pub fn initial_strategy(&self) -> i32 {
        self.initial_strategy.unwrap_or(0)
    }
}
