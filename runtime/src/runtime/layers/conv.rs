//! exconv / cudnn_conv / conv and their transposed forms (ExpandConvLayer, ConvTransLayer).
//!
//! Paddle keeps a conv filter as [num_filters, channels / groups, filter_size_y, filter_size]
//! and a transposed-conv filter as [channels, num_filters / groups, filter_size_y,
//! filter_size], the same memory layouts PyTorch uses, so the flat parameter is viewed, not
//! copied. Biases are per filter (`shared_biases`) or per output element.

use paddlers_graph::ConvConfig;
use tch::Tensor;

use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;
use crate::runtime::layout;

pub(super) struct ConvInput {
    weight_shape: [i64; 4],
    in_shape: [i64; 3],
    stride: [i64; 2],
    padding: [i64; 2],
    dilation: [i64; 2],
    groups: i64,
    /// Transposed conv: extra rows/columns so the output has the configured size.
    output_padding: [i64; 2],
    /// Forward conv whose configured output is larger than PyTorch's (caffe_mode off):
    /// zeros added at the bottom/right of the input.
    extra_pad: [i64; 2],
    trans: bool,
}

struct Conv {
    num_filters: i64,
    out_hw: [i64; 2],
    /// Geometry and filter parameter per input.
    inputs: Vec<(ConvInput, String)>,
    /// (name, shared): shared biases have one value per filter.
    bias: Option<(String, bool)>,
}

fn conv_out(img: i64, k: i64, pad: i64, stride: i64, dil: i64) -> i64 {
    (img + 2 * pad - (dil * (k - 1) + 1)) / stride + 1
}

/// Geometry of one conv input; `param` is the filter's parameter name.
pub(super) fn geometry(
    cx: &BuildCx,
    c: &ConvConfig,
    num_filters: i64,
    trans: bool,
    in_size: i64,
    param: Option<&str>,
) -> Result<(ConvInput, [i64; 2])> {
    let groups = c.groups.max(1) as i64;
    let channels = c.channels as i64;
    let (kx, ky) = (
        c.filter_size as i64,
        nonzero(c.filter_size_y, c.filter_size) as i64,
    );
    let (sx, sy) = (
        c.stride.max(1) as i64,
        nonzero(c.stride_y, c.stride).max(1) as i64,
    );
    let (px, py) = (c.padding as i64, c.padding_y as i64);
    let (dx, dy) = (
        c.dilation.unwrap_or(1).max(1) as i64,
        c.dilation_y.or(c.dilation).unwrap_or(1).max(1) as i64,
    );
    // For a forward conv, img_size is the input and output_x the output; a transposed conv
    // describes the conv it inverts, so the roles swap.
    let img = [c.img_size_y.unwrap_or(c.img_size) as i64, c.img_size as i64];
    let outc = [c.output_y.unwrap_or(c.output_x) as i64, c.output_x as i64];
    let (in_hw, out_hw) = if trans { (outc, img) } else { (img, outc) };
    if groups == 0 || channels % groups != 0 || num_filters % groups != 0 {
        return Err(cx.err(format!(
            "channels {channels} and num_filters {num_filters} must divide by groups {groups}"
        )));
    }
    let weight_shape = if trans {
        [channels, num_filters / groups, ky, kx]
    } else {
        [num_filters, channels / groups, ky, kx]
    };
    if in_size != channels * in_hw[0] * in_hw[1] {
        return Err(cx.err(format!(
            "input size {in_size} is not {channels} channels of {}x{}",
            in_hw[0], in_hw[1]
        )));
    }
    let mut output_padding = [0, 0];
    let mut extra_pad = [0, 0];
    for (d, (k, p, s, dil)) in [(ky, py, sy, dy), (kx, px, sx, dx)].into_iter().enumerate() {
        if trans {
            let torch_out = (in_hw[d] - 1) * s - 2 * p + dil * (k - 1) + 1;
            output_padding[d] = out_hw[d] - torch_out;
            if output_padding[d] < 0 || output_padding[d] >= s.max(dil) {
                return Err(cx.err(format!(
                    "transposed conv output {} cannot come from input {} (filter {k}, \
                     stride {s}, padding {p})",
                    out_hw[d], in_hw[d]
                )));
            }
        } else {
            let torch_out = conv_out(in_hw[d], k, p, s, dil);
            let missing = out_hw[d] - torch_out;
            if missing < 0 {
                return Err(cx.err(format!(
                    "conv output {} is smaller than the {torch_out} its input gives",
                    out_hw[d]
                )));
            }
            extra_pad[d] = missing * s;
        }
    }
    if let Some(param) = param {
        cx.check_param(param, weight_shape.iter().product())?;
    }
    Ok((
        ConvInput {
            weight_shape,
            in_shape: [channels, in_hw[0], in_hw[1]],
            stride: [sy, sx],
            padding: [py, px],
            dilation: [dy, dx],
            groups,
            output_padding,
            extra_pad,
            trans,
        },
        out_hw,
    ))
}

impl ConvInput {
    /// x: [N, in_size] → [N, filters, out_y, out_x] with filter w (any shape, weight_shape
    /// elements).
    pub(super) fn apply(&self, x: &Tensor, w: &Tensor) -> Tensor {
        self.apply_with_bias(x, w, None)
    }

    /// The input rows (or an image already) as [N, channels, height, width].
    pub(super) fn image(&self, x: &Tensor) -> Tensor {
        let n = x.size()[0];
        x.reshape([n, self.in_shape[0], self.in_shape[1], self.in_shape[2]])
    }

    /// As `apply`, with a per-filter bias fused into the convolution.
    pub(super) fn apply_with_bias(&self, x: &Tensor, w: &Tensor, bias: Option<&Tensor>) -> Tensor {
        let n = x.size()[0];
        let mut x = x.reshape([n, self.in_shape[0], self.in_shape[1], self.in_shape[2]]);
        let w = w.view(self.weight_shape);
        if self.trans {
            x.conv_transpose2d(
                &w,
                bias,
                self.stride,
                self.padding,
                self.output_padding,
                self.groups,
                self.dilation,
            )
        } else {
            if self.extra_pad != [0, 0] {
                x = x.constant_pad_nd([0, self.extra_pad[1], 0, self.extra_pad[0]]);
            }
            x.conv2d(
                &w,
                bias,
                self.stride,
                self.padding,
                self.dilation,
                self.groups,
            )
        }
    }
}

pub fn build(cx: &BuildCx, trans: bool) -> Result<Box<dyn Layer>> {
    Ok(Box::new(build_conv(cx, trans)?))
}

/// `conv -> batch_norm` as one convolution for inference (runtime::fold): `conv` builds the
/// convolution, `bn` the batch norm that reads it.
pub fn build_folded(conv: &BuildCx, bn: &BuildCx) -> Result<Box<dyn Layer>> {
    let c = build_conv(conv, false)?;
    if c.inputs.len() != 1 || matches!(c.bias, Some((_, false))) {
        return Err(conv.err("only a one-input convolution with a per-filter bias folds"));
    }
    bn.expect_inputs(3..=3)?;
    let channels = c.num_filters;
    Ok(Box::new(ConvBatchNorm {
        scale: bn.input_param(0, channels)?,
        moving_mean: bn.input_param(1, channels)?,
        moving_var: bn.input_param(2, channels)?,
        bias: bn.bias(channels)?,
        eps: bn.cfg.epsilon.map_or(1e-5, |r| r.as_f64()),
        conv: c,
    }))
}

fn build_conv(cx: &BuildCx, trans: bool) -> Result<Conv> {
    cx.expect_inputs(1..=usize::MAX)?;
    let num_filters = cx
        .cfg
        .num_filters
        .ok_or_else(|| cx.err("has no num_filters"))? as i64;
    let mut inputs = Vec::new();
    let mut out_hw = None;
    for i in 0..cx.num_inputs() {
        let c: &ConvConfig = cx.cfg.inputs[i]
            .conv_conf
            .as_ref()
            .ok_or_else(|| cx.err(format!("input {i} has no conv_conf")))?;
        let param = cx.cfg.inputs[i]
            .input_parameter_name
            .clone()
            .ok_or_else(|| cx.err(format!("input {i} has no input_parameter_name")))?;
        let (ci, this_out) = geometry(cx, c, num_filters, trans, cx.input_size(i)?, Some(&param))?;
        match out_hw {
            None => out_hw = Some(this_out),
            Some(o) if o != this_out => {
                return Err(cx.err("inputs give different output image sizes"))
            }
            _ => {}
        }
        inputs.push((ci, param));
    }
    let out_hw = out_hw.expect("at least one input");
    let out_size = num_filters * out_hw[0] * out_hw[1];
    if cx.size() != out_size {
        return Err(cx.err(format!(
            "size {} is not num_filters {num_filters} x {}x{}",
            cx.size(),
            out_hw[0],
            out_hw[1]
        )));
    }
    let shared = cx.cfg.shared_biases.unwrap_or(false);
    let bias = cx
        .bias(if shared { num_filters } else { out_size })?
        .map(|b| (b, shared));
    Ok(Conv {
        num_filters,
        out_hw,
        inputs,
        bias,
    })
}

fn nonzero(v: u32, fallback: u32) -> u32 {
    if v == 0 {
        fallback
    } else {
        v
    }
}

/// The input of a convolution in the layout the network runs it in (runtime::layout).
fn conv_input(ci: &ConvInput, x: &Tensor) -> Tensor {
    match layout::channels_last() && !ci.trans {
        true => layout::to_channels_last(&ci.image(x)),
        false => x.shallow_clone(),
    }
}

/// A convolution and the batch norm after it, at test time, as one convolution.
struct ConvBatchNorm {
    conv: Conv,
    scale: String,
    moving_mean: String,
    moving_var: String,
    bias: Option<String>,
    eps: f64,
}

impl Layer for ConvBatchNorm {
    /// `inputs` are the convolution's.
    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let (ci, w) = &self.conv.inputs[0];
        let f = self.conv.num_filters;
        // Per filter: s = gamma / sqrt(var + eps); w' = w * s; b' = (b - mean) * s + beta.
        let s = cx.param(&self.scale)? * (cx.param(&self.moving_var)? + self.eps).rsqrt();
        let w = cx.param(w)?.view(ci.weight_shape) * s.view([f, 1, 1, 1]);
        let mut b = -cx.param(&self.moving_mean)?;
        if let Some((name, _)) = &self.conv.bias {
            b += cx.param(name)?;
        }
        b *= &s;
        if let Some(beta) = &self.bias {
            b += cx.param(beta)?;
        }
        let x = conv_input(ci, value(inputs[0], "conv input")?);
        Ok(Arg::dense(ci.apply_with_bias(&x, &w, Some(&b))))
    }
}

impl Layer for Conv {
    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        // A bias shared per filter rides along in the first convolution (one fused kernel,
        // no extra pass over the output); a per-pixel bias is added afterwards.
        let (fused, unshared) = match &self.bias {
            Some((b, true)) => (Some(cx.param(b)?), None),
            Some((b, false)) => (None, Some(cx.param(b)?)),
            None => (None, None),
        };
        let mut acc: Option<Tensor> = None;
        for (i, ((ci, w), arg)) in self.inputs.iter().zip(inputs).enumerate() {
            let bias = if i == 0 { fused } else { None };
            // The output follows the input's memory layout (see runtime::layout).
            let x = conv_input(ci, value(arg, "conv input")?);
            let y = ci.apply_with_bias(&x, cx.param(w)?, bias);
            acc = Some(match acc {
                None => y,
                Some(a) => a + y,
            });
        }
        let mut y = acc.expect("conv has at least one input");
        if let Some(b) = unshared {
            y = &y + b.view([1, self.num_filters, self.out_hw[0], self.out_hw[1]]);
        }
        // [N, filters, out_y, out_x]: the network flattens it where a non-image layer reads it.
        Ok(Arg::dense(y))
    }
}
