//! Byte-wise tests on eight bytes at once in a `u64` ("SIMD within a register"), for the
//! ASCII fast paths of [`crate::normalize`] and [`crate::tokenize`]. Each test sets the high
//! bit of the bytes that pass it, exactly: no carry or borrow crosses from one byte to the
//! next.

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
}
