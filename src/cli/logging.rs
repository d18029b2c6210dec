//! Logging to stderr through tracing. Paddle's own log lines (Batch, Pass, Test) go through
//! this too, at info level, so `--log_level=warn` silences them as glog's `--v` would.

use tracing_subscriber::EnvFilter;

use super::args::LogLevel;

/// The effective level: `-v` and `-vv` raise it above --log_level.
pub fn level(log_level: LogLevel, verbose: u8) -> &'static str {
    match (verbose, log_level) {
        (0, LogLevel::Error) => "error",
        (0, LogLevel::Warn) => "warn",
        (0, LogLevel::Info) => "info",
        (0, LogLevel::Debug) | (1, _) => "debug",
        _ => "trace",
    }
}

/// Installs the stderr subscriber. `RUST_LOG` is deliberately not read: the config sandbox
/// promises no environment access, and the flags are the one way to set verbosity.
pub fn init(log_level: LogLevel, verbose: u8) {
    let filter = EnvFilter::new(level(log_level, verbose));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: redirected logs stay plain text for log parsers.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .without_time()
        .try_init();
}
