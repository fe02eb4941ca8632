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
//!   (value replaced by [`REDACTED`]) or a known identity (value pseudonymized);
//! - `"key": "value"` pairs of JSON-like text with the same key lists;
//! - `user "name"` and `user name: ...` / `user name not found` in error logs.
//!
//! Keys are matched ASCII case-insensitively. Values end at `&`, `#`, `?`,
//! white space, a quote (raw or log-escaped) or the end of the field; for an encoded
//! parameter also at `%26`. A secret's value is taken greedily so that no part
//! of it can survive.

use crate::ip;
use crate::rewrite::Ctx;

/// The marker written in place of a secret parameter's value.
pub const REDACTED: &[u8] = b"REDACTED";

/// What a parameter key says about its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A secret: the value is replaced by [`REDACTED`].
    Secret,
    /// A user identity: digits are a user id, values with `@` an e-mail
    /// address, anything else a name.
    Identity,
    /// An e-mail address.
    Email,
}

/// Secret parameter names recognised by default (lowercase).
pub const DEFAULT_SECRETS: &[&str] = &[
    "sesskey",
    "wstoken",
    "token",
    "password",
    "passwd",
    "pass",
    "pw",
    "pwd",
    "authtoken",
    "auth_token",
    "checksum",
    "sessiontoken",
    "session_token",
    "moderatorpw",
    "attendeepw",
    "secret",
    "apikey",
    "api_key",
    "access_token",
    "refresh_token",
    "id_token",
    "logintoken",
    "ticket",
    "samlresponse",
    "samlrequest",
    "sid",
    "sessid",
    "sessionid",
    "phpsessid",
    "jsessionid",
    "moodlesession",
    "csrf",
    "csrf_token",
    "_token",
    "nsp",
];

/// Identity parameter names recognised by default (lowercase). `id` is an
/// identity only on the user pages listed in [`USER_ID_PATHS`].
pub const DEFAULT_IDENTITIES: &[&str] = &[
    "userid",
    "user_id",
    "user",
    "username",
    "realuserid",
    "relateduserid",
    "externaluserid",
    "fullname",
    "firstname",
    "lastname",
    "remote_user",
    "uid",
    "cid",
    "_id",
];

/// E-mail parameter names recognised by default (lowercase).
pub const DEFAULT_EMAILS: &[&str] = &["email", "mail", "e-mail", "emailaddress"];

/// Paths (suffixes) on which the `id` parameter is a user id.
pub const USER_ID_PATHS: &[&[u8]] = &[
    b"/user/profile.php",
    b"/user/view.php",
    b"/message/index.php",
];

/// The parameter-name lists in force.
#[derive(Debug, Clone)]
pub struct ParamRules {
    names: Vec<(Vec<u8>, ParamKind)>,
}

impl Default for ParamRules {
    fn default() -> Self {
        ParamRules::new(&[], &[])
    }
}

impl ParamRules {
    /// The default lists extended with `extra_secrets` and `extra_identities`
    /// (matched case-insensitively).
    pub fn new(extra_secrets: &[String], extra_identities: &[String]) -> ParamRules {
        let mut names = Vec::new();
        let mut add = |n: &[u8], k: ParamKind| {
            let n = n.to_ascii_lowercase();
            names.retain(|(m, _): &(Vec<u8>, ParamKind)| *m != n);
            names.push((n, k));
        };
        for n in DEFAULT_IDENTITIES {
            add(n.as_bytes(), ParamKind::Identity);
        }
        for n in DEFAULT_EMAILS {
            add(n.as_bytes(), ParamKind::Email);
        }
        for n in extra_identities {
            add(n.as_bytes(), ParamKind::Identity);
        }
        // Secrets last: a name in both lists is treated as a secret.
        for n in DEFAULT_SECRETS {
            add(n.as_bytes(), ParamKind::Secret);
        }
        for n in extra_secrets {
            add(n.as_bytes(), ParamKind::Secret);
        }
        ParamRules { names }
    }

    /// The kind of parameter `key`, if it is sensitive.
    pub fn classify(&self, key: &[u8]) -> Option<ParamKind> {
        if key.len() > 32 {
            return None;
        }
        self.names
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(key))
            .map(|(_, k)| *k)
    }
}

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
    while i < s.len() {
        let b = s[i];
        if b == b'&' || b == b'#' || b == b'?' || is_space(b) || quote_len(s, i) > 0 {
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
fn on_user_path(s: &[u8], ks: usize) -> bool {
    // The URL starts after the last white space or quote before the key.
    let start = s[..ks]
        .iter()
        .rposition(|&b| is_space(b) || b == b'"')
        .map_or(0, |p| p + 1);
    let url = &s[start..ks];
    // The query this key belongs to starts at the last `?` (raw or `%3F`).
    let raw = memchr::memrchr(b'?', url);
    let enc = (0..url.len().saturating_sub(2))
        .rev()
        .find(|&i| pct_is(url, i, b"3F"));
    let q = match (raw, enc) {
        (Some(a), Some(b)) => a.max(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return false,
    };
    let path = &url[..q];
    USER_ID_PATHS.iter().any(|p| {
        path.len() >= p.len() && path[path.len() - p.len()..].eq_ignore_ascii_case(p)
            || decoded_ends_with(path, p)
    })
}

fn decoded_ends_with(path: &[u8], suffix: &[u8]) -> bool {
    if !path.contains(&b'%') {
        return false;
    }
    let mut d = Vec::with_capacity(path.len());
    percent_decode_into(path, false, &mut d);
    d.len() >= suffix.len() && d[d.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

fn hexval(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Undoes Apache and nginx log escaping: `\xHH`, `\"`, `\\`, `\n`, `\t`, `\r`.
pub fn log_unescape_into(s: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && i + 1 < s.len() {
            match s[i + 1] {
                b'x' if i + 3 < s.len() => {
                    if let (Some(h), Some(l)) = (hexval(s[i + 2]), hexval(s[i + 3])) {
                        out.push(h << 4 | l);
                        i += 4;
                        continue;
                    }
                }
                b'"' | b'\\' => {
                    out.push(s[i + 1]);
                    i += 2;
                    continue;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                b'r' => {
                    out.push(b'\r');
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(s[i]);
        i += 1;
    }
}

/// Percent-decodes `s` into `out`; with `plus`, `+` becomes a space (query
/// strings). Invalid escapes are copied as they are.
pub fn percent_decode_into(s: &[u8], plus: bool, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'%' && i + 2 < s.len() {
            if let (Some(h), Some(l)) = (hexval(s[i + 1]), hexval(s[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(if plus && b == b'+' { b' ' } else { b });
        i += 1;
    }
}

/// Rewrites free text `s` into `out`. See the module docs for what is found.
pub fn scrub(ctx: &mut Ctx<'_>, s: &[u8], out: &mut Vec<u8>) {
    scrub_inner(ctx, s, out, true);
}

/// Like [`scrub`], for the fields of a parsed access line, where a raw
/// `"key":` cannot occur (both servers escape quotes inside fields), so JSON
/// pairs are not looked for.
pub fn scrub_fields(ctx: &mut Ctx<'_>, s: &[u8], out: &mut Vec<u8>) {
    scrub_inner(ctx, s, out, false);
}

fn scrub_inner(ctx: &mut Ctx<'_>, s: &[u8], out: &mut Vec<u8>, json: bool) {
    let mut emitted = 0;
    let mut i = 0;
    let colon = if json { b':' } else { b'=' };
    while let Some(off) = memchr::memchr3(b'=', b'%', colon, &s[i..]) {
        let a = i + off;
        let (alen, encoded) = match s[a] {
            b'=' => (1, false),
            b'%' if pct_is(s, a, b"3D") => (3, true),
            b':' => {
                // `"key": "value"` or `"key":value` (JSON-like).
                if let Some((ks, vs, ve)) = json_pair(s, a) {
                    if let Some(kind) = ctx.rules.classify(&s[ks..a - 1]) {
                        if vs >= emitted {
                            free_text(ctx, &s[emitted..vs], out);
                            ctx.write_param_value(kind, &s[vs..ve], out);
                            emitted = ve;
                        }
                        i = ve.max(a + 1);
                        continue;
                    }
                }
                i = a + 1;
                continue;
            }
            _ => {
                i = a + 1;
                continue;
            }
        };
        let mut ks = a;
        while ks > emitted && is_key_byte(s[ks - 1]) {
            // `%3Fkey`, `%26key`: the encoded delimiter ends the walk.
            if ks >= emitted + 3 && key_boundary_encoded(s, ks) {
                break;
            }
            ks -= 1;
        }
        if ks == a || !key_boundary(s, ks) {
            i = a + alen;
            continue;
        }
        let key = &s[ks..a];
        let kind = match ctx.rules.classify(key) {
            Some(k) => Some(k),
            None if key.eq_ignore_ascii_case(b"id") && on_user_path(s, ks) => {
                Some(ParamKind::Identity)
            }
            None => None,
        };
        let Some(kind) = kind else {
            i = a + alen;
            continue;
        };
        let vs = a + alen;
        let ve = value_end(s, vs, encoded);
        free_text(ctx, &s[emitted..vs], out);
        ctx.write_param_value(kind, &s[vs..ve], out);
        emitted = ve;
        i = ve.max(vs);
    }
    free_text(ctx, &s[emitted..], out);
}

/// For a `:` at `colon`, recognises `"key" : "value"` / `"key":value` and
/// returns (key start, value start, value end). The key is `s[ks..colon-1]`.
fn json_pair(s: &[u8], colon: usize) -> Option<(usize, usize, usize)> {
    if colon < 3 || s[colon - 1] != b'"' {
        return None;
    }
    let kq = memchr::memrchr(b'"', &s[..colon - 1])?;
    let ks = kq + 1;
    if ks == colon - 1 || !s[ks..colon - 1].iter().all(|&b| is_key_byte(b)) {
        return None;
    }
    let mut v = colon + 1;
    while v < s.len() && s[v] == b' ' {
        v += 1;
    }
    if v >= s.len() {
        return None;
    }
    if s[v] == b'"' {
        let vs = v + 1;
        let mut e = vs;
        while e < s.len() && s[e] != b'"' {
            e += if s[e] == b'\\' { 2 } else { 1 };
        }
        Some((ks, vs, e.min(s.len())))
    } else {
        let vs = v;
        let mut e = vs;
        while e < s.len() && !matches!(s[e], b',' | b'}' | b']' | b' ') {
            e += 1;
        }
        if e == vs || &s[vs..e] == b"null" {
            return None;
        }
        Some((ks, vs, e))
    }
}

/// Free text: e-mail addresses, error-log user names, then addresses.
fn free_text(ctx: &mut Ctx<'_>, s: &[u8], out: &mut Vec<u8>) {
    let mut pos = 0;
    while let Some((start, end, kind)) = next_person(s, pos) {
        addresses(ctx, &s[pos..start], out);
        match kind {
            Person::Email => ctx.write_email(&s[start..end], out),
            Person::User => ctx.write_user_single(&s[start..end], out),
        }
        pos = end;
    }
    addresses(ctx, &s[pos..], out);
}

enum Person {
    Email,
    User,
}

/// The next e-mail address or error-log user name in `s` at or after `from`.
fn next_person(s: &[u8], from: usize) -> Option<(usize, usize, Person)> {
    let email = find_email(s, from);
    let user = find_error_log_user(s, from, email.map_or(s.len(), |e| e.0));
    match (email, user) {
        (_, Some((a, b))) => Some((a, b, Person::User)),
        (Some((a, b)), None) => Some((a, b, Person::Email)),
        (None, None) => None,
    }
}

#[inline]
fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+' | b'%' | b'\'' | b'!')
}

/// Finds `local@domain.tld` (or `local%40domain.tld`) in `s` from `from`.
pub fn find_email(s: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while let Some(off) = memchr::memchr2(b'@', b'%', &s[i..]) {
        let at = i + off;
        let alen = if s[at] == b'@' {
            1
        } else if pct_is(s, at, b"40") {
            3
        } else {
            i = at + 1;
            continue;
        };
        let mut ls = at;
        while ls > from && is_local_byte(s[ls - 1]) {
            ls -= 1;
        }
        // Do not swallow the `%3D` of an encoded `key%3Dlocal%40host`.
        if let Some(p) = s[ls..at].windows(3).rposition(|w| {
            w[0] == b'%'
                && (w[1..].eq_ignore_ascii_case(b"3d") || w[1..].eq_ignore_ascii_case(b"26"))
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
        if ls < at && (tld_ok || ip_domain) {
            return Some((ls, de));
        }
        i = at + alen;
    }
    None
}

/// `user "name"`, `user 'name'`, `user name: ...`, `user name not found`, as in
/// nginx and Apache authentication errors. Returns the span of the name.
fn find_error_log_user(s: &[u8], from: usize, before: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while let Some(off) = memchr::memmem::find(&s[i..before.min(s.len())], b"user ") {
        let u = i + off;
        i = u + 5;
        if u > 0 && s[u - 1].is_ascii_alphanumeric() {
            continue;
        }
        let n = u + 5;
        if n >= s.len() {
            return None;
        }
        if s[n] == b'"' || s[n] == b'\'' {
            let q = s[n];
            let close = memchr::memchr(q, &s[n + 1..])?;
            if close == 0 {
                continue;
            }
            return Some((n + 1, n + 1 + close));
        }
        let mut e = n;
        while e < s.len() && !is_space(s[e]) && s[e] != b':' && s[e] != b',' {
            e += 1;
        }
        if e > n && (s[e..].starts_with(b":") || s[e..].starts_with(b" not found")) {
            return Some((n, e));
        }
    }
    None
}

/// Addresses only.
fn addresses(ctx: &Ctx<'_>, s: &[u8], out: &mut Vec<u8>) {
    let mut pos = 0;
    while let Some(f) = ip::find_next(s, pos) {
        out.extend_from_slice(&s[pos..f.start]);
        ctx.policy.write_truncated(f.addr, out);
        pos = f.end;
    }
    out.extend_from_slice(&s[pos..]);
}

#[cfg(test)]
mod tests;
