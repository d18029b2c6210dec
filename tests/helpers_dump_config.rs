//! `paddlers dump_config` end to end: the protostr on stdout, `--whole`, config args, and a
//! located diagnostic with exit code 1 on a config error.

use std::path::Path;
use std::process::Command;

fn paddlers() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_paddlers"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn golden(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name),
    )
    .unwrap()
}

#[test]
fn prints_the_model_config_on_stdout() {
    let out = paddlers()
        .args(["dump_config", "models/small_cnn.cfg", "is_predict=1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("type: \"nn\"\nlayers {\n  name: \"image\"\n"),
        "{text}"
    );
    // The model part of the whole TrainerConfig golden, indented one level there.
    let whole = golden("small_cnn.predict.protostr");
    let model: String = whole
        .lines()
        .skip(1)
        .take_while(|l| *l != "}")
        .map(|l| format!("{}\n", l.strip_prefix("  ").unwrap_or(l)))
        .collect();
    assert_eq!(text, model);
}

#[test]
fn whole_prints_the_trainer_config() {
    let out = paddlers()
        .args(["dump_config", "models/small_cnn.cfg", "--whole"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        golden("small_cnn.protostr")
    );
}

#[test]
fn a_config_error_is_located_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.cfg");
    std::fs::write(
        &cfg,
        "from paddle.trainer_config_helpers import *\nx = data_layer(name='x', size=10)\ny = fc_layer(input=x, szie=3)\n",
    )
    .unwrap();
    let out = paddlers().arg("dump_config").arg(&cfg).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.cfg:3:"), "{err}");
    assert!(err.contains("unexpected keyword argument 'szie'"), "{err}");
    assert!(err.contains("did you mean 'size'?"), "{err}");
}
