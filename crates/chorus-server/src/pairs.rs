//! The pair alignments the incremental updates (`crate::live`) keep from one engine run to
//! the next, so that an update aligns only the pairs it has not aligned before, in practice
//! those with a written document on one side: a large cluster that writes keep touching
//! (a boilerplate line, a formula, a statement many outlets print) is re-clustered from its
//! kept passages instead of re-aligned member pair by member pair.
//!
//! How. [`PairStore`] maps a pair key to the pair's passages. The key is the engine's
//! (`chorus_core::memo::plan_key`: seeds, token counts, blocked ranges, alignment settings)
//! with a 128-bit hash of each document's text, so a document replaced under its id (new
//! text) never meets the passages of its old text, and a pair whose seeds or boilerplate
//! came out otherwise in this run is aligned again: the engine's report is byte for byte
//! the one it makes without the store (see `chorus_core::memo`). The store is shared by
//! every generation of the clusters (`ClusterSet::pairs`), also across a full recompute's
//! result. It holds at most [`MAX_PAIRS`] pairs: past that, an update keeps the half most
//! recently used.

use chorus_core::align::Alignment;
use chorus_core::{Document, PairMemo};
use std::collections::HashMap;
use std::sync::Mutex;
use xxhash_rust::xxh3::xxh3_128;

/// Pairs kept at most (some 100–200 bytes each, with one or two passages).
pub(crate) const MAX_PAIRS: usize = 1 << 20;

/// Both texts' hashes (earlier numbered first) and the engine's plan key.
type Key = (u128, u128, u128);

struct Entry {
    passages: Vec<Alignment>,
    /// The round that last used it.
    used: u64,
}

#[derive(Default)]
struct Store {
    pairs: HashMap<Key, Entry>,
    round: u64,
    hits: usize,
    misses: usize,
}

/// Kept pair alignments (see the module documentation).
#[derive(Default)]
pub(crate) struct PairStore {
    inner: Mutex<Store>,
}

/// Pairs one engine run took from the store and aligned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub reused: usize,
    pub aligned: usize,
}

impl PairStore {
    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The memo of one engine run over `docs` (the run's corpus, in input order).
    pub(crate) fn run<'a>(&'a self, docs: &[Document]) -> RunMemo<'a> {
        let mut s = self.store();
        s.round += 1;
        s.hits = 0;
        s.misses = 0;
        RunMemo {
            store: self,
            texts: docs.iter().map(|d| xxh3_128(d.text.as_bytes())).collect(),
        }
    }

    /// What the last run took and aligned; past [`MAX_PAIRS`], drops the half least
    /// recently used.
    pub(crate) fn finish_run(&self) -> Counts {
        let mut s = self.store();
        if s.pairs.len() > MAX_PAIRS {
            let mut used: Vec<u64> = s.pairs.values().map(|e| e.used).collect();
            let keep = MAX_PAIRS / 2;
            let at = used.len() - keep;
            let (_, &mut cut, _) = used.select_nth_unstable(at);
            let round = s.round;
            s.pairs.retain(|_, e| e.used > cut || e.used == round);
        }
        Counts {
            reused: s.hits,
            aligned: s.misses,
        }
    }

    /// Pairs kept.
    pub(crate) fn len(&self) -> usize {
        self.store().pairs.len()
    }
}

/// The store seen by one engine run: input indices of the run's corpus to text hashes.
pub(crate) struct RunMemo<'a> {
    store: &'a PairStore,
    texts: Vec<u128>,
}

impl PairMemo for RunMemo<'_> {
    fn get(&self, a: usize, b: usize, key: u128) -> Option<Vec<Alignment>> {
        let mut s = self.store.store();
        let round = s.round;
        let got = s
            .pairs
            .get_mut(&(self.texts[a], self.texts[b], key))
            .map(|e| {
                e.used = round;
                e.passages.clone()
            });
        match got {
            Some(_) => s.hits += 1,
            None => s.misses += 1,
        }
        got
    }

    fn put(&self, a: usize, b: usize, key: u128, passages: Vec<Alignment>) {
        let mut s = self.store.store();
        let used = s.round;
        s.pairs.insert(
            (self.texts[a], self.texts[b], key),
            Entry { passages, used },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage(x: u32) -> Alignment {
        Alignment {
            a: (x, x + 20),
            b: (x + 5, x + 25),
            matched: 20,
            similarity: 1.0,
        }
    }

    /// A pair is found by both texts and the key; another text under the same position
    /// is another pair; past the cap, the pairs least recently used go.
    #[test]
    fn pairs_are_kept_by_text_and_key_and_the_least_recently_used_go() {
        let store = PairStore::default();
        let docs = [
            Document::new("a", "one text"),
            Document::new("b", "two text"),
        ];
        let run = store.run(&docs);
        assert_eq!(run.get(0, 1, 7), None);
        run.put(0, 1, 7, vec![passage(3)]);
        assert_eq!(run.get(0, 1, 7), Some(vec![passage(3)]));
        assert_eq!(run.get(0, 1, 8), None);
        assert_eq!(run.get(1, 0, 7), None);
        assert_eq!(
            store.finish_run(),
            Counts {
                reused: 1,
                aligned: 3
            }
        );
        // "b" replaced: its new text is another document
        let docs = [
            Document::new("a", "one text"),
            Document::new("b", "new text"),
        ];
        let run = store.run(&docs);
        assert_eq!(run.get(0, 1, 7), None);
        // the cap: the pairs of the latest rounds stay
        for i in 0..MAX_PAIRS as u128 + 10 {
            run.put(1, 0, i, Vec::new());
        }
        let run = store.run(&docs);
        run.put(0, 0, 1, vec![passage(1)]);
        store.finish_run();
        assert!(store.len() <= MAX_PAIRS / 2 + 1, "{}", store.len());
        let run = store.run(&docs);
        assert_eq!(run.get(0, 0, 1), Some(vec![passage(1)]));
    }
}
