//! Inference with batch norm folded into the convolution before it (runtime::fold): the same
//! outputs as running the two layers, on ResNet-20 (models/resnet.cfg) with batch-norm
//! parameters and moving statistics far from their initial values.

use crate::support::*;

fn resnet20(kind: Kind) -> Network {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/resnet.cfg");
    let config = paddlers::helpers::parse_config(&path, "depth=20,is_predict=1")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut net = Network::build_with_kind(&config.model_config, Device::Cpu, kind, 1).unwrap();
    // Scale, shift, moving mean and variance of every batch norm: seeded values in ranges a
    // trained network has (variance well away from 0, so 1/sqrt(var + eps) stays moderate).
    let names: Vec<(String, usize)> = net
        .params()
        .iter()
        .filter(|p| p.name().contains("batch_norm"))
        .map(|p| (p.name().to_string(), p.config.size as usize))
        .collect();
    for (k, (name, size)) in names.iter().enumerate() {
        let r = ramp(*size, k as f64);
        let v: Vec<f64> = match name.rsplit('.').next() {
            Some("w0") => r.iter().map(|x| 1.0 + 0.3 * x.sin()).collect(),
            Some("w1") | Some("wbias") => r.iter().map(|x| 0.2 * x.cos()).collect(),
            Some("w2") => r.iter().map(|x| 1.0 + 0.5 * x.sin()).collect(),
            _ => continue,
        };
        set(&mut net, name, &v);
    }
    net
}

fn image_feed(kind: Kind) -> Feed {
    let x: Vec<f64> = ramp(8 * 3 * 32 * 32, 0.5).iter().map(|v| v.sin()).collect();
    let t = Tensor::from_slice(&x).view([8, 3 * 32 * 32]).to_kind(kind);
    feed(vec![("image", Arg::dense(t))])
}

fn folded_and_unfolded(kind: Kind) -> (Vec<f64>, Vec<f64>) {
    let mut net = resnet20(kind);
    let feed = image_feed(kind);
    let out_name = net.model().output_layer_names[0].clone();
    let folded = net.forward(&feed, Mode::Test).unwrap();
    // The folds happened: a convolution followed by its batch norm was not run on its own.
    assert!(
        folded.output("__conv_0__").is_none(),
        "__conv_0__ ran unfolded"
    );
    let got = values(folded.output(&out_name).unwrap().value.as_ref().unwrap());
    net.set_fold_batch_norm(false);
    let plain = net.forward(&feed, Mode::Test).unwrap();
    assert!(plain.output("__conv_0__").is_some());
    let want = values(plain.output(&out_name).unwrap().value.as_ref().unwrap());
    (got, want)
}

/// float64: the folding is exact algebra, so only rounding of the reordered products differs
/// (relative 1e-16 per operation over 19 convolutions).
#[test]
fn folded_batch_norm_matches_unfolded_in_float64() {
    let (got, want) = folded_and_unfolded(Kind::Double);
    assert_close(&got, &want, 1e-10);
}

/// float32, as inference runs: the scale multiplies the filters before the convolution's sums
/// instead of the sums after, a relative difference of a few 1e-7 per layer; through 19
/// convolutions and the softmax, probabilities agree to 1e-4 on any x86-64 kernel path.
#[test]
fn folded_batch_norm_matches_unfolded_in_float32() {
    let (got, want) = folded_and_unfolded(Kind::Float);
    assert_close(&got, &want, 1e-4);
    // The outputs are probabilities that are not all alike, so the comparison has teeth.
    let spread =
        want.iter().cloned().fold(0.0f64, f64::max) - want.iter().cloned().fold(1.0f64, f64::min);
    assert!(spread > 1e-3, "outputs too uniform to compare: {want:?}");
}
