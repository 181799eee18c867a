//! Clusters over the stored corpus: computed by [`chorus_core::find`] over the whole
//! corpus ([`ClusterSet::compute`]), then kept up to date write by write (`crate::live`).
//!
//! The engine's clusters are kept as they are ([`Cluster`]), each with what the server adds
//! from the stored documents: each member's title, URL and timestamp (seconds since the
//! epoch, when its date parses), the cluster's outlets and timestamps (for the list
//! filters) and an excerpt. Answers are typed structs serialised at the edge: the list
//! form [`ClusterSummary`] (serialised once per cluster, as lists and query provenance copy
//! it) and the full form [`ClusterDetail`], which writes the engine's cluster fields in the
//! engine's order, members gaining the stored metadata and their passage text.

use crate::pairs::PairStore;
use chorus_core::analyze::Coordination;
use chorus_core::document::parse_timestamp;
use chorus_core::report::{Cluster, ClusterMember, Earliest, Edge, round3};
use chorus_core::when::EarliestUnknown;
use chorus_core::{
    Config, Corpus, Metadata, NoProgress, SourceSizes, Storage, StoragePolicy, StorageRoom,
};
use chorus_store::{IndexReader, StoredCorpus, available_memory};
use serde::Serialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

/// Characters of a cluster's passage shown in lists.
const EXCERPT_CHARS: usize = 280;

/// Characters of each member's passage text in [`ClusterDetail`].
const PASSAGE_CHARS: usize = 20_000;

/// One cluster with what filters and answers need.
#[derive(Clone)]
pub struct ClusterEntry {
    /// The engine's cluster.
    pub cluster: Cluster,
    /// What the stored documents add to each member, in the order of `cluster.members`.
    pub members: Vec<MemberMeta>,
    pub outlets: BTreeSet<String>,
    /// Member timestamps (seconds), where dates parse.
    pub timestamps: Vec<i64>,
    pub excerpt: String,
    /// [`ClusterSummary`], serialised once: lists and query provenance copy it.
    summary_json: Box<RawValue>,
}

/// What the stored document adds to a cluster member (serialised after the engine's
/// fields).
#[derive(Debug, Clone, Serialize)]
pub struct MemberMeta {
    pub title: Option<String>,
    pub url: Option<String>,
    /// Seconds since the epoch, when the document's date parses.
    pub timestamp: Option<i64>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The engine cluster's time order and coordination, as both forms of a cluster write them
/// (in the engine's order and form: the score rounded as the report rounds it).
#[derive(Serialize)]
struct TimeOrder<'a> {
    earliest: &'a Option<Earliest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    earliest_unknown: &'a Option<EarliestUnknown>,
    #[serde(skip_serializing_if = "is_zero")]
    undated: usize,
    coordinated: bool,
    coordination_score: f64,
}

impl<'a> TimeOrder<'a> {
    fn of(c: &'a Cluster) -> Self {
        TimeOrder {
            earliest: &c.earliest,
            earliest_unknown: &c.earliest_unknown,
            undated: c.undated,
            coordinated: c.coordinated,
            coordination_score: round3(c.coordination_score),
        }
    }
}

/// The list form of a cluster (`GET /v1/clusters`, query provenance): no member list,
/// counts and the first passage instead.
#[derive(Serialize)]
pub struct ClusterSummary<'a> {
    id: u32,
    size: usize,
    sources: &'a BTreeSet<String>,
    #[serde(flatten)]
    time: TimeOrder<'a>,
    first_timestamp: Option<i64>,
    last_timestamp: Option<i64>,
    excerpt: &'a str,
}

/// The full form of a cluster (`GET /v1/clusters/{id}`): the engine's cluster, its members
/// with their stored metadata and passage text, its outlets, excerpt and index generation.
#[derive(Serialize)]
pub struct ClusterDetail<'a> {
    id: u32,
    text: &'a str,
    #[serde(flatten)]
    time: TimeOrder<'a>,
    coordination: &'a Option<Coordination>,
    members: Vec<DetailMember<'a>>,
    propagation: &'a [Edge],
    sources: &'a BTreeSet<String>,
    excerpt: &'a str,
    generation: u64,
    as_of: AsOf,
}

#[derive(Serialize)]
struct DetailMember<'a> {
    #[serde(flatten)]
    member: &'a ClusterMember,
    #[serde(flatten)]
    meta: &'a MemberMeta,
    /// The passage, whitespace collapsed, at most [`PASSAGE_CHARS`] characters.
    text: Option<String>,
}

/// All clusters of one index generation.
pub struct ClusterSet {
    /// The index generation the clusters cover (`as_of.generation`).
    pub generation: u64,
    /// What the clusters reflect, as answers state it.
    pub as_of: AsOf,
    /// In id order; shared with the sets of other generations where unchanged.
    pub clusters: Vec<Arc<ClusterEntry>>,
    by_id: HashMap<u32, usize>,
    /// For each document, the clusters it belongs to and the member's byte range.
    pub(crate) by_doc: HashMap<String, Vec<(u32, usize, usize)>>,
    /// The snapshot the clusters were computed on (for passage texts).
    pub reader: Option<Arc<IndexReader>>,
    /// How many of the snapshot's documents each source and site has: an incremental
    /// update judges boilerplate against them (`crate::live`).
    pub(crate) sizes: SourceSizes,
    /// The pair alignments of the incremental updates' engine runs, shared by every
    /// generation (`crate::pairs`).
    pub(crate) pairs: Arc<PairStore>,
}

pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// Where the stored documents' metadata and texts come from when cluster entries are made
/// from a report: the whole stored corpus ([`ClusterSet::compute`]) or the documents of an
/// incremental update (`crate::live`).
pub(crate) trait MemberDocs {
    fn meta(&self, id: &str) -> Option<&Metadata>;
    fn text(&self, id: &str) -> Option<Cow<'_, str>>;
}

/// A [`StoredCorpus`] looked up by document id.
struct CorpusDocs<'a> {
    corpus: &'a StoredCorpus,
    by_name: HashMap<&'a str, usize>,
}

impl MemberDocs for CorpusDocs<'_> {
    fn meta(&self, id: &str) -> Option<&Metadata> {
        self.by_name.get(id).map(|&i| self.corpus.meta(i))
    }
    fn text(&self, id: &str) -> Option<Cow<'_, str>> {
        let &i = self.by_name.get(id)?;
        self.corpus.text(i).ok()
    }
}

/// What the clusters reflect: `GET /v1/clusters` and `GET /v1/clusters/{id}` state it as
/// `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AsOf {
    /// The index generation (commit) whose documents the clusters cover.
    pub generation: u64,
    /// The generation of the last full recompute the clusters build on; equal to
    /// `generation` when no write came since.
    pub exact_generation: u64,
    /// Whether no document changed since that full recompute (the clusters are then a
    /// full recompute's; otherwise incremental updates brought them up to date, see
    /// `crate::live`).
    pub exact: bool,
    /// When the clusters were published (milliseconds since the epoch).
    pub computed_at_ms: u64,
}

impl AsOf {
    pub(crate) fn now(generation: u64, exact_generation: u64, exact: bool) -> AsOf {
        let computed_at_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        AsOf {
            generation,
            exact_generation,
            exact,
            computed_at_ms,
        }
    }
}

impl ClusterSet {
    /// Runs the engine over every live document of the snapshot. Texts are read from the
    /// snapshot's mapped segments; when the corpus would not fit in memory, the engine keeps
    /// its working data in a folder of its own inside `scratch` ([`chorus_core::Storage`]).
    pub fn compute(reader: Option<Arc<IndexReader>>, scratch: &Path) -> Result<ClusterSet, String> {
        Self::compute_with(reader, scratch, &Config::default())
    }

    /// [`ClusterSet::compute`] with the engine's settings `cfg`.
    pub(crate) fn compute_with(
        reader: Option<Arc<IndexReader>>,
        scratch: &Path,
        cfg: &Config,
    ) -> Result<ClusterSet, String> {
        let generation = reader.as_ref().map_or(0, |r| r.generation());
        let corpus = match &reader {
            Some(r) => Some(StoredCorpus::new(Arc::clone(r)).map_err(|e| e.to_string())?),
            None => None,
        };
        let report = match &corpus {
            Some(c) if !c.is_empty() => {
                // on disk only when the run would not fit in memory: the engine keeps its
                // files in a private folder inside `scratch`, removed when it is done
                // (documents stay in the index: there is nothing to spool)
                let room = StorageRoom {
                    available_memory: available_memory(),
                    scratch_dir: scratch.to_path_buf(),
                    scratch_free: None,
                };
                let only_when_too_large = StoragePolicy::Auto {
                    disk_from_bytes: None,
                };
                let storage = Storage::choose(c.text_bytes(), only_when_too_large, &room);
                chorus_core::find_in(c, cfg, &storage, &NoProgress).map_err(|e| e.to_string())?
            }
            _ => chorus_core::Report::default(),
        };
        let clusters = match &corpus {
            Some(c) => {
                let docs = CorpusDocs {
                    corpus: c,
                    by_name: (0..c.len()).map(|i| (c.id(i), i)).collect(),
                };
                report
                    .clusters
                    .into_iter()
                    .map(|cluster| ClusterEntry::new(cluster, &docs).map(Arc::new))
                    .collect::<Result<_, _>>()?
            }
            None => Vec::new(),
        };
        let mut set = ClusterSet::new(AsOf::now(generation, generation, true), clusters, reader);
        if let Some(c) = &corpus {
            set.sizes = SourceSizes::of((0..c.len()).map(|i| c.meta(i)));
        }
        Ok(set)
    }

    /// The set of `clusters` (in id order), indexed.
    pub(crate) fn new(
        as_of: AsOf,
        clusters: Vec<Arc<ClusterEntry>>,
        reader: Option<Arc<IndexReader>>,
    ) -> ClusterSet {
        let mut by_doc: HashMap<String, Vec<(u32, usize, usize)>> = HashMap::new();
        for c in &clusters {
            for m in &c.cluster.members {
                by_doc
                    .entry(m.doc.clone())
                    .or_default()
                    .push((c.cluster.id, m.begin, m.end));
            }
        }
        let by_id = clusters
            .iter()
            .enumerate()
            .map(|(i, c)| (c.cluster.id, i))
            .collect();
        ClusterSet {
            generation: as_of.generation,
            as_of,
            clusters,
            by_id,
            by_doc,
            reader,
            sizes: SourceSizes::default(),
            pairs: Arc::default(),
        }
    }

    /// The clusters document `doc` is a member of.
    pub(crate) fn clusters_of(&self, doc: &str) -> impl Iterator<Item = &ClusterEntry> {
        self.by_doc
            .get(doc)
            .into_iter()
            .flatten()
            .filter_map(|&(id, _, _)| self.get(id))
    }

    pub fn get(&self, id: u32) -> Option<&ClusterEntry> {
        self.by_id.get(&id).map(|&i| &*self.clusters[i])
    }

    /// The clusters that pass the list filters ([`ClusterEntry::matches`]): how many, and
    /// the positions in [`ClusterSet::clusters`] of the `limit` after the first `offset`.
    pub fn page(
        &self,
        coordinated: Option<bool>,
        since: Option<i64>,
        source: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<usize>) {
        let mut total = 0;
        let mut page = Vec::with_capacity(limit.min(self.clusters.len()));
        for (i, c) in self.clusters.iter().enumerate() {
            if c.matches(coordinated, since, source) {
                if total >= offset && page.len() < limit {
                    page.push(i);
                }
                total += 1;
            }
        }
        (total, page)
    }

    /// Clusters holding a member in `doc` that overlaps `[begin, end)`.
    pub fn overlapping(&self, doc: &str, begin: usize, end: usize) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .by_doc
            .get(doc)
            .into_iter()
            .flatten()
            .filter(|&&(_, b, e)| b < end && begin < e)
            .map(|&(c, _, _)| c)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl ClusterEntry {
    /// The engine's `cluster` with what the stored documents add to it; every member must
    /// be a document of `docs`.
    pub(crate) fn new(cluster: Cluster, docs: &dyn MemberDocs) -> Result<ClusterEntry, String> {
        let mut outlets = BTreeSet::new();
        let mut timestamps = Vec::new();
        let mut excerpt = String::new();
        let mut members = Vec::with_capacity(cluster.members.len());
        for m in &cluster.members {
            let Some(meta) = docs.meta(&m.doc) else {
                return Err(format!("cluster {}: no document `{}`", cluster.id, m.doc));
            };
            if excerpt.is_empty()
                && let Some(text) = docs.text(&m.doc)
                && let Some(t) = text.get(m.begin..m.end)
            {
                excerpt = truncate_chars(t, EXCERPT_CHARS);
            }
            if let Some(o) = meta.outlet() {
                outlets.insert(o.into_owned());
            }
            let timestamp = meta.timestamp();
            timestamps.extend(timestamp);
            members.push(MemberMeta {
                title: meta.title.clone(),
                url: meta.url.clone(),
                timestamp,
            });
        }
        let mut entry = ClusterEntry {
            cluster,
            members,
            outlets,
            timestamps,
            excerpt,
            summary_json: RawValue::NULL.to_owned(),
        };
        entry.summary_json =
            serde_json::value::to_raw_value(&entry.summary()).map_err(|e| e.to_string())?;
        Ok(entry)
    }

    /// The same cluster numbered `id` (shared when it already is).
    pub(crate) fn renumbered(self: &Arc<Self>, id: u32) -> Result<Arc<ClusterEntry>, String> {
        if self.cluster.id == id {
            return Ok(Arc::clone(self));
        }
        let mut c = ClusterEntry::clone(self);
        c.cluster.id = id;
        c.summary_json =
            serde_json::value::to_raw_value(&c.summary()).map_err(|e| e.to_string())?;
        Ok(Arc::new(c))
    }

    /// [`ClusterEntry::summary`] as JSON text, computed once per cluster.
    pub fn summary_json(&self) -> &RawValue {
        &self.summary_json
    }

    /// The list form.
    pub fn summary(&self) -> ClusterSummary<'_> {
        let c = &self.cluster;
        ClusterSummary {
            id: c.id,
            size: c.members.len(),
            sources: &self.outlets,
            time: TimeOrder::of(c),
            first_timestamp: self.timestamps.iter().min().copied(),
            last_timestamp: self.timestamps.iter().max().copied(),
            excerpt: &self.excerpt,
        }
    }

    /// Each member's passage as [`ClusterDetail`] shows it (`None` when its document is no
    /// longer in `reader`), read from the snapshot the clusters were computed on.
    pub fn passages(
        &self,
        reader: Option<&IndexReader>,
    ) -> Result<Vec<Option<String>>, chorus_store::Error> {
        let Some(reader) = reader else {
            return Ok(vec![None; self.cluster.members.len()]);
        };
        self.cluster
            .members
            .iter()
            .map(|m| {
                Ok(reader.get(&m.doc)?.and_then(|d| {
                    d.text
                        .get(m.begin..m.end)
                        .map(|t| truncate_chars(t, PASSAGE_CHARS))
                }))
            })
            .collect()
    }

    /// The full form, with the members' `passages` ([`ClusterEntry::passages`]).
    pub fn detail(&self, passages: Vec<Option<String>>, as_of: AsOf) -> ClusterDetail<'_> {
        let c = &self.cluster;
        ClusterDetail {
            id: c.id,
            text: &c.text,
            time: TimeOrder::of(c),
            coordination: &c.coordination,
            members: c
                .members
                .iter()
                .zip(&self.members)
                .zip(passages)
                .map(|((member, meta), text)| DetailMember { member, meta, text })
                .collect(),
            propagation: &c.propagation,
            sources: &self.outlets,
            excerpt: &self.excerpt,
            generation: as_of.generation,
            as_of,
        }
    }

    /// Whether the cluster passes the list filters.
    pub fn matches(
        &self,
        coordinated: Option<bool>,
        since: Option<i64>,
        source: Option<&str>,
    ) -> bool {
        coordinated.is_none_or(|want| self.cluster.coordinated == want)
            && since.is_none_or(|s| self.timestamps.iter().any(|&t| t >= s))
            && source.is_none_or(|src| self.outlets.iter().any(|o| o.eq_ignore_ascii_case(src)))
    }
}

/// Parses a `since` parameter: an ISO 8601 date or date-time, or seconds since the epoch.
pub fn parse_since(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok().or_else(|| parse_timestamp(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chorus_core::Document;
    use chorus_store::{IndexOptions, IndexWriter};

    const STATEMENT: &str = "The regional transport board confirmed on Friday that the night \
        ferry will stop running at the end of October because of rising fuel costs.";

    fn doc(id: &str, text: String, source: &str, date: &str) -> Document {
        let mut d = Document::new(id, text);
        d.meta.source = Some(source.into());
        d.meta.date = Some(date.into());
        d
    }

    /// The full form writes every field of the engine's cluster, in the engine's order and
    /// form, and adds only the server's fields.
    #[test]
    fn the_detail_is_the_engine_cluster_with_the_servers_fields() {
        // dated in order; then a tie (a date-only member and a timestamp of its day) and an
        // undated member, whose clusters carry `earliest_unknown` and `undated`
        for dates in [
            ["2024-03-01", "2024-03-02", "2024-03-05"],
            ["2024-03-01", "2024-03-01T08:00:00Z", "not a date"],
        ] {
            detail_mirrors_the_engine(dates);
        }
    }

    fn detail_mirrors_the_engine(dates: [&str; 3]) {
        let dir = tempfile::tempdir().unwrap();
        let mut w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
        w.add(vec![
            doc(
                "a",
                format!("Ferry news. {STATEMENT} Timetables follow."),
                "Wire",
                dates[0],
            ),
            doc(
                "b",
                format!("Islanders were angry. {STATEMENT} Nobody."),
                "Gazette",
                dates[1],
            ),
            doc(
                "c",
                format!("Herald: {STATEMENT} Letters, page 4."),
                "Herald",
                dates[2],
            ),
        ])
        .unwrap();
        drop(w);
        let reader = Arc::new(IndexReader::open(dir.path()).unwrap());
        let set = ClusterSet::compute(Some(Arc::clone(&reader)), dir.path()).unwrap();
        assert_eq!(set.clusters.len(), 1);
        let c = &set.clusters[0];
        let passages = c.passages(Some(&reader)).unwrap();
        assert_eq!(passages, vec![Some(STATEMENT.to_owned()); 3]);
        let mut detail = serde_json::to_value(c.detail(passages, set.as_of)).unwrap();
        let certain = dates[2] != "not a date";
        assert_eq!(detail["earliest"].is_null(), !certain, "{dates:?}");
        assert_eq!(
            detail.get("earliest_unknown").is_some(),
            !certain,
            "{dates:?}"
        );
        assert_eq!(detail.get("undated").is_some(), !certain, "{dates:?}");
        let obj = detail.as_object_mut().unwrap();
        for k in ["sources", "excerpt", "generation", "as_of"] {
            assert!(obj.shift_remove(k).is_some(), "{k}");
        }
        for m in obj["members"].as_array_mut().unwrap() {
            for k in ["title", "url", "timestamp", "text"] {
                assert!(m.as_object_mut().unwrap().shift_remove(k).is_some(), "{k}");
            }
        }
        assert_eq!(
            detail.to_string(),
            serde_json::to_string(&c.cluster).unwrap()
        );
        // the summary's engine fields too
        let summary = serde_json::to_value(c.summary()).unwrap();
        let engine = serde_json::to_value(&c.cluster).unwrap();
        for k in [
            "id",
            "earliest",
            "earliest_unknown",
            "undated",
            "coordinated",
            "coordination_score",
        ] {
            assert_eq!(summary[k], engine[k], "{k}");
        }
        assert_eq!(summary["size"], 3);
        assert_eq!(summary["excerpt"], STATEMENT);
    }
}
