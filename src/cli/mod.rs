//! The command line: the `anonlog` command and its subcommands, one file
//! each (`anonymize`, `check`, `key`, `lookup` and `erase`, `rotate`,
//! `stats`), the argument groups they share (`common`), and the signal
//! handling that removes temporary files (`signals`).
//!
//! Each subcommand converts its clap arguments into library types once;
//! nothing past that sees a clap type. An error ends the command with the
//! exit status its kind decides.

mod anonymize;
mod check;
mod common;
mod docs;
mod key;
mod lookup;
mod moodle;
mod report;
mod rotate;
mod signals;
mod stats;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

const EXIT_HELP: &str = "\
Exit status of anonymize (each command's --help gives its own):
  0      every line read was written (rewritten, scrubbed or blank), or left
         out by --since/--until
  1      the run finished but lost data: lines left out (--on-unparsed drop)
         or CSV fields that could not be read written as REDACTED
  2      usage, key or I/O error (an unreadable input is skipped, the others
         are processed), or a line stopped the run (--on-unparsed fail)
  128+N  terminated by signal N; with -o the previous file is left as it was";

/// `anonlog --version`: the version, the git commit and the enabled features
/// (recorded by build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ANONLOG_COMMIT"),
    ", features: ",
    env!("ANONLOG_FEATURES"),
    ")"
);

/// Anonymize and pseudonymize Moodle, BigBlueButton and web-server logs.
#[derive(Debug, Parser)]
#[command(name = "anonlog", version = VERSION, about, long_about = None, after_help = EXIT_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Rewrite logs so that no client address, user or secret survives.
    ///
    /// Reads the FILEs in order (standard input when none is given or for
    /// `-`) and writes every line to standard output or --output, with client
    /// addresses truncated, user fields and identity parameters replaced by
    /// keyed pseudonyms, and secret parameters redacted. Everything else is
    /// copied byte for byte, so the output is a log of the same format.
    #[command(after_help = anonymize::HELP)]
    Anonymize(Box<anonymize::AnonymizeArgs>),
    /// Manage pseudonym keys: a static key file, or a keyring of one key per
    /// epoch whose old keys are destroyed on schedule.
    #[command(subcommand, after_help = key::HELP)]
    Key(key::KeyCommand),
    /// Print the pseudonyms of one person in every epoch whose key still
    /// exists (data-subject access requests), and say which epochs can no
    /// longer be linked to anyone.
    Lookup(lookup::LookupArgs),
    /// Remove one person's lines from pseudonymized log files (erasure
    /// requests). Each file is replaced atomically.
    Erase(lookup::EraseArgs),
    /// Scan anonymized output for personal data that survived: untruncated
    /// addresses, e-mail addresses, unredacted secrets, identities and user
    /// fields that are not pseudonyms (in Moodle CSV exports also user-id and
    /// user-name columns). Prints FILE:LINE:COLUMN: finding (LINE is the row
    /// in CSV), and exits with 1 when there is any.
    #[command(after_help = check::HELP)]
    Check(check::CheckArgs),
    /// Enforce retention: delete, prune or anonymize-then-delete the log
    /// files named in the config once they are older than their windows,
    /// create and destroy epoch keys, and record every change in an audit
    /// log. For cron and systemd timers; safe to run twice at once.
    #[command(after_help = rotate::HELP)]
    Rotate(rotate::RotateArgs),
    /// De-identified statistics for researchers: counts per window,
    /// dimension and value (courses, activities, events, hours, status,
    /// origins, browsers, BigBlueButton meetings), with distinct users, small
    /// cells suppressed and optional differential-privacy noise.
    #[command(after_help = stats::HELP)]
    Stats(Box<stats::StatsArgs>),
    /// Write the HTML report of a statistics release (a directory made by
    /// `anonlog stats --out`): one self-contained file with an overview and
    /// a chart and a table per dimension.
    #[command(after_help = report::HELP)]
    Report(report::ReportArgs),
    /// Moodle's database, live: pseudonymized extracts of
    /// {prefix}logstore_standard_log (once, or incrementally from cron,
    /// exactly once), from Moodle's config.php or the config's [moodle_db].
    #[command(subcommand)]
    Moodle(moodle::MoodleCommand),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    #[command(after_help = docs::COMPLETIONS_HELP)]
    Completions(docs::CompletionsArgs),
    /// Write the man pages into a directory (for packaging).
    #[command(hide = true)]
    Man(docs::ManArgs),
}

impl Cli {
    /// Runs the parsed command and returns the exit status.
    pub fn run(self) -> ExitCode {
        signals::install();
        let result = match self.command {
            Command::Anonymize(a) => anonymize::run(*a),
            Command::Key(k) => k.run(),
            Command::Lookup(a) => lookup::lookup(&a),
            Command::Erase(a) => lookup::erase(&a),
            Command::Check(a) => check::run(a),
            Command::Rotate(a) => rotate::run(&a),
            Command::Stats(a) => stats::run(*a),
            Command::Report(a) => report::run(&a),
            Command::Moodle(m) => m.run(),
            Command::Completions(a) => docs::completions(&a, Cli::command()),
            Command::Man(a) => docs::man(&a, Cli::command()),
        };
        match result {
            Ok(code) => ExitCode::from(code),
            Err(e) => {
                eprintln!("anonlog: error: {e}");
                ExitCode::from(e.exit_status())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
