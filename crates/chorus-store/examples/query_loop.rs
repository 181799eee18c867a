//! Runs `IndexReader::query` over request bodies (one JSON object with a `text` per line, as
//! `bench/serve-load` writes them) and reports the time per query; with `--dump FILE`,
//! writes every report as JSON (one line per query) to compare the results of two builds.
//!
//! ```text
//! cargo run --release -p chorus-store --example query_loop -- INDEX BODIES \
//!     [--queries 3000] [--rounds 1] [--dump out.jsonl] [--serial] [--max-candidates N] [--unprepared]
//!     [--per-query times.tsv]
//! ```
//!
//! `--per-query` writes, for each query of the last round, its time in ms, words,
//! candidates, matches and passages (tab-separated), to see what the slow ones have in common.
//!
//! The mean of the fastest round is the figure least disturbed by other work on the machine.

use chorus_store::{IndexReader, QueryOptions};
use std::io::Write;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
    };
    let reader = IndexReader::open(&args[0])?;
    // as the server does, unless --unprepared
    if !args.iter().any(|a| a == "--unprepared") {
        let t = Instant::now();
        reader.prepare_for_serving();
        eprintln!(
            "prepared for serving in {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    let n: usize = opt("--queries").map_or(usize::MAX, |v| v.parse().expect("a number"));
    let rounds: usize = opt("--rounds").map_or(1, |v| v.parse().expect("a number"));
    let texts: Vec<String> = std::fs::read_to_string(&args[1])?
        .lines()
        .take(n)
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON body");
            v["text"].as_str().expect("a text").to_string()
        })
        .collect();
    // --serial: one thread per query, as the server runs them
    // --max-candidates 0: the candidate search alone (lookups and counting), no alignment
    let defaults = QueryOptions::default();
    let opts = QueryOptions {
        parallel: !args.iter().any(|a| a == "--serial"),
        max_candidates: opt("--max-candidates")
            .map_or(defaults.max_candidates, |v| v.parse().expect("a number")),
        ..defaults
    };
    let mut dump = opt("--dump")
        .map(std::fs::File::create)
        .transpose()?
        .map(std::io::BufWriter::new);
    let mut per_query = opt("--per-query")
        .map(std::fs::File::create)
        .transpose()?
        .map(std::io::BufWriter::new);
    let mut lat = Vec::with_capacity(texts.len() * rounds);
    let (mut matches, mut cands, mut bytes) = (0usize, 0usize, 0usize);
    let mut best_round = f64::INFINITY;
    let t0 = Instant::now();
    for round in 0..rounds {
        let tr = Instant::now();
        for t in &texts {
            let t1 = Instant::now();
            let r = reader.query(t, &opts)?;
            let json = serde_json::to_vec(&r)?;
            let ms = t1.elapsed().as_secs_f64() * 1e3;
            lat.push(ms);
            if round + 1 == rounds
                && let Some(f) = per_query.as_mut()
            {
                let passages: usize = r.matches.iter().map(|m| m.passages.len()).sum();
                writeln!(
                    f,
                    "{ms:.4}\t{}\t{}\t{}\t{passages}",
                    r.stats.query_words, r.stats.candidates, r.stats.matches
                )?;
            }
            matches += r.matches.len();
            cands += r.stats.candidates;
            bytes += json.len();
            if round == 0
                && let Some(d) = dump.as_mut()
            {
                d.write_all(&json)?;
                d.write_all(b"\n")?;
            }
        }
        best_round = best_round.min(tr.elapsed().as_secs_f64());
    }
    let total = t0.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1];
    let q = lat.len() as f64;
    println!(
        "{} queries in {total:.2} s: mean {:.3} ms (best round {:.3}), p50 {:.3}, p90 {:.3}, p99 {:.3}; {:.2} matches, {:.1} candidates, {:.0} response bytes per query",
        lat.len(),
        1e3 * total / q,
        1e3 * best_round / texts.len() as f64,
        pct(0.5),
        pct(0.9),
        pct(0.99),
        matches as f64 / q,
        cands as f64 / q,
        bytes as f64 / q
    );
    Ok(())
}
