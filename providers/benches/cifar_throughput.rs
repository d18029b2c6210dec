//! CIFAR provider throughput: the first, disk-bound pass (pickle decode into the pass cache)
//! and later passes from the cache with random flip and mean subtraction, both through the
//! pipeline (what the trainer sees; the work runs on the one background thread) and as a bare
//! single-threaded emit loop.
//!
//!     cargo bench -p paddlers-providers --bench cifar_throughput
//!     PADDLERS_BENCH_IMAGES=50000 cargo bench -p paddlers-providers --bench cifar_throughput
//!
//! The batch files are synthetic (random pixels) but in the official layout; they are written
//! just before the first pass, so "disk" means the OS page cache here.

use std::collections::BTreeMap;
use std::time::Instant;

use paddlers_providers::builtin::cifar;
use paddlers_providers::numpy::npz_f64;
use paddlers_providers::options::{Options, Origin};
use paddlers_providers::pickle::{Dtype, Pickler, WriteValue};
use paddlers_providers::pipeline::Source;
use paddlers_providers::rng::Rng;
use paddlers_providers::{ArgValue, BatchBuilder, DataSourceSpec};

const BATCH: usize = 128;

fn main() {
    let n: usize = std::env::var("PADDLERS_BENCH_IMAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = Rng::new(1);
    let mut txt = String::new();
    let per_file = 10_000;
    for b in 0..n.div_ceil(per_file) {
        let rows = per_file.min(n - b * per_file);
        let data: Vec<u8> = (0..rows * 3072).map(|_| rng.next_u64() as u8).collect();
        let labels: Vec<WriteValue> = (0..rows)
            .map(|i| WriteValue::Int((i % 10) as i64))
            .collect();
        let v = WriteValue::Dict(vec![
            ("labels", WriteValue::List(labels)),
            (
                "data",
                WriteValue::Array {
                    shape: vec![rows, 3072],
                    dtype: Dtype::parse("u1").unwrap(),
                    data: &data,
                },
            ),
        ]);
        let p = dir.path().join(format!("data_batch_{}", b + 1));
        std::fs::write(&p, Pickler::dumps(&v)).unwrap();
        txt.push_str(&format!("{}\n", p.display()));
    }
    std::fs::write(dir.path().join("train.txt"), txt).unwrap();
    let list = dir.path().join("train.list");
    std::fs::write(
        &list,
        format!("{}\n", dir.path().join("train.txt").display()),
    )
    .unwrap();
    let mean: Vec<f64> = (0..3072).map(|i| 100.0 + (i % 7) as f64).collect();
    let mean_path = dir.path().join("mean.meta");
    std::fs::write(&mean_path, npz_f64(&[("mean", &mean)])).unwrap();

    let mut args = BTreeMap::new();
    args.insert(
        "mean_path".to_string(),
        ArgValue::Str(mean_path.display().to_string()),
    );
    let spec = DataSourceSpec {
        config_path: dir.path().join("bench.cfg"),
        config_line: 1,
        list,
        module: "cifar".into(),
        obj: "process".into(),
        args,
        is_train: true,
        input_order: vec![],
    };

    println!("CIFAR provider, {n} images, batch {BATCH}, flip + mean subtraction (train)");
    println!("{:<44} {:>10} {:>14}", "stage", "seconds", "samples/s");
    let mut p = paddlers_providers::open(&spec, 0).expect("open");
    for pass in 0..4 {
        let t = Instant::now();
        p.start_pass(BATCH).unwrap();
        let mut count = 0;
        while let Some(b) = p.next_batch().unwrap() {
            count += b.size;
        }
        let s = t.elapsed().as_secs_f64();
        assert_eq!(count, n);
        let what = if pass == 0 {
            "pipeline pass 0 (read + decode pickles)".to_string()
        } else {
            format!("pipeline pass {pass} (from the pass cache)")
        };
        println!("{what:<44} {s:>10.3} {:>14.0}", n as f64 / s);
    }

    // The cached pass's work alone, on this thread: emit every record into batches.
    let mut o = Options::new();
    o.set(
        "mean_path",
        ArgValue::Str(mean_path.display().to_string()),
        Origin::Args("bench".into()),
    );
    let src = cifar::source(&spec, &o).unwrap();
    let records: Vec<cifar::CifarRecord> = src.open(0).unwrap().map(|r| r.unwrap()).collect();
    let slots = src.slots();
    let mut rng = Rng::new(2);
    let t = Instant::now();
    let mut sink = 0f32;
    for chunk in records.chunks(BATCH) {
        let mut b = BatchBuilder::new(&slots, chunk.len());
        for r in chunk {
            src.emit(r, &mut rng, &mut b).unwrap();
        }
        let batch = b.finish();
        if let paddlers_providers::SlotData::Dense(a) = &batch.slots[0].data {
            sink += a[[0, 0]];
        }
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{:<44} {s:>10.3} {:>14.0}",
        "emit loop, one thread (cache -> batches)",
        n as f64 / s
    );
    std::hint::black_box(sink);
}
