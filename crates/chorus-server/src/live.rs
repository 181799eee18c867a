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
//! replace; the other old clusters stay as they are. All are then numbered as the engine
//! numbers them: in the order of their members' `(date, id, span)` lists, the order of
//! [`chorus_core::NumberingKey`] (ids are unique in an index, so the text never decides).
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
use chorus_core::{Config, Corpus, Document, Metadata, NoProgress, SourceSizes, Storage};
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
    let report = loop {
        rounds += 1;
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
        let started = std::time::Instant::now();
        let mut report = chorus_core::find_in(&run, cfg, &Storage::Memory, &NoProgress)
            .map_err(|e| e.to_string())?;
        engine += started.elapsed();
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
    let docs = Affected(docs);
    let found = report.clusters.len();
    let mut all: Vec<Arc<ClusterEntry>> = report
        .clusters
        .into_iter()
        .map(|c| ClusterEntry::new(c, &docs).map(Arc::new))
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
        rounds,
        neighbours,
        engine,
    };
    let mut set = ClusterSet::new(as_of, clusters, reader);
    set.sizes = sizes;
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
mod tests {
    use super::*;
    use chorus_store::{IndexOptions, IndexWriter};

    /// xorshift64*: the tests' random numbers, the same on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// `n` lowercase words, distinct across calls with distinct `tag`s.
    fn words(tag: &str, n: usize, rng: &mut Rng) -> String {
        (0..n)
            .map(|_| format!("{tag}{}", rng.below(100_000)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A document printing one or two of the `stories` (some only in part, some with a
    /// changed word) between words of its own; its outlet is its own, so that no
    /// source-wide count (boilerplate) depends on which documents the engine is given.
    fn random_doc(id: String, stories: &[Vec<String>], rng: &mut Rng) -> Document {
        let mut text = format!("{}. ", words("own", 5 + rng.below(20), rng));
        for _ in 0..1 + rng.below(2) {
            let s = &stories[rng.below(stories.len())];
            let from = rng.below(s.len() / 3);
            let to = s.len() - rng.below(s.len() / 3);
            let mut part: Vec<String> = s[from..to].to_vec();
            if rng.below(4) == 0 {
                let at = rng.below(part.len());
                part[at] = "changed".into();
            }
            text.push_str(&part.join(" "));
            text.push_str(&format!(". {}. ", words("own", 3 + rng.below(10), rng)));
        }
        let mut d = Document::new(id.clone(), text);
        d.meta.source = Some(format!("Outlet {id}"));
        if rng.below(6) != 0 {
            d.meta.date = Some(format!(
                "2024-05-{:02}T{:02}:00:00Z",
                1 + rng.below(3),
                rng.below(24)
            ));
        }
        d
    }

    /// Every cluster as `GET /v1/clusters/{id}` shows it, and the list form, without what
    /// the set reflects.
    fn answers(set: &ClusterSet) -> Vec<String> {
        set.clusters
            .iter()
            .map(|c| {
                let passages = c.passages(set.reader.as_deref()).unwrap();
                let mut detail = serde_json::to_value(c.detail(passages, set.as_of)).unwrap();
                // (the generation is compared on its own)
                let obj = detail.as_object_mut().unwrap();
                obj.shift_remove("as_of");
                obj.shift_remove("generation");
                format!("{detail}\n{}", c.summary_json())
            })
            .collect()
    }

    /// After every step of random sequences of adds, replacements and removals, the
    /// clusters brought up to date write by write equal those of a full recompute, and
    /// the document lookup by passage (query provenance) agrees too.
    #[test]
    fn incremental_clusters_equal_the_full_recompute_after_random_writes() {
        let mut steps_with_clusters = 0;
        let mut updates_that_kept_clusters = 0;
        for seed in 1..=5u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let stories: Vec<Vec<String>> = (0..5)
                .map(|k| {
                    words(&format!("s{k}w"), 30 + rng.below(30), &mut rng)
                        .split(' ')
                        .map(str::to_owned)
                        .collect()
                })
                .collect();
            let dir = tempfile::tempdir().unwrap();
            let scratch = tempfile::tempdir().unwrap();
            let mut live: Vec<String> = Vec::new();
            let mut next_id = 0;
            let mut set: Option<ClusterSet> = None;
            for step in 0..24 {
                let mut w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
                let mut changed = BTreeSet::new();
                if live.len() > 3 && rng.below(3) == 0 {
                    // remove one or two documents
                    let mut gone = Vec::new();
                    for _ in 0..1 + rng.below(2) {
                        gone.push(live.swap_remove(rng.below(live.len())));
                    }
                    w.remove(&gone).unwrap();
                    changed.extend(gone);
                } else {
                    // add up to three, one of them perhaps replacing a stored document
                    let mut batch = Vec::new();
                    for _ in 0..1 + rng.below(3) {
                        let id = if !live.is_empty() && rng.below(5) == 0 {
                            live[rng.below(live.len())].clone()
                        } else {
                            next_id += 1;
                            live.push(format!("d{next_id:03}"));
                            format!("d{next_id:03}")
                        };
                        if changed.insert(id.clone()) {
                            batch.push(random_doc(id, &stories, &mut rng));
                        }
                    }
                    w.add(batch).unwrap();
                }
                drop(w);
                let reader = Some(Arc::new(IndexReader::open(dir.path()).unwrap()));
                let full = ClusterSet::compute(reader.clone(), scratch.path()).unwrap();
                let next = match &set {
                    None => full,
                    Some(prev) => {
                        let (next, stats) =
                            update(prev, reader, &changed, &Config::default()).unwrap();
                        assert_eq!(next.generation, full.generation);
                        assert!(!next.as_of.exact);
                        assert_eq!(next.as_of.exact_generation, prev.as_of.exact_generation);
                        assert_eq!(
                            answers(&next),
                            answers(&full),
                            "seed {seed}, step {step}, changed {changed:?}"
                        );
                        for (id, spans) in &full.by_doc {
                            for &(_, b, e) in spans {
                                assert_eq!(next.overlapping(id, b, e), full.overlapping(id, b, e));
                            }
                        }
                        assert_eq!(next.by_doc.len(), full.by_doc.len());
                        if stats.replaced < prev.clusters.len() {
                            updates_that_kept_clusters += 1;
                        }
                        next
                    }
                };
                steps_with_clusters += usize::from(next.clusters.len() > 1);
                set = Some(next);
            }
        }
        // the sequences made several clusters at once, and most updates recomputed only
        // some of them
        assert!(steps_with_clusters > 50, "{steps_with_clusters}");
        assert!(
            updates_that_kept_clusters > 25,
            "{updates_that_kept_clusters}"
        );
    }

    /// A source's few documents that the update's run holds together, all printing one
    /// story, are not its boilerplate when the source has many more documents in the index:
    /// the run judges boilerplate against the index's source sizes, as a full recompute does.
    #[test]
    fn the_update_judges_boilerplate_by_the_whole_index() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = Rng(11);
        let story = words("b", 60, &mut rng);
        let doc = |id: &str, outlet: &str, text: String| {
            let mut d = Document::new(id, text);
            d.meta.source = Some(outlet.into());
            d
        };
        let mut batch = Vec::new();
        // "Big" prints the story in 3 of its 10 documents: under boilerplate_share (0.4)
        for i in 0..10 {
            let own = words(&format!("big{i}w"), 80, &mut rng);
            let text = if i < 3 {
                format!(
                    "{own}. {story}. {}",
                    words(&format!("big{i}e"), 10, &mut rng)
                )
            } else {
                own
            };
            batch.push(doc(&format!("big{i}"), "Big", text));
        }
        for o in ["a", "b"] {
            let text = format!("{}. {story}.", words(&format!("{o}w"), 20, &mut rng));
            batch.push(doc(o, &format!("Outlet {o}"), text));
        }
        let mut w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
        w.add(batch).unwrap();
        drop(w);
        let scratch = tempfile::tempdir().unwrap();
        let reader = Some(Arc::new(IndexReader::open(dir.path()).unwrap()));
        let before = ClusterSet::compute(reader, scratch.path()).unwrap();
        assert_eq!(before.clusters.len(), 1);
        assert_eq!(before.clusters[0].cluster.members.len(), 5);
        // a new outlet prints it too: the run holds the story's printers, not Big's others
        let mut w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
        let text = format!("{}. {story}.", words("nw", 20, &mut rng));
        w.add(vec![doc("new", "Outlet new", text)]).unwrap();
        drop(w);
        let reader = Some(Arc::new(IndexReader::open(dir.path()).unwrap()));
        let full = ClusterSet::compute(reader.clone(), scratch.path()).unwrap();
        let changed = BTreeSet::from(["new".to_string()]);
        let (next, stats) = update(&before, reader, &changed, &Config::default()).unwrap();
        assert!(stats.affected < 13, "{stats:?}");
        assert_eq!(full.clusters[0].cluster.members.len(), 6);
        assert_eq!(answers(&next), answers(&full));
        // a removal counts its document out of its source
        let mut w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
        w.remove(&["big9".to_string()]).unwrap();
        drop(w);
        let reader = Some(Arc::new(IndexReader::open(dir.path()).unwrap()));
        let changed = BTreeSet::from(["big9".to_string()]);
        let (after, _) = update(&next, reader.clone(), &changed, &Config::default()).unwrap();
        let full = ClusterSet::compute(reader, scratch.path()).unwrap();
        assert_eq!(after.sizes, full.sizes);
        assert_eq!(after.sizes.sources["Big"], 9);
    }

    /// A write that changes no document (a merge) moves the clusters to the new generation
    /// as they are, still exact; an empty index has no clusters.
    #[test]
    fn a_merge_keeps_the_clusters_exact() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = Rng(7);
        let story: Vec<String> = words("m", 40, &mut rng)
            .split(' ')
            .map(str::to_owned)
            .collect();
        let mut w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
        for i in 0..4 {
            w.add_unmerged(vec![random_doc(
                format!("m{i}"),
                std::slice::from_ref(&story),
                &mut rng,
            )])
            .unwrap();
        }
        drop(w);
        let reader = Arc::new(IndexReader::open(dir.path()).unwrap());
        let full = ClusterSet::compute(Some(reader), dir.path()).unwrap();
        assert_eq!(full.clusters.len(), 1);
        let mut w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
        w.merge_all().unwrap();
        drop(w);
        let reader = Arc::new(IndexReader::open(dir.path()).unwrap());
        assert!(reader.generation() > full.generation);
        let (next, stats) = update(
            &full,
            Some(Arc::clone(&reader)),
            &BTreeSet::new(),
            &Config::default(),
        )
        .unwrap();
        assert_eq!(stats, UpdateStats::default());
        assert!(next.as_of.exact);
        assert_eq!(next.generation, reader.generation());
        assert_eq!(next.as_of.exact_generation, full.generation);
        assert_eq!(answers(&next), answers(&full));
        let (none, _) = update(&full, None, &BTreeSet::new(), &Config::default()).unwrap();
        assert!(none.clusters.is_empty());
    }
}
