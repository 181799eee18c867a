//! The reader: options, the per-stream pipeline, and the bookkeeping across a batch.
//!
//! Each stream goes through the same steps: sniff the compression from its first bytes
//! (and check it against the name), decode, look at the first 8 KB of decoded bytes (empty?
//! binary? JSON?), then read it as one plain-text document or as JSON Lines. The
//! [`InputReader`] carries what spans the whole batch: the ids seen so far (a later
//! duplicate is reported and skipped) and the [`ReadSummary`] counts.
//!
//! Files: `options.rs` (what can be set), `dispatch.rs` (the per-stream pipeline and the
//! choice of format), `emit.rs` (passing documents and problems on, with the tally); this
//! file holds [`InputReader`], which reads paths, URLs and streams through them.

mod dispatch;
mod emit;
mod options;

pub(crate) use emit::{Emit, Tally};
pub use options::{Columns, DEFAULT_MAX_RECORD_BYTES, ReadOptions};

use std::fs;
use std::io::{self, Read};
use std::path::Path;

use crate::problem::{InputError, InputProblem, ProblemKind};
use crate::walk::files_under;
use chorus_core::Document;
use dispatch::{is_url, open_problem, read_file, read_stream};

/// What a read produced, counted over every input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Documents passed on.
    pub documents: usize,
    /// Problems reported for what was skipped; each stands for a file, a record, or the
    /// rest of a damaged stream.
    pub skipped: usize,
    /// Total length in bytes of the texts of the documents passed on.
    pub bytes: u64,
    /// Files (and standard input) opened and read.
    pub files: usize,
    /// Documents passed on whose date could not be read: each is also reported as a
    /// [`ProblemKind::BadDate`] problem, and is not counted in `skipped`.
    pub unreadable_dates: usize,
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
