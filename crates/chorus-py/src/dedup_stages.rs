//! The stage functions `chorus.spark.dedup` runs after the stages it shares with `find`
//! (read, numbering, fingerprints, seed rules, candidates: [`crate::stages`]): each
//! candidate pair planned from its seeds and aligned when the plan needs it, on the
//! workers ([`dedup_pairs`]), then the groups once on the driver ([`dedup_report`]) over
//! [`chorus_core::stages::dedup_plan`] and [`chorus_core::stages::dedup_report`], the
//! functions `chorus dedup` itself runs. The driver gets only the pairs that are aligned
//! or decided and the per-document counts every document needs (input position, text
//! length, tokens, blocked ranges): the union of near-duplicate pairs into groups is
//! exact and cheap there, where a Spark connected-components job would need many rounds.

use crate::stages::{alignment_bytes, alignments_of, candidate_of, documents, pairs, u32s};
use crate::{py_err, settings};
use chorus_core::report::{Stats, write_dedup_jsonl};
use chorus_core::stages::{self, DedupPlan, DedupRun, PairAlignment};
use chorus_core::tokenize::Tokens;
use chorus_core::{ByNumber, DocNum};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dedup_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(dedup_report, m)?)?;
    Ok(())
}

/// Plans: the pair is skipped, aligned, or decided from its seeds.
const SKIP: u32 = 0;
const ALIGN: u32 = 1;
const DECIDED: u32 = 2;

/// Each candidate `(a[i], b[i], seeds[i])` planned and, when aligned or (with formulas
/// judged) decided, aligned, given both documents' texts, token counts and blocked ranges
/// (`None`: none): `(plans, coverage_a, coverage_b, alignment records)`; a plan is 0
/// (skip), 1 (aligned: its records decide) or 2 (decided with the coverages given).
#[pyfunction]
#[pyo3(signature = (a, b, seeds, text_a, text_b, tokens_a, tokens_b, blocked_a, blocked_b, **settings))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn dedup_pairs<'py>(
    py: Python<'py>,
    a: Vec<u32>,
    b: Vec<u32>,
    seeds: Vec<Vec<u8>>,
    text_a: Vec<String>,
    text_b: Vec<String>,
    tokens_a: Vec<u32>,
    tokens_b: Vec<u32>,
    blocked_a: Vec<Option<Vec<u8>>>,
    blocked_b: Vec<Option<Vec<u8>>>,
    settings: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Vec<u32>, Vec<f64>, Vec<f64>, Vec<Bound<'py, PyBytes>>)> {
    let cfg = settings::dedup_config(settings)?;
    let judge = !cfg.find.keep_formulas;
    let out: Vec<(u32, f64, f64, Vec<u8>)> = py.detach(|| {
        (0..a.len())
            .map(|i| {
                let (c, ba, bb) = candidate_of(a[i], b[i], &seeds[i], &blocked_a[i], &blocked_b[i]);
                let plan = stages::dedup_plan(&c, (tokens_a[i], tokens_b[i]), &ba, &bb, &cfg);
                let (kind, ca, cb, align) = match plan {
                    DedupPlan::Skip => (SKIP, 0.0, 0.0, false),
                    DedupPlan::Align => (ALIGN, 0.0, 0.0, true),
                    DedupPlan::Decided(x, y) => (DECIDED, x, y, judge),
                };
                let mut rec = Vec::new();
                if align {
                    let (ta, tb) = (Tokens::new(&text_a[i]), Tokens::new(&text_b[i]));
                    for p in stages::align_pair(&ta, &tb, &c, &ba, &bb, &cfg.find) {
                        alignment_bytes(&p, &mut rec);
                    }
                }
                (kind, ca, cb, rec)
            })
            .collect()
    });
    let mut plans = Vec::with_capacity(out.len());
    let (mut ca, mut cb, mut recs) = (Vec::new(), Vec::new(), Vec::new());
    for (kind, x, y, rec) in out {
        plans.push(kind);
        ca.push(x);
        cb.push(y);
        recs.push(PyBytes::new(py, &rec));
    }
    Ok((plans, ca, cb, recs))
}

/// `dedup`'s groups, on the driver: the documents of every pair (`nums`, `ids`, `texts`,
/// `metas` as [`crate::stages`]' `prepare` gives them); for every document number of the
/// run, its input position (`u64`, any increasing key of the input order), text length in
/// bytes (`u64`) and token count (`u32`), as bytes; every document's blocked ranges; the
/// pairs that `dedup_pairs` planned 1 (`aligned`: their records) and 2 (`decided`:
/// `(a, b, coverage_a, coverage_b, records)`); the run's counts and the recurrence rows
/// (`held_*`, from `dedup_stock_line_ngrams`) as for `report`. Returns
/// `chorus dedup --json --pairs`' output.
#[pyfunction]
#[pyo3(signature = (nums, ids, texts, metas, inputs, text_lens, token_counts, blocked_docs, blocked_ranges, aligned, decided, counts, held_docs, held_when, held_ngrams, **settings))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn dedup_report(
    py: Python<'_>,
    nums: Vec<u32>,
    ids: Vec<String>,
    texts: Vec<String>,
    metas: Vec<String>,
    inputs: &[u8],
    text_lens: &[u8],
    token_counts: &[u8],
    blocked_docs: Vec<u32>,
    blocked_ranges: Vec<Vec<u8>>,
    aligned: Vec<Vec<u8>>,
    decided: (Vec<u32>, Vec<u32>, Vec<f64>, Vec<f64>, Vec<Vec<u8>>),
    counts: (usize, usize, usize, usize, usize, usize),
    held_docs: Vec<u32>,
    held_when: Vec<Option<(i64, i64)>>,
    held_ngrams: Vec<Vec<u8>>,
    settings: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    let cfg = settings::dedup_config(settings)?;
    let recurrence = crate::recurrence::recurrence_of(held_docs, held_when, held_ngrams);
    let u64s = |b: &[u8]| -> Vec<u64> {
        b.chunks_exact(8)
            .map(|c| u64::from_ne_bytes(c.try_into().expect("8 bytes")))
            .collect()
    };
    let inputs = u64s(inputs);
    let n = inputs.len();
    let text_lens: Vec<usize> = u64s(text_lens).into_iter().map(|l| l as usize).collect();
    let token_counts = u32s(token_counts);
    if text_lens.len() != n || token_counts.len() != n {
        return Err(py_err(format!(
            "dedup_report: {n} input positions, {} text lengths, {} token counts",
            text_lens.len(),
            token_counts.len()
        )));
    }
    let mut blocked = vec![Vec::new(); n];
    for (d, r) in blocked_docs.into_iter().zip(&blocked_ranges) {
        let slot = blocked
            .get_mut(d as usize)
            .ok_or_else(|| py_err(format!("dedup_report: document {d} of {n}")))?;
        *slot = pairs(r);
    }
    let by_num = documents(nums, &ids, &texts, &metas)?;
    let aligned: Vec<PairAlignment> = aligned.iter().flat_map(|r| alignments_of(r)).collect();
    let (da, db, dca, dcb, drecs) = decided;
    let decided_pairs: Vec<(DocNum, DocNum, f64, f64)> = (0..da.len())
        .map(|i| (DocNum(da[i]), DocNum(db[i]), dca[i], dcb[i]))
        .collect();
    let decided_passages: Vec<PairAlignment> =
        drecs.iter().flat_map(|r| alignments_of(r)).collect();
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
    let view: &dyn ByNumber = &by_num;
    let run = DedupRun {
        docs: view,
        inputs: &inputs,
        text_lens: &text_lens,
        token_counts: &token_counts,
        blocked: &blocked,
        recurrence: &recurrence,
        stats,
    };
    let report = py
        .detach(|| stages::dedup_report(&run, aligned, decided_pairs, decided_passages, &cfg))
        .map_err(py_err)?;
    let mut out = Vec::new();
    write_dedup_jsonl(&report, true, &mut out).map_err(py_err)?;
    String::from_utf8(out).map_err(py_err)
}
