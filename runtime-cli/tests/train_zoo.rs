//! The shipped models train: models/small_cnn.cfg learns on the bundled CIFAR-10 sample, and
//! each of the zoo's ImageNet configs, shrunk through its config args, trains on image lists
//! that `paddlers data images` wrote from sample images.

mod train_support;

use std::path::Path;

use paddlers_providers::builtin::cifar::{read_batch, CifarConfig};
use paddlers_providers::image_folders::{run as convert, ImageFoldersOptions};
use train_support::*;

#[test]
fn small_cnn_learns_on_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let save = format!("--save_dir={}", dir.path().join("out").display());
    let (ok, log) = run(&[
        "train",
        "--config=models/small_cnn.cfg",
        save.as_str(),
        "--num_passes=3",
        "--log_period=100",
        "--seed=1",
    ]);
    assert!(ok, "{log}");
    let tests = lines_with(&log, " Test samples=");
    assert_eq!(tests.len(), 3, "{log}");
    // Chance is 0.9 on ten classes; seed 1 gives 0.615 after 3 passes here. 0.8 leaves 37 of
    // the 200 test images for what other CPUs' float rounding may change along the way.
    let error = field(tests[2], "classification_error_evaluator");
    assert!(error < 0.8, "test error {error} after 3 passes:\n{log}");
    let passes = lines_with(&log, " Pass=");
    assert!(
        field(passes[2], "AvgCost") < field(passes[0], "AvgCost"),
        "{log}"
    );
}

/// Writes the first `n` images of a sample batch as `root/<split>/<class>/NNNN.png`.
fn sample_tree(root: &Path, split: &str, batch: &str, n: usize) {
    let names = [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ];
    let cfg = CifarConfig {
        channels: 3,
        height: 32,
        width: 32,
        num_classes: 10,
        label_key: "labels".into(),
        flip: false,
        mean: vec![0.0; 3072],
    };
    let path = repo_root().join("data/cifar-10-batches-py").join(batch);
    let records = read_batch(&path, &std::fs::read(&path).unwrap(), &cfg).unwrap();
    for (i, r) in records.iter().take(n).enumerate() {
        let d = root.join(split).join(names[r.label as usize]);
        std::fs::create_dir_all(&d).unwrap();
        let img = image::RgbImage::from_fn(32, 32, |x, y| {
            let k = (y * 32 + x) as usize;
            image::Rgb([r.pixels[k], r.pixels[1024 + k], r.pixels[2048 + k]])
        });
        img.save(d.join(format!("{i:04}.png"))).unwrap();
    }
}

/// A few batches each, at the smallest input the architecture allows: the graph lowers, the
/// image lists feed it, costs stay finite and the pass is tested and saved.
#[test]
fn zoo_models_train_a_few_batches_at_a_small_size() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    sample_tree(&tree, "train", "data_batch_1", 40);
    sample_tree(&tree, "test", "test_batch", 20);
    let lists = dir.path().join("lists");
    let report = convert(&ImageFoldersOptions {
        from: tree.clone(),
        out: lists.clone(),
        test_ratio: None,
        seed: 1,
    })
    .unwrap();
    assert_eq!((report.train, report.test), (40, 20));
    let classes = report.classes.len();

    for (config, size) in [
        ("models/resnet_imagenet.cfg", 32),
        ("models/googlenet.cfg", 64),
        ("models/alexnet.cfg", 64),
    ] {
        let config_flag = format!("--config={config}");
        let args = format!(
            "--config_args=image_size={size},num_classes={classes},batch_size=10,data_dir={}",
            lists.display()
        );
        let save = format!("--save_dir={}", dir.path().join("out").display());
        let (ok, log) = run(&[
            "train",
            config_flag.as_str(),
            args.as_str(),
            save.as_str(),
            "--num_passes=1",
            "--log_period=2",
        ]);
        assert!(ok, "{config}:\n{log}");
        let batches = lines_with(&log, " Batch=");
        assert_eq!(
            batches.len(),
            2,
            "{config}: 4 batches, a line every 2\n{log}"
        );
        for l in &batches {
            let cost = field(l, "CurrentCost");
            assert!(cost.is_finite() && cost > 0.0, "{config}: {l}");
        }
        let pass = lines_with(&log, " Pass=0 ");
        assert_eq!(pass.len(), 1, "{config}:\n{log}");
        assert_eq!(field(pass[0], "samples"), 40.0, "{config}");
        let tests = lines_with(&log, " Test samples=");
        assert_eq!(tests.len(), 1, "{config}:\n{log}");
        assert_eq!(field(tests[0], "samples"), 20.0, "{config}");
        assert!(
            field(tests[0], "cost").is_finite(),
            "{config}: {}",
            tests[0]
        );
        assert!(dir.path().join("out/pass-00000/done").is_file(), "{config}");
        std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    }
}
