//! The options of a read ([`ReadOptions`], with the CSV/TSV [`Columns`]): a builder whose
//! every method states its default, read-only accessors for front ends, and the check of
//! contradictory settings that [`InputReader::new`](super::InputReader::new) runs before
//! anything is read.

use crate::InputFormat;
use crate::problem::InputError;
#[cfg(doc)]
use crate::problem::ProblemKind;

/// How inputs are read. Build it from [`ReadOptions::default`] with the methods below;
/// each says its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    pub(super) id_field: String,
    pub(super) text_field: String,
    pub(super) source_field: String,
    pub(super) date_field: String,
    pub(super) encoding: Option<&'static encoding_rs::Encoding>,
    pub(super) format: InputFormat,
    pub(super) include_hidden: bool,
    pub(super) keep_comments: bool,
    pub(super) columns: Columns,
    pub(super) delimiter: Option<u8>,
    pub(super) max_record_bytes: u64,
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
            source_field: "source".to_owned(),
            date_field: "date".to_owned(),
            encoding: None,
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

    /// The JSON field holding a record's source (its outlet). This is `"source"` by
    /// default; a record without it whose `series` field (passim's name) is a string takes
    /// that as its source.
    pub fn source_field(mut self, name: impl Into<String>) -> Self {
        self.source_field = name.into();
        self
    }

    /// The JSON field holding a record's date. This is `"date"` by default.
    pub fn date_field(mut self, name: impl Into<String>) -> Self {
        self.date_field = name.into();
        self
    }

    /// The character encoding of plain-text and CSV/TSV files. This is `None` by default:
    /// UTF-8, and when a file is not valid UTF-8, the encoding `chardetng` guesses from its
    /// bytes (see [`crate::encoding_for_label`] for naming one).
    pub fn encoding(mut self, encoding: Option<&'static encoding_rs::Encoding>) -> Self {
        self.encoding = encoding;
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

    /// The JSON field holding a record's source.
    pub fn source_field_name(&self) -> &str {
        &self.source_field
    }

    /// The JSON field holding a record's date.
    pub fn date_field_name(&self) -> &str {
        &self.date_field
    }

    /// The encoding forced on plain-text and CSV/TSV files, if any.
    pub fn forced_encoding(&self) -> Option<&'static encoding_rs::Encoding> {
        self.encoding
    }

    /// The format forced on every input, or [`InputFormat::Auto`].
    pub fn input_format(&self) -> InputFormat {
        self.format
    }

    /// Whether hidden files are read when walking a folder.
    pub fn includes_hidden(&self) -> bool {
        self.include_hidden
    }

    pub(super) fn validate(&self) -> Result<(), InputError> {
        let reason = if self.id_field.is_empty() || self.text_field.is_empty() {
            "the id and text field names must not be empty"
        } else if [&self.source_field, &self.date_field]
            .iter()
            .any(|f| f.is_empty() || **f == self.id_field || **f == self.text_field)
        {
            "the source and date fields must be named, and differ from the id and text fields"
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::InputReader;

    #[test]
    fn options_are_validated() {
        assert!(InputReader::new(ReadOptions::new()).is_ok());
        assert!(InputReader::new(ReadOptions::new().id_field("text")).is_err());
        assert!(InputReader::new(ReadOptions::new().text_field("")).is_err());
    }
}
