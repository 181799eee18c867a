//! Dates that cannot be read are reported with their file and line, whatever the format,
//! and their documents are kept, undated.

use std::fs;

use chorus_input::{InputProblem, ProblemKind, ReadOptions, read_inputs};

#[test]
fn unreadable_dates_are_problems_naming_file_and_line_and_the_documents_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.jsonl"),
        concat!(
            r#"{"id":"iso","text":"one","date":"2025-03-03T08:30:00Z"}"#,
            "\n",
            r#"{"id":"vague","text":"two","date":"yesterday"}"#,
            "\n\n",
            r#"{"id":"day","text":"three","date":"2025-03-03"}"#,
            "\n",
            r#"{"id":"numeric","text":"four","date":"03/04/2025"}"#,
            "\n",
            r#"{"id":"blank","text":"five","date":"  "}"#,
            "\n",
        ),
    )
    .unwrap();
    fs::write(
        dir.path().join("b.csv"),
        "id,text,date\n\
         rss,six,\"Mon, 03 Mar 2025 08:30:00 +0000\"\n\
         bad,seven,3.4.25\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("c.html"),
        "<html><head><title>Notice</title><meta name=\"date\" content=\"last Tuesday\"></head>\
         <body><article><p>The harbour bridge will close for repairs on Monday, the council \
         said, and ferries will run every ten minutes until the work is done.</p></article>\
         </body></html>",
    )
    .unwrap();
    fs::write(dir.path().join("d.txt"), "a plain text has no date").unwrap();
    let mut docs = Vec::new();
    let mut problems: Vec<InputProblem> = Vec::new();
    let summary = read_inputs(
        &[dir.path()],
        &ReadOptions::default(),
        |d| docs.push(d),
        |p| problems.push(p),
    )
    .unwrap();
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "iso", "vague", "day", "numeric", "blank", "rss", "bad", "c.html", "d.txt"
        ]
    );
    // kept as given (the `document` records pass it through), but unknown to the engine
    let vague = &docs[1];
    assert_eq!(vague.meta.date.as_deref(), Some("yesterday"));
    assert_eq!(vague.meta.when(), None);
    assert!(docs[5].meta.when().is_some());

    let at: Vec<String> = problems.iter().map(|p| p.location()).collect();
    let a = dir.path().join("a.jsonl").display().to_string();
    let b = dir.path().join("b.csv").display().to_string();
    let c = dir.path().join("c.html").display().to_string();
    assert_eq!(
        at,
        [
            format!("{a}:2"),
            format!("{a}:5"),
            format!("{b}:3"),
            c.clone()
        ]
    );
    assert!(problems.iter().all(|p| p.kind == ProblemKind::BadDate));
    assert!(problems.iter().all(|p| !p.kind.skips()));
    assert!(problems[0].to_string().ends_with(
        "a.jsonl:2: document `vague`: unreadable date `yesterday` (not RFC 3339, an ISO 8601 \
         date or date-time, or RFC 2822); read as undated"
    ));
    assert!(problems[1].reason.contains("`03/04/2025`"));
    assert!(problems[3].reason.contains("`last Tuesday`"));
    assert_eq!(summary.documents, 9);
    assert_eq!(summary.skipped, 0);
    assert_eq!(summary.unreadable_dates, 4);
}
