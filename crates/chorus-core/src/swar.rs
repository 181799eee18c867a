//! Byte-wise tests on eight bytes at once in a `u64` ("SIMD within a register"), for the
//! ASCII fast paths of [`crate::normalize`] and [`crate::tokenize`]. Each test sets the high
//! bit of the bytes that pass it, exactly: no carry or borrow crosses from one byte to the
//! next.
//!
//! On x86-64 the scans that take whole blocks ([`word_and_high_bits`], [`unsure_bits`]) use
//! SSE2 (part of every x86-64 CPU), sixteen bytes per instruction, through `safe_arch`'s
//! safe wrappers; elsewhere they fall back to the eight-byte tests. Both give the same bits
//! (tested).

/// 0x01 in every byte.
pub(crate) const LO: u64 = 0x0101_0101_0101_0101;
/// 0x80 in every byte: the bit each test sets.
pub(crate) const HI: u64 = 0x8080_8080_8080_8080;

/// The bytes of `x` equal to `c`.
#[inline]
pub(crate) fn bytes_equal(x: u64, c: u8) -> u64 {
    let y = x ^ (LO * u64::from(c));
    !(((y & !HI) + !HI) | y) & HI
}

/// The bytes of `x` below 0x20 (ASCII controls, among them all whitespace but the space)
/// or at least 0x80.
#[inline]
pub(crate) fn bytes_control_or_high(x: u64) -> u64 {
    (!((x & !HI) + LO * 0x60) | x) & HI
}

/// The bytes of `x` at least `c` (`c <= 0x80`), among its ASCII bytes (a byte of 0x80 or
/// more may or may not be set: mask them out).
#[inline]
pub(crate) fn bytes_at_least(x: u64, c: u8) -> u64 {
    ((x | HI) - LO * u64::from(c)) & HI
}

/// The high bits of the eight bytes of `m` (a result of the tests above) gathered into
/// bits 0–7, byte 0 in bit 0.
#[inline]
pub(crate) fn gather(m: u64) -> u64 {
    ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// The ASCII letters and digits among the bytes of `x`.
#[inline]
pub(crate) fn bytes_word(x: u64) -> u64 {
    let ge = |c| bytes_at_least(x, c);
    ((ge(b'0') & !ge(b'9' + 1)) | (ge(b'A') & !ge(b'Z' + 1)) | (ge(b'a') & !ge(b'z' + 1)))
        & !(x & HI)
}

/// The bytes of `x` the normaliser's fast path is not sure it copies as they are: a
/// control, 0x80 or more, the backtick, or a space followed by a space or one of those;
/// `next` holds the bytes that follow those of `x` (`x`'s bytes one place on).
#[inline]
pub(crate) fn bytes_unsure(x: u64, next: u64) -> u64 {
    let odd = |x: u64| bytes_control_or_high(x) | bytes_equal(x, b'`');
    odd(x) | (bytes_equal(x, b' ') & (odd(next) | bytes_equal(next, b' ')))
}

/// Bit `k` of the first mask is set when byte `k` of `block` is an ASCII letter or digit,
/// bit `k` of the second when it is 0x80 or more.
#[inline]
pub(crate) fn word_and_high_bits(block: &[u8; 64]) -> (u64, u64) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        sse2::word_and_high_bits(block)
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        word_and_high_bits_swar(block)
    }
}

/// [`word_and_high_bits`] with the eight-byte tests.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn word_and_high_bits_swar(block: &[u8; 64]) -> (u64, u64) {
    let (mut words, mut high) = (0u64, 0u64);
    for (k, chunk) in block.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        words |= gather(bytes_word(x)) << (8 * k);
        high |= gather(x & HI) << (8 * k);
    }
    (words, high)
}

/// For the normaliser's fast path: bit `k` is set when byte `k` of `bytes[..16]` is a
/// control (below 0x20), 0x80 or more, or the backtick, or is a space followed (at `k + 1`,
/// which may be `bytes[16]`) by a space or one of those.
#[inline]
pub(crate) fn unsure_bits(bytes: &[u8; 17]) -> u32 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        sse2::unsure_bits(bytes)
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        unsure_bits_swar(bytes)
    }
}

/// [`unsure_bits`] with the eight-byte tests.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn unsure_bits_swar(bytes: &[u8; 17]) -> u32 {
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let unsure = |k: usize| (gather(bytes_unsure(word(k), word(k + 1))) as u32) << k;
    unsure(0) | unsure(8)
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use safe_arch::{
        bitand_m128i, bitor_m128i, cmp_eq_mask_i8_m128i, cmp_gt_mask_i8_m128i,
        cmp_lt_mask_i8_m128i, load_unaligned_m128i, m128i, move_mask_i8_m128i, set_splat_i8_m128i,
    };

    #[inline]
    fn load(bytes: &[u8]) -> m128i {
        load_unaligned_m128i(bytes.try_into().expect("16 bytes"))
    }

    /// The bytes of `x` in `lo..=hi` (both ASCII): a signed comparison leaves out the bytes
    /// of 0x80 or more, which are negative.
    #[inline]
    fn in_range(x: m128i, lo: u8, hi: u8) -> m128i {
        bitand_m128i(
            cmp_gt_mask_i8_m128i(x, set_splat_i8_m128i(lo as i8 - 1)),
            cmp_lt_mask_i8_m128i(x, set_splat_i8_m128i(hi as i8 + 1)),
        )
    }

    #[inline]
    pub(super) fn word_and_high_bits(block: &[u8; 64]) -> (u64, u64) {
        let (mut words, mut high) = (0u64, 0u64);
        for (k, chunk) in block.chunks_exact(16).enumerate() {
            let x = load(chunk);
            // letters: set the case bit, then one range
            let lower = bitor_m128i(x, set_splat_i8_m128i(0x20));
            let w = bitor_m128i(in_range(x, b'0', b'9'), in_range(lower, b'a', b'z'));
            words |= u64::from(move_mask_i8_m128i(w) as u16) << (16 * k);
            high |= u64::from(move_mask_i8_m128i(x) as u16) << (16 * k);
        }
        (words, high)
    }

    #[inline]
    pub(super) fn unsure_bits(bytes: &[u8; 17]) -> u32 {
        let (x, next) = (load(&bytes[..16]), load(&bytes[1..]));
        let odd = |v: m128i| {
            // below 0x20 as a signed byte: the controls and every byte of 0x80 or more
            bitor_m128i(
                cmp_lt_mask_i8_m128i(v, set_splat_i8_m128i(0x20)),
                cmp_eq_mask_i8_m128i(v, set_splat_i8_m128i(b'`' as i8)),
            )
        };
        let space = |v: m128i| cmp_eq_mask_i8_m128i(v, set_splat_i8_m128i(b' ' as i8));
        let unsure = bitor_m128i(
            odd(x),
            bitand_m128i(space(x), bitor_m128i(odd(next), space(next))),
        );
        u32::from(move_mask_i8_m128i(unsure) as u16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_value_in_every_position() {
        for b in 0..=255u8 {
            for k in 0..8 {
                // the byte under test among neighbours that pass no test and that pass all
                for fill in [b'a', 0x00, 0xFF] {
                    let mut bytes = [fill; 8];
                    bytes[k] = b;
                    let x = u64::from_le_bytes(bytes);
                    let bit = |m: u64| gather(m) >> k & 1 == 1;
                    assert_eq!(bit(bytes_equal(x, b' ')), b == b' ');
                    assert_eq!(bit(bytes_control_or_high(x)), !(0x20..0x80).contains(&b));
                    if b < 0x80 {
                        assert_eq!(bit(bytes_at_least(x, b'a')), b >= b'a');
                    }
                }
            }
        }
    }

    /// Every byte value at every position of a block, among neighbours of each kind: the
    /// block scans give the bits of the byte-wise definitions, with SSE2 and without.
    #[test]
    fn block_scans_match_their_definitions() {
        let word = |b: u8| b.is_ascii_alphanumeric();
        let odd = |b: u8| !(0x20..0x80).contains(&b) || b == b'`';
        for b in 0..=255u8 {
            for fill in [b'a', b' ', 0x00, 0xFF, b'`'] {
                for k in [0, 1, 7, 8, 15, 16, 31, 63] {
                    let mut block = [fill; 64];
                    block[k] = b;
                    let expect_words =
                        (0..64).fold(0u64, |m, i| m | u64::from(word(block[i])) << i);
                    let expect_high =
                        (0..64).fold(0u64, |m, i| m | u64::from(block[i] >= 0x80) << i);
                    assert_eq!(word_and_high_bits(&block), (expect_words, expect_high));
                    assert_eq!(word_and_high_bits_swar(&block), (expect_words, expect_high));
                    if k < 17 {
                        let bytes: [u8; 17] = block[..17].try_into().unwrap();
                        let expect = (0..16).fold(0u32, |m, i| {
                            let s = odd(bytes[i])
                                || (bytes[i] == b' '
                                    && (odd(bytes[i + 1]) || bytes[i + 1] == b' '));
                            m | u32::from(s) << i
                        });
                        assert_eq!(unsure_bits(&bytes), expect, "{b:#x} at {k} in {fill:#x}");
                        assert_eq!(unsure_bits_swar(&bytes), expect);
                    }
                }
            }
        }
    }
}
