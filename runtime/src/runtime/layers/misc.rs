//! The remaining dense layers of trainer_config_helpers: cos_vm (cos_sim against each row of
//! a per-sample matrix), convex_comb (linear_comb_layer), conv_shift (circular convolution),
//! tensor (a bilinear form per output), scale_sub_region, maxid, sampling_id and print.

use tch::{Kind, Tensor};

use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

enum Op {
    /// a [N, D] against b [N, k*D] viewed as k rows: cos_scale * cos(a, row_j), size k.
    CosVm { scale: f64, k: i64 },
    /// weights [N, k], vectors [N, k*D]: sum_j w_j * vector_j, size D.
    ConvexComb { k: i64 },
    /// out_i = sum_j a_{(i + j) mod D} * b_{j + (K-1)/2}, j in -(K-1)/2 ..= (K-1)/2.
    ConvShift,
    /// out_k = a^T W_k b + bias_k; W is `size` matrices [Da, Db], one after another.
    Tensor {
        w: String,
        da: i64,
        db: i64,
        size: i64,
        bias: Option<String>,
    },
    /// The region named per sample by 6 one-based inclusive bounds (channel, height, width
    /// start/end) multiplied by `value`.
    ScaleSubRegion { shape: [i64; 3], value: f64 },
    /// The arg-max id of each row, and the max as the value.
    MaxId,
    /// An id drawn from each row's distribution.
    SamplingId,
    /// Logs its inputs; outputs the first unchanged.
    Print { format: String },
}

struct Misc(Op);

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    let size = cx.size();
    let op = match cx.cfg.r#type.as_str() {
        "cos_vm" => {
            cx.expect_inputs(2..=2)?;
            let d = cx.input_size(0)?;
            if size == 0 || cx.input_size(1)? != d * size {
                return Err(cx.err(format!(
                    "input 1 must hold {size} rows of input 0's {d} values"
                )));
            }
            Op::CosVm {
                scale: cx.cfg.cos_scale.map_or(1.0, |r| r.as_f64()),
                k: size,
            }
        }
        "convex_comb" => {
            cx.expect_inputs(2..=2)?;
            let k = cx.input_size(0)?;
            if cx.input_size(1)? != k * size {
                return Err(cx.err(format!("input 1 must hold {k} vectors of size {size}")));
            }
            Op::ConvexComb { k }
        }
        "conv_shift" => {
            cx.expect_inputs(2..=2)?;
            let kernel = cx.input_size(1)?;
            if kernel % 2 == 0 || cx.input_size(0)? != size {
                return Err(
                    cx.err("needs a kernel input of odd size and an input of the layer's size")
                );
            }
            Op::ConvShift
        }
        "tensor" => {
            cx.expect_inputs(2..=2)?;
            let (da, db) = (cx.input_size(0)?, cx.input_size(1)?);
            Op::Tensor {
                w: cx.input_param(0, da * db * size)?,
                da,
                db,
                size,
                bias: cx.bias(size)?,
            }
        }
        "scale_sub_region" => {
            cx.expect_inputs(2..=2)?;
            let c = cx.cfg.inputs[0]
                .scale_sub_region_conf
                .as_ref()
                .ok_or_else(|| cx.err("input has no scale_sub_region_conf"))?;
            let img = &c.image_conf;
            let shape = [
                img.channels as i64,
                img.img_size_y.unwrap_or(img.img_size) as i64,
                img.img_size as i64,
            ];
            if cx.input_size(1)? != 6 || cx.input_size(0)? != shape.iter().product::<i64>() {
                return Err(cx.err("needs an image input and an input of 6 indices"));
            }
            Op::ScaleSubRegion {
                shape,
                value: c.value.as_f64(),
            }
        }
        "maxid" => {
            cx.expect_inputs(1..=1)?;
            if cx.cfg.beam_size.unwrap_or(1) != 1 {
                return Err(cx.err("maxid with beam_size > 1 is not supported"));
            }
            Op::MaxId
        }
        "sampling_id" => {
            cx.expect_inputs(1..=1)?;
            Op::SamplingId
        }
        "print" => {
            cx.expect_inputs(1..=usize::MAX)?;
            Op::Print {
                format: cx.cfg.user_arg.clone().unwrap_or_default(),
            }
        }
        other => return Err(cx.err(format!("'{other}' is not handled here"))),
    };
    Ok(Box::new(Misc(op)))
}

impl Layer for Misc {
    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let v = |i: usize| value(inputs[i], "input");
        let out = match &self.0 {
            Op::CosVm { scale, k } => {
                let a = v(0)?;
                let n = a.size()[0];
                let m = v(1)?.reshape([n, *k, -1]);
                let a3 = a.unsqueeze(1);
                let dot = (&m * &a3).sum_dim_intlist(-1, false, None);
                let norms = (m.square().sum_dim_intlist(-1, false, None)
                    * a3.square().sum_dim_intlist(-1, false, None))
                .sqrt();
                dot / norms * *scale
            }
            Op::ConvexComb { k } => {
                let w = v(0)?;
                let n = w.size()[0];
                w.unsqueeze(1)
                    .bmm(&v(1)?.reshape([n, *k, -1]))
                    .squeeze_dim(1)
            }
            Op::ConvShift => {
                let (a, b) = (v(0)?, v(1)?);
                let half = (b.size()[1] - 1) / 2;
                let mut acc: Option<Tensor> = None;
                for j in -half..=half {
                    // a shifted left by j (circularly), times kernel tap j.
                    let term = a.roll([-j], [1]) * b.narrow(1, j + half, 1);
                    acc = Some(match acc {
                        None => term,
                        Some(s) => s + term,
                    });
                }
                acc.expect("the kernel has at least one tap")
            }
            Op::Tensor {
                w,
                da,
                db,
                size,
                bias,
            } => {
                let (a, b) = (v(0)?, v(1)?);
                let n = a.size()[0];
                // a W: [N, size, Db], then the dot with b per output.
                let w = cx.param(w)?.view([*size, *da, *db]).permute([1, 0, 2]);
                let aw = a.matmul(&w.reshape([*da, size * db])).view([n, *size, *db]);
                let y = (aw * b.unsqueeze(1)).sum_dim_intlist(-1, false, None);
                match bias {
                    Some(bias) => y + cx.param(bias)?,
                    None => y,
                }
            }
            Op::ScaleSubRegion { shape, value } => {
                let x = v(0)?;
                let idx = v(1)?.round().to_kind(Kind::Int64);
                let n = x.size()[0];
                let dev = x.device();
                let inside = |d: usize| {
                    // Positions 1..=len along dim d, compared with each sample's bounds.
                    let pos =
                        Tensor::arange_start(1, shape[d] + 1, (Kind::Int64, dev)).view([1, -1]);
                    let lo = idx.narrow(1, 2 * d as i64, 1);
                    let hi = idx.narrow(1, 2 * d as i64 + 1, 1);
                    pos.ge_tensor(&lo).logical_and(&pos.le_tensor(&hi))
                };
                let mask = inside(0)
                    .view([n, shape[0], 1, 1])
                    .logical_and(&inside(1).view([n, 1, shape[1], 1]))
                    .logical_and(&inside(2).view([n, 1, 1, shape[2]]))
                    .reshape([n, -1]);
                let factor = mask.to_kind(x.kind()) * (value - 1.0) + 1.0;
                x * factor
            }
            Op::MaxId => {
                let x = v(0)?;
                let (max, id) = x.max_dim(-1, true);
                return Ok(Arg {
                    value: Some(max),
                    ids: Some(id.squeeze_dim(1)),
                    ..Default::default()
                });
            }
            Op::SamplingId => {
                let x = v(0)?.detach();
                return Ok(Arg::ids(x.multinomial(1, true).squeeze_dim(1)));
            }
            Op::Print { format } => {
                for (i, a) in inputs.iter().enumerate() {
                    let shown = match (&a.value, &a.ids) {
                        (Some(t), _) => format!("{t}"),
                        (None, Some(t)) => format!("ids {t}"),
                        _ => "(empty)".into(),
                    };
                    let text = if format.contains("%s") {
                        format.replacen("%s", &shown, 1)
                    } else {
                        format!("input {i}: {shown}")
                    };
                    tracing::info!("{text}");
                }
                return Ok(inputs[0].clone());
            }
        };
        Ok(Arg::dense(out))
    }
}
