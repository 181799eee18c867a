//! In-memory inverted index from fingerprints to their occurrences.
//!
//! Postings `(fingerprint, doc, position)` are radix-partitioned into 256 partitions by the
//! top byte of the fingerprint, and each partition is sorted on its own, in parallel. A
//! partition is a few megabytes even for large corpora, so the sort stays in cache, and the
//! partitions are the unit of parallel work for candidate generation.
//!
//! Only fingerprints found in two or more documents are kept: the others cannot pair
//! documents, and they are most of a corpus's n-grams. To keep memory low on large corpora
//! the index is built in rounds, each over a range of partitions (the top bits of the
//! fingerprint): a round scatters the postings of its partitions, sorts them and keeps the
//! shared groups, so at most one round's worth of unfiltered postings is in memory at once.
//! Postings are counted per partition once, in a first pass; each round then recomputes
//! the fingerprints and scatters its own. Cost: O(P) for P postings (radix sort), 16 bytes per
//! kept posting plus 16 bytes per posting of one round (half of them from 4 M postings
//! on, at most 16 M) while building. A compact run
//! ([`crate::corpus::Storage::Compact`]) notes every posting in a `SharedFilter` while
//! tokenising and scatters only the postings it passes, in one round: 16 bytes per posting
//! that may be shared, plus the filter's two bits per byte of text.

use crate::error::{Error, Result};
use crate::fingerprint::for_each_ngram_fingerprint;
use crate::packed_tokens::PackedTokens;
use crate::scratch::ScratchFolder;
use crate::tokenize::{Tokens, Unhashed};
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// One occurrence of a fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Posting {
    pub fingerprint: u64,
    pub doc: u32,
    pub pos: u32,
}

const PARTITION_BITS: u32 = 8;
const PARTITIONS: usize = 1 << PARTITION_BITS;
/// Unfiltered postings scattered per round, at most (roughly): 16 M postings = 256 MB.
const ROUND_POSTINGS: usize = 16 << 20;
/// From this many postings (64 MB of them, some 25 MB of text) the index is built in at
/// least [`MIN_ROUNDS`] rounds.
const SPLIT_FROM_POSTINGS: usize = 4 << 20;
const MIN_ROUNDS: usize = 2;

/// Postings per round for an index of `postings`: at most [`ROUND_POSTINGS`], and from
/// [`SPLIT_FROM_POSTINGS`] on a [`MIN_ROUNDS`]th of them. A round costs a pass over every
/// document's fingerprints (about 1.7 % of `find`'s CPU on 44 MB each); one round of every
/// posting held 16 bytes a token (2.7 times the text for English) at the peak. Four rounds
/// took 11 % off `find`'s peak on 44 MB for 7 % more CPU; two are the compromise.
fn round_postings(postings: usize) -> usize {
    if postings >= SPLIT_FROM_POSTINGS {
        ROUND_POSTINGS.min(postings.div_ceil(MIN_ROUNDS))
    } else {
        ROUND_POSTINGS
    }
}

/// Postings of the fingerprints shared by two or more documents, partitioned by
/// fingerprint and sorted by `(fingerprint, doc, pos)`.
#[derive(Debug, Default)]
pub struct NgramIndex {
    partitions: Partitions,
    /// Postings indexed, including those of fingerprints in one document only.
    postings: usize,
}

/// Where the sorted partitions are: in memory, or one file each (read back on demand).
#[derive(Debug)]
enum Partitions {
    Memory(Vec<Vec<Posting>>),
    Disk(DiskPartitions),
}

impl Default for Partitions {
    fn default() -> Self {
        Partitions::Memory(Vec::new())
    }
}

/// Partition files `part-NNN` in a private scratch folder, removed when dropped.
#[derive(Debug)]
struct DiskPartitions {
    kept: Vec<usize>,
    folder: ScratchFolder,
}

fn part_path(dir: &Path, kind: &str, p: usize) -> PathBuf {
    dir.join(format!("{kind}-{p:03}"))
}

const POSTING_BYTES: usize = 16;

fn encode(postings: &[Posting], out: &mut Vec<u8>) {
    out.reserve(postings.len() * POSTING_BYTES);
    for p in postings {
        out.extend_from_slice(&p.fingerprint.to_le_bytes());
        out.extend_from_slice(&p.doc.to_le_bytes());
        out.extend_from_slice(&p.pos.to_le_bytes());
    }
}

fn decode(bytes: &[u8]) -> Vec<Posting> {
    bytes
        .chunks_exact(POSTING_BYTES)
        .map(|b| Posting {
            fingerprint: u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            doc: u32::from_le_bytes(b[8..12].try_into().expect("4 bytes")),
            pos: u32::from_le_bytes(b[12..].try_into().expect("4 bytes")),
        })
        .collect()
}

fn spill_error(path: PathBuf) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Spill { path, source }
}

/// Builds an [`NgramIndex`] whose partitions live in files, for corpora whose postings do
/// not fit in memory. Documents are added in order, a batch at a time: each batch's
/// postings are scattered by partition and appended to one raw file per partition;
/// [`DiskIndexBuilder::finish`] then sorts each partition on its own (one partition per
/// thread in memory at a time), keeps the shared groups and writes them back. Memory: one
/// batch of postings, then one raw partition per thread (1/256 of the postings each).
pub struct DiskIndexBuilder {
    raw: Vec<std::io::BufWriter<std::fs::File>>,
    postings: usize,
    n: usize,
    /// Last: the files above are closed before their folder is removed.
    folder: ScratchFolder,
}

impl DiskIndexBuilder {
    /// Starts an index of `n`-gram fingerprints in a new folder inside the existing folder
    /// `dir`.
    pub fn create(dir: &Path, n: usize) -> Result<DiskIndexBuilder> {
        let folder = ScratchFolder::create_in(dir)?;
        let raw = (0..PARTITIONS)
            .map(|p| {
                let path = part_path(&folder.path, "raw", p);
                std::fs::File::create(&path)
                    .map(|f| std::io::BufWriter::with_capacity(64 << 10, f))
                    .map_err(spill_error(path))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(DiskIndexBuilder {
            raw,
            postings: 0,
            n,
            folder,
        })
    }

    /// Adds the documents numbered `first..first + hashes.len()`, given their token hashes.
    pub fn add(&mut self, first: u32, hashes: &[Vec<u64>]) -> Result<()> {
        let n = self.n;
        let chunk = hashes
            .len()
            .div_ceil(rayon::current_num_threads() * 4)
            .max(1);
        let pieces: Vec<Vec<Vec<u8>>> = hashes
            .par_chunks(chunk)
            .enumerate()
            .map(|(c, docs)| {
                let mut parts: Vec<Vec<Posting>> = vec![Vec::new(); PARTITIONS];
                for (i, h) in docs.iter().enumerate() {
                    let doc = first + (c * chunk + i) as u32;
                    for_each_ngram_fingerprint(h, n, |pos, fingerprint| {
                        parts[(fingerprint >> (64 - PARTITION_BITS)) as usize].push(Posting {
                            fingerprint,
                            doc,
                            pos: pos as u32,
                        });
                    });
                }
                parts
                    .iter()
                    .map(|v| {
                        let mut b = Vec::new();
                        encode(v, &mut b);
                        b
                    })
                    .collect()
            })
            .collect();
        for piece in pieces {
            for (p, bytes) in piece.into_iter().enumerate() {
                self.postings += bytes.len() / POSTING_BYTES;
                self.raw[p]
                    .write_all(&bytes)
                    .map_err(spill_error(part_path(&self.folder.path, "raw", p)))?;
            }
        }
        Ok(())
    }

    /// Sorts every partition, keeps the fingerprints found in two or more documents, and
    /// returns the index.
    pub fn finish(self) -> Result<NgramIndex> {
        let DiskIndexBuilder {
            raw,
            postings,
            folder,
            ..
        } = self;
        let dir = &folder.path;
        for (p, w) in raw.into_iter().enumerate() {
            w.into_inner()
                .map_err(|e| e.into_error())
                .map_err(spill_error(part_path(dir, "raw", p)))?;
        }
        let kept = (0..PARTITIONS)
            .into_par_iter()
            .map(|p| {
                let raw = part_path(dir, "raw", p);
                let bytes = std::fs::read(&raw).map_err(spill_error(raw.clone()))?;
                let mut part = decode(&bytes);
                drop(bytes);
                sort_and_keep_shared(&mut part);
                let mut out = Vec::new();
                encode(&part, &mut out);
                let path = part_path(dir, "part", p);
                std::fs::write(&path, &out).map_err(spill_error(path))?;
                std::fs::remove_file(&raw).map_err(spill_error(raw))?;
                Ok(part.len())
            })
            .collect::<Result<Vec<usize>>>()?;
        Ok(NgramIndex {
            partitions: Partitions::Disk(DiskPartitions { kept, folder }),
            postings,
        })
    }
}

/// Sorts postings by `(fingerprint, doc, pos)`. Every builder scatters a partition's
/// postings in `(doc, pos)` order; such a partition is sorted by a stable least
/// significant digit radix sort on the fingerprint alone (a byte a pass, passes where every
/// posting has the same byte skipped: the partition's top byte always), which leaves
/// postings of one fingerprint in `(doc, pos)` order, the order of the comparison sort, in
/// O(P) rather than O(P log P). Any other input falls back to the comparison sort.
fn sort_postings(part: &mut Vec<Posting>) {
    const SMALL: usize = 256;
    if part.len() < SMALL || !part.is_sorted_by_key(|p| (p.doc, p.pos)) {
        part.sort_unstable();
        return;
    }
    let n = part.len();
    let mut counts = [[0usize; 256]; 8];
    for p in part.iter() {
        for (byte, c) in counts.iter_mut().enumerate() {
            c[(p.fingerprint >> (8 * byte)) as u8 as usize] += 1;
        }
    }
    let mut other = vec![
        Posting {
            fingerprint: 0,
            doc: 0,
            pos: 0
        };
        n
    ];
    let (mut src, dst) = (std::mem::take(part), &mut other);
    let mut from_src = true;
    for (byte, c) in counts.iter().enumerate() {
        if c.contains(&n) {
            continue;
        }
        let mut at = [0usize; 256];
        let mut sum = 0;
        for (a, &k) in at.iter_mut().zip(c) {
            *a = sum;
            sum += k;
        }
        let (input, output): (&[Posting], &mut [Posting]) = if from_src {
            (&src, dst)
        } else {
            (dst, &mut src)
        };
        for p in input {
            let d = (p.fingerprint >> (8 * byte)) as u8 as usize;
            output[at[d]] = *p;
            at[d] += 1;
        }
        from_src = !from_src;
    }
    *part = if from_src { src } else { other };
}

/// Sorts a partition and keeps only the groups of fingerprints found in two or more
/// documents.
fn sort_and_keep_shared(part: &mut Vec<Posting>) {
    sort_postings(part);
    let mut write = 0;
    let mut read = 0;
    while read < part.len() {
        let fp = part[read].fingerprint;
        let mut end = read + 1;
        while end < part.len() && part[end].fingerprint == fp {
            end += 1;
        }
        if part[read].doc != part[end - 1].doc {
            part.copy_within(read..end, write);
            write += end - read;
        }
        read = end;
    }
    part.truncate(write);
    part.shrink_to_fit();
}

/// Where the index reads fingerprints from: stored per document, or computed from token
/// hashes (again in every round, which costs little next to the memory it saves).
trait FingerprintSource: Sync {
    /// Buffers a caller keeps from one document to the next.
    type Scratch: Default;
    fn docs(&self) -> usize;
    fn postings(&self) -> usize;
    fn each(&self, doc: usize, f: impl FnMut(usize, u64));
    /// The fingerprints of document `doc`, in position order, appended to `out`.
    fn fingerprints_into(&self, doc: usize, _scratch: &mut Self::Scratch, out: &mut Vec<u64>) {
        self.each(doc, |_, fp| out.push(fp));
    }
}

impl FingerprintSource for &[Vec<u64>] {
    type Scratch = ();
    fn docs(&self) -> usize {
        self.len()
    }
    fn postings(&self) -> usize {
        self.iter().map(Vec::len).sum()
    }
    #[inline]
    fn each(&self, doc: usize, mut f: impl FnMut(usize, u64)) {
        for (pos, &fp) in self[doc].iter().enumerate() {
            f(pos, fp);
        }
    }
}

/// Word `n`-grams in documents of `lens` tokens.
fn ngrams_in(lens: impl Iterator<Item = usize>, n: usize) -> usize {
    lens.map(|len| (len + 1).saturating_sub(n)).sum()
}

struct FromTokens<'a> {
    tokens: &'a [Tokens],
    n: usize,
}

impl FingerprintSource for FromTokens<'_> {
    type Scratch = ();
    fn docs(&self) -> usize {
        self.tokens.len()
    }
    fn postings(&self) -> usize {
        ngrams_in(self.tokens.iter().map(|t| t.len()), self.n)
    }
    #[inline]
    fn each(&self, doc: usize, f: impl FnMut(usize, u64)) {
        for_each_ngram_fingerprint(&self.tokens[doc].hashes, self.n, f);
    }
}

struct FromUnhashed<'a> {
    tokens: &'a [Unhashed],
    n: usize,
}

impl FingerprintSource for FromUnhashed<'_> {
    /// Token hashes, computed again.
    type Scratch = Vec<u64>;
    fn docs(&self) -> usize {
        self.tokens.len()
    }
    fn postings(&self) -> usize {
        ngrams_in(self.tokens.iter().map(|t| t.len()), self.n)
    }
    fn each(&self, doc: usize, f: impl FnMut(usize, u64)) {
        let mut hashes = Vec::new();
        self.tokens[doc].hashes_into(&mut hashes);
        for_each_ngram_fingerprint(&hashes, self.n, f);
    }
    fn fingerprints_into(&self, doc: usize, hashes: &mut Self::Scratch, out: &mut Vec<u64>) {
        self.tokens[doc].hashes_into(hashes);
        for_each_ngram_fingerprint(hashes, self.n, |_, fp| out.push(fp));
    }
}

struct FromPacked<'a> {
    tokens: &'a [PackedTokens],
    n: usize,
}

impl FingerprintSource for FromPacked<'_> {
    /// Token ranges and hashes, unpacked.
    type Scratch = (Vec<(u32, u32)>, Vec<u64>);
    fn docs(&self) -> usize {
        self.tokens.len()
    }
    fn postings(&self) -> usize {
        ngrams_in(self.tokens.iter().map(|t| t.len()), self.n)
    }
    fn each(&self, doc: usize, f: impl FnMut(usize, u64)) {
        let mut scratch = Self::Scratch::default();
        self.tokens[doc].hashes_into(&mut scratch.0, &mut scratch.1);
        for_each_ngram_fingerprint(&scratch.1, self.n, f);
    }
    fn fingerprints_into(&self, doc: usize, scratch: &mut Self::Scratch, out: &mut Vec<u64>) {
        let (ranges, hashes) = scratch;
        self.tokens[doc].hashes_into(ranges, hashes);
        for_each_ngram_fingerprint(hashes, self.n, |_, fp| out.push(fp));
    }
}

/// Which fingerprints may be in two or more documents, learnt from every posting before
/// the index is built, so that the postings of the others (most of a corpus's) are never
/// scattered or sorted. Two bit sets indexed by the fingerprint's low bits: *seen*, set by
/// every posting, and *again*, set by a posting whose bit *seen* already had. A fingerprint
/// in two documents always has its *again* bit; one in a single document only when another
/// posting shares its bit (or it repeats within its document): the index then drops it as
/// before, so the filter changes what is sorted, never the index. The bits are set with
/// atomic `fetch_or`, so postings may be noted from any number of threads. The two sets
/// are interleaved word by word, so that a posting's two words share a cache line: the
/// sets are larger than the caches, and a posting then costs one miss, not two.
pub(crate) struct SharedFilter {
    /// `words[2 * w]`: word `w` of *seen*; `words[2 * w + 1]`: of *again*.
    words: Vec<AtomicU64>,
    mask: u64,
}

/// The *again* bits of a [`SharedFilter`] whose noting is over: what the index build reads.
struct SharedBits {
    words: Vec<u64>,
    mask: u64,
}

impl SharedBits {
    /// False when no two postings noted had `fingerprint`'s bit.
    #[inline]
    fn may_be_shared(&self, fingerprint: u64) -> bool {
        let bit = fingerprint & self.mask;
        self.words[(bit >> 6) as usize] & (1 << (bit & 63)) != 0
    }
}

impl SharedFilter {
    /// A filter of a power of two of bits, at least `bits`.
    pub fn new(bits: usize) -> SharedFilter {
        let bits = bits.max(1 << 12).next_power_of_two();
        SharedFilter {
            words: (0..2 * bits / 64).map(|_| AtomicU64::new(0)).collect(),
            mask: bits as u64 - 1,
        }
    }

    #[inline]
    fn word_and_bit(&self, fingerprint: u64) -> (usize, u64) {
        let bit = fingerprint & self.mask;
        (2 * (bit >> 6) as usize, 1u64 << (bit & 63))
    }

    /// Notes one posting of each of `fingerprints`. The words are read first, all of
    /// them (loads that do not wait for each other: the sets are larger than the caches),
    /// and changed after, where they need it.
    pub fn note(&self, fingerprints: &[u64], scratch: &mut Vec<u64>) {
        scratch.clear();
        scratch.extend(fingerprints.iter().map(|&fp| {
            let (w, b) = self.word_and_bit(fp);
            self.words[w].load(Ordering::Relaxed) & b
        }));
        for (&fp, &was) in fingerprints.iter().zip(scratch.iter()) {
            let (w, b) = self.word_and_bit(fp);
            // bits are only ever set, so a bit read as set was set by an earlier posting
            if (was != 0 || self.words[w].fetch_or(b, Ordering::Relaxed) & b != 0)
                && self.words[w + 1].load(Ordering::Relaxed) & b == 0
            {
                self.words[w + 1].fetch_or(b, Ordering::Relaxed);
            }
        }
    }

    /// The *again* set, once every posting is noted.
    fn into_shared(self) -> SharedBits {
        SharedBits {
            words: self
                .words
                .chunks_exact(2)
                .map(|pair| pair[1].load(Ordering::Relaxed))
                .collect(),
            mask: self.mask,
        }
    }

    /// False when no two postings noted had `fingerprint`'s bit.
    #[cfg(test)]
    fn may_be_shared(&self, fingerprint: u64) -> bool {
        let (w, b) = self.word_and_bit(fingerprint);
        self.words[w + 1].load(Ordering::Relaxed) & b != 0
    }
}

impl NgramIndex {
    /// Indexes the `n`-gram fingerprints of every document's packed tokens, every posting
    /// of which was noted in `filter` first: only the postings `filter` lets pass are
    /// scattered and sorted (one copy of them in memory while building), and the index is
    /// the one [`NgramIndex::build_from_tokens`] gives.
    pub(crate) fn build_filtered(
        tokens: &[PackedTokens],
        n: usize,
        filter: SharedFilter,
    ) -> NgramIndex {
        NgramIndex::build_passing(&FromPacked { tokens, n }, filter)
    }

    /// Scatters the postings of `source` that `filter` (every posting noted) lets pass,
    /// sorts each partition and keeps the shared groups, in one round.
    fn build_passing<S: FingerprintSource>(source: &S, filter: SharedFilter) -> NgramIndex {
        let filter = filter.into_shared();
        let postings = source.postings();
        let docs = source.docs();
        let chunk = docs.div_ceil(rayon::current_num_threads() * 8).max(1);
        let chunks: Vec<Vec<Vec<Posting>>> = (0..docs.div_ceil(chunk))
            .into_par_iter()
            .map(|c| {
                let mut parts: Vec<Vec<Posting>> = vec![Vec::new(); PARTITIONS];
                let (mut scratch, mut fps, mut pass) =
                    (S::Scratch::default(), Vec::new(), Vec::new());
                for doc in c * chunk..((c + 1) * chunk).min(docs) {
                    fps.clear();
                    source.fingerprints_into(doc, &mut scratch, &mut fps);
                    // the bits first, all of them (independent loads), then the postings
                    pass.clear();
                    pass.extend(fps.iter().map(|&fp| filter.may_be_shared(fp)));
                    for (pos, (&fingerprint, &pass)) in fps.iter().zip(&pass).enumerate() {
                        if pass {
                            parts[(fingerprint >> (64 - PARTITION_BITS)) as usize].push(Posting {
                                fingerprint,
                                doc: doc as u32,
                                pos: pos as u32,
                            });
                        }
                    }
                }
                parts
            })
            .collect();
        drop(filter);
        let mut pieces: Vec<Vec<Vec<Posting>>> = vec![Vec::new(); PARTITIONS];
        for chunk in chunks {
            for (p, v) in chunk.into_iter().enumerate() {
                pieces[p].push(v);
            }
        }
        let partitions: Vec<Vec<Posting>> = pieces
            .into_par_iter()
            .map(|vs| {
                let mut part = Vec::with_capacity(vs.iter().map(Vec::len).sum());
                for v in vs {
                    part.extend_from_slice(&v);
                }
                sort_and_keep_shared(&mut part);
                part
            })
            .collect();
        NgramIndex {
            partitions: Partitions::Memory(partitions),
            postings,
        }
    }

    /// [`NgramIndex::build_filtered`] over tokens without their hashes, which are computed
    /// again from the normalised text: the index [`NgramIndex::build_from_tokens`] gives,
    /// from the postings `filter` lets pass.
    pub(crate) fn build_from_unhashed_filtered(
        tokens: &[Unhashed],
        n: usize,
        filter: SharedFilter,
    ) -> NgramIndex {
        NgramIndex::build_passing(&FromUnhashed { tokens, n }, filter)
    }

    /// Indexes the fingerprints of every document (`fingerprints[doc][pos]`).
    pub fn build(fingerprints: &[Vec<u64>]) -> NgramIndex {
        let postings = fingerprints.postings();
        NgramIndex::build_in_rounds(fingerprints, round_postings(postings))
    }

    /// Indexes the `n`-gram fingerprints of every document's tokens
    /// ([`crate::fingerprint::ngram_fingerprints`] of its hashes): the same index as
    /// [`NgramIndex::build`], without holding every fingerprint in memory at once (8 bytes
    /// per token less at the peak).
    pub fn build_from_tokens(tokens: &[Tokens], n: usize) -> NgramIndex {
        let source = FromTokens { tokens, n };
        let postings = source.postings();
        NgramIndex::build_in_rounds(source, round_postings(postings))
    }

    fn build_in_rounds(source: impl FingerprintSource, round_postings: usize) -> NgramIndex {
        let postings = source.postings();
        // rounds: a power of two, at most the number of partitions
        let rounds = postings
            .div_ceil(round_postings)
            .next_power_of_two()
            .min(PARTITIONS);
        let round_bits = rounds.trailing_zeros();
        let per_round = PARTITIONS / rounds;
        let docs = source.docs();
        let chunk = docs.div_ceil(rayon::current_num_threads() * 8).max(1);
        let n_chunks = docs.div_ceil(chunk);
        let chunk_docs = |c: usize| c * chunk..((c + 1) * chunk).min(docs);
        // Each chunk of documents counts its postings per partition (once, for every
        // round), then each round fills vectors of exactly that size; the chunks are then
        // concatenated per partition into vectors of exactly the total. No vector grows by
        // doubling (reallocating and copying, and faulting in fresh pages, was a tenth of
        // `dedup`'s time).
        let counts: Vec<Vec<usize>> = (0..n_chunks)
            .into_par_iter()
            .map(|c| {
                let mut counts = vec![0usize; PARTITIONS];
                for doc in chunk_docs(c) {
                    source.each(doc, |_, fingerprint| {
                        counts[(fingerprint >> (64 - PARTITION_BITS)) as usize] += 1;
                    });
                }
                counts
            })
            .collect();
        let mut partitions: Vec<Vec<Posting>> = Vec::with_capacity(PARTITIONS);
        for round in 0..rounds {
            let in_round = |fp: u64| round_bits == 0 || fp >> (64 - round_bits) == round as u64;
            let sub = |fp: u64| ((fp >> (64 - PARTITION_BITS)) as usize) & (per_round - 1);
            let first = round * per_round;
            let chunks: Vec<Vec<Vec<Posting>>> = (0..n_chunks)
                .into_par_iter()
                .map(|c| {
                    let mut parts: Vec<Vec<Posting>> = counts[c][first..first + per_round]
                        .iter()
                        .map(|&n| Vec::with_capacity(n))
                        .collect();
                    for doc in chunk_docs(c) {
                        source.each(doc, |pos, fingerprint| {
                            if in_round(fingerprint) {
                                parts[sub(fingerprint)].push(Posting {
                                    fingerprint,
                                    doc: doc as u32,
                                    pos: pos as u32,
                                });
                            }
                        });
                    }
                    parts
                })
                .collect();
            // regroup by partition (moving vectors, not postings), then concatenate each
            // partition and free its pieces at once: the peak stays near one copy
            let mut pieces: Vec<Vec<Vec<Posting>>> = vec![Vec::new(); per_round];
            for chunk in chunks {
                for (p, v) in chunk.into_iter().enumerate() {
                    pieces[p].push(v);
                }
            }
            let mut parts: Vec<Vec<Posting>> = pieces
                .into_par_iter()
                .map(|vs| {
                    let mut part = Vec::with_capacity(vs.iter().map(Vec::len).sum());
                    for v in vs {
                        part.extend_from_slice(&v);
                    }
                    part
                })
                .collect();
            parts.par_iter_mut().for_each(sort_and_keep_shared);
            partitions.extend(parts);
        }
        NgramIndex {
            partitions: Partitions::Memory(partitions),
            postings,
        }
    }

    /// Number of postings indexed (including those of fingerprints in one document only,
    /// which the index does not keep).
    pub fn len(&self) -> usize {
        self.postings
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of postings kept: those of fingerprints found in two or more documents.
    pub fn kept(&self) -> usize {
        match &self.partitions {
            Partitions::Memory(v) => v.iter().map(Vec::len).sum(),
            Partitions::Disk(d) => d.kept.iter().sum(),
        }
    }

    /// Number of partitions.
    pub fn partition_count(&self) -> usize {
        match &self.partitions {
            Partitions::Memory(v) => v.len(),
            Partitions::Disk(d) => d.kept.len(),
        }
    }

    /// Sorted partition `p` (partitions are in fingerprint order); it holds whole groups of
    /// equal fingerprints, each group in two or more documents. Read from its file when the
    /// index is on disk.
    pub fn partition(&self, p: usize) -> Result<Cow<'_, [Posting]>> {
        match &self.partitions {
            Partitions::Memory(v) => Ok(Cow::Borrowed(&v[p])),
            Partitions::Disk(d) => {
                let path = part_path(&d.folder.path, "part", p);
                let bytes = std::fs::read(&path).map_err(spill_error(path))?;
                Ok(Cow::Owned(decode(&bytes)))
            }
        }
    }

    /// Every partition, read into memory (for tests and small indexes).
    pub fn partitions(&self) -> Result<Vec<Vec<Posting>>> {
        (0..self.partition_count())
            .map(|p| self.partition(p).map(Cow::into_owned))
            .collect()
    }
}

/// Splits a sorted partition into runs of postings that share a fingerprint.
pub fn groups(partition: &[Posting]) -> impl Iterator<Item = &[Posting]> {
    partition.chunk_by(|x, y| x.fingerprint == y.fingerprint)
}

#[cfg(test)]
mod tests;
