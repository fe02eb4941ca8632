//! `anonlog stats` attacked from outside: synthetic logs whose true counts
//! the test knows, a release, and an attacker who knows every true cell that
//! exists (but not its count unless published), every published number, and
//! every relation between cells (a table adds up to its window's total, an
//! event belongs to one component, CRUD letter and education level, a long
//! window is the sum of its days). For each cell of 1 to K−1 users that is
//! not published, the attacker solves two linear programs (`microlp`, the
//! solver the auditor uses, on a system built here independently from the
//! output) for the smallest and largest count consistent with all of that;
//! the release withstands the attack when every such interval is at least
//! max(K, 20 %) wide, and no published cell describes fewer than K users.

use anonlog::time::iso;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use crate::util::{anonlog, Work};

const K: u64 = 5;
const DAY: i64 = 86_400;
/// Windows are aligned from Monday 1970-01-05 00:00 UTC.
const ORIGIN: i64 = 4 * DAY;
/// 2026-11-02 00:00 UTC, a Monday.
const START: i64 = 1_793_577_600;

/// A small deterministic generator (splitmix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Skewed: small indexes far more often (many rare values).
    fn skewed(&mut self, n: u64) -> u64 {
        let a = self.below(n);
        let b = self.below(n);
        let c = self.below(n);
        a.min(b).min(c)
    }
}

/// A true cell: (window length, window start, dimension, value).
type Cell = (i64, i64, String, String);

/// Ground truth: events and distinct users of every cell.
#[derive(Default)]
struct Truth {
    cells: BTreeMap<Cell, (u64, BTreeSet<u64>)>,
}

impl Truth {
    fn add(&mut self, lens: &[i64], t: i64, user: u64, values: &[(&str, String)]) {
        for &len in lens {
            let w = ORIGIN + (t - ORIGIN).div_euclid(len) * len;
            for (d, v) in values {
                let c = self
                    .cells
                    .entry((len, w, d.to_string(), v.clone()))
                    .or_default();
                c.0 += 1;
                c.1.insert(user);
            }
        }
    }
}

fn hour_weekday(t: i64) -> (String, String) {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let wd = (t.div_euclid(DAY) + 3).rem_euclid(7) as usize;
    (
        format!("{:02}", t.rem_euclid(DAY) / 3600),
        DAYS[wd].to_string(),
    )
}

/// The published rows: cell → (events, users), or `None` when marked
/// suppressed.
fn published(csv: &str) -> HashMap<Cell, Option<(u64, u64)>> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (ws, we, d, v, e, u, s) = (
        col("window_start"),
        col("window_end"),
        col("dimension"),
        col("value"),
        col("events"),
        col("users"),
        col("suppressed"),
    );
    let mut out = HashMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let key = (
            rec[ws].to_string(),
            rec[we].to_string(),
            rec[d].to_string(),
            rec[v].to_string(),
        );
        let val = (&rec[s] != "true").then(|| (rec[e].parse().unwrap(), rec[u].parse().unwrap()));
        out.insert(key, val);
    }
    // Re-keyed by the caller (it knows the windows).
    out.into_iter()
        .map(|((ws, we, d, v), val)| ((0, 0, format!("{ws}|{we}|{d}"), v), val))
        .collect()
}

/// The attack. `parents`: event → (activity, crud, edulevel) as Moodle
/// defines them. Returns (sensitive cells checked, cells recovered).
fn attack(
    truth: &Truth,
    csv: &str,
    lens: &[i64],
    parents: &HashMap<String, [String; 3]>,
) -> (usize, Vec<String>) {
    let pubs = published(csv);
    let cells: Vec<(&Cell, &(u64, BTreeSet<u64>))> = truth.cells.iter().collect();
    let id: HashMap<&Cell, usize> = cells.iter().enumerate().map(|(i, c)| (c.0, i)).collect();
    let shown = |c: &Cell| {
        let key = (
            0,
            0,
            format!("{}|{}|{}", iso(c.1), iso(c.1 + c.0), c.2),
            c.3.clone(),
        );
        pubs.get(&key).copied().flatten()
    };
    // Every published number is true, and no published cell is small.
    let mut known: Vec<Option<u64>> = Vec::new();
    for (c, (events, users)) in &cells {
        let s = shown(c);
        if let Some((e, u)) = s {
            assert_eq!((e, u), (*events, users.len() as u64), "{c:?}");
            assert!(u >= K || u == 0, "published {c:?} with {u} users");
        }
        known.push(s.map(|x| x.0));
    }
    // The relations.
    let mut rels: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut by_table: BTreeMap<(i64, i64, &str), Vec<usize>> = BTreeMap::new();
    for (i, (c, _)) in cells.iter().enumerate() {
        by_table
            .entry((c.0, c.1, c.2.as_str()))
            .or_default()
            .push(i);
    }
    for (&(len, w, dim), members) in &by_table {
        if dim == "total" {
            continue;
        }
        if let Some(&t) = id.get(&(len, w, "total".to_string(), "all".to_string())) {
            let mut r = vec![(t, -1.0)];
            r.extend(members.iter().map(|&m| (m, 1.0)));
            rels.push(r);
        }
        if dim == "event" && !parents.is_empty() {
            for (j, pd) in ["activity", "crud", "edulevel"].iter().enumerate() {
                let mut by_parent: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
                for &m in members {
                    by_parent
                        .entry(parents[&cells[m].0 .3][j].as_str())
                        .or_default()
                        .push(m);
                }
                for (pv, children) in by_parent {
                    let p = id[&(len, w, pd.to_string(), pv.to_string())];
                    let mut r = vec![(p, -1.0)];
                    r.extend(children.iter().map(|&m| (m, 1.0)));
                    rels.push(r);
                }
            }
        }
    }
    // A cross-tabulation adds up to its margins: the cells of `5|quiz`,
    // `5|forum`, ... to course 5, those of `(none)|quiz`, `5|quiz`, ... to
    // activity quiz; `5|Mon 08` to course 5, weekday Mon and hour 08.
    type Part = fn(&str) -> Option<String>;
    for (&(len, w, dim), members) in &by_table {
        let margins: &[(&str, Part)] = match dim {
            "course_activity" => &[("course", left), ("activity", right)],
            "course_week" => &[("course", left), ("week", right)],
            "course_hour_of_week" => &[
                ("course", left),
                ("weekday", |v| {
                    Some(right(v)?.split(' ').next()?.to_string())
                }),
                ("hour", |v| Some(right(v)?.split(' ').nth(1)?.to_string())),
            ],
            _ => &[],
        };
        for (target, part) in margins {
            let mut by: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for &m in members {
                by.entry(part(&cells[m].0 .3).unwrap()).or_default().push(m);
            }
            for (v, children) in by {
                let p = id[&(len, w, target.to_string(), v)];
                let mut r = vec![(p, -1.0)];
                r.extend(children.iter().map(|&m| (m, 1.0)));
                rels.push(r);
            }
        }
    }
    let short = lens[0];
    // A week's records in a window are the days' totals.
    if short == DAY {
        for (i, (c, _)) in cells.iter().enumerate() {
            if c.2 != "week" {
                continue;
            }
            // Windows of at most a week, aligned on Mondays: the window's
            // week is the cell's.
            let start = week_of(c.1);
            assert_eq!(iso(start)[..10], c.3);
            let mut r = vec![(i, -1.0)];
            let mut d = start.max(c.1);
            while d < (start + 7 * DAY).min(c.1 + c.0) {
                if let Some(&j) = id.get(&(short, d, "total".to_string(), "all".to_string())) {
                    r.push((j, 1.0));
                }
                d += DAY;
            }
            rels.push(r);
        }
    }
    for (i, (c, _)) in cells.iter().enumerate() {
        if c.0 == short {
            continue;
        }
        let mut r = vec![(i, -1.0)];
        let mut w = c.1;
        while w < c.1 + c.0 {
            if let Some(&j) = id.get(&(short, w, c.2.clone(), c.3.clone())) {
                r.push((j, 1.0));
            }
            w += short;
        }
        rels.push(r);
    }
    let mut by_cell: Vec<Vec<usize>> = vec![Vec::new(); cells.len()];
    for (r, rel) in rels.iter().enumerate() {
        for &(u, _) in rel {
            by_cell[u].push(r);
        }
    }
    let mut checked = 0;
    let mut recovered = Vec::new();
    for (i, (c, (events, users))) in cells.iter().enumerate() {
        let n = users.len() as u64;
        if known[i].is_some() || n == 0 || n >= K {
            continue;
        }
        checked += 1;
        // The unknown cells connected to this one.
        let mut seen = HashSet::from([i]);
        let mut rs = BTreeSet::new();
        let mut q = VecDeque::from([i]);
        while let Some(v) = q.pop_front() {
            for &r in &by_cell[v] {
                if rs.insert(r) {
                    for &(u, _) in &rels[r] {
                        if known[u].is_none() && seen.insert(u) {
                            q.push_back(u);
                        }
                    }
                }
            }
        }
        let vars: Vec<usize> = seen.into_iter().collect();
        let solve = |dir| {
            let mut p = microlp::Problem::new(dir);
            let x: HashMap<usize, microlp::Variable> = vars
                .iter()
                .map(|&v| {
                    (
                        v,
                        p.add_var(f64::from(u8::from(v == i)), (1.0, f64::INFINITY)),
                    )
                })
                .collect();
            for &r in &rs {
                let mut terms = Vec::new();
                let mut rhs = 0.0;
                for &(u, coef) in &rels[r] {
                    match known[u] {
                        Some(val) => rhs -= coef * val as f64,
                        None => terms.push((x[&u], coef)),
                    }
                }
                p.add_constraint(terms.as_slice(), microlp::ComparisonOp::Eq, rhs);
            }
            match p.solve() {
                Ok(s) => s.solution().unwrap().objective(),
                Err(microlp::Error::Unbounded) => f64::INFINITY,
                Err(e) => panic!("{c:?}: {e}"),
            }
        };
        let hi = solve(microlp::OptimizationDirection::Maximize);
        let lo = solve(microlp::OptimizationDirection::Minimize);
        let need = K.max(events.div_ceil(5)) as f64;
        if hi - lo < need - 1e-6 {
            recovered.push(format!(
                "{c:?}: {events} events of {n} users, attacker's interval {lo}..{hi}"
            ));
        }
    }
    (checked, recovered)
}

/// The course of a cross-tabulated value (`5|quiz`).
fn left(v: &str) -> Option<String> {
    Some(v.rsplit_once('|')?.0.to_string())
}

/// The other part of a cross-tabulated value.
fn right(v: &str) -> Option<String> {
    Some(v.rsplit_once('|')?.1.to_string())
}

/// The Monday 00:00 UTC of the week of `t`.
fn week_of(t: i64) -> i64 {
    t - (t - ORIGIN).rem_euclid(7 * DAY)
}

/// Moodle events: (name, component, crud, edulevel).
const EVENTS: [(&str, &str, &str, &str); 16] = [
    ("\\mod_quiz\\event\\attempt_started", "mod_quiz", "c", "2"),
    ("\\mod_quiz\\event\\attempt_submitted", "mod_quiz", "u", "2"),
    ("\\mod_quiz\\event\\attempt_reviewed", "mod_quiz", "r", "2"),
    ("\\mod_quiz\\event\\report_viewed", "mod_quiz", "r", "1"),
    ("\\mod_forum\\event\\post_created", "mod_forum", "c", "2"),
    (
        "\\mod_forum\\event\\discussion_viewed",
        "mod_forum",
        "r",
        "2",
    ),
    ("\\mod_forum\\event\\post_deleted", "mod_forum", "d", "1"),
    (
        "\\mod_assign\\event\\submission_created",
        "mod_assign",
        "c",
        "2",
    ),
    (
        "\\mod_assign\\event\\grading_table_viewed",
        "mod_assign",
        "r",
        "1",
    ),
    (
        "\\mod_assign\\event\\submission_graded",
        "mod_assign",
        "u",
        "1",
    ),
    ("\\core\\event\\course_viewed", "core", "r", "2"),
    ("\\core\\event\\user_loggedin", "core", "r", "0"),
    ("\\core\\event\\course_updated", "core", "u", "1"),
    (
        "\\mod_page\\event\\course_module_viewed",
        "mod_page",
        "r",
        "2",
    ),
    (
        "\\mod_resource\\event\\course_module_viewed",
        "mod_resource",
        "r",
        "2",
    ),
    ("\\mod_wiki\\event\\page_updated", "mod_wiki", "u", "2"),
];

#[test]
fn one_release_of_a_logstore_export_withstands_subtraction() {
    let mut rng = Rng(14);
    let lens = [7 * DAY];
    let mut truth = Truth::default();
    let mut csv = String::from(
        "id,eventname,component,action,target,objecttable,objectid,crud,edulevel,contextid,contextlevel,contextinstanceid,userid,courseid,relateduserid,anonymous,other,timecreated,origin,ip,realuserid\n",
    );
    for id in 1..=20_000u64 {
        let t = START + rng.below(35 * DAY as u64) as i64;
        let (ev, comp, crud, edu) = EVENTS[rng.skewed(EVENTS.len() as u64) as usize];
        let user = 2 + rng.skewed(300);
        let course = 2 + rng.skewed(25);
        let origin = ["web", "web", "web", "ws", "cli"][rng.below(5) as usize];
        csv += &format!(
            "{id},{ev},{comp},x,y,,,{crud},{edu},1,50,{course},{user},{course},,0,null,{t},{origin},192.0.2.1,\n"
        );
        let (h, wd) = hour_weekday(t);
        let values = [
            ("total", "all".to_string()),
            ("course", course.to_string()),
            (
                "activity",
                comp.strip_prefix("mod_").unwrap_or(comp).to_string(),
            ),
            ("event", ev.to_string()),
            ("crud", crud.to_string()),
            ("edulevel", edu.to_string()),
            ("hour", h),
            ("weekday", wd),
            ("status", "(none)".to_string()),
            ("origin", origin.to_string()),
            ("ua_family", "(none)".to_string()),
            ("device", "(none)".to_string()),
        ];
        truth.add(&lens, t, user, &values);
    }
    let w = Work::new();
    let f = w.write("logstore.csv", csv.as_bytes());
    let out = w.path("out");
    anonlog()
        .args(["stats", "--window", "7d", "--out"])
        .arg(&out)
        .arg(&f)
        .assert()
        .success();
    let parents: HashMap<String, [String; 3]> = EVENTS
        .iter()
        .map(|(e, c, r, l)| {
            (
                e.to_string(),
                [
                    c.strip_prefix("mod_").unwrap_or(c).to_string(),
                    r.to_string(),
                    l.to_string(),
                ],
            )
        })
        .collect();
    let published = std::fs::read_to_string(out.join("stats.csv")).unwrap();
    let (checked, recovered) = attack(&truth, &published, &lens, &parents);
    assert!(
        checked >= 10,
        "the data has small cells to attack: {checked}"
    );
    assert!(recovered.is_empty(), "recovered:\n{}", recovered.join("\n"));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metadata.json")).unwrap()).unwrap();
    assert_eq!(meta["privacy"]["audit"]["unprotected"], 0);
    assert!(
        meta["privacy"]["audit"]["linear_programs"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn windows_of_several_lengths_released_together_withstand_differencing() {
    let mut rng = Rng(2);
    let lens = [DAY, 7 * DAY, 30 * DAY];
    let mut truth = Truth::default();
    let mut log = String::new();
    const PATHS: [(&str, &str, &str); 6] = [
        ("/course/view.php?id=", "", "(none)"),
        ("/mod/forum/view.php?courseid=", "forum", ""),
        ("/mod/quiz/attempt.php?courseid=", "quiz", ""),
        ("/mod/wiki/view.php?courseid=", "wiki", ""),
        ("/user/profile.php?course=", "", ""),
        ("/webservice/rest/server.php?courseid=", "", ""),
    ];
    const MONTHS: [&str; 2] = ["Nov", "Dec"];
    for _ in 0..20_000 {
        let t = START + rng.below(35 * DAY as u64) as i64;
        let user = rng.skewed(250);
        let course = 2 + rng.skewed(12);
        let (path, act, _) = PATHS[rng.skewed(PATHS.len() as u64) as usize];
        let status = [200u16, 200, 200, 303, 404, 500][rng.skewed(6) as usize];
        let day = (t - START) / DAY;
        let (mon, dom) = if day < 29 {
            (MONTHS[0], day + 2)
        } else {
            (MONTHS[1], day - 28)
        };
        let s = t.rem_euclid(DAY);
        log += &format!(
            "192.0.2.7 - u{user} [{dom:02}/{mon}/2026:{:02}:{:02}:{:02} +0000] \"GET {path}{course} HTTP/1.1\" {status} 5 \"-\" \"curl/8.0\"\n",
            s / 3600,
            s / 60 % 60,
            s % 60
        );
        let (h, wd) = hour_weekday(t);
        let origin = if path.starts_with("/webservice/") {
            "ws"
        } else {
            "web"
        };
        let values = [
            ("total", "all".to_string()),
            ("course", course.to_string()),
            (
                "activity",
                if act.is_empty() { "(none)" } else { act }.to_string(),
            ),
            ("event", "(none)".to_string()),
            ("crud", "(none)".to_string()),
            ("edulevel", "(none)".to_string()),
            ("hour", h),
            ("weekday", wd),
            ("status", format!("{}xx", status / 100)),
            ("origin", origin.to_string()),
        ];
        truth.add(&lens, t, user, &values);
    }
    let published = release(
        &log,
        "1d,7d,30d",
        "total,course,activity,event,crud,edulevel,hour,weekday,status,origin",
    );
    let (checked, recovered) = attack(&truth, &published, &lens, &HashMap::new());
    assert!(
        checked >= 10,
        "the data has small cells to attack: {checked}"
    );
    assert!(recovered.is_empty(), "recovered:\n{}", recovered.join("\n"));
}

/// `stats.csv` of an access log released with these windows and
/// dimensions.
fn release(log: &str, windows: &str, dims: &str) -> String {
    let w = Work::new();
    let f = w.write("access.log", log.as_bytes());
    let out = w.path("out");
    anonlog()
        .args(["stats", "--window", windows, "--dimensions", dims, "--out"])
        .arg(&out)
        .arg(&f)
        .assert()
        .success();
    std::fs::read_to_string(out.join("stats.csv")).unwrap()
}

#[test]
fn cross_tabulations_by_course_withstand_their_margins() {
    let mut rng = Rng(19);
    let lens = [DAY, 7 * DAY];
    let mut truth = Truth::default();
    let mut log = String::new();
    const PATHS: [(&str, &str); 4] = [
        ("/course/view.php?id=", "(none)"),
        ("/mod/forum/view.php?courseid=", "forum"),
        ("/mod/quiz/attempt.php?courseid=", "quiz"),
        ("/mod/assign/view.php?courseid=", "assign"),
    ];
    // Small enough for the audit of every cross-tabulation to be quick:
    // two weeks, four courses, three hours of the day.
    for _ in 0..1_500 {
        let day = rng.below(14) as i64;
        let t = START + day * DAY + 3600 * (9 + rng.skewed(3) as i64) + rng.below(3600) as i64;
        let user = rng.skewed(120);
        let course = 2 + rng.skewed(4);
        let (path, act) = PATHS[rng.skewed(PATHS.len() as u64) as usize];
        let s = t.rem_euclid(DAY);
        log += &format!(
            "192.0.2.7 - u{user} [{:02}/Nov/2026:{:02}:{:02}:{:02} +0000] \"GET {path}{course} HTTP/1.1\" 200 5 \"-\" \"-\"\n",
            day + 2,
            s / 3600,
            s / 60 % 60,
            s % 60
        );
        let (h, wd) = hour_weekday(t);
        let week = iso(week_of(t))[..10].to_string();
        let values = [
            ("total", "all".to_string()),
            ("course", course.to_string()),
            ("activity", act.to_string()),
            ("hour", h.clone()),
            ("weekday", wd.clone()),
            ("week", week.clone()),
            ("course_activity", format!("{course}|{act}")),
            ("course_week", format!("{course}|{week}")),
            ("course_hour_of_week", format!("{course}|{wd} {h}")),
        ];
        truth.add(&lens, t, user, &values);
    }
    let published = release(
        &log,
        "1d,7d",
        "total,course,activity,hour,weekday,week,course_activity,course_week,course_hour_of_week",
    );
    for dim in [
        "course_activity",
        "course_week",
        "course_hour_of_week",
        "week",
    ] {
        assert!(
            published.contains(&format!(",{dim},")),
            "{dim} has published rows"
        );
    }
    let (checked, recovered) = attack(&truth, &published, &lens, &HashMap::new());
    assert!(
        checked >= 10,
        "the data has small cells to attack: {checked}"
    );
    assert!(recovered.is_empty(), "recovered:\n{}", recovered.join("\n"));
}
