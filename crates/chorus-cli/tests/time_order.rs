//! An honest time order: no earliest member and no propagation direction where the dates
//! do not tell them, unreadable dates reported with file and line, a date-only value a
//! whole day.

use crate::util::*;

fn records(out: &str, kind: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["kind"] == kind)
        .collect()
}

/// One JSON Lines record per `(id, source, date)`, each printing the statement.
fn corpus(docs: &[(&str, &str, Option<&str>)]) -> String {
    docs.iter()
        .enumerate()
        .map(|(i, (id, src, date))| {
            let text = format!("Story {i} of the day. {STATEMENT} More in our next edition.");
            let mut r = serde_json::json!({"id": id, "source": src, "text": text});
            if let Some(d) = date {
                r["date"] = serde_json::json!(d);
            }
            r.to_string() + "\n"
        })
        .collect()
}

#[test]
fn undated_text_files_have_no_earliest_and_no_direction() {
    let o = chorus()
        .args(["find", "--json"])
        .arg(examples())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let clusters = records(&stdout(&o), "cluster");
    assert!(!clusters.is_empty());
    for c in &clusters {
        assert_eq!(c["earliest"], serde_json::Value::Null, "{c}");
        assert_eq!(
            c["earliest_unknown"],
            serde_json::json!({"reason": "undated"})
        );
        assert_eq!(c["propagation"], serde_json::json!([]));
        assert_eq!(c["undated"], c["members"].as_array().unwrap().len());
    }
    let o = chorus()
        .args(["find", "--color", "never"])
        .arg(examples())
        .output()
        .unwrap();
    let text = stdout(&o);
    assert_eq!(
        text.matches("\n  earliest: unknown (undated)\n").count(),
        clusters.len(),
        "{text}"
    );
}

#[test]
fn a_date_only_member_ties_with_a_timestamp_of_its_day() {
    let dir = tempfile::tempdir().unwrap();
    let docs = corpus(&[
        ("day", "gazette", Some("2025-09-01")),
        ("morning", "herald", Some("2025-09-01T08:30:00Z")),
        ("later", "post", Some("2025-09-03T10:00:00Z")),
    ]);
    let o = run(&["find", "-", "--json"], dir.path(), docs.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let clusters = records(&stdout(&o), "cluster");
    assert_eq!(clusters.len(), 1, "{}", stdout(&o));
    let c = &clusters[0];
    assert_eq!(c["earliest"], serde_json::Value::Null);
    assert_eq!(
        c["earliest_unknown"],
        serde_json::json!({"reason": "tie", "docs": ["day", "morning"]})
    );
    assert!(c.get("undated").is_none(), "{c}");
    // the tied two are not joined; the later one has a parent, certainly earlier
    let edges = c["propagation"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{c}");
    assert_eq!(edges[0]["to"], "later");
    let o = run(
        &["find", "-", "--color", "never"],
        dir.path(),
        docs.as_bytes(),
    );
    assert!(
        stdout(&o).contains("\n  earliest: unknown (tie: day, morning could each be first)\n"),
        "{}",
        stdout(&o)
    );

    // a day before is certainly earlier
    let docs = corpus(&[
        ("day", "gazette", Some("2025-08-31")),
        ("morning", "herald", Some("2025-09-01T08:30:00Z")),
        ("later", "post", Some("2025-09-03T10:00:00Z")),
    ]);
    let o = run(&["find", "-", "--json"], dir.path(), docs.as_bytes());
    let c = &records(&stdout(&o), "cluster")[0];
    assert_eq!(c["earliest"]["doc"], "day");
    assert_eq!(c["earliest"]["date"], "2025-08-31");
    assert!(c.get("earliest_unknown").is_none(), "{c}");
    let to: Vec<&str> = c["propagation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to"].as_str().unwrap())
        .collect();
    assert_eq!(to, ["morning", "later"]);
}

#[test]
fn an_unreadable_date_is_reported_with_file_and_line_and_the_document_still_counts() {
    let dir = tempfile::tempdir().unwrap();
    let docs = corpus(&[
        ("wire", "wire", Some("2025-09-01T08:00:00Z")),
        ("blog", "blog", Some("yesterday")),
        ("paper", "paper", Some("2025-09-01T09:00:00Z")),
    ]);
    std::fs::write(dir.path().join("in.jsonl"), &docs).unwrap();
    let o = run(&["find", "in.jsonl", "--json"], dir.path(), b"");
    // a problem, but nothing was skipped: reuse found, exit 0
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "chorus: in.jsonl:2: document `blog`: unreadable date `yesterday` (not RFC 3339, \
             an ISO 8601 date or date-time, or RFC 2822); read as undated"
        ),
        "{}",
        stderr(&o)
    );
    let out = stdout(&o);
    // the input is passed through; the member has no date the order could use
    let blog = records(&out, "document")
        .into_iter()
        .find(|d| d["id"] == "blog")
        .unwrap();
    assert_eq!(blog["date"], "yesterday");
    let c = &records(&out, "cluster")[0];
    let members: Vec<(&str, &serde_json::Value)> = c["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["doc"].as_str().unwrap(), &m["date"]))
        .collect();
    assert_eq!(members.len(), 3);
    assert_eq!(members[2], ("blog", &serde_json::Value::Null));
    // the earliest of the dated members, with the undated one counted, and no edge to it
    assert_eq!(c["earliest"]["doc"], "wire");
    assert_eq!(c["undated"], 1);
    let edges: Vec<(&str, &str)> = c["propagation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert_eq!(edges, [("wire", "paper")]);
    let o = run(&["find", "in.jsonl", "--color", "never"], dir.path(), b"");
    assert!(
        stdout(&o).contains(
            "\n  earliest: wire (wire, 2025-09-01T08:00:00Z); 1 undated document not ordered\n"
        ),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_dated_corpus_keeps_its_earliest_and_its_edges() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &["find", "-", "--json"],
        dir.path(),
        jsonl_corpus().as_bytes(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let c = &records(&stdout(&o), "cluster")[0];
    assert_eq!(c["earliest"]["doc"], "n1");
    assert_eq!(c["earliest"]["date"], "2025-09-01T08:00:00Z");
    assert!(c.get("earliest_unknown").is_none() && c.get("undated").is_none());
    let edges: Vec<(&str, &str)> = c["propagation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert_eq!(edges.len(), 2, "{c}");
    assert!(edges.iter().all(|e| e.0 != e.1 && e.1 != "n1"), "{edges:?}");
}
