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
