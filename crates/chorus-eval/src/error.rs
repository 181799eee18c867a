//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong while loading ground truth or a result.
///
/// Scoring itself never fails: it works on data that loaded.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file or folder could not be read.
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line of a JSON (Lines) file could not be understood.
    #[error("{source_name}:{line}: {reason}")]
    BadRecord {
        source_name: String,
        line: usize,
        reason: String,
    },
    /// A PAN XML file could not be understood.
    #[error("{}: bad PAN XML: {reason}", .path.display())]
    BadXml { path: PathBuf, reason: String },
    /// The truth folder is neither a reuse-bench-gen set nor a PAN corpus.
    #[error(
        "{}: not a ground-truth folder (expected truth.jsonl[.xz|.gz] with corpus.jsonl, \
         or PAN source-documents/ and suspicious-documents/)",
        .path.display()
    )]
    UnknownTruthFormat { path: PathBuf },
    /// A file the truth format requires is absent.
    #[error("{}: missing {what}", .path.display())]
    Missing { path: PathBuf, what: String },
}

/// `Result` with [`EvalError`].
pub type Result<T, E = EvalError> = std::result::Result<T, E>;

impl EvalError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> EvalError {
        EvalError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn bad_record(
        source_name: impl Into<String>,
        line: usize,
        reason: impl ToString,
    ) -> EvalError {
        EvalError::BadRecord {
            source_name: source_name.into(),
            line,
            reason: reason.to_string(),
        }
    }
}
