//! The sandbox's memory bound. Steps and depth bound time and stack; this bounds the heap:
//! `[[0] * 1000 for i in range(10**7)]` must end with a located MemoryError, not with the
//! allocator aborting the process at several gigabytes.
//!
//! Counting every value's bytes would cost on every allocation; instead the process's
//! resident size is sampled every `SAMPLE_EVERY` steps and compared with its size when the
//! interpreter was made. Between two samples a config can grow by at most what that many
//! steps allocate, and one collection is already capped by `Limits::max_collection`.
//! Where /proc is absent (not Linux), only those other limits apply.

use super::EvalError;

pub(crate) const SAMPLE_EVERY: u64 = 1024;

/// The process's resident set size in bytes, from /proc/self/statm.
pub(crate) fn resident_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = text.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

pub(crate) fn check(base: Option<u64>, max_growth: u64) -> Result<(), EvalError> {
    let (Some(base), Some(now)) = (base, resident_bytes()) else {
        return Ok(());
    };
    let grown = now.saturating_sub(base);
    if grown > max_growth {
        return Err(EvalError::limit(
            "MemoryError",
            format!(
                "the config holds too much memory: {} MiB more than when it started (the limit is {} MiB)",
                grown >> 20,
                max_growth >> 20
            ),
        ));
    }
    Ok(())
}
