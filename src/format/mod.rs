//! Log formats: the closed set anonlog understands, and detection.
//!
//! Each submodule knows the syntax of one family and nothing about keys or
//! policies; it returns byte ranges that the rewriter acts on. Detection looks
//! at the first line of an input (and, for CSV, at its header and first row).

pub mod access;
pub mod bbb;
pub mod combinator;
pub mod csv;
pub mod moodle;

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

/// The UTF-8 byte-order mark some tools (Moodle's CSV download, Windows
/// editors) write at the start of a file.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `s` without a leading [`BOM`].
pub fn strip_bom(s: &[u8]) -> &[u8] {
    s.strip_prefix(BOM).unwrap_or(s)
}

/// The sample of an input that detection and CSV dialect sniffing look at.
pub const SAMPLE_LEN: usize = 64 * 1024;

/// Does a line say anything detection can go by: neither blank nor a `#`
/// comment? (The stream reader waits for one such line before its first
/// block, so detection sees the same bytes for a file and a pipe.)
pub fn is_meaningful(line: &[u8]) -> bool {
    !line.starts_with(b"#") && !line.iter().all(u8::is_ascii_whitespace)
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

/// The time of a line that no parser understood, when it starts with (or
/// has after one leading word) a timestamp anonlog knows: a CLF `[...]` time
/// anywhere, ISO 8601 (`2020-04-14T15:57:14.463-04:00`, `... 17:33:24,165Z`),
/// or nginx's error-log `2012/04/09 11:53:29`. Times without a zone count as
/// UTC. Used to choose the epoch key of such lines.
pub fn line_timestamp(line: &[u8]) -> Option<i64> {
    if let Some((_, Some(t))) = access::find_time(line) {
        return Some(t);
    }
    let after_word = line
        .iter()
        .position(|&b| b == b' ')
        .map(|p| &line[p + 1..])
        .unwrap_or(&[]);
    iso_time(line).or_else(|| iso_time(after_word))
}

/// An ISO 8601 / logback time at the start of `s`: its value and length.
pub fn line_time_prefix(s: &[u8]) -> Option<(i64, usize)> {
    iso_time_len(s)
}

fn iso_time(s: &[u8]) -> Option<i64> {
    iso_time_len(s).map(|(t, _)| t)
}

/// A time given on the command line: `YYYY-MM-DD` (midnight UTC) or an ISO
/// date-time as [`line_timestamp`] reads them, the whole of `s`.
pub fn parse_iso(s: &[u8]) -> Option<i64> {
    if s.len() == 10 {
        let mut t = s.to_vec();
        t.extend_from_slice(b"T00:00:00Z");
        return iso_time(&t);
    }
    iso_time(s)
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.frac|,frac][Z|±hh:mm|±hhmm]` or
/// `YYYY/MM/DD HH:MM:SS` at the start of `s`, and its length.
fn iso_time_len(s: &[u8]) -> Option<(i64, usize)> {
    let d = |i: usize, n: usize| -> Option<i64> {
        let b = s.get(i..i + n)?;
        b.iter().try_fold(0i64, |a, &c| {
            c.is_ascii_digit().then(|| a * 10 + i64::from(c - b'0'))
        })
    };
    let sep = *s.get(4)?;
    if !(sep == b'-' || sep == b'/') || s.get(7) != Some(&sep) {
        return None;
    }
    if !matches!(s.get(10), Some(b'T' | b' '))
        || s.get(13) != Some(&b':')
        || s.get(16) != Some(&b':')
    {
        return None;
    }
    let (y, mo, da, h, mi, se) = (
        d(0, 4)?,
        d(5, 2)?,
        d(8, 2)?,
        d(11, 2)?,
        d(14, 2)?,
        d(17, 2)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 19;
    if matches!(s.get(i), Some(b'.' | b',')) {
        i += 1;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let off = match s.get(i) {
        Some(&c @ (b'+' | b'-')) => {
            let oh = d(i + 1, 2)?;
            let (om, len) = if s.get(i + 3) == Some(&b':') {
                (d(i + 4, 2)?, 6)
            } else {
                (d(i + 3, 2)?, 5)
            };
            i += len;
            let o = oh * 3600 + om * 60;
            if c == b'-' {
                -o
            } else {
                o
            }
        }
        Some(b'Z') => {
            i += 1;
            0
        }
        _ => 0,
    };
    let days = combinator::days_from_civil(y, mo as u32, da as u32);
    Some((days * 86_400 + h * 3600 + mi * 60 + se - off, i))
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
}
