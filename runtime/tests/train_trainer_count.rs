//! `--trainer_count=2` splits each batch between two network copies (threads on CPU) and sums
//! their gradients: one step of two trainers is the step of one.

mod train_support;

use train_support::*;

/// One batch of the whole sample (1,000 images): trainer_count=2 computes its gradient as two
/// halves of 500 and sums them. The claim is about one step, so it is checked after one step,
/// on the update itself (parameters after minus parameters before).
///
/// Tolerance 1e-2 of the largest update. The two runs sum the same float32 terms in other
/// orders, and the CPU's kernels choose the orders: measured 1.4e-6 on AVX-512 paths and on
/// ATen's default path, 1.2e-4 with ATen, oneDNN and MKL all on their AVX2 paths (as on an AMD
/// EPYC; `scripts/test_isa.sh`). A gradient that misses one replica's half is off by 0.5, one
/// counted twice by 1.0 (measured: 4.9 with the replicas' sum removed), so the bound keeps
/// two orders of magnitude on either side.
#[test]
fn one_step_of_two_trainers_is_the_step_of_one() {
    let dir = tempfile::tempdir().unwrap();
    let (init, one, two) = (
        dir.path().join("init"),
        dir.path().join("one"),
        dir.path().join("two"),
    );
    // Without batch norm (its batch statistics differ between half and whole batches) and
    // without L2 decay, which both runs would add identically and so mask a gradient bug.
    let args = |lr: &str| format!("--config_args=batch_size=1000,batch_norm=0,l2=0,lr={lr}");
    let frozen = args("0");
    let step = args("0.01");
    // learning_rate=0 saves the initial parameters (they are seeded per name, as Paddle's).
    train(&init, &["--num_passes=1", "--trainer_count=1", &frozen]);
    train(&one, &["--num_passes=1", "--trainer_count=1", &step]);
    train(&two, &["--num_passes=1", "--trainer_count=2", &step]);

    let (init, one, two) = (
        init.join("pass-00000"),
        one.join("pass-00000"),
        two.join("pass-00000"),
    );
    let (diff, moved) = max_update_diff(&init, &one, &two);
    eprintln!("largest update {moved:e}; updates differ by {diff:e} of it");
    assert!(
        moved > 1e-6,
        "the step moved no parameter (largest update {moved})"
    );
    assert!(
        diff < 1e-2,
        "one- and two-trainer updates differ by {diff} of the update"
    );
}

/// Ten batches with testing in between: both runs learn and log the same pass. After ten
/// momentum steps, per-step float32 reordering (which differs from CPU to CPU) has grown, so
/// the pass's figures are compared with a tolerance for that: AvgCost within 1%, the training
/// error within two samples of the thousand. The exactness of one step is the test above.
#[test]
fn two_trainers_log_the_pass_of_one() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
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

    let pass_one = lines_with(&log_one, " Pass=0 ");
    let pass_two = lines_with(&log_two, " Pass=0 ");
    assert_eq!(pass_one.len(), 1);
    assert_eq!(pass_two.len(), 1);
    let (c1, c2) = (field(pass_one[0], "AvgCost"), field(pass_two[0], "AvgCost"));
    eprintln!("AvgCost {c1} and {c2}");
    assert!((c1 - c2).abs() < 1e-2 * c1.abs(), "{c1} vs {c2}");
    let key = "classification_error_evaluator";
    let (e1, e2) = (field(pass_one[0], key), field(pass_two[0], key));
    assert!((e1 - e2).abs() <= 0.002 + 1e-9, "{e1} vs {e2}");
    // Tests after batches 4 and 8 and after the pass (10 batches of 100).
    assert_eq!(lines_with(&log_two, " Test ").len(), 3, "{log_two}");
    assert_eq!(lines_with(&log_one, " Test ").len(), 1, "{log_one}");
    // Both learned, so the comparison is not between two untrained models (ln 10 = 2.3026).
    for log in [&log_one, &log_two] {
        let test = lines_with(log, " Test ");
        assert!(field(test[test.len() - 1], "cost") < 2.295, "{log}");
    }
}
