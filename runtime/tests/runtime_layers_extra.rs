//! Forward values and gradient checks of the last dense layer types (deconv3d, roi_pool, nce,
//! detection_output) against naive plain-loop references written here from Paddle's C++.

use std::path::{Path, PathBuf};

use paddlers_graph::ModelConfig;
use paddlers_runtime::runtime::checkgrad::{check_model, CheckgradOptions, TOLERANCE};
use paddlers_runtime::runtime::{Arg, Feed, Mode, Network};
use tch::{Device, Kind, Tensor};

fn cfg_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../models/checkgrad/{name}.cfg"))
}

fn model_of(name: &str) -> ModelConfig {
    let path = cfg_path(name);
    paddlers::helpers::parse_config(&path, "")
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .model_config
}

fn net_of(model: &ModelConfig) -> Network {
    Network::build_with_kind(model, Device::Cpu, Kind::Double, 1).unwrap()
}

/// Values that f32 holds exactly, so parameters set through `set_values_f32` are exact.
fn eighths(n: usize, seed: usize) -> Vec<f64> {
    (0..n)
        .map(|i| (((i * 7 + seed * 3) % 17) as f64 - 8.0) / 8.0)
        .collect()
}

fn set(net: &mut Network, name: &str, v: &[f64]) {
    let f: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    net.params_mut().set_values_f32(name, &f).unwrap();
}

fn dense(rows: i64, values: &[f64]) -> Arg {
    Arg::dense(Tensor::from_slice(values).view([rows, -1]))
}

fn output(net: &Network, feed: &Feed, layer: &str) -> Vec<f64> {
    let fwd = net.forward(feed, Mode::Test).unwrap();
    let t = fwd.output(layer).unwrap().value.as_ref().unwrap();
    Vec::<f64>::try_from(&t.to_kind(Kind::Double).reshape([-1])).unwrap()
}

fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "element {i}: {g} vs {w}"
        );
    }
}

/// libtorch's generator is global: tests that draw (nce) or reseed it (checkgrad) take this
/// lock, or parallel tests would change each other's draws between finite-difference passes.
static TORCH_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
    TORCH_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn checkgrad(name: &str) {
    let _rng = rng_lock();
    let model = model_of(name);
    let opts = CheckgradOptions::default();
    let checks = check_model(&model, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
    let trainable = model.parameters.iter().filter(|p| !p.is_static()).count();
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

// ---------------------------------------------------------------- deconv3d

/// Geometry of one deconv3d layer, in Paddle's (z, y, x) order.
struct Deconv {
    channels: usize,
    filters: usize,
    groups: usize,
    k: [usize; 3],
    stride: [usize; 3],
    pad: [usize; 3],
    inp: [usize; 3],
    out: [usize; 3],
}

/// DeConv3DLayer::forward as plain loops: for each group, column = W_g (K x M) * input_g
/// (M x N), then col2Vol scatters column row (f, kz, ky, kx) of input cell (iz, iy, ix) to
/// output cell (iz*sz - pz + kz, ...), skipping cells outside the volume.
fn naive_deconv3d(d: &Deconv, w: &[f64], x: &[f64], bias: &[f64], shared: bool) -> Vec<f64> {
    let m = d.channels / d.groups;
    let fg = d.filters / d.groups;
    let pixels = d.k.iter().product::<usize>();
    let n_in = d.inp.iter().product::<usize>();
    let n_out = d.out.iter().product::<usize>();
    let mut y = vec![0.0; d.filters * n_out];
    for g in 0..d.groups {
        for f in 0..fg {
            let ft = g * fg + f;
            for kz in 0..d.k[0] {
                for ky in 0..d.k[1] {
                    for kx in 0..d.k[2] {
                        let p = (kz * d.k[1] + ky) * d.k[2] + kx;
                        for iz in 0..d.inp[0] {
                            for iy in 0..d.inp[1] {
                                for ix in 0..d.inp[2] {
                                    let oz = (iz * d.stride[0] + kz) as i64 - d.pad[0] as i64;
                                    let oy = (iy * d.stride[1] + ky) as i64 - d.pad[1] as i64;
                                    let ox = (ix * d.stride[2] + kx) as i64 - d.pad[2] as i64;
                                    if oz < 0
                                        || oy < 0
                                        || ox < 0
                                        || oz >= d.out[0] as i64
                                        || oy >= d.out[1] as i64
                                        || ox >= d.out[2] as i64
                                    {
                                        continue;
                                    }
                                    let o = (oz as usize * d.out[1] + oy as usize) * d.out[2]
                                        + ox as usize;
                                    let i = (iz * d.inp[1] + iy) * d.inp[2] + ix;
                                    for c in 0..m {
                                        let wv = w[(ft * pixels + p) * m + c];
                                        y[ft * n_out + o] += wv * x[(g * m + c) * n_in + i];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    for (j, v) in y.iter_mut().enumerate() {
        *v += if shared { bias[j / n_out] } else { bias[j] };
    }
    y
}

#[test]
fn deconv3d_matches_paddles_matrix_layout_and_col2vol() {
    let model = model_of("deconv3d");
    let mut net = net_of(&model);
    let shared = Deconv {
        channels: 2,
        filters: 2,
        groups: 1,
        k: [2, 3, 2],
        stride: [2, 1, 2],
        pad: [1, 1, 0],
        inp: [2, 3, 2],
        out: [2, 3, 4],
    };
    let grouped = Deconv {
        channels: 2,
        filters: 2,
        groups: 2,
        k: [2, 2, 2],
        stride: [1, 1, 1],
        pad: [0, 0, 0],
        inp: [2, 3, 2],
        out: [3, 4, 3],
    };
    let w1 = eighths(2 * 12 * 2, 1);
    let b1 = [0.25, -0.5];
    let w2 = eighths(2 * 8, 2);
    let b2 = eighths(72, 3);
    set(&mut net, "_deconv_shared.w0", &w1);
    set(&mut net, "_deconv_shared.wbias", &b1);
    set(&mut net, "_deconv_groups.w0", &w2);
    set(&mut net, "_deconv_groups.wbias", &b2);
    let rows = 2;
    let x = eighths(rows * 24, 4);
    let feed: Feed = [("vol".to_string(), dense(rows as i64, &x))]
        .into_iter()
        .collect();
    let mut want1 = Vec::new();
    let mut want2 = Vec::new();
    for r in 0..rows {
        let xr = &x[r * 24..(r + 1) * 24];
        want1.extend(
            naive_deconv3d(&shared, &w1, xr, &b1, true)
                .into_iter()
                .map(f64::tanh),
        );
        want2.extend(naive_deconv3d(&grouped, &w2, xr, &b2, false));
    }
    assert_close(&output(&net, &feed, "deconv_shared"), &want1, 1e-12);
    assert_close(&output(&net, &feed, "deconv_groups"), &want2, 1e-12);
}

#[test]
fn deconv3d_gradients() {
    checkgrad("deconv3d");
}

// ---------------------------------------------------------------- roi_pool

/// ROIPoolLayer::forward as plain loops, with the maximum starting from minus infinity and
/// empty bins giving 0. `map` is one row per batch sample, [C, H, W].
#[allow(clippy::too_many_arguments)]
fn naive_roi_pool(
    map: &[f64],
    rois: &[[f64; 5]],
    c: usize,
    h: usize,
    w: usize,
    ph: usize,
    pw: usize,
    scale: f32,
) -> Vec<f64> {
    let mut out = Vec::new();
    for roi in rois {
        let b = roi[0] as usize;
        let corner = |v: f64| ((v as f32 * scale).round() as i64).max(0) as usize;
        let (x1, y1, x2, y2) = (
            corner(roi[1]),
            corner(roi[2]),
            corner(roi[3]),
            corner(roi[4]),
        );
        let rh = (y2 as i64 - y1 as i64 + 1).max(1) as f32;
        let rw = (x2 as i64 - x1 as i64 + 1).max(1) as f32;
        let (bh, bw) = (rh / ph as f32, rw / pw as f32);
        for ch in 0..c {
            for i in 0..ph {
                for j in 0..pw {
                    let hs = ((i as f32 * bh).floor() as usize + y1).min(h);
                    let he = (((i + 1) as f32 * bh).ceil() as usize + y1).min(h);
                    let ws = ((j as f32 * bw).floor() as usize + x1).min(w);
                    let we = (((j + 1) as f32 * bw).ceil() as usize + x1).min(w);
                    let mut m = f64::NEG_INFINITY;
                    for y in hs..he {
                        for x in ws..we {
                            m = m.max(map[((b * c + ch) * h + y) * w + x]);
                        }
                    }
                    out.push(if m == f64::NEG_INFINITY { 0.0 } else { m });
                }
            }
        }
    }
    out
}

#[test]
fn roi_pool_takes_bin_maxima_of_each_region() {
    let mut model = model_of("roi_pool");
    // Read the conv output directly: make roi_pool's input the image itself.
    let roi = model
        .layers
        .iter_mut()
        .find(|l| l.r#type == "roi_pool")
        .unwrap();
    roi.inputs[0].input_layer_name = "image".into();
    roi.size = Some(2 * 3 * 2);
    model.layers.retain(|l| l.r#type != "exconv");
    let fc = model.layers.iter().position(|l| l.r#type == "fc").unwrap();
    model.layers.truncate(fc);
    model.output_layer_names = vec!["__roi_pool_0__".into()];
    model.parameters.clear();
    let net = net_of(&model);
    let (c, h, w) = (2, 4, 5);
    let map = eighths(2 * c * h * w, 5);
    // Regions: the whole map of sample 1, a 1-cell region, one past the right edge (empty
    // bins), batch index 0.9 truncating to 0, and a negative corner clipped to 0.
    let rois = [
        [1.0, 0.0, 0.0, 2.4, 1.6],
        [0.0, 1.0, 1.0, 1.0, 1.0],
        [1.0, 2.3, 0.0, 4.0, 1.0],
        [0.9, 0.5, 0.5, 1.5, 1.5],
        [0.0, -1.0, -2.0, 0.8, 0.7],
    ];
    let flat: Vec<f64> = rois.iter().flatten().copied().collect();
    let feed: Feed = [
        ("image".to_string(), dense(2, &map)),
        ("rois".to_string(), dense(rois.len() as i64, &flat)),
    ]
    .into_iter()
    .collect();
    let want = naive_roi_pool(&map, &rois, c, h, w, 3, 2, 2.0);
    assert!(want.contains(&0.0), "an empty bin is exercised");
    assert_close(&output(&net, &feed, "__roi_pool_0__"), &want, 1e-12);
}

#[test]
fn roi_pool_rejects_a_batch_index_outside_the_batch() {
    let model = model_of("roi_pool");
    let net = net_of(&model);
    let feed: Feed = [
        ("image".to_string(), dense(1, &eighths(40, 1))),
        ("rois".to_string(), dense(1, &[3.0, 0.0, 0.0, 1.0, 1.0])),
    ]
    .into_iter()
    .collect();
    let err = net.forward(&feed, Mode::Test).err().unwrap().to_string();
    assert!(err.contains("region 0: batch_idx 3"), "{err}");
}

#[test]
fn roi_pool_gradients() {
    checkgrad("roi_pool");
}

// ---------------------------------------------------------------- nce

fn sigmoid(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

fn nce_feed(x: &[f64], extra: &[f64], labels: &[i64], w: &[f64]) -> Feed {
    let rows = labels.len() as i64;
    [
        ("x".to_string(), dense(rows, x)),
        ("extra".to_string(), dense(rows, extra)),
        ("lbl".to_string(), Arg::ids(Tensor::from_slice(labels))),
        ("w".to_string(), dense(rows, w)),
    ]
    .into_iter()
    .collect()
}

/// With all noise mass on one class the draws are known, so the cost is checked exactly:
/// scores from the label's and the noise class's weight rows and bias, the sigmoid, and
/// b = num_neg_samples * P(class) for the label's term and each noise term, times the weight.
#[test]
fn nce_cost_matches_hand_computation_with_known_draws() {
    let _rng = rng_lock();
    let mut model = model_of("nce");
    let dist = [0.0, 0.0, 1.0, 0.0, 0.0];
    let layer = model
        .layers
        .iter_mut()
        .find(|l| l.name == "__nce_layer_0__")
        .unwrap();
    layer.neg_sampling_dist = dist.iter().map(|&p| p.into()).collect();
    let mut net = net_of(&model);
    let (fw, fb) = (eighths(12, 1), eighths(3, 2));
    let (w0, w1, bias) = (eighths(15, 3), eighths(10, 4), eighths(5, 5));
    set(&mut net, "___fc_layer_0__.w0", &fw);
    set(&mut net, "___fc_layer_0__.wbias", &fb);
    set(&mut net, "___nce_layer_0__.w0", &w0);
    set(&mut net, "___nce_layer_0__.w1", &w1);
    set(&mut net, "___nce_layer_0__.wbias", &bias);
    let (x, extra) = (eighths(12, 6), eighths(6, 7));
    let labels = [1i64, 2, 4];
    let weights = [1.0, 0.5, 2.0];
    let feed = nce_feed(&x, &extra, &labels, &weights);
    let mut want = Vec::new();
    for r in 0..3 {
        let h: Vec<f64> = (0..3)
            .map(|j| (fb[j] + (0..4).map(|k| x[r * 4 + k] * fw[k * 3 + j]).sum::<f64>()).tanh())
            .collect();
        let o = |c: usize| {
            let s = bias[c]
                + (0..3).map(|j| h[j] * w0[c * 3 + j]).sum::<f64>()
                + (0..2)
                    .map(|j| extra[r * 2 + j] * w1[c * 2 + j])
                    .sum::<f64>();
            sigmoid(s)
        };
        let b = |c: usize| 3.0 * dist[c];
        let l = labels[r] as usize;
        let target = -(o(l) / (o(l) + b(l))).ln();
        let noise = -3.0 * (b(2) / (o(2) + b(2))).ln();
        want.push(weights[r] * (target + noise));
    }
    assert_close(&output(&net, &feed, "__nce_layer_0__"), &want, 1e-12);
}

/// Uniform noise: b = num_neg_samples / num_classes; with zero weights every score is
/// sigmoid(0), so the cost is known whichever classes are drawn.
#[test]
fn nce_uniform_noise_uses_num_neg_over_num_classes() {
    let _rng = rng_lock();
    let model = model_of("nce");
    let mut net = net_of(&model);
    set(&mut net, "___nce_layer_1__.w0", &[0.0; 15]);
    let feed = nce_feed(&eighths(12, 1), &eighths(6, 2), &[0, 3, 4], &[1.0; 3]);
    let b: f64 = 2.0 / 5.0;
    let one = -(0.5 / (0.5 + b)).ln() - 2.0 * (b / (0.5 + b)).ln();
    assert_close(
        &output(&net, &feed, "__nce_layer_1__"),
        &[one, one, one],
        1e-12,
    );
}

/// Draws follow the seed: the same seed gives the same cost, other seeds other draws.
#[test]
fn nce_draws_repeat_under_a_seed_and_vary_across_seeds() {
    let net = net_of(&model_of("nce"));
    let feed = nce_feed(&eighths(12, 1), &eighths(6, 2), &[0, 3, 4], &[1.0; 3]);
    let _rng = rng_lock();
    let at = |seed: i64| {
        tch::manual_seed(seed);
        output(&net, &feed, "__nce_layer_1__")
    };
    assert_eq!(at(7), at(7));
    assert!((1..6).any(|s| at(s) != at(7)), "draws never change");
}

#[test]
fn nce_rejects_labels_outside_num_classes() {
    let _rng = rng_lock();
    let net = net_of(&model_of("nce"));
    let feed = nce_feed(&eighths(12, 1), &eighths(6, 2), &[0, 5, 1], &[1.0; 3]);
    let err = net.forward(&feed, Mode::Test).err().unwrap().to_string();
    assert!(err.contains("label ids must be in [0, 5)"), "{err}");
}

#[test]
fn nce_gradients() {
    checkgrad("nce");
}

// ---------------------------------------------------------------- detection_output

const DETECTION_CFG: &str = "
from paddle.trainer_config_helpers import *
settings(batch_size=2, learning_rate=1e-3)
loc = data_layer(name='loc', size=8, height=2, width=1)
conf = data_layer(name='conf', size=6, height=2, width=1)
pb = data_layer(name='pb', size=16)
out = detection_output_layer(input_loc=loc, input_conf=conf, priorbox=pb, num_classes=3,
                             nms_threshold=0.45, nms_top_k=400, keep_top_k=3,
                             confidence_threshold=0.01, background_id=0, name='det')
outputs(out)
";

fn softmax3(z: [f64; 3]) -> [f64; 3] {
    let e = z.map(f64::exp);
    let s: f64 = e.iter().sum();
    e.map(|v| v / s)
}

/// Two heavily overlapping priors (IoU 0.9). Sample 0: NMS keeps one box per class. Sample
/// 1: its second box is moved right (and clipped to 1), so nothing overlaps and keep_top_k=3
/// drops the weakest of 4 detections. The maps are NCHW with 2 pixels, so the layer must
/// read a prior's offsets and scores across channels.
#[test]
fn detection_output_decodes_suppresses_and_keeps_top_k() {
    let dir = std::env::temp_dir().join(format!("paddlers-det-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("det.cfg");
    std::fs::write(&path, DETECTION_CFG).unwrap();
    let model = paddlers::helpers::parse_config(&path, "")
        .unwrap()
        .model_config;
    let net = net_of(&model);
    let var = [0.1, 0.1, 0.2, 0.2];
    let p0 = [0.1, 0.1, 0.5, 0.5];
    let p1 = [0.12, 0.1, 0.52, 0.5];
    let prior: Vec<f64> = [p0, var, p1, var].concat();
    // Offsets per prior [dx, dy, dw, dh]; NCHW rows are channel-major: [dx0, dx1, dy0, ...].
    let nchw =
        |a: [f64; 4], b: [f64; 4]| -> Vec<f64> { (0..4).flat_map(|c| [a[c], b[c]]).collect() };
    let shift = 0.5 / (0.1 * 0.4); // moves prior 1's centre right by 0.5
    let loc = [
        nchw([0.0; 4], [0.0; 4]),
        nchw([0.0; 4], [shift, 0.0, 0.0, 0.0]),
    ]
    .concat();
    let z0 = [0.0, 2.0, 0.0];
    let z1 = [0.0, 1.0, 1.5];
    let conf_row: Vec<f64> = (0..3).flat_map(|c| [z0[c], z1[c]]).collect();
    let conf = [conf_row.clone(), conf_row].concat();
    let feed: Feed = [
        ("loc".to_string(), dense(2, &loc)),
        ("conf".to_string(), dense(2, &conf)),
        ("pb".to_string(), dense(2, &[prior.clone(), prior].concat())),
    ]
    .into_iter()
    .collect();
    let (s0, s1) = (softmax3(z0), softmax3(z1));
    let moved = [0.62, 0.1, 1.0, 0.5];
    let row = |n: f64, label: usize, score: f64, b: [f64; 4]| {
        vec![n, label as f64, score, b[0], b[1], b[2], b[3]]
    };
    let want = [
        row(0.0, 1, s0[1], p0),
        row(0.0, 2, s1[2], p1),
        row(1.0, 1, s0[1], p0),
        row(1.0, 1, s1[1], moved),
        row(1.0, 2, s1[2], moved),
    ]
    .concat();
    assert_close(&output(&net, &feed, "det"), &want, 1e-12);
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------- multibox_loss

/// Priors and ground truth with unambiguous matches: sample 0's box sits on prior 0 (priors
/// 1 and 2 become its negatives), sample 1's two boxes sit on priors 1 and 2 (prior 0 is its
/// negative). Rows of the label: [label, xmin, ymin, xmax, ymax, difficult].
fn multibox_feed() -> (Feed, Vec<f64>, Vec<[f64; 6]>) {
    let var = [0.1, 0.1, 0.2, 0.2];
    let priors: Vec<f64> = [
        [0.1, 0.1, 0.4, 0.4],
        [0.5, 0.5, 0.9, 0.9],
        [0.1, 0.6, 0.3, 0.9],
    ]
    .iter()
    .flat_map(|p| [p.as_slice(), var.as_slice()].concat())
    .collect();
    let gts = vec![
        [1.0, 0.12, 0.1, 0.42, 0.38, 0.0],
        [2.0, 0.5, 0.55, 0.9, 0.95, 0.0],
        [1.0, 0.1, 0.6, 0.3, 0.85, 0.0],
    ];
    let mut label = dense(3, &gts.concat());
    label.seq_starts = Some(vec![0, 1, 3]);
    let feed: Feed = [
        (
            "x".to_string(),
            dense(2, &[0.5, -0.25, 1.0, -0.75, 0.125, 0.5]),
        ),
        (
            "priorbox".to_string(),
            dense(2, &[priors.clone(), priors.clone()].concat()),
        ),
        ("label".to_string(), label),
    ]
    .into_iter()
    .collect();
    (feed, priors, gts)
}

#[test]
fn multibox_loss_matches_hand_computed_cost() {
    let model = model_of("multibox_loss");
    let net = net_of(&model);
    let (feed, priors, gts) = multibox_feed();
    let fwd = net.forward(&feed, Mode::Test).unwrap();
    let get = |name: &str| {
        let t = fwd.output(name).unwrap().value.as_ref().unwrap();
        Vec::<f64>::try_from(&t.reshape([-1])).unwrap()
    };
    let (loc, conf) = (get("__fc_layer_0__"), get("__fc_layer_1__"));
    // fc outputs have no height or width: one pixel, so a prior's values are adjacent.
    let encode = |p: &[f64], g: &[f64]| -> [f64; 4] {
        let (pw, ph) = (p[2] - p[0], p[3] - p[1]);
        let (gw, gh) = (g[3] - g[1], g[4] - g[2]);
        [
            ((g[1] + g[3]) / 2.0 - (p[0] + p[2]) / 2.0) / pw / p[4],
            ((g[2] + g[4]) / 2.0 - (p[1] + p[3]) / 2.0) / ph / p[5],
            (gw / pw).ln() / p[6],
            (gh / ph).ln() / p[7],
        ]
    };
    let smooth = |d: f64| {
        if d.abs() < 1.0 {
            0.5 * d * d
        } else {
            d.abs() - 0.5
        }
    };
    let ce = |sample: usize, prior: usize, class: usize| {
        let z = &conf[sample * 9 + prior * 3..][..3];
        let lse = z.iter().map(|v| v.exp()).sum::<f64>().ln();
        lse - z[class]
    };
    // (sample, prior, ground-truth row)
    let positives = [(0, 0, 0), (1, 1, 1), (1, 2, 2)];
    let mut total = 0.0;
    for &(s, p, g) in &positives {
        let e = encode(&priors[p * 8..p * 8 + 8], &gts[g]);
        for (j, ej) in e.iter().enumerate() {
            total += smooth(loc[s * 12 + p * 4 + j] - ej);
        }
        total += ce(s, p, gts[g][0] as usize);
    }
    for (s, p) in [(0, 1), (0, 2), (1, 0)] {
        total += ce(s, p, 0);
    }
    let cost = total / 3.0;
    // Each row holds cost / batch, so the rows sum to Paddle's cost.
    assert_close(&get("mbl"), &[cost / 2.0, cost / 2.0], 1e-12);
    let loss = fwd.loss.unwrap().double_value(&[]);
    assert!((loss - cost).abs() < 1e-12, "{loss} vs {cost}");
}

#[test]
fn multibox_loss_gradients() {
    use paddlers_runtime::runtime::checkgrad::check_tensors;
    let net = net_of(&model_of("multibox_loss"));
    let (feed, _, _) = multibox_feed();
    let params: Vec<(String, Tensor)> = net
        .params()
        .trainable()
        .map(|p| (p.name().to_string(), p.value.shallow_clone()))
        .collect();
    assert_eq!(params.len(), 4);
    let loss = || Ok(net.forward(&feed, Mode::Train)?.loss.unwrap());
    let opts = CheckgradOptions::default();
    for c in check_tensors(&params, &loss, &opts).unwrap() {
        assert!(
            c.max_rel_diff < TOLERANCE,
            "wrong gradient: {}",
            c.line(opts.eps)
        );
    }
}

// ---------------------------------------------------------------- devices

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a.to_device(Device::Cpu).to_kind(Kind::Double)
        - b.to_device(Device::Cpu).to_kind(Kind::Double))
    .abs()
    .max()
    .double_value(&[])
}

/// The new layers' costs and parameter gradients on `other` match the CPU's (nce draws on the
/// CPU generator, so the same seed gives both devices the same classes).
fn compare_new_layers_on(other: Device) {
    use paddlers_runtime::runtime::checkgrad::random_feed;
    let _rng = rng_lock();
    for cfg in ["deconv3d", "roi_pool", "nce"] {
        let model = model_of(cfg);
        let cpu = Network::build(&model, Device::Cpu, 5).unwrap();
        let dev = cpu.replica(other).unwrap();
        let feed = random_feed(&cpu, 4, 3);
        let dfeed: Feed = feed
            .iter()
            .map(|(k, a)| {
                let mut b = a.clone();
                b.value = a.value.as_ref().map(|v| v.detach().to_device(other));
                b.ids = a.ids.as_ref().map(|v| v.to_device(other));
                (k.clone(), b)
            })
            .collect();
        tch::manual_seed(11);
        let a = cpu.forward(&feed, Mode::Train).unwrap().loss.unwrap();
        tch::manual_seed(11);
        let b = dev.forward(&dfeed, Mode::Train).unwrap().loss.unwrap();
        let (av, bv) = (a.double_value(&[]), b.double_value(&[]));
        assert!(
            (av - bv).abs() <= 1e-4 * (1.0 + av.abs()),
            "{cfg}: {av} vs {bv}"
        );
        cpu.params().zero_grad();
        dev.params().zero_grad();
        a.backward();
        b.backward();
        for (p, q) in cpu.params().trainable().zip(dev.params().trainable()) {
            let (g, h) = (p.grad().unwrap(), q.grad().unwrap());
            let d = max_abs_diff(&g, &h);
            assert!(d < 1e-4, "{cfg}: gradient of {} differs by {d}", p.name());
        }
    }
}

#[test]
fn new_layers_agree_on_cpu_and_cuda() {
    paddlers_runtime::cuda::load_cuda_backend();
    if !tch::Cuda::is_available() {
        eprintln!("no CUDA device: CPU/CUDA comparison skipped");
        return;
    }
    compare_new_layers_on(Device::Cuda(0));
}

#[test]
fn new_layers_agree_with_a_cpu_replica() {
    compare_new_layers_on(Device::Cpu);
}

// ---------------------------------------------------------------- the book's layers

#[path = "book_layers/mod.rs"]
mod book_layers;
