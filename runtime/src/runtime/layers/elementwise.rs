//! Layers that combine or transform whole rows: addto, concat, slope_intercept, scaling,
//! power, interpolation, multiplex, dot_prod, l2_distance, cos, clip, prelu, scale_shift,
//! resize, factorization_machine.

use tch::{Kind, Tensor};

use super::{ids, value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

enum Op {
    /// Sum of inputs plus an optional bias (AddtoLayer).
    AddTo {
        bias: Option<String>,
    },
    /// Inputs side by side (ConcatenateLayer).
    Concat,
    SlopeIntercept {
        slope: f64,
        intercept: f64,
    },
    /// inputs: [w (size 1), x]: w * x per row.
    Scaling,
    /// inputs: [w (size 1), x]: x ^ w per row.
    Power,
    /// inputs: [w (size 1), a, b]: w * a + (1 - w) * b.
    Interpolation,
    /// inputs: [index ids, x_0, x_1, ...]: row i of x_{index[i]}.
    Multiplex,
    DotProd,
    L2Distance,
    /// cos_scale * cos(a, b); b may be one row broadcast over a's rows.
    Cos {
        scale: f64,
    },
    Clip {
        min: f64,
        max: f64,
    },
    /// One slope per `partial_sum` consecutive elements.
    PRelu {
        weight: String,
        size: i64,
        partial_sum: i64,
    },
    ScaleShift {
        weight: String,
        bias: Option<String>,
    },
    /// Reinterprets the batch as rows of the new size (ResizeLayer).
    Resize {
        size: i64,
    },
    /// 0.5 * sum_f ((x V)_f^2 - (x^2 V^2)_f), V [input_size, factor_size].
    FactorizationMachine {
        latent: String,
        in_size: i64,
        factors: i64,
    },
    /// repeat_layer (FeatureMapExpandLayer): the whole row `n` times, or (as_col_vec) each
    /// value `n` times in a row.
    Repeat {
        n: i64,
        as_col: bool,
    },
    /// The batch matrix transposed (TransLayer).
    Trans,
}

struct Elementwise(Op);

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    let size = cx.size();
    let same_size = |i: usize| -> Result<()> {
        if cx.input_size(i)? != size {
            return Err(cx.err(format!(
                "input {i} has size {}, the layer has size {size}",
                cx.input_size(i)?
            )));
        }
        Ok(())
    };
    let scalar_input = |i: usize| -> Result<()> {
        if cx.input_size(i)? != 1 {
            return Err(cx.err(format!("input {i} must have size 1 (the weight)")));
        }
        Ok(())
    };
    let op = match cx.cfg.r#type.as_str() {
        "addto" => {
            cx.expect_inputs(1..=usize::MAX)?;
            for i in 0..cx.num_inputs() {
                same_size(i)?;
            }
            Op::AddTo {
                bias: cx.bias(size)?,
            }
        }
        "concat" => {
            cx.expect_inputs(1..=usize::MAX)?;
            let total: i64 = (0..cx.num_inputs())
                .map(|i| cx.input_size(i))
                .sum::<Result<i64>>()?;
            if total != size {
                return Err(cx.err(format!("inputs add up to {total}, not the size {size}")));
            }
            Op::Concat
        }
        "concat2" => return super::mixed::build_concat2(cx),
        "slope_intercept" => {
            cx.expect_inputs(1..=1)?;
            Op::SlopeIntercept {
                slope: cx.cfg.slope.map_or(1.0, |r| r.as_f64()),
                intercept: cx.cfg.intercept.map_or(0.0, |r| r.as_f64()),
            }
        }
        "scaling" | "power" => {
            cx.expect_inputs(2..=2)?;
            scalar_input(0)?;
            same_size(1)?;
            if cx.cfg.r#type == "scaling" {
                Op::Scaling
            } else {
                Op::Power
            }
        }
        "interpolation" => {
            cx.expect_inputs(3..=3)?;
            scalar_input(0)?;
            same_size(1)?;
            same_size(2)?;
            Op::Interpolation
        }
        "multiplex" => {
            cx.expect_inputs(2..=usize::MAX)?;
            for i in 1..cx.num_inputs() {
                same_size(i)?;
            }
            Op::Multiplex
        }
        "dot_prod" | "l2_distance" | "cos" => {
            cx.expect_inputs(2..=2)?;
            if cx.cfg.r#type != "cos" && cx.input_size(0)? != cx.input_size(1)? {
                return Err(cx.err("both inputs must have the same size"));
            }
            match cx.cfg.r#type.as_str() {
                "dot_prod" => Op::DotProd,
                "l2_distance" => Op::L2Distance,
                _ => Op::Cos {
                    scale: cx.cfg.cos_scale.map_or(1.0, |r| r.as_f64()),
                },
            }
        }
        "clip" => {
            cx.expect_inputs(1..=1)?;
            let c = cx.cfg.inputs[0]
                .clip_conf
                .as_ref()
                .ok_or_else(|| cx.err("input has no clip_conf"))?;
            Op::Clip {
                min: c.min.as_f64(),
                max: c.max.as_f64(),
            }
        }
        "prelu" => {
            cx.expect_inputs(1..=1)?;
            let in_size = cx.input_size(0)?;
            let partial_sum = cx.cfg.partial_sum.unwrap_or(1).max(1) as i64;
            if in_size % partial_sum != 0 {
                return Err(cx.err(format!(
                    "input size {in_size} does not divide by partial_sum {partial_sum}"
                )));
            }
            Op::PRelu {
                weight: cx.input_param(0, in_size / partial_sum)?,
                size: in_size,
                partial_sum,
            }
        }
        "scale_shift" => {
            cx.expect_inputs(1..=1)?;
            Op::ScaleShift {
                weight: cx.input_param(0, 1)?,
                bias: cx.bias(1)?,
            }
        }
        "resize" => {
            cx.expect_inputs(1..=1)?;
            Op::Resize { size }
        }
        "factorization_machine" => {
            cx.expect_inputs(1..=1)?;
            let in_size = cx.input_size(0)?;
            let factors = cx
                .cfg
                .factor_size
                .ok_or_else(|| cx.err("has no factor_size"))? as i64;
            Op::FactorizationMachine {
                latent: cx.input_param(0, in_size * factors)?,
                in_size,
                factors,
            }
        }
        "featmap_expand" => {
            cx.expect_inputs(1..=1)?;
            let n = cx.cfg.num_filters.unwrap_or(1) as i64;
            if cx.input_size(0)? * n != size {
                return Err(cx.err(format!(
                    "input size {} repeated {n} times is not the size {size}",
                    cx.input_size(0)?
                )));
            }
            Op::Repeat {
                n,
                as_col: cx.cfg.user_arg.as_deref() == Some("as_col_vec"),
            }
        }
        "trans" => {
            cx.expect_inputs(1..=1)?;
            Op::Trans
        }
        other => return Err(cx.err(format!("'{other}' is not an element-wise layer"))),
    };
    Ok(Box::new(Elementwise(op)))
}

fn row_sum(t: &Tensor) -> Tensor {
    t.sum_dim_intlist(-1, true, None)
}

impl Layer for Elementwise {
    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let v = |i: usize| value(inputs[i], "input");
        let out = match &self.0 {
            Op::AddTo { bias } => {
                // Out of place: `acc` starts as input 0 itself, which must not change.
                let mut acc = v(0)?.shallow_clone();
                // Images (runtime::layout) and flat rows of the same values may meet here:
                // view the rows as the image (a free view of NCHW rows).
                let shape = (0..inputs.len())
                    .find_map(|i| v(i).ok().filter(|t| t.dim() == 4).map(Tensor::size));
                let as_image = |t: &Tensor| match &shape {
                    Some(s) if t.dim() != 4 => t.reshape(s.as_slice()),
                    _ => t.shallow_clone(),
                };
                if shape.is_some() {
                    acc = as_image(&acc);
                }
                for i in 1..inputs.len() {
                    acc = &acc + as_image(v(i)?);
                }
                match bias {
                    Some(b) => acc + cx.param(b)?,
                    None => acc,
                }
            }
            Op::Concat => {
                let parts = (0..inputs.len()).map(v).collect::<Result<Vec<_>, _>>()?;
                Tensor::cat(&parts, 1)
            }
            Op::SlopeIntercept { slope, intercept } => v(0)? * *slope + *intercept,
            Op::Scaling => v(1)? * v(0)?,
            Op::Power => v(1)?.pow(v(0)?),
            Op::Interpolation => {
                let w = v(0)?;
                v(1)? * w + v(2)? * (w.ones_like() - w)
            }
            Op::Multiplex => {
                let index = ids(inputs[0], "multiplex index")?;
                let parts = (1..inputs.len()).map(v).collect::<Result<Vec<_>, _>>()?;
                let stacked = Tensor::stack(&parts, 0); // [k, rows, size]
                let rows = stacked.size()[1];
                let k = parts.len() as i64;
                let bad = index.lt(0).logical_or(&index.ge(k)).any();
                if bad.int64_value(&[]) != 0 {
                    return Err(format!("an index is outside 0..{k}"));
                }
                let arange = Tensor::arange(rows, (Kind::Int64, index.device()));
                stacked.index(&[Some(index.shallow_clone()), Some(arange)])
            }
            Op::DotProd => row_sum(&(v(0)? * v(1)?)),
            Op::L2Distance => row_sum(&(v(0)? - v(1)?).square()).sqrt(),
            Op::Cos { scale } => {
                let (a, b) = (v(0)?, v(1)?);
                let dot = row_sum(&(a * b));
                let norms = (row_sum(&a.square()) * row_sum(&b.square())).sqrt();
                dot / norms * *scale
            }
            Op::Clip { min, max } => v(0)?.clamp(*min, *max),
            Op::PRelu {
                weight,
                size,
                partial_sum,
            } => {
                let x = v(0)?;
                let w = cx.param(weight)?;
                let slopes = w
                    .view([size / partial_sum, 1])
                    .expand([size / partial_sum, *partial_sum], false)
                    .reshape([1, *size]);
                x.relu() - (-x).relu() * slopes
            }
            Op::ScaleShift { weight, bias } => {
                let y = v(0)? * cx.param(weight)?;
                match bias {
                    Some(b) => y + cx.param(b)?,
                    None => y,
                }
            }
            Op::Resize { size } => {
                let x = v(0)?;
                if x.numel() as i64 % size != 0 {
                    return Err(format!(
                        "{} values do not divide into rows of {size}",
                        x.numel()
                    ));
                }
                x.reshape([-1, *size])
            }
            Op::FactorizationMachine {
                latent,
                in_size,
                factors,
            } => {
                let x = v(0)?;
                let lv = cx.param(latent)?.view([*in_size, *factors]);
                let xv = x.matmul(&lv);
                let x2v2 = x.square().matmul(&lv.square());
                row_sum(&(xv.square() - x2v2)) * 0.5
            }
            Op::Repeat { n, as_col } => {
                let x = v(0)?;
                if *as_col {
                    let rows = x.size()[0];
                    x.unsqueeze(2)
                        .expand([rows, x.size()[1], *n], false)
                        .reshape([rows, -1])
                } else {
                    x.repeat([1, *n])
                }
            }
            Op::Trans => v(0)?.tr(),
        };
        Ok(Arg::dense(out))
    }
}
