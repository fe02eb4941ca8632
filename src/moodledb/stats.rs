//! Statistics straight from the live log: the rows of
//! `{prefix}logstore_standard_log` counted into a [`State`] by the same
//! extractor, and from the same CSV form, as a logstore export of those
//! rows, so that the tables are the same either way.

use sha2::{Digest, Sha256};

use super::client::{Db, RowQuery};
use super::export::{header, write_csv_row};
use super::DbConfig;
use crate::error::Error;
use crate::format::moodle::{Kind, Schema};
use crate::format::Format;
use crate::stats::{Extractor, InputInfo, State, UserHasher};

/// Counts the rows `q` selects into `state` (one input in its metadata,
/// named after the database and table, never with the password).
pub fn add_rows(
    state: &mut State,
    db: &mut Db,
    cfg: &DbConfig,
    q: &RowQuery,
    hasher: &UserHasher,
) -> Result<(), Error> {
    let head = header();
    let schema = Schema::from_sample(&[&head[..], b"\n"].concat(), Some(Kind::Logstore))
        .expect("the logstore header is a logstore header");
    let mut part = State::counting(state.window, state.counted);
    let mut ex = Extractor::new(Format::MoodleLogstore, Some(&schema), hasher);
    let (mut records, mut skipped) = (0u64, 0u64);
    let mut digest = Sha256::new();
    let mut rec = Vec::new();
    db.log_rows(cfg, q, &mut |row| {
        rec.clear();
        write_csv_row(row, &mut rec);
        digest.update(&rec);
        digest.update(b"\n");
        if ex.add(&mut part, &rec) {
            records += 1;
        } else {
            skipped += 1;
        }
        Ok(())
    })?;
    let d = digest.finalize();
    let identified = ex.identified;
    state.merge(part);
    state.inputs.push(InputInfo {
        input: format!(
            "{} table {}",
            cfg.describe(),
            cfg.table("logstore_standard_log")
        ),
        format: Format::MoodleLogstore.name().to_string(),
        records,
        skipped,
        identified,
        digest: d[..8].iter().map(|b| format!("{b:02x}")).collect(),
    });
    Ok(())
}
