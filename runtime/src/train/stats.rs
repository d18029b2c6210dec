//! Paddle's `TrainerStats` and the log lines built from it (`TrainerInternal.cpp`,
//! `Tester.cpp`). Costs are summed in a float32 `real`, as Paddle sums them.

use super::format::real;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainerStats {
    num_processed: i64,
    total_cost: f32,
    current_cost: f32,
    current_samples: i64,
}

impl TrainerStats {
    pub fn reset(&mut self) {
        *self = TrainerStats::default();
    }

    /// "current" covers the batches since the last Batch line.
    pub fn reset_current(&mut self) {
        self.current_cost = 0.0;
        self.current_samples = 0;
    }

    /// Adds a batch of `samples` whose costs sum to `cost`.
    pub fn add(&mut self, samples: i64, cost: f32) {
        self.num_processed += samples;
        self.total_cost += cost;
        self.current_samples += samples;
        self.current_cost += cost;
    }

    pub fn num_processed(&self) -> i64 {
        self.num_processed
    }

    pub fn avg_cost(&self) -> f64 {
        if self.num_processed == 0 {
            return 0.0;
        }
        f64::from(self.total_cost / self.num_processed as f32)
    }

    pub fn current_avg_cost(&self) -> f64 {
        if self.current_samples == 0 {
            return 0.0;
        }
        f64::from(self.current_cost / self.current_samples as f32)
    }

    /// `samples=N AvgCost=X[ CurrentCost=Y]`.
    pub fn show(&self, with_current: bool) -> String {
        let mut s = format!(
            "samples={} AvgCost={}",
            self.num_processed,
            real(self.avg_cost())
        );
        if with_current {
            s.push_str(&format!(" CurrentCost={}", real(self.current_avg_cost())));
        }
        s
    }
}

/// ` Batch=300 samples=38400 AvgCost=2.07708 CurrentCost=1.96158 Eval: ... CurrentEval: ...`
pub fn batch_line(batch: i64, stats: &TrainerStats, eval: &str, current_eval: &str) -> String {
    format!(
        " Batch={batch} {} Eval: {eval} CurrentEval: {current_eval}",
        stats.show(true)
    )
}

/// ` Pass=0 Batch=391 samples=50000 AvgCost=2.03348 Eval: ...`
pub fn pass_line(pass: i64, batches: i64, stats: &TrainerStats, eval: &str) -> String {
    format!(
        " Pass={pass} Batch={batches} {} Eval: {eval}",
        stats.show(false)
    )
}

/// ` Test samples=10000 cost=1.99246 Eval: ...`
pub fn test_line(samples: i64, cost_sum: f64, eval: &str) -> String {
    let cost = if samples > 0 {
        cost_sum / samples as f64
    } else {
        0.0
    };
    format!(" Test samples={samples} cost={} Eval: {eval}", real(cost))
}

/// `--job=test`: ` Pass=0 samples=10000 AvgCost=1.99246 Eval: ...` (`Tester::testOnePass`).
pub fn test_pass_line(pass: i64, stats: &TrainerStats, eval: &str) -> String {
    format!(" Pass={pass} {} Eval: {eval}", stats.show(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_paddles_shape() {
        let mut s = TrainerStats::default();
        s.add(128, 128.0 * 2.1);
        s.reset_current();
        s.add(128, 128.0 * 1.96158);
        let eval = "classification_error_evaluator=0.81151 ";
        let cur = "classification_error_evaluator=0.789297 ";
        assert_eq!(
            batch_line(2, &s, eval, cur),
            " Batch=2 samples=256 AvgCost=2.03079 CurrentCost=1.96158 Eval: \
             classification_error_evaluator=0.81151  CurrentEval: \
             classification_error_evaluator=0.789297 "
        );
        assert_eq!(
            pass_line(0, 2, &s, eval),
            " Pass=0 Batch=2 samples=256 AvgCost=2.03079 Eval: classification_error_evaluator=0.81151 "
        );
        assert_eq!(
            test_line(10000, 19924.6, "classification_error_evaluator=0.7858 "),
            " Test samples=10000 cost=1.99246 Eval: classification_error_evaluator=0.7858 "
        );
    }
}
