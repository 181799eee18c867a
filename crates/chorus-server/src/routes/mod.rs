//! One module per resource.

pub mod clusters;
pub mod documents;
pub mod page;
pub mod query;
pub mod system;
