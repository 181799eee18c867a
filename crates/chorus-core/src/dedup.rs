//! Near-duplicate documents: groups of documents that are mostly the same text.
//!
//! Runs the pipeline up to alignment (so candidates come from the same index, and every
//! decision rests on aligned passages, not on estimated set overlap), then measures, for
//! each aligned pair, the share of each document's words covered by passages shared with
//! the other (boilerplate of the document's own source is left out of both counts), and
//! how alike those passages are (matched words over the longer side; a template filled in
//! with other numbers and names is covered by its passage but is not a copy of it; a copy
//! whose shorter side is matched nearly whole is alike too, as the sentences an abridged
//! reprint dropped, bridged inside its passage, lengthen only the other side).
//! Two documents are near-duplicates when both are mostly covered: the better covered
//! one at least `threshold` and the other at least `threshold - slack` (an abridged
//! reprint keeps most of the story but loses its tail; a follow-up that quotes part of a
//! story, or an updated story that keeps only its first half, is mostly covered on
//! neither side). With `containment` (the default), a document covered at least `threshold`
//! by a longer one lies *inside* it (a first short take of a wire story inside the full
//! story, a story inside a longer article) and joins its group whatever the other side's
//! coverage. Groups are the connected components of the near-duplicate pairs, each of which
//! then joins the group of at most one longer document it lies inside (the one covering
//! its members best), so that two groups are never joined through a short text both
//! contain. One member is kept per group, chosen by [`Keep`] among the members that lie
//! inside no other member: dropping the others never loses text the kept one lacks.
//!
//! Formulas count for nothing: the passages that `find` would keep out of its clusters as
//! formulaic language (a frame shared with different specifics, see [`crate::formula`];
//! the same decision, `formula::judge_passages`, over the passages `dedup` aligns)
//! cover neither document, so two dividend notices of different companies from one
//! template are no near-duplicates, while a notice reprinted with its own names and numbers
//! still is. The pairs decided from their seeds are aligned as well for this decision
//! (keeping their seeds' coverage unless they share a formula). `Config::keep_formulas`
//! turns the decision off.
//!
//! Cost: that of `find` up to alignment, plus the alignment of the pairs decided from
//! their seeds and the formula decision (a normalisation of each document sharing a
//! passage), plus O(p) for p aligned passages.

use crate::aligned::{Decided, PairAlignment, PairPlan, align_corpus_wanted, align_pair};
use crate::candidates::Candidate;
use crate::config::Config;
use crate::corpus::{Corpus, Storage};
use crate::document::Document;
use crate::error::Result;
use crate::formula;
use crate::order::{ByNumber, DocNum};
use crate::progress::Progress;
use crate::report::Stats;
use crate::token_source::TokenSource;
// the result types belong to the result model (report.rs)
pub use crate::report::{DedupReport, DupCluster, DupPair};
use crate::union_find::UnionFind;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// Share of the shorter side of their passages that two documents must match to be alike
/// whatever their longer side holds beyond it: a copy that dropped sentences, matched nearly
/// whole (heavy reprints at noise 1.6: 0.75 to 0.95 of it), rather than a rewrite or a template
/// instance with other figures (the Reuters pairs that pass the coverage test but not the
/// longer side's similarity: mostly 0.75 to 0.84).
const WHOLE_COPY: f64 = 0.85;

/// Which member of a group of duplicates is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// The earliest by date (then by id) of the members lying inside no other member (see
    /// [`DedupConfig::containment`]). The default.
    #[default]
    Earliest,
    /// The longest text.
    Longest,
    /// The first in input order of the members lying inside no other member.
    First,
}

/// Settings of `dedup`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DedupConfig {
    /// The pipeline settings used to align candidate pairs.
    pub find: Config,
    /// Coverage the better covered document of a pair needs. Default 0.8.
    pub threshold: f64,
    /// How much less the other document may be covered. Default 0.25.
    pub slack: f64,
    /// Group a document covered `threshold` by a longer one regardless of the other side.
    /// Default true.
    pub containment: bool,
    pub keep: Keep,
    /// Lowest similarity (matched words over the longer side) of the passages two
    /// near-duplicates share, unless they match 0.85 of the shorter side. Default 0.75.
    pub min_similarity: f64,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            find: Config::default(),
            threshold: 0.8,
            slack: 0.25,
            containment: true,
            keep: Keep::Earliest,
            min_similarity: 0.75,
        }
    }
}

/// How the two documents of a pair are related, from their coverages.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tie {
    Unrelated,
    /// Near-duplicates: both mostly covered.
    Near,
    /// The first (shorter) document lies inside the second, covering it this much.
    Inside(DocNum, DocNum, f64),
}

impl DedupConfig {
    fn tie(&self, (a, ca): (DocNum, f64), (b, cb): (DocNum, f64), a_shorter: bool) -> Tie {
        let (hi, lo) = if ca >= cb { (ca, cb) } else { (cb, ca) };
        if hi >= self.threshold && lo >= self.threshold - self.slack {
            return Tie::Near;
        }
        // containment: the shorter document is (almost) all inside the longer one
        let (inner, outer, c) = if a_shorter { (a, b, ca) } else { (b, a, cb) };
        if self.containment && c >= self.threshold {
            Tie::Inside(inner, outer, c)
        } else {
            Tie::Unrelated
        }
    }
}

/// The groups of `n` documents: the connected components of the near-duplicate pairs
/// (`near`), each then joined to the group of the one longer document (`inside`:
/// `(inner, outer, coverage of inner)`) that covers one of its members best (ties: the
/// lower outer number), unless already in it. Returns each document's group root.
fn groups_of(n: usize, near: &[(DocNum, DocNum)], inside: &[(DocNum, DocNum, f64)]) -> Vec<u32> {
    let mut uf = UnionFind::new(n);
    for &(a, b) in near {
        uf.union(a.0, b.0);
    }
    // per group of near-duplicates: the best longer document outside it
    let mut best: std::collections::BTreeMap<u32, (f64, u32)> = Default::default();
    for &(inner, outer, c) in inside {
        let root = uf.find(inner.0);
        if uf.find(outer.0) == root {
            continue;
        }
        let e = best.entry(root).or_insert((c, outer.0));
        if c > e.0 || (c == e.0 && outer.0 < e.1) {
            *e = (c, outer.0);
        }
    }
    for (root, (_, outer)) in best {
        uf.union(root, outer);
    }
    (0..n as u32).map(|d| uf.find(d)).collect()
}

/// Token count of the union of sorted-or-not ranges.
fn covered(mut ranges: Vec<(u32, u32)>, blocked: &[(u32, u32)]) -> u32 {
    ranges.sort_unstable();
    let mut total = 0u32;
    let mut end = 0u32;
    for (b, e) in ranges {
        let b = b.max(end);
        if e > b {
            total += e - b - overlap_with(blocked, b, e);
            end = e;
        }
    }
    total
}

fn overlap_with(blocked: &[(u32, u32)], b: u32, e: u32) -> u32 {
    blocked
        .iter()
        .map(|&(x, y)| y.min(e).saturating_sub(x.max(b)))
        .sum()
}

/// Tokens of `doc` covered by the n-grams starting at `starts` (sorted), boilerplate aside.
fn seed_covered(starts: &[u32], n: u32, blocked: &[(u32, u32)]) -> u32 {
    covered(starts.iter().map(|&p| (p, p + n)).collect(), blocked)
}

/// Decides a candidate pair from its seeds alone when they settle it: pairs whose shared
/// n-grams already cover both documents past the thresholds are near-duplicates (exact
/// shared n-grams are as alike as passages get), and pairs whose better covered side is
/// under a quarter cannot reach the threshold (noise costs a copy some n-grams, never
/// three quarters of them). Only the pairs in between are aligned.
fn plan_pair(
    cfg: &DedupConfig,
    c: &Candidate,
    token_counts: &[u32],
    blocked: &[Vec<(u32, u32)>],
) -> PairPlan {
    let (a, b) = (c.a.index(), c.b.index());
    plan_of(
        cfg,
        &c.seeds,
        (token_counts[a], &blocked[a]),
        (token_counts[b], &blocked[b]),
    )
}

/// [`plan_pair`] for a pair of seeds `(pos_a, pos_b)` (sorted) between documents of
/// `(tokens, blocked ranges)` `a` and `b`.
pub(crate) fn plan_of(
    cfg: &DedupConfig,
    seeds: &[(u32, u32)],
    a: (u32, &[(u32, u32)]),
    b: (u32, &[(u32, u32)]),
) -> PairPlan {
    let n = cfg.find.align.ngram as u32;
    let content =
        |(len, blocked): (u32, &[(u32, u32)])| (len - overlap_with(blocked, 0, len)).max(1) as f64;
    let mut pa: Vec<u32> = seeds.iter().map(|s| s.0).collect();
    pa.dedup();
    let mut pb: Vec<u32> = seeds.iter().map(|s| s.1).collect();
    pb.sort_unstable();
    pb.dedup();
    let ca = (seed_covered(&pa, n, a.1) as f64 / content(a)).min(1.0);
    let cb = (seed_covered(&pb, n, b.1) as f64 / content(b)).min(1.0);
    let (hi, lo) = if ca >= cb { (ca, cb) } else { (cb, ca) };
    if hi < SKIP_BELOW.min(cfg.threshold - cfg.slack) {
        PairPlan::Skip
    } else if hi >= cfg.threshold && lo >= cfg.threshold - cfg.slack {
        PairPlan::Decided(ca, cb)
    } else {
        PairPlan::Align
    }
}

/// Whether a candidate pair with `seeds` seeds between documents of `(tokens, blocked
/// ranges)` `a` and `b` may be planned otherwise than skipped by [`plan_of`]: its seeds
/// cover at most `ngram` tokens each, so when that many cannot reach the skip bound on
/// either side, [`plan_of`] skips the pair whatever the positions (it is then never made
/// into a candidate).
pub(crate) fn may_plan(
    cfg: &DedupConfig,
    seeds: usize,
    a: (u32, &[(u32, u32)]),
    b: (u32, &[(u32, u32)]),
) -> bool {
    let most = (seeds as u64 * cfg.find.align.ngram as u64) as f64;
    let content =
        |(len, blocked): (u32, &[(u32, u32)])| (len - overlap_with(blocked, 0, len)).max(1) as f64;
    let bound = SKIP_BELOW.min(cfg.threshold - cfg.slack);
    most / content(a) >= bound || most / content(b) >= bound
}

/// Seed coverage of the better covered side under which a pair is skipped (unless
/// `threshold - slack` is lower): noise costs a copy some n-grams, never three quarters
/// of them.
const SKIP_BELOW: f64 = 0.25;

/// Groups near-duplicate documents (see the module documentation).
pub fn dedup(docs: &[Document], cfg: &DedupConfig, progress: &dyn Progress) -> Result<DedupReport> {
    dedup_in(&docs, cfg, &Storage::Memory, progress)
}

/// [`dedup`] over any [`Corpus`], keeping the working data where `storage` says.
pub fn dedup_in(
    docs: &dyn Corpus,
    cfg: &DedupConfig,
    storage: &Storage,
    progress: &dyn Progress,
) -> Result<DedupReport> {
    // dedup reads the passages that pass the filters only: no weak ones are aligned
    // (see crate::corroborate)
    let find = Config {
        corroborate: false,
        ..cfg.find
    };
    // formulas (see crate::formula): the pairs decided from their seeds are aligned too,
    // for the decision alone, which needs passages
    let judge = !cfg.find.keep_formulas;
    let decided_pairs: Mutex<Vec<Candidate>> = Mutex::new(Vec::new());
    let want = |a: DocNum, b: DocNum, seeds: usize, t: &[u32], bl: &[Vec<(u32, u32)>]| {
        may_plan(
            cfg,
            seeds,
            (t[a.index()], &bl[a.index()]),
            (t[b.index()], &bl[b.index()]),
        )
    };
    let (mut al, decided) =
        align_corpus_wanted(docs, &find, storage, progress, &want, &|c, t, b| {
            let plan = plan_pair(cfg, c, t, b);
            if judge && matches!(plan, PairPlan::Decided(..)) {
                decided_pairs
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(c.clone());
            }
            plan
        })?;
    // every passage, those of the decided pairs after the aligned ones, and which are
    // formulas
    let n_aligned = al.aligned.len();
    let mut passages = std::mem::take(&mut al.aligned);
    if judge {
        let mut cands = decided_pairs
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        cands.sort_unstable_by_key(|c| (c.a, c.b));
        let extra: Vec<Vec<PairAlignment>> = cands
            .par_iter()
            .map(|c| {
                Ok(align_pair(
                    &*al.tokens.get(c.a)?,
                    &*al.tokens.get(c.b)?,
                    c,
                    &al.blocked[c.a.index()],
                    &al.blocked[c.b.index()],
                    &find,
                ))
            })
            .collect::<Result<_>>()?;
        passages.extend(extra.into_iter().flatten());
    }
    let numbered = al.order.numbered(docs);
    let order = &al.order;
    let parts = DedupParts {
        docs: &numbered,
        tokens: Some(&al.tokens),
        recurrence: None,
        input: &|d| order.input(d),
        text_len: &|d| docs.text_len(order.input(d)),
        n: docs.len(),
        token_counts: &al.token_counts,
        blocked: &al.blocked,
    };
    let mut report = dedup_tail(&parts, passages, n_aligned, &decided, al.stats, cfg)?;
    report.kept = (0..parts.n)
        .filter(|i| report.dropped.binary_search(i).is_err())
        .collect();
    Ok(report)
}

/// What the tail of `dedup` (after alignment) reads of the documents: documents by number
/// (those of the passages and pairs at least), their tokens when held, each document
/// number's input position and text length, and the token counts and blocked ranges of
/// all `n` documents.
pub(crate) struct DedupParts<'a> {
    pub docs: &'a dyn ByNumber,
    pub tokens: Option<&'a TokenSource<'a>>,
    /// The recurrence of the stock lines, when counted by the stages (else read from
    /// `tokens`; see [`formula::judge_passages`]).
    pub recurrence: Option<&'a formula::Recurrence>,
    pub input: &'a (dyn Fn(DocNum) -> usize + Sync),
    pub text_len: &'a (dyn Fn(DocNum) -> usize + Sync),
    pub n: usize,
    pub token_counts: &'a [u32],
    pub blocked: &'a [Vec<(u32, u32)>],
}

/// The tail of `dedup`: `passages` are those of the aligned pairs (the first `n_aligned`,
/// in `(a, b)` order) then those of the decided pairs (in `(a, b)` order, when formulas
/// are judged); the formula decision, each pair's coverages, the groups and the member
/// kept. The report's `kept` is left empty (`dropped` holds input positions).
pub(crate) fn dedup_tail(
    al: &DedupParts<'_>,
    passages: Vec<PairAlignment>,
    n_aligned: usize,
    decided: &[Decided],
    stats: Stats,
    cfg: &DedupConfig,
) -> Result<DedupReport> {
    let judge = !cfg.find.keep_formulas;
    let docs = al.docs;
    let n = al.n;
    let content: Vec<u32> = (0..n)
        .map(|d| {
            let len = al.token_counts[d];
            len - overlap_with(&al.blocked[d], 0, len)
        })
        .collect();
    let is_formula = if judge {
        formula::judge_passages(docs, al.tokens, al.recurrence, &passages, true)?
            .1
            .expect("judged")
    } else {
        vec![false; passages.len()]
    };
    // the coverage of each side of a pair by the passages it shares that are no formulas,
    // and whether they make the two near-duplicates
    let score = |group: &[PairAlignment], formula: &[bool]| {
        let (a, b) = (group[0].a, group[0].b);
        let reuse = || {
            group
                .iter()
                .zip(formula)
                .filter(|(_, f)| !**f)
                .map(|(g, _)| g)
        };
        let ca = covered(
            reuse().map(|g| g.alignment.a).collect(),
            &al.blocked[a.index()],
        );
        let cb = covered(
            reuse().map(|g| g.alignment.b).collect(),
            &al.blocked[b.index()],
        );
        // how alike the shared passages are: a template filled with other numbers and
        // names is covered by its passage but not a copy of it. Over the longer side, the
        // sentences an abridged reprint dropped (bridged inside its passage) count against
        // it, so a copy whose shorter side is matched nearly whole passes too
        let matched: u32 = reuse().map(|g| g.alignment.matched).sum();
        let side = |f: fn(u32, u32) -> u32| -> u32 {
            reuse()
                .map(|g| {
                    f(
                        g.alignment.a.1 - g.alignment.a.0,
                        g.alignment.b.1 - g.alignment.b.0,
                    )
                })
                .sum()
        };
        let (shorter, longer) = (side(u32::min), side(u32::max));
        let similarity = matched as f64 / longer.max(1) as f64;
        let whole = matched as f64 / shorter.max(1) as f64 >= WHOLE_COPY;
        let similar = similarity >= cfg.min_similarity || whole;
        let share = |c: u32, d: DocNum| c as f64 / content[d.index()].max(1) as f64;
        let (sa, sb) = (share(ca, a).min(1.0), share(cb, b).min(1.0));
        let a_shorter = content[a.index()] <= content[b.index()];
        let tie = if similar {
            cfg.tie((a, sa), (b, sb), a_shorter)
        } else {
            Tie::Unrelated
        };
        (a, b, sa, sb, tie)
    };
    // per pair: the token ranges covered on each side
    let mut pairs: Vec<DupPair> = Vec::new();
    // (a, b, coverage of a, coverage of b, tie) for aligned and decided pairs
    let mut scored: Vec<(DocNum, DocNum, f64, f64, Tie)> = Vec::new();
    let mut at = 0;
    for group in passages[..n_aligned].chunk_by(|x, y| (x.a, x.b) == (y.a, y.b)) {
        scored.push(score(group, &is_formula[at..at + group.len()]));
        at += group.len();
    }
    // a decided pair keeps the coverage of its seeds unless it shares a formula
    let mut extra: Vec<(DocNum, DocNum, usize, usize)> = Vec::new();
    let mut at = n_aligned;
    for group in passages[n_aligned..].chunk_by(|x, y| (x.a, x.b) == (y.a, y.b)) {
        extra.push((group[0].a, group[0].b, at, at + group.len()));
        at += group.len();
    }
    for &(a, b, ca, cb) in decided {
        let found = extra
            .binary_search_by_key(&(a, b), |e| (e.0, e.1))
            .ok()
            .map(|k| (extra[k].2, extra[k].3))
            .filter(|&(x, y)| is_formula[x..y].contains(&true));
        scored.push(match found {
            Some((x, y)) => score(&passages[x..y], &is_formula[x..y]),
            None => (a, b, ca, cb, Tie::Near),
        });
    }
    let mut near = Vec::new();
    let mut inside = Vec::new();
    for (a, b, ca, cb, tie) in scored {
        match tie {
            Tie::Near => near.push((a, b)),
            Tie::Inside(inner, outer, c) => inside.push((inner, outer, c)),
            Tie::Unrelated => {}
        }
        pairs.push(DupPair {
            a: docs.id(a).to_string(),
            b: docs.id(b).to_string(),
            coverage_a: ca,
            coverage_b: cb,
            duplicate: tie != Tie::Unrelated,
        });
    }
    let formula_passages = is_formula.iter().filter(|f| **f).count();
    let aligned_formulas = is_formula[..n_aligned].iter().filter(|f| **f).count();
    let root = groups_of(n, &near, &inside);
    let mut groups: std::collections::BTreeMap<u32, Vec<DocNum>> = Default::default();
    for d in 0..n as u32 {
        groups.entry(root[d as usize]).or_default().push(DocNum(d));
    }
    // the members lying inside another member of their group are never kept
    let mut inner: Vec<DocNum> = inside
        .iter()
        .filter(|&&(i, o, _)| root[i.index()] == root[o.index()])
        .map(|&(i, _, _)| i)
        .collect();
    inner.sort_unstable();
    inner.dedup();
    let mut clusters = Vec::new();
    let mut dropped = Vec::new();
    for members in groups.values().filter(|m| m.len() > 1) {
        let input = |d: DocNum| (al.input)(d);
        let outer: Vec<DocNum> = members
            .iter()
            .copied()
            .filter(|d| inner.binary_search(d).is_err())
            .collect();
        // the member with the most content lies inside none: `outer` is never empty
        let from = if outer.is_empty() { members } else { &outer };
        let keep = match cfg.keep {
            Keep::Earliest => from[0],
            Keep::Longest => *members
                .iter()
                .max_by_key(|&&d| ((al.text_len)(d), std::cmp::Reverse(d)))
                .expect("non-empty"),
            Keep::First => *from.iter().min_by_key(|&&d| input(d)).expect("non-empty"),
        };
        dropped.extend(members.iter().filter(|&&d| d != keep).map(|&d| input(d)));
        clusters.push(DupCluster {
            id: clusters.len() as u32 + 1,
            docs: members.iter().map(|&d| docs.id(d).to_string()).collect(),
            keep: docs.id(keep).to_string(),
        });
    }
    dropped.sort_unstable();
    let mut stats = stats;
    stats.passages = n_aligned - aligned_formulas;
    stats.formula_passages = formula_passages;
    stats.clusters = clusters.len();
    Ok(DedupReport {
        clusters,
        pairs,
        kept: Vec::new(),
        dropped,
        stats,
    })
}

#[cfg(test)]
mod tests;
