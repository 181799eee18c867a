//! A bulk load without a merge: the batches of one load go into one segment as they come.
//!
//! [`IndexWriter::add_to_load`] writes each batch's documents straight into a segment file
//! that is not yet committed (documents come first in a segment, so they can be written as
//! they arrive, on the calling thread) and meanwhile, on the other threads, keeps the batch's
//! postings in memory, 12 bytes each, spread over 256 buckets by the fingerprint's top byte,
//! one piece per bucket and chunk of documents (a fingerprint repeated in a document is
//! kept each time, and dropped when its bucket is written). Committing the load
//! ([`IndexWriter::merge_added`], or any other change of the index) sorts the buckets in
//! parallel (one radix pass, then runs of a few postings), lays the table out in parallel,
//! a bucket's part each ([`TablePart`], appended in order; a window of buckets laid out while
//! the window before is written), writes it and commits the
//! segment: every byte of the index is written once, where committing each batch and
//! merging them at the end wrote it twice and read it back once, and the merge ran on one
//! thread.
//!
//! Memory is bounded: once the postings held reach [`load_budget`] (a quarter of the
//! available memory, within 256 MiB–4 GiB; about 17 M postings per 100 MB of news text),
//! they are moved to a scratch file beside the segment (`seg-*.spill.tmp`, about 8 bytes a
//! posting, a run of the 256 buckets at a time), and the load goes on: committing it reads
//! each bucket's runs back (a window of buckets at a time, beside the postings still held),
//! sorts them as above and lays the table out, so a load of any size ends in one segment,
//! written once, with no merge. The table's size is then fixed from the distinct keys of
//! the first window of buckets (a sixteenth of the key range), scaled. A load killed before
//! its commit leaves the index as it was (the next writer deletes the uncommitted segment and
//! scratch file), and so does a load that fails (its files deleted at once).
//!
//! A document replaces a stored one with the same id (tombstoned in the commit of the
//! load), and a later batch's document one of an earlier batch of the same load (kept in
//! the segment, marked deleted by the segment's own tombstones).

use super::IndexWriter;
use crate::corpus::available_memory;
use crate::error::Result;
use crate::manifest::{Manifest, SegmentEntry, segment_file_name, tombstone_file_name};
use crate::reader::{LiveSegment, Tombstones};
use crate::segment::{Segment, SegmentBuilder, TablePart, doc_header, id_hash};
use crate::writer::AddSummary;
use chorus_core::Document;
use chorus_core::fingerprint::for_each_ngram_fingerprint;
use chorus_core::tokenize::Tokens;
use rayon::prelude::*;
use std::sync::Arc;

mod spill;
use spill::{Spill, SpilledBucket, encode_postings};

/// Buckets of postings, by the top byte of the fingerprint.
const BUCKETS: usize = 256;

/// Buckets whose part of the table is laid out at a time (in parallel).
const LAYOUT_WINDOW: usize = 16;

/// One posting of a pending load: a fingerprint and a document of the segment (12 bytes).
#[derive(Clone, Copy)]
#[repr(C, packed(4))]
struct Posting {
    key: u64,
    doc: u32,
}

impl Posting {
    fn key(self) -> u64 {
        self.key
    }

    fn doc(self) -> u32 {
        self.doc
    }
}

/// Bytes of postings a load holds before it commits a segment and starts another.
pub(super) fn load_budget() -> usize {
    const MIN: u64 = 256 << 20;
    const MAX: u64 = 4 << 30;
    let quarter = available_memory().map_or(1 << 30, |m| m / 4);
    quarter.clamp(MIN, MAX) as usize
}

/// The uncommitted segment of a bulk load.
pub(super) struct PendingLoad {
    id: u64,
    builder: SegmentBuilder,
    /// Per bucket, the postings of each batch (in document order).
    buckets: Vec<Vec<Vec<Posting>>>,
    postings: usize,
    /// The document of the segment holding each id, for replacements within the load.
    ids: foldhash::HashMap<String, u32>,
    /// Documents of the segment replaced by later ones of the load.
    dropped: Vec<u32>,
    /// Postings moved to disk, when the load went over its memory budget.
    spill: Option<Spill>,
}

impl PendingLoad {
    fn create(writer: &IndexWriter) -> Result<PendingLoad> {
        let id = writer.manifest.next_segment;
        let path = writer.dir.join(segment_file_name(id));
        Ok(PendingLoad {
            id,
            builder: SegmentBuilder::create(&path, writer.manifest.ngram)?,
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            postings: 0,
            ids: foldhash::HashMap::default(),
            dropped: Vec::new(),
            spill: None,
        })
    }

    fn bytes(&self) -> usize {
        self.postings * std::mem::size_of::<Posting>()
    }

    /// Writes `docs` (ids distinct) into the segment and keeps their postings; returns how
    /// many replaced a document of the load. The documents are written in order on this
    /// thread while the others fingerprint them.
    fn add(&mut self, docs: &[&Document], ngram: usize) -> Result<usize> {
        let base = self.builder.docs();
        let PendingLoad {
            builder,
            ids,
            dropped,
            buckets,
            postings,
            ..
        } = self;
        let (written, pieces) = rayon::join(
            || -> Result<usize> {
                let mut replaced = 0;
                for d in docs {
                    let header = doc_header(&d.id, &d.meta);
                    let n = builder.add_parts(
                        &header,
                        &d.text,
                        id_hash(&d.id),
                        d.meta.source.as_deref(),
                    )?;
                    if let Some(old) = ids.insert(d.id.clone(), n) {
                        dropped.push(old);
                        replaced += 1;
                    }
                }
                Ok(replaced)
            },
            || {
                let per = docs.len().div_ceil(2 * rayon::current_num_threads()).max(1);
                docs.par_chunks(per)
                    .enumerate()
                    .map(|(c, chunk)| postings_of(chunk, base + (c * per) as u32, ngram))
                    .collect::<Vec<_>>()
            },
        );
        for chunk in pieces {
            for (b, piece) in buckets.iter_mut().zip(chunk) {
                *postings += piece.len();
                b.push(piece);
            }
        }
        written
    }

    /// Moves the postings held to the load's scratch file (created on the first spill), a
    /// bucket's postings of this run at a time, so that memory holds a budget's worth of them
    /// whatever the size of the load: the buckets' pieces are encoded in parallel, a window
    /// of buckets at a time, one window written while the next one is encoded.
    fn spill(&mut self) -> Result<()> {
        if self.spill.is_none() {
            let path = self.builder.path().with_extension("spill.tmp");
            self.spill = Some(Spill::create(path)?);
        }
        let spill = self.spill.as_mut().expect("a spill");
        let buckets = std::mem::replace(
            &mut self.buckets,
            (0..BUCKETS).map(|_| Vec::new()).collect(),
        );
        self.postings = 0;
        let mut buckets = buckets.into_iter();
        let mut encoded = |_: ()| -> Vec<(Vec<u8>, usize)> {
            let window: Vec<Vec<Vec<Posting>>> = buckets.by_ref().take(LAYOUT_WINDOW).collect();
            window.into_par_iter().map(encode_postings).collect()
        };
        let mut run = Vec::with_capacity(BUCKETS);
        let mut window = encoded(());
        while !window.is_empty() {
            let (written, next) = rayon::join(
                || -> Result<Vec<SpilledBucket>> {
                    window
                        .iter()
                        .map(|(bytes, postings)| spill.append(bytes, *postings))
                        .collect()
                },
                || encoded(()),
            );
            run.extend(written?);
            window = next;
        }
        spill.runs.push(run);
        Ok(())
    }

    /// Sorts the postings, writes the table and syncs the file; returns the segment's
    /// number and the documents replaced within the load.
    fn finish(self) -> Result<(u64, Vec<u32>)> {
        let PendingLoad {
            id,
            builder,
            buckets,
            dropped,
            spill,
            ..
        } = self;
        // each bucket sorted: all of them at once when they are in memory, which counts
        // the distinct keys exactly; a window at a time when some were spilled, read back
        // beside those held, the keys estimated from the first window's (as a merge does)
        let sorted: Vec<(Vec<Posting>, u64)>;
        let mut first: Vec<(Vec<Posting>, u64)>;
        let keys;
        let mut held = buckets.into_iter().enumerate();
        let mut gather = |n: usize| -> Result<Vec<(Vec<Posting>, u64)>> {
            let window: Vec<(usize, Vec<Vec<Posting>>)> = held.by_ref().take(n).collect();
            window
                .into_par_iter()
                .map(|(b, pieces)| {
                    let mut all = match &spill {
                        Some(s) => s.read_bucket(b)?,
                        None => Vec::new(),
                    };
                    all.extend(pieces);
                    Ok(sort_bucket(all))
                })
                .collect()
        };
        if spill.is_none() {
            sorted = gather(BUCKETS)?;
            first = Vec::new();
            keys = sorted.iter().map(|b| b.1).sum();
        } else {
            sorted = Vec::new();
            first = gather(LAYOUT_WINDOW)?;
            let counted: u64 = first.iter().map(|b| b.1).sum();
            keys = counted * (BUCKETS / LAYOUT_WINDOW) as u64;
        }
        let mut sorted = sorted.into_iter();
        let mut next_window = || -> Result<Vec<(Vec<Posting>, u64)>> {
            if !first.is_empty() {
                return Ok(std::mem::take(&mut first));
            }
            if spill.is_some() {
                gather(LAYOUT_WINDOW)
            } else {
                Ok(sorted.by_ref().take(LAYOUT_WINDOW).collect())
            }
        };
        let mut w = builder.start_postings(keys)?;
        // the table laid out in parts, a bucket each, in parallel (a window of buckets at a
        // time, so that only two windows' parts of the table are held), appended in order:
        // a window is appended (on one thread, waiting for the disk) while the next one is
        // laid out (on the others)
        let bits = w.dir_bits();
        let mut window = |base: u64| -> Result<(Vec<TablePart>, u64)> {
            Ok(lay_out_window(next_window()?, bits, base))
        };
        let (mut parts, mut base) = window(w.overflow_len())?;
        while !parts.is_empty() {
            let (pushed, laid_out) = rayon::join(
                || -> Result<()> {
                    for p in parts {
                        w.push_part(p)?;
                    }
                    Ok(())
                },
                || window(base),
            );
            pushed?;
            (parts, base) = laid_out?;
        }
        w.finish()?;
        drop(spill);
        Ok((id, dropped))
    }
}

/// The parts of the table for a window of sorted buckets (with their numbers of distinct
/// keys), laid out in parallel, their overflow lists numbered after `base` u32s of lists
/// before them; returns the parts and the base after them.
fn lay_out_window(window: Vec<(Vec<Posting>, u64)>, bits: u32, base: u64) -> (Vec<TablePart>, u64) {
    let mut parts: Vec<TablePart> = window
        .into_par_iter()
        .map(|(b, keys)| {
            let mut part = TablePart::new(bits, keys);
            let mut docs = Vec::new();
            for g in b.chunk_by(|x, y| x.key() == y.key()) {
                docs.clear();
                docs.extend(g.iter().map(|p| p.doc()));
                docs.dedup();
                part.push(g[0].key(), &docs);
            }
            part
        })
        .collect();
    let mut end = base;
    let bases: Vec<u64> = parts
        .iter()
        .map(|p| {
            let b = end;
            end += p.overflow_len();
            b
        })
        .collect();
    parts
        .par_iter_mut()
        .zip(bases)
        .for_each(|(p, b)| p.rebase(b));
    (parts, end)
}

/// The postings of `docs` (numbered from `first`), by bucket: each document's
/// fingerprints, a repeated one repeated (the sorted bucket brings the copies together,
/// where `finish` drops them). Counted first, so that each bucket's piece is allocated once
/// and exactly.
fn postings_of(docs: &[&Document], first: u32, ngram: usize) -> Vec<Vec<Posting>> {
    // room for a fingerprint every two bytes, the most plain text has (a one-letter word and
    // a space), reserved once: pages past those written are never touched, where growing
    // the vector copied it and touched each new page (a page fault each)
    let mut keys = Vec::with_capacity(docs.iter().map(|d| d.text.len() / 2 + 1).sum());
    let mut ends = Vec::with_capacity(docs.len());
    for d in docs {
        for_each_ngram_fingerprint(&Tokens::new(&d.text).hashes, ngram, |_, k| keys.push(k));
        ends.push(keys.len());
    }
    let mut counts = [0usize; BUCKETS];
    for &k in &keys {
        counts[(k >> 56) as usize] += 1;
    }
    let mut pieces: Vec<Vec<Posting>> = counts.iter().map(|&n| Vec::with_capacity(n)).collect();
    let mut start = 0;
    for (i, end) in ends.into_iter().enumerate() {
        let doc = first + i as u32;
        for &key in &keys[start..end] {
            pieces[(key >> 56) as usize].push(Posting { key, doc });
        }
        start = end;
    }
    pieces
}

/// The postings of one bucket (its pieces, in document order, freed as they are read) in
/// one vector, sorted by fingerprint, then document, and the number of distinct
/// fingerprints: one pass spreads them by the fingerprint's next bits after the bucket's
/// byte (as many as make runs of about 8 postings, 8 to 16 of them), keeping their order,
/// then each run is sorted by fingerprint alone, stably (an insertion sort of a few `u64`
/// keys), which leaves the documents of a fingerprint in order, and its distinct
/// fingerprints counted while it is in the cache.
fn sort_bucket(pieces: Vec<Vec<Posting>>) -> (Vec<Posting>, u64) {
    let distinct = |run: &[Posting]| run.chunk_by(|x, y| x.key() == y.key()).count() as u64;
    let len: usize = pieces.iter().map(Vec::len).sum();
    if len < 4096 {
        let mut b: Vec<Posting> = pieces.into_iter().flatten().collect();
        b.sort_by_key(|p| p.key());
        let n = distinct(&b);
        return (b, n);
    }
    let bits = ((len / 8).ilog2()).clamp(8, 16);
    let digit = |p: &Posting| ((p.key() << 8) >> (64 - bits)) as usize;
    let mut start = vec![0usize; (1 << bits) + 1];
    for p in pieces.iter().flatten() {
        start[digit(p) + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut out = vec![Posting { key: 0, doc: 0 }; len];
    let mut at = start.clone();
    for piece in pieces {
        for p in piece {
            let d = digit(&p);
            out[at[d]] = p;
            at[d] += 1;
        }
    }
    let mut keys = 0;
    for w in start.windows(2) {
        let run = &mut out[w[0]..w[1]];
        insertion_sort_by_key(run);
        keys += distinct(run);
    }
    (out, keys)
}

/// Sorts a short run by fingerprint, stably.
fn insertion_sort_by_key(run: &mut [Posting]) {
    for i in 1..run.len() {
        let p = run[i];
        let mut j = i;
        while j > 0 && run[j - 1].key() > p.key() {
            run[j] = run[j - 1];
            j -= 1;
        }
        run[j] = p;
    }
}

impl IndexWriter {
    /// Adds a batch to the current bulk load, uncommitted: its documents are written into
    /// the load's one segment at once, its postings kept in memory until the load is
    /// committed, by [`IndexWriter::merge_added`] (or by any other change), in one pass:
    /// nothing is merged. A load that is never committed leaves the index as it was. A
    /// document replaces one with the same id, stored or of an earlier batch of the load
    /// (within the batch, the last one wins). A load of more postings than its budget
    /// ([`IndexWriter::set_load_budget`]) moves them to a scratch file now and then, and
    /// still ends in one segment.
    pub fn add_to_load(&mut self, docs: Vec<Document>) -> Result<AddSummary> {
        let result = self.load_batch(docs);
        if result.is_err() {
            self.load = None;
        }
        self.cleaned(result)
    }

    fn load_batch(&mut self, docs: Vec<Document>) -> Result<AddSummary> {
        let kept = super::last_of_each_id(&docs);
        if kept.is_empty() {
            return Ok(AddSummary::default());
        }
        let ids: Vec<&str> = kept.iter().map(|d| d.id.as_str()).collect();
        let (_, found) = self.tombstones_for(&ids)?;
        if self.load.is_none() {
            self.load = Some(PendingLoad::create(self)?);
        }
        let load = self.load.as_mut().expect("a pending load");
        let in_load: Vec<bool> = ids.iter().map(|id| load.ids.contains_key(*id)).collect();
        load.add(&kept, self.manifest.ngram)?;
        let replaced = found
            .iter()
            .zip(&in_load)
            .filter(|&(&n, &l)| n > 0 || l)
            .count();
        if load.bytes() >= self.load_budget {
            load.spill()?;
        }
        Ok(AddSummary {
            added: kept.len(),
            replaced,
        })
    }

    /// Commits the pending bulk load, if any, as one segment of the load.
    pub(super) fn commit_load(&mut self) -> Result<()> {
        let Some(load) = self.load.take() else {
            return Ok(());
        };
        let result = self.write_load(load);
        self.cleaned(result)
    }

    fn write_load(&mut self, load: PendingLoad) -> Result<()> {
        debug_assert_eq!(load.id, self.manifest.next_segment);
        let ids: Vec<&str> = load.ids.keys().map(String::as_str).collect();
        let (changed, _) = self.tombstones_for(&ids)?;
        drop(ids);
        let (id, dropped) = load.finish()?;
        let generation = self.manifest.generation + 1;
        let seg = Segment::open(&self.dir, id)?;
        let (mut entries, mut segments) = self.with_tombstones(changed, generation)?;
        let mut tombstones = Tombstones::new(seg.docs());
        for d in dropped {
            tombstones.delete(d);
        }
        let deleted = tombstones.count();
        let file = if deleted > 0 {
            let name = tombstone_file_name(id, generation);
            tombstones.store(&self.dir.join(&name))?;
            Some(name)
        } else {
            None
        };
        entries.push(SegmentEntry {
            id,
            docs: seg.docs(),
            deleted,
            tombstones: file,
        });
        segments.push(LiveSegment {
            seg: Arc::new(seg),
            tombstones,
        });
        let next = Manifest {
            generation,
            next_segment: id + 1,
            segments: entries,
            ..self.manifest.clone()
        };
        self.commit(next, segments)?;
        self.unmerged.push(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
