//! mixed (MixedLayer) and concat2 (ConcatenateLayer2): a sum (or, for concat2, a
//! concatenation) of projections, one per input, plus operators over pairs of inputs, plus
//! an optional bias.
//!
//! Projections, by `proj_conf.type`: fc (full_matrix, weight [input_size, output_size]),
//! trans_fc (weight [output_size, input_size]), identity, identity_offset (the input added
//! at `offset` of the output), dot_mul (one weight per column), scaling (one weight), slice,
//! conv / convt (a filter parameter), table (ids select rows of [input_size, output_size]).
//! Operators: dot_mul (scale * a * b) and conv / convt (per-sample filters from an input).

use paddlers_graph::{OperatorConfig, ProjectionConfig};
use tch::Tensor;

use super::conv::{geometry, ConvInput};
use super::{ids, value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

enum Proj {
    Fc {
        w: String,
        in_size: i64,
        out: i64,
    },
    TransFc {
        w: String,
        in_size: i64,
        out: i64,
    },
    Identity,
    IdentityOffset {
        offset: i64,
        out: i64,
    },
    DotMul {
        w: String,
    },
    Scaling {
        w: String,
    },
    Slice {
        ranges: Vec<(i64, i64)>,
    },
    Conv {
        w: String,
        conv: ConvInput,
    },
    Table {
        w: String,
        in_size: i64,
        out: i64,
    },
    /// Each step's neighbours from `start` to `start + len - 1` within its sequence, side by
    /// side; outside the sequence zeros, or with trainable padding the rows of the parameter
    /// (the `before` rows for positions before the start, then the rows after the end).
    Context {
        start: i64,
        len: i64,
        pad: Option<(String, i64)>,
    },
}

enum Operator {
    DotMul {
        a: usize,
        b: usize,
        scale: f64,
    },
    /// Input `img` convolved with per-sample filters taken from input `filter`.
    Conv {
        img: usize,
        filter: usize,
        conv: ConvInput,
        per_sample: i64,
    },
}

struct Mixed {
    concat: bool,
    size: i64,
    /// One entry per input: inputs used only by operators have none.
    projs: Vec<Option<Proj>>,
    ops: Vec<Operator>,
    /// (name, per-filter channels): a conv bias shared per filter is broadcast over pixels.
    bias: Option<(String, Option<i64>)>,
}

fn build_proj(cx: &BuildCx, i: usize, p: &ProjectionConfig) -> Result<Proj> {
    let in_size = cx.input_size(i)?;
    let out = p.output_size as i64;
    if p.input_size as i64 != in_size {
        return Err(cx.err(format!(
            "projection {i} says input_size {}, its input has {in_size}",
            p.input_size
        )));
    }
    let param = |n: i64| cx.input_param(i, n);
    Ok(match p.r#type.as_str() {
        "fc" => Proj::Fc {
            w: param(in_size * out)?,
            in_size,
            out,
        },
        "trans_fc" => Proj::TransFc {
            w: param(in_size * out)?,
            in_size,
            out,
        },
        "identity" => {
            if in_size != out {
                return Err(cx.err(format!("identity projection {i} changes size")));
            }
            Proj::Identity
        }
        "identity_offset" => {
            let offset = p.offset.unwrap_or(0) as i64;
            if offset + in_size > out {
                return Err(cx.err(format!(
                    "identity_offset projection {i} puts {in_size} values at {offset} of {out}"
                )));
            }
            Proj::IdentityOffset { offset, out }
        }
        "dot_mul" => Proj::DotMul { w: param(out)? },
        "scaling" => Proj::Scaling { w: param(1)? },
        "slice" => {
            let ranges: Vec<(i64, i64)> = p
                .slices
                .iter()
                .map(|s| (s.start as i64, s.end as i64))
                .collect();
            if ranges.iter().any(|&(a, b)| a > b || b > in_size) {
                return Err(cx.err(format!("slice projection {i} reaches past its input")));
            }
            Proj::Slice { ranges }
        }
        "conv" | "convt" => {
            let c = p
                .conv_conf
                .as_ref()
                .ok_or_else(|| cx.err(format!("conv projection {i} has no conv_conf")))?;
            let filters = p.num_filters.unwrap_or(0) as i64;
            let w = cx.cfg.inputs[i]
                .input_parameter_name
                .clone()
                .ok_or_else(|| cx.err(format!("projection {i} has no parameter")))?;
            let (conv, _) = geometry(cx, c, filters, p.r#type == "convt", in_size, Some(&w))?;
            Proj::Conv { w, conv }
        }
        "table" => Proj::Table {
            w: param(in_size * out)?,
            in_size,
            out,
        },
        "context" => {
            let start = p.context_start.unwrap_or(0) as i64;
            let len = p.context_length.unwrap_or(1) as i64;
            if out != in_size * len || len < 1 {
                return Err(cx.err(format!(
                    "context projection {i}: output {out} is not {len} x input {in_size}"
                )));
            }
            let before = (-start).max(0);
            let after = (start + len - 1).max(0);
            let pad = if p.trainable_padding.unwrap_or(false) {
                Some((param((before + after) * in_size)?, before))
            } else {
                None
            };
            Proj::Context { start, len, pad }
        }
        other => return Err(cx.err(format!("projection type '{other}' is not supported"))),
    })
}

fn build_operator(cx: &BuildCx, o: &OperatorConfig) -> Result<Operator> {
    let idx = |k: usize| -> Result<usize> {
        let i = *o
            .input_indices
            .get(k)
            .ok_or_else(|| cx.err(format!("operator '{}' lacks input {k}", o.r#type)))?;
        if i < 0 || i as usize >= cx.num_inputs() {
            return Err(cx.err(format!("operator input index {i} is out of range")));
        }
        Ok(i as usize)
    };
    Ok(match o.r#type.as_str() {
        "dot_mul" => Operator::DotMul {
            a: idx(0)?,
            b: idx(1)?,
            scale: o.dotmul_scale.map_or(1.0, |r| r.as_f64()),
        },
        "conv" | "convt" => {
            let (img, filter) = (idx(0)?, idx(1)?);
            let c = o
                .conv_conf
                .as_ref()
                .ok_or_else(|| cx.err("conv operator has no conv_conf"))?;
            let filters = o.num_filters.unwrap_or(0) as i64;
            let trans = o.r#type == "convt";
            let per_sample = cx.input_size(filter)?;
            let groups = c.groups.max(1) as i64;
            let expect = c.channels as i64 / groups
                * filters
                * c.filter_size as i64
                * c.filter_size_y.max(c.filter_size) as i64;
            if per_sample != expect {
                return Err(cx.err(format!(
                    "conv operator filter input has size {per_sample}, the filters need {expect}"
                )));
            }
            // The filter is an input, not a parameter: nothing to look up in the store.
            let (conv, _) = geometry(cx, c, filters, trans, cx.input_size(img)?, None)?;
            Operator::Conv {
                img,
                filter,
                conv,
                per_sample,
            }
        }
        other => return Err(cx.err(format!("operator type '{other}' is not supported"))),
    })
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    build_with(cx, false)
}

pub fn build_concat2(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    build_with(cx, true)
}

fn build_with(cx: &BuildCx, concat: bool) -> Result<Box<dyn Layer>> {
    let size = cx.size();
    let mut projs = Vec::new();
    let mut conv_filters = None;
    let mut total = 0;
    for (i, input) in cx.cfg.inputs.iter().enumerate() {
        match &input.proj_conf {
            Some(p) => {
                if p.output_size as i64 != size && !concat {
                    return Err(cx.err(format!(
                        "projection {i} outputs {}, the layer has size {size}",
                        p.output_size
                    )));
                }
                total += p.output_size as i64;
                if matches!(p.r#type.as_str(), "conv" | "convt") {
                    conv_filters = p.num_filters.map(|f| f as i64);
                }
                projs.push(Some(build_proj(cx, i, p)?));
            }
            None => projs.push(None),
        }
    }
    if concat && total != size {
        return Err(cx.err(format!(
            "projections add up to {total}, not the size {size}"
        )));
    }
    let ops = cx
        .cfg
        .operator_confs
        .iter()
        .map(|o| {
            if o.output_size as i64 != size {
                return Err(cx.err(format!(
                    "operator '{}' outputs {}, the layer has size {size}",
                    o.r#type, o.output_size
                )));
            }
            if let Some(f) = o.num_filters {
                conv_filters = Some(f as i64);
            }
            build_operator(cx, o)
        })
        .collect::<Result<Vec<_>>>()?;
    let bias = match &cx.cfg.bias_parameter_name {
        Some(name) if !name.is_empty() => {
            let psize = cx
                .params
                .get(name)
                .map(|p| p.config.size as i64)
                .ok_or_else(|| cx.err(format!("parameter '{name}' is not in the model config")))?;
            match conv_filters {
                Some(f) if psize == f && psize != size => Some((name.clone(), Some(f))),
                _ => {
                    cx.check_param(name, size)?;
                    Some((name.clone(), None))
                }
            }
        }
        _ => None,
    };
    Ok(Box::new(Mixed {
        concat,
        size,
        projs,
        ops,
        bias,
    }))
}

impl Proj {
    fn apply(&self, cx: &Cx, arg: &Arg) -> Result<Tensor, String> {
        Ok(match self {
            Proj::Fc { w, in_size, out } => {
                value(arg, "input")?.matmul(&cx.param(w)?.view([*in_size, *out]))
            }
            Proj::TransFc { w, in_size, out } => {
                value(arg, "input")?.matmul(&cx.param(w)?.view([*out, *in_size]).tr())
            }
            Proj::Identity => value(arg, "input")?.shallow_clone(),
            Proj::IdentityOffset { offset, out } => {
                let x = value(arg, "input")?;
                let in_size = x.size()[1];
                x.constant_pad_nd([*offset, out - offset - in_size])
            }
            Proj::DotMul { w } => value(arg, "input")? * cx.param(w)?,
            Proj::Scaling { w } => value(arg, "input")? * cx.param(w)?,
            Proj::Slice { ranges } => {
                let x = value(arg, "input")?;
                let parts: Vec<Tensor> =
                    ranges.iter().map(|&(a, b)| x.narrow(1, a, b - a)).collect();
                Tensor::cat(&parts, 1)
            }
            Proj::Conv { w, conv } => {
                let x = value(arg, "input")?;
                let n = x.size()[0];
                conv.apply(x, cx.param(w)?).reshape([n, -1])
            }
            Proj::Table { w, in_size, out } => {
                let i = ids(arg, "table projection input")?;
                if let Some((row, id)) = crate::runtime::network::first_out_of_range(i, *in_size) {
                    return Err(format!(
                        "id {id} ≥ table size {in_size} (row {row} of the batch): the input \
                         layer's size is the number of rows in the embedding table; give it \
                         size={}",
                        id.max(*in_size) + 1
                    ));
                }
                cx.param(w)?.view([*in_size, *out]).index_select(0, i)
            }
            Proj::Context { start, len, pad } => {
                let x = value(arg, "context projection input")?;
                let starts = arg
                    .seq_starts
                    .as_ref()
                    .ok_or("context projection needs sequence input")?;
                let (rows, d) = (x.size()[0], x.size()[1]);
                // Rows of [x; padding rows; one zero row] to gather.
                let pad_rows = match pad {
                    Some((w, _)) => cx.param(w)?.view([-1, d]),
                    None => Tensor::zeros([0, d], (x.kind(), x.device())),
                };
                let n_pad = pad_rows.size()[0];
                let zero_row = rows + n_pad;
                let before = pad.as_ref().map_or(0, |(_, b)| *b);
                let mut idx = Vec::with_capacity((rows * len) as usize);
                for w in starts.windows(2) {
                    for t in w[0]..w[1] {
                        for j in 0..*len {
                            let p = t + start + j;
                            idx.push(if p >= w[0] && p < w[1] {
                                p
                            } else if pad.is_none() {
                                zero_row
                            } else if p < w[0] {
                                rows + (p - w[0] + before)
                            } else {
                                rows + before + (p - w[1])
                            });
                        }
                    }
                }
                let ext = Tensor::cat(
                    &[
                        x.shallow_clone(),
                        pad_rows,
                        Tensor::zeros([1, d], (x.kind(), x.device())),
                    ],
                    0,
                );
                ext.index_select(0, &Tensor::from_slice(&idx).to_device(x.device()))
                    .view([rows, len * d])
            }
        })
    }
}

impl Operator {
    fn apply(&self, inputs: &[&Arg]) -> Result<Tensor, String> {
        Ok(match self {
            Operator::DotMul { a, b, scale } => {
                value(inputs[*a], "input")? * value(inputs[*b], "input")? * *scale
            }
            Operator::Conv {
                img,
                filter,
                conv,
                per_sample,
            } => {
                // Each sample has its own filters: run sample by sample.
                let x = value(inputs[*img], "image")?;
                let f = value(inputs[*filter], "filter")?;
                let n = x.size()[0];
                let outs: Vec<Tensor> = (0..n)
                    .map(|s| {
                        conv.apply(
                            &x.narrow(0, s, 1),
                            &f.narrow(0, s, 1).reshape([*per_sample]),
                        )
                        .reshape([1, -1])
                    })
                    .collect();
                Tensor::cat(&outs, 0)
            }
        })
    }
}

impl Layer for Mixed {
    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let mut parts = Vec::new();
        let mut acc: Option<Tensor> = None;
        for (p, arg) in self.projs.iter().zip(inputs) {
            if let Some(p) = p {
                let y = p.apply(cx, arg)?;
                if self.concat {
                    parts.push(y);
                } else {
                    acc = Some(match acc {
                        None => y,
                        Some(a) => a + y,
                    });
                }
            }
        }
        for op in &self.ops {
            let y = op.apply(inputs)?;
            acc = Some(match acc {
                None => y,
                Some(a) => a + y,
            });
        }
        let mut y = if self.concat {
            Tensor::cat(&parts, 1)
        } else {
            match acc {
                Some(a) => a,
                None => {
                    let rows = inputs.first().map_or(0, |a| a.rows());
                    Tensor::zeros([rows, self.size], (cx.params.kind(), cx.params.device()))
                }
            }
        };
        if let Some((b, filters)) = &self.bias {
            let b = cx.param(b)?;
            y = match filters {
                Some(f) => {
                    let n = y.size()[0];
                    (y.reshape([n, *f, -1]) + b.view([1, *f, 1])).reshape([n, -1])
                }
                None => y + b,
            };
        }
        Ok(Arg::dense(y))
    }
}
