//! Writing a segment file, front to back in one pass: [`SegmentBuilder`] stores the
//! documents and their id and source tables, then turns into a [`PostingsWriter`] that takes
//! fingerprints in increasing order, lays them out in the table as they come (overflow lists
//! go to a scratch file, appended at the end), writes the footer and syncs. Every write is a
//! whole 2 MiB chunk, written by [`ChunkedWriter`] on its own thread (past the page cache
//! where the file system allows it).

use super::chunked::{ChunkedWriter, WRITE_CHUNK, read_back};
use super::format::{
    DocHeader, Footer, MANY, NO_SOURCE, VALUE, bucket, dir_bits_for, id_hash, key_bytes_for,
};
use crate::error::{Error, IoContext, Result};
use crate::manifest::FORMAT_VERSION;
use chorus_core::Metadata;
use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

/// A stored document's header: its id and metadata as JSON. Independent of the segment,
/// so a bulk load serialises headers in parallel and [`SegmentBuilder::add_parts`] writes
/// them in order.
pub(crate) fn doc_header(id: &str, meta: &Metadata) -> Vec<u8> {
    serde_json::to_vec(&DocHeader {
        id: id.into(),
        meta: meta.clone(),
    })
    .expect("header serialises")
}

/// A scratch file beside the segment, read back and appended at its end.
fn scratch(path: &Path) -> Result<BufWriter<File>> {
    let f = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .at(path)?;
    Ok(BufWriter::new(f))
}

/// Appends scratch file `w` (written at `path`, `len` bytes) to the segment and deletes it.
fn append_scratch(
    seg: &mut SegmentBuilder,
    w: BufWriter<File>,
    path: &Path,
    len: u64,
) -> Result<()> {
    let mut f = w.into_inner().map_err(|e| e.into_error()).at(path)?;
    f.rewind().at(path)?;
    let copied = std::io::copy(&mut f, &mut seg.out).at(&seg.path)?;
    debug_assert_eq!(copied, len);
    seg.pos += copied;
    drop(f);
    std::fs::remove_file(path).at(path)
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
            out: ChunkedWriter::new(f, path),
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

    /// The segment file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of documents added so far (the next document's number).
    pub fn docs(&self) -> u32 {
        self.offsets.len() as u32
    }

    /// Stores a document; returns its number in the segment.
    pub fn add_doc(&mut self, id: &str, meta: &Metadata, text: &str) -> Result<u32> {
        let header = doc_header(id, meta);
        self.add_parts(&header, text, id_hash(id), meta.source.as_deref())
    }

    /// Stores a document from its header ([`doc_header`]) and text: the blob
    /// [`SegmentBuilder::add_blob`] takes, written without assembling it.
    pub fn add_parts(
        &mut self,
        header: &[u8],
        text: &str,
        id_hash: u64,
        source: Option<&str>,
    ) -> Result<u32> {
        let n = self.start_doc(id_hash, source);
        self.write(&(header.len() as u32).to_le_bytes())?;
        self.write(header)?;
        self.write(text.as_bytes())?;
        Ok(n)
    }

    /// Files the next document, which starts here.
    fn start_doc(&mut self, id_hash: u64, source: Option<&str>) -> u32 {
        let n = self.docs();
        self.offsets.push(self.pos);
        let src = self.source_number(source);
        self.sources.push(src);
        self.ids.push((id_hash, n));
        n
    }

    /// Stores a document blob copied from another segment.
    pub fn add_blob(&mut self, blob: &[u8], id_hash: u64, source: Option<&str>) -> Result<u32> {
        let n = self.start_doc(id_hash, source);
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
        let overflow = scratch(&overflow_path)?;
        let directory_path = self.path.with_extension("dir.tmp");
        let directory = match scratch(&directory_path) {
            Ok(d) => d,
            Err(e) => {
                let _ = std::fs::remove_file(&overflow_path);
                return Err(e);
            }
        };
        Ok(PostingsWriter {
            seg: self,
            footer: f,
            last_key: None,
            overflow_path,
            overflow,
            table: TableLayout::new(keys, directory, directory_path),
        })
    }
}

/// A run of the table laid out on its own ([`TablePart::push`]), so that the parts of a
/// table can be laid out in parallel and then appended in key order
/// ([`PostingsWriter::push_part`]) to the same bytes as [`PostingsWriter::push`] writes.
///
/// The table is dense, so a part's entries are appended as they are; its directory entries
/// (the buckets that start within it) count from the part's first key, and its overflow list
/// numbers from its own start until [`TablePart::rebase`] adds those before.
pub(crate) struct TablePart {
    bits: u32,
    key_bytes: usize,
    /// The bucket of the first key, and the next bucket whose start is not yet recorded.
    first_bucket: u64,
    next_bucket: u64,
    /// The entries.
    bytes: Vec<u8>,
    /// Where buckets `first_bucket + 1 .. next_bucket` start, counted in keys of the part.
    directory: Vec<u64>,
    /// The overflow lists, numbered from 0.
    overflow: Vec<u8>,
    /// Length of `overflow` in u32s.
    overflow_len: u64,
    /// Overflow lists, and where the last one starts.
    lists: u64,
    last_list: u64,
    keys: u64,
    last_key: Option<u64>,
}

impl TablePart {
    /// An empty part of a table of `2^bits` buckets ([`PostingsWriter::dir_bits`]), room made
    /// for about `keys` entries.
    pub fn new(bits: u32, keys: u64) -> TablePart {
        let key_bytes = key_bytes_for(bits);
        TablePart {
            bits,
            key_bytes,
            first_bucket: 0,
            next_bucket: 0,
            bytes: Vec::with_capacity(keys as usize * (key_bytes + VALUE)),
            directory: Vec::new(),
            overflow: Vec::new(),
            overflow_len: 0,
            lists: 0,
            last_list: 0,
            keys: 0,
            last_key: None,
        }
    }

    /// Lays out one fingerprint (greater than the previous one) and its sorted documents.
    pub fn push(&mut self, key: u64, docs: &[u32]) {
        debug_assert!(self.last_key.is_none_or(|k| k < key));
        debug_assert!(!docs.is_empty());
        let value = if docs.len() == 1 {
            debug_assert!(docs[0] < MANY);
            docs[0]
        } else {
            let i = self.overflow_len;
            self.overflow
                .extend_from_slice(&(docs.len() as u32).to_le_bytes());
            for d in docs {
                self.overflow.extend_from_slice(&d.to_le_bytes());
            }
            self.overflow_len += docs.len() as u64 + 1;
            self.lists += 1;
            self.last_list = i;
            // below MANY's bit; a number past it fails `push_part`
            MANY | (i as u32 & !MANY)
        };
        let b = bucket(key, self.bits);
        if self.keys == 0 {
            self.first_bucket = b;
        } else {
            for _ in self.next_bucket..=b {
                self.directory.push(self.keys);
            }
        }
        self.next_bucket = b + 1;
        self.bytes
            .extend_from_slice(&key.to_le_bytes()[..self.key_bytes]);
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self.keys += 1;
        self.last_key = Some(key);
    }

    /// Overflow lists of this part come after `base` u32s of lists before it.
    pub fn rebase(&mut self, base: u64) {
        if base == 0 || self.lists == 0 {
            return;
        }
        let kb = self.key_bytes;
        for e in self.bytes.chunks_exact_mut(kb + VALUE) {
            let v = u32::from_le_bytes(e[kb..].try_into().expect("4 bytes"));
            if v & MANY != 0 {
                let i = u64::from(v & !MANY) + base;
                e[kb..].copy_from_slice(&(MANY | (i as u32 & !MANY)).to_le_bytes());
            }
        }
        self.last_list += base;
    }

    /// Length of this part's overflow lists, in u32s (the next part's base grows by it).
    pub fn overflow_len(&self) -> u64 {
        self.overflow_len
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

/// Writes entries to the table as they come in key order, and the start of each bucket to
/// the directory (a scratch file, appended after the table).
struct TableLayout {
    bits: u32,
    key_bytes: usize,
    /// Entries written so far.
    keys: u64,
    /// The next bucket whose start is not yet written.
    next_bucket: u64,
    /// Table bytes not yet written.
    buf: Vec<u8>,
    directory: BufWriter<File>,
    directory_path: PathBuf,
}

impl TableLayout {
    fn new(keys: u64, directory: BufWriter<File>, directory_path: PathBuf) -> TableLayout {
        let bits = dir_bits_for(keys);
        TableLayout {
            bits,
            key_bytes: key_bytes_for(bits),
            keys: 0,
            next_bucket: 0,
            buf: Vec::with_capacity(WRITE_CHUNK),
            directory,
            directory_path,
        }
    }

    /// Records that buckets up to `b` (included) start at entry `at`.
    fn start_buckets(&mut self, b: u64, at: u64) -> Result<()> {
        let at = u32::try_from(at)
            .map_err(|_| Error::InvalidOption("segment too large (2^32 fingerprints)".into()))?;
        while self.next_bucket <= b {
            self.directory
                .write_all(&at.to_le_bytes())
                .at(&self.directory_path)?;
            self.next_bucket += 1;
        }
        Ok(())
    }

    fn put(&mut self, seg: &mut SegmentBuilder, key: u64, value: u32) -> Result<()> {
        self.start_buckets(bucket(key, self.bits), self.keys)?;
        self.buf
            .extend_from_slice(&key.to_le_bytes()[..self.key_bytes]);
        self.buf.extend_from_slice(&value.to_le_bytes());
        self.keys += 1;
        if self.buf.len() >= WRITE_CHUNK {
            seg.write(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Appends a part's entries and directory.
    fn extend(&mut self, seg: &mut SegmentBuilder, part: &TablePart) -> Result<()> {
        self.start_buckets(part.first_bucket, self.keys)?;
        for &d in &part.directory {
            let b = self.next_bucket;
            self.start_buckets(b, self.keys + d)?;
        }
        debug_assert_eq!(self.next_bucket, part.next_bucket);
        if self.buf.len() + part.bytes.len() < WRITE_CHUNK {
            self.buf.extend_from_slice(&part.bytes);
        } else {
            seg.write(&self.buf)?;
            self.buf.clear();
            seg.write(&part.bytes)?;
        }
        self.keys += part.keys;
        Ok(())
    }

    /// Writes what is left of the table, then the directory (every bucket's start, up to
    /// the end of the last); returns `(bits, key_bytes)`.
    fn finish(mut self, seg: &mut SegmentBuilder) -> Result<(u64, u64)> {
        seg.write(&self.buf)?;
        self.start_buckets(1u64 << self.bits, self.keys)?;
        let len = ((1u64 << self.bits) + 1) * 4;
        append_scratch(seg, self.directory, &self.directory_path, len)?;
        Ok((u64::from(self.bits), self.key_bytes as u64))
    }
}

impl PostingsWriter {
    /// The table's directory bits: what [`TablePart::new`] needs.
    pub fn dir_bits(&self) -> u32 {
        self.table.bits
    }

    /// Overflow u32s written so far: the base of the next part ([`TablePart::rebase`]).
    pub fn overflow_len(&self) -> u64 {
        self.footer.overflow_len
    }

    /// Appends a part laid out by [`TablePart::push`] (keys greater than the previous
    /// ones) and rebased on [`PostingsWriter::overflow_len`]: the same bytes as pushing its
    /// entries one by one.
    pub fn push_part(&mut self, part: TablePart) -> Result<()> {
        if part.keys == 0 {
            return Ok(());
        }
        debug_assert!(self.last_key < part.last_key);
        debug_assert_eq!(part.bits, self.table.bits);
        // `MANY | i` must stay below MANY's bit
        if part.lists > 0 && part.last_list >= u64::from(!MANY) {
            return Err(Error::InvalidOption("segment too large".into()));
        }
        self.table.extend(&mut self.seg, &part)?;
        self.overflow
            .write_all(&part.overflow)
            .at(&self.overflow_path)?;
        self.footer.overflow_len += part.overflow_len;
        self.footer.keys += part.keys;
        self.last_key = part.last_key;
        Ok(())
    }

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
            // `MANY | i` must stay below MANY's bit
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

    /// Writes the rest of the table, its directory, the overflow lists and the footer, and
    /// syncs the file. Returns the file's size.
    pub fn finish(mut self) -> Result<u64> {
        let (bits, key_bytes) = self.table.finish(&mut self.seg)?;
        (self.footer.dir_bits, self.footer.key_bytes) = (bits, key_bytes);

        self.footer.off_overflow = self.seg.pos;
        let len = self.footer.overflow_len * 4;
        append_scratch(&mut self.seg, self.overflow, &self.overflow_path, len)?;

        let footer = self.footer.encode();
        self.seg.write(&footer)?;
        let f = self.seg.out.into_inner().at(&self.seg.path)?;
        f.sync_all().at(&self.seg.path)?;
        read_back(&f, self.seg.pos);
        Ok(self.seg.pos)
    }
}
