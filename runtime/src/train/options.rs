//! The trainer's settings: Paddle's flags (`paddle/trainer/Trainer.cpp`, `TrainerMain.cpp`,
//! `paddle/utils/Flags.cpp`) resolved against the config, and checked.

use std::path::PathBuf;

use paddlers::cli::args::TrainArgs;
use paddlers::graph::TrainerConfig;

use super::error::TrainError;

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
}

/// Paddle's default when neither `--save_dir` nor the config names one.
pub const DEFAULT_SAVE_DIR: &str = "./output/model";

impl TrainOptions {
    /// Flags win over the config's `save_dir`, `init_model_path` and `start_pass`, as
    /// `TrainerConfigHelper::updateConfigFromFlags` does.
    pub fn from_args(args: &TrainArgs, config: &TrainerConfig) -> Result<TrainOptions, TrainError> {
        let positive = |v: i32, flag: &str| -> Result<i64, TrainError> {
            if v <= 0 {
                return Err(TrainError::Flag(format!(
                    "--{flag}={v}: must be at least 1"
                )));
            }
            Ok(i64::from(v))
        };
        let non_negative = |v: i32, flag: &str| -> Result<i64, TrainError> {
            if v < 0 {
                return Err(TrainError::Flag(format!(
                    "--{flag}={v}: must not be negative"
                )));
            }
            Ok(i64::from(v))
        };
        let d = &args.device;
        if d.gpu_id < 0 {
            return Err(TrainError::Flag(format!(
                "--gpu_id={}: must not be negative",
                d.gpu_id
            )));
        }
        if d.seed < 0 {
            return Err(TrainError::Flag(format!(
                "--seed={}: must not be negative",
                d.seed
            )));
        }
        let save_dir = match (&args.save_dir, &config.save_dir) {
            (flag, _) if !flag.is_empty() => PathBuf::from(flag),
            (_, Some(c)) if !c.is_empty() => PathBuf::from(c),
            _ => PathBuf::from(DEFAULT_SAVE_DIR),
        };
        let init_model_path = match (&args.init_model_path, &config.init_model_path) {
            (flag, _) if !flag.is_empty() => Some(PathBuf::from(flag)),
            (_, Some(c)) if !c.is_empty() => Some(PathBuf::from(c)),
            _ => None,
        };
        let start_pass = if args.start_pass != 0 {
            non_negative(args.start_pass, "start_pass")?
        } else {
            i64::from(config.start_pass.unwrap_or(0).max(0))
        };
        if args.test_all_data_in_one_period {
            tracing::warn!(
                "--test_all_data_in_one_period was deprecated, since we will always do test \
                 on all test set"
            );
        }
        if !args.local {
            tracing::warn!("--local=false: paddlers has no parameter server; training locally");
        }
        Ok(TrainOptions {
            config_path: Some(args.config.clone()),
            use_gpu: d.use_gpu,
            gpu_id: i64::from(d.gpu_id),
            trainer_count: positive(d.trainer_count, "trainer_count")? as usize,
            seed: d.seed as u64,
            num_passes: positive(args.num_passes, "num_passes")?,
            start_pass,
            init_model_path,
            save_dir,
            saving_period: positive(args.saving_period, "saving_period")?,
            save_only_one: args.save_only_one,
            log_period: positive(args.log_period, "log_period")?,
            dot_period: non_negative(args.dot_period, "dot_period")?,
            test_period: non_negative(args.test_period, "test_period")?,
            show_parameter_stats_period: non_negative(
                args.show_parameter_stats_period,
                "show_parameter_stats_period",
            )?,
            progress_bar: true,
        })
    }

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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paddlers::cli::{parse_from, Command};

    fn args(extra: &[&str]) -> TrainArgs {
        let mut argv = vec!["paddlers", "train", "--config=net.cfg"];
        argv.extend_from_slice(extra);
        match parse_from(argv.into_iter().map(String::from).collect())
            .unwrap()
            .command
        {
            Command::Train(a) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn paddle_defaults() {
        let o = TrainOptions::from_args(&args(&[]), &TrainerConfig::default()).unwrap();
        assert_eq!(o.save_dir, PathBuf::from("./output/model"));
        assert_eq!(
            (
                o.num_passes,
                o.log_period,
                o.dot_period,
                o.saving_period,
                o.test_period
            ),
            (100, 100, 1, 1, 0)
        );
        assert_eq!((o.trainer_count, o.seed, o.start_pass), (1, 1, 0));
        assert_eq!(o.init_model_path, None);
    }

    #[test]
    fn flags_win_over_the_config() {
        let config = TrainerConfig {
            save_dir: Some("cfg_dir".into()),
            init_model_path: Some("cfg_model".into()),
            start_pass: Some(4),
            ..Default::default()
        };
        let o = TrainOptions::from_args(&args(&[]), &config).unwrap();
        assert_eq!(o.save_dir, PathBuf::from("cfg_dir"));
        assert_eq!(o.init_model_path, Some(PathBuf::from("cfg_model")));
        assert_eq!(o.start_pass, 4);
        let o = TrainOptions::from_args(
            &args(&["--save_dir=out", "--init_model_path=m", "--start_pass=2"]),
            &config,
        )
        .unwrap();
        assert_eq!(o.save_dir, PathBuf::from("out"));
        assert_eq!(o.init_model_path, Some(PathBuf::from("m")));
        assert_eq!(o.start_pass, 2);
    }

    #[test]
    fn impossible_values_are_flag_errors() {
        let c = TrainerConfig::default();
        for (flag, msg) in [
            ("--log_period=0", "--log_period=0: must be at least 1"),
            (
                "--saving_period=-1",
                "--saving_period=-1: must be at least 1",
            ),
            ("--num_passes=-3", "--num_passes=-3: must be at least 1"),
            // Paddle trains nothing and exits 0 without a word.
            ("--num_passes=0", "--num_passes=0: must be at least 1"),
            ("--dot_period=-1", "--dot_period=-1: must not be negative"),
            ("--gpu_id=-1", "--gpu_id=-1: must not be negative"),
        ] {
            let e = TrainOptions::from_args(&args(&[flag]), &c).unwrap_err();
            assert_eq!(e.to_string(), msg);
        }
    }
}
