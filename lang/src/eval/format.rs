//! String formatting: `fmt % args` and `str.format`, with Python's conversions.

use super::value::{Key, Value};
use super::{EvalError, Interp};

/// `fmt % args`.
pub(crate) fn percent_format(
    interp: &mut Interp,
    fmt: &str,
    args: &Value,
) -> Result<String, EvalError> {
    let (positional, mapping): (Vec<Value>, Option<&Value>) = match args {
        Value::Tuple(t) => (t.as_ref().clone(), None),
        Value::Dict(_) => (vec![args.clone()], Some(args)),
        other => (vec![other.clone()], None),
    };
    let mut next = 0usize;
    let mut out = String::with_capacity(fmt.len() + 16);
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut used_mapping = false;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let mut key: Option<String> = None;
        if chars.get(i) == Some(&'(') {
            let mut depth = 1;
            let start = i + 1;
            i += 1;
            while i < chars.len() && depth > 0 {
                match chars[i] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            if depth > 0 {
                return Err(EvalError::value_error("incomplete format key"));
            }
            key = Some(chars[start..i - 1].iter().collect());
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.get(i) {
            match f {
                '-' => spec.left = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '#' => spec.alt = true,
                '0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        let mut take_arg = |interp: &mut Interp| -> Result<Value, EvalError> {
            let _ = interp;
            let v = positional
                .get(next)
                .cloned()
                .ok_or_else(|| EvalError::type_error("not enough arguments for format string"))?;
            next += 1;
            Ok(v)
        };
        if chars.get(i) == Some(&'*') {
            spec.width = Some(take_arg(interp)?.as_int().unwrap_or(0).max(0) as usize);
            i += 1;
        } else {
            let mut w = String::new();
            while let Some(d) = chars.get(i).filter(|c| c.is_ascii_digit()) {
                w.push(*d);
                i += 1;
            }
            if !w.is_empty() {
                spec.width = Some(w.parse().unwrap_or(usize::MAX));
            }
        }
        if chars.get(i) == Some(&'.') {
            i += 1;
            if chars.get(i) == Some(&'*') {
                spec.precision = Some(take_arg(interp)?.as_int().unwrap_or(0).max(0) as usize);
                i += 1;
            } else {
                let mut p = String::new();
                while let Some(d) = chars.get(i).filter(|c| c.is_ascii_digit()) {
                    p.push(*d);
                    i += 1;
                }
                spec.precision = Some(if p.is_empty() {
                    0
                } else {
                    p.parse().unwrap_or(usize::MAX)
                });
            }
        }
        interp.check_size(spec.width.unwrap_or(0).max(spec.precision.unwrap_or(0)))?;
        while matches!(chars.get(i), Some('h' | 'l' | 'L')) {
            i += 1;
        }
        let Some(&conv) = chars.get(i) else {
            return Err(EvalError::value_error("incomplete format"));
        };
        i += 1;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let arg = match &key {
            Some(k) => {
                used_mapping = true;
                let Some(Value::Dict(d)) = mapping else {
                    return Err(EvalError::type_error("format requires a mapping"));
                };
                d.borrow()
                    .get(&Key(Value::str(k)))
                    .cloned()
                    .ok_or_else(|| EvalError::key_error(super::value::repr_str(k)))?
            }
            None => take_arg(interp)?,
        };
        let text = convert(interp, conv, &arg, &spec)?;
        out.push_str(&pad(&text, &spec, conv));
    }
    if !used_mapping && next < positional.len() && mapping.is_none() {
        return Err(EvalError::type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

fn number_arg(v: &Value, conv: char) -> Result<f64, EvalError> {
    v.as_float().ok_or_else(|| {
        EvalError::type_error(format!(
            "%{conv} format: a number is required, not {}",
            v.type_name()
        ))
    })
}

fn int_arg(v: &Value, conv: char) -> Result<i64, EvalError> {
    match v {
        Value::Float(f) => Ok(f.trunc() as i64),
        _ => v.as_int().ok_or_else(|| {
            EvalError::type_error(format!(
                "%{conv} format: a number is required, not {}",
                v.type_name()
            ))
        }),
    }
}

fn convert(interp: &mut Interp, conv: char, arg: &Value, spec: &Spec) -> Result<String, EvalError> {
    let sign = |neg: bool| -> &'static str {
        if neg {
            "-"
        } else if spec.plus {
            "+"
        } else if spec.space {
            " "
        } else {
            ""
        }
    };
    Ok(match conv {
        's' => {
            let s = interp.to_str(arg)?;
            match spec.precision {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            }
        }
        'r' => interp.repr(arg)?,
        'd' | 'i' | 'u' => {
            // Python 2 formats ints, longs and floats of any size exactly ('%d' % 1e20).
            let n = super::long::int_digits(arg).ok_or_else(|| {
                EvalError::type_error(format!(
                    "%{conv} format: a number is required, not {}",
                    arg.type_name()
                ))
            })?;
            let neg = n.sign() == num_bigint::Sign::Minus;
            format!("{}{}", sign(neg), n.magnitude())
        }
        'x' | 'X' | 'o' => {
            let n = int_arg(arg, conv)?;
            let body = match conv {
                'x' => format!("{:x}", n.unsigned_abs()),
                'X' => format!("{:X}", n.unsigned_abs()),
                _ => format!("{:o}", n.unsigned_abs()),
            };
            let prefix = if spec.alt {
                match conv {
                    'x' => "0x",
                    'X' => "0X",
                    _ => "0",
                }
            } else {
                ""
            };
            format!("{}{prefix}{body}", sign(n < 0))
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let f = number_arg(arg, conv)?;
            let body = format_float_spec(f.abs(), conv, spec.precision.unwrap_or(6), spec.alt);
            format!(
                "{}{body}",
                sign(f.is_sign_negative() && f != 0.0 || (f == 0.0 && f.is_sign_negative()))
            )
        }
        'c' => match arg {
            Value::Str(s) if s.chars().count() == 1 => s.to_string(),
            other => {
                let n = other
                    .as_int()
                    .ok_or_else(|| EvalError::type_error("%c requires int or char"))?;
                char::from_u32(n as u32)
                    .map(String::from)
                    .unwrap_or_default()
            }
        },
        other => {
            return Err(EvalError::value_error(format!(
                "unsupported format character '{other}'"
            )))
        }
    })
}

fn pad(text: &str, spec: &Spec, conv: char) -> String {
    let Some(w) = spec.width else {
        return text.to_string();
    };
    let n = text.chars().count();
    if n >= w {
        return text.to_string();
    }
    let fill = w - n;
    if spec.left {
        format!("{text}{}", " ".repeat(fill))
    } else if spec.zero && !matches!(conv, 's' | 'r' | 'c') {
        let (sign, digits) = match text.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (c.to_string(), &text[1..]),
            _ => (String::new(), text),
        };
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{text}", " ".repeat(fill))
    }
}

/// `%e`, `%f`, `%g` of a non-negative finite or infinite number.
pub(crate) fn format_float_spec(f: f64, conv: char, precision: usize, alt: bool) -> String {
    if f.is_nan() {
        return if conv.is_uppercase() {
            "NAN".into()
        } else {
            "nan".into()
        };
    }
    if f.is_infinite() {
        return if conv.is_uppercase() {
            "INF".into()
        } else {
            "inf".into()
        };
    }
    let s = match conv.to_ascii_lowercase() {
        'f' => format!("{f:.precision$}"),
        'e' => sci(f, precision),
        _ => {
            let p = precision.max(1);
            if f == 0.0 {
                return if alt {
                    format!("{:.*}", p - 1, 0.0)
                } else {
                    "0".into()
                };
            }
            let rounded = format!("{:.*e}", p - 1, f);
            let exp: i32 = rounded
                .split_once('e')
                .and_then(|(_, e)| e.parse().ok())
                .unwrap_or(0);
            let body = if exp < -4 || exp >= p as i32 {
                sci(f, p - 1)
            } else {
                format!("{:.*}", (p as i32 - 1 - exp).max(0) as usize, f)
            };
            if alt {
                body
            } else {
                strip_zeros(&body)
            }
        }
    };
    if conv.is_uppercase() {
        s.to_uppercase()
    } else {
        s
    }
}

fn strip_zeros(s: &str) -> String {
    let (mant, exp) = match s.find('e') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let mant = if mant.contains('.') {
        mant.trim_end_matches('0').trim_end_matches('.')
    } else {
        mant
    };
    format!("{mant}{exp}")
}

/// Scientific notation with Python's two-digit signed exponent (`1.000000e-05`).
fn sci(f: f64, precision: usize) -> String {
    let s = format!("{f:.precision$e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// `template.format(*args, **kwargs)`.
pub(crate) fn str_format(
    interp: &mut Interp,
    template: &str,
    args: &[Value],
    kwargs: &[(std::rc::Rc<str>, Value)],
) -> Result<String, EvalError> {
    let mut out = String::with_capacity(template.len() + 16);
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    let mut auto = 0usize;
    while i < chars.len() {
        let c = chars[i];
        if c == '{' {
            if chars.get(i + 1) == Some(&'{') {
                out.push('{');
                i += 2;
                continue;
            }
            let start = i + 1;
            let mut depth = 1;
            i += 1;
            while i < chars.len() && depth > 0 {
                match chars[i] {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            if depth > 0 {
                return Err(EvalError::value_error(
                    "Single '{' encountered in format string",
                ));
            }
            let field: String = chars[start..i - 1].iter().collect();
            out.push_str(&format_field(interp, &field, args, kwargs, &mut auto)?);
        } else if c == '}' {
            if chars.get(i + 1) == Some(&'}') {
                out.push('}');
                i += 2;
                continue;
            }
            return Err(EvalError::value_error(
                "Single '}' encountered in format string",
            ));
        } else {
            out.push(c);
            i += 1;
        }
    }
    Ok(out)
}

fn format_field(
    interp: &mut Interp,
    field: &str,
    args: &[Value],
    kwargs: &[(std::rc::Rc<str>, Value)],
    auto: &mut usize,
) -> Result<String, EvalError> {
    let (name_conv, spec) = match field.find(':') {
        Some(i) => (&field[..i], &field[i + 1..]),
        None => (field, ""),
    };
    let (name, conversion) = match name_conv.find('!') {
        Some(i) => (&name_conv[..i], Some(&name_conv[i + 1..])),
        None => (name_conv, None),
    };
    let split = name.find(['.', '[']).unwrap_or(name.len());
    let (head, mut rest) = name.split_at(split);
    let mut v = if head.is_empty() {
        let v = args.get(*auto).cloned().ok_or_else(|| {
            EvalError::index_error("tuple index out of range (too few arguments to format)")
        })?;
        *auto += 1;
        v
    } else if let Ok(n) = head.parse::<usize>() {
        args.get(n).cloned().ok_or_else(|| {
            EvalError::index_error("tuple index out of range (too few arguments to format)")
        })?
    } else {
        kwargs
            .iter()
            .find(|(k, _)| &**k == head)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| EvalError::key_error(super::value::repr_str(head)))?
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            v = interp.getattr(&v, &r[..end])?;
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r
                .find(']')
                .ok_or_else(|| EvalError::value_error("Missing ']' in format string"))?;
            let k = &r[..end];
            let key = k
                .parse::<i64>()
                .map(Value::Int)
                .unwrap_or_else(|_| Value::str(k));
            v = interp.getitem(&v, &key)?;
            rest = &r[end + 1..];
        } else {
            return Err(EvalError::value_error("invalid format field"));
        }
    }
    let v = match conversion {
        Some("r") => Value::str(&interp.repr(&v)?),
        Some("s") => Value::str(&interp.to_str(&v)?),
        _ => v,
    };
    apply_format_spec(interp, &v, spec)
}

/// The format-spec mini-language: `[[fill]align][sign][#][0][width][,][.precision][type]`.
pub(crate) fn apply_format_spec(
    interp: &mut Interp,
    v: &Value,
    spec: &str,
) -> Result<String, EvalError> {
    if spec.is_empty() {
        return interp.to_str(v);
    }
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut fill = ' ';
    let mut align: Option<char> = None;
    if chars.len() >= 2 && matches!(chars[1], '<' | '>' | '^' | '=') {
        fill = chars[0];
        align = Some(chars[1]);
        i = 2;
    } else if matches!(chars.first(), Some('<' | '>' | '^' | '=')) {
        align = Some(chars[0]);
        i = 1;
    }
    let mut sign = '-';
    if let Some(&c @ ('+' | '-' | ' ')) = chars.get(i) {
        sign = c;
        i += 1;
    }
    let mut alt = false;
    if chars.get(i) == Some(&'#') {
        alt = true;
        i += 1;
    }
    if chars.get(i) == Some(&'0') {
        if align.is_none() {
            fill = '0';
            align = Some('=');
        }
        i += 1;
    }
    let mut width = String::new();
    while let Some(d) = chars.get(i).filter(|c| c.is_ascii_digit()) {
        width.push(*d);
        i += 1;
    }
    let mut comma = false;
    if chars.get(i) == Some(&',') {
        comma = true;
        i += 1;
    }
    let mut precision: Option<usize> = None;
    if chars.get(i) == Some(&'.') {
        i += 1;
        let mut p = String::new();
        while let Some(d) = chars.get(i).filter(|c| c.is_ascii_digit()) {
            p.push(*d);
            i += 1;
        }
        precision = Some(p.parse().unwrap_or(usize::MAX));
        interp.check_size(precision.unwrap_or(0))?;
    }
    let ty = chars.get(i).copied();
    if i + ty.map_or(0, |_| 1) != chars.len() {
        return Err(EvalError::value_error(format!(
            "Invalid format specifier '{spec}'"
        )));
    }
    let is_num = matches!(
        v,
        Value::Int(_) | Value::Long(_) | Value::Float(_) | Value::Bool(_)
    );
    let (neg, mut body) = match ty {
        None | Some('s') if !is_num || ty == Some('s') => {
            let s = interp.to_str(v)?;
            (
                false,
                match precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                },
            )
        }
        Some('d') | None if matches!(v, Value::Int(_) | Value::Bool(_) | Value::Long(_)) => {
            let n = super::long::to_big(v).unwrap_or_default();
            (
                n.sign() == num_bigint::Sign::Minus,
                n.magnitude().to_string(),
            )
        }
        Some(c @ ('x' | 'X' | 'o' | 'b')) => {
            let n = super::long::to_big(v).ok_or_else(|| {
                EvalError::value_error(format!(
                    "Unknown format code '{c}' for object of type '{}'",
                    v.type_name()
                ))
            })?;
            let a = n.magnitude();
            let s = match c {
                'x' => a.to_str_radix(16),
                'X' => a.to_str_radix(16).to_uppercase(),
                'o' => a.to_str_radix(8),
                _ => a.to_str_radix(2),
            };
            let n = if n.sign() == num_bigint::Sign::Minus {
                -1
            } else {
                0
            };
            let prefix = if alt {
                match c {
                    'x' => "0x",
                    'X' => "0X",
                    'o' => "0o",
                    _ => "0b",
                }
            } else {
                ""
            };
            (n < 0, format!("{prefix}{s}"))
        }
        Some(c @ ('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%')) => {
            let f = v.as_float().ok_or_else(|| {
                EvalError::value_error(format!(
                    "Unknown format code '{c}' for object of type '{}'",
                    v.type_name()
                ))
            })?;
            if c == '%' {
                (
                    f < 0.0,
                    format!(
                        "{}%",
                        format_float_spec((f * 100.0).abs(), 'f', precision.unwrap_or(6), alt)
                    ),
                )
            } else {
                (
                    f < 0.0,
                    format_float_spec(f.abs(), c, precision.unwrap_or(6), alt),
                )
            }
        }
        None => {
            let f = v.as_float().unwrap_or(0.0);
            (
                f < 0.0,
                // Python 2.7 formats a float with no type as str() does ('{:<6}'.format(2.0/3)
                // is '0.666666666667').
                match precision {
                    Some(p) => format_float_spec(f.abs(), 'g', p, alt),
                    None => super::value::format_float_str(f.abs()),
                },
            )
        }
        Some(c) => {
            return Err(EvalError::value_error(format!(
                "Unknown format code '{c}' for object of type '{}'",
                v.type_name()
            )))
        }
    };
    if comma {
        let (int_part, frac) = match body.find('.') {
            Some(p) => (body[..p].to_string(), body[p..].to_string()),
            None => (body.clone(), String::new()),
        };
        let digits: Vec<char> = int_part.chars().collect();
        let mut grouped = String::new();
        for (k, d) in digits.iter().enumerate() {
            if k > 0 && (digits.len() - k) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(*d);
        }
        body = format!("{grouped}{frac}");
    }
    let sign_str = if neg {
        "-"
    } else if sign == '+' && is_num {
        "+"
    } else if sign == ' ' && is_num {
        " "
    } else {
        ""
    };
    let width: usize = if width.is_empty() {
        0
    } else {
        width.parse().unwrap_or(usize::MAX)
    };
    interp.check_size(width)?;
    let len = sign_str.chars().count() + body.chars().count();
    if len >= width {
        return Ok(format!("{sign_str}{body}"));
    }
    let n = width - len;
    let f = |k: usize| fill.to_string().repeat(k);
    let align = align.unwrap_or(if is_num { '>' } else { '<' });
    Ok(match align {
        '<' => format!("{sign_str}{body}{}", f(n)),
        '^' => format!("{}{sign_str}{body}{}", f(n / 2), f(n - n / 2)),
        '=' => format!("{sign_str}{}{body}", f(n)),
        _ => format!("{}{sign_str}{body}", f(n)),
    })
}
