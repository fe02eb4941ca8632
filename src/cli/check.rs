//! `anonlog check`: scans output that should be anonymous for personal
//! data that survived, and prints each finding.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use anonlog::error::{Error, EXIT_ERROR, EXIT_LOST, EXIT_OK};
use anonlog::ip::IpPolicy;

use super::common::{ParamArgs, PrefixArgs};

pub const HELP: &str = "\
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
