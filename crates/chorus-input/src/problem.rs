//! Problems with the input, and the few errors that stop a run.
//!
//! Bad input never stops a run: each bad file or record becomes one [`InputProblem`],
//! handed to the caller, and reading goes on with the next one. A document whose date
//! cannot be read is reported the same way ([`ProblemKind::BadDate`]) but kept, undated. An [`InputError`] is only
//! returned when the request itself cannot be carried out (invalid options, standard
//! input named twice, or a file that [`open_decompressed`](crate::open_decompressed)
//! cannot open).

use std::fmt;
use std::path::PathBuf;

/// What kind of thing went wrong with a file or a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The path given does not exist.
    NotFound,
    /// The file or folder exists but could not be opened or read.
    Unreadable,
    /// The content looks binary (NUL bytes or mostly control characters in its first 8 KB).
    Binary,
    /// The bytes are not valid UTF-8.
    InvalidUtf8,
    /// The file holds no bytes at all (after decompression).
    EmptyFile,
    /// The document's text is empty or only whitespace.
    EmptyText,
    /// A JSON Lines line is not valid JSON, or is valid JSON but not an object.
    InvalidJson,
    /// A JSON record has no text field.
    MissingText,
    /// A JSON record's field has the wrong type (text not a string, id not a string or
    /// number).
    BadField,
    /// A document has the same id as an earlier one in the batch; the later one is skipped.
    DuplicateId,
    /// A compressed stream is truncated or corrupt, or the file's extension names a
    /// compression its bytes do not have. Documents decoded before the damage are kept.
    Decompression,
    /// The file is a JSON array or object rather than JSON Lines.
    NotJsonLines,
    /// A record of a structured format is damaged: a broken WARC header or block, a feed
    /// that does not parse, an unreadable CSV row.
    BadRecord,
    /// A document, line, record or row is over
    /// [`ReadOptions::max_record_bytes`](crate::ReadOptions::max_record_bytes); it is read
    /// past without being kept in memory.
    TooLarge,
    /// A document's date cannot be read (`yesterday`, `03/04/2025`: see
    /// [`When::parse`](chorus_core::When::parse)). The only kind that skips nothing: the
    /// document is passed on, its date kept as given but treated as unknown.
    BadDate,
}

impl ProblemKind {
    /// A short stable name, for machine-readable output (`"invalid-json"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::NotFound => "not-found",
            ProblemKind::Unreadable => "unreadable",
            ProblemKind::Binary => "binary",
            ProblemKind::InvalidUtf8 => "invalid-utf8",
            ProblemKind::EmptyFile => "empty-file",
            ProblemKind::EmptyText => "empty-text",
            ProblemKind::InvalidJson => "invalid-json",
            ProblemKind::MissingText => "missing-text",
            ProblemKind::BadField => "bad-field",
            ProblemKind::DuplicateId => "duplicate-id",
            ProblemKind::Decompression => "decompression",
            ProblemKind::NotJsonLines => "not-json-lines",
            ProblemKind::BadRecord => "bad-record",
            ProblemKind::TooLarge => "too-large",
            ProblemKind::BadDate => "bad-date",
        }
    }

    /// Whether the file or record was skipped (every kind but [`ProblemKind::BadDate`]).
    pub fn skips(self) -> bool {
        self != ProblemKind::BadDate
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One bad file or record, reported and skipped (a [`ProblemKind::BadDate`]: reported,
/// and the document kept).
///
/// Displays as `file:record: reason` (or `file: reason` when the whole file is concerned),
/// e.g. `corpus.jsonl:17: invalid JSON: expected value at column 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputProblem {
    /// The file as the user would find it: the path given, or the folder given joined with
    /// the path inside it; `-` for standard input.
    pub file: String,
    /// Where in the file, for a problem with one record: the 1-based line number (JSON
    /// Lines, and the line a CSV row starts on), record number (WARC) or item number
    /// (feeds).
    pub line: Option<u64>,
    pub kind: ProblemKind,
    /// What went wrong, for a human.
    pub reason: String,
}

impl InputProblem {
    pub(crate) fn file(file: &str, kind: ProblemKind, reason: impl Into<String>) -> Self {
        InputProblem {
            file: file.to_owned(),
            line: None,
            kind,
            reason: reason.into(),
        }
    }

    pub(crate) fn line(
        file: &str,
        line: u64,
        kind: ProblemKind,
        reason: impl Into<String>,
    ) -> Self {
        InputProblem {
            file: file.to_owned(),
            line: Some(line),
            kind,
            reason: reason.into(),
        }
    }

    /// `file:line`, or `file` when the problem is with the whole file.
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        }
    }
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

impl std::error::Error for InputProblem {}

/// An error that stops reading altogether.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The options cannot work (for example, the same field named for id and text).
    #[error("invalid input options: {reason}")]
    InvalidOptions { reason: String },
    /// `-` (standard input) was given more than once.
    #[error("standard input (`-`) was given more than once")]
    StdinRepeated,
    /// A file could not be opened or its compression could not be recognised.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
