//! anonlog: anonymize and pseudonymize the logs of learning platforms.
//!
//! The library behind the `anonlog` command. Data flows one way:
//! [`input`] opens inputs, detects their [`format`](mod@format) and cuts them
//! into blocks of records; the parsers in `format` find the byte ranges that
//! matter; [`rewrite`] replaces the sensitive ones (using [`ip`],
//! [`pseudonym`] and [`keyring`]); [`pipeline`] runs that on all cores and
//! writes the results in input order to an [`output`], counting everything.
//! [`check`] looks at output for what survived, [`retention`] ages and
//! removes files on schedule (with [`config`]), and [`stats`] turns records
//! into de-identified statistics.
//!
//! ```
//! use anonlog::format::Format;
//! use anonlog::pseudonym::{Key, Pseudonymizer};
//! use anonlog::rewrite::{Options, Rewriter, Worker};
//!
//! let rw = Rewriter::new(Options::default(), Pseudonymizer::new(&Key::from_bytes([1; 32])));
//! let mut w = Worker::default();
//! let mut out = Vec::new();
//! let line = br#"192.0.2.77 - jdoe [10/Oct/2000:13:55:36 -0700] "GET /?sesskey=abc HTTP/1.0" 200 5"#;
//! rw.rewrite_line(&mut w, Format::Access, line, &mut None, &mut out);
//! let out = String::from_utf8(out).unwrap();
//! assert!(out.starts_with("192.0.2.0 - n_"));
//! assert!(out.contains("sesskey=REDACTED"));
//! ```

#![deny(missing_docs)]

pub mod check;
pub mod config;
pub mod error;
pub mod format;
pub mod input;
pub mod ip;
pub mod keyring;
pub mod listen;
pub mod moodledb;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod pseudonym;
pub mod report;
pub mod retention;
pub mod rewrite;
pub mod stats;
pub mod time;
pub mod useragent;
pub mod wake;
