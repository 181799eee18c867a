//! The pipeline up to alignment, over a whole corpus: number the documents, tokenise and
//! index them, plan the candidate pairs, and align them; what `find` and `dedup` share.
//!
//! `align_corpus_with` runs the stages in data-flow order ([`crate::order`] →
//! [`crate::tokenize`] → [`crate::index`] → [`crate::candidates`] → [`crate::align`]) and
//! keeps the working data where [`Storage`] says: every document's tokens and the index in
//! memory, or the index partitions in scratch files and tokens recomputed from the text
//! through a cache. Candidate pairs are made in passes over ranges of first documents (see
//! [`crate::candidates::PASS_SEEDS`]), each pass's pairs aligned before the next. A
//! caller's plan may skip a candidate pair or decide it without alignment (`dedup` decides
//! the pairs whose seeds already settle them), or give the passages an earlier run aligned
//! from the same inputs ([`crate::memo`]). Every aligned passage is a
//! [`PairAlignment`]; [`align_pair`] is the alignment of one pair, also the public stage.

use crate::align::{Alignment, align_seeds_floor};
use crate::boilerplate::{Sources, blocked_by_doc};
use crate::candidates::{Candidate, PASS_SEEDS, candidates_of_pass_kept, plan_candidates};
use crate::config::Config;
use crate::corpus::{COMPACT_CACHE_PER_TEXT_BYTE, Corpus, Storage};
use crate::error::Result;
use crate::fingerprint::for_each_ngram_fingerprint;
use crate::index::{DiskIndexBuilder, NgramIndex, SharedFilter};
use crate::order::{DocNum, Order};
use crate::progress::Progress;
use crate::report::Stats;
use crate::token_source::{Held, TokenCache, TokenRef, TokenSource, tokenize_and_index};
use crate::tokenize::{Tokens, Unhashed};
use rayon::prelude::*;

/// One passage aligned between documents `a < b` (document numbers).
#[derive(Debug, Clone, PartialEq)]
pub struct PairAlignment {
    pub a: DocNum,
    pub b: DocNum,
    pub alignment: Alignment,
}

/// Aligns one candidate pair: `a` and `b` are the tokens of `c.a` and `c.b`
/// (`Tokens::new(text)`), `blocked_a` and `blocked_b` their boilerplate token ranges (see
/// [`crate::boilerplate::blocked_ranges`]). Passages are in `a` order. With
/// `cfg.corroborate`, the pair's weak passages come too (under `cfg.align`'s filters,
/// above [`crate::corroborate::floor`]; see [`crate::corroborate`]). The public stage
/// [`crate::stages::align_pair`].
pub fn align_pair(
    a: &Tokens,
    b: &Tokens,
    c: &Candidate,
    blocked_a: &[(u32, u32)],
    blocked_b: &[(u32, u32)],
    cfg: &Config,
) -> Vec<PairAlignment> {
    let floor = cfg
        .corroborate
        .then(|| crate::corroborate::floor(&cfg.align));
    align_seeds_floor(
        a,
        b,
        &c.seeds,
        &cfg.align,
        floor.as_ref(),
        blocked_a,
        blocked_b,
    )
    .into_iter()
    .map(|alignment| PairAlignment {
        a: c.a,
        b: c.b,
        alignment,
    })
    .collect()
}

/// What the pipeline knows after alignment, before clustering: documents in pipeline
/// order with their tokens, boilerplate, and every aligned passage. Shared by `find` and
/// `dedup`.
pub(crate) struct Aligned<'c> {
    pub order: Order,
    pub tokens: TokenSource<'c>,
    /// Number of tokens of each document number.
    pub token_counts: Vec<u32>,
    /// Boilerplate token ranges per document number.
    pub blocked: Vec<Vec<(u32, u32)>>,
    pub sources: Sources,
    /// In `(a, b)` order, each pair's passages in `a` order.
    pub aligned: Vec<PairAlignment>,
    pub stats: Stats,
}

/// What to do with a candidate pair before aligning it.
pub(crate) enum PairPlan {
    Align,
    Skip,
    /// Decided without alignment, with the coverage of each side.
    Decided(f64, f64),
    /// Aligned before, with the same inputs: these are its passages ([`crate::memo`]).
    Reuse(Vec<Alignment>),
}

/// A decided pair: document numbers and the coverage of each side.
pub(crate) type Decided = (DocNum, DocNum, f64, f64);

/// Plans a candidate pair from its seeds, the token counts and the boilerplate ranges of
/// the documents.
pub(crate) type PlanFn<'p> = dyn Fn(&Candidate, &[u32], &[Vec<(u32, u32)>]) -> PairPlan + Sync + 'p;

/// Whether a caller's plan may want a document pair `a < b` with this many seeds, given
/// the token counts and the boilerplate ranges of the documents: `false` only for a pair
/// its [`PlanFn`] would certainly skip, which is then never made into a candidate (it is
/// still counted in [`Stats::candidate_pairs`]).
pub(crate) type WantFn<'p> =
    dyn Fn(DocNum, DocNum, usize, &[u32], &[Vec<(u32, u32)>]) -> bool + Sync + 'p;

/// How often alignment will ask for a document's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asks {
    /// The document is in no candidate pair.
    InNoPair,
    /// In a pair, asked for once or not at all.
    AtMostOnce,
    Often,
}

/// How often the alignment loop asks for each of `n` documents' tokens, given the pass's
/// candidate pairs, their plans and their runs (pairs of one first document aligned in a
/// row): the first document of a run is asked for once, at the first pair the run aligns,
/// and the second of every pair aligned once. A decided pair counts as asking for both
/// documents once: its caller may align it afterwards (`dedup` does, for its formulas).
fn alignment_asks(
    n: usize,
    cands: &[Candidate],
    plans: &[PairPlan],
    runs: &[std::ops::Range<usize>],
) -> Vec<Asks> {
    let mut count = vec![0u8; n];
    let mut in_pair = vec![false; n];
    for run in runs {
        let mut a_asked = false;
        for (c, p) in cands[run.clone()].iter().zip(&plans[run.clone()]) {
            in_pair[c.a.index()] = true;
            in_pair[c.b.index()] = true;
            match p {
                PairPlan::Align => {
                    if !a_asked {
                        a_asked = true;
                        count[c.a.index()] = count[c.a.index()].saturating_add(1);
                    }
                    count[c.b.index()] = count[c.b.index()].saturating_add(1);
                }
                PairPlan::Decided(..) => {
                    count[c.a.index()] = count[c.a.index()].saturating_add(1);
                    count[c.b.index()] = count[c.b.index()].saturating_add(1);
                }
                PairPlan::Skip | PairPlan::Reuse(_) => {}
            }
        }
    }
    count
        .into_iter()
        .zip(in_pair)
        .map(|(k, p)| match (p, k) {
            (false, _) => Asks::InNoPair,
            (true, 0 | 1) => Asks::AtMostOnce,
            (true, _) => Asks::Often,
        })
        .collect()
}

/// Text bytes tokenised per batch when the index is built on disk.
const DISK_BATCH_BYTES: usize = 64 << 20;

/// Numbers the documents in `(date, id)` order, then tokenises, indexes, finds candidate
/// pairs and aligns them, with a plan that may skip candidate pairs or decide them without
/// alignment (the decided pairs are returned beside).
pub(crate) fn align_corpus_with<'c>(
    docs: &'c dyn Corpus,
    cfg: &Config,
    storage: &Storage,
    progress: &dyn Progress,
    plan: &PlanFn<'_>,
) -> Result<(Aligned<'c>, Vec<Decided>)> {
    align_corpus_wanted(docs, cfg, storage, progress, &|_, _, _, _, _| true, plan)
}

/// [`align_corpus_with`], the pairs that `want` turns down from their seed count alone
/// skipped before they are made into candidates (their seeds are never copied nor planned).
pub(crate) fn align_corpus_wanted<'c>(
    docs: &'c dyn Corpus,
    cfg: &Config,
    storage: &Storage,
    progress: &dyn Progress,
    want: &WantFn<'_>,
    plan: &PlanFn<'_>,
) -> Result<(Aligned<'c>, Vec<Decided>)> {
    cfg.validate()?;
    let order = Order::new(docs)?;
    let bytes: usize = (0..docs.len()).map(|i| docs.text_len(i)).sum();

    progress.stage("tokenize", bytes as u64);
    let tokenize = |i: usize| -> Result<Tokens> {
        let t = Tokens::new(&docs.text(i)?);
        progress.advance(docs.text_len(i) as u64);
        Ok(t)
    };
    let (mut tokens, token_counts, index, mut unhashed) = match storage {
        Storage::Memory => {
            // every posting noted as it is made, so that the index scatters and sorts
            // only those of fingerprints that may be shared (see `SharedFilter`); the
            // token hashes are dropped meanwhile (`Unhashed`) and computed again where the
            // build needs them, and for good once the candidate pairs are made, so that
            // they are never in memory with the build's buffers nor with the seeds'
            // (and only for documents in a pair, when the pairs are made in one pass)
            let filter = SharedFilter::new(bytes);
            let unhashed: Vec<Unhashed> = order
                .inputs()
                .par_iter()
                .map_init(
                    || (Vec::new(), Vec::new()),
                    |(fps, scratch), &i| {
                        let t = tokenize(i)?;
                        fps.clear();
                        for_each_ngram_fingerprint(&t.hashes, cfg.align.ngram, |_, fp| {
                            fps.push(fp)
                        });
                        filter.note(fps, scratch);
                        Ok(Unhashed::of(t))
                    },
                )
                .collect::<Result<_>>()?;
            let counts = unhashed.iter().map(|t| t.len() as u32).collect();
            progress.stage("index", 0);
            let index =
                NgramIndex::build_from_unhashed_filtered(&unhashed, cfg.align.ngram, filter);
            // hashed below, once the candidate pairs say which documents alignment needs
            (
                TokenSource::Memory(Vec::new()),
                counts,
                index,
                Some(unhashed),
            )
        }
        Storage::Compact => {
            let cache = (bytes as f64 * COMPACT_CACHE_PER_TEXT_BYTE) as usize;
            let (tokens, counts, index) =
                tokenize_and_index(docs, &order, cfg.align.ngram, cache, progress)?;
            (tokens, counts, index, None)
        }
        Storage::Disk { dir, cache_bytes } => {
            let mut builder = DiskIndexBuilder::create(dir, cfg.align.ngram)?;
            let mut counts: Vec<u32> = Vec::with_capacity(docs.len());
            let inputs = order.inputs();
            let mut start = 0;
            while start < inputs.len() {
                let mut end = start;
                let mut batch_bytes = 0;
                while end < inputs.len() && (end == start || batch_bytes < DISK_BATCH_BYTES) {
                    batch_bytes += docs.text_len(inputs[end]);
                    end += 1;
                }
                let hashes: Vec<Vec<u64>> = inputs[start..end]
                    .par_iter()
                    .map(|&i| tokenize(i).map(|t| t.hashes))
                    .collect::<Result<_>>()?;
                counts.extend(hashes.iter().map(|h| h.len() as u32));
                builder.add(start as u32, &hashes)?;
                start = end;
            }
            progress.stage("index", 0);
            let index = builder.finish()?;
            let tokens = TokenSource::OnDemand {
                docs,
                order: order.clone(),
                cache: TokenCache::new(*cache_bytes),
            };
            (tokens, counts, index, None)
        }
    };
    let n_tokens = token_counts.iter().map(|&c| c as usize).sum();
    let postings = index.len();

    progress.stage("candidates", 0);
    let metas = order.iter().map(|(_, i)| docs.meta(i));
    let sources = match docs.collection_sizes() {
        Some(sizes) => Sources::of_collection(metas, sizes),
        None => Sources::of(metas),
    };
    let cplan = plan_candidates(&index, &cfg.seeds, &sources, PASS_SEEDS)?;
    let blocked = blocked_by_doc(&cplan.boilerplate, docs.len(), cfg.align.ngram);
    let single = cplan.passes.len() == 1;
    if !single && let Some(u) = unhashed.take() {
        tokens = TokenSource::Memory(u.into_par_iter().map(Unhashed::hash).collect());
    }
    // one pass: the index is dropped before aligning; several: it is kept for the next
    let mut index = Some(index);
    let mut n_candidates = 0usize;
    let mut decided: Vec<Decided> = Vec::new();
    let mut aligned: Vec<PairAlignment> = Vec::new();
    progress.stage("align", cplan.seeds as u64);
    let mut advanced = 0u64;
    for pass in cplan.passes {
        let (cands, turned_down) = candidates_of_pass_kept(
            index.as_ref().expect("index kept for every pass"),
            &cfg.seeds,
            &sources,
            pass,
            Some(&cplan.partition_seeds),
            &|a, b, seeds| want(a, b, seeds, &token_counts, &blocked),
        )?;
        if single {
            index = None;
        }
        n_candidates += cands.len() + turned_down;
        advanced += cands.iter().map(|c| c.seeds.len() as u64).sum::<u64>();
        let plans: Vec<PairPlan> = cands
            .par_iter()
            .map(|c| plan(c, &token_counts, &blocked))
            .collect();
        decided.extend(cands.iter().zip(&plans).filter_map(|(c, p)| match p {
            PairPlan::Decided(x, y) => Some((c.a, c.b, *x, *y)),
            _ => None,
        }));
        // pairs are in (a, b) order: runs of one first document (at most 64 pairs each)
        // share its tokens, which matters when they are recomputed on demand
        let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
        let mut at = 0;
        for g in cands.chunk_by(|x, y| x.a == y.a) {
            for c in g.chunks(64) {
                runs.push(at..at + c.len());
                at += c.len();
            }
        }
        if let Some(u) = unhashed.take() {
            // one pass, every candidate pair made and its seeds' buffers gone: only the
            // documents in a pair are kept (alignment never asks for the others, and a
            // later stage that does makes them again from the text), and only those
            // alignment will ask for more than once are hashed now: hashing the others
            // when asked for costs the same, and their hashes are never all in memory
            let asks = alignment_asks(u.len(), &cands, &plans, &runs);
            tokens = TokenSource::Partial {
                tokens: u
                    .into_par_iter()
                    .zip(asks)
                    .map(|(u, asks)| match asks {
                        Asks::InNoPair => None,
                        Asks::AtMostOnce => Some(Held::Unhashed(u)),
                        Asks::Often => Some(Held::Hashed(u.hash())),
                    })
                    .collect(),
                docs,
                order: order.clone(),
            };
        }
        let pass_aligned: Vec<Vec<PairAlignment>> = runs
            .into_par_iter()
            .map(|run| {
                let mut out = Vec::new();
                let mut ta: Option<TokenRef<'_>> = None;
                for (c, p) in cands[run.clone()].iter().zip(&plans[run]) {
                    match p {
                        PairPlan::Align => {
                            let ta = match &mut ta {
                                Some(t) => t,
                                None => ta.insert(tokens.get(c.a)?),
                            };
                            let tb = tokens.get(c.b)?;
                            out.extend(align_pair(
                                ta,
                                &tb,
                                c,
                                &blocked[c.a.index()],
                                &blocked[c.b.index()],
                                cfg,
                            ));
                        }
                        PairPlan::Reuse(passages) => {
                            out.extend(passages.iter().map(|alignment| PairAlignment {
                                a: c.a,
                                b: c.b,
                                alignment: alignment.clone(),
                            }))
                        }
                        PairPlan::Skip | PairPlan::Decided(..) => {}
                    }
                    progress.advance(c.seeds.len() as u64);
                }
                Ok(out)
            })
            .collect::<Result<_>>()?;
        aligned.extend(pass_aligned.into_iter().flatten());
    }
    drop(index);
    // seeds of pairs under `min_seeds` were counted in the total but never aligned
    progress.advance((cplan.seeds as u64).saturating_sub(advanced));
    let stats = Stats {
        documents: docs.len(),
        bytes,
        tokens: n_tokens,
        postings,
        candidate_pairs: n_candidates,
        boilerplate_spans: blocked.iter().map(Vec::len).sum(),
        ..Stats::default()
    };
    Ok((
        Aligned {
            order,
            tokens,
            token_counts,
            blocked,
            sources,
            aligned,
            stats,
        },
        decided,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: u32, b: u32) -> Candidate {
        Candidate {
            a: DocNum(a),
            b: DocNum(b),
            seeds: Vec::new(),
        }
    }

    /// The counts follow the alignment loop: a run's first document once (when the run
    /// aligns anything), the second of each aligned pair once; a decided pair both once;
    /// pairs skipped or reused ask for nothing, and documents in no pair are told apart.
    #[test]
    fn asks_are_counted_as_alignment_makes_them() {
        let cands = [
            pair(0, 1),
            pair(0, 2),
            pair(0, 3),
            pair(1, 2),
            pair(3, 4),
            pair(4, 5),
            pair(5, 6),
        ];
        let plans = [
            PairPlan::Align,
            PairPlan::Align,
            PairPlan::Align,
            PairPlan::Align,
            PairPlan::Skip,
            PairPlan::Decided(1.0, 1.0),
            PairPlan::Reuse(Vec::new()),
        ];
        // document 0's pairs in two runs: asked for in each
        let runs = [0..2, 2..3, 3..4, 4..5, 5..6, 6..7];
        let asks = alignment_asks(8, &cands, &plans, &runs);
        use Asks::*;
        assert_eq!(
            asks,
            [
                Often, Often, Often, AtMostOnce, AtMostOnce, AtMostOnce, AtMostOnce, InNoPair
            ]
        );
        // one run: documents 0, 1 and 2 asked for once each; then 1 twice (as second,
        // then as first of the next run)
        let asks = alignment_asks(8, &cands[..2], &plans[..2], std::slice::from_ref(&(0..2)));
        assert_eq!(asks[..4], [AtMostOnce, AtMostOnce, AtMostOnce, InNoPair]);
        let asks = alignment_asks(3, &[pair(0, 1), pair(1, 2)], &plans[..2], &[0..1, 1..2]);
        assert_eq!(asks, [AtMostOnce, Often, AtMostOnce]);
        // a decided pair asks for both documents once (its caller may align it later)
        let decided = [PairPlan::Decided(1.0, 1.0), PairPlan::Align];
        let asks = alignment_asks(3, &[pair(0, 1), pair(1, 2)], &decided, &[0..1, 1..2]);
        assert_eq!(asks, [AtMostOnce, Often, AtMostOnce]);
    }
}
