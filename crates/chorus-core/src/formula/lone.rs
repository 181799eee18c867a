//! A lone short stretch: a document pair whose whole shared text (no formula yet) is one
//! stretch of at most [`SHORT`] tokens a side, about one sentence (step 2c of the parent
//! module, after the slots at the edges and with step 3, which counts the n-grams).
//!
//! So little shared text is reuse only with evidence of copying; without it, it is a frame
//! filled for another event (its stretch stops where the fillers differ: "its prime rate
//! to 7-3/4 pct from 7-1/2 pct, effective" printed by twenty banks, "rate of discount at
//! the weekly U.K. Treasury bill tender rose to 9." ending inside two different rates) or
//! one background sentence recycled in another story. The evidence, each read from the
//! pair's own texts and dates, in any language:
//!
//! - **Quoted** ([`crate::quotation`]) on either side: a statement quoted is someone's
//!   words repeated, the same statement, however short.
//! - **Whole**: the stretch covers at least 9 in 10 of the tokens of both documents (one
//!   short notice, a table, filed or printed twice).
//! - **Running on** ([`runs_on`]): the text just beyond one end goes on alike on both sides
//!   (a copy damaged by noise, its passage cut at a misread word), not at a slot.
//! - **Whole sentences** on both sides, whatever the dates: a statement or notice
//!   reprinted whole starts and ends where its sentences do; a frame shared by two
//!   instances stops inside a sentence, at a slot.
//! - Documents dated **apart** (certainly two days or more, as step 1 reads dates): a copy
//!   of one event's text follows it within days, while a series of stories or reports
//!   repeats its lead-in around new values; nothing else is kept.
//! - Documents printed **close** in time (both dated, less than two days apart): kept
//!   when the stretch covers at least half of one document (a short notice or table
//!   refiled) or ends a sentence or clause on at least one side (a sentence copied, not a
//!   frame cut at its filler).
//!
//! Every criterion reads the pair's own texts and dates, nothing counted over the corpus,
//! so a run over part of a corpus (the server's incremental clusters) decides as a run over
//! all of it.
//!
//! Coordinated messaging (one statement printed verbatim by many outlets in a day) is
//! longer than [`SHORT`] tokens, quoted or whole sentences, and stays reuse; undated documents and a query
//! (undated) are not judged. Limits: a notice of whole sentences reprinted days later for
//! another event ("raised ... by 0.50 cent a gallon, effective today.") is kept; a short
//! unquoted stretch cut inside a sentence on both sides, without a clause's end, is taken
//! for a frame though printed the same day; a frame that ends a sentence (twenty banks
//! printing "its prime rate to 7-3/4 pct from 7-1/2 pct, effective immediately." on one
//! day) is kept; a recycled background sentence copied whole days later is kept; a digest item
//! summarising a story the same day, cut at a differing value, is taken for a frame; heavily
//! damaged short reprints that do not run on past their stretch are lost.

use super::{Dated, SideSpecifics};
use crate::spans::Occurrence;
use crate::tokenize::Tokens;

/// Longest side (tokens) of a lone stretch judged here: about one sentence. Shorter than
/// a statement that outlets print (a quotation aside).
pub(crate) const SHORT: usize = 28;
/// Whether a side covers at least `num` in `den` of its document's tokens.
fn covers(s: &SideSpecifics, num: usize, den: usize) -> bool {
    s.doc_len > 0 && den * s.len >= num * s.doc_len
}

/// What one passage of at most [`SHORT`] tokens a side, of documents `apart` or not,
/// is a formula: `false` when there is evidence of copying. The decision reads the pair's
/// own texts and dates only, so that a run over part of a corpus (the server's
/// incremental clusters) decides as a run over all of it.
fn is_formula(a: &SideSpecifics, b: &SideSpecifics, apart: bool) -> bool {
    if a.lone.quoted
        || b.lone.quoted
        || (covers(a, WHOLE_NUM, WHOLE_DEN) && covers(b, WHOLE_NUM, WHOLE_DEN))
        || runs_on(&a.lone, &b.lone)
    {
        return false;
    }
    // A stretch of whole sentences on both sides was copied as sentences (a statement, a
    // notice), whatever the dates and however many documents print it: a frame filled for
    // another event stops inside a sentence, at its slot.
    let whole_sentences = |s: &SideSpecifics| s.lone.starts && s.lone.ends;
    if whole_sentences(a) && whole_sentences(b) {
        return false;
    }
    if apart {
        return true;
    }
    let copied = covers(a, 1, 2) || covers(b, 1, 2) || a.lone.ends_clause || b.lone.ends_clause;
    !copied
}

/// Share of the tokens of both documents that a stretch covers for the two to be one
/// short item printed twice: 9 in 10 (as step 3's whole documents).
const WHOLE_NUM: usize = 9;
const WHOLE_DEN: usize = 10;

/// The passages of the document pairs whose whole shared text (the passages that `is`
/// does not yet mark) is one short stretch: every passage at most [`SHORT`] tokens a side,
/// and on one side of the pair all of them within one stretch of at most [`SHORT`] tokens
/// (a sentence the other document printed once or more), of documents dated `dated`
/// (`Some(apart)` when both are dated); with what each needs to be a formula, for the
/// pairs where no passage shows evidence of copying ([`need`]). The others stay as they
/// are.
pub(super) fn lone_stretches(
    occurrences: &[(Occurrence, Occurrence)],
    sides: &[SideSpecifics],
    dated: Dated<'_>,
    is: &[bool],
) -> Vec<usize> {
    let by_pair = super::unjudged_by_pair(occurrences, is);
    let mut out = Vec::new();
    for g in by_pair.chunk_by(|p, q| (p.0, p.1) == (q.0, q.1)) {
        let (x, y) = &occurrences[g[0].2];
        let Some(apart) = dated(x.doc, y.doc) else {
            continue;
        };
        // the sides of each passage in the pair's first and second document
        let of = |i: usize| {
            let (a, b) = (&sides[2 * i], &sides[2 * i + 1]);
            if occurrences[i].0.doc.0 == g[0].0 {
                (a, b)
            } else {
                (b, a)
            }
        };
        let short = g.iter().all(|p| {
            let (a, b) = of(p.2);
            a.len <= SHORT && b.len <= SHORT && a.doc_len > 0 && b.doc_len > 0
        });
        // one stretch on one side: the union of that side's passages
        let one = |first: bool| {
            let r = |p: &(u32, u32, usize)| {
                let s = if first { of(p.2).0 } else { of(p.2).1 };
                (s.start as usize, s.start as usize + s.len)
            };
            let b = g.iter().map(|p| r(p).0).min().unwrap_or(0);
            let e = g.iter().map(|p| r(p).1).max().unwrap_or(0);
            e - b <= SHORT
        };
        if !short || !(one(true) || one(false)) {
            continue;
        }
        if g.iter().all(|p| {
            let (a, b) = of(p.2);
            is_formula(a, b, apart)
        }) {
            out.extend(g.iter().map(|p| p.2));
        }
    }
    out
}

/// What the text around a short passage side says ([`lone_stretches`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Around {
    /// The side lies in a quotation ([`crate::quotation::quotation`]).
    pub(crate) quoted: bool,
    /// The side starts where a sentence starts ([`sentence_starts`]).
    pub(crate) starts: bool,
    /// The side ends where a sentence ends ([`sentence_ends`]).
    pub(crate) ends: bool,
    /// The side ends where a sentence or a clause ends (a comma, a semicolon or a colon
    /// too: "..., the exchange said.").
    pub(crate) ends_clause: bool,
    /// The [`BEYOND`] tokens before the side and after it, nearest first: `(hash, a
    /// number)`.
    pub(crate) beyond: [Vec<(u64, bool)>; 2],
}

/// Tokens looked at beyond each end of a side ([`runs_on`]).
const BEYOND: usize = 5;
/// Of which at least this many, shared, make a copy run on ([`runs_on`]).
const RUN_ON: usize = 3;

/// Whether the text beyond one end of the two sides of a passage goes on alike: at least
/// [`RUN_ON`] of the [`BEYOND`] tokens beyond one side's end are among the other side's
/// there, and the nearest are not two different numbers (a slot whose frame resumes
/// after it, "9.5261 pct from" and "9.5195 pct from"). A copy damaged by noise goes on
/// past the place where the aligner stopped ("the Scotch oRgue_. London, 1722" and "the
/// Scotch Rogue_. London, 1722"); a frame filled for another event, or a sentence
/// recycled in another story, goes on into other words.
fn runs_on(a: &Around, b: &Around) -> bool {
    (0..2).any(|k| {
        let (x, y) = (&a.beyond[k], &b.beyond[k]);
        if let (Some(p), Some(q)) = (x.first(), y.first())
            && p.1
            && q.1
            && p.0 != q.0
        {
            return false;
        }
        let mut free: Vec<u64> = y.iter().map(|t| t.0).collect();
        let mut shared = 0;
        for t in x {
            if let Some(j) = free.iter().position(|h| *h == t.0) {
                free.swap_remove(j);
                shared += 1;
            }
        }
        shared >= RUN_ON
    })
}

impl Around {
    /// The text around tokens `t0..t1` of a document (`tokens`, its normalised text's
    /// offset map `map`, its text `text`).
    pub(crate) fn of(tokens: &Tokens, map: &[u32], text: &str, (t0, t1): (u32, u32)) -> Self {
        let begin = map[tokens.ranges.at(t0 as usize).0 as usize] as usize;
        let end = map[tokens.ranges.at(t1 as usize - 1).1 as usize] as usize;
        let token = |i: usize| {
            let (b, e) = tokens.ranges.at(i);
            let numeric = tokens.norm[b as usize..e as usize]
                .chars()
                .any(char::is_numeric);
            (tokens.hashes[i], numeric)
        };
        let (t0, t1) = (t0 as usize, t1 as usize);
        let before = (t0.saturating_sub(BEYOND)..t0).rev().map(token).collect();
        let after = (t1..(t1 + BEYOND).min(tokens.len())).map(token).collect();
        Around {
            beyond: [before, after],
            quoted: crate::quotation::quotation(text, crate::document::Span::new(begin, end))
                .quoted,
            starts: sentence_starts(text, begin),
            ends: sentence_ends(text, end, false),
            ends_clause: sentence_ends(text, end, true),
        }
    }
}

/// Whether a sentence starts at byte `at` of `text`: only spaces, opening quotation marks
/// and brackets lie between it and the text's start, a sentence's closing punctuation, or
/// a paragraph break (a line break followed by an indented or blank line; a line break
/// alone is a wrapped line).
pub(super) fn sentence_starts(text: &str, at: usize) -> bool {
    let before = &text[..at];
    let mut line_start = true;
    for (k, c) in before.char_indices().rev() {
        match c {
            ' ' | '\t' => continue,
            '"' | '\'' | '“' | '‘' | '«' | '„' | '(' | '[' | '¿' | '¡' => {
                line_start = false;
                continue;
            }
            '\r' => continue,
            '\n' => {
                // indented after the break, or a blank line before it
                let indented = line_start && before[k + 1..].starts_with([' ', '\t']);
                let blank = before[..k]
                    .trim_end_matches([' ', '\t', '\r'])
                    .ends_with('\n');
                return indented || blank || before[..k].trim().is_empty();
            }
            '.' | '!' | '?' | ':' | ';' | '…' | '。' | '！' | '？' => return true,
            _ => return false,
        }
    }
    true
}

/// Whether a sentence ends at byte `at` of `text` (just after a side's last token): its
/// closing punctuation follows (after closing quotation marks and brackets) and then a
/// space, a closing mark or the text's end, or only a paragraph break or the text's end
/// follows. "9." followed by "5261" ends no sentence. With `clause`, a comma, a semicolon
/// or a colon ends one too ("1,325" does not).
pub(super) fn sentence_ends(text: &str, at: usize, clause: bool) -> bool {
    let rest = &text[at..];
    let mut chars = rest.char_indices().peekable();
    let mut seen_stop = false;
    while let Some((k, c)) = chars.next() {
        match c {
            '"' | '\'' | '”' | '’' | '»' | ')' | ']' => continue,
            '.' | '!' | '?' | '…' | '。' | '！' | '？' | ',' | ';' | ':' | '，' | '；' | '：'
                if !seen_stop && (clause || !matches!(c, ',' | ';' | ':' | '，' | '；' | '：')) =>
            {
                seen_stop = true;
                match chars.peek() {
                    None => return true,
                    Some((_, n)) if n.is_whitespace() => return true,
                    Some((_, '"' | '\'' | '”' | '’' | '»' | ')' | ']')) => {
                        continue;
                    }
                    _ => return false,
                }
            }
            c if c.is_whitespace() => {
                if seen_stop {
                    return true;
                }
                let tail = &rest[k..];
                let line_end = tail.find('\n');
                return match line_end {
                    None => tail.trim().is_empty(),
                    Some(n) => {
                        tail[..n].trim().is_empty() && {
                            let next = &tail[n + 1..];
                            next.starts_with([' ', '\t', '\n', '\r']) || next.trim().is_empty()
                        }
                    }
                };
            }
            _ => return seen_stop,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::formulas_in;
    use super::super::recur::Corpus;
    use super::*;
    use crate::document::Document;
    use crate::order::DocNum;
    use crate::token_source::TokenSource;
    use crate::tokenize::Tokens;
    use std::collections::BTreeMap;

    /// Which of the passages `(a, b, text shared)` are formulas, document `d` printed on
    /// day `days[d]` of March 1987 (undated when `days` is `None`).
    fn judged(
        texts: &[String],
        days: Option<&[u32]>,
        passages: &[(usize, usize, &str)],
    ) -> Vec<bool> {
        let mut docs = BTreeMap::new();
        for (d, t) in texts.iter().enumerate() {
            let mut doc = Document::new(format!("d{d}"), t.clone());
            doc.meta.date = days.map(|days| format!("1987-03-{:02}", days[d]));
            docs.insert(DocNum(d as u32), doc);
        }
        let tokens = TokenSource::Memory(texts.iter().map(|t| Tokens::new(t)).collect());
        let mut occurrences = Vec::new();
        let mut sides = Vec::new();
        for &(a, b, part) in passages {
            let (x, sx) = super::super::tests::side_of(a as u32, &texts[a], part);
            let (y, sy) = super::super::tests::side_of(b as u32, &texts[b], part);
            occurrences.push((x, y));
            sides.extend([sx, sy]);
        }
        let corpus = Corpus::Tokens {
            docs: &docs,
            tokens: &tokens,
        };
        let day = |d: DocNum| days.map(|days| i64::from(days[d.0 as usize]));
        let apart = |x: DocNum, y: DocNum| matches!((day(x), day(y)), (Some(p), Some(q)) if (p - q).abs() >= 3);
        let dated =
            |x: DocNum, y: DocNum| Some((day(x)?, day(y)?)).map(|(p, q)| (p - q).abs() >= 3);
        formulas_in(&occurrences, &sides, &corpus, &apart, &dated).unwrap()
    }

    /// News of `banks`, each raising its prime rate in the same words, effective on its
    /// own `when`, then telling news of its own (the shared stretch is under half of each).
    fn notices(banks: &[&str], when: &[&str]) -> Vec<String> {
        let own = [
            "It also opened two new branches in Dover and Mill Creek last week, its first \
             in the county since the merger with Bayside.",
            "Deposits reached a record in the winter quarter, and a new chief lending \
             officer was named for its commercial division.",
        ];
        banks
            .iter()
            .zip(when)
            .zip(own.iter().cycle())
            .map(|((b, w), o)| format!("{b} said it is raising its prime rate to 7-3/4 pct from 7-1/2 pct, effective {w}. {o} Reuter"))
            .collect()
    }

    /// All that two notices effective at other times share.
    const FRAME: &str = "said it is raising its prime rate to 7-3/4 pct from 7-1/2 pct, effective";
    /// All that two notices effective at the same time share.
    const PRIME: &str =
        "said it is raising its prime rate to 7-3/4 pct from 7-1/2 pct, effective immediately.";

    #[test]
    fn a_notice_cut_at_its_filler_is_a_formula_and_a_sentence_copied_the_same_day_is_not() {
        let banks = ["Harbor Trust", "Quinn Savings Bank"];
        // one day, the frame cut where the fillers differ: a formula
        let other = notices(&banks, &["immediately", "April 2"]);
        assert_eq!(judged(&other, Some(&[3, 3]), &[(0, 1, FRAME)]), [true]);
        // undated documents are not judged
        assert_eq!(judged(&other, None, &[(0, 1, FRAME)]), [false]);
        // the stretch ends the sentence on both sides the same day: a sentence copied
        // (a limit: banks printing one wording the same day are taken for copies)
        let same = notices(&banks, &["immediately", "immediately"]);
        assert_eq!(judged(&same, Some(&[3, 3]), &[(0, 1, PRIME)]), [false]);
        // days apart, cut inside a sentence: a formula
        assert_eq!(judged(&same, Some(&[3, 9]), &[(0, 1, PRIME)]), [true]);
        // the same notice printed twice whole stays reuse, whatever the dates
        let whole = vec![same[0].clone(), same[0].clone()];
        let text = whole[0].trim_end_matches(" Reuter").to_string();
        assert_eq!(judged(&whole, Some(&[3, 9]), &[(0, 1, &text)]), [false]);
    }

    /// Two longer stories, each holding `a` and `b` between other sentences.
    fn stories(a: &str, b: &str) -> Vec<String> {
        vec![
            format!(
                "Dealers in Oslo expected a calm week. {a} The crown was steady against the mark and the dollar in quiet trading."
            ),
            format!(
                "Farm exports from the Baltic ports fell sharply in January. {b} Shipping agents blamed the ice on the rivers and the late thaw."
            ),
        ]
    }

    #[test]
    fn a_stretch_cut_at_a_slot_is_a_formula_and_a_copied_sentence_stays_reuse() {
        // the same frame, cut where the two rates differ: a formula, the same day or not
        let cut = "The average rate of discount at the weekly Treasury bill tender rose to 9.";
        let texts = stories(&format!("{cut}5261 pct."), &format!("{cut}5195 pct."));
        assert_eq!(judged(&texts, Some(&[3, 3]), &[(0, 1, cut)]), [true]);
        assert_eq!(judged(&texts, Some(&[3, 10]), &[(0, 1, cut)]), [true]);
        // a sentence copied whole, the same day: reuse
        let sentence = "Lawmakers from Ontario asked their counterparts to exempt Canada from the retaliation provisions.";
        let texts = stories(sentence, sentence);
        assert_eq!(judged(&texts, Some(&[3, 4]), &[(0, 1, sentence)]), [false]);
        // ... and days apart: whole sentences on both sides, still reuse
        assert_eq!(judged(&texts, Some(&[3, 10]), &[(0, 1, sentence)]), [false]);
        // a background clause recycled days later inside other sentences: no reuse
        let clause = "after months of heated negotiations called on Japan to stop selling chips";
        let texts = stories(
            &format!("The pact, agreed {clause} below cost."),
            &format!("That accord, reached {clause} in third markets."),
        );
        assert_eq!(judged(&texts, Some(&[3, 10]), &[(0, 1, clause)]), [true]);
        // ... but the same clause quoted is someone's words repeated: reuse
        let texts = stories(
            &format!("The minister said \"the pact {clause} and more\" on Monday."),
            &format!("He said: \"the pact {clause} and more\" in his speech."),
        );
        assert_eq!(judged(&texts, Some(&[3, 10]), &[(0, 1, clause)]), [false]);
    }

    #[test]
    fn a_damaged_copy_runs_on_past_its_stretch() {
        // a reprint damaged by noise: the aligner stopped at a misread word, and the
        // text goes on alike beyond it
        let a = "Brand quotes a reference to cat and doug from the Life of the Scotch oRgue. \
                 London, 1722. The Scotch Rogue says nothing about cricket.";
        let b = "Brand quotes a reference to cat and doug from the Life of the Scotch Rogue. \
                 London, 1722. The Scotch Rogue says nothing about cricket.";
        let shared = "Brand quotes a reference to cat and doug from the Life of the Scotch";
        let texts = stories(a, b);
        assert_eq!(judged(&texts, Some(&[3, 10]), &[(0, 1, shared)]), [false]);
        // the same stretch going on into other words days later: a recycled clause
        let texts = stories(
            &format!("{shared} king, said the critic of the age."),
            &format!("{shared} poet, an old tale of the north."),
        );
        assert_eq!(judged(&texts, Some(&[3, 10]), &[(0, 1, shared)]), [true]);
    }

    #[test]
    fn sentence_edges() {
        let t = "The Bank said.\n    The rate rose to 9.5261 pct from\n9.3456 pct. Reuter";
        assert!(sentence_starts(t, 0));
        let the = t.find("The rate").unwrap();
        assert!(sentence_starts(t, the));
        let rate = t.find("rate rose").unwrap();
        assert!(!sentence_starts(t, rate));
        // a wrapped line is no paragraph
        let nine = t.find("9.3456").unwrap();
        assert!(!sentence_starts(t, nine));
        // "9." before "5261" ends nothing; "9.3456 pct." does
        let nine_dot = t.find("9.5261").unwrap() + 1;
        assert!(!sentence_ends(t, nine_dot, false));
        let pct = t.find("pct. Reuter").unwrap() + 3;
        assert!(sentence_ends(t, pct, false));
        assert!(!sentence_ends(t, t.find(" from").unwrap(), false));
        assert!(sentence_ends(t, t.len(), false));
        let q = "He said \"we will act.\" Then";
        assert!(sentence_ends(q, q.find(".\"").unwrap(), false));
        // a paragraph break right after
        let p = "a table row 600/700\n\n Next";
        assert!(sentence_ends(p, p.find("\n\n").unwrap(), false));
        let w = "a table row 600/700  unquoted";
        assert!(!sentence_ends(w, w.find("  unq").unwrap(), false));
        // a clause's comma ends a clause, not a sentence; a thousands separator neither
        let c = "trading figures, the LCE said, at 1,325 francs";
        let comma = c.find(", the").unwrap();
        assert!(sentence_ends(c, comma, true));
        assert!(!sentence_ends(c, comma, false));
        assert!(!sentence_ends(c, c.find(",325").unwrap(), true));
    }
}
