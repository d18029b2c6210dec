//! pool: output sizes by Paddle's ceil rule, and values against naive windows.

use crate::support::*;
use paddlers_runtime::runtime::layers::PoolWindow;

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
            let got = output(&n, &f, "p");
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
