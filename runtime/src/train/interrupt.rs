//! Ctrl-C and SIGTERM: the first one lets the current batch finish and stops training cleanly
//! with a line naming the last good pass (every saved pass directory is whole, since saves are
//! atomic); a second one kills at once.

use std::sync::atomic::{AtomicI32, Ordering};

/// The signal that asked to stop, or 0.
static REQUESTED: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    REQUESTED.store(sig, Ordering::SeqCst);
    // SAFETY: restoring the default disposition is async-signal-safe.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
    }
}

/// Installs the handler for SIGINT and SIGTERM (idempotent).
pub fn install() {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic and resets the disposition.
        unsafe {
            libc::signal(
                sig,
                on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            );
        }
    }
}

pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst) != 0
}

/// How the stop was asked for, for the final line: "Ctrl-C" or "SIGTERM".
pub fn signal_name() -> &'static str {
    match REQUESTED.load(Ordering::SeqCst) {
        libc::SIGTERM => "SIGTERM",
        _ => "Ctrl-C",
    }
}

pub fn clear() {
    REQUESTED.store(0, Ordering::SeqCst);
}
