//! Fuzz target `bbb_meetings`: the meeting events of BigBlueButton lines.
//!
//! Owns two properties of [`meetings::find`] and [`meetings::Meeting`], on
//! arbitrary bytes (one line per `\n`):
//!
//! 1. `find` never panics, and the ids it returns are slices of its input;
//! 2. a meeting built from the events of every line (as one meeting, at
//!    times taken from the input) has a summary that does not depend on the
//!    order of its events, with never more present at once than
//!    participants.

#![no_main]

use anonlog::stats::meetings::{self, Meeting, MeetingEvent};
use libfuzzer_sys::fuzz_target;

fn within(outer: &[u8], inner: &[u8]) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    i >= o && i + inner.len() <= o + outer.len()
}

fuzz_target!(|data: &[u8]| {
    let mut m = Meeting::default();
    for (n, line) in data.split(|&b| b == b'\n').enumerate() {
        let Some(found) = meetings::find(line) else {
            continue;
        };
        assert!(
            within(line, found.meeting),
            "the meeting id is not from the line"
        );
        let (kind, user) = match found.event {
            MeetingEvent::Started => (0, 0),
            MeetingEvent::Ended => (2, 0),
            MeetingEvent::Joined(u) => {
                assert!(within(line, u));
                (1, u.len() as u64)
            }
            MeetingEvent::Left(u) => {
                assert!(within(line, u));
                (-1, u.len() as u64)
            }
        };
        let t = i64::from(line.first().copied().unwrap_or(0)) * 60 + n as i64;
        m.add(t, user, kind);
    }
    let s = m.summary();
    let mut rev = Meeting::default();
    for e in m.events.iter().rev() {
        rev.add(e.0, e.1, e.2);
    }
    assert_eq!(s, rev.summary(), "the summary depends on event order");
    if let Some(s) = s {
        assert!(s.peak <= s.participants, "{s:?}");
    }
});
