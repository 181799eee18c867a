//! Loaders on tiny folders in both truth formats, and `evaluate` end to end.

use std::io::Write;
use std::path::Path;

use chorus_eval::{TruthFormat, evaluate, load_result, load_truth, read_result};

fn close(x: f64, y: f64) -> bool {
    (x - y).abs() < 1e-9
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

fn write_xz(path: &Path, text: &str) {
    let file = std::fs::File::create(path).unwrap();
    let mut enc = liblzma::write::XzEncoder::new(file, 6);
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
}

fn write_gz(path: &Path, text: &str) {
    let file = std::fs::File::create(path).unwrap();
    let mut enc = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
}

/// Three documents; cluster r1 in all three (with multibyte text before the spans), one
/// boilerplate span, and document clusters {d0, d1}, {d2}.
///
/// d0: "«Héllo» " (11 bytes, 8 chars) + "the same passage here" (21) at bytes 11..32
/// d1: "Ça va. " (8 bytes, 7 chars) + the passage at bytes 8..29
/// d2: "xx " + the passage at bytes 3..24, then " FOOTER" at bytes 24..31
const CORPUS: &str = r#"{"id":"d0","source":"s0","text":"«Héllo» the same passage here"}
{"id":"d1","source":"s1","text":"Ça va. the same passage here"}
{"id":"d2","source":"s2","text":"xx the same passage here FOOTER"}
"#;

const TRUTH: &str = r#"{"cluster":"r1","kind":"reprint","role":"source","profile":"original","doc":"d0","begin":11,"end":32,"cbegin":8,"cend":29,"coordinated":true}
{"cluster":"r1","kind":"reprint","role":"copy","profile":"light","doc":"d1","begin":8,"end":29,"cbegin":7,"cend":28,"coordinated":true}
{"cluster":"r1","kind":"reprint","role":"copy","profile":"heavy","doc":"d2","begin":3,"end":24,"cbegin":3,"cend":24,"coordinated":true}
{"cluster":"bp-s2-1","kind":"boilerplate","role":"boilerplate","profile":"template","doc":"d2","begin":25,"end":31}
"#;

const CLUSTERS: &str = r#"{"meta":{},"boilerplate":[],"clusters":[{"cluster":"r1","coordinated":true,"earliest":{"doc":"d0","begin":11,"end":32}}]}"#;

const DOC_CLUSTERS: &str = r#"{"doc":"d0","dup_cluster":"r1","role":"original"}
{"doc":"d1","dup_cluster":"r1","role":"reprint"}
{"doc":"d2","dup_cluster":"single-d2","role":"related"}
"#;

fn bench_dir(compress: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    match compress {
        "xz" => {
            write_xz(&p.join("corpus.jsonl.xz"), CORPUS);
            write_xz(&p.join("truth.jsonl.xz"), TRUTH);
            write_xz(&p.join("doc_clusters.jsonl.xz"), DOC_CLUSTERS);
        }
        "gz" => {
            write_gz(&p.join("corpus.jsonl.gz"), CORPUS);
            write_gz(&p.join("truth.jsonl.gz"), TRUTH);
            write_gz(&p.join("doc_clusters.jsonl.gz"), DOC_CLUSTERS);
        }
        _ => {
            write(&p.join("corpus.jsonl"), CORPUS);
            write(&p.join("truth.jsonl"), TRUTH);
            write(&p.join("doc_clusters.jsonl"), DOC_CLUSTERS);
        }
    }
    write(&p.join("clusters.json"), CLUSTERS);
    dir
}

#[test]
fn bench_loader_plain_xz_gz() {
    for compress in ["plain", "xz", "gz"] {
        let dir = bench_dir(compress);
        let t = load_truth(dir.path()).unwrap();
        assert_eq!(t.format, TruthFormat::Bench);
        assert_eq!(t.docs.len(), 3);
        assert_eq!(t.occurrences.len(), 4);
        assert_eq!(t.cases.len(), 3, "{compress}");
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
        // byte -> char conversion agrees with cbegin/cend
        let o = &t.occurrences[0].span;
        assert_eq!((o.begin, o.end), (8, 29));
        let o = &t.occurrences[1].span;
        assert_eq!((o.begin, o.end), (7, 28));
        assert_eq!(t.clusters[0].coordinated, Some(true));
        assert_eq!(t.clusters[0].earliest.unwrap().doc, 0);
        assert_eq!(
            t.doc_clusters.as_deref().unwrap(),
            ["r1", "r1", "single-d2"]
        );
        let profiles: Vec<&str> = t.cases.iter().map(|c| c.profile.as_str()).collect();
        assert_eq!(profiles, ["light", "heavy", "heavy"]);
    }
}

#[test]
fn perfect_bench_result_scores_one() {
    let dir = bench_dir("plain");
    let truth = load_truth(dir.path()).unwrap();
    let result = r#"{"kind":"cluster","id":1,"members":[{"doc":"d0","begin":11,"end":32},{"doc":"d1","begin":8,"end":29},{"doc":"d2","begin":3,"end":24}],"earliest":{"doc":"d0","begin":11,"end":32},"coordinated":true}
{"kind":"dup_cluster","id":1,"docs":["d0","d1"],"keep":"d0"}
"#;
    let result = read_result(&mut result.as_bytes(), "r").unwrap();
    let s = evaluate(&truth, &result);
    assert_eq!(
        (s.precision, s.recall, s.granularity, s.plagdet),
        (1.0, 1.0, 1.0, 1.0)
    );
    assert_eq!((s.cases, s.detections), (3, 3));
    assert_eq!(s.ari, Some(1.0));
    assert_eq!(s.ari_level, Some("documents"));
    assert_eq!(s.passage_clusters.as_ref().unwrap().ari, 1.0);
    assert_eq!(s.doc_clusters.as_ref().unwrap().source, "dup_cluster");
    assert_eq!(s.earliest_correct, Some(1.0));
    assert_eq!(s.boilerplate_kept_out, Some(1.0));
    let c = s.coordinated.as_ref().unwrap();
    assert_eq!((c.precision, c.recall), (Some(1.0), Some(1.0)));
    assert_eq!(s.over_extension, Some(0.0));
    assert_eq!(s.by_profile["heavy"].cases, 2);
    let json = serde_json::to_value(&s).unwrap();
    for key in ["precision", "recall", "granularity", "plagdet", "ari"] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn degraded_bench_result() {
    let dir = bench_dir("plain");
    let truth = load_truth(dir.path()).unwrap();
    // Only d0 and d1, both spans cut to their first 7 chars ("the sam"), earliest wrong,
    // a member on the boilerplate line, no coordinated flag, no dup_cluster records.
    let result = r#"{"kind":"cluster","id":1,"members":[{"doc":"d0","begin":11,"end":18},{"doc":"d1","begin":8,"end":15}],"earliest":{"doc":"d1","begin":8,"end":15}}
{"kind":"cluster","id":2,"members":[{"doc":"d2","begin":25,"end":31},{"doc":"unknown","begin":0,"end":6}]}
"#;
    let result = read_result(&mut result.as_bytes(), "r").unwrap();
    let s = evaluate(&truth, &result);
    // cases: (d0,d1) recall 14/42 = 1/3, (d0,d2) 0, (d1,d2) 0 -> 1/9
    assert!(close(s.recall, 1.0 / 9.0), "{}", s.recall);
    // detections: (d0,d1) precision 1; (d2,unknown) 0 -> 1/2
    assert!(close(s.precision, 0.5));
    assert_eq!(s.granularity, 1.0);
    assert!(close(s.by_profile["light"].recall, 1.0 / 3.0));
    assert_eq!(s.by_profile["heavy"].recall, 0.0);
    assert_eq!(s.earliest_correct, Some(0.0));
    assert_eq!(s.boilerplate_kept_out, Some(0.0));
    assert_eq!(s.coordinated, None);
    assert_eq!(s.counts.unknown_result_docs, 1);
    let dc = s.doc_clusters.as_ref().unwrap();
    assert_eq!(dc.source, "derived_from_clusters");
    // derived {d0,d1},{d2}: matches the truth exactly
    assert_eq!(dc.scores.ari, 1.0);
    // passage clusters: truth {o0,o1,o2}, predicted {o0,o1},{o2} -> ARI 0
    let pc = s.passage_clusters.as_ref().unwrap();
    assert_eq!(pc.ari, 0.0);
    assert!(close(pc.bcubed_precision, 1.0));
    assert!(close(pc.bcubed_recall, (2.0 / 3.0 * 2.0 + 1.0 / 3.0) / 3.0));
}

#[test]
fn bench_loader_reports_bad_truth_with_line() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("corpus.jsonl"), CORPUS);
    write(
        &dir.path().join("truth.jsonl"),
        &format!(
            "{TRUTH}{{\"cluster\":\"r2\",\"kind\":\"reprint\",\"doc\":\"nope\",\"begin\":0,\"end\":1}}\n"
        ),
    );
    let err = load_truth(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("truth.jsonl:5:") && err.contains("nope"),
        "{err}"
    );
}

#[test]
fn unknown_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(load_truth(dir.path()).is_err());
}

fn pan_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    let files = [
        // "Él dijo: " (10 bytes, 9 chars) then "copied words" (12 chars) at chars 9..21
        (
            "source-documents/source-document001.txt",
            "Él dijo: copied words end",
        ),
        (
            "source-documents/source-document002.txt",
            "other source text entirely",
        ),
        // "ñ " (3 bytes, 2 chars), "copied words" chars 2..14 (bytes 3..15), then " and "
        // and "other source" at chars 19..31 (bytes 20..32)
        (
            "suspicious-documents/suspicious-document001.txt",
            "ñ copied words and other source",
        ),
        (
            "suspicious-documents/suspicious-document001.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<document reference="suspicious-document001.txt">
  <feature name="about" authors="x"/>
  <featue name="plagiarism" obfuscation="none" this_offset="0" this_length="1" source_reference="source-document001.txt" source_offset="0" source_length="1"/>
  <feature name="plagiarism" type="artificial" obfuscation="none" this_offset="2" this_length="12" source_reference="source-document001.txt" source_offset="9" source_length="12"/>
  <feature name="plagiarism" type="simulated" this_offset="19" this_length="12" source_reference="source-document002.txt" source_offset="0" source_length="12"/>
</document>
"#,
        ),
        (
            "suspicious-documents/suspicious-document002.txt",
            "nothing here",
        ),
        (
            "suspicious-documents/suspicious-document002.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<document reference="suspicious-document002.txt">
</document>
"#,
        ),
    ];
    for (path, text) in files {
        write(&root.join(path), text);
    }
    dir
}

#[test]
fn pan_loader_and_scores() {
    let dir = pan_dir();
    // The parent folder: the corpus is found one level down.
    let t = load_truth(dir.path()).unwrap();
    assert_eq!(t.format, TruthFormat::Pan);
    assert_eq!(t.docs.len(), 4);
    assert_eq!(t.cases.len(), 2);
    assert_eq!(t.cases[0].profile, "none");
    assert_eq!(t.cases[1].profile, "simulated");
    assert!(!t.has_clusters());
    // The misspelt element is ignored, as PAN's evaluator does, with a warning.
    assert_eq!(t.warnings.len(), 1);
    assert!(t.warnings[0].contains("<featue"), "{:?}", t.warnings);

    // chorus run on the parent folder: ids carry the corpus folder name.
    // First case found exactly (bytes), second not at all, plus one false detection.
    let result = r#"{"kind":"cluster","id":0,"members":[{"doc":"corpus/suspicious-documents/suspicious-document001.txt","begin":3,"end":15},{"doc":"corpus/source-documents/source-document001.txt","begin":10,"end":22}]}
{"kind":"cluster","id":1,"members":[{"doc":"corpus/suspicious-documents/suspicious-document002.txt","begin":0,"end":7},{"doc":"corpus/source-documents/source-document002.txt","begin":0,"end":7}]}
"#;
    let result_path = dir.path().join("result.jsonl");
    write(&result_path, result);
    let r = load_result(&result_path).unwrap();
    let s = evaluate(&t, &r);
    assert!(close(s.recall, 0.5));
    assert!(close(s.precision, 0.5));
    assert_eq!(s.granularity, 1.0);
    assert_eq!(s.breakdown_by, "obfuscation");
    assert_eq!(s.by_profile["none"].recall, 1.0);
    assert_eq!(s.by_profile["none"].precision, 1.0);
    assert_eq!(s.by_profile["simulated"].recall, 0.0);
    assert_eq!(s.ari, None);
    assert_eq!(s.earliest_correct, None);
    assert_eq!(s.counts.unknown_result_docs, 0);
}

#[test]
fn pan_ids_by_bare_file_name() {
    let dir = pan_dir();
    let t = load_truth(&dir.path().join("corpus")).unwrap();
    // chorus run on the two sub-folders separately would give bare names.
    let result = r#"{"kind":"cluster","id":0,"members":[{"doc":"suspicious-document001.txt","begin":3,"end":15},{"doc":"source-document001.txt","begin":10,"end":22}]}"#;
    let r = read_result(&mut result.as_bytes(), "r").unwrap();
    let s = evaluate(&t, &r);
    assert_eq!(s.precision, 1.0);
    assert!(close(s.recall, 0.5));
}
