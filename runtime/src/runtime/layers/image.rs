//! Image layers without parameters: maxout, spp, pad, crop, bilinear_interp. Inputs are
//! viewed as [N, C, H, W] from their confs and flattened back.

use paddlers_graph::ImageConfig;
use tch::Tensor;

use super::pool::{Pool2d, PoolKind, PoolWindow};
use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::{Result, RuntimeError};

enum Op {
    /// Max over each group of `groups` consecutive channels (MaxOutLayer).
    MaxOut { groups: i64 },
    /// Pyramid levels of 1, 2, 4, ... bins per side, pooled and concatenated.
    Spp { levels: Vec<Pool2d> },
    /// Zero padding, [before, after] for C, H, W.
    Pad {
        c: [i64; 2],
        h: [i64; 2],
        w: [i64; 2],
    },
    /// Crop [C, H, W] starting at `offset` to `shape`.
    Crop { offset: [i64; 3], shape: [i64; 3] },
    /// align_corners bilinear resize to [out_y, out_x].
    Bilinear { out: [i64; 2] },
}

struct Image {
    /// Input [C, H, W].
    shape: [i64; 3],
    op: Op,
}

fn chw(img: &ImageConfig) -> [i64; 3] {
    [
        img.channels as i64,
        img.img_size_y.unwrap_or(img.img_size) as i64,
        img.img_size as i64,
    ]
}

/// [C, H, W] of a layer's output, from its height/width (as Paddle's image layers set them).
fn layer_chw(cx: &BuildCx, name: &str) -> Result<[i64; 3]> {
    let l = cx
        .model
        .layer(name)
        .ok_or_else(|| cx.err(format!("input '{name}' is not a layer of the model")))?;
    let (h, w) = (l.height.unwrap_or(1) as i64, l.width.unwrap_or(1) as i64);
    let size = l.size() as i64;
    if h * w == 0 || size % (h * w) != 0 {
        return Err(cx.err(format!(
            "input '{name}' of size {size} is not an image of height {h} and width {w}"
        )));
    }
    Ok([size / (h * w), h, w])
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    let input = &cx.cfg.inputs[0];
    let need = |what: &str| -> RuntimeError { cx.err(format!("input has no {what}")) };
    let (shape, op) = match cx.cfg.r#type.as_str() {
        "maxout" => {
            cx.expect_inputs(1..=1)?;
            let m = input
                .maxout_conf
                .as_ref()
                .ok_or_else(|| need("maxout_conf"))?;
            let groups = m.groups.max(1) as i64;
            let shape = chw(&m.image_conf);
            if shape[0] % groups != 0 {
                return Err(cx.err(format!(
                    "{} channels do not divide into groups of {groups}",
                    shape[0]
                )));
            }
            (shape, Op::MaxOut { groups })
        }
        "spp" => {
            cx.expect_inputs(1..=1)?;
            let s = input.spp_conf.as_ref().ok_or_else(|| need("spp_conf"))?;
            let shape = chw(&s.image_conf);
            let kind = if s.pool_type.starts_with("max") {
                PoolKind::Max
            } else {
                PoolKind::Avg { exclude_pad: true }
            };
            let levels = (0..s.pyramid_height)
                .map(|l| {
                    let bins = 1i64 << l;
                    let geom = |img: i64| {
                        let size = (img + bins - 1) / bins;
                        (size, (size * bins - img + 1) / 2)
                    };
                    let (sy, py) = geom(shape[1]);
                    let (sx, px) = geom(shape[2]);
                    let win = PoolWindow {
                        img: [shape[1], shape[2]],
                        size: [sy, sx],
                        stride: [sy, sx],
                        pad: [py, px],
                        out: [bins, bins],
                    };
                    Pool2d::new(kind, win, cx)
                })
                .collect();
            (shape, Op::Spp { levels })
        }
        "pad" => {
            cx.expect_inputs(1..=1)?;
            let p = input.pad_conf.as_ref().ok_or_else(|| need("pad_conf"))?;
            let two = |v: &[u32], what: &str| -> Result<[i64; 2]> {
                match v {
                    [a, b] => Ok([*a as i64, *b as i64]),
                    [] => Ok([0, 0]),
                    _ => Err(cx.err(format!("{what} needs two values"))),
                }
            };
            (
                chw(&p.image_conf),
                Op::Pad {
                    c: two(&p.pad_c, "pad_c")?,
                    h: two(&p.pad_h, "pad_h")?,
                    w: two(&p.pad_w, "pad_w")?,
                },
            )
        }
        "crop" => {
            cx.expect_inputs(1..=2)?;
            let shape = layer_chw(cx, &input.input_layer_name)?;
            let axis = cx.cfg.axis.unwrap_or(2);
            if !(1..=3).contains(&axis) {
                return Err(cx.err(format!("axis {axis} must be 1, 2 or 3")));
            }
            let target = if cx.num_inputs() == 2 {
                layer_chw(cx, &cx.cfg.inputs[1].input_layer_name)?
            } else {
                let mut t = shape;
                for (k, s) in cx.cfg.shape.iter().enumerate() {
                    // shape lists N, C, H, W or only the dims from `axis` on.
                    let dim = if cx.cfg.shape.len() == 4 {
                        k as i64
                    } else {
                        axis as i64 + k as i64
                    };
                    if (1..=3).contains(&dim) {
                        t[dim as usize - 1] = *s as i64;
                    }
                }
                t
            };
            let mut offset = [0i64; 3];
            let mut out = shape;
            for d in axis as usize..=3 {
                out[d - 1] = target[d - 1];
                offset[d - 1] = cx.cfg.offset.get(d - axis as usize).copied().unwrap_or(0) as i64;
                if offset[d - 1] + out[d - 1] > shape[d - 1] {
                    return Err(cx.err(format!(
                        "cropping {} from offset {} exceeds the input's {}",
                        out[d - 1],
                        offset[d - 1],
                        shape[d - 1]
                    )));
                }
            }
            (shape, Op::Crop { offset, shape: out })
        }
        "bilinear_interp" => {
            cx.expect_inputs(1..=1)?;
            let b = input
                .bilinear_interp_conf
                .as_ref()
                .ok_or_else(|| need("bilinear_interp_conf"))?;
            (
                chw(&b.image_conf),
                Op::Bilinear {
                    out: [b.out_size_y as i64, b.out_size_x as i64],
                },
            )
        }
        other => return Err(cx.err(format!("'{other}' is not an image layer"))),
    };
    let in_size = cx.input_size(0)?;
    if in_size != shape.iter().product::<i64>() {
        return Err(cx.err(format!(
            "input size {in_size} is not {} channels of {}x{}",
            shape[0], shape[1], shape[2]
        )));
    }
    let [c, h, w] = shape;
    let out_size = match &op {
        Op::MaxOut { groups } => c / groups * h * w,
        Op::Spp { levels } => levels.iter().map(|p| c * p.win.out[0] * p.win.out[1]).sum(),
        Op::Pad {
            c: pc,
            h: ph,
            w: pw,
        } => (c + pc[0] + pc[1]) * (h + ph[0] + ph[1]) * (w + pw[0] + pw[1]),
        Op::Crop { shape, .. } => shape.iter().product(),
        Op::Bilinear { out } => c * out[0] * out[1],
    };
    if cx.size() != 0 && cx.size() != out_size {
        return Err(cx.err(format!(
            "size {} differs from the {out_size} its input and settings give",
            cx.size()
        )));
    }
    Ok(Box::new(Image { shape, op }))
}

impl Layer for Image {
    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "input")?;
        let n = x.size()[0];
        let [c, h, w] = self.shape;
        let x = x.reshape([n, c, h, w]);
        let y = match &self.op {
            Op::MaxOut { groups } => x.reshape([n, c / groups, *groups, h, w]).amax([2], false),
            Op::Spp { levels } => {
                let parts: Vec<Tensor> = levels
                    .iter()
                    .map(|p| p.apply(&x).reshape([n, -1]))
                    .collect();
                Tensor::cat(&parts, 1)
            }
            Op::Pad { c, h, w } => x.constant_pad_nd([w[0], w[1], h[0], h[1], c[0], c[1]]),
            Op::Crop { offset, shape } => x
                .narrow(1, offset[0], shape[0])
                .narrow(2, offset[1], shape[1])
                .narrow(3, offset[2], shape[2]),
            Op::Bilinear { out } => x.upsample_bilinear2d(*out, true, None, None),
        };
        Ok(Arg::dense(y.reshape([n, -1])))
    }
}

/// blockexpand (BlockExpandLayer, im2col): each sample becomes a sequence of its blocks, one
/// row per block position (row-major), each row the block's values as [C, block_y, block_x].
/// The image size is the conf's, or, when that is 0, the input layer's height and width.
struct BlockExpand {
    shape: [i64; 3],
    block: [i64; 2],
    stride: [i64; 2],
    pad: [i64; 2],
}

pub fn build_block_expand(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(1..=1)?;
    let b = cx.cfg.inputs[0]
        .block_expand_conf
        .as_ref()
        .ok_or_else(|| cx.err("input has no block_expand_conf"))?;
    let c = b.channels as i64;
    let (h, w) = if b.img_size_x > 0 && b.img_size_y > 0 {
        (b.img_size_y as i64, b.img_size_x as i64)
    } else {
        let [_, h, w] = layer_chw(cx, &cx.cfg.inputs[0].input_layer_name)?;
        (h, w)
    };
    if c * h * w != cx.input_size(0)? {
        return Err(cx.err(format!(
            "input size {} is not {c} channels of {h}x{w}",
            cx.input_size(0)?
        )));
    }
    let block = [b.block_y.max(1) as i64, b.block_x.max(1) as i64];
    if cx.size() != c * block[0] * block[1] {
        return Err(cx.err(format!(
            "size {} is not {c} channels of {}x{} blocks",
            cx.size(),
            block[0],
            block[1]
        )));
    }
    Ok(Box::new(BlockExpand {
        shape: [c, h, w],
        block,
        stride: [b.stride_y.max(1) as i64, b.stride_x.max(1) as i64],
        pad: [b.padding_y as i64, b.padding_x as i64],
    }))
}

impl Layer for BlockExpand {
    fn keeps_sequence(&self) -> bool {
        false
    }

    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let x = value(inputs[0], "input")?;
        let n = x.size()[0];
        let [c, h, w] = self.shape;
        // Paddle's block count rounds up: pad the far edges so partial blocks exist.
        let out = |d: usize, img: i64| {
            1 + (img + 2 * self.pad[d] - self.block[d] + self.stride[d] - 1) / self.stride[d]
        };
        let (oy, ox) = (out(0, h), out(1, w));
        let extra_y = (oy - 1) * self.stride[0] + self.block[0] - (h + 2 * self.pad[0]);
        let extra_x = (ox - 1) * self.stride[1] + self.block[1] - (w + 2 * self.pad[1]);
        let img = x.reshape([n, c, h, w]).constant_pad_nd([
            self.pad[1],
            self.pad[1] + extra_x.max(0),
            self.pad[0],
            self.pad[0] + extra_y.max(0),
        ]);
        let cols = img.im2col(self.block, [1, 1], [0, 0], self.stride); // [N, C*by*bx, L]
        let l = cols.size()[2];
        let y = cols.transpose(1, 2).reshape([n * l, -1]);
        Ok(Arg {
            value: Some(y),
            seq_starts: Some((0..=n).map(|i| i * l).collect()),
            ..Default::default()
        })
    }
}
