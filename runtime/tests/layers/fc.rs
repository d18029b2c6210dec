//! fc, shared parameters, and parameter initialization.

use crate::support::*;

#[test]
fn fc_sums_each_input_times_its_own_weight_in_paddles_layout() {
    let text = r#"layers { name: "a" type: "data" size: 2 }
layers { name: "b" type: "data" size: 1 }
layers { name: "f" type: "fc" size: 3 active_type: ""
  inputs { input_layer_name: "a" input_parameter_name: "wa" }
  inputs { input_layer_name: "b" input_parameter_name: "wb" }
  bias_parameter_name: "bias" }
parameters { name: "wa" size: 6 dims: 2 dims: 3 }
parameters { name: "wb" size: 3 dims: 1 dims: 3 }
parameters { name: "bias" size: 3 dims: 1 dims: 3 }
output_layer_names: "f""#;
    let mut n = net(text);
    // wa is [input_size=2, size=3], row-major
    set(&mut n, "wa", &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    set(&mut n, "wb", &[10.0, 20.0, 30.0]);
    set(&mut n, "bias", &[0.5, 0.25, 0.125]);
    let f = feed(vec![("a", dense(1, &[1.0, -1.0])), ("b", dense(1, &[2.0]))]);
    // [1,-1] x wa = [1-4, 2-5, 3-6] = [-3,-3,-3]; + 2*wb = [20,40,60]; + bias
    assert_close(&output(&n, &f, "f"), &[17.5, 37.25, 57.125], 0.0);
}

#[test]
fn shared_parameter_is_one_tensor_and_gradients_accumulate() {
    let text = r#"layers { name: "x" type: "data" size: 2 }
layers { name: "f1" type: "fc" size: 2 inputs { input_layer_name: "x" input_parameter_name: "w" } }
layers { name: "f2" type: "fc" size: 2 inputs { input_layer_name: "f1" input_parameter_name: "w" } }
layers { name: "cost" type: "sum_cost" size: 1 inputs { input_layer_name: "f2" } }
parameters { name: "w" size: 4 dims: 2 dims: 2 initial_std: 0.5 }
output_layer_names: "cost""#;
    let mut n = net(text);
    assert_eq!(n.params().len(), 1);
    set(&mut n, "w", &[1.0, 2.0, 3.0, 4.0]);
    let f = feed(vec![("x", dense(1, &[1.0, 1.0]))]);
    let fwd = n.forward(&f, Mode::Train).unwrap();
    fwd.loss.unwrap().backward();
    // cost = sum(x W W); d/dW = x^T (1 W^T) + (x W)^T 1
    // x W = [4, 6]; 1 W^T = [3, 7]; grad = [[3,7],[3,7]] + [[4,4],[6,6]]
    let g = n.params().grad_f32("w").unwrap().unwrap();
    assert_eq!(g, vec![7.0, 11.0, 9.0, 13.0]);
}

#[test]
fn parameters_initialize_as_configured_and_round_trip_as_f32() {
    let text = r#"layers { name: "x" type: "data" size: 2 }
parameters { name: "___fc.w0" size: 4000 initial_mean: 0.0 initial_std: 0.25 initial_strategy: 0 }
parameters { name: "u" size: 4000 initial_mean: 1.0 initial_std: 0.5 initial_strategy: 1 }
parameters { name: "moving" size: 3 initial_mean: 0.0 initial_std: 0.0 is_static: true }
"#;
    let m = model(text);
    let a = Network::build(&m, Device::Cpu, 7).unwrap();
    let b = Network::build(&m, Device::Cpu, 7).unwrap();
    let c = Network::build(&m, Device::Cpu, 8).unwrap();
    let w = a.params().values_f32("___fc.w0").unwrap();
    assert_eq!(
        w,
        b.params().values_f32("___fc.w0").unwrap(),
        "same seed, same values"
    );
    assert_ne!(w, c.params().values_f32("___fc.w0").unwrap());
    let mean = w.iter().map(|&v| v as f64).sum::<f64>() / 4000.0;
    let std = (w.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / 4000.0).sqrt();
    assert!(
        mean.abs() < 0.02 && (std - 0.25).abs() < 0.02,
        "{mean} {std}"
    );
    let u = a.params().values_f32("u").unwrap();
    assert!(u.iter().all(|&v| (0.5..=1.5).contains(&v)));
    assert_eq!(a.params().values_f32("moving").unwrap(), vec![0.0; 3]);
    assert_eq!(
        a.params().trainable().count(),
        2,
        "static parameters are not trained"
    );

    let mut a = a;
    let vals: Vec<f32> = (0..4000).map(|i| i as f32 * 0.001).collect();
    a.params_mut().set_values_f32("___fc.w0", &vals).unwrap();
    assert_eq!(a.params().values_f32("___fc.w0").unwrap(), vals);
    let err = a
        .params_mut()
        .set_values_f32("___fc.w0", &vals[..10])
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("has 10 values, the model config says size 4000"),
        "{err}"
    );
}
