//! `paddlers-runtime`: the commands that compute. The `paddlers` front end parses the same
//! command line for `--help` and validation, then execs this binary; here each command is
//! validated once (`commands::validate`) and then run.

mod cluster;
mod commands;

use std::process::ExitCode;

use paddlers::cli;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let parsed = match cli::parse_from(argv) {
        Ok(p) => p,
        Err(e) => e.exit(),
    };
    cli::logging::init(parsed.log_level, parsed.verbose);
    cli::panic::install(parsed.verbose);
    cli::panic::run_main(parsed.verbose, || run(&parsed))
}

fn run(parsed: &cli::Cli) -> ExitCode {
    // Before any tch::Cuda call, so the CUDA backend registers where it exists.
    paddlers_runtime::cuda::load_cuda_backend();
    let result = commands::validate(&parsed.command).and_then(commands::run);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", cli::render_error(&e));
            ExitCode::from(1)
        }
    }
}
