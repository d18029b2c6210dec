//! `save_dir/metrics.csv` (one row per pass: train cost and evaluators, test cost and
//! evaluators) and `save_dir/curves.png`, the tutorial's figure 12: train cost (blue) and
//! test error (red) per pass. The chart has no text, so it needs no font; the numbers are in
//! the CSV.

use std::fs;
use std::path::{Path, PathBuf};

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

    /// (pass, train cost, test error) for every pass known, kept rows included.
    fn series(&self) -> Vec<(f64, f64, Option<f64>)> {
        let mut out = Vec::new();
        if let (Some(h), Some(first)) = (&self.header, self.rows.first()) {
            if *h == Self::columns(first) {
                let cols: Vec<&str> = h.split(',').collect();
                let err_col = cols
                    .iter()
                    .position(|c| c.starts_with("test_") && c.contains("error"));
                for (p, l) in &self.kept {
                    let f: Vec<&str> = l.split(',').collect();
                    let cost = f.get(2).and_then(|x| x.parse().ok()).unwrap_or(f64::NAN);
                    let err = err_col.and_then(|c| f.get(c)).and_then(|x| x.parse().ok());
                    out.push((*p as f64, cost, err));
                }
            }
        }
        for r in &self.rows {
            let err = r
                .test_evals
                .iter()
                .find(|(n, _)| n.contains("error"))
                .map(|(_, v)| *v);
            out.push((r.pass as f64, r.train_cost, err));
        }
        out
    }

    fn write_png(&self) -> Result<(), TrainError> {
        let png = render(&self.series());
        write_atomic(&self.dir.join(PNG), &png)
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

const W: usize = 640;
const H: usize = 400;
const MARGIN: usize = 30;
const BLUE: [u8; 3] = [31, 119, 180];
const RED: [u8; 3] = [214, 39, 40];
const GRID: [u8; 3] = [225, 225, 225];
const AXIS: [u8; 3] = [80, 80, 80];

/// The chart: x is the pass; train cost is scaled from 0 to its maximum, test error from 0
/// to 1; grid lines at quarters.
pub fn render(series: &[(f64, f64, Option<f64>)]) -> Vec<u8> {
    let mut img = vec![255u8; W * H * 3];
    let (x0, x1, y0, y1) = (MARGIN, W - MARGIN, H - MARGIN, MARGIN);
    for q in 0..=4 {
        let y = y0 - (y0 - y1) * q / 4;
        line(
            &mut img,
            (x0 as f64, y as f64),
            (x1 as f64, y as f64),
            GRID,
            1,
        );
    }
    line(
        &mut img,
        (x0 as f64, y0 as f64),
        (x1 as f64, y0 as f64),
        AXIS,
        1,
    );
    line(
        &mut img,
        (x0 as f64, y0 as f64),
        (x0 as f64, y1 as f64),
        AXIS,
        1,
    );
    let (pmin, pmax) = series
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), s| (a.min(s.0), b.max(s.0)));
    let span = (pmax - pmin).max(1.0);
    let px = |p: f64| x0 as f64 + (p - pmin) / span * (x1 - x0) as f64;
    let py = |v: f64| y0 as f64 - v.clamp(0.0, 1.0) * (y0 - y1) as f64;
    let cmax = series
        .iter()
        .map(|s| s.1)
        .filter(|c| c.is_finite())
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let cost: Vec<(f64, f64)> = series
        .iter()
        .filter(|s| s.1.is_finite())
        .map(|s| (px(s.0), py(s.1 / cmax)))
        .collect();
    let err: Vec<(f64, f64)> = series
        .iter()
        .filter_map(|s| s.2.map(|e| (px(s.0), py(e))))
        .collect();
    for (pts, color) in [(&cost, BLUE), (&err, RED)] {
        for w in pts.windows(2) {
            line(&mut img, w[0], w[1], color, 2);
        }
        for &p in pts.iter() {
            dot(&mut img, p, color);
        }
    }
    encode(&img)
}

fn put(img: &mut [u8], x: i64, y: i64, c: [u8; 3]) {
    if x >= 0 && y >= 0 && (x as usize) < W && (y as usize) < H {
        let i = (y as usize * W + x as usize) * 3;
        img[i..i + 3].copy_from_slice(&c);
    }
}

fn line(img: &mut [u8], a: (f64, f64), b: (f64, f64), c: [u8; 3], width: i64) {
    let steps = ((b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil() as i64).max(1);
    for s in 0..=steps {
        let t = s as f64 / steps as f64;
        let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        for d in 0..width {
            put(img, x.round() as i64, y.round() as i64 + d, c);
        }
    }
}

fn dot(img: &mut [u8], p: (f64, f64), c: [u8; 3]) {
    for dx in -2..=2 {
        for dy in -2..=2 {
            put(img, p.0.round() as i64 + dx, p.1.round() as i64 + dy, c);
        }
    }
}

fn encode(rgb: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, W as u32, H as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().expect("writing to memory");
        writer.write_image_data(rgb).expect("writing to memory");
    }
    out
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
        assert_eq!(m.series().len(), 2);
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
    fn chart_is_a_png_with_both_curves() {
        let png = render(&[
            (0.0, 2.0, Some(0.8)),
            (1.0, 1.0, Some(0.5)),
            (2.0, 0.5, Some(0.3)),
        ]);
        assert_eq!(&png[1..4], b"PNG");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        let has = |c: [u8; 3]| buf.chunks(3).any(|p| p == c);
        assert!(has(BLUE) && has(RED));
    }
}
