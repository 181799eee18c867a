//! The pipeline's stages one by one, for an engine that distributes them (a Spark job, a
//! cluster of workers): every decision of `find` is made inside these functions, so that
//! composing them by hand, with any partitioning of the documents and of the fingerprint
//! groups and in any order, gives the [`Report`] `find` gives, byte for byte.
//!
//! 1. **Numbering.** Sort all documents by [`NumberingKey::new`] (ties by input position)
//!    and number them from 0: these are the [`DocNum`]s every later stage speaks in.
//!    [`Sources::of`] the documents' metadata in that order gives the sources and sites
//!    the seed rules need (one small table, shared by every worker).
//! 2. **Fingerprints** of each document: [`fingerprints`]. Emit a [`Posting`]
//!    `(fingerprint, doc, pos)` for each, and group the postings by fingerprint.
//! 3. **Seed rules** for each fingerprint group: [`fingerprint_seeds`] gives its seeds
//!    (the document pairs it links, with positions) and its boilerplate occurrences.
//!    Group the seeds by document pair and make each pair a [`candidate`] (or not: too
//!    few seeds); gather each document's boilerplate positions into its
//!    [`blocked_ranges`].
//! 4. **Alignment** of each candidate pair: [`align_pair`], given both documents'
//!    [`Tokens`] (`Tokens::new(text)`) and blocked ranges.
//! 5. **Recurrence** of the stock lines (step 3 of [`crate::formula`]): the n-grams the
//!    formula decision looks up, [`stock_line_ngrams`] of all the alignments (given the
//!    documents involved); then, for every document of the run, in any partition, which
//!    of them it holds, [`ngrams_held`] (with its date, [`crate::Metadata::when`]); and
//!    [`Recurrence::new`] of all these, in any order (rows keyed by n-gram fingerprint).
//! 6. **Report** from all the alignments, in any order: [`report`], given the documents
//!    involved by number ([`ByNumber`], e.g. a `BTreeMap<DocNum, Document>`) and the
//!    recurrence.
//!
//! The run's [`Stats`] are counts over these stages: `documents` and `bytes` of all
//! documents; `tokens` and `postings` the sums of [`DocumentFingerprints::tokens`] and of
//! the fingerprints' lengths; `candidate_pairs` the number of candidates;
//! `boilerplate_spans` the number of blocked ranges over all documents. [`report`] adds
//! `passages` and `clusters`.
//!
//! The configuration is the one `find` takes, checked with [`Config::validate`].
//!
//! `dedup` shares stages 1 to 3; then each candidate pair is planned by [`dedup_plan`]
//! (decided from its seeds, skipped, or aligned) and aligned when planned so (and, when
//! formulas are judged, when decided too), and [`dedup_report`] makes the groups from all
//! the passages and decisions, in any order, as `dedup` does.

pub use crate::aligned::PairAlignment;
use crate::aligned::PairPlan;
/// Stage 4: the passages of one candidate pair.
pub use crate::aligned::align_pair;
pub use crate::boilerplate::{Sources, blocked_ranges};
pub use crate::candidates::Candidate;
use crate::candidates::{GroupScratch, SeedSink, candidate_of_sorted, group_seeds};
use crate::config::Config;
use crate::dedup::{DedupConfig, DedupParts, DedupReport, dedup_tail, plan_of};
use crate::describe::build_report;
use crate::error::Result;
use crate::fingerprint::ngram_fingerprints;
/// Stage 5: the recurrence of the stock lines.
pub use crate::formula::{NgramsHeld, Recurrence, ngrams_held};
pub use crate::index::Posting;
use crate::order::DocNum;
pub use crate::order::{ByNumber, NumberingKey};
use crate::progress::NoProgress;
use crate::report::{Report, Stats};
use crate::token_source::TokenSource;
use crate::tokenize::Tokens;

/// The fingerprints of one document ([`fingerprints`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFingerprints {
    /// The document's number of tokens.
    pub tokens: usize,
    /// The fingerprint of each n-gram: element `pos` covers tokens `pos..pos + n`.
    pub fingerprints: Vec<u64>,
}

/// Stage 2: the n-gram fingerprints of a document's text.
pub fn fingerprints(text: &str, cfg: &Config) -> DocumentFingerprints {
    let t = Tokens::new(text);
    DocumentFingerprints {
        tokens: t.len(),
        fingerprints: ngram_fingerprints(&t.hashes, cfg.align.ngram),
    }
}

/// One seed: the n-gram at `pos_a` of document `a` is the n-gram at `pos_b` of `b`
/// (`a < b`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seed {
    pub a: DocNum,
    pub b: DocNum,
    pub pos_a: u32,
    pub pos_b: u32,
}

/// What one fingerprint group yields ([`fingerprint_seeds`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupSeeds {
    pub seeds: Vec<Seed>,
    /// `(doc, pos)` of the group's occurrences that are boilerplate of their source or site.
    pub boilerplate: Vec<(DocNum, u32)>,
}

struct CollectSeeds(Vec<Seed>);

impl SeedSink for CollectSeeds {
    fn emit(&mut self, x: &[Posting], y: &[Posting]) {
        for p in x {
            for q in y {
                self.0.push(Seed {
                    a: DocNum(p.doc),
                    b: DocNum(q.doc),
                    pos_a: p.pos,
                    pos_b: q.pos,
                });
            }
        }
    }
}

/// Stage 3: the seed rules for one fingerprint group: `postings` are all the occurrences
/// of one fingerprint in the corpus (in any order; `doc` is a [`DocNum`]'s value),
/// `sources` those of every document. Occurrences in documents whose source or site has
/// the fingerprint as boilerplate are returned as such and seed nothing; documents that
/// repeat it more than `max_repeats` times are left out; a fingerprint then in more than
/// `max_df` documents seeds nothing, one in more than `full_pairs_df` links each document
/// to the first `star_links` only (see [`crate::candidates`]).
pub fn fingerprint_seeds(postings: &[Posting], sources: &Sources, cfg: &Config) -> GroupSeeds {
    let mut sorted = postings.to_vec();
    sorted.sort_unstable();
    let mut out = CollectSeeds(Vec::new());
    let mut boilerplate = Vec::new();
    group_seeds(
        &sorted,
        &cfg.seeds,
        sources,
        &mut GroupScratch::default(),
        &mut out,
        Some(&mut boilerplate),
    );
    GroupSeeds {
        seeds: out.0,
        boilerplate: boilerplate
            .into_iter()
            .map(|(d, pos)| (DocNum(d), pos))
            .collect(),
    }
}

/// Stage 3, per document pair: the candidate `a < b` from all its seeds `(pos_a, pos_b)`
/// (from every fingerprint group, in any order); `None` when they are fewer than
/// `min_seeds`.
pub fn candidate(
    a: DocNum,
    b: DocNum,
    mut seeds: Vec<(u32, u32)>,
    cfg: &Config,
) -> Option<Candidate> {
    seeds.sort_unstable();
    candidate_of_sorted(a, b, seeds.into_iter(), &cfg.seeds)
}

/// Stage 5: the n-grams (sorted fingerprints, each once) whose holders the formula
/// decision of [`report`] reads ([`ngrams_held`], [`Recurrence`]): those of the short
/// passages among `alignments` (every aligned passage of the run). `docs` must hold every
/// document of an alignment. None when formulas are kept (`cfg.keep_formulas`) or with
/// `cfg.paraphrase` (whose report reads the whole corpus itself).
pub fn stock_line_ngrams(
    docs: &dyn ByNumber,
    alignments: &[PairAlignment],
    cfg: &Config,
) -> Result<Vec<u64>> {
    if cfg.keep_formulas || cfg.paraphrase {
        return Ok(Vec::new());
    }
    crate::formula::line_ngrams(alignments, |d| Ok(Box::new(Tokens::new(&docs.text(d)?))))
}

/// [`stock_line_ngrams`] for `dedup`: of all the passages [`dedup_report`] is given
/// (those of the aligned pairs and of the decided ones). None when formulas are kept.
pub fn dedup_stock_line_ngrams(
    docs: &dyn ByNumber,
    passages: &[PairAlignment],
    cfg: &DedupConfig,
) -> Result<Vec<u64>> {
    if cfg.find.keep_formulas {
        return Ok(Vec::new());
    }
    crate::formula::line_ngrams(passages, |d| Ok(Box::new(Tokens::new(&docs.text(d)?))))
}

/// Stage 6: the report from every aligned passage of the run (in any order). `docs` must
/// hold every document of an alignment, and with `cfg.list_boilerplate` every document of
/// `boilerplate` (each document's non-empty [`blocked_ranges`]); `recurrence` is made from
/// the n-grams [`stock_line_ngrams`] of the same alignments that every document holds
/// (see the module documentation); `stats` holds the run's counts (see the module
/// documentation). With `cfg.paraphrase`, `docs` must hold every document of the run
/// (numbers `0..stats.documents`): the paraphrase path ([`crate::paraphrase`]) compares
/// the sentences of the whole corpus, here, in one place, and reads the recurrence there
/// too (`recurrence` is not read).
pub fn report(
    docs: &dyn ByNumber,
    alignments: Vec<PairAlignment>,
    boilerplate: &[(DocNum, Vec<(u32, u32)>)],
    recurrence: &Recurrence,
    sources: &Sources,
    stats: Stats,
    cfg: &Config,
) -> Result<Report> {
    let mut blocked: Vec<(DocNum, &[(u32, u32)])> = boilerplate
        .iter()
        .filter(|(_, r)| !r.is_empty())
        .map(|(d, r)| (*d, r.as_slice()))
        .collect();
    blocked.sort_unstable_by_key(|b| b.0);
    // the weak passages wait for corroboration (see crate::corroborate)
    let (alignments, weak) = crate::corroborate::split_weak(alignments, &cfg.align);
    if cfg.paraphrase {
        return report_reworded(docs, alignments, weak, &blocked, sources, stats, cfg);
    }
    build_report(
        docs,
        None,
        Some(recurrence),
        alignments,
        None,
        weak,
        &blocked,
        sources,
        stats,
        cfg,
        &NoProgress,
    )
}

/// [`report`] with the paraphrase path: every document tokenised again, the reworded
/// passages of the corpus merged with the alignments, as `find_in` does.
fn report_reworded(
    docs: &dyn ByNumber,
    alignments: Vec<PairAlignment>,
    weak: Vec<PairAlignment>,
    blocked: &[(DocNum, &[(u32, u32)])],
    sources: &Sources,
    stats: Stats,
    cfg: &Config,
) -> Result<Report> {
    use rayon::prelude::*;
    let n = stats.documents;
    let tokens: Vec<Tokens> = (0..n)
        .into_par_iter()
        .map(|d| Ok(Tokens::new(&docs.text(DocNum(d as u32))?)))
        .collect::<Result<_>>()?;
    let tokens = TokenSource::Memory(tokens);
    let mut per_doc = vec![Vec::new(); n];
    for (d, r) in blocked {
        per_doc[d.index()] = r.to_vec();
    }
    let params = crate::paraphrase::Params {
        lang: cfg.lang,
        ..crate::paraphrase::Params::default()
    };
    let merged = crate::paraphrase::with_reworded(alignments, docs, &tokens, &per_doc, &params)?;
    let (aligned, found): (Vec<_>, Vec<_>) = merged.into_iter().unzip();
    build_report(
        docs,
        Some(&tokens),
        None,
        aligned,
        Some(found),
        weak,
        blocked,
        sources,
        stats,
        cfg,
        &NoProgress,
    )
}

/// What `dedup` does with a candidate pair ([`dedup_plan`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DedupPlan {
    /// Align it: its passages decide.
    Align,
    /// Its seeds cannot make the two near-duplicates.
    Skip,
    /// Near-duplicates by their seeds alone, with the coverage of each side; aligned too
    /// when formulas are judged (unless `Config::keep_formulas`), for that decision.
    Decided(f64, f64),
}

/// `dedup`, per candidate pair: the plan from its seeds, given both documents' token
/// counts and blocked ranges.
pub fn dedup_plan(
    c: &Candidate,
    tokens: (u32, u32),
    blocked_a: &[(u32, u32)],
    blocked_b: &[(u32, u32)],
    cfg: &DedupConfig,
) -> DedupPlan {
    match plan_of(cfg, &c.seeds, (tokens.0, blocked_a), (tokens.1, blocked_b)) {
        PairPlan::Align => DedupPlan::Align,
        PairPlan::Skip => DedupPlan::Skip,
        PairPlan::Decided(x, y) => DedupPlan::Decided(x, y),
        PairPlan::Reuse(_) => unreachable!("dedup's plan reuses no alignment"),
    }
}

/// What [`dedup_report`] reads of the documents: those of every pair by number, and, for
/// every document number of the run (a slice of `n`), its position in the input (any
/// increasing key of the input order: `Keep::First`, and the report's `kept` and
/// `dropped` are in these), its text's length in bytes, its token count and its blocked
/// ranges; the recurrence of the stock lines (made as for [`report`], from the n-grams
/// [`dedup_stock_line_ngrams`] of the passages given to [`dedup_report`]); and the run's
/// counts (as for [`report`]).
pub struct DedupRun<'a> {
    pub docs: &'a dyn ByNumber,
    pub inputs: &'a [u64],
    pub text_lens: &'a [usize],
    pub token_counts: &'a [u32],
    pub blocked: &'a [Vec<(u32, u32)>],
    pub recurrence: &'a Recurrence,
    pub stats: Stats,
}

/// `dedup`'s report from the passages of the pairs planned [`DedupPlan::Align`] (in any
/// order of pairs, each pair's passages as [`align_pair`] gives them), the pairs decided
/// `(a, b, coverage_a, coverage_b)` (any order) and, when formulas are judged, the
/// passages of the decided pairs.
pub fn dedup_report(
    run: &DedupRun<'_>,
    mut aligned: Vec<PairAlignment>,
    mut decided: Vec<(DocNum, DocNum, f64, f64)>,
    mut decided_passages: Vec<PairAlignment>,
    cfg: &DedupConfig,
) -> Result<DedupReport> {
    // dedup reads the passages that pass the filters only ([`align_pair`] also gives the
    // weak ones that `find` corroborates, see crate::corroborate)
    let passing = |p: &PairAlignment| crate::align::passes(&p.alignment, &cfg.find.align);
    aligned.retain(passing);
    decided_passages.retain(passing);
    // the order `dedup` has them in: by pair, a stable sort keeps each pair's passages
    aligned.sort_by_key(|p| (p.a, p.b));
    decided.sort_unstable_by_key(|d| (d.0, d.1));
    decided_passages.sort_by_key(|p| (p.a, p.b));
    let n_aligned = aligned.len();
    aligned.extend(decided_passages);
    let parts = DedupParts {
        docs: run.docs,
        tokens: None,
        recurrence: Some(run.recurrence),
        input: &|d| run.inputs[d.index()] as usize,
        text_len: &|d| run.text_lens[d.index()],
        n: run.inputs.len(),
        token_counts: run.token_counts,
        blocked: run.blocked,
    };
    let mut report = dedup_tail(&parts, aligned, n_aligned, &decided, run.stats.clone(), cfg)?;
    let mut inputs: Vec<usize> = run.inputs.iter().map(|&i| i as usize).collect();
    inputs.sort_unstable();
    report.kept = inputs
        .into_iter()
        .filter(|i| report.dropped.binary_search(i).is_err())
        .collect();
    Ok(report)
}
