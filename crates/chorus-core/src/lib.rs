//! chorus-core: the engine of chorus, which finds the passages that documents share,
//! verbatim or nearly so, with exact byte offsets into each original text.
//!
//! # Brief overview
//!
//! The pipeline runs in data-flow order, one module per stage: [`document`] (ids, metadata,
//! [`Span`]s) → [`normalize`] (with an offset map back to the original bytes) →
//! [`tokenize`] → [`fingerprint`] (n-gram hashing) → [`index`] (postings) →
//! [`candidates`] → [`align`] → [`cluster`] → [`report`] (the one serialisable result
//! model). [`find()`] runs it end to end with a [`Config`] and returns a [`Report`]. The
//! engine reads no files and draws nothing: front ends hand it [`Document`]s and may watch
//! it through the [`Progress`] trait.
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

pub mod align;
pub mod aligned;
pub mod analyze;
pub mod boilerplate;
pub mod candidates;
pub mod cluster;
pub mod config;
pub mod corpus;
pub mod dedup;
mod describe;
pub mod document;
pub mod error;
pub mod fingerprint;
pub mod index;
pub mod normalize;
pub mod order;
pub mod pipeline;
pub mod progress;
pub mod query;
pub mod report;
mod spans;
pub mod stages;
mod swar;
mod token_source;
pub mod tokenize;
mod union_find;

pub use aligned::PairAlignment;
pub use config::Config;
pub use corpus::{Corpus, Storage};
pub use dedup::{DedupConfig, DedupReport, Keep, dedup, dedup_in};
pub use document::{DocId, Document, Metadata, Span};
pub use error::{Error, Result};
pub use order::{ByNumber, DocNum, NumberingKey, Order};
pub use pipeline::{find, find_in};
pub use progress::{NoProgress, Progress};
pub use report::{Report, write_jsonl};
