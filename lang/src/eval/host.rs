//! Host objects: values defined by Rust code (layers, activations, attributes) that configs
//! manipulate as opaque objects.
//!
//! Implement [`HostObject`] for the Rust type and wrap it with [`Value::host`]. Every method
//! has a default, so a plain opaque value needs only `type_name` and `as_any`.

use super::value::Value;
use super::{EvalError, Interp};
use crate::syntax::ast::BinOp;
use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Which side of a binary operator the host object is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpSide {
    /// `this op other` (`__add__`).
    Left,
    /// `other op this` (`__radd__`), tried when the left operand does not handle it.
    Right,
    /// `this op= other` (`__iadd__`); when it returns `None`, `Left` is tried next.
    InPlace,
}

pub trait HostObject: Any {
    /// The type name shown to users (`LayerOutput`) and matched by `isinstance`.
    fn type_name(&self) -> &str;

    fn as_any(&self) -> &dyn Any;

    /// Whether `isinstance(this, T)` holds for a host type named `type_name`. Override to
    /// model subtypes.
    fn is_instance_of(&self, type_name: &str) -> bool {
        self.type_name() == type_name
    }

    /// `this.name`. `this` is the value wrapping `self`, for building bound methods.
    /// `Ok(None)` makes an AttributeError that suggests a name from `attr_names`.
    fn getattr(
        &self,
        _interp: &mut Interp,
        _this: &Value,
        _name: &str,
    ) -> Result<Option<Value>, EvalError> {
        Ok(None)
    }

    /// Names offered as "did you mean" suggestions for a misspelled attribute.
    fn attr_names(&self) -> Vec<String> {
        Vec::new()
    }

    /// `this.name = value`. `Ok(false)` makes an AttributeError.
    fn setattr(&self, _interp: &mut Interp, _name: &str, _value: Value) -> Result<bool, EvalError> {
        Ok(false)
    }

    /// A binary operator involving this object. `Ok(None)` means "not implemented" (Python's
    /// `NotImplemented`): the other operand is tried, then a TypeError is raised.
    fn binary_op(
        &self,
        _interp: &mut Interp,
        _this: &Value,
        _op: BinOp,
        _other: &Value,
        _side: OpSide,
    ) -> Result<Option<Value>, EvalError> {
        Ok(None)
    }

    /// `-this`, `+this`, `~this` (`op` is "-", "+" or "~"). `Ok(None)` makes a TypeError.
    fn unary_op(
        &self,
        _interp: &mut Interp,
        _this: &Value,
        _op: &str,
    ) -> Result<Option<Value>, EvalError> {
        Ok(None)
    }

    /// `this(...)`. `Ok(None)` means the object is not callable.
    fn call(
        &self,
        _interp: &mut Interp,
        _this: &Value,
        _args: Vec<Value>,
        _kwargs: Vec<(Rc<str>, Value)>,
    ) -> Result<Option<Value>, EvalError> {
        Ok(None)
    }

    /// `with this as x:` binds the result of `enter` to `x`.
    fn enter(&self, _interp: &mut Interp, _this: &Value) -> Result<Value, EvalError> {
        Err(EvalError::attribute_error(format!(
            "'{}' object has no attribute '__enter__'",
            self.type_name()
        )))
    }

    /// End of a `with` block. `failed` is true when the block raised.
    fn exit(&self, _interp: &mut Interp, _this: &Value, _failed: bool) -> Result<(), EvalError> {
        Ok(())
    }

    /// `this[key]`. `Ok(None)` makes a TypeError.
    fn getitem(
        &self,
        _interp: &mut Interp,
        _this: &Value,
        _key: &Value,
    ) -> Result<Option<Value>, EvalError> {
        Ok(None)
    }

    /// Items for `for x in this`, `list(this)`. `Ok(None)`: not iterable.
    fn iter(&self, _interp: &mut Interp) -> Result<Option<Vec<Value>>, EvalError> {
        Ok(None)
    }

    /// `len(this)`.
    fn len(&self) -> Option<usize> {
        None
    }

    fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// `this == other`; `None` means identity.
    fn eq_value(&self, _other: &Value) -> Option<bool> {
        None
    }

    fn repr(&self) -> String {
        format!("<{} object>", self.type_name())
    }

    /// `str(this)`; defaults to `repr`.
    fn to_str(&self) -> String {
        self.repr()
    }

    fn truthy(&self) -> bool {
        true
    }
}

/// A host *type*: the value bound to a name like `LayerOutput`, so that configs can write
/// `isinstance(x, LayerOutput)`, read class attributes (`LayerType.FC`), and, when a
/// constructor is given, call it (`ParamAttr(name='w')`).
pub struct HostType {
    pub name: Rc<str>,
    pub constructor: Option<Value>,
    pub attrs: RefCell<HashMap<Rc<str>, Value>>,
}

impl HostType {
    pub fn new(name: &str) -> HostType {
        HostType {
            name: Rc::from(name),
            constructor: None,
            attrs: RefCell::new(HashMap::new()),
        }
    }

    /// Calling the type calls `constructor` (a native or DSL function).
    pub fn with_constructor(mut self, constructor: Value) -> HostType {
        self.constructor = Some(constructor);
        self
    }

    /// A class attribute (`LayerType.FC_LAYER = 'fc'`).
    pub fn with_attr(self, name: &str, value: Value) -> HostType {
        self.attrs.borrow_mut().insert(Rc::from(name), value);
        self
    }

    pub fn into_value(self) -> Value {
        Value::HostType(Rc::new(self))
    }
}
