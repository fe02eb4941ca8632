//! The library's error type and the exit statuses it maps to.
//!
//! One [`Error`] with a documented [`ErrorKind`] and a message that names
//! what went wrong and where (file, line, field). The kind decides the exit
//! status ([`Error::exit_status`]); the binary prints the message and exits
//! with it. Nothing below the binary prints.

use std::fmt;

/// Exit status: every line read was written (or left out as asked).
pub const EXIT_OK: u8 = 0;
/// Exit status: the run finished but lost data (lines dropped, fields that
/// could not be read written as `REDACTED`), or a check found something.
pub const EXIT_LOST: u8 = 1;
/// Exit status: a usage, config, key, input or output error, or a line
/// stopped the run.
pub const EXIT_ERROR: u8 = 2;

/// The broad class of an [`Error`], which decides the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An option or combination of options is invalid.
    Usage,
    /// The config file cannot be read or is invalid.
    Config,
    /// A key file or keyring is missing, unreadable, malformed or too
    /// permissive.
    Key,
    /// An input cannot be read, or is not of the format it was said to be.
    Input,
    /// Writing an output (or the audit log) failed.
    Io,
    /// A line could not be parsed and `--on-unparsed fail` was given.
    Unparsed,
}

impl ErrorKind {
    /// The exit status of a run that ends with an error of this kind:
    /// [`EXIT_ERROR`] for every kind.
    pub fn exit_status(self) -> u8 {
        match self {
            ErrorKind::Usage
            | ErrorKind::Config
            | ErrorKind::Key
            | ErrorKind::Input
            | ErrorKind::Io
            | ErrorKind::Unparsed => EXIT_ERROR,
        }
    }
}

/// An error with its kind and a human-readable message.
#[derive(Debug, Clone)]
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

    /// An output error on `what` (usually a path or a description of it).
    pub fn io(what: &str, err: &std::io::Error) -> Error {
        Error::new(ErrorKind::Io, format!("{what}: {err}"))
    }

    /// An input error on `what` (an input's name, a path).
    pub fn input(what: &str, err: &dyn fmt::Display) -> Error {
        Error::new(ErrorKind::Input, format!("{what}: {err}"))
    }

    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the kind.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The exit status this error ends a run with (see [`ErrorKind`]).
    pub fn exit_status(&self) -> u8 {
        self.kind.exit_status()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
