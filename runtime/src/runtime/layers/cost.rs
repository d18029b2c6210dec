//! Cost layers (CostLayer.cpp). Each outputs one cost per sample, [rows, 1], multiplied by
//! the optional weight input. `coeff` scales only the gradient, as in Paddle, so it is applied
//! by the network when it sums the loss, and the reported cost excludes it.

use tch::Tensor;

use super::{ids, value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

#[derive(Clone, Copy, Debug, PartialEq)]
enum CostKind {
    MultiClassCrossEntropy,
    SelfNorm { alpha: f64 },
    SoftBinary,
    MultiBinaryLabel,
    SquareError,
    HuberRegression { delta: f64 },
    HuberTwoClass,
    SmoothL1,
    Rank,
    Sum,
}

struct Cost {
    kind: CostKind,
    /// Index of the weight input, if the config has one.
    weight: Option<usize>,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    use CostKind::*;
    let kind = match cx.cfg.r#type.as_str() {
        "multi-class-cross-entropy" => MultiClassCrossEntropy,
        "multi_class_cross_entropy_with_selfnorm" => SelfNorm {
            alpha: cx.cfg.softmax_selfnorm_alpha.map_or(0.1, |r| r.as_f64()),
        },
        "soft_binary_class_cross_entropy" => SoftBinary,
        "multi_binary_label_cross_entropy" => MultiBinaryLabel,
        "square_error" => SquareError,
        "huber_regression" => HuberRegression {
            delta: cx.cfg.delta.map_or(1.0, |r| r.as_f64()),
        },
        "huber_classification" | "huber" => HuberTwoClass,
        "smooth_l1" => SmoothL1,
        "rank-cost" => Rank,
        "sum_cost" => Sum,
        other => return Err(cx.err(format!("'{other}' is not a cost type"))),
    };
    let weight = match kind {
        Sum => {
            cx.expect_inputs(1..=1)?;
            None
        }
        Rank => {
            cx.expect_inputs(3..=4)?;
            (cx.num_inputs() == 4).then_some(3)
        }
        _ => {
            cx.expect_inputs(2..=3)?;
            (cx.num_inputs() == 3).then_some(2)
        }
    };
    if let HuberTwoClass = kind {
        if cx.input_size(0)? != 1 {
            return Err(cx.err("huber_classification needs an input of size 1"));
        }
    }
    Ok(Box::new(Cost { kind, weight }))
}

/// A label as dense values of the output's shape: a dense label as is, or ids as one-hot.
fn dense_label(label: &Arg, like: &Tensor) -> Result<Tensor, String> {
    match (&label.value, &label.ids) {
        (Some(v), _) => Ok(v.shallow_clone()),
        (None, Some(i)) => Ok(labels_fit(i, like)?
            .unsqueeze(1)
            .one_hot(like.size()[1])
            .squeeze_dim(1)
            .to_kind(like.kind())),
        _ => Err("label has neither values nor ids".into()),
    }
}

/// The labels, once every one is below the output's width: libtorch would otherwise panic
/// inside gather or one_hot, far from the config.
fn labels_fit<'a>(labels: &'a Tensor, out: &Tensor) -> Result<&'a Tensor, String> {
    let width = out.size().last().copied().unwrap_or(0);
    match crate::runtime::network::first_out_of_range(labels, width) {
        Some((row, label)) => Err(format!(
            "label {label} ≥ output size {width} (row {row} of the batch): the output layer \
             has fewer units than the data has classes; give it size={}",
            label.max(width) + 1
        )),
        None => Ok(labels),
    }
}

fn row_sum(t: &Tensor) -> Tensor {
    t.sum_dim_intlist(-1, true, None)
}

impl Layer for Cost {
    fn is_cost(&self) -> bool {
        true
    }

    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        use CostKind::*;
        let cost = match self.kind {
            MultiClassCrossEntropy => {
                let out = value(inputs[0], "output")?;
                let label = labels_fit(ids(inputs[1], "label")?, out)?.unsqueeze(1);
                // -log(softmax(z)[label]) through log_softmax when the input is a softmax:
                // the same gradient, without the log of a probability rounded to zero.
                let logp = match &inputs[0].logits {
                    Some(z) => z.log_softmax(-1, z.kind()),
                    None => value(inputs[0], "output")?.log(),
                };
                -logp.gather(1, &label, false)
            }
            SelfNorm { alpha } => {
                let out = value(inputs[0], "output")?;
                let label = labels_fit(ids(inputs[1], "label")?, out)?.unsqueeze(1);
                let log_z = row_sum(out).log();
                -out.gather(1, &label, false).log() + &log_z + log_z.square() * alpha
            }
            SoftBinary | MultiBinaryLabel => {
                let out = value(inputs[0], "output")?;
                let y = dense_label(inputs[1], out)?;
                let one_minus = out.ones_like() - out;
                row_sum(&(-(&y * out.log()) - (y.ones_like() - &y) * one_minus.log()))
            }
            SquareError => {
                let out = value(inputs[0], "output")?;
                let y = dense_label(inputs[1], out)?;
                row_sum(&(out - y).square())
            }
            HuberRegression { delta } => {
                let out = value(inputs[0], "output")?;
                let a = (dense_label(inputs[1], out)? - out).abs();
                let quad = a.square() * 0.5;
                let lin = (&a - 0.5 * delta) * delta;
                row_sum(&quad.where_self(&a.le(delta), &lin))
            }
            HuberTwoClass => {
                let out = value(inputs[0], "output")?;
                let y = (ids(inputs[1], "label")?.to_kind(out.kind()) * 2.0 - 1.0).unsqueeze(1);
                let z = out * y;
                let lin = &z * -4.0;
                let quad = (z.ones_like() - &z).square();
                let zero = z.zeros_like();
                lin.where_self(&z.lt(-1.0), &quad.where_self(&z.lt(1.0), &zero))
            }
            SmoothL1 => {
                let out = value(inputs[0], "output")?;
                let a = (out - dense_label(inputs[1], out)?).abs();
                let quad = a.square() * 0.5;
                let lin = &a - 0.5;
                row_sum(&quad.where_self(&a.lt(1.0), &lin))
            }
            Rank => {
                let left = value(inputs[0], "left")?;
                let right = value(inputs[1], "right")?;
                let label = match (&inputs[2].value, &inputs[2].ids) {
                    (Some(v), _) => v.shallow_clone(),
                    (None, Some(i)) => i.to_kind(left.kind()).unsqueeze(1),
                    _ => return Err("label has neither values nor ids".into()),
                };
                let margin = (left - right).clamp(-40.0, 40.0);
                margin.exp().log1p() - label * margin
            }
            Sum => row_sum(value(inputs[0], "input")?),
        };
        let cost = match self.weight {
            Some(w) => cost * value(inputs[w], "weight")?,
            None => cost,
        };
        Ok(Arg::dense(cost))
    }
}
