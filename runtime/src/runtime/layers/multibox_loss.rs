//! multibox_loss (MultiBoxLossLayer): SSD's training cost.
//!
//! Inputs: the prior boxes (8 values a prior, as for detection_output), the ground truth (a
//! sequence per sample of rows [label, xmin, ymin, xmax, ymax, difficult]), then input_num
//! location maps and input_num confidence maps, read NHWC like detection_output's.
//!
//! Matching (Paddle's matchBBox) uses the priors, not the predictions: bipartite first (the
//! globally best remaining prior/box pair, until no box overlaps a free prior), then every
//! other prior takes its best box with overlap >= overlap_threshold. Hard negatives are the
//! unmatched priors whose best overlap is below neg_overlap, ranked by their best softmax
//! score among non-background classes; floor(neg_pos_ratio) per positive are kept. The cost
//! is (sum of smooth-L1 between the matched priors' offsets and the boxes encoded against the
//! priors with their variances + softmax cross-entropy of positives (their box's label) and
//! negatives (background_id)) / number of matches, or 0 without matches.
//!
//! Paddle writes that cost on every output row but back-propagates the gradient of the cost
//! itself, whatever the output gradient. A value and a gradient that disagree would break
//! checkgrad, so each row here holds cost / batch size: the network's sum over rows is
//! Paddle's cost and back-propagates its gradient, while the average cost reported per sample
//! is Paddle's divided by the batch size.

use tch::{Device, Kind, Tensor};

use super::detection_output::{head_maps, jaccard};
use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

struct MultiBoxLoss {
    num_classes: usize,
    background_id: usize,
    overlap_threshold: f64,
    neg_pos_ratio: usize,
    neg_overlap: f64,
    input_num: usize,
    priors: usize,
    pixels: Vec<i64>,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    let conf = cx.cfg.inputs[0]
        .multibox_loss_conf
        .as_ref()
        .ok_or_else(|| cx.err("input 0 has no multibox_loss_conf"))?;
    let input_num = conf.input_num.max(1) as usize;
    cx.expect_inputs(2 + 2 * input_num..=2 + 2 * input_num)?;
    let num_classes = conf.num_classes as usize;
    if num_classes == 0 {
        return Err(cx.err("num_classes must be positive"));
    }
    let prior_size = cx.input_size(0)?;
    if prior_size % 8 != 0 {
        return Err(cx.err(format!(
            "the priorbox input has {prior_size} values, not 8 per prior"
        )));
    }
    let priors = prior_size / 8;
    if cx.input_size(1)? != 6 {
        return Err(cx.err(format!(
            "the label input has {} values a row; Paddle reads rows of 6 \
             [label, xmin, ymin, xmax, ymax, difficult]",
            cx.input_size(1)?
        )));
    }
    let (pixels, loc_total, conf_total) = head_maps(cx, 2, input_num, (conf.height, conf.width))?;
    if loc_total != priors * 4 || conf_total != priors * num_classes as i64 {
        return Err(cx.err(format!(
            "the location and confidence inputs have {loc_total} and {conf_total} values a \
             sample; {priors} priors of {num_classes} classes need {} and {}",
            priors * 4,
            priors * num_classes as i64
        )));
    }
    let ratio = conf.neg_pos_ratio.as_f64();
    if ratio.is_nan() || ratio < 0.0 {
        return Err(cx.err("neg_pos_ratio must not be negative"));
    }
    Ok(Box::new(MultiBoxLoss {
        num_classes,
        background_id: conf.background_id as usize,
        overlap_threshold: conf.overlap_threshold.as_f64(),
        // Paddle passes the ratio on as a size_t.
        neg_pos_ratio: ratio.floor() as usize,
        neg_overlap: conf.neg_overlap.as_f64(),
        input_num,
        priors: priors as usize,
        pixels,
    }))
}

/// Paddle's matchBBox: for each prior, the index of its box or -1, and its best overlap.
pub fn match_boxes(priors: &[[f64; 4]], gts: &[[f64; 4]], threshold: f64) -> (Vec<i64>, Vec<f64>) {
    let mut matched = vec![-1i64; priors.len()];
    let mut best = vec![0.0f64; priors.len()];
    // overlaps[i][j], kept only above 1e-6 as Paddle does.
    let overlaps: Vec<Vec<Option<f64>>> = priors
        .iter()
        .enumerate()
        .map(|(i, p)| {
            gts.iter()
                .map(|g| {
                    let o = jaccard(p, g);
                    (o > 1e-6).then(|| {
                        best[i] = best[i].max(o);
                        o
                    })
                })
                .collect()
        })
        .collect();
    let mut pool: Vec<usize> = (0..gts.len()).collect();
    while !pool.is_empty() {
        let mut pick: Option<(usize, usize, f64)> = None;
        for (i, row) in overlaps.iter().enumerate() {
            if matched[i] != -1 {
                continue;
            }
            for &j in &pool {
                if let Some(o) = row[j] {
                    if pick.map_or(true, |(_, _, m)| o > m) {
                        pick = Some((i, j, o));
                    }
                }
            }
        }
        let Some((i, j, o)) = pick else { break };
        matched[i] = j as i64;
        best[i] = o;
        pool.retain(|&g| g != j);
    }
    for (i, row) in overlaps.iter().enumerate() {
        if matched[i] != -1 {
            continue;
        }
        let mut pick: Option<(usize, f64)> = None;
        for (j, o) in row.iter().enumerate() {
            if let Some(o) = *o {
                if o >= threshold && pick.map_or(true, |(_, m)| o > m) {
                    pick = Some((j, o));
                }
            }
        }
        if let Some((j, o)) = pick {
            matched[i] = j as i64;
            best[i] = o;
        }
    }
    (matched, best)
}

/// Paddle's encodeBBoxWithVar: a box as offsets from a prior (8 values with variances).
pub fn encode_box(prior: &[f64], gt: &[f64; 4]) -> [f64; 4] {
    let (pw, ph) = (prior[2] - prior[0], prior[3] - prior[1]);
    let (pcx, pcy) = ((prior[0] + prior[2]) / 2.0, (prior[1] + prior[3]) / 2.0);
    let (gw, gh) = (gt[2] - gt[0], gt[3] - gt[1]);
    let (gcx, gcy) = ((gt[0] + gt[2]) / 2.0, (gt[1] + gt[3]) / 2.0);
    [
        (gcx - pcx) / pw / prior[4],
        (gcy - pcy) / ph / prior[5],
        (gw / pw).abs().ln() / prior[6],
        (gh / ph).abs().ln() / prior[7],
    ]
}

fn to_vec(t: &Tensor) -> Result<Vec<f64>, String> {
    Vec::<f64>::try_from(
        &t.detach()
            .to_device(Device::Cpu)
            .to_kind(Kind::Double)
            .reshape([-1]),
    )
    .map_err(|e| e.to_string())
}

impl MultiBoxLoss {
    /// The maps of inputs `first..first + input_num`, NCHW -> NHWC and concatenated:
    /// [batch * priors, per_prior], differentiable.
    fn nhwc(&self, inputs: &[&Arg], first: usize, per_prior: i64) -> Result<Tensor, String> {
        let mut parts = Vec::new();
        for (n, &pixels) in self.pixels.iter().enumerate() {
            let x = value(inputs[first + n], "location or confidence input")?;
            let b = x.size()[0];
            parts.push(x.reshape([b, -1, pixels]).transpose(1, 2).reshape([b, -1]));
        }
        Ok(Tensor::cat(&parts, 1).reshape([-1, per_prior]))
    }
}

impl Layer for MultiBoxLoss {
    fn is_cost(&self) -> bool {
        true
    }

    fn keeps_sequence(&self) -> bool {
        false
    }

    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        let k = self.num_classes as i64;
        let loc = self.nhwc(inputs, 2, 4)?;
        let conf = self.nhwc(inputs, 2 + self.input_num, k)?;
        let (kind, device) = (loc.kind(), loc.device());
        let batch = value(inputs[2], "location input")?.size()[0] as usize;
        let prior = to_vec(value(inputs[0], "priorbox input")?)?;
        if prior.len() < self.priors * 8 {
            return Err(format!(
                "the priorbox input has {} values, {} priors need {}",
                prior.len(),
                self.priors,
                self.priors * 8
            ));
        }
        let prior_boxes: Vec<[f64; 4]> = (0..self.priors)
            .map(|i| {
                [
                    prior[i * 8],
                    prior[i * 8 + 1],
                    prior[i * 8 + 2],
                    prior[i * 8 + 3],
                ]
            })
            .collect();
        let label_arg = inputs[1];
        let labels = to_vec(value(label_arg, "label input")?)?;
        let starts = label_arg
            .seq_starts
            .clone()
            .ok_or("the label input must be a sequence of boxes per sample")?;
        // Each prior's best non-background probability, for ranking negatives.
        let probs = to_vec(&conf.softmax(-1, Kind::Double))?;
        let mut positives: Vec<i64> = Vec::new();
        let mut encoded: Vec<f64> = Vec::new();
        let mut conf_rows: Vec<i64> = Vec::new();
        let mut targets: Vec<i64> = Vec::new();
        let mut negatives: Vec<(i64, i64)> = Vec::new();
        for n in 0..batch {
            let boxes = if n + 1 < starts.len() {
                (starts[n] as usize)..(starts[n + 1] as usize)
            } else {
                0..0
            };
            if boxes.is_empty() {
                continue;
            }
            if boxes.end * 6 > labels.len() {
                return Err(format!("sample {n}: its boxes run past the label input"));
            }
            let gts: Vec<[f64; 4]> = boxes
                .clone()
                .map(|r| {
                    let l = &labels[r * 6..r * 6 + 6];
                    [l[1], l[2], l[3], l[4]]
                })
                .collect();
            let (matched, best) = match_boxes(&prior_boxes, &gts, self.overlap_threshold);
            let mut pos = 0;
            for (i, &m) in matched.iter().enumerate() {
                if m < 0 {
                    continue;
                }
                pos += 1;
                let row = (n * self.priors + i) as i64;
                positives.push(row);
                encoded.extend(encode_box(&prior[i * 8..i * 8 + 8], &gts[m as usize]));
                conf_rows.push(row);
                // Paddle converts the label to int, truncating.
                let label = labels[(boxes.start + m as usize) * 6].trunc() as i64;
                if !(0..k).contains(&label) {
                    return Err(format!(
                        "sample {n}: box label {label} is not below num_classes {k}"
                    ));
                }
                targets.push(label);
            }
            let mut candidates: Vec<(f64, usize)> = (0..self.priors)
                .filter(|&i| matched[i] == -1 && best[i] < self.neg_overlap)
                .map(|i| {
                    let p = &probs[(n * self.priors + i) * self.num_classes..][..self.num_classes];
                    let top = (0..self.num_classes)
                        .filter(|&c| c != self.background_id)
                        .map(|c| p[c])
                        .fold(0.0f64, f64::max);
                    (top, i)
                })
                .collect();
            candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
            candidates.truncate(pos * self.neg_pos_ratio);
            for (_, i) in candidates {
                negatives.push(((n * self.priors + i) as i64, self.background_id as i64));
            }
        }
        let matches = positives.len();
        let loss = if matches == 0 {
            Tensor::zeros([], (kind, device))
        } else {
            let pos = Tensor::from_slice(&positives).to_device(device);
            let gt = Tensor::from_slice(&encoded)
                .view([-1, 4])
                .to_kind(kind)
                .to_device(device);
            let d = loc.index_select(0, &pos) - gt;
            let a = d.abs();
            let small = a.lt(1.0);
            let smooth = (&d * &d * 0.5).where_self(&small, &(&a - 0.5));
            for (row, t) in negatives {
                conf_rows.push(row);
                targets.push(t);
            }
            let rows = Tensor::from_slice(&conf_rows).to_device(device);
            let t = Tensor::from_slice(&targets).to_device(device).view([-1, 1]);
            let ce = -conf
                .index_select(0, &rows)
                .log_softmax(-1, kind)
                .gather(1, &t, false);
            (smooth.sum(kind) + ce.sum(kind)) / matches as f64
        };
        let row = loss / batch.max(1) as f64;
        Ok(Arg::dense(
            row.view([1, 1]).expand([batch as i64, 1], false),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bipartite_then_threshold_matching() {
        let priors = [
            [0.0, 0.0, 1.0, 1.0],
            [0.0, 0.0, 1.0, 0.9],
            [2.0, 2.0, 3.0, 3.0],
            [5.0, 5.0, 6.0, 6.0],
        ];
        let gts = [[0.0, 0.0, 1.0, 0.95], [2.0, 2.0, 3.0, 2.4]];
        let (m, best) = match_boxes(&priors, &gts, 0.5);
        // Box 0 overlaps prior 0 by 0.95 and prior 1 by 0.947: bipartite takes prior 0,
        // the threshold pass gives prior 1 box 0 too; box 1 takes prior 2 (0.4, bipartite).
        assert_eq!(m, vec![0, 0, 1, -1]);
        assert!((best[2] - 0.4).abs() < 1e-12 && best[3] == 0.0, "{best:?}");
        let (m, _) = match_boxes(&priors, &gts, 0.96);
        assert_eq!(m, vec![0, -1, 1, -1]);
    }

    #[test]
    fn encode_inverts_detection_decode() {
        let prior = [0.2, 0.2, 0.6, 0.4, 0.1, 0.1, 0.2, 0.2];
        let gt = [0.24, 0.08, 0.64, 0.48];
        let e = encode_box(&prior, &gt);
        let d = super::super::detection_output::decode_box(&prior, &e);
        for (a, b) in d.iter().zip(gt) {
            assert!((a - b).abs() < 1e-12, "{d:?}");
        }
    }
}
