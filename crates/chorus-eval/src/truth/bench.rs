//! reuse-bench-gen sets: `corpus.jsonl`, `truth.jsonl` (every planted span, in byte
//! offsets, converted here to characters with the documents' texts), and optionally
//! `clusters.json` (earliest occurrence and coordinated flag per cluster) and
//! `doc_clusters.jsonl` (document-level clusters), each plain, `.xz` or `.gz`. The cases
//! scored are every two non-boilerplate occurrences of one cluster in two different
//! documents ([`bench_cases`]), labelled by the noisier profile ([`pair_profile`]).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Case, DocSpan, Occurrence, Truth, TruthCluster, TruthDoc, TruthFormat};
use crate::chars::CharMap;
use crate::error::{EvalError, Result};
use crate::files::{find_variant, for_each_line, open_reader, read_to_string};

/// Noisiness rank of a bench profile (higher = noisier); unknown profiles are noisiest.
fn profile_rank(p: &str) -> usize {
    match p {
        "original" => 0,
        "verbatim" => 1,
        "quoted" => 2,
        "light" => 3,
        "heavy" => 4,
        _ => 5,
    }
}

/// The breakdown label of a pair of occurrences with profiles `a` and `b`: the noisier of
/// the two, in the order original < verbatim < quoted < light < heavy < anything else (ties
/// between unknown profiles: the alphabetically first). A source–copy pair therefore takes
/// the copy's profile (`profile_b` of `pairs.jsonl`); two copies take the noisier one, since
/// the text that differs most between them bounds how hard the pair is to align.
pub fn pair_profile(a: &str, b: &str) -> String {
    let (ra, rb) = (profile_rank(a), profile_rank(b));
    if ra > rb || (ra == rb && a <= b) {
        a.to_string()
    } else {
        b.to_string()
    }
}

/// Every two non-boilerplate occurrences of one cluster in two different documents.
pub fn bench_cases(occurrences: &[Occurrence]) -> Vec<Case> {
    let mut by_cluster: HashMap<usize, Vec<&Occurrence>> = HashMap::new();
    for o in occurrences.iter().filter(|o| !o.boilerplate) {
        by_cluster.entry(o.cluster).or_default().push(o);
    }
    let mut keys: Vec<usize> = by_cluster.keys().copied().collect();
    keys.sort_unstable();
    let mut cases = Vec::new();
    for k in keys {
        let occ = &by_cluster[&k];
        for (i, x) in occ.iter().enumerate() {
            for y in &occ[i + 1..] {
                if x.span.doc != y.span.doc {
                    cases.push(Case {
                        a: x.span,
                        b: y.span,
                        profile: pair_profile(&x.profile, &y.profile),
                    });
                }
            }
        }
    }
    cases
}

/// One line of a bench `truth.jsonl` (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthRecord {
    /// Absent on formula records (`kind: formula`), which belong to no cluster.
    #[serde(default)]
    pub cluster: String,
    pub kind: String,
    #[serde(default)]
    pub profile: String,
    #[serde(default)]
    pub role: String,
    pub doc: String,
    pub begin: usize,
    pub end: usize,
    #[serde(default)]
    pub cbegin: Option<usize>,
    #[serde(default)]
    pub cend: Option<usize>,
    #[serde(default)]
    pub coordinated: Option<bool>,
    #[serde(default)]
    pub src_doc: Option<String>,
    #[serde(default)]
    pub src_begin: Option<usize>,
    #[serde(default)]
    pub src_end: Option<usize>,
}

#[derive(Deserialize)]
struct CorpusRecord {
    id: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct DocClusterRecord {
    doc: String,
    dup_cluster: String,
}

#[derive(Deserialize)]
struct ClustersFile {
    #[serde(default)]
    clusters: Vec<ClusterEntry>,
}

#[derive(Deserialize)]
struct ClusterEntry {
    cluster: String,
    #[serde(default)]
    coordinated: Option<bool>,
    #[serde(default)]
    earliest: Option<SpanEntry>,
}

#[derive(Deserialize)]
struct SpanEntry {
    doc: String,
    begin: usize,
    end: usize,
}

/// Reads a bench set from its parts: `corpus.jsonl`, `truth.jsonl`, optionally the text of
/// `clusters.json` and `doc_clusters.jsonl`.
pub fn read_bench_truth(
    corpus: &mut dyn BufRead,
    truth: &mut dyn BufRead,
    clusters_json: Option<&str>,
    doc_clusters: Option<&mut dyn BufRead>,
) -> Result<Truth> {
    read_bench(
        (corpus, "corpus.jsonl"),
        (truth, "truth.jsonl"),
        clusters_json.map(|s| (s, "clusters.json")),
        doc_clusters.map(|r| (r, "doc_clusters.jsonl")),
    )
}

/// Reads a bench set; each input comes with its name for error messages.
fn read_bench(
    corpus: (&mut dyn BufRead, &str),
    truth: (&mut dyn BufRead, &str),
    clusters_json: Option<(&str, &str)>,
    doc_clusters: Option<(&mut dyn BufRead, &str)>,
) -> Result<Truth> {
    let mut t = Truth::empty(TruthFormat::Bench);
    let mut doc_index: HashMap<String, usize> = HashMap::new();

    let (reader, name) = corpus;
    for_each_line(reader, name, |line, text| {
        let rec: CorpusRecord =
            serde_json::from_str(text).map_err(|e| EvalError::bad_record(name, line, e))?;
        if doc_index.contains_key(&rec.id) {
            return Err(EvalError::bad_record(
                name,
                line,
                format!("duplicate document id {:?}", rec.id),
            ));
        }
        doc_index.insert(rec.id.clone(), t.docs.len());
        t.docs.push(TruthDoc {
            chars: CharMap::new(&rec.text),
            id: rec.id,
        });
        Ok(())
    })?;

    let mut cluster_index: HashMap<String, usize> = HashMap::new();
    let mut char_mismatches = 0usize;
    let mut pending_src: Vec<Option<(String, usize, usize)>> = Vec::new();
    let (reader, name) = truth;
    for_each_line(reader, name, |line, text| {
        let rec: TruthRecord =
            serde_json::from_str(text).map_err(|e| EvalError::bad_record(name, line, e))?;
        let bad = |reason: String| EvalError::bad_record(name, line, reason);
        if rec.kind == "formula" {
            // formulaic language is not reuse: text reported from it is a false positive
            return Ok(());
        }
        let &doc = doc_index
            .get(&rec.doc)
            .ok_or_else(|| bad(format!("document {:?} is not in the corpus", rec.doc)))?;
        let chars = &t.docs[doc].chars;
        if rec.begin > rec.end || rec.end > chars.byte_len() {
            return Err(bad(format!(
                "span {}..{} outside document {:?} ({} bytes)",
                rec.begin,
                rec.end,
                rec.doc,
                chars.byte_len()
            )));
        }
        let (cb, ce) = chars.char_range(rec.begin, rec.end);
        if let (Some(b), Some(e)) = (rec.cbegin, rec.cend)
            && (b, e) != (cb, ce)
        {
            char_mismatches += 1;
        }
        let boilerplate = rec.kind == "boilerplate";
        let cluster = *cluster_index.entry(rec.cluster.clone()).or_insert_with(|| {
            t.clusters.push(TruthCluster {
                id: rec.cluster.clone(),
                boilerplate,
                coordinated: None,
                earliest: None,
            });
            pending_src.push(None);
            t.clusters.len() - 1
        });
        let c = &mut t.clusters[cluster];
        if c.coordinated.is_none() {
            c.coordinated = rec.coordinated;
        }
        let span = DocSpan::new(doc, cb, ce);
        if !boilerplate {
            if rec.role == "source" {
                c.earliest = Some(span);
            } else if let (Some(d), Some(b), Some(e)) = (&rec.src_doc, rec.src_begin, rec.src_end)
                && pending_src[cluster].is_none()
            {
                pending_src[cluster] = Some((d.clone(), b, e));
            }
        }
        t.occurrences.push(Occurrence {
            cluster,
            boilerplate,
            profile: rec.profile,
            span,
        });
        Ok(())
    })?;
    if char_mismatches > 0 {
        t.warn(format!(
            "{}: {char_mismatches} spans whose cbegin/cend differ from the converted byte offsets",
            name
        ));
    }
    // Clusters without a `source` occurrence: take the earliest from src_doc/src_begin/src_end.
    for (ci, src) in pending_src.into_iter().enumerate() {
        if t.clusters[ci].earliest.is_none()
            && let Some((d, b, e)) = src
            && let Some(&doc) = doc_index.get(&d)
        {
            let (cb, ce) = t.docs[doc].chars.char_range(b, e);
            t.clusters[ci].earliest = Some(DocSpan::new(doc, cb, ce));
        }
    }

    if let Some((text, name)) = clusters_json {
        let file: ClustersFile = serde_json::from_str(text)
            .map_err(|e| EvalError::bad_record(name, e.line(), e.to_string()))?;
        let mut unknown = 0usize;
        for entry in file.clusters {
            let Some(&ci) = cluster_index.get(&entry.cluster) else {
                unknown += 1;
                continue;
            };
            if entry.coordinated.is_some() {
                t.clusters[ci].coordinated = entry.coordinated;
            }
            if let Some(e) = entry.earliest {
                let &doc = doc_index.get(&e.doc).ok_or_else(|| {
                    EvalError::bad_record(
                        name,
                        0,
                        format!(
                            "earliest of {} names unknown document {:?}",
                            entry.cluster, e.doc
                        ),
                    )
                })?;
                let (cb, ce) = t.docs[doc].chars.char_range(e.begin, e.end);
                t.clusters[ci].earliest = Some(DocSpan::new(doc, cb, ce));
            }
        }
        if unknown > 0 {
            t.warn(format!(
                "{name}: {unknown} clusters that truth.jsonl does not have"
            ));
        }
    }

    if let Some((reader, name)) = doc_clusters {
        let mut labels: Vec<Option<String>> = vec![None; t.docs.len()];
        for_each_line(reader, name, |line, text| {
            let rec: DocClusterRecord =
                serde_json::from_str(text).map_err(|e| EvalError::bad_record(name, line, e))?;
            let &doc = doc_index.get(&rec.doc).ok_or_else(|| {
                EvalError::bad_record(
                    name,
                    line,
                    format!("document {:?} is not in the corpus", rec.doc),
                )
            })?;
            labels[doc] = Some(rec.dup_cluster);
            Ok(())
        })?;
        let missing = labels.iter().filter(|l| l.is_none()).count();
        if missing > 0 {
            t.warn(format!(
                "{name}: {missing} documents without a line (counted as singletons)"
            ));
        }
        t.doc_clusters = Some(
            labels
                .into_iter()
                .enumerate()
                .map(|(i, l)| l.unwrap_or_else(|| format!("single-{}", t.docs[i].id)))
                .collect(),
        );
    }

    t.cases = bench_cases(&t.occurrences);
    Ok(t)
}

/// Reads a reuse-bench-gen folder.
pub fn load_bench_truth(dir: &Path) -> Result<Truth> {
    let missing = |what: &str| EvalError::Missing {
        path: dir.to_path_buf(),
        what: what.to_string(),
    };
    let corpus_path = find_variant(dir, "corpus.jsonl").ok_or_else(|| missing("corpus.jsonl"))?;
    let truth_path = find_variant(dir, "truth.jsonl").ok_or_else(|| missing("truth.jsonl"))?;
    let clusters_path = find_variant(dir, "clusters.json");
    let doc_clusters_path = find_variant(dir, "doc_clusters.jsonl");

    let clusters_text = clusters_path.as_deref().map(read_to_string).transpose()?;
    let mut corpus = open_reader(&corpus_path)?;
    let mut truth = open_reader(&truth_path)?;
    let mut doc_clusters = doc_clusters_path.as_deref().map(open_reader).transpose()?;

    let corpus_name = corpus_path.display().to_string();
    let truth_name = truth_path.display().to_string();
    let clusters_name = clusters_path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let doc_clusters_name = doc_clusters_path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    read_bench(
        (&mut corpus, &corpus_name),
        (&mut truth, &truth_name),
        clusters_text
            .as_deref()
            .map(|s| (s, clusters_name.as_str())),
        doc_clusters
            .as_mut()
            .map(|r| (r as &mut dyn BufRead, doc_clusters_name.as_str())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_profile_takes_the_noisier() {
        assert_eq!(pair_profile("original", "light"), "light");
        assert_eq!(pair_profile("heavy", "original"), "heavy");
        assert_eq!(pair_profile("verbatim", "quoted"), "quoted");
        assert_eq!(pair_profile("light", "heavy"), "heavy");
        assert_eq!(pair_profile("zeta", "alpha"), "alpha");
        assert_eq!(pair_profile("verbatim", "verbatim"), "verbatim");
    }

    #[test]
    fn bench_cases_pair_occurrences_across_documents() {
        let occ = |cluster, doc, profile: &str| Occurrence {
            cluster,
            boilerplate: false,
            profile: profile.to_string(),
            span: DocSpan::new(doc, 0, 10),
        };
        let mut bp = occ(1, 0, "template");
        bp.boilerplate = true;
        let occurrences = vec![
            occ(0, 0, "original"),
            occ(0, 1, "light"),
            occ(0, 2, "heavy"),
            occ(0, 2, "verbatim"), // same document as the previous: no case between them
            bp.clone(),
            Occurrence {
                span: DocSpan::new(1, 0, 5),
                ..bp
            },
        ];
        let cases = bench_cases(&occurrences);
        // pairs across docs among the 4 reprint occurrences: 6 pairs minus 1 same-doc = 5
        assert_eq!(cases.len(), 5);
        let labels: Vec<&str> = cases.iter().map(|c| c.profile.as_str()).collect();
        assert_eq!(labels, ["light", "heavy", "verbatim", "heavy", "light"]);
    }
}
