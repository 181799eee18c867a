//! chorus-store: the persistent corpus index of chorus. It keeps documents and their n-gram
//! fingerprints on disk, grows by incremental batches, survives crashes at any moment, and
//! answers "which stored documents share passages with this text?" in milliseconds.
//!
//! # Brief overview
//!
//! An index is a folder: a `MANIFEST` (JSON, with the format version) naming immutable,
//! memory-mapped segment files ([`segment`](crate) layout in `segment.rs`) and tombstone
//! lists. [`IndexWriter`] adds batches ([`IndexWriter::add`]: one segment and one atomic
//! manifest commit per batch, a document with an existing id replaces it), removes
//! documents ([`IndexWriter::remove`]) and merges segments by size tier. [`IndexReader`] is
//! a snapshot of the last commit: [`IndexReader::query`] ranks stored documents by the
//! fingerprints they share with a text and aligns the best of them with
//! [`chorus_core::query`], returning a [`QueryReport`]; [`IndexReader::stats`] gives
//! [`IndexStats`]. Readers in any number of processes work while one writer commits; a
//! reader tells whether a newer commit exists with [`IndexReader::is_stale`] (one `stat`,
//! [`CommitStamp`]) and opens it with [`IndexReader::reopen`].
//! Errors are one [`Error`] enum.
//!
//! # Example
//!
//! ```
//! use chorus_core::Document;
//! use chorus_store::{IndexOptions, IndexReader, IndexWriter, QueryOptions};
//!
//! let statement = "The regional transport board confirmed on Friday that the night ferry \
//!                  will stop running at the end of October because of rising fuel costs.";
//! let dir = tempfile::tempdir()?;
//! let mut writer = IndexWriter::open(dir.path(), IndexOptions::default())?;
//! writer.add(vec![
//!     Document::new("wire", format!("Ferry news. {statement} Timetables follow.")),
//!     Document::new("garden", "A story about the harvest festival and prize marrows."),
//! ])?;
//!
//! let reader = IndexReader::open(dir.path())?;
//! let article = format!("Islanders were angry. {statement}");
//! let report = reader.query(&article, &QueryOptions::default())?;
//! assert_eq!(report.matches.len(), 1);
//! let passage = &report.matches[0].passages[0];
//! assert_eq!(&article[passage.query.begin..passage.query.end], statement);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod corpus;
mod error;
mod manifest;
mod reader;
mod reworded;
mod segment;
mod stock_lines;
mod writer;

pub use chorus_core::query::{FormulaMode, QueryMatch, QueryReport, SharedPassage};
pub use corpus::{StoredCorpus, available_memory};
pub use error::{Error, Result};
pub use manifest::{CommitStamp, FORMAT_VERSION};
pub use reader::{IndexReader, IndexStats, QueryOptions};
pub use reworded::RewordedOptions;
pub use writer::{AddSummary, IndexOptions, IndexWriter, RemoveSummary};
