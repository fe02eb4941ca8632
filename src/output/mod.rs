//! Output destinations: standard output, a file replaced atomically
//! ([`atomic`]), or dated files ([`dated`]).

pub mod atomic;
pub mod dated;

pub use atomic::{create_dirs, open_append, AtomicFile, FileOutput};
pub use dated::{DatedBlock, DatedOutput, DatedPath, DATED_FIELDS};
