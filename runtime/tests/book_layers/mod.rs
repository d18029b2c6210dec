//! The layers the book's other chapters need (crf, crf_decoding, ctc, warp_ctc, seq_slice,
//! sub_nested_seq, lambda_cost, switch_order, priorbox), one module per family, each against
//! plain loops of Paddle's formulas (or brute force over every path) written here.

mod crf;
mod ctc;
mod detection;
mod lambda_cost;
mod seq_select;

use paddlers_graph::ModelConfig;
use paddlers_runtime::runtime::{Arg, Feed, Mode, Network};
use tch::{Device, Kind, Tensor};

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

pub fn net64(model: &ModelConfig) -> Network {
    Network::build_with_kind(model, Device::Cpu, Kind::Double, 1).unwrap()
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

pub fn values(net: &Network, feed: &Feed, layer: &str) -> Vec<f64> {
    let fwd = net.forward(feed, Mode::Test).unwrap();
    let t = fwd.output(layer).unwrap().value.as_ref().unwrap();
    Vec::<f64>::try_from(&t.to_kind(Kind::Double).reshape([-1])).unwrap()
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
