//! The pipeline every stream goes through: sniff the compression from its first bytes
//! (and check it against the name), decode, look at the first 8 KB of decoded bytes
//! (empty? binary?), decide the format (forced, from the name's extension, or from the
//! content), and hand the stream to the reader of that format, or read it whole as one
//! HTML page, feed or plain-text document.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use super::{Emit, ReadOptions, StreamName};
use crate::InputFormat;
use crate::compress::{
    BUF_SIZE, Compression, Peeked, SNIFF_LEN, decompress, extension, sniff_compression,
    strip_compression_extension,
};
use crate::encoding::{Transcoder, decode_text, stream_encoding};
use crate::feed::{looks_like_feed, read_feed};
use crate::html;
use crate::jsonl::read_jsonl;
use crate::mail::{looks_like_mail, read_mail};
use crate::problem::{InputProblem, ProblemKind};
use crate::table::read_table;
use crate::text::{BINARY_PROBE_LEN, binary_reason, is_blank, strip_bom};
use crate::warc::read_warc;
use chorus_core::Document;

pub(super) fn open_problem(display: &str, err: &io::Error) -> InputProblem {
    if err.kind() == io::ErrorKind::NotFound {
        InputProblem::file(display, ProblemKind::NotFound, "no such file or folder")
    } else {
        InputProblem::file(
            display,
            ProblemKind::Unreadable,
            format!("cannot open: {err}"),
        )
    }
}

pub(super) fn is_url(name: &str) -> bool {
    let lower = name.get(..8).unwrap_or(name).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

pub(super) fn read_file(
    path: &Path,
    name: StreamName<'_>,
    opts: &ReadOptions,
    emit: &mut Emit<'_>,
) {
    match File::open(path) {
        Ok(file) => read_stream(file, name, opts, emit),
        Err(err) => emit.problem(open_problem(name.display, &err)),
    }
}

/// The pipeline every stream goes through; see the module documentation.
pub(super) fn read_stream(
    reader: impl Read + Send,
    name: StreamName<'_>,
    opts: &ReadOptions,
    emit: &mut Emit<'_>,
) {
    emit.start_stream(name.display);
    let problem = |kind, reason: String| InputProblem::file(name.display, kind, reason);

    let raw = Peeked::new(reader, SNIFF_LEN);
    if let Some(err) = raw.error() {
        emit.problem(problem(
            ProblemKind::Unreadable,
            format!("read error: {err}"),
        ));
        return;
    }
    if raw.head().is_empty() {
        emit.problem(problem(ProblemKind::EmptyFile, "empty file".to_owned()));
        return;
    }
    let compression = sniff_compression(raw.head());
    let named = Compression::from_file_name(name.id);
    if named != Compression::None && named != compression {
        let ext = extension(name.id).unwrap_or_default();
        emit.problem(problem(
            ProblemKind::Decompression,
            format!(
                "named .{ext} but is not {}-compressed; file skipped",
                named.name()
            ),
        ));
        return;
    }
    let decoded = match decompress(raw) {
        Ok((_, decoded)) => decoded,
        Err(err) => {
            emit.problem(problem(
                ProblemKind::Unreadable,
                format!("read error: {err}"),
            ));
            return;
        }
    };
    let stream_error = |err: &io::Error| match compression {
        Compression::None => (ProblemKind::Unreadable, format!("read error: {err}")),
        c => (
            ProblemKind::Decompression,
            format!("truncated or corrupt {} stream: {err}", c.name()),
        ),
    };

    let peeked = Peeked::new(decoded, BINARY_PROBE_LEN);
    if peeked.head().is_empty() {
        let (kind, reason) = match peeked.error() {
            Some(err) => stream_error(err),
            None => (
                ProblemKind::EmptyFile,
                "empty file (after decompression)".to_owned(),
            ),
        };
        emit.problem(problem(kind, reason));
        return;
    }
    let format = match opts.format {
        InputFormat::Auto if is_url(name.id) => format_of_content(peeked.head()),
        InputFormat::Auto => format_of(strip_compression_extension(name.id), peeked.head()),
        forced => forced,
    };
    // WARC blocks hold images and other binary payloads: no binary test for them.
    if format != InputFormat::Warc
        && let Some(reason) = binary_reason(peeked.head())
    {
        emit.problem(problem(
            ProblemKind::Binary,
            format!("{reason}; file skipped"),
        ));
        return;
    }
    let limit = opts.max_record_bytes;
    let table_encoding = stream_encoding(peeked.head(), opts.encoding);
    let mut buffered = BufReader::with_capacity(BUF_SIZE, peeked);
    match format {
        InputFormat::JsonLines => {
            read_jsonl(&mut buffered, &name, opts, emit, &stream_error);
            return;
        }
        InputFormat::Warc => {
            read_warc(&mut buffered, &name, opts, emit, &stream_error);
            return;
        }
        InputFormat::Csv | InputFormat::Tsv => {
            let delimiter = opts.delimiter.unwrap_or(if format == InputFormat::Tsv {
                b'\t'
            } else {
                b','
            });
            match table_encoding {
                None => read_table(&mut buffered, delimiter, &name, opts, emit, &stream_error),
                Some(enc) => {
                    let mut decoded =
                        BufReader::with_capacity(BUF_SIZE, Transcoder::new(buffered, enc));
                    read_table(&mut decoded, delimiter, &name, opts, emit, &stream_error);
                }
            }
            return;
        }
        InputFormat::Auto
        | InputFormat::Text
        | InputFormat::Html
        | InputFormat::Feed
        | InputFormat::Mail => {}
    }

    let mut bytes = Vec::new();
    if let Err(err) = (&mut buffered).take(limit).read_to_end(&mut bytes) {
        let (kind, reason) = stream_error(&err);
        emit.problem(problem(kind, format!("{reason}; file skipped")));
        return;
    }
    if bytes.len() as u64 == limit {
        // Read past the rest, counting it, without keeping it.
        let rest = io::copy(&mut buffered, &mut io::sink());
        let total = match rest {
            Ok(n) => format!("{} bytes", limit + n),
            Err(_) => format!("over {limit} bytes"),
        };
        if !matches!(rest, Ok(0)) {
            emit.problem(problem(
                ProblemKind::TooLarge,
                format!("file of {total} is larger than the limit of {limit} bytes; skipped"),
            ));
            return;
        }
    }
    match format {
        InputFormat::Html => {
            let page = html::decode_html(&bytes, opts.encoding.map(|e| e.name()));
            let url = is_url(name.id).then_some(name.id);
            match html::page_document(name.id, &page, url, opts.keep_comments) {
                Ok(doc) => emit.document(doc, name.display, None),
                Err(reason) => emit.problem(problem(ProblemKind::EmptyText, reason)),
            }
            return;
        }
        InputFormat::Feed => {
            read_feed(&bytes, &name, emit);
            return;
        }
        InputFormat::Mail => {
            read_mail(bytes, &name, emit);
            return;
        }
        _ => {}
    }
    match decode_text(bytes, opts.encoding) {
        text if is_blank(&text) => emit.problem(problem(
            ProblemKind::EmptyText,
            "text is empty (only whitespace)".to_owned(),
        )),
        text => emit.document(Document::new(name.id, text), name.display, None),
    }
}

/// The format of a stream from its (decompressed) name, or, when the name has no
/// extension, from its first bytes.
fn format_of(name: &str, head: &[u8]) -> InputFormat {
    match extension(name).map(str::to_ascii_lowercase).as_deref() {
        Some("jsonl" | "ndjson" | "json") => InputFormat::JsonLines,
        Some("html" | "htm" | "xhtml" | "shtml") => InputFormat::Html,
        Some("warc") => InputFormat::Warc,
        Some("rss" | "atom") => InputFormat::Feed,
        Some("xml") if looks_like_feed(head) => InputFormat::Feed,
        Some("csv") => InputFormat::Csv,
        Some("tsv" | "tab") => InputFormat::Tsv,
        Some("eml" | "mbox") => InputFormat::Mail,
        Some("txt") if looks_like_mail(head) => InputFormat::Mail,
        Some(_) => InputFormat::Text,
        None => format_of_content(head),
    }
}

/// The format of a stream from its first bytes alone: WARC, JSON Lines, a feed, HTML, a
/// mail message (a header block from the first byte), or else plain text.
fn format_of_content(head: &[u8]) -> InputFormat {
    let head = strip_bom(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |at| &head[at..]);
    if start.starts_with(b"WARC/") {
        return InputFormat::Warc;
    }
    if start.starts_with(b"{") {
        return InputFormat::JsonLines;
    }
    if start.starts_with(b"<") {
        if looks_like_feed(start) {
            return InputFormat::Feed;
        }
        let lower = start[..start.len().min(1024)].to_ascii_lowercase();
        let html = [&b"<!doctype html"[..], b"<html", b"<head", b"<body"];
        if html
            .iter()
            .any(|tag| lower.windows(tag.len()).any(|w| w == *tag))
        {
            return InputFormat::Html;
        }
    }
    if looks_like_mail(head) {
        return InputFormat::Mail;
    }
    InputFormat::Text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_names_and_content() {
        let cases = [
            ("a.jsonl", "x", InputFormat::JsonLines),
            ("a.NDJSON", "x", InputFormat::JsonLines),
            ("a.json", "x", InputFormat::JsonLines),
            ("a.txt", "{\"id\":1}", InputFormat::Text),
            ("a.md", "x", InputFormat::Text),
            ("-", "  \n{\"id\":1}", InputFormat::JsonLines),
            ("-", "\u{feff}{\"id\":1}", InputFormat::JsonLines),
            ("-", "once upon", InputFormat::Text),
            ("dir.d/README", "text", InputFormat::Text),
            ("a.HTM", "x", InputFormat::Html),
            ("a.warc", "x", InputFormat::Warc),
            ("crawl", "WARC/1.1\r\n", InputFormat::Warc),
            ("a.xml", "<?xml version=\"1.0\"?><rss>", InputFormat::Feed),
            ("a.xml", "<?xml version=\"1.0\"?><doc>", InputFormat::Text),
            (
                "-",
                "<?xml version=\"1.0\"?><feed xmlns=",
                InputFormat::Feed,
            ),
            ("-", "<!DOCTYPE html><p>", InputFormat::Html),
            ("page", " <html lang=en>", InputFormat::Html),
            ("-", "<b>bold</b> claim", InputFormat::Text),
            ("a.csv", "id,text", InputFormat::Csv),
            ("a.tsv", "id\ttext", InputFormat::Tsv),
            ("a.eml", "x", InputFormat::Mail),
            ("a.mbox", "x", InputFormat::Mail),
            (
                "post.txt",
                "From: a@b\nSubject: s\n\nbody",
                InputFormat::Mail,
            ),
            ("post", "From: a@b\nSubject: s\n\nbody", InputFormat::Mail),
            (
                "post.md",
                "From: a@b\nSubject: s\n\nbody",
                InputFormat::Text,
            ),
            (
                "notes.txt",
                "From: the desk\nof the editor\n\n",
                InputFormat::Text,
            ),
            ("notes", "Subject: s\n\nbody", InputFormat::Text),
        ];
        for (name, head, want) in cases {
            assert_eq!(format_of(name, head.as_bytes()), want, "{name}");
        }
    }
}
