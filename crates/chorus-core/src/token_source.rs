//! Every document's tokens, by document number: all kept in memory (or only those a later
//! stage needs, the others recomputed from the text when asked for), kept packed and
//! unpacked when asked for, or recomputed from the text when asked for; the last two
//! through a bounded cache (see [`crate::corpus::Storage`]). `tokenize_and_index` is the
//! tokenising and indexing of a packed ([`crate::corpus::Storage::Compact`]) run.
//!
//! The cache matters because alignment asks for the same documents again and again (a
//! reprinted story is in a candidate pair with each of its copies, and copies are usually
//! near each other in date order, hence in document number): on 1 GB of news it cut the
//! tokenising done on demand several-fold (BENCHMARKS.md). Eviction is CLOCK (second
//! chance) per shard; shards are picked by document number, so threads rarely wait.

use crate::corpus::Corpus;
use crate::error::Result;
use crate::fingerprint::for_each_ngram_fingerprint;
use crate::index::{NgramIndex, SharedFilter};
use crate::normalize::normalize;
use crate::order::{DocNum, Order};
use crate::packed_tokens::PackedTokens;
use crate::progress::Progress;
use crate::tokenize::{Tokens, Unhashed};
use foldhash::HashMap;
use rayon::prelude::*;
use std::collections::VecDeque;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

/// Tokens borrowed from memory, unpacked, or shared from the cache.
pub(crate) enum TokenRef<'a> {
    Borrowed(&'a Tokens),
    Owned(Tokens),
    Shared(Arc<Tokens>),
}

impl Deref for TokenRef<'_> {
    type Target = Tokens;
    fn deref(&self) -> &Tokens {
        match self {
            TokenRef::Owned(t) => t,
            TokenRef::Borrowed(t) => t,
            TokenRef::Shared(t) => t,
        }
    }
}

/// A document's tokens held by [`TokenSource::Partial`].
pub(crate) enum Held {
    Hashed(Tokens),
    Unhashed(Unhashed),
}

impl Held {
    /// The tokens, hashes dropped.
    fn unhashed(self) -> Unhashed {
        match self {
            Held::Hashed(t) => Unhashed::of(t),
            Held::Unhashed(u) => u,
        }
    }

    /// The tokens, borrowed when their hashes are held, else hashed again.
    fn tokens(&self) -> TokenRef<'_> {
        match self {
            Held::Hashed(t) => TokenRef::Borrowed(t),
            Held::Unhashed(u) => TokenRef::Owned(u.hashed()),
        }
    }
}

pub(crate) enum TokenSource<'c> {
    Memory(Vec<Tokens>),
    /// The tokens of the documents a later stage may still ask for in memory (`Some`):
    /// with their hashes ([`Held::Hashed`]) those that will be asked for again and again,
    /// without ([`Held::Unhashed`], hashed again when asked for, no cache) those asked for
    /// once or not at all; the others made again from the text when asked for (see
    /// [`TokenSource::keep_only`]).
    Partial {
        tokens: Vec<Option<Held>>,
        docs: &'c dyn Corpus,
        order: Order,
    },
    /// The normalised text and token ranges of the documents a later stage may still ask
    /// for (`Some`), hashed again ([`Unhashed::hashed`], about 2 ns a token and a copy)
    /// when asked for, the most used kept hashed in a cache; the others made again from
    /// the text (see [`TokenSource::keep_only`]). Every document's hashes (8 bytes a token,
    /// 1.4 times the text for English) are never in memory at once.
    Unhashed {
        tokens: Vec<Option<Unhashed>>,
        docs: &'c dyn Corpus,
        order: Order,
        cache: TokenCache,
    },
    /// Every document's tokens packed (see [`crate::packed_tokens`]), the most used
    /// unpacked in a cache.
    Packed {
        packed: Vec<PackedTokens>,
        cache: TokenCache,
    },
    OnDemand {
        docs: &'c dyn Corpus,
        order: Order,
        cache: TokenCache,
    },
}

impl<'c> TokenSource<'c> {
    /// Frees the tokens held in memory of every document `keep` turns down (numbered
    /// by `order`, texts in `docs`), and the hashes of those it keeps: a later
    /// [`TokenSource::get`] of a freed document makes its tokens again from its text, of a
    /// kept one hashes them again (through a cache of about `cache_bytes`), the same
    /// tokens. Packed or recomputed tokens are left as they are.
    pub fn keep_only(
        &mut self,
        docs: &'c dyn Corpus,
        order: &Order,
        keep: impl Fn(DocNum) -> bool,
        cache_bytes: usize,
    ) {
        let kept = match self {
            TokenSource::Memory(t) => std::mem::take(t)
                .into_iter()
                .enumerate()
                .map(|(d, t)| keep(DocNum(d as u32)).then(|| Unhashed::of(t)))
                .collect(),
            TokenSource::Partial { tokens, .. } => std::mem::take(tokens)
                .into_iter()
                .enumerate()
                .map(|(d, t)| t.filter(|_| keep(DocNum(d as u32))).map(Held::unhashed))
                .collect(),
            TokenSource::Unhashed { tokens, .. } => {
                for (d, t) in tokens.iter_mut().enumerate() {
                    if !keep(DocNum(d as u32)) {
                        *t = None;
                    }
                }
                return;
            }
            TokenSource::Packed { .. } | TokenSource::OnDemand { .. } => return,
        };
        *self = TokenSource::Unhashed {
            tokens: kept,
            docs,
            order: order.clone(),
            cache: TokenCache::new(cache_bytes),
        };
    }

    /// How many documents there are.
    pub fn len(&self) -> usize {
        match self {
            TokenSource::Memory(t) => t.len(),
            TokenSource::Partial { tokens, .. } => tokens.len(),
            TokenSource::Unhashed { tokens, .. } => tokens.len(),
            TokenSource::Packed { packed, .. } => packed.len(),
            TokenSource::OnDemand { order, .. } => order.len(),
        }
    }

    /// The tokens of document number `d`.
    pub fn get(&self, d: DocNum) -> Result<TokenRef<'_>> {
        Ok(match self {
            TokenSource::Memory(t) => TokenRef::Borrowed(&t[d.index()]),
            TokenSource::Partial {
                tokens,
                docs,
                order,
            } => match &tokens[d.index()] {
                Some(t) => t.tokens(),
                None => TokenRef::Owned(Tokens::new(&docs.text(order.input(d))?)),
            },
            TokenSource::Unhashed {
                tokens,
                docs,
                order,
                cache,
            } => match &tokens[d.index()] {
                Some(u) => TokenRef::Shared(cache.get_or_try_insert(d.0, || Ok(u.hashed()))?),
                None => TokenRef::Owned(Tokens::new(&docs.text(order.input(d))?)),
            },
            TokenSource::Packed { packed, cache } => {
                TokenRef::Shared(cache.get_or_try_insert(d.0, || Ok(packed[d.index()].unpack()))?)
            }
            TokenSource::OnDemand { docs, order, cache } => TokenRef::Shared(
                cache.get_or_try_insert(d.0, || Ok(Tokens::new(&docs.text(order.input(d))?)))?,
            ),
        })
    }
}

/// The tokens of document number `d` and the offset map of its `text` (see [`normalize`]),
/// normalising the text once: the tokens are taken from `tokens` when it holds them in
/// memory, else made from the text.
pub(crate) fn tokens_with_map<'t>(
    tokens: Option<&'t TokenSource<'_>>,
    d: DocNum,
    text: &str,
) -> (TokenRef<'t>, Vec<u32>) {
    let n = normalize(text);
    match tokens {
        Some(TokenSource::Memory(t)) => (TokenRef::Borrowed(&t[d.index()]), n.map),
        Some(TokenSource::Partial { tokens, .. }) if tokens[d.index()].is_some() => {
            (tokens[d.index()].as_ref().expect("kept").tokens(), n.map)
        }
        Some(TokenSource::Unhashed { tokens, cache, .. }) if tokens[d.index()].is_some() => {
            let u = tokens[d.index()].as_ref().expect("kept");
            let t = cache
                .get_or_try_insert(d.0, || Ok(u.hashed()))
                .expect("kept tokens are hashed without error");
            (TokenRef::Shared(t), n.map)
        }
        Some(TokenSource::Packed { packed, .. }) => {
            (TokenRef::Owned(packed[d.index()].unpack()), n.map)
        }
        _ => (
            TokenRef::Shared(Arc::new(Tokens::from_normalized(n.text))),
            n.map,
        ),
    }
}

/// Tokenises every document (in `order`, advancing `progress` by its text) and indexes its
/// `n`-grams, keeping the tokens in memory, packed, with a cache of about `cache_bytes` of
/// unpacked ones: the working data of [`crate::corpus::Storage::Compact`].
/// Each document's fingerprints are noted in a [`SharedFilter`] as it is tokenised, and
/// the index then computes them again from the packed tokens, keeping only the postings
/// the filter lets pass: neither every document's token hashes nor every posting is ever
/// in memory at once. Returns the tokens, each document's token count and the index.
pub(crate) fn tokenize_and_index<'c>(
    docs: &'c dyn Corpus,
    order: &Order,
    n: usize,
    cache_bytes: usize,
    progress: &dyn Progress,
) -> Result<(TokenSource<'c>, Vec<u32>, NgramIndex)> {
    let bytes: usize = order.inputs().iter().map(|&i| docs.text_len(i)).sum();
    // about one bit per byte of text: for English text (0.17 tokens a byte) a posting
    // alone in its bit shares it with another 1 time in 9
    let filter = SharedFilter::new(bytes);
    let tokens: Vec<PackedTokens> = order
        .inputs()
        .par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(fps, scratch), &i| {
                let t = Tokens::new(&docs.text(i)?);
                fps.clear();
                for_each_ngram_fingerprint(&t.hashes, n, |_, fp| fps.push(fp));
                filter.note(fps, scratch);
                progress.advance(docs.text_len(i) as u64);
                Ok(PackedTokens::pack(t))
            },
        )
        .collect::<Result<_>>()?;
    let counts = tokens.iter().map(|t| t.len() as u32).collect();
    progress.stage("index", 0);
    let index = NgramIndex::build_filtered(&tokens, n, filter);
    let cache = TokenCache::new(cache_bytes);
    Ok((
        TokenSource::Packed {
            packed: tokens,
            cache,
        },
        counts,
        index,
    ))
}

const SHARDS: usize = 64;

/// Tokens of recently used documents, at most about `budget` bytes.
pub(crate) struct TokenCache {
    shards: Vec<Mutex<Shard>>,
    shard_budget: usize,
}

#[derive(Default)]
struct Shard {
    map: HashMap<u32, (Arc<Tokens>, bool)>,
    clock: VecDeque<u32>,
    bytes: usize,
}

fn weight(t: &Tokens) -> usize {
    t.norm.len() + t.ranges.heap_bytes() + t.hashes.len() * 8 + 64
}

impl TokenCache {
    pub fn new(budget: usize) -> TokenCache {
        TokenCache {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            shard_budget: budget / SHARDS,
        }
    }

    /// The cached tokens of `d`, or `make()` (cached when they fit).
    pub fn get_or_try_insert(
        &self,
        d: u32,
        make: impl FnOnce() -> Result<Tokens>,
    ) -> Result<Arc<Tokens>> {
        let shard = &self.shards[d as usize % SHARDS];
        {
            let mut s = shard.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((t, used)) = s.map.get_mut(&d) {
                *used = true;
                return Ok(Arc::clone(t));
            }
        }
        let t = Arc::new(make()?);
        let w = weight(&t);
        if w > self.shard_budget {
            return Ok(t);
        }
        let mut s = shard.lock().unwrap_or_else(|e| e.into_inner());
        if s.map.contains_key(&d) {
            return Ok(t);
        }
        while s.bytes + w > self.shard_budget {
            let Some(old) = s.clock.pop_front() else {
                break;
            };
            let entry = s.map.get_mut(&old).expect("clocked entries are cached");
            if entry.1 {
                entry.1 = false;
                s.clock.push_back(old);
            } else {
                let (gone, _) = s.map.remove(&old).expect("cached");
                s.bytes -= weight(&gone);
            }
        }
        s.map.insert(d, (Arc::clone(&t), false));
        s.clock.push_back(d);
        s.bytes += w;
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;

    /// `n` documents `d0`, `d1`, ... with the texts `text(i)`.
    fn documents(n: usize, text: impl Fn(usize) -> String) -> Vec<Document> {
        (0..n)
            .map(|i| Document::new(format!("d{i}"), text(i)))
            .collect()
    }

    #[test]
    fn tokens_freed_are_made_again_from_the_text() {
        let docs = documents(6, |i| format!("Story {i}: the Harbour café, {i}!"));
        let order = Order::new(&docs).unwrap();
        let made = |d: usize| Tokens::new(&docs[order.input(DocNum(d as u32))].text);
        let mut source = TokenSource::Memory((0..docs.len()).map(made).collect());
        source.keep_only(&docs, &order, |d| d.0 % 2 == 0, 1 << 20);
        let TokenSource::Unhashed { tokens, .. } = &source else {
            panic!("in memory, tokens are freed");
        };
        assert_eq!(tokens.iter().filter(|t| t.is_some()).count(), 3);
        source.keep_only(&docs, &order, |d| d.0 != 4, 1 << 20);
        for d in 0..docs.len() {
            let t = source.get(DocNum(d as u32)).unwrap();
            assert_eq!(*t, made(d));
            assert_eq!(matches!(t, TokenRef::Shared(_)), d % 2 == 0 && d != 4);
            let text = &docs[order.input(DocNum(d as u32))].text;
            let (t, map) = tokens_with_map(Some(&source), DocNum(d as u32), text);
            assert_eq!(*t, made(d));
            assert_eq!(map, normalize(text).map);
        }
        assert_eq!(source.len(), docs.len());
    }

    /// Kept without hashes, tokens come back hashed (through the cache or not: a budget of
    /// nothing caches none), equal to the tokens of the text; freed ones are made again.
    #[test]
    fn unhashed_tokens_are_hashed_again_when_asked_for() {
        let docs = documents(7, |i| {
            format!("Report {i}: über den Hafen, the quay’s {i}th night.")
        });
        let order = Order::new(&docs).unwrap();
        let made = |d: usize| Tokens::new(&docs[order.input(DocNum(d as u32))].text);
        for budget in [0, 1 << 20] {
            let mut source = TokenSource::Unhashed {
                tokens: (0..docs.len())
                    .map(|d| (d != 3).then(|| Unhashed::of(made(d))))
                    .collect(),
                docs: &docs,
                order: order.clone(),
                cache: TokenCache::new(budget),
            };
            source.keep_only(&docs, &order, |d| d.0 != 5, 0);
            for _ in 0..2 {
                for d in 0..docs.len() {
                    let t = source.get(DocNum(d as u32)).unwrap();
                    assert_eq!(*t, made(d));
                    assert_eq!(matches!(t, TokenRef::Shared(_)), d != 3 && d != 5);
                    let text = &docs[order.input(DocNum(d as u32))].text;
                    let (t, map) = tokens_with_map(Some(&source), DocNum(d as u32), text);
                    assert_eq!(*t, made(d));
                    assert_eq!(map, normalize(text).map);
                }
            }
            let TokenSource::Unhashed { cache, .. } = &source else {
                unreachable!()
            };
            let cached: usize = cache
                .shards
                .iter()
                .map(|s| s.lock().unwrap().map.len())
                .sum();
            assert_eq!(cached, if budget == 0 { 0 } else { docs.len() - 2 });
        }
    }

    /// A partial source gives the tokens of every document, whether held with their hashes,
    /// without (hashed again) or not at all (made from the text), and keeps none of the
    /// hashes once `keep_only` has run.
    #[test]
    fn partly_hashed_tokens_are_the_tokens_of_the_text() {
        let docs = documents(9, |i| {
            format!("Item {i}: «Ångström» said {i} times, l’été.")
        });
        let order = Order::new(&docs).unwrap();
        let made = |d: usize| Tokens::new(&docs[order.input(DocNum(d as u32))].text);
        let mut source = TokenSource::Partial {
            tokens: (0..docs.len())
                .map(|d| match d % 3 {
                    0 => Some(Held::Hashed(made(d))),
                    1 => Some(Held::Unhashed(Unhashed::of(made(d)))),
                    _ => None,
                })
                .collect(),
            docs: &docs,
            order: order.clone(),
        };
        for round in 0..2 {
            for d in 0..docs.len() {
                let t = source.get(DocNum(d as u32)).unwrap();
                assert_eq!(*t, made(d));
                let borrowed = matches!(t, TokenRef::Borrowed(_));
                assert_eq!(borrowed, round == 0 && d % 3 == 0);
                let text = &docs[order.input(DocNum(d as u32))].text;
                let (t, map) = tokens_with_map(Some(&source), DocNum(d as u32), text);
                assert_eq!(*t, made(d));
                assert_eq!(map, normalize(text).map);
            }
            source.keep_only(&docs, &order, |d| d.0 != 3, 1 << 20);
            let TokenSource::Unhashed { tokens, .. } = &source else {
                panic!("kept without hashes");
            };
            let kept = (0..docs.len()).filter(|d| d % 3 != 2 && *d != 3).count();
            assert_eq!(tokens.iter().flatten().count(), kept);
        }
    }

    #[test]
    fn the_cache_keeps_used_entries_and_stays_in_budget() {
        let t = |i: u32| Tokens::new(&format!("document number {i} with a few words"));
        let w = weight(&t(0));
        // room for about three documents per shard
        let cache = TokenCache::new(SHARDS * (3 * w + w / 2));
        let made = std::sync::atomic::AtomicUsize::new(0);
        let get = |d: u32| {
            cache
                .get_or_try_insert(d, || {
                    made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    Ok(t(d))
                })
                .unwrap()
        };
        // four documents of shard 0: 0, 64, 128, 192
        for d in [0, 64, 128] {
            assert_eq!(*get(d), t(d));
        }
        assert_eq!(*get(0), t(0)); // hit: marked used
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 3);
        get(192); // evicts 64 (0 had a second chance)
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 4);
        get(0);
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 4);
        get(64);
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 5);
        let s = cache.shards[0].lock().unwrap();
        assert!(s.bytes <= cache.shard_budget);
        assert_eq!(s.map.len(), s.clock.len());
    }
}
