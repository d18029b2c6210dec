//! The generic engine behind every built-in provider: PyDataProvider2's pool, shuffle and pass
//! cache, run on a background thread that prepares batches ahead of the trainer.
//!
//! A provider is split in two: [`Source::open`] reads *records* from disk (decoded, not yet
//! augmented), and [`Source::emit`] turns one record into one sample of a batch, with the
//! pass's random augmentation. The pass cache holds records, so later passes skip the disk and
//! decoding but still get fresh flips and crops each pass.
//!
//! Determinism: all randomness of a pass (file interleaving, pool picks, augmentation) comes
//! from one generator seeded by (seed, pass number) on the one background thread, so the same
//! seed gives the same batches in the same order on every run.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

use crate::batch::{Batch, BatchBuilder};
use crate::error::{ProviderError, Result};
use crate::provider::{CacheType, DataProvider, PoolSettings};
use crate::rng::Rng;
use crate::slots::Slot;

/// A stream of records from one entry of the file list (one call of the Python generator).
pub type RecordStream<R> = Box<dyn Iterator<Item = Result<R>> + Send>;

/// What a built-in provider implements.
pub trait Source: Send + 'static {
    type Record: Send + 'static;
    /// Slots in the provider's own order.
    fn slots(&self) -> Vec<Slot>;
    /// Number of entries in the file list; each is read by one stream.
    fn units(&self) -> usize;
    /// Opens entry `unit` of the file list.
    fn open(&self, unit: usize) -> Result<RecordStream<Self::Record>>;
    /// Appends one sample made from `record` to `out` (then calls `out.end_sample()`).
    fn emit(&self, record: &Self::Record, rng: &mut Rng, out: &mut BatchBuilder) -> Result<()>;
    /// The file that entry `unit` of the file list reads, as errors name it.
    fn unit_name(&self, unit: usize) -> String {
        format!("entry {} of the file list", unit + 1)
    }
    /// Where `record` was read, when the source knows better than "record N of its list
    /// entry" (an entry that names several files).
    fn locate(&self, _record: &Self::Record) -> Option<crate::batch::SampleOrigin> {
        None
    }
}

/// A record and where it was read: entry `unit` of the file list, record `index` of it.
struct Located<R> {
    unit: u32,
    index: u32,
    record: R,
}

enum Msg {
    Batch(Batch),
    End,
    Error(ProviderError),
}

struct PassRequest {
    pass: u64,
    batch_size: usize,
    tx: SyncSender<Msg>,
}

/// Paddle's `input_order`: which source slot feeds each output slot.
fn slot_permutation(
    slots: &[Slot],
    input_order: &[String],
) -> std::result::Result<Option<Vec<usize>>, String> {
    if input_order.is_empty() {
        return Ok(None);
    }
    let mut perm = Vec::with_capacity(input_order.len());
    for (k, name) in input_order.iter().enumerate() {
        if input_order[..k].contains(name) {
            return Err(format!("the network's data layer '{name}' is listed twice"));
        }
        match slots.iter().position(|s| &s.name == name) {
            Some(i) => perm.push(i),
            None => {
                let have: Vec<String> = slots
                    .iter()
                    .map(|s| format!("{}: {}", s.name, s.ty))
                    .collect();
                return Err(format!(
                    "the network's data layer '{name}' has no slot in this provider (it provides {})",
                    have.join(", ")
                ));
            }
        }
    }
    Ok(Some(perm))
}

/// A [`DataProvider`] over a [`Source`], with a background reader thread.
pub struct Pipeline {
    slots: Vec<Slot>,
    requests: Option<Sender<PassRequest>>,
    batches: Option<Receiver<Msg>>,
    prefetch: usize,
    pass: u64,
    thread: Option<JoinHandle<()>>,
}

impl Pipeline {
    /// Starts the reader thread. `input_order` (may be empty) selects and orders the slots.
    pub fn new<S: Source>(
        source: S,
        settings: PoolSettings,
        seed: u64,
        input_order: &[String],
    ) -> std::result::Result<Pipeline, String> {
        let src_slots = source.slots();
        let perm = slot_permutation(&src_slots, input_order)?;
        let slots = match &perm {
            Some(p) => p.iter().map(|&i| src_slots[i].clone()).collect(),
            None => src_slots.clone(),
        };
        let prefetch = settings.prefetch;
        let (req_tx, req_rx) = mpsc::channel::<PassRequest>();
        let unit_names = (0..source.units())
            .map(|u| source.unit_name(u).into())
            .collect();
        let mut worker = Worker {
            source,
            slots: src_slots,
            perm,
            settings,
            seed,
            cache: None,
            unit_names,
        };
        let thread = std::thread::Builder::new()
            .name("paddlers-provider".into())
            .spawn(move || {
                for req in req_rx {
                    worker.run_pass(req);
                }
            })
            .map_err(|e| format!("cannot start the data provider thread: {e}"))?;
        Ok(Pipeline {
            slots,
            requests: Some(req_tx),
            batches: None,
            prefetch,
            pass: 0,
            thread: Some(thread),
        })
    }

    fn thread_died(&mut self) -> ProviderError {
        let why = match self.thread.take().map(JoinHandle::join) {
            Some(Err(panic)) => panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".into()),
            _ => "it exited".into(),
        };
        ProviderError::Thread(why)
    }
}

impl DataProvider for Pipeline {
    fn slots(&self) -> &[Slot] {
        &self.slots
    }

    fn start_pass(&mut self, batch_size: usize) -> Result<()> {
        if batch_size == 0 {
            return Err(ProviderError::Usage("batch size must be > 0".into()));
        }
        // Dropping the receiver makes the worker's next send fail, which ends the old pass.
        self.batches = None;
        let (tx, rx) = mpsc::sync_channel(self.prefetch);
        let req = PassRequest {
            pass: self.pass,
            batch_size,
            tx,
        };
        let sent = self.requests.as_ref().map(|r| r.send(req).is_ok());
        if sent != Some(true) {
            return Err(self.thread_died());
        }
        self.pass += 1;
        self.batches = Some(rx);
        Ok(())
    }

    fn next_batch(&mut self) -> Result<Option<Batch>> {
        let Some(rx) = &self.batches else {
            return Ok(None);
        };
        match rx.recv() {
            Ok(Msg::Batch(b)) => Ok(Some(b)),
            Ok(Msg::End) => {
                self.batches = None;
                Ok(None)
            }
            Ok(Msg::Error(e)) => {
                self.batches = None;
                Err(e)
            }
            Err(_) => {
                self.batches = None;
                Err(self.thread_died())
            }
        }
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.batches = None;
        self.requests = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Worker<S: Source> {
    source: S,
    slots: Vec<Slot>,
    perm: Option<Vec<usize>>,
    settings: PoolSettings,
    seed: u64,
    /// Every record of a completed first pass, when caching.
    cache: Option<Vec<Located<S::Record>>>,
    /// `Source::unit_name` of each entry of the file list, made once.
    unit_names: Vec<std::sync::Arc<str>>,
}

/// The trainer stopped listening (a new pass started or the provider was dropped).
struct Abandoned;

impl<S: Source> Worker<S> {
    fn origin(&self, r: &Located<S::Record>) -> crate::batch::SampleOrigin {
        self.source
            .locate(&r.record)
            .unwrap_or_else(|| crate::batch::SampleOrigin {
                file: self.unit_names[r.unit as usize].clone(),
                record: r.index as u64,
            })
    }

    fn run_pass(&mut self, req: PassRequest) {
        let mut rng = Rng::derive(self.seed, req.pass);
        let result = if self.cache.is_some() {
            self.pass_from_cache(&req, &mut rng)
        } else {
            self.pass_from_disk(&req, &mut rng)
        };
        match result {
            Ok(Ok(())) => {
                let _ = req.tx.send(Msg::End);
            }
            Ok(Err(e)) => {
                let _ = req.tx.send(Msg::Error(e));
            }
            Err(Abandoned) => {}
        }
    }

    fn send(&self, tx: &SyncSender<Msg>, b: BatchBuilder) -> std::result::Result<(), Abandoned> {
        let mut batch = b.finish();
        if let Some(p) = &self.perm {
            let mut taken: Vec<Option<_>> = batch.slots.drain(..).map(Some).collect();
            batch.slots = p
                .iter()
                .map(|&i| taken[i].take().expect("input_order names each slot once"))
                .collect();
        }
        tx.send(Msg::Batch(batch)).map_err(|_| Abandoned)
    }

    fn pass_from_cache(
        &mut self,
        req: &PassRequest,
        rng: &mut Rng,
    ) -> std::result::Result<Result<()>, Abandoned> {
        let cache = self.cache.as_ref().expect("checked by the caller");
        let mut order: Vec<u32> = (0..cache.len() as u32).collect();
        if self.settings.should_shuffle {
            rng.shuffle(&mut order);
        }
        for chunk in order.chunks(req.batch_size) {
            let mut b = BatchBuilder::new(&self.slots, chunk.len());
            for &i in chunk {
                let r = &cache[i as usize];
                if let Err(e) = self.source.emit(&r.record, rng, &mut b) {
                    return Ok(Err(e));
                }
                b.note_origin(self.origin(r));
            }
            self.send(&req.tx, b)?;
        }
        Ok(Ok(()))
    }

    fn pass_from_disk(
        &mut self,
        req: &PassRequest,
        rng: &mut Rng,
    ) -> std::result::Result<Result<()>, Abandoned> {
        let caching = self.settings.cache == CacheType::CachePassInMem;
        let shuffle = self.settings.should_shuffle;
        let target = self.settings.fill_target(req.batch_size);
        let mut streams: Vec<Option<RecordStream<S::Record>>> =
            (0..self.source.units()).map(|_| None).collect();
        let mut read = vec![0u32; streams.len()];
        let mut active: Vec<usize> = (0..streams.len()).collect();
        let mut pool: VecDeque<Located<S::Record>> = VecDeque::with_capacity(target);
        let mut kept: Vec<Located<S::Record>> = Vec::new();
        loop {
            // Refill the pool, reading from a random open file when shuffling, as
            // PyDataProvider2's loader thread does.
            while pool.len() < target && !active.is_empty() {
                let k = if shuffle { rng.below(active.len()) } else { 0 };
                let unit = active[k];
                if streams[unit].is_none() {
                    match self.source.open(unit) {
                        Ok(s) => streams[unit] = Some(s),
                        Err(e) => return Ok(Err(e)),
                    }
                }
                match streams[unit].as_mut().and_then(Iterator::next) {
                    Some(Ok(record)) => {
                        pool.push_back(Located {
                            unit: unit as u32,
                            index: read[unit],
                            record,
                        });
                        read[unit] += 1;
                    }
                    Some(Err(e)) => return Ok(Err(e)),
                    None => {
                        streams[unit] = None;
                        active.remove(k);
                    }
                }
            }
            if pool.is_empty() {
                break;
            }
            let n = req.batch_size.min(pool.len());
            let mut b = BatchBuilder::new(&self.slots, n);
            for _ in 0..n {
                let r = if shuffle {
                    let i = rng.below(pool.len());
                    pool.swap_remove_back(i)
                } else {
                    pool.pop_front()
                }
                .expect("pool holds at least n records");
                if let Err(e) = self.source.emit(&r.record, rng, &mut b) {
                    return Ok(Err(e));
                }
                b.note_origin(self.origin(&r));
                if caching {
                    kept.push(r);
                }
            }
            self.send(&req.tx, b)?;
        }
        if caching {
            self.cache = Some(kept);
        }
        Ok(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slots::integer_value;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// `units` files of `per_unit` records each; record = its global index. Counts emits.
    struct Counting {
        units: usize,
        per_unit: usize,
        emitted: Arc<AtomicUsize>,
    }

    impl Source for Counting {
        type Record = i64;
        fn slots(&self) -> Vec<Slot> {
            vec![Slot::new("id", integer_value(1 << 20))]
        }
        fn units(&self) -> usize {
            self.units
        }
        fn open(&self, unit: usize) -> Result<RecordStream<i64>> {
            let base = (unit * self.per_unit) as i64;
            Ok(Box::new(
                (0..self.per_unit as i64).map(move |i| Ok(base + i)),
            ))
        }
        fn emit(&self, r: &i64, _rng: &mut Rng, out: &mut BatchBuilder) -> Result<()> {
            self.emitted.fetch_add(1, Ordering::SeqCst);
            out.index(0, *r)
                .map_err(|e| ProviderError::Usage(e.to_string()))?;
            out.end_sample();
            Ok(())
        }
    }

    fn settings(shuffle: bool, cache: CacheType, prefetch: usize) -> PoolSettings {
        PoolSettings {
            should_shuffle: shuffle,
            pool_size: None,
            min_pool_size: None,
            cache,
            prefetch,
        }
    }

    fn ids(p: &mut Pipeline, bs: usize) -> Vec<i64> {
        p.start_pass(bs).unwrap();
        let mut out = Vec::new();
        while let Some(b) = p.next_batch().unwrap() {
            match &b.slots[0].data {
                crate::SlotData::Index(v) => out.extend(v),
                _ => unreachable!(),
            }
        }
        out
    }

    #[test]
    fn the_reader_runs_ahead_by_prefetch_batches_and_no_further() {
        let emitted = Arc::new(AtomicUsize::new(0));
        let src = Counting {
            units: 1,
            per_unit: 100,
            emitted: emitted.clone(),
        };
        let mut p = Pipeline::new(src, settings(false, CacheType::NoCache, 3), 0, &[]).unwrap();
        p.start_pass(1).unwrap();
        // Without asking for a batch: 3 queued plus 1 waiting to be queued.
        for _ in 0..1000 {
            if emitted.load(Ordering::SeqCst) >= 4 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(emitted.load(Ordering::SeqCst), 4);
        assert_eq!(p.next_batch().unwrap().unwrap().size, 1);
    }

    #[test]
    fn unshuffled_passes_keep_file_order_and_shuffled_ones_permute() {
        let mk = |shuffle, cache| {
            let src = Counting {
                units: 3,
                per_unit: 7,
                emitted: Arc::new(AtomicUsize::new(0)),
            };
            Pipeline::new(src, settings(shuffle, cache, 2), 11, &[]).unwrap()
        };
        let in_order: Vec<i64> = (0..21).collect();
        let mut p = mk(false, CacheType::CachePassInMem);
        assert_eq!(ids(&mut p, 4), in_order);
        assert_eq!(ids(&mut p, 4), in_order, "the cached pass keeps the order");
        let mut p = mk(true, CacheType::CachePassInMem);
        let (a, b) = (ids(&mut p, 4), ids(&mut p, 5));
        for pass in [&a, &b] {
            let mut sorted = pass.clone();
            sorted.sort();
            assert_eq!(sorted, in_order);
            assert_ne!(pass, &in_order);
        }
        assert_ne!(a, b);
        assert_eq!(
            ids(&mut mk(true, CacheType::NoCache), 4),
            a,
            "same seed, same first pass"
        );
    }

    #[test]
    fn zero_batch_size_is_refused() {
        let src = Counting {
            units: 1,
            per_unit: 1,
            emitted: Arc::new(AtomicUsize::new(0)),
        };
        let mut p = Pipeline::new(src, settings(false, CacheType::NoCache, 1), 0, &[]).unwrap();
        assert!(p.start_pass(0).is_err());
        assert_eq!(p.next_batch().unwrap(), None, "no pass started");
    }
}
