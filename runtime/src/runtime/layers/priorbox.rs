//! `priorbox` (PriorBox.cpp): SSD's prior boxes for a feature map over an image, computed
//! once from the config and the two inputs' frame sizes (the values of the inputs are not
//! read, and there is no gradient). One row of H x W x priors x 8 values: each prior's
//! [xmin, ymin, xmax, ymax] (clipped to [0, 1]) followed by its 4 variances.
//!
//! The priors of a cell, in Paddle's order: for each min_size a square of that size and, with
//! max_size, a square of sqrt(min * max); then, for the last min_size, one box per aspect
//! ratio other than 1 (each given ratio and its inverse), width min*sqrt(ar), height
//! min/sqrt(ar).

use tch::Tensor;

use super::{Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

struct PriorBox {
    values: Vec<f64>,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    cx.expect_inputs(2..=2)?;
    let conf = cx.cfg.inputs[0]
        .priorbox_conf
        .as_ref()
        .ok_or_else(|| cx.err("input 0 has no priorbox_conf"))?;
    let frame = |i: usize| -> Result<(i64, i64)> {
        let name = &cx.cfg.inputs[i].input_layer_name;
        let l = cx
            .model
            .layer(name)
            .ok_or_else(|| cx.err(format!("input '{name}' is not a layer of the model")))?;
        match (l.height, l.width) {
            (Some(h), Some(w)) if h > 0 && w > 0 => Ok((h as i64, w as i64)),
            _ => Err(cx.err(format!(
                "input '{name}' has no height and width (priorbox reads its frame size)"
            ))),
        }
    };
    let (layer_h, layer_w) = frame(0)?;
    let (image_h, image_w) = frame(1)?;
    if conf.variance.len() != 4 {
        return Err(cx.err("priorbox needs 4 variances"));
    }
    if conf.min_size.is_empty() {
        return Err(cx.err("priorbox needs a min_size"));
    }
    if !conf.max_size.is_empty() && conf.max_size.len() != conf.min_size.len() {
        return Err(cx.err("priorbox needs as many max_size values as min_size values"));
    }
    let mut ratios: Vec<f64> = conf.aspect_ratio.iter().map(|r| r.as_f64()).collect();
    if ratios.iter().any(|&r| r <= 0.0) {
        return Err(cx.err("aspect ratios must be positive"));
    }
    let given = ratios.len();
    for i in 0..given {
        ratios.push(1.0 / ratios[i]);
    }
    ratios.push(1.0);
    let num_priors = ratios.len() + usize::from(!conf.max_size.is_empty());
    // What Paddle writes per cell, which must be what it sized the output for.
    let written = conf.min_size.len() * (1 + conf.max_size.len())
        + ratios.iter().filter(|&&r| (r - 1.0).abs() >= 1e-6).count();
    if written != num_priors {
        return Err(cx.err(format!(
            "{} min sizes, {} max sizes and aspect ratios {:?} give {written} priors a cell, \
             where Paddle sizes the output for {num_priors}",
            conf.min_size.len(),
            conf.max_size.len(),
            conf.aspect_ratio
        )));
    }
    let dim = (layer_h * layer_w) as usize * num_priors * 8;
    if cx.size() != dim as i64 {
        return Err(cx.err(format!(
            "size {} differs from the {dim} values of {num_priors} priors over {layer_h}x{layer_w} cells",
            cx.size()
        )));
    }
    let variance: Vec<f64> = conf.variance.iter().map(|v| v.as_f64()).collect();
    // Paddle computes in float32 `real`; the image and step sizes are exact there.
    let (iw, ih) = (image_w as f64, image_h as f64);
    let step_w = f64::from((iw / layer_w as f64) as f32);
    let step_h = f64::from((ih / layer_h as f64) as f32);
    let mut v = Vec::with_capacity(dim);
    let mut push = |cx_: f64, cy: f64, bw: f64, bh: f64| {
        v.push((cx_ - bw / 2.0) / iw);
        v.push((cy - bh / 2.0) / ih);
        v.push((cx_ + bw / 2.0) / iw);
        v.push((cy + bh / 2.0) / ih);
        v.extend_from_slice(&variance);
    };
    for h in 0..layer_h {
        for w in 0..layer_w {
            let cx_ = (w as f64 + 0.5) * step_w;
            let cy = (h as f64 + 0.5) * step_h;
            let mut min = 0u32;
            for &m in &conf.min_size {
                min = m;
                push(cx_, cy, f64::from(m), f64::from(m));
                for &mx in &conf.max_size {
                    // Paddle stores sqrt(min * max) in an int.
                    let side = (f64::from(m) * f64::from(mx)).sqrt().trunc();
                    push(cx_, cy, side, side);
                }
            }
            for &ar in &ratios {
                if (ar - 1.0).abs() < 1e-6 {
                    continue;
                }
                let s = f64::from(min);
                push(cx_, cy, s * ar.sqrt(), s / ar.sqrt());
            }
        }
    }
    for (d, x) in v.iter_mut().enumerate() {
        if d % 8 < 4 {
            *x = x.clamp(0.0, 1.0);
        }
    }
    Ok(Box::new(PriorBox { values: v }))
}

impl Layer for PriorBox {
    fn keeps_sequence(&self) -> bool {
        false
    }

    fn forward(&self, cx: &Cx, _inputs: &[&Arg]) -> Result<Arg, String> {
        let t = Tensor::from_slice(&self.values)
            .view([1, -1])
            .to_kind(cx.params.kind())
            .to_device(cx.params.device());
        Ok(Arg::dense(t))
    }
}
