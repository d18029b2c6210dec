//! ctc and warp_ctc against brute force over every alignment of short sequences.

use crate::support::*;

const CFG: &str = "
from paddle.trainer_config_helpers import *
settings(batch_size=3, learning_rate=1e-3)
probs = data_layer(name='probs', size=4)
acts = data_layer(name='acts', size=4)
lab = data_layer(name='lab', size=3)
lab0 = data_layer(name='lab0', size=3)
ctc = ctc_layer(input=probs, label=lab, size=4)
warp = warp_ctc_layer(input=acts, label=lab0, size=4, blank=0)
outputs(ctc, warp)
";

const STARTS: [i64; 4] = [0, 3, 5, 6];

fn acts() -> Vec<f64> {
    eighths(24, 4).iter().map(|v| v * 2.0).collect()
}

fn softmax_rows(v: &[f64], c: usize) -> Vec<f64> {
    v.chunks(c)
        .flat_map(|r| {
            let z = logsumexp(r);
            r.iter().map(move |x| (x - z).exp()).collect::<Vec<_>>()
        })
        .collect()
}

/// -log of the summed probability of every path over `t` steps that collapses (merge
/// repeats, then drop blanks) to `label`; 0 when no path does (Paddle's infeasible case).
fn brute_force(p: &[f64], t: usize, label: &[i64], blank: usize) -> f64 {
    let mut total = 0.0;
    let mut any = false;
    for path in all_paths(t, 4) {
        let mut out = Vec::new();
        let mut prev = usize::MAX;
        for &s in &path {
            if s != prev && s != blank {
                out.push(s as i64);
            }
            prev = s;
        }
        if out == label {
            any = true;
            total += path
                .iter()
                .enumerate()
                .map(|(k, &s)| p[k * 4 + s])
                .product::<f64>();
        }
    }
    if any {
        -total.ln()
    } else {
        0.0
    }
}

struct Case {
    net: Network,
    feed: Feed,
    probs: Vec<f64>,
    acts_soft: Vec<f64>,
    labels: Vec<i64>,
    label_starts: Vec<i64>,
    labels0: Vec<i64>,
    label0_starts: Vec<i64>,
}

fn case(norm_by_times: bool) -> Case {
    let mut model = model_from_text("ctc", CFG);
    for l in &mut model.layers {
        if l.r#type == "warp_ctc" {
            l.norm_by_times = Some(norm_by_times);
        }
    }
    let net = net_of(&model);
    let a = acts();
    let probs = softmax_rows(&eighths(24, 9), 4);
    // ctc (blank 3): [0, 1] over 3 steps, [2] over 2, [1, 1] over 1 step (cannot fit).
    let (labels, label_starts) = (vec![0, 1, 2, 1, 1], vec![0, 2, 3, 5]);
    // warp_ctc (blank 0): [1, 1] over 3 steps (one alignment), [3] over 2, [] over 1.
    let (labels0, label0_starts) = (vec![1, 1, 3], vec![0, 2, 3, 3]);
    let mut feed = Feed::new();
    feed.insert("probs".into(), seq_dense(6, &probs, &STARTS));
    let mut acts_arg = seq_dense(6, &a, &STARTS);
    acts_arg.value = acts_arg.value.map(|v| v.set_requires_grad(true));
    feed.insert("acts".into(), acts_arg);
    feed.insert("lab".into(), seq_ids(&labels, &label_starts));
    feed.insert("lab0".into(), seq_ids(&labels0, &label0_starts));
    Case {
        net,
        feed,
        probs,
        acts_soft: softmax_rows(&a, 4),
        labels,
        label_starts,
        labels0,
        label0_starts,
    }
}

fn expected(p: &[f64], labels: &[i64], label_starts: &[i64], blank: usize) -> Vec<f64> {
    (0..3)
        .map(|s| {
            let (lo, hi) = (STARTS[s] as usize, STARTS[s + 1] as usize);
            let lab = &labels[label_starts[s] as usize..label_starts[s + 1] as usize];
            brute_force(&p[lo * 4..hi * 4], hi - lo, lab, blank)
        })
        .collect()
}

#[test]
fn ctc_cost_sums_every_alignment() {
    let c = case(false);
    let got = output(&c.net, &c.feed, "__ctc_layer_0__");
    let want = expected(&c.probs, &c.labels, &c.label_starts, 3);
    assert_eq!(want[2], 0.0, "the third label cannot fit one step");
    // float64; the lattice and the enumeration differ only in rounding.
    assert_close(&got, &want, 1e-12);
}

#[test]
fn warp_ctc_cost_applies_softmax_and_its_own_blank() {
    let c = case(false);
    let got = output(&c.net, &c.feed, "__warp_ctc_layer_0__");
    let want = expected(&c.acts_soft, &c.labels0, &c.label0_starts, 0);
    assert_close(&got, &want, 1e-12);
}

/// norm_by_times divides each step's gradient by its sequence's steps and leaves the cost.
#[test]
fn norm_by_times_scales_the_gradient_only() {
    let grads = |norm: bool| {
        let c = case(norm);
        let fwd = c.net.forward(&c.feed, Mode::Train).unwrap();
        let cost = fwd
            .output("__warp_ctc_layer_0__")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .shallow_clone();
        cost.sum(Kind::Double).backward();
        let g = c.feed["acts"].value.as_ref().unwrap().grad();
        (
            Vec::<f64>::try_from(&cost.detach().reshape([-1])).unwrap(),
            Vec::<f64>::try_from(&g.reshape([-1])).unwrap(),
        )
    };
    let (plain_cost, plain) = grads(false);
    let (norm_cost, norm) = grads(true);
    assert_close(&norm_cost, &plain_cost, 1e-12);
    let steps = [3.0, 3.0, 3.0, 2.0, 2.0, 1.0];
    let want: Vec<f64> = plain
        .iter()
        .enumerate()
        .map(|(i, g)| g / steps[i / 4])
        .collect();
    assert_close(&norm, &want, 1e-12);
    assert!(
        plain.iter().any(|g| g.abs() > 1e-3),
        "the gradient is not trivial"
    );
}

#[test]
fn ctc_refuses_a_label_equal_to_the_blank() {
    let c = case(false);
    let mut feed = c.feed;
    feed.insert("lab".into(), seq_ids(&[0, 3, 2, 1, 1], &c.label_starts));
    let e = forward_error(&c.net, &feed);
    assert!(
        e.contains("__ctc_layer_0__") && e.contains("other than the blank 3"),
        "{e}"
    );
    let _ = c.labels0;
}

#[test]
fn ctc_refuses_label_and_input_sequence_counts_that_differ() {
    let c = case(false);
    let mut feed = c.feed;
    feed.insert("lab".into(), seq_ids(&[0, 1, 2, 1, 1], &[0, 2, 5]));
    let e = forward_error(&c.net, &feed);
    assert!(e.contains("the input has 3 sequences, the label 2"), "{e}");
}
