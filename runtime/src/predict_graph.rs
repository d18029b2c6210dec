//! The part of a config's graph that `predict` and `extract` run: the chosen layer and the
//! layers it reads from, so a config without an `is_predict` branch (whose output is a cost
//! reading a label) predicts without a label.

use std::collections::HashSet;

use anyhow::bail;
use paddlers_graph::ModelConfig;

use crate::runtime::layers::is_cost_layer_type;

/// The layer whose arg-max is the label: `--output_layer`, else the config's first output
/// layer, or, when that is a cost, the first of its inputs that is not a data layer (the
/// network's prediction; the label is a data layer).
pub fn output_layer(model: &ModelConfig, flag: Option<&str>) -> anyhow::Result<String> {
    if let Some(name) = flag {
        if model.layer(name).is_none() {
            bail!("--output_layer={name}: no such layer in the config");
        }
        return Ok(name.to_string());
    }
    let Some(first) = model.output_layer_names.first() else {
        bail!("the config declares no output layer: choose one with --output_layer=NAME");
    };
    let Some(layer) = model.layer(first) else {
        bail!("the config's output layer '{first}' is not one of its layers");
    };
    if !is_cost_layer_type(&layer.r#type) {
        return Ok(first.clone());
    }
    let prediction = layer.inputs.iter().find(|i| {
        model
            .layer(&i.input_layer_name)
            .is_some_and(|l| l.r#type != "data")
    });
    match prediction {
        Some(i) => {
            tracing::info!(
                "the config's output '{first}' is a {} cost: predicting from its input '{}' \
                 (choose another with --output_layer=NAME)",
                layer.r#type,
                i.input_layer_name
            );
            Ok(i.input_layer_name.clone())
        }
        None => bail!(
            "the config's output '{first}' is a cost whose inputs are all data layers: \
             choose the prediction layer with --output_layer=NAME"
        ),
    }
}

/// The model cut down to `targets` and every layer they read from, in the config's order;
/// parameters are kept whole, so a pass directory of the full model loads.
pub fn prune(model: &ModelConfig, targets: &[String]) -> anyhow::Result<ModelConfig> {
    let mut keep: HashSet<&str> = HashSet::new();
    let mut todo: Vec<&str> = targets.iter().map(String::as_str).collect();
    while let Some(name) = todo.pop() {
        if !keep.insert(name) {
            continue;
        }
        let Some(layer) = model.layer(name) else {
            bail!("layer '{name}' is not in the config");
        };
        todo.extend(layer.inputs.iter().map(|i| i.input_layer_name.as_str()));
    }
    let mut out = model.clone();
    out.layers.retain(|l| keep.contains(l.name.as_str()));
    out.input_layer_names.retain(|n| keep.contains(n.as_str()));
    out.output_layer_names = targets.to_vec();
    out.evaluators.clear();
    Ok(out)
}
