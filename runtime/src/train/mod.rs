//! Training: `paddlers train` and `paddlers test`, as `paddle train` does them.
//!
//! - [`run`]: the command (`run::run(&TrainArgs, Job)`), config parsing and flag resolution
//!   ([`options`]),
//! - [`trainer`]: the pass and batch loop, testing, saving and loading (`Trainer`),
//! - [`replicas`]: `--trainer_count` copies of the network and the gradient sum,
//! - [`process_group`]: the sum over processes (c10d Gloo, feature `distributed`),
//! - [`optimizer`] and [`lr_schedule`]: Paddle's update rules, regularization, clipping, model
//!   averaging and learning-rate schedules,
//! - [`evaluators`], [`stats`], [`format`]: Paddle's evaluators and log lines,
//! - [`checkpoint`]: `save_dir/pass-%05d` in Paddle's parameter format, written atomically,
//! - [`preflight`]: what is checked before the first batch,
//! - [`data_source`]: the config's data sources as providers,
//! - [`progress`], [`metrics`], [`interrupt`]: the progress bar and dots, metrics.csv and
//!   curves.png, Ctrl-C and SIGTERM.
//!
//! For other commands: `checkpoint::load_params(dir, &[(name, size)])` reads a pass directory
//! (with errors naming the file), and `checkpoint::read_param_file` / `write_param_file` one
//! parameter file.

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
pub mod preflight;
pub mod process_group;
pub mod progress;
pub mod replicas;
pub mod stats;
pub mod trainer;

pub use error::TrainError;
