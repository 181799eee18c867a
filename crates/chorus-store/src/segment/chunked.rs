//! The file writer of a segment: whole 2 MiB chunks, written on a thread of its own, past
//! the page cache where the file system allows it.
//!
//! [`ChunkedWriter`] fills a 2 MiB buffer and hands it to its thread (a bounded queue of
//! [`QUEUED_CHUNKS`], buffers recycled), so laying a segment out and writing it overlap.
//! Every write but the last is a whole [`WRITE_CHUNK`] at a multiple of it. On Linux the
//! file is also opened with `O_DIRECT` and whole chunks (page-aligned buffers) go straight
//! from the buffer to the disk: a buffered write copies each byte into the page cache
//! first, which cost about a third of a bulk load's CPU (the kernel's copy ran at about
//! 400 MB/s here), and left every byte of a new segment dirty until the commit's `fsync`,
//! which then waited for all of it at once. Direct writes reach the disk while the load
//! goes on; the tail (less than a chunk) is written through the page cache, and the commit
//! still syncs the file (its size, the tail, the disk's cache). Where `O_DIRECT` is refused
//! (at open, or by a first write: tmpfs, some network file systems), the writer goes on
//! through the page cache. The thread stops at its first error, which the next write (or
//! [`ChunkedWriter::into_inner`]) returns.
//!
//! The segment is then not in the page cache, where a buffered write would have left it:
//! once it is synced, [`read_back`] asks the kernel to read it in, in the background, when
//! it is under a quarter of the available memory, so that the first queries after a load
//! do not each wait for the disk.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Bytes per write of a segment file. Whole 2 MiB writes at 2 MiB offsets leave the file in
/// the page cache as 2 MiB pages (when they go through it), which a reader that asks for
/// them ([`Segment::advise_huge_pages`](super::Segment::advise_huge_pages)) maps with one
/// TLB entry each instead of 512: a lookup's random reads then cost one cache miss, not a
/// page walk as well.
pub(crate) const WRITE_CHUNK: usize = 2 << 20;

/// Chunks queued for the writing thread beyond the one it writes: a direct write waits for
/// the disk, so a few are queued to keep the layout going meanwhile.
const QUEUED_CHUNKS: usize = 4;

/// Alignment of a direct write's buffer (the page size; file systems ask for at most this).
const ALIGN: usize = 4096;

/// A chunk buffer whose bytes start at a page boundary, as `O_DIRECT` needs (a `Vec`
/// longer by [`ALIGN`], used from its first aligned byte).
struct Chunk {
    mem: Vec<u8>,
    start: usize,
    len: usize,
}

impl Chunk {
    fn new() -> Chunk {
        let mem = vec![0u8; WRITE_CHUNK + ALIGN];
        let start = mem.as_ptr().align_offset(ALIGN).min(ALIGN);
        Chunk { mem, start, len: 0 }
    }

    fn bytes(&self) -> &[u8] {
        &self.mem[self.start..self.start + self.len]
    }

    /// Copies as much of `data` as fits; returns how much.
    fn fill(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(WRITE_CHUNK - self.len);
        let at = self.start + self.len;
        self.mem[at..at + n].copy_from_slice(&data[..n]);
        self.len += n;
        n
    }

    fn is_aligned(&self) -> bool {
        self.bytes().as_ptr().align_offset(ALIGN) == 0
    }
}

/// The file, opened twice: through the page cache, and (Linux) with `O_DIRECT`.
struct Files {
    plain: File,
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    direct: Option<File>,
}

/// Opens `path` for direct writes, if the system allows it.
#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(rustix::fs::OFlags::DIRECT.bits() as i32)
        .open(path)
        .ok()
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_: &Path) -> Option<File> {
    None
}

impl Files {
    /// Writes `chunk` at `pos`: directly when it is whole and aligned and direct writes
    /// work, else through the page cache.
    fn write_at(&mut self, chunk: &Chunk, pos: u64) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        if let Some(d) = &self.direct
            && chunk.len == WRITE_CHUNK
            && chunk.is_aligned()
        {
            use std::os::unix::fs::FileExt;
            match d.write_all_at(chunk.bytes(), pos) {
                Ok(()) => return Ok(()),
                // refused (alignment, or no direct I/O after all): the page cache from now
                Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => self.direct = None,
                Err(e) => return Err(e),
            }
        }
        self.plain.seek(SeekFrom::Start(pos))?;
        self.plain.write_all(chunk.bytes())
    }
}

/// Asks the kernel to read the written file (`len` bytes) back into the page cache, in the
/// background (`POSIX_FADV_WILLNEED`), when it is under a quarter of the available memory.
#[cfg(target_os = "linux")]
pub(crate) fn read_back(file: &File, len: u64) {
    if crate::corpus::available_memory().is_some_and(|m| len < m / 4) {
        let _ = rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::WillNeed);
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn read_back(_: &File, _: u64) {}

/// A file writer that writes only whole [`WRITE_CHUNK`]s (and the rest at the end), on a
/// thread of its own; see the module documentation.
pub(crate) struct ChunkedWriter {
    buf: Chunk,
    to_thread: Option<SyncSender<Chunk>>,
    /// Written chunks sent back for reuse.
    spare: Receiver<Chunk>,
    thread: Option<JoinHandle<std::io::Result<File>>>,
}

impl ChunkedWriter {
    /// Writes into `file` (new and empty), opened at `path`.
    pub(crate) fn new(file: File, path: &Path) -> ChunkedWriter {
        let mut files = Files {
            plain: file,
            direct: open_direct(path),
        };
        let (to_thread, chunks) = sync_channel::<Chunk>(QUEUED_CHUNKS);
        let (give_back, spare) = sync_channel::<Chunk>(QUEUED_CHUNKS + 1);
        let thread = std::thread::spawn(move || {
            let mut pos = 0u64;
            for mut chunk in chunks {
                files.write_at(&chunk, pos)?;
                pos += chunk.len as u64;
                chunk.len = 0;
                let _ = give_back.try_send(chunk);
            }
            Ok(files.plain)
        });
        ChunkedWriter {
            buf: Chunk::new(),
            to_thread: Some(to_thread),
            spare,
            thread: Some(thread),
        }
    }

    /// Waits for the thread; its error, or the file once it has written everything sent.
    fn join(&mut self) -> std::io::Result<File> {
        self.to_thread = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Err(std::io::Error::other("segment writer already finished")),
        }
    }

    /// Hands the buffer to the thread.
    fn send(&mut self) -> std::io::Result<()> {
        let next = self.spare.try_recv().unwrap_or_else(|_| Chunk::new());
        let chunk = std::mem::replace(&mut self.buf, next);
        let sent = match &self.to_thread {
            Some(t) => t.send(chunk).is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            // the thread stopped: its error
            self.join()?;
            Err(std::io::Error::other("segment writer stopped"))
        }
    }

    /// Writes what is buffered and returns the file (through the page cache; not synced).
    pub(crate) fn into_inner(mut self) -> std::io::Result<File> {
        self.send()?;
        self.join()
    }
}

impl Write for ChunkedWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = self.buf.fill(data);
        if self.buf.len == WRITE_CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    /// Does nothing: a partial chunk is written by [`ChunkedWriter::into_inner`] only, so
    /// that every other write stays whole and aligned.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes pieces of every size through a writer on `path`; returns the bytes written.
    fn write_pieces(path: &Path, total: usize) -> Vec<u8> {
        let mut w = ChunkedWriter::new(File::create(path).unwrap(), path);
        let mut want = Vec::new();
        let mut state = 7u64;
        while want.len() < total {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let piece: Vec<u8> = (0..(state >> 44) as usize % 300_000)
                .map(|i| (i as u64 ^ state) as u8)
                .collect();
            w.write_all(&piece).unwrap();
            want.extend_from_slice(&piece);
            // nothing but whole chunks reaches the file before the end
            let written = std::fs::metadata(path).unwrap().len() as usize;
            assert_eq!(written % WRITE_CHUNK, 0);
            assert!(written <= want.len() / WRITE_CHUNK * WRITE_CHUNK);
        }
        w.flush().unwrap();
        w.into_inner().unwrap().sync_all().unwrap();
        want
    }

    #[test]
    fn chunked_writer_keeps_every_byte_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chunks");
        let want = write_pieces(&path, 2 * WRITE_CHUNK + 12_345);
        assert_eq!(std::fs::read(&path).unwrap(), want);
    }

    /// Less than a chunk: all of it is the tail, written at the end.
    #[test]
    fn a_file_shorter_than_a_chunk_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short");
        let mut w = ChunkedWriter::new(File::create(&path).unwrap(), &path);
        w.write_all(b"a few bytes").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        w.into_inner().unwrap().sync_all().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"a few bytes");
    }

    /// Chunk buffers start at a page boundary, so direct writes can take them.
    #[test]
    fn chunks_are_page_aligned() {
        for _ in 0..4 {
            let mut c = Chunk::new();
            assert!(c.is_aligned());
            assert_eq!(c.fill(&vec![1u8; WRITE_CHUNK + 10]), WRITE_CHUNK);
            assert_eq!(c.bytes().len(), WRITE_CHUNK);
        }
    }

    /// On Linux, the file system of the temporary folder takes direct writes (so the
    /// test above wrote through them), or refuses them at open.
    #[cfg(target_os = "linux")]
    #[test]
    fn direct_writes_land_at_their_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("direct");
        File::create(&path).unwrap();
        let Some(direct) = open_direct(&path) else {
            return;
        };
        let mut files = Files {
            plain: File::options().write(true).open(&path).unwrap(),
            direct: Some(direct),
        };
        let mut c = Chunk::new();
        c.fill(&vec![7u8; WRITE_CHUNK]);
        files.write_at(&c, WRITE_CHUNK as u64).unwrap();
        let mut tail = Chunk::new();
        tail.fill(b"tail");
        files.write_at(&tail, 2 * WRITE_CHUNK as u64).unwrap();
        let got = std::fs::read(&path).unwrap();
        assert_eq!(got.len(), 2 * WRITE_CHUNK + 4);
        assert!(got[..WRITE_CHUNK].iter().all(|&b| b == 0));
        assert!(got[WRITE_CHUNK..2 * WRITE_CHUNK].iter().all(|&b| b == 7));
        assert_eq!(&got[2 * WRITE_CHUNK..], b"tail");
    }
}
