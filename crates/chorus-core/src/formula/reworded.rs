//! Reworded passages (`find --paraphrase`): which are formulas or no reuse. Steps 1-3 are
//! not taken for them (a rewording keeps some specifics of its source and drops others, which
//! is what their differing specifics look like); dated pairs get the rules below instead.

use super::reissue::dated_apart;
use super::{Capital, Judged, MIN_DIFFERING, SideSpecifics, map_sides, pair_off};
use crate::align::fuzzy_equal;
use crate::aligned::PairAlignment;
use crate::error::Result;
use crate::order::{ByNumber, DocNum};
use crate::token_source::{TokenSource, tokens_with_map};
use crate::tokenize::Tokens;
use rayon::prelude::*;

/// The occurrences of every reworded passage and, when `judge`, which are formulas:
/// in a pair of dated documents, a template filled for another event and reworded around
/// its slots (see [`reworded_formula`]), and, in a pair printed days apart, a passage
/// without a copied stretch ([`shared_run`]) or whose sides hold other specifics each (see
/// [`reworded_days_apart`]). Steps 1-3 are not
/// taken: a rewording keeps some specifics of its source and drops others, which is what
/// their differing specifics look like. Undated texts (essays, plagiarism) are not judged:
/// their rewriters restate figures freely (a year for a date, a rounded value), while a
/// dated stream repeats its templates with other values and rewrites a story with its own.
pub(crate) fn judge_reworded(
    docs: &dyn ByNumber,
    tokens: Option<&TokenSource<'_>>,
    aligned: &[PairAlignment],
    judge: bool,
) -> Result<Judged> {
    let (occurrences, sides) = map_sides(docs, tokens, aligned, judge)?;
    let dated = |d: DocNum| docs.meta(d).when().is_some();
    let is_formula = match judge {
        false => None,
        true => Some(
            (0..occurrences.len())
                .into_par_iter()
                .map(|i| {
                    let (x, y) = &occurrences[i];
                    let (a, b) = (&sides[2 * i], &sides[2 * i + 1]);
                    if !(dated(x.doc) && dated(y.doc)) {
                        return Ok(false);
                    }
                    if reworded_formula(a, b) {
                        return Ok(true);
                    }
                    if !dated_apart(docs.meta(x.doc).when(), docs.meta(y.doc).when()) {
                        return Ok(false);
                    }
                    let p = &aligned[i];
                    let (ta, tb) = (docs.text(p.a)?, docs.text(p.b)?);
                    let ((ta, _), (tb, _)) = (
                        tokens_with_map(tokens, p.a, &ta),
                        tokens_with_map(tokens, p.b, &tb),
                    );
                    let (ra, rb) = (p.alignment.a, p.alignment.b);
                    if shared_run(&ta, ra, &tb, rb) < COPIED_RUN {
                        return Ok(true);
                    }
                    let side =
                        |t: &Tokens, r: (u32, u32)| t.hashes[r.0 as usize..r.1 as usize].to_vec();
                    Ok(reworded_days_apart(a, b) && !copied(&side(&ta, ra), &side(&tb, rb)))
                })
                .collect::<Result<Vec<bool>>>()?,
        ),
    };
    Ok((occurrences, is_formula))
}

/// Whether a reworded passage is a formula: each side holds a figure (a specific with a
/// digit) the other lacks, the specifics either side lacks (paired off as in step 1, so a
/// damaged value is the same value) are at least [`MIN_DIFFERING`], and they are more
/// than the specifics the sides share. A rewriter keeps a source's figures or drops them
/// but does not change them (names it may spell, capitalise or replace: "the official",
/// "U.S."), so a rewording's figures are shared or on one side only; a template filled
/// for another event has other figures on both sides and shares only its frame's.
pub(super) fn reworded_formula(a: &SideSpecifics, b: &SideSpecifics) -> bool {
    let p = pair_off(a, b);
    let figure = |s: &SideSpecifics, t: &Capital| s.word(t).chars().any(char::is_numeric);
    let figures = p.left[0].iter().any(|t| figure(a, t)) && p.left[1].iter().any(|t| figure(b, t));
    let differing = p.overflow + p.left[0].len() + p.left[1].len();
    figures && differing >= MIN_DIFFERING && differing > p.shared.len()
}

/// Whether a reworded passage of two documents printed days apart (certainly at least
/// two days, [`dated_apart`]) is no reuse: each side holds a specific (a name or a figure,
/// paired off as in step 1) the other lacks, and they are at least [`MIN_DIFFERING`]. A
/// story is rewritten within its news cycle (another desk's version, an update the same
/// day); days later, two texts worded alike around other names or figures are a template
/// filled for another event (a rating action, a price change, an agency's solicitation)
/// or a later report telling the story's background in its own words. [`reworded_formula`]
/// asks for figures and more differing than shared specifics, since within a day a
/// rewriter changes how names appear; days apart the shared ones are mostly the frame's
/// (an agency, "Securities and Exchange Commission", a maturity year). A copy is spared
/// by [`copied`], the caller's test.
pub(super) fn reworded_days_apart(a: &SideSpecifics, b: &SideSpecifics) -> bool {
    let p = pair_off(a, b);
    let differing = p.overflow + p.left[0].len() + p.left[1].len();
    !p.left[0].is_empty() && !p.left[1].is_empty() && differing >= MIN_DIFFERING
}

/// Fewest tokens in a row, equal or one typo apart, that two sides days apart must share
/// to hold a copied stretch: the exact path's shortest passage
/// ([`crate::align::AlignParams::min_tokens`]).
pub(super) const COPIED_RUN: usize = 10;

/// The longest run of tokens in a row that sides `ra` of `a` and `rb` of `b` share, a token
/// equal to another or [`fuzzy_equal`] to it (a typo, an OCR confusion) counting as the
/// same. Days apart, a reworded passage sharing no run of [`COPIED_RUN`] holds nothing
/// the exact path could have found: a later report telling the story in its own words or
/// a template reworded around its slots (the same-event reports and templates that only
/// `--paraphrase` pairs), while a story rewritten or reprinted days later keeps copied
/// stretches.
pub(super) fn shared_run(a: &Tokens, ra: (u32, u32), b: &Tokens, rb: (u32, u32)) -> usize {
    fn word(t: &Tokens, i: usize) -> &str {
        let (x, y) = t.ranges.at(i);
        &t.norm[x as usize..y as usize]
    }
    let (ra, rb) = (ra.0 as usize..ra.1 as usize, rb.0 as usize..rb.1 as usize);
    let mut prev = vec![0usize; rb.len() + 1];
    let mut cur = vec![0usize; rb.len() + 1];
    let mut best = 0;
    for i in ra {
        for (k, j) in rb.clone().enumerate() {
            let same = a.hashes[i] == b.hashes[j] || fuzzy_equal(word(a, i), word(b, j));
            cur[k + 1] = if same { prev[k] + 1 } else { 0 };
            best = best.max(cur[k + 1]);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    best
}

/// Share of a side's tokens, at least, lying in word [`COPY_NGRAM`]-grams the other side
/// holds too that makes a reworded passage a copy ([`copied`]): 4 in 5.
const COPY_SHARE: (usize, usize) = (4, 5);
/// Words of the n-grams [`copied`] counts.
const COPY_NGRAM: usize = 5;

/// Whether either side of a passage (token hashes `a`, `b`) lies mostly, [`COPY_SHARE`],
/// in word n-grams the other side holds too: a copy (a reprint damaged by OCR or editing,
/// weeks later, whose differing specifics are damage, or the extent of one side), which
/// the paraphrase path reports as reworded when it reaches past the exact passages it
/// absorbed; a template's instances share their frame's lines, broken at every slot.
pub(super) fn copied(a: &[u64], b: &[u64]) -> bool {
    fn grams(t: &[u64]) -> Vec<&[u64]> {
        let mut g: Vec<&[u64]> = t.windows(COPY_NGRAM).collect();
        g.sort_unstable();
        g.dedup();
        g
    }
    let covered = |x: &[u64], other: &[&[u64]]| {
        let mut on = vec![false; x.len()];
        for (i, w) in x.windows(COPY_NGRAM).enumerate() {
            if other.binary_search(&w).is_ok() {
                on[i..i + COPY_NGRAM].iter_mut().for_each(|o| *o = true);
            }
        }
        let n = on.iter().filter(|&&o| o).count();
        !x.is_empty() && n * COPY_SHARE.1 >= x.len() * COPY_SHARE.0
    };
    let (ga, gb) = (grams(a), grams(b));
    covered(a, &gb) || covered(b, &ga)
}
