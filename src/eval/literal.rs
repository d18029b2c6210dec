//! Constant folding of literal expressions, for native signature defaults.

use super::value::Value;
use crate::syntax::ast::{Expr, ExprKind};

pub fn literal_value(e: &Expr) -> Option<Value> {
    Some(match &e.kind {
        ExprKind::None => Value::None,
        ExprKind::True => Value::Bool(true),
        ExprKind::False => Value::Bool(false),
        ExprKind::Int(i) => Value::Int(*i),
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
