//! The replacement sink: what a value becomes once a rule has said what it
//! is. User ids, names, e-mail addresses, host names and BigBlueButton ids
//! become keyed pseudonyms (decoded first, so that one person written in
//! different ways gets one pseudonym); values no rule knows become opaque
//! keyed tokens; addresses are truncated or encrypted; secrets become
//! `REDACTED`; with the epoch's key destroyed every token becomes
//! `REDACTED` too. With a roster, any value that is a known person's form
//! becomes that person's pseudonym.
//!
//! It also remembers, for the record being rewritten, every identity it
//! replaced and every span it kept as written, so that
//! [`Replacer::fix_kept`] can make sure no kept span is the raw form of an
//! identity replaced elsewhere in the same record.
//!
//! It knows nothing of where values are found: the format rewriters, the
//! URL rules and the free-text rules call it.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::ops::Range;

use super::policy::{Policy, Rule};
use super::roster::Roster;
pub use super::rules::is_trivial;
use super::rules::{
    is_bbb_internal_id, is_constant, is_placeholder, keeps_count, names_no_one, FreeText, UaAction,
    REDACTED,
};
use crate::format::escape::{log_unescape_into, percent_decode_into};
use crate::ip::{self, IpPolicy};
use crate::pseudonym::{Namespace, PseudonymCache, Pseudonymizer, Token};

/// What one record has replaced and kept so far.
#[derive(Debug, Default)]
pub struct RecordScratch {
    /// The raw (decoded) identities and secrets replaced in this record,
    /// one after the other, and for each its end and pseudonym (`None`: a
    /// secret, replaced by `REDACTED`).
    seen_bytes: Vec<u8>,
    seen: Vec<(usize, Option<Token>)>,
    /// Output spans kept as written, in the buffer they were written to.
    kept: Vec<Range<usize>>,
    /// Scratch ranges (URL segments).
    pub(super) ranges: Vec<Range<usize>>,
}

impl RecordScratch {
    /// Forgets the previous record.
    pub fn clear(&mut self) {
        self.seen_bytes.clear();
        self.seen.clear();
        self.kept.clear();
    }

    /// The raw values replaced in the record, and whether each was a secret.
    pub fn replaced(&self) -> impl Iterator<Item = (&[u8], bool)> {
        let mut start = 0;
        self.seen.iter().map(move |&(end, t)| {
            let v = &self.seen_bytes[start..end];
            start = end;
            (v, t.is_none())
        })
    }
}

/// A remembered field: the spans kept in it and the writer's payload.
type Remembered = (Box<[(u32, u32)]>, u32);

/// Fields that were written unchanged before (user agents, request
/// targets, referers repeat from line to line): their text, by the writer
/// that wrote them, and the spans kept in them, so that the next time they
/// are copied with the same record bookkeeping instead of being rewritten.
/// Only unchanged fields are remembered: their output does not depend on
/// the epoch's key. Bounded: forgotten all at once when full.
#[derive(Debug, Default)]
pub struct Unchanged {
    map: HashMap<(u8, Box<[u8]>), Remembered, foldhash::fast::FixedState>,
    /// The rewriter whose fields these are.
    owner: u64,
}

impl Unchanged {
    /// Forgets everything when the fields were another rewriter's.
    pub fn belong_to(&mut self, owner: u64) {
        if self.owner != owner {
            self.map.clear();
            self.owner = owner;
        }
    }
}

/// How many fields [`Unchanged`] remembers.
const UNCHANGED_CAP: usize = 16 * 1024;
/// The longest field it remembers.
const UNCHANGED_MAX_LEN: usize = 1024;

/// What replaces a sensitive value: shared options plus this thread's
/// pseudonym cache and scratch space, for one line (or CSV record) whose
/// epoch key is already chosen.
pub struct Replacer<'a> {
    /// The value policy.
    pub policy: &'a Policy,
    /// Address truncation.
    pub ip: IpPolicy,
    /// The key of this line's epoch; `None` when it was destroyed, in which
    /// case every token is [`REDACTED`] instead.
    pub(super) pseudo: Option<&'a Pseudonymizer>,
    pub(super) cache: &'a mut PseudonymCache,
    pub(super) buf: &'a mut Vec<u8>,
    pub(super) buf2: &'a mut Vec<u8>,
    pub(super) record: &'a mut RecordScratch,
    /// The known people, if a roster was given.
    pub(super) roster: Option<&'a Roster>,
    /// What to do with user agents on this line.
    pub ua: UaAction,
    /// How free text is treated.
    pub free: FreeText,
    /// Fields written unchanged before.
    pub(super) unchanged: &'a mut Unchanged,
}

impl Replacer<'_> {
    /// The pseudonym of `value` in `ns` (or `None` when the key is gone).
    fn pseudonym(&mut self, ns: Namespace, value: &[u8]) -> Option<Token> {
        let pseudo = self.pseudo.filter(|p| !p.is_redacting());
        pseudo.map(|p| self.cache.get(p, ns, value))
    }

    /// The key, unless there is none or only the stand-in of
    /// [`Pseudonymizer::redacting`].
    fn keyed(&self) -> Option<&Pseudonymizer> {
        self.pseudo.filter(|p| !p.is_redacting())
    }

    /// Writes the pseudonym of `value` in namespace `ns` (or `REDACTED` when
    /// the epoch's key is gone). Identities are remembered for
    /// [`Replacer::fix_kept`]; opaque values are not.
    pub fn token(&mut self, ns: Namespace, value: &[u8], out: &mut Vec<u8>) {
        if ns != Namespace::Opaque && ns != Namespace::UserId {
            if let Some(id) = self.roster.and_then(|r| r.lookup(value)) {
                return self.token(Namespace::UserId, id, out);
            }
        }
        match self.pseudonym(ns, value) {
            Some(t) => {
                out.extend_from_slice(t.as_bytes());
                if ns != Namespace::Opaque {
                    self.note(value, t);
                }
            }
            // The epoch's key is gone: nobody may link this value any more.
            None => {
                out.extend_from_slice(REDACTED);
                if ns != Namespace::Opaque {
                    self.note(value, None);
                }
            }
        }
    }

    /// Remembers the identity `value` of namespace `ns` as replaced in this
    /// record (without writing it), for [`Replacer::fix_kept`].
    pub fn remember(&mut self, ns: Namespace, value: &[u8]) {
        let t = self.pseudonym(ns, value);
        self.note(value, t);
    }

    /// Remembers that `value` was replaced by `t` (`None`: `REDACTED`) in
    /// this record.
    fn note(&mut self, value: &[u8], t: impl Into<Option<Token>>) {
        let r = &mut *self.record;
        if r.seen.len() < 64 && !value.is_empty() {
            r.seen_bytes.extend_from_slice(value);
            r.seen.push((r.seen_bytes.len(), t.into()));
        }
    }

    /// Writes an opaque token of the decoded value `v`: the pseudonym of a
    /// roster person when `v` is one of their forms, else a `t_` token.
    pub fn opaque(&mut self, v: &[u8], out: &mut Vec<u8>) {
        if let Some(id) = self.roster.and_then(|r| r.lookup(v)) {
            return self.token(Namespace::UserId, id, out);
        }
        self.token(Namespace::Opaque, v, out);
    }

    /// Copies `raw` to `out` as it is, remembering the span (see
    /// [`Replacer::fix_kept`]); an address inside it (a version number
    /// `2.8.2.3` looks like one too) is truncated all the same, so that no
    /// kept span holds a client's address.
    #[inline]
    pub fn keep(&mut self, raw: &[u8], out: &mut Vec<u8>) {
        // Nothing kept is a known person's form.
        if let Some(id) = self.roster.and_then(|r| r.lookup_uncommon(raw)) {
            return self.token(Namespace::UserId, id, out);
        }
        let s = out.len();
        if may_hold_address(raw) {
            let mut from = 0;
            while let Some(f) = ip::find_next(raw, from) {
                out.extend_from_slice(&raw[from..f.start]);
                self.write_addr(f.addr, out);
                from = f.end;
            }
            out.extend_from_slice(&raw[from..]);
        } else {
            out.extend_from_slice(raw);
        }
        self.record.kept.push(s..out.len());
    }

    /// How many spans have been kept so far (for [`Replacer::fix_kept`]).
    pub fn kept_mark(&self) -> usize {
        self.record.kept.len()
    }

    /// Replaces, in `buf`, every span kept since `mark` whose text is the
    /// raw form of an identity replaced anywhere in this record, by that
    /// identity's pseudonym: a raw value never stands next to its own
    /// pseudonym. The spans must have been written to `buf`.
    pub fn fix_kept(&mut self, buf: &mut Vec<u8>, mark: usize) {
        let r = &mut *self.record;
        if r.seen.is_empty() || r.kept.len() <= mark {
            r.kept.truncate(mark);
            return;
        }
        // The lengths of the replaced values (up to 63 bytes; longer ones
        // share the last bit), so that most spans are passed over at once.
        let mut lengths = 0u64;
        let mut start = 0;
        for &(end, _) in &r.seen {
            lengths |= 1 << (end - start).min(63);
            start = end;
        }
        // From the last span back, so that earlier offsets stay valid.
        for k in (mark..r.kept.len()).rev() {
            let span = r.kept[k].clone();
            if lengths & (1 << span.len().min(63)) == 0 {
                continue;
            }
            let text = &buf[span.clone()];
            let mut start = 0;
            let hit = r.seen.iter().find_map(|&(end, t)| {
                let v = &r.seen_bytes[start..end];
                start = end;
                (v == text).then_some(t)
            });
            match hit {
                Some(Some(t)) => {
                    buf.splice(span, t.as_bytes().iter().copied());
                }
                Some(None) => {
                    buf.splice(span, REDACTED.iter().copied());
                }
                None => {}
            }
        }
        r.kept.truncate(mark);
    }

    /// Writes an address in the configured IP mode: truncated, or encrypted
    /// prefix-preservingly with this epoch's key (truncated when the key is
    /// gone).
    pub fn write_addr(&self, addr: IpAddr, out: &mut Vec<u8>) {
        match (self.ip.mode, self.keyed()) {
            (ip::IpMode::Pfx, Some(p)) => ip::write_canonical(p.encrypt_ip(addr), out),
            _ => self.ip.write_truncated(addr, out),
        }
    }

    /// Writes the field `raw` with `write`, unless the writer `class` wrote
    /// the same text unchanged before: then it is copied, with the spans
    /// kept in it remembered as `write` would have.
    pub fn once(
        &mut self,
        class: u8,
        raw: &[u8],
        out: &mut Vec<u8>,
        write: impl FnOnce(&mut Self, &[u8], &mut Vec<u8>),
    ) {
        self.once_with(class, raw, out, |ctx, raw, out| {
            write(ctx, raw, out);
            0
        });
    }

    /// [`Replacer::once`] for a writer that also returns a number (what it
    /// found out about the field), remembered with it.
    pub fn once_with(
        &mut self,
        class: u8,
        raw: &[u8],
        out: &mut Vec<u8>,
        write: impl FnOnce(&mut Self, &[u8], &mut Vec<u8>) -> u32,
    ) -> u32 {
        if raw.len() > UNCHANGED_MAX_LEN {
            return write(self, raw, out);
        }
        // Looked up without allocating: the key's bytes are borrowed.
        let key = (class, raw);
        if let Some((spans, found)) = self.unchanged.map.get(&key as &dyn UnchangedKey) {
            let base = out.len();
            out.extend_from_slice(raw);
            self.record.kept.extend(
                spans
                    .iter()
                    .map(|&(s, e)| base + s as usize..base + e as usize),
            );
            return *found;
        }
        let base = out.len();
        let mark = self.record.kept.len();
        let found = write(self, raw, out);
        if &out[base..] == raw {
            if self.unchanged.map.len() >= UNCHANGED_CAP {
                self.unchanged.map.clear();
            }
            let spans: Box<[(u32, u32)]> = self.record.kept[mark..]
                .iter()
                .map(|r| ((r.start - base) as u32, (r.end - base) as u32))
                .collect();
            self.unchanged
                .map
                .insert((class, raw.into()), (spans, found));
        }
        found
    }

    /// Pseudonymizes a decoded identity value by its shape: digits are a
    /// user id (0, not logged in, and 1, Moodle's guest, are kept), `w_…` a
    /// BigBlueButton user, an address is truncated, values with `@` are an
    /// e-mail address, anything else a name.
    pub fn identity(&mut self, v: &[u8], out: &mut Vec<u8>) {
        if !v.is_empty() && v.iter().all(u8::is_ascii_digit) {
            if v == b"0" || v == b"1" {
                out.extend_from_slice(v);
            } else {
                self.token(Namespace::UserId, v, out);
            }
        } else if is_bbb_internal_id(v) {
            self.token(Namespace::BbbUser, v, out);
        } else if let Some((addr, 0, e)) = ip::parse_client(v).filter(|c| c.2 == v.len()) {
            let _ = e;
            self.write_addr(addr, out);
        } else if v.contains(&b'@') {
            let lower = v.to_ascii_lowercase();
            self.token(Namespace::Email, &lower, out);
        } else {
            self.token(Namespace::Name, v, out);
        }
    }

    /// Writes what `rule` makes of a value `raw` (still escaped and
    /// percent-encoded as it appears in the log; `depth` percent-decodings
    /// give its text). Empty values and placeholders (`-`) stay. URL values
    /// are the caller's business; here they are handled like values without
    /// a rule.
    pub fn write_value(&mut self, rule: Option<Rule>, raw: &[u8], depth: u8, out: &mut Vec<u8>) {
        if raw.is_empty() {
            return;
        }
        let mut v = std::mem::take(self.buf);
        if rule != Some(Rule::Email) && is_plain(raw) {
            // Nothing to decode: the value is its own text.
            self.write_decoded(rule, raw, raw, out);
        } else {
            decode_value(raw, depth, &mut v, self.buf2);
            if rule == Some(Rule::Email) {
                v.make_ascii_lowercase();
                self.token(Namespace::Email, &v, out);
            } else {
                self.write_decoded(rule, raw, &v, out);
            }
        }
        *self.buf = v;
    }

    /// [`Replacer::write_value`] once the value's text `v` is known.
    fn write_decoded(&mut self, rule: Option<Rule>, raw: &[u8], v: &[u8], out: &mut Vec<u8>) {
        if rule == Some(Rule::Secret) {
            out.extend_from_slice(REDACTED);
            self.note(v, None);
            return;
        }
        match rule {
            _ if is_placeholder(v) => self.keep(raw, out),
            Some(Rule::Identity) if names_no_one(v) => self.keep(raw, out),
            Some(Rule::Identity) => self.identity(v, out),
            Some(Rule::Keep) => self.write_kept(raw, v, out),
            Some(Rule::Opaque) if is_trivial(v) => self.keep(raw, out),
            Some(Rule::Opaque) => self.opaque(v, out),
            _ if is_constant(v) => self.write_kept(raw, v, out),
            _ => self.write_unknown_decoded(v, out),
        }
    }

    /// Writes the value `raw` of `key`, a key no rule names: kept when it
    /// is a constant ([`is_constant`]) or a count under a key that names no
    /// id ([`keeps_count`]), else an opaque token (an address truncated).
    pub fn write_unknown(&mut self, key: &[u8], raw: &[u8], depth: u8, out: &mut Vec<u8>) {
        if raw.is_empty() {
            return;
        }
        let mut v = std::mem::take(self.buf);
        let text: &[u8] = if is_plain(raw) {
            raw
        } else {
            decode_value(raw, depth, &mut v, self.buf2);
            &v
        };
        if is_placeholder(text) || is_constant(text) || keeps_count(key, text) {
            self.write_kept(raw, text, out);
        } else {
            self.write_unknown_decoded(text, out);
        }
        *self.buf = v;
    }

    /// A decoded value not known to be safe: an address is truncated
    /// whatever its key, anything else becomes an opaque token.
    fn write_unknown_decoded(&mut self, v: &[u8], out: &mut Vec<u8>) {
        match ip::parse_client(v).filter(|c| c.1 == 0 && c.2 == v.len()) {
            Some((addr, _, _)) => self.write_addr(addr, out),
            None => self.opaque(v, out),
        }
    }

    /// A value a rule keeps: as written, unless it is an identity by its
    /// shape (an e-mail address, an address, a BigBlueButton user id) or a
    /// roster person's form.
    pub fn write_kept(&mut self, raw: &[u8], v: &[u8], out: &mut Vec<u8>) {
        let addressy = v.iter().any(|&b| b == b'.' || b == b':');
        let by_shape = is_bbb_internal_id(v)
            || (addressy && ip::parse_client(v).is_some_and(|c| c.1 == 0 && c.2 == v.len()))
            || memchr::memchr(b'@', v)
                .and_then(|a| super::rules::email_any(v, a))
                .is_some_and(|(s, e)| s == 0 && e == v.len());
        if by_shape || self.roster.and_then(|r| r.lookup(v)).is_some() {
            self.identity(v, out);
        } else {
            self.keep(raw, out);
        }
    }

    /// Writes the pseudonym of an e-mail address found in free text.
    pub fn write_email(&mut self, raw: &[u8], out: &mut Vec<u8>) {
        let mut v = std::mem::take(self.buf);
        decode_value(raw, 1, &mut v, self.buf2);
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

/// Has `raw` no escape, `%` or `+`, so that it is its own decoded text?
#[inline]
fn is_plain(raw: &[u8]) -> bool {
    !raw.iter().any(|&b| matches!(b, b'\\' | b'%' | b'+'))
}

/// Could `s` hold an address: a digit, and a `.` or `:` (or is it long
/// enough that looking costs nothing next to writing it)?
#[inline]
fn may_hold_address(s: &[u8]) -> bool {
    s.len() >= 3 && s.iter().any(|&b| b == b'.' || b == b':') && s.iter().any(u8::is_ascii_digit)
}

/// Decodes a value for hashing: log escapes, then `depth` rounds of
/// percent-encoding with `+` as space, so `Max+Mustermann`,
/// `Max%20Mustermann` and `Max Mustermann` are one person.
pub fn decode_value(raw: &[u8], depth: u8, out: &mut Vec<u8>, tmp: &mut Vec<u8>) {
    out.clear();
    log_unescape_into(raw, out);
    for _ in 0..depth.max(1) {
        if !out.contains(&b'%') && !out.contains(&b'+') {
            break;
        }
        std::mem::swap(out, tmp);
        out.clear();
        percent_decode_into(tmp, true, out);
    }
}

/// The key of [`Unchanged`], borrowed or owned, so that a lookup needs no
/// allocation.
trait UnchangedKey {
    fn key(&self) -> (u8, &[u8]);
}

impl UnchangedKey for (u8, Box<[u8]>) {
    fn key(&self) -> (u8, &[u8]) {
        (self.0, &self.1)
    }
}

impl UnchangedKey for (u8, &[u8]) {
    fn key(&self) -> (u8, &[u8]) {
        (self.0, self.1)
    }
}

impl<'a> Borrow<dyn UnchangedKey + 'a> for (u8, Box<[u8]>) {
    fn borrow(&self) -> &(dyn UnchangedKey + 'a) {
        self
    }
}

impl Hash for dyn UnchangedKey + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl PartialEq for dyn UnchangedKey + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for dyn UnchangedKey + '_ {}
