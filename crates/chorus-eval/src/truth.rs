//! Ground truth, in character offsets: reuse-bench-gen sets and PAN corpora.
//!
//! [`load_truth`] autodetects the format. A reuse-bench-gen folder holds `corpus.jsonl`,
//! `truth.jsonl` (every planted span, byte offsets), optionally `clusters.json` (earliest
//! occurrence and coordinated flag per cluster) and `doc_clusters.jsonl` (document-level
//! clusters); each may be plain, `.xz` or `.gz`. A PAN folder holds `source-documents/` and
//! `suspicious-documents/` with one XML file of `plagiarism` features per suspicious document
//! (character offsets). Byte offsets are converted to characters with the documents' texts,
//! so all spans here are code point ranges.
//!
//! Cases (the pairs PAN measures score) come from the truth clusters for bench sets (every two
//! non-boilerplate occurrences of one cluster in two different documents, which is what
//! `pairs.jsonl` lists) and from the XML features for PAN. Truth errors are errors: a score
//! against half-read truth would mislead.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::chars::CharMap;
use crate::error::{EvalError, Result};
use crate::files::{find_variant, for_each_line, open_reader, read_to_string};
use crate::result::MAX_WARNINGS;

/// Which kind of ground truth was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TruthFormat {
    /// A reuse-bench-gen set: clusters of occurrences, profiles, maybe document clusters.
    Bench,
    /// A PAN text-alignment corpus: pairs of passages labelled by obfuscation.
    Pan,
}

/// A character range `[begin, end)` of the truth document with index `doc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DocSpan {
    pub doc: usize,
    pub begin: usize,
    pub end: usize,
}

impl DocSpan {
    pub fn new(doc: usize, begin: usize, end: usize) -> DocSpan {
        DocSpan {
            doc,
            begin,
            end: end.max(begin),
        }
    }

    pub fn len(&self) -> usize {
        self.end - self.begin
    }

    pub fn is_empty(&self) -> bool {
        self.begin == self.end
    }

    /// Characters shared with `other` (0 when the documents differ).
    pub fn overlap(&self, other: &DocSpan) -> usize {
        if self.doc != other.doc {
            return 0;
        }
        self.end
            .min(other.end)
            .saturating_sub(self.begin.max(other.begin))
    }
}

/// One document of the truth corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthDoc {
    /// The id chorus will report: the corpus `id`, or for PAN the path below the corpus
    /// folder (`suspicious-documents/suspicious-document00001.txt`).
    pub id: String,
    pub chars: CharMap,
}

/// A truth cluster (bench sets only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthCluster {
    pub id: String,
    /// Boilerplate templates are clusters too, but not reuse.
    pub boilerplate: bool,
    pub coordinated: Option<bool>,
    pub earliest: Option<DocSpan>,
}

/// One planted span: an occurrence of a truth cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Index into [`Truth::clusters`].
    pub cluster: usize,
    pub boilerplate: bool,
    /// `original`, `verbatim`, `light`, `heavy`, `quoted`, `template`, ...
    pub profile: String,
    pub span: DocSpan,
}

/// A PAN case: two passages in two documents, one a reuse of the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub a: DocSpan,
    pub b: DocSpan,
    /// The breakdown label: the pair's profile (bench, see [`pair_profile`]) or the
    /// obfuscation type (PAN).
    pub profile: String,
}

/// Ground truth, ready to score against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    pub format: TruthFormat,
    pub docs: Vec<TruthDoc>,
    /// Empty for PAN (it has no clusters).
    pub clusters: Vec<TruthCluster>,
    /// Empty for PAN.
    pub occurrences: Vec<Occurrence>,
    pub cases: Vec<Case>,
    /// The document-level cluster label of each document (index-aligned with `docs`),
    /// when the set has `doc_clusters.jsonl`.
    pub doc_clusters: Option<Vec<String>>,
    /// Oddities met while loading (at most 20).
    pub warnings: Vec<String>,
}

impl Truth {
    /// A resolver from result document ids to indices into [`Truth::docs`].
    pub fn resolver(&self) -> DocResolver {
        DocResolver::new(self.docs.iter().map(|d| d.id.as_str()))
    }

    /// Whether the truth has passage clusters (cluster-level measures make sense).
    pub fn has_clusters(&self) -> bool {
        self.occurrences.iter().any(|o| !o.boilerplate)
    }

    fn warn(&mut self, message: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(message);
        }
    }
}

/// Maps a result's document ids to truth documents.
///
/// Exact ids first; then the id with leading folders stripped one at a time (chorus ran on a
/// parent folder: `indo_pan/source-documents/x.txt`); then the bare file name when it is
/// unique in the truth (chorus ran on a sub-folder). Backslashes count as `/`.
#[derive(Debug, Clone, Default)]
pub struct DocResolver {
    full: HashMap<String, usize>,
    by_name: HashMap<String, Option<usize>>,
}

fn normalize_id(id: &str) -> String {
    let id = id.replace('\\', "/");
    let mut s = id.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

fn file_name(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

impl DocResolver {
    pub fn new<'a>(ids: impl IntoIterator<Item = &'a str>) -> DocResolver {
        let mut r = DocResolver::default();
        for (i, id) in ids.into_iter().enumerate() {
            let id = normalize_id(id);
            r.by_name
                .entry(file_name(&id).to_string())
                .and_modify(|v| *v = None)
                .or_insert(Some(i));
            r.full.entry(id).or_insert(i);
        }
        r
    }

    /// The truth document index of a result id, if any.
    pub fn resolve(&self, id: &str) -> Option<usize> {
        let id = normalize_id(id);
        let mut rest = id.as_str();
        loop {
            if let Some(&i) = self.full.get(rest) {
                return Some(i);
            }
            match rest.find('/') {
                Some(pos) => rest = &rest[pos + 1..],
                None => break,
            }
        }
        self.by_name.get(file_name(&id)).copied().flatten()
    }
}

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
    let mut t = Truth {
        format: TruthFormat::Bench,
        docs: Vec::new(),
        clusters: Vec::new(),
        occurrences: Vec::new(),
        cases: Vec::new(),
        doc_clusters: None,
        warnings: Vec::new(),
    };
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

const PAN_SOURCE: &str = "source-documents";
const PAN_SUSPICIOUS: &str = "suspicious-documents";

fn is_pan_root(dir: &Path) -> bool {
    dir.join(PAN_SUSPICIOUS).is_dir() && dir.join(PAN_SOURCE).is_dir()
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| EvalError::io(dir, e))? {
        out.push(entry.map_err(|e| EvalError::io(dir, e))?.path());
    }
    out.sort();
    Ok(out)
}

/// The PAN corpus root: `dir` itself or its only sub-folder that is one.
fn find_pan_root(dir: &Path) -> Result<Option<PathBuf>> {
    if is_pan_root(dir) {
        return Ok(Some(dir.to_path_buf()));
    }
    let roots: Vec<PathBuf> = sorted_entries(dir)?
        .into_iter()
        .filter(|p| p.is_dir() && is_pan_root(p))
        .collect();
    Ok(if roots.len() == 1 {
        roots.into_iter().next()
    } else {
        None
    })
}

struct PanFeature {
    this_offset: usize,
    this_length: usize,
    source_reference: String,
    source_offset: usize,
    source_length: usize,
    label: String,
}

/// A suspicious document's XML: its `reference`, its plagiarism features, and the names of
/// other elements that look like misspelt plagiarism features (ignored, as PAN's own
/// evaluator ignores them).
struct PanXml {
    reference: Option<String>,
    features: Vec<PanFeature>,
    ignored: Vec<String>,
}

/// Parses one suspicious document's XML.
fn parse_pan_xml(path: &Path, xml: &str) -> Result<PanXml> {
    use quick_xml::events::Event;
    let bad = |reason: String| EvalError::BadXml {
        path: path.to_path_buf(),
        reason,
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut reference = None;
    let mut features = Vec::new();
    let mut ignored = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| bad(format!("at byte {}: {e}", reader.buffer_position())))?;
        let e = match event {
            Event::Start(e) | Event::Empty(e) => e,
            Event::Eof => break,
            _ => continue,
        };
        let tag = e.name().as_ref().to_vec();
        let mut attrs: HashMap<String, String> = HashMap::new();
        for a in e.attributes() {
            let a = a.map_err(|e| bad(e.to_string()))?;
            let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            let value = a.unescape_value().map_err(|e| bad(e.to_string()))?;
            attrs.insert(key, value.into_owned());
        }
        let plagiarism = attrs.get("name").map(String::as_str) == Some("plagiarism");
        if tag == b"document" {
            reference = attrs.remove("reference");
            continue;
        }
        if tag != b"feature" {
            if plagiarism {
                ignored.push(String::from_utf8_lossy(&tag).into_owned());
            }
            continue;
        }
        if !plagiarism {
            continue;
        }
        let Some(source_reference) = attrs.get("source_reference").cloned() else {
            continue; // intrinsic plagiarism: nothing to align
        };
        let num = |key: &str| -> Result<usize> {
            attrs
                .get(key)
                .ok_or_else(|| bad(format!("feature without {key}")))?
                .trim()
                .parse()
                .map_err(|_| bad(format!("{key} is not a number")))
        };
        let label = attrs
            .get("obfuscation")
            .or_else(|| attrs.get("type"))
            .cloned()
            .unwrap_or_else(|| "unknown".to_string());
        features.push(PanFeature {
            this_offset: num("this_offset")?,
            this_length: num("this_length")?,
            source_reference,
            source_offset: num("source_offset")?,
            source_length: num("source_length")?,
            label,
        });
    }
    Ok(PanXml {
        reference,
        features,
        ignored,
    })
}

/// Reads a PAN text-alignment corpus (`dir` or its only sub-folder holding
/// `source-documents/` and `suspicious-documents/`).
///
/// Document ids are `source-documents/<file>` and `suspicious-documents/<file>`. A case's
/// label is its `obfuscation` attribute, or its `type` when there is none (PAN 2011 marks
/// hand-made paraphrases only as `type="simulated"`).
pub fn load_pan_truth(dir: &Path) -> Result<Truth> {
    let root = find_pan_root(dir)?.ok_or_else(|| EvalError::UnknownTruthFormat {
        path: dir.to_path_buf(),
    })?;
    let mut t = Truth {
        format: TruthFormat::Pan,
        docs: Vec::new(),
        clusters: Vec::new(),
        occurrences: Vec::new(),
        cases: Vec::new(),
        doc_clusters: None,
        warnings: Vec::new(),
    };
    let mut doc_index: HashMap<String, usize> = HashMap::new();
    let mut xml_files = Vec::new();
    for sub in [PAN_SOURCE, PAN_SUSPICIOUS] {
        for path in sorted_entries(&root.join(sub))? {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if name.ends_with(".xml") && sub == PAN_SUSPICIOUS {
                xml_files.push(path.clone());
            }
            if !name.ends_with(".txt") || !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| EvalError::io(&path, e))?;
            let text = match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => {
                    t.warn(format!(
                        "{}: not UTF-8; read lossily, offsets may be off",
                        path.display()
                    ));
                    String::from_utf8_lossy(e.as_bytes()).into_owned()
                }
            };
            let id = format!("{sub}/{name}");
            doc_index.insert(id.clone(), t.docs.len());
            t.docs.push(TruthDoc {
                id,
                chars: CharMap::new(&text),
            });
        }
    }
    for path in xml_files {
        let xml = std::fs::read_to_string(&path).map_err(|e| EvalError::io(&path, e))?;
        let PanXml {
            reference,
            features,
            ignored,
        } = parse_pan_xml(&path, &xml)?;
        for tag in ignored {
            t.warn(format!(
                "{}: <{tag} name=\"plagiarism\"> is not a <feature>; ignored",
                path.display()
            ));
        }
        let this_name = reference.unwrap_or_else(|| {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            format!("{stem}.txt")
        });
        let Some(&this_doc) = doc_index.get(&format!("{PAN_SUSPICIOUS}/{this_name}")) else {
            if !features.is_empty() {
                t.warn(format!(
                    "{}: document {this_name} not found; {} cases skipped",
                    path.display(),
                    features.len()
                ));
            }
            continue;
        };
        for f in features {
            let Some(&src_doc) = doc_index.get(&format!("{PAN_SOURCE}/{}", f.source_reference))
            else {
                t.warn(format!(
                    "{}: source {} not found; case skipped",
                    path.display(),
                    f.source_reference
                ));
                continue;
            };
            let clamp = |t: &Truth, doc: usize, off: usize, len: usize| {
                let n = t.docs[doc].chars.char_len();
                DocSpan::new(doc, off.min(n), (off + len).min(n))
            };
            let a = clamp(&t, this_doc, f.this_offset, f.this_length);
            let b = clamp(&t, src_doc, f.source_offset, f.source_length);
            if a.len() != f.this_length || b.len() != f.source_length {
                t.warn(format!(
                    "{}: a case reaches past the end of its document (clamped)",
                    path.display()
                ));
            }
            t.cases.push(Case {
                a,
                b,
                profile: f.label,
            });
        }
    }
    Ok(t)
}

/// Reads ground truth from `dir`, detecting the format: a reuse-bench-gen set when
/// `truth.jsonl[.xz|.gz]` is there, else a PAN corpus (in `dir` or its only sub-folder).
pub fn load_truth(dir: &Path) -> Result<Truth> {
    if !dir.is_dir() {
        return Err(EvalError::io(
            dir,
            std::io::Error::new(std::io::ErrorKind::NotFound, "not a folder"),
        ));
    }
    if find_variant(dir, "truth.jsonl").is_some() {
        return load_bench_truth(dir);
    }
    load_pan_truth(dir)
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
    fn resolver_matches_suffixes_and_unique_names() {
        let r = DocResolver::new([
            "source-documents/s1.txt",
            "suspicious-documents/x1.txt",
            "a/same.txt",
            "b/same.txt",
            "d0000001",
        ]);
        assert_eq!(r.resolve("source-documents/s1.txt"), Some(0));
        assert_eq!(r.resolve("indo_pan/suspicious-documents/x1.txt"), Some(1));
        assert_eq!(r.resolve(".\\indo_pan\\source-documents\\s1.txt"), Some(0));
        assert_eq!(r.resolve("x1.txt"), Some(1));
        assert_eq!(r.resolve("same.txt"), None);
        assert_eq!(r.resolve("top/b/same.txt"), Some(3));
        assert_eq!(r.resolve("d0000001"), Some(4));
        assert_eq!(r.resolve("d0000002"), None);
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
