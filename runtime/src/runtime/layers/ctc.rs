//! Connectionist temporal classification costs: `ctc` (CTCLayer.cpp over LinearChainCTC.cpp)
//! and `warp_ctc` (WarpCTCLayer.cpp, Baidu's warp-ctc).
//!
//! Both output one cost per sequence, -log p(label | input), summed over every alignment of
//! the label (with blanks between and around its tokens) to the input's steps.
//! - `ctc` reads probabilities (a softmax output) of `input size` classes, the last one
//!   being the blank; logs are taken as Paddle's safeLog does (floored at log(FLT_MIN)).
//! - `warp_ctc` reads unnormalized activations of `size` classes, applies softmax inside
//!   (as warp-ctc does), and takes the blank from the config.
//!
//! The recursion over alignments (Graves, ch. 7.3) runs in log space over all sequences at
//! once, padded; autograd gives the gradient Paddle computes by hand from the forward and
//! backward variables. As in both of Paddle's layers, a label that cannot fit (fewer steps
//! than tokens plus repeated neighbours) costs 0 with a zero gradient, and `norm_by_times`
//! divides the gradient (not the reported cost) by the sequence's number of steps.

use tch::{Kind, Tensor};

use super::{host_ids, ids, seq_starts, value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

struct Ctc {
    classes: i64,
    blank: i64,
    /// warp_ctc: the input is activations, softmax is applied here.
    softmax: bool,
    norm_by_times: bool,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(2..=2)?;
    let input = cx.input_size(0)?;
    let warp = cx.cfg.r#type == "warp_ctc";
    let classes = if warp { cx.size() } else { input };
    if classes < 2 {
        return Err(cx.err(format!("needs at least 2 classes, has {classes}")));
    }
    if warp && classes != input {
        return Err(cx.err(format!(
            "size {classes} (classes, blank included) differs from the input's size {input}"
        )));
    }
    let blank = if warp {
        i64::from(cx.cfg.blank.unwrap_or(0))
    } else {
        classes - 1
    };
    if blank >= classes {
        return Err(cx.err(format!("blank {blank} is not one of the {classes} classes")));
    }
    Ok(Box::new(Ctc {
        classes,
        blank,
        softmax: warp,
        norm_by_times: cx.cfg.norm_by_times.unwrap_or(false),
    }))
}

/// Stands in for log(0): finite, so logsumexp over unreachable states keeps finite gradients
/// (which are then multiplied by exp(-1e30) = 0).
const LOG_ZERO: f64 = -1e30;

impl Layer for Ctc {
    fn is_cost(&self) -> bool {
        true
    }

    fn keeps_sequence(&self) -> bool {
        false
    }

    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "the input")?;
        let in_starts = seq_starts(inputs[0], "the input")?;
        let lab_starts = seq_starts(inputs[1], "the label")?;
        if in_starts.len() != lab_starts.len() {
            return Err(format!(
                "the input has {} sequences, the label {}",
                in_starts.len() - 1,
                lab_starts.len() - 1
            ));
        }
        let labels = host_ids(ids(inputs[1], "the label")?)?;
        if let Some(bad) = labels
            .iter()
            .find(|&&l| l < 0 || l >= self.classes || l == self.blank)
        {
            return Err(format!(
                "label {bad} is not a class of [0, {}) other than the blank {}",
                self.classes, self.blank
            ));
        }
        let logp = if self.softmax {
            x.log_softmax(-1, x.kind())
        } else {
            // LinearChainCTC's safeLog: log(FLT_MIN) below FLT_MIN.
            x.clamp_min(f64::from(f32::MIN_POSITIVE)).log()
        };
        let n = in_starts.len() - 1;
        let t_len: Vec<i64> = in_starts.windows(2).map(|w| w[1] - w[0]).collect();
        let seqs: Vec<&[i64]> = lab_starts
            .windows(2)
            .map(|w| &labels[w[0] as usize..w[1] as usize])
            .collect();
        let feasible: Vec<bool> = seqs
            .iter()
            .zip(&t_len)
            .map(|(l, &t)| {
                let repeats = l.windows(2).filter(|p| p[0] == p[1]).count() as i64;
                t > 0 && t >= l.len() as i64 + repeats
            })
            .collect();
        let neg_log_p = neg_log_likelihood(&logp, in_starts, &seqs, self.blank);
        let dev = x.device();
        let kind = x.kind();
        let mask = Tensor::from_slice(&feasible.iter().map(|&f| f as i64).collect::<Vec<_>>())
            .to_device(dev)
            .gt(0);
        let cost = neg_log_p.where_self(&mask, &Tensor::zeros([n as i64], (kind, dev)));
        let cost = if self.norm_by_times {
            let steps: Vec<f64> = t_len.iter().map(|&t| t.max(1) as f64).collect();
            let steps = Tensor::from_slice(&steps).to_kind(kind).to_device(dev);
            let scaled = &cost / steps;
            // The value stays the cost; only the gradient is divided by the steps.
            &scaled + (&cost - &scaled).detach()
        } else {
            cost
        };
        Ok(Arg::dense(cost.unsqueeze(1)))
    }
}

/// -log p(labels | logp) for each sequence, over a padded [sequences, states] lattice.
fn neg_log_likelihood(logp: &Tensor, starts: &[i64], labels: &[&[i64]], blank: i64) -> Tensor {
    let n = labels.len();
    let dev = logp.device();
    let kind = logp.kind();
    let t_len: Vec<i64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    let t_max = t_len.iter().copied().max().unwrap_or(0).max(1);
    let s_max = labels.iter().map(|l| 2 * l.len() + 1).max().unwrap_or(1);
    // Extended labels (blank, l1, blank, l2, ..., blank), padded with blanks; a state may
    // skip the blank before it when its token differs from the one two states back.
    let mut ext = vec![blank; n * s_max];
    let mut skip = vec![0i64; n * s_max];
    for (i, l) in labels.iter().enumerate() {
        for (j, &tok) in l.iter().enumerate() {
            ext[i * s_max + 2 * j + 1] = tok;
            if j > 0 && l[j - 1] != tok {
                skip[i * s_max + 2 * j + 1] = 1;
            }
        }
    }
    let ext = Tensor::from_slice(&ext)
        .view([n as i64, s_max as i64])
        .to_device(dev);
    let skip = Tensor::from_slice(&skip)
        .view([n as i64, s_max as i64])
        .to_device(dev)
        .gt(0);
    // Row of (sequence, step); steps past a sequence's end repeat a valid row (masked).
    let total = logp.size()[0];
    let mut rows = Vec::with_capacity(n * t_max as usize);
    for i in 0..n {
        for k in 0..t_max {
            rows.push((starts[i] + k.min((t_len[i] - 1).max(0))).min((total - 1).max(0)));
        }
    }
    let rows_t = Tensor::from_slice(&rows).to_device(dev);
    let classes = logp.size()[1];
    let padded = if total == 0 {
        Tensor::zeros([n as i64, t_max, classes], (kind, dev))
    } else {
        logp.index_select(0, &rows_t)
            .view([n as i64, t_max, classes])
    };
    // [n, t_max, s_max]: the log probability of each state's token at each step.
    let emit = padded.gather(
        2,
        &ext.unsqueeze(1)
            .expand([n as i64, t_max, s_max as i64], false),
        false,
    );
    let lens = Tensor::from_slice(&t_len).to_device(dev);
    let zero = Tensor::full([n as i64, s_max as i64], LOG_ZERO, (kind, dev));
    let first_two = Tensor::arange(s_max as i64, (Kind::Int64, dev))
        .lt(2)
        .unsqueeze(0);
    let mut alpha = emit.select(1, 0).where_self(&first_two, &zero);
    let shift = |a: &Tensor, by: i64| -> Tensor {
        let pad = Tensor::full([n as i64, by], LOG_ZERO, (kind, dev));
        Tensor::cat(&[pad, a.narrow(1, 0, s_max as i64 - by)], 1)
    };
    for k in 1..t_max {
        let one = shift(&alpha, 1);
        let two = if s_max > 2 {
            shift(&alpha, 2).where_self(&skip, &zero)
        } else {
            zero.shallow_clone()
        };
        let next = Tensor::stack(&[alpha.shallow_clone(), one, two], 0).logsumexp([0], false)
            + emit.select(1, k);
        let live = lens.gt(k).unsqueeze(1);
        alpha = next.where_self(&live, &alpha);
    }
    // The label ends in its last token or the blank after it.
    let last: Vec<i64> = labels.iter().map(|l| 2 * l.len() as i64).collect();
    let before: Vec<i64> = labels
        .iter()
        .map(|l| (2 * l.len() as i64 - 1).max(0))
        .collect();
    let has_token: Vec<i64> = labels.iter().map(|l| (!l.is_empty()) as i64).collect();
    let pick = |v: &[i64]| {
        alpha
            .gather(1, &Tensor::from_slice(v).to_device(dev).unsqueeze(1), false)
            .squeeze_dim(1)
    };
    let end_blank = pick(&last);
    let end_token = pick(&before).where_self(
        &Tensor::from_slice(&has_token).to_device(dev).gt(0),
        &Tensor::full([n as i64], LOG_ZERO, (kind, dev)),
    );
    -Tensor::stack(&[end_blank, end_token], 0).logsumexp([0], false)
}
