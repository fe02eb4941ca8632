//! Reading records into a counting state: the dimension values of an access
//! line, a Moodle row and a BigBlueButton meeting event, and the parallel
//! read of a whole input.

use super::meetings;
use super::state::{Dim, InputInfo, State, UserHasher};
use crate::error::Error;
use crate::format::layout::{Layout, Role};
use crate::format::moodle::{Column, Facet, Schema};
use crate::format::{access, bbb, Format};
use crate::input::{self, Input};

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
    layout: Option<&'a Layout>,
    trailing_user: bool,
    /// Records counted that name a person.
    pub identified: u64,
}

/// The hour (`13`) and weekday (`Mon`) of a time (UTC).
fn hour_weekday(t: i64) -> (&'static str, &'static str) {
    let hours = Dim::Hour
        .public_domain()
        .expect("hours are a public domain");
    let wd = crate::time::iso_weekday(t.div_euclid(86_400)) as usize - 1;
    (
        hours[(t.rem_euclid(86_400) / 3600) as usize],
        super::state::WEEKDAYS[wd],
    )
}

/// Up to ten dimension values of one record, without allocating.
struct Values<'a> {
    v: [(Dim, &'a str); 10],
    n: usize,
}

impl<'a> Values<'a> {
    fn new((hour, weekday): (&'a str, &'a str)) -> Values<'a> {
        let mut v = [(Dim::Hour, hour); 10];
        v[1] = (Dim::Weekday, weekday);
        Values { v, n: 2 }
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

/// Whether a user field names a person: not empty, not `-`, and not Moodle's
/// "not logged in" (0), guest (1) or `guest` accounts, which anonymize
/// treats as no one.
fn is_person(v: &[u8]) -> bool {
    !v.iter().all(|&b| b == b'-' || b == b' ')
        && v != b"0"
        && v != b"1"
        && !v.eq_ignore_ascii_case(b"guest")
}

/// A course id as published: digits without leading zeros (`05` is course
/// 5); none for the front page (1), no course (0) or anything not a number.
fn course_id(v: &[u8]) -> Option<&[u8]> {
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let start = v.iter().position(|&b| b != b'0').unwrap_or(v.len());
    let id = &v[start..];
    (!id.is_empty() && id != b"1").then_some(id)
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
            layout: None,
            trailing_user: false,
            identified: 0,
        }
    }

    /// Access lines are split by `layout` when there is one (the user,
    /// request, status and user agent taken from its fields), else by
    /// detection, with the last field as the user when `trailing_user`.
    pub fn with_layout(mut self, layout: Option<&'a Layout>, trailing_user: bool) -> Self {
        self.layout = layout;
        self.trailing_user = trailing_user;
        self
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
        if let Some(layout) = self.layout {
            return self.access_layout(state, layout, line);
        }
        let Ok(rec) = access::parse(line) else {
            return false;
        };
        let Some(t) = rec.timestamp else {
            return false;
        };
        access::parse_head(line, rec.head.clone(), &mut self.toks, &mut self.parts);
        let mut user = self
            .parts
            .iter()
            .find(|(role, _)| *role == access::Role::User)
            .map(|(_, r)| &line[r.clone()])
            .filter(|v| is_person(acting_user(v, b" as ")));
        if self.trailing_user && rec.extra < line.len() {
            // `--trailing-user`: the last field, quoted or not, wins.
            let v = line[rec.extra..].trim_ascii();
            let v = v
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .unwrap_or(v);
            if is_person(acting_user(v, b" as ")) {
                user = Some(v);
            }
        }
        let req = &line[rec.request.clone()];
        let path = req.split(|&b| b == b' ').nth(1).unwrap_or_default();
        let ua = rec.quoted_after[1].clone().map(|r| &line[r]);
        self.count_access(state, t, user, path, rec.status, ua)
    }

    /// An access line of a declared layout.
    fn access_layout(&mut self, state: &mut State, layout: &Layout, line: &[u8]) -> bool {
        let mut fields = std::mem::take(&mut self.fields);
        let counted = layout.parse(line, &mut fields).is_ok() && {
            let get = |role: Role| {
                layout
                    .field_of(|r| r == role)
                    .map(|k| &line[fields[k].clone()])
            };
            match layout.timestamp(line, &fields) {
                None => false,
                Some(t) => {
                    // The last user field that names a person (a Moodle
                    // user after `%u`).
                    let user = layout
                        .fields
                        .iter()
                        .zip(&fields)
                        .filter(|(f, _)| f.role == Role::User)
                        .map(|(_, r)| &line[r.clone()])
                        .rfind(|v| is_person(acting_user(v, b" as ")));
                    let path = match get(Role::Request) {
                        Some(req) => req.split(|&b| b == b' ').nth(1).unwrap_or_default(),
                        None => get(Role::Url).unwrap_or_default(),
                    };
                    let status = get(Role::Status).and_then(|s| {
                        (s.len() == 3 && s.iter().all(u8::is_ascii_digit))
                            .then(|| s.iter().fold(0u16, |a, b| a * 10 + u16::from(b - b'0')))
                    });
                    let ua = get(Role::UserAgent);
                    self.count_access(state, t, user, path, status, ua)
                }
            }
        };
        self.fields = fields;
        counted
    }

    /// Counts an access record: its time, user field, request path, status
    /// and user agent.
    fn count_access(
        &mut self,
        state: &mut State,
        t: i64,
        user: Option<&[u8]>,
        path: &[u8],
        status: Option<u16>,
        ua: Option<&[u8]>,
    ) -> bool {
        let user = user.map(|v| self.hasher.hash(acting_user(v, b" as ")));
        // Moodle may be installed under a sub-path (`/moodle/course/...`):
        // its scripts are looked for anywhere in the script part.
        let script = &path[..memchr::memchr(b'?', path).unwrap_or(path.len())];
        let course = if memchr::memmem::find(script, b"/course/view.php").is_some() {
            param(path, b"id")
        } else {
            param(path, b"courseid").or_else(|| param(path, b"course"))
        }
        .and_then(course_id);
        let activity = memchr::memmem::find(script, b"/mod/").and_then(|at| {
            let rest = &script[at + 5..];
            let end = memchr::memchr(b'/', rest)?;
            let t = &rest[..end];
            (!t.is_empty() && t.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_'))
                .then_some(t)
        });
        const CLASSES: [&str; 10] = [
            "other", "1xx", "2xx", "3xx", "4xx", "5xx", "other", "other", "other", "other",
        ];
        let status = status.map(|s| CLASSES[usize::from(s / 100).min(9)]);
        let origin: &str = if memchr::memmem::find(script, b"/webservice/").is_some() {
            "ws"
        } else {
            "web"
        };
        let ua = ua.filter(|ua| !ua.is_empty() && *ua != b"-");
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
        self.identified += u64::from(user.is_some());
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
            .filter(|v| is_person(v))
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
                Facet::Course => match course_id(v.as_bytes()) {
                    // Digits of ASCII: valid UTF-8.
                    Some(c) => {
                        values.push(Dim::Course, std::str::from_utf8(c).unwrap_or(v));
                        continue;
                    }
                    None if v.bytes().all(|b| b.is_ascii_digit() || b == b'-') => continue,
                    None => Dim::Course,
                },
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
        self.identified += u64::from(user.is_some());
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
        let course = meetings::moodle_course(&line[b.message..]).and_then(course_id);
        if let Some(c) = course.and_then(|c| std::str::from_utf8(c).ok()) {
            m.note_course(c);
        }
        self.identified += u64::from(matches!(
            found.event,
            meetings::MeetingEvent::Joined(_) | meetings::MeetingEvent::Left(_)
        ));
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
    /// The access log's declared layout (`--log-format`, `--nginx-format`).
    pub layout: Option<std::sync::Arc<Layout>>,
    /// `--trailing-user`.
    pub trailing_user: bool,
}

impl State {
    /// Reads `input` into this state, in parallel blocks: each worker folds
    /// its blocks into one state of its own, merged at the end. Errors name
    /// the input.
    pub fn add_input(
        &mut self,
        input: &Input,
        cfg: &ReadConfig,
        hasher: &UserHasher,
    ) -> Result<(), Error> {
        use rayon::prelude::*;
        let opts = input::OpenOptions {
            mmap: true,
            block_size: cfg.block_size,
            format: cfg.format,
        };
        let input::Detected {
            name,
            format,
            schema,
            framing,
            mut source,
        } = input::open(input, &opts)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(cfg.threads.max(1))
            .build()
            .map_err(|e| Error::input(&name, &e))?;
        let schema = schema.as_ref();
        let header = schema.is_some_and(|s| s.header);
        let window = self.window;
        let counted = self.counted;
        let count_block = |acc: Tally, i: usize, data: &[u8]| -> Tally {
            let mut t = acc;
            let mut ex = Extractor::new(format, schema, hasher)
                .with_layout(cfg.layout.as_deref(), cfg.trailing_user);
            for unit in input::units(data, framing, i == 0) {
                if unit.first && header {
                    continue;
                }
                if unit.body.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                if ex.add(&mut t.state, unit.body) {
                    t.records += 1;
                } else {
                    t.skipped += 1;
                }
            }
            t.identified += ex.identified;
            t.digest = t.digest.wrapping_add(block_digest(i, data));
            t
        };
        let empty = || Tally {
            state: State::counting(window, counted),
            ..Tally::default()
        };
        let mut read_error = None;
        let blocks = source
            .blocks(cfg.block_size, framing)
            .enumerate()
            .map_while(|(i, b)| match b {
                Ok(b) => Some((i, b)),
                Err(e) => {
                    read_error = Some(e);
                    None
                }
            });
        let t = pool.install(|| {
            blocks
                .par_bridge()
                .fold(empty, |acc, (i, b)| count_block(acc, i, &b.data))
                .reduce(empty, Tally::join)
        });
        if let Some(e) = read_error {
            return Err(Error::input(&name, &format!("read error: {e}")));
        }
        let (st, info) = t.into_info(name, format.name());
        self.merge(st);
        self.inputs.push(info);
        Ok(())
    }
}

/// A worker's fold.
#[derive(Default)]
struct Tally {
    state: State,
    records: u64,
    skipped: u64,
    identified: u64,
    /// Sum of the blocks' digests: the same content gives the same sum.
    digest: u64,
}

impl Tally {
    fn join(mut self, b: Tally) -> Tally {
        self.state.merge(b.state);
        self.records += b.records;
        self.skipped += b.skipped;
        self.identified += b.identified;
        self.digest = self.digest.wrapping_add(b.digest);
        self
    }

    /// The state, and what the metadata says of input `name`.
    fn into_info(self, name: String, format: &str) -> (State, InputInfo) {
        let info = InputInfo {
            input: name,
            format: format.to_string(),
            records: self.records,
            skipped: self.skipped,
            identified: self.identified,
            digest: format!("{:016x}", self.digest),
        };
        (self.state, info)
    }
}

/// A block's share of its input's digest (a fast keyless hash of its index
/// and bytes: it tells the same input given twice, it is no secret).
fn block_digest(i: usize, data: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x616e_6f6e_6c6f_6721).hash_one((i, data))
}
