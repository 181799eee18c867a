//! Clusters: passages that overlap across documents are joined.
//!
//! Every aligned pair contributes one occurrence in each of its two documents. Within a
//! document, two occurrences are the same passage when they overlap by at least half of
//! the longer one; union-find over pairs then joins everything connected, so a statement
//! printed by 30 outlets (aligned pairwise, or to a few hubs) is one cluster with 30
//! members. An occurrence lying mostly inside a longer one (half of the shorter) is a part
//! of it, a quoted fragment: its cluster joins the longer one's, but when it lies inside
//! passages of several clusters it joins only the one it lies in most often, since it is
//! then a formula they share (an attribution line), and joining all would chain unrelated
//! passages into one cluster (a 1,621-member cluster on the 1 GB benchmark). With `find
//! --paraphrase`, an occurrence found reworded is never such a part nor holds one: a
//! rewording that takes in more than an exact copy of its source would otherwise widen
//! that copy's members. A cluster's members are, per document, the unions of its occurrences
//! that overlap or lie within 24 bytes of each other: the aligner cuts an abridged or heavily
//! edited copy into pieces where a dropped sentence meets a damaged word, and those pieces, a
//! word or two apart in the copy, are one member (so one copy counts once). Cost: O(p log p)
//! for p pairs, plus the overlap sweep per document.
//! Limits: two distinct passages printed back to back in some document and aligned as one
//! there can join their clusters.

use crate::document::Span;
use crate::order::DocNum;
use crate::union_find::UnionFind;

pub use crate::spans::Occurrence;

/// Occurrences of one cluster in one document at most this many bytes apart (a damaged
/// word or two) are one member.
const NEAR_BYTES: usize = 24;

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
    cluster_found(pairs, &[])
}

/// [`cluster`], where `reworded[k]` says pair `k` was found reworded (`find
/// --paraphrase`; empty: none was): a reworded occurrence joins only occurrences
/// overlapping it by half of the longer, never one it merely holds or lies in, so that a
/// wider rewording of a passage does not widen the members of its exact copies (nor a
/// rewording of a part join the cluster of the whole).
pub(crate) fn cluster_found(pairs: &[(Occurrence, Occurrence)], reworded: &[bool]) -> Clustering {
    let is_reworded = |k: u32| reworded.get(k as usize).copied().unwrap_or(false);
    let mut uf = UnionFind::new(pairs.len());
    let mut occ: Vec<(Occurrence, u32)> = pairs
        .iter()
        .enumerate()
        .flat_map(|(k, (x, y))| [(*x, k as u32), (*y, k as u32)])
        .collect();
    occ.sort_unstable();
    // (pair of the shorter occurrence, pair of the longer one it mostly lies in, document)
    let mut inside: Vec<(u32, u32, DocNum)> = Vec::new();
    for doc_occ in occ.chunk_by(|x, y| x.0.doc == y.0.doc) {
        // sweep by begin; `active` holds occurrences that may still overlap
        let mut active: Vec<(Span, u32)> = Vec::new();
        for &(o, k) in doc_occ {
            active.retain(|(s, _)| s.end > o.span.begin);
            for &(s, j) in &active {
                let overlap = 2 * s.overlap(&o.span);
                if overlap >= s.len().max(o.span.len()) {
                    uf.union(j, k);
                } else if overlap >= s.len().min(o.span.len())
                    // a rewording holding an exact copy, or lying in a wider passage,
                    // stays its own passage
                    && !(is_reworded(j) || is_reworded(k))
                {
                    let (c, p) = if s.len() < o.span.len() {
                        (j, k)
                    } else {
                        (k, j)
                    };
                    inside.push((c, p, o.doc));
                }
            }
            active.push((o.span, k));
        }
    }
    // A shorter passage lying inside a longer one joins its cluster (a quoted fragment of
    // a statement). One lying inside passages of several different clusters joins only
    // the one it lies in in the most documents (the first on a tie): it is a formula those
    // passages happen to share (an attribution line such as "In a statement released on
    // Friday, a spokesman said"), and joining them all would chain unrelated passages.
    // counted in documents (not in pairs, which depend on how pairs were generated)
    let mut edges: Vec<(u32, u32, DocNum)> = inside
        .iter()
        .map(|&(c, p, doc)| (uf.find(c), uf.find(p), doc))
        .filter(|(c, p, _)| c != p)
        .collect();
    edges.sort_unstable();
    edges.dedup();
    // ties go to the cluster with the first occurrence (by document and span), which does
    // not depend on the order of the pairs
    let mut first: Vec<Option<Occurrence>> = vec![None; pairs.len()];
    for &(o, k) in &occ {
        let r = uf.find(k) as usize;
        if first[r].is_none_or(|f| o < f) {
            first[r] = Some(o);
        }
    }
    let mut joins: Vec<(u32, u32)> = Vec::new();
    for group in edges.chunk_by(|x, y| x.0 == y.0) {
        let best = group
            .chunk_by(|x, y| x.1 == y.1)
            .max_by(|x, y| {
                x.len()
                    .cmp(&y.len())
                    .then(first[y[0].1 as usize].cmp(&first[x[0].1 as usize]))
            })
            .expect("non-empty group");
        joins.push((best[0].0, best[0].1));
    }
    for (child, parent) in joins {
        uf.union(child, parent);
    }
    // members: per cluster and document, union of overlapping occurrences and of those
    // that (nearly) touch: the pieces of an abridged copy, cut where a dropped sentence
    // met a damaged word, are one member
    let mut by_root: Vec<(u32, Occurrence)> = occ.iter().map(|&(o, k)| (uf.find(k), o)).collect();
    by_root.sort_unstable();
    let mut clusters: Vec<(u32, Vec<Occurrence>)> = Vec::new();
    for group in by_root.chunk_by(|x, y| x.0 == y.0) {
        let mut members: Vec<Occurrence> = Vec::new();
        for &(_, o) in group {
            match members.last_mut() {
                Some(m) if m.doc == o.doc && o.span.begin <= m.span.end + NEAR_BYTES => {
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
            doc: DocNum(doc),
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
    fn pieces_of_one_copy_a_word_apart_are_one_member() {
        // doc 1 is an abridged copy of doc 0, aligned in two pieces 6 bytes apart in doc 1
        // (a damaged word between them) and 300 bytes apart in doc 0 (a dropped sentence);
        // doc 2 prints the whole passage
        let pairs = vec![
            (o(0, 0, 100), o(1, 0, 90)),
            (o(0, 400, 500), o(1, 96, 190)),
            (o(0, 0, 500), o(2, 0, 500)),
        ];
        let c = cluster(&pairs);
        assert_eq!(c.pair_cluster, vec![0, 0, 0]);
        assert_eq!(c.members[0], vec![o(0, 0, 500), o(1, 0, 190), o(2, 0, 500)]);
        // far apart in one document: two members
        let far = vec![(o(0, 0, 100), o(1, 0, 90)), (o(0, 0, 100), o(1, 200, 290))];
        assert_eq!(cluster(&far).members[0].len(), 3);
    }

    #[test]
    fn small_overlap_does_not_join() {
        let pairs = vec![(o(0, 0, 100), o(1, 0, 100)), (o(0, 90, 200), o(2, 0, 110))];
        let c = cluster(&pairs);
        assert_eq!(c.pair_cluster, vec![0, 1]);
    }

    #[test]
    fn a_fragment_joins_the_one_passage_it_lies_in() {
        // doc 5 quotes 30 bytes of the statement docs 1 and 2 print in full
        let pairs = vec![(o(1, 0, 100), o(2, 0, 100)), (o(1, 10, 40), o(5, 0, 30))];
        let c = cluster(&pairs);
        assert_eq!(c.pair_cluster, vec![0, 0]);
        assert_eq!(c.members[0], vec![o(1, 0, 100), o(2, 0, 100), o(5, 0, 30)]);
    }

    #[test]
    fn a_wider_rewording_does_not_widen_an_exact_copy() {
        // doc 2 copies bytes 10..40 of source 1 exactly; doc 3 rewords 0..100 of it
        let pairs = vec![(o(1, 10, 40), o(2, 0, 30)), (o(1, 0, 100), o(3, 0, 90))];
        let c = cluster(&pairs);
        assert_eq!(c.pair_cluster, vec![0, 0], "exact passages: one cluster");
        let c = cluster_found(&pairs, &[false, true]);
        // clusters are numbered by their first member: the rewording's comes first
        assert_eq!(c.pair_cluster, vec![1, 0]);
        assert_eq!(c.members[1], vec![o(1, 10, 40), o(2, 0, 30)]);
        // overlapping by half of the longer, they are still one passage
        let pairs = vec![(o(1, 10, 90), o(2, 0, 80)), (o(1, 0, 100), o(3, 0, 90))];
        let c = cluster_found(&pairs, &[false, true]);
        assert_eq!(c.pair_cluster, vec![0, 0]);
    }

    #[test]
    fn a_formula_inside_several_passages_does_not_chain_them() {
        // docs 1 and 3 each open a different reprinted quotation with the same attribution
        // line (bytes 0..20), which also aligns on its own between them
        let pairs = vec![
            (o(1, 0, 100), o(2, 0, 100)),
            (o(3, 0, 120), o(4, 0, 120)),
            (o(1, 0, 20), o(3, 0, 20)),
        ];
        let c = cluster(&pairs);
        assert_ne!(c.pair_cluster[0], c.pair_cluster[1]);
        // the formula pair joins one of them, not both
        assert!(c.pair_cluster[2] == c.pair_cluster[0] || c.pair_cluster[2] == c.pair_cluster[1]);
        // the same clusters whatever the order of the pairs
        let mut rev = pairs.clone();
        rev.reverse();
        let mut a = c.members.clone();
        let mut b = cluster(&rev).members;
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
}
