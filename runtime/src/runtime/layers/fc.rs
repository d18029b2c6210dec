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
