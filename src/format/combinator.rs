//! What the log formats share: the [`ParseError`] they report, small nom
//! parsers (quoted fields with Apache and nginx escaping, bracketed CLF
//! timestamps, digits), the BSD syslog header a relay puts in front of any
//! line, and the UTF-8 byte-order mark.
//!
//! Every parser works on bytes and borrows from its input; none allocates.
//! Nothing here depends on another part of [`crate::format`] but the
//! syslog header grammar ([`super::syslog`]).

use nom::bytes::complete::{tag, take_while_m_n};
use nom::character::complete::{char, one_of};
use nom::combinator::{opt, recognize};
use nom::sequence::preceded;
use nom::{IResult, Parser};

use crate::time::days_from_civil;

/// Why a line is not a line of a format: the grammar element that failed
/// and the byte offset where it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError {
    /// The grammar element that did not match (`time`, `request`, `status`,
    /// `bbb line`...).
    pub field: &'static str,
    /// Byte offset in the line.
    pub offset: usize,
}

/// The UTF-8 byte-order mark some tools (Moodle's CSV download, Windows
/// editors) write at the start of a file.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `s` without a leading [`BOM`].
pub fn strip_bom(s: &[u8]) -> &[u8] {
    s.strip_prefix(BOM).unwrap_or(s)
}

/// The length of the syslog header at the start of `line` (RFC 3164 with
/// or without `<PRI>` and host name, rsyslog's file formats, RFC 5424), as
/// nginx, rsyslog and journald relays write it; see [`super::syslog`].
pub fn syslog_header(line: &[u8]) -> Option<usize> {
    super::syslog::parse(line).map(|h| h.len)
}

/// The body of a double-quoted field, up to (not including) the closing quote.
///
/// `\` escapes the byte after it, which covers Apache (`\"`, `\\`, `\xhh`) and
/// nginx (`\x22`, `\xHH`, which never contain a raw quote) alike.
pub fn quoted_body(i: &[u8]) -> IResult<&[u8], &[u8]> {
    let mut k = 0;
    while let Some(off) = memchr::memchr2(b'"', b'\\', &i[k..]) {
        let p = k + off;
        if i[p] == b'"' {
            return Ok((&i[p..], &i[..p]));
        }
        k = p + 2;
        if k > i.len() {
            break;
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(
        i,
        nom::error::ErrorKind::Char,
    )))
}

/// `"` body `"`; returns the body.
pub fn quoted(i: &[u8]) -> IResult<&[u8], &[u8]> {
    (char('"'), quoted_body, char('"'))
        .map(|(_, b, _)| b)
        .parse(i)
}

/// `[` body `]` where the body holds no `]`; returns the body.
pub fn bracketed(i: &[u8]) -> IResult<&[u8], &[u8]> {
    let (i, _) = char('[')(i)?;
    match memchr::memchr(b']', i) {
        Some(p) => Ok((&i[p + 1..], &i[..p])),
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Char,
        ))),
    }
}

/// Exactly `n` ASCII digits as a number.
pub fn digits_n(n: usize) -> impl Fn(&[u8]) -> IResult<&[u8], u32> {
    move |i| {
        take_while_m_n(n, n, |b: u8| b.is_ascii_digit())
            .map(|d: &[u8]| d.iter().fold(0u32, |a, b| a * 10 + u32::from(b - b'0')))
            .parse(i)
    }
}

/// English month abbreviation, as `%b` prints it in the C locale: 1 to 12.
fn month_en(i: &[u8]) -> IResult<&[u8], Option<u32>> {
    // Localised forms (`sept.`, `Okt`) are accepted as text without a value.
    let (rest, word) =
        take_while_m_n(3, 5, |b: u8| b.is_ascii_alphabetic() || b == b'.').parse(i)?;
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let m = MONTHS.iter().position(|m| *m == word).map(|p| p as u32 + 1);
    Ok((rest, m))
}

/// `±hhmm` as seconds east of UTC.
fn utc_offset(i: &[u8]) -> IResult<&[u8], i64> {
    (one_of("+-"), digits_n(2), digits_n(2))
        .map(|(sign, h, m)| {
            let s = i64::from(h * 3600 + m * 60);
            if sign == '-' {
                -s
            } else {
                s
            }
        })
        .parse(i)
}

/// The body of a CLF timestamp, `DD/Mon/YYYY:HH:MM:SS ±hhmm`, tolerating the
/// variants seen in real logs: a missing zone (`[31/Jan/2015:14:29:44 ]`),
/// fractional seconds (`:48.143`), a localised month (`sept.`). Returns the
/// time as Unix seconds when it can be computed (English month; a missing zone
/// counts as UTC), `None` otherwise.
pub fn clf_time_body(i: &[u8]) -> IResult<&[u8], Option<i64>> {
    if let Some(t) = clf_time_fast(i) {
        return Ok((&i[26..], Some(t)));
    }
    clf_time_general(i)
}

/// The exact shape every Apache and nginx writes, `DD/Mon/YYYY:HH:MM:SS
/// ±hhmm` followed by `]`, checked by position. Returns `None` for anything
/// else, which then goes through the general parser.
#[inline]
fn clf_time_fast(i: &[u8]) -> Option<i64> {
    let b = i.get(..27)?;
    if b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[14] != b':' || b[17] != b':' {
        return None;
    }
    if b[20] != b' ' || !(b[21] == b'+' || b[21] == b'-') || b[26] != b']' {
        return None;
    }
    let d = |k: usize| -> Option<u32> {
        let (x, y) = (b[k].wrapping_sub(b'0'), b[k + 1].wrapping_sub(b'0'));
        (x < 10 && y < 10).then_some(u32::from(x) * 10 + u32::from(y))
    };
    let (day, year_hi, year_lo) = (d(0)?, d(7)?, d(9)?);
    let (hh, mm, ss) = (d(12)?, d(15)?, d(18)?);
    let (oh, om) = (d(22)?, d(24)?);
    let month = match &b[3..6] {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    };
    if !((1..=31).contains(&day) && hh < 24 && mm < 60 && ss < 61) {
        return None;
    }
    let off = i64::from(oh * 3600 + om * 60);
    let off = if b[21] == b'-' { -off } else { off };
    let days = days_from_civil(i64::from(year_hi * 100 + year_lo), month, day);
    Some(days * 86_400 + i64::from(hh * 3600 + mm * 60 + ss) - off)
}

/// The general, tolerant CLF time parser (see [`clf_time_body`]).
fn clf_time_general(i: &[u8]) -> IResult<&[u8], Option<i64>> {
    let (i, (day, _, month, _, year, _, hh, _, mm, _, ss)) = (
        digits_n(2),
        char('/'),
        month_en,
        char('/'),
        digits_n(4),
        char(':'),
        digits_n(2),
        char(':'),
        digits_n(2),
        char(':'),
        digits_n(2),
    )
        .parse(i)?;
    let (i, _) = opt(recognize(preceded(
        char('.'),
        take_while_m_n(1, 9, |b: u8| b.is_ascii_digit()),
    )))
    .parse(i)?;
    let (i, off) = opt(preceded(tag(" "), utc_offset)).parse(i)?;
    let (i, _) = take_while_m_n(0, 2, |b: u8| b == b' ').parse(i)?;
    let valid = (1..=31).contains(&day) && hh < 24 && mm < 60 && ss < 61;
    let t = match month {
        Some(m) if valid => {
            let days = days_from_civil(i64::from(year), m, day);
            Some(days * 86_400 + i64::from(hh * 3600 + mm * 60 + ss) - off.unwrap_or(0))
        }
        _ => None,
    };
    Ok((i, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (input, Some((body, rest)) or None for a rejected input)
    type Row = (&'static [u8], Option<(&'static [u8], &'static [u8])>);

    #[test]
    fn quoted_fields() {
        #[rustfmt::skip]
        let rows: &[Row] = &[
            (br#""GET / HTTP/1.1" 200"#, Some((b"GET / HTTP/1.1", b" 200"))),
            (br#""""#, Some((b"", b""))),
            (br#""a\"b" x"#, Some((br#"a\"b"#, b" x"))),
            (br#""a\\" x"#, Some((br#"a\\"#, b" x"))),
            (br#""config[\\\"sipssys\\\"]" 1"#, Some((br#"config[\\\"sipssys\\\"]"#, b" 1"))),
            (br#""\x22quoted\x22""#, Some((br#"\x22quoted\x22"#, b""))),
            (br#""unterminated"#, None),
            (br#""ends in backslash\"#, None),
            (b"no quote", None),
        ];
        for (input, want) in rows {
            let got = quoted(input).ok().map(|(rest, body)| (body, rest));
            assert_eq!(got, *want, "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn clf_times() {
        #[rustfmt::skip]
        let rows: &[(&[u8], Option<Option<i64>>)] = &[
            (b"10/Oct/2000:13:55:36 -0700", Some(Some(971211336))),
            (b"01/Jan/1970:00:00:00 +0000", Some(Some(0))),
            (b"22/Jan/2019:03:56:14 +0330", Some(Some(1548116774))),
            (b"31/Jan/2015:14:29:44 ", Some(Some(1422714584))),
            (b"25/Feb/2019:16:19:48.143", Some(Some(1551111588))),
            (b"02/sept./2015:00:11:31 +0200", Some(None)),
            (b"February - 10, 2012:16:42:07", None),
            (b"1234", None),
        ];
        for (input, want) in rows {
            let got = clf_time_body(input).ok().map(|(_, t)| t);
            assert_eq!(got, *want, "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn brackets() {
        assert_eq!(bracketed(b"[a b] c"), Ok((&b" c"[..], &b"a b"[..])));
        assert!(bracketed(b"[open").is_err());
    }
}
