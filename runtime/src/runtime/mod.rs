//! Lowering the layer graph (`paddlers_graph::ModelConfig`) to libtorch.
//!
//! # API for the trainer
//!
//! ```text
//! use paddlers_runtime::runtime::{Network, Mode, feed_from_batch};
//! // Build: parameters initialized as Paddle does, seeded (--seed).
//! let mut net = Network::build(&trainer_config.model_config, device, seed)?;
//! // Feed: data layer name -> Arg (dense [rows, size] values and/or int64 ids [rows]).
//! let feed = feed_from_batch(&batch, net.device(), tch::Kind::Float)?;
//! // Forward: Mode::Train (batch statistics, dropout masks) or Mode::Test (no_grad).
//! let fwd = net.forward(&feed, Mode::Train)?;
//! fwd.loss.as_ref().unwrap().backward();         // sum of costs, each times its coeff
//! let reported = fwd.cost.unwrap().double_value(&[]); // Paddle's AvgCost numerator
//! let probs = fwd.output("__fc_layer_2__").unwrap().value.as_ref(); // for evaluators
//! // Parameters, by Paddle name, flat in Paddle's layout:
//! for p in net.params().trainable() { p.config /* ParameterConfig */; p.value; p.grad(); }
//! net.params().zero_grad();
//! net.params_mut().set_values_f32("___fc_layer_0__.w0", &values)?; // checkpoint load
//! let v = net.params().values_f32("___fc_layer_0__.w0")?;           // checkpoint save
//! // Replicas for trainer_count / another device:
//! let replica = net.replica(tch::Device::Cuda(1))?;
//! replica.params().copy_values_from(net.params())?;
//! ```
//!
//! The loss is a sum over samples, not a mean: Paddle's learning rates assume that (its
//! configs divide by the batch size themselves). Static parameters (batch-norm moving
//! statistics) are updated by the forward pass in training mode and skipped by `trainable()`.
//!
//! Layout: [`params`] (the store), [`init`] (Paddle's initialization), [`activation`],
//! [`layers`] (one module per layer family), [`network`] (wiring, activation, dropout,
//! costs), [`checkgrad`] (`--job=checkgrad`).

pub mod activation;
pub mod arg;
pub mod checkgrad;
pub mod error;
pub mod fold;
pub mod init;
pub mod layers;
pub mod layout;
pub mod network;
pub mod params;

pub use arg::{feed_from_batch, Arg, Feed};
pub use error::{Result, RuntimeError};
pub use network::{Forward, Mode, Network};
pub use params::{ParamStore, Parameter};
