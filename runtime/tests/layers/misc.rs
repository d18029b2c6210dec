//! element-wise, image and other small layers against hand values.

use crate::support::*;

#[test]
fn element_and_image_layers_match_hand_values() {
    let x = [1.0, -2.0, 3.0, 0.5];
    let y = [2.0, 1.0, -1.0, 4.0];
    let two = |ty: &str, extra: &str| {
        format!(
            r#"layers {{ name: "x" type: "data" size: 4 }}
layers {{ name: "y" type: "data" size: 4 }}
layers {{ name: "o" type: "{ty}" size: 1 inputs {{ input_layer_name: "x" }} inputs {{ input_layer_name: "y" }} {extra} }}
output_layer_names: "o""#
        )
    };
    let f = feed(vec![("x", dense(1, &x)), ("y", dense(1, &y))]);
    assert_close(
        &output(&net(&two("dot_prod", "")), &f, "o"),
        &[2.0 - 2.0 - 3.0 + 2.0],
        1e-12,
    );
    assert_close(
        &output(&net(&two("l2_distance", "")), &f, "o"),
        &[(1.0f64 + 9.0 + 16.0 + 12.25).sqrt()],
        1e-12,
    );
    let cos = (-1.0) / ((1.0f64 + 4.0 + 9.0 + 0.25) * (4.0f64 + 1.0 + 1.0 + 16.0)).sqrt();
    assert_close(
        &output(&net(&two("cos", "cos_scale: 5")), &f, "o"),
        &[5.0 * cos],
        1e-12,
    );

    let one = |ty: &str, size: i64, extra: &str, input_extra: &str| {
        format!(
            r#"layers {{ name: "x" type: "data" size: 4 }}
layers {{ name: "o" type: "{ty}" size: {size} inputs {{ input_layer_name: "x" {input_extra} }} {extra} }}
output_layer_names: "o""#
        )
    };
    let fx = feed(vec![("x", dense(1, &x))]);
    assert_close(
        &output(
            &net(&one("slope_intercept", 4, "slope: 2 intercept: 1", "")),
            &fx,
            "o",
        ),
        &[3.0, -3.0, 7.0, 2.0],
        0.0,
    );
    assert_close(
        &output(
            &net(&one("clip", 4, "", "clip_conf { min: -1 max: 2 }")),
            &fx,
            "o",
        ),
        &[1.0, -1.0, 2.0, 0.5],
        0.0,
    );
    let n = (1.0f64 + 4.0 + 9.0 + 0.25).sqrt();
    assert_close(
        &output(&net(&one("row_l2_norm", 4, "", "")), &fx, "o"),
        &[1.0 / n, -2.0 / n, 3.0 / n, 0.5 / n],
        1e-12,
    );
    assert_close(
        &output(&net(&one("sum_to_one_norm", 4, "", "")), &fx, "o"),
        &[1.0 / 2.5, -2.0 / 2.5, 3.0 / 2.5, 0.5 / 2.5],
        1e-12,
    );
    assert_close(
        &output(
            &net(&one("featmap_expand", 8, "num_filters: 2", "")),
            &fx,
            "o",
        ),
        &[1.0, -2.0, 3.0, 0.5, 1.0, -2.0, 3.0, 0.5],
        0.0,
    );
    assert_close(
        &output(
            &net(&one(
                "featmap_expand",
                8,
                "num_filters: 2 user_arg: \"as_col_vec\"",
                "",
            )),
            &fx,
            "o",
        ),
        &[1.0, 1.0, -2.0, -2.0, 3.0, 3.0, 0.5, 0.5],
        0.0,
    );

    // maxout: 4 channels of 1x1 in groups of 2 -> max of consecutive channels
    let mo = one(
        "maxout",
        2,
        "",
        "maxout_conf { image_conf { channels: 4 img_size: 1 img_size_y: 1 } groups: 2 }",
    );
    assert_close(&output(&net(&mo), &fx, "o"), &[1.0, 3.0], 0.0);

    // pad: 1 channel 2x2 -> pad_h [1, 0], pad_w [0, 1] -> 3x3
    let pad = one("pad", 9, "", "pad_conf { image_conf { channels: 1 img_size: 2 img_size_y: 2 } pad_c: 0 pad_c: 0 pad_h: 1 pad_h: 0 pad_w: 0 pad_w: 1 }");
    assert_close(
        &output(&net(&pad), &fx, "o"),
        &[0.0, 0.0, 0.0, 1.0, -2.0, 0.0, 3.0, 0.5, 0.0],
        0.0,
    );

    // bilinear (align corners): 1 channel 2x2 -> 3x3; the centre is the mean
    let bi = one("bilinear_interp", 9, "", "bilinear_interp_conf { image_conf { channels: 1 img_size: 2 img_size_y: 2 } out_size_x: 3 out_size_y: 3 }");
    assert_close(
        &output(&net(&bi), &fx, "o"),
        &[1.0, -0.5, -2.0, 2.0, 0.625, -0.75, 3.0, 1.75, 0.5],
        1e-12,
    );
}

#[test]
fn multiplex_picks_rows_by_index() {
    let text = r#"layers { name: "i" type: "data" size: 2 }
layers { name: "a" type: "data" size: 2 }
layers { name: "b" type: "data" size: 2 }
layers { name: "m" type: "multiplex" size: 2 inputs { input_layer_name: "i" }
  inputs { input_layer_name: "a" } inputs { input_layer_name: "b" } }
output_layer_names: "m""#;
    let n = net(text);
    let f = feed(vec![
        ("i", ids(&[1, 0, 1])),
        ("a", dense(3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])),
        ("b", dense(3, &[-1.0, -2.0, -3.0, -4.0, -5.0, -6.0])),
    ]);
    assert_close(
        &output(&n, &f, "m"),
        &[-1.0, -2.0, 3.0, 4.0, -5.0, -6.0],
        0.0,
    );
    let bad = feed(vec![
        ("i", ids(&[2, 0, 1])),
        ("a", dense(3, &[0.0; 6])),
        ("b", dense(3, &[0.0; 6])),
    ]);
    let err = n.forward(&bad, Mode::Test).err().unwrap();
    assert!(
        err.to_string()
            .contains("layer 'm' (type 'multiplex'): an index is outside 0..2"),
        "{err}"
    );
}

#[test]
fn misc_layers_match_hand_values() {
    let two = |ty: &str, size: i64, sa: i64, sb: i64, extra: &str| {
        format!(
            r#"layers {{ name: "a" type: "data" size: {sa} }}
layers {{ name: "b" type: "data" size: {sb} }}
layers {{ name: "o" type: "{ty}" size: {size} inputs {{ input_layer_name: "a" {extra} }}
  inputs {{ input_layer_name: "b" }} }}
output_layer_names: "o""#
        )
    };
    // conv_shift: out_i = sum_j a_{(i+j) mod 4} k_{j+1}, j = -1..=1
    let a = [1.0, 2.0, 3.0, 4.0];
    let k = [0.5, 1.0, -1.0];
    let f = feed(vec![("a", dense(1, &a)), ("b", dense(1, &k))]);
    let want: Vec<f64> = (0..4)
        .map(|i| {
            (-1i64..=1)
                .map(|j| a[((i + j).rem_euclid(4)) as usize] * k[(j + 1) as usize])
                .sum()
        })
        .collect();
    assert_close(
        &output(&net(&two("conv_shift", 4, 4, 3, "")), &f, "o"),
        &want,
        1e-12,
    );

    // convex_comb (linear_comb_layer): weights [2], vectors 2 x [3]
    let f = feed(vec![
        ("a", dense(1, &[2.0, -1.0])),
        ("b", dense(1, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])),
    ]);
    assert_close(
        &output(&net(&two("convex_comb", 3, 2, 6, "")), &f, "o"),
        &[-2.0, -1.0, 0.0],
        1e-12,
    );

    // cos_vm: a against each of 2 rows of b
    let f = feed(vec![
        ("a", dense(1, &[1.0, 0.0])),
        ("b", dense(1, &[3.0, 4.0, 0.0, -2.0])),
    ]);
    assert_close(
        &output(&net(&two("cos_vm", 2, 2, 4, "")), &f, "o"),
        &[0.6, 0.0],
        1e-12,
    );

    // tensor: out_k = a^T W_k b + bias_k, W stored as `size` matrices [Da, Db]
    let text = r#"layers { name: "a" type: "data" size: 2 }
layers { name: "b" type: "data" size: 2 }
layers { name: "o" type: "tensor" size: 2 inputs { input_layer_name: "a" input_parameter_name: "w" }
  inputs { input_layer_name: "b" } bias_parameter_name: "bias" }
parameters { name: "w" size: 8 dims: 2 dims: 2 dims: 2 }
parameters { name: "bias" size: 2 }
output_layer_names: "o""#;
    let mut n = net(text);
    set(&mut n, "w", &[1.0, 2.0, 3.0, 4.0, 0.0, 1.0, -1.0, 0.0]);
    set(&mut n, "bias", &[0.5, -0.5]);
    let f = feed(vec![
        ("a", dense(1, &[1.0, 2.0])),
        ("b", dense(1, &[3.0, -1.0])),
    ]);
    // W_0 = [[1,2],[3,4]]: a^T W_0 = [7, 10], . b = 21 - 10 = 11
    // W_1 = [[0,1],[-1,0]]: a^T W_1 = [-2, 1], . b = -6 - 1 = -7
    assert_close(&output(&n, &f, "o"), &[11.5, -7.5], 1e-12);

    // selective_fc: weight [size, input_size]; masked columns are zero
    let text = r#"layers { name: "a" type: "data" size: 2 }
layers { name: "m" type: "data" size: 3 }
layers { name: "o" type: "selective_fc" size: 3 inputs { input_layer_name: "a" input_parameter_name: "w" }
  inputs { input_layer_name: "m" } has_selected_colums: true }
parameters { name: "w" size: 6 dims: 3 dims: 2 }
output_layer_names: "o""#;
    let mut n = net(text);
    set(&mut n, "w", &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let f = feed(vec![
        ("a", dense(1, &[1.0, -1.0])),
        ("m", dense(1, &[1.0, 0.0, 1.0])),
    ]);
    assert_close(&output(&n, &f, "o"), &[-1.0, 0.0, -1.0], 1e-12);

    // trans: the batch matrix transposed
    let text = r#"layers { name: "a" type: "data" size: 3 }
layers { name: "o" type: "trans" size: 3 inputs { input_layer_name: "a" } }
output_layer_names: "o""#;
    let fwd = net(text)
        .forward(
            &feed(vec![("a", dense(2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))]),
            Mode::Test,
        )
        .unwrap();
    let t = fwd.output("o").unwrap().value.as_ref().unwrap();
    assert_eq!(t.size(), vec![3, 2]);
    assert_close(&values(t), &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0], 0.0);
}
