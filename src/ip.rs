//! IP addresses: recognising them in raw bytes and truncating them to a prefix.
//!
//! This module owns the one definition of "what an address looks like" that every
//! format and the generic scrubber share, and the one truncation rule
//! ([`IpPolicy`]). It knows nothing about log formats; callers hand it byte
//! slices and get back where an address starts, where it ends and what to write
//! instead.
//!
//! Output is canonical: IPv4 in dotted decimal, IPv6 in the RFC 5952 compressed
//! lowercase form that `std::net::Ipv6Addr` prints. An IPv4-mapped IPv6 address
//! (`::ffff:1.2.3.4`) is truncated with the IPv4 prefix and keeps its mapped form.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What happens to an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpMode {
    /// Truncated to the configured prefixes (the default).
    #[default]
    Truncate,
    /// Encrypted with ipcrypt-pfx under the epoch's key: prefix-preserving
    /// (two addresses in one subnet stay in one subnet), one-to-one, so
    /// clients stay distinct for abuse analysis, and unlinkable once the key
    /// is destroyed.
    Pfx,
}

/// How addresses are rewritten: the mode, and for truncation the number of
/// leading bits kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpPolicy {
    /// Leading bits kept of an IPv4 address (0 to 32). Default 24.
    pub v4_prefix: u8,
    /// Leading bits kept of an IPv6 address (0 to 128). Default 48.
    pub v6_prefix: u8,
    /// Truncation (default) or keyed prefix-preserving encryption.
    pub mode: IpMode,
}

impl Default for IpPolicy {
    fn default() -> Self {
        IpPolicy {
            v4_prefix: 24,
            v6_prefix: 48,
            mode: IpMode::Truncate,
        }
    }
}

impl IpPolicy {
    /// Truncates `addr` to the configured prefix.
    ///
    /// IPv4-mapped IPv6 addresses are truncated with the IPv4 prefix, so a
    /// dual-stack server logging `::ffff:a.b.c.d` keeps as much as one logging
    /// `a.b.c.d`.
    pub fn truncate(&self, addr: IpAddr) -> IpAddr {
        match addr {
            IpAddr::V4(v4) => IpAddr::V4(self.truncate_v4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V6(self.truncate_v4(v4).to_ipv6_mapped()),
                None => IpAddr::V6(self.truncate_v6(v6)),
            },
        }
    }

    fn truncate_v4(&self, addr: Ipv4Addr) -> Ipv4Addr {
        let bits = u32::from(addr);
        let mask = match self.v4_prefix {
            0 => 0,
            p if p >= 32 => u32::MAX,
            p => u32::MAX << (32 - u32::from(p)),
        };
        Ipv4Addr::from(bits & mask)
    }

    fn truncate_v6(&self, addr: Ipv6Addr) -> Ipv6Addr {
        let bits = u128::from(addr);
        let mask = match self.v6_prefix {
            0 => 0,
            p if p >= 128 => u128::MAX,
            p => u128::MAX << (128 - u32::from(p)),
        };
        Ipv6Addr::from(bits & mask)
    }

    /// Writes the truncated form of `addr` to `out`.
    pub fn write_truncated(&self, addr: IpAddr, out: &mut Vec<u8>) {
        write_canonical(self.truncate(addr), out);
    }
}

/// Writes `addr` in canonical text form: dotted decimal, RFC 5952 IPv6,
/// `::ffff:a.b.c.d` for IPv4-mapped addresses.
pub fn write_canonical(addr: IpAddr, out: &mut Vec<u8>) {
    match addr {
        IpAddr::V4(v4) => write_ipv4(v4, out),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => {
                out.extend_from_slice(b"::ffff:");
                write_ipv4(v4, out);
            }
            None => write_ipv6(v6, out),
        },
    }
}

/// RFC 5952 text: lowercase, no leading zeros, the longest run of two or more
/// zero groups (the first one on a tie) as `::`. Same output as
/// `Ipv6Addr`'s `Display` for addresses that are not IPv4-mapped.
fn write_ipv6(a: Ipv6Addr, out: &mut Vec<u8>) {
    let g = a.segments();
    let (mut best, mut best_len) = (8, 0);
    let mut k = 0;
    while k < 8 {
        if g[k] == 0 {
            let start = k;
            while k < 8 && g[k] == 0 {
                k += 1;
            }
            if k - start > best_len && k - start >= 2 {
                best = start;
                best_len = k - start;
            }
        } else {
            k += 1;
        }
    }
    let hex = |out: &mut Vec<u8>, v: u16| {
        const D: &[u8; 16] = b"0123456789abcdef";
        let mut started = false;
        for shift in [12u16, 8, 4, 0] {
            let d = (v >> shift) & 15;
            if d != 0 || started || shift == 0 {
                out.push(D[usize::from(d)]);
                started = true;
            }
        }
    };
    let mut k = 0;
    while k < 8 {
        if k == best {
            out.extend_from_slice(b"::");
            k += best_len;
            continue;
        }
        if k > 0 && k != best + best_len {
            out.push(b':');
        }
        hex(out, g[k]);
        k += 1;
    }
}

/// Dotted decimal without going through `fmt` (this is on the hot path).
fn write_ipv4(a: Ipv4Addr, out: &mut Vec<u8>) {
    for (k, o) in a.octets().into_iter().enumerate() {
        if k > 0 {
            out.push(b'.');
        }
        if o >= 100 {
            out.push(b'0' + o / 100);
        }
        if o >= 10 {
            out.push(b'0' + (o / 10) % 10);
        }
        out.push(b'0' + o % 10);
    }
}

/// An address found in a byte slice: where it starts and ends, and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// Offset of the first byte of the address.
    pub start: usize,
    /// Offset one past the last byte of the address (a port is not included).
    pub end: usize,
    /// The parsed address.
    pub addr: IpAddr,
}

#[inline]
fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

/// Parses a dotted-quad IPv4 address at the start of `s` (1 to 3 digits per
/// octet, each at most 255). Returns the address and its length. The byte after
/// it must not be a digit.
pub fn parse_ipv4_prefix(s: &[u8]) -> Option<(Ipv4Addr, usize)> {
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if s.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut v: u32 = 0;
        while i < s.len() && s[i].is_ascii_digit() && i - start < 3 {
            v = v * 10 + u32::from(s[i] - b'0');
            i += 1;
        }
        if i == start || v > 255 {
            return None;
        }
        *octet = v as u8;
    }
    if s.get(i).is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((Ipv4Addr::from(octets), i))
}

/// Parses `s` as exactly one IPv6 address in any RFC 4291 text form: up to
/// eight groups of 1 to 4 hex digits, at most one `::`, optionally ending in a
/// dotted IPv4 address. Hand-written because it runs for every candidate on
/// the hot path; `tests::ipv6_parser_agrees_with_std` checks it against std.
fn parse_ipv6_exact(s: &[u8]) -> Option<Ipv6Addr> {
    if s.len() < 2 || s.len() > 45 {
        return None;
    }
    let mut head = [0u16; 8];
    let mut tail = [0u16; 8];
    let (mut nh, mut nt) = (0usize, 0usize);
    let mut gap = false;
    let mut i = 0;
    if s.starts_with(b"::") {
        gap = true;
        i = 2;
        if i == s.len() {
            return Some(Ipv6Addr::UNSPECIFIED);
        }
    } else if s[0] == b':' {
        return None;
    }
    // An embedded IPv4 address can only be the part after the last colon.
    let v4_from = s
        .iter()
        .position(|&b| b == b'.')
        .and(memchr::memrchr(b':', s))
        .map(|c| c + 1);
    loop {
        // Embedded IPv4 as the last 32 bits.
        let groups = nh + nt;
        if v4_from == Some(i) {
            let (v4, len) = parse_ipv4_prefix(&s[i..])?;
            if i + len != s.len() || groups > 6 || (!gap && groups != 6) {
                return None;
            }
            let o = v4.octets();
            let dst = if gap { &mut tail } else { &mut head };
            let n = if gap { &mut nt } else { &mut nh };
            dst[*n] = u16::from(o[0]) << 8 | u16::from(o[1]);
            dst[*n + 1] = u16::from(o[2]) << 8 | u16::from(o[3]);
            *n += 2;
            break;
        }
        let start = i;
        let mut v: u16 = 0;
        while i < s.len() && i - start < 4 {
            match hexval(s[i]) {
                Some(h) => v = v << 4 | u16::from(h),
                None => break,
            }
            i += 1;
        }
        if i == start || (i < s.len() && hexval(s[i]).is_some()) {
            return None;
        }
        if groups >= 8 {
            return None;
        }
        if gap {
            tail[nt] = v;
            nt += 1;
        } else {
            head[nh] = v;
            nh += 1;
        }
        if i == s.len() {
            break;
        }
        if s[i] != b':' {
            return None;
        }
        i += 1;
        if i < s.len() && s[i] == b':' {
            if gap {
                return None;
            }
            gap = true;
            i += 1;
            if i == s.len() {
                break;
            }
        } else if i == s.len() {
            return None;
        }
    }
    let total = nh + nt;
    if (gap && total > 7) || (!gap && total != 8) {
        return None;
    }
    let mut g = [0u16; 8];
    g[..nh].copy_from_slice(&head[..nh]);
    g[8 - nt..].copy_from_slice(&tail[..nt]);
    Some(Ipv6Addr::from(g))
}

/// The value of a hex digit.
#[inline]
pub fn hexval(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses an IPv6 address at the start of `s`. Accepts a trailing `%zone`
/// (kept out of the address and dropped by the caller if it wishes). Returns the
/// address and the number of bytes it spans.
///
/// The candidate is the maximal run of hex digits, `:` and `.` with at least two
/// colons. When the run is not an address as a whole, a final `:port` group is
/// tried off (Apache error logs print unbracketed `v6:port`), then trailing
/// colons and dots.
pub fn parse_ipv6_prefix(s: &[u8]) -> Option<(Ipv6Addr, usize)> {
    let mut end = 0;
    let mut colons = 0;
    while end < s.len() && (is_hex(s[end]) || s[end] == b':' || s[end] == b'.') {
        if s[end] == b':' {
            colons += 1;
        }
        end += 1;
    }
    if colons < 2 {
        return None;
    }
    let run = &s[..end];
    if let Some(a) = parse_ipv6_exact(run) {
        return Some((a, end));
    }
    // `v6:port` without brackets: drop the last group when it is decimal.
    if let Some(pos) = memchr::memrchr(b':', run) {
        let tail = &run[pos + 1..];
        if !tail.is_empty() && tail.len() <= 5 && tail.iter().all(u8::is_ascii_digit) {
            if let Some(a) = parse_ipv6_exact(&run[..pos]) {
                return Some((a, pos));
            }
        }
    }
    // Trailing punctuation (`fe80::1.` at the end of a sentence, `::1:`).
    let mut e = end;
    while e > 0 && (run[e - 1] == b'.' || run[e - 1] == b':') {
        e -= 1;
        if let Some(a) = parse_ipv6_exact(&run[..e]) {
            return Some((a, e));
        }
    }
    None
}

/// Parses `s` as exactly one address, allowing the decorations seen in client
/// fields: `ip:port`, `[v6]`, `[v6]:port`, `v6%zone`. Returns the address and
/// the byte range inside `s` that holds it (so the caller can keep brackets and
/// port verbatim).
pub fn parse_client(s: &[u8]) -> Option<(IpAddr, usize, usize)> {
    if s.first() == Some(&b'[') {
        let close = memchr::memchr(b']', s)?;
        let inner = &s[1..close];
        let a = parse_ipv6_exact(inner)?;
        let rest = &s[close + 1..];
        if rest.is_empty() || is_port_suffix(rest) {
            return Some((IpAddr::V6(a), 1, close));
        }
        return None;
    }
    if let Some((a, n)) = parse_ipv4_prefix(s) {
        let rest = &s[n..];
        if rest.is_empty() || is_port_suffix(rest) {
            return Some((IpAddr::V4(a), 0, n));
        }
        return None;
    }
    if let Some((a, n)) = parse_ipv6_prefix(s) {
        let rest = &s[n..];
        if rest.is_empty() || is_port_suffix(rest) || is_zone_suffix(rest) {
            return Some((IpAddr::V6(a), 0, n));
        }
    }
    None
}

/// A cheap shape test for client fields: could `s` be what [`parse_client`]
/// accepts? (Dotted quad with optional port; hex digits, colons and dots with
/// at least two colons; a bracketed form.) Used to assign roles to the tokens
/// of a line's head; the address itself is parsed once, when it is rewritten.
pub fn looks_like_client(s: &[u8]) -> bool {
    match s.first() {
        Some(b'[') => s.contains(&b']'),
        Some(_) => {
            let mut colons = 0;
            let mut dots = 0;
            for &b in s {
                match b {
                    b':' => colons += 1,
                    b'.' => dots += 1,
                    b'%' => break,
                    _ if is_hex(b) => {}
                    _ => return false,
                }
            }
            colons >= 2 || (dots == 3 && colons <= 1 && s[0].is_ascii_digit())
        }
        None => false,
    }
}

fn is_port_suffix(s: &[u8]) -> bool {
    s.len() >= 2 && s.len() <= 6 && s[0] == b':' && s[1..].iter().all(u8::is_ascii_digit)
}

fn is_zone_suffix(s: &[u8]) -> bool {
    s.len() >= 2
        && s[0] == b'%'
        && s[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-' || *b == b'.')
}

/// Finds the next address in `s` at or after `from`.
///
/// This is the scanner the generic scrubber and every free-text field use. It
/// errs on the side of finding too much: a version string that happens to be a
/// valid dotted quad is truncated too, which costs nothing, whereas a missed
/// address would leak.
pub fn find_next(s: &[u8], from: usize) -> Option<Found> {
    // Every address has a '.' (IPv4) or a ':' (IPv6) within its first five
    // bytes, so jump from one of those to the next.
    let mut p = from;
    while let Some(off) = memchr::memchr2(b'.', b':', &s[p..]) {
        let punct = p + off;
        if let Some(f) = candidate_at_punct(s, punct, from) {
            return Some(f);
        }
        p = punct + 1;
    }
    None
}

/// The address, if any, whose first `.` or `:` is at `punct`: looks back
/// over at most four hex digits (no further than `lo`) for where it would
/// start, checks that it starts a word, and parses it.
#[inline]
pub fn candidate_at_punct(s: &[u8], punct: usize, lo: usize) -> Option<Found> {
    let mut k = punct;
    while k > lo && punct - k < 5 && is_hex(s[k - 1]) {
        k -= 1;
    }
    let prev = if k == 0 { b' ' } else { s[k - 1] };
    // An address never starts in the middle of a word or of a dotted run;
    // after a ':' only an IPv4 address may start (`client:1.2.3.4`), never an
    // IPv6 one (that would be the tail of a longer run).
    if prev.is_ascii_alphanumeric() || prev == b'.' {
        return None;
    }
    if s[punct] == b'.' {
        // Fast reject of version numbers (`Mozilla/5.0 `, `HTTP/1.1"`): a
        // dotted quad has a digit after its first dot and its second dot
        // within the next three bytes.
        let second_dot = s
            .get(punct + 2..(punct + 5).min(s.len()))
            .is_some_and(|w| w.contains(&b'.'));
        if !second_dot || !s.get(punct + 1).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let run = &s[k..punct];
        if (1..=3).contains(&run.len()) && run.iter().all(u8::is_ascii_digit) {
            let (a, len) = parse_ipv4_prefix(&s[k..])?;
            return Some(Found {
                start: k,
                end: k + len,
                addr: IpAddr::V4(a),
            });
        }
        None
    } else if prev != b':' {
        let (a, len) = parse_ipv6_prefix(&s[k..])?;
        Some(Found {
            start: k,
            end: k + len,
            addr: IpAddr::V6(a),
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trunc(policy: IpPolicy, s: &str) -> String {
        policy.truncate(s.parse().unwrap()).to_string()
    }

    #[test]
    fn truncation_table() {
        let d = IpPolicy::default();
        #[rustfmt::skip]
        let rows: &[(IpPolicy, &str, &str)] = &[
            (d, "83.149.9.216", "83.149.9.0"),
            (d, "10.0.0.1", "10.0.0.0"),
            (d, "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:db8:85a3::"),
            (d, "2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6", "2a02:cf40:add::"),
            (d, "::1", "::"),
            (d, "::ffff:192.0.2.128", "::ffff:192.0.2.0"),
            (IpPolicy { v4_prefix: 16, v6_prefix: 32, mode: IpMode::Truncate }, "192.168.33.2", "192.168.0.0"),
            (IpPolicy { v4_prefix: 16, v6_prefix: 32, mode: IpMode::Truncate }, "2001:db8:1:2::5", "2001:db8::"),
            (IpPolicy { v4_prefix: 0, v6_prefix: 0, mode: IpMode::Truncate }, "1.2.3.4", "0.0.0.0"),
            (IpPolicy { v4_prefix: 32, v6_prefix: 128, mode: IpMode::Truncate }, "1.2.3.4", "1.2.3.4"),
            (IpPolicy { v4_prefix: 20, v6_prefix: 44, mode: IpMode::Truncate }, "1.2.255.4", "1.2.240.0"),
        ];
        for (p, input, want) in rows {
            assert_eq!(trunc(*p, input), *want, "{input}");
        }
    }

    #[test]
    fn ipv4_prefix_parser() {
        assert_eq!(
            parse_ipv4_prefix(b"1.2.3.4"),
            Some(("1.2.3.4".parse().unwrap(), 7))
        );
        assert_eq!(
            parse_ipv4_prefix(b"1.2.3.4:80"),
            Some(("1.2.3.4".parse().unwrap(), 7))
        );
        assert_eq!(
            parse_ipv4_prefix(b"000.00.00.000"),
            Some((Ipv4Addr::UNSPECIFIED, 13))
        );
        assert_eq!(parse_ipv4_prefix(b"1.2.3.2555"), None);
        assert_eq!(parse_ipv4_prefix(b"1.2.3.256"), None);
        assert_eq!(parse_ipv4_prefix(b"1.2.3"), None);
        assert_eq!(parse_ipv4_prefix(b"75.0.3770.100"), None);
    }

    #[test]
    fn ipv6_writer_agrees_with_std() {
        let cases = [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:0:0:4:5:0:0:0",
            "0:0:1:0:0:0:1:0",
            "2001:db8::",
            "2001:db8:0:1:1:1:1:1",
            "fe80::1:2",
            "1:0:0:0:0:0:0:0",
            "0:0:0:0:0:0:0:1",
            "abcd:ef01:2345:6789:abcd:ef01:2345:6789",
            "1:0:2:0:3:0:4:0",
            "::2:3:4:5:6:7:8",
        ];
        for c in cases {
            let a: Ipv6Addr = c.parse().unwrap();
            let mut out = Vec::new();
            write_ipv6(a, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), a.to_string(), "{c}");
        }
    }

    #[test]
    fn ipv6_parser_agrees_with_std() {
        let cases = [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            "2001:db8::8a2e:370:7334",
            "fe80::1",
            "::ffff:1.2.3.4",
            "::1.2.3.4",
            "1:2:3:4:5:6:1.2.3.4",
            "1::5:6:1.2.3.4",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7",
            "1:::2",
            "1::2::3",
            ":1::2",
            "1::2:",
            "12345::",
            "g::",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::ffff:1.2.3",
            "::ffff:1.2.3.4.5",
            "1.2.3.4",
            ":",
            "::ffff:256.1.1.1",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "a:b:c:d:e:f:0:1",
            "A:B::",
            "0000:0000:0000:0000:0000:0000:0000:0000",
        ];
        for c in cases {
            let std: Option<Ipv6Addr> = c.parse().ok();
            assert_eq!(parse_ipv6_exact(c.as_bytes()), std, "{c}");
        }
    }

    #[test]
    fn client_shape_covers_every_parsed_client() {
        for c in [
            "127.0.0.1",
            "127.0.0.1:80",
            "[2001:db8::1]:443",
            "[::1]",
            "2001:db8::1",
            "::1",
            "fe80::1%eth0",
            "eda7:35d:3ceb:ef1e:2133:e7bf:116e:24cc:24259",
            "::ffff:1.2.3.4",
        ] {
            assert!(parse_client(c.as_bytes()).is_some(), "{c}");
            assert!(looks_like_client(c.as_bytes()), "{c}");
        }
        for c in [
            "-",
            "localhost",
            "unix:",
            "example.com:80",
            "jdoe",
            "1.2.3",
            "abc",
        ] {
            assert!(!looks_like_client(c.as_bytes()), "{c}");
        }
    }

    #[test]
    fn client_field_forms() {
        let v4: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(parse_client(b"127.0.0.1"), Some((v4, 0, 9)));
        assert_eq!(parse_client(b"127.0.0.1:80"), Some((v4, 0, 9)));
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(parse_client(b"[2001:db8::1]:443"), Some((v6, 1, 12)));
        assert_eq!(parse_client(b"[2001:db8::1]"), Some((v6, 1, 12)));
        assert_eq!(parse_client(b"2001:db8::1"), Some((v6, 0, 11)));
        assert_eq!(parse_client(b"fe80::1%eth0").map(|c| c.2), Some(7));
        assert_eq!(
            parse_client(b"eda7:35d:3ceb:ef1e:2133:e7bf:116e:24cc:24259").map(|c| c.2),
            Some(38)
        );
        assert_eq!(parse_client(b"localhost"), None);
        assert_eq!(parse_client(b"unix:"), None);
        assert_eq!(parse_client(b"example.com:80"), None);
        assert_eq!(parse_client(b"-"), None);
    }

    fn all(s: &str) -> Vec<(usize, usize, String)> {
        let b = s.as_bytes();
        let mut out = vec![];
        let mut i = 0;
        while let Some(f) = find_next(b, i) {
            out.push((f.start, f.end, f.addr.to_string()));
            i = f.end;
        }
        out
    }

    #[test]
    fn scanner_finds_addresses_in_text() {
        assert_eq!(
            all("client: 1.2.3.4, server"),
            vec![(8, 15, "1.2.3.4".into())]
        );
        assert_eq!(
            all("[client 89.207.132.76:59635]"),
            vec![(8, 21, "89.207.132.76".into())]
        );
        assert_eq!(
            all("http://192.168.1.1/x?ip=10.0.0.9"),
            vec![(7, 18, "192.168.1.1".into()), (24, 32, "10.0.0.9".into()),]
        );
        assert_eq!(
            all("from ::1 and [2001:db8::7]:80"),
            vec![(5, 8, "::1".into()), (14, 25, "2001:db8::7".into()),]
        );
        assert_eq!(
            all("ip=::ffff:10.1.2.3;"),
            vec![(3, 18, "::ffff:10.1.2.3".into())]
        );
    }

    #[test]
    fn scanner_ignores_non_addresses() {
        assert!(all("Chrome/75.0.3770.100 Safari/537.36").is_empty());
        assert!(all("at 13:55:36 on 2020-04-14T15:57:14.463-04:00").is_empty());
        assert!(all("mac 00:1a:2b:3c:4d:5e").is_empty());
        assert!(all("checksum=59ee1dd9668358276f4505cbf0b9f486d5d9431c").is_empty());
        assert!(all("v1.2.3").is_empty());
        assert_eq!(all("client:1.2.3.4"), vec![(7, 14, "1.2.3.4".into())]);
        assert_eq!(all("ab:1.2.3.4"), vec![(3, 10, "1.2.3.4".into())]);
    }
}
