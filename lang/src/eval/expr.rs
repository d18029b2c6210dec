//! Expression evaluation: names, attributes, subscripts, calls, comprehensions.

use super::interp::Env;
use super::scope::Scope;
use super::value::{Dict, Key, Value};
use super::{EvalError, Interp};
use crate::syntax::ast::*;
use crate::syntax::Span;
use std::cell::RefCell;
use std::rc::Rc;

impl Interp {
    /// Evaluates an expression; an error without a location gets this expression's span.
    pub(crate) fn eval(&mut self, env: &Env, e: &Expr) -> Result<Value, EvalError> {
        match crate::syntax::with_stack(|| self.eval_inner(env, e)) {
            Ok(v) => Ok(v),
            Err(err) => Err(err.at(&env.file, e.span)),
        }
    }

    fn eval_inner(&mut self, env: &Env, e: &Expr) -> Result<Value, EvalError> {
        Ok(match &e.kind {
            ExprKind::None => Value::None,
            ExprKind::True => Value::Bool(true),
            ExprKind::False => Value::Bool(false),
            ExprKind::Ellipsis => Value::None,
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Long(digits, radix) => super::long::literal(digits, *radix),
            ExprKind::Float(f) => Value::Float(*f),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::Name(n) => self.load(env, n)?,
            ExprKind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(env, i)?);
                }
                Value::list(out)
            }
            ExprKind::Tuple(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(env, i)?);
                }
                Value::tuple(out)
            }
            ExprKind::Set(items) => {
                let mut d = Dict::new();
                for i in items {
                    let v = self.eval(env, i)?;
                    d.insert(
                        Key::new(v).map_err(|err| err.at(&env.file, i.span))?,
                        Value::None,
                    );
                }
                Value::Set(Rc::new(RefCell::new(d)))
            }
            ExprKind::Dict(items) => {
                let mut d = Dict::with_capacity(items.len());
                for (k, v) in items {
                    let kv = self.eval(env, k)?;
                    let vv = self.eval(env, v)?;
                    d.insert(Key::new(kv).map_err(|err| err.at(&env.file, k.span))?, vv);
                }
                Value::dict(d)
            }
            ExprKind::Comp(c) => crate::syntax::with_stack(|| self.comprehension(env, c))?,
            ExprKind::Attr(obj, name) => {
                let o = self.eval(env, obj)?;
                self.getattr(&o, name)?
            }
            ExprKind::Subscript(obj, sub) => {
                let o = self.eval(env, obj)?;
                let key = self.eval_subscript_key(env, sub)?;
                self.getitem(&o, &key)?
            }
            ExprKind::Call(call) => {
                return crate::syntax::with_stack(|| self.eval_call(env, call, e.span))
            }
            ExprKind::Unary(op, operand) => {
                let v = self.eval(env, operand)?;
                self.unary(*op, &v)?
            }
            ExprKind::Binary(op, l, r) => {
                let a = self.eval(env, l)?;
                let b = self.eval(env, r)?;
                self.binary(*op, &a, &b)?
            }
            ExprKind::Compare(first, rest) => {
                let mut left = self.eval(env, first)?;
                for (op, re) in rest {
                    let right = self.eval(env, re)?;
                    if !self.compare(*op, &left, &right)? {
                        return Ok(Value::Bool(false));
                    }
                    left = right;
                }
                Value::Bool(true)
            }
            ExprKind::And(a, b) => {
                let l = self.eval(env, a)?;
                if !l.truthy() {
                    l
                } else {
                    self.eval(env, b)?
                }
            }
            ExprKind::Or(a, b) => {
                let l = self.eval(env, a)?;
                if l.truthy() {
                    l
                } else {
                    self.eval(env, b)?
                }
            }
            ExprKind::Not(a) => Value::Bool(!self.eval(env, a)?.truthy()),
            ExprKind::IfElse { test, body, orelse } => {
                if self.eval(env, test)?.truthy() {
                    self.eval(env, body)?
                } else {
                    self.eval(env, orelse)?
                }
            }
            ExprKind::Lambda(def) => self.make_function(env, def)?,
            ExprKind::Yield(_) => {
                return Err(EvalError::new(
                    "SyntaxError",
                    "'yield' is not supported in configs",
                ))
            }
        })
    }

    pub(crate) fn load(&mut self, env: &Env, name: &Rc<str>) -> Result<Value, EvalError> {
        if let Some(l) = &env.locals {
            if let Some(v) = l.get(name) {
                return Ok(v);
            }
            if env.local_names.as_ref().is_some_and(|ln| ln.contains(name))
                && !env.global_names.as_ref().is_some_and(|g| g.contains(name))
            {
                return Err(EvalError::new(
                    "UnboundLocalError",
                    format!("local variable '{name}' referenced before assignment"),
                ));
            }
            for s in env.closure.iter() {
                if let Some(v) = s.get(name) {
                    return Ok(v);
                }
            }
        } else {
            for s in env.closure.iter() {
                if let Some(v) = s.get(name) {
                    return Ok(v);
                }
            }
        }
        if let Some(v) = env.module.vars.borrow().get(name) {
            return Ok(v.clone());
        }
        if let Some(v) = self.builtins.vars.borrow().get(name) {
            return Ok(v.clone());
        }
        Err(self.name_error(env, name))
    }

    fn name_error(&self, env: &Env, name: &str) -> EvalError {
        let mut err = EvalError::name_error(format!("name '{name}' is not defined"));
        let mut candidates: Vec<String> = Vec::new();
        if let Some(l) = &env.locals {
            candidates.extend(l.vars.borrow().keys().map(|k| k.to_string()));
        }
        for s in env.closure.iter() {
            candidates.extend(s.vars.borrow().keys().map(|k| k.to_string()));
        }
        candidates.extend(env.module.vars.borrow().keys().map(|k| k.to_string()));
        candidates.extend(self.builtins.vars.borrow().keys().map(|k| k.to_string()));
        if let Some(s) = super::suggest::closest(name, candidates.iter().map(|s| s.as_str())) {
            err = err.with_note(format!("did you mean '{s}'?"));
        }
        err
    }

    pub(crate) fn eval_subscript_key(
        &mut self,
        env: &Env,
        sub: &Subscript,
    ) -> Result<Value, EvalError> {
        match sub {
            Subscript::Index(e) => self.eval(env, e),
            Subscript::Slice(a, b, c) => {
                let mut bound = |x: &Option<Expr>| -> Result<Value, EvalError> {
                    match x {
                        Some(e) => self.eval(env, e),
                        None => Ok(Value::None),
                    }
                };
                let a = bound(a)?;
                let b = bound(b)?;
                let c = bound(c)?;
                Ok(super::ops::make_slice(a, b, c))
            }
            Subscript::Multi(items, _) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval_subscript_key(env, i)?);
                }
                Ok(Value::tuple(out))
            }
        }
    }

    fn eval_call(&mut self, env: &Env, call: &Call, span: Span) -> Result<Value, EvalError> {
        let f = self.eval(env, &call.func)?;
        if call.args.is_empty() {
            if let Some(ns) = self.namespace_snapshot(env, &f) {
                return Ok(ns);
            }
        }
        let mut args = Vec::with_capacity(call.args.len());
        let mut kwargs: Vec<(Rc<str>, Value)> = Vec::new();
        for a in &call.args {
            match a {
                Arg::Positional(e) => args.push(self.eval(env, e)?),
                Arg::Keyword(k, e, _) => {
                    let v = self.eval(env, e)?;
                    kwargs.push((k.clone(), v));
                }
                Arg::Star(e) => {
                    let v = self.eval(env, e)?;
                    let items = self.iterate(&v).map_err(|err| err.at(&env.file, e.span))?;
                    args.extend(items);
                }
                Arg::StarStar(e) => {
                    let v = self.eval(env, e)?;
                    match &v {
                        Value::Dict(d) => {
                            for (k, val) in d.borrow().iter() {
                                let Value::Str(ks) = &k.0 else {
                                    return Err(EvalError::type_error("keywords must be strings")
                                        .at(&env.file, e.span));
                                };
                                if kwargs.iter().any(|(n, _)| n == ks) {
                                    return Err(EvalError::type_error(format!(
                                        "got multiple values for keyword argument '{ks}'"
                                    ))
                                    .at(&env.file, e.span));
                                }
                                kwargs.push((ks.clone(), val.clone()));
                            }
                        }
                        other => {
                            return Err(EvalError::type_error(format!(
                                "argument after ** must be a mapping, not {}",
                                other.type_name()
                            ))
                            .at(&env.file, e.span))
                        }
                    }
                }
            }
        }
        self.call_sites.push((env.file.clone(), span));
        let result = self.call_value(&f, args, kwargs);
        self.call_sites.pop();
        result.map_err(|err| self.at_call_site(err, env, span, &call.args))
    }

    /// `globals()`, `locals()`, `vars()`: a dict copy of the caller's namespace (writes to
    /// it do not change variables, unlike CPython's `globals()`).
    fn namespace_snapshot(&self, env: &Env, f: &Value) -> Option<Value> {
        let Value::Native(n) = f else { return None };
        let builtin = self.builtins.get(&n.name)?;
        if !builtin.is(f) || !matches!(&*n.name, "globals" | "locals" | "vars") {
            return None;
        }
        let mut d = Dict::new();
        match (&*n.name, &env.locals) {
            ("locals" | "vars", Some(l)) => {
                let vars = l.vars.borrow();
                let mut names: Vec<&Rc<str>> = vars.keys().collect();
                names.sort();
                for k in names {
                    d.insert(Key(Value::Str(k.clone())), vars[k].clone());
                }
            }
            _ => {
                for (k, v) in env.module.vars.borrow().iter() {
                    d.insert(Key(Value::Str(k.clone())), v.clone());
                }
            }
        }
        Some(Value::dict(d))
    }

    /// Attaches a call site to an error coming out of a call: as its location when the
    /// callee is native (or the binder refused the arguments), else as a "called from" frame.
    pub(crate) fn at_call_site(
        &self,
        mut err: EvalError,
        env: &Env,
        span: Span,
        args: &[Arg],
    ) -> EvalError {
        if err.location().is_none() {
            let mut at = span;
            if let Some(kw) = err.data().keyword.clone() {
                for a in args {
                    if let Arg::Keyword(k, _, s) = a {
                        if *k == kw {
                            at = *s;
                        }
                    }
                }
            }
            return err.at(&env.file, at);
        }
        err.data_mut().trace.push(super::error::Location {
            file: env.file.clone(),
            span,
        });
        err
    }

    fn comprehension(&mut self, env: &Env, c: &Comprehension) -> Result<Value, EvalError> {
        // Python 2 list comprehensions bind in the enclosing scope; the others get their own.
        let inner_env;
        let env = if c.kind == CompKind::List {
            env
        } else {
            let mut closure = Vec::with_capacity(env.closure.len() + 1);
            if let Some(l) = &env.locals {
                if !env.class_body {
                    closure.push(l.clone());
                }
            }
            closure.extend(env.closure.iter().cloned());
            inner_env = Env {
                module: env.module.clone(),
                file: env.file.clone(),
                locals: Some(Rc::new(Scope::default())),
                local_names: None,
                global_names: None,
                closure: Rc::new(closure),
                class_body: false,
            };
            &inner_env
        };
        let mut items = Vec::new();
        let mut dict = Dict::new();
        self.comp_clauses(env, c, 0, &mut items, &mut dict)?;
        Ok(match c.kind {
            CompKind::List | CompKind::Generator => Value::list(items),
            CompKind::Set => Value::Set(Rc::new(RefCell::new(dict))),
            CompKind::Dict => Value::dict(dict),
        })
    }

    fn comp_clauses(
        &mut self,
        env: &Env,
        c: &Comprehension,
        i: usize,
        items: &mut Vec<Value>,
        dict: &mut Dict,
    ) -> Result<(), EvalError> {
        let Some(clause) = c.clauses.get(i) else {
            self.step()?;
            match c.kind {
                CompKind::List | CompKind::Generator => {
                    items.push(self.eval(env, &c.elt)?);
                    self.check_size(items.len())?;
                }
                CompKind::Set => {
                    let v = self.eval(env, &c.elt)?;
                    dict.insert(
                        Key::new(v).map_err(|e| e.at(&env.file, c.elt.span))?,
                        Value::None,
                    );
                    self.check_size(dict.len())?;
                }
                CompKind::Dict => {
                    let k = self.eval(env, &c.elt)?;
                    let v = match &c.value {
                        Some(ve) => self.eval(env, ve)?,
                        None => Value::None,
                    };
                    dict.insert(Key::new(k).map_err(|e| e.at(&env.file, c.elt.span))?, v);
                    self.check_size(dict.len())?;
                }
            }
            return Ok(());
        };
        match clause {
            CompClause::For(target, iter) => {
                let it = self.eval(env, iter)?;
                let seq = self.iterate(&it).map_err(|e| e.at(&env.file, iter.span))?;
                for item in seq {
                    self.assign(env, target, item)?;
                    self.comp_clauses(env, c, i + 1, items, dict)?;
                }
            }
            CompClause::If(test) => {
                if self.eval(env, test)?.truthy() {
                    self.comp_clauses(env, c, i + 1, items, dict)?;
                }
            }
        }
        Ok(())
    }
}
