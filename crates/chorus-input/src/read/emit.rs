//! Passing documents and problems on: [`Emit`] wraps the caller's two callbacks and keeps
//! the batch's [`Tally`] as it goes, so that every reader (text, JSON Lines, WARC, CSV,
//! feeds) counts the same way and a duplicate id is reported, with where it was first
//! seen, whichever format it came from. A date that cannot be read
//! ([`When::parse`](chorus_core::When::parse)) is reported the same way, whatever the
//! format, but its document is passed on (undated).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::ReadSummary;
use crate::problem::{InputProblem, ProblemKind};
use chorus_core::{Document, When};

/// What is kept across the streams of a batch.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Each id seen, with where: index into `files`, and line (0 for a whole file).
    seen: HashMap<String, (usize, u64)>,
    /// Display names of the streams read, in order.
    files: Vec<String>,
    pub(super) summary: ReadSummary,
}

/// Passes documents and problems on, keeping the batch's tally.
pub(crate) struct Emit<'a> {
    pub(super) tally: &'a mut Tally,
    pub(super) on_doc: &'a mut dyn FnMut(Document),
    pub(super) on_problem: &'a mut dyn FnMut(InputProblem),
    /// Index of the stream being read in `tally.files`.
    pub(super) file: usize,
}

impl<'a> Emit<'a> {
    /// An `Emit` for a reader's unit tests.
    #[cfg(test)]
    pub(crate) fn for_test(
        tally: &'a mut Tally,
        on_doc: &'a mut dyn FnMut(Document),
        on_problem: &'a mut dyn FnMut(InputProblem),
    ) -> Self {
        Emit {
            tally,
            on_doc,
            on_problem,
            file: 0,
        }
    }

    pub(super) fn start_stream(&mut self, display: &str) {
        self.file = self.tally.files.len();
        self.tally.files.push(display.to_owned());
        self.tally.summary.files += 1;
    }

    pub(crate) fn problem(&mut self, problem: InputProblem) {
        self.tally.summary.skipped += 1;
        (self.on_problem)(problem);
    }

    /// Passes `doc` on unless its id was seen before (a problem), reporting its date as a
    /// problem when it cannot be read. `line` is where it was read.
    pub(crate) fn document(&mut self, doc: Document, display: &str, line: Option<u64>) {
        if doc.id.len() > crate::MAX_ID_BYTES {
            let shown: String = doc.id.chars().take(40).collect();
            let reason = format!(
                "id `{shown}...` is {} bytes long, over the limit of {} bytes; skipped",
                doc.id.len(),
                crate::MAX_ID_BYTES
            );
            self.problem(match line {
                Some(line) => InputProblem::line(display, line, ProblemKind::BadField, reason),
                None => InputProblem::file(display, ProblemKind::BadField, reason),
            });
            return;
        }
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
                if let Some(date) = doc.meta.date.as_deref()
                    && !date.trim().is_empty()
                    && When::parse(date).is_none()
                {
                    let reason = format!(
                        "document `{}`: unreadable date `{date}` (not RFC 3339, an ISO 8601 \
                         date or date-time, or RFC 2822); read as undated",
                        doc.id
                    );
                    self.tally.summary.unreadable_dates += 1;
                    (self.on_problem)(match line {
                        Some(line) => {
                            InputProblem::line(display, line, ProblemKind::BadDate, reason)
                        }
                        None => InputProblem::file(display, ProblemKind::BadDate, reason),
                    });
                }
                self.tally.summary.documents += 1;
                self.tally.summary.bytes += doc.text.len() as u64;
                (self.on_doc)(doc);
            }
        }
    }
}
