//! chorus-py: the `chorus` Python package's native module (`chorus._chorus`), a thin layer
//! over chorus-core's public API and stage API, built into an abi3 wheel by maturin.
//!
//! Records cross from Python as JSON Lines (the Python side writes one object per record
//! with the CLI's field names) and are read by `chorus-input`'s JSON Lines reader, so the
//! same records make the same [`Document`](chorus_core::Document)s, problems and ids as
//! `chorus find` reading a file; reports cross back as the CLI's `find --json` text, which
//! the Python `Report` parses. That keeps every decision in Rust and makes
//! `Report.to_jsonl()` the CLI's output by construction. From Arrow data the texts skip
//! the JSON: `arrow` reads them from the Arrow string array (a stand-in in each record's
//! JSON). `records` is the reading, `settings` turns keyword arguments into the engine's
//! configuration, `run` holds `find`, `dedup` and the index, `stages`, `recurrence` and
//! `dedup_stages` the per-stage functions `chorus.spark` calls on its workers (arrays cross as
//! native-endian bytes, the layout numpy and Arrow use), and `shuffle` the binary blobs
//! its shuffles move. Errors are `ChorusError` (a `ValueError`) with the CLI's messages.

// PyO3's macros expand to `unsafe` blocks (the CPython C API); the crate's own `unsafe`
// is the Arrow C data interface read in `arrow` (each block with its SAFETY reason).
#![allow(unsafe_code)]

use pyo3::prelude::*;

mod arrow;
mod dedup_stages;
mod records;
mod recurrence;
mod run;
mod settings;
mod shuffle;
mod stages;

pyo3::create_exception!(
    _chorus,
    ChorusError,
    pyo3::exceptions::PyValueError,
    "An error of chorus: bad settings, bad input, a failed index operation."
);

/// The engine's error as a Python exception.
pub(crate) fn py_err(e: impl std::fmt::Display) -> PyErr {
    ChorusError::new_err(e.to_string())
}

#[pymodule]
fn _chorus(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ChorusError", m.py().get_type::<ChorusError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    run::register(m)?;
    stages::register(m)?;
    recurrence::register(m)?;
    dedup_stages::register(m)?;
    shuffle::register(m)?;
    Ok(())
}
