//! Steady-state throughput of one network under paddlers' own training step (the trainer's
//! `Replicas::forward_backward` + `update`, Paddle's optimizer) or its inference forward
//! (`Mode::Test`), on a fixed synthetic batch, for `benches/bench.sh` to set beside the
//! PyTorch peer (`benches/torch_peer.py`) that runs the same model the same way.
//!
//!     cargo bench -p paddlers-runtime-cli --bench net_throughput -- \
//!         --config models/resnet.cfg --config_args depth=20 --mode train --iters 10
//!
//! `--device cuda` runs on the first GPU (cuDNN autotuning on); `--layout nchw` turns
//! paddlers' channels-last image layers off and `--fold off` its batch norm folding at
//! inference, for comparison.
//!
//! Prints one line: `images_per_s=<f> peak_rss_mib=<f>` (peak resident memory of the whole
//! process, from getrusage, as the peer reports its own).

use std::time::Instant;

use anyhow::{bail, Context, Result};
use paddlers_runtime::runtime::{Arg, Feed, Mode, Network};
use paddlers_runtime::train::optimizer::Optimizer;
use paddlers_runtime::train::replicas::Replicas;
use tch::{Device, Kind, Tensor};

struct Args {
    config: String,
    config_args: String,
    train: bool,
    batch: i64,
    warmup: usize,
    iters: usize,
    device: Device,
    channels_last: bool,
    fold: bool,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        config: String::new(),
        config_args: String::new(),
        train: true,
        batch: 128,
        warmup: 2,
        iters: 10,
        device: Device::Cpu,
        channels_last: true,
        fold: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        // `cargo bench` passes --bench to every harness=false target.
        if flag == "--bench" {
            continue;
        }
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--config" => a.config = value,
            "--config_args" => a.config_args = value,
            "--mode" => {
                a.train = match value.as_str() {
                    "train" => true,
                    "infer" => false,
                    other => bail!("--mode is train or infer, not {other}"),
                }
            }
            "--batch" => a.batch = value.parse()?,
            "--warmup" => a.warmup = value.parse()?,
            "--iters" => a.iters = value.parse()?,
            "--device" => {
                a.device = match value.as_str() {
                    "cpu" => Device::Cpu,
                    "cuda" => {
                        paddlers_runtime::cuda::require_gpu()?;
                        tch::Cuda::cudnn_set_benchmark(true);
                        Device::Cuda(0)
                    }
                    other => bail!("--device is cpu or cuda, not {other}"),
                }
            }
            "--fold" => a.fold = value == "on",
            "--layout" => {
                a.channels_last = match value.as_str() {
                    "cl" => true,
                    "nchw" => false,
                    other => bail!("--layout is cl or nchw, not {other}"),
                }
            }
            other => bail!("unknown flag {other}"),
        }
    }
    if a.config.is_empty() {
        bail!("--config is required");
    }
    Ok(a)
}

/// Peak resident set size of this process so far, in MiB.
fn peak_rss_mib() -> f64 {
    // SAFETY: getrusage only writes the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    ru.ru_maxrss as f64 / 1024.0
}

/// A CIFAR-shaped batch: every dense data layer gets N(0,1) rows, every other one (the
/// label) uniform class ids below the output size.
fn synthetic_feed(net: &Network, batch: i64, classes: i64) -> Feed {
    let device = net.device();
    let mut feed = Feed::new();
    for (name, size) in net.data_layers() {
        let arg = if name == "label" {
            Arg::ids(Tensor::randint(classes, [batch], (Kind::Int64, device)))
        } else {
            Arg::dense(Tensor::randn([batch, size], (Kind::Float, device)))
        };
        feed.insert(name.to_string(), arg);
    }
    feed
}

fn main() -> Result<()> {
    let a = parse_args()?;
    let mut config_args = a.config_args.clone();
    if !a.train {
        config_args = if config_args.is_empty() {
            "is_predict=1".into()
        } else {
            format!("{config_args},is_predict=1")
        };
    }
    let config = paddlers::helpers::parse_config(a.config.as_ref(), &config_args)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    tch::manual_seed(1);
    paddlers_runtime::runtime::layout::set_channels_last(a.channels_last);
    let mut net = Network::build(&config.model_config, a.device, 1)?;
    net.set_fold_batch_norm(a.fold);
    let feed = synthetic_feed(&net, a.batch, 10);
    let total = a.warmup + a.iters;
    let mut started = Instant::now();
    if a.train {
        let mut optimizer = Optimizer::new(&config.opt_config, &config.model_config.parameters)?;
        let mut replicas = Replicas::new(net, &[])?;
        for i in 0..total {
            if i == a.warmup {
                started = Instant::now();
            }
            optimizer.start_batch(a.batch);
            let out = replicas.forward_backward(&feed, a.batch, &[])?;
            if !out.cost.is_finite() {
                bail!("the cost became {} at step {i}", out.cost);
            }
            replicas.update(&mut optimizer)?;
            optimizer.finish_batch();
        }
    } else {
        let out_name = config.model_config.output_layer_names[0].clone();
        for i in 0..total {
            if i == a.warmup {
                started = Instant::now();
            }
            let fwd = net.forward(&feed, Mode::Test)?;
            let probs = fwd
                .output(&out_name)
                .and_then(|o| o.value.as_ref())
                .context("no output")?;
            // Read the result back, as predict and the evaluators do.
            let _ = probs.argmax(1, false).int64_value(&[0]);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "images_per_s={:.2} peak_rss_mib={:.1}",
        (a.iters as i64 * a.batch) as f64 / seconds,
        peak_rss_mib()
    );
    Ok(())
}
