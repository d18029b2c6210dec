//! 3-D layers: conv3d and pool3d (Conv3DLayer, Pool3DLayer), on
//! [N, C, D, H, W] viewed from the flat rows. Index 0 is z (depth), 1 is y, 2 is x.
//!
//! Filters are [num_filters, channels/groups, fz, fy, fx]; deconv3d (in `deconv3d.rs`) shares
//! the geometry and size checks here. Pooling follows Paddle's 2-D rules in each dimension:
//! ceil output sizes, windows clipped to the volume, averages over the in-volume cells.

use paddlers_graph::{ConvConfig, PoolConfig};
use tch::Tensor;

use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

fn nz(v: Option<u32>, fallback: u32) -> i64 {
    match v {
        Some(x) if x > 0 => x as i64,
        _ => fallback as i64,
    }
}

/// A 3-D conv_conf's per-dimension numbers (z, y, x), unset y/z fields falling back to x.
pub(super) struct Geometry {
    pub kernel: [i64; 3],
    pub stride: [i64; 3],
    pub padding: [i64; 3],
    /// `img_size*`: a conv's input, a deconv's output.
    pub img: [i64; 3],
    /// `output_*`: a conv's output, a deconv's input.
    pub output: [i64; 3],
}

pub(super) fn geometry(c: &ConvConfig) -> Geometry {
    Geometry {
        kernel: [
            nz(c.filter_size_z, c.filter_size),
            nz(Some(c.filter_size_y), c.filter_size),
            c.filter_size as i64,
        ],
        stride: [
            nz(c.stride_z, c.stride.max(1)),
            nz(Some(c.stride_y), c.stride.max(1)),
            c.stride.max(1) as i64,
        ],
        padding: [
            c.padding_z.unwrap_or(c.padding) as i64,
            c.padding_y as i64,
            c.padding as i64,
        ],
        img: [
            nz(c.img_size_z, 1),
            nz(c.img_size_y, c.img_size),
            c.img_size as i64,
        ],
        output: [
            nz(c.output_z, 1),
            nz(c.output_y, c.output_x),
            c.output_x as i64,
        ],
    }
}

/// Checks the input is `channels` volumes of `inp` and the layer `filters` volumes of `out`;
/// returns the layer size.
pub(super) fn check_volume_sizes(
    cx: &BuildCx,
    channels: i64,
    inp: [i64; 3],
    filters: i64,
    out: [i64; 3],
) -> Result<i64> {
    if cx.input_size(0)? != channels * inp.iter().product::<i64>() {
        return Err(cx.err(format!(
            "input size {} is not {channels} channels of {}x{}x{}",
            cx.input_size(0)?,
            inp[0],
            inp[1],
            inp[2]
        )));
    }
    let out_size = filters * out.iter().product::<i64>();
    if cx.size() != out_size {
        return Err(cx.err(format!("size {} is not {out_size}", cx.size())));
    }
    Ok(out_size)
}

struct Conv3d {
    weight: String,
    weight_shape: [i64; 5],
    in_shape: [i64; 4],
    stride: [i64; 3],
    padding: [i64; 3],
    groups: i64,
    filters: i64,
    bias: Option<(String, bool)>,
    out: [i64; 3],
}

pub fn build_conv(cx: &BuildCx) -> Result<Box<dyn Layer>> {
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
    let Geometry {
        kernel: k,
        stride,
        padding,
        img: inp,
        output: out,
    } = geometry(c);
    if channels % groups != 0 || filters % groups != 0 {
        return Err(cx.err("channels and num_filters must divide by groups"));
    }
    for d in 0..3 {
        if (inp[d] + 2 * padding[d] - k[d]) / stride[d] + 1 != out[d] {
            return Err(cx.err(format!(
                "output {} does not follow from input {} along dimension {d}",
                out[d], inp[d]
            )));
        }
    }
    let weight_shape = [filters, channels / groups, k[0], k[1], k[2]];
    let out_size = check_volume_sizes(cx, channels, inp, filters, out)?;
    let shared = cx.cfg.shared_biases.unwrap_or(false);
    Ok(Box::new(Conv3d {
        weight: cx.input_param(0, weight_shape.iter().product())?,
        weight_shape,
        in_shape: [channels, inp[0], inp[1], inp[2]],
        stride,
        padding,
        groups,
        filters,
        bias: cx
            .bias(if shared { filters } else { out_size })?
            .map(|b| (b, shared)),
        out,
    }))
}

impl Layer for Conv3d {
    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "input")?;
        let n = x.size()[0];
        let [c, d, h, w] = self.in_shape;
        let x = x.reshape([n, c, d, h, w]);
        let wt = cx.param(&self.weight)?.view(self.weight_shape);
        let shared = match &self.bias {
            Some((b, true)) => Some(cx.param(b)?),
            _ => None,
        };
        let mut y = x.conv3d(
            &wt,
            shared,
            self.stride,
            self.padding,
            [1, 1, 1],
            self.groups,
        );
        if let Some((b, false)) = &self.bias {
            let [od, oh, ow] = self.out;
            y = &y + cx.param(b)?.view([1, self.filters, od, oh, ow]);
        }
        Ok(Arg::dense(y.reshape([n, -1])))
    }
}

struct Pool3d {
    max: bool,
    exclude: bool,
    channels: i64,
    img: [i64; 3],
    size: [i64; 3],
    stride: [i64; 3],
    pad: [i64; 3],
    out: [i64; 3],
    /// In-volume cells per window, [1, 1, oz, oy, ox] (average pooling).
    divisor: Option<Tensor>,
}

pub fn build_pool(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(1..=1)?;
    let p: &PoolConfig = cx.cfg.inputs[0]
        .pool_conf
        .as_ref()
        .ok_or_else(|| cx.err("input has no pool_conf"))?;
    let max = match p.pool_type.as_str() {
        "max-projection" | "cudnn-max-pool" | "max" => true,
        "avg-projection" | "cudnn-avg-pool" | "avg" => false,
        other => return Err(cx.err(format!("pool_type '{other}' is not supported"))),
    };
    let img = [
        nz(p.img_size_z, 1),
        nz(p.img_size_y, p.img_size),
        p.img_size as i64,
    ];
    let size = [nz(p.size_z, 1), nz(p.size_y, p.size_x), p.size_x as i64];
    let stride = [
        nz(p.stride_z, 1),
        nz(p.stride_y, p.stride.max(1)),
        p.stride.max(1) as i64,
    ];
    let pad = [
        p.padding_z.unwrap_or(0) as i64,
        p.padding_y.or(p.padding).unwrap_or(0) as i64,
        p.padding.unwrap_or(0) as i64,
    ];
    let out = [
        nz(p.output_z, 1),
        nz(p.output_y, p.output_x),
        p.output_x as i64,
    ];
    let channels = p.channels as i64;
    if cx.input_size(0)? != channels * img.iter().product::<i64>()
        || cx.size() != channels * out.iter().product::<i64>()
    {
        return Err(cx.err("input or output size does not match pool_conf"));
    }
    let exclude = p.exclude_mode.unwrap_or(true);
    let divisor = (!max && exclude).then(|| {
        let extent = |d: usize, o: i64| {
            let start = o * stride[d] - pad[d];
            let end = (start + size[d]).min(img[d]);
            (end - start.max(0)).max(1)
        };
        let mut counts = Vec::new();
        for z in 0..out[0] {
            for y in 0..out[1] {
                for x in 0..out[2] {
                    counts.push((extent(0, z) * extent(1, y) * extent(2, x)) as f64);
                }
            }
        }
        cx.constant(&counts, &[1, 1, out[0], out[1], out[2]])
    });
    Ok(Box::new(Pool3d {
        max,
        exclude,
        channels,
        img,
        size,
        stride,
        pad,
        out,
        divisor,
    }))
}

impl Layer for Pool3d {
    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "input")?;
        let n = x.size()[0];
        let mut x = x.reshape([n, self.channels, self.img[0], self.img[1], self.img[2]]);
        // Pad (or cut) each dimension so the windows are exactly Paddle's; pad order is x, y, z.
        let mut pads = [0i64; 6];
        for d in 0..3 {
            let slot = 2 * (2 - d);
            pads[slot] = self.pad[d];
            let tail =
                (self.out[d] - 1) * self.stride[d] + self.size[d] - self.pad[d] - self.img[d];
            if tail >= 0 {
                pads[slot + 1] = tail;
            } else {
                x = x.narrow(2 + d as i64, 0, self.img[d] + tail);
            }
        }
        let y = if self.max {
            x.pad(pads, "constant", f64::NEG_INFINITY).max_pool3d(
                self.size,
                self.stride,
                [0, 0, 0],
                [1, 1, 1],
                false,
            )
        } else {
            let sums = x.constant_pad_nd(pads).avg_pool3d(
                self.size,
                self.stride,
                [0, 0, 0],
                false,
                true,
                Some(1),
            );
            match (&self.divisor, self.exclude) {
                (Some(div), true) => sums / div,
                _ => sums / self.size.iter().product::<i64>() as f64,
            }
        };
        Ok(Arg::dense(y.reshape([n, -1])))
    }
}
