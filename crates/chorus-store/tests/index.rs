//! Behaviour of the index through its public API: adds, replacement, removal, merges,
//! queries, format versions, concurrent readers, and crashes (SIGKILL) during ingest.

use chorus_core::Document;
use chorus_store::{
    CommitStamp, Error, FORMAT_VERSION, IndexOptions, IndexReader, IndexWriter, QueryOptions,
};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A deterministic pseudo-random word generator (xorshift).
struct Words(u64);

const VOCAB: &[&str] = &[
    "harbour", "bridge", "council", "ferry", "island", "minister", "river", "market", "school",
    "winter", "summer", "railway", "budget", "village", "doctor", "garden", "festival", "station",
    "mayor", "teacher", "weather", "storm", "road", "price", "bread", "museum", "library",
    "hospital", "farmer", "harvest", "court", "police", "letter", "report", "north", "south",
    "east", "west", "old", "new", "said", "will", "was", "the", "of", "and", "to", "in", "on",
    "at", "by", "for", "with", "from", "after", "before",
];

impl Words {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn text(&mut self, words: usize) -> String {
        let mut s = String::new();
        for i in 0..words {
            if i > 0 {
                s.push(' ');
            }
            // a number every few words makes every text practically unique
            if self.next().is_multiple_of(4) {
                s.push_str(&(self.next() % 100_000).to_string());
            } else {
                s.push_str(VOCAB[(self.next() % VOCAB.len() as u64) as usize]);
            }
        }
        s.push('.');
        s
    }
}

fn doc(id: &str, text: String, source: &str) -> Document {
    let mut d = Document::new(id, text);
    d.meta.source = Some(source.to_string());
    d
}

/// `n` documents `prefix-0..n`, each with its own text.
fn batch(prefix: &str, n: usize, seed: u64) -> Vec<Document> {
    let mut w = Words(seed.wrapping_mul(2).wrapping_add(1));
    (0..n)
        .map(|i| {
            doc(
                &format!("{prefix}-{i}"),
                w.text(120),
                &format!("outlet-{}", i % 3),
            )
        })
        .collect()
}

/// `all`, the documents an index holds, after `docs` are added: each replaces the
/// document of its id.
fn add_expected(all: &mut Vec<Document>, docs: &[Document]) {
    all.retain(|d| docs.iter().all(|x| x.id != d.id));
    all.extend_from_slice(docs);
}

fn opts() -> IndexOptions {
    IndexOptions::default()
}

#[test]
fn add_query_replace_remove_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = IndexWriter::open(dir.path(), opts()).unwrap();
    let docs = batch("a", 50, 7);
    let probe = docs[17].text[..400].to_string();
    let s = w.add(docs.clone()).unwrap();
    assert_eq!((s.added, s.replaced), (50, 0));

    let r = IndexReader::open(dir.path()).unwrap();
    let st = r.stats().unwrap();
    assert_eq!(
        (st.documents, st.sources, st.format_version),
        (50, 3, FORMAT_VERSION)
    );
    assert!(st.bytes_on_disk > 0);
    let rep = r.query(&probe, &QueryOptions::default()).unwrap();
    assert_eq!(rep.matches[0].id, "a-17");
    let p = &rep.matches[0].passages[0];
    assert_eq!(
        &probe[p.query.begin..p.query.end],
        &docs[17].text[p.doc.begin..p.doc.end]
    );
    assert_eq!(rep.matches.len(), 1);

    // same id replaces: the old text no longer matches, the new one does
    let mut new = batch("x", 1, 99).pop().unwrap();
    new.id = "a-17".into();
    let new_probe = new.text[..400].to_string();
    let s = w.add(vec![new]).unwrap();
    assert_eq!((s.added, s.replaced), (1, 1));
    let r = IndexReader::open(dir.path()).unwrap();
    assert_eq!(r.len(), 50);
    assert!(
        r.query(&probe, &QueryOptions::default())
            .unwrap()
            .matches
            .is_empty()
    );
    assert_eq!(
        r.query(&new_probe, &QueryOptions::default())
            .unwrap()
            .matches[0]
            .id,
        "a-17"
    );
    assert_eq!(r.get("a-17").unwrap().unwrap().text[..400], new_probe);

    // remove
    let s = w.remove(&["a-17", "a-3", "nope"]).unwrap();
    assert_eq!((s.removed, s.missing), (2, vec!["nope".to_string()]));
    let r = IndexReader::open(dir.path()).unwrap();
    assert_eq!(r.len(), 48);
    assert!(r.get("a-3").unwrap().is_none());
    assert!(
        r.query(&new_probe, &QueryOptions::default())
            .unwrap()
            .matches
            .is_empty()
    );
    assert_eq!(r.documents().unwrap().len(), 48);
}

#[test]
fn merges_keep_every_live_document_and_drop_deleted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = IndexWriter::open(dir.path(), opts()).unwrap();
    let mut all = Vec::new();
    for b in 0..20 {
        let docs = batch(&format!("b{b}"), 5, 100 + b);
        all.extend(docs.clone());
        w.add(docs).unwrap();
        if b == 10 {
            w.remove(&["b3-0", "b3-1"]).unwrap();
        }
    }
    assert!(w.segment_count() < 8, "{} segments", w.segment_count());
    assert_eq!(w.len(), 98);
    w.merge_all().unwrap();
    assert_eq!(w.segment_count(), 1);
    let r = w.reader().unwrap();
    assert_eq!(r.stats().unwrap().deleted, 0);
    for d in &all {
        let got = r.get(&d.id).unwrap();
        if d.id == "b3-0" || d.id == "b3-1" {
            assert!(got.is_none());
            continue;
        }
        assert_eq!(got.as_ref(), Some(d));
        let rep = r.query(&d.text, &QueryOptions::default()).unwrap();
        assert_eq!(rep.matches[0].id, d.id);
        assert_eq!(rep.matches[0].coverage, 1.0);
    }
    // only the committed files remain
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}"); // MANIFEST, LOCK, one segment
}

#[test]
fn a_bulk_load_leaves_one_segment_of_its_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = IndexWriter::open(dir.path(), opts()).unwrap();
    // an earlier load, which the next one must not merge into its own segment
    w.add(batch("old", 5, 1)).unwrap();
    let mut all = batch("old", 5, 1);
    for b in 0..9 {
        let mut docs = batch(&format!("b{b}"), 4, 200 + b);
        if b == 6 {
            // replaces a document of an earlier batch of the same load
            docs[0].id = "b2-1".into();
        }
        add_expected(&mut all, &docs);
        w.add_unmerged(docs).unwrap();
        // every batch is committed as it comes: a reader sees it at once
        assert_eq!(w.reader().unwrap().len(), all.len() as u64);
    }
    assert_eq!(w.segment_count(), 10);
    assert_eq!(w.merge_added().unwrap(), 9);
    assert_eq!(w.segment_count(), 2);
    // nothing left to merge
    assert_eq!(w.merge_added().unwrap(), 0);
    let r = w.reader().unwrap();
    assert_eq!(r.len(), all.len() as u64);
    assert_eq!(r.stats().unwrap().deleted, 0);
    for d in &all {
        assert_eq!(r.get(&d.id).unwrap().as_ref(), Some(d));
        let rep = r.query(&d.text, &QueryOptions::default()).unwrap();
        assert_eq!(rep.matches[0].id, d.id);
    }
}

/// A bulk load writes its batches into one segment, committed at the end: a reader sees
/// nothing before; replacements of stored documents, of an earlier batch's and within a
/// batch all hold.
#[test]
fn a_load_is_one_commit_of_one_segment() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = IndexWriter::open(dir.path(), opts()).unwrap();
    w.add(batch("old", 5, 1)).unwrap();
    let mut all = batch("old", 5, 1);
    let mut replaced = Vec::new();
    for b in 0..6 {
        let mut docs = batch(&format!("l{b}"), 4, 300 + b);
        match b {
            3 => docs[0].id = "l1-1".into(),
            4 => docs[1].id = "old-2".into(),
            5 => {
                let mut again = docs[2].clone();
                again.text = batch("x", 1, 77).remove(0).text;
                docs.push(again);
            }
            _ => {}
        }
        for d in &docs {
            add_expected(&mut all, std::slice::from_ref(d));
        }
        let s = w.add_to_load(docs).unwrap();
        replaced.push(s.replaced);
        // nothing is committed before the end of the load
        assert_eq!(w.reader().unwrap().len(), 5);
        assert_eq!(w.segment_count(), 1);
    }
    assert_eq!(replaced, [0, 0, 0, 1, 1, 0]);
    assert_eq!(w.merge_added().unwrap(), 0);
    assert_eq!(w.segment_count(), 2);
    let r = w.reader().unwrap();
    assert_eq!(r.len(), all.len() as u64);
    assert_eq!(r.len(), 5 - 1 + 6 * 4 - 1);
    for d in &all {
        assert_eq!(r.get(&d.id).unwrap().as_ref(), Some(d));
        let rep = r.query(&d.text, &QueryOptions::default()).unwrap();
        assert_eq!(rep.matches[0].id, d.id);
    }
    // a removal commits a pending load first
    w.add_to_load(batch("late", 2, 9)).unwrap();
    w.remove(&["late-0"]).unwrap();
    let r = w.reader().unwrap();
    assert!(r.get("late-0").unwrap().is_none());
    assert!(r.get("late-1").unwrap().is_some());
    drop(r);
    drop(w);
    // a load never committed leaves the index as it was, and no file behind
    let files = seg_files(dir.path());
    let mut w = IndexWriter::open(dir.path(), opts()).unwrap();
    w.add_to_load(batch("lost", 3, 11)).unwrap();
    drop(w);
    let w = IndexWriter::open(dir.path(), opts()).unwrap();
    assert_eq!(seg_files(dir.path()), files);
    assert!(w.reader().unwrap().get("lost-0").unwrap().is_none());
}

#[test]
fn small_segments_merge_into_one_beside_the_largest() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = IndexWriter::open(dir.path(), opts()).unwrap();
    // a base, then writes of one document (one with a replacement): a segment each
    w.add(batch("base", 20, 7)).unwrap();
    assert_eq!(w.merge_small().unwrap(), 0, "one segment: nothing to merge");
    let mut all = batch("base", 20, 7);
    for i in 0..3u64 {
        let mut d = batch(&format!("w{i}"), 1, 50 + i);
        if i == 2 {
            d[0].id = "base-3".into();
        }
        add_expected(&mut all, &d);
        w.add(d).unwrap();
    }
    assert_eq!(w.segment_count(), 4);
    let base = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".seg"))
        .min()
        .unwrap();
    assert_eq!(w.merge_small().unwrap(), 3);
    assert_eq!(w.segment_count(), 2);
    // the largest segment is not rewritten
    assert!(dir.path().join(&base).exists(), "{base:?}");
    assert_eq!(w.merge_small().unwrap(), 0);
    let r = w.reader().unwrap();
    assert_eq!(r.len(), all.len() as u64);
    for d in &all {
        assert_eq!(r.get(&d.id).unwrap().as_ref(), Some(d));
    }
    // a second load of comparable size is not small: only the two small segments merge
    w.add(batch("second", 16, 9)).unwrap();
    w.add(batch("w3", 1, 60)).unwrap();
    assert_eq!(w.segment_count(), 4);
    assert_eq!(w.merge_small().unwrap(), 2);
    assert_eq!(w.segment_count(), 3);
    // segments of equal size are none of them small
    let other = tempfile::tempdir().unwrap();
    let mut w = IndexWriter::open(other.path(), opts()).unwrap();
    for i in 0..3u64 {
        w.add(batch(&format!("e{i}"), 1, 70 + i)).unwrap();
    }
    assert_eq!(w.merge_small().unwrap(), 0);
    assert_eq!(w.segment_count(), 3);
}

#[test]
fn reopened_snapshots_see_new_commits_and_never_a_replaced_index() {
    let dir = tempfile::tempdir().unwrap();
    let first = batch("a", 5, 3);
    let mut w = IndexWriter::open(dir.path(), opts()).unwrap();
    w.add(first.clone()).unwrap();
    let r = IndexReader::open(dir.path()).unwrap();
    r.prepare_for_serving();
    let more = batch("b", 5, 4);
    w.add(more.clone()).unwrap();
    // the old snapshot knows it is stale, the new one not, until the next commit
    assert!(r.is_stale());
    let r2 = r.reopen().unwrap();
    assert!(!r2.is_stale());
    assert_eq!(r2.commit_stamp(), CommitStamp::of(dir.path()));
    r2.prepare_for_serving();
    assert_eq!((r.len(), r2.len()), (5, 10));
    for d in first.iter().chain(&more) {
        let rep = r2.query(&d.text, &QueryOptions::default()).unwrap();
        assert_eq!(rep.matches[0].id, d.id);
    }
    // a new index in the same folder has segment files of the same names: a snapshot
    // reopened from the old one must read the new files
    drop(w);
    std::fs::remove_dir_all(dir.path()).unwrap();
    let mut w = IndexWriter::open(dir.path(), opts()).unwrap();
    let other = batch("c", 5, 5);
    w.add(other.clone()).unwrap();
    let r3 = r2.reopen().unwrap();
    assert_eq!(r3.len(), 5);
    assert!(r3.get("a-0").unwrap().is_none());
    assert_eq!(r3.get("c-1").unwrap().as_ref(), Some(&other[1]));
    let rep = r3.query(&other[2].text, &QueryOptions::default()).unwrap();
    assert_eq!(rep.matches[0].id, "c-2");
}

#[test]
fn other_format_versions_and_foreign_folders_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    IndexWriter::open(dir.path(), opts())
        .unwrap()
        .add(batch("a", 3, 1))
        .unwrap();
    let m = dir.path().join("MANIFEST");
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(
        &m,
        text.replace(
            &format!("\"format_version\": {FORMAT_VERSION}"),
            "\"format_version\": 1",
        ),
    )
    .unwrap();
    let err = IndexReader::open(dir.path()).err().unwrap();
    assert!(
        matches!(err, Error::FormatVersion { found: 1, .. }),
        "{err}"
    );
    assert!(IndexWriter::open(dir.path(), opts()).is_err());

    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("notes.txt"), "mine").unwrap();
    assert!(matches!(
        IndexWriter::open(other.path(), opts()),
        Err(Error::NotEmpty { .. })
    ));
    assert!(matches!(
        IndexReader::open(other.path()),
        Err(Error::NotAnIndex { .. })
    ));
}

#[test]
fn one_writer_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let _w = IndexWriter::open(dir.path(), opts()).unwrap();
    assert!(matches!(
        IndexWriter::open(dir.path(), opts()),
        Err(Error::Locked { .. })
    ));
}

#[test]
fn readers_run_while_a_writer_adds() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = IndexWriter::open(dir.path(), opts()).unwrap();
    let first = batch("seed", 10, 3);
    let probe = first[4].text.clone();
    w.add(first).unwrap();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    let mut last = 0;
                    let mut reads = 0;
                    while !done.load(Ordering::Relaxed) || reads == 0 {
                        let r = IndexReader::open(dir.path()).expect("reader opens");
                        let n = r.len();
                        assert!(n >= last && n.is_multiple_of(10), "{n} after {last}");
                        last = n;
                        let rep = r.query(&probe, &QueryOptions::default()).unwrap();
                        assert_eq!(rep.matches[0].id, "seed-4");
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        for b in 0..30 {
            w.add(batch(&format!("w{b}"), 10, 1000 + b)).unwrap();
        }
        done.store(true, Ordering::Relaxed);
        for r in readers {
            assert!(r.join().unwrap() > 0);
        }
    });
    assert_eq!(IndexReader::open(dir.path()).unwrap().len(), 310);
}

// ---------------------------------------------------------------------------------------
// crash safety: the test re-runs this test binary as a child that ingests batches and
// prints a line after each commit; the parent kills it with SIGKILL at a random moment.

const CHILD_ENV: &str = "CHORUS_STORE_CRASH_CHILD";
const BATCH: usize = 40;

/// The child: adds batches `round-k` of BATCH documents until killed.
#[test]
#[ignore = "run by crash_safety_under_sigkill as a child process"]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let round: u64 = std::env::var("CHORUS_STORE_CRASH_ROUND")
        .unwrap()
        .parse()
        .unwrap();
    let mut w = IndexWriter::open(Path::new(&dir), opts()).unwrap();
    for k in 0.. {
        w.add(batch(&format!("r{round}-{k}"), BATCH, round * 1000 + k + 1))
            .unwrap();
        eprintln!("committed {k}");
    }
}

#[test]
fn crash_safety_under_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = Words(0x5eed);
    let mut expected = 0u64;
    let mut probes: Vec<(String, String)> = Vec::new();
    for round in 0..20u64 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .env("CHORUS_STORE_CRASH_ROUND", round.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // kill after a random delay: during a batch, a commit, a merge or file cleanup
        let delay = Duration::from_millis(20 + rng.next() % 400);
        let start = Instant::now();
        while start.elapsed() < delay {
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let mut out = String::new();
        use std::io::Read;
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let seen = out.lines().filter(|l| l.starts_with("committed")).count() as u64;

        let r = IndexReader::open(dir.path()).expect("index opens after SIGKILL");
        let n = r.len();
        let stats = r.stats().unwrap();
        assert_eq!(stats.documents, n);
        // every committed batch is there, whole; at most one more was committed unseen
        let committed = (n - expected) / BATCH as u64;
        assert_eq!(
            (n - expected) % BATCH as u64,
            0,
            "round {round}: partial batch"
        );
        assert!(
            committed == seen || committed == seen + 1,
            "round {round}: {committed} batches in the index, {seen} reported"
        );
        for k in 0..committed {
            let id = format!("r{round}-{k}-{}", k % BATCH as u64);
            let d = r.get(&id).unwrap().expect("committed document present");
            probes.push((id, d.text[..300].to_string()));
        }
        assert!(r.get(&format!("r{round}-{committed}-0")).unwrap().is_none());
        expected = n;
        // queries work, for documents of this and earlier rounds
        for (id, text) in probes.iter().rev().take(3) {
            let rep = r.query(text, &QueryOptions::default()).unwrap();
            assert_eq!(&rep.matches[0].id, id);
        }
    }
    assert!(expected > 0, "no batch was ever committed");
    // a writer opens the crashed index, cleans up and goes on
    let mut w = IndexWriter::open(dir.path(), opts()).unwrap();
    w.add(batch("after", 5, 42)).unwrap();
    assert_eq!(w.len(), expected + 5);
}

/// Queries of one snapshot reuse their counters: in a snapshot of several segments, one of
/// them with a deleted document, every query gives the same report whatever ran before it,
/// on one thread or several at once, as on a snapshot opened for it alone.
#[test]
fn queries_of_one_snapshot_do_not_depend_on_one_another() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = IndexWriter::open(dir.path(), opts()).unwrap();
    let mut texts: Vec<String> = Vec::new();
    for b in 0..3 {
        let mut docs = batch(&format!("s{b}"), 6, 700 + b);
        // each segment also holds a copy of a passage of the first document
        if b > 0 {
            let first = &texts[0];
            docs[1].text = format!("{} {}", &first[..first.len() / 2], docs[1].text);
        }
        texts.extend(docs.iter().map(|d| d.text.clone()));
        w.add_unmerged(docs).unwrap();
    }
    w.remove(&["s1-1"]).unwrap();
    let r = IndexReader::open(dir.path()).unwrap();
    assert!(r.segment_count() >= 3);
    let q = QueryOptions::default();
    let alone: Vec<_> = texts
        .iter()
        .map(|t| IndexReader::open(dir.path()).unwrap().query(t, &q).unwrap())
        .collect();
    let ids = |rep: &chorus_core::query::QueryReport| {
        rep.matches.iter().map(|m| m.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&alone[0]), ["s0-0", "s2-1"]);
    for _ in 0..2 {
        for (t, expected) in texts.iter().zip(&alone) {
            assert_eq!(&r.query(t, &q).unwrap(), expected);
        }
    }
    std::thread::scope(|s| {
        for k in 0..4 {
            let (r, texts, alone, q) = (&r, &texts, &alone, &q);
            s.spawn(move || {
                for (t, expected) in texts.iter().zip(alone).skip(k) {
                    assert_eq!(&r.query(t, q).unwrap(), expected);
                }
            });
        }
    });
}

/// The `seg-*` files of an index folder, sorted.
fn seg_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("seg-") || n == "MANIFEST.tmp")
        .collect();
    names.sort();
    names
}

#[test]
fn failed_writes_and_crashes_leave_no_partial_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    let first = batch("a", 20, 1);
    {
        let mut w = IndexWriter::open(&dir, opts()).unwrap();
        w.add(first.clone()).unwrap();
    }
    let committed = seg_files(&dir);
    let next: u64 = committed
        .iter()
        .filter_map(|n| n.strip_prefix("seg-")?.get(..10)?.parse::<u64>().ok())
        .max()
        .unwrap()
        + 1;

    // a crash mid-write leaves a partial segment, its overflow file and a manifest draft:
    // the next open deletes them
    std::fs::write(dir.join(format!("seg-{next:010}.seg")), b"partial").unwrap();
    std::fs::write(dir.join(format!("seg-{next:010}.ovf.tmp")), b"partial").unwrap();
    std::fs::write(dir.join("MANIFEST.tmp"), b"{").unwrap();
    {
        let w = IndexWriter::open(&dir, opts()).unwrap();
        assert_eq!(seg_files(&dir), committed);
        assert_eq!(w.len(), 20);
    }

    // a write that fails half-way (its overflow file cannot be created, as on a full disk)
    // deletes the segment it had begun at once, and leaves the index as it was
    let blockers: Vec<_> = (next..next + 8)
        .map(|id| dir.join(format!("seg-{id:010}.ovf.tmp")))
        .collect();
    let mut w = IndexWriter::open(&dir, opts()).unwrap();
    for b in &blockers {
        std::fs::create_dir(b).unwrap();
    }
    assert!(w.add(batch("b", 5, 2)).is_err());
    let mut left = seg_files(&dir);
    left.retain(|n| !n.ends_with(".ovf.tmp"));
    assert_eq!(left, committed, "the failed write left files behind");
    assert_eq!(w.len(), 20);
    for b in &blockers {
        std::fs::remove_dir(b).unwrap();
    }
    w.add(batch("b", 5, 2)).unwrap();
    assert_eq!(w.len(), 25);
    drop(w);
    let r = IndexReader::open(&dir).unwrap();
    assert_eq!(r.len(), 25);
    assert_eq!(r.get("a-3").unwrap().unwrap().text, first[3].text);
}
