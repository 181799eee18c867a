//! Clusters kept up to date write by write: [`update`] turns the clusters of one index
//! generation into those of the next from the ids the write added, replaced or removed,
//! recomputing only the clusters the write can change.
//!
//! How. The *touched* documents are the written ids, and for each written document still
//! stored, the stored documents sharing a passage with it (found as `/v1/query` finds
//! them: [`IndexReader::query`] with the seed rules' thresholds, so that every pair the
//! engine would align is among them). The *affected* documents are the touched ones and,
//! repeatedly, every member of a cluster holding an affected document, until no cluster
//! adds one: a union of whole connected components of the old clusters (documents joined
//! through shared clusters), plus the new documents. The engine ([`chorus_core::find`])
//! runs over the affected documents still stored, and its clusters replace the old clusters
//! holding an affected document; the others are kept as they are. All clusters are then
//! numbered as the engine numbers them: in the order of their members' `(date, id, span)`
//! lists, the order of [`chorus_core::NumberingKey`] (ids are unique in an index, so the
//! text never decides).
//!
//! Why this equals a full recompute. A passage the engine finds joins two documents that
//! are a candidate pair; a new passage needs a new document (the old documents' pairs are
//! aligned as before), and a passage that disappears needs a removed one. So every cluster
//! of the new corpus either holds an affected document, and then all its members are
//! affected and the run over them finds it whole, or holds none, and then it is an old
//! cluster no write touched. That holds as long as the engine's corpus-wide decisions come
//! out the same over the affected documents as over the whole corpus: a fingerprint that
//! is a source's boilerplate (a share of the source's documents), one held by more than
//! `max_df` or `full_pairs_df` documents, and the frame words of formulas (words shared by
//! formulas in 3 or more documents) are counted over the documents the engine is given.
//! Where those counts differ the update can differ from a full recompute; the server
//! therefore also recomputes the whole corpus in the background, rarely (see
//! `crate::state`), and says in `as_of` which one the clusters are.

use crate::clusters::{AsOf, ClusterEntry, ClusterSet, MemberDocs};
use chorus_core::{Config, Document, Metadata, NoProgress};
use chorus_store::{IndexReader, QueryOptions};
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

/// What an update did, for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpdateStats {
    /// Documents the engine ran over.
    pub affected: usize,
    /// Old clusters replaced.
    pub replaced: usize,
    /// Clusters the engine's run gave in their place.
    pub found: usize,
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
    }
}

/// The clusters of `reader`'s generation, from `prev` (the clusters of an earlier
/// generation) and the ids of every document added, replaced or removed since (see the
/// module documentation). `exact` says whether the result is known to be a full
/// recompute's: only when nothing changed.
pub fn update(
    prev: &ClusterSet,
    reader: Option<Arc<IndexReader>>,
    changed: &BTreeSet<String>,
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
    let cfg = Config::default();
    let err = |e: chorus_store::Error| e.to_string();
    // the touched documents, and the stored ones among them
    let mut affected: BTreeSet<String> = changed.clone();
    let mut docs: HashMap<String, Document> = HashMap::new();
    let opts = neighbour_options(&cfg);
    for id in changed {
        let Some(d) = r.get(id).map_err(err)? else {
            continue;
        };
        for m in r.query(&d.text, &opts).map_err(err)?.matches {
            affected.insert(m.id);
        }
        docs.insert(d.id.clone(), d);
    }
    // closed over the old clusters
    let mut frontier: Vec<String> = affected.iter().cloned().collect();
    let mut replaced: BTreeSet<u32> = BTreeSet::new();
    while let Some(id) = frontier.pop() {
        for c in prev.clusters_of(&id) {
            if !replaced.insert(c.cluster.id) {
                continue;
            }
            for m in &c.cluster.members {
                if affected.insert(m.doc.clone()) {
                    frontier.push(m.doc.clone());
                }
            }
        }
    }
    for id in &affected {
        if !docs.contains_key(id)
            && let Some(d) = r.get(id).map_err(err)?
        {
            docs.insert(d.id.clone(), d);
        }
    }
    let run: Vec<Document> = docs.values().cloned().collect();
    let report = chorus_core::find(&run, &cfg, &NoProgress).map_err(|e| e.to_string())?;
    drop(run);
    let docs = Affected(docs);
    let found = report.clusters.len();
    let mut all: Vec<ClusterEntry> = report
        .clusters
        .into_iter()
        .map(|c| ClusterEntry::new(c, &docs))
        .collect::<Result<_, _>>()?;
    all.extend(
        prev.clusters
            .iter()
            .filter(|c| !replaced.contains(&c.cluster.id))
            .cloned(),
    );
    // numbered as the engine numbers them: by the members' (date, id, span) lists
    all.sort_by_cached_key(|c| {
        c.cluster
            .members
            .iter()
            .zip(&c.members)
            .map(|(m, meta)| {
                (
                    meta.timestamp.is_none(),
                    meta.timestamp,
                    m.doc.clone(),
                    m.begin,
                    m.end,
                )
            })
            .collect::<Vec<_>>()
    });
    let clusters = all
        .iter()
        .enumerate()
        .map(|(i, c)| c.renumbered(i as u32 + 1))
        .collect::<Result<Vec<_>, _>>()?;
    let stats = UpdateStats {
        affected: docs.0.len(),
        replaced: replaced.len(),
        found,
    };
    Ok((ClusterSet::new(as_of, clusters, reader), stats))
}
