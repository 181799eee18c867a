//! Matching a result's document ids to truth documents. chorus reports the ids it was
//! given, which depend on the folder it ran on; [`DocResolver`] tries the exact id, then
//! the id with leading folders stripped, then a unique bare file name.

use std::collections::HashMap;

/// Maps a result's document ids to truth documents.
///
/// Exact ids first; then the id with leading folders stripped one at a time (chorus ran on a
/// parent folder: `indo_pan/source-documents/x.txt`); then the bare file name when it is
/// unique in the truth (chorus ran on a sub-folder). Backslashes count as `/`.
#[derive(Debug, Clone, Default)]
pub struct DocResolver {
    full: HashMap<String, usize>,
    by_name: HashMap<String, Option<usize>>,
}

fn normalize_id(id: &str) -> String {
    let id = id.replace('\\', "/");
    let mut s = id.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

fn file_name(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

impl DocResolver {
    pub fn new<'a>(ids: impl IntoIterator<Item = &'a str>) -> DocResolver {
        let mut r = DocResolver::default();
        for (i, id) in ids.into_iter().enumerate() {
            let id = normalize_id(id);
            r.by_name
                .entry(file_name(&id).to_string())
                .and_modify(|v| *v = None)
                .or_insert(Some(i));
            r.full.entry(id).or_insert(i);
        }
        r
    }

    /// The truth document index of a result id, if any.
    pub fn resolve(&self, id: &str) -> Option<usize> {
        let id = normalize_id(id);
        let mut rest = id.as_str();
        loop {
            if let Some(&i) = self.full.get(rest) {
                return Some(i);
            }
            match rest.find('/') {
                Some(pos) => rest = &rest[pos + 1..],
                None => break,
            }
        }
        self.by_name.get(file_name(&id)).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_matches_suffixes_and_unique_names() {
        let r = DocResolver::new([
            "source-documents/s1.txt",
            "suspicious-documents/x1.txt",
            "a/same.txt",
            "b/same.txt",
            "d0000001",
        ]);
        assert_eq!(r.resolve("source-documents/s1.txt"), Some(0));
        assert_eq!(r.resolve("indo_pan/suspicious-documents/x1.txt"), Some(1));
        assert_eq!(r.resolve(".\\indo_pan\\source-documents\\s1.txt"), Some(0));
        assert_eq!(r.resolve("x1.txt"), Some(1));
        assert_eq!(r.resolve("same.txt"), None);
        assert_eq!(r.resolve("top/b/same.txt"), Some(3));
        assert_eq!(r.resolve("d0000001"), Some(4));
        assert_eq!(r.resolve("d0000002"), None);
    }
}
