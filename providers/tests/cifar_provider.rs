//! The `cifar` provider end to end: what the tutorial's dataprovider.py yields, the pass cache,
//! shuffling, determinism, and each bad-input error.

mod common;

use common::*;
use paddlers_providers::{dense_vector, integer_value, open, ArgValue, Slot};

fn provider_toml(dir: &std::path::Path, extra: &str) {
    std::fs::write(
        dir.join("providers.toml"),
        format!("[dataprovider.process]\nprovider = \"cifar\"\n{extra}"),
    )
    .unwrap();
}

/// Index of the image an output row came from (undoing the mean and maybe a flip).
fn source_image(row: &[f32], mean: &[f64], n: usize) -> (usize, bool) {
    let raw: Vec<u8> = row
        .iter()
        .zip(mean)
        .map(|(&v, &m)| (v + m as f32).round() as u8)
        .collect();
    let mut flipped = vec![0u8; 3072];
    for r in 0..96 {
        for x in 0..32 {
            flipped[r * 32 + x] = raw[r * 32 + 31 - x];
        }
    }
    for i in 0..n {
        let p = pixels(i);
        if p == raw {
            return (i, false);
        }
        if p == flipped {
            return (i, true);
        }
    }
    panic!("row matches no source image");
}

#[test]
fn tutorial_settings_yield_mean_subtracted_images_and_labels_in_order_for_test() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "test", &[5, 3]);
    let mean: Vec<f64> = (0..3072).map(|i| (i % 50) as f64 + 0.5).collect();
    let mp = write_mean(dir.path(), &mean);
    provider_toml(dir.path(), "");
    let sp = spec(
        dir.path(),
        &list,
        "dataprovider",
        &[("mean_path", s(mp.to_str().unwrap()))],
        false,
    );
    let mut p = open(&sp, 1).unwrap();
    assert_eq!(
        p.slots(),
        &[
            Slot::new("image", dense_vector(3072)),
            Slot::new("label", integer_value(10))
        ]
    );
    let batches = pass(p.as_mut(), 3);
    assert_eq!(
        batches.iter().map(|b| b.size).collect::<Vec<_>>(),
        vec![3, 3, 2]
    );
    // Testing: no shuffle, no flip: exactly pixels - mean, in file order.
    let rows = dense_rows(&batches, 0);
    for (i, row) in rows.iter().enumerate() {
        let want: Vec<f32> = pixels(i)
            .iter()
            .zip(&mean)
            .map(|(&p, &m)| p as f32 - m as f32)
            .collect();
        assert_eq!(row, &want, "image {i}");
    }
    assert_eq!(labels(&batches, 1), vec![0, 1, 2, 3, 4, 5, 6, 7]);
}

#[test]
fn training_flips_about_half_and_shuffles_and_is_deterministic_per_seed() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "train", &[40, 40]);
    let mean = vec![10.0; 3072];
    let mp = write_mean(dir.path(), &mean);
    provider_toml(dir.path(), "");
    let sp = spec(
        dir.path(),
        &list,
        "dataprovider",
        &[("mean_path", s(mp.to_str().unwrap()))],
        true,
    );
    let run = |seed| {
        let mut p = open(&sp, seed).unwrap();
        (pass(p.as_mut(), 16), pass(p.as_mut(), 16))
    };
    let (a0, a1) = run(5);
    let (b0, b1) = run(5);
    assert_eq!(a0, b0, "same seed, same first pass");
    assert_eq!(a1, b1, "same seed, same second pass");
    let (c0, _) = run(6);
    assert_ne!(a0, c0, "another seed, another order");

    let rows = dense_rows(&a0, 0);
    let labels0 = labels(&a0, 1);
    let mut seen = [false; 80];
    let mut flips = 0;
    for (row, &label) in rows.iter().zip(&labels0) {
        let (i, flipped) = source_image(row, &mean, 80);
        assert!(!seen[i], "image {i} twice in a pass");
        seen[i] = true;
        assert_eq!(label, (i % 10) as i64, "label travels with its image");
        flips += flipped as usize;
    }
    assert!(seen.iter().all(|&x| x), "every image once per pass");
    assert!((20..=60).contains(&flips), "{flips} of 80 flipped");
    let order = |b: &[paddlers_providers::Batch]| -> Vec<usize> {
        dense_rows(b, 0)
            .iter()
            .map(|r| source_image(r, &mean, 80).0)
            .collect()
    };
    assert_ne!(
        order(&a0),
        (0..80).collect::<Vec<_>>(),
        "training order is shuffled"
    );
    assert_ne!(order(&a0), order(&a1), "each pass is shuffled anew");
}

#[test]
fn cache_pass_in_mem_serves_later_passes_from_memory_and_no_cache_rereads() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "train", &[12]);
    let batch_file = dir.path().join("train_batch_0");
    for (cache, survives) in [("CACHE_PASS_IN_MEM", true), ("NO_CACHE", false)] {
        std::fs::write(&batch_file, batch_bytes(0, &[1; 12])).unwrap();
        provider_toml(dir.path(), &format!("cache = \"{cache}\"\n"));
        let sp = spec(dir.path(), &list, "dataprovider", &[], true);
        let mut p = open(&sp, 3).unwrap();
        assert_eq!(
            pass(p.as_mut(), 5).iter().map(|b| b.size).sum::<usize>(),
            12
        );
        std::fs::remove_file(&batch_file).unwrap();
        if survives {
            let second = pass(p.as_mut(), 5);
            assert_eq!(second.iter().map(|b| b.size).sum::<usize>(), 12, "{cache}");
        } else {
            let e = pass_error(p.as_mut(), 5);
            assert!(
                e.contains("train_batch_0") && e.contains("train.txt:1"),
                "{e}"
            );
        }
    }
}

#[test]
fn an_abandoned_first_pass_does_not_leave_a_partial_cache() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "train", &[30]);
    provider_toml(dir.path(), "should_shuffle = false\nflip = false\n");
    let sp = spec(dir.path(), &list, "dataprovider", &[], true);
    let mut p = open(&sp, 3).unwrap();
    p.start_pass(4).unwrap();
    assert_eq!(p.next_batch().unwrap().unwrap().size, 4);
    // Start over before the pass ends: the next pass must still see all 30 images.
    let all = pass(p.as_mut(), 4);
    assert_eq!(all.iter().map(|b| b.size).sum::<usize>(), 30);
    assert_eq!(labels(&all, 1), (0..30).map(|i| i % 10).collect::<Vec<_>>());
    assert_eq!(
        pass(p.as_mut(), 4),
        all,
        "unshuffled cached pass repeats the first"
    );
}

#[test]
fn input_order_selects_and_orders_slots() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "test", &[4]);
    let mut sp = spec(dir.path(), &list, "cifar", &[], false);
    sp.input_order = vec!["label".into(), "image".into()];
    let mut p = open(&sp, 0).unwrap();
    assert_eq!(p.slots()[0].name, "label");
    let b = pass(p.as_mut(), 4);
    assert_eq!(labels(&b, 0), vec![0, 1, 2, 3]);
    sp.input_order = vec!["image".into(), "image".into()];
    let e = open(&sp, 0).err().unwrap().to_string();
    assert!(e.contains("'image' is listed twice"), "{e}");
    sp.input_order = vec!["pixels".into()];
    let e = open(&sp, 0).err().unwrap().to_string();
    assert!(
        e.contains("trainer.cfg:7")
            && e.contains("'pixels'")
            && e.contains("image: dense_vector(3072)"),
        "{e}"
    );
}

#[test]
fn pool_size_bounds_how_far_shuffling_reaches() {
    // With a pool of one batch and one file read in order, shuffling stays within a window.
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "train", &[60]);
    provider_toml(
        dir.path(),
        "pool_size = 10\ncache = \"NO_CACHE\"\nflip = false\n",
    );
    let sp = spec(dir.path(), &list, "dataprovider", &[], true);
    let mut p = open(&sp, 9).unwrap();
    let b = pass(p.as_mut(), 10);
    let mean = vec![0.0; 3072];
    let order: Vec<usize> = dense_rows(&b, 0)
        .iter()
        .map(|r| source_image(r, &mean, 60).0)
        .collect();
    assert_ne!(order, (0..60).collect::<Vec<_>>());
    // The first batch can only hold images from the first pool fill.
    assert!(order[..10].iter().all(|&i| i < 10), "{order:?}");
}

// ---------------------------------------------------------------- errors

fn open_err(dir: &std::path::Path, list: &std::path::Path, args: &[(&str, ArgValue)]) -> String {
    let sp = spec(dir, list, "cifar", args, false);
    match open(&sp, 0) {
        Err(e) => e.to_string(),
        Ok(mut p) => pass_error(p.as_mut(), 8),
    }
}

#[test]
fn truncated_pickle_names_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "t", &[4]);
    let f = dir.path().join("t_batch_0");
    let bytes = std::fs::read(&f).unwrap();
    std::fs::write(&f, &bytes[..bytes.len() / 2]).unwrap();
    let e = open_err(dir.path(), &list, &[]);
    assert!(
        e.contains("t_batch_0") && e.contains("truncated pickle at byte"),
        "{e}"
    );
}

#[test]
fn corrupt_pickle_names_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "t", &[4]);
    let f = dir.path().join("t_batch_0");
    let mut bytes = std::fs::read(&f).unwrap();
    bytes[3] = 0xfe; // an opcode that does not exist
    std::fs::write(&f, &bytes).unwrap();
    let e = open_err(dir.path(), &list, &[]);
    assert!(
        e.contains("t_batch_0") && e.contains("at byte 3") && e.contains("opcode 0xfe"),
        "{e}"
    );
}

#[test]
fn wrong_array_shape_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "t", &[4]);
    let data = vec![0u8; 4 * 3000];
    let v = paddlers_providers::pickle::WriteValue::Dict(vec![
        (
            "labels",
            paddlers_providers::pickle::WriteValue::List(
                vec![paddlers_providers::pickle::WriteValue::Int(0); 4],
            ),
        ),
        (
            "data",
            paddlers_providers::pickle::WriteValue::Array {
                shape: vec![4, 3000],
                dtype: paddlers_providers::pickle::Dtype::parse("u1").unwrap(),
                data: &data,
            },
        ),
    ]);
    std::fs::write(
        dir.path().join("t_batch_0"),
        paddlers_providers::pickle::Pickler::dumps(&v),
    )
    .unwrap();
    let e = open_err(dir.path(), &list, &[]);
    assert!(
        e.contains("t_batch_0") && e.contains("shape [4, 3000]") && e.contains("(N, 3072) uint8"),
        "{e}"
    );
}

#[test]
fn label_out_of_range_names_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "t", &[4]);
    std::fs::write(dir.path().join("t_batch_0"), batch_bytes(0, &[1, 2, 10, 3])).unwrap();
    let e = open_err(dir.path(), &list, &[]);
    assert!(
        e.contains("t_batch_0: record 2: label 10 out of range [0, 10)"),
        "{e}"
    );
}

#[test]
fn missing_file_in_a_list_names_the_list_line() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "t", &[4, 4]);
    std::fs::remove_file(dir.path().join("t_batch_1")).unwrap();
    let e = open_err(dir.path(), &list, &[]);
    assert!(
        e.contains("t.txt:2: cannot read") && e.contains("t_batch_1"),
        "{e}"
    );
    let e = open_err(dir.path(), &dir.path().join("nope.list"), &[]);
    assert!(e.contains("nope.list"), "{e}");
}

#[test]
fn mean_of_the_wrong_size_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "t", &[4]);
    let mp = write_mean(dir.path(), &[1.0; 1024]);
    let e = open_err(dir.path(), &list, &[("mean_path", s(mp.to_str().unwrap()))]);
    assert!(
        e.contains("mean.meta") && e.contains("mean of the wrong size") && e.contains("1024"),
        "{e}"
    );
}

#[test]
fn per_channel_mean_is_broadcast() {
    let dir = tempfile::tempdir().unwrap();
    let list = cifar_dir(dir.path(), "t", &[1]);
    let mp = write_mean(dir.path(), &[1.0, 2.0, 3.0]);
    let sp = spec(
        dir.path(),
        &list,
        "cifar",
        &[("mean_path", s(mp.to_str().unwrap()))],
        false,
    );
    let mut p = open(&sp, 0).unwrap();
    let row = &dense_rows(&pass(p.as_mut(), 1), 0)[0];
    let px = pixels(0);
    assert_eq!(row[0], px[0] as f32 - 1.0);
    assert_eq!(row[1024], px[1024] as f32 - 2.0);
    assert_eq!(row[3071], px[3071] as f32 - 3.0);
}
