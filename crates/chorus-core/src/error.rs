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
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
