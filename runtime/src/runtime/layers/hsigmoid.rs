//! hsigmoid (HierarchicalSigmoidLayer): a binary-tree softmax cost. Class `l` has the code
//! `c = l + num_classes`; for each bit j below c's highest set bit, node `(c >> (j+1)) - 1`
//! scores `pre = sum_i x_i W_i[node] + b[node]` (each input with its own weight, Paddle's
//! layout [num_classes - 1, input_size]) and the cost adds `log(1 + e^pre) - bit_j(c) * pre`,
//! with pre clipped to [-40, 40] as Paddle does. The last input is the label.

use tch::{Device, Tensor};

use super::{ids, value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

struct HSigmoid {
    classes: i64,
    /// (input size, weight) per data input.
    weights: Vec<(i64, String)>,
    bias: Option<String>,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(2..=usize::MAX)?;
    let classes = cx
        .cfg
        .num_classes
        .ok_or_else(|| cx.err("has no num_classes"))? as i64;
    if classes < 2 {
        return Err(cx.err("num_classes must be at least 2"));
    }
    let mut weights = Vec::new();
    for i in 0..cx.num_inputs() - 1 {
        let in_size = cx.input_size(i)?;
        weights.push((in_size, cx.input_param(i, (classes - 1) * in_size)?));
    }
    Ok(Box::new(HSigmoid {
        classes,
        weights,
        bias: cx.bias(classes - 1)?,
    }))
}

impl Layer for HSigmoid {
    fn is_cost(&self) -> bool {
        true
    }

    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let label = ids(inputs[inputs.len() - 1], "label")?;
        let labels =
            Vec::<i64>::try_from(&label.to_device(Device::Cpu)).map_err(|e| e.to_string())?;
        let rows = labels.len() as i64;
        // Code length is at most the bit length of 2 * classes - 1.
        let max_len = 64 - ((2 * self.classes - 1) as u64).leading_zeros() as i64;
        let mut node = vec![0i64; (rows * max_len) as usize];
        let mut bit = vec![0f64; (rows * max_len) as usize];
        let mut used = vec![0f64; (rows * max_len) as usize];
        for (r, &l) in labels.iter().enumerate() {
            if l < 0 || l >= self.classes {
                return Err(format!("label {l} is outside 0..{}", self.classes));
            }
            let c = (l + self.classes) as u64;
            let len = 63 - c.leading_zeros() as i64;
            for j in 0..len {
                let k = r * max_len as usize + j as usize;
                node[k] = ((c >> (j + 1)) - 1) as i64;
                bit[k] = ((c >> j) & 1) as f64;
                used[k] = 1.0;
            }
        }
        let first = value(inputs[0], "input")?;
        let (kind, dev) = (first.kind(), first.device());
        let node = Tensor::from_slice(&node).to_device(dev);
        let to = |v: &[f64]| {
            Tensor::from_slice(v)
                .to_kind(kind)
                .to_device(dev)
                .view([rows, max_len])
        };
        let (bit, used) = (to(&bit), to(&used));
        // pre[r, j] = sum over inputs of x_r . W[node[r, j]] (+ bias[node])
        let mut pre: Option<Tensor> = None;
        for (i, (in_size, w)) in self.weights.iter().enumerate() {
            let x = value(inputs[i], "input")?;
            let wn = cx
                .param(w)?
                .view([self.classes - 1, *in_size])
                .index_select(0, &node)
                .view([rows, max_len, *in_size]);
            let term = (wn * x.unsqueeze(1)).sum_dim_intlist(-1, false, None);
            pre = Some(match pre {
                None => term,
                Some(p) => p + term,
            });
        }
        let mut pre = pre.expect("at least one input");
        if let Some(b) = &self.bias {
            pre = &pre + cx.param(b)?.index_select(0, &node).view([rows, max_len]);
        }
        let pre = pre.clamp(-40.0, 40.0);
        let cost = ((pre.exp().log1p() - &bit * &pre) * used).sum_dim_intlist(-1, true, None);
        Ok(Arg::dense(cost))
    }
}
