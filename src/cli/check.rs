//! `anonlog check`: scans output that should be anonymous for personal
//! data that survived, and prints each finding with its value masked.
//! With `--raw`, it also looks for every identity and secret of the raw
//! input anywhere in the output.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use anonlog::check::{mask, Checker, Finding, RawChecker};
use anonlog::error::{Error, EXIT_ERROR, EXIT_LOST, EXIT_OK};
use anonlog::input::{self, Input, OpenOptions};
use anonlog::ip::IpPolicy;
use anonlog::rewrite::policy::{Policy, SiteLists};
use anonlog::rewrite::roster::Roster;
use anonlog::rewrite::Options;

use anonlog::format::Format;

use super::common::{FreeTextArg, LayoutArgs, ParamArgs, PrefixArgs};

pub const HELP: &str = "\
Findings are printed as FILE:LINE:COLUMN: what: value, with the value masked
(j****8): the output may end up in cron mail.

With --raw RAW, the one FILE is RAW's anonymized output: every identity and
secret that the rules (and the --roster) find in RAW is looked for in FILE,
anywhere, raw or encoded. This does not trust anonymize's placement: a value
that survived in any position is found.

Examples:
  anonlog check access.anon.log
  anonlog check --raw access.log --roster users.csv access.anon.log

Exit status:
  0  no finding
  1  at least one finding (each printed on standard output)
  2  usage or I/O error";

/// The options of `anonlog check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files to check; `-` or none means standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The raw input FILE was made from: look for its identities and
    /// secrets in FILE (give exactly one FILE).
    #[arg(long, value_name = "RAW")]
    raw: Option<PathBuf>,
    /// The site's people (a CSV export of Moodle's `user` table, mode 0600):
    /// any of their forms in FILE is a finding.
    #[arg(long, value_name = "FILE", env = "ANONLOG_ROSTER")]
    roster: Option<PathBuf>,
    /// With --raw: RAW's format and access-log layout, as given to
    /// anonymize.
    #[command(flatten)]
    layout: LayoutArgs,
    /// With --raw: how RAW's free text was rewritten (as given to
    /// anonymize).
    #[arg(long, value_enum, default_value_t = FreeTextArg::Strict)]
    free_text: FreeTextArg,
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

/// Runs `anonlog check`.
pub fn run(a: CheckArgs) -> Result<u8, Error> {
    let allow = allow_list(&a)?;
    let values = Policy::with_site(&a.params.site_lists(SiteLists::default()));
    let roster = a
        .roster
        .as_deref()
        .map(|p| Roster::load(p).map(Arc::new))
        .transpose()?;
    let checker = Checker {
        policy: a.prefixes.apply(IpPolicy::default()),
        encrypted_addresses: a.encrypted_addresses,
        values: Some(values.clone()),
        roster: roster.clone(),
        allow,
    };
    let mut printer = Printer::default();
    if let Some(raw) = &a.raw {
        let [file] = &a.files[..] else {
            return Err(Error::new(
                anonlog::error::ErrorKind::Usage,
                "--raw RAW takes exactly one FILE: RAW's anonymized output",
            ));
        };
        let layout = a.layout.layout(None, None)?;
        let format = a.layout.forced()?;
        let opts = Options {
            policy: checker.policy,
            values,
            roster,
            free_text: a.free_text.mode(),
            trailing_user: a.layout.trailing_user,
            layout,
            ..Options::default()
        };
        check_raw(raw, file, format, &opts, &checker, &mut printer)?;
    } else {
        for f in files(&a.files) {
            check_plain(f, &checker, &mut printer);
        }
    }
    printer.finish()
}

fn allow_list(a: &CheckArgs) -> Result<Vec<Vec<u8>>, Error> {
    let mut allow: Vec<Vec<u8>> = a.allow.iter().map(|s| s.as_bytes().to_vec()).collect();
    if let Some(f) = &a.allow_file {
        let text = std::fs::read(f)
            .map_err(|e| Error::input(&format!("cannot read allow-list {}", f.display()), &e))?;
        allow.extend(
            text.split(|&b| b == b'\n')
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec),
        );
    }
    Ok(allow)
}

fn files(files: &[PathBuf]) -> Vec<Option<&PathBuf>> {
    if files.is_empty() {
        return vec![None];
    }
    files
        .iter()
        .map(|p| (p.as_os_str() != "-").then_some(p))
        .collect()
}

/// Prints findings (masked) and counts them.
#[derive(Default)]
struct Printer {
    findings: u64,
    errors: bool,
}

impl Printer {
    fn finding(&mut self, name: &str, n: u64, f: &Finding) {
        self.findings += 1;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "{name}:{n}:{}: {}: {}",
            f.column + 1,
            f.what,
            mask(&f.text)
        );
    }

    fn error(&mut self, e: &dyn std::fmt::Display) {
        eprintln!("anonlog: error: {e}");
        self.errors = true;
    }

    fn finish(self) -> Result<u8, Error> {
        let _ = std::io::stdout().flush();
        if self.errors {
            return Ok(EXIT_ERROR);
        }
        if self.findings > 0 {
            eprintln!("anonlog: {} finding(s)", self.findings);
            return Ok(EXIT_LOST);
        }
        Ok(EXIT_OK)
    }
}

fn check_plain(f: Option<&PathBuf>, checker: &Checker, printer: &mut Printer) {
    let name = f.map_or("<stdin>".to_string(), |p| p.display().to_string());
    let sample = anonlog::format::SAMPLE_LEN;
    let input = f.map_or(Input::Stdin, |p| Input::Path(p.clone()));
    // Compressed files are decoded, binary ones refused (issue 16).
    let mut reader: Box<dyn BufRead> = match input::reader(&input) {
        Ok(r) => Box::new(std::io::BufReader::with_capacity(sample, r)),
        Err(e) => return printer.error(&e.to_string()),
    };
    let mut found = Vec::new();
    let res = checker.check_reader(&mut reader, &mut |n, f| found.push((n, f)));
    for (n, f) in &found {
        printer.finding(&name, *n, f);
    }
    if let Err(e) = res {
        printer.error(&format!("{name}: {e}"));
    }
}

/// Reads all of a file, in the format given or detected.
fn read_all(p: &Path, format: Option<Format>) -> Result<(input::Framing, input::Bytes), Error> {
    let opts = OpenOptions {
        format,
        ..OpenOptions::default()
    };
    let d = input::open(&Input::Path(p.to_path_buf()), &opts)?;
    let framing = d.framing;
    let bytes = d
        .source
        .into_bytes()
        .map_err(|e| Error::input(&p.display().to_string(), &e))?;
    Ok((framing, bytes))
}

fn check_raw(
    raw: &Path,
    out: &Path,
    format: Option<Format>,
    opts: &Options,
    checker: &Checker,
    printer: &mut Printer,
) -> Result<(), Error> {
    let (framing, raw_bytes) = read_all(raw, format)?;
    let raw_check = RawChecker::collect(&raw_bytes, format, opts);
    let (_, out_bytes) = read_all(out, format)?;
    let name = out.display().to_string();
    for (n, f) in raw_check.check(&out_bytes, framing) {
        printer.finding(&name, n, &f);
    }
    for (n, f) in checker.check_bytes(&out_bytes) {
        printer.finding(&name, n, &f);
    }
    eprintln!(
        "anonlog: {} values of {} looked for in {name}",
        raw_check.len(),
        raw.display()
    );
    Ok(())
}
