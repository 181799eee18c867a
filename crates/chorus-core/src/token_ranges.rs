//! The byte ranges of a document's tokens in its normalised text, in about 3 bytes a token
//! rather than 8: each token's start as a `u16` offset from the start of its block of
//! [`BLOCK`] tokens (one `u32` a block) and its length as one byte; the few tokens of 255
//! bytes or more (a URL, a run of digits), and the few that start 65,535 bytes or more
//! after their block does (a block spanning a long run of punctuation or symbols), keep
//! their length or start in short side lists. Every document's ranges live as long as the
//! corpus in memory, beside its normalised text and token hashes: for English (about 0.17
//! tokens a byte of text) this is 0.52 bytes a byte of text against 1.36 for `(u32, u32)`
//! pairs. Reading a range is three loads and two branches that are almost never taken.

/// A length byte meaning "look the length up in [`TokenRanges::long`]".
const LONG: u8 = u8::MAX;
/// An offset meaning "look the start up in [`TokenRanges::far`]".
const FAR: u16 = u16::MAX;
/// Tokens a block: a power of two (the block of token `i` is `i >> BLOCK_SHIFT`).
const BLOCK_SHIFT: u32 = 6;
const BLOCK: usize = 1 << BLOCK_SHIFT;

/// Byte ranges `[begin, end)` of tokens, in token order (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenRanges {
    /// The start of the first token of each block of [`BLOCK`] tokens.
    bases: Vec<u32>,
    /// Each token's start less its block's base, [`FAR`] when that is 65,535 or more.
    offsets: Vec<u16>,
    /// The length of each token, [`LONG`] when it is 255 bytes or more.
    lens: Vec<u8>,
    /// `(token, length)` of the tokens of 255 bytes or more, in token order.
    long: Vec<(u32, u32)>,
    /// `(token, start)` of the tokens whose offset is [`FAR`], in token order.
    far: Vec<(u32, u32)>,
}

/// Where a tokenizer puts the ranges it finds.
pub trait RangeSink {
    fn push_range(&mut self, range: (u32, u32));
    /// Room for `n` more ranges.
    fn reserve(&mut self, n: usize);
}

impl RangeSink for Vec<(u32, u32)> {
    #[inline]
    fn push_range(&mut self, range: (u32, u32)) {
        self.push(range);
    }
    #[inline]
    fn reserve(&mut self, n: usize) {
        Vec::reserve(self, n);
    }
}

impl RangeSink for TokenRanges {
    #[inline]
    fn push_range(&mut self, range: (u32, u32)) {
        self.push(range);
    }
    #[inline]
    fn reserve(&mut self, n: usize) {
        self.bases.reserve(n.div_ceil(BLOCK));
        self.offsets.reserve(n);
        self.lens.reserve(n);
    }
}

impl TokenRanges {
    pub fn new() -> TokenRanges {
        TokenRanges::default()
    }

    /// Room for `n` tokens.
    pub fn with_capacity(n: usize) -> TokenRanges {
        TokenRanges {
            bases: Vec::with_capacity(n.div_ceil(BLOCK)),
            offsets: Vec::with_capacity(n),
            lens: Vec::with_capacity(n),
            long: Vec::new(),
            far: Vec::new(),
        }
    }

    /// Appends the range `[b, e)` (`b <= e`) of the next token; starts never decrease.
    #[inline]
    pub fn push(&mut self, (b, e): (u32, u32)) {
        debug_assert!(b <= e);
        let i = self.offsets.len();
        if i.is_multiple_of(BLOCK) {
            self.bases.push(b);
        }
        let base = *self.bases.last().expect("a block per token");
        debug_assert!(base <= b, "token starts never decrease");
        let off = b - base;
        if off < u32::from(FAR) {
            self.offsets.push(off as u16);
        } else {
            self.offsets.push(FAR);
            self.far.push((i as u32, b));
        }
        let len = e - b;
        if len < u32::from(LONG) {
            self.lens.push(len as u8);
        } else {
            self.lens.push(LONG);
            self.long.push((i as u32, len));
        }
    }

    /// Number of tokens.
    #[inline]
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// The range of token `i` (panics when there is none).
    #[inline]
    pub fn at(&self, i: usize) -> (u32, u32) {
        let b = self.start(i);
        (b, b + self.len_of(i))
    }

    /// Where token `i` starts.
    #[inline]
    pub fn start(&self, i: usize) -> u32 {
        match self.offsets[i] {
            FAR => self.far_start(i),
            off => self.bases[i >> BLOCK_SHIFT] + u32::from(off),
        }
    }

    /// Where token `i` ends.
    #[inline]
    pub fn end(&self, i: usize) -> u32 {
        self.start(i) + self.len_of(i)
    }

    #[inline]
    fn len_of(&self, i: usize) -> u32 {
        match self.lens[i] {
            LONG => self.long_len(i),
            len => u32::from(len),
        }
    }

    #[cold]
    fn long_len(&self, i: usize) -> u32 {
        listed(&self.long, i)
    }

    #[cold]
    fn far_start(&self, i: usize) -> u32 {
        listed(&self.far, i)
    }

    /// Every range, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (u32, u32)> + '_ {
        (0..self.len()).map(|i| self.at(i))
    }

    /// Every range, as pairs.
    pub fn to_vec(&self) -> Vec<(u32, u32)> {
        self.iter().collect()
    }

    pub fn clear(&mut self) {
        self.bases.clear();
        self.offsets.clear();
        self.lens.clear();
        self.long.clear();
        self.far.clear();
    }

    /// Frees the room allocated beyond the ranges held.
    pub fn shrink_to_fit(&mut self) {
        self.bases.shrink_to_fit();
        self.offsets.shrink_to_fit();
        self.lens.shrink_to_fit();
        self.long.shrink_to_fit();
        self.far.shrink_to_fit();
    }

    /// Bytes of memory held (the allocations' capacities).
    pub fn heap_bytes(&self) -> usize {
        self.bases.capacity() * 4
            + self.offsets.capacity() * 2
            + self.lens.capacity()
            + (self.long.capacity() + self.far.capacity()) * 8
    }
}

/// The value listed for token `i` in a side list of `(token, value)` in token order.
fn listed(list: &[(u32, u32)], i: usize) -> u32 {
    let k = list
        .binary_search_by_key(&(i as u32), |&(t, _)| t)
        .expect("a token marked as listed is listed");
    list[k].1
}

impl FromIterator<(u32, u32)> for TokenRanges {
    fn from_iter<I: IntoIterator<Item = (u32, u32)>>(iter: I) -> TokenRanges {
        let iter = iter.into_iter();
        let mut out = TokenRanges::with_capacity(iter.size_hint().0);
        for r in iter {
            out.push(r);
        }
        out
    }
}

impl From<&[(u32, u32)]> for TokenRanges {
    fn from(ranges: &[(u32, u32)]) -> TokenRanges {
        ranges.iter().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_and_long_tokens_read_back() {
        let pairs = [(0, 3), (4, 4), (5, 259), (260, 514), (515, 770), (771, 775)];
        let r = TokenRanges::from(&pairs[..]);
        assert_eq!(r.len(), 6);
        // 254 bytes fits the length byte; 255 is listed
        assert_eq!(r.long, [(4, 255)]);
        for (i, &p) in pairs.iter().enumerate() {
            assert_eq!(r.at(i), p);
            assert_eq!((r.start(i), r.end(i)), p);
        }
        assert_eq!(r.to_vec(), pairs);
        assert_eq!(r.iter().len(), 6);
    }

    #[test]
    fn lengths_from_255_bytes_on_are_listed() {
        let r =
            TokenRanges::from(&[(0, 254), (254, 509), (600, 600 + 70_000), (70_600, 70_601)][..]);
        assert_eq!(r.long, [(1, 255), (2, 70_000)]);
        assert_eq!(r.lens, [254, LONG, LONG, 1]);
        assert_eq!(r.at(2), (600, 70_600));
        assert_eq!(r.end(1), 509);
    }

    #[test]
    fn starts_far_from_their_block_are_listed() {
        // token 0 opens the block; token 1 starts 65,534 bytes after it (fits), token 2
        // 65,535 after (listed), token 3 far too; the next block starts afresh at token 64
        let mut pairs = vec![
            (10, 12),
            (65_544, 65_546),
            (65_545, 65_550),
            (200_000, 200_300),
        ];
        let mut at = 200_300;
        while pairs.len() < BLOCK + 2 {
            pairs.push((at + 1, at + 3));
            at += 3;
        }
        let r = TokenRanges::from(&pairs[..]);
        assert_eq!(r.bases, [10, pairs[BLOCK].0]);
        let far: Vec<(u32, u32)> = (2..BLOCK)
            .filter(|&i| pairs[i].0 - 10 >= 65_535)
            .map(|i| (i as u32, pairs[i].0))
            .collect();
        assert_eq!(r.far, far);
        assert_eq!(r.offsets[1], 65_534);
        assert_eq!(r.long, [(3, 300)]);
        assert_eq!(r.to_vec(), pairs);
        for (i, &p) in pairs.iter().enumerate() {
            assert_eq!(r.at(i), p);
        }
    }

    proptest! {
        #[test]
        fn ranges_read_back_as_pushed(steps in proptest::collection::vec((prop_oneof![0u32..40, 60_000u32..70_000], prop_oneof![0u32..300, 250u32..100_000]), 0..300)) {
            let mut pairs = Vec::new();
            let mut at = 0u32;
            for (gap, len) in steps {
                let b = at + gap;
                pairs.push((b, b + len));
                at = b + len;
            }
            let mut r = TokenRanges::new();
            for &p in &pairs {
                r.push(p);
            }
            prop_assert_eq!(r.len(), pairs.len());
            prop_assert_eq!(r.is_empty(), pairs.is_empty());
            for (i, &p) in pairs.iter().enumerate() {
                prop_assert_eq!(r.at(i), p);
                prop_assert_eq!(r.start(i), p.0);
                prop_assert_eq!(r.end(i), p.1);
            }
            prop_assert_eq!(r.to_vec(), pairs.clone());
            let collected: TokenRanges = pairs.iter().copied().collect();
            prop_assert_eq!(&collected, &r);
            let mut shrunk = r.clone();
            shrunk.shrink_to_fit();
            prop_assert_eq!(&shrunk, &r);
            prop_assert!(
                shrunk.heap_bytes()
                    <= 3 * pairs.len() + 4 * pairs.len().div_ceil(BLOCK) + 8 * (r.long.len() + r.far.len())
            );
            r.clear();
            prop_assert!(r.is_empty());
        }
    }
}
