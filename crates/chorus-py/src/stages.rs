//! The stage functions `chorus.spark` runs on its workers, over
//! [`chorus_core::stages`]: every decision is made here, on data Spark has grouped and
//! sorted by a total key, so that any partitioning gives `find`'s report.
//!
//! Arrays cross as native-endian bytes (`u32` document numbers and positions, `i64`
//! fingerprints: the `u64` bits, which Spark groups as well as any other long); a
//! candidate's seeds are `(pos_a, pos_b)` `u32` pairs, blocked ranges `(begin, end)` `u32`
//! pairs, and an alignment a 40-byte record (`a`, `b`, the token ranges, matched words,
//! the similarity's bits). Functions taking runs of groups (`seeds`, `candidates`,
//! `blocked`) need each group whole and its rows sorted; the Python side guarantees both.

use crate::{py_err, records, run, settings};
use chorus_core::align::Alignment;
use chorus_core::report::Stats;
use chorus_core::stages::{self, Candidate, PairAlignment, Posting, Sources as CoreSources};
use chorus_core::tokenize::Tokens;
use chorus_core::{Config, DocNum, Document, Metadata};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::collections::{BTreeMap, HashMap};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Sources>()?;
    m.add_function(wrap_pyfunction!(prepare, m)?)?;
    m.add_function(wrap_pyfunction!(fingerprints, m)?)?;
    m.add_function(wrap_pyfunction!(seeds, m)?)?;
    m.add_function(wrap_pyfunction!(candidates, m)?)?;
    m.add_function(wrap_pyfunction!(blocked, m)?)?;
    m.add_function(wrap_pyfunction!(align, m)?)?;
    m.add_function(wrap_pyfunction!(report, m)?)?;
    Ok(())
}

pub(crate) fn u32s(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4)
        .map(|c| u32::from_ne_bytes(c.try_into().unwrap()))
        .collect()
}

fn i64s(b: &[u8]) -> Vec<i64> {
    b.chunks_exact(8)
        .map(|c| i64::from_ne_bytes(c.try_into().unwrap()))
        .collect()
}

pub(crate) fn pairs(b: &[u8]) -> Vec<(u32, u32)> {
    u32s(b).chunks_exact(2).map(|p| (p[0], p[1])).collect()
}

/// Token ranges of a document that no passage may use.
pub(crate) type Blocked = Vec<(u32, u32)>;

/// A candidate pair as the shuffles carry it (numbers, seed pairs, the blocked ranges of
/// each side when it has any), decoded for the stage API.
pub(crate) fn candidate_of(
    a: u32,
    b: u32,
    seeds: &[u8],
    blocked_a: &Option<Vec<u8>>,
    blocked_b: &Option<Vec<u8>>,
) -> (Candidate, Blocked, Blocked) {
    let ranges = |r: &Option<Vec<u8>>| r.as_deref().map(pairs).unwrap_or_default();
    let c = Candidate {
        a: DocNum(a),
        b: DocNum(b),
        seeds: pairs(seeds),
    };
    (c, ranges(blocked_a), ranges(blocked_b))
}

pub(crate) fn bytes_of_u32(v: impl IntoIterator<Item = u32>) -> Vec<u8> {
    v.into_iter().flat_map(u32::to_ne_bytes).collect()
}

pub(crate) fn bytes_of_pairs<'a>(v: impl IntoIterator<Item = &'a (u32, u32)>) -> Vec<u8> {
    bytes_of_u32(v.into_iter().flat_map(|&(x, y)| [x, y]))
}

/// The document sources and sites of the run (`Sources::of` the documents' metadata in
/// number order), built on each worker from the broadcast `source` and `url` fields.
#[pyclass(module = "chorus._chorus", frozen)]
pub(crate) struct Sources(pub(crate) CoreSources);

#[pymethods]
impl Sources {
    #[new]
    fn new(sources: Vec<Option<String>>, urls: Vec<Option<String>>) -> Sources {
        let metas: Vec<Metadata> = sources
            .into_iter()
            .zip(urls)
            .map(|(source, url)| Metadata {
                source,
                url,
                ..Metadata::default()
            })
            .collect();
        Sources(CoreSources::of(metas.iter()))
    }
}

/// A document's JSON Lines record: read back by [`records::read`], it gives the same
/// document (metadata fields serialise the way the reader sorts them).
fn record_of(d: &Document) -> PyResult<String> {
    let mut rec = serde_json::Map::new();
    rec.insert("id".into(), d.id.clone().into());
    rec.insert("text".into(), d.text.clone().into());
    if let serde_json::Value::Object(meta) = serde_json::to_value(&d.meta).map_err(py_err)? {
        rec.extend(meta);
    }
    serde_json::to_string(&rec).map_err(py_err)
}

/// Stage 1, per batch of records: the documents read (`ids`, `texts`, `meta`: the rest of
/// each record as JSON, `source`, `url`, and for the numbering and the run's counts the
/// `timestamp`, `tokens`, `postings` of each, and its line) and the problems of skipped
/// records.
#[pyfunction]
#[pyo3(signature = (jsonl, **settings))]
#[allow(clippy::type_complexity)]
fn prepare(
    py: Python<'_>,
    jsonl: &[u8],
    settings: Option<&Bound<'_, PyDict>>,
) -> PyResult<(
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<Option<String>>,
    Vec<Option<String>>,
    Vec<Option<i64>>,
    Vec<u64>,
    Vec<u64>,
    Vec<u64>,
    Vec<String>,
)> {
    let cfg = settings::find_config(settings)?;
    let (docs, lines, problems) = py.detach(|| records::read_lines(jsonl)).map_err(py_err)?;
    let counts: Vec<(u64, u64)> = py.detach(|| {
        docs.iter()
            .map(|d| {
                let f = stages::fingerprints(&d.text, &cfg);
                (f.tokens as u64, f.fingerprints.len() as u64)
            })
            .collect()
    });
    let mut out = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for (d, (tokens, postings)) in docs.into_iter().zip(counts) {
        let meta = Document {
            id: String::new(),
            text: String::new(),
            meta: d.meta.clone(),
        };
        out.2.push(record_of(&meta)?);
        out.3.push(d.meta.source.clone());
        out.4.push(d.meta.url.clone());
        out.5.push(d.meta.timestamp());
        out.6.push(tokens);
        out.7.push(postings);
        out.0.push(d.id);
        out.1.push(d.text);
    }
    Ok((
        out.0, out.1, out.2, out.3, out.4, out.5, out.6, out.7, lines, problems,
    ))
}

/// Stage 2: the postings of documents `nums` (their `texts`): `(fingerprints, docs,
/// positions)`.
#[pyfunction]
#[pyo3(signature = (nums, texts, **settings))]
fn fingerprints<'py>(
    py: Python<'py>,
    nums: &[u8],
    texts: Vec<String>,
    settings: Option<&Bound<'py, PyDict>>,
) -> PyResult<(
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
)> {
    let cfg = settings::find_config(settings)?;
    let nums = u32s(nums);
    let (fp, doc, pos) = py.detach(|| {
        let (mut fp, mut doc, mut pos) = (Vec::new(), Vec::new(), Vec::new());
        for (&d, text) in nums.iter().zip(&texts) {
            let f = stages::fingerprints(text, &cfg);
            for (p, &x) in f.fingerprints.iter().enumerate() {
                fp.extend_from_slice(&x.to_ne_bytes());
                doc.extend_from_slice(&d.to_ne_bytes());
                pos.extend_from_slice(&(p as u32).to_ne_bytes());
            }
        }
        (fp, doc, pos)
    });
    Ok((
        PyBytes::new(py, &fp),
        PyBytes::new(py, &doc),
        PyBytes::new(py, &pos),
    ))
}

/// Stage 3, seed rules: postings sorted by fingerprint (whole groups) to `(a, b, pos_a,
/// pos_b)` seeds and `(doc, pos)` boilerplate occurrences.
#[pyfunction]
#[pyo3(signature = (fps, docs, positions, sources, **settings))]
#[allow(clippy::type_complexity)]
fn seeds<'py>(
    py: Python<'py>,
    fps: &[u8],
    docs: &[u8],
    positions: &[u8],
    sources: &Sources,
    settings: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Vec<Bound<'py, PyBytes>>, Bound<'py, PyBytes>)> {
    let cfg = settings::find_config(settings)?;
    let (fps, docs, positions) = (i64s(fps), u32s(docs), u32s(positions));
    let (seeds, boil) = py.detach(|| {
        let mut seeds: [Vec<u32>; 4] = Default::default();
        let mut boil = Vec::new();
        let mut at = 0;
        while at < fps.len() {
            let end = at + fps[at..].iter().take_while(|&&f| f == fps[at]).count();
            let group: Vec<Posting> = (at..end)
                .map(|i| Posting {
                    fingerprint: fps[i] as u64,
                    doc: docs[i],
                    pos: positions[i],
                })
                .collect();
            let out = stages::fingerprint_seeds(&group, &sources.0, &cfg);
            for s in out.seeds {
                for (col, v) in seeds.iter_mut().zip([s.a.0, s.b.0, s.pos_a, s.pos_b]) {
                    col.push(v);
                }
            }
            boil.extend(out.boilerplate.into_iter().map(|(d, p)| (d.0, p)));
            at = end;
        }
        (seeds, boil)
    });
    let cols = seeds
        .into_iter()
        .map(|c| PyBytes::new(py, &bytes_of_u32(c)))
        .collect();
    Ok((cols, PyBytes::new(py, &bytes_of_pairs(&boil))))
}

/// Stage 3, candidates: seeds sorted by `(a, b)` (whole pairs) to the candidates `(a, b,
/// seeds)` with at least `min_seeds` seeds.
#[pyfunction]
#[pyo3(signature = (a, b, pos_a, pos_b, **settings))]
#[allow(clippy::type_complexity)]
fn candidates<'py>(
    py: Python<'py>,
    a: &[u8],
    b: &[u8],
    pos_a: &[u8],
    pos_b: &[u8],
    settings: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Vec<u32>, Vec<u32>, Vec<Bound<'py, PyBytes>>)> {
    let cfg = settings::find_config(settings)?;
    let (a, b, pa, pb) = (u32s(a), u32s(b), u32s(pos_a), u32s(pos_b));
    let found: Vec<Candidate> = py.detach(|| {
        let mut found = Vec::new();
        let mut at = 0;
        while at < a.len() {
            let key = (a[at], b[at]);
            let end = at + (at..a.len()).take_while(|&i| (a[i], b[i]) == key).count();
            let s: Vec<(u32, u32)> = (at..end).map(|i| (pa[i], pb[i])).collect();
            found.extend(stages::candidate(DocNum(key.0), DocNum(key.1), s, &cfg));
            at = end;
        }
        found
    });
    let seeds = found
        .iter()
        .map(|c| PyBytes::new(py, &bytes_of_pairs(&c.seeds)))
        .collect();
    Ok((
        found.iter().map(|c| c.a.0).collect(),
        found.iter().map(|c| c.b.0).collect(),
        seeds,
    ))
}

/// Stage 3, boilerplate: occurrences sorted by `(doc, pos)` to each document's blocked
/// token ranges.
#[pyfunction]
#[pyo3(signature = (docs, positions, **settings))]
fn blocked<'py>(
    py: Python<'py>,
    docs: &[u8],
    positions: &[u8],
    settings: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Vec<u32>, Vec<Bound<'py, PyBytes>>)> {
    let cfg = settings::find_config(settings)?;
    let (docs, positions) = (u32s(docs), u32s(positions));
    let mut out_docs = Vec::new();
    let mut ranges = Vec::new();
    let mut at = 0;
    while at < docs.len() {
        let end = at + docs[at..].iter().take_while(|&&d| d == docs[at]).count();
        let r = stages::blocked_ranges(positions[at..end].iter().copied(), cfg.align.ngram);
        out_docs.push(docs[at]);
        ranges.push(PyBytes::new(py, &bytes_of_pairs(&r)));
        at = end;
    }
    Ok((out_docs, ranges))
}

const ALIGNMENT_BYTES: usize = 40;

pub(crate) fn alignment_bytes(p: &PairAlignment, out: &mut Vec<u8>) {
    let x = &p.alignment;
    for v in [p.a.0, p.b.0, x.a.0, x.a.1, x.b.0, x.b.1, x.matched, 0] {
        out.extend_from_slice(&v.to_ne_bytes());
    }
    out.extend_from_slice(&x.similarity.to_bits().to_ne_bytes());
}

pub(crate) fn alignments_of(b: &[u8]) -> Vec<PairAlignment> {
    b.chunks_exact(ALIGNMENT_BYTES)
        .map(|r| {
            let v = u32s(&r[..32]);
            PairAlignment {
                a: DocNum(v[0]),
                b: DocNum(v[1]),
                alignment: Alignment {
                    a: (v[2], v[3]),
                    b: (v[4], v[5]),
                    matched: v[6],
                    similarity: f64::from_bits(u64::from_ne_bytes(r[32..].try_into().unwrap())),
                },
            }
        })
        .collect()
}

/// Stage 4: each candidate `(a[i], b[i], seeds[i])` aligned, given both texts and blocked
/// ranges (`None`: none); the passages of each candidate as alignment records.
#[pyfunction]
#[pyo3(signature = (a, b, seeds, text_a, text_b, blocked_a, blocked_b, **settings))]
#[allow(clippy::too_many_arguments)]
fn align<'py>(
    py: Python<'py>,
    a: Vec<u32>,
    b: Vec<u32>,
    seeds: Vec<Vec<u8>>,
    text_a: Vec<String>,
    text_b: Vec<String>,
    blocked_a: Vec<Option<Vec<u8>>>,
    blocked_b: Vec<Option<Vec<u8>>>,
    settings: Option<&Bound<'py, PyDict>>,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let cfg = settings::find_config(settings)?;
    let out: Vec<Vec<u8>> = py.detach(|| {
        (0..a.len())
            .map(|i| {
                let (c, ba, bb) = candidate_of(a[i], b[i], &seeds[i], &blocked_a[i], &blocked_b[i]);
                let (ta, tb) = (Tokens::new(&text_a[i]), Tokens::new(&text_b[i]));
                let mut rec = Vec::new();
                for p in stages::align_pair(&ta, &tb, &c, &ba, &bb, &cfg) {
                    alignment_bytes(&p, &mut rec);
                }
                rec
            })
            .collect()
    });
    Ok(out.iter().map(|r| PyBytes::new(py, r)).collect())
}

/// The documents numbered `nums`, from their `ids`, `texts` and `metas` as [`prepare`]
/// gives them: read again by the CLI's reader, they are the documents read at first.
pub(crate) fn documents(
    nums: Vec<u32>,
    ids: &[String],
    texts: &[String],
    metas: &[String],
) -> PyResult<BTreeMap<DocNum, Document>> {
    let mut jsonl = String::new();
    for ((id, text), meta) in ids.iter().zip(texts).zip(metas) {
        let mut rec: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(meta).map_err(py_err)?;
        rec.insert("id".into(), id.clone().into());
        rec.insert("text".into(), text.clone().into());
        jsonl.push_str(&serde_json::to_string(&rec).map_err(py_err)?);
        jsonl.push('\n');
    }
    let (docs, problems) = records::read(jsonl.as_bytes()).map_err(py_err)?;
    if let Some(p) = problems.first() {
        return Err(py_err(format!("a document changed on its way: {p}")));
    }
    Ok(nums.into_iter().map(DocNum).zip(docs).collect())
}

/// Stage 5, on the driver: the report from every alignment record, the documents it needs
/// (`nums`, `ids`, `texts`, `metas` as given by [`prepare`]), every document's blocked
/// ranges, the sources and the run's counts `(documents, bytes, tokens, postings,
/// candidate_pairs, boilerplate_spans)`, and the rows of every document holding n-grams
/// of the stock lines (`held_docs`, `held_when`, `held_ngrams`, as
/// `recurrence::ngrams_held` gives them): `(report JSON Lines, texts of the documents
/// named)`.
#[pyfunction]
#[pyo3(signature = (nums, ids, texts, metas, alignments, blocked_docs, blocked_ranges, sources, counts, held_docs, held_when, held_ngrams, **settings))]
#[allow(clippy::too_many_arguments)]
fn report(
    py: Python<'_>,
    nums: Vec<u32>,
    ids: Vec<String>,
    texts: Vec<String>,
    metas: Vec<String>,
    alignments: Vec<Vec<u8>>,
    blocked_docs: Vec<u32>,
    blocked_ranges: Vec<Vec<u8>>,
    sources: &Sources,
    counts: (usize, usize, usize, usize, usize, usize),
    held_docs: Vec<u32>,
    held_when: Vec<Option<(i64, i64)>>,
    held_ngrams: Vec<Vec<u8>>,
    settings: Option<&Bound<'_, PyDict>>,
) -> PyResult<(String, HashMap<String, String>)> {
    let recurrence = crate::recurrence::recurrence_of(held_docs, held_when, held_ngrams);
    let cfg: Config = settings::find_config(settings)?;
    let by_num = documents(nums, &ids, &texts, &metas)?;
    let alignments: Vec<PairAlignment> = alignments.iter().flat_map(|r| alignments_of(r)).collect();
    let blocked: Vec<(DocNum, Vec<(u32, u32)>)> = blocked_docs
        .into_iter()
        .map(DocNum)
        .zip(blocked_ranges.iter().map(|r| pairs(r)))
        .collect();
    let (documents, bytes, tokens, postings, candidate_pairs, boilerplate_spans) = counts;
    let stats = Stats {
        documents,
        bytes,
        tokens,
        postings,
        candidate_pairs,
        boilerplate_spans,
        ..Stats::default()
    };
    let report = py
        .detach(|| {
            stages::report(
                &by_num,
                alignments,
                &blocked,
                &recurrence,
                &sources.0,
                stats,
                &cfg,
            )
        })
        .map_err(py_err)?;
    let by_id: HashMap<&str, &str> = by_num
        .values()
        .map(|d| (d.id.as_str(), d.text.as_str()))
        .collect();
    run::report_output(&report, |id| by_id.get(id).map(|t| t.to_string()))
}
