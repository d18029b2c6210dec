//! batch_norm: batch statistics, moving averages, use_global_stats.

use crate::support::*;

const BN: &str = r#"layers { name: "x" type: "data" size: 4 }
layers { name: "bn" type: "batch_norm" size: 4 active_type: ""
  inputs { input_layer_name: "x" input_parameter_name: "g" image_conf { channels: 2 img_size: 2 img_size_y: 1 } }
  inputs { input_layer_name: "x" input_parameter_name: "mean" }
  inputs { input_layer_name: "x" input_parameter_name: "var" }
  bias_parameter_name: "beta" moving_average_fraction: 0.75 epsilon: 1e-05 }
parameters { name: "g" size: 2 initial_mean: 1.0 initial_std: 0.0 }
parameters { name: "mean" size: 2 initial_mean: 0.0 initial_std: 0.0 is_static: true }
parameters { name: "var" size: 2 initial_mean: 0.0 initial_std: 0.0 is_static: true }
parameters { name: "beta" size: 2 initial_mean: 0.0 initial_std: 0.0 }
output_layer_names: "bn""#;

#[test]
fn batch_norm_uses_batch_statistics_and_updates_moving_averages() {
    let mut n = net(BN);
    set(&mut n, "g", &[2.0, 1.0]);
    set(&mut n, "beta", &[0.5, -1.0]);
    set(&mut n, "mean", &[1.0, 1.0]);
    set(&mut n, "var", &[1.0, 1.0]);
    // 2 samples x 2 channels x 2 pixels: channel 0 = {1,3,5,7}, channel 1 = {2,2,4,4}
    let x = [1.0, 3.0, 2.0, 2.0, 5.0, 7.0, 4.0, 4.0];
    let f = feed(vec![("x", dense(2, &x))]);
    let got = out(&n, &f, Mode::Train, "bn");
    let (m0, v0) = (4.0, 5.0); // biased variance of {1,3,5,7}
    let (m1, v1) = (3.0, 1.0);
    let norm = |v: f64, m: f64, var: f64| (v - m) / (var + 1e-5f64).sqrt();
    let want = [
        2.0 * norm(1.0, m0, v0) + 0.5,
        2.0 * norm(3.0, m0, v0) + 0.5,
        norm(2.0, m1, v1) - 1.0,
        norm(2.0, m1, v1) - 1.0,
        2.0 * norm(5.0, m0, v0) + 0.5,
        2.0 * norm(7.0, m0, v0) + 0.5,
        norm(4.0, m1, v1) - 1.0,
        norm(4.0, m1, v1) - 1.0,
    ];
    assert_close(&got, &want, 1e-9);
    // moving = 0.75 * moving + 0.25 * batch
    let mean = n.params().values_f32("mean").unwrap();
    let var = n.params().values_f32("var").unwrap();
    assert_close(
        &[mean[0] as f64, mean[1] as f64],
        &[0.75 + 0.25 * m0, 0.75 + 0.25 * m1],
        1e-6,
    );
    assert_close(
        &[var[0] as f64, var[1] as f64],
        &[0.75 + 0.25 * v0, 0.75 + 0.25 * v1],
        1e-5,
    );

    // Test mode normalizes with the moving statistics and leaves them alone.
    let got = out(&n, &f, Mode::Test, "bn");
    let (mm, mv) = (mean[0] as f64, var[0] as f64);
    assert_close(
        &got[..1],
        &[2.0 * (1.0 - mm) / (mv + 1e-5).sqrt() + 0.5],
        1e-6,
    );
    assert_eq!(n.params().values_f32("mean").unwrap(), mean);
}

#[test]
fn batch_norm_use_global_stats_overrides_the_mode() {
    let text = BN.replace("epsilon: 1e-05", "epsilon: 1e-05 use_global_stats: true");
    let mut n = net(&text);
    set(&mut n, "mean", &[1.0, 2.0]);
    set(&mut n, "var", &[4.0, 1.0]);
    let f = feed(vec![("x", dense(1, &[3.0, 5.0, 2.0, 0.0]))]);
    let got = out(&n, &f, Mode::Train, "bn");
    let s0 = (4.0f64 + 1e-5).sqrt();
    let s1 = (1.0f64 + 1e-5).sqrt();
    assert_close(&got, &[2.0 / s0, 4.0 / s0, 0.0 / s1, -2.0 / s1], 1e-9);
    assert_eq!(n.params().values_f32("mean").unwrap(), vec![1.0, 2.0]);
}
