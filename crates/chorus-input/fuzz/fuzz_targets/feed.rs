//! Feeds arbitrary bytes to the feed reader: it must report problems, never panic or hang.
#![no_main]

use chorus_input::{InputFormat, InputReader, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions::new()
        .format(InputFormat::Feed)
        .max_record_bytes(1 << 20);
    let mut reader = InputReader::new(opts).expect("valid options");
    let mut docs = 0usize;
    reader.read_stream("fuzz", data, |d| {
        assert!(!d.text.trim().is_empty());
        docs += 1;
    }, |p| {
        assert!(!p.reason.is_empty());
    });
    assert_eq!(reader.summary().documents, docs);
});
