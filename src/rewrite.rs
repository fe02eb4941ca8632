//! Line rewriting: turns one input line into its anonymized form.
//!
//! [`Rewriter`] holds what is shared and read-only (options, the keyed
//! pseudonymizer); [`Worker`] holds what each thread owns (pseudonym cache,
//! scratch buffers), so the hot loop neither locks nor allocates. Only the
//! sensitive byte ranges a parser reports are replaced; every other byte is
//! copied verbatim, so the output is a log of the same format.

use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use crate::format::access::{self, AccessLine, ParseError, Part, Role};
use crate::format::bbb;
use crate::format::Format;
use crate::ip::{self, IpPolicy};
use crate::keyring::{Epoch, KeyState, Keyring};
use crate::pseudonym::{Namespace, PseudonymCache, Pseudonymizer};
use crate::scrub::{self, ParamKind, ParamRules, REDACTED};

pub mod moodle;

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
    /// What to do with user agents.
    pub user_agent: UaPolicy,
    /// The time (Unix seconds) whose epoch applies to lines before the first
    /// timestamped line of an input that has none (keyring only).
    pub now: i64,
    /// Keep only records whose own time is at or after this (Unix seconds).
    pub since: Option<i64>,
    /// Keep only records whose own time is before this (Unix seconds).
    pub until: Option<i64>,
}

impl Options {
    /// Is a record with time `ts` outside the `--since`/`--until` window?
    /// Records without a time of their own are never outside.
    pub fn outside_window(&self, ts: Option<i64>) -> bool {
        ts.is_some_and(|t| self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t >= u))
    }
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
    /// Its time is outside `--since`/`--until`: left out, as asked.
    OutOfWindow,
    /// The header of a CSV file, copied as it is.
    Header,
}

/// The "field" reported for a line whose epoch key was destroyed (or could
/// not be loaded): such a line is handled like a line not understood.
pub const DESTROYED: &str = "epoch key (destroyed or unavailable)";

/// Where the pseudonym keys come from.
pub enum Keys {
    /// One key for every line (`--key-file`).
    Static(Box<Pseudonymizer>),
    /// One key per epoch, chosen by each line's own timestamp (`--key-dir`).
    Ring(Keyring),
}

/// Shared, read-only rewriting state (plus the epoch keys loaded so far).
pub struct Rewriter {
    opts: Options,
    keys: Keys,
    /// Epoch keys loaded from the keyring: `None` for a destroyed epoch.
    loaded: Mutex<HashMap<Epoch, Option<Arc<Pseudonymizer>>>>,
    /// Errors met while loading or creating epoch keys.
    key_errors: Mutex<Vec<String>>,
}

impl std::fmt::Debug for Rewriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rewriter")
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

/// How many per-epoch pseudonym caches a worker keeps (lines near an epoch
/// boundary may alternate between two epochs).
const EPOCH_CACHES: usize = 3;

/// Per-thread mutable state: pseudonym caches, the current epoch, scratch
/// space.
#[derive(Debug, Default)]
pub struct Worker {
    /// Most recently used first.
    caches: Vec<(Epoch, PseudonymCache)>,
    /// The epoch in use and its key (`None`: destroyed or unavailable).
    current: Option<(Epoch, Option<Arc<Pseudonymizer>>)>,
    /// The timestamp of the last line that had one (epoch of untimed lines).
    carry: Option<i64>,
    buf: Vec<u8>,
    buf2: Vec<u8>,
    toks: Vec<Range<usize>>,
    parts: Vec<Part>,
    /// Scratch space for CSV fields.
    csv: moodle::Scratch,
    /// CSV fields replaced by `REDACTED` because they could not be read,
    /// since the caller last took the count.
    fields_redacted: u64,
    /// Read every line's own time even without a keyring or a window
    /// (dated outputs).
    track_time: bool,
    /// The own time of the line (record) just rewritten, when it has one.
    line_time: Option<i64>,
}

impl Worker {
    /// Sets the timestamp that lines without one inherit until a line with
    /// one comes (the last timestamp before this block). With a keyring this
    /// must be called before each block; with a static key it does nothing.
    pub fn set_carry(&mut self, ts: Option<i64>) {
        self.carry = ts;
    }

    /// Makes the rewriter read each line's own time (for
    /// [`Worker::take_line_time`]) even when neither a keyring nor
    /// `--since`/`--until` needs it.
    pub fn set_track_time(&mut self, on: bool) {
        self.track_time = on;
        self.line_time = None;
    }

    /// The own time of the line or record rewritten last (the time its
    /// keyring epoch and `--since`/`--until` go by), if it had one and the
    /// rewriter read it (see [`Worker::set_track_time`]); resets it.
    pub fn take_line_time(&mut self) -> Option<i64> {
        self.line_time.take()
    }

    /// How many CSV fields were replaced by `REDACTED` because they could not
    /// be read (a non-numeric user id, a broken `other`...) since the last
    /// call; resets the count.
    pub fn take_fields_redacted(&mut self) -> u64 {
        std::mem::take(&mut self.fields_redacted)
    }
}

/// What the rewriting helpers need: shared options plus this thread's state.
pub struct Ctx<'a> {
    /// Parameter names.
    pub rules: &'a ParamRules,
    /// Address truncation.
    pub policy: IpPolicy,
    /// The key of this line's epoch; `None` when it was destroyed, in which
    /// case identities are replaced by [`REDACTED`] instead of pseudonyms.
    pseudo: Option<&'a Pseudonymizer>,
    cache: &'a mut PseudonymCache,
    buf: &'a mut Vec<u8>,
    buf2: &'a mut Vec<u8>,
    /// What to do with user agents on this line.
    pub ua: UaAction,
}

impl Rewriter {
    /// A rewriter with `opts` and one static key for every line
    /// (`--key-file`).
    pub fn new(opts: Options, pseudo: Pseudonymizer) -> Rewriter {
        Rewriter::with_keys(opts, Keys::Static(Box::new(pseudo)))
    }

    /// A rewriter with `opts` and pseudonyms from `keys`.
    pub fn with_keys(opts: Options, keys: Keys) -> Rewriter {
        Rewriter {
            opts,
            keys,
            loaded: Mutex::new(HashMap::new()),
            key_errors: Mutex::new(Vec::new()),
        }
    }

    /// Do lines choose their key by their own timestamp?
    pub fn uses_epochs(&self) -> bool {
        matches!(self.keys, Keys::Ring(_))
    }

    /// Errors met while loading epoch keys (lines of those epochs were
    /// handled like lines of destroyed epochs).
    pub fn key_errors(&self) -> Vec<String> {
        self.key_errors
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default()
    }

    /// The key of epoch `e`, loading (and, when missing, creating) it once.
    fn epoch_key(&self, e: Epoch) -> Option<Arc<Pseudonymizer>> {
        let Keys::Ring(ring) = &self.keys else {
            return None;
        };
        let mut loaded = self.loaded.lock().expect("no panics while held");
        if let Some(k) = loaded.get(&e) {
            return k.clone();
        }
        let k = match ring.key_for(e, true) {
            Ok(KeyState::Present(key)) => Some(Arc::new(Pseudonymizer::new(&key))),
            Ok(KeyState::Destroyed { .. }) | Ok(KeyState::Missing) => None,
            Err(err) => {
                if let Ok(mut errs) = self.key_errors.lock() {
                    errs.push(err.to_string());
                }
                None
            }
        };
        loaded.insert(e, k.clone());
        k
    }

    /// Makes the worker's current epoch the one of `ts` (or of its carried
    /// timestamp, or of the run's time). Returns whether a key is available.
    fn select_epoch(&self, w: &mut Worker, ts: Option<i64>) -> bool {
        let Keys::Ring(ring) = &self.keys else {
            return true;
        };
        if ts.is_some() {
            w.carry = ts;
        }
        let t = w.carry.unwrap_or(self.opts.now);
        let e = ring.epoch_len().epoch_of(t);
        if w.current.as_ref().map(|c| c.0) != Some(e) {
            let k = self.epoch_key(e);
            w.current = Some((e, k));
        }
        w.current.as_ref().is_some_and(|c| c.1.is_some())
    }

    fn ctx<'a>(
        &'a self,
        w: &'a mut Worker,
    ) -> (Ctx<'a>, &'a mut Vec<Range<usize>>, &'a mut Vec<Part>) {
        let (epoch, pseudo) = match &self.keys {
            Keys::Static(p) => (Epoch(0), Some(&**p)),
            Keys::Ring(_) => match &w.current {
                Some((e, k)) => (*e, k.as_deref()),
                None => (Epoch(0), None),
            },
        };
        if w.caches.first().map(|c| c.0) != Some(epoch) {
            let pos = match w.caches.iter().position(|c| c.0 == epoch) {
                Some(p) => p,
                None => {
                    if w.caches.len() == EPOCH_CACHES {
                        w.caches.pop();
                    }
                    w.caches.push((epoch, PseudonymCache::default()));
                    w.caches.len() - 1
                }
            };
            w.caches.swap(0, pos);
        }
        (
            Ctx {
                rules: &self.opts.rules,
                policy: self.opts.policy,
                pseudo,
                cache: &mut w.caches[0].1,
                buf: &mut w.buf,
                buf2: &mut w.buf2,
                ua: UaAction::Keep,
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
        let parsed = match format {
            Format::Access => access::parse(line).map(Parsed::Access),
            Format::Bbb => bbb::parse(line).map(Parsed::Bbb),
            // CSV records go through `rewrite_record`; a line handed here
            // in such a format is treated as not understood.
            Format::Generic | Format::MoodleLogstore | Format::MoodleReport => Err(ParseError {
                field: "line",
                offset: 0,
            }),
        };
        let windowed = self.opts.since.is_some() || self.opts.until.is_some();
        let ts = if self.uses_epochs() || windowed || w.track_time {
            match &parsed {
                Ok(Parsed::Access(rec)) => rec.timestamp,
                Ok(Parsed::Bbb(b)) => b.timestamp,
                Err(_) => crate::format::line_timestamp(line),
            }
        } else {
            None
        };
        w.line_time = ts;
        if self.opts.outside_window(ts) {
            return Outcome::OutOfWindow;
        }
        let keyed = self.select_epoch(w, ts);
        let ua = self.opts.user_agent.action(format);
        let err = match parsed {
            Ok(Parsed::Access(rec)) if keyed => {
                let (mut ctx, toks, parts) = self.ctx(w);
                ctx.ua = ua;
                let trailing = self.opts.trailing_user;
                write_access(&mut ctx, toks, parts, trailing, line, &rec, out);
                return Outcome::Rewritten;
            }
            Ok(Parsed::Bbb(b)) if keyed => {
                let (mut ctx, _, _) = self.ctx(w);
                ctx.ua = ua;
                write_bbb(&mut ctx, line, &b, out);
                return Outcome::Rewritten;
            }
            Err(e) if keyed => e,
            _ => ParseError {
                field: DESTROYED,
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
        ctx.ua = self.opts.user_agent.action(Format::Generic);
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
            ctx.write_addr(addr, out);
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
    let mut from = rec.tail.start;
    // The user agent (the second quoted field after the request), reduced
    // to its family or dropped when the policy says so.
    if let (UaAction::Family | UaAction::Drop, Some(ua)) = (ctx.ua, &rec.quoted_after[1]) {
        scrub::scrub_fields(ctx, &line[from..ua.start], out);
        ctx.write_user_agent(&line[ua.clone()], out);
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

/// A BigBlueButton line: the message is rewritten as free text; a request
/// checksum logged on its own (`SHA256 <hex>`) is a secret like the
/// `checksum` parameter. The prefix (time, level, logger, thread, a journald
/// or syslog identifier) normally holds nothing personal, but its addresses
/// and e-mail addresses are rewritten too: an identifier word can be
/// anything, an address included.
fn write_bbb(ctx: &mut Ctx<'_>, line: &[u8], b: &bbb::BbbLine, out: &mut Vec<u8>) {
    scrub::scrub_addresses(ctx, &line[..b.message], out);
    let msg = &line[b.message..];
    match bbb::checksum_line(msg) {
        Some((hs, he)) => {
            out.extend_from_slice(&msg[..hs]);
            out.extend_from_slice(REDACTED);
            scrub::scrub(ctx, &msg[he..], out);
        }
        None => scrub::scrub(ctx, msg, out),
    }
}

/// A parsed line of one of the formats.
enum Parsed {
    Access(AccessLine),
    Bbb(bbb::BbbLine),
}

/// What `--user-agent` says to do with user agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UaPolicy {
    /// `family` in BigBlueButton logs (the policy deletes browser
    /// identification with the connection metadata after 7 days), `keep` in
    /// web-server access logs and other text (log analysers need it; choose
    /// `family` or `drop` when the access-log policy does not list it).
    #[default]
    Auto,
    /// Keep user agents as they are.
    Keep,
    /// Replace them by a coarse family (`Firefox`, `Chrome`, `Bot`, ...).
    Family,
    /// Replace them by `-`.
    Drop,
}

/// The action for one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UaAction {
    /// Keep.
    #[default]
    Keep,
    /// Family.
    Family,
    /// `-`.
    Drop,
}

impl UaPolicy {
    /// The action in `format`.
    pub fn action(self, format: Format) -> UaAction {
        match (self, format) {
            (UaPolicy::Keep, _) => UaAction::Keep,
            (UaPolicy::Family, _) => UaAction::Family,
            (UaPolicy::Drop, _) => UaAction::Drop,
            (UaPolicy::Auto, Format::Bbb) => UaAction::Family,
            (UaPolicy::Auto, _) => UaAction::Keep,
        }
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

/// BigBlueButton's internal user ids: `w_` and twelve lowercase letters or
/// digits (`w_u0rjuthid3ab`).
fn is_bbb_internal_id(v: &[u8]) -> bool {
    v.len() == 14
        && v.starts_with(b"w_")
        && v[2..]
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Values that are not people: kept as they are in user fields.
fn is_placeholder(v: &[u8]) -> bool {
    v.is_empty() || v.iter().all(|&b| b == b'-' || b == b' ')
}

impl Ctx<'_> {
    fn token(&mut self, ns: Namespace, value: &[u8], out: &mut Vec<u8>) {
        match self.pseudo {
            Some(p) => {
                let t = self.cache.get(p, ns, value);
                out.extend_from_slice(t.as_bytes());
            }
            // The epoch's key is gone: nobody may link this value any more.
            None => out.extend_from_slice(REDACTED),
        }
    }

    /// Writes a user agent according to this line's policy.
    pub fn write_user_agent(&mut self, raw: &[u8], out: &mut Vec<u8>) {
        match self.ua {
            UaAction::Keep => scrub::scrub_fields(self, raw, out),
            UaAction::Family => out.extend_from_slice(crate::useragent::family(raw).as_bytes()),
            UaAction::Drop => out.push(b'-'),
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
    fn identity(&mut self, v: &[u8], out: &mut Vec<u8>) {
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
            _ if is_placeholder(&v) || scrub::names_no_one(&v) => out.extend_from_slice(raw),
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
    scrub::log_unescape_into(raw, tmp);
    out.clear();
    scrub::percent_decode_into(tmp, true, out);
}

#[cfg(test)]
mod tests;
