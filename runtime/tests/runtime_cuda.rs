//! The same graph on CPU and CUDA gives the same outputs, costs and gradients. Runs only
//! where libtorch finds a CUDA device; elsewhere it says so and checks nothing.

use std::path::Path;

use paddlers_runtime::runtime::checkgrad::random_feed;
use paddlers_runtime::runtime::{Arg, Feed, Mode, Network};
use tch::{Device, Kind, Tensor};

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a.to_device(Device::Cpu).to_kind(Kind::Double)
        - b.to_device(Device::Cpu).to_kind(Kind::Double))
    .abs()
    .max()
    .double_value(&[])
}

fn to_device(feed: &Feed, device: Device) -> Feed {
    feed.iter()
        .map(|(k, a)| {
            let b = Arg {
                value: a.value.as_ref().map(|v| v.detach().to_device(device)),
                ids: a.ids.as_ref().map(|v| v.to_device(device)),
                ..Default::default()
            };
            (k.clone(), b)
        })
        .collect()
}

#[test]
fn cpu_and_cuda_agree() {
    paddlers_runtime::cuda::load_cuda_backend();
    if !tch::Cuda::is_available() {
        eprintln!("no CUDA device: CPU/CUDA comparison skipped");
        return;
    }
    compare_devices(Device::Cuda(0));
}

/// The comparison itself, run between two CPU copies everywhere: a replica must compute
/// exactly what its original does.
#[test]
fn a_replica_agrees_with_its_original() {
    compare_devices(Device::Cpu);
}

fn compare_devices(other: Device) {
    for cfg in ["conv_pool_norm", "fc_softmax", "mixed", "costs"] {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../models/checkgrad/{cfg}.cfg"));
        let config = paddlers::helpers::parse_config(&path, "").unwrap();
        // Drop_rate draws differ between devices: compare in test mode and, for gradients,
        // in training mode on graphs without dropout.
        let cpu = Network::build(&config.model_config, Device::Cpu, 5).unwrap();
        let gpu = cpu.replica(other).unwrap();
        let feed = random_feed(&cpu, 8, 3);
        let gfeed = to_device(&feed, other);
        for mode in [Mode::Test, Mode::Train] {
            let a = cpu.forward(&feed, mode).unwrap();
            let b = gpu.forward(&gfeed, mode).unwrap();
            let has_dropout = config
                .model_config
                .layers
                .iter()
                .any(|l| l.drop_rate.is_some());
            if mode == Mode::Train && has_dropout {
                continue;
            }
            for l in &config.model_config.layers {
                if let (Some(x), Some(y)) = (
                    a.output(&l.name).and_then(|o| o.value.as_ref()),
                    b.output(&l.name).and_then(|o| o.value.as_ref()),
                ) {
                    let d = max_abs_diff(x, y);
                    assert!(
                        d < 1e-3,
                        "{cfg} {mode:?} layer {}: CPU and CUDA differ by {d}",
                        l.name
                    );
                }
            }
            if mode == Mode::Train {
                cpu.params().zero_grad();
                gpu.params().zero_grad();
                a.loss.unwrap().backward();
                b.loss.unwrap().backward();
                for p in cpu.params().trainable() {
                    let g = p.grad().unwrap();
                    let h = gpu.params().get(p.name()).unwrap().grad().unwrap();
                    let scale = g.abs().max().double_value(&[]).max(1.0);
                    let d = max_abs_diff(&g, &h) / scale;
                    assert!(d < 1e-3, "{cfg}: gradient of {} differs by {d}", p.name());
                }
            }
        }
    }
}
