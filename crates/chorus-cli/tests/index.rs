//! `chorus index add|stats|remove` and `chorus query` on a temporary index.

use crate::util::{STATEMENT, assert_exit, jsonl_corpus, run, stderr, stdout};

fn stats(dir: &std::path::Path) -> serde_json::Value {
    let o = run(&["index", "stats", "--json"], dir, b"");
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// A folder with `news.jsonl`: the four documents of [`jsonl_corpus`] and, on line 5, a
/// record without a text.
fn news_with_a_bad_record() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut corpus = jsonl_corpus();
    corpus.push_str("{\"id\": \"bad\", \"txt\": \"no text field\"}\n");
    std::fs::write(dir.path().join("news.jsonl"), &corpus).unwrap();
    dir
}

#[test]
fn add_stats_query_remove() {
    let dir = news_with_a_bad_record();

    // a bad record is reported with file and line, skipped, the rest committed
    let o = run(&["index", "add", "news.jsonl"], dir.path(), b"");
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("news.jsonl:5"), "{}", stderr(&o));
    assert_eq!(
        stats(dir.path()),
        serde_json::json!({"documents": 4, "sources": 3,
            "bytes_on_disk": stats(dir.path())["bytes_on_disk"],
            "format_version": chorus_store::FORMAT_VERSION})
    );

    let article = format!("Morning digest. {STATEMENT} Other news.");
    let o = run(&["query", "-", "--json"], dir.path(), article.as_bytes());
    assert_exit(&o, 0);
    let recs: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 3, "{}", stdout(&o));
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"n1") && ids.contains(&"n2") && ids.contains(&"n3"));
    let p = &recs[0]["passages"][0];
    let (b, e) = (
        p["query"]["begin"].as_u64().unwrap(),
        p["query"]["end"].as_u64().unwrap(),
    );
    assert!(article[b as usize..e as usize].contains("night ferry between North Pier"));
    assert!(recs[0]["coverage"].as_f64().unwrap() > 0.8);
    assert!(recs[0]["source"].is_string());

    // text output names the documents; no match exits 1
    let o = run(&["query", "-"], dir.path(), article.as_bytes());
    assert!(stdout(&o).contains("n1"), "{}", stdout(&o));
    let o = run(
        &["query", "-"],
        dir.path(),
        b"nothing like any stored text at all here",
    );
    assert_eq!(o.status.code(), Some(1));

    // remove, and re-adding the same ids replaces rather than duplicates
    let o = run(&["index", "remove", "n1", "n2"], dir.path(), b"");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stats(dir.path())["documents"], 2);
    let o = run(&["index", "add", "news.jsonl", "-q"], dir.path(), b"");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stats(dir.path())["documents"], 4);

    // optimize merges the batches and the replaced documents away; queries see the same
    let o = run(&["index", "optimize"], dir.path(), b"");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("merged into 1"), "{}", stderr(&o));
    assert_eq!(stats(dir.path())["documents"], 4);
    let o = run(&["query", "-", "--json"], dir.path(), article.as_bytes());
    assert_eq!(stdout(&o).lines().count(), 3, "{}", stdout(&o));
}

#[test]
fn a_load_of_many_batches_leaves_one_segment() {
    let dir = news_with_a_bad_record();
    // one document per batch; the bad record does not stop the merge of the others
    let o = run(
        &["index", "add", "news.jsonl", "--batch-docs", "1"],
        dir.path(),
        b"",
    );
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("committing the 4 batches as one segment"),
        "{}",
        stderr(&o)
    );
    let segments = std::fs::read_dir(dir.path().join("chorus-index"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".seg")
        })
        .count();
    assert_eq!(segments, 1);
    assert_eq!(stats(dir.path())["documents"], 4);

    // --tiered: no merge at the end; the tiers (4 segments of one document each make
    // one tier) merge along the way
    let tiered = news_with_a_bad_record();
    let o = run(
        &[
            "index",
            "add",
            "news.jsonl",
            "--batch-docs",
            "1",
            "--tiered",
        ],
        tiered.path(),
        b"",
    );
    assert_exit(&o, 2);
    assert!(!stderr(&o).contains("as one segment"), "{}", stderr(&o));
    assert_eq!(stats(tiered.path())["documents"], 4);
    let article = format!("Morning digest. {STATEMENT} Other news.");
    let o = run(&["query", "-", "--json"], dir.path(), article.as_bytes());
    assert_eq!(stdout(&o).lines().count(), 3, "{}", stdout(&o));
}

#[test]
fn missing_index_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["index", "stats", "--index", "nowhere"], dir.path(), b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no chorus index"), "{}", stderr(&o));
    let o = run(
        &["index", "optimize", "--index", "nowhere"],
        dir.path(),
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no index here"), "{}", stderr(&o));
    assert!(!dir.path().join("nowhere").exists());
}

#[test]
fn query_paraphrase_finds_a_stored_rewording_and_lang_is_checked() {
    let story = "The harbour committee announced on Tuesday that the Brennick bridge will \
        close for structural repairs until the end of September. Engineers found corrosion \
        in the steel cables during an inspection carried out in March. Ferry operators will \
        add extra crossings between Ostvik and Lemmer while the bridge stays closed. The \
        repairs are expected to cost about forty million crowns, paid from the regional \
        transport fund.";
    // one five-word run kept ("Ostvik and Lemmer while the"): the index finds it
    let reworded = "On Tuesday the committee of the harbour said the Brennick bridge is \
        closing until late September for repairs to its structure. Corrosion of the steel \
        cables was found by engineers inspecting the bridge in March. Ferry operators are \
        adding crossings between Ostvik and Lemmer while the bridge is shut. Paid by the \
        transport fund of the region, the repair work should cost around forty million \
        crowns.";
    let dir = tempfile::tempdir().unwrap();
    let corpus = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "b", "text": format!("Morning digest. {reworded} More.")}),
        serde_json::json!({"id": "z", "text": "Tomatoes, compost and a late frost."}),
    );
    std::fs::write(dir.path().join("news.jsonl"), corpus).unwrap();
    assert_exit(&run(&["index", "add", "news.jsonl"], dir.path(), b""), 0);
    let article = format!("Local news. {story} Weather is fine.");

    let o = run(&["query", "-", "--json"], dir.path(), article.as_bytes());
    assert_exit(&o, 1);
    let o = run(
        &["query", "-", "--json", "--paraphrase"],
        dir.path(),
        article.as_bytes(),
    );
    assert_exit(&o, 0);
    let recs: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 1, "{}", stdout(&o));
    assert_eq!(
        (&recs[0]["id"], &recs[0]["match"]),
        (&"b".into(), &"reworded".into())
    );
    let p = &recs[0]["passages"][0];
    assert_eq!(p["match"], "reworded");
    let b = p["query"]["begin"].as_u64().unwrap() as usize;
    let e = p["query"]["end"].as_u64().unwrap() as usize;
    assert!(
        article[b..e].contains("Brennick bridge"),
        "{}",
        &article[b..e]
    );

    // text and table outputs say it too
    let o = run(
        &["query", "-", "--paraphrase"],
        dir.path(),
        article.as_bytes(),
    );
    assert!(stdout(&o).contains("[reworded only]"), "{}", stdout(&o));
    let o = run(
        &["query", "-", "--paraphrase", "--output-format", "csv"],
        dir.path(),
        article.as_bytes(),
    );
    let csv = stdout(&o);
    assert!(
        csv.lines().next().unwrap().ends_with(",text,match"),
        "{csv}"
    );
    assert!(csv.trim_end().ends_with(",reworded"), "{csv}");
    let o = run(
        &["query", "-", "--output-format", "csv"],
        dir.path(),
        article.as_bytes(),
    );
    assert!(!stdout(&o).contains("match"), "{}", stdout(&o));

    // --lang: a named language works, an unknown one is refused with the known ones listed,
    // and it means nothing without --paraphrase
    let o = run(
        &["query", "-", "--json", "--paraphrase", "--lang", "English"],
        dir.path(),
        article.as_bytes(),
    );
    assert_exit(&o, 0);
    let o = run(
        &["query", "-", "--paraphrase", "--lang", "klingon"],
        dir.path(),
        article.as_bytes(),
    );
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("unknown language `klingon`"), "{err}");
    assert!(
        err.contains("id (indonesian)") && err.contains("auto"),
        "{err}"
    );
    let o = run(
        &["query", "-", "--lang", "en"],
        dir.path(),
        article.as_bytes(),
    );
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("--paraphrase"), "{}", stderr(&o));
}

#[test]
fn query_corpus_paraphrase_finds_a_rewording_sharing_no_ngram() {
    let story = "The harbour committee announced on Tuesday that the Brennick bridge will \
        close for structural repairs until the end of September. Engineers found corrosion \
        in the steel cables during an inspection carried out in March. Ferry operators will \
        add extra crossings between Ostvik and Lemmer while the bridge stays closed. The \
        repairs are expected to cost about forty million crowns, paid from the regional \
        transport fund.";
    // no five words in a row kept
    let reworded = "On Tuesday the committee of the harbour said the Brennick bridge is \
        closing until late September for repairs to its structure. Corrosion of the steel \
        cables was found by engineers inspecting the bridge in March. While the bridge is \
        closed, operators of ferries are adding crossings from Ostvik to Lemmer. Paid by the \
        transport fund of the region, the repair work should cost around forty million \
        crowns.";
    let dir = tempfile::tempdir().unwrap();
    let corpus = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "b", "text": format!("Morning digest. {reworded} More.")}),
        serde_json::json!({"id": "z", "text": "Tomatoes, compost and a late frost."}),
    );
    std::fs::write(dir.path().join("news.jsonl"), corpus).unwrap();
    assert_exit(&run(&["index", "add", "news.jsonl"], dir.path(), b""), 0);
    let article = format!("Local news. {story} Weather is fine.");
    let ids = |args: &[&str]| -> Vec<(String, String)> {
        let o = run(args, dir.path(), article.as_bytes());
        stdout(&o)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|m| (m["id"].as_str().unwrap().into(), m["match"].to_string()))
            .collect()
    };
    // the index has no candidate for it (no shared n-gram); the documents read whole do
    assert!(ids(&["query", "-", "--json", "--paraphrase"]).is_empty());
    assert!(ids(&["query", "-", "--json", "--corpus", "news.jsonl"]).is_empty());
    assert_eq!(
        ids(&[
            "query",
            "-",
            "--json",
            "--paraphrase",
            "--corpus",
            "news.jsonl"
        ]),
        [("b".to_string(), "\"reworded\"".to_string())]
    );
    // the same text found in the corpus as in the index (exact path)
    let o = run(&["query", "-", "--json", "--corpus", "news.jsonl"], dir.path(), b"Morning digest. On Tuesday the committee of the harbour said the Brennick bridge is closing until late September for repairs to its structure.");
    assert_exit(&o, 0);
    let o2 = run(&["query", "-", "--json"], dir.path(), b"Morning digest. On Tuesday the committee of the harbour said the Brennick bridge is closing until late September for repairs to its structure.");
    assert_eq!(stdout(&o), stdout(&o2));
}
