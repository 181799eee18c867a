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
//!
//! Files: this one holds the truth model ([`Truth`] and its parts) and [`load_truth`];
//! `bench.rs` reads bench sets, `pan.rs` PAN corpora, and `resolve.rs` maps result ids to
//! truth documents.

mod bench;
mod pan;
mod resolve;

pub use bench::{TruthRecord, bench_cases, load_bench_truth, pair_profile, read_bench_truth};
pub use pan::load_pan_truth;
pub use resolve::DocResolver;

use std::path::Path;

use serde::Serialize;

use crate::chars::CharMap;
use crate::error::{EvalError, Result};
use crate::files::find_variant;
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
    /// A truth of `format` with nothing in it yet, for a reader to fill.
    pub(crate) fn empty(format: TruthFormat) -> Truth {
        Truth {
            format,
            docs: Vec::new(),
            clusters: Vec::new(),
            occurrences: Vec::new(),
            cases: Vec::new(),
            doc_clusters: None,
            warnings: Vec::new(),
        }
    }

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
