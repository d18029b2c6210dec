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
    let mut two = vec!["--num_passes=2"];
    two.extend_from_slice(&common);
    let straight_log = train(&straight, &two);

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
