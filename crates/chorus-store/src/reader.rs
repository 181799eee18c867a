//! Reading an index: a consistent snapshot of the committed segments, queries and stats.
//!
//! [`IndexReader::open`] reads the manifest and maps the segments it names, so a reader sees
//! one commit whatever a writer does afterwards (files it mapped stay valid when a later
//! commit deletes them). A writer may delete a file between the moment a reader reads the
//! manifest and the moment it opens the file; the reader then starts over with the new
//! manifest.
//!
//! A query normalises the text once, looks each of its distinct fingerprints up in every
//! segment (its bucket of the segment's table, found in the directory), drops fingerprints
//! held by more than `max_df` documents (boilerplate, stock phrases), counts the
//! fingerprints each live document shares with the query, and aligns only the
//! `max_candidates` documents sharing the most, in parallel, with `chorus_core::query`.
//! The formula decision is `find`'s: where it needs the corpus (recurring stock lines), it
//! asks the index (see `stock_lines.rs`).

use crate::corpus::available_memory;
use crate::error::{Error, IoContext, Result};
use crate::manifest::{CommitStamp, FORMAT_VERSION, MANIFEST, Manifest};
use crate::segment::Segment;
use crate::stock_lines::AskedIndex;
use chorus_core::Document;
use chorus_core::align::AlignParams;
use chorus_core::query::{
    CandidateBuffers, FormulaMode, PreparedQuery, QueryMatch, QueryReport, match_text_with,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use xxhash_rust::xxh3::xxh3_64;

const TOMBSTONE_MAGIC: &[u8; 8] = b"CHORDEL\x01";

/// Deleted documents of one segment.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tombstones {
    bits: Vec<u64>,
}

impl Tombstones {
    pub fn new(docs: u32) -> Tombstones {
        Tombstones {
            bits: vec![0; (docs as usize).div_ceil(64)],
        }
    }

    pub fn is_deleted(&self, local: u32) -> bool {
        self.bits
            .get(local as usize / 64)
            .is_some_and(|w| w >> (local % 64) & 1 == 1)
    }

    pub fn delete(&mut self, local: u32) -> bool {
        let w = &mut self.bits[local as usize / 64];
        let was = *w >> (local % 64) & 1 == 1;
        *w |= 1 << (local % 64);
        !was
    }

    pub fn count(&self) -> u32 {
        self.bits.iter().map(|w| w.count_ones()).sum()
    }

    fn deleted(&self) -> impl Iterator<Item = u32> + '_ {
        self.bits.iter().enumerate().flat_map(|(i, &w)| {
            (0..64u32)
                .filter(move |b| w >> b & 1 == 1)
                .map(move |b| i as u32 * 64 + b)
        })
    }

    pub fn load(path: &Path, docs: u32) -> Result<Tombstones> {
        let bytes = std::fs::read(path).at(path)?;
        let corrupt = |d: &str| Error::IndexCorrupt {
            path: path.to_path_buf(),
            detail: d.to_string(),
        };
        if bytes.len() < 20 || &bytes[..8] != TOMBSTONE_MAGIC {
            return Err(corrupt("not a tombstone file"));
        }
        let body = bytes.len() - 8;
        let sum = u64::from_le_bytes(bytes[body..].try_into().expect("8 bytes"));
        if xxh3_64(&bytes[..body]) != sum {
            return Err(corrupt("checksum mismatch"));
        }
        let n = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize;
        if 12 + n * 4 != body {
            return Err(corrupt("bad length"));
        }
        let mut t = Tombstones::new(docs);
        for c in bytes[12..body].chunks_exact(4) {
            let d = u32::from_le_bytes(c.try_into().expect("4 bytes"));
            if d >= docs {
                return Err(corrupt("document out of range"));
            }
            t.delete(d);
        }
        Ok(t)
    }

    /// Writes and syncs the tombstone file.
    pub fn store(&self, path: &Path) -> Result<()> {
        let mut b = TOMBSTONE_MAGIC.to_vec();
        b.extend_from_slice(&self.count().to_le_bytes());
        for d in self.deleted() {
            b.extend_from_slice(&d.to_le_bytes());
        }
        let sum = xxh3_64(&b);
        b.extend_from_slice(&sum.to_le_bytes());
        use std::io::Write;
        let mut f = std::fs::File::create(path).at(path)?;
        f.write_all(&b).at(path)?;
        f.sync_all().at(path)
    }
}

/// One segment of a snapshot and its deletions.
pub(crate) struct LiveSegment {
    /// Shared by the snapshots that include it (segments never change).
    pub seg: Arc<Segment>,
    pub tombstones: Tombstones,
}

impl LiveSegment {
    pub fn live_docs(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.seg.docs()).filter(|&d| !self.tombstones.is_deleted(d))
    }
}

/// Opens every segment the manifest names, taking those already open in `reuse` from
/// there. `Err(None)` when a file vanished (a writer committed meanwhile): the caller reads
/// the manifest again.
pub(crate) fn open_segments(
    dir: &Path,
    m: &Manifest,
    reuse: &[LiveSegment],
) -> std::result::Result<Vec<LiveSegment>, Option<Error>> {
    let vanished = |e: Error| match e {
        Error::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound => None,
        e => Some(e),
    };
    let mut out = Vec::with_capacity(m.segments.len());
    for entry in &m.segments {
        let seg = match reuse.iter().find(|ls| ls.seg.is_file_at(dir, entry.id)) {
            Some(ls) => Arc::clone(&ls.seg),
            None => Arc::new(Segment::open(dir, entry.id).map_err(vanished)?),
        };
        if seg.docs() != entry.docs || seg.ngram() != m.ngram {
            return Err(Some(Error::IndexCorrupt {
                path: dir.join(entry.file_name()),
                detail: "segment does not match the manifest".into(),
            }));
        }
        let tombstones = match &entry.tombstones {
            Some(name) => Tombstones::load(&dir.join(name), entry.docs).map_err(vanished)?,
            None => Tombstones::new(entry.docs),
        };
        out.push(LiveSegment { seg, tombstones });
    }
    Ok(out)
}

/// Cache lines of each candidate's record requested before the first candidate is read
/// (the CPU's own prefetcher follows a sequential read from there). The first read of each
/// record (its length and header) was 0.73–1.82 % of `query_loop`'s samples in three runs
/// without, 0.06–0.23 % in three of four runs with (1.61 % in the fourth), plus 0.25 % for
/// the requests: a small gain.
const PREFETCH_LINES: u64 = 4;

/// Tunables of a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueryOptions {
    /// Fingerprints held by more documents than this are ignored. Default 1000.
    pub max_df: usize,
    /// Documents aligned against the query (those sharing the most fingerprints). Default 32.
    pub max_candidates: usize,
    /// Fingerprints a document must share with the query to be aligned. Default 3: most
    /// documents that share only two share a stock phrase, and aligning them was most of a
    /// query's cost (see BENCHMARKS.md, "Index").
    pub min_shared: usize,
    /// Alignment parameters; `ngram` is taken from the index.
    pub align: AlignParams,
    /// Align the candidates of one query on the rayon pool (default). A server running
    /// many queries at once turns it off: the queries already use every core, and handing
    /// each one to the pool costs thread switches and idle workers spinning for work.
    pub parallel: bool,
    /// What to do with formulaic language (see [`chorus_core::query`]). Default: leave it
    /// out.
    pub formulas: FormulaMode,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            max_df: 1000,
            max_candidates: 32,
            min_shared: 3,
            align: AlignParams::default(),
            parallel: true,
            formulas: FormulaMode::Out,
        }
    }
}

/// What `chorus index stats` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexStats {
    /// Live documents.
    pub documents: u64,
    /// Distinct sources of the live documents.
    pub sources: u64,
    /// Size of the files of the committed index.
    pub bytes_on_disk: u64,
    pub format_version: u32,
    /// Segment files (not part of the JSON stats of the CLI).
    #[serde(skip)]
    pub segments: usize,
    /// Stored but deleted documents, dropped at the next merge of their segment.
    #[serde(skip)]
    pub deleted: u64,
}

/// A read-only snapshot of a committed index.
pub struct IndexReader {
    dir: PathBuf,
    manifest: Manifest,
    /// The index's commit stamp just before the manifest was read.
    stamp: CommitStamp,
    segments: Vec<LiveSegment>,
    /// Per-document counters for [`IndexReader::candidates`], kept for the next query:
    /// one for each query running at once, each as long as the largest segment has
    /// documents, and all zero between queries.
    counters: Mutex<Vec<Vec<u32>>>,
}

impl IndexReader {
    /// Opens the last committed state of the index in `dir`.
    pub fn open(dir: impl AsRef<Path>) -> Result<IndexReader> {
        Self::open_reusing(dir.as_ref(), &[])
    }

    /// The last committed state of the same index, sharing with this snapshot the segments
    /// both include (segments never change: only new ones are opened, and whatever
    /// [`IndexReader::prepare_for_serving`] did for the shared ones stays done).
    pub fn reopen(&self) -> Result<IndexReader> {
        Self::open_reusing(&self.dir, &self.segments)
    }

    fn open_reusing(dir: &Path, reuse: &[LiveSegment]) -> Result<IndexReader> {
        let mut attempts = 0;
        loop {
            let stamp = CommitStamp::of(dir);
            let manifest = Manifest::load(dir)?;
            match open_segments(dir, &manifest, reuse) {
                Ok(segments) => {
                    return Ok(IndexReader {
                        dir: dir.to_path_buf(),
                        manifest,
                        stamp,
                        segments,
                        counters: Mutex::default(),
                    });
                }
                Err(Some(e)) => return Err(e),
                Err(None) if attempts < 20 => attempts += 1,
                Err(None) => {
                    return Err(Error::IndexCorrupt {
                        path: dir.to_path_buf(),
                        detail: "the manifest names files that do not exist".into(),
                    });
                }
            }
        }
    }

    /// Whether a commit (by any process) has changed the index since this snapshot was
    /// opened: one `stat`, no read ([`CommitStamp`]). Reopen with [`IndexReader::reopen`].
    pub fn is_stale(&self) -> bool {
        CommitStamp::of(&self.dir) != self.stamp
    }

    /// The index's [`CommitStamp`] when this snapshot was opened.
    pub fn commit_stamp(&self) -> CommitStamp {
        self.stamp
    }

    /// The commit this snapshot shows (incremented by every commit).
    pub fn generation(&self) -> u64 {
        self.manifest.generation
    }

    /// Words per fingerprint of this index.
    pub fn ngram(&self) -> usize {
        self.manifest.ngram
    }

    /// Segment files of this snapshot.
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// Number of live documents.
    pub fn len(&self) -> u64 {
        self.manifest.live_documents()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads every segment's table through and checks it (the segment verifier: keys in
    /// order and in their buckets, postings in range and sorted); the first damage found is
    /// an [`Error::IndexCorrupt`](crate::Error::IndexCorrupt). Footers, section offsets and
    /// the directory's ends are checked already when a segment is opened.
    pub fn verify(&self) -> Result<()> {
        for ls in &self.segments {
            ls.seg.verify()?;
        }
        Ok(())
    }

    /// Counts of the snapshot.
    pub fn stats(&self) -> Result<IndexStats> {
        let mut names: foldhash::HashSet<&str> = foldhash::HashSet::default();
        let mut bytes = std::fs::metadata(self.dir.join(MANIFEST))
            .map(|m| m.len())
            .unwrap_or(0);
        for (ls, entry) in self.segments.iter().zip(&self.manifest.segments) {
            bytes += ls.seg.len_bytes();
            if let Some(t) = &entry.tombstones {
                bytes += std::fs::metadata(self.dir.join(t))
                    .map(|m| m.len())
                    .unwrap_or(0);
            }
            let mut used = vec![false; ls.seg.sources.len()];
            for d in ls.live_docs() {
                if let Some(s) = ls.seg.source_of(d) {
                    used[s as usize] = true;
                }
            }
            for (s, u) in ls.seg.sources.iter().zip(used) {
                if u {
                    names.insert(s);
                }
            }
        }
        Ok(IndexStats {
            documents: self.len(),
            sources: names.len() as u64,
            bytes_on_disk: bytes,
            format_version: FORMAT_VERSION,
            segments: self.segments.len(),
            deleted: self
                .manifest
                .segments
                .iter()
                .map(|s| u64::from(s.deleted))
                .sum(),
        })
    }

    /// The live document stored under `id`.
    pub fn get(&self, id: &str) -> Result<Option<Document>> {
        for ls in &self.segments {
            for local in ls.seg.find_id(id)? {
                if !ls.tombstones.is_deleted(local) {
                    let d = ls.seg.doc(local)?;
                    return Ok(Some(Document {
                        id: d.id.into_owned(),
                        text: d.text.to_string(),
                        meta: d.meta,
                    }));
                }
            }
        }
        Ok(None)
    }

    /// The index's folder.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The open segments, in manifest order.
    pub(crate) fn segments(&self) -> &[LiveSegment] {
        &self.segments
    }

    /// Every live document, segment by segment.
    pub fn documents(&self) -> Result<Vec<Document>> {
        let mut out = Vec::with_capacity(self.len() as usize);
        for ls in &self.segments {
            for local in ls.live_docs() {
                let d = ls.seg.doc(local)?;
                out.push(Document {
                    id: d.id.into_owned(),
                    text: d.text.to_string(),
                    meta: d.meta,
                });
            }
        }
        Ok(out)
    }

    /// Live documents worth aligning against the query, ranked by the number of distinct
    /// query fingerprints they share: `(segment index, document, shared)`, best first, at
    /// most `opts.max_candidates`, each sharing at least `opts.min_shared`.
    pub(crate) fn candidates(
        &self,
        keys: &[u64],
        opts: &QueryOptions,
    ) -> Result<Vec<(usize, u32, u32)>> {
        let mut df = vec![0usize; keys.len()];
        let mut found = Vec::with_capacity(self.segments.len());
        for ls in &self.segments {
            let mut v = Vec::with_capacity(keys.len());
            ls.seg.lookup_many(keys, &mut v)?;
            for (d, p) in df.iter_mut().zip(&v) {
                *d += p.as_ref().map_or(0, |p| p.len());
            }
            found.push(v);
        }
        // a counter per document of the segment, and the documents whose counter is no
        // longer zero (a hash map of the documents cost three times as much)
        let mut counter = self
            .counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default();
        let longest = self.segments.iter().map(|ls| ls.seg.docs()).max();
        counter.resize(counter.len().max(longest.unwrap_or(0) as usize), 0);
        let mut touched = Vec::new();
        let mut ranked = Vec::new();
        for (si, (ls, v)) in self.segments.iter().zip(&found).enumerate() {
            for (p, &df) in v.iter().zip(&df) {
                let Some(p) = p else { continue };
                if df > opts.max_df {
                    continue;
                }
                for d in p.iter() {
                    // (only a corrupt segment holds a document past the longest segment)
                    let Some(c) = counter.get_mut(d as usize) else {
                        continue;
                    };
                    if *c == 0 {
                        if ls.tombstones.is_deleted(d) {
                            continue;
                        }
                        touched.push(d);
                    }
                    *c += 1;
                }
            }
            for &d in &touched {
                let c = std::mem::take(&mut counter[d as usize]);
                if c as usize >= opts.min_shared {
                    ranked.push((si, d, c));
                }
            }
            touched.clear();
        }
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(counter);
        ranked.sort_unstable_by(|x, y| y.2.cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
        ranked.truncate(opts.max_candidates);
        Ok(ranked)
    }

    /// Readies the snapshot for a reader that lives long and queries much, such as the
    /// server: each segment is mapped with 2 MiB pages (a lookup then costs one cache
    /// miss instead of a page walk and a miss), read into
    /// memory now when the index takes less than half the memory available (so that the
    /// first queries do not wait on page faults). Done once per segment: segments shared
    /// with an earlier snapshot ([`IndexReader::reopen`]) cost nothing. Blocks for as long as reading the new segments takes.
    pub fn prepare_for_serving(&self) {
        let bytes: u64 = self.segments.iter().map(|ls| ls.seg.len_bytes()).sum();
        let populate = available_memory().is_some_and(|avail| bytes < avail / 2);
        for ls in &self.segments {
            ls.seg.prepare_for_serving(populate);
        }
    }

    /// The documents that share passages with `text`, ranked.
    pub fn query(&self, text: &str, opts: &QueryOptions) -> Result<QueryReport> {
        let mut align = opts.align;
        align.ngram = self.manifest.ngram;
        let q = PreparedQuery::new(text, align.ngram);
        let keys = q.distinct_fingerprints();
        let cands = self.candidates(&keys, opts)?;
        // the candidates' records start loading while the first ones are aligned
        for (si, ls) in self.segments.iter().enumerate() {
            let locals = cands.iter().filter(move |c| c.0 == si).map(|c| c.1);
            ls.seg.prefetch_docs(locals, PREFETCH_LINES);
        }
        let one = |buf: &mut CandidateBuffers,
                   &(s, d, _): &(usize, u32, u32)|
         -> Result<Option<((usize, u32), QueryMatch)>> {
            let seg = &self.segments[s].seg;
            // the id and metadata are read only for documents that match
            match match_text_with(&q, seg.text(d)?, &align, buf) {
                Some(m) => {
                    let doc = seg.doc(d)?;
                    Ok(Some(((s, d), m.into_match(doc.id.into_owned(), doc.meta))))
                }
                None => Ok(None),
            }
        };
        let found: Vec<((usize, u32), QueryMatch)> = if opts.parallel {
            cands
                .par_iter()
                .map_init(CandidateBuffers::default, one)
                .collect::<Result<Vec<_>>>()?
        } else {
            let mut buf = CandidateBuffers::default();
            cands
                .iter()
                .map(|c| one(&mut buf, c))
                .collect::<Result<Vec<_>>>()?
        }
        .into_iter()
        .flatten()
        .collect();
        let (keys, matches): (Vec<_>, Vec<_>) = found.into_iter().unzip();
        // step 3 of the formula decision asks the index (see crate::stock_lines)
        let index = AskedIndex::new(self, &keys, &align, opts);
        Ok(QueryReport::ranked_in(
            &q,
            cands.len(),
            matches,
            opts.formulas,
            &index,
        )?)
    }
}
