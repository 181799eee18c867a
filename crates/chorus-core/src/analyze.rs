//! Provenance: time order, quotation and attribution, coordinated messaging.
//!
//! - **Quotation.** A member is *quoted* when its text sits between quotation marks: it
//!   starts at (or just after) an opening mark and ends at (or just before) a closing one,
//!   or an odd number of double quotation marks precedes it in its paragraph. The
//!   *attribution* is the speaker named next to the quotation marks, after a closing mark
//!   (`…," an unidentified official told WSJ`, `…," said Patel`) or before the opening one
//!   (`Patel said: "…`, `According to a person close to the talks, "…`), including the
//!   closing marks inside the member (a statement interrupted by its attribution). The
//!   speaker is normalised: spaces collapsed, surrounding punctuation removed.
//! - **Credit.** Text under a line that credits another outlet and ends with a colon
//!   (`WSJ ("Headline"):`, `The report adds:`) is a credited block quote, up to the next
//!   such line.
//! - **Reuse kind.** `quotation` (quoted), `credited` (a credited block quote), `copy`
//!   (neither: the words were taken over without marks or credit, e.g. a lightly rewritten
//!   wire story).
//! - **Coordination.** A cluster is coordinated when at least `min_sources` distinct
//!   sources printed it within a `window`; the score is the largest number of distinct
//!   sources in any such window divided by `min_sources` (≥ 1 means coordinated), with the
//!   window's outlets and times as evidence. A member counts in a window only when its whole
//!   time fits in it ([`crate::when`]): a date-only member, uncertain by a day, counts in a
//!   24-hour window only with the members of its own day.
//! - **Propagation.** Each later copy's most likely parent is the earlier member it is
//!   most similar to (copies that share a typo or an edit align better with each other than
//!   with the original), ties broken by the nearest time ([`propagation`]). "Earlier" means
//!   certainly earlier ([`When::before`]): undated members and members whose times overlap
//!   get no edge between them, since nobody knows which way the text went.
//!
//! Cost: linear in the members' surrounding text. Limits: the patterns are English; the
//! extent of a block quote is guessed from plain text (HTML markup would be exact).

use crate::document::Span;
use crate::order::DocNum;
use crate::when::When;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

const VERBS: &str = "said|says|told|tells|added|adds|stated|states|wrote|writes|explained|\
    explains|noted|notes|claimed|claims|insisted|insists|argued|argues|warned|warns|announced|\
    announces|declared|declares|continued|continues|replied|replies|asked|asks|remarked|\
    recalled|recalls|confirmed|confirms|reported|reports|tweeted|posted|muttered|sighed|cried|\
    shouted|whispered|admitted|admits|acknowledged|acknowledges|suggested|suggests";

static AFTER_SPEAKER_VERB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"^[\s,.!?;:-]*(?P<spk>[^"“”«»\n]{{1,90}}?)\s+(?:{VERBS})\b"#
    ))
    .expect("valid regex")
});
static AFTER_VERB_SPEAKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"^[\s,.!?;:-]*(?:{VERBS})\s+(?P<spk>[^,.;:!?"“”«»\n]{{1,60}})"#
    ))
    .expect("valid regex")
});
static BEFORE_SPEAKER_VERB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?P<spk>[^"“”«».;!?\n]{{1,90}}?)\s+(?:{VERBS})(?:\s+(?:that|on \w+|in a statement))?\s*[:,]?\s*$"#
    ))
    .expect("valid regex")
});
static BEFORE_ACCORDING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:according to|in the words of)\s+(?P<spk>[^,"“”«»\n]{1,90}?),?\s*$"#)
        .expect("valid regex")
});
static CREDIT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    // `WSJ ("Headline"):`, `CBS News ("Headline") reports that ... adds:`,
    // `Reuters reports:`; the credited name is the capitalised phrase that opens the line.
    Regex::new(
        r"^(?P<who>[A-Z][\w&'.-]*(?: [A-Z][\w&'.-]*){0,4})\s*(?:\([^)]*\)\s*)?(?:(?:reports|reported|writes|wrote|adds|added|notes|noted|says|said)\b[^\n]{0,300})?:\s*$",
    )
    .expect("valid regex")
});

fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '„' | '«' | '‘' | '\'' | '‟')
}

fn is_close_quote(c: char) -> bool {
    matches!(c, '"' | '”' | '»' | '’' | '\'' | '“')
}

fn is_double_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„' | '«' | '»')
}

/// How a member uses the shared words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quotation {
    pub quoted: bool,
    /// The speaker of a quotation.
    pub attribution: Option<String>,
    /// The outlet credited for a block quote.
    pub credit: Option<String>,
}

impl Quotation {
    /// `quotation`, `credited` or `copy`.
    pub fn reuse(&self) -> &'static str {
        if self.quoted {
            "quotation"
        } else if self.credit.is_some() {
            "credited"
        } else {
            "copy"
        }
    }
}

/// Normalises a speaker phrase: collapses spaces, trims punctuation, and refuses phrases
/// that are clearly not a speaker (too long, empty).
fn speaker(raw: &str) -> Option<String> {
    let s = raw
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != '\'')
        .trim_end_matches('.');
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.is_empty() || words.len() > 9 {
        return None;
    }
    let s = words.join(" ");
    let s = s.strip_prefix("and ").unwrap_or(&s).to_string();
    Some(s)
}

fn paragraph_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind("\n\n").map_or(0, |i| i + 2)
}

/// Quotation, attribution and credit of the member `span` of `text`.
pub fn quotation(text: &str, span: Span) -> Quotation {
    let inner = &text[span.begin..span.end];
    let before = &text[text.floor_char_boundary(span.begin.saturating_sub(160))..span.begin];
    let after = &text[span.end..text.floor_char_boundary((span.end + 160).min(text.len()))];
    let opens = inner.chars().next().is_some_and(is_open_quote)
        || before
            .trim_end()
            .chars()
            .next_back()
            .is_some_and(is_open_quote);
    let closes = inner
        .trim_end_matches(['.', ',', '!', '?', ';', ':'])
        .chars()
        .next_back()
        .is_some_and(is_close_quote)
        || after
            .trim_start_matches(['.', ',', '!', '?', ';', ':', '-'])
            .chars()
            .next()
            .is_some_and(is_close_quote);
    let para = &text[paragraph_start(text, span.begin)..span.begin];
    let inside = para.chars().filter(|&c| is_double_quote(c)).count() % 2 == 1;
    let quoted = (opens && closes) || inside;

    let mut attribution = None;
    if quoted {
        // after each closing mark inside or right after the member
        let region_end = text.floor_char_boundary((span.end + 4).min(text.len()));
        let region = &text[span.begin..region_end];
        for (i, c) in region.char_indices() {
            if !is_double_quote(c) || i == 0 {
                continue;
            }
            let tail_start = span.begin + i + c.len_utf8();
            let tail =
                &text[tail_start..text.floor_char_boundary((tail_start + 160).min(text.len()))];
            let hit = AFTER_SPEAKER_VERB
                .captures(tail)
                .or_else(|| AFTER_VERB_SPEAKER.captures(tail));
            if let Some(spk) = hit.and_then(|c| speaker(&c["spk"])) {
                attribution = Some(spk);
                break;
            }
        }
        if attribution.is_none() {
            let head = before.trim_end_matches(|c: char| is_open_quote(c) || c.is_whitespace());
            let hit = BEFORE_ACCORDING
                .captures(head)
                .or_else(|| BEFORE_SPEAKER_VERB.captures(head));
            attribution = hit.and_then(|c| speaker(&c["spk"]));
        }
    }
    Quotation {
        quoted,
        attribution,
        credit: credit(text, span.begin),
    }
}

/// The outlet credited by the nearest preceding credit line (a line ending in a colon
/// that names someone), within a dozen lines.
fn credit(text: &str, pos: usize) -> Option<String> {
    let head = &text[..pos];
    let line_start = head.rfind('\n').map_or(0, |i| i + 1);
    let mut lines = text[..line_start]
        .lines()
        .rev()
        .filter(|l| !l.trim().is_empty());
    for _ in 0..12 {
        let line = lines.next()?.trim();
        if let Some(c) = CREDIT_LINE.captures(line) {
            let who = c["who"].trim();
            let who = who.split(" (").next().unwrap_or(who).trim();
            if who.split_whitespace().count() <= 5 {
                return Some(who.to_string());
            }
        }
    }
    None
}

/// Evidence of coordinated messaging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coordination {
    /// Distinct sources in the busiest window.
    pub sources_in_window: usize,
    /// Seconds since the epoch: the first second of the window's earliest member and the
    /// last second of its latest (their timestamps, for members with one).
    pub window_start: i64,
    pub window_end: i64,
    /// The sources in that window, in order of first appearance (by the start of their
    /// members' times).
    pub outlets: Vec<String>,
}

/// The busiest window of length `window` seconds over `(time, source)` members: distinct
/// sources in it, and the window itself. A member is in a window only when its whole
/// time is (a date-only member's whole day). `None` when no member fits in a window.
///
/// Members are swept in order of their time's end; the window at each member ends there
/// and holds the members swept so far that start no earlier than `window` before it. The
/// first window with the most sources wins.
pub fn busiest_window(members: &[(When, &str)], window: i64) -> Option<Coordination> {
    let mut m: Vec<(i64, i64, &str)> = members.iter().map(|(w, s)| (w.last, w.first, *s)).collect();
    m.sort_unstable();
    let mut best: Option<(usize, usize)> = None; // (count, last member)
    let mut counts: std::collections::HashMap<&str, usize> = Default::default();
    // members in the window, by their start: the earliest leaves first
    let mut inside: std::collections::BinaryHeap<std::cmp::Reverse<(i64, usize)>> =
        Default::default();
    for (hi, &(end, start, source)) in m.iter().enumerate() {
        if end - start <= window {
            *counts.entry(source).or_default() += 1;
            inside.push(std::cmp::Reverse((start, hi)));
        }
        while let Some(&std::cmp::Reverse((s, j))) = inside.peek() {
            if end - s <= window {
                break;
            }
            inside.pop();
            let c = counts.get_mut(m[j].2).expect("counted");
            *c -= 1;
            if *c == 0 {
                counts.remove(m[j].2);
            }
        }
        if !counts.is_empty() && best.is_none_or(|b| counts.len() > b.0) {
            best = Some((counts.len(), hi));
        }
    }
    let (n, hi) = best?;
    let end = m[hi].0;
    // the members in that window, by their start
    let mut inside: Vec<(i64, i64, &str)> = m[..=hi]
        .iter()
        .filter(|&&(e, s, _)| end - s <= window && e - s <= window)
        .map(|&(e, s, source)| (s, e, source))
        .collect();
    inside.sort_unstable();
    let mut outlets: Vec<String> = Vec::new();
    for &(_, _, source) in &inside {
        if !outlets.iter().any(|o| o == source) {
            outlets.push(source.to_string());
        }
    }
    Some(Coordination {
        sources_in_window: n,
        window_start: inside[0].0,
        window_end: end,
        outlets,
    })
}

/// Propagation edges from the aligned pairs `(x, y, similarity)` of one cluster, in any
/// order, given each document's time (`None`: undated): for each later document, the
/// certainly earlier document ([`When::before`]) it is most similar to, ties going to the
/// nearest in numbering order (which is time order), then to the first pair given. Pairs
/// whose order is not certain give no edge. Returns `(from, to, similarity)`, by `to`.
pub fn propagation(
    pairs: impl IntoIterator<Item = (DocNum, DocNum, f64)>,
    when: impl Fn(DocNum) -> Option<When>,
) -> Vec<(DocNum, DocNum, f64)> {
    let mut best: std::collections::BTreeMap<DocNum, (f64, std::cmp::Reverse<u32>, DocNum)> =
        Default::default();
    for (x, y, score) in pairs {
        let (Some(wx), Some(wy)) = (when(x), when(y)) else {
            continue;
        };
        let (early, late) = if wx.before(&wy) {
            (x, y)
        } else if wy.before(&wx) {
            (y, x)
        } else {
            continue;
        };
        let cand = (score, std::cmp::Reverse(late.0.abs_diff(early.0)), early);
        let e = best.entry(late).or_insert(cand);
        if (cand.0, cand.1) > (e.0, e.1) {
            *e = cand;
        }
    }
    best.into_iter()
        .map(|(late, (score, _, early))| (early, late, score))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_of(text: &str, needle: &str) -> Span {
        let b = text.find(needle).unwrap();
        Span::new(b, b + needle.len())
    }

    #[test]
    fn attribution_after_an_interrupting_closing_mark() {
        let t = "The alert came.\n\"Prior to the attack, we warned them,\" an unidentified \
                 official told WSJ. \"We provide these warnings to save lives.\"\nIran failed.";
        let q = quotation(
            t,
            span_of(
                t,
                "\"Prior to the attack, we warned them,\" an unidentified official told WSJ. \"We provide these warnings to save lives.\"",
            ),
        );
        assert!(q.quoted);
        assert_eq!(q.attribution.as_deref(), Some("an unidentified official"));
        assert_eq!(q.reuse(), "quotation");
    }

    #[test]
    fn attribution_with_abbreviations_and_curly_quotes() {
        let t = "“Prior to the attack, we warned them,” a U.S. official said, using an \
                 acronym. “We provide these warnings.” Officials declined to comment.";
        let q = quotation(
            t,
            span_of(
                t,
                "“Prior to the attack, we warned them,” a U.S. official said, using an acronym. “We provide these warnings.”",
            ),
        );
        assert!(q.quoted);
        assert_eq!(q.attribution.as_deref(), Some("a U.S. official"));
    }

    #[test]
    fn attribution_before_the_quote_and_inverted() {
        let t = "State Department deputy spokesperson Vedant Patel said: \"I would not \
                 interpret any change in policy.\" Then he left.";
        let q = quotation(t, span_of(t, "I would not interpret any change in policy."));
        assert!(q.quoted);
        assert_eq!(
            q.attribution.as_deref(),
            Some("State Department deputy spokesperson Vedant Patel")
        );
        let t = "\"We will not stop,\" said Maria Lopez, the union's leader.";
        let q = quotation(t, span_of(t, "We will not stop,"));
        assert_eq!(q.attribution.as_deref(), Some("Maria Lopez"));
        let t = "According to a person close to the talks, \"the deal is done.\"";
        let q = quotation(t, span_of(t, "the deal is done."));
        assert_eq!(
            q.attribution.as_deref(),
            Some("a person close to the talks")
        );
    }

    #[test]
    fn unquoted_copies_and_credited_block_quotes() {
        let t = "Iran failed to prevent the bombings, the Wall Street Journal reported.";
        let q = quotation(t, span_of(t, "Iran failed to prevent the bombings"));
        assert!(!q.quoted);
        assert_eq!(q.attribution, None);
        assert_eq!(q.reuse(), "copy");
        let t = "So the statement reads, in full:\n\nAll is well.";
        assert_eq!(quotation(t, span_of(t, "All is well.")).credit, None);
        let t = "CBS News (\"Headline\") reports that it was told the same. The report adds:\n\n\
                 Officials declined to offer details.";
        let q = quotation(t, span_of(t, "Officials declined to offer details."));
        assert_eq!(q.credit.as_deref(), Some("CBS News"));
        let t = "My take.\n\nWSJ (\"U.S. Secretly Alerted Iran\"):\n\nThe U.S. secretly warned \
                 Iran.\n\nThe confidential alert came after intelligence.\n\nMore of mine.";
        let q = quotation(
            t,
            span_of(t, "The confidential alert came after intelligence."),
        );
        assert!(!q.quoted);
        assert_eq!(q.credit.as_deref(), Some("WSJ"));
        assert_eq!(q.reuse(), "credited");
    }

    #[test]
    fn busiest_window_counts_distinct_sources() {
        let h = 3600;
        let at = When::instant;
        let m = [
            (at(0), "a"),
            (at(h), "b"),
            (at(2 * h), "a"),
            (at(3 * h), "c"),
            (at(100 * h), "d"),
        ];
        let c = busiest_window(&m, 24 * h).unwrap();
        assert_eq!(c.sources_in_window, 3);
        assert_eq!(c.outlets, vec!["a", "b", "c"]);
        assert_eq!((c.window_start, c.window_end), (0, 3 * h));
        assert!(busiest_window(&[], 10).is_none());
    }

    #[test]
    fn a_date_only_member_counts_only_where_its_whole_day_fits() {
        let h = 3600;
        let d = 24 * h;
        let m = [
            (When::day(0), "a"),
            (When::instant(8 * h), "b"),
            (When::instant(20 * h), "c"),
            (When::day(d), "d"),
        ];
        // 24 hours: the day of `a` with `b` and `c`; `d`'s day does not fit with `a`'s
        let c = busiest_window(&m, d).unwrap();
        assert_eq!(c.outlets, vec!["a", "b", "c"]);
        assert_eq!((c.window_start, c.window_end), (0, d - 1));
        // two hours: no day fits, the two timestamps are 12 hours apart
        let c = busiest_window(&m, 2 * h).unwrap();
        assert_eq!(c.sources_in_window, 1);
        assert_eq!(c.outlets, vec!["b"]);
        assert!(busiest_window(&[(When::day(0), "a")], 2 * h).is_none());
    }

    #[test]
    fn propagation_only_where_the_order_is_certain() {
        let (a, b, c, u) = (DocNum(0), DocNum(1), DocNum(2), DocNum(3));
        let when = |d: DocNum| match d.0 {
            0 => Some(When::day(0)),            // a date: the whole first day
            1 => Some(When::instant(8 * 3600)), // a timestamp of that day
            2 => Some(When::instant(30 * 3600)),
            _ => None,
        };
        let pairs = [
            (a, b, 0.9),
            (a, c, 0.5),
            (b, c, 0.8),
            (c, u, 1.0),
            (a, u, 1.0),
        ];
        // a and b tie, u is undated: only c gets a parent, the more similar b
        assert_eq!(propagation(pairs, when), vec![(b, c, 0.8)]);
        assert!(propagation(pairs, |_| None).is_empty());
    }
}
