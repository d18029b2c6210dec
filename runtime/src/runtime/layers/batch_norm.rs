//! batch_norm / cudnn_batch_norm (BatchNormalizationLayer, CudnnBatchNormLayer).
//!
//! Parameters: w0 the scale (gamma), w1 the moving mean, w2 the moving variance (both static:
//! updated here, never by the optimizer), and the bias (beta). In training, each batch is
//! normalized with its own statistics and the moving ones become
//! `fraction * moving + (1 - fraction) * batch`. Paddle's own layer keeps the biased batch
//! variance; the cuDNN layer keeps cuDNN's unbiased one, so the two types stay distinct.
//! At test time (or with use_global_stats) the moving statistics normalize.

use tch::Tensor;

use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

struct BatchNorm {
    channels: i64,
    scale: String,
    moving_mean: String,
    moving_var: String,
    bias: Option<String>,
    fraction: f64,
    eps: f64,
    use_global_stats: Option<bool>,
    unbiased_moving_var: bool,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(3..=3)?;
    let size = cx.input_size(0)?;
    let channels = match &cx.cfg.inputs[0].image_conf {
        Some(img) if img.channels > 0 => img.channels as i64,
        _ => size,
    };
    if channels == 0 || size % channels != 0 {
        return Err(cx.err(format!(
            "input size {size} does not divide into {channels} channels"
        )));
    }
    Ok(Box::new(BatchNorm {
        channels,
        scale: cx.input_param(0, channels)?,
        moving_mean: cx.input_param(1, channels)?,
        moving_var: cx.input_param(2, channels)?,
        bias: cx.bias(channels)?,
        fraction: cx.cfg.moving_average_fraction.map_or(0.9, |r| r.as_f64()),
        eps: cx.cfg.epsilon.map_or(1e-5, |r| r.as_f64()),
        use_global_stats: cx.cfg.use_global_stats,
        unbiased_moving_var: cx.cfg.r#type == "cudnn_batch_norm",
    }))
}

impl Layer for BatchNorm {
    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "batch_norm input")?;
        let n = x.size()[0];
        // [N, C, H*W, 1]: 4-D, so libtorch may pick cuDNN; normalized over all dims but C.
        // An image input ([N, C, H, W], maybe channels-last) is normalized as it is.
        let image = x.dim() == 4;
        let x4 = match image {
            true => x.shallow_clone(),
            false => x.reshape([n, self.channels, -1, 1]),
        };
        let gamma = cx.param(&self.scale)?;
        let beta = match &self.bias {
            Some(b) => Some(cx.param(b)?),
            None => None,
        };
        let mean = cx.param(&self.moving_mean)?;
        let var = cx.param(&self.moving_var)?;
        let global = self.use_global_stats.unwrap_or(!cx.train);
        let f = self.fraction;
        let y = if global {
            Tensor::batch_norm(
                &x4,
                Some(gamma),
                beta,
                Some(mean),
                Some(var),
                false,
                0.0,
                self.eps,
                true,
            )
        } else if cx.train {
            // libtorch's running update, with momentum 1 - fraction, is Paddle's
            // `fraction * moving + (1 - fraction) * batch`; it keeps the unbiased batch
            // variance, which Paddle's own layer (not the cuDNN one) turns back to biased.
            // The biased case updates a scratch copy: autograd keeps the running tensors it
            // was given, so they must not change again before the backward pass.
            let scratch = (!self.unbiased_moving_var).then(|| var.detach().copy());
            let y = Tensor::batch_norm(
                &x4,
                Some(gamma),
                beta,
                Some(mean),
                Some(scratch.as_ref().unwrap_or(var)),
                true,
                1.0 - f,
                self.eps,
                true,
            );
            if let Some(updated) = scratch {
                let _guard = tch::no_grad_guard();
                let count = x4.numel() as f64 / self.channels as f64;
                let kept = var * f;
                let biased = if count > 1.0 {
                    (updated - &kept) * ((count - 1.0) / count) + kept
                } else {
                    updated
                };
                var.shallow_clone().copy_(&biased);
            }
            y
        } else {
            // Batch statistics at test time (use_global_stats=false): moving ones untouched.
            Tensor::batch_norm(
                &x4,
                Some(gamma),
                beta,
                None::<&Tensor>,
                None::<&Tensor>,
                true,
                0.0,
                self.eps,
                true,
            )
        };
        Ok(Arg::dense(match image {
            true => y,
            false => y.reshape([n, -1]),
        }))
    }
}
