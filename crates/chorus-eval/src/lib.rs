//! Scoring chorus results against ground truth.
//!
//! chorus writes its findings as JSON Lines (`chorus find --json`, `chorus dedup --json`);
//! this crate reads such a result and a ground-truth folder (a reuse-bench-gen set or a PAN
//! text-alignment corpus) and measures how well the one matches the other: the PAN
//! character-level measures (precision, recall, granularity, plagdet) overall and per noise
//! profile or obfuscation type, over-extension and under-coverage of the detected spans,
//! adjusted Rand index and B-cubed for passage and document clusters, the share of clusters
//! whose earliest source is right, boilerplate kept out, and coordinated-cluster flags.
//!
//! # Brief overview
//!
//! * [`load_truth`] reads a folder into a [`Truth`] (documents, clusters, occurrences and
//!   PAN [`Case`]s, all in character offsets); [`load_result`] / [`read_result`] read a
//!   [`ResultSet`].
//! * [`evaluate`] scores one against the other and returns [`Scores`] (serialisable).
//! * The measures are also available on their own: [`passage_scores`] (PAN),
//!   [`adjusted_rand_index`], [`bcubed`], and [`CharMap`] converts byte offsets to
//!   characters.
//!
//! # Example
//!
//! ```
//! use chorus_eval::{evaluate, read_bench_truth, read_result};
//!
//! let corpus = r#"{"id":"a","text":"Old news: the river rose a foot overnight."}
//! {"id":"b","text":"Wire copy — the river rose a foot overnight."}"#;
//! // "the river rose a foot overnight" in both (byte offsets; `—` is 3 bytes).
//! let truth = r#"{"cluster":"r1","kind":"reprint","profile":"original","role":"source","doc":"a","begin":10,"end":41}
//! {"cluster":"r1","kind":"reprint","profile":"verbatim","role":"copy","doc":"b","begin":14,"end":45}"#;
//! let truth = read_bench_truth(&mut corpus.as_bytes(), &mut truth.as_bytes(), None, None)?;
//!
//! let result = r#"{"kind":"cluster","id":0,"members":[{"doc":"a","begin":10,"end":41},{"doc":"b","begin":14,"end":45}]}"#;
//! let result = read_result(&mut result.as_bytes(), "result.jsonl")?;
//!
//! let scores = evaluate(&truth, &result);
//! assert_eq!(scores.plagdet, 1.0);
//! assert_eq!(scores.ari, Some(1.0));
//! # Ok::<(), chorus_eval::EvalError>(())
//! ```

// unsafe_code is only denied workspace-wide (chorus-store allows it on two items); this
// crate keeps the old, stricter forbid.
#![forbid(unsafe_code)]

mod chars;
mod error;
mod files;
mod pan;
mod partition;
mod result;
mod score;
mod truth;

pub use chars::CharMap;
pub use error::{EvalError, Result};
pub use pan::{Detection, PanScores, PassageScores, passage_scores, plagdet};
pub use partition::{PartitionScores, adjusted_rand_index, bcubed, partition_scores};
pub use result::{
    DupCluster, Earliest, Member, ResultCluster, ResultSet, load_result, read_result,
};
pub use score::{CoordinatedScores, Counts, DocClusterScores, Scores, evaluate};
pub use truth::{
    Case, DocResolver, DocSpan, Occurrence, Truth, TruthCluster, TruthDoc, TruthFormat,
    TruthRecord, bench_cases, load_bench_truth, load_pan_truth, load_truth, pair_profile,
    read_bench_truth,
};
