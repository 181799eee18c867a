//! Where the pipeline reads its documents from, and where it keeps its working data.
//!
//! A [`Corpus`] hands out documents by number: a slice of [`Document`]s in memory, or
//! documents read on demand from somewhere else (the memory-mapped segments of a chorus
//! index, a spool file of a larger-than-memory input). The pipeline asks for a text when it
//! needs it and never holds every text at once unless the corpus itself does.
//!
//! [`Storage`] says where the pipeline keeps what it derives from the texts: in memory (the
//! fastest: every document's tokens and the whole n-gram index; or, compact, the tokens
//! packed and only the shared part of the index), or on disk for corpora
//! larger than memory (the index partitions are written to files in a scratch folder and
//! read back one at a time, and tokens are recomputed from the text whenever a document is
//! aligned). All three give the same results.

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
    /// The sizes of the sources and sites of the whole collection these documents are
    /// part of, when the run covers only part of it (an incremental update of an index's
    /// clusters): boilerplate is then judged against them ([`crate::boilerplate`]).
    /// `None` (the default): the corpus is the whole collection.
    fn collection_sizes(&self) -> Option<&crate::boilerplate::SourceSizes> {
        None
    }
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
    /// Everything in memory: about 6 times the text at the peak (token hashes dropped while
    /// the index is built and in the report stages, tokens freed of the documents no later
    /// stage needs).
    #[default]
    Memory,
    /// Every document's tokens packed in memory (the normalised text and about two bytes a
    /// token: 1.35 times the text for English, against 3.3 unpacked), unpacked when a stage
    /// asks for them through a cache of [`COMPACT_CACHE_PER_TEXT_BYTE`] times the text,
    /// and the index built keeping only the postings of fingerprints that may be in two
    /// documents (see [`crate::index`]): about 4.4 times the text at the peak on 100 MB,
    /// at some 25 % more CPU than [`Storage::Memory`].
    Compact,
    /// Index partitions in files of a private folder inside `dir` (which must exist; the
    /// folder is removed when the run ends, also on errors; runs may share `dir`), tokens recomputed on demand and the most used kept in a cache
    /// of about `cache_bytes`: memory no longer grows with the corpus's tokens and
    /// postings, only with its metadata and the results.
    Disk { dir: PathBuf, cache_bytes: usize },
}

// Where a run keeps its working data: the one place every front end (the CLI, the server,
// a run over a stored index) decides it.

/// Peak memory of a run in memory, as a multiple of its text (6.5 measured on 1 GB, see
/// BENCHMARKS.md), rounded up.
pub const MEMORY_PER_TEXT_BYTE: u64 = 7;

/// The cache of unpacked tokens of a [`Storage::Compact`] run, as a multiple of its text.
pub const COMPACT_CACHE_PER_TEXT_BYTE: f64 = 0.5;

/// Scratch space a run on disk needs per byte of text: a spool file of the texts (1×) and
/// the raw postings, 16 bytes per token (about 3.2× for English text, 5.3× for Chinese),
/// before they are sorted and filtered.
pub const SCRATCH_PER_TEXT_BYTE: u64 = 6;

/// What a front end asks of [`Storage::choose`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoragePolicy {
    /// In memory, whatever the corpus's size (`--in-memory`).
    Memory,
    /// On disk, whatever the corpus's size (`--low-memory`).
    Disk,
    /// On disk when a run in memory would need more than the memory available, or from
    /// `disk_from_bytes` of text when the scratch folder has room for the run (`None`: only
    /// when it would not fit in memory); in memory otherwise.
    Auto { disk_from_bytes: Option<u64> },
}

/// What the machine offers a run, as the caller measured it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageRoom {
    /// Memory available (Linux's `MemAvailable`); `None` when unknown.
    pub available_memory: Option<u64>,
    /// The folder for the scratch files of a run on disk.
    pub scratch_dir: PathBuf,
    /// Bytes free for this user in `scratch_dir`; `None` when unknown.
    pub scratch_free: Option<u64>,
}

impl Storage {
    /// Where a run over `text_bytes` of text keeps its working data, by `policy`, in
    /// `room`.
    pub fn choose(text_bytes: u64, policy: StoragePolicy, room: &StorageRoom) -> Storage {
        let disk = match policy {
            StoragePolicy::Memory => false,
            StoragePolicy::Disk => true,
            StoragePolicy::Auto { disk_from_bytes } => {
                Storage::memory_shortfall(text_bytes, room.available_memory).is_some()
                    || disk_from_bytes.is_some_and(|from| {
                        text_bytes >= from
                            && room.scratch_free.is_some_and(|free| {
                                free >= text_bytes.saturating_mul(SCRATCH_PER_TEXT_BYTE)
                            })
                    })
            }
        };
        if disk {
            Storage::on_disk(room.scratch_dir.clone(), room.available_memory)
        } else {
            Storage::Memory
        }
    }

    /// `Some((needed, available))` bytes when a run in memory over `text_bytes` of text
    /// would need more than the `available_memory` (never when that is unknown).
    pub fn memory_shortfall(text_bytes: u64, available_memory: Option<u64>) -> Option<(u64, u64)> {
        let available = available_memory?;
        let need = text_bytes.saturating_mul(MEMORY_PER_TEXT_BYTE);
        (need > available).then_some((need, available))
    }

    /// On disk in `dir`, with a token cache of a quarter of the `available_memory`, between
    /// 64 MiB and 2 GiB.
    pub fn on_disk(dir: PathBuf, available_memory: Option<u64>) -> Storage {
        let quarter = available_memory.unwrap_or(0) / 4;
        Storage::Disk {
            dir,
            cache_bytes: quarter.clamp(64 << 20, 2 << 30) as usize,
        }
    }
}

#[cfg(test)]
mod storage_tests {
    use super::*;

    const GB: u64 = 1 << 30;

    fn room(memory: Option<u64>, free: Option<u64>) -> StorageRoom {
        StorageRoom {
            available_memory: memory,
            scratch_dir: PathBuf::from("/scratch"),
            scratch_free: free,
        }
    }

    fn disk(cache: u64) -> Storage {
        Storage::Disk {
            dir: PathBuf::from("/scratch"),
            cache_bytes: cache as usize,
        }
    }

    #[test]
    fn where_a_run_keeps_its_working_data() {
        let auto = StoragePolicy::Auto {
            disk_from_bytes: Some(GB / 2),
        };
        let plenty = room(Some(64 * GB), Some(1000 * GB));
        // small corpora stay in memory; from the threshold on disk, when the scratch
        // folder has room
        assert_eq!(Storage::choose(10 << 20, auto, &plenty), Storage::Memory);
        assert_eq!(Storage::choose(GB / 2, auto, &plenty), disk(2 * GB));
        let cramped = room(Some(64 * GB), Some(GB));
        assert_eq!(Storage::choose(GB / 2, auto, &cramped), Storage::Memory);
        assert_eq!(
            Storage::choose(GB / 2, auto, &room(Some(64 * GB), None)),
            Storage::Memory
        );
        // too large for memory: on disk, room or not, threshold or not
        let small = room(Some(4 * GB), None);
        assert_eq!(
            Storage::memory_shortfall(GB, Some(4 * GB)),
            Some((7 * GB, 4 * GB))
        );
        assert_eq!(Storage::choose(GB, auto, &small), disk(GB));
        let only_when_too_large = StoragePolicy::Auto {
            disk_from_bytes: None,
        };
        assert_eq!(Storage::choose(GB, only_when_too_large, &small), disk(GB));
        assert_eq!(
            Storage::choose(GB / 2, only_when_too_large, &plenty),
            Storage::Memory
        );
        // unknown memory: never too large
        assert_eq!(Storage::memory_shortfall(u64::MAX, None), None);
        assert_eq!(
            Storage::choose(GB, only_when_too_large, &room(None, None)),
            Storage::Memory
        );
        // asked for, whatever the size; the cache at least 64 MiB
        assert_eq!(
            Storage::choose(0, StoragePolicy::Disk, &room(None, None)),
            disk(64 << 20)
        );
        assert_eq!(
            Storage::choose(u64::MAX / 8, StoragePolicy::Memory, &small),
            Storage::Memory
        );
    }
}
