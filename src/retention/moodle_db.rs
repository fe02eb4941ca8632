//! The `moodle-db` retention source: rows of
//! `{prefix}logstore_standard_log` whose `timecreated` is older than the
//! window are deleted in the database itself, in chunks.
//!
//! Each chunk is an id range of at most `chunk_rows` ids starting at the
//! oldest such row's id, deleted in its own short transaction with
//! `timecreated < cutoff` in the statement, so that a row newer than the
//! cutoff is never touched and Moodle, which keeps inserting, is never held
//! up for long. A run stops starting chunks once `time_budget` (like
//! Moodle's own 300 s cleanup task) is used up; the next run continues.
//! Every chunk goes into the audit log: its row count and time range, never
//! a row's content.

use std::time::{Duration, Instant};

use crate::config::{Config, Source, SourceKind};
use crate::error::Error;
use crate::moodledb::client::{Chunk, Db};
use crate::moodledb::DbConfig;
use crate::time::{before, iso, parse_duration, wall_clock};

use super::record::{AuditEntry, Report, Violation};

/// Rows per chunk when the source does not say.
pub const DEFAULT_CHUNK_ROWS: u64 = 10_000;
/// The time budget per run when the source does not say (Moodle's).
pub const DEFAULT_TIME_BUDGET: &str = "300s";

/// The connection of a `moodle-db` source: its `moodle_config`, else the
/// config's `[moodle_db]`.
pub fn db_config(cfg: &Config, src: &Source) -> Result<DbConfig, Error> {
    match (&src.moodle_config, &cfg.moodle_db) {
        (Some(p), _) => DbConfig::from_moodle_config(p),
        (None, Some(t)) => DbConfig::from_table(t),
        (None, None) => Err(Error::new(
            crate::error::ErrorKind::Config,
            format!(
                "source \"{}\": a moodle-db source needs moodle_config, or [moodle_db]",
                src.name
            ),
        )),
    }
}

/// The sources of kind `moodle-db`.
fn db_sources(cfg: &Config) -> impl Iterator<Item = &Source> {
    cfg.sources
        .iter()
        .filter(|s| s.kind == SourceKind::MoodleDb)
}

fn budget(src: &Source) -> Duration {
    let d = src.time_budget.as_deref().unwrap_or(DEFAULT_TIME_BUDGET);
    Duration::from_secs(parse_duration(d).unwrap_or(300))
}

fn chunk_entry(src: &Source, db: &DbConfig, now: i64, c: &Chunk) -> AuditEntry {
    AuditEntry {
        time: iso(wall_clock()),
        as_of: iso(now),
        source: src.name.clone(),
        file: format!(
            "{} table {} ids {}..{}",
            db.describe(),
            db.table("logstore_standard_log"),
            c.ids.0,
            c.ids.1
        ),
        action: "delete-rows".into(),
        bytes: 0,
        oldest: Some(iso(c.time.0)),
        newest: Some(iso(c.time.1)),
        records: Some(c.rows),
        kept: None,
        destination: None,
        epoch: None,
        phase: None,
    }
}

/// Deletes (or, with `dry_run`, counts) the rows older than each
/// `moodle-db` source's window.
pub fn rotate(
    cfg: &Config,
    now: i64,
    dry_run: bool,
    report: &mut Report,
    record: &mut dyn FnMut(AuditEntry) -> Result<(), Error>,
) -> Result<(), Error> {
    for src in db_sources(cfg) {
        let cutoff = before(now, src.window_secs() as u64);
        let one = (|| -> Result<(), Error> {
            let dbc = db_config(cfg, src)?;
            let table = dbc.table("logstore_standard_log");
            let mut db = Db::connect(&dbc)?;
            if dry_run {
                report.done.push(dry_run_line(&mut db, &dbc, src, cutoff)?);
                return Ok(());
            }
            let rows = src.chunk_rows.unwrap_or(DEFAULT_CHUNK_ROWS);
            let limit = budget(src);
            let start = Instant::now();
            let (mut chunks, mut deleted) = (0u64, 0u64);
            let mut span: Option<(i64, i64)> = None;
            loop {
                if start.elapsed() >= limit {
                    let left = db.older_than(&dbc, cutoff)?;
                    report.done.push(format!(
                        "time budget of {}s used up; {} rows of {table} older than {} are left \
                         for the next run [{}]",
                        limit.as_secs(),
                        left.rows,
                        iso(cutoff),
                        src.name
                    ));
                    break;
                }
                let Some(c) = db.delete_chunk(&dbc, cutoff, rows)? else {
                    break;
                };
                if c.rows == 0 {
                    continue;
                }
                chunks += 1;
                deleted += c.rows;
                span = Some(span.map_or(c.time, |(a, b)| (a.min(c.time.0), b.max(c.time.1))));
                record(chunk_entry(src, &dbc, now, &c))?;
            }
            report.done.push(match span {
                Some((a, b)) => format!(
                    "deleted {deleted} rows of {table} older than {} ({} to {}) in {chunks} chunks [{}]",
                    iso(cutoff),
                    iso(a),
                    iso(b),
                    src.name
                ),
                None => format!(
                    "no rows of {table} older than {} [{}]",
                    iso(cutoff),
                    src.name
                ),
            });
            Ok(())
        })();
        if let Err(e) = one {
            report.errors.push(format!("source \"{}\": {e}", src.name));
        }
    }
    Ok(())
}

/// What a dry run of `src` would delete.
fn dry_run_line(db: &mut Db, dbc: &DbConfig, src: &Source, cutoff: i64) -> Result<String, Error> {
    let table = dbc.table("logstore_standard_log");
    let o = db.older_than(dbc, cutoff)?;
    Ok(match o.oldest {
        Some(old) => format!(
            "would delete {} rows of {table} older than {} ({} to {}) [{}]",
            o.rows,
            iso(cutoff),
            iso(old),
            iso(o.newest.unwrap_or(old)),
            src.name
        ),
        None => format!(
            "no rows of {table} older than {} [{}]",
            iso(cutoff),
            src.name
        ),
    })
}

/// The violations of `moodle-db` sources: rows older than the window.
pub fn check(cfg: &Config, now: i64, v: &mut Vec<Violation>, errors: &mut Vec<String>) {
    for src in db_sources(cfg) {
        let cutoff = before(now, src.window_secs() as u64);
        let r = db_config(cfg, src).and_then(|dbc| {
            let mut db = Db::connect(&dbc)?;
            Ok((db.older_than(&dbc, cutoff)?, dbc))
        });
        match r {
            Ok((o, dbc)) if o.rows > 0 => v.push(Violation {
                source: src.name.clone(),
                what: format!(
                    "{} table {}",
                    dbc.describe(),
                    dbc.table("logstore_standard_log")
                ),
                why: format!(
                    "holds {} rows from {}, older than its window of {} (cutoff {})",
                    o.rows,
                    iso(o.oldest.unwrap_or(0)),
                    src.window,
                    iso(cutoff)
                ),
            }),
            Ok(_) => {}
            Err(e) => errors.push(format!("source \"{}\": {e}", src.name)),
        }
    }
}
