//! sequence layers: pooling over sequence starts, expand, seqconcat, seqreshape, row_conv, kmax_seq_score.

use crate::support::*;

#[test]
fn sequence_pooling_follows_sequence_starts() {
    let layer = |name: &str, ty: &str, extra: &str| {
        format!(
            r#"layers {{ name: "{name}" type: "{ty}" size: 2 inputs {{ input_layer_name: "x" }} {extra} }}"#
        )
    };
    let text = [
        r#"layers { name: "x" type: "data" size: 2 }"#.to_string(),
        layer("max", "max", r#"trans_type: "non-seq" seq_pool_stride: -1"#),
        layer(
            "avg",
            "average",
            r#"average_strategy: "average" trans_type: "non-seq""#,
        ),
        layer(
            "sum",
            "average",
            r#"average_strategy: "sum" trans_type: "non-seq""#,
        ),
        layer(
            "sqrtn",
            "average",
            r#"average_strategy: "squarerootn" trans_type: "non-seq""#,
        ),
        layer("last", "seqlastins", r#"trans_type: "non-seq""#),
        layer(
            "first",
            "seqlastins",
            r#"select_first: true trans_type: "non-seq""#,
        ),
        layer("win", "max", r#"trans_type: "non-seq" seq_pool_stride: 2"#),
        layer(
            "nest",
            "average",
            r#"average_strategy: "sum" trans_type: "seq""#,
        ),
        r#"output_layer_names: "max""#.to_string(),
    ]
    .join("\n");
    let n = net(&text);
    // Two sequences: rows 0..3 and 3..4; sub-sequences 0..2, 2..3, 3..4.
    let mut x = dense(4, &[1.0, -1.0, 3.0, 0.0, 2.0, 5.0, 4.0, 4.0]);
    x.seq_starts = Some(vec![0, 3, 4]);
    x.subseq_starts = Some(vec![0, 2, 3, 4]);
    let fwd = n.forward(&feed(vec![("x", x)]), Mode::Test).unwrap();
    let get = |l: &str| values(fwd.output(l).unwrap().value.as_ref().unwrap());
    assert_close(&get("max"), &[3.0, 5.0, 4.0, 4.0], 0.0);
    assert_close(&get("avg"), &[2.0, 4.0 / 3.0, 4.0, 4.0], 1e-12);
    assert_close(&get("sum"), &[6.0, 4.0, 4.0, 4.0], 0.0);
    let r3 = 3f64.sqrt();
    assert_close(&get("sqrtn"), &[6.0 / r3, 4.0 / r3, 4.0, 4.0], 1e-12);
    assert_close(&get("last"), &[2.0, 5.0, 4.0, 4.0], 0.0);
    assert_close(&get("first"), &[1.0, -1.0, 4.0, 4.0], 0.0);
    // windows of 2 steps: [0,2), [2,3) in the first sequence, [3,4) in the second
    assert_close(&get("win"), &[3.0, 0.0, 2.0, 5.0, 4.0, 4.0], 0.0);
    assert_eq!(fwd.output("win").unwrap().seq_starts, Some(vec![0, 2, 3]));
    // nested: each sub-sequence summed; the first sequence holds two of them
    assert_close(&get("nest"), &[4.0, -1.0, 2.0, 5.0, 4.0, 4.0], 0.0);
    assert_eq!(fwd.output("nest").unwrap().seq_starts, Some(vec![0, 2, 3]));
    assert_eq!(fwd.output("max").unwrap().seq_starts, None);

    let err = n
        .forward(&feed(vec![("x", dense(1, &[1.0, 2.0]))]), Mode::Test)
        .err()
        .unwrap();
    assert!(err.to_string().contains("needs sequence input"), "{err}");
}

#[test]
fn expand_repeats_rows_over_sequences() {
    let text = r#"layers { name: "x" type: "data" size: 2 }
layers { name: "s" type: "data" size: 1 }
layers { name: "e" type: "expand" size: 2 inputs { input_layer_name: "x" }
  inputs { input_layer_name: "s" } trans_type: "non-seq" }
output_layer_names: "e""#;
    let mut s = dense(4, &[0.0; 4]);
    s.seq_starts = Some(vec![0, 3, 4]);
    let f = feed(vec![("x", dense(2, &[1.0, 2.0, 3.0, 4.0])), ("s", s)]);
    let fwd = net(text).forward(&f, Mode::Test).unwrap();
    let e = fwd.output("e").unwrap();
    assert_close(
        &values(e.value.as_ref().unwrap()),
        &[1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 3.0, 4.0],
        0.0,
    );
    assert_eq!(e.seq_starts, Some(vec![0, 3, 4]));
}

#[test]
fn seqconcat_seqreshape_and_row_conv_follow_sequences() {
    let text = r#"layers { name: "a" type: "data" size: 2 }
layers { name: "b" type: "data" size: 2 }
layers { name: "cat" type: "seqconcat" size: 2 inputs { input_layer_name: "a" } inputs { input_layer_name: "b" } }
layers { name: "re" type: "seqreshape" size: 1 inputs { input_layer_name: "a" } }
layers { name: "rc" type: "row_conv" size: 2 inputs { input_layer_name: "a" input_parameter_name: "w"
  row_conv_conf { context_length: 2 } } }
parameters { name: "w" size: 4 dims: 2 dims: 2 }
output_layer_names: "cat""#;
    let mut n = net(text);
    set(&mut n, "w", &[1.0, 2.0, 10.0, 100.0]);
    let mut a = dense(3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    a.seq_starts = Some(vec![0, 2, 3]);
    let mut b = dense(2, &[-1.0, -2.0, -3.0, -4.0]);
    b.seq_starts = Some(vec![0, 1, 2]);
    let fwd = n
        .forward(&feed(vec![("a", a), ("b", b)]), Mode::Test)
        .unwrap();
    let cat = fwd.output("cat").unwrap();
    assert_close(
        &values(cat.value.as_ref().unwrap()),
        &[1.0, 2.0, 3.0, 4.0, -1.0, -2.0, 5.0, 6.0, -3.0, -4.0],
        0.0,
    );
    assert_eq!(cat.seq_starts, Some(vec![0, 3, 5]));
    let re = fwd.output("re").unwrap();
    assert_eq!(re.value.as_ref().unwrap().size(), vec![6, 1]);
    assert_eq!(re.seq_starts, Some(vec![0, 4, 6]));
    // row_conv: out_t = x_t * w_0 + x_{t+1} * w_1 within the sequence
    assert_close(
        &values(fwd.output("rc").unwrap().value.as_ref().unwrap()),
        &[1.0 + 30.0, 4.0 + 400.0, 3.0, 8.0, 5.0, 12.0],
        0.0,
    );
}

#[test]
fn kmax_seq_score_lists_the_best_positions_per_sequence() {
    let text = r#"layers { name: "s" type: "data" size: 1 }
layers { name: "k" type: "kmax_seq_score" inputs { input_layer_name: "s" } beam_size: 2 }
output_layer_names: "k""#;
    let mut s = dense(5, &[0.1, 0.9, 0.5, 0.3, 0.7]);
    s.seq_starts = Some(vec![0, 4, 5]);
    let got = output(&net(text), &feed(vec![("s", s)]), "k");
    assert_close(&got, &[1.0, 2.0, 0.0, -1.0], 0.0);
}
