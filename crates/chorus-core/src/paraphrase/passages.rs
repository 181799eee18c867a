//! From similar sentence pairs of two documents to reworded passages.
//!
//! As in Sanchez-Perez et al. (PAN 2014), the similar sentence pairs of a document pair are
//! *seeds*, grown into passages by extension, validation and filtering:
//!
//! 1. **Extension.** Seeds `(i, j)` (sentence `i` of `a`, `j` of `b`) within `gap + 1`
//!    sentences of each other in both documents join one group (union-find over the pairs
//!    close enough); a group's passage runs from its first to its last sentence on each
//!    side, the sentences between included (an added or reworded-past-recognition sentence
//!    inside a rewritten paragraph).
//! 2. **Validation.** The passage's two sides, as bags of stems, must have a tf-idf cosine
//!    of at least `min_validation`; a group that fails is split again with a gap one
//!    smaller, down to adjacent seeds, so unrelated sentences between two stretches are
//!    not taken in. A group that passes is one source rewritten only when its seeds hold
//!    a [`chain`] of `min_run` in the same order on both sides, each at most `run_step`
//!    sentences past the previous one (two reports of one event share facts in scattered
//!    sentences, in any order), and when its sides, both holding `figures_from` distinct
//!    figures or more, agree on `min_figures` of them (Dice): a template filled in with
//!    other figures is no rewording. Its sides are also compared without their names and
//!    figures (`similarity::words_cosine`, `names.rs`): their words cosine must reach
//!    `min_words`, and a passage whose longest chain is no longer than `min_run` (the
//!    weakest evidence of order) needs `min_words_short` and, over its seeds on average,
//!    `min_seed_words`. Two reports of one event share its names and figures in the
//!    same order; a rewording shares its source's ordinary words too.
//! 3. **Filtering.** A passage needs `min_tokens` tokens on each side; of passages that
//!    overlap on either side (one text reworded twice, or two sources for one text), the
//!    one sharing more stems is kept.

use super::similarity::{Bag, compare, figures_agree, weights, words_cosine};
use super::stems::NUMBER_BIT;
use crate::union_find::UnionFind;

/// One sentence: its token range and its bag of stems.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Sentence {
    pub tokens: (u32, u32),
    pub bag: Bag,
}

/// How seeds grow into passages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct GrowParams {
    /// Most sentences between two seeds of one passage, on either side.
    pub max_gap: usize,
    /// Lowest cosine of a passage's two sides.
    pub min_validation: f32,
    /// Fewest tokens on each side.
    pub min_tokens: u32,
    /// Fewest seeds in one chain (see [`chain`]) ...
    pub min_run: u32,
    /// ... whose steps advance at most this many sentences on each side.
    pub run_step: u32,
    /// Lowest Dice of the figures of a passage's two sides ...
    pub min_figures: f32,
    /// ... when each side holds at least this many distinct figures.
    pub figures_from: usize,
    /// Lowest words cosine (names and figures left out) of a passage's two sides ...
    pub min_words: f32,
    /// ... of a passage whose longest chain is only `min_run` seeds ...
    pub min_words_short: f32,
    /// ... and the lowest mean words cosine of such a passage's seeds.
    pub min_seed_words: f32,
}

/// A reworded passage: sentence ranges `[begin, end)` in both documents, the cosine of
/// its sides and the stems they share (with multiplicity).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fragment {
    pub a: (u32, u32),
    pub b: (u32, u32),
    pub cosine: f32,
    pub matched: u32,
}

/// How a document pair's stems are weighed: `idf` gives a stem's weight, `is_name` says
/// whether either document writes it as a name (see `names.rs`).
pub(crate) struct Weigh<'w> {
    pub idf: &'w dyn Fn(u64) -> f32,
    pub is_name: &'w dyn Fn(u64) -> bool,
}

/// The passages grown from `seeds` (sentence pairs of `a` and `b`).
pub(crate) fn grow(
    seeds: &[(u32, u32)],
    a: &[Sentence],
    b: &[Sentence],
    p: &GrowParams,
    w: &Weigh<'_>,
) -> Vec<Fragment> {
    let mut seeds = seeds.to_vec();
    seeds.sort_unstable();
    seeds.dedup();
    let mut found = Vec::new();
    extend(&seeds, a, b, p.max_gap, p, w, &mut found);
    let tokens =
        |s: &[Sentence], r: (u32, u32)| s[r.1 as usize - 1].tokens.1 - s[r.0 as usize].tokens.0;
    found.retain(|f: &Fragment| tokens(a, f.a) >= p.min_tokens && tokens(b, f.b) >= p.min_tokens);
    found.sort_by(|x, y| {
        y.matched
            .cmp(&x.matched)
            .then(y.cosine.total_cmp(&x.cosine))
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut kept: Vec<Fragment> = Vec::new();
    for f in found {
        let meets = |x: (u32, u32), y: (u32, u32)| x.0 < y.1 && y.0 < x.1;
        if !kept.iter().any(|k| meets(k.a, f.a) || meets(k.b, f.b)) {
            kept.push(f);
        }
    }
    kept.sort_by_key(|f| (f.a, f.b));
    kept
}

/// Groups sorted `seeds` within `gap + 1` sentences on both sides, and validates each
/// group's passage, splitting a failed group with a smaller gap.
fn extend(
    seeds: &[(u32, u32)],
    a: &[Sentence],
    b: &[Sentence],
    gap: usize,
    p: &GrowParams,
    w: &Weigh<'_>,
    out: &mut Vec<Fragment>,
) {
    let idf = w.idf;
    let reach = gap as u32 + 1;
    let mut uf = UnionFind::new(seeds.len());
    for (k, s) in seeds.iter().enumerate() {
        for (l, t) in seeds.iter().enumerate().skip(k + 1) {
            if t.0 - s.0 > reach {
                break;
            }
            if t.1.abs_diff(s.1) <= reach {
                uf.union(k as u32, l as u32);
            }
        }
    }
    let mut groups: Vec<(u32, u32)> = (0..seeds.len() as u32).map(|k| (uf.find(k), k)).collect();
    groups.sort_unstable();
    for g in groups.chunk_by(|x, y| x.0 == y.0) {
        let members: Vec<(u32, u32)> = g.iter().map(|&(_, k)| seeds[k as usize]).collect();
        let ra = (
            members.iter().map(|m| m.0).min().unwrap_or(0),
            members.iter().map(|m| m.0).max().unwrap_or(0) + 1,
        );
        let rb = (
            members.iter().map(|m| m.1).min().unwrap_or(0),
            members.iter().map(|m| m.1).max().unwrap_or(0) + 1,
        );
        let bag_a = Bag::sum(a[ra.0 as usize..ra.1 as usize].iter().map(|s| &s.bag));
        let bag_b = Bag::sum(b[rb.0 as usize..rb.1 as usize].iter().map(|s| &s.bag));
        let (wa, na) = weights(&bag_a, idf);
        let (wb, nb) = weights(&bag_b, idf);
        let (cosine, _, matched) = compare(&bag_a, &wa, na, &bag_b, &wb, nb);
        if cosine >= p.min_validation {
            let (figures, fewest) = figures_agree(&bag_a, &bag_b, NUMBER_BIT);
            let run = chain(&members, p.run_step);
            let one_source = run >= p.min_run
                && (figures >= p.min_figures || fewest < p.figures_from)
                && in_words(&members, a, b, (&bag_a, &bag_b), run, p, w);
            if one_source {
                out.push(Fragment {
                    a: ra,
                    b: rb,
                    cosine,
                    matched,
                });
            }
        } else if gap > 0 && members.len() > 1 {
            extend(&members, a, b, gap - 1, p, w, out);
        }
    }
}

/// Whether a passage (its seeds, its two bags, its longest chain `run`) shares its
/// source's ordinary words, names and figures left out: its words cosine reaches
/// `min_words`, and with a chain of only `min_run` seeds `min_words_short`, its seeds'
/// mean words cosine `min_seed_words`.
fn in_words(
    seeds: &[(u32, u32)],
    a: &[Sentence],
    b: &[Sentence],
    bags: (&Bag, &Bag),
    run: u32,
    p: &GrowParams,
    w: &Weigh<'_>,
) -> bool {
    let words = |x: &Bag, y: &Bag| words_cosine(x, y, w.idf, w.is_name, NUMBER_BIT);
    let passage = words(bags.0, bags.1);
    if passage < p.min_words {
        return false;
    }
    if run > p.min_run {
        return true;
    }
    let seeds_mean = seeds
        .iter()
        .map(|&(i, j)| words(&a[i as usize].bag, &b[j as usize].bag))
        .sum::<f32>()
        / seeds.len().max(1) as f32;
    passage >= p.min_words_short && seeds_mean >= p.min_seed_words
}

/// The most seeds in one chain: seeds in the same order on both sides, each one to
/// `step` sentences past the previous one on each side. `seeds` sorted.
pub(crate) fn chain(seeds: &[(u32, u32)], step: u32) -> u32 {
    let mut best = vec![1u32; seeds.len()];
    for k in 0..seeds.len() {
        let (i, j) = seeds[k];
        for l in (0..k).rev() {
            let (pi, pj) = seeds[l];
            if i - pi > step {
                break;
            }
            if (1..=step).contains(&(i - pi)) && pj < j && j - pj <= step {
                best[k] = best[k].max(best[l] + 1);
            }
        }
    }
    best.into_iter().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sentences of 10 tokens each whose bags are the given stem lists.
    fn doc(bags: &[&[u64]]) -> Vec<Sentence> {
        bags.iter()
            .enumerate()
            .map(|(i, b)| Sentence {
                tokens: (10 * i as u32, 10 * i as u32 + 10),
                bag: Bag::of(b.to_vec()),
            })
            .collect()
    }

    const P: GrowParams = GrowParams {
        max_gap: 1,
        min_validation: 0.3,
        min_tokens: 15,
        min_run: 1,
        run_step: 2,
        min_figures: 0.8,
        figures_from: 4,
        min_words: 0.0,
        min_words_short: 0.0,
        min_seed_words: 0.0,
    };

    fn grow1(
        seeds: &[(u32, u32)],
        a: &[Sentence],
        b: &[Sentence],
        p: &GrowParams,
        idf: &dyn Fn(u64) -> f32,
    ) -> Vec<Fragment> {
        grow(
            seeds,
            a,
            b,
            p,
            &Weigh {
                idf,
                is_name: &|_| false,
            },
        )
    }

    #[test]
    fn close_seeds_grow_into_one_passage_and_far_ones_do_not() {
        let a = doc(&[
            &[1, 2],
            &[3, 4],
            &[50, 51],
            &[5, 6],
            &[7, 8],
            &[60],
            &[61],
            &[62],
            &[9, 10],
        ]);
        let b = doc(&[
            &[1, 2],
            &[3, 4],
            &[5, 6],
            &[7, 8],
            &[70],
            &[71],
            &[72],
            &[73],
            &[9, 10],
        ]);
        let seeds = [(0, 0), (1, 1), (3, 2), (4, 3), (8, 8)];
        let f = grow1(&seeds, &a, &b, &P, &|_| 1.0);
        // (8, 8) alone is 10 tokens a side: under min_tokens
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].a, f[0].b, f[0].matched), ((0, 5), (0, 4), 8));
        // with no gap allowed the sentence added in `a` splits the passage
        let f = grow1(&seeds, &a, &b, &GrowParams { max_gap: 0, ..P }, &|_| 1.0);
        assert_eq!(
            f.iter().map(|f| (f.a, f.b)).collect::<Vec<_>>(),
            [((0, 2), (0, 2)), ((3, 5), (2, 4))]
        );
    }

    #[test]
    fn a_passage_that_fails_validation_is_split() {
        // seeds 0 and 2 are one group at gap 1, but the sentence between them differs a
        // lot and weighs much: the group fails and each half is too short alone
        let a = doc(&[&[1, 2], &[40, 41, 42, 43], &[3, 4]]);
        let b = doc(&[&[1, 2], &[80, 81, 82, 83], &[3, 4]]);
        let idf = |k: u64| if k >= 40 { 10.0 } else { 1.0 };
        let f = grow1(&[(0, 0), (2, 2)], &a, &b, &P, &idf);
        assert!(f.is_empty(), "{f:?}");
        // weighed alike, the group holds
        let f = grow1(&[(0, 0), (2, 2)], &a, &b, &P, &|_| 1.0);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn a_passage_needs_a_chain_of_seeds_in_order_and_its_figures() {
        assert_eq!(chain(&[(0, 0), (1, 1), (3, 2), (6, 6)], 2), 3);
        assert_eq!(chain(&[(0, 0), (1, 1), (3, 2), (6, 6)], 1), 2);
        // the same sentences in another order, or one sentence matched twice
        assert_eq!(chain(&[(0, 2), (1, 0), (2, 1)], 2), 2);
        assert_eq!(chain(&[(0, 0), (0, 1), (1, 0)], 2), 1);
        let two = GrowParams { min_run: 2, ..P };
        // two seeds in order: a passage; the same two crossed: none
        let a = doc(&[&[1, 2], &[3, 4]]);
        let b = doc(&[&[1, 2], &[3, 4]]);
        assert_eq!(grow1(&[(0, 0), (1, 1)], &a, &b, &two, &|_| 1.0).len(), 1);
        let crossed = doc(&[&[3, 4], &[1, 2]]);
        assert!(grow1(&[(0, 1), (1, 0)], &a, &crossed, &two, &|_| 1.0).is_empty());
        // a template with other figures (4 a side, 2 shared: Dice 0.5)
        let n = NUMBER_BIT;
        let fa = doc(&[&[1, 2, n | 10, n | 11], &[3, 4, n | 12, n | 13]]);
        let fb = doc(&[&[1, 2, n | 10, n | 21], &[3, 4, n | 12, n | 23]]);
        assert!(grow1(&[(0, 0), (1, 1)], &fa, &fb, &two, &|_| 1.0).is_empty());
        let fewer = GrowParams {
            figures_from: 5,
            ..two
        };
        assert_eq!(
            grow1(&[(0, 0), (1, 1)], &fa, &fb, &fewer, &|_| 1.0).len(),
            1
        );
    }

    #[test]
    fn a_passage_sharing_only_names_is_no_rewording() {
        // stems 1-9 are names (say, people and companies), 10 and up ordinary words
        let a = doc(&[&[1, 2, 10, 11], &[3, 4, 12, 13], &[5, 6, 14, 15]]);
        let events = doc(&[&[1, 2, 20, 21], &[3, 4, 22, 23], &[5, 6, 24, 25]]);
        let reworded = doc(&[&[1, 2, 10, 21], &[3, 4, 12, 23], &[5, 6, 14, 25]]);
        let p = GrowParams {
            min_run: 2,
            min_words: 0.25,
            min_words_short: 0.42,
            min_seed_words: 0.4,
            ..P
        };
        let names = |k: u64| k < 10;
        let w = Weigh {
            idf: &|_| 1.0,
            is_name: &names,
        };
        let seeds = [(0, 0), (1, 1), (2, 2)];
        // in order, same names: the same event told in other words is no passage
        assert!(grow(&seeds, &a, &events, &p, &w).is_empty());
        // half the ordinary words kept: a rewording (words cosine 0.5)
        assert_eq!(grow(&seeds, &a, &reworded, &p, &w).len(), 1);
        // with a chain of only two seeds it needs more: 0.5 passes 0.42, not 0.6
        let two = [(0, 0), (1, 1)];
        let short = |x: &[Sentence]| x[..2].to_vec();
        let (a2, r2) = (short(&a), short(&reworded));
        assert_eq!(grow(&two, &a2, &r2, &p, &w).len(), 1);
        let stricter = GrowParams {
            min_words_short: 0.6,
            ..p
        };
        assert!(grow(&two, &a2, &r2, &stricter, &w).is_empty());
        // names unknown: every shared stem is a word, and the event pair passes
        let no_names = Weigh {
            idf: &|_| 1.0,
            is_name: &|_| false,
        };
        assert_eq!(grow(&seeds, &a, &events, &p, &no_names).len(), 1);
    }

    #[test]
    fn overlapping_passages_keep_the_one_sharing_more() {
        let a = doc(&[&[1, 2, 3], &[4, 5], &[6]]);
        let b = doc(&[&[1, 2, 3], &[4, 5], &[9], &[9], &[9], &[1, 2], &[4]]);
        let f = grow1(&[(0, 0), (1, 1), (0, 5), (1, 6)], &a, &b, &P, &|_| 1.0);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].a, f[0].b, f[0].matched), ((0, 2), (0, 2), 5));
    }
}
