//! The provider interface the trainer uses, and PyDataProvider2's settings.

use crate::batch::Batch;
use crate::error::Result;
use crate::options::Options;
use crate::slots::Slot;

/// A source of batches, pass after pass.
///
/// ```text
/// for pass in 0.. {
///     provider.start_pass(batch_size)?;
///     while let Some(batch) = provider.next_batch()? { ... }
/// }
/// ```
pub trait DataProvider: Send {
    /// The slots of every batch, in batch order (the config's `input_order` when it was given).
    fn slots(&self) -> &[Slot];
    /// Starts a new pass (Paddle's `reset()`), abandoning what is left of the current one.
    /// Batches hold `batch_size` samples; the last batch of a pass may hold fewer.
    fn start_pass(&mut self, batch_size: usize) -> Result<()>;
    /// The next batch of the current pass, or `None` when the pass is over.
    fn next_batch(&mut self) -> Result<Option<Batch>>;
}

/// PyDataProvider2's `CacheType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheType {
    /// Every pass reads from disk.
    NoCache,
    /// The first pass reads from disk and keeps the samples; later passes come from memory.
    CachePassInMem,
}

/// The `@provider(...)` settings of PyDataProvider2 that concern order and memory.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSettings {
    pub should_shuffle: bool,
    /// Most samples read ahead into the shuffle pool (`pool_size`; None: unbounded in Paddle,
    /// here `DEFAULT_POOL_BATCHES` batches or `min_pool_size`, whichever is more).
    pub pool_size: Option<usize>,
    /// Fewest samples in the pool before a batch is drawn from it (`min_pool_size`).
    pub min_pool_size: Option<usize>,
    pub cache: CacheType,
    /// Batches the background thread prepares ahead of the trainer.
    pub prefetch: usize,
}

/// Pool size, in batches, when neither `pool_size` nor `min_pool_size` is set.
pub const DEFAULT_POOL_BATCHES: usize = 16;

impl PoolSettings {
    /// Reads `should_shuffle`, `pool_size`, `min_pool_size`, `cache` and `prefetch`, with
    /// PyDataProvider2's defaults (shuffle when training) unless the provider has its own
    /// default cache.
    pub fn from_options(o: &Options, is_train: bool, default_cache: CacheType) -> Result<Self> {
        let cache = match o.string("cache")? {
            None => default_cache,
            Some(s) => match s.trim_start_matches("CacheType.") {
                "NO_CACHE" => CacheType::NoCache,
                "CACHE_PASS_IN_MEM" => CacheType::CachePassInMem,
                other => {
                    return Err(crate::ProviderError::Option {
                        origin: "provider settings".into(),
                        key: "cache".into(),
                        msg: format!(
                            "unknown cache type {other:?}; use NO_CACHE or CACHE_PASS_IN_MEM"
                        ),
                    })
                }
            },
        };
        Ok(PoolSettings {
            should_shuffle: o.bool("should_shuffle")?.unwrap_or(is_train),
            pool_size: o.size("pool_size")?.filter(|&n| n > 0),
            min_pool_size: o.size("min_pool_size")?.filter(|&n| n > 0),
            cache,
            prefetch: o.positive("prefetch")?.unwrap_or(4),
        })
    }

    /// How many samples to hold in the pool before drawing a batch of `batch_size`.
    pub(crate) fn fill_target(&self, batch_size: usize) -> usize {
        if !self.should_shuffle {
            return batch_size;
        }
        let t = match (self.pool_size, self.min_pool_size) {
            (Some(p), _) => p,
            (None, Some(m)) => m.max(DEFAULT_POOL_BATCHES * batch_size),
            (None, None) => DEFAULT_POOL_BATCHES * batch_size,
        };
        t.max(batch_size)
    }
}
