//! The sample shipped in data/ serves the tutorial's config unchanged, from the repository
//! root, through models/providers.toml. (One test in this binary: it changes the working
//! directory, as Paddle's relative list paths require.)

use std::collections::BTreeMap;
use std::path::Path;

use paddlers_providers::{open, ArgValue, DataSourceSpec, SlotData};

fn tutorial_spec(list: &str, is_train: bool) -> DataSourceSpec {
    let mut args = BTreeMap::new();
    args.insert(
        "mean_path".to_string(),
        ArgValue::Str("data/mean.meta".into()),
    );
    DataSourceSpec {
        config_path: "models/vgg.cfg".into(),
        config_line: 20,
        list: list.into(),
        module: "dataprovider".into(),
        obj: "process".into(),
        args,
        is_train,
        input_order: vec!["image".into(), "label".into()],
    }
}

#[test]
fn tutorial_config_reads_the_embedded_sample() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::env::set_current_dir(root).unwrap();
    for (list, is_train, n) in [
        ("data/train.list", true, 1000),
        ("data/test.list", false, 200),
    ] {
        let mut p = open(&tutorial_spec(list, is_train), 0).unwrap();
        let mut total = 0;
        let mut per_class = [0usize; 10];
        let mut sum = 0f64;
        for _pass in 0..2 {
            p.start_pass(128).unwrap();
            while let Some(b) = p.next_batch().unwrap() {
                assert!(b.size <= 128);
                total += b.size;
                if let SlotData::Index(l) = &b.slots[1].data {
                    l.iter().for_each(|&x| per_class[x as usize] += 1);
                }
                if let SlotData::Dense(a) = &b.slots[0].data {
                    sum += a.iter().map(|&v| v as f64).sum::<f64>();
                }
            }
        }
        assert_eq!(total, 2 * n, "{list}");
        assert!(
            per_class.iter().all(|&c| c == 2 * n / 10),
            "{list}: {per_class:?}"
        );
        // Training images have the training mean subtracted, so they average to ~0.
        let avg = sum / (2 * n * 3072) as f64;
        if is_train {
            assert!(avg.abs() < 1e-3, "{avg}");
        } else {
            assert!(avg.abs() < 10.0, "{avg}");
        }
    }
}
