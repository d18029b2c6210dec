//! deconv3d (DeConv3DLayer): transposed 3-D convolution on [N, C, D, H, W] viewed from the
//! flat rows. Index 0 is z (depth), 1 is y, 2 is x.
//!
//! Paddle stores the filter as a (num_filters * pixels) x filter_channels matrix: group g owns
//! rows g*K..(g+1)*K (K = num_filters/groups * pixels, row = filter * pixels + pixel) and each
//! column is one input channel of the group. Its forward multiplies that block by the
//! group's input (filter_channels x input pixels) and scatters with col2Vol, which is
//! libtorch's conv_transpose3d once the matrix is permuted to
//! [channels, num_filters/groups, fz, fy, fx].
//!
//! Paddle reads filter_channels channels per group from the input, so filter_channels must
//! equal channels/groups. config_parser sets it to num_filters/groups for deconv3d, so only
//! configs with num_filters == channels are consistent; others are refused at build (Paddle's
//! C++ would read past the input row).

use paddlers_graph::ConvConfig;

use super::volume::{check_volume_sizes, geometry, Geometry};
use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

struct DeConv3d {
    weight: String,
    /// [groups, num_filters/groups, pixels, channels/groups]: Paddle's matrix, split.
    paddle_shape: [i64; 4],
    kernel: [i64; 3],
    in_shape: [i64; 4],
    stride: [i64; 3],
    padding: [i64; 3],
    filters: i64,
    bias: Option<(String, bool)>,
    out: [i64; 3],
    groups: i64,
}

/// Paddle's DECONV_OUTPUT_SIZE: (in - 1) * stride - 2 * pad + filter.
fn deconv_out(inp: i64, stride: i64, pad: i64, k: i64) -> i64 {
    (inp - 1) * stride - 2 * pad + k
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(1..=1)?;
    let c: &ConvConfig = cx.cfg.inputs[0]
        .conv_conf
        .as_ref()
        .ok_or_else(|| cx.err("input has no conv_conf"))?;
    let filters = cx
        .cfg
        .num_filters
        .ok_or_else(|| cx.err("has no num_filters"))? as i64;
    let groups = c.groups.max(1) as i64;
    let channels = c.channels as i64;
    if channels % groups != 0 || filters % groups != 0 {
        return Err(cx.err("channels and num_filters must divide by groups"));
    }
    let filter_channels = c.filter_channels as i64;
    if filter_channels != channels / groups {
        return Err(cx.err(format!(
            "filter_channels is {filter_channels} but the input has {} channels per group; \
             Paddle's config_parser sets filter_channels = num_filters/groups for deconv3d, so \
             num_filters must equal num_channels (Paddle itself would read past the input)",
            channels / groups
        )));
    }
    // For deconv the conv_conf's output_* is the layer's input and img_size* its output.
    let Geometry {
        kernel,
        stride,
        padding,
        output: inp,
        img: out,
    } = geometry(c);
    for d in 0..3 {
        let want = deconv_out(inp[d], stride[d], padding[d], kernel[d]);
        if want != out[d] {
            return Err(cx.err(format!(
                "output {} along dimension {d} is not (in-1)*stride-2*pad+filter = {want}",
                out[d]
            )));
        }
    }
    let out_size = check_volume_sizes(cx, channels, inp, filters, out)?;
    let pixels = kernel.iter().product::<i64>();
    let paddle_shape = [groups, filters / groups, pixels, channels / groups];
    let shared = cx.cfg.shared_biases.unwrap_or(false);
    Ok(Box::new(DeConv3d {
        weight: cx.input_param(0, paddle_shape.iter().product())?,
        paddle_shape,
        kernel,
        in_shape: [channels, inp[0], inp[1], inp[2]],
        stride,
        padding,
        filters,
        bias: cx
            .bias(if shared { filters } else { out_size })?
            .map(|b| (b, shared)),
        out,
        groups,
    }))
}

impl Layer for DeConv3d {
    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "input")?;
        let n = x.size()[0];
        let [c, d, h, w] = self.in_shape;
        let x = x.reshape([n, c, d, h, w]);
        let [g, fg, _, cg] = self.paddle_shape;
        let [kz, ky, kx] = self.kernel;
        let wt = cx
            .param(&self.weight)?
            .view(self.paddle_shape)
            .permute([0, 3, 1, 2])
            .reshape([g * cg, fg, kz, ky, kx]);
        let shared = match &self.bias {
            Some((b, true)) => Some(cx.param(b)?),
            _ => None,
        };
        let mut y = x.conv_transpose3d(
            &wt,
            shared,
            self.stride,
            self.padding,
            [0, 0, 0],
            self.groups,
            [1, 1, 1],
        );
        if let Some((b, false)) = &self.bias {
            let [od, oh, ow] = self.out;
            y = &y + cx.param(b)?.view([1, self.filters, od, oh, ow]);
        }
        Ok(Arg::dense(y.reshape([n, -1])))
    }
}

#[cfg(test)]
mod tests {
    use super::deconv_out;

    #[test]
    fn output_size_is_paddles_deconv_rule() {
        assert_eq!(deconv_out(42, 2, 1, 3), 83);
        assert_eq!(deconv_out(6, 2, 1, 3), 11);
        assert_eq!(deconv_out(3, 1, 0, 2), 4);
    }
}
