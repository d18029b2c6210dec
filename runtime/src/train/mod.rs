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
pub mod options;
pub mod progress;
pub mod replicas;
pub mod run;
pub mod stats;
pub mod trainer;

pub use error::TrainError;
