//! De-identified statistics for researchers (`anonlog stats`): records of
//! every format become counts per (window, dimension, value), with distinct
//! users counted on keyed hashes and small cells suppressed.
//!
//! The flow: [`State::add_input`] reads an input in parallel blocks, each
//! block into its own [`State`], merged at the end ([`State::merge`] is exact
//! and order-free, so a partial state written on one host and merged with
//! another's gives the same tables as one run over all inputs). [`tables`]
//! turns a state into rows, and [`privacy`] decides which rows may be
//! published: fewer than K users never, with complementary suppression, and
//! optional differential-privacy noise.
//!
//! Users are never stored as written: each identity (a user field, a Moodle
//! user id, a report's full name, a BBB user id) is hashed with a key into 64
//! bits ([`UserHasher`]), and only counts leave this module.

pub mod meetings;
pub mod privacy;

use std::collections::{BTreeMap, HashMap};
use std::io;

use serde::{Deserialize, Serialize};

use crate::format::moodle::{Column, Facet, Schema};
use crate::format::{self, access, bbb, Format};
use crate::input::{self, Framing, Input, Opened, StreamBlocks};
use crate::keyring::EpochLen;
use crate::pseudonym::{Key, Namespace, Pseudonymizer};

/// What the tables are broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    /// Moodle course: an id (`/course/view.php?id=`, `courseid`), or the
    /// report's course short name.
    Course,
    /// Activity type: `/mod/<type>/`, the component without `mod_`.
    Activity,
    /// Moodle event name.
    Event,
    /// Moodle CRUD letter.
    Crud,
    /// Moodle education level.
    Edulevel,
    /// Hour of day and weekday, UTC (`Mon 13`).
    HourWeekday,
    /// HTTP status class (`2xx`).
    Status,
    /// Origin: `web`, `ws`, `cli`, `restore`...
    Origin,
    /// User-agent family.
    UaFamily,
    /// Device class.
    Device,
    /// BBB meetings, all of them (`all`).
    BbbMeetings,
    /// BBB meetings by number of participants.
    BbbMeetingSize,
    /// BBB meetings by duration.
    BbbMeetingDuration,
}

/// Every dimension, in output order.
pub const DIMS: [Dim; 13] = [
    Dim::Course,
    Dim::Activity,
    Dim::Event,
    Dim::Crud,
    Dim::Edulevel,
    Dim::HourWeekday,
    Dim::Status,
    Dim::Origin,
    Dim::UaFamily,
    Dim::Device,
    Dim::BbbMeetings,
    Dim::BbbMeetingSize,
    Dim::BbbMeetingDuration,
];

impl Dim {
    /// The name in the output.
    pub fn name(self) -> &'static str {
        match self {
            Dim::Course => "course",
            Dim::Activity => "activity",
            Dim::Event => "event",
            Dim::Crud => "crud",
            Dim::Edulevel => "edulevel",
            Dim::HourWeekday => "hour_weekday",
            Dim::Status => "status",
            Dim::Origin => "origin",
            Dim::UaFamily => "ua_family",
            Dim::Device => "device",
            Dim::BbbMeetings => "bbb_meetings",
            Dim::BbbMeetingSize => "bbb_meeting_size",
            Dim::BbbMeetingDuration => "bbb_meeting_duration",
        }
    }

    /// The dimension called `name` in the output.
    pub fn from_name(name: &str) -> Option<Dim> {
        DIMS.into_iter().find(|d| d.name() == name)
    }

    /// Dimensions of meetings rather than of records.
    pub fn is_meeting(self) -> bool {
        matches!(
            self,
            Dim::BbbMeetings | Dim::BbbMeetingSize | Dim::BbbMeetingDuration
        )
    }
}

/// The value of a dimension that a record does not have.
pub const NONE: &str = "(none)";

/// Hashes identities into 64-bit user keys with a secret key, so that
/// states hold no identity and the same person gets the same key in every
/// run with the same key file.
#[derive(Debug)]
pub struct UserHasher {
    p: Pseudonymizer,
}

impl UserHasher {
    /// A hasher keyed with `key`.
    pub fn new(key: &Key) -> UserHasher {
        UserHasher {
            p: Pseudonymizer::new(key),
        }
    }

    /// The user key of identity `v` (as written: raw or a pseudonym).
    pub fn hash(&self, v: &[u8]) -> u64 {
        let t = self.p.pseudonym(Namespace::Name, v);
        let b = t.as_bytes();
        let mut h = 0u64;
        for &c in &b[b.len().saturating_sub(12)..] {
            h = h.wrapping_mul(32).wrapping_add(u64::from(c));
        }
        h
    }

    /// A fingerprint of the key, stored in partial states so that states
    /// hashed with different keys are never merged.
    pub fn fingerprint(&self) -> String {
        format!(
            "{:016x}",
            self.hash(b"anonlog stats key fingerprint") ^ 0x5a5a_5a5a_5a5a_5a5a
        )
    }
}

/// One cell's counts: events, and events per user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// Events (records) in the cell.
    pub events: u64,
    /// Events per user key.
    pub users: BTreeMap<u64, u64>,
    /// Meeting minutes (meeting dimensions).
    #[serde(default)]
    pub minutes: u64,
    /// Sum of per-meeting participants (meeting dimensions).
    #[serde(default)]
    pub participants: u64,
    /// Largest number of participants at once (meeting dimensions).
    #[serde(default)]
    pub peak: u64,
}

impl Cell {
    fn merge(&mut self, o: &Cell) {
        self.events += o.events;
        for (u, n) in &o.users {
            *self.users.entry(*u).or_default() += n;
        }
        self.minutes += o.minutes;
        self.participants += o.participants;
        self.peak = self.peak.max(o.peak);
    }
}

/// Where a record came from, for the metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputInfo {
    /// The input's name.
    pub input: String,
    /// Its format.
    pub format: String,
    /// Records counted.
    pub records: u64,
    /// Records left out (no time, or not understood).
    pub skipped: u64,
}

/// One table's cells by value.
pub type Table = HashMap<String, Cell, foldhash::fast::RandomState>;

/// Everything counted so far: mergeable, serializable (a partial state).
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Window length in seconds.
    pub window: u64,
    /// The cells, by (window start, dimension), then by value.
    pub cells: HashMap<(i64, Dim), Table, foldhash::fast::RandomState>,
    /// For each (window, event name), the activity, CRUD and education level
    /// it was seen with (`None`: more than one), for nested suppression.
    pub parents: HashMap<i64, HashMap<String, [Option<String>; 3]>>,
    /// Meetings by id.
    pub meetings: meetings::Meetings,
    /// The inputs read.
    pub inputs: Vec<InputInfo>,
}

/// The serialized form of a [`State`] (a partial file).
#[derive(Debug, Serialize, Deserialize)]
pub struct Partial {
    /// Format marker.
    pub anonlog_stats_partial: u32,
    /// The user-hash key's fingerprint.
    pub key: String,
    /// Window length in seconds.
    pub window: u64,
    /// Cells.
    pub cells: Vec<(i64, Dim, String, Cell)>,
    /// Nesting facts.
    pub parents: Vec<(i64, String, [Option<String>; 3])>,
    /// Meetings.
    pub meetings: meetings::Meetings,
    /// Inputs.
    pub inputs: Vec<InputInfo>,
}

impl State {
    /// An empty state for windows of `window` seconds.
    pub fn new(window: u64) -> State {
        State {
            window: window.max(1),
            ..State::default()
        }
    }

    /// The start of the window holding `t` (windows are aligned like key
    /// epochs: from Monday 1970-01-05 00:00 UTC).
    pub fn window_of(&self, t: i64) -> i64 {
        let len = EpochLen::Secs(self.window);
        len.start(len.epoch_of(t)).unwrap_or(0)
    }

    /// The cell of `value` in the table of window `w` and `dim`, created
    /// empty when missing (no allocation when it exists).
    pub fn cell_mut(&mut self, w: i64, dim: Dim, value: &str) -> &mut Cell {
        let t = self.cells.entry((w, dim)).or_default();
        if !t.contains_key(value) {
            t.insert(value.to_string(), Cell::default());
        }
        t.get_mut(value).expect("just inserted")
    }

    /// A cell, if it exists.
    pub fn cell(&self, w: i64, dim: Dim, value: &str) -> Option<&Cell> {
        self.cells.get(&(w, dim))?.get(value)
    }

    /// Every cell's key, sorted by window, dimension and value.
    pub fn keys(&self) -> Vec<(i64, Dim, &str)> {
        let mut k: Vec<_> = self
            .cells
            .iter()
            .flat_map(|(&(w, d), cells)| cells.keys().map(move |v| (w, d, v.as_str())))
            .collect();
        k.sort();
        k
    }

    /// Adds `other` into this state.
    pub fn merge(&mut self, other: State) {
        for (t, cells) in other.cells {
            let mine = self.cells.entry(t).or_default();
            for (v, c) in cells {
                match mine.get_mut(&v) {
                    Some(m) => m.merge(&c),
                    None => {
                        mine.insert(v, c);
                    }
                }
            }
        }
        for (w, events) in other.parents {
            for (ev, p) in events {
                self.note_parents(w, &ev, p.each_ref().map(|x| x.as_deref()));
            }
        }
        for (id, m) in other.meetings {
            self.meetings.entry(id).or_default().merge(m);
        }
        self.inputs.extend(other.inputs);
    }

    fn count(&mut self, w: i64, dim: Dim, value: &str, user: Option<u64>) {
        let c = self.cell_mut(w, dim, value);
        c.events += 1;
        if let Some(u) = user {
            *c.users.entry(u).or_default() += 1;
        }
    }

    /// Counts one record at time `t` with `user` and its dimension values
    /// (dimensions not given count as [`NONE`]).
    pub fn add_record(&mut self, t: i64, user: Option<u64>, values: &[(Dim, &str)]) {
        let w = self.window_of(t);
        for dim in DIMS {
            if dim.is_meeting() {
                continue;
            }
            let v = values
                .iter()
                .find(|(d, _)| *d == dim)
                .map_or(NONE, |(_, v)| *v);
            self.count(w, dim, v, user);
        }
        if let Some((_, ev)) = values.iter().find(|(d, _)| *d == Dim::Event) {
            let get = |d: Dim| {
                Some(
                    values
                        .iter()
                        .find(|(x, _)| *x == d)
                        .map_or(NONE, |(_, v)| *v),
                )
            };
            self.note_parents(
                w,
                ev,
                [get(Dim::Activity), get(Dim::Crud), get(Dim::Edulevel)],
            );
        }
    }

    /// Notes that event `ev` was seen in window `w` with these activity,
    /// CRUD and education-level values; a value seen differently before
    /// becomes `None` (the event does not determine it).
    fn note_parents(&mut self, w: i64, ev: &str, seen: [Option<&str>; 3]) {
        let events = self.parents.entry(w).or_default();
        match events.get_mut(ev) {
            Some(mine) => {
                for (m, s) in mine.iter_mut().zip(seen) {
                    if m.as_deref() != s {
                        *m = None;
                    }
                }
            }
            None => {
                events.insert(ev.to_string(), seen.map(|s| s.map(str::to_string)));
            }
        }
    }

    /// The serializable form, stamped with the user-hash key's
    /// `fingerprint` ([`UserHasher::fingerprint`]).
    pub fn to_partial(&self, fingerprint: &str) -> Partial {
        let cells: Vec<_> = self
            .keys()
            .into_iter()
            .map(|(w, d, v)| {
                let c = self.cell(w, d, v).expect("a listed cell").clone();
                (w, d, v.to_string(), c)
            })
            .collect();
        let mut parents: Vec<_> = self
            .parents
            .iter()
            .flat_map(|(w, events)| events.iter().map(move |(e, p)| (*w, e.clone(), p.clone())))
            .collect();
        parents.sort();
        Partial {
            anonlog_stats_partial: 1,
            key: fingerprint.to_string(),
            window: self.window,
            cells,
            parents,
            meetings: self.meetings.clone(),
            inputs: self.inputs.clone(),
        }
    }

    /// A state from its serialized form.
    pub fn from_partial(p: Partial) -> State {
        let mut cells: HashMap<(i64, Dim), Table, foldhash::fast::RandomState> = HashMap::default();
        for (w, d, v, c) in p.cells {
            cells.entry((w, d)).or_default().insert(v, c);
        }
        State {
            window: p.window,
            cells,
            parents: {
                let mut m: HashMap<i64, HashMap<String, [Option<String>; 3]>> = HashMap::new();
                for (w, e, ps) in p.parents {
                    m.entry(w).or_default().insert(e, ps);
                }
                m
            },
            meetings: p.meetings,
            inputs: p.inputs,
        }
    }

    /// Turns the meetings into cells of the meeting dimensions (by each
    /// meeting's start). Done once, before the tables are made.
    pub fn close_meetings(&mut self) {
        let meetings = std::mem::take(&mut self.meetings);
        for m in meetings.values() {
            let Some(s) = m.summary() else { continue };
            let w = self.window_of(s.start);
            let minutes = ((s.end - s.start).max(0) as u64).div_ceil(60);
            let users: Vec<u64> = m.events.iter().filter(|e| e.2 == 1).map(|e| e.1).collect();
            let size = match s.participants {
                0 | 1 => "1",
                2..=5 => "2-5",
                6..=20 => "6-20",
                21..=50 => "21-50",
                51..=200 => "51-200",
                _ => "201+",
            };
            let duration = match minutes {
                0..=14 => "<15 min",
                15..=44 => "15-44 min",
                45..=89 => "45-89 min",
                _ => "90+ min",
            };
            for (dim, v) in [
                (Dim::BbbMeetings, "all"),
                (Dim::BbbMeetingSize, size),
                (Dim::BbbMeetingDuration, duration),
            ] {
                let c = self.cell_mut(w, dim, v);
                c.events += 1;
                for u in &users {
                    *c.users.entry(*u).or_default() += 1;
                }
                c.minutes += minutes;
                c.participants += s.participants;
                c.peak = c.peak.max(s.peak);
            }
        }
    }
}

/// Reads one record (line or CSV row) into `state`.
pub struct Extractor<'a> {
    format: Format,
    schema: Option<&'a Schema>,
    hasher: &'a UserHasher,
    fields: Vec<std::ops::Range<usize>>,
    dec: Vec<Vec<u8>>,
    parts: Vec<access::Part>,
    toks: Vec<std::ops::Range<usize>>,
    scratch: Vec<u8>,
}

/// `Mon 13` for a time (UTC): one of 168 strings made once.
fn hour_weekday(t: i64) -> &'static str {
    static TABLE: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        DAYS.iter()
            .flat_map(|d| (0..24).map(move |h| format!("{d} {h:02}")))
            .collect()
    });
    let wd = crate::time::iso_weekday(t.div_euclid(86_400)) as usize - 1;
    &table[wd * 24 + (t.rem_euclid(86_400) / 3600) as usize]
}

/// Up to eight dimension values of one record, without allocating.
struct Values<'a> {
    v: [(Dim, &'a str); 8],
    n: usize,
}

impl<'a> Values<'a> {
    fn new(hw: &'a str) -> Values<'a> {
        Values {
            v: [(Dim::HourWeekday, hw); 8],
            n: 1,
        }
    }
    fn push(&mut self, d: Dim, v: &'a str) {
        if self.n < self.v.len() {
            self.v[self.n] = (d, v);
            self.n += 1;
        }
    }
    fn get(&self) -> &[(Dim, &'a str)] {
        &self.v[..self.n]
    }
}

/// The user a record is about: in "real as other" (an administrator logged
/// in as someone), the other, as Moodle's `userid` is.
fn acting_user<'v>(v: &'v [u8], sep: &[u8]) -> &'v [u8] {
    match memchr::memmem::find(v, sep) {
        Some(p) if p > 0 && p + sep.len() < v.len() => &v[p + sep.len()..],
        _ => v,
    }
}

/// A query parameter's value in a path (`name=value`).
fn param<'p>(path: &'p [u8], name: &[u8]) -> Option<&'p [u8]> {
    let q = memchr::memchr(b'?', path)?;
    path[q + 1..].split(|&b| b == b'&').find_map(|kv| {
        let eq = memchr::memchr(b'=', kv)?;
        (kv[..eq].eq_ignore_ascii_case(name)).then_some(&kv[eq + 1..])
    })
}

impl<'a> Extractor<'a> {
    /// An extractor for records of `format` (with `schema` for Moodle).
    pub fn new(format: Format, schema: Option<&'a Schema>, hasher: &'a UserHasher) -> Self {
        Extractor {
            format,
            schema,
            hasher,
            fields: Vec::new(),
            dec: Vec::new(),
            parts: Vec::new(),
            toks: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Counts one record (without its terminator) into `state`. Returns
    /// whether it was counted (it has a time and is understood).
    pub fn add(&mut self, state: &mut State, rec: &[u8]) -> bool {
        match (self.schema, self.format) {
            (Some(s), _) => self.moodle(state, s, rec),
            (None, Format::Access) => self.access(state, rec),
            (None, Format::Bbb) => self.bbb(state, rec),
            _ => false,
        }
    }

    fn access(&mut self, state: &mut State, line: &[u8]) -> bool {
        let Ok(rec) = access::parse(line) else {
            return false;
        };
        let Some(t) = rec.timestamp else {
            return false;
        };
        access::parse_head(line, rec.head.clone(), &mut self.toks, &mut self.parts);
        let user = self
            .parts
            .iter()
            .find(|(role, _)| *role == access::Role::User)
            .map(|(_, r)| acting_user(&line[r.clone()], b" as "))
            .filter(|v| !v.iter().all(|&b| b == b'-' || b == b' '))
            .map(|v| self.hasher.hash(v));
        let req = &line[rec.request.clone()];
        let path = req.split(|&b| b == b' ').nth(1).unwrap_or_default();
        let course = if path.starts_with(b"/course/view.php") {
            param(path, b"id")
        } else {
            param(path, b"courseid").or_else(|| param(path, b"course"))
        }
        .filter(|v| !v.is_empty() && v.iter().all(u8::is_ascii_digit));
        let activity = path.strip_prefix(b"/mod/").and_then(|rest| {
            let end = memchr::memchr(b'/', rest)?;
            let t = &rest[..end];
            (!t.is_empty() && t.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_'))
                .then_some(t)
        });
        const CLASSES: [&str; 10] = [
            "0xx", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "7xx", "8xx", "9xx",
        ];
        let status = rec.status.map(|s| CLASSES[usize::from(s / 100).min(9)]);
        let origin: &str = if path.starts_with(b"/webservice/") {
            "ws"
        } else {
            "web"
        };
        let ua = rec.quoted_after[1].clone().map(|r| &line[r]);
        let mut values = Values::new(hour_weekday(t));
        values.push(Dim::Origin, origin);
        // Both were checked to be ASCII digits or word characters.
        if let Some(c) = course.and_then(|c| std::str::from_utf8(c).ok()) {
            values.push(Dim::Course, c);
        }
        if let Some(a) = activity.and_then(|a| std::str::from_utf8(a).ok()) {
            values.push(Dim::Activity, a);
        }
        if let Some(s) = status {
            values.push(Dim::Status, s);
        }
        if let Some(ua) = ua {
            values.push(Dim::UaFamily, crate::useragent::family(ua));
            values.push(Dim::Device, crate::useragent::device(ua));
        }
        state.add_record(t, user, values.get());
        true
    }

    fn moodle(&mut self, state: &mut State, s: &Schema, rec: &[u8]) -> bool {
        s.dialect.split(rec, &mut self.fields);
        if self.fields.len() != s.columns.len() {
            return false;
        }
        let Some(t) = s.record_time(rec, &self.fields, &mut self.scratch) else {
            return false;
        };
        self.dec.resize_with(self.fields.len(), Vec::new);
        for (d, r) in self.dec.iter_mut().zip(&self.fields) {
            d.clear();
            let raw = &rec[r.clone()];
            if !s.dialect.is_null(raw) {
                s.dialect.decode(raw, d);
            }
        }
        let user = s
            .columns
            .iter()
            .zip(&self.dec)
            .find_map(|(c, v)| match (s.kind, c) {
                (crate::format::moodle::Kind::Logstore, Column::UserId("userid")) => Some(&v[..]),
                (crate::format::moodle::Kind::Report, Column::FullName) => {
                    Some(acting_user(v, s.lang.as_separator()))
                }
                _ => None,
            })
            .filter(|v| !v.is_empty() && *v != b"0" && *v != b"1")
            .filter(|v| !v.iter().all(|&b| b == b'-' || b == b' '))
            .map(|v| self.hasher.hash(v));
        // Decoded values that are not UTF-8 are made so in place, once.
        for d in self.dec.iter_mut() {
            if std::str::from_utf8(d).is_err() {
                *d = String::from_utf8_lossy(d).into_owned().into_bytes();
            }
        }
        let mut values = Values::new(hour_weekday(t));
        for (f, v) in s.facets.iter().zip(&self.dec) {
            let (Some(f), Ok(v)) = (f, std::str::from_utf8(v)) else {
                continue;
            };
            let dim = match f {
                _ if v.is_empty() => continue,
                Facet::Course if v == "0" || v == "1" || v == "-" => continue,
                Facet::Course => Dim::Course,
                Facet::Component => {
                    values.push(Dim::Activity, v.strip_prefix("mod_").unwrap_or(v));
                    continue;
                }
                Facet::Event => Dim::Event,
                Facet::Crud => Dim::Crud,
                Facet::Edulevel => Dim::Edulevel,
                Facet::Origin => Dim::Origin,
            };
            values.push(dim, v);
        }
        state.add_record(t, user, values.get());
        true
    }

    fn bbb(&mut self, state: &mut State, line: &[u8]) -> bool {
        let Ok(b) = bbb::parse(line) else {
            return false;
        };
        let Some(t) = b.timestamp else {
            return false;
        };
        let Some(found) = meetings::find(&line[b.message..]) else {
            return false;
        };
        let m = state
            .meetings
            .entry(String::from_utf8_lossy(found.meeting).into_owned())
            .or_default();
        match found.event {
            meetings::MeetingEvent::Started => m.add(t, 0, 0),
            meetings::MeetingEvent::Ended => m.add(t, 0, 2),
            meetings::MeetingEvent::Joined(u) => m.add(t, self.hasher.hash(u), 1),
            meetings::MeetingEvent::Left(u) => m.add(t, self.hasher.hash(u), -1),
        }
        true
    }
}

/// How to read inputs for statistics.
#[derive(Debug, Clone)]
pub struct ReadConfig {
    /// A forced format, or detection per input.
    pub format: Option<Format>,
    /// Worker threads.
    pub threads: usize,
    /// Block size.
    pub block_size: usize,
}

impl State {
    /// Reads `input` into this state, in parallel blocks.
    pub fn add_input(
        &mut self,
        input: &Input,
        cfg: &ReadConfig,
        hasher: &UserHasher,
    ) -> io::Result<()> {
        let name = input.display();
        let opened = input::open(input, true)?;
        let (mapped, mut stream) = match opened {
            Opened::Mapped(m) => (Some(m), None),
            Opened::Stream(r, fd) => (None, Some(StreamBlocks::new(r, fd, cfg.block_size))),
        };
        let sample: Vec<u8> = match (&mapped, &mut stream) {
            (Some(m), _) => m[..m.len().min(format::SAMPLE_LEN)].to_vec(),
            (None, Some(s)) => s.peek()?.to_vec(),
            (None, None) => unreachable!("an input is mapped or streamed"),
        };
        let (fmt, schema) = format::detect_with_schema(&sample, cfg.format);
        if fmt.moodle_kind().is_some() && schema.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "not a {} export: its first line is not a header anonlog can map to columns",
                    fmt.name()
                ),
            ));
        }
        let framing = schema
            .as_ref()
            .map_or(Framing::Lines, |s| Framing::Csv(s.dialect));
        if let Some(s) = &mut stream {
            s.set_framing(framing);
        }
        let window = self.window;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(cfg.threads.max(1))
            .build()
            .map_err(io::Error::other)?;
        let schema_ref = schema.as_ref();
        let header = schema_ref.is_some_and(|s| s.header);
        // Each worker thread folds its blocks into one state of its own;
        // the states are merged at the end.
        let count_block = |acc: (State, u64, u64), data: &[u8], first: bool| -> (State, u64, u64) {
            let (mut st, mut n, mut skipped) = acc;
            let mut ex = Extractor::new(fmt, schema_ref, hasher);
            let mut pos = 0;
            let data = if first { format::strip_bom(data) } else { data };
            let mut first_unit = first;
            while pos < data.len() {
                let len = framing.unit_end(&data[pos..]).unwrap_or(data.len() - pos);
                let rec = crate::format::csv::trim_terminator(&data[pos..pos + len]);
                pos += len;
                if std::mem::take(&mut first_unit) && header {
                    continue;
                }
                if rec.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                if ex.add(&mut st, rec) {
                    n += 1;
                } else {
                    skipped += 1;
                }
            }
            (st, n, skipped)
        };
        let merged = pool.install(|| -> io::Result<(State, u64, u64)> {
            use rayon::prelude::*;
            let empty = || (State::new(window), 0u64, 0u64);
            let join = |mut a: (State, u64, u64), b: (State, u64, u64)| {
                a.0.merge(b.0);
                (a.0, a.1 + b.1, a.2 + b.2)
            };
            match (&mapped, stream) {
                (Some(m), _) => {
                    let blocks: Vec<_> = input::mapped_blocks(m, cfg.block_size, framing)
                        .enumerate()
                        .collect();
                    Ok(blocks
                        .par_iter()
                        .fold(empty, |acc, (i, b)| count_block(acc, &b.data, *i == 0))
                        .reduce(empty, join))
                }
                (None, Some(mut s)) => {
                    let mut err = None;
                    let mut i = 0usize;
                    let blocks = std::iter::from_fn(|| match s.next_block() {
                        Ok(Some(b)) => {
                            i += 1;
                            Some((i - 1, b))
                        }
                        Ok(None) => None,
                        Err(e) => {
                            err = Some(e);
                            None
                        }
                    });
                    let r = blocks
                        .par_bridge()
                        .fold(empty, |acc, (i, b)| count_block(acc, &b.data, i == 0))
                        .reduce(empty, join);
                    match err {
                        Some(e) => Err(e),
                        None => Ok(r),
                    }
                }
                (None, None) => unreachable!("an input is mapped or streamed"),
            }
        })?;
        let (st, records, skipped) = merged;
        self.merge(st);
        self.inputs.push(InputInfo {
            input: name,
            format: fmt.name().to_string(),
            records,
            skipped,
        });
        Ok(())
    }
}

/// One published (or suppressed) row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Window start (ISO 8601).
    pub window_start: String,
    /// Window end, exclusive.
    pub window_end: String,
    /// Dimension.
    pub dimension: &'static str,
    /// Value.
    pub value: String,
    /// Events (records; meetings for meeting dimensions).
    pub events: u64,
    /// Distinct users.
    pub users: u64,
    /// Sum of per-meeting participants (meeting dimensions).
    pub participants: Option<u64>,
    /// Meeting minutes (meeting dimensions).
    pub minutes: Option<u64>,
    /// Largest number of participants at once (meeting dimensions).
    pub peak_concurrency: Option<u64>,
}

/// The tables of a state: published rows in a fixed order, and how many
/// cells were suppressed.
pub fn tables(state: &State, opts: &privacy::Options) -> (Vec<Row>, privacy::Report) {
    let decided = privacy::decide(state, opts);
    let len = state.window as i64;
    let iso = crate::time::iso;
    let rows = decided
        .published
        .into_iter()
        .map(|p| {
            let meeting = p.dim.is_meeting();
            Row {
                window_start: iso(p.window),
                window_end: iso(p.window + len),
                dimension: p.dim.name(),
                value: p.value,
                events: p.events,
                users: p.users,
                participants: meeting.then_some(p.participants),
                minutes: meeting.then_some(p.minutes),
                peak_concurrency: meeting.then_some(p.peak),
            }
        })
        .collect();
    (rows, decided.report)
}
