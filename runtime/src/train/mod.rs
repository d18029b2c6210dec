//! Training: passes, optimizers, schedules, evaluators, logs, checkpoints.

pub mod checkpoint;
pub mod data_source;
pub mod error;
pub mod evaluators;
pub mod format;
pub mod interrupt;
pub mod lr_schedule;
pub mod metrics;
pub mod optimizer;
pub mod progress;
pub mod replicas;
pub mod stats;

pub use error::TrainError;
