//! Resuming: 2 passes in one run give the same parameters as 1 pass plus `--start_pass=1`
//! (CPU, fixed seed), with the optimizer state and the data order restored.

mod train_support;

use train_support::*;

#[test]
fn two_passes_equal_one_pass_plus_a_resumed_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (straight, resumed) = (dir.path().join("straight"), dir.path().join("resumed"));
    let common = [
        "--config_args=batch_size=100",
        "--log_period=100",
        "--seed=7",
    ];
    let mut two = vec!["--num_passes=2", "--save_only_one"];
    two.extend_from_slice(&common);
    let straight_log = train(&straight, &two);
    // --save_only_one: pass 0 was deleted once pass 1 was saved.
    assert!(!straight.join("pass-00000").exists());
    assert!(straight_log.contains("delete dir"), "{straight_log}");

    let mut one = vec!["--num_passes=1"];
    one.extend_from_slice(&common);
    train(&resumed, &one);
    let mut rest = vec!["--num_passes=2", "--start_pass=1"];
    rest.extend_from_slice(&common);
    let resumed_log = train(&resumed, &rest);
    assert!(resumed_log.contains("resuming at pass 1"), "{resumed_log}");
    assert!(
        lines_with(&resumed_log, " Pass=0").is_empty(),
        "{resumed_log}"
    );

    let diff = max_param_diff(&straight.join("pass-00001"), &resumed.join("pass-00001"));
    assert!(diff < 1e-6, "parameters differ by {diff} (relative)");
    // The same batches in the same order: the same pass cost and test result.
    assert_eq!(
        lines_with(&straight_log, " Pass=1 "),
        lines_with(&resumed_log, " Pass=1 ")
    );
    assert_eq!(
        lines_with(&straight_log, " Test ")[1],
        lines_with(&resumed_log, " Test ")[0]
    );
    // The optimizer state saved with the pass carries the schedule's sample count.
    let state =
        std::fs::read_to_string(resumed.join("pass-00001/optimizer_state/state.json")).unwrap();
    assert!(state.contains("\"num_samples_processed\": 2000"), "{state}");
    // metrics.csv keeps the first run's pass 0.
    let csv = std::fs::read_to_string(resumed.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
}

#[test]
fn resuming_from_a_missing_pass_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!("--config={CONFIG}");
    let save = format!("--save_dir={}", dir.path().display());
    let (ok, log) = run(&["train", config.as_str(), save.as_str(), "--start_pass=3"]);
    assert!(!ok);
    assert!(
        log.contains("pass-00002: cannot resume at --start_pass=3"),
        "{log}"
    );
}

#[test]
fn a_pass_without_optimizer_state_resumes_as_paddle_would() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("out");
    let flags = ["--config_args=batch_size=200", "--log_period=100"];
    let mut first = vec!["--num_passes=1"];
    first.extend_from_slice(&flags);
    train(&save, &first);
    // As if Paddle had saved it: parameters only.
    std::fs::remove_dir_all(save.join("pass-00000/optimizer_state")).unwrap();
    let mut rest = vec!["--num_passes=2", "--start_pass=1"];
    rest.extend_from_slice(&flags);
    let log = train(&save, &rest);
    assert!(log.contains("has no optimizer_state"), "{log}");
    assert_eq!(lines_with(&log, " Pass=1 ").len(), 1, "{log}");
    assert!(save.join("pass-00001/done").is_file());
}

#[test]
fn model_average_resumes_exactly_and_saves_the_average() {
    let dir = tempfile::tempdir().unwrap();
    let (straight, resumed) = (dir.path().join("straight"), dir.path().join("resumed"));
    let common = [
        "--config_args=batch_size=200,average=0.5",
        "--log_period=100",
    ];
    let mut two = vec!["--num_passes=2"];
    two.extend_from_slice(&common);
    train(&straight, &two);
    let mut one = vec!["--num_passes=1"];
    one.extend_from_slice(&common);
    train(&resumed, &one);
    let mut rest = vec!["--num_passes=2", "--start_pass=1"];
    rest.extend_from_slice(&common);
    train(&resumed, &rest);
    let diff = max_param_diff(&straight.join("pass-00001"), &resumed.join("pass-00001"));
    assert!(diff < 1e-6, "parameters differ by {diff} (relative)");
    // The saved values are the window's average, not the last trained values: the sums are
    // kept beside them and their mean is what was saved.
    let state = straight.join("pass-00001/optimizer_state");
    let saved = read_param(&straight.join("pass-00001/___fc_layer_0__.wbias"));
    let sum: Vec<f32> = ["average_sum1", "average_sum2", "average_sum3"]
        .iter()
        .map(|b| read_param(&state.join(format!("___fc_layer_0__.wbias.{b}"))))
        .fold(vec![0.0; saved.len()], |acc, v| {
            acc.iter().zip(&v).map(|(a, b)| a + b).collect()
        });
    let text = std::fs::read_to_string(state.join("state.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let avg = &json["counters"]["average"];
    let n = (avg["num_accumulates"].as_i64().unwrap()
        + avg["old_num_accumulates"].as_i64().unwrap()) as f32;
    for (s, v) in sum.iter().zip(&saved) {
        assert!(
            (s / n - v).abs() <= 1e-5 * v.abs().max(1.0),
            "{s} / {n} vs {v}"
        );
    }
}
