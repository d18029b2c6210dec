//! `ctc_edit_distance` (CTCErrorEvaluator.cpp, ctc_error_evaluator): the best path of each
//! output sequence (arg-max per step, repeats merged, blanks dropped; the blank is the last
//! class) against its label by Levenshtein distance, with the backtrace's substitutions,
//! deletions and insertions, each divided by the longer string's length.

use std::fmt::Write as _;

use super::{Base, EvalArg, Evaluator};
use crate::train::format::real;

pub struct CtcError {
    pub base: Base,
    pub deletions: f64,
    pub insertions: f64,
    pub substitutions: f64,
    pub wrong_sequences: u64,
}

/// CTCErrorEvaluator::bestLabelSeq: arg-max of each row (the first maximum), collapsed.
pub fn best_path(rows: &[f32], classes: usize) -> Vec<i64> {
    let blank = classes as i64 - 1;
    let mut out: Vec<i64> = Vec::new();
    let mut prev = -1i64;
    for r in rows.chunks(classes) {
        let mut best = 0;
        for (i, &v) in r.iter().enumerate() {
            if v > r[best] {
                best = i;
            }
        }
        let label = best as i64;
        if label != blank && (out.last() != Some(&label) || prev == blank) {
            out.push(label);
        }
        prev = label;
    }
    out
}

/// (distance, substitutions, deletions, insertions) of stringAlignment with its backtrace.
pub fn align(gt: &[i64], rec: &[i64]) -> (usize, usize, usize, usize) {
    let (n, m) = (gt.len(), rec.len());
    if n == 0 {
        return (m, 0, 0, m);
    }
    if m == 0 {
        return (n, 0, n, 0);
    }
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(gt[i - 1] != rec[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
        }
    }
    let (mut i, mut j) = (n, m);
    let (mut sub, mut del, mut ins) = (0, 0, 0);
    while i != 0 && j != 0 {
        if d[i][j] == d[i - 1][j - 1] {
            i -= 1;
            j -= 1;
        } else if d[i][j] == d[i - 1][j - 1] + 1 {
            sub += 1;
            i -= 1;
            j -= 1;
        } else if d[i][j] == d[i - 1][j] + 1 {
            del += 1;
            i -= 1;
        } else {
            ins += 1;
            j -= 1;
        }
    }
    del += i;
    ins += j;
    (sub + del + ins, sub, del, ins)
}

impl CtcError {
    fn per_sequence(&self, x: f64) -> f64 {
        if self.base.num_samples != 0.0 {
            x / self.base.num_samples
        } else {
            0.0
        }
    }
}

impl Evaluator for CtcError {
    fn name(&self) -> &str {
        &self.base.name
    }
    fn input_layers(&self) -> &[String] {
        &self.base.inputs
    }
    fn start(&mut self) {
        self.base.start();
        self.deletions = 0.0;
        self.insertions = 0.0;
        self.substitutions = 0.0;
        self.wrong_sequences = 0;
    }
    fn eval(&mut self, args: &[EvalArg]) -> Result<(), String> {
        let out = args[0]
            .value
            .as_ref()
            .ok_or("the output input has no dense values")?;
        let out_starts = args[0]
            .seq_starts
            .as_deref()
            .ok_or("the output input is not a sequence")?;
        let label = args[1]
            .ids
            .as_deref()
            .ok_or("the label input has no integer ids")?;
        let lab_starts = args[1]
            .seq_starts
            .as_deref()
            .ok_or("the label input is not a sequence")?;
        if out_starts.len() != lab_starts.len() {
            return Err(format!(
                "the output has {} sequences, the label {}",
                out_starts.len().saturating_sub(1),
                lab_starts.len().saturating_sub(1)
            ));
        }
        let covers = |s: &[i64], n: usize| {
            s.first() == Some(&0)
                && s.last() == Some(&(n as i64))
                && s.windows(2).all(|w| w[0] <= w[1])
        };
        if !covers(out_starts, out.rows) || !covers(lab_starts, label.len()) {
            return Err("sequence start positions do not cover the rows".into());
        }
        let c = out.cols;
        for (o, l) in out_starts.windows(2).zip(lab_starts.windows(2)) {
            let rows = &out.data[o[0] as usize * c..o[1] as usize * c];
            let rec = best_path(rows, c);
            let gt = &label[l[0] as usize..l[1] as usize];
            let (dist, sub, del, ins) = align(gt, &rec);
            let max_len = gt.len().max(rec.len());
            // Two empty strings agree; Paddle divides 0 by 0 there.
            if max_len > 0 {
                let m = max_len as f64;
                self.base.total += dist as f64 / m;
                self.substitutions += sub as f64 / m;
                self.deletions += del as f64 / m;
                self.insertions += ins as f64 / m;
            }
            if dist != 0 {
                self.wrong_sequences += 1;
            }
        }
        self.base.num_samples += (lab_starts.len() - 1) as f64;
        Ok(())
    }
    fn print(&self, out: &mut String) {
        let _ = write!(
            out,
            "{} error = {} deletions error = {} insertions error = {} substitution error = {} sequence error = {}",
            self.base.name,
            real(self.base.mean()),
            real(self.per_sequence(self.deletions)),
            real(self.per_sequence(self.insertions)),
            real(self.per_sequence(self.substitutions)),
            real(self.wrong_sequences as f64 / self.base.num_samples),
        );
    }
    fn value(&self) -> Option<f64> {
        Some(self.base.mean())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{cfg, ids, out, run};
    use super::*;

    #[test]
    fn best_path_merges_repeats_and_drops_blanks() {
        // 3 classes, blank 2: argmax per step 0 0 2 0 1 1 -> "0 0 1".
        let rows = [
            0.9, 0.0, 0.1, 0.8, 0.1, 0.1, 0.1, 0.1, 0.8, 0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.5,
            0.3,
        ];
        assert_eq!(best_path(&rows, 3), vec![0, 0, 1]);
    }

    #[test]
    fn alignment_counts_edits() {
        assert_eq!(align(&[1, 2, 3], &[1, 2, 3]), (0, 0, 0, 0));
        assert_eq!(align(&[1, 2, 3], &[]), (3, 0, 3, 0));
        assert_eq!(align(&[], &[4, 4]), (2, 0, 0, 2));
        assert_eq!(align(&[1, 2, 3], &[1, 3]), (1, 0, 1, 0));
        assert_eq!(align(&[1, 2], &[1, 5, 2]), (1, 0, 0, 1));
        assert_eq!(align(&[1, 2, 3], &[1, 4, 3]), (1, 1, 0, 0));
    }

    #[test]
    fn errors_per_sequence_as_paddle_prints_them() {
        // 4 classes, blank 3. Sequence 0 decodes to [0] against [0, 1] (one deletion of 2);
        // sequence 1 decodes to [1, 2] against [1, 2].
        let mut o = out(&[
            &[0.7, 0.1, 0.1, 0.1],
            &[0.6, 0.2, 0.1, 0.1],
            &[0.1, 0.1, 0.1, 0.7],
            &[0.1, 0.7, 0.1, 0.1],
            &[0.1, 0.1, 0.7, 0.1],
        ]);
        o.seq_starts = Some(vec![0, 3, 5]);
        let mut l = ids(&[0, 1, 1, 2]);
        l.seq_starts = Some(vec![0, 2, 4]);
        let c = cfg("ctc", "ctc_edit_distance", &["o", "l"]);
        let (s, v) = run(c, &[vec![o, l]]);
        assert_eq!(
            s,
            "ctc error = 0.25 deletions error = 0.25 insertions error = 0 substitution error = 0 \
             sequence error = 0.5 "
        );
        assert_eq!(v, Some(0.25));
    }
}
