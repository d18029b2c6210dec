//! Layers that pick rows out of sequences by indices given as another input's values:
//! `seq_slice` (SequenceSliceLayer.cpp) and `sub_nested_seq` (SubNestedSequenceLayer.cpp).
//! The gradient flows back to the picked rows only (Paddle's addToRows); the index inputs
//! have none.
//!
//! Both index inputs hold one row per (sub-)sequence and `beam` columns, each value an index
//! or -1, which ends that row's list (as kmax_seq_score writes them). Paddle stores them as
//! reals and truncates them to integers; so does this.

use tch::Tensor;

use super::{check_starts, host_values, value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// seq_slice with both starts and ends.
    StartsEnds,
    /// seq_slice with starts only: each slice runs to its (sub-)sequence's end.
    Starts,
    /// seq_slice with ends only: each slice starts at its (sub-)sequence's start.
    Ends,
    /// sub_nested_seq: whole sub-sequences of each nested sequence, by index.
    SubSeq,
}

struct Select {
    kind: Kind,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    let kind = match cx.cfg.r#type.as_str() {
        "sub_nested_seq" => {
            cx.expect_inputs(2..=2)?;
            Kind::SubSeq
        }
        _ => {
            cx.expect_inputs(2..=3)?;
            if cx.num_inputs() == 3 {
                Kind::StartsEnds
            } else if cx.cfg.select_first == Some(true) {
                Kind::Starts
            } else {
                Kind::Ends
            }
        }
    };
    if cx.size() != cx.input_size(0)? {
        return Err(cx.err(format!(
            "size {} differs from the input's {}",
            cx.size(),
            cx.input_size(0)?
        )));
    }
    if kind == Kind::StartsEnds && cx.input_size(1)? != cx.input_size(2)? {
        return Err(cx.err("the starts and ends inputs differ in width"));
    }
    Ok(Box::new(Select { kind }))
}

/// An index input on the host: rows of `width` values.
struct Indices {
    values: Vec<f64>,
    width: usize,
}

impl Indices {
    fn of(arg: &Arg, what: &str, rows: usize) -> Result<Indices, String> {
        let v = value(arg, what)?;
        let s = v.size();
        if s[0] as usize != rows {
            return Err(format!(
                "{what} has {} rows, one is needed for each of the {rows} (sub-)sequences",
                s[0]
            ));
        }
        Ok(Indices {
            values: host_values(v)?,
            width: s[1] as usize,
        })
    }

    /// Entry (row, k) as Paddle reads it: None for -1 (end of the list), else truncated.
    fn get(&self, row: usize, k: usize) -> Option<i64> {
        let v = self.values[row * self.width + k];
        (v != -1.0).then_some(v as i64)
    }
}

/// Paddle's reorganizeSeqInfo: for a nested input, each sequence's sub-sequence starts (its
/// own start and end included); otherwise one list of all sequence starts.
fn seq_info(seq: &[i64], sub: Option<&[i64]>) -> Vec<Vec<i64>> {
    match sub {
        Some(sub) => seq
            .windows(2)
            .map(|w| {
                sub.iter()
                    .copied()
                    .filter(|&p| p >= w[0] && p <= w[1])
                    .collect()
            })
            .collect(),
        None => vec![seq.to_vec()],
    }
}

impl Layer for Select {
    fn keeps_sequence(&self) -> bool {
        false
    }

    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let input = inputs[0];
        let rows = input.rows();
        let seq = input
            .seq_starts
            .as_deref()
            .ok_or("the first input must be a sequence")?;
        check_starts(seq, rows, "the first input")?;
        let sub = input.subseq_starts.as_deref();
        if let Some(sub) = sub {
            check_starts(sub, rows, "the first input's sub-sequences")?;
        }
        let info = seq_info(seq, sub);
        let mut picked: Vec<i64> = Vec::new();
        let mut out_seq = vec![0i64];
        let mut out_sub = vec![0i64];
        if self.kind == Kind::SubSeq {
            if sub.is_none() {
                return Err("the first input must be a nested sequence".into());
            }
            let sel = Indices::of(inputs[1], "the selected indices", info.len())?;
            for (i, starts) in info.iter().enumerate() {
                for k in 0..sel.width {
                    let Some(j) = sel.get(i, k) else { break };
                    if j < 0 || j as usize + 1 >= starts.len() {
                        return Err(format!(
                            "sequence {i} has {} sub-sequences, index {j} was selected",
                            starts.len().saturating_sub(1)
                        ));
                    }
                    let (lo, hi) = (starts[j as usize], starts[j as usize + 1]);
                    picked.extend(lo..hi);
                    out_sub.push(out_sub.last().unwrap() + hi - lo);
                }
                out_seq.push(*out_sub.last().unwrap());
            }
        } else {
            let nested = sub.is_some();
            let count: usize = info.iter().map(|s| s.len().saturating_sub(1)).sum();
            let (starts, ends) = match self.kind {
                Kind::StartsEnds => (
                    Some(Indices::of(inputs[1], "the starts", count)?),
                    Some(Indices::of(inputs[2], "the ends", count)?),
                ),
                Kind::Starts => (Some(Indices::of(inputs[1], "the starts", count)?), None),
                _ => (None, Some(Indices::of(inputs[1], "the ends", count)?)),
            };
            let width = starts.as_ref().or(ends.as_ref()).map_or(0, |i| i.width);
            let mut row = 0usize;
            for seq_starts in &info {
                for w in seq_starts.windows(2) {
                    for k in 0..width {
                        let beg = match &starts {
                            Some(s) => match s.get(row, k) {
                                Some(v) => w[0] + v,
                                None => break,
                            },
                            None => w[0],
                        };
                        let end = match &ends {
                            Some(e) => match e.get(row, k) {
                                Some(v) => w[0] + v,
                                None => break,
                            },
                            None => w[1] - 1,
                        };
                        if end < beg || beg < w[0] || end >= w[1] {
                            return Err(format!(
                                "slice [{}, {}] of (sub-)sequence {row} is empty or outside its {} rows",
                                beg - w[0],
                                end - w[0],
                                w[1] - w[0]
                            ));
                        }
                        picked.extend(beg..=end);
                        let len = end - beg + 1;
                        if nested {
                            out_sub.push(out_sub.last().unwrap() + len);
                        } else {
                            out_seq.push(out_seq.last().unwrap() + len);
                        }
                    }
                    row += 1;
                }
                if nested {
                    out_seq.push(*out_sub.last().unwrap());
                }
            }
            if !nested {
                out_sub.clear();
            }
        }
        let index = Tensor::from_slice(&picked);
        let mut out = Arg::default();
        if let Some(v) = &input.value {
            out.value = Some(v.index_select(0, &index.to_device(v.device())));
        }
        if let Some(i) = &input.ids {
            out.ids = Some(i.index_select(0, &index.to_device(i.device())));
        }
        if out.value.is_none() && out.ids.is_none() {
            return Err("the first input has neither values nor ids".into());
        }
        out.seq_starts = Some(out_seq);
        out.subseq_starts = (!out_sub.is_empty()).then_some(out_sub);
        Ok(out)
    }
}
