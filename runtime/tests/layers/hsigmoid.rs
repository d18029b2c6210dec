//! hsigmoid along the class code.

use crate::support::*;

/// hsigmoid: the cost of label l walks the bits of l + num_classes (Paddle's SimpleCode).
#[test]
fn hsigmoid_walks_the_class_code() {
    let text = r#"layers { name: "x" type: "data" size: 1 }
layers { name: "y" type: "data" size: 3 }
layers { name: "h" type: "hsigmoid" size: 1 inputs { input_layer_name: "x" input_parameter_name: "w" }
  inputs { input_layer_name: "y" } bias_parameter_name: "b" num_classes: 3 }
parameters { name: "w" size: 2 dims: 2 dims: 1 }
parameters { name: "b" size: 2 dims: 1 dims: 2 }
output_layer_names: "h""#;
    let mut n = net(text);
    set(&mut n, "w", &[0.5, -1.0]);
    set(&mut n, "b", &[0.25, 0.125]);
    let x = 2.0;
    let pre = [0.5 * x + 0.25, -x + 0.125];
    let sp = |p: f64| p.exp().ln_1p();
    let f = feed(vec![("x", dense(3, &[x, x, x])), ("y", ids(&[0, 1, 2]))]);
    // label 0: code 3 = 0b11 -> node 0 with bit 1
    // label 1: code 4 = 0b100 -> node 1 bit 0, node 0 bit 0
    // label 2: code 5 = 0b101 -> node 1 bit 1, node 0 bit 0
    let want = [
        sp(pre[0]) - pre[0],
        sp(pre[1]) + sp(pre[0]),
        sp(pre[1]) - pre[1] + sp(pre[0]),
    ];
    assert_close(&output(&n, &f, "h"), &want, 1e-12);
}
