//! The manifest: the one file that says which segments and tombstones make up the index.
//!
//! Every change to the index (a batch added, documents removed, segments merged) writes its
//! new files first, syncs them, and then commits by writing a new manifest to `MANIFEST.tmp`,
//! syncing it, renaming it over `MANIFEST` (atomic on POSIX file systems) and syncing the
//! folder. A reader or a writer after a crash sees either the old manifest or the new one,
//! never a mix; files that no manifest names are leftovers of an interrupted change and are
//! deleted by the next writer.

use crate::error::{Error, IoContext, Result};
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

/// The on-disk format version this build reads and writes. Bump it on any change to the
/// manifest, segment or tombstone layout.
pub const FORMAT_VERSION: u32 = 3;

pub(crate) const MANIFEST: &str = "MANIFEST";
pub(crate) const MANIFEST_TMP: &str = "MANIFEST.tmp";
pub(crate) const LOCK: &str = "LOCK";

/// One segment as the manifest names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SegmentEntry {
    pub id: u64,
    /// Documents stored in the segment file (live and deleted).
    pub docs: u32,
    /// Documents deleted by tombstones.
    pub deleted: u32,
    /// File name of the tombstone list, when some documents are deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tombstones: Option<String>,
}

impl SegmentEntry {
    pub fn live(&self) -> u32 {
        self.docs - self.deleted
    }

    pub fn file_name(&self) -> String {
        segment_file_name(self.id)
    }
}

pub(crate) fn segment_file_name(id: u64) -> String {
    format!("seg-{id:010}.seg")
}

pub(crate) fn tombstone_file_name(id: u64, generation: u64) -> String {
    format!("seg-{id:010}.{generation:010}.del")
}

/// The committed state of the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub format_version: u32,
    /// Incremented by every commit.
    pub generation: u64,
    /// Words per fingerprint; fixed when the index is created.
    pub ngram: usize,
    pub next_segment: u64,
    pub segments: Vec<SegmentEntry>,
}

impl Manifest {
    pub fn new(ngram: usize) -> Manifest {
        Manifest {
            format_version: FORMAT_VERSION,
            generation: 0,
            ngram,
            next_segment: 1,
            segments: Vec::new(),
        }
    }

    /// Reads `dir/MANIFEST`, checking the format version before anything else.
    /// Live documents over all segments.
    pub fn live_documents(&self) -> u64 {
        self.segments.iter().map(|s| u64::from(s.live())).sum()
    }

    pub fn load(dir: &Path) -> Result<Manifest> {
        let path = dir.join(MANIFEST);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotAnIndex {
                    path: dir.to_path_buf(),
                });
            }
            Err(e) => return Err(e).at(&path),
        };
        let corrupt = |detail: String| Error::IndexCorrupt {
            path: path.clone(),
            detail,
        };
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        let found = value
            .get("format_version")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| corrupt("no format_version".into()))?;
        if found != u64::from(FORMAT_VERSION) {
            return Err(Error::FormatVersion {
                path,
                found,
                expected: FORMAT_VERSION,
            });
        }
        serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))
    }

    /// Commits this manifest (see the module documentation).
    pub fn commit(&self, dir: &Path) -> Result<()> {
        let tmp = dir.join(MANIFEST_TMP);
        let mut bytes = serde_json::to_vec_pretty(self).expect("manifest serialises");
        bytes.push(b'\n');
        {
            let mut f = File::create(&tmp).at(&tmp)?;
            f.write_all(&bytes).at(&tmp)?;
            f.sync_all().at(&tmp)?;
        }
        let path = dir.join(MANIFEST);
        fs::rename(&tmp, &path).at(&path)?;
        sync_dir(dir)
    }
}

/// A token of an index folder's last commit, cheap to take (one `stat` of the manifest, no
/// read): two stamps of the same folder differ when a commit (by any process) came between
/// them. Every commit renames a new manifest over the old one, so the stamp is the
/// manifest's modification time, length and (on Unix) inode; an absent index has a stamp
/// too, so that its creation is seen. [`crate::IndexReader::commit_stamp`] is the stamp
/// taken just before the snapshot read its manifest: a commit in between makes the
/// snapshot look older than it is, never newer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitStamp(Option<(std::time::SystemTime, u64, u64)>);

impl CommitStamp {
    /// The stamp of the index in `dir` now.
    pub fn of(dir: &Path) -> CommitStamp {
        let Ok(m) = fs::metadata(dir.join(MANIFEST)) else {
            return CommitStamp(None);
        };
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let inode = 0;
        CommitStamp(m.modified().ok().map(|t| (t, m.len(), inode)))
    }
}

/// Makes the folder's entries (new files, renames) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).at(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_other_versions() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Manifest::new(5);
        m.segments.push(SegmentEntry {
            id: 3,
            docs: 10,
            deleted: 1,
            tombstones: Some(tombstone_file_name(3, 7)),
        });
        m.commit(dir.path()).unwrap();
        assert_eq!(Manifest::load(dir.path()).unwrap(), m);
        let text = fs::read_to_string(dir.path().join(MANIFEST)).unwrap();
        fs::write(
            dir.path().join(MANIFEST),
            text.replace(
                &format!("\"format_version\": {FORMAT_VERSION}"),
                "\"format_version\": 99",
            ),
        )
        .unwrap();
        let err = Manifest::load(dir.path()).unwrap_err();
        assert!(
            matches!(err, Error::FormatVersion { found: 99, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("format version 99"));
    }

    #[test]
    fn the_commit_stamp_changes_with_every_commit() {
        let dir = tempfile::tempdir().unwrap();
        let absent = CommitStamp::of(dir.path());
        assert_eq!(absent, CommitStamp::of(dir.path()));
        let m = Manifest::new(5);
        m.commit(dir.path()).unwrap();
        let first = CommitStamp::of(dir.path());
        assert_ne!(first, absent);
        assert_eq!(first, CommitStamp::of(dir.path()));
        // the same bytes again, at once: a new file all the same
        m.commit(dir.path()).unwrap();
        assert_ne!(CommitStamp::of(dir.path()), first);
    }
}
