//! priorbox: boxes worked out by hand from PriorBox.cpp.

use crate::support::*;

#[test]
fn priorbox_writes_paddles_boxes_and_variances() {
    let net = net_of(&model_of("switch_order_priorbox"));
    let mut feed = Feed::new();
    feed.insert(
        "img".into(),
        Arg::dense(Tensor::zeros([2, 32], (Kind::Double, Device::Cpu))),
    );
    let v = output(&net, &feed, "__priorbox_0__");
    // 4x4 cells, 4 priors a cell (min 2, sqrt(2*4) as an int = 2, ratios 2 and 1/2), 8 values.
    assert_eq!(v.len(), 4 * 4 * 4 * 8);
    let var = [0.1, 0.1, 0.2, 0.2];
    let r2 = 2f64.sqrt();
    // Cell (0, 0): centre (0.5, 0.5) on a 4x4 image, step 1.
    let clip = |x: f64| x.clamp(0.0, 1.0);
    let bx = |w: f64, h: f64| {
        let mut b = vec![
            clip((0.5 - w / 2.0) / 4.0),
            clip((0.5 - h / 2.0) / 4.0),
            clip((0.5 + w / 2.0) / 4.0),
            clip((0.5 + h / 2.0) / 4.0),
        ];
        b.extend_from_slice(&var);
        b
    };
    let want: Vec<f64> = [
        bx(2.0, 2.0),
        bx(2.0, 2.0),
        bx(2.0 * r2, 2.0 / r2),
        bx(2.0 / r2, 2.0 * r2),
    ]
    .concat();
    assert_close(&v[..32], &want, 1e-12);
    // Cell (1, 2) (row 1, column 2): centre (2.5, 1.5); its min-size square.
    let at = (4 + 2) * 32;
    assert_close(
        &v[at..at + 4],
        &[1.5 / 4.0, 0.5 / 4.0, 3.5 / 4.0, 2.5 / 4.0],
        1e-12,
    );
}
