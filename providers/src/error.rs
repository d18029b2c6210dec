//! The one error type of the crate. Every variant names the file (and, where there is one, the
//! record or line) so a user can find the bad input without a debugger.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("{path}: {source}", path = .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A pickle that cannot be decoded; `offset` is the byte where decoding stopped.
    #[error("{path}: corrupt or truncated pickle at byte {offset}: {msg}", path = .path.display())]
    Pickle {
        path: PathBuf,
        offset: usize,
        msg: String,
    },
    /// The file decodes but does not hold what the provider needs (wrong keys, shapes, dtypes).
    #[error("{path}: {msg}", path = .path.display())]
    Format { path: PathBuf, msg: String },
    /// One sample is bad: `record` counts from 0 within `path`.
    #[error("{path}: record {record}: {msg}", path = .path.display())]
    Record {
        path: PathBuf,
        record: usize,
        msg: String,
    },
    /// A line of a file list or a text data file is bad (`line` counts from 1).
    #[error("{path}:{line}: {msg}", path = .path.display())]
    Line {
        path: PathBuf,
        line: usize,
        msg: String,
    },
    /// The config's data source (or its providers.toml mapping) is wrong.
    #[error("{config}:{line}: {msg}", config = .config.display())]
    Config {
        config: PathBuf,
        line: usize,
        msg: String,
    },
    /// A bad option in providers.toml or in the config's `args`.
    #[error("{origin}: option '{key}': {msg}")]
    Option {
        origin: String,
        key: String,
        msg: String,
    },
    #[error("{0}")]
    Usage(String),
    /// The background reader ended without reporting why (it panicked).
    #[error("data provider thread stopped unexpectedly: {0}")]
    Thread(String),
}

impl ProviderError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ProviderError::Io {
            path: path.into(),
            source,
        }
    }

    pub fn format(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        ProviderError::Format {
            path: path.into(),
            msg: msg.into(),
        }
    }

    pub fn record(path: impl Into<PathBuf>, record: usize, msg: impl Into<String>) -> Self {
        ProviderError::Record {
            path: path.into(),
            record,
            msg: msg.into(),
        }
    }

    pub fn line(path: impl Into<PathBuf>, line: usize, msg: impl Into<String>) -> Self {
        ProviderError::Line {
            path: path.into(),
            line,
            msg: msg.into(),
        }
    }
}

pub type Result<T, E = ProviderError> = std::result::Result<T, E>;
