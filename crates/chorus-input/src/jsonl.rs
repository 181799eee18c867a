//! JSON Lines: one JSON object per line, one document per object.
//!
//! Lines are read one at a time into a reused buffer and parsed in batches of a few MB on
//! all threads, so a file of any size is read in memory bounded by a batch and its longest
//! line. Each line is checked for UTF-8, parsed into a
//! `serde_json::Map` (which keeps field order), and split into the id and text fields
//! (names set by [`ReadOptions`]), the known metadata (`source`, `date`, `url`, `title`,
//! when strings) and everything else, kept in order in `Metadata::extra`. Blank lines are
//! skipped without comment. A bad line is reported with its 1-based line number and
//! skipped; the next line is read as usual.

use std::io::BufRead;

use chorus_core::{Document, Metadata};
use serde_json::{Map, Value};

use crate::problem::{InputProblem, ProblemKind};
use crate::read::{Emit, ReadOptions, StreamName};
use crate::text::{LineRead, is_blank, read_line_bounded, strip_bom};

/// Lines parsed together on all threads (bytes): large enough to spread over the pool,
/// small enough to keep memory bounded.
const BATCH_BYTES: usize = 4 << 20;

/// What one line of JSON Lines holds.
enum Parsed {
    Document(Document),
    Problem(InputProblem),
    /// The first record shows the file is not JSON Lines at all: skip the file.
    NotJsonLines(InputProblem),
}

/// Reads every record of a JSON Lines stream. `stream_error` names a read error
/// (`(kind, what)`), which ends the stream after the documents already read.
///
/// Lines are parsed in batches of about [`BATCH_BYTES`] on the rayon pool and handed on in
/// file order, so the result (and the order of problems) is that of a line-by-line read.
pub(crate) fn read_jsonl(
    reader: &mut dyn BufRead,
    name: &StreamName<'_>,
    opts: &ReadOptions,
    emit: &mut Emit<'_>,
    stream_error: &dyn Fn(&std::io::Error) -> (ProblemKind, String),
) {
    let mut buf = Vec::new();
    let mut line_no: u64 = 0;
    let mut records = 0u64;
    let mut batch: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut batch_bytes = 0usize;
    let flush = |batch: &mut Vec<(u64, Vec<u8>)>, emit: &mut Emit<'_>| {
        use rayon::prelude::*;
        let parsed: Vec<Parsed> = batch
            .par_iter()
            .map(|(n, line)| parse_line(line, *n, false, name, opts))
            .collect();
        for (p, (n, _)) in parsed.into_iter().zip(batch.iter()) {
            deliver(p, *n, name, emit);
        }
        batch.clear();
    };
    loop {
        let limit = usize::try_from(opts.record_limit()).unwrap_or(usize::MAX);
        let too_long = match read_line_bounded(reader, &mut buf, limit) {
            Ok(LineRead::Eof) => break,
            Ok(LineRead::Line) => None,
            Ok(LineRead::TooLong(n)) => Some(n),
            Err(err) => {
                flush(&mut batch, emit);
                let (kind, what) = stream_error(&err);
                let after = match line_no {
                    0 => String::new(),
                    n => format!(" after line {n}"),
                };
                emit.problem(InputProblem::file(
                    name.display,
                    kind,
                    format!("{what}{after}"),
                ));
                return;
            }
        };
        line_no += 1;
        if let Some(n) = too_long {
            records += 1;
            flush(&mut batch, emit);
            batch_bytes = 0;
            emit.problem(InputProblem::line(
                name.display,
                line_no,
                ProblemKind::TooLarge,
                format!("line of {n} bytes is longer than the limit of {limit} bytes; skipped"),
            ));
            continue;
        }
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
        if records == 1 {
            // the first record decides whether this is JSON Lines at all
            match parse_line(line, line_no, true, name, opts) {
                Parsed::NotJsonLines(problem) => {
                    emit.problem(problem);
                    return;
                }
                p => deliver(p, line_no, name, emit),
            }
            continue;
        }
        batch.push((line_no, line.to_vec()));
        batch_bytes += line.len();
        if batch_bytes >= BATCH_BYTES {
            flush(&mut batch, emit);
            batch_bytes = 0;
        }
    }
    flush(&mut batch, emit);
    if records == 0 {
        emit.problem(InputProblem::file(
            name.display,
            ProblemKind::EmptyFile,
            "no records (only blank lines)",
        ));
    }
}

fn deliver(parsed: Parsed, line_no: u64, name: &StreamName<'_>, emit: &mut Emit<'_>) {
    match parsed {
        Parsed::Document(doc) => emit.document(doc, name.display, Some(line_no)),
        Parsed::Problem(p) | Parsed::NotJsonLines(p) => emit.problem(p),
    }
}

/// Parses one non-blank line (`first`: the first record of the stream).
fn parse_line(
    line: &[u8],
    line_no: u64,
    first: bool,
    name: &StreamName<'_>,
    opts: &ReadOptions,
) -> Parsed {
    let problem = |kind, reason: String| {
        Parsed::Problem(InputProblem::line(name.display, line_no, kind, reason))
    };
    let text = match std::str::from_utf8(line) {
        Ok(text) => text,
        Err(err) => {
            return problem(
                ProblemKind::InvalidUtf8,
                format!("invalid UTF-8 at byte {} of the line", err.valid_up_to()),
            );
        }
    };
    let map = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map,
        Ok(other) => {
            if first && other.is_array() {
                return Parsed::NotJsonLines(not_json_lines(name, "a JSON array"));
            }
            return problem(
                ProblemKind::InvalidJson,
                format!("expected a JSON object, found {}", value_kind(&other)),
            );
        }
        Err(err) => {
            let start = text.trim_start();
            if first && err.is_eof() && (start.starts_with('[') || start.trim() == "{") {
                let what = if start.starts_with('[') {
                    "a JSON array"
                } else {
                    "a JSON object spread over several lines"
                };
                return Parsed::NotJsonLines(not_json_lines(name, what));
            }
            return problem(
                ProblemKind::InvalidJson,
                format!("invalid JSON: {}", json_error_message(&err)),
            );
        }
    };
    match record_to_document(map, opts, || format!("{}:{line_no}", name.id)) {
        Ok(doc) => Parsed::Document(doc),
        Err((kind, reason)) => problem(kind, reason),
    }
}

fn not_json_lines(name: &StreamName<'_>, what: &str) -> InputProblem {
    InputProblem::file(
        name.display,
        ProblemKind::NotJsonLines,
        format!("this is {what}, not JSON Lines (one object per line); file skipped"),
    )
}

/// serde_json's message without its ` at line 1 column N` suffix, with the column.
fn json_error_message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let message = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(m, _)| m);
    format!("{message} at column {}", err.column())
}

fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Splits a record into a document. `default_id` gives the id of a record without one.
pub(crate) fn record_to_document(
    map: Map<String, Value>,
    opts: &ReadOptions,
    default_id: impl FnOnce() -> String,
) -> Result<Document, (ProblemKind, String)> {
    let mut id = None;
    let mut text = None;
    let mut meta = Metadata::default();
    for (key, value) in map {
        if key == opts.id_field_name() {
            id = Some(value);
            continue;
        }
        if key == opts.text_field_name() {
            text = Some(value);
            continue;
        }
        let slot = match key.as_str() {
            k if k == opts.source_field_name() => &mut meta.source,
            k if k == opts.date_field_name() => &mut meta.date,
            "url" => &mut meta.url,
            "title" => &mut meta.title,
            _ => {
                meta.extra.insert(key, value);
                continue;
            }
        };
        match value {
            Value::String(s) => *slot = Some(s),
            Value::Null => {}
            other => {
                meta.extra.insert(key, other);
            }
        }
    }
    // passim's outlet field: the source of a record that names none.
    if meta.source.is_none()
        && matches!(meta.extra.get("series"), Some(Value::String(_)))
        && let Some(Value::String(series)) = meta.extra.shift_remove("series")
    {
        meta.source = Some(series);
    }
    let id_field = opts.id_field_name();
    let text_field = opts.text_field_name();
    let id = match id {
        None | Some(Value::Null) => default_id(),
        Some(Value::String(s)) if s.is_empty() => default_id(),
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err((
                ProblemKind::BadField,
                format!(
                    "`{id_field}` must be a string or a number, found {}",
                    value_kind(&other)
                ),
            ));
        }
    };
    let text = match text {
        None | Some(Value::Null) => {
            return Err((
                ProblemKind::MissingText,
                format!("record `{id}` has no `{text_field}` field"),
            ));
        }
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err((
                ProblemKind::BadField,
                format!(
                    "record `{id}`: `{text_field}` must be a string, found {}",
                    value_kind(&other)
                ),
            ));
        }
    };
    if is_blank(&text) {
        return Err((
            ProblemKind::EmptyText,
            format!("record `{id}` has empty text"),
        ));
    }
    Ok(Document { id, text, meta })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn json_errors_name_the_column() {
        let err = serde_json::from_str::<Value>("{\"a\": }").unwrap_err();
        assert_eq!(json_error_message(&err), "expected value at column 7");
    }
}
