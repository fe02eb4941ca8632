//! Moodle's event log as CSV: `logstore_standard_log` exports and the Logs
//! report download. This module reads headers into a [`Schema`] (which column
//! plays which role), and knows the texts inside fields: report times,
//! descriptions with user ids, "X as Y", "User: Jane Doe". It knows nothing of
//! keys; [`crate::rewrite`] acts on what it finds.
//!
//! Headers are matched by name, case-insensitively: the 21 columns of
//! `logstore_standard_log` (with or without a `table.` prefix), and the
//! report's columns in English, German, French and Spanish. A report header in
//! another language is recognised by its shape instead: 7, 9 or 10 columns
//! whose second data row has a report time and an English description (the
//! descriptions are never translated). Leading index columns written by
//! pandas (an empty name, `Unnamed: 0`) are kept as they are.

pub mod other;

use super::csv::{self, Dialect};

/// Which of the two Moodle exports a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Rows of `logstore_standard_log`.
    Logstore,
    /// The Logs report download (`report/log`).
    Report,
}

/// What a column holds and how it is rewritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Not personal: copied as it is (ids of events, courses, contexts,
    /// component and event names, origin, pandas index columns...).
    Keep,
    /// A Moodle user id (`userid`, `relateduserid`, `realuserid`).
    UserId(&'static str),
    /// `objectid`: a user id when the row's `objecttable` is `user`.
    ObjectId,
    /// `objecttable`.
    ObjectTable,
    /// `contextinstanceid`: a user id when the row's `contextlevel` is 30.
    ContextInstanceId,
    /// `contextlevel`.
    ContextLevel,
    /// `eventname`.
    EventName,
    /// `other`: PHP-serialized or JSON.
    Other,
    /// `timecreated`: Unix seconds.
    TimeCreated,
    /// `ip` / "IP address".
    Ip,
    /// The report's time ("7/09/26, 21:40:58").
    ReportTime,
    /// "User full name": a name, `-`, or "X as Y".
    FullName,
    /// "Affected user": a name or `-`.
    RelatedFullName,
    /// "Event context": "User: Jane Doe" names a person.
    Context,
    /// "Description": user ids in "user with id 'N'".
    Description,
    /// A user's name joined into an export from `user` (`username`,
    /// `firstname`, `lastname`, `fullname`, `idnumber`, ...): a name
    /// pseudonym.
    Name(&'static str),
    /// A user's e-mail address joined into an export: an e-mail pseudonym.
    Email,
    /// A column anonlog does not know: rewritten by the generic scrubber.
    Unknown,
}

impl Column {
    /// The column's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Column::Keep => "column",
            Column::UserId(n) => n,
            Column::ObjectId => "objectid",
            Column::ObjectTable => "objecttable",
            Column::ContextInstanceId => "contextinstanceid",
            Column::ContextLevel => "contextlevel",
            Column::EventName => "eventname",
            Column::Other => "other",
            Column::TimeCreated => "timecreated",
            Column::Ip => "ip",
            Column::ReportTime => "Time",
            Column::FullName => "User full name",
            Column::RelatedFullName => "Affected user",
            Column::Context => "Event context",
            Column::Description => "Description",
            Column::Name(n) => n,
            Column::Email => "email",
            Column::Unknown => "unknown column",
        }
    }
}

/// A language of the report's header, for the words inside fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// German.
    De,
    /// French.
    Fr,
    /// Spanish.
    Es,
    /// Recognised by shape only.
    Unknown,
}

impl Lang {
    /// The separator of "real user as other user" in this language.
    pub fn as_separator(self) -> &'static [u8] {
        match self {
            Lang::En | Lang::Unknown => b" as ",
            Lang::De => b" als ",
            Lang::Fr => b" en tant que ",
            Lang::Es => b" como ",
        }
    }

    /// The word before ": " of a user's context ("User: Jane Doe").
    pub fn user_context(self) -> &'static [&'static [u8]] {
        match self {
            Lang::En => &[b"User"],
            Lang::De => &[b"Nutzer/in", b"Nutzer", b"Benutzer", b"Benutzer/in"],
            Lang::Fr => &[b"Utilisateur", b"Utilisateur/trice"],
            Lang::Es => &[b"Usuario"],
            Lang::Unknown => &[],
        }
    }
}

/// The columns of a Moodle CSV file and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// Which export.
    pub kind: Kind,
    /// Delimiter and escaping.
    pub dialect: Dialect,
    /// One role per column, in order.
    pub columns: Vec<Column>,
    /// The header's language (reports).
    pub lang: Lang,
    /// The first record is a header (`false`: a headerless dump such as
    /// MySQL's `INTO OUTFILE`, whose columns are the table's own order).
    pub header: bool,
    /// Which Moodle fact each column holds, where statistics need it.
    pub facets: Vec<Option<Facet>>,
    /// Report times are month first (`%m/%d/%y`, the US language packs):
    /// found in the sample when a time's second number is above 12.
    pub month_first: bool,
}

/// A Moodle fact a column holds (for statistics; columns kept as they are
/// in the output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    /// A course id (`courseid`) or short name (the report's Course).
    Course,
    /// The component (`mod_forum`, `core`; the report's Component).
    Component,
    /// The event (`eventname`; the report's Event name).
    Event,
    /// CRUD.
    Crud,
    /// Education level.
    Edulevel,
    /// Origin.
    Origin,
}

/// Header names of the facets, in every language anonlog reads.
const FACETS: &[(&str, Facet)] = &[
    ("courseid", Facet::Course),
    ("course", Facet::Course),
    ("kurs", Facet::Course),
    ("cours", Facet::Course),
    ("curso", Facet::Course),
    ("component", Facet::Component),
    ("komponente", Facet::Component),
    ("composant", Facet::Component),
    ("componente", Facet::Component),
    ("eventname", Facet::Event),
    ("event name", Facet::Event),
    ("ereignisname", Facet::Event),
    ("nom de l'événement", Facet::Event),
    ("nombre del evento", Facet::Event),
    ("nombre evento", Facet::Event),
    ("crud", Facet::Crud),
    ("edulevel", Facet::Edulevel),
    ("origin", Facet::Origin),
    ("ursprung", Facet::Origin),
    ("herkunft", Facet::Origin),
    ("origine", Facet::Origin),
    ("origen", Facet::Origin),
];

impl Schema {
    /// Fills [`Schema::facets`] from header names (`names`), or, for a report
    /// recognised by its shape, from the columns' positions.
    fn with_facets(mut self, names: &[String], by_position: bool) -> Schema {
        self.facets = if by_position {
            let n = self.columns.len();
            let tail: &[Option<Facet>] = if self.columns.ends_with(&REPORT_9) {
                &[
                    None,
                    None,
                    None,
                    None,
                    Some(Facet::Component),
                    Some(Facet::Event),
                    None,
                    Some(Facet::Origin),
                    None,
                ]
            } else {
                &[
                    None,
                    None,
                    Some(Facet::Component),
                    Some(Facet::Event),
                    None,
                    Some(Facet::Origin),
                    None,
                ]
            };
            let mut f = vec![None; n - tail.len()];
            if let Some(last) = f.last_mut() {
                // A leading Course column of a site-level report.
                if names.len() == n && !names[n - tail.len() - 1].starts_with("unnamed") {
                    *last = Some(Facet::Course);
                }
            }
            f.extend_from_slice(tail);
            f
        } else {
            names
                .iter()
                .map(|n| {
                    let bare = n.rsplit('.').next().unwrap_or(n);
                    FACETS.iter().find(|(k, _)| *k == bare).map(|(_, f)| *f)
                })
                .collect()
        };
        self
    }
}

/// The columns of `logstore_standard_log` and their roles.
const LOGSTORE: &[(&str, Column)] = &[
    ("id", Column::Keep),
    ("eventname", Column::EventName),
    ("component", Column::Keep),
    ("action", Column::Keep),
    ("target", Column::Keep),
    ("objecttable", Column::ObjectTable),
    ("objectid", Column::ObjectId),
    ("crud", Column::Keep),
    ("edulevel", Column::Keep),
    ("contextid", Column::Keep),
    ("contextlevel", Column::ContextLevel),
    ("contextinstanceid", Column::ContextInstanceId),
    ("userid", Column::UserId("userid")),
    ("courseid", Column::Keep),
    ("relateduserid", Column::UserId("relateduserid")),
    ("anonymous", Column::Keep),
    ("other", Column::Other),
    ("timecreated", Column::TimeCreated),
    ("origin", Column::Keep),
    ("ip", Column::Ip),
    ("realuserid", Column::UserId("realuserid")),
];

/// Columns of `user` that exports join into the log (`SELECT l.*,
/// u.username ...`).
const JOINED: &[(&str, Column)] = &[
    ("username", Column::Name("username")),
    ("firstname", Column::Name("firstname")),
    ("lastname", Column::Name("lastname")),
    ("middlename", Column::Name("middlename")),
    ("alternatename", Column::Name("alternatename")),
    ("fullname", Column::Name("fullname")),
    ("idnumber", Column::Name("idnumber")),
    ("email", Column::Email),
];

/// The report's header names: (role, language, name), compared after
/// lower-casing.
const REPORT: &[(Column, Lang, &str)] = &[
    (Column::Keep, Lang::En, "course"),
    (Column::ReportTime, Lang::En, "time"),
    (Column::FullName, Lang::En, "user full name"),
    (Column::RelatedFullName, Lang::En, "affected user"),
    (Column::Context, Lang::En, "event context"),
    (Column::Keep, Lang::En, "component"),
    (Column::Keep, Lang::En, "event name"),
    (Column::Description, Lang::En, "description"),
    (Column::Keep, Lang::En, "origin"),
    (Column::Ip, Lang::En, "ip address"),
    (Column::Keep, Lang::De, "kurs"),
    (Column::ReportTime, Lang::De, "zeit"),
    (Column::FullName, Lang::De, "vollständiger name"),
    (Column::FullName, Lang::De, "vollständiger name des nutzers"),
    (Column::RelatedFullName, Lang::De, "betroffene/r nutzer/in"),
    (Column::RelatedFullName, Lang::De, "betroffener nutzer"),
    (Column::Context, Lang::De, "kontext des ereignisses"),
    (Column::Context, Lang::De, "ereigniskontext"),
    (Column::Keep, Lang::De, "komponente"),
    (Column::Keep, Lang::De, "ereignisname"),
    (Column::Description, Lang::De, "beschreibung"),
    (Column::Keep, Lang::De, "ursprung"),
    (Column::Keep, Lang::De, "herkunft"),
    (Column::Ip, Lang::De, "ip-adresse"),
    (Column::Keep, Lang::Fr, "cours"),
    (Column::ReportTime, Lang::Fr, "heure"),
    (Column::ReportTime, Lang::Fr, "date"),
    (Column::FullName, Lang::Fr, "nom complet de l'utilisateur"),
    (Column::FullName, Lang::Fr, "nom complet"),
    (Column::RelatedFullName, Lang::Fr, "utilisateur concerné"),
    (Column::Context, Lang::Fr, "contexte de l'événement"),
    (Column::Keep, Lang::Fr, "composant"),
    (Column::Keep, Lang::Fr, "nom de l'événement"),
    (Column::Description, Lang::Fr, "description"),
    (Column::Keep, Lang::Fr, "origine"),
    (Column::Ip, Lang::Fr, "adresse ip"),
    (Column::Keep, Lang::Es, "curso"),
    (Column::ReportTime, Lang::Es, "hora"),
    (Column::FullName, Lang::Es, "nombre completo del usuario"),
    (Column::RelatedFullName, Lang::Es, "usuario afectado"),
    (Column::Context, Lang::Es, "contexto del evento"),
    (Column::Keep, Lang::Es, "componente"),
    (Column::Keep, Lang::Es, "nombre del evento"),
    (Column::Keep, Lang::Es, "nombre evento"),
    (Column::Description, Lang::Es, "descripción"),
    (Column::Keep, Lang::Es, "origen"),
    (Column::Ip, Lang::Es, "dirección ip"),
];

/// The report's columns by position, for headers in other languages.
const REPORT_9: [Column; 9] = [
    Column::ReportTime,
    Column::FullName,
    Column::RelatedFullName,
    Column::Context,
    Column::Keep,
    Column::Keep,
    Column::Description,
    Column::Keep,
    Column::Ip,
];
const REPORT_7: [Column; 7] = [
    Column::ReportTime,
    Column::Context,
    Column::Keep,
    Column::Keep,
    Column::Description,
    Column::Keep,
    Column::Ip,
];

/// A header name as compared: trimmed and lower-cased.
fn norm(decoded: &[u8]) -> String {
    String::from_utf8_lossy(decoded).trim().to_lowercase()
}

/// Is a header name one of pandas' index columns?
fn is_index_name(n: &str) -> bool {
    n.is_empty() || n == "index" || n.starts_with("unnamed: ")
}

/// The decoded fields of the first two records of `sample` (header and first
/// row, when present).
fn first_records(d: &Dialect, sample: &[u8]) -> (Vec<String>, Option<Vec<Vec<u8>>>) {
    let sample = super::combinator::strip_bom(sample);
    let mut ranges = Vec::new();
    let decode_all = |rec: &[u8], ranges: &mut Vec<_>| -> Vec<Vec<u8>> {
        d.split(rec, ranges);
        ranges
            .iter()
            .map(|r: &std::ops::Range<usize>| {
                let mut v = Vec::new();
                d.decode(&rec[r.clone()], &mut v);
                v
            })
            .collect()
    };
    let hend = d.record_end(sample).unwrap_or(sample.len());
    let header = decode_all(csv::trim_terminator(&sample[..hend]), &mut ranges)
        .iter()
        .map(|f| norm(f))
        .collect();
    let rest = &sample[hend..];
    let row = d
        .record_end(rest)
        .map(|e| decode_all(csv::trim_terminator(&rest[..e]), &mut ranges));
    (header, row)
}

impl Schema {
    /// Reads the header at the start of `sample` (a BOM allowed). `kind`
    /// forces an export (`--format moodle-logstore|moodle-report`); without
    /// it, the header decides. `None`: not a Moodle export (or, when forced,
    /// a header whose columns cannot be told apart).
    pub fn from_sample(sample: &[u8], kind: Option<Kind>) -> Option<Schema> {
        let dialect = Dialect::sniff(sample);
        let (header, row) = first_records(&dialect, sample);
        if header.len() < 2 && kind.is_none() {
            return None;
        }
        if kind != Some(Kind::Report) {
            if let Some(s) = Self::logstore(dialect, &header, kind.is_some()) {
                return Some(s);
            }
        }
        if kind != Some(Kind::Logstore) {
            if let Some(mut s) = Self::report(dialect, &header, row.as_deref(), kind.is_some()) {
                s.month_first = s.sample_is_month_first(sample);
                return Some(s);
            }
        }
        None
    }

    /// Do the report times of `sample` put the month first? Only when some
    /// time's second number is above 12 and none's first is; otherwise the
    /// day comes first (Moodle's own English and most language packs).
    fn sample_is_month_first(&self, sample: &[u8]) -> bool {
        let Some(col) = self.position(Column::ReportTime) else {
            return false;
        };
        let sample = super::combinator::strip_bom(sample);
        let d = self.dialect;
        let (mut day_first, mut month_first) = (false, false);
        let mut fields = Vec::new();
        let mut v = Vec::new();
        let mut pos = d.record_end(sample).unwrap_or(sample.len());
        while let Some(n) = d.record_end(&sample[pos..]) {
            let rec = csv::trim_terminator(&sample[pos..pos + n]);
            pos += n;
            d.split(rec, &mut fields);
            let Some(r) = fields.get(col) else { continue };
            v.clear();
            d.decode(&rec[r.clone()], &mut v);
            let nums: Vec<u32> = v
                .split(|b| !b.is_ascii_digit())
                .filter(|p| !p.is_empty())
                .take(2)
                .map(|p| {
                    p.iter().fold(0u32, |a, &b| {
                        a.saturating_mul(10).saturating_add(u32::from(b - b'0'))
                    })
                })
                .collect();
            if let [a, b] = nums[..] {
                day_first |= a > 12;
                month_first |= b > 12;
            }
        }
        month_first && !day_first
    }

    fn logstore(dialect: Dialect, header: &[String], forced: bool) -> Option<Schema> {
        let mut known = 0;
        let mut personal = 0;
        let columns: Vec<Column> = header
            .iter()
            .map(|n| {
                let bare = n.rsplit('.').next().unwrap_or(n);
                match LOGSTORE.iter().find(|(name, _)| *name == bare) {
                    Some((_, c)) => {
                        known += 1;
                        if matches!(c, Column::UserId(_) | Column::Ip | Column::Other) {
                            personal += 1;
                        }
                        *c
                    }
                    None if is_index_name(n) => Column::Keep,
                    None => JOINED
                        .iter()
                        .find(|(name, _)| *name == bare)
                        .map_or(Column::Unknown, |(_, c)| *c),
                }
            })
            .collect();
        if known >= 2 && (personal >= 1 || forced) {
            let s = Schema {
                kind: Kind::Logstore,
                dialect,
                columns,
                lang: Lang::Unknown,
                header: true,
                facets: Vec::new(),
                month_first: false,
            };
            return Some(s.with_facets(header, false));
        }
        // No header: the table's own column order, recognised by the event
        // name in the second field (`\core\event\...`).
        let event = header
            .get(1)
            .is_some_and(|e| e.starts_with('\\') && e.contains("\\event\\"));
        let table: Vec<&(&str, Column)> = match header.len() {
            21 => LOGSTORE.iter().collect(),
            20 => LOGSTORE.iter().filter(|(n, _)| *n != "anonymous").collect(),
            _ => return None,
        };
        let names: Vec<String> = table.iter().map(|(n, _)| n.to_string()).collect();
        let s = Schema {
            kind: Kind::Logstore,
            dialect,
            columns: table.iter().map(|(_, c)| *c).collect(),
            lang: Lang::Unknown,
            header: false,
            facets: Vec::new(),
            month_first: false,
        };
        event.then(|| s.with_facets(&names, false))
    }

    fn report(
        dialect: Dialect,
        header: &[String],
        row: Option<&[Vec<u8>]>,
        forced: bool,
    ) -> Option<Schema> {
        let lead = header.iter().take_while(|n| is_index_name(n)).count();
        let names = &header[lead..];
        let mut votes = [0usize; 4];
        let mut columns = vec![Column::Keep; lead];
        let mut all_known = true;
        for n in names {
            let hits: Vec<_> = REPORT.iter().filter(|(_, _, name)| *name == n).collect();
            match hits.first() {
                Some((c, _, _)) => {
                    for (_, l, _) in &hits {
                        votes[*l as usize] += 1;
                    }
                    columns.push(*c);
                }
                None => {
                    all_known = false;
                    columns.push(Column::Unknown);
                }
            }
        }
        let has = |c: Column| columns.contains(&c);
        if all_known && has(Column::ReportTime) && has(Column::Description) {
            let langs = [Lang::En, Lang::De, Lang::Fr, Lang::Es];
            let best = (0..4).max_by_key(|&i| (votes[i], 4 - i)).unwrap_or(0);
            let s = Schema {
                kind: Kind::Report,
                dialect,
                columns,
                lang: langs[best],
                header: true,
                facets: Vec::new(),
                month_first: false,
            };
            return Some(s.with_facets(header, false));
        }
        // By shape: a leading Course column, then the 9 or 7 columns.
        let (course, body): (usize, &[Column]) = match names.len() {
            10 => (1, &REPORT_9),
            9 => (0, &REPORT_9),
            7 => (0, &REPORT_7),
            _ => return None,
        };
        let shaped = row.is_some_and(|r| {
            let time = r.get(lead + course);
            let desc = body.iter().position(|c| *c == Column::Description);
            let desc_at = lead + course + desc.unwrap_or(0);
            time.is_some_and(|t| report_time(t, false).or(report_time(t, true)).is_some())
                && r.get(desc_at)
                    .is_some_and(|d| find_user_ids(d, 0).is_some())
        });
        if !shaped && !forced {
            return None;
        }
        let mut columns = vec![Column::Keep; lead + course];
        columns.extend_from_slice(body);
        let s = Schema {
            kind: Kind::Report,
            dialect,
            columns,
            lang: Lang::Unknown,
            header: true,
            facets: Vec::new(),
            month_first: false,
        };
        Some(s.with_facets(header, true))
    }

    /// The position of the first column with role `c`.
    pub fn position(&self, c: Column) -> Option<usize> {
        self.columns.iter().position(|x| *x == c)
    }

    /// The time of a record (without its terminator) whose fields are
    /// `fields`: its `timecreated`, or its report Time read as UTC. `dec` is
    /// scratch space.
    pub fn record_time(
        &self,
        rec: &[u8],
        fields: &[std::ops::Range<usize>],
        dec: &mut Vec<u8>,
    ) -> Option<i64> {
        if fields.len() != self.columns.len() {
            return None;
        }
        let mut t = None;
        for (c, r) in self.columns.iter().zip(fields) {
            let raw = &rec[r.clone()];
            match c {
                Column::TimeCreated => {
                    let v = csv::unquote(raw);
                    if !v.is_empty() && v.len() <= 12 && v.iter().all(u8::is_ascii_digit) {
                        t = Some(v.iter().fold(0i64, |a, &b| a * 10 + i64::from(b - b'0')));
                    }
                }
                Column::ReportTime => {
                    dec.clear();
                    self.dialect.decode(raw, dec);
                    t = report_time(dec, self.month_first);
                }
                _ => {}
            }
        }
        t
    }
}

/// Parses a report time: `D/MM/YY, HH:MM[:SS]` (also with `.` or `-`
/// between the date's parts and four-digit years), day first, as UTC.
pub fn parse_report_time(s: &[u8]) -> Option<i64> {
    report_time(s, false)
}

/// [`parse_report_time`] with the month first (`M/DD/YY, HH:MM`) when
/// `month_first`; a 12-hour time with ` AM`/` PM` is read either way.
pub fn report_time(s: &[u8], month_first: bool) -> Option<i64> {
    fn num(s: &[u8], i: &mut usize, max: usize) -> Option<i64> {
        let start = *i;
        let mut v = 0i64;
        while *i < s.len() && s[*i].is_ascii_digit() && *i - start < max {
            v = v * 10 + i64::from(s[*i] - b'0');
            *i += 1;
        }
        (*i > start).then_some(v)
    }
    fn eat(s: &[u8], i: &mut usize, set: &[u8]) -> Option<u8> {
        let b = *s.get(*i).filter(|b| set.contains(b))?;
        *i += 1;
        Some(b)
    }
    let mut i = 0;
    let first = num(s, &mut i, 2)?;
    let sep = eat(s, &mut i, b"/.-")?;
    let second = num(s, &mut i, 2)?;
    let (d, mo) = if month_first {
        (second, first)
    } else {
        (first, second)
    };
    eat(s, &mut i, &[sep])?;
    let y = num(s, &mut i, 4)?;
    if eat(s, &mut i, b",").is_some() {
        eat(s, &mut i, b" ");
    } else {
        eat(s, &mut i, b" ")?;
    }
    let h = num(s, &mut i, 2)?;
    eat(s, &mut i, b":")?;
    let mi = num(s, &mut i, 2)?;
    let se = if eat(s, &mut i, b":").is_some() {
        num(s, &mut i, 2)?
    } else {
        0
    };
    let mut h = h;
    let rest = &s[i..];
    if rest.eq_ignore_ascii_case(b" AM") || rest.eq_ignore_ascii_case(b" PM") {
        if !(1..=12).contains(&h) {
            return None;
        }
        h = h % 12
            + if rest[1].eq_ignore_ascii_case(&b'P') {
                12
            } else {
                0
            };
        i = s.len();
    }
    if i != s.len() {
        return None;
    }
    let y = if y < 100 { 2000 + y } else { y };
    if !(1..=31).contains(&d) || !(1..=12).contains(&mo) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = crate::time::days_from_civil(y, mo as u32, d as u32);
    Some(days * 86_400 + h * 3600 + mi * 60 + se)
}

/// Finds the next user id in a description, at or after `from`: the digits
/// of `user with id 'N'`, `user with the id 'N'`, `user id 'N'` or
/// `userid 'N'` (any case). Course, module and role ids are not user ids and
/// are not found.
pub fn find_user_ids(s: &[u8], from: usize) -> Option<std::ops::Range<usize>> {
    const FORMS: [&[u8]; 4] = [
        b"user with id '",
        b"user with the id '",
        b"user id '",
        b"userid '",
    ];
    let mut i = from;
    while let Some(p) = memchr::memchr2(b'u', b'U', s.get(i..)?) {
        let at = i + p;
        for f in FORMS {
            let Some(cand) = s.get(at..at + f.len()) else {
                continue;
            };
            if cand.eq_ignore_ascii_case(f) {
                let start = at + f.len();
                let len = s[start..].iter().take_while(|b| b.is_ascii_digit()).count();
                if len > 0 && s.get(start + len) == Some(&b'\'') {
                    return Some(start..start + len);
                }
            }
        }
        i = at + 1;
    }
    None
}

/// The quoted username of a failed login's description (`Login failed for
/// the username 'X' for the reason with id 'N'.`): the range of `X`.
pub fn failed_login_name(s: &[u8]) -> Option<std::ops::Range<usize>> {
    const LEAD: &[u8] = b"for the username '";
    const TAIL: &[u8] = b"' for the reason with id '";
    let p = memchr::memmem::find(s, LEAD)? + LEAD.len();
    // The name may contain quotes: take the last tail.
    let q = memchr::memmem::rfind(&s[p..], TAIL)? + p;
    Some(p..q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logstore_headers() {
        let s = Schema::from_sample(
            b",Unnamed: 0,id,userid,courseid,relateduserid,timecreated\n0,0,1,2,0,\\N,1606845939\n",
            None,
        )
        .unwrap();
        assert_eq!(s.kind, Kind::Logstore);
        assert_eq!(
            s.columns,
            [
                Column::Keep,
                Column::Keep,
                Column::Keep,
                Column::UserId("userid"),
                Column::Keep,
                Column::UserId("relateduserid"),
                Column::TimeCreated
            ]
        );
        let s = Schema::from_sample(
            b"\"mdl_logstore_standard_log\".\"ip\";\"userid\";\"extra\"\n",
            None,
        );
        // Quotes inside an unquoted-looking header are literal: not matched.
        assert!(s.is_none());
        let s = Schema::from_sample(b"ID;USERID;IP;note;u.username;Email\n", None).unwrap();
        assert_eq!(s.dialect.delimiter, b';');
        assert_eq!(s.columns[3], Column::Unknown);
        assert_eq!(s.columns[4], Column::Name("username"));
        assert_eq!(s.columns[5], Column::Email);
        assert!(Schema::from_sample(b"a,b,c\n1,2,3\n", None).is_none());
        assert!(Schema::from_sample(b"id,courseid\n1,2\n", None).is_none());
        assert!(Schema::from_sample(b"id,courseid\n1,2\n", Some(Kind::Logstore)).is_some());
        // Headerless MySQL dumps: the table's order, 20 or 21 columns.
        let row = "1\t\\\\core\\\\event\\\\user_loggedin\tcore\tloggedin\tuser\tuser\t58\tr\t0\t1\t10\t0\t58\t0\t\\N\t0\tN;\t1700000000\tweb\t192.0.2.58\t\\N\n";
        let s = Schema::from_sample(row.as_bytes(), None).unwrap();
        assert!(!s.header);
        assert_eq!(s.columns.len(), 21);
        assert_eq!(s.columns[12], Column::UserId("userid"));
        assert_eq!(s.dialect.escape, csv::Escape::Backslash);
    }

    #[test]
    fn report_headers_in_four_languages_and_by_shape() {
        let en = b"\xEF\xBB\xBFTime,\"User full name\",\"Affected user\",\"Event context\",Component,\"Event name\",Description,Origin,\"IP address\"\n";
        let s = Schema::from_sample(en, None).unwrap();
        assert_eq!((s.kind, s.lang), (Kind::Report, Lang::En));
        assert_eq!(s.columns.to_vec(), REPORT_9.to_vec());
        let de = "Kurs,Zeit,Vollständiger Name,Betroffene/r Nutzer/in,Kontext des Ereignisses,Komponente,Ereignisname,Beschreibung,Ursprung,IP-Adresse\n";
        let s = Schema::from_sample(de.as_bytes(), None).unwrap();
        assert_eq!(s.lang, Lang::De);
        assert_eq!(s.facets[0], Some(Facet::Course));
        assert_eq!(s.facets[5], Some(Facet::Component));
        assert_eq!(s.columns[0], Column::Keep);
        assert_eq!(s.columns[2], Column::FullName);
        let fr = "Heure;Nom complet de l'utilisateur;Utilisateur concerné;Contexte de l'événement;Composant;Nom de l'événement;Description;Origine;Adresse IP\n";
        assert_eq!(
            Schema::from_sample(fr.as_bytes(), None).unwrap().lang,
            Lang::Fr
        );
        let es = "Hora,Nombre completo del usuario,Usuario afectado,Contexto del evento,Componente,Nombre del evento,Descripción,Origen,Dirección IP\n";
        assert_eq!(
            Schema::from_sample(es.as_bytes(), None).unwrap().lang,
            Lang::Es
        );
        // Another language: recognised by the first row's shape.
        let it = "Ora,Nome completo,Utente coinvolto,Contesto evento,Componente,Evento,Descrizione,Origine,Indirizzo IP\n\"7/09/26, 21:40:58\",Jane Doe,-,Sistema,Sistema,Accesso,The user with id '58' has logged in.,web,192.0.2.1\n";
        let s = Schema::from_sample(it.as_bytes(), None).unwrap();
        assert_eq!((s.kind, s.lang), (Kind::Report, Lang::Unknown));
        assert_eq!(s.columns.to_vec(), REPORT_9.to_vec());
        assert_eq!(s.facets[4], Some(Facet::Component));
        assert_eq!(s.facets[5], Some(Facet::Event));
        assert_eq!(s.facets[7], Some(Facet::Origin));
        // Only the header: not enough to go by, unless forced.
        let head = it.lines().next().unwrap().as_bytes();
        assert!(Schema::from_sample(head, None).is_none());
        assert!(Schema::from_sample(head, Some(Kind::Report)).is_some());
        // The 7-column variant, with a pandas index column.
        let seven = b",Time,Event context,Component,Event name,Description,Origin,IP address\n";
        let s = Schema::from_sample(seven, None).unwrap();
        assert_eq!(s.columns[0], Column::Keep);
        assert_eq!(&s.columns[1..], &REPORT_7);
    }

    #[test]
    fn report_date_order_is_read_from_the_sample() {
        let head = "Time,User full name,Affected user,Event context,Component,Event name,Description,Origin,IP address\n";
        let row = |t: &str| {
            format!("\"{t}\",-,-,System,System,Viewed,The user with id '2' viewed.,web,\n")
        };
        let us = format!("{head}{}{}", row("11/05/26, 10:00"), row("11/30/26, 10:00"));
        let s = Schema::from_sample(us.as_bytes(), None).unwrap();
        assert!(s.month_first);
        let eu = format!("{head}{}{}", row("05/11/26, 10:00"), row("30/11/26, 10:00"));
        assert!(
            !Schema::from_sample(eu.as_bytes(), None)
                .unwrap()
                .month_first
        );
        let unknown = format!("{head}{}", row("05/11/26, 10:00"));
        assert!(
            !Schema::from_sample(unknown.as_bytes(), None)
                .unwrap()
                .month_first
        );
    }

    #[test]
    fn report_times() {
        let t = |s: &str| parse_report_time(s.as_bytes());
        assert_eq!(t("7/09/26, 21:40:58"), Some(1_788_817_258));
        assert_eq!(t("23/01/23, 12:09"), Some(1_674_475_740));
        assert_eq!(t("23.01.2023, 12:09"), t("23/01/23, 12:09"));
        assert_eq!(t("23/13/23, 12:09"), None);
        assert_eq!(t("23/01/23"), None);
        assert_eq!(t("Front page"), None);
        assert_eq!(t("23/01/23, 12:09 extra"), None);
        // US packs: month first, and 12-hour times.
        let us = |s: &str| report_time(s.as_bytes(), true);
        assert_eq!(us("01/23/23, 12:09"), t("23/01/23, 12:09"));
        assert_eq!(us("9/7/26, 9:40:58 PM"), t("7/09/26, 21:40:58"));
        assert_eq!(t("7/09/26, 12:05 AM"), t("7/09/26, 00:05"));
        assert_eq!(t("7/09/26, 13:05 PM"), None);
    }

    #[test]
    fn user_ids_in_descriptions() {
        fn all(s: &str) -> Vec<&str> {
            let b = s.as_bytes();
            let mut v = Vec::new();
            let mut i = 0;
            while let Some(r) = find_user_ids(b, i) {
                i = r.end;
                v.push(&s[r]);
            }
            v
        }
        assert_eq!(
            all("The user with id '109' unassigned the role with id '5' from the user with id '4238'."),
            ["109", "4238"]
        );
        assert_eq!(
            all(
                "The user with id '287' viewed the 'assign' activity with course module id '3364'."
            ),
            ["287"]
        );
        assert_eq!(
            all("The User with the id '7' for the user id '8'."),
            ["7", "8"]
        );
        assert_eq!(
            all("The user with id '2' has joined a bigbluebutton meeting for the bigbluebuttonbn activity with id '7' for the course id '3'."),
            ["2"]
        );
        assert!(all("Item created with ID 13.").is_empty());
        assert!(all("user with id 'x'").is_empty());
        let d = b"Login failed for the username 'it's me' for the reason with id '3'.";
        assert_eq!(&d[failed_login_name(d).unwrap()], b"it's me");
    }
}
