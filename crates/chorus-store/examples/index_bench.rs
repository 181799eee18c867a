//! Measures an index on a JSON Lines corpus: ingest throughput, size on disk relative to the
//! text, and query latency for 4 KB articles. Used by `bench/index`.
//!
//! ```text
//! cargo run --release -p chorus-store --example index_bench -- CORPUS.jsonl INDEX_DIR \
//!     [--queries 1000] [--query-bytes 4096] [--batch-mb 64] [--load-budget-mb N] [--reuse]
//!     [--max-candidates 32] [--min-shared 3] [--max-df 1000]
//! ```
//! Prints one line of JSON with the measurements.

use chorus_core::Document;
use chorus_input::{ReadOptions, read_inputs};
use chorus_store::{IndexOptions, IndexReader, IndexWriter, QueryOptions};
use std::path::PathBuf;
use std::time::Instant;

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .map(|i| args[i + 1].parse().expect("a number"))
        .unwrap_or(default)
}

fn window(text: &str, len: usize) -> &str {
    let mut b = (text.len() - len) / 2;
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    let mut e = (b + len).min(text.len());
    while !text.is_char_boundary(e) {
        e -= 1;
    }
    &text[b..e]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let corpus = PathBuf::from(&args[0]);
    let index = PathBuf::from(&args[1]);
    let n_queries = arg(&args, "--queries", 1000);
    let qbytes = arg(&args, "--query-bytes", 4096);
    let batch_bytes = arg(&args, "--batch-mb", 64) << 20;
    let reuse = args.iter().any(|a| a == "--reuse");
    // postings held in memory before a load spills them (0: the writer's default)
    let budget_mb = arg(&args, "--load-budget-mb", 0);

    // ingest (skipped with --reuse when the index exists)
    let mut ingest_s = f64::NAN;
    let mut text_bytes = 0usize;
    let mut sample: Vec<String> = Vec::new();
    let mut seen = 0usize;
    let build = !(reuse && index.join("MANIFEST").exists());
    if build && index.exists() {
        std::fs::remove_dir_all(&index)?;
    }
    let t0 = Instant::now();
    let mut writer = if build {
        let mut w = IndexWriter::open(&index, IndexOptions::default())?;
        if budget_mb > 0 {
            w.set_load_budget(budget_mb << 20);
        }
        Some(w)
    } else {
        None
    };
    let mut batch: Vec<Document> = Vec::new();
    let mut bb = 0usize;
    let mut failed = None;
    read_inputs(
        &[&corpus],
        &ReadOptions::default(),
        |d| {
            text_bytes += d.text.len();
            if d.text.len() >= qbytes + 512 {
                seen += 1;
                // every 7th long document, up to the number of queries
                if seen.is_multiple_of(7) && sample.len() < n_queries {
                    sample.push(window(&d.text, qbytes).to_string());
                }
            }
            if let Some(w) = writer.as_mut() {
                bb += d.text.len();
                batch.push(d);
                if bb >= batch_bytes {
                    bb = 0;
                    if let Err(e) = w.add_to_load(std::mem::take(&mut batch)) {
                        failed = Some(e);
                    }
                }
            }
        },
        |p| eprintln!("input problem: {p}"),
    )?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    if let Some(mut w) = writer.take() {
        if !batch.is_empty() {
            w.add_to_load(std::mem::take(&mut batch))?;
        }
        // as `chorus index add` does: the batches of the load become one segment
        let tm = std::time::Instant::now();
        let merged = w.merge_added()?;
        ingest_s = t0.elapsed().as_secs_f64();
        eprintln!(
            "ingested in {ingest_s:.1} s (of which {:.1} s committing, merging {merged} segments), {} segments",
            tm.elapsed().as_secs_f64(),
            w.segment_count()
        );
    }

    let t = Instant::now();
    let reader = IndexReader::open(&index)?;
    let open_ms = t.elapsed().as_secs_f64() * 1e3;
    let stats = reader.stats()?;
    let opts = QueryOptions {
        max_candidates: arg(
            &args,
            "--max-candidates",
            QueryOptions::default().max_candidates,
        ),
        min_shared: arg(&args, "--min-shared", QueryOptions::default().min_shared),
        max_df: arg(&args, "--max-df", QueryOptions::default().max_df),
        ..QueryOptions::default()
    };
    for q in sample.iter().take(20) {
        reader.query(q, &opts)?;
    }
    let mut lat = Vec::with_capacity(sample.len());
    let mut matches = 0usize;
    let mut cands = 0usize;
    for q in &sample {
        let t = Instant::now();
        let r = reader.query(q, &opts)?;
        lat.push(t.elapsed().as_secs_f64() * 1e3);
        matches += r.matches.len();
        cands += r.stats.candidates;
    }
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1];
    let out = serde_json::json!({
        "documents": stats.documents,
        "text_mb": text_bytes as f64 / 1e6,
        "ingest_s": ingest_s,
        "ingest_mb_s": text_bytes as f64 / 1e6 / ingest_s,
        "bytes_on_disk": stats.bytes_on_disk,
        "size_ratio": stats.bytes_on_disk as f64 / text_bytes as f64,
        "segments": stats.segments,
        "open_ms": open_ms,
        "queries": lat.len(),
        "p50_ms": pct(0.5),
        "p90_ms": pct(0.9),
        "p99_ms": pct(0.99),
        "max_ms": lat.last().copied().unwrap_or(f64::NAN),
        "mean_matches": matches as f64 / lat.len().max(1) as f64,
        "mean_candidates": cands as f64 / lat.len().max(1) as f64,
    });
    println!("{out}");
    Ok(())
}
