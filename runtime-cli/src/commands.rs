//! Every command's raw arguments become one validated options struct here, once, before any
//! work starts (as ripgrep turns its low-level flags into a high-level config). This is the
//! only place that parses a config or reads a clap struct on the runtime side: the runtime
//! library takes a `TrainerConfig` and plain options.

use std::io::IsTerminal;
use std::path::PathBuf;

use paddlers::cli::args::{DeviceArgs, Job, PredictArgs, TrainArgs};
use paddlers::cli::Command;
use paddlers_graph::TrainerConfig;
use paddlers_runtime::predict::{ExtractOptions, PredictOptions};
use paddlers_runtime::runtime::checkgrad::{self, CheckgradOptions};
use paddlers_runtime::train::options::{TrainOptions, DEFAULT_SAVE_DIR};
use paddlers_runtime::train::trainer::Trainer;
use paddlers_runtime::train::TrainError;

/// A command ready to run: its config parsed, its flags checked.
pub enum Validated {
    Version,
    Train(TrainerConfig, TrainOptions),
    Test(TrainerConfig, TrainOptions),
    Checkgrad(TrainerConfig, CheckgradOptions),
    Predict(TrainerConfig, PredictOptions),
    Extract(TrainerConfig, ExtractOptions),
}

/// Device flags, checked the same way for every command that computes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Device {
    pub use_gpu: bool,
    pub gpu_id: usize,
    pub trainer_count: usize,
    pub seed: u64,
}

fn flag_error(msg: String) -> anyhow::Error {
    TrainError::Flag(msg).into()
}

/// Checks the device flags; with `--use_gpu=true`, also that a GPU is usable, before any
/// config is read, so a machine without one is told that first and only.
pub fn device(d: &DeviceArgs) -> anyhow::Result<Device> {
    if d.gpu_id < 0 {
        return Err(flag_error(format!(
            "--gpu_id={}: must not be negative",
            d.gpu_id
        )));
    }
    if d.seed < 0 {
        return Err(flag_error(format!(
            "--seed={}: must not be negative",
            d.seed
        )));
    }
    if d.trainer_count < 1 {
        return Err(flag_error(format!(
            "--trainer_count={}: must be at least 1",
            d.trainer_count
        )));
    }
    if d.use_gpu {
        paddlers_runtime::cuda::require_gpu()?;
    }
    Ok(Device {
        use_gpu: d.use_gpu,
        gpu_id: d.gpu_id as usize,
        trainer_count: d.trainer_count as usize,
        seed: d.seed as u64,
    })
}

/// Parses `config` with `config_args`, as Paddle's config parser would; the config's `random`
/// starts from `seed` (the trainer's `--seed`).
pub fn load_config(
    config: &std::path::Path,
    config_args: &str,
    seed: u64,
) -> anyhow::Result<TrainerConfig> {
    if config.is_dir() {
        anyhow::bail!(
            "--config={}: is a directory, not a config file",
            config.display()
        );
    }
    if !config.is_file() {
        anyhow::bail!("--config={}: no such file", config.display());
    }
    let mut parsed = paddlers::helpers::parse_config_seeded(config, config_args, seed)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    parsed.config_file = Some(config.display().to_string());
    Ok(parsed)
}

/// Turns the parsed command line into a [`Validated`] command.
pub fn validate(command: &Command) -> anyhow::Result<Validated> {
    Ok(match command {
        Command::Version => Validated::Version,
        Command::Train(args) => train_like(args, args.job)?,
        Command::Test(args) => train_like(args, Job::Test)?,
        Command::Predict(args) => {
            let (config, opts) = predict_options(args)?;
            Validated::Predict(config, opts)
        }
        Command::Extract(args) => {
            let (config, predict) = predict_options(&args.predict)?;
            let opts = ExtractOptions {
                predict,
                layer: args.layer.clone(),
                output: args.output.clone(),
            };
            Validated::Extract(config, opts)
        }
        Command::DumpConfig(_)
        | Command::Data(_)
        | Command::Plot(_)
        | Command::Completions(_)
        | Command::Launch(_) => {
            anyhow::bail!("this command needs no libtorch: run it through `paddlers`")
        }
    })
}

fn train_like(args: &TrainArgs, job: Job) -> anyhow::Result<Validated> {
    let dev = device(&args.device)?;
    let config = load_config(&args.config, &args.config_args, dev.seed)?;
    Ok(match job {
        Job::Train => {
            let opts = train_options(args, dev, &config)?;
            Validated::Train(config, opts)
        }
        Job::Test => {
            let opts = train_options(args, dev, &config)?;
            Validated::Test(config, opts)
        }
        Job::Checkgrad => {
            let opts = CheckgradOptions {
                eps: args.checkgrad_eps,
                tolerance: checkgrad::TOLERANCE,
                seed: dev.seed,
                ..Default::default()
            };
            Validated::Checkgrad(config, opts)
        }
    })
}

/// Flags win over the config's `save_dir`, `init_model_path` and `start_pass`, as
/// `TrainerConfigHelper::updateConfigFromFlags` does.
pub fn train_options(
    args: &TrainArgs,
    dev: Device,
    config: &TrainerConfig,
) -> anyhow::Result<TrainOptions> {
    let positive = |v: i32, flag: &str| -> anyhow::Result<i64> {
        if v <= 0 {
            return Err(flag_error(format!("--{flag}={v}: must be at least 1")));
        }
        Ok(i64::from(v))
    };
    let non_negative = |v: i32, flag: &str| -> anyhow::Result<i64> {
        if v < 0 {
            return Err(flag_error(format!("--{flag}={v}: must not be negative")));
        }
        Ok(i64::from(v))
    };
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
        use_gpu: dev.use_gpu,
        gpu_id: dev.gpu_id as i64,
        trainer_count: dev.trainer_count,
        seed: dev.seed,
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
        progress_bar: std::io::stderr().is_terminal(),
        cluster: crate::cluster::resolve(&args.cluster, &|k| std::env::var(k).ok())?,
    })
}

fn predict_options(args: &PredictArgs) -> anyhow::Result<(TrainerConfig, PredictOptions)> {
    let dev = device(&args.device)?;
    let config_args = if args.config_args.is_empty() {
        "is_predict=1".to_string()
    } else {
        format!("{},is_predict=1", args.config_args)
    };
    // The same --seed as training, so a config that draws random numbers builds the graph
    // the model was trained with.
    let config = load_config(&args.config, &config_args, dev.seed)?;
    // The mean training subtracted: --mean, or the data source's mean_path as training read
    // it, found from the config's directory (never silently from the working directory).
    let training = load_config(&args.config, &args.config_args, dev.seed);
    let mean = paddlers_runtime::predict_mean::resolve(
        args.mean.as_deref(),
        &args.config,
        training.as_ref(),
    )?;
    let opts = PredictOptions {
        config_path: args.config.clone(),
        model: args.model.clone(),
        data: args.data.clone(),
        mean,
        output_layer: args.output_layer.clone(),
        use_gpu: dev.use_gpu,
        gpu_id: dev.gpu_id,
        seed: dev.seed,
    };
    Ok((config, opts))
}

/// Keeps freed tensor memory in the process: glibc otherwise hands every large buffer back to
/// the kernel when it is freed, and each batch then pays page faults to get it again.
fn keep_freed_memory() {
    // SAFETY: mallopt only adjusts allocator parameters; it is called before any threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

/// Runs a validated command.
pub fn run(command: Validated) -> anyhow::Result<()> {
    match command {
        Validated::Version => {
            print!("{}", paddlers_runtime::version::report());
        }
        Validated::Train(config, opts) => {
            keep_freed_memory();
            Trainer::new(config, opts)?.train()?;
        }
        Validated::Test(config, opts) => {
            keep_freed_memory();
            Trainer::new(config, opts)?.test_job()?;
        }
        Validated::Checkgrad(config, opts) => run_checkgrad(&config, &opts)?,
        Validated::Predict(config, opts) => paddlers_runtime::predict::predict(config, &opts)?,
        Validated::Extract(config, opts) => paddlers_runtime::predict::extract(config, &opts)?,
    }
    Ok(())
}

/// `paddlers train --job=checkgrad`: one line per parameter (and per dense input); fails when
/// any exceeds the tolerance.
fn run_checkgrad(config: &TrainerConfig, opts: &CheckgradOptions) -> anyhow::Result<()> {
    let checks = checkgrad::check_model(&config.model_config, opts)?;
    let mut failed = Vec::new();
    for c in &checks {
        println!("{}", c.line(opts.eps));
        if c.max_rel_diff > opts.tolerance || !c.max_rel_diff.is_finite() {
            failed.push(c.name.clone());
        }
    }
    if failed.is_empty() {
        println!(
            "checkgrad passed: {} tensors, largest relative difference below {:e}",
            checks.len(),
            opts.tolerance
        );
        Ok(())
    } else {
        anyhow::bail!(
            "checkgrad failed: the gradient of {} differs from finite differences by more than {:e}",
            failed.join(", "),
            opts.tolerance
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paddlers::cli::parse_from;

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

    fn options(extra: &[&str], config: &TrainerConfig) -> anyhow::Result<TrainOptions> {
        let a = args(extra);
        train_options(&a, device(&a.device)?, config)
    }

    #[test]
    fn paddle_defaults() {
        let o = options(&[], &TrainerConfig::default()).unwrap();
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
        let o = options(&[], &config).unwrap();
        assert_eq!(o.save_dir, PathBuf::from("cfg_dir"));
        assert_eq!(o.init_model_path, Some(PathBuf::from("cfg_model")));
        assert_eq!(o.start_pass, 4);
        let o = options(
            &["--save_dir=out", "--init_model_path=m", "--start_pass=2"],
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
            ("--seed=-1", "--seed=-1: must not be negative"),
        ] {
            let e = options(&[flag], &c).unwrap_err();
            assert_eq!(e.to_string(), msg);
        }
    }

    /// The device flags are checked by one function for every command, so predict and
    /// checkgrad refuse a negative seed as train does instead of clamping it.
    #[test]
    fn every_command_checks_the_device_flags_alike() {
        for cmd in ["train", "test", "predict", "extract"] {
            let mut argv = vec!["paddlers", cmd, "--config=net.cfg", "--seed=-1"];
            if matches!(cmd, "predict" | "extract") {
                argv.extend(["--model=m", "--data=x.png"]);
            }
            let parsed = parse_from(argv.into_iter().map(String::from).collect()).unwrap();
            let e = validate(&parsed.command).err().expect("refused");
            assert_eq!(e.to_string(), "--seed=-1: must not be negative", "{cmd}");
        }
    }
}
