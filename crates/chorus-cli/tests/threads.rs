//! The output does not depend on the number of worker threads (`-j`): `find` and `dedup`
//! on a corpus with planted reuse give the same bytes on 1 to 4 threads.

use crate::util::{records_of, run, stderr, stdout};

/// Pseudo-random words from syllables (512 of them), unique enough that documents share
/// only what is planted.
fn filler(seed: u64, words: usize) -> String {
    const SYLLABLES: [&str; 8] = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po"];
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(words);
    for _ in 0..words {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let w: String = (0..3)
            .map(|k| SYLLABLES[((x >> (k * 3)) & 7) as usize])
            .collect();
        out.push(w);
    }
    out.join(" ")
}

/// 60 documents from 12 sources over three days: 8 statements, each printed by 3 to 10
/// documents (some with a typo), and 6 whole-document reprints (near-duplicates).
fn corpus() -> String {
    let statements: Vec<String> = (0..8).map(|s| filler(1000 + s, 30) + ".").collect();
    let mut texts: Vec<String> = Vec::new();
    for d in 0..54u64 {
        let mut parts = vec![filler(d + 1, 40) + "."];
        for (s, statement) in statements.iter().enumerate() {
            let s = s as u64;
            if (d + s).is_multiple_of(6 + s) {
                let copy = if d % 3 == 0 {
                    statement.replacen("ka", "kka", 1)
                } else {
                    statement.clone()
                };
                parts.push(copy);
            }
        }
        parts.push(filler(d + 500, 25) + ".");
        texts.push(parts.join(" "));
    }
    for r in 0..6 {
        let original = texts[r * 7].clone();
        texts.push(format!("Reprinted. {}", original.replacen("lo", "llo", 1)));
    }
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let hour = i * 71 % 72;
            serde_json::json!({
                "id": format!("doc{i:02}"),
                "source": format!("outlet{}", i % 12),
                "date": format!("2025-03-{:02}T{:02}:00:00Z", 1 + hour / 24, hour % 24),
                "text": text,
            })
            .to_string()
                + "\n"
        })
        .collect()
}

/// Runs chorus with `args` and `-j threads` on the corpus; the exit code must be 0.
fn output(args: &[&str], threads: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.jsonl"), corpus()).unwrap();
    let mut all = args.to_vec();
    all.extend(["c.jsonl", "-q", "-j", threads]);
    let o = run(&all, dir.path(), b"");
    assert_eq!(o.status.code(), Some(0), "{all:?}: {}", stderr(&o));
    stdout(&o)
}

fn kinds(out: &str, kind: &str) -> usize {
    records_of(out, kind).len()
}

#[test]
fn find_gives_the_same_bytes_on_any_number_of_threads() {
    let one = output(&["find", "--json", "--boilerplate"], "1");
    assert!(kinds(&one, "cluster") >= 8, "{one}");
    assert!(kinds(&one, "pair") >= 8, "{one}");
    for j in ["2", "3", "4"] {
        assert_eq!(
            output(&["find", "--json", "--boilerplate"], j),
            one,
            "-j {j}"
        );
    }
    let text = output(&["find", "--color", "never"], "1");
    assert!(text.contains("Cluster 1"), "{text}");
    assert_eq!(output(&["find", "--color", "never"], "3"), text);
}

#[test]
fn dedup_gives_the_same_bytes_on_any_number_of_threads() {
    let one = output(&["dedup", "--json", "--pairs"], "1");
    assert_eq!(kinds(&one, "dup_cluster"), 6, "{one}");
    assert!(kinds(&one, "dup_pair") >= 6, "{one}");
    for j in ["2", "3", "4"] {
        assert_eq!(output(&["dedup", "--json", "--pairs"], j), one, "-j {j}");
    }
}
