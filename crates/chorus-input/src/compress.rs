//! Transparent decompression of gzip, xz and zstd, recognised by their magic bytes.
//!
//! The first bytes of a stream decide ([`sniff_compression`]); the file name is only
//! checked against them. Every decoder reads concatenated streams to the end, the way
//! `zcat`, `xzcat` and `zstdcat` do: gzip through `flate2`'s `MultiGzDecoder`, xz through
//! `liblzma`'s multi-stream decoder, and zstd through `ruzstd`'s frame decoder driven frame
//! after frame (skippable frames skipped, content checksums verified). All of it streams:
//! memory stays bounded by the decoders' windows, whatever the size of the input.
//!
//! A truncated or corrupt stream shows up as an `io::Error` from `read` once the good part
//! has been delivered, so callers keep what was decoded before the damage. (gzip and xz
//! deliver nearly everything before the damage; `ruzstd` hands out bytes only once they
//! leave the frame's window, so a cut zstd frame loses up to one window, 1 to 8 MB for
//! usual levels, besides the damaged part.)

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

use crate::InputError;

/// How many leading bytes [`sniff_compression`] needs to recognise every format.
pub const SNIFF_LEN: usize = 6;

/// Buffer size for reading files and decoded streams.
pub(crate) const BUF_SIZE: usize = 256 * 1024;

/// A compression format, as recognised from a stream's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Not compressed (or not in a format chorus knows).
    None,
    Gzip,
    Xz,
    Zstd,
}

impl Compression {
    /// The format's usual name: `"gzip"`, `"xz"`, `"zstd"`, or `"uncompressed"`.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }

    /// The compression a file name's last extension promises (`.gz`, `.xz`, `.zst`,
    /// case-insensitive), if any.
    pub fn from_file_name(name: &str) -> Compression {
        match extension(name).map(str::to_ascii_lowercase).as_deref() {
            Some("gz" | "gzip") => Compression::Gzip,
            Some("xz") => Compression::Xz,
            Some("zst" | "zstd") => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// The file name with a compression extension (`.gz`, `.xz`, `.zst`) removed:
/// `corpus.jsonl.xz` → `corpus.jsonl`.
pub fn strip_compression_extension(name: &str) -> &str {
    if Compression::from_file_name(name) == Compression::None {
        name
    } else {
        name.rsplit_once('.').map_or(name, |(stem, _)| stem)
    }
}

/// The extension of the last component of `name` (without the dot), if it has one. A name
/// starting with a dot and having no other has none.
pub(crate) fn extension(name: &str) -> Option<&str> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => Some(ext),
        _ => None,
    }
}

/// Recognises gzip (`1f 8b`), xz (`fd 37 7a 58 5a 00`) and zstd (`28 b5 2f fd`, or a
/// skippable frame `5? 2a 4d 18`) from a stream's first bytes. Give it at least
/// [`SNIFF_LEN`] bytes when the stream has them; fewer bytes can only match shorter magics.
pub fn sniff_compression(bytes: &[u8]) -> Compression {
    match bytes {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Compression::Xz,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        [b, 0x2a, 0x4d, 0x18, ..] if b & 0xf0 == 0x50 => Compression::Zstd,
        _ => Compression::None,
    }
}

/// Wraps `reader` in the decoder its first bytes call for (or none), returning the format
/// found and a buffered reader of the decoded bytes.
pub fn decompress<'a, R: Read + Send + 'a>(
    reader: R,
) -> io::Result<(Compression, Box<dyn BufRead + Send + 'a>)> {
    let peeked = Peeked::new(reader, SNIFF_LEN);
    if let Some(err) = peeked.error {
        return Err(err);
    }
    let compression = sniff_compression(peeked.head());
    let buffered = BufReader::with_capacity(BUF_SIZE, peeked);
    let decoded: Box<dyn BufRead + Send + 'a> = match compression {
        Compression::None => Box::new(buffered),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            BUF_SIZE,
            flate2::bufread::MultiGzDecoder::new(buffered),
        )),
        Compression::Xz => Box::new(BufReader::with_capacity(
            BUF_SIZE,
            liblzma::bufread::XzDecoder::new_multi_decoder(buffered),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            BUF_SIZE,
            ZstdDecoder::new(buffered),
        )),
    };
    Ok((compression, decoded))
}

/// Opens a file, plain or compressed (recognised by its magic bytes, whatever its name),
/// as a buffered reader of its decoded bytes.
///
/// ```no_run
/// use std::io::BufRead;
/// let reader = chorus_input::open_decompressed("truth.jsonl.xz".as_ref())?;
/// for line in reader.lines() {
///     println!("{}", line?);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open_decompressed(path: &Path) -> Result<Box<dyn BufRead + Send>, InputError> {
    let io_err = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    decompress(file).map(|(_, reader)| reader).map_err(io_err)
}

/// A reader whose first bytes have been read ahead, so that they can be inspected before
/// the whole is read. An error met while reading ahead is kept and returned once the bytes
/// read before it have been delivered, so nothing decoded is lost.
pub(crate) struct Peeked<R> {
    head: Cursor<Vec<u8>>,
    error: Option<io::Error>,
    rest: R,
}

impl<R: Read> Peeked<R> {
    /// Reads up to `n` bytes ahead (fewer only at the end of the stream or on an error).
    pub(crate) fn new(mut rest: R, n: usize) -> Peeked<R> {
        let mut head = Vec::with_capacity(n);
        let error = (&mut rest).take(n as u64).read_to_end(&mut head).err();
        Peeked {
            head: Cursor::new(head),
            error,
            rest,
        }
    }

    /// The bytes read ahead.
    pub(crate) fn head(&self) -> &[u8] {
        self.head.get_ref()
    }

    /// Whether reading ahead met an error (which `read` will return after the head).
    pub(crate) fn error(&self) -> Option<&io::Error> {
        self.error.as_ref()
    }
}

impl<R: Read> Read for Peeked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.head.read(buf)?;
        if n > 0 || buf.is_empty() {
            return Ok(n);
        }
        match self.error.take() {
            Some(err) => Err(err),
            None => self.rest.read(buf),
        }
    }
}

/// Decodes a zstd stream of any number of frames.
///
/// `ruzstd`'s `StreamingDecoder` stops after one frame, so this drives its `FrameDecoder`
/// the same way, starting a new frame while input remains.
struct ZstdDecoder<R> {
    source: R,
    frame: FrameDecoder,
    in_frame: bool,
}

impl<R: BufRead> ZstdDecoder<R> {
    fn new(source: R) -> ZstdDecoder<R> {
        ZstdDecoder {
            source,
            frame: FrameDecoder::new(),
            in_frame: false,
        }
    }
}

fn zstd_error(err: FrameDecoderError) -> io::Error {
    // ruzstd nests the `io::Error` of a short read deep in its own errors; say it plainly.
    if format!("{err:?}").contains("UnexpectedEof") {
        io::Error::new(io::ErrorKind::UnexpectedEof, "unexpected end of data")
    } else {
        io::Error::new(io::ErrorKind::InvalidData, err)
    }
}

impl<R: BufRead> Read for ZstdDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.in_frame {
                while self.frame.can_collect() < buf.len() && !self.frame.is_finished() {
                    let wanted = buf.len() - self.frame.can_collect();
                    self.frame
                        .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBytes(wanted))
                        .map_err(zstd_error)?;
                }
                let n = self.frame.read(buf)?;
                if n > 0 {
                    return Ok(n);
                }
                // The frame is finished and drained.
                if let (Some(expected), Some(found)) = (
                    self.frame.get_checksum_from_data(),
                    self.frame.get_calculated_checksum(),
                ) && expected != found
                {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "zstd checksum mismatch: expected {expected:08x}, found {found:08x}"
                        ),
                    ));
                }
                self.in_frame = false;
            }
            if self.source.fill_buf()?.is_empty() {
                return Ok(0);
            }
            match self.frame.reset(&mut self.source) {
                Ok(()) => self.in_frame = true,
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    let skipped = io::copy(
                        &mut (&mut self.source).take(u64::from(length)),
                        &mut io::sink(),
                    )?;
                    if skipped < u64::from(length) {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "zstd skippable frame cut short",
                        ));
                    }
                }
                Err(err) => return Err(zstd_error(err)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic_bytes() {
        let cases: &[(&[u8], Compression)] = &[
            (&[0x1f, 0x8b, 8, 0], Compression::Gzip),
            (&[0xfd, b'7', b'z', b'X', b'Z', 0], Compression::Xz),
            (&[0xfd, b'7', b'z', b'X', b'Z'], Compression::None),
            (&[0x28, 0xb5, 0x2f, 0xfd, 0x20], Compression::Zstd),
            (&[0x5e, 0x2a, 0x4d, 0x18, 0, 0], Compression::Zstd),
            (&[0x6e, 0x2a, 0x4d, 0x18, 0, 0], Compression::None),
            (b"{\"id\":", Compression::None),
            (b"", Compression::None),
            (&[0x1f], Compression::None),
        ];
        for (bytes, want) in cases {
            assert_eq!(sniff_compression(bytes), *want, "{bytes:x?}");
        }
    }

    #[test]
    fn names_and_extensions() {
        assert_eq!(
            strip_compression_extension("corpus.jsonl.xz"),
            "corpus.jsonl"
        );
        assert_eq!(strip_compression_extension("a/b.TXT.GZ"), "a/b.TXT");
        assert_eq!(strip_compression_extension("a.zst"), "a");
        assert_eq!(strip_compression_extension("a.txt"), "a.txt");
        assert_eq!(extension("dir.d/file"), None);
        assert_eq!(extension(".hidden"), None);
        assert_eq!(extension("-"), None);
        assert_eq!(extension("x.jsonl"), Some("jsonl"));
        assert_eq!(Compression::from_file_name("x.ZSTD"), Compression::Zstd);
    }

    #[test]
    fn peeked_returns_head_then_rest() {
        let mut p = Peeked::new(&b"hello world"[..], 5);
        assert_eq!(p.head(), b"hello");
        let mut all = String::new();
        p.read_to_string(&mut all).unwrap();
        assert_eq!(all, "hello world");
    }

    #[test]
    fn plain_bytes_pass_through() {
        let (c, mut r) = decompress(&b"just text"[..]).unwrap();
        assert_eq!(c, Compression::None);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "just text");
    }

    #[test]
    fn zstd_multiple_frames_and_skippable_frames() {
        use ruzstd::encoding::{CompressionLevel, compress_to_vec};
        let mut data = vec![0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3];
        data.extend(compress_to_vec(&b"first "[..], CompressionLevel::Fastest));
        data.extend(compress_to_vec(
            &b"second"[..],
            CompressionLevel::Uncompressed,
        ));
        let (c, mut r) = decompress(Cursor::new(data)).unwrap();
        assert_eq!(c, Compression::Zstd);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "first second");
    }
}
