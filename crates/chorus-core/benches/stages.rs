//! Per-stage throughput (MB/s of input text): normalize, tokenize, fingerprint, index,
//! align. Input: deterministic pseudo-English text built from the example folder's
//! vocabulary, with one passage planted in pairs of documents for the align stage.

use chorus_core::align::{AlignParams, align};
use chorus_core::fingerprint::ngram_fingerprints;
use chorus_core::index::NgramIndex;
use chorus_core::normalize::normalize;
use chorus_core::tokenize::Tokens;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

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

criterion_group!(benches, stages);
criterion_main!(benches);
