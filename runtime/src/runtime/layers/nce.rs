//! nce (NCELayer): noise-contrastive estimation cost.
//!
//! Inputs: one or more dense inputs, each with a [num_classes, width] weight (a row per
//! class), then the label (ids), then an optional per-sample weight. For each sample, Paddle
//! scores its label and num_neg_samples classes drawn from neg_sampling_dist (uniform when
//! absent): o = activation(bias[class] + sum over inputs of x . W[class]), where the
//! activation (sigmoid by default) runs over all scores as one [1, samples] row. With
//! b = num_neg_samples * P(class) (num_neg_samples / num_classes when uniform), the cost of a
//! sample is -log(o / (o + b)) for its label plus -log(b / (o + b)) for each drawn class,
//! times its weight.
//!
//! Draws use libtorch's generator, so `--seed` and checkgrad's reseeding make them repeat
//! (Paddle reseeds its engine in gradient checks for the same reason); the classes drawn are
//! not Paddle's own stream. Multi-label sparse labels are not supported: labels are ids.

use tch::{Device, Kind, Tensor};

use super::{ids, value, Arg, BuildCx, Cx, Layer};
use crate::runtime::activation::Activation;
use crate::runtime::error::Result;

struct Nce {
    /// (input index, weight parameter, width) per scored input.
    inputs: Vec<(usize, String, i64)>,
    label: usize,
    weight: Option<usize>,
    bias: Option<String>,
    classes: i64,
    negatives: i64,
    /// neg_sampling_dist, on the CPU in float64 (drawn from there, so the CPU generator
    /// seeds it on every device).
    dist: Option<Tensor>,
    act: Activation,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    let classes = cx
        .cfg
        .num_classes
        .filter(|&c| c > 0)
        .ok_or_else(|| cx.err("has no num_classes"))? as i64;
    let negatives = i64::from(cx.cfg.num_neg_samples.unwrap_or(10));
    if negatives < 0 {
        return Err(cx.err("num_neg_samples must not be negative"));
    }
    if cx.size() != 1 {
        return Err(cx.err(format!("size is {}, an nce cost has size 1", cx.size())));
    }
    let mut inputs = Vec::new();
    for (i, input) in cx.cfg.inputs.iter().enumerate() {
        if input.input_parameter_name.is_none() {
            break;
        }
        let width = cx.input_size(i)?;
        inputs.push((i, cx.input_param(i, classes * width)?, width));
    }
    if inputs.is_empty() {
        return Err(cx.err("needs at least one input with a parameter before the label"));
    }
    let label = inputs.len();
    let rest = cx.num_inputs() - label;
    if rest == 0 || rest > 2 {
        return Err(cx.err(format!(
            "needs the label and at most a weight after its {label} scored inputs, has {rest} more"
        )));
    }
    let weight = (rest == 2).then_some(label + 1);
    let dist = if cx.cfg.neg_sampling_dist.is_empty() {
        None
    } else {
        let d: Vec<f64> = cx
            .cfg
            .neg_sampling_dist
            .iter()
            .map(|r| r.as_f64())
            .collect();
        if d.len() as i64 != classes {
            return Err(cx.err(format!(
                "neg_sampling_dist has {} values for {classes} classes",
                d.len()
            )));
        }
        if d.iter().any(|&p| p.is_nan() || p < 0.0) || d.iter().sum::<f64>() <= 0.0 {
            return Err(cx.err("neg_sampling_dist must be non-negative and not all zero"));
        }
        Some(Tensor::from_slice(&d))
    };
    let act_name = cx.cfg.active_type.as_deref().unwrap_or("");
    let act = Activation::from_name(act_name)
        .ok_or_else(|| cx.err(format!("activation '{act_name}' is unknown")))?;
    Ok(Box::new(Nce {
        inputs,
        label,
        weight,
        bias: cx.bias(classes)?,
        classes,
        negatives,
        dist,
        act,
    }))
}

impl Nce {
    /// The classes scored for each row: its label, then the drawn ones; [rows, 1 + negatives].
    fn classes_of(&self, labels: &Tensor, device: Device) -> Tensor {
        let rows = labels.size()[0];
        let n = rows * self.negatives;
        let drawn = match &self.dist {
            Some(d) => d.multinomial(n, true),
            None => Tensor::randint(self.classes, [n], (Kind::Int64, Device::Cpu)),
        };
        Tensor::cat(
            &[
                labels.to_kind(Kind::Int64).view([rows, 1]),
                drawn.to_device(device).view([rows, self.negatives]),
            ],
            1,
        )
    }
}

impl Layer for Nce {
    fn is_cost(&self) -> bool {
        true
    }

    fn applies_own_activation(&self) -> bool {
        true
    }

    fn forward(&self, cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let labels = ids(inputs[self.label], "label")?;
        let first = value(inputs[self.inputs[0].0], "input")?;
        let (kind, device) = (first.kind(), first.device());
        let rows = labels.size()[0];
        if labels.numel() > 0 {
            let (lo, hi) = (labels.min().int64_value(&[]), labels.max().int64_value(&[]));
            if lo < 0 || hi >= self.classes {
                return Err(format!(
                    "label ids must be in [0, {}), got {lo}..={hi}",
                    self.classes
                ));
            }
        }
        let classes = self.classes_of(labels, device);
        let flat = classes.view([-1]);
        let per_row = 1 + self.negatives;
        let mut score = match &self.bias {
            Some(b) => cx.param(b)?.view([-1]).index_select(0, &flat),
            None => Tensor::zeros([rows * per_row], (kind, device)),
        };
        for (i, param, width) in &self.inputs {
            let x = value(inputs[*i], "input")?;
            if x.size()[0] != rows {
                return Err(format!(
                    "input {i} has {} rows, the label {rows}",
                    x.size()[0]
                ));
            }
            let w = cx
                .param(param)?
                .view([self.classes, *width])
                .index_select(0, &flat)
                .view([rows, per_row, *width]);
            score += (x.unsqueeze(1) * w)
                .sum_dim_intlist(-1, false, None)
                .view([-1]);
        }
        let o = self
            .act
            .apply(&score.view([1, -1]), None)?
            .view([rows, per_row]);
        let b = match &self.dist {
            Some(d) => {
                d.to_kind(kind)
                    .to_device(device)
                    .index_select(0, &flat)
                    .view([rows, per_row])
                    * self.negatives as f64
            }
            None => Tensor::full(
                [rows, per_row],
                self.negatives as f64 / self.classes as f64,
                (kind, device),
            ),
        };
        let denom = &o + &b;
        let target = -(o.narrow(1, 0, 1) / denom.narrow(1, 0, 1)).log();
        let noise = -(b.narrow(1, 1, self.negatives) / denom.narrow(1, 1, self.negatives))
            .log()
            .sum_dim_intlist(1, true, None);
        let mut cost = target + noise;
        if let Some(wi) = self.weight {
            let w = value(inputs[wi], "weight")?;
            if w.numel() as i64 != rows {
                return Err(format!(
                    "the weight input has {} values, one per label row ({rows}) is needed",
                    w.numel()
                ));
            }
            cost *= w.view([rows, 1]);
        }
        Ok(Arg::dense(cost))
    }
}
