//! `paddlers`: the front end. It links no libtorch, so `--help`, `dump_config` and `data` start
//! in milliseconds; commands that compute are handed to `paddlers-runtime`, as git and cargo
//! hand off their subcommands.

use std::process::ExitCode;

use paddlers::cli::{self, Command};

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let parsed = match cli::parse_from(argv.clone()) {
        Ok(p) => p,
        // clap prints help/version to stdout with exit 0 and usage errors to stderr with exit 2.
        Err(e) => e.exit(),
    };
    cli::logging::init(parsed.log_level, parsed.verbose);
    cli::panic::install(parsed.verbose);
    cli::panic::run_main(parsed.verbose, || run(&parsed, &argv))
}

fn run(parsed: &cli::Cli, argv: &[String]) -> ExitCode {
    if parsed.command.needs_libtorch() {
        return cli::handoff::exec_runtime(&argv[1..]);
    }
    if let Command::Launch(a) = &parsed.command {
        let Some(runtime) = cli::handoff::runtime_path() else {
            return cli::handoff::exec_runtime(&argv[1..]);
        };
        return match cli::launch::run(a, &runtime) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("{}", cli::render_error(&e));
                ExitCode::from(1)
            }
        };
    }
    let result = match &parsed.command {
        Command::DumpConfig(a) => cli::dump_config::run(a),
        Command::Data(a) => cli::data::run(a),
        Command::Plot(a) => cli::plot::run(a),
        Command::Completions(a) => cli::completions::run(a),
        _ => unreachable!("every other command needs libtorch"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", cli::render_error(&e));
            ExitCode::from(1)
        }
    }
}
