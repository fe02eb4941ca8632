//! The command line: clap definitions, conversion into library types, and the
//! commands' top-level flow (open, run, report, exit status).
//!
//! Nothing past the argument structs sees a clap type.

mod keys;
mod rotate;
mod signals;
mod stats;

use std::io::Write;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use anonlog::config::{self, AnonymizeDefaults, Config};
use anonlog::format::Format;
use anonlog::input::Input;
use anonlog::ip::{IpMode, IpPolicy};
use anonlog::keyring::Keyring;
use anonlog::output::AtomicFile;
use anonlog::pipeline::{self, Diagnostic, RunConfig, RunSummary};
use anonlog::pseudonym::Key;
use anonlog::rewrite::{Keys, OnUnparsed, Options, Rewriter, UaPolicy};
use anonlog::scrub::ParamRules;
use anonlog::{Error, ErrorKind};

/// Exit status: every line read was written.
pub const EXIT_OK: u8 = 0;
/// Exit status: the run finished but lost data (`--on-unparsed drop`, or
/// unreadable CSV fields written as `REDACTED`).
pub const EXIT_LOST: u8 = 1;
/// Exit status: usage, key or I/O error, or a line stopped the run.
pub const EXIT_ERROR: u8 = 2;

const EXIT_HELP: &str = "\
Exit status of anonymize (each command's --help gives its own):
  0      every line read was written (rewritten, scrubbed or blank), or left
         out by --since/--until
  1      the run finished but lost data: lines left out (--on-unparsed drop)
         or CSV fields that could not be read written as REDACTED
  2      usage, key or I/O error (an unreadable input is skipped, the others
         are processed), or a line stopped the run (--on-unparsed fail)
  128+N  terminated by signal N; with -o the previous file is left as it was";

/// Anonymize and pseudonymize Moodle, BigBlueButton and web-server logs.
#[derive(Debug, Parser)]
#[command(name = "anonlog", version, about, long_about = None, after_help = EXIT_HELP)]
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
    #[command(after_help = ANONYMIZE_HELP)]
    Anonymize(AnonymizeArgs),
    /// Manage pseudonym keys: a static key file, or a keyring of one key per
    /// epoch whose old keys are destroyed on schedule.
    #[command(subcommand, after_help = KEY_HELP)]
    Key(KeyCommand),
    /// Print the pseudonyms of one person in every epoch whose key still
    /// exists (data-subject access requests), and say which epochs can no
    /// longer be linked to anyone.
    Lookup(keys::LookupArgs),
    /// Remove one person's lines from pseudonymized log files (erasure
    /// requests). Each file is replaced atomically.
    Erase(keys::EraseArgs),
    /// Scan anonymized output for personal data that survived: untruncated
    /// addresses, e-mail addresses, unredacted secrets, identities and user
    /// fields that are not pseudonyms (in Moodle CSV exports also user-id and
    /// user-name columns). Prints FILE:LINE:COLUMN: finding (LINE is the row
    /// in CSV), and exits with 1 when there is any.
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
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
    Stats(stats::StatsArgs),
}

const CHECK_HELP: &str = "\
Exit status:
  0  no finding
  1  at least one finding (each printed on standard output)
  2  usage or I/O error";

#[derive(Debug, Args)]
struct CheckArgs {
    /// Files to check; `-` or none means standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    prefixes: PrefixArgs,
    /// The output was made with --ip-mode pfx: addresses are not checked.
    #[arg(long)]
    encrypted_addresses: bool,
    /// Never report a finding containing TEXT (repeatable).
    #[arg(long, value_name = "TEXT")]
    allow: Vec<String>,
    /// Never report findings containing any line of FILE.
    #[arg(long, value_name = "FILE")]
    allow_file: Option<PathBuf>,
    #[command(flatten)]
    params: ParamArgs,
}

/// Address prefixes, shared by `anonymize` and `check`.
#[derive(Debug, Args)]
struct PrefixArgs {
    /// Leading bits of an IPv4 address to keep [default: 24, or the
    /// config's ipv4_prefix].
    #[arg(long, value_name = "BITS", value_parser = clap::value_parser!(u8).range(0..=32))]
    ipv4_prefix: Option<u8>,

    /// Leading bits of an IPv6 address to keep [default: 48, or the
    /// config's ipv6_prefix].
    #[arg(long, value_name = "BITS", value_parser = clap::value_parser!(u8).range(0..=128))]
    ipv6_prefix: Option<u8>,
}

impl PrefixArgs {
    /// `base` with the prefixes given on the command line.
    fn apply(&self, base: IpPolicy) -> IpPolicy {
        IpPolicy {
            v4_prefix: self.ipv4_prefix.unwrap_or(base.v4_prefix),
            v6_prefix: self.ipv6_prefix.unwrap_or(base.v6_prefix),
            mode: base.mode,
        }
    }
}

/// Extra parameter names, shared by `anonymize` and `check`.
#[derive(Debug, Args)]
struct ParamArgs {
    /// Also redact the value of query parameter NAME (case-insensitive;
    /// repeat or separate with commas). Added to the built-in list.
    #[arg(long = "secret-param", value_name = "NAME", value_delimiter = ',')]
    secret_params: Vec<String>,

    /// Also pseudonymize the value of query parameter NAME (case-insensitive;
    /// repeat or separate with commas). Added to the built-in list.
    #[arg(long = "identity-param", value_name = "NAME", value_delimiter = ',')]
    identity_params: Vec<String>,
}

impl ParamArgs {
    fn rules(&self) -> ParamRules {
        ParamRules::new(&self.secret_params, &self.identity_params)
    }
}

const KEY_HELP: &str = "\
Key lifecycle (see README, \"Keys and epochs\"):
  anonlog key init --key-dir /var/lib/anonlog/keys --epoch 7d   # once
  anonlog key rotate --key-dir /var/lib/anonlog/keys            # daily, from cron
  anonlog key purge --key-dir /var/lib/anonlog/keys --older-than 14d
  anonlog key list --key-dir /var/lib/anonlog/keys";

const ANONYMIZE_HELP: &str = "\
Examples:
  anonlog key init /etc/anonlog/key
  anonlog anonymize -k /etc/anonlog/key access.log -o access.anon.log
  tail -F access.log | anonlog anonymize -k /etc/anonlog/key -q >> access.anon.log

  Apache:  CustomLog \"|/usr/local/bin/anonlog anonymize -q -k /etc/anonlog/key -o /var/log/anonlog/access.%Y-%m-%d.log\" combined
           (one file per UTC day; \"|$...\" runs the command through a shell)

Exit status:
  0  every line read was written (rewritten, scrubbed or blank), or left out
     by --since/--until
  1  the run finished but lost data: lines left out (--on-unparsed drop) or
     CSV fields that could not be read written as REDACTED
  2  usage, key or I/O error (an unreadable input is skipped, the others are
     processed), or a line stopped the run (--on-unparsed fail)
  128+N  terminated by signal N; with -o the previous file is left as it was";

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Create a static key file at PATH (32 random bytes, mode 0600; never
    /// overwrites), or with --key-dir a keyring with keys for the current and
    /// the next epoch.
    Init {
        /// Where to create a static key file.
        #[arg(required_unless_present = "key_dir", conflicts_with = "key_dir")]
        path: Option<PathBuf>,
        /// Create (or check) a keyring directory instead.
        #[arg(long, value_name = "DIR", env = "ANONLOG_KEY_DIR")]
        key_dir: Option<PathBuf>,
        /// Epoch length of a new keyring: 1d, 7d, 30d, any duration
        /// (12h, 2w, 3600s), or `never` for one static key. Epochs start at
        /// Monday 1970-01-05 00:00 UTC and follow each other without gaps, so
        /// 7-day epochs run Monday to Monday.
        #[arg(long, value_name = "LENGTH", default_value = "7d")]
        epoch: String,
        /// Succeed without changing anything when PATH already holds a valid
        /// key (for provisioning scripts that run more than once).
        #[arg(long)]
        if_missing: bool,
    },
    /// Make sure the keys of the current and the next epoch exist (run it
    /// from cron or a systemd timer).
    Rotate {
        #[command(flatten)]
        dir: keys::KeyDirArg,
        #[command(flatten)]
        now: keys::NowArg,
    },
    /// List the epochs, their time spans, and which keys exist or were
    /// destroyed (never key bytes).
    List {
        #[command(flatten)]
        dir: keys::KeyDirArg,
    },
    /// Destroy the keys of every epoch that ended more than DURATION ago:
    /// the file is overwritten, removed, and a tombstone records the epoch as
    /// destroyed. Pseudonyms of those epochs become unlinkable for everyone.
    Purge {
        #[command(flatten)]
        dir: keys::KeyDirArg,
        /// E.g. 14d: keys of epochs that ended before now − 14 days go.
        #[arg(long, value_name = "DURATION")]
        older_than: String,
        #[command(flatten)]
        now: keys::NowArg,
    },
}

#[derive(Debug, Args)]
struct AnonymizeArgs {
    /// Input files, read in order; `-` or none means standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Write to FILE instead of standard output. The file is replaced
    /// atomically when the run succeeds and left untouched when it fails.
    /// With a date field, FILE is a pattern (`dir/access.%Y-%m-%d.log`): each
    /// line is appended to the file named by its own time in UTC, created
    /// (mode 0640, directories 0750) as needed; a CSV header row starts every
    /// new file. Fields: %Y %m %d %H %M, %j (day of the year), %G-W%V
    /// (ISO week-based year and week), %u (ISO weekday), %% (a '%').
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// A static key (32 bytes, mode 0600), made by `anonlog key init PATH`:
    /// one key for every line.
    #[arg(short = 'k', long, value_name = "PATH", env = "ANONLOG_KEY_FILE")]
    key_file: Option<PathBuf>,

    /// A keyring made by `anonlog key init --key-dir`: each line is
    /// pseudonymized with the key of the epoch that contains its own
    /// timestamp (a line without one takes the epoch of the line before it;
    /// lines before the first timestamp of an input take that of the first).
    /// A missing key of an epoch that was never destroyed is created; lines
    /// of destroyed epochs are handled like lines not understood, with every
    /// identity replaced by REDACTED.
    #[arg(
        long,
        value_name = "DIR",
        env = "ANONLOG_KEY_DIR",
        conflicts_with = "key_file"
    )]
    key_dir: Option<PathBuf>,

    /// How addresses are rewritten [default: truncate, or the config's
    /// ip_mode].
    #[arg(long, value_enum)]
    ip_mode: Option<IpModeArg>,

    /// What to do with user agents (browser identification) [default:
    /// auto, or the config's user_agent].
    #[arg(long, value_enum)]
    user_agent: Option<UaArg>,

    /// Defaults for the options above (key, prefixes, IP mode, user agents,
    /// parameter lists, trailing user) from the [anonymize] table of a config
    /// file; options given here win, parameter lists are added up. Without
    /// this option /etc/anonlog/anonlog.toml is read when it exists.
    #[arg(long, value_name = "FILE", env = "ANONLOG_CONFIG")]
    config: Option<PathBuf>,

    /// Input format. `auto` decides per input from its first line.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    format: FormatArg,

    #[command(flatten)]
    prefixes: PrefixArgs,

    #[command(flatten)]
    params: ParamArgs,

    /// What to do with a line no parser understands. It is never written raw.
    /// In CSV input, `scrub` writes a field that cannot be read (a user id
    /// that is not a number, a broken `other`) as REDACTED, and a row with
    /// the wrong number of fields as a row of REDACTED fields.
    #[arg(long, value_enum, default_value_t = OnUnparsedArg::Scrub)]
    on_unparsed: OnUnparsedArg,

    /// Leave out lines and rows older than TIME: `@UNIX-SECONDS`,
    /// `2026-11-25`, `2026-11-25T10:00:00Z`, or a duration back from now
    /// such as 30d. Applies to each record's own time (Moodle's timecreated
    /// or Time, an access line's [time], a BBB line's time); records without
    /// one are kept. Rows left out are counted, not lost: exit status 0.
    #[arg(long, value_name = "TIME")]
    since: Option<String>,

    /// Leave out lines and rows at or after TIME (same forms as --since).
    #[arg(long, value_name = "TIME")]
    until: Option<String>,

    #[command(flatten)]
    now: keys::NowArg,

    /// The last field of each access line (after the user agent) is a user
    /// field, e.g. `%{MOODLEUSER}n` or `$sent_http_x_moodleuser` appended to
    /// the combined format. It may contain spaces and "X as Y".
    #[arg(long)]
    trailing_user: bool,

    /// Worker threads [default: number of cores].
    #[arg(short = 'j', long, value_name = "N")]
    threads: Option<NonZeroUsize>,

    /// Read files as streams instead of memory-mapping them.
    #[arg(long)]
    no_mmap: bool,

    /// Also write the run summary as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    summary_json: Option<PathBuf>,

    /// Print at most N messages about lines not understood (counts are
    /// always complete).
    #[arg(long, value_name = "N", default_value_t = 10)]
    max_messages: u64,

    /// Do not print the run summary (errors and data loss are still reported).
    #[arg(short, long)]
    quiet: bool,

    /// Block size in bytes for parallel work (testing and tuning).
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20, hide = true)]
    block_size: usize,
}

/// Input formats for `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// Detect per input.
    Auto,
    /// Apache/nginx access logs: common, combined, vhost_combined, nginx
    /// main, X-Forwarded-For lists, Moodle user fields, trailing fields.
    Access,
    /// BigBlueButton logs: bbb-web, bbb-apps-akka (with or without a
    /// journald prefix), the nginx html5-client log, stack traces.
    Bbb,
    /// Moodle's logstore_standard_log exported as CSV (PostgreSQL COPY,
    /// MySQL INTO OUTFILE / mysqldump --tab, phpMyAdmin, Adminer, pandas):
    /// any subset and order of its columns, named in the header.
    MoodleLogstore,
    /// Moodle's Logs report downloaded as CSV, header in English, German,
    /// French, Spanish (or any language, recognised by its shape).
    MoodleReport,
    /// No structure: scrub every line (addresses, e-mail addresses, secret
    /// and identity parameters).
    Generic,
}

impl FormatArg {
    /// The forced format, or `None` to detect.
    fn format(self) -> Option<Format> {
        match self {
            FormatArg::Auto => None,
            FormatArg::Access => Some(Format::Access),
            FormatArg::Bbb => Some(Format::Bbb),
            FormatArg::MoodleLogstore => Some(Format::MoodleLogstore),
            FormatArg::MoodleReport => Some(Format::MoodleReport),
            FormatArg::Generic => Some(Format::Generic),
        }
    }
}

/// Choices for `--user-agent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum UaArg {
    /// `family` in BigBlueButton logs (the policy deletes browser
    /// identification after 7 days), `keep` in web-server access logs.
    Auto,
    /// Keep user agents as they are.
    Keep,
    /// Replace them by a coarse family: Firefox, Chrome, Safari, Edge, Bot...
    Family,
    /// Replace them by `-`.
    Drop,
}

/// Choices for `--ip-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum IpModeArg {
    /// Keep only the --ipv4-prefix / --ipv6-prefix leading bits.
    Truncate,
    /// Encrypt with ipcrypt-pfx under the key: prefix-preserving and
    /// one-to-one, so clients stay distinct (abuse analysis) without raw
    /// addresses; unlinkable once the epoch's key is destroyed.
    Pfx,
}

/// Choices for `--on-unparsed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OnUnparsedArg {
    /// Rewrite the line with the generic scrubber and keep it.
    Scrub,
    /// Leave the line out (exit status 1).
    Drop,
    /// Stop at the line (exit status 2).
    Fail,
}

impl Cli {
    /// Runs the parsed command and returns the exit status.
    pub fn run(self) -> ExitCode {
        let result = match self.command {
            Command::Anonymize(a) => anonymize(a),
            Command::Key(KeyCommand::Init {
                path,
                key_dir,
                epoch,
                if_missing,
            }) => match (path, key_dir) {
                (Some(p), _) => key_init(&p, if_missing),
                (None, Some(d)) => keys::init_ring(&d, &epoch),
                (None, None) => Err(Error::new(ErrorKind::Usage, "give PATH or --key-dir")),
            },
            Command::Key(KeyCommand::Rotate { dir, now }) => keys::rotate(&dir, &now),
            Command::Key(KeyCommand::List { dir }) => keys::list(&dir),
            Command::Key(KeyCommand::Purge {
                dir,
                older_than,
                now,
            }) => keys::purge(&dir, &older_than, &now),
            Command::Lookup(a) => keys::lookup(&a),
            Command::Erase(a) => keys::erase(&a),
            Command::Check(a) => check(a),
            Command::Rotate(a) => rotate::run(&a),
            Command::Stats(a) => stats::run(a),
        };
        match result {
            Ok(code) => ExitCode::from(code),
            Err(e) => {
                eprintln!("anonlog: error: {e}");
                ExitCode::from(EXIT_ERROR)
            }
        }
    }
}

fn key_init(path: &std::path::Path, if_missing: bool) -> Result<u8, Error> {
    if if_missing && path.exists() {
        // Validate it, so a broken key is noticed now rather than at the
        // first anonymize run.
        Key::load(path)?;
        return Ok(EXIT_OK);
    }
    Key::create_file(path)?;
    eprintln!("anonlog: created key file {} (mode 0600)", path.display());
    Ok(EXIT_OK)
}

fn anonymize(a: AnonymizeArgs) -> Result<u8, Error> {
    // Validate everything before opening any output, so a usage error never
    // leaves a partial file.
    let dated = match &a.output {
        Some(p) => anonlog::output::DatedPath::parse(p.as_os_str())?,
        None => None,
    };
    let defaults = match &a.config {
        Some(p) => Config::load(p)?.anonymize,
        None if std::path::Path::new(config::DEFAULT_PATH).exists() => {
            Config::load(std::path::Path::new(config::DEFAULT_PATH))?.anonymize
        }
        None => AnonymizeDefaults::default(),
    };
    let (key_file, key_dir) = match (&a.key_file, &a.key_dir) {
        (None, None) => (&defaults.key_file, &defaults.key_dir),
        given => given,
    };
    let keys = match (key_file, key_dir) {
        (Some(f), _) => Keys::Static(Box::new(keys::load_static(f)?)),
        (None, Some(d)) => Keys::Ring(Keyring::open(d)?),
        (None, None) => {
            return Err(Error::new(
                ErrorKind::Usage,
                "no key given: use --key-file PATH (ANONLOG_KEY_FILE) or --key-dir DIR \
                 (ANONLOG_KEY_DIR), or key_file / key_dir in the config's [anonymize]; \
                 create one with `anonlog key init PATH` or `anonlog key init --key-dir DIR`",
            ))
        }
    };
    let now = a.now.get()?;
    let base = defaults.options(now);
    let mut policy = a.prefixes.apply(base.policy);
    if let Some(m) = a.ip_mode {
        policy.mode = match m {
            IpModeArg::Truncate => IpMode::Truncate,
            IpModeArg::Pfx => IpMode::Pfx,
        };
    }
    let opts = Options {
        policy,
        rules: ParamRules::new(
            &[&defaults.secret_params[..], &a.params.secret_params[..]].concat(),
            &[&defaults.identity_params[..], &a.params.identity_params[..]].concat(),
        ),
        on_unparsed: match a.on_unparsed {
            OnUnparsedArg::Scrub => OnUnparsed::Scrub,
            OnUnparsedArg::Drop => OnUnparsed::Drop,
            OnUnparsedArg::Fail => OnUnparsed::Fail,
        },
        trailing_user: a.trailing_user || defaults.trailing_user,
        user_agent: match a.user_agent {
            None => base.user_agent,
            Some(UaArg::Auto) => UaPolicy::Auto,
            Some(UaArg::Keep) => UaPolicy::Keep,
            Some(UaArg::Family) => UaPolicy::Family,
            Some(UaArg::Drop) => UaPolicy::Drop,
        },
        now,
        since: a
            .since
            .as_deref()
            .map(|s| keys::parse_time(s, now))
            .transpose()?,
        until: a
            .until
            .as_deref()
            .map(|s| keys::parse_time(s, now))
            .transpose()?,
    };
    let rw = Rewriter::with_keys(opts, keys);
    let inputs = inputs_of(&a.files);
    let cfg = RunConfig {
        inputs,
        format: a.format.format(),
        threads: a
            .threads
            .map(NonZeroUsize::get)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get)),
        mmap: !a.no_mmap,
        block_size: a.block_size.max(1),
    };

    let mut shown = 0u64;
    let max = a.max_messages;
    let mut report = |d: &Diagnostic| {
        if shown < max || d.action == "run stopped" {
            eprintln!("anonlog: {d}");
        }
        shown += 1;
    };

    let mut dated_files = None;
    let summary = match (&a.output, dated) {
        (Some(_), Some(pattern)) => {
            // Appended to as lines come, like rotatelogs: nothing to commit.
            let mut d = anonlog::output::DatedOutput::new(pattern, now);
            let s = pipeline::run_to(&rw, &cfg, pipeline::Output::Dated(&mut d), &mut report)?;
            dated_files = Some((d.files_written(), d.files_started()));
            s
        }
        (Some(path), None) => {
            let mut f = AtomicFile::create(path)
                .map_err(|e| Error::io(&format!("cannot create output {}", path.display()), &e))?;
            signals::remove_on_termination(f.temp_path());
            let s = pipeline::run(&rw, &cfg, &mut f, &mut report)?;
            if s.aborted.is_none() {
                f.commit().map_err(|e| {
                    Error::io(&format!("cannot write output {}", path.display()), &e)
                })?;
            }
            s
        }
        (None, _) => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            let s = pipeline::run(&rw, &cfg, &mut lock, &mut report)?;
            let _ = lock.flush();
            s
        }
    };
    if shown > max {
        eprintln!(
            "anonlog: further lines not understood were not shown \
             (--max-messages {max}); the summary counts them all"
        );
    }
    for i in &summary.inputs {
        if let Some(e) = &i.error {
            eprintln!("anonlog: error: {e}");
        }
    }
    let key_errors = rw.key_errors();
    for e in &key_errors {
        eprintln!("anonlog: error: {e}");
    }
    let code = if key_errors.is_empty() {
        exit_code(&summary)
    } else {
        EXIT_ERROR
    };
    if let Some(path) = &a.summary_json {
        let json = summary_json(&summary, code);
        std::fs::write(path, json + "\n")
            .map_err(|e| Error::io(&format!("cannot write summary {}", path.display()), &e))?;
    }
    if !a.quiet || code != EXIT_OK {
        eprintln!("anonlog: {}", summary_line(&summary));
        if let Some((files, new)) = dated_files {
            eprintln!("anonlog: {files} dated files written ({new} new)");
        }
    }
    if let Some(d) = &summary.aborted {
        eprintln!(
            "anonlog: error: stopped at {}:{} (--on-unparsed fail){}",
            d.input,
            d.line,
            match (&a.output, dated_files) {
                (Some(_), Some(_)) => "; the lines before it are in the dated files",
                (Some(_), None) => "; the output file was not written",
                (None, _) => "",
            }
        );
    } else if summary.total.lines_dropped > 0 {
        eprintln!(
            "anonlog: warning: {} lines were dropped (--on-unparsed drop)",
            summary.total.lines_dropped
        );
    }
    if summary.total.fields_redacted > 0 && summary.aborted.is_none() {
        eprintln!(
            "anonlog: warning: {} CSV fields could not be read and were written as REDACTED",
            summary.total.fields_redacted
        );
    }
    Ok(code)
}

fn check(a: CheckArgs) -> Result<u8, Error> {
    use std::io::BufRead;
    let mut allow: Vec<Vec<u8>> = a.allow.iter().map(|s| s.as_bytes().to_vec()).collect();
    if let Some(f) = &a.allow_file {
        let text = std::fs::read(f)
            .map_err(|e| Error::io(&format!("cannot read allow-list {}", f.display()), &e))?;
        allow.extend(
            text.split(|&b| b == b'\n')
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec),
        );
    }
    let checker = anonlog::check::Checker {
        policy: a.prefixes.apply(IpPolicy::default()),
        encrypted_addresses: a.encrypted_addresses,
        rules: a.params.rules(),
        allow,
    };
    let files: Vec<Option<&PathBuf>> = if a.files.is_empty() {
        vec![None]
    } else {
        a.files
            .iter()
            .map(|p| (p.as_os_str() != "-").then_some(p))
            .collect()
    };
    let mut findings = 0u64;
    let mut errors = false;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for f in files {
        let name = f.map_or("<stdin>".to_string(), |p| p.display().to_string());
        let sample = anonlog::format::SAMPLE_LEN;
        let reader: Box<dyn BufRead> = match f {
            None => Box::new(std::io::BufReader::with_capacity(
                sample,
                std::io::stdin().lock(),
            )),
            Some(p) => match std::fs::File::open(p) {
                Ok(file) => Box::new(std::io::BufReader::with_capacity(sample, file)),
                Err(e) => {
                    eprintln!("anonlog: error: {name}: {e}");
                    errors = true;
                    continue;
                }
            },
        };
        let mut reader = reader;
        let res = checker.check_reader(&mut reader, &mut |n, f| {
            findings += 1;
            let _ = writeln!(out, "{name}:{n}:{}: {}: {}", f.column + 1, f.what, f.text);
        });
        if let Err(e) = res {
            eprintln!("anonlog: error: {name}: {e}");
            errors = true;
        }
    }
    let _ = out.flush();
    if errors {
        return Ok(EXIT_ERROR);
    }
    if findings > 0 {
        eprintln!("anonlog: {findings} finding(s)");
        return Ok(EXIT_LOST);
    }
    Ok(EXIT_OK)
}

/// The inputs named on a command line: standard input for none or `-`.
fn inputs_of(files: &[PathBuf]) -> Vec<Input> {
    if files.is_empty() {
        return vec![Input::Stdin];
    }
    files
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                Input::Stdin
            } else {
                Input::Path(p.clone())
            }
        })
        .collect()
}

fn exit_code(s: &RunSummary) -> u8 {
    if s.aborted.is_some() || s.inputs.iter().any(|i| i.error.is_some()) {
        EXIT_ERROR
    } else if s.total.lost_data() {
        EXIT_LOST
    } else {
        EXIT_OK
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn summary_line(s: &RunSummary) -> String {
    let t = &s.total;
    let destroyed = if t.lines_key_destroyed > 0 {
        format!(
            " ({} of them in epochs whose key was destroyed: identities REDACTED)",
            t.lines_key_destroyed
        )
    } else {
        String::new()
    };
    let rate = if s.elapsed_secs > 0.0 {
        mb(t.bytes_in) / s.elapsed_secs
    } else {
        0.0
    };
    let mut extra = String::new();
    if t.lines_header > 0 {
        extra += &format!(", {} header", t.lines_header);
    }
    if t.lines_out_of_window > 0 {
        extra += &format!(", {} outside --since/--until", t.lines_out_of_window);
    }
    if t.fields_redacted > 0 {
        extra += &format!(
            " ({} unreadable CSV fields written as REDACTED)",
            t.fields_redacted
        );
    }
    format!(
        "{} lines read, {} written: {} rewritten, {} scrubbed, {} blank, {} dropped, {} failed{extra}{destroyed}; \
         {:.1} MB in, {:.1} MB out, {:.2} s, {:.0} MB/s",
        t.lines_read,
        t.lines_written,
        t.lines_rewritten,
        t.lines_scrubbed,
        t.lines_blank,
        t.lines_dropped,
        t.lines_failed,
        mb(t.bytes_in),
        mb(t.bytes_out),
        s.elapsed_secs,
        rate
    )
}

fn summary_json(s: &RunSummary, code: u8) -> String {
    let inputs: Vec<_> = s
        .inputs
        .iter()
        .map(|i| {
            serde_json::json!({
                "input": i.input,
                "format": i.format.name(),
                "stats": i.stats,
                "error": i.error,
            })
        })
        .collect();
    let v = serde_json::json!({
        "inputs": inputs,
        "total": s.total,
        "elapsed_secs": s.elapsed_secs,
        "throughput_mb_per_s": if s.elapsed_secs > 0.0 { mb(s.total.bytes_in) / s.elapsed_secs } else { 0.0 },
        "stopped_at": s.aborted.as_ref().map(|d| format!("{}:{}", d.input, d.line)),
        "broken_pipe": s.broken_pipe,
        "exit_status": code,
    });
    serde_json::to_string_pretty(&v).expect("plain values serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
