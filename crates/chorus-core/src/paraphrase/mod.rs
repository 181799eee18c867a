//! Reworded reuse (`find --paraphrase`): passages rewritten sentence by sentence, which
//! share too few word n-grams for the exact path to seed them.
//!
//! The steps, one file each, over the tokens the exact path already made:
//!
//! 1. `sentences.rs`: each document's sentences, as token ranges;
//! 2. `stems.rs`: each token's Snowball stem in the document's language, stop words
//!    dropped; a sentence becomes a bag of stems (a sentence of fewer than
//!    [`Params::min_stems`] stems is joined to the next, a heading to its paragraph);
//! 3. `candidates.rs`: sentence pairs of different documents sharing at least
//!    [`Params::min_shared`] rare stems (each in at most [`Params::max_sf`] sentences),
//!    found through an inverted index over the whole corpus;
//! 4. `similarity.rs`: a candidate is a seed when its tf-idf cosine reaches
//!    [`Params::min_cosine`] and its Dice [`Params::min_dice`];
//! 5. `passages.rs`: the seeds of a document pair grown into passages (extension across
//!    small gaps, validation, filtering);
//! 6. `merge.rs`: merged with the exact passages of the same pair, one report per passage.
//!
//! The passages are [`PairAlignment`]s like the exact path's (token ranges, mapped to
//! exact byte offsets, judged for formulas and clustered by the same code); each carries
//! how it was found ([`Found`]). Cost: stemming every token once (a cache per document),
//! two sorts (postings, candidate pairs), one bag comparison per candidate. Limits: the
//! precision risk is news, where reports of one event share names and terms sentence by
//! sentence, so the mode is opt-in; languages outside the stemmers' keep their tokens
//! whole; a sentence reworded with synonyms for all its rare words is not found.

mod candidates;
mod merge;
mod passages;
mod sentences;
mod similarity;
mod stems;

pub use stems::Lang;

use crate::aligned::PairAlignment;
use crate::align::Alignment;
use crate::error::Result;
use crate::order::{ByNumber, DocNum};
use crate::report::Found;
use crate::token_source::TokenSource;
use passages::{Fragment, GrowParams, Sentence, grow};
use rayon::prelude::*;
use similarity::{Bag, compare, weights};

/// The thresholds of the paraphrase path, chosen on the Indonesian PAN corpus and Clough &
/// Stevenson (BENCHMARKS.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// A sentence with fewer stems is joined to the next one.
    pub min_stems: usize,
    /// Stems in more sentences than this pair no sentences.
    pub max_sf: usize,
    /// Rare stems a sentence pair must share to be compared.
    pub min_shared: usize,
    /// Lowest tf-idf cosine of a seed sentence pair.
    pub min_cosine: f32,
    /// Lowest Dice (shared distinct stems) of a seed sentence pair.
    pub min_dice: f32,
    /// Most sentences between two seeds of one passage.
    pub max_gap: usize,
    /// Lowest cosine of a passage's two sides.
    pub min_validation: f32,
    /// Fewest tokens on each side of a passage.
    pub min_tokens: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_stems: 4,
            max_sf: 64,
            min_shared: 2,
            min_cosine: 0.33,
            min_dice: 0.33,
            max_gap: 4,
            min_validation: 0.34,
            min_tokens: 20,
        }
    }
}

/// The sentences of one document, as bags of stems; `blocked` tokens (boilerplate) add
/// no stems.
fn doc_sentences(docs: &dyn ByNumber, tokens: &TokenSource<'_>, d: DocNum, blocked: &[(u32, u32)], p: &Params) -> Result<Vec<Sentence>> {
    let t = tokens.get(d)?;
    let lang = stems::declared(docs.meta(d)).or_else(|| stems::detect(&t));
    let mut table = stems::StemTable::new(lang);
    let mut out: Vec<Sentence> = Vec::new();
    let mut pending: Option<(u32, Vec<u64>)> = None;
    let mut bl = blocked.iter().peekable();
    for (b, e) in sentences::sentences(&t.norm, &t.ranges) {
        let (start, mut stems) = pending.take().unwrap_or((b, Vec::new()));
        for i in b..e {
            while bl.peek().is_some_and(|r| r.1 <= i) {
                bl.next();
            }
            if bl.peek().is_some_and(|r| r.0 <= i) {
                continue;
            }
            if let Some(s) = table.stem(&t, i as usize) {
                stems.push(s);
            }
        }
        let bag = Bag::of(stems.clone());
        if bag.len() < p.min_stems {
            pending = Some((start, stems));
        } else {
            out.push(Sentence { tokens: (start, e), bag });
        }
    }
    if let Some((start, stems)) = pending {
        let end = t.len() as u32;
        match out.last_mut() {
            Some(last) => {
                let mut all = stems;
                for (&k, &c) in last.bag.keys.iter().zip(&last.bag.counts) {
                    all.extend(std::iter::repeat_n(k, c as usize));
                }
                last.tokens.1 = end;
                last.bag = Bag::of(all);
            }
            None if start < end && !stems.is_empty() => out.push(Sentence { tokens: (start, end), bag: Bag::of(stems) }),
            None => {}
        }
    }
    Ok(out)
}

/// The reworded passages of the corpus: every document pair's passages grown from its
/// similar sentences (see the module documentation), `a < b`. `blocked` holds each
/// document's boilerplate token ranges.
pub(crate) fn reworded(
    docs: &dyn ByNumber,
    tokens: &TokenSource<'_>,
    blocked: &[Vec<(u32, u32)>],
    p: &Params,
) -> Result<Vec<PairAlignment>> {
    let n = blocked.len();
    let per_doc: Vec<Vec<Sentence>> = (0..n)
        .into_par_iter()
        .map(|d| doc_sentences(docs, tokens, DocNum(d as u32), &blocked[d], p))
        .collect::<Result<_>>()?;
    let mut first = Vec::with_capacity(n + 1);
    let mut doc_of = Vec::new();
    first.push(0u32);
    for (d, s) in per_doc.iter().enumerate() {
        doc_of.extend(std::iter::repeat_n(d as u32, s.len()));
        first.push(doc_of.len() as u32);
    }
    let all: Vec<&Sentence> = per_doc.iter().flatten().collect();
    let keys: Vec<&[u64]> = all.iter().map(|s| s.bag.keys.as_slice()).collect();
    let (sf, pairs) = candidates::candidate_pairs(&keys, &doc_of, p.max_sf, p.min_shared);
    let total = all.len().max(1) as f32;
    let idf = |k: u64| -> f32 {
        let f = sf.binary_search_by_key(&k, |x| x.0).map_or(1, |i| sf[i].1);
        (total / f as f32).ln()
    };
    let weighted: Vec<(Vec<f32>, f32)> = all.par_iter().map(|s| weights(&s.bag, idf)).collect();
    // seeds: (doc a, doc b, sentence of a, sentence of b)
    let mut seeds: Vec<(u32, u32, u32, u32)> = pairs
        .par_iter()
        .filter_map(|&(s, t)| {
            let (x, y) = (s as usize, t as usize);
            let (cos, dice, _) = compare(&all[x].bag, &weighted[x].0, weighted[x].1, &all[y].bag, &weighted[y].0, weighted[y].1);
            (cos >= p.min_cosine && dice >= p.min_dice).then(|| {
                let (da, db) = (doc_of[x], doc_of[y]);
                (da, db, s - first[da as usize], t - first[db as usize])
            })
        })
        .collect();
    seeds.par_sort_unstable();
    let groups: Vec<&[(u32, u32, u32, u32)]> = seeds.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)).collect();
    let gp = GrowParams {
        max_gap: p.max_gap,
        min_validation: p.min_validation,
        min_tokens: p.min_tokens,
    };
    let out: Vec<PairAlignment> = groups
        .par_iter()
        .flat_map_iter(|g| {
            let (da, db) = (g[0].0 as usize, g[0].1 as usize);
            let pair_seeds: Vec<(u32, u32)> = g.iter().map(|s| (s.2, s.3)).collect();
            let (sa, sb) = (&per_doc[da], &per_doc[db]);
            grow(&pair_seeds, sa, sb, &gp, &idf)
                .into_iter()
                .map(move |f: Fragment| PairAlignment {
                    a: DocNum(da as u32),
                    b: DocNum(db as u32),
                    alignment: Alignment {
                        a: (sa[f.a.0 as usize].tokens.0, sa[f.a.1 as usize - 1].tokens.1),
                        b: (sb[f.b.0 as usize].tokens.0, sb[f.b.1 as usize - 1].tokens.1),
                        matched: f.matched,
                        similarity: f64::from(f.cosine).clamp(0.0, 1.0),
                    },
                })
        })
        .collect();
    Ok(out)
}

/// The exact passages and the reworded ones of the corpus as one list, each with how it
/// was found (see `merge.rs`).
pub(crate) fn with_reworded(
    exact: Vec<PairAlignment>,
    docs: &dyn ByNumber,
    tokens: &TokenSource<'_>,
    blocked: &[Vec<(u32, u32)>],
    p: &Params,
) -> Result<Vec<(PairAlignment, Found)>> {
    let r = reworded(docs, tokens, blocked, p)?;
    Ok(merge::merge(exact, r))
}
