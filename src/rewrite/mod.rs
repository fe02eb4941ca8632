//! Rewriting: turns one input line (or CSV record) into its anonymized form.
//!
//! [`Rewriter`] holds what is shared and read-only (options, the keys);
//! [`Worker`] holds what each thread owns (pseudonym caches, scratch
//! buffers), so the hot loop neither locks nor allocates. Only the sensitive
//! byte ranges a parser reports are replaced; every other byte is copied
//! verbatim, so the output is a log of the same format. What one record
//! gave comes back as one value, [`Produced`]: its [`Outcome`], its own
//! time and how many of its fields could not be read.
//!
//! Nothing is kept because no rule names it: a value survives only when a
//! rule of [`policy`] or [`vocab`] says it is not personal; every other value
//! becomes a keyed token. After a record is written, no kept span may be the
//! raw form of an identity replaced elsewhere in it.
//!
//! The submodules, in the order they depend on each other: [`rules`] and
//! [`policy`] (what a value is), [`vocab`] (the words free text keeps),
//! [`roster`] (the site's people), [`replace`] (what a value becomes),
//! [`url`] and [`text`] (URLs and free text), and the format rewriters
//! [`access`], [`bbb`] and [`moodle`]. None of them refers back to this
//! module.

pub mod access;
pub mod bbb;
pub mod moodle;
pub mod policy;
pub mod replace;
pub mod roster;
pub mod rules;
pub mod text;
pub mod url;
pub mod vocab;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::Error;
use crate::format::layout::{Layout, Role as LayoutRole};
use crate::format::moodle::Schema;
use crate::format::{self, Format, ParseError, Parsed};
use crate::ip::IpPolicy;
use crate::keyring::{Epoch, KeyState, Keyring};
use crate::pseudonym::{PseudonymCache, Pseudonymizer};
use policy::Policy;
use replace::{RecordScratch, Replacer};
use roster::Roster;
use rules::{FreeText, UaAction, UaPolicy};

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
#[derive(Debug, Clone)]
pub struct Options {
    /// Address truncation.
    pub policy: IpPolicy,
    /// Which values are kept, redacted, pseudonymized (the shipped table
    /// and the site's additions).
    pub values: Arc<Policy>,
    /// How free text is rewritten.
    pub free_text: FreeText,
    /// The site's people, when a roster was given.
    pub roster: Option<Arc<Roster>>,
    /// Fallback for lines no parser understands.
    pub on_unparsed: OnUnparsed,
    /// The last field of an access line (after the user agent, or after the
    /// size when there is none) is a user field, as when
    /// `%{MOODLEUSER}n` or `$sent_http_x_moodleuser` is appended to combined.
    pub trailing_user: bool,
    /// The access log's declared field layout (`--log-format`,
    /// `--nginx-format`): access lines are split by it instead of by
    /// detection, and a line that does not match it goes to the fallback.
    pub layout: Option<Arc<Layout>>,
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

impl Default for Options {
    fn default() -> Self {
        Options {
            policy: IpPolicy::default(),
            values: Arc::clone(Policy::builtin()),
            free_text: FreeText::default(),
            roster: None,
            on_unparsed: OnUnparsed::default(),
            trailing_user: false,
            layout: None,
            user_agent: UaPolicy::default(),
            now: 0,
            since: None,
            until: None,
        }
    }
}

impl Options {
    /// Is a record with time `ts` outside the `--since`/`--until` window?
    /// Records without a time of their own are never outside.
    pub fn outside_window(&self, ts: Option<i64>) -> bool {
        ts.is_some_and(|t| self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t >= u))
    }
}

/// Why a record was not rewritten field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// No parser of the input's format understood the line.
    Unparsed(ParseError),
    /// The key of the record's epoch was destroyed or could not be loaded:
    /// nobody may link its identities any more.
    NoKey,
    /// The CSV record has another number of fields than the header.
    RowShape,
    /// A CSV field could not be read (a user id that is not a number, a
    /// broken `other`): its column's name and its byte offset in the row.
    Field {
        /// The column's name.
        column: &'static str,
        /// Byte offset of the field in the record.
        offset: usize,
    },
}

/// The result of rewriting one line or record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Empty or white space only; copied as it is.
    Blank,
    /// Parsed and rewritten field by field.
    Rewritten,
    /// Not understood (or not keyed); rewritten by the fallback.
    Scrubbed(Reason),
    /// Not understood; left out of the output.
    Dropped(Reason),
    /// Not understood, with `--on-unparsed fail`: nothing was written.
    Failed(Reason),
    /// Its time is outside `--since`/`--until`: left out, as asked.
    OutOfWindow,
    /// The header of a CSV file, copied as it is.
    Header,
}

impl Outcome {
    /// The reason, for the outcomes of records not rewritten field by field.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Outcome::Scrubbed(r) | Outcome::Dropped(r) | Outcome::Failed(r) => Some(*r),
            _ => None,
        }
    }

    /// Was something written for the record?
    pub fn written(&self) -> bool {
        !matches!(
            self,
            Outcome::Dropped(_) | Outcome::Failed(_) | Outcome::OutOfWindow
        )
    }
}

/// What rewriting one record produced, besides its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Produced {
    /// What happened to it.
    pub outcome: Outcome,
    /// Its own time ([`format::line_time`], [`Schema::record_time`]), when
    /// it has one; headers and blank lines have none.
    pub time: Option<i64>,
    /// CSV fields written as `REDACTED` because they could not be read.
    pub fields_redacted: u64,
}

impl Produced {
    fn of(outcome: Outcome, time: Option<i64>) -> Produced {
        Produced {
            outcome,
            time,
            fields_redacted: 0,
        }
    }
}

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
    key_errors: Mutex<Vec<Error>>,
    /// This rewriter among all made in the process (a worker's memory of
    /// unchanged fields is this rewriter's only).
    serial: u64,
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
/// space. It carries nothing from one record to the next that changes what
/// a record becomes.
#[derive(Debug, Default)]
pub struct Worker {
    /// Most recently used first.
    caches: Vec<(Epoch, PseudonymCache)>,
    /// The epoch in use and its key (`None`: destroyed or unavailable).
    current: Option<(Epoch, Option<Arc<Pseudonymizer>>)>,
    buf: Vec<u8>,
    buf2: Vec<u8>,
    record: RecordScratch,
    unchanged: replace::Unchanged,
    head: access::HeadScratch,
    row: moodle::RowScratch,
    fields: Vec<std::ops::Range<usize>>,
}

impl Worker {
    /// The raw values the record rewritten last replaced: its identities
    /// (and whether each was a secret). For the checker, which looks for
    /// them elsewhere.
    pub fn last_replaced(&self) -> impl Iterator<Item = (&[u8], bool)> {
        self.record.replaced()
    }
}

/// The time that chooses the epoch key of records without a time of their
/// own: the time of the last record before them that had one. The caller
/// starts each run of records (a block) with the carry of what came before
/// it; each rewrite moves it on.
pub type Carry = Option<i64>;

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
            serial: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        }
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Do lines choose their key by their own timestamp?
    pub fn uses_epochs(&self) -> bool {
        matches!(self.keys, Keys::Ring(_))
    }

    /// Errors met while loading epoch keys (lines of those epochs were
    /// handled like lines of destroyed epochs).
    pub fn key_errors(&self) -> Vec<Error> {
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
                    errs.push(err);
                }
                None
            }
        };
        loaded.insert(e, k.clone());
        k
    }

    /// Makes the worker's current epoch the one of `ts` (or of the carried
    /// time, or of the run's time), moving `carry` on. Returns whether a key
    /// is available.
    fn select_epoch(&self, w: &mut Worker, ts: Option<i64>, carry: &mut Carry) -> bool {
        let Keys::Ring(ring) = &self.keys else {
            return true;
        };
        if ts.is_some() {
            *carry = ts;
        }
        let t = carry.unwrap_or(self.opts.now);
        let e = ring.epoch_len().epoch_of(t);
        if w.current.as_ref().map(|c| c.0) != Some(e) {
            let k = self.epoch_key(e);
            w.current = Some((e, k));
        }
        w.current.as_ref().is_some_and(|c| c.1.is_some())
    }

    /// The replacement sink for the worker's current epoch, and the
    /// worker's format scratch space.
    fn replacer<'a>(
        &'a self,
        w: &'a mut Worker,
        ua: UaAction,
    ) -> (
        Replacer<'a>,
        &'a mut access::HeadScratch,
        &'a mut moodle::RowScratch,
    ) {
        let (epoch, pseudo) = match &self.keys {
            Keys::Static(p) => (Epoch(0), Some(&**p)),
            Keys::Ring(_) => match &w.current {
                Some((e, k)) => (*e, k.as_deref()),
                None => (Epoch(0), None),
            },
        };
        w.record.clear();
        w.unchanged.belong_to(self.serial);
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
            Replacer {
                policy: &self.opts.values,
                ip: self.opts.policy,
                pseudo,
                cache: &mut w.caches[0].1,
                buf: &mut w.buf,
                buf2: &mut w.buf2,
                record: &mut w.record,
                roster: self.opts.roster.as_deref(),
                ua,
                free: self.opts.free_text,
                unchanged: &mut w.unchanged,
            },
            &mut w.head,
            &mut w.row,
        )
    }

    /// The outcome of a record that is not rewritten field by field, by
    /// `--on-unparsed`; with `scrub`, `write` writes its fallback form.
    fn fallback(&self, reason: Reason, write: impl FnOnce()) -> Outcome {
        match self.opts.on_unparsed {
            OnUnparsed::Scrub => {
                write();
                Outcome::Scrubbed(reason)
            }
            OnUnparsed::Drop => Outcome::Dropped(reason),
            OnUnparsed::Fail => Outcome::Failed(reason),
        }
    }

    /// Rewrites `line` (without its line terminator) in `format`, appending
    /// the result to `out` (also without a terminator). `carry` is the time
    /// of the last record before it that had one (see [`Carry`]).
    pub fn rewrite_line(
        &self,
        w: &mut Worker,
        format: Format,
        line: &[u8],
        carry: &mut Carry,
        out: &mut Vec<u8>,
    ) -> Produced {
        if line.iter().all(|&b| b == b' ' || b == b'\t') {
            out.extend_from_slice(line);
            return Produced::of(Outcome::Blank, None);
        }
        if format == Format::Access {
            if let Some(layout) = &self.opts.layout {
                return self.rewrite_layout_line(w, layout, line, carry, out);
            }
        }
        let parsed = format::parse_line(format, line);
        let ts = format::line_time(&parsed, line);
        if self.opts.outside_window(ts) {
            return Produced::of(Outcome::OutOfWindow, ts);
        }
        let keyed = self.select_epoch(w, ts, carry);
        let reason = match &parsed {
            Ok(Parsed::Access(rec)) if keyed => {
                let (mut ctx, head, _) = self.replacer(w, self.opts.user_agent.action(format));
                let trailing = self.opts.trailing_user;
                access::write_access(&mut ctx, head, trailing, line, rec, out);
                ctx.fix_kept(out, 0);
                return Produced::of(Outcome::Rewritten, ts);
            }
            Ok(Parsed::Bbb(b)) if keyed => {
                let (mut ctx, _, _) = self.replacer(w, self.opts.user_agent.action(format));
                bbb::write_bbb(&mut ctx, line, b, out);
                ctx.fix_kept(out, 0);
                return Produced::of(Outcome::Rewritten, ts);
            }
            Err(e) if keyed => Reason::Unparsed(*e),
            _ => Reason::NoKey,
        };
        let outcome = self.fallback(reason, || self.scrub_line(w, line, out));
        Produced::of(outcome, ts)
    }

    /// [`Rewriter::rewrite_line`] for an access line of a declared layout.
    fn rewrite_layout_line(
        &self,
        w: &mut Worker,
        layout: &Layout,
        line: &[u8],
        carry: &mut Carry,
        out: &mut Vec<u8>,
    ) -> Produced {
        let mut fields = std::mem::take(&mut w.fields);
        let parsed = layout.parse(line, &mut fields);
        let ts = match parsed {
            Ok(()) => layout.timestamp(line, &fields),
            Err(_) => format::unparsed_line_time(line),
        };
        if self.opts.outside_window(ts) {
            w.fields = fields;
            return Produced::of(Outcome::OutOfWindow, ts);
        }
        let keyed = self.select_epoch(w, ts, carry);
        let reason = match parsed {
            Ok(()) if keyed => {
                let ua = self.opts.user_agent.action(Format::Access);
                let (mut ctx, _, _) = self.replacer(w, ua);
                let time_read = ts.and(layout.field_of(|r| matches!(r, LayoutRole::Time(_))));
                access::write_layout(&mut ctx, layout, line, &fields, time_read, out);
                ctx.fix_kept(out, 0);
                w.fields = fields;
                return Produced::of(Outcome::Rewritten, ts);
            }
            Err(e) if keyed => Reason::Unparsed(e),
            _ => Reason::NoKey,
        };
        w.fields = fields;
        let outcome = self.fallback(reason, || self.scrub_line(w, line, out));
        Produced::of(outcome, ts)
    }

    /// The fail-closed fallback for a line no parser understood (see
    /// [`access::write_unparsed`]), with the worker's current epoch key.
    pub fn scrub_line(&self, w: &mut Worker, line: &[u8], out: &mut Vec<u8>) {
        let ua = self.opts.user_agent.action(Format::Generic);
        let (mut ctx, head, _) = self.replacer(w, ua);
        access::write_unparsed(&mut ctx, head, line, out);
        ctx.fix_kept(out, 0);
    }

    /// Rewrites one CSV record of a Moodle export (without its line
    /// terminator) into `out`, each field by its column's role (see
    /// [`moodle`]). `header`: the first record of the input, copied as it is.
    pub fn rewrite_record(
        &self,
        w: &mut Worker,
        schema: &Schema,
        rec: &[u8],
        header: bool,
        carry: &mut Carry,
        out: &mut Vec<u8>,
    ) -> Produced {
        if header {
            out.extend_from_slice(rec);
            return Produced::of(Outcome::Header, None);
        }
        if rec.iter().all(|&b| b == b' ' || b == b'\t') {
            out.extend_from_slice(rec);
            return Produced::of(Outcome::Blank, None);
        }
        let facts = moodle::read_row(schema, rec, &mut w.row);
        let ts = facts.time;
        if self.opts.outside_window(ts) {
            return Produced::of(Outcome::OutOfWindow, ts);
        }
        let keyed = self.select_epoch(w, ts, carry);
        let mut redacted = 0;
        let outcome = if !facts.shape_ok {
            self.fallback(Reason::RowShape, || {
                redacted = moodle::write_misshapen(schema, out);
            })
        } else if !keyed && self.opts.on_unparsed != OnUnparsed::Scrub {
            self.fallback(Reason::NoKey, || {})
        } else {
            let scrub = self.opts.on_unparsed == OnUnparsed::Scrub;
            // Fields of CSV rows keep their user agents (`other`'s JSON).
            let (mut ctx, _, row) = self.replacer(w, UaAction::Keep);
            let (first, n) = moodle::write_row(&mut ctx, row, schema, &facts, rec, scrub, out);
            match (first, keyed) {
                (None, true) => Outcome::Rewritten,
                (None, false) => Outcome::Scrubbed(Reason::NoKey),
                (Some((column, offset)), _) => {
                    redacted = n;
                    self.fallback(Reason::Field { column, offset }, || {})
                }
            }
        };
        Produced {
            outcome,
            time: ts,
            fields_redacted: redacted,
        }
    }
}

#[cfg(test)]
mod tests;
