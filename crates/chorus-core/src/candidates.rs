//! Candidate document pairs: pairs that share enough rare fingerprints.
//!
//! For each fingerprint group in the index, the documents holding it are paired, and each
//! pairing is a *seed* `(pos_a, pos_b)` for that document pair. Groups found in more than
//! `max_df` documents are too common to mean reuse and seed nothing. Groups with more than
//! `full_pairs_df` documents (a passage printed by very many outlets) do not pair every
//! document with every other, which would cost O(df²) per fingerprint: each document is
//! paired with the first `star_links` documents of the group instead (the earliest, since
//! documents are numbered in date order), which keeps the cost linear and still joins all
//! of them into one cluster. A fingerprint repeated more than `max_repeats` times inside one
//! document (a refrain, a table) is ignored for that document.
//!
//! Seeds are sorted by document pair; pairs with at least `min_seeds` seeds are candidates.

use crate::index::{NgramIndex, Posting, groups};
use rayon::prelude::*;

/// Limits that decide which shared fingerprints seed which pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeedLimits {
    pub max_df: usize,
    pub full_pairs_df: usize,
    pub star_links: usize,
    pub max_repeats: usize,
    pub min_seeds: usize,
}

/// A document pair (`a < b`, as document numbers) and the positions of the fingerprints they
/// share, sorted by `(pos_a, pos_b)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub a: u32,
    pub b: u32,
    pub seeds: Vec<(u32, u32)>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct SeedRec {
    pair: u64,
    pos: u64,
}

fn emit(out: &mut Vec<SeedRec>, x: &[Posting], y: &[Posting]) {
    // x and y are the occurrences of one fingerprint in two documents, x.doc < y.doc.
    let pair = ((x[0].doc as u64) << 32) | y[0].doc as u64;
    for p in x {
        for q in y {
            out.push(SeedRec {
                pair,
                pos: ((p.pos as u64) << 32) | q.pos as u64,
            });
        }
    }
}

fn seeds_of_partition(part: &[Posting], lim: &SeedLimits, out: &mut Vec<SeedRec>) {
    let mut runs: Vec<&[Posting]> = Vec::new();
    for g in groups(part) {
        if g.len() < 2 || g[0].doc == g[g.len() - 1].doc {
            continue;
        }
        runs.clear();
        runs.extend(
            g.chunk_by(|x, y| x.doc == y.doc)
                .filter(|r| r.len() <= lim.max_repeats),
        );
        let df = runs.len();
        if df < 2 || df > lim.max_df {
            continue;
        }
        if df <= lim.full_pairs_df {
            for i in 0..df {
                for j in i + 1..df {
                    emit(out, runs[i], runs[j]);
                }
            }
        } else {
            let hubs = lim.star_links.min(df);
            for i in 0..hubs {
                for j in i + 1..df {
                    emit(out, runs[i], runs[j]);
                }
            }
        }
    }
}

/// Candidate pairs from the index, in `(a, b)` order.
pub fn candidates(index: &NgramIndex, lim: &SeedLimits) -> Vec<Candidate> {
    let mut seeds: Vec<SeedRec> = index
        .partitions()
        .par_iter()
        .map(|part| {
            let mut out = Vec::new();
            seeds_of_partition(part, lim, &mut out);
            out
        })
        .flatten()
        .collect();
    seeds.par_sort_unstable();
    let groups: Vec<&[SeedRec]> = seeds.chunk_by(|x, y| x.pair == y.pair).collect();
    groups
        .into_par_iter()
        .filter(|g| g.len() >= lim.min_seeds)
        .map(|g| Candidate {
            a: (g[0].pair >> 32) as u32,
            b: g[0].pair as u32,
            seeds: g
                .iter()
                .map(|s| ((s.pos >> 32) as u32, s.pos as u32))
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim() -> SeedLimits {
        SeedLimits {
            max_df: 4,
            full_pairs_df: 3,
            star_links: 1,
            max_repeats: 2,
            min_seeds: 1,
        }
    }

    #[test]
    fn pairs_documents_sharing_fingerprints() {
        let index = NgramIndex::build(&[vec![1, 2], vec![2, 1], vec![3]]);
        let c = candidates(&index, &lim());
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].a, c[0].b), (0, 1));
        assert_eq!(c[0].seeds, vec![(0, 1), (1, 0)]);
    }

    #[test]
    fn too_common_fingerprints_seed_nothing_and_large_groups_use_hubs() {
        // fingerprint 5 is in 5 documents (> max_df): no seeds.
        let fps: Vec<Vec<u64>> = (0..5).map(|_| vec![5]).collect();
        assert!(candidates(&NgramIndex::build(&fps), &lim()).is_empty());
        // fingerprint 6 in 4 documents (> full_pairs_df): each pairs with doc 0 only.
        let fps: Vec<Vec<u64>> = (0..4).map(|_| vec![6]).collect();
        let pairs: Vec<(u32, u32)> = candidates(&NgramIndex::build(&fps), &lim())
            .iter()
            .map(|c| (c.a, c.b))
            .collect();
        assert_eq!(pairs, vec![(0, 1), (0, 2), (0, 3)]);
    }

    #[test]
    fn repeated_fingerprints_inside_a_document_are_ignored_for_it() {
        let index = NgramIndex::build(&[vec![9, 9, 9], vec![9]]);
        assert!(candidates(&index, &lim()).is_empty());
    }
}
