//! Unit tests of the formula decision (texts written for them).

use super::reissue::{clean, one_edit};
use super::reworded::{COPIED_RUN, copied, reworded_days_apart, reworded_formula, shared_run};
use super::*;
use crate::normalize::normalize;
use crate::when::When;

fn side(text: &str) -> SideSpecifics {
    let n = normalize(text);
    let t = Tokens::from_normalized(n.text.clone());
    SideSpecifics::of(&t, &n.map, text, (0, t.len() as u32))
}

/// One passage over the whole of two texts, documents 0 and 1.
fn whole_texts(a: &str, b: &str) -> [(Occurrence, Occurrence); 1] {
    let at = |doc: u32, text: &str| Occurrence {
        doc: DocNum(doc),
        span: Span::new(0, text.len()),
    };
    [(at(0, a), at(1, b))]
}

fn formula(a: &str, b: &str) -> bool {
    judge(&side(a), &side(b), &|_, _| true).formula
}

#[test]
fn templates_with_other_specifics_are_formulas() {
    for (a, b) in [
        (
            "Meadow Co said its board declared a quarterly dividend of 59 cts per share, \
             payable January 27 to holders of record January 7.",
            "Harbor Mills Inc said its board declared a quarterly dividend of 12 cts per \
             share, payable April 30 to holders of record April 15.",
        ),
        (
            "On nous prie d'annoncer le décès de M. Alphonse Bill, pharmacien, décédé le \
             31 décembre, dans sa 78e année.",
            "On nous prie d'annoncer le décès de M. Lucien Oakridge, pharmacien, décédé le \
             5 janvier, dans sa 71e année.",
        ),
        (
            "WEATHER -- Thornton: Rain today with a high near 82. Tonight, a low around 58.",
            "WEATHER -- Petrov: Rain today with a high near 83. Tonight, a low around 60.",
        ),
    ] {
        assert!(formula(a, b), "{a} / {b}");
        assert!(formula(b, a), "{b} / {a}");
    }
}

#[test]
fn a_reworded_template_has_other_figures_on_both_sides() {
    let reworded = |a: &str, b: &str| {
        let (x, y) = (side(a), side(b));
        reworded_formula(&x, &y) && reworded_formula(&y, &x)
    };
    // one template filled for two events, reworded around its slots
    assert!(reworded(
        "The Commodity Credit Corporation accepted bids for export bonuses to cover \
         sales of 25,500 tonnes of wheat to Yemen at 38.50 dlrs per tonne, the \
         department said.",
        "The department said the Commodity Credit Corporation accepted bonus bids \
         covering 150,250 tonnes of wheat for sale to Egypt, at 41.20 dlrs a tonne.",
    ));
    // the same story rewritten: its figures kept (one of them damaged) ...
    assert!(!reworded(
        "Harbor Mills said it sold 25,000 tonnes of wheat to Yemen for 3.2 mln dlrs.",
        "Yemen bought 25,000 tonnes of wheat from Harbor Milis, paying 3.2 mln dlrs.",
    ));
    // ... or dropped by the shorter rewrite, whose names are its own
    assert!(!reworded(
        "Some argue that taking 1-1/8 pct down to 13/16 pct is debt forgiveness, \
         a Reagan administration official said.",
        "He said cutting the spread is no debt forgiveness for the U.S. Debt strategy.",
    ));
}

#[test]
fn copies_are_not_formulas() {
    let story = "Mayor Ines Calder said on Tuesday that the council of Harbor City would \
                 spend 40 million dollars on the Dock Street mains before 2027, and that \
                 the Water Authority had agreed.";
    for copy in [
        story.to_string(),
        // OCR damage in names and words: fuzzy matches, not other specifics
        story
            .replace("Calder", "Caldcr")
            .replace("Street", "Strcet"),
        // sentence-initial capitals and case changes alone are no specifics
        story.replace("Mayor", "MAYOR"),
    ] {
        assert!(!formula(story, &copy), "{copy}");
        assert!(!formula(&copy, story), "{copy}");
    }
    // an updated number in a long identical text
    let long = format!(
        "{story} The work will close two lanes of the road for most of the summer, and \
         residents were asked to keep their water boiled until the new pipes are tested \
         and the old ones are taken out of service by the crews of the authority."
    );
    let updated = long.replacen("40", "45", 1);
    assert!(!formula(&long, &updated));
    // the same update in a short text is a change of specifics like a template's
    assert!(formula(
        "It will cost 40 million dollars in 2027.",
        "It will cost 45 million dollars in 2028."
    ));
}

#[test]
fn a_periodic_report_days_apart_is_no_reissue() {
    // two issues of a weekly report: other figures in every sentence, but one long
    // stretch of the same text naming the same board
    let week = |out: &str, ended: &str, prev: &str, rise: &str| {
        format!(
            "Northern grid companies generated {out} gigawatt-hours in the week ended \
             {ended}, up {rise} pct from a year earlier, the Marlow Power Board (MPB) \
             said. In its weekly report on output the board of the Marlow region said \
             that output in the week ended {prev} had been a little lower than expected \
             by the members of the board."
        )
    };
    let a = week("48.31", "March 14", "March 7", "4.9");
    let b = week("47.68", "April 4", "March 28", "11.1");
    let (sa, sb) = (side(&a), side(&b));
    let mut j = judge(&sa, &sb, &|_, _| true);
    assert!(j.formula && long_shared_run(&j, &[]) && !clean(&j));
    // the aligner left the slots' values unmatched, and nothing else
    j.unmatched = Some(j.differing);
    assert!(clean(&j));
    let occurrences = whole_texts(&a, &b);
    let judged = [j];
    // printed within a day: an updated reissue, reuse; days apart: a formula
    assert_eq!(
        decide_with_frame(&occurrences, &judged, &frame_evidence(&judged), &|_, _| {
            false
        })
        .0,
        [false]
    );
    assert_eq!(
        decide_with_frame(&occurrences, &judged, &frame_evidence(&judged), &|_, _| {
            true
        })
        .0,
        [true]
    );
    // an edited copy reprinted weeks later (the aligner also left two plain words
    // unmatched per differing specific: words dropped, inserted, misread): the long
    // shared stretch keeps it reuse
    let damaged = [Judgement {
        unmatched: Some(3 * judged[0].differing),
        ..judged[0].clone()
    }];
    assert_eq!(
        decide_with_frame(
            &occurrences,
            &damaged,
            &frame_evidence(&damaged),
            &|_, _| true
        )
        .0,
        [false]
    );
    let at = |d: i64| Some(When::instant(d * 24 * 3600));
    assert!(!dated_apart(at(3), at(4)));
    assert!(dated_apart(at(3), at(5)));
    assert!(dated_apart(at(5), at(3)));
    assert!(!dated_apart(at(3), None));
    // a date-only value is its whole day: not certainly two days before day 5
    assert!(!dated_apart(Some(When::day(3 * 24 * 3600)), at(5)));
}

#[test]
fn a_damaged_reprint_days_apart_stays_reuse() {
    // a results table reprinted weeks later with digits dropped and misread: its
    // differing specifics are one edit from the original's, no other values
    let table = |net: &str, year: &str, shrs: &str, revs: &str| {
        format!(
            "Harlow Instruments Corp said quarterly results were in line with the forecast \
             that Harlow Instruments gave to its holders at the annual meeting in Denver \
             last month, the company said in a statement. Qtr Net {net} vs \
             2,885,000 Revs 50.7 mln vs 46.5 mln Avg shrs 9,396,000 vs 9,270,000 Year \
             Oper shr 96 cts vs 99 cts Oper net {year} vs 9,220,000 Avg shrs {shrs} vs \
             9,270,000 Revs {revs} mln vs 174.7 mln"
        )
    };
    let a = table("2,245,000", "8,994,000", "9,396,000", "191.5");
    let b = table("2,45,000", "8,994,00", "9,39,000", "19.5");
    let mut j = judge(&side(&a), &side(&b), &|_, _| true);
    j.unmatched = Some(j.differing);
    assert!(j.formula && j.damaged && !clean(&j) && !j.refilled && long_shared_run(&j, &[]));
    let occurrences = whole_texts(&a, &b);
    let judged = [j];
    assert_eq!(
        decide_with_frame(&occurrences, &judged, &frame_evidence(&judged), &|_, _| {
            true
        })
        .0,
        [false]
    );
    // the next quarter's table: other values in the same slots
    let c = table("3,117,000", "10,412,000", "9,512,000", "203.8");
    let mut j = judge(&side(&a), &side(&c), &|_, _| true);
    j.unmatched = Some(j.differing);
    assert!(j.formula && !j.damaged && clean(&j));
    assert!(one_edit("885", "85") && one_edit("191", "19") && one_edit("denver", "dunver"));
    assert!(!one_edit("245", "117") && !one_edit("191", "91x") && !one_edit("march", "april"));
}

#[test]
fn damaged_specifics_are_the_same_specifics() {
    let story = "Mayor Ines Calder said on Tuesday that the council of Harbor City would \
                 spend 40 million dollars on the Dock Street mains.";
    // a transposed name and an OCR-damaged number: two edits, or too short for the
    // aligner's fuzzy equality
    let copy = story.replace("Calder", "Caldre").replace("40", "4O");
    assert!(!formula(story, &copy), "{copy}");
    assert!(near_equal("teh963", "the963"));
    assert!(near_equal("smtih", "smith"));
    assert!(!near_equal("30", "31"));
    assert!(!near_equal("petrov", "peters"));
    assert!(!near_equal("12", "21"));
    // the same number in words and in digits, in the languages of the corpora
    assert!(near_equal("three", "3"));
    assert!(near_equal("3", "three"));
    assert!(near_equal("trois", "3"));
    assert!(near_equal("zwölf", "12"));
    assert!(!near_equal("three", "4"));
    assert!(!near_equal("three", "two"));
    assert!(!near_equal("sept", "7"));
}

#[test]
fn names_of_a_reprinted_story_are_no_frame_words() {
    let occ = |d: u32| Occurrence {
        doc: DocNum(d),
        span: Span::new(0, 300),
    };
    // four copies of one story sharing its four names; two pairs damaged in a name
    // each side, judged formulas by their specifics
    let pairs = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)];
    let occurrences: Vec<_> = pairs.iter().map(|&(x, y)| (occ(x), occ(y))).collect();
    let judged: Vec<Judgement> = pairs
        .iter()
        .map(|&p| {
            let formula = p == (0, 1) || p == (2, 3);
            Judgement {
                formula,
                differing: if formula { 2 } else { 0 },
                unmatched: None,
                damaged: false,
                refilled: false,
                shared: vec![10, 11, 12, 13],
                region: [None, None],
                first_side: None,
            }
        })
        .collect();
    assert_eq!(
        decide(&occurrences, &judged),
        [true, false, false, false, false, true]
    );
}

#[test]
fn a_noisy_copy_is_judged_by_its_own_differing_specifics() {
    let story = "the mayor said that Ines Calder and the council of Harbor would spend the \
                 money on the old mains before the end of the year, and that the work \
                 would start in the spring when the ground is soft";
    // a heavy copy: the names substituted by other capitalised words
    let damaged = story.replace("Calder", "Later").replace("Harbor", "Often");
    let texts: Vec<String> = [story; 5]
        .iter()
        .map(|s| s.to_string())
        .chain([damaged])
        .collect();
    let template = |i: usize| {
        story
            .replace("Calder", ["Moss", "Ruiz", "Okafor", "Lind"][i])
            .replace("Harbor", ["Dover", "Lyon", "Kano", "Perth"][i])
    };
    let occ = |d: u32| Occurrence {
        doc: DocNum(d),
        span: Span::new(0, 10),
    };
    let judged = |texts: &[String], unmatched: u32| {
        let mut occurrences = Vec::new();
        let mut sides = Vec::new();
        for x in 0..texts.len() {
            for y in x + 1..texts.len() {
                occurrences.push((occ(x as u32), occ(y as u32)));
                for t in [&texts[x], &texts[y]] {
                    let s = side(t);
                    let len = s.len as u32;
                    sides.push(s.with_matched(len - unmatched));
                }
            }
        }
        let all: Vec<bool> = (0..occurrences.len())
            .map(|i| judge(&sides[2 * i], &sides[2 * i + 1], &|_, _| true).formula)
            .collect();
        let own: Vec<bool> = judge_all(&occurrences, &sides)
            .iter()
            .map(|j| j.formula)
            .collect();
        (all, own)
    };
    // the pairs with the damaged copy (the last document): four differing specifics,
    // two of them the story's names that the other copies keep
    let (all, own) = judged(&texts, 6);
    let last: Vec<usize> = [4, 8, 11, 13, 14].to_vec();
    for i in 0..all.len() {
        assert_eq!(all[i], last.contains(&i), "{i}");
        assert!(!own[i], "{i}");
    }
    // not noisy (few unmatched words): the specifics all count
    assert_eq!(judged(&texts, 1).1, all);
    // four instances of a template, each with a filler of its own: formulas, noisy or
    // not
    let instances: Vec<String> = (0..4).map(template).collect();
    let (all, own) = judged(&instances, 6);
    assert!(all.iter().all(|&f| f));
    assert_eq!(own, all);
}

#[test]
fn sentence_starts_are_not_specifics() {
    let s = side("The board met. \"Nobody came,\" she said.\nToday Paris is calm.");
    let words: Vec<(&str, bool)> = s.tokens.iter().map(|t| (s.word(t), t.specific)).collect();
    for (w, specific) in [
        ("the", false),
        ("nobody", false),
        ("today", false),
        ("paris", true),
    ] {
        assert!(words.contains(&(w, specific)), "{w}: {words:?}");
    }
}

#[test]
fn a_frame_inside_a_formula_is_a_formula_and_formulas_do_not_chain() {
    let occ = |d: u32, b: usize, e: usize| Occurrence {
        doc: DocNum(d),
        span: Span::new(b, e),
    };
    let occurrences = [
        // 0: a template with other specifics (step 1)
        (occ(0, 100, 200), occ(1, 0, 100)),
        // 1: the bare frame, inside the template in document 1
        (occ(1, 10, 60), occ(2, 500, 550)),
        // 2: the frame again, inside no formula of step 1
        (occ(2, 500, 550), occ(3, 0, 50)),
        // 3: the same instance of the template reprinted: its specifics are shared
        (occ(1, 0, 100), occ(5, 0, 100)),
        // 4: a copied story holding the template
        (occ(0, 0, 400), occ(4, 0, 400)),
    ];
    let judged = |formula: bool, shared: &[u64]| Judgement {
        formula,
        differing: if formula { 4 } else { 0 },
        unmatched: None,
        damaged: false,
        refilled: false,
        shared: shared.to_vec(),
        region: [None, None],
        first_side: None,
    };
    let step1 = [
        judged(true, &[1]),
        judged(false, &[]),
        judged(false, &[]),
        judged(false, &[2, 3, 4]),
        judged(false, &[1, 2, 3, 5]),
    ];
    // pair 2 lies inside pair 1, a formula of step 2 only: step 2 is taken once
    assert_eq!(
        decide(&occurrences, &step1),
        [true, true, false, false, false]
    );
}

/// [`judge_reworded`] of one passage over the whole of two texts, documents 0 and 1,
/// dated `da` and `db`.
fn judged_reworded(a: &str, da: &str, b: &str, db: &str) -> bool {
    judged_reworded_when(a, Some(da), b, Some(db))
}

/// [`judged_reworded`] of texts with or without a date.
fn judged_reworded_when(a: &str, da: Option<&str>, b: &str, db: Option<&str>) -> bool {
    let doc = |id: &str, text: &str, date: Option<&str>| {
        let mut d = crate::Document::new(id, text);
        d.meta.date = date.map(str::to_string);
        d
    };
    let docs: std::collections::BTreeMap<DocNum, crate::Document> =
        [(DocNum(0), doc("a", a, da)), (DocNum(1), doc("b", b, db))].into();
    let len = |t: &str| Tokens::from_normalized(normalize(t).text).len() as u32;
    let aligned = [PairAlignment {
        a: DocNum(0),
        b: DocNum(1),
        alignment: crate::align::Alignment {
            a: (0, len(a)),
            b: (0, len(b)),
            matched: 0,
            similarity: 0.5,
        },
    }];
    let (_, is) = judge_reworded(&docs, None, &aligned, true).unwrap();
    is.unwrap()[0]
}

#[test]
fn a_reworded_passage_days_apart_with_other_specifics_is_no_reuse() {
    // one rating agency's template, filled for two banks weeks apart and worded a little
    // differently: other names on both sides, the same figures and frame words
    let first = "Moody's Investors Service Inc said it downgraded 50 mln dlrs of debt of \
                 Harbor Bancshares Inc and its lead bank, Harbor Bank of Texas. The agency \
                 cited the bank's loan losses in the energy sector.";
    let later = "Moody's Investors Service Inc said it cut 50 mln dlrs of debt of Meadow \
                 National Banks Inc and the lead bank, Meadow National Bank. Moody's cited \
                 loan losses in the region's energy sector.";
    let (day1, day2, day20) = (
        "1987-03-02T10:00:00Z",
        "1987-03-02T15:00:00Z",
        "1987-03-20T10:00:00Z",
    );
    assert!(judged_reworded(first, day1, later, day20));
    assert!(judged_reworded(later, day20, first, day1));
    // the same day it may be another desk's version of one story whose names it
    // changes: no figures differ, so no formula
    assert!(!judged_reworded(first, day1, later, day2));
    // days apart, a later report quoting the story (a copied stretch) and adding no
    // specifics of its own on one side stays reuse ...
    let quoting = "Shares of Harbor Bancshares Inc fell after Moody's Investors Service Inc \
                   said it downgraded 50 mln dlrs of debt of Harbor Bancshares Inc and its \
                   lead bank, Harbor Bank of Texas, citing losses.";
    assert!(!judged_reworded(first, day1, quoting, day20));
    // ... while one telling it in its own words (no ten words in a row shared) is no reuse
    let retold = "Harbor Bancshares Inc, whose 50 mln dlrs of debt Moody's Investors \
                  Service Inc downgraded with that of its lead bank Harbor Bank of Texas, \
                  blamed losses on energy loans.";
    assert!(!reworded_days_apart(&side(first), &side(retold)));
    assert!(judged_reworded(first, day1, retold, day20));
    assert!(!judged_reworded(first, day1, retold, day2));
    // a copy weeks later, signed by another desk on each side, holds other names on both
    // sides too, but lies mostly in runs of the other: no template
    let (signed_a, signed_b) = (
        format!("{first} Filed by Ann Lee in Dallas."),
        format!("{first} Filed by Tom Ray in Houston."),
    );
    assert!(reworded_days_apart(&side(&signed_a), &side(&signed_b)));
    assert!(!judged_reworded(&signed_a, day1, &signed_b, day20));
    // undated texts are not judged
    assert!(!judged_reworded_when(first, None, later, None));
}

#[test]
fn a_shared_run_counts_typos_as_the_same_word() {
    let t = |s: &str| Tokens::from_normalized(normalize(s).text);
    let a = t("in other words the money had left either the municipal or the city safe");
    let b = t("so in other wordds the money had left eithcr the municipal or the city vault");
    let (ra, rb) = ((0, a.len() as u32), (0, b.len() as u32));
    // "in other wordds ... city": 13 tokens, two of them damaged
    assert_eq!(shared_run(&a, ra, &b, rb), 13);
    // within ranges only
    assert_eq!(shared_run(&a, (0, 3), &b, rb), 3);
    let c = t("the council spent its reserve and the auditors were called in");
    assert!(shared_run(&a, ra, &c, (0, c.len() as u32)) < COPIED_RUN);
}

#[test]
fn a_copy_lies_mostly_in_shared_five_word_runs() {
    let a: Vec<u64> = (1..=20).collect();
    // the same 20 tokens: a copy
    assert!(copied(&a, &a));
    // one token changed in the middle: 5-grams around it lost, 18 of 20 still covered
    let mut b = a.clone();
    b[10] = 99;
    assert!(copied(&a, &b));
    // a template: the frame's runs broken at a slot every five tokens
    let t: Vec<u64> = a
        .iter()
        .map(|&x| if x % 5 == 0 { 100 + x } else { x })
        .collect();
    assert!(!copied(&a, &t));
    // a short side wholly inside a longer one is a copy of part of it
    assert!(copied(&a[3..12], &a));
    assert!(!copied(&[], &a));
}

#[test]
fn a_damaged_story_gives_no_frame_words_and_a_template_does() {
    // every pair of the texts, each passage over the whole text
    let passages = |texts: &[String]| {
        let occ = |d: usize| Occurrence {
            doc: DocNum(d as u32),
            span: Span::new(0, 10),
        };
        let mut occurrences = Vec::new();
        let mut sides = Vec::new();
        for x in 0..texts.len() {
            for y in x + 1..texts.len() {
                occurrences.push((occ(x), occ(y)));
                sides.extend([side(&texts[x]), side(&texts[y])]);
            }
        }
        (occurrences, sides)
    };
    let frame = |texts: &[String]| {
        let (occurrences, sides) = passages(texts);
        let judged = judge_all(&occurrences, &sides);
        let evidence = frame::evidence(&occurrences, &sides, &judged);
        let words = |evidence: &[bool]| {
            let hashes = frame::words(&occurrences, &judged, evidence);
            let s = &sides[0];
            let mut w: Vec<&str> = s
                .tokens
                .iter()
                .filter(|t| hashes.contains(&t.hash))
                .map(|t| s.word(t))
                .collect();
            w.sort_unstable();
            w.into_iter().map(str::to_string).collect::<Vec<_>>()
        };
        (words(&evidence), words(&frame_evidence(&judged)))
    };
    let story = "Mayor Ines Calder said on Tuesday that Harbor would spend the money on the \
                 old mains";
    // ten clean copies; one with two names replaced by plain words that kept their
    // capitals, one with another name damaged beyond fuzzy equality
    let texts: Vec<String> = vec![story.to_string(); 10]
        .into_iter()
        .chain([
            story.replace("Calder", "Later").replace("Harbor", "Often"),
            story.replace("Calder", "Cxlqer"),
        ])
        .collect();
    // the pairs with the damaged copies are formulas by their specifics and share the
    // story's other names, but the specifics they differ in are the story's, which the
    // other copies keep
    let (kept, before) = frame(&texts);
    assert_eq!(before, ["harbor", "ines", "tuesday"]);
    assert!(kept.is_empty(), "{kept:?}");
    // five instances of a template, each with fillers of its own: "Harbor" is the frame's
    let fill = ["Moss", "Ruiz", "Okafor", "Lind", "Abe"];
    let day = ["Monday", "Friday", "Sunday", "Tuesday", "Saturday"];
    let instances: Vec<String> = (0..5)
        .map(|i| {
            story
                .replace("Ines Calder", fill[i])
                .replace("Tuesday", day[i])
        })
        .collect();
    let (kept, before) = frame(&instances);
    assert_eq!(kept, ["harbor"]);
    assert_eq!(before, kept);
}

/// The occurrence of `part` in `text`, document `doc`, and the specifics of that side (also
/// used by `recur`'s tests).
pub(super) fn side_of(doc: u32, text: &str, part: &str) -> (Occurrence, SideSpecifics) {
    let at = text.find(part).expect("part of the text");
    let n = normalize(text);
    let t = Tokens::from_normalized(n.text.clone());
    let before = Tokens::new(&text[..at]).len() as u32;
    let within = Tokens::new(part).len() as u32;
    let occ = Occurrence {
        doc: DocNum(doc),
        span: Span::new(at, at + part.len()),
    };
    (
        occ,
        SideSpecifics::of(&t, &n.map, text, (before, before + within)),
    )
}

/// The passage `part` shared by documents 0 (`a`) and 1 (`b`), and its two sides.
fn shared_part(
    a: &str,
    b: &str,
    part: &str,
) -> ([(Occurrence, Occurrence); 1], Vec<SideSpecifics>) {
    let ((x, sx), (y, sy)) = (side_of(0, a, part), side_of(1, b, part));
    ([(x, y)], vec![sx, sy])
}

#[test]
fn a_template_cut_at_its_slot_is_a_formula() {
    // documents dated days apart, or not (a story's update re-filed the same day)
    let with_edges = |occ: &[(Occurrence, Occurrence)], sides: &[SideSpecifics], apart: bool| {
        let mut is = formulas(occ, sides);
        edges::slots_at_edges(occ, sides, &|_, _| apart, &mut is);
        is
    };
    let frame = "dlr euro-commercial paper program, Harlow Guaranty Ltd said as one of the \
                 dealers. The other dealer is Baxter Bank Corp International Ltd and Harlow \
                 Guaranty Trust Co is issuing and paying agent.";
    let a = format!(
        "The Tarrant Water Authority is launching a 300 mln {frame}\n    The program is \
         guaranteed by the state. Paper will be issued in denominations of 500,000 dlrs."
    );
    let b = format!(
        "Ostrava Chemie AG, a unit of Ostrava Group, is establishing a 50 mln {frame}\n    \
         Paper will have maturities between seven and 183 days and will be issued in global form."
    );
    let (occ, sides) = shared_part(&a, &b, frame);
    // the passage alone shares its names: no formula by its specifics
    assert!(!judge(&sides[0], &sides[1], &|_, _| true).formula);
    assert_eq!(with_edges(&occ, &sides, true), [true]);
    assert_eq!(with_edges(&occ, &sides, false), [false]);
    // a slot holding a decimal figure, after the passage
    let frame = "the agency said in its weekly report. Refinery crude runs in the four weeks were";
    let a = format!("Demand rose sharply, {frame} 12.21 mln bpd, up 2.2 pct from a year earlier.");
    let b =
        format!("Stocks fell again, {frame} 11.90 mln bpd, up 1.4 pct, and imports fell 3 pct.");
    let (occ, sides) = shared_part(&a, &b, frame);
    assert_eq!(with_edges(&occ, &sides, true), [true]);
}

#[test]
fn a_number_in_groups_of_three_digits_is_one_slot() {
    // two French tenders: the frame resumes after the deposit, written "2 900" and "3 500"
    let with_edges = |occ: &[(Occurrence, Occurrence)], sides: &[SideSpecifics]| {
        let mut is = formulas(occ, sides);
        edges::slots_at_edges(occ, sides, &|_, _| true, &mut is);
        is
    };
    let tail = "francs. Les pièces du projet sont déposées à la mairie, où l'on peut en prendre \
                connaissance tous les jours, de neuf heures à onze heures.";
    let a = format!(
        "Travaux de la ville de Tours, estimés à 62 500 francs. Cautionnement provisoire: 2 900 {tail}\n\nNora laughed."
    );
    let b = format!(
        "Fourniture de charbon pour Nancy, estimée à 122 500 francs. Cautionnement provisoire: 3 500 {tail}\n\nHe was late."
    );
    let (occ, sides) = shared_part(&a, &b, tail);
    assert_eq!(with_edges(&occ, &sides), [true]);
    // the same deposit (one value in groups) is no slot: a copy running on
    let b = b.replace("3 500", "2 900");
    let (occ, sides) = shared_part(&a, &b, tail);
    assert_eq!(with_edges(&occ, &sides), [false]);
}

#[test]
fn a_paragraph_copied_into_other_texts_stays_reuse() {
    // judged as documents dated days apart
    let formulas = |occ: &[(Occurrence, Occurrence)], sides: &[SideSpecifics]| {
        let mut is = formulas(occ, sides);
        edges::slots_at_edges(occ, sides, &|_, _| true, &mut is);
        is
    };
    let para = "dealers said the central bank would keep its key rate at the current level \
                until the end of the quarter, citing Minister Halvorsen.";
    // unrelated text around it, numbers too
    let a = format!("Prices fell 3 pct on Monday as {para} Trading was thin.");
    let b = format!("Output rose 12 pct in March and {para} Exports were 4.5 billion.");
    let (occ, sides) = shared_part(&a, &b, para);
    assert_eq!(formulas(&occ, &sides), [false]);
    // after a paragraph break, right after a figure in the same frame
    let a = format!("Revs 349.2 mln vs 307.0 mln\n\n{para}\n\nMore follows.");
    let b = format!("Revs 54.3 mln vs 33.5 mln\n\n{para}\n\nMore follows.");
    let (occ, sides) = shared_part(&a, &b, para);
    assert_eq!(formulas(&occ, &sides), [false]);
    // a copy whose next figure is damaged or rounded
    let a = format!("{para} Writedowns totalled 2.084 billion dlrs in the year, it said.");
    let b = format!("{para} Writedowns totalled 2.08 billion dlrs, the bank said later.");
    let (occ, sides) = shared_part(&a, &b, para);
    assert_eq!(formulas(&occ, &sides), [false]);
    // a figure cut by the passage's end: one value, updated
    let a = format!("Ecuador said {para} Its debt is 8.16 billion dlrs and rising.");
    let b = format!("Volcker said {para} Its debt is 8.3 billion dlrs, he added.");
    let part = format!("{para} Its debt is 8.");
    let (occ, sides) = shared_part(&a, &b, &part);
    assert_eq!(formulas(&occ, &sides), [false]);
    // a story reissued with its last figure corrected: nearly all of both documents
    let a = format!("{para} Reserves were 12.21 mln.");
    let b = format!("{para} Reserves were 12.25 mln.");
    let (occ, sides) = shared_part(&a, &b, para);
    assert_eq!(formulas(&occ, &sides), [false]);
}

#[test]
fn a_rewritten_monthly_report_days_apart_is_no_reissue() {
    // two issues of a monthly report: the second rewrote its first sentences (many plain
    // words unmatched: not clean), but names its month in every sentence, a month the
    // first issue never names
    let january = "Harland's seasonally adjusted jobless rate rose to a record 6.1 pct in \
         January, the worst since the Statistics Office of Harland started compiling the \
         figures under its current method in 1971, up from 5.7 pct in December, the \
         Statistics Office said. Unemployment was up from 5.4 pct a year earlier and the \
         office said the rise was the largest since the Statistics Office of Harland began \
         to count the jobless by region. Unadjusted January unemployment totalled 412,000 \
         people, up from 398,000 in December. Male unemployment in January remained at \
         6.3 pct. Female unemployment in January stayed at 5.8 pct.";
    let february = "Harland's seasonally adjusted jobless rate fell to 6.0 pct in February \
         from the record 6.1 pct in January, the Statistics Office said. The January level \
         was the worst since the Statistics Office of Harland started compiling the \
         figures under its current method in 1971. Unemployment was up from 5.4 pct a year \
         earlier and the office said the rise was the largest since the Statistics Office \
         of Harland began to count the jobless by region. Unadjusted February unemployment \
         totalled 405,000 people, down from 412,000 in January. Male unemployment in \
         February remained at 6.3 pct. Female unemployment in February rose to 5.9 pct.";
    let mut j = judge(&side(january), &side(february), &|_, _| true);
    // rewritten: the aligner left three plain words unmatched per differing specific
    j.unmatched = Some(3 * j.differing);
    assert!(j.formula && long_shared_run(&j, &[]) && !clean(&j) && j.refilled);
    let occurrences = whole_texts(january, february);
    let judged = [j];
    let decide_apart = |apart: bool| {
        decide_with_frame(
            &occurrences,
            &judged,
            &frame_evidence(&judged),
            &move |_, _| apart,
        )
        .0
    };
    // a month apart: the next issue of a report; within a day: an updated reissue
    assert_eq!(decide_apart(true), [true]);
    assert_eq!(decide_apart(false), [false]);
    // a copy of the February issue reprinted weeks later, edited and misread: one
    // "February" dropped, one misread, a figure damaged; the copy still holds the month
    let copy = february
        .replacen("Unadjusted February", "Unadjusted", 1)
        .replacen(
            "Female unemployment in February",
            "Female unemployment in Febmary",
            1,
        )
        .replace("405,000", "405,00")
        .replace("412,000", "41,000");
    let j = judge(&side(&copy), &side(february), &|_, _| true);
    assert!(!j.refilled);
    let j = judge(&side(february), &side(&copy), &|_, _| true);
    assert!(!j.refilled);
}

#[test]
fn a_short_notice_filed_twice_holds_the_same_values() {
    let notice = |text: &str| side(text);
    let a = notice(
        "Qtly div 30 cts vs 30 cts prior\n    Pay April 30\n    Record April Three\n Reuter",
    );
    // another desk's style: a number in digits, an abbreviation spelled otherwise
    let b =
        notice("Qtrly div 30 cts vs 30 cts prior\n    Pay April 30\n    Record April 3\n Reuter");
    assert!(same_notice(&a, &b) && same_notice(&b, &a));
    // another company's notice: other values, spelled out or in digits
    let c =
        notice("Qtly div 30 cts vs 30 cts prior\n    Pay April 30\n    Record April 7\n Reuter");
    assert!(!same_notice(&b, &c));
    let d = notice(
        "Qtly div four cts vs four cts prior\n    Pay April 15\n    Record March 31\n Reuter",
    );
    let e = notice(
        "Qtly div four cts vs three cts prior\n    Pay April 15\n    Record March 31\n Reuter",
    );
    assert!(!same_notice(&d, &e) && same_notice(&d, &d));
    // too few values to compare
    let f = notice("The meeting was adjourned until Monday.");
    assert!(!same_notice(&f, &f));
    // a long document is no short notice, and a side over a quarter of a notice is no copy of it
    let long =
        "The council of Harbor City said on Tuesday it would spend 40 million dollars on the \
                Dock Street water mains over the next three years. "
            .repeat(4);
    assert!(!same_notice(&notice(&long), &notice(&long)));
    let n = normalize(&a_text());
    let t = Tokens::from_normalized(n.text.clone());
    let part = SideSpecifics::of(&t, &n.map, &a_text(), (0, 4));
    assert!(!same_notice(&part, &part));
}

fn a_text() -> String {
    "Qtly div 30 cts vs 30 cts prior\n    Pay April 30\n    Record April 3\n Reuter".to_string()
}
