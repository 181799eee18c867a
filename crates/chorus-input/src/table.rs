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
//! gets `<file>:<line>`.

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
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .quoting(delimiter != b'\t')
        .from_reader(reader);
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
                format!("invalid UTF-8 at byte {at} of column `{}`", header[col]),
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
