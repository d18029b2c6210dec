//! ModelConfig.proto's layer, input, evaluator and sub-model messages, in field-number order.

use super::layer_confs::*;
use super::{ParameterConfig, Real};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExternalConfig {
    pub layer_names: Vec<String>,
    pub input_layer_names: Vec<String>,
    pub output_layer_names: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LayerInputConfig {
    pub input_layer_name: String,
    pub input_parameter_name: Option<String>,
    pub conv_conf: Option<ConvConfig>,
    pub pool_conf: Option<PoolConfig>,
    pub norm_conf: Option<NormConfig>,
    pub proj_conf: Option<ProjectionConfig>,
    pub block_expand_conf: Option<BlockExpandConfig>,
    pub image_conf: Option<ImageConfig>,
    pub input_layer_argument: Option<String>,
    pub bilinear_interp_conf: Option<BilinearInterpConfig>,
    pub maxout_conf: Option<MaxOutConfig>,
    pub spp_conf: Option<SppConfig>,
    pub priorbox_conf: Option<PriorBoxConfig>,
    pub pad_conf: Option<PadConfig>,
    pub row_conv_conf: Option<RowConvConfig>,
    pub multibox_loss_conf: Option<MultiBoxLossConfig>,
    pub detection_output_conf: Option<DetectionOutputConfig>,
    pub clip_conf: Option<ClipConfig>,
    pub scale_sub_region_conf: Option<ScaleSubRegionConfig>,
    pub roi_pool_conf: Option<ROIPoolConfig>,
}

impl LayerInputConfig {
    pub fn new(input_layer_name: impl Into<String>) -> Self {
        LayerInputConfig {
            input_layer_name: input_layer_name.into(),
            ..Default::default()
        }
    }
}

/// One layer. `size` is the output width per sample, already inferred when the layer was added.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LayerConfig {
    pub name: String,
    pub r#type: String,
    pub size: Option<u64>,
    pub active_type: Option<String>,
    pub inputs: Vec<LayerInputConfig>,
    pub bias_parameter_name: Option<String>,
    pub num_filters: Option<u32>,
    pub shared_biases: Option<bool>,
    pub partial_sum: Option<u32>,
    pub drop_rate: Option<Real>,
    pub num_classes: Option<u32>,
    pub device: Option<i32>,
    pub reversed: Option<bool>,
    pub active_gate_type: Option<String>,
    pub active_state_type: Option<String>,
    pub num_neg_samples: Option<i32>,
    pub neg_sampling_dist: Vec<Real>,
    pub output_max_index: Option<bool>,
    pub softmax_selfnorm_alpha: Option<Real>,
    pub directions: Vec<bool>,
    pub norm_by_times: Option<bool>,
    pub coeff: Option<Real>,
    pub average_strategy: Option<String>,
    pub error_clipping_threshold: Option<Real>,
    pub operator_confs: Vec<OperatorConfig>,
    #[serde(rename = "NDCG_num")]
    pub ndcg_num: Option<i32>,
    pub max_sort_size: Option<i32>,
    pub slope: Option<Real>,
    pub intercept: Option<Real>,
    pub cos_scale: Option<Real>,
    pub data_norm_strategy: Option<String>,
    pub bos_id: Option<u32>,
    pub eos_id: Option<u32>,
    pub beam_size: Option<u32>,
    pub select_first: Option<bool>,
    pub trans_type: Option<String>,
    pub selective_fc_pass_generation: Option<bool>,
    pub has_selected_colums: Option<bool>,
    pub selective_fc_full_mul_ratio: Option<Real>,
    pub selective_fc_parallel_plain_mul_thread_num: Option<u32>,
    pub use_global_stats: Option<bool>,
    pub moving_average_fraction: Option<Real>,
    pub bias_size: Option<u32>,
    pub user_arg: Option<String>,
    pub height: Option<u64>,
    pub width: Option<u64>,
    pub blank: Option<u32>,
    pub seq_pool_stride: Option<i32>,
    pub axis: Option<i32>,
    pub offset: Vec<u32>,
    pub shape: Vec<u32>,
    pub delta: Option<Real>,
    pub depth: Option<u64>,
    pub reshape_conf: Option<ReshapeConfig>,
    pub epsilon: Option<Real>,
    pub factor_size: Option<u32>,
}

impl LayerConfig {
    pub fn new(name: impl Into<String>, layer_type: impl Into<String>) -> Self {
        LayerConfig {
            name: name.into(),
            r#type: layer_type.into(),
            ..Default::default()
        }
    }

    /// The output size, 0 when the layer has none (Paddle's default).
    pub fn size(&self) -> u64 {
        self.size.unwrap_or(0)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvaluatorConfig {
    pub name: String,
    pub r#type: String,
    pub input_layers: Vec<String>,
    pub chunk_scheme: Option<String>,
    pub num_chunk_types: Option<i32>,
    pub classification_threshold: Option<Real>,
    pub positive_label: Option<i32>,
    pub dict_file: Option<String>,
    pub result_file: Option<String>,
    pub num_results: Option<i32>,
    pub delimited: Option<bool>,
    pub excluded_chunk_types: Vec<i32>,
    pub top_k: Option<i32>,
    pub overlap_threshold: Option<Real>,
    pub background_id: Option<i32>,
    pub evaluate_difficult: Option<bool>,
    pub ap_type: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkConfig {
    pub layer_name: String,
    pub link_name: String,
    pub has_subseq: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MemoryConfig {
    pub layer_name: String,
    pub link_name: String,
    pub boot_layer_name: Option<String>,
    pub boot_bias_parameter_name: Option<String>,
    pub boot_bias_active_type: Option<String>,
    // Field 7 is printed before field 6: text format orders by field number.
    pub is_sequence: Option<bool>,
    pub boot_with_const_id: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GeneratorConfig {
    pub max_num_frames: u32,
    pub eos_layer_name: String,
    pub num_results_per_sample: Option<i32>,
    pub beam_size: Option<i32>,
    pub log_prob: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubModelConfig {
    pub name: String,
    pub layer_names: Vec<String>,
    pub input_layer_names: Vec<String>,
    pub output_layer_names: Vec<String>,
    pub evaluator_names: Vec<String>,
    pub is_recurrent_layer_group: Option<bool>,
    pub reversed: Option<bool>,
    pub memories: Vec<MemoryConfig>,
    pub in_links: Vec<LinkConfig>,
    pub out_links: Vec<LinkConfig>,
    pub generator: Option<GeneratorConfig>,
    pub target_inlinkid: Option<i32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelConfig {
    pub r#type: String,
    pub layers: Vec<LayerConfig>,
    pub parameters: Vec<ParameterConfig>,
    pub input_layer_names: Vec<String>,
    pub output_layer_names: Vec<String>,
    pub evaluators: Vec<EvaluatorConfig>,
    pub sub_models: Vec<SubModelConfig>,
    pub external_config: Option<ExternalConfig>,
}

impl ModelConfig {
    pub fn layer(&self, name: &str) -> Option<&LayerConfig> {
        self.layers.iter().find(|l| l.name == name)
    }

    pub fn parameter(&self, name: &str) -> Option<&ParameterConfig> {
        self.parameters.iter().find(|p| p.name == name)
    }
}
