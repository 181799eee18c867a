//! Candidates through a third copy: two copies of one span of a document `C` that share
//! too few intact n-grams to be a candidate pair are aligned directly, re-seeded inside
//! the windows that their passages with `C` project.
//!
//! A short text reprinted many times with heavy damage (dropped sentences, OCR
//! confusions, typos every few words) leaves some of its copies fewer than `--min-seeds`
//! shared n-grams with each other copy, so the pair is never aligned, and at most a weak
//! passage (under the filters of [`crate::align`]) with a few of them. Such a copy `A`,
//! whose side of a weak passage `A`–`C` lies in no passage that passes the filters, is
//! aligned with each other document `B` whose passage with `C` passes the filters, covers
//! at least half of `A`'s span of `C` and is at most [`MAX_SPAN_RATIO`] times as long (a
//! longer one is a near-duplicate of `C`, or a longer text that merely contains `A`'s
//! words: on dupdocs-small, other translations of one book), when
//!
//! 1. at least [`MIN_HOLDERS`] documents besides `A` hold such passages: a text reprinted
//!    by several documents, not a line two documents happen to share;
//! 2. `A` and `B` have no passage yet (weak or not);
//! 3. at most [`MAX_PER_SIDE`] documents `B` per weak passage of `A` (by document number):
//!    one passage that passes brings the copy into its cluster;
//! 4. `A` and `C`, and `A` and `B`, come from different sources: a source's own repeated
//!    lines are its boilerplate, not reuse (as in [`crate::corroborate`]).
//!
//! The pair is seeded with the [`SEED_NGRAM`]-grams the two windows share (`A`'s side of
//! `A`–`C`, and the part of `B`'s side of `B`–`C` facing `A`'s span of `C`, read along
//! the diagonal; each widened by the extension window), and aligned
//! by the aligner with the run's parameters (chaining, gap filling, extension and
//! filters): a shorter n-gram survives where a damaged token falls every four to six
//! words. The passages found are judged as any passage (the filters, then the formula
//! decision and corroboration).
//!
//! Why it generalises: the two windows are where one text's copies already lie by the
//! evidence of `C`, so the short seeds are read only where a copy is expected, never over
//! whole documents (where three common words in a row match anywhere); and the passage
//! must still pass the filters (length, matched words, similarity) that every passage
//! passes. The holders' passages must pass the filters: weak passages over one span are
//! also the lines many documents share by chance or by outlet habit (on the 20,000-document
//! speed corpus, counting weak holders made 95,620 pairs, passing holders 3,314).
//! Cost: only copies with no passing passage over their span start candidates (none in a
//! corpus of clean copies), each at most [`MAX_PER_SIDE`] pairs of two windows of a few
//! dozen tokens. Limits: a copy with no passage at all, not even a weak one, to any copy
//! of its text is not reached; nor a copy whose span of `C` is held by weak passages only.

use crate::align::{AlignParams, align_seeds_floor, passes};
use crate::aligned::PairAlignment;
use crate::boilerplate::Sources;
use crate::corroborate::{Side, len, overlap};
use crate::error::Result;
use crate::fingerprint::for_each_ngram_key;
use crate::order::{ByNumber, DocNum};
use crate::token_source::{TokenRef, TokenSource};
use crate::tokenize::Tokens;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// n-gram length of the seeds inside the windows.
pub const SEED_NGRAM: usize = 3;
/// Documents besides `A` that must hold passages (passing the filters) over its span of `C`.
pub const MIN_HOLDERS: usize = 2;
/// Longest passage of a holder over `C`, in multiples of `A`'s span of `C`.
pub const MAX_SPAN_RATIO: u32 = 4;
/// Most documents `B` aligned with `A` through one weak passage.
pub const MAX_PER_SIDE: usize = 8;

/// Same document, overlapping by at least half of the longer.
/// A pair to align: the two windows, lower document number first.
type Window = (Side, Side);

/// The pairs to align through third copies, given the passages that pass the filters
/// (`strong`) and the weak ones (see the module documentation); in a canonical order,
/// whatever the order of the passages.
pub(crate) fn windows(
    strong: &[PairAlignment],
    weak: &[PairAlignment],
    sources: &Sources,
) -> Vec<Window> {
    let source = |d: DocNum| sources.of_doc.get(d.index()).copied();
    let one_source = |x: DocNum, y: DocNum| source(x).is_some() && source(x) == source(y);
    let key = |a: DocNum, b: DocNum| (a.min(b), a.max(b));
    let linked: HashSet<(DocNum, DocNum)> =
        strong.iter().chain(weak).map(|p| key(p.a, p.b)).collect();
    // every passage by document: (side here, side there, passes the filters)
    let mut by_doc: HashMap<DocNum, Vec<(Side, Side, bool)>> = HashMap::new();
    for (p, s) in strong
        .iter()
        .map(|p| (p, true))
        .chain(weak.iter().map(|p| (p, false)))
    {
        let (x, y) = ((p.a, p.alignment.a), (p.b, p.alignment.b));
        by_doc.entry(x.0).or_default().push((x, y, s));
        by_doc.entry(y.0).or_default().push((y, x, s));
    }
    for v in by_doc.values_mut() {
        v.sort_unstable_by_key(|(x, y, s)| (x.1, y.0, y.1, *s));
    }
    let none = Vec::new();
    let held = |d: DocNum| by_doc.get(&d).unwrap_or(&none);
    let attached = |side: &Side| {
        held(side.0)
            .iter()
            .any(|(h, _, s)| *s && 2 * overlap(h, side) >= len(side))
    };
    // the weak sides of unattached copies, in canonical order
    let mut starts: Vec<(Side, Side)> = weak
        .iter()
        .flat_map(|p| {
            let (x, y) = ((p.a, p.alignment.a), (p.b, p.alignment.b));
            [(x, y), (y, x)]
        })
        .filter(|(x, _)| !attached(x))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let mut out: Vec<Window> = Vec::new();
    let mut taken: HashSet<(DocNum, DocNum)> = HashSet::new();
    for (x, c) in starts {
        // (4) A and C of one source: a source's own repeated lines are not reuse
        if one_source(x.0, c.0) {
            continue;
        }
        // (1) the documents besides A whose passage with C passes and covers half of
        // A's span of C
        let mut holders: Vec<Side> = held(c.0)
            .iter()
            .filter(|(h, o, s)| {
                !one_source(x.0, o.0)
                    && *s
                    && o.0 != x.0
                    && 2 * overlap(h, &c) >= len(&c)
                    && len(h) <= MAX_SPAN_RATIO * len(&c)
            })
            .map(|(h, o, _)| project(h, o, &c))
            .collect();
        let mut docs: Vec<DocNum> = holders.iter().map(|o| o.0).collect();
        docs.sort_unstable();
        docs.dedup();
        if docs.len() < MIN_HOLDERS {
            continue;
        }
        // (3) by document number
        holders.sort_unstable();
        let mut n = 0;
        for o in holders {
            if n == MAX_PER_SIDE {
                break;
            }
            // (2) no passage yet, and one window pair per two documents
            let k = key(x.0, o.0);
            if linked.contains(&k) || !taken.insert(k) {
                continue;
            }
            n += 1;
            out.push(if x.0 < o.0 { (x, o) } else { (o, x) });
        }
    }
    out
}

/// The part of side `o` that a passage from `h` to `o` aligns with the part `c` of `h`,
/// read along the diagonal (offsets from the starts, clipped to `o`).
fn project(h: &Side, o: &Side, c: &Side) -> Side {
    let lo = o.1.0 + c.1.0.saturating_sub(h.1.0);
    let hi = (o.1.0 + c.1.1.saturating_sub(h.1.0)).min(o.1.1);
    (o.0, (lo.min(hi), hi))
}

/// The seeds of `a` and `b` inside windows `wa` and `wb` (token ranges): positions of the
/// `n`-grams both windows hold, sorted.
pub(crate) fn window_seeds(
    a: &Tokens,
    b: &Tokens,
    wa: (u32, u32),
    wb: (u32, u32),
    n: usize,
) -> Vec<(u32, u32)> {
    let (a0, a1) = (wa.0 as usize, (wa.1 as usize).min(a.hashes.len()));
    let (b0, b1) = (wb.0 as usize, (wb.1 as usize).min(b.hashes.len()));
    if a0 >= a1 || b0 >= b1 {
        return Vec::new();
    }
    let mut at: HashMap<u64, Vec<u32>> = HashMap::new();
    for_each_ngram_key(&b.hashes[b0..b1], n, |j, h| {
        at.entry(h).or_default().push((b0 + j) as u32);
    });
    let mut seeds = Vec::new();
    for_each_ngram_key(&a.hashes[a0..a1], n, |i, h| {
        if let Some(js) = at.get(&h) {
            seeds.extend(js.iter().map(|&j| ((a0 + i) as u32, j)));
        }
    });
    seeds.sort_unstable();
    seeds
}

/// `w` widened by `by` tokens each side, within `0..n`.
fn widen(w: (u32, u32), by: u32, n: usize) -> (u32, u32) {
    (w.0.saturating_sub(by), (w.1 + by).min(n as u32))
}

/// Aligns the pairs of [`windows`] (see the module documentation): their passages, those
/// that pass `p`'s filters and, with `floor`, the weak ones. `tokens` are the documents'
/// tokens when the caller holds them (else they are made from the texts), `blocked` the
/// boilerplate token ranges of the documents that have any, sorted by document.
#[allow(clippy::too_many_arguments)]
pub(crate) fn align_through(
    strong: &[PairAlignment],
    weak: &[PairAlignment],
    docs: &dyn ByNumber,
    tokens: Option<&TokenSource<'_>>,
    blocked: &[(DocNum, &[(u32, u32)])],
    sources: &Sources,
    p: &AlignParams,
    floor: Option<&AlignParams>,
) -> Result<Vec<PairAlignment>> {
    let blocked_of = |d: DocNum| -> &[(u32, u32)] {
        blocked
            .binary_search_by_key(&d, |b| b.0)
            .map_or(&[], |i| blocked[i].1)
    };
    let get = |d: DocNum| -> Result<TokenRef<'_>> {
        match tokens {
            Some(t) => t.get(d),
            None => Ok(TokenRef::Owned(Tokens::new(&docs.text(d)?))),
        }
    };
    let params = AlignParams {
        ngram: SEED_NGRAM,
        ..*p
    };
    let floor = floor.map(|f| AlignParams {
        ngram: SEED_NGRAM,
        ..*f
    });
    let by = p.extend_window as u32;
    let found: Vec<Vec<PairAlignment>> = windows(strong, weak, sources)
        .par_iter()
        .map(|(x, y)| {
            let (a, b) = (get(x.0)?, get(y.0)?);
            let (wa, wb) = (widen(x.1, by, a.len()), widen(y.1, by, b.len()));
            let seeds = window_seeds(&a, &b, wa, wb, SEED_NGRAM);
            Ok(align_seeds_floor(
                &a,
                &b,
                &seeds,
                &params,
                floor.as_ref(),
                blocked_of(x.0),
                blocked_of(y.0),
            )
            .into_iter()
            .filter(|al| floor.is_some() || passes(al, p))
            .map(|alignment| PairAlignment {
                a: x.0,
                b: y.0,
                alignment,
            })
            .collect())
        })
        .collect::<Result<_>>()?;
    Ok(found.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests;
