//! Log formats: the closed set anonlog understands, and detection.
//!
//! Each submodule knows the syntax of one family and nothing about keys or
//! policies; it returns byte ranges that the rewriter acts on. Detection looks
//! at the first lines of an input and picks the format most of them parse as.

pub mod access;
pub mod combinator;

/// A log format, as given to `--format` or detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The Apache/nginx access-log family (see [`access`]).
    Access,
    /// No structure: every line goes through the generic scrubber.
    Generic,
}

impl Format {
    /// The name used on the command line and in summaries.
    pub fn name(self) -> &'static str {
        match self {
            Format::Access => "access",
            Format::Generic => "generic",
        }
    }
}

/// Detects the format of an input from its first line that is neither blank
/// nor a `#` comment: `access` when that line has a CLF timestamp, `generic`
/// otherwise. An input without such a line is `access`, whose fallback covers
/// any line.
///
/// Only one line decides, so that detection needs no more input than the
/// first line: a log piped in by Apache gets its first line out at once, and
/// a streamed input is detected exactly as the same bytes read from a file.
/// Mixed files are still handled line by line: in an `access` input, lines
/// that are not access lines go to the `--on-unparsed` fallback.
pub fn detect(sample: &[u8]) -> Format {
    let first = sample
        .split(|&b| b == b'\n')
        .map(|l| l.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(l))
        .find(|l| !l.starts_with(b"#") && !l.iter().all(u8::is_ascii_whitespace));
    match first {
        Some(line) if access::find_time(line).is_none() => Format::Generic,
        _ => Format::Access,
    }
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
