//! `--trainer_count=2` splits each batch between two network copies (threads on CPU) and sums
//! their gradients: the parameters match `--trainer_count=1` on the same batches.

mod train_support;

use train_support::*;

#[test]
fn two_trainers_reach_the_parameters_of_one() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    // Without batch norm: its batch statistics would differ between half and whole batches.
    let common = [
        "--num_passes=1",
        "--config_args=batch_size=100,batch_norm=0,lr=0.0005",
        "--log_period=100",
    ];
    let mut a = vec!["--trainer_count=1"];
    a.extend_from_slice(&common);
    let log_one = train(&one, &a);
    // Also --test_period: testing between batches changes nothing in training.
    let mut b = vec!["--trainer_count=2", "--test_period=4"];
    b.extend_from_slice(&common);
    let log_two = train(&two, &b);

    let diff = max_param_diff(&one.join("pass-00000"), &two.join("pass-00000"));
    assert!(diff < 1e-4, "parameters differ by {diff} (relative)");
    let pass_one = lines_with(&log_one, " Pass=0 ");
    let pass_two = lines_with(&log_two, " Pass=0 ");
    assert_eq!(pass_one.len(), 1);
    let (c1, c2) = (field(pass_one[0], "AvgCost"), field(pass_two[0], "AvgCost"));
    assert!((c1 - c2).abs() < 1e-3 * c1.abs(), "{c1} vs {c2}");
    assert_eq!(
        field(pass_one[0], "classification_error_evaluator"),
        field(pass_two[0], "classification_error_evaluator")
    );
    // Tests after batches 4 and 8 and after the pass (10 batches of 100).
    assert_eq!(lines_with(&log_two, " Test ").len(), 3, "{log_two}");
    assert_eq!(lines_with(&log_one, " Test ").len(), 1, "{log_one}");
    // Both learned, so the comparison is not between two untrained models (ln 10 = 2.3026).
    for log in [&log_one, &log_two] {
        let test = lines_with(log, " Test ");
        assert!(field(test[test.len() - 1], "cost") < 2.295, "{log}");
    }
}
