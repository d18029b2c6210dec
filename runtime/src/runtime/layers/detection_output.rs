//! detection_output (DetectionOutputLayer): SSD's inference step, forward only.
//!
//! Inputs: the prior boxes (8 values a prior: xmin, ymin, xmax, ymax and their four
//! variances), then input_num location maps, then input_num confidence maps. Each map is
//! NCHW; as in Paddle it is read NHWC (a prior's 4 offsets, or its num_classes scores, are
//! adjacent) and the maps are concatenated per sample. Scores go through a softmax per
//! prior; boxes are decoded from the priors with their variances. Per sample and per class
//! other than background_id, priors scoring above confidence_threshold are sorted (stable,
//! descending), cut to nms_top_k, and kept greedily while their Jaccard overlap with every
//! kept box is at most nms_threshold. If more than keep_top_k remain in a sample, the
//! keep_top_k best scores survive. Each kept box is an output row of 7 values:
//! [sample, label, score, xmin, ymin, xmax, ymax], coordinates clipped to [0, 1], in order of
//! sample, then label, then the order NMS (or the keep_top_k sort) left them in. The number
//! of rows varies with the data, as in Paddle.

use std::collections::BTreeMap;

use tch::{Device, Kind, Tensor};

use super::{value, Arg, BuildCx, Cx, Layer};
use crate::runtime::error::Result;

/// Paddle's DetectionOutputConfig, resolved.
#[derive(Clone, Debug)]
pub struct DetectionParams {
    pub num_classes: usize,
    pub background_id: usize,
    pub nms_threshold: f64,
    pub confidence_threshold: f64,
    pub nms_top_k: usize,
    pub keep_top_k: usize,
}

struct DetectionOutput {
    params: DetectionParams,
    input_num: usize,
    priors: usize,
    /// (height * width) of each location map; confidence maps share it.
    pixels: Vec<i64>,
}

pub fn build(cx: &BuildCx) -> Result<Box<dyn Layer>> {
    let conf = cx.cfg.inputs[0]
        .detection_output_conf
        .as_ref()
        .ok_or_else(|| cx.err("input 0 has no detection_output_conf"))?;
    let input_num = conf.input_num.max(1) as usize;
    cx.expect_inputs(1 + 2 * input_num..=1 + 2 * input_num)?;
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
    let (pixels, loc_total, conf_total) = head_maps(cx, 1, input_num, (conf.height, conf.width))?;
    if loc_total != priors * 4 {
        return Err(cx.err(format!(
            "the location inputs have {loc_total} values a sample; {priors} priors need {}",
            priors * 4
        )));
    }
    if conf_total != priors * num_classes as i64 {
        return Err(cx.err(format!(
            "the confidence inputs have {conf_total} values a sample; {priors} priors of \
             {num_classes} classes need {}",
            priors * num_classes as i64
        )));
    }
    Ok(Box::new(DetectionOutput {
        params: DetectionParams {
            num_classes,
            background_id: conf.background_id as usize,
            nms_threshold: conf.nms_threshold.as_f64(),
            confidence_threshold: conf.confidence_threshold.as_f64(),
            nms_top_k: conf.nms_top_k as usize,
            keep_top_k: conf.keep_top_k as usize,
        },
        input_num,
        priors: priors as usize,
        pixels,
    }))
}

/// An SSD head's maps: inputs `first..first+input_num` are location maps and the next
/// `input_num` their confidence maps, each of whole channels of the map's height x width (the
/// layer's own, else the config's). Returns each map's pixel count, and the values a sample
/// over all location maps and over all confidence maps.
pub(super) fn head_maps(
    cx: &BuildCx,
    first: usize,
    input_num: usize,
    (height, width): (Option<u32>, Option<u32>),
) -> Result<(Vec<i64>, i64, i64)> {
    let mut pixels = Vec::new();
    let (mut loc_total, mut conf_total) = (0, 0);
    for n in 0..input_num {
        let loc = &cx.cfg.inputs[first + n].input_layer_name;
        let layer = cx.model.layer(loc);
        let dim = |l: Option<u64>, c: Option<u32>| {
            l.filter(|&v| v > 0)
                .or(c.filter(|&v| v > 0).map(u64::from))
                .unwrap_or(1) as i64
        };
        let h = dim(layer.and_then(|l| l.height), height);
        let w = dim(layer.and_then(|l| l.width), width);
        let (loc_size, conf_size) = (
            cx.input_size(first + n)?,
            cx.input_size(first + input_num + n)?,
        );
        if loc_size % (h * w) != 0 || conf_size % (h * w) != 0 {
            return Err(cx.err(format!(
                "location map '{loc}' ({loc_size} values) and its confidence map \
                 ({conf_size}) must be whole channels of {h}x{w}"
            )));
        }
        pixels.push(h * w);
        loc_total += loc_size;
        conf_total += conf_size;
    }
    Ok((pixels, loc_total, conf_total))
}

/// A prior and its 4 predicted offsets -> [xmin, ymin, xmax, ymax] (Paddle's decodeBBox).
pub fn decode_box(prior: &[f64], loc: &[f64]) -> [f64; 4] {
    let (pw, ph) = (prior[2] - prior[0], prior[3] - prior[1]);
    let (pcx, pcy) = ((prior[0] + prior[2]) / 2.0, (prior[1] + prior[3]) / 2.0);
    let w = (prior[6] * loc[2]).exp() * pw;
    let h = (prior[7] * loc[3]).exp() * ph;
    let cx = prior[4] * loc[0] * pw + pcx;
    let cy = prior[5] * loc[1] * ph + pcy;
    [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0]
}

/// Intersection over union; boxes that do not touch overlap 0.
pub fn jaccard(a: &[f64; 4], b: &[f64; 4]) -> f64 {
    if a[0] > b[2] || a[1] > b[3] || a[2] < b[0] || a[3] < b[1] {
        return 0.0;
    }
    let iw = a[2].min(b[2]) - a[0].max(b[0]);
    let ih = a[3].min(b[3]) - a[1].max(b[1]);
    let inter = iw * ih;
    let area = |x: &[f64; 4]| (x[2] - x[0]) * (x[3] - x[1]);
    inter / (area(a) + area(b) - inter)
}

/// Greedy NMS of one class: `scores[i]` is prior i's score for the class.
pub fn nms(boxes: &[[f64; 4]], scores: &[f64], p: &DetectionParams) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len())
        .filter(|&i| scores[i] > p.confidence_threshold)
        .collect();
    // Stable: equal scores keep prior order, as std::stable_sort does.
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    if p.nms_top_k > 0 && p.nms_top_k < order.len() {
        order.truncate(p.nms_top_k);
    }
    let mut kept: Vec<usize> = Vec::new();
    for i in order {
        if kept
            .iter()
            .all(|&k| jaccard(&boxes[i], &boxes[k]) <= p.nms_threshold)
        {
            kept.push(i);
        }
    }
    kept
}

/// One sample's detections: label -> kept priors, after NMS and keep_top_k. `scores` is
/// [prior][class], softmaxed.
pub fn detect(
    boxes: &[[f64; 4]],
    scores: &[Vec<f64>],
    p: &DetectionParams,
) -> BTreeMap<usize, Vec<usize>> {
    let mut by_label = BTreeMap::new();
    let mut total = 0;
    for c in (0..p.num_classes).filter(|&c| c != p.background_id) {
        let class_scores: Vec<f64> = scores.iter().map(|s| s[c]).collect();
        let kept = nms(boxes, &class_scores, p);
        total += kept.len();
        by_label.insert(c, kept);
    }
    if p.keep_top_k == 0 || total <= p.keep_top_k {
        return by_label;
    }
    let mut all: Vec<(f64, usize, usize)> = by_label
        .iter()
        .flat_map(|(&c, kept)| kept.iter().map(move |&i| (c, i)))
        .map(|(c, i)| (scores[i][c], c, i))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    all.truncate(p.keep_top_k);
    let mut out: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (_, c, i) in all {
        out.entry(c).or_default().push(i);
    }
    out
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

impl DetectionOutput {
    /// Sample `s`'s values of NCHW maps (each `per_sample` values a row), read NHWC and
    /// concatenated, so that a prior's values (4 offsets, or num_classes scores) are adjacent.
    fn nhwc(&self, maps: &[(Vec<f64>, usize)], s: usize) -> Vec<f64> {
        let mut out = Vec::new();
        for ((map, per_sample), &pixels) in maps.iter().zip(&self.pixels) {
            let pixels = pixels as usize;
            let row = &map[s * per_sample..(s + 1) * per_sample];
            let channels = per_sample / pixels;
            for px in 0..pixels {
                for c in 0..channels {
                    out.push(row[c * pixels + px]);
                }
            }
        }
        out
    }
}

impl Layer for DetectionOutput {
    fn forward(&self, _cx: &Cx, inputs: &[&Arg]) -> Result<Arg, String> {
        // A priorbox layer has one row; a data layer feeding priors repeats them per sample.
        // Either way the first row holds them all.
        let prior = to_vec(value(inputs[0], "priorbox input")?)?;
        if prior.len() < self.priors * 8 {
            return Err(format!(
                "the priorbox input has {} values, {} priors need {}",
                prior.len(),
                self.priors,
                self.priors * 8
            ));
        }
        let first_loc = value(inputs[1], "location input")?;
        let (kind, device) = (first_loc.kind(), first_loc.device());
        let batch = first_loc.size()[0] as usize;
        let read = |k: usize, what: &str| -> Result<(Vec<f64>, usize), String> {
            let t = value(inputs[k], what)?;
            if t.size()[0] as usize != batch {
                return Err(format!(
                    "input {k} has {} rows, the location input {batch}",
                    t.size()[0]
                ));
            }
            let values = to_vec(t)?;
            let width = values.len().checked_div(batch).unwrap_or(0);
            Ok((values, width))
        };
        let mut locs = Vec::new();
        let mut confs = Vec::new();
        for n in 0..self.input_num {
            locs.push(read(1 + n, "location input")?);
            confs.push(read(1 + self.input_num + n, "confidence input")?);
        }
        let p = &self.params;
        let priors = self.priors;
        let widths = |maps: &[(Vec<f64>, usize)]| maps.iter().map(|m| m.1).sum::<usize>();
        if widths(&locs) != priors * 4 || widths(&confs) != priors * p.num_classes {
            return Err(format!(
                "the location and confidence rows have {} and {} values; {priors} priors of {} \
                 classes need {} and {}",
                widths(&locs),
                widths(&confs),
                p.num_classes,
                priors * 4,
                priors * p.num_classes
            ));
        }
        let mut rows: Vec<f64> = Vec::new();
        for s in 0..batch {
            let loc = self.nhwc(&locs, s);
            let conf = self.nhwc(&confs, s);
            let boxes: Vec<[f64; 4]> = (0..priors)
                .map(|i| decode_box(&prior[i * 8..i * 8 + 8], &loc[i * 4..i * 4 + 4]))
                .collect();
            let scores: Vec<Vec<f64>> = (0..priors)
                .map(|i| softmax(&conf[i * p.num_classes..(i + 1) * p.num_classes]))
                .collect();
            for (label, kept) in detect(&boxes, &scores, p) {
                for i in kept {
                    let b = boxes[i];
                    rows.extend([s as f64, label as f64, scores[i][label]]);
                    rows.extend(b.iter().map(|v| v.clamp(0.0, 1.0)));
                }
            }
        }
        let out = Tensor::from_slice(&rows)
            .view([-1, 7])
            .to_kind(kind)
            .to_device(device);
        Ok(Arg::dense(out))
    }

    /// One row per detection, not per sample.
    fn keeps_sequence(&self) -> bool {
        false
    }
}

fn softmax(x: &[f64]) -> Vec<f64> {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = x.iter().map(|v| (v - m).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.into_iter().map(|v| v / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> DetectionParams {
        DetectionParams {
            num_classes: 3,
            background_id: 0,
            nms_threshold: 0.5,
            confidence_threshold: 0.1,
            nms_top_k: 0,
            keep_top_k: 0,
        }
    }

    #[test]
    fn decode_applies_variances_to_centre_and_log_size() {
        let prior = [0.2, 0.2, 0.6, 0.4, 0.1, 0.1, 0.2, 0.2];
        let close = |b: [f64; 4], want: [f64; 4]| {
            for (g, w) in b.iter().zip(want) {
                assert!((g - w).abs() < 1e-12, "{b:?} vs {want:?}");
            }
        };
        close(decode_box(&prior, &[0.0; 4]), [0.2, 0.2, 0.6, 0.4]);
        // Centre (0.4, 0.3) moves by var * offset * size; size scales by exp(var * offset).
        let b = decode_box(&prior, &[1.0, -1.0, 0.0, (2f64).ln() / 0.2]);
        close(b, [0.24, 0.08, 0.64, 0.48]);
    }

    #[test]
    fn jaccard_is_intersection_over_union() {
        let a = [0.0, 0.0, 2.0, 2.0];
        assert_eq!(jaccard(&a, &[1.0, 1.0, 3.0, 3.0]), 1.0 / 7.0);
        assert_eq!(jaccard(&a, &[2.5, 0.0, 3.0, 1.0]), 0.0);
        assert_eq!(jaccard(&a, &a), 1.0);
    }

    #[test]
    fn nms_keeps_best_and_drops_overlaps_above_threshold() {
        let boxes = [
            [0.0, 0.0, 1.0, 1.0],
            [0.0, 0.0, 1.0, 0.9], // IoU 0.9 with box 0
            [2.0, 2.0, 3.0, 3.0],
            [0.0, 0.0, 0.5, 0.5], // IoU 0.25 with box 0
        ];
        let p = params();
        assert_eq!(nms(&boxes, &[0.5, 0.8, 0.3, 0.05], &p), vec![1, 2]);
        assert_eq!(nms(&boxes, &[0.9, 0.8, 0.3, 0.2], &p), vec![0, 2, 3]);
        let top2 = DetectionParams { nms_top_k: 2, ..p };
        assert_eq!(nms(&boxes, &[0.9, 0.8, 0.3, 0.2], &top2), vec![0]);
    }

    #[test]
    fn keep_top_k_keeps_best_scores_across_classes_grouped_by_label() {
        let boxes = [[0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0]];
        let scores = vec![vec![0.1, 0.5, 0.4], vec![0.2, 0.15, 0.65]];
        let p = params();
        let all = detect(&boxes, &scores, &p);
        assert_eq!(all[&1], vec![0, 1]);
        assert_eq!(all[&2], vec![1, 0]);
        let top = detect(&boxes, &scores, &DetectionParams { keep_top_k: 2, ..p });
        assert_eq!(top.get(&1), Some(&vec![0]));
        assert_eq!(top.get(&2), Some(&vec![1]));
    }
}
