//! Read-only files for `open()`: configs read vocabularies and meta files at parse time.

use super::EvalError;
use std::path::Path;

pub struct FileHandle {
    pub name: String,
    text: String,
    pos: usize,
    pub closed: bool,
    /// The file's bytes, for binary readers (`pickle.load`); `raw_pos` is their read
    /// position. When the file is valid UTF-8 the text and the bytes are the same and the
    /// two positions move together.
    pub(crate) raw: Vec<u8>,
    pub(crate) raw_pos: usize,
    lossless: bool,
}

/// Files larger than this are refused: configs read dictionaries, not datasets.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

impl FileHandle {
    pub fn open(path: &Path, display: &str) -> Result<FileHandle, EvalError> {
        let meta = std::fs::metadata(path).map_err(|e| io_err(display, &e))?;
        if meta.is_dir() {
            return Err(EvalError::io_error(format!(
                "[Errno 21] Is a directory: '{display}'"
            )));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(EvalError::limit(
                "MemoryError",
                format!("'{display}' is larger than {MAX_FILE_BYTES} bytes"),
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| io_err(display, &e))?;
        // Python 2 reads bytes. UTF-8 text stays text; any other file keeps one char per
        // byte (U+0000-U+00FF, as the literal '\xe9' is), so binary data survives a
        // read() and pickle.loads(f.read()) works.
        let (text, lossless) = match std::str::from_utf8(&bytes) {
            Ok(t) => (t.to_string(), true),
            Err(_) => (bytes.iter().map(|&b| b as char).collect(), false),
        };
        Ok(FileHandle {
            name: display.to_string(),
            text,
            pos: 0,
            closed: false,
            raw: bytes,
            raw_pos: 0,
            lossless,
        })
    }

    /// After a binary read: the text position follows when text and bytes are the same,
    /// else text reads see the rest only when the binary reader consumed everything.
    pub(crate) fn sync_text_to_raw(&mut self) {
        if self.lossless && self.text.is_char_boundary(self.raw_pos) {
            self.pos = self.raw_pos;
        } else if self.raw_pos >= self.raw.len() {
            self.pos = self.text.len();
        }
    }

    fn sync_raw_to_text(&mut self) {
        if self.lossless {
            self.raw_pos = self.pos;
        }
    }

    fn check_open(&self) -> Result<(), EvalError> {
        if self.closed {
            Err(EvalError::value_error("I/O operation on closed file"))
        } else {
            Ok(())
        }
    }

    pub fn read(&mut self) -> Result<String, EvalError> {
        self.check_open()?;
        let s = self.text[self.pos..].to_string();
        self.pos = self.text.len();
        self.sync_raw_to_text();
        Ok(s)
    }

    pub fn readline(&mut self) -> Result<String, EvalError> {
        self.check_open()?;
        let rest = &self.text[self.pos..];
        let n = rest.find('\n').map(|i| i + 1).unwrap_or(rest.len());
        let line = rest[..n].to_string();
        self.pos += n;
        self.sync_raw_to_text();
        Ok(line)
    }

    pub fn readlines(&mut self) -> Result<Vec<String>, EvalError> {
        self.check_open()?;
        Ok(self.remaining_lines())
    }

    /// The remaining lines, each with its newline, as iteration yields them.
    pub fn remaining_lines(&mut self) -> Vec<String> {
        let rest = &self.text[self.pos..];
        let lines = rest.split_inclusive('\n').map(str::to_string).collect();
        self.pos = self.text.len();
        self.sync_raw_to_text();
        lines
    }
}

fn io_err(display: &str, e: &std::io::Error) -> EvalError {
    let (errno, what) = match e.kind() {
        std::io::ErrorKind::NotFound => (2, "No such file or directory"),
        std::io::ErrorKind::PermissionDenied => (13, "Permission denied"),
        _ => (5, "Input/output error"),
    };
    EvalError::io_error(format!("[Errno {errno}] {what}: '{display}'"))
}
