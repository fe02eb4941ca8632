//! Time as anonlog handles it outside the parsers: Unix seconds from the
//! wall clock and from file metadata, ISO 8601 text, ISO weekdays. (The
//! civil-date arithmetic itself is [`crate::format::combinator`]'s.)

use crate::format::combinator::civil_from_days;

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

/// ISO weekday of a day number (days since 1970-01-01): 1 (Monday) to 7
/// (Sunday); 1970-01-01 was a Thursday.
pub fn iso_weekday(days: i64) -> u32 {
    ((days + 3).rem_euclid(7) + 1) as u32
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
}
