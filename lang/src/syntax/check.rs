//! Static checks CPython makes at compile time: `return` outside a function, `break` and
//! `continue` outside a loop.

use super::ast::*;
use super::error::SyntaxError;

pub fn check_module(body: &[Stmt]) -> Result<(), SyntaxError> {
    check_body(body, false, false)
}

fn check_body(body: &[Stmt], in_func: bool, in_loop: bool) -> Result<(), SyntaxError> {
    for s in body {
        check_stmt(s, in_func, in_loop)?;
    }
    Ok(())
}

fn check_stmt(s: &Stmt, in_func: bool, in_loop: bool) -> Result<(), SyntaxError> {
    match &s.kind {
        StmtKind::Return(_) if !in_func => {
            Err(SyntaxError::syntax("'return' outside function", s.span))
        }
        StmtKind::Break if !in_loop => Err(SyntaxError::syntax("'break' outside loop", s.span)),
        StmtKind::Continue if !in_loop => Err(SyntaxError::syntax(
            "'continue' not properly in loop",
            s.span,
        )),
        StmtKind::If { branches, orelse } => {
            for (_, b) in branches {
                check_body(b, in_func, in_loop)?;
            }
            check_body(orelse, in_func, in_loop)
        }
        StmtKind::While { body, orelse, .. } | StmtKind::For { body, orelse, .. } => {
            check_body(body, in_func, true)?;
            check_body(orelse, in_func, in_loop)
        }
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finally,
        } => {
            check_body(body, in_func, in_loop)?;
            for h in handlers {
                check_body(&h.body, in_func, in_loop)?;
            }
            check_body(orelse, in_func, in_loop)?;
            check_body(finally, in_func, in_loop)
        }
        StmtKind::With { body, .. } => check_body(body, in_func, in_loop),
        StmtKind::FunctionDef(f) => check_body(&f.body, true, false),
        StmtKind::ClassDef(c) => check_body(&c.body, false, false),
        _ => Ok(()),
    }
}
