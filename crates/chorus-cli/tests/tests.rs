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
mod watch;
