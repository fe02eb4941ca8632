//! `anonlog rotate`: reads the config, takes the lock, and prints what the
//! retention run did (the work itself is [`anonlog::retention`]).

use std::path::PathBuf;

use clap::Args;

use anonlog::config::{self, Config};
use anonlog::error::{Error, EXIT_ERROR, EXIT_LOST, EXIT_OK};
use anonlog::retention;
use anonlog::time::iso;

use super::common::NowArg;

/// Extra help text.
pub const HELP: &str = "\
Each [[source]] of the config names files (globs), their kind, a window and
an action: delete a file once its newest record is older than the window,
prune the records older than the window inside it, or anonymize it to a
destination, verify the copy and delete it. With [keys], the keys of the
current and next epoch are created and keys older than destroy_after are
destroyed. Every change is appended to the audit log (JSON lines), as an
intent before it is made and as done (or failed) after.

Symbolic links below the fixed part of a pattern are not followed. A file is
deleted, pruned or replaced only while it is still the file that was read: one
renamed onto its name, written to or truncated meanwhile is left alone and
reported. Temporary files left by killed runs (.NAME.anonlog-PID-N.tmp of a
process that no longer runs) are removed and recorded; --check lists them.
A pattern that matches no file (a typo) is a warning for rotate and a
violation for --check.

A destination may carry the date of the raw file's newest line: {date}
(%Y-%m-%d) or the fields of dated outputs (%Y %m %d %G %V ...). An existing
copy is never overwritten: a raw file whose copy would land on another file
is kept and reported (exit status 2; --check lists it). Compressed files
(.gz, .xz, .zst) are read through their decompression; their copies are
written uncompressed, named without the suffix. A pruned compressed file is
written back compressed with the same codec.

Examples:
  anonlog rotate --dry-run                  # print the plan, change nothing
  anonlog rotate                            # do it (cron, systemd timer)
  anonlog rotate --check                    # auditor: list violations

Exit status:
  0  done (or, with --check, every promise holds)
  1  --check found violations
  2  a config, lock or key error, or an action failed (the files concerned
     are left as they were; the other actions are still done)
  128+N  terminated by signal N (temporary files removed; a rerun completes
     the audit records)";

/// The options of `anonlog rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The config file.
    #[arg(long, value_name = "FILE", env = "ANONLOG_CONFIG", default_value = config::DEFAULT_PATH)]
    config: PathBuf,
    /// Print what would be done; change nothing, record nothing.
    #[arg(long, conflicts_with = "check")]
    dry_run: bool,
    /// Change nothing; list every file, record and key that is older than
    /// its window right now, and exit with 1 if there is one.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    now: NowArg,
    /// Print only errors (and, with --check, violations).
    #[arg(short, long)]
    quiet: bool,
}

/// Runs `anonlog rotate`.
pub fn run(a: &RotateArgs) -> Result<u8, Error> {
    let cfg = Config::load(&a.config)?;
    let now = a.now.get()?;
    if a.check {
        let (violations, errors) = retention::check(&cfg, now);
        for v in &violations {
            println!("{}: {}: {}", v.source, v.what, v.why);
        }
        for e in &errors {
            eprintln!("anonlog: error: {e}");
        }
        if !a.quiet {
            eprintln!("anonlog: {} violation(s) at {}", violations.len(), iso(now));
        }
        return Ok(if !errors.is_empty() {
            EXIT_ERROR
        } else if violations.is_empty() {
            EXIT_OK
        } else {
            EXIT_LOST
        });
    }
    let patterns = cfg
        .sources
        .iter()
        .flat_map(|s| s.paths.iter().map(String::as_str));
    let bar = anonlog::progress::Bar::start(anonlog::progress::glob_size(patterns), a.quiet);
    // A source's own log_format / nginx_format: one run per layout.
    let mut report = retention::Report::default();
    for run in cfg.runs_by_layout() {
        let rewriter = || run.anonymize.rewriter(now);
        let r = retention::rotate(&run, now, a.dry_run, &rewriter)?;
        report.done.extend(r.done);
        report.errors.extend(r.errors);
        report.warnings.extend(r.warnings);
    }
    drop(bar);
    for line in &report.done {
        if a.dry_run || !a.quiet {
            println!("{line}");
        }
    }
    for w in &report.warnings {
        eprintln!("anonlog: warning: {w}");
    }
    for e in &report.errors {
        eprintln!("anonlog: error: {e}");
    }
    if a.dry_run && report.done.is_empty() && !a.quiet {
        println!("nothing to do at {}", iso(now));
    }
    Ok(if report.errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_ERROR
    })
}
