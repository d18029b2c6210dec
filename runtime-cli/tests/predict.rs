//! `predict` and `extract` end to end: a config parsed with is_predict=1, parameters read
//! from a pass directory in Paddle's format, images laid out C x H x W minus the mean, and
//! the tutorial's output line.

use std::path::Path;
use std::process::Command;

use paddlers_runtime::train::checkpoint::write_param_file;

const CONFIG: &str = r#"from paddle.trainer_config_helpers import *
is_predict = get_config_arg("is_predict", bool, False)
img = data_layer(name='image', size=3 * 4 * 4)
out = fc_layer(input=img, size=5, act=SoftmaxActivation(),
               param_attr=ParamAttr(name='w'), bias_attr=ParamAttr(name='b'))
if not is_predict:
    lbl = data_layer(name='label', size=5)
    outputs(classification_cost(input=out, label=lbl))
else:
    outputs(out)
"#;

/// Writes the config, a pass directory whose fc outputs the mean of the R, G and B planes as
/// scores 0, 1, 2 (and 0 for 3 and 4), a mean file, and two images.
fn setup(dir: &Path) {
    std::fs::write(dir.join("net.cfg"), CONFIG).unwrap();
    let pass = dir.join("pass-00000");
    std::fs::create_dir(&pass).unwrap();
    // w is [input_size=48, size=5]: pixel i of plane c feeds score c with weight 1/16.
    let mut w = vec![0f32; 48 * 5];
    for c in 0..3 {
        for i in 0..16 {
            w[(c * 16 + i) * 5 + c] = 1.0 / 16.0;
        }
    }
    write_param_file(&pass.join("w"), &w).unwrap();
    write_param_file(&pass.join("b"), &[0.0, 0.0, 0.0, 0.5, -0.5]).unwrap();
    // Per-channel mean of 100 (an .npz with key 'mean', as data/mean.meta is).
    std::fs::write(dir.join("mean.meta"), npz_mean(&[100.0, 100.0, 100.0])).unwrap();
    for (name, rgb) in [
        ("red.png", [250u8, 90, 90]),
        ("blue.png", [90, 90, 250]),
        ("grey.png", [100, 100, 100]),
    ] {
        image::RgbImage::from_pixel(4, 4, image::Rgb(rgb))
            .save(dir.join(name))
            .unwrap();
    }
}

fn npz_mean(values: &[f64]) -> Vec<u8> {
    paddlers_providers::numpy::npz_f64(&[("mean", values)])
}

fn run(args: &[String]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_paddlers-runtime"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn p(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

#[test]
fn predict_prints_the_tutorials_label_lines() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    std::fs::write(d.join("images.list"), "red.png\nblue.png\n").unwrap();
    let (ok, stdout, stderr) = run(&[
        "predict".into(),
        format!("--config={}", p(d, "net.cfg")),
        format!("--model={}", p(d, "pass-00000")),
        format!("--mean={}", p(d, "mean.meta")),
        format!("--data={}", p(d, "grey.png")),
        format!("--data={}", p(d, "images.list")),
    ]);
    assert!(ok, "{stdout}\n{stderr}");
    // grey - mean = 0 everywhere: the bias decides (index 3).
    let want = format!(
        "Label of {} is: 3\nLabel of {} is: 0\nLabel of {} is: 2\n",
        p(d, "grey.png"),
        p(d, "red.png"),
        p(d, "blue.png")
    );
    assert_eq!(stdout, want);
}

#[test]
fn extract_writes_the_layer_output_as_npy() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let (ok, stdout, stderr) = run(&[
        "extract".into(),
        format!("--config={}", p(d, "net.cfg")),
        format!("--model={}", p(d, "pass-00000")),
        format!("--mean={}", p(d, "mean.meta")),
        format!("--data={}", p(d, "red.png")),
        "--layer=__fc_layer_0__".into(),
        format!("--output={}", p(d, "f.npy")),
    ]);
    assert!(ok, "{stdout}\n{stderr}");
    let bytes = std::fs::read(d.join("f.npy")).unwrap();
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + hlen]).unwrap();
    assert!(
        header.contains("'descr': '<f4'") && header.contains("'shape': (1, 5)"),
        "{header}"
    );
    assert_eq!((10 + hlen) % 64, 0);
    let got: Vec<f32> = bytes[10 + hlen..]
        .chunks(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    // scores: R - 100 = 150, G - 100 = -10, B - 100 = -10, bias 0.5, -0.5; then softmax
    let scores = [150.0f64, -10.0, -10.0, 0.5, -0.5];
    let z: f64 = scores.iter().map(|s| (s - 150.0).exp()).sum();
    for (g, s) in got.iter().zip(scores) {
        let want = (s - 150.0).exp() / z;
        assert!((*g as f64 - want).abs() < 1e-6, "{got:?}");
    }
}

#[test]
fn predict_with_a_missing_parameter_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    std::fs::remove_file(d.join("pass-00000/b")).unwrap();
    let (ok, _, stderr) = run(&[
        "predict".into(),
        format!("--config={}", p(d, "net.cfg")),
        format!("--model={}", p(d, "pass-00000")),
        format!("--mean={}", p(d, "mean.meta")),
        format!("--data={}", p(d, "red.png")),
    ]);
    assert!(!ok);
    assert!(stderr.contains("pass-00000/b"), "{stderr}");
}

#[test]
fn extract_of_a_conv_layer_also_draws_its_feature_maps() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    std::fs::write(
        d.join("conv.cfg"),
        r#"from paddle.trainer_config_helpers import *
img = data_layer(name='image', size=3 * 4 * 4)
conv = img_conv_layer(input=img, num_channels=3, num_filters=5, filter_size=1,
                      param_attr=ParamAttr(name='cw'), bias_attr=ParamAttr(name='cb'))
outputs(conv)
"#,
    )
    .unwrap();
    let pass = d.join("pass-conv");
    std::fs::create_dir(&pass).unwrap();
    write_param_file(&pass.join("cw"), &[0.01; 15]).unwrap();
    write_param_file(&pass.join("cb"), &[0.0, 1.0, 2.0, 3.0, 4.0]).unwrap();
    let (ok, stdout, stderr) = run(&[
        "extract".into(),
        format!("--config={}", p(d, "conv.cfg")),
        format!("--model={}", p(d, "pass-conv")),
        format!("--mean={}", p(d, "mean.meta")),
        format!("--data={}", p(d, "red.png")),
        format!("--output={}", p(d, "conv.npy")),
    ]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("layer '__conv_0__'"), "{stdout}");
    // 5 maps of 4x4 in a 3-wide grid with 1-pixel gaps: 14 x 9 pixels.
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(d.join("conv.png")).unwrap(),
    ));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    assert_eq!((info.width, info.height), (14, 9));
}

/// The tutorial's layout: the config in models/ declares its data source with a relative
/// mean_path (data/mean.meta), the images and a Paddle `path label` list beside them.
fn tutorial_layout(d: &Path, mean_path: &str, predict_branch: bool) {
    setup(d);
    std::fs::create_dir_all(d.join("models")).unwrap();
    std::fs::create_dir_all(d.join("data/images")).unwrap();
    let tail = if predict_branch {
        "if not is_predict:\n    lbl = data_layer(name='label', size=5)\n    \
         outputs(classification_cost(input=out, label=lbl))\nelse:\n    outputs(out)\n"
    } else {
        "lbl = data_layer(name='label', size=5)\noutputs(classification_cost(input=out, label=lbl))\n"
    };
    let cfg = format!(
        "from paddle.trainer_config_helpers import *\n\
         is_predict = get_config_arg('is_predict', bool, False)\n\
         if not is_predict:\n    define_py_data_sources2(train_list='data/train.list', \
         test_list='data/test.list', module='dataprovider', obj='process', \
         args={{'mean_path': '{mean_path}'}})\n\
         img = data_layer(name='image', size=3 * 4 * 4)\n\
         out = fc_layer(input=img, size=5, act=SoftmaxActivation(), \
         param_attr=ParamAttr(name='w'), bias_attr=ParamAttr(name='b'))\n{tail}"
    );
    std::fs::write(d.join("models/net.cfg"), cfg).unwrap();
    std::fs::rename(d.join("mean.meta"), d.join("data/mean.meta")).unwrap();
    for f in ["red.png", "blue.png", "grey.png"] {
        std::fs::rename(d.join(f), d.join("data/images").join(f)).unwrap();
    }
    // Labels as Paddle's image lists write them; blue's is wrong on purpose (2 is right).
    std::fs::write(
        d.join("data/predict.list"),
        "images/red.png 0\nimages/blue.png 1\nimages/grey.png 3\n",
    )
    .unwrap();
}

fn run_in(cwd: &Path, args: &[String]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_paddlers-runtime"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn labels(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.rsplit_once(" is: ").map(|(_, x)| x.to_string()))
        .collect()
}

#[test]
fn predict_gives_the_same_labels_from_any_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tutorial_layout(d, "data/mean.meta", true);
    let elsewhere = tempfile::tempdir().unwrap();
    // A different mean.meta where a cwd-relative lookup would find it first: it must not
    // be used, the config's own (found from the config's directory upwards) is.
    std::fs::create_dir_all(elsewhere.path().join("data")).unwrap();
    std::fs::write(
        elsewhere.path().join("data/mean.meta"),
        npz_mean(&[250.0, 0.0, 0.0]),
    )
    .unwrap();
    let args = |cfg: &str, model: &str, list: &str| -> Vec<String> {
        vec![
            "predict".into(),
            format!("--config={cfg}"),
            format!("--model={model}"),
            format!("--data={list}"),
        ]
    };
    let mut seen = Vec::new();
    for (cwd, cfg, model, list) in [
        (
            d.to_path_buf(),
            "models/net.cfg".to_string(),
            "pass-00000".to_string(),
            "data/predict.list".to_string(),
        ),
        (
            d.join("models"),
            "net.cfg".into(),
            "../pass-00000".into(),
            "../data/predict.list".into(),
        ),
        (
            elsewhere.path().to_path_buf(),
            p(d, "models/net.cfg"),
            p(d, "pass-00000"),
            p(d, "data/predict.list"),
        ),
    ] {
        let (ok, stdout, stderr) = run_in(&cwd, &args(&cfg, &model, &list));
        assert!(ok, "from {}: {stdout}\n{stderr}", cwd.display());
        // The path used is logged.
        let want = d.join("data/mean.meta").canonicalize().unwrap();
        assert!(
            stderr.contains(&format!("subtracting the mean in {}", want.display())),
            "from {}: {stderr}",
            cwd.display()
        );
        // red - 100 wins score 0, blue score 2, grey - 100 = 0 leaves the bias (3); the
        // list's labels 0, 1, 3 make 2 of 3 right.
        assert_eq!(labels(&stdout), ["0", "2", "3"], "from {}", cwd.display());
        assert!(
            stdout.contains("Accuracy: 0.6667 (2 of 3 labelled images"),
            "{stdout}"
        );
        seen.push(labels(&stdout));
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn predict_without_a_mean_stops_and_says_how_to_pass_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tutorial_layout(d, "data/missing.meta", true);
    let (ok, stdout, stderr) = run_in(
        d,
        &[
            "predict".into(),
            "--config=models/net.cfg".into(),
            "--model=pass-00000".into(),
            "--data=data/predict.list".into(),
        ],
    );
    assert!(!ok, "{stdout}");
    assert!(stdout.is_empty(), "{stdout}");
    // Located at the data source's line, naming the path looked for and the flag.
    assert!(
        stderr
            .contains("net.cfg:4: mean_path 'data/missing.meta' is not in the config's directory")
            && stderr.contains("--mean=FILE"),
        "{stderr}"
    );
    // A config with no data source at all (the fixture's net.cfg) is refused too.
    let (ok, _, stderr) = run(&[
        "predict".into(),
        format!("--config={}", p(d, "net.cfg")),
        format!("--model={}", p(d, "pass-00000")),
        format!("--data={}", p(d, "data/images/red.png")),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("the config declares no data source") && stderr.contains("--mean=FILE"),
        "{stderr}"
    );
    // --mean that does not exist is named.
    let (ok, _, stderr) = run_in(
        d,
        &[
            "predict".into(),
            "--config=models/net.cfg".into(),
            "--model=pass-00000".into(),
            "--mean=nowhere.meta".into(),
            "--data=data/predict.list".into(),
        ],
    );
    assert!(!ok);
    assert!(
        stderr.contains("--mean=nowhere.meta: no such file"),
        "{stderr}"
    );
}

#[test]
fn predict_from_a_config_without_a_predict_branch_runs_to_the_costs_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tutorial_layout(d, "data/mean.meta", false);
    let base = [
        "predict".to_string(),
        "--config=models/net.cfg".into(),
        "--model=pass-00000".into(),
        "--data=data/predict.list".into(),
    ];
    let (ok, stdout, stderr) = run_in(d, &base);
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(labels(&stdout), ["0", "2", "3"]);
    assert!(
        stderr.contains("predicting from its input '__fc_layer_0__'"),
        "{stderr}"
    );
    let mut named = base.to_vec();
    named.push("--output_layer=__fc_layer_0__".into());
    let (ok, stdout2, stderr) = run_in(d, &named);
    assert!(ok, "{stderr}");
    assert_eq!(stdout2, stdout);
    // A layer that needs the label is refused with the way out.
    let mut cost = base.to_vec();
    cost.push("--output_layer=__cost_0__".into());
    let (ok, _, stderr) = run_in(d, &cost);
    assert!(!ok);
    assert!(
        stderr.contains("reads 2 data layers (image, label)") && stderr.contains("--output_layer"),
        "{stderr}"
    );
    let mut bad = base.to_vec();
    bad.push("--output_layer=nope".into());
    let (ok, _, stderr) = run_in(d, &bad);
    assert!(!ok);
    assert!(
        stderr.contains("--output_layer=nope: no such layer"),
        "{stderr}"
    );
}

#[test]
fn a_list_line_with_a_bad_label_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tutorial_layout(d, "data/mean.meta", true);
    std::fs::write(
        d.join("data/bad.list"),
        "images/red.png 0\nimages/blue.png x\n",
    )
    .unwrap();
    let (ok, _, stderr) = run_in(
        d,
        &[
            "predict".into(),
            "--config=models/net.cfg".into(),
            "--model=pass-00000".into(),
            "--data=data/bad.list".into(),
        ],
    );
    assert!(!ok);
    assert!(
        stderr.contains("data/bad.list:2: 'x' is not a label"),
        "{stderr}"
    );
}

#[test]
fn a_config_that_is_a_directory_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tutorial_layout(d, "data/mean.meta", true);
    let (ok, _, stderr) = run_in(
        d,
        &[
            "predict".into(),
            "--config=models".into(),
            "--model=pass-00000".into(),
            "--data=data/predict.list".into(),
        ],
    );
    assert!(!ok);
    assert!(
        stderr.contains("--config=models: is a directory"),
        "{stderr}"
    );
}
