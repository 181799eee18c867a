//! From tokens back to bytes: the exact byte span of the original text that a token range
//! covers, extended over the punctuation both copies of a passage share.
//!
//! Tokens index the normalised text; the offset map of [`crate::normalize`] sends every
//! normalised byte to the original byte that produced it, so a token range `[t0, t1)`
//! spans from the original of its first token's first byte to where the original of its
//! last token's end starts. Alignment works on words only; [`attached_punctuation`] then
//! adds the closing period or the quotation marks that sit directly on a passage in both
//! copies (quote styles compare equal), so that reported passages read as printed. Used by
//! the report (`find`), the boilerplate listing and queries alike.

use crate::document::Span;
use crate::normalize::fold_punctuation;
use crate::tokenize::Tokens;

/// A passage occurrence: a span of document number `doc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Occurrence {
    pub doc: crate::order::DocNum,
    pub span: Span,
}

/// The original byte span of the tokens `[t0, t1)` (non-empty) of `tokens`, whose
/// normalised text has the offset map `map` ([`Normalized::map`](crate::normalize::Normalized::map)).
/// The one mapping from normalised positions back to original bytes: every reported
/// passage, boilerplate range and query hit goes through it.
pub fn token_span(tokens: &Tokens, map: &[u32], (t0, t1): (u32, u32)) -> Span {
    let r = &tokens.ranges;
    Span::new(
        map[r.start(t0 as usize) as usize] as usize,
        map[r.end(t1 as usize - 1) as usize] as usize,
    )
}

/// Extends a span over punctuation directly attached to it that both copies share
/// (a closing period, quotation marks), comparing quote styles as equal.
pub(crate) fn attached_punctuation(ta: &str, sa: Span, tb: &str, sb: Span) -> (Span, Span) {
    fn run(it: impl Iterator<Item = char>) -> Vec<char> {
        it.take_while(|c| !c.is_whitespace() && !c.is_alphanumeric())
            .take(4)
            .collect()
    }
    fn same(x: char, y: char) -> bool {
        fold_punctuation(x).unwrap_or(x) == fold_punctuation(y).unwrap_or(y)
    }
    let (after_a, after_b) = (run(ta[sa.end..].chars()), run(tb[sb.end..].chars()));
    let k = after_a
        .iter()
        .zip(&after_b)
        .take_while(|(x, y)| same(**x, **y))
        .count();
    let len = |cs: &[char]| cs.iter().map(|c| c.len_utf8()).sum::<usize>();
    // a sentence's own closing mark belongs to it even where the other copy differs
    let closing = |cs: &[char]| {
        usize::from(k == 0 && matches!(cs.first(), Some('.' | ',' | ';' | ':' | '!' | '?')))
    };
    let (ka, kb) = (k.max(closing(&after_a)), k.max(closing(&after_b)));
    let (ea, eb) = (sa.end + len(&after_a[..ka]), sb.end + len(&after_b[..kb]));
    let (before_a, before_b) = (
        run(ta[..sa.begin].chars().rev()),
        run(tb[..sb.begin].chars().rev()),
    );
    let k = before_a
        .iter()
        .zip(&before_b)
        .take_while(|(x, y)| same(**x, **y))
        .count();
    let (ba, bb) = (
        sa.begin - len(&before_a[..k]),
        sb.begin - len(&before_b[..k]),
    );
    (Span::new(ba, ea), Span::new(bb, eb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attached_punctuation_is_shared_punctuation_only() {
        let a = "He said “we will go.” Then";
        let b = "We will go. Later";
        let sa = Span::new(a.find("we").unwrap(), a.find("go").unwrap() + 2);
        let sb = Span::new(0, b.find("go").unwrap() + 2);
        let (xa, xb) = attached_punctuation(a, sa, b, sb);
        assert_eq!(&a[xa.begin..xa.end], "we will go.");
        assert_eq!(&b[xb.begin..xb.end], "We will go.");
    }
}
