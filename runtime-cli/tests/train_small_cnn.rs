//! A small CNN trains for 2 passes on the embedded CIFAR-10 sample: Paddle's log lines, a test
//! error well below chance, checkpoints in Paddle's format that load back, metrics.csv and
//! curves.png.

mod train_support;

use train_support::*;

#[test]
fn two_passes_log_like_paddle_learn_and_load_back() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("out");
    let log = train(
        &save,
        &[
            "--num_passes=2",
            "--log_period=10",
            "--dot_period=2",
            "--show_parameter_stats_period=20",
        ],
    );

    let num = r"-?[0-9.]+(e[-+][0-9]+)?";
    let eval = format!(r"classification_error_evaluator={num} ");
    let batch = regex(&format!(
        r"^ Batch=[0-9]+ samples=[0-9]+ AvgCost={num} CurrentCost={num} Eval: {eval} CurrentEval: {eval}$"
    ));
    let pass = regex(&format!(
        r"^ Pass=[0-9]+ Batch=[0-9]+ samples=[0-9]+ AvgCost={num} Eval: {eval}$"
    ));
    let test = regex(&format!(r"^ Test samples=[0-9]+ cost={num} Eval: {eval}$"));

    // 1000 images in batches of 50: Batch=10 and Batch=20 in each pass.
    let batches = lines_with(&log, " Batch=");
    assert_eq!(batches.len(), 4, "{log}");
    for l in &batches {
        assert_matches(&batch, l);
    }
    assert_eq!(field(batches[1], "samples"), 1000.0);
    let passes = lines_with(&log, " Pass=");
    assert_eq!(passes.len(), 2, "{log}");
    for (i, l) in passes.iter().enumerate() {
        assert_matches(&pass, l);
        assert!(
            l.starts_with(&format!(" Pass={i} Batch=20 samples=1000 ")),
            "{l}"
        );
    }
    let tests = lines_with(&log, " Test samples=");
    assert_eq!(tests.len(), 2, "{log}");
    for l in &tests {
        assert_matches(&test, l);
        assert_eq!(field(l, "samples"), 200.0);
    }
    // Parameter statistics at batch 20 of each pass, in Paddle's padded columns.
    let param_stats = lines_with(&log, "___conv_0__.w0 ");
    assert_eq!(param_stats.len(), 2, "{log}");
    assert_matches(
        &regex(&format!(
            r"^___conv_0__\.w0 +avg_abs_val={num} +max_val={num} +avg_abs_grad={num} +max_grad={num} *$"
        )),
        param_stats[0],
    );
    // Dots every 2 batches between Batch lines: 4 per row (batches 2, 4, 6, 8).
    assert!(log.contains("....\n"), "{log}");

    // Learned: chance is 0.9 on ten classes.
    let final_error = field(tests[1], "classification_error_evaluator");
    assert!(
        final_error < 0.8,
        "test error {final_error} after 2 passes:\n{log}"
    );
    assert!(
        field(passes[1], "AvgCost") < field(passes[0], "AvgCost"),
        "{log}"
    );

    // Checkpoints: every parameter, in Paddle's format, plus done and the config.
    for p in ["pass-00000", "pass-00001"] {
        let d = save.join(p);
        assert!(d.join("done").is_file(), "{p}");
        assert!(d.join("small_cnn.cfg").is_file(), "{p}");
        assert_eq!(
            std::fs::read_to_string(d.join("path.txt")).unwrap(),
            "small_cnn.cfg"
        );
    }
    let names = param_files(&save.join("pass-00001"));
    for expected in [
        "___conv_0__.w0",
        "___batch_norm_0__.w0",
        "___batch_norm_0__.w1",
        "___batch_norm_0__.w2",
        "___fc_layer_0__.w0",
        "___fc_layer_0__.wbias",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not in {names:?}"
        );
    }
    // conv 5x5, 3 -> 16 channels.
    assert_eq!(
        read_param(&save.join("pass-00001/___conv_0__.w0")).len(),
        5 * 5 * 3 * 16
    );

    // The saved model tests to the same error (the `test` job prints Tester's Pass line).
    let init = format!("--init_model_path={}", save.join("pass-00001").display());
    let config = format!("--config={CONFIG}");
    let (ok, test_log) = run(&["test", config.as_str(), init.as_str()]);
    assert!(ok, "{test_log}");
    let tested = lines_with(&test_log, " Pass=0 samples=");
    assert_eq!(tested.len(), 1, "{test_log}");
    assert_matches(
        &regex(&format!(
            r"^ Pass=0 samples=200 AvgCost={num} Eval: {eval}$"
        )),
        tested[0],
    );
    assert_eq!(
        field(tested[0], "classification_error_evaluator"),
        final_error,
        "{test_log}"
    );
    assert_eq!(field(tested[0], "AvgCost"), field(tests[1], "cost"));

    // Without --init_model_path, --job=test tests every saved pass below --num_passes.
    let save_flag = format!("--save_dir={}", save.display());
    let (ok, all_log) = run(&[
        "train",
        config.as_str(),
        save_flag.as_str(),
        "--job=test",
        "--num_passes=2",
    ]);
    assert!(ok, "{all_log}");
    let passes_tested: Vec<f64> = lines_with(&all_log, " Pass=")
        .iter()
        .map(|l| field(l, "Pass"))
        .collect();
    assert_eq!(passes_tested, vec![0.0, 1.0], "{all_log}");

    // What Paddle lacked: metrics.csv and curves.png.
    let csv = std::fs::read_to_string(save.join("metrics.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(
        rows[0].starts_with("pass,train_samples,train_cost,"),
        "{csv}"
    );
    assert!(rows[2].starts_with("1,1000,"), "{csv}");
    let png = std::fs::read(save.join("curves.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn a_missing_or_missized_parameter_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("out");
    train(
        &save,
        &[
            "--num_passes=1",
            "--config_args=batch_size=200",
            "--log_period=100",
        ],
    );
    let pass = save.join("pass-00000");
    let config = format!("--config={CONFIG}");
    let init = format!("--init_model_path={}", pass.display());

    std::fs::remove_file(pass.join("___fc_layer_0__.wbias")).unwrap();
    let (ok, log) = run(&["test", config.as_str(), init.as_str()]);
    assert!(!ok);
    assert!(
        log.contains("pass-00000/___fc_layer_0__.wbias: missing parameter file"),
        "{log}"
    );

    // A parameter file of the wrong size: a conv weight written with 3 values.
    let mut bytes = vec![0u8, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0];
    bytes.extend_from_slice(&[0u8; 12]);
    std::fs::write(pass.join("___fc_layer_0__.wbias"), &bytes).unwrap();
    let (ok, log) = run(&["test", config.as_str(), init.as_str()]);
    assert!(!ok);
    assert!(
        log.contains(
            "___fc_layer_0__.wbias: holds 3 values, but the model's parameter has size 10"
        ),
        "{log}"
    );
}

#[test]
fn bad_flag_values_are_errors() {
    let config = format!("--config={CONFIG}");
    let (ok, log) = run(&["train", config.as_str(), "--log_period=0"]);
    assert!(!ok);
    assert!(log.contains("--log_period=0: must be at least 1"), "{log}");
    let (ok, log) = run(&["train", config.as_str(), "--num_passes=two"]);
    assert!(!ok);
    assert!(log.contains("--num_passes"), "{log}");
    let (ok, log) = run(&["train", config.as_str(), "--no_such_flag=1"]);
    assert!(!ok);
    assert!(log.contains("no_such_flag"), "{log}");
    let (ok, log) = run(&["train", "--config=runtime-cli/tests/fixtures/nope.cfg"]);
    assert!(!ok);
    assert!(log.contains("nope.cfg: no such file"), "{log}");
}
