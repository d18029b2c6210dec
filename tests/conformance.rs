//! Paddle's own config-parser tests: each config in `../shared/paddle-v1/configs` must print
//! exactly the protostr Paddle printed (trailing blank lines aside). Cases listed in
//! `tests/conformance_passing.txt` must stay identical; the score of all cases is printed.

use paddlers::graph::protostr;
use paddlers::helpers::parse_config;
use paddlers_testkit::in_ci;
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/paddle-v1/configs");
    dir.join("file_list.sh").exists().then_some(dir)
}

/// The names in file_list.sh: `configs=(...)` and `whole_configs=(...)`.
fn cases(dir: &Path) -> Vec<(String, bool)> {
    let text = std::fs::read_to_string(dir.join("file_list.sh")).expect("file_list.sh is readable");
    let mut out = Vec::new();
    for (var, whole) in [
        ("export configs=(", false),
        ("export whole_configs=(", true),
    ] {
        let start = text.find(var).expect("file_list.sh defines the list") + var.len();
        let end = start + text[start..].find(')').expect("the list is closed");
        out.extend(
            text[start..end]
                .split_whitespace()
                .map(|n| (n.to_string(), whole)),
        );
    }
    out
}

fn trim_trailing_blank_lines(s: &str) -> &str {
    s.trim_end_matches(['\n', ' '])
}

fn render(dir: &Path, name: &str, whole: bool) -> Result<String, String> {
    let trainer = parse_config(&dir.join(format!("{name}.py")), "").map_err(|e| e.to_string())?;
    Ok(if whole {
        protostr::trainer_config_text(&trainer)
    } else {
        protostr::model_config_text(&trainer.model_config)
    })
}

/// A unified-style diff of the first differing region, enough to see what went wrong.
fn diff(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let first = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let mut out = format!("first difference at line {}:\n", first + 1);
    let from = first.saturating_sub(3);
    for line in &w[from..first] {
        out.push_str(&format!("   {line}\n"));
    }
    for line in w.iter().skip(first).take(8) {
        out.push_str(&format!(" - {line}\n"));
    }
    for line in g.iter().skip(first).take(8) {
        out.push_str(&format!(" + {line}\n"));
    }
    out
}

#[test]
fn paddle_conformance() {
    let Some(dir) = corpus() else {
        // CI always lays the corpus beside the clone: there, a missing corpus is a broken
        // setup, not a reason to pass.
        assert!(
            !in_ci(),
            "paddle conformance: ../shared/paddle-v1/configs is missing, and CI is set (CI=true)"
        );
        println!("paddle conformance: skipped, ../shared/paddle-v1/configs is not present");
        return;
    };
    let passing_list = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance_passing.txt"),
    )
    .expect("tests/conformance_passing.txt is readable");
    let must_pass: Vec<&str> = passing_list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let cases = cases(&dir);
    let mut identical = Vec::new();
    let mut report = String::new();
    for (name, whole) in &cases {
        let want = std::fs::read_to_string(dir.join("protostr").join(format!("{name}.protostr")))
            .expect("every listed case has a protostr");
        match render(&dir, name, *whole) {
            Ok(got) if trim_trailing_blank_lines(&got) == trim_trailing_blank_lines(&want) => {
                identical.push(name.clone())
            }
            Ok(got) => report.push_str(&format!("--- {name}: differs\n{}\n", diff(&want, &got))),
            Err(e) => report.push_str(&format!("--- {name}: error\n{e}\n\n")),
        }
    }
    println!("{report}");
    println!(
        "paddle conformance: {}/{} identical",
        identical.len(),
        cases.len()
    );
    let regressed: Vec<&&str> = must_pass
        .iter()
        .filter(|n| !identical.iter().any(|i| i == **n))
        .collect();
    assert!(
        regressed.is_empty(),
        "cases in tests/conformance_passing.txt no longer identical: {regressed:?}"
    );
}
