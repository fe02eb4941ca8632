//! Log formats: the closed set anonlog understands, detection, and the one
//! definition of a record's own time.
//!
//! Each submodule knows the syntax of one family and nothing about keys or
//! policies; it returns byte ranges that the rewriter acts on. Detection looks
//! at the first meaningful line of an input (and, for CSV, at its header and
//! first row). The submodules never refer back to this one: it composes them.
//! The format notes the parsers rely on are in `docs/formats.md`.

pub mod access;
pub mod bbb;
pub mod combinator;
pub mod csv;
pub mod escape;
pub mod layout;
pub mod moodle;
pub mod syslog;

use std::ops::Range;

pub use combinator::{strip_bom, ParseError, BOM};

/// A log format, as given to `--format` or detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The Apache/nginx access-log family (see [`access`]).
    Access,
    /// BigBlueButton component logs (see [`bbb`]).
    Bbb,
    /// Moodle's `logstore_standard_log` exported as CSV (see [`moodle`]).
    MoodleLogstore,
    /// Moodle's Logs report downloaded as CSV (see [`moodle`]).
    MoodleReport,
    /// No structure: every line goes through the generic scrubber.
    Generic,
}

impl Format {
    /// The name used on the command line and in summaries.
    pub fn name(self) -> &'static str {
        match self {
            Format::Access => "access",
            Format::Bbb => "bbb",
            Format::MoodleLogstore => "moodle-logstore",
            Format::MoodleReport => "moodle-report",
            Format::Generic => "generic",
        }
    }

    /// The Moodle export this format is, if it is one.
    pub fn moodle_kind(self) -> Option<moodle::Kind> {
        match self {
            Format::MoodleLogstore => Some(moodle::Kind::Logstore),
            Format::MoodleReport => Some(moodle::Kind::Report),
            _ => None,
        }
    }
}

/// The sample of an input that detection and CSV dialect sniffing look at.
pub const SAMPLE_LEN: usize = 64 * 1024;

/// Does a line say anything detection can go by: neither blank nor a `#`
/// comment? (The stream reader waits for one such line before its first
/// block, so detection sees the same bytes for a file and a pipe.)
pub fn is_meaningful(line: &[u8]) -> bool {
    !line.starts_with(b"#") && !line.iter().all(u8::is_ascii_whitespace)
}

/// Does `data` contain a line that format detection can go by
/// ([`is_meaningful`])?
pub fn has_meaningful_line(data: &[u8]) -> bool {
    data.split(|&b| b == b'\n')
        .map(strip_bom)
        .any(is_meaningful)
}

/// Detects the format of an input from its first line that is neither blank
/// nor a `#` comment: `access` when that line has a CLF timestamp, `bbb` when
/// it is a BigBlueButton log line, `moodle-logstore` or `moodle-report` when
/// it is the header of such a CSV export ([`moodle::Schema::from_sample`]),
/// `generic` otherwise. An input without such a line is `access`, whose
/// fallback covers any line.
///
/// Only one line decides, so that detection needs no more input than the
/// first line: a log piped in by Apache gets its first line out at once, and
/// a streamed input is detected exactly as the same bytes read from a file.
/// Mixed files are still handled line by line: in an `access` input, lines
/// that are not access lines go to the `--on-unparsed` fallback.
pub fn detect(sample: &[u8]) -> Format {
    let first = sample
        .split(|&b| b == b'\n')
        .map(strip_bom)
        .find(|l| is_meaningful(l));
    match first {
        Some(line) if access::find_time(line).is_some() => Format::Access,
        Some(line) if bbb::parse(line).is_ok() => Format::Bbb,
        Some(_) => match moodle::Schema::from_sample(&sample[..sample.len().min(SAMPLE_LEN)], None)
        {
            Some(s) if s.kind == moodle::Kind::Logstore => Format::MoodleLogstore,
            Some(_) => Format::MoodleReport,
            None => Format::Generic,
        },
        None => Format::Access,
    }
}

/// The format of an input, `forced` or detected from `sample` (its first
/// bytes, up to [`SAMPLE_LEN`]), and for a Moodle export its schema. The
/// schema is `None` when the format is not a Moodle one, or when a Moodle
/// format was forced on a sample whose header does not map to columns.
pub fn detect_with_schema(
    sample: &[u8],
    forced: Option<Format>,
) -> (Format, Option<moodle::Schema>) {
    let sample = &sample[..sample.len().min(SAMPLE_LEN)];
    let format = forced.unwrap_or_else(|| detect(sample));
    let schema = format
        .moodle_kind()
        .and_then(|k| moodle::Schema::from_sample(sample, Some(k)));
    (format, schema)
}

/// A line parsed in one of the line formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// An access line.
    Access(access::AccessLine),
    /// A BigBlueButton line.
    Bbb(bbb::BbbLine),
}

/// Parses `line` (without its terminator) in `format`. Lines of the CSV
/// formats are records and go through their schema; here they are not
/// understood, like every line of `generic`.
#[inline(always)]
pub fn parse_line(format: Format, line: &[u8]) -> Result<Parsed, ParseError> {
    match format {
        Format::Access => access::parse(line).map(Parsed::Access),
        Format::Bbb => bbb::parse(line).map(Parsed::Bbb),
        Format::Generic | Format::MoodleLogstore | Format::MoodleReport => Err(ParseError {
            field: "line",
            offset: 0,
        }),
    }
}

/// The own time of a line, given what parsing it gave: the parsed line's
/// time (none when it has no time of its own, like a stack-trace line), or
/// for a line not understood the first timestamp [`unparsed_line_time`]
/// finds in it. This is the time that chooses a line's epoch key, that
/// `--since`/`--until` and dated outputs go by, and that retention ages a
/// record by.
#[inline]
pub fn line_time(parsed: &Result<Parsed, ParseError>, line: &[u8]) -> Option<i64> {
    match parsed {
        Ok(Parsed::Access(a)) => a.timestamp,
        Ok(Parsed::Bbb(b)) => b.timestamp,
        Err(_) => unparsed_line_time(line),
    }
}

/// Scratch space for [`record_time`]: the fields of a CSV record and a
/// decoded value, reused from record to record.
#[derive(Debug, Default)]
pub struct TimeScratch {
    fields: Vec<Range<usize>>,
    dec: Vec<u8>,
}

/// The own time of one record (a line, or with a `schema` a CSV record,
/// without its terminator) of an input in `format`: [`line_time`] of the
/// parsed line, or the record's `timecreated` / report Time.
pub fn record_time(
    format: Format,
    schema: Option<&moodle::Schema>,
    rec: &[u8],
    scratch: &mut TimeScratch,
) -> Option<i64> {
    match schema {
        Some(s) => {
            s.dialect.split(rec, &mut scratch.fields);
            s.record_time(rec, &scratch.fields, &mut scratch.dec)
        }
        None => line_time(&parse_line(format, rec), rec),
    }
}

/// The time of a line that no parser understood, when it starts with (or
/// has after one leading word) a timestamp anonlog knows: a CLF `[...]` time
/// anywhere, ISO 8601 (`2020-04-14T15:57:14.463-04:00`, `... 17:33:24,165Z`),
/// or nginx's error-log `2012/04/09 11:53:29`. Times without a zone count as
/// UTC.
pub fn unparsed_line_time(line: &[u8]) -> Option<i64> {
    if let Some((_, Some(t))) = access::find_time(line) {
        return Some(t);
    }
    let after_word = line
        .iter()
        .position(|&b| b == b' ')
        .map(|p| &line[p + 1..])
        .unwrap_or(&[]);
    let iso = |s: &[u8]| crate::time::iso8601_prefix(s).map(|(t, _)| t);
    iso(line).or_else(|| iso(after_word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        let access =
            b"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326\n";
        assert_eq!(detect(access), Format::Access);
        let error = b"2012/04/09 11:53:29 [error] 2865#0: *1 user \"x\" was not found\n";
        assert_eq!(detect(error), Format::Generic);
        let commented =
            b"# failJSON: {}\n\n1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\" 200 1\n";
        assert_eq!(detect(commented), Format::Access);
        let bom = b"\xEF\xBB\xBF1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\" 200 1\n";
        assert_eq!(detect(bom), Format::Access);
        assert_eq!(detect(b""), Format::Access);
        assert_eq!(detect(b"# only a comment\n\n"), Format::Access);
    }

    #[test]
    fn record_times_see_past_a_syslog_header() {
        let mut s = TimeScratch::default();
        let wrapped = b"Nov 10 10:00:00 bbb1 bbb-web[812]: 2026-11-10T10:00:00.000+00:00 ERROR o.b.api.MeetingService - x";
        assert_eq!(
            record_time(Format::Bbb, None, wrapped, &mut s),
            Some(1_794_304_800)
        );
        let trace = b"Nov 10 10:00:00 bbb1 bbb-web[812]: \tat a.B.c(B.java:0)";
        assert_eq!(record_time(Format::Bbb, None, trace, &mut s), None);
        let error = b"2012/04/09 11:53:29 [error] 2865#0: x";
        assert_eq!(
            record_time(Format::Access, None, error, &mut s),
            Some(1_333_972_409)
        );
    }
}
