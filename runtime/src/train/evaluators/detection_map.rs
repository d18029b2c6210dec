//! `detection_map` (DetectionMAPEvaluator.cpp): mean average precision of detections.
//!
//! Input 0 is detection_output's rows [image, label, score, xmin, ymin, xmax, ymax], images in
//! order; input 1 the ground truth, a sequence of rows [label, xmin, ymin, xmax, ymax,
//! difficult] per image. Per image and label, detections by descending score take the
//! unclaimed box of best Jaccard overlap above `overlap_threshold` (true positive), else are
//! false positives; a match on a difficult box counts for nothing unless
//! `evaluate_difficult`. Average precision per label is VOC2007's 11-point or the natural
//! integral (`ap_type`); mAP, in percent, averages labels that have boxes and detections.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{dense, Base, EvalArg, Evaluator};
use crate::train::format::real;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApType {
    ElevenPoint,
    Integral,
}

pub struct DetectionMap {
    pub base: Base,
    pub overlap_threshold: f64,
    pub evaluate_difficult: bool,
    pub ap_type: ApType,
    /// Per label: boxes to find (difficult ones only with evaluate_difficult).
    pub num_pos: BTreeMap<i64, usize>,
    /// Per label: (score, true positive?) of every detection.
    pub hits: BTreeMap<i64, Vec<(f64, bool)>>,
}

#[derive(Clone, Copy, Debug)]
struct BBox {
    xmin: f64,
    ymin: f64,
    xmax: f64,
    ymax: f64,
}

impl BBox {
    fn area(&self) -> f64 {
        if self.xmax < self.xmin || self.ymax < self.ymin {
            0.0
        } else {
            (self.xmax - self.xmin) * (self.ymax - self.ymin)
        }
    }
}

/// DetectionUtil's jaccardOverlap.
fn jaccard(a: &BBox, b: &BBox) -> f64 {
    if b.xmin > a.xmax || b.xmax < a.xmin || b.ymin > a.ymax || b.ymax < a.ymin {
        return 0.0;
    }
    let w = a.xmax.min(b.xmax) - a.xmin.max(b.xmin);
    let h = a.ymax.min(b.ymax) - a.ymin.max(b.ymin);
    let inter = w * h;
    inter / (a.area() + b.area() - inter)
}

fn bbox(v: &[f32]) -> BBox {
    BBox {
        xmin: f64::from(v[0]),
        ymin: f64::from(v[1]),
        xmax: f64::from(v[2]),
        ymax: f64::from(v[3]),
    }
}

impl DetectionMap {
    /// Average precision of one label, from its detections' hits and its box count.
    fn average_precision(&self, hits: &[(f64, bool)], num_pos: usize) -> f64 {
        // getAccumulation: a stable sort by descending score, then running sums.
        let mut sorted = hits.to_vec();
        sorted.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        let (mut tp, mut fp) = (0usize, 0usize);
        let mut precision = Vec::with_capacity(sorted.len());
        let mut recall = Vec::with_capacity(sorted.len());
        for &(_, hit) in &sorted {
            if hit {
                tp += 1;
            } else {
                fp += 1;
            }
            precision.push(tp as f64 / (tp + fp) as f64);
            recall.push(tp as f64 / num_pos as f64);
        }
        match self.ap_type {
            ApType::ElevenPoint => {
                let mut max_prec = [0.0f64; 11];
                let mut start = sorted.len() as i64 - 1;
                for j in (0..=10).rev() {
                    let mut i = start;
                    while i >= 0 {
                        let k = i as usize;
                        if recall[k] < j as f64 / 10.0 {
                            start = i;
                            if j > 0 {
                                max_prec[j - 1] = max_prec[j];
                            }
                            break;
                        } else if max_prec[j] < precision[k] {
                            max_prec[j] = precision[k];
                        }
                        i -= 1;
                    }
                }
                max_prec.iter().rev().map(|p| p / 11.0).sum()
            }
            ApType::Integral => {
                let (mut ap, mut prev) = (0.0, 0.0);
                for (p, r) in precision.iter().zip(&recall) {
                    if (r - prev).abs() > 1e-6 {
                        ap += p * (r - prev).abs();
                    }
                    prev = *r;
                }
                ap
            }
        }
    }

    pub fn map(&self) -> f64 {
        let (mut total, mut count) = (0.0, 0);
        for (label, &num_pos) in &self.num_pos {
            let Some(hits) = self.hits.get(label) else {
                continue;
            };
            if num_pos == 0 {
                continue;
            }
            total += self.average_precision(hits, num_pos);
            count += 1;
        }
        if count != 0 {
            total /= count as f64;
        }
        total * 100.0
    }
}

impl Evaluator for DetectionMap {
    fn name(&self) -> &str {
        &self.base.name
    }
    fn input_layers(&self) -> &[String] {
        &self.base.inputs
    }
    fn start(&mut self) {
        self.base.start();
        self.num_pos.clear();
        self.hits.clear();
    }
    fn eval(&mut self, args: &[EvalArg]) -> Result<(), String> {
        let det = dense(&args[0], "detection")?;
        let gt = dense(&args[1], "label")?;
        if det.cols != 7 {
            return Err(format!(
                "detection rows have {} values, not [image, label, score, xmin, ymin, xmax, ymax]",
                det.cols
            ));
        }
        if gt.cols != 6 {
            return Err(format!(
                "label rows have {} values, not [label, xmin, ymin, xmax, ymax, difficult]",
                gt.cols
            ));
        }
        let starts = args[1]
            .seq_starts
            .as_deref()
            .ok_or("the label input is not a sequence of boxes per image")?;
        if starts.first() != Some(&0)
            || starts.last() != Some(&(gt.rows as i64))
            || starts.windows(2).any(|w| w[0] > w[1])
        {
            return Err("the label's sequence start positions do not cover its rows".into());
        }
        let images = starts.len() - 1;
        // Ground truth per image and label: (box, difficult).
        let mut truth: Vec<BTreeMap<i64, Vec<(BBox, bool)>>> = vec![BTreeMap::new(); images];
        for (n, w) in starts.windows(2).enumerate() {
            for r in w[0] as usize..w[1] as usize {
                let row = gt.row(r);
                let difficult = row[5] != 0.0;
                truth[n]
                    .entry(row[0] as i64)
                    .or_default()
                    .push((bbox(&row[1..5]), difficult));
            }
        }
        // Detections per image, read in order while the image id matches (as Paddle does).
        let mut found: Vec<BTreeMap<i64, Vec<(f64, BBox)>>> = vec![BTreeMap::new(); images];
        let mut r = 0;
        for (img, f) in found.iter_mut().enumerate() {
            while r < det.rows && det.row(r)[0] as usize == img && det.row(r)[0] >= 0.0 {
                let row = det.row(r);
                if row[1] < 0.0 {
                    return Err(format!("detection row {r} has label {}", row[1]));
                }
                f.entry(row[1] as i64)
                    .or_default()
                    .push((f64::from(row[2]), bbox(&row[3..7])));
                r += 1;
            }
        }
        for t in &truth {
            for (label, boxes) in t {
                let count = if self.evaluate_difficult {
                    boxes.len()
                } else {
                    boxes.iter().filter(|b| !b.1).count()
                };
                *self.num_pos.entry(*label).or_default() += count;
            }
        }
        for (t, f) in truth.iter().zip(&found) {
            for (label, dets) in f {
                let hits = self.hits.entry(*label).or_default();
                let Some(boxes) = t.get(label) else {
                    hits.extend(dets.iter().map(|d| (d.0, false)));
                    continue;
                };
                let mut dets = dets.clone();
                dets.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
                let mut claimed = vec![false; boxes.len()];
                for (score, b) in &dets {
                    let (mut best, mut at) = (-1.0, 0);
                    for (j, (g, _)) in boxes.iter().enumerate() {
                        let o = jaccard(b, g);
                        if o > best {
                            best = o;
                            at = j;
                        }
                    }
                    if best > self.overlap_threshold {
                        if self.evaluate_difficult || !boxes[at].1 {
                            hits.push((*score, !claimed[at]));
                            claimed[at] = true;
                        }
                    } else {
                        hits.push((*score, false));
                    }
                }
            }
        }
        self.base.count(args, usize::MAX)
    }
    fn print(&self, out: &mut String) {
        // Paddle prints no name here.
        let _ = write!(out, "Detection mAP={}", real(self.map()));
    }
    fn value(&self) -> Option<f64> {
        Some(self.map())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{cfg, out, run};
    use super::*;

    fn batch() -> Vec<EvalArg> {
        let det = out(&[
            // image 0, label 1: a hit on A, a second hit on A (already claimed), a miss.
            &[0.0, 1.0, 0.9, 0.0, 0.0, 0.5, 0.45],
            &[0.0, 1.0, 0.8, 0.02, 0.0, 0.5, 0.5],
            &[0.0, 1.0, 0.7, 0.8, 0.0, 1.0, 0.2],
            // image 0, label 2: on the difficult box C.
            &[0.0, 2.0, 0.6, 0.0, 0.0, 1.0, 1.0],
            // image 1, label 1: on D.
            &[1.0, 1.0, 0.95, 0.2, 0.2, 0.6, 0.6],
        ]);
        let mut gt = out(&[
            &[1.0, 0.0, 0.0, 0.5, 0.5, 0.0],
            &[1.0, 0.5, 0.5, 1.0, 1.0, 0.0],
            &[2.0, 0.0, 0.0, 1.0, 1.0, 1.0],
            &[1.0, 0.2, 0.2, 0.6, 0.6, 0.0],
        ]);
        gt.seq_starts = Some(vec![0, 3, 4]);
        vec![det, gt]
    }

    /// Label 1: 3 boxes; detections by score TP TP FP FP: precision 1 1 2/3 1/2, recall
    /// 1/3 2/3 2/3 2/3. Label 2's only box is difficult, so it is not evaluated.
    #[test]
    fn map_of_hand_counted_detections() {
        let mut c = cfg("map", "detection_map", &["det", "gt"]);
        let (s, v) = run(c.clone(), &[batch()]);
        // 11-point: recall reaches 0.0 .. 0.6 with precision 1 -> 7/11.
        assert_eq!(s, "Detection mAP=63.6364 ");
        assert!((v.unwrap() - 700.0 / 11.0).abs() < 1e-9);
        c.ap_type = Some("Integral".into());
        let (_, v) = run(c.clone(), &[batch()]);
        // 1 * 1/3 + 1 * 1/3.
        assert!((v.unwrap() - 200.0 / 3.0).abs() < 1e-9);
        // With difficult boxes, label 2 is found at precision 1: (2/3 + 1) / 2.
        c.evaluate_difficult = Some(true);
        let (_, v) = run(c, &[batch()]);
        assert!((v.unwrap() - 250.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn rows_of_the_wrong_width_are_errors() {
        let c = cfg("map", "detection_map", &["det", "gt"]);
        let mut e = super::super::Evaluators::from_configs(&[c]).unwrap();
        e.start();
        let mut b = batch();
        b[1] = out(&[&[1.0, 0.0, 0.0, 0.5, 0.5]]);
        b[1].seq_starts = Some(vec![0, 1]);
        let err = e
            .eval(&|n| {
                Some(if n == "det" {
                    b[0].clone()
                } else {
                    b[1].clone()
                })
            })
            .unwrap_err();
        assert!(
            err.to_string().contains("label rows have 5 values"),
            "{err}"
        );
    }
}
