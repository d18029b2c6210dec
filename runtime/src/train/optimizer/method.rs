//! The per-element update rules of `paddle/math/TrainingAlgorithmOp.cu` and
//! `BaseMatrix::sgdUpdate`, on tch tensors. Every rule keeps Paddle's order of operations, so
//! the float32 results match Paddle's step for step.

use std::collections::BTreeMap;

use paddlers_graph::OptimizationConfig;
use tch::Tensor;

use crate::train::error::TrainError;

/// `settings(learning_method=...)`, with its hyper-parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// `MomentumOptimizer`: Paddle's momentum form `m = k*m - lr*(g + decay*w); w += m`.
    /// `torch` is `learning_method="torch_momentum"`: after the first batch the step is scaled
    /// by `1 - momentum`.
    Momentum {
        torch: bool,
    },
    Adagrad {
        epsilon: f64,
    },
    AdaDelta {
        rou: f64,
        epsilon: f64,
    },
    RmsProp {
        rou: f64,
        epsilon: f64,
    },
    DecayedAdagrad {
        rou: f64,
        epsilon: f64,
    },
    Adam {
        beta1: f64,
        beta2: f64,
        epsilon: f64,
    },
    Adamax {
        beta1: f64,
        beta2: f64,
    },
}

/// Paddle's buffer names (`PARAMETER_MOMENTUM`, ...), used as keys and in checkpoint files.
pub const MOMENTUM: &str = "momentum";
pub const SECOND_MOMENTUM: &str = "second_momentum";
pub const SQUARESUM: &str = "gradient_squaresum";
pub const SQUARESUM1: &str = "gradient_squaresum1";
pub const LEARNING_RATE: &str = "learning_rate";
pub const WEIGHTED_INFINITY_NORM: &str = "weighted_infinity_norm";

/// The per-parameter state of one rule.
pub type Buffers = BTreeMap<&'static str, Tensor>;

/// Scalars a rule needs for one batch.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// The global learning rate times the parameter's `learning_rate`.
    pub lr: f64,
    pub momentum: f64,
    /// L2 decay folded into the update (0 when a regularizer applies it afterwards).
    pub decay: f64,
    /// Paddle's `firstTime_` / `timer_ == 0`: the first batch of training.
    pub first_time: bool,
    /// Adam's and Adamax's step, from 1.
    pub step: i64,
}

impl Method {
    pub fn from_config(opt: &OptimizationConfig) -> Result<Method, TrainError> {
        let f = |v: Option<paddlers_graph::Real>, d: f64| v.map_or(d, |r| r.as_f64());
        let epsilon = f(opt.ada_epsilon, 1e-6);
        let rou = f(opt.ada_rou, 0.95);
        let method = opt.learning_method.as_deref().unwrap_or("momentum");
        Ok(match method {
            "momentum" => Method::Momentum { torch: false },
            "torch_momentum" => Method::Momentum { torch: true },
            "adagrad" => Method::Adagrad { epsilon },
            "adadelta" => Method::AdaDelta { rou, epsilon },
            "rmsprop" => Method::RmsProp { rou, epsilon },
            "decayed_adagrad" => Method::DecayedAdagrad { rou, epsilon },
            "adam" => Method::Adam {
                beta1: f(opt.adam_beta1, 0.9),
                beta2: f(opt.adam_beta2, 0.999),
                epsilon: f(opt.adam_epsilon, 1e-8),
            },
            "adamax" => Method::Adamax {
                beta1: f(opt.adam_beta1, 0.9),
                beta2: f(opt.adam_beta2, 0.999),
            },
            "sparse_momentum" => {
                return Err(TrainError::Config(
                    "learning_method 'sparse_momentum' is for sparse (remote) updates, which \
                     paddlers does not train; use MomentumOptimizer(sparse=False)"
                        .into(),
                ))
            }
            other => {
                return Err(TrainError::Config(format!(
                    "unknown learning_method '{other}' (Paddle's are momentum, torch_momentum, \
                     adagrad, adadelta, rmsprop, decayed_adagrad, adam and adamax)"
                )))
            }
        })
    }

    /// Paddle's optimizer name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Momentum { torch: false } => "momentum",
            Method::Momentum { torch: true } => "torch_momentum",
            Method::Adagrad { .. } => "adagrad",
            Method::AdaDelta { .. } => "adadelta",
            Method::RmsProp { .. } => "rmsprop",
            Method::DecayedAdagrad { .. } => "decayed_adagrad",
            Method::Adam { .. } => "adam",
            Method::Adamax { .. } => "adamax",
        }
    }

    /// The buffers the rule keeps per parameter (Paddle's `addParameterType` calls).
    pub fn buffer_names(&self) -> &'static [&'static str] {
        match self {
            Method::Momentum { .. } => &[MOMENTUM],
            Method::Adagrad { .. } | Method::AdaDelta { .. } | Method::RmsProp { .. } => {
                &[MOMENTUM, SQUARESUM, SQUARESUM1, LEARNING_RATE]
            }
            Method::DecayedAdagrad { .. } => &[MOMENTUM, SQUARESUM, LEARNING_RATE],
            Method::Adam { .. } => &[MOMENTUM, SECOND_MOMENTUM],
            Method::Adamax { .. } => &[MOMENTUM, WEIGHTED_INFINITY_NORM],
        }
    }

    /// Whether the rule keeps a per-element learning rate, which L1/L2 regularization then
    /// multiplies in (Paddle's `L1LrRegularizer`, `L2LrRegularizer`).
    pub fn has_learning_rate_buffer(&self) -> bool {
        self.buffer_names().contains(&LEARNING_RATE)
    }

    /// Whether `settings(learning_rate_schedule=...)` reaches this rule. Paddle's Adagrad, Adam
    /// and Adamax never call `calcLearningRate`: they use `learning_rate` as given.
    pub fn follows_schedule(&self) -> bool {
        !matches!(
            self,
            Method::Adagrad { .. } | Method::Adam { .. } | Method::Adamax { .. }
        )
    }

    pub fn new_buffers(&self, value: &Tensor) -> Buffers {
        self.buffer_names()
            .iter()
            .map(|&n| (n, value.zeros_like()))
            .collect()
    }

    /// One update of `value` from the batch's summed gradient `grad`.
    pub fn update(&self, value: &mut Tensor, grad: &Tensor, bufs: &mut Buffers, s: Step) {
        let _guard = tch::no_grad_guard();
        match *self {
            Method::Momentum { torch } => {
                let lr = if torch && !s.first_time {
                    s.lr * (1.0 - s.momentum)
                } else {
                    s.lr
                };
                let mom = buf(bufs, MOMENTUM);
                momentum_step(value, grad, mom, None, lr, s.momentum, s.decay);
            }
            Method::Adagrad { epsilon } => {
                let [accum_buffer, mut accum] = take(bufs, [SQUARESUM, SQUARESUM1]);
                let _ = accum.g_add_(&grad.square());
                let lr_vec = (&accum_buffer + &accum + epsilon).sqrt().reciprocal();
                put(bufs, [(SQUARESUM, accum_buffer), (SQUARESUM1, accum)]);
                finish_adaptive(value, grad, bufs, lr_vec, s);
            }
            Method::AdaDelta { rou, epsilon } => {
                let [accum, accum_update] = take(bufs, [SQUARESUM, SQUARESUM1]);
                let accum = &accum * rou + grad.square() * (1.0 - rou);
                let lr_vec = ((&accum_update + epsilon) / (&accum + epsilon)).sqrt();
                let accum_update = &accum_update * rou + (grad * &lr_vec).square() * (1.0 - rou);
                put(bufs, [(SQUARESUM, accum), (SQUARESUM1, accum_update)]);
                finish_adaptive(value, grad, bufs, lr_vec, s);
            }
            Method::RmsProp { rou, epsilon } => {
                let [g, f] = take(bufs, [SQUARESUM, SQUARESUM1]);
                // The first estimate of E(g^2) is the square itself, so it does not start tiny.
                let new_weight = if s.first_time { 1.0 } else { 1.0 - rou };
                let g = &g * rou + grad.square() * new_weight;
                let f = &f * rou + grad * (1.0 - rou);
                let lr_vec = (&g - f.square() + epsilon).sqrt().reciprocal();
                put(bufs, [(SQUARESUM, g), (SQUARESUM1, f)]);
                finish_adaptive(value, grad, bufs, lr_vec, s);
            }
            Method::DecayedAdagrad { rou, epsilon } => {
                let [accum] = take(bufs, [SQUARESUM]);
                let new_weight = if s.first_time { 1.0 } else { 1.0 - rou };
                let accum = &accum * rou + grad.square() * new_weight;
                let lr_vec = (&accum + epsilon).sqrt().reciprocal();
                put(bufs, [(SQUARESUM, accum)]);
                finish_adaptive(value, grad, bufs, lr_vec, s);
            }
            Method::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                // Paddle keeps the betas and alpha as float32 `real`s.
                let beta1_power = real_pow(beta1, s.step);
                let beta2_power = real_pow(beta2, s.step);
                let alpha = (s.lr as f32) * (1.0 - beta2_power).sqrt() / (1.0 - beta1_power);
                let alpha = f64::from(alpha);
                let [m, v] = take(bufs, [MOMENTUM, SECOND_MOMENTUM]);
                let m = &m * beta1 + grad * (1.0 - beta1);
                let v = &v * beta2 + grad.square() * (1.0 - beta2);
                let delta = (&m * alpha) / (v.sqrt() + epsilon);
                let _ = value.g_sub_(&delta);
                put(bufs, [(MOMENTUM, m), (SECOND_MOMENTUM, v)]);
            }
            Method::Adamax { beta1, beta2 } => {
                let [m, u] = take(bufs, [MOMENTUM, WEIGHTED_INFINITY_NORM]);
                let m = &m * beta1 + grad * (1.0 - beta1);
                let u = (&u * beta2).maximum(&grad.abs());
                let scale = f64::from((s.lr as f32) / (1.0 - real_pow(beta1, s.step)));
                let _ = value.g_sub_(&((&m / &u) * scale));
                put(bufs, [(MOMENTUM, m), (WEIGHTED_INFINITY_NORM, u)]);
            }
        }
    }
}

/// `mom = k*mom - lr*[lr_vec]*(g + decay*w); w += mom` (`sgdUpdate`, and the last two lines of
/// every adaptive rule).
fn momentum_step(
    value: &mut Tensor,
    grad: &Tensor,
    mom: &mut Tensor,
    lr_vec: Option<&Tensor>,
    lr: f64,
    momentum: f64,
    decay: f64,
) {
    let direction = if decay != 0.0 {
        grad + &*value * decay
    } else {
        grad.shallow_clone()
    };
    let step = match lr_vec {
        Some(v) => direction * v * lr,
        None => direction * lr,
    };
    let new_mom = &*mom * momentum - step;
    mom.copy_(&new_mom);
    let _ = value.g_add_(mom);
}

fn finish_adaptive(value: &mut Tensor, grad: &Tensor, bufs: &mut Buffers, lr_vec: Tensor, s: Step) {
    let mut lr_buf = bufs
        .remove(LEARNING_RATE)
        .expect("adaptive rules keep a learning_rate buffer");
    lr_buf.copy_(&lr_vec);
    momentum_step(
        value,
        grad,
        buf(bufs, MOMENTUM),
        Some(&lr_buf),
        s.lr,
        s.momentum,
        s.decay,
    );
    bufs.insert(LEARNING_RATE, lr_buf);
}

fn buf<'a>(bufs: &'a mut Buffers, name: &'static str) -> &'a mut Tensor {
    bufs.get_mut(name)
        .unwrap_or_else(|| panic!("optimizer buffer {name} was created with the parameter"))
}

fn take<const N: usize>(bufs: &mut Buffers, names: [&'static str; N]) -> [Tensor; N] {
    names.map(|n| {
        bufs.remove(n)
            .unwrap_or_else(|| panic!("optimizer buffer {n} was created with the parameter"))
    })
}

/// `std::pow(real, int64_t)` as Paddle evaluates it: in double, from a float base, rounded
/// back to float.
fn real_pow(base: f64, step: i64) -> f32 {
    f64::from(base as f32).powf(step as f64) as f32
}

fn put<const N: usize>(bufs: &mut Buffers, items: [(&'static str, Tensor); N]) {
    for (name, value) in items {
        bufs.insert(name, value);
    }
}
