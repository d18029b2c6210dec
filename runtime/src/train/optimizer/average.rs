//! `settings(model_average=ModelAverage(average_window, max_average_window))`: Paddle's
//! `AverageOptimizer`. Parameter values are summed after every update, in three buffers so that
//! float32 sums never grow long, and tests and checkpoints use their mean over a sliding window.

use serde::{Deserialize, Serialize};
use tch::Tensor;

/// Paddle moves SUM1 into SUM2 after this many updates, so no float sum gets too long.
const MAX_NUM_ACCUMULATES: i64 = 16384;

/// The window's counters, shared by all parameters (Paddle keeps one averager per updater).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AverageWindow {
    pub average_window: f64,
    /// None: the proto default, where each pass's batch count becomes the limit.
    pub max_average_window_set: bool,
    pub num_updates: i64,
    pub prev_num_updates: i64,
    pub num_accumulates: i64,
    pub old_num_accumulates: i64,
    pub min_average_window: i64,
    pub max_average_window: i64,
}

/// SUM1..SUM3 of one parameter, and the value saved while the average is applied.
pub struct AverageBuffers {
    sum1: Tensor,
    sum2: Tensor,
    sum3: Tensor,
    backup: Option<Tensor>,
}

impl AverageWindow {
    pub fn new(average_window: f64, max_average_window: Option<i64>) -> AverageWindow {
        let max = max_average_window.unwrap_or(i64::MAX);
        AverageWindow {
            average_window,
            max_average_window_set: max_average_window.is_some(),
            num_updates: 0,
            prev_num_updates: 0,
            num_accumulates: 0,
            old_num_accumulates: 0,
            min_average_window: max.min(10000),
            max_average_window: max,
        }
    }

    pub fn start_batch(&mut self) {
        self.num_updates += 1;
        self.num_accumulates += 1;
    }

    pub fn is_window_too_long(&self) -> bool {
        self.num_accumulates >= self.min_average_window
            && (self.num_accumulates as f64)
                >= (self.max_average_window as f64)
                    .min(self.num_updates as f64 * self.average_window)
    }

    /// After every parameter was updated: a full window starts a new one.
    pub fn finish_batch(&mut self) {
        if self.is_window_too_long() {
            self.old_num_accumulates = self.num_accumulates;
            self.num_accumulates = 0;
        }
    }

    pub fn finish_pass(&mut self) {
        if !self.max_average_window_set {
            // Without max_average_window, the last pass's batch count bounds the window.
            self.max_average_window = self.num_updates - self.prev_num_updates;
            self.prev_num_updates = self.num_updates;
        }
        self.min_average_window = self.min_average_window.min(self.num_updates);
    }

    /// Accumulates a just-updated value, then does Paddle's per-batch buffer moves.
    pub fn accumulate(&self, bufs: &mut AverageBuffers, value: &Tensor) {
        let _guard = tch::no_grad_guard();
        let _ = bufs.sum1.g_add_(value);
        if self.num_updates % MAX_NUM_ACCUMULATES == 0 {
            let _ = bufs.sum2.g_add_(&bufs.sum1);
            let _ = bufs.sum1.zero_();
        }
        if self.is_window_too_long() {
            // Discard the old sum: SUM3 restarts from this window's.
            let fresh = &bufs.sum1 + &bufs.sum2;
            bufs.sum3.copy_(&fresh);
            let _ = bufs.sum1.zero_();
            let _ = bufs.sum2.zero_();
        }
    }

    pub fn count(&self) -> i64 {
        self.num_accumulates + self.old_num_accumulates
    }

    /// Replaces `value` with the windowed mean, keeping the trained value to restore.
    pub fn apply(&self, bufs: &mut AverageBuffers, value: &Tensor) {
        if self.count() == 0 {
            return;
        }
        let _guard = tch::no_grad_guard();
        let scale = 1.0 / self.count() as f64;
        bufs.backup = Some(value.copy());
        let mean = (&bufs.sum1 * scale) + (&bufs.sum2 * scale) + (&bufs.sum3 * scale);
        value.shallow_clone().copy_(&mean);
    }

    pub fn restore(&self, bufs: &mut AverageBuffers, value: &Tensor) {
        if let Some(saved) = bufs.backup.take() {
            let _guard = tch::no_grad_guard();
            value.shallow_clone().copy_(&saved);
        }
    }
}

impl AverageBuffers {
    pub fn new(value: &Tensor) -> AverageBuffers {
        AverageBuffers {
            sum1: value.zeros_like(),
            sum2: value.zeros_like(),
            sum3: value.zeros_like(),
            backup: None,
        }
    }

    /// Checkpoint names of SUM1..SUM3.
    pub const NAMES: [&'static str; 3] = ["average_sum1", "average_sum2", "average_sum3"];

    /// For checkpoints, in [`AverageBuffers::NAMES`] order.
    pub fn named(&self) -> [(&'static str, &Tensor); 3] {
        [
            (Self::NAMES[0], &self.sum1),
            (Self::NAMES[1], &self.sum2),
            (Self::NAMES[2], &self.sum3),
        ]
    }

    /// From SUM1..SUM3 as saved; None unless all three are there.
    pub fn from_sums(sums: Vec<Tensor>) -> Option<AverageBuffers> {
        let [sum1, sum2, sum3]: [Tensor; 3] = sums.try_into().ok()?;
        Some(AverageBuffers {
            sum1,
            sum2,
            sum3,
            backup: None,
        })
    }
}
