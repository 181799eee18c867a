//! CLI tests: drive the real `chorus` binary in temporary directories.

mod find;
mod formulas;
mod index;
mod serve;
mod threads;
mod time_order;
mod util;
