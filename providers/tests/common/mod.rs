//! Helpers shared by the integration tests: tiny CIFAR-style batches written with our own
//! pickle writer, and data source specs.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use paddlers_providers::numpy::npz_f64;
use paddlers_providers::pickle::{Dtype, Pickler, WriteValue};
use paddlers_providers::{ArgValue, Batch, DataProvider, DataSourceSpec, SlotData};

/// Pixel bytes of image `i`: distinct per image, varying along each row.
pub fn pixels(i: usize) -> Vec<u8> {
    (0..3072).map(|k| ((i * 7 + k * 3) % 256) as u8).collect()
}

pub fn batch_bytes(first: usize, labels: &[i64]) -> Vec<u8> {
    let data: Vec<u8> = (first..first + labels.len()).flat_map(pixels).collect();
    let v = WriteValue::Dict(vec![
        ("batch_label", WriteValue::Bytes(b"test batch")),
        (
            "labels",
            WriteValue::List(labels.iter().map(|&l| WriteValue::Int(l)).collect()),
        ),
        (
            "data",
            WriteValue::Array {
                shape: vec![labels.len(), 3072],
                dtype: Dtype::parse("u1").unwrap(),
                data: &data,
            },
        ),
    ]);
    Pickler::dumps(&v)
}

/// A data directory like the tutorial's: `list` -> `list.txt` -> batch files; returns the list.
/// Batches hold `sizes[b]` images each, numbered consecutively, labels `i % 10`.
pub fn cifar_dir(dir: &Path, name: &str, sizes: &[usize]) -> PathBuf {
    let mut txt = String::new();
    let mut first = 0;
    for (b, &n) in sizes.iter().enumerate() {
        let labels: Vec<i64> = (first..first + n).map(|i| (i % 10) as i64).collect();
        let p = dir.join(format!("{name}_batch_{b}"));
        std::fs::write(&p, batch_bytes(first, &labels)).unwrap();
        txt.push_str(&format!("{}\n", p.display()));
        first += n;
    }
    let t = dir.join(format!("{name}.txt"));
    std::fs::write(&t, txt).unwrap();
    let l = dir.join(format!("{name}.list"));
    std::fs::write(&l, format!("{}\n", t.display())).unwrap();
    l
}

pub fn write_mean(dir: &Path, values: &[f64]) -> PathBuf {
    let p = dir.join("mean.meta");
    std::fs::write(&p, npz_f64(&[("mean", values)])).unwrap();
    p
}

pub fn spec(
    dir: &Path,
    list: &Path,
    module: &str,
    args: &[(&str, ArgValue)],
    is_train: bool,
) -> DataSourceSpec {
    DataSourceSpec {
        config_path: dir.join("trainer.cfg"),
        config_line: 7,
        list: list.to_path_buf(),
        module: module.into(),
        obj: "process".into(),
        args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
        is_train,
        input_order: vec![],
    }
}

pub fn s(v: &str) -> ArgValue {
    ArgValue::Str(v.into())
}

/// Every batch of one pass.
pub fn pass(p: &mut dyn DataProvider, batch_size: usize) -> Vec<Batch> {
    p.start_pass(batch_size).unwrap();
    let mut out = Vec::new();
    while let Some(b) = p.next_batch().unwrap() {
        out.push(b);
    }
    out
}

/// The first error of a pass (panics if the pass succeeds).
pub fn pass_error(p: &mut dyn DataProvider, batch_size: usize) -> String {
    p.start_pass(batch_size).unwrap();
    loop {
        match p.next_batch() {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the pass ended without an error"),
            Err(e) => return e.to_string(),
        }
    }
}

pub fn labels(batches: &[Batch], slot: usize) -> Vec<i64> {
    batches
        .iter()
        .flat_map(|b| match &b.slots[slot].data {
            SlotData::Index(v) => v.clone(),
            other => panic!("not an index slot: {other:?}"),
        })
        .collect()
}

pub fn dense_rows(batches: &[Batch], slot: usize) -> Vec<Vec<f32>> {
    batches
        .iter()
        .flat_map(|b| match &b.slots[slot].data {
            SlotData::Dense(a) => a.outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
            other => panic!("not a dense slot: {other:?}"),
        })
        .collect()
}
