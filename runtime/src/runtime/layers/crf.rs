//! Linear-chain CRF (CRFLayer.cpp, CRFDecodingLayer.cpp, LinearChainCRF.cpp).
//!
//! The parameter holds, flat, a (start scores, C), b (end scores, C) and w (C x C transition
//! scores, w[j * C + i] from tag j to tag i). For a sequence x (L x C) and tags s:
//!
//! ```text
//! score(s) = a[s_0] + b[s_L-1] + sum_k x[k, s_k] + sum_k>0 w[s_k-1, s_k]
//! cost     = log sum_s' exp(score(s')) - score(s)
//! ```
//!
//! `crf` outputs one cost per sequence (times the optional weight input). Paddle computes the
//! partition function with scaled probabilities and writes the gradient by hand; here it is
//! the same forward recursion in log space (logsumexp), and autograd gives the same gradient
//! (the marginals minus the label's indicators). `crf_decoding` runs Viterbi on the host with
//! Paddle's tie-breaking (the first maximum wins).

use tch::Tensor;

use super::{host_ids, host_values, ids, seq_starts, value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

struct Crf {
    param: String,
    classes: i64,
    weight: bool,
}

struct CrfDecoding {
    param: String,
    classes: i64,
    with_label: bool,
}

fn crf_param(cx: &BuildCx) -> Result<(String, i64)> {
    let classes = cx.input_size(0)?;
    if classes < 2 {
        return Err(cx.err(format!("needs at least 2 classes, the input has {classes}")));
    }
    if cx.size() != classes {
        return Err(cx.err(format!(
            "size {} differs from the input's {classes} classes",
            cx.size()
        )));
    }
    let param = cx.input_param(0, classes * (classes + 2))?;
    Ok((param, classes))
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(2..=3)?;
    let (param, classes) = crf_param(cx)?;
    Ok(Box::new(Crf {
        param,
        classes,
        weight: cx.num_inputs() == 3,
    }))
}

pub fn build_decoding(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(1..=2)?;
    let (param, classes) = crf_param(cx)?;
    Ok(Box::new(CrfDecoding {
        param,
        classes,
        with_label: cx.num_inputs() == 2,
    }))
}

/// Tag ids of `label`, one per row of `rows`, each below `classes`.
fn tags(label: &Arg, rows: i64, classes: i64) -> Result<Vec<i64>, String> {
    let t = host_ids(ids(label, "the label")?)?;
    if t.len() as i64 != rows {
        return Err(format!("{} labels for {rows} rows of scores", t.len()));
    }
    if let Some(bad) = t.iter().find(|&&l| l < 0 || l >= classes) {
        return Err(format!("label {bad} is outside [0, {classes})"));
    }
    Ok(t)
}

impl Layer for Crf {
    fn is_cost(&self) -> bool {
        true
    }

    fn keeps_sequence(&self) -> bool {
        false
    }

    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let c = self.classes;
        let x = value(inputs[0], "the input")?;
        let rows = x.size()[0];
        // Paddle reads the sequences off the label.
        let starts = seq_starts(inputs[1], "the label")?;
        if *starts.last().unwrap_or(&0) != rows {
            return Err(format!(
                "the label's sequences cover {} rows, the input has {rows}",
                starts.last().unwrap_or(&0)
            ));
        }
        let labels = tags(inputs[1], rows, c)?;
        let n = starts.len() - 1;
        if starts.windows(2).any(|w| w[0] == w[1]) {
            return Err("a sequence is empty".into());
        }
        let p = cx.param(&self.param)?;
        let a = p.narrow(0, 0, c);
        let b = p.narrow(0, c, c);
        let w = p.narrow(0, 2 * c, c * c).view([c, c]);
        let log_z = log_partition(x, &a, &b, &w, starts);

        // The labelled path's score, gathered by flat indices and summed per sequence.
        let dev = x.device();
        let mut x_idx = Vec::with_capacity(rows as usize);
        let mut x_seq = Vec::with_capacity(rows as usize);
        let mut w_idx = Vec::new();
        let mut w_seq = Vec::new();
        let (mut first, mut last) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for s in 0..n {
            let (lo, hi) = (starts[s] as usize, starts[s + 1] as usize);
            first.push(labels[lo]);
            last.push(labels[hi - 1]);
            for k in lo..hi {
                x_idx.push(k as i64 * c + labels[k]);
                x_seq.push(s as i64);
                if k > lo {
                    w_idx.push(labels[k - 1] * c + labels[k]);
                    w_seq.push(s as i64);
                }
            }
        }
        let t = |v: &[i64]| Tensor::from_slice(v).to_device(dev);
        let zeros = Tensor::zeros([n as i64], (x.kind(), dev));
        let emit = x.reshape([-1]).index_select(0, &t(&x_idx));
        let mut score = zeros.index_add(0, &t(&x_seq), &emit);
        if !w_idx.is_empty() {
            let trans = w.reshape([-1]).index_select(0, &t(&w_idx));
            score = score.index_add(0, &t(&w_seq), &trans);
        }
        score = score + a.index_select(0, &t(&first)) + b.index_select(0, &t(&last));
        let mut cost = (log_z - score).unsqueeze(1);
        if self.weight {
            let wt = value(inputs[2], "the weight")?;
            if wt.size() != [n as i64, 1] {
                return Err(format!(
                    "the weight input has shape {:?}, expected one value for each of {n} sequences",
                    wt.size()
                ));
            }
            cost *= wt;
        }
        Ok(Arg::dense(cost))
    }
}

/// log Z of every sequence: the forward recursion over a padded [sequences, steps, classes]
/// view, each sequence's alpha frozen once its steps run out.
fn log_partition(x: &Tensor, a: &Tensor, b: &Tensor, w: &Tensor, starts: &[i64]) -> Tensor {
    let n = starts.len() - 1;
    let lens: Vec<i64> = starts.windows(2).map(|s| s[1] - s[0]).collect();
    let t_max = lens.iter().copied().max().unwrap_or(0);
    let dev = x.device();
    // Row index of (sequence, step); steps past the end repeat the last row (masked below).
    let mut idx = Vec::with_capacity(n * t_max as usize);
    for s in 0..n {
        for k in 0..t_max {
            idx.push(starts[s] + k.min(lens[s] - 1));
        }
    }
    let padded = x
        .index_select(0, &Tensor::from_slice(&idx).to_device(dev))
        .view([n as i64, t_max, -1]);
    let lens_t = Tensor::from_slice(&lens).to_device(dev);
    let mut alpha = padded.select(1, 0) + a.unsqueeze(0);
    for k in 1..t_max {
        let next =
            (alpha.unsqueeze(2) + w.unsqueeze(0)).logsumexp([1], false) + padded.select(1, k);
        let live = lens_t.gt(k).unsqueeze(1);
        alpha = next.where_self(&live, &alpha);
    }
    (alpha + b.unsqueeze(0)).logsumexp([1], false)
}

/// Viterbi over one sequence, as LinearChainCRF::decode (ties keep the first maximum).
pub fn viterbi(x: &[f64], len: usize, c: usize, a: &[f64], b: &[f64], w: &[f64]) -> Vec<i64> {
    let mut alpha = vec![0.0; len * c];
    let mut track = vec![0usize; len * c];
    for i in 0..c {
        alpha[i] = a[i] + x[i];
    }
    for k in 1..len {
        for i in 0..c {
            let (mut best, mut arg) = (f64::NEG_INFINITY, 0);
            for j in 0..c {
                let s = alpha[(k - 1) * c + j] + w[j * c + i];
                if s > best {
                    best = s;
                    arg = j;
                }
            }
            alpha[k * c + i] = best + x[k * c + i];
            track[k * c + i] = arg;
        }
    }
    let (mut best, mut arg) = (f64::NEG_INFINITY, 0);
    for i in 0..c {
        let s = alpha[(len - 1) * c + i] + b[i];
        if s > best {
            best = s;
            arg = i;
        }
    }
    let mut path = vec![0i64; len];
    path[len - 1] = arg as i64;
    for k in (1..len).rev() {
        arg = track[k * c + arg];
        path[k - 1] = arg as i64;
    }
    path
}

impl Layer for CrfDecoding {
    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let c = self.classes as usize;
        let x = value(inputs[0], "the input")?;
        let rows = x.size()[0];
        let starts = seq_starts(inputs[0], "the input")?;
        let xs = host_values(x)?;
        let p = host_values(cx.param(&self.param)?)?;
        let (a, rest) = p.split_at(c);
        let (b, w) = rest.split_at(c);
        let mut path = Vec::with_capacity(rows as usize);
        for s in starts.windows(2) {
            let (lo, hi) = (s[0] as usize, s[1] as usize);
            if hi > lo {
                path.extend(viterbi(&xs[lo * c..hi * c], hi - lo, c, a, b, w));
            }
        }
        let dev = x.device();
        let mut out = Arg::ids(Tensor::from_slice(&path).to_device(dev));
        if self.with_label {
            let labels = tags(inputs[1], rows, self.classes)?;
            let err: Vec<f64> = path
                .iter()
                .zip(&labels)
                .map(|(p, l)| if p == l { 0.0 } else { 1.0 })
                .collect();
            out.value = Some(
                Tensor::from_slice(&err)
                    .view([rows, 1])
                    .to_kind(x.kind())
                    .to_device(dev),
            );
        }
        Ok(out)
    }
}
