//! What in a mail or Usenet body is not the poster's running text: signature blocks, reply
//! attribution lines and forwarded header blocks, found so that the reader can blank them.
//!
//! Two posts that share only such lines are not reuse: a poster's signature (or the same
//! signature quoted in someone else's reply), `In article <id> x writes:` above quotations
//! of *different* posts of one person, or a forwarded `From:`/`Subject:` block, are frames
//! with different text around them. Per-source boilerplate does not catch them when the
//! signature is quoted by another poster or rotates among several. So the mail reader
//! replaces every byte of these lines, line ends aside, by a space ([`blank`]): they hold
//! no token, seed nothing and can be in no passage, while every other byte keeps its
//! offset, so spans stay exact byte ranges of the body. Quoted text itself is untouched: a
//! reply that quotes a post still shares the quoted passage with it (a quotation).
//!
//! The body is read as lines, each with its quotation prefix (`>`, `> >`, `|` ...) and
//! content; lines with one prefix, blank lines between them included, form a *block* (the
//! poster's own text, or one quotation level of a quoted post). Found per line or block:
//! - **Signature**: in the last block of each prefix (the end of the poster's text, or of
//!   a quoted message), from its first opener to the block's end, when at most
//!   [`MAX_SIGNATURE_LINES`] non-blank lines follow the opener: the `-- ` delimiter (or
//!   `--`), a rule line (three or more of `- = _ * ~ # + / \ | < >`, no letters; not a
//!   heading's underline, about as long as the text line above it, nor below a line
//!   ending in `:`), or, in the poster's
//!   own text, a line that is the poster's name or its first word (from `From`, `-Jane`
//!   too). An opener other than `-- ` needs text before it in the same voice (the
//!   poster's own lines, or earlier lines of the same quotation level), and none opens a
//!   signature when a postscript (`P.S.`) follows it.
//! - **Attribution**: a line of at most [`MAX_ATTRIBUTION_BYTES`] ending in `:` (or `...`)
//!   whose last words hold a reporting verb (`writes`, `wrote`, `a écrit`, `schrieb`,
//!   `escribió` ...; `says`/`said` only with an address or `article`, as `In a previous
//!   article, x says:`), with the line before it when that opens the attribution (`In
//!   article <id>`, `On <date>`, `Le`, `Am`) and is cut by a line break; and notesfile
//!   gateway lines (`/* Written 4:38 pm Apr 16, 1993 by x in forum */`).
//! - **Header block**: two or more consecutive lines of mail header fields (`From:`,
//!   `Subject:`, `Date:`, `Newsgroups:`, `X-...:`, and `De`, `Objet`, `Envoyé`, `Von`,
//!   `Gesendet`, `Betreff`, `Asunto` ...),
//!   one of them naming a sender, subject or date; and `-----Original Message-----`-style
//!   forward markers.
//!
//! What a poster writes inside these forms is taken out with them (a one-line reply after a
//! `-- `); limits: a signature without opener, or longer than the limit, stays text (the
//! per-source boilerplate stage still removes one a poster repeats in 40 % of posts); a
//! trailing section after a rule line within the limit is taken for a signature.

use std::collections::HashMap;
use std::ops::Range;

/// The most non-blank lines after a signature opener (`-- `, a rule line, the poster's
/// name) for the rest of its block to be a signature.
pub(crate) const MAX_SIGNATURE_LINES: usize = 12;

/// The longest attribution line, in bytes (without its quotation prefix).
pub(crate) const MAX_ATTRIBUTION_BYTES: usize = 200;

/// Reporting verbs that end an attribution (`x writes:`, `Am ... schrieb x:`), lowercase.
const VERBS: [&str; 16] = [
    "writes",
    "wrote",
    "write",
    "écrit",
    "écrivait",
    "écrivit",
    "schrieb",
    "schreibt",
    "escribió",
    "escribe",
    "scrisse",
    "scrive",
    "schreef",
    "skrev",
    "kirjoitti",
    "napisał",
];

/// Verbs that make an attribution only with an address or the word `article`.
const WEAK_VERBS: [&str; 4] = ["says", "said", "dit", "sagt"];

/// Header field names of a quoted or forwarded message, lowercase (`x-` fields too).
const FIELDS: [&str; 37] = [
    "from",
    "subject",
    "date",
    "to",
    "cc",
    "bcc",
    "newsgroups",
    "organization",
    "message-id",
    "sender",
    "reply-to",
    "lines",
    "path",
    "sent",
    "keywords",
    "summary",
    "distribution",
    "references",
    "followup-to",
    "nntp-posting-host",
    "article-i.d.",
    "expires",
    "received",
    "return-path",
    "de",
    "objet",
    "envoyé",
    "von",
    "betreff",
    "datum",
    "à",
    "an",
    "gesendet",
    "enviado",
    "para",
    "asunto",
    "fecha",
];

/// Fields of which a header block must hold one.
const KEY_FIELDS: [&str; 15] = [
    "from",
    "subject",
    "date",
    "newsgroups",
    "sent",
    "de",
    "objet",
    "envoyé",
    "von",
    "betreff",
    "datum",
    "gesendet",
    "enviado",
    "asunto",
    "fecha",
];

/// One line of a body: its byte range (line end excluded), quotation prefix (markers only,
/// spaces dropped) and content after the prefix.
struct Line<'a> {
    range: Range<usize>,
    prefix: String,
    content: &'a str,
}

impl Line<'_> {
    fn blank(&self) -> bool {
        self.content.trim().is_empty()
    }
}

/// The quotation prefix of a line (`>`, `> >`, `|`, with spaces around) and the rest.
fn split_prefix(line: &str) -> (String, &str) {
    let mut prefix = String::new();
    let mut at = 0;
    for (i, c) in line.char_indices() {
        match c {
            '>' | '|' => {
                prefix.push(c);
                at = i + 1;
            }
            ' ' | '\t' if !prefix.is_empty() || i < 4 => {}
            _ => break,
        }
    }
    if prefix.is_empty() {
        (prefix, line)
    } else {
        (prefix, &line[at..])
    }
}

fn lines(body: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    for raw in body.split_inclusive('\n') {
        let text = raw.strip_suffix('\n').unwrap_or(raw);
        let text = text.strip_suffix('\r').unwrap_or(text);
        let (prefix, content) = split_prefix(text);
        out.push(Line {
            range: at..at + text.len(),
            prefix,
            content,
        });
        at += raw.len();
    }
    out
}

/// Whether a line's content is a signature delimiter (`-- `, `--`).
fn is_delimiter(content: &str) -> bool {
    content.trim() == "--"
}

/// Whether a line's content is a rule: three or more rule characters, no letters or digits,
/// not only dots (an ellipsis marks an omission in a quotation).
fn is_rule(content: &str) -> bool {
    let t = content.trim();
    let mut count = [0usize; 128];
    let mut n = 0;
    for c in t.chars() {
        if c == ' ' {
            continue;
        }
        if !"-=_*~#+/\\|<>".contains(c) {
            return false;
        }
        count[c as usize] += 1;
        n += 1;
    }
    n >= 3 && count.iter().any(|&k| k >= 3)
}

/// Whether `rule` underlines the line above it (a heading: a text line of about its
/// length) or sets off what that line announces (`Saw this in the paper:`), rather than
/// opening a signature.
fn is_underline(above: &str, rule: &str) -> bool {
    let (a, r) = (above.trim(), rule.trim());
    !a.is_empty()
        && !is_rule(a)
        && (a.ends_with(':') || a.chars().count().abs_diff(r.chars().count()) <= 3)
}

/// Whether a line's content is the poster's name, or its first word, alone (a sign-off
/// above a signature).
fn is_name(content: &str, name: Option<&str>) -> bool {
    let Some(name) = name else { return false };
    let t = content
        .trim()
        .trim_end_matches([',', '.'])
        .trim_start_matches('-')
        .trim();
    let first = name.split_whitespace().next().unwrap_or("");
    !t.is_empty()
        && (t.eq_ignore_ascii_case(name.trim())
            || (first.len() >= 2 && t.eq_ignore_ascii_case(first)))
}

/// Whether a line opens a postscript (`P.S.`, `PS:`, `P.P.S.`): the poster's text, even
/// below their name.
fn is_postscript(content: &str) -> bool {
    let t = content.trim_start().to_lowercase();
    [
        "p.s.", "p.s ", "p.s:", "ps:", "ps.", "ps ", "p.p.s", "pps:", "pps.",
    ]
    .iter()
    .any(|m| t.starts_with(m))
}

/// The lowercase words of a text (letters only, apostrophes and accents kept).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether a line's content is a reply attribution (see the module documentation).
fn is_attribution(content: &str) -> bool {
    let t = content.trim();
    if t.len() > MAX_ATTRIBUTION_BYTES || t.len() < 6 {
        return false;
    }
    if t.starts_with("/*") && t.ends_with("*/") {
        let inner = t[2..t.len() - 2].trim();
        return inner.starts_with("Written")
            || inner.starts_with("End of text")
            || inner.starts_with("Endwritten")
            || inner.starts_with("----");
    }
    let Some(rest) = t
        .strip_suffix(':')
        .or_else(|| t.strip_suffix("..."))
        .or_else(|| t.strip_suffix("…"))
    else {
        return false;
    };
    let ws = words(rest);
    let last = &ws[ws.len().saturating_sub(5)..];
    if last.iter().any(|w| VERBS.contains(&w.as_str())) {
        return true;
    }
    let lower = rest.to_lowercase();
    ws.last().is_some_and(|w| WEAK_VERBS.contains(&w.as_str()))
        && (rest.contains('@') || lower.contains("article"))
}

/// Whether a line opens an attribution that a line break cut (`In article <id>`).
fn opens_attribution(content: &str) -> bool {
    let t = content.trim_start();
    let lower = t.to_lowercase();
    t.len() <= MAX_ATTRIBUTION_BYTES
        && !t.trim_end().ends_with(['.', '!', '?'])
        && [
            "in article",
            "in message",
            "in <",
            "in a previous article",
            "on ",
            "le ",
            "am ",
        ]
        .iter()
        .any(|o| lower.starts_with(o))
}

/// Whether a line's content is a mail header field (`Subject: ...`); its name, lowercase.
fn header_field(content: &str) -> Option<String> {
    let (name, value) = content.trim_start().split_once(':')?;
    let name = name.trim_end().to_lowercase();
    let known = FIELDS.contains(&name.as_str())
        || (name.starts_with("x-") && !name.contains(' ') && name.len() > 2);
    (known && !value.trim().is_empty()).then_some(name)
}

/// Whether a line is a forward marker (`-----Original Message-----`, `Begin forwarded
/// message:`).
fn is_forward_marker(content: &str) -> bool {
    let lower = content.trim().to_lowercase();
    let inner = lower.trim_matches(|c: char| c == '-' || c == ' ');
    inner.len() < lower.len()
        && matches!(
            inner,
            "original message"
                | "forwarded message"
                | "message d'origine"
                | "message transféré"
                | "ursprüngliche nachricht"
                | "weitergeleitete nachricht"
                | "mensaje original"
        )
        || lower == "begin forwarded message:"
}

/// The byte ranges of `body`'s lines that are no running text of its poster (signatures,
/// attributions, forwarded header blocks; see the module documentation), in order, not
/// overlapping. `poster` is the display name of the message's sender, if known.
pub(crate) fn unauthored(body: &str, poster: Option<&str>) -> Vec<Range<usize>> {
    let lines = lines(body);
    let mut out = vec![false; lines.len()];
    // attributions, with the line an attribution wraps from
    for (i, l) in lines.iter().enumerate() {
        if is_attribution(l.content) {
            out[i] = true;
            if i > 0 && !lines[i - 1].blank() && opens_attribution(lines[i - 1].content) {
                out[i - 1] = true;
            }
        } else if is_forward_marker(l.content) {
            out[i] = true;
        }
    }
    // header blocks: runs of two or more header lines with one prefix
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        let mut key = false;
        while j < lines.len() && lines[j].prefix == lines[i].prefix {
            match header_field(lines[j].content) {
                Some(name) => key |= KEY_FIELDS.contains(&name.as_str()),
                None => break,
            }
            j += 1;
        }
        if j - i >= 2 && key {
            out[i..j].iter_mut().for_each(|x| *x = true);
        }
        i = j.max(i + 1);
    }
    // signatures, block by block: only in the last block of each prefix (the end of the
    // poster's text, or of a quoted message)
    let blocks = blocks(&lines);
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (b, block) in blocks.iter().enumerate() {
        last.insert(lines[block[0]].prefix.as_str(), b);
    }
    // text lines of each prefix in the blocks so far
    let mut text_lines: HashMap<&str, usize> = HashMap::new();
    for (b, block) in blocks.iter().enumerate() {
        let prefix = lines[block[0]].prefix.as_str();
        let seen = text_lines.entry(prefix).or_default();
        let mut before = *seen;
        *seen += block
            .iter()
            .filter(|&&k| !lines[k].blank() && !is_attribution(lines[k].content))
            .count();
        if last[prefix] != b {
            continue;
        }
        let own = prefix.is_empty();
        // the first opener with few enough lines after it, no postscript among them, and
        // (but after `-- `) some text of the poster, or of the quoted message, before it
        let mut after = block.iter().filter(|&&k| !lines[k].blank()).count();
        for (p, &k) in block.iter().enumerate() {
            let c = lines[k].content;
            if lines[k].blank() {
                continue;
            }
            after -= 1;
            let underline = k > 0 && is_underline(lines[k - 1].content, c);
            let opener = is_delimiter(c)
                || (before > 0 && ((is_rule(c) && !underline) || (own && is_name(c, poster))));
            if opener
                && after <= MAX_SIGNATURE_LINES
                && !block[p + 1..]
                    .iter()
                    .any(|&j| is_postscript(lines[j].content))
            {
                block[p..].iter().for_each(|&k| out[k] = true);
                break;
            }
            if !is_attribution(c) {
                before += 1;
            }
        }
    }
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for (l, _) in lines
        .iter()
        .zip(&out)
        .filter(|(l, x)| **x && !l.range.is_empty())
    {
        match ranges.last_mut() {
            Some(r) if body[r.end..l.range.start].trim().is_empty() => r.end = l.range.end,
            _ => ranges.push(l.range.clone()),
        }
    }
    ranges
}

/// The lines of each block: consecutive lines with one prefix, blank lines between two
/// lines of it included (a quoted signature often has unquoted blank lines inside).
fn blocks(lines: &[Line<'_>]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut current: Option<(&str, Vec<usize>)> = None;
    let mut pending = Vec::new();
    for (k, l) in lines.iter().enumerate() {
        if l.blank() {
            pending.push(k);
            continue;
        }
        match &mut current {
            Some((p, v)) if *p == l.prefix.as_str() => {
                v.append(&mut pending);
                v.push(k);
            }
            _ => {
                if let Some((_, v)) = current.take() {
                    out.push(v);
                }
                pending.clear();
                current = Some((l.prefix.as_str(), vec![k]));
            }
        }
    }
    if let Some((_, v)) = current {
        out.push(v);
    }
    out
}

/// `body` with every byte of `ranges` but line ends replaced by a space: same length, each
/// other byte at its offset, still UTF-8 (whole lines are blanked, so whole characters).
pub(crate) fn blank(body: &str, ranges: &[Range<usize>]) -> String {
    let mut bytes = body.as_bytes().to_vec();
    for r in ranges {
        for b in &mut bytes[r.clone()] {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
    }
    String::from_utf8(bytes).expect("whole lines blanked")
}

#[cfg(test)]
mod tests;
