//! Small rules that decide what a value is by its shape — the marker of a
//! secret, values that name no one (message types, meeting ids), BBB
//! internal user ids, placeholders — and the policies for user agents and
//! free text. The per-key value policy is [`super::policy`].
//!
//! This is data and small predicates only; [`super::replace`],
//! [`super::url`] and [`super::text`] act on what these rules say.

use super::vocab;
use crate::format::Format;

/// The marker written in place of a secret parameter's value.
pub const REDACTED: &[u8] = b"REDACTED";

/// Values under identity keys that name no one: BigBlueButton message types
/// (`"name":"UserJoinedMeetingEvtMsg"` in akka envelopes and headers) and
/// meeting ids: BigBlueButton's own (`<40 hex>-<13 digits>`) and those
/// Moodle's plugin makes (`<40 hex>-<course>-<instance>`, optionally with
/// `[<group>]`), which are hashes of public ids.
pub fn names_no_one(v: &[u8]) -> bool {
    let message_type = v.len() <= 64
        && v.first().is_some_and(u8::is_ascii_uppercase)
        && v.ends_with(b"Msg")
        && v.iter().all(u8::is_ascii_alphanumeric);
    message_type || is_meeting_id(v)
}

/// Values that say nothing about anyone whatever key they are under, so
/// that a value under a key no list names is kept when it is one of them:
/// `true`/`false`/`null`-like words and single digits, meeting ids and
/// message types ([`names_no_one`]), times ([`is_time_value`]), and single
/// identifiers made of the vocabulary's words (`user`, `id_token`,
/// `core_user-user`, `PRIVATE_ACCESS`, `MAIN-PUBLIC-GROUP-CHAT`: constants
/// of the software) with no run of more than three digits. Anything else —
/// a number, a name, a word outside the vocabulary — is not known to be
/// safe.
pub fn is_constant(v: &[u8]) -> bool {
    if v.is_empty() || v.len() > 96 {
        return false;
    }
    is_trivial(v)
        || names_no_one(v)
        || is_time_value(v)
        || (v
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'/'))
            && has_long_word(v)
            && vocab::is_identifier_of_words(v))
}

/// Values that say nothing about anyone whatever their key: one digit,
/// `true`/`false`, `yes`/`no`, `on`/`off`, `null`.
pub fn is_trivial(v: &[u8]) -> bool {
    (v.len() == 1 && v[0].is_ascii_digit())
        || [
            &b"true"[..],
            b"false",
            b"yes",
            b"no",
            b"on",
            b"off",
            b"null",
            b"none",
        ]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(v))
}

/// Numbers kept wherever they are: up to three digits, years 1970–2099,
/// Unix times in seconds and milliseconds (ten or thirteen digits starting
/// with 1).
pub fn keeps_number(w: &[u8]) -> bool {
    let digits = w.iter().filter(|b| b.is_ascii_digit()).count();
    if digits != w.len() {
        // Decimals and signed offsets (`0.247`, `+0100`, `-5`).
        return w.len() <= 12
            && digits > 0
            && w.iter().filter(|b| !b.is_ascii_digit()).count() <= 1;
    }
    match w.len() {
        0 => false,
        1..=3 => true,
        4 => (b"1970".as_slice()..=b"2099".as_slice()).contains(&w),
        10 | 13 => w[0] == b'1',
        _ => false,
    }
}

/// Does `key` name an id (`enrolid`, `activityid`, `userids`, `uid`) or a
/// person (`user`, `owner`, `author`, …)? Numbers under such a key are ids
/// of something the policy does not know, never counts.
pub fn id_like(key: &[u8]) -> bool {
    const PEOPLE: [&[u8]; 10] = [
        b"user",
        b"owner",
        b"author",
        b"member",
        b"sender",
        b"recipient",
        b"student",
        b"teacher",
        b"grader",
        b"person",
    ];
    let ends = |suffix: &[u8]| {
        key.len() >= suffix.len() && key[key.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    ends(b"id")
        || ends(b"ids")
        || ends(b"_by")
        || PEOPLE
            .iter()
            .any(|p| key.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p)))
}

/// A count, size or duration under a key that names no id
/// (`maxPinnedCameras: 3`, `retries=2`): a number [`keeps_number`] keeps.
pub fn keeps_count(key: &[u8], v: &[u8]) -> bool {
    !key.is_empty() && keeps_number(v) && !id_like(key)
}

/// Has `v` a run of three or more letters (so that `mp`, `x7` and `4a` are
/// not constants: short values may be anything, a password too)?
fn has_long_word(v: &[u8]) -> bool {
    let mut run = 0;
    v.iter().any(|b| {
        run = if b.is_ascii_alphabetic() { run + 1 } else { 0 };
        run >= 3
    })
}

/// A time by its shape: ISO 8601 (`2026-11-24T08:11:31.372Z`, with a zone
/// or not), a Unix time in seconds or milliseconds, optionally with a
/// fraction (`1795503792.418`), or a date or time of digits, separators and
/// month and weekday names (`24/Nov/2026:08:05:02`, `08:11:31`,
/// `2026-11-24`, `Tue Nov 24 08:00:12 CET 2026`).
pub fn is_time_value(v: &[u8]) -> bool {
    if v.len() < 5 || v.len() > 40 {
        return false;
    }
    if crate::time::iso8601_prefix(v).is_some_and(|(_, n)| n == v.len()) {
        return true;
    }
    let (int, frac) = match memchr::memchr(b'.', v) {
        Some(d) => (&v[..d], Some(&v[d + 1..])),
        None => (v, None),
    };
    let epoch = matches!(int.len(), 10 | 13)
        && int[0] == b'1'
        && int.iter().all(u8::is_ascii_digit)
        && frac.is_none_or(|f| (1..=9).contains(&f.len()) && f.iter().all(u8::is_ascii_digit));
    if epoch {
        return true;
    }
    // Digits in groups of at most four (fractions of seconds up to nine),
    // with date and time separators, month, weekday and zone names.
    let mut digit_groups = 0;
    let mut ok = true;
    for part in v.split(|&b| matches!(b, b'/' | b':' | b'-' | b' ' | b'.' | b'+' | b',')) {
        if part.is_empty() {
            continue;
        }
        if part.iter().all(u8::is_ascii_digit) {
            digit_groups += 1;
            ok &= part.len() <= 4 || matches!(part.len(), 6 | 9);
        } else {
            ok &= is_month_day_or_zone(part);
        }
    }
    ok && digit_groups >= 2
        && (has_clock(v) || has_date(v))
        && crate::ip::parse_client(v).is_none_or(|c| c.1 > 0)
}

/// Digit runs of `v` with their separators: (start, end) of each run.
fn digit_runs(v: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < v.len() && !v[i].is_ascii_digit() {
            i += 1;
        }
        if i == v.len() {
            return None;
        }
        let s = i;
        while i < v.len() && v[i].is_ascii_digit() {
            i += 1;
        }
        Some((s, i))
    })
}

/// `h:mm` or `hh:mm` (a clock time) somewhere in `v`.
fn has_clock(v: &[u8]) -> bool {
    let runs: Vec<(usize, usize)> = digit_runs(v).collect();
    runs.windows(2).any(|w| {
        let ((a, b), (c, d)) = (w[0], w[1]);
        (1..=2).contains(&(b - a)) && c == b + 1 && v[b] == b':' && d - c == 2
    })
}

/// A date: `yyyy-mm-dd`, `dd.mm.yy(yy)`, `dd/mm/yy(yy)` or `dd/Mon/yyyy`.
fn has_date(v: &[u8]) -> bool {
    let runs: Vec<(usize, usize)> = digit_runs(v).collect();
    let len = |r: (usize, usize)| r.1 - r.0;
    let numeric = runs.windows(3).any(|w| {
        let sep = v[w[0].1];
        let same = w[1].0 == w[0].1 + 1 && w[2].0 == w[1].1 + 1 && v[w[1].1] == sep;
        let iso = sep == b'-' && len(w[0]) == 4 && len(w[1]) <= 2 && len(w[2]) <= 2;
        let dmy = matches!(sep, b'.' | b'/')
            && len(w[0]) <= 2
            && len(w[1]) <= 2
            && matches!(len(w[2]), 2 | 4);
        same && (iso || dmy)
    });
    let clf = runs.windows(2).any(|w| {
        let (a, b) = (w[0], w[1]);
        len(a) <= 2
            && len(b) == 4
            && b.0 == a.1 + 5
            && v[a.1] == b'/'
            && v[b.0 - 1] == b'/'
            && is_month_day_or_zone(&v[a.1 + 1..b.0 - 1])
    });
    numeric || clf
}

/// Month and weekday names (and their abbreviations) and time-zone
/// abbreviations, in any case.
pub fn is_month_day_or_zone(w: &[u8]) -> bool {
    const NAMES: [&[u8]; 52] = [
        b"jan",
        b"feb",
        b"mar",
        b"apr",
        b"may",
        b"jun",
        b"jul",
        b"aug",
        b"sep",
        b"sept",
        b"oct",
        b"nov",
        b"dec",
        b"january",
        b"february",
        b"march",
        b"april",
        b"june",
        b"july",
        b"august",
        b"september",
        b"october",
        b"november",
        b"december",
        b"mon",
        b"tue",
        b"wed",
        b"thu",
        b"fri",
        b"sat",
        b"sun",
        b"monday",
        b"tuesday",
        b"wednesday",
        b"thursday",
        b"friday",
        b"saturday",
        b"sunday",
        b"utc",
        b"gmt",
        b"z",
        b"cet",
        b"cest",
        b"mez",
        b"mesz",
        b"eet",
        b"eest",
        b"wet",
        b"west",
        b"bst",
        b"est",
        b"pst",
    ];
    NAMES.iter().any(|n| w.eq_ignore_ascii_case(n))
}

#[inline]
fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+' | b'\'' | b'!' | b'%')
}

/// An e-mail address around the `@` at `at` in `w`, of any domain
/// (`x@localhost`, `x@invalid`, `x@192.0.2.1` too): its span.
pub fn email_any(w: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut ls = at;
    while ls > 0 && is_local_byte(w[ls - 1]) {
        ls -= 1;
    }
    while ls < at && matches!(w[ls], b'.' | b'\'') {
        ls += 1;
    }
    let mut de = at + 1;
    while de < w.len() && (w[de].is_ascii_alphanumeric() || matches!(w[de], b'-' | b'.')) {
        de += 1;
    }
    while de > at + 1 && w[de - 1] == b'.' {
        de -= 1;
    }
    let domain = &w[at + 1..de];
    // `conference(71234@cdquality)`: a FreeSWITCH conference and its
    // profile, not an address.
    let numbered = w[ls..at].iter().all(u8::is_ascii_digit) && !domain.contains(&b'.');
    (ls < at && !domain.is_empty() && domain[0].is_ascii_alphanumeric() && !numbered)
        .then_some((ls, de))
}

/// `<40 hex>` followed by `-` and digits, `-` separated, and optionally a
/// bracketed group number.
fn is_meeting_id(v: &[u8]) -> bool {
    if v.len() < 42 || v.len() > 96 || v[40] != b'-' || !v[..40].iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    let rest = &v[41..];
    let rest = match rest.iter().position(|&b| b == b'[') {
        Some(o) if rest.ends_with(b"]") => {
            if !rest[o + 1..rest.len() - 1].iter().all(u8::is_ascii_digit) {
                return false;
            }
            &rest[..o]
        }
        Some(_) => return false,
        None => rest,
    };
    !rest.is_empty()
        && rest
            .split(|&b| b == b'-')
            .all(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit))
}

/// What `--user-agent` says to do with user agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UaPolicy {
    /// `family` in BigBlueButton logs (the policy deletes browser
    /// identification with the connection metadata after 7 days), `keep` in
    /// web-server access logs and other text (log analysers need it; choose
    /// `family` or `drop` when the access-log policy does not list it).
    #[default]
    Auto,
    /// Keep user agents as they are.
    Keep,
    /// Replace them by a coarse family (`Firefox`, `Chrome`, `Bot`, ...).
    Family,
    /// Replace them by `-`.
    Drop,
}

/// The action for one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UaAction {
    /// Keep.
    #[default]
    Keep,
    /// Family.
    Family,
    /// `-`.
    Drop,
}

impl UaPolicy {
    /// The action in `format`.
    pub fn action(self, format: Format) -> UaAction {
        match (self, format) {
            (UaPolicy::Keep, _) => UaAction::Keep,
            (UaPolicy::Family, _) => UaAction::Family,
            (UaPolicy::Drop, _) => UaAction::Drop,
            (UaPolicy::Auto, Format::Bbb) => UaAction::Family,
            (UaPolicy::Auto, _) => UaAction::Keep,
        }
    }
}

/// How free text (messages, error logs, lines of no known shape) is
/// rewritten (`--free-text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FreeText {
    /// Keep only words of the vocabulary and identifiers made of them,
    /// small numbers and times; every other word becomes an opaque token.
    /// The default: a line's words are kept only when they are known not to
    /// be a person's.
    #[default]
    Strict,
    /// Keep words; rewrite only what structure, shape or context marks as
    /// personal (pairs under known keys, addresses, e-mail addresses, ids,
    /// tokens, values after `user`, capitalized names). For sites with a
    /// roster, whose people are found anyway.
    Lenient,
}

/// BigBlueButton's internal user ids: `w_` and twelve lowercase letters or
/// digits (`w_u0rjuthid3ab`).
pub fn is_bbb_internal_id(v: &[u8]) -> bool {
    v.len() == 14
        && v.starts_with(b"w_")
        && v[2..]
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Values that are not people: kept as they are in user fields.
pub fn is_placeholder(v: &[u8]) -> bool {
    v.is_empty() || v.iter().all(|&b| b == b'-' || b == b' ')
}

/// A negative user id: one of Moodle's pseudo-users (`core_user::NOREPLY_USER`
/// = -10, `SUPPORT_USER` = -20), who are nobody.
pub fn is_pseudo_user(v: &[u8]) -> bool {
    v.len() >= 2 && v.len() <= 4 && v[0] == b'-' && v[1..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_constants_and_counts() {
        for t in [
            "2026-11-24T08:11:31.372Z",
            "1795503792",
            "1795503792418",
            "1795503792.418",
            "24/Nov/2026:08:05:02",
            "08:11:31",
            "2026-11-24",
            "24.11.2026",
            "Tue Nov 24 08:00:12 CET 2026",
        ] {
            assert!(is_time_value(t.as_bytes()), "{t}");
        }
        for t in [
            "10.0.74.255:8080",
            "192.0.2.7",
            "4711",
            "4:5",
            "12:345",
            "1234-5678",
            "7340158",
        ] {
            assert!(!is_time_value(t.as_bytes()), "{t}");
        }
        for c in [
            "user",
            "id_token",
            "core_user-user",
            "PRIVATE_ACCESS",
            "MAIN-PUBLIC-GROUP-CHAT",
            "true",
            "7",
        ] {
            assert!(is_constant(c.as_bytes()), "{c}");
        }
        for c in [
            "mp",
            "x7",
            "Annegret",
            "jdoe58",
            "4711",
            "user4711",
            "annegret.w@uni-example.de",
            "Max Mustermann",
        ] {
            assert!(!is_constant(c.as_bytes()), "{c}");
        }
        assert!(keeps_count(b"maxPinnedCameras", b"3"));
        assert!(!keeps_count(b"enrolid", b"88"));
        assert!(!keeps_count(b"touser", b"5"));
        assert!(!keeps_count(b"count", b"4711"));
        assert!(id_like(b"areaids") && id_like(b"created_by") && !id_like(b"duration"));
    }
}
