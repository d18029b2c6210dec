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
