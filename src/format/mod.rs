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

/// How many non-blank, non-comment lines detection looks at.
pub const DETECT_LINES: usize = 64;

/// Detects the format of an input from its first bytes.
///
/// Looks at up to [`DETECT_LINES`] lines that are neither blank nor `#`
/// comments; an input is `access` when at least one of them parses as an
/// access line and at least half of them carry a CLF timestamp (so a file of
/// error-log lines with one stray access line stays generic). With no such
/// line at all, the answer is `access`, whose fallback covers any line.
pub fn detect(sample: &[u8]) -> Format {
    let mut seen = 0;
    let mut parsed = 0;
    let mut timed = 0;
    for line in sample.split(|&b| b == b'\n').take(DETECT_LINES * 4) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        if line.iter().all(|b| b.is_ascii_whitespace()) || line.starts_with(b"#") {
            continue;
        }
        seen += 1;
        if access::find_time(line).is_some() {
            timed += 1;
        }
        if access::parse(line).is_ok() {
            parsed += 1;
        }
        if seen == DETECT_LINES {
            break;
        }
    }
    if seen == 0 || (parsed > 0 && timed * 2 >= seen) {
        Format::Access
    } else {
        Format::Generic
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
        let error = b"[Sun Jun 09 07:57:47 2013] [error] [client 192.0.43.10] script not found\n\
                      2012/04/09 11:53:29 [error] 2865#0: *1 user \"x\" was not found\n";
        assert_eq!(detect(error), Format::Generic);
        assert_eq!(detect(b""), Format::Access);
        assert_eq!(detect(b"# only a comment\n\n"), Format::Access);
    }
}
