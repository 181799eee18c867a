//! JSON Lines: one JSON object per line, one document per object.
//!
//! The stream is read in blocks of about [`BLOCK_BYTES`] into one reused buffer (the
//! decoder writes straight into it); the complete lines of a block are split there and
//! parsed in place on all threads, then handed on in file order, so the result (and the
//! order of problems) is that of a line-by-line read. The partial line at the end of a
//! block moves to the front of the buffer for the next one; a line longer than the record
//! limit is read past without being kept, so memory stays bounded by a block and the limit.
//!
//! Each line is parsed into its document by [`record`]. A bad line is reported with its
//! 1-based line number and skipped; the next line is read as usual.

use std::io::BufRead;

use crate::problem::{InputProblem, ProblemKind};
use crate::read::{Emit, ReadOptions, StreamName};
use crate::text::strip_bom;

mod record;

use record::{Parsed, parse_line};

/// Bytes read and parsed together on all threads: large enough to spread over the pool,
/// small enough to keep memory bounded.
const BLOCK_BYTES: usize = 4 << 20;

/// A line of a block, as the split leaves it for the parse.
enum Item<'a> {
    /// A non-blank line within the limit, without its line end (`first`: the first record
    /// of the stream).
    Line {
        line_no: u64,
        bytes: &'a [u8],
        first: bool,
    },
    /// A line over the limit (`len` bytes with its `\n`).
    TooLong { line_no: u64, len: u64 },
}

/// Splits lines, counting them (blank ones too) and the records among them.
struct Splitter {
    limit: usize,
    line_no: u64,
    records: u64,
}

impl Splitter {
    /// The lines of `region`: each ends with `\n`, but for the last one at the end of the
    /// stream.
    fn split<'a>(&mut self, region: &'a [u8], items: &mut Vec<Item<'a>>) {
        let mut start = 0;
        while start < region.len() {
            let (end, newline) = match memchr::memchr(b'\n', &region[start..]) {
                Some(at) => (start + at, true),
                None => (region.len(), false),
            };
            self.line(&region[start..end], newline, items);
            start = end + 1;
        }
    }

    /// One line without its `\n` (`newline`: it had one).
    fn line<'a>(&mut self, raw: &'a [u8], newline: bool, items: &mut Vec<Item<'a>>) {
        self.line_no += 1;
        let len = raw.len() as u64 + u64::from(newline);
        if len > self.limit as u64 {
            self.records += 1;
            items.push(Item::TooLong {
                line_no: self.line_no,
                len,
            });
            return;
        }
        let mut line = raw;
        if newline {
            line = line.strip_suffix(b"\r").unwrap_or(line);
        }
        if self.line_no == 1 {
            line = strip_bom(line);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        self.records += 1;
        items.push(Item::Line {
            line_no: self.line_no,
            bytes: line,
            first: self.records == 1,
        });
    }
}

/// How filling the buffer ended.
enum Fill {
    /// The buffer holds what was asked for.
    Full,
    /// The stream ended.
    Eof,
    /// A read failed; the buffer holds the bytes read before.
    Failed(std::io::Error),
}

/// The read buffer: `data[..len]` holds the bytes read; the rest of `data` is room, zeroed
/// once when it grows (so reading into it costs no clearing).
#[derive(Default)]
struct Buffer {
    data: Vec<u8>,
    len: usize,
}

impl Buffer {
    fn bytes(&self) -> &[u8] {
        &self.data[..self.len]
    }

    /// Reads until the buffer holds `want` bytes, the stream ends or a read fails.
    fn fill(&mut self, reader: &mut dyn BufRead, want: usize) -> Fill {
        if self.data.len() < want {
            self.data.resize(want, 0);
        }
        loop {
            if self.len >= want {
                return Fill::Full;
            }
            match reader.read(&mut self.data[self.len..want]) {
                Ok(0) => return Fill::Eof,
                Ok(n) => self.len += n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Fill::Failed(err),
            }
        }
    }

    /// Drops the first `n` bytes.
    fn consume(&mut self, n: usize) {
        self.data.copy_within(n..self.len, 0);
        self.len -= n;
    }
}

/// Reads every record of a JSON Lines stream. `stream_error` names a read error
/// (`(kind, what)`), which ends the stream after the documents already read.
pub(crate) fn read_jsonl(
    reader: &mut dyn BufRead,
    name: &StreamName<'_>,
    opts: &ReadOptions,
    emit: &mut Emit<'_>,
    stream_error: &dyn Fn(&std::io::Error) -> (ProblemKind, String),
) {
    read_blocks(reader, name, opts, emit, stream_error, BLOCK_BYTES);
}

/// [`read_jsonl`] in blocks of `block` bytes.
fn read_blocks(
    reader: &mut dyn BufRead,
    name: &StreamName<'_>,
    opts: &ReadOptions,
    emit: &mut Emit<'_>,
    stream_error: &dyn Fn(&std::io::Error) -> (ProblemKind, String),
    block: usize,
) {
    let limit = usize::try_from(opts.record_limit()).unwrap_or(usize::MAX);
    let mut split = Splitter {
        limit,
        line_no: 0,
        records: 0,
    };
    let mut buf = Buffer::default();
    let mut want = block;
    // how many bytes at the start of `buf` are known to hold no `\n` (part of a line)
    let mut no_newline = 0;
    // how the last fill ended, when a line over the limit ended in it
    let mut pending = None;
    loop {
        let end = pending.take().unwrap_or_else(|| buf.fill(reader, want));
        let complete = match end {
            Fill::Eof => buf.len,
            Fill::Full | Fill::Failed(_) => memchr::memrchr(b'\n', &buf.bytes()[no_newline..])
                .map_or(0, |at| no_newline + at + 1),
        };
        if complete > 0 {
            let mut items = Vec::new();
            split.split(&buf.bytes()[..complete], &mut items);
            if !parse_and_deliver(&items, name, opts, emit) {
                return;
            }
        }
        match end {
            Fill::Eof => break,
            Fill::Failed(err) => {
                report_stream_error(&err, split.line_no, name, emit, stream_error);
                return;
            }
            Fill::Full => {}
        }
        buf.consume(complete);
        no_newline = buf.len;
        if buf.len <= limit {
            // a block more (of a line longer than one, if no line ended)
            want = buf.len + block;
            continue;
        }
        // a line over the limit: read past it without keeping it
        let mut len = buf.len as u64;
        buf.len = 0;
        let end = loop {
            let end = buf.fill(reader, block);
            if let Some(at) = memchr::memchr(b'\n', buf.bytes()) {
                len += at as u64 + 1;
                buf.consume(at + 1);
                break Some(end);
            }
            len += buf.len as u64;
            buf.len = 0;
            match end {
                Fill::Full => {}
                Fill::Eof => break None,
                Fill::Failed(err) => {
                    // the line did not end: only the error is reported
                    report_stream_error(&err, split.line_no, name, emit, stream_error);
                    return;
                }
            }
        };
        split.line_no += 1;
        split.records += 1;
        let item = Item::TooLong {
            line_no: split.line_no,
            len,
        };
        parse_and_deliver(&[item], name, opts, emit);
        // the bytes after the line may hold whole lines, and the end of the stream or an error
        no_newline = 0;
        want = block;
        match end {
            None => break,
            Some(Fill::Full) => {}
            Some(end) => pending = Some(end),
        }
    }
    if split.records == 0 {
        emit.problem(InputProblem::file(
            name.display,
            ProblemKind::EmptyFile,
            "no records (only blank lines)",
        ));
    }
}

/// Reports a read error met after `line_no` lines.
fn report_stream_error(
    err: &std::io::Error,
    line_no: u64,
    name: &StreamName<'_>,
    emit: &mut Emit<'_>,
    stream_error: &dyn Fn(&std::io::Error) -> (ProblemKind, String),
) {
    let (kind, what) = stream_error(err);
    let after = match line_no {
        0 => String::new(),
        n => format!(" after line {n}"),
    };
    emit.problem(InputProblem::file(
        name.display,
        kind,
        format!("{what}{after}"),
    ));
}

/// Parses `items` on all threads and hands them on in order; false when the stream turned
/// out not to be JSON Lines (reported; the rest is not read).
fn parse_and_deliver(
    items: &[Item<'_>],
    name: &StreamName<'_>,
    opts: &ReadOptions,
    emit: &mut Emit<'_>,
) -> bool {
    use rayon::prelude::*;
    let limit = opts.record_limit();
    let parsed: Vec<(u64, Parsed)> = items
        .par_iter()
        .map(|item| match *item {
            Item::Line {
                line_no,
                bytes,
                first,
            } => (line_no, parse_line(bytes, line_no, first, name, opts)),
            Item::TooLong { line_no, len } => (
                line_no,
                Parsed::Problem(InputProblem::line(
                    name.display,
                    line_no,
                    ProblemKind::TooLarge,
                    format!(
                        "line of {len} bytes is longer than the limit of {limit} bytes; skipped"
                    ),
                )),
            ),
        })
        .collect();
    for (line_no, p) in parsed {
        match p {
            Parsed::Document(doc) => emit.document(doc, name.display, Some(line_no)),
            Parsed::Problem(p) => emit.problem(p),
            Parsed::NotJsonLines(p) => {
                emit.problem(p);
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::record::{Record, json_error_message, parse_record, record_to_document};
    use super::*;
    use chorus_core::Document;
    use serde_json::Value;

    fn record(json: &str) -> Result<Document, (ProblemKind, String)> {
        let Value::Object(map) = serde_json::from_str(json).unwrap() else {
            panic!("not an object")
        };
        record_to_document(map, &ReadOptions::default(), || "f:1".to_owned())
    }

    #[test]
    fn records_to_documents() {
        let doc = record(
            r#"{"z":1,"id":"a","text":"hi","date":"1900-01-02","a":[2],"url":null,"title":5}"#,
        )
        .unwrap();
        assert_eq!(doc.id, "a");
        assert_eq!(doc.text, "hi");
        assert_eq!(doc.meta.date.as_deref(), Some("1900-01-02"));
        assert_eq!(doc.meta.url, None);
        let keys: Vec<&str> = doc.meta.extra.keys().map(String::as_str).collect();
        assert_eq!(keys, ["z", "a", "title"]);

        assert_eq!(record(r#"{"id":17,"text":"x"}"#).unwrap().id, "17");
        assert_eq!(record(r#"{"text":"x"}"#).unwrap().id, "f:1");
        assert_eq!(record(r#"{"id":"","text":"x"}"#).unwrap().id, "f:1");

        let cases = [
            (r#"{"id":"a"}"#, ProblemKind::MissingText),
            (r#"{"id":"a","text":null}"#, ProblemKind::MissingText),
            (r#"{"id":"a","text":3}"#, ProblemKind::BadField),
            (r#"{"id":[1],"text":"x"}"#, ProblemKind::BadField),
            (r#"{"id":"a","text":" \n "}"#, ProblemKind::EmptyText),
        ];
        for (json, kind) in cases {
            assert_eq!(record(json).unwrap_err().0, kind, "{json}");
        }
    }

    #[test]
    fn series_is_the_source_and_fields_can_be_renamed() {
        let doc = record(r#"{"id":"a","series":"sn84","x":1,"text":"hi"}"#).unwrap();
        assert_eq!(doc.meta.source.as_deref(), Some("sn84"));
        assert!(!doc.meta.extra.contains_key("series"));
        let doc = record(r#"{"id":"a","series":"sn84","source":"Gazette","text":"hi"}"#).unwrap();
        assert_eq!(doc.meta.source.as_deref(), Some("Gazette"));
        assert_eq!(doc.meta.extra["series"], "sn84");

        let opts = ReadOptions::default()
            .source_field("outlet")
            .date_field("published");
        let Value::Object(map) = serde_json::from_str(
            r#"{"id":"a","outlet":"Post","published":"1901-02-03","date":"x","text":"hi"}"#,
        )
        .unwrap() else {
            panic!("not an object")
        };
        let doc = record_to_document(map, &opts, || "f:1".to_owned()).unwrap();
        assert_eq!(doc.meta.source.as_deref(), Some("Post"));
        assert_eq!(doc.meta.date.as_deref(), Some("1901-02-03"));
        assert_eq!(doc.meta.extra["date"], "x");
    }

    /// The record through the direct parse, and through `serde_json::Map` as before it.
    fn both_ways<'a>(line: &'a str, opts: &ReadOptions) -> (Option<Record<'a>>, DocResult) {
        let direct = parse_record(line, opts);
        let Value::Object(map) = serde_json::from_str(line).unwrap() else {
            panic!("not an object: {line}")
        };
        (direct, record_to_document(map, opts, || "f:1".to_owned()))
    }

    type DocResult = Result<Document, (ProblemKind, String)>;

    #[test]
    fn the_direct_parse_gives_what_the_map_gives() {
        let renamed = ReadOptions::default()
            .id_field("key")
            .text_field("body")
            .source_field("url")
            .date_field("title");
        let lines = [
            r#"{"id":"a","text":"hi","source":"S","date":"1900-01-02","url":"u","title":"T"}"#,
            r#"{"z":1,"id":"a","text":"hi","date":"1900-01-02","a":[2,{"b":null}],"url":null,"title":5}"#,
            r#"{"id":17,"text":"x"}"#,
            r#"{"id":-1.5e3,"text":"x"}"#,
            r#"{"id":18446744073709551615,"text":"x"}"#,
            r#"{"text":"x"}"#,
            r#"{"id":"","text":"x"}"#,
            r#"{"id":null,"text":"x","source":null}"#,
            r#"{"id":"a"}"#,
            r#"{"id":"a","text":null}"#,
            r#"{"id":"a","text":3}"#,
            r#"{"id":"a","text":{"x":[1]}}"#,
            r#"{"id":[1],"text":"x"}"#,
            r#"{"id":true,"text":"x"}"#,
            r#"{"id":"a","text":" \n "}"#,
            r#"{"id":"a","text":"\u00e9t\u00e9 \"quoted\" \\ \ud83d\ude00","title":"\t"}"#,
            r#"{"\u0069d":"esc","te\u0078t":"keys with escapes","extra\n":"v"}"#,
            r#"{"id":"a","series":"sn84","x":1,"text":"hi"}"#,
            r#"{"id":"a","series":"sn84","source":"Gazette","text":"hi"}"#,
            r#"{"id":"a","series":7,"text":"hi"}"#,
            r#"{"id":"a","x":1,"y":2,"x":3,"text":"hi"}"#,
            r#"{"key":"k","body":"b","url":"as source","title":"as date","source":"extra"}"#,
            r#"{"id":"a","text":"hi","n":1e-7,"m":12345678901234567890123,"t":true,"f":false}"#,
            "{ \"id\" : \"spaced\" ,\t\"text\" : \"hi\" }",
            r#"{}"#,
        ];
        let mut direct = 0;
        for opts in [ReadOptions::default(), renamed] {
            for line in lines {
                let (record, via_map) = both_ways(line, &opts);
                let record = record.unwrap_or_else(|| panic!("direct parse refused {line}"));
                direct += 1;
                let doc = record.into_document(&opts, || "f:1".to_owned());
                assert_eq!(doc, via_map, "{line}");
                if let Ok(doc) = doc {
                    let keys: Vec<&str> = doc.meta.extra.keys().map(String::as_str).collect();
                    let want: Vec<&str> = via_map
                        .as_ref()
                        .unwrap()
                        .meta
                        .extra
                        .keys()
                        .map(String::as_str)
                        .collect();
                    assert_eq!(keys, want, "order of extra fields, {line}");
                }
            }
        }
        assert_eq!(direct, 2 * lines.len());
        // a known field twice: the Map's rule (last value, first place) decides
        for line in [
            r#"{"id":"a","text":"one","text":"two"}"#,
            r#"{"title":5,"z":1,"title":"x","text":"hi"}"#,
            r#"{"title":"x","z":1,"title":5,"text":"hi"}"#,
            r#"{"$serde_json::private::RawValue":"{\"text\":\"x\"}"}"#,
        ] {
            assert!(
                parse_record(line, &ReadOptions::default()).is_none(),
                "{line}"
            );
        }
        let opts = ReadOptions::default();
        for line in ["[1]", "3", "{\"a\":1", "{\"a\":1} x", "{\"a\":tru}"] {
            assert!(parse_record(line, &opts).is_none(), "{line}");
        }
    }

    /// Fails with an I/O error once its bytes are read, if `fail`.
    struct Source<'a> {
        bytes: &'a [u8],
        fail: bool,
    }

    impl std::io::Read for Source<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.bytes.is_empty() && self.fail {
                return Err(std::io::Error::other("cut"));
            }
            let n = buf.len().min(self.bytes.len()).min(5);
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    const NAME: StreamName<'static> = StreamName {
        id: "t",
        display: "t",
    };

    fn stream_error(err: &std::io::Error) -> (ProblemKind, String) {
        (ProblemKind::Unreadable, format!("read error: {err}"))
    }

    /// What reading `bytes` in blocks of `block` bytes gives, in order.
    fn read_in_blocks(bytes: &[u8], fail: bool, limit: u64, block: usize) -> Vec<String> {
        let opts = ReadOptions::default().max_record_bytes(limit);
        let events = std::cell::RefCell::new(Vec::new());
        let mut tally = crate::read::Tally::default();
        let mut on_doc = |d: Document| {
            events
                .borrow_mut()
                .push(format!("doc {} {:?}", d.id, d.text))
        };
        let mut on_problem = |p: InputProblem| events.borrow_mut().push(p.to_string());
        let mut emit = Emit::for_test(&mut tally, &mut on_doc, &mut on_problem);
        let mut reader = std::io::BufReader::with_capacity(7, Source { bytes, fail });
        read_blocks(&mut reader, &NAME, &opts, &mut emit, &stream_error, block);
        events.into_inner()
    }

    /// The same, read line by line as before blocks (`read_line_bounded`, a line at a time).
    fn read_by_lines(bytes: &[u8], fail: bool, limit: u64) -> Vec<String> {
        use crate::text::{LineRead, read_line_bounded};
        let opts = ReadOptions::default().max_record_bytes(limit);
        let mut reader = std::io::BufReader::with_capacity(7, Source { bytes, fail });
        let (mut out, mut buf, mut line_no, mut records) = (Vec::new(), Vec::new(), 0u64, 0u64);
        loop {
            match read_line_bounded(&mut reader, &mut buf, limit as usize) {
                Ok(LineRead::Eof) => break,
                Ok(LineRead::Line) => {}
                Ok(LineRead::TooLong(n)) => {
                    line_no += 1;
                    records += 1;
                    let reason = format!(
                        "line of {n} bytes is longer than the limit of {limit} bytes; skipped"
                    );
                    out.push(
                        InputProblem::line("t", line_no, ProblemKind::TooLarge, reason).to_string(),
                    );
                    continue;
                }
                Err(err) => {
                    let (kind, what) = stream_error(&err);
                    let after = if line_no == 0 {
                        String::new()
                    } else {
                        format!(" after line {line_no}")
                    };
                    out.push(InputProblem::file("t", kind, format!("{what}{after}")).to_string());
                    return out;
                }
            }
            line_no += 1;
            let mut line = buf.as_slice();
            if let Some(rest) = line.strip_suffix(b"\n") {
                line = rest.strip_suffix(b"\r").unwrap_or(rest);
            }
            if line_no == 1 {
                line = strip_bom(line);
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            records += 1;
            match parse_line(line, line_no, records == 1, &NAME, &opts) {
                Parsed::Document(d) => out.push(format!("doc {} {:?}", d.id, d.text)),
                Parsed::Problem(p) => out.push(p.to_string()),
                Parsed::NotJsonLines(p) => {
                    out.push(p.to_string());
                    return out;
                }
            }
        }
        if records == 0 {
            out.push(
                InputProblem::file("t", ProblemKind::EmptyFile, "no records (only blank lines)")
                    .to_string(),
            );
        }
        out
    }

    #[test]
    fn blocks_read_what_lines_read() {
        let limit = 40;
        // `limit` bytes with its `\n`
        let exact = format!("{{\"text\":\"{}\"}}", "e".repeat(limit - 12));
        let inputs: Vec<Vec<u8>> = vec![
            format!(
                "\u{feff}{{\"text\":\"first\"}}\r\n  \n{{\"text\":\"two\"}}\n{{\"text\":\"{long}\"}}\n\
                 {exact}\n{exact}x\n\n{{\"text\":\"a\\nb\"}}\r\n{{\"text\" 1}}\n{{\"text\":\"last\"}}",
                long = "l".repeat(100)
            )
            .into_bytes(),
            format!("{exact}\n{{\"text\":\"{}\"}}", "z".repeat(60)).into_bytes(),
            format!("{exact}x").into_bytes(),
            format!("{{\"text\":\"{}\"}}\n{{\"text\":\"after\"}}\n{{\"id\":\"b\",\"text\":\"x\"}}\n", "l".repeat(100)).into_bytes(),
            format!("{exact}\r\n\r\n").into_bytes(),
            b"\n \n\t\r\n".to_vec(),
            b"[{\"text\":\"in an array\"},\n{\"text\":\"x\"}]\n".to_vec(),
            b"{\"text\":\"caf\xc3\xa9\"}\n{\"text\":\"bad \xff\"}\n\xef\xbb\xbf{\"text\":\"bom\"}\n".to_vec(),
            Vec::new(),
        ];
        let mut problems = 0;
        for (i, bytes) in inputs.iter().enumerate() {
            for fail in [false, true] {
                let want = read_by_lines(bytes, fail, limit as u64);
                problems += want.iter().filter(|e| !e.starts_with("doc ")).count();
                for block in [1, 2, 3, 5, 16, 41, 64, 100, 115, 200, BLOCK_BYTES] {
                    let got = read_in_blocks(bytes, fail, limit as u64, block);
                    assert_eq!(got, want, "input {i}, fail {fail}, block {block}");
                }
            }
        }
        // the inputs hold every kind of line: documents and each problem
        let first = read_by_lines(&inputs[0], false, limit as u64);
        assert_eq!(
            first,
            [
                "doc t:1 \"first\"".to_owned(),
                "doc t:3 \"two\"".to_owned(),
                "t:4: line of 112 bytes is longer than the limit of 40 bytes; skipped".to_owned(),
                format!("doc t:5 {:?}", "e".repeat(limit - 12)),
                "t:6: line of 41 bytes is longer than the limit of 40 bytes; skipped".to_owned(),
                "doc t:8 \"a\\nb\"".to_owned(),
                "t:9: invalid JSON: expected `:` at column 9".to_owned(),
                "doc t:10 \"last\"".to_owned(),
            ]
        );
        assert!(problems > 10, "{problems}");
    }

    #[test]
    fn json_errors_name_the_column() {
        let err = serde_json::from_str::<Value>("{\"a\": }").unwrap_err();
        assert_eq!(json_error_message(&err), "expected value at column 7");
    }
}
