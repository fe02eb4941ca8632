//! Line rewriting: turns one input line into its anonymized form.
//!
//! [`Rewriter`] holds what is shared and read-only (options, the keyed
//! pseudonymizer); [`Worker`] holds what each thread owns (pseudonym cache,
//! scratch buffers), so the hot loop neither locks nor allocates. Only the
//! sensitive byte ranges a parser reports are replaced; every other byte is
//! copied verbatim, so the output is a log of the same format.

use std::net::IpAddr;
use std::ops::Range;

use crate::format::access::{self, AccessLine, ParseError, Part, Role};
use crate::format::Format;
use crate::ip::{self, IpPolicy};
use crate::pseudonym::{Namespace, PseudonymCache, Pseudonymizer};
use crate::scrub::{self, ParamKind, ParamRules, REDACTED};

/// What happens to a line that no parser understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnUnparsed {
    /// Rewrite it with the generic scrubber (addresses, e-mail addresses,
    /// secret and identity parameters, quoted user names) and keep it.
    #[default]
    Scrub,
    /// Leave it out of the output.
    Drop,
    /// Stop the run with an error naming the line.
    Fail,
}

/// Options that decide how lines are rewritten.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Address truncation.
    pub policy: IpPolicy,
    /// Secret and identity parameter names.
    pub rules: ParamRules,
    /// Fallback for lines no parser understands.
    pub on_unparsed: OnUnparsed,
    /// The last field of an access line (after the user agent, or after the
    /// size when there is none) is a user field, as when
    /// `%{MOODLEUSER}n` or `$sent_http_x_moodleuser` is appended to combined.
    pub trailing_user: bool,
}

/// The result of rewriting one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Empty or white space only; copied as it is.
    Blank,
    /// Parsed and rewritten field by field.
    Rewritten,
    /// Not understood; rewritten by the generic scrubber.
    Scrubbed(ParseError),
    /// Not understood; left out of the output.
    Dropped(ParseError),
    /// Not understood, with `--on-unparsed fail`: nothing was written.
    Failed(ParseError),
}

/// Shared, read-only rewriting state.
#[derive(Debug)]
pub struct Rewriter {
    opts: Options,
    pseudo: Pseudonymizer,
}

/// Per-thread mutable state: pseudonym cache and scratch space.
#[derive(Debug, Default)]
pub struct Worker {
    cache: PseudonymCache,
    buf: Vec<u8>,
    buf2: Vec<u8>,
    toks: Vec<Range<usize>>,
    parts: Vec<Part>,
}

/// What the rewriting helpers need: shared options plus this thread's state.
pub struct Ctx<'a> {
    /// Parameter names.
    pub rules: &'a ParamRules,
    /// Address truncation.
    pub policy: IpPolicy,
    pseudo: &'a Pseudonymizer,
    cache: &'a mut PseudonymCache,
    buf: &'a mut Vec<u8>,
    buf2: &'a mut Vec<u8>,
}

impl Rewriter {
    /// A rewriter with `opts` and the pseudonym function `pseudo`.
    pub fn new(opts: Options, pseudo: Pseudonymizer) -> Rewriter {
        Rewriter { opts, pseudo }
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    fn ctx<'a>(
        &'a self,
        w: &'a mut Worker,
    ) -> (Ctx<'a>, &'a mut Vec<Range<usize>>, &'a mut Vec<Part>) {
        (
            Ctx {
                rules: &self.opts.rules,
                policy: self.opts.policy,
                pseudo: &self.pseudo,
                cache: &mut w.cache,
                buf: &mut w.buf,
                buf2: &mut w.buf2,
            },
            &mut w.toks,
            &mut w.parts,
        )
    }

    /// Rewrites `line` (without its line terminator) in `format`, appending
    /// the result to `out` (also without a terminator).
    pub fn rewrite_line(
        &self,
        w: &mut Worker,
        format: Format,
        line: &[u8],
        out: &mut Vec<u8>,
    ) -> Outcome {
        if line.iter().all(|&b| b == b' ' || b == b'\t') {
            out.extend_from_slice(line);
            return Outcome::Blank;
        }
        let err = match format {
            Format::Access => match access::parse(line) {
                Ok(rec) => {
                    let (mut ctx, toks, parts) = self.ctx(w);
                    write_access(
                        &mut ctx,
                        toks,
                        parts,
                        self.opts.trailing_user,
                        line,
                        &rec,
                        out,
                    );
                    return Outcome::Rewritten;
                }
                Err(e) => e,
            },
            Format::Generic => ParseError {
                field: "line",
                offset: 0,
            },
        };
        match self.opts.on_unparsed {
            OnUnparsed::Scrub => {
                self.scrub_line(w, line, out);
                Outcome::Scrubbed(err)
            }
            OnUnparsed::Drop => Outcome::Dropped(err),
            OnUnparsed::Fail => Outcome::Failed(err),
        }
    }

    /// The fail-closed fallback for a line no parser understood: when the line
    /// has a CLF timestamp, its head is still rewritten by role (so a user
    /// field survives neither way); everything else goes through the generic
    /// scrubber.
    pub fn scrub_line(&self, w: &mut Worker, line: &[u8], out: &mut Vec<u8>) {
        let (mut ctx, toks, parts) = self.ctx(w);
        if let Some((time, _)) = access::find_time(line) {
            let head_end = line[..time.start]
                .iter()
                .rposition(|&b| b != b' ')
                .map_or(0, |p| p + 1);
            access::parse_head(line, 0..head_end, toks, parts);
            let pos = write_head(&mut ctx, parts, line, out);
            out.extend_from_slice(&line[pos..time.end]);
            scrub::scrub(&mut ctx, &line[time.end..], out);
        } else {
            scrub::scrub(&mut ctx, line, out);
        }
    }
}

/// Writes the head parts of `line`; returns the offset up to which `line` has
/// been consumed.
fn write_head(ctx: &mut Ctx<'_>, parts: &[Part], line: &[u8], out: &mut Vec<u8>) -> usize {
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

fn write_access(
    ctx: &mut Ctx<'_>,
    toks: &mut Vec<Range<usize>>,
    parts: &mut Vec<Part>,
    trailing_user: bool,
    line: &[u8],
    rec: &AccessLine,
    out: &mut Vec<u8>,
) {
    let pos = match common_head(line, rec.head.end) {
        // `a.b.c.d - user`: the shape of nearly every line; the roles are
        // the ones `parse_head` would give (see `common_head`).
        Some((addr, user)) => {
            ctx.policy.write_truncated(addr, out);
            out.extend_from_slice(b" - ");
            ctx.write_user_field(&line[user.clone()], out);
            user.end
        }
        None => {
            access::parse_head(line, rec.head.clone(), toks, parts);
            write_head(ctx, parts, line, out)
        }
    };
    out.extend_from_slice(&line[pos..rec.time.end]);
    if trailing_user && rec.extra < line.len() {
        scrub::scrub_fields(ctx, &line[rec.tail.start..rec.extra], out);
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
        scrub::scrub_fields(ctx, &line[rec.tail.clone()], out);
    }
}

/// The common head `address - user` (a bare IPv4 or IPv6 client, `-` ident,
/// a user field that does not start with a space), for which `parse_head`
/// would assign exactly these roles: a `-` is never address-like, so the
/// client list ends after the address, and with a `-` ident the rest is the
/// user field. Returns the address and the user field's range.
fn common_head(line: &[u8], head_end: usize) -> Option<(IpAddr, Range<usize>)> {
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

/// Values that are not people: kept as they are in user fields.
fn is_placeholder(v: &[u8]) -> bool {
    v.is_empty() || v.iter().all(|&b| b == b'-' || b == b' ')
}

impl Ctx<'_> {
    fn token(&mut self, ns: Namespace, value: &[u8], out: &mut Vec<u8>) {
        let t = self.cache.get(self.pseudo, ns, value);
        out.extend_from_slice(t.as_bytes());
    }

    /// Pseudonymizes a decoded identity value: digits are a user id (0, not
    /// logged in, and 1, Moodle's guest, are kept), values with `@` an e-mail
    /// address, anything else a name.
    fn identity(&mut self, v: &[u8], out: &mut Vec<u8>) {
        if v.iter().all(u8::is_ascii_digit) {
            if v == b"0" || v == b"1" {
                out.extend_from_slice(v);
            } else {
                self.token(Namespace::UserId, v, out);
            }
        } else if v.contains(&b'@') {
            let lower = v.to_ascii_lowercase();
            self.token(Namespace::Email, &lower, out);
        } else {
            self.token(Namespace::Name, v, out);
        }
    }

    /// Writes the replacement for a parameter value `raw` (still escaped and
    /// percent-encoded as it appears in the log).
    pub fn write_param_value(&mut self, kind: ParamKind, raw: &[u8], out: &mut Vec<u8>) {
        if raw.is_empty() {
            return;
        }
        if kind == ParamKind::Secret {
            out.extend_from_slice(REDACTED);
            return;
        }
        let mut v = std::mem::take(self.buf);
        decode_param(raw, &mut v, self.buf2);
        match kind {
            ParamKind::Email => {
                v.make_ascii_lowercase();
                self.token(Namespace::Email, &v, out);
            }
            _ if is_placeholder(&v) => out.extend_from_slice(raw),
            _ => self.identity(&v, out),
        }
        *self.buf = v;
    }

    /// Writes the pseudonym of an e-mail address found in free text.
    pub fn write_email(&mut self, raw: &[u8], out: &mut Vec<u8>) {
        let mut v = std::mem::take(self.buf);
        decode_param(raw, &mut v, self.buf2);
        v.make_ascii_lowercase();
        self.token(Namespace::Email, &v, out);
        *self.buf = v;
    }

    /// A single user value (no "X as Y"): `-` stays, anything else is
    /// pseudonymized. Log escapes are undone first, so `J\xC3\xBCrgen` (nginx)
    /// and `Jürgen` (Apache, Moodle CSV) get the same pseudonym.
    pub fn write_user_single(&mut self, raw: &[u8], out: &mut Vec<u8>) {
        if is_placeholder(raw) {
            out.extend_from_slice(raw);
            return;
        }
        let mut v = std::mem::take(self.buf);
        v.clear();
        scrub::log_unescape_into(raw, &mut v);
        self.identity(&v, out);
        *self.buf = v;
    }

    /// A user field: `-`, a value, or Moodle's "real as other" form, where
    /// both sides are replaced and ` as ` is kept.
    pub fn write_user_field(&mut self, raw: &[u8], out: &mut Vec<u8>) {
        // A short field: a plain scan beats a vectorised search's set-up.
        match raw.windows(4).position(|w| w == b" as ") {
            Some(p) if p > 0 && p + 4 < raw.len() => {
                self.write_user_single(&raw[..p], out);
                out.extend_from_slice(b" as ");
                self.write_user_single(&raw[p + 4..], out);
            }
            _ => self.write_user_single(raw, out),
        }
    }

    /// A client field: one address or a comma-separated list, optionally
    /// quoted. Addresses are truncated (ports and brackets kept); host names
    /// other than `localhost` and `unix:` are pseudonymized.
    pub fn write_clients(&mut self, raw: &[u8], out: &mut Vec<u8>) {
        if raw.first() != Some(&b'"') && !raw.contains(&b',') {
            return self.write_client(raw, out);
        }
        let (open, inner, close) = if raw.len() >= 2 && raw[0] == b'"' && raw[raw.len() - 1] == b'"'
        {
            (&b"\""[..], &raw[1..raw.len() - 1], &b"\""[..])
        } else {
            (&b""[..], raw, &b""[..])
        };
        out.extend_from_slice(open);
        for (k, elem) in inner.split(|&b| b == b',').enumerate() {
            if k > 0 {
                out.push(b',');
            }
            let lead = elem.iter().take_while(|&&b| b == b' ').count();
            let trail = elem[lead..]
                .iter()
                .rev()
                .take_while(|&&b| b == b' ')
                .count();
            let core = &elem[lead..elem.len() - trail];
            out.extend_from_slice(&elem[..lead]);
            self.write_client(core, out);
            out.extend_from_slice(&elem[elem.len() - trail..]);
        }
        out.extend_from_slice(close);
    }

    fn write_client(&mut self, v: &[u8], out: &mut Vec<u8>) {
        if let Some((addr, s, e)) = ip::parse_client(v) {
            out.extend_from_slice(&v[..s]);
            self.policy.write_truncated(addr, out);
            // A zone id names an interface of this host, not the client.
            let rest = &v[e..];
            out.extend_from_slice(rest);
        } else if matches!(v, b"" | b"-" | b"unix:" | b"localhost" | b"unknown")
            || v.eq_ignore_ascii_case(b"localhost")
        {
            out.extend_from_slice(v);
        } else {
            self.token(Namespace::Host, &v.to_ascii_lowercase(), out);
        }
    }
}

/// Decodes a parameter value for hashing: log escapes, then percent-encoding
/// with `+` as space, so `Max+Mustermann`, `Max%20Mustermann` and
/// `Max Mustermann` are one person.
fn decode_param(raw: &[u8], out: &mut Vec<u8>, tmp: &mut Vec<u8>) {
    tmp.clear();
    scrub::log_unescape_into(raw, tmp);
    out.clear();
    scrub::percent_decode_into(tmp, true, out);
}

#[cfg(test)]
mod tests;
