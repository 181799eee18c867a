//! The store's error type.

use std::path::PathBuf;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file of the index could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The folder holds no index (no MANIFEST).
    #[error("{path}: no chorus index here (no MANIFEST; create one with `chorus index add`)")]
    NotAnIndex { path: PathBuf },
    /// The folder is not empty and holds no index: refusing to write into it.
    #[error("{path}: folder is not empty and holds no chorus index; refusing to write into it")]
    NotEmpty { path: PathBuf },
    /// The index was written by another on-disk format version.
    #[error(
        "{path}: index format version {found}, but this chorus reads version {expected}; \
         rebuild the index with this version"
    )]
    FormatVersion {
        path: PathBuf,
        found: u64,
        expected: u32,
    },
    /// A file of the index is damaged.
    #[error("{path}: index corrupt: {detail}")]
    IndexCorrupt { path: PathBuf, detail: String },
    /// Another process is writing to the index.
    #[error("{path}: another process is writing to this index (LOCK is held)")]
    Locked { path: PathBuf },
    /// An option has a value the index cannot use.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// The engine failed (a query's paraphrase path runs the engine over the candidates).
    #[error(transparent)]
    Engine(#[from] chorus_core::Error),
}

/// The store's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches a path to an I/O error.
pub(crate) trait IoContext<T> {
    fn at(self, path: &std::path::Path) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: &std::path::Path) -> Result<T> {
        self.map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}
