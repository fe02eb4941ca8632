//! `anonlog moodle`: Moodle's database, live. `moodle export` streams rows
//! of `{prefix}logstore_standard_log` through the logstore rewriter into
//! pseudonymized CSV, once or incrementally; the connection comes from
//! Moodle's `config.php` or the config's `[moodle_db]` (see
//! [`anonlog::moodledb`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};

use anonlog::config::{self, AnonymizeDefaults, Config};
use anonlog::error::{Error, ErrorKind, EXIT_LOST, EXIT_OK};
use anonlog::keyring::Keyring;
use anonlog::moodledb::client::{Db, RowQuery};
use anonlog::moodledb::export::{self, Sink};
use anonlog::moodledb::DbConfig;
use anonlog::pseudonym::{Key, Pseudonymizer};
use anonlog::rewrite::roster::Roster;
use anonlog::rewrite::{Keys, OnUnparsed, Rewriter};
use anonlog::time::parse_time;

use super::common::NowArg;

pub const HELP: &str = "\
Examples:
  anonlog moodle export --moodle-config /var/www/moodle/config.php -k /etc/anonlog/key \\
      --since 2026-11-01 --until 2026-12-01 -o november.csv
  # daily, from cron: only the rows added since the last run, exactly once
  anonlog moodle export --moodle-config /var/www/moodle/config.php --key-dir /var/lib/anonlog/keys \\
      --incremental /var/lib/anonlog/moodle-export.state -o /srv/exports/moodle-$(date +%F).csv

Exit status:
  0  every row read was written
  1  rows were written with fields that could not be read as REDACTED, or
     left out (--on-unparsed drop)
  2  usage, config, key, connection or I/O error (the password is never
     shown); the output and the state are left as they were";

/// `anonlog moodle SUBCOMMAND`.
#[derive(Debug, Subcommand)]
pub enum MoodleCommand {
    /// Write pseudonymized CSV of the rows of {prefix}logstore_standard_log
    /// (in id order, in the CSV of PostgreSQL's COPY ... CSV HEADER), each
    /// rewritten exactly as `anonlog anonymize` rewrites such an export.
    #[command(after_help = HELP)]
    Export(ExportArgs),
}

impl MoodleCommand {
    /// Runs the subcommand.
    pub fn run(self) -> Result<u8, Error> {
        match self {
            MoodleCommand::Export(a) => run_export(&a),
        }
    }
}

/// Where Moodle's database is: `--moodle-config`, or the config's
/// `[moodle_db]`.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// Moodle's config.php: $CFG->dbtype (pgsql, mariadb, mysqli), dbhost,
    /// dbname, dbuser, dbpass, prefix, dboptions (dbport, dbsocket). Read
    /// without running PHP.
    #[arg(long, value_name = "FILE", env = "ANONLOG_MOODLE_CONFIG")]
    pub moodle_config: Option<PathBuf>,
}

impl DbArgs {
    /// The connection settings: `--moodle-config`, else `[moodle_db]` of
    /// `cfg`.
    pub fn db_config(&self, cfg: Option<&Config>) -> Result<DbConfig, Error> {
        if let Some(p) = &self.moodle_config {
            return DbConfig::from_moodle_config(p);
        }
        match cfg.and_then(|c| c.moodle_db.as_ref()) {
            Some(t) => DbConfig::from_table(t),
            None => Err(Error::new(
                ErrorKind::Usage,
                "no database given: use --moodle-config /path/to/moodle/config.php, or \
                 [moodle_db] in the config (--config)",
            )),
        }
    }
}

/// The options of `anonlog moodle export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    db: DbArgs,

    /// anonlog's config: [moodle_db] and the [anonymize] defaults (key,
    /// prefixes, parameter lists). Without this option
    /// /etc/anonlog/anonlog.toml is read when it exists.
    #[arg(long, value_name = "FILE", env = "ANONLOG_CONFIG")]
    config: Option<PathBuf>,

    /// A static key (32 bytes, mode 0600).
    #[arg(short = 'k', long, value_name = "PATH", env = "ANONLOG_KEY_FILE")]
    key_file: Option<PathBuf>,

    /// A keyring: each row is pseudonymized with the key of the epoch of its
    /// timecreated.
    #[arg(
        long,
        value_name = "DIR",
        env = "ANONLOG_KEY_DIR",
        conflicts_with = "key_file"
    )]
    key_dir: Option<PathBuf>,

    /// Only rows with timecreated at or after TIME (`@UNIX-SECONDS`,
    /// `2026-11-25`, `2026-11-25T10:00:00Z`, or a duration back from now
    /// such as 30d).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,

    /// Only rows with timecreated before TIME (same forms as --since).
    #[arg(long, value_name = "TIME")]
    until: Option<String>,

    #[command(flatten)]
    now: NowArg,

    /// Write to FILE (replaced atomically when the run succeeds) instead of
    /// standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Export only the rows after the last id recorded in STATE, and record
    /// the new last id once the output is on disk: run daily, every row is
    /// exported exactly once, also after a crash. Needs -o (use a new file
    /// per run, e.g. with the date in its name). Rows outside
    /// --since/--until are passed over for good.
    #[arg(long, value_name = "STATE", requires = "output")]
    incremental: Option<PathBuf>,

    /// Read the roster (the site's people, deleted users included) from
    /// {prefix}user, held in memory only: every form of every person in any
    /// field is replaced by the pseudonym of their user id.
    #[arg(long)]
    roster: bool,

    /// Do not print the summary.
    #[arg(short, long)]
    quiet: bool,
}

/// The config named, or the default one when it exists.
pub fn load_config(path: Option<&Path>) -> Result<Option<Config>, Error> {
    match path {
        Some(p) => Config::load(p).map(Some),
        None if Path::new(config::DEFAULT_PATH).exists() => {
            Config::load(Path::new(config::DEFAULT_PATH)).map(Some)
        }
        None => Ok(None),
    }
}

fn keys(a: &ExportArgs, d: &AnonymizeDefaults) -> Result<Keys, Error> {
    let (key_file, key_dir) = match (&a.key_file, &a.key_dir) {
        (None, None) => (&d.key_file, &d.key_dir),
        given => given,
    };
    match (key_file, key_dir) {
        (Some(f), _) => Ok(Keys::Static(Box::new(Pseudonymizer::new(&Key::load(f)?)))),
        (None, Some(dir)) => Ok(Keys::Ring(Keyring::open(dir)?)),
        (None, None) => Err(Error::new(
            ErrorKind::Usage,
            "no key given: use --key-file PATH or --key-dir DIR, or key_file / key_dir \
             in the config's [anonymize]",
        )),
    }
}

fn run_export(a: &ExportArgs) -> Result<u8, Error> {
    let cfg = load_config(a.config.as_deref())?;
    let defaults = cfg
        .as_ref()
        .map(|c| c.anonymize.clone())
        .unwrap_or_default();
    let db_cfg = a.db.db_config(cfg.as_ref())?;
    let now = a.now.get()?;
    let time = |t: &Option<String>| t.as_deref().map(|s| parse_time(s, now)).transpose();
    let q = RowQuery {
        since: time(&a.since)?,
        until: time(&a.until)?,
        ..RowQuery::default()
    };
    let keys = keys(a, &defaults)?;
    let mut opts = defaults.options(now);
    opts.roster = defaults.load_roster()?;
    opts.on_unparsed = OnUnparsed::Scrub;
    let mut db = Db::connect(&db_cfg)?;
    if a.roster {
        let people = db.people(&db_cfg)?;
        opts.roster = Some(Arc::new(Roster::new(&people)));
    }
    let rw = Rewriter::with_keys(opts, keys);
    let sum = match &a.output {
        Some(path) => export::export(
            &mut db,
            &db_cfg,
            &rw,
            q,
            Sink::File {
                path,
                state: a.incremental.as_deref(),
            },
        )?,
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            let s = export::export(&mut db, &db_cfg, &rw, q, Sink::Stream(&mut lock))?;
            let _ = lock.flush();
            s
        }
    };
    let key_errors = rw.key_errors();
    for e in &key_errors {
        eprintln!("anonlog: error: {e}");
    }
    let lost = sum.fields_redacted > 0 || sum.dropped > 0;
    if !a.quiet || lost {
        let ids = sum
            .ids
            .map_or("none".to_string(), |(f, l)| format!("ids {f} to {l}"));
        eprintln!(
            "anonlog: {} rows read from {}, {} written ({ids}), {} dropped, {} fields REDACTED; {:.1} MB out",
            sum.rows,
            db_cfg.table("logstore_standard_log"),
            sum.written,
            sum.dropped,
            sum.fields_redacted,
            sum.bytes_out as f64 / 1e6
        );
    }
    if !key_errors.is_empty() {
        return Ok(anonlog::error::EXIT_ERROR);
    }
    Ok(if lost { EXIT_LOST } else { EXIT_OK })
}
