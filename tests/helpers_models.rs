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
