//! Writing a segment file, front to back in one pass: [`SegmentBuilder`] stores the
//! documents and their id and source tables, then turns into a [`PostingsWriter`] that takes
//! fingerprints in increasing order, lays them out in the table as they come (overflow lists
//! go to a scratch file, appended at the end), writes the footer and syncs. Every write is a
//! whole 2 MiB chunk, written by [`ChunkedWriter`] on its own thread (past the page cache
//! where the file system allows it).

use super::chunked::{ChunkedWriter, WRITE_CHUNK, read_back};
use super::format::{DocHeader, EMPTY, ENTRY, Footer, MANY, NO_SOURCE, home, id_hash, slots_for};
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

/// A run of the table laid out on its own ([`TablePart::push`]), so that the parts of a
/// table can be laid out in parallel and then appended in key order
/// ([`PostingsWriter::push_part`]) to the same bytes as [`PostingsWriter::push`] writes.
///
/// Laid out alone, the part's first entry sits at its home. Appended after an entry that
/// reaches past that place, the part's first entries move right: an entry `i` places laid
/// out at `p` goes to `max(p, c + i)` after an end `c`, so only a prefix moves, re-laid out
/// entry by entry until one lands where it was; the rest is copied as it is. Overflow list
/// numbers count from the part's own start until [`TablePart::rebase`] adds those before.
pub(crate) struct TablePart {
    slots: u64,
    /// The place of the first entry (when laid out alone), and the next free one.
    start: u64,
    next: u64,
    /// The entries from `start` on, empty ones included.
    bytes: Vec<u8>,
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
    /// An empty part of a table of `slots` homes ([`PostingsWriter::slots`]), room made
    /// for about `keys` entries.
    pub fn new(slots: u64, keys: u64) -> TablePart {
        TablePart {
            slots,
            start: 0,
            next: 0,
            bytes: Vec::with_capacity(slots_for(keys) as usize * ENTRY),
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
        let h = home(key, self.slots);
        let at = if self.keys == 0 {
            self.start = h;
            h
        } else {
            h.max(self.next)
        };
        for _ in self.next.max(self.start)..at {
            self.bytes.extend_from_slice(&0u64.to_le_bytes());
            self.bytes.extend_from_slice(&EMPTY.to_le_bytes());
        }
        self.bytes.extend_from_slice(&key.to_le_bytes());
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self.next = at + 1;
        self.keys += 1;
        self.last_key = Some(key);
    }

    /// Overflow lists of this part come after `base` u32s of lists before it.
    pub fn rebase(&mut self, base: u64) {
        if base == 0 || self.lists == 0 {
            return;
        }
        for e in self.bytes.chunks_exact_mut(ENTRY) {
            let v = u32::from_le_bytes(e[8..12].try_into().expect("4 bytes"));
            if v != EMPTY && v & MANY != 0 {
                let i = u64::from(v & !MANY) + base;
                e[8..12].copy_from_slice(&(MANY | (i as u32 & !MANY)).to_le_bytes());
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

    /// Appends `bytes`, whole entries laid out from place `next` on.
    fn extend(&mut self, seg: &mut SegmentBuilder, bytes: &[u8]) -> Result<()> {
        if self.buf.len() + bytes.len() < WRITE_CHUNK {
            self.buf.extend_from_slice(bytes);
        } else {
            seg.write(&self.buf)?;
            self.buf.clear();
            seg.write(bytes)?;
        }
        self.next += (bytes.len() / ENTRY) as u64;
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
    /// Homes in the table: what [`TablePart::new`] needs.
    pub fn slots(&self) -> u64 {
        self.table.slots
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
        // `MANY | i` must not reach EMPTY
        if part.lists > 0 && part.last_list >= u64::from(!MANY) {
            return Err(Error::InvalidOption("segment too large".into()));
        }
        let mut from = 0;
        // entries of the part that the one before pushes right, re-laid out until one
        // lands where it was
        while self.table.next > part.start + (from / ENTRY) as u64 && from < part.bytes.len() {
            let e = &part.bytes[from..from + ENTRY];
            let value = u32::from_le_bytes(e[8..12].try_into().expect("4 bytes"));
            if value != EMPTY {
                let key = u64::from_le_bytes(e[..8].try_into().expect("8 bytes"));
                self.table.put(&mut self.seg, key, value)?;
            }
            from += ENTRY;
        }
        let at = part.start + (from / ENTRY) as u64;
        self.table.empty_until(&mut self.seg, at)?;
        self.table.extend(&mut self.seg, &part.bytes[from..])?;
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
        read_back(&f, self.seg.pos);
        Ok(self.seg.pos)
    }
}
