//! Gradient checks: every config in models/checkgrad/ through the float64 central-difference
//! checker (parameters and dense inputs), the checker catching a wrong gradient, and the
//! `--job=checkgrad` command line.

use std::path::{Path, PathBuf};
use std::process::Command;

use paddlers_runtime::runtime::checkgrad::{
    check_model, check_tensors, CheckgradOptions, TOLERANCE,
};
use tch::{Kind, Tensor};

fn checkgrad_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/checkgrad")
}

fn check_config(name: &str) {
    let path = checkgrad_dir().join(format!("{name}.cfg"));
    let config = paddlers::helpers::parse_config(&path, "")
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let opts = CheckgradOptions::default();
    let checks = check_model(&config.model_config, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
    let trainable = config
        .model_config
        .parameters
        .iter()
        .filter(|p| !p.is_static())
        .count();
    assert!(
        checks.len() > trainable,
        "{name}: checked {} tensors, expected every one of {trainable} parameters and an input",
        checks.len()
    );
    for c in &checks {
        assert!(
            c.max_rel_diff < TOLERANCE,
            "{name}: wrong gradient: {}",
            c.line(opts.eps)
        );
    }
}

#[test]
fn fc_softmax_shared_parameters() {
    check_config("fc_softmax");
}

#[test]
fn conv_batch_norm_pool_lrn_dropout() {
    check_config("conv_pool_norm");
}

#[test]
fn image_layers() {
    check_config("image_ops");
}

#[test]
fn elementwise_layers() {
    check_config("elementwise");
}

#[test]
fn mixed_projections_and_operators() {
    check_config("mixed");
}

#[test]
fn costs() {
    check_config("costs");
}

#[test]
fn activations() {
    check_config("activations");
}

#[test]
fn maxout() {
    check_config("maxout");
}

#[test]
fn multiplex() {
    check_config("multiplex");
}

#[test]
fn sequence_and_recurrent_layers() {
    check_config("sequence");
}

#[test]
fn every_checkgrad_config_has_a_test() {
    let tested = [
        "fc_softmax",
        "conv_pool_norm",
        "image_ops",
        "elementwise",
        "mixed",
        "costs",
        "activations",
        "maxout",
        "multiplex",
        "sequence",
        // Checked in runtime/tests/layers/, beside their forward tests.
        "deconv3d",
        "roi_pool",
        "nce",
        "multibox_loss",
        // Checked in runtime/tests/layers/ (crf, seq_select, priorbox modules).
        "crf_ctc",
        "seq_select",
        "switch_order_priorbox",
        // Checked in runtime/tests/layers/ (recurrent_group module).
        "recurrent_group",
    ];
    for entry in std::fs::read_dir(checkgrad_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".cfg") {
            assert!(
                tested.contains(&stem),
                "models/checkgrad/{name} has no test"
            );
        }
    }
}

/// A loss whose value is 3 * sum(x) but whose autograd gradient is 2: the checker must
/// report the parameter, and accept the same loss with its true gradient.
#[test]
fn a_wrong_gradient_is_caught() {
    let x = Tensor::from_slice(&[0.5f64, -1.0, 2.0]).set_requires_grad(true);
    let wrong = || {
        let d = x.detach();
        Ok((&d * 3.0 + (&x - &d) * 2.0).sum(Kind::Double))
    };
    let opts = CheckgradOptions::default();
    let checks = check_tensors(&[("x".into(), x.shallow_clone())], &wrong, &opts).unwrap();
    assert!(
        (checks[0].max_rel_diff - 1.0 / 3.0).abs() < 1e-6,
        "{:?}",
        checks[0]
    );
    assert!(checks[0].max_rel_diff > TOLERANCE);

    let y = Tensor::from_slice(&[0.5f64, -1.0, 2.0]).set_requires_grad(true);
    let right = || Ok((&y * 3.0).sum(Kind::Double));
    let checks = check_tensors(&[("y".into(), y.shallow_clone())], &right, &opts).unwrap();
    assert!(checks[0].max_rel_diff < 1e-8, "{:?}", checks[0]);
}

/// A gradient off by 1% in one element of a nonlinear loss is still far above tolerance.
#[test]
fn a_slightly_wrong_gradient_is_caught() {
    let x = Tensor::from_slice(&[0.3f64, -0.7, 1.1, 0.2]).set_requires_grad(true);
    let mask = Tensor::from_slice(&[1.0f64, 1.0, 1.01, 1.0]);
    let loss = || {
        // value tanh(x).sum(); gradient scaled by 1.01 in element 2
        let t = x.tanh();
        let d = t.detach();
        Ok((&d + (&t - &d) * &mask).sum(Kind::Double))
    };
    let checks = check_tensors(
        &[("x".into(), x.shallow_clone())],
        &loss,
        &CheckgradOptions::default(),
    )
    .unwrap();
    assert_eq!(checks[0].worst, 2);
    assert!(checks[0].max_rel_diff > TOLERANCE, "{:?}", checks[0]);
}

#[test]
fn checkgrad_command_prints_a_line_per_parameter() {
    let out = Command::new(env!("CARGO_BIN_EXE_paddlers-runtime"))
        .args(["train", "--job=checkgrad", "--checkgrad_eps=1e-6"])
        .arg(format!(
            "--config={}",
            checkgrad_dir().join("fc_softmax.cfg").display()
        ))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for p in [
        "___fc_layer_0__.w0",
        "___fc_layer_0__.w1",
        "shared_w",
        "shared_b",
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("para={p} ")) && l.contains("step=1e-6")),
            "no line for {p}:\n{stdout}"
        );
    }
    assert!(stdout.contains("checkgrad passed"));
}

#[test]
fn checkgrad_command_fails_on_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.cfg");
    std::fs::write(
        &cfg,
        "from paddle.trainer_config_helpers import *\nx = data_layer(name='x', size=3)\n\
         outputs(sum_cost(input=lstmemory(input=x)))\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_paddlers-runtime"))
        .args(["train", "--job=checkgrad"])
        .arg(format!("--config={}", cfg.display()))
        .output()
        .unwrap();
    assert!(!out.status.success());
}

/// The tutorial's models build, run a training step, and give every trainable parameter a
/// gradient; ResNet's float64 copy passes a sampled gradient check.
#[test]
fn tutorial_models_train_a_step_and_pass_a_sampled_gradient_check() {
    use paddlers_runtime::runtime::checkgrad::{check_network, random_feed};
    use paddlers_runtime::runtime::{Mode, Network};
    use tch::Device;
    for (cfg, args) in [("vgg", ""), ("resnet", "depth=8")] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../models/{cfg}.cfg"));
        let config =
            paddlers::helpers::parse_config(&path, args).unwrap_or_else(|e| panic!("{cfg}: {e}"));
        let net = Network::build(&config.model_config, Device::Cpu, 1).unwrap();
        let feed = random_feed(&net, 2, 1);
        let fwd = net.forward(&feed, Mode::Train).unwrap();
        fwd.loss
            .expect("the tutorial models end in a cost")
            .backward();
        for p in net.params().trainable() {
            assert!(p.grad().is_some(), "{cfg}: {} got no gradient", p.name());
        }
        if cfg == "vgg" {
            continue; // one step is enough for the big one; resnet covers the same layers
        }
        // A small step: with this many ReLUs a larger one crosses kinks.
        let opts = CheckgradOptions {
            batch_size: 2,
            max_elements: 3,
            check_inputs: false,
            eps: 1e-7,
            ..Default::default()
        };
        let net64 = net.with_kind(Kind::Double).unwrap();
        for c in check_network(&net64, &opts).unwrap() {
            assert!(c.max_rel_diff < TOLERANCE, "{cfg}: {}", c.line(opts.eps));
        }
    }
}
