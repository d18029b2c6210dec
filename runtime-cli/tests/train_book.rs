//! The book's chapters (models/book/<chapter>/) train from their unchanged configs on the
//! synthetic data their make_data.py writes, through the chapters' Rust providers.
//!
//! Each test makes the data in a temporary folder and trains from there, since the configs
//! name `data/...` relative to the working directory, as Paddle did; providers.toml is found
//! beside the config. The thresholds compare with what no learning gives: a constant
//! predictor's cost, or chance.

mod train_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use train_support::*;

fn chapter(name: &str) -> PathBuf {
    repo_root().join("models/book").join(name)
}

/// Runs the chapter's make_data.py in `dir` with `args`.
fn make_data(name: &str, dir: &Path, args: &[&str]) {
    let out = Command::new("python3")
        .arg(chapter(name).join("make_data.py"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("python3 runs (make_data.py needs only the standard library)");
    assert!(
        out.status.success(),
        "make_data.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Trains `config` of chapter `name` from `dir`; returns the log.
fn train_chapter(name: &str, config: &str, dir: &Path, extra: &[&str]) -> String {
    let config = format!("--config={}", chapter(name).join(config).display());
    let save = format!("--save_dir={}", dir.join("output").display());
    let mut c = Command::new(env!("CARGO_BIN_EXE_paddlers-runtime"));
    // One OpenMP thread: these models run many small operations, and on a shared machine
    // libtorch's OpenMP workers spent most of the CPU spinning between them (measured on the
    // SRL chapter: 7.1 CPU-seconds with the default threads, 1.9 with one).
    c.env("OMP_NUM_THREADS", "1")
        .current_dir(dir)
        .args([
            "train",
            config.as_str(),
            save.as_str(),
            "--log_period=100000",
        ])
        .args(extra);
    let out = c.output().expect("paddlers-runtime starts");
    let log = strip_ansi(&String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "training failed:\n{log}");
    log
}

fn last_test_line(log: &str) -> &str {
    lines_with(log, " Test samples=")
        .last()
        .copied()
        .unwrap_or_else(|| panic!("no Test line in:\n{log}"))
}

/// A .npy of float64 rows, as make_data.py writes it: the last column of each row.
fn npy_last_column(path: &Path) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap();
    let arr = paddlers_providers::numpy::parse_npy(&bytes).unwrap();
    let cols = arr.shape[1];
    arr.to_f32_c_order()
        .chunks_exact(cols)
        .map(|r| r[cols - 1] as f64)
        .collect()
}

#[test]
fn fit_a_line_predicts_far_better_than_the_mean_price() {
    let dir = tempfile::tempdir().unwrap();
    make_data("fit_a_line", dir.path(), &["--rows", "1500"]);
    let log = train_chapter(
        "fit_a_line",
        "trainer_config.py",
        dir.path(),
        &["--num_passes=6"],
    );
    // The best constant predictor (the training mean) scores the test set's spread around it;
    // the cost is the squared error summed over a sample's one output.
    let train_y = npy_last_column(&dir.path().join("data/housing.train.npy"));
    let test_y = npy_last_column(&dir.path().join("data/housing.test.npy"));
    let mean = train_y.iter().sum::<f64>() / train_y.len() as f64;
    let constant = test_y.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / test_y.len() as f64;
    let cost = field(last_test_line(&log), "cost");
    assert!(
        cost < 0.25 * constant,
        "test cost {cost} is not well below the constant predictor's {constant}:\n{log}"
    );
}

#[test]
fn recognize_digits_beats_chance_by_far() {
    let dir = tempfile::tempdir().unwrap();
    make_data("recognize_digits", dir.path(), &[]);
    let log = train_chapter(
        "recognize_digits",
        "mnist_model.py",
        dir.path(),
        &["--num_passes=3"],
    );
    // Chance is an error of 0.9 over ten classes.
    let err = field(last_test_line(&log), "classification_error_evaluator");
    assert!(err < 0.3, "test error {err}:\n{log}");
}

#[test]
fn word2vec_writes_its_dictionary_and_trains() {
    let dir = tempfile::tempdir().unwrap();
    make_data(
        "word2vec",
        dir.path(),
        &["--sentences", "120", "--words", "10"],
    );
    let log = train_chapter("word2vec", "ngram.py", dir.path(), &["--num_passes=1"]);
    // Ten words (with '<unk>') and <s>, <e>, each seen more than 50 times.
    let dict = std::fs::read_to_string(dir.path().join("data/vocabulary.txt")).unwrap();
    assert_eq!(dict.lines().count(), 12, "{dict}");
    assert!(dict.lines().any(|w| w == "<unk>"), "{dict}");
    assert!(!lines_with(&log, "Dictionary size=12").is_empty(), "{log}");
    let cost = field(last_test_line(&log), "cost");
    assert!(cost.is_finite() && cost > 0.0, "{log}");
}

#[test]
fn recommender_system_reads_its_pickled_meta_and_trains() {
    let dir = tempfile::tempdir().unwrap();
    make_data(
        "recommender_system",
        dir.path(),
        &["--ratings", "300", "--users", "30", "--movies", "20"],
    );
    let log = train_chapter(
        "recommender_system",
        "trainer_config.py",
        dir.path(),
        &["--num_passes=1"],
    );
    let pass = lines_with(&log, " Pass=0 ");
    assert_eq!(pass.len(), 1, "{log}");
    // A tenth of each user's ratings is held out, as split.py does.
    let test_lines = std::fs::read_to_string(dir.path().join("data/ratings.dat.test"))
        .unwrap()
        .lines()
        .count();
    let test = last_test_line(&log);
    assert_eq!(field(test, "samples") as usize, test_lines, "{log}");
    assert!(field(test, "cost").is_finite(), "{log}");
}

#[test]
fn label_semantic_roles_trains_its_stacked_lstms_and_crf() {
    let dir = tempfile::tempdir().unwrap();
    make_data(
        "label_semantic_roles",
        dir.path(),
        &["--train", "3", "--test", "2"],
    );
    let log = train_chapter(
        "label_semantic_roles",
        "db_lstm.py",
        dir.path(),
        &["--num_passes=1"],
    );
    // batch_size=1: one sentence a batch. The sum evaluator prints crf_decoding's wrong tags
    // per sentence (Paddle divides the sum by the samples), at most the test set's words.
    let pass = lines_with(&log, " Pass=0 Batch=3 samples=3 ");
    assert_eq!(pass.len(), 1, "{log}");
    let words: usize = std::fs::read_to_string(dir.path().join("data/test_feature"))
        .unwrap()
        .lines()
        .map(|l| l.split('\t').next().unwrap().split_whitespace().count())
        .sum();
    let test = last_test_line(&log);
    assert_eq!(field(test, "samples"), 2.0, "{log}");
    let wrong = field(test, "__sum_evaluator_0__");
    assert!(
        (0.0..=words as f64).contains(&wrong),
        "{wrong} wrong tags of {words}: {log}"
    );
}
