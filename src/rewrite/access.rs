//! Access lines (the Apache/nginx CLF family): the head rewritten by role
//! (client addresses truncated, ident and user fields pseudonymized), the
//! user agent by the policy, every other field through the scrubber; and the
//! head of a line that only looks like an access line, for the fallback.

use std::net::IpAddr;
use std::ops::Range;

use super::replace::Replacer;
use super::rules::UaAction;
use super::scrub;
use crate::format::access::{self, AccessLine, Part, Role};
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
        scrub::scrub(ctx, &line[time.end..], out);
    } else {
        scrub::scrub(ctx, line, out);
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
            scrub::scrub(ctx, gap, out);
        }
        let v = &line[r.clone()];
        match role {
            Role::Vhost | Role::Other => scrub::scrub(ctx, v, out),
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
    let mut from = rec.tail.start;
    // The user agent (the second quoted field after the request), reduced
    // to its family or dropped when the policy says so.
    if let (UaAction::Family | UaAction::Drop, Some(ua)) = (ctx.ua, &rec.quoted_after[1]) {
        scrub::scrub_fields(ctx, &line[from..ua.start], out);
        scrub::write_user_agent(ctx, &line[ua.clone()], out);
        from = ua.end;
    }
    if trailing_user && rec.extra < line.len() {
        scrub::scrub_fields(ctx, &line[from..rec.extra], out);
        let rest = &line[rec.extra..];
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
    } else {
        scrub::scrub_fields(ctx, &line[from..], out);
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
