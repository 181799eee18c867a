//! The engine's error type.

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
