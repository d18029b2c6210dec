//! Runtime values of the config language.
//!
//! Values are cheap to clone: everything bigger than a word lives behind an `Rc`. Mutable
//! containers use `RefCell`, as Python's aliasing semantics require (`a = b = []`).

use super::class::{Class, Instance};
use super::function::{Function, NativeFunction};
use super::host::{HostObject, HostType};
use super::module::Module;
use super::{EvalError, Interp};
use indexmap::IndexMap;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

/// A dict: insertion-ordered, so configs behave the same on every run.
pub type Dict = IndexMap<Key, Value>;

#[derive(Clone)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// Python 2's arbitrary-precision `long` (see `long.rs`).
    Long(Rc<num_bigint::BigInt>),
    Float(f64),
    Str(Rc<str>),
    List(Rc<RefCell<Vec<Value>>>),
    Tuple(Rc<Vec<Value>>),
    Dict(Rc<RefCell<Dict>>),
    Set(Rc<RefCell<Dict>>),
    /// `xrange(start, stop, step)`, iterated lazily.
    Range(i64, i64, i64),
    Function(Rc<Function>),
    Native(Rc<NativeFunction>),
    /// A function bound to a receiver (`obj.method`): the receiver is passed first.
    BoundMethod(Rc<(Value, Value)>),
    /// A method of a built-in type (`"a,b".split`), dispatched by name.
    BuiltinMethod(Rc<(Value, Rc<str>)>),
    Class(Rc<Class>),
    Instance(Rc<Instance>),
    Module(Rc<Module>),
    Type(BuiltinType),
    HostType(Rc<HostType>),
    Host(Rc<dyn HostObject>),
    File(Rc<RefCell<super::file::FileHandle>>),
    /// `a[start:stop:step]` as a key.
    Slice(Rc<[Value; 3]>),
}

/// The built-in types, usable in `isinstance` and as conversion functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinType {
    Object,
    NoneType,
    Bool,
    Int,
    Long,
    Float,
    Str,
    Unicode,
    BaseString,
    List,
    Tuple,
    Dict,
    Set,
    FrozenSet,
    Type,
    Function,
    Xrange,
}

impl BuiltinType {
    pub fn name(self) -> &'static str {
        match self {
            BuiltinType::Object => "object",
            BuiltinType::NoneType => "NoneType",
            BuiltinType::Bool => "bool",
            BuiltinType::Int => "int",
            BuiltinType::Long => "long",
            BuiltinType::Float => "float",
            BuiltinType::Str => "str",
            BuiltinType::Unicode => "unicode",
            BuiltinType::BaseString => "basestring",
            BuiltinType::List => "list",
            BuiltinType::Tuple => "tuple",
            BuiltinType::Dict => "dict",
            BuiltinType::Set => "set",
            BuiltinType::FrozenSet => "frozenset",
            BuiltinType::Type => "type",
            BuiltinType::Function => "function",
            BuiltinType::Xrange => "xrange",
        }
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(items))
    }

    pub fn dict(d: Dict) -> Value {
        Value::Dict(Rc::new(RefCell::new(d)))
    }

    pub fn host(obj: impl HostObject) -> Value {
        Value::Host(Rc::new(obj))
    }

    /// Python's name for the value's type, as used in messages (`'int'`, `'LayerOutput'`).
    pub fn type_name(&self) -> String {
        match self {
            Value::None => "NoneType".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Long(_) => "long".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::List(_) => "list".into(),
            Value::Tuple(_) => "tuple".into(),
            Value::Dict(_) => "dict".into(),
            Value::Set(_) => "set".into(),
            Value::Range(..) => "xrange".into(),
            Value::Function(_) => "function".into(),
            Value::Native(_) | Value::BuiltinMethod(_) => "builtin_function_or_method".into(),
            Value::BoundMethod(_) => "instancemethod".into(),
            Value::Class(_) | Value::Type(_) | Value::HostType(_) => "type".into(),
            Value::Instance(i) => i.class.name.to_string(),
            Value::Module(_) => "module".into(),
            Value::Host(h) => h.type_name().to_string(),
            Value::File(_) => "file".into(),
            Value::Slice(_) => "slice".into(),
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Long(l) => !num_traits::Zero::is_zero(&**l),
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) | Value::Set(d) => !d.borrow().is_empty(),
            Value::Range(a, b, s) => range_len(*a, *b, *s) > 0,
            Value::Host(h) => h.truthy(),
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An int (bools count, as in Python).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            Value::Long(l) => num_traits::ToPrimitive::to_i64(&**l),
            _ => None,
        }
    }

    /// A number as f64 (ints and bools convert).
    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            Value::Bool(b) => Some(*b as i64 as f64),
            Value::Long(l) => num_traits::ToPrimitive::to_f64(&**l).filter(|f| f.is_finite()),
            _ => None,
        }
    }

    /// The host object behind this value, downcast to a concrete type.
    pub fn downcast_host<T: 'static>(&self) -> Option<&T> {
        match self {
            Value::Host(h) => h.as_any().downcast_ref::<T>(),
            _ => None,
        }
    }

    /// Identity, for `is`.
    pub fn is(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Str(a), Value::Str(b)) => Rc::ptr_eq(a, b) || a == b,
            (Value::List(a), Value::List(b)) => Rc::ptr_eq(a, b),
            (Value::Tuple(a), Value::Tuple(b)) => {
                Rc::ptr_eq(a, b) || (a.is_empty() && b.is_empty())
            }
            (Value::Dict(a), Value::Dict(b)) | (Value::Set(a), Value::Set(b)) => Rc::ptr_eq(a, b),
            (Value::Function(a), Value::Function(b)) => Rc::ptr_eq(a, b),
            (Value::Native(a), Value::Native(b)) => Rc::ptr_eq(a, b),
            (Value::Class(a), Value::Class(b)) => Rc::ptr_eq(a, b),
            (Value::Instance(a), Value::Instance(b)) => Rc::ptr_eq(a, b),
            (Value::Module(a), Value::Module(b)) => Rc::ptr_eq(a, b),
            (Value::Type(a), Value::Type(b)) => a == b,
            (Value::HostType(a), Value::HostType(b)) => a.name == b.name,
            (Value::Host(a), Value::Host(b)) => std::ptr::addr_eq(Rc::as_ptr(a), Rc::as_ptr(b)),
            (Value::File(a), Value::File(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// `str(x)`.
    pub fn to_str(&self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            Value::Float(f) => format_float_str(*f),
            Value::Long(l) => l.to_string(),
            Value::Instance(_) => self.repr(),
            _ => self.repr(),
        }
    }

    /// `repr(x)` for values whose repr needs no interpreter (instances with `__repr__` are
    /// handled by `Interp::repr`).
    pub fn repr(&self) -> String {
        let mut s = String::new();
        self.write_repr(&mut s, 0);
        s
    }

    fn write_repr(&self, out: &mut String, depth: usize) {
        if depth > 100 {
            out.push_str("...");
            return;
        }
        match self {
            Value::None => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Long(l) => {
                let _ = write!(out, "{l}L");
            }
            Value::Float(f) => out.push_str(&format_float_repr(*f)),
            Value::Str(s) => out.push_str(&repr_str(s)),
            Value::List(l) => {
                out.push('[');
                for (i, v) in l.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out, depth + 1);
                }
                out.push(']');
            }
            Value::Tuple(t) => {
                out.push('(');
                for (i, v) in t.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out, depth + 1);
                }
                if t.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Value::Dict(d) => {
                out.push('{');
                for (i, (k, v)) in super::dict_order::entries(&d.borrow()).iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.0.write_repr(out, depth + 1);
                    out.push_str(": ");
                    v.write_repr(out, depth + 1);
                }
                out.push('}');
            }
            Value::Set(d) => {
                out.push_str("set([");
                for (i, k) in d.borrow().keys().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.0.write_repr(out, depth + 1);
                }
                out.push_str("])");
            }
            Value::Range(a, b, s) => {
                // Python 2 shows the normalized range: xrange(3), xrange(1, 5),
                // xrange(0, 10, 2), with the stop rounded to a whole number of steps.
                let n = range_len(*a, *b, *s);
                let stop = a.saturating_add(n.saturating_mul(*s));
                let _ = if *s == 1 && *a == 0 {
                    write!(out, "xrange({stop})")
                } else if *s == 1 {
                    write!(out, "xrange({a}, {stop})")
                } else {
                    write!(out, "xrange({a}, {stop}, {s})")
                };
            }
            Value::Function(f) => {
                let _ = write!(out, "<function {}>", f.def.name);
            }
            Value::Native(n) => {
                let _ = write!(out, "<built-in function {}>", n.name);
            }
            Value::BoundMethod(m) => {
                let _ = write!(out, "<bound method {} of {}>", m.1.repr(), m.0.type_name());
            }
            Value::BuiltinMethod(m) => {
                let _ = write!(
                    out,
                    "<built-in method {} of {} object>",
                    m.1,
                    m.0.type_name()
                );
            }
            Value::Class(c) => {
                let _ = write!(out, "<class '{}'>", c.name);
            }
            Value::Instance(i) => {
                let _ = write!(out, "<{} object>", i.class.name);
            }
            Value::Module(m) => {
                let _ = write!(out, "<module '{}'>", m.name);
            }
            Value::Type(t) => {
                let _ = write!(out, "<type '{}'>", t.name());
            }
            Value::HostType(t) => {
                let _ = write!(out, "<class '{}'>", t.name);
            }
            Value::Host(h) => out.push_str(&h.repr()),
            Value::File(f) => {
                let _ = write!(out, "<open file '{}', mode 'r'>", f.borrow().name);
            }
            Value::Slice(s) => {
                let _ = write!(
                    out,
                    "slice({}, {}, {})",
                    s[0].repr(),
                    s[1].repr(),
                    s[2].repr()
                );
            }
        }
    }
}

/// Dropping a deeply nested value (`x = [x]` in a long loop, a long chain of instances)
/// would recurse once per level and overflow the stack; this drops containers iteratively.
impl Drop for Value {
    fn drop(&mut self) {
        if !matches!(
            self,
            Value::List(_) | Value::Tuple(_) | Value::Dict(_) | Value::Set(_) | Value::Instance(_)
        ) {
            return;
        }
        let mut pending = Vec::new();
        take_children(self, &mut pending);
        while let Some(mut v) = pending.pop() {
            take_children(&mut v, &mut pending);
        }
    }
}

/// Moves out the children of a container this value solely owns.
fn take_children(v: &mut Value, out: &mut Vec<Value>) {
    match v {
        Value::List(l) if Rc::strong_count(l) == 1 => {
            if let Ok(mut items) = l.try_borrow_mut() {
                out.append(&mut items);
            }
        }
        Value::Tuple(t) => {
            if let Some(items) = Rc::get_mut(t) {
                out.append(items);
            }
        }
        Value::Dict(d) | Value::Set(d) if Rc::strong_count(d) == 1 => {
            if let Ok(mut map) = d.try_borrow_mut() {
                for (k, v) in map.drain(..) {
                    out.push(k.0);
                    out.push(v);
                }
            }
        }
        Value::Instance(i) if Rc::strong_count(i) == 1 => {
            if let Ok(mut attrs) = i.attrs.try_borrow_mut() {
                out.extend(attrs.drain(..).map(|(_, v)| v));
            }
        }
        _ => {}
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.repr())
    }
}

/// Python 2 `repr` of a string: single quotes unless the text contains one and no double.
pub fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python 2 `repr(float)`: the shortest text that round-trips (`0.1`, `1e-05`, `1.0`).
pub fn format_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = format!("{f:e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    python_float_layout(mant, exp, 16)
}

/// Python 2 `str(float)`: 12 significant digits (`0.0441941738242`).
pub fn format_float_str(f: f64) -> String {
    if !f.is_finite() {
        return format_float_repr(f);
    }
    let s = format!("{:.11e}", f);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mant = if mant.contains('.') {
        mant.trim_end_matches('0').trim_end_matches('.')
    } else {
        mant
    };
    python_float_layout(mant, exp, 12)
}

/// Lays out digits `d.ddd` × 10^exp the way Python's `%r`/`%s` do: fixed notation for
/// exponents in [-5, precision), scientific otherwise, always with a `.0` or a fraction.
fn python_float_layout(mant: &str, exp: i32, precision: i32) -> String {
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if neg { "-" } else { "" };
    if exp < -4 || exp >= precision {
        let (first, rest) = digits.split_at(1);
        let rest = rest.trim_end_matches('0');
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let out = if exp >= 0 {
        let int_len = exp as usize + 1;
        let mut d = digits.clone();
        while d.len() < int_len {
            d.push('0');
        }
        let (i, f) = d.split_at(int_len);
        let f = f.trim_end_matches('0');
        if f.is_empty() {
            format!("{i}.0")
        } else {
            format!("{i}.{f}")
        }
    } else {
        let zeros = "0".repeat((-exp - 1) as usize);
        format!("0.{zeros}{}", digits.trim_end_matches('0'))
    };
    format!("{sign}{out}")
}

pub fn range_len(start: i64, stop: i64, step: i64) -> i64 {
    if step > 0 && start < stop {
        ((stop as i128 - start as i128 - 1) / step as i128 + 1) as i64
    } else if step < 0 && start > stop {
        ((start as i128 - stop as i128 - 1) / (-(step as i128)) + 1) as i64
    } else {
        0
    }
}

/// A hashable value used as a dict key or set element.
#[derive(Clone)]
pub struct Key(pub Value);

impl Key {
    /// Checks hashability (`TypeError: unhashable type: 'list'`).
    pub fn new(v: Value) -> Result<Key, EvalError> {
        check_hashable(&v)?;
        Ok(Key(v))
    }
}

/// Iterative, since tuples can nest arbitrarily deep.
fn check_hashable(v: &Value) -> Result<(), EvalError> {
    let mut pending = vec![v];
    while let Some(v) = pending.pop() {
        match v {
            Value::List(_) | Value::Dict(_) | Value::Set(_) => {
                return Err(EvalError::type_error(format!(
                    "unhashable type: '{}'",
                    v.type_name()
                )))
            }
            Value::Tuple(t) => pending.extend(t.iter()),
            _ => {}
        }
    }
    Ok(())
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_value(&self.0, state)
    }
}

fn hash_value<H: Hasher>(v: &Value, state: &mut H) {
    hash_depth(v, state, 0)
}

/// Nested tuples hash only their first levels: equal values still hash equally, and a
/// tuple nested a million deep cannot overflow the stack.
fn hash_depth<H: Hasher>(v: &Value, state: &mut H, depth: usize) {
    match v {
        Value::None => 0u8.hash(state),
        Value::Bool(b) => (*b as i64).hash(state),
        Value::Int(i) => i.hash(state),
        Value::Long(l) => match num_traits::ToPrimitive::to_i64(&**l) {
            Some(i) => i.hash(state),
            None => l.hash(state),
        },
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.2e18 {
                (*f as i64).hash(state)
            } else {
                f.to_bits().hash(state)
            }
        }
        Value::Str(s) => s.hash(state),
        Value::Tuple(t) => {
            t.len().hash(state);
            if depth < 32 {
                for x in t.iter() {
                    hash_depth(x, state, depth + 1);
                }
            }
        }
        Value::Type(t) => t.hash(state),
        Value::HostType(t) => t.name.hash(state),
        Value::Class(c) => (Rc::as_ptr(c) as usize).hash(state),
        Value::Instance(i) => (Rc::as_ptr(i) as usize).hash(state),
        Value::Function(f) => (Rc::as_ptr(f) as usize).hash(state),
        Value::Native(f) => (Rc::as_ptr(f) as usize).hash(state),
        Value::Module(m) => (Rc::as_ptr(m) as usize).hash(state),
        Value::Host(h) => (Rc::as_ptr(h) as *const u8 as usize).hash(state),
        _ => 1u8.hash(state),
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        equal_simple(&self.0, &other.0)
    }
}

impl Eq for Key {}

/// Equality that needs no interpreter: numbers across types, strings, containers
/// element-wise, identity otherwise. Instances with `__eq__` go through `Interp::eq`.
pub fn equal_simple(a: &Value, b: &Value) -> bool {
    equal_depth(a, b, 0)
}

/// Past this nesting depth containers compare unequal (Python raises "maximum recursion
/// depth exceeded in cmp"); it keeps self-referential lists from recursing forever.
const MAX_COMPARE_DEPTH: usize = 400;

fn equal_depth(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > MAX_COMPARE_DEPTH {
        return false;
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::None, Value::None) => true,
        (Value::Long(_), Value::Bool(_) | Value::Int(_) | Value::Long(_))
        | (Value::Bool(_) | Value::Int(_), Value::Long(_)) => {
            super::long::to_big(a) == super::long::to_big(b)
        }
        (Value::Long(_), Value::Float(f)) | (Value::Float(f), Value::Long(_)) => {
            let l = if matches!(a, Value::Long(_)) { a } else { b };
            l.as_float() == Some(*f)
        }
        (
            Value::Bool(_) | Value::Int(_) | Value::Float(_),
            Value::Bool(_) | Value::Int(_) | Value::Float(_),
        ) => match (a.as_int(), b.as_int()) {
            (Some(x), Some(y)) => x == y,
            _ => a.as_float() == b.as_float(),
        },
        (Value::List(x), Value::List(y)) => {
            Rc::ptr_eq(x, y) || seq_equal(&x.borrow(), &y.borrow(), depth)
        }
        (Value::Tuple(x), Value::Tuple(y)) => seq_equal(x, y, depth),
        (Value::Dict(x), Value::Dict(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| equal_depth(v, w, depth + 1)))
        }
        (Value::Set(x), Value::Set(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.keys().all(|k| y.contains_key(k))
        }
        (Value::Range(a1, b1, s1), Value::Range(a2, b2, s2)) => (a1, b1, s1) == (a2, b2, s2),
        (Value::Host(h), other) => h.eq_value(other).unwrap_or_else(|| a.is(b)),
        _ => a.is(b),
    }
}

fn seq_equal(a: &[Value], b: &[Value], depth: usize) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal_depth(x, y, depth + 1))
}

/// Converts anything iterable without running DSL code into a vector of its items.
pub(crate) fn simple_iter(interp: &mut Interp, v: &Value) -> Result<Option<Vec<Value>>, EvalError> {
    Ok(Some(match v {
        Value::List(l) => l.borrow().clone(),
        Value::Tuple(t) => t.as_ref().clone(),
        Value::Str(s) => s
            .chars()
            .map(|c| Value::Str(Rc::from(c.to_string())))
            .collect(),
        Value::Dict(d) => super::dict_order::keys(&d.borrow()),
        Value::Set(d) => d.borrow().keys().map(|k| k.0.clone()).collect(),
        Value::Range(a, b, s) => {
            let n = range_len(*a, *b, *s);
            interp.check_size(n.max(0) as usize)?;
            (0..n).map(|i| Value::Int(a + i * s)).collect()
        }
        Value::File(f) => f
            .borrow_mut()
            .remaining_lines()
            .into_iter()
            .map(|l| Value::Str(Rc::from(l)))
            .collect(),
        Value::Host(h) => match h.iter(interp)? {
            Some(items) => items,
            None => return Ok(None),
        },
        _ => return Ok(None),
    }))
}

/// A dict's items in the order a config iterates them.
pub(crate) fn dict_items(d: &Rc<RefCell<Dict>>) -> Vec<(Key, Value)> {
    super::dict_order::entries(&d.borrow())
}
