//! Learning-rate schedules, as `paddle/parameter/LearningRateScheduler.cpp` computes them: a
//! function of the number of samples processed since training began (or of the pass, for
//! `pass_manual`), times `settings(learning_rate=...)`.

use paddlers_graph::OptimizationConfig;

use super::error::TrainError;

/// One `learning_rate_schedule` with its `learning_rate_decay_a/b` or `learning_rate_args`.
#[derive(Debug, Clone, PartialEq)]
pub enum LrSchedule {
    Constant,
    /// lr * (1 + a * n)^-b
    Poly {
        a: f64,
        b: f64,
    },
    /// lr * (1 - n / a)^b, and 0 once n > a.
    CaffePoly {
        a: f64,
        b: f64,
    },
    /// lr * a^(n / b)
    Exp {
        a: f64,
        b: f64,
    },
    /// lr * a^floor(n / b)
    DiscExp {
        a: f64,
        b: f64,
    },
    /// max(lr - a * n, b)
    Linear {
        a: f64,
        b: f64,
    },
    /// lr * rate_i for the first segment i with n <= seg_i, else the last rate.
    Manual(Segments),
    /// As `Manual`, with the pass number in place of the sample count.
    PassManual(Segments),
}

/// `learning_rate_args = "seg0:rate0,seg1:rate1,..."`.
#[derive(Debug, Clone, PartialEq)]
pub struct Segments {
    pub bounds: Vec<i64>,
    pub rates: Vec<f64>,
}

impl Segments {
    pub fn parse(args: &str) -> Result<Segments, TrainError> {
        let bad = |why: &str| {
            TrainError::Config(format!(
                "learning_rate_args '{args}' for a manual learning_rate_schedule: {why} \
             (expected 'samples0:rate0,samples1:rate1,...')"
            ))
        };
        let mut bounds = Vec::new();
        let mut rates = Vec::new();
        for piece in args.split(',').filter(|p| !p.trim().is_empty()) {
            let (seg, rate) = piece
                .split_once(':')
                .ok_or_else(|| bad(&format!("'{piece}' has no ':'")))?;
            bounds.push(
                seg.trim()
                    .parse::<i64>()
                    .map_err(|_| bad(&format!("'{seg}' is not an integer")))?,
            );
            rates.push(
                rate.trim()
                    .parse::<f64>()
                    .map_err(|_| bad(&format!("'{rate}' is not a number")))?,
            );
        }
        if rates.is_empty() {
            return Err(bad("it names no segment"));
        }
        Ok(Segments { bounds, rates })
    }

    /// The index of the segment `num` falls in.
    pub fn segment(&self, num: i64) -> usize {
        self.bounds
            .iter()
            .position(|&b| num <= b)
            .unwrap_or(self.rates.len() - 1)
    }

    fn rate(&self, num: i64) -> f64 {
        self.rates[self.segment(num)]
    }
}

impl LrSchedule {
    pub fn from_config(opt: &OptimizationConfig) -> Result<LrSchedule, TrainError> {
        let a = opt.learning_rate_decay_a.map_or(0.0, |r| r.as_f64());
        let b = opt.learning_rate_decay_b.map_or(0.0, |r| r.as_f64());
        let name = opt.learning_rate_schedule.as_deref().unwrap_or("constant");
        let args = opt.learning_rate_args.as_deref().unwrap_or("");
        Ok(match name {
            "constant" => LrSchedule::Constant,
            "poly" => LrSchedule::Poly { a, b },
            "caffe_poly" => LrSchedule::CaffePoly { a, b },
            "exp" => LrSchedule::Exp { a, b },
            "discexp" => LrSchedule::DiscExp { a, b },
            "linear" => LrSchedule::Linear { a, b },
            "manual" => LrSchedule::Manual(Segments::parse(args)?),
            "pass_manual" => LrSchedule::PassManual(Segments::parse(args)?),
            other => {
                return Err(TrainError::Config(format!(
                    "unknown learning_rate_schedule '{other}' (Paddle's are constant, poly, \
                     caffe_poly, exp, discexp, linear, manual and pass_manual)"
                )))
            }
        })
    }

    /// The multiplier's base: `learning_rate` scaled for `num_samples` processed in `pass`.
    pub fn learning_rate(&self, base: f64, num_samples: i64, pass: i64) -> f64 {
        let n = num_samples as f64;
        match self {
            LrSchedule::Constant => base,
            LrSchedule::Poly { a, b } => base * (1.0 + a * n).powf(-b),
            LrSchedule::CaffePoly { a, b } => {
                if n > *a {
                    0.0
                } else {
                    base * (1.0 - n / a).powf(*b)
                }
            }
            LrSchedule::Exp { a, b } => base * a.powf(n / b),
            LrSchedule::DiscExp { a, b } => base * a.powf((n / b).floor()),
            LrSchedule::Linear { a, b } => (base - a * n).max(*b),
            LrSchedule::Manual(s) => base * s.rate(num_samples),
            LrSchedule::PassManual(s) => base * s.rate(pass),
        }
    }

    /// For the " learning_rate changes to" log line Paddle prints when a manual segment ends.
    pub fn segment(&self, num_samples: i64, pass: i64) -> Option<usize> {
        match self {
            LrSchedule::Manual(s) => Some(s.segment(num_samples)),
            LrSchedule::PassManual(s) => Some(s.segment(pass)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paddlers_graph::Real;

    fn cfg(schedule: &str, a: f64, b: f64, args: &str) -> OptimizationConfig {
        OptimizationConfig {
            learning_rate: Real::Float(0.1),
            learning_rate_schedule: Some(schedule.into()),
            learning_rate_decay_a: Some(Real::Float(a)),
            learning_rate_decay_b: Some(Real::Float(b)),
            learning_rate_args: Some(args.into()),
            ..Default::default()
        }
    }

    fn lr(schedule: &str, a: f64, b: f64, args: &str, n: i64, pass: i64) -> f64 {
        LrSchedule::from_config(&cfg(schedule, a, b, args))
            .unwrap()
            .learning_rate(0.1, n, pass)
    }

    fn close(x: f64, y: f64) {
        assert!((x - y).abs() <= 1e-12 * y.abs().max(1.0), "{x} != {y}");
    }

    #[test]
    fn constant_ignores_progress() {
        close(lr("constant", 0.5, 7.0, "", 123456, 9), 0.1);
    }

    #[test]
    fn poly() {
        // 0.1 * (1 + 0.001 * 1000)^-0.5 = 0.1 / sqrt(2)
        close(lr("poly", 0.001, 0.5, "", 1000, 0), 0.1 / 2f64.sqrt());
    }

    #[test]
    fn caffe_poly_reaches_zero() {
        // 0.1 * (1 - 250/1000)^2 = 0.05625
        close(lr("caffe_poly", 1000.0, 2.0, "", 250, 0), 0.05625);
        close(lr("caffe_poly", 1000.0, 2.0, "", 1000, 0), 0.0);
        assert_eq!(lr("caffe_poly", 1000.0, 2.0, "", 1001, 0), 0.0);
    }

    #[test]
    fn exp_is_continuous_discexp_steps() {
        // The tutorial's: decay_a = 0.1, decay_b = 50000 * 100.
        close(
            lr("exp", 0.1, 5_000_000.0, "", 2_500_000, 0),
            0.1 * 0.1f64.sqrt(),
        );
        close(lr("discexp", 0.1, 5_000_000.0, "", 4_999_999, 0), 0.1);
        close(lr("discexp", 0.1, 5_000_000.0, "", 5_000_000, 0), 0.01);
        close(lr("discexp", 0.1, 5_000_000.0, "", 12_000_000, 0), 0.001);
    }

    #[test]
    fn linear_has_a_floor() {
        close(lr("linear", 1e-5, 0.02, "", 1000, 0), 0.09);
        close(lr("linear", 1e-5, 0.02, "", 100_000, 0), 0.02);
    }

    #[test]
    fn manual_segments_by_samples_and_by_pass() {
        let args = "100:1.0,200:0.5,300:0.1";
        close(lr("manual", 0.0, 0.0, args, 100, 5), 0.1);
        close(lr("manual", 0.0, 0.0, args, 101, 5), 0.05);
        close(lr("manual", 0.0, 0.0, args, 250, 5), 0.01);
        close(lr("manual", 0.0, 0.0, args, 10_000, 5), 0.01);
        close(lr("pass_manual", 0.0, 0.0, "1:1.0,3:0.1", 10_000, 0), 0.1);
        close(lr("pass_manual", 0.0, 0.0, "1:1.0,3:0.1", 0, 2), 0.01);
    }

    #[test]
    fn bad_schedules_are_config_errors() {
        let e = LrSchedule::from_config(&cfg("cosine", 0.0, 0.0, "")).unwrap_err();
        assert!(
            e.to_string()
                .contains("unknown learning_rate_schedule 'cosine'"),
            "{e}"
        );
        let e = LrSchedule::from_config(&cfg("manual", 0.0, 0.0, "100-1.0")).unwrap_err();
        assert!(e.to_string().contains("'100-1.0' has no ':'"), "{e}");
        let e = LrSchedule::from_config(&cfg("manual", 0.0, 0.0, "")).unwrap_err();
        assert!(e.to_string().contains("names no segment"), "{e}");
    }
}
