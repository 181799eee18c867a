//! Clusters kept up to date write by write: [`update`] turns the clusters of one index
//! generation into those of the next from the ids the write added, replaced or removed,
//! running the engine only over the documents of the clusters the write can change.
//!
//! How. The old clusters to *replace* start as those holding a changed document, and
//! those with a member near (within [`NEAR`] bytes of) a passage that a stored document
//! shares with a written one; the stored documents sharing passages with a written one are
//! found as `/v1/query` finds them ([`IndexReader::query`], with the seed rules'
//! thresholds, so that the pairs the engine would align are among them). The engine
//! ([`chorus_core::find`]) then runs over the written documents, those neighbours and the
//! members of the clusters to replace. Of its clusters, those holding a changed document
//! or overlapping a cluster to replace are kept; an old cluster that overlaps one of them
//! but was not to be replaced joins the clusters to replace, and the engine runs again
//! over the larger set, until none does. The kept clusters replace the old clusters to
//! replace; the other old clusters stay as they are. The engine's runs keep their pair
//! alignments for the next ([`crate::pairs`]): a run aligns only the pairs no earlier run
//! aligned from the same texts and seeds, mostly those with a written document. All are
//! then numbered as the engine numbers them: in the order of their members'
//! `(date, id, span)` lists, the order of [`chorus_core::NumberingKey`] (ids are unique in
//! an index, so the text never decides).
//!
//! Why this equals a full recompute. A passage joins two documents that are a candidate
//! pair, and a pair's alignment depends only on the two documents; so the passages that
//! appear or disappear all have a written document on one side, and the engine's run sees
//! every passage among the documents it is given. The clustering of passages is by overlap
//! within a document: a cluster of the new corpus that holds no new passage and overlaps
//! no changed cluster is an old cluster, unchanged; one that does is found whole by the
//! last run, since every old cluster it could chain through (by overlap) was added with
//! all its documents. That holds as long as the engine's corpus-wide decisions come out
//! the same over the documents of the run as over the whole corpus: a fingerprint that is
//! a source's boilerplate (a share of the source's documents), one held by more than
//! `max_df` or `full_pairs_df` documents, and the frame words of formulas (words shared by
//! formulas in 3 or more documents) are counted over the documents the engine is given.
//! Where those counts differ, the update can differ from a full recompute; the server
//! therefore also recomputes the whole corpus in the background, rarely
//! (`crate::published`), and says in `as_of` which one the clusters are.

use crate::clusters::{AsOf, ClusterEntry, ClusterSet, MemberDocs};
use chorus_core::report::Cluster;
use chorus_core::{Config, Corpus, Document, Metadata, SourceSizes, Storage};
use chorus_store::{IndexReader, QueryMatch, QueryOptions};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// The documents of one update, by id.
struct Affected(HashMap<String, Document>);

impl MemberDocs for Affected {
    fn meta(&self, id: &str) -> Option<&Metadata> {
        self.0.get(id).map(|d| &d.meta)
    }
    fn text(&self, id: &str) -> Option<Cow<'_, str>> {
        self.0.get(id).map(|d| Cow::Borrowed(d.text.as_str()))
    }
}

/// The documents of one engine run, part of the stored collection: boilerplate is judged
/// against the collection's source sizes ([`Corpus::collection_sizes`]), as a full
/// recompute judges it, not against the few documents of each source the run holds.
struct Run<'a> {
    docs: Vec<Document>,
    sizes: &'a SourceSizes,
}

impl Corpus for Run<'_> {
    fn len(&self) -> usize {
        self.docs.len()
    }
    fn id(&self, i: usize) -> &str {
        &self.docs[i].id
    }
    fn meta(&self, i: usize) -> &Metadata {
        &self.docs[i].meta
    }
    fn text(&self, i: usize) -> chorus_core::Result<Cow<'_, str>> {
        Ok(Cow::Borrowed(&self.docs[i].text))
    }
    fn text_len(&self, i: usize) -> usize {
        self.docs[i].text.len()
    }
    fn collection_sizes(&self) -> Option<&SourceSizes> {
        Some(self.sizes)
    }
}

/// Bytes around a passage a written document shares with a stored one within which the
/// stored document's old clusters are recomputed: a formula passage (`chorus_core::formula`)
/// turns the passages of its document lying in its region, 80 bytes around, into formulas.
const NEAR: usize = 80;

/// What an update did, for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpdateStats {
    /// Documents the engine ran over.
    pub affected: usize,
    /// Old clusters replaced.
    pub replaced: usize,
    /// Clusters the engine's run gave in their place.
    pub found: usize,
    /// Runs of the engine.
    pub rounds: usize,
    /// Time spent finding the written documents' stored neighbours.
    pub neighbours: std::time::Duration,
    /// Time spent in the engine's runs.
    pub engine: std::time::Duration,
    /// Time spent reading the run's documents from the index.
    pub read: std::time::Duration,
    /// Of the engine's time, that spent clustering and describing the passages (the stages
    /// after alignment).
    pub clustering: std::time::Duration,
    /// Time spent making the new clusters' entries, numbering and indexing the set.
    pub assemble: std::time::Duration,
    /// Candidate pairs whose passages the engine's runs took from earlier runs
    /// (`crate::pairs`).
    pub pairs_reused: usize,
    /// Candidate pairs the engine's runs aligned.
    pub pairs_aligned: usize,
    /// Pair alignments kept for the next updates after this one.
    pub pairs_kept: usize,
}

/// The options that find every stored document the engine could pair with a text: the
/// engine's `max_df`, a candidate needs only `min_seeds` shared fingerprints, and no cap on
/// the number of candidates short of `max_df`.
fn neighbour_options(cfg: &Config) -> QueryOptions {
    QueryOptions {
        max_df: cfg.seeds.max_df,
        max_candidates: usize::MAX,
        min_shared: cfg.seeds.min_seeds,
        align: cfg.align,
        parallel: false,
        // every pair the engine aligns, formula-only ones included: its formula decision
        // needs them
        formulas: chorus_store::FormulaMode::Keep,
    }
}

/// When the engine's last stage (clustering and describing the passages) began.
#[derive(Default)]
struct ClusterClock(std::sync::Mutex<Option<std::time::Instant>>);

impl chorus_core::Progress for ClusterClock {
    fn stage(&self, name: &'static str, _total: u64) {
        if name == "cluster" {
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::time::Instant::now());
        }
    }
}

/// The order in which the engine numbers clusters: by their members' `(date, id, span)`
/// lists, undated last ([`chorus_core::NumberingKey`]).
fn numbering_cmp(x: &ClusterEntry, y: &ClusterEntry) -> std::cmp::Ordering {
    fn key(c: &ClusterEntry) -> impl Iterator<Item = (bool, Option<i64>, &str, usize, usize)> {
        c.cluster.members.iter().zip(&c.members).map(|(m, meta)| {
            (
                meta.timestamp.is_none(),
                meta.timestamp,
                m.doc.as_str(),
                m.begin,
                m.end,
            )
        })
    }
    key(x).cmp(key(y))
}

/// The clusters of `reader`'s generation, from `prev` (the clusters of an earlier
/// generation) and the ids of every document added, replaced or removed since (see the
/// module documentation). `exact` says whether the result is known to be a full
/// recompute's: only when nothing changed.
pub fn update(
    prev: &ClusterSet,
    reader: Option<Arc<IndexReader>>,
    changed: &BTreeSet<String>,
    cfg: &Config,
) -> Result<(ClusterSet, UpdateStats), String> {
    let generation = reader.as_ref().map_or(0, |r| r.generation());
    let exact = prev.as_of.exact && changed.is_empty();
    let as_of = AsOf::now(generation, prev.as_of.exact_generation, exact);
    let Some(r) = reader.as_deref() else {
        return Ok((
            ClusterSet::new(as_of, Vec::new(), None),
            UpdateStats::default(),
        ));
    };
    if changed.is_empty() {
        // a merge: the same documents in other segments
        let mut set = ClusterSet::new(as_of, prev.clusters.clone(), reader);
        set.sizes = prev.sizes.clone();
        set.pairs = Arc::clone(&prev.pairs);
        return Ok((set, UpdateStats::default()));
    }
    let err = |e: chorus_store::Error| e.to_string();
    let mut docs: HashMap<String, Document> = HashMap::new();
    // the old clusters to replace: those holding a changed document, and those with a
    // member near a passage a stored document shares with a written one
    let mut replaced: BTreeSet<u32> = BTreeSet::new();
    let mut touched: BTreeSet<String> = changed.clone();
    let opts = neighbour_options(cfg);
    let started = std::time::Instant::now();
    // each changed document's old metadata, new version and stored neighbours, looked up
    // in parallel (a query each)
    type Looked = (Option<Metadata>, Option<(Document, Vec<QueryMatch>)>);
    let looked: Vec<Looked> = changed
        .par_iter()
        .map(|id| {
            let old = match prev.reader.as_deref() {
                Some(old) => old.get(id).map_err(err)?.map(|o| o.meta),
                None => None,
            };
            let new = match r.get(id).map_err(err)? {
                Some(d) => {
                    let matches = r.query(&d.text, &opts).map_err(err)?.matches;
                    Some((d, matches))
                }
                None => None,
            };
            Ok((old, new))
        })
        .collect::<Result<_, String>>()?;
    // the sources' sizes in the new snapshot
    let mut sizes = prev.sizes.clone();
    for (id, (old, new)) in changed.iter().zip(looked) {
        replaced.extend(prev.clusters_of(id).map(|c| c.cluster.id));
        if let Some(meta) = old {
            sizes.remove(&meta);
        }
        let Some((d, matches)) = new else {
            continue;
        };
        sizes.add(&d.meta);
        for m in matches {
            for p in &m.passages {
                let (b, e) = (p.doc.begin.saturating_sub(NEAR), p.doc.end + NEAR);
                replaced.extend(prev.overlapping(&m.id, b, e));
            }
            touched.insert(m.id);
        }
        docs.insert(d.id.clone(), d);
    }
    let neighbours = started.elapsed();
    let mut engine = std::time::Duration::ZERO;
    // until the engine's clusters over the documents involved overlap no old cluster
    // left out (see the module documentation)
    let mut rounds = 0;
    let (mut pairs_reused, mut pairs_aligned) = (0, 0);
    let (mut read, mut clustering) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    let report = loop {
        rounds += 1;
        let started = std::time::Instant::now();
        let mut wanted: BTreeSet<&str> = touched.iter().map(String::as_str).collect();
        for &id in &replaced {
            let c = prev.get(id).expect("an old cluster");
            wanted.extend(c.cluster.members.iter().map(|m| m.doc.as_str()));
        }
        for id in wanted {
            if !docs.contains_key(id)
                && let Some(d) = r.get(id).map_err(err)?
            {
                docs.insert(d.id.clone(), d);
            }
        }
        let run = Run {
            docs: docs.values().cloned().collect(),
            sizes: &sizes,
        };
        read += started.elapsed();
        let started = std::time::Instant::now();
        let memo = prev.pairs.run(&run.docs);
        let clock = ClusterClock::default();
        let report = chorus_core::find_in_memo(&run, cfg, &Storage::Memory, &clock, &memo);
        let counts = prev.pairs.finish_run();
        let mut report = report.map_err(|e| e.to_string())?;
        engine += started.elapsed();
        if let Some(t) = *clock.0.lock().unwrap_or_else(|e| e.into_inner()) {
            clustering += t.elapsed();
        }
        pairs_reused += counts.reused;
        pairs_aligned += counts.aligned;
        drop(run);
        // the clusters that replace the old ones: those holding a changed document or
        // overlapping a replaced cluster
        let overlaps = |c: &Cluster, among: &dyn Fn(u32) -> bool| {
            c.members.iter().any(|m| {
                prev.overlapping(&m.doc, m.begin, m.end)
                    .into_iter()
                    .any(among)
            })
        };
        report.clusters.retain(|c| {
            c.members.iter().any(|m| changed.contains(&m.doc))
                || overlaps(c, &|id| replaced.contains(&id))
        });
        let more: BTreeSet<u32> = report
            .clusters
            .iter()
            .flat_map(|c| {
                c.members
                    .iter()
                    .flat_map(|m| prev.overlapping(&m.doc, m.begin, m.end))
            })
            .filter(|id| !replaced.contains(id))
            .collect();
        if more.is_empty() {
            break report;
        }
        replaced.extend(more);
    };
    let started = std::time::Instant::now();
    let docs = Affected(docs);
    let found = report.clusters.len();
    let mut new: Vec<Arc<ClusterEntry>> = report
        .clusters
        .into_iter()
        .map(|c| ClusterEntry::new(c, &docs).map(Arc::new))
        .collect::<Result<_, _>>()?;
    new.sort_by(|x, y| numbering_cmp(x, y));
    // the old clusters kept are in that order already: merged with the new ones
    let mut kept = prev
        .clusters
        .iter()
        .filter(|c| !replaced.contains(&c.cluster.id))
        .peekable();
    let mut all: Vec<Arc<ClusterEntry>> = Vec::with_capacity(prev.clusters.len() + new.len());
    for c in new {
        while let Some(k) = kept.next_if(|k| numbering_cmp(k, &c).is_lt()) {
            all.push(Arc::clone(k));
        }
        all.push(c);
    }
    all.extend(kept.cloned());
    debug_assert!(all.is_sorted_by(|x, y| numbering_cmp(x, y).is_lt()));
    let clusters = all
        .iter()
        .enumerate()
        .map(|(i, c)| c.renumbered(i as u32 + 1))
        .collect::<Result<Vec<_>, _>>()?;
    let mut set = ClusterSet::new(as_of, clusters, reader);
    set.sizes = sizes;
    set.pairs = Arc::clone(&prev.pairs);
    let stats = UpdateStats {
        affected: docs.0.len(),
        replaced: replaced.len(),
        found,
        rounds,
        neighbours,
        engine,
        read,
        clustering,
        assemble: started.elapsed(),
        pairs_reused,
        pairs_aligned,
        pairs_kept: prev.pairs.len(),
    };
    Ok((set, stats))
}

/// The clusters of an index kept up to date write by write, as the server keeps them, for
/// a program that writes the index itself (`chorus watch`): [`LiveClusters::compute`] once,
/// then [`LiveClusters::update`] after each commit with the ids it changed.
pub struct LiveClusters {
    set: ClusterSet,
    cfg: Config,
}

impl LiveClusters {
    /// The clusters of every document of `reader`, found with `cfg` (scratch files, when
    /// the corpus is too large for memory, in `scratch`).
    pub fn compute(
        reader: Option<Arc<IndexReader>>,
        cfg: &Config,
        scratch: &std::path::Path,
    ) -> Result<LiveClusters, String> {
        Ok(LiveClusters {
            set: ClusterSet::compute_with(reader, scratch, cfg)?,
            cfg: *cfg,
        })
    }

    /// Brings the clusters to `reader`'s generation: `changed` are the ids added, replaced
    /// or removed since the last call.
    pub fn update(
        &mut self,
        reader: Option<Arc<IndexReader>>,
        changed: &BTreeSet<String>,
    ) -> Result<UpdateStats, String> {
        let (set, stats) = update(&self.set, reader, changed, &self.cfg)?;
        self.set = set;
        Ok(stats)
    }

    /// The clusters holding a passage of document `doc`, in id order.
    pub fn clusters_of(&self, doc: &str) -> Vec<&Cluster> {
        let mut out: Vec<&Cluster> = self.set.clusters_of(doc).map(|c| &c.cluster).collect();
        out.sort_by_key(|c| c.id);
        out.dedup_by_key(|c| c.id);
        out
    }

    /// Every cluster, in id order.
    pub fn clusters(&self) -> impl Iterator<Item = &Cluster> {
        self.set.clusters.iter().map(|c| &c.cluster)
    }
}

#[cfg(test)]
mod tests;
