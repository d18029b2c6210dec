//! Reading config source files. Python 2 reads source as bytes: without a PEP 263 coding
//! declaration a non-ASCII byte is a SyntaxError naming the line. We accept UTF-8 (what
//! every editor writes today) and, with a `coding: latin-1` declaration, Latin-1; any other
//! byte that is not UTF-8 is a located SyntaxError, not an unreadable-file error.

use super::EvalError;
use crate::syntax::{SourceFile, Span};
use std::rc::Rc;

pub(crate) fn decode(display: &str, bytes: Vec<u8>) -> Result<String, EvalError> {
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e.into_bytes(),
    };
    if declares_latin1(&bytes) {
        return Ok(bytes.iter().map(|&b| b as char).collect());
    }
    // Replace each byte that is not UTF-8 with '?', one byte for one, so that offsets into
    // the shown text are offsets into the file.
    let mut shown = Vec::with_capacity(bytes.len());
    let mut first_bad: Option<(usize, u8)> = None;
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                shown.extend_from_slice(s.as_bytes());
                break;
            }
            Err(e) => {
                let good = e.valid_up_to();
                shown.extend_from_slice(&rest[..good]);
                let bad = e.error_len().unwrap_or(rest.len() - good).max(1);
                first_bad.get_or_insert((shown.len(), rest[good]));
                shown.extend(std::iter::repeat(b'?').take(bad));
                rest = &rest[good + bad..];
            }
        }
    }
    let text = String::from_utf8(shown).unwrap_or_default();
    let (offset, byte) = first_bad.unwrap_or((0, 0));
    let file = Rc::new(SourceFile::new(display, text));
    let (line, _) = file.line_col(offset);
    Err(EvalError::new(
        "SyntaxError",
        format!(
            "Non-ASCII character '\\x{byte:02x}' in file {display} on line {line}, but it is not UTF-8 and no encoding is declared"
        ),
    )
    .with_note("save the file as UTF-8, or declare its encoding on the first line: # -*- coding: latin-1 -*-")
    .at(&file, Span::new(offset, offset + 1)))
}

/// A PEP 263 declaration of Latin-1 on one of the first two lines.
fn declares_latin1(bytes: &[u8]) -> bool {
    bytes
        .split(|&b| b == b'\n')
        .take(2)
        .filter_map(|l| std::str::from_utf8(l).ok())
        .filter(|l| l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once("coding").map(|(_, r)| r))
        .any(|r| {
            let name: String = r
                .trim_start_matches([':', '='])
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
                .to_ascii_lowercase()
                .replace('_', "-");
            matches!(
                name.as_str(),
                "latin-1" | "iso-8859-1" | "latin1" | "iso8859-1" | "l1"
            )
        })
}
