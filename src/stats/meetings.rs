//! BigBlueButton meetings in BBB logs: which lines say that a meeting
//! started or ended or that a user joined or left it ([`find`]), and what one
//! meeting's events add up to ([`Meeting::summary`]): when it ran, how many
//! distinct users joined it, and how many were in it at once.
//!
//! This module owns recognising meeting events in the *message* of a BBB
//! line, and the arithmetic of one meeting. It does not own splitting a line
//! into time, level, logger and message (`format::bbb`), hashing user ids, or
//! turning summaries into table cells (the parent module): it never sees a
//! time it did not get passed, and it keeps user ids only as the caller's
//! hashes.
//!
//! The lines recognised, raw or already anonymized (user ids may be
//! pseudonyms such as `b_…`, `n_…` or 16 digits; JSON quotes may be `"`, `\"`
//! or nginx's `\x22`); see docs/formats.md §3 and the BBB sources cited at each
//! function:
//!
//! ```text
//! bbb-web analytics   --analytics-- data={…"logCode":"user_joined_message",…}   (any key order)
//! bbb-web before 2.2  User joined meeting: data={…"event":"user_joined_message",…}
//! akka-apps 0.9–2.0   User joined meeting:  mid=[<meeting>] uid=[<user>] role=[…] …
//!                     User left meeting:  mid=[<meeting>] uid=[<user>]
//!                     Ejecting user from meeting:  mid=[<meeting>]uid=[<user>]
//!                     User joined meeting. metingId=<meeting> userId=<user> user=…
//!                     User left meeting. meetingId=<meeting> userId=<user> user=…
//!                     Ejecting user from meeting.  meetingId=<meeting> userId=<user>
//!                     Destroyed meeting id[<meeting>].
//!                     now supervising Actor[akka://…/bigbluebutton-actor/<meeting>#…]
//! akka-apps 2.x/3.x   -- analytics -- {"envelope":{"name":"UserJoinedMeetingEvtMsg",…},"core":{"header":{…},"body":{…}}}
//! ```
//!
//! Everything else is not a meeting event. [`find`] returns slices of its
//! input and allocates nothing; a line without the bytes `meeting` costs two
//! `memmem` scans.

use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use memchr::memmem;
use serde::{Deserialize, Serialize};

/// What one BBB log line says about a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingEvent<'a> {
    /// The meeting started (or was created, or restarted).
    Started,
    /// The meeting ended (or is ending, or was destroyed).
    Ended,
    /// A user joined; the user's id as written (internal or external id, or
    /// its pseudonym).
    Joined(&'a [u8]),
    /// A user left or was ejected; the user's id as written.
    Left(&'a [u8]),
}

/// A meeting event found in a line: the meeting's id and the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<'a> {
    /// The meeting id as written (`meetingId`, `mid=[...]`, ...): BBB's
    /// internal id (`<sha1>-<epoch ms>`) in every recognised form.
    pub meeting: &'a [u8],
    /// What happened.
    pub event: MeetingEvent<'a>,
}

/// Every recognised line has these bytes (a JSON key `meetingId`,
/// `meetingid`, `meetingProp`, or the text `... meeting ...`), except the
/// actor-supervision line, which is looked for separately.
static MEETING: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"meeting"));
static SUPERVISED: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"/bigbluebutton-actor/"));

/// Finds the meeting event in the message of a BBB log line, if there is
/// one. The whole line works too: the forms are found anywhere in it.
///
/// Returns `None` for every other line, and for an event whose meeting id or
/// user id is missing or empty.
pub fn find(message: &[u8]) -> Option<Found<'_>> {
    // The quote styles whose JSON reading was tried (at most once each).
    let mut tried = [false; 3];
    for at in MEETING.find_iter(message) {
        if let Some(q) = quote_before(message, at) {
            // A JSON key (or string) with "meeting" in it, quoted this way.
            if !std::mem::replace(&mut tried[q as usize], true) {
                if let Some(found) = json(message, q) {
                    return Some(found);
                }
            }
        } else if let Some(found) = akka_text(message, at) {
            return Some(found);
        }
    }
    supervised(message)
}

/// The Moodle course of the meeting a line is about, from its external
/// meeting id: Moodle's BigBlueButton activity names its meetings
/// `<meetingid>-<course id>-<activity id>`, where the meeting id is a SHA-1
/// in hex, with `[<group id>]` after it in Moodle 4 (`mod_bigbluebuttonbn`'s
/// `instance::get_meeting_id`). bbb-web writes it as `externalMeetingId`
/// (analytics of joins and starts) or `extMeetingid` (API calls). Returns
/// the course id as written (digits), or `None` for meetings of other
/// front ends and lines without the id.
pub fn moodle_course(message: &[u8]) -> Option<&[u8]> {
    const KEYS: [&[u8]; 4] = [
        b"externalMeetingId",
        b"extMeetingid",
        b"extMeetingId",
        b"external_meeting_id",
    ];
    let ext = [Quote::Plain, Quote::Escaped, Quote::Hex]
        .into_iter()
        .find_map(|q| KEYS.iter().find_map(|k| flat_str(message, k, q)))?;
    moodle_course_of_id(ext)
}

/// The course id in a Moodle external meeting id (see [`moodle_course`]).
pub fn moodle_course_of_id(ext: &[u8]) -> Option<&[u8]> {
    let ext = match ext.iter().rposition(|&b| b == b'[') {
        Some(open)
            if ext.ends_with(b"]")
                && open + 2 < ext.len()
                && ext[open + 1..ext.len() - 1].iter().all(u8::is_ascii_digit) =>
        {
            &ext[..open]
        }
        _ => ext,
    };
    let mut parts = ext.splitn(3, |&b| b == b'-');
    let (seed, course, activity) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |v: &[u8]| !v.is_empty() && v.iter().all(u8::is_ascii_digit);
    (seed.len() == 40
        && seed.iter().all(u8::is_ascii_hexdigit)
        && digits(course)
        && digits(activity))
    .then_some(course)
}

// --- JSON: bbb-web analytics and bbb-apps-akka envelopes -----------------

/// How the JSON's quotes are written: plain, backslash-escaped (JSON inside a
/// JSON string), or nginx-escaped (`\x22`, the html5-client log and
/// anonymized nginx lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    Plain,
    Escaped,
    Hex,
}

impl Quote {
    fn bytes(self) -> &'static [u8] {
        match self {
            Quote::Plain => b"\"",
            Quote::Escaped => b"\\\"",
            Quote::Hex => b"\\x22",
        }
    }
}

/// The quote that ends right before `at`, if any.
fn quote_before(s: &[u8], at: usize) -> Option<Quote> {
    let before = &s[..at];
    if before.ends_with(b"\\x22") {
        Some(Quote::Hex)
    } else if before.ends_with(b"\\\"") {
        Some(Quote::Escaped)
    } else if before.ends_with(b"\"") {
        Some(Quote::Plain)
    } else {
        None
    }
}

/// The event of a JSON line: bbb-web's analytics codes first, then the
/// akka-apps envelope.
fn json(s: &[u8], q: Quote) -> Option<Found<'_>> {
    let code = flat_str(s, b"logCode", q).or_else(|| flat_str(s, b"event", q));
    if let Some(found) = code.and_then(|code| web(s, q, code)) {
        return Some(found);
    }
    envelope(s, q)
}

/// bbb-web's analytics data (`MeetingService.java`, `ApiController.groovy`):
/// one flat object whose key order is HashMap order, so every key is looked
/// up anywhere in the line. Before BBB 2.2 the code was under `event` and the
/// message was `User joined meeting: data={...}`, `Meeting started: data=...`.
fn web<'a>(s: &'a [u8], q: Quote, code: &[u8]) -> Option<Found<'a>> {
    enum Kind {
        Join,
        Leave,
        Start,
        End,
    }
    let kind = match code {
        b"user_joined_message" => Kind::Join,
        b"user_left_message" => Kind::Leave,
        b"meeting_started" | b"meeting_restarted" => Kind::Start,
        b"meeting_ended" | b"meeting_destroyed" => Kind::End,
        _ => return None,
    };
    let meeting = flat_str(s, b"meetingId", q).or_else(|| flat_str(s, b"meetingid", q))?;
    let user = || {
        [&b"userId"[..], b"externalUserId", b"userid", b"intId"]
            .iter()
            .find_map(|k| flat_str(s, k, q))
    };
    let event = match kind {
        Kind::Join => MeetingEvent::Joined(user()?),
        Kind::Leave => MeetingEvent::Left(user()?),
        Kind::Start => MeetingEvent::Started,
        Kind::End => MeetingEvent::Ended,
    };
    Some(Found { meeting, event })
}

/// bbb-apps-akka's `AnalyticsActor` (`-- analytics -- <BbbCommonEnvCoreMsg
/// as JSON>`, 2.x and 3.x): `{"envelope":{"name":N,...},"core":{"header":
/// {"name":N,"meetingId":M,"userId":U},"body":{...}}}`, members in any
/// order. Message shapes from bbb-common-message's `msgs/*.scala`:
/// `UserJoinedMeetingEvtMsg` and `UserLeftMeetingEvtMsg` have a client header
/// and `body.intId`; `MeetingCreatedEvtMsg` has only a name in its header and
/// the id in `body.props.meetingProp.intId`; `MeetingEndingEvtMsg` (the end
/// message the AnalyticsActor logs), `MeetingEndedEvtMsg` and
/// `MeetingDestroyedEvtMsg` have `body.meetingId`.
fn envelope(s: &[u8], q: Quote) -> Option<Found<'_>> {
    let root = &s[memchr::memchr(b'{', s)?..];
    let env = member(root, b"envelope", q).and_then(object);
    let core = object(member(root, b"core", q)?)?;
    let header = member(core, b"header", q).and_then(object);
    let body = member(core, b"body", q).and_then(object);
    let in_header = |k: &[u8]| header.and_then(|h| str_member(h, k, q));
    let in_body = |k: &[u8]| body.and_then(|b| str_member(b, k, q));
    let name = env
        .and_then(|e| str_member(e, b"name", q))
        .or_else(|| in_header(b"name"))?;
    let meeting = || in_header(b"meetingId").or_else(|| in_body(b"meetingId"));
    let user = || in_body(b"intId").or_else(|| in_header(b"userId"));
    let (meeting, event) = match name {
        b"UserJoinedMeetingEvtMsg" => (meeting()?, MeetingEvent::Joined(user()?)),
        b"UserLeftMeetingEvtMsg" => (meeting()?, MeetingEvent::Left(user()?)),
        b"MeetingCreatedEvtMsg" | b"MeetingStartedEvtMsg" => {
            let m = meeting().or_else(|| {
                let props = body.and_then(|b| member(b, b"props", q)).and_then(object);
                let prop = props
                    .or(body)
                    .and_then(|p| member(p, b"meetingProp", q))
                    .and_then(object)?;
                // anonlog pseudonymizes `intId` as a user's name, which
                // cuts this id off from the meeting's other lines.
                str_member(prop, b"intId", q).filter(|id| !is_name_pseudonym(id))
            })?;
            (m, MeetingEvent::Started)
        }
        b"MeetingEndingEvtMsg" | b"MeetingEndedEvtMsg" | b"MeetingDestroyedEvtMsg" => {
            (meeting()?, MeetingEvent::Ended)
        }
        // anonlog (as of this writing) pseudonymizes every `name`, the
        // message names too; then the body's shape tells the two user
        // messages apart: only UserJoinedMeetingEvtMsg's body has intId,
        // extId and role, only UserLeftMeetingEvtMsg's has intId and eject.
        n if is_name_pseudonym(n) => {
            let b = body?;
            let has = |k: &[u8]| member(b, k, q).is_some();
            let event = if has(b"extId") && has(b"role") {
                MeetingEvent::Joined(str_member(b, b"intId", q)?)
            } else if has(b"eject") {
                MeetingEvent::Left(str_member(b, b"intId", q)?)
            } else {
                return None;
            };
            (meeting()?, event)
        }
        _ => return None,
    };
    Some(Found { meeting, event })
}

/// The string value of `key` anywhere in `s`: `<q>key<q> : <q>value<q>`. A
/// key is told from an equal string value by the colon after it.
fn flat_str<'a>(s: &'a [u8], key: &[u8], q: Quote) -> Option<&'a [u8]> {
    let qb = q.bytes();
    for k in memmem::find_iter(s, key) {
        if !s[..k].ends_with(qb) || !s[k + key.len()..].starts_with(qb) {
            continue;
        }
        let p = skip_ws(s, k + key.len() + qb.len());
        if s.get(p) != Some(&b':') {
            continue;
        }
        let p = skip_ws(s, p + 1);
        if let Some(end) = skip_value(s, p, q) {
            if let Some(v) = string(&s[p..end], q) {
                return Some(v);
            }
        }
    }
    None
}

/// The raw value of the member `key` of the object that starts `obj`
/// (`{`), looking at its own members only, not into nested objects. `None`
/// when absent or when the object is cut off before it; an object value cut
/// off is returned as far as it goes.
fn member<'a>(obj: &'a [u8], key: &[u8], q: Quote) -> Option<&'a [u8]> {
    let qb = q.bytes();
    if obj.first() != Some(&b'{') {
        return None;
    }
    let mut p = 1;
    loop {
        p = skip_ws(obj, p);
        match obj.get(p)? {
            b'}' => return None,
            b',' => {
                p += 1;
                continue;
            }
            _ => {}
        }
        if !obj[p..].starts_with(qb) {
            return None;
        }
        let key_start = p + qb.len();
        let key_end = string_end(obj, key_start, q)?;
        p = skip_ws(obj, key_end + qb.len());
        if obj.get(p) != Some(&b':') {
            return None;
        }
        p = skip_ws(obj, p + 1);
        let end = skip_value(obj, p, q);
        if &obj[key_start..key_end] == key {
            return match end {
                Some(end) => Some(&obj[p..end]),
                // An object cut off (a line too long for syslog): what is
                // there may still hold the member wanted next.
                None if obj.get(p) == Some(&b'{') => Some(&obj[p..]),
                None => None,
            };
        }
        p = end?;
    }
}

/// A member's value as a string, without its quotes; `None` for other
/// values and for the empty string.
fn str_member<'a>(obj: &'a [u8], key: &[u8], q: Quote) -> Option<&'a [u8]> {
    string(member(obj, key, q)?, q)
}

/// A raw value as a string: the bytes between its quotes, if not empty.
fn string(raw: &[u8], q: Quote) -> Option<&[u8]> {
    let qb = q.bytes();
    let v = raw.strip_prefix(qb)?.strip_suffix(qb)?;
    (!v.is_empty()).then_some(v)
}

/// A raw value as an object (starting with `{`).
fn object(raw: &[u8]) -> Option<&[u8]> {
    (raw.first() == Some(&b'{')).then_some(raw)
}

fn skip_ws(s: &[u8], mut p: usize) -> usize {
    while matches!(s.get(p), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        p += 1;
    }
    p
}

/// Where the string whose content starts at `from` ends (the index of its
/// closing quote). Plain JSON strings honour backslash escapes; in the
/// escaped forms the next quote ends the string (ids never contain one).
fn string_end(s: &[u8], from: usize, q: Quote) -> Option<usize> {
    match q {
        Quote::Plain => {
            let mut p = from;
            loop {
                p += memchr::memchr2(b'"', b'\\', s.get(p..)?)?;
                if s[p] == b'"' {
                    return Some(p);
                }
                p += 2;
            }
        }
        Quote::Escaped | Quote::Hex => Some(from + memmem::find(s.get(from..)?, q.bytes())?),
    }
}

/// The end (exclusive) of the JSON value starting at `p`: a string, an
/// object or array (nesting and strings skipped), or a scalar up to the next
/// `,`, `}` or `]`. `None` when the value is cut off.
fn skip_value(s: &[u8], p: usize, q: Quote) -> Option<usize> {
    let qb = q.bytes();
    let rest = s.get(p..)?;
    if rest.starts_with(qb) {
        return Some(string_end(s, p + qb.len(), q)? + qb.len());
    }
    match rest.first()? {
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = p;
            while i < s.len() {
                if s[i..].starts_with(qb) {
                    i = string_end(s, i + qb.len(), q)? + qb.len();
                    continue;
                }
                match s[i] {
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let n = rest
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']'))
                .unwrap_or(rest.len());
            (n > 0).then_some(p + n)
        }
    }
}

/// anonlog's pseudonym of a name: `n_` and 12 lowercase base32 characters
/// (`pseudonym.rs`; checked here so the module stands alone).
fn is_name_pseudonym(v: &[u8]) -> bool {
    v.len() == 14
        && v.starts_with(b"n_")
        && v[2..]
            .iter()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(b))
}

// --- text: bbb-apps-akka (akka-bbb-apps) 0.9 to 2.x -----------------------

/// The akka-apps text forms around the `meeting` at `at` (MeetingActor.scala
/// / UsersApp.scala, BigBlueButtonActor.scala):
///
/// ```text
/// User joined meeting:  mid=[M] uid=[U] role=[...] ...   (0.9, 1.0: corpus)
/// User left meeting:  mid=[M] uid=[U]                     (0.9, 1.0: source)
/// Ejecting user from meeting:  mid=[M]uid=[U]             (0.9, 1.0: source)
/// User joined meeting. metingId=M userId=U user=...       (1.1: source, sic)
/// User left meeting. meetingId=M userId=U user=...        (1.1: source)
/// Ejecting user from meeting.  meetingId=M userId=U       (1.1, 2.0: source)
/// Destroyed meeting id[M].                                (0.9, 1.0: source)
/// ```
///
/// `uid=` may have lost its `[` to anonymization (`uid=n_…]`).
fn akka_text(s: &[u8], at: usize) -> Option<Found<'_>> {
    let before = &s[..at];
    let after = at + b"meeting".len();
    let rest = &s[after..];
    if before.ends_with(b"Destroyed ") {
        let m = rest.strip_prefix(b" id[")?;
        let meeting = &m[..memchr::memchr(b']', m)?];
        return (!meeting.is_empty()).then_some(Found {
            meeting,
            event: MeetingEvent::Ended,
        });
    }
    let joined = if before.ends_with(b"User joined ") {
        true
    } else if before.ends_with(b"User left ") || before.ends_with(b"Ejecting user from ") {
        false
    } else {
        return None;
    };
    let (meeting, user) = match rest.first()? {
        b':' => {
            let p = skip_ws(s, after + 1);
            let m = s[p..].strip_prefix(b"mid=[")?;
            let meeting = &m[..memchr::memchr(b']', m)?];
            let p = skip_ws(s, s.len() - m.len() + meeting.len() + 1);
            let u = s[p..].strip_prefix(b"uid=")?;
            let u = u.strip_prefix(b"[").unwrap_or(u);
            (meeting, word(u, b']'))
        }
        b'.' => {
            let p = skip_ws(s, after + 1);
            let m = s[p..]
                .strip_prefix(b"meetingId=")
                .or_else(|| s[p..].strip_prefix(b"metingId="))?;
            let meeting = word(m, b' ');
            let p = skip_ws(s, s.len() - m.len() + meeting.len());
            (meeting, word(s[p..].strip_prefix(b"userId=")?, b' '))
        }
        _ => return None,
    };
    if meeting.is_empty() || user.is_empty() {
        return None;
    }
    let event = if joined {
        MeetingEvent::Joined(user)
    } else {
        MeetingEvent::Left(user)
    };
    Some(Found { meeting, event })
}

/// The bytes up to `stop` or white space.
fn word(s: &[u8], stop: u8) -> &[u8] {
    let n = s
        .iter()
        .position(|&b| b == stop || b.is_ascii_whitespace())
        .unwrap_or(s.len());
    &s[..n]
}

/// Akka's lifecycle debug line for a new MeetingActor, which
/// BigBlueButtonActor names after the meeting id (0.9, 1.0: corpus):
/// `now supervising Actor[akka://bigbluebutton-apps-system/user/
/// bigbluebutton-actor/<meeting>#655700391]`. The `MeetingActor - started`
/// line just before it carries no id.
fn supervised(s: &[u8]) -> Option<Found<'_>> {
    let at = SUPERVISED.find(s)?;
    memmem::find(&s[..at], b"now supervising Actor[")?;
    let rest = &s[at + b"/bigbluebutton-actor/".len()..];
    let n = rest
        .iter()
        .position(|&b| matches!(b, b'#' | b']' | b'/' | b' '))?;
    let meeting = &rest[..n];
    (rest[n] == b'#' && !meeting.is_empty() && meeting[0] != b'$').then_some(Found {
        meeting,
        event: MeetingEvent::Started,
    })
}

// --- meetings ---------------------------------------------------------------

/// Everything known about one meeting (mergeable across blocks and runs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    /// (time, user hash, +1 join / -1 leave / 0 start / 2 end) in no
    /// particular order.
    pub events: Vec<(i64, u64, i8)>,
    /// The Moodle course it belongs to ([`moodle_course`]), if any line
    /// said (the smallest id, should lines disagree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course: Option<String>,
}

/// A meeting summarized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// First second: the earliest start event, else the earliest event.
    pub start: i64,
    /// Last second: the earliest end event not before `start`, else the
    /// latest event.
    pub end: i64,
    /// Distinct users who joined.
    pub participants: u64,
    /// Most users present at once.
    pub peak: u64,
}

impl Meeting {
    /// Records an event at `t` (user hash 0 for start/end).
    pub fn add(&mut self, t: i64, user: u64, kind: i8) {
        self.events.push((t, user, kind));
    }

    /// Adds another part of the same meeting.
    pub fn merge(&mut self, other: Meeting) {
        self.events.extend(other.events);
        if let Some(c) = other.course {
            self.note_course(&c);
        }
    }

    /// Notes that a line gave course `c` (the smallest id wins, so that
    /// the result does not depend on the order of the lines).
    pub fn note_course(&mut self, c: &str) {
        let smaller = |a: &str, b: &str| (a.len(), a) < (b.len(), b);
        if self.course.as_deref().is_none_or(|m| smaller(c, m)) {
            self.course = Some(c.to_string());
        }
    }

    /// The meeting's summary, or `None` for a meeting without events. It
    /// depends only on the set of events, not their order, so blocks merged
    /// in any order give the same summary.
    ///
    /// Presence is tracked per user: a second join without a leave does not
    /// count twice, a leave without a join is ignored, and users who never
    /// leave stay until the end. Within one second leaves come before joins
    /// (a hand-over is not an overlap); a user who both joins and leaves in
    /// a second they started outside of the meeting is counted in that
    /// second and is gone after it.
    pub fn summary(&self) -> Option<Summary> {
        if self.events.is_empty() {
            return None;
        }
        let mut ev = self.events.clone();
        ev.sort_unstable_by_key(|&(t, user, kind)| (t, kind, user));
        let first = ev[0].0;
        let last = ev[ev.len() - 1].0;
        let start = ev
            .iter()
            .filter(|e| e.2 == 0)
            .map(|e| e.0)
            .min()
            .unwrap_or(first);
        let end = ev
            .iter()
            .filter(|e| e.2 == 2 && e.0 >= start)
            .map(|e| e.0)
            .min()
            .unwrap_or(last);
        let participants = ev
            .iter()
            .filter(|e| e.2 == 1)
            .map(|e| e.1)
            .collect::<HashSet<_>>()
            .len() as u64;

        let mut present = HashSet::new();
        let mut late_leaves = Vec::new();
        let mut peak = 0u64;
        for second in ev.chunk_by(|a, b| a.0 == b.0) {
            // Leaves of users who were in, then joins, then leaves of users
            // who came in this second: the same whatever the order within
            // the second.
            late_leaves.clear();
            for &(_, user, kind) in second {
                if kind == -1 && !present.remove(&user) {
                    late_leaves.push(user);
                }
            }
            for &(_, user, kind) in second {
                if kind == 1 {
                    present.insert(user);
                }
            }
            peak = peak.max(present.len() as u64);
            for user in &late_leaves {
                present.remove(user);
            }
        }
        Some(Summary {
            start,
            end,
            participants,
            peak,
        })
    }
}

/// Meetings by id.
pub type Meetings = BTreeMap<String, Meeting>;

#[cfg(test)]
mod tests {

    #[test]
    fn moodle_course_from_external_meeting_ids() {
        let seed = "7f0e4c1d2b3a49586776a5b4c3d2e1f0a9b8c7d6";
        let c = |id: &str| moodle_course_of_id(id.as_bytes()).map(|c| c.to_vec());
        assert_eq!(c(&format!("{seed}-12-7")), Some(b"12".to_vec()));
        assert_eq!(c(&format!("{seed}-12-7[3]")), Some(b"12".to_vec()));
        assert_eq!(c(&format!("{seed}-12-7[]")), None);
        assert_eq!(c(&format!("{seed}-12")), None);
        assert_eq!(c(&format!("{seed}-x-7")), None);
        assert_eq!(c(&format!("{}-12-7", &seed[1..])), None);
        assert_eq!(c("demoapp_1000"), None);
        assert_eq!(c("Demo Meeting"), None);
        // In any of the quote styles of a line.
        let line = format!(r#"data={{"extMeetingid":"{seed}-40-2[0]","logCode":"join_api"}}"#);
        assert_eq!(moodle_course(line.as_bytes()), Some(&b"40"[..]));
        let hex = format!(r"data={{\x22externalMeetingId\x22:\x22{seed}-41-2\x22}}");
        assert_eq!(moodle_course(hex.as_bytes()), Some(&b"41"[..]));
        assert_eq!(moodle_course(br#"{"meetingId":"m-1"}"#), None);
    }
    use super::*;

    const MID: &[u8] = b"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1586894220067";
    const MID15: &[u8] = b"183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1433784803813";
    const MID25: &[u8] = b"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1758034000000";

    fn joined<'a>(meeting: &'a [u8], user: &'a [u8]) -> Option<Found<'a>> {
        Some(Found {
            meeting,
            event: MeetingEvent::Joined(user),
        })
    }

    fn left<'a>(meeting: &'a [u8], user: &'a [u8]) -> Option<Found<'a>> {
        Some(Found {
            meeting,
            event: MeetingEvent::Left(user),
        })
    }

    fn started(meeting: &[u8]) -> Option<Found<'_>> {
        Some(Found {
            meeting,
            event: MeetingEvent::Started,
        })
    }

    fn ended(meeting: &[u8]) -> Option<Found<'_>> {
        Some(Found {
            meeting,
            event: MeetingEvent::Ended,
        })
    }

    /// The message part of a logback line (what the caller passes), or the
    /// line itself when it has no ` - `.
    fn message(line: &str) -> &str {
        line.find(" - ").map_or(line, |i| &line[i + 3..])
    }

    /// Both the message and the whole line give `want`.
    fn check(line: &str, want: Option<Found<'_>>) {
        assert_eq!(find(message(line).as_bytes()), want, "message of {line}");
        assert_eq!(find(line.as_bytes()), want, "whole {line}");
    }

    // corpus/bbb/bbb-web_issue8510.log, line 1 (real).
    const WEB_JOIN: &str = r#"2020-04-14T15:57:14.463-04:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"role":"MODERATOR","clientType":"HTML5","externalUserId":"w_u0rjuthid3ab","logCode":"user_joined_message","name":"Jibon","description":"User joined the meeting.","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1586894220067","externalMeetingId":"demoapp_1000","guest":false,"guestStatus":"ALLOW","userId":"w_u0rjuthid3ab","username":"jibon"}"#;

    #[test]
    fn web_analytics_real_lines() {
        check(WEB_JOIN, joined(MID, b"w_u0rjuthid3ab"));
        // corpus/bbb/bbb-web_issue8510.log, line 3 (real).
        check(
            r#"2020-04-14T15:57:16.987-04:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"role":"MODERATOR","clientType":"HTML5","externalUserId":"w_tpmaedg8qly7","logCode":"user_joined_message","name":"Jibon","description":"User joined the meeting.","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1586894220067","externalMeetingId":"demoapp_1000","guest":false,"guestStatus":"ALLOW","userId":"w_tpmaedg8qly7","username":"jibon"}"#,
            joined(MID, b"w_tpmaedg8qly7"),
        );
        // testdata/bbb.log: userId wins over externalUserId.
        check(
            r#"2026-11-24T08:11:30.463+01:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"role":"VIEWER","clientType":"HTML5","externalUserId":"109","logCode":"user_joined_message","name":"Statistik 1","description":"User joined the meeting.","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1764000000000","guest":false,"userId":"w_u0rjuthid3ab","username":"Max Mustermann"}"#,
            joined(
                b"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1764000000000",
                b"w_u0rjuthid3ab",
            ),
        );
    }

    #[test]
    fn web_analytics_other_codes() {
        // Shapes from MeetingService.java (user_left_message: the join's keys
        // minus bot/clientType; meeting_*: meetingId, externalMeetingId,
        // name, duration, record, isBreakout).
        let user_left = r#"2020-04-14T16:57:14.463-04:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"role":"MODERATOR","externalUserId":"w_u0rjuthid3ab","logCode":"user_left_message","name":"Jibon","description":"User left the meeting.","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1586894220067","externalMeetingId":"demoapp_1000","guest":false,"guestStatus":"ALLOW","userId":"w_u0rjuthid3ab","username":"jibon"}"#;
        check(user_left, left(MID, b"w_u0rjuthid3ab"));
        let meeting = |code: &str| {
            format!(
                r#"2020-04-14T15:50:14.463-04:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={{"duration":0,"record":false,"logCode":"{code}","name":"Demo Meeting","description":"Meeting has started.","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1586894220067","externalMeetingId":"demoapp_1000","isBreakout":false}}"#
            )
        };
        check(&meeting("meeting_started"), started(MID));
        check(&meeting("meeting_restarted"), started(MID));
        check(&meeting("meeting_ended"), ended(MID));
        check(&meeting("meeting_destroyed"), ended(MID));
        for code in [
            "meeting_removed_from_running",
            "removed_user",
            "purged_entered_user",
            "user_joined",
        ] {
            check(&meeting(code), None);
        }
        // No user id, or no meeting id: nothing to attribute.
        check(
            r#" --analytics-- data={"logCode":"user_joined_message","meetingId":"m-1","username":"x"}"#,
            None,
        );
        check(
            r#" --analytics-- data={"logCode":"user_joined_message","userId":"w_1","meetingId":""}"#,
            None,
        );
        // Fallbacks: externalUserId, then userid; meetingid.
        check(
            r#" --analytics-- data={"logCode":"user_left_message","externalUserId":"58","meetingid":"m-1"}"#,
            left(b"m-1", b"58"),
        );
        check(
            r#" --analytics-- data={"userid":"w_x","logCode":"user_left_message","meetingid":"m-1","userId":null}"#,
            left(b"m-1", b"w_x"),
        );
    }

    #[test]
    fn web_analytics_before_2_2() {
        // MeetingService.java before the analytics tag: "event" key, message
        // "User joined meeting: data={...}" (BBB 2.0/2.1 source).
        check(
            r#"2019-03-01T10:00:00.000Z INFO  o.b.api.MeetingService - User joined meeting: data={"meetingId":"m-2","externalMeetingId":"x","name":"Demo","userId":"w_abc","externalUserId":"w_abc","username":"Max","role":"VIEWER","guest":false,"guestStatus":"ALLOW","event":"user_joined_message","description":"User joined the meeting."}"#,
            joined(b"m-2", b"w_abc"),
        );
        check(
            r#"2019-03-01T11:00:00.000Z INFO  o.b.api.MeetingService - Meeting destroyed: data={"meetingId":"m-2","externalMeetingId":"x","name":"Demo","duration":0,"record":false,"event":"meeting_destroyed","description":"Meeting has been destroyed."}"#,
            ended(b"m-2"),
        );
    }

    #[test]
    fn web_analytics_key_order_does_not_matter() {
        let members = [
            r#""role":"MODERATOR""#,
            r#""clientType":"HTML5""#,
            r#""externalUserId":"w_u0rjuthid3ab""#,
            r#""logCode":"user_joined_message""#,
            r#""name":"Jibon""#,
            r#""description":"User joined the meeting.""#,
            r#""meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1586894220067""#,
            r#""externalMeetingId":"demoapp_1000""#,
            r#""guest":false"#,
            r#""userId":"w_u0rjuthid3ab""#,
            r#""username":"jibon""#,
        ];
        let n = members.len();
        for rot in 0..n {
            for rev in [false, true] {
                let mut order: Vec<&str> = (0..n).map(|i| members[(i + rot) % n]).collect();
                if rev {
                    order.reverse();
                }
                let line = format!(" --analytics-- data={{{}}}", order.join(","));
                check(&line, joined(MID, b"w_u0rjuthid3ab"));
            }
        }
        // A value that looks like a key is not one.
        check(
            r#" --analytics-- data={"name":"meetingId","logCode":"user_joined_message","meetingId":"m-3","userId":"u"}"#,
            joined(b"m-3", b"u"),
        );
        // Blanks around the colon, as a pretty-printer writes them.
        check(
            r#" --analytics-- data={ "logCode" : "user_joined_message", "meetingId" : "m-3", "userId" : "u" }"#,
            joined(b"m-3", b"u"),
        );
    }

    #[test]
    fn web_analytics_quoted_other_ways() {
        let hex = WEB_JOIN.replace('"', r"\x22");
        check(&hex, joined(MID, b"w_u0rjuthid3ab"));
        let escaped = WEB_JOIN.replace('"', r#"\""#);
        check(&escaped, joined(MID, b"w_u0rjuthid3ab"));
        // An escaped quote in a value before the keys is not the JSON's.
        check(
            r#" --analytics-- data={"description":"a \"meeting\" joined","logCode":"user_joined_message","meetingId":"m-5","userId":"u"}"#,
            joined(b"m-5", b"u"),
        );
    }

    #[test]
    fn web_analytics_anonymized() {
        // The corpus line and a left line through `anonlog anonymize`.
        check(
            r#"2020-04-14T15:57:14.463-04:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"role":"MODERATOR","clientType":"HTML5","externalUserId":"b_ebcmeh2bputb","logCode":"user_joined_message","name":"n_rjwjsrwkecae","description":"User joined the meeting.","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1586894220067","externalMeetingId":"demoapp_1000","guest":false,"guestStatus":"ALLOW","userId":"b_ebcmeh2bputb","username":"n_kxsfnlhf36m2"}"#,
            joined(MID, b"b_ebcmeh2bputb"),
        );
        check(
            r#"2020-04-14T16:57:14.463-04:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"role":"MODERATOR","clientType":"HTML5","externalUserId":"b_ebcmeh2bputb","logCode":"user_left_message","name":"n_rjwjsrwkecae","description":"User left the meeting.","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1586894220067","externalMeetingId":"demoapp_1000","guest":false,"guestStatus":"ALLOW","userId":"b_ebcmeh2bputb","username":"n_kxsfnlhf36m2"}"#,
            left(MID, b"b_ebcmeh2bputb"),
        );
        // testdata/bbb.log's join, anonymized: 16-digit external id.
        check(
            r#"2026-11-24T08:11:30.463+01:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"role":"VIEWER","clientType":"HTML5","externalUserId":"9198305710396594","logCode":"user_joined_message","name":"n_vmjjfhg3m4ea","description":"User joined the meeting.","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1764000000000","guest":false,"username":"n_z3uodtvcfgtd"}"#,
            joined(
                b"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1764000000000",
                b"9198305710396594",
            ),
        );
    }

    #[test]
    fn akka_2015_real_lines() {
        // corpus/bbb/akka-bbb-apps_2015_excerpt.log (real).
        check(
            "2015-06-08 17:33:28,500Z [bigbluebutton-apps-system-akka.actor.default-dispatcher-2] INFO  org.bigbluebutton.core.MeetingActor - User joined meeting:  mid=[183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1433784803813] uid=[98an1y6oh6um_2] role=[MODERATOR] locked=[false] permissions.lockOnJoin=[false] permissions.lockOnJoinConfigurable=[false]",
            joined(MID15, b"98an1y6oh6um_2"),
        );
        check(
            "2015-06-08 17:33:23,988Z [bigbluebutton-apps-system-akka.actor.default-dispatcher-2] DEBUG o.b.core.BigBlueButtonActor - now supervising Actor[akka://bigbluebutton-apps-system/user/bigbluebutton-actor/183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1433784803813#655700391]",
            started(MID15),
        );
        // The same, through `anonlog anonymize` (which eats uid's `[`).
        check(
            "2015-06-08 17:33:28,500Z [bigbluebutton-apps-system-akka.actor.default-dispatcher-2] INFO  org.bigbluebutton.core.MeetingActor - User joined meeting:  mid=[183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1433784803813] uid=n_axeubbarfoiu] role=[MODERATOR] locked=[false] permissions.lockOnJoin=[false] permissions.lockOnJoinConfigurable=[false]",
            joined(MID15, b"n_axeubbarfoiu"),
        );
    }

    #[test]
    fn akka_text_forms_from_source() {
        // MeetingActor.scala / UsersApp.scala log statements (0.9 to 2.0),
        // not in the corpus.
        let p = "2015-06-08 17:40:28,500Z [bigbluebutton-apps-system-akka.actor.default-dispatcher-2] INFO  org.bigbluebutton.core.MeetingActor - ";
        let mid = "183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1433784803813";
        check(
            &format!("{p}User left meeting:  mid=[{mid}] uid=[98an1y6oh6um_2]"),
            left(MID15, b"98an1y6oh6um_2"),
        );
        check(
            &format!("{p}User left meeting:  mid=[{mid}] uid=n_axeubbarfoiu]"),
            left(MID15, b"n_axeubbarfoiu"),
        );
        check(
            &format!("{p}Ejecting user from meeting:  mid=[{mid}]uid=[98an1y6oh6um_2]"),
            left(MID15, b"98an1y6oh6um_2"),
        );
        check(
            &format!("{p}User joined meeting:  mid=[{mid}] uid=[w_1]"),
            joined(MID15, b"w_1"),
        );
        check(
            &format!("{p}User joined meeting. metingId={mid} userId=w_abc123 user=UserVO(w_abc123,ext,Max Mustermann)"),
            joined(MID15, b"w_abc123"),
        );
        check(
            &format!("{p}User left meeting. meetingId={mid} userId=n_d3mt37fa5mfz user=n_bdxzgd2xtop4 Mustermann)"),
            left(MID15, b"n_d3mt37fa5mfz"),
        );
        check(
            &format!("{p}Ejecting user from meeting.  meetingId={mid} userId=w_abc123"),
            left(MID15, b"w_abc123"),
        );
        check(
            &format!("2015-06-08 18:33:23,988Z [d-2] INFO  o.b.core.BigBlueButtonActor - Destroyed meeting id[{mid}]."),
            ended(MID15),
        );
        // Cut off, or empty ids.
        check(
            &format!("{p}User joined meeting:  mid=[{mid}] uid=[]"),
            None,
        );
        check(&format!("{p}User joined meeting:  mid=[{mid}"), None);
        check(&format!("{p}User left meeting:  mid=[] uid=[u]"), None);
        check(&format!("{p}User left meeting. meetingId={mid}"), None);
    }

    #[test]
    fn akka_3_envelopes() {
        // Shapes from bbb-common-message msgs/*.scala, as AnalyticsActor logs
        // them (docs/formats.md §3.2; PR #23910's line has the same body keys).
        let joined_line = r#"bbbAppsAkka 2025-09-16T14:57:22.286Z INFO  o.b.core2.AnalyticsActor - -- analytics -- {"envelope":{"name":"UserJoinedMeetingEvtMsg","routing":{"sender":"bbb-apps-akka"},"timestamp":1758034642286},"core":{"header":{"name":"UserJoinedMeetingEvtMsg","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1758034000000","userId":"w_4tbvct7hw0r8"},"body":{"intId":"w_4tbvct7hw0r8","extId":"w_4tbvct7hw0r8","name":"User 4599924","role":"MODERATOR","sessionToken":["luu9hawec7fr6ict"],"ipAddress":"2804:1b2:9443:9388:8df5:201c:ecbb:a21c","userAgent":"Mozilla/5.0","referer":"https://mconf.github.io/","userMetadata":{}}}}"#;
        check(joined_line, joined(MID25, b"w_4tbvct7hw0r8"));
        check(
            r#"bbbAppsAkka 2025-09-16T15:57:22.286Z INFO  o.b.core2.AnalyticsActor - -- analytics -- {"envelope":{"name":"UserLeftMeetingEvtMsg","routing":{"sender":"bbb-apps-akka"},"timestamp":1758034642286},"core":{"header":{"name":"UserLeftMeetingEvtMsg","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1758034000000","userId":"w_4tbvct7hw0r8"},"body":{"intId":"w_4tbvct7hw0r8","eject":false,"ejectedBy":"","reason":"","reasonCode":""}}}"#,
            left(MID25, b"w_4tbvct7hw0r8"),
        );
        check(
            r#"bbbAppsAkka 2025-09-16T14:50:22.286Z INFO  o.b.core2.AnalyticsActor - -- analytics -- {"envelope":{"name":"MeetingCreatedEvtMsg","routing":{"sender":"bbb-apps-akka"},"timestamp":1758034642286},"core":{"header":{"name":"MeetingCreatedEvtMsg"},"body":{"props":{"meetingProp":{"name":"Demo","extId":"demo-1","intId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1758034000000","isBreakout":false},"breakoutProps":{"parentId":"bbb-none"}}}}}"#,
            started(MID25),
        );
        check(
            r#"bbbAppsAkka 2025-09-16T16:50:22.286Z INFO  o.b.core2.AnalyticsActor - -- analytics -- {"envelope":{"name":"MeetingEndingEvtMsg","routing":{"sender":"bbb-apps-akka"},"timestamp":1758034642286},"core":{"header":{"name":"MeetingEndingEvtMsg","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1758034000000","userId":"not-used"},"body":{"meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1758034000000","reason":"ENDED_FROM_API"}}}"#,
            ended(MID25),
        );
        for name in ["MeetingEndedEvtMsg", "MeetingDestroyedEvtMsg"] {
            check(
                &format!(
                    r#" -- analytics -- {{"envelope":{{"name":"{name}"}},"core":{{"header":{{"name":"{name}"}},"body":{{"meetingId":"m-9"}}}}}}"#
                ),
                ended(b"m-9"),
            );
        }
        // Members in another order; header after body; nested braces and
        // brackets in strings are skipped.
        check(
            r#" -- analytics -- {"core":{"body":{"userMetadata":{"x":"}{]["},"role":"VIEWER","extId":"e","intId":"w_9"},"header":{"userId":"w_9","meetingId":"m-4","name":"UserJoinedMeetingEvtMsg"}},"envelope":{"timestamp":1,"name":"UserJoinedMeetingEvtMsg"}}"#,
            joined(b"m-4", b"w_9"),
        );
        // The header's userId when the body has no intId.
        check(
            r#" -- analytics -- {"envelope":{"name":"UserLeftMeetingEvtMsg"},"core":{"header":{"name":"UserLeftMeetingEvtMsg","meetingId":"m-4","userId":"w_9"},"body":{}}}"#,
            left(b"m-4", b"w_9"),
        );
        // Other messages, and testdata/bbb.log's join, which has no header
        // and so no meeting id.
        for name in [
            "UserLeftFlagUpdatedEvtMsg",
            "ValidateAuthTokenRespMsg",
            "EjectUserFromMeetingSysMsg",
            "BreakoutRoomEndedEvtMsg",
        ] {
            check(&joined_line.replace("UserJoinedMeetingEvtMsg", name), None);
        }
        check(
            r#"bbbAppsAkka 2026-11-24T07:12:22.286Z INFO  o.b.core2.AnalyticsActor - -- analytics -- {"envelope":{"name":"UserJoinedMeetingEvtMsg"},"core":{"body":{"intId":"w_4tbvct7hw0r8","extId":"58","name":"Jane Doe","role":"MODERATOR","sessionToken":["luu9hawec7fr6ict"],"ipAddress":"2001:db8:4711:0:a1b2:c3d4:e5f6:7788","userAgent":"Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0","referer":"https://moodle.example.edu/"}}}"#,
            None,
        );
        // Cut off in the body, after the ids: still found.
        check(
            &joined_line[..joined_line.find("\"userAgent\"").unwrap() + 15],
            joined(MID25, b"w_4tbvct7hw0r8"),
        );
        // Cut off before the header's meeting id.
        check(
            &joined_line[..joined_line.find("\"meetingId\"").unwrap() + 20],
            None,
        );
    }

    #[test]
    fn akka_3_envelopes_anonymized() {
        // The envelopes above through `anonlog anonymize`: every "name" is
        // pseudonymized, message names included.
        check(
            r#"bbbAppsAkka 2025-09-16T14:57:22.286Z INFO  o.b.core2.AnalyticsActor - -- analytics -- {"envelope":{"name":"n_zkc2ld2taon7","routing":{"sender":"bbb-apps-akka"},"timestamp":1758034642286},"core":{"header":{"name":"n_zkc2ld2taon7","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1758034000000","userId":"b_nkebkjjs5n4d"},"body":{"intId":"b_nkebkjjs5n4d","extId":"b_nkebkjjs5n4d","name":"n_at2nrtnknzos","role":"MODERATOR","sessionToken":["REDACTED"],"ipAddress":"2804:1b2:9443::","userAgent":"Other","referer":"https://mconf.github.io/","userMetadata":{}}}}"#,
            joined(MID25, b"b_nkebkjjs5n4d"),
        );
        check(
            r#"bbbAppsAkka 2025-09-16T15:57:22.286Z INFO  o.b.core2.AnalyticsActor - -- analytics -- {"envelope":{"name":"n_jsxmfmqmyf37","routing":{"sender":"bbb-apps-akka"},"timestamp":1758034642286},"core":{"header":{"name":"n_jsxmfmqmyf37","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1758034000000","userId":"b_nkebkjjs5n4d"},"body":{"intId":"b_nkebkjjs5n4d","eject":false,"ejectedBy":"","reason":"","reasonCode":""}}}"#,
            left(MID25, b"b_nkebkjjs5n4d"),
        );
        // Created: its id was pseudonymized too, so it cannot be linked.
        check(
            r#"bbbAppsAkka 2025-09-16T14:50:22.286Z INFO  o.b.core2.AnalyticsActor - -- analytics -- {"envelope":{"name":"n_q7gykzv6kc6r","routing":{"sender":"bbb-apps-akka"},"timestamp":1758034642286},"core":{"header":{"name":"n_q7gykzv6kc6r"},"body":{"props":{"meetingProp":{"name":"n_335i2usxnlzk","extId":"n_xa2elzhunsaz","intId":"n_aossmtafu5hb","isBreakout":false},"breakoutProps":{"parentId":"bbb-none"}}}}}"#,
            None,
        );
        check(
            r#" -- analytics -- {"envelope":{"name":"MeetingCreatedEvtMsg"},"core":{"header":{"name":"MeetingCreatedEvtMsg"},"body":{"props":{"meetingProp":{"intId":"n_aossmtafu5hb"}}}}}"#,
            None,
        );
        // Ending: nothing in its body tells it from other messages.
        check(
            r#"bbbAppsAkka 2025-09-16T16:50:22.286Z INFO  o.b.core2.AnalyticsActor - -- analytics -- {"envelope":{"name":"n_ykepot54i76o","routing":{"sender":"bbb-apps-akka"},"timestamp":1758034642286},"core":{"header":{"name":"n_ykepot54i76o","meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1758034000000","userId":"n_to4sh62dx6gx"},"body":{"meetingId":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1758034000000","reason":"ENDED_FROM_API"}}}"#,
            None,
        );
    }

    #[test]
    fn not_meeting_events() {
        for line in [
            // corpus/bbb/*.log and testdata/bbb.log (real or as bundled).
            r#"2020-04-14T15:57:16.742-04:00 INFO  o.b.web.controllers.ApiController -  --analytics-- data={"extMeetingid":"demoapp_1000","logCode":"handle_enter_api","name":"jibon","sessionToken":"ubabe0myshke4dco","description":"Handling ENTER API.","meetingid":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1586894220067","userid":"w_tpmaedg8qly7"}"#,
            r#"2026-11-24T08:11:28.120+01:00 INFO  o.b.web.controllers.ApiController -  --analytics-- data={"meetingid":"2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1764000000000","extMeetingid":"7f0e4c1d2b3a49586776a5b4c3d2e1f0a9b8c7d6-12-7","name":"Max Mustermann","userid":"w_u0rjuthid3ab","sessionToken":"bayqiyjxpekll5k0","logCode":"join_api","description":"Handle JOIN API."}"#,
            r#"2020-01-10T11:30:45.417Z INFO  o.b.p.DocumentConversionServiceImp -  --analytics-- data={"current":true,"filename":"default.pdf","logCode":"presentation_conversion_start","meetingId":"cacf20430c45161803451d6806ad6b53a2dd6704-1578655840290","message":"Start presentation conversion.","podId":"DEFAULT_PRESENTATION_POD","presId":"d2d9a672040fbde2a47a10bf6c37b6a4b5ae187f-1578655840317"}"#,
            "2020-04-14T15:57:20.504-04:00 DEBUG o.b.web.controllers.ApiController - ApiController#join",
            "2020-01-10T11:29:53.675Z INFO  o.b.web.controllers.ApiController - Retrieving meeting 183f0bf3a0982a127bdb8161e0c44eb696b3e75c",
            "2021-04-11T00:56:36.811+02:00 DEBUG o.b.web.controllers.ApiController - meetingID=hgbycwsbbaioicihy7lvpastbbag0icjfyc4d8jr&checksum=f607cca1d98930e60d818b344600d0b868b6f593",
            "DEBUG o.b.web.controllers.ApiController - [name:[MEETINGNAME], meetingID:[zbzQBsCGw8baw3BP], attendeePW:[jb4Xxb5jXN37nJcpDejDpdCTxQP99Yxn], moderatorPW:[SwaCCkB6rP4Ba6DzAJApBWG8mYsATdGo], logoutURL:[https://DOMAIN.TL/PPP], record:[false], checksum:[cd39c938b01ea294cb2c5faa25fb7f07094e2a71]]",
            "2015-06-08 16:03:38,524Z [bigbluebutton-apps-system-akka.actor.default-dispatcher-6] DEBUG redis.actors.RedisClientActor - now supervising Actor[akka://bigbluebutton-apps-system/user/RedisClient-$a/$a#-1678094899]",
            "now supervising Actor[akka://bigbluebutton-apps-system/user/bigbluebutton-actor/$a#1]",
            "now supervising Actor[akka://bigbluebutton-apps-system/user/bigbluebutton-actor/x/y#1]",
            "2015-06-08 17:33:23,980Z [bigbluebutton-apps-system-akka.actor.default-dispatcher-2] DEBUG org.bigbluebutton.core.MeetingActor - started (org.bigbluebutton.core.MeetingActor@11800a9)",
            "2015-06-08 17:33:23,919Z [bigbluebutton-apps-system-akka.actor.default-dispatcher-5] INFO  o.b.core.BigBlueButtonActor - New meeting create request [Demo Meeting]",
            r#"2015-06-08 17:33:23,913Z [bigbluebutton-apps-system-akka.rediscala-subscriber-worker-dispatcher-10] DEBUG o.b.c.p.r.MeetingMessageReceiver - Checking message: bigbluebutton:to-bbb-apps:* bigbluebutton:to-bbb-apps:meeting {"payload":{"duration":0,"create_date":"Mon Jun 08 17:33:23 UTC 2015","name":"Demo Meeting","create_time":1433784803813,"moderator_pass":"mp","allow_start_stop_recording":true,"voice_conf":"79383","recorded":false,"external_meeting_id":"Demo Meeting","meeting_id":"183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1433784803813","viewer_pass":"ap","auto_start_recording":false},"header":{"timestamp":2418519836,"name":"create_meeting_request","version":"0.0.1"}}"#,
            "2015-06-08 17:33:24,172Z [bigbluebutton-apps-system-akka.actor.default-dispatcher-5] INFO  org.bigbluebutton.core.MeetingActor - Register user success: mid=[183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1433784803813] uid=[98an1y6oh6um]",
            "2015-06-08 17:33:28,524Z [bigbluebutton-apps-system-akka.actor.default-dispatcher-2] INFO  org.bigbluebutton.core.MeetingActor - ValidateToken success: mid=[183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1433784803813] uid=[98an1y6oh6um_2]",
            "2015-06-08 17:33:28,526Z [bigbluebutton-apps-system-akka.actor.default-dispatcher-2] DEBUG o.b.core.BigBlueButtonActor - Got response from meeting=183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1433784803813].",
            r"192.0.2.45 [2026-11-24T08:13:00+01:00] {\x22userId\x22:\x22w_u0rjuthid3ab\x22,\x22fullname\x22:\x22Max Mustermann\x22,\x22meetingId\x22:\x222fd4cacadbe53b582b2a2a910d617cd6365d27ce-1764000000000\x22}",
            "java.lang.IllegalStateException: no meeting for jane.doe@example.edu",
            // Not BBB at all.
            r#"192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET /bigbluebutton/api/join?meetingID=x&fullName=User+1 HTTP/1.1" 302 0"#,
            "",
            "meeting",
            "User joined meeting",
            "User joined meeting:",
            "User joined meeting:  mid=",
            r#"{"logCode":"user_joined_message","meetingId":"#,
            r#" -- analytics -- {"envelope":{"name":"UserJoinedMeetingEvtMsg"},"core":{"header":{"meetingId":"m"#,
        ] {
            check(line, None);
        }
    }

    fn summary(events: &[(i64, u64, i8)]) -> Option<Summary> {
        Meeting {
            events: events.to_vec(),
            course: None,
        }
        .summary()
    }

    /// Three users, one rejoining, a duplicate join, a stray leave.
    const SYNTHETIC: [(i64, u64, i8); 13] = [
        (1000, 0, 0),  // start
        (1060, 1, 1),  // A joins
        (1100, 2, 1),  // B joins
        (1200, 2, 1),  // B joins again without leaving: still one
        (1300, 4, -1), // D leaves without having joined: ignored
        (1500, 1, -1), // A leaves
        (1600, 3, 1),  // C joins: B, C
        (1700, 1, 1),  // A rejoins: A, B, C
        (2000, 3, -1), // C leaves: A, B
        (2500, 2, -1), // B leaves and
        (2500, 3, 1),  // C comes back the same second: A, C (not 3)
        (3000, 3, -1), // C leaves; A stays to the end
        (4600, 0, 2),  // end
    ];

    #[test]
    fn summary_of_a_meeting() {
        assert_eq!(
            summary(&SYNTHETIC),
            Some(Summary {
                start: 1000,
                end: 4600,
                participants: 3,
                peak: 3,
            })
        );
        // Without the rejoin at 1700 nobody is in with two others.
        let without: Vec<_> = SYNTHETIC
            .iter()
            .copied()
            .filter(|e| *e != (1700, 1, 1))
            .collect();
        assert_eq!(summary(&without).unwrap().peak, 2);
    }

    #[test]
    fn summary_does_not_depend_on_event_order() {
        let want = summary(&SYNTHETIC);
        let mut events = SYNTHETIC.to_vec();
        // A fixed pseudo-random sequence of shuffles (xorshift).
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200 {
            for i in (1..events.len()).rev() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                events.swap(i, (x % (i as u64 + 1)) as usize);
            }
            assert_eq!(summary(&events), want, "{events:?}");
            // Split into blocks, merged in either order.
            let cut = (x % events.len() as u64) as usize;
            let (a, b) = events.split_at(cut);
            let block = |e: &[(i64, u64, i8)]| Meeting {
                events: e.to_vec(),
                course: None,
            };
            let mut ab = block(a);
            ab.merge(block(b));
            let mut ba = block(b);
            ba.merge(block(a));
            assert_eq!(ab.summary(), want);
            assert_eq!(ba.summary(), want);
        }
    }

    #[test]
    fn summary_edge_cases() {
        assert_eq!(Meeting::default().summary(), None);
        // Only joins: no start or end event.
        assert_eq!(
            summary(&[(50, 7, 1), (10, 5, 1), (30, 6, 1), (40, 5, 1)]),
            Some(Summary {
                start: 10,
                end: 50,
                participants: 3,
                peak: 3,
            })
        );
        // Only a start and an end.
        assert_eq!(
            summary(&[(20, 0, 2), (10, 0, 0)]),
            Some(Summary {
                start: 10,
                end: 20,
                participants: 0,
                peak: 0,
            })
        );
        // A hand-over in one second is not an overlap.
        assert_eq!(
            summary(&[(10, 1, 1), (20, 1, -1), (20, 2, 1)])
                .unwrap()
                .peak,
            1
        );
        // A reconnect in one second keeps the user in.
        assert_eq!(
            summary(&[(10, 1, 1), (20, 1, -1), (20, 1, 1), (30, 2, 1)])
                .unwrap()
                .peak,
            2
        );
        // In and out within one second: counted then, gone after.
        assert_eq!(
            summary(&[(10, 1, 1), (10, 1, -1), (20, 2, 1), (30, 3, 1)]).unwrap(),
            Summary {
                start: 10,
                end: 30,
                participants: 3,
                peak: 2,
            }
        );
        // Start and end: the earliest start; the earliest end after it
        // (meeting_ended, then meeting_destroyed); events outside stay in
        // the counts.
        assert_eq!(
            summary(&[
                (5, 0, 2),
                (100, 0, 0),
                (160, 0, 0),
                (90, 1, 1),
                (400, 0, 2),
                (405, 0, 2),
                (401, 1, -1),
            ]),
            Some(Summary {
                start: 100,
                end: 400,
                participants: 1,
                peak: 1,
            })
        );
        // An end before every start only: the last event ends it.
        assert_eq!(
            summary(&[(5, 0, 2), (10, 0, 0), (20, 1, 1)]).unwrap().end,
            20
        );
    }
}
