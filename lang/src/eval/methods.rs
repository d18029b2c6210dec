//! Methods of the built-in types: str, list, dict, set, tuple, file.

use super::value::{Dict, Key, Value};
use super::{EvalError, Interp};
use std::cell::RefCell;
use std::rc::Rc;

const STR_METHODS: &[&str] = &[
    "capitalize",
    "center",
    "count",
    "decode",
    "encode",
    "endswith",
    "find",
    "format",
    "index",
    "isalnum",
    "isalpha",
    "isdigit",
    "islower",
    "isspace",
    "isupper",
    "join",
    "ljust",
    "lower",
    "lstrip",
    "partition",
    "replace",
    "rfind",
    "rindex",
    "rjust",
    "rpartition",
    "rsplit",
    "rstrip",
    "split",
    "splitlines",
    "startswith",
    "strip",
    "swapcase",
    "title",
    "upper",
    "zfill",
];
const LIST_METHODS: &[&str] = &[
    "append", "count", "extend", "index", "insert", "pop", "remove", "reverse", "sort",
];
const TUPLE_METHODS: &[&str] = &["count", "index"];
const DICT_METHODS: &[&str] = &[
    "fromkeys",
    "clear",
    "copy",
    "get",
    "has_key",
    "items",
    "iteritems",
    "iterkeys",
    "itervalues",
    "keys",
    "pop",
    "popitem",
    "setdefault",
    "update",
    "values",
];
const SET_METHODS: &[&str] = &[
    "add",
    "clear",
    "copy",
    "difference",
    "discard",
    "intersection",
    "issubset",
    "issuperset",
    "pop",
    "remove",
    "union",
    "update",
];
const FILE_METHODS: &[&str] = &["close", "read", "readline", "readlines", "next"];
const FLOAT_METHODS: &[&str] = &["is_integer"];

pub(crate) fn method_names(v: &Value) -> &'static [&'static str] {
    match v {
        Value::Str(_) => STR_METHODS,
        Value::List(_) => LIST_METHODS,
        Value::Tuple(_) => TUPLE_METHODS,
        Value::Dict(_) => DICT_METHODS,
        Value::Set(_) => SET_METHODS,
        Value::File(_) => FILE_METHODS,
        Value::Float(_) => FLOAT_METHODS,
        _ => &[],
    }
}

/// The `[start:end]` window of `str.find`/`count`/`startswith`/... (indices in characters,
/// negative from the end, clamped like a slice), with the window's start; `None` when
/// start lies past the end, where Python finds nothing, not even an empty string.
fn str_window<'a>(
    name: &str,
    t: &'a str,
    bounds: &[Value],
) -> Result<Option<(&'a str, usize)>, EvalError> {
    if bounds.iter().all(|v| v.is_none()) {
        return Ok(Some((t, 0)));
    }
    let n = t.chars().count() as i64;
    let clamp = |v: Option<&Value>, default: i64| -> Result<i64, EvalError> {
        match v {
            None | Some(Value::None) => Ok(default),
            Some(v) => {
                let i = int_arg(name, v)?;
                Ok(if i < 0 { (i + n).max(0) } else { i.min(n + 1) })
            }
        }
    };
    let start = clamp(bounds.first(), 0)?;
    let end = clamp(bounds.get(1), n)?.min(n);
    if start > n {
        return Ok(None);
    }
    let byte = |c: i64| t.char_indices().nth(c as usize).map_or(t.len(), |(b, _)| b);
    let (bs, be) = (byte(start), byte(end.max(start)));
    Ok(Some((&t[bs..be], start as usize)))
}

fn arity(name: &str, args: &[Value], min: usize, max: usize) -> Result<(), EvalError> {
    if args.len() < min || args.len() > max {
        let want = if min == max {
            format!("exactly {min}")
        } else if args.len() < min {
            format!("at least {min}")
        } else {
            format!("at most {max}")
        };
        return Err(EvalError::type_error(format!(
            "{name}() takes {want} argument{} ({} given)",
            if max == 1 { "" } else { "s" },
            args.len()
        )));
    }
    Ok(())
}

fn str_arg<'a>(name: &str, v: &'a Value) -> Result<&'a str, EvalError> {
    v.as_str().ok_or_else(|| {
        EvalError::type_error(format!(
            "{name}() argument must be str, not {}",
            v.type_name()
        ))
    })
}

fn int_arg(name: &str, v: &Value) -> Result<i64, EvalError> {
    v.as_int().ok_or_else(|| {
        EvalError::type_error(format!(
            "{name}() argument must be int, not {}",
            v.type_name()
        ))
    })
}

fn s(v: impl AsRef<str>) -> Value {
    Value::Str(Rc::from(v.as_ref()))
}

pub(crate) fn call_method(
    interp: &mut Interp,
    recv: &Value,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(Rc<str>, Value)>,
) -> Result<Value, EvalError> {
    if let (Value::Str(t), "format") = (recv, name) {
        return Ok(s(super::format::str_format(interp, t, &args, &kwargs)?));
    }
    if let (Value::List(l), "sort") = (recv, name) {
        arity("sort", &args, 0, 1)?;
        let mut key = None;
        let mut cmp = args.first().cloned().filter(|v| !v.is_none());
        let mut reverse = false;
        for (k, v) in kwargs {
            match &*k {
                "key" => key = Some(v).filter(|v| !v.is_none()),
                "cmp" => cmp = Some(v).filter(|v| !v.is_none()),
                "reverse" => reverse = v.truthy(),
                other => {
                    return Err(EvalError::type_error(format!(
                        "sort() got an unexpected keyword argument '{other}'"
                    )))
                }
            }
        }
        let items = l.borrow().clone();
        let sorted = super::builtins::sort_values(interp, items, key, cmp, reverse)?;
        *l.borrow_mut() = sorted;
        return Ok(Value::None);
    }
    if let Some((k, _)) = kwargs.first() {
        return Err(EvalError::type_error(format!(
            "{name}() takes no keyword arguments (got '{k}')"
        )));
    }
    match recv {
        Value::Str(t) => str_method(interp, t, name, &args),
        Value::List(l) => list_method(interp, l, name, args),
        Value::Tuple(t) => seq_common(interp, t, name, &args),
        Value::Dict(d) => dict_method(interp, d, name, args),
        Value::Set(d) => set_method(interp, recv, d, name, args),
        Value::File(f) => {
            arity(name, &args, 0, 0)?;
            let mut f = f.borrow_mut();
            Ok(match name {
                "read" => s(f.read()?),
                "readline" | "next" => s(f.readline()?),
                "readlines" => Value::list(f.readlines()?.into_iter().map(s).collect()),
                _ => {
                    f.closed = true;
                    Value::None
                }
            })
        }
        Value::Float(x) => Ok(Value::Bool(x.fract() == 0.0)),
        other => Err(EvalError::attribute_error(format!(
            "'{}' object has no attribute '{name}'",
            other.type_name()
        ))),
    }
}

fn seq_common(
    interp: &mut Interp,
    items: &[Value],
    name: &str,
    args: &[Value],
) -> Result<Value, EvalError> {
    match name {
        "count" => {
            arity(name, args, 1, 1)?;
            let mut n = 0;
            for x in items {
                if interp.eq(x, &args[0])? {
                    n += 1;
                }
            }
            Ok(Value::Int(n))
        }
        _ => {
            arity(name, args, 1, 3)?;
            let len = items.len() as i64;
            let norm = |v: Option<&Value>, d: i64| -> i64 {
                match v.and_then(|v| v.as_int()) {
                    Some(i) if i < 0 => (i + len).max(0),
                    Some(i) => i.min(len),
                    None => d,
                }
            };
            let start = norm(args.get(1), 0);
            let end = norm(args.get(2), len);
            for i in start..end {
                if interp.eq(&items[i as usize], &args[0])? {
                    return Ok(Value::Int(i));
                }
            }
            Err(EvalError::value_error(format!(
                "{} is not in list",
                args[0].repr()
            )))
        }
    }
}

fn list_method(
    interp: &mut Interp,
    l: &Rc<RefCell<Vec<Value>>>,
    name: &str,
    args: Vec<Value>,
) -> Result<Value, EvalError> {
    match name {
        "append" => {
            arity(name, &args, 1, 1)?;
            let n = l.borrow().len() + 1;
            interp.check_size(n)?;
            l.borrow_mut().extend(args);
            Ok(Value::None)
        }
        "extend" => {
            arity(name, &args, 1, 1)?;
            let items = interp.iterate(&args[0])?;
            let n = l.borrow().len() + items.len();
            interp.check_size(n)?;
            l.borrow_mut().extend(items);
            Ok(Value::None)
        }
        "insert" => {
            arity(name, &args, 2, 2)?;
            let mut v = l.borrow_mut();
            let len = v.len() as i64;
            let i = int_arg(name, &args[0])?;
            let i = if i < 0 { (i + len).max(0) } else { i.min(len) };
            v.insert(i as usize, args[1].clone());
            Ok(Value::None)
        }
        "pop" => {
            arity(name, &args, 0, 1)?;
            let mut v = l.borrow_mut();
            if v.is_empty() {
                return Err(EvalError::index_error("pop from empty list"));
            }
            let len = v.len() as i64;
            let i = match args.first() {
                Some(a) => int_arg(name, a)?,
                None => -1,
            };
            let j = if i < 0 { i + len } else { i };
            if j < 0 || j >= len {
                return Err(EvalError::index_error("pop index out of range"));
            }
            Ok(v.remove(j as usize))
        }
        "remove" => {
            arity(name, &args, 1, 1)?;
            let items = l.borrow().clone();
            for (i, x) in items.iter().enumerate() {
                if interp.eq(x, &args[0])? {
                    l.borrow_mut().remove(i);
                    return Ok(Value::None);
                }
            }
            Err(EvalError::value_error("list.remove(x): x not in list"))
        }
        "reverse" => {
            arity(name, &args, 0, 0)?;
            l.borrow_mut().reverse();
            Ok(Value::None)
        }
        _ => {
            let items = l.borrow().clone();
            seq_common(interp, &items, name, &args)
        }
    }
}

fn strip_set<'a>(args: &'a [Value], name: &str) -> Result<Option<&'a str>, EvalError> {
    arity(name, args, 0, 1)?;
    match args.first() {
        None | Some(Value::None) => Ok(None),
        Some(v) => Ok(Some(str_arg(name, v)?)),
    }
}

fn str_method(
    interp: &mut Interp,
    t: &Rc<str>,
    name: &str,
    args: &[Value],
) -> Result<Value, EvalError> {
    let t: &str = t;
    Ok(match name {
        "join" => {
            arity(name, args, 1, 1)?;
            let items = interp.iterate(&args[0])?;
            let mut parts = Vec::with_capacity(items.len());
            for (i, it) in items.iter().enumerate() {
                match it {
                    Value::Str(x) => parts.push(x.clone()),
                    other => {
                        return Err(EvalError::type_error(format!(
                            "sequence item {i}: expected string, {} found",
                            other.type_name()
                        )))
                    }
                }
            }
            let total: usize = parts.iter().map(|p| p.len()).sum::<usize>() + t.len() * parts.len();
            interp.check_size(total)?;
            s(parts.iter().map(|p| &**p).collect::<Vec<_>>().join(t))
        }
        "split" | "rsplit" => {
            arity(name, args, 0, 2)?;
            let sep = match args.first() {
                None | Some(Value::None) => None,
                Some(v) => Some(str_arg(name, v)?),
            };
            let max = match args.get(1) {
                Some(v) => int_arg(name, v)?,
                None => -1,
            };
            let parts: Vec<String> = match sep {
                Some("") => return Err(EvalError::value_error("empty separator")),
                Some(sep) => {
                    if max < 0 {
                        t.split(sep).map(str::to_string).collect()
                    } else if name == "split" {
                        t.splitn(max as usize + 1, sep)
                            .map(str::to_string)
                            .collect()
                    } else {
                        let mut v: Vec<String> = t
                            .rsplitn(max as usize + 1, sep)
                            .map(str::to_string)
                            .collect();
                        v.reverse();
                        v
                    }
                }
                None => {
                    let words: Vec<&str> = t.split_whitespace().collect();
                    if max < 0 || words.len() <= max as usize {
                        words.into_iter().map(str::to_string).collect()
                    } else if name == "split" {
                        let mut out: Vec<String> = Vec::new();
                        let mut rest = t.trim_start();
                        for _ in 0..max {
                            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                            out.push(rest[..end].to_string());
                            rest = rest[end..].trim_start();
                        }
                        if !rest.is_empty() {
                            out.push(rest.to_string());
                        }
                        out
                    } else {
                        let mut out: Vec<String> = Vec::new();
                        let mut rest = t.trim_end();
                        for _ in 0..max {
                            // The whitespace may be several bytes long (U+3000).
                            let start = rest
                                .char_indices()
                                .rev()
                                .find(|(_, c)| c.is_whitespace())
                                .map(|(i, c)| i + c.len_utf8())
                                .unwrap_or(0);
                            out.push(rest[start..].to_string());
                            rest = rest[..start].trim_end();
                        }
                        if !rest.is_empty() {
                            out.push(rest.to_string());
                        }
                        out.reverse();
                        out
                    }
                }
            };
            Value::list(parts.into_iter().map(s).collect())
        }
        "splitlines" => {
            arity(name, args, 0, 1)?;
            let keep = args.first().is_some_and(|v| v.truthy());
            if keep {
                Value::list(t.split_inclusive('\n').map(s).collect())
            } else {
                Value::list(t.lines().map(s).collect())
            }
        }
        "strip" => s(match strip_set(args, name)? {
            None => t.trim(),
            Some(cs) => t.trim_matches(|c| cs.contains(c)),
        }),
        "lstrip" => s(match strip_set(args, name)? {
            None => t.trim_start(),
            Some(cs) => t.trim_start_matches(|c| cs.contains(c)),
        }),
        "rstrip" => s(match strip_set(args, name)? {
            None => t.trim_end(),
            Some(cs) => t.trim_end_matches(|c| cs.contains(c)),
        }),
        "replace" => {
            arity(name, args, 2, 3)?;
            let (a, b) = (str_arg(name, &args[0])?, str_arg(name, &args[1])?);
            let hits = if a.is_empty() {
                t.chars().count() + 1
            } else {
                t.matches(a).count()
            };
            interp.check_size(t.len() + hits.saturating_mul(b.len()))?;
            let r = match args.get(2) {
                Some(n) if int_arg(name, n)? >= 0 => t.replacen(a, b, int_arg(name, n)? as usize),
                _ => t.replace(a, b),
            };
            interp.check_size(r.len())?;
            s(r)
        }
        "startswith" | "endswith" => {
            arity(name, args, 1, 3)?;
            let prefixes: Vec<Value> = match &args[0] {
                Value::Tuple(items) => items.as_ref().clone(),
                v => vec![v.clone()],
            };
            let Some((w, _)) = str_window(name, t, &args[1..])? else {
                return Ok(Value::Bool(false));
            };
            let mut hit = false;
            for p in &prefixes {
                let p = str_arg(name, p)?;
                hit |= if name == "startswith" {
                    w.starts_with(p)
                } else {
                    w.ends_with(p)
                };
            }
            Value::Bool(hit)
        }
        "find" | "rfind" | "index" | "rindex" => {
            arity(name, args, 1, 3)?;
            let sub = str_arg(name, &args[0])?;
            let pos = str_window(name, t, &args[1..])?.and_then(|(w, offset)| {
                let p = if name.starts_with('r') {
                    w.rfind(sub)
                } else {
                    w.find(sub)
                };
                p.map(|p| offset + w[..p].chars().count())
            });
            match pos {
                Some(p) => Value::Int(p as i64),
                None if name.ends_with("find") => Value::Int(-1),
                None => return Err(EvalError::value_error("substring not found")),
            }
        }
        "count" => {
            arity(name, args, 1, 3)?;
            let sub = str_arg(name, &args[0])?;
            match str_window(name, t, &args[1..])? {
                None => Value::Int(0),
                Some((w, _)) if sub.is_empty() => Value::Int(w.chars().count() as i64 + 1),
                Some((w, _)) => Value::Int(w.matches(sub).count() as i64),
            }
        }
        "lower" => s(t.to_lowercase()),
        "upper" => s(t.to_uppercase()),
        "swapcase" => s(t
            .chars()
            .map(|c| {
                if c.is_uppercase() {
                    c.to_lowercase().next().unwrap_or(c)
                } else {
                    c.to_uppercase().next().unwrap_or(c)
                }
            })
            .collect::<String>()),
        "capitalize" => {
            let mut cs = t.chars();
            s(match cs.next() {
                Some(f) => f.to_uppercase().collect::<String>() + &cs.as_str().to_lowercase(),
                None => String::new(),
            })
        }
        "title" => {
            let mut out = String::with_capacity(t.len());
            let mut prev_alpha = false;
            for c in t.chars() {
                if prev_alpha {
                    out.extend(c.to_lowercase());
                } else {
                    out.extend(c.to_uppercase());
                }
                prev_alpha = c.is_alphabetic();
            }
            s(out)
        }
        "isdigit" => Value::Bool(!t.is_empty() && t.chars().all(|c| c.is_ascii_digit())),
        "isalpha" => Value::Bool(!t.is_empty() && t.chars().all(char::is_alphabetic)),
        "isalnum" => Value::Bool(!t.is_empty() && t.chars().all(char::is_alphanumeric)),
        "isspace" => Value::Bool(!t.is_empty() && t.chars().all(char::is_whitespace)),
        "isupper" => {
            Value::Bool(t.chars().any(char::is_uppercase) && !t.chars().any(char::is_lowercase))
        }
        "islower" => {
            Value::Bool(t.chars().any(char::is_lowercase) && !t.chars().any(char::is_uppercase))
        }
        "zfill" | "ljust" | "rjust" | "center" => {
            arity(name, args, 1, 2)?;
            let w = int_arg(name, &args[0])?.max(0) as usize;
            interp.check_size(w)?;
            let fill = match args.get(1) {
                Some(v) => str_arg(name, v)?.chars().next().unwrap_or(' '),
                None => {
                    if name == "zfill" {
                        '0'
                    } else {
                        ' '
                    }
                }
            };
            let n = t.chars().count();
            if n >= w {
                s(t)
            } else {
                let k = w - n;
                let f = |m: usize| fill.to_string().repeat(m);
                s(match name {
                    "ljust" => format!("{t}{}", f(k)),
                    "rjust" => format!("{}{t}", f(k)),
                    "center" => format!("{}{t}{}", f(k / 2), f(k - k / 2)),
                    _ => match t.strip_prefix(['-', '+']) {
                        Some(rest) => format!("{}{}{rest}", &t[..1], f(k)),
                        None => format!("{}{t}", f(k)),
                    },
                })
            }
        }
        "partition" | "rpartition" => {
            arity(name, args, 1, 1)?;
            let sep = str_arg(name, &args[0])?;
            let found = if name == "partition" {
                t.find(sep)
            } else {
                t.rfind(sep)
            };
            match found {
                Some(p) => Value::tuple(vec![s(&t[..p]), s(sep), s(&t[p + sep.len()..])]),
                None if name == "partition" => Value::tuple(vec![s(t), s(""), s("")]),
                None => Value::tuple(vec![s(""), s(""), s(t)]),
            }
        }
        "encode" | "decode" => s(t),
        other => {
            return Err(EvalError::attribute_error(format!(
                "'str' object has no attribute '{other}'"
            )))
        }
    })
}

fn dict_method(
    interp: &mut Interp,
    d: &Rc<RefCell<Dict>>,
    name: &str,
    args: Vec<Value>,
) -> Result<Value, EvalError> {
    Ok(match name {
        "fromkeys" => {
            // A class method in Python: the receiver's contents do not matter.
            arity(name, &args, 1, 2)?;
            let value = args.get(1).cloned().unwrap_or(Value::None);
            let mut out = Dict::default();
            for k in interp.iterate(&args[0])? {
                out.insert(Key::new(k)?, value.clone());
            }
            Value::dict(out)
        }
        "keys" | "iterkeys" => {
            arity(name, &args, 0, 0)?;
            Value::list(super::dict_order::keys(&d.borrow()))
        }
        "values" | "itervalues" => {
            arity(name, &args, 0, 0)?;
            Value::list(
                super::dict_order::entries(&d.borrow())
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect(),
            )
        }
        "items" | "iteritems" => {
            arity(name, &args, 0, 0)?;
            Value::list(
                super::dict_order::entries(&d.borrow())
                    .into_iter()
                    .map(|(k, v)| Value::tuple(vec![k.0, v]))
                    .collect(),
            )
        }
        "has_key" => {
            arity(name, &args, 1, 1)?;
            let k = Key::new(args[0].clone())?;
            Value::Bool(d.borrow().contains_key(&k))
        }
        "get" => {
            arity(name, &args, 1, 2)?;
            let k = Key::new(args[0].clone())?;
            d.borrow()
                .get(&k)
                .cloned()
                .unwrap_or_else(|| args.get(1).cloned().unwrap_or(Value::None))
        }
        "setdefault" => {
            arity(name, &args, 1, 2)?;
            let k = Key::new(args[0].clone())?;
            let default = args.get(1).cloned().unwrap_or(Value::None);
            d.borrow_mut().entry(k).or_insert(default).clone()
        }
        "pop" => {
            arity(name, &args, 1, 2)?;
            let k = Key::new(args[0].clone())?;
            match d.borrow_mut().shift_remove(&k) {
                Some(v) => v,
                None => match args.get(1) {
                    Some(dv) => dv.clone(),
                    None => return Err(EvalError::key_error(args[0].repr())),
                },
            }
        }
        "popitem" => {
            arity(name, &args, 0, 0)?;
            match d.borrow_mut().pop() {
                Some((k, v)) => Value::tuple(vec![k.0, v]),
                None => return Err(EvalError::key_error("'popitem(): dictionary is empty'")),
            }
        }
        "update" => {
            arity(name, &args, 0, 1)?;
            if let Some(src) = args.first() {
                let pairs = super::builtins::dict_pairs(interp, src)?;
                let mut dm = d.borrow_mut();
                for (k, v) in pairs {
                    dm.insert(k, v);
                }
                let n = dm.len();
                drop(dm);
                interp.check_size(n)?;
            }
            Value::None
        }
        "copy" => Value::dict(d.borrow().clone()),
        "clear" => {
            d.borrow_mut().clear();
            Value::None
        }
        other => {
            return Err(EvalError::attribute_error(format!(
                "'dict' object has no attribute '{other}'"
            )))
        }
    })
}

fn set_method(
    interp: &mut Interp,
    recv: &Value,
    d: &Rc<RefCell<Dict>>,
    name: &str,
    args: Vec<Value>,
) -> Result<Value, EvalError> {
    let other_keys = |interp: &mut Interp, v: &Value| -> Result<Vec<Key>, EvalError> {
        interp.iterate(v)?.into_iter().map(Key::new).collect()
    };
    Ok(match name {
        "add" => {
            arity(name, &args, 1, 1)?;
            let k = Key::new(args[0].clone())?;
            d.borrow_mut().insert(k, Value::None);
            let n = d.borrow().len();
            interp.check_size(n)?;
            Value::None
        }
        "remove" | "discard" => {
            arity(name, &args, 1, 1)?;
            let k = Key::new(args[0].clone())?;
            if d.borrow_mut().shift_remove(&k).is_none() && name == "remove" {
                return Err(EvalError::key_error(args[0].repr()));
            }
            Value::None
        }
        "update" => {
            for a in &args {
                for k in other_keys(interp, a)? {
                    d.borrow_mut().insert(k, Value::None);
                }
            }
            Value::None
        }
        "union" | "intersection" | "difference" => {
            let mut acc = recv.clone();
            for a in &args {
                let keys = other_keys(interp, a)?;
                let other = Value::Set(Rc::new(RefCell::new(
                    keys.into_iter().map(|k| (k, Value::None)).collect(),
                )));
                let op = match name {
                    "union" => crate::syntax::ast::BinOp::BitOr,
                    "intersection" => crate::syntax::ast::BinOp::BitAnd,
                    _ => crate::syntax::ast::BinOp::Sub,
                };
                acc = interp.binary(op, &acc, &other)?;
            }
            if args.is_empty() {
                Value::Set(Rc::new(RefCell::new(d.borrow().clone())))
            } else {
                acc
            }
        }
        "issubset" | "issuperset" => {
            arity(name, &args, 1, 1)?;
            let keys = other_keys(interp, &args[0])?;
            let mine = d.borrow();
            if name == "issubset" {
                Value::Bool(mine.keys().all(|k| keys.contains(k)))
            } else {
                Value::Bool(keys.iter().all(|k| mine.contains_key(k)))
            }
        }
        "copy" => Value::Set(Rc::new(RefCell::new(d.borrow().clone()))),
        "pop" => match d.borrow_mut().shift_remove_index(0) {
            Some((k, _)) => k.0,
            None => return Err(EvalError::key_error("'pop from an empty set'")),
        },
        "clear" => {
            d.borrow_mut().clear();
            Value::None
        }
        other => {
            return Err(EvalError::attribute_error(format!(
                "'set' object has no attribute '{other}'"
            )))
        }
    })
}
