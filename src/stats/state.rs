//! The counting state of `anonlog stats`: dimensions, cells (events and
//! events per keyed user hash), the per-window tables, their exact merge,
//! and the partial files that carry a state between hosts.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::meetings;
use crate::keyring::EpochLen;
use crate::pseudonym::{Key, Namespace, Pseudonymizer};

/// What the tables are broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    /// Every record of the window (`all`): the window's totals.
    Total,
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
    /// Hour of day, UTC (`00` to `23`).
    Hour,
    /// Weekday, UTC (`Mon` to `Sun`).
    Weekday,
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
    /// BBB meetings by Moodle course: the course id that Moodle's
    /// BigBlueButton activity puts into the external meeting id
    /// (`<meetingid>-<course id>-<activity id>`, optionally `[<group>]`);
    /// `(none)` for meetings not made by Moodle.
    BbbCourse,
    /// Week (the Monday it starts on, `2026-03-30`, UTC) of each record.
    Week,
    /// Course × activity type (`5|quiz`).
    CourseActivity,
    /// Course × week (`5|2026-03-30`).
    CourseWeek,
    /// Course × hour of the week (`5|Mon 08`, UTC).
    CourseHourOfWeek,
}

/// Every dimension, in output order.
pub const DIMS: [Dim; 20] = [
    Dim::Total,
    Dim::Course,
    Dim::Activity,
    Dim::Event,
    Dim::Crud,
    Dim::Edulevel,
    Dim::Hour,
    Dim::Weekday,
    Dim::Status,
    Dim::Origin,
    Dim::UaFamily,
    Dim::Device,
    Dim::BbbMeetings,
    Dim::BbbMeetingSize,
    Dim::BbbMeetingDuration,
    Dim::BbbCourse,
    Dim::Week,
    Dim::CourseActivity,
    Dim::CourseWeek,
    Dim::CourseHourOfWeek,
];

/// The dimensions counted and released when none are asked for: all but
/// the week and the cross-tabulations by course, which are many small cells
/// (asked for by name with `--dimensions`).
pub const DEFAULT_DIMS: DimSet = DimSet(
    DimSet::ALL.0
        & !(1 << Dim::Week as u32
            | 1 << Dim::CourseActivity as u32
            | 1 << Dim::CourseWeek as u32
            | 1 << Dim::CourseHourOfWeek as u32),
);

/// A set of dimensions: which tables a state counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DimSet(pub u32);

impl Default for DimSet {
    fn default() -> Self {
        DEFAULT_DIMS
    }
}

impl DimSet {
    /// Every dimension.
    pub const ALL: DimSet = DimSet((1 << DIMS.len() as u32) - 1);

    /// Whether `d` is in the set.
    pub fn has(self, d: Dim) -> bool {
        self.0 & (1 << d as u32) != 0
    }

    /// The set with `d`.
    pub fn with(self, d: Dim) -> DimSet {
        DimSet(self.0 | 1 << d as u32)
    }

    /// The dimensions to count for a release of `wanted` (all defaults when
    /// `None`): those, the totals, and the tables that a cross-tabulation
    /// adds up to (the audit needs their cells even when they are not
    /// released).
    pub fn counting(wanted: Option<&[Dim]>) -> DimSet {
        let mut set = match wanted {
            None => DEFAULT_DIMS,
            Some(ds) => ds.iter().fold(DimSet(0), |s, &d| s.with(d)),
        };
        set = set.with(Dim::Total);
        if DIMS.iter().any(|d| d.is_meeting() && set.has(*d)) {
            set = set.with(Dim::BbbMeetings);
        }
        for d in DIMS {
            if set.has(d) {
                for (target, _) in d.margins() {
                    set = set.with(*target);
                }
            }
        }
        set
    }
}

impl Dim {
    /// The name in the output.
    pub fn name(self) -> &'static str {
        match self {
            Dim::Total => "total",
            Dim::Course => "course",
            Dim::Activity => "activity",
            Dim::Event => "event",
            Dim::Crud => "crud",
            Dim::Edulevel => "edulevel",
            Dim::Hour => "hour",
            Dim::Weekday => "weekday",
            Dim::Status => "status",
            Dim::Origin => "origin",
            Dim::UaFamily => "ua_family",
            Dim::Device => "device",
            Dim::BbbMeetings => "bbb_meetings",
            Dim::BbbMeetingSize => "bbb_meeting_size",
            Dim::BbbMeetingDuration => "bbb_meeting_duration",
            Dim::BbbCourse => "bbb_course",
            Dim::Week => "week",
            Dim::CourseActivity => "course_activity",
            Dim::CourseWeek => "course_week",
            Dim::CourseHourOfWeek => "course_hour_of_week",
        }
    }

    /// The dimension called `name` in the output.
    pub fn from_name(name: &str) -> Option<Dim> {
        DIMS.into_iter().find(|d| d.name() == name)
    }

    /// The values of a dimension whose domain is known before the data is
    /// seen (the course list is given at run time: see `privacy::Options`).
    /// Their tables can list every value, present or not.
    pub fn public_domain(self) -> Option<&'static [&'static str]> {
        const HOURS: [&str; 24] = [
            "00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13",
            "14", "15", "16", "17", "18", "19", "20", "21", "22", "23",
        ];
        Some(match self {
            Dim::Total | Dim::BbbMeetings => &["all"],
            Dim::Hour => &HOURS,
            Dim::Weekday => &WEEKDAYS,
            Dim::Status => &["1xx", "2xx", "3xx", "4xx", "5xx", "other", NONE],
            Dim::Crud => &["c", "r", "u", "d", NONE],
            Dim::Edulevel => &["0", "1", "2", NONE],
            Dim::BbbMeetingSize => &["1", "2-5", "6-20", "21-50", "51-200", "201+"],
            Dim::BbbMeetingDuration => &["<15 min", "15-44 min", "45-89 min", "90+ min"],
            _ => return None,
        })
    }

    /// Dimensions of meetings rather than of records.
    pub fn is_meeting(self) -> bool {
        matches!(
            self,
            Dim::BbbMeetings | Dim::BbbMeetingSize | Dim::BbbMeetingDuration | Dim::BbbCourse
        )
    }

    /// What a cross-tabulation adds up to: for each (dimension, part), the
    /// cells of this table whose value has that part add up to that
    /// dimension's cell of the part (`5|quiz` is part of course `5` and of
    /// activity `quiz`). Empty for the other dimensions.
    pub fn margins(self) -> &'static [(Dim, Part)] {
        match self {
            Dim::CourseActivity => &[(Dim::Course, Part::Left), (Dim::Activity, Part::Right)],
            Dim::CourseWeek => &[(Dim::Course, Part::Left), (Dim::Week, Part::Right)],
            Dim::CourseHourOfWeek => &[
                (Dim::Course, Part::Left),
                (Dim::Weekday, Part::RightWord(0)),
                (Dim::Hour, Part::RightWord(1)),
            ],
            _ => &[],
        }
    }

    /// Whether the values of this dimension are public knowledge although
    /// not listed before the data is seen (calendar weeks): a suppressed
    /// cell is then a row marked suppressed, like a public domain's.
    pub fn values_are_public(self) -> bool {
        self == Dim::Week
    }
}

/// Which part of a cross-tabulated value (`left|right`) a margin takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Before the last `|`.
    Left,
    /// After the last `|`.
    Right,
    /// The n-th space-separated word after the last `|`.
    RightWord(usize),
}

impl Part {
    /// This part of `value`, if it has one.
    pub fn of(self, value: &str) -> Option<&str> {
        let (l, r) = value.rsplit_once('|')?;
        match self {
            Part::Left => Some(l),
            Part::Right => Some(r),
            Part::RightWord(n) => r.split(' ').nth(n),
        }
    }
}

/// The value of a dimension that a record does not have.
pub const NONE: &str = "(none)";

/// Weekdays as written in the `weekday` table (ISO order).
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

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
    /// Events per user key (serialized in key order).
    #[serde(serialize_with = "sorted_users")]
    pub users: Users,
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

/// Events per user key. The keys are keyed hashes, uniform and unknown to
/// whoever wrote the log, so a fast fixed hasher is safe; a hash map, not a
/// tree, because every record updates a dozen of them.
pub type Users = HashMap<u64, u64, foldhash::fast::FixedState>;

/// A cell's users in key order, so that a partial file is the same bytes
/// for the same counts.
fn sorted_users<S: serde::Serializer>(users: &Users, s: S) -> Result<S::Ok, S::Error> {
    let sorted: BTreeMap<u64, u64> = users.iter().map(|(&u, &n)| (u, n)).collect();
    sorted.serialize(s)
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
    /// Records counted that name a person (the others are anonymous).
    #[serde(default)]
    pub identified: u64,
    /// A digest of the input's bytes, so that the same input is not counted
    /// twice (in one run or across partials).
    #[serde(default)]
    pub digest: String,
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
    /// The dimensions counted.
    pub counted: DimSet,
    /// The week of the last record, and its name (made once per week).
    week: (i64, String),
    /// Room for a cross-tabulated value.
    buf: String,
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
    /// The dimensions counted (partials without it counted the defaults).
    #[serde(default)]
    pub counted: DimSet,
}

impl State {
    /// An empty state for windows of `window` seconds.
    pub fn new(window: u64) -> State {
        State::counting(window, DEFAULT_DIMS)
    }

    /// An empty state for windows of `window` seconds that counts the
    /// tables of `dims` ([`DimSet::counting`]).
    pub fn counting(window: u64, dims: DimSet) -> State {
        State {
            window: window.max(1),
            counted: dims.with(Dim::Total),
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
        // Merged tables are whole only for what both counted.
        self.counted = DimSet(self.counted.0 & other.counted.0);
    }

    fn count(&mut self, w: i64, dim: Dim, value: &str, user: Option<u64>) {
        fn bump(c: &mut Cell, user: Option<u64>) {
            c.events += 1;
            if let Some(u) = user {
                *c.users.entry(u).or_default() += 1;
            }
        }
        let t = self.cells.entry((w, dim)).or_default();
        // One hash of the value when the cell exists (nearly always).
        if let Some(c) = t.get_mut(value) {
            return bump(c, user);
        }
        bump(t.entry(value.to_string()).or_default(), user);
    }

    /// Counts one record at time `t` with `user` and its dimension values
    /// (dimensions not given count as [`NONE`]).
    pub fn add_record(&mut self, t: i64, user: Option<u64>, values: &[(Dim, &str)]) {
        let w = self.window_of(t);
        let get = |dim: Dim| {
            values
                .iter()
                .find(|(d, _)| *d == dim)
                .map_or(NONE, |(_, v)| *v)
        };
        for dim in DIMS {
            if dim.is_meeting() || dim >= Dim::Week || !self.counted.has(dim) {
                continue;
            }
            let v = match dim {
                Dim::Total => "all",
                _ => get(dim),
            };
            self.count(w, dim, v, user);
        }
        if self.counted.0 >> Dim::Week as u32 != 0 {
            self.add_calendar(t, w, user, get);
        }
        if let Some((_, ev)) = values.iter().find(|(d, _)| *d == Dim::Event) {
            let parents = [Dim::Activity, Dim::Crud, Dim::Edulevel].map(|d| Some(get(d)));
            self.note_parents(w, ev, parents);
        }
    }

    /// Counts a record in the week table and the cross-tabulations by
    /// course that are counted (see [`Dim::margins`]).
    fn add_calendar<'v>(
        &mut self,
        t: i64,
        w: i64,
        user: Option<u64>,
        get: impl Fn(Dim) -> &'v str,
    ) {
        // Weeks start on Monday; 1970-01-05 was one.
        const WEEK: i64 = 604_800;
        let start = t - (t - 4 * 86_400).rem_euclid(WEEK);
        if self.week.0 != start || self.week.1.is_empty() {
            let (y, m, d) = crate::time::civil_from_days(start.div_euclid(86_400));
            self.week = (start, format!("{y:04}-{m:02}-{d:02}"));
        }
        let week = std::mem::take(&mut self.week.1);
        let mut buf = std::mem::take(&mut self.buf);
        let course = get(Dim::Course);
        for dim in [
            Dim::Week,
            Dim::CourseActivity,
            Dim::CourseWeek,
            Dim::CourseHourOfWeek,
        ] {
            if !self.counted.has(dim) {
                continue;
            }
            buf.clear();
            if dim != Dim::Week {
                buf.push_str(course);
                buf.push('|');
            }
            match dim {
                Dim::Week | Dim::CourseWeek => buf.push_str(&week),
                Dim::CourseActivity => buf.push_str(get(Dim::Activity)),
                _ => {
                    buf.push_str(get(Dim::Weekday));
                    buf.push(' ');
                    buf.push_str(get(Dim::Hour));
                }
            }
            self.count(w, dim, &buf, user);
        }
        self.week.1 = week;
        self.buf = buf;
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
            counted: self.counted,
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
            counted: p.counted,
            ..State::default()
        }
    }

    /// The same counts in windows of `window` seconds, a multiple of this
    /// state's (windows are aligned alike, so each longer window is the union
    /// of whole shorter ones and its cells are exact merges of theirs).
    pub fn coarsen(&self, window: u64) -> State {
        debug_assert!(window.is_multiple_of(self.window));
        let mut out = State::counting(window, self.counted);
        for (&(w, d), cells) in &self.cells {
            let big = out.window_of(w);
            let mine = out.cells.entry((big, d)).or_default();
            for (v, c) in cells {
                match mine.get_mut(v) {
                    Some(m) => m.merge(c),
                    None => {
                        mine.insert(v.clone(), c.clone());
                    }
                }
            }
        }
        for (w, events) in &self.parents {
            let big = out.window_of(*w);
            for (ev, p) in events {
                out.note_parents(big, ev, p.each_ref().map(|x| x.as_deref()));
            }
        }
        out.meetings = self.meetings.clone();
        out.inputs = self.inputs.clone();
        out
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
                (Dim::BbbCourse, m.course.as_deref().unwrap_or(NONE)),
            ] {
                if !self.counted.has(dim) {
                    continue;
                }
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
