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
//!   window's outlets and times as evidence.
//! - **Propagation.** Each later copy's most likely parent is the earlier member it is
//!   most similar to (copies that share a typo or an edit align better with each other than
//!   with the original), ties broken by the nearest time ([`propagation`]).
//!
//! Cost: linear in the members' surrounding text. Limits: the patterns are English; the
//! extent of a block quote is guessed from plain text (HTML markup would be exact).

use crate::document::Span;
use crate::order::DocNum;
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
    /// Seconds since the epoch of the window's first and last member.
    pub window_start: i64,
    pub window_end: i64,
    /// The sources in that window, in order of first appearance.
    pub outlets: Vec<String>,
}

/// The busiest window of length `window` seconds over `(time, source)` members: distinct
/// sources in it, and the window itself. `None` when no member has both.
pub fn busiest_window(members: &[(i64, &str)], window: i64) -> Option<Coordination> {
    let mut m: Vec<(i64, &str)> = members.to_vec();
    if m.is_empty() {
        return None;
    }
    m.sort_unstable();
    let mut best: Option<(usize, usize, usize)> = None; // (count, lo, hi)
    let mut counts: std::collections::HashMap<&str, usize> = Default::default();
    let mut lo = 0;
    for hi in 0..m.len() {
        *counts.entry(m[hi].1).or_default() += 1;
        while m[hi].0 - m[lo].0 > window {
            let c = counts.get_mut(m[lo].1).expect("counted");
            *c -= 1;
            if *c == 0 {
                counts.remove(m[lo].1);
            }
            lo += 1;
        }
        if best.is_none_or(|b| counts.len() > b.0) {
            best = Some((counts.len(), lo, hi));
        }
    }
    let (n, lo, hi) = best?;
    let mut outlets: Vec<String> = Vec::new();
    for &(_, s) in &m[lo..=hi] {
        if !outlets.iter().any(|o| o == s) {
            outlets.push(s.to_string());
        }
    }
    Some(Coordination {
        sources_in_window: n,
        window_start: m[lo].0,
        window_end: m[hi].0,
        outlets,
    })
}

/// Propagation edges from the aligned pairs `(x, y, similarity)` of one cluster, in any
/// order: for each later document, the earlier document it is most similar to, ties going
/// to the nearest in time (document numbers are in time order), then to the first pair
/// given. Returns `(from, to, similarity)`, by `to`.
pub fn propagation(
    pairs: impl IntoIterator<Item = (DocNum, DocNum, f64)>,
) -> Vec<(DocNum, DocNum, f64)> {
    let mut best: std::collections::BTreeMap<DocNum, (f64, std::cmp::Reverse<u32>, DocNum)> =
        Default::default();
    for (x, y, score) in pairs {
        let (early, late) = if x < y { (x, y) } else { (y, x) };
        if early == late {
            continue;
        }
        let cand = (score, std::cmp::Reverse(late.0 - early.0), early);
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
        let m = [
            (0, "a"),
            (h, "b"),
            (2 * h, "a"),
            (3 * h, "c"),
            (100 * h, "d"),
        ];
        let c = busiest_window(&m, 24 * h).unwrap();
        assert_eq!(c.sources_in_window, 3);
        assert_eq!(c.outlets, vec!["a", "b", "c"]);
        assert_eq!((c.window_start, c.window_end), (0, 3 * h));
        assert!(busiest_window(&[], 10).is_none());
    }
}
