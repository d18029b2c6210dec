//! Byte spans and the line/column view of a source file.
//!
//! Line and column are always computed from the original text (never from pest), which the
//! length-preserving pre-pass guarantees to have the same offsets as the parsed text.

use std::rc::Rc;

/// A half-open byte range `[start, end)` in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A source file: its display path, its text and where each line starts.
///
/// A *view* (see [`SourceFile::view`]) reports positions for spans of a piece parsed on
/// its own: offset 0 of the piece is `base` in the file.
#[derive(Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: Rc<str>,
    line_starts: Rc<[usize]>,
    base: usize,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<Rc<str>>) -> SourceFile {
        let text: Rc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path: path.into(),
            text,
            line_starts: line_starts.into(),
            base: 0,
        }
    }

    /// The same file, for spans of the piece of it that starts at byte `base`.
    pub fn view(&self, base: usize) -> SourceFile {
        SourceFile {
            path: self.path.clone(),
            text: self.text.clone(),
            line_starts: self.line_starts.clone(),
            base: self.base + base,
        }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = (offset + self.base).min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self.text[start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count();
        (line + 1, col + 1)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        if line == 0 || line > self.line_starts.len() {
            return "";
        }
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        self.text[start..end.max(start)].trim_end_matches('\r')
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

pub(crate) fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
