//! The recurrence stage `chorus.spark` runs between alignment and report (stage 5 of
//! [`chorus_core::stages`]): on the driver, the n-grams of the short aligned passages that
//! the formula decision looks up ([`stock_line_ngrams`]); on the workers, which of them
//! each document holds, with its date ([`ngrams_held`]); and back on the driver the
//! [`Recurrence`] of all those rows ([`recurrence_of`]), which the report reads. Without
//! it the report could not judge recurring stock lines as `find` does.
//!
//! Fingerprints cross as native-endian `u64` bytes; a date as `(first, last)` seconds.

use crate::stages::{alignments_of, documents};
use crate::{py_err, settings};
use chorus_core::stages::{self, NgramsHeld, PairAlignment, Recurrence};
use chorus_core::tokenize::Tokens;
use chorus_core::{Config, DocNum, Metadata, When};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(stock_line_ngrams, m)?)?;
    m.add_function(wrap_pyfunction!(dedup_stock_line_ngrams, m)?)?;
    m.add_function(wrap_pyfunction!(ngrams_held, m)?)?;
    Ok(())
}

fn u64s(b: &[u8]) -> Vec<u64> {
    b.chunks_exact(8)
        .map(|c| u64::from_ne_bytes(c.try_into().unwrap()))
        .collect()
}

/// On the driver: the n-grams (sorted `u64` fingerprints) whose holders the report needs,
/// from every alignment record and the documents they name (`nums`, `ids`, `texts`,
/// `metas` as `prepare` gives them). Empty when none is needed.
#[pyfunction]
#[pyo3(signature = (nums, ids, texts, metas, alignments, **settings))]
fn stock_line_ngrams<'py>(
    py: Python<'py>,
    nums: Vec<u32>,
    ids: Vec<String>,
    texts: Vec<String>,
    metas: Vec<String>,
    alignments: Vec<Vec<u8>>,
    settings: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let cfg: Config = settings::find_config(settings)?;
    let by_num = documents(nums, &ids, &texts, &metas)?;
    let alignments: Vec<PairAlignment> = alignments.iter().flat_map(|r| alignments_of(r)).collect();
    let wanted = py
        .detach(|| stages::stock_line_ngrams(&by_num, &alignments, &cfg))
        .map_err(py_err)?;
    let bytes: Vec<u8> = wanted.iter().flat_map(|f| f.to_ne_bytes()).collect();
    Ok(PyBytes::new(py, &bytes))
}

/// [`stock_line_ngrams`] for `dedup`: of the records of the aligned and the decided pairs
/// (`passages`), with `dedup`'s settings.
#[pyfunction]
#[pyo3(signature = (nums, ids, texts, metas, passages, **settings))]
fn dedup_stock_line_ngrams<'py>(
    py: Python<'py>,
    nums: Vec<u32>,
    ids: Vec<String>,
    texts: Vec<String>,
    metas: Vec<String>,
    passages: Vec<Vec<u8>>,
    settings: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let cfg = settings::dedup_config(settings)?;
    let by_num = documents(nums, &ids, &texts, &metas)?;
    let passages: Vec<PairAlignment> = passages.iter().flat_map(|r| alignments_of(r)).collect();
    let wanted = py
        .detach(|| stages::dedup_stock_line_ngrams(&by_num, &passages, &cfg))
        .map_err(py_err)?;
    let bytes: Vec<u8> = wanted.iter().flat_map(|f| f.to_ne_bytes()).collect();
    Ok(PyBytes::new(py, &bytes))
}

/// On a worker: of the documents `nums` (`texts`, `metas` as `prepare` gives them: the
/// metadata, read back for the date only), those holding some of the n-grams `wanted` (as
/// [`stock_line_ngrams`] gives them): their numbers, dates `(first, last)` (or `None`)
/// and the n-grams held.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn ngrams_held<'py>(
    py: Python<'py>,
    nums: Vec<u32>,
    texts: Vec<String>,
    metas: Vec<String>,
    wanted: &[u8],
) -> PyResult<(Vec<u32>, Vec<Option<(i64, i64)>>, Vec<Bound<'py, PyBytes>>)> {
    let wanted = u64s(wanted);
    let dates: Vec<Option<When>> = metas
        .iter()
        .map(|m| Ok(serde_json::from_str::<Metadata>(m).map_err(py_err)?.when()))
        .collect::<PyResult<_>>()?;
    let held: Vec<NgramsHeld> = py.detach(|| {
        (0..nums.len())
            .filter_map(|i| {
                let t = Tokens::new(&texts[i]);
                stages::ngrams_held(DocNum(nums[i]), dates[i], &t, &wanted)
            })
            .collect()
    });
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    for h in held {
        out.0.push(h.doc.0);
        out.1.push(h.when.map(|w| (w.first, w.last)));
        let bytes: Vec<u8> = h.ngrams.iter().flat_map(|f| f.to_ne_bytes()).collect();
        out.2.push(PyBytes::new(py, &bytes));
    }
    Ok(out)
}

/// The recurrence from the rows [`ngrams_held`] gave, in any order.
pub(crate) fn recurrence_of(
    docs: Vec<u32>,
    when: Vec<Option<(i64, i64)>>,
    ngrams: Vec<Vec<u8>>,
) -> Recurrence {
    Recurrence::new(
        docs.into_iter()
            .zip(when)
            .zip(ngrams)
            .map(|((d, w), n)| NgramsHeld {
                doc: DocNum(d),
                when: w.map(|(first, last)| When { first, last }),
                ngrams: u64s(&n),
            }),
    )
}
