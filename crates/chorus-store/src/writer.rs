//! Writing an index: batches, removals and merges, each one atomic commit.
//!
//! One writer at a time holds the `LOCK` file (an OS file lock, released by the kernel when
//! the process dies, even by SIGKILL). Every change writes new immutable files (a segment
//! for a batch or a merge, a tombstone list per segment that lost documents), syncs them,
//! then commits a new manifest (see [`crate::manifest`]). Nothing committed is rewritten in
//! place, so a crash at any moment leaves the last committed state intact; the files of an
//! uncommitted change are removed by the next writer.
//!
//! Merging is size-tiered: segments are grouped by `floor(log_f(live documents))` for the
//! merge factor `f`, and once a tier holds `f` segments they are merged into one (dropping
//! deleted documents). A small batch therefore only ever merges with small segments: adding
//! 1,000 documents to a million-document index writes about 1,000 documents' worth of files,
//! and each document is rewritten about `log_f(N / batch)` times over the index's life.
//!
//! A bulk load (`chorus index add` of many batches) leaves one segment: a query looks each
//! of its fingerprints up in every segment, so it pays for every segment a load leaves
//! behind (on the 100k-document benchmark index, five segments took 1.7 times as long per
//! query as one, BENCHMARKS.md). [`IndexWriter::add_to_load`] writes the batches into one
//! uncommitted segment, committed by [`IndexWriter::merge_added`] (`load.rs`): every byte
//! written once, no merge. [`IndexWriter::add_unmerged`] instead commits each batch as its
//! own segment, and [`IndexWriter::merge_added`] merges the segments of those batches into
//! one (every document written twice); a load that stops half way then leaves its committed
//! batches as separate segments, merged by the tiers later.

use crate::error::{Error, IoContext, Result};
use crate::manifest::{
    LOCK, MANIFEST, MANIFEST_TMP, Manifest, SegmentEntry, segment_file_name, sync_dir,
    tombstone_file_name,
};
use crate::reader::{IndexReader, LiveSegment, Tombstones, open_segments};
use crate::segment::{Postings, Segment, SegmentBuilder};
use chorus_core::Document;
use chorus_core::fingerprint::ngram_fingerprints;
use chorus_core::tokenize::Tokens;
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

mod load;

/// How an index is created and maintained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexOptions {
    /// Words per fingerprint, fixed when the index is created; `None` takes the existing
    /// index's value, or 5 for a new index. Default `None`.
    pub ngram: Option<usize>,
    /// Segments of one size tier merged together (see the module documentation).
    /// Default 4.
    pub merge_factor: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            ngram: None,
            merge_factor: 4,
        }
    }
}

/// What one [`IndexWriter::add`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddSummary {
    /// Documents stored by the batch.
    pub added: usize,
    /// Of those, how many replaced a document with the same id.
    pub replaced: usize,
}

/// What one [`IndexWriter::remove`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoveSummary {
    pub removed: usize,
    /// Ids that were not in the index.
    pub missing: Vec<String>,
}

/// The one writer of an index.
pub struct IndexWriter {
    dir: PathBuf,
    _lock: File,
    opts: IndexOptions,
    manifest: Manifest,
    segments: Vec<LiveSegment>,
    /// Segments committed by [`IndexWriter::add_unmerged`] since the last
    /// [`IndexWriter::merge_added`].
    unmerged: Vec<u64>,
    /// The uncommitted segment of a bulk load ([`IndexWriter::add_to_load`]).
    load: Option<load::PendingLoad>,
    /// Bytes of postings a load holds before it commits a segment ([`load::load_budget`]).
    load_budget: usize,
}

fn dir_is_empty(dir: &Path) -> Result<bool> {
    Ok(fs::read_dir(dir).at(dir)?.next().is_none())
}

impl IndexWriter {
    /// Opens the index in `dir` for writing, creating it (and the folder) when absent.
    /// Fails with [`Error::Locked`] while another process writes to it.
    pub fn open(dir: impl AsRef<Path>, opts: IndexOptions) -> Result<IndexWriter> {
        let dir = dir.as_ref();
        if opts.merge_factor < 2 {
            return Err(Error::InvalidOption(
                "merge factor must be at least 2".into(),
            ));
        }
        if opts.ngram == Some(0) {
            return Err(Error::InvalidOption(
                "n-gram size must be at least 1".into(),
            ));
        }
        fs::create_dir_all(dir).at(dir)?;
        let has_manifest = dir.join(MANIFEST).exists();
        if !has_manifest && !dir_is_empty(dir)? {
            let ours = fs::read_dir(dir).at(dir)?.all(|e| {
                e.ok().is_some_and(|e| {
                    let n = e.file_name();
                    let n = n.to_string_lossy();
                    n == LOCK || n == MANIFEST_TMP || n.starts_with("seg-")
                })
            });
            if !ours {
                return Err(Error::NotEmpty {
                    path: dir.to_path_buf(),
                });
            }
        }
        let lock_path = dir.join(LOCK);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .at(&lock_path)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Error::Locked {
                    path: dir.to_path_buf(),
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(e).at(&lock_path),
        }
        let manifest = match Manifest::load(dir) {
            Ok(m) => m,
            Err(Error::NotAnIndex { .. }) => {
                let m = Manifest::new(opts.ngram.unwrap_or(5));
                m.commit(dir)?;
                m
            }
            Err(e) => return Err(e),
        };
        if let Some(n) = opts.ngram
            && n != manifest.ngram
        {
            return Err(Error::InvalidOption(format!(
                "the index uses {}-word fingerprints, not {n}",
                manifest.ngram
            )));
        }
        let segments = open_segments(dir, &manifest, &[]).map_err(|e| {
            e.unwrap_or_else(|| Error::IndexCorrupt {
                path: dir.to_path_buf(),
                detail: "the manifest names files that do not exist".into(),
            })
        })?;
        let w = IndexWriter {
            dir: dir.to_path_buf(),
            _lock: lock,
            opts,
            manifest,
            segments,
            unmerged: Vec::new(),
            load: None,
            load_budget: load::load_budget(),
        };
        w.remove_unreferenced_files()?;
        Ok(w)
    }

    /// Bytes of postings a bulk load ([`IndexWriter::add_to_load`]) holds in memory before
    /// it moves them to a scratch file; by default a quarter of the available memory,
    /// within 256 MiB–4 GiB.
    pub fn set_load_budget(&mut self, bytes: usize) {
        self.load_budget = bytes.max(1);
    }

    /// The index folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Live documents.
    pub fn len(&self) -> u64 {
        self.manifest.live_documents()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Segments of the committed index.
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// A reader of the committed state.
    pub fn reader(&self) -> Result<IndexReader> {
        IndexReader::open(&self.dir)
    }

    /// Deletes files of the folder that the manifest does not name (leftovers of an
    /// interrupted change, or files a commit made obsolete).
    fn remove_unreferenced_files(&self) -> Result<()> {
        self.remove_files_except(&[&self.manifest])
    }

    /// After a failed change: deletes the files it left behind (a segment cut short by a
    /// full disk, a merge's unfinished output, their temporary files) at once, rather than
    /// at the next commit. Files named by the manifest on disk are kept too (a commit whose
    /// manifest was renamed in place before a later step failed); when that manifest cannot
    /// be read, nothing is deleted. Errors here are ignored: the change's own error is the
    /// one reported, and the next open or commit deletes what is left.
    fn remove_failed_files(&self) {
        if let Ok(on_disk) = Manifest::load(&self.dir) {
            let _ = self.remove_files_except(&[&self.manifest, &on_disk]);
        }
    }

    /// [`IndexWriter::remove_failed_files`] when `result` is an error.
    fn cleaned<T>(&self, result: Result<T>) -> Result<T> {
        if result.is_err() {
            self.remove_failed_files();
        }
        result
    }

    /// Deletes the index's files (`seg-*`, `MANIFEST.tmp`) that none of `manifests` names.
    fn remove_files_except(&self, manifests: &[&Manifest]) -> Result<()> {
        let mut keep: foldhash::HashSet<String> = foldhash::HashSet::default();
        for s in manifests.iter().flat_map(|m| &m.segments) {
            keep.insert(s.file_name());
            if let Some(t) = &s.tombstones {
                keep.insert(t.clone());
            }
        }
        // every file is tried; the first error is returned
        let mut first_error = Ok(());
        for e in fs::read_dir(&self.dir).at(&self.dir)? {
            let e = e.at(&self.dir)?;
            let name = e.file_name().to_string_lossy().into_owned();
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if (name.starts_with("seg-") || name == MANIFEST_TMP)
                && !keep.contains(&name)
                && !is_dir
            {
                let p = e.path();
                match fs::remove_file(&p) {
                    Err(err)
                        if err.kind() != std::io::ErrorKind::NotFound && first_error.is_ok() =>
                    {
                        first_error = Err(err).at(&p);
                    }
                    _ => {}
                }
            }
        }
        first_error
    }

    /// Commits `next` with the segments `segments` (which must match it).
    fn commit(&mut self, next: Manifest, segments: Vec<LiveSegment>) -> Result<()> {
        sync_dir(&self.dir)?;
        next.commit(&self.dir)?;
        self.manifest = next;
        self.segments = segments;
        self.remove_unreferenced_files()
    }

    /// Marks the live documents with these ids as deleted, segment by segment: returns the
    /// changed tombstones and the number of documents deleted per id.
    fn tombstones_for(&self, ids: &[&str]) -> Result<(Vec<Option<Tombstones>>, Vec<usize>)> {
        let per_segment: Vec<Vec<(usize, u32)>> = self
            .segments
            .par_iter()
            .map(|ls| {
                let mut hits = Vec::new();
                for (i, id) in ids.iter().enumerate() {
                    for local in ls.seg.find_id(id)? {
                        if !ls.tombstones.is_deleted(local) {
                            hits.push((i, local));
                        }
                    }
                }
                Ok(hits)
            })
            .collect::<Result<_>>()?;
        let mut found = vec![0usize; ids.len()];
        let changed = per_segment
            .into_iter()
            .zip(&self.segments)
            .map(|(hits, ls)| {
                if hits.is_empty() {
                    return None;
                }
                let mut t = ls.tombstones.clone();
                for (i, local) in hits {
                    if t.delete(local) {
                        found[i] += 1;
                    }
                }
                Some(t)
            })
            .collect();
        Ok((changed, found))
    }

    /// The manifest and segments after applying changed tombstones (writing their files);
    /// segments left without live documents are dropped.
    fn with_tombstones(
        &mut self,
        changed: Vec<Option<Tombstones>>,
        generation: u64,
    ) -> Result<(Vec<SegmentEntry>, Vec<LiveSegment>)> {
        let mut entries = Vec::with_capacity(self.segments.len());
        let mut segments = Vec::with_capacity(self.segments.len());
        let old = std::mem::take(&mut self.segments);
        for ((mut ls, mut entry), t) in old
            .into_iter()
            .zip(self.manifest.segments.clone())
            .zip(changed)
        {
            if let Some(t) = t {
                entry.deleted = t.count();
                if entry.live() > 0 {
                    let name = tombstone_file_name(entry.id, generation);
                    if let Err(e) = t.store(&self.dir.join(&name)) {
                        // restore the writer's state before failing
                        self.segments = Vec::new();
                        return Err(e);
                    }
                    entry.tombstones = Some(name);
                }
                ls.tombstones = t;
            }
            if entry.live() > 0 {
                entries.push(entry);
                segments.push(ls);
            }
        }
        Ok((entries, segments))
    }

    /// Adds a batch of documents as one commit; a document whose id is already in the index
    /// replaces it (within the batch, the last document with an id wins). Then merges size
    /// tiers that are full.
    pub fn add(&mut self, docs: Vec<Document>) -> Result<AddSummary> {
        let (summary, _) = self.add_batch(docs)?;
        self.merge_if_needed()?;
        Ok(summary)
    }

    /// [`IndexWriter::add`] without merging: one batch of a bulk load, which ends with
    /// [`IndexWriter::merge_added`].
    pub fn add_unmerged(&mut self, docs: Vec<Document>) -> Result<AddSummary> {
        let (summary, segment) = self.add_batch(docs)?;
        self.unmerged.extend(segment);
        Ok(summary)
    }

    /// Commits the pending bulk load ([`IndexWriter::add_to_load`]), then merges the
    /// segments of the batches added by [`IndexWriter::add_unmerged`] and of the load since
    /// the last call into one (those still holding live documents), then merges size tiers
    /// that are full. Returns the number of segments merged (0 when there was nothing to merge).
    pub fn merge_added(&mut self) -> Result<usize> {
        self.commit_load()?;
        let unmerged = std::mem::take(&mut self.unmerged);
        let pick: Vec<usize> = self
            .manifest
            .segments
            .iter()
            .enumerate()
            .filter(|(_, e)| unmerged.contains(&e.id))
            .map(|(i, _)| i)
            .collect();
        let merged = if pick.len() > 1 {
            self.merge(&pick)?;
            pick.len()
        } else {
            0
        };
        self.merge_if_needed()?;
        Ok(merged)
    }

    /// Commits one batch; returns what it did and its new segment (`None` when the batch
    /// was empty).
    fn add_batch(&mut self, docs: Vec<Document>) -> Result<(AddSummary, Option<u64>)> {
        self.commit_load()?;
        let result = self.write_batch(docs);
        self.cleaned(result)
    }

    fn write_batch(&mut self, docs: Vec<Document>) -> Result<(AddSummary, Option<u64>)> {
        let kept = last_of_each_id(&docs);
        if kept.is_empty() {
            return Ok((AddSummary::default(), None));
        }
        let ids: Vec<&str> = kept.iter().map(|d| d.id.as_str()).collect();
        let (changed, found) = self.tombstones_for(&ids)?;
        let replaced = found.iter().filter(|&&n| n > 0).count();

        // postings of the batch: (fingerprint, document), sorted, deduplicated
        let ngram = self.manifest.ngram;
        let mut postings: Vec<(u64, u32)> = kept
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, d)| {
                let mut fps = ngram_fingerprints(&Tokens::new(&d.text).hashes, ngram);
                fps.sort_unstable();
                fps.dedup();
                fps.into_iter().map(move |f| (f, i as u32))
            })
            .collect();
        postings.par_sort_unstable();

        let id = self.manifest.next_segment;
        let generation = self.manifest.generation + 1;
        let path = self.dir.join(segment_file_name(id));
        let mut b = SegmentBuilder::create(&path, ngram)?;
        for d in &kept {
            b.add_doc(&d.id, &d.meta, &d.text)?;
        }
        let keys = postings.chunk_by(|x, y| x.0 == y.0).count() as u64;
        let mut w = b.start_postings(keys)?;
        let mut docs_of_key = Vec::new();
        for g in postings.chunk_by(|x, y| x.0 == y.0) {
            docs_of_key.clear();
            docs_of_key.extend(g.iter().map(|p| p.1));
            w.push(g[0].0, &docs_of_key)?;
        }
        drop(postings);
        w.finish()?;
        let seg = Segment::open(&self.dir, id)?;

        let (mut entries, mut segments) = self.with_tombstones(changed, generation)?;
        entries.push(SegmentEntry {
            id,
            docs: seg.docs(),
            deleted: 0,
            tombstones: None,
        });
        let tombstones = Tombstones::new(seg.docs());
        segments.push(LiveSegment {
            seg: std::sync::Arc::new(seg),
            tombstones,
        });
        let next = Manifest {
            generation,
            next_segment: id + 1,
            segments: entries,
            ..self.manifest.clone()
        };
        self.commit(next, segments)?;
        Ok((
            AddSummary {
                added: kept.len(),
                replaced,
            },
            Some(id),
        ))
    }

    /// Removes the documents with these ids, as one commit.
    pub fn remove<S: AsRef<str>>(&mut self, ids: &[S]) -> Result<RemoveSummary> {
        self.commit_load()?;
        let ids: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
        let (changed, found) = self.tombstones_for(&ids)?;
        let missing: Vec<String> = ids
            .iter()
            .zip(&found)
            .filter(|(_, n)| **n == 0)
            .map(|(id, _)| id.to_string())
            .collect();
        let removed = found.iter().sum();
        if removed == 0 {
            return Ok(RemoveSummary { removed, missing });
        }
        let generation = self.manifest.generation + 1;
        let result = self
            .with_tombstones(changed, generation)
            .and_then(|(entries, segments)| {
                let next = Manifest {
                    generation,
                    segments: entries,
                    ..self.manifest.clone()
                };
                self.commit(next, segments)
            });
        self.cleaned(result)?;
        Ok(RemoveSummary { removed, missing })
    }

    /// Merges segments while a size tier holds `merge_factor` of them.
    pub fn merge_if_needed(&mut self) -> Result<()> {
        self.commit_load()?;
        let f = self.opts.merge_factor as u64;
        loop {
            let tier = |live: u32| {
                let (mut t, mut n) = (0u32, u64::from(live.max(1)));
                while n >= f {
                    n /= f;
                    t += 1;
                }
                t
            };
            let mut tiers: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
            for (i, e) in self.manifest.segments.iter().enumerate() {
                tiers.entry(tier(e.live())).or_default().push(i);
            }
            let Some(pick) = tiers.into_values().find(|v| v.len() as u64 >= f) else {
                return Ok(());
            };
            self.merge(&pick)?;
        }
    }

    /// Merges the small segments into one, when there are at least two: those holding at
    /// most a `merge_factor`-th of the live documents of the largest. These are what
    /// writes of a few documents at a time leave behind (each write commits one, and size
    /// tiers merge them only `merge_factor` at a time); the bulk of the index, including
    /// every segment of comparable size to the largest (several bulk loads, say), is not
    /// rewritten. Returns the number of segments merged (0 when there was nothing to merge).
    pub fn merge_small(&mut self) -> Result<usize> {
        self.commit_load()?;
        let largest = self.manifest.segments.iter().map(|e| e.live()).max();
        let Some(largest) = largest else {
            return Ok(0);
        };
        let f = self.opts.merge_factor.max(1) as u64;
        let pick: Vec<usize> = (0..self.manifest.segments.len())
            .filter(|&i| u64::from(self.manifest.segments[i].live()) * f <= u64::from(largest))
            .collect();
        if pick.len() < 2 {
            return Ok(0);
        }
        self.merge(&pick)?;
        Ok(pick.len())
    }

    /// Merges every segment into one (dropping deleted documents).
    pub fn merge_all(&mut self) -> Result<()> {
        self.commit_load()?;
        if self.segments.len() > 1 || self.manifest.segments.iter().any(|s| s.deleted > 0) {
            let all: Vec<usize> = (0..self.segments.len()).collect();
            self.merge(&all)?;
        }
        Ok(())
    }

    /// Merges the segments at positions `pick` (increasing) into one new segment.
    fn merge(&mut self, pick: &[usize]) -> Result<()> {
        let result = self.write_merge(pick);
        self.cleaned(result)
    }

    fn write_merge(&mut self, pick: &[usize]) -> Result<()> {
        let id = self.manifest.next_segment;
        let generation = self.manifest.generation + 1;
        let path = self.dir.join(segment_file_name(id));
        let src: Vec<&LiveSegment> = pick.iter().map(|&i| &self.segments[i]).collect();
        let mut b = SegmentBuilder::create(&path, self.manifest.ngram)?;
        let mut remap: Vec<Vec<u32>> = Vec::with_capacity(src.len());
        for ls in &src {
            let mut hash_of = vec![0u64; ls.seg.docs() as usize];
            for (h, local) in ls.seg.id_table() {
                hash_of[local as usize] = h;
            }
            let mut map = vec![u32::MAX; ls.seg.docs() as usize];
            for local in ls.live_docs() {
                let source = ls
                    .seg
                    .source_of(local)
                    .map(|s| ls.seg.sources[s as usize].as_str());
                map[local as usize] =
                    b.add_blob(ls.seg.blob(local)?, hash_of[local as usize], source)?;
            }
            remap.push(map);
        }
        let live = b.docs();
        let segs: Vec<&Segment> = src.iter().map(|ls| &*ls.seg).collect();
        let mut w = b.start_postings(merged_keys_estimate(&segs, &remap)?)?;
        merge_postings(&segs, &remap, None, |k, docs| w.push(k, docs))?;
        w.finish()?;

        let mut entries = Vec::new();
        let mut segments = Vec::new();
        let old = std::mem::take(&mut self.segments);
        for (i, (ls, e)) in old.into_iter().zip(&self.manifest.segments).enumerate() {
            if !pick.contains(&i) {
                entries.push(e.clone());
                segments.push(ls);
            }
        }
        if live > 0 {
            let seg = Segment::open(&self.dir, id)?;
            entries.push(SegmentEntry {
                id,
                docs: live,
                deleted: 0,
                tombstones: None,
            });
            segments.push(LiveSegment {
                tombstones: Tombstones::new(seg.docs()),
                seg: std::sync::Arc::new(seg),
            });
        }
        let next = Manifest {
            generation,
            next_segment: id + 1,
            segments: entries,
            ..self.manifest.clone()
        };
        self.commit(next, segments)
    }
}

/// The documents of a batch to store: the last of each id, in order.
fn last_of_each_id(docs: &[Document]) -> Vec<&Document> {
    let mut last: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    for (i, d) in docs.iter().enumerate() {
        last.insert(d.id.as_str(), i);
    }
    docs.iter()
        .enumerate()
        .filter(|(i, d)| last[d.id.as_str()] == *i)
        .map(|(_, d)| d)
        .collect()
}

/// Calls `f(key, documents)` for every key of the segments `segs` (below `upto`, if given),
/// in key order, with the documents of all of them renumbered by `remap` (one table per
/// segment, `u32::MAX` for a document dropped); keys left without documents are skipped.
fn merge_postings(
    segs: &[&Segment],
    remap: &[Vec<u32>],
    upto: Option<u64>,
    mut f: impl FnMut(u64, &[u32]) -> Result<()>,
) -> Result<()> {
    let mut iters: Vec<_> = segs.iter().map(|s| s.entries()).collect();
    let mut heads: Vec<Option<Postings<'_>>> = vec![None; segs.len()];
    let mut heap = BinaryHeap::new();
    for (i, it) in iters.iter_mut().enumerate() {
        if let Some(e) = it.next() {
            let (k, p) = e?;
            heads[i] = Some(p);
            heap.push(Reverse((k, i)));
        }
    }
    let mut same = Vec::new();
    let mut docs = Vec::new();
    while let Some(Reverse((k, i))) = heap.pop() {
        if upto.is_some_and(|u| k >= u) {
            break;
        }
        same.clear();
        same.push(i);
        while let Some(&Reverse((k2, j))) = heap.peek() {
            if k2 != k {
                break;
            }
            heap.pop();
            same.push(j);
        }
        same.sort_unstable();
        docs.clear();
        for &j in &same {
            let p = heads[j].take().expect("head of a heap entry");
            docs.extend(
                p.iter()
                    .map(|d| remap[j][d as usize])
                    .filter(|&d| d != u32::MAX),
            );
            if let Some(e) = iters[j].next() {
                let (k2, p2) = e?;
                heads[j] = Some(p2);
                heap.push(Reverse((k2, j)));
            }
        }
        if !docs.is_empty() {
            f(k, &docs)?;
        }
    }
    Ok(())
}

/// About how many keys [`merge_postings`] of `segs` yields, to size the merged segment's
/// table (its spacing, not its correctness, depends on it). Counted exactly for small
/// merges; for large ones, counted over the lowest 1/64 of the key range and scaled (the
/// keys are hashes, spread evenly: some 1.3 million keys counted for 100k documents, a
/// relative error near 0.1 %), which spares writing the entries to a scratch file first.
fn merged_keys_estimate(segs: &[&Segment], remap: &[Vec<u32>]) -> Result<u64> {
    const EXACT_BELOW: u64 = 1 << 20;
    const SAMPLE_SHIFT: u32 = 6;
    let total: u64 = segs.iter().map(|s| s.keys()).sum();
    let (upto, scale) = if total < EXACT_BELOW {
        (None, 1)
    } else {
        (Some(1u64 << (64 - SAMPLE_SHIFT)), 1u64 << SAMPLE_SHIFT)
    };
    let mut n = 0u64;
    merge_postings(segs, remap, upto, |_, _| {
        n += 1;
        Ok(())
    })?;
    Ok(n * scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chorus_core::Metadata;

    /// Segment `id` in `dir` with one document and postings `keys` (all in it).
    fn segment(dir: &Path, id: u64, keys: &[u64]) -> Segment {
        let mut b = SegmentBuilder::create(&dir.join(segment_file_name(id)), 5).unwrap();
        b.add_doc(&format!("d{id}"), &Metadata::default(), "text")
            .unwrap();
        let mut w = b.start_postings(keys.len() as u64).unwrap();
        for &k in keys {
            w.push(k, &[0]).unwrap();
        }
        w.finish().unwrap();
        Segment::open(dir, id).unwrap()
    }

    /// Every key of every segment, the extremes of the key range included, once, in order,
    /// with the documents renumbered and dropped ones left out; and a bound stops the walk.
    #[test]
    fn merged_postings_keep_every_key_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let a = segment(dir.path(), 1, &[0, 7, 1 << 40, u64::MAX]);
        let b = segment(dir.path(), 2, &[7, 9, u64::MAX]);
        let c = segment(dir.path(), 3, &[5, 9]);
        let segs = [&a, &b, &c];
        // c's document is dropped
        let remap = vec![vec![0], vec![1], vec![u32::MAX]];
        let mut got = Vec::new();
        merge_postings(&segs, &remap, None, |k, d| {
            got.push((k, d.to_vec()));
            Ok(())
        })
        .unwrap();
        let want = vec![
            (0, vec![0]),
            (7, vec![0, 1]),
            (9, vec![1]),
            (1 << 40, vec![0]),
            (u64::MAX, vec![0, 1]),
        ];
        assert_eq!(got, want);
        let mut below = 0;
        merge_postings(&segs, &remap, Some(1 << 40), |_, _| {
            below += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(below, 3);
        assert_eq!(merged_keys_estimate(&segs, &remap).unwrap(), 5);
    }
}
