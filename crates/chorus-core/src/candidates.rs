//! Candidate document pairs: pairs that share enough rare fingerprints.
//!
//! For each fingerprint group in the index, the documents holding it are paired, and each
//! pairing is a *seed* `(pos_a, pos_b)` for that document pair. Groups found in more than
//! `max_df` documents are too common to mean reuse and seed nothing. Groups with more than
//! `full_pairs_df` documents (a passage printed by very many outlets) do not pair every
//! document with every other, which would cost O(df²) per fingerprint: each document is
//! paired with the first `star_links` documents of the group instead (the earliest, since
//! documents are numbered in date order), which keeps the cost linear and still joins all
//! of them into one cluster. A fingerprint repeated more than `max_repeats` times inside one
//! document (a refrain, a table) is ignored for that document.
//!
//! Seeds are sorted by document pair; pairs with at least `min_seeds` seeds are candidates.
//! A counting pass first sizes the work ([`plan_candidates`]); the pairs are then made in
//! passes over ranges of first documents ([`candidates_of_pass`]), each small enough that
//! its seeds fit a fixed budget ([`PASS_SEEDS`]).
//!
//! **Boilerplate.** Before a group is paired, the occurrences in documents whose source has
//! the fingerprint as boilerplate are set aside (see [`crate::boilerplate`]): they seed
//! nothing and are returned, so the pipeline can keep alignments out of them and list them.
//!
//! `group_seeds` is the whole rule for one fingerprint group; the public stage API
//! ([`crate::stages::fingerprint_seeds`]) calls it for a group given by a distributed engine.

pub use crate::boilerplate::Sources;
use crate::boilerplate::{BoilerplateScratch, strip_boilerplate};
pub use crate::config::SeedLimits;
use crate::error::Result;
use crate::index::{NgramIndex, Posting, groups};
use crate::order::DocNum;
use rayon::prelude::*;

/// Candidate pairs and the boilerplate occurrences found on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidates {
    pub pairs: Vec<Candidate>,
    /// `(doc, pos)` of every fingerprint occurrence that is boilerplate of its source.
    pub boilerplate: Vec<(u32, u32)>,
}

/// A document pair (`a < b`, as document numbers) and the positions of the fingerprints they
/// share, sorted by `(pos_a, pos_b)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub a: DocNum,
    pub b: DocNum,
    pub seeds: Vec<(u32, u32)>,
}

/// The candidate pair `a < b` with the seeds `(pos_a, pos_b)` it collected from every
/// fingerprint group, sorted: `None` under `min_seeds` seeds.
pub(crate) fn candidate_of_sorted(
    a: DocNum,
    b: DocNum,
    seeds: impl ExactSizeIterator<Item = (u32, u32)>,
    lim: &SeedLimits,
) -> Option<Candidate> {
    (seeds.len() >= lim.min_seeds).then(|| Candidate {
        a,
        b,
        seeds: seeds.collect(),
    })
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct SeedRec {
    pair: u64,
    pos: u64,
}

/// Seeds bucketed by the pair's first document, `bucket_of(a)`: the unit of sorting and
/// grouping, so that only one bucket per thread is ever copied.
struct SeedBuckets {
    buckets: Vec<Vec<SeedRec>>,
    /// Documents per bucket.
    width: u32,
}

impl SeedBuckets {
    fn new(docs: usize) -> SeedBuckets {
        let width = docs.div_ceil(SEED_BUCKETS).max(1) as u32;
        SeedBuckets {
            buckets: vec![Vec::new(); docs.div_ceil(width as usize).max(1)],
            width,
        }
    }
}

/// Buckets of document pairs (by first document) in which seeds are sorted and grouped;
/// also the finest split of the passes, so there are many: with 64, one bucket of a large
/// corpus held more than a pass's budget on its own.
const SEED_BUCKETS: usize = 1024;

/// Where the seeds of a partition scan go: counted per bucket, or collected for the
/// buckets of one pass.
pub(crate) trait SeedSink {
    fn emit(&mut self, x: &[Posting], y: &[Posting]);
}

/// Counts seeds per bucket of first documents.
struct SeedCounts {
    counts: Vec<usize>,
    width: u32,
}

impl SeedSink for SeedCounts {
    fn emit(&mut self, x: &[Posting], y: &[Posting]) {
        self.counts[(x[0].doc / self.width) as usize] += x.len() * y.len();
    }
}

/// Collects the seeds of the buckets in `pass`.
struct PassSeeds {
    seeds: SeedBuckets,
    pass: std::ops::Range<usize>,
}

impl SeedSink for PassSeeds {
    fn emit(&mut self, x: &[Posting], y: &[Posting]) {
        // x and y are the occurrences of one fingerprint in two documents, x.doc < y.doc.
        let bucket = (x[0].doc / self.seeds.width) as usize;
        if !self.pass.contains(&bucket) {
            return;
        }
        let pair = ((x[0].doc as u64) << 32) | y[0].doc as u64;
        let out = &mut self.seeds.buckets[bucket];
        for p in x {
            for q in y {
                out.push(SeedRec {
                    pair,
                    pos: ((p.pos as u64) << 32) | q.pos as u64,
                });
            }
        }
    }
}

/// Reusable buffers of [`group_seeds`].
#[derive(Default)]
pub(crate) struct GroupScratch<'p> {
    runs: Vec<&'p [Posting]>,
    boilerplate: BoilerplateScratch,
}

/// The seed rules for one fingerprint group `g` (its postings, sorted by `(doc, pos)`):
/// its occurrences in documents that have it as boilerplate are set aside (and added to
/// `boilerplate` when given), then documents repeating it more than `max_repeats` times are
/// left out; if it is still in 2 to `max_df` documents, `out` receives every pair of their
/// runs of postings (`x.doc < y.doc`), or, above `full_pairs_df` documents, the pairs of
/// each document with the first `star_links` ones.
#[inline]
pub(crate) fn group_seeds<'p>(
    g: &'p [Posting],
    lim: &SeedLimits,
    sources: &Sources,
    scratch: &mut GroupScratch<'p>,
    out: &mut impl SeedSink,
    boilerplate: Option<&mut Vec<(u32, u32)>>,
) {
    if g.len() < 2 || g[0].doc == g[g.len() - 1].doc {
        return;
    }
    let runs = &mut scratch.runs;
    runs.clear();
    runs.extend(g.chunk_by(|x, y| x.doc == y.doc));
    strip_boilerplate(runs, lim, sources, &mut scratch.boilerplate, boilerplate);
    runs.retain(|r| r.len() <= lim.max_repeats);
    let df = runs.len();
    if df < 2 || df > lim.max_df {
        return;
    }
    let hubs = if df <= lim.full_pairs_df {
        df
    } else {
        lim.star_links.min(df)
    };
    for i in 0..hubs {
        for j in i + 1..df {
            out.emit(runs[i], runs[j]);
        }
    }
}

fn seeds_of_partition(
    part: &[Posting],
    lim: &SeedLimits,
    sources: &Sources,
    out: &mut impl SeedSink,
    mut boilerplate: Option<&mut Vec<(u32, u32)>>,
) {
    let mut scratch = GroupScratch::default();
    for g in groups(part) {
        group_seeds(
            g,
            lim,
            sources,
            &mut scratch,
            out,
            boilerplate.as_deref_mut(),
        );
    }
}

/// Seeds (16 bytes each while sorted) gathered in one pass at most: larger corpora make their
/// candidate pairs in several passes over the index, one range of first documents each,
/// aligning each pass's pairs before the next, so that the seeds of all pairs are never in
/// memory at once (512 MiB per pass). On the 1 GB near-duplicate benchmark (120 M seeds)
/// five passes instead of one cut `dedup`'s peak RSS from 9.0 to 7.4 GB and its time from 52
/// to 43 s (less memory to fault in); thirteen passes saved little more memory and cost
/// time in repeated scans.
pub const PASS_SEEDS: usize = 1 << 25;

/// `(doc, pos)` of fingerprint occurrences that are boilerplate of their source.
type Boilerplate = Vec<(u32, u32)>;

/// The counting pass over the index: the boilerplate occurrences, and the passes in which
/// [`candidates_of_pass`] makes the candidate pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CandidatePlan {
    /// `(doc, pos)` of every fingerprint occurrence that is boilerplate of its source.
    pub boilerplate: Vec<(u32, u32)>,
    /// Ranges of seed buckets, in order; together they cover every bucket once.
    pub passes: Vec<std::ops::Range<usize>>,
    /// Seeds over all passes.
    pub seeds: usize,
    /// Seeds of each bucket, per index partition: what [`candidates_of_pass`] collects
    /// there, so that its buffers are allocated once at their size.
    pub partition_seeds: Vec<Vec<usize>>,
}

/// Counts the seeds of every bucket of first documents (without keeping them), collects the
/// boilerplate, and splits the buckets into passes of at most `pass_seeds` seeds (a bucket
/// larger than that is a pass of its own).
pub fn plan_candidates(
    index: &NgramIndex,
    lim: &SeedLimits,
    sources: &Sources,
    pass_seeds: usize,
) -> Result<CandidatePlan> {
    let docs = sources.of_doc.len();
    let shape = SeedBuckets::new(docs);
    let n_buckets = shape.buckets.len();
    // per partition: seeds per bucket, and its boilerplate occurrences
    let counted: Vec<(Vec<usize>, Boilerplate)> = (0..index.partition_count())
        .into_par_iter()
        .map(|p| {
            let part = index.partition(p)?;
            let mut c = SeedCounts {
                counts: vec![0; n_buckets],
                width: shape.width,
            };
            let mut bp = Vec::new();
            seeds_of_partition(&part, lim, sources, &mut c, Some(&mut bp));
            Ok((c.counts, bp))
        })
        .collect::<Result<_>>()?;
    let mut counts = vec![0usize; n_buckets];
    let mut boilerplate: Vec<(u32, u32)> =
        Vec::with_capacity(counted.iter().map(|p| p.1.len()).sum());
    let mut partition_seeds = Vec::with_capacity(counted.len());
    for (c, b) in counted {
        for (t, x) in counts.iter_mut().zip(&c) {
            *t += x;
        }
        partition_seeds.push(c);
        boilerplate.extend(b);
    }
    boilerplate.par_sort_unstable();
    let mut passes = Vec::new();
    let (mut start, mut in_pass) = (0, 0usize);
    for (i, &n) in counts.iter().enumerate() {
        if i > start && in_pass + n > pass_seeds {
            passes.push(start..i);
            (start, in_pass) = (i, 0);
        }
        in_pass += n;
    }
    passes.push(start..n_buckets);
    Ok(CandidatePlan {
        boilerplate,
        passes,
        seeds: counts.iter().sum(),
        partition_seeds,
    })
}

/// The candidate pairs whose first document falls in the buckets of `pass`, in `(a, b)`
/// order.
///
/// Memory: 16 bytes per seed of the pass while the partitions are scanned; the seeds are
/// then sorted and grouped one bucket at a time, each bucket's buffers freed as its
/// candidates (8 bytes per seed) are made.
pub fn candidates_of_pass(
    index: &NgramIndex,
    lim: &SeedLimits,
    sources: &Sources,
    pass: std::ops::Range<usize>,
) -> Result<Vec<Candidate>> {
    Ok(candidates_of_pass_kept(index, lim, sources, pass, None, &|_, _, _| true)?.0)
}

/// Whether a document pair `a < b` with this many seeds is worth making into a
/// [`Candidate`]: a caller's plan that would skip it from its seed count alone says no, so
/// its seeds are never copied nor planned.
pub(crate) type KeepFn<'k> = dyn Fn(DocNum, DocNum, usize) -> bool + Sync + 'k;

/// [`candidates_of_pass`] without the pairs `keep` turns down (those over `min_seeds`
/// seeds are counted, the second value); `sizes`, when given, are the seeds of each bucket
/// per partition ([`CandidatePlan::partition_seeds`]), for buffers of the right size.
pub(crate) fn candidates_of_pass_kept(
    index: &NgramIndex,
    lim: &SeedLimits,
    sources: &Sources,
    pass: std::ops::Range<usize>,
    sizes: Option<&[Vec<usize>]>,
    keep: &KeepFn<'_>,
) -> Result<(Vec<Candidate>, usize)> {
    let docs = sources.of_doc.len();
    let parts: Vec<SeedBuckets> = (0..index.partition_count())
        .into_par_iter()
        .map(|p| {
            let part = index.partition(p)?;
            let mut out = PassSeeds {
                seeds: SeedBuckets::new(docs),
                pass: pass.clone(),
            };
            if let Some(sizes) = sizes {
                for b in pass.clone() {
                    out.seeds.buckets[b].reserve_exact(sizes[p][b]);
                }
            }
            seeds_of_partition(&part, lim, sources, &mut out, None);
            if let Some(sizes) = sizes {
                debug_assert!(
                    pass.clone()
                        .all(|b| out.seeds.buckets[b].len() == sizes[p][b])
                );
            }
            Ok(out.seeds)
        })
        .collect::<Result<_>>()?;
    let mut by_bucket: Vec<Vec<Vec<SeedRec>>> = vec![Vec::new(); pass.len()];
    for s in parts {
        for (pieces, piece) in by_bucket
            .iter_mut()
            .zip(s.buckets.into_iter().skip(pass.start))
        {
            if !piece.is_empty() {
                pieces.push(piece);
            }
        }
    }
    let pairs: Vec<(Vec<Candidate>, usize)> = by_bucket
        .into_par_iter()
        .map(|pieces| {
            let mut seeds: Vec<SeedRec> = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
            for piece in pieces {
                seeds.extend(piece);
            }
            seeds.sort_unstable();
            let mut turned_down = 0;
            let kept = seeds
                .chunk_by(|x, y| x.pair == y.pair)
                .filter(|g| {
                    let (a, b) = (DocNum((g[0].pair >> 32) as u32), DocNum(g[0].pair as u32));
                    let ok = g.len() < lim.min_seeds || keep(a, b, g.len());
                    turned_down += usize::from(!ok);
                    ok
                })
                .filter_map(|g| {
                    candidate_of_sorted(
                        DocNum((g[0].pair >> 32) as u32),
                        DocNum(g[0].pair as u32),
                        g.iter().map(|s| ((s.pos >> 32) as u32, s.pos as u32)),
                        lim,
                    )
                })
                .collect();
            (kept, turned_down)
        })
        .collect();
    let turned_down = pairs.iter().map(|p| p.1).sum();
    Ok((pairs.into_iter().flat_map(|p| p.0).collect(), turned_down))
}

/// Candidate pairs from the index, in `(a, b)` order, and the boilerplate occurrences, in
/// one pass ([`plan_candidates`] and [`candidates_of_pass`] make them in several).
pub fn candidates(index: &NgramIndex, lim: &SeedLimits, sources: &Sources) -> Result<Candidates> {
    let plan = plan_candidates(index, lim, sources, usize::MAX)?;
    let all = 0..plan.passes.last().map_or(0, |p| p.end);
    Ok(Candidates {
        pairs: candidates_of_pass(index, lim, sources, all)?,
        boilerplate: plan.boilerplate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim() -> SeedLimits {
        SeedLimits {
            max_df: 4,
            full_pairs_df: 3,
            star_links: 1,
            max_repeats: 2,
            min_seeds: 1,
            boilerplate_share: 2.0,
            boilerplate_min_docs: 3,
        }
    }

    /// Limits under which only the boilerplate rule (at `share`, from 3 documents) holds
    /// seeds back.
    fn boilerplate_lim(share: f64) -> SeedLimits {
        SeedLimits {
            max_df: 10,
            full_pairs_df: 10,
            boilerplate_share: share,
            boilerplate_min_docs: 3,
            ..lim()
        }
    }

    /// The (a, b) document numbers of each candidate.
    fn doc_pairs(c: &[Candidate]) -> Vec<(u32, u32)> {
        c.iter().map(|c| (c.a.0, c.b.0)).collect()
    }

    fn cands(fps: &[Vec<u64>], lim: &SeedLimits) -> Vec<Candidate> {
        candidates(&NgramIndex::build(fps), lim, &Sources::single(fps.len()))
            .unwrap()
            .pairs
    }

    #[test]
    fn pairs_documents_sharing_fingerprints() {
        let c = cands(&[vec![1, 2], vec![2, 1], vec![3]], &lim());
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].a, c[0].b), (DocNum(0), DocNum(1)));
        assert_eq!(c[0].seeds, vec![(0, 1), (1, 0)]);
    }

    #[test]
    fn too_common_fingerprints_seed_nothing_and_large_groups_use_hubs() {
        // fingerprint 5 is in 5 documents (> max_df): no seeds.
        let fps: Vec<Vec<u64>> = (0..5).map(|_| vec![5]).collect();
        assert!(cands(&fps, &lim()).is_empty());
        // fingerprint 6 in 4 documents (> full_pairs_df): each pairs with doc 0 only.
        let fps: Vec<Vec<u64>> = (0..4).map(|_| vec![6]).collect();
        let pairs = doc_pairs(&cands(&fps, &lim()));
        assert_eq!(pairs, vec![(0, 1), (0, 2), (0, 3)]);
    }

    #[test]
    fn repeated_fingerprints_inside_a_document_are_ignored_for_it() {
        assert!(cands(&[vec![9, 9, 9], vec![9]], &lim()).is_empty());
    }

    #[test]
    fn a_sources_repeated_lines_are_its_boilerplate_only() {
        // docs 0..4 are source 0 (fingerprint 7 in 4 of them), docs 4, 5 are source 1 and
        // also print fingerprint 7; fingerprint 8 is shared by docs 0 and 4 only.
        let fps = vec![vec![7, 8], vec![7], vec![7], vec![7], vec![7, 8], vec![7]];
        let sources = Sources {
            of_doc: vec![0, 0, 0, 0, 1, 1],
            size: vec![4, 2],
            ..Sources::default()
        };
        let l = boilerplate_lim(0.5);
        let c = candidates(&NgramIndex::build(&fps), &l, &sources).unwrap();
        assert_eq!(c.boilerplate, vec![(0, 0), (1, 0), (2, 0), (3, 0)]);
        let pairs = doc_pairs(&c.pairs);
        assert_eq!(pairs, vec![(0, 4), (4, 5)]);
    }

    #[test]
    fn a_sites_repeated_lines_are_boilerplate_even_when_its_source_is_larger() {
        // one source (0) with two sites: site 0 (docs 0..3) prints fingerprint 7 in every
        // document, site 1 (docs 3..8) never: 3 of the source's 8 documents is under the
        // share, 3 of site 0's 3 is over it. Doc 8 (another source and site) also prints 7.
        let mut fps: Vec<Vec<u64>> = vec![vec![7, 1], vec![7], vec![7]];
        fps.extend((0..5).map(|i| vec![20 + i]));
        fps.push(vec![7, 1]);
        let sources = Sources {
            of_doc: vec![0, 0, 0, 0, 0, 0, 0, 0, 1],
            size: vec![8, 1],
            site_of_doc: vec![0, 0, 0, 1, 1, 1, 1, 1, 2],
            site_size: vec![3, 5, 1],
        };
        let l = boilerplate_lim(0.4);
        let c = candidates(&NgramIndex::build(&fps), &l, &sources).unwrap();
        assert_eq!(c.boilerplate, vec![(0, 0), (1, 0), (2, 0)]);
        let pairs = doc_pairs(&c.pairs);
        assert_eq!(pairs, vec![(0, 8)]); // through fingerprint 1 only
        assert_eq!(c.pairs[0].seeds, vec![(1, 1)]);
        // without sites, nothing is boilerplate: 3 of 8 is under the share
        let no_sites = Sources {
            site_of_doc: Vec::new(),
            site_size: Vec::new(),
            ..sources
        };
        let c = candidates(&NgramIndex::build(&fps), &l, &no_sites).unwrap();
        assert!(c.boilerplate.is_empty());
    }

    #[test]
    fn passes_make_the_same_candidates_as_one() {
        // 40 documents sharing fingerprints in overlapping windows, some with repeats
        let fps: Vec<Vec<u64>> = (0..40u64)
            .map(|d| {
                (0..30u64)
                    .map(|i| (d / 3 + i) % 50 + (i % 7 == 0) as u64)
                    .collect()
            })
            .collect();
        let mut l = lim();
        l.max_df = 30;
        l.full_pairs_df = 5;
        l.star_links = 2;
        let index = NgramIndex::build(&fps);
        let sources = Sources::single(fps.len());
        let one = candidates(&index, &l, &sources).unwrap();
        assert!(one.pairs.len() > 20, "{}", one.pairs.len());
        for budget in [1, 50, 500] {
            let plan = plan_candidates(&index, &l, &sources, budget).unwrap();
            assert!(plan.passes.len() > 1, "budget {budget}: {:?}", plan.passes);
            assert_eq!(plan.boilerplate, one.boilerplate);
            let seeds: usize = one.pairs.iter().map(|c| c.seeds.len()).sum();
            assert!(plan.seeds >= seeds);
            let mut many = Vec::new();
            for pass in plan.passes {
                many.extend(candidates_of_pass(&index, &l, &sources, pass).unwrap());
            }
            assert_eq!(many, one.pairs, "budget {budget}");
        }
    }
}
