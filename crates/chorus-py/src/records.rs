//! Records from Python: JSON Lines text (one object per record, written by the Python
//! side with the CLI's field names) read by `chorus-input`'s JSON Lines reader as a stream
//! named `records`, so that ids, metadata, skipped records and their messages are those
//! of `chorus find` reading the same lines from a file (`records:7: record `x` has no
//! `text` field`; a record without id gets `records:<line>`).

use crate::arrow::{ArrowTexts, fill_texts};
use chorus_core::Document;
use chorus_input::{InputFormat, InputReader, ReadOptions};

/// The name of the stream records are read as (the prefix of problems and default ids).
pub(crate) const STREAM: &str = "records";

/// Documents read from `jsonl`, and the problems (as the CLI prints them) of the records
/// skipped.
pub(crate) fn read(jsonl: &[u8]) -> Result<(Vec<Document>, Vec<String>), String> {
    let (docs, _, problems) = read_lines(jsonl)?;
    Ok((docs, problems))
}

/// [`read`], with the 1-based line of each document.
#[allow(clippy::type_complexity)]
pub(crate) fn read_lines(jsonl: &[u8]) -> Result<(Vec<Document>, Vec<u64>, Vec<String>), String> {
    let (docs, lines, problems) = read_located(jsonl)?;
    Ok((docs, lines, problems.into_iter().map(|p| p.1).collect()))
}

/// [`read`] of records whose text is a stand-in where `from_arrow[row]` is set, the text
/// being row `row` of `texts` (see [`crate::arrow`]).
pub(crate) fn read_with_texts(
    jsonl: &[u8],
    texts: Option<(&ArrowTexts<'_>, &[u8])>,
) -> Result<(Vec<Document>, Vec<String>), String> {
    let (docs, lines, problems) = read_located(jsonl)?;
    match texts {
        Some((texts, from_arrow)) => fill_texts(docs, lines, problems, texts, from_arrow),
        None => Ok((docs, problems.into_iter().map(|p| p.1).collect())),
    }
}

/// [`read_lines`], with the line of each problem.
#[allow(clippy::type_complexity)]
fn read_located(
    jsonl: &[u8],
) -> Result<(Vec<Document>, Vec<u64>, Vec<(Option<u64>, String)>), String> {
    let opts = ReadOptions::new().format(InputFormat::JsonLines);
    let mut reader = InputReader::new(opts).map_err(|e| e.to_string())?;
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    let mut skipped = Vec::new();
    reader.read_stream(
        STREAM,
        jsonl,
        |d| docs.push(d),
        |p| {
            if let (Some(line), true) = (p.line, p.kind.skips()) {
                skipped.push(line);
            }
            problems.push((p.line, p.to_string()));
        },
    );
    // every line is one record: the documents are the lines not skipped, in order
    skipped.sort_unstable();
    let mut lines = Vec::with_capacity(docs.len());
    let (mut line, mut s) = (1u64, 0);
    while lines.len() < docs.len() {
        if s < skipped.len() && skipped[s] == line {
            s += 1;
        } else {
            lines.push(line);
        }
        line += 1;
    }
    Ok((docs, lines, problems))
}
