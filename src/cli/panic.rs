//! What the user sees when paddlers itself is wrong: one line, exit code [`INTERNAL_ERROR`],
//! and where to report it, instead of Rust's panic text and libtorch's C++ stack (those only
//! with `-v`). A reader that goes away (`paddlers train | head`, a closed log pipe) ends the
//! process quietly, as it ends any Unix tool.

use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::Mutex;

/// sysexits' EX_SOFTWARE: an internal software error, distinct from our 1 (bad input) and
/// clap's 2 (bad usage), and from Rust's own 101.
pub const INTERNAL_ERROR: u8 = 70;

/// Where users report bugs.
pub const REPORT_TO: &str = "the paddlers issue tracker";

/// The last panic's message and location, for the one line printed when it reaches `main`.
static LAST: Mutex<Option<(String, String)>> = Mutex::new(None);

/// Installs the hook: writes to a closed pipe end the process (SIGPIPE, as in C programs),
/// and panics are recorded instead of printed (printed whole with `-v`). Panics that the
/// program catches and reports as errors (libtorch errors inside a layer) stay silent.
pub fn install(verbose: u8) {
    // SAFETY: restoring SIGPIPE's default disposition, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    panic::set_hook(Box::new(move |info| {
        let msg = payload_text(info.payload());
        if is_broken_pipe(&msg) {
            std::process::exit(0);
        }
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if verbose > 0 {
            let thread = std::thread::current();
            let name = thread.name().unwrap_or("<unnamed>");
            let _ = writeln!(
                std::io::stderr(),
                "thread '{name}' panicked at {at}:\n{msg}"
            );
        }
        if let Ok(mut last) = LAST.lock() {
            *last = Some((msg, at));
        }
    }));
}

fn payload_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "unknown panic".into()
    }
}

/// `print!`/`eprint!` panic with "failed printing to stdout: Broken pipe" when the reader
/// has gone.
fn is_broken_pipe(msg: &str) -> bool {
    msg.contains("failed printing to") && msg.contains("Broken pipe")
}

/// The one line for a panic that reached `main`: its first line only (libtorch appends its
/// C++ stack below), unless `-v` was given.
pub fn report_line(msg: &str, at: &str, verbose: u8) -> String {
    let first = msg.lines().next().unwrap_or("").trim();
    let detail = if verbose > 0 {
        String::new()
    } else {
        " (run with -v for the full message)".into()
    };
    format!(
        "error: internal error in paddlers: {first} [{at}]. This is a bug: please report it to \
         {REPORT_TO} with the command line{detail}"
    )
}

/// Set, it makes the command panic at once: how the fault-injection tests see what a user
/// would see of a bug.
pub const INJECT_ENV: &str = "PADDLERS_INJECT_PANIC";

/// Runs `main_body`; a panic that escapes it becomes [`report_line`] and [`INTERNAL_ERROR`].
pub fn run_main(verbose: u8, main_body: impl FnOnce() -> ExitCode) -> ExitCode {
    let body = || {
        if let Some(v) = std::env::var_os(INJECT_ENV) {
            panic!(
                "{} (set by {INJECT_ENV})\nException raised from a test\nframe #0: fake",
                v.to_string_lossy()
            );
        }
        main_body()
    };
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(code) => code,
        Err(payload) => {
            let (msg, at) = LAST
                .lock()
                .ok()
                .and_then(|mut l| l.take())
                .unwrap_or_else(|| (payload_text(payload.as_ref()), String::new()));
            let _ = writeln!(std::io::stderr(), "{}", report_line(&msg, &at, verbose));
            ExitCode::from(INTERNAL_ERROR)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_without_cpp_frames_unless_verbose() {
        let msg = "index 7 is out of bounds for dimension 1 with size 7\nException raised from \
                   gather at aten/src/ATen/native/Gather.cpp:42\nframe #0: c10::Error::Error";
        let line = report_line(msg, "runtime/src/x.rs:3", 0);
        assert_eq!(line.lines().count(), 1);
        assert!(line.contains("index 7 is out of bounds") && line.contains("please report"));
        assert!(!line.contains("frame #0") && line.contains("-v"));
        assert!(!report_line(msg, "", 1).contains("-v for"));
        assert!(is_broken_pipe(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
    }
}
