//! Synthetic Moodle `logstore_standard_log` exports for benchmarks.
//!
//! Owns one thing: a seeded, deterministic generator of the table's rows,
//! all 21 columns in the table's order (`id`, `eventname`, ... `ip`,
//! `realuserid`), written in one of two export dialects ([`Dialect`]):
//!
//! * PostgreSQL `COPY logstore_standard_log TO STDOUT WITH (FORMAT csv,
//!   HEADER)`: a header, `,` separators, NULL as an empty field, fields with
//!   `,` `"` or a line break quoted with `""` doubling (so a JSON `other` is
//!   `"{""username"":""jdoe1""}"`), an empty string as `""`;
//! * MySQL `SELECT ... INTO OUTFILE` with its defaults: no header, tab
//!   separators, NULL as `\N`, no enclosures, `\\` for a backslash and a
//!   backslash before a literal tab or line feed.
//!
//! Shared by the criterion benches (`benches/moodle.rs`) and the `genmoodle`
//! example that `benches/compare-moodle.sh` runs. The same seed and dialect
//! always give the same rows; the two dialects of one seed hold the same
//! values. No dependency is needed: the PRNG is splitmix64, as in
//! `gen/mod.rs` (repeated here because that module keeps it private).
//!
//! The rows mimic a busy site's log: ~20 000 users with skewed activity
//! (a few make most of the events), each with a stable user name, full
//! name, e-mail address and client address (about one in eight IPv6),
//! enrolled in a handful of courses; a mix of events with the columns Moodle
//! fills for them (course and activity views for `mod_assign`, `mod_quiz`,
//! `mod_forum` and `mod_resource`, logins and failed logins with the typed
//! user name, dashboards in the user context (`contextlevel` 30), "log in
//! as" and the rows of such sessions (`realuserid`), forum posts whose
//! subject has a comma and a line break, grades and completions with
//! `relateduserid`, messages, enrolments, profile views, quiz submissions,
//! configuration changes with e-mail addresses and names in `other`, run
//! from the web or `cli`); `other` JSON-encoded (`json_encode`, with `\/` and
//! `\uXXXX` escapes) for ~80% of rows and PHP-`serialize`d (byte lengths in
//! `s:N:`) for ~20%; `timecreated` never decreasing.

use std::io::Write;

/// The columns of `logstore_standard_log`, in the table's order.
pub use anonlog::moodledb::LOG_COLUMNS as COLUMNS;

/// How the rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL `COPY ... (FORMAT csv, HEADER)`.
    Postgres,
    /// MySQL `SELECT ... INTO OUTFILE` (tab-separated, `\N`, backslash
    /// escapes, no header).
    Mysql,
}

/// Distinct users who act (the site has more accounts than that).
const POPULATION: u64 = 20_000;

/// The administrator: "Admin User", user id 2, as on every Moodle site.
const ADMIN: u64 = 2;

/// Courses on the site (ids 2..=COURSES+1; 1 is the front page).
const COURSES: u64 = 900;

/// First names: (as displayed, folded to ASCII for user names).
const FIRST: &[(&str, &str)] = &[
    ("Jane", "jane"),
    ("John", "john"),
    ("Anna", "anna"),
    ("Lukas", "lukas"),
    ("Maria", "maria"),
    ("Mehmet", "mehmet"),
    ("Sofia", "sofia"),
    ("Jonas", "jonas"),
    ("Emma", "emma"),
    ("Noah", "noah"),
    ("Léa", "lea"),
    ("Jürgen", "juergen"),
    ("Aisha", "aisha"),
    ("Wei", "wei"),
    ("Olga", "olga"),
    ("Zoë", "zoe"),
];

/// Last names: (as displayed, folded to ASCII).
const LAST: &[(&str, &str)] = &[
    ("Doe", "doe"),
    ("Smith", "smith"),
    ("Müller", "mueller"),
    ("Schmidt", "schmidt"),
    ("Yılmaz", "yilmaz"),
    ("Rossi", "rossi"),
    ("Nowak", "nowak"),
    ("García", "garcia"),
    ("Kim", "kim"),
    ("Dubois", "dubois"),
    ("Jansen", "jansen"),
    ("Novák", "novak"),
    ("Groß", "gross"),
    ("O'Brien", "obrien"),
];

/// Course name stems: (short name, full name).
const COURSE_NAMES: &[(&str, &str)] = &[
    ("PHY", "Physics"),
    ("CHEM", "Chemistry"),
    ("MATH", "Linear Algebra"),
    ("CS", "Programming in C"),
    ("BIO", "Cell Biology"),
    ("ECON", "Microeconomics"),
    ("HIST", "Modern History"),
    ("DE", "Deutsch für Anfänger"),
];

/// Forum post subjects: a comma and a line break in each; `{}` is replaced
/// by the author's e-mail address.
const SUBJECTS: &[&str] = &[
    "Re: Exercise 5, part (b)\nsee my attachment",
    "Question about the deadline, week 3\nThanks!",
    "Lab report – group 4, draft\nplease review",
    "Übung 7, Aufgabe 2\nkurze Frage",
    "Study group, Tuesday 18:00\nwrite to {}",
    "Re: Re: exam dates, \"final\" version\nok",
];

/// What someone typed into the user name box of a failed login, when it was
/// not a user name (passwords typed into the wrong box, typos).
const TYPED: &[&str] = &[
    "Sommer2024!",
    "hunter2",
    "admin",
    "test",
    "Passw0rd\\1",
    "mustermann",
    "root",
];

/// Site settings changed from the admin pages or the command line:
/// (plugin, name, old value, new value); `{}` is the admin's pick of a
/// person (an e-mail address or a full name).
const CONFIGS: &[(Option<&str>, &str, &str, &str)] = &[
    (None, "supportemail", "it-support@example.edu", "{email}"),
    (
        None,
        "noreplyaddress",
        "noreply@example.edu",
        "noreply@moodle.example.edu",
    ),
    (None, "supportname", "IT Support", "{name}"),
    (None, "maxbytes", "104857600", "524288000"),
    (Some("enrol_manual"), "expirynotifyhour", "6", "8"),
    (None, "smtpuser", "", "{email}"),
];

#[path = "rng.rs"]
mod rng;
use rng::{mix, write_ipv4, Rng};

/// A user of the site, all of whose attributes follow from `h`.
#[derive(Clone, Copy)]
struct User {
    h: u64,
    id: u64,
}

impl User {
    fn admin(seed: u64) -> User {
        User {
            h: mix(seed ^ 0xad),
            id: ADMIN,
        }
    }

    fn first(&self) -> (&'static str, &'static str) {
        FIRST[((self.h >> 8) % FIRST.len() as u64) as usize]
    }

    fn last(&self) -> (&'static str, &'static str) {
        LAST[((self.h >> 16) % LAST.len() as u64) as usize]
    }

    fn full_name(&self) -> String {
        if self.id == ADMIN {
            return "Admin User".into();
        }
        format!("{} {}", self.first().0, self.last().0)
    }

    /// The login name: `jmueller4711`, `jane.mueller` or a student number.
    fn username(&self) -> String {
        if self.id == ADMIN {
            return "admin".into();
        }
        let (f, l) = (self.first().1, self.last().1);
        match (self.h >> 24) % 3 {
            0 => format!("{}{}{}", &f[..1], l, self.id),
            1 => format!("{f}.{l}{}", self.id % 100),
            _ => format!("s{}", 1_000_000 + self.id * 7),
        }
    }

    fn email(&self) -> String {
        if self.id == ADMIN {
            return "admin@moodle.example.edu".into();
        }
        let (f, l) = (self.first().1, self.last().1);
        format!("{f}.{l}{}@students.example.edu", self.id % 1000)
    }

    /// One of the user's courses (each user is in up to six).
    fn course(&self, rng: &mut Rng) -> u64 {
        2 + mix(self.h ^ rng.below(6)) % COURSES
    }

    /// The user's address, or (one row in ten) a second one.
    fn ip(&self, rng: &mut Rng, out: &mut Vec<u8>) {
        let a = if rng.chance(10) {
            mix(self.h ^ 0x1)
        } else {
            mix(self.h)
        };
        write_ip(a, out);
    }
}

/// A public-looking address from the bits of `a`: IPv6 (compressed, as
/// Moodle's `getremoteaddr()` stores it) when `a % 8 == 0`.
fn write_ip(a: u64, out: &mut Vec<u8>) {
    if a.is_multiple_of(8) {
        let prefixes: [[u16; 2]; 4] = [
            [0x2a02, 0x8108],
            [0x2001, 0x16b8],
            [0x2003, 0xe5],
            [0x2a01, 0xc22],
        ];
        let p = prefixes[((a >> 3) % 4) as usize];
        let b = mix(a);
        let mut g = [
            p[0],
            p[1],
            (a >> 8) as u16,
            (a >> 24) as u16 & 0xff0,
            0,
            0,
            (b >> 16) as u16,
            b as u16,
        ];
        if b >> 62 == 0 {
            // An EUI-64 style interface identifier instead of a privacy one.
            g[4] = (b >> 32) as u16 | 0x200;
            g[5] = ((b >> 40) as u16 & 0xff) | 0xff00;
        }
        write_ipv6(&g, out);
    } else {
        write_ipv4(a, out);
    }
}

/// RFC 5952 text: lower case, the longest run of two or more zero groups
/// (the first of equal runs) as `::`.
fn write_ipv6(g: &[u16; 8], out: &mut Vec<u8>) {
    let (mut best, mut best_len) = (8, 0);
    let mut i = 0;
    while i < 8 {
        if g[i] == 0 {
            let start = i;
            while i < 8 && g[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                (best, best_len) = (start, i - start);
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best = 8;
    }
    let mut i = 0;
    while i < 8 {
        if i == best {
            out.extend_from_slice(b"::");
            i += best_len;
            continue;
        }
        if i > 0 && i != best + best_len {
            out.push(b':');
        }
        let _ = write!(out, "{:x}", g[i]);
        i += 1;
    }
}

/// A value inside `other`.
enum Val {
    Null,
    Bool(bool),
    Int(u64),
    /// A grade in tenths: JSON `85.5` / `85.0`, PHP `d:85.5;` / `d:85;`.
    Grade(u64),
    Str(String),
}

fn s(v: impl Into<String>) -> Val {
    Val::Str(v.into())
}

/// Writes `other` as `json_encode()` does with its default flags: `/`
/// escaped as `\/`, anything outside ASCII as `\uXXXX`; an empty array is
/// `[]`, no data `null`.
fn write_json(pairs: Option<&[(&str, Val)]>, out: &mut Vec<u8>) {
    let Some(pairs) = pairs else {
        out.extend_from_slice(b"null");
        return;
    };
    if pairs.is_empty() {
        out.extend_from_slice(b"[]");
        return;
    }
    out.push(b'{');
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_str(k, out);
        out.push(b':');
        match v {
            Val::Null => out.extend_from_slice(b"null"),
            Val::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Val::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Val::Grade(t) => {
                let _ = write!(out, "{}.{}", t / 10, t % 10);
            }
            Val::Str(v) => json_str(v, out),
        }
    }
    out.push(b'}');
}

fn json_str(v: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in v.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '/' => out.extend_from_slice(b"\\/"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
            c => out.push(c as u8),
        }
    }
    out.push(b'"');
}

/// Writes `other` as PHP's `serialize()` does: `s:N:"...";` with N the
/// string's length in bytes; no data is `N;`.
fn write_php(pairs: Option<&[(&str, Val)]>, out: &mut Vec<u8>) {
    let Some(pairs) = pairs else {
        out.extend_from_slice(b"N;");
        return;
    };
    let _ = write!(out, "a:{}:{{", pairs.len());
    for (k, v) in pairs {
        php_str(k, out);
        match v {
            Val::Null => out.extend_from_slice(b"N;"),
            Val::Bool(b) => {
                let _ = write!(out, "b:{};", u8::from(*b));
            }
            Val::Int(n) => {
                let _ = write!(out, "i:{n};");
            }
            Val::Grade(t) if t % 10 == 0 => {
                let _ = write!(out, "d:{};", t / 10);
            }
            Val::Grade(t) => {
                let _ = write!(out, "d:{}.{};", t / 10, t % 10);
            }
            Val::Str(v) => php_str(v, out),
        }
    }
    out.push(b'}');
}

fn php_str(v: &str, out: &mut Vec<u8>) {
    let _ = write!(out, "s:{}:\"", v.len());
    out.extend_from_slice(v.as_bytes());
    out.extend_from_slice(b"\";");
}

/// One row's values before they are written.
struct Row {
    eventname: &'static str,
    component: &'static str,
    action: &'static str,
    target: &'static str,
    objecttable: Option<&'static str>,
    objectid: Option<u64>,
    crud: &'static str,
    edulevel: u64,
    contextid: u64,
    contextlevel: u64,
    contextinstanceid: u64,
    userid: u64,
    courseid: Option<u64>,
    relateduserid: Option<u64>,
    anonymous: u64,
    /// `None`: NULL; `Some(None)`: no data (`null` / `N;`).
    other: Option<Option<Vec<(&'static str, Val)>>>,
    origin: Option<&'static str>,
    /// Whose address, if any: the actor's, or one of its own.
    ip: Ip,
    realuserid: Option<u64>,
}

enum Ip {
    None,
    Of(User),
    Random(u64),
}

/// The row generator. Each [`Generator::row`] call appends one record.
pub struct Generator {
    rng: Rng,
    seed: u64,
    dialect: Dialect,
    /// `id` of the next row.
    id: u64,
    /// `timecreated` of the next row.
    now: u64,
    other: Vec<u8>,
    ip: Vec<u8>,
}

/// Context ids: system 1, front page 2, then one per course, module and
/// user, as a site's `context` table numbers them (roughly).
fn course_ctx(course: u64) -> u64 {
    if course == 1 {
        2
    } else {
        100 + course * 7
    }
}

fn module_ctx(cmid: u64) -> u64 {
    20_000 + cmid
}

fn user_ctx(userid: u64) -> u64 {
    200_000 + userid
}

/// A course module of `course`: (cmid, activity instance id).
fn module(course: u64, rng: &mut Rng) -> (u64, u64) {
    let cmid = 1_000 + course * 17 + rng.below(17);
    (cmid, cmid / 3 + rng.below(3))
}

impl Generator {
    /// A generator whose output is determined by `seed` and `dialect`.
    pub fn new(seed: u64, dialect: Dialect) -> Generator {
        Generator {
            rng: Rng(mix(seed)),
            seed,
            dialect,
            id: 1_000_000 + mix(seed) % 1_000_000,
            // Monday 4 March 2024, 07:58:00 CET.
            now: 1_709_535_480,
            other: Vec::with_capacity(256),
            ip: Vec::with_capacity(48),
        }
    }

    /// Appends the header record (without a line terminator) and returns
    /// true, or returns false when the dialect has none (MySQL).
    pub fn header(&self, out: &mut Vec<u8>) -> bool {
        match self.dialect {
            Dialect::Postgres => {
                out.extend_from_slice(COLUMNS.join(",").as_bytes());
                true
            }
            Dialect::Mysql => false,
        }
    }

    /// A user: the product of two uniforms, so that a few users make most
    /// of the events.
    fn user(&mut self) -> User {
        let k = self.rng.below(POPULATION) * self.rng.below(POPULATION) / POPULATION;
        let h = mix(self.seed ^ mix(k));
        User {
            h,
            id: 3 + h % 48_000,
        }
    }

    /// A teacher: one of 400 users.
    fn teacher(&mut self) -> User {
        let k = self.rng.below(400);
        let h = mix(self.seed ^ mix(POPULATION + k));
        User {
            h,
            id: 3 + h % 48_000,
        }
    }

    /// Appends one record (without a line terminator) to `out`. A record of
    /// a forum post may hold a line break inside its `other` field.
    pub fn row(&mut self, out: &mut Vec<u8>) {
        if self.rng.chance(30) {
            self.now += 1 + self.rng.below(2);
        }
        let u = self.user();
        let r = self.event(u);
        self.write(&r, out);
        self.id += 1;
    }

    fn event(&mut self, u: User) -> Row {
        let course = u.course(&mut self.rng);
        let r = &mut self.rng;
        let origin = if r.chance(12) { "ws" } else { "web" };
        let mut row = Row {
            eventname: "\\core\\event\\course_viewed",
            component: "core",
            action: "viewed",
            target: "course",
            objecttable: None,
            objectid: None,
            crud: "r",
            edulevel: 2,
            contextid: course_ctx(course),
            contextlevel: 50,
            contextinstanceid: course,
            userid: u.id,
            courseid: Some(course),
            relateduserid: None,
            anonymous: 0,
            other: Some(None),
            origin: Some(origin),
            ip: Ip::Of(u),
            realuserid: None,
        };
        let roll = r.below(1000);
        match roll {
            // Course page, now and then a section of it or the front page.
            0..=219 => {
                if r.chance(5) {
                    row.courseid = Some(1);
                    row.contextid = course_ctx(1);
                    row.contextinstanceid = 1;
                    if r.chance(30) {
                        row.userid = 0;
                    }
                } else if r.chance(25) {
                    let n = r.below(14);
                    row.other = Some(Some(vec![("coursesectionnumber", s(n.to_string()))]));
                }
            }
            // Activity views.
            220..=519 => {
                let (cmid, inst) = module(course, r);
                let (component, table) = match r.below(10) {
                    0..=2 => ("mod_resource", "resource"),
                    3..=5 => ("mod_assign", "assign"),
                    6..=7 => ("mod_quiz", "quiz"),
                    _ => ("mod_forum", "forum"),
                };
                row.eventname = match component {
                    "mod_resource" => "\\mod_resource\\event\\course_module_viewed",
                    "mod_assign" => "\\mod_assign\\event\\course_module_viewed",
                    "mod_quiz" => "\\mod_quiz\\event\\course_module_viewed",
                    _ => "\\mod_forum\\event\\course_module_viewed",
                };
                row.component = component;
                row.target = "course_module";
                row.objecttable = Some(table);
                row.objectid = Some(inst);
                row.contextid = module_ctx(cmid);
                row.contextlevel = 70;
                row.contextinstanceid = cmid;
            }
            520..=579 => {
                row.eventname = "\\core\\event\\user_loggedin";
                row.action = "loggedin";
                row.target = "user";
                row.objecttable = Some("user");
                row.objectid = Some(u.id);
                row.edulevel = 0;
                row.contextid = 1;
                row.contextlevel = 10;
                row.contextinstanceid = 0;
                row.courseid = Some(0);
                row.other = Some(Some(vec![("username", s(u.username()))]));
            }
            580..=594 => {
                row.eventname = "\\core\\event\\user_login_failed";
                row.action = "failed";
                row.target = "user_login";
                row.edulevel = 0;
                row.contextid = 1;
                row.contextlevel = 10;
                row.contextinstanceid = 0;
                row.courseid = Some(0);
                let (typed, reason) = match r.below(20) {
                    // Right user, wrong password: Moodle knows the user.
                    0..=11 => (u.username(), 3),
                    // A typo in the user name.
                    12..=16 => (format!("{}x", u.username()), 1),
                    _ => (TYPED[r.below(TYPED.len() as u64) as usize].to_string(), 1),
                };
                row.userid = if reason == 3 { u.id } else { 0 };
                row.other = Some(Some(vec![
                    ("username", s(typed)),
                    ("reason", Val::Int(reason)),
                ]));
                if r.chance(30) {
                    row.ip = Ip::Random(r.next());
                }
            }
            595..=684 => {
                row.eventname = "\\core\\event\\dashboard_viewed";
                row.target = "dashboard";
                row.edulevel = 0;
                row.contextid = user_ctx(u.id);
                row.contextlevel = 30;
                row.contextinstanceid = u.id;
                row.courseid = Some(0);
                row.relateduserid = Some(u.id);
            }
            685..=687 => {
                // The administrator logs in as this user.
                let admin = User::admin(self.seed);
                row.eventname = "\\core\\event\\user_loggedinas";
                row.action = "loggedinas";
                row.target = "user";
                row.objecttable = Some("user");
                row.objectid = Some(u.id);
                row.edulevel = 0;
                row.contextid = 1;
                row.contextlevel = 10;
                row.contextinstanceid = 0;
                row.userid = ADMIN;
                row.courseid = Some(0);
                row.relateduserid = Some(u.id);
                row.origin = Some("web");
                row.ip = Ip::Of(admin);
                row.other = Some(Some(vec![
                    ("originalusername", s(admin.full_name())),
                    ("loggedinasusername", s(u.full_name())),
                ]));
            }
            688..=712 => {
                let (cmid, forum) = module(course, r);
                let post = 10_000 + r.below(500_000);
                let mut subject = SUBJECTS[r.below(SUBJECTS.len() as u64) as usize].to_string();
                if subject.contains("{}") {
                    subject = subject.replace("{}", &u.email());
                }
                row.eventname = "\\mod_forum\\event\\post_created";
                row.component = "mod_forum";
                row.action = "created";
                row.target = "post";
                row.objecttable = Some("forum_posts");
                row.objectid = Some(post);
                row.crud = "c";
                row.contextid = module_ctx(cmid);
                row.contextlevel = 70;
                row.contextinstanceid = cmid;
                row.other = Some(Some(vec![
                    ("discussionid", s((post / 4).to_string())),
                    ("forumid", s(forum.to_string())),
                    ("forumtype", s("general")),
                    ("subject", s(subject)),
                ]));
            }
            713..=762 => {
                let (cmid, _) = module(course, r);
                row.eventname = "\\mod_forum\\event\\discussion_viewed";
                row.component = "mod_forum";
                row.target = "discussion";
                row.objecttable = Some("forum_discussions");
                row.objectid = Some(2_500 + r.below(125_000));
                row.contextid = module_ctx(cmid);
                row.contextlevel = 70;
                row.contextinstanceid = cmid;
            }
            763..=792 => {
                // A teacher grades this user in the gradebook.
                let t = self.teacher();
                let r = &mut self.rng;
                let grade = 400 + r.below(601);
                row.eventname = "\\core\\event\\user_graded";
                row.action = "graded";
                row.target = "user";
                row.objecttable = Some("grade_grades");
                row.objectid = Some(100_000 + r.below(3_000_000));
                row.crud = "u";
                row.edulevel = 1;
                row.userid = t.id;
                row.relateduserid = Some(u.id);
                row.ip = Ip::Of(t);
                row.other = Some(Some(vec![
                    ("itemid", s((5_000 + course * 11 + r.below(11)).to_string())),
                    ("overridden", Val::Bool(r.chance(5))),
                    ("finalgrade", Val::Grade(grade)),
                ]));
            }
            793..=812 => {
                let t = self.teacher();
                let r = &mut self.rng;
                let (cmid, _) = module(course, r);
                row.eventname = "\\mod_assign\\event\\submission_graded";
                row.component = "mod_assign";
                row.action = "graded";
                row.target = "submission";
                row.objecttable = Some("assign_grades");
                row.objectid = Some(50_000 + r.below(900_000));
                row.crud = "u";
                row.edulevel = 1;
                row.contextid = module_ctx(cmid);
                row.contextlevel = 70;
                row.contextinstanceid = cmid;
                row.userid = t.id;
                row.relateduserid = Some(u.id);
                row.ip = Ip::Of(t);
            }
            813..=852 => {
                let to = self.user();
                let r = &mut self.rng;
                row.eventname = "\\core\\event\\message_sent";
                row.action = "sent";
                row.target = "message";
                row.objecttable = Some("messages");
                row.objectid = Some(1_000_000 + r.below(9_000_000));
                row.crud = "c";
                row.edulevel = 0;
                row.contextid = 1;
                row.contextlevel = 10;
                row.contextinstanceid = 0;
                row.courseid = Some(1);
                row.relateduserid = Some(to.id);
                row.other = Some(Some(vec![
                    ("courseid", s("1")),
                    (
                        "conversationid",
                        s((40_000 + (u.id ^ to.id) % 900_000).to_string()),
                    ),
                ]));
            }
            853..=857 => {
                // Settings, from the admin pages or `admin/cli/cfg.php`.
                let admin = User::admin(self.seed);
                let (plugin, name, old, new) = CONFIGS[r.below(CONFIGS.len() as u64) as usize];
                let new = new
                    .replace("{email}", &u.email())
                    .replace("{name}", &u.full_name());
                row.eventname = "\\core\\event\\config_log_created";
                row.action = "created";
                row.target = "config_log";
                row.objecttable = Some("config_log");
                row.objectid = Some(3_000 + r.below(2_000));
                row.crud = "c";
                row.edulevel = 0;
                row.contextid = 1;
                row.contextlevel = 10;
                row.contextinstanceid = 0;
                row.userid = ADMIN;
                row.courseid = Some(0);
                if r.chance(40) {
                    row.origin = Some("cli");
                    row.ip = Ip::None;
                } else {
                    row.origin = Some("web");
                    row.ip = Ip::Of(admin);
                }
                row.other = Some(Some(vec![
                    ("name", s(name)),
                    ("oldvalue", s(old)),
                    ("value", s(new)),
                    ("plugin", plugin.map_or(Val::Null, s)),
                ]));
            }
            858..=897 => {
                let whom = self.user();
                let r = &mut self.rng;
                let (short, full) = COURSE_NAMES[(course % COURSE_NAMES.len() as u64) as usize];
                row.eventname = "\\core\\event\\user_profile_viewed";
                row.target = "user_profile";
                row.objecttable = Some("user");
                row.objectid = Some(whom.id);
                row.edulevel = 0;
                row.relateduserid = Some(whom.id);
                if r.chance(50) {
                    row.contextid = user_ctx(whom.id);
                    row.contextlevel = 30;
                    row.contextinstanceid = whom.id;
                }
                row.other = Some(Some(vec![
                    ("courseid", s(course.to_string())),
                    ("courseshortname", s(format!("{short}{}", 100 + course))),
                    (
                        "coursefullname",
                        s(format!("{full} {} (WS 2023/24)", 100 + course)),
                    ),
                ]));
            }
            898..=937 => {
                let (cmid, _) = module(course, r);
                row.eventname = "\\core\\event\\course_module_completion_updated";
                row.action = "updated";
                row.target = "course_module_completion";
                row.objecttable = Some("course_modules_completion");
                row.objectid = Some(200_000 + r.below(5_000_000));
                row.crud = "u";
                row.edulevel = 0;
                row.contextid = module_ctx(cmid);
                row.contextlevel = 70;
                row.contextinstanceid = cmid;
                row.relateduserid = Some(u.id);
                row.other = Some(Some(vec![
                    ("relateduserid", s(u.id.to_string())),
                    ("overrideby", Val::Null),
                    ("completionstate", Val::Int(1)),
                ]));
            }
            938..=957 => {
                let (cmid, quiz) = module(course, r);
                row.eventname = "\\mod_quiz\\event\\attempt_submitted";
                row.component = "mod_quiz";
                row.action = "submitted";
                row.target = "attempt";
                row.objecttable = Some("quiz_attempts");
                row.objectid = Some(50_000 + (u.h >> 16) % 900_000);
                row.crud = "u";
                row.contextid = module_ctx(cmid);
                row.contextlevel = 70;
                row.contextinstanceid = cmid;
                row.relateduserid = Some(u.id);
                row.other = Some(Some(vec![
                    ("submitterid", s(u.id.to_string())),
                    ("quizid", s(quiz.to_string())),
                ]));
            }
            958..=967 => {
                let t = self.teacher();
                let r = &mut self.rng;
                row.eventname = "\\core\\event\\user_enrolment_created";
                row.action = "created";
                row.target = "user_enrolment";
                row.objecttable = Some("user_enrolments");
                row.objectid = Some(10_000 + r.below(400_000));
                row.crud = "c";
                row.edulevel = 0;
                row.userid = t.id;
                row.relateduserid = Some(u.id);
                row.ip = Ip::Of(t);
                row.other = Some(Some(vec![("enrol", s("manual"))]));
            }
            968..=972 => {
                let t = self.teacher();
                let r = &mut self.rng;
                row.eventname = "\\core\\event\\role_assigned";
                row.action = "assigned";
                row.target = "role";
                row.objecttable = Some("role");
                row.objectid = Some(if r.chance(80) { 5 } else { 3 });
                row.crud = "c";
                row.edulevel = 0;
                row.userid = t.id;
                row.relateduserid = Some(u.id);
                row.ip = Ip::Of(t);
                row.other = Some(Some(vec![
                    ("id", Val::Int(100_000 + r.below(800_000))),
                    ("component", s("")),
                    ("itemid", Val::Int(0)),
                ]));
            }
            // A course view with SQL NULL in `other` (rows from before the
            // column was filled) or an anonymous feedback response.
            973..=979 => {
                if r.chance(50) {
                    row.other = None;
                } else {
                    let (cmid, inst) = module(course, r);
                    row.eventname = "\\mod_feedback\\event\\response_submitted";
                    row.component = "mod_feedback";
                    row.action = "submitted";
                    row.target = "response";
                    row.objecttable = Some("feedback_completed");
                    row.objectid = Some(inst * 40 + r.below(40));
                    row.crud = "c";
                    row.contextid = module_ctx(cmid);
                    row.contextlevel = 70;
                    row.contextinstanceid = cmid;
                    row.relateduserid = Some(u.id);
                    row.anonymous = 1;
                    row.other = Some(Some(vec![
                        ("cmid", s(cmid.to_string())),
                        ("instanceid", s(inst.to_string())),
                        ("anonymous", Val::Bool(true)),
                    ]));
                }
            }
            // The rest: quiz attempts viewed.
            _ => {
                let (cmid, _) = module(course, r);
                row.eventname = "\\mod_quiz\\event\\attempt_viewed";
                row.component = "mod_quiz";
                row.target = "attempt";
                row.objecttable = Some("quiz_attempts");
                row.objectid = Some(50_000 + (u.h >> 16) % 900_000);
                row.contextid = module_ctx(cmid);
                row.contextlevel = 70;
                row.contextinstanceid = cmid;
                row.relateduserid = Some(u.id);
                row.other = Some(Some(vec![
                    ("quizid", s((cmid / 3).to_string())),
                    ("page", Val::Int(r.below(10))),
                ]));
            }
        }
        // A session of an administrator logged in as a user (one user in 97
        // is helped that way, in a third of their events).
        if u.h.is_multiple_of(97) && row.userid == u.id && self.rng.chance(30) {
            row.realuserid = Some(ADMIN);
            row.ip = Ip::Of(User::admin(self.seed));
        }
        row
    }

    fn write(&mut self, r: &Row, out: &mut Vec<u8>) {
        // `other`: ~80% JSON, ~20% PHP serialize; forum posts half and half.
        let php_share = if r.eventname.ends_with("post_created") {
            50
        } else {
            20
        };
        let php = self.rng.chance(php_share);
        self.other.clear();
        if let Some(o) = &r.other {
            if php {
                write_php(o.as_deref(), &mut self.other);
            } else {
                write_json(o.as_deref(), &mut self.other);
            }
        }
        self.ip.clear();
        match r.ip {
            Ip::None => {}
            Ip::Of(u) => u.ip(&mut self.rng, &mut self.ip),
            Ip::Random(a) => write_ip(a, &mut self.ip),
        }
        let mut f = Fields {
            out,
            dialect: self.dialect,
            n: 0,
        };
        f.int(self.id);
        f.text(r.eventname.as_bytes());
        f.text(r.component.as_bytes());
        f.text(r.action.as_bytes());
        f.text(r.target.as_bytes());
        f.opt_text(r.objecttable.map(str::as_bytes));
        f.opt_int(r.objectid);
        f.text(r.crud.as_bytes());
        f.int(r.edulevel);
        f.int(r.contextid);
        f.int(r.contextlevel);
        f.int(r.contextinstanceid);
        f.int(r.userid);
        f.opt_int(r.courseid);
        f.opt_int(r.relateduserid);
        f.int(r.anonymous);
        f.opt_text(r.other.as_ref().map(|_| &self.other[..]));
        f.int(self.now);
        f.opt_text(r.origin.map(str::as_bytes));
        f.opt_text((!self.ip.is_empty()).then_some(&self.ip[..]));
        f.opt_int(r.realuserid);
    }
}

/// Writes the fields of one record in a dialect.
struct Fields<'o> {
    out: &'o mut Vec<u8>,
    dialect: Dialect,
    n: usize,
}

impl Fields<'_> {
    fn sep(&mut self) {
        if self.n > 0 {
            self.out.push(match self.dialect {
                Dialect::Postgres => b',',
                Dialect::Mysql => b'\t',
            });
        }
        self.n += 1;
    }

    fn null(&mut self) {
        self.sep();
        if self.dialect == Dialect::Mysql {
            self.out.extend_from_slice(b"\\N");
        }
    }

    fn int(&mut self, v: u64) {
        self.sep();
        let _ = write!(self.out, "{v}");
    }

    fn opt_int(&mut self, v: Option<u64>) {
        match v {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    fn opt_text(&mut self, v: Option<&[u8]>) {
        match v {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    fn text(&mut self, v: &[u8]) {
        self.sep();
        let out = &mut *self.out;
        match self.dialect {
            Dialect::Postgres => {
                // COPY quotes a value with the delimiter, a quote or a line
                // break, an empty string (NULL is the unquoted empty field)
                // and `\.`.
                let quote = v.is_empty()
                    || v == b"\\."
                    || v.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
                if !quote {
                    out.extend_from_slice(v);
                    return;
                }
                out.push(b'"');
                for &b in v {
                    if b == b'"' {
                        out.push(b'"');
                    }
                    out.push(b);
                }
                out.push(b'"');
            }
            Dialect::Mysql => {
                for &b in v {
                    match b {
                        0 => out.extend_from_slice(b"\\0"),
                        b'\\' | b'\t' | b'\n' => {
                            out.push(b'\\');
                            out.push(b);
                        }
                        _ => out.push(b),
                    }
                }
            }
        }
    }
}
