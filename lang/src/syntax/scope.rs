//! Python's static scoping rule: a name assigned anywhere in a function body is local to it
//! (unless declared `global`). Computed once at parse time for every `def` and `lambda`.

use super::ast::*;
use std::collections::HashSet;
use std::rc::Rc;

pub fn collect_scope(params: &Params, body: &[Stmt]) -> (Vec<Rc<str>>, Vec<Rc<str>>) {
    let mut c = Collector::default();
    for p in &params.params {
        c.add(&p.name);
    }
    if let Some(v) = &params.varargs {
        c.add(v);
    }
    if let Some(k) = &params.kwargs {
        c.add(k);
    }
    for s in body {
        c.stmt(s);
    }
    let globals: HashSet<Rc<str>> = c.globals.iter().cloned().collect();
    let locals = c
        .order
        .into_iter()
        .filter(|n| !globals.contains(n))
        .collect();
    (locals, c.globals)
}

#[derive(Default)]
struct Collector {
    seen: HashSet<Rc<str>>,
    order: Vec<Rc<str>>,
    globals: Vec<Rc<str>>,
}

impl Collector {
    fn add(&mut self, n: &Rc<str>) {
        if self.seen.insert(n.clone()) {
            self.order.push(n.clone());
        }
    }

    fn target(&mut self, t: &Target) {
        match &t.kind {
            TargetKind::Name(n) => self.add(n),
            TargetKind::Tuple(items) => items.iter().for_each(|t| self.target(t)),
            TargetKind::Attr(obj, _) => self.expr(obj),
            TargetKind::Subscript(obj, _) => self.expr(obj),
        }
    }

    fn body(&mut self, b: &[Stmt]) {
        for s in b {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Assign { targets, value } => {
                targets.iter().for_each(|t| self.target(t));
                self.expr(value);
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.target(target);
                self.expr(value);
            }
            StmtKind::Del(ts) => ts.iter().for_each(|t| self.target(t)),
            StmtKind::Global(names) => self.globals.extend(names.iter().cloned()),
            StmtKind::Import(names) => {
                for n in names {
                    match &n.alias {
                        Some(a) => self.add(a),
                        None => {
                            let head: Rc<str> = Rc::from(n.module.split('.').next().unwrap_or(""));
                            self.add(&head);
                        }
                    }
                }
            }
            StmtKind::ImportFrom {
                names: ImportNames::Names(list),
                ..
            } => {
                for (name, alias, _) in list {
                    self.add(alias.as_ref().unwrap_or(name));
                }
            }
            StmtKind::If { branches, orelse } => {
                for (t, b) in branches {
                    self.expr(t);
                    self.body(b);
                }
                self.body(orelse);
            }
            StmtKind::While { body, orelse, .. } => {
                self.body(body);
                self.body(orelse);
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                self.target(target);
                self.expr(iter);
                self.body(body);
                self.body(orelse);
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finally,
            } => {
                self.body(body);
                for h in handlers {
                    if let Some(n) = &h.name {
                        self.target(n);
                    }
                    self.body(&h.body);
                }
                self.body(orelse);
                self.body(finally);
            }
            StmtKind::With { items, body } => {
                for (_, t) in items {
                    if let Some(t) = t {
                        self.target(t);
                    }
                }
                self.body(body);
            }
            StmtKind::FunctionDef(f) => self.add(&f.name),
            StmtKind::ClassDef(c) => self.add(&c.name),
            _ => {}
        }
    }

    /// Python 2 list comprehensions bind their loop variables in the enclosing scope.
    fn expr(&mut self, e: &Expr) {
        if let ExprKind::Comp(c) = &e.kind {
            if c.kind == CompKind::List {
                for clause in &c.clauses {
                    if let CompClause::For(t, _) = clause {
                        self.target(t);
                    }
                }
            }
        }
    }
}
