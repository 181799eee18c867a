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
        align_corpus_wanted(docs, &cfg.find, storage, progress, &want, &|c, t, b| {
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
                    &cfg.find,
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
mod tests {
    use super::*;
    use crate::progress::NoProgress;

    const STORY: &str = "The regional council approved a new budget on Tuesday that raises \
        spending on schools by four percent. The vote followed a long debate about the cost \
        of repairing the harbour wall, which was damaged in the storms last winter. Council \
        members said the repairs would begin in the spring and take about six months. \
        Residents who live near the harbour have complained for years about flooding.";

    #[test]
    fn reprints_group_and_partial_quotes_do_not() {
        let docs = vec![
            Document::new("story", STORY),
            Document::new(
                "reprint",
                format!("Local desk. {}", STORY.replace("four", "4")),
            ),
            Document::new(
                "follow-up",
                "Weeks later the council met again. The vote followed a long debate about the \
                 cost of repairing the harbour wall, which was damaged in the storms last \
                 winter. Since then, nothing has happened and the fishermen are angry about \
                 the delay, the lost income and the silence of the harbour office.",
            ),
            Document::new(
                "other",
                "A story about something else entirely, with no overlap.",
            ),
        ];
        let r = dedup(&docs, &DedupConfig::default(), &NoProgress).unwrap();
        assert_eq!(r.clusters.len(), 1, "{:?}", r.pairs);
        assert_eq!(r.clusters[0].docs, vec!["reprint", "story"]);
        assert_eq!(r.clusters[0].keep, "reprint");
        assert_eq!(r.dropped, vec![0]);
        assert_eq!(r.kept, vec![1, 2, 3]);
    }

    /// A long story; its heavy reprint below drops the sentences 4 to 6 and damages up to
    /// three words in every eight.
    const LONG_STORY: [&str; 12] = [
        "The regional council approved a new budget on Tuesday that raises spending on schools by four percent.",
        "The vote followed a long debate about the cost of repairing the harbour wall, which was damaged in the storms last winter.",
        "Council members said the repairs would begin in the spring and take about six months to complete.",
        "Residents who live near the harbour have complained for years about flooding in their cellars.",
        "A group of fishermen told the meeting that the broken wall had cost them two seasons of work.",
        "The harbour master warned that another winter could close the inner basin to boats.",
        "Opposition members argued that the money should come from the national government rather than local taxes.",
        "The finance officer replied that the national fund had rejected the application twice in three years.",
        "Teachers welcomed the rise in school spending but said it would not cover the new classrooms they need.",
        "Parents at the primary school on Mill Lane have collected signatures for a larger building since last autumn.",
        "The council will publish the detailed budget on its website next week and invite comments until the end of May.",
        "A final vote on the detailed plans for the harbour wall is expected at the meeting in early June.",
    ];

    #[test]
    fn a_heavy_reprint_that_dropped_sentences_is_a_duplicate() {
        let story = LONG_STORY.join(" ");
        // drop three sentences in the middle (bridged inside one passage) and replace a
        // letter (a typo: a fuzzy match) of the words at positions 5 to 7 of every 8 that
        // have four or more
        let kept: Vec<&str> = LONG_STORY
            .iter()
            .enumerate()
            .filter(|(i, _)| !(3..6).contains(i))
            .map(|(_, s)| *s)
            .collect();
        let reprint: Vec<String> = kept
            .join(" ")
            .split(' ')
            .enumerate()
            .map(|(i, w)| {
                if i % 8 >= 5 && w.len() >= 4 && w.chars().all(|c| c.is_ascii_lowercase()) {
                    format!("{}x{}", &w[..1], &w[2..])
                } else {
                    w.to_string()
                }
            })
            .collect();
        let docs = vec![
            Document::new("story", story),
            Document::new("reprint", reprint.join(" ")),
        ];
        // the dropped sentences make the story's side of the passage a third longer than
        // the reprint's: over the longer side the two are alike at 0.75 but not at 0.85,
        // while the reprint's side is matched nearly whole
        let cfg = DedupConfig {
            min_similarity: 0.85,
            ..DedupConfig::default()
        };
        let r = dedup(&docs, &cfg, &NoProgress).unwrap();
        // both sides covered whole: the dropped sentences are bridged inside the passage
        let p = &r.pairs[0];
        assert!(p.coverage_a > 0.95 && p.coverage_b > 0.95, "{p:?}");
        assert_eq!(r.clusters.len(), 1, "{:?}", r.pairs);
    }

    #[test]
    fn containment_groups_a_story_inside_a_longer_article() {
        let long = format!(
            "{} And there is more: the mayor also spoke about parking, bus lanes, the new \
             library, the swimming pool that closed in March, the market square and the \
             planned cycle path along the river that has been delayed for three years now. \
             Shopkeepers on the high street asked for lower rents and longer opening hours, \
             teachers asked for smaller classes, and the football club asked for a new roof \
             over the north stand, which has leaked every autumn since it was built in the \
             nineteen sixties by a builder who went bankrupt before the work was finished.",
            STORY
        );
        // the story first, the longer article a day later
        let dated = |id: &str, text: &str, date: &str| {
            let mut d = Document::new(id, text);
            d.meta.date = Some(date.into());
            d
        };
        let docs = vec![
            dated("story", STORY, "2024-03-01"),
            dated("long", &long, "2024-03-02"),
        ];
        let plain = DedupConfig {
            containment: false,
            ..DedupConfig::default()
        };
        let r = dedup(&docs, &plain, &NoProgress).unwrap();
        assert!(r.clusters.is_empty(), "{:?}", r.pairs);
        let r = dedup(&docs, &DedupConfig::default(), &NoProgress).unwrap();
        assert_eq!(r.clusters.len(), 1);
        // the earliest member lies inside the other: the longer one, with its own text, is
        // kept
        assert_eq!(r.clusters[0].docs, ["story", "long"]);
        assert_eq!(r.clusters[0].keep, "long");
        assert_eq!(r.dropped, [0]);
    }

    #[test]
    fn groups_are_not_joined_through_a_text_they_contain() {
        let d = |i: u32| DocNum(i);
        // 0 and 1 near-duplicates; 0 inside 2 (0.9), 1 inside 3 (0.95); 4 and 5 inside 2
        let root = groups_of(
            6,
            &[(d(0), d(1))],
            &[
                (d(0), d(2), 0.9),
                (d(1), d(3), 0.95),
                (d(4), d(2), 0.8),
                (d(5), d(2), 0.85),
            ],
        );
        // 0 and 1 join 3 (covering them best) only; 2 gathers what lies inside it alone
        assert_eq!(root[0], root[1]);
        assert_eq!(root[0], root[3]);
        assert_ne!(root[0], root[2]);
        assert_eq!(root[4], root[2]);
        assert_eq!(root[5], root[2]);
    }

    #[test]
    fn working_data_on_disk_gives_the_same_groups() {
        let mut docs = crate::pipeline::tests::mixed_corpus();
        // reprints of three stories, one with a typo
        for (i, k) in [(3usize, 0usize), (7, 1), (12, 2)] {
            let mut d = docs[i].clone();
            d.id = format!("reprint-{k}");
            d.text = d.text.replacen("opens", "opnes", 1);
            docs.push(d);
        }
        let cfg = DedupConfig::default();
        let memory = dedup(&docs, &cfg, &NoProgress).unwrap();
        assert!(memory.clusters.len() >= 3);
        let dir = crate::testing::scratch_dir("dedup-disk");
        let disk = dedup_in(
            &docs,
            &cfg,
            &Storage::Disk {
                dir: dir.clone(),
                cache_bytes: 4096,
            },
            &NoProgress,
        )
        .unwrap();
        std::fs::remove_dir(&dir).unwrap();
        assert_eq!(disk, memory);
        let compact = dedup_in(&docs, &cfg, &Storage::Compact, &NoProgress).unwrap();
        assert_eq!(compact, memory);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// A pair that `may_plan` turns down from its seed count is one `plan_of` skips,
        /// wherever its seeds lie (repeated positions, seeds in boilerplate, short documents).
        #[test]
        fn a_pair_turned_down_by_its_seed_count_is_skipped(
            len_a in 1u32..400,
            len_b in 1u32..400,
            raw in proptest::collection::vec((0u32..400, 0u32..400), 0..120),
            blocked_a in proptest::collection::vec((0u32..400, 0u32..40), 0..4),
            blocked_b in proptest::collection::vec((0u32..400, 0u32..40), 0..4),
            threshold in 0.3f64..1.0,
            slack in 0.0f64..0.6,
            containment in proptest::bool::weighted(0.5),
        ) {
            let cfg = DedupConfig { threshold, slack, containment, ..DedupConfig::default() };
            let n = cfg.find.align.ngram as u32;
            let ranges = |raw: Vec<(u32, u32)>, len: u32| {
                let mut r: Vec<(u32, u32)> = raw
                    .into_iter()
                    .map(|(s, l)| (s.min(len), (s + l).min(len)))
                    .filter(|r| r.1 > r.0)
                    .collect();
                r.sort_unstable();
                let mut out: Vec<(u32, u32)> = Vec::new();
                for (s, e) in r {
                    match out.last_mut() {
                        Some(last) if s <= last.1 => last.1 = last.1.max(e),
                        _ => out.push((s, e)),
                    }
                }
                out
            };
            let (ba, bb) = (ranges(blocked_a, len_a), ranges(blocked_b, len_b));
            let mut seeds: Vec<(u32, u32)> = raw
                .into_iter()
                .map(|(x, y)| (x % len_a.saturating_sub(n - 1).max(1), y % len_b.saturating_sub(n - 1).max(1)))
                .collect();
            seeds.sort_unstable();
            let a = (len_a, ba.as_slice());
            let b = (len_b, bb.as_slice());
            if !may_plan(&cfg, seeds.len(), a, b) {
                proptest::prop_assert!(matches!(plan_of(&cfg, &seeds, a, b), PairPlan::Skip));
            }
        }
    }

    #[test]
    fn few_seeds_between_long_documents_are_turned_down() {
        let cfg = DedupConfig::default();
        // 10 seeds of 5 tokens cover at most 50 of 1000 tokens: under a quarter on both sides
        assert!(!may_plan(&cfg, 10, (1000, &[]), (1000, &[])));
        // ... but a quarter of a 200-token document
        assert!(may_plan(&cfg, 10, (1000, &[]), (200, &[])));
        // boilerplate aside, a 1000-token document with 800 blocked tokens has 200
        assert!(may_plan(&cfg, 10, (1000, &[(0, 800)]), (1000, &[])));
        // containment changes nothing: a contained side is covered well past the bound
        let plain = DedupConfig {
            containment: false,
            ..DedupConfig::default()
        };
        assert!(!may_plan(&plain, 10, (1000, &[]), (1000, &[])));
    }

    /// A dividend notice of the template the formula tests use, for `company`.
    fn notice(company: &str, cents: u32, month: &str, day: u32) -> String {
        format!(
            "{company} said its board declared a quarterly dividend of {cents} cts per share, \
             payable {month} {day} to holders of record {month} {}. The company said the \
             dividend is in line with the payout of the previous quarter and that the board \
             will review the dividend policy at its next regular meeting.",
            day - 10
        )
    }

    #[test]
    fn documents_sharing_only_a_formula_are_no_duplicates() {
        let docs = vec![
            Document::new("meadow", notice("Meadow Co", 59, "January", 27)),
            Document::new("harbor", notice("Harbor Mills Inc", 12, "April", 30)),
            // the same notice reprinted, with its own specifics
            Document::new(
                "meadow-reprint",
                format!("NEW YORK. {}", notice("Meadow Co", 59, "January", 27)),
            ),
        ];
        let r = dedup(&docs, &DedupConfig::default(), &NoProgress).unwrap();
        assert_eq!(r.clusters.len(), 1, "{:?}", r.pairs);
        assert_eq!(r.clusters[0].docs, vec!["meadow", "meadow-reprint"]);
        assert!(r.stats.formula_passages >= 2, "{:?}", r.stats);
        // the pairs of the two companies are listed, covered by no reuse
        let other: Vec<&DupPair> = r
            .pairs
            .iter()
            .filter(|p| p.a == "harbor" || p.b == "harbor")
            .collect();
        assert_eq!(other.len(), 2, "{:?}", r.pairs);
        assert!(
            other
                .iter()
                .all(|p| !p.duplicate && p.coverage_a == 0.0 && p.coverage_b == 0.0)
        );
        // without the decision the template groups them all
        let keep = DedupConfig {
            find: Config {
                keep_formulas: true,
                ..Config::default()
            },
            ..DedupConfig::default()
        };
        let r = dedup(&docs, &keep, &NoProgress).unwrap();
        assert_eq!(r.clusters.len(), 1, "{:?}", r.pairs);
        assert_eq!(r.clusters[0].docs.len(), 3);
        assert_eq!(r.stats.formula_passages, 0);
    }
}
