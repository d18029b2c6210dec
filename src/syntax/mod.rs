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

pub use error::{SyntaxError, SyntaxKind};
pub use indent::MAX_INDENT_DEPTH;
pub use parser::{parse_module, parse_params};
pub use prepass::MAX_BRACKET_DEPTH;
pub use span::{SourceFile, Span};
