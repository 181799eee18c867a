//! Opening plain, `.xz` and `.gz` files, and reading JSON Lines with line context.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::{EvalError, Result};

/// Opens `path`, decompressing `.xz` (liblzma) or `.gz` (flate2) by extension.
pub(crate) fn open_reader(path: &Path) -> Result<Box<dyn BufRead>> {
    let file = File::open(path).map_err(|e| EvalError::io(path, e))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    Ok(if name.ends_with(".xz") {
        Box::new(BufReader::new(liblzma::read::XzDecoder::new(
            BufReader::new(file),
        )))
    } else if name.ends_with(".gz") {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(
            BufReader::new(file),
        )))
    } else {
        Box::new(BufReader::new(file))
    })
}

/// Reads a whole (possibly compressed) file as a string.
pub(crate) fn read_to_string(path: &Path) -> Result<String> {
    let mut s = String::new();
    open_reader(path)?
        .read_to_string(&mut s)
        .map_err(|e| EvalError::io(path, e))?;
    Ok(s)
}

/// `dir/name`, `dir/name.xz` or `dir/name.gz`, whichever exists first.
pub(crate) fn find_variant(dir: &Path, name: &str) -> Option<PathBuf> {
    ["", ".xz", ".gz"]
        .iter()
        .map(|ext| dir.join(format!("{name}{ext}")))
        .find(|p| p.is_file())
}

/// Calls `f(line_number, line)` for each non-blank line (numbered from 1).
pub(crate) fn for_each_line(
    reader: &mut dyn BufRead,
    source_name: &str,
    mut f: impl FnMut(usize, &str) -> Result<()>,
) -> Result<()> {
    let mut line = String::new();
    let mut n = 0;
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|e| EvalError::io(source_name, e))?;
        if read == 0 {
            return Ok(());
        }
        n += 1;
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            f(n, trimmed)?;
        }
    }
}
