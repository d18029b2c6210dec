//! `settings()` turned into parameter updates, with Paddle's exact rules.
//!
//! For each parameter Paddle composes, outermost first: the model averager, the L1/L2
//! regularizer (only when the parameter has L1 decay; plain L2 is folded into the rule), the
//! gradient clipper, and the learning method (`OptimizerWithRegularizer::create`,
//! `AverageOptimizer::create`). Paddle's local dense updater rejects L1 decay and skips
//! clipping; paddlers applies both as Paddle's thread and parameter-server updaters do.
//!
//! The batch's gradient is the SUM over its samples (Paddle's cost layers back-propagate 1 per
//! sample), and `learning_rate` applies to that sum. This is why the tutorial writes
//! `learning_rate=0.1/128`: 0.1 per batch of 128.

mod average;
mod method;

use std::collections::BTreeMap;

use paddlers_graph::{OptimizationConfig, ParameterConfig};
use serde::{Deserialize, Serialize};
use tch::Tensor;

use average::AverageBuffers;
pub use average::AverageWindow;
pub use method::{Buffers, Method, Step};

use super::error::TrainError;
use super::lr_schedule::LrSchedule;

/// Paddle's per-parameter settings (`ParamAttr`), resolved against the global ones.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamHyper {
    pub learning_rate: f64,
    pub momentum: f64,
    pub decay_rate: f64,
    pub decay_rate_l1: f64,
    /// The parameter's gradient_clipping_threshold, else the global one; 0: no clipping.
    pub clip_threshold: f64,
}

/// Counters that advance with training, saved with checkpoints so a resumed run continues
/// the schedule (and the first-batch rules) where it stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    /// Samples of all passes so far, including the current batch once it started.
    pub num_samples_processed: i64,
    /// Passes finished (Paddle's `pass_`).
    pub pass: i64,
    /// Batches finished since training began: Paddle's `timer_`; `step_` is this plus one.
    pub batches: i64,
    pub average: Option<AverageWindow>,
}

struct Slot {
    hyper: ParamHyper,
    bufs: Option<Buffers>,
    average: Option<AverageBuffers>,
}

pub struct Optimizer {
    method: Method,
    schedule: LrSchedule,
    base_lr: f64,
    /// Paddle's `learningRate_`, set by `start_batch`.
    lr: f64,
    counters: Counters,
    slots: BTreeMap<String, Slot>,
    last_segment: Option<usize>,
}

impl Optimizer {
    /// An optimizer for the trainable (non-static) parameters among `params`.
    pub fn new(opt: &OptimizationConfig, params: &[ParameterConfig]) -> Result<Self, TrainError> {
        let method = Method::from_config(opt)?;
        let schedule = LrSchedule::from_config(opt)?;
        let global_clip = opt.gradient_clipping_threshold.map_or(0.0, |r| r.as_f64());
        let mut slots = BTreeMap::new();
        for p in params.iter().filter(|p| !p.is_static()) {
            let hyper = ParamHyper {
                learning_rate: p.learning_rate(),
                momentum: p.momentum(),
                decay_rate: p.decay_rate(),
                decay_rate_l1: p.decay_rate_l1(),
                clip_threshold: match p.gradient_clipping_threshold() {
                    local if local > 0.0 => local,
                    _ => global_clip,
                },
            };
            if hyper.decay_rate_l1 > 0.0 && hyper.momentum != 0.0 {
                return Err(TrainError::Config(format!(
                    "parameter {}: Paddle cannot use momentum ({}) together with L1 decay \
                     (decay_rate_l1={}); set momentum=0 for it",
                    p.name, hyper.momentum, hyper.decay_rate_l1
                )));
            }
            if p.num_batches_regularization.unwrap_or(1) > 1 {
                return Err(TrainError::Config(format!(
                    "parameter {}: num_batches_regularization > 1 (regularizing every few \
                     batches) is not supported",
                    p.name
                )));
            }
            slots.insert(
                p.name.clone(),
                Slot {
                    hyper,
                    bufs: None,
                    average: None,
                },
            );
        }
        let average_window = opt.average_window.map_or(0.0, |r| r.as_f64());
        let average = (average_window > 0.0)
            .then(|| AverageWindow::new(average_window, opt.max_average_window));
        let base_lr = opt.learning_rate.as_f64();
        Ok(Optimizer {
            method,
            schedule,
            base_lr,
            lr: base_lr,
            counters: Counters {
                num_samples_processed: 0,
                pass: 0,
                batches: 0,
                average,
            },
            slots,
            last_segment: None,
        })
    }

    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The global learning rate of the current batch (before per-parameter scaling).
    pub fn learning_rate(&self) -> f64 {
        self.lr
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    pub fn is_trainable(&self, name: &str) -> bool {
        self.slots.contains_key(name)
    }

    pub fn hyper(&self, name: &str) -> Option<&ParamHyper> {
        self.slots.get(name).map(|s| &s.hyper)
    }

    /// Names of the parameters this optimizer updates, in name order.
    pub fn parameter_names(&self) -> impl Iterator<Item = &str> {
        self.slots.keys().map(String::as_str)
    }

    pub fn start_pass(&mut self) {}

    /// Resuming without saved counters (a Paddle-made checkpoint): at least `pass_manual`
    /// schedules see the right pass; the sample count starts from 0 as in Paddle.
    pub fn set_pass(&mut self, pass: i64) {
        self.counters.pass = pass;
    }

    /// Before a batch of `batch_size` samples: Paddle counts the batch's samples first, then
    /// computes the schedule, so the first batch already sees `n = batch_size`.
    pub fn start_batch(&mut self, batch_size: i64) {
        self.counters.num_samples_processed += batch_size;
        let n = self.counters.num_samples_processed;
        let pass = self.counters.pass;
        if self.method.follows_schedule() {
            self.lr = self.schedule.learning_rate(self.base_lr, n, pass);
            let segment = self.schedule.segment(n, pass);
            if segment.is_some() && self.last_segment.is_some() && segment != self.last_segment {
                tracing::info!(
                    " learning_rate changes to {}",
                    crate::train::format::g(self.lr)
                );
            }
            self.last_segment = segment;
        }
        if let Some(avg) = &mut self.counters.average {
            avg.start_batch();
        }
    }

    /// Updates one parameter from its summed gradient. `grad` may be clipped in place.
    pub fn update(&mut self, name: &str, value: &Tensor, grad: &Tensor) -> Result<(), TrainError> {
        let Some(slot) = self.slots.get_mut(name) else {
            return Err(TrainError::Network(format!(
                "the optimizer has no parameter named {name} (a static parameter cannot be updated)"
            )));
        };
        let _guard = tch::no_grad_guard();
        let mut value = value.shallow_clone();
        let h = &slot.hyper;
        let grad = if h.clip_threshold > 0.0 {
            let max_abs = grad.abs().max().double_value(&[]);
            if max_abs > h.clip_threshold {
                grad.clamp(-h.clip_threshold, h.clip_threshold)
            } else {
                grad.shallow_clone()
            }
        } else {
            grad.shallow_clone()
        };
        let bufs = slot
            .bufs
            .get_or_insert_with(|| self.method.new_buffers(&value));
        let regularize_after = h.decay_rate_l1 > 0.0;
        let step = Step {
            lr: self.lr * h.learning_rate,
            momentum: h.momentum,
            decay: if regularize_after { 0.0 } else { h.decay_rate },
            first_time: self.counters.batches == 0,
            step: self.counters.batches + 1,
        };
        self.method.update(&mut value, &grad, bufs, step);
        if regularize_after {
            let lr_vec = self
                .method
                .has_learning_rate_buffer()
                .then(|| bufs[method::LEARNING_RATE].shallow_clone());
            regularize(
                &mut value,
                lr_vec.as_ref(),
                step.lr,
                h.decay_rate_l1,
                h.decay_rate,
            );
        }
        if let Some(avg) = &self.counters.average {
            let a = slot
                .average
                .get_or_insert_with(|| AverageBuffers::new(&value));
            avg.accumulate(a, &value);
        }
        if let Method::Adagrad { .. } = self.method {
            // Paddle folds the running sum into a second buffer every 16384 updates, against
            // float32 precision loss.
            if (self.counters.batches + 1) % 16384 == 0 {
                let mut folded = bufs.remove(method::SQUARESUM).expect("adagrad buffer");
                let mut recent = bufs.remove(method::SQUARESUM1).expect("adagrad buffer");
                let _ = folded.g_add_(&recent);
                let _ = recent.zero_();
                bufs.insert(method::SQUARESUM, folded);
                bufs.insert(method::SQUARESUM1, recent);
            }
        }
        Ok(())
    }

    pub fn finish_batch(&mut self) {
        self.counters.batches += 1;
        if let Some(avg) = &mut self.counters.average {
            avg.finish_batch();
        }
    }

    pub fn finish_pass(&mut self) {
        self.counters.pass += 1;
        if let Some(avg) = &mut self.counters.average {
            avg.finish_pass();
        }
    }

    /// Swaps in the model average (before testing and saving, as Paddle does). No-op without
    /// `model_average`.
    pub fn apply_average(&mut self, name: &str, value: &Tensor) {
        if let (Some(avg), Some(slot)) = (&self.counters.average, self.slots.get_mut(name)) {
            if let Some(bufs) = &mut slot.average {
                avg.apply(bufs, value);
            }
        }
    }

    /// Puts back the trained value after `apply_average`.
    pub fn restore_average(&mut self, name: &str, value: &Tensor) {
        if let (Some(avg), Some(slot)) = (&self.counters.average, self.slots.get_mut(name)) {
            if let Some(bufs) = &mut slot.average {
                avg.restore(bufs, value);
            }
        }
    }

    pub fn has_average(&self) -> bool {
        self.counters.average.is_some()
    }

    /// Every state tensor, as (`<parameter>.<buffer>`, tensor), for checkpoints.
    pub fn state_tensors(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        for (name, slot) in &self.slots {
            if let Some(bufs) = &slot.bufs {
                for (b, t) in bufs {
                    out.push((format!("{name}.{b}"), t.shallow_clone()));
                }
            }
            if let Some(a) = &slot.average {
                for (b, t) in a.named() {
                    out.push((format!("{name}.{b}"), t.shallow_clone()));
                }
            }
        }
        out
    }

    /// Restores counters and state saved by [`Optimizer::state_tensors`]. `load(parameter,
    /// buffer)` returns the saved tensor (shaped like the parameter, on its device), or None
    /// when the checkpoint has none (the parameter was never updated).
    pub fn restore_state(
        &mut self,
        counters: Counters,
        mut load: impl FnMut(&str, &str) -> Result<Option<Tensor>, TrainError>,
    ) -> Result<(), TrainError> {
        if counters.average.is_some() != self.counters.average.is_some() {
            return Err(TrainError::Config(
                "the saved optimizer state and this config disagree on model_average".into(),
            ));
        }
        self.counters = counters;
        let (n, pass) = (self.counters.num_samples_processed, self.counters.pass);
        if self.method.follows_schedule() {
            self.lr = self.schedule.learning_rate(self.base_lr, n, pass);
        }
        self.last_segment = self.schedule.segment(n, pass);
        let names = self.method.buffer_names();
        for (name, slot) in self.slots.iter_mut() {
            let mut bufs = Buffers::new();
            for &b in names {
                if let Some(t) = load(name, b)? {
                    bufs.insert(b, t);
                }
            }
            slot.bufs = match bufs.len() {
                0 => None,
                n if n == names.len() => Some(bufs),
                _ => {
                    return Err(TrainError::Config(format!(
                        "the saved optimizer state of {name} is incomplete for {}",
                        self.method.name()
                    )))
                }
            };
            slot.average = None;
            if self.counters.average.is_some() {
                let mut sums = Vec::new();
                for b in AverageBuffers::NAMES {
                    sums.extend(load(name, b)?);
                }
                slot.average = AverageBuffers::from_sums(sums);
            }
        }
        Ok(())
    }
}

/// Paddle's L1 (soft threshold) then L2 (shrink) after the rule's own update, each scaled by
/// the per-element learning rate when the rule keeps one.
fn regularize(value: &mut Tensor, lr_vec: Option<&Tensor>, lr: f64, l1: f64, l2: f64) {
    let _guard = tch::no_grad_guard();
    if l1 > 0.0 {
        let lambda = match lr_vec {
            Some(v) => v * (lr * l1),
            None => value.ones_like() * (lr * l1),
        };
        let shrunk = value.sign() * (value.abs() - lambda).relu();
        value.copy_(&shrunk);
    }
    if l2 > 0.0 {
        let factor = match lr_vec {
            Some(v) => (v * (lr * l2) + 1.0).reciprocal(),
            None => value.ones_like() * (1.0 / (1.0 + lr * l2)),
        };
        let _ = value.g_mul_(&factor);
    }
}

#[cfg(test)]
mod tests;
