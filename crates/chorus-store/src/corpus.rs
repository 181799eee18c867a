//! The stored documents of an index as a [`Corpus`] for the pipeline: ids and metadata are
//! read once, texts are borrowed from the memory-mapped segments whenever the pipeline asks
//! for them, so `chorus find --index` does not copy the corpus into memory.

use crate::error::Result;
use crate::reader::IndexReader;
use chorus_core::{Corpus, Metadata};
use std::borrow::Cow;
use std::sync::Arc;

/// Memory the system could give this process without swapping (Linux: `MemAvailable` of
/// /proc/meminfo), in bytes; `None` where there is no /proc. What the pipeline does with
/// it is decided by [`chorus_core::Storage::choose`].
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The live documents of an [`IndexReader`] snapshot, segment by segment.
pub struct StoredCorpus {
    reader: Arc<IndexReader>,
    docs: Vec<StoredEntry>,
}

struct StoredEntry {
    segment: u32,
    local: u32,
    id: String,
    meta: Metadata,
    /// Where the text starts in the document's blob, and its length.
    text_at: u32,
    text_len: usize,
}

impl StoredCorpus {
    /// Reads the id and metadata of every live document of `reader` (and checks that every
    /// text is UTF-8).
    pub fn new(reader: Arc<IndexReader>) -> Result<StoredCorpus> {
        let mut docs = Vec::with_capacity(reader.len() as usize);
        for (s, ls) in reader.segments().iter().enumerate() {
            for local in ls.live_docs() {
                let d = ls.seg.doc(local)?;
                let blob = ls.seg.blob(local)?;
                docs.push(StoredEntry {
                    segment: s as u32,
                    local,
                    id: d.id.into_owned(),
                    meta: d.meta,
                    text_at: (blob.len() - d.text.len()) as u32,
                    text_len: d.text.len(),
                });
            }
        }
        Ok(StoredCorpus { reader, docs })
    }

    /// Bytes of text over all documents.
    pub fn text_bytes(&self) -> u64 {
        self.docs.iter().map(|d| d.text_len as u64).sum()
    }

    /// The snapshot the documents come from.
    pub fn reader(&self) -> &IndexReader {
        &self.reader
    }
}

impl Corpus for StoredCorpus {
    fn len(&self) -> usize {
        self.docs.len()
    }
    fn id(&self, i: usize) -> &str {
        &self.docs[i].id
    }
    fn meta(&self, i: usize) -> &Metadata {
        &self.docs[i].meta
    }
    fn text(&self, i: usize) -> chorus_core::Result<Cow<'_, str>> {
        let e = &self.docs[i];
        let seg = &self.reader.segments()[e.segment as usize].seg;
        // checked when the corpus was opened, and the segment files are immutable: a
        // failure here is a file changed under the index
        let bad =
            |err: Box<dyn std::error::Error + Send + Sync>| chorus_core::Error::text(&e.id, err);
        let blob = seg.blob(e.local).map_err(|err| bad(err.into()))?;
        let text = blob
            .get(e.text_at as usize..)
            .ok_or_else(|| bad("the text lies outside its record".into()))?;
        let text = std::str::from_utf8(text).map_err(|err| bad(err.into()))?;
        Ok(Cow::Borrowed(text))
    }
    fn text_len(&self, i: usize) -> usize {
        self.docs[i].text_len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::{IndexOptions, IndexWriter};
    use chorus_core::Document;

    #[test]
    fn stored_documents_read_back_as_a_corpus() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
        let mut a = Document::new("a", "First text, with “quotes” and ünïcode.");
        a.meta.source = Some("wire".into());
        w.add(vec![a.clone(), Document::new("b", "Second.")])
            .unwrap();
        w.add(vec![Document::new("c", "Third text.")]).unwrap();
        w.remove(&["b"]).unwrap();
        let c = StoredCorpus::new(Arc::new(IndexReader::open(dir.path()).unwrap())).unwrap();
        assert_eq!(c.len(), 2);
        let mut got: Vec<Document> = (0..c.len()).map(|i| c.document(i).unwrap()).collect();
        got.sort_by(|x, y| x.id.cmp(&y.id));
        assert_eq!(got[0], a);
        assert_eq!(got[1].text, "Third text.");
        assert_eq!(c.text_bytes(), (a.text.len() + "Third text.".len()) as u64);
    }
}
