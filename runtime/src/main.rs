//! `paddlers-runtime`: the commands that compute. The `paddlers` front end parses the same
//! command line for `--help` and validation, then execs this binary.

use std::process::ExitCode;

use paddlers::cli::args::Job;
use paddlers::cli::{self, Command};
use paddlers_runtime::train;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let parsed = match cli::parse_from(argv) {
        Ok(p) => p,
        Err(e) => e.exit(),
    };
    cli::logging::init(parsed.log_level, parsed.verbose);
    // Before any tch::Cuda call, so the CUDA backend registers where it exists.
    paddlers_runtime::cuda::load_cuda_backend();
    // Checked before any config is read, so a missing GPU is the first and only complaint.
    if parsed.command.device().is_some_and(|d| d.use_gpu) {
        if let Err(e) = paddlers_runtime::cuda::require_gpu() {
            eprintln!("{}", cli::render_error(&e));
            return ExitCode::from(1);
        }
    }
    let result: anyhow::Result<()> = match &parsed.command {
        Command::Version => {
            print!("{}", paddlers_runtime::version::report());
            Ok(())
        }
        Command::Train(args) if args.job == Job::Checkgrad => {
            paddlers_runtime::runtime::checkgrad::run(args)
        }
        Command::Train(args) => train::run::run(args, args.job),
        Command::Test(args) => train::run::run(args, Job::Test),
        Command::Predict(args) => paddlers_runtime::predict::predict(args),
        Command::Extract(args) => paddlers_runtime::predict::extract(args),
        Command::DumpConfig(_) | Command::Data(_) | Command::Plot(_) | Command::Completions(_) => {
            Err(anyhow::anyhow!(
                "this command needs no libtorch: run it through `paddlers`"
            ))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", cli::render_error(&e));
            ExitCode::from(1)
        }
    }
}
