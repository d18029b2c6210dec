//! Calling values: DSL functions, natives, classes, bound methods, types, host objects.

use super::exec::Flow;
use super::function::{bind, Function};
use super::interp::Env;
use super::scope::Scope;
use super::value::{Dict, Key, Value};
use super::{EvalError, Interp};
use std::rc::Rc;

impl Interp {
    pub(crate) fn call_value(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Vec<(Rc<str>, Value)>,
    ) -> Result<Value, EvalError> {
        match f {
            Value::Function(func) => self.call_function(func, args, kwargs),
            Value::Native(n) => {
                let bound = bind(&n.name, &n.sig, args, kwargs)?;
                self.enter_call()?;
                let r = crate::syntax::with_stack(|| (n.f)(self, bound));
                self.depth -= 1;
                match super::function::take_misuse() {
                    Some(m) => Err(EvalError::type_error(m)),
                    None => r,
                }
            }
            Value::BoundMethod(m) => {
                let mut all = Vec::with_capacity(args.len() + 1);
                all.push(m.0.clone());
                all.extend(args);
                self.call_value(&m.1, all, kwargs)
            }
            Value::BuiltinMethod(m) => super::methods::call_method(self, &m.0, &m.1, args, kwargs),
            Value::Class(c) => self.instantiate(c, args, kwargs),
            Value::Type(t) => super::builtins::call_type(self, *t, args, kwargs),
            Value::HostType(t) => match &t.constructor {
                Some(c) => self.call_value(c, args, kwargs),
                None => Err(EvalError::type_error(format!(
                    "cannot create '{}' instances",
                    t.name
                ))),
            },
            Value::Host(h) => match h.clone().call(self, f, args, kwargs)? {
                Some(v) => Ok(v),
                None => Err(EvalError::type_error(format!(
                    "'{}' object is not callable",
                    h.type_name()
                ))),
            },
            Value::Instance(i) => match i.class.lookup("__call__") {
                Some(m) => {
                    let mut all = Vec::with_capacity(args.len() + 1);
                    all.push(f.clone());
                    all.extend(args);
                    self.call_value(&m, all, kwargs)
                }
                None => Err(EvalError::type_error(format!(
                    "'{}' object is not callable",
                    i.class.name
                ))),
            },
            other => Err(EvalError::type_error(format!(
                "'{}' object is not callable",
                other.type_name()
            ))),
        }
    }

    fn enter_call(&mut self) -> Result<(), EvalError> {
        if self.depth >= self.limits.max_depth {
            return Err(EvalError::limit(
                "RuntimeError",
                format!(
                    "maximum recursion depth exceeded ({} nested calls)",
                    self.limits.max_depth
                ),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn call_function(
        &mut self,
        func: &Rc<Function>,
        args: Vec<Value>,
        kwargs: Vec<(Rc<str>, Value)>,
    ) -> Result<Value, EvalError> {
        let bound = bind(&func.def.name, &func.sig, args, kwargs)?;
        let scope = Rc::new(Scope::default());
        {
            let mut vars = scope.vars.borrow_mut();
            let (values, varargs, extra) = bound.into_parts();
            for (p, v) in func.sig.params.iter().zip(values) {
                vars.insert(p.name.clone(), v);
            }
            if let Some(name) = &func.sig.varargs {
                vars.insert(name.clone(), Value::tuple(varargs));
            }
            if let Some(name) = &func.sig.kwargs {
                let mut d = Dict::with_capacity(extra.len());
                for (k, v) in extra {
                    d.insert(Key(Value::Str(k)), v);
                }
                vars.insert(name.clone(), Value::dict(d));
            }
        }
        let env = Env {
            module: func.module.clone(),
            file: func.file.clone(),
            locals: Some(scope),
            local_names: Some(func.def.locals.clone()),
            global_names: Some(func.def.globals.clone()),
            closure: func.closure.clone(),
            class_body: false,
        };
        self.enter_call()?;
        let r = crate::syntax::with_stack(|| self.exec_body(&env, &func.def.body));
        self.depth -= 1;
        match r? {
            Flow::Return(v) => Ok(v),
            _ => Ok(Value::None),
        }
    }
}
