//! `anonlog stats` and `anonlog stats merge`: reads inputs (or partial
//! states), and writes the tables, the metadata and optionally a partial
//! state (the counting and the privacy rules are [`anonlog::stats`]).

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde::Serialize;

use anonlog::error::{Error, ErrorKind, EXIT_OK};
use anonlog::pseudonym::Key;
use anonlog::stats::{self, privacy, DimSet, Partial, ReadConfig, State, UserHasher};
use anonlog::time::parse_duration;

use super::common::{self, LayoutArgs};

/// Extra help text.
pub const HELP: &str = "\
Writes into --out DIR: stats.csv and stats.json (one row per window,
dimension and value: events, distinct users; for BigBlueButton meetings also
participants, minutes and peak concurrency; suppressed) and metadata.json
(windows, K, epsilon and delta, inputs, the audit). Cells describing fewer
than --min-users users are withheld, with complementary suppression checked
by a linear-programming audit of all tables of the run together; with
--epsilon the release is (epsilon, delta)-differentially private (see
README, \"Statistics\").

Examples:
  anonlog stats -k /etc/anonlog/stats.key --out stats/ access.anon.log logstore.csv
  anonlog stats -k KEY --partial web1.state /var/log/anonlog/access.*.log
  anonlog stats merge --out stats/ web1.state web2.state

Exit status:
  0  tables written
  2  usage, key or I/O error";

/// The options of `anonlog stats`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct StatsArgs {
    #[command(subcommand)]
    merge: Option<StatsCommand>,
    /// Input files (any format anonlog reads, raw or anonymized; `-` or none
    /// means standard input).
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    run: RunArgs,
    /// The key that hashes identities (a file made by `anonlog key init`).
    /// Needed for --partial, so that states of several hosts count the same
    /// person once; without it a random key of this run is used.
    #[arg(short = 'k', long, value_name = "PATH", env = "ANONLOG_KEY_FILE")]
    key_file: Option<PathBuf>,
    #[command(flatten)]
    layout: LayoutArgs,
    /// Worker threads [default: number of cores].
    #[arg(short = 'j', long, value_name = "N")]
    threads: Option<NonZeroUsize>,
    /// Also count the rows of Moodle's {prefix}logstore_standard_log, read
    /// live from the database of this Moodle config.php (the same tables as
    /// from an export of the same rows). With no FILE, only the database is
    /// read.
    #[arg(long, value_name = "FILE")]
    moodle_config: Option<PathBuf>,
    /// Like --moodle-config, with the [moodle_db] table of this anonlog
    /// config.
    #[arg(long, value_name = "FILE", conflicts_with = "moodle_config")]
    moodle_db: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum StatsCommand {
    /// Combine partial states (--partial) of several hosts or days into the
    /// tables one run over all their inputs would give.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// Partial state files.
    #[arg(value_name = "PARTIAL", required = true)]
    partials: Vec<PathBuf>,
    #[command(flatten)]
    run: RunArgs,
}

/// What both forms share: privacy settings and outputs.
#[derive(Debug, Args)]
struct RunArgs {
    /// Window lengths, comma-separated: 1d, 7d, 30d or any durations, each a
    /// multiple of the shortest; all are released together and protected
    /// jointly. Windows are aligned like key epochs (from Monday 1970-01-05
    /// 00:00 UTC), times are UTC [default: 7d; for merge: the partials'].
    #[arg(long, value_name = "LENGTHS", value_delimiter = ',')]
    window: Vec<String>,
    /// Write stats.csv, stats.json and metadata.json into DIR (created as
    /// needed).
    #[arg(long, value_name = "DIR", required_unless_present = "partial")]
    out: Option<PathBuf>,
    /// K: leave out every cell that describes fewer than K distinct users.
    #[arg(long, value_name = "K", default_value_t = 5)]
    min_users: u64,
    /// Add differential-privacy noise with budget E, split equally over all
    /// tables and their two measures.
    #[arg(long, value_name = "E")]
    epsilon: Option<f64>,
    /// With --epsilon: δ, the probability (over the whole release) that a
    /// value seen only in the data escapes ε, e.g. one user's course.
    #[arg(long, value_name = "D", default_value_t = 1e-6)]
    delta: f64,
    /// A public list of the values of a dimension, one a line (only
    /// `course=FILE`): the course table then lists exactly these courses,
    /// each one whether it has records or not.
    #[arg(long, value_name = "DIM=FILE")]
    domain: Vec<String>,
    /// The most work the disclosure audit may do, in variables × equations
    /// summed over its linear programs (0: no limit). A release whose audit
    /// does not finish within it is not written (exit status 2).
    #[arg(long, value_name = "N", default_value_t = anonlog::stats::audit::DEFAULT_BUDGET)]
    audit_budget: u64,
    /// With --epsilon: each user counts in at most N cells per table.
    #[arg(long, value_name = "N", default_value_t = 4)]
    max_cells: usize,
    /// With --epsilon: each user counts at most N events per cell.
    #[arg(long, value_name = "N", default_value_t = 100)]
    max_events: u64,
    /// Only these dimensions (comma-separated: total, course, activity,
    /// event, crud, edulevel, hour, weekday, status, origin, ua_family,
    /// device, bbb_meetings, bbb_meeting_size, bbb_meeting_duration,
    /// bbb_course; and, only when named: week, course_activity, course_week,
    /// course_hour_of_week) [default: all but those named only]. With
    /// --epsilon the budget is split over these only.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    dimensions: Vec<String>,
    /// Also write the counting state to FILE, for `anonlog stats merge`.
    /// It holds keyed hashes of users: treat it like pseudonymized logs.
    #[arg(long, value_name = "FILE")]
    partial: Option<PathBuf>,
    /// Also write the HTML report of this release to FILE (as `anonlog
    /// report DIR -o FILE` would).
    #[arg(long, value_name = "FILE", requires = "out")]
    html: Option<PathBuf>,
    /// Also write the rows Hive-style into ROOT: one
    /// `window=<start>_<length>/dimension=<name>/part.csv` per table, with
    /// the columns of stats.csv but window_start, window_end and dimension
    /// (see README, "Loading the tables").
    #[arg(long, value_name = "ROOT", requires = "out")]
    partition: Option<PathBuf>,
}

impl RunArgs {
    fn options(&self) -> Result<privacy::Options, Error> {
        if let Some(e) = self.epsilon {
            if !(e.is_finite() && e > 0.0) {
                return Err(Error::new(
                    ErrorKind::Usage,
                    format!("--epsilon {e}: give a positive number such as 1 or 0.5"),
                ));
            }
        }
        if self.min_users == 0 {
            return Err(Error::new(
                ErrorKind::Usage,
                "--min-users must be at least 1",
            ));
        }
        let dims = if self.dimensions.is_empty() {
            None
        } else {
            let mut v = Vec::new();
            for n in &self.dimensions {
                v.push(stats::Dim::from_name(n.trim()).ok_or_else(|| {
                    Error::new(
                        ErrorKind::Usage,
                        format!("--dimensions: unknown dimension {n:?} (see --help)"),
                    )
                })?);
            }
            Some(v)
        };
        if !(self.delta > 0.0 && self.delta < 1.0) {
            return Err(Error::new(
                ErrorKind::Usage,
                format!("--delta {}: give a probability such as 1e-6", self.delta),
            ));
        }
        let mut course_domain = None;
        for d in &self.domain {
            let Some(file) = d.strip_prefix("course=") else {
                return Err(Error::new(
                    ErrorKind::Usage,
                    format!("--domain {d:?}: only course=FILE is supported"),
                ));
            };
            if file == "db" {
                // The public course list of {prefix}course: read in `run`.
                continue;
            }
            let text = std::fs::read_to_string(file)
                .map_err(|e| Error::io(&format!("cannot read the course list {file}"), &e))?;
            let mut v: Vec<String> = Vec::new();
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let id = line.trim_start_matches('0');
                if !v.iter().any(|x| x == id) {
                    v.push(id.to_string());
                }
            }
            course_domain = Some(v);
        }
        Ok(privacy::Options {
            min_users: self.min_users,
            epsilon: self.epsilon,
            delta: self.delta,
            max_cells: self.max_cells,
            max_events: self.max_events,
            dims,
            course_domain,
            seed: None,
            audit_budget: self.audit_budget,
        })
    }

    /// The window lengths in seconds, shortest first (`base`: the length
    /// the counts are in, for merge).
    fn windows(&self, base: Option<u64>) -> Result<Vec<u64>, Error> {
        let mut v = Vec::new();
        for w in &self.window {
            let s = parse_duration(w.trim())?;
            if s == 0 {
                return Err(Error::new(
                    ErrorKind::Usage,
                    "--window must be longer than 0",
                ));
            }
            v.push(s);
        }
        if v.is_empty() {
            v.push(base.unwrap_or(7 * 86_400));
        }
        v.sort_unstable();
        v.dedup();
        let short = base.unwrap_or(v[0]);
        if let Some(bad) = v.iter().find(|&&l| l % short != 0) {
            return Err(Error::new(
                ErrorKind::Usage,
                format!(
                    "--window: {bad} s is not a multiple of {short} s; the lengths of one release must be multiples of the shortest (add a shorter one such as 1d) so that they are protected together"
                ),
            ));
        }
        Ok(v)
    }
}

/// Runs `anonlog stats` (or `stats merge`).
pub fn run(a: StatsArgs) -> Result<u8, Error> {
    if let Some(StatsCommand::Merge(m)) = a.merge {
        return merge(m);
    }
    let opts = a.run.options()?;
    let windows = a.run.windows(None)?;
    let key =
        match &a.key_file {
            Some(p) => Key::load(p)?,
            None if a.run.partial.is_some() => return Err(Error::new(
                ErrorKind::Usage,
                "--partial needs --key-file: states hashed with different keys cannot be merged",
            )),
            None => Key::generate()?,
        };
    let hasher = UserHasher::new(&key);
    let layout = a.layout.layout(None, None)?;
    let cfg = ReadConfig {
        format: a.layout.forced()?,
        layout,
        trailing_user: a.layout.trailing_user,
        threads: common::threads(a.threads),
        block_size: 1 << 20,
    };
    let mut state = State::counting(windows[0], DimSet::counting(opts.dims.as_deref()));
    let from_db = a.moodle_config.is_some() || a.moodle_db.is_some();
    let mut opts = opts;
    if from_db {
        let db_cfg = match (&a.moodle_config, &a.moodle_db) {
            (Some(p), _) => anonlog::moodledb::DbConfig::from_moodle_config(p)?,
            (None, Some(c)) => match &anonlog::config::Config::load(c)?.moodle_db {
                Some(t) => anonlog::moodledb::DbConfig::from_table(t)?,
                None => {
                    return Err(Error::new(
                        ErrorKind::Usage,
                        format!("--moodle-db {}: the config has no [moodle_db]", c.display()),
                    ))
                }
            },
            (None, None) => unreachable!("from_db"),
        };
        let mut db = anonlog::moodledb::client::Db::connect(&db_cfg)?;
        if a.run.domain.iter().any(|d| d == "course=db") {
            let ids = db.public_courses(&db_cfg)?;
            opts.course_domain = Some(ids.iter().map(i64::to_string).collect());
        }
        let q = anonlog::moodledb::client::RowQuery::default();
        anonlog::moodledb::stats::add_rows(&mut state, &mut db, &db_cfg, &q, &hasher)?;
    } else if a.run.domain.iter().any(|d| d == "course=db") {
        return Err(Error::new(
            ErrorKind::Usage,
            "--domain course=db reads {prefix}course: give --moodle-config or --moodle-db",
        ));
    }
    let inputs = if from_db && a.files.is_empty() {
        Vec::new()
    } else {
        common::inputs_of(&a.files)
    };
    let bar = anonlog::progress::Bar::start(anonlog::progress::input_size(&a.files), false);
    for input in &inputs {
        state.add_input(input, &cfg, &hasher)?;
    }
    drop(bar);
    refuse_duplicates(&state.inputs, None)?;
    finish(state, &windows, &a.run, &opts, &hasher.fingerprint())
}

fn merge(m: MergeArgs) -> Result<u8, Error> {
    let opts = m.run.options()?;
    let mut state: Option<State> = None;
    let mut key: Option<String> = None;
    for p in &m.partials {
        let text = std::fs::read(p)
            .map_err(|e| Error::io(&format!("cannot read partial {}", p.display()), &e))?;
        let part: Partial = serde_json::from_slice(&text).map_err(|e| {
            Error::new(
                ErrorKind::Usage,
                format!("{}: not an anonlog stats partial: {e}", p.display()),
            )
        })?;
        if part.anonlog_stats_partial != 1 {
            return Err(Error::new(
                ErrorKind::Usage,
                format!("{}: a partial of another version", p.display()),
            ));
        }
        match &key {
            Some(k) if *k != part.key => {
                return Err(Error::new(
                    ErrorKind::Usage,
                    format!(
                        "{}: made with another key than {}; its users cannot be counted together",
                        p.display(),
                        m.partials[0].display()
                    ),
                ))
            }
            _ => key = Some(part.key.clone()),
        }
        let s = State::from_partial(part);
        refuse_duplicates(&s.inputs, state.as_ref().map(|a| &a.inputs[..]))
            .map_err(|e| Error::new(ErrorKind::Usage, format!("{}: {}", p.display(), e)))?;
        match &mut state {
            None => state = Some(s),
            Some(acc) if acc.window != s.window => {
                return Err(Error::new(
                    ErrorKind::Usage,
                    format!(
                        "{}: windows of {} s, not {} s like the others",
                        p.display(),
                        s.window,
                        acc.window
                    ),
                ))
            }
            Some(acc) => acc.merge(s),
        }
    }
    let state = state.expect("at least one partial (required by clap)");
    let wanted = DimSet::counting(opts.dims.as_deref());
    if let Some(d) = stats::DIMS
        .into_iter()
        .find(|&d| wanted.has(d) && !state.counted.has(d))
    {
        return Err(Error::new(
            ErrorKind::Usage,
            format!(
                "the partials do not all count dimension {}: make them with --dimensions naming it",
                d.name()
            ),
        ));
    }
    let windows = m.run.windows(Some(state.window))?;
    finish(
        state,
        &windows,
        &m.run,
        &opts,
        key.as_deref().unwrap_or_default(),
    )
}

/// Refuses an input counted twice: the same content (by digest) given
/// twice in one run, or in two partials (`before`: the inputs merged so
/// far).
fn refuse_duplicates(
    inputs: &[stats::InputInfo],
    before: Option<&[stats::InputInfo]>,
) -> Result<(), Error> {
    let mut seen: Vec<&stats::InputInfo> = before.unwrap_or_default().iter().collect();
    for i in inputs {
        if let Some(o) = seen
            .iter()
            .find(|o| !i.digest.is_empty() && o.digest == i.digest && i.records > 0)
        {
            return Err(Error::new(
                ErrorKind::Usage,
                format!(
                    "input {} has the same content as {}: its records would be counted twice",
                    i.input, o.input
                ),
            ));
        }
        seen.push(i);
    }
    Ok(())
}

/// Warns about inputs that no table can describe by person.
fn warn_anonymous(inputs: &[stats::InputInfo]) {
    for i in inputs.iter().filter(|i| i.records > 0 && i.identified == 0) {
        eprintln!(
            "anonlog stats: warning: {}: none of its {} records names a user (no user field, or only \"-\"); its cells count 0 users and never reach K, so they are suppressed (see README, \"Statistics\")",
            i.input, i.records
        );
    }
}

/// The metadata file.
#[derive(Serialize)]
struct Metadata<'a> {
    anonlog_version: &'static str,
    window_seconds: u64,
    window_lengths_seconds: &'a [u64],
    window_alignment: &'static str,
    time_zone: &'static str,
    min_users: u64,
    epsilon: Option<f64>,
    delta: Option<f64>,
    max_cells_per_user: Option<usize>,
    max_events_per_user_and_cell: Option<u64>,
    inputs: &'a [stats::InputInfo],
    rows: u64,
    privacy: &'a privacy::Report,
    not_protected: &'static str,
    columns: [&'static str; 10],
}

/// What the release does not protect against (also in README).
const NOT_PROTECTED: &str = "Only the tables of this run are audited together. Releases made by \
     separate runs over the same or overlapping data are not protected against each other, nor \
     against differencing two releases whose inputs differ by one person; --epsilon is the \
     protection for that. Without --epsilon, minutes, participants and peak concurrency of \
     meeting cells are published as they are and not audited.";

fn finish(
    mut state: State,
    windows: &[u64],
    run: &RunArgs,
    opts: &privacy::Options,
    fingerprint: &str,
) -> Result<u8, Error> {
    warn_anonymous(&state.inputs);
    if let Some(p) = &run.partial {
        // The partial keeps meetings open, so that parts merge exactly.
        let part = state.to_partial(fingerprint);
        let json = serde_json::to_vec(&part).expect("plain values serialize");
        write_file(p, &json)?;
    }
    let Some(dir) = &run.out else {
        return Ok(EXIT_OK);
    };
    let mut states: Vec<State> = windows
        .iter()
        .filter(|&&w| w != state.window)
        .map(|&w| state.coarsen(w))
        .collect();
    if windows.contains(&state.window) {
        states.insert(0, state.clone());
    }
    for s in &mut states {
        s.close_meetings();
    }
    state.close_meetings();
    let (rows, report) = stats::tables(&states, opts);
    refuse_unprotected(&report, opts, dir)?;
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(&format!("cannot create {}", dir.display()), &e))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.serialize(r)
            .map_err(|e| Error::new(ErrorKind::Io, format!("cannot write CSV: {e}")))?;
    }
    let csv = w
        .into_inner()
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot write CSV: {e}")))?;
    let csv = if rows.is_empty() {
        format!("{}\n", stats::COLUMNS.join(",")).into_bytes()
    } else {
        csv
    };
    write_file(&dir.join("stats.csv"), &csv)?;
    let mut json = serde_json::to_vec_pretty(&rows).expect("plain values serialize");
    json.push(b'\n');
    write_file(&dir.join("stats.json"), &json)?;
    let meta = Metadata {
        anonlog_version: env!("CARGO_PKG_VERSION"),
        window_seconds: windows[0],
        window_lengths_seconds: windows,
        window_alignment: "from Monday 1970-01-05 00:00 UTC, like key epochs",
        time_zone: "UTC",
        min_users: opts.min_users,
        epsilon: opts.epsilon,
        delta: opts.epsilon.map(|_| opts.delta),
        max_cells_per_user: opts.epsilon.map(|_| opts.max_cells),
        max_events_per_user_and_cell: opts.epsilon.map(|_| opts.max_events),
        inputs: &state.inputs,
        rows: rows.len() as u64,
        privacy: &report,
        not_protected: NOT_PROTECTED,
        columns: stats::COLUMNS,
    };
    let mut json = serde_json::to_vec_pretty(&meta).expect("plain values serialize");
    json.push(b'\n');
    write_file(&dir.join("metadata.json"), &json)?;
    if let Some(root) = &run.partition {
        write_partitions(root, &rows)?;
    }
    if let Some(html) = &run.html {
        // From the files just written, so the report shows exactly them.
        let release = anonlog::report::read_dir(dir)?;
        anonlog::report::write(&release, html)?;
    }
    Ok(EXIT_OK)
}

/// Writes `rows` as `root/window=…/dimension=…/part.csv`, one file per
/// table, each replaced atomically.
fn write_partitions(root: &Path, rows: &[stats::Row]) -> Result<(), Error> {
    let mut i = 0;
    while i < rows.len() {
        let r = &rows[i];
        let n = rows[i..]
            .iter()
            .take_while(|o| {
                o.window_start == r.window_start
                    && o.window_end == r.window_end
                    && o.dimension == r.dimension
            })
            .count();
        let window = anonlog::report::window_partition(&r.window_start, &r.window_end);
        let dir = root
            .join(format!("window={window}"))
            .join(format!("dimension={}", r.dimension));
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(&format!("cannot create {}", dir.display()), &e))?;
        let mut w = csv::Writer::from_writer(Vec::new());
        let bad = |e: csv::Error| Error::new(ErrorKind::Io, format!("cannot write CSV: {e}"));
        w.write_record(&stats::COLUMNS[3..]).map_err(bad)?;
        for o in &rows[i..i + n] {
            let num = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
            w.write_record([
                o.value.clone(),
                num(o.events),
                num(o.users),
                num(o.participants),
                num(o.minutes),
                num(o.peak_concurrency),
                o.suppressed.to_string(),
            ])
            .map_err(bad)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| Error::new(ErrorKind::Io, format!("cannot write CSV: {e}")))?;
        write_file(&dir.join("part.csv"), &bytes)?;
        i += n;
    }
    Ok(())
}

fn write_file(p: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let mut f = anonlog::output::AtomicFile::create(p)
        .map_err(|e| Error::io(&format!("cannot write {}", p.display()), &e))?;
    f.write_all(bytes)
        .and_then(|()| f.commit())
        .map_err(|e| Error::io(&format!("cannot write {}", p.display()), &e))
}

/// Fails closed: a release with a small cell the audit could not check or
/// protect is not written at all.
fn refuse_unprotected(
    report: &privacy::Report,
    opts: &privacy::Options,
    dir: &Path,
) -> Result<(), Error> {
    if let Some(a) = report.audit.as_ref().filter(|a| a.unprotected > 0) {
        let why = if a.budget_exhausted {
            format!(
                "the disclosure audit did not finish within --audit-budget {} \
                 ({} linear programs); ask for fewer window lengths or dimensions, \
                 a smaller input, or a larger budget",
                opts.audit_budget, a.linear_programs
            )
        } else {
            "no further suppression can protect them".to_string()
        };
        return Err(Error::new(
            ErrorKind::Usage,
            format!(
                "{} cell(s) of 1 to {} users could not be shown to be protected: \
                 {why}; nothing was written to {}",
                a.unprotected,
                opts.min_users - 1,
                dir.display()
            ),
        ));
    }
    Ok(())
}
