//! Sentences of a document, as token ranges of its normalised text.
//!
//! A sentence ends after a token followed by `.`, `!`, `?`, `;` or `…` and then a space (or
//! the end of the text): "3.14" and "U.S" inside a word run do not end one, "U.S. Army"
//! does, alike in both copies. Normalisation has folded line breaks into spaces, so a
//! heading without a full stop runs into the next sentence. A sentence longer than
//! [`MAX_SENTENCE`] tokens is cut into pieces of at most that many (an unpunctuated
//! stretch is still compared piece by piece). Token ranges map back to exact bytes of the
//! original through the offset map, as every passage does ([`crate::spans`]).

use crate::tokenize::TokenRanges;

/// Longest sentence, in tokens; longer runs are cut into pieces.
pub(crate) const MAX_SENTENCE: usize = 60;

/// The sentences of a document as token ranges `[begin, end)`, in order, covering every
/// token.
pub(crate) fn sentences(norm: &str, ranges: &TokenRanges) -> Vec<(u32, u32)> {
    let bytes = norm.as_bytes();
    let mut out = Vec::new();
    let mut start = 0usize;
    for i in 0..ranges.len() {
        let gap_end = if i + 1 < ranges.len() {
            ranges.start(i + 1) as usize
        } else {
            bytes.len()
        };
        let gap = &norm[ranges.end(i) as usize..gap_end];
        let ends = ends_sentence(gap, i + 1 == ranges.len());
        if ends || i + 1 - start >= MAX_SENTENCE {
            out.push((start as u32, i as u32 + 1));
            start = i + 1;
        }
    }
    if start < ranges.len() {
        out.push((start as u32, ranges.len() as u32));
    }
    out
}

/// Whether the text between two tokens ends a sentence: a terminal mark followed by a
/// space, or by nothing at the end of the text.
fn ends_sentence(gap: &str, last: bool) -> bool {
    let mut mark = false;
    for c in gap.chars() {
        match c {
            '.' | '!' | '?' | ';' | '…' => mark = true,
            ' ' if mark => return true,
            _ => {}
        }
    }
    mark && last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::Tokens;

    fn split(text: &str) -> Vec<String> {
        let t = Tokens::new(text);
        sentences(&t.norm, &t.ranges)
            .iter()
            .map(|&(b, e)| {
                (b..e)
                    .map(|i| t.text(i as usize))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn full_stops_followed_by_a_space_end_sentences() {
        assert_eq!(
            split("Pi is 3.14 today! Is it? Yes; \"quite.\" Done"),
            ["pi is 3 14 today", "is it", "yes", "quite", "done"]
        );
        assert_eq!(split("one two."), ["one two"]);
        assert!(split("").is_empty());
    }

    #[test]
    fn long_runs_are_cut() {
        let text = (0..130)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let t = Tokens::new(&text);
        let s = sentences(&t.norm, &t.ranges);
        assert_eq!(s, [(0, 60), (60, 120), (120, 130)]);
    }
}
