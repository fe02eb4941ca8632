//! The replacement sink: what a sensitive value becomes once a rule has
//! said what it is. User ids, names, e-mail addresses and host names become
//! keyed pseudonyms (decoded first, so that one person written in different
//! ways gets one pseudonym), addresses are truncated or encrypted, secrets
//! become `REDACTED`, and with the epoch's key destroyed every identity
//! becomes `REDACTED` too.
//!
//! It knows nothing of where values are found: the format rewriters and the
//! free-text scrubber call it.

use std::net::IpAddr;

use super::rules::{
    is_bbb_internal_id, is_placeholder, names_no_one, ParamKind, ParamRules, UaAction, REDACTED,
};
use crate::format::escape::{log_unescape_into, percent_decode_into};
use crate::ip::{self, IpPolicy};
use crate::pseudonym::{Namespace, PseudonymCache, Pseudonymizer};

/// What replaces a sensitive value: shared options plus this thread's
/// pseudonym cache and scratch space, for one line (or CSV record) whose
/// epoch key is already chosen.
pub struct Replacer<'a> {
    /// Parameter names.
    pub rules: &'a ParamRules,
    /// Address truncation.
    pub policy: IpPolicy,
    /// The key of this line's epoch; `None` when it was destroyed, in which
    /// case identities are replaced by [`REDACTED`] instead of pseudonyms.
    pub(super) pseudo: Option<&'a Pseudonymizer>,
    pub(super) cache: &'a mut PseudonymCache,
    pub(super) buf: &'a mut Vec<u8>,
    pub(super) buf2: &'a mut Vec<u8>,
    /// What to do with user agents on this line.
    pub ua: UaAction,
}

impl Replacer<'_> {
    /// Writes the pseudonym of `value` in namespace `ns` (or `REDACTED` when
    /// the epoch's key is gone).
    pub fn token(&mut self, ns: Namespace, value: &[u8], out: &mut Vec<u8>) {
        match self.pseudo {
            Some(p) => {
                let t = self.cache.get(p, ns, value);
                out.extend_from_slice(t.as_bytes());
            }
            // The epoch's key is gone: nobody may link this value any more.
            None => out.extend_from_slice(REDACTED),
        }
    }

    /// Writes an address in the configured IP mode: truncated, or encrypted
    /// prefix-preservingly with this epoch's key (truncated when the key is
    /// gone).
    pub fn write_addr(&self, addr: IpAddr, out: &mut Vec<u8>) {
        match (self.policy.mode, self.pseudo) {
            (ip::IpMode::Pfx, Some(p)) => ip::write_canonical(p.encrypt_ip(addr), out),
            _ => self.policy.write_truncated(addr, out),
        }
    }

    /// Pseudonymizes a decoded identity value: digits are a user id (0, not
    /// logged in, and 1, Moodle's guest, are kept), values with `@` an e-mail
    /// address, anything else a name.
    pub fn identity(&mut self, v: &[u8], out: &mut Vec<u8>) {
        if v.iter().all(u8::is_ascii_digit) {
            if v == b"0" || v == b"1" {
                out.extend_from_slice(v);
            } else {
                self.token(Namespace::UserId, v, out);
            }
        } else if is_bbb_internal_id(v) {
            self.token(Namespace::BbbUser, v, out);
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
            _ if is_placeholder(&v) || names_no_one(&v) => out.extend_from_slice(raw),
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
        log_unescape_into(raw, &mut v);
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
            self.write_addr(addr, out);
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
    log_unescape_into(raw, tmp);
    out.clear();
    percent_decode_into(tmp, true, out);
}
