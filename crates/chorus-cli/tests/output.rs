//! `--out` and `--output-format` of `find`, `dedup` and `query`: format by extension,
//! compression, clear errors and no partial files.

use crate::util::*;
use std::fs;
use std::io::Read;
use std::path::Path;

fn corpus_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("c.jsonl"), jsonl_corpus()).unwrap();
    dir
}

fn gunzip(path: &Path) -> String {
    let mut s = String::new();
    flate2::read::GzDecoder::new(fs::File::open(path).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// The CSV at `path` as rows of fields, header first.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn dedup_out_writes_the_format_its_extension_names() {
    let dir = corpus_dir();
    for name in ["kept.csv", "kept.jsonl.gz", "kept.tsv"] {
        let o = run_in(dir.path(), &["dedup", "c.jsonl", "-q", "--out", name]);
        assert_exit(&o, 0);
        let path = dir.path().join(name);
        assert!(path.is_file(), "{name} is a file, not a folder");
    }
    let csv = csv_rows(&fs::read_to_string(dir.path().join("kept.csv")).unwrap());
    assert_eq!(
        csv[0],
        ["id", "source", "date", "url", "title", "text", "section"]
    );
    let jsonl = gunzip(&dir.path().join("kept.jsonl.gz"));
    let kept = jsonl.lines().count();
    assert!(
        (2..4).contains(&kept),
        "the near-duplicates are dropped: {jsonl}"
    );
    assert_eq!(csv.len(), kept + 1, "a header and the kept documents");
    assert_eq!(csv[1][0], "n1");
    assert!(
        jsonl.starts_with("{\"id\":\"n1\",\"source\":\"tide-times\""),
        "{jsonl}"
    );
    let tsv = fs::read_to_string(dir.path().join("kept.tsv")).unwrap();
    assert!(tsv.starts_with("id\tsource\tdate\turl\ttitle\ttext\tsection\n"));

    // A folder only when asked for one.
    let o = run_in(dir.path(), &["dedup", "c.jsonl", "-q", "--out", "texts/"]);
    assert_exit(&o, 0);
    assert!(dir.path().join("texts/n1").is_file());
}

#[test]
fn unknown_extensions_and_failed_runs_leave_no_file() {
    let dir = corpus_dir();
    let o = run_in(dir.path(), &["dedup", "c.jsonl", "-q", "--out", "kept.dat"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("unknown output extension"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("kept.dat").exists());

    let o = run_in(
        dir.path(),
        &["dedup", "/nonexistent.jsonl", "--out", "x.jsonl", "-q"],
    );
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("x.jsonl not written"), "{}", stderr(&o));
    assert!(!dir.path().join("x.jsonl").exists());

    let o = run_in(dir.path(), &["find", "c.jsonl", "-q", "--out", "m.xlsx"]);
    assert_exit(&o, 2);
    assert!(!dir.path().join("m.xlsx").exists());
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["c.jsonl"], "no temporary files left");
}

#[test]
fn find_writes_the_flat_member_table_as_csv_and_compressed_jsonl() {
    let dir = corpus_dir();
    let o = run_in(dir.path(), &["find", "c.jsonl", "-q", "--out", "m.csv"]);
    assert_exit(&o, 0);
    assert!(o.stdout.is_empty());
    let rows = csv_rows(&fs::read_to_string(dir.path().join("m.csv")).unwrap());
    assert_eq!(
        rows[0],
        [
            "cluster",
            "size",
            "id",
            "series",
            "date",
            "begin",
            "end",
            "byte_begin",
            "byte_end",
            "text",
            "title",
            "url",
            "quoted",
            "reuse"
        ]
    );
    assert_eq!(rows.len(), 4, "one row per member: {rows:?}");
    let ids: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(ids, ["n1", "n2", "n3"]);
    assert_eq!(rows[1][3], "tide-times");
    assert!(
        rows[1][9].starts_with("The regional transport board"),
        "{:?}",
        rows[1]
    );
    // n2 opens with a curly quote (3 bytes, 1 character): char and byte offsets differ.
    let n2 = &rows[2];
    let (begin, byte_begin): (usize, usize) = (n2[5].parse().unwrap(), n2[7].parse().unwrap());
    assert_eq!((begin, byte_begin), (1, 3));

    // The same as passim-style JSON Lines, gzipped; and chorus's records, zstd-compressed.
    let o = run_in(
        dir.path(),
        &[
            "find",
            "c.jsonl",
            "-q",
            "--out",
            "m.json.gz",
            "--output-format",
            "passim",
        ],
    );
    assert_exit(&o, 0);
    let lines: Vec<serde_json::Value> = gunzip(&dir.path().join("m.json.gz"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["id"], "n2");
    assert_eq!(lines[1]["begin"], 1);
    let o = run_in(
        dir.path(),
        &["find", "c.jsonl", "-q", "--out", "r.jsonl.zst"],
    );
    assert_exit(&o, 0);
    let mut text = String::new();
    chorus_input::open_decompressed(&dir.path().join("r.jsonl.zst"))
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let json = ok_stdout(&run_in(dir.path(), &["find", "c.jsonl", "-q", "--json"]));
    assert_eq!(text, json, "--out FILE.jsonl holds what --json prints");
}
