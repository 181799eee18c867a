//! Finding the files under a folder.
//!
//! The tree is walked depth first; the files found are then sorted by their path relative
//! to the folder (compared as strings, `/`-separated), which becomes their id. Sorting makes
//! the order of documents, and so every result, independent of the file system. Names
//! starting with `.` are skipped unless asked for. Symbolic links to files are read;
//! symbolic links to folders are not followed (which rules out cycles). Other kinds of
//! entry (sockets, pipes, devices) are ignored.

use std::fs;
use std::path::{Path, PathBuf};

use crate::problem::{InputProblem, ProblemKind};

/// A file found under a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundFile {
    /// Where to open it.
    pub path: PathBuf,
    /// Its path relative to the folder, `/`-separated (non-UTF-8 names lossily converted).
    pub id: String,
}

/// Every file under `root`, sorted by id. Folders that cannot be read are reported and
/// skipped.
pub(crate) fn files_under(
    root: &Path,
    include_hidden: bool,
    on_problem: &mut dyn FnMut(InputProblem),
) -> Vec<FoundFile> {
    let mut found = Vec::new();
    walk(root, "", include_hidden, &mut found, on_problem);
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found
}

fn walk(
    dir: &Path,
    rel: &str,
    include_hidden: bool,
    found: &mut Vec<FoundFile>,
    on_problem: &mut dyn FnMut(InputProblem),
) {
    let unreadable = |path: &Path, what: &str, err: std::io::Error| {
        InputProblem::file(
            &path.display().to_string(),
            ProblemKind::Unreadable,
            format!("{what}: {err}"),
        )
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            on_problem(unreadable(dir, "cannot read folder", err));
            return;
        }
    };
    let mut entries: Vec<_> = entries
        .filter_map(|entry| {
            entry
                .map_err(|err| on_problem(unreadable(dir, "cannot read folder entry", err)))
                .ok()
        })
        .collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !include_hidden && name.starts_with('.') {
            continue;
        }
        let id = if rel.is_empty() {
            name.into_owned()
        } else {
            format!("{rel}/{name}")
        };
        let path = entry.path();
        let file_type = match entry.file_type() {
            Ok(file_type) => file_type,
            Err(err) => {
                on_problem(unreadable(&path, "cannot read file type", err));
                continue;
            }
        };
        if file_type.is_dir() {
            walk(&path, &id, include_hidden, found, on_problem);
        } else if file_type.is_file() {
            found.push(FoundFile { path, id });
        } else if file_type.is_symlink() {
            match fs::metadata(&path) {
                Ok(meta) if meta.is_file() => found.push(FoundFile { path, id }),
                Ok(_) => {}
                Err(err) => on_problem(unreadable(&path, "broken symbolic link", err)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_relative_ids_skipping_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for rel in [
            "b.txt",
            "a/z.txt",
            "a/b/c.txt",
            "a.txt",
            ".hidden",
            "a/.git/x",
            "c/.h.txt",
        ] {
            let path = root.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        let mut problems = Vec::new();
        let ids: Vec<String> = files_under(root, false, &mut |p| problems.push(p))
            .into_iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(ids, ["a.txt", "a/b/c.txt", "a/z.txt", "b.txt"]);
        assert!(problems.is_empty());
        let all = files_under(root, true, &mut |p| problems.push(p));
        assert_eq!(all.len(), 7);
    }
}
