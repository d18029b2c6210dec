//! What paddlers shows on stderr besides Paddle's log lines: Paddle's dots every
//! `--dot_period` batches, or, when stderr is a terminal, a progress bar with samples/s and
//! the pass's ETA instead. Nothing of either reaches a log file: the bar is only drawn on a
//! terminal, and it is erased before every log line.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    bar: bool,
    dot_period: i64,
    /// Dots printed since the last log line (Paddle ends them with a newline).
    dots: bool,
    drawn: bool,
    last_draw: Option<Instant>,
    pass: i64,
    pass_start: Instant,
    samples: i64,
    /// Samples in a pass, known once a pass has been seen whole.
    per_pass: Option<i64>,
}

const REDRAW: Duration = Duration::from_millis(200);

impl Progress {
    /// A bar when `stderr` is a terminal (and `allow_bar`), dots otherwise.
    pub fn new(dot_period: i64, allow_bar: bool) -> Progress {
        Progress {
            bar: allow_bar && std::io::stderr().is_terminal(),
            dot_period,
            dots: false,
            drawn: false,
            last_draw: None,
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
    }

    pub fn finish_pass(&mut self) {
        if self.samples > 0 {
            self.per_pass = Some(self.samples);
        }
    }

    /// After batch number `batch` (1-based) brought the pass to `samples` samples.
    pub fn batch_done(&mut self, batch: i64, samples: i64, logged: bool) {
        self.samples = samples;
        if self.bar {
            let due = self.last_draw.map_or(true, |t| t.elapsed() >= REDRAW);
            if due {
                self.draw();
            }
        } else if !logged && self.dot_period > 0 && batch % self.dot_period == 0 {
            let mut e = std::io::stderr();
            let _ = e.write_all(b".");
            let _ = e.flush();
            self.dots = true;
        }
    }

    /// Call before writing a log line: erases the bar, or ends a row of dots.
    pub fn before_log(&mut self) {
        let mut e = std::io::stderr();
        if self.drawn {
            let _ = e.write_all(b"\r\x1b[2K");
            self.drawn = false;
            self.last_draw = None;
        }
        if self.dots {
            let _ = e.write_all(b"\n");
            self.dots = false;
        }
        let _ = e.flush();
    }

    fn draw(&mut self) {
        let secs = self.pass_start.elapsed().as_secs_f64().max(1e-9);
        let rate = self.samples as f64 / secs;
        let mut line = format!("pass {} ", self.pass);
        match self.per_pass {
            Some(total) if total > 0 => {
                let frac = (self.samples as f64 / total as f64).min(1.0);
                let width = 30;
                let filled = (frac * width as f64) as usize;
                line.push('[');
                line.push_str(&"=".repeat(filled));
                line.push_str(&" ".repeat(width - filled));
                line.push_str(&format!("] {}/{} samples", self.samples, total));
                let left = (total - self.samples).max(0) as f64 / rate.max(1e-9);
                line.push_str(&format!(", {rate:.1} samples/s, ETA {}", clock(left)));
            }
            _ => line.push_str(&format!(
                "{} samples, {rate:.1} samples/s, first pass (no ETA yet)",
                self.samples
            )),
        }
        let mut e = std::io::stderr();
        let _ = write!(e, "\r\x1b[2K{line}");
        let _ = e.flush();
        self.drawn = true;
        self.last_draw = Some(Instant::now());
    }
}

fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
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
}
