//! Time as anonlog handles it outside the log grammars: the wall clock, file
//! times, the proleptic Gregorian calendar (day numbers, civil dates, ISO
//! weeks), ISO 8601 date-times as text, durations (`30d`, `6mo`) and the
//! times given on command lines (`@UNIX`, `2026-11-25`, `30d` back from now).
//!
//! Everything here works on Unix seconds in UTC and allocates only to format
//! text. The bracketed CLF time of access logs is log grammar and lives with
//! the parsers ([`crate::format::combinator`]); they call
//! [`iso8601_prefix`] and [`days_from_civil`] from here.

use crate::error::{Error, ErrorKind};

/// Seconds in a day.
pub const DAY: u64 = 86_400;

/// Seconds since 1970-01-01 00:00 UTC, now.
pub fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The modification time of a file, in Unix seconds.
pub fn mtime(meta: &std::fs::Metadata) -> i64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.mtime()
    }
    #[cfg(not(unix))]
    {
        match meta
            .modified()
            .map(|t| t.duration_since(std::time::UNIX_EPOCH))
        {
            Ok(Ok(d)) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Ok(Err(e)) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
            Err(_) => 0,
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date (year, month, day) of a day number since
/// 1970-01-01; the inverse of [`days_from_civil`] (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// ISO weekday of a day number (days since 1970-01-01): 1 (Monday) to 7
/// (Sunday); 1970-01-01 was a Thursday.
pub fn iso_weekday(days: i64) -> u32 {
    ((days + 3).rem_euclid(7) + 1) as u32
}

/// The day number of the Monday of ISO week 1 of `iso_year` (the week that
/// holds 4 January).
pub fn iso_week1_monday(iso_year: i64) -> i64 {
    let jan4 = days_from_civil(iso_year, 1, 4);
    jan4 - i64::from(iso_weekday(jan4) - 1)
}

/// The UTC calendar fields of a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// The year.
    pub year: i64,
    /// The month, 1–12.
    pub month: u32,
    /// The day of the month, 1–31.
    pub day: u32,
    /// The hour, 0–23.
    pub hour: u32,
    /// The minute, 0–59.
    pub minute: u32,
    /// The day of the year, 1–366.
    pub yday: u32,
    /// The ISO 8601 week-based year.
    pub iso_year: i64,
    /// The ISO 8601 week, 1–53.
    pub iso_week: u32,
    /// The ISO weekday, 1 (Monday) – 7 (Sunday).
    pub iso_wday: u32,
}

/// The calendar fields of Unix time `t`, in UTC.
pub fn civil(t: i64) -> Civil {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let iso_wday = iso_weekday(days);
    // The ISO week, and its year, are those of the week's Thursday.
    let thursday = days - i64::from(iso_wday) + 4;
    let (iso_year, _, _) = civil_from_days(thursday);
    Civil {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs % 3600 / 60) as u32,
        yday: (days - days_from_civil(year, 1, 1) + 1) as u32,
        iso_year,
        iso_week: ((thursday - days_from_civil(iso_year, 1, 1)) / 7 + 1) as u32,
        iso_wday,
    }
}

/// `2026-11-25T10:00:00Z` for Unix seconds `t`.
pub fn iso(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// An ISO 8601 (or logback) date-time at the start of `s`: its value in Unix
/// seconds and its length in bytes.
///
/// ```text
/// YYYY-MM-DD[T ]HH:MM:SS[.frac|,frac][Z|±hh:mm|±hhmm]
/// YYYY/MM/DD HH:MM:SS                      (nginx's error log)
/// ```
///
/// A time without a zone counts as UTC.
pub fn iso8601_prefix(s: &[u8]) -> Option<(i64, usize)> {
    let d = |i: usize, n: usize| -> Option<i64> {
        let b = s.get(i..i + n)?;
        b.iter().try_fold(0i64, |a, &c| {
            c.is_ascii_digit().then(|| a * 10 + i64::from(c - b'0'))
        })
    };
    let sep = *s.get(4)?;
    if !(sep == b'-' || sep == b'/') || s.get(7) != Some(&sep) {
        return None;
    }
    if !matches!(s.get(10), Some(b'T' | b' '))
        || s.get(13) != Some(&b':')
        || s.get(16) != Some(&b':')
    {
        return None;
    }
    let (y, mo, da, h, mi, se) = (
        d(0, 4)?,
        d(5, 2)?,
        d(8, 2)?,
        d(11, 2)?,
        d(14, 2)?,
        d(17, 2)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 19;
    if matches!(s.get(i), Some(b'.' | b',')) {
        i += 1;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let off = match s.get(i) {
        Some(&c @ (b'+' | b'-')) => {
            let oh = d(i + 1, 2)?;
            let (om, len) = if s.get(i + 3) == Some(&b':') {
                (d(i + 4, 2)?, 6)
            } else {
                (d(i + 3, 2)?, 5)
            };
            i += len;
            let o = oh * 3600 + om * 60;
            if c == b'-' {
                -o
            } else {
                o
            }
        }
        Some(b'Z') => {
            i += 1;
            0
        }
        _ => 0,
    };
    let days = days_from_civil(y, mo as u32, da as u32);
    Some((days * 86_400 + h * 3600 + mi * 60 + se - off, i))
}

/// A date or date-time given as text: `YYYY-MM-DD` (midnight UTC) or an
/// ISO 8601 date-time as [`iso8601_prefix`] reads it, the whole of `s`.
pub fn parse_iso(s: &[u8]) -> Option<i64> {
    if s.len() == 10 {
        let mut t = s.to_vec();
        t.extend_from_slice(b"T00:00:00Z");
        return iso8601_prefix(&t).map(|(t, _)| t);
    }
    iso8601_prefix(s).map(|(t, _)| t)
}

/// Parses a duration like "30d", "7d", "12h", "90m", "2w", "6mo", "3y",
/// "3600s" into seconds: a whole number followed by one unit (`s`, `m`, `h`,
/// `d` = 86400 s, `w` = 7 d, `mo` = 30 d, `y` = 365 d). Zero is accepted; the
/// result is at most `i64::MAX`. Errors are of kind [`ErrorKind::Usage`].
pub fn parse_duration(s: &str) -> Result<u64, Error> {
    let bad = |why: &str| {
        Error::new(
            ErrorKind::Usage,
            format!(
                "invalid duration `{s}`: {why} (write a whole number and a unit \
                 s, m, h, d, w, mo or y, e.g. 30d, 12h, 2w, 6mo, 1y)"
            ),
        )
    };
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    if num.is_empty() {
        return Err(bad("it does not start with a number"));
    }
    let mult: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => DAY,
        "w" => 7 * DAY,
        "mo" => 30 * DAY,
        "y" => 365 * DAY,
        "" => return Err(bad("the unit is missing")),
        _ => return Err(bad("unknown unit")),
    };
    let n: u64 = num.parse().map_err(|_| bad("the number is too large"))?;
    n.checked_mul(mult)
        .filter(|v| i64::try_from(*v).is_ok())
        .ok_or_else(|| bad("the duration is too long"))
}

/// `now` minus a duration of `secs` seconds, saturating.
pub fn before(now: i64, secs: u64) -> i64 {
    now.saturating_sub(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// A time given on a command line: `@UNIX-SECONDS`, an ISO date or
/// date-time ([`parse_iso`]), or a duration ([`parse_duration`]) back from
/// `now`. Errors are of kind [`ErrorKind::Usage`] and say what is accepted.
pub fn parse_time(s: &str, now: i64) -> Result<i64, Error> {
    let bad = || {
        Error::new(
            ErrorKind::Usage,
            format!(
                "cannot read the time {s:?}: use @UNIX-SECONDS, 2026-11-25, \
                 2026-11-25T10:00:00Z or a duration such as 30d"
            ),
        )
    };
    if let Some(n) = s.strip_prefix('@') {
        return n.parse().map_err(|_| bad());
    }
    if let Some(t) = parse_iso(s.as_bytes()) {
        return Ok(t);
    }
    match parse_duration(s) {
        Ok(d) => Ok(now - i64::try_from(d).map_err(|_| bad())?),
        Err(_) => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_text_and_weekdays() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_793_577_600 + 3661), "2026-11-02T01:01:01Z");
        assert_eq!(iso(-1), "1969-12-31T23:59:59Z");
        assert_eq!(iso_weekday(0), 4, "a Thursday");
        assert_eq!(iso_weekday(20_759), 1, "2026-11-02, a Monday");
        assert_eq!(iso_weekday(-1), 3);
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 59, 60, 10_957, 20_417, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(20_417), (2025, 11, 25));
    }

    #[test]
    fn iso8601_prefixes() {
        #[rustfmt::skip]
        let rows: &[(&str, Option<(i64, usize)>)] = &[
            ("2020-04-14T15:57:14.463-04:00 INFO", Some((1_586_894_234, 29))),
            ("2015-06-08 17:33:24,165Z [", Some((1_433_784_804, 24))),
            ("2012/04/09 11:53:29 [error]", Some((1_333_972_409, 19))),
            ("2026-11-25T10:00:00+0100", Some((1_795_597_200, 24))),
            ("2026-13-25T10:00:00Z", None),
            ("2026-11-25", None),
            ("Nov 25 10:00:00", None),
        ];
        for (s, want) in rows {
            assert_eq!(iso8601_prefix(s.as_bytes()), *want, "{s}");
        }
    }

    #[test]
    fn command_line_times() {
        let now = 1_795_600_000;
        assert_eq!(parse_time("@42", now).unwrap(), 42);
        assert_eq!(parse_time("2026-11-25", now).unwrap(), 1_795_564_800);
        assert_eq!(
            parse_time("2026-11-25T10:00:00Z", now).unwrap(),
            1_795_600_800
        );
        assert_eq!(parse_time("1d", now).unwrap(), now - 86_400);
        for bad in ["", "yesterday", "@x", "2026-11-2"] {
            let e = parse_time(bad, now).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Usage, "{bad}");
            assert!(e.to_string().contains("cannot read the time"), "{e}");
        }
        assert_eq!(parse_duration("6mo").unwrap(), 180 * DAY);
        assert!(parse_duration("7").is_err());
        assert_eq!(before(10, u64::MAX), 10 - i64::MAX);
    }

    /// Checks the ISO week of every day from 1900 to 2100 against the
    /// standard's own rules, independently of how `civil` computes it:
    /// weekdays step 1..7, weeks step by one within a year, week 1 holds
    /// 4 January and the last week holds 28 December.
    #[test]
    fn iso_weeks_follow_the_rules_every_day() {
        let first = days_from_civil(1900, 1, 1);
        let last = days_from_civil(2100, 12, 31);
        let mut prev = civil(first * 86_400);
        for day in first + 1..=last {
            let c = civil(day * 86_400 + 43_210);
            if prev.iso_wday < 7 {
                assert_eq!(
                    (c.iso_year, c.iso_week, c.iso_wday),
                    (prev.iso_year, prev.iso_week, prev.iso_wday + 1)
                );
            } else if c.iso_week == 1 {
                assert_eq!((c.iso_year, c.iso_wday), (prev.iso_year + 1, 1));
                assert!(prev.iso_week == 52 || prev.iso_week == 53);
            } else {
                assert_eq!(
                    (c.iso_year, c.iso_week, c.iso_wday),
                    (prev.iso_year, prev.iso_week + 1, 1)
                );
            }
            if (c.month, c.day) == (1, 4) {
                assert_eq!((c.iso_year, c.iso_week), (c.year, 1));
            }
            if (c.month, c.day) == (12, 28) {
                let next = civil((day + 7) * 86_400);
                assert_eq!((c.iso_year, next.iso_week), (c.year, 1));
            }
            assert_eq!(c.yday as i64, day - days_from_civil(c.year, 1, 1) + 1);
            prev = c;
        }
    }
}
