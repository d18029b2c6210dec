//! `--job=checkgrad`: every trainable parameter's analytic gradient against central finite
//! differences, in float64, on a small random batch.
//!
//! The loss must be a deterministic function of the parameters, so the torch RNG is reseeded
//! before every forward pass: dropout draws the same mask each time.

use std::collections::HashMap;

use paddlers_graph::ModelConfig;
use tch::{Device, Kind, Tensor};

use super::arg::{Arg, Feed};
use super::error::{Result, RuntimeError};
use super::init::InitRng;
use super::network::{Mode, Network};

#[derive(Clone, Debug)]
pub struct CheckgradOptions {
    /// Finite-difference step.
    pub eps: f64,
    /// Largest relative difference accepted.
    pub tolerance: f64,
    /// Rows in the random batch.
    pub batch_size: i64,
    /// At most this many elements per parameter are perturbed (chosen at random).
    pub max_elements: usize,
    pub seed: u64,
    /// Also check the gradients of the dense data inputs (named `input:<layer>`), which
    /// covers layers without parameters.
    pub check_inputs: bool,
}

impl Default for CheckgradOptions {
    fn default() -> Self {
        CheckgradOptions {
            eps: 1e-5,
            tolerance: 1e-4,
            batch_size: 3,
            max_elements: 64,
            seed: 1,
            check_inputs: true,
        }
    }
}

/// The result for one parameter.
#[derive(Clone, Debug)]
pub struct ParamCheck {
    pub name: String,
    pub size: usize,
    pub checked: usize,
    pub max_rel_diff: f64,
    /// Element with the largest difference, and both gradients there.
    pub worst: usize,
    pub analytic: f64,
    pub numeric: f64,
}

impl ParamCheck {
    /// A Paddle-style log line.
    pub fn line(&self, eps: f64) -> String {
        format!(
            "para={} size={} checked={} step={eps:e} max_rel_diff={:.3e} at={} analytic={:.9e} numeric={:.9e}",
            self.name, self.size, self.checked, self.max_rel_diff, self.worst, self.analytic, self.numeric
        )
    }
}

/// |a - n| relative to the larger magnitude; `floor` keeps two near-zero gradients from
/// producing a large ratio out of rounding noise.
pub fn rel_diff(analytic: f64, numeric: f64, floor: f64) -> f64 {
    let scale = analytic.abs().max(numeric.abs()).max(floor);
    (analytic - numeric).abs() / scale
}

/// Compares the gradients of `loss` with respect to each tensor in `params` (float64 leaves
/// that require grad) with central differences. `loss` must be deterministic.
pub fn check_tensors(
    params: &[(String, Tensor)],
    loss: &dyn Fn() -> Result<Tensor>,
    opts: &CheckgradOptions,
) -> Result<Vec<ParamCheck>> {
    for (_, p) in params {
        let mut g = p.grad();
        if g.defined() {
            let _ = g.zero_();
        }
    }
    if params.is_empty() {
        return Ok(Vec::new());
    }
    let l = loss()?;
    if !l.requires_grad() {
        return Err(RuntimeError::BadParameter {
            name: params[0].0.clone(),
            msg: "the cost does not depend on any trainable parameter".into(),
        });
    }
    l.backward();
    let mut grads = Vec::with_capacity(params.len());
    for (_, p) in params {
        let size = p.numel();
        let grad = p.grad();
        grads.push(if grad.defined() {
            Vec::<f64>::try_from(&grad.to_device(Device::Cpu).to_kind(Kind::Double).view([-1]))?
        } else {
            vec![0.0; size]
        });
    }
    // Gradients far below the largest one are judged against it: their finite differences
    // are dominated by rounding in the loss, not by the gradient.
    let gmax = grads.iter().flatten().fold(0.0f64, |m, g| m.max(g.abs()));
    let floor = (gmax * 1e-3).max(1e-9);
    let mut out = Vec::new();
    for ((name, p), grad) in params.iter().zip(&grads) {
        let size = p.numel();
        let mut rng = InitRng::for_parameter(opts.seed, name);
        let elements: Vec<usize> = if size <= opts.max_elements {
            (0..size).collect()
        } else {
            (0..opts.max_elements)
                .map(|_| (rng.next_u64() % size as u64) as usize)
                .collect()
        };
        let flat = p.detach().view([-1]);
        let mut check = ParamCheck {
            name: name.clone(),
            size,
            checked: elements.len(),
            max_rel_diff: 0.0,
            worst: 0,
            analytic: 0.0,
            numeric: 0.0,
        };
        for &i in &elements {
            let cell = flat.get(i as i64);
            let orig = cell.double_value(&[]);
            let at = |v: f64| -> Result<f64> {
                {
                    let _g = tch::no_grad_guard();
                    let _ = cell.shallow_clone().fill_(v);
                }
                let _g = tch::no_grad_guard();
                Ok(loss()?.double_value(&[]))
            };
            let plus = at(orig + opts.eps)?;
            let minus = at(orig - opts.eps)?;
            {
                let _g = tch::no_grad_guard();
                let _ = cell.shallow_clone().fill_(orig);
            }
            let numeric = (plus - minus) / (2.0 * opts.eps);
            let d = rel_diff(grad[i], numeric, floor);
            if d >= check.max_rel_diff {
                check.max_rel_diff = d;
                check.worst = i;
                check.analytic = grad[i];
                check.numeric = numeric;
            }
        }
        out.push(check);
    }
    Ok(out)
}

/// How each data layer must be fed.
#[derive(Clone, Copy, Debug, PartialEq)]
enum FeedKind {
    /// Integer ids below the bound.
    Ids(i64),
    /// Values in [0.1, 1): labels, weights, and the base of `power`.
    Positive,
    /// Values in [-1, 1).
    Signed,
    /// CTC label ids below `classes`, never the blank, and no id twice in a row within a
    /// sequence (so a label always fits its input's steps).
    CtcLabel { classes: i64, blank: i64 },
    /// Index rows for seq_slice / sub_nested_seq: index 0, then -1 (end of the list), one row
    /// per sub-sequence (`per_sequence` false) or per sequence.
    SelectFirst { per_sequence: bool },
}

fn feed_kinds(model: &ModelConfig) -> HashMap<String, FeedKind> {
    let mut kinds = HashMap::new();
    let size_of = |name: &str| model.layer(name).map_or(1, |l| l.size() as i64);
    for l in &model.layers {
        let input = |k: usize| l.inputs.get(k).map(|i| i.input_layer_name.clone());
        let mut mark = |k: usize, kind: FeedKind| {
            if let Some(name) = input(k) {
                kinds.insert(name, kind);
            }
        };
        match l.r#type.as_str() {
            "multi-class-cross-entropy" | "multi_class_cross_entropy_with_selfnorm" => {
                let classes = input(0).map_or(1, |o| size_of(&o));
                mark(1, FeedKind::Ids(classes));
                mark(2, FeedKind::Positive);
            }
            "hsigmoid" => {
                if let Some(label) = l.inputs.last() {
                    let classes = i64::from(l.num_classes.unwrap_or(2));
                    kinds.insert(label.input_layer_name.clone(), FeedKind::Ids(classes));
                }
            }
            "huber_classification" | "huber" => {
                mark(1, FeedKind::Ids(2));
                mark(2, FeedKind::Positive);
            }
            "soft_binary_class_cross_entropy" | "multi_binary_label_cross_entropy" => {
                mark(1, FeedKind::Positive);
                mark(2, FeedKind::Positive);
            }
            "square_error" | "huber_regression" | "smooth_l1" => mark(2, FeedKind::Positive),
            "rank-cost" => {
                mark(2, FeedKind::Positive);
                mark(3, FeedKind::Positive);
            }
            "crf" | "crf_decoding" => {
                let classes = input(0).map_or(1, |o| size_of(&o));
                mark(1, FeedKind::Ids(classes));
                mark(2, FeedKind::Positive);
            }
            "ctc" | "warp_ctc" => {
                let classes = if l.r#type == "ctc" {
                    input(0).map_or(2, |o| size_of(&o))
                } else {
                    l.size() as i64
                };
                let blank = if l.r#type == "ctc" {
                    classes - 1
                } else {
                    i64::from(l.blank.unwrap_or(0))
                };
                mark(1, FeedKind::CtcLabel { classes, blank });
            }
            "seq_slice" => {
                mark(
                    1,
                    FeedKind::SelectFirst {
                        per_sequence: false,
                    },
                );
                mark(
                    2,
                    FeedKind::SelectFirst {
                        per_sequence: false,
                    },
                );
            }
            "sub_nested_seq" => mark(1, FeedKind::SelectFirst { per_sequence: true }),
            "lambda_cost" => mark(1, FeedKind::Positive),
            "power" => mark(1, FeedKind::Positive),
            "sampling_id" => mark(0, FeedKind::Positive),
            "scale_sub_region" => mark(1, FeedKind::Positive),
            "multiplex" => mark(0, FeedKind::Ids(l.inputs.len() as i64 - 1)),
            "nce" => {
                // Scored inputs carry parameters; the label and an optional weight follow.
                let label = l
                    .inputs
                    .iter()
                    .take_while(|i| i.input_parameter_name.is_some());
                let label = label.count();
                mark(label, FeedKind::Ids(i64::from(l.num_classes.unwrap_or(1))));
                mark(label + 1, FeedKind::Positive);
            }
            "mixed" => {
                for i in &l.inputs {
                    if i.proj_conf.as_ref().is_some_and(|p| p.r#type == "table") {
                        let n = size_of(&i.input_layer_name);
                        kinds.insert(i.input_layer_name.clone(), FeedKind::Ids(n));
                    }
                }
            }
            _ => {}
        }
    }
    kinds
}

/// A random batch for every data layer: ids where a layer consumes ids, positive values for
/// labels, weights and powers, values in [-1, 1) otherwise. Dense values are leaves that
/// require grad, so input gradients can be checked too.
pub fn random_feed(net: &Network, rows: i64, seed: u64) -> Feed {
    let kinds = feed_kinds(net.model());
    let kind = net.params().kind();
    let device = net.device();
    let mut feed = Feed::new();
    for (name, size) in net.data_layers() {
        let mut rng = InitRng::for_parameter(seed, name);
        let arg = match kinds.get(name).copied().unwrap_or(FeedKind::Signed) {
            FeedKind::CtcLabel { classes, blank } => {
                let tokens: Vec<i64> = (0..classes).filter(|&c| c != blank).collect();
                let mut v: Vec<i64> = Vec::with_capacity(rows as usize);
                for r in 0..rows {
                    let mut id = tokens[(rng.next_u64() % tokens.len().max(1) as u64) as usize];
                    // Steps 2k and 2k+1 share a sequence: keep neighbours distinct.
                    if r % 2 == 1 && id == v[r as usize - 1] && tokens.len() > 1 {
                        let at = tokens.iter().position(|&t| t == id).unwrap_or(0);
                        id = tokens[(at + 1) % tokens.len()];
                    }
                    v.push(id);
                }
                Arg::ids(Tensor::from_slice(&v).to_device(device))
            }
            FeedKind::SelectFirst { per_sequence } => {
                let n = if per_sequence { (rows + 1) / 2 } else { rows };
                let v: Vec<f64> = (0..n * size)
                    .map(|i| if i % size == 0 { 0.0 } else { -1.0 })
                    .collect();
                Arg::dense(
                    Tensor::from_slice(&v)
                        .view([n, size])
                        .to_kind(kind)
                        .to_device(device),
                )
            }
            FeedKind::Ids(bound) => {
                let v: Vec<i64> = (0..rows)
                    .map(|_| (rng.next_u64() % bound.max(1) as u64) as i64)
                    .collect();
                Arg::ids(Tensor::from_slice(&v).to_device(device))
            }
            k => {
                let (lo, span) = if k == FeedKind::Positive {
                    (0.1, 0.9)
                } else {
                    (-1.0, 2.0)
                };
                let v: Vec<f64> = (0..rows * size)
                    .map(|_| lo + span * rng.uniform())
                    .collect();
                Arg::dense(
                    Tensor::from_slice(&v)
                        .view([rows, size])
                        .to_kind(kind)
                        .to_device(device)
                        .set_requires_grad(k == FeedKind::Signed),
                )
            }
        };
        // Every input is also a sequence batch (sequences of 2 steps, the last one shorter,
        // each step its own sub-sequence), for the layers that read sequence positions.
        let mut arg = arg;
        if matches!(kinds.get(name), Some(FeedKind::SelectFirst { .. })) {
            // Index rows are one per (sub-)sequence, not a sequence themselves.
            feed.insert(name.to_string(), arg);
            continue;
        }
        let mut starts: Vec<i64> = (0..rows).step_by(2).collect();
        starts.push(rows);
        arg.seq_starts = Some(starts);
        arg.subseq_starts = Some((0..=rows).collect());
        feed.insert(name.to_string(), arg);
    }
    feed
}

/// Builds `model` in float64 on the CPU and checks every trainable parameter.
pub fn check_model(model: &ModelConfig, opts: &CheckgradOptions) -> Result<Vec<ParamCheck>> {
    let net = Network::build_with_kind(model, Device::Cpu, Kind::Double, opts.seed)?;
    check_network(&net, opts)
}

pub fn check_network(net: &Network, opts: &CheckgradOptions) -> Result<Vec<ParamCheck>> {
    let feed = random_feed(net, opts.batch_size, opts.seed);
    let torch_seed = opts.seed as i64;
    let projections = output_projections(net, &feed, opts.seed)?;
    let loss = || -> Result<Tensor> {
        tch::manual_seed(torch_seed);
        let fwd = net.forward(&feed, Mode::Train)?;
        if let Some(l) = fwd.loss {
            return Ok(l);
        }
        let mut total: Option<Tensor> = None;
        for (name, r) in &projections {
            let v = fwd
                .output(name)
                .and_then(|a| a.value.as_ref())
                .ok_or_else(|| RuntimeError::NoSuchLayer(name.clone()))?;
            let term = (v * r).sum(Kind::Double);
            total = Some(match total {
                None => term,
                Some(t) => t + term,
            });
        }
        total.ok_or_else(|| RuntimeError::BadLayer {
            layer: net.model().output_layer_names.join(","),
            layer_type: "outputs".into(),
            msg: "checkgrad needs a cost layer or a dense output layer".into(),
        })
    };
    let mut params: Vec<(String, Tensor)> = net
        .params()
        .trainable()
        .map(|p| (p.name().to_string(), p.value.shallow_clone()))
        .collect();
    if opts.check_inputs {
        for (name, _) in net.data_layers() {
            if let Some(v) = feed[name].value.as_ref().filter(|v| v.requires_grad()) {
                params.push((format!("input:{name}"), v.shallow_clone()));
            }
        }
    }
    check_tensors(&params, &loss, opts)
}

/// For a network without cost layers: a fixed random weight per dense output layer, so
/// sum(output * weight) stands in for the cost.
fn output_projections(net: &Network, feed: &Feed, seed: u64) -> Result<Vec<(String, Tensor)>> {
    let _g = tch::no_grad_guard();
    tch::manual_seed(seed as i64);
    let fwd = net.forward(feed, Mode::Train)?;
    let mut out = Vec::new();
    if fwd.loss.is_some() {
        return Ok(out);
    }
    for name in &net.model().output_layer_names {
        if let Some(v) = fwd.output(name).and_then(|a| a.value.as_ref()) {
            let mut rng = InitRng::for_parameter(seed ^ 0x5eed, name);
            let vals: Vec<f64> = (0..v.numel()).map(|_| rng.normal()).collect();
            let r = Tensor::from_slice(&vals)
                .view(v.size().as_slice())
                .to_kind(v.kind())
                .to_device(v.device());
            out.push((name.clone(), r));
        }
    }
    Ok(out)
}

/// Largest relative difference `--job=checkgrad` accepts. Correct layers measure below 1e-6
/// in float64 with the default step; a wrong gradient is off by far more.
pub const TOLERANCE: f64 = 1e-4;
