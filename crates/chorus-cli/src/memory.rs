//! Where the commands that run the pipeline hold their documents and working data: in
//! memory, or on disk (`--low-memory`; the default from 512 MiB of text when the scratch
//! folder has room, and for corpora that would not fit in memory): input texts are spooled
//! to a scratch file and read back on demand, an index's texts are read from its
//! memory-mapped segments, and the pipeline keeps its index partitions in scratch files
//! ([`chorus_core::Storage::Disk`]). `--in-memory` keeps everything in memory.

use anyhow::Context;
use chorus_core::{Corpus, Document, Metadata, Storage, StoragePolicy, StorageRoom};
use chorus_store::available_memory;
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Corpora with at least this much text run on disk by default, when the scratch folder
/// has room: on 1 GB that mode measured faster as well as leaner (`find` 42 s and 3.1 GB
/// against 57 s and 6.0 GB, `dedup` likewise), on 100 MB 1.3× slower (BENCHMARKS.md).
const DISK_FROM_TEXT_BYTES: u64 = 512 << 20;

/// While reading inputs, how often (bytes of text) to check whether they should move to
/// disk: the text read so far is exact, whatever the compression of the files.
const CHECK_EVERY_BYTES: u64 = 64 << 20;

#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Memory")]
pub struct MemoryArgs {
    /// Keep the working data on disk: input texts spooled to a scratch file, index
    /// partitions in scratch files, tokens recomputed when needed (through a cache).
    /// Same results. The default from 512 MiB of text when the scratch folder has room
    /// (it is faster there too), and whenever the corpus would need more than the
    /// available memory (about 7 times its text).
    #[arg(long, conflicts_with = "in_memory")]
    pub low_memory: bool,
    /// Keep all working data in memory, whatever the corpus's size.
    #[arg(long)]
    pub in_memory: bool,
    /// When the working data is in memory, keep it compact: tokens packed and the index
    /// built from the n-grams that may be shared only (about 4.4 times the text at the peak
    /// on 100 MB instead of 8), at some 25 % more CPU. Same results.
    #[arg(long, conflicts_with = "low_memory")]
    pub compact_memory: bool,
    /// Folder for the scratch files (default: the system's temporary folder, $TMPDIR).
    #[arg(long, value_name = "DIR")]
    pub scratch_dir: Option<PathBuf>,
    /// Text from which a run goes on disk when there is room (not a flag: tests lower it).
    #[arg(skip = DISK_FROM_TEXT_BYTES)]
    pub disk_from_bytes: u64,
}

impl Default for MemoryArgs {
    fn default() -> Self {
        MemoryArgs {
            low_memory: false,
            in_memory: false,
            compact_memory: false,
            scratch_dir: None,
            disk_from_bytes: DISK_FROM_TEXT_BYTES,
        }
    }
}

impl MemoryArgs {
    /// Whether a corpus of `text_bytes` runs on disk ([`Storage::choose`]): asked for, too
    /// large for the memory available (saying so on stderr), or large enough for the disk
    /// mode to be faster and the scratch folder has room for it.
    pub fn on_disk(&self, text_bytes: u64) -> bool {
        let policy = if self.low_memory {
            StoragePolicy::Disk
        } else if self.in_memory {
            StoragePolicy::Memory
        } else {
            StoragePolicy::Auto {
                disk_from_bytes: Some(self.disk_from_bytes),
            }
        };
        let scratch_dir = self.scratch_base();
        let room = StorageRoom {
            available_memory: available_memory(),
            scratch_free: free_space(&scratch_dir),
            scratch_dir,
        };
        if let StoragePolicy::Auto { .. } = policy
            && let Some((need, available)) =
                Storage::memory_shortfall(text_bytes, room.available_memory)
        {
            eprintln!(
                "chorus: the corpus ({:.1} GB of text) needs about {:.1} GB of memory, more \
                 than the {:.1} GB available: keeping the working data on disk (--low-memory)",
                text_bytes as f64 / 1e9,
                need as f64 / 1e9,
                available as f64 / 1e9
            );
        }
        matches!(
            Storage::choose(text_bytes, policy, &room),
            Storage::Disk { .. }
        )
    }

    /// `work`, its working data compact ([`Storage::Compact`]) when it is in memory and
    /// `--compact-memory` asks for it.
    pub fn compact(&self, mut work: Workspace) -> Workspace {
        if self.compact_memory && work.storage == Storage::Memory {
            work.storage = Storage::Compact;
        }
        work
    }

    fn scratch_base(&self) -> PathBuf {
        self.scratch_dir.clone().unwrap_or_else(std::env::temp_dir)
    }

    /// The scratch folder, which must exist. Nothing is left in it after a run, even a
    /// killed one: the spool file is unlinked as soon as it is created, and the engine keeps
    /// its files in a private folder inside, which the next run removes if its owner was
    /// killed.
    pub fn scratch(&self) -> anyhow::Result<PathBuf> {
        let base = self.scratch_base();
        let meta = std::fs::metadata(&base)
            .with_context(|| format!("using the scratch folder {}", base.display()))?;
        anyhow::ensure!(
            meta.is_dir(),
            "the scratch folder {} is not a folder",
            base.display()
        );
        Ok(base)
    }
}

/// Bytes free for this user on the file system of `dir`.
#[cfg(unix)]
fn free_space(dir: &Path) -> Option<u64> {
    let st = rustix::fs::statvfs(dir).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

#[cfg(not(unix))]
fn free_space(_dir: &Path) -> Option<u64> {
    None
}

/// Holds documents as they are read: in memory until the text read so far says the run
/// belongs on disk (see [`MemoryArgs::on_disk`]), then in a spool file (the documents held
/// so far are moved there). Deciding on the text read, not on file sizes, keeps compressed
/// files and standard input from being misjudged.
pub struct DocumentSink<'m> {
    memory: &'m MemoryArgs,
    state: SinkState,
    bytes: u64,
    next_check: u64,
    failed: Option<anyhow::Error>,
}

enum SinkState {
    Memory(Vec<Document>),
    Spool(PathBuf, SpoolWriter),
}

impl<'m> DocumentSink<'m> {
    pub fn new(memory: &'m MemoryArgs) -> anyhow::Result<DocumentSink<'m>> {
        let state = if memory.low_memory {
            let dir = memory.scratch()?;
            let w = SpoolWriter::new(&dir)?;
            SinkState::Spool(dir, w)
        } else {
            SinkState::Memory(Vec::new())
        };
        Ok(DocumentSink {
            memory,
            state,
            bytes: 0,
            next_check: CHECK_EVERY_BYTES.min(memory.disk_from_bytes),
            failed: None,
        })
    }

    /// Takes one document. After a failed write the rest are dropped and [`finish`] says why.
    ///
    /// [`finish`]: DocumentSink::finish
    pub fn push(&mut self, d: Document) {
        if self.failed.is_some() {
            return;
        }
        self.bytes += d.text.len() as u64;
        match &mut self.state {
            SinkState::Spool(dir, w) => {
                if let Err(e) = w.push(d) {
                    self.failed = Some(spool_error(e, dir));
                }
            }
            SinkState::Memory(docs) => {
                docs.push(d);
                if self.bytes >= self.next_check && !self.memory.in_memory {
                    self.next_check =
                        self.bytes + CHECK_EVERY_BYTES.min(self.memory.disk_from_bytes);
                    if self.memory.on_disk(self.bytes) {
                        self.move_to_disk();
                    }
                }
            }
        }
    }

    fn move_to_disk(&mut self) {
        let SinkState::Memory(docs) = &mut self.state else {
            return;
        };
        let docs = std::mem::take(docs);
        let moved = self.memory.scratch().and_then(|dir| {
            let mut w = SpoolWriter::new(&dir)?;
            for d in docs {
                w.push(d).map_err(|e| spool_error(e, &dir))?;
            }
            Ok(SinkState::Spool(dir, w))
        });
        match moved {
            Ok(state) => self.state = state,
            Err(e) => self.failed = Some(e),
        }
    }

    /// The documents, and where the pipeline keeps its working data.
    pub fn finish(self) -> anyhow::Result<Workspace> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        Ok(match self.state {
            SinkState::Memory(docs) => Workspace::in_memory(Box::new(docs)),
            SinkState::Spool(dir, w) => {
                let docs = w
                    .finish()
                    .map_err(|e| e.context(dir.display().to_string()))?;
                Workspace::on_disk(Box::new(docs), dir)
            }
        })
    }
}

fn spool_error(e: std::io::Error, dir: &Path) -> anyhow::Error {
    anyhow::Error::new(e).context(format!("writing the spool file in {}", dir.display()))
}

/// The pipeline's documents and where it keeps its working data.
pub struct Workspace {
    pub docs: Box<dyn Corpus>,
    pub storage: Storage,
}

impl Workspace {
    pub fn in_memory(docs: Box<dyn Corpus>) -> Workspace {
        Workspace {
            docs,
            storage: Storage::Memory,
        }
    }

    /// On disk, the engine's files in a private folder inside `scratch`.
    pub fn on_disk(docs: Box<dyn Corpus>, scratch: PathBuf) -> Workspace {
        Workspace {
            docs,
            storage: Storage::on_disk(scratch, available_memory()),
        }
    }
}

/// Documents being written to a spool file.
pub struct SpoolWriter {
    out: BufWriter<File>,
    at: u64,
    docs: Vec<SpooledDoc>,
}

struct SpooledDoc {
    id: String,
    meta: Metadata,
    offset: u64,
    len: usize,
}

impl SpoolWriter {
    /// A spool file in `dir` (unlinked at once: it vanishes with the process).
    pub fn new(dir: &Path) -> anyhow::Result<SpoolWriter> {
        let file = tempfile::tempfile_in(dir)
            .with_context(|| format!("creating a spool file in {}", dir.display()))?;
        Ok(SpoolWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            at: 0,
            docs: Vec::new(),
        })
    }

    /// Appends a document: its text goes to the file, its id and metadata stay in memory.
    pub fn push(&mut self, d: Document) -> std::io::Result<()> {
        self.out.write_all(d.text.as_bytes())?;
        self.docs.push(SpooledDoc {
            id: d.id,
            meta: d.meta,
            offset: self.at,
            len: d.text.len(),
        });
        self.at += d.text.len() as u64;
        Ok(())
    }

    pub fn finish(self) -> anyhow::Result<SpooledCorpus> {
        let file = self
            .out
            .into_inner()
            .map_err(|e| e.into_error())
            .context("writing the spool file")?;
        Ok(SpooledCorpus {
            file,
            docs: self.docs,
        })
    }
}

/// Documents whose texts are read from a spool file when asked for.
pub struct SpooledCorpus {
    file: File,
    docs: Vec<SpooledDoc>,
}

impl SpooledCorpus {
    fn read(&self, d: &SpooledDoc) -> std::io::Result<String> {
        let mut buf = vec![0u8; d.len];
        read_at(&self.file, &mut buf, d.offset)?;
        String::from_utf8(buf).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, offset)
}

#[cfg(windows)]
fn read_at(f: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_read(f, buf, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

impl Corpus for SpooledCorpus {
    fn len(&self) -> usize {
        self.docs.len()
    }
    fn id(&self, i: usize) -> &str {
        &self.docs[i].id
    }
    fn meta(&self, i: usize) -> &Metadata {
        &self.docs[i].meta
    }
    fn text(&self, i: usize) -> chorus_core::Result<Cow<'_, str>> {
        // the spool file is private to this process and was written whole: a failed read
        // is a failing disk, which ends the run with an error
        let d = &self.docs[i];
        self.read(d)
            .map(Cow::Owned)
            .map_err(|e| chorus_core::Error::text(&d.id, e))
    }
    fn text_len(&self, i: usize) -> usize {
        self.docs[i].len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_the_working_data_goes() {
        let auto = MemoryArgs::default();
        assert!(!auto.on_disk(10 << 20)); // small corpora stay in memory
        let forced = MemoryArgs {
            low_memory: true,
            ..MemoryArgs::default()
        };
        assert!(forced.on_disk(0));
        let in_memory = MemoryArgs {
            in_memory: true,
            ..MemoryArgs::default()
        };
        assert!(!in_memory.on_disk(u64::MAX / 8));
        // large: on disk when the scratch folder has room
        let dir = tempfile::tempdir().unwrap();
        let here = MemoryArgs {
            scratch_dir: Some(dir.path().to_path_buf()),
            ..MemoryArgs::default()
        };
        let free = free_space(dir.path()).unwrap();
        if free / chorus_core::SCRATCH_PER_TEXT_BYTE >= DISK_FROM_TEXT_BYTES
            && Storage::memory_shortfall(DISK_FROM_TEXT_BYTES, available_memory()).is_none()
        {
            assert!(here.on_disk(DISK_FROM_TEXT_BYTES));
        }
    }

    #[test]
    fn documents_move_to_disk_once_the_text_read_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let args = MemoryArgs {
            scratch_dir: Some(dir.path().to_path_buf()),
            disk_from_bytes: 100,
            ..MemoryArgs::default()
        };
        let docs: Vec<Document> = (0..30)
            .map(|i| Document::new(format!("d{i}"), format!("text number {i} of the corpus")))
            .collect();
        let mut sink = DocumentSink::new(&args).unwrap();
        for d in docs.clone() {
            sink.push(d);
        }
        let work = sink.finish().unwrap();
        assert!(matches!(work.storage, Storage::Disk { .. }));
        assert_eq!(work.docs.len(), docs.len());
        for (i, d) in docs.iter().enumerate() {
            assert_eq!(&work.docs.document(i).unwrap(), d);
        }
        // under the threshold, or with --in-memory, they stay in memory
        for args in [
            MemoryArgs::default(),
            MemoryArgs {
                in_memory: true,
                disk_from_bytes: 100,
                ..MemoryArgs::default()
            },
        ] {
            let mut sink = DocumentSink::new(&args).unwrap();
            for d in docs.clone() {
                sink.push(d);
            }
            assert_eq!(sink.finish().unwrap().storage, Storage::Memory);
        }
        drop(work);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn spooled_documents_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SpoolWriter::new(dir.path()).unwrap();
        let mut a = Document::new("a", "Héllo “world”.");
        a.meta.source = Some("x".into());
        let b = Document::new("b", "");
        let c = Document::new("c", "third");
        for d in [a.clone(), b.clone(), c.clone()] {
            w.push(d).unwrap();
        }
        let s = w.finish().unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s.document(0).unwrap(), a);
        assert_eq!(s.document(1).unwrap(), b);
        assert_eq!(s.document(2).unwrap(), c);
        assert_eq!(s.text_len(0), a.text.len());
    }
}
