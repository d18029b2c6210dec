//! Sequence pooling: max, average (average / sum / squarerootn), seqlastins (last or first
//! instance). Rows are time steps; `seq_starts` (and `subseq_starts` for nested sequences)
//! say where each sequence begins, as Paddle's sequenceStartPositions do.
//!
//! trans_type "non-seq" pools each sequence to one row (or, with seq_pool_stride > 0, each
//! window of `stride` steps, giving a sequence); "seq" pools each sub-sequence, giving a
//! sequence of the pooled rows.

use tch::Tensor;

use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Pool {
    Max,
    Average,
    Sum,
    SqrtN,
    Last,
    First,
}

struct SeqPool {
    pool: Pool,
    nested: bool,
    stride: i64,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(1..=1)?;
    let pool = match cx.cfg.r#type.as_str() {
        "max" => {
            if cx.cfg.output_max_index == Some(true) {
                return Err(cx.err("max pooling with output_max_index is not supported"));
            }
            Pool::Max
        }
        "average" => match cx.cfg.average_strategy.as_deref().unwrap_or("average") {
            "average" => Pool::Average,
            "sum" => Pool::Sum,
            "squarerootn" => Pool::SqrtN,
            other => return Err(cx.err(format!("average_strategy '{other}' is unknown"))),
        },
        "seqlastins" => {
            if cx.cfg.select_first == Some(true) {
                Pool::First
            } else {
                Pool::Last
            }
        }
        "seqfirstins" => Pool::First,
        other => return Err(cx.err(format!("'{other}' is not a sequence pooling layer"))),
    };
    Ok(Box::new(SeqPool {
        pool,
        nested: cx.cfg.trans_type.as_deref() == Some("seq"),
        stride: cx.cfg.seq_pool_stride.unwrap_or(-1) as i64,
    }))
}

/// Segments (start, length) to pool, and the sequence starts of the result, if it is one.
type Segments = (Vec<(i64, i64)>, Option<Vec<i64>>);

fn segments(arg: &Arg, nested: bool, stride: i64) -> Result<Segments, String> {
    let starts = arg
        .seq_starts
        .as_ref()
        .ok_or("needs sequence input, but its input carries no sequence start positions")?;
    if nested {
        let sub = arg
            .subseq_starts
            .as_ref()
            .ok_or("trans_type 'seq' needs nested sequences (sub-sequence start positions)")?;
        let segs: Vec<(i64, i64)> = sub.windows(2).map(|w| (w[0], w[1] - w[0])).collect();
        // Each sequence's pooled rows: the sub-sequences that start inside it.
        let out: Vec<i64> = starts
            .iter()
            .map(|s| sub.iter().take_while(|&&b| b < *s).count() as i64)
            .collect();
        return Ok((segs, Some(out)));
    }
    if stride > 0 {
        let mut segs = Vec::new();
        let mut out = vec![0];
        for w in starts.windows(2) {
            let mut s = w[0];
            while s < w[1] {
                segs.push((s, stride.min(w[1] - s)));
                s += stride;
            }
            out.push(segs.len() as i64);
        }
        return Ok((segs, Some(out)));
    }
    Ok((
        starts.windows(2).map(|w| (w[0], w[1] - w[0])).collect(),
        None,
    ))
}

impl Layer for SeqPool {
    fn keeps_sequence(&self) -> bool {
        false
    }

    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "input")?;
        let (segs, out_starts) = segments(inputs[0], self.nested, self.stride)?;
        if segs.iter().any(|&(_, len)| len == 0) {
            return Err("an empty sequence cannot be pooled".into());
        }
        let dev = x.device();
        let y = match self.pool {
            Pool::Last | Pool::First => {
                let rows: Vec<i64> = segs
                    .iter()
                    .map(|&(s, len)| {
                        if self.pool == Pool::Last {
                            s + len - 1
                        } else {
                            s
                        }
                    })
                    .collect();
                x.index_select(0, &Tensor::from_slice(&rows).to_device(dev))
            }
            Pool::Max => {
                let parts: Vec<Tensor> = segs
                    .iter()
                    .map(|&(s, len)| x.narrow(0, s, len).amax([0], true))
                    .collect();
                Tensor::cat(&parts, 0)
            }
            Pool::Average | Pool::Sum | Pool::SqrtN => {
                let mut ids = Vec::with_capacity(x.size()[0] as usize);
                for (k, &(_, len)) in segs.iter().enumerate() {
                    ids.extend(std::iter::repeat(k as i64).take(len as usize));
                }
                let ids = Tensor::from_slice(&ids).to_device(dev);
                let sums = Tensor::zeros([segs.len() as i64, x.size()[1]], (x.kind(), dev))
                    .index_add(0, &ids, x);
                let scale: Vec<f64> = segs
                    .iter()
                    .map(|&(_, len)| match self.pool {
                        Pool::Average => 1.0 / len as f64,
                        Pool::SqrtN => 1.0 / (len as f64).sqrt(),
                        _ => 1.0,
                    })
                    .collect();
                if self.pool == Pool::Sum {
                    sums
                } else {
                    sums * Tensor::from_slice(&scale)
                        .to_kind(x.kind())
                        .to_device(dev)
                        .unsqueeze(1)
                }
            }
        };
        Ok(Arg {
            value: Some(y),
            seq_starts: out_starts,
            ..Default::default()
        })
    }
}

/// expand (ExpandLayer): each row of input 0 repeated over one sequence of input 1
/// (trans_type "non-seq"), or over one of its sub-sequences ("seq"). The output takes input
/// 1's sequence positions.
struct Expand {
    nested: bool,
}

pub fn build_expand(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(2..=2)?;
    if cx.input_size(0)? != cx.size() {
        return Err(cx.err("input 0 must have the layer's size"));
    }
    Ok(Box::new(Expand {
        nested: cx.cfg.trans_type.as_deref() == Some("seq"),
    }))
}

impl Layer for Expand {
    fn keeps_sequence(&self) -> bool {
        false
    }

    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "input")?;
        let like = inputs[1];
        let starts = if self.nested {
            like.subseq_starts
                .as_ref()
                .ok_or("expand_as needs sub-sequence positions")?
        } else {
            like.seq_starts
                .as_ref()
                .ok_or("expand_as needs sequence positions")?
        };
        let n = starts.len().saturating_sub(1) as i64;
        if x.size()[0] != n {
            return Err(format!(
                "input has {} rows, but expand_as has {n} (sub-)sequences",
                x.size()[0]
            ));
        }
        let mut rows = Vec::new();
        for (i, w) in starts.windows(2).enumerate() {
            rows.extend(std::iter::repeat(i as i64).take((w[1] - w[0]).max(0) as usize));
        }
        let y = x.index_select(0, &Tensor::from_slice(&rows).to_device(x.device()));
        Ok(Arg {
            value: Some(y),
            seq_starts: like.seq_starts.clone(),
            subseq_starts: like.subseq_starts.clone(),
            ..Default::default()
        })
    }
}

/// seqconcat (SequenceConcatLayer): sequence i of input 0 followed by sequence i of input 1.
/// seqreshape (SequenceReshapeLayer): each sequence's values laid out in rows of the new size.
/// row_conv (RowConvLayer): out_t = sum_{j < context} x_{t+j} * w_j (element-wise, w
/// [context_length, size]), within each sequence.
enum SeqOpKind {
    Concat,
    Reshape { size: i64 },
    RowConv { w: String, context: i64, size: i64 },
}

struct SeqOp(SeqOpKind);

pub fn build_seq_op(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    let size = cx.size();
    let op = match cx.cfg.r#type.as_str() {
        "seqconcat" => {
            cx.expect_inputs(2..=2)?;
            if cx.input_size(0)? != size || cx.input_size(1)? != size {
                return Err(cx.err("both inputs must have the layer's size"));
            }
            SeqOpKind::Concat
        }
        "seqreshape" => {
            cx.expect_inputs(1..=1)?;
            SeqOpKind::Reshape { size }
        }
        _ => {
            cx.expect_inputs(1..=1)?;
            let context = cx.cfg.inputs[0]
                .row_conv_conf
                .as_ref()
                .map(|c| c.context_length as i64)
                .ok_or_else(|| cx.err("input has no row_conv_conf"))?;
            if context < 1 {
                return Err(cx.err("context_length must be at least 1"));
            }
            SeqOpKind::RowConv {
                w: cx.input_param(0, context * size)?,
                context,
                size,
            }
        }
    };
    Ok(Box::new(SeqOp(op)))
}

fn starts_of<'a>(arg: &'a Arg, what: &str) -> Result<&'a Vec<i64>, String> {
    arg.seq_starts
        .as_ref()
        .ok_or_else(|| format!("{what} needs sequence input"))
}

impl Layer for SeqOp {
    fn keeps_sequence(&self) -> bool {
        false
    }

    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "input")?;
        let dev = x.device();
        let a = starts_of(inputs[0], "the layer")?;
        let (y, starts) = match &self.0 {
            SeqOpKind::Concat => {
                let b = starts_of(inputs[1], "input 1")?;
                if a.len() != b.len() {
                    return Err("both inputs must hold the same number of sequences".into());
                }
                let rows0 = x.size()[0];
                let both = Tensor::cat(
                    &[
                        x.shallow_clone(),
                        value(inputs[1], "input 1")?.shallow_clone(),
                    ],
                    0,
                );
                let mut idx = Vec::new();
                let mut starts = vec![0];
                for (wa, wb) in a.windows(2).zip(b.windows(2)) {
                    idx.extend(wa[0]..wa[1]);
                    idx.extend((wb[0]..wb[1]).map(|r| r + rows0));
                    starts.push(idx.len() as i64);
                }
                (
                    both.index_select(0, &Tensor::from_slice(&idx).to_device(dev)),
                    starts,
                )
            }
            SeqOpKind::Reshape { size } => {
                let width = x.size()[1];
                let mut starts = vec![0];
                for w in a.windows(2) {
                    let values = (w[1] - w[0]) * width;
                    if values % size != 0 {
                        return Err(format!(
                            "a sequence of {values} values does not divide into rows of {size}"
                        ));
                    }
                    starts.push(starts.last().unwrap() + values / size);
                }
                (x.reshape([-1, *size]), starts)
            }
            SeqOpKind::RowConv { w, context, size } => {
                let rows = x.size()[0];
                let w = cx.param(w)?.view([*context, *size]);
                let padded = Tensor::cat(
                    &[
                        x.shallow_clone(),
                        Tensor::zeros([1, *size], (x.kind(), dev)),
                    ],
                    0,
                );
                let mut acc: Option<Tensor> = None;
                for j in 0..*context {
                    // Row t + j when it is in t's sequence, else the zero row.
                    let mut idx = Vec::with_capacity(rows as usize);
                    for s in a.windows(2) {
                        idx.extend((s[0]..s[1]).map(|t| if t + j < s[1] { t + j } else { rows }));
                    }
                    let shifted = padded.index_select(0, &Tensor::from_slice(&idx).to_device(dev));
                    let term = shifted * w.get(j);
                    acc = Some(match acc {
                        None => term,
                        Some(sum) => sum + term,
                    });
                }
                (acc.expect("context_length is at least 1"), a.clone())
            }
        };
        Ok(Arg {
            value: Some(y),
            seq_starts: Some(starts),
            ..Default::default()
        })
    }
}

/// kmax_seq_score (KmaxSeqScoreLayer): for each sequence of scores (size 1 per step), the
/// positions of its `beam_size` highest scores within the sequence, best first, as values,
/// padded with -1 for shorter sequences. Not differentiable, as in Paddle.
struct KmaxSeqScore {
    k: i64,
}

pub fn build_kmax(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(1..=1)?;
    if cx.input_size(0)? != 1 {
        return Err(cx.err("the input must have one score per step (size 1)"));
    }
    Ok(Box::new(KmaxSeqScore {
        k: cx.cfg.beam_size.unwrap_or(1).max(1) as i64,
    }))
}

impl Layer for KmaxSeqScore {
    fn keeps_sequence(&self) -> bool {
        false
    }

    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "scores")?.detach();
        let starts = starts_of(inputs[0], "kmax_seq_score")?;
        let mut rows = Vec::with_capacity(starts.len().saturating_sub(1));
        for w in starts.windows(2) {
            let len = w[1] - w[0];
            let k = self.k.min(len);
            let mut row = Tensor::full([self.k], -1.0, (x.kind(), x.device()));
            if k > 0 {
                let (_, idx) = x.narrow(0, w[0], len).view([-1]).topk(k, 0, true, true);
                row = row.index_put(
                    &[Some(Tensor::arange(k, (tch::Kind::Int64, x.device())))],
                    &idx.to_kind(x.kind()),
                    false,
                );
            }
            rows.push(row);
        }
        Ok(Arg::dense(Tensor::stack(&rows, 0)))
    }
}
