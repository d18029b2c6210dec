//! Functions: DSL `def`s, native builtins, and the one argument binder both use.

use super::module::Module;
use super::scope::Scope;
use super::value::Value;
use super::{EvalError, Interp};
use crate::syntax::ast::FunctionDef;
use crate::syntax::SourceFile;
use std::rc::Rc;

/// Keyword arguments in call order.
pub type Kwargs = Vec<(Rc<str>, Value)>;

/// A parameter list: names with optional defaults, then `*args` and `**kwargs`.
#[derive(Clone, Default)]
pub struct Signature {
    pub params: Vec<ParamSpec>,
    pub varargs: Option<Rc<str>>,
    pub kwargs: Option<Rc<str>>,
}

#[derive(Clone)]
pub struct ParamSpec {
    pub name: Rc<str>,
    /// `None`: the argument is required.
    pub default: Option<Value>,
}

impl Signature {
    /// Parses a Python parameter list, e.g.
    /// `"input, size, act=None, name=None, bias_attr=None, *args, **kwargs"`.
    /// Defaults must be literals (numbers, strings, None, True/False, tuples, lists).
    ///
    /// Panics on an invalid spec: specs are written by developers, not by users, and a bad
    /// one must fail the first test that registers it.
    pub fn parse(spec: &str) -> Signature {
        match Signature::try_parse(spec) {
            Ok(s) => s,
            Err(e) => panic!("invalid native signature {spec:?}: {e}"),
        }
    }

    pub fn try_parse(spec: &str) -> Result<Signature, String> {
        if let Some(sig) = super::literal::fast_params(spec) {
            return Ok(sig);
        }
        let params = crate::syntax::parse_params(spec).map_err(|e| e.to_string())?;
        let mut sig = Signature {
            params: Vec::new(),
            varargs: params.varargs.clone(),
            kwargs: params.kwargs.clone(),
        };
        for p in &params.params {
            let default = match &p.default {
                None => None,
                Some(e) => Some(
                    super::literal::literal_value(e)
                        .ok_or_else(|| format!("default of '{}' is not a literal", p.name))?,
                ),
            };
            sig.params.push(ParamSpec {
                name: p.name.clone(),
                default,
            });
        }
        Ok(sig)
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| &*p.name == name)
    }
}

/// Arguments bound to a signature: one value per named parameter (defaults filled in),
/// the extra positional arguments and the extra keyword arguments.
pub struct Bound {
    pub func_name: Rc<str>,
    sig: Rc<Signature>,
    values: Vec<Value>,
    given: Vec<bool>,
    pub varargs: Vec<Value>,
    pub kwargs: Vec<(Rc<str>, Value)>,
    none: Value,
}

thread_local! {
    /// A native asked its bound arguments for a parameter its signature lacks. The first
    /// such name is kept here and turned into a located TypeError when the native returns:
    /// a mismatch between two of our own natives must reach the user as a diagnostic, never
    /// as a panic (see [`take_misuse`]).
    static MISUSE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The binding failure a native recorded while it ran, if any (cleared by the call).
pub(crate) fn take_misuse() -> Option<String> {
    MISUSE.with(|m| m.borrow_mut().take())
}

impl Bound {
    fn index(&self, name: &str) -> Option<usize> {
        let i = self.sig.index_of(name);
        if i.is_none() {
            MISUSE.with(|m| {
                m.borrow_mut().get_or_insert_with(|| {
                    format!("{}() has no parameter named '{name}'", self.func_name)
                });
            });
        }
        i
    }

    /// The value of a named parameter (its default when not passed). A name the signature
    /// lacks reads as None here, and the call then fails with a TypeError naming it.
    pub fn get(&self, name: &str) -> &Value {
        match self.index(name) {
            Some(i) => &self.values[i],
            None => &self.none,
        }
    }

    /// The value of a named parameter, or `None` if the signature has no such parameter.
    pub fn try_get(&self, name: &str) -> Option<&Value> {
        self.sig.index_of(name).map(|i| &self.values[i])
    }

    /// A keyword argument that landed in `**kwargs`.
    pub fn kwarg(&self, name: &str) -> Option<&Value> {
        self.kwargs
            .iter()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| v)
    }

    /// Moves a parameter's value out, leaving None.
    pub fn take(&mut self, name: &str) -> Value {
        match self.index(name) {
            Some(i) => std::mem::replace(&mut self.values[i], Value::None),
            None => Value::None,
        }
    }

    /// Whether the caller passed this parameter (positionally or by keyword). A parameter
    /// the signature lacks was never passed.
    pub fn is_given(&self, name: &str) -> bool {
        self.sig.index_of(name).is_some_and(|i| self.given[i])
    }

    /// The value if passed and not None. A parameter the signature lacks is absent: shared
    /// code reads optional inputs (`weight`, `label`) that only some natives declare.
    pub fn opt(&self, name: &str) -> Option<&Value> {
        let v = self.try_get(name)?;
        (!v.is_none()).then_some(v)
    }

    /// All named-parameter values in signature order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    pub fn into_parts(self) -> (Vec<Value>, Vec<Value>, Kwargs) {
        (self.values, self.varargs, self.kwargs)
    }

    fn wrong_type(&self, name: &str, want: &str, v: &Value) -> EvalError {
        EvalError::type_error(format!(
            "{}() argument '{name}' must be {want}, not {}",
            self.func_name,
            v.type_name()
        ))
    }

    pub fn int(&self, name: &str) -> Result<i64, EvalError> {
        let v = self.get(name);
        v.as_int().ok_or_else(|| self.wrong_type(name, "int", v))
    }

    pub fn float(&self, name: &str) -> Result<f64, EvalError> {
        let v = self.get(name);
        v.as_float()
            .ok_or_else(|| self.wrong_type(name, "a number", v))
    }

    pub fn str(&self, name: &str) -> Result<Rc<str>, EvalError> {
        match self.get(name) {
            Value::Str(s) => Ok(s.clone()),
            v => Err(self.wrong_type(name, "str", v)),
        }
    }

    pub fn bool(&self, name: &str) -> bool {
        self.get(name).truthy()
    }

    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, EvalError> {
        self.opt(name).map(|_| self.int(name)).transpose()
    }

    pub fn opt_float(&self, name: &str) -> Result<Option<f64>, EvalError> {
        self.opt(name).map(|_| self.float(name)).transpose()
    }

    pub fn opt_str(&self, name: &str) -> Result<Option<Rc<str>>, EvalError> {
        self.opt(name).map(|_| self.str(name)).transpose()
    }

    /// A parameter that accepts one item or a list/tuple of items, as Paddle's `input=`.
    pub fn list(&self, name: &str) -> Vec<Value> {
        match self.get(name) {
            Value::List(l) => l.borrow().clone(),
            Value::Tuple(t) => t.as_ref().clone(),
            Value::None => Vec::new(),
            v => vec![v.clone()],
        }
    }
}

/// The binder shared by DSL `def`s and native functions.
pub fn bind(
    func_name: &Rc<str>,
    sig: &Rc<Signature>,
    args: Vec<Value>,
    kwargs: Vec<(Rc<str>, Value)>,
) -> Result<Bound, EvalError> {
    let n = sig.params.len();
    let mut values: Vec<Option<Value>> = vec![None; n];
    let mut varargs = Vec::new();
    let nargs = args.len();
    for (i, a) in args.into_iter().enumerate() {
        if i < n {
            values[i] = Some(a);
        } else if sig.varargs.is_some() {
            varargs.push(a);
        } else {
            let most = n;
            return Err(EvalError::type_error(format!(
                "{func_name}() takes {} {most} positional argument{} ({nargs} given)",
                if sig.params.iter().any(|p| p.default.is_some()) {
                    "at most"
                } else {
                    "exactly"
                },
                if most == 1 { "" } else { "s" },
            )));
        }
    }
    let mut extra = Vec::new();
    for (k, v) in kwargs {
        match sig.index_of(&k) {
            Some(i) => {
                if values[i].is_some() {
                    return Err(EvalError::type_error(format!(
                        "{func_name}() got multiple values for keyword argument '{k}'"
                    ))
                    .with_keyword(k));
                }
                values[i] = Some(v);
            }
            None if sig.kwargs.is_some() => extra.push((k, v)),
            None => {
                let names: Vec<&str> = sig.params.iter().map(|p| &*p.name).collect();
                let mut err = EvalError::type_error(format!(
                    "{func_name}() got an unexpected keyword argument '{k}'"
                ));
                if let Some(s) = super::suggest::closest(&k, names.iter().copied()) {
                    err = err.with_note(format!("did you mean '{s}'?"));
                }
                return Err(err.with_keyword(k));
            }
        }
    }
    let mut given = Vec::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    for (i, v) in values.into_iter().enumerate() {
        given.push(v.is_some());
        match v.or_else(|| sig.params[i].default.clone()) {
            Some(v) => out.push(v),
            None => {
                return Err(EvalError::type_error(format!(
                    "{func_name}() missing required argument '{}'",
                    sig.params[i].name
                )))
            }
        }
    }
    Ok(Bound {
        func_name: func_name.clone(),
        sig: sig.clone(),
        values: out,
        given,
        varargs,
        kwargs: extra,
        none: Value::None,
    })
}

/// The Rust closure behind a native function.
pub type NativeFn = dyn Fn(&mut Interp, Bound) -> Result<Value, EvalError>;

pub struct NativeFunction {
    pub name: Rc<str>,
    pub sig: Rc<Signature>,
    pub f: Rc<NativeFn>,
}

impl Value {
    /// A native function. `spec` is its Python parameter list (see [`Signature::parse`]);
    /// arguments are bound exactly as for a DSL `def`, including the
    /// `unexpected keyword argument` error and its "did you mean" suggestion.
    pub fn native(
        name: &str,
        spec: &str,
        f: impl Fn(&mut Interp, Bound) -> Result<Value, EvalError> + 'static,
    ) -> Value {
        Value::Native(Rc::new(NativeFunction {
            name: Rc::from(name),
            sig: Rc::new(Signature::parse(spec)),
            f: Rc::new(f),
        }))
    }
}

/// A function defined in the DSL, with its evaluated defaults and captured scopes.
pub struct Function {
    pub def: Rc<FunctionDef>,
    pub sig: Rc<Signature>,
    pub module: Rc<Module>,
    pub file: Rc<SourceFile>,
    /// Enclosing function scopes, innermost first (closures see their live values).
    pub closure: Rc<Vec<Rc<Scope>>>,
}
