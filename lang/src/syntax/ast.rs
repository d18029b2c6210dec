//! The abstract syntax tree. Every node carries the byte span it came from, so that any
//! error found later (in eval or in the helpers) can point at the exact source text.

use super::span::Span;
use std::rc::Rc;

/// A whole parsed file.
#[derive(Debug, Clone)]
pub struct Module {
    pub body: Vec<Stmt>,
}

#[derive(Debug, Clone)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum StmtKind {
    Expr(Expr),
    /// `a = b = value`: every target gets the same value, left to right.
    Assign {
        targets: Vec<Target>,
        value: Expr,
    },
    AugAssign {
        target: Target,
        op: BinOp,
        value: Expr,
    },
    Print {
        dest: Option<Expr>,
        values: Vec<Expr>,
        newline: bool,
    },
    Del(Vec<Target>),
    Pass,
    Break,
    Continue,
    Return(Option<Expr>),
    Raise {
        exc: Option<Expr>,
        msg: Option<Expr>,
    },
    Global(Vec<Rc<str>>),
    Assert {
        test: Expr,
        msg: Option<Expr>,
    },
    Import(Vec<ImportName>),
    ImportFrom {
        module: Rc<str>,
        names: ImportNames,
    },
    If {
        branches: Vec<(Expr, Vec<Stmt>)>,
        orelse: Vec<Stmt>,
    },
    While {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    For {
        target: Target,
        iter: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    Try {
        body: Vec<Stmt>,
        handlers: Vec<ExceptHandler>,
        orelse: Vec<Stmt>,
        finally: Vec<Stmt>,
    },
    With {
        items: Vec<(Expr, Option<Target>)>,
        body: Vec<Stmt>,
    },
    FunctionDef(Rc<FunctionDef>),
    ClassDef(Rc<ClassDef>),
}

#[derive(Debug, Clone)]
pub struct ImportName {
    /// Dotted module path as written (`paddle.trainer_config_helpers`).
    pub module: Rc<str>,
    pub alias: Option<Rc<str>>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ImportNames {
    Star,
    Names(Vec<(Rc<str>, Option<Rc<str>>, Span)>),
}

#[derive(Debug, Clone)]
pub struct ExceptHandler {
    pub kind: Option<Expr>,
    pub name: Option<Target>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct FunctionDef {
    pub name: Rc<str>,
    pub params: Rc<Params>,
    pub body: Vec<Stmt>,
    pub decorators: Vec<Expr>,
    /// Names assigned anywhere in the body (and not declared `global`): Python's rule for
    /// which names are local to the function.
    pub locals: Rc<Vec<Rc<str>>>,
    pub globals: Rc<Vec<Rc<str>>>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct ClassDef {
    pub name: Rc<str>,
    pub bases: Vec<Expr>,
    pub body: Vec<Stmt>,
    pub decorators: Vec<Expr>,
    pub span: Span,
}

/// Parameter list of a `def` or `lambda` (and of native functions, parsed from a spec).
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub params: Vec<Param>,
    pub varargs: Option<Rc<str>>,
    pub kwargs: Option<Rc<str>>,
    /// Tuple parameters (`def f((a, b))`): the hidden parameter (`.0`, as CPython 2 names
    /// it) and the target it is unpacked into when the call starts.
    pub unpack: Vec<(Rc<str>, Target)>,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: Rc<str>,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Target {
    pub kind: TargetKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum TargetKind {
    Name(Rc<str>),
    Attr(Box<Expr>, Rc<str>),
    Subscript(Box<Expr>, Box<Subscript>),
    Tuple(Vec<Target>),
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    None,
    True,
    False,
    Ellipsis,
    Int(i64),
    /// A `long` literal (`5L`, or an integer too large for 64 bits): its digits in `radix`.
    Long(Rc<str>, u32),
    Float(f64),
    Str(Rc<str>),
    Name(Rc<str>),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Set(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Comp(Box<Comprehension>),
    Attr(Box<Expr>, Rc<str>),
    Subscript(Box<Expr>, Box<Subscript>),
    Call(Box<Call>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a < b <= c`: each operand is evaluated once, left to right, short-circuiting.
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    IfElse {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    Lambda(Rc<FunctionDef>),
    Yield(Option<Box<Expr>>),
}

#[derive(Debug, Clone)]
pub enum Subscript {
    Index(Expr),
    Slice(Option<Expr>, Option<Expr>, Option<Expr>),
    /// `a[1:2, 3]`: several items make a tuple key.
    Multi(Vec<Subscript>, Span),
}

#[derive(Debug, Clone)]
pub struct Call {
    pub func: Expr,
    pub args: Vec<Arg>,
}

#[derive(Debug, Clone)]
pub enum Arg {
    Positional(Expr),
    Keyword(Rc<str>, Expr, Span),
    Star(Expr),
    StarStar(Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompKind {
    List,
    Set,
    Dict,
    Generator,
}

#[derive(Debug, Clone)]
pub struct Comprehension {
    pub kind: CompKind,
    /// The element; for a dict comprehension, the key.
    pub elt: Expr,
    pub value: Option<Expr>,
    pub clauses: Vec<CompClause>,
}

#[derive(Debug, Clone)]
pub enum CompClause {
    For(Target, Expr),
    If(Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Pos,
    Invert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitAnd,
    BitOr,
    BitXor,
}

impl BinOp {
    /// The operator as written, for messages such as
    /// `unsupported operand type(s) for +: 'int' and 'str'`.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
        }
    }

    /// Python's special-method stem (`add` for `__add__`, `__radd__`, `__iadd__`).
    pub fn dunder(self) -> &'static str {
        match self {
            BinOp::Add => "add",
            BinOp::Sub => "sub",
            BinOp::Mul => "mul",
            BinOp::Div => "div",
            BinOp::FloorDiv => "floordiv",
            BinOp::Mod => "mod",
            BinOp::Pow => "pow",
            BinOp::LShift => "lshift",
            BinOp::RShift => "rshift",
            BinOp::BitAnd => "and",
            BinOp::BitOr => "or",
            BinOp::BitXor => "xor",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Is,
    IsNot,
}

impl Expr {
    /// A childless expression, left behind when a child is moved out.
    fn leaf() -> Expr {
        Expr {
            kind: ExprKind::None,
            span: Span::default(),
        }
    }
}

/// Long operator chains and trailer chains (`1+1+...`, `a.b.b...`, `f()()...`) nest
/// thousands deep without nesting brackets; dropping them recursively would overflow the
/// stack, so the children are moved to a worklist instead.
impl Drop for Expr {
    fn drop(&mut self) {
        if matches!(
            self.kind,
            ExprKind::None
                | ExprKind::True
                | ExprKind::False
                | ExprKind::Int(_)
                | ExprKind::Long(..)
                | ExprKind::Float(_)
                | ExprKind::Str(_)
                | ExprKind::Name(_)
        ) {
            return;
        }
        let mut pending = Vec::new();
        take_children(&mut self.kind, &mut pending);
        while let Some(mut e) = pending.pop() {
            take_children(&mut e.kind, &mut pending);
        }
    }
}

fn take_children(kind: &mut ExprKind, out: &mut Vec<Expr>) {
    let take = |b: &mut Box<Expr>, out: &mut Vec<Expr>| {
        out.push(std::mem::replace(&mut **b, Expr::leaf()));
    };
    match kind {
        ExprKind::Unary(_, e) | ExprKind::Not(e) | ExprKind::Attr(e, _) => take(e, out),
        ExprKind::Binary(_, a, b) | ExprKind::And(a, b) | ExprKind::Or(a, b) => {
            take(a, out);
            take(b, out);
        }
        ExprKind::Subscript(e, sub) => {
            take(e, out);
            if let Subscript::Index(i) = &mut **sub {
                out.push(std::mem::replace(i, Expr::leaf()));
            }
        }
        ExprKind::Call(call) => {
            out.push(std::mem::replace(&mut call.func, Expr::leaf()));
            for a in call.args.drain(..) {
                match a {
                    Arg::Positional(e)
                    | Arg::Keyword(_, e, _)
                    | Arg::Star(e)
                    | Arg::StarStar(e) => out.push(e),
                }
            }
        }
        ExprKind::IfElse { test, body, orelse } => {
            take(test, out);
            take(body, out);
            take(orelse, out);
        }
        ExprKind::Compare(first, rest) => {
            take(first, out);
            out.extend(rest.drain(..).map(|(_, e)| e));
        }
        ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => {
            out.append(items);
        }
        ExprKind::Dict(items) => {
            for (k, v) in items.drain(..) {
                out.push(k);
                out.push(v);
            }
        }
        _ => {}
    }
}
