//! roi_pool, detection_output and multibox_loss against plain loops of Paddle's C++.

use crate::support::*;

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
