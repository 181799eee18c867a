//! Text normalisation with an offset map back to the original bytes.
//!
//! [`normalize`] folds what should not distinguish two copies of the same words: Unicode
//! compatibility forms (NFKC), letter case (full lowercase mapping), typographic quotes and
//! apostrophes (to `'` and `"`), dashes and hyphens (to `-`), and runs of whitespace (to one
//! space). Every byte of the normalised text remembers the byte offset of the original
//! character it came from, so any range of normalised text maps back to an exact byte range
//! of the original ([`token_span`](crate::token_span) maps a token range).
//!
//! Cost: one pass over the text; ASCII takes a fast path (sixteen bytes at a time where
//! SSE2 is there), and so do the typographic quotes and dashes. Each starter and the combining
//! marks that follow it are normalised together; a character without marks that passes the
//! NFKC quick check (nearly all text) is folded as it is, without the normaliser.
//! Limits: compositions spanning two starters (conjoining Hangul jamo) are normalised per
//! character, not composed.

use crate::swar::{bytes_unsure, unsure_bits};
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
    /// Pushes the origins `begin..end`, one byte each.
    fn push_range(&mut self, begin: u32, end: u32);
    fn pop(&mut self) -> Option<u32>;
}

impl OffsetMap for Vec<u32> {
    #[inline]
    fn push_range(&mut self, begin: u32, end: u32) {
        self.extend(begin..end);
    }
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
    fn push_range(&mut self, _: u32, _: u32) {}
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

/// An ASCII byte copied as it is (but lowercased) by the fast path: not whitespace, not
/// the backtick.
#[inline]
fn plain(b: u8) -> bool {
    b < 0x80 && b != b'`' && !ascii_space(b)
}

/// Whether the fast path copies byte `j`: a plain byte, or a single space before one.
#[inline]
fn copied(bytes: &[u8], j: usize) -> bool {
    plain(bytes[j]) || (bytes[j] == b' ' && bytes.get(j + 1).is_some_and(|&d| plain(d)))
}

/// The end of the run of copied bytes (see [`copied`]) that starts at `j`.
///
/// Eight bytes at a time: a byte is surely copied when it is neither a control, a
/// backtick nor non-ASCII, and is not a space followed by a space or one of those. The
/// first byte not surely copied is checked exactly (a control that is not whitespace is
/// copied) before the scan goes on.
fn plain_run_end(bytes: &[u8], mut j: usize) -> usize {
    // sixteen bytes at a time (see `unsure_bits`), then eight, then one
    while let Some(window) = bytes.get(j..j + 17) {
        let unsure = unsure_bits(window.try_into().expect("17 bytes"));
        if unsure == 0 {
            j += 16;
            continue;
        }
        j += unsure.trailing_zeros() as usize;
        if !copied(bytes, j) {
            return j;
        }
        j += 1;
    }
    while j + 9 <= bytes.len() {
        let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        let unsure = bytes_unsure(word(j), word(j + 1));
        if unsure == 0 {
            j += 8;
            continue;
        }
        j += unsure.trailing_zeros() as usize / 8;
        if !copied(bytes, j) {
            return j;
        }
        j += 1;
    }
    while j < bytes.len() && copied(bytes, j) {
        j += 1;
    }
    j
}

/// The typographic quotes and dashes of running text (U+2010, U+2012–U+2015,
/// U+2018–U+201F; in UTF-8 `E2 80 xx`) as [`fold_punctuation`] folds them, indexed by
/// `xx - 0x90`; 0 for the others of the range (U+2011 and U+2017 change under NFKC first,
/// U+2016 is not folded).
const TYPOGRAPHIC: [u8; 16] = [
    b'-', 0, b'-', b'-', b'-', b'-', 0, 0, b'\'', b'\'', b'\'', b'\'', b'"', b'"', b'"', b'"',
];

/// When `bytes[i..]` starts with one of [`TYPOGRAPHIC`]'s characters and no combining mark
/// follows it (the next byte is ASCII, or there is none), the ASCII character it folds to:
/// the normaliser's fast path for the commonest non-ASCII characters of news text, which
/// pass NFKC unchanged and so need no table lookups.
#[inline]
fn typographic_ascii(bytes: &[u8], i: usize) -> Option<u8> {
    match *bytes.get(i..i + 3)? {
        [0xE2, 0x80, x] if (0x90..0xA0).contains(&x) => {
            let folded = TYPOGRAPHIC[usize::from(x - 0x90)];
            (folded != 0 && bytes.get(i + 3).is_none_or(|&n| n < 0x80)).then_some(folded)
        }
        _ => None,
    }
}

impl<M: OffsetMap> Builder<M> {
    /// A run of whitespace becomes one space; none at the start.
    #[inline]
    fn push_space(&mut self, origin: usize) {
        if self.last_space || self.text.is_empty() {
            return;
        }
        self.last_space = true;
        self.text.push(' ');
        self.map.push_n(origin as u32, 1);
    }

    #[inline]
    fn push_ascii(&mut self, b: u8, origin: usize) {
        if ascii_space(b) {
            return self.push_space(origin);
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
            return self.push_space(origin);
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

    /// Pushes `original`, NFKC-normalising each starter together with the combining marks
    /// that follow it. A character alone (no marks after it) that passes the NFKC quick
    /// check is pushed as it is, and ASCII takes a fast path, so text that needs no
    /// normalisation costs one table lookup per non-ASCII character.
    fn push_clusters(&mut self, original: &str) {
        let bytes = original.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            // a run of ASCII letters, digits and punctuation (but the backtick, folded to an
            // apostrophe), and of single spaces between them (kept as they are: one space
            // after content), copied and lowercased at once;
            // its last byte stays out when a non-ASCII character (maybe a mark) follows
            if plain(b) {
                let mut j = plain_run_end(bytes, i + 1);
                // the last byte may be the starter of combining marks, unless what follows
                // is a quote or dash (not a mark)
                if j < bytes.len() && bytes[j] >= 0x80 && typographic_ascii(bytes, j).is_none() {
                    j -= 1;
                }
                if j > i {
                    let start = self.text.len();
                    self.text.push_str(&original[i..j]);
                    self.text.as_mut_str()[start..].make_ascii_lowercase();
                    self.map.push_range(i as u32, j as u32);
                    self.last_space = bytes[j - 1] == b' ';
                    i = j;
                    continue;
                }
            }
            if let Some(folded) = typographic_ascii(bytes, i) {
                self.push_ascii(folded, i);
                i += 3;
                continue;
            }
            let first = if b < 0x80 {
                None
            } else {
                Some(original[i..].chars().next().expect("char boundary"))
            };
            let mut j = i + first.map_or(1, char::len_utf8);
            // combining marks after the starter belong to its cluster
            while j < bytes.len() && bytes[j] >= 0x80 {
                let c = original[j..].chars().next().expect("char boundary");
                if canonical_combining_class(c) == 0 {
                    break;
                }
                j += c.len_utf8();
            }
            match first {
                Some(c) if j == i + c.len_utf8() => {
                    if is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes {
                        self.push(c, i);
                    } else {
                        for n in std::iter::once(c).nfkc() {
                            self.push(n, i);
                        }
                    }
                }
                None if j == i + 1 => self.push_ascii(b, i),
                _ => {
                    for n in original[i..j].nfkc() {
                        self.push(n, i);
                    }
                }
            }
            i = j;
        }
    }
}

fn normalize_into<M: OffsetMap>(original: &str, mut text: String, map: M) -> (String, M) {
    assert!(
        original.len() < u32::MAX as usize,
        "documents are limited to 4 GiB"
    );
    text.clear();
    text.reserve(original.len());
    let mut b = Builder {
        text,
        map,
        last_space: false,
    };
    b.push_clusters(original);
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
    let (text, map) = normalize_into(original, String::new(), map);
    Normalized { text, map }
}

/// [`normalize`] into buffers of the caller's (cleared first), to normalise many texts one
/// after the other without allocating for each.
pub fn normalize_reusing(original: &str, text: &mut String, map: &mut Vec<u32>) {
    let mut m = std::mem::take(map);
    m.clear();
    m.reserve(original.len() + 1);
    let (t, m) = normalize_into(original, std::mem::take(text), m);
    *text = t;
    *map = m;
}

/// The text of [`normalize`] without the offset map (cheaper: no 4 bytes per byte).
pub fn normalize_text(original: &str) -> String {
    normalize_into(original, String::new(), ()).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spans::token_span;
    use crate::tokenize::Tokens;

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
        // "café", its "é" composed from "e" + U+0301, maps back to both.
        let t = Tokens::from_normalized(n.text.clone());
        assert_eq!(t.text(1), "café");
        let span = token_span(&t, &n.map, (1, 2));
        assert_eq!(
            &"ﬁne cafe\u{301} Ｆｕｌｌ"[span.begin..span.end],
            "cafe\u{301}"
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

    /// The previous implementation: a whole-text quick check, then either every
    /// character as it is or every starter-and-marks cluster through the normaliser.
    fn reference(original: &str) -> String {
        let mut b = Builder {
            text: String::new(),
            map: Vec::new(),
            last_space: false,
        };
        if is_nfkc_quick(original.chars()) == IsNormalized::Yes {
            for (i, c) in original.char_indices() {
                b.push(c, i);
            }
        } else {
            let mut cluster = String::new();
            let mut start = 0;
            for (i, c) in original.char_indices() {
                if canonical_combining_class(c) == 0 {
                    for n in cluster.nfkc() {
                        b.push(n, start);
                    }
                    cluster.clear();
                    start = i;
                }
                cluster.push(c);
            }
            for n in cluster.nfkc() {
                b.push(n, start);
            }
        }
        if b.last_space {
            b.text.pop();
        }
        b.text
    }

    proptest::proptest! {
        #[test]
        fn same_text_as_the_reference(
            chars in proptest::collection::vec(proptest::sample::select(vec![
                'a', 'E', ' ', '\n', '`', '.', 'e', '\u{301}', '\u{327}', '\u{483}', 'ά', 'ί',
                '\u{1FBD}', 'ﬁ', 'Ｆ', '“', '’', '—', 'İ', 'Σ', '\u{A0}', '½', '가', '\u{1100}',
                '\u{1161}', '\u{CD5}', '東',
            ]), 0..40)
        ) {
            let t: String = chars.into_iter().collect();
            let n = normalize(&t);
            proptest::prop_assert_eq!(&n.text, &reference(&t));
            proptest::prop_assert_eq!(normalize_text(&t), n.text.clone());
            proptest::prop_assert_eq!(n.map.len(), n.text.len() + 1);
        }
    }

    proptest::proptest! {
        /// Mostly ASCII, long enough for the eight-byte scan of the fast path: every kind of
        /// whitespace, controls that are copied, the backtick, runs of spaces.
        #[test]
        fn ascii_runs_as_the_reference(
            chars in proptest::collection::vec(proptest::sample::select(vec![
                'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p',
                'q', 'r', 'Z', '0', '.', ',', ' ', ' ', ' ', '\n', '\t', '\r', '\u{0B}', '\u{0C}',
                '\u{01}', '\u{1F}', '\u{7F}', '`', '~', '“', '”', '’', '—', '\u{2011}', 'é',
                '\u{301}', '\u{A0}',
            ]), 0..200)
        ) {
            let t: String = chars.into_iter().collect();
            let n = normalize(&t);
            proptest::prop_assert_eq!(&n.text, &reference(&t));
            proptest::prop_assert_eq!(normalize_text(&t), n.text.clone());
            let mut b = Builder { text: String::new(), map: Vec::new(), last_space: false };
            for (i, c) in t.char_indices() {
                b.push(c, i);
            }
            let end = if b.last_space { b.map.pop() } else { None };
            b.map.push(end.unwrap_or(t.len() as u32));
            if is_nfkc_quick(t.chars()) == IsNormalized::Yes {
                proptest::prop_assert_eq!(n.map, b.map);
            }
        }
    }

    /// The fast path for quotes and dashes gives what the general path gives, for every
    /// character of their block: alone, between words, and before a combining mark.
    #[test]
    fn typographic_fast_path_as_the_reference() {
        let mut fast = 0;
        for c in '\u{2000}'..='\u{206F}' {
            for t in [
                format!("{c}"),
                format!("Ab{c}cd"),
                format!("a {c} b{c}"),
                format!("x{c}\u{301}y"),
                format!("“{c}”e\u{301}{c}"),
            ] {
                let n = normalize(&t);
                assert_eq!(n.text, reference(&t), "{t:?}");
                assert_eq!(normalize_text(&t), n.text);
            }
            let s = c.to_string();
            if let Some(f) = typographic_ascii(s.as_bytes(), 0) {
                assert_eq!(
                    is_nfkc_quick(std::iter::once(c)),
                    IsNormalized::Yes,
                    "{c:?}"
                );
                assert_eq!(canonical_combining_class(c), 0, "{c:?}");
                assert_eq!(fold_punctuation(c), Some(f as char), "{c:?}");
                fast += 1;
            }
        }
        assert_eq!(fast, 13);
        let n = normalize("it’s “x”");
        assert_eq!(n.text, "it's \"x\"");
        assert_eq!(n.map, [0, 1, 2, 5, 6, 7, 10, 11, 14]);
    }

    #[test]
    fn spans_map_back_to_original_words() {
        let original = "The U.S. “Secretly” WARNED";
        let n = normalize(original);
        let t = Tokens::from_normalized(n.text.clone());
        let i = (0..t.len()).find(|&i| t.text(i) == "secretly").unwrap() as u32;
        let span = token_span(&t, &n.map, (i, i + 1));
        assert_eq!(&original[span.begin..span.end], "Secretly");
    }
}
