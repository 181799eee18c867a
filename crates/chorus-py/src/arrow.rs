//! Texts read straight from an Arrow string array (pyarrow, polars, pandas through
//! pyarrow), through the Arrow C data interface's PyCapsules (`__arrow_c_array__`): the
//! array's offsets and UTF-8 bytes are read where the exporting library holds them, with
//! no Python string per text and no JSON encoding of the text. The rest of each record
//! (id, metadata: small) still crosses as JSON Lines, read by the CLI's reader with a
//! one-character stand-in for the text; [`fill_texts`] then puts each record's own text
//! in its document and skips a record whose text is blank with the reader's own problem,
//! so the documents, ids and problems are those the JSON Lines path gives.
//!
//! Only `utf8` (`u`) and `large_utf8` (`U`) arrays are read; the Python side casts other
//! string types (and sends texts the reader must judge itself, null or not strings,
//! inside the JSON).

use crate::py_err;
use chorus_core::Document;
use chorus_input::{InputProblem, ProblemKind};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use std::ffi::{CStr, c_char, c_void};

/// `struct ArrowSchema` of the Arrow C data interface.
#[repr(C)]
struct FfiSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut FfiSchema,
    dictionary: *mut FfiSchema,
    release: Option<unsafe extern "C" fn(*mut FfiSchema)>,
    private_data: *mut c_void,
}

/// `struct ArrowArray` of the Arrow C data interface.
#[repr(C)]
struct FfiArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *mut *const c_void,
    children: *mut *mut FfiArray,
    dictionary: *mut FfiArray,
    release: Option<unsafe extern "C" fn(*mut FfiArray)>,
    private_data: *mut c_void,
}

/// A string array borrowed from its exporter: valid while the capsules it was read from
/// are alive (they release the array when Python drops them).
pub(crate) struct ArrowTexts<'a> {
    _capsules: std::marker::PhantomData<&'a ()>,
    len: usize,
    offset: usize,
    validity: *const u8,
    large: bool,
    offsets: *const c_void,
    data: *const u8,
}

// SAFETY: the array is immutable while borrowed (the C data interface's contract: the
// consumer only reads until it calls `release`, which this never does; the capsules do).
unsafe impl Send for ArrowTexts<'_> {}
unsafe impl Sync for ArrowTexts<'_> {}

/// `(schema capsule, array capsule)`, as `__arrow_c_array__()` returns them.
pub(crate) type Capsules<'py> = (Bound<'py, PyCapsule>, Bound<'py, PyCapsule>);

impl<'a> ArrowTexts<'a> {
    /// The array `capsules` hold.
    pub(crate) fn new(capsules: &'a Capsules<'_>) -> PyResult<Self> {
        let schema = capsules.0.pointer_checked(Some(c"arrow_schema"))?;
        let array = capsules.1.pointer_checked(Some(c"arrow_array"))?;
        // SAFETY: capsules named so hold these structs (the PyCapsule interface's
        // contract), alive as long as the capsules, which `Self` keeps.
        let (schema, array) = unsafe {
            (
                &*(schema.as_ptr() as *const FfiSchema),
                &*(array.as_ptr() as *const FfiArray),
            )
        };
        if schema.release.is_none() || array.release.is_none() {
            return Err(py_err("the Arrow text array was already released"));
        }
        // SAFETY: a released-checked schema's format is a NUL-terminated string.
        let format = unsafe { CStr::from_ptr(schema.format) };
        let large = match format.to_bytes() {
            b"u" => false,
            b"U" => true,
            other => {
                return Err(py_err(format!(
                    "the text column must be an Arrow string array, not format `{}`",
                    String::from_utf8_lossy(other)
                )));
            }
        };
        if array.n_buffers != 3 || array.length < 0 || array.offset < 0 {
            return Err(py_err("malformed Arrow string array"));
        }
        // SAFETY: a string array has 3 buffers: validity (may be null), offsets, data.
        let buffers = unsafe { std::slice::from_raw_parts(array.buffers, 3) };
        Ok(ArrowTexts {
            len: array.length as usize,
            offset: array.offset as usize,
            validity: buffers[0] as *const u8,
            large,
            offsets: buffers[1],
            data: buffers[2] as *const u8,
            _capsules: std::marker::PhantomData,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Text `i`, `None` when null.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        assert!(i < self.len, "text {i} of {}", self.len);
        let j = self.offset + i;
        // SAFETY: `j` is within the array (offset + length), validity has a bit per slot
        // when present, offsets have length + 1 entries from `offset`, and the bytes
        // between two offsets are UTF-8 (an Arrow string array's invariants, which pyarrow
        // validates).
        unsafe {
            if !self.validity.is_null() && *self.validity.add(j / 8) & (1 << (j % 8)) == 0 {
                return None;
            }
            let (start, end) = if self.large {
                let o = self.offsets as *const i64;
                (*o.add(j) as usize, *o.add(j + 1) as usize)
            } else {
                let o = self.offsets as *const i32;
                (*o.add(j) as usize, *o.add(j + 1) as usize)
            };
            if start == end {
                return Some("");
            }
            let bytes = std::slice::from_raw_parts(self.data.add(start), end - start);
            Some(std::str::from_utf8_unchecked(bytes))
        }
    }
}

/// Puts the texts of `texts` in the documents read from records whose text was a stand-in
/// (`from_arrow[row]`, row = line - 1), skipping those whose text is blank with the
/// reader's problem (`records:<line>: record `<id>` has empty text`), merged in line order
/// with the reader's `problems` (`(line, problem)`; `None`: a problem of no line).
pub(crate) fn fill_texts(
    docs: Vec<Document>,
    lines: Vec<u64>,
    problems: Vec<(Option<u64>, String)>,
    texts: &ArrowTexts<'_>,
    from_arrow: &[u8],
) -> Result<(Vec<Document>, Vec<String>), String> {
    let mut kept = Vec::with_capacity(docs.len());
    let mut blank: Vec<(Option<u64>, String)> = Vec::new();
    for (mut d, line) in docs.into_iter().zip(lines) {
        let row = line as usize - 1;
        if from_arrow.get(row).copied().unwrap_or(0) != 0 {
            if row >= texts.len() {
                return Err(format!("record {line}: no text in the Arrow array"));
            }
            let text = texts.get(row).unwrap_or_default();
            if text.trim().is_empty() {
                let p = InputProblem {
                    file: crate::records::STREAM.to_string(),
                    line: Some(line),
                    kind: ProblemKind::EmptyText,
                    reason: format!("record `{}` has empty text", d.id),
                };
                blank.push((Some(line), p.to_string()));
                continue;
            }
            d.text = text.to_string();
        }
        kept.push(d);
    }
    let mut problems = problems;
    if !blank.is_empty() {
        problems.extend(blank);
        // stable: problems of one line keep their order; those of no line stay first
        problems.sort_by_key(|p| p.0.unwrap_or(0));
    }
    Ok((kept, problems.into_iter().map(|p| p.1).collect()))
}
