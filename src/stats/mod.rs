//! De-identified statistics for researchers (`anonlog stats`): records of
//! every format become counts per (window, dimension, value), with distinct
//! users counted on keyed hashes and small cells suppressed.
//!
//! The flow: [`State::add_input`] reads an input in parallel blocks, each
//! block into its own [`State`], merged at the end ([`State::merge`] is exact
//! and order-free, so a partial state written on one host and merged with
//! another's gives the same tables as one run over all inputs). [`tables`]
//! turns the states of one release (one per window length) into rows, and
//! [`privacy`] decides which rows may be published: fewer than K users never,
//! with complementary suppression checked by the [`audit`] of the whole
//! release, or (ε, δ)-differential privacy.
//!
//! Users are never stored as written: each identity (a user field, a Moodle
//! user id, a report's full name, a BBB user id) is hashed with a key into 64
//! bits ([`UserHasher`]), and only counts leave this module.

pub mod audit;
pub mod extract;
pub mod meetings;
pub mod privacy;
pub mod state;

use serde::Serialize;

pub use extract::{Extractor, ReadConfig};
pub use state::{
    Cell, Dim, DimSet, InputInfo, Partial, State, Table, UserHasher, DEFAULT_DIMS, DIMS, NONE,
};

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
    /// Events (records; meetings for meeting dimensions); empty when
    /// suppressed.
    pub events: Option<u64>,
    /// Distinct users; empty when suppressed.
    pub users: Option<u64>,
    /// Sum of per-meeting participants (meeting dimensions).
    pub participants: Option<u64>,
    /// Meeting minutes (meeting dimensions).
    pub minutes: Option<u64>,
    /// Largest number of participants at once (meeting dimensions).
    pub peak_concurrency: Option<u64>,
    /// The cell is withheld (a public-domain value, so that it is not taken
    /// for zero).
    pub suppressed: bool,
}

/// The columns of [`Row`], in order.
pub const COLUMNS: [&str; 10] = [
    "window_start",
    "window_end",
    "dimension",
    "value",
    "events",
    "users",
    "participants",
    "minutes",
    "peak_concurrency",
    "suppressed",
];

/// The tables of one release (`states`: one per window length, shortest
/// first, see [`privacy::decide`]): rows in a fixed order, and the report.
pub fn tables(states: &[State], opts: &privacy::Options) -> (Vec<Row>, privacy::Report) {
    let decided = privacy::decide(states, opts);
    let iso = crate::time::iso;
    let rows = decided
        .published
        .into_iter()
        .map(|p| {
            let shown = (!p.suppressed).then_some(());
            Row {
                window_start: iso(p.window),
                window_end: iso(p.window + p.len as i64),
                dimension: p.dim.name(),
                value: p.value,
                events: shown.map(|()| p.events),
                users: shown.map(|()| p.users),
                participants: p.participants,
                minutes: p.minutes,
                peak_concurrency: p.peak,
                suppressed: p.suppressed,
            }
        })
        .collect();
    (rows, decided.report)
}
