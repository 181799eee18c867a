//! Pair alignments kept from one run for the next: [`find_in_memo`] is [`crate::find_in`]
//! with a [`PairMemo`] that knows the passages of pairs aligned by earlier runs, so that a
//! run over a corpus much like an earlier one's (a server bringing its clusters up to date
//! write by write, `chorus-server`'s `live` module) aligns only the pairs it has not seen.
//!
//! How. A pair's passages are a function of the two documents' tokens, its seeds, both
//! documents' blocked (boilerplate) token ranges and the alignment settings
//! ([`crate::aligned::align_pair`]); nothing else of the corpus enters. The run asks the
//! memo for each candidate pair by the pair's input indices (first the earlier numbered)
//! and a 128-bit hash of everything else but the tokens: seeds, token counts, blocked
//! ranges and `Config::align` ([`plan_key`]). The memo adds what identifies each
//! document's text (the caller knows its documents; a hash of the text does). A pair the
//! memo knows takes its passages from it (`PairPlan::Reuse`); every other pair is aligned,
//! and its passages (none, too) are given to the memo after the alignment. So the report is
//! the one [`crate::find_in`] makes, byte for byte, as long as the memo gives back what it
//! was given for the same key (a 128-bit hash collision aside).

use crate::align::Alignment;
use crate::aligned::{PairPlan, align_corpus_with};
use crate::candidates::Candidate;
use crate::config::Config;
use crate::corpus::{Corpus, Storage};
use crate::error::Result;
use crate::order::{DocNum, Order};
use crate::pipeline::report_of;
use crate::progress::Progress;
use crate::report::Report;
use std::collections::HashMap;
use std::sync::Mutex;
use xxhash_rust::xxh3::Xxh3;

/// Passages of pairs aligned by earlier runs. `a` and `b` are input indices of the run's
/// corpus, `a` the earlier numbered; `key` is the pair's [`plan_key`]. Shared by the
/// run's threads.
pub trait PairMemo: Sync {
    /// The passages (in `a` order) of the pair, if an earlier run aligned it.
    fn get(&self, a: usize, b: usize, key: u128) -> Option<Vec<Alignment>>;
    /// Notes the passages of a pair this run aligned (after the alignment, once each).
    fn put(&self, a: usize, b: usize, key: u128, passages: Vec<Alignment>);
}

/// What a pair's alignment depends on besides the two documents' tokens: its seeds, both
/// token counts and blocked ranges, and the alignment settings (`settings`, a hash of
/// `Config::align`).
pub fn plan_key(
    c: &Candidate,
    token_counts: &[u32],
    blocked: &[Vec<(u32, u32)>],
    settings: u64,
) -> u128 {
    let mut h = Xxh3::new();
    let mut put = |x: u32| h.update(&x.to_le_bytes());
    let (a, b) = (c.a.index(), c.b.index());
    put(token_counts[a]);
    put(token_counts[b]);
    for side in [&blocked[a], &blocked[b]] {
        put(side.len() as u32);
        for &(x, y) in side {
            put(x);
            put(y);
        }
    }
    put(c.seeds.len() as u32);
    for &(x, y) in &c.seeds {
        put(x);
        put(y);
    }
    h.update(&settings.to_le_bytes());
    h.digest128()
}

/// [`crate::find_in`], taking the passages of pairs it knows from `memo` and giving it
/// those of the pairs it aligns (see the module documentation).
pub fn find_in_memo(
    docs: &dyn Corpus,
    cfg: &Config,
    storage: &Storage,
    progress: &dyn Progress,
    memo: &dyn PairMemo,
) -> Result<Report> {
    // the numbering the run makes (it is a function of the corpus)
    let order = Order::new(docs)?;
    let settings =
        xxhash_rust::xxh3::xxh3_64(format!("{:?} {}", cfg.align, cfg.corroborate).as_bytes());
    let aligned_here: Mutex<Vec<(DocNum, DocNum, u128)>> = Mutex::new(Vec::new());
    let (al, _) = align_corpus_with(docs, cfg, storage, progress, &|c, counts, blocked| {
        let key = plan_key(c, counts, blocked, settings);
        match memo.get(order.input(c.a), order.input(c.b), key) {
            Some(passages) => PairPlan::Reuse(passages),
            None => {
                aligned_here
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((c.a, c.b, key));
                PairPlan::Align
            }
        }
    })?;
    debug_assert_eq!(al.order, order);
    let mut new: HashMap<(DocNum, DocNum), (u128, Vec<Alignment>)> = aligned_here
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|(a, b, key)| ((a, b), (key, Vec::new())))
        .collect();
    for p in &al.aligned {
        if let Some((_, passages)) = new.get_mut(&(p.a, p.b)) {
            passages.push(p.alignment.clone());
        }
    }
    for ((a, b), (key, passages)) in new {
        memo.put(order.input(a), order.input(b), key, passages);
    }
    report_of(al, docs, cfg, progress)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;
    use crate::pipeline::find;
    use crate::pipeline::tests::mixed_corpus;
    use crate::progress::NoProgress;

    /// A memo by document id, counting what it was asked.
    #[derive(Default)]
    struct ById<'d> {
        docs: Vec<&'d Document>,
        known: Mutex<HashMap<(String, String, u128), Vec<Alignment>>>,
        hits: Mutex<usize>,
        puts: Mutex<usize>,
    }

    impl PairMemo for ById<'_> {
        fn get(&self, a: usize, b: usize, key: u128) -> Option<Vec<Alignment>> {
            let k = (self.docs[a].id.clone(), self.docs[b].id.clone(), key);
            let got = self.known.lock().unwrap().get(&k).cloned();
            *self.hits.lock().unwrap() += usize::from(got.is_some());
            got
        }
        fn put(&self, a: usize, b: usize, key: u128, passages: Vec<Alignment>) {
            let k = (self.docs[a].id.clone(), self.docs[b].id.clone(), key);
            assert!(self.known.lock().unwrap().insert(k, passages).is_none());
            *self.puts.lock().unwrap() += 1;
        }
    }

    fn run<'d>(docs: &'d [Document], memo: &mut ById<'d>) -> Report {
        memo.docs = docs.iter().collect();
        let cfg = Config::default();
        find_in_memo(&docs, &cfg, &Storage::Memory, &NoProgress, memo).unwrap()
    }

    /// With a memo, the report is `find`'s; a second run over the same documents aligns
    /// nothing, and one over some of them with others added aligns only the new pairs
    /// (and those whose seeds or boilerplate changed), still giving `find`'s report.
    #[test]
    fn a_run_with_a_memo_equals_find_and_reuses_the_pairs_it_knows() {
        let docs = mixed_corpus();
        let cfg = Config::default();
        let mut memo = ById::default();
        let first = run(&docs, &mut memo);
        assert_eq!(first, find(&docs, &cfg, &NoProgress).unwrap());
        let pairs = *memo.puts.lock().unwrap();
        assert!(pairs > 20, "{pairs}");
        assert_eq!(*memo.hits.lock().unwrap(), 0);
        let again = run(&docs, &mut memo);
        assert_eq!(again, first);
        assert_eq!(*memo.puts.lock().unwrap(), pairs);
        assert_eq!(*memo.hits.lock().unwrap(), pairs);
        // a third of the documents gone, two new ones printing the others' passages
        let mut some: Vec<Document> = docs.iter().skip(10).cloned().collect();
        for (i, from) in [3usize, 17].into_iter().enumerate() {
            let mut d = docs[from].clone();
            d.id = format!("new-{i}");
            d.text = format!("A new opening here. {}", d.text);
            some.push(d);
        }
        let hits = *memo.hits.lock().unwrap();
        let third = run(&some, &mut memo);
        assert_eq!(third, find(&some, &cfg, &NoProgress).unwrap());
        assert!(*memo.hits.lock().unwrap() > hits, "some pairs reused");
        assert!(*memo.puts.lock().unwrap() > pairs, "the new pairs aligned");
    }

    /// A memo that gives other passages than the pair's shows in the report: the report
    /// takes the memo's word (which is why the key holds everything the passages depend on).
    #[test]
    fn the_report_takes_the_memos_passages() {
        struct Nothing;
        impl PairMemo for Nothing {
            fn get(&self, _: usize, _: usize, _: u128) -> Option<Vec<Alignment>> {
                Some(Vec::new())
            }
            fn put(&self, _: usize, _: usize, _: u128, _: Vec<Alignment>) {
                unreachable!("every pair was known")
            }
        }
        let docs = mixed_corpus();
        let r = find_in_memo(
            &docs,
            &Config::default(),
            &Storage::Memory,
            &NoProgress,
            &Nothing,
        )
        .unwrap();
        assert!(r.clusters.is_empty());
        assert!(r.stats.candidate_pairs > 20);
    }
}
