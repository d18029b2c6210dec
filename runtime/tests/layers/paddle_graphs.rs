//! Paddle's own conformance graphs (copied from its trainer_config_helpers tests into
//! fixtures/paddle/) built by the runtime, run forward and gradient-checked. Graphs that need
//! sequence layers must fail at build time, naming the layer and its type.

use paddlers_graph::protostr;

use paddlers_graph::ModelConfig;
use paddlers_runtime::runtime::checkgrad::{check_model, CheckgradOptions};
use paddlers_runtime::runtime::RuntimeError;

use crate::support::rng_lock;

fn load(name: &str) -> ModelConfig {
    let path = format!(
        "{}/tests/fixtures/paddle/{name}.protostr",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    protostr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn opts() -> CheckgradOptions {
    CheckgradOptions {
        batch_size: 2,
        max_elements: 12,
        tolerance: 1e-4,
        ..Default::default()
    }
}

/// The group graphs run every step per finite difference (fc layers 100 and 200 wide):
/// four elements a parameter keep them to seconds; `recurrent_group` checks every element of
/// smaller groups.
fn group_opts() -> CheckgradOptions {
    CheckgradOptions {
        max_elements: 4,
        ..opts()
    }
}

fn checkgrad(name: &str) {
    checkgrad_with(name, &opts())
}

fn checkgrad_with(name: &str, o: &CheckgradOptions) {
    let _rng = rng_lock();
    let model = load(name);
    let checks = check_model(&model, o).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        !checks.is_empty(),
        "{name}: no trainable parameter was checked"
    );
    for c in &checks {
        eprintln!("{name}: {}", c.line(o.eps));
        assert!(
            c.max_rel_diff < o.tolerance,
            "{name}: gradient of {} is wrong: {}",
            c.name,
            c.line(o.eps)
        );
    }
}

/// Graphs made of dense layers: every parameter and dense input passes the gradient check.
#[test]
fn dense_conformance_graphs_pass_checkgrad() {
    for name in [
        "layer_activations",
        "shared_fc",
        "test_BatchNorm3D",
        "test_bilinear_interp",
        "test_clip_layer",
        "test_dot_prod_layer",
        "test_factorization_machine",
        "test_gated_unit_layer",
        "test_l2_distance_layer",
        "test_multiplex_layer",
        "test_pad",
        "test_prelu_layer",
        "test_resize_layer",
        "test_row_l2_norm_layer",
        "test_scale_shift_layer",
        "test_smooth_l1",
        "test_spp_layer",
        "test_repeat_layer",
        "util_layers",
        "test_ntm_layers",
        "test_print_layer",
        "test_scale_sub_region_layer",
        "math_ops",
        "test_conv3d_layer",
        "test_pooling3D_layer",
        "last_first_seq",
        "test_lstmemory_layer",
        "test_grumemory_layer",
        "test_bi_grumemory",
        "test_row_conv",
        "test_seq_concat_reshape",
        "test_maxout",
        "test_hsigmoid",
        "test_roi_pool_layer",
    ] {
        checkgrad(name);
    }
}

/// The recurrent-group graphs: memories over fc, lstm_step with get_output, gru_step, a
/// reversed group and one over sub-sequences, and two groups sharing their parameters.
/// checkgrad's random feed gives every input sub-sequences of one row, so each group here
/// steps over sub-sequences (the nested path); `recurrent_group` checks the plain path.
#[test]
fn recurrent_group_graphs_pass_checkgrad() {
    checkgrad_with("test_rnn_group", &group_opts());
}

/// The same graphs on plain sequences of 3, 1 and 2 steps (so the groups sort them, and
/// outputs go back in order), with one label per sequence for the classifiers.
#[test]
fn recurrent_group_graphs_pass_checkgrad_on_plain_sequences() {
    use crate::support::{checkgrad_feed, leaf};
    use paddlers_runtime::runtime::{Arg, Feed, Network};
    use tch::{Device, Kind, Tensor};
    let _rng = rng_lock();
    let starts = vec![0i64, 3, 4, 6];
    let seq = |t: &Tensor, sub: bool| {
        let mut a = Arg::dense(t.shallow_clone());
        a.seq_starts = Some(starts.clone());
        if sub {
            // One row each: the group's memory is one row per sequence, as in Paddle.
            a.subseq_starts = Some((0..=6).collect());
        }
        a
    };
    let (a, b) = (leaf(6, 100, 0.2), leaf(6, 100, 1.3));
    for name in ["test_rnn_group", "shared_lstm", "shared_gru"] {
        let model = load(name);
        let net = Network::build_with_kind(&model, Device::Cpu, Kind::Double, 1).unwrap();
        let mut feed = Feed::new();
        let inputs: Vec<(&str, &Tensor)> = if name == "test_rnn_group" {
            feed.insert("seq_input".into(), seq(&a, false));
            feed.insert("sub_seq_input".into(), seq(&b, true));
            feed.insert(
                "label".into(),
                Arg::dense(Tensor::zeros([3, 1], (Kind::Double, Device::Cpu))),
            );
            vec![("seq_input", &a), ("sub_seq_input", &b)]
        } else {
            feed.insert("data_a".into(), seq(&a, false));
            feed.insert("data_b".into(), seq(&b, false));
            feed.insert("label".into(), Arg::ids(Tensor::from_slice(&[3i64, 0, 7])));
            vec![("data_a", &a), ("data_b", &b)]
        };
        let checks = checkgrad_feed(&net, &feed, &inputs, &group_opts());
        for c in &checks {
            eprintln!("{name}: {}", c.line(group_opts().eps));
        }
    }
}

/// The sequence-selection graphs: seq_slice (starts and ends, either alone) and
/// sub_nested_seq, with their index inputs fed as index 0 then -1; the gradient reaches the
/// sequence input's picked rows.
#[test]
fn sequence_selection_graphs_pass_checkgrad() {
    for name in ["test_seq_slice_layer", "test_sub_nested_seq_select_layer"] {
        checkgrad(name);
    }
}

/// The tutorial-sized image graphs build (conv, transposed conv, batch norm, LRN, pool with
/// their real geometry) and the conv one runs forward with the sizes the config declares.
#[test]
fn image_graphs_build_and_run() {
    use paddlers_runtime::runtime::{Arg, Feed, Mode, Network};
    use tch::{Device, Kind, Tensor};
    let trans = load("img_trans_layers");
    Network::build(&trans, Device::Cpu, 1).expect("img_trans_layers builds");
    let model = load("img_layers");
    let net = Network::build(&model, Device::Cpu, 1).expect("img_layers builds");
    let mut feed = Feed::new();
    feed.insert(
        "image".into(),
        Arg::dense(Tensor::rand([1, 256 * 256], (Kind::Float, Device::Cpu))),
    );
    let fwd = net.forward(&feed, Mode::Test).unwrap();
    for l in &model.layers {
        let v = fwd.output(&l.name).unwrap().value.as_ref().unwrap();
        assert_eq!(v.size(), vec![1, l.size() as i64], "{}", l.name);
    }
}

/// Costs with a weight input, nce among them (its noise draws repeat under checkgrad's
/// reseeding).
#[test]
fn cost_graph_with_nce_passes_checkgrad() {
    checkgrad("test_cost_layers_with_weight");
}

/// sampling_id has no gradient: it must draw ids within range from each row.
#[test]
fn sampling_id_draws_ids_in_range() {
    let _rng = rng_lock();
    use paddlers_runtime::runtime::checkgrad::random_feed;
    use paddlers_runtime::runtime::{Mode, Network};
    use tch::{Device, Kind};
    let net =
        Network::build_with_kind(&load("unused_layers"), Device::Cpu, Kind::Double, 1).unwrap();
    let feed = random_feed(&net, 50, 2);
    let fwd = net.forward(&feed, Mode::Test).unwrap();
    let ids = fwd
        .output("__sampling_id_layer_0__")
        .unwrap()
        .ids
        .as_ref()
        .unwrap();
    let ids = Vec::<i64>::try_from(ids).unwrap();
    assert_eq!(ids.len(), 50);
    assert!(ids.iter().all(|&i| (0..100).contains(&i)), "{ids:?}");
    assert!(ids.iter().any(|&i| i != ids[0]), "draws vary: {ids:?}");
}

/// Every corpus graph builds at run time, except the inconsistent ones the tests below
/// explain and those with a layer type the runtime refuses, which fail before running,
/// naming the layer and its type.
#[test]
fn every_corpus_graph_builds_or_is_refused_for_a_stated_reason() {
    use paddlers_runtime::runtime::Network;
    use tch::Device;
    let inconsistent = [
        "test_deconv3d_layer",
        "test_detection_output_layer",
        "test_multibox_loss_layer",
        "test_cost_layers",
    ];
    let unsupported = [(
        "test_cross_entropy_over_beam",
        "__cross_entropy_over_beam_0__",
        "cross_entropy_over_beam",
    )];
    // Known gaps of layers the runtime lowers (docs/runtime.md).
    let not_yet = [("test_sequence_pooling", "output_max_index")];
    let dir = format!("{}/tests/fixtures/paddle", env!("CARGO_MANIFEST_DIR"));
    let mut built = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .replace(".protostr", "");
        let result = Network::build(&load(&name), Device::Cpu, 1);
        if let Some((_, why)) = not_yet.iter().find(|(n, _)| *n == name) {
            match result {
                Err(RuntimeError::BadLayer { msg, .. }) => assert!(msg.contains(why), "{msg}"),
                Err(e) => panic!("{name}: unexpected error {e}"),
                Ok(_) => panic!("{name}: built, so it leaves the known gaps"),
            }
        } else if inconsistent.contains(&name.as_str()) {
            assert!(
                matches!(result, Err(RuntimeError::BadLayer { .. })),
                "{name}"
            );
        } else if let Some((_, layer, layer_type)) = unsupported.iter().find(|(n, _, _)| *n == name)
        {
            match result {
                Err(RuntimeError::UnsupportedLayer {
                    layer: l,
                    layer_type: t,
                    ..
                }) => assert_eq!((l.as_str(), t.as_str()), (*layer, *layer_type), "{name}"),
                Err(e) => panic!("{name}: unexpected error {e}"),
                Ok(_) => panic!("{name}: built a graph with {layer_type}"),
            }
        } else {
            result.unwrap_or_else(|e| panic!("{name}: {e}"));
            built += 1;
        }
    }
    assert!(built >= 50, "{built}");
}

/// Paddle's deconv3d corpus graph is inconsistent: config_parser sizes the filter with
/// filter_channels = num_filters/groups (16) while the input has 3 channels, which Paddle's
/// DeConv3DLayer would read past. The runtime refuses it at build, naming the layer and why.
#[test]
fn deconv3d_corpus_graph_is_refused_for_its_filter_channels() {
    match check_model(&load("test_deconv3d_layer"), &opts()) {
        Err(RuntimeError::BadLayer {
            layer,
            layer_type,
            msg,
        }) => {
            assert_eq!(
                (layer.as_str(), layer_type.as_str()),
                ("deconv3d_1", "deconv3d")
            );
            assert!(msg.contains("filter_channels is 16"), "{msg}");
            assert!(msg.contains("3 channels per group"), "{msg}");
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("built an inconsistent deconv3d graph"),
    }
}

/// Paddle's detection_output corpus graph is inconsistent: 21 classes over 4 priors need 84
/// confidence values a sample, its confidence input has 8 (not even whole channels of the
/// 16x1 location map Paddle reads it with). The runtime refuses it at build.
#[test]
fn detection_output_corpus_graph_is_refused_for_its_confidence_size() {
    match check_model(&load("test_detection_output_layer"), &opts()) {
        Err(RuntimeError::BadLayer {
            layer,
            layer_type,
            msg,
        }) => {
            assert_eq!(
                (layer.as_str(), layer_type.as_str()),
                ("test_detection_output", "detection_output")
            );
            assert!(msg.contains("confidence map (8)"), "{msg}");
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("built an inconsistent detection_output graph"),
    }
}

/// Paddle's multibox_loss corpus graph is inconsistent: its label rows have 24 values where
/// MultiBoxLossLayer reads rows of 6 (and its confidence input is too small for 21 classes).
/// The runtime refuses it at build.
#[test]
fn multibox_loss_corpus_graph_is_refused_for_its_label_rows() {
    match check_model(&load("test_multibox_loss_layer"), &opts()) {
        Err(RuntimeError::BadLayer {
            layer,
            layer_type,
            msg,
        }) => {
            assert_eq!(
                (layer.as_str(), layer_type.as_str()),
                ("test_multibox_loss", "multibox_loss")
            );
            assert!(msg.contains("24 values a row"), "{msg}");
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("built an inconsistent multibox_loss graph"),
    }
}

/// Paddle's cost-layer corpus graph is inconsistent: its warp_ctc has size 5001 (the label's
/// 5000 classes and a blank) over an input of 200 values, which WarpCTCLayer CHECKs equal (and
/// its lambda_cost reads a 100-wide input as one score a row). The runtime refuses it at build.
#[test]
fn cost_layers_corpus_graph_is_refused_for_its_warp_ctc_size() {
    match check_model(&load("test_cost_layers"), &opts()) {
        Err(RuntimeError::BadLayer {
            layer,
            layer_type,
            msg,
        }) => {
            assert_eq!(
                (layer.as_str(), layer_type.as_str()),
                ("__warp_ctc_layer_0__", "warp_ctc")
            );
            assert!(msg.contains("size 5001"), "{msg}");
            assert!(msg.contains("input's size 200"), "{msg}");
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("built an inconsistent cost graph"),
    }
}

/// Every Paddle graph parses into the IR (the reader the tests rely on is complete).
#[test]
fn every_fixture_parses() {
    let dir = format!("{}/tests/fixtures/paddle", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .replace(".protostr", "");
        let model = load(&name);
        // test_split_datasource defines data sources only.
        assert!(
            !model.layers.is_empty() || name == "test_split_datasource",
            "{name}"
        );
        n += 1;
    }
    assert!(n >= 50);
}
