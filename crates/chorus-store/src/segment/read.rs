//! Reading a segment file: [`Segment`] maps the file (the crate's one `unsafe` call, see
//! `map_file`), checks the footer and the section offsets once on opening, and then reads
//! documents, the id table and postings straight from the mapping, every read bounds-checked.
//! Lookups read a key's bucket from the directory and scan it; [`Segment::lookup_many`] requests the cache
//! lines of many keys before reading any, so their memory waits overlap.

use super::format::{
    DocHeader, FOOTER_LEN, Footer, MANY, MAX_DIR_BITS, NO_SOURCE, bucket, id_hash, key_bytes_for,
    key_of, low_bytes,
};
use crate::error::{Error, IoContext, Result};
use crate::manifest::FORMAT_VERSION;
use chorus_core::Metadata;
use memmap2::Mmap;
use std::fs::File;
use std::path::{Path, PathBuf};

/// How many keys ahead of the one it finds [`Segment::lookup_many`] requests the cache
/// lines of a key's directory entry, and of its bucket. Requesting every key's first (as before) stalled on the CPU's dozen or
/// so outstanding misses, and the lines first fetched were evicted before they were read:
/// lookups and counting of a 4 KB query 0.072 → 0.066 ms (8 to 32 ahead alike; 64, 0.070).
const LOOKAHEAD: usize = 16;

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
    pub(super) f: Footer,
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
    /// (Linux; see [`WRITE_CHUNK`](super::chunked::WRITE_CHUNK)), and to read it in 2 MiB pieces when it does not. For a
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
        let shape_ok = f.dir_bits <= u64::from(MAX_DIR_BITS)
            && f.key_bytes == key_bytes_for(f.dir_bits as u32) as u64
            && f.keys <= u64::from(u32::MAX);
        if !shape_ok {
            return Err(corrupt("bad table shape".into()));
        }
        let dir_end = f
            .keys
            .checked_mul(f.entry_len())
            .and_then(|b| b.checked_add(f.off_table))
            .and_then(|d| d.checked_add(((1u64 << f.dir_bits) + 1) * 4));
        let ok = f.off_offsets <= f.off_id_hashes
            && f.off_id_hashes == f.off_offsets + (f.docs + 1) * 8
            && f.off_id_locals == f.off_id_hashes + f.docs * 8
            && f.off_sources == f.off_id_locals + f.docs * 4
            && f.off_source_table == f.off_sources + f.docs * 4
            && f.off_source_table + u64::from(f.sources_len) <= f.off_table
            && dir_end == Some(f.off_overflow)
            && f.off_overflow + f.overflow_len * 4 == end
            && f.docs < u64::from(MANY);
        if !ok {
            return Err(corrupt("inconsistent section offsets".into()));
        }
        let dir_at = |i: u64| {
            let o = (f.off_directory() + i * 4) as usize;
            u64::from(u32::from_le_bytes(
                map[o..o + 4].try_into().expect("4 bytes"),
            ))
        };
        if dir_at(0) != 0 || dir_at(1u64 << f.dir_bits) != f.keys {
            return Err(corrupt("table directory does not span the table".into()));
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

    /// Where bucket `b`'s entries start (its directory entry).
    #[inline]
    fn dir_at(&self, b: u64) -> u64 {
        u64::from(self.u32_at(self.f.off_directory() + b * 4))
    }

    /// The entries of bucket `b`: `start..end`, checked against the table.
    #[inline]
    fn bucket_range(&self, b: u64) -> Result<(u64, u64)> {
        let (s, e) = (self.dir_at(b), self.dir_at(b + 1));
        if s > e || e > self.f.keys {
            return Err(self.corrupt("table directory out of order"));
        }
        Ok((s, e))
    }

    /// Table entry `i`: the low bytes of its key and its value.
    #[inline]
    fn entry_at(&self, i: u64) -> (u64, u32) {
        let kb = self.f.key_bytes as usize;
        let o = (self.f.off_table + i * self.f.entry_len()) as usize;
        // an entry is at least 9 bytes (K >= 5), so 8 bytes from its start are its own
        let low = u64::from_le_bytes(self.map[o..o + 8].try_into().expect("8 bytes"));
        let v = u32::from_le_bytes(self.map[o + kb..o + kb + 4].try_into().expect("4 bytes"));
        (low_bytes(low, kb), v)
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

    /// The value stored for `key`, if any, in the entries `start..end` of its bucket (in
    /// key order: the scan stops at the first key above it).
    #[inline]
    fn find_in(&self, key: u64, (start, end): (u64, u64)) -> Option<u32> {
        let low = low_bytes(key, self.f.key_bytes as usize);
        for i in start..end {
            let (k, v) = self.entry_at(i);
            if k >= low {
                return (k == low).then_some(v);
            }
        }
        None
    }

    /// The value stored for `key`, if any.
    #[cfg(test)]
    fn find(&self, key: u64) -> Result<Option<u32>> {
        let range = self.bucket_range(bucket(key, self.f.dir_bits as u32))?;
        Ok(self.find_in(key, range))
    }

    /// The documents holding fingerprint `key`.
    #[cfg(test)]
    pub fn lookup(&self, key: u64) -> Result<Option<Postings<'_>>> {
        self.find(key)?.map(|v| self.postings_of(v)).transpose()
    }

    /// [`Segment::lookup`] of every key in `keys`, into `out` (same order), overlapping the
    /// memory waits of different keys instead of queueing them: a key's directory line is
    /// requested 2·[`LOOKAHEAD`] keys before it is found, its bucket [`LOOKAHEAD`] keys
    /// before, and the overflow lists of the keys in several documents all before any is
    /// read.
    pub fn lookup_many<'a>(
        &'a self,
        keys: &[u64],
        out: &mut Vec<Option<Postings<'a>>>,
    ) -> Result<()> {
        out.clear();
        let bits = self.f.dir_bits as u32;
        let fetch_dir = |k: u64| {
            let at = self.f.off_directory() + bucket(k, bits) * 4;
            self.prefetch(at);
            self.prefetch(at + 7);
        };
        let entry = self.f.entry_len();
        let fetch_bucket = |(s, e): (u64, u64)| {
            if s < e {
                let at = self.f.off_table + s * entry;
                self.prefetch(at);
                // a bucket of 4-8 entries of 9-10 bytes: its last byte is on this line or the next
                self.prefetch(self.f.off_table + e * entry - 1);
            }
        };
        // one pipeline: key i + 2·LOOKAHEAD's directory line requested, key i + LOOKAHEAD's
        // directory entry read and its bucket requested, key i found
        let n = keys.len();
        let mut ranges = vec![(0u64, 0u64); n];
        for &k in keys.iter().take(2 * LOOKAHEAD) {
            fetch_dir(k);
        }
        for i in 0..LOOKAHEAD.min(n) {
            ranges[i] = self.bucket_range(bucket(keys[i], bits))?;
            fetch_bucket(ranges[i]);
        }
        let mut found: Vec<Option<u32>> = Vec::with_capacity(n);
        for i in 0..n {
            if let Some(&k) = keys.get(i + 2 * LOOKAHEAD) {
                fetch_dir(k);
            }
            if let Some(&k) = keys.get(i + LOOKAHEAD) {
                let r = self.bucket_range(bucket(k, bits))?;
                ranges[i + LOOKAHEAD] = r;
                fetch_bucket(r);
            }
            found.push(self.find_in(keys[i], ranges[i]));
        }
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

    /// Every `(fingerprint, documents)` entry in key order (for merging): the key rebuilt
    /// from its bucket (the directory walked beside the table) and its low bytes.
    pub fn entries(&self) -> impl Iterator<Item = Result<(u64, Postings<'_>)>> + '_ {
        let bits = self.f.dir_bits as u32;
        let mut b = 0u64;
        // the last directory entry is the number of keys (checked on opening), so the walk
        // stops inside the directory however the entries before it are damaged
        (0..self.f.keys).map(move |i| {
            while self.dir_at(b + 1) <= i {
                b += 1;
            }
            let (low, v) = self.entry_at(i);
            Ok((key_of(b, low, bits), self.postings_of(v)?))
        })
    }

    /// Checks every byte of the table: the directory in order, each bucket's keys
    /// increasing and in that bucket, every value a document of the segment or an overflow
    /// list in range, holding increasing documents of the segment.
    pub fn verify(&self) -> Result<()> {
        let bits = self.f.dir_bits as u32;
        let kb = self.f.key_bytes as usize;
        let mut last: Option<u64> = None;
        for b in 0..(1u64 << bits) {
            let (s, e) = self.bucket_range(b)?;
            for i in s..e {
                let (low, v) = self.entry_at(i);
                let key = key_of(b, low, bits);
                if low_bytes(key, kb) != low || last.is_some_and(|l| l >= key) {
                    return Err(self.corrupt(format!("table entry {i}: key out of order")));
                }
                last = Some(key);
                if v & MANY == 0 {
                    if u64::from(v) >= self.f.docs {
                        return Err(self.corrupt(format!("table entry {i}: no such document")));
                    }
                    continue;
                }
                let docs: Vec<u32> = self.postings_of(v)?.iter().collect();
                let sorted = docs.windows(2).all(|w| w[0] < w[1]);
                if docs.len() < 2 || !sorted || u64::from(docs[docs.len() - 1]) >= self.f.docs {
                    return Err(self.corrupt(format!("table entry {i}: bad posting list")));
                }
            }
        }
        Ok(())
    }
}
