//! Batch norm folded into the convolution before it, for inference.
//!
//! At test time a batch norm with moving statistics is an affine map per channel,
//! `y = (x - mean) * gamma / sqrt(var + eps) + beta`, so `conv -> batch_norm` is one
//! convolution with scaled filters and a new bias. The network runs that one convolution in
//! `Mode::Test` (a pass over the activations saved per pair) and the two layers in training.
//! The scaled filters are computed at every forward pass from the current parameters, so
//! nothing goes stale when training changes them. Results equal the unfolded ones up to float
//! rounding (the scale is applied before the convolution's sums instead of after).
//!
//! A pair folds only when nothing else can see the convolution's own output: the batch norm is
//! its only reader, it is not a model output or an evaluator's input, and it has one input, a
//! per-filter bias or none, no activation and no dropout. In `Mode::Test`,
//! `Forward::output` of a folded convolution is `None`.

use std::collections::{HashMap, HashSet};

use paddlers_graph::layer_types as lt;
use paddlers_graph::ModelConfig;

const CONV: &[&str] = &[lt::EXCONV, lt::CUDNN_CONV, lt::CONV];
const BATCH_NORM: &[&str] = &[lt::BATCH_NORM, lt::CUDNN_BATCH_NORM, lt::MKLDNN_BATCH_NORM];

/// (convolution, batch norm) layer indices of `model` that fold.
pub fn pairs(model: &ModelConfig) -> Vec<(usize, usize)> {
    let index: HashMap<&str, usize> = model
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| (l.name.as_str(), i))
        .collect();
    let mut readers: Vec<HashSet<usize>> = vec![HashSet::new(); model.layers.len()];
    for (j, l) in model.layers.iter().enumerate() {
        for input in &l.inputs {
            if let Some(&i) = index.get(input.input_layer_name.as_str()) {
                readers[i].insert(j);
            }
        }
    }
    let mut seen: HashSet<&str> = model
        .output_layer_names
        .iter()
        .map(String::as_str)
        .collect();
    for e in &model.evaluators {
        seen.extend(e.input_layers.iter().map(String::as_str));
    }
    let mut out = Vec::new();
    for (j, bn) in model.layers.iter().enumerate() {
        if !BATCH_NORM.contains(&bn.r#type.as_str()) || bn.use_global_stats == Some(false) {
            continue;
        }
        let Some(&i) = bn
            .inputs
            .first()
            .and_then(|x| index.get(x.input_layer_name.as_str()))
        else {
            continue;
        };
        let conv = &model.layers[i];
        let linear = matches!(
            conv.active_type.as_deref(),
            None | Some("") | Some("linear")
        );
        let shared_bias = conv.shared_biases.unwrap_or(false)
            || conv
                .bias_parameter_name
                .as_deref()
                .map_or(true, str::is_empty);
        let folds = CONV.contains(&conv.r#type.as_str())
            && conv.inputs.len() == 1
            && linear
            && shared_bias
            && conv.drop_rate.map_or(true, |r| r.as_f64() == 0.0)
            && readers[i].len() == 1
            && !seen.contains(conv.name.as_str());
        if folds {
            out.push((i, j));
        }
    }
    out
}
