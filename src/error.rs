//! The library's error type.
//!
//! One `Error` with a documented [`ErrorKind`] and a message that names what
//! went wrong and where (file, line, field). The binary maps kinds to exit
//! statuses; nothing below the binary prints.

use std::fmt;

/// The broad class of an [`Error`], which decides the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An option or combination of options is invalid.
    Usage,
    /// A key file is missing, unreadable, malformed or too permissive.
    Key,
    /// Reading an input or writing the output failed.
    Io,
    /// A line could not be parsed and `--on-unparsed fail` was given.
    Unparsed,
}

/// An error with its kind and a human-readable message.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// A new error of `kind` with `message` (lowercase, no trailing period).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// An I/O error on `what` (usually a path or `<stdin>`).
    pub fn io(what: &str, err: &std::io::Error) -> Error {
        Error::new(ErrorKind::Io, format!("{what}: {err}"))
    }

    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the kind.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
