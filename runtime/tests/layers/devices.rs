//! The same graph on the CPU, on CUDA and on a replica gives the same values and gradients. The CUDA tests run only where libtorch finds a device; elsewhere they say so and check nothing.

use crate::support::*;
use paddlers_runtime::runtime::checkgrad::random_feed;

/// The new layers' costs and parameter gradients on `other` match the CPU's (nce draws on the
/// CPU generator, so the same seed gives both devices the same classes).
fn compare_new_layers_on(other: Device) {
    use paddlers_runtime::runtime::checkgrad::random_feed;
    let _rng = rng_lock();
    for cfg in ["deconv3d", "roi_pool", "nce"] {
        let model = model_of(cfg);
        let cpu = Network::build(&model, Device::Cpu, 5).unwrap();
        let dev = cpu.replica(other).unwrap();
        let feed = random_feed(&cpu, 4, 3);
        let dfeed: Feed = feed
            .iter()
            .map(|(k, a)| {
                let mut b = a.clone();
                b.value = a.value.as_ref().map(|v| v.detach().to_device(other));
                b.ids = a.ids.as_ref().map(|v| v.to_device(other));
                (k.clone(), b)
            })
            .collect();
        tch::manual_seed(11);
        let a = cpu.forward(&feed, Mode::Train).unwrap().loss.unwrap();
        tch::manual_seed(11);
        let b = dev.forward(&dfeed, Mode::Train).unwrap().loss.unwrap();
        let (av, bv) = (a.double_value(&[]), b.double_value(&[]));
        assert!(
            (av - bv).abs() <= 1e-4 * (1.0 + av.abs()),
            "{cfg}: {av} vs {bv}"
        );
        cpu.params().zero_grad();
        dev.params().zero_grad();
        a.backward();
        b.backward();
        for (p, q) in cpu.params().trainable().zip(dev.params().trainable()) {
            let (g, h) = (p.grad().unwrap(), q.grad().unwrap());
            let d = max_abs_diff(&g, &h);
            assert!(d < 1e-4, "{cfg}: gradient of {} differs by {d}", p.name());
        }
    }
}

#[test]
fn new_layers_agree_on_cpu_and_cuda() {
    paddlers_runtime::cuda::load_cuda_backend();
    if !tch::Cuda::is_available() {
        eprintln!("no CUDA device: CPU/CUDA comparison skipped");
        return;
    }
    compare_new_layers_on(Device::Cuda(0));
}

#[test]
fn new_layers_agree_with_a_cpu_replica() {
    compare_new_layers_on(Device::Cpu);
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
