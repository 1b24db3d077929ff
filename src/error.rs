//! The crate's error type: one enum, each message saying what failed and what to do.

use std::path::PathBuf;

/// Everything that can stop a command. Problems *of a scanned site* (a 404, a timeout,
/// a TLS error) are not errors: they are recorded in the report's `validity`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL given on the command line cannot be scanned.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// No Chromium to run.
    #[error("{0}")]
    ChromeNotFound(String),
    /// Chromium did not start or did not answer.
    #[error("cannot start Chromium: {0}")]
    Launch(String),
    /// The browser failed during a scan (crash, lost connection).
    #[error("browser failure while scanning {url}: {reason}")]
    Browser { url: String, reason: String },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// A file could not be parsed.
    #[error("{path}: {reason}")]
    Parse { path: String, reason: String },
    /// Anything else, already phrased for the reader.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
