//! The relay header a syslog sender or relay puts in front of a message:
//! where it ends, which program (tag or APP-NAME) sent the message, and where
//! its host name is. Owns the syntax of the header only; what a header is
//! rewritten into is decided by the rewriters, and how messages arrive by
//! `crate::listen`.
//!
//! The headers recognised, each seen in real configurations:
//!
//! ```text
//! RFC 3164, as nginx writes it (ngx_syslog.c: "<%ui>%V %V %V: " and, with
//! `nohostname`, "<%ui>%V %V: "):
//!   <190>Dec  2 05:03:46 web1 nginx_access: MSG
//!   <190>Dec  2 05:03:46 nginx_access: MSG
//! rsyslog's RSYSLOG_TraditionalFileFormat (no PRI), tag with a pid, and
//! with the relay's host in front of nginx's own (NethServer/nethsecurity#897):
//!   Dec  2 05:03:46 web1 bbb-web[812]: MSG
//!   Nov 11 14:07:18 relay web1 nginx: MSG
//! rsyslog's RSYSLOG_FileFormat (RFC 3339 time, microseconds, offset):
//!   2026-12-02T05:03:46.123456+01:00 web1 nginx: MSG
//! RFC 5424 (RSYSLOG_SyslogProtocol23Format, Vector, syslog-ng):
//!   <165>1 2026-12-02T05:03:46.123Z web1 app 1234 ID47 [id k="v\]"] MSG
//!   <165>1 2026-12-02T05:03:46.123Z web1 app - - - MSG
//! ```
//!
//! Every field has a length bound and the scanner never goes back, so the
//! time spent is linear in the header and bounded by [`MAX_HEADER`].

use std::ops::Range;

/// The longest header recognised: RFC 5424's fields at their maximum lengths
/// (255 + 48 + 128 + 32 bytes) leave most of this to structured data.
pub const MAX_HEADER: usize = 8 * 1024;

/// Which header grammar matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// RFC 3164 / BSD: `[<PRI>]Mmm dd HH:MM:SS [host ]tag[pid]: `.
    Bsd,
    /// rsyslog's file format: `[<PRI>]YYYY-MM-DDTHH:MM:SS[.frac]TZ [host ]tag[pid]: `.
    Iso,
    /// RFC 5424: `<PRI>VERSION TIME HOST APP PROCID MSGID SD `.
    Rfc5424,
}

/// A recognised header, as byte ranges of the line it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Which grammar matched.
    pub kind: Kind,
    /// The header's length: the message starts at this offset.
    pub len: usize,
    /// The program: the tag without its `[pid]` and colon, or RFC 5424's
    /// APP-NAME (`-` when nil).
    pub tag: Range<usize>,
    /// The host name, when the header has one (nginx's `nohostname` and
    /// RFC 5424's `-` have none); a relay's and the sender's host together
    /// when both are there.
    ///
    /// The rewriters keep the header as a part of its own and write it
    /// through the rule for a virtual host (addresses truncated, e-mail
    /// addresses and ids pseudonymized, plain names kept): the host of a
    /// syslog header is the machine that wrote the log, a web server or a
    /// relay, in the same position as the `%v` server name, not the
    /// client's machine. PRI, time, tag and pid are words that rule keeps.
    pub host: Option<Range<usize>>,
}

impl Header {
    /// Where the message starts (the same as [`Header::len`]).
    pub fn message_start(&self) -> usize {
        self.len
    }
}

/// Recognises the syslog header at the start of `line`, if there is one.
pub fn parse(line: &[u8]) -> Option<Header> {
    let line = &line[..line.len().min(MAX_HEADER)];
    let mut p = pri(line).unwrap_or(0);
    if p > 0 {
        if let Some(h) = rfc5424(line, p) {
            return Some(h);
        }
    }
    let kind;
    if let Some(n) = bsd_time(&line[p..]) {
        kind = Kind::Bsd;
        p += n;
    } else if let Some(n) = iso_time(&line[p..]) {
        kind = Kind::Iso;
        p += n;
    } else {
        return None;
    }
    // One space after the time (nginx and rsyslog write exactly one).
    if line.get(p) != Some(&b' ') {
        return None;
    }
    p += 1;
    // `tag: ` straight away (nginx's `nohostname`), or `host tag: `.
    if let Some((tag, end)) = tag_colon(line, p) {
        return Some(Header {
            kind,
            len: end,
            tag,
            host: None,
        });
    }
    let mut host_end = p + word(&line[p..], 255)?;
    let (tag, end) = match tag_colon(line, host_end + 1) {
        Some(t) => t,
        None => {
            // A relay's host in front of the sender's (rsyslog storing
            // what nginx sent with its host name): both are the host part.
            host_end += 1 + word(&line[host_end + 1..], 255)?;
            tag_colon(line, host_end + 1)?
        }
    };
    Some(Header {
        kind,
        len: end,
        tag,
        host: Some(p..host_end),
    })
}

/// `<PRI>`: 1 to 3 digits, at most 191 (facility 23, severity 7). Returns
/// its length.
fn pri(line: &[u8]) -> Option<usize> {
    if line.first() != Some(&b'<') {
        return None;
    }
    let n = line[1..].iter().take(4).position(|&b| b == b'>')?;
    let digits = &line[1..1 + n];
    if n == 0 || n > 3 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits
        .iter()
        .fold(0u32, |a, b| a * 10 + u32::from(b - b'0'));
    (v <= 191).then_some(n + 2)
}

/// `Mmm dd HH:MM:SS` (the day padded with a space or a zero): its length, 15.
fn bsd_time(s: &[u8]) -> Option<usize> {
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    if s.len() < 15 || !MONTHS.contains(&&s[..3]) || s[3] != b' ' {
        return None;
    }
    let day_ok = (s[4] == b' ' || s[4].is_ascii_digit()) && s[5].is_ascii_digit();
    let time_ok = s[6] == b' '
        && s[9] == b':'
        && s[12] == b':'
        && [7, 8, 10, 11, 13, 14]
            .iter()
            .all(|&i| s[i].is_ascii_digit());
    (day_ok && time_ok).then_some(15)
}

/// RFC 3339 `YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|±HH:MM)`: its length.
fn iso_time(s: &[u8]) -> Option<usize> {
    let shape = b"dddd-dd-ddTdd:dd:dd";
    if s.len() < shape.len() {
        return None;
    }
    let ok = shape.iter().zip(s).all(|(&c, &b)| match c {
        b'd' => b.is_ascii_digit(),
        _ => b == c,
    });
    if !ok {
        return None;
    }
    let mut p = shape.len();
    if s.get(p) == Some(&b'.') {
        let n = s[p + 1..]
            .iter()
            .take(10)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if n == 0 || n > 9 {
            return None;
        }
        p += 1 + n;
    }
    match s.get(p) {
        Some(b'Z') => Some(p + 1),
        Some(b'+' | b'-') => {
            let z = s.get(p + 1..p + 6)?;
            let ok = z[0].is_ascii_digit()
                && z[1].is_ascii_digit()
                && z[2] == b':'
                && z[3].is_ascii_digit()
                && z[4].is_ascii_digit();
            ok.then_some(p + 6)
        }
        _ => None,
    }
}

/// The length of a non-empty run of printable ASCII other than space, at
/// most `max` bytes long, that is followed by a space.
fn word(s: &[u8], max: usize) -> Option<usize> {
    let n = s
        .iter()
        .take(max + 1)
        .take_while(|&&b| b.is_ascii_graphic())
        .count();
    (n > 0 && n <= max && s.get(n) == Some(&b' ')).then_some(n)
}

/// A byte a tag may hold: printable ASCII except the space and the bytes
/// that end it (`:`, `[`, `]`).
fn tag_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b':' | b'[' | b']')
}

/// `tag[pid]: ` or `tag: ` at `p` (the colon followed by a space or the end
/// of the line). Returns the tag's range and where the message starts.
fn tag_colon(line: &[u8], p: usize) -> Option<(Range<usize>, usize)> {
    let s = line.get(p..)?;
    let n = s.iter().take(129).take_while(|&&b| tag_byte(b)).count();
    if n == 0 || n > 128 {
        return None;
    }
    let mut q = n;
    if s.get(q) == Some(&b'[') {
        let pid = s[q + 1..]
            .iter()
            .take(33)
            .take_while(|&&b| b.is_ascii_graphic() && b != b']' && b != b'[')
            .count();
        if pid == 0 || pid > 32 || s.get(q + 1 + pid) != Some(&b']') {
            return None;
        }
        q += pid + 2;
    }
    if s.get(q) != Some(&b':') {
        return None;
    }
    q += 1;
    match s.get(q) {
        Some(b' ') => Some((p..p + n, p + q + 1)),
        None => Some((p..p + n, p + q)),
        _ => None,
    }
}

/// RFC 5424 after a PRI of length `p`:
/// `VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]`.
fn rfc5424(line: &[u8], p: usize) -> Option<Header> {
    let s = &line[p..];
    let v = s.iter().take(3).take_while(|b| b.is_ascii_digit()).count();
    if v == 0 || v > 2 || s[0] == b'0' || s.get(v) != Some(&b' ') {
        return None;
    }
    let mut q = p + v + 1;
    // TIMESTAMP: `-` or RFC 3339.
    let t = if line.get(q) == Some(&b'-') {
        1
    } else {
        iso_time(&line[q..])?
    };
    if line.get(q + t) != Some(&b' ') {
        return None;
    }
    q += t + 1;
    let mut fields = [0..0, 0..0, 0..0, 0..0];
    for (f, max) in fields.iter_mut().zip([255, 48, 128, 32]) {
        let n = word(&line[q..], max)?;
        *f = q..q + n;
        q += n + 1;
    }
    let [host, app, _procid, _msgid] = fields;
    q += structured_data(&line[q..])?;
    let len = match line.get(q) {
        None => q,
        Some(b' ') => q + 1,
        _ => return None,
    };
    let host = (&line[host.clone()] != b"-").then_some(host);
    Some(Header {
        kind: Kind::Rfc5424,
        len,
        tag: app,
        host,
    })
}

/// STRUCTURED-DATA: `-` or one or more `[id param="value"...]`, where a
/// value may hold `\"`, `\\` and `\]`. Returns its length.
fn structured_data(s: &[u8]) -> Option<usize> {
    if s.first() == Some(&b'-') {
        return Some(1);
    }
    let mut p = 0;
    while s.get(p) == Some(&b'[') {
        p += 1;
        let mut quoted = false;
        loop {
            match *s.get(p)? {
                b'\\' if quoted => p += 2,
                b'"' => {
                    quoted = !quoted;
                    p += 1;
                }
                b']' if !quoted => {
                    p += 1;
                    break;
                }
                _ => p += 1,
            }
        }
    }
    (p > 0).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, line, header length, tag, host)
    const ROWS: &[(&str, &str, usize, &str, Option<&str>)] = &[
        (
            "nginx nohostname",
            "<190>Dec  2 05:03:46 nginx_access: 127.0.0.1 - -",
            35,
            "nginx_access",
            None,
        ),
        (
            "nginx with host",
            "<190>Dec  2 05:03:46 web1 nginx_access: 127.0.0.1",
            40,
            "nginx_access",
            Some("web1"),
        ),
        (
            "traditional with pid",
            "Nov 25 10:00:00 bbb1 bbb-web[812]: hello",
            35,
            "bbb-web",
            Some("bbb1"),
        ),
        (
            "rsyslog file format",
            "2026-12-02T05:03:46.123456+01:00 web1 nginx: x",
            45,
            "nginx",
            Some("web1"),
        ),
        (
            "iso with pri and Z",
            "<13>2026-12-02T05:03:46Z h t[1]: x",
            33,
            "t",
            Some("h"),
        ),
        (
            "5424 nil sd",
            "<165>1 2026-12-02T05:03:46.123Z web1 app 1234 ID47 - msg",
            53,
            "app",
            Some("web1"),
        ),
        (
            "5424 sd with escapes",
            r#"<165>1 2026-12-02T05:03:46.123Z web1 app - - [a k="x\]y\"z"][b@1 n="2"] msg"#,
            72,
            "app",
            Some("web1"),
        ),
        (
            "5424 nil host, no message",
            "<165>1 - - app - - -",
            20,
            "app",
            None,
        ),
        ("empty message", "Dec  2 05:03:46 h t:", 20, "t", Some("h")),
        (
            "relay and sender host",
            "Nov 11 14:07:18 NSec8-VM nsec8-vm nginx: 192.168.56.1",
            41,
            "nginx",
            Some("NSec8-VM nsec8-vm"),
        ),
    ];

    #[test]
    fn headers() {
        for &(name, line, len, tag, host) in ROWS {
            let h = parse(line.as_bytes()).unwrap_or_else(|| panic!("{name}: no header"));
            assert_eq!(h.len, len, "{name}: {:?}", &line[h.len..]);
            assert_eq!(&line[h.tag.clone()], tag, "{name}");
            assert_eq!(h.host.map(|r| &line[r]), host, "{name}");
        }
    }

    #[test]
    fn not_headers() {
        for line in [
            "127.0.0.1 - - [02/Dec/2026:05:03:46 +0000] \"GET / HTTP/1.1\" 200 5",
            "<192>Dec  2 05:03:46 h t: x",
            "<1x>Dec  2 05:03:46 h t: x",
            "Dec  2 05:03:46 h t:x",
            "Dec  2 05:03:46 a b c d: x",
            "Dec 2 05:03:46 h t: x",
            "2026-12-02 05:03:46 h t: x",
            "2026-12-02T05:03:46.1234567890Z h t: x",
            "<165>1 2026-12-02T05:03:46Z h a p m [x k=\"unterminated",
            "<165>1 2026-12-02T05:03:46Z h a p m -x",
            "Dec  2 05:03:46 h t[]: x",
            "",
            "<",
        ] {
            assert_eq!(parse(line.as_bytes()), None, "{line}");
        }
    }

    /// The fuzz target's invariants over every prefix of every row and every
    /// one-byte change of it, so that `cargo test` checks them too.
    #[test]
    fn invariants_under_mutation() {
        let check = |line: &[u8]| {
            let Some(h) = parse(line) else { return };
            assert!(h.len <= line.len(), "{line:?}");
            assert!(h.tag.start < h.tag.end && h.tag.end <= h.len, "{line:?}");
            if let Some(host) = &h.host {
                assert!(host.start < host.end && host.end <= h.tag.start, "{line:?}");
            }
            assert_eq!(parse(&line[..h.len]), Some(h), "{line:?}");
        };
        for &(_, line, ..) in ROWS {
            let b = line.as_bytes();
            for n in 0..=b.len() {
                check(&b[..n]);
            }
            for i in 0..b.len() {
                for x in [
                    b' ', b':', b'[', b']', b'"', b'\\', b'-', b'<', b'>', b'0', b'a', 0xff,
                ] {
                    let mut m = b.to_vec();
                    m[i] = x;
                    check(&m);
                }
            }
        }
    }

    #[test]
    fn bounded() {
        let mut long = b"Dec  2 05:03:46 ".to_vec();
        long.extend(std::iter::repeat_n(b'a', 1 << 20));
        long.extend_from_slice(b": x");
        assert_eq!(parse(&long), None);
        let mut sd = b"<1>1 - - - - - [".to_vec();
        sd.extend(std::iter::repeat_n(b'a', 1 << 20));
        sd.extend_from_slice(b"] x");
        assert_eq!(parse(&sd), None);
    }
}
