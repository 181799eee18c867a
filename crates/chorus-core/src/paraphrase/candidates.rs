//! Candidate sentence pairs from an inverted index of rare stems.
//!
//! Every (stem, sentence) pair of the corpus is sorted by stem; each run is one stem's
//! postings, its length the stem's sentence frequency, from which every stem's idf is
//! read. A stem in at most `max_sf` sentences pairs every two of its sentences that lie in
//! different documents; a pair sharing at least `min_shared` such stems is a candidate.
//! No word n-gram need be shared, so a sentence reworded with its names and terms kept is
//! found anywhere in the corpus. Cost: a sort of the postings and of the pairs, and
//! `sf²/2` pairs per rare stem, so the frequency cap bounds the work on a large corpus;
//! a stem in more sentences pairs none (too common to say two sentences are related)
//! but still weighs in their similarity.

use rayon::prelude::*;

/// A stem key and the number of sentences holding it.
pub(crate) type StemFrequency = (u64, u32);

/// The largest sentence frequency up to `max_sf` whose stems, with all rarer ones, pair
/// at most `budget` sentence pairs: the rarest stems first, so the work stays in
/// proportion to the corpus however its vocabulary is spread.
pub(crate) fn frequency_cap(sf: &[(u64, u32)], max_sf: usize, budget: u64) -> usize {
    let mut counts: Vec<u64> = vec![0; max_sf + 1];
    for &(_, f) in sf {
        if let Some(c) = counts.get_mut(f as usize) {
            *c += 1;
        }
    }
    let mut total = 0u64;
    for (f, &c) in counts.iter().enumerate().skip(2) {
        total += c * (f as u64 * (f as u64 - 1) / 2);
        if total > budget {
            return f - 1;
        }
    }
    max_sf
}

/// Each stem's sentence frequency (sorted by key), and the candidate pairs `(s, t)` of
/// sentence ids, `s < t`, sorted. `bags` gives each sentence's distinct stem keys and
/// `doc_of` its document; stems pair sentences up to the [`frequency_cap`] of `max_sf`
/// and `budget`.
pub(crate) fn candidate_pairs(
    bags: &[&[u64]],
    doc_of: &[u32],
    max_sf: usize,
    budget: u64,
    min_shared: usize,
) -> (Vec<StemFrequency>, Vec<(u32, u32)>) {
    let mut postings: Vec<(u64, u32)> = bags
        .par_iter()
        .enumerate()
        .flat_map_iter(|(s, keys)| keys.iter().map(move |&k| (k, s as u32)))
        .collect();
    postings.par_sort_unstable();
    let groups: Vec<&[(u64, u32)]> = postings.chunk_by(|x, y| x.0 == y.0).collect();
    let sf: Vec<(u64, u32)> = groups.iter().map(|g| (g[0].0, g.len() as u32)).collect();
    let max_sf = frequency_cap(&sf, max_sf, budget);
    let mut pairs: Vec<u64> = groups
        .par_iter()
        .filter(|g| (2..=max_sf).contains(&g.len()))
        .flat_map_iter(|g| {
            g.iter().enumerate().flat_map(move |(i, &(_, s))| {
                g[i + 1..]
                    .iter()
                    .filter(move |&&(_, t)| doc_of[s as usize] != doc_of[t as usize])
                    .map(move |&(_, t)| (u64::from(s) << 32) | u64::from(t))
            })
        })
        .collect();
    drop(groups);
    drop(postings);
    pairs.par_sort_unstable();
    let out = pairs
        .chunk_by(|x, y| x == y)
        .filter(|g| g.len() >= min_shared)
        .map(|g| ((g[0] >> 32) as u32, g[0] as u32))
        .collect();
    (sf, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_share_enough_rare_stems_across_documents() {
        // sentences 0, 1 in document 0; 2, 3 in document 1; 4 in document 2
        let bags: Vec<Vec<u64>> = vec![
            vec![1, 2, 9],
            vec![1, 2, 3],
            vec![1, 2, 9],
            vec![3, 9],
            vec![1, 9],
        ];
        let refs: Vec<&[u64]> = bags.iter().map(Vec::as_slice).collect();
        let doc_of = [0, 0, 1, 1, 2];
        let (sf, pairs) = candidate_pairs(&refs, &doc_of, 3, u64::MAX, 2);
        assert_eq!(sf, [(1, 4), (2, 3), (3, 2), (9, 4)]);
        // stems 1 and 9 are in 4 sentences, over the cap: only 2 and 3 pair sentences,
        // and no pair shares both
        assert!(pairs.is_empty(), "{pairs:?}");
        let (_, pairs) = candidate_pairs(&refs, &doc_of, 4, u64::MAX, 2);
        // (0, 1) and (2, 3) are in one document each and never pair
        assert_eq!(pairs, [(0, 2), (0, 4), (1, 2), (2, 4)]);
        let (_, pairs) = candidate_pairs(&refs, &doc_of, 4, u64::MAX, 3);
        assert_eq!(pairs, [(0, 2)]);
        // a budget of 2 pairs: stem 3 (1 pair) fits, stem 2 (3 more) does not
        assert_eq!(frequency_cap(&sf, 4, 2), 2);
        assert_eq!(frequency_cap(&sf, 4, 4), 3);
        assert_eq!(frequency_cap(&sf, 4, 100), 4);
        let (_, pairs) = candidate_pairs(&refs, &doc_of, 4, 4, 1);
        assert_eq!(pairs, [(0, 2), (1, 2), (1, 3)]);
    }
}
