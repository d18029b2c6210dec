//! The length-preserving pre-pass.
//!
//! It turns comments, newlines inside brackets and backslash-newline continuations into
//! spaces, so that the grammar sees one physical line per logical line while every byte
//! offset stays the offset in the user's file. It also finds the errors that are easiest to
//! explain at this level (unterminated strings, unbalanced brackets) and records where each
//! logical line starts, for the indentation check.

use super::error::SyntaxError;
use super::span::Span;

/// CPython refuses more than 200 nested brackets; so do we, which also bounds the parser's
/// recursion on bracketed input.
pub const MAX_BRACKET_DEPTH: usize = 200;

pub struct Prepassed {
    /// Same length as the input, only ASCII bytes replaced by spaces.
    pub text: String,
    /// Byte offset of the first character of each logical line.
    pub line_starts: Vec<usize>,
}

pub fn prepass(src: &str) -> Result<Prepassed, SyntaxError> {
    let bytes = src.as_bytes();
    let mut out = bytes.to_vec();
    let mut brackets: Vec<(u8, usize)> = Vec::new();
    let mut line_starts = vec![0];
    let mut i = 0;
    // A UTF-8 byte order mark, as some editors write, is not part of the program.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        out[..3].copy_from_slice(b"   ");
        i = 3;
    }
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'\'' | b'"' => {
                i = skip_string(bytes, i)?;
                continue;
            }
            b'(' | b'[' | b'{' => {
                brackets.push((c, i));
                if brackets.len() > MAX_BRACKET_DEPTH {
                    return Err(SyntaxError::syntax(
                        "too many nested parentheses",
                        Span::new(i, i + 1),
                    ));
                }
            }
            b')' | b']' | b'}' => match brackets.pop() {
                None => {
                    return Err(SyntaxError::syntax(
                        format!("unmatched '{}'", c as char),
                        Span::new(i, i + 1),
                    ))
                }
                Some((open, _)) if closer(open) != c => {
                    return Err(SyntaxError::syntax(
                        format!(
                            "closing parenthesis '{}' does not match opening parenthesis '{}'",
                            c as char, open as char
                        ),
                        Span::new(i, i + 1),
                    ))
                }
                Some(_) => {}
            },
            b'\\' => {
                let nl = newline_len(bytes, i + 1);
                if nl > 0 {
                    for b in &mut out[i..i + 1 + nl] {
                        *b = b' ';
                    }
                    i += 1 + nl;
                    continue;
                }
            }
            b'\r' | b'\n' => {
                let nl = newline_len(bytes, i);
                if !brackets.is_empty() {
                    for b in &mut out[i..i + nl] {
                        *b = b' ';
                    }
                } else {
                    if nl == 2 {
                        out[i] = b' ';
                    } else if c == b'\r' {
                        // A lone carriage return ends a line, as in old Mac files.
                        out[i] = b'\n';
                    }
                    line_starts.push(i + nl);
                }
                i += nl;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if let Some(&(open, at)) = brackets.last() {
        return Err(SyntaxError::syntax(
            format!("'{}' was never closed", open as char),
            Span::new(at, at + 1),
        ));
    }
    // Only ASCII bytes were replaced by ASCII spaces, so this is still valid UTF-8.
    let text = String::from_utf8(out).map_err(|e| {
        SyntaxError::syntax(
            "invalid UTF-8 in source",
            Span::new(
                e.utf8_error().valid_up_to(),
                e.utf8_error().valid_up_to() + 1,
            ),
        )
    })?;
    Ok(Prepassed { text, line_starts })
}

fn closer(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

fn newline_len(bytes: &[u8], i: usize) -> usize {
    match bytes.get(i) {
        Some(b'\n') => 1,
        Some(b'\r') if bytes.get(i + 1) == Some(&b'\n') => 2,
        Some(b'\r') => 1,
        _ => 0,
    }
}

/// Skips a string literal starting at the quote at `start`; returns the offset after it.
/// String prefixes (`r`, `u`, `b`) are ordinary letters before the quote and need no care:
/// a backslash always protects the next character from ending the literal, raw or not.
fn skip_string(bytes: &[u8], start: usize) -> Result<usize, SyntaxError> {
    let q = bytes[start];
    let triple = bytes.get(start + 1) == Some(&q) && bytes.get(start + 2) == Some(&q);
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\\' {
            i += 2;
            continue;
        }
        if triple {
            if c == q && bytes.get(i + 1) == Some(&q) && bytes.get(i + 2) == Some(&q) {
                return Ok(i + 3);
            }
        } else if c == q {
            return Ok(i + 1);
        } else if c == b'\n' || c == b'\r' {
            break;
        }
        i += 1;
    }
    let message = if triple {
        "EOF while scanning triple-quoted string literal"
    } else {
        "EOL while scanning string literal"
    };
    Err(SyntaxError::syntax(
        message,
        Span::new(start, if triple { start + 3 } else { start + 1 }),
    ))
}
