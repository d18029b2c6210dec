//! TrainerConfig.proto and DataConfig.proto.

use super::{ModelConfig, Real};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptimizationConfig {
    pub batch_size: Option<i32>,
    pub algorithm: String,
    pub num_batches_per_send_parameter: Option<i32>,
    pub num_batches_per_get_parameter: Option<i32>,
    pub learning_rate: Real,
    pub learning_rate_decay_a: Option<Real>,
    pub learning_rate_decay_b: Option<Real>,
    pub l1weight: Option<Real>,
    pub l2weight: Option<Real>,
    pub c1: Option<Real>,
    pub backoff: Option<Real>,
    pub owlqn_steps: Option<i32>,
    pub max_backoff: Option<i32>,
    pub l2weight_zero_iter: Option<i32>,
    pub average_window: Option<Real>,
    pub max_average_window: Option<i64>,
    pub learning_method: Option<String>,
    pub ada_epsilon: Option<Real>,
    pub do_average_in_cpu: Option<bool>,
    pub ada_rou: Option<Real>,
    pub learning_rate_schedule: Option<String>,
    pub delta_add_rate: Option<Real>,
    pub mini_batch_size: Option<i32>,
    pub use_sparse_remote_updater: Option<bool>,
    pub center_parameter_update_method: Option<String>,
    pub shrink_parameter_value: Option<Real>,
    pub adam_beta1: Option<Real>,
    pub adam_beta2: Option<Real>,
    pub adam_epsilon: Option<Real>,
    pub learning_rate_args: Option<String>,
    pub async_lagged_grad_discard_ratio: Option<Real>,
    pub gradient_clipping_threshold: Option<Real>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileGroupConf {
    pub queue_capacity: Option<u32>,
    pub load_file_count: Option<i32>,
    pub load_thread_num: Option<i32>,
}

/// Where in the user's config a data source was declared, so providers can name it in errors.
/// Not part of Paddle's DataConfig, so never printed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceLocation {
    pub file: PathBuf,
    pub line: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataConfig {
    pub r#type: String,
    pub files: Option<String>,
    pub feat_dim: Option<i32>,
    pub slot_dims: Vec<i32>,
    pub context_len: Option<i32>,
    pub buffer_capacity: Option<u64>,
    pub train_sample_num: Option<i64>,
    pub file_load_num: Option<i32>,
    pub async_load_data: Option<bool>,
    pub for_test: Option<bool>,
    pub file_group_conf: Option<FileGroupConf>,
    pub float_slot_dims: Vec<i32>,
    pub constant_slots: Vec<Real>,
    pub load_data_module: Option<String>,
    pub load_data_object: Option<String>,
    pub load_data_args: Option<String>,
    pub sub_data_configs: Vec<DataConfig>,
    pub data_ratio: Option<i32>,
    pub is_main_data: Option<bool>,
    pub usage_ratio: Option<Real>,
    /// The `define_py_data_sources2`/`TrainData` call that declared this source.
    #[serde(skip)]
    pub declared_at: Option<SourceLocation>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainerConfig {
    pub model_config: ModelConfig,
    pub data_config: Option<DataConfig>,
    pub opt_config: OptimizationConfig,
    pub test_data_config: Option<DataConfig>,
    pub config_files: Vec<String>,
    pub save_dir: Option<String>,
    pub init_model_path: Option<String>,
    pub start_pass: Option<i32>,
    pub config_file: Option<String>,
    /// Where the config defined each layer, so run-time errors can name the line.
    #[serde(skip)]
    pub layer_origins: LayerOrigins,
}

/// The config line that defined each layer, by layer name. Not part of Paddle's TrainerConfig,
/// so never printed, and never part of a graph's equality: the same graph built from another
/// file or line is the same graph.
#[derive(Clone, Debug, Default)]
pub struct LayerOrigins(pub std::collections::BTreeMap<String, SourceLocation>);

impl PartialEq for LayerOrigins {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl LayerOrigins {
    pub fn get(&self, layer: &str) -> Option<&SourceLocation> {
        self.0.get(layer)
    }
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}
