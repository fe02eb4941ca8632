//! De-identified statistics for researchers (`anonlog stats`): records of
//! every format become counts per (window, dimension, value), with distinct
//! users counted on keyed hashes and small cells suppressed.
//!
//! The flow: [`State::add_input`] reads an input in parallel blocks, each
//! block into its own [`State`], merged at the end ([`State::merge`] is exact
//! and order-free, so a partial state written on one host and merged with
//! another's gives the same tables as one run over all inputs). [`tables`]
//! turns a state into rows, and [`privacy`] decides which rows may be
//! published: fewer than K users never, with complementary suppression, and
//! optional differential-privacy noise.
//!
//! Users are never stored as written: each identity (a user field, a Moodle
//! user id, a report's full name, a BBB user id) is hashed with a key into 64
//! bits ([`UserHasher`]), and only counts leave this module.

pub mod extract;
pub mod meetings;
pub mod privacy;
pub mod state;

use serde::Serialize;

pub use extract::{Extractor, ReadConfig};
pub use state::{Cell, Dim, InputInfo, Partial, State, Table, UserHasher, DIMS, NONE};

/// One published (or suppressed) row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Window start (ISO 8601).
    pub window_start: String,
    /// Window end, exclusive.
    pub window_end: String,
    /// Dimension.
    pub dimension: &'static str,
    /// Value.
    pub value: String,
    /// Events (records; meetings for meeting dimensions).
    pub events: u64,
    /// Distinct users.
    pub users: u64,
    /// Sum of per-meeting participants (meeting dimensions).
    pub participants: Option<u64>,
    /// Meeting minutes (meeting dimensions).
    pub minutes: Option<u64>,
    /// Largest number of participants at once (meeting dimensions).
    pub peak_concurrency: Option<u64>,
}

/// The tables of a state: published rows in a fixed order, and how many
/// cells were suppressed.
pub fn tables(state: &State, opts: &privacy::Options) -> (Vec<Row>, privacy::Report) {
    let decided = privacy::decide(state, opts);
    let len = state.window as i64;
    let iso = crate::time::iso;
    let rows = decided
        .published
        .into_iter()
        .map(|p| {
            let meeting = p.dim.is_meeting();
            Row {
                window_start: iso(p.window),
                window_end: iso(p.window + len),
                dimension: p.dim.name(),
                value: p.value,
                events: p.events,
                users: p.users,
                participants: meeting.then_some(p.participants),
                minutes: meeting.then_some(p.minutes),
                peak_concurrency: meeting.then_some(p.peak),
            }
        })
        .collect();
    (rows, decided.report)
}
