//! nce: costs with known draws, seeding, and label checks.

use crate::support::*;

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
