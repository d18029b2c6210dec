//! cost layers against hand-computed values, and out-of-range labels and ids as errors.

use crate::support::*;

fn cost_model(ty: &str, out_size: i64, label_size: i64, extra: &str) -> String {
    let weight = if extra.contains("\"w\"") {
        r#"layers { name: "w" type: "data" size: 1 }"#
    } else {
        ""
    };
    format!(
        r#"layers {{ name: "out" type: "data" size: {out_size} }}
layers {{ name: "label" type: "data" size: {label_size} }}
{weight}
layers {{ name: "cost" type: "{ty}" size: 1
  inputs {{ input_layer_name: "out" }} inputs {{ input_layer_name: "label" }} {extra} }}
output_layer_names: "cost""#
    )
}

/// An id beyond its data layer, or a label beyond the output layer, is an error naming the
/// layer and the row: libtorch's gather would panic with a page of C++ frames.
#[test]
fn labels_and_ids_beyond_a_layer_are_errors_naming_the_row() {
    let p = [0.2, 0.3, 0.5, 0.6, 0.3, 0.1];
    let n = net(&cost_model("multi-class-cross-entropy", 3, 10, ""));
    let f = feed(vec![("out", dense(2, &p)), ("label", ids(&[2, 3]))]);
    let e = n.forward(&f, Mode::Test).err().unwrap().to_string();
    assert!(
        e.contains("layer 'cost'") && e.contains("label 3 ≥ output size 3 (row 1 of the batch)"),
        "{e}"
    );
    assert!(!e.contains("frame #"), "{e}");

    let n = net(&cost_model(
        "multi_class_cross_entropy_with_selfnorm",
        3,
        3,
        "",
    ));
    let f = feed(vec![("out", dense(2, &p)), ("label", ids(&[0, -1]))]);
    let e = n.forward(&f, Mode::Test).err().unwrap().to_string();
    assert!(e.contains("label -1 ≥ output size 3 (row 1"), "{e}");
}

#[test]
fn an_embedding_id_beyond_the_table_is_an_error_naming_the_row() {
    let n = net(r#"layers { name: "word" type: "data" size: 4 }
layers { name: "emb" type: "mixed" size: 2 inputs { input_layer_name: "word"
  input_parameter_name: "w" proj_conf { type: "table" name: "p" input_size: 4 output_size: 2 } } }
parameters { name: "w" size: 8 initial_std: 0.1 dims: 4 dims: 2 }
output_layer_names: "emb""#);
    assert_eq!(
        output(&n, &feed(vec![("word", ids(&[3, 0]))]), "emb").len(),
        4
    );
    let e = n
        .forward(&feed(vec![("word", ids(&[1, 2, 4]))]), Mode::Test)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("layer 'emb'") && e.contains("id 4 ≥ table size 4 (row 2 of the batch)"),
        "{e}"
    );
}

#[test]
fn costs_match_hand_computed_values() {
    let p = [0.2, 0.3, 0.5, 0.6, 0.3, 0.1];
    // multi-class cross entropy: -log p[label]
    let n = net(&cost_model("multi-class-cross-entropy", 3, 3, ""));
    let f = feed(vec![("out", dense(2, &p)), ("label", ids(&[2, 0]))]);
    assert_close(
        &output(&n, &f, "cost"),
        &[-(0.5f64).ln(), -(0.6f64).ln()],
        1e-12,
    );

    // with a weight input, and coeff: the reported cost excludes coeff, the loss includes it
    let n = net(&cost_model(
        "multi-class-cross-entropy",
        3,
        3,
        r#"inputs { input_layer_name: "w" } coeff: 0.5"#,
    ));
    let f = feed(vec![
        ("out", dense(2, &p)),
        ("label", ids(&[2, 0])),
        ("w", dense(2, &[2.0, 0.0])),
    ]);
    let fwd = n.forward(&f, Mode::Train).unwrap();
    let want = -2.0 * (0.5f64).ln();
    assert_close(
        &values(fwd.output("cost").unwrap().value.as_ref().unwrap()),
        &[want, 0.0],
        1e-12,
    );
    assert_close(&[fwd.cost.unwrap().double_value(&[])], &[want], 1e-12);
    assert_close(&[fwd.loss.unwrap().double_value(&[])], &[0.5 * want], 1e-12);

    // square error: sum (out - label)^2, no 1/2
    let n = net(&cost_model("square_error", 2, 2, ""));
    let f = feed(vec![
        ("out", dense(1, &[1.0, 2.0])),
        ("label", dense(1, &[0.5, 4.0])),
    ]);
    assert_close(&output(&n, &f, "cost"), &[0.25 + 4.0], 1e-12);

    // soft binary / multi binary label cross entropy
    let y = [1.0, 0.0, 0.5];
    let o = [0.9, 0.2, 0.6];
    let bce: f64 = o
        .iter()
        .zip(&y)
        .map(|(o, y): (&f64, &f64)| -(y * o.ln() + (1.0 - y) * (1.0 - o).ln()))
        .sum();
    for ty in [
        "soft_binary_class_cross_entropy",
        "multi_binary_label_cross_entropy",
    ] {
        let n = net(&cost_model(ty, 3, 3, ""));
        let f = feed(vec![("out", dense(1, &o)), ("label", dense(1, &y))]);
        assert_close(&output(&n, &f, "cost"), &[bce], 1e-12);
    }

    // huber regression with delta 1: 0.5 a^2 inside, delta (a - delta/2) outside
    let n = net(&cost_model("huber_regression", 2, 2, "delta: 1.0"));
    let f = feed(vec![
        ("out", dense(1, &[0.5, 3.0])),
        ("label", dense(1, &[0.0, 0.0])),
    ]);
    assert_close(&output(&n, &f, "cost"), &[0.125 + 2.5], 1e-12);

    // huber two-class: y = 2 label - 1, z = y f; -4z below -1, (1-z)^2 below 1, else 0
    let n = net(&cost_model("huber_classification", 1, 1, ""));
    let f = feed(vec![
        ("out", dense(4, &[-2.0, 0.5, 3.0, 0.5])),
        ("label", ids(&[1, 1, 1, 0])),
    ]);
    assert_close(&output(&n, &f, "cost"), &[8.0, 0.25, 0.0, 2.25], 1e-12);

    // smooth l1: 0.5 a^2 below 1, a - 0.5 above
    let n = net(&cost_model("smooth_l1", 2, 2, ""));
    let f = feed(vec![
        ("out", dense(1, &[0.5, -3.0])),
        ("label", dense(1, &[0.0, 0.0])),
    ]);
    assert_close(&output(&n, &f, "cost"), &[0.125 + 2.5], 1e-12);

    // selfnorm: -log(out[label]) + log Z + alpha (log Z)^2, Z = row sum
    let n = net(&cost_model(
        "multi_class_cross_entropy_with_selfnorm",
        2,
        2,
        "softmax_selfnorm_alpha: 0.1",
    ));
    let f = feed(vec![("out", dense(1, &[1.0, 3.0])), ("label", ids(&[1]))]);
    let z = 4f64.ln();
    assert_close(
        &output(&n, &f, "cost"),
        &[-(3f64).ln() + z + 0.1 * z * z],
        1e-12,
    );

    // rank cost: log(1 + e^(l - r)) - label (l - r)
    let text = r#"layers { name: "l" type: "data" size: 1 }
layers { name: "r" type: "data" size: 1 }
layers { name: "y" type: "data" size: 1 }
layers { name: "cost" type: "rank-cost" size: 1 inputs { input_layer_name: "l" }
  inputs { input_layer_name: "r" } inputs { input_layer_name: "y" } }
output_layer_names: "cost""#;
    let n = net(text);
    let f = feed(vec![
        ("l", dense(2, &[1.0, 0.0])),
        ("r", dense(2, &[0.5, 2.0])),
        ("y", dense(2, &[1.0, 0.0])),
    ]);
    assert_close(
        &output(&n, &f, "cost"),
        &[(0.5f64).exp().ln_1p() - 0.5, (-2f64).exp().ln_1p()],
        1e-12,
    );

    // sum cost
    let text = r#"layers { name: "x" type: "data" size: 3 }
layers { name: "cost" type: "sum_cost" size: 1 inputs { input_layer_name: "x" } }
output_layer_names: "cost""#;
    let f = feed(vec![("x", dense(2, &[1.0, 2.0, 3.0, -1.0, 0.0, 4.0]))]);
    assert_close(&output(&net(text), &f, "cost"), &[6.0, 3.0], 0.0);
}
