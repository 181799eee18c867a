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
//!    [`Params::min_cosine`] and its Dice [`Params::min_dice`]; a seed both of whose
//!    sentences seed with sentences of more than [`Params::max_partners`] documents is a
//!    template (an offering's terms, a market report), no rewording, and is dropped;
//! 5. `passages.rs`: the seeds of a document pair grown into passages (extension across
//!    small gaps, validation, filtering); a passage needs a chain of
//!    [`Params::min_run`] seeds in the same order on both sides (a rewritten source keeps
//!    its sentences' order, two reports of one event share scattered facts) and, holding
//!    figures, the same figures (a template filled in with others is no rewording); and
//!    its sides must share ordinary words, their names (`names.rs`) and figures left out
//!    ([`Params::min_words`]): two reports of one event share names and figures in the
//!    same order, each in its own words;
//! 6. `merge.rs`: merged with the exact passages of the same pair, one report per passage.
//!
//! A dated document pair weighs its stems by the smaller of their corpus idf and their
//! idf among the stories printed around its days (`local.rs`): the terms of the day's
//! news are common that day, and two reports of one event share them. Its passages must
//! also keep their source's phrasing ([`Params::min_bigrams`] of their word bigrams): in a
//! dated stream one event is reported again and again, each report in its own words.
//!
//! The passages are [`PairAlignment`]s like the exact path's (token ranges, mapped to
//! exact byte offsets, judged for formulas and clustered by the same code); each carries
//! how it was found ([`Found`]). Cost: stemming every token once (a cache per document),
//! two sorts (postings, candidate pairs), one bag comparison per candidate. Limits: the
//! precision risk is news, where reports of one event share names and terms sentence by
//! sentence, so the mode is opt-in; languages outside the stemmers' keep their tokens
//! whole; a sentence reworded with synonyms for all its rare words is not found.

mod candidates;
mod local;
mod merge;
mod names;
mod passages;
mod sentences;
mod similarity;
mod stems;

pub use stems::Lang;

use crate::align::Alignment;
use crate::aligned::PairAlignment;
use crate::error::Result;
use crate::order::{ByNumber, DocNum};
use crate::report::Found;
use crate::token_source::TokenSource;
use passages::{Fragment, GrowParams, Sentence, Weigh, grow};
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
    /// Sentence pairs the rare stems may pair, per sentence of the corpus: the frequency
    /// cap is lowered below `max_sf` as far as needed to keep within it.
    pub pairs_per_sentence: u64,
    /// Rare stems a sentence pair must share to be compared.
    pub min_shared: usize,
    /// Lowest tf-idf cosine of a seed sentence pair.
    pub min_cosine: f32,
    /// Lowest Dice (shared distinct stems) of a seed sentence pair.
    pub min_dice: f32,
    /// Lowest Dice of the figures (tokens holding a digit) of a seed sentence pair when
    /// both have some: a template filled with other figures is no rewording.
    pub min_figures: f32,
    /// Most sentences between two seeds of one passage.
    pub max_gap: usize,
    /// Fewest seeds in one chain of a passage: seeds in the same order on both sides,
    /// each at most [`Params::run_step`] sentences past the previous one on each side. A
    /// rewritten source keeps its sentences' order; two reports of one event share
    /// scattered facts.
    pub min_run: u32,
    /// See [`Params::min_run`].
    pub run_step: u32,
    /// Lowest Dice of the figures of a passage's two sides when both hold at least
    /// [`Params::figures_from`] distinct figures: a template filled with other figures
    /// is no rewording.
    pub min_passage_figures: f32,
    /// See [`Params::min_passage_figures`].
    pub figures_from: usize,
    /// Most documents a seed sentence may seed with (the fewer of its two sentences'):
    /// a sentence similar to sentences of more documents is a template.
    pub max_partners: usize,
    /// Lowest cosine of a passage's two sides.
    pub min_validation: f32,
    /// Lowest tf-idf cosine of a passage's two sides without their names (stems a
    /// document writes capitalised) and figures: two reports of one event share names
    /// and figures, a rewording its source's ordinary words too.
    pub min_words: f32,
    /// The same, for a passage whose longest chain is only [`Params::min_run`] seeds.
    pub min_words_short: f32,
    /// Lowest mean words cosine (see [`Params::min_words`]) of the seeds of a passage
    /// whose longest chain is only [`Params::min_run`] seeds.
    pub min_seed_words: f32,
    /// Fewest tokens on each side of a passage.
    pub min_tokens: u32,
    /// Lowest share of the word bigrams of a passage's side with fewer that the other side
    /// has too (see `shared_bigrams`), for a pair of dated documents: in a dated stream
    /// (news) one event is reported again and again, by others or by the same desk days
    /// later, with the same names, figures and topic words in the same order; only a
    /// rewording that keeps much of its source's phrasing, as a light revision does, is
    /// told from those. Undated texts (essays, plagiarism) keep the weaker tests: heavy
    /// and synonym rewordings keep few bigrams there.
    pub min_bigrams: f32,
    /// Days around a dated document pair whose sentences give the pair its time-local
    /// idf (see `local.rs`); 0: the corpus idf only.
    pub window_days: u32,
    /// The language of every document, overriding its field and the detection.
    pub lang: Option<Lang>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_stems: 4,
            max_sf: 1000,
            pairs_per_sentence: 300,
            min_shared: 2,
            min_cosine: 0.33,
            min_dice: 0.33,
            min_figures: 0.5,
            max_gap: 6,
            min_run: 2,
            run_step: 2,
            min_passage_figures: 0.8,
            figures_from: 4,
            max_partners: 20,
            min_validation: 0.34,
            min_words: 0.25,
            min_words_short: 0.42,
            min_seed_words: 0.4,
            min_tokens: 30,
            min_bigrams: 0.38,
            window_days: 1,
            lang: None,
        }
    }
}

/// One document: its sentences as bags of stems, and each token's stem key (0 for a stop
/// word or a boilerplate token).
struct DocStems {
    sentences: Vec<Sentence>,
    token_stems: Vec<u64>,
    /// The stems it writes as names (see `names.rs`), sorted.
    names: Vec<u64>,
}

/// The sentences of one document, as bags of stems; `blocked` tokens (boilerplate) add
/// no stems.
fn doc_sentences(
    docs: &dyn ByNumber,
    tokens: &TokenSource<'_>,
    d: DocNum,
    blocked: &[(u32, u32)],
    p: &Params,
) -> Result<DocStems> {
    let t = tokens.get(d)?;
    let lang = p
        .lang
        .or_else(|| stems::declared(docs.meta(d)))
        .or_else(|| stems::detect(&t));
    let mut table = stems::StemTable::new(lang);
    let mut out: Vec<Sentence> = Vec::new();
    let mut token_stems = vec![0u64; t.len()];
    let mut pending: Option<(u32, Vec<u64>)> = None;
    let mut bl = blocked.iter().peekable();
    let mut starts = Vec::new();
    for (b, e) in sentences::sentences(&t.norm, &t.ranges) {
        starts.push(b);
        let (start, mut stems) = pending.take().unwrap_or((b, Vec::new()));
        for i in b..e {
            while bl.peek().is_some_and(|r| r.1 <= i) {
                bl.next();
            }
            if bl.peek().is_some_and(|r| r.0 <= i) {
                continue;
            }
            if let Some(s) = table.stem(&t, i as usize) {
                let s = s.max(1);
                token_stems[i as usize] = s;
                stems.push(s);
            }
        }
        let bag = Bag::of(stems.clone());
        if bag.len() < p.min_stems {
            pending = Some((start, stems));
        } else {
            out.push(Sentence {
                tokens: (start, e),
                bag,
            });
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
            None if start < end && !stems.is_empty() => out.push(Sentence {
                tokens: (start, end),
                bag: Bag::of(stems),
            }),
            None => {}
        }
    }
    starts.sort_unstable();
    let names = names::names(&docs.text(d)?, &t, &token_stems, &starts);
    Ok(DocStems {
        sentences: out,
        token_stems,
        names,
    })
}

/// The token range of sentences `r`, without the tokens at either end whose stem the
/// other side lacks (a sentence the passage only partly takes in, a stop word).
fn trimmed(doc: &DocStems, r: (u32, u32), other: &Bag) -> (u32, u32) {
    let s = &doc.sentences;
    let (mut b, mut e) = (s[r.0 as usize].tokens.0, s[r.1 as usize - 1].tokens.1);
    let shared = |i: u32| {
        let k = doc.token_stems[i as usize];
        k != 0 && other.keys.binary_search(&k).is_ok()
    };
    while b < e && !shared(b) {
        b += 1;
    }
    while e > b && !shared(e - 1) {
        e -= 1;
    }
    (b, e)
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
    let per_doc: Vec<DocStems> = (0..n)
        .into_par_iter()
        .map(|d| doc_sentences(docs, tokens, DocNum(d as u32), &blocked[d], p))
        .collect::<Result<_>>()?;
    let mut first = Vec::with_capacity(n + 1);
    let mut doc_of = Vec::new();
    first.push(0u32);
    for (d, s) in per_doc.iter().enumerate() {
        doc_of.extend(std::iter::repeat_n(d as u32, s.sentences.len()));
        first.push(doc_of.len() as u32);
    }
    let all: Vec<&Sentence> = per_doc.iter().flat_map(|d| &d.sentences).collect();
    let keys: Vec<&[u64]> = all.iter().map(|s| s.bag.keys.as_slice()).collect();
    let budget = p.pairs_per_sentence.saturating_mul(all.len() as u64);
    let (sf, pairs) = candidates::candidate_pairs(&keys, &doc_of, p.max_sf, budget, p.min_shared);
    let total = all.len().max(1) as f32;
    let idf = |k: u64| -> f32 {
        let f = sf.binary_search_by_key(&k, |x| x.0).map_or(1, |i| sf[i].1);
        (total / f as f32).ln()
    };
    let weighted: Vec<(Vec<f32>, f32)> = all.par_iter().map(|s| weights(&s.bag, idf)).collect();
    let day: Vec<Option<i32>> = (0..n)
        .map(|d| {
            let w = docs.meta(DocNum(d as u32)).when()?;
            Some(w.first.div_euclid(86_400) as i32)
        })
        .collect();
    let local = local::LocalIdf::new(
        keys.iter()
            .zip(&doc_of)
            .map(|(k, &d)| (*k, day[d as usize])),
        p.window_days,
    );
    // seeds: (doc a, doc b, sentence of a, sentence of b)
    let seeds: Vec<(u32, u32, u32, u32)> = pairs
        .par_iter()
        .filter_map(|&(s, t)| {
            let (x, y) = (s as usize, t as usize);
            let (cos, dice, _) = compare(
                &all[x].bag,
                &weighted[x].0,
                weighted[x].1,
                &all[y].bag,
                &weighted[y].0,
                weighted[y].1,
            );
            let (figures, _) =
                similarity::figures_agree(&all[x].bag, &all[y].bag, stems::NUMBER_BIT);
            (cos >= p.min_cosine && dice >= p.min_dice && figures >= p.min_figures).then(|| {
                let (da, db) = (doc_of[x], doc_of[y]);
                (da, db, s - first[da as usize], t - first[db as usize])
            })
        })
        .collect();
    let mut seeds = without_templates(seeds, &first, p.max_partners);
    seeds.par_sort_unstable();
    let groups: Vec<&[(u32, u32, u32, u32)]> =
        seeds.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)).collect();
    let gp = GrowParams {
        max_gap: p.max_gap,
        min_validation: p.min_validation,
        min_tokens: p.min_tokens,
        min_run: p.min_run,
        run_step: p.run_step,
        min_figures: p.min_passage_figures,
        figures_from: p.figures_from,
        min_words: p.min_words,
        min_words_short: p.min_words_short,
        min_seed_words: p.min_seed_words,
    };
    let days = &day;
    let out: Vec<PairAlignment> = groups
        .par_iter()
        .flat_map_iter(|g| {
            let (da, db) = (g[0].0 as usize, g[0].1 as usize);
            let mut pair_seeds: Vec<(u32, u32)> = g.iter().map(|s| (s.2, s.3)).collect();
            let (sa, sb) = (&per_doc[da], &per_doc[db]);
            // a dated pair weighs each stem by the smaller of its corpus and its
            // time-local idf, and its seeds must stay similar so weighed
            let span = local
                .as_ref()
                .and_then(|l| Some((l, l.span(day[da]?, day[db]?))));
            let idf_ab = move |k: u64| match span {
                Some((l, sp)) => idf(k).min(l.idf(k, sp)),
                None => idf(k),
            };
            if span.is_some() {
                pair_seeds.retain(|&(i, j)| {
                    let (x, y) = (&sa.sentences[i as usize].bag, &sb.sentences[j as usize].bag);
                    let (wx, nx) = weights(x, idf_ab);
                    let (wy, ny) = weights(y, idf_ab);
                    compare(x, &wx, nx, y, &wy, ny).0 >= p.min_cosine
                });
            }
            let is_name =
                |k: u64| sa.names.binary_search(&k).is_ok() || sb.names.binary_search(&k).is_ok();
            let w = Weigh {
                idf: &idf_ab,
                is_name: &is_name,
            };
            grow(&pair_seeds, &sa.sentences, &sb.sentences, &gp, &w)
                .into_iter()
                .filter_map(move |f: Fragment| {
                    let bag = |d: &DocStems, r: (u32, u32)| {
                        Bag::sum(
                            d.sentences[r.0 as usize..r.1 as usize]
                                .iter()
                                .map(|s| &s.bag),
                        )
                    };
                    let a = trimmed(sa, f.a, &bag(sb, f.b));
                    let b = trimmed(sb, f.b, &bag(sa, f.a));
                    // a dated pair (news) must keep its source's phrasing
                    let word = |k: u64| k & stems::NUMBER_BIT == 0 && !is_name(k);
                    let phrased = || {
                        shared_bigrams(
                            &sa.token_stems[a.0 as usize..a.1 as usize],
                            &sb.token_stems[b.0 as usize..b.1 as usize],
                            &word,
                        ) >= p.min_bigrams
                    };
                    let dated = days[da].is_some() && days[db].is_some();
                    (a.1 - a.0 >= p.min_tokens
                        && b.1 - b.0 >= p.min_tokens
                        && (!dated || phrased()))
                    .then(|| PairAlignment {
                        a: DocNum(da as u32),
                        b: DocNum(db as u32),
                        alignment: Alignment {
                            a,
                            b,
                            matched: f.matched,
                            similarity: f64::from(f.cosine).clamp(0.0, 1.0),
                        },
                    })
                })
        })
        .collect();
    Ok(out)
}

/// The share of the distinct word bigrams of the side with fewer that the other side has
/// too: bigrams of consecutive stems (stop words and boilerplate, `0` in `a` and `b`,
/// skipped), at least one of them a `word` (a bigram of two names or figures, such as a
/// company's name or an amount, is a fact any report of the event states). 0 when either
/// side has none.
fn shared_bigrams(a: &[u64], b: &[u64], word: &dyn Fn(u64) -> bool) -> f32 {
    let grams = |t: &[u64]| {
        let mut g: Vec<(u64, u64)> = Vec::new();
        let mut last = 0u64;
        for &k in t.iter().filter(|&&k| k != 0) {
            if last != 0 && (word(last) || word(k)) {
                g.push((last, k));
            }
            last = k;
        }
        g.sort_unstable();
        g.dedup();
        g
    };
    let (ga, gb) = (grams(a), grams(b));
    let fewest = ga.len().min(gb.len());
    if fewest == 0 {
        return 0.0;
    }
    let shared = ga.iter().filter(|g| gb.binary_search(g).is_ok()).count();
    shared as f32 / fewest as f32
}

/// `seeds` (document a, document b, sentence of a, sentence of b; `first` gives each
/// document's first sentence id) without those whose two sentences both seed with
/// sentences of more than `max_partners` documents: such a sentence is a template (an
/// offering's terms, an earnings table, a market report) filled in by many documents, no
/// rewording of one source.
fn without_templates(
    mut seeds: Vec<(u32, u32, u32, u32)>,
    first: &[u32],
    max_partners: usize,
) -> Vec<(u32, u32, u32, u32)> {
    let id = |d: u32, s: u32| (first[d as usize] + s) as usize;
    // (sentence, other document) of every seed, both ways
    let mut partners: Vec<(usize, u32)> = seeds
        .iter()
        .flat_map(|&(da, db, x, y)| [(id(da, x), db), (id(db, y), da)])
        .collect();
    partners.par_sort_unstable();
    partners.dedup();
    let mut docs = vec![0usize; first.last().map_or(0, |&n| n as usize)];
    for &(s, _) in &partners {
        docs[s] += 1;
    }
    seeds.retain(|&(da, db, x, y)| docs[id(da, x)].min(docs[id(db, y)]) <= max_partners);
    seeds
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

#[cfg(test)]
mod tests {
    use super::{shared_bigrams, without_templates};
    use crate::config::Config;
    use crate::progress::NoProgress;
    use crate::report::Found;
    use crate::{Document, find};

    /// A story, the same story reworded sentence by sentence (no five words in a row
    /// kept), an exact copy of its first half, and an unrelated text.
    fn corpus() -> Vec<Document> {
        let story = include_str!("../../../../testdata/reworded/story.txt");
        let reworded = include_str!("../../../../testdata/reworded/reworded.txt");
        let half = &story[..story.find(" Ferry").unwrap()];
        vec![
            Document::new("a-story", format!("Local news. {story} Weather is fine.")),
            Document::new(
                "b-reworded",
                format!("Morning digest. {reworded} More later."),
            ),
            Document::new("c-copy", format!("{half} Our desk adds nothing.")),
            Document::new(
                "d-other",
                "A gardening column about tomatoes, compost and the late frost this spring, \
                 which damaged seedlings across the valley and delayed planting by weeks.",
            ),
        ]
    }

    #[test]
    fn sentences_similar_to_many_documents_seed_nothing() {
        // documents 0..=4 of one sentence each; `first` of 5 documents, one sentence each
        let first = [0, 1, 2, 3, 4, 5];
        // sentence 0 of document 0 pairs with documents 1, 2, 3; document 4 pairs with 3
        let seeds = vec![(0, 1, 0, 0), (0, 2, 0, 0), (0, 3, 0, 0), (3, 4, 0, 0)];
        // partners: document 0's sentence 3 documents, document 3's 2, the others 1
        assert_eq!(without_templates(seeds.clone(), &first, 2), seeds);
        // at most 1: a seed goes only when both its sentences have more (0 and 3)
        assert_eq!(
            without_templates(seeds, &first, 1),
            [(0, 1, 0, 0), (0, 2, 0, 0), (3, 4, 0, 0)]
        );
    }

    #[test]
    fn shared_bigrams_count_phrasing_not_names_and_figures() {
        // stems 1-9 are names or figures, 10 and up words; 0 a stop word
        let word = |k: u64| k >= 10;
        // "10 11 0 12 13": bigrams (10,11) (11,12) (12,13), the stop word skipped
        let a = [10, 11, 0, 12, 13];
        assert_eq!(shared_bigrams(&a, &a, &word), 1.0);
        // the same words in another order share one bigram of three
        assert!((shared_bigrams(&a, &[12, 13, 10, 11], &word) - 2.0 / 3.0).abs() < 1e-6);
        assert!((shared_bigrams(&a, &[13, 12, 11, 10], &word)).abs() < 1e-6);
        // two names in a row are no phrasing: both sides share only (1, 2)
        assert_eq!(shared_bigrams(&[1, 2, 10], &[1, 2, 20], &word), 0.0);
        // a name next to a word is: (1, 10)
        assert_eq!(shared_bigrams(&[1, 10, 30], &[1, 10, 20], &word), 0.5);
        // measured on the side with fewer bigrams
        assert_eq!(shared_bigrams(&[10, 11], &[10, 11, 20, 21, 22], &word), 1.0);
        assert_eq!(shared_bigrams(&[10], &[10, 11], &word), 0.0);
    }

    #[test]
    fn dated_documents_need_their_sources_phrasing() {
        // the same corpus as news: the story and its rewording a day apart; the rewording
        // keeps the facts in order but few of the story's bigrams (about a fifth), as a
        // second report of the event would
        let mut docs = corpus();
        for (i, d) in docs.iter_mut().enumerate() {
            d.meta.date = Some(format!("2023-01-0{}T08:00:00Z", i + 1));
        }
        let cfg = Config {
            paraphrase: true,
            ..Config::default()
        };
        let r = find(&docs, &cfg, &NoProgress).unwrap();
        let members: Vec<&str> = r
            .clusters
            .iter()
            .flat_map(|c| c.members.iter().map(|m| m.doc.as_str()))
            .collect();
        assert!(members.contains(&"a-story") && members.contains(&"c-copy"));
        assert!(!members.contains(&"b-reworded"), "{members:?}");
        assert_eq!(r.stats.reworded_passages, 0);
    }

    #[test]
    fn reworded_passages_are_found_only_when_asked_and_say_how() {
        let docs = corpus();
        let plain = find(&docs, &Config::default(), &NoProgress).unwrap();
        let json = serde_json::to_string(&plain).unwrap();
        assert!(!json.contains("\"match\""), "{json}");
        assert!(
            !json.contains("b-reworded"),
            "no exact path to the rewording"
        );
        assert_eq!(plain.stats.reworded_passages, 0);

        let cfg = Config {
            paraphrase: true,
            ..Config::default()
        };
        let r = find(&docs, &cfg, &NoProgress).unwrap();
        assert_eq!(r.clusters.len(), 1, "{r:#?}");
        let members = &r.clusters[0].members;
        let found = |id: &str| members.iter().find(|m| m.doc == id).and_then(|m| m.found);
        assert_eq!(found("a-story"), Some(Found::Exact));
        assert_eq!(found("c-copy"), Some(Found::Exact));
        assert_eq!(found("b-reworded"), Some(Found::Reworded));
        assert_eq!(found("d-other"), None);
        // the reworded member spans the rewritten story, byte for byte
        let m = members.iter().find(|m| m.doc == "b-reworded").unwrap();
        let text = &docs[1].text[m.begin..m.end];
        // trimmed to the first stem the other side shares ("On" is a stop word)
        assert!(text.starts_with("Tuesday the committee"), "{text}");
        assert!(text.contains("forty million crowns"), "{text}");
        assert!(r.stats.reworded_passages >= 1);
        assert!(r.pairs.iter().all(|p| p.found.is_some()));
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"match\":\"reworded\""), "{json}");
    }
}
