//! In-memory inverted index from fingerprints to their occurrences.
//!
//! Postings `(fingerprint, doc, position)` are scattered into 256 partitions by the top byte
//! of the fingerprint (per thread, then concatenated), and each partition is sorted on its
//! own, in parallel. A partition is a few megabytes even for large corpora, so the sort
//! stays in cache, and the partitions are the unit of parallel work for candidate
//! generation. Cost: O(P log P) for P postings, 16 bytes per posting.

use rayon::prelude::*;

/// One occurrence of a fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Posting {
    pub fingerprint: u64,
    pub doc: u32,
    pub pos: u32,
}

const PARTITIONS: usize = 256;

/// Postings partitioned by fingerprint and sorted by `(fingerprint, doc, pos)`.
#[derive(Debug, Default)]
pub struct NgramIndex {
    partitions: Vec<Vec<Posting>>,
}

impl NgramIndex {
    /// Indexes the fingerprints of every document (`fingerprints[doc][pos]`).
    pub fn build(fingerprints: &[Vec<u64>]) -> NgramIndex {
        let empty = || vec![Vec::new(); PARTITIONS];
        let mut partitions = fingerprints
            .par_iter()
            .enumerate()
            .fold(empty, |mut parts: Vec<Vec<Posting>>, (doc, fps)| {
                for (pos, &fingerprint) in fps.iter().enumerate() {
                    parts[(fingerprint >> 56) as usize].push(Posting {
                        fingerprint,
                        doc: doc as u32,
                        pos: pos as u32,
                    });
                }
                parts
            })
            .reduce(empty, |mut a, b| {
                for (x, mut y) in a.iter_mut().zip(b) {
                    if x.len() < y.len() {
                        std::mem::swap(x, &mut y);
                    }
                    x.extend_from_slice(&y);
                }
                a
            });
        partitions.par_iter_mut().for_each(|p| p.sort_unstable());
        NgramIndex { partitions }
    }

    /// Number of postings.
    pub fn len(&self) -> usize {
        self.partitions.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sorted partitions; each holds whole groups of equal fingerprints.
    pub fn partitions(&self) -> &[Vec<Posting>] {
        &self.partitions
    }
}

/// Splits a sorted partition into runs of postings that share a fingerprint.
pub fn groups(partition: &[Posting]) -> impl Iterator<Item = &[Posting]> {
    partition.chunk_by(|x, y| x.fingerprint == y.fingerprint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_equal_fingerprints_in_doc_order() {
        let fps = vec![vec![7, 9, 7], vec![9, 1], vec![7]];
        let index = NgramIndex::build(&fps);
        assert_eq!(index.len(), 6);
        let mut seen = Vec::new();
        for part in index.partitions() {
            for g in groups(part) {
                seen.push(
                    g.iter()
                        .map(|p| (p.fingerprint, p.doc, p.pos))
                        .collect::<Vec<_>>(),
                );
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            vec![
                vec![(1, 1, 1)],
                vec![(7, 0, 0), (7, 0, 2), (7, 2, 0)],
                vec![(9, 0, 1), (9, 1, 0)],
            ]
        );
    }
}
