//! `import copy`: `copy(x)` and `deepcopy(x)` for the values configs copy (lists, dicts,
//! sets, tuples, instances of their own classes). Shared and cyclic parts of a deep copy stay
//! shared, as Python's memo keeps them.

use super::super::class::Instance;
use super::super::value::{Dict, Value};
use super::super::{EvalError, Interp};
use std::collections::HashMap;
use std::rc::Rc;

/// Deeper than this is refused: the copy recurses.
const MAX_DEPTH: usize = 500;

pub(crate) fn install(interp: &mut Interp) {
    let m = interp.module("copy");
    m.add_native("copy", "x", |_, a| Ok(shallow(a.get("x"))));
    m.add_native("deepcopy", "x, memo=None", |_, a| {
        let mut memo = HashMap::new();
        deep(a.get("x"), &mut memo, 0)
    });
}

fn shallow(v: &Value) -> Value {
    match v {
        Value::List(l) => Value::list(l.borrow().clone()),
        Value::Dict(d) => Value::dict(d.borrow().clone()),
        Value::Set(s) => Value::Set(Rc::new(std::cell::RefCell::new(s.borrow().clone()))),
        Value::Instance(i) if !i.class.is_exception() => {
            let copy = Instance::new(i.class.clone());
            *copy.attrs.borrow_mut() = i.attrs.borrow().clone();
            Value::Instance(Rc::new(copy))
        }
        other => other.clone(),
    }
}

fn identity(v: &Value) -> Option<usize> {
    Some(match v {
        Value::List(l) => Rc::as_ptr(l) as *const u8 as usize,
        Value::Dict(d) | Value::Set(d) => Rc::as_ptr(d) as *const u8 as usize,
        Value::Instance(i) => Rc::as_ptr(i) as *const u8 as usize,
        Value::Tuple(t) => Rc::as_ptr(t) as *const u8 as usize,
        _ => return None,
    })
}

fn deep(v: &Value, memo: &mut HashMap<usize, Value>, depth: usize) -> Result<Value, EvalError> {
    if depth > MAX_DEPTH {
        return Err(EvalError::runtime_error(
            "maximum recursion depth exceeded while calling deepcopy",
        ));
    }
    let Some(id) = identity(v) else {
        return Ok(v.clone());
    };
    if let Some(done) = memo.get(&id) {
        return Ok(done.clone());
    }
    let out = match v {
        Value::List(l) => {
            let new = Value::list(Vec::new());
            memo.insert(id, new.clone());
            let items = l.borrow().clone();
            let mut copied = Vec::with_capacity(items.len());
            for x in &items {
                copied.push(deep(x, memo, depth + 1)?);
            }
            if let Value::List(n) = &new {
                *n.borrow_mut() = copied;
            }
            new
        }
        Value::Dict(d) | Value::Set(d) => {
            let is_set = matches!(v, Value::Set(_));
            let new_inner = Rc::new(std::cell::RefCell::new(Dict::new()));
            let new = if is_set {
                Value::Set(new_inner.clone())
            } else {
                Value::Dict(new_inner.clone())
            };
            memo.insert(id, new.clone());
            let items = super::super::value::dict_items(d);
            for (k, x) in items {
                let x = deep(&x, memo, depth + 1)?;
                new_inner.borrow_mut().insert(k, x);
            }
            new
        }
        Value::Tuple(t) => {
            let mut copied = Vec::with_capacity(t.len());
            for x in t.iter() {
                copied.push(deep(x, memo, depth + 1)?);
            }
            let new = Value::tuple(copied);
            memo.insert(id, new.clone());
            new
        }
        Value::Instance(i) if !i.class.is_exception() => {
            let copy = Rc::new(Instance::new(i.class.clone()));
            let new = Value::Instance(copy.clone());
            memo.insert(id, new.clone());
            let attrs: Vec<_> = i
                .attrs
                .borrow()
                .iter()
                .map(|(k, x)| (k.clone(), x.clone()))
                .collect();
            for (k, x) in attrs {
                let x = deep(&x, memo, depth + 1)?;
                copy.attrs.borrow_mut().insert(k, x);
            }
            new
        }
        other => other.clone(),
    };
    Ok(out)
}
