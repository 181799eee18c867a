//! Recurring stock lines: the formulas that no single passage shows, decided per document
//! pair from the frame's recurrence across the corpus (step 3 of the parent module).
//!
//! A template's instances often share only bare frame pieces: the aligner stops where the
//! fillers start, so a passage such as "It said it may buy more shares or sell some or all
//! of its current stake" holds no differing specifics, and steps 1 and 2 keep it. What
//! gives it away is the corpus around it: its words recur in many other documents printed
//! on other days, and the two documents share nothing of their own (no specifics that are
//! no frame words) in any of their passages. So the passages of a pair of documents are
//! formulas when, taking the pair's passages that are no formulas yet:
//!
//! - all of them are short (at most [`MAX_LINE`] tokens a side: lines, not stories) and
//!   together share at most [`MAX_OWN`] specifics that are no frame words (one name: the
//!   same investor or bank in every instance of its template; a copied story, or a
//!   statement naming its people, places and numbers, shares more: it stays reuse, and a
//!   stock line inside a copy never hides the copy, whose pair shares them), and they
//!   do not cover both documents whole with the same text (9 in 10 of each document's
//!   tokens, every one matched: one notice filed or printed twice is reuse however common
//!   its wording);
//! - each of them *recurs* on both sides: at least [`RECUR_SHARE_NUM`] in
//!   [`RECUR_SHARE_DEN`] of its tokens lie in word [`NGRAM`]-grams that the corpus's
//!   documents hold printed at least [`SPREAD`] seconds apart (a frame recurs over time; a
//!   statement printed by a hundred outlets within a day stays reuse), and at least
//!   [`RECUR_DOCS`] of those documents, and no fewer than the others, are *unrelated* to
//!   the pair: neither document shares with them a passage that is no formula yet. The
//!   copies of a reprinted story hold its words too, but they are the documents' partners
//!   (the aligner paired them); a stock line's other instances are in documents that share
//!   nothing else, or only passages earlier steps judged formulas (a notice family whose
//!   fixed last lines the aligner pairs in every two instances);
//!   An n-gram printed on a schedule (one hour of the day, day after day, for weeks:
//!   [`schedule`]) recurs whoever its holders are: a daily column's editions pair with
//!   each other through its opening line, as a brief's reprints do, but reprints follow
//!   their first printing at random lags and hours.
//! - no side holds the whole region where a formula of step 1 in its document differs from
//!   another instance (the slots' values): the pair agrees where the instances differ, one
//!   instance printed twice.
//!
//! The decision reads the corpus and the passages found, not earlier decisions of this
//! step, so it never chains. Undated documents give no spread, so a corpus without dates
//! keeps such pairs; where no corpus is at hand (a query without an index) the step is not
//! taken, and a query against an index asks it once the candidates are known
//! ([`Corpus::Asked`], see [`crate::query_stock`]). The
//! stages of a distributed engine count the holders themselves ([`Recurrence`]): the
//! n-grams of every short aligned passage ([`line_ngrams`], a superset of the candidates'),
//! then which of them each document holds ([`ngrams_held`], in any partition), merged;
//! the holders of an n-gram do not depend on which others are looked up, so the decision
//! is `find`'s. Cost: one pass over every document's tokens (hashed from the packed tokens,
//! or made again from the text when they are not held in memory), looking up the n-grams of
//! the candidate lines behind a bit filter (`Wanted`); only when some pair is a candidate.

use super::SideSpecifics;
use crate::document::Span;
use crate::error::Result;
use crate::fingerprint::for_each_ngram_fingerprint;
use crate::order::{ByNumber, DocNum};
use crate::spans::Occurrence;
use crate::token_source::TokenSource;
use crate::tokenize::Tokens;
use crate::when::When;
use rayon::prelude::*;
use schedule::scheduled;

/// Step 3's reading of the holders' dates (a file of the formula module).
#[path = "schedule.rs"]
mod schedule;

/// Most specifics of their own (no frame words) that the passages of a pair of stock
/// lines share: one name ("George Soros", "Morgan Guaranty").
pub(crate) const MAX_OWN: usize = 2;
/// Longest side (tokens) of a passage that may be a stock line: a notice's fixed closing
/// lines (an agenda and its deposit clause) run to 70-90 tokens; a story's shared text is
/// longer.
pub(crate) const MAX_LINE: usize = 96;
/// Words of the n-grams whose recurrence is counted.
pub(crate) const NGRAM: usize = 5;
/// Documents holding an n-gram that make it recur.
pub(crate) const RECUR_DOCS: usize = 4;
/// Seconds between the earliest and the latest of the documents holding a recurring
/// n-gram (the latest's first second after the earliest's last): two days.
pub(crate) const SPREAD: i64 = 2 * 24 * 3600;
/// Share of a side's tokens in recurring n-grams that makes the side recur: 2 in 5.
pub(crate) const RECUR_SHARE_NUM: usize = 2;
pub(crate) const RECUR_SHARE_DEN: usize = 5;

/// Where step 3 reads the corpus.
pub(crate) enum Corpus<'a> {
    /// Every document's date and tokens (`find`, `dedup`).
    Tokens {
        docs: &'a dyn ByNumber,
        tokens: &'a TokenSource<'a>,
    },
    /// The holders of the candidate lines' n-grams, counted by the stages of a
    /// distributed engine ([`Recurrence`]).
    Counted(&'a Recurrence),
    /// The holders asked for once the candidates are known (a query against an index),
    /// and the partners of the pairs that would be formulas without them.
    Asked(&'a dyn Ask),
}

/// A corpus asked for what step 3 needs once the candidates are known
/// ([`Corpus::Asked`]).
pub(crate) trait Ask {
    /// The documents holding each n-gram of `wanted` (sorted), with their dates: a
    /// document's date may be left out where it cannot change [`SPREAD`]'s test, which
    /// reads the holders of an n-gram of [`RECUR_DOCS`] or more in increasing number and
    /// stops at the first two printed [`SPREAD`] apart.
    fn held(&self, wanted: &[u64]) -> Result<Recurrence>;
    /// The pairs `(d, other)` of documents that share a passage besides the passages
    /// judged, for each `d` of `docs` (sorted) and every `other` holding a wanted n-gram.
    fn partners(&self, docs: &[DocNum]) -> Result<Vec<(DocNum, DocNum)>>;
}

/// What one document holds of the n-grams step 3 looks up ([`ngrams_held`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NgramsHeld {
    pub doc: DocNum,
    /// The document's date ([`crate::Metadata::when`]).
    pub when: Option<When>,
    /// The fingerprints held, sorted, each once.
    pub ngrams: Vec<u64>,
}

/// Which of the n-grams `wanted` (sorted fingerprints, as [`crate::stages::stock_line_ngrams`] gives
/// them) document `doc`, dated `when`, holds; `None` when it holds none. Computed per
/// document, in any partition.
pub fn ngrams_held(
    doc: DocNum,
    when: Option<When>,
    tokens: &Tokens,
    wanted: &[u64],
) -> Option<NgramsHeld> {
    let mut ngrams = Vec::new();
    for_each_ngram_fingerprint(&tokens.hashes, NGRAM, |_, f| {
        if wanted.binary_search(&f).is_ok() {
            ngrams.push(f);
        }
    });
    ngrams.sort_unstable();
    ngrams.dedup();
    (!ngrams.is_empty()).then_some(NgramsHeld { doc, when, ngrams })
}

/// The documents holding each n-gram that step 3 looks up, with their dates: the
/// corpus's part of the formula decision, made from every document's [`NgramsHeld`] (in
/// any order) by an engine that holds no corpus in one place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recurrence {
    /// `(fingerprint, document)`, sorted, each once.
    holders: Holders,
    /// `(document, date)`, sorted by document.
    dates: Vec<(u32, Option<When>)>,
    /// Pairs of documents that share a passage besides the passages judged, both ways,
    /// sorted ([`Recurrence::with_partners`]).
    partners: Vec<(u32, u32)>,
}

impl Recurrence {
    /// The recurrence from what every document holds (in any order; documents that hold
    /// none of the n-grams may be left out).
    pub fn new(held: impl IntoIterator<Item = NgramsHeld>) -> Recurrence {
        let mut out = Recurrence::default();
        for h in held {
            out.holders.extend(h.ngrams.iter().map(|&f| (f, h.doc.0)));
            out.dates.push((h.doc.0, h.when));
        }
        out.holders.sort_unstable();
        out.holders.dedup();
        out.dates.sort_unstable();
        out.dates.dedup_by_key(|d| d.0);
        out
    }

    /// This recurrence, knowing also that the documents of each of `pairs` share a
    /// passage that is not among the passages judged (a query judges only its own
    /// passages; the index tells which of its documents share passages with the matches).
    pub fn with_partners(mut self, pairs: impl IntoIterator<Item = (DocNum, DocNum)>) -> Self {
        for (x, y) in pairs {
            self.partners.extend([(x.0, y.0), (y.0, x.0)]);
        }
        self.partners.sort_unstable();
        self.partners.dedup();
        self
    }

    fn when(&self, d: u32) -> Option<When> {
        self.dates
            .binary_search_by_key(&d, |x| x.0)
            .ok()
            .and_then(|i| self.dates[i].1)
    }
}

/// The n-grams (sorted fingerprints, each once) that step 3 may look up for the passages
/// `alignments` (both sides at most [`MAX_LINE`] tokens): the lines it may judge, a superset
/// of its candidates. `tokens(d)`: document `d`'s tokens.
pub(crate) fn line_ngrams<T: std::ops::Deref<Target = Tokens>>(
    alignments: &[crate::aligned::PairAlignment],
    mut tokens: impl FnMut(DocNum) -> Result<T>,
) -> Result<Vec<u64>> {
    let short = |r: (u32, u32)| (NGRAM..=MAX_LINE).contains(&((r.1 - r.0) as usize));
    let mut sides: Vec<(DocNum, (u32, u32))> = alignments
        .iter()
        .filter(|p| short(p.alignment.a) && short(p.alignment.b))
        .flat_map(|p| [(p.a, p.alignment.a), (p.b, p.alignment.b)])
        .collect();
    sides.sort_unstable();
    sides.dedup();
    let mut out = Vec::new();
    for g in sides.chunk_by(|x, y| x.0 == y.0) {
        let t = tokens(g[0].0)?;
        for &(_, (t0, t1)) in g {
            for_each_ngram_fingerprint(&t.hashes[t0 as usize..t1 as usize], NGRAM, |_, f| {
                out.push(f)
            });
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Marks in `is` the passages of document pairs that share only recurring stock lines
/// (see the module documentation). `sides`: the specifics of passage `i`'s sides at
/// `2 * i` and `2 * i + 1`; `own[i]`: the hashes of the specifics that its two sides share
/// and that are no frame words; `slots`: where step 1's formulas differ in each document
/// (sorted), as [`candidate_pairs`] reads them.
pub(crate) fn stock_lines(
    occurrences: &[(Occurrence, Occurrence)],
    sides: &[SideSpecifics],
    own: &[Vec<u64>],
    slots: &[(DocNum, Span)],
    corpus: &Corpus<'_>,
    is: &mut [bool],
) -> Result<()> {
    let candidates = candidate_pairs(occurrences, sides, own, slots, is);
    if candidates.is_empty() {
        return Ok(());
    }
    let mut wanted: Vec<u64> = Vec::new();
    for &i in candidates.iter().flatten() {
        for s in [2 * i, 2 * i + 1] {
            for_each_ngram_fingerprint(&sides[s].line, NGRAM, |_, f| wanted.push(f));
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    let asked;
    let (corpus, ask) = match corpus {
        Corpus::Asked(ask) => {
            asked = ask.held(&wanted)?;
            (&Corpus::Counted(&asked), Some(*ask))
        }
        c => (c, None),
    };
    let (holders, spread, scheduled) = recurring_ngrams(&wanted, corpus)?;
    // the documents each document shares a passage with that is no formula yet (documents
    // that share only formulas with it are instances of templates, not its copies)
    let mut partners: Vec<(u32, u32)> = occurrences
        .iter()
        .zip(is.iter())
        .filter(|(_, f)| !**f)
        .flat_map(|((x, y), _)| [(x.doc.0, y.doc.0), (y.doc.0, x.doc.0)])
        .collect();
    if let Corpus::Counted(r) = corpus {
        partners.extend_from_slice(&r.partners);
    }
    partners.sort_unstable();
    partners.dedup();
    let recurring = Recurring {
        occurrences,
        sides,
        holders: &holders,
        spread: &spread,
        scheduled: &scheduled,
    };
    let mut stock: Vec<&Vec<usize>> = recurring.pairs(candidates.iter().collect(), &partners);
    // an asked corpus tells the partners of those pairs only: more partners only make
    // fewer pairs recur
    if let Some(ask) = ask
        && !stock.is_empty()
    {
        let mut docs: Vec<DocNum> = stock
            .iter()
            .flat_map(|g| [occurrences[g[0]].0.doc, occurrences[g[0]].1.doc])
            .collect();
        docs.sort_unstable();
        docs.dedup();
        for (x, y) in ask.partners(&docs)? {
            partners.extend([(x.0, y.0), (y.0, x.0)]);
        }
        partners.sort_unstable();
        partners.dedup();
        stock = recurring.pairs(stock, &partners);
    }
    for g in stock {
        for &i in g {
            is[i] = true;
        }
    }
    Ok(())
}

/// What decides whether the passages of a candidate pair recur.
struct Recurring<'a> {
    occurrences: &'a [(Occurrence, Occurrence)],
    sides: &'a [SideSpecifics],
    /// `(fingerprint, document)` of every holder of the wanted n-grams, sorted.
    holders: &'a [(u64, u32)],
    /// The wanted n-grams held over [`SPREAD`] by [`RECUR_DOCS`] or more documents, sorted.
    spread: &'a [u64],
    /// The wanted n-grams whose holders print them on a schedule ([`scheduled`]), sorted.
    scheduled: &'a [u64],
}

impl Recurring<'_> {
    /// The candidate pairs `groups` (their passages) whose passages all recur on both sides,
    /// `partners` (both ways, sorted) being the pairs of documents sharing a passage.
    /// The groups are judged in parallel, each on its own; the kept ones keep their order.
    fn pairs<'g>(
        &self,
        groups: Vec<&'g Vec<usize>>,
        partners: &[(u32, u32)],
    ) -> Vec<&'g Vec<usize>> {
        let partners_of = |d: u32| {
            let lo = partners.partition_point(|p| p.0 < d);
            let hi = partners.partition_point(|p| p.0 <= d);
            partners[lo..hi].iter().map(|p| p.1)
        };
        groups
            .into_par_iter()
            .filter(|g| {
                let (x, y) = &self.occurrences[g[0]];
                let mut related: Vec<u32> = partners_of(x.doc.0)
                    .chain(partners_of(y.doc.0))
                    .chain([x.doc.0, y.doc.0])
                    .collect();
                related.sort_unstable();
                related.dedup();
                g.iter().all(|&i| {
                    self.recurs(&self.sides[2 * i].line, &related)
                        && self.recurs(&self.sides[2 * i + 1].line, &related)
                })
            })
            .collect()
    }

    /// Whether at least RECUR_SHARE of a line's tokens lie in n-grams that recur in
    /// documents unrelated to the pair (`related`: sorted) or on a schedule, whoever
    /// holds them ([`scheduled`]).
    fn recurs(&self, line: &[u64], related: &[u32]) -> bool {
        let holders = self.holders;
        let mut covered = vec![false; line.len()];
        for_each_ngram_fingerprint(line, NGRAM, |k, f| {
            if self.scheduled.binary_search(&f).is_ok() {
                covered[k..k + NGRAM].fill(true);
                return;
            }
            if self.spread.binary_search(&f).is_err() {
                return;
            }
            let lo = holders.partition_point(|h| h.0 < f);
            let hi = holders.partition_point(|h| h.0 <= f);
            let docs = &holders[lo..hi];
            let near = related
                .iter()
                .filter(|&&d| docs.binary_search(&(f, d)).is_ok())
                .count();
            let far = docs.len() - near;
            if far >= RECUR_DOCS && far >= near {
                covered[k..k + NGRAM].fill(true);
            }
        });
        let n = covered.iter().filter(|&&c| c).count();
        n * RECUR_SHARE_DEN >= RECUR_SHARE_NUM * line.len().max(1)
    }
}

/// The passages (no formulas yet) of each document pair whose passages are all short,
/// share at most [`MAX_OWN`] specifics of their own and hold on no side the whole of a
/// region of `slots` (sorted `(document, span)`: where a formula of step 1 in that
/// document differs from another instance of its template). A pair sharing those values
/// agrees where the template's instances differ: the same instance printed twice (a
/// notice reprinted with its names and figures), reuse however common its frame.
fn candidate_pairs(
    occurrences: &[(Occurrence, Occurrence)],
    sides: &[SideSpecifics],
    own: &[Vec<u64>],
    slots: &[(DocNum, Span)],
    is: &[bool],
) -> Vec<Vec<usize>> {
    let holds_slots = |o: &Occurrence| {
        let lo = slots.partition_point(|(d, _)| *d < o.doc);
        let hi = slots.partition_point(|(d, _)| *d <= o.doc);
        slots[lo..hi]
            .iter()
            .any(|(_, r)| o.span.begin <= r.begin && r.end <= o.span.end)
    };
    let mut by_pair: Vec<(DocNum, DocNum, usize)> = occurrences
        .iter()
        .enumerate()
        .filter(|(i, _)| !is[*i])
        .map(|(i, (x, y))| (x.doc.min(y.doc), x.doc.max(y.doc), i))
        .collect();
    by_pair.sort_unstable();
    by_pair
        .chunk_by(|p, q| (p.0, p.1) == (q.0, q.1))
        .filter(|g| {
            let line = |s: &SideSpecifics| s.line.len() >= NGRAM && s.line.len() == s.len;
            let mut shared: Vec<u64> = g
                .iter()
                .flat_map(|&(_, _, i)| own[i].iter().copied())
                .collect();
            shared.sort_unstable();
            shared.dedup();
            shared.len() <= MAX_OWN
                && g.iter()
                    .all(|&(_, _, i)| line(&sides[2 * i]) && line(&sides[2 * i + 1]))
                && !whole_documents(g.iter().map(|p| p.2), sides)
                && !g.iter().any(|&(_, _, i)| {
                    holds_slots(&occurrences[i].0) || holds_slots(&occurrences[i].1)
                })
        })
        .map(|g| g.iter().map(|p| p.2).collect())
        .collect()
}

/// Whether the passages `pair` of one document pair cover at least [`WHOLE_NUM`] in
/// [`WHOLE_DEN`] of the tokens of both documents with the same text (the aligner matched
/// every token of each side, exactly or within fuzzy equality): the two documents are one
/// item printed twice (a notice re-filed or reprinted, an advertisement run again), not a
/// stock line inside documents that otherwise differ, and a reprinted notice is reuse
/// however common its wording. Instances of a template for different events that cover
/// each other whole differ in their fillers: numbers and names, which step 1 reads, or
/// words ("seven grain ships loading", "five"), which the aligner leaves unmatched. Two
/// instances whose fillers all agree are the same text: they stay reuse.
fn whole_documents(pair: impl Iterator<Item = usize> + Clone, sides: &[SideSpecifics]) -> bool {
    [0, 1].into_iter().all(|s| {
        let mut covered = 0;
        let mut doc_len = 0;
        for i in pair.clone() {
            let side = &sides[2 * i + s];
            // the aligner matched every token of the side (exactly or fuzzily): the same
            // text, not a template refilled with words
            if side.matched.is_none_or(|m| (m as usize) < side.len) {
                return false;
            }
            covered += side.len;
            doc_len = side.doc_len;
        }
        doc_len > 0 && covered * WHOLE_DEN >= WHOLE_NUM * doc_len
    })
}

/// Share of each document that a pair's passages cover for the two to be one item printed
/// twice ([`whole_documents`]): 9 in 10 (a sign-off or a dateline may lie outside).
const WHOLE_NUM: usize = 9;
const WHOLE_DEN: usize = 10;

/// `(fingerprint, document)` for each document holding an n-gram, sorted.
type Holders = Vec<(u64, u32)>;

/// Bits of the fingerprint that index [`Wanted`]'s filter: 2^20 bits, 128 KiB.
const FILTER_BITS: u32 = 20;

/// The n-grams a pass over the corpus looks up: sorted fingerprints behind a filter of one
/// bit per top [`FILTER_BITS`] bits of a fingerprint, which turns away nearly every n-gram
/// of a text with one read instead of a binary search (that search was most of step 3's
/// cost in `find`).
struct Wanted<'a> {
    sorted: &'a [u64],
    bits: Vec<u64>,
}

impl<'a> Wanted<'a> {
    fn new(sorted: &'a [u64]) -> Self {
        let mut bits = vec![0u64; 1 << (FILTER_BITS - 6)];
        for &f in sorted {
            let b = (f >> (64 - FILTER_BITS)) as usize;
            bits[b >> 6] |= 1 << (b & 63);
        }
        Wanted { sorted, bits }
    }

    #[inline]
    fn contains(&self, f: u64) -> bool {
        let b = (f >> (64 - FILTER_BITS)) as usize;
        self.bits[b >> 6] >> (b & 63) & 1 == 1 && self.sorted.binary_search(&f).is_ok()
    }
}

/// The documents holding each n-gram of `wanted` (sorted fingerprints), as sorted
/// `(fingerprint, document)`; the n-grams (sorted) that at least [`RECUR_DOCS`]
/// documents hold, printed at least [`SPREAD`] seconds apart; and those (sorted) that
/// their holders print on a schedule ([`scheduled`]).
fn recurring_ngrams(wanted: &[u64], corpus: &Corpus<'_>) -> Result<(Holders, Vec<u64>, Vec<u64>)> {
    match corpus {
        Corpus::Tokens { docs, tokens } => {
            let wanted = Wanted::new(wanted);
            // each document's n-grams, in the buffers of the thread (a packed document's
            // hashes are made without a copy of its text, and not kept in the cache)
            let hits: Vec<Vec<(u64, u32)>> = (0..tokens.len() as u32)
                .into_par_iter()
                .map_init(
                    || (Vec::new(), Vec::new()),
                    |(ranges, hashes), d| {
                        let mut held = Vec::new();
                        let mut look = |h: &[u64]| {
                            for_each_ngram_fingerprint(h, NGRAM, |_, f| {
                                if wanted.contains(f) {
                                    held.push((f, d));
                                }
                            })
                        };
                        match tokens {
                            TokenSource::Packed { packed, .. } => {
                                packed[d as usize].hashes_into(ranges, hashes);
                                look(hashes);
                            }
                            TokenSource::Unhashed { tokens: kept, .. }
                                if kept[d as usize].is_some() =>
                            {
                                kept[d as usize].as_ref().expect("kept").hashes_into(hashes);
                                look(hashes);
                            }
                            _ => look(&tokens.get(DocNum(d))?.hashes),
                        }
                        held.sort_unstable();
                        held.dedup();
                        Ok(held)
                    },
                )
                .collect::<Result<_>>()?;
            let mut hits: Holders = hits.into_iter().flatten().collect();
            hits.sort_unstable();
            let mut dates: Vec<Option<Option<When>>> = vec![None; tokens.len()];
            let mut when =
                |d: u32| *dates[d as usize].get_or_insert_with(|| docs.meta(DocNum(d)).when());
            let spread = spread_of(&hits, &mut when);
            let scheduled = scheduled_of(&hits, &mut when);
            Ok((hits, spread, scheduled))
        }
        Corpus::Asked(_) => unreachable!("asked for before"),
        Corpus::Counted(r) => {
            let hits: Holders = r
                .holders
                .iter()
                .copied()
                .filter(|h| wanted.binary_search(&h.0).is_ok())
                .collect();
            let spread = spread_of(&hits, |d| r.when(d));
            let scheduled = scheduled_of(&hits, |d| r.when(d));
            Ok((hits, spread, scheduled))
        }
    }
}

/// The n-grams (sorted) of `hits` (sorted `(fingerprint, document)`) that at least
/// [`RECUR_DOCS`] documents hold, printed at least [`SPREAD`] seconds apart.
fn spread_of(hits: &[(u64, u32)], mut when: impl FnMut(u32) -> Option<When>) -> Vec<u64> {
    let mut out = Vec::new();
    for g in hits.chunk_by(|p, q| p.0 == q.0) {
        if g.len() < RECUR_DOCS {
            continue;
        }
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        for &(_, d) in g {
            if let Some(w) = when(d) {
                first = first.min(w.last);
                last = last.max(w.first);
            }
            if last.saturating_sub(first) >= SPREAD {
                out.push(g[0].0);
                break;
            }
        }
    }
    out
}

/// The n-grams (sorted) of `hits` (sorted `(fingerprint, document)`) that their holders
/// print on a schedule ([`scheduled`]).
fn scheduled_of(hits: &[(u64, u32)], mut when: impl FnMut(u32) -> Option<When>) -> Vec<u64> {
    hits.chunk_by(|p, q| p.0 == q.0)
        .filter(|g| {
            g.len() >= RECUR_DOCS && {
                let whens: Vec<Option<When>> = g.iter().map(|&(_, d)| when(d)).collect();
                scheduled(&whens, RECUR_DOCS)
            }
        })
        .map(|g| g[0].0)
        .collect()
}

#[cfg(test)]
mod tests;
