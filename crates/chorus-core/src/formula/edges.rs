//! Slots at a passage's edges: a template whose aligned passage holds no differing
//! specific because the aligner stopped at a filler (an issuer and an amount, a figure
//! and its unit), told from the words just outside the passage (step 2b of the parent
//! module, taken after step 2 and before step 3).
//!
//! Two instances of a template match up to a slot and again after it: just beyond the
//! passage's end, each side holds a number the other side's words there lack, between
//! the same two words ("launching a 300 mln" and "establishing a 50 mln": the number
//! between "a" and "mln" on both sides, or at the very edge followed by the same word),
//! so the frame resumes around the slot. A paragraph copied into two different articles
//! runs on into unrelated text (no common frame around a number), and a copy cut by
//! noise runs on into the same numbers damaged (one agreeing with the other: equal once
//! OCR confusions are folded, or one rounded from the other, "2.084" and "2.08",
//! "1,050,000" and "1.05"). The words looked at stop at a paragraph break, and an end
//! with a paragraph break among its last words inside the passage is the edge of a
//! paragraph (a copy inserted after another text), not a slot; nor is an end that cuts a
//! word or a number ("8." in the passage, "16" and "3" beyond it): the shared part makes
//! it one value (a background figure updated, misprinted), not other fillers. A pair is judged only
//! when this is its one passage (a copy cut by a slot into several passages keeps its
//! other passages), and only when the passage is at most three quarters of at least one
//! of its documents: a story reissued with a corrected last figure is nearly all of both;
//! and only when its documents are dated at least two days apart (as the updated-reissue
//! exemption of step 1 reads them): a story's update re-filed the same day or the next,
//! its background sentence ending at a figure it revised ("96.03" and "96.93 pct"),
//! stays reuse, while a template recurs across days. Undated documents and a query
//! (undated) are not judged here.
//! Tokens written together ("12.21", "U.S.", "7,730,000") are one word here, and so is a
//! number in groups of three digits after a space ("2 900": thousands as French writes them).
//! Language-independent: it reads digits, paragraph breaks and token identity only.
//! Limits: slots holding names (not numbers) are not seen here; a copy whose two
//! documents both put the copied paragraph right after a number in the same frame (two
//! results tables, each followed by the same inserted paragraph on the same line) is
//! taken for a template.

use super::{Apart, SideSpecifics};
use crate::spans::Occurrence;
use crate::tokenize::Tokens;

/// Words looked at beyond each end of a passage side.
const WINDOW: u32 = 5;
/// Words inside a side's end among which a paragraph break makes that end a paragraph's.
const INNER: u32 = 3;
/// A judged passage is less than this share of at least one of its documents: 3 in 4.
const COVER_NUM: usize = 3;
const COVER_DEN: usize = 4;

/// The words just outside a passage side.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Edges {
    /// The words before the side and after it, nearest first, up to [`WINDOW`], stopping
    /// at a paragraph break (none when the side's end is a paragraph's, cuts a word, or
    /// has no number among them).
    ends: [Vec<Word>; 2],
    /// Tokens in the side's document.
    doc_len: u32,
}

/// A word beside a passage.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Word {
    hash: u64,
    /// A number's significant digits ([`digits`]); `None` for a word without a digit.
    digits: Option<Digits>,
}

/// A number's significant digits (at most the first 19) as a value and their count.
type Digits = (u64, u8);

impl Edges {
    /// The words around tokens `t0..t1` of a document (`tokens`, its normalised text's
    /// offset map `map`, its text `original`).
    pub(crate) fn of(tokens: &Tokens, map: &[u32], original: &str, (t0, t1): (u32, u32)) -> Self {
        let n = tokens.hashes.len() as u32;
        let bytes = |i: u32| {
            let (b, e) = tokens.ranges.at(i as usize);
            (map[b as usize] as usize, map[e as usize] as usize)
        };
        let glued = |x: usize, y: usize| {
            original
                .get(x.min(y)..x.max(y))
                .is_some_and(|g| !g.chars().any(char::is_whitespace))
        };
        // a number written in groups of three digits after a space ("2 900", "1 050 000":
        // French and many other languages separate thousands so) is one value too
        let digit_run = |k: u32, three: bool| {
            let t = original.get(bytes(k).0..bytes(k).1).unwrap_or("");
            !t.is_empty()
                && t.bytes().all(|c| c.is_ascii_digit())
                && if three { t.len() == 3 } else { t.len() <= 3 }
        };
        let grouped = |k: u32| {
            matches!(
                original.get(bytes(k).1..bytes(k + 1).0),
                Some(" " | "\u{a0}" | "\u{202f}")
            ) && digit_run(k, false)
                && digit_run(k + 1, true)
        };
        // tokens `k` and `k + 1` are one word
        let joined = |k: u32| glued(bytes(k).1, bytes(k + 1).0) || grouped(k);
        // the word of tokens `i..=j` (glued tokens: "12.21", "U.S.", "7,730,000")
        let word = |i: u32, j: u32| {
            let numeric = (i..=j).any(|k| {
                let (b, e) = tokens.ranges.at(k as usize);
                tokens.norm[b as usize..e as usize]
                    .chars()
                    .any(char::is_numeric)
            });
            let hash = (i..=j).fold(0u64, |h, k| {
                (h.rotate_left(17) ^ tokens.hashes[k as usize]).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            });
            let text = original.get(bytes(i).0..bytes(j).1).unwrap_or("");
            Word {
                hash,
                digits: numeric.then(|| digits(text)),
            }
        };
        let broken = |x: usize, y: usize| original.get(x.min(y)..x.max(y)).is_some_and(paragraph);
        // no space between the side's end and the next word: the end cuts a word or a
        // number ("8." and "16"), whose shared part makes one value, not another filler
        let mut out = Edges {
            ends: [Vec::new(), Vec::new()],
            doc_len: n,
        };
        if t1 <= t0 + INNER {
            return out;
        }
        if !broken(bytes(t0).0, bytes(t0 + INNER).0) && (t0 == 0 || !joined(t0 - 1)) {
            let mut edge = bytes(t0).0;
            let mut j = t0;
            while j > 0 && out.ends[0].len() < WINDOW as usize {
                let last = j - 1;
                if broken(bytes(last).1, edge) {
                    break;
                }
                let mut first = last;
                while first > 0 && joined(first - 1) {
                    first -= 1;
                }
                out.ends[0].push(word(first, last));
                edge = bytes(first).0;
                j = first;
            }
        }
        if !broken(bytes(t1 - 1 - INNER).1, bytes(t1 - 1).1) && (t1 == n || !joined(t1 - 1)) {
            let mut edge = bytes(t1 - 1).1;
            let mut j = t1;
            while j < n && out.ends[1].len() < WINDOW as usize {
                if broken(edge, bytes(j).0) {
                    break;
                }
                let mut last = j;
                while last + 1 < n && joined(last) {
                    last += 1;
                }
                out.ends[1].push(word(j, last));
                edge = bytes(last).1;
                j = last + 1;
            }
        }
        // a slot needs a number on both sides: words without one are not kept
        for end in &mut out.ends {
            if !end.iter().any(|w| w.digits.is_some()) {
                *end = Vec::new();
            }
        }
        out
    }
}

/// Whether `s` holds a paragraph break: a line break followed by a blank line or by an
/// indented line.
fn paragraph(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'\n' && {
            let rest = &b[i + 1..];
            let k = rest
                .iter()
                .take_while(|&&c| c == b' ' || c == b'\t' || c == b'\r')
                .count();
            rest.first().is_some_and(|&c| c == b' ' || c == b'\t')
                || rest.get(k).is_some_and(|&c| c == b'\n')
        }
    })
}

/// A number's significant digits: OCR confusions folded ("3o.7" is "30.7"), separators
/// dropped, no leading or trailing zeros ("1,050,000" and "1.05" are both "105"), the
/// first 19 kept.
fn digits(w: &str) -> Digits {
    let folded: String = w
        .chars()
        .map(super::reissue::ocr_digit)
        .filter(char::is_ascii_digit)
        .collect();
    let d = folded.trim_start_matches('0').trim_end_matches('0');
    let d = &d[..d.len().min(19)];
    (d.parse().unwrap_or(0), d.len() as u8)
}

/// Whether two numbers' significant digits agree: the same, one a prefix of the other,
/// or one the other rounded ("2.08", "2.084"; "304", "303.9").
fn agree(x: Digits, y: Digits) -> bool {
    let ((va, la), (vb, lb)) = if x.1 <= y.1 { (x, y) } else { (y, x) };
    if la == lb || la == 0 {
        return la == lb && va == vb;
    }
    // b cut to one digit more than a: a prefix of it, or it rounded
    let cut = vb / 10u64.pow(u32::from(lb - la - 1));
    cut / 10 == va || (cut + 5) / 10 == va
}

/// Whether one end's words of two sides (`a`, `b`, nearest first) show a slot: each side
/// holds a number that agrees with none of the other side's, with the same words around
/// it on both sides (the word toward the passage, or the passage itself, and a word
/// beyond it, neither a number).
fn slot(a: &[Word], b: &[Word]) -> bool {
    let lone = |x: &[Word], y: &[Word]| -> Vec<(Option<u64>, u64)> {
        x.iter()
            .enumerate()
            .filter_map(|(i, w)| {
                let d = w.digits?;
                if y.iter().any(|v| v.digits.is_some_and(|e| agree(d, e))) {
                    return None;
                }
                let toward = match i {
                    0 => None,
                    _ if x[i - 1].digits.is_some() => return None,
                    _ => Some(x[i - 1].hash),
                };
                let beyond = x.get(i + 1).filter(|t| t.digits.is_none())?;
                Some((toward, beyond.hash))
            })
            .collect()
    };
    let (la, lb) = (lone(a, b), lone(b, a));
    la.iter().any(|p| lb.contains(p))
}

/// Marks in `is` the passages that are a document pair's one passage (no formula yet),
/// of documents dated at least two days apart (`apart`), less than three quarters of at
/// least one of its documents, with a slot at an edge.
pub(crate) fn slots_at_edges(
    occurrences: &[(Occurrence, Occurrence)],
    sides: &[SideSpecifics],
    apart: Apart<'_>,
    is: &mut [bool],
) {
    let by_pair = super::unjudged_by_pair(occurrences, is);
    let alone: Vec<usize> = by_pair
        .chunk_by(|p, q| (p.0, p.1) == (q.0, q.1))
        .filter(|g| g.len() == 1)
        .map(|g| g[0].2)
        .collect();
    for i in alone {
        let (x, y) = &occurrences[i];
        if !apart(x.doc, y.doc) {
            continue;
        }
        let (a, b) = (&sides[2 * i], &sides[2 * i + 1]);
        let whole = |s: &SideSpecifics| COVER_DEN * s.len >= COVER_NUM * s.edges.doc_len as usize;
        if whole(a) && whole(b) {
            continue;
        }
        if (0..2).any(|k| slot(&a.edges.ends[k], &b.edges.ends[k])) {
            is[i] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_agree_when_rounded_or_damaged() {
        let agree_w = |x: &str, y: &str| agree(digits(x), digits(y));
        assert!(agree_w("2.084", "2.08"));
        assert!(agree_w("303.9", "304"));
        assert!(agree_w("1,050,000", "1.05"));
        assert!(agree_w("3o.7", "30.7"));
        assert!(agree_w("13.0", "13"));
        assert!(!agree_w("300", "50"));
        assert!(!agree_w("12.21", "11.90"));
        assert!(!agree_w("9.17", "8.43"));
    }

    #[test]
    fn paragraph_breaks() {
        assert!(paragraph("mln\n\nFinance"));
        assert!(paragraph("said.\n    The"));
        assert!(paragraph("a\r\n\r\nb"));
        assert!(!paragraph("paper\nprogram"));
        assert!(!paragraph("a 300 mln U.S. "));
    }
}
