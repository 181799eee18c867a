//! chorus-core: the engine of chorus, which finds the passages that documents share,
//! verbatim or nearly so, with exact byte offsets into each original text.
//!
//! # Brief overview
//!
//! The pipeline runs in data-flow order, one module per stage:
//!
//! 1. [`order`]: documents numbered by `(date, id, text)` ([`DocNum`], [`Order`]);
//! 2. [`normalize`] (with an offset map back to the original bytes) → [`tokenize`] →
//!    [`fingerprint`] (n-gram hashing) → [`index`] (postings, in memory or on disk);
//! 3. [`boilerplate`] (what a source repeats in its own documents) → [`candidates`] (the
//!    seed rules that pair documents sharing rare fingerprints);
//! 4. [`align`] (one pair) and [`aligned`] (every candidate pair of a corpus, the working
//!    data kept where [`Storage`] says);
//! 5. token ranges back to byte spans → [`cluster`] → [`quotation`] (quoted, attribution,
//!    credit) and [`analyze`] (coordination, propagation) → [`report`] (the one serialisable result model).
//!
//! [`pipeline`] drives them end to end: [`find()`] takes a [`Config`] and returns a
//! [`Report`]. [`stages`] offers the same stages one by one, every decision inside them,
//! for an engine that distributes the work. [`mod@dedup`] (near-duplicate documents) and
//! [`query`] (one text against many) are the other two uses of the stages. The engine
//! draws nothing: front ends hand it [`Document`]s (or any [`Corpus`]) and may watch it
//! through the [`Progress`] trait; it writes files only as scratch space when asked to
//! ([`Storage::Disk`]).
//!
//! # Example
//!
//! ```
//! use chorus_core::{Config, Document, NoProgress, find};
//!
//! let statement = "The government followed a longstanding duty to warn policy that has \
//!                  been implemented across administrations.";
//! let docs = vec![
//!     Document::new("wire.txt", format!("Officials spoke. \"{statement}\" they said.")),
//!     Document::new("blog.txt", format!("A blog wrote: {statement} Comments follow.")),
//! ];
//! let report = find(&docs, &Config::default(), &NoProgress).unwrap();
//! assert_eq!(report.clusters.len(), 1);
//! // members are in (date, id) order: blog.txt first
//! let m = &report.clusters[0].members[0];
//! assert_eq!(m.doc, "blog.txt");
//! assert_eq!(&docs[1].text[m.begin..m.end], statement);
//! ```

// unsafe_code is only denied workspace-wide (chorus-store allows it on two items); this
// crate keeps the old, stricter forbid.
#![forbid(unsafe_code)]

// settings, documents and where they come from
pub mod config;
pub mod corpus;
pub mod document;
pub mod duration;
pub mod error;
pub mod progress;
pub mod when;

// the stages, in data-flow order
pub mod order;

pub mod normalize;
mod packed_tokens;
mod swar;
mod token_ranges;
mod token_source;
pub mod tokenize;

pub mod fingerprint;

pub mod index;
mod scratch;

pub mod boilerplate;

pub mod candidates;

pub mod align;

pub mod aligned;
pub mod memo;
mod through;

pub mod paraphrase;

mod spans;

mod attribution;
pub mod quotation;

pub mod corroborate;
pub mod formula;

pub mod cluster;
mod union_find;

pub mod analyze;

mod describe;
pub mod report;

// drivers: the whole pipeline, the stages one by one, and the other uses of the stages
pub mod pipeline;

pub mod stages;

pub mod dedup;
pub mod query;
pub mod query_reworded;
pub mod query_stock;

#[cfg(test)]
mod testing;

pub use aligned::PairAlignment;
pub use boilerplate::SourceSizes;
pub use config::Config;
pub use corpus::{
    Corpus, MEMORY_PER_TEXT_BYTE, SCRATCH_PER_TEXT_BYTE, Storage, StoragePolicy, StorageRoom,
};
pub use dedup::{DedupConfig, DedupReport, Keep, dedup, dedup_in};
pub use document::{DocId, Document, Metadata, Span};
pub use duration::{DurationError, parse_duration};
pub use error::{Error, Result};
pub use memo::{PairMemo, find_in_memo};
pub use order::{ByNumber, DocNum, NumberingKey, Order};
pub use pipeline::{find, find_in};
pub use progress::{NoProgress, Progress};
pub use report::{Report, write_jsonl};
pub use spans::token_span;
pub use union_find::UnionFind;
pub use when::When;
