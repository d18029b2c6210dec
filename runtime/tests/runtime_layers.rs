//! Forward values of each layer family against independent references: hand-computed
//! numbers or naive loops written here (no tch in the reference), plus Paddle's conventions
//! (pool output sizes, dropout scaling, LRN, batch-norm statistics and moving averages).

use paddlers_graph::protostr;

use paddlers_graph::ModelConfig;
use paddlers_runtime::runtime::layers::PoolWindow;
use paddlers_runtime::runtime::{Arg, Feed, Mode, Network, RuntimeError};
use tch::{Device, Kind, Tensor};

fn model(text: &str) -> ModelConfig {
    protostr::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn net(text: &str) -> Network {
    Network::build_with_kind(&model(text), Device::Cpu, Kind::Double, 1).unwrap()
}

fn dense(rows: i64, values: &[f64]) -> Arg {
    Arg::dense(Tensor::from_slice(values).view([rows, -1]))
}

fn feed(items: Vec<(&str, Arg)>) -> Feed {
    items.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn values(t: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(&t.to_kind(Kind::Double).reshape([-1])).unwrap()
}

fn out(net: &Network, feed: &Feed, mode: Mode, layer: &str) -> Vec<f64> {
    let fwd = net.forward(feed, mode).unwrap();
    values(fwd.output(layer).unwrap().value.as_ref().unwrap())
}

fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "lengths differ: {got:?} vs {want:?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "element {i}: {g} vs {w}\n{got:?}\n{want:?}"
        );
    }
}

fn set(net: &mut Network, name: &str, v: &[f64]) {
    let f: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    net.params_mut().set_values_f32(name, &f).unwrap();
}

/// Deterministic test data.
fn ramp(n: usize, seed: f64) -> Vec<f64> {
    (0..n)
        .map(|i| ((i as f64 * 0.37 + seed).sin() * 1.5).round() / 2.0 + i as f64 * 0.01)
        .collect()
}

// ---------------------------------------------------------------- pooling

#[test]
fn pool_output_size_is_paddles_ceil_rule() {
    // (img, size, pad, stride) -> Paddle's output (config_parser cnn_output_size, no caffe mode)
    for (img, size, pad, stride, want) in [
        (32, 3, 0, 2, 16), // PyTorch floor gives 15
        (7, 3, 0, 2, 3),
        (4, 3, 1, 2, 3), // PyTorch floor gives 2
        (227, 3, 0, 2, 113),
        (6, 2, 0, 2, 3),
        (5, 2, 0, 2, 3), // PyTorch floor gives 2
        (1, 1, 0, 1, 1),
    ] {
        assert_eq!(
            PoolWindow::paddle_out(img, size, pad, stride),
            want,
            "{img} {size} {pad} {stride}"
        );
    }
}

fn pool_model(
    pool_type: &str,
    img: i64,
    size: i64,
    stride: i64,
    pad: i64,
    out: i64,
    exclude: Option<bool>,
) -> String {
    let exclude = exclude.map_or(String::new(), |e| format!("exclude_mode: {e}"));
    format!(
        r#"layers {{ name: "x" type: "data" size: {in_size} }}
layers {{ name: "p" type: "pool" size: {out_size}
  inputs {{ input_layer_name: "x" pool_conf {{ pool_type: "{pool_type}" channels: 2 size_x: {size}
    stride: {stride} output_x: {out} img_size: {img} padding: {pad} size_y: {size}
    stride_y: {stride} output_y: {out} img_size_y: {img} padding_y: {pad} {exclude} }} }} }}
output_layer_names: "p""#,
        in_size = 2 * img * img,
        out_size = 2 * out * out,
    )
}

/// Paddle's pooling as plain loops (hl_maxpool / hl_avgpool_forward semantics).
// The geometry is spelled out as the kernel's own arguments.
#[allow(clippy::too_many_arguments)]
fn naive_pool(
    x: &[f64],
    c: i64,
    img: i64,
    size: i64,
    stride: i64,
    pad: i64,
    out: i64,
    max: bool,
    exclude: bool,
) -> Vec<f64> {
    let mut y = Vec::new();
    for ch in 0..c {
        for oy in 0..out {
            for ox in 0..out {
                let (hs, ws) = (oy * stride - pad, ox * stride - pad);
                let (he, we) = ((hs + size).min(img), (ws + size).min(img));
                let (hs, ws) = (hs.max(0), ws.max(0));
                let mut acc = if max { f64::NEG_INFINITY } else { 0.0 };
                for h in hs..he {
                    for w in ws..we {
                        let v = x[(ch * img * img + h * img + w) as usize];
                        acc = if max { acc.max(v) } else { acc + v };
                    }
                }
                if !max {
                    let n = if exclude {
                        (he - hs) * (we - ws)
                    } else {
                        size * size
                    };
                    acc /= n as f64;
                }
                y.push(acc);
            }
        }
    }
    y
}

#[test]
fn pool_values_match_paddle_windows() {
    // Geometries where Paddle's windows run past the image (ceil), with and without padding,
    // and one PyTorch's own kernel handles.
    for (img, size, stride, pad) in [
        (5, 2, 2, 0),
        (4, 3, 2, 1),
        (7, 3, 2, 0),
        (6, 3, 3, 1),
        (8, 2, 2, 0),
    ] {
        let out = PoolWindow::paddle_out(img, size, pad, stride);
        let x = ramp((2 * img * img) as usize, img as f64);
        for (ty, max, exclude) in [
            ("max-projection", true, None),
            ("avg-projection", false, None),
            ("avg-projection", false, Some(false)),
        ] {
            let n = net(&pool_model(ty, img, size, stride, pad, out, exclude));
            let f = feed(vec![("x", dense(1, &x))]);
            let got = out_of(&n, &f, "p");
            let want = naive_pool(
                &x,
                2,
                img,
                size,
                stride,
                pad,
                out,
                max,
                exclude.unwrap_or(true),
            );
            assert_close(&got, &want, 1e-12);
        }
    }
}

fn out_of(n: &Network, f: &Feed, layer: &str) -> Vec<f64> {
    out(n, f, Mode::Test, layer)
}

// ---------------------------------------------------------------- convolution

/// Paddle's convolution as plain loops.
#[allow(clippy::too_many_arguments)]
fn naive_conv(
    x: &[f64],
    w: &[f64],
    c: i64,
    img: i64,
    f: i64,
    k: i64,
    stride: i64,
    pad: i64,
    dil: i64,
    groups: i64,
) -> (Vec<f64>, i64) {
    let out = (img + 2 * pad - (dil * (k - 1) + 1)) / stride + 1;
    let cg = c / groups;
    let fg = f / groups;
    let mut y = vec![0.0; (f * out * out) as usize];
    for o in 0..f {
        let g = o / fg;
        for oy in 0..out {
            for ox in 0..out {
                let mut acc = 0.0;
                for ci in 0..cg {
                    for ky in 0..k {
                        for kx in 0..k {
                            let iy = oy * stride - pad + ky * dil;
                            let ix = ox * stride - pad + kx * dil;
                            if iy < 0 || ix < 0 || iy >= img || ix >= img {
                                continue;
                            }
                            // Paddle's filter layout: [num_filters, channels/groups, fy, fx]
                            let wv = w[(((o * cg + ci) * k + ky) * k + kx) as usize];
                            let xv = x[(((g * cg + ci) * img + iy) * img + ix) as usize];
                            acc += wv * xv;
                        }
                    }
                }
                y[((o * out + oy) * out + ox) as usize] = acc;
            }
        }
    }
    (y, out)
}

#[test]
fn conv_matches_naive_loops_with_paddles_filter_layout() {
    for (c, img, f, k, stride, pad, dil, groups) in [
        (2, 5, 4, 3, 1, 1, 1, 2),
        (3, 6, 2, 2, 2, 0, 1, 1),
        (1, 7, 3, 3, 1, 2, 2, 1),
    ] {
        let (_, out) = naive_conv(
            &[0.0; 1000],
            &[0.0; 1000],
            c,
            img,
            f,
            k,
            stride,
            pad,
            dil,
            groups,
        );
        let text = format!(
            r#"layers {{ name: "x" type: "data" size: {in_size} }}
layers {{ name: "c" type: "exconv" size: {out_size}
  inputs {{ input_layer_name: "x" input_parameter_name: "w"
    conv_conf {{ filter_size: {k} channels: {c} stride: {stride} padding: {pad} groups: {groups}
      filter_channels: {fc} output_x: {out} img_size: {img} caffe_mode: true filter_size_y: {k}
      padding_y: {pad} stride_y: {stride} output_y: {out} img_size_y: {img} dilation: {dil}
      dilation_y: {dil} }} }}
  bias_parameter_name: "b" num_filters: {f} shared_biases: true }}
parameters {{ name: "w" size: {wsize} initial_std: 0.1 }}
parameters {{ name: "b" size: {f} initial_std: 0.0 }}
output_layer_names: "c""#,
            in_size = c * img * img,
            out_size = f * out * out,
            fc = c / groups,
            wsize = f * (c / groups) * k * k,
        );
        let mut n = net(&text);
        let w = ramp((f * (c / groups) * k * k) as usize, 0.3);
        let b: Vec<f64> = (0..f).map(|i| i as f64 * 0.5 - 0.25).collect();
        set(&mut n, "w", &w);
        set(&mut n, "b", &b);
        let x = ramp((2 * c * img * img) as usize, 1.1);
        let got = out_of(&n, &feed(vec![("x", dense(2, &x))]), "c");
        let per = (c * img * img) as usize;
        let mut want = Vec::new();
        for s in 0..2 {
            let (y, _) = naive_conv(
                &x[s * per..(s + 1) * per],
                &w,
                c,
                img,
                f,
                k,
                stride,
                pad,
                dil,
                groups,
            );
            let plane = (out * out) as usize;
            want.extend(y.iter().enumerate().map(|(i, v)| v + b[i / plane]));
        }
        // Weights went through f32 in set_values_f32; compare at f32 precision.
        assert_close(&got, &want, 1e-5);
    }
}

#[test]
fn transposed_conv_scatters_with_paddles_filter_layout() {
    // exconvt: input 1 channel 2x2, 2 filters of 3x3, stride 2, padding 1 -> 3x3 output.
    let text = r#"layers { name: "x" type: "data" size: 4 }
layers { name: "t" type: "exconvt" size: 18
  inputs { input_layer_name: "x" input_parameter_name: "w"
    conv_conf { filter_size: 3 channels: 1 stride: 2 padding: 1 groups: 1 filter_channels: 2
      output_x: 2 img_size: 3 caffe_mode: true filter_size_y: 3 padding_y: 1 stride_y: 2
      output_y: 2 img_size_y: 3 dilation: 1 dilation_y: 1 } }
  num_filters: 2 shared_biases: true }
parameters { name: "w" size: 18 initial_std: 0.1 }
output_layer_names: "t""#;
    let mut n = net(text);
    let w = ramp(18, 0.7);
    set(&mut n, "w", &w);
    let x = [1.0, -2.0, 0.5, 3.0];
    let got = out_of(&n, &feed(vec![("x", dense(1, &x))]), "t");
    // Naive scatter: out[f, iy*2-1+ky, ix*2-1+kx] += x[iy, ix] * w[0, f, ky, kx]
    let mut want = vec![0.0; 18];
    for f in 0..2 {
        for iy in 0..2i64 {
            for ix in 0..2i64 {
                for ky in 0..3i64 {
                    for kx in 0..3i64 {
                        let (oy, ox) = (iy * 2 - 1 + ky, ix * 2 - 1 + kx);
                        if (0..3).contains(&oy) && (0..3).contains(&ox) {
                            want[(f * 9 + oy * 3 + ox) as usize] += x[(iy * 2 + ix) as usize]
                                * w[(f * 9 + ky * 3 + kx) as usize] as f32 as f64;
                        }
                    }
                }
            }
        }
    }
    assert_close(&got, &want, 1e-6);
}

// ---------------------------------------------------------------- fc, sharing, params

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
    assert_close(&out_of(&n, &f, "f"), &[17.5, 37.25, 57.125], 0.0);
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

// ---------------------------------------------------------------- dropout

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

// ---------------------------------------------------------------- LRN

#[test]
fn cmrnorm_is_paddles_cross_map_formula() {
    // 5 channels of 1x2, window 3, scale 0.1 (already divided by size by the config parser).
    let text = r#"layers { name: "x" type: "data" size: 10 }
layers { name: "n" type: "norm" size: 10 inputs { input_layer_name: "x"
  norm_conf { norm_type: "cmrnorm-projection" channels: 5 size: 3 scale: 0.1 pow: 0.75
    output_x: 2 img_size: 1 blocked: false output_y: 1 img_size_y: 2 } } }
output_layer_names: "n""#;
    // img_size (x) is 1 wide... keep the geometry simple: H=2, W=1.
    let text = text
        .replace("output_x: 2 img_size: 1", "output_x: 1 img_size: 1")
        .replace("output_y: 1 img_size_y: 2", "output_y: 2 img_size_y: 2");
    let n = net(&text);
    let x = ramp(10, 0.2);
    let got = out_of(&n, &feed(vec![("x", dense(1, &x))]), "n");
    let mut want = vec![0.0; 10];
    for c in 0..5i64 {
        for p in 0..2i64 {
            // window c - (size-1)/2 ..= c + size/2
            let mut sum = 0.0;
            for s in (c - 1)..=(c + 1) {
                if (0..5).contains(&s) {
                    sum += x[(s * 2 + p) as usize].powi(2);
                }
            }
            want[(c * 2 + p) as usize] = x[(c * 2 + p) as usize] * (1.0 + 0.1 * sum).powf(-0.75);
        }
    }
    assert_close(&got, &want, 1e-12);
}

// ---------------------------------------------------------------- batch norm

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

// ---------------------------------------------------------------- activations

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

// ---------------------------------------------------------------- costs

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

fn ids(v: &[i64]) -> Arg {
    Arg::ids(Tensor::from_slice(v))
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
        out_of(&n, &feed(vec![("word", ids(&[3, 0]))]), "emb").len(),
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
        &out_of(&n, &f, "cost"),
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
    assert_close(&out_of(&n, &f, "cost"), &[0.25 + 4.0], 1e-12);

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
        assert_close(&out_of(&n, &f, "cost"), &[bce], 1e-12);
    }

    // huber regression with delta 1: 0.5 a^2 inside, delta (a - delta/2) outside
    let n = net(&cost_model("huber_regression", 2, 2, "delta: 1.0"));
    let f = feed(vec![
        ("out", dense(1, &[0.5, 3.0])),
        ("label", dense(1, &[0.0, 0.0])),
    ]);
    assert_close(&out_of(&n, &f, "cost"), &[0.125 + 2.5], 1e-12);

    // huber two-class: y = 2 label - 1, z = y f; -4z below -1, (1-z)^2 below 1, else 0
    let n = net(&cost_model("huber_classification", 1, 1, ""));
    let f = feed(vec![
        ("out", dense(4, &[-2.0, 0.5, 3.0, 0.5])),
        ("label", ids(&[1, 1, 1, 0])),
    ]);
    assert_close(&out_of(&n, &f, "cost"), &[8.0, 0.25, 0.0, 2.25], 1e-12);

    // smooth l1: 0.5 a^2 below 1, a - 0.5 above
    let n = net(&cost_model("smooth_l1", 2, 2, ""));
    let f = feed(vec![
        ("out", dense(1, &[0.5, -3.0])),
        ("label", dense(1, &[0.0, 0.0])),
    ]);
    assert_close(&out_of(&n, &f, "cost"), &[0.125 + 2.5], 1e-12);

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
        &out_of(&n, &f, "cost"),
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
        &out_of(&n, &f, "cost"),
        &[(0.5f64).exp().ln_1p() - 0.5, (-2f64).exp().ln_1p()],
        1e-12,
    );

    // sum cost
    let text = r#"layers { name: "x" type: "data" size: 3 }
layers { name: "cost" type: "sum_cost" size: 1 inputs { input_layer_name: "x" } }
output_layer_names: "cost""#;
    let f = feed(vec![("x", dense(2, &[1.0, 2.0, 3.0, -1.0, 0.0, 4.0]))]);
    assert_close(&out_of(&net(text), &f, "cost"), &[6.0, 3.0], 0.0);
}

// ---------------------------------------------------------------- other layers

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
        &out_of(&net(&two("dot_prod", "")), &f, "o"),
        &[2.0 - 2.0 - 3.0 + 2.0],
        1e-12,
    );
    assert_close(
        &out_of(&net(&two("l2_distance", "")), &f, "o"),
        &[(1.0f64 + 9.0 + 16.0 + 12.25).sqrt()],
        1e-12,
    );
    let cos = (-1.0) / ((1.0f64 + 4.0 + 9.0 + 0.25) * (4.0f64 + 1.0 + 1.0 + 16.0)).sqrt();
    assert_close(
        &out_of(&net(&two("cos", "cos_scale: 5")), &f, "o"),
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
        &out_of(
            &net(&one("slope_intercept", 4, "slope: 2 intercept: 1", "")),
            &fx,
            "o",
        ),
        &[3.0, -3.0, 7.0, 2.0],
        0.0,
    );
    assert_close(
        &out_of(
            &net(&one("clip", 4, "", "clip_conf { min: -1 max: 2 }")),
            &fx,
            "o",
        ),
        &[1.0, -1.0, 2.0, 0.5],
        0.0,
    );
    let n = (1.0f64 + 4.0 + 9.0 + 0.25).sqrt();
    assert_close(
        &out_of(&net(&one("row_l2_norm", 4, "", "")), &fx, "o"),
        &[1.0 / n, -2.0 / n, 3.0 / n, 0.5 / n],
        1e-12,
    );
    assert_close(
        &out_of(&net(&one("sum_to_one_norm", 4, "", "")), &fx, "o"),
        &[1.0 / 2.5, -2.0 / 2.5, 3.0 / 2.5, 0.5 / 2.5],
        1e-12,
    );
    assert_close(
        &out_of(
            &net(&one("featmap_expand", 8, "num_filters: 2", "")),
            &fx,
            "o",
        ),
        &[1.0, -2.0, 3.0, 0.5, 1.0, -2.0, 3.0, 0.5],
        0.0,
    );
    assert_close(
        &out_of(
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
    assert_close(&out_of(&net(&mo), &fx, "o"), &[1.0, 3.0], 0.0);

    // pad: 1 channel 2x2 -> pad_h [1, 0], pad_w [0, 1] -> 3x3
    let pad = one("pad", 9, "", "pad_conf { image_conf { channels: 1 img_size: 2 img_size_y: 2 } pad_c: 0 pad_c: 0 pad_h: 1 pad_h: 0 pad_w: 0 pad_w: 1 }");
    assert_close(
        &out_of(&net(&pad), &fx, "o"),
        &[0.0, 0.0, 0.0, 1.0, -2.0, 0.0, 3.0, 0.5, 0.0],
        0.0,
    );

    // bilinear (align corners): 1 channel 2x2 -> 3x3; the centre is the mean
    let bi = one("bilinear_interp", 9, "", "bilinear_interp_conf { image_conf { channels: 1 img_size: 2 img_size_y: 2 } out_size_x: 3 out_size_y: 3 }");
    assert_close(
        &out_of(&net(&bi), &fx, "o"),
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
        &out_of(&n, &f, "m"),
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

// ---------------------------------------------------------------- errors

#[test]
fn unknown_layer_type_fails_at_build() {
    let m = model(
        r#"layers { name: "x" type: "data" size: 2 }
layers { name: "odd" type: "no_such_layer" size: 2 inputs { input_layer_name: "x" } }"#,
    );
    let err = Network::build(&m, Device::Cpu, 1).err().unwrap();
    assert!(matches!(err, RuntimeError::UnsupportedLayer { .. }));
    assert_eq!(
        err.to_string(),
        "layer 'odd' has type 'no_such_layer', which the runtime does not support"
    );
}

#[test]
fn bad_feeds_are_errors_naming_the_layer() {
    let n = net(r#"layers { name: "x" type: "data" size: 3 }
layers { name: "c" type: "sum_cost" size: 1 inputs { input_layer_name: "x" } }
output_layer_names: "c""#);
    let err = n.forward(&Feed::new(), Mode::Test).err().unwrap();
    assert_eq!(err.to_string(), "no input fed for data layer 'x'");
    let err = n
        .forward(&feed(vec![("x", dense(1, &[1.0, 2.0]))]), Mode::Test)
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "data layer 'x': fed values of shape [1, 2], the layer has size 3"
    );
}

#[test]
fn wrong_parameter_size_fails_at_build() {
    let m = model(
        r#"layers { name: "x" type: "data" size: 2 }
layers { name: "f" type: "fc" size: 3 inputs { input_layer_name: "x" input_parameter_name: "w" } }
parameters { name: "w" size: 5 }"#,
    );
    let err = Network::build(&m, Device::Cpu, 1).err().unwrap();
    assert_eq!(
        err.to_string(),
        "layer 'f' (type 'fc'): parameter 'w' has size 5, the layer needs 6"
    );
}

#[test]
fn crop_takes_the_window_at_the_offset() {
    // 1 channel 3x3 cropped from row 1, column 0 to the 2x2 reference's size.
    let text = r#"layers { name: "x" type: "data" size: 9 height: 3 width: 3 }
layers { name: "ref" type: "data" size: 4 height: 2 width: 2 }
layers { name: "c" type: "crop" size: 4 inputs { input_layer_name: "x" }
  inputs { input_layer_name: "ref" } axis: 2 offset: 1 offset: 0 }
output_layer_names: "c""#;
    let x: Vec<f64> = (0..9).map(f64::from).collect();
    let f = feed(vec![("x", dense(1, &x)), ("ref", dense(1, &[0.0; 4]))]);
    assert_close(&out_of(&net(text), &f, "c"), &[3.0, 4.0, 6.0, 7.0], 0.0);
    // The same through `shape` instead of a reference input.
    let text = r#"layers { name: "x" type: "data" size: 9 height: 3 width: 3 }
layers { name: "c" type: "crop" size: 2 inputs { input_layer_name: "x" }
  axis: 2 offset: 2 offset: 1 shape: 1 shape: 2 }
output_layer_names: "c""#;
    let f = feed(vec![("x", dense(1, &x))]);
    assert_close(&out_of(&net(text), &f, "c"), &[7.0, 8.0], 0.0);
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
        &out_of(&net(&two("conv_shift", 4, 4, 3, "")), &f, "o"),
        &want,
        1e-12,
    );

    // convex_comb (linear_comb_layer): weights [2], vectors 2 x [3]
    let f = feed(vec![
        ("a", dense(1, &[2.0, -1.0])),
        ("b", dense(1, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])),
    ]);
    assert_close(
        &out_of(&net(&two("convex_comb", 3, 2, 6, "")), &f, "o"),
        &[-2.0, -1.0, 0.0],
        1e-12,
    );

    // cos_vm: a against each of 2 rows of b
    let f = feed(vec![
        ("a", dense(1, &[1.0, 0.0])),
        ("b", dense(1, &[3.0, 4.0, 0.0, -2.0])),
    ]);
    assert_close(
        &out_of(&net(&two("cos_vm", 2, 2, 4, "")), &f, "o"),
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
    assert_close(&out_of(&n, &f, "o"), &[11.5, -7.5], 1e-12);

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
    assert_close(&out_of(&n, &f, "o"), &[-1.0, 0.0, -1.0], 1e-12);

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

/// With a depth of 1, conv3d and pool3d must compute what their 2-D forms (checked against
/// naive loops above) compute.
#[test]
fn volume_layers_with_depth_one_match_the_2d_layers() {
    let text = r#"layers { name: "x" type: "data" size: 50 }
layers { name: "p2" type: "pool" size: 18 inputs { input_layer_name: "x" pool_conf {
  pool_type: "avg-projection" channels: 2 size_x: 3 stride: 2 output_x: 3 img_size: 5 padding: 1
  size_y: 3 stride_y: 2 output_y: 3 img_size_y: 5 padding_y: 1 } } }
layers { name: "p3" type: "pool3d" size: 18 inputs { input_layer_name: "x" pool_conf {
  pool_type: "avg-projection" channels: 2 size_x: 3 stride: 2 output_x: 3 img_size: 5 padding: 1
  size_y: 3 stride_y: 2 output_y: 3 img_size_y: 5 padding_y: 1 size_z: 1 stride_z: 1 output_z: 1
  img_size_z: 1 padding_z: 0 } } }
layers { name: "m2" type: "pool" size: 18 inputs { input_layer_name: "x" pool_conf {
  pool_type: "max-projection" channels: 2 size_x: 2 stride: 2 output_x: 3 img_size: 5 padding: 0
  size_y: 2 stride_y: 2 output_y: 3 img_size_y: 5 padding_y: 0 } } }
layers { name: "m3" type: "pool3d" size: 18 inputs { input_layer_name: "x" pool_conf {
  pool_type: "max-projection" channels: 2 size_x: 2 stride: 2 output_x: 3 img_size: 5 padding: 0
  size_y: 2 stride_y: 2 output_y: 3 img_size_y: 5 padding_y: 0 size_z: 1 stride_z: 1 output_z: 1
  img_size_z: 1 padding_z: 0 } } }
layers { name: "c2" type: "exconv" size: 75 inputs { input_layer_name: "x" input_parameter_name: "w"
  conv_conf { filter_size: 3 channels: 2 stride: 1 padding: 1 groups: 1 filter_channels: 2
    output_x: 5 img_size: 5 caffe_mode: true filter_size_y: 3 padding_y: 1 stride_y: 1
    output_y: 5 img_size_y: 5 } } num_filters: 3 }
layers { name: "c3" type: "conv3d" size: 75 inputs { input_layer_name: "x" input_parameter_name: "w"
  conv_conf { filter_size: 3 channels: 2 stride: 1 padding: 1 groups: 1 filter_channels: 2
    output_x: 5 img_size: 5 caffe_mode: true filter_size_y: 3 padding_y: 1 stride_y: 1
    output_y: 5 img_size_y: 5 filter_size_z: 1 padding_z: 0 stride_z: 1 output_z: 1
    img_size_z: 1 } } num_filters: 3 }
parameters { name: "w" size: 54 initial_std: 0.3 }
output_layer_names: "p3""#;
    let n = net(text);
    let f = feed(vec![("x", dense(2, &ramp(100, 0.9)))]);
    let fwd = n.forward(&f, Mode::Test).unwrap();
    let get = |l: &str| values(fwd.output(l).unwrap().value.as_ref().unwrap());
    assert_close(&get("p3"), &get("p2"), 1e-12);
    assert_close(&get("m3"), &get("m2"), 1e-12);
    assert_close(&get("c3"), &get("c2"), 1e-12);
}

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

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// LSTM and GRU against plain loops of Paddle's cell formulas (hl_lstm_ops, hl_gru_ops), two
/// sequences of 3 and 1 steps, forward and reversed.
#[test]
fn recurrent_cells_match_paddles_formulas() {
    let h = 2usize;
    let starts = vec![0i64, 3, 4];
    for reversed in [false, true] {
        // ---- LSTM
        let text = format!(
            r#"layers {{ name: "x" type: "data" size: 8 }}
layers {{ name: "l" type: "lstmemory" size: 2 active_type: "tanh"
  inputs {{ input_layer_name: "x" input_parameter_name: "w" }} bias_parameter_name: "b"
  reversed: {reversed} active_gate_type: "sigmoid" active_state_type: "tanh" }}
parameters {{ name: "w" size: 16 dims: 2 dims: 2 dims: 4 }}
parameters {{ name: "b" size: 14 dims: 1 dims: 14 }}
output_layer_names: "l""#
        );
        let mut n = net(&text);
        let w: Vec<f64> = ramp(16, 0.4).iter().map(|v| v * 0.3).collect();
        let b: Vec<f64> = ramp(14, 1.3).iter().map(|v| v * 0.2).collect();
        set(&mut n, "w", &w);
        set(&mut n, "b", &b);
        let w: Vec<f64> = w.iter().map(|&v| v as f32 as f64).collect();
        let b: Vec<f64> = b.iter().map(|&v| v as f32 as f64).collect();
        let x = ramp(32, 2.2);
        let mut arg = dense(4, &x);
        arg.seq_starts = Some(starts.clone());
        let got = out_of(&n, &feed(vec![("x", arg)]), "l");
        let mut want = vec![0.0; 8];
        for seq in starts.windows(2) {
            let (mut hp, mut cp) = (vec![0.0; h], vec![0.0; h]);
            let order: Vec<i64> = if reversed {
                (seq[0]..seq[1]).rev().collect()
            } else {
                (seq[0]..seq[1]).collect()
            };
            for r in order {
                let r = r as usize;
                // gate value g[k] = x[r, k] + sum_j h'[j] W[j, k] + b[k], W is [H, 4H]
                let g: Vec<f64> = (0..4 * h)
                    .map(|k| {
                        x[r * 8 + k] + (0..h).map(|j| hp[j] * w[j * 4 * h + k]).sum::<f64>() + b[k]
                    })
                    .collect();
                let mut hn = vec![0.0; h];
                let mut cn = vec![0.0; h];
                for q in 0..h {
                    let a = g[q].tanh();
                    let i = sigmoid(g[h + q] + cp[q] * b[4 * h + q]);
                    let f = sigmoid(g[2 * h + q] + cp[q] * b[5 * h + q]);
                    cn[q] = a * i + cp[q] * f;
                    let o = sigmoid(g[3 * h + q] + cn[q] * b[6 * h + q]);
                    hn[q] = o * cn[q].tanh();
                    want[r * h + q] = hn[q];
                }
                hp = hn;
                cp = cn;
            }
        }
        assert_close(&got, &want, 1e-9);

        // ---- GRU
        let text = format!(
            r#"layers {{ name: "x" type: "data" size: 6 }}
layers {{ name: "g" type: "gated_recurrent" size: 2 active_type: "tanh"
  inputs {{ input_layer_name: "x" input_parameter_name: "w" }} bias_parameter_name: "b"
  reversed: {reversed} active_gate_type: "sigmoid" }}
parameters {{ name: "w" size: 12 dims: 2 dims: 6 }}
parameters {{ name: "b" size: 6 dims: 1 dims: 6 }}
output_layer_names: "g""#
        );
        let mut n = net(&text);
        let w: Vec<f64> = ramp(12, 0.8).iter().map(|v| v * 0.4).collect();
        let b: Vec<f64> = ramp(6, 0.1).iter().map(|v| v * 0.3).collect();
        set(&mut n, "w", &w);
        set(&mut n, "b", &b);
        let w: Vec<f64> = w.iter().map(|&v| v as f32 as f64).collect();
        let b: Vec<f64> = b.iter().map(|&v| v as f32 as f64).collect();
        let x = ramp(24, 0.6);
        let mut arg = dense(4, &x);
        arg.seq_starts = Some(starts.clone());
        let got = out_of(&n, &feed(vec![("x", arg)]), "g");
        let mut want = vec![0.0; 8];
        for seq in starts.windows(2) {
            let mut hp = vec![0.0; h];
            let order: Vec<i64> = if reversed {
                (seq[0]..seq[1]).rev().collect()
            } else {
                (seq[0]..seq[1]).collect()
            };
            for r in order {
                let r = r as usize;
                let xb: Vec<f64> = (0..3 * h).map(|k| x[r * 6 + k] + b[k]).collect();
                // W_ur is [H, 2H] (first 2H*H values), W_s is [H, H] after it
                let ur: Vec<f64> = (0..2 * h)
                    .map(|k| xb[k] + (0..h).map(|j| hp[j] * w[j * 2 * h + k]).sum::<f64>())
                    .collect();
                let u: Vec<f64> = (0..h).map(|q| sigmoid(ur[q])).collect();
                let rg: Vec<f64> = (0..h).map(|q| sigmoid(ur[h + q])).collect();
                let hn: Vec<f64> = (0..h)
                    .map(|q| {
                        let s = (xb[2 * h + q]
                            + (0..h)
                                .map(|j| hp[j] * rg[j] * w[2 * h * h + j * h + q])
                                .sum::<f64>())
                        .tanh();
                        hp[q] - u[q] * hp[q] + u[q] * s
                    })
                    .collect();
                for q in 0..h {
                    want[r * h + q] = hn[q];
                }
                hp = hn;
            }
        }
        assert_close(&got, &want, 1e-9);
    }
}

/// recurrent (RecurrentLayer): h_t = act(x_t + b + h_{t-1} W), per sequence.
#[test]
fn simple_recurrent_layer_matches_loops() {
    let text = r#"layers { name: "x" type: "data" size: 2 }
layers { name: "r" type: "recurrent" size: 2 active_type: "tanh"
  inputs { input_layer_name: "x" input_parameter_name: "w" } bias_parameter_name: "b" reversed: false }
parameters { name: "w" size: 4 dims: 2 dims: 2 }
parameters { name: "b" size: 2 dims: 1 dims: 2 }
output_layer_names: "r""#;
    let mut n = net(text);
    set(&mut n, "w", &[0.5, -0.25, 0.75, 1.0]);
    set(&mut n, "b", &[0.125, -0.5]);
    let x = [1.0, 0.0, -1.0, 2.0, 0.5, 0.5];
    let mut arg = dense(3, &x);
    arg.seq_starts = Some(vec![0, 2, 3]);
    let got = out_of(&n, &feed(vec![("x", arg)]), "r");
    let w = [[0.5, -0.25], [0.75, 1.0]];
    let b = [0.125, -0.5];
    let mut want = Vec::new();
    for seq in [0..2usize, 2..3] {
        let mut hp = [0.0f64; 2];
        for r in seq {
            let hn: Vec<f64> = (0..2)
                .map(|k| (x[r * 2 + k] + b[k] + hp[0] * w[0][k] + hp[1] * w[1][k]).tanh())
                .collect();
            want.extend(&hn);
            hp = [hn[0], hn[1]];
        }
    }
    assert_close(&got, &want, 1e-12);
}

/// context projection: neighbours within each sequence, zeros or trainable padding outside.
#[test]
fn context_projection_gathers_neighbours_within_sequences() {
    let model_text = |trainable: bool| {
        let pad = if trainable {
            r#"input_parameter_name: "pad""#
        } else {
            ""
        };
        format!(
            r#"layers {{ name: "x" type: "data" size: 1 }}
layers {{ name: "c" type: "mixed" size: 3 inputs {{ input_layer_name: "x" {pad}
  proj_conf {{ type: "context" name: "pad" input_size: 1 output_size: 3 context_start: -1
    context_length: 3 trainable_padding: {trainable} }} }} }}
parameters {{ name: "pad" size: 2 dims: 2 dims: 1 }}
output_layer_names: "c""#
        )
    };
    let mut x = dense(4, &[1.0, 2.0, 3.0, 4.0]);
    x.seq_starts = Some(vec![0, 3, 4]);
    let f = feed(vec![("x", x)]);
    // rows: [prev, self, next] inside each sequence
    assert_close(
        &out_of(&net(&model_text(false)), &f, "c"),
        &[0.0, 1.0, 2.0, 1.0, 2.0, 3.0, 2.0, 3.0, 0.0, 0.0, 4.0, 0.0],
        0.0,
    );
    let mut n = net(&model_text(true));
    set(&mut n, "pad", &[-7.0, 9.0]); // one row before the start, one after the end
    assert_close(
        &out_of(&n, &f, "c"),
        &[-7.0, 1.0, 2.0, 1.0, 2.0, 3.0, 2.0, 3.0, 9.0, -7.0, 4.0, 9.0],
        0.0,
    );
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
fn blockexpand_turns_each_image_into_a_sequence_of_blocks() {
    let text = r#"layers { name: "x" type: "data" size: 9 height: 3 width: 3 }
layers { name: "b" type: "blockexpand" size: 4 inputs { input_layer_name: "x"
  block_expand_conf { channels: 1 stride_x: 2 stride_y: 2 padding_x: 0 padding_y: 0
    block_x: 2 block_y: 2 output_x: 0 output_y: 0 img_size_x: 0 img_size_y: 0 } } }
output_layer_names: "b""#;
    let x: Vec<f64> = (1..=9).map(f64::from).collect();
    let fwd = net(text)
        .forward(&feed(vec![("x", dense(1, &x))]), Mode::Test)
        .unwrap();
    let b = fwd.output("b").unwrap();
    // Blocks at (0,0), (0,2), (2,0), (2,2); the partial ones are zero-padded (ceil count).
    assert_close(
        &values(b.value.as_ref().unwrap()),
        &[
            1.0, 2.0, 4.0, 5.0, 3.0, 0.0, 6.0, 0.0, 7.0, 8.0, 0.0, 0.0, 9.0, 0.0, 0.0, 0.0,
        ],
        0.0,
    );
    assert_eq!(b.seq_starts, Some(vec![0, 4]));
}

#[test]
fn kmax_seq_score_lists_the_best_positions_per_sequence() {
    let text = r#"layers { name: "s" type: "data" size: 1 }
layers { name: "k" type: "kmax_seq_score" inputs { input_layer_name: "s" } beam_size: 2 }
output_layer_names: "k""#;
    let mut s = dense(5, &[0.1, 0.9, 0.5, 0.3, 0.7]);
    s.seq_starts = Some(vec![0, 4, 5]);
    let got = out_of(&net(text), &feed(vec![("s", s)]), "k");
    assert_close(&got, &[1.0, 2.0, 0.0, -1.0], 0.0);
}

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
    assert_close(&out_of(&n, &f, "h"), &want, 1e-12);
}
