//! UTF-8 byte offsets to character (code point) offsets.
//!
//! chorus reports byte offsets; PAN measures count characters. A [`CharMap`] remembers only
//! the non-ASCII characters of a text (position, encoded length, extra bytes before it), so
//! mostly-ASCII corpora cost little memory, and converts an offset with one binary search.
//! Offsets that fall inside a multi-byte character are rounded down ([`CharMap::char_floor`])
//! or up ([`CharMap::char_ceil`]); offsets past the end are clamped to the end.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Wide {
    /// Byte position of the character's first byte.
    pos: usize,
    /// Encoded length in bytes (2..=4).
    len: usize,
    /// Extra bytes (encoded length minus one) of all wide characters before this one.
    extra_before: usize,
}

/// Converts byte offsets of one text into code point offsets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CharMap {
    byte_len: usize,
    char_len: usize,
    wide: Vec<Wide>,
}

impl CharMap {
    /// The map of `text`.
    pub fn new(text: &str) -> CharMap {
        let mut wide = Vec::new();
        let mut extra = 0;
        let mut chars = 0;
        for (pos, c) in text.char_indices() {
            chars += 1;
            let len = c.len_utf8();
            if len > 1 {
                wide.push(Wide {
                    pos,
                    len,
                    extra_before: extra,
                });
                extra += len - 1;
            }
        }
        CharMap {
            byte_len: text.len(),
            char_len: chars,
            wide,
        }
    }

    /// A map for an unknown text: every byte counts as one character.
    pub fn identity(byte_len: usize) -> CharMap {
        CharMap {
            byte_len,
            char_len: byte_len,
            wide: Vec::new(),
        }
    }

    /// Length of the text in bytes.
    pub fn byte_len(&self) -> usize {
        self.byte_len
    }

    /// Length of the text in code points.
    pub fn char_len(&self) -> usize {
        self.char_len
    }

    /// Whether `byte` is a character boundary inside the text (the end counts).
    pub fn is_boundary(&self, byte: usize) -> bool {
        byte <= self.byte_len && self.char_floor(byte) == self.char_ceil(byte)
    }

    /// Index of the character that contains `byte` (a `begin` offset).
    pub fn char_floor(&self, byte: usize) -> usize {
        self.char_index(byte, 0)
    }

    /// Number of characters that start before `byte` (an exclusive `end` offset).
    pub fn char_ceil(&self, byte: usize) -> usize {
        self.char_index(byte, 1)
    }

    /// The character offset of `byte` (clamped to the end); a byte inside a wide character
    /// gives that character's index plus `inside` (0 rounds down, 1 up).
    fn char_index(&self, byte: usize, inside: usize) -> usize {
        let byte = byte.min(self.byte_len);
        let k = self.wide.partition_point(|w| w.pos < byte);
        if k == 0 {
            return byte;
        }
        let w = self.wide[k - 1];
        if byte >= w.pos + w.len {
            byte - (w.extra_before + w.len - 1)
        } else {
            w.pos - w.extra_before + inside
        }
    }

    /// The character range of the byte range `[begin, end)`, widened to whole characters.
    pub fn char_range(&self, begin: usize, end: usize) -> (usize, usize) {
        let b = self.char_floor(begin);
        let e = self.char_ceil(end).max(b);
        (b, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_identity() {
        let m = CharMap::new("hello");
        assert_eq!(m.char_len(), 5);
        for b in 0..=5 {
            assert_eq!(m.char_floor(b), b);
            assert_eq!(m.char_ceil(b), b);
        }
        assert_eq!(m.char_ceil(99), 5);
    }

    #[test]
    fn multibyte_offsets_match_char_indices() {
        let text = "a“é€𝄞b”c";
        let m = CharMap::new(text);
        assert_eq!(m.char_len(), text.chars().count());
        for (ci, (bi, _)) in text.char_indices().enumerate() {
            assert_eq!(m.char_floor(bi), ci, "floor at byte {bi}");
            assert_eq!(m.char_ceil(bi), ci, "ceil at byte {bi}");
            assert!(m.is_boundary(bi));
        }
        assert_eq!(m.char_ceil(text.len()), text.chars().count());
    }

    #[test]
    fn mid_character_offsets_round_outwards() {
        // "a€b": '€' is 3 bytes at byte 1..4.
        let m = CharMap::new("a€b");
        assert_eq!(m.char_floor(2), 1);
        assert_eq!(m.char_ceil(2), 2);
        assert!(!m.is_boundary(2));
        assert_eq!(m.char_range(2, 3), (1, 2));
        assert_eq!(m.char_range(4, 5), (2, 3));
    }
}
