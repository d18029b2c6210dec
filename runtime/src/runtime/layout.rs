//! Where image layers keep their output as a 4-D [N, C, H, W] tensor in channels-last memory
//! (NHWC), instead of Paddle's flat [N, C*H*W] rows.
//!
//! Paddle's layers pass flat rows in NCHW order, and so does every layer here by default. But
//! libtorch's CPU convolutions (oneDNN), batch norm and pooling run faster on channels-last
//! data, which a flat row cannot hold (flattening NHWC memory in NCHW order is not a view). So
//! a chain of image layers (conv, batch norm, pool, addto) hands 4-D channels-last tensors from
//! one to the next, and a layer's output is flattened (one copy back to NCHW rows) only where
//! something else reads it: a layer outside the chain, a model output, an evaluator or
//! `Forward::output`. The values are the same either way; only their memory order differs.
//!
//! Convolutions put their input into channels-last when it is not already (the data layer's
//! rows, or a flattened output); every other image layer keeps whatever layout it is given.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use paddlers_graph::layer_types as lt;
use paddlers_graph::{LayerConfig, ModelConfig};
use tch::Tensor;

use super::activation::Activation;

static CHANNELS_LAST: AtomicBool = AtomicBool::new(true);

/// Whether convolutions switch their input to channels-last (default: yes). Off gives
/// Paddle's NCHW rows throughout, for comparison.
pub fn set_channels_last(on: bool) {
    CHANNELS_LAST.store(on, Ordering::Relaxed);
}

pub fn channels_last() -> bool {
    CHANNELS_LAST.load(Ordering::Relaxed)
}

const CONV: &[&str] = &[lt::EXCONV, lt::CUDNN_CONV, lt::CONV];
const BATCH_NORM: &[&str] = &[lt::BATCH_NORM, lt::CUDNN_BATCH_NORM, lt::MKLDNN_BATCH_NORM];
const POOL: &[&str] = &[lt::POOL, "cudnn_pool"];

/// Layers that read a 4-D input as it is, and may produce a 4-D output.
fn is_image_layer(cfg: &LayerConfig) -> bool {
    let t = cfg.r#type.as_str();
    if CONV.contains(&t) || POOL.contains(&t) {
        return true;
    }
    if BATCH_NORM.contains(&t) {
        // Over [N, C, H, W] only when the input is an image (a batch norm after an fc
        // normalizes its columns).
        return cfg.inputs[0]
            .image_conf
            .as_ref()
            .is_some_and(|i| i.channels > 0);
    }
    // A bias of one value per output element would need the image shape; no image model adds
    // one.
    t == lt::ADDTO && !matches!(cfg.bias_parameter_name.as_deref(), Some(b) if !b.is_empty())
}

/// For each layer of `model`, in order: whether its output may stay a 4-D tensor because
/// every layer that reads it is an image layer, it is not a model output, and its activation
/// works element by element.
pub fn keeps_image(model: &ModelConfig) -> Vec<bool> {
    let index: HashMap<&str, usize> = model
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| (l.name.as_str(), i))
        .collect();
    let mut keep: Vec<bool> = model.layers.iter().map(is_image_layer).collect();
    for (i, l) in model.layers.iter().enumerate() {
        let act = Activation::from_name(l.active_type.as_deref().unwrap_or(""));
        if !matches!(act, Some(a) if a.is_elementwise()) {
            keep[i] = false;
        }
    }
    for l in &model.layers {
        let reader_ok = is_image_layer(l);
        for input in &l.inputs {
            if let Some(&j) = index.get(input.input_layer_name.as_str()) {
                if !reader_ok {
                    keep[j] = false;
                }
            }
        }
    }
    for name in &model.output_layer_names {
        if let Some(&j) = index.get(name.as_str()) {
            keep[j] = false;
        }
    }
    keep
}

/// Whether `x` ([N, C, H, W]) is laid out channels-last.
pub fn is_channels_last(x: &Tensor) -> bool {
    let (s, st) = (x.size(), x.stride());
    s.len() == 4 && st[1] == 1 && st[3] == s[1] && st[2] == s[1] * s[3]
}

/// `x` ([N, C, H, W]) in channels-last memory: one copy unless it is already.
pub fn to_channels_last(x: &Tensor) -> Tensor {
    if is_channels_last(x) {
        x.shallow_clone()
    } else {
        x.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2])
    }
}

/// Paddle's flat rows of `x`: a view for NCHW memory, a copy for channels-last.
pub fn flatten(x: &Tensor) -> Tensor {
    if x.dim() <= 2 {
        return x.shallow_clone();
    }
    let n = x.size()[0];
    x.reshape([n, -1])
}
