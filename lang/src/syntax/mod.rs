//! The surface syntax: the length-preserving pre-pass, the CPython-style indentation
//! check, the pest grammar (`grammar/config.pest`) and the AST with byte spans.
//!
//! Entry point: [`parse_module`]. Errors are [`SyntaxError`]s carrying a [`Span`]; turn them
//! into a rendered diagnostic with `eval::Diagnostic::from_syntax`.

pub mod ast;
mod check;
mod error;
mod indent;
mod parser;
mod prepass;
mod scope;
mod span;
mod toplevel;

pub use error::{SyntaxError, SyntaxKind};
pub use indent::MAX_INDENT_DEPTH;
pub use parser::{parse_module, parse_params};
pub use prepass::MAX_BRACKET_DEPTH;
pub use span::{SourceFile, Span};
pub use toplevel::{split_top_level, TopLevel};

/// Runs `f` with at least 256 KiB of stack, switching to a fresh 8 MiB segment when the
/// current one runs low. The tree builder and the evaluator recurse once per nesting level
/// and call this at each level, so deep input grows the stack on the heap instead of
/// overflowing it (unoptimized builds use large frames, hence the generous red zone).
pub fn with_stack<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(256 * 1024, 8 * 1024 * 1024, f)
}
