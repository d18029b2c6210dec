//! crf and crf_decoding against brute force over every tag path.

use crate::support::*;

const CFG: &str = "
from paddle.trainer_config_helpers import *
settings(batch_size=3, learning_rate=1e-3)
x = data_layer(name='x', size=3)
tags = data_layer(name='tags', size=3)
w = data_layer(name='w', size=1)
crf = crf_layer(input=x, label=tags, size=3, weight=w, param_attr=ParamAttr(name='crfw'))
dec = crf_decoding_layer(input=x, size=3, label=tags, param_attr=ParamAttr(name='crfw'))
outputs(crf, dec)
";

/// a (3), b (3), w (3x3) in Paddle's flat layout.
fn params() -> Vec<f64> {
    eighths(15, 2)
}

fn score(x: &[f64], path: &[usize], p: &[f64]) -> f64 {
    let c = 3;
    let (a, b, w) = (&p[..c], &p[c..2 * c], &p[2 * c..]);
    let mut s = a[path[0]] + b[path[path.len() - 1]];
    for (k, &t) in path.iter().enumerate() {
        s += x[k * c + t];
        if k > 0 {
            s += w[path[k - 1] * c + t];
        }
    }
    s
}

fn setup() -> (Network, Feed, Vec<f64>, Vec<i64>, Vec<i64>, Vec<f64>) {
    let mut net = net_of(&model_from_text("crf", CFG));
    set(&mut net, "crfw", &params());
    let starts = vec![0, 3, 4, 6];
    let x: Vec<f64> = eighths(18, 5).iter().map(|v| v * 1.5).collect();
    let tags = vec![2, 0, 1, 1, 0, 2];
    let weight = vec![1.0, 0.5, 2.0];
    let mut feed = Feed::new();
    feed.insert("x".into(), seq_dense(6, &x, &starts));
    feed.insert("tags".into(), seq_ids(&tags, &starts));
    feed.insert(
        "w".into(),
        Arg::dense(Tensor::from_slice(&weight).view([3, 1])),
    );
    (net, feed, x, starts, tags, weight)
}

/// The cost of each sequence is log Z - score(label), Z summed over all 3^len paths.
#[test]
fn crf_cost_is_the_log_likelihood_over_every_tag_path() {
    let (net, feed, x, starts, tags, weight) = setup();
    let got = output(&net, &feed, "__crf_layer_0__");
    let p = params();
    let mut want = Vec::new();
    for s in 0..3 {
        let (lo, hi) = (starts[s] as usize, starts[s + 1] as usize);
        let xs = &x[lo * 3..hi * 3];
        let scores: Vec<f64> = all_paths(hi - lo, 3)
            .iter()
            .map(|path| score(xs, path, &p))
            .collect();
        let label: Vec<usize> = tags[lo..hi].iter().map(|&t| t as usize).collect();
        want.push((logsumexp(&scores) - score(xs, &label, &p)) * weight[s]);
    }
    // float64 throughout; the recursion and the enumeration differ only in rounding.
    assert_close(&got, &want, 1e-12);
}

/// Viterbi returns the best-scoring path of each sequence; with a label, 0/1 per step.
#[test]
fn crf_decoding_finds_the_best_path() {
    let (net, feed, x, starts, tags, _) = setup();
    let fwd = net.forward(&feed, Mode::Test).unwrap();
    let out = fwd.output("__crf_decoding_layer_0__").unwrap();
    let ids = Vec::<i64>::try_from(out.ids.as_ref().unwrap()).unwrap();
    let p = params();
    let mut want = Vec::new();
    for s in 0..3 {
        let (lo, hi) = (starts[s] as usize, starts[s + 1] as usize);
        let xs = &x[lo * 3..hi * 3];
        let best = all_paths(hi - lo, 3)
            .into_iter()
            .max_by(|a, b| score(xs, a, &p).partial_cmp(&score(xs, b, &p)).unwrap())
            .unwrap();
        want.extend(best.iter().map(|&t| t as i64));
    }
    assert_eq!(ids, want);
    let err: Vec<f64> = Vec::<f64>::try_from(&out.value.as_ref().unwrap().reshape([-1])).unwrap();
    let want_err: Vec<f64> = want
        .iter()
        .zip(&tags)
        .map(|(a, b)| if a == b { 0.0 } else { 1.0 })
        .collect();
    assert_eq!(err, want_err);
    assert_eq!(out.seq_starts.as_deref(), Some(&starts[..]));
}

#[test]
fn crf_refuses_tags_outside_its_classes() {
    let (net, mut feed, _, starts, _, _) = setup();
    feed.insert("tags".into(), seq_ids(&[0, 1, 3, 0, 0, 0], &starts));
    let e = forward_error(&net, &feed);
    assert!(
        e.contains("__crf_layer_0__") && e.contains("label 3 is outside [0, 3)"),
        "{e}"
    );
}

#[test]
fn crf_refuses_a_weight_row_count_other_than_the_sequences() {
    let (net, mut feed, ..) = setup();
    feed.insert(
        "w".into(),
        Arg::dense(Tensor::ones([6, 1], (Kind::Double, Device::Cpu))),
    );
    let e = forward_error(&net, &feed);
    assert!(e.contains("one value for each of 3 sequences"), "{e}");
}

#[test]
fn crf_ctc_gradients() {
    checkgrad("crf_ctc");
}
