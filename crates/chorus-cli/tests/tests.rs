//! CLI tests: drive the real `chorus` binary in temporary directories.

mod find;
mod index;
mod report;
mod serve;
mod threads;
mod time_order;
mod util;
// the https receiver needs rustls in the binary
#[cfg(feature = "https")]
mod watch;
