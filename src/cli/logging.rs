//! Logging to stderr through tracing, in glog's line format, so a paddlers log reads like a
//! Paddle log: `I1128 17:37:34.123456  4242 trainer.rs:119]  Batch=300 samples=38400 ...`.
//! Paddle's own lines (Batch, Pass, Test) go through this at info level, so
//! `--log_level=warn` silences them as glog's `--minloglevel` would.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
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
        .with_ansi(false)
        .event_format(Glog)
        .try_init();
}

/// glog's prefix: severity letter, `mmdd hh:mm:ss.uuuuuu`, the thread id (the process id: our
/// log lines come from the main thread) right-aligned in 5 columns, `file:line]`, a space.
/// Times are UTC where glog used local time.
struct Glog;

impl<S, N> FormatEvent<S, N> for Glog
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let file = meta
            .file()
            .map(|f| f.rsplit('/').next().unwrap_or(f))
            .unwrap_or("paddlers");
        write!(
            writer,
            "{}{} {:>5} {}:{}] ",
            severity(meta.level()),
            glog_time(now.as_secs(), now.subsec_micros()),
            std::process::id(),
            file,
            meta.line().unwrap_or(0)
        )?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

fn severity(level: &Level) -> char {
    match *level {
        Level::ERROR => 'E',
        Level::WARN => 'W',
        _ => 'I',
    }
}

/// `mmdd hh:mm:ss.uuuuuu` for seconds since the Unix epoch (UTC).
fn glog_time(secs: u64, micros: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (_, month, day) = civil_from_days(days);
    format!(
        "{month:02}{day:02} {:02}:{:02}:{:02}.{micros:06}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glog_times() {
        assert_eq!(glog_time(0, 0), "0101 00:00:00.000000");
        // 2026-11-28 17:37:34 UTC
        assert_eq!(glog_time(1_795_887_454, 123_456), "1128 17:37:34.123456");
        // A leap day: 2024-02-29 23:59:59 UTC
        assert_eq!(glog_time(1_709_251_199, 7), "0229 23:59:59.000007");
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn severities() {
        assert_eq!(severity(&Level::ERROR), 'E');
        assert_eq!(severity(&Level::WARN), 'W');
        assert_eq!(severity(&Level::INFO), 'I');
        assert_eq!(severity(&Level::DEBUG), 'I');
    }
}
