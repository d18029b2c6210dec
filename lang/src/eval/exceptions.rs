//! The built-in exception hierarchy, as ordinary classes, and the bridge between
//! interpreter errors and exception values that `except` clauses see.

use super::class::{Class, Instance};
use super::value::Value;
use super::{EvalError, Interp};
use indexmap::IndexMap;
use std::cell::RefCell;
use std::rc::Rc;

/// (name, parent) in Python 2's hierarchy, parents first.
const HIERARCHY: &[(&str, Option<&str>)] = &[
    ("BaseException", None),
    ("Exception", Some("BaseException")),
    ("StandardError", Some("Exception")),
    ("ArithmeticError", Some("StandardError")),
    ("ZeroDivisionError", Some("ArithmeticError")),
    ("OverflowError", Some("ArithmeticError")),
    ("FloatingPointError", Some("ArithmeticError")),
    ("AssertionError", Some("StandardError")),
    ("AttributeError", Some("StandardError")),
    ("EnvironmentError", Some("StandardError")),
    ("IOError", Some("EnvironmentError")),
    ("OSError", Some("EnvironmentError")),
    ("ImportError", Some("StandardError")),
    ("LookupError", Some("StandardError")),
    ("IndexError", Some("LookupError")),
    ("KeyError", Some("LookupError")),
    ("MemoryError", Some("StandardError")),
    ("NameError", Some("StandardError")),
    ("UnboundLocalError", Some("NameError")),
    ("RuntimeError", Some("StandardError")),
    ("NotImplementedError", Some("RuntimeError")),
    ("SyntaxError", Some("StandardError")),
    ("IndentationError", Some("SyntaxError")),
    ("TabError", Some("IndentationError")),
    ("TypeError", Some("StandardError")),
    ("ValueError", Some("StandardError")),
    ("UnicodeError", Some("ValueError")),
    ("StopIteration", Some("Exception")),
    ("Warning", Some("Exception")),
    ("UserWarning", Some("Warning")),
    ("DeprecationWarning", Some("Warning")),
];

pub(crate) fn install(interp: &mut Interp) {
    for (name, parent) in HIERARCHY {
        let bases = parent
            .and_then(|p| interp.exc_classes.get(p).cloned())
            .into_iter()
            .collect();
        let mut attrs = IndexMap::new();
        attrs.insert(Rc::from("__name__"), Value::str(name));
        let c = Rc::new(Class {
            name: Rc::from(*name),
            bases,
            attrs: RefCell::new(attrs),
            is_exception: true,
        });
        interp.builtins.set(name, Value::Class(c.clone()));
        interp.exc_classes.insert(name, c);
    }
}

pub(crate) fn init_exception(inst: &Instance, args: Vec<Value>) {
    let message = match args.as_slice() {
        [one] => one.clone(),
        _ => Value::str(""),
    };
    let mut a = inst.attrs.borrow_mut();
    a.insert(Rc::from("args"), Value::tuple(args));
    a.insert(Rc::from("message"), message);
}

/// `str(exception)`: the single argument, or the tuple of arguments.
pub(crate) fn exception_str(inst: &Instance) -> String {
    let attrs = inst.attrs.borrow();
    match attrs.get("args") {
        Some(Value::Tuple(t)) if t.len() == 1 => t[0].to_str(),
        Some(Value::Tuple(t)) if t.is_empty() => String::new(),
        Some(v) => v.to_str(),
        None => attrs.get("message").map(|m| m.to_str()).unwrap_or_default(),
    }
}

impl Interp {
    /// The exception instance an `except` clause binds for this error.
    pub(crate) fn exception_value(&mut self, e: &EvalError) -> Value {
        if let Some(v) = &e.data().value {
            return v.clone();
        }
        let class = self
            .exc_classes
            .get(e.kind())
            .or_else(|| self.exc_classes.get("Exception"))
            .cloned();
        match class {
            Some(c) => {
                let inst = Instance::new(c);
                init_exception(&inst, vec![Value::str(e.message())]);
                Value::Instance(Rc::new(inst))
            }
            None => Value::str(e.message()),
        }
    }

    pub(crate) fn exception_matches(&self, exc: &Value, spec: &Value) -> bool {
        match spec {
            Value::Tuple(items) => items.iter().any(|s| self.exception_matches(exc, s)),
            Value::Class(c) => match exc {
                Value::Instance(i) => i.class.is_subclass_of(c),
                _ => false,
            },
            _ => false,
        }
    }
}
