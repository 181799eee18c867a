//! The result model: one serialisable report that every front end renders.
//!
//! A [`Report`] holds the clusters of shared passages, the aligned pairs behind them, the
//! metadata of the documents involved and run statistics. [`write_jsonl`] writes it as JSON
//! Lines, one record per line, each tagged with its `kind`:
//!
//! - `document`: id and metadata (unknown input fields passed through) of each document
//!   that shares a passage;
//! - `cluster`: `{"id", "members": [{"doc", "begin", "end"}]}`, byte offsets into the
//!   original text, end exclusive, with the earliest member and the propagation edges
//!   where the dates make them certain ([`Cluster::earliest`], [`crate::when`]);
//! - `pair`: `{"cluster", "a", "b", "score"}`, one aligned passage between two documents;
//! - `formula`: `{"id", "text", "documents", "outlets", "first_date", "last_date",
//!   "members"}`, a frame documents share with different specifics, kept out of clusters
//!   (only when asked for);
//! - `boilerplate`: `{"source", "text", "members"}`, text a source repeats across its own
//!   documents, kept out of clusters (only when asked for);
//! - `summary`: the run's statistics, last.

use crate::document::{DocId, Metadata};
pub use crate::when::EarliestUnknown;
use serde::{Deserialize, Serialize, Serializer};
use std::io::{self, Write};

/// Rounds a score to the three decimals reports carry. The engine keeps full precision;
/// scores are rounded when serialised, and a front end that prints or compares a score
/// rounds it with this first, so that it agrees with the JSON.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Serialises a score rounded to three decimals ([`round3`]).
pub(crate) fn serialize_round3<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round3(*x))
}

/// A passage occurrence in a report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Member {
    pub doc: DocId,
    pub begin: usize,
    pub end: usize,
}

/// A member of a cluster: where the passage occurs, when and where it was printed, and
/// how it is used there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterMember {
    pub doc: DocId,
    pub begin: usize,
    pub end: usize,
    /// The document's date, as given, when it can be read ([`crate::when`]); null when
    /// the document is undated or its date unreadable (the `document` record keeps it).
    pub date: Option<String>,
    /// The document's outlet (its `source`, else its URL's host).
    pub source: Option<String>,
    /// Whether the passage sits inside quotation marks.
    pub quoted: bool,
    /// The speaker a quotation is attributed to ("a U.S. official").
    pub attribution: Option<String>,
    /// The outlet credited for a block quote holding the passage.
    pub credit: Option<String>,
    /// `quotation`, `credited` or `copy` (taken over without quotation marks or credit).
    pub reuse: String,
    /// How the member was found, with `Config::paraphrase` only (absent otherwise):
    /// `exact` when it shares copied wording with another member, `reworded` when only
    /// reworded sentences tie it to the others ([`crate::paraphrase`]).
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub found: Option<Found>,
}

/// How a passage was found: by the exact path (shared word n-grams, aligned) or by the
/// paraphrase path (similar sentences, [`crate::paraphrase`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Found {
    Exact,
    Reworded,
}

/// The earliest occurrence of a cluster's passage: its document's time is certainly before
/// that of every other dated member document ([`crate::when`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Earliest {
    pub doc: DocId,
    pub begin: usize,
    pub end: usize,
    pub date: Option<String>,
    pub source: Option<String>,
}

/// A likely path of the passage: `to` most likely took it from `from`, which is certainly
/// earlier (edges are only drawn where the dates make the direction certain).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub from: DocId,
    pub to: DocId,
    /// Similarity of the two copies.
    #[serde(serialize_with = "serialize_round3")]
    pub score: f64,
}

/// A group of occurrences of the same passage in different documents (or repeated in one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Cluster number, from 1, in order of the cluster's first member.
    pub id: u32,
    /// The passage as printed by its first member (the earliest, when that is known).
    pub text: String,
    /// The member whose document is certainly earlier than every other dated member
    /// document. Null when that cannot be known: no member has a readable date, or several
    /// could each be first (a date-only member and a timestamp of the same day, two members
    /// of the same second); `earliest_unknown` says which. Undated members are left out
    /// of the comparison and counted in `undated`.
    pub earliest: Option<Earliest>,
    /// Why `earliest` is null: `{"reason": "undated"}`, or `{"reason": "tie", "docs":
    /// [...]}` with the documents that could each be first. Absent when `earliest` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_unknown: Option<EarliestUnknown>,
    /// Member documents without a readable date: they have no place in the time order
    /// (`earliest`, `propagation`, `coordination`). Absent when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub undated: usize,
    /// At least `min_sources` distinct sources printed it within the window.
    pub coordinated: bool,
    /// Most distinct sources within one window, divided by `min_sources`.
    #[serde(serialize_with = "serialize_round3")]
    pub coordination_score: f64,
    /// The busiest window: its outlets and times (when members have dates and sources).
    pub coordination: Option<crate::analyze::Coordination>,
    /// Members in numbering order ([`crate::order`]): by the first second their date
    /// allows, undated last, then by document id. Members whose times overlap are in this
    /// order too, but neither is claimed to be earlier.
    pub members: Vec<ClusterMember>,
    /// For each member document certainly later than another, the certainly earlier
    /// member it most likely came from; no edge where the order is not known (undated or
    /// tied members).
    pub propagation: Vec<Edge>,
}

/// One aligned passage between two documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub cluster: u32,
    pub a: Member,
    pub b: Member,
    /// Similarity of the two copies: matched words over the longer side, in `[0, 1]`
    /// (a reworded passage: the cosine of the two sides' weighted stems).
    #[serde(serialize_with = "serialize_round3")]
    pub score: f64,
    /// How the passage was found, with `Config::paraphrase` only (absent otherwise); a
    /// passage both paths found is `reworded` when the paraphrase path took it more than 10
    /// tokens past the exact passages.
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub found: Option<Found>,
}

/// Text that one source repeats across many of its own documents (a copyright line, a
/// newsletter prompt): kept out of clusters, listed on request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Boilerplate {
    pub source: Option<String>,
    /// The text as printed in its first member.
    pub text: String,
    pub members: Vec<Member>,
}

/// Formulaic language: a frame that documents share with different specifics (a dividend
/// notice, a death notice, a sign-off; see [`crate::formula`]), kept out of clusters,
/// listed on request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Formula {
    /// Formula number, from 1, in order of the first member.
    pub id: u32,
    /// The frame as printed by its first member (the earliest).
    pub text: String,
    /// Documents, outlets and dates the formula spans.
    pub documents: usize,
    pub outlets: usize,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    pub members: Vec<Member>,
}

/// A document that shares at least one passage, with its metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentInfo {
    pub id: DocId,
    #[serde(flatten)]
    pub meta: Metadata,
}

/// Counts of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub documents: usize,
    pub bytes: usize,
    pub tokens: usize,
    pub postings: usize,
    pub candidate_pairs: usize,
    pub passages: usize,
    pub clusters: usize,
    /// Boilerplate occurrences kept out of the results.
    pub boilerplate_spans: usize,
    /// Aligned passages found to be formulas and kept out of the clusters (left out of
    /// the JSON when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub formula_passages: usize,
    /// Passages found or extended by the paraphrase path (`Config::paraphrase`; left out
    /// of the JSON when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reworded_passages: usize,
}

/// The result of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub documents: Vec<DocumentInfo>,
    pub clusters: Vec<Cluster>,
    /// Sorted by cluster, then by the two members.
    pub pairs: Vec<Pair>,
    /// Filled only when asked for (`Config::list_formulas`).
    pub formulas: Vec<Formula>,
    /// Filled only when asked for (`Config::list_boilerplate`).
    pub boilerplate: Vec<Boilerplate>,
    pub stats: Stats,
}

/// One line of the JSON Lines output.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record<'r> {
    Document(&'r DocumentInfo),
    Cluster(&'r Cluster),
    Pair(&'r Pair),
    Formula(&'r Formula),
    Boilerplate(&'r Boilerplate),
    Summary(&'r Stats),
}

impl Report {
    /// The records of the JSON Lines output, in output order: documents, then each cluster
    /// followed by its pairs, then formulas and boilerplate (when listed), then the summary.
    pub fn records(&self) -> impl Iterator<Item = Record<'_>> {
        let mut pairs = self.pairs.iter().peekable();
        let clusters = self.clusters.iter().flat_map(move |c| {
            let mut out = vec![Record::Cluster(c)];
            while let Some(p) = pairs.next_if(|p| p.cluster == c.id) {
                out.push(Record::Pair(p));
            }
            out
        });
        self.documents
            .iter()
            .map(Record::Document)
            .chain(clusters)
            .chain(self.formulas.iter().map(Record::Formula))
            .chain(self.boilerplate.iter().map(Record::Boilerplate))
            .chain(std::iter::once(Record::Summary(&self.stats)))
    }
}

/// Writes the report as JSON Lines.
pub fn write_jsonl<W: Write>(report: &Report, mut w: W) -> io::Result<()> {
    for r in report.records() {
        serde_json::to_writer(&mut w, &r)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

// ---------------------------------------------------------------------------------------
// Near-duplicate documents: the result of `dedup` and the records of `chorus dedup --json`
// (`dup_cluster`, `dup_pair` and `summary`), each record the item's fields followed by its
// `kind` (the summary: the run's statistics, its `kind`, then the documents kept and
// dropped).

/// An aligned pair of documents with the share of each covered by the other (by passages
/// that are no formulas, unless `Config::keep_formulas`; see [`mod@crate::dedup`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DupPair {
    pub a: DocId,
    pub b: DocId,
    #[serde(serialize_with = "serialize_round3")]
    pub coverage_a: f64,
    #[serde(serialize_with = "serialize_round3")]
    pub coverage_b: f64,
    /// Whether the pair counts as near-duplicates under the settings.
    pub duplicate: bool,
}

/// A group of near-duplicate documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DupCluster {
    /// Group number, from 1, in order of the groups' first members.
    pub id: u32,
    /// Members in `(date, id)` order.
    pub docs: Vec<DocId>,
    /// The member kept.
    pub keep: DocId,
}

/// The result of `dedup`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DedupReport {
    /// Groups of two or more documents.
    pub clusters: Vec<DupCluster>,
    /// Every aligned pair with its coverages.
    pub pairs: Vec<DupPair>,
    /// Input indices of the documents kept (one per group, and every document in no
    /// group), in input order.
    pub kept: Vec<usize>,
    /// Input indices of the documents dropped, in input order.
    pub dropped: Vec<usize>,
    pub stats: Stats,
}

/// One line of the JSON Lines output of `dedup`.
#[derive(Debug, Clone, Copy)]
pub enum DedupRecord<'r> {
    DupCluster(&'r DupCluster),
    DupPair(&'r DupPair),
    Summary {
        stats: &'r Stats,
        kept: usize,
        dropped: usize,
    },
}

impl Serialize for DedupRecord<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        /// The item's fields, then its kind.
        #[derive(Serialize)]
        struct Tagged<'a, T> {
            #[serde(flatten)]
            item: &'a T,
            kind: &'static str,
        }
        #[derive(Serialize)]
        struct Summary<'a> {
            #[serde(flatten)]
            stats: &'a Stats,
            kind: &'static str,
            kept: usize,
            dropped: usize,
        }
        match *self {
            DedupRecord::DupCluster(item) => Tagged {
                item,
                kind: "dup_cluster",
            }
            .serialize(s),
            DedupRecord::DupPair(item) => Tagged {
                item,
                kind: "dup_pair",
            }
            .serialize(s),
            DedupRecord::Summary {
                stats,
                kept,
                dropped,
            } => Summary {
                stats,
                kind: "summary",
                kept,
                dropped,
            }
            .serialize(s),
        }
    }
}

impl DedupReport {
    /// The records of the JSON Lines output, in output order: the groups, then (when
    /// `with_pairs`) every aligned pair, then the summary.
    pub fn records(&self, with_pairs: bool) -> impl Iterator<Item = DedupRecord<'_>> {
        let pairs = if with_pairs { &self.pairs[..] } else { &[] };
        self.clusters
            .iter()
            .map(DedupRecord::DupCluster)
            .chain(pairs.iter().map(DedupRecord::DupPair))
            .chain(std::iter::once(DedupRecord::Summary {
                stats: &self.stats,
                kept: self.kept.len(),
                dropped: self.dropped.len(),
            }))
    }
}

/// Writes the result of `dedup` as JSON Lines (see [`DedupReport::records`]).
pub fn write_dedup_jsonl<W: Write>(
    report: &DedupReport,
    with_pairs: bool,
    mut w: W,
) -> io::Result<()> {
    for r in report.records(with_pairs) {
        serde_json::to_writer(&mut w, &r)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

#[cfg(test)]
mod dedup_record_tests {
    use super::*;

    #[test]
    fn dedup_records_are_the_fields_then_the_kind() {
        let report = DedupReport {
            clusters: vec![DupCluster {
                id: 1,
                docs: vec!["a".into(), "b".into()],
                keep: "a".into(),
            }],
            pairs: vec![DupPair {
                a: "a".into(),
                b: "b".into(),
                coverage_a: 0.9,
                coverage_b: 1.0,
                duplicate: true,
            }],
            kept: vec![0, 2],
            dropped: vec![1],
            stats: Stats {
                documents: 3,
                ..Stats::default()
            },
        };
        let lines = |with_pairs| {
            let mut out = Vec::new();
            write_dedup_jsonl(&report, with_pairs, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let summary = r#"{"documents":3,"bytes":0,"tokens":0,"postings":0,"candidate_pairs":0,"passages":0,"clusters":0,"boilerplate_spans":0,"kind":"summary","kept":2,"dropped":1}"#;
        let cluster = r#"{"id":1,"docs":["a","b"],"keep":"a","kind":"dup_cluster"}"#;
        let pair = r#"{"a":"a","b":"b","coverage_a":0.9,"coverage_b":1.0,"duplicate":true,"kind":"dup_pair"}"#;
        assert_eq!(lines(false), format!("{cluster}\n{summary}\n"));
        assert_eq!(lines(true), format!("{cluster}\n{pair}\n{summary}\n"));
    }
}
