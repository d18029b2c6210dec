//! Lazy preludes. The helpers' networks are hundreds of lines of DSL that every config
//! imports but uses a few functions of; parsing all of it was most of a config's parse
//! time. Each undecorated top-level `def` is registered as a stand-in that parses and
//! defines the real function on first call; everything else runs at import, in order.
//!
//! The one visible difference from eager evaluation: such a function's default values are
//! evaluated at its first call rather than at import.

use super::module::Module;
use super::value::Value;
use super::{EvalError, Interp};
use crate::syntax::{split_top_level, SourceFile};
use std::cell::RefCell;
use std::rc::Rc;

pub(crate) fn exec_prelude(
    interp: &mut Interp,
    module: &Rc<Module>,
    label: &str,
    src: Rc<str>,
) -> Result<(), EvalError> {
    let file = Rc::new(SourceFile::new(label, src.clone()));
    let chunks = split_top_level(&src)
        .map_err(|e| EvalError::new(e.kind.name(), e.message.clone()).at(&file, e.span))?;
    for c in &chunks {
        match &c.def_name {
            Some(name) => module.set(name, stand_in(name, module, &file, (c.start, c.end))),
            None => run_piece(interp, module, &file, (c.start, c.end))?,
        }
    }
    Ok(())
}

/// Parses and runs one top-level statement of `file`, with positions reported in `file`.
fn run_piece(
    interp: &mut Interp,
    module: &Rc<Module>,
    file: &Rc<SourceFile>,
    (start, end): (usize, usize),
) -> Result<(), EvalError> {
    let view = Rc::new(file.view(start));
    interp.exec_parsed_in(module, &view, &file.text[start..end])
}

/// A native that defines the real function on first call and forwards every call to it.
fn stand_in(
    name: &str,
    module: &Rc<Module>,
    file: &Rc<SourceFile>,
    range: (usize, usize),
) -> Value {
    let real: RefCell<Option<Value>> = RefCell::new(None);
    let module = module.clone();
    let file = file.clone();
    let fname = name.to_string();
    Value::native(name, "*args, **kwargs", move |interp, bound| {
        let known = real.borrow().clone();
        let f = match known {
            Some(f) => f,
            None => {
                run_piece(interp, &module, &file, range)?;
                let f = module.get(&fname).ok_or_else(|| {
                    EvalError::runtime_error(format!("prelude function {fname} was not defined"))
                })?;
                *real.borrow_mut() = Some(f.clone());
                f
            }
        };
        let (_, args, kwargs) = bound.into_parts();
        interp.call(&f, args, kwargs)
    })
}
