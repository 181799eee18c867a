//! Segment files: immutable, memory-mapped, one per committed batch (or merge).
//!
//! A segment holds its documents (id, metadata, original text) and an inverted index from
//! each n-gram fingerprint to the documents containing it. It is written once, front to
//! back, synced, and never modified; deletions live in separate tombstone files. Layout
//! (little-endian; sections start where the footer says):
//!
//! ```text
//! blobs      per document: u32 header length, header JSON {"id", "meta"}, text bytes
//! offsets    u64 × (docs + 1): where each blob starts (and the end of the last)
//! id hashes  u64 × docs, sorted: xxh3 of each id   } binary search by id
//! id locals  u32 × docs: the document of each hash  }
//! sources    u32 × docs: index into the source table (u32::MAX: no source)
//! source tbl JSON array of distinct source names
//! entries    12 bytes × keys, sorted by key: u64 fingerprint, u32 value
//! overflow   u32 × n: posting lists of fingerprints found in several documents
//! directory  u64 × (2^bits + 1): first entry whose top `bits` bits are ≥ i
//! footer     fixed size: magic, format version, counts, section offsets, checksum, magic
//! ```
//!
//! An entry's value is the document itself when the fingerprint is in one document (the
//! common case: 12 bytes per posting), or `0x8000_0000 | i` where `overflow[i]` is the
//! count and `overflow[i+1..]` the sorted documents. A lookup reads the directory slot of the
//! fingerprint's top bits and binary-searches the few entries in it: two or three page
//! touches, whatever the segment's size. Positions are not stored: a query re-aligns its few
//! best candidates from their text.

use crate::error::{Error, IoContext, Result};
use crate::manifest::FORMAT_VERSION;
use chorus_core::Metadata;
use memmap2::Mmap;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::xxh3_64;

const MAGIC: &[u8; 8] = b"CHORSEG\x01";
const FOOTER_LEN: usize = 8 + 4 + 4 + 8 * 3 + 4 + 4 + 8 * 8 + 8 + 8;
const ENTRY: usize = 12;
const MANY: u32 = 0x8000_0000;
const NO_SOURCE: u32 = u32::MAX;

/// The xxh3 hash under which a document id is filed.
pub(crate) fn id_hash(id: &str) -> u64 {
    xxh3_64(id.as_bytes())
}

#[derive(Debug, Clone, Copy, Default)]
struct Footer {
    format_version: u32,
    ngram: u32,
    docs: u64,
    keys: u64,
    overflow_len: u64,
    dir_bits: u32,
    sources_len: u32,
    off_offsets: u64,
    off_id_hashes: u64,
    off_id_locals: u64,
    off_sources: u64,
    off_source_table: u64,
    off_entries: u64,
    off_overflow: u64,
    off_dir: u64,
}

impl Footer {
    fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(FOOTER_LEN);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&self.format_version.to_le_bytes());
        b.extend_from_slice(&self.ngram.to_le_bytes());
        for v in [self.docs, self.keys, self.overflow_len] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&self.dir_bits.to_le_bytes());
        b.extend_from_slice(&self.sources_len.to_le_bytes());
        for v in [
            self.off_offsets,
            self.off_id_hashes,
            self.off_id_locals,
            self.off_sources,
            self.off_source_table,
            self.off_entries,
            self.off_overflow,
            self.off_dir,
        ] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        let sum = xxh3_64(&b);
        b.extend_from_slice(&sum.to_le_bytes());
        b.extend_from_slice(MAGIC);
        debug_assert_eq!(b.len(), FOOTER_LEN);
        b
    }

    fn decode(b: &[u8]) -> std::result::Result<Footer, String> {
        if b.len() != FOOTER_LEN || &b[..8] != MAGIC || &b[FOOTER_LEN - 8..] != MAGIC {
            return Err("not a chorus segment (bad magic)".into());
        }
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let body = FOOTER_LEN - 16;
        if xxh3_64(&b[..body]) != u64_at(body) {
            return Err("footer checksum mismatch".into());
        }
        let o = 8 + 4 + 4 + 24 + 8;
        Ok(Footer {
            format_version: u32_at(8),
            ngram: u32_at(12),
            docs: u64_at(16),
            keys: u64_at(24),
            overflow_len: u64_at(32),
            dir_bits: u32_at(40),
            sources_len: u32_at(44),
            off_offsets: u64_at(o),
            off_id_hashes: u64_at(o + 8),
            off_id_locals: u64_at(o + 16),
            off_sources: u64_at(o + 24),
            off_source_table: u64_at(o + 32),
            off_entries: u64_at(o + 40),
            off_overflow: u64_at(o + 48),
            off_dir: u64_at(o + 56),
        })
    }
}

/// Identity and metadata of a stored document.
#[derive(Debug, Serialize, Deserialize)]
struct DocHeader<'a> {
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
    meta: Metadata,
}

/// Directory bits for about `keys` entries: some 32 entries per slot.
fn dir_bits_for(keys: u64) -> u32 {
    let mut bits = 0;
    while bits < 24 && (keys >> bits) > 32 {
        bits += 1;
    }
    bits
}

// ---------------------------------------------------------------------------------------
// writing

/// Bytes per write of a segment file. Whole 2 MiB writes at 2 MiB offsets leave the file in
/// the page cache as 2 MiB pages, which a reader that asks for them
/// ([`Segment::advise_huge_pages`]) maps with one TLB entry each instead of 512: a lookup's
/// random reads then cost one cache miss, not a page walk as well.
const WRITE_CHUNK: usize = 2 << 20;

/// A buffered file writer that writes only whole [`WRITE_CHUNK`]s (and the rest at the end).
struct ChunkedWriter {
    file: File,
    buf: Vec<u8>,
}

impl ChunkedWriter {
    fn new(file: File) -> ChunkedWriter {
        ChunkedWriter {
            file,
            buf: Vec::with_capacity(WRITE_CHUNK),
        }
    }

    /// Writes what is buffered and returns the file.
    fn into_inner(mut self) -> std::io::Result<File> {
        self.file.write_all(&self.buf)?;
        Ok(self.file)
    }
}

impl Write for ChunkedWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = data.len().min(WRITE_CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == WRITE_CHUNK {
            self.file.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(n)
    }

    /// Does nothing: a partial chunk is written by [`ChunkedWriter::into_inner`] only, so
    /// that every other write stays whole and aligned.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes one segment file front to back: documents first, then postings.
pub(crate) struct SegmentBuilder {
    path: PathBuf,
    out: ChunkedWriter,
    pos: u64,
    ngram: u32,
    offsets: Vec<u64>,
    ids: Vec<(u64, u32)>,
    sources: Vec<u32>,
    source_names: Vec<String>,
    source_index: foldhash::HashMap<String, u32>,
}

impl SegmentBuilder {
    pub fn create(path: &Path, ngram: usize) -> Result<SegmentBuilder> {
        let f = File::create(path).at(path)?;
        Ok(SegmentBuilder {
            path: path.to_path_buf(),
            out: ChunkedWriter::new(f),
            pos: 0,
            ngram: ngram as u32,
            offsets: Vec::new(),
            ids: Vec::new(),
            sources: Vec::new(),
            source_names: Vec::new(),
            source_index: foldhash::HashMap::default(),
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).at(&self.path)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn pad8(&mut self) -> Result<()> {
        let pad = (8 - self.pos % 8) % 8;
        self.write(&[0u8; 8][..pad as usize])
    }

    fn source_number(&mut self, source: Option<&str>) -> u32 {
        let Some(s) = source else { return NO_SOURCE };
        if let Some(&i) = self.source_index.get(s) {
            return i;
        }
        let i = self.source_names.len() as u32;
        self.source_names.push(s.to_string());
        self.source_index.insert(s.to_string(), i);
        i
    }

    /// Number of documents added so far (the next document's number).
    pub fn docs(&self) -> u32 {
        self.offsets.len() as u32
    }

    /// Stores a document; returns its number in the segment.
    pub fn add_doc(&mut self, id: &str, meta: &Metadata, text: &str) -> Result<u32> {
        let header = serde_json::to_vec(&DocHeader {
            id: id.into(),
            meta: meta.clone(),
        })
        .expect("header serialises");
        let mut blob = Vec::with_capacity(4 + header.len() + text.len());
        blob.extend_from_slice(&(header.len() as u32).to_le_bytes());
        blob.extend_from_slice(&header);
        blob.extend_from_slice(text.as_bytes());
        self.add_blob(&blob, id_hash(id), meta.source.as_deref())
    }

    /// Stores a document blob copied from another segment.
    pub fn add_blob(&mut self, blob: &[u8], id_hash: u64, source: Option<&str>) -> Result<u32> {
        let n = self.docs();
        self.offsets.push(self.pos);
        let src = self.source_number(source);
        self.sources.push(src);
        self.ids.push((id_hash, n));
        self.write(blob)?;
        Ok(n)
    }

    /// Ends the document part; `keys_bound` is an upper bound of the fingerprints to come
    /// (it sizes the directory).
    pub fn start_postings(mut self, keys_bound: u64) -> Result<PostingsWriter> {
        let mut f = Footer {
            format_version: FORMAT_VERSION,
            ngram: self.ngram,
            docs: self.offsets.len() as u64,
            ..Footer::default()
        };
        self.offsets.push(self.pos);
        self.pad8()?;
        f.off_offsets = self.pos;
        let mut buf = Vec::with_capacity(self.offsets.len() * 8);
        for o in &self.offsets {
            buf.extend_from_slice(&o.to_le_bytes());
        }
        self.write(&buf)?;
        self.ids.sort_unstable();
        f.off_id_hashes = self.pos;
        buf.clear();
        for (h, _) in &self.ids {
            buf.extend_from_slice(&h.to_le_bytes());
        }
        self.write(&buf)?;
        f.off_id_locals = self.pos;
        buf.clear();
        for (_, l) in &self.ids {
            buf.extend_from_slice(&l.to_le_bytes());
        }
        self.write(&buf)?;
        f.off_sources = self.pos;
        buf.clear();
        for s in &self.sources {
            buf.extend_from_slice(&s.to_le_bytes());
        }
        self.write(&buf)?;
        f.off_source_table = self.pos;
        let table = serde_json::to_vec(&self.source_names).expect("sources serialise");
        f.sources_len = table.len() as u32;
        self.write(&table)?;
        self.pad8()?;
        f.off_entries = self.pos;
        f.dir_bits = dir_bits_for(keys_bound);
        let overflow_path = self.path.with_extension("ovf.tmp");
        let overflow = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&overflow_path)
            .at(&overflow_path)?;
        let overflow = BufWriter::new(overflow);
        Ok(PostingsWriter {
            seg: self,
            footer: f,
            dir: Vec::with_capacity((1usize << f.dir_bits) + 1),
            last_key: None,
            overflow_path,
            overflow,
        })
    }
}

/// Second half of a segment: fingerprints in increasing order with their documents.
pub(crate) struct PostingsWriter {
    seg: SegmentBuilder,
    footer: Footer,
    dir: Vec<u64>,
    last_key: Option<u64>,
    overflow_path: PathBuf,
    overflow: BufWriter<File>,
}

impl PostingsWriter {
    /// Adds one fingerprint (greater than the previous one) and its sorted documents.
    pub fn push(&mut self, key: u64, docs: &[u32]) -> Result<()> {
        debug_assert!(self.last_key.is_none_or(|k| k < key));
        debug_assert!(!docs.is_empty());
        self.last_key = Some(key);
        let slot = if self.footer.dir_bits == 0 {
            0
        } else {
            (key >> (64 - self.footer.dir_bits)) as usize
        };
        while self.dir.len() <= slot {
            self.dir.push(self.footer.keys);
        }
        let value = if docs.len() == 1 {
            debug_assert!(docs[0] < MANY);
            docs[0]
        } else {
            let i = self.footer.overflow_len as u32;
            if i >= MANY {
                return Err(Error::InvalidOption("segment too large".into()));
            }
            let mut buf = Vec::with_capacity(4 * (docs.len() + 1));
            buf.extend_from_slice(&(docs.len() as u32).to_le_bytes());
            for d in docs {
                buf.extend_from_slice(&d.to_le_bytes());
            }
            self.overflow.write_all(&buf).at(&self.overflow_path)?;
            self.footer.overflow_len += docs.len() as u64 + 1;
            MANY | i
        };
        let mut e = [0u8; ENTRY];
        e[..8].copy_from_slice(&key.to_le_bytes());
        e[8..].copy_from_slice(&value.to_le_bytes());
        self.seg.write(&e)?;
        self.footer.keys += 1;
        Ok(())
    }

    /// Writes the overflow lists, the directory and the footer, and syncs the file.
    /// Returns the file's size.
    pub fn finish(mut self) -> Result<u64> {
        let slots = 1usize << self.footer.dir_bits;
        while self.dir.len() <= slots {
            self.dir.push(self.footer.keys);
        }
        self.footer.off_overflow = self.seg.pos;
        let mut ovf = self
            .overflow
            .into_inner()
            .map_err(|e| e.into_error())
            .at(&self.overflow_path)?;
        ovf.rewind().at(&self.overflow_path)?;
        let copied = std::io::copy(&mut ovf, &mut self.seg.out).at(&self.seg.path)?;
        debug_assert_eq!(copied, self.footer.overflow_len * 4);
        self.seg.pos += copied;
        drop(ovf);
        std::fs::remove_file(&self.overflow_path).at(&self.overflow_path)?;
        self.seg.pad8()?;
        self.footer.off_dir = self.seg.pos;
        let mut buf = Vec::with_capacity(self.dir.len() * 8);
        for d in &self.dir {
            buf.extend_from_slice(&d.to_le_bytes());
        }
        self.seg.write(&buf)?;
        let footer = self.footer.encode();
        self.seg.write(&footer)?;
        let f = self.seg.out.into_inner().at(&self.seg.path)?;
        f.sync_all().at(&self.seg.path)?;
        Ok(self.seg.pos)
    }
}

// ---------------------------------------------------------------------------------------
// reading

/// The documents holding one fingerprint in one segment.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Postings<'a> {
    One(u32),
    Many(&'a [u8]),
}

impl<'a> Postings<'a> {
    pub fn len(&self) -> usize {
        match self {
            Postings::One(_) => 1,
            Postings::Many(b) => b.len() / 4,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        let (one, many) = match *self {
            Postings::One(d) => (Some(d), &[][..]),
            Postings::Many(b) => (None, b),
        };
        one.into_iter().chain(
            many.chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))),
        )
    }
}

/// A stored document, borrowed from the mapped segment.
#[derive(Debug, Clone)]
pub(crate) struct StoredDoc<'a> {
    pub id: std::borrow::Cow<'a, str>,
    pub meta: Metadata,
    pub text: &'a str,
}

/// An open, memory-mapped segment.
pub(crate) struct Segment {
    id: u64,
    /// Which file was mapped (see [`Segment::is_file_at`]).
    identity: FileIdentity,
    path: PathBuf,
    map: Mmap,
    f: Footer,
    pub sources: Vec<String>,
    /// The directory, copied to memory by [`Segment::prepare_for_serving`] (`None` inside
    /// when the file's directory does not fit the compact form).
    dir: std::sync::OnceLock<Option<CompactDir>>,
}

/// What tells one file from another under the same name: device and inode on Unix, and
/// length and modification time everywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileIdentity {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
}

impl FileIdentity {
    fn of(m: &std::fs::Metadata) -> FileIdentity {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        FileIdentity {
            len: m.len(),
            modified: m.modified().ok(),
            #[cfg(unix)]
            inode: (m.dev(), m.ino()),
        }
    }
}

/// Asks the CPU to start loading the cache line of `p` (a hint; nothing off x86-64).
#[inline]
fn prefetch_ref<T>(p: &T) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    // SAFETY: a prefetch reads nothing architecturally and cannot fault.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            std::ptr::from_ref(p).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Directory slots that share one base in a [`CompactDir`].
const DIR_GROUP: usize = 64;

/// The directory of a segment kept in memory at a quarter of its size on disk: each
/// slot's first entry as a 16-bit offset from a base shared by [`DIR_GROUP`] slots. The
/// directory of a 100k-document segment is 8 MB this way (32 MB on disk), small enough to
/// stay in the processor's last-level cache under load, so that a lookup waits on memory
/// for its entry only.
struct CompactDir {
    bases: Vec<u64>,
    deltas: Vec<u16>,
}

impl CompactDir {
    /// Copies a directory: `first[i]` is the first entry of slot `i` (non-decreasing, at
    /// most `keys`). `None` when it is not, or when a group of slots spans more entries
    /// than 16 bits count: lookups then keep reading the file's directory, which checks
    /// every slot it reads.
    fn build(first: impl ExactSizeIterator<Item = u64>, keys: u64) -> Option<CompactDir> {
        let n = first.len();
        let mut bases = Vec::with_capacity(n.div_ceil(DIR_GROUP));
        let mut deltas = Vec::with_capacity(n);
        let mut prev = 0u64;
        for (i, v) in first.enumerate() {
            if v < prev || v > keys {
                return None;
            }
            prev = v;
            if i % DIR_GROUP == 0 {
                bases.push(v);
            }
            deltas.push(u16::try_from(v - bases[i / DIR_GROUP]).ok()?);
        }
        Some(CompactDir { bases, deltas })
    }

    #[inline]
    fn first(&self, slot: usize) -> u64 {
        self.bases[slot / DIR_GROUP] + u64::from(self.deltas[slot])
    }
}

/// Maps a segment file into memory.
#[allow(unsafe_code)]
fn map_file(file: &File) -> std::io::Result<Mmap> {
    // SAFETY: segment files are immutable once written: they are created under a name that
    // no committed manifest names yet, synced, and then only ever read or deleted (deleting
    // a mapped file keeps the mapping valid). Nothing truncates or rewrites them while
    // mapped, so the mapped bytes never change under us. Every read below is bounds-checked.
    unsafe { Mmap::map(file) }
}

impl Segment {
    /// Asks the kernel to map this segment with 2 MiB pages where the page cache holds them
    /// (Linux; see [`WRITE_CHUNK`]), and to read it in 2 MiB pieces when it does not. For a
    /// long-running reader (the server): a cold one-shot query would read more than it needs.
    pub fn advise_huge_pages(&self) {
        #[cfg(target_os = "linux")]
        let _ = self.map.advise(memmap2::Advice::HugePage);
    }

    pub fn open(dir: &Path, id: u64) -> Result<Segment> {
        let path = dir.join(crate::manifest::segment_file_name(id));
        let file = File::open(&path).at(&path)?;
        let identity = FileIdentity::of(&file.metadata().at(&path)?);
        let map = map_file(&file).at(&path)?;
        let corrupt = |detail: String| Error::IndexCorrupt {
            path: path.clone(),
            detail,
        };
        if map.len() < FOOTER_LEN {
            return Err(corrupt("file too short".into()));
        }
        let f = Footer::decode(&map[map.len() - FOOTER_LEN..]).map_err(corrupt)?;
        if f.format_version != FORMAT_VERSION {
            return Err(Error::FormatVersion {
                path,
                found: u64::from(f.format_version),
                expected: FORMAT_VERSION,
            });
        }
        let end = (map.len() - FOOTER_LEN) as u64;
        // writers use at most 24 bits; more would overflow the directory arithmetic
        if f.dir_bits > 32 {
            return Err(corrupt(format!("directory of {} bits", f.dir_bits)));
        }
        let dir_len = ((1u64 << f.dir_bits) + 1) * 8;
        let ok = f.off_offsets <= f.off_id_hashes
            && f.off_id_hashes == f.off_offsets + (f.docs + 1) * 8
            && f.off_id_locals == f.off_id_hashes + f.docs * 8
            && f.off_sources == f.off_id_locals + f.docs * 4
            && f.off_source_table == f.off_sources + f.docs * 4
            && f.off_source_table + u64::from(f.sources_len) <= f.off_entries
            && f.off_entries + f.keys * ENTRY as u64 <= f.off_overflow
            && f.off_overflow + f.overflow_len * 4 <= f.off_dir
            && f.off_dir + dir_len == end
            && f.docs < u64::from(MANY);
        if !ok {
            return Err(corrupt("inconsistent section offsets".into()));
        }
        let t0 = f.off_source_table as usize;
        let sources: Vec<String> = serde_json::from_slice(&map[t0..t0 + f.sources_len as usize])
            .map_err(|e| corrupt(format!("source table: {e}")))?;
        Ok(Segment {
            id,
            identity,
            path,
            map,
            f,
            sources,
            dir: std::sync::OnceLock::new(),
        })
    }

    /// Whether segment `id` of the index in `dir` is the file this segment mapped (and not,
    /// say, a file of the same name in an index created anew in the same folder).
    pub fn is_file_at(&self, dir: &Path, id: u64) -> bool {
        id == self.id
            && std::fs::metadata(dir.join(crate::manifest::segment_file_name(id)))
                .is_ok_and(|m| FileIdentity::of(&m) == self.identity)
    }

    /// Readies the segment for many queries (once; later calls return at once):
    /// - maps it with 2 MiB pages (Linux), see [`Segment::advise_huge_pages`];
    /// - with `populate`, reads the whole file into the mapping now (Linux 5.14+), so that
    ///   the first queries do not stall on page faults: on the 100k-document benchmark index,
    ///   a freshly started server otherwise had a p99 near a second for its first seconds;
    /// - copies the directory to memory in compact form ([`CompactDir`]), some 15 ms for a
    ///   100k-document segment, which saves each lookup a wait on memory.
    pub fn prepare_for_serving(&self, populate: bool) {
        self.dir.get_or_init(|| {
            self.advise_huge_pages();
            #[cfg(target_os = "linux")]
            if populate {
                // a hint: kernels before 5.14 refuse it, and queries then fault pages in
                let _ = self.map.advise(memmap2::Advice::PopulateRead);
            }
            #[cfg(not(target_os = "linux"))]
            let _ = populate;
            let slots = (1usize << self.f.dir_bits) + 1;
            let first = (0..slots).map(|i| self.u64_at(self.f.off_dir + i as u64 * 8));
            CompactDir::build(first, self.f.keys)
        });
    }

    fn compact_dir(&self) -> Option<&CompactDir> {
        self.dir.get().and_then(Option::as_ref)
    }

    pub fn ngram(&self) -> usize {
        self.f.ngram as usize
    }

    pub fn docs(&self) -> u32 {
        self.f.docs as u32
    }

    pub fn keys(&self) -> u64 {
        self.f.keys
    }

    pub fn len_bytes(&self) -> u64 {
        self.map.len() as u64
    }

    fn u64_at(&self, off: u64) -> u64 {
        let o = off as usize;
        u64::from_le_bytes(self.map[o..o + 8].try_into().expect("8 bytes"))
    }

    /// Asks the CPU to start loading the cache line at `off` (a hint: nothing happens off
    /// x86-64 or outside the mapping). Lookups issue these for all their keys before reading
    /// any, so that the cache misses of a query overlap instead of queueing one by one.
    #[inline]
    fn prefetch(&self, off: u64) {
        if let Some(b) = self.map.get(off as usize) {
            prefetch_ref(b);
        }
    }

    fn u32_at(&self, off: u64) -> u32 {
        let o = off as usize;
        u32::from_le_bytes(self.map[o..o + 4].try_into().expect("4 bytes"))
    }

    fn corrupt(&self, detail: impl Into<String>) -> Error {
        Error::IndexCorrupt {
            path: self.path.clone(),
            detail: detail.into(),
        }
    }

    /// The raw blob of document `local`.
    pub fn blob(&self, local: u32) -> Result<&[u8]> {
        let b = self.u64_at(self.f.off_offsets + u64::from(local) * 8);
        let e = self.u64_at(self.f.off_offsets + u64::from(local) * 8 + 8);
        if b > e || e > self.f.off_offsets {
            return Err(self.corrupt(format!("document {local}: bad offsets")));
        }
        Ok(&self.map[b as usize..e as usize])
    }

    /// The header bytes and the text bytes of document `local`.
    fn split_blob(&self, local: u32) -> Result<(&[u8], &[u8])> {
        let blob = self.blob(local)?;
        let bad = |what: &str| self.corrupt(format!("document {local}: {what}"));
        if blob.len() < 4 {
            return Err(bad("blob too short"));
        }
        let hl = u32::from_le_bytes(blob[..4].try_into().expect("4 bytes")) as usize;
        if 4 + hl > blob.len() {
            return Err(bad("header longer than blob"));
        }
        Ok((&blob[4..4 + hl], &blob[4 + hl..]))
    }

    /// The text of document `local` (without reading its id and metadata).
    pub fn text(&self, local: u32) -> Result<&str> {
        let (_, text) = self.split_blob(local)?;
        std::str::from_utf8(text)
            .map_err(|_| self.corrupt(format!("document {local}: text not UTF-8")))
    }

    /// Document `local`: id, metadata and text.
    pub fn doc(&self, local: u32) -> Result<StoredDoc<'_>> {
        let (header, _) = self.split_blob(local)?;
        let header: DocHeader<'_> = serde_json::from_slice(header)
            .map_err(|e| self.corrupt(format!("document {local}: {e}")))?;
        Ok(StoredDoc {
            id: header.id,
            meta: header.meta,
            text: self.text(local)?,
        })
    }

    /// Source-table index of document `local` (`None`: no source).
    pub fn source_of(&self, local: u32) -> Option<u32> {
        let s = self.u32_at(self.f.off_sources + u64::from(local) * 4);
        (s != NO_SOURCE).then_some(s)
    }

    /// `(id hash, document)` pairs, sorted by hash.
    pub fn id_table(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        (0..self.f.docs).map(move |i| {
            (
                self.u64_at(self.f.off_id_hashes + i * 8),
                self.u32_at(self.f.off_id_locals + i * 4),
            )
        })
    }

    /// Documents whose id hashes to `hash` (almost always at most one).
    fn docs_with_id_hash(&self, hash: u64) -> Vec<u32> {
        let n = self.f.docs;
        let (mut lo, mut hi) = (0u64, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.u64_at(self.f.off_id_hashes + mid * 8) < hash {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let mut out = Vec::new();
        while lo < n && self.u64_at(self.f.off_id_hashes + lo * 8) == hash {
            out.push(self.u32_at(self.f.off_id_locals + lo * 4));
            lo += 1;
        }
        out
    }

    /// The documents stored under `id` (at most one live one per index).
    pub fn find_id(&self, id: &str) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        for local in self.docs_with_id_hash(id_hash(id)) {
            if self.doc(local)?.id == id {
                out.push(local);
            }
        }
        Ok(out)
    }

    fn key_at(&self, i: u64) -> u64 {
        self.u64_at(self.f.off_entries + i * ENTRY as u64)
    }

    fn postings_at(&self, i: u64) -> Result<Postings<'_>> {
        let v = self.u32_at(self.f.off_entries + i * ENTRY as u64 + 8);
        if v & MANY == 0 {
            return Ok(Postings::One(v));
        }
        let at = u64::from(v & !MANY);
        if at >= self.f.overflow_len {
            return Err(self.corrupt("posting list out of range"));
        }
        let n = u64::from(self.u32_at(self.f.off_overflow + at * 4));
        if at + 1 + n > self.f.overflow_len {
            return Err(self.corrupt("posting list out of range"));
        }
        let b = (self.f.off_overflow + (at + 1) * 4) as usize;
        Ok(Postings::Many(&self.map[b..b + n as usize * 4]))
    }

    /// The documents holding fingerprint `key`.
    #[cfg(test)]
    pub fn lookup(&self, key: u64) -> Result<Option<Postings<'_>>> {
        let (lo, hi) = self.slot_range(key)?;
        if lo == hi {
            return Ok(None);
        }
        let i = self.guess(key, lo, hi);
        self.resolve(key, lo, hi, i, self.key_at(i))
    }

    /// [`Segment::lookup`] of every key in `keys`, into `out` (same order). The directory
    /// slots of all keys are read first, then the entries guessed for them, and only then
    /// is each lookup finished: the memory reads of different keys overlap instead of
    /// waiting on one another, which is most of a lookup's cost.
    pub fn lookup_many<'a>(
        &'a self,
        keys: &[u64],
        out: &mut Vec<Option<Postings<'a>>>,
    ) -> Result<()> {
        out.clear();
        match self.compact_dir() {
            Some(d) => {
                for &k in keys {
                    prefetch_ref(&d.deltas[self.slot(k) as usize]);
                }
            }
            None => {
                for &k in keys {
                    self.prefetch(self.f.off_dir + self.slot(k) * 8);
                }
            }
        }
        let ranges = keys
            .iter()
            .map(|&k| self.slot_range(k))
            .collect::<Result<Vec<_>>>()?;
        for (&k, &(lo, hi)) in keys.iter().zip(&ranges) {
            if lo < hi {
                self.prefetch(self.f.off_entries + self.guess(k, lo, hi) * ENTRY as u64);
            }
        }
        let firsts: Vec<(u64, u64)> = keys
            .iter()
            .zip(&ranges)
            .map(|(&k, &(lo, hi))| {
                if lo == hi {
                    (0, 0)
                } else {
                    let i = self.guess(k, lo, hi);
                    (i, self.key_at(i))
                }
            })
            .collect();
        for ((&k, &(lo, hi)), &(i, first)) in keys.iter().zip(&ranges).zip(&firsts) {
            out.push(if lo == hi {
                None
            } else {
                self.resolve(k, lo, hi, i, first)?
            });
        }
        Ok(())
    }

    /// The directory slot of `key`: its top `dir_bits` bits.
    #[inline]
    fn slot(&self, key: u64) -> u64 {
        if self.f.dir_bits == 0 {
            0
        } else {
            key >> (64 - self.f.dir_bits)
        }
    }

    /// The entries `[lo, hi)` whose keys share `key`'s directory slot.
    fn slot_range(&self, key: u64) -> Result<(u64, u64)> {
        let slot = self.slot(key);
        if let Some(d) = self.compact_dir() {
            // checked when it was built
            let s = slot as usize;
            return Ok((d.first(s), d.first(s + 1)));
        }
        let (lo, hi) = (
            self.u64_at(self.f.off_dir + slot * 8),
            self.u64_at(self.f.off_dir + slot * 8 + 8),
        );
        if lo > hi || hi > self.f.keys {
            return Err(self.corrupt("directory out of range"));
        }
        Ok((lo, hi))
    }

    /// Where `key` should be in the non-empty slot `[lo, hi)`: keys are hashes, spread
    /// evenly over the slot's key range, so interpolation lands on or next to it.
    fn guess(&self, key: u64, lo: u64, hi: u64) -> u64 {
        let bits = self.f.dir_bits;
        let offset = if bits == 0 { key } else { key << bits };
        let guess = lo + ((u128::from(offset) * u128::from(hi - lo)) >> 64) as u64;
        guess.min(hi - 1)
    }

    /// Finishes a lookup of `key` in `[lo, hi)` from entry `i`, whose key is `k`.
    fn resolve(
        &self,
        key: u64,
        lo: u64,
        hi: u64,
        mut i: u64,
        k: u64,
    ) -> Result<Option<Postings<'_>>> {
        let found = |i: u64, k: u64| {
            if k == key {
                self.postings_at(i).map(Some)
            } else {
                Ok(None)
            }
        };
        if k < key {
            loop {
                i += 1;
                if i == hi {
                    return Ok(None);
                }
                let k = self.key_at(i);
                if k >= key {
                    return found(i, k);
                }
            }
        }
        let mut k = k;
        loop {
            if k <= key {
                return found(i, k);
            }
            if i == lo {
                return Ok(None);
            }
            i -= 1;
            k = self.key_at(i);
        }
    }

    /// Every `(fingerprint, documents)` entry in key order (for merging).
    pub fn entries(&self) -> impl Iterator<Item = Result<(u64, Postings<'_>)>> + '_ {
        (0..self.f.keys).map(move |i| Ok((self.key_at(i), self.postings_at(i)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_writer_keeps_every_byte_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chunks");
        let mut w = ChunkedWriter::new(File::create(&path).unwrap());
        let mut want = Vec::new();
        let mut state = 7u64;
        while want.len() < 2 * WRITE_CHUNK + 12_345 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let piece: Vec<u8> = (0..(state >> 44) as usize % 300_000)
                .map(|i| (i as u64 ^ state) as u8)
                .collect();
            w.write_all(&piece).unwrap();
            want.extend_from_slice(&piece);
            // nothing but whole chunks reaches the file before the end
            assert_eq!(
                std::fs::metadata(&path).unwrap().len() as usize,
                want.len() / WRITE_CHUNK * WRITE_CHUNK
            );
        }
        w.flush().unwrap();
        w.into_inner().unwrap().sync_all().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), want);
    }

    fn build(dir: &Path, docs: &[(&str, &str, Option<&str>)], post: &[(u64, Vec<u32>)]) {
        let mut b = SegmentBuilder::create(&dir.join("seg-0000000001.seg"), 5).unwrap();
        for (id, text, src) in docs {
            let meta = Metadata {
                source: src.map(str::to_string),
                ..Metadata::default()
            };
            b.add_doc(id, &meta, text).unwrap();
        }
        let mut p = b.start_postings(post.len() as u64).unwrap();
        for (k, d) in post {
            p.push(*k, d).unwrap();
        }
        p.finish().unwrap();
    }

    #[test]
    fn writes_and_reads_documents_and_postings() {
        let dir = tempfile::tempdir().unwrap();
        // enough keys for a directory with several bits
        let mut post: Vec<(u64, Vec<u32>)> = (0..5000u64)
            .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15), vec![(i % 3) as u32]))
            .collect();
        post[7].1 = vec![0, 2];
        post.sort();
        build(
            dir.path(),
            &[
                ("a", "alpha text", Some("x")),
                ("b", "béta", None),
                ("c", "", Some("x")),
            ],
            &post,
        );
        let s = Segment::open(dir.path(), 1).unwrap();
        assert_eq!(s.docs(), 3);
        assert!(s.f.dir_bits > 3);
        assert_eq!(s.doc(1).unwrap().text, "béta");
        assert_eq!(s.doc(0).unwrap().meta.source.as_deref(), Some("x"));
        assert_eq!(s.find_id("c").unwrap(), vec![2]);
        assert!(s.find_id("zz").unwrap().is_empty());
        assert_eq!(s.sources, vec!["x".to_string()]);
        assert_eq!((s.source_of(2), s.source_of(1)), (Some(0), None));
        for (k, d) in &post {
            let got: Vec<u32> = s.lookup(*k).unwrap().unwrap().iter().collect();
            assert_eq!(&got, d);
        }
        assert!(s.lookup(12345).unwrap().is_none());
        assert_eq!(s.entries().count(), post.len());
        // batched lookups agree with single ones, for present keys, their neighbours
        // (absent, in the same directory slots) and the extremes of the key range
        let mut keys: Vec<u64> = post.iter().flat_map(|(k, _)| [*k, k ^ 1, k + 1]).collect();
        keys.extend([0, 1, u64::MAX, u64::MAX - 1, 12345]);
        let singles: Vec<Option<Vec<u32>>> = keys
            .iter()
            .map(|k| s.lookup(*k).unwrap().map(|p| p.iter().collect()))
            .collect();
        let batched = |s: &Segment| {
            let mut many = Vec::new();
            s.lookup_many(&keys, &mut many).unwrap();
            many.iter()
                .map(|p| p.as_ref().map(|p| p.iter().collect::<Vec<u32>>()))
                .collect::<Vec<_>>()
        };
        assert_eq!(batched(&s), singles);
        // and so do they with the directory cached in memory
        s.prepare_for_serving(true);
        assert!(s.compact_dir().is_some());
        assert_eq!(batched(&s), singles);
        assert_eq!(s.text(1).unwrap(), "béta");
    }

    #[test]
    fn compact_directory_keeps_every_slot_or_declines() {
        let first: Vec<u64> = (0..1000u64).map(|i| i * 37 + i % 5).collect();
        let keys = *first.last().unwrap();
        let d = CompactDir::build(first.iter().copied(), keys).unwrap();
        for (i, v) in first.iter().enumerate() {
            assert_eq!(d.first(i), *v);
        }
        // not monotonic, past the last key, or a group spanning more than 16 bits
        assert!(CompactDir::build([0, 5, 4].into_iter(), 10).is_none());
        assert!(CompactDir::build([0, 5, 11].into_iter(), 10).is_none());
        assert!(CompactDir::build([0, 1, 70_000].into_iter(), 70_000).is_none());
        assert!(CompactDir::build([0, 1, 65_535].into_iter(), 70_000).is_some());
    }

    #[test]
    fn rejects_damaged_files() {
        let dir = tempfile::tempdir().unwrap();
        build(dir.path(), &[("a", "text", None)], &[(1, vec![0])]);
        let path = dir.path().join("seg-0000000001.seg");
        let mut bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        bytes[n - 30] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            Segment::open(dir.path(), 1),
            Err(Error::IndexCorrupt { .. })
        ));
        std::fs::write(&path, b"short").unwrap();
        assert!(Segment::open(dir.path(), 1).is_err());
    }
}
