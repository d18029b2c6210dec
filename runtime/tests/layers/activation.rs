//! Paddle's activations, and dropout's scaling in training and at test.

use crate::support::*;

#[test]
fn dropout_zeroes_without_scaling_in_training_and_scales_at_test() {
    let text = r#"layers { name: "x" type: "data" size: 1000 }
layers { name: "d" type: "addto" size: 1000 inputs { input_layer_name: "x" } drop_rate: 0.3 }
output_layer_names: "d""#;
    let n = net(text);
    let f = feed(vec![("x", dense(2, &vec![2.0; 2000]))]);
    let test = out(&n, &f, Mode::Test, "d");
    assert!(
        test.iter().all(|&v| (v - 1.4).abs() < 1e-12),
        "test time multiplies by 1 - rate"
    );
    tch::manual_seed(3);
    let train = out(&n, &f, Mode::Train, "d");
    assert!(
        train.iter().all(|&v| v == 0.0 || v == 2.0),
        "kept values are not rescaled"
    );
    let dropped = train.iter().filter(|&&v| v == 0.0).count() as f64 / 2000.0;
    assert!((dropped - 0.3).abs() < 0.05, "dropped {dropped}");
}

#[test]
fn activations_are_paddles() {
    use paddlers_runtime::runtime::activation::Activation;
    let x = Tensor::from_slice(&[-50.0f64, -1.0, 0.5, 30.0]).view([1, 4]);
    let apply = |name: &str| {
        values(
            &Activation::from_name(name)
                .unwrap()
                .apply(&x, None)
                .unwrap(),
        )
    };
    assert_close(&apply("brelu"), &[0.0, 0.0, 0.5, 24.0], 0.0);
    let stanh: Vec<f64> = [-50.0f64, -1.0, 0.5, 30.0]
        .iter()
        .map(|v| 1.7159 * (v * 2.0 / 3.0).tanh())
        .collect();
    assert_close(&apply("stanh"), &stanh, 1e-12);
    // softrelu clips its input to [-40, 40]
    let softrelu: Vec<f64> = [-40.0f64, -1.0, 0.5, 30.0]
        .iter()
        .map(|v| v.exp().ln_1p())
        .collect();
    assert_close(&apply("softrelu"), &softrelu, 1e-12);
    assert_close(
        &apply("softsign"),
        &[-50.0 / 51.0, -0.5, 0.5 / 1.5, 30.0 / 31.0],
        1e-12,
    );
    assert_close(&apply(""), &[-50.0, -1.0, 0.5, 30.0], 0.0);
    let e: Vec<f64> = [-50.0f64, -1.0, 0.5, 30.0]
        .iter()
        .map(|v| v.exp())
        .collect();
    let s: f64 = e.iter().sum();
    assert_close(
        &apply("softmax"),
        &e.iter().map(|v| v / s).collect::<Vec<_>>(),
        1e-12,
    );
    assert!(Activation::from_name("gelu").is_none());
    let seq = Tensor::from_slice(&[1.0f64, 2.0, 3.0]).view([3, 1]);
    let ss = values(
        &Activation::SequenceSoftmax
            .apply(&seq, Some(&[0, 1, 3]))
            .unwrap(),
    );
    let z = 2f64.exp() + 3f64.exp();
    assert_close(&ss, &[1.0, 2f64.exp() / z, 3f64.exp() / z], 1e-12);
}
