//! The architecture's "never" arrows, read from `cargo metadata` so that they hold by the
//! build, not by discipline: the language and the graph depend on nothing of ours, nothing
//! below the runtime reaches libtorch, and the runtime library knows the graph and the data
//! providers but not the config language, the helpers or the CLI (docs/design.md).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Every workspace crate and the workspace crates it may depend on (normal dependencies).
const ALLOWED: &[(&str, &[&str])] = &[
    ("paddlers-pickle", &[]),
    ("paddlers-lang", &["paddlers-pickle"]),
    ("paddlers-graph", &[]),
    ("paddlers-charts", &[]),
    ("paddlers-providers", &["paddlers-pickle"]),
    ("paddlers-testkit", &[]),
    (
        "paddlers",
        &[
            "paddlers-lang",
            "paddlers-graph",
            "paddlers-pickle",
            "paddlers-providers",
            "paddlers-charts",
        ],
    ),
    (
        "paddlers-runtime",
        &["paddlers-graph", "paddlers-providers", "paddlers-charts"],
    ),
    (
        "paddlers-runtime-cli",
        &["paddlers", "paddlers-graph", "paddlers-runtime"],
    ),
];

/// Crates that must not have libtorch anywhere below them, however indirectly.
const NO_LIBTORCH: &[&str] = &[
    "paddlers-pickle",
    "paddlers-charts",
    "paddlers-lang",
    "paddlers-graph",
    "paddlers-providers",
    "paddlers",
];
const LIBTORCH: &[&str] = &["tch", "torch-sys"];

/// The host's target triple, so that `cargo metadata` resolves only this platform's
/// dependencies (and needs no download of, say, Windows-only crates).
fn host_triple() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_string()
}

fn metadata() -> Value {
    let host = host_triple();
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON")
}

/// Package id -> name, and the normal (not dev, not build) dependency edges by name.
fn normal_edges(meta: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let mut edges = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let from = names[node["id"].as_str().unwrap()].to_string();
        let deps: BTreeSet<String> = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].is_null())
            })
            .map(|d| names[d["pkg"].as_str().unwrap()].to_string())
            .collect();
        edges.entry(from).or_insert_with(BTreeSet::new).extend(deps);
    }
    edges
}

fn workspace_members(meta: &Value) -> BTreeSet<String> {
    let ids: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| ids.contains(p["id"].as_str().unwrap()))
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

/// The first path from `from` to any of `targets`, following normal dependencies.
fn path_to(
    edges: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    targets: &[&str],
) -> Option<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut queue = std::collections::VecDeque::from([vec![from.to_string()]]);
    while let Some(path) = queue.pop_front() {
        let last = path.last().unwrap();
        if targets.contains(&last.as_str()) {
            return Some(path);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        for next in edges.get(last).into_iter().flatten() {
            let mut p = path.clone();
            p.push(next.clone());
            queue.push_back(p);
        }
    }
    None
}

#[test]
fn workspace_crates_depend_only_on_what_the_design_allows() {
    let meta = metadata();
    let members = workspace_members(&meta);
    let edges = normal_edges(&meta);
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut problems = Vec::new();
    for m in &members {
        let Some(ok) = allowed.get(m.as_str()) else {
            problems.push(format!(
                "{m} is a new workspace crate: add it, with what it may depend on, to ALLOWED"
            ));
            continue;
        };
        for dep in edges.get(m).into_iter().flatten() {
            if members.contains(dep) && !ok.contains(&dep.as_str()) {
                problems.push(format!("{m} must not depend on {dep}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn nothing_below_the_runtime_reaches_libtorch() {
    let meta = metadata();
    let edges = normal_edges(&meta);
    for krate in NO_LIBTORCH {
        assert!(
            edges.contains_key(*krate),
            "{krate} is not in the workspace"
        );
        if let Some(path) = path_to(&edges, krate, LIBTORCH) {
            panic!("{krate} reaches libtorch: {}", path.join(" -> "));
        }
    }
    // The check can fail: the runtime does reach it.
    assert!(path_to(&edges, "paddlers-runtime", LIBTORCH).is_some());
}

#[test]
fn the_language_and_the_graph_compile_against_no_data_crates() {
    let meta = metadata();
    let edges = normal_edges(&meta);
    for krate in ["paddlers-lang", "paddlers-graph"] {
        if let Some(path) = path_to(&edges, krate, &["image", "tar", "flate2", "ndarray"]) {
            panic!(
                "{krate} compiles against a data crate: {}",
                path.join(" -> ")
            );
        }
    }
}
