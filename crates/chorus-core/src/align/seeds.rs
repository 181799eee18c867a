//! Seeds: the positions of the n-grams two token sequences share. [`NgramPositions`]
//! indexes one sequence's n-gram keys once (a hash table of last positions chained
//! backwards, and a bit filter that answers most misses without a probe), so a query can be
//! seeded against many candidates without rehashing it.

use crate::fingerprint::{fingerprint_of_key, for_each_ngram_key};
use crate::tokenize::Tokens;

/// Seeds of two token sequences: positions of every n-gram they share, sorted.
pub fn shared_seeds(a: &Tokens, b: &Tokens, n: usize) -> Vec<(u32, u32)> {
    let mut seeds = Vec::new();
    NgramPositions::new(a, n).seeds_into(b, &mut seeds);
    seeds.sort_unstable();
    seeds
}

/// Where each n-gram fingerprint of one token sequence occurs: built once, it seeds that
/// sequence against many others (a query against its candidates) without rehashing it.
#[derive(Debug, Clone, Default)]
pub struct NgramPositions {
    pub(crate) n: usize,
    /// The last position of each n-gram, by key (see [`for_each_ngram_key`]).
    last: foldhash::HashMap<u64, u32>,
    /// `prev[i]`: the previous position with the fingerprint of position `i` (`NONE`: none).
    /// Chained positions instead of a list per fingerprint: two allocations per sequence,
    /// not one per distinct n-gram.
    prev: Vec<u32>,
    /// One bit per n-gram key's low bits, set for those of the sequence: most n-grams of
    /// the other sequence are not in this one, and the bit says so without a table probe.
    filter: Vec<u64>,
}

const NONE: u32 = u32::MAX;

impl NgramPositions {
    /// Indexes the n-grams of `a`.
    pub fn new(a: &Tokens, n: usize) -> NgramPositions {
        let grams = (a.len() + 1).saturating_sub(n);
        let mut last: foldhash::HashMap<u64, u32> =
            foldhash::HashMap::with_capacity_and_hasher(grams, Default::default());
        let mut prev = Vec::with_capacity(grams);
        // about 16 bits per n-gram: few false positives, and small enough to stay in cache
        let bits = (grams * 16).next_power_of_two().clamp(64, 1 << 20);
        let mut filter = vec![0u64; bits / 64];
        for_each_ngram_key(&a.hashes, n, |i, h| {
            debug_assert_eq!(i, prev.len());
            prev.push(last.insert(h, i as u32).unwrap_or(NONE));
            let b = h as usize & (bits - 1);
            filter[b / 64] |= 1 << (b % 64);
        });
        NgramPositions {
            n,
            last,
            prev,
            filter,
        }
    }

    /// Whether `h` may be one of the sequence's fingerprints (no false negatives).
    #[inline]
    fn may_have(&self, h: u64) -> bool {
        let b = h as usize & (self.filter.len() * 64 - 1);
        self.filter[b / 64] >> (b % 64) & 1 == 1
    }

    /// The n-gram length.
    pub fn ngram(&self) -> usize {
        self.n
    }

    /// The distinct fingerprints of the sequence, in no particular order.
    pub fn distinct(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        self.last.keys().map(|&k| fingerprint_of_key(k))
    }

    /// Every `(position in the indexed sequence, position in b)` whose n-grams are equal,
    /// into `seeds` (cleared first), unsorted.
    pub(crate) fn seeds_into(&self, b: &Tokens, seeds: &mut Vec<(u32, u32)>) {
        seeds.clear();
        if self.filter.is_empty() {
            return;
        }
        for_each_ngram_key(&b.hashes, self.n, |j, h| {
            if !self.may_have(h) {
                return;
            }
            if let Some(&i) = self.last.get(&h) {
                let mut i = i;
                while i != NONE {
                    seeds.push((i, j as u32));
                    i = self.prev[i as usize];
                }
            }
        });
    }
}
