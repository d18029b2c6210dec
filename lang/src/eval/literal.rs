//! Constant folding of literal expressions, for native signature defaults.

use super::value::Value;
use crate::syntax::ast::{Expr, ExprKind};

pub fn literal_value(e: &Expr) -> Option<Value> {
    Some(match &e.kind {
        ExprKind::None => Value::None,
        ExprKind::True => Value::Bool(true),
        ExprKind::False => Value::Bool(false),
        ExprKind::Int(i) => Value::Int(*i),
        ExprKind::Long(digits, radix) => super::long::literal(digits, *radix),
        ExprKind::Float(f) => Value::Float(*f),
        ExprKind::Str(s) => Value::Str(s.clone()),
        ExprKind::Tuple(items) => {
            Value::tuple(items.iter().map(literal_value).collect::<Option<_>>()?)
        }
        ExprKind::List(items) => {
            Value::list(items.iter().map(literal_value).collect::<Option<_>>()?)
        }
        _ => return None,
    })
}

/// Parses a native signature spec without the full grammar: natives are registered by the
/// hundred at startup, and this keeps that to microseconds. Returns `None` for anything
/// unusual, and the caller falls back to the grammar (which also explains errors).
pub fn fast_params(spec: &str) -> Option<super::function::Signature> {
    use super::function::{ParamSpec, Signature};
    let mut sig = Signature::default();
    let mut seen_default = false;
    for item in split_top(spec)? {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        if sig.kwargs.is_some() {
            return None;
        }
        if let Some(name) = item.strip_prefix("**") {
            sig.kwargs = Some(ident(name)?.into());
        } else if let Some(name) = item.strip_prefix('*') {
            if sig.varargs.is_some() {
                return None;
            }
            sig.varargs = Some(ident(name)?.into());
        } else {
            if sig.varargs.is_some() {
                return None;
            }
            let (name, default) = match item.split_once('=') {
                Some((n, d)) => (n, Some(literal(d.trim())?)),
                None => (item, None),
            };
            match default {
                Some(_) => seen_default = true,
                None if seen_default => return None,
                None => {}
            }
            let name = ident(name.trim())?;
            if sig.params.iter().any(|p| &*p.name == name) {
                return None;
            }
            sig.params.push(ParamSpec {
                name: name.into(),
                default,
            });
        }
    }
    Some(sig)
}

fn ident(s: &str) -> Option<&str> {
    let s = s.trim();
    let mut cs = s.chars();
    let first = cs.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(s)
}

/// Splits on commas outside brackets and quotes.
fn split_top(s: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) if c == '\\' => return None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(&s[start..i]);
                    start = i + 1;
                }
                '#' | '\n' | '{' | '}' => return None,
                _ => {}
            },
        }
    }
    if quote.is_some() || depth != 0 {
        return None;
    }
    out.push(&s[start..]);
    Some(out)
}

fn literal(s: &str) -> Option<Value> {
    Some(match s {
        "None" => Value::None,
        "True" => Value::Bool(true),
        "False" => Value::Bool(false),
        _ => {
            let first = s.chars().next()?;
            if (first == '\'' || first == '"') && s.len() >= 2 && s.ends_with(first) {
                let body = &s[1..s.len() - 1];
                if body.contains(first) || body.contains('\\') {
                    return None;
                }
                Value::str(body)
            } else if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
                let items = seq(inner)?;
                Value::tuple(items)
            } else if let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                Value::list(seq(inner)?)
            } else if let Ok(i) = s.parse::<i64>() {
                Value::Int(i)
            } else if s.contains(['.', 'e', 'E']) && !s.contains("inf") && !s.contains("nan") {
                Value::Float(s.parse::<f64>().ok()?)
            } else {
                return None;
            }
        }
    })
}

fn seq(inner: &str) -> Option<Vec<Value>> {
    if inner.trim().is_empty() {
        return Some(Vec::new());
    }
    let parts = split_top(inner)?;
    let n = parts.len();
    let mut out = Vec::new();
    for (k, p) in parts.into_iter().enumerate() {
        if p.trim().is_empty() && k == n - 1 && k > 0 {
            continue; // trailing comma
        }
        out.push(literal(p.trim())?);
    }
    Some(out)
}
