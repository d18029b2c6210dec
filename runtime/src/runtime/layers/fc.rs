//! fc: out = sum_i x_i W_i + b, each input with its own weight in Paddle's [input_size, size]
//! layout (FullyConnectedLayer).

use tch::Tensor;

use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

struct Fc {
    size: i64,
    /// (input size, weight name) per input.
    weights: Vec<(i64, String)>,
    bias: Option<String>,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(1..=usize::MAX)?;
    let size = cx.size();
    let mut weights = Vec::new();
    for i in 0..cx.num_inputs() {
        let in_size = cx.input_size(i)?;
        weights.push((in_size, cx.input_param(i, in_size * size)?));
    }
    Ok(Box::new(Fc {
        size,
        weights,
        bias: cx.bias(size)?,
    }))
}

impl Layer for Fc {
    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let mut out: Option<Tensor> = None;
        for (i, (in_size, w)) in self.weights.iter().enumerate() {
            let x = value(inputs[i], "fc input")?;
            let w = cx.param(w)?.view([*in_size, self.size]);
            out = Some(match (out, i, &self.bias) {
                // The first product fuses the bias add.
                (None, _, Some(b)) => cx.param(b)?.addmm(x, &w),
                (None, _, None) => x.matmul(&w),
                (Some(acc), _, _) => acc.addmm(x, &w),
            });
        }
        Ok(Arg::dense(out.expect("fc has at least one input")))
    }
}

/// selective_fc (SelectiveFullyConnectedLayer): an fc whose weight is stored [size,
/// input_size], and whose optional last input is a 0/1 mask of the columns to compute; the
/// others are zero.
struct SelectiveFc {
    in_size: i64,
    size: i64,
    weight: String,
    bias: Option<String>,
    masked: bool,
}

pub fn build_selective(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(1..=2)?;
    let size = cx.size();
    let in_size = cx.input_size(0)?;
    let masked = cx.num_inputs() == 2 && cx.cfg.has_selected_colums.unwrap_or(true);
    if masked && cx.input_size(1)? != size {
        return Err(cx.err(format!(
            "the column mask has size {}, the layer has size {size}",
            cx.input_size(1)?
        )));
    }
    Ok(Box::new(SelectiveFc {
        in_size,
        size,
        weight: cx.input_param(0, in_size * size)?,
        bias: cx.bias(size)?,
        masked,
    }))
}

impl Layer for SelectiveFc {
    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "selective_fc input")?;
        let w = cx.param(&self.weight)?.view([self.size, self.in_size]);
        let mut y = match &self.bias {
            Some(b) => cx.param(b)?.addmm(x, &w.tr()),
            None => x.matmul(&w.tr()),
        };
        if self.masked {
            y = &y * value(inputs[1], "column mask")?;
        }
        Ok(Arg::dense(y))
    }
}
