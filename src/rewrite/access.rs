//! Access lines (the Apache/nginx CLF family): the head rewritten by role
//! (client addresses truncated, ident and user fields pseudonymized), the
//! request's URL and the referer by the URL rules, the user agent by the
//! policy, every other field as free text; and the head of a line that only
//! looks like an access line, for the fallback.

use std::net::IpAddr;
use std::ops::Range;

use super::policy::Rule;
use super::replace::Replacer;
use super::text;
use super::url;
use crate::format::access::{self, AccessLine, Part, Role};
use crate::format::layout::{self, Layout, Role as LayoutRole, TimeKind};
use crate::ip;

/// Scratch space for a line's head, reused from line to line.
#[derive(Debug, Default)]
pub struct HeadScratch {
    toks: Vec<Range<usize>>,
    parts: Vec<Part>,
}

/// The fallback for a line no parser understood, in place of the generic
/// scrubber alone: when the line has a CLF timestamp, its head is still
/// rewritten by role (so a user field survives neither way) and what follows
/// the time goes through the scrubber; any other line goes through the
/// scrubber whole.
pub fn write_unparsed(
    ctx: &mut Replacer<'_>,
    scratch: &mut HeadScratch,
    line: &[u8],
    out: &mut Vec<u8>,
) {
    if let Some((time, _)) = access::find_time(line) {
        let head_end = line[..time.start]
            .iter()
            .rposition(|&b| b != b' ')
            .map_or(0, |p| p + 1);
        access::parse_head(line, 0..head_end, &mut scratch.toks, &mut scratch.parts);
        let pos = write_head(ctx, &scratch.parts, line, out);
        out.extend_from_slice(&line[pos..time.end]);
        text::write_text(ctx, &line[time.end..], out);
    } else {
        text::write_line(ctx, line, out);
    }
}

/// Writes the head parts of `line`; returns the offset up to which `line` has
/// been consumed.
pub(super) fn write_head(
    ctx: &mut Replacer<'_>,
    parts: &[Part],
    line: &[u8],
    out: &mut Vec<u8>,
) -> usize {
    let mut pos = 0;
    for (role, r) in parts {
        // Gaps between parts are spaces, or separators that are scrubbed.
        let gap = &line[pos..r.start];
        if gap.iter().all(|&b| b == b' ') {
            out.extend_from_slice(gap);
        } else {
            text::write_text(ctx, gap, out);
        }
        let v = &line[r.clone()];
        match role {
            Role::Vhost | Role::Other => text::write_lenient(ctx, v, out),
            Role::Client => ctx.write_clients(v, out),
            Role::Ident => ctx.write_user_single(v, out),
            Role::User => ctx.write_user_field(v, out),
        }
        pos = r.end;
    }
    pos
}

/// Rewrites a parsed access line: the head by role, the user agent by the
/// policy, a trailing user field when `trailing_user`, and every other field
/// through the scrubber.
pub fn write_access(
    ctx: &mut Replacer<'_>,
    scratch: &mut HeadScratch,
    trailing_user: bool,
    line: &[u8],
    rec: &AccessLine,
    out: &mut Vec<u8>,
) {
    let pos = match common_head(line, rec.head.end) {
        // `a.b.c.d - user`: the shape of nearly every line; the roles are
        // the ones `parse_head` would give (see `common_head`).
        Some((addr, user)) => {
            ctx.write_addr(addr, out);
            out.extend_from_slice(b" - ");
            ctx.write_user_field(&line[user.clone()], out);
            user.end
        }
        None => {
            access::parse_head(
                line,
                rec.head.clone(),
                &mut scratch.toks,
                &mut scratch.parts,
            );
            write_head(ctx, &scratch.parts, line, out)
        }
    };
    out.extend_from_slice(&line[pos..rec.time.end]);
    let end = if trailing_user && rec.extra < line.len() {
        rec.extra
    } else {
        line.len()
    };
    // The fields after the time, in order: the request, the referer and the
    // user agent by their rules; the gaps between them (status, size, other
    // fields) as free text.
    let mut from = rec.tail.start;
    let fields = [
        (Some(rec.request.clone()), Field::Request),
        (rec.quoted_after[0].clone(), Field::Referer),
        (rec.quoted_after[1].clone(), Field::UserAgent),
    ];
    for (k, (range, kind)) in fields.into_iter().enumerate() {
        let Some(r) = range.filter(|r| r.end <= end && r.end <= rec.extra.max(r.end)) else {
            continue;
        };
        if r.start < from {
            continue;
        }
        let gap = &line[from..r.start];
        if k == 1 {
            // Status, size and any other number between request and referer.
            write_response_fields(ctx, gap, out);
        } else {
            text::write_text(ctx, gap, out);
        }
        let v = &line[r.clone()];
        match kind {
            Field::Request => write_request(ctx, v, out),
            Field::Referer => write_referer(ctx, v, out),
            Field::UserAgent => text::write_user_agent(ctx, v, out),
        }
        from = r.end;
    }
    let extra = rec.extra.clamp(from, end);
    if rec.quoted_after[0].is_none() {
        write_response_fields(ctx, &line[from..extra], out);
    } else {
        text::write_text(ctx, &line[from..extra], out);
    }
    write_trailing_fields(ctx, &line[extra..end], out);
    if end < line.len() {
        write_trailing_user(ctx, &line[end..], out);
    }
}

/// A user field at the end of a line (`--trailing-user`), quoted or not,
/// after its spaces.
fn write_trailing_user(ctx: &mut Replacer<'_>, rest: &[u8], out: &mut Vec<u8>) {
    let lead = rest.iter().take_while(|&&b| b == b' ').count();
    out.extend_from_slice(&rest[..lead]);
    let field = &rest[lead..];
    if field.len() >= 2 && field[0] == b'"' && field[field.len() - 1] == b'"' {
        out.push(b'"');
        ctx.write_user_field(&field[1..field.len() - 1], out);
        out.push(b'"');
    } else {
        ctx.write_user_field(field, out);
    }
}

/// The fields between the request and the referer (`" 200 5432 "`): numbers
/// and `-` are the response's status and sizes, kept; anything else is free
/// text.
fn write_response_fields(ctx: &mut Replacer<'_>, s: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < s.len() {
        let e = s[i..]
            .iter()
            .position(|&b| matches!(b, b' ' | b'"' | b'\t'))
            .map_or(s.len(), |p| i + p);
        if e == i {
            out.push(s[i]);
            i += 1;
            continue;
        }
        let tok = &s[i..e];
        if tok == b"-" || tok.iter().all(u8::is_ascii_digit) {
            out.extend_from_slice(tok);
        } else {
            text::write_text(ctx, tok, out);
        }
        i = e;
    }
}

/// The fields after the combined layout (response times, byte counts,
/// upstreams, a trailing user the format does not declare): plain numbers
/// (integers, decimals) and `-` are kept, addresses truncated, and any other
/// field, bare or quoted, is replaced as a whole by an opaque token, since
/// nothing says what it holds.
fn write_trailing_fields(ctx: &mut Replacer<'_>, s: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b' ' || b == b'\t' {
            out.push(b);
            i += 1;
            continue;
        }
        if b == b'"' {
            let Ok((rest, body)) = crate::format::combinator::quoted(&s[i..]) else {
                text::write_text(ctx, &s[i..], out);
                return;
            };
            out.push(b'"');
            if body.is_empty() || body == b"-" {
                out.extend_from_slice(body);
            } else if is_address_list(body) {
                ctx.write_clients(body, out);
            } else {
                ctx.write_value(Some(Rule::Opaque), body, 1, out);
            }
            out.push(b'"');
            i = s.len() - rest.len();
            continue;
        }
        // `key=value`, `key="value"` (`X-Forwarded-For="a, b"`): the key is
        // kept, the value is a field of its own.
        let key = s[i..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
            .count();
        if key > 0 && s.get(i + key) == Some(&b'=') {
            out.extend_from_slice(&s[i..i + key + 1]);
            i += key + 1;
            if s.get(i) == Some(&b'"') {
                continue;
            }
        }
        let e = s[i..]
            .iter()
            .position(|&b| b == b' ' || b == b'\t')
            .map_or(s.len(), |p| i + p);
        let tok = &s[i..e];
        // Nothing declares what a bare field holds: only a plain number
        // (a response time, a byte count) or `-` is kept; a word is no
        // safer than a quoted value (`Jane Doe` unquoted is two fields).
        if tok == b"-" || is_plain_number(tok) {
            out.extend_from_slice(tok);
        } else if is_address_list(tok) {
            ctx.write_clients(tok, out);
        } else {
            ctx.write_value(Some(Rule::Opaque), tok, 1, out);
        }
        i = e;
    }
}

/// `a.b.c.d`, `a.b.c.d, e.f.g.h`: an X-Forwarded-For list.
fn is_address_list(s: &[u8]) -> bool {
    s.split(|&b| b == b',').all(|a| {
        let a = a.trim_ascii();
        ip::parse_client(a).is_some_and(|c| c.1 == 0 && c.2 == a.len())
    })
}

/// The fields of an access line that have rules of their own.
#[derive(Debug, Clone, Copy)]
enum Field {
    Request,
    Referer,
    UserAgent,
}

/// `METHOD TARGET PROTOCOL` (inside its quotes): the method and protocol
/// are kept when they have their shapes, the target goes through the URL
/// rules; a request of any other shape (`-`, a TLS handshake, junk) is free
/// text.
fn write_request(ctx: &mut Replacer<'_>, r: &[u8], out: &mut Vec<u8>) {
    let method_end = r.iter().position(|&b| b == b' ');
    let Some(m) =
        method_end.filter(|&m| m > 0 && m <= 24 && r[..m].iter().all(u8::is_ascii_graphic))
    else {
        return text::write_text(ctx, r, out);
    };
    write_method(ctx, &r[..m], out);
    out.push(b' ');
    let rest = &r[m + 1..];
    let (target, proto) = match memchr::memrchr(b' ', rest) {
        Some(p) if rest[p + 1..].starts_with(b"HTTP/") || rest[p + 1..].starts_with(b"HTTPS/") => {
            (&rest[..p], &rest[p..])
        }
        _ => (rest, &b""[..]),
    };
    url::write_url(ctx, target, out);
    let shaped = proto.is_empty()
        || proto.len() <= 12
            && proto[1..]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.'));
    if shaped {
        out.extend_from_slice(proto);
    } else {
        text::write_text(ctx, proto, out);
    }
}

/// The methods of IANA's HTTP Method Registry (RFC 9110, WebDAV, CalDAV,
/// DeltaV, HTTP/2's `PRI`): the only request methods kept. A client may send
/// any token as its method, and the server logs it as sent.
const HTTP_METHODS: &[&[u8]] = &[
    b"ACL",
    b"BASELINE-CONTROL",
    b"BIND",
    b"CHECKIN",
    b"CHECKOUT",
    b"CONNECT",
    b"COPY",
    b"DELETE",
    b"GET",
    b"HEAD",
    b"LABEL",
    b"LINK",
    b"LOCK",
    b"MERGE",
    b"MKACTIVITY",
    b"MKCALENDAR",
    b"MKCOL",
    b"MKREDIRECTREF",
    b"MKWORKSPACE",
    b"MOVE",
    b"OPTIONS",
    b"ORDERPATCH",
    b"PATCH",
    b"POST",
    b"PRI",
    b"PROPFIND",
    b"PROPPATCH",
    b"PUT",
    b"QUERY",
    b"REBIND",
    b"REPORT",
    b"SEARCH",
    b"TRACE",
    b"UNBIND",
    b"UNCHECKOUT",
    b"UNLINK",
    b"UNLOCK",
    b"UPDATE",
    b"UPDATEREDIRECTREF",
    b"VERSION-CONTROL",
];

/// A request method: kept when it is a registered one, else an opaque
/// keyed token (distinct methods stay distinct, none is readable).
pub(super) fn write_method(ctx: &mut Replacer<'_>, m: &[u8], out: &mut Vec<u8>) {
    if HTTP_METHODS.contains(&m) {
        out.extend_from_slice(m);
    } else {
        write_opaque(ctx, m, out);
    }
}

/// A referer: `-`, a URL, or anything else as free text.
fn write_referer(ctx: &mut Replacer<'_>, r: &[u8], out: &mut Vec<u8>) {
    if r == b"-" || r.is_empty() {
        out.extend_from_slice(r);
    } else if url::looks_like_url(r) {
        url::write_url(ctx, r, out);
    } else {
        text::write_text(ctx, r, out);
    }
}

/// The common head `address - user` (a bare IPv4 or IPv6 client, `-` ident,
/// a user field that does not start with a space), for which `parse_head`
/// would assign exactly these roles: a `-` is never address-like, so the
/// client list ends after the address, and with a `-` ident the rest is the
/// user field. Returns the address and the user field's range.
pub(super) fn common_head(line: &[u8], head_end: usize) -> Option<(IpAddr, Range<usize>)> {
    let n = line[..head_end].iter().position(|&b| b == b' ')?;
    let tok = &line[..n];
    let addr = match ip::parse_ipv4_prefix(tok) {
        Some((a, len)) if len == n => IpAddr::V4(a),
        Some(_) => return None,
        None => match ip::parse_client(tok) {
            Some((a @ IpAddr::V6(_), 0, e)) if e == n => a,
            _ => return None,
        },
    };
    let user = n + 3..head_end;
    (line[n..].starts_with(b" - ") && user.start < user.end && line[user.start] != b' ')
        .then_some((addr, user))
}

/// Rewrites a line parsed by a declared layout (`fields`: one range per
/// field of `layout`, from [`Layout::parse`]): literal text is copied, each
/// field is rewritten by its role, and a field of a directive anonlog does
/// not know becomes an opaque token. `time_read`: the field whose time
/// [`Layout::timestamp`] read (it is kept without being read again).
pub fn write_layout(
    ctx: &mut Replacer<'_>,
    layout: &Layout,
    line: &[u8],
    fields: &[Range<usize>],
    time_read: Option<usize>,
    out: &mut Vec<u8>,
) {
    let mut pos = 0;
    for (k, (f, r)) in layout.fields.iter().zip(fields).enumerate() {
        // Between fields: the layout's literal text.
        out.extend_from_slice(&line[pos..r.start]);
        if time_read == Some(k) {
            out.extend_from_slice(&line[r.clone()]);
        } else {
            write_layout_field(ctx, f.role, &line[r.clone()], out);
        }
        pos = r.end;
    }
    // Trailing white space the layout allows.
    out.extend_from_slice(&line[pos..]);
}

/// One field of a declared layout, by its role.
fn write_layout_field(ctx: &mut Replacer<'_>, role: LayoutRole, v: &[u8], out: &mut Vec<u8>) {
    match role {
        LayoutRole::Client => ctx.write_clients(v, out),
        LayoutRole::Ident => ctx.write_user_single(v, out),
        LayoutRole::User => ctx.write_user_field(v, out),
        LayoutRole::Time(kind) => {
            if layout::time_value(kind, v).is_some()
                || (kind == TimeKind::Custom && is_time_shaped(v))
            {
                out.extend_from_slice(v);
            } else {
                text::write_text(ctx, v, out);
            }
        }
        LayoutRole::Request => write_request(ctx, v, out),
        LayoutRole::Url if v.is_empty() || v == b"-" => out.extend_from_slice(v),
        LayoutRole::Url => url::write_url(ctx, v, out),
        LayoutRole::Referer => write_referer(ctx, v, out),
        LayoutRole::UserAgent => text::write_user_agent(ctx, v, out),
        LayoutRole::Status | LayoutRole::Size | LayoutRole::Duration | LayoutRole::Port => {
            if is_number_list(v) {
                out.extend_from_slice(v);
            } else {
                write_opaque(ctx, v, out);
            }
        }
        LayoutRole::Vhost => text::write_lenient(ctx, v, out),
        LayoutRole::Method => write_method(ctx, v, out),
        LayoutRole::Protocol => {
            if v.len() <= 64
                && v.iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'-' | b'_'))
            {
                out.extend_from_slice(v);
            } else {
                write_opaque(ctx, v, out);
            }
        }
        LayoutRole::Opaque => write_opaque(ctx, v, out),
    }
}

/// A field nothing says is safe: `-` and empty stay, anything else becomes
/// a keyed opaque token of its decoded value.
fn write_opaque(ctx: &mut Replacer<'_>, v: &[u8], out: &mut Vec<u8>) {
    if v.is_empty() || v == b"-" {
        out.extend_from_slice(v);
    } else {
        ctx.write_value(Some(Rule::Opaque), v, 1, out);
    }
}

/// Numbers (integers or decimals) or `-`, alone or in the lists nginx
/// writes for several upstreams (`0.012, 0.004 : 0.100`).
fn is_number_list(v: &[u8]) -> bool {
    !v.is_empty()
        && v.split(|&b| b == b',' || b == b':' || b == b' ')
            .filter(|t| !t.is_empty())
            .all(|t| t == b"-" || is_plain_number(t))
        && v.iter().any(|&b| b != b' ' && b != b',' && b != b':')
}

/// An integer or a decimal: digits with at most one `.` between digits.
pub(super) fn is_plain_number(t: &[u8]) -> bool {
    let mut parts = t.splitn(2, |&b| b == b'.');
    let int = parts.next().unwrap_or_default();
    let ok = |p: &[u8]| !p.is_empty() && p.iter().all(u8::is_ascii_digit);
    ok(int) && parts.next().is_none_or(ok)
}

/// A time written in a format of the admin's choice: digits, month and day
/// names and punctuation, short.
fn is_time_shaped(v: &[u8]) -> bool {
    v.len() <= 64
        && v.iter()
            .all(|b| b.is_ascii_alphanumeric() || b" []:/-+.,T".contains(b))
        && v.iter().filter(|b| b.is_ascii_alphabetic()).count() <= 12
}
