//! Errors: I/O and configuration only. Malformed payloads are never an `Err`; they are
//! diagnostics in a [`Report`](crate::Report).

use std::path::PathBuf;

/// What can go wrong outside the payload itself.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading a payload failed.
    #[error("cannot read {source_name}: {error}")]
    Io {
        /// The file or stream being read.
        source_name: String,
        /// The underlying error.
        #[source]
        error: std::io::Error,
    },
    /// A configuration value is wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// A configuration file cannot be read or parsed.
    #[error("configuration file {path}: {message}")]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column where known.
        message: String,
    },
}

impl Error {
    pub(crate) fn io(source_name: impl Into<String>, error: std::io::Error) -> Self {
        Error::Io {
            source_name: source_name.into(),
            error,
        }
    }
}
