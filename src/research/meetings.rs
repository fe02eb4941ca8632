//! BigBlueButton meetings from BBB logs: which meetings were held, when, by
//! how many people, for how long, and how many were in at once.
//!
//! (Skeleton: the bodies are being written; see the item docs for the
//! contract.)

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What one BBB log line says about a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingEvent<'a> {
    /// The meeting started (or was created).
    Started,
    /// The meeting ended (or was destroyed).
    Ended,
    /// A user joined; the user's id as written (internal or external id).
    Joined(&'a [u8]),
    /// A user left.
    Left(&'a [u8]),
}

/// A meeting event found in a line: the meeting's id and the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<'a> {
    /// The meeting id as written (`meetingId`, `mid=[...]`, ...).
    pub meeting: &'a [u8],
    /// What happened.
    pub event: MeetingEvent<'a>,
}

/// Finds the meeting event in the message of a BBB log line, if there is
/// one.
pub fn find(message: &[u8]) -> Option<Found<'_>> {
    let _ = message;
    None
}

/// Everything known about one meeting (mergeable across blocks and runs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    /// (time, user hash, +1 join / -1 leave / 0 start / 2 end) in no
    /// particular order.
    pub events: Vec<(i64, u64, i8)>,
}

/// A meeting summarized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// First second.
    pub start: i64,
    /// Last second.
    pub end: i64,
    /// Distinct participants.
    pub participants: u64,
    /// Most participants present at once.
    pub peak: u64,
}

impl Meeting {
    /// Records an event at `t` (user hash 0 for start/end).
    pub fn add(&mut self, t: i64, user: u64, kind: i8) {
        self.events.push((t, user, kind));
    }

    /// Adds another part of the same meeting.
    pub fn merge(&mut self, other: Meeting) {
        self.events.extend(other.events);
    }

    /// The meeting's summary.
    pub fn summary(&self) -> Option<Summary> {
        None
    }
}

/// Meetings by id.
pub type Meetings = BTreeMap<String, Meeting>;
