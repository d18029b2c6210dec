//! Errors found before evaluation: syntax, indentation and tab consistency.

use super::span::Span;

/// Python's names for the three kinds of error the front end reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxKind {
    SyntaxError,
    IndentationError,
    TabError,
}

impl SyntaxKind {
    pub fn name(self) -> &'static str {
        match self {
            SyntaxKind::SyntaxError => "SyntaxError",
            SyntaxKind::IndentationError => "IndentationError",
            SyntaxKind::TabError => "TabError",
        }
    }
}

/// A syntax-level error at a span of the (original) source text.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {message}", kind.name())]
pub struct SyntaxError {
    pub kind: SyntaxKind,
    pub message: String,
    pub span: Span,
}

impl SyntaxError {
    pub fn new(kind: SyntaxKind, message: impl Into<String>, span: Span) -> SyntaxError {
        SyntaxError {
            kind,
            message: message.into(),
            span,
        }
    }

    pub fn syntax(message: impl Into<String>, span: Span) -> SyntaxError {
        SyntaxError::new(SyntaxKind::SyntaxError, message, span)
    }
}
