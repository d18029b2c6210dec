//! The cost of a recurrent_group against the hand-written loop of the same cell: LSTM
//! (lstmemory_group vs lstmemory), GRU (gru_group vs grumemory) and the plain RNN (a group's
//! memory + fc vs recurrent_layer), each a forward and backward pass over the same batch of
//! sequences of different lengths, measured alternately in the same run. Prints a table of
//! milliseconds per batch (medians) and the group's ratio.
//!
//!     cargo bench -p paddlers-runtime --bench recurrent_group [-- --hidden 128 --batch 16]

use std::time::{Duration, Instant};

use paddlers_graph::ModelConfig;
use paddlers_runtime::runtime::{Arg, Feed, Mode, Network};
use tch::{Device, Kind, Tensor};

fn parse(dir: &std::path::Path, tag: &str, body: &str) -> ModelConfig {
    let path = dir.join(format!("{tag}.cfg"));
    let text = format!(
        "from paddle.trainer_config_helpers import *\nsettings(batch_size=16, learning_rate=1e-3)\n{body}"
    );
    std::fs::write(&path, text).expect("write config");
    paddlers::helpers::parse_config(&path, "")
        .unwrap_or_else(|e| panic!("{tag}: {e}"))
        .model_config
}

/// (cell, group config, layer config) for hidden size `h`.
fn pairs(h: usize) -> Vec<(&'static str, String, String)> {
    let head = "x = data_layer(name='x', size=32)\n";
    vec![
        (
            "lstm",
            format!("{head}p = fc_layer(input=x, size={}, act=LinearActivation(), bias_attr=False)\nr = lstmemory_group(input=p, size={h})\noutputs(sum_cost(input=r))\n", 4 * h),
            format!("{head}p = fc_layer(input=x, size={}, act=LinearActivation(), bias_attr=False)\nr = lstmemory(input=p, size={h})\noutputs(sum_cost(input=r))\n", 4 * h),
        ),
        (
            "gru",
            format!("{head}p = fc_layer(input=x, size={}, act=LinearActivation(), bias_attr=False)\nr = gru_group(input=p, size={h})\noutputs(sum_cost(input=r))\n", 3 * h),
            format!("{head}p = fc_layer(input=x, size={}, act=LinearActivation(), bias_attr=False)\nr = grumemory(input=p, size={h})\noutputs(sum_cost(input=r))\n", 3 * h),
        ),
        (
            "rnn",
            format!("{head}p = fc_layer(input=x, size={h}, act=LinearActivation(), bias_attr=False)\ndef step(s):\n    m = memory(name='h', size={h})\n    return mixed_layer(input=[identity_projection(s), full_matrix_projection(m)], size={h}, name='h', act=TanhActivation(), bias_attr=True)\nr = recurrent_group(step=step, input=p)\noutputs(sum_cost(input=r))\n"),
            format!("{head}p = fc_layer(input=x, size={h}, act=LinearActivation(), bias_attr=False)\nr = recurrent_layer(input=p, act=TanhActivation())\noutputs(sum_cost(input=r))\n"),
        ),
    ]
}

fn step(net: &Network, feed: &Feed) -> Duration {
    net.params().zero_grad();
    let t = Instant::now();
    let fwd = net.forward(feed, Mode::Train).expect("forward");
    fwd.loss.expect("a cost").backward();
    t.elapsed()
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

fn arg(args: &[String], flag: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (h, batch, reps) = (
        arg(&args, "--hidden", 128),
        arg(&args, "--batch", 16),
        arg(&args, "--reps", 15),
    );
    // Lengths 5..=50, spread over the batch so the steps' batches shrink as in real data.
    let lens: Vec<i64> = (0..batch).map(|i| 5 + (i as i64 * 37) % 46).collect();
    let mut starts = vec![0i64];
    for l in &lens {
        starts.push(starts.last().unwrap() + l);
    }
    let rows = *starts.last().unwrap();
    tch::manual_seed(1);
    let mut x = Arg::dense(Tensor::rand([rows, 32], (Kind::Float, Device::Cpu)) - 0.5);
    x.seq_starts = Some(starts);
    let feed: Feed = [("x".to_string(), x)].into_iter().collect();
    let dir = tempfile::tempdir().expect("temp dir");
    println!(
        "hidden {h}, {batch} sequences of 5..50 steps ({rows} rows, {} steps), float32, CPU, forward + backward, median of {reps}",
        lens.iter().max().unwrap()
    );
    println!("| cell | group ms/batch | hand-written loop ms/batch | group / loop |");
    println!("|---|---|---|---|");
    for (cell, group, layer) in pairs(h) {
        let g = Network::build(
            &parse(dir.path(), &format!("{cell}_group"), &group),
            Device::Cpu,
            1,
        )
        .expect("group builds");
        let l = Network::build(
            &parse(dir.path(), &format!("{cell}_layer"), &layer),
            Device::Cpu,
            1,
        )
        .expect("layer builds");
        for _ in 0..2 {
            step(&g, &feed);
            step(&l, &feed);
        }
        let (mut tg, mut tl) = (Vec::new(), Vec::new());
        for _ in 0..reps {
            tg.push(step(&g, &feed));
            tl.push(step(&l, &feed));
        }
        let (mg, ml) = (median(tg), median(tl));
        println!("| {cell} | {mg:.1} | {ml:.1} | {:.2} |", mg / ml);
    }
}
