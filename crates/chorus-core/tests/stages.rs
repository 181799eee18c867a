//! The public stage API composed by hand, as a distributed engine would: documents numbered
//! by a sort of their keys, fingerprinted in random partitions, fingerprint groups
//! processed in random partitions and order, candidate pairs and alignments in random
//! order. The report must serialise byte for byte as `find`'s.

use chorus_core::stages::{
    self, ByNumber, Candidate, NgramsHeld, NumberingKey, PairAlignment, Posting, Recurrence,
    Sources, blocked_ranges,
};
use chorus_core::tokenize::Tokens;
use chorus_core::{Config, DocNum, Document, NoProgress, Report, find};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};

mod common;
use common::Rng;

const VOCAB: &[&str] = &[
    "harbour",
    "council",
    "budget",
    "vote",
    "said",
    "the",
    "a",
    "of",
    "bridge",
    "repairs",
    "winter",
    "storm",
    "minister",
    "statement",
    "on",
    "Tuesday",
    "officials",
    "warned",
    "residents",
    "flooding",
    "schools",
    "percent",
    "spending",
    "debate",
    "plan",
    "city",
    "river",
    "market",
    "police",
    "report",
    "court",
    "ruling",
    "election",
    "campaign",
    "“quoted”",
    "\"plain\"",
    "—",
    "café",
    "2024",
    "and",
    "in",
    "to",
    "was",
    "for",
];

/// Between `min` and `min + spread - 1` words.
fn words(rng: &mut Rng, min: usize, spread: usize) -> String {
    let n = min + rng.below(spread);
    (0..n)
        .map(|_| {
            let w = VOCAB[rng.below(VOCAB.len())];
            // a few unique words so that filler rarely matches filler
            if rng.below(3) == 0 {
                format!("{w}{}", rng.below(1000))
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A corpus with planted passages (some copies with a typo, some quoted), dates (some missing or equal), outlets and URL hosts, and one outlet that ends
/// every story with the same footer (its boilerplate).
fn corpus(seed: u64, n_docs: usize) -> Vec<Document> {
    let mut rng = Rng(seed);
    let passages: Vec<String> = (0..1 + rng.below(3))
        .map(|_| format!("{}.", words(&mut rng, 25, 20)))
        .collect();
    let footer = "Copyright Example Wire all rights reserved, subscribe for more news today.";
    (0..n_docs)
        .map(|i| {
            let mut text = format!("{}. ", words(&mut rng, 10, 30));
            // the first passage is in the first three documents (of three outlets, so that
            // it is nobody's boilerplate), the others anywhere
            for (k, p) in passages.iter().enumerate() {
                if (k == 0 && i < 3) || (k > 0 && rng.below(3) == 0) {
                    // a typo in a plain word (a damaged number would be another specific)
                    let copy = if rng.below(4) == 0 {
                        p.replacen(" the ", " teh ", 1)
                    } else {
                        p.clone()
                    };
                    if rng.below(2) == 0 {
                        text.push_str(&format!("\"{copy}\" "));
                    } else {
                        text.push_str(&copy);
                        text.push(' ');
                    }
                    text.push_str(&words(&mut rng, 0, 15));
                    text.push_str(". ");
                }
            }
            let outlet = i % 4;
            if outlet == 0 {
                text.push_str(footer);
            }
            // a few duplicate ids and texts, to exercise every tie of the numbering
            let id = if i % 5 == 4 {
                format!("d{}", i - 1)
            } else {
                format!("d{i}")
            };
            let mut d = Document::new(id, text);
            if rng.below(4) > 0 {
                d.meta.source = Some(format!("outlet-{outlet}"));
            } else if rng.below(2) == 0 {
                d.meta.url = Some(format!("https://www.site{outlet}.example/story/{i}"));
            }
            if rng.below(5) > 0 {
                d.meta.date = Some(format!(
                    "2024-03-{:02}T{:02}:00:00Z",
                    1 + rng.below(4),
                    rng.below(24)
                ));
            }
            d
        })
        .collect()
}

/// The stages composed by hand, with random partitions and orders drawn from `rng`.
fn by_stages(docs: &[Document], cfg: &Config, rng: &mut Rng) -> Report {
    stages_with(docs, cfg, rng, false)
}

/// [`by_stages`]; with `skip_recurrence`, an engine that leaves out the recurrence of the
/// stock lines (the stage the test below shows is needed).
fn stages_with(docs: &[Document], cfg: &Config, rng: &mut Rng, skip_recurrence: bool) -> Report {
    // 1. numbering: a sort of the keys (ties by input position), made from shuffled pieces
    let mut keyed: Vec<(NumberingKey<'_>, usize)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (NumberingKey::new(&d.id, &d.meta, &d.text), i))
        .collect();
    rng.shuffle(&mut keyed);
    let mut keyed: Vec<_> = rng
        .partition(keyed)
        .into_iter()
        .flat_map(|mut piece| {
            piece.sort();
            piece
        })
        .collect();
    keyed.sort();
    let by_num: BTreeMap<DocNum, Document> = keyed
        .iter()
        .enumerate()
        .map(|(d, &(_, i))| (DocNum(d as u32), docs[i].clone()))
        .collect();
    let sources = Sources::of(by_num.values().map(|d| &d.meta));

    // 2. fingerprints, documents in random partitions and order
    let mut nums: Vec<DocNum> = by_num.keys().copied().collect();
    rng.shuffle(&mut nums);
    let mut groups: HashMap<u64, Vec<Posting>> = HashMap::new();
    let (mut tokens, mut postings) = (0, 0);
    for part in rng.partition(nums) {
        for d in part {
            let f = stages::fingerprints(&by_num[&d].text, cfg);
            tokens += f.tokens;
            postings += f.fingerprints.len();
            for (pos, &fingerprint) in f.fingerprints.iter().enumerate() {
                groups.entry(fingerprint).or_default().push(Posting {
                    fingerprint,
                    doc: d.0,
                    pos: pos as u32,
                });
            }
        }
    }

    // 3. seed rules, fingerprint groups in random partitions and order
    let mut groups: Vec<Vec<Posting>> = groups.into_values().collect();
    rng.shuffle(&mut groups);
    let mut seeds: HashMap<(DocNum, DocNum), Vec<(u32, u32)>> = HashMap::new();
    let mut boilerplate: HashMap<DocNum, Vec<u32>> = HashMap::new();
    for part in rng.partition(groups) {
        for mut g in part {
            rng.shuffle(&mut g);
            let out = stages::fingerprint_seeds(&g, &sources, cfg);
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
    }
    let mut pairs: Vec<_> = seeds.into_iter().collect();
    rng.shuffle(&mut pairs);
    let candidates: Vec<Candidate> = pairs
        .into_iter()
        .filter_map(|((a, b), mut s)| {
            rng.shuffle(&mut s);
            stages::candidate(a, b, s, cfg)
        })
        .collect();
    let blocked: Vec<(DocNum, Vec<(u32, u32)>)> = boilerplate
        .into_iter()
        .map(|(d, mut pos)| {
            pos.sort_unstable();
            (d, blocked_ranges(pos, cfg.align.ngram))
        })
        .collect();
    let no_ranges = Vec::new();
    let blocked_of = |d: DocNum| {
        blocked
            .iter()
            .find(|b| b.0 == d)
            .map_or(&no_ranges, |b| &b.1)
    };

    // 4. alignment, candidate pairs in random partitions
    let mut alignments: Vec<PairAlignment> = Vec::new();
    for part in rng.partition(candidates.clone()) {
        for c in part {
            let a = Tokens::new(&by_num[&c.a].text);
            let b = Tokens::new(&by_num[&c.b].text);
            alignments.extend(stages::align_pair(
                &a,
                &b,
                &c,
                blocked_of(c.a),
                blocked_of(c.b),
                cfg,
            ));
        }
    }
    rng.shuffle(&mut alignments);

    // the documents the report needs
    let needed: BTreeMap<DocNum, Document> = by_num
        .iter()
        .filter(|(d, _)| {
            // the paraphrase path compares every document's sentences
            cfg.paraphrase
                || alignments.iter().any(|p| p.a == **d || p.b == **d)
                || (cfg.list_boilerplate && !blocked_of(**d).is_empty())
        })
        .map(|(d, doc)| (*d, doc.clone()))
        .collect();
    let stats = chorus_core::report::Stats {
        documents: docs.len(),
        bytes: docs.iter().map(|d| d.text.len()).sum(),
        tokens,
        postings,
        candidate_pairs: candidates.len(),
        boilerplate_spans: blocked.iter().map(|b| b.1.len()).sum(),
        ..Default::default()
    };
    let view: &dyn ByNumber = &needed;

    // 5. the recurrence of the stock lines: the n-grams wanted, from the alignments; what
    // every document holds of them, in random partitions; merged in random order
    let wanted = stages::stock_line_ngrams(view, &alignments, cfg).unwrap();
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

    // 6. the report, from the documents it needs only
    stages::report(
        view,
        alignments,
        &blocked,
        &recurrence,
        &sources,
        stats,
        cfg,
    )
    .unwrap()
}

fn config(variant: u8) -> Config {
    let mut cfg = Config {
        list_boilerplate: variant & 1 == 1,
        paraphrase: variant & 8 == 8,
        ..Config::default()
    };
    if variant & 2 == 2 {
        // large groups link to hubs only
        cfg.seeds.full_pairs_df = 2;
        cfg.seeds.star_links = 1 + (variant as usize >> 2) % 2;
    }
    cfg
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn stages_composed_by_hand_give_finds_report(
        seed in any::<u64>(), n_docs in 4usize..14, variant in 0u8..16, order in any::<u64>()
    ) {
        let docs = corpus(seed, n_docs);
        let cfg = config(variant);
        let want = find(&docs, &cfg, &NoProgress).unwrap();
        // planted passages: the comparison is never between two empty reports
        prop_assert!(!want.clusters.is_empty());
        prop_assert!(want.stats.candidate_pairs > 0);
        let got = by_stages(&docs, &cfg, &mut Rng(order));
        prop_assert_eq!(
            serde_json::to_string(&got).unwrap(),
            serde_json::to_string(&want).unwrap()
        );
    }
}

/// A story, the same story reworded sentence by sentence, an exact copy of its first
/// half, and an unrelated text: the paraphrase path composed by stages gives `find`'s
/// report, reworded member included.
#[test]
fn stages_give_finds_report_with_reworded_passages() {
    let story = include_str!("../../../testdata/reworded/story.txt");
    let reworded = include_str!("../../../testdata/reworded/reworded.txt");
    let half = &story[..story.find(" Ferry").unwrap()];
    let docs = vec![
        Document::new("a-story", format!("Local news. {story} Weather is fine.")),
        Document::new(
            "b-reworded",
            format!("Morning digest. {reworded} More later."),
        ),
        Document::new("c-copy", format!("{half} Our desk adds nothing.")),
        Document::new(
            "d-other",
            "A gardening column about tomatoes and the late frost.",
        ),
    ];
    let cfg = Config {
        paraphrase: true,
        ..Config::default()
    };
    let want = find(&docs, &cfg, &NoProgress).unwrap();
    assert!(want.stats.reworded_passages > 0);
    for order in 0..4 {
        let got = by_stages(&docs, &cfg, &mut Rng(order));
        assert_eq!(
            serde_json::to_string(&got).unwrap(),
            serde_json::to_string(&want).unwrap()
        );
    }
}

#[test]
fn the_generated_corpora_have_boilerplate_and_star_links_to_compare() {
    // boilerplate is detected and listed
    let docs = corpus(7, 12);
    let cfg = config(1);
    let want = find(&docs, &cfg, &NoProgress).unwrap();
    assert!(want.stats.boilerplate_spans > 0);
    assert!(!want.boilerplate.is_empty());
    let got = by_stages(&docs, &cfg, &mut Rng(1));
    assert_eq!(
        serde_json::to_string(&got).unwrap(),
        serde_json::to_string(&want).unwrap()
    );
    // a passage in many documents, with hubs: every copy still joins one cluster
    let passage = "The harbour authority said on Monday that the old swing bridge will close \
                   for repairs until the end of the summer season, officials warned residents.";
    let docs: Vec<Document> = (0..8)
        .map(|i| {
            Document::new(
                format!("s{i}"),
                format!("Story {i} begins here. {passage} End {i}."),
            )
        })
        .collect();
    let cfg = config(2);
    let want = find(&docs, &cfg, &NoProgress).unwrap();
    assert_eq!(want.clusters.len(), 1);
    assert_eq!(want.clusters[0].members.len(), 8);
    let got = by_stages(&docs, &cfg, &mut Rng(2));
    assert_eq!(got, want);
}

/// Stake filings by other investors in other companies on other days, each with the stock
/// line "It said it may buy more shares ...", and more filings that print its first words
/// only (a frame too common to seed a pair, `max_df`): the two full copies are a formula
/// by the line's recurrence across the corpus over time (step 3 of the formula decision),
/// which the stages read from their recurrence stage. Printed within a day the line is a
/// statement, reuse.
#[test]
fn stages_give_finds_report_with_recurring_stock_lines() {
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
    let docs_on = |days: &[u32]| -> Vec<Document> {
        filers
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
                d.meta.source = Some(format!("wire-{i}"));
                d
            })
            .collect()
    };
    let cfg = Config {
        seeds: chorus_core::config::SeedLimits {
            max_df: 3,
            ..Config::default().seeds
        },
        ..Config::default()
    };
    let json = |r: &Report| serde_json::to_string(r).unwrap();
    // within a day: the two copies share the line as reuse
    let same_day = docs_on(&[3; 8]);
    let reuse = find(&same_day, &cfg, &NoProgress).unwrap();
    assert_eq!(reuse.clusters.len(), 1);
    assert_eq!(json(&by_stages(&same_day, &cfg, &mut Rng(5))), json(&reuse));
    // over a month: a formula, found through the recurrence only
    let spread = docs_on(&[2, 5, 9, 13, 20, 27, 29, 30]);
    let want = find(&spread, &cfg, &NoProgress).unwrap();
    assert!(want.clusters.is_empty());
    assert!(want.stats.formula_passages > 0);
    let skipped = stages_with(&spread, &cfg, &mut Rng(5), true);
    assert_eq!(skipped.clusters.len(), 1);
    for order in 0..4 {
        assert_eq!(
            json(&by_stages(&spread, &cfg, &mut Rng(order))),
            json(&want)
        );
    }
}
