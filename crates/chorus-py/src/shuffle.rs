//! Compact shuffles for `chorus.spark`: postings and seeds cross Spark's shuffle as a few
//! large binary rows per task, one per destination bucket, instead of one Spark row per
//! posting, and each destination sorts its whole share in Rust. Spark then moves bytes
//! (no per-row encoding, no Spark sort of tens of millions of rows, no Arrow conversion per
//! row); grouping is exact all the same: a bucket is a function of the group's key (the
//! fingerprint; the document pair; the document), so every group reaches one task whole,
//! and the task sorts it by the total key the row path sorted by.
//!
//! Records are native-endian: a posting 16 bytes (`fp` u64, `doc` u32, `pos` u32), a seed
//! 16 bytes (`a`, `b`, `pos_a`, `pos_b` u32), a boilerplate occurrence 8 bytes (`doc`,
//! `pos` u32).

use crate::arrow::ArrowTexts;
use crate::stages::{Sources, bytes_of_pairs, u32s};
use crate::{py_err, settings};
use chorus_core::DocNum;
use chorus_core::stages::{self, Candidate, Posting};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule, PyDict};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(posting_blobs, m)?)?;
    m.add_function(wrap_pyfunction!(seed_blobs, m)?)?;
    m.add_function(wrap_pyfunction!(candidate_blobs, m)?)?;
    Ok(())
}

/// The bucket of a fingerprint (fingerprints are hashes: their high bits are as good as any).
fn fp_bucket(fp: u64, buckets: u32) -> usize {
    ((fp >> 32) % u64::from(buckets)) as usize
}

/// The bucket of a document pair, or of a document (`b` = `a`).
fn pair_bucket(a: u32, b: u32, buckets: u32) -> usize {
    let h = (u64::from(a) << 32 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((h >> 32) % u64::from(buckets)) as usize
}

/// `(buckets, blobs)` of the non-empty ones.
fn non_empty<'py>(py: Python<'py>, out: Vec<Vec<u8>>) -> (Vec<u32>, Vec<Bound<'py, PyBytes>>) {
    let mut ids = Vec::new();
    let mut blobs = Vec::new();
    for (i, b) in out.into_iter().enumerate() {
        if !b.is_empty() {
            ids.push(i as u32);
            blobs.push(PyBytes::new(py, &b));
        }
    }
    (ids, blobs)
}

/// Stage 2 by bucket: the postings of documents `nums` (`u32` bytes), their texts an
/// Arrow string array (`__arrow_c_array__()` capsules), as one blob of postings per
/// fingerprint bucket (of `buckets`): `(bucket ids, blobs)`.
#[pyfunction]
#[pyo3(signature = (nums, texts, buckets, **settings))]
fn posting_blobs<'py>(
    py: Python<'py>,
    nums: &[u8],
    texts: (Bound<'py, PyCapsule>, Bound<'py, PyCapsule>),
    buckets: u32,
    settings: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Vec<u32>, Vec<Bound<'py, PyBytes>>)> {
    let cfg = settings::find_config(settings)?;
    if buckets == 0 {
        return Err(py_err("posting_blobs: no buckets"));
    }
    let nums = u32s(nums);
    let texts = ArrowTexts::new(&texts)?;
    if texts.len() != nums.len() {
        return Err(py_err("posting_blobs: as many texts as numbers, please"));
    }
    let out = py.detach(|| {
        let mut out = vec![Vec::new(); buckets as usize];
        for (i, &d) in nums.iter().enumerate() {
            let f = stages::fingerprints(texts.get(i).unwrap_or_default(), &cfg);
            for (p, &x) in f.fingerprints.iter().enumerate() {
                let blob: &mut Vec<u8> = &mut out[fp_bucket(x, buckets)];
                blob.extend_from_slice(&x.to_ne_bytes());
                blob.extend_from_slice(&d.to_ne_bytes());
                blob.extend_from_slice(&(p as u32).to_ne_bytes());
            }
        }
        out
    });
    Ok(non_empty(py, out))
}

/// Stage 3 by bucket: every posting blob of a task's fingerprint buckets, sorted by
/// `(fingerprint, doc, pos)` here, each fingerprint's group to the seed rules; the seeds
/// as one blob per pair bucket and the boilerplate occurrences as one per document
/// bucket (of `buckets`): `(seed buckets, seed blobs, boilerplate buckets, boilerplate
/// blobs)`.
#[pyfunction]
#[pyo3(signature = (blobs, sources, buckets, **settings))]
#[allow(clippy::type_complexity)]
fn seed_blobs<'py>(
    py: Python<'py>,
    blobs: Vec<Bound<'py, PyBytes>>,
    sources: &Sources,
    buckets: u32,
    settings: Option<&Bound<'py, PyDict>>,
) -> PyResult<(
    Vec<u32>,
    Vec<Bound<'py, PyBytes>>,
    Vec<u32>,
    Vec<Bound<'py, PyBytes>>,
)> {
    let cfg = settings::find_config(settings)?;
    if buckets == 0 {
        return Err(py_err("seed_blobs: no buckets"));
    }
    let raw: Vec<&[u8]> = blobs.iter().map(|b| b.as_bytes()).collect();
    let (seeds, boil) = py.detach(|| {
        let mut postings: Vec<Posting> = raw
            .iter()
            .flat_map(|b| b.chunks_exact(16))
            .map(|r| Posting {
                fingerprint: u64::from_ne_bytes(r[..8].try_into().expect("8 bytes")),
                doc: u32::from_ne_bytes(r[8..12].try_into().expect("4 bytes")),
                pos: u32::from_ne_bytes(r[12..].try_into().expect("4 bytes")),
            })
            .collect();
        postings.sort_unstable();
        let mut seeds = vec![Vec::new(); buckets as usize];
        let mut boil = vec![Vec::new(); buckets as usize];
        for group in postings.chunk_by(|x, y| x.fingerprint == y.fingerprint) {
            if group[0].doc == group[group.len() - 1].doc {
                // one document: the seed rules return nothing (their own first test)
                continue;
            }
            let out = stages::fingerprint_seeds(group, &sources.0, &cfg);
            for s in out.seeds {
                let blob: &mut Vec<u8> = &mut seeds[pair_bucket(s.a.0, s.b.0, buckets)];
                for v in [s.a.0, s.b.0, s.pos_a, s.pos_b] {
                    blob.extend_from_slice(&v.to_ne_bytes());
                }
            }
            for (d, pos) in out.boilerplate {
                let blob: &mut Vec<u8> = &mut boil[pair_bucket(d.0, d.0, buckets)];
                blob.extend_from_slice(&d.0.to_ne_bytes());
                blob.extend_from_slice(&pos.to_ne_bytes());
            }
        }
        (seeds, boil)
    });
    let (sb, sv) = non_empty(py, seeds);
    let (bb, bv) = non_empty(py, boil);
    Ok((sb, sv, bb, bv))
}

/// Stage 3, candidates and blocked ranges by bucket: every seed blob and boilerplate blob
/// of a task's buckets, sorted here by `(a, b, pos_a, pos_b)` and `(doc, pos)`: the
/// candidates `(a, b, seeds)` and each document's blocked ranges `(docs, ranges)`.
#[pyfunction]
#[pyo3(signature = (seed_blobs, boilerplate_blobs, **settings))]
#[allow(clippy::type_complexity)]
fn candidate_blobs<'py>(
    py: Python<'py>,
    seed_blobs: Vec<Bound<'py, PyBytes>>,
    boilerplate_blobs: Vec<Bound<'py, PyBytes>>,
    settings: Option<&Bound<'py, PyDict>>,
) -> PyResult<(
    Vec<u32>,
    Vec<u32>,
    Vec<Bound<'py, PyBytes>>,
    Vec<u32>,
    Vec<Bound<'py, PyBytes>>,
)> {
    let cfg = settings::find_config(settings)?;
    let seeds_raw: Vec<&[u8]> = seed_blobs.iter().map(|b| b.as_bytes()).collect();
    let boil_raw: Vec<&[u8]> = boilerplate_blobs.iter().map(|b| b.as_bytes()).collect();
    let (found, blocked) = py.detach(|| {
        let mut seeds: Vec<[u32; 4]> = seeds_raw
            .iter()
            .flat_map(|b| u32s(b))
            .collect::<Vec<u32>>()
            .chunks_exact(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
            .collect();
        seeds.sort_unstable();
        let found: Vec<Candidate> = seeds
            .chunk_by(|x, y| (x[0], x[1]) == (y[0], y[1]))
            .filter_map(|g| {
                let s: Vec<(u32, u32)> = g.iter().map(|x| (x[2], x[3])).collect();
                stages::candidate(DocNum(g[0][0]), DocNum(g[0][1]), s, &cfg)
            })
            .collect();
        let mut occ: Vec<(u32, u32)> = boil_raw
            .iter()
            .flat_map(|b| u32s(b))
            .collect::<Vec<u32>>()
            .chunks_exact(2)
            .map(|c| (c[0], c[1]))
            .collect();
        occ.sort_unstable();
        let blocked: Vec<(u32, Vec<(u32, u32)>)> = occ
            .chunk_by(|x, y| x.0 == y.0)
            .map(|g| {
                let r = stages::blocked_ranges(g.iter().map(|o| o.1), cfg.align.ngram);
                (g[0].0, r)
            })
            .collect();
        (found, blocked)
    });
    Ok((
        found.iter().map(|c| c.a.0).collect(),
        found.iter().map(|c| c.b.0).collect(),
        found
            .iter()
            .map(|c| PyBytes::new(py, &bytes_of_pairs(&c.seeds)))
            .collect(),
        blocked.iter().map(|b| b.0).collect(),
        blocked
            .iter()
            .map(|b| PyBytes::new(py, &bytes_of_pairs(&b.1)))
            .collect(),
    ))
}
