//! `dedup` by the public stage API, composed by hand as a distributed engine would:
//! documents numbered by a sort of their keys, fingerprint groups and candidate pairs
//! processed in random order, each pair planned by `dedup_plan` and aligned when planned
//! so (or decided and formulas judged), `dedup_report` fed the passages and decisions in
//! random pair order. The report must equal `dedup`'s, field for field.

use chorus_core::report::write_dedup_jsonl;
use chorus_core::stages::{
    self, ByNumber, Candidate, DedupPlan, DedupRun, NgramsHeld, NumberingKey, PairAlignment,
    Posting, Recurrence, Sources, blocked_ranges,
};
use chorus_core::tokenize::Tokens;
use chorus_core::{Config, DedupConfig, DocNum, Document, Keep, NoProgress, dedup};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};

mod common;
use common::Rng;

const VOCAB: &[&str] = &[
    "council", "harbour", "budget", "storm", "repair", "vote", "school", "market", "river",
    "bridge", "train", "station", "mayor", "winter", "summer", "report", "police", "court",
    "price", "grain", "ship", "port", "road", "the", "a", "of", "and", "in", "to", "was",
];

fn words(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| {
            let w = VOCAB[rng.below(VOCAB.len())];
            if rng.below(3) == 0 {
                format!("{w}{}", rng.below(1000))
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn notice(company: &str, cents: usize, day: usize) -> String {
    format!(
        "{company} said its board declared a quarterly dividend of {cents} cts per share, \
         payable April {day} to holders of record April {}. The company said the dividend \
         is in line with the payout of the previous quarter and that the board will review \
         the dividend policy at its next regular meeting.",
        day - 10
    )
}

/// Stories with reprints (exact, with a typo, abridged, with a dateline), stories quoted
/// in part, dividend notices of one template (some reprinted), and unrelated documents.
fn corpus(seed: u64) -> Vec<Document> {
    let mut rng = Rng(seed);
    let mut docs = Vec::new();
    let companies = ["Meadow Co", "Harbor Mills Inc", "Delta Grain Corp"];
    for s in 0..2 + rng.below(3) {
        let len = 60 + rng.below(60);
        let story = format!("{}.", words(&mut rng, len));
        docs.push(story.clone());
        if s == 0 {
            // one reprint at least: the comparison is never between two empty reports
            docs.push(format!("LONDON, {s}. {story}"));
        }
        for _ in 0..rng.below(4) {
            docs.push(match rng.below(5) {
                0 => story.replacen(" the ", " teh ", 1),
                1 => story[..story.len() * 3 / 4].to_string(),
                2 => format!("LONDON, {s}. {story}"),
                3 => format!(
                    "{} \"{}\" {}",
                    words(&mut rng, 40),
                    &story[..story.len() / 3],
                    words(&mut rng, 40)
                ),
                _ => format!("{story} {}", words(&mut rng, 80)),
            });
        }
    }
    for (k, c) in companies.iter().enumerate().take(1 + rng.below(3)) {
        let n = notice(c, 10 + k * 7, 20 + k);
        docs.push(n.clone());
        if rng.below(2) == 0 {
            docs.push(format!("NEW YORK. {n}"));
        }
    }
    for _ in 0..rng.below(3) {
        docs.push(words(&mut rng, 50));
    }
    rng.shuffle(&mut docs);
    docs.into_iter()
        .enumerate()
        .map(|(i, text)| {
            let mut d = Document::new(format!("d{i}"), text);
            d.meta.source = Some(format!("outlet-{}", i % 3));
            if rng.below(4) > 0 {
                d.meta.date = Some(format!("2024-03-{:02}", 1 + rng.below(9)));
            }
            d
        })
        .collect()
}

fn by_stages(docs: &[Document], cfg: &DedupConfig, rng: &mut Rng) -> chorus_core::DedupReport {
    stages_with(docs, cfg, rng, false)
}

/// [`by_stages`]; with `skip_recurrence`, an engine that leaves out the recurrence of the
/// stock lines.
fn stages_with(
    docs: &[Document],
    cfg: &DedupConfig,
    rng: &mut Rng,
    skip_recurrence: bool,
) -> chorus_core::DedupReport {
    let find = &cfg.find;
    // numbering
    let mut keyed: Vec<(NumberingKey<'_>, usize)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (NumberingKey::new(&d.id, &d.meta, &d.text), i))
        .collect();
    keyed.sort();
    let inputs: Vec<u64> = keyed.iter().map(|&(_, i)| i as u64).collect();
    let by_num: BTreeMap<DocNum, Document> = keyed
        .iter()
        .enumerate()
        .map(|(d, &(_, i))| (DocNum(d as u32), docs[i].clone()))
        .collect();
    let sources = Sources::of(by_num.values().map(|d| &d.meta));
    // fingerprints and seed rules, groups in random order
    let mut groups: HashMap<u64, Vec<Posting>> = HashMap::new();
    let (mut tokens, mut postings) = (0, 0);
    let mut token_counts = Vec::new();
    for (d, doc) in &by_num {
        let f = stages::fingerprints(&doc.text, find);
        tokens += f.tokens;
        token_counts.push(f.tokens as u32);
        postings += f.fingerprints.len();
        for (pos, &fingerprint) in f.fingerprints.iter().enumerate() {
            groups.entry(fingerprint).or_default().push(Posting {
                fingerprint,
                doc: d.0,
                pos: pos as u32,
            });
        }
    }
    let mut groups: Vec<Vec<Posting>> = groups.into_values().collect();
    rng.shuffle(&mut groups);
    let mut seeds: HashMap<(DocNum, DocNum), Vec<(u32, u32)>> = HashMap::new();
    let mut boilerplate: HashMap<DocNum, Vec<u32>> = HashMap::new();
    for g in groups {
        let out = stages::fingerprint_seeds(&g, &sources, find);
        for s in out.seeds {
            seeds
                .entry((s.a, s.b))
                .or_default()
                .push((s.pos_a, s.pos_b));
        }
        for (d, pos) in out.boilerplate {
            boilerplate.entry(d).or_default().push(pos);
        }
    }
    let mut blocked = vec![Vec::new(); docs.len()];
    for (d, mut pos) in boilerplate {
        pos.sort_unstable();
        blocked[d.index()] = blocked_ranges(pos, find.align.ngram);
    }
    let mut pairs: Vec<_> = seeds.into_iter().collect();
    rng.shuffle(&mut pairs);
    let candidates: Vec<Candidate> = pairs
        .into_iter()
        .filter_map(|((a, b), s)| stages::candidate(a, b, s, find))
        .collect();
    // plan and align each pair
    let (mut aligned, mut decided, mut decided_passages) = (Vec::new(), Vec::new(), Vec::new());
    for c in &candidates {
        let (a, b) = (c.a.index(), c.b.index());
        let plan = stages::dedup_plan(
            c,
            (token_counts[a], token_counts[b]),
            &blocked[a],
            &blocked[b],
            cfg,
        );
        let passages = || -> Vec<PairAlignment> {
            let ta = Tokens::new(&by_num[&c.a].text);
            let tb = Tokens::new(&by_num[&c.b].text);
            stages::align_pair(&ta, &tb, c, &blocked[a], &blocked[b], find)
        };
        match plan {
            DedupPlan::Skip => {}
            DedupPlan::Align => aligned.push(passages()),
            DedupPlan::Decided(x, y) => {
                decided.push((c.a, c.b, x, y));
                if !find.keep_formulas {
                    decided_passages.push(passages());
                }
            }
        }
    }
    // pairs in random order, each pair's passages kept in order
    rng.shuffle(&mut aligned);
    rng.shuffle(&mut decided_passages);
    let stats = chorus_core::report::Stats {
        documents: docs.len(),
        bytes: docs.iter().map(|d| d.text.len()).sum(),
        tokens,
        postings,
        candidate_pairs: candidates.len(),
        boilerplate_spans: blocked.iter().map(Vec::len).sum(),
        ..Default::default()
    };
    let text_lens: Vec<usize> = by_num.values().map(|d| d.text.len()).collect();
    let view: &dyn ByNumber = &by_num;
    // the recurrence of the stock lines: the n-grams wanted, from all the passages; what
    // every document holds of them, in random partitions; merged in random order
    let all: Vec<PairAlignment> = aligned
        .iter()
        .chain(&decided_passages)
        .flatten()
        .cloned()
        .collect();
    let wanted = stages::dedup_stock_line_ngrams(view, &all, cfg).unwrap();
    let mut held: Vec<NgramsHeld> = Vec::new();
    for part in rng.partition(by_num.iter().collect()) {
        for (d, doc) in part {
            let t = Tokens::new(&doc.text);
            held.extend(stages::ngrams_held(*d, doc.meta.when(), &t, &wanted));
        }
    }
    rng.shuffle(&mut held);
    let recurrence = if skip_recurrence {
        Recurrence::default()
    } else {
        Recurrence::new(held)
    };
    let run = DedupRun {
        docs: view,
        inputs: &inputs,
        text_lens: &text_lens,
        token_counts: &token_counts,
        blocked: &blocked,
        recurrence: &recurrence,
        stats,
    };
    stages::dedup_report(
        &run,
        aligned.into_iter().flatten().collect(),
        decided,
        decided_passages.into_iter().flatten().collect(),
        cfg,
    )
    .unwrap()
}

fn config(variant: u8) -> DedupConfig {
    DedupConfig {
        find: Config {
            keep_formulas: variant & 1 == 1,
            ..Config::default()
        },
        containment: variant & 2 == 2,
        keep: [Keep::Earliest, Keep::Longest, Keep::First][(variant >> 2) as usize % 3],
        ..DedupConfig::default()
    }
}

fn jsonl(r: &chorus_core::DedupReport) -> String {
    let mut out = Vec::new();
    write_dedup_jsonl(r, true, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn dedup_by_stages_gives_dedups_report(seed in any::<u64>(), variant in 0u8..12, order in any::<u64>()) {
        let docs = corpus(seed);
        let cfg = config(variant);
        let want = dedup(&docs, &cfg, &NoProgress).unwrap();
        prop_assert!(!want.pairs.is_empty());
        let got = by_stages(&docs, &cfg, &mut Rng(order));
        prop_assert_eq!(jsonl(&got), jsonl(&want));
        prop_assert_eq!(got, want);
    }
}

#[test]
fn the_generated_corpora_group_reprints_and_decide_pairs_from_seeds() {
    // groups, pairs that are no duplicates and formula passages all occur
    let (mut groups, mut formulas, mut plans) = (0, 0, [0usize; 2]);
    for seed in 0..8 {
        let docs = corpus(seed);
        let cfg = config(0);
        let want = dedup(&docs, &cfg, &NoProgress).unwrap();
        groups += want.clusters.len();
        formulas += want.stats.formula_passages;
        let got = by_stages(&docs, &cfg, &mut Rng(seed));
        assert_eq!(got, want);
        for p in &want.pairs {
            plans[usize::from(p.duplicate)] += 1;
        }
    }
    assert!(groups >= 8, "{groups}");
    assert!(formulas > 0, "{formulas}");
    assert!(plans[0] > 0 && plans[1] > 0, "{plans:?}");
}

/// Stake filings on other days, two with the whole stock line "It said it may buy more
/// shares ...", the others with its first words only (too common to seed a pair,
/// `max_df`): the line is a formula by its recurrence over time (step 3 of the formula
/// decision), which the stages read from their recurrence stage.
#[test]
fn dedup_stages_judge_recurring_stock_lines() {
    let line = "It said it may buy more shares or sell some or all of its current stake.";
    let head = "It said it may buy more shares or";
    let filers = [
        ("Harbor Mills", "Dexter Corp", 5),
        ("Quinn Partners", "Lakeside Foods", 7),
        ("Orr Capital", "Tamarack Inc", 6),
        ("Vela Group", "Pioneer Gas", 9),
        ("Wendt Holdings", "Ashby Steel", 8),
        ("Corliss Fund", "Marsh Cable", 11),
        ("Ames Trust", "Fulton Paper", 12),
        ("Birch Equity", "Kellogg Mining", 14),
    ];
    let days = [2, 5, 9, 13, 20, 27, 29, 30];
    let docs: Vec<Document> = filers
        .iter()
        .zip(days)
        .enumerate()
        .map(|(i, ((who, what, pct), day))| {
            let tail = if i < 2 {
                line.to_string()
            } else {
                format!("{head} acquire a board seat, filer {i} added.")
            };
            let mut d = Document::new(
                format!("f{i}"),
                format!("{who} said it holds {pct} pct of {what} common stock. {tail} Reuter"),
            );
            d.meta.date = Some(format!("1987-03-{day:02}"));
            d
        })
        .collect();
    let mut cfg = config(0);
    cfg.find.seeds.max_df = 3;
    let want = dedup(&docs, &cfg, &NoProgress).unwrap();
    assert!(want.stats.formula_passages > 0);
    let skipped = stages_with(&docs, &cfg, &mut Rng(3), true);
    assert_ne!(jsonl(&skipped), jsonl(&want));
    for order in 0..4 {
        assert_eq!(
            jsonl(&by_stages(&docs, &cfg, &mut Rng(order))),
            jsonl(&want)
        );
    }
}
