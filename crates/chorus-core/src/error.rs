//! The engine's error type.

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// Reading or writing the pipeline's scratch files (see [`crate::corpus::Storage`]).
    #[error("scratch file {}: {source}", path.display())]
    Spill {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// A document's text could not be read from its corpus (see [`crate::Corpus::text`]).
    #[error("reading the text of document {id}: {source}")]
    Text {
        id: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Error {
    /// The text of document `id` could not be read.
    pub fn text(
        id: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::Text {
            id: id.into(),
            source: source.into(),
        }
    }
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
