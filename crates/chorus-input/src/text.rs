//! Plain-text files: binary detection, UTF-8 checking, one document per file.
//!
//! A file is taken as binary when its first 8 KB hold a NUL byte or more than 30% control
//! characters (bytes below 0x20 other than tab, line feed, form feed, carriage return and
//! escape, plus DEL). The test is the one `grep` and `git` use, cheap and good enough to keep
//! images and archives out; it runs on the decoded bytes, so it applies to JSON Lines too.
//!
//! Text must be UTF-8. A leading byte-order mark is dropped; every other byte is kept as is,
//! so that spans into the document are spans into the file.

/// How much of the start of a stream [`binary_reason`] looks at.
pub(crate) const BINARY_PROBE_LEN: usize = 8 * 1024;

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Why `head` (the first bytes of a stream) looks binary, or `None` if it looks like text.
pub(crate) fn binary_reason(head: &[u8]) -> Option<String> {
    if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
        return Some("looks like UTF-16 text (byte-order mark); convert it to UTF-8".into());
    }
    if let Some(at) = head.iter().position(|&b| b == 0) {
        return Some(format!("looks binary (NUL byte at offset {at})"));
    }
    let control = head
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | 0x1b)) || b == 0x7f)
        .count();
    if control * 10 > head.len() * 3 {
        return Some(format!(
            "looks binary ({control} control bytes in the first {} bytes)",
            head.len()
        ));
    }
    None
}

/// Drops a leading UTF-8 byte-order mark.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

/// The bytes as a `String` (byte-order mark dropped), or the byte offset of the first
/// invalid UTF-8 sequence, counted in the bytes given.
pub(crate) fn utf8_text(mut bytes: Vec<u8>) -> Result<String, usize> {
    let bom = if bytes.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    if let Err(err) = std::str::from_utf8(&bytes[bom..]) {
        return Err(bom + err.valid_up_to());
    }
    bytes.drain(..bom);
    // Cannot fail: checked just above.
    String::from_utf8(bytes).map_err(|e| e.utf8_error().valid_up_to())
}

/// Whether a text has nothing but whitespace.
pub(crate) fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// How a bounded line read ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineRead {
    /// The end of the stream, nothing read.
    Eof,
    /// A line (with its `\n`, if any) is in the buffer.
    Line,
    /// The line was longer than the limit: the buffer holds its first `max` bytes and the
    /// rest, up to and including the `\n`, was read past. Carries the line's full length.
    TooLong(u64),
}

/// Reads one line into `buf` (cleared first), keeping at most `max` bytes of it, so that a
/// line of any length is read in bounded memory.
pub(crate) fn read_line_bounded(
    reader: &mut dyn std::io::BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<LineRead> {
    buf.clear();
    let mut total: u64 = 0;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if chunk.is_empty() {
            break;
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(at) => (at + 1, true),
            None => (chunk.len(), false),
        };
        let room = max.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        total += take as u64;
        reader.consume(take);
        if done {
            break;
        }
    }
    Ok(if total == 0 {
        LineRead::Eof
    } else if total > max as u64 {
        LineRead::TooLong(total)
    } else {
        LineRead::Line
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_detection() {
        let cases: &[(&[u8], bool)] = &[
            (b"plain text\nwith lines\r\n\tand tabs\x0c", false),
            (b"", false),
            (b"caf\xc3\xa9 \xe2\x80\x94 utf-8", false),
            (b"\x1b[1mcolour\x1b[0m", false),
            (b"text with a \0 NUL", true),
            (b"\x01\x02\x03\x04abc", true),
            (b"\x01 mostly fine text here", false),
            (b"\xff\xfeh\0i\0", true),
        ];
        for (bytes, binary) in cases {
            assert_eq!(binary_reason(bytes).is_some(), *binary, "{bytes:?}");
        }
    }

    #[test]
    fn bounded_lines() {
        let mut r = std::io::BufReader::with_capacity(4, &b"abc\nabcdefghij\nxy"[..]);
        let mut buf = Vec::new();
        // each read: what it says, and the bytes it leaves in `buf` (a long line's first 5)
        let reads: [(LineRead, &[u8]); 4] = [
            (LineRead::Line, b"abc\n"),
            (LineRead::TooLong(11), b"abcde"),
            (LineRead::Line, b"xy"),
            (LineRead::Eof, b""),
        ];
        for (i, (read, bytes)) in reads.into_iter().enumerate() {
            assert_eq!(
                read_line_bounded(&mut r, &mut buf, 5).unwrap(),
                read,
                "read {i}"
            );
            if read != LineRead::Eof {
                assert_eq!(buf, bytes, "read {i}");
            }
        }
    }

    #[test]
    fn utf8_offsets_and_bom() {
        assert_eq!(utf8_text(b"\xef\xbb\xbfhi".to_vec()), Ok("hi".to_owned()));
        assert_eq!(utf8_text(b"ok \xff no".to_vec()), Err(3));
        assert_eq!(utf8_text(b"\xef\xbb\xbfab\xc3".to_vec()), Err(5));
        assert_eq!(strip_bom(b"\xef\xbb\xbf{}"), b"{}");
    }
}
