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
