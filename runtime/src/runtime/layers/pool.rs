//! pool (PoolLayer / PoolProjection): max and average pooling with Paddle's geometry.
//!
//! Paddle's output size is `ceil((img + 2*pad - size) / stride) + 1` (cnn_output_size with
//! caffe_mode off), and its windows are simply clipped to the image: a window starting in the
//! padding or running past the end is never dropped, unlike PyTorch's ceil_mode. Average
//! pooling divides by the number of in-image cells (`exclude_mode`, the default) or by the
//! full window size. Where PyTorch's floor-mode geometry gives the same windows we call its
//! kernels directly; otherwise we pad explicitly so the windows are exactly Paddle's.

use tch::Tensor;

use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Avg { exclude_pad: bool },
}

/// One pooling geometry over [N, C, H, W]; index 0 is y (height), 1 is x (width).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolWindow {
    pub img: [i64; 2],
    pub size: [i64; 2],
    pub stride: [i64; 2],
    pub pad: [i64; 2],
    pub out: [i64; 2],
}

impl PoolWindow {
    /// Paddle's output size along one axis (config_parser's cnn_output_size, caffe_mode off).
    pub fn paddle_out(img: i64, size: i64, pad: i64, stride: i64) -> i64 {
        let span = img + 2 * pad - size;
        // ceil division that also holds for negative spans, as Python's math.ceil does
        span.div_euclid(stride) + i64::from(span.rem_euclid(stride) != 0) + 1
    }

    fn torch_floor_out(&self, d: usize) -> i64 {
        (self.img[d] + 2 * self.pad[d] - self.size[d]) / self.stride[d] + 1
    }

    /// Whether PyTorch's floor-mode pooling with the same padding gives Paddle's windows.
    fn torch_native(&self) -> bool {
        (0..2).all(|d| {
            self.torch_floor_out(d) == self.out[d]
                && 2 * self.pad[d] <= self.size[d]
                && self.img[d] + 2 * self.pad[d] >= self.size[d]
        })
    }

    /// Number of in-image cells in each window, [out_y, out_x].
    fn in_image_counts(&self) -> Vec<f64> {
        let extent = |d: usize, o: i64| {
            let start = o * self.stride[d] - self.pad[d];
            let end = (start + self.size[d]).min(self.img[d]);
            (end - start.max(0)).max(1)
        };
        let mut counts = Vec::with_capacity((self.out[0] * self.out[1]) as usize);
        for oy in 0..self.out[0] {
            for ox in 0..self.out[1] {
                counts.push((extent(0, oy) * extent(1, ox)) as f64);
            }
        }
        counts
    }
}

/// A pooling operator with everything precomputed for its geometry.
pub struct Pool2d {
    pub kind: PoolKind,
    pub win: PoolWindow,
    native: bool,
    /// For the explicit path: divisors per output cell, [1, 1, out_y, out_x].
    divisor: Option<Tensor>,
}

impl Pool2d {
    pub fn new(kind: PoolKind, win: PoolWindow, cx: &BuildCx) -> Pool2d {
        let native = win.torch_native();
        let divisor = match kind {
            PoolKind::Avg { exclude_pad: true } if !native => {
                Some(cx.constant(&win.in_image_counts(), &[1, 1, win.out[0], win.out[1]]))
            }
            _ => None,
        };
        Pool2d {
            kind,
            win,
            native,
            divisor,
        }
    }

    /// Pools x: [N, C, H, W] → [N, C, out_y, out_x].
    pub fn apply(&self, x: &Tensor) -> Tensor {
        paddle_pool2d(x, self.kind, &self.win, self.native, self.divisor.as_ref())
    }
}

/// Paddle's pooling of x: [N, C, H, W].
pub fn paddle_pool2d(
    x: &Tensor,
    kind: PoolKind,
    w: &PoolWindow,
    native: bool,
    divisor: Option<&Tensor>,
) -> Tensor {
    if native {
        return match kind {
            PoolKind::Max => x.max_pool2d(w.size, w.stride, w.pad, [1, 1], false),
            PoolKind::Avg { exclude_pad } => {
                x.avg_pool2d(w.size, w.stride, w.pad, false, !exclude_pad, None::<i64>)
            }
        };
    }
    // Explicit geometry: rows [-pad, (out-1)*stride + size - pad) must exist.
    let mut x = x.shallow_clone();
    let mut pads = [0i64; 4]; // left, right, top, bottom
    for d in 0..2 {
        let (before, after) = (2 - 2 * d, 3 - 2 * d);
        pads[before] = w.pad[d];
        let end = (w.out[d] - 1) * w.stride[d] + w.size[d] - w.pad[d];
        let tail = end - w.img[d];
        if tail >= 0 {
            pads[after] = tail;
        } else {
            // Rows past the last window are never read.
            x = x.narrow(2 + d as i64, 0, w.img[d] + tail);
        }
    }
    match kind {
        PoolKind::Max => {
            let x = x.pad(pads, "constant", f64::NEG_INFINITY);
            x.max_pool2d(w.size, w.stride, [0, 0], [1, 1], false)
        }
        PoolKind::Avg { exclude_pad } => {
            let x = x.constant_pad_nd(pads);
            let sums = x.avg_pool2d(w.size, w.stride, [0, 0], false, true, Some(1));
            match (exclude_pad, divisor) {
                (true, Some(div)) => sums / div,
                _ => sums / (w.size[0] * w.size[1]) as f64,
            }
        }
    }
}

struct Pool {
    channels: i64,
    op: Pool2d,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(1..=1)?;
    let p = cx.cfg.inputs[0]
        .pool_conf
        .as_ref()
        .ok_or_else(|| cx.err("input has no pool_conf"))?;
    let kind = match p.pool_type.as_str() {
        "max-projection" | "cudnn-max-pool" | "max" => PoolKind::Max,
        "avg-projection" | "cudnn-avg-pool" | "cudnn-avg-incl-pad-pool" | "avg" => PoolKind::Avg {
            exclude_pad: p.pool_type != "cudnn-avg-incl-pad-pool" && p.exclude_mode.unwrap_or(true),
        },
        other => return Err(cx.err(format!("pool_type '{other}' is not supported"))),
    };
    let win = PoolWindow {
        img: [p.img_size_y.unwrap_or(p.img_size) as i64, p.img_size as i64],
        size: [p.size_y.unwrap_or(p.size_x) as i64, p.size_x as i64],
        stride: [
            p.stride_y.unwrap_or(p.stride).max(1) as i64,
            p.stride.max(1) as i64,
        ],
        pad: [
            p.padding_y.or(p.padding).unwrap_or(0) as i64,
            p.padding.unwrap_or(0) as i64,
        ],
        out: [p.output_y.unwrap_or(p.output_x) as i64, p.output_x as i64],
    };
    let channels = p.channels as i64;
    if cx.input_size(0)? != channels * win.img[0] * win.img[1] {
        return Err(cx.err(format!(
            "input size {} is not {channels} channels of {}x{}",
            cx.input_size(0)?,
            win.img[0],
            win.img[1]
        )));
    }
    if cx.size() != channels * win.out[0] * win.out[1] {
        return Err(cx.err(format!(
            "size {} is not {channels} channels of {}x{}",
            cx.size(),
            win.out[0],
            win.out[1]
        )));
    }
    Ok(Box::new(Pool {
        channels,
        op: Pool2d::new(kind, win, cx),
    }))
}

impl Layer for Pool {
    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "pool input")?;
        let n = x.size()[0];
        let w = &self.op.win;
        // An image stays one (runtime::layout); the network flattens it where needed.
        let y = self
            .op
            .apply(&x.reshape([n, self.channels, w.img[0], w.img[1]]));
        Ok(Arg::dense(y))
    }
}
