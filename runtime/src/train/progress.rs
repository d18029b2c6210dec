//! What paddlers shows on stderr besides Paddle's log lines: Paddle's dots every
//! `--dot_period` batches, or, when stderr is a terminal, an indicatif progress bar with
//! samples/s and the pass's ETA instead. Nothing of either reaches a log file: the bar exists
//! only when stderr is a terminal (and indicatif's stderr target draws nothing elsewhere), and
//! log lines are written with the bar suspended.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    dot_period: i64,
    /// Dots printed since the last log line (Paddle ends them with a newline).
    dots: bool,
    pass: i64,
    pass_start: Instant,
    samples: i64,
    /// Samples in a pass, known once a pass has been seen whole.
    per_pass: Option<i64>,
}

/// Redraws per second: often enough to look alive, rarely enough to cost nothing.
const REDRAW_HZ: u8 = 5;

fn style(template: &str) -> ProgressStyle {
    // The templates are constants; a typo is a programming error caught by the unit test.
    ProgressStyle::with_template(template)
        .expect("valid progress template")
        .progress_chars("=> ")
}

const BAR: &str = "pass {prefix} [{wide_bar}] {pos}/{len} samples, {msg}";
const FIRST_PASS: &str = "pass {prefix} {pos} samples, {msg}";

impl Progress {
    /// A bar when `stderr` is a terminal (and `allow_bar`), dots otherwise.
    pub fn new(dot_period: i64, allow_bar: bool) -> Progress {
        let bar = (allow_bar && std::io::stderr().is_terminal()).then(|| {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(REDRAW_HZ))
        });
        Progress {
            bar,
            dot_period,
            dots: false,
            pass: 0,
            pass_start: Instant::now(),
            samples: 0,
            per_pass: None,
        }
    }

    pub fn start_pass(&mut self, pass: i64) {
        self.pass = pass;
        self.pass_start = Instant::now();
        self.samples = 0;
        if let Some(bar) = &self.bar {
            bar.reset();
            bar.set_prefix(pass.to_string());
            match self.per_pass {
                Some(total) if total > 0 => {
                    bar.set_length(total as u64);
                    bar.set_style(style(BAR));
                }
                _ => {
                    bar.unset_length();
                    bar.set_style(style(FIRST_PASS));
                }
            }
        }
    }

    pub fn finish_pass(&mut self) {
        if self.samples > 0 {
            self.per_pass = Some(self.samples);
        }
    }

    /// After batch number `batch` (1-based) brought the pass to `samples` samples.
    pub fn batch_done(&mut self, batch: i64, samples: i64, logged: bool) {
        self.samples = samples;
        if let Some(bar) = &self.bar {
            bar.set_position(samples.max(0) as u64);
            bar.set_message(self.rate_and_eta());
        } else if !logged && self.dot_period > 0 && batch % self.dot_period == 0 {
            let mut e = std::io::stderr();
            let _ = e.write_all(b".");
            let _ = e.flush();
            self.dots = true;
        }
    }

    /// Writes a log line (`write` does) with the bar out of its way, or after a row of dots.
    pub fn log(&mut self, write: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => {
                self.end_dots();
                write();
            }
        }
    }

    /// Before the run ends with an error: takes the bar away for good, or ends a row of dots.
    pub fn before_log(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        self.end_dots();
    }

    fn end_dots(&mut self) {
        if self.dots {
            let mut e = std::io::stderr();
            let _ = e.write_all(b"\n");
            let _ = e.flush();
            self.dots = false;
        }
    }

    /// Our own rate over the whole pass (indicatif's estimate restarts with every reset).
    fn rate_and_eta(&self) -> String {
        let secs = self.pass_start.elapsed().as_secs_f64().max(1e-9);
        let rate = self.samples as f64 / secs;
        match self.per_pass {
            Some(total) if total > 0 => {
                let left = (total - self.samples).max(0) as f64 / rate.max(1e-9);
                format!("{rate:.1} samples/s, ETA {}", clock(left))
            }
            _ => format!("{rate:.1} samples/s, first pass (no ETA yet)"),
        }
    }
}

fn clock(secs: f64) -> String {
    // NaN and negative become 0; `as` saturates the rest.
    let s = if secs.is_finite() {
        secs.max(0.0).round() as u64
    } else {
        0
    };
    if s >= 3600 {
        format!("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clock_format() {
        assert_eq!(super::clock(59.6), "1m00s");
        assert_eq!(super::clock(3725.0), "1h02m05s");
    }

    #[test]
    fn templates_are_valid() {
        super::style(super::BAR);
        super::style(super::FIRST_PASS);
    }

    #[test]
    fn a_bar_that_draws_to_a_hidden_target_writes_nothing() {
        // What a redirected stderr gets: no bar object at all, and log() still writes.
        let mut p = super::Progress::new(0, false);
        assert!(p.bar.is_none());
        p.start_pass(0);
        p.batch_done(1, 10, false);
        let mut wrote = false;
        p.log(|| wrote = true);
        assert!(wrote);
    }
}
