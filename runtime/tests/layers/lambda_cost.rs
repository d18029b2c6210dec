//! lambda_cost: NDCG as output, and LambdaRank's gradient as LambdaCost::calcGrad's loops.

use crate::support::*;

const CFG: &str = "
from paddle.trainer_config_helpers import *
settings(batch_size=3, learning_rate=1e-3)
o = data_layer(name='o', size=1)
r = data_layer(name='r', size=1)
outputs(lambda_cost(input=o, score=r, NDCG_num=2))
";

const STARTS: [i64; 3] = [0, 4, 7];
const OUT: [f64; 7] = [0.3, -0.2, 0.9, 0.1, 0.5, -0.4, 0.2];
const REL: [f64; 7] = [2.0, 0.0, 1.0, 3.0, 0.0, 2.0, 1.0];

fn desc(key: &[f64]) -> Vec<usize> {
    let mut i: Vec<usize> = (0..key.len()).collect();
    i.sort_by(|&a, &b| key[b].partial_cmp(&key[a]).unwrap());
    i
}

fn dcg_at(order: &[usize], rel: &[f64], k: usize) -> f64 {
    (0..k)
        .map(|i| (2f64.powf(rel[order[i]]) - 1.0) / ((i + 2) as f64).ln())
        .sum()
}

/// LambdaCost::calcGrad, as written in CostLayer.cpp.
fn paddle_grad(out: &[f64], rel: &[f64], k: usize, max_sort: Option<usize>) -> Vec<f64> {
    let size = out.len();
    let sort_size = max_sort.map_or(size, |m| m.min(size));
    let order = desc(rel);
    let max_dcg = dcg_at(&order, rel, k);
    let mut grad = vec![0.0; size];
    for i in 0..sort_size {
        for j in i + 1..size {
            let (a, b) = (order[i], order[j]);
            let dcg_dif = if j < sort_size {
                (2f64.powf(rel[a]) - 2f64.powf(rel[b]))
                    * (1.0 / ((i + 2) as f64).ln() - 1.0 / ((j + 2) as f64).ln())
            } else {
                (2f64.powf(rel[a]) - 2f64.powf(rel[b])) / ((i + 2) as f64).ln()
            };
            let lambda = -dcg_dif.abs() / (1.0 + (out[a] - out[b]).exp());
            grad[a] += lambda / max_dcg;
            grad[b] -= lambda / max_dcg;
        }
    }
    grad
}

fn run(max_sort: i32) -> (Vec<f64>, Vec<f64>) {
    let mut model = model_from_text("lambda", CFG);
    model.layers.iter_mut().for_each(|l| {
        if l.r#type == "lambda_cost" {
            l.max_sort_size = Some(max_sort);
        }
    });
    let net = net_of(&model);
    let mut feed = Feed::new();
    let mut o = seq_dense(7, &OUT, &STARTS);
    o.value = o.value.map(|v| v.set_requires_grad(true));
    feed.insert("o".into(), o);
    feed.insert("r".into(), seq_dense(7, &REL, &STARTS));
    let fwd = net.forward(&feed, Mode::Train).unwrap();
    let v = fwd
        .output("__lambda_cost_0__")
        .unwrap()
        .value
        .as_ref()
        .unwrap();
    let v = Vec::<f64>::try_from(&v.detach().reshape([-1])).unwrap();
    fwd.loss.unwrap().backward();
    let g = feed["o"].value.as_ref().unwrap().grad();
    (v, Vec::<f64>::try_from(&g.reshape([-1])).unwrap())
}

#[test]
fn lambda_cost_outputs_ndcg_and_sends_lambdarank_gradients() {
    for max_sort in [-1, 2] {
        let (v, g) = run(max_sort);
        let mut want_v = Vec::new();
        let mut want_g = Vec::new();
        for s in 0..2 {
            let (lo, hi) = (STARTS[s] as usize, STARTS[s + 1] as usize);
            let (o, r) = (&OUT[lo..hi], &REL[lo..hi]);
            let ndcg = dcg_at(&desc(o), r, 2) / dcg_at(&desc(r), r, 2);
            want_v.extend(std::iter::repeat(ndcg).take(hi - lo));
            let m = (max_sort > 0).then_some(max_sort as usize);
            want_g.extend(paddle_grad(o, r, 2, m));
        }
        // float64 on both sides.
        assert_close(&v, &want_v, 1e-12);
        assert_close(&g, &want_g, 1e-12);
    }
}

#[test]
fn lambda_cost_refuses_a_list_shorter_than_ndcg_num() {
    let net = net_of(&model_from_text("lambda", CFG));
    let mut feed = Feed::new();
    feed.insert("o".into(), seq_dense(3, &OUT[..3], &[0, 1, 3]));
    feed.insert("r".into(), seq_dense(3, &REL[..3], &[0, 1, 3]));
    let e = forward_error(&net, &feed);
    assert!(
        e.contains("list 0 has 1 items, fewer than NDCG_num 2"),
        "{e}"
    );
}

#[test]
fn lambda_cost_refuses_lists_without_relevance() {
    let net = net_of(&model_from_text("lambda", CFG));
    let mut feed = Feed::new();
    feed.insert("o".into(), seq_dense(2, &OUT[..2], &[0, 2]));
    feed.insert("r".into(), seq_dense(2, &[0.0, 0.0], &[0, 2]));
    let e = forward_error(&net, &feed);
    assert!(e.contains("best DCG is 0"), "{e}");
}
