//! File lists: one path per line, blank lines skipped. Relative paths are taken from the
//! working directory, as Paddle does.

use std::path::{Path, PathBuf};

use crate::error::{ProviderError, Result};

/// One entry of a list, remembering where it was written for error messages.
#[derive(Debug, Clone, PartialEq)]
pub struct ListEntry {
    pub list: PathBuf,
    pub line: usize,
    pub path: PathBuf,
}

impl ListEntry {
    /// Reads the named file, or says which list line named a missing or unreadable file.
    pub fn read(&self) -> Result<Vec<u8>> {
        std::fs::read(&self.path)
            .map_err(|e| self.error(format!("cannot read '{}': {e}", self.path.display())))
    }

    pub fn error(&self, msg: impl Into<String>) -> ProviderError {
        ProviderError::line(&self.list, self.line, msg)
    }
}

pub fn parse_list(list: &Path, text: &str) -> Vec<ListEntry> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.trim();
            (!l.is_empty()).then(|| ListEntry {
                list: list.to_path_buf(),
                line: i + 1,
                path: PathBuf::from(l),
            })
        })
        .collect()
}

/// Reads a file list; an empty list is an error, since a pass over nothing is never intended.
pub fn read_list(list: &Path) -> Result<Vec<ListEntry>> {
    let text = std::fs::read_to_string(list).map_err(|e| ProviderError::io(list, e))?;
    let entries = parse_list(list, &text);
    if entries.is_empty() {
        return Err(ProviderError::format(list, "the file list names no files"));
    }
    Ok(entries)
}
