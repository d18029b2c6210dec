//! The reader and the printer are inverses: every golden graph in the repository, and every
//! expected graph of Paddle's conformance corpus when it is beside the checkout, reads into
//! the structs and prints back byte for byte. A field the printer drops, or one the reader
//! cannot place, shows up here.

use std::path::{Path, PathBuf};

use paddlers_graph::{protostr, ModelConfig, TrainerConfig};
use paddlers_testkit::{golden, in_ci};

fn round_trip(path: &Path) -> Result<(), String> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // Paddle's own expected graphs end with one more newline than its printer writes (the
    // generating script added it); that line is not part of the message.
    let text = match raw.strip_suffix("\n\n") {
        Some(t) => format!("{t}\n"),
        None => raw,
    };
    // A whole TrainerConfig starts with its model_config; a bare ModelConfig with its fields.
    let printed = if text.starts_with("model_config {") {
        let t: TrainerConfig = protostr::from_str(&text).map_err(|e| e.to_string())?;
        protostr::trainer_config_text(&t)
    } else {
        let m: ModelConfig = protostr::from_str(&text).map_err(|e| e.to_string())?;
        protostr::model_config_text(&m)
    };
    if printed == text {
        Ok(())
    } else {
        Err(format!(
            "{}:\n{}",
            path.display(),
            golden::first_difference(&text, &printed)
        ))
    }
}

fn protostr_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "protostr"))
        .collect();
    files.sort();
    files
}

fn check_all(files: &[PathBuf]) {
    let failures: Vec<String> = files.iter().filter_map(|f| round_trip(f).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} graphs do not round-trip:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn every_golden_graph_reads_and_prints_back_unchanged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = protostr_files(&root.join("tests/golden"));
    files.extend(protostr_files(&root.join("runtime/tests/fixtures/paddle")));
    assert!(files.len() >= 12, "found only {} goldens", files.len());
    check_all(&files);
}

#[test]
fn every_paddle_corpus_graph_reads_and_prints_back_unchanged() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/paddle-v1/configs/protostr");
    if !dir.is_dir() {
        assert!(!in_ci(), "{} is missing, and CI is set", dir.display());
        println!("skipped: {} is not present", dir.display());
        return;
    }
    let files = protostr_files(&dir);
    assert!(
        files.len() >= 50,
        "found only {} corpus graphs",
        files.len()
    );
    check_all(&files);
}

#[test]
fn a_changed_graph_is_caught() {
    let text = "type: \"nn\"\nlayers {\n  name: \"x\"\n  type: \"data\"\n  size: 4\n  active_type: \"\"\n}\n";
    let m: ModelConfig = protostr::from_str(text).unwrap();
    assert_eq!(protostr::model_config_text(&m), text);
    let mut changed = m.clone();
    changed.layers[0].size = Some(5);
    assert_ne!(protostr::model_config_text(&changed), text);
}
