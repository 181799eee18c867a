//! `find`, `dedup` and the persistent index over records read by [`crate::records`]: each
//! runs the engine as the CLI does (`find_in`/`dedup_in` on the documents in memory,
//! `chorus-store` for the index) with the GIL released, and hands back the CLI's JSON
//! Lines output, the problems of skipped records, and what the Python side needs besides
//! (the texts of the documents a report names, a dedup's groups by document).

use crate::arrow::{ArrowTexts, Capsules};
use crate::{py_err, records, settings};
use chorus_core::Document;
use chorus_core::report::write_dedup_jsonl;
use chorus_core::{NoProgress, Storage, dedup_in, find_in, write_jsonl};
use chorus_store::{IndexOptions, IndexReader, IndexWriter, QueryOptions};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::HashMap;
use std::path::PathBuf;

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(find, m)?)?;
    m.add_function(wrap_pyfunction!(dedup, m)?)?;
    m.add_function(wrap_pyfunction!(read, m)?)?;
    m.add_class::<Index>()?;
    Ok(())
}

/// Documents and problems of records: JSON Lines, and with `texts` the Arrow array of the
/// texts of the records where `from_arrow` is set (see [`crate::arrow`]).
pub(crate) fn read_records(
    py: Python<'_>,
    jsonl: &[u8],
    texts: Option<Capsules<'_>>,
    from_arrow: Option<&[u8]>,
) -> PyResult<(Vec<Document>, Vec<String>)> {
    let texts = texts.as_ref().map(ArrowTexts::new).transpose()?;
    let arg = texts.as_ref().map(|t| (t, from_arrow.unwrap_or(&[])));
    py.detach(|| records::read_with_texts(jsonl, arg))
        .map_err(py_err)
}

/// The report's JSON Lines, and the text of each document it names.
pub(crate) fn report_output(
    report: &chorus_core::Report,
    text_of: impl Fn(&str) -> Option<String>,
) -> PyResult<(String, HashMap<String, String>)> {
    let mut out = Vec::new();
    write_jsonl(report, &mut out).map_err(py_err)?;
    let texts = report
        .documents
        .iter()
        .filter_map(|d| Some((d.id.clone(), text_of(&d.id)?)))
        .collect();
    Ok((String::from_utf8(out).map_err(py_err)?, texts))
}

/// `find` on records: `(report JSON Lines, texts of the documents named, problems,
/// documents read)`.
#[pyfunction]
#[pyo3(signature = (jsonl, texts = None, from_arrow = None, **settings))]
#[allow(clippy::type_complexity)]
fn find(
    py: Python<'_>,
    jsonl: &[u8],
    texts: Option<Capsules<'_>>,
    from_arrow: Option<&[u8]>,
    settings: Option<&Bound<'_, PyDict>>,
) -> PyResult<(String, HashMap<String, String>, Vec<String>, usize)> {
    let cfg = settings::find_config(settings)?;
    let (docs, problems) = read_records(py, jsonl, texts, from_arrow)?;
    let report = py
        .detach(|| find_in(&docs, &cfg, &Storage::Memory, &NoProgress))
        .map_err(py_err)?;
    let by_id: HashMap<&str, &str> = docs
        .iter()
        .map(|d| (d.id.as_str(), d.text.as_str()))
        .collect();
    let (out, texts) = report_output(&report, |id| by_id.get(id).map(|t| t.to_string()))?;
    Ok((out, texts, problems, docs.len()))
}

/// The documents records make, as the CLI reads them: `(ids, problems)`.
#[pyfunction]
#[pyo3(signature = (jsonl, texts = None, from_arrow = None))]
fn read(
    py: Python<'_>,
    jsonl: &[u8],
    texts: Option<Capsules<'_>>,
    from_arrow: Option<&[u8]>,
) -> PyResult<(Vec<String>, Vec<String>)> {
    let (docs, problems) = read_records(py, jsonl, texts, from_arrow)?;
    Ok((docs.into_iter().map(|d| d.id).collect(), problems))
}

/// `dedup` on records: `(dedup JSON Lines with pairs, ids of the documents read, group
/// of each (0: none), kept or not, problems)`.
#[pyfunction]
#[pyo3(signature = (jsonl, texts = None, from_arrow = None, **settings))]
#[allow(clippy::type_complexity)]
fn dedup(
    py: Python<'_>,
    jsonl: &[u8],
    texts: Option<Capsules<'_>>,
    from_arrow: Option<&[u8]>,
    settings: Option<&Bound<'_, PyDict>>,
) -> PyResult<(String, Vec<String>, Vec<u32>, Vec<bool>, Vec<String>)> {
    let cfg = settings::dedup_config(settings)?;
    let (docs, problems) = read_records(py, jsonl, texts, from_arrow)?;
    let report = py
        .detach(|| dedup_in(&docs, &cfg, &Storage::Memory, &NoProgress))
        .map_err(py_err)?;
    let mut out = Vec::new();
    write_dedup_jsonl(&report, true, &mut out).map_err(py_err)?;
    let index: HashMap<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i))
        .collect();
    let mut group = vec![0u32; docs.len()];
    for c in &report.clusters {
        for d in &c.docs {
            group[index[d.as_str()]] = c.id;
        }
    }
    let mut keep = vec![false; docs.len()];
    for &i in &report.kept {
        keep[i] = true;
    }
    let ids = docs.into_iter().map(|d| d.id).collect();
    Ok((
        String::from_utf8(out).map_err(py_err)?,
        ids,
        group,
        keep,
        problems,
    ))
}

/// A persistent chorus index (a folder, as `chorus index`).
#[pyclass(module = "chorus._chorus")]
struct Index {
    path: PathBuf,
    ngram: Option<usize>,
}

#[pymethods]
impl Index {
    #[new]
    #[pyo3(signature = (path, ngram = None))]
    fn new(path: PathBuf, ngram: Option<usize>) -> Index {
        Index { path, ngram }
    }

    /// Adds records: `(added, replaced, problems)`.
    #[pyo3(signature = (jsonl, texts = None, from_arrow = None))]
    fn add(
        &self,
        py: Python<'_>,
        jsonl: &[u8],
        texts: Option<Capsules<'_>>,
        from_arrow: Option<&[u8]>,
    ) -> PyResult<(usize, usize, Vec<String>)> {
        let (docs, problems) = read_records(py, jsonl, texts, from_arrow)?;
        let opts = IndexOptions {
            ngram: self.ngram,
            ..IndexOptions::default()
        };
        let summary = py
            .detach(|| {
                let mut w = IndexWriter::open(&self.path, opts)?;
                w.add(docs)
            })
            .map_err(|e| py_err(format!("index {}: {e}", self.path.display())))?;
        Ok((summary.added, summary.replaced, problems))
    }

    /// The stored documents sharing passages with `text`, as the JSON of each match
    /// (`chorus query --json`'s lines), best first; with `paraphrase`, reworded passages
    /// too (`chorus query --paraphrase`), `lang` the language of every text, `scan` every
    /// stored text read for candidates (`--scan`).
    #[pyo3(signature = (text, limit = None, paraphrase = false, lang = None, scan = false))]
    fn query(
        &self,
        py: Python<'_>,
        text: &str,
        limit: Option<usize>,
        paraphrase: bool,
        lang: Option<&str>,
        scan: bool,
    ) -> PyResult<Vec<String>> {
        if scan && !paraphrase {
            return Err(py_err(
                "`scan` looks for rewordings: give `paraphrase=True` too",
            ));
        }
        let lang = match lang {
            Some(_) if !paraphrase => {
                return Err(py_err(
                    "`lang` is the language of `paraphrase`: give `paraphrase=True` too",
                ));
            }
            Some(l) => chorus_core::query_reworded::parse_lang(l).map_err(py_err)?,
            None => None,
        };
        let opts = QueryOptions::default();
        let report = py
            .detach(|| {
                let r = IndexReader::open(&self.path)?;
                if paraphrase {
                    let how = chorus_store::RewordedOptions { lang, scan };
                    r.query_reworded(text, &chorus_core::Metadata::default(), &opts, &how)
                } else {
                    r.query(text, &opts)
                }
            })
            .map_err(|e| py_err(format!("index {}: {e}", self.path.display())))?;
        let n = limit.unwrap_or(usize::MAX);
        report
            .matches
            .iter()
            .take(n)
            .map(|m| serde_json::to_string(m).map_err(py_err))
            .collect()
    }

    /// Documents stored.
    fn __len__(&self) -> PyResult<usize> {
        let r = IndexReader::open(&self.path)
            .map_err(|e| py_err(format!("index {}: {e}", self.path.display())))?;
        Ok(r.len() as usize)
    }
}
