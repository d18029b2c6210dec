//! Python 2's `long`: arbitrary-precision integers. An `int` operation that overflows 64 bits
//! gives a `long`, as CPython 2 does on 64-bit machines; a `long` stays a `long` (`5L + 1`
//! is `6L`) and its repr ends in `L`.

use super::value::Value;
use super::EvalError;
use crate::syntax::ast::BinOp;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{FromPrimitive, Signed, ToPrimitive, Zero};
use std::rc::Rc;

/// A `long` with more bits than this is a MemoryError: `2 ** 10 ** 9` would otherwise hold
/// the interpreter for minutes and gigabytes.
pub(crate) const MAX_LONG_BITS: u64 = 1 << 20;

pub(crate) fn long(b: BigInt) -> Value {
    Value::Long(Rc::new(b))
}

/// The integer value of an int, bool or long.
pub(crate) fn to_big(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(i) => Some(BigInt::from(*i)),
        Value::Bool(b) => Some(BigInt::from(*b as i64)),
        Value::Long(l) => Some((**l).clone()),
        _ => None,
    }
}

/// `int(x)` of a float: an int when it fits, else a long (`int(1e19)`).
pub(crate) fn from_float(f: f64) -> Result<Value, EvalError> {
    if f.is_nan() {
        return Err(EvalError::value_error(
            "cannot convert float NaN to integer",
        ));
    }
    if f.is_infinite() {
        return Err(EvalError::overflow(
            "cannot convert float infinity to integer",
        ));
    }
    let t = f.trunc();
    if t.abs() < 9.2e18 {
        return Ok(Value::Int(t as i64));
    }
    Ok(narrow(BigInt::from_f64(t).unwrap_or_default()))
}

/// An int when the value fits in 64 bits, else a long: what `int()` returns.
pub(crate) fn narrow(b: BigInt) -> Value {
    match b.to_i64() {
        Some(i) => Value::Int(i),
        None => long(b),
    }
}

pub(crate) fn to_f64(b: &BigInt) -> Result<f64, EvalError> {
    match b.to_f64() {
        Some(f) if f.is_finite() => Ok(f),
        _ => Err(EvalError::overflow(
            "long int too large to convert to float",
        )),
    }
}

fn check_bits(bits: u64) -> Result<(), EvalError> {
    if bits > MAX_LONG_BITS {
        return Err(EvalError::limit(
            "MemoryError",
            format!("long int too large: about {bits} bits (the limit is {MAX_LONG_BITS})"),
        ));
    }
    Ok(())
}

/// A binary operation on two integers at least one of which is a long (or an int operation
/// that overflowed): the result is a long, or a float for a negative power.
pub(crate) fn op(op: BinOp, a: &BigInt, b: &BigInt) -> Result<Value, EvalError> {
    let zero_div = || EvalError::zero_division("integer division or modulo by zero");
    Ok(long(match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => {
            check_bits(a.bits() + b.bits())?;
            a * b
        }
        BinOp::Div | BinOp::FloorDiv => {
            if b.is_zero() {
                return Err(zero_div());
            }
            a.div_floor(b)
        }
        BinOp::Mod => {
            if b.is_zero() {
                return Err(zero_div());
            }
            a.mod_floor(b)
        }
        BinOp::Pow => {
            if b.is_negative() {
                let (x, y) = (to_f64(a)?, to_f64(b)?);
                if x == 0.0 {
                    return Err(EvalError::zero_division(
                        "0.0 cannot be raised to a negative power",
                    ));
                }
                return Ok(Value::Float(x.powf(y)));
            }
            let e = b.to_u64().unwrap_or(u64::MAX);
            if a.bits() > 1 {
                check_bits(a.bits().saturating_mul(e))?;
            }
            if a.is_zero() || a.bits() <= 1 {
                // 0, 1 and -1 to any power
                let odd = e % 2 == 1;
                if a.is_zero() {
                    if e == 0 {
                        BigInt::from(1)
                    } else {
                        BigInt::zero()
                    }
                } else if a.is_negative() && odd {
                    BigInt::from(-1)
                } else {
                    BigInt::from(1)
                }
            } else {
                num_traits::pow::pow(a.clone(), e as usize)
            }
        }
        BinOp::LShift | BinOp::RShift => {
            if b.is_negative() {
                return Err(EvalError::value_error("negative shift count"));
            }
            let n = b.to_u64().unwrap_or(u64::MAX);
            if op == BinOp::LShift {
                if !a.is_zero() {
                    check_bits(a.bits().saturating_add(n))?;
                }
                a << n
            } else if n > a.bits() {
                if a.is_negative() {
                    BigInt::from(-1)
                } else {
                    BigInt::zero()
                }
            } else {
                a >> n
            }
        }
        BinOp::BitAnd => a & b,
        BinOp::BitOr => a | b,
        BinOp::BitXor => a ^ b,
    }))
}

/// `'%d'`-style decimal digits of an integer or a float of any size (`'%d' % 1e20`).
pub(crate) fn int_digits(v: &Value) -> Option<BigInt> {
    match v {
        Value::Float(f) if f.is_finite() => BigInt::from_f64(f.trunc()),
        _ => to_big(v),
    }
}

/// `round(x, n)` as Python 2.7 does it: on the exact decimal value of the double, halves
/// away from zero (`round(2.675, 2)` is 2.67 because 2.675 is stored as 2.67499999...,
/// `round(0.5)` is 1.0).
pub(crate) fn round_half_away(x: f64, ndigits: i64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    // Every double has a finite decimal expansion of at most 1074 fraction digits.
    let exact = format!("{:.1100}", x.abs());
    let (int_part, frac) = exact.split_once('.').unwrap_or((&exact, ""));
    let digits: Vec<u8> = int_part
        .bytes()
        .chain(frac.bytes())
        .map(|b| b - b'0')
        .collect();
    // Index of the first digit dropped.
    let cut = int_part.len() as i64 + ndigits;
    if cut >= digits.len() as i64 {
        return x;
    }
    if cut < 0 {
        return 0.0f64.copysign(x);
    }
    let cut = cut as usize;
    let mut kept: Vec<u8> = digits[..cut].to_vec();
    if digits[cut] >= 5 {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let carried = kept.len() - cut;
    let int_len = int_part.len() + carried;
    let mut text: String = kept.iter().map(|d| (d + b'0') as char).collect();
    // Zeros up to the decimal point when ndigits < 0.
    while text.len() < int_len {
        text.push('0');
    }
    if text.is_empty() {
        text.push('0');
    }
    text.insert(int_len.min(text.len()), '.');
    let r: f64 = text.trim_end_matches('.').parse().unwrap_or(x.abs());
    r.copysign(x)
}

/// Three-argument `pow(x, y, z)` on integers.
pub(crate) fn pow_mod(x: &Value, y: &Value, z: &Value) -> Result<Value, EvalError> {
    let (Some(b), Some(e), Some(m)) = (to_big(x), to_big(y), to_big(z)) else {
        return Err(EvalError::type_error(
            "pow() 3rd argument not allowed unless all arguments are integers",
        ));
    };
    if e.is_negative() {
        return Err(EvalError::type_error(
            "pow() 2nd argument cannot be negative when 3rd argument specified",
        ));
    }
    if m.is_zero() {
        return Err(EvalError::value_error("pow() 3rd argument cannot be 0"));
    }
    let r = b.modpow(&e, &m);
    // modpow's result has the sign of the base; Python's takes the modulus's sign.
    let r = r.mod_floor(&m);
    let any_long = [x, y, z].iter().any(|v| matches!(v, Value::Long(_)));
    Ok(if any_long { long(r) } else { narrow(r) })
}

/// `hex`, `oct`, `bin` of an int or long (`hex(2**64)` is `'0x10000000000000000L'`).
pub(crate) fn radix_str(v: &Value, radix: u32, prefix: &str, f: &str) -> Result<Value, EvalError> {
    let n = to_big(v).ok_or_else(|| {
        EvalError::type_error(format!("{f}() argument can't be converted to {f}",))
    })?;
    let digits = n.magnitude().to_str_radix(radix);
    let sign = if n.is_negative() { "-" } else { "" };
    let body = if radix == 8 && n.is_zero() {
        "0".to_string()
    } else {
        format!("{sign}{prefix}{digits}")
    };
    let suffix = if matches!(v, Value::Long(_)) && radix != 2 {
        "L"
    } else {
        ""
    };
    Ok(Value::str(&format!("{body}{suffix}")))
}

/// `hash(x)`: CPython 2's value for ints and longs that fit (their value, -1 mapped to -2),
/// floats with an integer value hash as that integer; strings and tuples get a stable hash
/// of ours (CPython's differs per build), unhashable containers are a TypeError.
pub(crate) fn hash(v: &Value) -> Result<Value, EvalError> {
    use std::hash::{Hash, Hasher};
    let fix = |h: i64| Value::Int(if h == -1 { -2 } else { h });
    match v {
        Value::Int(_) | Value::Bool(_) => Ok(fix(v.as_int().unwrap_or(0))),
        Value::Long(l) => Ok(match l.to_i64() {
            Some(i) => fix(i),
            None => {
                let m = (l.magnitude() % BigInt::from(i64::MAX).magnitude())
                    .to_i64()
                    .unwrap_or(0);
                fix(if l.is_negative() { -m } else { m })
            }
        }),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(fix(*f as i64)),
        Value::List(_) | Value::Dict(_) | Value::Set(_) => Err(EvalError::type_error(format!(
            "unhashable type: '{}'",
            v.type_name()
        ))),
        other => {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            super::value::Key(other.clone()).hash(&mut h);
            Ok(fix(h.finish() as i64))
        }
    }
}

/// The value of a long literal whose digits the parser checked.
pub(crate) fn literal(digits: &str, radix: u32) -> Value {
    long(BigInt::parse_bytes(digits.as_bytes(), radix).unwrap_or_default())
}
