//! The CPython-style indentation check, run on the pre-passed text before the grammar.
//!
//! It gives the exact messages Python users know (`unexpected indent`, `expected an indented
//! block`, `unindent does not match any outer indentation level`, and `TabError` for tabs and
//! spaces mixed inconsistently), at the line where the problem is.

use super::error::{SyntaxError, SyntaxKind};
use super::span::Span;

/// CPython's limit on nested blocks; it also bounds the parser's recursion through blocks.
pub const MAX_INDENT_DEPTH: usize = 100;

const TAB_SIZE: usize = 8;

pub fn check_indentation(text: &str, line_starts: &[usize]) -> Result<(), SyntaxError> {
    let bytes = text.as_bytes();
    // (column with tabs to multiples of 8, column with tabs as 1): CPython compares both to
    // catch indentation that only lines up for one tab size.
    let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
    let mut opens_block = false;
    let mut last_content_start = 0;
    let mut last_content_end = 0;
    for &start in line_starts {
        let mut i = start;
        let (mut col, mut alt) = (0, 0);
        while i < bytes.len() {
            match bytes[i] {
                b' ' => {
                    col += 1;
                    alt += 1;
                }
                b'\t' => {
                    col = (col / TAB_SIZE + 1) * TAB_SIZE;
                    alt += 1;
                }
                b'\x0C' => {
                    col = 0;
                    alt = 0;
                }
                _ => break,
            }
            i += 1;
        }
        if i >= bytes.len() || bytes[i] == b'\n' || bytes[i] == b'\r' {
            continue; // blank (or comment-only) line
        }
        let line_end = text[i..].find('\n').map(|n| i + n).unwrap_or(text.len());
        let here = Span::new(i, i + 1);
        let (top, top_alt) = *stack.last().unwrap_or(&(0, 0));
        if opens_block {
            if col <= top {
                return Err(SyntaxError::new(
                    SyntaxKind::IndentationError,
                    "expected an indented block",
                    here,
                ));
            }
            if alt <= top_alt {
                return Err(tab_error(here));
            }
            stack.push((col, alt));
            if stack.len() > MAX_INDENT_DEPTH {
                return Err(SyntaxError::new(
                    SyntaxKind::IndentationError,
                    "too many levels of indentation",
                    here,
                ));
            }
        } else if col > top {
            if let Some(e) = missing_colon_before(text, last_content_start, last_content_end) {
                return Err(e);
            }
            return Err(SyntaxError::new(
                SyntaxKind::IndentationError,
                "unexpected indent",
                Span::new(start, i.max(start + 1)),
            ));
        } else if col == top {
            if alt != top_alt {
                return Err(tab_error(here));
            }
        } else {
            while stack.last().is_some_and(|&(c, _)| col < c) {
                stack.pop();
            }
            match stack.last() {
                Some(&(c, a)) if c == col => {
                    if a != alt {
                        return Err(tab_error(here));
                    }
                }
                _ => {
                    return Err(SyntaxError::new(
                        SyntaxKind::IndentationError,
                        "unindent does not match any outer indentation level",
                        here,
                    ))
                }
            }
        }
        let content = text[i..line_end].trim_end();
        opens_block = content.ends_with(':') && !content.starts_with('@');
        last_content_start = i;
        last_content_end = i + content.len();
    }
    if opens_block {
        return Err(SyntaxError::new(
            SyntaxKind::IndentationError,
            "expected an indented block",
            Span::new(text.len(), text.len().max(last_content_end)),
        ));
    }
    Ok(())
}

/// `if x` followed by an indented line: CPython reports the missing ':' rather than the
/// indentation, because that is the real mistake.
fn missing_colon_before(text: &str, start: usize, end: usize) -> Option<SyntaxError> {
    let line = text.get(start..end)?;
    let head = line
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()?;
    let compound = [
        "if", "elif", "else", "for", "while", "def", "class", "try", "except", "finally", "with",
    ];
    compound
        .contains(&head)
        .then(|| SyntaxError::syntax("expected ':'", Span::new(end, end + 1)))
}

fn tab_error(span: Span) -> SyntaxError {
    SyntaxError::new(
        SyntaxKind::TabError,
        "inconsistent use of tabs and spaces in indentation",
        span,
    )
}
