use super::*;
use crate::progress::NoProgress;

const STORY: &str = "The regional council approved a new budget on Tuesday that raises \
    spending on schools by four percent. The vote followed a long debate about the cost \
    of repairing the harbour wall, which was damaged in the storms last winter. Council \
    members said the repairs would begin in the spring and take about six months. \
    Residents who live near the harbour have complained for years about flooding.";

#[test]
fn reprints_group_and_partial_quotes_do_not() {
    let docs = vec![
        Document::new("story", STORY),
        Document::new(
            "reprint",
            format!("Local desk. {}", STORY.replace("four", "4")),
        ),
        Document::new(
            "follow-up",
            "Weeks later the council met again. The vote followed a long debate about the \
             cost of repairing the harbour wall, which was damaged in the storms last \
             winter. Since then, nothing has happened and the fishermen are angry about \
             the delay, the lost income and the silence of the harbour office.",
        ),
        Document::new(
            "other",
            "A story about something else entirely, with no overlap.",
        ),
    ];
    let r = dedup(&docs, &DedupConfig::default(), &NoProgress).unwrap();
    assert_eq!(r.clusters.len(), 1, "{:?}", r.pairs);
    assert_eq!(r.clusters[0].docs, vec!["reprint", "story"]);
    assert_eq!(r.clusters[0].keep, "reprint");
    assert_eq!(r.dropped, vec![0]);
    assert_eq!(r.kept, vec![1, 2, 3]);
}

/// A long story; its heavy reprint below drops the sentences 4 to 6 and damages up to
/// three words in every eight.
const LONG_STORY: [&str; 12] = [
    "The regional council approved a new budget on Tuesday that raises spending on schools by four percent.",
    "The vote followed a long debate about the cost of repairing the harbour wall, which was damaged in the storms last winter.",
    "Council members said the repairs would begin in the spring and take about six months to complete.",
    "Residents who live near the harbour have complained for years about flooding in their cellars.",
    "A group of fishermen told the meeting that the broken wall had cost them two seasons of work.",
    "The harbour master warned that another winter could close the inner basin to boats.",
    "Opposition members argued that the money should come from the national government rather than local taxes.",
    "The finance officer replied that the national fund had rejected the application twice in three years.",
    "Teachers welcomed the rise in school spending but said it would not cover the new classrooms they need.",
    "Parents at the primary school on Mill Lane have collected signatures for a larger building since last autumn.",
    "The council will publish the detailed budget on its website next week and invite comments until the end of May.",
    "A final vote on the detailed plans for the harbour wall is expected at the meeting in early June.",
];

#[test]
fn a_heavy_reprint_that_dropped_sentences_is_a_duplicate() {
    let story = LONG_STORY.join(" ");
    // drop three sentences in the middle (bridged inside one passage) and replace a
    // letter (a typo: a fuzzy match) of the words at positions 5 to 7 of every 8 that
    // have four or more
    let kept: Vec<&str> = LONG_STORY
        .iter()
        .enumerate()
        .filter(|(i, _)| !(3..6).contains(i))
        .map(|(_, s)| *s)
        .collect();
    let reprint: Vec<String> = kept
        .join(" ")
        .split(' ')
        .enumerate()
        .map(|(i, w)| {
            if i % 8 >= 5 && w.len() >= 4 && w.chars().all(|c| c.is_ascii_lowercase()) {
                format!("{}x{}", &w[..1], &w[2..])
            } else {
                w.to_string()
            }
        })
        .collect();
    let docs = vec![
        Document::new("story", story),
        Document::new("reprint", reprint.join(" ")),
    ];
    // the dropped sentences make the story's side of the passage a third longer than
    // the reprint's: over the longer side the two are alike at 0.75 but not at 0.85,
    // while the reprint's side is matched nearly whole
    let cfg = DedupConfig {
        min_similarity: 0.85,
        ..DedupConfig::default()
    };
    let r = dedup(&docs, &cfg, &NoProgress).unwrap();
    // both sides covered whole: the dropped sentences are bridged inside the passage
    let p = &r.pairs[0];
    assert!(p.coverage_a > 0.95 && p.coverage_b > 0.95, "{p:?}");
    assert_eq!(r.clusters.len(), 1, "{:?}", r.pairs);
}

#[test]
fn containment_groups_a_story_inside_a_longer_article() {
    let long = format!(
        "{} And there is more: the mayor also spoke about parking, bus lanes, the new \
         library, the swimming pool that closed in March, the market square and the \
         planned cycle path along the river that has been delayed for three years now. \
         Shopkeepers on the high street asked for lower rents and longer opening hours, \
         teachers asked for smaller classes, and the football club asked for a new roof \
         over the north stand, which has leaked every autumn since it was built in the \
         nineteen sixties by a builder who went bankrupt before the work was finished.",
        STORY
    );
    // the story first, the longer article a day later
    let dated = |id: &str, text: &str, date: &str| {
        let mut d = Document::new(id, text);
        d.meta.date = Some(date.into());
        d
    };
    let docs = vec![
        dated("story", STORY, "2024-03-01"),
        dated("long", &long, "2024-03-02"),
    ];
    let plain = DedupConfig {
        containment: false,
        ..DedupConfig::default()
    };
    let r = dedup(&docs, &plain, &NoProgress).unwrap();
    assert!(r.clusters.is_empty(), "{:?}", r.pairs);
    let r = dedup(&docs, &DedupConfig::default(), &NoProgress).unwrap();
    assert_eq!(r.clusters.len(), 1);
    // the earliest member lies inside the other: the longer one, with its own text, is
    // kept
    assert_eq!(r.clusters[0].docs, ["story", "long"]);
    assert_eq!(r.clusters[0].keep, "long");
    assert_eq!(r.dropped, [0]);
}

#[test]
fn groups_are_not_joined_through_a_text_they_contain() {
    let d = |i: u32| DocNum(i);
    // 0 and 1 near-duplicates; 0 inside 2 (0.9), 1 inside 3 (0.95); 4 and 5 inside 2
    let root = groups_of(
        6,
        &[(d(0), d(1))],
        &[
            (d(0), d(2), 0.9),
            (d(1), d(3), 0.95),
            (d(4), d(2), 0.8),
            (d(5), d(2), 0.85),
        ],
    );
    // 0 and 1 join 3 (covering them best) only; 2 gathers what lies inside it alone
    assert_eq!(root[0], root[1]);
    assert_eq!(root[0], root[3]);
    assert_ne!(root[0], root[2]);
    assert_eq!(root[4], root[2]);
    assert_eq!(root[5], root[2]);
}

#[test]
fn working_data_on_disk_gives_the_same_groups() {
    let mut docs = crate::pipeline::tests::mixed_corpus();
    // reprints of three stories, one with a typo
    for (i, k) in [(3usize, 0usize), (7, 1), (12, 2)] {
        let mut d = docs[i].clone();
        d.id = format!("reprint-{k}");
        d.text = d.text.replacen("opens", "opnes", 1);
        docs.push(d);
    }
    let cfg = DedupConfig::default();
    let memory = dedup(&docs, &cfg, &NoProgress).unwrap();
    assert!(memory.clusters.len() >= 3);
    let dir = crate::testing::scratch_dir("dedup-disk");
    let disk = dedup_in(
        &docs,
        &cfg,
        &Storage::Disk {
            dir: dir.clone(),
            cache_bytes: 4096,
        },
        &NoProgress,
    )
    .unwrap();
    std::fs::remove_dir(&dir).unwrap();
    assert_eq!(disk, memory);
    let compact = dedup_in(&docs, &cfg, &Storage::Compact, &NoProgress).unwrap();
    assert_eq!(compact, memory);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
    /// A pair that `may_plan` turns down from its seed count is one `plan_of` skips,
    /// wherever its seeds lie (repeated positions, seeds in boilerplate, short documents).
    #[test]
    fn a_pair_turned_down_by_its_seed_count_is_skipped(
        len_a in 1u32..400,
        len_b in 1u32..400,
        raw in proptest::collection::vec((0u32..400, 0u32..400), 0..120),
        blocked_a in proptest::collection::vec((0u32..400, 0u32..40), 0..4),
        blocked_b in proptest::collection::vec((0u32..400, 0u32..40), 0..4),
        threshold in 0.3f64..1.0,
        slack in 0.0f64..0.6,
        containment in proptest::bool::weighted(0.5),
    ) {
        let cfg = DedupConfig { threshold, slack, containment, ..DedupConfig::default() };
        let n = cfg.find.align.ngram as u32;
        let ranges = |raw: Vec<(u32, u32)>, len: u32| {
            let mut r: Vec<(u32, u32)> = raw
                .into_iter()
                .map(|(s, l)| (s.min(len), (s + l).min(len)))
                .filter(|r| r.1 > r.0)
                .collect();
            r.sort_unstable();
            let mut out: Vec<(u32, u32)> = Vec::new();
            for (s, e) in r {
                match out.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => out.push((s, e)),
                }
            }
            out
        };
        let (ba, bb) = (ranges(blocked_a, len_a), ranges(blocked_b, len_b));
        let mut seeds: Vec<(u32, u32)> = raw
            .into_iter()
            .map(|(x, y)| (x % len_a.saturating_sub(n - 1).max(1), y % len_b.saturating_sub(n - 1).max(1)))
            .collect();
        seeds.sort_unstable();
        let a = (len_a, ba.as_slice());
        let b = (len_b, bb.as_slice());
        if !may_plan(&cfg, seeds.len(), a, b) {
            proptest::prop_assert!(matches!(plan_of(&cfg, &seeds, a, b), PairPlan::Skip));
        }
    }
}

#[test]
fn few_seeds_between_long_documents_are_turned_down() {
    let cfg = DedupConfig::default();
    // 10 seeds of 5 tokens cover at most 50 of 1000 tokens: under a quarter on both sides
    assert!(!may_plan(&cfg, 10, (1000, &[]), (1000, &[])));
    // ... but a quarter of a 200-token document
    assert!(may_plan(&cfg, 10, (1000, &[]), (200, &[])));
    // boilerplate aside, a 1000-token document with 800 blocked tokens has 200
    assert!(may_plan(&cfg, 10, (1000, &[(0, 800)]), (1000, &[])));
    // containment changes nothing: a contained side is covered well past the bound
    let plain = DedupConfig {
        containment: false,
        ..DedupConfig::default()
    };
    assert!(!may_plan(&plain, 10, (1000, &[]), (1000, &[])));
}

/// A dividend notice of the template the formula tests use, for `company`.
fn notice(company: &str, cents: u32, month: &str, day: u32) -> String {
    format!(
        "{company} said its board declared a quarterly dividend of {cents} cts per share, \
         payable {month} {day} to holders of record {month} {}. The company said the \
         dividend is in line with the payout of the previous quarter and that the board \
         will review the dividend policy at its next regular meeting.",
        day - 10
    )
}

#[test]
fn documents_sharing_only_a_formula_are_no_duplicates() {
    let docs = vec![
        Document::new("meadow", notice("Meadow Co", 59, "January", 27)),
        Document::new("harbor", notice("Harbor Mills Inc", 12, "April", 30)),
        // the same notice reprinted, with its own specifics
        Document::new(
            "meadow-reprint",
            format!("NEW YORK. {}", notice("Meadow Co", 59, "January", 27)),
        ),
    ];
    let r = dedup(&docs, &DedupConfig::default(), &NoProgress).unwrap();
    assert_eq!(r.clusters.len(), 1, "{:?}", r.pairs);
    assert_eq!(r.clusters[0].docs, vec!["meadow", "meadow-reprint"]);
    assert!(r.stats.formula_passages >= 2, "{:?}", r.stats);
    // the pairs of the two companies are listed, covered by no reuse
    let other: Vec<&DupPair> = r
        .pairs
        .iter()
        .filter(|p| p.a == "harbor" || p.b == "harbor")
        .collect();
    assert_eq!(other.len(), 2, "{:?}", r.pairs);
    assert!(
        other
            .iter()
            .all(|p| !p.duplicate && p.coverage_a == 0.0 && p.coverage_b == 0.0)
    );
    // without the decision the template groups them all
    let keep = DedupConfig {
        find: Config {
            keep_formulas: true,
            ..Config::default()
        },
        ..DedupConfig::default()
    };
    let r = dedup(&docs, &keep, &NoProgress).unwrap();
    assert_eq!(r.clusters.len(), 1, "{:?}", r.pairs);
    assert_eq!(r.clusters[0].docs.len(), 3);
    assert_eq!(r.stats.formula_passages, 0);
}
