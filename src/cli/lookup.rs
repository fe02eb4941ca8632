//! The data-subject commands: `anonlog lookup` (a person's pseudonyms in
//! every epoch whose key still exists) and `anonlog erase` (their lines
//! removed from pseudonymized files). Neither prints key bytes.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use anonlog::error::{Error, ErrorKind, EXIT_ERROR, EXIT_OK};
use anonlog::output::AtomicFile;
use anonlog::pseudonym::{Namespace, Pseudonymizer};
use anonlog::time::{iso, parse_time, wall_clock};

use super::key::{epoch_keys, KeyArg};

/// Who: the identifiers of one person.
#[derive(Debug, Args)]
pub struct PersonArgs {
    /// A platform user id (Moodle `userid`, BigBlueButton `userID`).
    #[arg(long, value_name = "ID")]
    user_id: Vec<String>,
    /// A name or login name, exactly as the logs carry it.
    #[arg(long, value_name = "NAME")]
    name: Vec<String>,
    /// An e-mail address.
    #[arg(long, value_name = "ADDRESS")]
    email: Vec<String>,
}

impl PersonArgs {
    /// (label, namespace, value as hashed)
    fn identifiers(&self) -> Result<Vec<(String, Namespace, Vec<u8>)>, Error> {
        let mut ids = Vec::new();
        for u in &self.user_id {
            if u.is_empty() || !u.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::new(
                    ErrorKind::Usage,
                    format!("--user-id takes digits, not {u:?}"),
                ));
            }
            ids.push((
                format!("user id {u}"),
                Namespace::UserId,
                u.as_bytes().to_vec(),
            ));
        }
        for n in &self.name {
            ids.push((
                format!("name {n:?}"),
                Namespace::Name,
                n.as_bytes().to_vec(),
            ));
        }
        for e in &self.email {
            let lower = e.to_ascii_lowercase();
            ids.push((format!("e-mail {e}"), Namespace::Email, lower.into_bytes()));
        }
        if ids.is_empty() {
            return Err(Error::new(
                ErrorKind::Usage,
                "say who: give --user-id, --name or --email",
            ));
        }
        Ok(ids)
    }
}

/// The options of `anonlog lookup`.
#[derive(Debug, Args)]
pub struct LookupArgs {
    #[command(flatten)]
    key: KeyArg,
    #[command(flatten)]
    person: PersonArgs,
    /// Only epochs that end after TIME (`@UNIX`, a date, or a duration back
    /// from now such as `30d`).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Only epochs that start before TIME.
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
}

/// `anonlog lookup`: the pseudonyms of one person in every epoch whose key
/// still exists, and a plain statement for every destroyed one.
pub fn lookup(a: &LookupArgs) -> Result<u8, Error> {
    let epochs = epoch_keys(&a.key)?;
    let ids = a.person.identifiers()?;
    let now = wall_clock();
    let since = a.since.as_deref().map(|s| parse_time(s, now)).transpose()?;
    let until = a.until.as_deref().map(|s| parse_time(s, now)).transpose()?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "epoch\tstart\tend\tidentifier\tpseudonym");
    for (info, key) in epochs {
        if since.is_some_and(|t| info.end.is_some_and(|e| e <= t))
            || until.is_some_and(|t| info.start.is_some_and(|s| s >= t))
        {
            continue;
        }
        let span = format!(
            "{}\t{}\t{}",
            info.epoch.0,
            info.start.map_or("-".into(), iso),
            info.end.map_or("-".into(), iso)
        );
        match key {
            Some(key) => {
                let p = Pseudonymizer::new(&key);
                for (label, ns, value) in &ids {
                    let t = p.pseudonym(*ns, value);
                    let _ = writeln!(out, "{span}\t{label}\t{t:?}");
                }
            }
            None => {
                let _ = writeln!(
                    out,
                    "{span}\t-\tkey destroyed: records of this epoch can no longer be linked to anyone"
                );
            }
        }
    }
    Ok(EXIT_OK)
}

/// The options of `anonlog erase`.
#[derive(Debug, Args)]
pub struct EraseArgs {
    #[command(flatten)]
    key: KeyArg,
    #[command(flatten)]
    person: PersonArgs,
    /// Pseudonymized log files to remove the person's lines from (each is
    /// replaced atomically; its permissions are kept).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

/// `anonlog erase`: removes every line that carries one of the person's
/// pseudonyms (in any epoch whose key still exists) from the files.
pub fn erase(a: &EraseArgs) -> Result<u8, Error> {
    let epochs = epoch_keys(&a.key)?;
    let ids = a.person.identifiers()?;
    let mut tokens: Vec<Vec<u8>> = Vec::new();
    let mut destroyed = 0;
    for (_, key) in epochs {
        match key {
            Some(key) => {
                let p = Pseudonymizer::new(&key);
                for (_, ns, value) in &ids {
                    tokens.push(p.pseudonym(*ns, value).as_bytes().to_vec());
                }
            }
            _ => destroyed += 1,
        }
    }
    let mut code = EXIT_OK;
    for f in &a.files {
        match erase_file(f, &tokens) {
            Ok((kept, removed)) => eprintln!(
                "anonlog: {}: removed {removed} line(s), kept {kept}",
                f.display()
            ),
            Err(e) => {
                eprintln!("anonlog: error: {}: {e}", f.display());
                code = EXIT_ERROR;
            }
        }
    }
    if destroyed > 0 {
        eprintln!(
            "anonlog: {destroyed} epoch(s) have destroyed keys: their records can no longer be \
             linked to this person (or anyone)"
        );
    }
    Ok(code)
}

fn erase_file(path: &Path, tokens: &[Vec<u8>]) -> std::io::Result<(u64, u64)> {
    let finders: Vec<memchr::memmem::Finder<'_>> =
        tokens.iter().map(memchr::memmem::Finder::new).collect();
    let mut input = BufReader::new(std::fs::File::open(path)?);
    let mut out = AtomicFile::create(path)?;
    let (mut kept, mut removed) = (0, 0);
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if finders.iter().any(|f| has_token(&line, f)) {
            removed += 1;
        } else {
            out.write_all(&line)?;
            kept += 1;
        }
    }
    out.commit()?;
    Ok((kept, removed))
}

/// `line` holds the token as a whole word (not inside a longer one).
fn has_token(line: &[u8], f: &memchr::memmem::Finder<'_>) -> bool {
    let n = f.needle().len();
    f.find_iter(line).any(|p| {
        let before = p.checked_sub(1).map(|i| line[i]);
        let after = line.get(p + n).copied();
        let word = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        !word(before) && !word(after)
    })
}
