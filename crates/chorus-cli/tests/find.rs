use crate::util::*;
use std::fs;

#[test]
fn golden_text_report_on_the_example_folder() {
    let o = chorus()
        .args(["find", "--color", "never"])
        .arg(examples())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("newsroom_text", stdout(&o));
}

#[test]
fn golden_json_report_on_the_example_folder() {
    let o = chorus()
        .args(["find", "--json"])
        .arg(examples())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("newsroom_json", stdout(&o));
}

#[test]
fn piped_output_has_no_colour_and_no_colour_means_none() {
    for env in [None, Some("1")] {
        let mut c = chorus();
        c.arg("find").arg(examples());
        if let Some(v) = env {
            c.env("NO_COLOR", v);
        }
        let o = c.output().unwrap();
        assert!(
            !stdout(&o).contains('\u{1b}'),
            "escape codes in piped output"
        );
    }
    let o = chorus()
        .args(["find", "--color", "always"])
        .arg(examples())
        .output()
        .unwrap();
    assert!(stdout(&o).contains('\u{1b}'));
}

#[test]
fn json_lines_from_stdin_with_metadata_passed_through() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &["find", "-", "--json"],
        dir.path(),
        jsonl_corpus().as_bytes(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let records: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let clusters: Vec<_> = records.iter().filter(|r| r["kind"] == "cluster").collect();
    assert_eq!(clusters.len(), 1);
    let members = clusters[0]["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    // members in date order; offsets are exact bytes of the original text
    assert_eq!(members[0]["doc"], "n1");
    let corpus = jsonl_corpus();
    let n2: serde_json::Value = serde_json::from_str(corpus.lines().nth(1).unwrap()).unwrap();
    let text = n2["text"].as_str().unwrap();
    let m = members.iter().find(|m| m["doc"] == "n2").unwrap();
    let (b, e) = (
        m["begin"].as_u64().unwrap() as usize,
        m["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[b..e], STATEMENT);
    // pairs point at their cluster; documents carry unknown fields through
    let pairs: Vec<_> = records.iter().filter(|r| r["kind"] == "pair").collect();
    assert_eq!(pairs.len(), 3);
    assert!(pairs.iter().all(|p| p["cluster"] == clusters[0]["id"]));
    let doc = records
        .iter()
        .find(|r| r["kind"] == "document" && r["id"] == "n3")
        .unwrap();
    assert_eq!(doc["section"], "local");
    assert_eq!(doc["source"], "pier-post");
    assert_eq!(records.last().unwrap()["kind"], "summary");
}

#[test]
fn output_does_not_depend_on_input_order_or_threads() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = jsonl_corpus();
    let mut lines: Vec<&str> = corpus.lines().collect();
    let first = run(
        &["find", "-", "--json", "-j", "1"],
        dir.path(),
        corpus.as_bytes(),
    );
    lines.reverse();
    let reversed = lines.join("\n") + "\n";
    let second = run(
        &["find", "-", "--json", "-j", "2"],
        dir.path(),
        reversed.as_bytes(),
    );
    assert_eq!(stdout(&first), stdout(&second));
}

#[test]
fn nothing_shared_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.txt"),
        "Apples grow on trees in the orchard by the river.",
    )
    .unwrap();
    fs::write(
        dir.path().join("b.txt"),
        "The committee will meet again on Thursday afternoon.",
    )
    .unwrap();
    let o = chorus()
        .args(["find", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("0 passages shared"));
}

#[test]
fn bad_input_is_reported_skipped_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::write(p.join("good1.txt"), format!("Intro. {STATEMENT}")).unwrap();
    fs::write(p.join("good2.txt"), format!("{STATEMENT} Outro.")).unwrap();
    fs::write(p.join("empty.txt"), "").unwrap();
    fs::write(p.join("latin1.txt"), b"caf\xe9 au lait").unwrap();
    fs::write(p.join("binary.txt"), b"\x00\x01\x02\x03ELF\x00\x00").unwrap();
    fs::write(
        p.join("records.jsonl"),
        format!("{{\"id\":\"j1\",\"text\":\"{STATEMENT}\"}}\n{{not json}}\n{{\"id\":\"j3\"}}\n"),
    )
    .unwrap();
    let o = chorus()
        .args(["find", ".", "--json"])
        .current_dir(p)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for needle in [
        "empty.txt",
        "latin1.txt",
        "binary.txt",
        "records.jsonl:2",
        "records.jsonl:3",
    ] {
        assert!(err.contains(needle), "stderr lacks {needle}: {err}");
    }
    // the good documents were still compared
    let out = stdout(&o);
    let cluster = out
        .lines()
        .find(|l| l.contains("\"kind\":\"cluster\""))
        .expect("a cluster");
    for id in ["good1.txt", "good2.txt", "j1"] {
        assert!(cluster.contains(id), "{cluster}");
    }
}

#[test]
fn compressed_input_is_read_transparently() {
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(jsonl_corpus().as_bytes()).unwrap();
    fs::write(dir.path().join("corpus.jsonl.gz"), gz.finish().unwrap()).unwrap();
    let o = chorus()
        .args(["find", "corpus.jsonl.gz", "--json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"kind\":\"cluster\""));
}

#[test]
fn wrong_flags_are_usage_errors() {
    let o = chorus()
        .args(["find", ".", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = chorus()
        .args(["find", ".", "--ngram", "0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("n-gram"));
    let o = chorus().args(["find", "does-not-exist"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does-not-exist"));
}
