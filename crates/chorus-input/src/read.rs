//! The reader: options, the per-stream pipeline, and the bookkeeping across a batch.
//!
//! Each stream goes through the same steps: sniff the compression from its first bytes
//! (and check it against the name), decode, look at the first 8 KB of decoded bytes (empty?
//! binary? JSON?), then read it as one plain-text document or as JSON Lines. The
//! [`InputReader`] carries what spans the whole batch: the ids seen so far (a later
//! duplicate is reported and skipped) and the [`ReadSummary`] counts.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::Path;

use crate::compress::{
    BUF_SIZE, Compression, Peeked, SNIFF_LEN, decompress, extension, sniff_compression,
    strip_compression_extension,
};
use crate::feed::{looks_like_feed, read_feed};
use crate::html;
use crate::jsonl::read_jsonl;
use crate::problem::{InputError, InputProblem, ProblemKind};
use crate::table::read_table;
use crate::text::{BINARY_PROBE_LEN, binary_reason, is_blank, strip_bom, utf8_text};
use crate::walk::files_under;
use crate::warc::read_warc;
use chorus_core::Document;

use crate::InputFormat;

/// How inputs are read. Build it from [`ReadOptions::default`] with the methods below;
/// each says its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    id_field: String,
    text_field: String,
    format: InputFormat,
    include_hidden: bool,
    keep_comments: bool,
    columns: Columns,
    delimiter: Option<u8>,
    max_record_bytes: u64,
}

/// The CSV/TSV columns (header names, matched without regard to case) that hold each part
/// of a document. Columns not named here are kept in `Metadata::extra`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// `"id"` by default; a row without one gets `<file>:<line>`.
    pub id: String,
    /// `"text"` by default; a file without this column is skipped.
    pub text: String,
    /// `"source"` by default.
    pub source: String,
    /// `"date"` by default.
    pub date: String,
    /// `"url"` by default.
    pub url: String,
    /// `"title"` by default.
    pub title: String,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            id: "id".to_owned(),
            text: "text".to_owned(),
            source: "source".to_owned(),
            date: "date".to_owned(),
            url: "url".to_owned(),
            title: "title".to_owned(),
        }
    }
}

/// The default of [`ReadOptions::max_record_bytes`]: 64 MiB.
pub const DEFAULT_MAX_RECORD_BYTES: u64 = 64 * 1024 * 1024;

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            id_field: "id".to_owned(),
            text_field: "text".to_owned(),
            format: InputFormat::Auto,
            include_hidden: false,
            keep_comments: false,
            columns: Columns::default(),
            delimiter: None,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

impl ReadOptions {
    /// The same as [`ReadOptions::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The JSON field holding a record's id. This is `"id"` by default.
    pub fn id_field(mut self, name: impl Into<String>) -> Self {
        self.id_field = name.into();
        self
    }

    /// The JSON field holding a record's text. This is `"text"` by default.
    pub fn text_field(mut self, name: impl Into<String>) -> Self {
        self.text_field = name.into();
        self
    }

    /// Read every input in this format instead of deciding per file. This is
    /// [`InputFormat::Auto`] by default.
    pub fn format(mut self, format: InputFormat) -> Self {
        self.format = format;
        self
    }

    /// Whether files and folders whose names start with `.` are read when walking a
    /// folder. This is `false` by default. (A hidden path given directly is always read.)
    pub fn include_hidden(mut self, yes: bool) -> Self {
        self.include_hidden = yes;
        self
    }

    /// Whether the comment sections of HTML pages are kept (appended after the article).
    /// This is `false` by default: comments are page chrome, like menus and footers.
    pub fn keep_comments(mut self, yes: bool) -> Self {
        self.keep_comments = yes;
        self
    }

    /// The CSV/TSV columns holding id, text, source, date, url and title. See
    /// [`Columns::default`] for the defaults.
    pub fn columns(mut self, columns: Columns) -> Self {
        self.columns = columns;
        self
    }

    /// The CSV/TSV field delimiter. By default it is `,` for `.csv` and a tab for `.tsv`
    /// and `.tab` (and for [`InputFormat::Tsv`]).
    pub fn delimiter(mut self, delimiter: Option<u8>) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// The largest document, JSON line, WARC record, CSV row or feed read, in bytes; a
    /// larger one is reported ([`ProblemKind::TooLarge`]) and read past without being kept
    /// in memory. This is [`DEFAULT_MAX_RECORD_BYTES`] (64 MiB) by default.
    pub fn max_record_bytes(mut self, bytes: u64) -> Self {
        self.max_record_bytes = bytes.max(1);
        self
    }

    /// Whether HTML comment sections are kept.
    pub fn keeps_comments(&self) -> bool {
        self.keep_comments
    }

    /// The CSV/TSV column names.
    pub fn column_names(&self) -> &Columns {
        &self.columns
    }

    /// The CSV/TSV delimiter set, if any.
    pub fn delimiter_byte(&self) -> Option<u8> {
        self.delimiter
    }

    /// The size limit of one record, in bytes.
    pub fn record_limit(&self) -> u64 {
        self.max_record_bytes
    }

    /// The JSON field holding a record's id.
    pub fn id_field_name(&self) -> &str {
        &self.id_field
    }

    /// The JSON field holding a record's text.
    pub fn text_field_name(&self) -> &str {
        &self.text_field
    }

    /// The format forced on every input, or [`InputFormat::Auto`].
    pub fn input_format(&self) -> InputFormat {
        self.format
    }

    /// Whether hidden files are read when walking a folder.
    pub fn includes_hidden(&self) -> bool {
        self.include_hidden
    }

    fn validate(&self) -> Result<(), InputError> {
        let reason = if self.id_field.is_empty() || self.text_field.is_empty() {
            "the id and text field names must not be empty"
        } else if self.id_field == self.text_field {
            "the id and text fields must have different names"
        } else if self.columns.text.is_empty() {
            "the text column name must not be empty"
        } else if self.columns.id.eq_ignore_ascii_case(&self.columns.text) {
            "the id and text columns must have different names"
        } else if matches!(self.delimiter, Some(b'"' | b'\n' | b'\r')) {
            "the delimiter cannot be a quote or a line end"
        } else {
            return Ok(());
        };
        Err(InputError::InvalidOptions {
            reason: reason.to_owned(),
        })
    }
}

/// What a read produced, counted over every input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Documents passed on.
    pub documents: usize,
    /// Problems reported; each stands for a file, a record, or the rest of a damaged
    /// stream that was skipped.
    pub skipped: usize,
    /// Total length in bytes of the texts of the documents passed on.
    pub bytes: u64,
    /// Files (and standard input) opened and read.
    pub files: usize,
}

/// Reads inputs one after another, carrying the batch's state between them: the ids seen
/// (a later duplicate is skipped) and the [`ReadSummary`].
///
/// [`read_inputs`](crate::read_inputs) covers the usual case; use this to mix paths with
/// other streams, for example a network body or a test buffer via
/// [`InputReader::read_stream`].
#[derive(Debug)]
pub struct InputReader {
    opts: ReadOptions,
    tally: Tally,
    stdin_read: bool,
}

/// What is kept across the streams of a batch.
#[derive(Debug, Default)]
struct Tally {
    /// Each id seen, with where: index into `files`, and line (0 for a whole file).
    seen: HashMap<String, (usize, u64)>,
    /// Display names of the streams read, in order.
    files: Vec<String>,
    summary: ReadSummary,
}

/// How a stream is named: `id` is the document id (and the prefix of generated record ids)
/// and decides the format by its extensions; `display` names it in problems.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamName<'a> {
    pub id: &'a str,
    pub display: &'a str,
}

impl InputReader {
    /// A reader for a new batch, after checking the options.
    pub fn new(opts: ReadOptions) -> Result<InputReader, InputError> {
        opts.validate()?;
        Ok(InputReader {
            opts,
            tally: Tally::default(),
            stdin_read: false,
        })
    }

    /// The options in use.
    pub fn options(&self) -> &ReadOptions {
        &self.opts
    }

    /// Counts so far.
    pub fn summary(&self) -> ReadSummary {
        self.tally.summary
    }

    /// Reads a file, a folder (recursively, in sorted order) or, for `-`, standard input.
    /// Problems, including a missing path, go to `on_problem`; the only error is reading
    /// standard input twice.
    pub fn read_path(
        &mut self,
        path: &Path,
        mut on_doc: impl FnMut(Document),
        mut on_problem: impl FnMut(InputProblem),
    ) -> Result<(), InputError> {
        if path == Path::new("-") {
            if self.stdin_read {
                return Err(InputError::StdinRepeated);
            }
            self.stdin_read = true;
            self.read_stream("-", io::stdin(), on_doc, on_problem);
            return Ok(());
        }
        let display = path.display().to_string();
        if is_url(&display) {
            self.read_url(&display, on_doc, on_problem);
            return Ok(());
        }
        let mut emit = Emit {
            tally: &mut self.tally,
            on_doc: &mut on_doc,
            on_problem: &mut on_problem,
            file: 0,
        };
        match fs::metadata(path) {
            Err(err) => emit.problem(open_problem(&display, &err)),
            Ok(meta) if meta.is_dir() => {
                let files = files_under(path, self.opts.include_hidden, &mut |p| emit.problem(p));
                for found in files {
                    let display = found.path.display().to_string();
                    let name = StreamName {
                        id: &found.id,
                        display: &display,
                    };
                    read_file(&found.path, name, &self.opts, &mut emit);
                }
            }
            Ok(_) => {
                let name = StreamName {
                    id: &display,
                    display: &display,
                };
                read_file(path, name, &self.opts, &mut emit);
            }
        }
        Ok(())
    }

    /// Fetches `url` (HTTP GET) and reads the body as a stream named by the URL, its format
    /// decided by its content. A failed request is a problem. `https://` needs the `https`
    /// feature.
    pub fn read_url(
        &mut self,
        url: &str,
        mut on_doc: impl FnMut(Document),
        mut on_problem: impl FnMut(InputProblem),
    ) {
        match crate::fetch::get(url) {
            Ok(body) => self.read_stream(url, body, on_doc, on_problem),
            Err(reason) => {
                let mut emit = Emit {
                    tally: &mut self.tally,
                    on_doc: &mut on_doc,
                    on_problem: &mut on_problem,
                    file: 0,
                };
                emit.start_stream(url);
                emit.problem(InputProblem::file(url, ProblemKind::Unreadable, reason));
            }
        }
    }

    /// Reads one stream (plain or compressed, text or JSON Lines) named `name`: the name is
    /// the id of a plain-text document, the prefix of generated record ids and the file
    /// named in problems, and its extensions decide the format (no extension: JSON Lines
    /// if the first non-blank byte is `{`, else text). This is how `-` is read.
    pub fn read_stream(
        &mut self,
        name: &str,
        reader: impl Read + Send,
        mut on_doc: impl FnMut(Document),
        mut on_problem: impl FnMut(InputProblem),
    ) {
        let mut emit = Emit {
            tally: &mut self.tally,
            on_doc: &mut on_doc,
            on_problem: &mut on_problem,
            file: 0,
        };
        let name = StreamName {
            id: name,
            display: name,
        };
        read_stream(reader, name, &self.opts, &mut emit);
    }
}

/// Passes documents and problems on, keeping the batch's tally.
pub(crate) struct Emit<'a> {
    tally: &'a mut Tally,
    on_doc: &'a mut dyn FnMut(Document),
    on_problem: &'a mut dyn FnMut(InputProblem),
    /// Index of the stream being read in `tally.files`.
    file: usize,
}

impl Emit<'_> {
    fn start_stream(&mut self, display: &str) {
        self.file = self.tally.files.len();
        self.tally.files.push(display.to_owned());
        self.tally.summary.files += 1;
    }

    pub(crate) fn problem(&mut self, problem: InputProblem) {
        self.tally.summary.skipped += 1;
        (self.on_problem)(problem);
    }

    /// Passes `doc` on unless its id was seen before. `line` is where it was read.
    pub(crate) fn document(&mut self, doc: Document, display: &str, line: Option<u64>) {
        match self.tally.seen.entry(doc.id.clone()) {
            Entry::Occupied(first) => {
                let (file, first_line) = *first.get();
                let first = match first_line {
                    0 => self.tally.files[file].clone(),
                    n => format!("{}:{n}", self.tally.files[file]),
                };
                let reason = format!("duplicate id `{}` (first seen at {first}); skipped", doc.id);
                let problem = match line {
                    Some(line) => {
                        InputProblem::line(display, line, ProblemKind::DuplicateId, reason)
                    }
                    None => InputProblem::file(display, ProblemKind::DuplicateId, reason),
                };
                self.problem(problem);
            }
            Entry::Vacant(slot) => {
                slot.insert((self.file, line.unwrap_or(0)));
                self.tally.summary.documents += 1;
                self.tally.summary.bytes += doc.text.len() as u64;
                (self.on_doc)(doc);
            }
        }
    }
}

fn open_problem(display: &str, err: &io::Error) -> InputProblem {
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

fn is_url(name: &str) -> bool {
    let lower = name.get(..8).unwrap_or(name).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

fn read_file(path: &Path, name: StreamName<'_>, opts: &ReadOptions, emit: &mut Emit<'_>) {
    match File::open(path) {
        Ok(file) => read_stream(file, name, opts, emit),
        Err(err) => emit.problem(open_problem(name.display, &err)),
    }
}

/// The pipeline every stream goes through; see the module documentation.
fn read_stream(
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
            read_table(&mut buffered, delimiter, &name, opts, emit, &stream_error);
            return;
        }
        InputFormat::Auto | InputFormat::Text | InputFormat::Html | InputFormat::Feed => {}
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
            let page = html::decode_html(&bytes, None);
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
        _ => {}
    }
    match utf8_text(bytes) {
        Err(offset) => emit.problem(problem(
            ProblemKind::InvalidUtf8,
            format!("invalid UTF-8 at byte {offset}; file skipped"),
        )),
        Ok(text) if is_blank(&text) => emit.problem(problem(
            ProblemKind::EmptyText,
            "text is empty (only whitespace)".to_owned(),
        )),
        Ok(text) => emit.document(Document::new(name.id, text), name.display, None),
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
        Some(_) => InputFormat::Text,
        None => format_of_content(head),
    }
}

/// The format of a stream from its first bytes alone: WARC, JSON Lines, a feed, HTML, or
/// else plain text.
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
        ];
        for (name, head, want) in cases {
            assert_eq!(format_of(name, head.as_bytes()), want, "{name}");
        }
    }

    #[test]
    fn options_are_validated() {
        assert!(InputReader::new(ReadOptions::new()).is_ok());
        assert!(InputReader::new(ReadOptions::new().id_field("text")).is_err());
        assert!(InputReader::new(ReadOptions::new().text_field("")).is_err());
    }
}
