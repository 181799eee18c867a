use crate::util::*;
use std::fs;

#[test]
fn golden_text_report_on_the_example_folder() {
    let o = run_on_examples(&["find", "--color", "never"]);
    insta::assert_snapshot!("newsroom_text", ok_stdout(&o));
}

#[test]
fn golden_json_report_on_the_example_folder() {
    let o = run_on_examples(&["find", "--json"]);
    insta::assert_snapshot!("newsroom_json", ok_stdout(&o));
}

#[test]
fn piped_output_has_no_colour_and_no_colour_means_none() {
    for env in [None, Some("1")] {
        let mut c = chorus();
        c.arg("find").arg(examples());
        if let Some(v) = env {
            c.env("NO_COLOR", v);
        }
        let out = ok_stdout(&c.output().unwrap());
        assert!(out.contains("Cluster 1"), "{out}");
        assert!(!out.contains('\u{1b}'), "escape codes in piped output");
    }
    let o = run_on_examples(&["find", "--color", "always"]);
    assert!(stdout(&o).contains('\u{1b}'));
}

#[test]
fn json_lines_from_stdin_with_metadata_passed_through() {
    let o = run_piped(&["find", "-", "--json"], &jsonl_corpus());
    let out = ok_stdout(&o);
    let records: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let clusters = records_of(&out, "cluster");
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
    let pairs = records_of(&out, "pair");
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
    let corpus = jsonl_corpus();
    let mut lines: Vec<&str> = corpus.lines().collect();
    let first = run_piped(&["find", "-", "--json", "-j", "1"], &corpus);
    lines.reverse();
    let reversed = lines.join("\n") + "\n";
    let second = run_piped(&["find", "-", "--json", "-j", "2"], &reversed);
    let out = ok_stdout(&first);
    assert!(!records_of(&out, "cluster").is_empty(), "{out}");
    assert_eq!(out, stdout(&second));
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
    let o = run_in(dir.path(), &["find", "."]);
    assert_exit(&o, 1);
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
    let o = run_in(p, &["find", ".", "--json"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // A Latin-1 file is not bad input: it is decoded (see tests/daily.rs).
    assert!(!err.contains("latin1.txt"), "{err}");
    for needle in [
        "empty.txt",
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
    let o = run_in(dir.path(), &["find", "corpus.jsonl.gz", "--json"]);
    assert_eq!(records_of(&ok_stdout(&o), "cluster").len(), 1);
}

#[test]
fn wrong_flags_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    assert_exit(&run_in(dir.path(), &["find", ".", "--no-such-flag"]), 2);
    let o = run_in(dir.path(), &["find", ".", "--ngram", "0"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("n-gram"));
    let o = run_in(dir.path(), &["find", "does-not-exist"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("does-not-exist"));
}

/// `n` outlets print one statement, `hours_apart` hours after each other; each outlet's
/// documents carry its copyright line.
fn statement_corpus(n: usize, hours_apart: u64) -> String {
    let statement = "The ministry of transport confirmed on Friday that the northern rail line \
        will close for six weeks of urgent repairs after engineers found cracks in two of its \
        oldest bridges.";
    // filler text unique to each document (pseudo-random words), so that only the
    // statement and the copyright lines are shared
    const WORDS: [&str; 32] = [
        "harbour", "council", "garden", "market", "river", "school", "bridge", "festival",
        "orchard", "library", "station", "museum", "theatre", "bakery", "farmer", "teacher",
        "morning", "evening", "winter", "summer", "quietly", "slowly", "bright", "narrow",
        "opened", "closed", "painted", "visited", "repaired", "planted", "counted", "carried",
    ];
    let filler = |seed: u64| {
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut words = Vec::new();
        for _ in 0..18 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            words.push(WORDS[(x >> 59) as usize]);
        }
        words.join(" ") + "."
    };
    let mut out = String::new();
    for i in 0..n {
        let src = format!("outlet{i}");
        let copyright = format!(
            "Copyright 2025 Outlet {i} Media Group. All rights reserved. Reproduction prohibited without permission."
        );
        let t0 = 8 * 3600 + i as u64 * hours_apart * 3600;
        let date = |t: u64| {
            format!(
                "2025-05-{:02}T{:02}:{:02}:00Z",
                2 + t / 86400,
                (t % 86400) / 3600,
                (t % 3600) / 60
            )
        };
        out.push_str(
            &serde_json::json!({"id": format!("{src}-s"), "source": src, "date": date(t0),
                "text": format!("{} {statement}\n\n{copyright}", filler(i as u64 * 100))})
            .to_string(),
        );
        out.push('\n');
        for k in 0..3 {
            out.push_str(
                &serde_json::json!({"id": format!("{src}-{k}"), "source": src, "date": date(t0 + 600 + k),
                    "text": format!("{}\n\n{copyright}", filler(i as u64 * 100 + k + 1))})
                .to_string(),
            );
            out.push('\n');
        }
    }
    out
}

#[test]
fn five_outlets_within_two_hours_are_coordinated_and_copyright_lines_are_boilerplate() {
    let o = run_piped(
        &["find", "-", "--json", "--boilerplate"],
        &statement_corpus(5, 0),
    );
    let out = ok_stdout(&o);
    let clusters = records_of(&out, "cluster");
    assert_eq!(clusters.len(), 1, "{out}");
    let c = &clusters[0];
    assert_eq!(c["coordinated"], true);
    assert_eq!(c["members"].as_array().unwrap().len(), 5);
    // the five statements carry the same second: a tie, no earliest, no propagation
    assert_eq!(c["earliest"], serde_json::Value::Null);
    assert_eq!(c["earliest_unknown"]["reason"], "tie");
    assert_eq!(
        c["earliest_unknown"]["docs"],
        serde_json::json!([
            "outlet0-s",
            "outlet1-s",
            "outlet2-s",
            "outlet3-s",
            "outlet4-s"
        ])
    );
    assert_eq!(c["propagation"], serde_json::json!([]));
    assert_eq!(c["members"][0]["source"], "outlet0");
    assert_eq!(c["members"][0]["quoted"], false);
    assert!(
        c["text"]
            .as_str()
            .unwrap()
            .starts_with("The ministry of transport")
    );
    // every outlet's copyright line is listed as its boilerplate, and is in no cluster
    let boilerplate = records_of(&out, "boilerplate");
    assert_eq!(boilerplate.len(), 5, "{out}");
    assert!(
        boilerplate
            .iter()
            .all(|b| b["text"].as_str().unwrap().starts_with("Copyright 2025"))
    );
    assert_eq!(boilerplate[0]["members"].as_array().unwrap().len(), 4);
}

#[test]
fn five_outlets_over_three_weeks_are_not_coordinated() {
    // 5 outlets, 5 days apart: the statement spans 20 days
    let o = run_piped(&["find", "-", "--json"], &statement_corpus(5, 120));
    let clusters = records_of(&ok_stdout(&o), "cluster");
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["coordinated"], false);
    assert_eq!(clusters[0]["coordination"]["sources_in_window"], 1);
    // ... unless the window is widened to cover them
    let o = run_piped(
        &["find", "-", "--json", "--window", "21d"],
        &statement_corpus(5, 120),
    );
    assert_eq!(
        records_of(&ok_stdout(&o), "cluster")[0]["coordinated"],
        true
    );
}

#[test]
fn watch_alerts_exactly_once_also_across_restarts_and_posts_to_the_webhook() {
    use std::io::{BufRead, BufReader, Read, Write as _};
    use std::net::TcpListener;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let mut bodies = Vec::new();
        listener.set_nonblocking(false).unwrap();
        for stream in listener.incoming().take(1) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .unwrap();
            bodies.push(String::from_utf8(body).unwrap());
        }
        bodies
    });
    let dir = tempfile::tempdir().unwrap();
    let corpus = statement_corpus(7, 0);
    let lines: Vec<&str> = corpus.lines().collect();
    let (first, rest) = lines.split_at(4 * 4); // outlets 0..3, then 4..6
    let idx = dir.path().join("idx");
    let idx = idx.to_str().unwrap();
    let watch = |input: String, hook: bool| {
        let mut args = vec!["watch", "--index", idx, "-q"];
        if hook {
            args.extend(["--webhook", url.as_str()]);
        }
        run(&args, dir.path(), input.as_bytes())
    };
    let out = ok_stdout(&watch(first.join("\n") + "\n", true));
    assert_eq!(out, "", "four outlets are not yet coordinated");
    let out = ok_stdout(&watch(rest.join("\n") + "\n", true));
    let alerts: Vec<&str> = out.lines().collect();
    assert_eq!(alerts.len(), 1, "{out}");
    let alert: serde_json::Value = serde_json::from_str(alerts[0]).unwrap();
    assert_eq!(alert["kind"], "alert");
    assert_eq!(alert["cluster"]["coordinated"], true);
    let bodies = server.join().unwrap();
    assert_eq!(bodies.len(), 1);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&bodies[0]).unwrap()["kind"],
        "alert"
    );
    // a restart with another copy of the same statement does not alert again
    let again = statement_corpus(9, 0);
    let more: Vec<&str> = again.lines().skip(7 * 4).collect();
    assert_eq!(ok_stdout(&watch(more.join("\n") + "\n", false)), "");
    // ... though it did take the new documents in
    let o = run_in(dir.path(), &["index", "stats", "--json", "--index", idx]);
    let stats: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(stats["documents"], 7 * 4 + more.len());
}

#[test]
fn html_report_escapes_document_text() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let evil = format!("<script>alert('x')</script> {STATEMENT} <img src=x onerror=alert(1)>");
    fs::write(p.join("a.txt"), &evil).unwrap();
    fs::write(p.join("b.txt"), format!("Intro. {STATEMENT}")).unwrap();
    let o = run_in(
        p,
        &[
            "report", "a.txt", "b.txt", "-o", "r.html", "--csv", "r.csv", "-q",
        ],
    );
    assert_exit(&o, 0);
    let html = fs::read_to_string(p.join("r.html")).unwrap();
    // the one script is the report's own (search and filters)
    assert_eq!(html.matches("<script").count(), 1, "unescaped script tag");
    assert!(!html.contains("<script>alert"), "unescaped script tag");
    assert!(!html.contains("<img"), "unescaped img tag");
    assert!(html.contains("&lt;script&gt;"));
    assert!(html.contains("<mark>"));
    let csv = fs::read_to_string(p.join("r.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3);
}

#[test]
fn dedup_groups_reprints_and_writes_the_kept_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let story = format!(
        "{STATEMENT} Passengers will be offered a bus service at the same times, the board \
         said, and season tickets will be refunded in full. The islands' council said it \
         would ask the government to keep the ferry running through the winter months."
    );
    let docs = [
        ("wire", "2025-09-01T08:00:00Z", story.clone()),
        ("reprint", "2025-09-01T09:00:00Z", format!("Island news. {}", story.replace("full", "ful"))),
        ("other", "2025-09-01T10:00:00Z", "A story about the harvest festival and its prize marrows, judged on Saturday by the mayor.".to_string()),
    ];
    let corpus: String = docs
        .iter()
        .map(|(id, date, text)| {
            serde_json::json!({"id": id, "date": date, "text": text}).to_string() + "\n"
        })
        .collect();
    fs::write(dir.path().join("c.jsonl"), corpus).unwrap();
    let o = run_in(
        dir.path(),
        &["dedup", "c.jsonl", "--json", "--out", "kept.jsonl", "-q"],
    );
    let out = ok_stdout(&o);
    let groups = records_of(&out, "dup_cluster");
    assert_eq!(groups.len(), 1, "{out}");
    assert_eq!(groups[0]["docs"], serde_json::json!(["wire", "reprint"]));
    assert_eq!(groups[0]["keep"], "wire");
    let kept = fs::read_to_string(dir.path().join("kept.jsonl")).unwrap();
    let ids: Vec<String> = kept
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["wire", "other"]);
}

#[test]
fn low_memory_gives_the_same_reports_from_files_and_from_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("scratch");
    fs::create_dir(&scratch).unwrap();
    let mut corpus = statement_corpus(6, 1);
    corpus.push_str(&jsonl_corpus());
    fs::write(dir.path().join("c.jsonl"), &corpus).unwrap();
    let run_find = |extra: &[&str]| {
        let args = [&["find", "--json", "--boilerplate", "-q"], extra].concat();
        ok_stdout(&run_in(dir.path(), &args))
    };
    let memory = run_find(&["c.jsonl"]);
    assert!(records_of(&memory, "cluster").len() >= 2, "{memory}");
    assert_eq!(run_find(&["c.jsonl", "--compact-memory"]), memory);
    let s = scratch.to_str().unwrap();
    assert_eq!(
        run_find(&["c.jsonl", "--low-memory", "--scratch-dir", s]),
        memory
    );
    // the scratch folder is removed afterwards
    assert_eq!(fs::read_dir(&scratch).unwrap().count(), 0);
    // the text report reads the spooled texts too
    let text = |extra: &[&str]| {
        let args = [&["find", "c.jsonl", "--color", "never", "-q"], extra].concat();
        ok_stdout(&run_in(dir.path(), &args))
    };
    assert_eq!(text(&["--low-memory", "--scratch-dir", s]), text(&[]));
    // from an index: texts are read from its segments
    let o = run_in(
        dir.path(),
        &["index", "add", "c.jsonl", "--index", "idx", "-q"],
    );
    assert_exit(&o, 0);
    assert_eq!(run_find(&["--index", "idx"]), memory);
    assert_eq!(
        run_find(&["--index", "idx", "--low-memory", "--scratch-dir", s]),
        memory
    );
    // a scratch folder that cannot be used is an error that names it
    let o = run_in(
        dir.path(),
        &[
            "find",
            "c.jsonl",
            "--low-memory",
            "--scratch-dir",
            "no/such/dir",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no/such/dir"), "{}", stderr(&o));
}

#[test]
fn dedup_with_low_memory_gives_the_same_groups() {
    let dir = tempfile::tempdir().unwrap();
    let story = format!(
        "{STATEMENT} Passengers will be offered a bus service at the same times, the board \
         said, and season tickets will be refunded in full."
    );
    let corpus: String = [
        ("wire", story.clone()),
        (
            "reprint",
            format!("Island news. {}", story.replace("full", "ful")),
        ),
        (
            "other",
            "The harvest festival judged its prize marrows on Saturday.".to_string(),
        ),
    ]
    .iter()
    .map(|(id, text)| serde_json::json!({"id": id, "text": text}).to_string() + "\n")
    .collect();
    fs::write(dir.path().join("c.jsonl"), corpus).unwrap();
    let dedup = |extra: &[&str]| {
        let args = [&["dedup", "c.jsonl", "--json", "--pairs", "-q"], extra].concat();
        ok_stdout(&run_in(dir.path(), &args))
    };
    let memory = dedup(&["--out", "kept-memory.jsonl"]);
    assert!(memory.contains("dup_cluster"));
    assert_eq!(dedup(&["--low-memory", "--out", "kept-disk.jsonl"]), memory);
    assert_eq!(
        dedup(&["--compact-memory", "--out", "kept-compact.jsonl"]),
        memory
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("kept-disk.jsonl")).unwrap(),
        fs::read_to_string(dir.path().join("kept-memory.jsonl")).unwrap()
    );
}

#[test]
fn paraphrase_adds_reworded_members_and_says_how_each_was_found() {
    let story = "The harbour committee announced on Tuesday that the Brennick bridge will close \
        for structural repairs until the end of September. Engineers found corrosion in the \
        steel cables during an inspection carried out in March. Ferry operators will add extra \
        crossings between Ostvik and Lemmer while the bridge stays closed.";
    let reworded = "On Tuesday the committee of the harbour said the Brennick bridge is closing \
        until late September for repairs to its structure. Corrosion of the steel cables was \
        found by engineers inspecting the bridge in March. While the bridge is closed, \
        operators of ferries are adding crossings from Ostvik to Lemmer.";
    let corpus = [
        serde_json::json!({"id": "a", "text": format!("Local news. {story} Weather is fine.")}),
        serde_json::json!({"id": "b", "text": format!("Morning digest. {reworded} More later.")}),
        serde_json::json!({"id": "c", "text": format!("{story} Our desk adds nothing.")}),
    ]
    .iter()
    .map(|r| format!("{r}\n"))
    .collect::<String>();
    let plain = ok_stdout(&run_piped(&["find", "-", "--json"], &corpus));
    assert!(!plain.contains("\"match\""), "{plain}");
    assert!(!plain.contains("\"id\":\"b\""), "{plain}");
    let out = ok_stdout(&run_piped(
        &["find", "-", "--json", "--paraphrase"],
        &corpus,
    ));
    let clusters = records_of(&out, "cluster");
    assert_eq!(clusters.len(), 1, "{out}");
    let found: Vec<(&str, &str)> = clusters[0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["doc"].as_str().unwrap(), m["match"].as_str().unwrap()))
        .collect();
    assert_eq!(found, [("a", "exact"), ("b", "reworded"), ("c", "exact")]);
    let summary = records_of(&out, "summary");
    assert!(summary[0]["reworded_passages"].as_u64().unwrap() >= 1);
    // --lang sets every document's language: the same as detected here, and Russian (no
    // English stop words dropped, no stems) makes another report
    let lang = |l: &str| {
        ok_stdout(&run_piped(
            &["find", "-", "--json", "--paraphrase", "--lang", l],
            &corpus,
        ))
    };
    assert_eq!(lang("en"), out);
    assert_eq!(lang("auto"), out);
    assert_ne!(lang("ru"), out);
    let o = run_piped(&["find", "-", "--paraphrase", "--lang", "xx"], &corpus);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("en (english)"), "{}", stderr(&o));
}
