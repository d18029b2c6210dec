//! `paddlers train` and `paddlers test` (`paddle train --job=train|test`): parse the config,
//! resolve the flags, and run the job.

use std::io::IsTerminal;

use paddlers::cli::args::{Job, TrainArgs};
use paddlers::graph::TrainerConfig;

use super::error::TrainError;
use super::options::TrainOptions;
use super::trainer::Trainer;

/// Parses `--config` with `--config_args`, as Paddle's config parser would.
pub fn load_config(args: &TrainArgs) -> anyhow::Result<TrainerConfig> {
    check_config_file(&args.config)?;
    let mut config = paddlers::helpers::parse_config(&args.config, &args.config_args)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    config.config_file = Some(args.config.display().to_string());
    Ok(config)
}

/// `--config` must name a file: a directory (a model folder) and a missing path are told apart.
pub fn check_config_file(path: &std::path::Path) -> anyhow::Result<()> {
    if path.is_dir() {
        anyhow::bail!(
            "--config={}: is a directory; name the config file in it (e.g. {}/trainer_config.py)",
            path.display(),
            path.display()
        );
    }
    if !path.is_file() {
        anyhow::bail!("--config={}: no such file", path.display());
    }
    Ok(())
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

/// Runs `job` (train, or test; the `test` subcommand passes `Job::Test`).
pub fn run(args: &TrainArgs, job: Job) -> anyhow::Result<()> {
    keep_freed_memory();
    if args.device.use_gpu {
        // Before reading the config, so a machine without a GPU is told at once.
        crate::cuda::require_gpu()?;
    }
    let config = load_config(args)?;
    let mut opts = TrainOptions::from_args(args, &config)?;
    opts.progress_bar = std::io::stderr().is_terminal();
    match job {
        Job::Train => {
            let mut trainer = Trainer::new(config, opts)?;
            trainer.train()?;
        }
        Job::Test => {
            let mut trainer = Trainer::new(config, opts)?;
            trainer.test_job()?;
        }
        Job::Checkgrad => {
            return Err(TrainError::Flag(
                "--job=checkgrad is run by the runtime's gradient checker; this build \
                 does not dispatch it here"
                    .into(),
            )
            .into())
        }
    }
    Ok(())
}
