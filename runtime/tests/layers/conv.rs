//! exconv and exconvt against naive loops in Paddle's filter layout.

use crate::support::*;

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
        let got = output(&n, &feed(vec![("x", dense(2, &x))]), "c");
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
    let got = output(&n, &feed(vec![("x", dense(1, &x))]), "t");
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
