//! Test support shared by the paddlers crates.
//!
//! [`golden`] is the one place that decides whether a test compares its output with a file in
//! the repository or rewrites that file: only when `PADDLERS_REGENERATE=1`, so a stray
//! `PADDLERS_REGENERATE=0` (or an empty value) never rewrites goldens by accident.

pub mod golden;

/// Whether this run is CI's (`CI=true`, as CI sets it, or `CI=1`). CI always lays Paddle's
/// corpus beside the clone, so a test that would skip without it fails there instead.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}
