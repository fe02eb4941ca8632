//! A release read back: the typed rows of `stats.csv` and the parts of
//! `metadata.json` the report shows, with errors that name the file, line
//! and field. A suppressed row keeps no count, whatever the file holds.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, ErrorKind};

/// One row of `stats.csv`, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Window start (ISO 8601, UTC).
    pub window_start: String,
    /// Window end, exclusive.
    pub window_end: String,
    /// Window length in seconds (end − start).
    pub window_len: u64,
    /// Dimension name (`course`, `hour`, ...).
    pub dimension: String,
    /// Value within the dimension.
    pub value: String,
    /// Events; `None` when empty or suppressed.
    pub events: Option<u64>,
    /// Distinct users; `None` when empty or suppressed.
    pub users: Option<u64>,
    /// Summed meeting participants (meeting dimensions).
    pub participants: Option<u64>,
    /// Meeting minutes (meeting dimensions).
    pub minutes: Option<u64>,
    /// Largest number of participants at once (meeting dimensions).
    pub peak_concurrency: Option<u64>,
    /// The cell is withheld: every count above is `None`.
    pub suppressed: bool,
}

impl Row {
    /// The measures, by column name, in column order.
    pub fn measures(&self) -> [(&'static str, Option<u64>); 5] {
        [
            ("events", self.events),
            ("users", self.users),
            ("participants", self.participants),
            ("minutes", self.minutes),
            ("peak_concurrency", self.peak_concurrency),
        ]
    }
}

/// An input of the release, as `metadata.json` lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Input {
    /// The input's name.
    pub input: String,
    /// Its format.
    pub format: String,
    /// Records counted.
    pub records: u64,
    /// Records left out.
    pub skipped: u64,
    /// Records that name a user.
    pub identified: u64,
}

/// The audit's figures (`privacy.audit`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Audit {
    /// Sensitive cells checked.
    pub sensitive_cells: u64,
    /// Cells the audit suppressed in addition.
    pub suppressed_by_audit: u64,
    /// Sensitive cells left unprotected (zero in a written release).
    pub unprotected: u64,
    /// Linear programs solved.
    pub linear_programs: u64,
}

/// The differential-privacy figures (`privacy.differential_privacy`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Dp {
    /// Tables the budget is split over.
    pub tables: u64,
    /// ε of each table.
    pub epsilon_per_table: f64,
    /// Laplace scale of the users counts.
    pub users_noise_scale: f64,
    /// Laplace scale of the events counts.
    pub events_noise_scale: f64,
    /// Threshold of partition selection.
    pub selection_threshold: f64,
}

/// What was decided (`privacy`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Privacy {
    /// Tables.
    pub tables: u64,
    /// Cells with data.
    pub cells: u64,
    /// Cells published.
    pub published: u64,
    /// Cells with fewer than K users.
    pub suppressed_primary: u64,
    /// Cells suppressed so that no suppressed cell can be recovered.
    pub suppressed_complementary: u64,
    /// Public-domain values without data, published as zero.
    pub zero_rows: u64,
    /// The audit (without ε).
    pub audit: Option<Audit>,
    /// The guarantee (with ε).
    pub differential_privacy: Option<Dp>,
}

/// The parts of `metadata.json` the report shows.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Metadata {
    /// The version of anonlog that made the release.
    pub anonlog_version: String,
    /// Window lengths in seconds, shortest first.
    pub window_lengths_seconds: Vec<u64>,
    /// How windows are aligned.
    pub window_alignment: String,
    /// Time zone of all times.
    pub time_zone: String,
    /// K.
    pub min_users: u64,
    /// ε, when the release is differentially private.
    pub epsilon: Option<f64>,
    /// δ, with ε.
    pub delta: Option<f64>,
    /// The inputs.
    pub inputs: Vec<Input>,
    /// The decision in numbers.
    pub privacy: Privacy,
    /// What the release does not protect against.
    pub not_protected: String,
}

/// A release read back: its rows in file order, and its metadata.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Release {
    /// The rows of `stats.csv`.
    pub rows: Vec<Row>,
    /// `metadata.json`.
    pub meta: Metadata,
}

/// The columns `stats.csv` must have, in order.
pub const COLUMNS: [&str; 10] = crate::stats::COLUMNS;

/// Reads `dir/stats.csv` and `dir/metadata.json`.
pub fn read_dir(dir: &Path) -> Result<Release, Error> {
    let read = |name: &str| {
        let p = dir.join(name);
        std::fs::read(&p)
            .map_err(|e| Error::io(&format!("cannot read {}", p.display()), &e))
            .map(|b| (p, b))
    };
    let (csv_path, csv) = read("stats.csv")?;
    let (meta_path, meta) = read("metadata.json")?;
    Ok(Release {
        rows: parse_csv(&csv, &csv_path.display().to_string())?,
        meta: parse_metadata(&meta, &meta_path.display().to_string())?,
    })
}

/// Parses `metadata.json` (`name`: for errors).
pub fn parse_metadata(bytes: &[u8], name: &str) -> Result<Metadata, Error> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::new(
            ErrorKind::Input,
            format!(
                "{name}:{}:{}: not the metadata.json of anonlog stats: {e}",
                e.line(),
                e.column()
            ),
        )
    })
}

/// Parses `stats.csv` (`name`: for errors, which give the line and field).
/// The header must be [`COLUMNS`]; a suppressed row keeps no count.
pub fn parse_csv(bytes: &[u8], name: &str) -> Result<Vec<Row>, Error> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(bytes);
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    let mut first = true;
    loop {
        match r.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                return Err(Error::new(
                    ErrorKind::Input,
                    format!("{name}:{line}: not a CSV row of anonlog stats: {e}"),
                ));
            }
        }
        let line = rec.position().map_or(0, csv::Position::line);
        if first {
            first = false;
            if rec.iter().ne(COLUMNS) {
                return Err(Error::new(
                    ErrorKind::Input,
                    format!(
                        "{name}:{line}: the header is not {}: not the stats.csv of anonlog stats",
                        COLUMNS.join(",")
                    ),
                ));
            }
            continue;
        }
        rows.push(parse_row(&rec, name, line)?);
    }
    if first {
        return Err(Error::new(
            ErrorKind::Input,
            format!("{name}:1: empty: not the stats.csv of anonlog stats"),
        ));
    }
    Ok(rows)
}

/// One data row of `stats.csv` (`name`, `line`: for errors).
fn parse_row(rec: &csv::StringRecord, name: &str, line: u64) -> Result<Row, Error> {
    let bad = |field: &str, why: String| {
        Error::new(
            ErrorKind::Input,
            format!("{name}:{line}: field {field}: {why}"),
        )
    };
    let f = |i: usize| rec.get(i).unwrap_or_default();
    let start =
        parse_time(f(0)).ok_or_else(|| bad(COLUMNS[0], format!("{:?} is not a UTC time", f(0))))?;
    let end =
        parse_time(f(1)).ok_or_else(|| bad(COLUMNS[1], format!("{:?} is not a UTC time", f(1))))?;
    if end <= start {
        return Err(bad(COLUMNS[1], "ends before it starts".into()));
    }
    let mut n = [None; 5];
    for (i, slot) in n.iter_mut().enumerate() {
        let s = f(4 + i);
        if !s.is_empty() {
            *slot = Some(
                s.parse::<u64>()
                    .map_err(|_| bad(COLUMNS[4 + i], format!("{s:?} is not a count")))?,
            );
        }
    }
    let suppressed = match f(9) {
        "true" => true,
        "false" => false,
        s => return Err(bad(COLUMNS[9], format!("{s:?} is not true or false"))),
    };
    if suppressed {
        // Fail closed: whatever a suppressed row holds is not shown.
        n = [None; 5];
    }
    if f(2).is_empty() {
        return Err(bad(COLUMNS[2], "empty".into()));
    }
    Ok(Row {
        window_start: f(0).to_string(),
        window_end: f(1).to_string(),
        window_len: (end - start) as u64,
        dimension: f(2).to_string(),
        value: f(3).to_string(),
        events: n[0],
        users: n[1],
        participants: n[2],
        minutes: n[3],
        peak_concurrency: n[4],
        suppressed,
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` in Unix seconds.
fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hh, mm, ss) = (n(11..13)?, n(14..16)?, n(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let days = crate::time::days_from_civil(y, m as u32, d as u32);
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// The `window=` partition name of a window (`--partition`): its start and
/// length, `2026-03-30_7d` (a start that is not midnight is written
/// `2026-03-30T060000Z`; a length that is not whole days, in hours or
/// seconds: `6h`, `90s`). It needs no escaping in a path or URL.
pub fn window_partition(start: &str, end: &str) -> String {
    let len = match (parse_time(start), parse_time(end)) {
        (Some(a), Some(b)) if b > a => (b - a) as u64,
        _ => 0,
    };
    let when = if start.ends_with("T00:00:00Z") {
        start[..10].to_string()
    } else {
        start.replace(':', "")
    };
    let len = if len.is_multiple_of(86_400) {
        format!("{}d", len / 86_400)
    } else if len.is_multiple_of(3600) {
        format!("{}h", len / 3600)
    } else {
        format!("{len}s")
    };
    format!("{when}_{len}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "window_start,window_end,dimension,value,events,users,participants,minutes,peak_concurrency,suppressed\n";

    #[test]
    fn rows_are_typed_and_suppressed_rows_keep_nothing() {
        let csv = format!(
            "{HEAD}2026-03-30T00:00:00Z,2026-04-06T00:00:00Z,course,5,12,6,,,,false\n\
             2026-03-30T00:00:00Z,2026-04-06T00:00:00Z,hour,08,3,2,,,,true\n"
        );
        let rows = parse_csv(csv.as_bytes(), "s.csv").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].window_len, 7 * 86_400);
        assert_eq!((rows[0].events, rows[0].users), (Some(12), Some(6)));
        assert_eq!((rows[1].events, rows[1].users), (None, None));
        assert!(rows[1].suppressed);
    }

    #[test]
    fn window_partition_names() {
        let w = window_partition;
        assert_eq!(
            w("2026-03-30T00:00:00Z", "2026-04-06T00:00:00Z"),
            "2026-03-30_7d"
        );
        assert_eq!(
            w("2026-03-30T06:00:00Z", "2026-03-30T12:00:00Z"),
            "2026-03-30T060000Z_6h"
        );
        assert_eq!(
            w("2026-03-30T00:00:00Z", "2026-03-30T00:01:30Z"),
            "2026-03-30_90s"
        );
    }

    #[test]
    fn errors_name_the_file_line_and_field() {
        let rows: &[(&str, &str)] = &[
            (
                "2026-03-30,2026-04-06T00:00:00Z,course,5,1,1,,,,false\n",
                "s.csv:2: field window_start",
            ),
            (
                "2026-03-30T00:00:00Z,2026-04-06T00:00:00Z,course,5,x,1,,,,false\n",
                "s.csv:2: field events",
            ),
            (
                "2026-03-30T00:00:00Z,2026-04-06T00:00:00Z,course,5,1,1,,,,yes\n",
                "s.csv:2: field suppressed",
            ),
            (
                "2026-03-30T00:00:00Z,2026-03-30T00:00:00Z,course,5,1,1,,,,false\n",
                "s.csv:2: field window_end",
            ),
            (
                "2026-03-30T00:00:00Z,2026-04-06T00:00:00Z,course\n",
                "s.csv:2:",
            ),
        ];
        for (row, want) in rows {
            let e = parse_csv(format!("{HEAD}{row}").as_bytes(), "s.csv").unwrap_err();
            assert!(e.message().starts_with(want), "{row}: {}", e.message());
        }
        let e = parse_csv(b"a,b\n", "s.csv").unwrap_err();
        assert!(
            e.message().starts_with("s.csv:1: the header"),
            "{}",
            e.message()
        );
        let e = parse_metadata(b"{\n \"min_users\": \"x\"}", "m.json").unwrap_err();
        assert!(e.message().starts_with("m.json:2:"), "{}", e.message());
    }
}
