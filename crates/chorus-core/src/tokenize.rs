//! Word segmentation of normalised text.
//!
//! A token is a maximal run of letters, digits and combining marks; everything else
//! (spaces, punctuation, quotes, dashes, symbols) separates tokens and is never compared.
//! Scripts written without spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer,
//! Myanmar) yield one token per character, so their n-grams are character n-grams.
//!
//! This is a character-class segmenter rather than full UAX #29: on the texts chorus compares
//! the two agree except on in-word punctuation (UAX #29 keeps "can't" and "3.14" whole, we
//! split them), which is applied identically to both copies and so never hides reuse, and it
//! runs several times faster (an ASCII fast path, no tables for the common case).
//! Each token is hashed over its normalised bytes ([`token_hash`]); the hash is stable across
//! runs and platforms, so it may be persisted.

use crate::swar::{HI, bytes_word, gather, word_and_high_bits};
pub use crate::token_ranges::{RangeSink, TokenRanges};
use unicode_normalization::char::is_combining_mark;
use xxhash_rust::xxh3::xxh3_64;

/// A document after normalisation and segmentation: the normalised text, each token's byte
/// range in it, and each token's hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    /// Normalised text (see [`crate::normalize`]).
    pub norm: String,
    /// Byte range `[begin, end)` of each token in `norm`.
    pub ranges: TokenRanges,
    /// [`token_hash`] of each token's normalised bytes.
    pub hashes: Vec<u64>,
}

impl Tokens {
    /// Normalises and segments `original`.
    pub fn new(original: &str) -> Tokens {
        let norm = crate::normalize::normalize_text(original);
        Tokens::from_normalized(norm)
    }

    /// Segments already normalised text.
    pub fn from_normalized(norm: String) -> Tokens {
        let mut ranges = TokenRanges::with_capacity(norm.len() / 5);
        token_ranges_into(&norm, &mut ranges);
        // the estimate above is ~10% high on English; the ranges live as long as the corpus
        ranges.shrink_to_fit();
        let hashes = token_hashes(&norm, ranges.iter()).collect();
        Tokens {
            norm,
            ranges,
            hashes,
        }
    }

    /// Normalises `original` into these tokens' buffers and `map` (see
    /// [`crate::normalize::normalize_reusing`]), and segments it: [`Tokens::new`] plus the
    /// offset map, without allocating when the buffers are large enough already.
    pub fn refill(&mut self, original: &str, map: &mut Vec<u32>) {
        crate::normalize::normalize_reusing(original, &mut self.norm, map);
        self.ranges.clear();
        token_ranges_into(&self.norm, &mut self.ranges);
        self.hashes.clear();
        self.hashes
            .extend(token_hashes(&self.norm, self.ranges.iter()));
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The normalised text of token `i`.
    pub fn text(&self, i: usize) -> &str {
        let (b, e) = self.ranges.at(i);
        &self.norm[b as usize..e as usize]
    }
}

/// [`Tokens`] without their hashes (8 bytes a token, the largest part): what the in-memory
/// pipeline keeps of each document while its index is built, the hashes being computed
/// again from the normalised text ([`token_hash`], about 2 ns a token) where the build
/// needs them and once more after it, when the build's own buffers are gone; and what the
/// report stages keep of the documents they may ask for (hashed again when they do, see
/// [`crate::token_source::TokenSource::keep_only`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Unhashed {
    pub norm: String,
    pub ranges: TokenRanges,
}

impl Unhashed {
    /// `t` without its hashes.
    pub fn of(t: Tokens) -> Unhashed {
        Unhashed {
            norm: t.norm,
            ranges: t.ranges,
        }
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// The hashes of the tokens, into `out` (cleared first).
    pub fn hashes_into(&self, out: &mut Vec<u64>) {
        out.clear();
        out.extend(token_hashes(&self.norm, self.ranges.iter()));
    }

    /// A copy of the tokens, hashes computed again: equal to the [`Tokens`] this was made
    /// of.
    pub fn hashed(&self) -> Tokens {
        Tokens {
            norm: self.norm.clone(),
            ranges: self.ranges.clone(),
            hashes: token_hashes(&self.norm, self.ranges.iter()).collect(),
        }
    }

    /// The tokens, hashes computed again: equal to the [`Tokens`] this was made of.
    pub fn hash(self) -> Tokens {
        let hashes = token_hashes(&self.norm, self.ranges.iter()).collect();
        Tokens {
            norm: self.norm,
            ranges: self.ranges,
            hashes,
        }
    }
}

/// The [`token_hash`] of each token's normalised bytes.
pub(crate) fn token_hashes<'a, R: Iterator<Item = (u32, u32)> + 'a>(
    norm: &'a str,
    ranges: R,
) -> impl Iterator<Item = u64> + 'a {
    let bytes = norm.as_bytes();
    ranges.map(|(b, e)| token_hash_at(bytes, b as usize, e as usize))
}

/// Keys of [`token_hash`]. `K0` and `K1` each have a byte `0xff`, which UTF-8 text (padded
/// with zeros) never has, so neither word of a token cancels to zero.
const K0: u64 = 0xa076_1d64_78bd_64ff;
const K1: u64 = 0xe703_7ed1_a0b4_28ff;
const K2: u64 = 0x8ebc_6af0_9c88_c6e3;
const K3: u64 = 0x5899_65cc_7537_4cc3;

/// The high and low halves of the 128-bit product, folded into one word.
#[inline]
fn fold_mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// `n <= 8` bytes of `w` (little-endian), the rest zero.
#[inline]
fn low_bytes(w: u64, n: usize) -> u64 {
    if n >= 8 {
        w
    } else {
        w & ((1u64 << (8 * n)) - 1)
    }
}

/// The 64-bit hash of a token's normalised bytes, fixed for good (it is persisted in index
/// files): tokens of up to 16 bytes (nearly all words) as two little-endian words, zero
/// padded, each keyed and multiplied together, then mixed with the length; longer ones with
/// xxh3-64, mixed the same way. Some 2 ns a word where xxh3 took 7: its branches on the
/// length were mispredicted on running text, whose word lengths vary at random.
pub fn token_hash(token: &[u8]) -> u64 {
    token_hash_at(token, 0, token.len())
}

/// [`token_hash`] of `bytes[b..e]`, reading whole words past `e` where `bytes` has them.
#[inline]
pub(crate) fn token_hash_at(bytes: &[u8], b: usize, e: usize) -> u64 {
    let len = e - b;
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let (x, y) = if len > 16 {
        (xxh3_64(&bytes[b..e]), 0)
    } else if b + 16 <= bytes.len() {
        (
            low_bytes(word(b), len),
            low_bytes(word(b + 8), len.saturating_sub(8)),
        )
    } else {
        let mut pad = [0u8; 16];
        pad[..len].copy_from_slice(&bytes[b..e]);
        let half = |i: usize| u64::from_le_bytes(pad[i..i + 8].try_into().expect("8 bytes"));
        (half(0), half(8))
    };
    fold_mul(fold_mul(x ^ K0, y ^ K1) ^ K2, len as u64 ^ K3)
}

/// True for characters of scripts written without spaces between words.
pub fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x2FA1F) // CJK extensions B..
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// `ASCII_WORD[b]` is 1 for ASCII letters and digits.
const ASCII_WORD: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = (b as u8).is_ascii_alphanumeric() as u8;
        b += 1;
    }
    t
};

/// How many bytes `block` (at most 64) starts with that are ASCII, and a mask with bit `k`
/// set when byte `k` of them is a letter or digit. Eight bytes at a time: the letter and
/// digit tests are byte-wise comparisons in one `u64`, gathered into eight bits by a
/// multiplication.
#[inline]
fn ascii_word_mask(block: &[u8]) -> (usize, u64) {
    let mut words = 0u64;
    let mut k = 0;
    while k + 8 <= block.len() {
        let x = u64::from_le_bytes(block[k..k + 8].try_into().expect("8 bytes"));
        let high = x & HI;
        let bits = gather(bytes_word(x));
        if high != 0 {
            let n = high.trailing_zeros() as usize / 8;
            return (k + n, words | (bits & ((1 << n) - 1)) << k);
        }
        words |= bits << k;
        k += 8;
    }
    while k < block.len() && block[k] < 0x80 {
        words |= u64::from(ASCII_WORD[block[k] as usize]) << k;
        k += 1;
    }
    (k, words)
}

/// Byte ranges of the tokens of `text`.
pub fn token_ranges(text: &str) -> Vec<(u32, u32)> {
    let mut out = Vec::with_capacity(text.len() / 5);
    token_ranges_into(text, &mut out);
    // the estimate above is ~10% high on English; the ranges live as long as the corpus
    out.shrink_to_fit();
    out
}

/// [`token_ranges`] appended to `out`.
pub fn token_ranges_into(text: &str, out: &mut impl RangeSink) {
    let bytes = text.as_bytes();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        // up to 64 ASCII bytes at once: a bit mask of the word bytes, whose changes are
        // where tokens start and end (no branch per byte or per word boundary to mispredict)
        let (ascii, words) = match bytes.get(i..i + 64) {
            Some(block) => {
                let (words, high) = word_and_high_bits(block.try_into().expect("64 bytes"));
                (high.trailing_zeros() as usize, words)
            }
            None => ascii_word_mask(&bytes[i..]),
        };
        if ascii > 0 {
            let valid = if ascii == 64 {
                u64::MAX
            } else {
                (1u64 << ascii) - 1
            };
            let words = words & valid;
            // a word byte after a non-word byte starts a token, a non-word byte after a
            // word byte ends one; the two alternate, so the k-th start pairs with the k-th
            // end (after the end of a token left open by the block before)
            let before = words << 1 | u64::from(start.is_some());
            let mut starts = words & !before;
            let mut ends = !words & before & valid;
            if let Some(s) = start {
                if ends == 0 {
                    i += ascii;
                    continue;
                }
                out.push_range((s as u32, (i + ends.trailing_zeros() as usize) as u32));
                ends &= ends - 1;
                start = None;
            }
            out.reserve(starts.count_ones() as usize);
            while starts != 0 {
                let b = i + starts.trailing_zeros() as usize;
                starts &= starts - 1;
                if ends == 0 {
                    start = Some(b);
                    break;
                }
                out.push_range((b as u32, (i + ends.trailing_zeros() as usize) as u32));
                ends &= ends - 1;
            }
            i += ascii;
            continue;
        }
        let c = text[i..].chars().next().expect("char boundary");
        let w = c.len_utf8();
        if is_unspaced_script(c) {
            if let Some(s) = start.take() {
                out.push_range((s as u32, i as u32));
            }
            out.push_range((i as u32, (i + w) as u32));
        } else if is_word_char(c) {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(s) = start.take() {
            out.push_range((s as u32, i as u32));
        }
        i += w;
    }
    if let Some(s) = start {
        out.push_range((s as u32, bytes.len() as u32));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hash is persisted in index files: these values must never change.
    #[test]
    fn token_hash_is_fixed() {
        let got: Vec<u64> = ["a", "chorus", "statement", "überraschungsangriff", "2026"]
            .iter()
            .map(|t| token_hash(t.as_bytes()))
            .collect();
        assert_eq!(
            got,
            [
                14681890960441161428,
                11727574784301816943,
                16250855252946155991,
                6216617051776530319,
                1016759622765975519
            ]
        );
    }

    /// Read in place (whole words past the token) or copied (near the end of the text), a
    /// token hashes the same; different tokens, lengths included, hash differently.
    #[test]
    fn token_hash_depends_on_the_token_only() {
        let mut seen = std::collections::HashMap::new();
        let text = "x".repeat(20) + &"abcdefghijklmnopqrstuvwxyz0123456789".repeat(2);
        let bytes = text.as_bytes();
        for b in 0..bytes.len() {
            for e in b + 1..=bytes.len().min(b + 30) {
                let h = token_hash_at(bytes, b, e);
                assert_eq!(h, token_hash(&bytes[b..e]));
                let t = &bytes[b..e];
                if let Some(prev) = seen.insert(h, t) {
                    assert_eq!(prev, t, "collision");
                }
            }
        }
        assert_ne!(token_hash(b"ab"), token_hash(b"ab\0"));
        assert!(seen.len() > 1000);
    }

    fn words(text: &str) -> Vec<&str> {
        token_ranges(text)
            .into_iter()
            .map(|(b, e)| &text[b as usize..e as usize])
            .collect()
    }

    #[test]
    fn segments_words_and_drops_punctuation() {
        assert_eq!(
            words("isis's attack - on jan. 3, 2024 \"here\""),
            ["isis", "s", "attack", "on", "jan", "3", "2024", "here"]
        );
    }

    #[test]
    fn unspaced_scripts_give_one_token_per_character() {
        assert_eq!(
            words("東京は晴れ abc"),
            ["東", "京", "は", "晴", "れ", "abc"]
        );
    }

    #[test]
    fn keeps_accents_and_combining_marks_inside_words() {
        assert_eq!(words("café naïve हिन्दी"), ["café", "naïve", "हिन्दी"]);
    }

    /// The definition, one character at a time.
    fn reference(text: &str) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let mut start: Option<usize> = None;
        for (i, c) in text.char_indices() {
            if is_unspaced_script(c) {
                if let Some(s) = start.take() {
                    out.push((s as u32, i as u32));
                }
                out.push((i as u32, (i + c.len_utf8()) as u32));
            } else if is_word_char(c) {
                start.get_or_insert(i);
            } else if let Some(s) = start.take() {
                out.push((s as u32, i as u32));
            }
        }
        if let Some(s) = start {
            out.push((s as u32, text.len() as u32));
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn same_ranges_as_the_reference(
            chars in proptest::collection::vec(proptest::sample::select(vec![
                'a', 'Z', '7', ' ', '.', '-', '\n', 'é', '\u{301}', '’', '東', 'x', 'y',
            ]), 0..200)
        ) {
            let t: String = chars.into_iter().collect();
            proptest::prop_assert_eq!(token_ranges(&t), reference(&t));
        }

        /// Mostly ASCII, with every edge of the letter and digit ranges, so that the
        /// eight-byte path of [`ascii_word_mask`] runs.
        #[test]
        fn ascii_blocks_as_the_reference(
            chars in proptest::collection::vec(proptest::sample::select(vec![
                'a', 'z', 'A', 'Z', '0', '9', 'm', 'Q', '5', ' ', '/', ':', '@', '[', '`', '{',
                '\u{7F}', '\u{01}', '.', '\n', 'é', '东',
            ]), 0..300)
        ) {
            let t: String = chars.into_iter().collect();
            proptest::prop_assert_eq!(token_ranges(&t), reference(&t));
        }

        /// Tokens without their hashes give the same hashes again, and the same tokens
        /// (words of 1 to 40 letters: the hash's two short paths and xxh3).
        #[test]
        fn unhashed_tokens_hash_back_to_the_same(
            words in proptest::collection::vec((1usize..40, proptest::sample::select(vec![
                'a', 'Q', '9', 'é', '東', 'ß',
            ]), proptest::sample::select(vec![" ", ". ", "\n", "—"])), 0..80)
        ) {
            let text: String = words
                .iter()
                .map(|(n, c, sep)| format!("{}{sep}", c.to_string().repeat(*n)))
                .collect();
            let t = Tokens::new(&text);
            let u = Unhashed::of(t.clone());
            proptest::prop_assert_eq!(u.len(), t.len());
            let mut hashes = vec![1, 2, 3];
            u.hashes_into(&mut hashes);
            proptest::prop_assert_eq!(&hashes, &t.hashes);
            proptest::prop_assert_eq!(&u.hashed(), &t);
            proptest::prop_assert_eq!(u.hash(), t);
        }
    }

    #[test]
    fn same_words_same_hashes_across_quote_styles() {
        let a = Tokens::new("“Prior to ISIS’s attack,” he said");
        let b = Tokens::new("\"Prior to ISIS's attack,\" he said");
        assert_eq!(a.hashes, b.hashes);
    }
}
