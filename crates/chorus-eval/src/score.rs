//! Scoring a result against truth: [`evaluate`] and the [`Scores`] it returns.
//!
//! Result documents are matched to truth documents with [`DocResolver`]; byte offsets are
//! converted to characters with the truth texts (documents the truth does not know keep
//! their byte offsets: they can only count against precision).
//!
//! * Passage level: every two members of a `cluster` record in two different documents are
//!   a detection; see [`crate::pan`].
//! * Matching: a truth occurrence goes to the result cluster whose members overlap it most
//!   (characters; ties to the first cluster); a truth cluster to the result cluster that
//!   overlaps all its occurrences most.
//! * Passage clusters (bench): items are the non-boilerplate truth occurrences, labelled by
//!   truth cluster and by matched result cluster (unmatched = alone).
//! * Document clusters (truth with `doc_clusters.jsonl`): items are all corpus documents;
//!   predicted labels come from `dup_cluster` records (unlisted documents alone), or, when
//!   the result has none, from connected components of documents that share a `cluster`
//!   record (`doc_clusters.source` says which).
//! * Earliest source: share of truth clusters with an earliest occurrence whose matched
//!   result cluster names an `earliest` in the same document overlapping it (when it gives
//!   a span). Null when no result cluster has `earliest`.
//! * Boilerplate kept out: share of boilerplate truth spans no result member overlaps.
//! * Coordinated: recall over coordinated truth clusters (matched result cluster flagged),
//!   precision over flagged result clusters (matched by some coordinated truth cluster).
//!   Null when no result cluster carries the flag.

use std::collections::{BTreeMap, HashMap};

use chorus_core::UnionFind;
use serde::Serialize;

use crate::pan::{Detection, PanScores, passage_scores};
use crate::partition::{PartitionScores, partition_scores};
use crate::result::{MAX_WARNINGS, ResultSet};
use crate::truth::{DocResolver, DocSpan, Truth, TruthFormat};

/// Document clusters: how they were obtained and how well they match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocClusterScores {
    /// `dup_cluster` (from the result's dup_cluster records) or `derived_from_clusters`
    /// (connected components of documents sharing a passage cluster).
    pub source: &'static str,
    #[serde(flatten)]
    pub scores: PartitionScores,
}

/// Coordinated-flag agreement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoordinatedScores {
    pub truth_coordinated: usize,
    pub flagged: usize,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

/// Sizes of what was scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub truth_docs: usize,
    pub truth_clusters: usize,
    pub truth_occurrences: usize,
    pub result_clusters: usize,
    pub result_members: usize,
    pub result_dup_clusters: usize,
    /// Distinct result document ids the truth does not know.
    pub unknown_result_docs: usize,
    /// Result members whose span reaches past the end of its document (clamped).
    pub members_out_of_range: usize,
}

/// Every score of one result against one truth.
///
/// The top-level `precision`, `recall`, `granularity` and `plagdet` are the PAN measures
/// over all cases; `ari` is the document-level ARI when the truth has document clusters,
/// else the passage-level ARI, else null (`ari_level` says which).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    pub truth_format: TruthFormat,
    pub precision: f64,
    pub recall: f64,
    pub granularity: f64,
    pub plagdet: f64,
    pub over_extension: Option<f64>,
    pub under_coverage: Option<f64>,
    pub cases: usize,
    pub detections: usize,
    pub detected_cases: usize,
    /// What `by_profile` is keyed by: `profile` (bench) or `obfuscation` (PAN).
    pub breakdown_by: &'static str,
    pub by_profile: BTreeMap<String, PanScores>,
    pub ari: Option<f64>,
    /// `documents`, `passages`, or null.
    pub ari_level: Option<&'static str>,
    pub passage_clusters: Option<PartitionScores>,
    pub doc_clusters: Option<DocClusterScores>,
    /// Share of truth clusters whose earliest occurrence the result names correctly.
    pub earliest_correct: Option<f64>,
    pub earliest_clusters: usize,
    /// Share of boilerplate truth spans that no result member overlaps.
    pub boilerplate_kept_out: Option<f64>,
    pub boilerplate_spans: usize,
    pub coordinated: Option<CoordinatedScores>,
    pub counts: Counts,
    pub warnings: Vec<String>,
}

/// A result cluster in truth character space.
struct Mapped {
    /// Per cluster: its members as (document index, char range).
    clusters: Vec<Vec<DocSpan>>,
    /// Per truth document: (cluster index, span) of the members in it.
    by_doc: Vec<Vec<(usize, DocSpan)>>,
    unknown_docs: HashMap<String, usize>,
    out_of_range: usize,
}

fn map_result(truth: &Truth, resolver: &DocResolver, result: &ResultSet) -> Mapped {
    let n = truth.docs.len();
    let mut m = Mapped {
        clusters: Vec::with_capacity(result.clusters.len()),
        by_doc: vec![Vec::new(); n],
        unknown_docs: HashMap::new(),
        out_of_range: 0,
    };
    let mut cache: HashMap<&str, usize> = HashMap::new();
    for (ci, c) in result.clusters.iter().enumerate() {
        let mut members = Vec::with_capacity(c.members.len());
        for mem in &c.members {
            let doc = match cache.get(mem.doc.as_str()) {
                Some(&d) => d,
                None => {
                    let d = resolver.resolve(&mem.doc).unwrap_or_else(|| {
                        let k = m.unknown_docs.len();
                        *m.unknown_docs.entry(mem.doc.clone()).or_insert(n + k)
                    });
                    cache.insert(mem.doc.as_str(), d);
                    d
                }
            };
            let span = if doc < n {
                let chars = &truth.docs[doc].chars;
                if mem.end > chars.byte_len() || mem.begin > mem.end {
                    m.out_of_range += 1;
                }
                let (b, e) = chars.char_range(mem.begin, mem.end);
                DocSpan::new(doc, b, e)
            } else {
                DocSpan::new(doc, mem.begin, mem.end)
            };
            if doc < n {
                m.by_doc[doc].push((ci, span));
            }
            members.push(span);
        }
        m.clusters.push(members);
    }
    m
}

/// Result clusters overlapping `span`, with the characters of overlap (summed over members).
fn overlaps_of(by_doc: &[Vec<(usize, DocSpan)>], span: &DocSpan, out: &mut Vec<(usize, usize)>) {
    out.clear();
    let Some(members) = by_doc.get(span.doc) else {
        return;
    };
    for (ci, m) in members {
        let o = m.overlap(span);
        if o == 0 {
            continue;
        }
        match out.iter_mut().find(|(c, _)| c == ci) {
            Some((_, total)) => *total += o,
            None => out.push((*ci, o)),
        }
    }
}

/// The cluster with most overlap; ties go to the lowest index.
fn best(overlaps: &[(usize, usize)]) -> Option<usize> {
    overlaps
        .iter()
        .max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(&x.0)))
        .map(|&(c, _)| c)
}

/// Scores `result` against `truth`.
pub fn evaluate(truth: &Truth, result: &ResultSet) -> Scores {
    let resolver = truth.resolver();
    let mapped = map_result(truth, &resolver, result);
    let mut warnings: Vec<String> = truth.warnings.clone();
    warnings.extend(result.warnings.iter().cloned());
    if result.skipped_lines > result.warnings.len() {
        warnings.push(format!(
            "{} result lines skipped in all",
            result.skipped_lines
        ));
    }
    if !mapped.unknown_docs.is_empty() {
        let mut examples: Vec<&str> = mapped.unknown_docs.keys().map(String::as_str).collect();
        examples.sort_unstable();
        examples.truncate(3);
        warnings.push(format!(
            "{} result documents not in the truth (e.g. {})",
            mapped.unknown_docs.len(),
            examples.join(", ")
        ));
    }
    if mapped.out_of_range > 0 {
        warnings.push(format!(
            "{} result members reach past the end of their document",
            mapped.out_of_range
        ));
    }

    // Passage level (PAN). For PAN corpora the task is suspicious-against-source, so only
    // detections between a suspicious and a source document count, as in PAN's evaluator
    // (two suspicious documents copying the same source do share text, but that is not a
    // case of the corpus).
    let is_suspicious: Vec<bool> = truth
        .docs
        .iter()
        .map(|d| {
            d.id.rsplit('/')
                .next()
                .is_some_and(|f| f.starts_with("suspicious"))
        })
        .collect();
    let pan = truth.format == TruthFormat::Pan;
    let relevant = move |a: &DocSpan, b: &DocSpan| {
        !pan || matches!(
            (is_suspicious.get(a.doc), is_suspicious.get(b.doc)),
            (Some(x), Some(y)) if x != y
        )
    };
    let detections = mapped.clusters.iter().flat_map(|members| {
        let relevant = relevant.clone();
        members.iter().enumerate().flat_map(move |(i, a)| {
            let relevant = relevant.clone();
            members[i + 1..]
                .iter()
                .filter(move |b| b.doc != a.doc && relevant(a, b))
                .map(move |b| Detection { a: *a, b: *b })
        })
    });
    let passage = passage_scores(&truth.cases, detections);

    // Matching truth occurrences and clusters to result clusters.
    let n_result = mapped.clusters.len();
    let mut scratch = Vec::new();
    let mut occ_best: Vec<Option<usize>> = Vec::with_capacity(truth.occurrences.len());
    let mut cluster_overlap: Vec<HashMap<usize, usize>> =
        vec![HashMap::new(); truth.clusters.len()];
    for o in &truth.occurrences {
        overlaps_of(&mapped.by_doc, &o.span, &mut scratch);
        occ_best.push(best(&scratch));
        if !o.boilerplate {
            for &(c, x) in &scratch {
                *cluster_overlap[o.cluster].entry(c).or_default() += x;
            }
        }
    }
    let cluster_match: Vec<Option<usize>> = cluster_overlap
        .iter()
        .map(|m| {
            let v: Vec<(usize, usize)> = m.iter().map(|(&c, &x)| (c, x)).collect();
            best(&v)
        })
        .collect();

    // Passage clusters.
    let passage_clusters =
        (truth.format == TruthFormat::Bench && truth.has_clusters()).then(|| {
            let mut t_labels = Vec::new();
            let mut p_labels = Vec::new();
            let mut singleton = n_result;
            for (o, b) in truth.occurrences.iter().zip(&occ_best) {
                if o.boilerplate {
                    continue;
                }
                t_labels.push(o.cluster);
                p_labels.push(b.unwrap_or_else(|| {
                    singleton += 1;
                    singleton
                }));
            }
            partition_scores(&t_labels, &p_labels)
        });

    // Document clusters.
    let doc_clusters = truth.doc_clusters.as_ref().map(|labels| {
        let n = truth.docs.len();
        let mut interned: HashMap<&str, usize> = HashMap::new();
        let t_labels: Vec<usize> = labels
            .iter()
            .map(|l| {
                let k = interned.len();
                *interned.entry(l.as_str()).or_insert(k)
            })
            .collect();
        let mut p_labels: Vec<usize> = (0..n).collect();
        let source;
        if !result.dup_clusters.is_empty() {
            source = "dup_cluster";
            let mut assigned = vec![false; n];
            let mut twice = 0;
            for (k, dc) in result.dup_clusters.iter().enumerate() {
                for d in &dc.docs {
                    if let Some(i) = resolver.resolve(d) {
                        if assigned[i] {
                            twice += 1;
                            continue;
                        }
                        assigned[i] = true;
                        p_labels[i] = n + k;
                    }
                }
            }
            if twice > 0 {
                warnings.push(format!(
                    "{twice} documents listed in more than one dup_cluster (first kept)"
                ));
            }
        } else {
            source = "derived_from_clusters";
            // documents joined by the clusters they share; a label is its set's root
            let mut sets = UnionFind::new(n);
            for members in &mapped.clusters {
                let mut docs = members.iter().map(|m| m.doc).filter(|&d| d < n);
                if let Some(first) = docs.next() {
                    for d in docs {
                        sets.union(first as u32, d as u32);
                    }
                }
            }
            for (i, label) in p_labels.iter_mut().enumerate() {
                *label = sets.find(i as u32) as usize;
            }
        }
        DocClusterScores {
            source,
            scores: partition_scores(&t_labels, &p_labels),
        }
    });

    // Earliest source.
    let reuse_clusters = || {
        truth
            .clusters
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.boilerplate)
    };
    let with_earliest: Vec<(usize, DocSpan)> = reuse_clusters()
        .filter_map(|(i, c)| c.earliest.map(|e| (i, e)))
        .collect();
    let earliest_correct = (result.has_earliest() && !with_earliest.is_empty()).then(|| {
        let correct = with_earliest
            .iter()
            .filter(|(i, e)| {
                let Some(rc) = cluster_match[*i] else {
                    return false;
                };
                let Some(re) = &result.clusters[rc].earliest else {
                    return false;
                };
                if resolver.resolve(&re.doc) != Some(e.doc) {
                    return false;
                }
                match (re.begin, re.end) {
                    (Some(b), Some(end)) => {
                        let (cb, ce) = truth.docs[e.doc].chars.char_range(b, end);
                        DocSpan::new(e.doc, cb, ce).overlap(e) > 0
                    }
                    _ => true,
                }
            })
            .count();
        correct as f64 / with_earliest.len() as f64
    });

    // Boilerplate kept out.
    let boilerplate: Vec<bool> = truth
        .occurrences
        .iter()
        .zip(&occ_best)
        .filter(|(o, _)| o.boilerplate)
        .map(|(_, b)| b.is_none())
        .collect();
    let boilerplate_kept_out = (!boilerplate.is_empty())
        .then(|| boilerplate.iter().filter(|&&k| k).count() as f64 / boilerplate.len() as f64);

    // Coordinated clusters.
    let coordinated = result.has_coordinated().then(|| {
        let flagged = |rc: usize| result.clusters[rc].coordinated == Some(true);
        let truth_coord: Vec<usize> = reuse_clusters()
            .filter(|(_, c)| c.coordinated == Some(true))
            .map(|(i, _)| i)
            .collect();
        let found = truth_coord
            .iter()
            .filter(|&&i| cluster_match[i].is_some_and(flagged))
            .count();
        let mut backed = vec![false; n_result];
        for &i in &truth_coord {
            if let Some(rc) = cluster_match[i] {
                backed[rc] = true;
            }
        }
        let n_flagged = (0..n_result).filter(|&rc| flagged(rc)).count();
        let right = (0..n_result)
            .filter(|&rc| flagged(rc) && backed[rc])
            .count();
        let recall = (!truth_coord.is_empty()).then(|| found as f64 / truth_coord.len() as f64);
        let precision = (n_flagged > 0).then(|| right as f64 / n_flagged as f64);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        CoordinatedScores {
            truth_coordinated: truth_coord.len(),
            flagged: n_flagged,
            precision,
            recall,
            f1,
        }
    });

    let (ari, ari_level) = match (&doc_clusters, &passage_clusters) {
        (Some(d), _) => (Some(d.scores.ari), Some("documents")),
        (None, Some(p)) => (Some(p.ari), Some("passages")),
        (None, None) => (None, None),
    };
    warnings.truncate(MAX_WARNINGS * 2);
    let o = passage.overall;
    Scores {
        truth_format: truth.format,
        precision: o.precision,
        recall: o.recall,
        granularity: o.granularity,
        plagdet: o.plagdet,
        over_extension: o.over_extension,
        under_coverage: o.under_coverage,
        cases: o.cases,
        detections: o.detections,
        detected_cases: o.detected_cases,
        breakdown_by: match truth.format {
            TruthFormat::Bench => "profile",
            TruthFormat::Pan => "obfuscation",
        },
        by_profile: passage.by_label,
        ari,
        ari_level,
        passage_clusters,
        doc_clusters,
        earliest_correct,
        earliest_clusters: with_earliest.len(),
        boilerplate_kept_out,
        boilerplate_spans: boilerplate.len(),
        coordinated,
        counts: Counts {
            truth_docs: truth.docs.len(),
            truth_clusters: reuse_clusters().count(),
            truth_occurrences: truth.occurrences.iter().filter(|o| !o.boilerplate).count(),
            result_clusters: result.clusters.len(),
            result_members: result.clusters.iter().map(|c| c.members.len()).sum(),
            result_dup_clusters: result.dup_clusters.len(),
            unknown_result_docs: mapped.unknown_docs.len(),
            members_out_of_range: mapped.out_of_range,
        },
        warnings,
    }
}
