//! Reading a training log for `paddlers plot`: Paddle's own lines (TrainerInternal.cpp's
//! `Pass=N Batch=B samples=S AvgCost=C Eval: name=value ...` at the end of each pass, and
//! Tester.cpp's `Test samples=S cost=C Eval: name=value ...`), with or without glog's
//! `I0406 21:26:21.325584  3832 file.cpp:181]` prefix. paddlers writes the same lines.
//!
//! As in `paddle.utils.plotcurve`, the train curve comes from the Pass lines and the test
//! curve from the Test lines; the x value is the pass number. A Test line belongs to the pass
//! whose Pass line came last before it (Paddle tests right after it logs the pass), or to the
//! pass under way when Batch lines came in between (tests every --test_period batches).

use crate::chart::{Chart, Curve, Panel};

/// The name of the cost everywhere here: Pass lines call it `AvgCost`, Test lines `cost`.
pub const COST: &str = "cost";

/// One Pass or Test line's values, by key, in the line's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub pass: i64,
    pub values: Vec<(String, f64)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainingLog {
    pub train: Vec<Row>,
    pub test: Vec<Row>,
}

/// The `key=value` pairs of the line's statistics, with `AvgCost` named `cost`; the batch
/// counters and the `CurrentEval:` part (one batch's values) are left out.
fn values(tokens: &[&str]) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for t in tokens {
        if *t == "CurrentEval:" {
            break;
        }
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        if matches!(k, "Pass" | "Batch" | "samples" | "CurrentCost") {
            continue;
        }
        let k = if k == "AvgCost" { COST } else { k };
        // Paddle prints nan and inf as words; they are kept and left out when drawing.
        if let Ok(v) = v.parse::<f64>() {
            out.push((k.to_string(), v));
        }
    }
    out
}

/// Reads every Pass and Test line of a log; other lines are ignored.
pub fn read(text: &str) -> TrainingLog {
    let mut log = TrainingLog::default();
    let mut last_pass: Option<i64> = None;
    let mut batches_since_pass = false;
    for line in text.lines() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let pass = tokens
            .iter()
            .find_map(|t| t.strip_prefix("Pass=").and_then(|p| p.parse::<i64>().ok()));
        let has_cost = tokens.iter().any(|t| t.starts_with("AvgCost="));
        if let (Some(pass), true) = (pass, has_cost) {
            log.train.push(Row {
                pass,
                values: values(&tokens),
            });
            last_pass = Some(pass);
            batches_since_pass = false;
            continue;
        }
        if tokens.iter().any(|t| t.starts_with("Batch=")) && has_cost {
            batches_since_pass = true;
            continue;
        }
        let test_at = tokens
            .windows(2)
            .position(|w| w[0] == "Test" && w[1].starts_with("samples="));
        if let Some(i) = test_at {
            let pass = match last_pass {
                Some(p) if batches_since_pass => p + 1,
                Some(p) => p,
                None => 0,
            };
            log.test.push(Row {
                pass,
                values: values(&tokens[i + 1..]),
            });
        }
    }
    log
}

impl TrainingLog {
    /// Keys in the order they first appear (train lines first): what `plot` draws by default.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for row in self.train.iter().chain(&self.test) {
            for (k, _) in &row.values {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        keys
    }

    fn curve(rows: &[Row], key: &str, label: &str) -> Option<Curve> {
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter_map(|r| {
                r.values
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| (r.pass as f64, *v))
            })
            .collect();
        (!points.is_empty()).then(|| Curve {
            label: label.to_string(),
            points,
        })
    }

    /// One panel per key (train and test curves); `AvgCost` is accepted for `cost`. A key no
    /// line has is an error that lists the keys the log has.
    pub fn chart(&self, keys: &[String], title: &str) -> Result<Chart, String> {
        let all = self.keys();
        if all.is_empty() {
            return Err(
                "no Pass=... or Test samples=... lines with values: is this a \
                 training log (Paddle's or paddlers')?"
                    .into(),
            );
        }
        let keys: Vec<String> = if keys.is_empty() {
            all.clone()
        } else {
            keys.iter()
                .map(|k| {
                    if k == "AvgCost" {
                        COST.into()
                    } else {
                        k.clone()
                    }
                })
                .collect()
        };
        let mut panels = Vec::new();
        for key in &keys {
            let curves: Vec<Curve> = [
                Self::curve(&self.train, key, "train"),
                Self::curve(&self.test, key, "test"),
            ]
            .into_iter()
            .flatten()
            .collect();
            if curves.is_empty() {
                return Err(format!(
                    "no line has the key '{key}'; the log has: {}",
                    all.join(", ")
                ));
            }
            panels.push(Panel {
                title: key.clone(),
                y_label: key.clone(),
                curves,
            });
        }
        Ok(Chart {
            title: title.to_string(),
            x_label: "pass".into(),
            panels,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TUTORIAL: &str = "\
I1203 10:01:02.000001  1234 TrainerInternal.cpp:165]  Batch=300 samples=38400 AvgCost=2.07708 CurrentCost=1.96158 Eval: classification_error_evaluator=0.81151  CurrentEval: classification_error_evaluator=0.789297
I1203 10:01:03.000001  1234 TrainerInternal.cpp:181]  Pass=0 Batch=391 samples=50000 AvgCost=2.03348 Eval: classification_error_evaluator=0.79958
I1203 10:01:04.000001  1234 Tester.cpp:115]  Test samples=10000 cost=1.99246 Eval: classification_error_evaluator=0.7858
TrainerInternal.cpp:181]  Pass=1 Batch=391 samples=50000 AvgCost=1.5 Eval: classification_error_evaluator=0.5
Tester.cpp:115]  Test samples=10000 cost=1.6 Eval: classification_error_evaluator=0.55
";

    #[test]
    fn reads_paddles_pass_and_test_lines_with_and_without_glog_prefixes() {
        let log = read(TUTORIAL);
        assert_eq!(log.train.len(), 2);
        assert_eq!(log.test.len(), 2);
        assert_eq!(
            log.train[0].values,
            vec![
                ("cost".to_string(), 2.03348),
                ("classification_error_evaluator".to_string(), 0.79958)
            ]
        );
        assert_eq!((log.test[1].pass, log.test[1].values[0].1), (1, 1.6));
        assert_eq!(log.keys(), vec!["cost", "classification_error_evaluator"]);
    }

    #[test]
    fn a_test_between_batches_belongs_to_the_pass_under_way() {
        let log = read(
            "Pass=0 Batch=2 samples=4 AvgCost=1 Eval: \n Batch=1 samples=2 AvgCost=1 Eval: \n\
             Test samples=2 cost=3 Eval: \n",
        );
        assert_eq!(log.test[0].pass, 1);
    }

    #[test]
    fn chart_has_a_panel_per_key_and_names_missing_keys() {
        let log = read(TUTORIAL);
        let c = log.chart(&["AvgCost".into()], "t").unwrap();
        assert_eq!(c.panels.len(), 1);
        assert_eq!(c.panels[0].curves.len(), 2);
        assert_eq!(
            c.panels[0].curves[1].points,
            vec![(0.0, 1.99246), (1.0, 1.6)]
        );
        let e = log.chart(&["auc".into()], "t").unwrap_err();
        assert!(
            e.contains("'auc'") && e.contains("cost, classification_error_evaluator"),
            "{e}"
        );
        let e = read("hello\n").chart(&[], "t").unwrap_err();
        assert!(e.contains("training log"), "{e}");
    }
}
