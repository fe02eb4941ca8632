//! The Apache/nginx access-log family (CLF): common, combined, combinedio,
//! vhost_combined, nginx `main`, and the variants of docs/formats.md §1.
//!
//! The parser anchors on the bracketed timestamp, which every member of the
//! family has, and splits the line there:
//!
//! ```text
//! head                                    time                         tail
//! [vhost[:port]] client[, xff...] ident user [10/Oct/2000:13:55:36 -0700] [tokens] "request" [status [size [fields...]]]
//! ```
//!
//! The head is parsed into roles (vhost, client addresses, ident, user) by
//! [`parse_head`]; the user field is whatever follows the ident, so Moodle's
//! `%{MOODLEUSER}n` with spaces and "X as Y" is one field. The tail is checked
//! by nom parsers (quoted request with Apache `\"` or nginx `\x22` escaping,
//! status, size, then quoted, bracketed or bare trailing fields); its contents
//! are rewritten by the free-text scrubber, which needs no more structure.
//!
//! Format references: Apache `mod_log_config` (LogFormat, "Format Notes" on
//! escaping), nginx `ngx_http_log_module` (`combined`, `escape=`).

use std::ops::Range;

use nom::bytes::complete::take_while1;
use nom::{IResult, Parser};

use super::combinator::{bracketed, clf_time_body, quoted, syslog_header, ParseError};
use crate::ip;

/// A parsed access line: byte ranges into the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLine {
    /// Everything before the timestamp, without the separating space.
    pub head: Range<usize>,
    /// The timestamp including its brackets.
    pub time: Range<usize>,
    /// The timestamp as Unix seconds, when it could be computed.
    pub timestamp: Option<i64>,
    /// The request line, inside its quotes.
    pub request: Range<usize>,
    /// The status code, when present.
    pub status: Option<u16>,
    /// Quoted fields after the status and size (referer, user agent, more).
    pub quoted_after: [Option<Range<usize>>; 2],
    /// Everything after the timestamp.
    pub tail: Range<usize>,
    /// Where the fields after the combined layout begin: after the user agent
    /// when there are two quoted fields after the request, else after the
    /// status and size. Equal to the line length when there are none.
    pub extra: usize,
}

/// What a part of the head is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A server name (`%v`, `%v:%p`): copied verbatim.
    Vhost,
    /// One or more client addresses (`%h`, X-Forwarded-For lists, quoted or not).
    Client,
    /// The identd name (`%l`).
    Ident,
    /// The authenticated user (`%u`, `%{MOODLEUSER}n`), possibly with spaces.
    User,
    /// Anything else kept verbatim (moosh's `T:` timings).
    Other,
}

/// A part of the head: its role and byte range in the line.
pub type Part = (Role, Range<usize>);

/// Finds the timestamp: the first `[` at the start of the line or after a space
/// whose body is a CLF time. Returns its range (with brackets) and value.
pub fn find_time(line: &[u8]) -> Option<(Range<usize>, Option<i64>)> {
    for p in memchr::memchr_iter(b'[', line) {
        if p > 0 && line[p - 1] != b' ' {
            continue;
        }
        if let Ok((rest, t)) = clf_time_body(&line[p + 1..]) {
            if rest.first() == Some(&b']') {
                let end = line.len() - rest.len() + 1;
                return Some((p..end, t));
            }
        }
    }
    None
}

/// Parses a whole line.
pub fn parse(line: &[u8]) -> Result<AccessLine, ParseError> {
    let (time, timestamp) = find_time(line).ok_or(ParseError {
        field: "time",
        offset: 0,
    })?;
    let head_end = line[..time.start]
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(0, |p| p + 1);
    let tail = time.end..line.len();
    let t = parse_tail(&line[tail.clone()]).map_err(|(field, rest)| ParseError {
        field,
        offset: line.len() - rest,
    })?;
    let shift = |r: Range<usize>| r.start + tail.start..r.end + tail.start;
    Ok(AccessLine {
        head: 0..head_end,
        time,
        timestamp,
        request: shift(t.request),
        status: t.status,
        quoted_after: t.quoted_after.map(|q| q.map(shift)),
        extra: t.extra + tail.start,
        tail,
    })
}

struct Tail {
    request: Range<usize>,
    status: Option<u16>,
    quoted_after: [Option<Range<usize>>; 2],
    extra: usize,
}

fn spaces(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while1(|b| b == b' ' || b == b'\t').parse(i)
}

fn bare(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while1(|b: u8| b != b' ' && b != b'\t' && b != b'"').parse(i)
}

/// `[status [size]]` after the request: three digits or `-`, then digits or `-`.
fn status(i: &[u8]) -> IResult<&[u8], Option<u16>> {
    let (rest, s) = bare(i)?;
    if s == b"-" {
        return Ok((rest, None));
    }
    if s.len() == 3 && s.iter().all(u8::is_ascii_digit) {
        let v = s.iter().fold(0u16, |a, b| a * 10 + u16::from(b - b'0'));
        return Ok((rest, Some(v)));
    }
    Err(nom::Err::Error(nom::error::Error::new(
        i,
        nom::error::ErrorKind::Digit,
    )))
}

/// The tail after the timestamp. Errors carry the failing field and the
/// length of the unparsed rest.
fn parse_tail(s: &[u8]) -> Result<Tail, (&'static str, usize)> {
    let err = |field, rest: &[u8]| (field, rest.len());
    let off = |rest: &[u8]| s.len() - rest.len();
    let (mut i, _) = spaces(s).map_err(|_| err("separator after time", s))?;
    // Up to eight bare tokens before the request: gandi's `(0 s)`, a host
    // after the time, mod_ssl's `%h %{SSL_PROTOCOL}x %{SSL_CIPHER}x`, Nginx
    // Proxy Manager's `- 404 404 - GET http host`.
    let mut n = 0;
    while i.first() != Some(&b'"') {
        if n == 8 {
            return Err(err("request", i));
        }
        let (r, _) = bare(i).map_err(|_| err("request", i))?;
        let (r, _) = spaces(r).map_err(|_| err("request", r))?;
        i = r;
        n += 1;
    }
    let qs = off(i) + 1;
    let (r, body) = quoted(i).map_err(|_| err("request", i))?;
    let request = qs..qs + body.len();
    i = r;
    let mut status_v = None;
    let mut quoted_after: [Option<Range<usize>>; 2] = [None, None];
    let mut field_no = 0usize;
    let mut q = 0;
    let mut after_size = None;
    let mut after_ua = None;
    loop {
        if i.is_empty() {
            break;
        }
        let (r, _) = spaces(i).map_err(|_| err("field separator", i))?;
        i = r;
        if i.is_empty() {
            break; // trailing white space
        }
        let r = if i[0] == b'"' {
            let qs = off(i) + 1;
            let (r, body) = quoted(i).map_err(|_| err("quoted field", i))?;
            if q < 2 {
                quoted_after[q] = Some(qs..qs + body.len());
                q += 1;
            }
            r
        } else if i[0] == b'[' {
            bracketed(i).map_err(|_| err("bracketed field", i))?.0
        } else if field_no == 0 {
            let (r, st) = status(i).map_err(|_| err("status", i))?;
            status_v = st;
            r
        } else {
            // `key="value"` (e.g. X-Forwarded-For="a, b") is one field.
            let (r, _) = bare(i).map_err(|_| err("field", i))?;
            if r.first() == Some(&b'"') {
                quoted(r).map_err(|_| err("quoted field", r))?.0
            } else {
                r
            }
        };
        i = r;
        field_no += 1;
        if field_no == 2 {
            after_size = Some(off(i));
        }
        if q == 2 && after_ua.is_none() {
            after_ua = Some(off(i));
        }
    }
    Ok(Tail {
        request,
        status: status_v,
        quoted_after,
        extra: after_ua.or(after_size).unwrap_or(s.len()),
    })
}

/// Splits a head into tokens: runs of non-space bytes; a `"`-quoted run is one
/// token; a token ending in `,` joins the next (X-Forwarded-For lists).
fn head_tokens(line: &[u8], head: Range<usize>, out: &mut Vec<Range<usize>>) {
    let mut i = head.start;
    let end = head.end;
    while i < end {
        while i < end && line[i] == b' ' {
            i += 1;
        }
        if i >= end {
            break;
        }
        let start = i;
        loop {
            if line[i] == b'"' {
                match memchr::memchr(b'"', &line[i + 1..end]) {
                    Some(p) => i = i + 1 + p + 1,
                    None => i = end,
                }
            }
            while i < end && line[i] != b' ' && line[i] != b'"' {
                i += 1;
            }
            if i < end && line[i] == b'"' {
                continue;
            }
            // `a, b`: the comma ends this token but the list goes on.
            if i < end && i > start && line[i - 1] == b',' {
                while i < end && line[i] == b' ' {
                    i += 1;
                }
                if i < end {
                    continue;
                }
            }
            break;
        }
        out.push(start..i);
    }
}

/// Is this token one or more client addresses (an address with optional port
/// or brackets, a comma list, or a quoted list)?
fn is_addrish(tok: &[u8]) -> bool {
    tok.first() == Some(&b'"')
        || tok == b"localhost"
        || tok == b"unix:"
        || ip::looks_like_client(tok)
        || tok.contains(&b',')
}

/// `name:port` that is not an address: a `%v:%p` server name.
fn is_host_port(tok: &[u8]) -> bool {
    match memchr::memrchr(b':', tok) {
        Some(c) if c > 0 => {
            let port = &tok[c + 1..];
            !port.is_empty()
                && port.len() <= 5
                && port.iter().all(u8::is_ascii_digit)
                && tok[..c]
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'-' || *b == b'_')
                && tok[..c].iter().any(u8::is_ascii_alphabetic)
        }
        _ => false,
    }
}

/// Assigns roles to the head of a line, filling `parts` in line order (empty
/// for an empty head). `toks` is scratch space, reused across lines.
///
/// The rules, in order (see docs/formats.md §1.5 for the real lines behind them):
/// 1. moosh's `H: vhost U: user T: ... | ` prefix is taken off first;
/// 2. a first token that is not an address is a vhost when the second one is,
///    or when it is `name:port` and at least three tokens follow;
/// 3. all following address-like tokens (addresses, `ip:port`, comma lists,
///    quoted lists, `localhost`, `unix:`) are clients; when there is none, the
///    next token is a client host name;
/// 4. of the rest, one token is the ident and the remainder the user field,
///    except `name:port ident user`, where the first is a vhost printed after
///    the client.
pub fn parse_head(
    line: &[u8],
    head: Range<usize>,
    toks: &mut Vec<Range<usize>>,
    parts: &mut Vec<Part>,
) {
    parts.clear();
    let mut head = head;
    // Access lines sent through syslog: `Mar 24 14:02:50 web1 nginx: ` is
    // the relay's header (time, server, program), kept as it is.
    if let Some(h) = syslog_header(&line[head.clone()]) {
        parts.push((Role::Other, head.start..head.start + h));
        head = head.start + h..head.end;
    }
    if line[head.clone()].starts_with(b"H: ") {
        if let Some(h) = moosh_prefix(line, head.clone(), parts) {
            head = h;
        }
    }
    toks.clear();
    head_tokens(line, head, toks);
    let t = |k: usize| &line[toks[k].clone()];
    let n = toks.len();
    if n == 0 {
        return;
    }
    let mut c = 0;
    let first_addr = is_addrish(t(0));
    if n >= 4 && !first_addr && (is_addrish(t(1)) || is_host_port(t(0))) {
        parts.push((Role::Vhost, toks[0].clone()));
        c = 1;
    }
    // Every address-like token from here on is a client: a server address in
    // the vhost position, an X-Forwarded-For list and the connecting peer
    // alike. Truncating a server address too costs nothing.
    let first = c;
    while c < n && ((c == 0 && first_addr) || (c > 0 && is_addrish(t(c)))) {
        parts.push((Role::Client, toks[c].clone()));
        c += 1;
    }
    if c == first {
        // A host name in the client position (HostnameLookups On).
        parts.push((Role::Client, toks[c].clone()));
        c += 1;
    }
    let r = n - c;
    match r {
        0 => {}
        1 => parts.push((Role::User, toks[c].clone())),
        2 => {
            parts.push((Role::Ident, toks[c].clone()));
            parts.push((Role::User, toks[c + 1].clone()));
        }
        _ => {
            let mut k = c;
            if r == 3 && is_host_port(t(k)) {
                parts.push((Role::Vhost, toks[k].clone()));
                k += 1;
            }
            parts.push((Role::Ident, toks[k].clone()));
            parts.push((Role::User, toks[k + 1].start..toks[n - 1].end));
        }
    }
}

/// `H: <vhost> U: <user> T: <timings> | <rest>` (moosh's extended Moodle
/// format). Pushes the vhost, user and timing parts and returns the range of
/// the rest.
fn moosh_prefix(line: &[u8], head: Range<usize>, parts: &mut Vec<Part>) -> Option<Range<usize>> {
    let h = &line[head.clone()];
    let u = memchr::memmem::find(h, b" U: ")?;
    let t = u + memchr::memmem::find(&h[u..], b" T: ")?;
    let bar = t + memchr::memmem::find(&h[t..], b" | ")?;
    let b = head.start;
    parts.push((Role::Vhost, b + 3..b + u));
    parts.push((Role::User, b + u + 4..b + t));
    parts.push((Role::Other, b + t + 4..b + bar));
    Some(b + bar + 3..head.end)
}

#[cfg(test)]
mod tests;
