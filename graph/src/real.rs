//! Numbers in the protobuf `double`/`float` fields, printed as Paddle's Python 2 printed them.
//!
//! Paddle's config parser assigned Python values straight into protobuf double fields. The pure
//! Python protobuf kept an `int` as an `int`, so `average_window = 0` prints as `0`, while
//! `learning_rate = 1e-3` prints through `str(float)`. [`Real`] keeps that distinction.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A value of a floating-point proto field, remembering whether the config gave an int.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Real {
    Int(i64),
    Float(f64),
}

impl Real {
    pub fn as_f64(self) -> f64 {
        match self {
            Real::Int(i) => i as f64,
            Real::Float(f) => f,
        }
    }
}

impl Default for Real {
    fn default() -> Self {
        Real::Float(0.0)
    }
}

impl From<f64> for Real {
    fn from(v: f64) -> Self {
        Real::Float(v)
    }
}

impl From<i64> for Real {
    fn from(v: i64) -> Self {
        Real::Int(v)
    }
}

impl fmt::Display for Real {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Real::Int(i) => write!(f, "{i}"),
            Real::Float(x) => f.write_str(&py2_float_str(*x)),
        }
    }
}

impl Serialize for Real {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Real::Int(i) => s.serialize_i64(*i),
            Real::Float(x) => s.serialize_f64(*x),
        }
    }
}

impl<'de> Deserialize<'de> for Real {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Real;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E>(self, v: i64) -> Result<Real, E> {
                Ok(Real::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Real, E> {
                i64::try_from(v)
                    .map(Real::Int)
                    .map_err(|_| E::custom("integer out of range"))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Real, E> {
                Ok(Real::Float(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// Python 2's `str(float)`: `%.12g`, with `.0` added when the result looks like an int.
pub fn py2_float_str(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let mut s = format_g(x, 12);
    if !s.contains(['.', 'e']) {
        s.push_str(".0");
    }
    s
}

/// C's `%.{prec}g`.
pub fn format_g(x: f64, prec: usize) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let prec = prec.max(1);
    // Round to `prec` significant digits first: the exponent after rounding decides the form.
    let sci = format!("{:.*e}", prec - 1, x);
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    if exp < -4 || exp >= prec as i32 {
        let mantissa = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (prec as i32 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{:.*}", decimals, x)).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python2_str_of_floats() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1e-5, "1e-05"),
            (0.02, "0.02"),
            (0.001, "0.001"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e-8, "1e-08"),
            (1e-6, "1e-06"),
            (0.95, "0.95"),
            (0.999, "0.999"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.333333333333"),
            (2.0 / 3.0, "0.666666666667"),
            (0.044194173824159216, "0.0441941738242"),
            (1.0 / (512f64).sqrt(), "0.0441941738242"),
            (100.0, "100.0"),
            (123456789012.0, "123456789012.0"),
            (1234567890123.0, "1.23456789012e+12"),
            (1e12, "1e+12"),
            (1e16, "1e+16"),
            (1e100, "1e+100"),
            (-2.5, "-2.5"),
            (0.0625, "0.0625"),
            (1.234_567_890_123_45, "1.23456789012"),
            (9.9999999999999, "10.0"),
            (0.000123456789012345, "0.000123456789012"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (x, want) in cases {
            assert_eq!(py2_float_str(*x), *want, "str({x:?})");
        }
    }

    #[test]
    fn ints_stay_ints() {
        assert_eq!(Real::Int(0).to_string(), "0");
        assert_eq!(Real::Int(-3).to_string(), "-3");
        assert_eq!(Real::Float(0.0).to_string(), "0.0");
    }

    #[test]
    fn json_round_trip_keeps_the_form() {
        let v: Vec<Real> = serde_json::from_str("[0, 0.5, 1.0]").unwrap();
        assert_eq!(v, vec![Real::Int(0), Real::Float(0.5), Real::Float(1.0)]);
        assert_eq!(serde_json::to_string(&v).unwrap(), "[0,0.5,1.0]");
    }
}
