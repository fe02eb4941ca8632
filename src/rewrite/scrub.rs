//! Free-text rewriting: addresses, e-mail addresses, query parameters and the
//! user names that error logs quote.
//!
//! This is the part of anonlog that knows nothing about a line's layout. It is
//! used on the fields a parser cannot interpret further (request, referer, user
//! agent, trailing fields) and, as the fail-closed fallback, on whole lines that
//! no parser understands. It finds and rewrites:
//!
//! - every IPv4/IPv6 address (truncated by [`IpPolicy`](crate::ip::IpPolicy));
//! - every e-mail address, raw or with `%40` (pseudonymized, namespace e-mail);
//! - `key=value` parameters, raw or percent-encoded (`%3D`, `%26`, `%3F`, so a
//!   URL nested in `returnurl=` is covered too), whose key is a known secret
//!   (value replaced by [`REDACTED`](super::rules::REDACTED)) or a known identity (value pseudonymized);
//! - `"key": "value"` pairs of JSON-like text with the same key lists;
//! - `user "name"` and `user name: ...` / `user name not found` in error logs.
//!
//! Keys are matched ASCII case-insensitively. Values end at `&`, `#`, `?`,
//! white space, a quote (raw or log-escaped) or the end of the field; for an encoded
//! parameter also at `%26`. A secret's value is taken greedily so that no part
//! of it can survive.

use super::replace::Replacer;
use super::rules::{ParamKind, ParamRules, UaAction, USER_ID_PATHS};
use crate::ip;

#[inline]
fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']')
}

#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// `s[i..]` starts with `%` followed by the two hex digits `hex` (case-insensitive).
#[inline]
fn pct_is(s: &[u8], i: usize, hex: &[u8; 2]) -> bool {
    i + 2 < s.len()
        && s[i] == b'%'
        && s[i + 1].eq_ignore_ascii_case(&hex[0])
        && s[i + 2].eq_ignore_ascii_case(&hex[1])
}

/// A quote as it appears in a log field: raw `"`/`'`, Apache `\"`, nginx `\x22`.
#[inline]
fn quote_len(s: &[u8], i: usize) -> usize {
    match s[i] {
        b'"' | b'\'' => 1,
        b'\\' if s.get(i + 1) == Some(&b'"') => 2,
        b'\\' if s.len() >= i + 4 && s[i + 1] == b'x' && (&s[i + 2..i + 4] == b"22") => 4,
        _ => 0,
    }
}

/// Is the key that starts at `ks` preceded by something that can start a
/// parameter?
fn key_boundary(s: &[u8], ks: usize) -> bool {
    if ks == 0 {
        return true;
    }
    let p = s[ks - 1];
    if matches!(
        p,
        b'?' | b'&' | b';' | b' ' | b'\t' | b'"' | b'\'' | b'(' | b',' | b'{' | b'/' | b'\n'
    ) {
        return true;
    }
    key_boundary_encoded(s, ks)
}

/// Is the key that starts at `ks` preceded by an encoded `?`, `&` or `"`?
#[inline]
fn key_boundary_encoded(s: &[u8], ks: usize) -> bool {
    ks >= 3 && (pct_is(s, ks - 3, b"3F") || pct_is(s, ks - 3, b"26") || pct_is(s, ks - 3, b"22"))
}

/// End of a parameter value that starts at `v`.
fn value_end(s: &[u8], v: usize, encoded: bool) -> usize {
    let mut i = v;
    // Parentheses opened inside the value (`UserVO(w_1,ext,Max Mustermann)`)
    // hold it together across spaces until they close.
    let mut depth = 0u32;
    while i < s.len() {
        let b = s[i];
        if b == b'(' {
            depth += 1;
        } else if b == b')' && depth > 0 {
            depth -= 1;
            i += 1;
            continue;
        } else if depth > 0 && b == b' ' {
            i += 1;
            continue;
        }
        // An escaped backslash (`\\`) is part of the value: escape pairs
        // are read left to right, so the `\"` that ends a field is found.
        if b == b'\\' && s.get(i + 1) == Some(&b'\\') {
            i += 2;
            continue;
        }
        if b == b'&' || b == b'#' || b == b'?' || is_space(b) || quote_len(s, i) > 0 {
            return i;
        }
        // `]` or `)` right before white space or the end closes a bracketed
        // field (`[ip=... id=58]`); a value could not go on past the white
        // space anyway, so nothing of a secret is left out by stopping here.
        if matches!(b, b']' | b')') && s.get(i + 1).is_none_or(|&n| is_space(n)) {
            return i;
        }
        if encoded && (pct_is(s, i, b"26") || pct_is(s, i, b"22")) {
            return i;
        }
        i += 1;
    }
    i
}

/// Is the `id` key at `ks` inside the query of one of the [`USER_ID_PATHS`]?
/// The path may be raw or percent-encoded (a URL nested in a parameter).
fn on_user_path(s: &[u8], ks: usize) -> bool {
    // The query this key belongs to starts at the last `?` (raw or `%3F`)
    // before the key, within the same URL (no white space or quote between).
    let mut q = ks;
    let path_end = loop {
        if q == 0 {
            return false;
        }
        q -= 1;
        let b = s[q];
        if is_space(b) || b == b'"' {
            return false;
        }
        if b == b'?' {
            break q;
        }
        if q >= 2 && b.eq_ignore_ascii_case(&b'F') && s[q - 1] == b'3' && s[q - 2] == b'%' {
            break q - 2;
        }
    };
    let path = &s[..path_end];
    USER_ID_PATHS.iter().any(|p| ends_with_path(path, p))
}

/// Does `path` end with `suffix` (a path of `/`-separated ASCII segments),
/// written raw or with every `/` as `%2F`?
fn ends_with_path(path: &[u8], suffix: &[u8]) -> bool {
    let mut i = path.len();
    for &c in suffix.iter().rev() {
        if c == b'/'
            && i >= 3
            && path[i - 3] == b'%'
            && path[i - 2] == b'2'
            && path[i - 1].eq_ignore_ascii_case(&b'f')
        {
            i -= 3;
        } else if i >= 1 && path[i - 1].eq_ignore_ascii_case(&c) {
            i -= 1;
        } else {
            return false;
        }
    }
    true
}

/// Rewrites free text `s` into `out`. See the module docs for what is found.
pub fn scrub(ctx: &mut Replacer<'_>, s: &[u8], out: &mut Vec<u8>) {
    scrub_inner(ctx, s, out, true);
}

/// Like [`scrub`], for the fields of a parsed access line. A raw `"key":`
/// cannot occur there (both servers escape quotes inside fields) and error-log
/// phrases (`user "x" was not found`) do not either, so those two are not
/// looked for.
pub fn scrub_fields(ctx: &mut Replacer<'_>, s: &[u8], out: &mut Vec<u8>) {
    scrub_inner(ctx, s, out, false);
}

/// Bytes at which something may start or be anchored: `=` and `%3D`
/// (parameters), `@` and `%40` (e-mail addresses), `.` and `:` (addresses,
/// JSON pairs), `u` (error-log `user `). Everything else is skipped with one
/// table look-up, in a single pass over the text.
static INTERESTING: [bool; 256] = {
    let mut t = [false; 256];
    t[b'=' as usize] = true;
    t[b'%' as usize] = true;
    t[b'@' as usize] = true;
    t[b'.' as usize] = true;
    t[b':' as usize] = true;
    t[b'u' as usize] = true;
    t
};

/// The first byte at or after `i` that [`INTERESTING`] marks (`u` only
/// when `free`). On x86-64 this compares 16 bytes at a time with SSE2, which
/// every x86-64 processor has; elsewhere, and for the last bytes, it uses the
/// table.
#[inline]
fn next_interesting(s: &[u8], i: usize, free: bool) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86-64 baseline: every x86-64 processor
    // has it, so calling an `sse2` function is always sound here.
    let i = match unsafe { scan_sse2(s, i, free) } {
        Ok(found) => return Some(found),
        Err(rest) => rest,
    };
    s[i..]
        .iter()
        .position(|&b| INTERESTING[usize::from(b)] && (free || b != b'u'))
        .map(|off| i + off)
}

/// 16 bytes at a time: `Ok(position)` of the first interesting byte, or
/// `Err(offset)` of the last, shorter-than-16 stretch still to look at.
///
/// Outside free text (`!free`) a `.` counts only after a digit and a `:`
/// only after a hex digit or before another `:`: an address is found from its
/// first `.` (IPv4, after 1 to 3 digits) or `:` (IPv6, after a hex group, or
/// the `::` it starts with), so other dots and colons of URLs and user agents
/// cannot start one and need no look.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn scan_sse2(s: &[u8], mut i: usize, free: bool) -> Result<usize, usize> {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_movemask_epi8,
        _mm_or_si128, _mm_set1_epi8, _mm_set_epi64x,
    };
    let splat = |b: u8| _mm_set1_epi8(b as i8);
    let (eq, pct, at, dot, colon, u) = (
        splat(b'='),
        splat(b'%'),
        splat(b'@'),
        splat(b'.'),
        splat(b':'),
        splat(if free { b'u' } else { b'=' }),
    );
    let in_range = |v: __m128i, lo: u8, hi: u8| {
        _mm_and_si128(
            _mm_cmpgt_epi8(v, splat(lo - 1)),
            _mm_cmplt_epi8(v, splat(hi + 1)),
        )
    };
    while i + 16 <= s.len() {
        let lo = u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
        let hi = u64::from_le_bytes(s[i + 8..i + 16].try_into().expect("8 bytes"));
        let v = _mm_set_epi64x(hi as i64, lo as i64);
        let always = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, eq), _mm_cmpeq_epi8(v, pct)),
            _mm_or_si128(_mm_cmpeq_epi8(v, at), _mm_cmpeq_epi8(v, u)),
        );
        let mut mask = _mm_movemask_epi8(always) as u32;
        let dots = _mm_movemask_epi8(_mm_cmpeq_epi8(v, dot)) as u32;
        let colons = _mm_movemask_epi8(_mm_cmpeq_epi8(v, colon)) as u32;
        if free {
            mask |= dots | colons;
        } else if dots | colons != 0 {
            let digit = in_range(v, b'0', b'9');
            let hex = _mm_or_si128(digit, in_range(_mm_or_si128(v, splat(0x20)), b'a', b'f'));
            let prev = if i > 0 { s[i - 1] } else { b' ' };
            let prev_digit =
                (_mm_movemask_epi8(digit) as u32) << 1 | u32::from(prev.is_ascii_digit());
            let prev_hex =
                (_mm_movemask_epi8(hex) as u32) << 1 | u32::from(prev.is_ascii_hexdigit());
            let prev_colon = colons << 1 | u32::from(prev == b':');
            // A colon in the last lane is kept: its successor is not in view.
            let next_colon = colons >> 1 | 1 << 15;
            mask |= dots & prev_digit;
            mask |= colons & (prev_hex | next_colon) & !prev_colon;
        }
        if mask != 0 {
            return Ok(i + mask.trailing_zeros() as usize);
        }
        i += 16;
    }
    Err(i)
}

/// A sensitive value found in text by [`sensitive_values`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sensitive {
    /// What the key says the value is.
    pub kind: ParamKind,
    /// The key's byte range.
    pub key: std::ops::Range<usize>,
    /// The value's byte range (inside brackets for a JSON array).
    pub value: std::ops::Range<usize>,
    /// For a JSON array, the quote its strings use (see [`array_items`]).
    pub array: Option<&'static [u8]>,
}

/// Every sensitive `key=value` parameter (raw or encoded), JSON pair and
/// parameter-map entry in `s`, found with the same rules the scrubber
/// rewrites by. For checking output that should already be anonymous.
pub fn sensitive_values(rules: &ParamRules, s: &[u8]) -> Vec<Sensitive> {
    let mut found = Vec::new();
    let mut lo = 0;
    let mut i = 0;
    while i < s.len() {
        let hit = match s[i] {
            b'=' => param_at(rules, s, i, 1, false, lo),
            b'%' if pct_is(s, i, b"3D") => param_at(rules, s, i, 3, true, lo),
            b':' => json_param_at(rules, false, s, i, lo).or_else(|| map_param_at(rules, s, i, lo)),
            _ => None,
        };
        match hit {
            Some((ks, vs, ve, hit @ (Hit::Param(_) | Hit::ParamArray(..)))) => {
                let (kind, array) = match hit {
                    Hit::ParamArray(kind, q) => (kind, Some(q)),
                    Hit::Param(kind) => (kind, None),
                    _ => unreachable!("matched above"),
                };
                let key_end = s[ks..vs]
                    .iter()
                    .position(|&b| matches!(b, b'=' | b'%' | b':' | b'"' | b'\\'))
                    .map_or(vs, |p| ks + p);
                found.push(Sensitive {
                    kind,
                    key: ks..key_end,
                    value: vs..ve,
                    array,
                });
                lo = ve;
                i = ve.max(i + 1);
            }
            _ => i += 1,
        }
    }
    found
}

/// Writes a user agent according to the line's policy (`ctx.ua`): kept (and
/// scrubbed like any field), reduced to its family, or dropped.
pub fn write_user_agent(ctx: &mut Replacer<'_>, raw: &[u8], out: &mut Vec<u8>) {
    match ctx.ua {
        UaAction::Keep => scrub_fields(ctx, raw, out),
        UaAction::Family => out.extend_from_slice(crate::useragent::family(raw).as_bytes()),
        UaAction::Drop => out.push(b'-'),
    }
}

/// Addresses and e-mail addresses only, for the fixed-format prefix of a
/// line (time, level, logger, thread): no parameter or JSON rule, whose
/// values could run across the prefix's structure.
pub fn scrub_addresses(ctx: &mut Replacer<'_>, s: &[u8], out: &mut Vec<u8>) {
    let mut pos = 0;
    loop {
        let addr = ip::find_next(s, pos);
        let mail = find_email(s, pos);
        let addr_first = match (&addr, mail) {
            (Some(a), Some((ms, _))) => a.start < ms,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if let (true, Some(a)) = (addr_first, addr) {
            out.extend_from_slice(&s[pos..a.start]);
            ctx.write_addr(a.addr, out);
            pos = a.end;
        } else if let Some((ms, me)) = mail {
            out.extend_from_slice(&s[pos..ms]);
            ctx.write_email(&s[ms..me], out);
            pos = me;
        }
    }
    out.extend_from_slice(&s[pos..]);
}

/// `free`: the line is free text (JSON pairs and error-log user names are
/// looked for), not the fields of a parsed access line.
///
/// One pass, left to right. `emitted` is how far `s` has been written to
/// `out`; every finder looks back no further than it, so replacements never
/// overlap and bytes between them are copied verbatim.
fn scrub_inner(ctx: &mut Replacer<'_>, s: &[u8], out: &mut Vec<u8>, free: bool) {
    let mut emitted = 0;
    let mut i = 0;
    let n = s.len();
    while i < n {
        match next_interesting(s, i, free) {
            Some(p) => i = p,
            None => break,
        }
        let b = s[i];
        let hit = match b {
            b'=' => param_at(ctx.rules, s, i, 1, false, emitted),
            b'%' if pct_is(s, i, b"3D") => param_at(ctx.rules, s, i, 3, true, emitted),
            b'%' if pct_is(s, i, b"40") => {
                email_at(s, i, 3, emitted).map(|(a, e)| (a, a, e, Hit::Email))
            }
            b'@' => email_at(s, i, 1, emitted).map(|(a, e)| (a, a, e, Hit::Email)),
            b'.' => address_at(s, i, emitted),
            b':' => {
                let json = if free {
                    json_param_at(ctx.rules, ctx.ua != UaAction::Keep, s, i, emitted)
                        .or_else(|| map_param_at(ctx.rules, s, i, emitted))
                } else {
                    None
                };
                json.or_else(|| address_at(s, i, emitted))
            }
            b'u' if free => error_log_user_at(s, i, emitted).map(|(a, e)| (a, a, e, Hit::User)),
            _ => None,
        };
        let Some((copy_to, vs, ve, what)) = hit else {
            i += 1;
            continue;
        };
        out.extend_from_slice(&s[emitted..copy_to]);
        let v = &s[vs..ve];
        match what {
            Hit::Param(kind) => {
                // The key and separator are copied verbatim.
                out.extend_from_slice(&s[copy_to..vs]);
                ctx.write_param_value(kind, v, out);
            }
            Hit::ParamArray(kind, q) => {
                out.extend_from_slice(&s[copy_to..vs]);
                write_array(ctx, kind, q, v, out);
            }
            Hit::UserAgent => {
                out.extend_from_slice(&s[copy_to..vs]);
                write_user_agent(ctx, v, out);
            }
            Hit::Email => ctx.write_email(v, out),
            Hit::User => ctx.write_user_single(v, out),
            Hit::Addr(a) => ctx.write_addr(a, out),
        }
        emitted = ve;
        i = ve.max(i + 1);
    }
    out.extend_from_slice(&s[emitted..]);
}

/// What a finder found.
enum Hit {
    Param(ParamKind),
    /// The inside of a JSON array, its strings quoted with the token.
    ParamArray(ParamKind, &'static [u8]),
    /// A JSON `userAgent` value, under the user-agent policy.
    UserAgent,
    Email,
    User,
    Addr(std::net::IpAddr),
}

/// A finder's result: (copy verbatim up to here, value start, value end, what).
type Found = (usize, usize, usize, Hit);

/// A sensitive `key=value` whose assignment (`=` or `%3D`, `alen` bytes) is
/// at `a`. The key may start no earlier than `lo`.
fn param_at(
    rules: &ParamRules,
    s: &[u8],
    a: usize,
    alen: usize,
    encoded: bool,
    lo: usize,
) -> Option<Found> {
    let mut ks = a;
    while ks > lo && is_key_byte(s[ks - 1]) {
        // `%3Fkey`, `%26key`: the encoded delimiter ends the walk.
        if ks >= lo + 3 && s[ks - 3] == b'%' && key_boundary_encoded(s, ks) {
            break;
        }
        ks -= 1;
    }
    if ks == a {
        return None;
    }
    let kind_at = |ks: usize| {
        let key = &s[ks..a];
        match rules.classify(key) {
            Some(k) => Some(k),
            None if key.eq_ignore_ascii_case(b"id") && on_user_path(s, ks) => {
                Some(ParamKind::Identity)
            }
            None => None,
        }
    };
    let (ks, kind) = match (key_boundary(s, ks), kind_at(ks)) {
        (true, Some(k)) => (ks, k),
        // `mid=[...]uid=[...]`: a key right after a closing bracket.
        _ => {
            let close = memchr::memrchr(b']', &s[ks..a])? + ks;
            (close + 1 < a).then_some(())?;
            (close + 1, kind_at(close + 1)?)
        }
    };
    let mut vs = a + alen;
    // `uid=[98an1y6oh6um_2]`: the value is inside the brackets.
    if s.get(vs) == Some(&b'[') {
        let close = s[vs + 1..]
            .iter()
            .position(|&b| b == b']' || is_space(b))
            .map(|p| vs + 1 + p);
        if let Some(c) = close.filter(|&c| s[c] == b']') {
            return Some((ks, vs + 1, c, Hit::Param(kind)));
        }
        vs += 1;
    }
    Some((ks, vs, value_end(s, vs, encoded), Hit::Param(kind)))
}

/// A sensitive `"key": value` pair whose colon is at `colon`.
fn json_param_at(
    rules: &ParamRules,
    ua_rule: bool,
    s: &[u8],
    colon: usize,
    lo: usize,
) -> Option<Found> {
    let (ks, kend, vs, ve, value) = json_pair(s, colon)?;
    if ks < lo {
        return None;
    }
    if ua_rule && value == JsonValue::Scalar && s[ks..kend].eq_ignore_ascii_case(b"useragent") {
        return Some((ks, vs, ve, Hit::UserAgent));
    }
    let kind = rules.classify_structured(&s[ks..kend])?;
    let hit = match value {
        JsonValue::Scalar => Hit::Param(kind),
        JsonValue::Array(q) => Hit::ParamArray(kind, q),
    };
    Some((ks, vs, ve, hit))
}

/// A sensitive `key:[value]` of a BigBlueButton parameter-map dump
/// (`[name:[Jane], attendeePW:[x]]`) whose colon is at `colon`.
fn map_param_at(rules: &ParamRules, s: &[u8], colon: usize, lo: usize) -> Option<Found> {
    if s.get(colon + 1) != Some(&b'[') {
        return None;
    }
    let mut ks = colon;
    while ks > lo && (s[ks - 1].is_ascii_alphanumeric() || matches!(s[ks - 1], b'_' | b'-' | b'.'))
    {
        ks -= 1;
    }
    if ks == colon || !(ks == 0 || matches!(s[ks - 1], b'[' | b' ' | b',')) {
        return None;
    }
    let kind = rules.classify_structured(&s[ks..colon])?;
    let vs = colon + 2;
    let ve = vs + memchr::memchr(b']', &s[vs..])?;
    Some((ks, vs, ve, Hit::Param(kind)))
}

/// An address anchored at the `.` or `:` at `punct`, starting no earlier
/// than `lo`.
fn address_at(s: &[u8], punct: usize, lo: usize) -> Option<Found> {
    let f = ip::candidate_at_punct(s, punct, lo)?;
    Some((f.start, f.start, f.end, Hit::Addr(f.addr)))
}

/// A JSON value as found by [`json_pair`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonValue {
    /// A string or scalar: the span is the text to replace.
    Scalar,
    /// An array: the span is everything between the brackets; strings in it
    /// are quoted with the given token (`"` or nginx's `\x22`).
    Array(&'static [u8]),
}

/// The quote token that ends just before `end`: `"`, Apache's `\"`, or
/// nginx's `\x22` (JSON written into a log field by a server that escapes
/// quotes). Returns the token as written.
fn quote_before(s: &[u8], end: usize) -> Option<&'static [u8]> {
    if end >= 4 && &s[end - 4..end] == b"\\x22" {
        Some(b"\\x22")
    } else if end >= 2 && &s[end - 2..end] == b"\\\"" {
        Some(b"\\\"")
    } else if end >= 1 && s[end - 1] == b'"' {
        Some(b"\"")
    } else {
        None
    }
}

/// For a `:` at `colon`, recognises `"key" : "value"`, `"key":value` and
/// `"key":[...]`, also with the quotes escaped as `\x22` or `\"`, and
/// returns (key start, value start, value end, kind of value). The key is
/// `s[ks..colon - quote length]`.
fn json_pair(s: &[u8], colon: usize) -> Option<(usize, usize, usize, usize, JsonValue)> {
    let q = quote_before(s, colon)?;
    let kend = colon - q.len();
    let ks = memchr::memmem::rfind(&s[..kend], q)? + q.len();
    if ks == kend || !s[ks..kend].iter().all(|&b| is_key_byte(b)) {
        return None;
    }
    let mut v = colon + 1;
    while v < s.len() && s[v] == b' ' {
        v += 1;
    }
    if v >= s.len() {
        return None;
    }
    if s[v..].starts_with(q) {
        let vs = v + q.len();
        let ve = if q == b"\"" {
            let mut e = vs;
            while e < s.len() && s[e] != b'"' {
                e += if s[e] == b'\\' { 2 } else { 1 };
            }
            e.min(s.len())
        } else {
            vs + memchr::memmem::find(&s[vs..], q).unwrap_or(s.len() - vs)
        };
        Some((ks, kend, vs, ve, JsonValue::Scalar))
    } else if s[v] == b'[' {
        let vs = v + 1;
        let ve = vs + memchr::memchr(b']', &s[vs..])?;
        Some((ks, kend, vs, ve, JsonValue::Array(q)))
    } else {
        let vs = v;
        let mut e = vs;
        while e < s.len() && !matches!(s[e], b',' | b'}' | b']' | b' ') {
            e += 1;
        }
        if e == vs || &s[vs..e] == b"null" {
            return None;
        }
        Some((ks, kend, vs, e, JsonValue::Scalar))
    }
}

/// The elements of the inside of a JSON array whose strings are quoted with
/// `q` (`"` or nginx's `\x22`): the byte range of each element's content
/// (inside its quotes for a string). What lies between them is quotes,
/// separators and white space.
pub fn array_items(q: &[u8], inner: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut items = Vec::new();
    let mut i = 0;
    while i < inner.len() {
        if inner[i..].starts_with(q) {
            let vs = i + q.len();
            let ve = vs + memchr::memmem::find(&inner[vs..], q).unwrap_or(inner.len() - vs);
            items.push(vs..ve);
            i = (ve + q.len()).min(inner.len());
        } else if matches!(inner[i], b',' | b' ') {
            i += 1;
        } else {
            let e = inner[i..]
                .iter()
                .position(|&b| b == b',' || b == b' ')
                .map_or(inner.len(), |p| i + p);
            items.push(i..e);
            i = e;
        }
    }
    items
}

/// Rewrites the inside of a JSON array value: every element gets the
/// treatment of `kind`; quotes, separators and white space stay.
fn write_array(ctx: &mut Replacer<'_>, kind: ParamKind, q: &[u8], inner: &[u8], out: &mut Vec<u8>) {
    let mut pos = 0;
    for r in array_items(q, inner) {
        out.extend_from_slice(&inner[pos..r.start]);
        ctx.write_param_value(kind, &inner[r.clone()], out);
        pos = r.end;
    }
    out.extend_from_slice(&inner[pos..]);
}

#[inline]
fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+' | b'%' | b'\'' | b'!')
}

/// An e-mail address `local@domain.tld` (or with `%40`) whose `@` (`alen`
/// bytes) is at `at`; the local part starts no earlier than `lo`. Returns its
/// span.
pub fn email_at(s: &[u8], at: usize, alen: usize, lo: usize) -> Option<(usize, usize)> {
    let mut ls = at;
    while ls > lo && is_local_byte(s[ls - 1]) {
        ls -= 1;
    }
    // Do not swallow the `%3D` of an encoded `key%3Dlocal%40host`.
    if let Some(p) = s[ls..at].windows(3).rposition(|w| {
        w[0] == b'%' && (w[1..].eq_ignore_ascii_case(b"3d") || w[1..].eq_ignore_ascii_case(b"26"))
    }) {
        ls += p + 3;
    }
    while ls < at && matches!(s[ls], b'.' | b'\'') {
        ls += 1;
    }
    let ds = at + alen;
    let mut de = ds;
    while de < s.len() && (s[de].is_ascii_alphanumeric() || s[de] == b'-' || s[de] == b'.') {
        de += 1;
    }
    while de > ds && s[de - 1] == b'.' {
        de -= 1;
    }
    let tld_ok = memchr::memrchr(b'.', &s[ds..de])
        .map(|d| ds + d)
        .is_some_and(|d| de - d > 2 && s[d + 1..de].iter().all(u8::is_ascii_alphabetic));
    let ip_domain = ip::parse_ipv4_prefix(&s[ds..]).is_some_and(|(_, n)| n == de - ds);
    (ls < at && (tld_ok || ip_domain)).then_some((ls, de))
}

/// Finds the first e-mail address in `s` at or after `from`.
pub fn find_email(s: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while i < s.len() {
        let alen = match s[i] {
            b'@' => 1,
            b'%' if pct_is(s, i, b"40") => 3,
            _ => {
                i += 1;
                continue;
            }
        };
        if let Some(e) = email_at(s, i, alen, from) {
            return Some(e);
        }
        i += alen;
    }
    None
}

/// `user "name"`, `user 'name'`, `user name: ...`, `user name not found`, as
/// in nginx and Apache authentication errors, with the word `user` at `u`.
/// Returns the span of the name.
fn error_log_user_at(s: &[u8], u: usize, lo: usize) -> Option<(usize, usize)> {
    if !s[u..].starts_with(b"user ") || (u > lo && s[u - 1].is_ascii_alphanumeric()) {
        return None;
    }
    let n = u + 5;
    let first = *s.get(n)?;
    if first == b'"' || first == b'\'' {
        let close = memchr::memchr(first, &s[n + 1..])?;
        return (close > 0).then_some((n + 1, n + 1 + close));
    }
    let mut e = n;
    while e < s.len() && !is_space(s[e]) && s[e] != b':' && s[e] != b',' {
        e += 1;
    }
    (e > n && (s[e..].starts_with(b":") || s[e..].starts_with(b" not found"))).then_some((n, e))
}

#[cfg(test)]
mod tests;
