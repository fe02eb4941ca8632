//! `anonlog anonymize`: the options, the rewriter and run they make, the
//! output (standard output, an atomic file, dated files), and the run's
//! summary and exit status.

use std::io::Write;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use anonlog::config::{self, AnonymizeDefaults, Config};
use anonlog::error::{Error, ErrorKind, EXIT_ERROR, EXIT_LOST, EXIT_OK};
use anonlog::format::Format;
use anonlog::ip::IpMode;
use anonlog::keyring::Keyring;
use anonlog::output::{DatedOutput, DatedPath, FileOutput};
use anonlog::pipeline::block::Action;
use anonlog::pipeline::{self, Diagnostic, RunConfig, RunSummary};
use anonlog::pseudonym::{Key, Pseudonymizer};
use anonlog::rewrite::policy::Policy;
use anonlog::rewrite::roster::Roster;
use anonlog::rewrite::rules::UaPolicy;
use anonlog::rewrite::{Keys, OnUnparsed, Options, Rewriter};
use anonlog::time::parse_time;

use super::common::{self, FreeTextArg, LayoutArgs, NowArg, ParamArgs, PrefixArgs};

pub const HELP: &str = "\
Examples:
  anonlog key init /etc/anonlog/key
  anonlog anonymize -k /etc/anonlog/key access.log -o access.anon.log
  tail -F access.log | anonlog anonymize -k /etc/anonlog/key -q >> access.anon.log

  Apache:  CustomLog \"|/usr/bin/anonlog anonymize -q -k /etc/anonlog/key -o /var/log/anonlog/access.%Y-%m-%d.log\" combined
           (one file per UTC day; \"|$...\" runs the command through a shell)

Exit status:
  0  every line read was written (rewritten, scrubbed or blank), or left out
     by --since/--until
  1  the run finished but lost data: lines left out (--on-unparsed drop) or
     CSV fields that could not be read written as REDACTED
  2  usage, key or I/O error (an unreadable input is skipped, the others are
     processed; with -o the previous file is then left as it was), or a
     line stopped the run (--on-unparsed fail). A missing or bad key with
     standard input a pipe (Apache's CustomLog \"|anonlog ...\") does not stop
     the run: every line is written with every identity REDACTED, an ERROR
     says so on standard error at the start and at the end, and the exit
     status is 2 (check a key beforehand with `anonlog key check`)
  128+N  terminated by signal N; with -o FILE the previous file is left as
         it was (a pipe's FILE keeps the lines appended so far).
         SIGTERM while reading a pipe first writes the lines already in it
         (for at most a few seconds), then exits 143";

/// The options of `anonlog anonymize`.
#[derive(Debug, Args)]
pub struct AnonymizeArgs {
    /// Input files, read in order; `-` or none means standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Write to FILE instead of standard output. The file is replaced
    /// atomically when the run succeeds and left untouched when it fails;
    /// when standard input is a pipe (Apache's CustomLog "|anonlog ..."),
    /// lines are appended to FILE as they come instead, so that a restart
    /// never replaces what an earlier run wrote.
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

    #[command(flatten)]
    layout: LayoutArgs,

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
    now: NowArg,

    /// Worker threads [default: number of cores].
    #[arg(short = 'j', long, value_name = "N")]
    threads: Option<NonZeroUsize>,

    /// Memory-map files instead of reading them as streams (a file that is
    /// truncated while mapped, as logrotate's copytruncate does, stops the
    /// run with status 135; streamed, it ends where it was cut).
    #[arg(long)]
    mmap: bool,

    /// Read files as streams (the default; kept for older scripts).
    #[arg(long, hide = true, conflicts_with = "mmap")]
    no_mmap: bool,

    /// Also write the run summary as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    summary_json: Option<PathBuf>,

    /// Print at most N messages about lines not understood (counts are
    /// always complete).
    #[arg(long, value_name = "N", default_value_t = 10)]
    max_messages: u64,

    /// The site's people: a CSV export of Moodle's `user` table (id,
    /// username, firstname, lastname, email, idnumber, middlename,
    /// alternatename; mode 0600). Every form of every person, anywhere, is
    /// replaced by the pseudonym of their user id.
    #[arg(long, value_name = "FILE", env = "ANONLOG_ROSTER")]
    roster: Option<PathBuf>,

    /// How free text (messages, error logs, lines of no known shape) is
    /// rewritten [default: strict, or the config's free_text].
    #[arg(long, value_enum)]
    free_text: Option<FreeTextArg>,

    /// Do not print the run summary (errors and data loss are still reported).
    #[arg(short, long)]
    quiet: bool,

    /// Block size in bytes for parallel work (testing and tuning).
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20, hide = true)]
    block_size: usize,

    /// Receive syslog messages instead of reading files, until SIGTERM or
    /// SIGINT: `unix:/path` (a unix datagram socket, nginx's
    /// `syslog:server=unix:/path`; made mode 0660, removed at exit),
    /// `udp://IP:PORT` or `tcp://IP:PORT` (newline or octet-counted
    /// framing). Each message is written as its syslog header and the
    /// rewritten message, one line; with -o the files are appended to, `{tag}`
    /// in the name is the sender's tag ([A-Za-z0-9_.-], else `other`), and
    /// SIGHUP reopens them.
    #[arg(long, value_name = "ADDR", conflicts_with = "files")]
    listen: Option<String>,

    /// With --listen: serve the listener's counters as Prometheus text on
    /// `http://IP:PORT/metrics`.
    #[arg(long, value_name = "IP:PORT", requires = "listen")]
    metrics: Option<std::net::SocketAddr>,
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

/// Runs `anonlog anonymize`.
pub fn run(a: AnonymizeArgs) -> Result<u8, Error> {
    // Validate everything before opening any output, so a usage error never
    // leaves a partial file.
    let dated = appended_output(&a)?;
    let defaults = match &a.config {
        Some(p) => Config::load(p)?.anonymize,
        None if Path::new(config::DEFAULT_PATH).exists() => {
            Config::load(Path::new(config::DEFAULT_PATH))?.anonymize
        }
        None => AnonymizeDefaults::default(),
    };
    let (keys, redacting) = match keys(&a, &defaults) {
        Ok(k) => (k, false),
        Err(e) if e.kind() == ErrorKind::Key && piped(&a) => {
            // Exiting would make Apache restart the pipe in a loop and lose
            // every line: keep going, with nothing linkable written.
            eprintln!(
                "anonlog: ERROR: key {} unusable ({e}): writing every identity as REDACTED",
                a.key_file
                    .as_ref()
                    .or(a.key_dir.as_ref())
                    .or(defaults.key_file.as_ref())
                    .or(defaults.key_dir.as_ref())
                    .map_or_else(String::new, |p| p.display().to_string())
            );
            let stand_in = Pseudonymizer::redacting();
            (Keys::Static(Box::new(stand_in)), true)
        }
        Err(e) => return Err(e),
    };
    let now = a.now.get()?;
    let opts = options(&a, &defaults, now)?;
    let format = a.layout.forced()?;
    let rw = Rewriter::with_keys(opts, keys);
    if let Some(addr) = &a.listen {
        return listen(&a, addr, &rw, format);
    }
    let cfg = RunConfig {
        inputs: common::inputs_of(&a.files),
        format,
        threads: common::threads(a.threads),
        mmap: a.mmap && !a.no_mmap,
        block_size: a.block_size.max(1),
    };
    let mut shown = 0u64;
    let max = a.max_messages;
    let mut report = |d: &Diagnostic| {
        if shown < max || d.action == Action::Stopped {
            anonlog::progress::message(&format!("anonlog: {d}"));
        }
        shown += 1;
    };
    let bar = anonlog::progress::Bar::start(anonlog::progress::input_size(&a.files), a.quiet);
    let (summary, dated_files) = write_output(&a, dated, &rw, &cfg, now, &mut report)?;
    drop(bar);
    if shown > max {
        eprintln!(
            "anonlog: further lines not understood were not shown \
             (--max-messages {max}); the summary counts them all"
        );
    }
    let code = finish(&a, &rw, &summary, dated_files, redacting)?;
    if redacting {
        eprintln!(
            "anonlog: ERROR: no usable key: {} lines were written with every identity REDACTED",
            summary.total.lines_written
                - summary.total.lines_header.min(summary.total.lines_written)
        );
    }
    Ok(code)
}

/// The `-o` file(s) appended to rather than replaced: a date pattern, or
/// any `-o FILE` of a pipe. A pipe (Apache's CustomLog "|anonlog ...") lives
/// as long as the server and is restarted with it (graceful restarts too):
/// its file is appended to, as Apache's own log files are, never replaced by
/// the next run's lines.
fn appended_output(a: &AnonymizeArgs) -> Result<Option<DatedPath>, Error> {
    let Some(p) = &a.output else {
        return Ok(None);
    };
    Ok(match DatedPath::parse(p.as_os_str())? {
        None if piped(a) => DatedPath::fixed(p),
        d => d,
    })
}

/// Is the only input standard input, and not a regular file (a pipe, as
/// Apache's `CustomLog "|anonlog ..."` gives), with no listener?
fn piped(a: &AnonymizeArgs) -> bool {
    let only_stdin = a.files.iter().all(|f| f.as_os_str() == "-") && a.files.len() <= 1;
    a.listen.is_none() && only_stdin && anonlog::input::stdin_piped()
}

/// `--listen`: receives until SIGTERM or SIGINT (see [`anonlog::listen`]).
fn listen(
    a: &AnonymizeArgs,
    addr: &str,
    rw: &Rewriter,
    format: Option<Format>,
) -> Result<u8, Error> {
    let output = a.output.as_ref().map(|p| p.to_string_lossy().into_owned());
    let cfg = anonlog::listen::Config {
        addr: anonlog::listen::Addr::parse(addr)?,
        format,
        output,
        metrics: a.metrics,
    };
    let c = anonlog::listen::run(rw, &cfg)?;
    if !a.quiet {
        eprintln!("{}", c.summary());
    }
    Ok(EXIT_OK)
}

/// The key: `--key-file` or `--key-dir`, else the config's.
fn keys(a: &AnonymizeArgs, defaults: &AnonymizeDefaults) -> Result<Keys, Error> {
    let (key_file, key_dir) = match (&a.key_file, &a.key_dir) {
        (None, None) => (&defaults.key_file, &defaults.key_dir),
        given => given,
    };
    match (key_file, key_dir) {
        (Some(f), _) => Ok(Keys::Static(Box::new(Pseudonymizer::new(&Key::load(f)?)))),
        (None, Some(d)) => Ok(Keys::Ring(Keyring::open(d)?)),
        (None, None) => Err(Error::new(
            ErrorKind::Usage,
            "no key given: use --key-file PATH (ANONLOG_KEY_FILE) or --key-dir DIR \
             (ANONLOG_KEY_DIR), or key_file / key_dir in the config's [anonymize]; \
             create one with `anonlog key init PATH` or `anonlog key init --key-dir DIR`",
        )),
    }
}

/// The rewriting options: the command line over the config's defaults.
fn options(a: &AnonymizeArgs, defaults: &AnonymizeDefaults, now: i64) -> Result<Options, Error> {
    let base = defaults.options(now);
    let mut policy = a.prefixes.apply(base.policy);
    if let Some(m) = a.ip_mode {
        policy.mode = match m {
            IpModeArg::Truncate => IpMode::Truncate,
            IpModeArg::Pfx => IpMode::Pfx,
        };
    }
    let time = |t: &Option<String>| t.as_deref().map(|s| parse_time(s, now)).transpose();
    let roster = match &a.roster {
        Some(p) => Some(std::sync::Arc::new(Roster::load(p)?)),
        None => defaults.load_roster()?,
    };
    Ok(Options {
        policy,
        values: Policy::with_site(&a.params.site_lists(defaults.site_lists())),
        free_text: a.free_text.map_or(base.free_text, FreeTextArg::mode),
        roster,
        on_unparsed: match a.on_unparsed {
            OnUnparsedArg::Scrub => OnUnparsed::Scrub,
            OnUnparsedArg::Drop => OnUnparsed::Drop,
            OnUnparsedArg::Fail => OnUnparsed::Fail,
        },
        trailing_user: a.layout.trailing_user || defaults.trailing_user,
        layout: a.layout.layout(
            defaults.log_format.as_deref(),
            defaults.nginx_format.as_deref(),
        )?,
        user_agent: match a.user_agent {
            None => base.user_agent,
            Some(UaArg::Auto) => UaPolicy::Auto,
            Some(UaArg::Keep) => UaPolicy::Keep,
            Some(UaArg::Family) => UaPolicy::Family,
            Some(UaArg::Drop) => UaPolicy::Drop,
        },
        now,
        since: time(&a.since)?,
        until: time(&a.until)?,
    })
}

/// Runs into the output the options name: dated files, an atomic file, or
/// standard output. Returns the summary and, for dated files, how many were
/// written and how many of them are new.
fn write_output(
    a: &AnonymizeArgs,
    dated: Option<DatedPath>,
    rw: &Rewriter,
    cfg: &RunConfig,
    now: i64,
    report: &mut dyn FnMut(&Diagnostic),
) -> Result<(RunSummary, Option<(usize, usize)>), Error> {
    match (&a.output, dated) {
        (Some(_), Some(pattern)) => {
            // Appended to as lines come, like rotatelogs: nothing to commit.
            let mut d = DatedOutput::new(pattern, now);
            let s = pipeline::run_to(rw, cfg, pipeline::Output::Dated(&mut d), report);
            for p in d.repaired() {
                eprintln!(
                    "anonlog: warning: {} ended inside a line (an earlier run was killed or the \
                     disk was full); a line end was added before appending",
                    p.display()
                );
            }
            if !d.repaired().is_empty() {
                eprintln!("anonlog: {} dated file(s) repaired", d.repaired().len());
            }
            let s = s?;
            let files = (d.files_written(), d.files_started());
            Ok((s, Some(files)))
        }
        (Some(path), None) => {
            let mut f = FileOutput::create(path)
                .map_err(|e| Error::io(&format!("cannot create output {}", path.display()), &e))?;
            let s = pipeline::run(rw, cfg, &mut f, report).map_err(|e| {
                let e = e.to_string();
                let why = e.strip_prefix("output: ").unwrap_or(&e);
                Error::new(
                    ErrorKind::Io,
                    format!("cannot write output {}: {why}", path.display()),
                )
            })?;
            // An input that could not be read (missing, unreadable, a read
            // error midway) fails the run: the previous file stays as it was,
            // as for a line that stops the run.
            let input_failed = s.inputs.iter().any(|i| i.error.is_some());
            // Terminated (SIGTERM drained a pipe): not a complete run.
            let terminated = anonlog::input::drain::requested().is_some();
            if s.aborted.is_none() && !input_failed && !terminated {
                f.commit().map_err(|e| {
                    Error::io(&format!("cannot write output {}", path.display()), &e)
                })?;
            }
            Ok((s, None))
        }
        (None, _) => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            let s = pipeline::run(rw, cfg, &mut lock, report)?;
            let _ = lock.flush();
            Ok((s, None))
        }
    }
}

/// Reports the end of a run on standard error (and in `--summary-json`) and
/// gives its exit status.
fn finish(
    a: &AnonymizeArgs,
    rw: &Rewriter,
    summary: &RunSummary,
    dated_files: Option<(usize, usize)>,
    redacting: bool,
) -> Result<u8, Error> {
    for i in &summary.inputs {
        if let Some(e) = &i.error {
            eprintln!("anonlog: error: {e}");
        }
    }
    if let (Some(path), None) = (&a.output, dated_files) {
        if summary.inputs.iter().any(|i| i.error.is_some()) {
            eprintln!(
                "anonlog: error: an input could not be read; {} was left as it was",
                path.display()
            );
        }
    }
    let key_errors = rw.key_errors();
    for e in &key_errors {
        eprintln!("anonlog: error: {e}");
    }
    let mut code = if key_errors.is_empty() && !redacting {
        exit_code(summary)
    } else {
        EXIT_ERROR
    };
    if let Some(sig) = anonlog::input::drain::requested() {
        code = 128 + sig as u8;
        eprintln!(
            "anonlog: terminated by signal {sig}: the lines already in the pipe were written first{}",
            match (&a.output, dated_files) {
                (Some(p), None) => format!("; {} was left as it was", p.display()),
                _ => String::new(),
            }
        );
    }
    if let Some(path) = &a.summary_json {
        let json = summary_json(summary, code);
        std::fs::write(path, json + "\n")
            .map_err(|e| Error::io(&format!("cannot write summary {}", path.display()), &e))?;
    }
    if !a.quiet || code != EXIT_OK {
        eprintln!("anonlog: {}", summary_line(summary, !key_errors.is_empty()));
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

fn summary_line(s: &RunSummary, key_errors: bool) -> String {
    let t = &s.total;
    let destroyed = if t.lines_key_destroyed > 0 {
        format!(
            " ({} of them in epochs whose key {}: identities REDACTED)",
            t.lines_key_destroyed,
            if key_errors {
                "could not be loaded (see the errors above) or was destroyed"
            } else {
                "was destroyed"
            }
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
                "stats": i.counts,
                "error": i.error.as_ref().map(|e| e.to_string()),
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
