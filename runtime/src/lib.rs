//! paddlers-runtime: the libtorch half of paddlers.
//!
//! - [`cuda`]: loading libtorch_cuda.so when it exists, and device discovery,
//! - [`runtime`]: lowering the layer graph to tch, one module per layer family, and the
//!   parameter store keyed by Paddle's parameter names,
//! - [`train`]: the pass/batch loop, optimizers, lr schedules, evaluators, logs, checkpoints.

pub mod cuda;
pub mod predict;
pub mod predict_graph;
pub mod predict_mean;
pub mod runtime;
pub mod train;
pub mod version;
