//! pest pairs → AST. The grammar has already accepted the text, so the shapes walked here
//! are known; anything unexpected is reported as a syntax error rather than a panic.

use super::ast::*;
use super::error::{SyntaxError, SyntaxKind};
use super::indent::check_indentation;
use super::prepass::prepass;
use super::scope::collect_scope;
use super::span::Span;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;
use std::collections::HashSet;
use std::rc::Rc;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/config.pest"]
struct ConfigParser;

type PResult<T> = Result<T, SyntaxError>;

/// Parses a whole file: pre-pass, indentation check, grammar, AST.
pub fn parse_module(src: &str) -> PResult<Module> {
    // pest and the tree builder recurse per nesting level; a fresh stack segment makes the
    // nesting a config may use independent of the calling thread's stack size.
    stacker::maybe_grow(PARSE_RED_ZONE, PARSE_STACK, || parse_module_on_stack(src))
}

const PARSE_STACK: usize = 32 * 1024 * 1024;
const PARSE_RED_ZONE: usize = 4 * 1024 * 1024;

fn parse_module_on_stack(src: &str) -> PResult<Module> {
    let pre = prepass(src)?;
    check_indentation(&pre.text, &pre.line_starts)?;
    let mut pairs =
        ConfigParser::parse(Rule::file, &pre.text).map_err(|e| convert_error(&e, &pre.text))?;
    let file = pairs
        .next()
        .ok_or_else(|| SyntaxError::syntax("empty parse", Span::default()))?;
    let mut body = Vec::new();
    for p in file.into_inner() {
        if p.as_rule() == Rule::stmt {
            stmt(p, &mut body)?;
        }
    }
    super::check::check_module(&body)?;
    Ok(Module { body })
}

/// Parses a parameter list as written after `def f(` (used for native signatures).
pub fn parse_params(spec: &str) -> PResult<Params> {
    let src = format!("def f({spec}): pass\n");
    // Specs are short: no need for a fresh stack segment.
    let module = parse_module_on_stack(&src)?;
    match module.body.into_iter().next().map(|s| s.kind) {
        Some(StmtKind::FunctionDef(def)) => Ok((*def.params).clone()),
        _ => Err(SyntaxError::syntax(
            "invalid parameter list",
            Span::default(),
        )),
    }
}

fn convert_error(e: &pest::error::Error<Rule>, text: &str) -> SyntaxError {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    if let ErrorVariant::CustomError { message } = &e.variant {
        if message.contains("limit") {
            return SyntaxError::syntax("expression too deeply nested", Span::new(pos, pos + 1));
        }
    }
    let pos = pos.min(text.len());
    // Point at the whole offending token when there is one.
    let rest = &text[pos..];
    let tok_len = rest
        .char_indices()
        .find(|&(i, c)| i > 0 && !(c.is_alphanumeric() || c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    let first_is_word = rest
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    let len = if first_is_word {
        tok_len
    } else {
        rest.chars().next().map(|c| c.len_utf8()).unwrap_or(0)
    };
    let span = Span::new(pos, pos + len.max(1));
    if let Some(msg) = missing_colon(text, pos) {
        return SyntaxError::syntax(msg, span);
    }
    if let Some(msg) = likely_slip(text, pos, first_is_word) {
        return SyntaxError::syntax(msg, span);
    }
    SyntaxError::syntax("invalid syntax", span)
}

/// Hints for two frequent slips: `=` for `==` in a condition, and a missing comma between
/// arguments or items (`f(a=1 b=2)`).
fn likely_slip(text: &str, pos: usize, at_word: bool) -> Option<&'static str> {
    let line_start = text[..pos].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let head = text[line_start..pos].trim_start();
    let rest = &text[pos..];
    if rest.starts_with('=') && !rest.starts_with("==") {
        let cond = ["if ", "elif ", "while ", "assert "];
        if cond.iter().any(|k| head.starts_with(k)) {
            return Some("invalid syntax: maybe you meant '==' instead of '='?");
        }
    }
    let before = text[line_start..pos].trim_end();
    let prev = before.chars().last()?;
    let open = before.matches(['(', '[', '{']).count() > before.matches([')', ']', '}']).count();
    let ends_value = prev.is_alphanumeric() || matches!(prev, '_' | ')' | ']' | '}' | '\'' | '"');
    let starts_value = at_word || rest.starts_with(['\'', '"', '(', '[', '{']);
    (open && ends_value && starts_value && before.len() < pos - line_start)
        .then_some("invalid syntax: perhaps you forgot a comma?")
}

/// A compound statement header without its ':' is the most common slip; name it.
fn missing_colon(text: &str, pos: usize) -> Option<&'static str> {
    let line_start = text[..pos].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[pos..]
        .find('\n')
        .map(|i| pos + i)
        .unwrap_or(text.len());
    let line = text[line_start..line_end].trim();
    let head = line
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()?;
    let compound = [
        "if", "elif", "else", "for", "while", "def", "class", "try", "except", "finally", "with",
    ];
    let at_end = text[pos..line_end].trim().is_empty();
    (compound.contains(&head) && !line.ends_with(':') && at_end).then_some("expected ':'")
}

fn span_of(p: &Pair<Rule>) -> Span {
    Span::new(p.as_span().start(), p.as_span().end())
}

fn unexpected(p: &Pair<Rule>) -> SyntaxError {
    SyntaxError::syntax(
        format!("unsupported syntax ({:?})", p.as_rule()),
        span_of(p),
    )
}

fn next_pair<'a>(
    it: &mut impl Iterator<Item = Pair<'a, Rule>>,
    parent: Span,
) -> PResult<Pair<'a, Rule>> {
    it.next()
        .ok_or_else(|| SyntaxError::syntax("invalid syntax", parent))
}

// ------------------------------------------------------------------ statements

fn stmt(p: Pair<Rule>, out: &mut Vec<Stmt>) -> PResult<()> {
    let sp = span_of(&p);
    let inner = next_pair(&mut p.into_inner(), sp)?;
    match inner.as_rule() {
        Rule::simple_stmts => {
            for s in inner.into_inner() {
                out.push(simple_stmt(s)?);
            }
            Ok(())
        }
        _ => {
            out.push(compound_stmt(inner)?);
            Ok(())
        }
    }
}

fn suite(p: Pair<Rule>) -> PResult<Vec<Stmt>> {
    let sp = span_of(&p);
    let inner = next_pair(&mut p.into_inner(), sp)?;
    let mut out = Vec::new();
    match inner.as_rule() {
        Rule::simple_stmts => {
            for s in inner.into_inner() {
                out.push(simple_stmt(s)?);
            }
        }
        Rule::block => {
            for s in inner.into_inner() {
                if s.as_rule() == Rule::stmt {
                    stmt(s, &mut out)?;
                }
            }
        }
        _ => return Err(unexpected(&inner)),
    }
    Ok(out)
}

fn simple_stmt(p: Pair<Rule>) -> PResult<Stmt> {
    let span = span_of(&p);
    let rule = p.as_rule();
    let mut it = p.into_inner();
    let kind = match rule {
        Rule::expr_stmt => return expr_stmt(it, span),
        Rule::pass_stmt => StmtKind::Pass,
        Rule::break_stmt => StmtKind::Break,
        Rule::continue_stmt => StmtKind::Continue,
        Rule::print_stmt => {
            let mut dest = None;
            let mut values = Vec::new();
            let mut newline = true;
            for q in it.skip(1) {
                match q.as_rule() {
                    Rule::print_dest => {
                        let qs = span_of(&q);
                        dest = Some(test(next_pair(&mut q.into_inner(), qs)?)?);
                    }
                    Rule::trailing_comma => newline = false,
                    _ => values.push(test(q)?),
                }
            }
            StmtKind::Print {
                dest,
                values,
                newline,
            }
        }
        Rule::del_stmt => {
            it.next();
            let list = next_pair(&mut it, span)?;
            let mut e = exprlist(list)?;
            let targets = match &mut e.kind {
                ExprKind::Tuple(items) => std::mem::take(items)
                    .into_iter()
                    .map(to_target)
                    .collect::<PResult<Vec<_>>>()?,
                _ => vec![to_target(e)?],
            };
            StmtKind::Del(targets)
        }
        Rule::return_stmt => {
            it.next();
            StmtKind::Return(it.next().map(testlist).transpose()?)
        }
        Rule::raise_stmt => {
            it.next();
            let exc = it.next().map(test).transpose()?;
            let msg = it.next().map(test).transpose()?;
            StmtKind::Raise { exc, msg }
        }
        Rule::global_stmt => StmtKind::Global(it.skip(1).map(|q| Rc::from(q.as_str())).collect()),
        Rule::assert_stmt => {
            it.next();
            let t = test(next_pair(&mut it, span)?)?;
            let msg = it.next().map(test).transpose()?;
            StmtKind::Assert { test: t, msg }
        }
        Rule::yield_stmt => {
            return Err(SyntaxError::syntax(
                "'yield' is not supported in configs (data providers are written in Rust)",
                span,
            ))
        }
        Rule::import_name => {
            let mut names = Vec::new();
            for q in it.skip(1) {
                let qs = span_of(&q);
                let mut qi = q.into_inner();
                let module = dotted(next_pair(&mut qi, qs)?);
                let alias = qi.nth(1).map(|a| Rc::from(a.as_str()));
                names.push(ImportName {
                    module,
                    alias,
                    span: qs,
                });
            }
            StmtKind::Import(names)
        }
        Rule::import_from => {
            let mut module: Rc<str> = Rc::from("");
            let mut names = ImportNames::Star;
            for q in it {
                match q.as_rule() {
                    Rule::dotted_name => module = dotted(q),
                    Rule::import_star => names = ImportNames::Star,
                    Rule::import_as_names => {
                        let mut list = Vec::new();
                        for n in q.into_inner() {
                            let ns = span_of(&n);
                            let mut ni = n.into_inner();
                            let name = Rc::from(next_pair(&mut ni, ns)?.as_str());
                            let alias = ni.nth(1).map(|a| Rc::from(a.as_str()));
                            list.push((name, alias, ns));
                        }
                        names = ImportNames::Names(list);
                    }
                    _ => {}
                }
            }
            if module.is_empty() {
                return Err(SyntaxError::syntax(
                    "relative imports without a module name are not supported",
                    span,
                ));
            }
            StmtKind::ImportFrom { module, names }
        }
        _ => {
            return Err(unexpected(&Pair::clone(
                &it.next()
                    .ok_or_else(|| SyntaxError::syntax("invalid syntax", span))?,
            )))
        }
    };
    Ok(Stmt { kind, span })
}

fn dotted(p: Pair<Rule>) -> Rc<str> {
    let parts: Vec<&str> = p.into_inner().map(|q| q.as_str()).collect();
    Rc::from(parts.join(".").as_str())
}

fn expr_stmt(mut it: Pairs<Rule>, span: Span) -> PResult<Stmt> {
    let first = testlist(next_pair(&mut it, span)?)?;
    let mut rest: Vec<Pair<Rule>> = it.collect();
    if rest.is_empty() {
        if matches!(first.kind, ExprKind::Yield(_)) {
            return Err(SyntaxError::syntax(
                "'yield' is not supported in configs",
                span,
            ));
        }
        return Ok(Stmt {
            kind: StmtKind::Expr(first),
            span,
        });
    }
    if rest[0].as_rule() == Rule::aug_assign {
        let aug = rest.remove(0);
        let asp = span_of(&aug);
        let mut ai = aug.into_inner();
        let op = match next_pair(&mut ai, asp)?.as_str().trim_end_matches('=') {
            "+" => BinOp::Add,
            "-" => BinOp::Sub,
            "*" => BinOp::Mul,
            "/" => BinOp::Div,
            "//" => BinOp::FloorDiv,
            "%" => BinOp::Mod,
            "**" => BinOp::Pow,
            ">>" => BinOp::RShift,
            "<<" => BinOp::LShift,
            "&" => BinOp::BitAnd,
            "^" => BinOp::BitXor,
            _ => BinOp::BitOr,
        };
        let value = testlist(next_pair(&mut ai, asp)?)?;
        if matches!(first.kind, ExprKind::Tuple(_) | ExprKind::List(_)) {
            return Err(SyntaxError::syntax(
                "illegal expression for augmented assignment",
                first.span,
            ));
        }
        let target = to_target(first)?;
        return Ok(Stmt {
            kind: StmtKind::AugAssign { target, op, value },
            span,
        });
    }
    let mut exprs = vec![first];
    for r in rest {
        let rs = span_of(&r);
        let inner = next_pair(
            &mut r.into_inner().filter(|q| q.as_rule() != Rule::assign_op),
            rs,
        )?;
        if inner.as_rule() == Rule::yield_expr {
            return Err(SyntaxError::syntax(
                "'yield' is not supported in configs",
                rs,
            ));
        }
        exprs.push(testlist(inner)?);
    }
    let value = exprs
        .pop()
        .ok_or_else(|| SyntaxError::syntax("invalid syntax", span))?;
    let targets = exprs
        .into_iter()
        .map(to_target)
        .collect::<PResult<Vec<_>>>()?;
    Ok(Stmt {
        kind: StmtKind::Assign { targets, value },
        span,
    })
}

/// Turns an expression on the left of `=` into an assignment target.
pub fn to_target(mut e: Expr) -> PResult<Target> {
    let span = e.span;
    let kind = match std::mem::replace(&mut e.kind, ExprKind::None) {
        ExprKind::Name(n) => TargetKind::Name(n),
        ExprKind::Attr(obj, name) => TargetKind::Attr(obj, name),
        ExprKind::Subscript(obj, sub) => TargetKind::Subscript(obj, sub),
        ExprKind::Tuple(items) | ExprKind::List(items) => TargetKind::Tuple(
            items
                .into_iter()
                .map(to_target)
                .collect::<PResult<Vec<_>>>()?,
        ),
        other => {
            let what = match other {
                ExprKind::Call(_) => "function call",
                ExprKind::None | ExprKind::True | ExprKind::False => "keyword",
                ExprKind::Int(_) | ExprKind::Long(..) | ExprKind::Float(_) | ExprKind::Str(_) => {
                    "literal"
                }
                ExprKind::Lambda(_) => "lambda",
                ExprKind::Comp(_) => "comprehension",
                ExprKind::IfElse { .. } => "conditional expression",
                ExprKind::Dict(_) | ExprKind::Set(_) => "literal",
                _ => "operator",
            };
            return Err(SyntaxError::syntax(format!("can't assign to {what}"), span));
        }
    };
    Ok(Target { kind, span })
}

fn compound_stmt(p: Pair<Rule>) -> PResult<Stmt> {
    let span = span_of(&p);
    let rule = p.as_rule();
    let mut it = p.into_inner();
    let kind = match rule {
        Rule::if_stmt => {
            it.next();
            let t = test(next_pair(&mut it, span)?)?;
            let body = suite(next_pair(&mut it, span)?)?;
            let mut branches = vec![(t, body)];
            let mut orelse = Vec::new();
            for q in it {
                match q.as_rule() {
                    Rule::elif_clause => {
                        let qs = span_of(&q);
                        let mut qi = q.into_inner();
                        qi.next();
                        let body = next_pair(&mut qi, qs)?;
                        let mut bi = body.into_inner();
                        let t = test(next_pair(&mut bi, qs)?)?;
                        let b = suite(next_pair(&mut bi, qs)?)?;
                        branches.push((t, b));
                    }
                    _ => orelse = else_clause(q)?,
                }
            }
            StmtKind::If { branches, orelse }
        }
        Rule::while_stmt => {
            it.next();
            let t = test(next_pair(&mut it, span)?)?;
            let body = suite(next_pair(&mut it, span)?)?;
            let orelse = it.next().map(else_clause).transpose()?.unwrap_or_default();
            StmtKind::While {
                test: t,
                body,
                orelse,
            }
        }
        Rule::for_stmt => {
            it.next();
            let target = to_target(exprlist(next_pair(&mut it, span)?)?)?;
            it.next();
            let iter = testlist(next_pair(&mut it, span)?)?;
            let body = suite(next_pair(&mut it, span)?)?;
            let orelse = it.next().map(else_clause).transpose()?.unwrap_or_default();
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            }
        }
        Rule::try_stmt => {
            it.next();
            let body = suite(next_pair(&mut it, span)?)?;
            let mut handlers = Vec::new();
            let mut orelse = Vec::new();
            let mut finally = Vec::new();
            for q in it {
                match q.as_rule() {
                    Rule::except_clause => {
                        let qs = span_of(&q);
                        let mut qi = q.into_inner();
                        qi.next();
                        let body = next_pair(&mut qi, qs)?;
                        let mut tests = Vec::new();
                        let mut suite_pair = None;
                        for b in body.into_inner() {
                            match b.as_rule() {
                                Rule::test => tests.push(b),
                                Rule::suite => suite_pair = Some(b),
                                _ => {}
                            }
                        }
                        let mut ti = tests.into_iter();
                        let kind = ti.next().map(test).transpose()?;
                        let name = ti.next().map(|t| test(t).and_then(to_target)).transpose()?;
                        let body = suite(
                            suite_pair.ok_or_else(|| SyntaxError::syntax("invalid syntax", qs))?,
                        )?;
                        handlers.push(ExceptHandler {
                            kind,
                            name,
                            body,
                            span: qs,
                        });
                    }
                    Rule::else_clause => orelse = else_clause(q)?,
                    Rule::finally_clause => finally = else_clause(q)?,
                    _ => {}
                }
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finally,
            }
        }
        Rule::with_stmt => {
            let mut items = Vec::new();
            let mut body = Vec::new();
            for q in it.skip(1) {
                match q.as_rule() {
                    Rule::with_item => {
                        let qs = span_of(&q);
                        let mut qi = q.into_inner();
                        let ctx = test(next_pair(&mut qi, qs)?)?;
                        let target = qi.nth(1).map(|t| expr(t).and_then(to_target)).transpose()?;
                        items.push((ctx, target));
                    }
                    _ => body = suite(q)?,
                }
            }
            StmtKind::With { items, body }
        }
        Rule::decorated => {
            let mut decorators = Vec::new();
            let mut def = None;
            for q in it {
                match q.as_rule() {
                    Rule::decorator => decorators.push(decorator(q)?),
                    _ => def = Some(q),
                }
            }
            let def = def.ok_or_else(|| SyntaxError::syntax("invalid syntax", span))?;
            let ds = span_of(&def);
            let inner = next_pair(&mut def.into_inner(), ds)?;
            let mut s = compound_stmt(inner)?;
            match &mut s.kind {
                StmtKind::FunctionDef(f) => Rc::make_mut(f).decorators = decorators,
                StmtKind::ClassDef(c) => Rc::make_mut(c).decorators = decorators,
                _ => {}
            }
            return Ok(s);
        }
        Rule::funcdef => {
            it.next();
            let name_pair = next_pair(&mut it, span)?;
            let name: Rc<str> = Rc::from(name_pair.as_str());
            let mut params = Params::default();
            let mut body = Vec::new();
            for q in it {
                match q.as_rule() {
                    Rule::parameters => params = parameters(q)?,
                    _ => body = suite(q)?,
                }
            }
            StmtKind::FunctionDef(Rc::new(make_function(name, params, body, span)))
        }
        Rule::classdef => {
            it.next();
            let name = Rc::from(next_pair(&mut it, span)?.as_str());
            let mut bases = Vec::new();
            let mut body = Vec::new();
            for q in it {
                match q.as_rule() {
                    Rule::testlist => {
                        for t in q.into_inner() {
                            if t.as_rule() == Rule::test {
                                bases.push(test(t)?);
                            }
                        }
                    }
                    _ => body = suite(q)?,
                }
            }
            StmtKind::ClassDef(Rc::new(ClassDef {
                name,
                bases,
                body,
                decorators: Vec::new(),
                span,
            }))
        }
        _ => return Err(SyntaxError::syntax("invalid syntax", span)),
    };
    Ok(Stmt { kind, span })
}

fn else_clause(p: Pair<Rule>) -> PResult<Vec<Stmt>> {
    let sp = span_of(&p);
    let mut it = p.into_inner();
    it.next();
    let body = next_pair(&mut it, sp)?;
    let b = next_pair(&mut body.into_inner(), sp)?;
    suite(b)
}

fn decorator(p: Pair<Rule>) -> PResult<Expr> {
    let sp = span_of(&p);
    let body = next_pair(&mut p.into_inner(), sp)?;
    let bs = span_of(&body);
    let has_call = body.as_str().contains('(');
    let mut it = body.into_inner();
    let name_pair = next_pair(&mut it, bs)?;
    let mut e: Option<Expr> = None;
    for part in name_pair.into_inner() {
        let ps = span_of(&part);
        let n: Rc<str> = Rc::from(part.as_str());
        e = Some(match e {
            None => Expr {
                kind: ExprKind::Name(n),
                span: ps,
            },
            Some(obj) => Expr {
                span: obj.span.to(ps),
                kind: ExprKind::Attr(Box::new(obj), n),
            },
        });
    }
    let func = e.ok_or_else(|| SyntaxError::syntax("invalid decorator", bs))?;
    if !has_call {
        return Ok(func);
    }
    let args = match it.next() {
        Some(a) => arglist(a)?,
        None => Vec::new(),
    };
    Ok(Expr {
        kind: ExprKind::Call(Box::new(Call { func, args })),
        span: bs,
    })
}

fn make_function(name: Rc<str>, params: Params, body: Vec<Stmt>, span: Span) -> FunctionDef {
    // Tuple parameters unpack first thing in the body, as CPython 2 compiles them.
    let mut body = body;
    let unpacks: Vec<Stmt> = params
        .unpack
        .iter()
        .map(|(hidden, target)| Stmt {
            kind: StmtKind::Assign {
                targets: vec![target.clone()],
                value: Expr {
                    kind: ExprKind::Name(hidden.clone()),
                    span: target.span,
                },
            },
            span: target.span,
        })
        .collect();
    if !unpacks.is_empty() {
        body.splice(0..0, unpacks);
    }
    let (locals, globals) = collect_scope(&params, &body);
    FunctionDef {
        name,
        params: Rc::new(params),
        body,
        decorators: Vec::new(),
        locals: Rc::new(locals),
        globals: Rc::new(globals),
        span,
    }
}

fn parameters(p: Pair<Rule>) -> PResult<Params> {
    let mut out = Params::default();
    let mut seen = HashSet::new();
    let mut seen_default = false;
    for q in p.into_inner() {
        let qs = span_of(&q);
        let rule = q.as_rule();
        let mut qi = q.into_inner();
        let name_pair = next_pair(&mut qi, qs)?;
        let name: Rc<str> = if name_pair.as_rule() == Rule::tuple_param {
            let hidden: Rc<str> = Rc::from(format!(".{}", out.params.len()));
            let target = tuple_param(name_pair, &mut seen)?;
            out.unpack.push((hidden.clone(), target));
            hidden
        } else {
            Rc::from(name_pair.as_str())
        };
        if !seen.insert(name.clone()) {
            return Err(SyntaxError::syntax(
                format!("duplicate argument '{name}' in function definition"),
                qs,
            ));
        }
        if out.kwargs.is_some() {
            return Err(SyntaxError::syntax("invalid syntax", qs));
        }
        match rule {
            Rule::param => {
                if out.varargs.is_some() {
                    return Err(SyntaxError::syntax("invalid syntax", qs));
                }
                let default = qi.next().map(test).transpose()?;
                if default.is_some() {
                    seen_default = true;
                } else if seen_default {
                    return Err(SyntaxError::syntax(
                        "non-default argument follows default argument",
                        qs,
                    ));
                }
                out.params.push(Param {
                    name,
                    default,
                    span: qs,
                });
            }
            Rule::varargs_param => out.varargs = Some(name),
            _ => out.kwargs = Some(name),
        }
    }
    Ok(out)
}

/// The target a tuple parameter unpacks into; its names count as parameters for duplicates.
fn tuple_param(p: Pair<Rule>, seen: &mut HashSet<Rc<str>>) -> PResult<Target> {
    let span = span_of(&p);
    let mut items = Vec::new();
    for q in p.into_inner() {
        let qs = span_of(&q);
        if q.as_rule() == Rule::tuple_param {
            items.push(tuple_param(q, seen)?);
            continue;
        }
        let name: Rc<str> = Rc::from(q.as_str());
        if !seen.insert(name.clone()) {
            return Err(SyntaxError::syntax(
                format!("duplicate argument '{name}' in function definition"),
                qs,
            ));
        }
        items.push(Target {
            kind: TargetKind::Name(name),
            span: qs,
        });
    }
    Ok(Target {
        kind: TargetKind::Tuple(items),
        span,
    })
}

// ------------------------------------------------------------------ expressions

fn testlist(p: Pair<Rule>) -> PResult<Expr> {
    let span = span_of(&p);
    if p.as_rule() == Rule::yield_expr {
        return Err(SyntaxError::syntax(
            "'yield' is not supported in configs",
            span,
        ));
    }
    let mut items = Vec::new();
    let mut trailing = false;
    for q in p.into_inner() {
        match q.as_rule() {
            Rule::trailing_comma => trailing = true,
            Rule::test => items.push(test(q)?),
            _ => items.push(expr(q)?),
        }
    }
    if items.len() == 1 && !trailing {
        return items
            .pop()
            .ok_or_else(|| SyntaxError::syntax("invalid syntax", span));
    }
    Ok(Expr {
        kind: ExprKind::Tuple(items),
        span,
    })
}

fn exprlist(p: Pair<Rule>) -> PResult<Expr> {
    testlist(p)
}

/// Deeply nested expressions are parsed by pest within its stack guard; building and later
/// evaluating them grows the stack on demand instead of overflowing it.
fn grow<T>(f: impl FnOnce() -> T) -> T {
    super::with_stack(f)
}

fn test(p: Pair<Rule>) -> PResult<Expr> {
    grow(|| expr(p))
}

fn single_or<'a>(p: &Pair<'a, Rule>) -> Option<Pair<'a, Rule>> {
    let mut it = p.clone().into_inner();
    let first = it.next()?;
    it.next().is_none().then_some(first)
}

fn expr(p: Pair<Rule>) -> PResult<Expr> {
    grow(|| expr_on_stack(p))
}

fn expr_on_stack(p: Pair<Rule>) -> PResult<Expr> {
    let span = span_of(&p);
    match p.as_rule() {
        Rule::test => {
            let mut it = p.into_inner();
            let first = next_pair(&mut it, span)?;
            if first.as_rule() == Rule::lambdef {
                return expr(first);
            }
            let body = expr(first)?;
            if it.next().is_none() {
                return Ok(body);
            }
            let cond = expr(next_pair(&mut it, span)?)?;
            it.next();
            let orelse = test(next_pair(&mut it, span)?)?;
            Ok(Expr {
                kind: ExprKind::IfElse {
                    test: Box::new(cond),
                    body: Box::new(body),
                    orelse: Box::new(orelse),
                },
                span,
            })
        }
        Rule::lambdef => {
            let mut params = Params::default();
            let mut body = None;
            for q in p.into_inner() {
                match q.as_rule() {
                    Rule::parameters => params = parameters(q)?,
                    Rule::test => body = Some(test(q)?),
                    _ => {}
                }
            }
            let body = body.ok_or_else(|| SyntaxError::syntax("invalid syntax", span))?;
            let bs = body.span;
            let ret = Stmt {
                kind: StmtKind::Return(Some(body)),
                span: bs,
            };
            let f = make_function(Rc::from("<lambda>"), params, vec![ret], span);
            Ok(Expr {
                kind: ExprKind::Lambda(Rc::new(f)),
                span,
            })
        }
        Rule::old_test => {
            let inner = next_pair(&mut p.into_inner(), span)?;
            expr(inner)
        }
        Rule::or_test | Rule::and_test => {
            let is_or = p.as_rule() == Rule::or_test;
            let mut it = p
                .into_inner()
                .filter(|q| !matches!(q.as_rule(), Rule::kw_or | Rule::kw_and));
            let mut left = expr(
                it.next()
                    .ok_or_else(|| SyntaxError::syntax("invalid syntax", span))?,
            )?;
            for q in it {
                let right = expr(q)?;
                let s = left.span.to(right.span);
                left = Expr {
                    kind: if is_or {
                        ExprKind::Or(Box::new(left), Box::new(right))
                    } else {
                        ExprKind::And(Box::new(left), Box::new(right))
                    },
                    span: s,
                };
            }
            Ok(left)
        }
        Rule::not_test => {
            let mut nots = Vec::new();
            let mut operand = None;
            for q in p.into_inner() {
                match q.as_rule() {
                    Rule::not_op => nots.push(span_of(&q).start),
                    _ => operand = Some(expr(q)?),
                }
            }
            let mut e = operand.ok_or_else(|| SyntaxError::syntax("invalid syntax", span))?;
            for start in nots.into_iter().rev() {
                let s = Span {
                    start,
                    end: e.span.end,
                };
                e = Expr {
                    kind: ExprKind::Not(Box::new(e)),
                    span: s,
                };
            }
            Ok(e)
        }
        Rule::comparison => {
            if let Some(only) = single_or(&p) {
                return expr(only);
            }
            let mut it = p.into_inner();
            let left = expr(next_pair(&mut it, span)?)?;
            let mut rest = Vec::new();
            while let Some(op) = it.next() {
                let os = span_of(&op);
                let cmp = match op.clone().into_inner().next().map(|q| q.as_rule()) {
                    Some(Rule::not_in) => CmpOp::NotIn,
                    Some(Rule::is_not) => CmpOp::IsNot,
                    Some(Rule::kw_in) => CmpOp::In,
                    Some(Rule::kw_is) => CmpOp::Is,
                    _ => match op.as_str().trim() {
                        "==" => CmpOp::Eq,
                        "!=" | "<>" => CmpOp::Ne,
                        "<=" => CmpOp::Le,
                        ">=" => CmpOp::Ge,
                        "<" => CmpOp::Lt,
                        _ => CmpOp::Gt,
                    },
                };
                rest.push((cmp, expr(next_pair(&mut it, os)?)?));
            }
            Ok(Expr {
                kind: ExprKind::Compare(Box::new(left), rest),
                span,
            })
        }
        Rule::expr => {
            if let Some(only) = single_or(&p) {
                return expr(only);
            }
            operators(p)
        }
        Rule::atom_expr => {
            let mut it = p.into_inner();
            let mut e = atom(next_pair(&mut it, span)?)?;
            for t in it {
                let ts = span_of(&t);
                let whole = Span {
                    start: e.span.start,
                    end: ts.end,
                };
                e = match t.as_rule() {
                    Rule::attribute => {
                        let name = Rc::from(next_pair(&mut t.into_inner(), ts)?.as_str());
                        Expr {
                            kind: ExprKind::Attr(Box::new(e), name),
                            span: whole,
                        }
                    }
                    Rule::call => {
                        let args = match t.into_inner().next() {
                            Some(a) => arglist(a)?,
                            None => Vec::new(),
                        };
                        Expr {
                            kind: ExprKind::Call(Box::new(Call { func: e, args })),
                            span: whole,
                        }
                    }
                    _ => {
                        let list = next_pair(&mut t.into_inner(), ts)?;
                        Expr {
                            kind: ExprKind::Subscript(Box::new(e), Box::new(subscript_list(list)?)),
                            span: whole,
                        }
                    }
                };
            }
            Ok(e)
        }
        _ => atom(p),
    }
}

/// Right-associative `**` and prefix operators make the Pratt parser recurse once per
/// operator; past this many, the expression is refused rather than risking the stack.
const MAX_NESTED_OPERATORS: usize = 300;

thread_local! {
    static PRATT: PrattParser<Rule> = PrattParser::new()
        .op(Op::infix(Rule::bitor, Assoc::Left))
        .op(Op::infix(Rule::bitxor, Assoc::Left))
        .op(Op::infix(Rule::bitand, Assoc::Left))
        .op(Op::infix(Rule::lshift, Assoc::Left) | Op::infix(Rule::rshift, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left)
            | Op::infix(Rule::div, Assoc::Left)
            | Op::infix(Rule::floordiv, Assoc::Left)
            | Op::infix(Rule::modulo, Assoc::Left))
        .op(Op::prefix(Rule::neg) | Op::prefix(Rule::pos) | Op::prefix(Rule::invert))
        .op(Op::infix(Rule::pow, Assoc::Right));
}

/// `-a * b ** c + d`: Python's operator precedence over the flat `expr` rule.
fn operators(p: Pair<Rule>) -> PResult<Expr> {
    let span = span_of(&p);
    let nested = p
        .clone()
        .into_inner()
        .filter(|q| {
            matches!(
                q.as_rule(),
                Rule::neg | Rule::pos | Rule::invert | Rule::pow
            )
        })
        .count();
    if nested > MAX_NESTED_OPERATORS {
        return Err(SyntaxError::syntax("expression too deeply nested", span));
    }
    stacker::maybe_grow(1024 * 1024, 16 * 1024 * 1024, || {
        PRATT.with(|pratt| {
            pratt
                .map_primary(expr)
                .map_prefix(|op, rhs| {
                    let operand = rhs?;
                    let span = span_of(&op).to(operand.span);
                    let kind = match (op.as_rule(), &operand.kind) {
                        // `-5` stays a literal, so `-9223372036854775808` and constant
                        // defaults work.
                        (Rule::neg, ExprKind::Int(i)) if i.checked_neg().is_some() => {
                            ExprKind::Int(-i)
                        }
                        (Rule::neg, ExprKind::Float(f)) => ExprKind::Float(-f),
                        (rule, _) => {
                            let op = match rule {
                                Rule::neg => UnaryOp::Neg,
                                Rule::pos => UnaryOp::Pos,
                                _ => UnaryOp::Invert,
                            };
                            ExprKind::Unary(op, Box::new(operand))
                        }
                    };
                    Ok(Expr { kind, span })
                })
                .map_infix(|lhs, op, rhs| {
                    let (lhs, rhs) = (lhs?, rhs?);
                    let bop = match op.as_rule() {
                        Rule::pow => BinOp::Pow,
                        Rule::mul => BinOp::Mul,
                        Rule::div => BinOp::Div,
                        Rule::floordiv => BinOp::FloorDiv,
                        Rule::modulo => BinOp::Mod,
                        Rule::add => BinOp::Add,
                        Rule::sub => BinOp::Sub,
                        Rule::lshift => BinOp::LShift,
                        Rule::rshift => BinOp::RShift,
                        Rule::bitand => BinOp::BitAnd,
                        Rule::bitxor => BinOp::BitXor,
                        _ => BinOp::BitOr,
                    };
                    let span = lhs.span.to(rhs.span);
                    Ok(Expr {
                        kind: ExprKind::Binary(bop, Box::new(lhs), Box::new(rhs)),
                        span,
                    })
                })
                .parse(p.into_inner())
        })
    })
}

fn arglist(p: Pair<Rule>) -> PResult<Vec<Arg>> {
    let mut args = Vec::new();
    let mut seen_kw = HashSet::new();
    let mut seen_keyword = false;
    for q in p.into_inner() {
        let qs = span_of(&q);
        let rule = q.as_rule();
        let mut qi = q.into_inner();
        match rule {
            Rule::positional_arg => {
                if seen_keyword {
                    return Err(SyntaxError::syntax("non-keyword arg after keyword arg", qs));
                }
                let e = test(next_pair(&mut qi, qs)?)?;
                match qi.next() {
                    None => args.push(Arg::Positional(e)),
                    Some(c) => {
                        let clauses = comp_for(c)?;
                        args.push(Arg::Positional(Expr {
                            kind: ExprKind::Comp(Box::new(Comprehension {
                                kind: CompKind::Generator,
                                elt: e,
                                value: None,
                                clauses,
                            })),
                            span: qs,
                        }));
                    }
                }
            }
            Rule::keyword_arg => {
                seen_keyword = true;
                let name: Rc<str> = Rc::from(next_pair(&mut qi, qs)?.as_str());
                qi.next(); // the '='
                if !seen_kw.insert(name.clone()) {
                    return Err(SyntaxError::syntax(
                        format!("keyword argument repeated: '{name}'"),
                        qs,
                    ));
                }
                let v = test(next_pair(&mut qi, qs)?)?;
                args.push(Arg::Keyword(name, v, qs));
            }
            Rule::star_arg => args.push(Arg::Star(test(next_pair(&mut qi, qs)?)?)),
            _ => {
                seen_keyword = true;
                args.push(Arg::StarStar(test(next_pair(&mut qi, qs)?)?))
            }
        }
    }
    Ok(args)
}

fn subscript_list(p: Pair<Rule>) -> PResult<Subscript> {
    let span = span_of(&p);
    let mut items = Vec::new();
    let mut trailing = false;
    for q in p.into_inner() {
        match q.as_rule() {
            Rule::trailing_comma => trailing = true,
            Rule::slice => items.push(slice(q)?),
            _ => items.push(Subscript::Index(test(q)?)),
        }
    }
    if items.len() == 1 && !trailing {
        return items
            .pop()
            .ok_or_else(|| SyntaxError::syntax("invalid syntax", span));
    }
    Ok(Subscript::Multi(items, span))
}

fn slice(p: Pair<Rule>) -> PResult<Subscript> {
    let text_start = p.as_span().start();
    let full = p.as_str();
    let mut bounds: [Option<Expr>; 3] = [None, None, None];
    let mut cursor = text_start;
    let mut colons = 0;
    for q in p.into_inner() {
        let qs = q.as_span();
        colons += full[cursor - text_start..qs.start() - text_start]
            .matches(':')
            .count();
        cursor = qs.end();
        let qsp = span_of(&q);
        let e = test(next_pair(&mut q.into_inner(), qsp)?)?;
        if colons < 3 {
            bounds[colons] = Some(e);
        }
    }
    let [a, b, c] = bounds;
    Ok(Subscript::Slice(a, b, c))
}

fn comp_for(p: Pair<Rule>) -> PResult<Vec<CompClause>> {
    let mut out = Vec::new();
    comp_for_into(p, &mut out)?;
    Ok(out)
}

fn comp_for_into(p: Pair<Rule>, out: &mut Vec<CompClause>) -> PResult<()> {
    let span = span_of(&p);
    let mut it = p.into_inner();
    it.next();
    let target = to_target(exprlist(next_pair(&mut it, span)?)?)?;
    it.next();
    let iter = expr(next_pair(&mut it, span)?)?;
    out.push(CompClause::For(target, iter));
    for q in it {
        match q.as_rule() {
            Rule::comp_for => comp_for_into(q, out)?,
            _ => {
                let qs = span_of(&q);
                let mut qi = q.into_inner();
                qi.next();
                out.push(CompClause::If(expr(next_pair(&mut qi, qs)?)?));
            }
        }
    }
    Ok(())
}

fn items_of(p: Pair<Rule>) -> PResult<(Vec<Expr>, bool)> {
    let mut items = Vec::new();
    let mut trailing = false;
    for q in p.into_inner() {
        match q.as_rule() {
            Rule::trailing_comma => trailing = true,
            _ => items.push(test(q)?),
        }
    }
    Ok((items, trailing))
}

fn comprehension(
    kind: CompKind,
    elt: Expr,
    value: Option<Expr>,
    c: Pair<Rule>,
    span: Span,
) -> PResult<Expr> {
    Ok(Expr {
        kind: ExprKind::Comp(Box::new(Comprehension {
            kind,
            elt,
            value,
            clauses: comp_for(c)?,
        })),
        span,
    })
}

fn atom(p: Pair<Rule>) -> PResult<Expr> {
    let span = span_of(&p);
    let kind = match p.as_rule() {
        Rule::identifier => ExprKind::Name(Rc::from(p.as_str())),
        Rule::none_lit => ExprKind::None,
        Rule::true_lit => ExprKind::True,
        Rule::false_lit => ExprKind::False,
        Rule::ellipsis => ExprKind::Ellipsis,
        Rule::number => return number(p),
        Rule::strings => {
            let mut s = String::new();
            for q in p.into_inner() {
                string_literal(q, &mut s)?;
            }
            ExprKind::Str(Rc::from(s.as_str()))
        }
        Rule::paren | Rule::list_display => {
            let is_list = p.as_rule() == Rule::list_display;
            let mut it = p.into_inner();
            let first = match it.next() {
                None if is_list => {
                    return Ok(Expr {
                        kind: ExprKind::List(Vec::new()),
                        span,
                    })
                }
                None => {
                    return Ok(Expr {
                        kind: ExprKind::Tuple(Vec::new()),
                        span,
                    })
                }
                Some(f) => f,
            };
            if first.as_rule() == Rule::yield_expr {
                return Err(SyntaxError::syntax(
                    "'yield' is not supported in configs",
                    span,
                ));
            }
            let first = test(first)?;
            let rest = next_pair(&mut it, span)?;
            if rest.as_rule() == Rule::comp_for {
                let kind = if is_list {
                    CompKind::List
                } else {
                    CompKind::Generator
                };
                return comprehension(kind, first, None, rest, span);
            }
            let (more, trailing) = items_of(rest)?;
            if !is_list && more.is_empty() && !trailing {
                return Ok(first);
            }
            let mut items = vec![first];
            items.extend(more);
            if is_list {
                ExprKind::List(items)
            } else {
                ExprKind::Tuple(items)
            }
        }
        Rule::brace_display => {
            let mut it = p.into_inner();
            let Some(first) = it.next() else {
                return Ok(Expr {
                    kind: ExprKind::Dict(Vec::new()),
                    span,
                });
            };
            let first = test(first)?;
            let rest = next_pair(&mut it, span)?;
            match rest.as_rule() {
                Rule::comp_for => return comprehension(CompKind::Set, first, None, rest, span),
                Rule::more_items => {
                    let (more, _) = items_of(rest)?;
                    let mut items = vec![first];
                    items.extend(more);
                    ExprKind::Set(items)
                }
                _ => {
                    let rs = span_of(&rest);
                    let mut ri = rest.into_inner();
                    let value = test(next_pair(&mut ri, rs)?)?;
                    let tail = next_pair(&mut ri, rs)?;
                    if tail.as_rule() == Rule::comp_for {
                        return comprehension(CompKind::Dict, first, Some(value), tail, span);
                    }
                    let mut items = vec![(first, value)];
                    for item in tail.into_inner() {
                        if item.as_rule() != Rule::dict_item {
                            continue;
                        }
                        let is = span_of(&item);
                        let mut ii = item.into_inner();
                        let k = test(next_pair(&mut ii, is)?)?;
                        let v = test(next_pair(&mut ii, is)?)?;
                        items.push((k, v));
                    }
                    ExprKind::Dict(items)
                }
            }
        }
        _ => return Err(unexpected(&p)),
    };
    Ok(Expr { kind, span })
}

fn number(p: Pair<Rule>) -> PResult<Expr> {
    let span = span_of(&p);
    let inner = next_pair(&mut p.into_inner(), span)?;
    let raw = inner.as_str();
    let text = raw.trim_end_matches(['L', 'l']);
    let is_long = text.len() != raw.len();
    // Python 2: an `L` suffix makes a long, and so does a literal too large for an int.
    let int = |digits: &str, radix: u32| match i64::from_str_radix(digits, radix) {
        Ok(i) if !is_long => ExprKind::Int(i),
        _ => ExprKind::Long(Rc::from(digits), radix),
    };
    let kind = match inner.as_rule() {
        Rule::float => ExprKind::Float(
            text.parse::<f64>()
                .map_err(|_| SyntaxError::syntax("invalid float literal", span))?,
        ),
        Rule::hex_int => int(&text[2..], 16),
        Rule::bin_int => int(&text[2..], 2),
        Rule::oct_int => {
            let digits = text[1..].trim_start_matches(['o', 'O']);
            int(digits, 8)
        }
        _ => int(text, 10),
    };
    Ok(Expr { kind, span })
}

fn string_literal(p: Pair<Rule>, out: &mut String) -> PResult<()> {
    let span = span_of(&p);
    let mut raw = false;
    for q in p.into_inner() {
        match q.as_rule() {
            Rule::string_prefix => raw = q.as_str().to_ascii_lowercase().contains('r'),
            rule => {
                let s = q.as_str();
                let quote = if matches!(rule, Rule::long_dq | Rule::long_sq) {
                    3
                } else {
                    1
                };
                let body = &s[quote..s.len() - quote];
                let body_start = q.as_span().start() + quote;
                if raw {
                    out.push_str(body);
                } else {
                    unescape(body, body_start, out)?;
                }
            }
        }
    }
    let _ = span;
    Ok(())
}

fn unescape(body: &str, base: usize, out: &mut String) -> PResult<()> {
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            '\n' => {}
            '\r' => {
                if chars.peek().map(|&(_, c)| c) == Some('\n') {
                    chars.next();
                }
            }
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0C'),
            'v' => out.push('\x0B'),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek() {
                        Some(&(_, d)) if d.is_digit(8) => {
                            v = v * 8 + d.to_digit(8).unwrap_or(0);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
            }
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut v = 0u32;
                for _ in 0..n {
                    match chars.next() {
                        Some((_, d)) if d.is_ascii_hexdigit() => {
                            v = v * 16 + d.to_digit(16).unwrap_or(0)
                        }
                        _ => {
                            return Err(SyntaxError::new(
                                SyntaxKind::SyntaxError,
                                format!("invalid \\{e} escape"),
                                Span::new(base + i, base + i + 2),
                            ))
                        }
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Ok(())
}
