//! `--job=checkgrad`: every trainable parameter's analytic gradient against central finite
//! differences, in float64, on a small random batch.
//!
//! The loss must be a deterministic function of the parameters, so the torch RNG is reseeded
//! before every forward pass: dropout draws the same mask each time.

use std::collections::HashMap;

use paddlers::graph::ModelConfig;
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
}

impl Default for CheckgradOptions {
    fn default() -> Self {
        CheckgradOptions {
            eps: 1e-5,
            tolerance: 1e-4,
            batch_size: 3,
            max_elements: 64,
            seed: 1,
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

/// |a - n| relative to the larger magnitude; a floor keeps two near-zero gradients from
/// producing a large ratio out of rounding noise.
pub fn rel_diff(analytic: f64, numeric: f64) -> f64 {
    let scale = analytic.abs().max(numeric.abs()).max(1e-6);
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
    loss()?.backward();
    let mut out = Vec::new();
    for (name, p) in params {
        let size = p.numel();
        let grad = p.grad();
        let grad: Vec<f64> = if grad.defined() {
            Vec::<f64>::try_from(&grad.to_device(Device::Cpu).to_kind(Kind::Double).view([-1]))?
        } else {
            vec![0.0; size]
        };
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
            let d = rel_diff(grad[i], numeric);
            if d > check.max_rel_diff || check.checked > 0 && i == elements[0] {
                if d >= check.max_rel_diff {
                    check.max_rel_diff = d;
                    check.worst = i;
                    check.analytic = grad[i];
                    check.numeric = numeric;
                }
            }
        }
        out.push(check);
    }
    Ok(out)
}

/// How each data layer must be fed: dense values, or ids below a bound.
fn feed_kinds(model: &ModelConfig) -> HashMap<String, i64> {
    let mut ids = HashMap::new();
    let size_of = |name: &str| model.layer(name).map_or(1, |l| l.size() as i64);
    for l in &model.layers {
        let input = |k: usize| l.inputs.get(k).map(|i| i.input_layer_name.clone());
        match l.r#type.as_str() {
            "multi-class-cross-entropy" | "multi_class_cross_entropy_with_selfnorm" => {
                if let (Some(out), Some(label)) = (input(0), input(1)) {
                    ids.insert(label, size_of(&out));
                }
            }
            "huber_classification" | "huber" => {
                if let Some(label) = input(1) {
                    ids.insert(label, 2);
                }
            }
            "multiplex" => {
                if let Some(index) = input(0) {
                    ids.insert(index, l.inputs.len() as i64 - 1);
                }
            }
            "mixed" => {
                for i in &l.inputs {
                    if i.proj_conf.as_ref().is_some_and(|p| p.r#type == "table") {
                        ids.insert(i.input_layer_name.clone(), size_of(&i.input_layer_name));
                    }
                }
            }
            _ => {}
        }
    }
    ids
}

/// A random batch for every data layer: ids where a layer consumes ids, otherwise values
/// uniform in [0.1, 1) (positive, so log, sqrt and power layers are defined).
pub fn random_feed(net: &Network, rows: i64, seed: u64) -> Feed {
    let ids = feed_kinds(net.model());
    let kind = net.params().kind();
    let device = net.device();
    let mut feed = Feed::new();
    for (name, size) in net.data_layers() {
        let mut rng = InitRng::for_parameter(seed, name);
        let arg = match ids.get(name) {
            Some(&bound) => {
                let v: Vec<i64> = (0..rows)
                    .map(|_| (rng.next_u64() % bound.max(1) as u64) as i64)
                    .collect();
                Arg::ids(Tensor::from_slice(&v).to_device(device))
            }
            None => {
                let v: Vec<f64> = (0..rows * size)
                    .map(|_| 0.1 + 0.9 * rng.uniform())
                    .collect();
                Arg::dense(
                    Tensor::from_slice(&v)
                        .view([rows, size])
                        .to_kind(kind)
                        .to_device(device),
                )
            }
        };
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
    let loss = || -> Result<Tensor> {
        tch::manual_seed(torch_seed);
        net.forward(&feed, Mode::Train)?
            .loss
            .ok_or_else(|| RuntimeError::BadLayer {
                layer: net.model().output_layer_names.join(","),
                layer_type: "outputs".into(),
                msg: "checkgrad needs a cost layer, and the network has none".into(),
            })
    };
    let params: Vec<(String, Tensor)> = net
        .params()
        .trainable()
        .map(|p| (p.name().to_string(), p.value.shallow_clone()))
        .collect();
    check_tensors(&params, &loss, opts)
}
