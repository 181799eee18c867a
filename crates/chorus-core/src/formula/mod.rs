//! Formulas: text that two documents share only as a frame filled with different
//! specifics (a dividend notice, a results table, a death notice, a sign-off), told apart
//! from reuse (the same text with the same specifics, copied or quoted).
//!
//! A passage's *specifics* are its tokens that name or count something: tokens holding a
//! digit, and words capitalised where a sentence does not start (names, places, months,
//! companies). Two copies of one text carry the same specifics, whatever their noise; two
//! instances of a template differ exactly there. The decision is made per aligned passage,
//! from the passage alone, in two steps:
//!
//! 1. **Differing specifics.** The specifics of one side that the other side lacks (as a
//!    multiset; a pair of them that is one damaged word counts as the same: within the
//!    aligner's fuzzy equality, such as an OCR-damaged name, one adjacent transposition
//!    apart, or holding the same digits once OCR confusions are folded), over both sides.
//!    A passage is a formula when at least 2 specifics differ and they are at least one
//!    in 25 of its tokens: a template's
//!    specifics come every few words, while a noisy copy damages words (matched fuzzily)
//!    rather than replacing names and numbers. A heavily damaged copy also drops
//!    sentences and substitutes words, names among them, so in a *noisy* passage (the
//!    aligner left at least 3 tokens unmatched per differing specific: its copies differ
//!    in many words that are no specifics, while two instances of a template differ in
//!    their fillers and little else) only the *own* differing specifics count: a
//!    specific that at least 2 of the passages over it in its document share, and at
//!    least 4 times as many as lack it, is the story's text that the other copy damaged
//!    or dropped (its copies keep it), not a filler (a template's filler is lacked by its
//!    other instances; a pooled one, a month or a round number, is shared by only some). Unless the first side holds a stretch of at
//!    least 30 tokens between two differing specifics with at least 2 shared specifics
//!    that are no *frame words* (the capitalised and numeric words that such formulas share
//!    in 3 or more documents, "Securities and Exchange Commission", counting only the
//!    formulas whose differing specifics are at least their shared ones less one, copies of a
//!    story damaged in a name or two sharing more names than they change, and each of whose
//!    differing specifics is its side's own as above, not the text of a story that most of
//!    its copies print there (`frame.rs`): that is a story reissued with other figures in
//!    one sentence, not a template. A reissue follows its story within days: two documents dated at least two
//!    days apart (certainly, a date-only value being its whole day) get no such exemption
//!    when their differing specifics are clean (the aligner left at most one and a half
//!    tokens unmatched per differing specific, and fewer than half of the side with fewer
//!    are one edit from one of the other side's; or one side's differing specifics repeat
//!    a word at least 3 times that the other side lacks altogether, a slot's value used
//!    throughout a rewritten issue, `reissue::refilled`), since a weekly or monthly report
//!    repeats its text around other values; a copy damaged by OCR or editing weeks later
//!    ("885" printed "85", plain words dropped or misread) keeps it, as do undated
//!    documents and a query (undated).
//! 2. **Inside a formula.** A passage one of whose sides lies mostly (at least half)
//!    inside the *region* of a formula of step 1 in the same document (from its first to
//!    its last differing specific, and 80 bytes around) is a formula too, when it is a
//!    proper part of such a region on both sides (the bare frame between two specifics,
//!    which two instances share exactly) or when it shares fewer than 2 specifics that are
//!    no frame words (a stock line that one document prints inside a copied story). This
//!    step is taken once, from step 1's decisions only, so formulas never chain. A copied
//!    story holding a formula line is not inside the formula (the formula lies inside it),
//!    and the same instance of a template reprinted shares its specifics: both stay reuse.
//!    **Slots at the edges** (`edges.rs`, after step 2, where dates are at hand): a pair's
//!    one passage, dated 2+ days apart and less than 3/4 of a document, is a formula when just
//!    beyond one of its ends each side holds a number the other's words there lack,
//!    between the same two words (the aligner stopped at a filler; the frame resumes).
//!    **A lone short stretch** (`lone.rs`): a dated pair whose whole shared text is one
//!    stretch of about a sentence is reuse only with evidence of copying (quoted, a whole
//!    notice, running on past a damaged word, whole sentences when days apart, a sentence
//!    or clause copied within days that no four documents fill as a frame).
//! 3. **Recurring stock lines** (`recur.rs`), decided per document pair where the corpus
//!    is at hand (`find`, `dedup`, and their stages, which count the corpus's part by
//!    n-gram: [`Recurrence`]): a pair whose passages are all short lines sharing at most
//!    one name of their own, each line's words recurring in 4 or more documents of the
//!    corpus printed days apart (unrelated to the pair, or printed on a schedule:
//!    `schedule.rs`), is a template's pair (no single passage shows other specifics).
//! 4. **The same notice filed twice** (`same_notice`): a passage covering at least three
//!    quarters of two short documents (at most 64 tokens) that hold the same values (their
//!    specifics and the numbers they spell, "four cts"; a number in words pairs with its
//!    digits, "Record April Three" and "Record April 3"), at least 3, dated less than two
//!    days apart, stays reuse whatever steps 2 and 3 said. A short notice whose values are
//!    all common ones ("Qtly div 30 cts vs 30 cts prior / Pay April 30 / Record April 3")
//!    has no specifics of its own beyond the frame's, but every slot filled alike within two
//!    days is one notice reported twice. Limit: two issuers' notices that name neither
//!    issuer in their text and agree in every value the same day are reported as reuse.
//!
//! Formulas are kept out of clusters, so that two documents are never in one cluster
//! through a shared frame, and are listed on request as their own groups
//! ([`crate::report::Formula`]). Cost: a pass over each passage side's tokens while its
//! byte span is mapped, a sort of the capitalised and numeric tokens of each passage, and
//! for the noisy formulas of step 1 a count of the passages sharing each of their
//! differing specifics (a pass over the passages' specifics, a sort of those asked about).
//! Limits: languages without letter case (Chinese, Japanese, Thai) have only numbers as
//! specifics; a template whose every instance names the same entity and numbers (the same
//! company "declined to comment" twice) is reported as reuse; a statement that its copies
//! changed in every name is reported as a formula; a short passage without specifics of
//! its own, lying inside a formula's frame in some document (where the aligner ran on
//! from it into text with other names and numbers), is taken for that frame. Words are
//! counted as tokens ("7,242,117" is three numbers).

use crate::aligned::PairAlignment;
use crate::document::Span;
use crate::error::Result;
use crate::order::{ByNumber, DocNum};
use crate::spans::{Occurrence, attached_punctuation, token_span};
use crate::token_source::{TokenSource, tokens_with_map};
use crate::tokenize::Tokens;
use agreement::Agreement;
use notice::{NOTICE_TOKENS, notice_values, same_notice};
use rayon::prelude::*;
pub(crate) use reissue::Apart;
use reissue::{damaged, dated_apart, long_shared_run, near_equal, refilled, reissued_apart};
pub(crate) use reworded::judge_reworded;

mod agreement;
mod edges;
mod frame;
mod lone;
mod notice;
mod recur;
mod reissue;
mod reworded;
#[cfg(test)]
mod tests;
pub(crate) use recur::{Ask, Corpus, line_ngrams};
/// Words of the n-grams whose recurrence step 3 counts, and documents holding one that make
/// it recur.
pub(crate) const STOCK_LINE_NGRAM: usize = recur::NGRAM;
pub(crate) const STOCK_LINE_DOCS: usize = recur::RECUR_DOCS;
pub(crate) const STOCK_LINE_SPREAD: i64 = recur::SPREAD;
pub use recur::{NgramsHeld, Recurrence, ngrams_held};

/// Fewest differing specifics that make a formula.
pub(crate) const MIN_DIFFERING: usize = 2;
/// A formula's differing specifics are at least one in this many of its tokens (both
/// sides counted): 1 in 25.
pub(crate) const MAX_DIFFERING_SHARE: usize = 25;
/// Tokens of the same text, with specifics of its own, that make a copy of a passage
/// whose specifics differ elsewhere.
pub(crate) const LONG_RUN: u32 = 30;
/// Bytes around the differing specifics of a formula that count as its frame.
const REGION_MARGIN: usize = 80;
/// A passage is noisy when the aligner left at least this many unmatched tokens per
/// differing specific ([`noisy`]).
const NOISE_RATIO: usize = 3;
/// Unmatched specifics compared fuzzily per side, at most (bounds the quadratic step).
const MAX_FUZZY: usize = 64;

/// A capitalised or numeric token of a passage side.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Capital {
    hash: u64,
    /// A specific: not a capital that only starts a sentence.
    specific: bool,
    /// Its normalised text in [`SideSpecifics::text`].
    word: (u32, u32),
    /// Its bytes in the original text.
    at: (u32, u32),
    /// Its token number in the side.
    idx: u32,
}

/// The capitalised and numeric tokens of one passage side, sorted by hash (specifics
/// first among equal hashes).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct SideSpecifics {
    tokens: Vec<Capital>,
    text: String,
    /// Tokens in the side.
    len: usize,
    /// The token hashes of a side of at most [`recur::MAX_LINE`] tokens (a stock line
    /// candidate), else empty.
    line: Vec<u64>,
    /// The side's first token number in its document.
    start: u32,
    /// Tokens of the side that the aligner matched (exactly or fuzzily) with the other
    /// side, when known.
    matched: Option<u32>,
    /// The words just outside the side ([`edges`]).
    edges: edges::Edges,
    /// Tokens of the side's whole document.
    doc_len: usize,
    /// The text around a side of at most [`lone::SHORT`] tokens ([`lone`]), else default.
    lone: lone::Around,
    /// The values of a short document that the side mostly covers ([`notice_values`]),
    /// else empty.
    notice: Vec<String>,
}

impl SideSpecifics {
    /// The specifics of tokens `t0..t1` of a document: `tokens` its tokens, `map` the
    /// offset map of its normalised text, `original` its text.
    pub(crate) fn of(tokens: &Tokens, map: &[u32], original: &str, (t0, t1): (u32, u32)) -> Self {
        let mut out = SideSpecifics {
            len: (t1 - t0) as usize,
            start: t0,
            doc_len: tokens.len(),
            edges: edges::Edges::of(tokens, map, original, (t0, t1)),
            ..Default::default()
        };
        if (t1 - t0) as usize <= recur::MAX_LINE {
            out.line = tokens.hashes[t0 as usize..t1 as usize].to_vec();
        }
        if t1 > t0 && (t1 - t0) as usize <= lone::SHORT {
            out.lone = lone::Around::of(tokens, map, original, (t0, t1));
        }
        if tokens.len() <= NOTICE_TOKENS && 4 * out.len >= 3 * tokens.len() {
            out.notice = notice_values(tokens, map, original);
        }
        for i in t0 as usize..t1 as usize {
            let (b, e) = tokens.ranges.at(i);
            let word = &tokens.norm[b as usize..e as usize];
            let numeric = word.chars().any(char::is_numeric);
            let at = map[b as usize] as usize;
            let capital = capital_at(original, at);
            if !numeric && !capital {
                continue;
            }
            let begin = out.text.len() as u32;
            out.text.push_str(word);
            out.tokens.push(Capital {
                hash: tokens.hashes[i],
                specific: numeric || !starts_sentence(original, at),
                word: (begin, out.text.len() as u32),
                at: (at as u32, map[e as usize]),
                idx: i as u32 - t0,
            });
        }
        out.tokens.sort_unstable_by_key(|t| (t.hash, !t.specific));
        out
    }

    /// The same specifics, knowing that `matched` tokens of the side were matched with
    /// the other side by the aligner ([`crate::align::Alignment::matched`]).
    pub(crate) fn with_matched(mut self, matched: u32) -> Self {
        self.matched = Some(matched);
        self
    }

    fn word(&self, t: &Capital) -> &str {
        &self.text[t.word.0 as usize..t.word.1 as usize]
    }
}

/// Whether the character at byte `at` of `text` is an upper-case letter.
pub(crate) fn capital_at(text: &str, at: usize) -> bool {
    text.get(at..)
        .and_then(|s| s.chars().next())
        .is_some_and(char::is_uppercase)
}

/// Whether the word at byte `at` of `text` starts a sentence (or a line, or the text):
/// only spaces, opening quotation marks and brackets lie between it and the end of the
/// previous sentence.
pub(crate) fn starts_sentence(text: &str, at: usize) -> bool {
    for c in text[..at].chars().rev() {
        match c {
            ' ' | '\t' | '"' | '\'' | '“' | '‘' | '«' | '„' | '(' | '[' | '¿' | '¡' => {
                continue;
            }
            '.' | '!' | '?' | ':' | ';' | '\n' | '\r' | '…' => return true,
            _ => return false,
        }
    }
    true
}

/// The specifics of `x` that `y` lacks (multiset difference by token hash).
fn unmatched<'s>(x: &'s SideSpecifics, y: &SideSpecifics) -> Vec<&'s Capital> {
    let mut out = Vec::new();
    let mut j = 0;
    for group in x.tokens.chunk_by(|p, q| p.hash == q.hash) {
        let h = group[0].hash;
        while j < y.tokens.len() && y.tokens[j].hash < h {
            j += 1;
        }
        let mut in_y = 0;
        while j + in_y < y.tokens.len() && y.tokens[j + in_y].hash == h {
            in_y += 1;
        }
        // specifics sort first in a group: the unmatched ones are the specifics beyond
        // the other side's count
        let specific = group.iter().filter(|t| t.specific).count();
        let missing = group.len().saturating_sub(in_y).min(specific);
        out.extend(&group[..missing]);
    }
    out
}

/// What the specifics of a passage say (see the module documentation, step 1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Judgement {
    /// The specifics differ as a template's do.
    formula: bool,
    /// Hashes of the specifics of the first side that the second has too.
    shared: Vec<u64>,
    /// How many specifics differ, over both sides.
    differing: usize,
    /// Tokens of the two sides that the aligner left unmatched, when known.
    unmatched: Option<usize>,
    /// At least half of the differing specifics of the side with fewer are one edit from
    /// a differing specific of the other side ([`damaged`]): a copy's damage rather than
    /// other values.
    damaged: bool,
    /// One side's differing specifics repeat one word at least [`reissue::REFILL_REPEAT`] times that
    /// the other side lacks altogether ([`refilled`]): a slot's value used throughout the
    /// text, as a periodic report's period or a notice's date.
    refilled: bool,
    /// Where the differing specifics lie in each side's original text (from the first to
    /// the last), when they make a formula.
    region: [Option<Span>; 2],
    /// When they make a formula: the token numbers of the first side's differing
    /// specifics (sorted), of its specifics the second side has too (with their hashes),
    /// and its length.
    first_side: Option<FirstSide>,
}

/// The token numbers of a side's differing specifics, its shared specifics with their
/// hashes, and its length.
type FirstSide = (Vec<u32>, Vec<(u32, u64)>, u32);

/// The specifics of the two sides of a passage paired off: by token hash, then the
/// damaged ones (within [`near_equal`]).
struct Paired<'s> {
    /// The specifics of the first side that the second lacks by hash.
    ua: Vec<&'s Capital>,
    /// The specifics of each side left without a partner.
    left: [Vec<&'s Capital>; 2],
    /// Unpaired specifics beyond [`MAX_FUZZY`] per side, not compared fuzzily.
    overflow: usize,
    /// Hashes of the specifics of the first side that the second has too.
    shared: Vec<u64>,
}

fn pair_off<'s>(a: &'s SideSpecifics, b: &'s SideSpecifics) -> Paired<'s> {
    let ua = unmatched(a, b);
    let mut ub = unmatched(b, a);
    let mut shared: Vec<u64> = a
        .tokens
        .iter()
        .filter(|t| t.specific)
        .map(|t| t.hash)
        .collect();
    shared.dedup();
    shared.retain(|h| b.tokens.binary_search_by_key(h, |t| t.hash).is_ok());
    let overflow = ua.len().saturating_sub(MAX_FUZZY) + ub.len().saturating_sub(MAX_FUZZY);
    let mut left: Vec<&Capital> = Vec::new();
    ub.truncate(MAX_FUZZY);
    for x in ua.iter().take(MAX_FUZZY) {
        match ub.iter().position(|y| near_equal(a.word(x), b.word(y))) {
            Some(k) => {
                ub.swap_remove(k);
            }
            None => left.push(x),
        }
    }
    Paired {
        ua,
        left: [left, ub],
        overflow,
        shared,
    }
}

/// Whether the aligner left unmatched at least [`NOISE_RATIO`] tokens per differing
/// specific in a passage: its copies differ in many words that are no specifics (typos,
/// inserted, dropped and substituted words), as noisy copies do, while two instances of
/// a template differ in their fillers and little else. Unknown when the sides do not
/// carry the aligner's count (then not noisy).
fn noisy(a: &SideSpecifics, b: &SideSpecifics, differing: usize) -> bool {
    match (a.matched, b.matched) {
        (Some(x), Some(y)) => {
            let damaged = (a.len + b.len).saturating_sub((x + y) as usize);
            damaged >= NOISE_RATIO * differing
        }
        _ => false,
    }
}

/// Compares the specifics of the two sides of a passage; `own(side, capital)` says which
/// unpaired specifics of the first (`false`) or second side count as differing.
fn judge(a: &SideSpecifics, b: &SideSpecifics, own: &dyn Fn(bool, &Capital) -> bool) -> Judgement {
    let p = pair_off(a, b);
    let left: Vec<&Capital> = p.left[0]
        .iter()
        .copied()
        .filter(|t| own(false, t))
        .collect();
    let ub: Vec<&Capital> = p.left[1].iter().copied().filter(|t| own(true, t)).collect();
    let differing = p.overflow + left.len() + ub.len();
    let formula = differing >= MIN_DIFFERING && differing * MAX_DIFFERING_SHARE >= a.len + b.len;
    let region = |ts: &[&Capital]| {
        let b = ts.iter().map(|t| t.at.0).min()?;
        let e = ts.iter().map(|t| t.at.1).max()?;
        Some(Span::new(b as usize, e as usize))
    };
    let first_side = formula.then(|| {
        let mut at: Vec<u32> = left.iter().map(|t| t.idx).collect();
        at.sort_unstable();
        let matched = a
            .tokens
            .iter()
            .filter(|t| t.specific && !p.ua.iter().any(|u| std::ptr::eq(*u, *t)))
            .map(|t| (t.idx, t.hash))
            .collect();
        (at, matched, a.len as u32)
    });
    Judgement {
        formula,
        differing,
        unmatched: match (a.matched, b.matched) {
            (Some(x), Some(y)) => Some((a.len + b.len).saturating_sub((x + y) as usize)),
            _ => None,
        },
        damaged: formula && damaged(a, b, &left, &ub),
        refilled: formula && (refilled(&left, b) || refilled(&ub, a)),
        shared: p.shared,
        region: if formula {
            [region(&left), region(&ub)]
        } else {
            [None, None]
        },
        first_side,
    }
}

/// Every passage's two occurrences, and which passages are formulas (when judged).
pub(crate) type Judged = (Vec<(Occurrence, Occurrence)>, Option<Vec<bool>>);

/// The two occurrences of every aligned passage (byte spans of the original texts,
/// extended over the punctuation both copies share) and, when `judge`, which passages are
/// formulas ([`formulas`]): the one decision of `find`, `dedup` and the server's clusters.
/// Each document involved is normalised once for its offset map, and every passage side in
/// it is mapped then (one map in memory per thread). `tokens` are the documents' tokens
/// when the caller holds them (else they are made again from the texts). Step 3 reads
/// the corpus in `recurrence` when given (the stages of a distributed engine), else in
/// `tokens`, and is not taken without either.
pub(crate) fn judge_passages(
    docs: &dyn ByNumber,
    tokens: Option<&TokenSource<'_>>,
    recurrence: Option<&Recurrence>,
    aligned: &[PairAlignment],
    judge: bool,
) -> Result<Judged> {
    let (occurrences, side_specifics) = map_sides(docs, tokens, aligned, judge)?;
    let apart = |x: DocNum, y: DocNum| dated_apart(docs.meta(x).when(), docs.meta(y).when());
    let dated = |x: DocNum, y: DocNum| {
        let (wx, wy) = (docs.meta(x).when(), docs.meta(y).when());
        (wx.is_some() && wy.is_some()).then(|| dated_apart(wx, wy))
    };
    let corpus = match (recurrence, tokens) {
        (Some(r), _) => Some(recur::Corpus::Counted(r)),
        (None, Some(tokens)) => Some(recur::Corpus::Tokens { docs, tokens }),
        (None, None) => None,
    };
    let is_formula = match (judge, corpus) {
        (false, _) => None,
        (true, Some(corpus)) => Some(formulas_in(
            &occurrences,
            &side_specifics,
            &corpus,
            &apart,
            &dated,
        )?),
        (true, None) => Some(formulas(&occurrences, &side_specifics)),
    };
    Ok((occurrences, is_formula))
}

/// The two occurrences of every aligned passage and the specifics of its two sides
/// (`2 * i` and `2 * i + 1`).
type Mapped = (Vec<(Occurrence, Occurrence)>, Vec<SideSpecifics>);

/// The two occurrences of every aligned passage and, when `judge`, the specifics of its
/// two sides (`2 * i` and `2 * i + 1`; else none).
fn map_sides(
    docs: &dyn ByNumber,
    tokens: Option<&TokenSource<'_>>,
    aligned: &[PairAlignment],
    judge: bool,
) -> Result<Mapped> {
    let mut sides: Vec<(DocNum, u32)> = aligned
        .iter()
        .enumerate()
        .flat_map(|(i, p)| [(p.a, 2 * i as u32), (p.b, 2 * i as u32 + 1)])
        .collect();
    sides.sort_unstable();
    let per_doc: Vec<&[(DocNum, u32)]> = sides.chunk_by(|x, y| x.0 == y.0).collect();
    let mapped: Vec<Vec<(u32, Span, SideSpecifics)>> = per_doc
        .par_iter()
        .map(|g| {
            let d = g[0].0;
            let text = docs.text(d)?;
            let (t, map) = tokens_with_map(tokens, d, &text);
            Ok(g.iter()
                .map(|&(_, side)| {
                    let al = &aligned[side as usize / 2].alignment;
                    let range = if side % 2 == 0 { al.a } else { al.b };
                    let specifics = if judge {
                        SideSpecifics::of(&t, &map, &text, range).with_matched(al.matched)
                    } else {
                        SideSpecifics::default()
                    };
                    (side, token_span(&t, &map, range), specifics)
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    drop(per_doc);
    drop(sides);
    let mut side_span = vec![Span::new(0, 0); 2 * aligned.len()];
    let mut side_specifics =
        vec![SideSpecifics::default(); if judge { 2 * aligned.len() } else { 0 }];
    for (side, span, specifics) in mapped.into_iter().flatten() {
        side_span[side as usize] = span;
        if judge {
            side_specifics[side as usize] = specifics;
        }
    }
    let occurrences: Vec<(Occurrence, Occurrence)> = aligned
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let (sa, sb) = attached_punctuation(
                &docs.text(p.a)?,
                side_span[2 * i],
                &docs.text(p.b)?,
                side_span[2 * i + 1],
            );
            Ok((
                Occurrence { doc: p.a, span: sa },
                Occurrence { doc: p.b, span: sb },
            ))
        })
        .collect::<Result<_>>()?;
    Ok((occurrences, side_specifics))
}

/// Which passages are formulas by steps 1 and 2 (see the module documentation), from
/// each passage's two occurrences and the specifics of its two sides (`sides[2 * i]` and
/// `sides[2 * i + 1]` for passage `i`): the decision where no corpus is at hand (a
/// query).
pub(crate) fn formulas(
    occurrences: &[(Occurrence, Occurrence)],
    sides: &[SideSpecifics],
) -> Vec<bool> {
    let judged = judge_all(occurrences, sides);
    let evidence = frame::evidence(occurrences, sides, &judged);
    decide_with_frame(occurrences, &judged, &evidence, &|_, _| false).0
}

/// [`formulas`], then step 3 (recurring stock lines, [`recur`]) over `corpus`.
pub(crate) fn formulas_in(
    occurrences: &[(Occurrence, Occurrence)],
    sides: &[SideSpecifics],
    corpus: &recur::Corpus<'_>,
    apart: Apart<'_>,
    dated: Dated<'_>,
) -> Result<Vec<bool>> {
    let judged = judge_all(occurrences, sides);
    let evidence = frame::evidence(occurrences, sides, &judged);
    let (mut is, frame) = decide_with_frame(occurrences, &judged, &evidence, apart);
    // where step 1's formulas differ in each document (their first to last differing
    // specific): a template instance's slot values, which step 3 reads
    let mut slots: Vec<(DocNum, Span)> = occurrences
        .iter()
        .zip(&judged)
        .zip(&is)
        .filter(|(_, f)| **f)
        .flat_map(|(((x, y), j), _)| [(x.doc, j.region[0]), (y.doc, j.region[1])])
        .filter_map(|(d, r)| Some((d, r?)))
        .collect();
    slots.sort_unstable();
    slots.dedup();
    edges::slots_at_edges(occurrences, sides, apart, &mut is);
    // lone short stretches: formulas without evidence of copying
    for i in lone::lone_stretches(occurrences, sides, dated, &is) {
        is[i] = true;
    }
    let own: Vec<Vec<u64>> = judged
        .iter()
        .map(|j| {
            j.shared
                .iter()
                .copied()
                .filter(|h| frame.binary_search(h).is_err())
                .collect()
        })
        .collect();
    recur::stock_lines(occurrences, sides, &own, &slots, corpus, &mut is)?;
    // the same notice filed twice the same day stays reuse, whatever steps 2 and 3 said
    for (i, (x, y)) in occurrences.iter().enumerate() {
        if is[i]
            && dated(x.doc, y.doc) == Some(false)
            && same_notice(&sides[2 * i], &sides[2 * i + 1])
        {
            is[i] = false;
        }
    }
    Ok(is)
}

/// The passages not yet judged formulas (`is`), as `(first document, second document,
/// passage)` sorted, so that each document pair's passages lie together (steps 2b, 2c).
fn unjudged_by_pair(
    occurrences: &[(Occurrence, Occurrence)],
    is: &[bool],
) -> Vec<(u32, u32, usize)> {
    let mut by_pair: Vec<(u32, u32, usize)> = occurrences
        .iter()
        .enumerate()
        .filter(|(i, _)| !is[*i])
        .map(|(i, (x, y))| (x.doc.0.min(y.doc.0), x.doc.0.max(y.doc.0), i))
        .collect();
    by_pair.sort_unstable();
    by_pair
}

/// Whether two documents are both dated and then whether certainly at least two days
/// apart (as [`Apart`]); `None` when either is undated (a query's text is).
pub(crate) type Dated<'a> = &'a (dyn Fn(DocNum, DocNum) -> Option<bool> + Sync);

/// Step 1's judgement of every passage: by all its differing specifics, then, for a
/// noisy passage judged a formula, by its own differing specifics only ([`Agreement`]).
fn judge_all(occurrences: &[(Occurrence, Occurrence)], sides: &[SideSpecifics]) -> Vec<Judgement> {
    let all = |_: bool, _: &Capital| true;
    let mut judged: Vec<Judgement> = (0..occurrences.len())
        .into_par_iter()
        .map(|i| judge(&sides[2 * i], &sides[2 * i + 1], &all))
        .collect();
    let noisy_formulas: Vec<usize> = (0..occurrences.len())
        .filter(|&i| {
            judged[i].formula && noisy(&sides[2 * i], &sides[2 * i + 1], judged[i].differing)
        })
        .collect();
    // the differing specifics of the noisy formulas, asked about in every passage over them
    let mut asked: Vec<(DocNum, u32)> = noisy_formulas
        .par_iter()
        .flat_map_iter(|&i| {
            let (x, y) = &occurrences[i];
            let (a, b) = (&sides[2 * i], &sides[2 * i + 1]);
            let p = pair_off(a, b);
            let keys: Vec<(DocNum, u32)> = p.left[0]
                .iter()
                .map(|t| (x.doc, a.start + t.idx))
                .chain(p.left[1].iter().map(|t| (y.doc, b.start + t.idx)))
                .collect();
            keys
        })
        .collect();
    asked.par_sort_unstable();
    asked.dedup();
    let agreement = Agreement::of(occurrences, sides, &asked);
    let again: Vec<(usize, Judgement)> = noisy_formulas
        .into_par_iter()
        .map(|i| {
            let (x, y) = &occurrences[i];
            let (a, b) = (&sides[2 * i], &sides[2 * i + 1]);
            let own = |second: bool, t: &Capital| {
                let (doc, s) = if second { (y.doc, b) } else { (x.doc, a) };
                agreement.own(doc, s.start + t.idx)
            };
            (i, judge(a, b, &own))
        })
        .collect();
    for (i, j) in again {
        judged[i] = j;
    }
    judged
}

/// Step 2 of the module documentation, from every passage's judgement of step 1.
#[cfg(test)]
fn decide(occurrences: &[(Occurrence, Occurrence)], judged: &[Judgement]) -> Vec<bool> {
    decide_with_frame(occurrences, judged, &frame_evidence(judged), &|_, _| false).0
}

/// Which passages give frame-word evidence when no sides are at hand (unit tests of step
/// 2): step 1's candidates, every differing specific counted as the side's own.
#[cfg(test)]
fn frame_evidence(judged: &[Judgement]) -> Vec<bool> {
    judged.iter().map(frame::candidate).collect()
}

/// Step 2 of the module documentation, from every passage's judgement of step 1 and which
/// passages give frame-word evidence ([`frame::evidence`]); and the frame words (sorted
/// hashes).
fn decide_with_frame(
    occurrences: &[(Occurrence, Occurrence)],
    judged: &[Judgement],
    evidence: &[bool],
    apart: Apart<'_>,
) -> (Vec<bool>, Vec<u64>) {
    // the frame's own capitalised and numeric words: those that instances of templates
    // share (they are no specifics of any one instance) in at least FRAME_DOCS documents
    let frame = frame::words(occurrences, judged, evidence);
    // step 1: differing specifics, unless a long stretch of the text is the same
    let step1: Vec<bool> = occurrences
        .iter()
        .zip(judged)
        .map(|((x, y), j)| {
            j.formula && ((reissued_apart(j) && apart(x.doc, y.doc)) || !long_shared_run(j, &frame))
        })
        .collect();
    // the formula regions of step 1 (from the first to the last differing specific, and
    // up to REGION_MARGIN bytes around, inside the passage), per document
    let grow = |o: &Occurrence, r: Option<Span>| {
        let r = r.unwrap_or(o.span);
        let b = r.begin.saturating_sub(REGION_MARGIN).max(o.span.begin);
        let e = (r.end + REGION_MARGIN).min(o.span.end);
        (o.doc, Span::new(b.min(e), e))
    };
    let mut spans: Vec<(DocNum, Span)> = occurrences
        .iter()
        .zip(judged)
        .zip(&step1)
        .filter(|(_, f)| **f)
        .flat_map(|(((x, y), j), _)| [grow(x, j.region[0]), grow(y, j.region[1])])
        .collect();
    spans.sort_unstable();
    spans.dedup();
    // the formula span holding at least half of `o`, if any: whether `o` is a proper part
    // of it (at most four fifths of its length)
    let inside = |o: &Occurrence| -> Option<bool> {
        let lo = spans.partition_point(|(d, _)| *d < o.doc);
        let hi = spans.partition_point(|(d, _)| *d <= o.doc);
        spans[lo..hi]
            .iter()
            .filter(|(_, s)| 2 * s.overlap(&o.span) >= o.span.len().max(1))
            .map(|(_, s)| 5 * o.span.len() <= 4 * s.len())
            .max()
    };
    let is = occurrences
        .iter()
        .zip(judged)
        .zip(step1)
        .map(|(((x, y), j), formula)| {
            // the specifics of this instance that the two sides share
            let own = j
                .shared
                .iter()
                .filter(|h| frame.binary_search(h).is_err())
                .count();
            formula
                || match (inside(x), inside(y)) {
                    // the bare frame of two instances, or two instances sharing no
                    // specifics of their own
                    (Some(px), Some(py)) => px || py || own < MIN_DIFFERING,
                    // a stock line, printed on its own in one document and inside
                    // other text in the other
                    (Some(_), None) | (None, Some(_)) => own < MIN_DIFFERING,
                    (None, None) => false,
                }
        })
        .collect();
    (is, frame)
}
