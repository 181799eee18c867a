//! Clusters: passages that overlap across documents are joined.
//!
//! Every aligned pair contributes one occurrence in each of its two documents. Within a
//! document, two occurrences are the same passage when they overlap by at least half of
//! the shorter one; union-find over pairs then joins everything connected, so a statement
//! printed by 30 outlets (aligned pairwise, or to a few hubs) is one cluster with 30
//! members. A cluster's members are, per document, the unions of its overlapping
//! occurrences. Cost: O(p log p) for p pairs, plus the overlap sweep per document.
//! Limits: two distinct passages printed back to back in some document and aligned as one
//! there can join their clusters.

use crate::document::Span;

/// A passage occurrence: a span of document number `doc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Occurrence {
    pub doc: u32,
    pub span: Span,
}

struct UnionFind(Vec<u32>);

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let p = self.0[x as usize];
            self.0[x as usize] = self.0[p as usize];
            x = p;
        }
        x
    }

    fn union(&mut self, x: u32, y: u32) {
        let (rx, ry) = (self.find(x), self.find(y));
        if rx != ry {
            // the smaller root wins: the result does not depend on the order of unions
            let (lo, hi) = (rx.min(ry), rx.max(ry));
            self.0[hi as usize] = lo;
        }
    }
}

/// The clusters of a set of aligned pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clustering {
    /// Cluster number (0-based, in order of first member) of each pair.
    pub pair_cluster: Vec<u32>,
    /// Members of each cluster, sorted by `(doc, span)`.
    pub members: Vec<Vec<Occurrence>>,
}

/// Clusters pairs of occurrences (see the module documentation).
pub fn cluster(pairs: &[(Occurrence, Occurrence)]) -> Clustering {
    let mut uf = UnionFind((0..pairs.len() as u32).collect());
    let mut occ: Vec<(Occurrence, u32)> = pairs
        .iter()
        .enumerate()
        .flat_map(|(k, (x, y))| [(*x, k as u32), (*y, k as u32)])
        .collect();
    occ.sort_unstable();
    for doc_occ in occ.chunk_by(|x, y| x.0.doc == y.0.doc) {
        // sweep by begin; `active` holds occurrences that may still overlap
        let mut active: Vec<(Span, u32)> = Vec::new();
        for &(o, k) in doc_occ {
            active.retain(|(s, _)| s.end > o.span.begin);
            for &(s, j) in &active {
                if 2 * s.overlap(&o.span) >= s.len().min(o.span.len()) {
                    uf.union(j, k);
                }
            }
            active.push((o.span, k));
        }
    }
    // members: per cluster and document, union of overlapping occurrences
    let mut by_root: Vec<(u32, Occurrence)> = occ.iter().map(|&(o, k)| (uf.find(k), o)).collect();
    by_root.sort_unstable();
    let mut clusters: Vec<(u32, Vec<Occurrence>)> = Vec::new();
    for group in by_root.chunk_by(|x, y| x.0 == y.0) {
        let mut members: Vec<Occurrence> = Vec::new();
        for &(_, o) in group {
            match members.last_mut() {
                Some(m) if m.doc == o.doc && o.span.begin < m.span.end => {
                    m.span.end = m.span.end.max(o.span.end);
                }
                _ => members.push(o),
            }
        }
        clusters.push((group[0].0, members));
    }
    clusters.sort_by(|x, y| x.1.cmp(&y.1));
    let mut number = vec![0u32; pairs.len()];
    for (i, (root, _)) in clusters.iter().enumerate() {
        number[*root as usize] = i as u32;
    }
    let pair_cluster = (0..pairs.len() as u32)
        .map(|k| number[uf.find(k) as usize])
        .collect();
    Clustering {
        pair_cluster,
        members: clusters.into_iter().map(|(_, m)| m).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(doc: u32, b: usize, e: usize) -> Occurrence {
        Occurrence {
            doc,
            span: Span::new(b, e),
        }
    }

    #[test]
    fn joins_overlapping_passages_across_pairs() {
        let pairs = vec![
            (o(0, 10, 100), o(1, 0, 90)),
            (o(1, 5, 92), o(2, 50, 140)),
            (o(3, 0, 50), o(4, 0, 50)),
        ];
        let c = cluster(&pairs);
        assert_eq!(c.pair_cluster, vec![0, 0, 1]);
        assert_eq!(
            c.members[0],
            vec![o(0, 10, 100), o(1, 0, 92), o(2, 50, 140)]
        );
        assert_eq!(c.members[1], vec![o(3, 0, 50), o(4, 0, 50)]);
    }

    #[test]
    fn small_overlap_does_not_join() {
        let pairs = vec![(o(0, 0, 100), o(1, 0, 100)), (o(0, 90, 200), o(2, 0, 110))];
        let c = cluster(&pairs);
        assert_eq!(c.pair_cluster, vec![0, 1]);
    }
}
