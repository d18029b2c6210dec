//! cmrnorm (LRN) against Paddle's cross-map formula.

use crate::support::*;

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
    let got = output(&n, &feed(vec![("x", dense(1, &x))]), "n");
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
