//! Corroboration by third copies: a weak passage is kept when other documents confirm it.
//!
//! A short text reprinted many times with heavy damage (OCR confusions, typos, dropped
//! words) leaves some pairs of its copies only a few intact words: their alignment falls
//! under the passage filters (`min_tokens`, `min_matched`, `min_similarity`). Such a
//! *weak* passage (above [`floor`]: [`WEAK_MIN_TOKENS`] tokens a side, [`WEAK_MIN_MATCHED`]
//! matched, similarity [`WEAK_MIN_SIMILARITY`]) is kept, as if it passed the filters, when
//!
//! 1. no passage that passes them already lies between the same two places;
//! 2. at least [`MIN_WITNESSES`] third documents `C` each hold passages with both of its
//!    documents, `A`–`C` over its `A` side and `B`–`C` over its `B` side (each overlapping
//!    the side by half of the longer), whose `C` sides overlap by half of the longer, at
//!    least one of the two passing the filters: both copies are copies of one span of `C`;
//! 3. its two sides share at least [`MIN_SHARED_SPECIFICS`] specifics (numbers, and
//!    capitalised words that do not start a sentence) and differ in no more specifics than
//!    they share;
//! 4. at most one of its sides already lies (by half or more) in a passage that passes:
//!    a kept passage brings a copy that has no other evidence to the others, it never
//!    joins two copies that each have theirs;
//! 5. its two documents come from different sources: a source's own repeated lines (a
//!    byline under its boilerplate share) are not reuse.
//!
//! Why these hold in general: transitivity is evidence only when it is independent of the
//! passage itself, so (2) asks for two witnesses and for one span of each witness; the
//! texts that recur across unrelated documents without being one text (stock phrases,
//! letter sign-offs, attribution lines: "did not immediately respond to a request for
//! comment") are common words, while a reprinted text keeps its own names and numbers, so
//! (3) asks for shared specifics, and for no more differing ones than shared (the sign of
//! a template with different fillers, which [`crate::formula`] rejects for the same
//! reason). Two texts that each have their own copies and share a line (two statements
//! ending in the same attribution, "Industries Inc did not immediately respond") would be
//! joined by transitivity through that line alone, so (4) leaves joining two places that
//! already have evidence to the passages that pass. Kept passages are decided after the
//! formula decision of the others and join the clustering like any passage.
//!
//! Cost: the weak passages come from the chains the aligner already builds (only the
//! final filter differs); checks (1), (2) and (4) compare token ranges, linear in the
//! passages of the two documents per weak passage; only the candidates that pass them are
//! mapped to bytes and read for their specifics.
//! Limits: a copy with no two shared seeds with any other copy is not a candidate pair and
//! is never aligned; a damaged copy whose only corroborating passages are themselves weak
//! is not kept.

use crate::align::{AlignParams, Alignment, passes};
use crate::aligned::PairAlignment;
use crate::boilerplate::Sources;
use crate::error::Result;
use crate::formula::starts_sentence;
use crate::order::{ByNumber, DocNum};
use crate::spans::Occurrence;
use crate::token_source::TokenSource;
use std::collections::HashMap;

/// Fewest tokens on each side of a weak passage.
pub const WEAK_MIN_TOKENS: usize = 5;
/// Fewest matched tokens (exact or fuzzy) of a weak passage.
pub const WEAK_MIN_MATCHED: usize = 6;
/// Lowest similarity of a weak passage.
pub const WEAK_MIN_SIMILARITY: f64 = 0.3;
/// Third documents that must corroborate a weak passage.
pub const MIN_WITNESSES: usize = 2;
/// Specifics the two sides of a kept weak passage must share.
pub const MIN_SHARED_SPECIFICS: usize = 2;

/// The filters of weak passages: `p` with its passage filters lowered to the weak floor
/// (never raised).
pub fn floor(p: &AlignParams) -> AlignParams {
    AlignParams {
        min_tokens: WEAK_MIN_TOKENS.min(p.min_tokens),
        min_matched: WEAK_MIN_MATCHED.min(p.min_matched),
        min_similarity: WEAK_MIN_SIMILARITY.min(p.min_similarity),
        ..*p
    }
}

/// Splits passages into those that pass `p`'s filters and the weak ones.
pub(crate) fn split_weak(
    aligned: Vec<PairAlignment>,
    p: &AlignParams,
) -> (Vec<PairAlignment>, Vec<PairAlignment>) {
    aligned.into_iter().partition(|x| passes(&x.alignment, p))
}

/// A passage side: its document and token range.
pub(crate) type Side = (DocNum, (u32, u32));

fn sides(p: &PairAlignment) -> (Side, Side) {
    ((p.a, p.alignment.a), (p.b, p.alignment.b))
}

pub(crate) fn len(x: &Side) -> u32 {
    x.1.1 - x.1.0
}

pub(crate) fn overlap(x: &Side, y: &Side) -> u32 {
    if x.0 != y.0 {
        return 0;
    }
    x.1.1.min(y.1.1).saturating_sub(x.1.0.max(y.1.0))
}

/// Same document, overlapping by at least half of the longer.
fn half_longer(x: &Side, y: &Side) -> bool {
    let o = overlap(x, y);
    o > 0 && 2 * o >= len(x).max(len(y))
}

/// The `weak` passages that third documents corroborate, with their occurrences, given
/// the passages `strong` that passed the filters and the formula decision (see the
/// module documentation). `tokens` are the documents' tokens when the caller holds them.
pub(crate) fn corroborated(
    strong: &[PairAlignment],
    weak: &[PairAlignment],
    docs: &dyn ByNumber,
    tokens: Option<&TokenSource<'_>>,
    sources: &Sources,
) -> Result<Vec<(usize, (Occurrence, Occurrence))>> {
    let source = |d: DocNum| sources.of_doc.get(d.index()).copied();
    let key = |x: &Side, y: &Side| (x.0.min(y.0), x.0.max(y.0));
    let strong: Vec<(Side, Side)> = strong.iter().map(sides).collect();
    let weak: Vec<(Side, Side)> = weak.iter().map(sides).collect();
    let mut between: HashMap<(DocNum, DocNum), Vec<usize>> = HashMap::new();
    for (i, (x, y)) in strong.iter().enumerate() {
        between.entry(key(x, y)).or_default().push(i);
    }
    // (1) no passage that passes the filters lies between the same two places
    let open: Vec<bool> = weak
        .iter()
        .map(|(x, y)| {
            !between.get(&key(x, y)).is_some_and(|ix| {
                ix.iter().any(|&i| {
                    let (s, t) = &strong[i];
                    (overlap(s, x) > 0 && overlap(t, y) > 0)
                        || (overlap(s, y) > 0 && overlap(t, x) > 0)
                })
            })
        })
        .collect();
    // every passage by document: (side here, side there, passes the filters)
    let mut by_doc: HashMap<DocNum, Vec<(Side, Side, bool)>> = HashMap::new();
    let weak_open = weak.iter().zip(&open).filter(|(_, o)| **o).map(|(p, _)| p);
    for ((x, y), s) in strong
        .iter()
        .map(|p| (p, true))
        .chain(weak_open.map(|p| (p, false)))
    {
        by_doc.entry(x.0).or_default().push((*x, *y, s));
        by_doc.entry(y.0).or_default().push((*y, *x, s));
    }
    let none = Vec::new();
    let held = |side: &Side| by_doc.get(&side.0).unwrap_or(&none);
    // (2) the passages of a side's document with third documents over that side
    let over = |side: &Side, other: DocNum| -> Vec<(Side, bool)> {
        held(side)
            .iter()
            .filter(|(h, o, _)| o.0 != other && o.0 != side.0 && half_longer(h, side))
            .map(|(_, o, s)| (*o, *s))
            .collect()
    };
    // (4) a side that already lies in a passage that passes
    let attached = |side: &Side| {
        held(side)
            .iter()
            .any(|(h, _, s)| *s && 2 * overlap(h, side) >= len(side))
    };
    let mut candidates: Vec<usize> = Vec::new();
    for (i, (x, y)) in weak.iter().enumerate() {
        // (5) two documents of one source: a source's own repeated lines are its
        // boilerplate, not reuse
        let one_source = source(x.0).is_some() && source(x.0) == source(y.0);
        if !open[i] || one_source || (attached(x) && attached(y)) {
            continue;
        }
        let (wx, wy) = (over(x, y.0), over(y, x.0));
        let mut witnesses: Vec<DocNum> = Vec::new();
        for (c1, s1) in &wx {
            if witnesses.contains(&c1.0) {
                continue;
            }
            if wy
                .iter()
                .any(|(c2, s2)| (*s1 || *s2) && half_longer(c1, c2))
            {
                witnesses.push(c1.0);
            }
        }
        if witnesses.len() >= MIN_WITNESSES {
            candidates.push(i);
        }
    }
    // (3) the two sides share their specifics: read in the original texts, for the
    // candidates only
    let picked: Vec<PairAlignment> = candidates
        .iter()
        .map(|&i| {
            let ((a, ta), (b, tb)) = weak[i];
            PairAlignment {
                a,
                b,
                alignment: Alignment {
                    a: ta,
                    b: tb,
                    matched: 0,
                    similarity: 0.0,
                },
            }
        })
        .collect();
    let (occurrences, _) = crate::formula::judge_passages(docs, tokens, None, &picked, false)?;
    let mut kept = Vec::new();
    for (i, (x, y)) in candidates.into_iter().zip(occurrences) {
        let sx = specifics(&docs.text(x.doc)?, &x);
        let sy = specifics(&docs.text(y.doc)?, &y);
        let shared = sx.iter().filter(|w| sy.binary_search(w).is_ok()).count();
        let differing = sx.len() + sy.len() - 2 * shared;
        if shared >= MIN_SHARED_SPECIFICS && differing <= shared {
            kept.push((i, (x, y)));
        }
    }
    Ok(kept)
}

/// The specifics of an occurrence in `text` (its document's original text), lowercased,
/// sorted and distinct: words holding a digit, and capitalised words that do not start a
/// sentence ([`starts_sentence`], as the formula step reads them).
fn specifics(text: &str, o: &Occurrence) -> Vec<String> {
    let (b, e) = (o.span.begin.min(text.len()), o.span.end.min(text.len()));
    let Some(seg) = text.get(b..e) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    let mut start: Option<usize> = None;
    let flush = |s: usize, end: usize, out: &mut Vec<String>| {
        let word = &seg[s..end];
        let numeric = word.chars().any(|c| c.is_numeric());
        let capital = word.chars().next().is_some_and(char::is_uppercase);
        if numeric || (capital && !starts_sentence(text, b + s)) {
            out.push(word.to_lowercase());
        }
    };
    for (i, c) in seg.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                flush(s, i, &mut out);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        flush(s, seg.len(), &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests;
