//! Scratch folders: where a run keeps its working files when they do not fit in memory
//! (the index partitions of [`crate::corpus::Storage::Disk`]).
//!
//! Each run gets a folder of its own inside the folder the caller names, so that runs
//! sharing it never meet, and the folder is removed when the run drops it, also on errors.
//! A run that is killed cannot remove its folder, so the next run to create one removes
//! the folders whose lock file nobody holds any more.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// A folder of the index's own inside the caller's scratch folder: two runs given the same
/// folder do not meet, and whatever happens (an error half-way, a builder dropped unused)
/// the folder and its files are removed when this is dropped.
///
/// A run that is killed cannot remove its folder, so each folder holds a lock file
/// ([`SCRATCH_LOCK`]) that its run keeps locked (the operating system releases the lock
/// when the process ends, however it ends); a new folder first removes the folders beside
/// it whose lock is free. Only folders named exactly as these are (`chorus-scratch-PID-N`)
/// and holding that file are ever removed.
#[derive(Debug)]
pub(crate) struct ScratchFolder {
    pub path: PathBuf,
    _lock: std::fs::File,
}

const SCRATCH_PREFIX: &str = "chorus-scratch-";
const SCRATCH_LOCK: &str = ".chorus-scratch-lock";

/// Whether `name` is `chorus-scratch-PID-N`.
fn is_scratch_name(name: &str) -> bool {
    name.strip_prefix(SCRATCH_PREFIX)
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(pid, n)| {
            [pid, n]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
}

impl ScratchFolder {
    pub fn create_in(dir: &Path) -> Result<ScratchFolder> {
        remove_abandoned(dir);
        for i in 0u32.. {
            let path = dir.join(format!("{SCRATCH_PREFIX}{}-{i}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => {
                    let lock = path.join(SCRATCH_LOCK);
                    let file = std::fs::File::create(&lock)
                        .and_then(|f| f.try_lock().map_err(std::io::Error::from).map(|()| f));
                    return match file {
                        Ok(f) => Ok(ScratchFolder { path, _lock: f }),
                        Err(source) => {
                            let _ = std::fs::remove_dir_all(&path);
                            Err(Error::Spill { path: lock, source })
                        }
                    };
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(source) => return Err(Error::Spill { path, source }),
            }
        }
        unreachable!("some folder name is free")
    }
}

/// Removes the folders of killed runs in `dir`: those whose lock file nobody holds. A
/// folder without a lock file is being created (or is not ours) and is left alone.
fn remove_abandoned(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if !is_scratch_name(&e.file_name().to_string_lossy()) {
            continue;
        }
        let Ok(f) = std::fs::File::open(e.path().join(SCRATCH_LOCK)) else {
            continue;
        };
        if f.try_lock().is_ok() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

impl Drop for ScratchFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_of_killed_runs_are_removed_by_the_next_run() {
        let dir = crate::testing::scratch_dir("abandoned-test");
        // a killed run's folder: a lock file nobody holds, and its partitions
        let dead = dir.join(format!("{SCRATCH_PREFIX}4000000-0"));
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join(SCRATCH_LOCK), b"").unwrap();
        std::fs::write(dead.join("raw-000"), [0u8; 64]).unwrap();
        // a folder being created (no lock file yet) and someone else's folder
        let young = dir.join(format!("{SCRATCH_PREFIX}4000001-0"));
        std::fs::create_dir(&young).unwrap();
        let other = dir.join(format!("{SCRATCH_PREFIX}notes"));
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join(SCRATCH_LOCK), b"").unwrap();
        {
            let live = ScratchFolder::create_in(&dir).unwrap();
            assert!(!dead.exists());
            assert!(young.exists() && other.exists());
            // a run still going keeps its folder
            let next = ScratchFolder::create_in(&dir).unwrap();
            assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 4);
            drop((live, next));
        }
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
        for (name, ours) in [
            ("chorus-scratch-12-0", true),
            ("chorus-scratch-12-", false),
            ("chorus-scratch-notes", false),
            ("chorus-index-12-0", false),
            ("chorus-index", false),
        ] {
            assert_eq!(is_scratch_name(name), ours, "{name}");
        }
    }
}
