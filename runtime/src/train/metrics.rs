//! `save_dir/metrics.csv` (one row per pass: train cost and evaluators, test cost and
//! evaluators) and `save_dir/curves.png`, the tutorial's figure 12: a panel for the cost and
//! one per evaluator, train and test, drawn by `paddlers-charts` (axes, legend, embedded font).

use std::fs;
use std::path::{Path, PathBuf};

use paddlers_charts::{render_png, Chart, Curve, Panel};

use super::error::TrainError;

#[derive(Debug, Clone, PartialEq)]
pub struct PassMetrics {
    pub pass: i64,
    pub train_samples: i64,
    pub train_cost: f64,
    pub train_evals: Vec<(String, f64)>,
    pub test_samples: Option<i64>,
    pub test_cost: Option<f64>,
    pub test_evals: Vec<(String, f64)>,
    pub learning_rate: f64,
    /// The pass's batch loop alone (training throughput: train_samples / train_seconds).
    pub train_seconds: f64,
    /// CPU time of all the process's threads during the batch loop: a throughput measure
    /// that other processes on the machine disturb less than wall time.
    pub train_cpu_seconds: f64,
    /// The whole pass with testing (the row is written before the pass is saved).
    pub seconds: f64,
}

pub struct MetricsLog {
    dir: PathBuf,
    /// Rows from an earlier run that this one resumes, as text.
    kept: Vec<(i64, String)>,
    header: Option<String>,
    rows: Vec<PassMetrics>,
}

pub const CSV: &str = "metrics.csv";
pub const PNG: &str = "curves.png";

impl MetricsLog {
    /// Keeps the rows of passes before `start_pass` from an existing metrics.csv, so a
    /// resumed run extends its history.
    pub fn open(dir: &Path, start_pass: i64) -> MetricsLog {
        let mut kept = Vec::new();
        let mut header = None;
        if start_pass > 0 {
            if let Ok(text) = fs::read_to_string(dir.join(CSV)) {
                let mut lines = text.lines();
                header = lines.next().map(str::to_string);
                for line in lines {
                    let pass = line.split(',').next().and_then(|p| p.parse::<i64>().ok());
                    if let Some(p) = pass.filter(|&p| p < start_pass) {
                        kept.push((p, line.to_string()));
                    }
                }
            }
        }
        MetricsLog {
            dir: dir.to_path_buf(),
            kept,
            header,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: PassMetrics) -> Result<(), TrainError> {
        self.rows.push(row);
        self.write_csv()?;
        self.write_png()
    }

    fn columns(row: &PassMetrics) -> String {
        let mut cols = vec![
            "pass".to_string(),
            "train_samples".into(),
            "train_cost".into(),
        ];
        cols.extend(row.train_evals.iter().map(|(n, _)| format!("train_{n}")));
        cols.extend(["test_samples".to_string(), "test_cost".into()]);
        cols.extend(row.test_evals.iter().map(|(n, _)| format!("test_{n}")));
        cols.extend([
            "learning_rate".to_string(),
            "train_seconds".into(),
            "train_cpu_seconds".into(),
            "seconds".into(),
        ]);
        cols.join(",")
    }

    fn line(row: &PassMetrics) -> String {
        let mut v = vec![
            row.pass.to_string(),
            row.train_samples.to_string(),
            num(row.train_cost),
        ];
        v.extend(row.train_evals.iter().map(|(_, x)| num(*x)));
        v.push(row.test_samples.map_or(String::new(), |n| n.to_string()));
        v.push(row.test_cost.map_or(String::new(), num));
        v.extend(row.test_evals.iter().map(|(_, x)| num(*x)));
        v.push(num(row.learning_rate));
        v.push(format!("{:.3}", row.train_seconds));
        v.push(format!("{:.3}", row.train_cpu_seconds));
        v.push(format!("{:.3}", row.seconds));
        v.join(",")
    }

    fn write_csv(&self) -> Result<(), TrainError> {
        let Some(first) = self.rows.first() else {
            return Ok(());
        };
        let header = Self::columns(first);
        let mut text = format!("{header}\n");
        // Earlier rows are kept only when their columns are the same.
        if self.header.as_deref() == Some(header.as_str()) {
            for (_, l) in &self.kept {
                text.push_str(l);
                text.push('\n');
            }
        }
        for r in &self.rows {
            text.push_str(&Self::line(r));
            text.push('\n');
        }
        write_atomic(&self.dir.join(CSV), text.as_bytes())
    }

    /// Every pass known, kept rows included, as (pass, [(column, value)]).
    fn table(&self) -> Vec<(i64, Vec<(String, f64)>)> {
        let mut out = Vec::new();
        if let (Some(h), Some(first)) = (&self.header, self.rows.first()) {
            if *h == Self::columns(first) {
                let cols: Vec<&str> = h.split(',').collect();
                for (p, l) in &self.kept {
                    let values = cols
                        .iter()
                        .zip(l.split(','))
                        .filter_map(|(c, x)| x.parse().ok().map(|v| (c.to_string(), v)))
                        .collect();
                    out.push((*p, values));
                }
            }
        }
        for r in &self.rows {
            let mut values = vec![("train_cost".to_string(), r.train_cost)];
            values.extend(
                r.train_evals
                    .iter()
                    .map(|(n, v)| (format!("train_{n}"), *v)),
            );
            values.extend(r.test_cost.map(|c| ("test_cost".to_string(), c)));
            values.extend(r.test_evals.iter().map(|(n, v)| (format!("test_{n}"), *v)));
            out.push((r.pass, values));
        }
        out
    }

    /// The tutorial's figure 12, readable without the CSV: a panel for the cost and one per
    /// evaluator, train and test curves over the passes.
    pub fn chart(&self) -> Chart {
        let table = self.table();
        let mut names = vec!["cost".to_string()];
        if let Some(first) = self.rows.first() {
            names.extend(first.train_evals.iter().map(|(n, _)| n.clone()));
            for (n, _) in &first.test_evals {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
        let curve = |col: &str, label: &str| {
            let points: Vec<(f64, f64)> = table
                .iter()
                .filter_map(|(p, vals)| {
                    vals.iter()
                        .find(|(c, _)| c == col)
                        .map(|(_, v)| (*p as f64, *v))
                })
                .collect();
            (!points.is_empty()).then(|| Curve {
                label: label.into(),
                points,
            })
        };
        let panels = names
            .iter()
            .filter_map(|n| {
                let curves: Vec<Curve> = [
                    curve(&format!("train_{n}"), "train"),
                    curve(&format!("test_{n}"), "test"),
                ]
                .into_iter()
                .flatten()
                .collect();
                (!curves.is_empty()).then(|| Panel {
                    title: n.clone(),
                    y_label: n.clone(),
                    curves,
                })
            })
            .collect();
        Chart {
            title: format!("Training curves: {}", self.dir.display()),
            x_label: "pass".into(),
            panels,
        }
    }

    fn write_png(&self) -> Result<(), TrainError> {
        // A chart that cannot be drawn is reported, never a reason to stop training.
        match render_png(&self.chart()) {
            Ok(png) => write_atomic(&self.dir.join(PNG), &png),
            Err(e) => {
                tracing::warn!("{}: {e}", self.dir.join(PNG).display());
                Ok(())
            }
        }
    }
}

/// CPU seconds used so far by every thread of this process.
pub fn process_cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return f64::NAN;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| TrainError::io(dir, e))?;
    }
    paddlers_providers::durable::write_file(path, bytes).map_err(|e| TrainError::io(path, e))
}

/// Copies metrics.csv to `metrics.csv.YYYYmmddTHHMMSSZ.bak` before a run that drops some of
/// its rows (a new run from pass 0, or a resume before its last pass), so no history is lost.
pub fn back_up(dir: &Path, start_pass: i64) -> Result<Option<PathBuf>, TrainError> {
    let path = dir.join(CSV);
    let Ok(text) = fs::read_to_string(&path) else {
        return Ok(None);
    };
    let drops = text.lines().skip(1).any(|l| {
        l.split(',')
            .next()
            .and_then(|p| p.parse::<i64>().ok())
            .map_or(true, |p| p >= start_pass)
    });
    if !drops {
        return Ok(None);
    }
    let backup = dir.join(format!("{CSV}.{}.bak", utc_stamp()));
    write_atomic(&backup, text.as_bytes())?;
    Ok(Some(backup))
}

fn utc_stamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    utc_stamp_at(secs)
}

/// `YYYYmmddTHHMMSSZ` of Unix time `secs` (civil-from-days, so no date crate is needed for
/// one file name).
fn utc_stamp_at(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pass: i64, cost: f64, err: f64) -> PassMetrics {
        PassMetrics {
            pass,
            train_samples: 100,
            train_cost: cost,
            train_evals: vec![("classification_error_evaluator".into(), err + 0.1)],
            test_samples: Some(20),
            test_cost: Some(cost + 0.5),
            test_evals: vec![("classification_error_evaluator".into(), err)],
            learning_rate: 0.01,
            train_seconds: 1.25,
            train_cpu_seconds: 2.0,
            seconds: 1.5,
        }
    }

    #[test]
    fn csv_rows_and_resume_keeps_history() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = MetricsLog::open(dir.path(), 0);
        m.push(row(0, 2.0, 0.8)).unwrap();
        m.push(row(1, 1.5, 0.6)).unwrap();
        let text = fs::read_to_string(dir.path().join(CSV)).unwrap();
        assert_eq!(
            text.lines().next().unwrap(),
            "pass,train_samples,train_cost,train_classification_error_evaluator,test_samples,\
             test_cost,test_classification_error_evaluator,learning_rate,train_seconds,train_cpu_seconds,seconds"
        );
        assert_eq!(
            text.lines().nth(2).unwrap(),
            "1,100,1.5,0.7,20,2,0.6,0.01,1.250,2.000,1.500"
        );
        // Resuming at pass 1 keeps pass 0 and replaces pass 1.
        let mut m = MetricsLog::open(dir.path(), 1);
        m.push(row(1, 1.4, 0.5)).unwrap();
        let text = fs::read_to_string(dir.path().join(CSV)).unwrap();
        let passes: Vec<&str> = text.lines().skip(1).map(|l| &l[..2]).collect();
        assert_eq!(passes, vec!["0,", "1,"]);
        assert!(text.contains("1,100,1.4,"));
        assert_eq!(m.table().len(), 2);
    }

    #[test]
    fn a_run_that_drops_rows_backs_them_up_first() {
        assert_eq!(utc_stamp_at(0), "19700101T000000Z");
        // 2026-12-03 10:22:40 UTC.
        assert_eq!(utc_stamp_at(1_796_293_360), "20261203T102240Z");
        assert_eq!(utc_stamp_at(951_782_400), "20000229T000000Z");
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(back_up(dir.path(), 0).unwrap(), None);
        let mut m = MetricsLog::open(dir.path(), 0);
        m.push(row(0, 2.0, 0.8)).unwrap();
        m.push(row(1, 1.5, 0.6)).unwrap();
        let old = fs::read_to_string(dir.path().join(CSV)).unwrap();
        // Resuming after the last row drops nothing.
        assert_eq!(back_up(dir.path(), 2).unwrap(), None);
        let bak = back_up(dir.path(), 0).unwrap().unwrap();
        let name = bak.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("metrics.csv.") && name.ends_with("Z.bak"),
            "{name}"
        );
        assert_eq!(fs::read_to_string(&bak).unwrap(), old);
    }

    #[test]
    fn chart_has_cost_and_evaluator_panels_with_resumed_passes() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = MetricsLog::open(dir.path(), 0);
        m.push(row(0, 2.0, 0.8)).unwrap();
        m.push(row(1, 1.5, 0.6)).unwrap();
        let mut m = MetricsLog::open(dir.path(), 1);
        m.push(row(1, 1.4, 0.5)).unwrap();
        let c = m.chart();
        let titles: Vec<&str> = c.panels.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles, ["cost", "classification_error_evaluator"]);
        let test_err = &c.panels[1].curves[1];
        assert_eq!(test_err.label, "test");
        assert_eq!(test_err.points, vec![(0.0, 0.8), (1.0, 0.5)]);
        let png = fs::read(dir.path().join(PNG)).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
