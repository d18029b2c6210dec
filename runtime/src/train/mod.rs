//! Training: passes, optimizers, schedules, evaluators, logs, checkpoints.
