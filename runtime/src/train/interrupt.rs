//! Ctrl-C: the first one lets the current batch finish and stops training cleanly (every saved
//! pass directory is whole, since saves are atomic); a second one kills at once.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    REQUESTED.store(true, Ordering::SeqCst);
    // SAFETY: restoring the default disposition is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
    }
}

/// Installs the handler (idempotent).
pub fn install() {
    // SAFETY: the handler only stores to an atomic and resets the disposition.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
}

pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}
