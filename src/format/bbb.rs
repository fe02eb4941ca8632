//! BigBlueButton logs: the line kinds of bbb-web, bbb-apps-akka (2.x and
//! 3.x, with or without a journald identifier), the optional nginx
//! html5-client log, and Java stack traces.
//!
//! ```text
//! bbb-web:      2020-04-14T15:57:14.463-04:00 INFO  o.b.api.MeetingService - message
//! no time:      DEBUG o.b.web.controllers.ApiController - message
//! akka 2.x:     2015-06-08 17:33:24,165Z [thread] DEBUG o.b.c.p.r.Receiver - message
//! akka 3.x:     bbbAppsAkka 2025-09-16T14:57:22.286Z INFO  o.b.core2.AnalyticsActor - message
//! html5 client: 192.0.2.7 [2019-01-01T10:00:00+03:00] {\x22userId\x22:...}
//! syslog:       Nov 25 10:00:00 bbb1 bbb-web[812]: <any of the above>
//! stack trace:  \tat org.bigbluebutton.Foo.bar(Foo.java:42) / Caused by: ... / ... 12 more
//! ```
//!
//! The parser finds where the free-form part of a line starts (the message
//! after ` - `, the request body, the trace text). The message is rewritten
//! by the scrubber in free-text mode: JSON keys, parameter maps, query
//! strings, addresses, e-mail addresses (docs/formats.md §3); the part before it
//! (time, level, logger, thread, identifier) is scrubbed as well, fail-closed.

use nom::bytes::complete::{tag, take_while1, take_while_m_n};
use nom::{IResult, Parser};

use super::combinator::{syslog_header, ParseError};

/// What kind of line it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A logback line (bbb-web, bbb-apps-akka), with or without a time.
    Logback,
    /// A line of the nginx html5-client log: address, time, request body.
    Html5Client,
    /// A line of a Java stack trace.
    Trace,
}

/// A recognised line: its kind, where the part to rewrite starts, and its
/// time when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BbbLine {
    /// The kind of line.
    pub kind: Kind,
    /// Offset of the free-form part (message, body, trace text).
    pub message: usize,
    /// Unix seconds, when the line carries a time.
    pub timestamp: Option<i64>,
}

fn level(i: &[u8]) -> IResult<&[u8], &[u8]> {
    let (rest, l) = take_while1(|b: u8| b.is_ascii_uppercase()).parse(i)?;
    if matches!(
        l,
        b"TRACE" | b"DEBUG" | b"INFO" | b"WARN" | b"ERROR" | b"FATAL"
    ) {
        Ok((rest, l))
    } else {
        Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Tag,
        )))
    }
}

/// `LEVEL +logger - ` (logback's `%-5level %logger{35} - `): returns the
/// offset of the message.
fn level_logger(line: &[u8], at: usize) -> Option<usize> {
    let (rest, _) = level(&line[at..]).ok()?;
    let (rest, _) = take_while1::<_, _, nom::error::Error<&[u8]>>(|b| b == b' ')
        .parse(rest)
        .ok()?;
    let (rest, _) = take_while1::<_, _, nom::error::Error<&[u8]>>(|b: u8| {
        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'$' | b'_' | b'#' | b'-')
    })
    .parse(rest)
    .ok()?;
    let (rest, _) = tag::<_, _, nom::error::Error<&[u8]>>(" -")
        .parse(rest)
        .ok()?;
    let msg = line.len() - rest.len();
    Some(if rest.first() == Some(&b' ') {
        msg + 1
    } else {
        msg
    })
}

/// The ISO 8601 / logback time at `at` and the offset after it.
fn time_at(line: &[u8], at: usize) -> Option<(i64, usize)> {
    let t = crate::time::iso8601_prefix(&line[at..])?;
    Some((t.0, at + t.1))
}

/// Parses one line, also behind a syslog header (`Nov 25 10:00:00 host
/// bbb-web[812]: ...`), which is kept like the time and level.
pub fn parse(line: &[u8]) -> Result<BbbLine, ParseError> {
    if let Some(h) = syslog_header(line) {
        if let Ok(mut b) = parse_bare(&line[h..]) {
            b.message += h;
            return Ok(b);
        }
    }
    parse_bare(line)
}

fn parse_bare(line: &[u8]) -> Result<BbbLine, ParseError> {
    let fail = |field| Err(ParseError { field, offset: 0 });
    // A time at the start, or after one identifier word (journald, syslog).
    let starts = [0usize]
        .into_iter()
        .chain(identifier_end(line).map(|e| e + 1));
    for start in starts {
        if let Some((t, mut p)) = time_at(line, start) {
            // akka 2.x: ` [thread]`
            if line.get(p..p + 2) == Some(b" [") && start == 0 {
                if let Some(c) = memchr::memchr(b']', &line[p..]) {
                    let after = p + c + 1;
                    if line.get(after) == Some(&b' ') {
                        if let Some(m) = level_logger(line, after + 1) {
                            return Ok(BbbLine {
                                kind: Kind::Logback,
                                message: m,
                                timestamp: Some(t),
                            });
                        }
                    }
                }
            }
            if line.get(p) == Some(&b' ') {
                p += 1;
                if let Some(m) = level_logger(line, p) {
                    return Ok(BbbLine {
                        kind: Kind::Logback,
                        message: m,
                        timestamp: Some(t),
                    });
                }
            }
        }
    }
    if let Some(m) = level_logger(line, 0) {
        return Ok(BbbLine {
            kind: Kind::Logback,
            message: m,
            timestamp: None,
        });
    }
    if let Some(b) = html5_client(line) {
        return Ok(b);
    }
    if is_trace(line) {
        return Ok(BbbLine {
            kind: Kind::Trace,
            message: 0,
            timestamp: None,
        });
    }
    fail("bbb line")
}

/// `ident ` at the start: letters, digits and `-_.[]:` (journald and syslog
/// identifiers such as `bbbAppsAkka` or `bbb-web[1234]:`). Returns its end.
fn identifier_end(line: &[u8]) -> Option<usize> {
    let n = line
        .iter()
        .take_while(|&&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'[' | b']' | b':')
        })
        .count();
    (n > 0 && line.get(n) == Some(&b' ')).then_some(n)
}

/// `ip [time] body` (nginx `log_format postdata '$remote_addr [$time_iso8601] $request_body'`).
fn html5_client(line: &[u8]) -> Option<BbbLine> {
    let sp = memchr::memchr(b' ', line)?;
    crate::ip::parse_client(&line[..sp]).filter(|(_, s, e)| *s == 0 && *e == sp)?;
    if line.get(sp + 1) != Some(&b'[') {
        return None;
    }
    let (t, p) = time_at(line, sp + 2)?;
    if line.get(p..p + 2) != Some(b"] ") && line.get(p..p + 1) != Some(b"]") {
        return None;
    }
    Some(BbbLine {
        kind: Kind::Html5Client,
        message: 0,
        timestamp: Some(t),
    })
}

/// A line of a Java stack trace.
fn is_trace(line: &[u8]) -> bool {
    let trimmed = &line[line.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
    let indented = trimmed.len() < line.len();
    (indented && (trimmed.starts_with(b"at ") || trimmed.starts_with(b"... ")))
        || trimmed.starts_with(b"Caused by: ")
        || trimmed.starts_with(b"Suppressed: ")
        || exception_head(trimmed)
}

/// `java.lang.IllegalStateException: message` / `org.foo.BarError`.
fn exception_head(s: &[u8]) -> bool {
    let ident: IResult<&[u8], &[u8]> = take_while_m_n(3, 200, |b: u8| {
        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'$' | b'_')
    })
    .parse(s);
    match ident {
        Ok((rest, name)) => {
            name.contains(&b'.')
                && (name.ends_with(b"Exception") || name.ends_with(b"Error"))
                && (rest.is_empty() || rest.starts_with(b": "))
        }
        Err(_) => false,
    }
}

/// Is this a line that is nothing but a checksum of a request (`SHA256 <hex>`,
/// `SHA1 <hex>`), as ParamsProcessorUtil logs it? Returns the span of the hex.
pub fn checksum_line(msg: &[u8]) -> Option<(usize, usize)> {
    for prefix in [&b"SHA256 "[..], b"SHA1 ", b"SHA384 ", b"SHA512 "] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            let n = rest.iter().take_while(|b| b.is_ascii_hexdigit()).count();
            if n >= 40 {
                return Some((prefix.len(), prefix.len() + n));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, Some((kind, message, time)) or None for a rejected line)
    type Row = (&'static str, Option<(Kind, &'static str, Option<i64>)>);

    #[test]
    fn line_kinds() {
        #[rustfmt::skip]
        let rows: &[Row] = &[
            ("2020-04-14T15:57:14.463-04:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={}",
             Some((Kind::Logback, " --analytics-- data={}", Some(1586894234)))),
            ("2020-04-14T15:57:20.504-04:00 DEBUG o.b.web.controllers.ApiController - ApiController#join",
             Some((Kind::Logback, "ApiController#join", Some(1586894240)))),
            ("DEBUG o.b.web.controllers.ApiController - ApiController#create",
             Some((Kind::Logback, "ApiController#create", None))),
            ("2015-06-08 17:33:24,165Z [bigbluebutton-apps-system-akka.rediscala-subscriber-worker-dispatcher-10] DEBUG o.b.c.p.r.MeetingMessageReceiver - Checking message: x",
             Some((Kind::Logback, "Checking message: x", Some(1433784804)))),
            ("bbbAppsAkka 2025-09-16T14:57:22.286Z INFO  o.b.core2.AnalyticsActor - -- analytics -- {}",
             Some((Kind::Logback, "-- analytics -- {}", Some(1758034642)))),
            ("192.0.2.7 [2019-01-01T10:00:00+03:00] {\\x22a\\x22:1}",
             Some((Kind::Html5Client, "192.0.2.7 [2019-01-01T10:00:00+03:00] {\\x22a\\x22:1}", Some(1546326000)))),
            ("\tat org.bigbluebutton.web.Foo.bar(Foo.java:42)", Some((Kind::Trace, "\tat org.bigbluebutton.web.Foo.bar(Foo.java:42)", None))),
            ("Caused by: java.io.IOException: broken pipe", Some((Kind::Trace, "Caused by: java.io.IOException: broken pipe", None))),
            ("java.lang.IllegalStateException: x", Some((Kind::Trace, "java.lang.IllegalStateException: x", None))),
            ("\t... 12 more", Some((Kind::Trace, "\t... 12 more", None))),
            ("Nov 25 10:00:00 bbb1 bbb-web[812]: 2020-04-14T15:57:20.504-04:00 DEBUG o.b.web.controllers.ApiController - ApiController#join",
             Some((Kind::Logback, "ApiController#join", Some(1586894240)))),
            ("Nov  5 10:00:00 bbb1 bbb-apps-akka: INFO  o.b.core.Foo - x", Some((Kind::Logback, "x", None))),
            ("1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5", None),
            ("hello world", None),
            ("INFO is not a level line", None),
        ];
        for (line, want) in rows {
            let got = parse(line.as_bytes())
                .ok()
                .map(|b| (b.kind, &line[b.message..], b.timestamp));
            assert_eq!(got, *want, "{line}");
        }
    }

    #[test]
    fn checksum_lines() {
        let msg = b"SHA256 1a1e429664d548df9b9d098d8dbc07a1fd3b33918f515f372e4a4da323ec06d2";
        assert_eq!(checksum_line(msg), Some((7, msg.len())));
        assert_eq!(checksum_line(b"SHA1 abc"), None);
        assert_eq!(checksum_line(b"Retrieving meeting 52e96e72"), None);
    }
}
