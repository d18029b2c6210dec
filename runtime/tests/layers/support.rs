//! What the layer-family modules share: building a network from protostr text or from a
//! config under models/checkgrad/, feeding it, reading outputs, setting parameters exactly, and
//! the one lock on libtorch's global generator.

pub use paddlers_graph::{protostr, ModelConfig};
pub use paddlers_runtime::runtime::checkgrad::{check_model, CheckgradOptions, TOLERANCE};
pub use paddlers_runtime::runtime::{Arg, Feed, Mode, Network, RuntimeError};
pub use std::path::{Path, PathBuf};
pub use tch::{Device, Kind, Tensor};

pub fn model(text: &str) -> ModelConfig {
    protostr::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

pub fn net(text: &str) -> Network {
    Network::build_with_kind(&model(text), Device::Cpu, Kind::Double, 1).unwrap()
}

pub fn dense(rows: i64, values: &[f64]) -> Arg {
    Arg::dense(Tensor::from_slice(values).view([rows, -1]))
}

pub fn feed(items: Vec<(&str, Arg)>) -> Feed {
    items.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

pub fn values(t: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(&t.to_kind(Kind::Double).reshape([-1])).unwrap()
}

pub fn out(net: &Network, feed: &Feed, mode: Mode, layer: &str) -> Vec<f64> {
    let fwd = net.forward(feed, mode).unwrap();
    values(fwd.output(layer).unwrap().value.as_ref().unwrap())
}

pub fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "lengths differ: {got:?} vs {want:?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "element {i}: {g} vs {w}\n{got:?}\n{want:?}"
        );
    }
}

pub fn set(net: &mut Network, name: &str, v: &[f64]) {
    let f: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    net.params_mut().set_values_f32(name, &f).unwrap();
}

/// Deterministic test data.
pub fn ramp(n: usize, seed: f64) -> Vec<f64> {
    (0..n)
        .map(|i| ((i as f64 * 0.37 + seed).sin() * 1.5).round() / 2.0 + i as f64 * 0.01)
        .collect()
}

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

pub fn cfg_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../models/checkgrad/{name}.cfg"))
}

pub fn model_of(name: &str) -> ModelConfig {
    let path = cfg_path(name);
    paddlers::helpers::parse_config(&path, "")
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .model_config
}

pub fn net_of(model: &ModelConfig) -> Network {
    Network::build_with_kind(model, Device::Cpu, Kind::Double, 1).unwrap()
}

/// Values that f32 holds exactly, so parameters set through `set_values_f32` are exact.
pub fn eighths(n: usize, seed: usize) -> Vec<f64> {
    (0..n)
        .map(|i| (((i * 7 + seed * 3) % 17) as f64 - 8.0) / 8.0)
        .collect()
}

pub fn output(net: &Network, feed: &Feed, layer: &str) -> Vec<f64> {
    let fwd = net.forward(feed, Mode::Test).unwrap();
    let t = fwd.output(layer).unwrap().value.as_ref().unwrap();
    Vec::<f64>::try_from(&t.to_kind(Kind::Double).reshape([-1])).unwrap()
}

/// libtorch's generator is global: tests that draw (nce) or reseed it (checkgrad) take this
/// lock, or parallel tests would change each other's draws between finite-difference passes.
static TORCH_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
    TORCH_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn checkgrad(name: &str) {
    let _rng = rng_lock();
    let model = model_of(name);
    let opts = CheckgradOptions::default();
    let checks = check_model(&model, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
    let trainable = model.parameters.iter().filter(|p| !p.is_static()).count();
    assert!(
        checks.len() > trainable,
        "{name}: checked {} tensors, expected every one of {trainable} parameters and an input",
        checks.len()
    );
    for c in &checks {
        assert!(
            c.max_rel_diff < TOLERANCE,
            "{name}: wrong gradient: {}",
            c.line(opts.eps)
        );
    }
}

pub fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a.to_device(Device::Cpu).to_kind(Kind::Double)
        - b.to_device(Device::Cpu).to_kind(Kind::Double))
    .abs()
    .max()
    .double_value(&[])
}

/// Parses config text (written to a temporary file, as parse_config reads files). Each call
/// writes its own file: tests run in parallel and must not read each other's half-written one.
pub fn model_from_text(tag: &str, text: &str) -> ModelConfig {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("paddlers-book-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{tag}-{n}.cfg"));
    std::fs::write(&path, text).unwrap();
    paddlers::helpers::parse_config(&path, "")
        .unwrap_or_else(|e| panic!("{tag}: {e}"))
        .model_config
}

/// Dense rows as one sequence batch.
pub fn seq_dense(rows: i64, values: &[f64], starts: &[i64]) -> Arg {
    let mut a = Arg::dense(Tensor::from_slice(values).view([rows, -1]));
    a.seq_starts = Some(starts.to_vec());
    a
}

pub fn seq_ids(ids: &[i64], starts: &[i64]) -> Arg {
    let mut a = Arg::ids(Tensor::from_slice(ids));
    a.seq_starts = Some(starts.to_vec());
    a
}

/// The forward error message (a layer that must refuse its input).
pub fn forward_error(net: &Network, feed: &Feed) -> String {
    match net.forward(feed, Mode::Test) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("the forward pass accepted a bad input"),
    }
}

/// log(sum(exp(v))) in f64, the reference for brute-force partition functions.
pub fn logsumexp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// Every sequence of `len` tags below `classes`, in counting order.
pub fn all_paths(len: usize, classes: usize) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    for _ in 0..len {
        out = out
            .into_iter()
            .flat_map(|p| {
                (0..classes).map(move |c| {
                    let mut q = p.clone();
                    q.push(c);
                    q
                })
            })
            .collect();
    }
    out
}

pub fn ids(v: &[i64]) -> Arg {
    Arg::ids(Tensor::from_slice(v))
}

/// A float64 leaf [rows, width] of deterministic values that records its gradient.
pub fn leaf(rows: i64, width: i64, seed: f64) -> Tensor {
    Tensor::from_slice(&ramp((rows * width) as usize, seed))
        .view([rows, width])
        .set_requires_grad(true)
}

/// `--job=checkgrad` on a feed given by the test (the random feed gives every input the same
/// shape, which does not fit a label per sequence): every trainable parameter and each named
/// input leaf against central differences. Returns the checks, each asserted below
/// `TOLERANCE`.
pub fn checkgrad_feed(
    net: &Network,
    feed: &Feed,
    inputs: &[(&str, &Tensor)],
    opts: &CheckgradOptions,
) -> Vec<paddlers_runtime::runtime::checkgrad::ParamCheck> {
    use paddlers_runtime::runtime::checkgrad::check_tensors;
    let mut tensors: Vec<(String, Tensor)> = net
        .params()
        .trainable()
        .map(|p| (p.name().to_string(), p.value.shallow_clone()))
        .collect();
    for (name, t) in inputs {
        tensors.push((format!("input:{name}"), t.shallow_clone()));
    }
    let loss = || {
        let fwd = net.forward(feed, Mode::Train)?;
        if let Some(l) = &fwd.loss {
            return Ok(l.shallow_clone());
        }
        Ok({
            // No cost: a fixed weighting of every output stands in for one.
            let mut total = Tensor::zeros([], (Kind::Double, Device::Cpu));
            for (k, name) in net.model().output_layer_names.iter().enumerate() {
                let v = fwd.output(name).unwrap().value.as_ref().unwrap();
                let r =
                    Tensor::from_slice(&ramp(v.numel(), 0.3 + k as f64)).view(v.size().as_slice());
                total += (v * r).sum(Kind::Double);
            }
            total
        })
    };
    let checks = check_tensors(&tensors, &loss, opts).unwrap();
    assert_eq!(checks.len(), tensors.len());
    for c in &checks {
        assert!(c.checked > 0, "{}", c.name);
        assert!(
            c.max_rel_diff < opts.tolerance,
            "wrong gradient: {}",
            c.line(opts.eps)
        );
    }
    checks
}
