//! Evaluation errors and their rendering as diagnostics.
//!
//! An [`EvalError`] starts without a location when a native raises it; the evaluator
//! attaches the innermost DSL span it passes through (for a native, the user's call site),
//! then adds one "called from" frame per DSL call it unwinds through. [`Diagnostic`] is the
//! rendered, `Send` form: `path:line:col: Kind: message`, the source line, a caret under the
//! span, notes, and the call stack.

use super::value::Value;
use crate::syntax::{SourceFile, Span, SyntaxError};
use std::fmt;
use std::rc::Rc;

#[derive(Clone)]
pub struct Location {
    pub file: Rc<SourceFile>,
    pub span: Span,
}

pub struct EvalError(Box<ErrorData>);

pub struct ErrorData {
    /// Python's exception class name (`TypeError`, `NameError`, ...).
    pub kind: Rc<str>,
    pub message: String,
    pub notes: Vec<String>,
    pub location: Option<Location>,
    /// Call sites, innermost first.
    pub trace: Vec<Location>,
    /// The exception instance, when the config raised or caught one.
    pub value: Option<Value>,
    /// Sandbox limits cannot be caught by `except`.
    pub fatal: bool,
    /// For binder errors: the keyword argument to point the caret at.
    pub keyword: Option<Rc<str>>,
}

impl EvalError {
    pub fn new(kind: &str, message: impl Into<String>) -> EvalError {
        EvalError(Box::new(ErrorData {
            kind: Rc::from(kind),
            message: message.into(),
            notes: Vec::new(),
            location: None,
            trace: Vec::new(),
            value: None,
            fatal: false,
            keyword: None,
        }))
    }

    pub fn type_error(m: impl Into<String>) -> EvalError {
        EvalError::new("TypeError", m)
    }
    pub fn value_error(m: impl Into<String>) -> EvalError {
        EvalError::new("ValueError", m)
    }
    pub fn name_error(m: impl Into<String>) -> EvalError {
        EvalError::new("NameError", m)
    }
    pub fn attribute_error(m: impl Into<String>) -> EvalError {
        EvalError::new("AttributeError", m)
    }
    pub fn key_error(m: impl Into<String>) -> EvalError {
        EvalError::new("KeyError", m)
    }
    pub fn index_error(m: impl Into<String>) -> EvalError {
        EvalError::new("IndexError", m)
    }
    pub fn io_error(m: impl Into<String>) -> EvalError {
        EvalError::new("IOError", m)
    }
    pub fn import_error(m: impl Into<String>) -> EvalError {
        EvalError::new("ImportError", m)
    }
    pub fn zero_division(m: impl Into<String>) -> EvalError {
        EvalError::new("ZeroDivisionError", m)
    }
    pub fn overflow(m: impl Into<String>) -> EvalError {
        EvalError::new("OverflowError", m)
    }
    pub fn runtime_error(m: impl Into<String>) -> EvalError {
        EvalError::new("RuntimeError", m)
    }

    /// A sandbox limit: reported like any error, but `except` cannot catch it.
    pub fn limit(kind: &str, m: impl Into<String>) -> EvalError {
        let mut e = EvalError::new(kind, m);
        e.0.fatal = true;
        e
    }

    /// Adds a `help:` line (e.g. `did you mean 'size'?`).
    pub fn with_note(mut self, note: impl Into<String>) -> EvalError {
        self.0.notes.push(note.into());
        self
    }

    pub fn with_keyword(mut self, kw: Rc<str>) -> EvalError {
        self.0.keyword = Some(kw);
        self
    }

    pub fn with_value(mut self, v: Value) -> EvalError {
        self.0.value = Some(v);
        self
    }

    pub fn kind(&self) -> &str {
        &self.0.kind
    }

    pub fn message(&self) -> &str {
        &self.0.message
    }

    pub fn data(&self) -> &ErrorData {
        &self.0
    }

    pub(crate) fn data_mut(&mut self) -> &mut ErrorData {
        &mut self.0
    }

    pub fn is_fatal(&self) -> bool {
        self.0.fatal
    }

    pub fn location(&self) -> Option<&Location> {
        self.0.location.as_ref()
    }

    /// Sets the location if none is set yet (the innermost span wins).
    pub fn at(mut self, file: &Rc<SourceFile>, span: Span) -> EvalError {
        if self.0.location.is_none() {
            self.0.location = Some(Location {
                file: file.clone(),
                span,
            });
        }
        self
    }

    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut d = match &self.0.location {
            Some(loc) => Diagnostic::at(&loc.file, loc.span, &self.0.kind, &self.0.message),
            None => Diagnostic {
                kind: self.0.kind.to_string(),
                message: self.0.message.clone(),
                path: String::new(),
                line: 0,
                col: 0,
                source_line: String::new(),
                caret_col: 0,
                caret_len: 0,
                notes: Vec::new(),
                trace: Vec::new(),
            },
        };
        d.notes = self.0.notes.clone();
        d.trace = self
            .0
            .trace
            .iter()
            .map(|loc| {
                let (line, col) = loc.file.line_col(loc.span.start as usize);
                TraceLine {
                    path: loc.file.path.clone(),
                    line,
                    col,
                    source_line: loc.file.line_text(line).trim().to_string(),
                }
            })
            .collect();
        d
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.kind, self.0.message)
    }
}

impl fmt::Debug for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_diagnostic())
    }
}

impl std::error::Error for EvalError {}

/// A rendered error: everything needed to print it, with no reference to interpreter state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostic {
    pub kind: String,
    pub message: String,
    /// Empty when the error has no source location.
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub source_line: String,
    /// 1-based column of the caret's first character, and how many characters it covers.
    pub caret_col: usize,
    pub caret_len: usize,
    pub notes: Vec<String>,
    pub trace: Vec<TraceLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLine {
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub source_line: String,
}

impl Diagnostic {
    pub fn at(file: &SourceFile, span: Span, kind: &str, message: &str) -> Diagnostic {
        let (line, col) = file.line_col(span.start as usize);
        let source_line = file.line_text(line).to_string();
        let (end_line, end_col) = file.line_col(span.end as usize);
        let line_chars = source_line.chars().count();
        let caret_len = if end_line == line && end_col > col {
            end_col - col
        } else {
            line_chars.saturating_sub(col - 1).max(1)
        };
        Diagnostic {
            kind: kind.to_string(),
            message: message.to_string(),
            path: file.path.clone(),
            line,
            col,
            source_line,
            caret_col: col,
            caret_len,
            notes: Vec::new(),
            trace: Vec::new(),
        }
    }

    pub fn from_syntax(file: &SourceFile, e: &SyntaxError) -> Diagnostic {
        Diagnostic::at(file, e.span, e.kind.name(), &e.message)
    }

    /// An error with no source position (an unreadable file, a bad `--config_args`).
    pub fn plain(path: &str, kind: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            kind: kind.to_string(),
            message: message.into(),
            path: path.to_string(),
            line: 0,
            col: 0,
            source_line: String::new(),
            caret_col: 0,
            caret_len: 0,
            notes: Vec::new(),
            trace: Vec::new(),
        }
    }

    /// `path:line:col: Kind: message`, the first line of the rendering.
    pub fn headline(&self) -> String {
        if self.path.is_empty() {
            format!("{}: {}", self.kind, self.message)
        } else if self.line == 0 {
            format!("{}: {}: {}", self.path, self.kind, self.message)
        } else {
            format!(
                "{}:{}:{}: {}: {}",
                self.path, self.line, self.col, self.kind, self.message
            )
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.headline())?;
        if self.line > 0 {
            let gutter = self.line.to_string();
            let pad = " ".repeat(gutter.len());
            writeln!(f, "{pad} |")?;
            writeln!(f, "{gutter} | {}", self.source_line)?;
            // Keep tabs so the caret lines up under tab-indented code.
            let lead: String = self
                .source_line
                .chars()
                .take(self.caret_col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            writeln!(f, "{pad} | {lead}{}", "^".repeat(self.caret_len.max(1)))?;
        }
        for n in &self.notes {
            writeln!(f, "  = help: {n}")?;
        }
        // Runaway recursion repeats one call site hundreds of times: show it once.
        let mut i = 0;
        while i < self.trace.len() {
            let t = &self.trace[i];
            let mut n = 1;
            while self.trace.get(i + n) == Some(t) {
                n += 1;
            }
            writeln!(
                f,
                "  called from {}:{}:{}: {}",
                t.path, t.line, t.col, t.source_line
            )?;
            if n > 1 {
                writeln!(f, "  (the call above repeated {} more times)", n - 1)?;
            }
            i += n;
        }
        Ok(())
    }
}
