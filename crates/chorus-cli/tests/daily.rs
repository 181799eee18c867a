//! Daily use: a passim corpus as it comes, `query` on a web page, and the smaller things
//! (completions, man page, colour flags, counts in words or characters).

use crate::util::*;
use std::fs;

/// A corpus in passim's own input format: id, series, date, text and OCR pages with two
/// regions (character offsets): a masthead over the first five characters, before every
/// shared passage, and the body.
fn passim_corpus() -> String {
    let docs = [
        (
            "sn1/1883-01-04/p3",
            "sn1",
            "1883-01-04",
            format!("Local items. {STATEMENT} Grain prices."),
        ),
        (
            "sn2/1883-01-06/p1",
            "sn2",
            "1883-01-06",
            format!("From our exchanges: {STATEMENT}"),
        ),
        (
            "sn3/1883-01-09/p2",
            "sn3",
            "1883-01-09",
            format!("Très bien. {STATEMENT} The end."),
        ),
    ];
    docs.iter()
        .map(|(id, series, date, text)| {
            let n = text.chars().count();
            let regions = serde_json::json!([
                {"start": 0, "length": 5, "coords": {"x": 10, "y": 10, "w": 500, "h": 90}},
                {"start": 5, "length": n - 5, "coords": {"x": 10, "y": 100, "w": 500, "h": 900}}
            ]);
            let pages = serde_json::json!([{"id": format!("{id}#page"), "seq": 1,
                "width": 1000, "height": 1400, "dpi": 300, "regions": regions}]);
            serde_json::json!({"id": id, "series": series, "date": date, "text": text,
                "pages": pages})
            .to_string()
                + "\n"
        })
        .collect()
}

#[test]
fn a_passim_corpus_runs_without_flags_and_gives_passims_flat_rows() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("in.json"), passim_corpus()).unwrap();
    let o = run_in(
        dir.path(),
        &[
            "find",
            "in.json",
            "-q",
            "--out",
            "out.json",
            "--output-format",
            "passim",
        ],
    );
    assert_exit(&o, 0);
    let rows: Vec<serde_json::Value> = fs::read_to_string(dir.path().join("out.json"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    let keys: Vec<&str> = rows[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "cluster", "size", "id", "series", "date", "begin", "end", "text", "pages",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    let series: Vec<&str> = rows.iter().map(|r| r["series"].as_str().unwrap()).collect();
    assert_eq!(series, ["sn1", "sn2", "sn3"], "series read as the outlet");
    for r in &rows {
        assert_eq!(r["size"], 3);
        let (begin, end) = (r["begin"].as_u64().unwrap(), r["end"].as_u64().unwrap());
        let text = r["text"].as_str().unwrap();
        assert_eq!(
            (end - begin) as usize,
            text.chars().count(),
            "character offsets"
        );
        assert!(text.contains("night ferry between North Pier"));
        // only the region overlapping [begin, end) is kept: the body, not the masthead
        let regions = r["pages"][0]["regions"].as_array().unwrap();
        assert_eq!(regions.len(), 1, "{regions:?}");
        assert_eq!(regions[0]["start"], 5);
        assert_eq!(r["pages"][0]["dpi"], 300);
    }
    // sn3 opens with "Très bien. ": one character of two bytes before the passage.
    assert_eq!(
        rows[2]["byte_begin"].as_u64().unwrap(),
        rows[2]["begin"].as_u64().unwrap() + 1
    );

    // The same table as CSV has the same columns, pages as JSON text.
    let o = run_in(dir.path(), &["find", "in.json", "-q", "--out", "out.csv"]);
    assert_exit(&o, 0);
    let csv = fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert!(
        csv.starts_with(
            "cluster,size,id,series,date,begin,end,byte_begin,byte_end,text,title,url,quoted,reuse,pages\n"
        ),
        "{csv}"
    );
}

#[test]
fn query_reads_a_web_page_through_the_input_readers() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("news.jsonl"), jsonl_corpus()).unwrap();
    assert_exit(
        &run_in(dir.path(), &["index", "add", "news.jsonl", "-q"]),
        0,
    );
    let page = format!(
        "<!doctype html><html><head><title>Ferry to stop</title></head><body>\
         <nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>\
         <article><h1>Ferry to stop</h1><p>Our reporter writes from the harbour.</p>\
         <p><em>{STATEMENT}</em> Islanders said they would <b>fight</b> the decision, and the \
         council will meet on Monday to discuss what can be done for the winter months.</p>\
         <p>Season tickets will be refunded, the board said in a statement on its website.</p>\
         </article><footer>Copyright Harbour News</footer></body></html>"
    );
    fs::write(dir.path().join("page.html"), &page).unwrap();
    let o = run_in(dir.path(), &["query", "page.html", "--json"]);
    let out = ok_stdout(&o);
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let p = &first["passages"][0]["query"];
    let (b, e) = (p["begin"].as_u64().unwrap(), p["end"].as_u64().unwrap());
    assert!(
        b < e && (b as usize) < page.find("<em>").unwrap(),
        "offsets into the text, not the markup"
    );

    let text = ok_stdout(&run_in(dir.path(), &["query", "page.html"]));
    assert!(text.contains("The regional transport board"), "{text}");
    assert!(
        !text.contains("<em>") && !text.contains("</"),
        "no tags in snippets: {text}"
    );

    // --format forces a reader: read as plain text, the offsets are into the markup.
    let raw = ok_stdout(&run_in(
        dir.path(),
        &["query", "page.html", "--format", "text", "--json"],
    ));
    let first: serde_json::Value = serde_json::from_str(raw.lines().next().unwrap()).unwrap();
    let b = first["passages"][0]["query"]["begin"].as_u64().unwrap() as usize;
    assert!(b > page.find("<em>").unwrap(), "{raw}");

    // and the passages as a CSV table
    let o = run_in(dir.path(), &["query", "page.html", "--out", "hits.csv"]);
    assert_exit(&o, 0);
    let csv = fs::read_to_string(dir.path().join("hits.csv")).unwrap();
    assert!(
        csv.starts_with("rank,id,source,date,title,url,score,coverage,query_begin,"),
        "{csv}"
    );
}

#[test]
fn completions_and_man_pages_come_from_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let bash = ok_stdout(&run_in(dir.path(), &["completions", "bash"]));
    assert!(
        bash.contains("_chorus()") && bash.contains("--output-format"),
        "{bash}"
    );
    let zsh = ok_stdout(&run_in(dir.path(), &["completions", "zsh"]));
    assert!(zsh.starts_with("#compdef chorus"));
    let man = ok_stdout(&run_in(dir.path(), &["man"]));
    assert!(
        man.contains(".TH chorus 1") && man.contains("completions"),
        "{man}"
    );
    let find = ok_stdout(&run_in(dir.path(), &["man", "find"]));
    assert!(
        find.contains(".TH chorus-find 1") && find.contains("output\\-format"),
        "{find}"
    );
    assert_exit(&run_in(dir.path(), &["man", "--dir", "pages"]), 0);
    assert!(dir.path().join("pages/chorus-dedup.1").is_file());
    assert_exit(&run_in(dir.path(), &["man", "nope"]), 2);
}

#[test]
fn every_command_takes_color_and_counts_read_right() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("c.jsonl"), jsonl_corpus()).unwrap();
    assert_exit(&run_in(dir.path(), &["index", "add", "c.jsonl", "-q"]), 0);
    fs::write(dir.path().join("q.txt"), STATEMENT).unwrap();
    let esc = |args: &[&str]| stdout(&run_in(dir.path(), args)).contains('\u{1b}');
    for cmd in [
        &["dedup", "c.jsonl", "-q"][..],
        &["query", "q.txt"],
        &["find", "c.jsonl", "-q"],
    ] {
        let always = [cmd, &["--color", "always"]].concat();
        let never = [cmd, &["--color", "never"]].concat();
        assert!(esc(&always), "{cmd:?} --color always");
        assert!(!esc(&never), "{cmd:?} --color never");
    }
    for cmd in ["index", "report", "serve", "watch", "eval"] {
        let o = run_in(dir.path(), &[cmd, "--color", "never", "--help"]);
        assert_exit(&o, 0);
    }

    // A Chinese passage is counted in characters, a one-word one in the singular.
    let zh = "据新华社报道，国务院今天召开常务会议，研究部署进一步加强农村饮水安全工作，\
              会议指出各地要加快推进供水工程建设。";
    let docs: String = ["a", "b"]
        .iter()
        .map(|id| serde_json::json!({"id": id, "text": zh}).to_string() + "\n")
        .collect();
    fs::write(dir.path().join("zh.jsonl"), docs).unwrap();
    let out = ok_stdout(&run_in(dir.path(), &["find", "zh.jsonl", "-q"]));
    let n = zh.chars().filter(|c| c.is_alphanumeric()).count();
    assert!(
        out.contains(&format!("· 2 documents · {n} characters")),
        "{out}"
    );
    assert!(!out.contains(" words"), "{out}");
}
