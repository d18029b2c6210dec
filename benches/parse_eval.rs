//! Parse + eval time per config over Paddle's conformance corpus, printed as a table.
//!
//!     cargo bench -p paddlers --bench parse_eval
//!
//! For each config: the pest parse alone, and the whole `helpers::parse_config` (parse,
//! evaluation with the real trainer_config_helpers, graph building), median of several
//! runs. Paddle's own Python config parser takes about 0.25-0.5 s per config on the same
//! machines, process start included; the last lines give the ratio.

use paddlers::syntax::parse_module;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(f());
        samples.push(t.elapsed());
    }
    median(samples)
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/paddle-v1/configs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("notice: {} is absent; nothing to benchmark", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("py"))
        .collect();
    files.sort();
    let runs: usize = std::env::var("PADDLERS_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    // The interpreter's fixed cost: built-ins and standard modules.
    let startup = time(runs, paddlers::eval::Interp::new);
    println!(
        "{:<40} {:>12} {:>14}  result",
        "config", "parse (us)", "full (us)"
    );
    let mut total_parse = Duration::ZERO;
    let mut total_full = Duration::ZERO;
    let mut ok = 0;
    for path in &files {
        let src = std::fs::read_to_string(path).unwrap_or_default();
        let parse = time(runs, || parse_module(&src).is_ok());
        let mut result = String::new();
        let full = time(runs, || {
            let r = paddlers::helpers::parse_config(path, "");
            result = match &r {
                Ok(_) => "ok".to_string(),
                Err(e) => format!("{}: {}", e.0.kind, e.0.message),
            };
            r.is_ok()
        });
        if result == "ok" {
            ok += 1;
        }
        total_parse += parse;
        total_full += full;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let short: String = result.chars().take(60).collect();
        println!(
            "{name:<40} {:>12.1} {:>14.1}  {short}",
            parse.as_secs_f64() * 1e6,
            full.as_secs_f64() * 1e6
        );
    }
    let n = files.len().max(1) as f64;
    let mean_full = total_full.as_secs_f64() / n;
    println!();
    println!("configs: {} ({} evaluated to a graph)", files.len(), ok);
    println!(
        "interpreter startup (Interp::new): {:.1} us",
        startup.as_secs_f64() * 1e6
    );
    println!(
        "mean parse: {:.1} us, mean parse+eval+graph: {:.1} us",
        total_parse.as_secs_f64() / n * 1e6,
        mean_full * 1e6
    );
    // The helpers' DSL preludes are parsed by every process that imports them.
    let prelude_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/helpers/prelude");
    if let Ok(entries) = std::fs::read_dir(&prelude_dir) {
        for p in entries.flatten().map(|e| e.path()) {
            let src = std::fs::read_to_string(&p).unwrap_or_default();
            let t = time(runs, || parse_module(&src).is_ok());
            println!(
                "prelude {}: {} lines, parse {:.1} us",
                p.file_name().unwrap_or_default().to_string_lossy(),
                src.lines().count(),
                t.as_secs_f64() * 1e6
            );
        }
    }
    // Raw interpreter speed on a loop-heavy program.
    let loop_src = "def f(n):\n    s = 0\n    for i in xrange(n):\n        if i % 3 == 0:\n            s += i * 2\n        else:\n            s -= 1\n    return s\nr = f(300000)\n";
    let mut steps = 0;
    let loop_time = time(3.min(runs), || {
        let mut i = paddlers::eval::Interp::new();
        let r = i.run_source("loop.py", loop_src).is_ok();
        steps = i.steps();
        r
    });
    println!(
        "interpreter loop: {steps} steps in {:.1} ms ({:.0} ns/step)",
        loop_time.as_secs_f64() * 1e3,
        loop_time.as_secs_f64() * 1e9 / steps.max(1) as f64
    );
    println!(
        "vs Paddle's 0.25-0.5 s per config: {:.0}x-{:.0}x faster",
        0.25 / mean_full,
        0.5 / mean_full
    );
}
