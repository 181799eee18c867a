//! The check every target runs: arbitrary bytes through one reader must yield problems
//! (each with a reason) or documents (each with text), never a panic or a hang, and the
//! summary must count what was passed on.

use chorus_input::{InputFormat, InputReader, ReadOptions};

pub fn check(format: InputFormat, data: &[u8]) {
    let opts = ReadOptions::new().format(format).max_record_bytes(1 << 20);
    let mut reader = InputReader::new(opts).expect("valid options");
    let mut docs = 0usize;
    reader.read_stream(
        "fuzz",
        data,
        |d| {
            assert!(!d.text.trim().is_empty());
            docs += 1;
        },
        |p| {
            assert!(!p.reason.is_empty());
        },
    );
    assert_eq!(reader.summary().documents, docs);
}
