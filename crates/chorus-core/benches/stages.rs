//! Per-stage throughput (MB/s of input text): normalize, tokenize, fingerprint, index,
//! align. Input: deterministic pseudo-English text built from the example folder's
//! vocabulary, with one passage planted in pairs of documents for the align stage.
//!
//! With `CHORUS_STAGES_CORPUS=corpus.jsonl` (records with `text` and optional `source`),
//! the bench instead runs the `find` pipeline up to alignment once over that corpus and
//! prints each stage's wall time, MB/s and the process's resident memory after it, beside
//! the floor of splitting the original text into words
//! (`cargo bench -p chorus-core --bench stages`; BENCHMARKS-speed.md uses it). With
//! `CHORUS_STAGES_INDEX=tokens` the index is built by `NgramIndex::build_from_tokens`.

use chorus_core::align::{AlignParams, align, align_seeds_blocked};
use chorus_core::boilerplate::blocked_ranges;
use chorus_core::candidates::{Sources, candidates};
use chorus_core::fingerprint::ngram_fingerprints;
use chorus_core::index::NgramIndex;
use chorus_core::normalize::normalize;
use chorus_core::tokenize::Tokens;
use chorus_core::{Config, Document};
use criterion::{Criterion, Throughput, criterion_group};
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Instant;

const SEED_TEXT: &str = include_str!("../../../examples/newsroom/wire-service.txt");

/// `n` documents of about `words` words each, drawn from the seed vocabulary with a
/// linear congruential generator (deterministic, no dependencies).
fn corpus(n: usize, words: usize) -> Vec<String> {
    let vocab: Vec<&str> = SEED_TEXT.split_whitespace().collect();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..n)
        .map(|_| {
            let mut doc = String::with_capacity(words * 7);
            for i in 0..words {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                doc.push_str(vocab[(state >> 33) as usize % vocab.len()]);
                doc.push(if i % 17 == 16 { '\n' } else { ' ' });
            }
            doc
        })
        .collect()
}

fn stages(c: &mut Criterion) {
    let docs = corpus(200, 800);
    let bytes: u64 = docs.iter().map(|d| d.len() as u64).sum();
    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.bench_function("normalize", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| normalize(black_box(d)).text.len())
                .sum::<usize>()
        })
    });
    let norms: Vec<String> = docs.iter().map(|d| normalize(d).text).collect();
    g.bench_function("tokenize", |b| {
        b.iter(|| {
            norms
                .iter()
                .map(|n| Tokens::from_normalized(black_box(n.clone())).len())
                .sum::<usize>()
        })
    });
    let toks: Vec<Tokens> = docs.iter().map(|d| Tokens::new(d)).collect();
    g.bench_function("fingerprint", |b| {
        b.iter(|| {
            toks.iter()
                .map(|t| ngram_fingerprints(black_box(&t.hashes), 5).len())
                .sum::<usize>()
        })
    });
    let fps: Vec<Vec<u64>> = toks
        .iter()
        .map(|t| ngram_fingerprints(&t.hashes, 5))
        .collect();
    g.bench_function("index", |b| {
        b.iter(|| NgramIndex::build(black_box(&fps)).len())
    });
    // align: each document against a noisy copy of itself
    let copies: Vec<Tokens> = docs
        .iter()
        .map(|d| Tokens::new(&d.replace(" the ", " teh ").replace(" of ", " ")))
        .collect();
    let p = AlignParams::default();
    g.bench_function("align", |b| {
        b.iter(|| {
            toks.iter()
                .zip(&copies)
                .map(|(x, y)| align(black_box(x), black_box(y), &p).len())
                .sum::<usize>()
        })
    });
    g.finish();
}

/// `(VmRSS, VmHWM)` of this process in MB (0 where /proc is missing).
fn rss_mb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU seconds (user + system, all threads) this process has used, from /proc (0 where
/// it is missing): on a shared machine, MB per CPU-second is steadier than wall time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // fields after the command name (which ends with ')'): utime and stime are 12 and 13
    let rest = stat.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    f.iter().sum::<u64>() as f64 / 100.0
}

/// The pipeline of `find` up to alignment over a JSON Lines corpus, timed per stage.
fn corpus_stages(path: &str) {
    let text = std::fs::read_to_string(path).expect("readable corpus");
    let docs: Vec<Document> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON record");
            let mut d = Document::new(i.to_string(), v["text"].as_str().unwrap_or(""));
            d.meta.source = v["source"].as_str().map(str::to_string);
            d
        })
        .collect();
    drop(text);
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let mb = bytes as f64 / 1e6;
    let cfg = Config::default();
    println!(
        "corpus {path}: {} documents, {mb:.1} MB, {} threads",
        docs.len(),
        rayon::current_num_threads()
    );
    println!(
        "{:<22}{:>9}{:>9}{:>9}{:>11}{:>9}{:>9}  note",
        "stage", "wall s", "MB/s", "CPU s", "MB/CPU-s", "RSS MB", "peak MB"
    );
    let cpu_at = std::cell::Cell::new(cpu_seconds());
    let report = |stage: &str, t: Instant, note: String| {
        let s = t.elapsed().as_secs_f64();
        let now = cpu_seconds();
        let cpu = now - cpu_at.replace(now);
        let (rss, hwm) = rss_mb();
        println!(
            "{stage:<22}{s:>9.2}{:>9.1}{cpu:>9.2}{:>11.1}{rss:>9}{hwm:>9}  {note}",
            mb / s,
            mb / cpu.max(0.01)
        );
    };
    report("read", Instant::now(), String::new());

    let t = Instant::now();
    let norm: usize = docs.par_iter().map(|d| normalize(&d.text).text.len()).sum();
    report("normalize (alone)", t, format!("{norm} bytes"));

    // the floor: splitting the original text into words, no normalising, no hashing
    let t = Instant::now();
    let words: usize = docs
        .par_iter()
        .map(|d| {
            d.text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .count()
        })
        .sum();
    report("split words (floor)", t, format!("{words} words"));

    let t = Instant::now();
    let tokens: Vec<Tokens> = docs.par_iter().map(|d| Tokens::new(&d.text)).collect();
    let n_tokens: usize = tokens.iter().map(Tokens::len).sum();
    report("normalize+tokenize", t, format!("{n_tokens} tokens"));

    // CHORUS_STAGES_INDEX=tokens: NgramIndex::build_from_tokens (no fingerprint vectors)
    let index = if std::env::var("CHORUS_STAGES_INDEX").as_deref() == Ok("tokens") {
        let t = Instant::now();
        let index = NgramIndex::build_from_tokens(&tokens, cfg.align.ngram);
        report(
            "fingerprint+index",
            t,
            format!("{} postings, {} kept", index.len(), index.kept()),
        );
        index
    } else {
        let t = Instant::now();
        let fps: Vec<Vec<u64>> = tokens
            .par_iter()
            .map(|t| ngram_fingerprints(&t.hashes, cfg.align.ngram))
            .collect();
        report("fingerprint", t, String::new());
        let t = Instant::now();
        let index = NgramIndex::build(&fps);
        drop(fps);
        report(
            "index",
            t,
            format!("{} postings, {} kept", index.len(), index.kept()),
        );
        index
    };

    let t = Instant::now();
    // sources as `find` numbers them (the documents are in input order here)
    let sources = Sources::of(docs.iter().map(|d| &d.meta));
    let found = candidates(&index, &cfg.seeds, &sources).expect("in memory");
    drop(index);
    let seeds: usize = found.pairs.iter().map(|c| c.seeds.len()).sum();
    report(
        "candidates",
        t,
        format!(
            "{} pairs, {seeds} seeds, {} boilerplate occurrences",
            found.pairs.len(),
            found.boilerplate.len()
        ),
    );

    if std::env::var_os("CHORUS_STAGES_SEED_COVERAGE").is_some() {
        seed_coverage(&tokens, &found.pairs, cfg.align.ngram);
    }
    if std::env::var_os("CHORUS_STAGES_SKIP_ALIGN").is_some() {
        return;
    }
    let t = Instant::now();
    let mut blocked: Vec<Vec<(u32, u32)>> = vec![Vec::new(); docs.len()];
    for run in found.boilerplate.chunk_by(|x, y| x.0 == y.0) {
        blocked[run[0].0 as usize] = blocked_ranges(run.iter().map(|o| o.1), cfg.align.ngram);
    }
    let align_pair = |c: &chorus_core::candidates::Candidate| {
        let (a, b) = (c.a.index(), c.b.index());
        align_seeds_blocked(
            &tokens[a],
            &tokens[b],
            &c.seeds,
            &cfg.align,
            &blocked[a],
            &blocked[b],
        )
        .len()
    };
    if std::env::var_os("CHORUS_STAGES_SEED_COVERAGE").is_some() {
        // align time of the pairs whose better covered side has < 0.25 seed coverage
        let low = |c: &&chorus_core::candidates::Candidate| {
            let (ca, cb) = pair_seed_coverage(&tokens, c, cfg.align.ngram);
            ca.max(cb) < 0.25
        };
        let t = Instant::now();
        let p: usize = found
            .pairs
            .iter()
            .filter(low)
            .collect::<Vec<_>>()
            .par_iter()
            .map(|c| align_pair(c))
            .sum();
        report("align (cov < 0.25)", t, format!("{p} passages"));
    }
    let passages: usize = found.pairs.par_iter().map(align_pair).sum();
    report("align", t, format!("{passages} passages"));
}

/// The share of each document's tokens inside the n-grams a candidate pair shares.
fn pair_seed_coverage(
    tokens: &[Tokens],
    c: &chorus_core::candidates::Candidate,
    n: usize,
) -> (f64, f64) {
    let side = |len: usize, mut pos: Vec<u32>| {
        pos.sort_unstable();
        let (mut covered, mut end) = (0u32, 0u32);
        for p in pos {
            let (b, e) = (p.max(end), p + n as u32);
            if e > b {
                covered += e - b;
                end = e;
            }
        }
        covered as f64 / len.max(1) as f64
    };
    (
        side(
            tokens[c.a.index()].len(),
            c.seeds.iter().map(|s| s.0).collect(),
        ),
        side(
            tokens[c.b.index()].len(),
            c.seeds.iter().map(|s| s.1).collect(),
        ),
    )
}

/// How many candidate pairs their seeds alone decide for `dedup` (coverage 0.8 / slack
/// 0.25): the share of each document's tokens inside shared n-grams, per pair.
fn seed_coverage(tokens: &[Tokens], pairs: &[chorus_core::candidates::Candidate], n: usize) {
    let mut hist = [0usize; 11];
    let (mut sure_dup, mut sure_not) = (0usize, 0usize);
    for c in pairs {
        let (ca, cb) = pair_seed_coverage(tokens, c, n);
        let (hi, lo) = (ca.max(cb), ca.min(cb));
        hist[(hi * 10.0).floor().min(10.0) as usize] += 1;
        if hi >= 0.8 && lo >= 0.55 {
            sure_dup += 1;
        } else if hi < 0.25 {
            sure_not += 1;
        }
    }
    println!(
        "seed coverage of {} candidate pairs (better covered side, tenths): {hist:?}; \
         duplicates by seeds alone {sure_dup}, better side < 0.25: {sure_not}",
        pairs.len()
    );
}

criterion_group!(benches, stages);

fn main() {
    match std::env::var("CHORUS_STAGES_CORPUS") {
        Ok(path) => corpus_stages(&path),
        Err(_) => {
            benches();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
