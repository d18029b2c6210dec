//! The built-in functions and types that configs use.

use super::file::FileHandle;
use super::value::{BuiltinType, Dict, Key, Value};
use super::{Bound, EvalError, Interp};
use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

pub(crate) fn install(interp: &mut Interp) {
    super::exceptions::install(interp);
    let b = interp.builtins.clone();
    for t in [
        BuiltinType::Object,
        BuiltinType::Bool,
        BuiltinType::Int,
        BuiltinType::Long,
        BuiltinType::Float,
        BuiltinType::Str,
        BuiltinType::Unicode,
        BuiltinType::BaseString,
        BuiltinType::List,
        BuiltinType::Tuple,
        BuiltinType::Dict,
        BuiltinType::Set,
        BuiltinType::FrozenSet,
        BuiltinType::Type,
        BuiltinType::Xrange,
    ] {
        b.set(t.name(), Value::Type(t));
    }
    b.set("None", Value::None);
    b.set("True", Value::Bool(true));
    b.set("False", Value::Bool(false));

    b.add_native("range", "start, stop=None, step=1", |i, a| {
        let (start, stop, step) = range_args(&a)?;
        let n = super::value::range_len(start, stop, step);
        i.check_size(n.max(0) as usize)?;
        Ok(Value::list(
            (0..n).map(|k| Value::Int(start + k * step)).collect(),
        ))
    });
    b.add_native("len", "obj", |i, a| {
        let v = a.get("obj");
        Ok(Value::Int(match v {
            Value::Str(s) => s.chars().count(),
            Value::List(l) => l.borrow().len(),
            Value::Tuple(t) => t.len(),
            Value::Dict(d) | Value::Set(d) => d.borrow().len(),
            Value::Range(x, y, z) => super::value::range_len(*x, *y, *z) as usize,
            Value::Host(h) => h.len().ok_or_else(|| no_len(v))?,
            Value::Instance(inst) => match inst.class.lookup("__len__") {
                Some(m) => {
                    return i.call_value(&m, vec![v.clone()], Vec::new());
                }
                None => return Err(no_len(v)),
            },
            _ => return Err(no_len(v)),
        } as i64))
    });
    b.add_native("repr", "obj", |i, a| Ok(Value::str(&i.repr(a.get("obj"))?)));
    b.add_native("abs", "x", |_, a| match a.get("x") {
        Value::Int(n) => Ok(match n.checked_abs() {
            Some(m) => Value::Int(m),
            None => super::long::long(num_bigint::BigInt::from(*n).magnitude().clone().into()),
        }),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        Value::Float(f) => Ok(Value::Float(f.abs())),
        Value::Long(l) => Ok(super::long::long(num_traits::Signed::abs(&**l))),
        v => Err(EvalError::type_error(format!(
            "bad operand type for abs(): '{}'",
            v.type_name()
        ))),
    });
    b.add_native("round", "number, ndigits=0", |_, a| {
        let x = a.float("number")?;
        let n = a.int("ndigits")?.clamp(-400, 400);
        Ok(Value::Float(super::long::round_half_away(x, n)))
    });
    b.add_native("divmod", "a, b", |i, a| {
        let q = i.binary(crate::syntax::ast::BinOp::FloorDiv, a.get("a"), a.get("b"))?;
        let r = i.binary(crate::syntax::ast::BinOp::Mod, a.get("a"), a.get("b"))?;
        Ok(Value::tuple(vec![q, r]))
    });
    b.add_native("pow", "x, y, z=None", |i, a| {
        if a.get("z").is_none() {
            return i.binary(crate::syntax::ast::BinOp::Pow, a.get("x"), a.get("y"));
        }
        super::long::pow_mod(a.get("x"), a.get("y"), a.get("z"))
    });
    b.add_native("bin", "x", |_, a| {
        super::long::radix_str(a.get("x"), 2, "0b", "bin")
    });
    b.add_native("hash", "obj", |_, a| super::long::hash(a.get("obj")));
    b.add_native("format", "value, format_spec=''", |i, a| {
        let spec = a.str("format_spec")?;
        let text = super::format::apply_format_spec(i, a.get("value"), &spec)?;
        Ok(Value::str(&text))
    });
    b.add_native("chr", "i", |_, a| {
        let n = a.int("i")?;
        let c = u32::try_from(n)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| EvalError::value_error("chr() arg not in range"))?;
        Ok(Value::str(&c.to_string()))
    });
    b.add_native("unichr", "i", |_, a| {
        let n = a.int("i")?;
        let c = u32::try_from(n)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| EvalError::value_error("unichr() arg not in range"))?;
        Ok(Value::str(&c.to_string()))
    });
    b.add_native("ord", "c", |_, a| {
        let s = a.str("c")?;
        let mut cs = s.chars();
        match (cs.next(), cs.next()) {
            (Some(c), None) => Ok(Value::Int(c as i64)),
            _ => Err(EvalError::type_error(format!(
                "ord() expected a character, but string of length {} found",
                s.chars().count()
            ))),
        }
    });
    b.add_native("hex", "x", |_, a| {
        super::long::radix_str(a.get("x"), 16, "0x", "hex")
    });
    b.add_native("oct", "x", |_, a| {
        super::long::radix_str(a.get("x"), 8, "0", "oct")
    });
    b.add_native("isinstance", "obj, classinfo", |_, a| {
        Ok(Value::Bool(isinstance(a.get("obj"), a.get("classinfo"))?))
    });
    b.add_native("issubclass", "cls, classinfo", |_, a| {
        Ok(Value::Bool(issubclass(a.get("cls"), a.get("classinfo"))?))
    });
    b.add_native("callable", "obj", |_, a| {
        Ok(Value::Bool(match a.get("obj") {
            Value::Function(_)
            | Value::Native(_)
            | Value::BoundMethod(_)
            | Value::BuiltinMethod(_)
            | Value::Class(_)
            | Value::Type(_) => true,
            Value::HostType(t) => t.constructor.is_some(),
            Value::Instance(i) => i.class.lookup("__call__").is_some(),
            _ => false,
        }))
    });
    b.add_native("hasattr", "obj, name", |i, a| {
        let name = a.str("name")?;
        match i.getattr(a.get("obj"), &name) {
            Ok(_) => Ok(Value::Bool(true)),
            Err(e) if e.kind() == "AttributeError" => Ok(Value::Bool(false)),
            Err(e) => Err(e),
        }
    });
    b.add_native("getattr", "obj, name, *default", |i, a| {
        let name = a.str("name")?;
        match i.getattr(a.get("obj"), &name) {
            Ok(v) => Ok(v),
            Err(e) if e.kind() == "AttributeError" && !a.varargs.is_empty() => {
                Ok(a.varargs[0].clone())
            }
            Err(e) => Err(e),
        }
    });
    b.add_native("setattr", "obj, name, value", |i, a| {
        let name = a.str("name")?;
        i.setattr(a.get("obj"), &name, a.get("value").clone())?;
        Ok(Value::None)
    });
    b.add_native("zip", "*iterables", |i, a| {
        let mut seqs = Vec::new();
        for it in &a.varargs {
            seqs.push(i.iterate(it)?);
        }
        let n = seqs.iter().map(|s| s.len()).min().unwrap_or(0);
        Ok(Value::list(
            (0..n)
                .map(|k| Value::tuple(seqs.iter().map(|s| s[k].clone()).collect()))
                .collect(),
        ))
    });
    b.add_native("enumerate", "iterable, start=0", |i, a| {
        let items = i.iterate(a.get("iterable"))?;
        let start = a.int("start")?;
        Ok(Value::list(
            items
                .into_iter()
                .enumerate()
                .map(|(k, v)| Value::tuple(vec![Value::Int(start + k as i64), v]))
                .collect(),
        ))
    });
    b.add_native(
        "sorted",
        "iterable, cmp=None, key=None, reverse=False",
        |i, a| {
            let items = i.iterate(a.get("iterable"))?;
            let key = a.opt("key").cloned();
            let cmp = a.opt("cmp").cloned();
            Ok(Value::list(sort_values(
                i,
                items,
                key,
                cmp,
                a.bool("reverse"),
            )?))
        },
    );
    b.add_native("reversed", "seq", |i, a| {
        let mut items = i.iterate(a.get("seq"))?;
        items.reverse();
        Ok(Value::list(items))
    });
    b.add_native("min", "*args, **kwargs", |i, a| {
        min_max(i, a, Ordering::Less, "min")
    });
    b.add_native("max", "*args, **kwargs", |i, a| {
        min_max(i, a, Ordering::Greater, "max")
    });
    b.add_native("sum", "iterable, start=0", |i, a| {
        let mut acc = a.get("start").clone();
        for v in i.iterate(a.get("iterable"))? {
            acc = i.binary(crate::syntax::ast::BinOp::Add, &acc, &v)?;
        }
        Ok(acc)
    });
    b.add_native("any", "iterable", |i, a| {
        Ok(Value::Bool(
            i.iterate(a.get("iterable"))?.iter().any(Value::truthy),
        ))
    });
    b.add_native("all", "iterable", |i, a| {
        Ok(Value::Bool(
            i.iterate(a.get("iterable"))?.iter().all(Value::truthy),
        ))
    });
    b.add_native("map", "function, *iterables", |i, a| {
        if a.varargs.is_empty() {
            return Err(EvalError::type_error("map() requires at least two args"));
        }
        let mut seqs = Vec::new();
        for it in &a.varargs {
            seqs.push(i.iterate(it)?);
        }
        let n = seqs.iter().map(|s| s.len()).max().unwrap_or(0);
        let f = a.get("function").clone();
        let mut out = Vec::with_capacity(n);
        for k in 0..n {
            let args: Vec<Value> = seqs
                .iter()
                .map(|s| s.get(k).cloned().unwrap_or(Value::None))
                .collect();
            out.push(if f.is_none() {
                if args.len() == 1 {
                    args[0].clone()
                } else {
                    Value::tuple(args)
                }
            } else {
                i.call_value(&f, args, Vec::new())?
            });
        }
        Ok(Value::list(out))
    });
    b.add_native("filter", "function, iterable", |i, a| {
        let seq = a.get("iterable").clone();
        let f = a.get("function").clone();
        let mut out = Vec::new();
        for v in i.iterate(&seq)? {
            let keep = if f.is_none() {
                v.truthy()
            } else {
                i.call_value(&f, vec![v.clone()], Vec::new())?.truthy()
            };
            if keep {
                out.push(v);
            }
        }
        Ok(match seq {
            Value::Str(_) => Value::str(&out.iter().filter_map(|v| v.as_str()).collect::<String>()),
            Value::Tuple(_) => Value::tuple(out),
            _ => Value::list(out),
        })
    });
    b.add_native("reduce", "function, iterable, *initial", |i, a| {
        let mut items = i.iterate(a.get("iterable"))?.into_iter();
        let mut acc = match a.varargs.first() {
            Some(v) => v.clone(),
            None => items.next().ok_or_else(|| {
                EvalError::type_error("reduce() of empty sequence with no initial value")
            })?,
        };
        let f = a.get("function").clone();
        for v in items {
            acc = i.call_value(&f, vec![acc, v], Vec::new())?;
        }
        Ok(acc)
    });
    b.add_native("iter", "obj", |i, a| {
        Ok(Value::list(i.iterate(a.get("obj"))?))
    });
    b.add_native("cmp", "x, y", |i, a| {
        Ok(Value::Int(match i.order(a.get("x"), a.get("y"))? {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        }))
    });
    b.add_native("print", "*args, **kwargs", |i, a| {
        let mut sep = " ".to_string();
        let mut end = "\n".to_string();
        for (k, v) in &a.kwargs {
            match &**k {
                "sep" => {
                    sep = if v.is_none() {
                        " ".into()
                    } else {
                        i.to_str(v)?
                    }
                }
                "end" => {
                    end = if v.is_none() {
                        "\n".into()
                    } else {
                        i.to_str(v)?
                    }
                }
                "file" | "flush" => {}
                other => {
                    return Err(EvalError::type_error(format!(
                        "print() got an unexpected keyword argument '{other}'"
                    )))
                }
            }
        }
        let mut parts = Vec::new();
        for v in &a.varargs {
            parts.push(i.to_str(v)?);
        }
        let line = parts.join(&sep) + &end;
        i.write_output(&line);
        Ok(Value::None)
    });
    b.add_native("open", "name, mode='r', buffering=-1", |_, a| {
        let name = a.str("name")?;
        let mode = a.str("mode")?;
        if mode.contains(['w', 'a', '+', 'x']) {
            return Err(EvalError::io_error(format!(
                "configs may only read files: open('{name}', '{mode}') is not allowed"
            )));
        }
        let f = FileHandle::open(std::path::Path::new(&*name), &name)?;
        Ok(Value::File(Rc::new(RefCell::new(f))))
    });
    // Python 2's `file(path)` is `open(path)`.
    if let Some(open) = b.get("open") {
        b.set("file", open);
    }
    // Namespace snapshots; the evaluator answers calls to these itself (it knows the
    // caller's scope), so these bodies only run when called indirectly.
    for name in ["globals", "locals", "vars"] {
        b.add_native(name, "", move |_, _| {
            Err(EvalError::type_error(format!(
                "{name}() must be called directly in the config"
            )))
        });
    }
    b.add_native("super", "cls, obj", |_, a| {
        let (Value::Class(c), obj) = (a.get("cls"), a.get("obj")) else {
            return Err(EvalError::type_error("super() argument 1 must be a class"));
        };
        Ok(Value::host(SuperProxy {
            bases: c.bases.clone(),
            obj: obj.clone(),
        }))
    });
    b.add_native("staticmethod", "function", |_, mut a| {
        Ok(Value::host(super::attr::Descriptor::Static(
            a.take("function"),
        )))
    });
    b.add_native("classmethod", "function", |_, mut a| {
        Ok(Value::host(super::attr::Descriptor::ClassMethod(
            a.take("function"),
        )))
    });
    b.add_native("property", "fget", |_, mut a| {
        Ok(Value::host(super::attr::Descriptor::Property(
            a.take("fget"),
        )))
    });
    b.add_native(
        "get_config_arg",
        "name, type, default=None",
        super::config_args::get_config_arg,
    );
    b.add_native("get_config_args", "", |i, _| {
        i.config_args_all_read = true;
        let mut d = Dict::new();
        for (k, v) in i.config_args.iter() {
            d.insert(Key(Value::str(k)), Value::str(v));
        }
        Ok(Value::dict(d))
    });
}

/// `super(Cls, self)`: attribute lookups start after `Cls` in the class hierarchy.
struct SuperProxy {
    bases: Vec<Rc<super::class::Class>>,
    obj: Value,
}

impl super::host::HostObject for SuperProxy {
    fn type_name(&self) -> &str {
        "super"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn getattr(
        &self,
        _interp: &mut Interp,
        _this: &Value,
        name: &str,
    ) -> Result<Option<Value>, EvalError> {
        let found = self.bases.iter().find_map(|b| b.lookup(name));
        Ok(match found {
            Some(f @ (Value::Function(_) | Value::Native(_))) => {
                Some(Value::BoundMethod(Rc::new((self.obj.clone(), f))))
            }
            Some(v) => Some(v),
            None if name == "__init__" => {
                Some(Value::native("__init__", "*args, **kwargs", |_, _| {
                    Ok(Value::None)
                }))
            }
            None => None,
        })
    }
}

fn no_len(v: &Value) -> EvalError {
    EvalError::type_error(format!("object of type '{}' has no len()", v.type_name()))
}

fn range_args(a: &Bound) -> Result<(i64, i64, i64), EvalError> {
    let (start, stop) = match a.opt("stop") {
        None => (0, int_like(a.get("start"), "range")?),
        Some(s) => (int_like(a.get("start"), "range")?, int_like(s, "range")?),
    };
    let step = int_like(a.get("step"), "range")?;
    if step == 0 {
        return Err(EvalError::value_error(
            "range() step argument must not be zero",
        ));
    }
    Ok((start, stop, step))
}

fn int_like(v: &Value, f: &str) -> Result<i64, EvalError> {
    v.as_int().ok_or_else(|| {
        EvalError::type_error(format!(
            "{f}() integer argument expected, got {}",
            v.type_name()
        ))
    })
}

fn type_matches(v: &Value, t: BuiltinType) -> bool {
    match t {
        BuiltinType::Object => true,
        BuiltinType::NoneType => v.is_none(),
        BuiltinType::Bool => matches!(v, Value::Bool(_)),
        BuiltinType::Int => matches!(v, Value::Int(_) | Value::Bool(_)),
        BuiltinType::Long => matches!(v, Value::Long(_)),
        BuiltinType::Float => matches!(v, Value::Float(_)),
        BuiltinType::Str | BuiltinType::Unicode | BuiltinType::BaseString => {
            matches!(v, Value::Str(_))
        }
        BuiltinType::List => matches!(v, Value::List(_)),
        BuiltinType::Tuple => matches!(v, Value::Tuple(_)),
        BuiltinType::Dict => matches!(v, Value::Dict(_)),
        BuiltinType::Set | BuiltinType::FrozenSet => matches!(v, Value::Set(_)),
        BuiltinType::Type => matches!(v, Value::Type(_) | Value::Class(_) | Value::HostType(_)),
        BuiltinType::Function => matches!(v, Value::Function(_) | Value::Native(_)),
        BuiltinType::Xrange => matches!(v, Value::Range(..)),
    }
}

pub fn isinstance(v: &Value, spec: &Value) -> Result<bool, EvalError> {
    Ok(match spec {
        Value::Type(t) => type_matches(v, *t),
        Value::Class(c) => matches!(v, Value::Instance(i) if i.class.is_subclass_of(c)),
        Value::HostType(t) => matches!(v, Value::Host(h) if h.is_instance_of(&t.name)),
        Value::Tuple(items) => {
            for s in items.iter() {
                if isinstance(v, s)? {
                    return Ok(true);
                }
            }
            false
        }
        other => {
            return Err(EvalError::type_error(format!(
                "isinstance() arg 2 must be a class, type, or tuple of classes and types, not {}",
                other.type_name()
            )))
        }
    })
}

fn issubclass(c: &Value, spec: &Value) -> Result<bool, EvalError> {
    Ok(match (c, spec) {
        (_, Value::Tuple(items)) => {
            for s in items.iter() {
                if issubclass(c, s)? {
                    return Ok(true);
                }
            }
            false
        }
        (Value::Class(a), Value::Class(b)) => a.is_subclass_of(b),
        (Value::Class(_), Value::Type(BuiltinType::Object)) => true,
        (Value::Type(a), Value::Type(b)) => {
            a == b
                || *b == BuiltinType::Object
                || (*a == BuiltinType::Bool && *b == BuiltinType::Int)
        }
        (Value::HostType(a), Value::HostType(b)) => a.name == b.name,
        (Value::Class(_) | Value::Type(_) | Value::HostType(_), _) => false,
        _ => return Err(EvalError::type_error("issubclass() arg 1 must be a class")),
    })
}

fn min_max(i: &mut Interp, a: Bound, want: Ordering, name: &str) -> Result<Value, EvalError> {
    let mut key = None;
    for (k, v) in &a.kwargs {
        if &**k == "key" {
            key = Some(v.clone());
        } else {
            return Err(EvalError::type_error(format!(
                "{name}() got an unexpected keyword argument '{k}'"
            )));
        }
    }
    let items = match a.varargs.len() {
        0 => {
            return Err(EvalError::type_error(format!(
                "{name} expected 1 arguments, got 0"
            )))
        }
        1 => i.iterate(&a.varargs[0])?,
        _ => a.varargs.clone(),
    };
    let mut best: Option<(Value, Value)> = None;
    for v in items {
        let k = match &key {
            Some(f) => i.call_value(f, vec![v.clone()], Vec::new())?,
            None => v.clone(),
        };
        let better = match &best {
            None => true,
            Some((bk, _)) => i.order(&k, bk)? == want,
        };
        if better {
            best = Some((k, v));
        }
    }
    best.map(|(_, v)| v)
        .ok_or_else(|| EvalError::value_error(format!("{name}() arg is an empty sequence")))
}

/// A stable merge sort whose comparisons may fail (user `key`/`cmp` functions, mixed
/// types); the standard library's sorts may not be given a fallible comparator.
pub(crate) fn sort_values(
    i: &mut Interp,
    items: Vec<Value>,
    key: Option<Value>,
    cmp: Option<Value>,
    reverse: bool,
) -> Result<Vec<Value>, EvalError> {
    let mut keyed = Vec::with_capacity(items.len());
    for v in items {
        let k = match &key {
            Some(f) => i.call_value(f, vec![v.clone()], Vec::new())?,
            None => v.clone(),
        };
        keyed.push((k, v));
    }
    let mut less = |i: &mut Interp, a: &Value, b: &Value| -> Result<bool, EvalError> {
        let ord = match &cmp {
            Some(f) => {
                let r = i.call_value(f, vec![a.clone(), b.clone()], Vec::new())?;
                r.as_int().unwrap_or(0).cmp(&0)
            }
            None => i.order(a, b)?,
        };
        Ok(if reverse {
            ord == Ordering::Greater
        } else {
            ord == Ordering::Less
        })
    };
    let sorted = merge_sort(i, keyed, &mut less)?;
    Ok(sorted.into_iter().map(|(_, v)| v).collect())
}

type Less<'a> = dyn FnMut(&mut Interp, &Value, &Value) -> Result<bool, EvalError> + 'a;

fn merge_sort(
    i: &mut Interp,
    mut v: Vec<(Value, Value)>,
    less: &mut Less,
) -> Result<Vec<(Value, Value)>, EvalError> {
    if v.len() <= 1 {
        return Ok(v);
    }
    let right = v.split_off(v.len() / 2);
    let left = merge_sort(i, v, less)?;
    let right = merge_sort(i, right, less)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut l = left.into_iter().peekable();
    let mut r = right.into_iter().peekable();
    loop {
        match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => {
                // Stable: take from the right only when strictly less.
                if less(i, &b.0, &a.0)? {
                    out.extend(r.next());
                } else {
                    out.extend(l.next());
                }
            }
            (Some(_), None) => out.extend(l.by_ref()),
            (None, Some(_)) => out.extend(r.by_ref()),
            (None, None) => break,
        }
    }
    Ok(out)
}

/// Key/value pairs from a dict or an iterable of pairs (for `dict(...)`, `update`).
pub(crate) fn dict_pairs(i: &mut Interp, src: &Value) -> Result<Vec<(Key, Value)>, EvalError> {
    if let Value::Dict(d) = src {
        // CPython merges a dict in its own iteration order.
        return Ok(super::value::dict_items(d));
    }
    let mut out = Vec::new();
    for (n, item) in i.iterate(src)?.into_iter().enumerate() {
        let pair = i.iterate(&item)?;
        if pair.len() != 2 {
            return Err(EvalError::value_error(format!(
                "dictionary update sequence element #{n} has length {}; 2 is required",
                pair.len()
            )));
        }
        let mut it = pair.into_iter();
        let k = it.next().unwrap_or(Value::None);
        let v = it.next().unwrap_or(Value::None);
        out.push((Key::new(k)?, v));
    }
    Ok(out)
}

fn parse_int(s: &str, base: u32) -> Option<Value> {
    let t = s.trim().replace('_', "");
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
    };
    let t = t.trim_end_matches(['L', 'l']);
    let (base, digits) = match base {
        16 => (16, t.trim_start_matches("0x").trim_start_matches("0X")),
        0 => {
            if let Some(r) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                (16, r)
            } else if let Some(r) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
                (8, r)
            } else if let Some(r) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
                (2, r)
            } else if t.len() > 1 && t.starts_with('0') {
                (8, &t[1..])
            } else {
                (10, t)
            }
        }
        b => (b, t),
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let v = num_bigint::BigInt::parse_bytes(digits.as_bytes(), base)?;
    Some(super::long::narrow(if neg { -v } else { v }))
}

/// Python's `float()` of a string, including `inf` and `nan`.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" => return Some(f64::INFINITY),
        "-inf" | "-infinity" => return Some(f64::NEG_INFINITY),
        "nan" | "+nan" | "-nan" => return Some(f64::NAN),
        _ => {}
    }
    if t.is_empty() || t.contains(|c: char| c.is_alphabetic() && c != 'e' && c != 'E') {
        return None;
    }
    t.parse::<f64>().ok()
}

/// Calling a built-in type: conversions (`int('3')`, `list(x)`, `dict(a=1)`, ...).
pub(crate) fn call_type(
    i: &mut Interp,
    t: BuiltinType,
    args: Vec<Value>,
    kwargs: Vec<(Rc<str>, Value)>,
) -> Result<Value, EvalError> {
    let name = t.name();
    if t != BuiltinType::Dict && !kwargs.is_empty() {
        return Err(EvalError::type_error(format!(
            "{name}() takes no keyword arguments"
        )));
    }
    let max = match t {
        BuiltinType::Int | BuiltinType::Long => 2,
        BuiltinType::Xrange => 3,
        _ => 1,
    };
    if args.len() > max {
        return Err(EvalError::type_error(format!(
            "{name}() takes at most {max} argument{} ({} given)",
            if max == 1 { "" } else { "s" },
            args.len()
        )));
    }
    let arg = args.first().cloned();
    Ok(match t {
        BuiltinType::Int | BuiltinType::Long => {
            let v = match (&arg, args.get(1)) {
                (None, _) => Value::Int(0),
                (Some(Value::Str(s)), base) => {
                    let b = match base {
                        Some(v) => v
                            .as_int()
                            .ok_or_else(|| EvalError::type_error("int() base must be an int"))?,
                        None => 10,
                    };
                    if b == 1 || !(0..=36).contains(&b) {
                        return Err(EvalError::value_error("int() base must be >= 2 and <= 36"));
                    }
                    parse_int(s, b as u32).ok_or_else(|| {
                        EvalError::value_error(format!(
                            "invalid literal for {name}() with base {b}: {}",
                            Value::Str(s.clone()).repr()
                        ))
                    })?
                }
                (Some(Value::Float(f)), None) => super::long::from_float(*f)?,
                (Some(v @ (Value::Int(_) | Value::Bool(_) | Value::Long(_))), None) => {
                    super::long::narrow(super::long::to_big(v).unwrap_or_default())
                }
                (Some(v), _) => {
                    return Err(EvalError::type_error(format!(
                        "{name}() argument must be a string or a number, not '{}'",
                        v.type_name()
                    )))
                }
            };
            if t == BuiltinType::Long {
                super::long::long(super::long::to_big(&v).unwrap_or_default())
            } else {
                v
            }
        }
        BuiltinType::Float => match &arg {
            None => Value::Float(0.0),
            Some(Value::Str(s)) => Value::Float(parse_float(s).ok_or_else(|| {
                EvalError::value_error(format!("could not convert string to float: {}", s))
            })?),
            Some(Value::Long(l)) => Value::Float(super::long::to_f64(l)?),
            Some(v) => Value::Float(v.as_float().ok_or_else(|| {
                EvalError::type_error(format!(
                    "float() argument must be a string or a number, not '{}'",
                    v.type_name()
                ))
            })?),
        },
        BuiltinType::Bool => Value::Bool(arg.is_some_and(|v| v.truthy())),
        BuiltinType::Str | BuiltinType::Unicode | BuiltinType::BaseString => match &arg {
            None => Value::str(""),
            Some(v) => Value::str(&i.to_str(v)?),
        },
        BuiltinType::List => Value::list(match &arg {
            None => Vec::new(),
            Some(v) => i.iterate(v)?,
        }),
        BuiltinType::Tuple => match &arg {
            None => Value::tuple(Vec::new()),
            Some(v @ Value::Tuple(_)) => v.clone(),
            Some(v) => Value::tuple(i.iterate(v)?),
        },
        BuiltinType::Set | BuiltinType::FrozenSet => {
            let mut d = Dict::new();
            if let Some(v) = &arg {
                for x in i.iterate(v)? {
                    d.insert(Key::new(x)?, Value::None);
                }
            }
            Value::Set(Rc::new(RefCell::new(d)))
        }
        BuiltinType::Dict => {
            let mut d = Dict::new();
            if let Some(v) = &arg {
                for (k, v) in dict_pairs(i, v)? {
                    d.insert(k, v);
                }
            }
            for (k, v) in kwargs {
                d.insert(Key(Value::Str(k)), v);
            }
            Value::dict(d)
        }
        BuiltinType::Type => match &arg {
            Some(Value::Instance(inst)) => Value::Class(inst.class.clone()),
            Some(Value::Host(h)) => {
                Value::HostType(Rc::new(super::host::HostType::new(h.type_name())))
            }
            Some(v) => Value::Type(type_of(v)),
            None => return Err(EvalError::type_error("type() takes 1 argument")),
        },
        BuiltinType::Xrange => {
            let ints: Vec<i64> = args
                .iter()
                .map(|v| int_like(v, "xrange"))
                .collect::<Result<_, _>>()?;
            let (a, b, s) = match ints.as_slice() {
                [stop] => (0, *stop, 1),
                [start, stop] => (*start, *stop, 1),
                [start, stop, step] => (*start, *stop, *step),
                _ => return Err(EvalError::type_error("xrange() requires 1-3 int arguments")),
            };
            if s == 0 {
                return Err(EvalError::value_error("xrange() arg 3 must not be zero"));
            }
            Value::Range(a, b, s)
        }
        BuiltinType::Object => Value::Instance(Rc::new(super::class::Instance::new(Rc::new(
            super::class::Class {
                name: Rc::from("object"),
                bases: Vec::new(),
                attrs: RefCell::new(Default::default()),
                is_exception: false,
            },
        )))),
        BuiltinType::NoneType | BuiltinType::Function => {
            return Err(EvalError::type_error(format!(
                "cannot create '{name}' instances"
            )))
        }
    })
}

fn type_of(v: &Value) -> BuiltinType {
    match v {
        Value::None => BuiltinType::NoneType,
        Value::Bool(_) => BuiltinType::Bool,
        Value::Int(_) => BuiltinType::Int,
        Value::Long(_) => BuiltinType::Long,
        Value::Float(_) => BuiltinType::Float,
        Value::Str(_) => BuiltinType::Str,
        Value::List(_) => BuiltinType::List,
        Value::Tuple(_) => BuiltinType::Tuple,
        Value::Dict(_) => BuiltinType::Dict,
        Value::Set(_) => BuiltinType::Set,
        Value::Range(..) => BuiltinType::Xrange,
        Value::Function(_) | Value::Native(_) | Value::BoundMethod(_) | Value::BuiltinMethod(_) => {
            BuiltinType::Function
        }
        _ => BuiltinType::Type,
    }
}
