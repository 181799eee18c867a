//! CLI tests: drive the real `chorus` binary in temporary directories.

mod daily;
mod find;
mod formulas;
mod index;
mod output;
mod report;
mod serve;
mod threads;
mod time_order;
mod util;
// the https receiver needs rustls in the binary
#[cfg(feature = "https")]
mod watch;
