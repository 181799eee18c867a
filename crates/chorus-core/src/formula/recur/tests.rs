use super::super::formulas_in;
use super::*;
use crate::document::Document;
use std::collections::BTreeMap;

const LINE: &str = "It said it may buy more shares or sell some or all of its current stake.";

/// Documents `d` = 0.. with `texts[d]`, printed at `dates[d]`.
fn corpus(texts: &[String], dates: &[String]) -> (BTreeMap<DocNum, Document>, Vec<Tokens>) {
    let mut docs = BTreeMap::new();
    for (d, (t, date)) in texts.iter().zip(dates).enumerate() {
        let mut doc = Document::new(format!("d{d}"), t.clone());
        doc.meta.date = Some(date.clone());
        docs.insert(DocNum(d as u32), doc);
    }
    let tokens = texts.iter().map(|t| Tokens::new(t)).collect();
    (docs, tokens)
}

/// The occurrence of `part` in document `d` and the specifics of that side.
fn side(texts: &[String], d: usize, part: &str) -> (Occurrence, SideSpecifics) {
    super::super::tests::side_of(d as u32, &texts[d], part)
}

/// Which of the passages `(a, b, text shared)` are formulas, document `d` printed on
/// day `days[d]` of March 1987.
fn decide(texts: &[String], days: &[u32], passages: &[(usize, usize, &str)]) -> Vec<bool> {
    let dates: Vec<String> = days.iter().map(|d| format!("1987-03-{d:02}")).collect();
    decide_at(texts, &dates, passages)
}

/// [`decide`], document `d` printed at `dates[d]`.
fn decide_at(texts: &[String], dates: &[String], passages: &[(usize, usize, &str)]) -> Vec<bool> {
    let passages: Vec<_> = passages
        .iter()
        .map(|&(a, b, part)| (a, b, part, part))
        .collect();
    decide_parts(texts, dates, &passages)
}

/// Which of the passages `(a, b, a's text, b's text)` are formulas, document `d`
/// printed at `dates[d]`.
fn decide_parts<S: AsRef<str>>(
    texts: &[String],
    dates: &[String],
    passages: &[(usize, usize, S, S)],
) -> Vec<bool> {
    let (docs, tokens) = corpus(texts, dates);
    let tokens = TokenSource::Memory(tokens);
    let mut occurrences = Vec::new();
    let mut sides = Vec::new();
    for (a, b, pa, pb) in passages {
        let (x, sx) = side(texts, *a, pa.as_ref());
        let (y, sy) = side(texts, *b, pb.as_ref());
        occurrences.push((x, y));
        sides.extend([sx, sy]);
    }
    let corpus = Corpus::Tokens {
        docs: &docs,
        tokens: &tokens,
    };
    formulas_in(&occurrences, &sides, &corpus, &|_, _| false, &|_, _| None).unwrap()
}

/// Whether the one passage `part_a` of document 0 and `part_b` of document 1 is a
/// formula, the aligner having left `unmatched` tokens of each side unmatched.
fn decide_matched(
    texts: &[String],
    days: &[u32],
    part_a: &str,
    part_b: &str,
    unmatched: u32,
) -> Vec<bool> {
    let dates: Vec<String> = days.iter().map(|d| format!("1987-03-{d:02}")).collect();
    let (docs, tokens) = corpus(texts, &dates);
    let tokens = TokenSource::Memory(tokens);
    let (x, sx) = side(texts, 0, part_a);
    let (y, sy) = side(texts, 1, part_b);
    let (la, lb) = (sx.len as u32, sy.len as u32);
    let sides = [
        sx.with_matched(la - unmatched),
        sy.with_matched(lb - unmatched),
    ];
    let corpus = Corpus::Tokens {
        docs: &docs,
        tokens: &tokens,
    };
    formulas_in(&[(x, y)], &sides, &corpus, &|_, _| false, &|_, _| None).unwrap()
}

/// Six stake filings by other investors in other companies, each with the stock line.
fn filings() -> Vec<String> {
    [
        ("Harbor Mills", "Dexter Corp", 5),
        ("Quinn Partners", "Lakeside Foods", 7),
        ("Orr Capital", "Tamarack Inc", 6),
        ("Vela Group", "Pioneer Gas", 9),
        ("Wendt Holdings", "Ashby Steel", 8),
        ("Corliss Fund", "Marsh Cable", 11),
    ]
    .iter()
    .map(|(who, what, pct)| {
        format!("{who} said it holds {pct} pct of {what} common stock. {LINE} Reuter")
    })
    .collect()
}

#[test]
fn a_stock_line_recurring_over_days_is_a_formula() {
    let texts = filings();
    let days = [2, 5, 9, 13, 20, 27];
    assert_eq!(decide(&texts, &days, &[(0, 1, LINE)]), [true]);
    // the same six documents within a day: a statement printed by many, reuse
    assert_eq!(decide(&texts, &[3; 6], &[(0, 1, LINE)]), [false]);
    // the line in three documents only does not recur
    assert_eq!(decide(&texts[..3], &days[..3], &[(0, 1, LINE)]), [false]);
}

/// A legal notice's fixed closing lines, longer than a sentence (the slot-free tail of an
/// offering notice): no capitalised word inside a sentence, no number.
const CLOSING: &str = "The shares have not been registered under the securities laws of any \
    state and may not be offered or sold in the absence of registration or an applicable \
    exemption from the registration requirements. This notice does not constitute an offer \
    to sell or the solicitation of an offer to buy any of the securities, nor shall there be \
    any sale of the securities in any jurisdiction in which such offer, solicitation or sale \
    would be unlawful before registration or qualification under the laws of that place.";

#[test]
fn a_long_stock_tail_recurring_over_days_is_a_formula() {
    let texts: Vec<String> = filings().iter().map(|t| t.replace(LINE, CLOSING)).collect();
    let len = side(&texts, 0, CLOSING).1.len;
    // longer than two sentences of wire copy, within the bound of a stock line
    assert!((65..=MAX_LINE).contains(&len), "{len} tokens");
    let days = [2, 5, 9, 13, 20, 27];
    assert_eq!(decide(&texts, &days, &[(0, 1, CLOSING)]), [true]);
    // the same six documents within a day: reuse
    assert_eq!(decide(&texts, &[3; 6], &[(0, 1, CLOSING)]), [false]);
    // twice as long: a story's text, not a line, stays reuse however common
    let twice = format!("{CLOSING} {CLOSING}");
    let texts: Vec<String> = filings().iter().map(|t| t.replace(LINE, &twice)).collect();
    assert!(side(&texts, 0, &twice).1.len > MAX_LINE);
    assert_eq!(decide(&texts, &days, &[(0, 1, &twice)]), [false]);
}

#[test]
fn a_line_with_specifics_of_its_own_stays_reuse() {
    let line = "Commissioner Maria Lindqvist of Uppsala said the talks would resume soon.";
    let texts: Vec<String> = filings().iter().map(|t| t.replace(LINE, line)).collect();
    let days = [2, 5, 9, 13, 20, 27];
    assert_eq!(decide(&texts, &days, &[(0, 1, line)]), [false]);
}

#[test]
fn a_copy_around_a_stock_line_stays_reuse() {
    let story = "Mayor Ines Calder said on Tuesday that the council of Harbor City would \
                 spend 40 million dollars on the Dock Street mains before 2027.";
    let mut texts = filings();
    texts[0] = format!("{story} {}", texts[0]);
    texts[1] = format!("{story} {}", texts[1]);
    let days = [2, 5, 9, 13, 20, 27];
    // the two documents also share a story with its names and numbers
    assert_eq!(
        decide(&texts, &days, &[(0, 1, LINE), (0, 1, story)]),
        [false, false]
    );
}

#[test]
fn holders_sharing_only_formulas_with_the_pair_are_unrelated() {
    // every filing shares the stock line with documents 0 and 1: through the line
    // alone, each holder is a partner of both and the line does not recur unrelated
    let texts = filings();
    let days = [2, 5, 9, 13, 20, 27];
    let mut passages: Vec<(usize, usize, &str)> = vec![(0, 1, LINE)];
    for k in 2..texts.len() {
        passages.extend([(0, k, LINE), (1, k, LINE)]);
    }
    assert!(decide(&texts, &days, &passages).iter().all(|f| !f));
    // the holders share with documents 0 and 1 the filing's frame around other
    // investors, companies and stakes (one passage through the line, a formula by its
    // differing specifics): documents sharing only formulas are no copies of 0 or 1
    let whole: Vec<String> = texts
        .iter()
        .map(|t| t.trim_end_matches(" Reuter").to_string())
        .collect();
    let mut at = vec![(0, 1, LINE.to_string(), LINE.to_string())];
    for k in 2..texts.len() {
        for d in [0, 1] {
            at.push((d, k, whole[d].clone(), whole[k].clone()));
        }
    }
    let decided = decide_sides(&texts, &days, &at);
    assert!(decided[1..].iter().all(|&f| f));
    assert!(decided[0]);
}

#[test]
fn the_same_instance_of_a_template_printed_twice_stays_reuse() {
    let notice = |a: u32, b: u32| {
        format!(
            "LONDON, March 3 - The Bank of England said it had given the money market \
             its assistance of {a} mln stg during the morning. The Bank earlier forecast \
             a shortage of around {b} mln stg in the system today."
        )
    };
    let figures = [
        (664, 983),
        (664, 983),
        (215, 400),
        (87, 650),
        (312, 1150),
        (940, 720),
    ];
    let hosts = [
        "The harbour was quiet that week.",
        "Rain fell on the valley all night.",
        "He walked home along the river.",
        "The school reopened in the autumn.",
        "Nobody answered the letter.",
        "The mill closed before the war.",
    ];
    let texts: Vec<String> = figures
        .iter()
        .zip(hosts)
        .map(|(&(a, b), h)| format!("{h}\n\n{}\n\n{h}", notice(a, b)))
        .collect();
    let days = [2, 3, 9, 13, 20, 27];
    let mut at = vec![(0, 1, notice(664, 983), notice(664, 983))];
    for (k, &(a, b)) in figures.iter().enumerate().skip(2) {
        for d in [0, 1] {
            at.push((d, k, notice(664, 983), notice(a, b)));
        }
    }
    let decided = decide_sides(&texts, &days, &at);
    // the other instances are formulas of each; documents 0 and 1 share the figures
    // where the instances differ: one notice printed twice
    assert!(decided[1..].iter().all(|&f| f));
    assert!(!decided[0]);
}

/// Which of the passages `(a, b, a's text, b's text)` are formulas, document `d`
/// printed on day `days[d]` of March 1987.
fn decide_sides(
    texts: &[String],
    days: &[u32],
    passages: &[(usize, usize, String, String)],
) -> Vec<bool> {
    let dates: Vec<String> = days.iter().map(|d| format!("1987-03-{d:02}")).collect();
    decide_parts(texts, &dates, passages)
}

#[test]
fn a_notice_printed_twice_whole_stays_reuse() {
    // the same short notice, all of it a stock line around one name, filed twice
    let notice = format!("Orr Capital said so. {LINE} Reuter");
    let mut texts = filings();
    texts[0] = notice.clone();
    texts[1] = notice.clone();
    let days = [2, 5, 9, 13, 20, 27];
    assert_eq!(decide_matched(&texts, &days, &notice, &notice, 0), [false]);
    // the same frame refilled with other words is no notice printed twice
    let other = format!("Orr Capital said more. {LINE} Reuter");
    texts[1] = other.clone();
    assert_eq!(decide_matched(&texts, &days, &notice, &other, 1), [true]);
    // the stock line alone, in two documents that otherwise differ, stays a formula
    texts[1] = format!("Vela Group said it holds 9 pct of Pioneer Gas stock. {LINE} Reuter");
    assert_eq!(decide(&texts, &days, &[(0, 1, LINE)]), [true]);
}

/// Editions of a morning column, each opening with the same line (its verb varies)
/// and going on with other text.
fn column() -> (Vec<String>, [&'static str; 2]) {
    let lines = [
        "The central bank is expected to enter the money market to add temporary reserves, \
         dealers said.",
        "The central bank is not expected to enter the money market to add temporary \
         reserves, dealers said.",
    ];
    let rest = [
        "Overnight funds opened at 4-1/8 pct after averaging 4.02 pct on Monday.",
        "They see a need of about two billion crowns before the period ends on Wednesday.",
        "Funds traded at 3-7/8 pct, down from 4.11 pct late yesterday.",
        "Most dealers expect a round of repurchases of 1.5 billion crowns.",
        "Rates were steady at 4-1/16 pct in early trading after a quiet Friday.",
        "The need this week is smaller than in the previous period, dealers said.",
    ];
    let texts = rest
        .iter()
        .enumerate()
        .map(|(d, r)| format!("{} {r}", lines[d % 2]))
        .collect();
    (texts, lines)
}

#[test]
fn a_line_printed_on_a_schedule_is_a_formula_though_its_holders_pair() {
    let (texts, [line, not]) = column();
    // every two editions share the line (each holder is a partner of every other)
    let shared = "to enter the money market to add temporary reserves, dealers said.";
    let mut all: Vec<(usize, usize, &str)> = Vec::new();
    for a in 0..texts.len() {
        for b in a + 1..texts.len() {
            all.push((
                a,
                b,
                if a % 2 == b % 2 {
                    [line, not][a % 2]
                } else {
                    shared
                },
            ));
        }
    }
    let at = |days: &[u32], hours: &[&str]| -> Vec<String> {
        days.iter()
            .zip(hours)
            .map(|(d, h)| format!("1987-03-{d:02}T{h}:00Z"))
            .collect()
    };
    let days = [2, 5, 9, 13, 20, 27];
    let eleven = ["11:03", "10:52", "11:21", "11:09", "10:58", "11:14"];
    assert!(
        decide_at(&texts, &at(&days, &eleven), &all)
            .iter()
            .all(|&f| f)
    );
    // the same days at any hour: a brief reprinted over weeks, reuse
    let any = ["11:03", "15:40", "08:12", "19:55", "02:30", "13:05"];
    assert!(
        decide_at(&texts, &at(&days, &any), &all)
            .iter()
            .all(|&f| !f)
    );
    // the same hour on six days of one week: a story's follow-ups, reuse
    let week = [2, 3, 4, 5, 6, 7];
    assert!(
        decide_at(&texts, &at(&week, &eleven), &all)
            .iter()
            .all(|&f| !f)
    );
}
