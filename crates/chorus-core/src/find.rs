//! The pipeline from documents to a [`Report`]: normalise and tokenise every document,
//! fingerprint, index, pick candidate pairs, align them, cluster the passages, and map
//! every passage back to exact byte offsets of the original texts.
//!
//! Documents are numbered in `(date, id)` order before anything else, so the output does
//! not depend on input order or thread count, and "first" means "earliest" wherever the
//! pipeline needs a representative.

use crate::align::{AlignParams, Alignment, align_seeds_blocked};
use crate::analyze::{busiest_window, quotation};
use crate::candidates::{
    Candidate, PASS_SEEDS, SeedLimits, Sources, candidates_of_pass, plan_candidates,
};
use crate::cluster::{Occurrence, cluster};
use crate::corpus::{Corpus, Storage};
use crate::document::{Document, Span};
use crate::error::{Error, Result};
use crate::index::{DiskIndexBuilder, NgramIndex};
use crate::normalize::fold_punctuation;
use crate::progress::Progress;
use crate::report::{
    Boilerplate, Cluster, ClusterMember, DocumentInfo, Earliest, Edge, Member, Pair, Report, Stats,
};
use crate::token_source::{TokenCache, TokenRef, TokenSource};
use crate::tokenize::Tokens;
use rayon::prelude::*;
use std::borrow::Cow;

/// Every tunable of `find`. `Config::default()` holds the defaults chosen by measurement
/// (see BENCHMARKS.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub seeds: SeedLimits,
    pub align: AlignParams,
    /// Fill [`Report::boilerplate`]. Default false.
    pub list_boilerplate: bool,
    /// Distinct sources within `window_secs` that make a cluster coordinated. Default 5.
    pub min_sources: usize,
    /// The coordination window in seconds. Default 24 hours.
    pub window_secs: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seeds: SeedLimits {
                max_df: 1000,
                full_pairs_df: 64,
                star_links: 8,
                max_repeats: 8,
                min_seeds: 2,
                boilerplate_share: 0.4,
                boilerplate_min_docs: 3,
            },
            align: AlignParams::default(),
            list_boilerplate: false,
            min_sources: 5,
            window_secs: 24 * 3600,
        }
    }
}

impl Config {
    /// Checks that the values make sense together.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: &str| Err(Error::InvalidConfig(msg.to_string()));
        if self.align.ngram == 0 {
            return bad("n-gram size must be at least 1");
        }
        if self.seeds.max_df < 2 {
            return bad("max-df must be at least 2 (a fingerprint must be in two documents)");
        }
        if self.seeds.star_links == 0 {
            return bad("star-links must be at least 1");
        }
        if self.seeds.boilerplate_share.is_nan() || self.seeds.boilerplate_share <= 0.0 {
            return bad("boilerplate-share must be positive (above 1 turns detection off)");
        }
        if self.seeds.boilerplate_min_docs < 2 {
            return bad("boilerplate-min-docs must be at least 2");
        }
        if self.min_sources < 2 || self.window_secs <= 0 {
            return bad("min-sources must be at least 2 and the window positive");
        }
        if !(0.0..=1.0).contains(&self.align.min_similarity) {
            return bad("min-similarity must lie in [0, 1]");
        }
        Ok(())
    }
}

/// Extends a span over punctuation directly attached to it that both copies share
/// (a closing period, quotation marks), comparing quote styles as equal.
pub(crate) fn attached_punctuation(ta: &str, sa: Span, tb: &str, sb: Span) -> (Span, Span) {
    fn run(it: impl Iterator<Item = char>) -> Vec<char> {
        it.take_while(|c| !c.is_whitespace() && !c.is_alphanumeric())
            .take(4)
            .collect()
    }
    fn same(x: char, y: char) -> bool {
        fold_punctuation(x).unwrap_or(x) == fold_punctuation(y).unwrap_or(y)
    }
    let (after_a, after_b) = (run(ta[sa.end..].chars()), run(tb[sb.end..].chars()));
    let k = after_a
        .iter()
        .zip(&after_b)
        .take_while(|(x, y)| same(**x, **y))
        .count();
    let len = |cs: &[char]| cs.iter().map(|c| c.len_utf8()).sum::<usize>();
    // a sentence's own closing mark belongs to it even where the other copy differs
    let closing = |cs: &[char]| {
        usize::from(k == 0 && matches!(cs.first(), Some('.' | ',' | ';' | ':' | '!' | '?')))
    };
    let (ka, kb) = (k.max(closing(&after_a)), k.max(closing(&after_b)));
    let (ea, eb) = (sa.end + len(&after_a[..ka]), sb.end + len(&after_b[..kb]));
    let (before_a, before_b) = (
        run(ta[..sa.begin].chars().rev()),
        run(tb[..sb.begin].chars().rev()),
    );
    let k = before_a
        .iter()
        .zip(&before_b)
        .take_while(|(x, y)| same(**x, **y))
        .count();
    let (ba, bb) = (
        sa.begin - len(&before_a[..k]),
        sb.begin - len(&before_b[..k]),
    );
    (Span::new(ba, ea), Span::new(bb, eb))
}

/// Groups the documents (in pipeline order) by `key`: a document without one is a group of
/// its own. Returns the group of each document and the size of each group.
fn group_by<'d, K: Ord>(
    docs: &'d dyn Corpus,
    order: &[usize],
    key: impl Fn(&'d crate::document::Metadata) -> Option<K>,
) -> (Vec<u32>, Vec<u32>) {
    let mut names: Vec<K> = order.iter().filter_map(|&i| key(docs.meta(i))).collect();
    names.sort_unstable();
    names.dedup();
    let mut size = vec![0u32; names.len()];
    let of_doc: Vec<u32> = order
        .iter()
        .map(|&i| match key(docs.meta(i)) {
            Some(n) => names.binary_search(&n).expect("present") as u32,
            None => {
                size.push(0);
                (size.len() - 1) as u32
            }
        })
        .collect();
    for &s in &of_doc {
        size[s as usize] += 1;
    }
    (of_doc, size)
}

/// Source numbers of the documents (in pipeline order), by [`Metadata::outlet`], and site
/// numbers, by [`Metadata::host`]. A document without one is a source (or site) of its own:
/// boilerplate is learnt per known outlet and per known site (one source may publish
/// several sites, each with its own templates).
///
/// [`Metadata::outlet`]: crate::document::Metadata::outlet
/// [`Metadata::host`]: crate::document::Metadata::host
fn sources_of(docs: &dyn Corpus, order: &[usize]) -> Sources {
    let (of_doc, size) = group_by(docs, order, |m| m.outlet());
    let any_site = order.iter().any(|&i| docs.meta(i).host().is_some());
    let (site_of_doc, site_size) = if any_site {
        group_by(docs, order, |m| m.host())
    } else {
        (Vec::new(), Vec::new())
    };
    Sources {
        of_doc,
        size,
        site_of_doc,
        site_size,
    }
}

/// Per document, the token ranges covered by boilerplate fingerprints (sorted, merged).
fn boilerplate_ranges(occ: &[(u32, u32)], docs: usize, n: usize) -> Vec<Vec<(u32, u32)>> {
    let mut out = vec![Vec::new(); docs];
    for &(d, pos) in occ {
        let ranges: &mut Vec<(u32, u32)> = &mut out[d as usize];
        let (b, e) = (pos, pos + n as u32);
        match ranges.last_mut() {
            Some(last) if b <= last.1 => last.1 = last.1.max(e),
            _ => ranges.push((b, e)),
        }
    }
    out
}

/// Groups boilerplate occurrences by source and normalised text.
fn list_boilerplate(docs: &dyn Corpus, al: &Aligned<'_>) -> Vec<Boilerplate> {
    let with: Vec<u32> = (0..al.blocked.len() as u32)
        .filter(|&d| !al.blocked[d as usize].is_empty())
        .collect();
    let items: Vec<((u32, String), (Member, usize))> = with
        .par_iter()
        .flat_map_iter(|&d| {
            let i = al.order[d as usize];
            let text = docs.text(i);
            let (t, map) = al.tokens.with_map(d, &text);
            al.blocked[d as usize]
                .iter()
                .map(|&(b, e)| {
                    let (nb, ne) = (t.ranges[b as usize].0, t.ranges[e as usize - 1].1);
                    let key = (
                        al.sources.of_doc[d as usize],
                        t.norm[nb as usize..ne as usize].to_string(),
                    );
                    let m = Member {
                        doc: docs.id(i).to_string(),
                        begin: map[nb as usize] as usize,
                        end: map[ne as usize] as usize,
                    };
                    (key, (m, i))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let mut groups: std::collections::BTreeMap<(u32, String), Vec<(Member, usize)>> =
        Default::default();
    for (k, m) in items {
        groups.entry(k).or_default().push(m);
    }
    let mut out: Vec<Boilerplate> = groups
        .into_values()
        .map(|members| {
            let (first, i) = &members[0];
            Boilerplate {
                source: docs.meta(*i).outlet().map(Cow::into_owned),
                text: docs.text(*i)[first.begin..first.end].to_string(),
                members: members.into_iter().map(|(m, _)| m).collect(),
            }
        })
        .collect();
    out.sort_by(|x, y| {
        (&x.source, std::cmp::Reverse(x.members.len()), &x.text).cmp(&(
            &y.source,
            std::cmp::Reverse(y.members.len()),
            &y.text,
        ))
    });
    out
}

/// What the pipeline knows after alignment, before clustering: documents in pipeline
/// order with their tokens, boilerplate, and every aligned passage. Shared by `find` and
/// `dedup`.
pub(crate) struct Aligned<'c> {
    /// `order[d]` is the input index of document number `d` (in `(date, id)` order).
    pub order: Vec<usize>,
    pub tokens: TokenSource<'c>,
    /// Number of tokens of each document number.
    pub token_counts: Vec<u32>,
    /// Boilerplate token ranges per document number.
    pub blocked: Vec<Vec<(u32, u32)>>,
    pub sources: Sources,
    /// `(a, b, alignment)` with document numbers `a < b`.
    pub aligned: Vec<(u32, u32, Alignment)>,
    pub stats: Stats,
}

/// What to do with a candidate pair before aligning it.
pub(crate) enum PairPlan {
    Align,
    Skip,
    /// Decided without alignment, with the coverage of each side.
    Decided(f64, f64),
}

/// A decided pair: document numbers and the coverage of each side.
pub(crate) type Decided = (u32, u32, f64, f64);

/// Plans a candidate pair from its seeds, the token counts and the boilerplate ranges of
/// the documents.
pub(crate) type PlanFn<'p> = dyn Fn(&Candidate, &[u32], &[Vec<(u32, u32)>]) -> PairPlan + Sync + 'p;

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
    cfg.validate()?;
    let mut order: Vec<(Option<i64>, &str, usize)> = (0..docs.len())
        .map(|i| (docs.meta(i).timestamp(), docs.id(i), i))
        .collect();
    order.sort_by(|x, y| {
        (x.0.is_none(), x.0, x.1)
            .cmp(&(y.0.is_none(), y.0, y.1))
            .then_with(|| docs.text(x.2).cmp(&docs.text(y.2)))
    });
    let order: Vec<usize> = order.into_iter().map(|o| o.2).collect();
    let bytes: usize = (0..docs.len()).map(|i| docs.text_len(i)).sum();

    progress.stage("tokenize", bytes as u64);
    let (tokens, token_counts, index) = match storage {
        Storage::Memory => {
            let tokens: Vec<Tokens> = order
                .par_iter()
                .map(|&i| {
                    let t = Tokens::new(&docs.text(i));
                    progress.advance(docs.text_len(i) as u64);
                    t
                })
                .collect();
            let counts = tokens.iter().map(|t| t.len() as u32).collect();
            progress.stage("index", 0);
            let index = NgramIndex::build_from_tokens(&tokens, cfg.align.ngram);
            (TokenSource::Memory(tokens), counts, index)
        }
        Storage::Disk { dir, cache_bytes } => {
            let mut builder = DiskIndexBuilder::create(dir, cfg.align.ngram)?;
            let mut counts: Vec<u32> = Vec::with_capacity(docs.len());
            let mut start = 0;
            while start < order.len() {
                let mut end = start;
                let mut batch_bytes = 0;
                while end < order.len() && (end == start || batch_bytes < DISK_BATCH_BYTES) {
                    batch_bytes += docs.text_len(order[end]);
                    end += 1;
                }
                let hashes: Vec<Vec<u64>> = order[start..end]
                    .par_iter()
                    .map(|&i| {
                        let t = Tokens::new(&docs.text(i));
                        progress.advance(docs.text_len(i) as u64);
                        t.hashes
                    })
                    .collect();
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
            (tokens, counts, index)
        }
    };
    let n_tokens = token_counts.iter().map(|&c| c as usize).sum();
    let postings = index.len();

    progress.stage("candidates", 0);
    let sources = sources_of(docs, &order);
    let cplan = plan_candidates(&index, &cfg.seeds, &sources, PASS_SEEDS)?;
    let blocked = boilerplate_ranges(&cplan.boilerplate, docs.len(), cfg.align.ngram);
    let single = cplan.passes.len() == 1;
    // one pass: the index is dropped before aligning; several: it is kept for the next
    let mut index = Some(index);
    let mut n_candidates = 0usize;
    let mut decided: Vec<Decided> = Vec::new();
    let mut aligned: Vec<(u32, u32, Alignment)> = Vec::new();
    progress.stage("align", cplan.seeds as u64);
    let mut advanced = 0u64;
    for pass in cplan.passes {
        let cands = candidates_of_pass(
            index.as_ref().expect("index kept for every pass"),
            &cfg.seeds,
            &sources,
            pass,
        )?;
        if single {
            index = None;
        }
        n_candidates += cands.len();
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
        let pass_aligned: Vec<(u32, u32, Alignment)> = runs
            .into_par_iter()
            .flat_map_iter(|run| {
                let mut out = Vec::new();
                let mut ta: Option<TokenRef<'_>> = None;
                for (c, p) in cands[run.clone()].iter().zip(&plans[run]) {
                    if matches!(p, PairPlan::Align) {
                        let ta = ta.get_or_insert_with(|| tokens.get(c.a));
                        let tb = tokens.get(c.b);
                        let found = align_seeds_blocked(
                            ta,
                            &tb,
                            &c.seeds,
                            &cfg.align,
                            &blocked[c.a as usize],
                            &blocked[c.b as usize],
                        );
                        out.extend(found.into_iter().map(|al| (c.a, c.b, al)));
                    }
                    progress.advance(c.seeds.len() as u64);
                }
                out
            })
            .collect();
        aligned.extend(pass_aligned);
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

/// A cluster's report record: members with their dates, sources and quotation, the
/// earliest member, coordination, and propagation edges (see [`crate::analyze`]).
fn describe_cluster(
    id: u32,
    occurrences: &[Occurrence],
    pairs: &[(u32, &Occurrence, &Occurrence, f64)],
    docs: &dyn Corpus,
    order: &[usize],
    cfg: &Config,
) -> Cluster {
    let doc = |d: u32| order[d as usize];
    // document numbers are in (date, id) order, undated last: occurrences are in time order
    let members: Vec<ClusterMember> = occurrences
        .iter()
        .map(|o| {
            let i = doc(o.doc);
            let meta = docs.meta(i);
            let q = quotation(&docs.text(i), o.span);
            ClusterMember {
                doc: docs.id(i).to_string(),
                begin: o.span.begin,
                end: o.span.end,
                date: meta.date.clone(),
                source: meta.outlet().map(Cow::into_owned),
                quoted: q.quoted,
                reuse: q.reuse().to_string(),
                attribution: q.attribution,
                credit: q.credit,
            }
        })
        .collect();
    let first = &occurrences[0];
    let earliest = Some(Earliest {
        doc: members[0].doc.clone(),
        begin: first.span.begin,
        end: first.span.end,
        date: members[0].date.clone(),
        source: members[0].source.clone(),
    });
    let timed: Vec<(i64, Cow<'_, str>)> = occurrences
        .iter()
        .filter_map(|o| {
            let meta = docs.meta(doc(o.doc));
            Some((meta.timestamp()?, meta.outlet()?))
        })
        .collect();
    let timed: Vec<(i64, &str)> = timed.iter().map(|(t, s)| (*t, s.as_ref())).collect();
    let coordination = busiest_window(&timed, cfg.window_secs);
    let in_window = coordination.as_ref().map_or(0, |c| c.sources_in_window);
    // propagation: each later document's most similar earlier partner (nearest in time on ties)
    let mut best: std::collections::BTreeMap<u32, (f64, std::cmp::Reverse<u32>, u32)> =
        Default::default();
    for &(_, x, y, score) in pairs {
        let (early, late) = if x.doc < y.doc {
            (x.doc, y.doc)
        } else {
            (y.doc, x.doc)
        };
        if early == late {
            continue;
        }
        let cand = (score, std::cmp::Reverse(late - early), early);
        let e = best.entry(late).or_insert(cand);
        if (cand.0, cand.1) > (e.0, e.1) {
            *e = cand;
        }
    }
    let propagation = best
        .into_iter()
        .map(|(late, (score, _, early))| Edge {
            from: docs.id(doc(early)).to_string(),
            to: docs.id(doc(late)).to_string(),
            score: (score * 1000.0).round() / 1000.0,
        })
        .collect();
    Cluster {
        id,
        text: docs.text(doc(first.doc))[first.span.begin..first.span.end].to_string(),
        earliest,
        coordinated: in_window >= cfg.min_sources,
        coordination_score: (in_window as f64 / cfg.min_sources as f64 * 1000.0).round() / 1000.0,
        coordination,
        members,
        propagation,
    }
}

/// Finds the passages that documents share (see the module documentation), keeping
/// everything in memory.
pub fn find(docs: &[Document], cfg: &Config, progress: &dyn Progress) -> Result<Report> {
    find_in(&docs, cfg, &Storage::Memory, progress)
}

/// [`find`] over any [`Corpus`], keeping the working data where `storage` says.
pub fn find_in(
    docs: &dyn Corpus,
    cfg: &Config,
    storage: &Storage,
    progress: &dyn Progress,
) -> Result<Report> {
    let al = align_corpus_with(docs, cfg, storage, progress, &|_, _, _| PairPlan::Align)?.0;
    let order = &al.order;
    let aligned = &al.aligned;

    progress.stage("cluster", 0);
    // byte spans: each document involved is normalised once for its offset map, and every
    // passage side in it is mapped then (one map in memory per thread)
    let mut sides: Vec<(u32, u32)> = aligned
        .iter()
        .enumerate()
        .flat_map(|(i, (a, b, _))| [(*a, 2 * i as u32), (*b, 2 * i as u32 + 1)])
        .collect();
    sides.sort_unstable();
    let per_doc: Vec<&[(u32, u32)]> = sides.chunk_by(|x, y| x.0 == y.0).collect();
    let mapped: Vec<Vec<(u32, Span)>> = per_doc
        .par_iter()
        .map(|g| {
            let d = g[0].0;
            let text = docs.text(order[d as usize]);
            let (t, map) = al.tokens.with_map(d, &text);
            g.iter()
                .map(|&(_, side)| {
                    let (_, _, al) = &aligned[side as usize / 2];
                    let (t0, t1) = if side % 2 == 0 { al.a } else { al.b };
                    let r = &t.ranges;
                    let span = Span::new(
                        map[r[t0 as usize].0 as usize] as usize,
                        map[r[t1 as usize - 1].1 as usize] as usize,
                    );
                    (side, span)
                })
                .collect()
        })
        .collect();
    let involved: Vec<u32> = per_doc.iter().map(|g| g[0].0).collect();
    drop(per_doc);
    drop(sides);
    let mut side_span = vec![Span::new(0, 0); 2 * aligned.len()];
    for (side, span) in mapped.into_iter().flatten() {
        side_span[side as usize] = span;
    }
    let occurrences: Vec<(Occurrence, Occurrence)> = aligned
        .par_iter()
        .enumerate()
        .map(|(i, (a, b, _))| {
            let (sa, sb) = attached_punctuation(
                &docs.text(order[*a as usize]),
                side_span[2 * i],
                &docs.text(order[*b as usize]),
                side_span[2 * i + 1],
            );
            (
                Occurrence { doc: *a, span: sa },
                Occurrence { doc: *b, span: sb },
            )
        })
        .collect();
    drop(side_span);
    let clustering = cluster(&occurrences);

    let id = |d: u32| docs.id(order[d as usize]).to_string();
    let member = |o: &Occurrence| Member {
        doc: id(o.doc),
        begin: o.span.begin,
        end: o.span.end,
    };
    let mut pairs: Vec<(u32, &Occurrence, &Occurrence, f64)> = occurrences
        .iter()
        .zip(aligned)
        .zip(&clustering.pair_cluster)
        .map(|(((x, y), (_, _, al)), &c)| (c, x, y, al.similarity))
        .collect();
    pairs.sort_by(|x, y| (x.0, x.1, x.2).cmp(&(y.0, y.1, y.2)));
    let clusters: Vec<Cluster> = clustering
        .members
        .par_iter()
        .enumerate()
        .map(|(i, ms)| {
            let lo = pairs.partition_point(|p| p.0 < i as u32);
            let hi = pairs.partition_point(|p| p.0 <= i as u32);
            describe_cluster(i as u32 + 1, ms, &pairs[lo..hi], docs, order, cfg)
        })
        .collect();
    let pairs: Vec<Pair> = pairs
        .into_iter()
        .map(|(c, x, y, s)| Pair {
            cluster: c + 1,
            a: member(x),
            b: member(y),
            score: (s * 1000.0).round() / 1000.0,
        })
        .collect();
    let documents = involved
        .iter()
        .map(|&d| {
            let i = order[d as usize];
            DocumentInfo {
                id: docs.id(i).to_string(),
                meta: docs.meta(i).clone(),
            }
        })
        .collect();
    let boilerplate = if cfg.list_boilerplate {
        list_boilerplate(docs, &al)
    } else {
        Vec::new()
    };
    let mut stats = al.stats;
    stats.passages = pairs.len();
    stats.clusters = clusters.len();
    Ok(Report {
        documents,
        boilerplate,
        stats,
        clusters,
        pairs,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::progress::NoProgress;

    #[test]
    fn attached_punctuation_is_shared_punctuation_only() {
        let a = "He said “we will go.” Then";
        let b = "We will go. Later";
        let sa = Span::new(a.find("we").unwrap(), a.find("go").unwrap() + 2);
        let sb = Span::new(0, b.find("go").unwrap() + 2);
        let (xa, xb) = attached_punctuation(a, sa, b, sb);
        assert_eq!(&a[xa.begin..xa.end], "we will go.");
        assert_eq!(&b[xb.begin..xb.end], "We will go.");
    }

    #[test]
    fn finds_one_passage_in_three_documents() {
        let passage = "The committee announced on Tuesday that the harbour bridge will \
                       close for repairs until the end of the summer season.";
        let docs = vec![
            Document::new("a", format!("Local news. {passage} Weather is fine.")),
            Document::new("b", format!("Ferry times change. {passage}")),
            Document::new("c", format!("{passage} More later from our desk.")),
            Document::new("d", "An unrelated story about gardening and tomatoes."),
        ];
        let r = find(&docs, &Config::default(), &NoProgress).unwrap();
        assert_eq!(r.clusters.len(), 1);
        let c = &r.clusters[0];
        assert_eq!(c.members.len(), 3);
        for m in &c.members {
            let doc = docs.iter().find(|d| d.id == m.doc).unwrap();
            assert_eq!(&doc.text[m.begin..m.end], passage);
        }
        assert_eq!(r.pairs.len(), 3);
    }

    /// A corpus with reuse, near-duplicates, dates, outlets and per-outlet boilerplate.
    pub(crate) fn mixed_corpus() -> Vec<Document> {
        let words: Vec<String> = (0..400)
            .map(|i| format!("w{}x{}", i * 7919 % 1000, i))
            .collect();
        let passage = |k: usize, len: usize| words[k..k + len].join(" ");
        let mut docs = Vec::new();
        for i in 0..40usize {
            let mut text = format!("Story {i} opens with its own words number {i} here. ");
            text.push_str(&passage((i * 13) % 300, 30));
            text.push_str(". ");
            if i % 3 == 0 {
                text.push_str(&passage(5, 25));
                text.push_str(". ");
            }
            if i % 4 == 1 {
                text.push_str(&passage(100, 40).replace("x1", "xl"));
                text.push_str(". ");
            }
            text.push_str(&format!(
                "Copyright outlet {} all rights reserved forever.",
                i % 3
            ));
            let mut d = Document::new(format!("doc-{i:02}"), text);
            d.meta.source = Some(format!("outlet-{}", i % 3));
            d.meta.date = Some(format!("2024-01-{:02}", 1 + (i * 7) % 28));
            docs.push(d);
        }
        docs
    }

    #[test]
    fn working_data_on_disk_gives_the_same_report() {
        let docs = mixed_corpus();
        let cfg = Config {
            list_boilerplate: true,
            ..Config::default()
        };
        let memory = find(&docs, &cfg, &NoProgress).unwrap();
        assert!(memory.clusters.len() >= 3, "{}", memory.clusters.len());
        assert!(!memory.boilerplate.is_empty());
        let dir = std::env::temp_dir().join(format!("chorus-find-disk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let disk = find_in(
            &docs,
            &cfg,
            &Storage::Disk {
                dir: dir.clone(),
                cache_bytes: 1 << 20,
            },
            &NoProgress,
        )
        .unwrap();
        assert_eq!(disk, memory);
        // the scratch folder is left empty
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir(&dir).unwrap();
        // a scratch folder that does not exist is an error naming the file
        let err = find_in(
            &docs,
            &cfg,
            &Storage::Disk {
                dir: dir.join("missing"),
                cache_bytes: 0,
            },
            &NoProgress,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("missing"), "{err}");
    }
}
