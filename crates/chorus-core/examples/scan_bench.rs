//! Time per byte of what a query does to each candidate's text before aligning it:
//! normalisation with the offset map, segmentation, and both with the token hashes
//! (`Tokens::refill`), over the `text` of the first N records of a JSON Lines corpus.
//!
//! ```text
//! cargo run --release -p chorus-core --example scan_bench -- corpus.jsonl [N=3000]
//! ```
//!
//! Each of five rounds prints its figures; the smallest are the least disturbed.

use chorus_core::normalize::normalize_reusing;
use chorus_core::tokenize::{Tokens, token_ranges_into};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: scan_bench corpus.jsonl [N]")?;
    let n: usize = args.next().map_or(Ok(3000), |v| v.parse())?;
    let mut texts = Vec::new();
    for line in std::fs::read_to_string(path)?.lines().take(n) {
        let v: serde_json::Value = serde_json::from_str(line)?;
        texts.push(
            v["text"]
                .as_str()
                .ok_or("a record without text")?
                .to_string(),
        );
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let (mut norm, mut map, mut ranges) = (String::new(), Vec::new(), Vec::new());
    let mut tokens = Tokens::default();
    for round in 0..5 {
        let (mut t_norm, mut t_ranges, mut t_refill) = (0.0, 0.0, 0.0);
        for t in &texts {
            let start = Instant::now();
            normalize_reusing(t, &mut norm, &mut map);
            let normalized = Instant::now();
            ranges.clear();
            token_ranges_into(&norm, &mut ranges);
            let segmented = Instant::now();
            tokens.refill(t, &mut map);
            t_norm += (normalized - start).as_secs_f64();
            t_ranges += (segmented - normalized).as_secs_f64();
            t_refill += segmented.elapsed().as_secs_f64();
        }
        let per_byte = |s: f64| s * 1e9 / bytes as f64;
        println!(
            "round {round}: {bytes} bytes; normalize {:.3} ns/B, token ranges {:.3} ns/B, \
             refill (both and the hashes) {:.3} ns/B",
            per_byte(t_norm),
            per_byte(t_ranges),
            per_byte(t_refill)
        );
    }
    Ok(())
}
