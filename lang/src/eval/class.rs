//! Classes defined in configs (`class ParamAttr(object): ...`) and their instances, and the
//! built-in exception classes, which are ordinary classes here.

use super::value::Value;
use indexmap::IndexMap;
use std::cell::RefCell;
use std::rc::Rc;

pub struct Class {
    pub name: Rc<str>,
    pub bases: Vec<Rc<Class>>,
    pub attrs: RefCell<IndexMap<Rc<str>, Value>>,
    /// Set for the built-in exception classes: instances carry `args` and `message`.
    pub is_exception: bool,
}

impl Class {
    /// Method resolution: depth-first, left to right (Python 2 classic order, which agrees
    /// with C3 for the single-inheritance hierarchies configs use).
    pub fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.attrs.borrow().get(name) {
            return Some(v.clone());
        }
        self.bases.iter().find_map(|b| b.lookup(name))
    }

    pub fn is_subclass_of(self: &Rc<Class>, other: &Rc<Class>) -> bool {
        Rc::ptr_eq(self, other) || self.bases.iter().any(|b| b.is_subclass_of(other))
    }

    pub fn is_exception(&self) -> bool {
        self.is_exception || self.bases.iter().any(|b| b.is_exception())
    }
}

pub struct Instance {
    pub class: Rc<Class>,
    pub attrs: RefCell<IndexMap<Rc<str>, Value>>,
}

impl Instance {
    pub fn new(class: Rc<Class>) -> Instance {
        Instance {
            class,
            attrs: RefCell::new(IndexMap::new()),
        }
    }
}
