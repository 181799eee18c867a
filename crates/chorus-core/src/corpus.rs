//! Where the pipeline reads its documents from, and where it keeps its working data.
//!
//! A [`Corpus`] hands out documents by number: a slice of [`Document`]s in memory, or
//! documents read on demand from somewhere else (the memory-mapped segments of a chorus
//! index, a spool file of a larger-than-memory input). The pipeline asks for a text when it
//! needs it and never holds every text at once unless the corpus itself does.
//!
//! [`Storage`] says where the pipeline keeps what it derives from the texts: in memory (the
//! fastest: every document's tokens and the whole n-gram index), or on disk for corpora
//! larger than memory (the index partitions are written to files in a scratch folder and
//! read back one at a time, and tokens are recomputed from the text whenever a document is
//! aligned). Both give the same results.

use crate::document::{Document, Metadata};
use crate::error::Result;
use std::borrow::Cow;
use std::ops::Deref;
use std::path::PathBuf;

/// Documents by number (`0..len()`), in any order (the pipeline orders them itself).
pub trait Corpus: Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn id(&self, i: usize) -> &str;
    fn meta(&self, i: usize) -> &Metadata;
    /// The original text of document `i`; an error when it cannot be read
    /// ([`crate::Error::Text`]), which ends the run.
    fn text(&self, i: usize) -> Result<Cow<'_, str>>;
    /// The length in bytes of document `i`'s text (without reading it).
    fn text_len(&self, i: usize) -> usize;
    /// Document `i` as an owned [`Document`].
    fn document(&self, i: usize) -> Result<Document> {
        Ok(Document {
            id: self.id(i).to_string(),
            text: self.text(i)?.into_owned(),
            meta: self.meta(i).clone(),
        })
    }
}

/// Documents in memory: a `Vec<Document>`, a `&[Document]`, anything that derefs to a slice.
impl<T: Deref<Target = [Document]> + Sync> Corpus for T {
    fn len(&self) -> usize {
        <[Document]>::len(self)
    }
    fn id(&self, i: usize) -> &str {
        &self[i].id
    }
    fn meta(&self, i: usize) -> &Metadata {
        &self[i].meta
    }
    fn text(&self, i: usize) -> Result<Cow<'_, str>> {
        Ok(Cow::Borrowed(&self[i].text))
    }
    fn text_len(&self, i: usize) -> usize {
        self[i].text.len()
    }
}

/// Where the pipeline keeps its working data (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Storage {
    /// Everything in memory: about 6.5 times the text at the peak.
    #[default]
    Memory,
    /// Index partitions in files of a private folder inside `dir` (which must exist; the
    /// folder is removed when the run ends, also on errors; runs may share `dir`), tokens recomputed on demand and the most used kept in a cache
    /// of about `cache_bytes`: memory no longer grows with the corpus's tokens and
    /// postings, only with its metadata and the results.
    Disk { dir: PathBuf, cache_bytes: usize },
}
