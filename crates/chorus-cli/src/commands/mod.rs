//! One module per subcommand.

pub mod dedup;
pub mod docs;
pub mod eval;
pub mod find;
pub mod index;
pub mod query;
pub mod report;
pub mod serve;
pub mod watch;
