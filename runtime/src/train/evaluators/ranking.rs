//! Ranking evaluators of Evaluator.cpp: `pnpair` (PnpairEvaluator: correctly against wrongly
//! ordered pairs within each query) and `rankauc` (RankAucEvaluator: the AUC of each list,
//! clicks against views, averaged over lists).

use std::fmt::Write as _;

use super::{dense, Base, EvalArg, Evaluator};
use crate::train::format::{g, real};

/// One scored item: the output's last column, its label, query id and weight.
#[derive(Clone, Copy, Debug)]
pub struct Prediction {
    pub out: f32,
    pub label: i64,
    pub query: i64,
    pub weight: f64,
}

pub struct Pnpair {
    pub base: Base,
    pub predictions: Vec<Prediction>,
    pub pos: f64,
    pub neg: f64,
}

/// PnpairEvaluator::calc: (positive, negative, tied-output) pair weights summed over the
/// pairs of items of one query with different labels; a pair weighs its items' mean weight.
pub fn pair_counts(predictions: &[Prediction]) -> (f64, f64, f64) {
    let mut sorted = predictions.to_vec();
    sorted.sort_by_key(|p| p.query);
    let (mut pos, mut neg, mut special) = (0.0, 0.0, 0.0);
    for group in sorted.chunk_by(|a, b| a.query == b.query) {
        for (i, a) in group.iter().enumerate() {
            for b in &group[i + 1..] {
                if a.label == b.label {
                    continue;
                }
                let w = (a.weight + b.weight) / 2.0;
                match a.out.partial_cmp(&b.out) {
                    Some(o) if o.is_ne() && o == a.label.cmp(&b.label) => pos += w,
                    Some(o) if o.is_ne() => neg += w,
                    // Equal (or NaN) outputs order nothing.
                    _ => special += w,
                }
            }
        }
    }
    (pos, neg, special)
}

impl Pnpair {
    fn ratio(&self) -> f64 {
        self.pos / if self.neg <= 0.0 { 1.0 } else { self.neg }
    }
}

impl Evaluator for Pnpair {
    fn name(&self) -> &str {
        &self.base.name
    }
    fn input_layers(&self) -> &[String] {
        &self.base.inputs
    }
    fn start(&mut self) {
        self.base.start();
        self.predictions.clear();
        self.pos = 0.0;
        self.neg = 0.0;
    }
    fn eval(&mut self, args: &[EvalArg]) -> Result<(), String> {
        let out = dense(&args[0], "output")?;
        let label = args[1]
            .ids
            .as_deref()
            .ok_or("the label input has no integer ids")?;
        let query = args[2]
            .ids
            .as_deref()
            .ok_or("the query-id input has no integer ids")?;
        let weights = args.get(3).map(|w| w.weights("weight")).transpose()?;
        if label.len() != out.rows || query.len() != out.rows {
            return Err(format!(
                "{} outputs, {} labels and {} query ids",
                out.rows,
                label.len(),
                query.len()
            ));
        }
        if weights.as_ref().is_some_and(|w| w.len() != out.rows) {
            return Err(format!("the weight input has not {} rows", out.rows));
        }
        for r in 0..out.rows {
            self.predictions.push(Prediction {
                out: out.row(r)[out.cols - 1],
                label: label[r],
                query: query[r],
                weight: weights.as_ref().map_or(1.0, |w| w[r]),
            });
        }
        self.base.count(args, 3)
    }
    fn finish(&mut self) {
        let (pos, neg, special) = pair_counts(&self.predictions);
        self.pos += pos;
        self.neg += neg;
        tracing::info!(
            " calc total pos pair: {} calc total neg pair: {} calc total special pair: {}",
            g(pos),
            g(neg),
            g(special)
        );
    }
    fn print(&self, out: &mut String) {
        // Paddle prints no name here, and a leading space.
        let _ = write!(out, " pos/neg={}", real(self.ratio()));
    }
    fn value(&self) -> Option<f64> {
        Some(self.ratio())
    }
}

pub struct RankAuc {
    pub base: Base,
}

/// RankAucEvaluator::calcRankAuc for one list: outputs sorted descending, ties grouped.
pub fn rank_auc(out: &[f32], click: &[f64], pv: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| {
        out[b]
            .partial_cmp(&out[a])
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let (mut auc, mut click_sum, mut old_click_sum) = (0.0, 0.0, 0.0);
    let (mut no_click, mut no_click_sum) = (0.0, 0.0);
    let mut last = match order.first() {
        Some(&i) => f64::from(out[i]) + 1.0,
        None => return 0.0,
    };
    for &id in &order {
        let score = f64::from(out[id]);
        if last != score {
            auc += (click_sum + old_click_sum) * no_click / 2.0;
            old_click_sum = click_sum;
            no_click = 0.0;
            last = score;
        }
        no_click += pv[id] - click[id];
        no_click_sum += no_click;
        click_sum += click[id];
    }
    auc += (click_sum + old_click_sum) * no_click / 2.0;
    if click_sum * no_click_sum == 0.0 {
        0.0
    } else {
        auc / (click_sum * no_click_sum)
    }
}

impl Evaluator for RankAuc {
    fn name(&self) -> &str {
        &self.base.name
    }
    fn input_layers(&self) -> &[String] {
        &self.base.inputs
    }
    fn start(&mut self) {
        self.base.start();
    }
    fn eval(&mut self, args: &[EvalArg]) -> Result<(), String> {
        let out = dense(&args[0], "output")?;
        let click = args[1].weights("click")?;
        let pv = match args.get(2) {
            Some(p) => p.weights("view")?,
            None => vec![1.0; out.rows],
        };
        if out.cols != 1 || click.len() != out.rows || pv.len() != out.rows {
            return Err(format!(
                "rankauc reads one score, click and view a row: the output is {}x{}, with {} clicks and {} views",
                out.rows,
                out.cols,
                click.len(),
                pv.len()
            ));
        }
        let starts = args[0]
            .seq_starts
            .as_deref()
            .ok_or("the output input is not a sequence of lists")?;
        if starts.first() != Some(&0)
            || starts.last() != Some(&(out.rows as i64))
            || starts.windows(2).any(|w| w[0] > w[1])
        {
            return Err("the output's sequence start positions do not cover its rows".into());
        }
        for w in starts.windows(2) {
            let (lo, hi) = (w[0] as usize, w[1] as usize);
            self.base.total += rank_auc(&out.data[lo..hi], &click[lo..hi], &pv[lo..hi]);
        }
        self.base.num_samples += (starts.len() - 1) as f64;
        Ok(())
    }
    fn print(&self, out: &mut String) {
        let _ = write!(out, "{}={}", self.base.name, g(self.base.mean()));
    }
    fn value(&self) -> Option<f64> {
        Some(self.base.mean())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{cfg, ids, out, run};
    use super::*;

    fn column(v: &[f32]) -> EvalArg {
        let rows: Vec<&[f32]> = v.chunks(1).collect();
        out(&rows)
    }

    /// Query 1: (0.9, 1) beats (0.1, 0) and (0.5, 0): 2 positive pairs. Query 2: (0.2, 1)
    /// below (0.7, 0): 1 negative; (0.7, 0) and (0.7, 1) tie: special. Items of a query
    /// arrive in different batches.
    #[test]
    fn pnpair_counts_ordered_pairs_within_queries() {
        let c = cfg("pn", "pnpair", &["o", "l", "q"]);
        let b1 = vec![column(&[0.9, 0.2, 0.1]), ids(&[1, 1, 0]), ids(&[1, 2, 1])];
        let b2 = vec![column(&[0.7, 0.5, 0.7]), ids(&[0, 0, 1]), ids(&[2, 1, 2])];
        let (s, v) = run(c, &[b1.clone(), b2.clone()]);
        assert_eq!(s, " pos/neg=2 ");
        assert_eq!(v, Some(2.0));
        // Weighted: a pair weighs the mean of its items' weights.
        let c = cfg("pn", "pnpair", &["o", "l", "q", "w"]);
        let mut w1 = b1;
        w1.push(column(&[1.0, 2.0, 3.0]));
        let mut w2 = b2;
        w2.push(column(&[2.0, 1.0, 2.0]));
        let (s, _) = run(c, &[w1, w2]);
        // pos = (1+3)/2 + (1+1)/2 = 3, neg = (2+2)/2 = 2.
        assert_eq!(s, " pos/neg=1.5 ");
    }

    /// With distinct scores Paddle's formula is the usual AUC of clicked against unclicked
    /// views; with tied scores it is its own arithmetic (worked by hand from calcRankAuc).
    #[test]
    fn rankauc_averages_lists() {
        // List 1: scores 0.9 0.6 0.3 0.1, clicks 1 0 1 0: 3 of 4 pairs ordered = 0.75.
        // List 2: scores 0.9 0.5 0.5 0.1, clicks 1 0 1 0: 3.5 / (2 * 3).
        let mut o = column(&[0.9, 0.6, 0.3, 0.1, 0.9, 0.5, 0.5, 0.1]);
        o.seq_starts = Some(vec![0, 4, 8]);
        let clicks = column(&[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
        let c = cfg("auc", "rankauc", &["o", "c"]);
        let (s, v) = run(c, &[vec![o, clicks]]);
        let want = (0.75 + 3.5 / 6.0) / 2.0;
        assert!((v.unwrap() - want).abs() < 1e-12, "{v:?}");
        assert_eq!(s, format!("auc={} ", crate::train::format::g(want)));
    }

    #[test]
    fn rankauc_needs_lists() {
        let c = cfg("auc", "rankauc", &["o", "c"]);
        let mut e = super::super::Evaluators::from_configs(&[c]).unwrap();
        e.start();
        let b = [column(&[0.1, 0.2]), column(&[1.0, 0.0])];
        let err = e
            .eval(&|n| Some(if n == "o" { b[0].clone() } else { b[1].clone() }))
            .unwrap_err();
        assert!(err.to_string().contains("not a sequence of lists"), "{err}");
    }
}
