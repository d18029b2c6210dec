//! Function scopes. A function call gets a fresh [`Scope`]; nested functions keep the `Rc`
//! of each enclosing scope, which is how closures see later assignments, as in Python.

use super::value::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

#[derive(Default)]
pub struct Scope {
    pub vars: RefCell<HashMap<Rc<str>, Value>>,
}

impl Scope {
    pub fn get(&self, name: &str) -> Option<Value> {
        self.vars.borrow().get(name).cloned()
    }

    pub fn set(&self, name: Rc<str>, v: Value) {
        self.vars.borrow_mut().insert(name, v);
    }
}
