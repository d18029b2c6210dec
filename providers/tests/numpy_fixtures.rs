//! The readers against files written by real numpy (tests/fixtures/make_fixtures.py).

use std::path::{Path, PathBuf};

use paddlers_providers::builtin::cifar::{read_batch, CifarConfig};
use paddlers_providers::numpy::load_array;
use paddlers_providers::pickle::load;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn cfg() -> CifarConfig {
    CifarConfig {
        channels: 3,
        height: 32,
        width: 32,
        num_classes: 10,
        label_key: "labels".into(),
        flip: false,
        mean: vec![0.0; 3072],
    }
}

#[test]
fn numpy_batches_in_protocols_2_and_4_read_the_same() {
    for name in ["numpy_batch_p2.pkl", "numpy_batch_p4.pkl"] {
        let p = fixture(name);
        let recs = read_batch(&p, &std::fs::read(&p).unwrap(), &cfg()).unwrap();
        assert_eq!(recs.len(), 2, "{name}");
        assert_eq!(recs[0].label, 3);
        assert_eq!(recs[1].label, 9);
        // data = arange(2 * 3072) % 251
        for (i, &b) in recs[1].pixels.iter().enumerate() {
            assert_eq!(b as usize, (3072 + i) % 251, "{name} byte {i}");
        }
    }
}

#[test]
fn fortran_order_big_endian_and_array_labels() {
    let v = load(&std::fs::read(fixture("numpy_weird_p2.pkl")).unwrap()).unwrap();
    let a = v.get("data").unwrap().as_array().unwrap();
    assert_eq!(a.shape, vec![2, 3]);
    assert!(a.fortran_order);
    assert_eq!(a.to_f32_c_order(), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let l = v.get("labels").unwrap().as_array().unwrap();
    assert_eq!(l.to_f32_c_order(), vec![1.0, 2.0]);
}

#[test]
fn compressed_npz_and_npy_means() {
    let (m, shape) = load_array(&fixture("mean_compressed.npz"), "mean").unwrap();
    assert_eq!(shape, vec![3072]);
    assert_eq!(m[0], 0.0);
    assert_eq!(m[3071], 255.0);
    let (m2, _) = load_array(&fixture("mean.npy"), "mean").unwrap();
    assert_eq!(m, m2);
}

#[test]
fn tutorial_style_pickled_mean_dict_loads() {
    // data/cifar10.py in the tutorial: cPickle.dump({"mean": mean, "size": mean.size}, ..., 2)
    use paddlers_providers::pickle::{Dtype, Pickler, WriteValue};
    let mean: Vec<u8> = (0..3072)
        .flat_map(|i| (i as f64 * 0.5).to_le_bytes())
        .collect();
    let v = WriteValue::Dict(vec![
        (
            "mean",
            WriteValue::Array {
                shape: vec![3072],
                dtype: Dtype::parse("<f8").unwrap(),
                data: &mean,
            },
        ),
        ("size", WriteValue::Int(3072)),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mean.meta");
    std::fs::write(&p, Pickler::dumps(&v)).unwrap();
    let (m, shape) = load_array(&p, "mean").unwrap();
    assert_eq!(shape, vec![3072]);
    assert_eq!(m[3], 1.5);
}

/// Every truncation and many single-byte corruptions of real batches give errors or values,
/// never a panic.
#[test]
fn damaged_pickles_never_panic() {
    for name in [
        "numpy_batch_p2.pkl",
        "numpy_batch_p4.pkl",
        "numpy_weird_p2.pkl",
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let path = fixture(name);
        // Truncations at every point of the header part, and every 97th byte after.
        for cut in (0..bytes.len()).filter(|&c| c < 400 || c % 97 == 0) {
            let _ = read_batch(&path, &bytes[..cut], &cfg());
        }
        let mut state = 0x1234_5678_9abc_def0u64;
        for _ in 0..3000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut b = bytes.clone();
            let at = (state as usize) % b.len().min(600);
            b[at] = (state >> 32) as u8;
            let _ = read_batch(&path, &b, &cfg());
            let _ = load(&b);
        }
    }
}
