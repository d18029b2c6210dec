//! norm (cmrnorm-projection: Paddle's cross-map LRN), row_l2_norm and sum_to_one_norm.
//!
//! Paddle's LRN (CrossMapNormal): out = x * (1 + scale * sum_{window} x^2)^(-pow), where the
//! window over channels runs from c - (size-1)/2 to c + size/2 and `scale` is the config's
//! value, which config_parser has already divided by `size`. PyTorch's local_response_norm
//! averages instead and adds k, so it is not used.

use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

struct CmrNorm {
    channels: i64,
    hw: [i64; 2],
    size: i64,
    scale: f64,
    pow: f64,
}

pub fn build_cmr(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(1..=1)?;
    let n = cx.cfg.inputs[0]
        .norm_conf
        .as_ref()
        .ok_or_else(|| cx.err("input has no norm_conf"))?;
    if n.norm_type != "cmrnorm-projection" {
        return Err(cx.err(format!("norm_type '{}' is not supported", n.norm_type)));
    }
    let hw = [n.img_size_y.unwrap_or(n.img_size) as i64, n.img_size as i64];
    let channels = n.channels as i64;
    if cx.input_size(0)? != channels * hw[0] * hw[1] || n.size == 0 {
        return Err(cx.err(format!(
            "input size {} is not {channels} channels of {}x{} (or window size is 0)",
            cx.input_size(0)?,
            hw[0],
            hw[1]
        )));
    }
    Ok(Box::new(CmrNorm {
        channels,
        hw,
        size: n.size as i64,
        scale: n.scale.as_f64(),
        pow: n.pow.as_f64(),
    }))
}

impl Layer for CmrNorm {
    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "norm input")?;
        let n = x.size()[0];
        // [N, 1, C, H*W]: a window sum over C is a (size x 1) average pool times size.
        let sq = x
            .reshape([n, 1, self.channels, self.hw[0] * self.hw[1]])
            .square();
        let before = (self.size - 1) / 2;
        let after = self.size - 1 - before;
        let sums = sq.constant_pad_nd([0, 0, before, after]).avg_pool2d(
            [self.size, 1],
            [1, 1],
            [0, 0],
            false,
            true,
            Some(1),
        );
        let denom = (sums * self.scale + 1.0).pow_tensor_scalar(-self.pow);
        Ok(Arg::dense(x * denom.reshape([n, -1])))
    }
}

#[derive(Clone, Copy)]
enum RowNorm {
    L2,
    SumToOne,
}

struct Row(RowNorm);

pub fn build_row(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(1..=1)?;
    Ok(Box::new(Row(if cx.cfg.r#type == "row_l2_norm" {
        RowNorm::L2
    } else {
        RowNorm::SumToOne
    })))
}

impl Layer for Row {
    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "input")?;
        let denom = match self.0 {
            RowNorm::L2 => x.square().sum_dim_intlist(-1, true, None).sqrt(),
            RowNorm::SumToOne => x.sum_dim_intlist(-1, true, None),
        };
        Ok(Arg::dense(x / denom))
    }
}
