//! Reading a chorus result (`chorus find --json`, `chorus dedup --json`).
//!
//! The result is JSON Lines; each record has a `kind`. Only `cluster` (passage clusters)
//! and `dup_cluster` (document clusters) records are scored; other kinds and unknown fields
//! are ignored. A line that is not JSON, or a cluster record of the wrong shape, is reported
//! in [`ResultSet::warnings`] and skipped.
//!
//! A member is read into the engine's own [`Member`] (chorus-core's result model). The
//! other records are read into looser views of the engine's types: a cluster's `id` is kept
//! as written, its `earliest` may lack a span, and `coordinated` and a group's `keep` may be
//! missing, so that results written by older versions or other tools are scored too.

use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::files::{for_each_line, open_reader};

/// At most this many warnings are kept (the rest are only counted).
pub(crate) const MAX_WARNINGS: usize = 20;

/// One passage of a cluster: a byte range `[begin, end)` of a document's original text,
/// the engine's own type (unknown fields of a member are ignored when reading).
pub use chorus_core::report::Member;

/// The passage a cluster names as its earliest occurrence. The span is optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earliest {
    pub doc: String,
    #[serde(default)]
    pub begin: Option<usize>,
    #[serde(default)]
    pub end: Option<usize>,
}

/// A `cluster` record: passages chorus found to be copies of one another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultCluster {
    /// The record's `id`, as written (integers render as digits).
    pub id: String,
    pub members: Vec<Member>,
    pub earliest: Option<Earliest>,
    pub coordinated: Option<bool>,
}

/// A `dup_cluster` record: documents chorus found to be near-duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DupCluster {
    pub id: String,
    pub docs: Vec<String>,
    pub keep: Option<String>,
}

/// The scored parts of one chorus result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResultSet {
    pub clusters: Vec<ResultCluster>,
    pub dup_clusters: Vec<DupCluster>,
    /// Lines skipped, with their reasons (at most 20 kept; see `skipped_lines`).
    pub warnings: Vec<String>,
    /// How many lines were skipped.
    pub skipped_lines: usize,
}

impl ResultSet {
    /// Whether any cluster record carries an `earliest` field.
    pub fn has_earliest(&self) -> bool {
        self.clusters.iter().any(|c| c.earliest.is_some())
    }

    /// Whether any cluster record carries a `coordinated` flag.
    pub fn has_coordinated(&self) -> bool {
        self.clusters.iter().any(|c| c.coordinated.is_some())
    }
}

#[derive(Deserialize)]
struct RawCluster {
    #[serde(default)]
    id: serde_json::Value,
    members: Vec<Member>,
    #[serde(default)]
    earliest: Option<Earliest>,
    #[serde(default)]
    coordinated: Option<bool>,
}

#[derive(Deserialize)]
struct RawDupCluster {
    #[serde(default)]
    id: serde_json::Value,
    docs: Vec<String>,
    #[serde(default)]
    keep: Option<String>,
}

fn render_id(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Reads a result from JSON Lines. `source_name` names the input in warnings and errors.
///
/// Fails only when the reader fails; bad lines are skipped with a warning.
pub fn read_result(reader: &mut dyn BufRead, source_name: &str) -> Result<ResultSet> {
    let mut set = ResultSet::default();
    for_each_line(reader, source_name, |line_no, line| {
        if let Err(reason) = parse_line(line, &mut set) {
            set.skipped_lines += 1;
            if set.warnings.len() < MAX_WARNINGS {
                set.warnings
                    .push(format!("{source_name}:{line_no}: skipped: {reason}"));
            }
        }
        Ok(())
    })?;
    Ok(set)
}

fn parse_line(line: &str, set: &mut ResultSet) -> std::result::Result<(), String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let kind = value.get("kind").and_then(|k| k.as_str()).unwrap_or("");
    match kind {
        "cluster" => {
            let raw: RawCluster =
                serde_json::from_value(value).map_err(|e| format!("cluster record: {e}"))?;
            set.clusters.push(ResultCluster {
                id: render_id(&raw.id),
                members: raw.members,
                earliest: raw.earliest,
                coordinated: raw.coordinated,
            });
        }
        "dup_cluster" => {
            let raw: RawDupCluster =
                serde_json::from_value(value).map_err(|e| format!("dup_cluster record: {e}"))?;
            set.dup_clusters.push(DupCluster {
                id: render_id(&raw.id),
                docs: raw.docs,
                keep: raw.keep,
            });
        }
        _ => {}
    }
    Ok(())
}

/// Reads a result file (plain, `.xz` or `.gz`).
pub fn load_result(path: &Path) -> Result<ResultSet> {
    let mut reader = open_reader(path)?;
    read_result(&mut reader, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_clusters_and_dup_clusters_and_skips_the_rest() {
        let input = r#"{"kind":"cluster","id":3,"members":[{"doc":"a","begin":0,"end":5,"score":1.0},{"doc":"b","begin":2,"end":7}],"earliest":{"doc":"a","begin":0,"end":5},"coordinated":true,"extra":1}
{"kind":"pair","cluster":3,"a":{"doc":"a","begin":0,"end":5},"b":{"doc":"b","begin":2,"end":7},"score":0.9}
{"kind":"boilerplate","members":"whatever"}
{"kind":"dup_cluster","id":1,"docs":["a","b"],"keep":"a"}

not json
{"kind":"cluster","id":4}
{"kind":"something-new"}
"#;
        let set = read_result(&mut input.as_bytes(), "r.jsonl").unwrap();
        assert_eq!(set.clusters.len(), 1);
        let c = &set.clusters[0];
        assert_eq!(c.id, "3");
        assert_eq!(c.members.len(), 2);
        assert_eq!(c.members[1].begin, 2);
        assert_eq!(c.coordinated, Some(true));
        assert_eq!(c.earliest.as_ref().unwrap().doc, "a");
        assert_eq!(set.dup_clusters.len(), 1);
        assert_eq!(set.dup_clusters[0].keep.as_deref(), Some("a"));
        assert_eq!(set.skipped_lines, 2);
        assert!(
            set.warnings[0].starts_with("r.jsonl:6:"),
            "{:?}",
            set.warnings
        );
        assert!(set.has_earliest() && set.has_coordinated());
    }
}
