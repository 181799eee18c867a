//! Feeds arbitrary bytes to the mail reader: it must report problems, never panic or hang.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check(chorus_input::InputFormat::Mail, data));
