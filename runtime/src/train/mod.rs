//! Training: passes, optimizers, schedules, evaluators, logs, checkpoints.

pub mod checkpoint;
pub mod error;
pub mod evaluators;
pub mod format;
pub mod lr_schedule;
pub mod optimizer;

pub use error::TrainError;
