//! The trainer's settings, already validated: the binary resolves Paddle's flags
//! (`paddle/trainer/Trainer.cpp`, `TrainerMain.cpp`, `paddle/utils/Flags.cpp`) against the
//! config and checks them (runtime-cli's `commands.rs`); the library takes them as they are.

use std::path::PathBuf;

use super::process_group::ClusterSpec;

#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// The config file, copied into every pass directory as Paddle does.
    pub config_path: Option<PathBuf>,
    pub use_gpu: bool,
    pub gpu_id: i64,
    pub trainer_count: usize,
    pub seed: u64,
    pub num_passes: i64,
    pub start_pass: i64,
    pub init_model_path: Option<PathBuf>,
    pub save_dir: PathBuf,
    pub saving_period: i64,
    pub save_only_one: bool,
    pub log_period: i64,
    pub dot_period: i64,
    pub test_period: i64,
    pub show_parameter_stats_period: i64,
    /// Draw the progress bar when stderr is a terminal.
    pub progress_bar: bool,
    /// This process's place among several (RANK, WORLD_SIZE, ...); None: one process.
    pub cluster: Option<ClusterSpec>,
}

/// Paddle's default when neither `--save_dir` nor the config names one.
pub const DEFAULT_SAVE_DIR: &str = "./output/model";

impl TrainOptions {
    /// Defaults for library use and tests: Paddle's flag defaults, CPU, no config file.
    pub fn new(save_dir: impl Into<PathBuf>) -> TrainOptions {
        TrainOptions {
            config_path: None,
            use_gpu: false,
            gpu_id: 0,
            trainer_count: 1,
            seed: 1,
            num_passes: 100,
            start_pass: 0,
            init_model_path: None,
            save_dir: save_dir.into(),
            saving_period: 1,
            save_only_one: false,
            log_period: 100,
            dot_period: 1,
            test_period: 0,
            show_parameter_stats_period: 0,
            progress_bar: true,
            cluster: None,
        }
    }
}
