//! The records of retention: a line of the audit log, a violation that
//! `rotate --check` reports, and what one `rotate` run did. Plain data,
//! shared by the file sources and the Moodle-database source.

use serde::Serialize;

/// One line of the audit log. Holds no content of any log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// When the change was made (ISO 8601, UTC, the wall clock).
    pub time: String,
    /// The time the run acted as of (`--now`, else the same as `time`):
    /// windows and cutoffs were computed from it.
    pub as_of: String,
    /// The source's name (`keys` for key changes).
    pub source: String,
    /// The file (or the keyring directory).
    pub file: String,
    /// `delete`, `prune`, `anonymize-then-delete`, `create-key`,
    /// `destroy-key`.
    pub action: String,
    /// The file's size before the action.
    pub bytes: u64,
    /// Its oldest record's time (ISO 8601), if known.
    pub oldest: Option<String>,
    /// Its newest record's time (ISO 8601), if known.
    pub newest: Option<String>,
    /// Records removed (prune) or anonymized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
    /// Records kept (prune).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept: Option<u64>,
    /// The anonymized copy (anonymize-then-delete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// The epoch (key changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epoch: Option<i64>,
    /// Absent on the record of a change that was made. `intent`: written
    /// (and synced) before the change; `failed`: the change was not made;
    /// `found-done` / `found-not-done` / `outcome-unknown`: what a later run
    /// found of an intent whose run was killed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
}

/// A violation of a retention promise, found by [`check`](super::check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The source (or `keys`).
    pub source: String,
    /// The file (or key) concerned.
    pub what: String,
    /// What is wrong.
    pub why: String,
}

/// What one `rotate` run did.
#[derive(Debug, Default)]
pub struct Report {
    /// What was done (or, in a dry run, would be), one line each.
    pub done: Vec<String>,
    /// What failed, one message each (the files concerned are unchanged).
    pub errors: Vec<String>,
    /// What looks wrong but changed nothing (a pattern that matches no
    /// file), one message each.
    pub warnings: Vec<String>,
}
