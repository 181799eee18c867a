//! One module per subcommand.

pub mod eval;
pub mod find;
pub mod index;
pub mod query;
