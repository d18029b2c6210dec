//! Statement execution.

use super::class::{Class, Instance};
use super::function::{Function, ParamSpec, Signature};
use super::interp::Env;
use super::scope::Scope;
use super::value::Value;
use super::{EvalError, Interp};
use crate::syntax::ast::*;
use indexmap::IndexMap;
use std::cell::RefCell;
use std::rc::Rc;

pub(crate) enum Flow {
    Normal,
    Break,
    Continue,
    Return(Value),
}

impl Interp {
    pub(crate) fn exec_body(&mut self, env: &Env, body: &[Stmt]) -> Result<Flow, EvalError> {
        for s in body {
            match self.exec_stmt(env, s) {
                Ok(Flow::Normal) => {}
                Ok(flow) => return Ok(flow),
                Err(e) => return Err(e.at(&env.file, s.span)),
            }
        }
        Ok(Flow::Normal)
    }

    fn exec_stmt(&mut self, env: &Env, s: &Stmt) -> Result<Flow, EvalError> {
        self.step()?;
        match &s.kind {
            StmtKind::Expr(e) => {
                self.eval(env, e)?;
            }
            StmtKind::Assign { targets, value } => {
                let v = self.eval(env, value)?;
                for t in targets {
                    self.assign(env, t, v.clone())?;
                }
            }
            StmtKind::AugAssign { target, op, value } => {
                self.aug_assign(env, target, *op, value)?
            }
            StmtKind::Print {
                dest,
                values,
                newline,
            } => {
                if let Some(d) = dest {
                    self.eval(env, d)?;
                }
                let mut parts = Vec::with_capacity(values.len());
                for v in values {
                    let v = self.eval(env, v)?;
                    parts.push(self.to_str(&v)?);
                }
                let mut line = parts.join(" ");
                if *newline {
                    line.push('\n');
                } else {
                    line.push(' ');
                }
                self.write_output(&line);
            }
            StmtKind::Del(targets) => {
                for t in targets {
                    self.delete(env, t)?;
                }
            }
            StmtKind::Pass | StmtKind::Global(_) => {}
            StmtKind::Break => return Ok(Flow::Break),
            StmtKind::Continue => return Ok(Flow::Continue),
            StmtKind::Return(v) => {
                let v = match v {
                    Some(e) => self.eval(env, e)?,
                    None => Value::None,
                };
                return Ok(Flow::Return(v));
            }
            StmtKind::Raise { exc, msg } => {
                return Err(self.raise(env, exc.as_ref(), msg.as_ref())?)
            }
            StmtKind::Assert { test, msg } => {
                if !self.eval(env, test)?.truthy() {
                    let m = match msg {
                        Some(m) => {
                            let v = self.eval(env, m)?;
                            self.to_str(&v)?
                        }
                        None => String::new(),
                    };
                    return Err(EvalError::new("AssertionError", m).at(&env.file, test.span));
                }
            }
            StmtKind::Import(names) => {
                for n in names {
                    let m = self
                        .import(&n.module)
                        .map_err(|e| e.at(&env.file, n.span))?;
                    match &n.alias {
                        Some(a) => self.store(env, a, Value::Module(m)),
                        None => {
                            let head = n.module.split('.').next().unwrap_or("");
                            let top = self.import(head).map_err(|e| e.at(&env.file, n.span))?;
                            self.store(env, &Rc::from(head), Value::Module(top));
                        }
                    }
                }
            }
            StmtKind::ImportFrom { module, names } => self.import_from(env, module, names, s)?,
            StmtKind::If { branches, orelse } => {
                for (test, body) in branches {
                    if self.eval(env, test)?.truthy() {
                        return self.exec_body(env, body);
                    }
                }
                return self.exec_body(env, orelse);
            }
            StmtKind::While { test, body, orelse } => loop {
                if !self.eval(env, test)?.truthy() {
                    return self.exec_body(env, orelse);
                }
                self.step()?;
                match self.exec_body(env, body)? {
                    Flow::Break => break,
                    Flow::Return(v) => return Ok(Flow::Return(v)),
                    _ => {}
                }
            },
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                let it = self.eval(env, iter)?;
                if let Value::Range(start, stop, stepv) = it {
                    let n = super::value::range_len(start, stop, stepv);
                    for i in 0..n {
                        self.step()?;
                        self.assign(env, target, Value::Int(start + i * stepv))?;
                        match self.exec_body(env, body)? {
                            Flow::Break => return Ok(Flow::Normal),
                            Flow::Return(v) => return Ok(Flow::Return(v)),
                            _ => {}
                        }
                    }
                    return self.exec_body(env, orelse);
                }
                let items = self.iterate(&it).map_err(|e| e.at(&env.file, iter.span))?;
                for item in items {
                    self.step()?;
                    self.assign(env, target, item)?;
                    match self.exec_body(env, body)? {
                        Flow::Break => return Ok(Flow::Normal),
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                        _ => {}
                    }
                }
                return self.exec_body(env, orelse);
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finally,
            } => return self.exec_try(env, body, handlers, orelse, finally),
            StmtKind::With { items, body } => return self.exec_with(env, items, body),
            StmtKind::FunctionDef(def) => {
                let f = self.make_function(env, def)?;
                let f = self.decorate(env, &def.decorators, f)?;
                self.store(env, &def.name, f);
            }
            StmtKind::ClassDef(def) => {
                let c = self.make_class(env, def)?;
                let c = self.decorate(env, &def.decorators, c)?;
                self.store(env, &def.name, c);
            }
        }
        Ok(Flow::Normal)
    }

    fn decorate(
        &mut self,
        env: &Env,
        decorators: &[Expr],
        mut v: Value,
    ) -> Result<Value, EvalError> {
        for d in decorators.iter().rev() {
            let f = self.eval(env, d)?;
            v = self
                .call_value(&f, vec![v], Vec::new())
                .map_err(|e| self.at_call_site(e, env, d.span, &[]))?;
        }
        Ok(v)
    }

    pub(crate) fn make_function(
        &mut self,
        env: &Env,
        def: &Rc<FunctionDef>,
    ) -> Result<Value, EvalError> {
        let mut sig = Signature {
            params: Vec::with_capacity(def.params.params.len()),
            varargs: def.params.varargs.clone(),
            kwargs: def.params.kwargs.clone(),
        };
        for p in &def.params.params {
            let default = match &p.default {
                Some(e) => Some(self.eval(env, e)?),
                None => None,
            };
            sig.params.push(ParamSpec {
                name: p.name.clone(),
                default,
            });
        }
        let closure = if env.class_body {
            env.closure.clone()
        } else if let Some(l) = &env.locals {
            let mut c = Vec::with_capacity(env.closure.len() + 1);
            c.push(l.clone());
            c.extend(env.closure.iter().cloned());
            Rc::new(c)
        } else {
            env.closure.clone()
        };
        Ok(Value::Function(Rc::new(Function {
            def: def.clone(),
            sig: Rc::new(sig),
            module: env.module.clone(),
            file: env.file.clone(),
            closure,
        })))
    }

    fn make_class(&mut self, env: &Env, def: &ClassDef) -> Result<Value, EvalError> {
        let mut bases = Vec::new();
        for b in &def.bases {
            match &self.eval(env, b)? {
                Value::Class(c) => bases.push(c.clone()),
                Value::Type(_) | Value::HostType(_) => {}
                other => {
                    return Err(EvalError::type_error(format!(
                        "a class can only derive from classes, not {}",
                        other.type_name()
                    ))
                    .at(&env.file, b.span))
                }
            }
        }
        let ns = Rc::new(Scope::default());
        let class_env = Env {
            module: env.module.clone(),
            file: env.file.clone(),
            locals: Some(ns.clone()),
            local_names: None,
            global_names: None,
            closure: if let Some(l) = &env.locals {
                if env.class_body {
                    env.closure.clone()
                } else {
                    let mut c = vec![l.clone()];
                    c.extend(env.closure.iter().cloned());
                    Rc::new(c)
                }
            } else {
                env.closure.clone()
            },
            class_body: true,
        };
        self.exec_body(&class_env, &def.body)?;
        let mut attrs: IndexMap<Rc<str>, Value> = ns
            .vars
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        attrs.insert(Rc::from("__name__"), Value::Str(def.name.clone()));
        attrs.sort_keys();
        Ok(Value::Class(Rc::new(Class {
            name: def.name.clone(),
            bases,
            attrs: RefCell::new(attrs),
            is_exception: false,
        })))
    }

    fn exec_try(
        &mut self,
        env: &Env,
        body: &[Stmt],
        handlers: &[ExceptHandler],
        orelse: &[Stmt],
        finally: &[Stmt],
    ) -> Result<Flow, EvalError> {
        let result = match self.exec_body(env, body) {
            Ok(Flow::Normal) => self.exec_body(env, orelse),
            Ok(flow) => Ok(flow),
            Err(e) if e.is_fatal() || handlers.is_empty() => Err(e),
            Err(e) => self.handle(env, e, handlers),
        };
        if finally.is_empty() {
            return result;
        }
        match self.exec_body(env, finally)? {
            Flow::Normal => result,
            flow => Ok(flow),
        }
    }

    fn handle(
        &mut self,
        env: &Env,
        e: EvalError,
        handlers: &[ExceptHandler],
    ) -> Result<Flow, EvalError> {
        let exc = self.exception_value(&e);
        for h in handlers {
            let matches = match &h.kind {
                None => true,
                Some(k) => {
                    let kv = self.eval(env, k)?;
                    self.exception_matches(&exc, &kv)
                }
            };
            if matches {
                if let Some(t) = &h.name {
                    self.assign(env, t, exc.clone())?;
                }
                let e = e.with_value(exc);
                self.handling.push(e);
                let r = self.exec_body(env, &h.body);
                self.handling.pop();
                return r;
            }
        }
        Err(e)
    }

    fn exec_with(
        &mut self,
        env: &Env,
        items: &[(Expr, Option<Target>)],
        body: &[Stmt],
    ) -> Result<Flow, EvalError> {
        let Some(((ctx_expr, target), rest)) = items.split_first() else {
            return self.exec_body(env, body);
        };
        let ctx = self.eval(env, ctx_expr)?;
        let entered = self
            .context_enter(&ctx)
            .map_err(|e| e.at(&env.file, ctx_expr.span))?;
        if let Some(t) = target {
            self.assign(env, t, entered)?;
        }
        let r = if rest.is_empty() {
            self.exec_body(env, body)
        } else {
            self.exec_with(env, rest, body)
        };
        let failed = r.is_err();
        let exit = self
            .context_exit(&ctx, failed)
            .map_err(|e| e.at(&env.file, ctx_expr.span));
        match (r, exit) {
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(e),
            (Ok(flow), Ok(())) => Ok(flow),
        }
    }

    fn context_enter(&mut self, ctx: &Value) -> Result<Value, EvalError> {
        match ctx {
            Value::Host(h) => h.clone().enter(self, ctx),
            Value::File(_) => Ok(ctx.clone()),
            Value::Instance(i) => match i.class.lookup("__enter__") {
                Some(m) => self.call_value(&m, vec![ctx.clone()], Vec::new()),
                None => Err(EvalError::attribute_error(format!(
                    "'{}' object has no attribute '__enter__'",
                    i.class.name
                ))),
            },
            other => Err(EvalError::attribute_error(format!(
                "'{}' object has no attribute '__enter__' (it cannot be used in a with statement)",
                other.type_name()
            ))),
        }
    }

    fn context_exit(&mut self, ctx: &Value, failed: bool) -> Result<(), EvalError> {
        match ctx {
            Value::Host(h) => h.clone().exit(self, ctx, failed),
            Value::File(f) => {
                f.borrow_mut().closed = true;
                Ok(())
            }
            Value::Instance(i) => {
                if let Some(m) = i.class.lookup("__exit__") {
                    self.call_value(
                        &m,
                        vec![ctx.clone(), Value::None, Value::None, Value::None],
                        Vec::new(),
                    )?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn raise(
        &mut self,
        env: &Env,
        exc: Option<&Expr>,
        msg: Option<&Expr>,
    ) -> Result<EvalError, EvalError> {
        let Some(exc) = exc else {
            return match self.handling.last() {
                Some(e) => {
                    let mut copy = EvalError::new(e.kind(), e.message());
                    let d = e.data();
                    let cd = copy.data_mut();
                    cd.location = d.location.clone();
                    cd.trace = d.trace.clone();
                    cd.notes = d.notes.clone();
                    cd.value = d.value.clone();
                    Ok(copy)
                }
                None => Ok(EvalError::type_error(
                    "exceptions must be old-style classes or derived from BaseException, not NoneType",
                )),
            };
        };
        let v = self.eval(env, exc)?;
        let args = match msg {
            Some(m) => vec![self.eval(env, m)?],
            None => Vec::new(),
        };
        let inst = match &v {
            Value::Class(c) if c.is_exception() => self.call_value(&v, args, Vec::new())?,
            Value::Instance(i) if i.class.is_exception() => v.clone(),
            other => {
                return Ok(EvalError::type_error(format!(
                    "exceptions must be old-style classes or derived from BaseException, not {}",
                    other.type_name()
                ))
                .at(&env.file, exc.span))
            }
        };
        let Value::Instance(i) = &inst else {
            return Ok(EvalError::type_error("exception construction failed"));
        };
        let message = super::exceptions::exception_str(i);
        Ok(EvalError::new(&i.class.name, message)
            .with_value(inst.clone())
            .at(&env.file, exc.span))
    }

    fn import_from(
        &mut self,
        env: &Env,
        module: &str,
        names: &ImportNames,
        s: &Stmt,
    ) -> Result<(), EvalError> {
        let m = self.import(module).map_err(|e| e.at(&env.file, s.span))?;
        match names {
            ImportNames::Star => {
                for name in m.public_names() {
                    match m.get(&name) {
                        Some(v) => self.store(env, &name, v),
                        None => {
                            return Err(EvalError::attribute_error(format!(
                                "'module' object has no attribute '{name}' (listed in {module}.__all__)"
                            ))
                            .at(&env.file, s.span))
                        }
                    }
                }
            }
            ImportNames::Names(list) => {
                for (name, alias, span) in list {
                    let v = match m.get(name) {
                        Some(Value::Module(ref sub)) => {
                            self.import(&sub.name.clone())
                                .map_err(|e| e.at(&env.file, *span))?;
                            Value::Module(sub.clone())
                        }
                        Some(v) => v,
                        None => match self
                            .modules
                            .get(format!("{module}.{name}").as_str())
                            .cloned()
                        {
                            Some(sub) => {
                                self.import(&sub.name.clone())?;
                                Value::Module(sub)
                            }
                            None => {
                                let mut err =
                                    EvalError::import_error(format!("cannot import name {name}"));
                                let known = m.public_names();
                                if let Some(sug) =
                                    super::suggest::closest(name, known.iter().map(|k| &**k))
                                {
                                    err = err.with_note(format!("did you mean '{sug}'?"));
                                }
                                return Err(err.at(&env.file, *span));
                            }
                        },
                    };
                    self.store(env, alias.as_ref().unwrap_or(name), v);
                }
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------ names and targets

    pub(crate) fn store(&mut self, env: &Env, name: &Rc<str>, v: Value) {
        match &env.locals {
            Some(l) if !env.global_names.as_ref().is_some_and(|g| g.contains(name)) => {
                l.set(name.clone(), v)
            }
            _ => {
                env.module.vars.borrow_mut().insert(name.clone(), v);
            }
        }
    }

    pub(crate) fn assign(&mut self, env: &Env, t: &Target, v: Value) -> Result<(), EvalError> {
        match &t.kind {
            TargetKind::Name(n) => {
                self.store(env, n, v);
                Ok(())
            }
            TargetKind::Attr(obj, name) => {
                let o = self.eval(env, obj)?;
                self.setattr(&o, name, v)
                    .map_err(|e| e.at(&env.file, t.span))
            }
            TargetKind::Subscript(obj, sub) => {
                let o = self.eval(env, obj)?;
                let key = self.eval_subscript_key(env, sub)?;
                self.setitem(&o, key, v)
                    .map_err(|e| e.at(&env.file, t.span))
            }
            TargetKind::Tuple(targets) => {
                let items = self.iterate(&v).map_err(|e| e.at(&env.file, t.span))?;
                if items.len() != targets.len() {
                    let msg = if items.len() > targets.len() {
                        "too many values to unpack".to_string()
                    } else {
                        format!(
                            "need more than {} value{} to unpack",
                            items.len(),
                            if items.len() == 1 { "" } else { "s" }
                        )
                    };
                    return Err(EvalError::value_error(format!(
                        "{msg} (expected {}, got {})",
                        targets.len(),
                        items.len()
                    ))
                    .at(&env.file, t.span));
                }
                for (t, item) in targets.iter().zip(items) {
                    self.assign(env, t, item)?;
                }
                Ok(())
            }
        }
    }

    fn delete(&mut self, env: &Env, t: &Target) -> Result<(), EvalError> {
        match &t.kind {
            TargetKind::Name(n) => {
                let removed = match &env.locals {
                    Some(l) if !env.global_names.as_ref().is_some_and(|g| g.contains(n)) => {
                        l.vars.borrow_mut().remove(n).is_some()
                    }
                    _ => env.module.vars.borrow_mut().shift_remove(n).is_some(),
                };
                if removed {
                    Ok(())
                } else {
                    Err(EvalError::name_error(format!("name '{n}' is not defined"))
                        .at(&env.file, t.span))
                }
            }
            TargetKind::Attr(obj, name) => {
                let o = self.eval(env, obj)?;
                let ok = match &o {
                    Value::Instance(i) => i.attrs.borrow_mut().shift_remove(name).is_some(),
                    Value::Class(c) => c.attrs.borrow_mut().shift_remove(name).is_some(),
                    Value::Module(m) => m.vars.borrow_mut().shift_remove(name).is_some(),
                    _ => false,
                };
                if ok {
                    Ok(())
                } else {
                    Err(EvalError::attribute_error(format!(
                        "'{}' object has no attribute '{name}'",
                        o.type_name()
                    ))
                    .at(&env.file, t.span))
                }
            }
            TargetKind::Subscript(obj, sub) => {
                let o = self.eval(env, obj)?;
                let key = self.eval_subscript_key(env, sub)?;
                self.delitem(&o, key).map_err(|e| e.at(&env.file, t.span))
            }
            TargetKind::Tuple(ts) => {
                for t in ts {
                    self.delete(env, t)?;
                }
                Ok(())
            }
        }
    }

    fn aug_assign(
        &mut self,
        env: &Env,
        target: &Target,
        op: BinOp,
        value: &Expr,
    ) -> Result<(), EvalError> {
        match &target.kind {
            TargetKind::Name(n) => {
                let cur = self
                    .load(env, n)
                    .map_err(|e| e.at(&env.file, target.span))?;
                let rhs = self.eval(env, value)?;
                let v = self
                    .inplace_op(op, &cur, &rhs)
                    .map_err(|e| e.at(&env.file, target.span.to(value.span)))?;
                self.store(env, n, v);
            }
            TargetKind::Attr(obj, name) => {
                let o = self.eval(env, obj)?;
                let cur = self
                    .getattr(&o, name)
                    .map_err(|e| e.at(&env.file, target.span))?;
                let rhs = self.eval(env, value)?;
                let v = self
                    .inplace_op(op, &cur, &rhs)
                    .map_err(|e| e.at(&env.file, target.span.to(value.span)))?;
                self.setattr(&o, name, v)
                    .map_err(|e| e.at(&env.file, target.span))?;
            }
            TargetKind::Subscript(obj, sub) => {
                let o = self.eval(env, obj)?;
                let key = self.eval_subscript_key(env, sub)?;
                let cur = self
                    .getitem(&o, &key)
                    .map_err(|e| e.at(&env.file, target.span))?;
                let rhs = self.eval(env, value)?;
                let v = self
                    .inplace_op(op, &cur, &rhs)
                    .map_err(|e| e.at(&env.file, target.span.to(value.span)))?;
                self.setitem(&o, key, v)
                    .map_err(|e| e.at(&env.file, target.span))?;
            }
            TargetKind::Tuple(_) => {
                return Err(EvalError::new(
                    "SyntaxError",
                    "illegal expression for augmented assignment",
                )
                .at(&env.file, target.span))
            }
        }
        Ok(())
    }

    /// Instantiates a DSL class: a new instance, then `__init__` if the class has one.
    pub(crate) fn instantiate(
        &mut self,
        c: &Rc<Class>,
        args: Vec<Value>,
        kwargs: Vec<(Rc<str>, Value)>,
    ) -> Result<Value, EvalError> {
        let inst = Value::Instance(Rc::new(Instance::new(c.clone())));
        match c.lookup("__init__") {
            Some(init) => {
                let mut all = Vec::with_capacity(args.len() + 1);
                all.push(inst.clone());
                all.extend(args);
                self.call_value(&init, all, kwargs)?;
            }
            None if c.is_exception() => {
                if let Value::Instance(i) = &inst {
                    super::exceptions::init_exception(i, args);
                }
            }
            None => {
                if !args.is_empty() || !kwargs.is_empty() {
                    return Err(EvalError::type_error(format!(
                        "{}() takes no arguments",
                        c.name
                    )));
                }
            }
        }
        Ok(inst)
    }
}
