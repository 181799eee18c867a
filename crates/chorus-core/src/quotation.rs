//! Quotation: whether a member's words are quoted, who said them, and credited block quotes.
//!
//! - **Quotation marks.** The paragraphs around a member (blank-line separated, with the
//!   one before, for a quotation that goes on across them) are read mark by mark. Each mark
//!   belongs to a family (double: `"` `“` `”` `„`; guillemets: `«` `»`; single: `'` `‘`
//!   `’` `‹` `›`) and is an opening or a closing one by what touches it (space or
//!   punctuation on one side, a word on the other), falling back to its shape (`“` opens,
//!   `”` closes, `"` toggles). Double marks and guillemets are paired with a stack (one may
//!   nest in the other); a mark that opens while the same family is open ends the open
//!   quotation there, and a quotation still open at a paragraph's end runs to that end (the
//!   convention for a quotation that goes on into the next paragraph). Single marks are
//!   paired the same way only outside double quotations and only when closed (an
//!   apostrophe between letters is no mark; an unpaired one, as in `Corps’`, is dropped).
//!   Titles are not quotations: a quoted span without closing punctuation that is in
//!   parentheses (`WSJ ("Headline"):`), in title case, or short and alone on its line.
//! - **Quoted.** A member is *quoted* when at least half of its letters and digits lie
//!   inside quotations, not counting the words of attribution clauses. So the decision
//!   does not depend on the member's exact edges: one that starts a word or two inside the
//!   quotation, or takes in the attribution after the closing mark or between the parts of
//!   a split quotation, is still quoted; scare quotes around a word or two are not enough.
//! - **Attribution.** Each quotation is attributed by the clause after its closing mark
//!   or, failing that, the one before its opening mark (`attribution.rs`). The
//!   second part of a sentence split by its attribution (`'A,' said X, 'b.'`) takes that
//!   attribution; a part without its own clause takes the one of the part before it when
//!   only that clause separates them (`"First part," she said. "Second part."`), or of
//!   the part after it when only that part's leading clause does, within a paragraph (a
//!   new paragraph of dialogue is a new speaker). A member's attribution is the speaker
//!   whose quotations hold at least two thirds of its attributed quoted words: a member
//!   that spans a dialogue between several speakers has none.
//! - **Credit.** Text under a line that credits another outlet and ends with a colon
//!   (`WSJ ("Headline"):`, `The report adds:`) is a credited block quote, up to the next
//!   such line.
//! - **Reuse kind.** `quotation` (quoted), `credited` (a credited block quote), `copy`
//!   (neither: the words were taken over without marks or credit).
//!
//! Cost: linear in the member and the paragraphs around it. Limits: the extent of a block
//! quote is guessed from plain text (HTML markup would be exact); a stray unpaired double
//! mark makes the rest of its paragraph a quotation.

use crate::attribution;
use crate::document::Span;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Family {
    Double,
    Guillemet,
    Single,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Open,
    Close,
    Either,
}

#[derive(Clone, Copy, Debug)]
struct Mark {
    pos: usize,
    end: usize,
    family: Family,
    role: Role,
}

/// The family of a quotation mark and the role its shape suggests.
fn glyph(c: char) -> Option<(Family, Role)> {
    Some(match c {
        '"' => (Family::Double, Role::Either),
        '“' | '„' | '‟' => (Family::Double, Role::Open),
        '”' => (Family::Double, Role::Close),
        '«' => (Family::Guillemet, Role::Open),
        '»' => (Family::Guillemet, Role::Close),
        '\'' => (Family::Single, Role::Either),
        '‘' | '‚' | '‹' => (Family::Single, Role::Open),
        '’' | '›' => (Family::Single, Role::Close),
        _ => return None,
    })
}

/// A double mark or guillemet: these end attribution clauses.
fn is_outer_mark(c: char) -> bool {
    glyph(c).is_some_and(|(f, _)| f != Family::Single)
}

/// The quotation marks of `text[lo..hi]`, with their roles read from what touches them.
fn marks(text: &str, lo: usize, hi: usize) -> Vec<Mark> {
    let mut out = Vec::new();
    let mut prev = text[..lo].chars().next_back();
    let mut it = text[lo..hi].char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let next = it
            .peek()
            .map(|&(_, n)| n)
            .or_else(|| text[hi..].chars().next());
        if let Some((family, shape)) = glyph(c) {
            let apostrophe = family == Family::Single
                && prev.is_some_and(char::is_alphanumeric)
                && next.is_some_and(char::is_alphanumeric);
            if !apostrophe {
                let left = prev.is_none_or(|p| {
                    p.is_whitespace() || "([{—–-/".contains(p) || glyph(p).is_some()
                });
                let right = next.is_none_or(|n| {
                    n.is_whitespace() || ".,;:!?)]}—–-…".contains(n) || glyph(n).is_some()
                });
                let role = match (left, right) {
                    (true, false) => Role::Open,
                    (false, true) => Role::Close,
                    _ => shape,
                };
                out.push(Mark {
                    pos: lo + i,
                    end: lo + i + c.len_utf8(),
                    family,
                    role,
                });
            }
        }
        prev = Some(c);
    }
    out
}

/// One quotation: its opening mark at `open`, its words `[begin, end)`, and `after`, the
/// end of its closing mark (`end` when it has none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Region {
    open: usize,
    begin: usize,
    end: usize,
    after: usize,
    closed: bool,
}

/// Pairs the marks of one paragraph ending at `para_end` into outermost quotations.
fn pair(marks: &[Mark], para_end: usize, keep_unclosed: bool, out: &mut Vec<Region>) {
    let mut stack: Vec<Mark> = Vec::new();
    let unclosed = |o: &Mark, end: usize| Region {
        open: o.pos,
        begin: o.end,
        end,
        after: end,
        closed: false,
    };
    for &m in marks {
        let same = stack.iter().rposition(|s| s.family == m.family);
        let role = match m.role {
            Role::Either if same.is_some() => Role::Close,
            Role::Either => Role::Open,
            r => r,
        };
        match (role, same) {
            (Role::Open, Some(k)) => {
                if k == 0 && keep_unclosed {
                    out.push(unclosed(&stack[0], m.pos));
                }
                stack.truncate(k);
                stack.push(m);
            }
            (Role::Open, None) => stack.push(m),
            (_, Some(k)) => {
                if k == 0 {
                    out.push(Region {
                        open: stack[0].pos,
                        begin: stack[0].end,
                        end: m.pos,
                        after: m.end,
                        closed: true,
                    });
                }
                stack.truncate(k);
            }
            (_, None) => {}
        }
    }
    if let (Some(o), true) = (stack.first(), keep_unclosed) {
        out.push(unclosed(o, para_end));
    }
}

/// The paragraphs of `text[lo..hi]`: separated by blank lines, trailing space trimmed.
fn paragraphs(text: &str, lo: usize, hi: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = lo;
    let bytes = text.as_bytes();
    let mut i = lo;
    while i < hi {
        if bytes[i] == b'\n' {
            let mut j = i + 1;
            while j < hi && matches!(bytes[j], b' ' | b'\t' | b'\r') {
                j += 1;
            }
            if j < hi && bytes[j] == b'\n' {
                out.push((start, i));
                start = j + 1;
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    out.push((start, hi));
    out.into_iter()
        .map(|(a, b)| (a, a + text[a..b].trim_end().len()))
        .filter(|(a, b)| a < b)
        .collect()
}

/// The quotations of `text[lo..hi]` (whole paragraphs), in text order.
fn regions(text: &str, lo: usize, hi: usize) -> Vec<Region> {
    let mut out = Vec::new();
    for (a, b) in paragraphs(text, lo, hi) {
        let all = marks(text, a, b);
        let outer: Vec<Mark> = all
            .iter()
            .copied()
            .filter(|m| m.family != Family::Single)
            .collect();
        let first = out.len();
        pair(&outer, b, true, &mut out);
        let doubles = out[first..].to_vec();
        let single: Vec<Mark> = all
            .into_iter()
            .filter(|m| m.family == Family::Single)
            .filter(|m| !doubles.iter().any(|r| r.open <= m.pos && m.pos < r.after))
            .collect();
        pair(&single, b, false, &mut out);
        out[first..].sort_by_key(|r| r.open);
    }
    out
}

/// A quoted title rather than a quotation: in parentheses, in title case, or alone on its
/// line without closing punctuation (at most 15 words); never one that ends a sentence.
fn is_title(text: &str, r: &Region) -> bool {
    let inner = text[r.begin..r.end].trim();
    let last = inner.trim_end_matches(|c: char| glyph(c).is_some() || ")]".contains(c));
    if last.ends_with(['.', '!', '?', ',', '…', ';', ':', '-', '—', '–']) {
        return false;
    }
    let before = text[..r.open].trim_end_matches([' ', '\t']);
    if before.ends_with('(') {
        return true;
    }
    let long: Vec<&str> = inner
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() > 3)
        .collect();
    let caps = long
        .iter()
        .filter(|w| {
            w.chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(char::is_uppercase)
        })
        .count();
    if long.len() >= 3 && caps * 4 >= long.len() * 3 {
        return true;
    }
    let rest = text[r.after..].trim_start_matches([' ', '\t', '\r']);
    r.closed
        && inner.split_whitespace().count() <= 15
        && (before.is_empty() || before.ends_with('\n'))
        && (rest.is_empty() || rest.starts_with('\n'))
}

const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Gen", "Maj", "Col", "Lt", "Sgt", "Capt", "Sen", "Rep", "Gov", "Jr",
    "Sr", "St", "Prof", "Mme", "Mlle", "Me", "No", "Inc", "Co", "Corp", "Ltd", "Jan", "Feb", "Aug",
    "Sept", "Oct", "Nov", "Dec", "vs",
];

/// Whether the `.` at `i` ends a sentence (not an abbreviation or an initial).
fn full_stop(text: &str, i: usize) -> bool {
    if !text[i + 1..].chars().next().is_none_or(char::is_whitespace) {
        return false;
    }
    let word = text[..i]
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    let word = word.trim_start_matches(|c: char| !c.is_alphanumeric());
    !(word.chars().count() == 1 || word.contains('.') || ABBREVIATIONS.contains(&word))
}

/// Where the clause that starts at `from` ends: at the end of its sentence, a line, or a
/// double quotation mark, within 240 bytes.
fn clause_end(text: &str, from: usize) -> usize {
    let limit = text.floor_char_boundary((from + 240).min(text.len()));
    for (i, c) in text[from..limit].char_indices() {
        let at = from + i;
        let stop = c == '\n'
            || is_outer_mark(c)
            || matches!(c, ';' | '!' | '?')
            || (c == '.' && full_stop(text, at));
        if stop {
            return at;
        }
    }
    limit
}

/// Where the clause that ends at `to` starts: after the previous sentence, line or double
/// quotation mark, within 240 bytes.
fn clause_start(text: &str, to: usize) -> usize {
    let limit = text.ceil_char_boundary(to.saturating_sub(240));
    for (i, c) in text[limit..to].char_indices().rev() {
        let at = limit + i;
        let stop = c == '\n'
            || is_outer_mark(c)
            || matches!(c, ';' | '!' | '?')
            || (c == '.' && full_stop(text, at));
        if stop {
            return at + c.len_utf8();
        }
    }
    limit
}

/// A speaker and the byte range of the clause that names it.
#[derive(Clone, Debug)]
struct Said {
    speaker: String,
    clause: (usize, usize),
}

/// Whether `text[a..b]` holds nothing but white space and punctuation (`false` if `a > b`).
fn only_punctuation(text: &str, a: usize, b: usize) -> bool {
    a <= b
        && text[a..b]
            .chars()
            .all(|c| c.is_whitespace() || ".,;:—–-".contains(c))
}

/// Whether `s` holds a blank line: a new paragraph (in dialogue, a new speaker).
fn has_blank_line(s: &str) -> bool {
    let lines: Vec<&str> = s.split('\n').collect();
    lines.len() > 2
        && lines[1..lines.len() - 1]
            .iter()
            .any(|l| l.trim().is_empty())
}

/// The attribution of each quotation (see the module documentation), and every clause
/// that attributes one.
fn attributions(text: &str, regions: &[Region]) -> (Vec<Option<Said>>, Vec<(usize, usize)>) {
    let mut after: Vec<Option<Said>> = Vec::with_capacity(regions.len());
    let mut before: Vec<Option<Said>> = Vec::with_capacity(regions.len());
    for (k, r) in regions.iter().enumerate() {
        // a clause ends where the next quotation opens and starts where the last one closed
        let next_open = regions
            .get(k + 1)
            .map_or(text.len(), |n| n.open.max(r.after));
        let last_close = k.checked_sub(1).map_or(0, |p| regions[p].after.min(r.open));
        let a = r.closed.then(|| {
            let end = clause_end(text, r.after).min(next_open);
            let clause = &text[r.after..end];
            let said = attribution::after(clause)?;
            let stop = text[r.begin..r.end].trim_end().ends_with('.');
            let comma = clause.trim_start().starts_with([',', '—', '–']);
            (said.inverted || comma || !stop).then_some(Said {
                speaker: said.speaker,
                clause: (r.after, end),
            })
        });
        after.push(a.flatten());
        let start = clause_start(text, r.open).max(last_close);
        before.push(
            attribution::before(&text[start..r.open]).map(|speaker| Said {
                speaker,
                clause: (start, r.open),
            }),
        );
    }
    let clauses = after
        .iter()
        .chain(&before)
        .flatten()
        .map(|s| s.clause)
        .collect();
    let mut own: Vec<Option<Said>> = after
        .iter()
        .zip(&before)
        .map(|(a, b)| a.clone().or_else(|| b.clone()))
        .collect();
    // a quotation running on into the next paragraph is one with the part that follows
    let runs_on = |i: usize| {
        !regions[i - 1].closed && only_punctuation(text, regions[i - 1].end, regions[i].open)
    };
    for i in 1..regions.len() {
        let gap = |s: &&Said| {
            only_punctuation(text, s.clause.1, regions[i].open)
                && !has_blank_line(&text[regions[i - 1].after..regions[i].open])
        };
        let split = after[i - 1].as_ref().filter(gap);
        // `'A,' said X, 'b…'`: the same sentence goes on, whatever follows its second part
        let same_sentence = split.is_some() && {
            let between = text[regions[i - 1].after..regions[i].open].trim_end();
            between.ends_with(',') && !between.contains(['.', '\n'])
        };
        if same_sentence || (own[i].is_none() && (split.is_some() || runs_on(i))) {
            own[i] = own[i - 1].clone();
        }
    }
    for i in (1..regions.len()).rev() {
        let split = before[i]
            .as_ref()
            .is_some_and(|s| only_punctuation(text, regions[i - 1].after, s.clause.0))
            && !has_blank_line(&text[regions[i - 1].after..regions[i].open]);
        if own[i - 1].is_none() && (split || runs_on(i)) {
            own[i - 1] = own[i].clone();
        }
    }
    (own, clauses)
}

/// Where the paragraph holding `pos` starts, searching back no further than `floor`.
fn paragraph_start(text: &str, pos: usize, floor: usize) -> usize {
    let floor = floor.min(pos);
    text[floor..pos]
        .rfind("\n\n")
        .map_or(floor, |i| floor + i + 2)
}

/// Where the paragraph holding `pos` ends, searching on no further than `ceiling`.
fn paragraph_end(text: &str, pos: usize, ceiling: usize) -> usize {
    let ceiling = ceiling.max(pos);
    text[pos..ceiling].find("\n\n").map_or(ceiling, |i| pos + i)
}

/// How far around a member the paragraphs are read, at most.
const REACH: usize = 20_000;

/// Quotation, attribution and credit of the member `span` of `text`.
pub fn quotation(text: &str, span: Span) -> Quotation {
    // the member's paragraphs, with the one before and the one after
    let floor = text.ceil_char_boundary(span.begin.saturating_sub(REACH));
    let ceiling = text.floor_char_boundary(span.end.saturating_add(REACH).min(text.len()));
    let start = paragraph_start(text, span.begin, floor);
    let lo = paragraph_start(text, start.saturating_sub(2).max(floor), floor);
    let end = paragraph_end(text, span.end, ceiling);
    let hi = paragraph_end(text, (end + 2).min(ceiling), ceiling);
    let regions: Vec<Region> = regions(text, lo, hi)
        .into_iter()
        .filter(|r| !is_title(text, r))
        .collect();
    let (said, mut clauses) = attributions(text, &regions);
    clauses.sort_unstable();

    // letters and digits of the member: inside quotations, in attribution clauses
    let (mut total, mut neutral) = (0usize, 0usize);
    let mut inside = vec![0usize; regions.len()];
    let (mut ri, mut ci) = (0, 0);
    for (i, c) in text[span.begin..span.end].char_indices() {
        if !c.is_alphanumeric() {
            continue;
        }
        let at = span.begin + i;
        total += 1;
        while ri < regions.len() && regions[ri].end <= at {
            ri += 1;
        }
        if ri < regions.len() && regions[ri].begin <= at {
            inside[ri] += 1;
            continue;
        }
        while ci < clauses.len() && clauses[ci].1 <= at {
            ci += 1;
        }
        if clauses[ci.min(clauses.len())..]
            .iter()
            .take_while(|c| c.0 <= at)
            .any(|c| at < c.1)
        {
            neutral += 1;
        }
    }
    let quoted_letters: usize = inside.iter().sum();
    let quoted = quoted_letters > 0 && 2 * quoted_letters >= total - neutral;
    let attribution = quoted.then(|| speaker_of(&inside, &said)).flatten();
    Quotation {
        quoted,
        attribution,
        credit: credit(text, span.begin),
    }
}

/// The speaker of a member whose letters inside each quotation are `inside`: the one whose
/// quotations hold at least two thirds of the attributed quoted letters (a dialogue between
/// several speakers has none).
fn speaker_of(inside: &[usize], said: &[Option<Said>]) -> Option<String> {
    let mut by: Vec<(&str, usize)> = Vec::new();
    for (n, s) in inside.iter().zip(said) {
        if let (Some(s), true) = (s, *n > 0) {
            match by.iter_mut().find(|(w, _)| *w == s.speaker) {
                Some(e) => e.1 += n,
                None => by.push((&s.speaker, *n)),
            }
        }
    }
    let total: usize = by.iter().map(|e| e.1).sum();
    let &(who, n) = by.iter().max_by_key(|e| e.1)?;
    (3 * n >= 2 * total).then(|| who.to_string())
}

static CREDIT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    // `WSJ ("Headline"):`, `CBS News ("Headline") reports that ... adds:`,
    // `Reuters reports:`; the credited name is the capitalised phrase that opens the line.
    Regex::new(
        r"^(?P<who>[A-Z][\w&'.-]*(?: [A-Z][\w&'.-]*){0,4})\s*(?:\([^)]*\)\s*)?(?:(?:reports|reported|writes|wrote|adds|added|notes|noted|says|said)\b[^\n]{0,300})?:\s*$",
    )
    .expect("valid regex")
});

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

#[cfg(test)]
mod tests;
