//! The per-layer-type sub-messages of ModelConfig.proto (conv, pool, norm, image, ...).
//! Fields are in field-number order, which is the order protobuf text prints them in.

use super::Real;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConvConfig {
    pub filter_size: u32,
    pub channels: u32,
    pub stride: u32,
    pub padding: u32,
    pub groups: u32,
    pub filter_channels: u32,
    pub output_x: u32,
    pub img_size: u32,
    pub caffe_mode: bool,
    pub filter_size_y: u32,
    pub padding_y: u32,
    pub stride_y: u32,
    pub output_y: Option<u32>,
    pub img_size_y: Option<u32>,
    pub dilation: Option<u32>,
    pub dilation_y: Option<u32>,
    pub filter_size_z: Option<u32>,
    pub padding_z: Option<u32>,
    pub stride_z: Option<u32>,
    pub output_z: Option<u32>,
    pub img_size_z: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PoolConfig {
    pub pool_type: String,
    pub channels: u32,
    pub size_x: u32,
    pub start: Option<u32>,
    pub stride: u32,
    pub output_x: u32,
    pub img_size: u32,
    pub padding: Option<u32>,
    pub size_y: Option<u32>,
    pub stride_y: Option<u32>,
    pub output_y: Option<u32>,
    pub img_size_y: Option<u32>,
    pub padding_y: Option<u32>,
    pub size_z: Option<u32>,
    pub stride_z: Option<u32>,
    pub output_z: Option<u32>,
    pub img_size_z: Option<u32>,
    pub padding_z: Option<u32>,
    pub exclude_mode: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SppConfig {
    pub image_conf: ImageConfig,
    pub pool_type: String,
    pub pyramid_height: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NormConfig {
    pub norm_type: String,
    pub channels: u32,
    pub size: u32,
    pub scale: Real,
    pub pow: Real,
    pub output_x: u32,
    pub img_size: u32,
    pub blocked: Option<bool>,
    pub output_y: Option<u32>,
    pub img_size_y: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlockExpandConfig {
    pub channels: u32,
    pub stride_x: u32,
    pub stride_y: u32,
    pub padding_x: u32,
    pub padding_y: u32,
    pub block_x: u32,
    pub block_y: u32,
    pub output_x: u32,
    pub output_y: u32,
    pub img_size_x: u32,
    pub img_size_y: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MaxOutConfig {
    pub image_conf: ImageConfig,
    pub groups: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RowConvConfig {
    pub context_length: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SliceConfig {
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProjectionConfig {
    pub r#type: String,
    pub name: String,
    pub input_size: u64,
    pub output_size: u64,
    pub context_start: Option<i32>,
    pub context_length: Option<i32>,
    pub trainable_padding: Option<bool>,
    pub conv_conf: Option<ConvConfig>,
    pub num_filters: Option<i32>,
    pub offset: Option<u64>,
    pub pool_conf: Option<PoolConfig>,
    pub slices: Vec<SliceConfig>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OperatorConfig {
    pub r#type: String,
    pub input_indices: Vec<i32>,
    pub input_sizes: Vec<u64>,
    pub output_size: u64,
    pub dotmul_scale: Option<Real>,
    pub conv_conf: Option<ConvConfig>,
    pub num_filters: Option<i32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BilinearInterpConfig {
    pub image_conf: ImageConfig,
    pub out_size_x: u32,
    pub out_size_y: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageConfig {
    pub channels: u32,
    pub img_size: u32,
    pub img_size_y: Option<u32>,
    pub img_size_z: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PriorBoxConfig {
    pub min_size: Vec<u32>,
    pub max_size: Vec<u32>,
    pub aspect_ratio: Vec<Real>,
    pub variance: Vec<Real>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PadConfig {
    pub image_conf: ImageConfig,
    pub pad_c: Vec<u32>,
    pub pad_h: Vec<u32>,
    pub pad_w: Vec<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReshapeConfig {
    pub height_axis: Vec<u32>,
    pub width_axis: Vec<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MultiBoxLossConfig {
    pub num_classes: u32,
    pub overlap_threshold: Real,
    pub neg_pos_ratio: Real,
    pub neg_overlap: Real,
    pub background_id: u32,
    pub input_num: u32,
    pub height: Option<u32>,
    pub width: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DetectionOutputConfig {
    pub num_classes: u32,
    pub nms_threshold: Real,
    pub nms_top_k: u32,
    pub background_id: u32,
    pub input_num: u32,
    pub keep_top_k: u32,
    pub confidence_threshold: Real,
    pub height: Option<u32>,
    pub width: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClipConfig {
    pub min: Real,
    pub max: Real,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ROIPoolConfig {
    pub pooled_width: u32,
    pub pooled_height: u32,
    pub spatial_scale: Real,
    pub height: Option<u32>,
    pub width: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScaleSubRegionConfig {
    pub image_conf: ImageConfig,
    pub value: Real,
}
