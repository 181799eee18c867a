//! The incremental updates against full recomputes: random writes, boilerplate judged by
//! the whole index, merges.

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
    let (mut pairs_reused, mut pairs_aligned) = (0, 0);
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
                    let (next, stats) = update(prev, reader, &changed, &Config::default()).unwrap();
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
                    pairs_reused += stats.pairs_reused;
                    pairs_aligned += stats.pairs_aligned;
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
    // and most of the engine runs' pairs came from earlier runs' alignments
    assert!(
        pairs_reused > pairs_aligned,
        "{pairs_reused} reused, {pairs_aligned} aligned"
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
