//! Evaluators as `paddle/gserver/evaluators/Evaluator.cpp` computes and prints them. Each
//! works on host copies of its input layers' outputs ([`EvalArg`]), batch after batch, between
//! `start` and `finish`.
//!
//! The general evaluators live here; those of one model family have a module each:
//! [`chunk`] (sequence tagging), [`ctc_error`] (speech), [`ranking`] (pnpair, rankauc) and
//! [`detection_map`] (SSD).

mod chunk;
mod ctc_error;
mod detection_map;
mod ranking;

use std::collections::HashMap;
use std::fmt::Write as _;

use paddlers_graph::EvaluatorConfig;

use super::error::TrainError;
use super::format::g;

/// Dense rows of one layer output, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

impl Dense {
    pub fn row(&self, r: usize) -> &[f32] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }
}

/// One evaluator input: Paddle's `Argument` on the host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalArg {
    pub value: Option<Dense>,
    pub ids: Option<Vec<i64>>,
    pub seq_starts: Option<Vec<i64>>,
}

impl EvalArg {
    pub fn batch_size(&self) -> usize {
        match (&self.seq_starts, &self.value, &self.ids) {
            (Some(s), _, _) => s.len().saturating_sub(1),
            (None, Some(v), _) => v.rows,
            (None, None, Some(i)) => i.len(),
            _ => 0,
        }
    }

    /// A width-1 weight column's values.
    fn weights(&self, what: &str) -> Result<Vec<f64>, String> {
        let v = self
            .value
            .as_ref()
            .ok_or_else(|| format!("the {what} input has no dense values"))?;
        if v.cols != 1 {
            return Err(format!(
                "the {what} input must have width 1, not {}",
                v.cols
            ));
        }
        Ok(v.data.iter().map(|&x| f64::from(x)).collect())
    }
}

/// One of the network's evaluators.
pub trait Evaluator: Send {
    fn name(&self) -> &str;
    /// The config's input layer names, in order.
    fn input_layers(&self) -> &[String];
    fn start(&mut self);
    /// Adds one batch. Errors are messages; the caller adds the evaluator's name.
    fn eval(&mut self, args: &[EvalArg]) -> Result<(), String>;
    fn finish(&mut self) {}
    /// Paddle's `printStats`.
    fn print(&self, out: &mut String);
    /// The headline number, for metrics.csv (None for printers).
    fn value(&self) -> Option<f64>;
}

/// All evaluators of a network, printed as Paddle's `CombinedEvaluator` (each followed by a
/// space).
pub struct Evaluators {
    list: Vec<Box<dyn Evaluator>>,
}

impl Evaluators {
    pub fn from_configs(configs: &[EvaluatorConfig]) -> Result<Evaluators, TrainError> {
        let list = configs.iter().map(create).collect::<Result<Vec<_>, _>>()?;
        Ok(Evaluators { list })
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Every input layer any evaluator reads.
    pub fn input_layers(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for e in &self.list {
            for n in e.input_layers() {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
        names
    }

    pub fn start(&mut self) {
        self.list.iter_mut().for_each(|e| e.start());
    }

    /// Adds one batch; `layer` gives a layer's output by name.
    pub fn eval(&mut self, layer: &dyn Fn(&str) -> Option<EvalArg>) -> Result<(), TrainError> {
        for e in &mut self.list {
            let args = e
                .input_layers()
                .iter()
                .map(|n| {
                    layer(n).ok_or_else(|| {
                        TrainError::Network(format!(
                            "evaluator {} reads layer '{n}', which produced no output",
                            e.name()
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            e.eval(&args)
                .map_err(|m| TrainError::Network(format!("evaluator {}: {m}", e.name())))?;
        }
        Ok(())
    }

    pub fn finish(&mut self) {
        self.list.iter_mut().for_each(|e| e.finish());
    }

    /// `name=value ` for each evaluator, as Paddle prints after "Eval: ".
    pub fn to_paddle_string(&self) -> String {
        let mut s = String::new();
        for e in &self.list {
            e.print(&mut s);
            s.push(' ');
        }
        s
    }

    /// (name, value) of evaluators with a headline number.
    pub fn values(&self) -> Vec<(String, f64)> {
        self.list
            .iter()
            .filter_map(|e| e.value().map(|v| (e.name().to_string(), v)))
            .collect()
    }
}

fn create(c: &EvaluatorConfig) -> Result<Box<dyn Evaluator>, TrainError> {
    let base = Base {
        name: c.name.clone(),
        inputs: c.input_layers.clone(),
        num_samples: 0.0,
        total: 0.0,
    };
    let need = |lo: usize, hi: usize| -> Result<(), TrainError> {
        let n = c.input_layers.len();
        if n < lo || n > hi {
            return Err(TrainError::Config(format!(
                "evaluator {} ({}) takes {lo} to {hi} input layers, not {n}",
                c.name, c.r#type
            )));
        }
        Ok(())
    };
    let threshold = c.classification_threshold.map_or(0.5, |r| r.as_f64()) as f32;
    Ok(match c.r#type.as_str() {
        "classification_error" | "seq_classification_error" => {
            need(2, 3)?;
            Box::new(ClassificationError {
                base,
                top_k: c.top_k.unwrap_or(1).max(1) as usize,
                threshold,
                per_sequence: c.r#type == "seq_classification_error",
            })
        }
        "sum" => {
            need(1, 2)?;
            Box::new(Sum { base })
        }
        "last-column-sum" => {
            need(1, 2)?;
            Box::new(ColumnSum {
                base,
                column: -1,
                sums: Vec::new(),
            })
        }
        "last-column-auc" => {
            need(2, 3)?;
            Box::new(Auc {
                base,
                column: -1,
                pos: HashMap::new(),
                neg: HashMap::new(),
            })
        }
        "precision_recall" => {
            need(2, 3)?;
            Box::new(PrecisionRecall {
                base,
                positive_label: c.positive_label.unwrap_or(-1),
                stats: Vec::new(),
            })
        }
        "chunk" => {
            need(2, 2)?;
            let scheme_name = c.chunk_scheme.as_deref().unwrap_or("");
            let scheme = chunk::Scheme::from_name(scheme_name).ok_or_else(|| {
                TrainError::Config(format!(
                    "evaluator {} has chunk_scheme '{scheme_name}'; Paddle knows IOB, IOE, \
                     IOBES and plain",
                    c.name
                ))
            })?;
            let num_chunk_types = c.num_chunk_types.ok_or_else(|| {
                TrainError::Config(format!("evaluator {} has no num_chunk_types", c.name))
            })?;
            Box::new(chunk::Chunk {
                base,
                scheme,
                num_chunk_types: i64::from(num_chunk_types),
                excluded: c
                    .excluded_chunk_types
                    .iter()
                    .map(|&t| i64::from(t))
                    .collect(),
                label_chunks: 0,
                output_chunks: 0,
                correct: 0,
            })
        }
        "ctc_edit_distance" => {
            need(2, 2)?;
            Box::new(ctc_error::CtcError {
                base,
                deletions: 0.0,
                insertions: 0.0,
                substitutions: 0.0,
                wrong_sequences: 0,
            })
        }
        "pnpair" => {
            need(3, 4)?;
            Box::new(ranking::Pnpair {
                base,
                predictions: Vec::new(),
                pos: 0.0,
                neg: 0.0,
            })
        }
        "rankauc" => {
            need(2, 3)?;
            Box::new(ranking::RankAuc { base })
        }
        "detection_map" => {
            need(2, 2)?;
            let ap_type = match c.ap_type.as_deref().unwrap_or("11point") {
                "11point" => detection_map::ApType::ElevenPoint,
                "Integral" => detection_map::ApType::Integral,
                other => {
                    return Err(TrainError::Config(format!(
                        "evaluator {} has ap_type '{other}'; Paddle knows 11point and Integral",
                        c.name
                    )))
                }
            };
            Box::new(detection_map::DetectionMap {
                base,
                overlap_threshold: c.overlap_threshold.map_or(0.5, |r| r.as_f64()),
                evaluate_difficult: c.evaluate_difficult.unwrap_or(false),
                ap_type,
                num_pos: Default::default(),
                hits: Default::default(),
            })
        }
        "value_printer" => Box::new(ValuePrinter { base }),
        "max_id_printer" => Box::new(MaxIdPrinter {
            base,
            num_results: c.num_results.unwrap_or(1).max(1) as usize,
        }),
        "classification_error_printer" => {
            need(2, 3)?;
            Box::new(ClassificationErrorPrinter {
                inner: ClassificationError {
                    base,
                    top_k: c.top_k.unwrap_or(1).max(1) as usize,
                    threshold,
                    per_sequence: false,
                },
            })
        }
        other => {
            return Err(TrainError::Config(format!(
                "evaluator {} has type '{other}', which paddlers does not compute yet \
                 (supported: classification_error, seq_classification_error, sum, \
                 last-column-sum, last-column-auc, precision_recall, chunk, \
                 ctc_edit_distance, pnpair, rankauc, detection_map, value_printer, \
                 max_id_printer, classification_error_printer)",
                c.name
            )))
        }
    })
}

/// Paddle's `Evaluator` fields: the score summed over batches and the sample count.
struct Base {
    name: String,
    inputs: Vec<String>,
    num_samples: f64,
    total: f64,
}

impl Base {
    fn start(&mut self) {
        self.num_samples = 0.0;
        self.total = 0.0;
    }

    fn mean(&self) -> f64 {
        if self.num_samples != 0.0 {
            self.total / self.num_samples
        } else {
            0.0
        }
    }

    /// Paddle's default `updateSamplesNum`: the batch size, or the weights' sum when the
    /// weight input (at `weight_at`) is given.
    fn count(&mut self, args: &[EvalArg], weight_at: usize) -> Result<(), String> {
        self.num_samples += match args.get(weight_at) {
            Some(w) => w.weights("weight")?.iter().sum(),
            None => args[0].batch_size() as f64,
        };
        Ok(())
    }
}

fn dense<'a>(arg: &'a EvalArg, what: &str) -> Result<&'a Dense, String> {
    arg.value
        .as_ref()
        .ok_or_else(|| format!("the {what} input has no dense values"))
}

/// The label ids, checked against the output's width.
fn labels(arg: &EvalArg, rows: usize, cols: usize) -> Result<&[i64], String> {
    let ids = arg
        .ids
        .as_deref()
        .ok_or_else(|| "the label input has no integer ids".to_string())?;
    if ids.len() != rows {
        return Err(format!("{} labels for {rows} output rows", ids.len()));
    }
    if let Some(bad) = ids.iter().find(|&&l| l < 0 || l as usize >= cols) {
        return Err(format!("label {bad} is outside [0, {cols})"));
    }
    Ok(ids)
}

/// Indices of the `k` largest values, largest first; ties go to the higher index, as
/// Paddle's `rowMax` (a partial sort of (value, index) pairs, descending) does.
fn top_k(row: &[f32], k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..row.len()).collect();
    idx.sort_by(|&a, &b| {
        row[b]
            .partial_cmp(&row[a])
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.cmp(&a))
    });
    idx.truncate(k);
    idx
}

struct ClassificationError {
    base: Base,
    top_k: usize,
    threshold: f32,
    per_sequence: bool,
}

impl ClassificationError {
    /// Per-row error (0 or 1; for multi-binary labels, the count of wrong columns), weighted.
    fn errors(&self, args: &[EvalArg]) -> Result<Vec<f64>, String> {
        let out = dense(&args[0], "output")?;
        let mut err = Vec::with_capacity(out.rows);
        if args[1].ids.is_some() {
            let ids = labels(&args[1], out.rows, out.cols)?;
            for (r, &label) in ids.iter().enumerate() {
                let hit = top_k(out.row(r), self.top_k).contains(&(label as usize));
                err.push(if hit { 0.0 } else { 1.0 });
            }
        } else {
            let lab = dense(&args[1], "label")?;
            if (lab.rows, lab.cols) != (out.rows, out.cols) {
                return Err(format!(
                    "multi-binary labels are {}x{}, the output is {}x{}",
                    lab.rows, lab.cols, out.rows, out.cols
                ));
            }
            let t = self.threshold;
            for r in 0..out.rows {
                let wrong = out
                    .row(r)
                    .iter()
                    .zip(lab.row(r))
                    .filter(|(&o, &l)| (o > t) != (l > t))
                    .count();
                err.push(wrong as f64);
            }
        }
        if let Some(w) = args.get(2) {
            let w = w.weights("weight")?;
            if w.len() != err.len() {
                return Err(format!("{} weights for {} rows", w.len(), err.len()));
            }
            err.iter_mut().zip(w).for_each(|(e, w)| *e *= w);
        }
        Ok(err)
    }
}

impl Evaluator for ClassificationError {
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
        let err = self.errors(args)?;
        if self.per_sequence {
            let starts = args[0]
                .seq_starts
                .as_deref()
                .ok_or("seq_classification_error needs sequence input")?;
            let wrong = starts
                .windows(2)
                .filter(|w| err[w[0] as usize..w[1] as usize].iter().sum::<f64>() > 0.0)
                .count();
            self.base.total += wrong as f64;
            self.base.num_samples += starts.len().saturating_sub(1) as f64;
        } else {
            self.base.total += err.iter().sum::<f64>();
            self.base.count(args, 2)?;
        }
        Ok(())
    }
    fn print(&self, out: &mut String) {
        if self.top_k == 1 {
            let _ = write!(out, "{}={}", self.base.name, g(self.base.mean()));
        } else {
            // Paddle prints no evaluator name here, and a leading space.
            let _ = write!(out, " top_{}_error={}", self.top_k, g(self.base.mean()));
        }
    }
    fn value(&self) -> Option<f64> {
        Some(self.base.mean())
    }
}

struct Sum {
    base: Base,
}

impl Evaluator for Sum {
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
        let weights = args.get(1).map(|w| w.weights("weight")).transpose()?;
        let w = |r: usize| weights.as_ref().map_or(1.0, |w| w[r]);
        if let Some(v) = &args[0].value {
            for r in 0..v.rows {
                self.base.total += v.row(r).iter().map(|&x| f64::from(x)).sum::<f64>() * w(r);
            }
        } else if let Some(ids) = &args[0].ids {
            for (r, &id) in ids.iter().enumerate() {
                self.base.total += id as f64 * w(r);
            }
        }
        self.base.count(args, 1)
    }
    fn print(&self, out: &mut String) {
        let _ = write!(out, "{}={}", self.base.name, g(self.base.mean()));
    }
    fn value(&self) -> Option<f64> {
        Some(self.base.mean())
    }
}

struct ColumnSum {
    base: Base,
    /// Negative counts from the end (-1: the last column).
    column: i64,
    sums: Vec<f64>,
}

impl ColumnSum {
    fn column_value(&self) -> f64 {
        let n = self.sums.len() as i64;
        let c = if self.column >= 0 {
            self.column
        } else {
            n + self.column
        };
        if c < 0 || c >= n || self.base.num_samples == 0.0 {
            return 0.0;
        }
        self.sums[c as usize] / self.base.num_samples
    }
}

impl Evaluator for ColumnSum {
    fn name(&self) -> &str {
        &self.base.name
    }
    fn input_layers(&self) -> &[String] {
        &self.base.inputs
    }
    fn start(&mut self) {
        self.base.start();
        self.sums.iter_mut().for_each(|s| *s = 0.0);
    }
    fn eval(&mut self, args: &[EvalArg]) -> Result<(), String> {
        let v = dense(&args[0], "output")?;
        if self.sums.is_empty() {
            self.sums = vec![0.0; v.cols];
        } else if self.sums.len() != v.cols {
            return Err(format!(
                "width changed from {} to {}",
                self.sums.len(),
                v.cols
            ));
        }
        let weights = args.get(1).map(|w| w.weights("weight")).transpose()?;
        for r in 0..v.rows {
            let w = weights.as_ref().map_or(1.0, |w| w[r]);
            for (s, &x) in self.sums.iter_mut().zip(v.row(r)) {
                *s += f64::from(x) * w;
            }
        }
        self.base.count(args, 1)
    }
    fn print(&self, out: &mut String) {
        let _ = write!(out, "{}={}", self.base.name, g(self.column_value()));
    }
    fn value(&self) -> Option<f64> {
        Some(self.column_value())
    }
}

/// Paddle bins predictions into 2^24 - 1 buckets; only the used ones are kept here, which
/// gives the same area (empty buckets add none).
const AUC_BINS: u32 = (1 << 24) - 1;

struct Auc {
    base: Base,
    column: i64,
    pos: HashMap<u32, f64>,
    neg: HashMap<u32, f64>,
}

impl Auc {
    fn auc(&self) -> f64 {
        let mut bins: Vec<u32> = self.pos.keys().chain(self.neg.keys()).copied().collect();
        bins.sort_unstable_by(|a, b| b.cmp(a));
        bins.dedup();
        let (mut tot_pos, mut tot_neg, mut area) = (0.0f64, 0.0f64, 0.0f64);
        for b in bins {
            let (prev_pos, prev_neg) = (tot_pos, tot_neg);
            tot_pos += self.pos.get(&b).copied().unwrap_or(0.0);
            tot_neg += self.neg.get(&b).copied().unwrap_or(0.0);
            area += (tot_neg - prev_neg).abs() * (tot_pos + prev_pos) / 2.0;
        }
        if tot_pos > 0.0 && tot_neg > 0.0 {
            area / tot_pos / tot_neg
        } else {
            0.0
        }
    }
}

impl Evaluator for Auc {
    fn name(&self) -> &str {
        &self.base.name
    }
    fn input_layers(&self) -> &[String] {
        &self.base.inputs
    }
    fn start(&mut self) {
        self.base.start();
        self.pos.clear();
        self.neg.clear();
    }
    fn eval(&mut self, args: &[EvalArg]) -> Result<(), String> {
        let out = dense(&args[0], "output")?;
        let labels: Vec<i64> = match (&args[1].ids, &args[1].value) {
            (Some(ids), _) => ids.clone(),
            (None, Some(v)) if v.cols == 1 => v.data.iter().map(|&x| x as i64).collect(),
            _ => return Err("the label input needs ids or a width-1 value".into()),
        };
        if labels.len() != out.rows {
            return Err(format!(
                "{} labels for {} output rows",
                labels.len(),
                out.rows
            ));
        }
        let cols = out.cols as i64;
        let col = if self.column >= 0 {
            self.column
        } else {
            cols + self.column
        };
        if col < 0 || col >= cols {
            return Err(format!(
                "column index [{}] out of range [-{cols}, {cols})",
                self.column
            ));
        }
        let weights = args.get(2).map(|w| w.weights("weight")).transpose()?;
        for (r, &label) in labels.iter().enumerate() {
            let value = out.row(r)[col as usize];
            let bin = (value * AUC_BINS as f32) as u32;
            if !(0.0..=1.0).contains(&value) || bin > AUC_BINS {
                return Err(format!(
                    "bin index [{bin}] out of range, predict value[{}]",
                    g(f64::from(value))
                ));
            }
            let w = weights.as_ref().map_or(1.0, |w| w[r]);
            let stat = if label == 0 {
                &mut self.neg
            } else {
                &mut self.pos
            };
            *stat.entry(bin).or_insert(0.0) += w;
        }
        self.base.count(args, 2)
    }
    fn print(&self, out: &mut String) {
        let _ = write!(out, "{}={}", self.base.name, g(self.auc()));
    }
    fn value(&self) -> Option<f64> {
        Some(self.auc())
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Confusion {
    tp: f64,
    tn: f64,
    fp: f64,
    fn_: f64,
}

struct PrecisionRecall {
    base: Base,
    positive_label: i32,
    stats: Vec<Confusion>,
}

fn precision(tp: f64, fp: f64) -> f64 {
    if tp > 0.0 || fp > 0.0 {
        tp / (tp + fp)
    } else {
        1.0
    }
}

fn recall(tp: f64, fn_: f64) -> f64 {
    if tp > 0.0 || fn_ > 0.0 {
        tp / (tp + fn_)
    } else {
        1.0
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p > 0.0 || r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    }
}

impl PrecisionRecall {
    /// (precision, recall, F1) of the positive label, or the macro averages and the micro
    /// precision when positive_label is -1.
    fn summary(&self) -> Summary {
        if self.positive_label >= 0 {
            let s = self
                .stats
                .get(self.positive_label as usize)
                .copied()
                .unwrap_or_default();
            let (p, r) = (precision(s.tp, s.fp), recall(s.tp, s.fn_));
            return Summary::Label { p, r, f: f1(p, r) };
        }
        let n = self.stats.len().max(1) as f64;
        let (mut tp, mut fp, mut macro_p, mut macro_r) = (0.0, 0.0, 0.0, 0.0);
        for s in &self.stats {
            tp += s.tp;
            fp += s.fp;
            macro_p += precision(s.tp, s.fp);
            macro_r += recall(s.tp, s.fn_);
        }
        let (macro_p, macro_r) = (macro_p / n, macro_r / n);
        Summary::Averages {
            macro_p,
            macro_r,
            macro_f: f1(macro_p, macro_r),
            micro_p: precision(tp, fp),
        }
    }
}

enum Summary {
    Label {
        p: f64,
        r: f64,
        f: f64,
    },
    Averages {
        macro_p: f64,
        macro_r: f64,
        macro_f: f64,
        micro_p: f64,
    },
}

impl Evaluator for PrecisionRecall {
    fn name(&self) -> &str {
        &self.base.name
    }
    fn input_layers(&self) -> &[String] {
        &self.base.inputs
    }
    fn start(&mut self) {
        self.base.start();
        self.stats.clear();
    }
    fn eval(&mut self, args: &[EvalArg]) -> Result<(), String> {
        let out = dense(&args[0], "output")?;
        let ids = labels(&args[1], out.rows, out.cols)?;
        if self.stats.len() != out.cols {
            self.stats = vec![Confusion::default(); out.cols];
        }
        let weights = args.get(2).map(|w| w.weights("weight")).transpose()?;
        for (r, &label) in ids.iter().enumerate() {
            let label = label as usize;
            let row = out.row(r);
            // The first maximum wins, as Paddle's strict `<` scan does.
            let mut best = 0;
            for (j, &x) in row.iter().enumerate().skip(1) {
                if row[best] < x {
                    best = j;
                }
            }
            let w = weights.as_ref().map_or(1.0, |w| w[r]);
            self.stats.iter_mut().for_each(|s| s.tn += w);
            if best == label {
                self.stats[best].tp += w;
                self.stats[best].tn -= w;
            } else {
                self.stats[label].fn_ += w;
                self.stats[best].fp += w;
                self.stats[best].tn -= w;
                self.stats[label].tn -= w;
            }
        }
        Ok(())
    }
    fn print(&self, out: &mut String) {
        let _ = write!(out, "positive_label={}", self.positive_label);
        match self.summary() {
            Summary::Label { p, r, f } => {
                let _ = write!(out, " precision={} recall={} F1-score={}", g(p), g(r), g(f));
            }
            Summary::Averages {
                macro_p,
                macro_r,
                macro_f,
                micro_p,
            } => {
                // Paddle prints the unused single-label fields uninitialized; paddlers
                // prints the macro values there. The missing space before "macro" is Paddle's.
                let _ = write!(
                    out,
                    " precision={} recall={} F1-score={}macro-average-precision={} \
                     macro-average-recall={} macro-average-F1-score={} \
                     micro-average-precision={}",
                    g(macro_p),
                    g(macro_r),
                    g(macro_f),
                    g(macro_p),
                    g(macro_r),
                    g(macro_f),
                    g(micro_p)
                );
            }
        }
    }
    fn value(&self) -> Option<f64> {
        Some(match self.summary() {
            Summary::Label { f, .. } => f,
            Summary::Averages { macro_f, .. } => macro_f,
        })
    }
}

/// `value_printer_evaluator`: logs each input layer's values.
struct ValuePrinter {
    base: Base,
}

impl Evaluator for ValuePrinter {
    fn name(&self) -> &str {
        &self.base.name
    }
    fn input_layers(&self) -> &[String] {
        &self.base.inputs
    }
    fn start(&mut self) {}
    fn eval(&mut self, args: &[EvalArg]) -> Result<(), String> {
        for (name, arg) in self.base.inputs.iter().zip(args) {
            let mut s = String::new();
            if let Some(v) = &arg.value {
                let _ = writeln!(s, "layer={name} value:");
                for r in 0..v.rows {
                    for &x in v.row(r) {
                        let _ = write!(s, "{} ", g(f64::from(x)));
                    }
                    s.push('\n');
                }
            }
            if let Some(ids) = &arg.ids {
                let _ = writeln!(s, "layer={name} id:");
                for id in ids {
                    let _ = write!(s, "{id} ");
                }
                s.push('\n');
            }
            if let Some(starts) = &arg.seq_starts {
                let _ = writeln!(s, "layer={name} sequence pos:");
                for p in starts {
                    let _ = write!(s, "{p} ");
                }
                s.push('\n');
            }
            tracing::info!("{}", s.trim_end());
        }
        Ok(())
    }
    fn print(&self, _: &mut String) {}
    fn value(&self) -> Option<f64> {
        None
    }
}

/// `maxid_printer_evaluator`: logs the `num_results` largest ids and values of each row.
struct MaxIdPrinter {
    base: Base,
    num_results: usize,
}

impl Evaluator for MaxIdPrinter {
    fn name(&self) -> &str {
        &self.base.name
    }
    fn input_layers(&self) -> &[String] {
        &self.base.inputs
    }
    fn start(&mut self) {}
    fn eval(&mut self, args: &[EvalArg]) -> Result<(), String> {
        for (name, arg) in self.base.inputs.iter().zip(args) {
            let Some(v) = &arg.value else { continue };
            let mut s = format!("layer={name} row max id vector:\n");
            for r in 0..v.rows {
                for j in top_k(v.row(r), self.num_results) {
                    let _ = write!(s, "{j} : {}, ", g(f64::from(v.row(r)[j])));
                }
                s.push('\n');
            }
            tracing::info!("{}", s.trim_end());
        }
        Ok(())
    }
    fn print(&self, _: &mut String) {}
    fn value(&self) -> Option<f64> {
        None
    }
}

/// `classification_error_printer_evaluator`: logs the per-row errors.
struct ClassificationErrorPrinter {
    inner: ClassificationError,
}

impl Evaluator for ClassificationErrorPrinter {
    fn name(&self) -> &str {
        &self.inner.base.name
    }
    fn input_layers(&self) -> &[String] {
        &self.inner.base.inputs
    }
    fn start(&mut self) {}
    fn eval(&mut self, args: &[EvalArg]) -> Result<(), String> {
        let err = self.inner.errors(args)?;
        let rows: Vec<String> = err.iter().map(|e| g(*e)).collect();
        tracing::info!(
            "Printer={} Classification Error:\n{}",
            self.inner.base.name,
            rows.join(" \n")
        );
        Ok(())
    }
    fn print(&self, _: &mut String) {}
    fn value(&self) -> Option<f64> {
        None
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use paddlers_graph::Real;

    pub(super) fn cfg(name: &str, ty: &str, inputs: &[&str]) -> EvaluatorConfig {
        EvaluatorConfig {
            name: name.into(),
            r#type: ty.into(),
            input_layers: inputs.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    pub(super) fn out(rows: &[&[f32]]) -> EvalArg {
        EvalArg {
            value: Some(Dense {
                rows: rows.len(),
                cols: rows[0].len(),
                data: rows.concat(),
            }),
            ..Default::default()
        }
    }

    pub(super) fn ids(v: &[i64]) -> EvalArg {
        EvalArg {
            ids: Some(v.to_vec()),
            ..Default::default()
        }
    }

    pub(super) fn run(c: EvaluatorConfig, batches: &[Vec<EvalArg>]) -> (String, Option<f64>) {
        let mut e = Evaluators::from_configs(&[c]).unwrap();
        e.start();
        for b in batches {
            let names = e.input_layers();
            e.eval(&|n| names.iter().position(|x| x == n).map(|i| b[i].clone()))
                .unwrap();
        }
        e.finish();
        let v = e.values().first().map(|x| x.1);
        (e.to_paddle_string(), v)
    }

    #[test]
    fn classification_error_over_batches() {
        let probs = out(&[&[0.1, 0.7, 0.2], &[0.5, 0.3, 0.2], &[0.2, 0.2, 0.6]]);
        let c = cfg(
            "classification_error_evaluator",
            "classification_error",
            &["out", "label"],
        );
        // batch 1: argmax 1, 0, 2 vs labels 1, 2, 2: one error. batch 2: labels 0, 0, 0: two.
        let (s, v) = run(
            c,
            &[
                vec![probs.clone(), ids(&[1, 2, 2])],
                vec![probs, ids(&[0, 0, 0])],
            ],
        );
        assert_eq!(s, "classification_error_evaluator=0.5 ");
        assert_eq!(v, Some(0.5));
    }

    #[test]
    fn top_k_error_prints_paddles_way() {
        let probs = out(&[&[0.1, 0.7, 0.2], &[0.5, 0.3, 0.2]]);
        let mut c = cfg("e", "classification_error", &["out", "label"]);
        c.top_k = Some(2);
        // Row 0 top-2 = {1, 2}: label 0 misses. Row 1 top-2 = {0, 1}: label 1 hits.
        let (s, _) = run(c, &[vec![probs, ids(&[0, 1])]]);
        assert_eq!(s, " top_2_error=0.5 ");
    }

    #[test]
    fn weighted_classification_error() {
        let probs = out(&[&[0.9, 0.1], &[0.9, 0.1]]);
        let w = out(&[&[3.0], &[1.0]]);
        let c = cfg("e", "classification_error", &["out", "label", "w"]);
        // Only row 1 is wrong: error 1 * 1 over weight 4.
        let (s, _) = run(c, &[vec![probs, ids(&[0, 1]), w]]);
        assert_eq!(s, "e=0.25 ");
    }

    #[test]
    fn labels_out_of_range_are_errors() {
        let mut e =
            Evaluators::from_configs(&[cfg("e", "classification_error", &["o", "l"])]).unwrap();
        e.start();
        let err = e
            .eval(&|n| {
                Some(if n == "o" {
                    out(&[&[0.5, 0.5]])
                } else {
                    ids(&[7])
                })
            })
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("evaluator e: label 7 is outside [0, 2)"),
            "{err}"
        );
    }

    #[test]
    fn sum_and_last_column_sum() {
        let v = out(&[&[1.0, 2.0], &[3.0, 4.0]]);
        let (s, _) = run(cfg("s", "sum", &["o"]), &[vec![v.clone()]]);
        assert_eq!(s, "s=5 "); // (1 + 2 + 3 + 4) / 2 samples
        let (s, _) = run(cfg("c", "last-column-sum", &["o"]), &[vec![v]]);
        assert_eq!(s, "c=3 "); // (2 + 4) / 2
        let (s, _) = run(cfg("s", "sum", &["l"]), &[vec![ids(&[1, 0, 1, 1])]]);
        assert_eq!(s, "s=0.75 ");
    }

    #[test]
    fn auc_of_a_perfect_and_a_reversed_ranking() {
        let p = out(&[&[0.1, 0.9], &[0.8, 0.2], &[0.3, 0.7], &[0.6, 0.4]]);
        let (s, v) = run(
            cfg("auc", "last-column-auc", &["o", "l"]),
            &[vec![p.clone(), ids(&[1, 0, 1, 0])]],
        );
        assert_eq!(s, "auc=1 ");
        assert_eq!(v, Some(1.0));
        let (_, v) = run(
            cfg("auc", "last-column-auc", &["o", "l"]),
            &[vec![p.clone(), ids(&[0, 1, 0, 1])]],
        );
        assert_eq!(v, Some(0.0));
        // Positives at 0.9 and 0.4, negatives at 0.7 and 0.2: 3 of 4 pairs ordered.
        let (_, v) = run(
            cfg("auc", "last-column-auc", &["o", "l"]),
            &[vec![p, ids(&[1, 0, 0, 1])]],
        );
        assert_eq!(v, Some(0.75));
    }

    #[test]
    fn precision_recall_for_one_label_and_averaged() {
        let p = out(&[&[0.9, 0.1], &[0.8, 0.2], &[0.3, 0.7], &[0.4, 0.6]]);
        let l = ids(&[0, 1, 1, 1]);
        let mut c = cfg("pr", "precision_recall", &["o", "l"]);
        c.positive_label = Some(1);
        // label 1: TP 2, FP 0, FN 1 -> precision 1, recall 2/3, F1 0.8
        let (s, v) = run(c, &[vec![p.clone(), l.clone()]]);
        assert_eq!(
            s,
            "positive_label=1 precision=1 recall=0.666667 F1-score=0.8 "
        );
        assert!((v.unwrap() - 0.8).abs() < 1e-12);
        let c = cfg("pr", "precision_recall", &["o", "l"]);
        let (s, _) = run(c, &[vec![p, l]]);
        // label 0: precision 1/2, recall 1; label 1: 1, 2/3. Macro P 0.75, R 0.833333.
        assert!(
            s.starts_with("positive_label=-1 precision=0.75 recall=0.833333"),
            "{s}"
        );
        assert!(s.contains("micro-average-precision=0.75 "), "{s}");
    }

    #[test]
    fn unknown_types_and_bad_arity_are_config_errors() {
        let e = Evaluators::from_configs(&[cfg("c", "no_such_evaluator", &["a", "b"])])
            .err()
            .unwrap();
        assert!(e.to_string().contains("type 'no_such_evaluator'"), "{e}");
        let e = Evaluators::from_configs(&[cfg("c", "chunk", &["a", "b"])])
            .err()
            .unwrap();
        assert!(e.to_string().contains("chunk_scheme ''"), "{e}");
        let mut c = cfg("c", "chunk", &["a", "b"]);
        c.chunk_scheme = Some("IOB".into());
        let e = Evaluators::from_configs(&[c]).err().unwrap();
        assert!(e.to_string().contains("no num_chunk_types"), "{e}");
        let mut c = cfg("d", "detection_map", &["a", "b"]);
        c.ap_type = Some("VOC2012".into());
        let e = Evaluators::from_configs(&[c]).err().unwrap();
        assert!(e.to_string().contains("ap_type 'VOC2012'"), "{e}");
        let e = Evaluators::from_configs(&[cfg("c", "classification_error", &["a"])])
            .err()
            .unwrap();
        assert!(
            e.to_string().contains("takes 2 to 3 input layers, not 1"),
            "{e}"
        );
        let mut c = cfg("t", "classification_error", &["a", "b"]);
        c.classification_threshold = Some(Real::Float(0.3));
        assert!(Evaluators::from_configs(&[c]).is_ok());
    }
}
