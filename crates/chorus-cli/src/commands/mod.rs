//! One module per subcommand.

//EVAL pub mod eval;
pub mod find;
