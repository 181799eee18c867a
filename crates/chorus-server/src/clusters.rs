//! Clusters over the stored corpus, computed by [`chorus_core::find`] once per index
//! generation and kept until the index changes.
//!
//! Cluster records are passed through as the engine serialises them, so provenance fields
//! the engine adds (`earliest`, `coordinated`, `coordination_score`, member `quoted`,
//! `attribution`, ...) reach clients unchanged. Where the engine gives no `earliest`, it is
//! derived here from the member dates; where it gives no `coordinated`, that field is `null`
//! (unknown), never guessed. Members gain `source`, `date`, `title` and `timestamp` (seconds
//! since the epoch, when the date parses) from the stored documents.

use chorus_core::document::parse_timestamp;
use chorus_core::{Config, Corpus, NoProgress, Storage};
use chorus_store::{IndexReader, StoredCorpus, token_cache_bytes, too_large_for_memory};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

/// Characters of a cluster's passage shown in lists.
const EXCERPT_CHARS: usize = 280;

/// One cluster with what filters and lists need.
pub struct ClusterEntry {
    pub id: u32,
    /// The engine's cluster record, members enriched with document metadata.
    pub record: Value,
    pub outlets: BTreeSet<String>,
    /// Member timestamps (seconds), where dates parse.
    pub timestamps: Vec<i64>,
    pub coordinated: Option<bool>,
    pub excerpt: String,
    /// [`ClusterEntry::summary`], serialised once: lists and query provenance copy it.
    summary_json: Box<RawValue>,
}

/// All clusters of one index generation.
pub struct ClusterSet {
    pub generation: u64,
    pub clusters: Vec<ClusterEntry>,
    by_id: HashMap<u32, usize>,
    /// For each document, the clusters it belongs to and the member's byte range.
    by_doc: HashMap<String, Vec<(u32, usize, usize)>>,
    /// The snapshot the clusters were computed on (for passage texts).
    pub reader: Option<Arc<IndexReader>>,
}

pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

fn str_field(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

impl ClusterSet {
    /// Runs the engine over every live document of the snapshot. Texts are read from the
    /// snapshot's mapped segments; when the corpus would not fit in memory, the engine keeps
    /// its working data in a folder of its own inside `scratch` ([`chorus_core::Storage`]).
    pub fn compute(reader: Option<Arc<IndexReader>>, scratch: &Path) -> Result<ClusterSet, String> {
        let generation = reader.as_ref().map_or(0, |r| r.generation());
        let corpus = match &reader {
            Some(r) => Some(StoredCorpus::new(Arc::clone(r)).map_err(|e| e.to_string())?),
            None => None,
        };
        let report = match &corpus {
            Some(c) if !c.is_empty() => {
                // the engine keeps its files in a private folder inside `scratch`, removed
                // when it is done (documents stay in the index: there is nothing to spool)
                let storage = if too_large_for_memory(c.text_bytes()).is_some() {
                    Storage::Disk {
                        dir: scratch.to_path_buf(),
                        cache_bytes: token_cache_bytes(),
                    }
                } else {
                    Storage::Memory
                };
                chorus_core::find_in(c, &Config::default(), &storage, &NoProgress)
                    .map_err(|e| e.to_string())?
            }
            _ => chorus_core::Report::default(),
        };
        let by_name: HashMap<&str, usize> = match &corpus {
            Some(c) => (0..c.len()).map(|i| (c.id(i), i)).collect(),
            None => HashMap::new(),
        };
        let mut clusters = Vec::with_capacity(report.clusters.len());
        let mut by_doc: HashMap<String, Vec<(u32, usize, usize)>> = HashMap::new();
        for c in &report.clusters {
            let mut record = serde_json::to_value(c).map_err(|e| e.to_string())?;
            let mut outlets = BTreeSet::new();
            let mut timestamps = Vec::new();
            let mut earliest: Option<(i64, Value)> = None;
            let mut excerpt = String::new();
            if let Some(members) = record.get_mut("members").and_then(Value::as_array_mut) {
                for m in members.iter_mut() {
                    let (Some(doc), Some(begin), Some(end)) = (
                        str_field(m, "doc"),
                        m.get("begin").and_then(Value::as_u64),
                        m.get("end").and_then(Value::as_u64),
                    ) else {
                        continue;
                    };
                    let (begin, end) = (begin as usize, end as usize);
                    by_doc
                        .entry(doc.clone())
                        .or_default()
                        .push((c.id, begin, end));
                    let (Some(&i), Some(c)) = (by_name.get(doc.as_str()), corpus.as_ref()) else {
                        continue;
                    };
                    let meta = c.meta(i);
                    if excerpt.is_empty()
                        && let Ok(text) = c.text(i)
                        && let Some(t) = text.get(begin..end)
                    {
                        excerpt = truncate_chars(t, EXCERPT_CHARS);
                    }
                    let Some(obj) = m.as_object_mut() else {
                        continue;
                    };
                    let outlet = meta.outlet().map(std::borrow::Cow::into_owned);
                    if let Some(o) = &outlet {
                        outlets.insert(o.clone());
                    }
                    for (k, v) in [
                        ("source", outlet.clone()),
                        ("date", meta.date.clone()),
                        ("title", meta.title.clone()),
                        ("url", meta.url.clone()),
                    ] {
                        if !obj.contains_key(k) {
                            obj.insert(k.into(), v.map_or(Value::Null, Value::String));
                        }
                    }
                    let ts = meta.timestamp();
                    obj.insert("timestamp".into(), ts.map_or(Value::Null, Value::from));
                    if let Some(t) = ts {
                        timestamps.push(t);
                        if earliest.as_ref().is_none_or(|(e, _)| t < *e) {
                            earliest = Some((
                                t,
                                json!({"doc": doc, "begin": begin, "end": end,
                                       "date": meta.date, "source": outlet}),
                            ));
                        }
                    }
                }
            }
            let coordinated = record.get("coordinated").and_then(Value::as_bool);
            if let Some(obj) = record.as_object_mut() {
                if !obj.contains_key("earliest") {
                    obj.insert("earliest".into(), earliest.map_or(Value::Null, |(_, v)| v));
                }
                obj.entry("coordinated").or_insert(Value::Null);
                obj.entry("coordination_score").or_insert(Value::Null);
            }
            let mut entry = ClusterEntry {
                id: c.id,
                record,
                outlets,
                timestamps,
                coordinated,
                excerpt,
                summary_json: RawValue::NULL.to_owned(),
            };
            entry.summary_json =
                serde_json::value::to_raw_value(&entry.summary()).map_err(|e| e.to_string())?;
            clusters.push(entry);
        }
        let by_id = clusters
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        Ok(ClusterSet {
            generation,
            clusters,
            by_id,
            by_doc,
            reader,
        })
    }

    pub fn get(&self, id: u32) -> Option<&ClusterEntry> {
        self.by_id.get(&id).map(|&i| &self.clusters[i])
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
    /// [`ClusterEntry::summary`] as JSON text, computed once per cluster.
    pub fn summary_json(&self) -> &RawValue {
        &self.summary_json
    }

    /// The list form: no member list, counts and the first passage instead.
    pub fn summary(&self) -> Value {
        let r = &self.record;
        let size = r
            .get("members")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("size".into(), json!(size));
        m.insert("sources".into(), json!(self.outlets));
        for k in ["earliest", "coordinated", "coordination_score"] {
            m.insert(k.into(), r.get(k).cloned().unwrap_or(Value::Null));
        }
        let first = self.timestamps.iter().min().copied();
        let last = self.timestamps.iter().max().copied();
        m.insert("first_timestamp".into(), json!(first));
        m.insert("last_timestamp".into(), json!(last));
        m.insert("excerpt".into(), json!(self.excerpt));
        Value::Object(m)
    }

    /// Whether the cluster passes the list filters.
    pub fn matches(
        &self,
        coordinated: Option<bool>,
        since: Option<i64>,
        source: Option<&str>,
    ) -> bool {
        coordinated.is_none_or(|want| self.coordinated.unwrap_or(false) == want)
            && since.is_none_or(|s| self.timestamps.iter().any(|&t| t >= s))
            && source.is_none_or(|src| self.outlets.iter().any(|o| o.eq_ignore_ascii_case(src)))
    }
}

/// Parses a `since` parameter: an ISO 8601 date or date-time, or seconds since the epoch.
pub fn parse_since(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok().or_else(|| parse_timestamp(s))
}
