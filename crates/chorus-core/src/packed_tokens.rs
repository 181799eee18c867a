//! A document's tokens as they are kept in memory between indexing and alignment: the
//! normalised text and the token ranges packed as byte-sized numbers, unpacked into
//! [`Tokens`] whenever a stage asks for them.
//!
//! [`Tokens`] costs the normalised text plus 13 bytes a token (a range in 5, a hash in 8),
//! about 3.3 times the original text for English; kept for every document, that was most of a
//! run's memory. Packed, a token is its distance from the end of the one before and its
//! length, each a LEB128 number (one byte for nearly every word): about 1.35 times the
//! text. Unpacking copies the text, adds up the ranges and hashes each token
//! ([`crate::tokenize::token_hash`], about 2 ns a word): far cheaper than normalising and
//! segmenting again, which is what a corpus on disk does (see [`crate::corpus::Storage`]).

use crate::tokenize::{TokenRanges, Tokens, token_hash_at, token_hashes};

/// One document's normalised text and packed token ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PackedTokens {
    norm: Box<str>,
    /// Per token: LEB128 of its start minus the previous token's end, then of its length.
    ranges: Box<[u8]>,
    len: u32,
}

fn push_leb128(out: &mut Vec<u8>, mut x: u32) {
    while x >= 0x80 {
        out.push((x as u8) | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

#[inline]
fn read_leb128(bytes: &[u8], at: &mut usize) -> u32 {
    let mut x = 0u32;
    let mut shift = 0;
    loop {
        let b = bytes[*at];
        *at += 1;
        if shift == 0 && b < 0x80 {
            return u32::from(b);
        }
        x |= u32::from(b & 0x7f) << shift;
        if b < 0x80 {
            return x;
        }
        shift += 7;
    }
}

impl PackedTokens {
    /// Packs `t`, keeping its normalised text.
    pub fn pack(t: Tokens) -> PackedTokens {
        let mut ranges = Vec::with_capacity(t.ranges.len() * 2 + 8);
        let mut end = 0;
        for (b, e) in t.ranges.iter() {
            push_leb128(&mut ranges, b - end);
            push_leb128(&mut ranges, e - b);
            end = e;
        }
        PackedTokens {
            len: t.ranges.len() as u32,
            norm: t.norm.into_boxed_str(),
            ranges: ranges.into_boxed_slice(),
        }
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Calls `f(begin, end)` for each token's range, in order.
    #[inline(always)]
    fn for_each_range(&self, mut f: impl FnMut(u32, u32)) {
        let bytes = &self.ranges[..];
        let (mut at, mut end) = (0, 0);
        while at < bytes.len() {
            // nearly every token: a one-byte gap and a one-byte length
            if let Some(&[gap, len]) = bytes.get(at..at + 2)
                && (gap | len) < 0x80
            {
                at += 2;
                let b = end + u32::from(gap);
                end = b + u32::from(len);
                f(b, end);
                continue;
            }
            let b = end + read_leb128(bytes, &mut at);
            end = b + read_leb128(bytes, &mut at);
            f(b, end);
        }
    }

    /// The token ranges, appended to `out`.
    fn ranges_into(&self, out: &mut Vec<(u32, u32)>) {
        out.reserve(self.len());
        self.for_each_range(|b, e| out.push((b, e)));
    }

    /// The tokens, as [`Tokens::new`] made them: the ranges read and each token hashed in
    /// one pass, into vectors of exactly their size.
    pub fn unpack(&self) -> Tokens {
        let n = self.len();
        let (mut ranges, mut hashes) = (TokenRanges::with_capacity(n), Vec::with_capacity(n));
        let norm = self.norm.as_bytes();
        self.for_each_range(|b, e| {
            ranges.push((b, e));
            hashes.push(token_hash_at(norm, b as usize, e as usize));
        });
        Tokens {
            norm: String::from(&*self.norm),
            ranges,
            hashes,
        }
    }

    /// The token hashes (`Tokens::hashes`) into `hashes`, using `ranges` as scratch.
    pub fn hashes_into(&self, ranges: &mut Vec<(u32, u32)>, hashes: &mut Vec<u64>) {
        ranges.clear();
        self.ranges_into(ranges);
        hashes.clear();
        hashes.extend(token_hashes(&self.norm, ranges.iter().copied()));
    }

    /// Bytes of memory held.
    #[cfg(test)]
    pub fn heap_bytes(&self) -> usize {
        self.norm.len() + self.ranges.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpacking_gives_the_tokens_back() {
        let long = "x".repeat(300);
        let texts = [
            String::new(),
            "  ".to_string(),
            "Hello, world! «Quoted» — dashes… and 3.14".to_string(),
            format!("{long} short {long}{}", " ".repeat(200) + "end"),
            "漢字かなカナ mixed ไทย text, één".to_string(),
        ];
        let (mut r, mut h) = (Vec::new(), Vec::new());
        for text in &texts {
            let t = Tokens::new(text);
            let p = PackedTokens::pack(t.clone());
            assert_eq!(p.len(), t.len());
            assert_eq!(p.unpack(), t, "{text:?}");
            p.hashes_into(&mut r, &mut h);
            assert_eq!(h, t.hashes);
            assert!(p.heap_bytes() <= t.norm.len() + 2 * t.len() + 2 * 3 * 2);
        }
    }

    #[test]
    fn leb128_round_trips() {
        let xs = [0, 1, 127, 128, 16_383, 16_384, 1 << 21, u32::MAX];
        let mut out = Vec::new();
        for &x in &xs {
            push_leb128(&mut out, x);
        }
        let mut at = 0;
        for &x in &xs {
            assert_eq!(read_leb128(&out, &mut at), x);
        }
        assert_eq!(at, out.len());
    }
}
