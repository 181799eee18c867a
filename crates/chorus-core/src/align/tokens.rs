//! Fuzzy token equality: whether two different tokens are the same word up to a typo or an
//! OCR confusion. Common OCR confusions (rn/m, cl/d, vv/w, 1/l, 0/o, c/e) are folded first,
//! then the edit distance of the folded words must be at most a quarter of their length
//! ("innoceent" ~ "innocent"); words under four characters never match fuzzily. Cheap
//! filters (lengths, first and last letters, classes of characters) rule most pairs out
//! before any folding, and the folding buffers are per thread, so a comparison allocates
//! nothing. The aligner asks this only of tokens whose hashes differ.

/// Folds common OCR confusions (rn/m, cl/d, vv/w, 1|i/l, 0/o, c/e) into `out`, for
/// characters given as an iterator; returns the folded length.
fn ocr_fold<T: Copy + PartialEq + From<u8>>(s: &[T], out: &mut Vec<T>) {
    let (r, n, c, l, v, d, m, w, e, o) = (
        T::from(b'r'),
        T::from(b'n'),
        T::from(b'c'),
        T::from(b'l'),
        T::from(b'v'),
        T::from(b'd'),
        T::from(b'm'),
        T::from(b'w'),
        T::from(b'e'),
        T::from(b'o'),
    );
    out.clear();
    let mut i = 0;
    while i < s.len() {
        let x = s[i];
        let next = s.get(i + 1).copied();
        if let Some(y) = next {
            let pair = if x == r && y == n {
                Some(m)
            } else if x == c && y == l {
                Some(d)
            } else if x == v && y == v {
                Some(w)
            } else {
                None
            };
            if let Some(p) = pair {
                out.push(p);
                i += 2;
                continue;
            }
        }
        out.push(
            if x == T::from(b'1') || x == T::from(b'|') || x == T::from(b'i') {
                l
            } else if x == T::from(b'0') {
                o
            } else if x == c {
                e
            } else {
                x
            },
        );
        i += 1;
    }
}

/// Whether the edit distance (Levenshtein) of `a` and `b` is at most `k`. Words of 64
/// characters or more (`b`) match only when equal. Bit-parallel (Myers 1999, in Hyyrö's
/// form for the global distance): the shorter word's positions are the bits of one `u64`
/// and each character of the longer word updates the column of distances in a few word
/// operations, instead of a row of cells.
fn edit_distance_at_most<T: PartialEq + Copy>(a: &[T], b: &[T], k: usize) -> bool {
    if a.len().abs_diff(b.len()) > k {
        return false;
    }
    const MAX: usize = 64;
    if b.len() >= MAX {
        return a == b;
    }
    // the shorter word is the pattern: under 64 characters, since `b` is
    let (p, t) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let m = p.len();
    if m == 0 {
        return t.len() <= k;
    }
    let top = 1u64 << (m - 1);
    let mask = if m == 64 { u64::MAX } else { (1u64 << m) - 1 };
    // vertical deltas of the column (+1 / -1 bits), the distance at the last row
    let (mut vp, mut vn) = (mask, 0u64);
    let mut dist = m;
    for (j, &c) in t.iter().enumerate() {
        let eq = p
            .iter()
            .enumerate()
            .fold(0u64, |e, (i, &x)| e | (u64::from(x == c) << i));
        let x = eq | vn;
        let d0 = ((vp & x).wrapping_add(vp) ^ vp) | x;
        let hn = vp & d0;
        let hp = vn | !(vp | d0);
        if hp & top != 0 {
            dist += 1;
        } else if hn & top != 0 {
            dist -= 1;
        }
        // the first row's distances grow by one a column: a carry of +1 into bit 0
        let hp = (hp << 1) | 1;
        let hn = hn << 1;
        vp = (hn | !(d0 | hp)) & mask;
        vn = hp & d0 & mask;
        // the distance can fall by at most one a remaining column
        if dist > k + (t.len() - 1 - j) {
            return false;
        }
    }
    dist <= k
}

/// Longest ASCII word folded on the stack by [`fuzzy_ascii`]; longer ones go through the
/// per-thread buffers.
const STACK_WORD: usize = 48;

/// [`ocr_fold`] of ASCII bytes into a stack array; returns the folded length.
fn ocr_fold_bytes(s: &[u8], out: &mut [u8; STACK_WORD]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < s.len() {
        let x = s[i];
        let pair = match (x, s.get(i + 1).copied()) {
            (b'r', Some(b'n')) => Some(b'm'),
            (b'c', Some(b'l')) => Some(b'd'),
            (b'v', Some(b'v')) => Some(b'w'),
            _ => None,
        };
        out[n] = match pair {
            Some(p) => {
                i += 2;
                p
            }
            None => {
                i += 1;
                match x {
                    b'1' | b'|' | b'i' => b'l',
                    b'0' => b'o',
                    b'c' => b'e',
                    _ => x,
                }
            }
        };
        n += 1;
    }
    n
}

/// [`fuzzy_folded`] of two ASCII words, folded on the stack (no per-thread buffers).
fn fuzzy_ascii(x: &[u8], y: &[u8]) -> bool {
    if x.len() > STACK_WORD || y.len() > STACK_WORD {
        return fuzzy_folded(
            x.iter().map(|&c| u32::from(c)),
            y.iter().map(|&c| u32::from(c)),
        );
    }
    let (mut fx, mut fy) = ([0u8; STACK_WORD], [0u8; STACK_WORD]);
    let nx = ocr_fold_bytes(x, &mut fx);
    let ny = ocr_fold_bytes(y, &mut fy);
    let k = (nx.max(ny) / 4).max(1);
    edit_distance_at_most(&fx[..nx], &fy[..ny], k)
}

thread_local! {
    /// Per-thread buffers for fuzzy comparison: no allocation per token pair.
    static FUZZY_BUFFERS: std::cell::RefCell<[Vec<u32>; 4]> =
        const { std::cell::RefCell::new([Vec::new(), Vec::new(), Vec::new(), Vec::new()]) };
}

fn fuzzy_folded(x: impl Iterator<Item = u32>, y: impl Iterator<Item = u32>) -> bool {
    FUZZY_BUFFERS.with(|b| {
        let [rx, ry, fx, fy] = &mut *b.borrow_mut();
        rx.clear();
        rx.extend(x);
        ry.clear();
        ry.extend(y);
        ocr_fold(rx, fx);
        ocr_fold(ry, fy);
        let k = (fx.len().max(fy.len()) / 4).max(1);
        edit_distance_at_most(fx, fy, k)
    })
}

/// The class of an ASCII byte (see [`class_mask`]).
const fn byte_class(c: u8) -> u32 {
    match c {
        b'r' | b'n' | b'm' => 0,
        b'c' | b'l' | b'd' | b'e' | b'i' | b'1' | b'|' => 1,
        b'v' | b'w' => 2,
        b'0' | b'o' => 3,
        b'a'..=b'z' => 4 + (c - b'a') as u32,
        b'0'..=b'9' => 30 + (c - b'0') as u32,
        _ => 40 + (c % 20) as u32,
    }
}

/// The bit of each byte's class, looked up rather than matched.
const CLASS_BITS: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = 1 << byte_class(c as u8);
        c += 1;
    }
    t
};

/// The set of character classes of an ASCII word, as bits. Characters that OCR folding
/// maps onto each other share a class (r n m; c l d e i 1 |; v w; 0 o).
fn class_mask(word: &[u8]) -> u64 {
    word.iter().fold(0u64, |m, &c| m | CLASS_BITS[c as usize])
}

/// True when two different tokens are the same word up to a typo or an OCR confusion.
pub fn fuzzy_equal(x: &str, y: &str) -> bool {
    if x.is_ascii() && y.is_ascii() {
        let (bx, by) = (x.as_bytes(), y.as_bytes());
        if bx.len().min(by.len()) < 4 || bx.len().abs_diff(by.len()) > 2 {
            return false;
        }
        // two words sharing neither their first nor their last two letters are different
        if bx[0] != by[0] && bx[bx.len() - 1] != by[by.len() - 1] && bx[1] != by[1] {
            return false;
        }
        // each edit changes at most two of the classes of characters a word uses, and
        // OCR folding keeps every character in its class: too many differing classes
        // rule the pair out before folding and the edit distance
        let k = (bx.len().max(by.len()) / 4).max(1) as u32;
        if (class_mask(bx) ^ class_mask(by)).count_ones() > 2 * k {
            return false;
        }
        return fuzzy_ascii(bx, by);
    }
    let (lx, ly) = (x.chars().count(), y.chars().count());
    if lx.min(ly) < 4 || lx.abs_diff(ly) > 2 {
        return false;
    }
    fuzzy_folded(x.chars().map(|c| c as u32), y.chars().map(|c| c as u32))
}

/// What [`fuzzy_equal`] reads of a token before folding it: its length in characters,
/// whether it is ASCII, and for ASCII its first, second and last bytes and its
/// [`class_mask`]. Computed once per token, it answers the many comparisons of one token
/// against its neighbours in an extension or gap (most of them ruled out by these alone)
/// without rescanning the token each time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FuzzyKey {
    len: u32,
    ascii: bool,
    first: u8,
    second: u8,
    last: u8,
    mask: u64,
}

impl FuzzyKey {
    pub(crate) fn of(x: &str) -> FuzzyKey {
        if x.is_ascii() {
            let b = x.as_bytes();
            FuzzyKey {
                len: b.len() as u32,
                ascii: true,
                first: b.first().copied().unwrap_or(0),
                second: b.get(1).copied().unwrap_or(0),
                last: b.last().copied().unwrap_or(0),
                mask: class_mask(b),
            }
        } else {
            FuzzyKey {
                len: x.chars().count() as u32,
                ..FuzzyKey::default()
            }
        }
    }
}

impl FuzzyKey {
    /// True when the keys alone say that the two tokens are not fuzzily equal (the cheap
    /// rules of [`fuzzy_equal`]: lengths, first and last letters, classes of characters).
    #[inline]
    pub(crate) fn rules_out(&self, other: &FuzzyKey) -> bool {
        let (kx, ky) = (self, other);
        // the length rule of both branches of `fuzzy_equal` (ASCII: bytes are characters)
        if kx.len.min(ky.len) < 4 || kx.len.abs_diff(ky.len) > 2 {
            return true;
        }
        if kx.ascii && ky.ascii {
            if kx.first != ky.first && kx.last != ky.last && kx.second != ky.second {
                return true;
            }
            let k = (kx.len.max(ky.len) / 4).max(1);
            return (kx.mask ^ ky.mask).count_ones() > 2 * k;
        }
        false
    }
}

/// [`fuzzy_equal`] of `x` and `y` given their keys ([`FuzzyKey::of`]): the same answer.
pub(crate) fn fuzzy_equal_keyed(x: &str, kx: &FuzzyKey, y: &str, ky: &FuzzyKey) -> bool {
    if kx.rules_out(ky) {
        return false;
    }
    if kx.ascii && ky.ascii {
        return fuzzy_ascii(x.as_bytes(), y.as_bytes());
    }
    fuzzy_folded(x.chars().map(|c| c as u32), y.chars().map(|c| c as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Words from a small alphabet rich in OCR confusions (so that many pairs are close),
    /// with some non-ASCII letters.
    fn word() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop::sample::select(vec![
                'a', 'c', 'd', 'e', 'i', 'l', 'm', 'n', 'o', 'r', 'v', 'w', '0', '1', '|', 'é',
                'ß', 's', 't',
            ]),
            0..12,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn keyed_comparison_is_fuzzy_equal(x in word(), y in word()) {
            prop_assert_eq!(
                fuzzy_equal_keyed(&x, &FuzzyKey::of(&x), &y, &FuzzyKey::of(&y)),
                fuzzy_equal(&x, &y)
            );
        }

        #[test]
        fn edit_distance_bound_is_the_levenshtein_distance(x in word(), y in word(), k in 0usize..6) {
            let (a, b): (Vec<char>, Vec<char>) = (x.chars().collect(), y.chars().collect());
            // the textbook full matrix
            let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
            for (i, row) in d.iter_mut().enumerate() {
                row[0] = i;
            }
            for (j, cell) in d[0].iter_mut().enumerate() {
                *cell = j;
            }
            for i in 1..=a.len() {
                for j in 1..=b.len() {
                    d[i][j] = (d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]))
                        .min(d[i - 1][j] + 1)
                        .min(d[i][j - 1] + 1);
                }
            }
            prop_assert_eq!(edit_distance_at_most(&a, &b, k), d[a.len()][b.len()] <= k);
        }

        /// The ASCII path (stack folding) answers as the general one (per-thread buffers of
        /// characters), for words short and long (64 characters and more match only when
        /// equal).
        #[test]
        fn ascii_path_is_the_general_path(
            x in "[a-e0-1|rnvwil]{0,70}",
            edits in proptest::collection::vec((0usize..70, "[a-e0-1|rnvwil]"), 0..4),
        ) {
            let mut y = x.clone().into_bytes();
            for (at, c) in &edits {
                if !y.is_empty() {
                    let at = at % y.len();
                    y[at] = c.as_bytes()[0];
                }
            }
            let y = String::from_utf8(y).expect("ascii");
            let general = |x: &str, y: &str| {
                fuzzy_folded(x.bytes().map(u32::from), y.bytes().map(u32::from))
            };
            prop_assert_eq!(fuzzy_ascii(x.as_bytes(), y.as_bytes()), general(&x, &y));
            let z: String = y.chars().skip(1).collect();
            prop_assert_eq!(fuzzy_ascii(x.as_bytes(), z.as_bytes()), general(&x, &z));
        }

        #[test]
        fn keyed_comparison_of_one_edit(x in word(), at in 0usize..12, c in prop::sample::select(vec!['a', 'e', 'n', 'é', '1'])) {
            let mut y: Vec<char> = x.chars().collect();
            if !y.is_empty() {
                let at = at % y.len();
                y[at] = c;
            }
            let y: String = y.into_iter().collect();
            prop_assert_eq!(
                fuzzy_equal_keyed(&x, &FuzzyKey::of(&x), &y, &FuzzyKey::of(&y)),
                fuzzy_equal(&x, &y)
            );
        }
    }

    #[test]
    fn class_table_is_the_class_of_each_byte() {
        for c in 0..=255u8 {
            assert_eq!(class_mask(&[c]), 1 << byte_class(c), "{c}");
        }
        assert_eq!(class_mask(b"rn"), 1);
        assert_eq!(class_mask(b"ab"), 1 << 4 | 1 << 5);
    }

    #[test]
    fn fuzzy_tokens() {
        assert!(fuzzy_equal("innoceent", "innocent"));
        assert!(fuzzy_equal("modern", "modem"));
        assert!(fuzzy_equal("world", "wor1d"));
        assert!(!fuzzy_equal("the", "tho"));
        assert!(!fuzzy_equal("government", "governor"));
        assert!(!fuzzy_equal("house", "mouse1234"));
    }
}
