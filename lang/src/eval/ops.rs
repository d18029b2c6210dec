//! Operators with Python 2 semantics: `/` on ints floors, `%` formats strings, sequences
//! concatenate and repeat, and host objects (layers) get the first say through `OpSide`.

use super::host::OpSide;
use super::value::{equal_simple, range_len, Dict, Key, Value};
use super::{EvalError, Interp};
use crate::syntax::ast::{BinOp, CmpOp, UnaryOp};
use num_bigint::BigInt;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

pub(crate) fn make_slice(a: Value, b: Value, c: Value) -> Value {
    Value::Slice(Rc::new([a, b, c]))
}

/// An int operation; one that overflows 64 bits gives a long, as in Python 2.
fn int_op(op: BinOp, a: i64, b: i64) -> Result<Value, EvalError> {
    let zero_div = || EvalError::zero_division("integer division or modulo by zero");
    let r: Option<i64> = match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        BinOp::Div | BinOp::FloorDiv => {
            if b == 0 {
                return Err(zero_div());
            }
            a.checked_div(b).map(|q| {
                if (a % b != 0) && ((a < 0) != (b < 0)) {
                    q - 1
                } else {
                    q
                }
            })
        }
        BinOp::Mod => {
            if b == 0 {
                return Err(zero_div());
            }
            let r = a.checked_rem(b).unwrap_or(0);
            Some(if r != 0 && ((r < 0) != (b < 0)) {
                r + b
            } else {
                r
            })
        }
        BinOp::Pow => {
            if b < 0 {
                if a == 0 {
                    return Err(EvalError::zero_division(
                        "0.0 cannot be raised to a negative power",
                    ));
                }
                return Ok(Value::Float((a as f64).powf(b as f64)));
            }
            u32::try_from(b).ok().and_then(|e| a.checked_pow(e))
        }
        BinOp::LShift => {
            if b < 0 {
                return Err(EvalError::value_error("negative shift count"));
            }
            if a == 0 {
                Some(0)
            } else if b >= 63 || a.unsigned_abs().leading_zeros() <= b as u32 {
                None
            } else {
                Some(a << b)
            }
        }
        BinOp::RShift => {
            if b < 0 {
                return Err(EvalError::value_error("negative shift count"));
            }
            Some(a >> b.min(63))
        }
        BinOp::BitAnd => Some(a & b),
        BinOp::BitOr => Some(a | b),
        BinOp::BitXor => Some(a ^ b),
    };
    match r {
        Some(i) => Ok(Value::Int(i)),
        None => super::long::op(op, &BigInt::from(a), &BigInt::from(b)),
    }
}

/// Python's float `//` and `%` (floatobject.c's float_divmod): the quotient is computed from
/// fmod so that `7 // 0.1` is 69.0 and `-0.0 % 3` is 0.0, with the remainder taking the sign
/// of the divisor.
fn float_divmod(a: f64, b: f64) -> (f64, f64) {
    let mut m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(b);
    }
    let floordiv = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 {
            f + 1.0
        } else {
            f
        }
    } else {
        0.0f64.copysign(a / b)
    };
    (floordiv, m)
}

fn float_op(op: BinOp, a: f64, b: f64) -> Result<Value, EvalError> {
    Ok(Value::Float(match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => {
            if b == 0.0 {
                return Err(EvalError::zero_division("float division by zero"));
            }
            a / b
        }
        BinOp::FloorDiv => {
            if b == 0.0 {
                return Err(EvalError::zero_division("float divmod()"));
            }
            float_divmod(a, b).0
        }
        BinOp::Mod => {
            if b == 0.0 {
                return Err(EvalError::zero_division("float modulo"));
            }
            float_divmod(a, b).1
        }
        BinOp::Pow => {
            if a == 0.0 && b < 0.0 {
                return Err(EvalError::zero_division(
                    "0.0 cannot be raised to a negative power",
                ));
            }
            if a < 0.0 && b.fract() != 0.0 {
                return Err(EvalError::value_error(
                    "negative number cannot be raised to a fractional power",
                ));
            }
            a.powf(b)
        }
        _ => {
            return Err(EvalError::type_error(
                "unsupported operand type(s) for float",
            ))
        }
    }))
}

impl Interp {
    pub(crate) fn unary(&mut self, op: UnaryOp, v: &Value) -> Result<Value, EvalError> {
        let sym = match op {
            UnaryOp::Neg => "-",
            UnaryOp::Pos => "+",
            UnaryOp::Invert => "~",
        };
        match (op, v) {
            (UnaryOp::Neg, Value::Int(i)) => Ok(match i.checked_neg() {
                Some(n) => Value::Int(n),
                None => super::long::long(-BigInt::from(*i)),
            }),
            (UnaryOp::Neg, Value::Long(l)) => Ok(super::long::long(-(**l).clone())),
            (UnaryOp::Pos, Value::Long(_)) => Ok(v.clone()),
            (UnaryOp::Invert, Value::Long(l)) => Ok(super::long::long(!(**l).clone())),
            (UnaryOp::Neg, Value::Bool(b)) => Ok(Value::Int(-(*b as i64))),
            (UnaryOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
            (UnaryOp::Pos, Value::Int(_) | Value::Float(_)) => Ok(v.clone()),
            (UnaryOp::Pos, Value::Bool(b)) => Ok(Value::Int(*b as i64)),
            (UnaryOp::Invert, Value::Int(i)) => Ok(Value::Int(!i)),
            (UnaryOp::Invert, Value::Bool(b)) => Ok(Value::Int(!(*b as i64))),
            (_, Value::Host(h)) => match h.clone().unary_op(self, v, sym)? {
                Some(r) => Ok(r),
                None => Err(bad_unary(sym, v)),
            },
            (_, Value::Instance(i)) => {
                let name = match op {
                    UnaryOp::Neg => "__neg__",
                    UnaryOp::Pos => "__pos__",
                    UnaryOp::Invert => "__invert__",
                };
                match i.class.lookup(name) {
                    Some(m) => self.call_value(&m, vec![v.clone()], Vec::new()),
                    None => Err(bad_unary(sym, v)),
                }
            }
            _ => Err(bad_unary(sym, v)),
        }
    }

    /// `a op b`.
    pub fn binary(&mut self, op: BinOp, a: &Value, b: &Value) -> Result<Value, EvalError> {
        // Fast paths for the common numeric cases.
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => return int_op(op, *x, *y),
            (Value::Float(x), Value::Float(y)) => return float_op(op, *x, *y),
            _ => {}
        }
        if let Some(v) = self.dispatch_user_op(op, a, b, false)? {
            return Ok(v);
        }
        self.builtin_binary(op, a, b)
    }

    /// `a op= b`: lists extend in place; host objects and instances may handle it in place.
    pub(crate) fn inplace_op(
        &mut self,
        op: BinOp,
        a: &Value,
        b: &Value,
    ) -> Result<Value, EvalError> {
        match (op, a) {
            (BinOp::Add, Value::List(l)) => {
                let items = self.iterate(b).map_err(|_| {
                    EvalError::type_error(format!(
                        "can only concatenate list (not \"{}\") to list",
                        b.type_name()
                    ))
                })?;
                let n = l.borrow().len() + items.len();
                self.check_size(n)?;
                l.borrow_mut().extend(items);
                return Ok(a.clone());
            }
            (_, Value::Int(_) | Value::Float(_))
                if matches!(b, Value::Int(_) | Value::Float(_)) =>
            {
                return self.binary(op, a, b)
            }
            _ => {}
        }
        if let Some(v) = self.dispatch_user_op(op, a, b, true)? {
            return Ok(v);
        }
        self.builtin_binary(op, a, b)
    }

    fn dispatch_user_op(
        &mut self,
        op: BinOp,
        a: &Value,
        b: &Value,
        inplace: bool,
    ) -> Result<Option<Value>, EvalError> {
        if let Value::Host(h) = a {
            if inplace {
                if let Some(v) = h.clone().binary_op(self, a, op, b, OpSide::InPlace)? {
                    return Ok(Some(v));
                }
            }
            if let Some(v) = h.clone().binary_op(self, a, op, b, OpSide::Left)? {
                return Ok(Some(v));
            }
        }
        if let Value::Instance(i) = a {
            let names = if inplace {
                vec![
                    format!("__i{}__", op.dunder()),
                    format!("__{}__", op.dunder()),
                ]
            } else {
                vec![format!("__{}__", op.dunder())]
            };
            for n in names {
                if let Some(m) = i.class.lookup(&n) {
                    let r = self.call_value(&m, vec![a.clone(), b.clone()], Vec::new())?;
                    return Ok(Some(r));
                }
            }
        }
        if let Value::Host(h) = b {
            if let Some(v) = h.clone().binary_op(self, b, op, a, OpSide::Right)? {
                return Ok(Some(v));
            }
        }
        if let Value::Instance(i) = b {
            if let Some(m) = i.class.lookup(&format!("__r{}__", op.dunder())) {
                let r = self.call_value(&m, vec![b.clone(), a.clone()], Vec::new())?;
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    fn builtin_binary(&mut self, op: BinOp, a: &Value, b: &Value) -> Result<Value, EvalError> {
        match (a, b) {
            (Value::Bool(x), Value::Bool(y))
                if matches!(op, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor) =>
            {
                // bool's own `& | ^` (Python 2's bool.__and__ and friends) give a bool.
                return Ok(Value::Bool(match op {
                    BinOp::BitAnd => x & y,
                    BinOp::BitOr => x | y,
                    _ => x ^ y,
                }));
            }
            (Value::Int(_) | Value::Bool(_), Value::Int(_) | Value::Bool(_)) => {
                return int_op(op, a.as_int().unwrap_or(0), b.as_int().unwrap_or(0))
            }
            (
                Value::Int(_) | Value::Bool(_) | Value::Long(_),
                Value::Int(_) | Value::Bool(_) | Value::Long(_),
            ) => {
                let x = super::long::to_big(a).unwrap_or_default();
                let y = super::long::to_big(b).unwrap_or_default();
                return super::long::op(op, &x, &y);
            }
            (Value::Long(l), Value::Float(_)) | (Value::Float(_), Value::Long(l))
                if !matches!(
                    op,
                    BinOp::LShift | BinOp::RShift | BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor
                ) =>
            {
                let lf = super::long::to_f64(l)?;
                let (x, y) = match a {
                    Value::Long(_) => (lf, b.as_float().unwrap_or(0.0)),
                    _ => (a.as_float().unwrap_or(0.0), lf),
                };
                return float_op(op, x, y);
            }
            (
                Value::Int(_) | Value::Bool(_) | Value::Float(_),
                Value::Int(_) | Value::Bool(_) | Value::Float(_),
            ) if !matches!(
                op,
                BinOp::LShift | BinOp::RShift | BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor
            ) =>
            {
                return float_op(op, a.as_float().unwrap_or(0.0), b.as_float().unwrap_or(0.0))
            }
            _ => {}
        }
        match (op, a, b) {
            (BinOp::Mod, Value::Str(fmt), _) => {
                return Ok(Value::Str(Rc::from(super::format::percent_format(
                    self, fmt, b,
                )?)))
            }
            (BinOp::Add, Value::Str(x), Value::Str(y)) => {
                self.check_size(x.len() + y.len())?;
                let mut s = String::with_capacity(x.len() + y.len());
                s.push_str(x);
                s.push_str(y);
                return Ok(Value::Str(Rc::from(s)));
            }
            (BinOp::Add, Value::List(x), Value::List(y)) => {
                let mut v = x.borrow().clone();
                v.extend(y.borrow().iter().cloned());
                self.check_size(v.len())?;
                return Ok(Value::list(v));
            }
            (BinOp::Add, Value::Tuple(x), Value::Tuple(y)) => {
                let mut v = x.as_ref().clone();
                v.extend(y.iter().cloned());
                self.check_size(v.len())?;
                return Ok(Value::tuple(v));
            }
            (
                BinOp::Mul,
                Value::Str(_) | Value::List(_) | Value::Tuple(_),
                Value::Int(_) | Value::Bool(_) | Value::Long(_),
            ) => return self.repeat(a, repeat_count(b)?),
            (
                BinOp::Mul,
                Value::Int(_) | Value::Bool(_) | Value::Long(_),
                Value::Str(_) | Value::List(_) | Value::Tuple(_),
            ) => return self.repeat(b, repeat_count(a)?),
            (
                BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor,
                Value::Set(x),
                Value::Set(y),
            ) => {
                let (x, y) = (x.borrow(), y.borrow());
                let d: Dict = match op {
                    BinOp::BitOr => x
                        .iter()
                        .chain(y.iter())
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                    BinOp::BitAnd => x
                        .iter()
                        .filter(|(k, _)| y.contains_key(*k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                    BinOp::Sub => x
                        .iter()
                        .filter(|(k, _)| !y.contains_key(*k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                    _ => x
                        .iter()
                        .filter(|(k, _)| !y.contains_key(*k))
                        .chain(y.iter().filter(|(k, _)| !x.contains_key(*k)))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                };
                return Ok(Value::Set(Rc::new(RefCell::new(d))));
            }
            _ => {}
        }
        Err(EvalError::type_error(format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            op.symbol(),
            a.type_name(),
            b.type_name()
        )))
    }

    fn repeat(&mut self, seq: &Value, n: i64) -> Result<Value, EvalError> {
        let n = n.max(0) as usize;
        match seq {
            Value::Str(s) => {
                self.check_size(s.len().saturating_mul(n))?;
                Ok(Value::Str(Rc::from(s.repeat(n))))
            }
            Value::List(l) => {
                let l = l.borrow();
                self.check_size(l.len().saturating_mul(n))?;
                let mut v = Vec::with_capacity(l.len() * n);
                for _ in 0..n {
                    v.extend(l.iter().cloned());
                }
                Ok(Value::list(v))
            }
            Value::Tuple(t) => {
                self.check_size(t.len().saturating_mul(n))?;
                let mut v = Vec::with_capacity(t.len() * n);
                for _ in 0..n {
                    v.extend(t.iter().cloned());
                }
                Ok(Value::tuple(v))
            }
            _ => Err(EvalError::type_error("can't multiply sequence")),
        }
    }

    /// `a == b`, running `__eq__` of DSL instances.
    pub fn eq(&mut self, a: &Value, b: &Value) -> Result<bool, EvalError> {
        if let Value::Instance(i) = a {
            if let Some(m) = i.class.lookup("__eq__") {
                return Ok(self
                    .call_value(&m, vec![a.clone(), b.clone()], Vec::new())?
                    .truthy());
            }
        }
        Ok(equal_simple(a, b))
    }

    pub(crate) fn compare(&mut self, op: CmpOp, a: &Value, b: &Value) -> Result<bool, EvalError> {
        Ok(match op {
            CmpOp::Eq => self.eq(a, b)?,
            CmpOp::Ne => !self.eq(a, b)?,
            CmpOp::Is => a.is(b),
            CmpOp::IsNot => !a.is(b),
            CmpOp::In => self.contains(b, a)?,
            CmpOp::NotIn => !self.contains(b, a)?,
            CmpOp::Lt => self.order(a, b)? == Ordering::Less,
            CmpOp::Le => self.order(a, b)? != Ordering::Greater,
            CmpOp::Gt => self.order(a, b)? == Ordering::Greater,
            CmpOp::Ge => self.order(a, b)? != Ordering::Less,
        })
    }

    /// Ordering for `<`, `sorted`, `min`, `max`. Mixed types are an error rather than
    /// Python 2's arbitrary type-name order, which no config should rely on.
    pub fn order(&mut self, a: &Value, b: &Value) -> Result<Ordering, EvalError> {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
            (Value::Str(x), Value::Str(y)) => Ok(x.cmp(y)),
            (
                Value::Long(_) | Value::Int(_) | Value::Bool(_),
                Value::Long(_) | Value::Int(_) | Value::Bool(_),
            ) => Ok(super::long::to_big(a).cmp(&super::long::to_big(b))),
            (Value::Long(l), Value::Float(f)) => Ok(num_traits::ToPrimitive::to_f64(&**l)
                .unwrap_or(0.0)
                .partial_cmp(f)
                .unwrap_or(Ordering::Equal)),
            (Value::Float(f), Value::Long(l)) => Ok(f
                .partial_cmp(&num_traits::ToPrimitive::to_f64(&**l).unwrap_or(0.0))
                .unwrap_or(Ordering::Equal)),
            (
                Value::Int(_) | Value::Float(_) | Value::Bool(_),
                Value::Int(_) | Value::Float(_) | Value::Bool(_),
            ) => {
                let (x, y) = (a.as_float().unwrap_or(0.0), b.as_float().unwrap_or(0.0));
                Ok(x.partial_cmp(&y).unwrap_or(Ordering::Equal))
            }
            (Value::List(x), Value::List(y)) => {
                let (x, y) = (x.borrow().clone(), y.borrow().clone());
                self.order_seq(&x, &y)
            }
            (Value::Tuple(x), Value::Tuple(y)) => self.order_seq(&x.clone(), &y.clone()),
            (Value::None, Value::None) => Ok(Ordering::Equal),
            (Value::None, _) => Ok(Ordering::Less),
            (_, Value::None) => Ok(Ordering::Greater),
            (Value::Instance(i), _) if i.class.lookup("__lt__").is_some() => {
                let lt = i.class.lookup("__lt__").unwrap_or(Value::None);
                if self
                    .call_value(&lt, vec![a.clone(), b.clone()], Vec::new())?
                    .truthy()
                {
                    Ok(Ordering::Less)
                } else if self.eq(a, b)? {
                    Ok(Ordering::Equal)
                } else {
                    Ok(Ordering::Greater)
                }
            }
            (Value::Dict(x), Value::Dict(y)) => {
                // CPython 2 orders dicts by size first; equal-sized ones here by their
                // sorted items, close to its smallest-differing-key rule.
                let (lx, ly) = (x.borrow().len(), y.borrow().len());
                if lx != ly {
                    return Ok(lx.cmp(&ly));
                }
                let items = |d: &Rc<RefCell<Dict>>| -> Vec<Value> {
                    d.borrow()
                        .iter()
                        .map(|(k, v)| Value::tuple(vec![k.0.clone(), v.clone()]))
                        .collect()
                };
                let (mut ix, mut iy) = (items(x), items(y));
                self.sort_values(&mut ix)?;
                self.sort_values(&mut iy)?;
                self.order_seq(&ix, &iy)
            }
            _ => Ok(python2_type_order(a, b)),
        }
    }

    fn sort_values(&mut self, v: &mut [Value]) -> Result<(), EvalError> {
        let mut err = None;
        v.sort_by(|p, q| match self.order(p, q) {
            Ok(o) => o,
            Err(e) => {
                err.get_or_insert(e);
                Ordering::Equal
            }
        });
        err.map_or(Ok(()), Err)
    }

    fn order_seq(&mut self, x: &[Value], y: &[Value]) -> Result<Ordering, EvalError> {
        if self.depth >= self.limits.max_depth {
            return Err(EvalError::runtime_error(
                "maximum recursion depth exceeded in cmp",
            ));
        }
        self.depth += 1;
        let r = self.order_seq_inner(x, y);
        self.depth -= 1;
        r
    }

    fn order_seq_inner(&mut self, x: &[Value], y: &[Value]) -> Result<Ordering, EvalError> {
        for (p, q) in x.iter().zip(y) {
            if !self.eq(p, q)? {
                return self.order(p, q);
            }
        }
        Ok(x.len().cmp(&y.len()))
    }

    /// `item in container`.
    pub fn contains(&mut self, container: &Value, item: &Value) -> Result<bool, EvalError> {
        match container {
            Value::Str(s) => match item {
                Value::Str(sub) => Ok(s.contains(&**sub)),
                other => Err(EvalError::type_error(format!(
                    "'in <string>' requires string as left operand, not {}",
                    other.type_name()
                ))),
            },
            Value::Dict(d) | Value::Set(d) => Ok(Key::new(item.clone())
                .map(|k| d.borrow().contains_key(&k))
                .unwrap_or(false)),
            Value::Range(a, b, s) => Ok(match item.as_int() {
                Some(i) => {
                    let n = range_len(*a, *b, *s);
                    n > 0 && (i - a) % s == 0 && (i - a) / s >= 0 && (i - a) / s < n
                }
                None => false,
            }),
            Value::Instance(i) if i.class.lookup("__contains__").is_some() => {
                let m = i.class.lookup("__contains__").unwrap_or(Value::None);
                let r = self.call_value(&m, vec![container.clone(), item.clone()], Vec::new())?;
                Ok(r.truthy())
            }
            _ => {
                let items = self.iterate(container).map_err(|_| {
                    EvalError::type_error(format!(
                        "argument of type '{}' is not iterable",
                        container.type_name()
                    ))
                })?;
                for x in &items {
                    if self.eq(x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }

    /// The items of an iterable, materialized.
    pub fn iterate(&mut self, v: &Value) -> Result<Vec<Value>, EvalError> {
        if let Some(items) = super::value::simple_iter(self, v)? {
            return Ok(items);
        }
        if let Value::Instance(i) = v {
            if let Some(m) = i.class.lookup("__iter__") {
                let it = self.call_value(&m, vec![v.clone()], Vec::new())?;
                if !matches!(it, Value::Instance(_)) {
                    return self.iterate(&it);
                }
            }
        }
        Err(EvalError::type_error(format!(
            "'{}' object is not iterable",
            v.type_name()
        )))
    }

    pub fn getitem(&mut self, obj: &Value, key: &Value) -> Result<Value, EvalError> {
        match obj {
            Value::List(l) => {
                let l = l.borrow();
                index_seq(&l, key, "list").map(|r| match r {
                    Indexed::One(v) => v,
                    Indexed::Many(v) => Value::list(v),
                })
            }
            Value::Tuple(t) => index_seq(t, key, "tuple").map(|r| match r {
                Indexed::One(v) => v,
                Indexed::Many(v) => Value::tuple(v),
            }),
            Value::Str(s) => {
                let chars: Vec<Value> = s
                    .chars()
                    .map(|c| Value::Str(Rc::from(c.to_string())))
                    .collect();
                index_seq(&chars, key, "string").map(|r| match r {
                    Indexed::One(v) => v,
                    Indexed::Many(v) => Value::Str(Rc::from(
                        v.iter().filter_map(|c| c.as_str()).collect::<String>(),
                    )),
                })
            }
            Value::Range(a, b, s) => {
                let n = range_len(*a, *b, *s);
                let i = key
                    .as_int()
                    .ok_or_else(|| EvalError::type_error("xrange indices must be integers"))?;
                let i = if i < 0 { i + n } else { i };
                if i < 0 || i >= n {
                    return Err(EvalError::index_error("xrange object index out of range"));
                }
                Ok(Value::Int(a + i * s))
            }
            Value::Dict(d) => {
                let k = Key::new(key.clone())?;
                if let Some(v) = d.borrow().get(&k) {
                    return Ok(v.clone());
                }
                let mut err = EvalError::key_error(key.repr());
                if let Value::Str(ks) = key {
                    let keys: Vec<String> = d
                        .borrow()
                        .keys()
                        .filter_map(|k| k.0.as_str().map(str::to_string))
                        .collect();
                    if let Some(s) = super::suggest::closest(ks, keys.iter().map(|s| s.as_str())) {
                        err = err.with_note(format!("did you mean '{s}'?"));
                    }
                }
                Err(err)
            }
            Value::Host(h) => match h.clone().getitem(self, obj, key)? {
                Some(v) => Ok(v),
                None => Err(EvalError::type_error(format!(
                    "'{}' object has no attribute '__getitem__'",
                    h.type_name()
                ))),
            },
            Value::Instance(i) => match i.class.lookup("__getitem__") {
                Some(m) => self.call_value(&m, vec![obj.clone(), key.clone()], Vec::new()),
                None => Err(EvalError::type_error(format!(
                    "'{}' object has no attribute '__getitem__'",
                    i.class.name
                ))),
            },
            other => Err(EvalError::type_error(format!(
                "'{}' object has no attribute '__getitem__'",
                other.type_name()
            ))),
        }
    }

    pub fn setitem(&mut self, obj: &Value, key: Value, v: Value) -> Result<(), EvalError> {
        match obj {
            Value::List(l) => {
                if let Value::Slice(s) = &key {
                    let items = self.iterate(&v)?;
                    let mut l = l.borrow_mut();
                    let (start, stop, step) = slice_indices(s, l.len() as i64)?;
                    if step != 1 {
                        let idx = slice_positions(start, stop, step);
                        if idx.len() != items.len() {
                            return Err(EvalError::value_error(format!(
                                "attempt to assign sequence of size {} to extended slice of size {}",
                                items.len(),
                                idx.len()
                            )));
                        }
                        for (i, item) in idx.into_iter().zip(items) {
                            l[i as usize] = item;
                        }
                        return Ok(());
                    }
                    let stop = stop.max(start);
                    l.splice(start as usize..stop as usize, items);
                    let n = l.len();
                    drop(l);
                    return self.check_size(n);
                }
                let mut l = l.borrow_mut();
                let i = seq_index(&key, l.len(), "list assignment")?;
                l[i] = v;
                Ok(())
            }
            Value::Dict(d) => {
                let k = Key::new(key)?;
                let mut d = d.borrow_mut();
                d.insert(k, v);
                let n = d.len();
                drop(d);
                self.check_size(n)
            }
            Value::Instance(i) => match i.class.lookup("__setitem__") {
                Some(m) => {
                    self.call_value(&m, vec![obj.clone(), key, v], Vec::new())?;
                    Ok(())
                }
                None => Err(EvalError::type_error(format!(
                    "'{}' object does not support item assignment",
                    i.class.name
                ))),
            },
            other => Err(EvalError::type_error(format!(
                "'{}' object does not support item assignment",
                other.type_name()
            ))),
        }
    }

    pub(crate) fn delitem(&mut self, obj: &Value, key: Value) -> Result<(), EvalError> {
        match obj {
            Value::List(l) => {
                let mut l = l.borrow_mut();
                if let Value::Slice(s) = &key {
                    let (start, stop, step) = slice_indices(s, l.len() as i64)?;
                    let mut idx = slice_positions(start, stop, step);
                    idx.sort_unstable();
                    for i in idx.into_iter().rev() {
                        l.remove(i as usize);
                    }
                    return Ok(());
                }
                let i = seq_index(&key, l.len(), "list assignment")?;
                l.remove(i);
                Ok(())
            }
            Value::Dict(d) => {
                let k = Key::new(key.clone())?;
                match d.borrow_mut().shift_remove(&k) {
                    Some(_) => Ok(()),
                    None => Err(EvalError::key_error(key.repr())),
                }
            }
            Value::Instance(i) if i.class.lookup("__delitem__").is_some() => {
                let m = i.class.lookup("__delitem__").unwrap_or(Value::None);
                self.call_value(&m, vec![obj.clone(), key], Vec::new())?;
                Ok(())
            }
            other => Err(EvalError::type_error(format!(
                "'{}' object doesn't support item deletion",
                other.type_name()
            ))),
        }
    }
}

/// CPython 2's fallback order for values of different types (object.c,
/// default_3way_compare): None first, then numbers, then the rest by type name.
fn python2_type_order(a: &Value, b: &Value) -> Ordering {
    let rank = |v: &Value| -> (u8, String) {
        match v {
            Value::None => (0, String::new()),
            Value::Bool(_) | Value::Int(_) | Value::Long(_) | Value::Float(_) => (1, String::new()),
            other => (2, other.type_name()),
        }
    };
    rank(a).cmp(&rank(b))
}

/// A sequence repeat count: a long too large for 64 bits cannot be a length.
fn repeat_count(v: &Value) -> Result<i64, EvalError> {
    match v {
        Value::Long(l) if l.sign() == num_bigint::Sign::Minus => Ok(0),
        _ => v
            .as_int()
            .ok_or_else(|| EvalError::overflow("cannot fit 'long' into an index-sized integer")),
    }
}

fn bad_unary(sym: &str, v: &Value) -> EvalError {
    EvalError::type_error(format!(
        "bad operand type for unary {sym}: '{}'",
        v.type_name()
    ))
}

enum Indexed {
    One(Value),
    Many(Vec<Value>),
}

fn seq_index(key: &Value, len: usize, what: &str) -> Result<usize, EvalError> {
    let i = key.as_int().ok_or_else(|| {
        EvalError::type_error(format!(
            "{what} indices must be integers, not {}",
            key.type_name()
        ))
    })?;
    let n = len as i64;
    let j = if i < 0 { i + n } else { i };
    if j < 0 || j >= n {
        return Err(EvalError::index_error(format!("{what} index out of range")));
    }
    Ok(j as usize)
}

fn index_seq(items: &[Value], key: &Value, what: &str) -> Result<Indexed, EvalError> {
    if let Value::Slice(s) = key {
        let (start, stop, step) = slice_indices(s, items.len() as i64)?;
        return Ok(Indexed::Many(
            slice_positions(start, stop, step)
                .into_iter()
                .map(|i| items[i as usize].clone())
                .collect(),
        ));
    }
    Ok(Indexed::One(
        items[seq_index(key, items.len(), what)?].clone(),
    ))
}

/// Python's `slice.indices(len)`.
pub(crate) fn slice_indices(s: &[Value; 3], len: i64) -> Result<(i64, i64, i64), EvalError> {
    let get = |v: &Value| -> Result<Option<i64>, EvalError> {
        match v {
            Value::None => Ok(None),
            other => other
                .as_int()
                .map(Some)
                .ok_or_else(|| EvalError::type_error("slice indices must be integers or None")),
        }
    };
    let step = get(&s[2])?.unwrap_or(1);
    if step == 0 {
        return Err(EvalError::value_error("slice step cannot be zero"));
    }
    let clamp = |v: Option<i64>, default: i64, lo: i64, hi: i64| -> i64 {
        match v {
            None => default,
            Some(i) => {
                let i = if i < 0 { i + len } else { i };
                i.clamp(lo, hi)
            }
        }
    };
    if step > 0 {
        Ok((
            clamp(get(&s[0])?, 0, 0, len),
            clamp(get(&s[1])?, len, 0, len),
            step,
        ))
    } else {
        Ok((
            clamp(get(&s[0])?, len - 1, -1, len - 1),
            clamp(get(&s[1])?, -1, -1, len - 1),
            step,
        ))
    }
}

pub(crate) fn slice_positions(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut i = start;
    if step > 0 {
        while i < stop {
            out.push(i);
            i += step;
        }
    } else {
        while i > stop {
            out.push(i);
            i += step;
        }
    }
    out
}
