//! switch_order: NCHW to NHWC as a loop, and its gradient.

use crate::support::*;

#[test]
fn switch_order_moves_channels_last() {
    let net = net_of(&model_of("switch_order_priorbox"));
    let x: Vec<f64> = (0..64).map(|i| f64::from(i) / 64.0).collect();
    let mut feed = Feed::new();
    feed.insert(
        "img".into(),
        Arg::dense(Tensor::from_slice(&x).view([2, 32])),
    );
    let fwd = net.forward(&feed, Mode::Test).unwrap();
    let conv = fwd.output("__conv_0__").unwrap().value.as_ref().unwrap();
    let c = Vec::<f64>::try_from(&conv.reshape([-1])).unwrap();
    let out = fwd
        .output("__switch_order_0__")
        .unwrap()
        .value
        .as_ref()
        .unwrap();
    // reshape_axis=3: one row per pixel, its 3 channels.
    assert_eq!(out.size(), vec![2 * 16, 3]);
    let got = Vec::<f64>::try_from(&out.reshape([-1])).unwrap();
    let mut want = Vec::new();
    for n in 0..2 {
        for p in 0..16 {
            for ch in 0..3 {
                want.push(c[n * 48 + ch * 16 + p]);
            }
        }
    }
    assert_eq!(got, want);
}

#[test]
fn switch_order_gradients() {
    checkgrad("switch_order_priorbox");
}
