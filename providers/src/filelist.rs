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
        std::fs::read(&self.path).map_err(|e| {
            self.error(format!(
                "cannot read '{}': {e}{}",
                self.path.display(),
                cwd_hint(&self.path, &e)
            ))
        })
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

/// For a relative path that is not found: where it was looked for, since Paddle's lists are
/// relative to the working directory rather than to the config or the list.
pub fn cwd_hint(path: &Path, e: &std::io::Error) -> String {
    if path.is_absolute() || e.kind() != std::io::ErrorKind::NotFound {
        return String::new();
    }
    match std::env::current_dir() {
        Ok(d) => format!(
            " (relative paths are taken from the working directory, {})",
            d.display()
        ),
        Err(_) => String::new(),
    }
}

/// Reads a file list; an empty list is an error, since a pass over nothing is never intended.
pub fn read_list(list: &Path) -> Result<Vec<ListEntry>> {
    let text = std::fs::read_to_string(list).map_err(|e| {
        let hint = cwd_hint(list, &e);
        ProviderError::format(list, format!("cannot read the file list: {e}{hint}"))
    })?;
    let entries = parse_list(list, &text);
    if entries.is_empty() {
        return Err(ProviderError::format(list, "the file list names no files"));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_missing_paths_say_where_they_were_looked_for() {
        let e = read_list(Path::new("no/such/train.list"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("no/such/train.list: cannot read the file list"),
            "{e}"
        );
        assert!(e.contains("working directory"), "{e}");
        let entry = &parse_list(Path::new("t.list"), "\n\n  missing.bin \n")[0];
        assert_eq!(entry.line, 3);
        let e = entry.read().unwrap_err().to_string();
        assert!(
            e.starts_with("t.list:3: cannot read 'missing.bin'") && e.contains("working directory"),
            "{e}"
        );
        let e = read_list(Path::new("/no/such.list"))
            .unwrap_err()
            .to_string();
        assert!(!e.contains("working directory"), "{e}");
    }
}
