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
//! table      12 bytes × table_len: u64 fingerprint, u32 value; in key order, with gaps
//! overflow   u32 × n: posting lists of fingerprints found in several documents
//! footer     fixed size: magic, format version, counts, section offsets, checksum, magic
//! ```
//!
//! An entry's value is the document itself when the fingerprint is in one document (the
//! common case: 12 bytes per posting), or `0x8000_0000 | i` where `overflow[i]` is the
//! count and `overflow[i+1..]` the sorted documents; `u32::MAX` marks an empty entry.
//!
//! **The table** is a sorted array with gaps, which needs no directory. A fingerprint's
//! *home* is its value scaled to the table's `slots` (`key × slots / 2⁶⁴`: where it would be
//! if the keys were spread perfectly evenly), and each entry sits at its home or, when that
//! is taken, right after the entry before it. With a third more slots than keys, an entry is
//! on average about one place past its home, so a lookup reads the cache line of the home
//! and finds the key there or on the next line: one wait on memory, where a directory cost a
//! second one. The entries stay in key order (a merge reads them in order). A lookup stops
//! at the first key above its own or at an empty entry (the entry after an empty one is at
//! its home, so every entry from there on has its home, and its key, past the key sought).
//!
//! Positions are not stored: a query re-aligns its few best candidates from their text.

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
const FOOTER_LEN: usize = 8 + 4 + 4 + 8 * 5 + 4 + 4 + 8 * 7 + 8 + 8;
const ENTRY: usize = 12;
const MANY: u32 = 0x8000_0000;
/// The value of an empty table entry.
const EMPTY: u32 = u32::MAX;
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
    /// The range of the entries' homes (see the module documentation).
    slots: u64,
    /// Entries in the table, empty ones included (at least `slots` when there are keys).
    table_len: u64,
    sources_len: u32,
    off_offsets: u64,
    off_id_hashes: u64,
    off_id_locals: u64,
    off_sources: u64,
    off_source_table: u64,
    off_overflow: u64,
    off_table: u64,
}

impl Footer {
    fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(FOOTER_LEN);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&self.format_version.to_le_bytes());
        b.extend_from_slice(&self.ngram.to_le_bytes());
        for v in [
            self.docs,
            self.keys,
            self.overflow_len,
            self.slots,
            self.table_len,
        ] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&self.sources_len.to_le_bytes());
        b.extend_from_slice(&[0u8; 4]);
        for v in [
            self.off_offsets,
            self.off_id_hashes,
            self.off_id_locals,
            self.off_sources,
            self.off_source_table,
            self.off_overflow,
            self.off_table,
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
        let o = 8 + 4 + 4 + 40 + 8;
        Ok(Footer {
            format_version: u32_at(8),
            ngram: u32_at(12),
            docs: u64_at(16),
            keys: u64_at(24),
            overflow_len: u64_at(32),
            slots: u64_at(40),
            table_len: u64_at(48),
            sources_len: u32_at(56),
            off_offsets: u64_at(o),
            off_id_hashes: u64_at(o + 8),
            off_id_locals: u64_at(o + 16),
            off_sources: u64_at(o + 24),
            off_source_table: u64_at(o + 32),
            off_overflow: u64_at(o + 40),
            off_table: u64_at(o + 48),
        })
    }
}

/// How many keys ahead of the one it finds [`Segment::lookup_many`] requests the cache
/// lines of a home. Requesting every key's first (as before) stalled on the CPU's dozen or
/// so outstanding misses, and the lines first fetched were evicted before they were read:
/// lookups and counting of a 4 KB query 0.072 → 0.066 ms (8 to 32 ahead alike; 64, 0.070).
const LOOKAHEAD: usize = 16;

/// Where `key` belongs in a table of `slots` homes: its place if keys were spread evenly.
#[inline]
fn home(key: u64, slots: u64) -> u64 {
    ((u128::from(key) * u128::from(slots)) >> 64) as u64
}

/// Homes for `keys` entries: a third more, so that an entry is on average about one place
/// past its home (linear placement at a load of 3/4).
fn slots_for(keys: u64) -> u64 {
    keys + keys.div_ceil(3)
}

/// Identity and metadata of a stored document.
#[derive(Debug, Serialize, Deserialize)]
struct DocHeader<'a> {
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
    meta: Metadata,
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

    /// Ends the document part: postings come next, about `keys` of them (the number sizes
    /// the table: lookups are right whatever it is, but the entries are spaced for it).
    pub fn start_postings(mut self, keys: u64) -> Result<PostingsWriter> {
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
        f.off_table = self.pos;
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
            last_key: None,
            overflow_path,
            overflow,
            table: TableLayout::new(keys),
        })
    }
}

/// Second half of a segment: fingerprints in increasing order with their documents.
pub(crate) struct PostingsWriter {
    seg: SegmentBuilder,
    footer: Footer,
    last_key: Option<u64>,
    overflow_path: PathBuf,
    overflow: BufWriter<File>,
    table: TableLayout,
}

/// Lays entries out in the table as they come in key order: each at its home or right
/// after the one before, empty entries in between.
struct TableLayout {
    slots: u64,
    /// The next free place.
    next: u64,
    /// Table bytes not yet written.
    buf: Vec<u8>,
}

impl TableLayout {
    fn new(keys: u64) -> TableLayout {
        TableLayout {
            slots: slots_for(keys).max(1),
            next: 0,
            buf: Vec::with_capacity(WRITE_CHUNK),
        }
    }

    fn put(&mut self, seg: &mut SegmentBuilder, key: u64, value: u32) -> Result<()> {
        let at = home(key, self.slots).max(self.next);
        self.empty_until(seg, at)?;
        self.push(key, value);
        self.next = at + 1;
        self.flush_if_full(seg)
    }

    fn push(&mut self, key: u64, value: u32) {
        self.buf.extend_from_slice(&key.to_le_bytes());
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    /// Empty entries up to place `at`.
    fn empty_until(&mut self, seg: &mut SegmentBuilder, at: u64) -> Result<()> {
        while self.next < at {
            self.push(0, EMPTY);
            self.next += 1;
            self.flush_if_full(seg)?;
        }
        Ok(())
    }

    fn flush_if_full(&mut self, seg: &mut SegmentBuilder) -> Result<()> {
        if self.buf.len() >= WRITE_CHUNK {
            seg.write(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes what is left, with empty entries up to the last home (so that a lookup never
    /// reads past the table); returns `(slots, table_len)`.
    fn finish(mut self, seg: &mut SegmentBuilder) -> Result<(u64, u64)> {
        self.empty_until(seg, self.slots)?;
        seg.write(&self.buf)?;
        Ok((self.slots, self.next))
    }
}

impl PostingsWriter {
    /// Adds one fingerprint (greater than the previous one) and its sorted documents.
    pub fn push(&mut self, key: u64, docs: &[u32]) -> Result<()> {
        debug_assert!(self.last_key.is_none_or(|k| k < key));
        debug_assert!(!docs.is_empty());
        self.last_key = Some(key);
        let value = if docs.len() == 1 {
            debug_assert!(docs[0] < MANY);
            docs[0]
        } else {
            let i = self.footer.overflow_len;
            // `MANY | i` must not reach EMPTY
            if i >= u64::from(!MANY) {
                return Err(Error::InvalidOption("segment too large".into()));
            }
            let mut buf = Vec::with_capacity(4 * (docs.len() + 1));
            buf.extend_from_slice(&(docs.len() as u32).to_le_bytes());
            for d in docs {
                buf.extend_from_slice(&d.to_le_bytes());
            }
            self.overflow.write_all(&buf).at(&self.overflow_path)?;
            self.footer.overflow_len += docs.len() as u64 + 1;
            MANY | i as u32
        };
        self.table.put(&mut self.seg, key, value)?;
        self.footer.keys += 1;
        Ok(())
    }

    /// Writes the rest of the table, the overflow lists and the footer, and syncs the file.
    /// Returns the file's size.
    pub fn finish(mut self) -> Result<u64> {
        let (slots, table_len) = self.table.finish(&mut self.seg)?;
        (self.footer.slots, self.footer.table_len) = (slots, table_len);

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
    /// Set once [`Segment::prepare_for_serving`] has run.
    prepared: std::sync::OnceLock<()>,
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
        let table_end = f
            .table_len
            .checked_mul(ENTRY as u64)
            .and_then(|b| b.checked_add(f.off_table));
        let ok = f.off_offsets <= f.off_id_hashes
            && f.off_id_hashes == f.off_offsets + (f.docs + 1) * 8
            && f.off_id_locals == f.off_id_hashes + f.docs * 8
            && f.off_sources == f.off_id_locals + f.docs * 4
            && f.off_source_table == f.off_sources + f.docs * 4
            && f.off_source_table + u64::from(f.sources_len) <= f.off_table
            && table_end == Some(f.off_overflow)
            && f.off_overflow + f.overflow_len * 4 == end
            && f.keys <= f.table_len
            && f.slots <= f.table_len
            && (f.keys == 0 || f.slots > 0)
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
            prepared: std::sync::OnceLock::new(),
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
    ///   a freshly started server otherwise had a p99 near a second for its first seconds.
    pub fn prepare_for_serving(&self, populate: bool) {
        self.prepared.get_or_init(|| {
            self.advise_huge_pages();
            #[cfg(target_os = "linux")]
            if populate {
                // a hint: kernels before 5.14 refuse it, and queries then fault pages in
                let _ = self.map.advise(memmap2::Advice::PopulateRead);
            }
            #[cfg(not(target_os = "linux"))]
            let _ = populate;
        });
    }

    pub fn ngram(&self) -> usize {
        self.f.ngram as usize
    }

    pub fn docs(&self) -> u32 {
        self.f.docs as u32
    }

    /// Fingerprints in the segment.
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
        let (b, e) = self.record_bounds(local);
        if b > e || e > self.f.off_offsets {
            return Err(self.corrupt(format!("document {local}: bad offsets")));
        }
        Ok(&self.map[b as usize..e as usize])
    }

    /// Asks the CPU to start loading the offsets of documents `locals`, then the first
    /// `lines` cache lines of each one's record (hints): a query's candidates are read one
    /// after the other, and each one's first reads would otherwise wait on memory.
    pub fn prefetch_docs(&self, locals: impl Iterator<Item = u32> + Clone, lines: u64) {
        // (a document past the segment's is an error its read reports)
        let locals = locals.filter(|&l| l < self.docs());
        for local in locals.clone() {
            let at = self.f.off_offsets + u64::from(local) * 8;
            self.prefetch(at);
            self.prefetch(at + 15);
        }
        for local in locals {
            let (b, e) = self.record_bounds(local);
            let e = e.min(self.f.off_offsets);
            for line in 0..lines {
                let at = b + line * 64;
                if at >= e {
                    break;
                }
                self.prefetch(at);
            }
        }
    }

    /// Where document `local`'s record begins and ends, as the offsets table says
    /// (unchecked).
    fn record_bounds(&self, local: u32) -> (u64, u64) {
        let at = self.f.off_offsets + u64::from(local) * 8;
        (self.u64_at(at), self.u64_at(at + 8))
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
        // checked on every read (the file may have been damaged since it was written), with
        // SIMD: std's check was 3 % of a loaded server's time, reading each candidate
        simdutf8::basic::from_utf8(text)
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

    /// Table entry `i`: its key and its value.
    #[inline]
    fn entry_at(&self, i: u64) -> (u64, u32) {
        let o = (self.f.off_table + i * ENTRY as u64) as usize;
        let e: &[u8; ENTRY] = self.map[o..o + ENTRY].try_into().expect("12 bytes");
        (
            u64::from_le_bytes(e[..8].try_into().expect("8 bytes")),
            u32::from_le_bytes(e[8..].try_into().expect("4 bytes")),
        )
    }

    /// The documents of an entry's value.
    fn postings_of(&self, v: u32) -> Result<Postings<'_>> {
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

    /// The value stored for `key`, if any: a scan of the table from the key's home.
    fn find(&self, key: u64) -> Option<u32> {
        let mut i = home(key, self.f.slots);
        while i < self.f.table_len {
            let (k, v) = self.entry_at(i);
            if v == EMPTY || k > key {
                return None;
            }
            if k == key {
                return Some(v);
            }
            i += 1;
        }
        None
    }

    /// The documents holding fingerprint `key`.
    #[cfg(test)]
    pub fn lookup(&self, key: u64) -> Result<Option<Postings<'_>>> {
        self.find(key).map(|v| self.postings_of(v)).transpose()
    }

    /// [`Segment::lookup`] of every key in `keys`, into `out` (same order). The cache lines
    /// of a key's home are requested [`LOOKAHEAD`] keys before it is found; once all are
    /// found, the overflow lists of those in several documents are requested, and only
    /// then read: the memory reads of different keys overlap instead of waiting on one
    /// another, which is most of a lookup's cost.
    pub fn lookup_many<'a>(
        &'a self,
        keys: &[u64],
        out: &mut Vec<Option<Postings<'a>>>,
    ) -> Result<()> {
        out.clear();
        let fetch = |k: u64| {
            let at = self.f.off_table + home(k, self.f.slots) * ENTRY as u64;
            // the home's line and the next: an entry is on average one place past its home
            self.prefetch(at);
            self.prefetch(at + 2 * ENTRY as u64 - 1);
        };
        for &k in keys.iter().take(LOOKAHEAD) {
            fetch(k);
        }
        let found: Vec<Option<u32>> = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| {
                if let Some(&next) = keys.get(i + LOOKAHEAD) {
                    fetch(next);
                }
                self.find(k)
            })
            .collect();
        for &v in found.iter().flatten() {
            if v & MANY != 0 {
                self.prefetch(self.f.off_overflow + u64::from(v & !MANY) * 4);
            }
        }
        for v in found {
            out.push(v.map(|v| self.postings_of(v)).transpose()?);
        }
        Ok(())
    }

    /// Every `(fingerprint, documents)` entry in key order (for merging).
    pub fn entries(&self) -> impl Iterator<Item = Result<(u64, Postings<'_>)>> + '_ {
        (0..self.f.table_len).filter_map(move |i| {
            let (k, v) = self.entry_at(i);
            (v != EMPTY).then(|| Ok((k, self.postings_of(v)?)))
        })
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
        build_with(dir, docs, post, post.len() as u64);
    }

    /// `announced`: the number of keys the writer is told to expect.
    fn build_with(
        dir: &Path,
        docs: &[(&str, &str, Option<&str>)],
        post: &[(u64, Vec<u32>)],
        announced: u64,
    ) {
        let mut b = SegmentBuilder::create(&dir.join("seg-0000000001.seg"), 5).unwrap();
        for (id, text, src) in docs {
            let meta = Metadata {
                source: src.map(str::to_string),
                ..Metadata::default()
            };
            b.add_doc(id, &meta, text).unwrap();
        }
        let mut p = b.start_postings(announced).unwrap();
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
        assert_eq!(s.f.keys, post.len() as u64);
        assert!(s.f.slots > s.f.keys && s.f.table_len >= s.f.slots);
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
        // (absent, with the same homes) and the extremes of the key range
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
        // and so do they once the segment is prepared for serving
        s.prepare_for_serving(true);
        assert_eq!(batched(&s), singles);
        assert_eq!(s.text(1).unwrap(), "béta");
    }

    /// Every key found, every absent key not, and the entries read back in order, however
    /// the keys crowd: all near zero (one home for all), all near the top (entries pushed
    /// past the last home), runs of neighbours, or none at all; and whether the writer was
    /// told the number of keys right or not.
    #[test]
    fn table_finds_every_key_however_keys_crowd() {
        let spread: Vec<u64> = (0..3000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let low: Vec<u64> = (0..500u64).map(|i| i * 3).collect();
        let high: Vec<u64> = (0..500u64).map(|i| u64::MAX - i * 3).collect();
        let runs: Vec<u64> = (0..40u64)
            .flat_map(|r| (0..50).map(move |j| (r << 58) + j * 2))
            .collect();
        for (case, keys) in [spread, low, high, runs, Vec::new()]
            .into_iter()
            .enumerate()
        {
            let mut keys = keys;
            keys.sort_unstable();
            keys.dedup();
            let post: Vec<(u64, Vec<u32>)> = keys
                .iter()
                .enumerate()
                .map(|(i, &k)| (k, if i % 7 == 0 { vec![0, 1] } else { vec![1] }))
                .collect();
            let dir = tempfile::tempdir().unwrap();
            let docs = [("a", "x", None), ("b", "y", None)];
            // told the right number, or (as a merge's estimate may be) too few or too many
            let announced = [keys.len(), keys.len() / 3, keys.len() * 3][case % 3] as u64;
            build_with(dir.path(), &docs, &post, announced);
            let s = Segment::open(dir.path(), 1).unwrap();
            let read: Vec<(u64, Vec<u32>)> = s
                .entries()
                .map(|e| e.map(|(k, p)| (k, p.iter().collect())).unwrap())
                .collect();
            assert_eq!(read, post);
            let absent: Vec<u64> = keys
                .iter()
                .flat_map(|&k| [k.wrapping_add(1), k.wrapping_sub(1)])
                .filter(|k| keys.binary_search(k).is_err())
                .chain([0, 1, u64::MAX, u64::MAX / 2])
                .filter(|k| keys.binary_search(k).is_err())
                .collect();
            for (k, d) in &post {
                let got: Vec<u32> = s.lookup(*k).unwrap().unwrap().iter().collect();
                assert_eq!(&got, d, "key {k:#x}");
            }
            for k in &absent {
                assert!(s.lookup(*k).unwrap().is_none(), "key {k:#x}");
            }
            let all: Vec<u64> = keys.iter().chain(&absent).copied().collect();
            let mut many = Vec::new();
            s.lookup_many(&all, &mut many).unwrap();
            assert_eq!(many.len(), all.len());
            for (i, p) in many.iter().enumerate() {
                assert_eq!(p.is_some(), i < keys.len());
            }
        }
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
