//! Character encodings of plain-text and CSV/TSV files: UTF-8 unless told otherwise
//! ([`ReadOptions::encoding`](crate::ReadOptions::encoding)), and when the bytes are not
//! valid UTF-8, the legacy encoding `chardetng` guesses (the detector Firefox uses), decoded
//! with `encoding_rs` into UTF-8.
//!
//! A plain-text file is decoded whole: the guess sees all its bytes. A CSV/TSV file is
//! decoded as it streams ([`Transcoder`]), the guess made from its first 8 KB (enough for
//! a few accented words in any Latin-1 table); a row past them that is still not UTF-8 is
//! reported with a hint to name the encoding. Bytes invalid in the chosen encoding become
//! U+FFFD. Offsets chorus reports (spans, `begin`/`end`) are into the decoded UTF-8 text,
//! not into the file's bytes.

use std::io::{self, Read};

use encoding_rs::{Decoder, Encoding, UTF_8};

/// The encoding named by a WHATWG label (`latin1`, `iso-8859-1`, `windows-1252`,
/// `shift_jis`, `utf-8`, ...), if any. Note that, as in browsers, `latin1` and
/// `iso-8859-1` mean windows-1252, a superset.
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

/// The encoding chardetng guesses for `bytes` (`last`: they are the whole stream).
fn guess(bytes: &[u8], last: bool) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, last);
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

/// Whether `head` (the first bytes of a stream, maybe cut inside a character) is UTF-8.
fn is_utf8_prefix(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// The text of a whole file: in `forced` when given, else UTF-8 when valid (byte-order
/// mark dropped), else in the guessed encoding.
pub(crate) fn decode_text(bytes: Vec<u8>, forced: Option<&'static Encoding>) -> String {
    if let Some(enc) = forced {
        return enc.decode(&bytes).0.into_owned();
    }
    if std::str::from_utf8(crate::text::strip_bom(&bytes)).is_ok() {
        return crate::text::utf8_text(bytes).unwrap_or_default();
    }
    guess(&bytes, true)
        .decode_without_bom_handling(&bytes)
        .0
        .into_owned()
}

/// The encoding a CSV/TSV stream must be decoded from, when not UTF-8: `forced`, else a
/// guess from `head` when it is not UTF-8.
pub(crate) fn stream_encoding(
    head: &[u8],
    forced: Option<&'static Encoding>,
) -> Option<&'static Encoding> {
    match forced {
        Some(enc) if enc == UTF_8 => None,
        Some(enc) => Some(enc),
        None if is_utf8_prefix(head) => None,
        None => Some(guess(head, false)).filter(|&e| e != UTF_8),
    }
}

/// A reader that decodes a stream from a legacy encoding into UTF-8 as it is read.
pub(crate) struct Transcoder<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    output: Vec<u8>,
    out_start: usize,
    out_end: usize,
    eof: bool,
    done: bool,
}

impl<R: Read> Transcoder<R> {
    pub(crate) fn new(inner: R, enc: &'static Encoding) -> Self {
        Transcoder {
            inner,
            decoder: enc.new_decoder_with_bom_removal(),
            input: vec![0; 32 * 1024],
            in_start: 0,
            in_end: 0,
            output: vec![0; 64 * 1024],
            out_start: 0,
            out_end: 0,
            eof: false,
            done: false,
        }
    }
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.eof = n == 0;
                self.in_start = 0;
                self.in_end = n;
            }
            let (_, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.in_start..self.in_end],
                &mut self.output,
                self.eof,
            );
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            if self.eof && self.in_start == self.in_end && written == 0 {
                self.done = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LATIN1: &[u8] = b"Le caf\xe9 de la gare a ferm\xe9 ses portes apr\xe8s trente ann\xe9es.";

    #[test]
    fn latin1_is_guessed_and_utf8_kept() {
        assert_eq!(
            decode_text(LATIN1.to_vec(), None),
            "Le café de la gare a fermé ses portes après trente années."
        );
        assert_eq!(decode_text("déjà".as_bytes().to_vec(), None), "déjà");
        let koi8 = encoding_for_label("koi8-r").unwrap();
        assert_eq!(decode_text(b"\xf0\xd2\xc9".to_vec(), Some(koi8)), "При");
        assert_eq!(encoding_for_label("nope"), None);
    }

    #[test]
    fn streams_are_transcoded_across_buffer_edges() {
        let long: Vec<u8> = LATIN1.iter().copied().cycle().take(200_000).collect();
        let enc = stream_encoding(&long[..8192], None).expect("not UTF-8");
        let mut text = String::new();
        Transcoder::new(&long[..], enc)
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, encoding_rs::WINDOWS_1252.decode(&long).0);
        assert_eq!(stream_encoding("caf\u{e9}".as_bytes(), None), None);
        assert_eq!(
            stream_encoding(&"é".as_bytes()[..1], None),
            None,
            "a cut character"
        );
    }
}
