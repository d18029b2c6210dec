//! Modules: a namespace with a name. Registered modules (`paddle.trainer_config_helpers`,
//! `math`, ...) and loaded config files are all `Module`s.

use super::value::Value;
use indexmap::IndexMap;
use std::cell::RefCell;
use std::rc::Rc;

pub struct Module {
    pub name: Rc<str>,
    pub vars: RefCell<IndexMap<Rc<str>, Value>>,
    /// DSL source evaluated into this module the first time it is imported:
    /// (file label for diagnostics, source).
    pub(crate) prelude: RefCell<Vec<(String, Rc<str>)>>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<module '{}'>", self.name)
    }
}

impl Module {
    pub fn new(name: &str) -> Module {
        let m = Module {
            name: Rc::from(name),
            vars: RefCell::new(IndexMap::new()),
            prelude: RefCell::new(Vec::new()),
        };
        m.set("__name__", Value::str(name));
        m
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        self.vars.borrow().get(name).cloned()
    }

    pub fn set(&self, name: &str, v: Value) {
        self.vars.borrow_mut().insert(Rc::from(name), v);
    }

    /// Registers a native function in this module (see [`Value::native`]).
    pub fn add_native(
        &self,
        name: &str,
        spec: &str,
        f: impl Fn(&mut super::Interp, super::Bound) -> Result<Value, super::EvalError> + 'static,
    ) {
        self.set(name, Value::native(name, spec, f));
    }

    /// Queues DSL source to run in this module's namespace on first import (several
    /// preludes run in the order added). Errors in it are reported against `label`.
    pub fn add_prelude(&self, label: &str, source: impl Into<Rc<str>>) {
        self.prelude
            .borrow_mut()
            .push((label.to_string(), source.into()));
    }

    /// The names `from module import *` copies: `__all__` when set, else every name not
    /// starting with an underscore.
    pub fn public_names(&self) -> Vec<Rc<str>> {
        let vars = self.vars.borrow();
        if let Some(all) = vars.get("__all__") {
            let items = match all {
                Value::List(l) => l.borrow().clone(),
                Value::Tuple(t) => t.as_ref().clone(),
                _ => Vec::new(),
            };
            return items
                .iter()
                .filter_map(|v| v.as_str().map(Rc::from))
                .collect();
        }
        vars.keys()
            .filter(|k| !k.starts_with('_'))
            .cloned()
            .collect()
    }
}
