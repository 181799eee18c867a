//! Where and how a command writes its result: standard output or a file given with
//! `--out`, in a format chosen by `--output-format` or else by the file's extension, and
//! compressed when the name ends in `.gz`, `.zst` or `.xz`.
//!
//! A file is written to a temporary file in the folder of its final path and renamed over
//! it only once everything was written (and the compressor finished), so a run that fails
//! (a missing input, a full disk, an error half way) leaves no partial file, and an older
//! file of that name stays as it was. The format of `--out` is worked out before any input
//! is read, so an unknown extension fails at once with a message listing the known ones.
//!
//! The formats: `text` (the terminal report), `jsonl` (chorus's own records), and three
//! tables, `csv`, `tsv` and `parquet` (the flat member table of `find`, the passage table
//! of `query`, the kept corpus of `dedup`, see [`table`]), plus `passim`: the flat member
//! table as JSON Lines with passim's field names ([`members`]). Parquet is written only by
//! a build with the `parquet` cargo feature.

pub mod members;
#[cfg(feature = "parquet")]
mod parquet;
pub mod table;

use anyhow::{Context, bail};
use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

/// The values of `--output-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// The human-readable report.
    Text,
    /// chorus's JSON Lines records.
    Jsonl,
    /// A table, comma-separated with a header row.
    Csv,
    /// A table, tab-separated with a header row.
    Tsv,
    /// A table in Apache Parquet (builds with the `parquet` feature).
    Parquet,
    /// One JSON object per reprint with passim's fields (cluster, size, id, series, date,
    /// begin, end, text, pages).
    Passim,
}

impl OutputFormat {
    /// Whether the format is written as bytes only a file can hold.
    fn binary(self) -> bool {
        self == OutputFormat::Parquet
    }
}

/// Compression of an output file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    Xz,
}

impl Compression {
    /// The compression named by `name`'s last extension, and the name without it.
    fn of_name(name: &str) -> (Compression, &str) {
        for (ext, c) in [
            (".gz", Compression::Gzip),
            (".zst", Compression::Zstd),
            (".zstd", Compression::Zstd),
            (".xz", Compression::Xz),
        ] {
            if let Some(stem) = name.strip_suffix(ext) {
                return (c, stem);
            }
        }
        (Compression::None, name)
    }
}

/// The extensions known, for the error message.
const KNOWN: &str = ".txt, .jsonl (or .ndjson, .json), .csv, .tsv, .parquet, each optionally \
                     followed by .gz, .zst or .xz";

/// The format a file name asks for (after its compression extension), if any.
fn format_of_name(name: &str) -> Option<OutputFormat> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" | "text" => OutputFormat::Text,
        "jsonl" | "ndjson" | "json" => OutputFormat::Jsonl,
        "csv" => OutputFormat::Csv,
        "tsv" | "tab" => OutputFormat::Tsv,
        "parquet" | "pq" => OutputFormat::Parquet,
        _ => return None,
    })
}

/// Where a result goes and in what form: checked before anything is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `None`: standard output.
    pub path: Option<PathBuf>,
    pub format: OutputFormat,
    pub compression: Compression,
}

impl Target {
    /// The target of `--out path` / `--output-format format`; `default` is the format of
    /// standard output (text, or JSON Lines with `--json`).
    pub fn new(
        path: Option<&Path>,
        format: Option<OutputFormat>,
        default: OutputFormat,
    ) -> anyhow::Result<Target> {
        let Some(path) = path else {
            let format = format.unwrap_or(default);
            if format.binary() {
                bail!("--output-format {format:?} is written to a file only: add --out FILE");
            }
            return Ok(Target {
                path: None,
                format,
                compression: Compression::None,
            });
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (compression, stem) = Compression::of_name(&name);
        let format = match (format, format_of_name(stem)) {
            (Some(f), _) => f,
            (None, Some(f)) => f,
            (None, None) => bail!(
                "{}: unknown output extension; use {KNOWN}, or name the format with \
                 --output-format",
                path.display()
            ),
        };
        if format == OutputFormat::Parquet && compression != Compression::None {
            bail!(
                "{}: Parquet files compress their columns themselves; drop the .{} extension",
                path.display(),
                name.rsplit('.').next().unwrap_or_default()
            );
        }
        #[cfg(not(feature = "parquet"))]
        if format == OutputFormat::Parquet {
            bail!(
                "{}: this chorus was built without Parquet output; rebuild with \
                 `cargo build --release --features parquet`, or write .csv or .jsonl",
                path.display()
            );
        }
        Ok(Target {
            path: Some(path.to_path_buf()),
            format,
            compression,
        })
    }

    /// Opens the target for writing. Nothing appears at the path until
    /// [`Output::finish`] succeeds.
    pub fn open(&self) -> anyhow::Result<Output> {
        let Some(path) = &self.path else {
            return Ok(Output::Stdout(BufWriter::new(io::stdout().lock())));
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".part")
            .tempfile_in(dir)
            .with_context(|| format!("creating {}", path.display()))?;
        let file = tmp
            .reopen()
            .with_context(|| format!("creating {}", path.display()))?;
        let sink = match self.compression {
            Compression::None => Sink::Plain(file),
            Compression::Gzip => Sink::Gzip(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::default(),
            )),
            Compression::Xz => Sink::Xz(liblzma::write::XzEncoder::new(file, 6)),
            // ruzstd compresses a whole stream at once: spool the plain bytes first.
            Compression::Zstd => Sink::Zstd {
                spool: tempfile::tempfile_in(dir)
                    .with_context(|| format!("creating {}", path.display()))?,
                file,
            },
        };
        Ok(Output::File(Box::new(FileOutput {
            w: BufWriter::with_capacity(1 << 16, sink),
            tmp,
            path: path.clone(),
        })))
    }
}

/// The bytes under the buffer of a file output.
pub enum Sink {
    Plain(File),
    Gzip(flate2::write::GzEncoder<File>),
    Xz(liblzma::write::XzEncoder<File>),
    Zstd { spool: File, file: File },
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(f) => f.write(buf),
            Sink::Gzip(e) => e.write(buf),
            Sink::Xz(e) => e.write(buf),
            Sink::Zstd { spool, .. } => spool.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(f) => f.flush(),
            Sink::Gzip(e) => e.flush(),
            Sink::Xz(e) => e.flush(),
            Sink::Zstd { spool, .. } => spool.flush(),
        }
    }
}

impl Sink {
    /// Ends the compressed stream and syncs the file.
    fn finish(self) -> io::Result<()> {
        let file = match self {
            Sink::Plain(f) => f,
            Sink::Gzip(e) => e.finish()?,
            Sink::Xz(e) => e.finish()?,
            Sink::Zstd {
                mut spool,
                mut file,
            } => {
                spool.rewind()?;
                let packed = ruzstd::encoding::compress_to_vec(
                    io::BufReader::new(spool),
                    ruzstd::encoding::CompressionLevel::Fastest,
                );
                file.write_all(&packed)?;
                file
            }
        };
        file.sync_all()
    }
}

/// An open output: standard output, or a temporary file renamed into place by
/// [`Output::finish`] (and deleted when dropped unfinished).
pub enum Output {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    File(Box<FileOutput>),
}

/// A file being written: the buffered (compressing) writer, the temporary file it
/// fills, and the path it will be moved to.
pub struct FileOutput {
    w: BufWriter<Sink>,
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File(f) => f.w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File(f) => f.w.flush(),
        }
    }
}

impl Output {
    /// Flushes everything and, for a file, moves it to its final path.
    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush().context("writing the output"),
            Output::File(f) => {
                let FileOutput { w, tmp, path } = *f;
                let what = || format!("writing {}", path.display());
                let sink = w
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(what)?;
                sink.finish().with_context(what)?;
                tmp.persist(&path).map_err(|e| e.error).with_context(|| {
                    format!("moving the output into place at {}", path.display())
                })?;
                Ok(())
            }
        }
    }
}

/// `--out` and `--output-format`, for `find` and `query`.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Write the result to this file instead of standard output, in the format its
    /// extension names (.txt, .jsonl, .csv, .tsv, .parquet), compressed when it ends in
    /// .gz, .zst or .xz. The file appears only once complete.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The output format, whatever the extension of --out: text, jsonl, csv, tsv, parquet
    /// (a file only) or passim (one JSON object per reprint).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output_format: Option<OutputFormat>,
}

impl OutputArgs {
    /// The target of these flags; `json` is the older `--json` (JSON Lines by default).
    pub fn target(&self, json: bool) -> anyhow::Result<Target> {
        let default = if json {
            OutputFormat::Jsonl
        } else {
            OutputFormat::Text
        };
        let format = self.output_format.or(if json && self.out.is_none() {
            Some(OutputFormat::Jsonl)
        } else {
            None
        });
        Target::new(self.out.as_deref(), format, default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn target(path: &str) -> anyhow::Result<Target> {
        Target::new(Some(Path::new(path)), None, OutputFormat::Text)
    }

    #[test]
    fn the_extension_names_format_and_compression() {
        let t = target("dir/kept.csv.gz").unwrap();
        assert_eq!(
            (t.format, t.compression),
            (OutputFormat::Csv, Compression::Gzip)
        );
        let t = target("a.JSONL.zst").unwrap();
        assert_eq!(
            (t.format, t.compression),
            (OutputFormat::Jsonl, Compression::Zstd)
        );
        let t = target("a.tsv.xz").unwrap();
        assert_eq!(
            (t.format, t.compression),
            (OutputFormat::Tsv, Compression::Xz)
        );
        let err = target("kept.dat").unwrap_err().to_string();
        assert!(err.contains("unknown output extension"), "{err}");
        let t = Target::new(
            Some(Path::new("kept.dat")),
            Some(OutputFormat::Passim),
            OutputFormat::Text,
        )
        .unwrap();
        assert_eq!(t.format, OutputFormat::Passim);
        assert!(target("a.parquet.gz").is_err());
        assert!(Target::new(None, Some(OutputFormat::Parquet), OutputFormat::Text).is_err());
    }

    #[test]
    fn a_file_appears_only_when_finished_and_decompresses() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["out.jsonl", "out.jsonl.gz", "out.jsonl.zst", "out.jsonl.xz"] {
            let path = dir.path().join(name);
            let mut out = target(path.to_str().unwrap()).unwrap().open().unwrap();
            out.write_all(b"{\"a\":1}\n").unwrap();
            assert!(!path.exists(), "{name} before finish");
            out.finish().unwrap();
            let mut text = String::new();
            chorus_input::open_decompressed(&path)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            assert_eq!(text, "{\"a\":1}\n", "{name}");
            // dropped unfinished: nothing left, the finished file untouched
            let mut out = target(path.to_str().unwrap()).unwrap().open().unwrap();
            out.write_all(b"half").unwrap();
            drop(out);
        }
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 4, "no temporary files left behind");
    }
}
