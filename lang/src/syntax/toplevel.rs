//! Splitting a file into its top-level statements without parsing them, so that large
//! DSL preludes can parse each function body only when it is first called.

use super::error::SyntaxError;
use super::prepass::prepass;

/// One top-level statement: its byte range and, for an undecorated `def`, its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopLevel {
    pub start: usize,
    pub end: usize,
    pub def_name: Option<String>,
}

pub fn split_top_level(src: &str) -> Result<Vec<TopLevel>, SyntaxError> {
    let pre = prepass(src)?;
    let text = pre.text.as_bytes();
    let starts: Vec<usize> = pre
        .line_starts
        .iter()
        .copied()
        .filter(|&s| s < text.len() && !matches!(text[s], b' ' | b'\t' | b'\x0C' | b'\n' | b'\r'))
        .collect();
    let mut out: Vec<TopLevel> = Vec::new();
    let mut decorated = false;
    for (i, &s) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let line = &pre.text[s..end];
        // A decorator belongs to the statement after it.
        if decorated {
            if let Some(last) = out.last_mut() {
                last.end = end;
            }
            decorated = line.starts_with('@');
            continue;
        }
        decorated = line.starts_with('@');
        let def_name = line
            .strip_prefix("def ")
            .filter(|_| !decorated)
            .and_then(|rest| rest.split('(').next())
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        out.push(TopLevel {
            start: s,
            end,
            def_name,
        });
    }
    Ok(out)
}
