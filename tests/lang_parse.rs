//! Every conformance config in `../shared/paddle-v1/configs/` parses without a syntax error.

use paddlers::syntax::parse_module;
use std::path::PathBuf;

fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/paddle-v1/configs");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "notice: {} is absent; skipping the corpus parse test",
            dir.display()
        );
        None
    }
}

#[test]
fn every_corpus_config_parses() {
    let Some(dir) = corpus_dir() else { return };
    let mut count = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.extension().and_then(|e| e.to_str()) != Some("py") {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        if let Err(e) = parse_module(&src) {
            panic!("{}: {:?}", path.display(), e);
        }
        count += 1;
    }
    assert!(count >= 50, "only {count} configs found");
}
