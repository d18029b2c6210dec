//! `import pickle` / `import cPickle`, read-only: configs read small pickled meta files
//! (vocabularies, feature dimensions) while they are parsed. `load(f)` and `loads(s)` decode
//! protocols 0-4 with the shared reader of the `paddlers-pickle` crate; numpy arrays become
//! (nested) lists of numbers. `dump`/`dumps` write and are refused.

use super::file::FileHandle;
use super::module::Module;
use super::value::{Dict, Key, Value};
use super::{EvalError, Interp};
use paddlers_pickle::{PyObject, PyValue};
use std::collections::HashMap;
use std::rc::Rc;

/// Nesting past this is refused: the conversion recurses, and real meta files are shallow.
const MAX_DEPTH: usize = 500;

pub(crate) fn install(interp: &mut Interp) {
    for name in ["pickle", "cPickle"] {
        let m = interp.module(name);
        register(&m, name);
    }
}

fn register(m: &Module, module: &'static str) {
    m.set("HIGHEST_PROTOCOL", Value::Int(2));
    m.add_native("load", "file", move |interp, a| {
        let Value::File(f) = a.get("file") else {
            return Err(EvalError::type_error(format!(
                "{module}.load() argument must be a file opened with open(path, 'rb'), not {}",
                a.get("file").type_name()
            )));
        };
        let mut f = f.borrow_mut();
        let (bytes, name) = (f.unread_bytes()?, f.name.clone());
        let (v, used) = paddlers_pickle::load_prefix(bytes).map_err(|e| {
            EvalError::new(
                "UnpicklingError",
                format!("{name}: byte {}: {}", e.offset, e.msg),
            )
        })?;
        f.consume_bytes(used);
        drop(f);
        to_value(interp, &v)
    });
    m.add_native("loads", "string", move |interp, a| {
        let s = a.str("string")?;
        // Our str holds Python 2 bytes \x00-\xff as the chars U+0000-U+00FF.
        let bytes: Vec<u8> = if s.chars().all(|c| (c as u32) < 256) {
            s.chars().map(|c| c as u8).collect()
        } else {
            s.as_bytes().to_vec()
        };
        let v = paddlers_pickle::load(&bytes).map_err(|e| {
            EvalError::new("UnpicklingError", format!("byte {}: {}", e.offset, e.msg))
        })?;
        to_value(interp, &v)
    });
    for name in ["dump", "dumps"] {
        m.add_native(name, "obj, *args, **kwargs", move |_, _| {
            Err(EvalError::io_error(format!(
                "{module}.{name}() is not allowed: configs may only read (use {module}.load(f) or {module}.loads(s))"
            )))
        });
    }
}

/// Converts a decoded pickle to config values, keeping shared (and cyclic) lists and dicts
/// shared.
fn to_value(interp: &mut Interp, v: &PyValue) -> Result<Value, EvalError> {
    let mut seen = HashMap::new();
    convert(interp, v, &mut seen, 0)
}

fn convert(
    interp: &mut Interp,
    v: &PyValue,
    seen: &mut HashMap<usize, Value>,
    depth: usize,
) -> Result<Value, EvalError> {
    if depth > MAX_DEPTH {
        return Err(EvalError::value_error(format!(
            "the pickle nests more than {MAX_DEPTH} levels deep"
        )));
    }
    Ok(match v {
        PyValue::None => Value::None,
        PyValue::Bool(b) => Value::Bool(*b),
        PyValue::Int(i) => Value::Int(*i),
        PyValue::Float(f) => Value::Float(*f),
        PyValue::Bytes(b) => Value::Str(Rc::from(match std::str::from_utf8(b) {
            Ok(s) => s.to_string(),
            // Python 2 bytes that are not UTF-8 keep one char per byte.
            Err(_) => b.iter().map(|&c| c as char).collect::<String>(),
        })),
        PyValue::Str(s) => Value::Str(s.clone()),
        PyValue::List(l) => {
            let key = Rc::as_ptr(l) as usize;
            if let Some(v) = seen.get(&key) {
                return Ok(v.clone());
            }
            let out = Value::list(Vec::new());
            seen.insert(key, out.clone());
            let items = l.borrow().clone();
            interp.check_size(items.len())?;
            let mut conv = Vec::with_capacity(items.len());
            for x in &items {
                conv.push(convert(interp, x, seen, depth + 1)?);
            }
            if let Value::List(ref o) = out {
                *o.borrow_mut() = conv;
            }
            out
        }
        PyValue::Tuple(t) => {
            interp.check_size(t.len())?;
            let mut conv = Vec::with_capacity(t.len());
            for x in t.iter() {
                conv.push(convert(interp, x, seen, depth + 1)?);
            }
            Value::tuple(conv)
        }
        PyValue::Dict(d) => {
            let key = Rc::as_ptr(d) as usize;
            if let Some(v) = seen.get(&key) {
                return Ok(v.clone());
            }
            let out = Value::dict(Dict::default());
            seen.insert(key, out.clone());
            let items = d.borrow().clone();
            interp.check_size(items.len())?;
            for (k, x) in &items {
                let k = Key::new(convert(interp, k, seen, depth + 1)?)?;
                let x = convert(interp, x, seen, depth + 1)?;
                if let Value::Dict(ref o) = out {
                    o.borrow_mut().insert(k, x);
                }
            }
            out
        }
        PyValue::Global(g) => {
            return Err(EvalError::new(
                "UnpicklingError",
                format!(
                "the pickle refers to {}.{}; a config can load plain data and numpy arrays only",
                g.0, g.1
            ),
            ))
        }
        PyValue::Object(o) => match &*o.borrow() {
            PyObject::Array(a) => {
                interp.check_size(a.len())?;
                let flat = a.to_f64_c_order();
                let integral = matches!(a.dtype.kind, 'i' | 'u' | 'b');
                let elem = |x: f64| -> Value {
                    match a.dtype.kind {
                        'b' => Value::Bool(x != 0.0),
                        _ if integral => Value::Int(x as i64),
                        _ => Value::Float(x),
                    }
                };
                nest(&a.shape, &flat, &elem)
            }
            PyObject::Dtype(d) => Value::str(&d.descr()),
            PyObject::ArrayStub => {
                return Err(EvalError::new(
                    "UnpicklingError",
                    "a numpy array without its data",
                ))
            }
        },
    })
}

/// A C-order buffer as nested lists of `shape` (a 0-d array is its one number).
fn nest(shape: &[usize], flat: &[f64], elem: &dyn Fn(f64) -> Value) -> Value {
    match shape.split_first() {
        None => flat.first().map_or(Value::None, |&x| elem(x)),
        Some((&n, rest)) => {
            let inner: usize = rest.iter().product();
            Value::list(
                (0..n)
                    .map(|i| {
                        let chunk = flat.get(i * inner..(i + 1) * inner).unwrap_or(&[]);
                        if rest.is_empty() {
                            chunk.first().map_or(Value::None, |&x| elem(x))
                        } else {
                            nest(rest, chunk, elem)
                        }
                    })
                    .collect(),
            )
        }
    }
}

impl FileHandle {
    /// The bytes not read yet, for a binary reader (pickles are bytes, not text).
    pub(crate) fn unread_bytes(&self) -> Result<&[u8], EvalError> {
        if self.closed {
            return Err(EvalError::value_error("I/O operation on closed file"));
        }
        Ok(&self.raw[self.raw_pos.min(self.raw.len())..])
    }

    pub(crate) fn consume_bytes(&mut self, n: usize) {
        self.raw_pos = (self.raw_pos + n).min(self.raw.len());
        self.sync_text_to_raw();
    }
}
