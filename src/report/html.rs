//! The report page: one HTML file with inline CSS and SVG, no script and
//! no reference to anything outside it (a Content-Security-Policy of
//! `default-src 'none'` says so to the browser too). An overview of the
//! release (windows, inputs, K, ε and δ, suppression) comes first, then one
//! section per group of dimensions, each table drawn as a chart
//! ([`super::svg`]) followed by the table itself.
//!
//! Every row drawn carries `data-key` (window, dimension and value) and
//! every number `data-col` (its column in `stats.csv`): the tests read the
//! page back by these and compare it with the CSV.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::release::{Release, Row};
use super::svg::{self, esc, Bar, Heat};

/// A group of dimensions shown together.
struct Section {
    id: &'static str,
    title: &'static str,
    dims: &'static [(&'static str, &'static str, &'static str)],
}

/// The sections in page order: (dimension, heading, what it counts).
const SECTIONS: &[Section] = &[
    Section {
        id: "time",
        title: "Activity over time",
        dims: &[
            ("total", "All records per window", "Every record of each window: requests, Moodle log rows and BigBlueButton meeting events."),
            ("week", "Records per week", "Records by the Monday (UTC) of their week."),
        ],
    },
    Section {
        id: "courses",
        title: "Courses",
        dims: &[
            ("course", "Courses", "Moodle course ids in URLs and logstore rows; (none) is every record without a course."),
            ("course_activity", "Course × activity type", "Records by course and activity type (course|type)."),
            ("course_week", "Course × week", "Records by course and week (course|Monday)."),
        ],
    },
    Section {
        id: "activities",
        title: "Activities",
        dims: &[("activity", "Activity types", "Moodle module types (/mod/<type>/, the logstore component without mod_).")],
    },
    Section {
        id: "events",
        title: "Events",
        dims: &[
            ("event", "Moodle events", "Logstore event names."),
            ("crud", "Create, read, update, delete", "The logstore crud letter of each event."),
            ("edulevel", "Education level", "The logstore edulevel of each event."),
        ],
    },
    Section {
        id: "hours",
        title: "Hours and weekdays",
        dims: &[
            ("course_hour_of_week", "Hour × weekday per course", "Records by course, weekday and hour (UTC)."),
            ("hour", "Hour of day", "Records by hour of the day, UTC."),
            ("weekday", "Weekday", "Records by weekday, UTC."),
        ],
    },
    Section {
        id: "status",
        title: "Status classes and origins",
        dims: &[
            ("status", "HTTP status classes", "Access-log requests by status class; (none) is every record that is not a request."),
            ("origin", "Origins", "Where Moodle events came from (web, ws, cli, restore); web services for /webservice/ requests."),
        ],
    },
    Section {
        id: "clients",
        title: "Browsers and devices",
        dims: &[
            ("ua_family", "Browser families", "The user agent, reduced to its family."),
            ("device", "Device classes", "The user agent, reduced to its device class."),
        ],
    },
    Section {
        id: "bbb",
        title: "BigBlueButton meetings",
        dims: &[
            ("bbb_meetings", "All meetings", "Meetings held, by their start: meetings, distinct participants, summed participants, minutes and the largest number present at once."),
            ("bbb_meeting_size", "Meetings by size", "Meetings by their number of participants."),
            ("bbb_meeting_duration", "Meetings by duration", "Meetings by their length."),
            ("bbb_course", "Meetings by Moodle course", "Meetings by the course their Moodle activity belongs to; (none) for meetings not made by Moodle."),
        ],
    },
];

/// Dimensions whose values have a natural order: their rows keep the
/// order of `stats.csv`. Others are sorted by events, most first.
const ORDERED: &[&str] = &[
    "total",
    "week",
    "hour",
    "weekday",
    "status",
    "crud",
    "edulevel",
    "bbb_meeting_size",
    "bbb_meeting_duration",
    "course_week",
];

/// At most this many bars per chart (the table lists every row).
const MAX_BARS: usize = 30;
/// At most this many course heatmaps per window (the table lists every row).
const MAX_HEATMAPS: usize = 12;

const CSS: &str = r#"
:root{--ink:#1a1a1a;--muted:#555;--rule:#d0d0d0;--events:#0072B2;--users:#E69F00}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);margin:0;line-height:1.45;background:#fff}
header,main,nav,footer{max-width:1000px;margin:0 auto;padding:0 1.25rem}
header{padding-top:1.5rem}
h1{font-size:1.7rem;margin:.2rem 0}
h2{font-size:1.35rem;border-bottom:2px solid var(--ink);padding-bottom:.2rem;margin-top:2.5rem}
h3{font-size:1.1rem;margin:1.8rem 0 .3rem}
h4{font-size:1rem;margin:1rem 0 .3rem}
p.lead{color:var(--muted);margin:.2rem 0 1rem}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;margin:.5rem 0}
nav a{color:var(--events)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:.9rem;min-width:30rem}
caption{text-align:left;font-weight:600;padding:.2rem 0}
th,td{border-bottom:1px solid var(--rule);padding:.2rem .6rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.sup{text-align:right;color:#333;font-style:italic;background:repeating-linear-gradient(45deg,#fff 0 3px,#dadada 3px 5px)}
figure{margin:.5rem 0}
figcaption{color:var(--muted);font-size:.85rem}
svg.chart{max-width:100%;height:auto;font-size:12px}
svg.chart .head{font-weight:600}
svg.chart .label,svg.chart .num,svg.chart .sup,svg.chart .tick{fill:var(--ink)}
svg.chart .sup{font-style:italic}
svg.chart .cell{font-size:9px}
.key{display:inline-block;width:1em;height:1em;vertical-align:-.15em;margin-right:.3em;border:1px solid #6b6b6b}
.key.events{background:var(--events)}.key.users{background:var(--users)}
.key.sup{background:repeating-linear-gradient(45deg,#fff 0 3px,#6b6b6b 3px 5px)}
details>summary{cursor:pointer;color:var(--events)}
.empty{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:.85rem;margin-top:3rem;padding-bottom:2rem}
@media print{nav{display:none}details{display:block}h2{break-before:auto}figure,table{break-inside:avoid}}
"#;

/// The page for `release`.
pub fn render(release: &Release) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let (from, to) = period(&release.rows);
    let k = release.meta.min_users;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>De-identified statistics {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{}",
        esc(&format!("{from} – {to}")),
        svg::defs()
    );
    let _ = write!(
        out,
        "<header>\n<h1>De-identified statistics</h1>\n<p class=\"lead\">{} to {} (UTC). Every published number describes at least K&nbsp;=&nbsp;{k} distinct users; \
<span class=\"key sup\" aria-hidden=\"true\"></span>hatched cells are suppressed (withheld), not zero.</p>\n</header>\n",
        esc(&from),
        esc(&to)
    );
    out.push_str("<nav aria-label=\"Sections\"><ul><li><a href=\"#overview\">Overview</a></li>");
    for s in SECTIONS {
        let _ = write!(out, "<li><a href=\"#{}\">{}</a></li>", s.id, esc(s.title));
    }
    if !others(release).is_empty() {
        out.push_str("<li><a href=\"#other\">Other tables</a></li>");
    }
    out.push_str("</ul></nav>\n<main>\n");
    overview(&mut out, release);
    for s in SECTIONS {
        section(&mut out, release, s.id, s.title, s.dims);
    }
    let other = others(release);
    if !other.is_empty() {
        let dims: Vec<(&str, &str, &str)> =
            other.iter().map(|d| (d.as_str(), d.as_str(), "")).collect();
        section(&mut out, release, "other", "Other tables", &dims);
    }
    let _ = write!(
        out,
        "</main>\n<footer><p>Made by anonlog {} from stats.csv and metadata.json. The numbers in this page are those of stats.csv; \
rows of dimensions whose values come from the data are listed only when published.</p></footer>\n</body>\n</html>\n",
        esc(&release.meta.anonlog_version)
    );
    out
}

/// The first window start and last window end (dates).
fn period(rows: &[Row]) -> (String, String) {
    let from = rows.iter().map(|r| &r.window_start).min();
    let to = rows.iter().map(|r| &r.window_end).max();
    match (from, to) {
        (Some(f), Some(t)) => (date(f).to_string(), date(t).to_string()),
        _ => ("no data".into(), "no data".into()),
    }
}

fn date(iso: &str) -> &str {
    iso.get(..10).unwrap_or(iso)
}

/// A window length in words.
fn length(secs: u64) -> String {
    let plural = |n: u64, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    if secs.is_multiple_of(86_400) {
        plural(secs / 86_400, "day")
    } else if secs.is_multiple_of(3600) {
        plural(secs / 3600, "hour")
    } else {
        plural(secs, "second")
    }
}

/// Dimensions of the release that no section names, in file order.
fn others(release: &Release) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in &release.rows {
        let known = SECTIONS
            .iter()
            .any(|s| s.dims.iter().any(|d| d.0 == r.dimension));
        if !known && !v.contains(&r.dimension) {
            v.push(r.dimension.clone());
        }
    }
    v
}

fn overview(out: &mut String, release: &Release) {
    facts(out, release);
    cells(out, release);
    inputs(out, release);
    out.push_str("</section>\n");
}

/// The overview's facts: period, windows, K, ε and δ.
fn facts(out: &mut String, release: &Release) {
    let m = &release.meta;
    out.push_str("<section id=\"overview\" aria-labelledby=\"overview-h\">\n<h2 id=\"overview-h\">Overview</h2>\n<dl class=\"facts\">\n");
    let mut lens: BTreeMap<u64, usize> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for r in &release.rows {
        if seen.insert((r.window_len, &r.window_start)) {
            *lens.entry(r.window_len).or_default() += 1;
        }
    }
    for l in &m.window_lengths_seconds {
        lens.entry(*l).or_default();
    }
    let windows: Vec<String> = lens
        .iter()
        .map(|(l, n)| format!("{} ({n} in the release)", length(*l)))
        .collect();
    let (from, to) = period(&release.rows);
    let dl = |out: &mut String, t: &str, d: &str| {
        let _ = writeln!(out, "<dt>{}</dt><dd>{d}</dd>", esc(t));
    };
    dl(out, "Period", &esc(&format!("{from} to {to}")));
    dl(out, "Windows", &esc(&windows.join(", ")));
    if !m.window_alignment.is_empty() {
        dl(
            out,
            "Alignment",
            &esc(&format!("{}; times in {}", m.window_alignment, m.time_zone)),
        );
    }
    dl(
        out,
        "K",
        &format!(
            "<span data-meta=\"min_users\">{}</span>: no published cell describes fewer than K distinct users",
            m.min_users
        ),
    );
    match (m.epsilon, m.delta) {
        (Some(e), d) => dl(
            out,
            "ε and δ",
            &format!(
                "ε&nbsp;=&nbsp;<span data-meta=\"epsilon\">{e}</span>, δ&nbsp;=&nbsp;<span data-meta=\"delta\">{}</span> for the whole release, the unit being one user: the numbers are noisy",
                d.map_or("none".to_string(), |d| d.to_string())
            ),
        ),
        _ => dl(
            out,
            "ε and δ",
            "none: no differential-privacy noise; small cells are suppressed and the release is audited so that none can be recovered",
        ),
    }
    out.push_str("</dl>\n");
}

/// The overview's cell counts: how many were suppressed and why.
fn cells(out: &mut String, release: &Release) {
    let m = &release.meta;
    let p = &m.privacy;
    let sup = release.rows.iter().filter(|r| r.suppressed).count();
    out.push_str("<table class=\"cells\">\n<caption>Cells and why they were suppressed</caption>\n<thead><tr><th scope=\"col\">cells</th><th scope=\"col\" class=\"num\">number</th></tr></thead>\n<tbody>\n");
    let tr = |out: &mut String, what: &str, key: &str, n: u64| {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td class=\"num\" data-meta=\"{key}\">{n}</td></tr>",
            esc(what)
        );
    };
    tr(out, "tables (window × dimension)", "tables", p.tables);
    tr(out, "cells with data", "cells", p.cells);
    tr(out, "cells published", "published", p.published);
    tr(
        out,
        &format!("suppressed: fewer than K = {} users", m.min_users),
        "suppressed_primary",
        p.suppressed_primary,
    );
    tr(
        out,
        "suppressed so that no suppressed cell can be recovered",
        "suppressed_complementary",
        p.suppressed_complementary,
    );
    if let Some(a) = &p.audit {
        tr(
            out,
            "… of these, suppressed by the disclosure audit",
            "suppressed_by_audit",
            a.suppressed_by_audit,
        );
        tr(
            out,
            "small cells the audit checked",
            "sensitive_cells",
            a.sensitive_cells,
        );
    }
    tr(
        out,
        "public values without data, published as 0",
        "zero_rows",
        p.zero_rows,
    );
    tr(out, "rows in stats.csv", "rows", release.rows.len() as u64);
    tr(
        out,
        "rows in stats.csv marked suppressed",
        "suppressed_rows",
        sup as u64,
    );
    out.push_str("</tbody>\n</table>\n<p>Suppressed cells of dimensions whose values are public (hours, weekdays, status classes, meeting sizes …) are listed as suppressed; those of dimensions whose values come from the data (courses, activities, events, browsers …) are left out, since listing them would tell which exist.</p>\n");
    if let Some(dp) = &p.differential_privacy {
        let _ = writeln!(
            out,
            "<p>The budget is split over {} tables (ε {} each); Laplace noise of scale {} is added to users and {} to events; a value from the data is published when its noisy users count reaches {}.</p>",
            dp.tables,
            fmt_f(dp.epsilon_per_table),
            fmt_f(dp.users_noise_scale),
            fmt_f(dp.events_noise_scale),
            fmt_f(dp.selection_threshold)
        );
    }
}

/// The overview's inputs, and what the release does not protect.
fn inputs(out: &mut String, release: &Release) {
    let m = &release.meta;
    out.push_str("<table class=\"inputs\">\n<caption>Inputs</caption>\n<thead><tr><th scope=\"col\">input</th><th scope=\"col\">format</th><th scope=\"col\" class=\"num\">records</th><th scope=\"col\" class=\"num\">skipped</th><th scope=\"col\" class=\"num\">naming a user</th></tr></thead>\n<tbody>\n");
    for i in &m.inputs {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&i.input),
            esc(&i.format),
            i.records,
            i.skipped,
            i.identified
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if !m.not_protected.is_empty() {
        let _ = writeln!(
            out,
            "<p><strong>Not protected:</strong> {}</p>",
            esc(&m.not_protected)
        );
    }
}

/// Short text of a float (noise scales, ε per table).
fn fmt_f(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// The rows of one dimension: window length → window start → rows.
type ByWindow<'a> = BTreeMap<u64, BTreeMap<&'a str, Vec<&'a Row>>>;

fn by_window<'a>(release: &'a Release, dim: &str) -> ByWindow<'a> {
    let mut m: ByWindow = BTreeMap::new();
    for r in release.rows.iter().filter(|r| r.dimension == dim) {
        m.entry(r.window_len)
            .or_default()
            .entry(r.window_start.as_str())
            .or_default()
            .push(r);
    }
    m
}

fn key(r: &Row) -> String {
    format!(
        "{}|{}|{}|{}",
        r.window_start, r.window_end, r.dimension, r.value
    )
}

fn is_meeting(dim: &str) -> bool {
    dim.starts_with("bbb_")
}

/// The label of a value (the value itself, explained for coded ones).
fn label(dim: &str, value: &str) -> String {
    let extra = match (dim, value) {
        ("crud", "c") => "create",
        ("crud", "r") => "read",
        ("crud", "u") => "update",
        ("crud", "d") => "delete",
        ("edulevel", "0") => "other",
        ("edulevel", "1") => "teaching",
        ("edulevel", "2") => "participating",
        _ => "",
    };
    if extra.is_empty() {
        value.to_string()
    } else {
        format!("{value} ({extra})")
    }
}

fn section(
    out: &mut String,
    release: &Release,
    id: &str,
    title: &str,
    dims: &[(&str, &str, &str)],
) {
    let _ = writeln!(
        out,
        "<section id=\"{id}\" aria-labelledby=\"{id}-h\">\n<h2 id=\"{id}-h\">{}</h2>",
        esc(title)
    );
    let mut any = false;
    for &(dim, heading, what) in dims {
        let w = by_window(release, dim);
        if w.is_empty() {
            continue;
        }
        any = true;
        let _ = writeln!(
            out,
            "<h3 id=\"dim-{}\">{} <small>(<code>{}</code>)</small></h3>",
            esc(dim),
            esc(heading),
            esc(dim)
        );
        if !what.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", esc(what));
        }
        if dim == "total" {
            total(out, &w);
        } else {
            dimension(out, dim, heading, &w);
        }
    }
    if !any {
        out.push_str("<p class=\"empty\">Not in this release: no records of this kind, or these dimensions were not asked for (<code>--dimensions</code>).</p>\n");
    }
    out.push_str("</section>\n");
}

/// The totals: per window length one chart of every window.
fn total(out: &mut String, w: &ByWindow) {
    for (len, windows) in w {
        let rows: Vec<&Row> = windows.values().flatten().copied().collect();
        let title = format!("Records and users per window of {}", length(*len));
        let id = format!("c-total-{len}");
        let bars: Vec<Bar> = rows
            .iter()
            .map(|r| Bar {
                key: key(r),
                label: format!("{} – {}", date(&r.window_start), date(&r.window_end)),
                left: r.events,
                right: r.users,
                suppressed: r.suppressed,
            })
            .collect();
        let desc = describe(&rows, "windows", "events", "users");
        let _ = writeln!(out, "<h4>Windows of {}</h4>", esc(&length(*len)));
        figure(
            out,
            &svg::bars(
                &id,
                &title,
                &desc,
                ("Events", "events"),
                ("Users", "users"),
                &bars,
            ),
            &title,
        );
        table(out, &title, "window", "total", &rows, |r| {
            format!("{} – {}", date(&r.window_start), date(&r.window_end))
        });
    }
}

/// One dimension: per window length and window, a chart and its table;
/// all but each length's last window folded away.
fn dimension(out: &mut String, dim: &str, heading: &str, w: &ByWindow) {
    for (len, windows) in w {
        let n = windows.len();
        for (i, (start, rows)) in windows.iter().enumerate() {
            let end = rows.first().map_or("", |r| r.window_end.as_str());
            let when = format!("{} – {}", date(start), date(end));
            let title = format!("{heading}, {when} ({} window)", length(*len));
            let mut rows = rows.clone();
            if !ORDERED.contains(&dim) {
                rows.sort_by(|a, b| {
                    a.suppressed
                        .cmp(&b.suppressed)
                        .then(b.events.cmp(&a.events))
                        .then(a.value.cmp(&b.value))
                });
            }
            let folded = n > 1 && i + 1 < n;
            if folded {
                let _ = writeln!(out, "<details><summary>{}</summary>", esc(&title));
            } else {
                let _ = writeln!(out, "<h4>{}</h4>", esc(&when));
            }
            let id = format!("c-{dim}-{len}-{i}");
            if dim == "course_hour_of_week" {
                heatmaps(out, &id, &title, &rows);
            } else {
                let (l, r) = if is_meeting(dim) {
                    (("Meetings", "events"), ("Distinct participants", "users"))
                } else {
                    (("Events", "events"), ("Users", "users"))
                };
                let shown = &rows[..rows.len().min(MAX_BARS)];
                let bars: Vec<Bar> = shown
                    .iter()
                    .map(|r| Bar {
                        key: key(r),
                        label: label(dim, &r.value),
                        left: r.events,
                        right: r.users,
                        suppressed: r.suppressed,
                    })
                    .collect();
                let mut desc = describe(&rows, "values", l.0, r.0);
                if shown.len() < rows.len() {
                    let _ = write!(
                        desc,
                        " The chart shows the {} first; the table lists all {}.",
                        shown.len(),
                        rows.len()
                    );
                }
                figure(out, &svg::bars(&id, &title, &desc, l, r, &bars), &desc);
            }
            table(out, &title, "value", dim, &rows, |r| label(dim, &r.value));
            if folded {
                out.push_str("</details>\n");
            }
        }
    }
}

/// The text alternative of a chart of `rows`.
fn describe(rows: &[&Row], what: &str, left: &str, right: &str) -> String {
    let sup = rows.iter().filter(|r| r.suppressed).count();
    let n = rows.len();
    let what = if n == 1 {
        what.trim_end_matches('s')
    } else {
        what
    };
    let mut s = format!(
        "Bar chart of {n} {what}: {} on the left, {} on the right, each on its own scale",
        left.to_lowercase(),
        right.to_lowercase()
    );
    if sup > 0 {
        let _ = write!(s, "; {sup} suppressed, drawn hatched");
    }
    s.push_str(". The table below gives every number.");
    s
}

fn figure(out: &mut String, svg: &str, caption: &str) {
    let _ = writeln!(
        out,
        "<figure><figcaption>{}</figcaption>{svg}</figure>",
        esc(caption)
    );
}

/// Heatmaps of `course|Day HH` rows, one per course (those with most
/// events first).
fn heatmaps(out: &mut String, id: &str, title: &str, rows: &[&Row]) {
    let mut courses: Vec<(&str, u64)> = Vec::new();
    let mut cells: BTreeMap<&str, Vec<Heat>> = BTreeMap::new();
    for r in rows {
        let Some((course, when)) = r.value.rsplit_once('|') else {
            continue;
        };
        let Some((day, hour)) = when.split_once(' ') else {
            continue;
        };
        let Some(day) = svg::WEEKDAYS.iter().position(|d| *d == day) else {
            continue;
        };
        let Ok(hour) = hour.parse::<usize>() else {
            continue;
        };
        match courses.iter_mut().find(|c| c.0 == course) {
            Some(c) => c.1 += r.events.unwrap_or(0),
            None => courses.push((course, r.events.unwrap_or(0))),
        }
        cells.entry(course).or_default().push(Heat {
            key: key(r),
            day,
            hour,
            value: r.events,
            suppressed: r.suppressed,
        });
    }
    courses.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (i, (course, _)) in courses.iter().take(MAX_HEATMAPS).enumerate() {
        let c = &cells[course];
        let sup = c.iter().filter(|h| h.suppressed).count();
        let t = format!("Events by weekday and hour (UTC), course {course}: {title}");
        let desc = format!(
            "Heatmap of {} published hours of course {course}, darker for more events; {sup} suppressed, drawn hatched; grey hours are not in the release. The table below gives every number.",
            c.len() - sup
        );
        figure(
            out,
            &svg::heatmap(&format!("{id}-{i}"), &t, &desc, "events", c),
            &t,
        );
    }
    if courses.len() > MAX_HEATMAPS {
        let _ = writeln!(
            out,
            "<p>Heatmaps of the {MAX_HEATMAPS} courses with most published events; the table lists all {}.</p>",
            courses.len()
        );
    }
}

/// The table of `rows` (`first`: the first column's heading and text).
fn table(
    out: &mut String,
    caption: &str,
    first: &str,
    dim: &str,
    rows: &[&Row],
    text: impl Fn(&Row) -> String,
) {
    let meeting = is_meeting(dim);
    let cols: &[(&str, &str)] = if meeting {
        &[
            ("events", "meetings"),
            ("users", "distinct participants"),
            ("participants", "participants"),
            ("minutes", "minutes"),
            ("peak_concurrency", "peak concurrency"),
        ]
    } else {
        &[("events", "events"), ("users", "users")]
    };
    let _ = write!(
        out,
        "<table>\n<caption>Table: {}</caption>\n<thead><tr><th scope=\"col\">{}</th>",
        esc(caption),
        esc(first)
    );
    for (_, h) in cols {
        let _ = write!(out, "<th scope=\"col\" class=\"num\">{}</th>", esc(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        let _ = write!(
            out,
            "<tr data-key=\"{}\"{}><th scope=\"row\">{}</th>",
            esc(&key(r)),
            if r.suppressed {
                " class=\"suppressed\""
            } else {
                ""
            },
            esc(&text(r))
        );
        let measures = r.measures();
        for (c, _) in cols {
            if r.suppressed {
                let _ = write!(out, "<td class=\"sup\" data-col=\"{c}\">suppressed</td>");
                continue;
            }
            let v = measures.iter().find(|m| m.0 == *c).and_then(|m| m.1);
            match v {
                Some(v) => {
                    let _ = write!(out, "<td class=\"num\" data-col=\"{c}\">{v}</td>");
                }
                None => {
                    let _ = write!(out, "<td class=\"num\" data-col=\"{c}\">–</td>");
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::release::parse_csv;

    fn release(csv: &str) -> Release {
        let head = "window_start,window_end,dimension,value,events,users,participants,minutes,peak_concurrency,suppressed\n";
        Release {
            rows: parse_csv(format!("{head}{csv}").as_bytes(), "s.csv").unwrap(),
            meta: Default::default(),
        }
    }

    #[test]
    fn values_from_the_csv_are_escaped() {
        let r = release(
            "2026-03-30T00:00:00Z,2026-04-06T00:00:00Z,ua_family,\"<img src=x onerror=alert(1)>\",9,7,,,,false\n",
        );
        let page = render(&r);
        assert!(!page.contains("<img"), "{page}");
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }

    #[test]
    fn a_suppressed_row_is_marked_in_chart_and_table() {
        let r = release(
            "2026-03-30T00:00:00Z,2026-04-06T00:00:00Z,hour,08,,,,,,true\n\
             2026-03-30T00:00:00Z,2026-04-06T00:00:00Z,hour,09,12,6,,,,false\n",
        );
        let page = render(&r);
        let k = "data-key=\"2026-03-30T00:00:00Z|2026-04-06T00:00:00Z|hour|08\"";
        assert_eq!(page.matches(k).count(), 2, "one bar, one table row");
        assert!(page.contains("<td class=\"sup\" data-col=\"events\">suppressed</td>"));
        assert!(page.contains("<td class=\"num\" data-col=\"events\">12</td>"));
    }

    #[test]
    fn course_hours_are_heatmaps_with_suppressed_cells_hatched() {
        let r = release(
            "2026-03-30T00:00:00Z,2026-04-06T00:00:00Z,course_hour_of_week,5|Mon 08,14,6,,,,false\n\
             2026-03-30T00:00:00Z,2026-04-06T00:00:00Z,course_hour_of_week,5|Tue 09,,,,,,true\n",
        );
        let page = render(&r);
        let k = |v: &str| {
            format!("<g data-key=\"2026-03-30T00:00:00Z|2026-04-06T00:00:00Z|course_hour_of_week|{v}\"><title>")
        };
        assert!(
            page.contains(&format!("{}Mon 08:00 14</title>", k("5|Mon 08"))),
            "{page}"
        );
        assert!(page.contains(&format!("{}Tue 09:00 suppressed</title>", k("5|Tue 09"))));
        assert!(page.contains("data-col=\"events\">14</text>"));
        assert_eq!(
            page.matches("<svg class=\"chart\"").count(),
            1,
            "one course, one heatmap"
        );
    }

    #[test]
    fn the_overview_states_epsilon_and_delta() {
        let mut r = release("2026-03-30T00:00:00Z,2026-04-06T00:00:00Z,total,all,40,12,,,,false\n");
        r.meta.epsilon = Some(1.0);
        r.meta.delta = Some(1e-6);
        r.meta.min_users = 5;
        let page = render(&r);
        assert!(page.contains("ε&nbsp;=&nbsp;<span data-meta=\"epsilon\">1</span>, δ&nbsp;=&nbsp;<span data-meta=\"delta\">0.000001</span>"), "{page}");
        r.meta.epsilon = None;
        assert!(render(&r).contains("none: no differential-privacy noise"));
    }

    #[test]
    fn window_lengths_in_words() {
        assert_eq!(length(86_400), "1 day");
        assert_eq!(length(7 * 86_400), "7 days");
        assert_eq!(length(7200), "2 hours");
        assert_eq!(fmt_f(0.012_500), "0.0125");
        assert_eq!(fmt_f(2.0), "2");
    }
}
