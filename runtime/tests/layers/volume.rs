//! 3-d layers: depth-one volumes against the 2-d layers, and deconv3d against Paddle's matrix layout and col2vol.

use crate::support::*;

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

/// Geometry of one deconv3d layer, in Paddle's (z, y, x) order.
struct Deconv {
    channels: usize,
    filters: usize,
    groups: usize,
    k: [usize; 3],
    stride: [usize; 3],
    pad: [usize; 3],
    inp: [usize; 3],
    out: [usize; 3],
}

/// DeConv3DLayer::forward as plain loops: for each group, column = W_g (K x M) * input_g
/// (M x N), then col2Vol scatters column row (f, kz, ky, kx) of input cell (iz, iy, ix) to
/// output cell (iz*sz - pz + kz, ...), skipping cells outside the volume.
fn naive_deconv3d(d: &Deconv, w: &[f64], x: &[f64], bias: &[f64], shared: bool) -> Vec<f64> {
    let m = d.channels / d.groups;
    let fg = d.filters / d.groups;
    let pixels = d.k.iter().product::<usize>();
    let n_in = d.inp.iter().product::<usize>();
    let n_out = d.out.iter().product::<usize>();
    let mut y = vec![0.0; d.filters * n_out];
    for g in 0..d.groups {
        for f in 0..fg {
            let ft = g * fg + f;
            for kz in 0..d.k[0] {
                for ky in 0..d.k[1] {
                    for kx in 0..d.k[2] {
                        let p = (kz * d.k[1] + ky) * d.k[2] + kx;
                        for iz in 0..d.inp[0] {
                            for iy in 0..d.inp[1] {
                                for ix in 0..d.inp[2] {
                                    let oz = (iz * d.stride[0] + kz) as i64 - d.pad[0] as i64;
                                    let oy = (iy * d.stride[1] + ky) as i64 - d.pad[1] as i64;
                                    let ox = (ix * d.stride[2] + kx) as i64 - d.pad[2] as i64;
                                    if oz < 0
                                        || oy < 0
                                        || ox < 0
                                        || oz >= d.out[0] as i64
                                        || oy >= d.out[1] as i64
                                        || ox >= d.out[2] as i64
                                    {
                                        continue;
                                    }
                                    let o = (oz as usize * d.out[1] + oy as usize) * d.out[2]
                                        + ox as usize;
                                    let i = (iz * d.inp[1] + iy) * d.inp[2] + ix;
                                    for c in 0..m {
                                        let wv = w[(ft * pixels + p) * m + c];
                                        y[ft * n_out + o] += wv * x[(g * m + c) * n_in + i];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    for (j, v) in y.iter_mut().enumerate() {
        *v += if shared { bias[j / n_out] } else { bias[j] };
    }
    y
}

#[test]
fn deconv3d_matches_paddles_matrix_layout_and_col2vol() {
    let model = model_of("deconv3d");
    let mut net = net_of(&model);
    let shared = Deconv {
        channels: 2,
        filters: 2,
        groups: 1,
        k: [2, 3, 2],
        stride: [2, 1, 2],
        pad: [1, 1, 0],
        inp: [2, 3, 2],
        out: [2, 3, 4],
    };
    let grouped = Deconv {
        channels: 2,
        filters: 2,
        groups: 2,
        k: [2, 2, 2],
        stride: [1, 1, 1],
        pad: [0, 0, 0],
        inp: [2, 3, 2],
        out: [3, 4, 3],
    };
    let w1 = eighths(2 * 12 * 2, 1);
    let b1 = [0.25, -0.5];
    let w2 = eighths(2 * 8, 2);
    let b2 = eighths(72, 3);
    set(&mut net, "_deconv_shared.w0", &w1);
    set(&mut net, "_deconv_shared.wbias", &b1);
    set(&mut net, "_deconv_groups.w0", &w2);
    set(&mut net, "_deconv_groups.wbias", &b2);
    let rows = 2;
    let x = eighths(rows * 24, 4);
    let feed: Feed = [("vol".to_string(), dense(rows as i64, &x))]
        .into_iter()
        .collect();
    let mut want1 = Vec::new();
    let mut want2 = Vec::new();
    for r in 0..rows {
        let xr = &x[r * 24..(r + 1) * 24];
        want1.extend(
            naive_deconv3d(&shared, &w1, xr, &b1, true)
                .into_iter()
                .map(f64::tanh),
        );
        want2.extend(naive_deconv3d(&grouped, &w2, xr, &b2, false));
    }
    assert_close(&output(&net, &feed, "deconv_shared"), &want1, 1e-12);
    assert_close(&output(&net, &feed, "deconv_groups"), &want2, 1e-12);
}

#[test]
fn deconv3d_gradients() {
    checkgrad("deconv3d");
}
