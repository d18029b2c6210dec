//! The tutorial's models and the small test model: each config's whole TrainerConfig is
//! compared byte for byte with its golden in tests/golden/. `PADDLERS_REGENERATE=1` rewrites
//! the goldens instead (review the diff before committing it).

use paddlers::graph::protostr;
use paddlers::helpers::parse_config;
use paddlers_testkit::golden;
use std::path::Path;

const CASES: &[(&str, &str, &str)] = &[
    ("vgg", "models/vgg.cfg", ""),
    ("vgg.predict", "models/vgg.cfg", "is_predict=1"),
    ("resnet", "models/resnet.cfg", ""),
    ("resnet.predict", "models/resnet.cfg", "is_predict=1"),
    ("resnet.depth20", "models/resnet.cfg", "depth=20"),
    ("small_cnn", "models/small_cnn.cfg", ""),
    ("small_cnn.predict", "models/small_cnn.cfg", "is_predict=1"),
    ("googlenet", "models/googlenet.cfg", ""),
    ("googlenet.predict", "models/googlenet.cfg", "is_predict=1"),
    (
        "googlenet.small",
        "models/googlenet.cfg",
        "image_size=64,num_classes=10",
    ),
    ("alexnet", "models/alexnet.cfg", ""),
    ("alexnet.predict", "models/alexnet.cfg", "is_predict=1"),
    ("resnet_imagenet", "models/resnet_imagenet.cfg", ""),
    (
        "resnet_imagenet.predict",
        "models/resnet_imagenet.cfg",
        "is_predict=1",
    ),
    (
        "resnet_imagenet.101",
        "models/resnet_imagenet.cfg",
        "layer_num=101",
    ),
    (
        "resnet_imagenet.152",
        "models/resnet_imagenet.cfg",
        "layer_num=152",
    ),
    (
        "resnet_imagenet.small",
        "models/resnet_imagenet.cfg",
        "image_size=32,num_classes=10",
    ),
];

#[test]
fn model_graphs_match_their_goldens() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failures = Vec::new();
    for (name, config, args) in CASES {
        let trainer = parse_config(&root.join(config), args)
            .unwrap_or_else(|e| panic!("{config} {args}: {e}"));
        let got = protostr::trainer_config_text(&trainer);
        let path = root.join("tests/golden").join(format!("{name}.protostr"));
        if let Err(e) = golden::check(&path, &got) {
            failures.push(format!("{name} ({config} {args}): {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "graphs changed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn resnet_depth_must_fit_the_block_layout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let err = parse_config(&root.join("models/resnet.cfg"), "depth=21")
        .unwrap_err()
        .to_string();
    assert!(err.contains("AssertionError"), "{err}");
    assert!(err.contains("resnet.cfg"), "{err}");
}

#[test]
fn the_prediction_graph_ends_in_the_classifier() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let t = parse_config(&root.join("models/vgg.cfg"), "is_predict=1").unwrap();
    assert_eq!(t.model_config.input_layer_names, vec!["image"]);
    assert_eq!(t.model_config.output_layer_names, vec!["__fc_layer_2__"]);
    assert!(t.data_config.is_none() && t.test_data_config.is_none());
    let train = parse_config(&root.join("models/vgg.cfg"), "").unwrap();
    assert_eq!(train.model_config.input_layer_names, vec!["image", "label"]);
    let data = train.data_config.expect("training declares its data");
    let at = data.declared_at.expect("the declaration is recorded");
    assert!(at.file.ends_with("models/vgg.cfg"));
    assert_eq!(at.line, 10);
}

#[test]
fn graphs_round_trip_through_json() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let trainer = parse_config(&root.join("models/resnet.cfg"), "depth=20").unwrap();
    let json = serde_json::to_string(&trainer).unwrap();
    let back: paddlers::graph::TrainerConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(
        protostr::trainer_config_text(&back),
        protostr::trainer_config_text(&trainer)
    );
    assert_eq!(back.model_config, trainer.model_config);
}

/// The zoo's graphs, read against Paddle's layer semantics: map sizes after each stride, the
/// inception concatenations' widths, and the parameter shapes that follow from them.
#[test]
fn zoo_graphs_have_imagenet_geometry() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let layer = |t: &paddlers::graph::TrainerConfig, name: &str| {
        t.model_config
            .layers
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("no layer {name}"))
            .clone()
    };
    let g = parse_config(&root.join("models/googlenet.cfg"), "").unwrap();
    // 224 -> 112 (conv1/2) -> 56 (pool1) -> 28 (pool2) -> 14 (pool3) -> 7 (pool4).
    for (name, channels, side) in [
        ("conv1", 64, 112),
        ("pool2", 192, 28),
        ("ince3a", 256, 28),
        ("ince3b", 480, 28),
        ("ince4a", 512, 14),
        ("ince4e", 832, 14),
        ("ince5b", 1024, 7),
        ("pool5", 1024, 1),
    ] {
        assert_eq!(layer(&g, name).size, Some(channels * side * side), "{name}");
    }
    assert_eq!(layer(&g, "output").size, Some(1000));
    // Three costs: the two auxiliary classifiers weigh 0.3, the main one 1.
    assert_eq!(
        g.model_config.output_layer_names,
        vec!["loss1", "loss2", "loss3"]
    );
    assert_eq!(layer(&g, "loss1").coeff, Some(0.3.into()));
    // Each auxiliary head pools 14x14 with 5x5/3 to 4x4, then 1x1 conv to 128 maps.
    assert_eq!(layer(&g, "aux1_pool").size, Some(512 * 4 * 4));
    assert_eq!(layer(&g, "aux2_conv").size, Some(128 * 4 * 4));
    let param = |t: &paddlers::graph::TrainerConfig, name: &str| {
        t.model_config
            .parameters
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no parameter {name}"))
            .size
    };
    assert_eq!(param(&g, "_aux1_fc.w0"), 128 * 4 * 4 * 1024);
    assert_eq!(param(&g, "_ince3a_5.w0"), 5 * 5 * 16 * 32);

    let a = parse_config(&root.join("models/alexnet.cfg"), "").unwrap();
    // (224 + 2 - 11) / 4 + 1 = 54 -> 27 -> 13 (ceil-mode pools) -> 6.
    for (name, channels, side) in [
        ("conv1", 96, 54),
        ("pool1", 96, 27),
        ("pool2", 256, 13),
        ("conv5", 256, 13),
        ("pool5", 256, 6),
    ] {
        assert_eq!(layer(&a, name).size, Some(channels * side * side), "{name}");
    }
    assert_eq!(param(&a, "_fc6.w0"), 256 * 6 * 6 * 4096);
    assert_eq!(param(&a, "_conv2.w0"), 5 * 5 * 96 * 256);

    for (layers, blocks) in [
        ("50", [3, 4, 6, 3]),
        ("101", [3, 4, 23, 3]),
        ("152", [3, 8, 36, 3]),
    ] {
        let r = parse_config(
            &root.join("models/resnet_imagenet.cfg"),
            &format!("layer_num={layers}"),
        )
        .unwrap();
        for (stage, (count, (channels, side))) in blocks
            .iter()
            .zip([(256, 56), (512, 28), (1024, 14), (2048, 7)])
            .enumerate()
        {
            let last = format!("res{}_{count}_addto", stage + 2);
            assert_eq!(
                layer(&r, &last).size,
                Some(channels * side * side),
                "{last}"
            );
            let beyond = format!("res{}_{}_addto", stage + 2, count + 1);
            assert!(
                !r.model_config.layers.iter().any(|l| l.name == beyond),
                "{layers}: {beyond}"
            );
        }
        assert_eq!(param(&r, "_res5_1_branch1_conv.w0"), 1024 * 2048);
        assert_eq!(layer(&r, "avgpool").size, Some(2048));
    }
    let err = parse_config(&root.join("models/resnet_imagenet.cfg"), "layer_num=34")
        .unwrap_err()
        .to_string();
    assert!(err.contains("layer_num must be 50, 101 or 152"), "{err}");
}
