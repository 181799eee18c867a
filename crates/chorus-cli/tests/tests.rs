//! CLI tests: drive the real `chorus` binary in temporary directories.

mod find;
mod index;
mod report;
mod serve;
mod threads;
mod time_order;
mod util;
mod watch;
