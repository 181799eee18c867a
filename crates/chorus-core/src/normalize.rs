//! Text normalisation with an offset map back to the original bytes.
//!
//! [`normalize`] folds what should not distinguish two copies of the same words: Unicode
//! compatibility forms (NFKC), letter case (full lowercase mapping), typographic quotes and
//! apostrophes (to `'` and `"`), dashes and hyphens (to `-`), and runs of whitespace (to one
//! space). Every byte of the normalised text remembers the byte offset of the original
//! character it came from, so any range of normalised text maps back to an exact byte range
//! of the original ([`Normalized::original_span`]).
//!
//! Cost: one pass over the text; ASCII takes a fast path. Text that is already in NFKC
//! (checked once per document with the quick check) is folded character by character;
//! otherwise each starter and its combining marks are normalised together.
//! Limits: compositions spanning two starters (conjoining Hangul jamo) are normalised per
//! character, not composed.

use crate::document::Span;
use unicode_normalization::{
    IsNormalized, UnicodeNormalization, char::canonical_combining_class, is_nfkc_quick,
};

/// Normalised text and its map to the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// `map[i]` is the original byte offset of the character that produced normalised byte
    /// `i`; `map[text.len()]` is the original length.
    pub map: Vec<u32>,
}

impl Normalized {
    /// The original byte range that produced the normalised range `[begin, end)`.
    ///
    /// `begin` and `end` must lie on character boundaries of the normalised text; the result
    /// starts at the first original character of the range and ends where the original
    /// character after the range starts (or at the original's end).
    pub fn original_span(&self, begin: usize, end: usize) -> Span {
        Span::new(self.map[begin] as usize, self.map[end] as usize)
    }
}

/// Folds one character's typographic variants: quotes, apostrophes, dashes.
/// Returns `None` when the character is not a variant.
pub fn fold_punctuation(c: char) -> Option<char> {
    Some(match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{0060}'
        | '\u{00B4}' | '\u{02BC}' | '\u{02B9}' | '\u{FF07}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' | '\u{2039}' | '\u{203A}' | '\u{301D}' | '\u{301E}' | '\u{FF02}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' | '\u{2043}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        _ => return None,
    })
}

/// Where the builder records the origin of each normalised byte: a `Vec<u32>`, or nowhere
/// (`()`) when only the text is wanted.
trait OffsetMap {
    fn push_n(&mut self, origin: u32, n: usize);
    fn pop(&mut self) -> Option<u32>;
}

impl OffsetMap for Vec<u32> {
    #[inline]
    fn push_n(&mut self, origin: u32, n: usize) {
        for _ in 0..n {
            self.push(origin);
        }
    }
    fn pop(&mut self) -> Option<u32> {
        Vec::pop(self)
    }
}

impl OffsetMap for () {
    #[inline]
    fn push_n(&mut self, _: u32, _: usize) {}
    fn pop(&mut self) -> Option<u32> {
        None
    }
}

struct Builder<M> {
    text: String,
    map: M,
    last_space: bool,
}

/// `char::is_whitespace` for ASCII bytes (which, unlike `u8::is_ascii_whitespace`,
/// includes the vertical tab).
#[inline]
fn ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

impl<M: OffsetMap> Builder<M> {
    #[inline]
    fn push_ascii(&mut self, b: u8, origin: usize) {
        if ascii_space(b) {
            if self.last_space || self.text.is_empty() {
                return;
            }
            self.last_space = true;
            self.text.push(' ');
            self.map.push_n(origin as u32, 1);
            return;
        }
        self.last_space = false;
        let b = if b == b'`' { b'\'' } else { b };
        self.text.push(b.to_ascii_lowercase() as char);
        self.map.push_n(origin as u32, 1);
    }

    fn push(&mut self, c: char, origin: usize) {
        if c.is_ascii() {
            return self.push_ascii(c as u8, origin);
        }
        if c.is_whitespace() {
            if self.last_space || self.text.is_empty() {
                return;
            }
            self.last_space = true;
            self.text.push(' ');
            self.map.push_n(origin as u32, 1);
            return;
        }
        self.last_space = false;
        let c = fold_punctuation(c).unwrap_or(c);
        if c.is_ascii() {
            self.text.push(c.to_ascii_lowercase());
            self.map.push_n(origin as u32, 1);
        } else {
            for l in c.to_lowercase() {
                self.text.push(l);
                self.map.push_n(origin as u32, l.len_utf8());
            }
        }
    }

    /// Pushes every character of `original`, which needs no NFKC normalisation.
    fn push_all(&mut self, original: &str) {
        let bytes = original.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                self.push_ascii(b, i);
                i += 1;
            } else {
                let c = original[i..].chars().next().expect("char boundary");
                self.push(c, i);
                i += c.len_utf8();
            }
        }
    }
}

/// Whether `original` is in NFKC by the quick check. ASCII characters are always in NFKC
/// and have combining class 0, so only the others are checked (dropping class-0 characters
/// can make the check answer "maybe", never a wrong "yes").
fn is_nfkc(original: &str) -> bool {
    original.is_ascii()
        || is_nfkc_quick(original.chars().filter(|c| !c.is_ascii())) == IsNormalized::Yes
}

fn normalize_into<M: OffsetMap>(original: &str, map: M) -> (String, M) {
    assert!(
        original.len() < u32::MAX as usize,
        "documents are limited to 4 GiB"
    );
    let mut b = Builder {
        text: String::with_capacity(original.len()),
        map,
        last_space: false,
    };
    if is_nfkc(original) {
        b.push_all(original);
    } else {
        // Normalise each starter together with the combining marks that follow it.
        let mut cluster = String::new();
        let mut cluster_start = 0usize;
        let flush = |b: &mut Builder<M>, cluster: &mut String, start: usize| {
            if cluster.is_empty() {
                return;
            }
            for c in cluster.nfkc() {
                b.push(c, start);
            }
            cluster.clear();
        };
        for (i, c) in original.char_indices() {
            if canonical_combining_class(c) == 0 {
                flush(&mut b, &mut cluster, cluster_start);
                cluster_start = i;
            }
            cluster.push(c);
        }
        flush(&mut b, &mut cluster, cluster_start);
    }
    // A trailing space maps to whitespace; drop it so the text ends on content.
    let end = if b.last_space {
        b.text.pop();
        b.map.pop()
    } else {
        None
    };
    b.map.push_n(end.unwrap_or(original.len() as u32), 1);
    (b.text, b.map)
}

/// Normalises `original` (see the module documentation).
pub fn normalize(original: &str) -> Normalized {
    let map = Vec::with_capacity(original.len() + 1);
    let (text, map) = normalize_into(original, map);
    Normalized { text, map }
}

/// The text of [`normalize`] without the offset map (cheaper: no 4 bytes per byte).
pub fn normalize_text(original: &str) -> String {
    normalize_into(original, ()).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_quotes_dashes_and_space() {
        let n = normalize("  “Hello”  World — it’s\tFINE ");
        assert_eq!(n.text, "\"hello\" world - it's fine");
        assert_eq!(n.map.len(), n.text.len() + 1);
        // the end of the last word maps to the end of the word, not of the trailing space
        assert_eq!(
            *n.map.last().unwrap() as usize,
            "  “Hello”  World — it’s\tFINE".len()
        );
    }

    #[test]
    fn nfkc_and_combining_marks() {
        let n = normalize("ﬁne cafe\u{301} Ｆｕｌｌ");
        assert_eq!(n.text, "fine café full");
        // "é" composed from "e" + U+0301 maps back to the "e".
        let pos = n.text.find('é').unwrap();
        let span = n.original_span(pos, pos + 'é'.len_utf8());
        assert_eq!(
            &"ﬁne cafe\u{301} Ｆｕｌｌ"[span.begin..span.end],
            "e\u{301}"
        );
    }

    #[test]
    fn text_alone_equals_text_with_map() {
        for t in [
            "",
            "  ",
            "a\u{0B}b\u{0C}c `x´ ",
            "  “Hello”  World — it’s\tFINE ",
            "ﬁne cafe\u{301} Ｆｕｌｌ",
            "İstanbul ΣΑΣ\u{00A0}x\u{2003}",
            "\u{301}a\u{327}\u{301}",
        ] {
            let n = normalize(t);
            assert_eq!(normalize_text(t), n.text, "{t:?}");
            assert_eq!(n.map.len(), n.text.len() + 1, "{t:?}");
        }
        assert_eq!(normalize("a\u{0B}b").text, "a b");
    }

    #[test]
    fn spans_map_back_to_original_words() {
        let original = "The U.S. “Secretly” WARNED";
        let n = normalize(original);
        let b = n.text.find("secretly").unwrap();
        let span = n.original_span(b, b + "secretly".len());
        assert_eq!(&original[span.begin..span.end], "Secretly");
    }
}
