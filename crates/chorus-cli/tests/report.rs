//! `chorus report`'s HTML: headlines linked to the articles, an overview with the
//! search and filter controls, collapsed cluster sections, dated timeline axes and the
//! outlet network of propagation.

use crate::util::{STATEMENT, assert_exit, run_in};
use std::fs;

/// Four outlets printing the statement a few hours apart (with titles and URLs, one URL
/// a `javascript:` one), and two printing another passage.
fn corpus() -> String {
    let other = "Council members agreed unanimously that the old library building on the \
        harbour front should be restored and reopened as a community arts centre next spring.";
    let docs = [
        (
            "w1",
            "Wire",
            "2024-03-01T09:00:00Z",
            Some("Night ferry to stop"),
            Some("https://wire.example/ferry"),
            format!("Ferry news. {STATEMENT} More soon."),
        ),
        (
            "g7",
            "Gazette",
            "2024-03-01T11:30:00Z",
            None,
            Some("http://gazette.example/7"),
            format!("Islanders were angry. {STATEMENT} The mayor said nothing."),
        ),
        (
            "h3",
            "Herald",
            "2024-03-02T08:00:00Z",
            Some("Ferry cut"),
            Some("javascript:alert(1)"),
            format!("Herald: {STATEMENT} Letters, page 4."),
        ),
        (
            "p2",
            "Post",
            "2024-03-02T10:00:00Z",
            None,
            None,
            format!("From the wires: {STATEMENT}"),
        ),
        (
            "e1",
            "Echo",
            "2024-04-01",
            Some("Library to reopen"),
            None,
            format!("Arts news. {other}"),
        ),
        (
            "e2",
            "Courier",
            "2024-04-03",
            None,
            None,
            format!("Reprinted: {other}"),
        ),
    ];
    docs.iter()
        .map(|(id, src, date, title, url, text)| {
            serde_json::json!({"id": id, "source": src, "date": date, "title": title, "url": url, "text": text})
                .to_string()
                + "\n"
        })
        .collect()
}

#[test]
fn the_html_report_links_out_with_headlines_an_overview_dates_and_a_network() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::write(p.join("docs.jsonl"), corpus()).unwrap();
    let o = run_in(p, &["report", "docs.jsonl", "-o", "r.html", "-q"]);
    assert_exit(&o, 0);
    let html = fs::read_to_string(p.join("r.html")).unwrap();
    // links to the articles, with the title as the headline
    assert!(html.contains(r#"<a href="https://wire.example/ferry" rel="noopener noreferrer" target="_blank">Night ferry to stop <small class="id">w1</small></a>"#), "{html}");
    assert!(html.contains(r#"<a href="http://gazette.example/7""#));
    assert!(
        !html.contains("javascript:"),
        "a javascript: URL became a link"
    );
    // the overview: a row per cluster, the ferry one headed by its earliest member's title
    assert_eq!(html.matches("<tr data-cluster=").count(), 2);
    assert!(
        html.contains(r##"<td><a href="#cluster-1">Night ferry to stop</a></td>"##),
        "{html}"
    );
    assert!(html.contains(r##"<a href="#cluster-2">Library to reopen</a>"##));
    for control in [
        r#"id="q""#,
        r#"id="coord""#,
        r#"id="outlet""#,
        "<option>Echo</option>",
    ] {
        assert!(html.contains(control), "{control}");
    }
    // the clusters are collapsed sections
    assert_eq!(html.matches(r#"<details class="cluster""#).count(), 2);
    // the timeline's axis has dates
    assert!(
        html.contains(r#"class="tick">2024-03-01 12:00</text>"#),
        "{html}"
    );
    assert!(!html.contains(">first</text>"));
    // the outlet network: Wire is first, so arrows leave it; none reaches it
    assert!(
        html.contains(r#"data-from="Wire" data-to="Gazette""#),
        "{html}"
    );
    assert!(!html.contains(r#"data-to="Wire""#));
    // the use of each copy
    assert!(html.contains("copied without credit"));
    // self-contained: nothing loaded from elsewhere
    for external in ["<link", "src=\"http", "@import"] {
        assert!(!html.contains(external), "{external}");
    }
}
