//! CSV and TSV: a header row naming the columns, then one document per row.
//!
//! The columns holding the id, text, source, date, url and title are named by
//! [`ReadOptions`] (by default `id`, `text`, `source`, `date`, `url`, `title`, matched
//! without regard to case); every other column is kept, as a string, in `Metadata::extra`.
//! The delimiter is `,` for `.csv`, a tab for `.tsv` and `.tab`, or the one set. Quoted
//! fields may hold delimiters and line breaks (RFC 4180, via the `csv` crate); rows may
//! have fewer or more fields than the header. A file whose header has no text column is
//! reported once; a row that cannot be read (invalid UTF-8, a field over the size limit)
//! or has empty text is reported with its line number and skipped. A row without an id
//! gets `<file>:<line>`. A quoted field still open at the end of the file (a missing
//! closing quote, which would make the rest of the file one field) is reported with the
//! line the quote opened on, and its row skipped: [`QuoteCheck`] follows the quoting as the
//! bytes stream past (RFC 4180: a quote opens a field only at its start, `""` inside is a
//! literal quote).

use std::io::BufRead;

use chorus_core::{Document, Metadata};
use serde_json::Value;

use crate::problem::{InputProblem, ProblemKind};
use crate::read::{Emit, ReadOptions, StreamName};

/// Reads a CSV or TSV stream with the given delimiter.
pub(crate) fn read_table(
    reader: &mut dyn BufRead,
    delimiter: u8,
    name: &StreamName<'_>,
    opts: &ReadOptions,
    emit: &mut Emit<'_>,
    stream_error: &dyn Fn(&std::io::Error) -> (ProblemKind, String),
) {
    let quoting = delimiter != b'\t';
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .quoting(quoting)
        .from_reader(QuoteCheck::new(reader, delimiter, quoting));
    let mut row = csv::ByteRecord::new();
    let read_error = |err: csv::Error, emit: &mut Emit<'_>| {
        let line = err.position().map(|p| p.line());
        match err.into_kind() {
            csv::ErrorKind::Io(io) => {
                let (kind, what) = stream_error(&io);
                emit.problem(InputProblem::file(name.display, kind, what));
            }
            other => {
                let reason = format!("unreadable row: {other:?}");
                emit.problem(match line {
                    Some(line) => {
                        InputProblem::line(name.display, line, ProblemKind::BadRecord, reason)
                    }
                    None => InputProblem::file(name.display, ProblemKind::BadRecord, reason),
                });
            }
        }
    };
    match csv.read_byte_record(&mut row) {
        Ok(true) => {}
        Ok(false) => {
            emit.problem(InputProblem::file(
                name.display,
                ProblemKind::EmptyFile,
                "no header row",
            ));
            return;
        }
        Err(err) => return read_error(err, emit),
    }
    let header: Vec<String> = row
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let f = if i == 0 { crate::text::strip_bom(f) } else { f };
            String::from_utf8_lossy(f).trim().to_owned()
        })
        .collect();
    let column = |wanted: &str| header.iter().position(|h| h.eq_ignore_ascii_case(wanted));
    let cols = opts.column_names();
    let Some(text_col) = column(&cols.text) else {
        emit.problem(InputProblem::file(
            name.display,
            ProblemKind::MissingText,
            format!(
                "no `{}` column in the header ({}); file skipped",
                cols.text,
                header.join(", ")
            ),
        ));
        return;
    };
    let id_col = column(&cols.id);
    let source_col = column(&cols.source);
    let date_col = column(&cols.date);
    let url_col = column(&cols.url);
    let title_col = column(&cols.title);
    let known = [
        Some(text_col),
        id_col,
        source_col,
        date_col,
        url_col,
        title_col,
    ];
    let limit = opts.record_limit();
    let mut rows = 0u64;
    loop {
        match csv.read_byte_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) => {
                let io = matches!(err.kind(), csv::ErrorKind::Io(_));
                read_error(err, emit);
                if io {
                    return;
                }
                continue;
            }
        }
        rows += 1;
        let line = row.position().map_or(rows + 1, |p| p.line());
        let problem = |kind, reason: String| InputProblem::line(name.display, line, kind, reason);
        if row.as_slice().len() as u64 > limit {
            emit.problem(problem(
                ProblemKind::TooLarge,
                format!(
                    "row of {} bytes is over the limit of {limit} bytes",
                    row.as_slice().len()
                ),
            ));
            continue;
        }
        if row.len() == 1 && row.get(0).is_some_and(|f| f.is_empty()) {
            continue;
        }
        if let Some(opened) = csv.get_ref().unterminated_quote() {
            emit.problem(problem(
                ProblemKind::BadRecord,
                format!(
                    "unterminated quote (opened on line {opened}): the rest of the file would \
                     be one field; row skipped"
                ),
            ));
            continue;
        }
        let field = |col: Option<usize>| -> Result<Option<String>, usize> {
            match col.and_then(|c| row.get(c)) {
                None => Ok(None),
                Some(bytes) => match std::str::from_utf8(bytes) {
                    Ok(s) if s.trim().is_empty() => Ok(None),
                    Ok(s) => Ok(Some(s.to_owned())),
                    Err(e) => Err(e.valid_up_to()),
                },
            }
        };
        let mut values = Vec::with_capacity(6);
        let mut bad = None;
        for col in known {
            match field(col) {
                Ok(v) => values.push(v),
                Err(at) => {
                    bad = Some((col.unwrap_or(0), at));
                    break;
                }
            }
        }
        if let Some((col, at)) = bad {
            emit.problem(problem(
                ProblemKind::InvalidUtf8,
                format!(
                    "invalid UTF-8 at byte {at} of column `{}` (name the file's encoding \
                     with --encoding)",
                    header[col]
                ),
            ));
            continue;
        }
        let mut values = values.into_iter();
        let mut next = || values.next().flatten();
        let (text, id, source, date, url, title) = (next(), next(), next(), next(), next(), next());
        let id = id
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|| format!("{}:{line}", name.id));
        let Some(text) = text else {
            emit.problem(problem(
                ProblemKind::EmptyText,
                format!("row `{id}` has empty text"),
            ));
            continue;
        };
        let mut meta = Metadata {
            source,
            date: date.map(|d| d.trim().to_owned()),
            url,
            title,
            extra: Default::default(),
        };
        for (i, value) in row.iter().enumerate() {
            if known.contains(&Some(i)) {
                continue;
            }
            let key = header
                .get(i)
                .filter(|h| !h.is_empty())
                .cloned()
                .unwrap_or_else(|| format!("column{}", i + 1));
            meta.extra.insert(
                key,
                Value::String(String::from_utf8_lossy(value).into_owned()),
            );
        }
        emit.document(Document { id, text, meta }, name.display, Some(line));
    }
    if rows == 0 {
        emit.problem(InputProblem::file(
            name.display,
            ProblemKind::EmptyFile,
            "no rows after the header",
        ));
    }
}

/// Where a reader is in the CSV quoting of its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the end of the field, or the first of `""`.
    QuoteInQuoted,
}

/// A reader that follows the CSV quoting of the bytes read through it, to tell a quoted
/// field left open at the end of the stream.
struct QuoteCheck<R> {
    inner: R,
    delimiter: u8,
    quoting: bool,
    state: Quoting,
    line: u64,
    opened_on: u64,
    eof: bool,
}

impl<R: std::io::Read> QuoteCheck<R> {
    fn new(inner: R, delimiter: u8, quoting: bool) -> Self {
        QuoteCheck {
            inner,
            delimiter,
            quoting,
            state: Quoting::FieldStart,
            line: 1,
            opened_on: 0,
            eof: false,
        }
    }

    /// The line a quoted field opened on, when the stream has ended inside it.
    fn unterminated_quote(&self) -> Option<u64> {
        (self.eof && self.state == Quoting::Quoted).then_some(self.opened_on)
    }
}

impl<R: std::io::Read> std::io::Read for QuoteCheck<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.eof = true;
        }
        if !self.quoting {
            return Ok(n);
        }
        for &b in &buf[..n] {
            use Quoting::*;
            self.state = match (self.state, b) {
                (Quoted, b'"') => QuoteInQuoted,
                (Quoted, _) => Quoted,
                (QuoteInQuoted, b'"') => Quoted,
                (FieldStart, b'"') => {
                    self.opened_on = self.line;
                    Quoted
                }
                (_, b'\n') => FieldStart,
                (_, d) if d == self.delimiter => FieldStart,
                _ => Unquoted,
            };
            if b == b'\n' {
                self.line += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn open_quote(csv: &str) -> Option<u64> {
        let mut r = QuoteCheck::new(csv.as_bytes(), b',', true);
        std::io::copy(&mut r.by_ref(), &mut std::io::sink()).unwrap();
        let mut rest = [0u8; 1];
        assert_eq!(r.read(&mut rest).unwrap(), 0);
        r.unterminated_quote()
    }

    #[test]
    fn open_quotes_at_the_end_are_told() {
        assert_eq!(
            open_quote("id,text\n1,\"a, \"\"b\"\"\nc\"\n2,5\" tall\n"),
            None
        );
        assert_eq!(
            open_quote("id,text\n1,ok\n2,\"never closed\n3,more\n"),
            Some(3)
        );
        assert_eq!(open_quote("id,text\n1,\"\"\n"), None);
    }
}
