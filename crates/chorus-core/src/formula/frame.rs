//! The frame words of step 2: the capitalised and numeric words that instances of templates
//! share, from the step-1 formulas that fill a frame with values of their own.
//!
//! A step-1 formula is evidence of its template's frame when its differing specifics are
//! fillers, each side's own ([`Agreement`]): the other instances of a template lack an
//! instance's filler. Copies of one reprinted story can be step-1 formulas too, through
//! damage beyond fuzzy equality ("Scotch" printed "Scotcli", or replaced by a plain word
//! that keeps the capital), and then the specifics one side has and the other lacks are
//! the story's text, which most other copies print at the same place: counting only the
//! own differing specifics, such a passage is no formula, and the story's names it shares
//! are no frame (else step 2 makes every copy of the story sharing them a formula).

use super::{Agreement, Judgement, SideSpecifics, long_shared_run, pair_off};
use crate::order::DocNum;
use crate::spans::Occurrence;
use rayon::prelude::*;

/// Documents in which instances of templates share a capitalised or numeric word that
/// make it a word of the frame.
const FRAME_DOCS: usize = 3;

/// Whether step 1's judgement of a passage makes it a candidate for frame-word evidence:
/// a formula whose specifics differ throughout (no long stretch of the same text with
/// specifics) and whose differing specifics are at least its shared ones less one (copies
/// of a story damaged in a few names share more names than they change).
pub(super) fn candidate(j: &Judgement) -> bool {
    j.formula && !long_shared_run(j, &[]) && j.differing + 1 >= j.shared.len()
}

/// Which passages give evidence of frame words: the [`candidate`]s each of whose
/// differing specifics is its side's own ([`Agreement`]: a specific that most passages
/// over it share is a story's text that the other copy damaged, not a filler).
pub(super) fn evidence(
    occurrences: &[(Occurrence, Occurrence)],
    sides: &[SideSpecifics],
    judged: &[Judgement],
) -> Vec<bool> {
    // the differing specifics of every candidate, as (document, token)
    let differing: Vec<(usize, Vec<(DocNum, u32)>)> = (0..judged.len())
        .into_par_iter()
        .filter(|&i| candidate(&judged[i]))
        .map(|i| {
            let (x, y) = &occurrences[i];
            let (a, b) = (&sides[2 * i], &sides[2 * i + 1]);
            let p = pair_off(a, b);
            let keys = p.left[0]
                .iter()
                .map(|t| (x.doc, a.start + t.idx))
                .chain(p.left[1].iter().map(|t| (y.doc, b.start + t.idx)))
                .collect();
            (i, keys)
        })
        .collect();
    let mut asked: Vec<(DocNum, u32)> = differing.iter().flat_map(|(_, k)| k).copied().collect();
    asked.par_sort_unstable();
    asked.dedup();
    let agreement = Agreement::of(occurrences, sides, &asked);
    let mut out = vec![false; judged.len()];
    for (i, keys) in differing {
        out[i] = keys.iter().all(|&(doc, token)| agreement.own(doc, token));
    }
    out
}

/// The frame words (sorted hashes): the specifics that the passages giving `evidence`
/// share in at least [`FRAME_DOCS`] documents.
pub(super) fn words(
    occurrences: &[(Occurrence, Occurrence)],
    judged: &[Judgement],
    evidence: &[bool],
) -> Vec<u64> {
    let mut seen: Vec<(u64, DocNum)> = occurrences
        .iter()
        .zip(judged)
        .zip(evidence)
        .filter(|(_, e)| **e)
        .flat_map(|(((x, y), j), _)| j.shared.iter().flat_map(|&h| [(h, x.doc), (h, y.doc)]))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.chunk_by(|p, q| p.0 == q.0)
        .filter(|g| g.len() >= FRAME_DOCS)
        .map(|g| g[0].0)
        .collect()
}
