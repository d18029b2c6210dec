//! Test support shared by the paddlers crates.
//!
//! [`golden`] is the one place that decides whether a test compares its output with a file in
//! the repository or rewrites that file: only when `PADDLERS_REGENERATE=1`, so a stray
//! `PADDLERS_REGENERATE=0` (or an empty value) never rewrites goldens by accident.

pub mod golden;
