//! Every conformance config in `../shared/paddle-v1/configs/` parses with no syntax error,
//! and evaluates to the end when the helper library is replaced by a stub that accepts any
//! call, attribute, operator or `with`. That exercises the whole language on real configs
//! independently of how far `src/helpers/` has got.

use paddlers::eval::{BinOp, EvalError, HostObject, Interp, OpSide, Value};
use paddlers::syntax::parse_module;
use std::any::Any;
use std::path::PathBuf;
use std::rc::Rc;

fn corpus() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/paddle-v1/configs");
    if !dir.is_dir() {
        eprintln!(
            "notice: {} is absent; skipping the corpus tests",
            dir.display()
        );
        return None;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("py"))
        .collect();
    files.sort();
    Some(files)
}

/// Stands in for any helper: every use of it yields another stub.
struct Stub(String);

impl HostObject for Stub {
    fn type_name(&self) -> &str {
        "Stub"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn getattr(&self, _: &mut Interp, _: &Value, name: &str) -> Result<Option<Value>, EvalError> {
        Ok(Some(stub(&format!("{}.{name}", self.0))))
    }
    fn setattr(&self, _: &mut Interp, _: &str, _: Value) -> Result<bool, EvalError> {
        Ok(true)
    }
    fn call(
        &self,
        _: &mut Interp,
        _: &Value,
        _: Vec<Value>,
        _: Vec<(Rc<str>, Value)>,
    ) -> Result<Option<Value>, EvalError> {
        Ok(Some(stub(&format!("{}()", self.0))))
    }
    fn binary_op(
        &self,
        _: &mut Interp,
        _: &Value,
        op: BinOp,
        _: &Value,
        _: OpSide,
    ) -> Result<Option<Value>, EvalError> {
        Ok(Some(stub(&format!("{}{}", self.0, op.symbol()))))
    }
    fn enter(&self, _: &mut Interp, this: &Value) -> Result<Value, EvalError> {
        Ok(this.clone())
    }
    fn getitem(&self, _: &mut Interp, this: &Value, _: &Value) -> Result<Option<Value>, EvalError> {
        Ok(Some(this.clone()))
    }
    fn iter(&self, _: &mut Interp) -> Result<Option<Vec<Value>>, EvalError> {
        Ok(Some(vec![stub(&self.0), stub(&self.0)]))
    }
}

fn stub(name: &str) -> Value {
    Value::host(Stub(name.to_string()))
}

/// Registers a stub for every identifier in `src` that is not a builtin.
fn stub_helpers(interp: &mut Interp, src: &str) {
    let m = interp.module("paddle.trainer_config_helpers");
    let builtins = interp.builtins().clone();
    let mut word = String::new();
    for c in src.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !word.is_empty()
            && !word.starts_with(|c: char| c.is_ascii_digit())
            && builtins.get(&word).is_none()
        {
            m.set(&word, stub(&word));
        }
        word.clear();
    }
}

#[test]
fn every_corpus_config_parses() {
    let Some(files) = corpus() else { return };
    assert!(files.len() >= 50, "only {} configs found", files.len());
    for path in &files {
        let src = std::fs::read_to_string(path).unwrap();
        if let Err(e) = parse_module(&src) {
            panic!("{}: {e:?}", path.display());
        }
    }
}

#[test]
fn every_corpus_config_evaluates_with_stub_helpers() {
    let Some(files) = corpus() else { return };
    let mut failures = Vec::new();
    for path in &files {
        let src = std::fs::read_to_string(path).unwrap();
        let mut interp = Interp::new();
        interp.set_output(Box::new(std::io::sink()));
        stub_helpers(&mut interp, &src);
        if let Err(d) = interp.run_file(path) {
            failures.push(d.to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "{} configs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
