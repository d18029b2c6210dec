//! `lambda_cost` (LambdaCost in CostLayer.cpp): LambdaRank over lists (sequences).
//!
//! Input 0 holds the model's score of each item (width 1), input 1 its relevance (width 1);
//! each sequence is one list. The output, on every row of a list, is the list's NDCG at
//! `NDCG_num` of the model's ranking. It is not differentiated: as in Paddle, the gradient
//! sent to the scores is LambdaRank's, for each pair (i, j) with i ranked above j by
//! relevance (only the first `max_sort_size` positions are sorted, -1 = all):
//!
//! ```text
//! lambda_ij = -|dcg_diff_ij| / (1 + exp(o_i - o_j)) / maxDCG,  grad_i += lambda_ij,
//! grad_j -= lambda_ij
//! ```
//!
//! with dcg_diff_ij = (2^r_i - 2^r_j) (1/ln(i+2) - 1/ln(j+2)) inside the sorted part and
//! (2^r_i - 2^r_j) / ln(i+2) past it. That is the gradient of
//! sum |dcg_diff_ij| / maxDCG * ln(1 + exp(o_j - o_i)), so the layer adds that sum (less its
//! own value, so the output still reads NDCG) to carry exactly Paddle's gradient.

use tch::Tensor;

use super::{host_values, seq_starts, value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

struct LambdaCost {
    truncation: usize,
    max_sort: Option<usize>,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(2..=2)?;
    for i in 0..2 {
        if cx.input_size(i)? != 1 {
            return Err(cx.err(format!(
                "input {i} has width {}, lambda_cost reads one score a row",
                cx.input_size(i)?
            )));
        }
    }
    let truncation = cx.cfg.ndcg_num.unwrap_or(5);
    if truncation < 1 {
        return Err(cx.err(format!("NDCG_num is {truncation}, it must be at least 1")));
    }
    let max_sort = match cx.cfg.max_sort_size.unwrap_or(-1) {
        -1 => None,
        m if m >= truncation => Some(m as usize),
        m => return Err(cx.err(format!("max_sort_size {m} is below NDCG_num {truncation}"))),
    };
    Ok(Box::new(LambdaCost {
        truncation: truncation as usize,
        max_sort,
    }))
}

fn dcg_gain(r: f64) -> f64 {
    2f64.powf(r) - 1.0
}

/// Indices sorted by `key` descending; ties keep no particular order in Paddle (std::sort),
/// here the earlier index first (a stable sort).
fn order_desc(key: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..key.len()).collect();
    idx.sort_by(|&a, &b| {
        key[b]
            .partial_cmp(&key[a])
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    idx
}

/// The best DCG at `k`: relevances sorted descending.
fn max_dcg(rel: &[f64], k: usize) -> f64 {
    let order = order_desc(rel);
    (0..k)
        .map(|i| dcg_gain(rel[order[i]]) / ((i + 2) as f64).ln())
        .sum()
}

/// LambdaCost::calcNDCG for one list.
pub fn ndcg(out: &[f64], rel: &[f64], k: usize) -> Result<f64, String> {
    let order = order_desc(out);
    let dcg: f64 = (0..k)
        .map(|i| dcg_gain(rel[order[i]]) / ((i + 2) as f64).ln())
        .sum();
    let best = max_dcg(rel, k);
    if best <= 0.0 {
        return Err("a list's best DCG is 0 (no item has a positive relevance)".into());
    }
    Ok(dcg / best)
}

/// The pairs (i, j, |dcg_diff| / maxDCG) of LambdaCost::calcGrad for one list.
pub fn lambda_pairs(
    rel: &[f64],
    k: usize,
    max_sort: Option<usize>,
) -> Result<Vec<(usize, usize, f64)>, String> {
    let size = rel.len();
    let sort_size = max_sort.map_or(size, |m| m.min(size));
    let order = order_desc(rel);
    let best = max_dcg(rel, k);
    if best <= 0.0 {
        return Err("a list's best DCG is 0 (no item has a positive relevance)".into());
    }
    let mut pairs = Vec::new();
    for i in 0..sort_size {
        for j in i + 1..size {
            let (a, b) = (order[i], order[j]);
            let diff = 2f64.powf(rel[a]) - 2f64.powf(rel[b]);
            let dcg_diff = if j < sort_size {
                diff * (1.0 / ((i + 2) as f64).ln() - 1.0 / ((j + 2) as f64).ln())
            } else {
                diff / ((i + 2) as f64).ln()
            };
            pairs.push((a, b, dcg_diff.abs() / best));
        }
    }
    Ok(pairs)
}

impl Layer for LambdaCost {
    fn is_cost(&self) -> bool {
        true
    }

    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let out = value(inputs[0], "the scores")?;
        let rel_t = value(inputs[1], "the relevances")?;
        let rows = out.size()[0];
        if rel_t.size()[0] != rows {
            return Err(format!("{} relevances for {rows} scores", rel_t.size()[0]));
        }
        let starts = seq_starts(inputs[0], "the scores")?;
        let o = host_values(out)?;
        let r = host_values(rel_t)?;
        let mut ndcg_rows = vec![0.0; rows as usize];
        let (mut hi_idx, mut lo_idx, mut weights) = (Vec::new(), Vec::new(), Vec::new());
        for (s, w) in starts.windows(2).enumerate() {
            let (lo, hi) = (w[0] as usize, w[1] as usize);
            if hi - lo < self.truncation {
                return Err(format!(
                    "list {s} has {} items, fewer than NDCG_num {}",
                    hi - lo,
                    self.truncation
                ));
            }
            let v = ndcg(&o[lo..hi], &r[lo..hi], self.truncation)
                .map_err(|e| format!("list {s}: {e}"))?;
            ndcg_rows[lo..hi].iter_mut().for_each(|x| *x = v);
            for (a, b, wt) in lambda_pairs(&r[lo..hi], self.truncation, self.max_sort)
                .map_err(|e| format!("list {s}: {e}"))?
            {
                hi_idx.push((lo + a) as i64);
                lo_idx.push((lo + b) as i64);
                weights.push(wt);
            }
        }
        let dev = out.device();
        let kind = out.kind();
        let value = Tensor::from_slice(&ndcg_rows)
            .view([rows, 1])
            .to_kind(kind)
            .to_device(dev);
        if hi_idx.is_empty() {
            return Ok(Arg::dense(value));
        }
        let flat = out.reshape([-1]);
        let oi = flat.index_select(0, &Tensor::from_slice(&hi_idx).to_device(dev));
        let oj = flat.index_select(0, &Tensor::from_slice(&lo_idx).to_device(dev));
        let w = Tensor::from_slice(&weights).to_kind(kind).to_device(dev);
        // sum w * ln(1 + exp(o_j - o_i)); its gradient is Paddle's lambdas.
        let surrogate = ((oj - oi).softplus() * w).sum(kind);
        Ok(Arg::dense(
            value + (&surrogate - surrogate.detach()) / rows as f64,
        ))
    }
}
