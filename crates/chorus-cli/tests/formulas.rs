//! Formulaic language in `dedup`, `query` and `watch`: documents that share only a frame
//! with other specifics (dividend notices of different companies) are no near-duplicates,
//! no hits and no alert, while a notice reprinted with its own specifics still is reuse;
//! `--keep-formulas` takes formulas for reuse again.

use crate::util::{assert_exit, records_of, run, stdout};

const COMPANIES: [(&str, u32, &str, u32); 7] = [
    ("Meadow Co", 59, "January", 27),
    ("Harbor Mills Inc", 12, "April", 30),
    ("Copperfield Holdings", 31, "March", 18),
    ("Northgate Foods Corp", 8, "June", 22),
    ("Bellweather Rail Ltd", 44, "September", 29),
    ("Quincy Paper Co", 17, "November", 25),
    ("Ardmore Savings Bank", 26, "July", 19),
];

/// A dividend notice of one template, for company `k`.
fn notice(k: usize) -> String {
    let (company, cents, month, day) = COMPANIES[k];
    format!(
        "{company} said its board declared a quarterly dividend of {cents} cts per share, \
         payable {month} {day} to holders of record {month} {}. The company said the dividend \
         is in line with the payout of the previous quarter and that the board will review \
         its dividend policy at the next regular meeting.",
        day - 10
    )
}

/// One notice per company, each printed by an outlet of its own on one day, and (with
/// `reprint`) the first notice reprinted by another outlet.
fn notices(reprint: bool) -> String {
    let mut docs: Vec<(String, String, String)> = (0..COMPANIES.len())
        .map(|k| (format!("notice-{k}"), format!("outlet{k}"), notice(k)))
        .collect();
    if reprint {
        docs.push((
            "reprint-0".into(),
            "outlet9".into(),
            format!("Company news. {}", notice(0)),
        ));
    }
    docs.iter()
        .enumerate()
        .map(|(i, (id, src, text))| {
            serde_json::json!({"id": id, "source": src,
                "date": format!("2025-05-02T{:02}:00:00Z", 8 + i), "text": text})
            .to_string()
                + "\n"
        })
        .collect()
}

fn ids(records: &[serde_json::Value], field: &str) -> Vec<Vec<String>> {
    records
        .iter()
        .map(|r| {
            r[field]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn dedup_groups_reprints_not_notices_of_one_template() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = notices(true);
    let o = run(
        &["dedup", "-", "--json", "-q"],
        dir.path(),
        corpus.as_bytes(),
    );
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert_eq!(
        ids(&records_of(&out, "dup_cluster"), "docs"),
        [["notice-0", "reprint-0"]],
        "{out}"
    );
    let summary = &records_of(&out, "summary")[0];
    assert!(summary["formula_passages"].as_u64().unwrap() > 0, "{out}");
    // without the formula decision the template groups them all
    let o = run(
        &["dedup", "-", "--json", "-q", "--keep-formulas"],
        dir.path(),
        corpus.as_bytes(),
    );
    let groups = ids(&records_of(&stdout(&o), "dup_cluster"), "docs");
    assert_eq!(groups.len(), 1, "{}", stdout(&o));
    assert_eq!(groups[0].len(), COMPANIES.len() + 1);
}

#[test]
fn query_leaves_out_notices_of_other_companies_or_lists_them_marked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notices.jsonl"), notices(true)).unwrap();
    assert_exit(
        &run(&["index", "add", "notices.jsonl", "-q"], dir.path(), b""),
        0,
    );
    let text = format!("Markets today. {}", notice(0));
    let query = |flags: &[&str]| {
        let mut args = vec!["query", "-", "--json"];
        args.extend(flags);
        let o = run(&args, dir.path(), text.as_bytes());
        assert_exit(&o, 0);
        stdout(&o)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .collect::<Vec<_>>()
    };
    let hits = |recs: &[serde_json::Value]| -> Vec<String> {
        recs.iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    let out = query(&[]);
    let mut got = hits(&out);
    got.sort();
    assert_eq!(got, ["notice-0", "reprint-0"]);
    assert!(out.iter().all(|r| r.get("formula").is_none()));
    // listed on request, marked, after the reuse
    let listed = query(&["--formulas"]);
    assert_eq!(listed.len(), COMPANIES.len() + 1);
    assert!(listed[..2].iter().all(|r| r.get("formula").is_none()));
    for r in &listed[2..] {
        assert_eq!(r["formula"], true, "{r}");
        assert_eq!(r["score"], 0, "{r}");
        assert!(
            r["passages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["formula"] == true)
        );
    }
    assert_eq!(query(&["--keep-formulas"]).len(), COMPANIES.len() + 1);
    // the text output says what it left out
    let o = run(&["query", "-"], dir.path(), text.as_bytes());
    let out = stdout(&o);
    assert!(
        out.contains(
            "Also 6 documents sharing only formulaic language: left out (--formulas lists them)."
        ),
        "{out}"
    );
}

#[test]
fn watch_does_not_alert_on_notices_of_one_template() {
    let corpus = notices(false);
    let watch = |flags: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec!["watch", "--index", "idx", "-q"];
        args.extend(flags);
        let o = run(&args, dir.path(), corpus.as_bytes());
        assert_exit(&o, 0);
        stdout(&o)
    };
    assert_eq!(watch(&[]), "", "seven outlets printing one template");
    // as reuse, the same notices are coordinated messaging
    let out = watch(&["--keep-formulas"]);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("\"kind\":\"alert\""), "{out}");
}
