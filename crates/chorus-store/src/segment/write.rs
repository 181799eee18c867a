//! Writing a segment file, front to back in one pass: [`SegmentBuilder`] stores the
//! documents and their id and source tables, then turns into a [`PostingsWriter`] that takes
//! fingerprints in increasing order, lays them out in the table as they come (overflow lists
//! go to a scratch file, appended at the end), writes the footer and syncs. Every write is a
//! whole 2 MiB chunk, written by [`ChunkedWriter`] on its own thread (past the page cache
//! where the file system allows it).

use super::chunked::{ChunkedWriter, WRITE_CHUNK};
use super::format::{DocHeader, EMPTY, Footer, MANY, NO_SOURCE, home, id_hash, slots_for};
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
