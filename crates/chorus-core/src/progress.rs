//! Progress reporting, as a trait the front end implements (the engine draws nothing).

/// Receives the engine's progress. All methods default to doing nothing.
pub trait Progress: Sync {
    /// A new stage begins, with `total` units of work (0 when unknown).
    fn stage(&self, _name: &'static str, _total: u64) {}
    /// `n` more units of the current stage are done.
    fn advance(&self, _n: u64) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
