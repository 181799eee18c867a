//! Reading what users give chorus (files, folders, standard input, `http(s)://` URLs; plain
//! text, JSON Lines, HTML pages, WARC archives, RSS/Atom feeds, CSV/TSV, e-mails and Usenet
//! posts; plain, gzip, xz or zstd) into [`Document`]s, reporting bad input and going on.
//!
//! # Brief overview
//!
//! [`read_inputs`] reads a list of paths and calls back once per document and once per
//! [`InputProblem`] (a bad file or record, which is skipped), in a deterministic order, and
//! returns a [`ReadSummary`]; [`read_all`] collects both into vectors. [`ReadOptions`] sets
//! the JSON field names, the CSV [`Columns`], HTML comment handling, the per-record size
//! limit and a forced [`InputFormat`]. [`InputReader`] is the same reader
//! one input at a time, including any [`Read`](std::io::Read) stream. [`open_decompressed`]
//! and [`sniff_compression`] serve other commands that read compressed files.
//!
//! - A folder is read recursively, files sorted by their path relative to it, which is their
//!   id (`/`-separated); hidden names (starting with `.`) are skipped. A file given directly
//!   has its path, as given, for id. `-` is standard input.
//! - `.jsonl`, `.ndjson` and `.json` files are JSON Lines, one object per line: `id` (string
//!   or number; `<file id>:<line>` when absent), `text`, and optional `source`, `date`,
//!   `url`, `title`; other fields are kept, in order, in `Metadata::extra`. A name without
//!   extension (standard input, `corpus.gz`) is JSON Lines if its first non-blank byte is
//!   `{`. Any other file is one plain-text document.
//! - `.html`/`.htm` pages give their main text (Readability, via `dom_smoothie`: menus,
//!   footers, asides, scripts and comment sections dropped) with title, published date,
//!   canonical URL and site name; charsets are honoured or sniffed. `.warc(.gz)` archives
//!   give one document per HTML response, id and url the target URI. `.rss`, `.atom` and
//!   feed `.xml` give one document per item. `.csv`/`.tsv` give one per row. Without an
//!   extension (and for URLs) the content decides: `WARC/`, `{`, a feed root, an `<html>`.
//! - `.eml` and `.mbox` files, and `.txt` or extension-less files that start with a mail
//!   header block (two or more fields, one of them `From`, `Subject` or `Newsgroups`, then a
//!   blank line), are e-mails or Usenet posts: the body is the text (spans are byte ranges of
//!   the body), `From`'s address the `source`, `Date`, `Subject` and `Message-ID` the `date`,
//!   `title` and `message_id`. An mbox file gives one document per message.
//! - Compression is recognised by magic bytes; the extension under it (`corpus.jsonl.xz`)
//!   gives the format.
//! - Every problem names its file (and line, for a record): invalid JSON, missing or
//!   non-string text, invalid UTF-8 (with the byte offset), binary content, empty files and
//!   texts, damaged compressed streams (documents before the damage are kept), unreadable
//!   or missing paths, ids already seen in the batch, broken WARC records, feeds that do not
//!   parse, CSV files without a text column, pages without text, pages nested deeper than
//!   [`MAX_HTML_DEPTH`], ids longer than [`MAX_ID_BYTES`], and records over the size
//!   limit (read past in bounded memory). Problems within a file name the record:
//!   `crawl.warc.gz:7`, `feed.xml:3`, `table.csv:12`.
//!
//! ```
//! use std::path::PathBuf;
//! use chorus_input::{ReadOptions, read_all};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("letter.txt"), "Dear Sir, the harvest was good.")?;
//! std::fs::write(
//!     dir.path().join("papers.jsonl"),
//!     "{\"id\": \"a\", \"text\": \"The harvest was good.\", \"source\": \"Gazette\"}\n\
//!      {\"id\": \"b\", \"txt\": \"misspelt field\"}\n",
//! )?;
//!
//! let (docs, problems) = read_all(&[dir.path().to_path_buf()], &ReadOptions::default())?;
//! let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
//! assert_eq!(ids, ["letter.txt", "a"]);
//! assert_eq!(docs[1].meta.source.as_deref(), Some("Gazette"));
//! assert_eq!(problems.len(), 1);
//! assert!(problems[0].to_string().ends_with("papers.jsonl:2: record `b` has no `text` field"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// unsafe_code is only denied workspace-wide (chorus-store allows it on two items); this
// crate keeps the old, stricter forbid.
#![forbid(unsafe_code)]

mod compress;
mod depth;
mod encoding;
mod feed;
mod fetch;
mod html;
mod jsonl;
mod mail;
mod mail_body;
mod problem;
mod read;
mod table;
mod text;
mod walk;
mod warc;

use std::path::Path;

use chorus_core::Document;

pub use compress::{
    Compression, SNIFF_LEN, decompress, open_decompressed, sniff_compression,
    strip_compression_extension,
};
pub use depth::MAX_HTML_DEPTH;
pub use encoding::encoding_for_label;
pub use encoding_rs::Encoding;
pub use problem::{InputError, InputProblem, ProblemKind};
pub use read::{Columns, DEFAULT_MAX_RECORD_BYTES, InputReader, ReadOptions, ReadSummary};

/// The longest document id, in bytes: longer ids are refused (a problem naming the file and
/// record; the server answers 400). Room for the longest paths (4,096 bytes on Linux) and
/// URLs, and a bound on what every id costs the index and its answers.
pub const MAX_ID_BYTES: usize = 4096;

/// How an input's content is to be read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum InputFormat {
    /// Decide per file: by the extension under any compression extension (`.jsonl`,
    /// `.ndjson`, `.json`: JSON Lines; `.html`, `.htm`, `.xhtml`: HTML; `.warc`: WARC;
    /// `.rss`, `.atom`, and `.xml` holding a feed: feed; `.csv`, `.tsv`, `.tab`; `.eml`,
    /// `.mbox`: mail; `.txt` starting with a mail header block: mail; others plain text),
    /// or, with no extension (and for URLs), by the first bytes (`WARC/`, `{`, an
    /// `<rss>`/`<feed>`/`<rdf:RDF>` root, an `<html>` tag, a mail header block).
    #[default]
    Auto,
    /// Each file is one plain-text document.
    Text,
    /// Each line is a JSON object, one document.
    JsonLines,
    /// Each file is one HTML page; its main text is extracted.
    Html,
    /// A WARC archive; each HTML response record is one page.
    Warc,
    /// An RSS or Atom feed; each item is one document.
    Feed,
    /// Comma-separated values with a header row; each row is one document.
    Csv,
    /// Tab-separated values with a header row; each row is one document.
    Tsv,
    /// An e-mail or Usenet post (RFC 5322 header block, blank line, body), or an mbox file
    /// of them; each message is one document, its text the body, its headers metadata.
    Mail,
}

/// Reads every input (files, folders, `-` for standard input) in order, calling `on_doc`
/// for each document and `on_problem` for each bad file or record, which is skipped.
///
/// The order is deterministic: inputs as given, files within a folder sorted by relative
/// path, records in file order. Fails only on invalid options or `-` given twice, before
/// reading anything.
pub fn read_inputs<P: AsRef<Path>>(
    inputs: &[P],
    opts: &ReadOptions,
    mut on_doc: impl FnMut(Document),
    mut on_problem: impl FnMut(InputProblem),
) -> Result<ReadSummary, InputError> {
    let stdin_count = inputs
        .iter()
        .filter(|p| p.as_ref() == Path::new("-"))
        .count();
    if stdin_count > 1 {
        return Err(InputError::StdinRepeated);
    }
    let mut reader = InputReader::new(opts.clone())?;
    for input in inputs {
        reader.read_path(input.as_ref(), &mut on_doc, &mut on_problem)?;
    }
    Ok(reader.summary())
}

/// [`read_inputs`], collecting the documents and the problems.
pub fn read_all<P: AsRef<Path>>(
    inputs: &[P],
    opts: &ReadOptions,
) -> Result<(Vec<Document>, Vec<InputProblem>), InputError> {
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    read_inputs(inputs, opts, |d| docs.push(d), |p| problems.push(p))?;
    Ok((docs, problems))
}
