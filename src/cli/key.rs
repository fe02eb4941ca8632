//! `anonlog key init | rotate | list | purge`: a static key file, or a
//! keyring of one key per epoch whose old keys are destroyed on schedule.
//!
//! Everything here works on a key file or a keyring directory (see
//! `anonlog::keyring`); none of it ever prints key bytes.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use anonlog::error::{Error, ErrorKind, EXIT_ERROR, EXIT_OK};
use anonlog::keyring::{Epoch, EpochInfo, EpochLen, EpochState, KeyState, Keyring};
use anonlog::pseudonym::Key;
use anonlog::time::{before, iso, parse_duration, wall_clock};

use super::common::NowArg;

pub const HELP: &str = "\
Key lifecycle (see README, \"Keys and epochs\"):
  anonlog key init --key-dir /var/lib/anonlog/keys --epoch 7d   # once
  anonlog key rotate --key-dir /var/lib/anonlog/keys            # daily, from cron
  anonlog key purge --key-dir /var/lib/anonlog/keys --older-than 14d
  anonlog key list --key-dir /var/lib/anonlog/keys
  anonlog key check -k /etc/anonlog/key                         # before a restart

`key check` exits 0 when the key is usable (a static key file that can be
read; a keyring whose current epoch has its key) and 2 with the reason
otherwise, for `apachectl configtest`-style scripts: a piped anonymize whose
key is unusable keeps reading but writes every identity as REDACTED.

Purge window: keys are destroyed 14 days after their epoch ends (contrib's
anonlog.toml [keys] destroy_after and anonlog-keys.service say the same), so
that a raw file kept for its 7-day window is anonymized while its epoch's
key still exists.";

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
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
        dir: KeyDirArg,
        #[command(flatten)]
        now: NowArg,
    },
    /// List the epochs, their time spans, and which keys exist or were
    /// destroyed (never key bytes).
    List {
        #[command(flatten)]
        dir: KeyDirArg,
    },
    /// Check that a key is usable: exit 0, or 2 with the reason (a missing,
    /// unreadable, loose or malformed key file; a keyring that cannot be
    /// opened or has no key for the current epoch). Never prints key bytes.
    Check {
        #[command(flatten)]
        key: KeyArg,
        #[command(flatten)]
        now: NowArg,
    },
    /// Destroy the keys of every epoch that ended more than DURATION ago:
    /// the file is overwritten, removed, and a tombstone records the epoch as
    /// destroyed. Pseudonyms of those epochs become unlinkable for everyone.
    Purge {
        #[command(flatten)]
        dir: KeyDirArg,
        /// E.g. 14d: keys of epochs that ended before now − 14 days go.
        #[arg(long, value_name = "DURATION")]
        older_than: String,
        #[command(flatten)]
        now: NowArg,
    },
}

impl KeyCommand {
    /// Runs the key command.
    pub fn run(self) -> Result<u8, Error> {
        match self {
            KeyCommand::Init {
                path,
                key_dir,
                epoch,
                if_missing,
            } => match (path, key_dir) {
                (Some(p), _) => init_file(&p, if_missing),
                (None, Some(d)) => init_ring(&d, &epoch),
                (None, None) => Err(Error::new(ErrorKind::Usage, "give PATH or --key-dir")),
            },
            KeyCommand::Rotate { dir, now } => rotate(&dir, &now),
            KeyCommand::List { dir } => list(&dir),
            KeyCommand::Check { key, now } => check(&key, &now),
            KeyCommand::Purge {
                dir,
                older_than,
                now,
            } => purge(&dir, &older_than, &now),
        }
    }
}

/// `anonlog key init PATH`.
fn init_file(path: &Path, if_missing: bool) -> Result<u8, Error> {
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

/// Where the keyring is.
#[derive(Debug, Args)]
pub struct KeyDirArg {
    /// The keyring directory (mode 0700).
    #[arg(long, value_name = "DIR", env = "ANONLOG_KEY_DIR")]
    pub key_dir: PathBuf,
}

/// Which key: a static key file (`-k`) or a keyring directory.
#[derive(Debug, Args)]
pub struct KeyArg {
    /// A static key file, as `anonlog anonymize -k` takes it (wins over
    /// --key-dir and ANONLOG_KEY_DIR).
    #[arg(
        short = 'k',
        long = "key-file",
        visible_alias = "key",
        value_name = "PATH"
    )]
    pub key_file: Option<PathBuf>,
    /// A keyring directory (mode 0700).
    #[arg(long, value_name = "DIR", env = "ANONLOG_KEY_DIR")]
    pub key_dir: Option<PathBuf>,
}

/// The epochs of a key with the key of each that still exists: a static
/// key file is one epoch without a time span.
pub fn epoch_keys(k: &KeyArg) -> Result<Vec<(EpochInfo, Option<Key>)>, Error> {
    if let Some(f) = &k.key_file {
        let info = EpochInfo {
            epoch: Epoch(0),
            start: None,
            end: None,
            state: EpochState::Present { created: 0 },
        };
        return Ok(vec![(info, Some(Key::load(f)?))]);
    }
    let Some(dir) = &k.key_dir else {
        return Err(Error::new(
            ErrorKind::Usage,
            "no key given: use -k PATH (a static key file) or --key-dir DIR (ANONLOG_KEY_DIR)",
        ));
    };
    let ring = Keyring::open(dir)?;
    let mut out = Vec::new();
    for info in ring.list()? {
        let key = match ring.key_for(info.epoch, false)? {
            KeyState::Present(key) => Some(key),
            KeyState::Destroyed { .. } | KeyState::Missing => None,
        };
        out.push((info, key));
    }
    Ok(out)
}

/// `anonlog key init --key-dir DIR`.
fn init_ring(dir: &Path, epoch: &str) -> Result<u8, Error> {
    let len = EpochLen::parse(epoch)?;
    let ring = Keyring::init(dir, len)?;
    let created = ring.rotate(wall_clock())?;
    eprintln!(
        "anonlog: keyring {} ready (epochs of {len}); {} key(s) created",
        dir.display(),
        created.len()
    );
    Ok(EXIT_OK)
}

/// `anonlog key rotate`.
fn rotate(dir: &KeyDirArg, now: &NowArg) -> Result<u8, Error> {
    let ring = Keyring::open(&dir.key_dir)?;
    let created = ring.rotate(now.get()?)?;
    for e in &created {
        eprintln!("anonlog: created the key of epoch {}", describe(&ring, *e));
    }
    Ok(EXIT_OK)
}

/// `anonlog key check`: is the key usable now?
fn check(k: &KeyArg, now: &NowArg) -> Result<u8, Error> {
    let unusable =
        |what: &str, why: String| Error::new(ErrorKind::Key, format!("key {what} unusable: {why}"));
    if let Some(f) = &k.key_file {
        let shown = f.display().to_string();
        Key::load(f).map_err(|e| unusable(&shown, e.to_string()))?;
        eprintln!("anonlog: key {shown} is usable (a static key)");
        return Ok(EXIT_OK);
    }
    let Some(dir) = &k.key_dir else {
        return Err(Error::new(
            ErrorKind::Usage,
            "no key given: use -k PATH (a static key file) or --key-dir DIR (ANONLOG_KEY_DIR)",
        ));
    };
    let shown = dir.display().to_string();
    let ring = Keyring::open(dir).map_err(|e| unusable(&shown, e.to_string()))?;
    let cur = ring.epoch_len().epoch_of(now.get()?);
    match ring.key_for(cur, false) {
        Ok(KeyState::Present(_)) => {
            eprintln!(
                "anonlog: keyring {shown} is usable (the key of the current epoch {} exists)",
                describe(&ring, cur)
            );
            Ok(EXIT_OK)
        }
        Ok(KeyState::Missing) => Err(unusable(
            &shown,
            format!(
                "the current epoch {} has no key yet; run `anonlog key rotate --key-dir {shown}`",
                describe(&ring, cur)
            ),
        )),
        Ok(KeyState::Destroyed { destroyed_at }) => Err(unusable(
            &shown,
            format!(
                "the key of the current epoch {} was destroyed at {}",
                describe(&ring, cur),
                iso(destroyed_at)
            ),
        )),
        Err(e) => Err(unusable(&shown, e.to_string())),
    }
}

/// `anonlog key list`: one line per epoch, never a key byte.
fn list(dir: &KeyDirArg) -> Result<u8, Error> {
    let ring = Keyring::open(&dir.key_dir)?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "epoch\tstart\tend\tstate\tsince");
    for info in ring.list()? {
        let (state, when) = match info.state {
            EpochState::Present { created } => ("present", created),
            EpochState::Destroyed { destroyed_at } => ("destroyed", destroyed_at),
        };
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{state}\t{}",
            info.epoch.0,
            info.start.map_or("-".into(), iso),
            info.end.map_or("-".into(), iso),
            iso(when)
        );
    }
    Ok(EXIT_OK)
}

/// `anonlog key purge --older-than D`.
fn purge(dir: &KeyDirArg, older_than: &str, now: &NowArg) -> Result<u8, Error> {
    let ring = Keyring::open(&dir.key_dir)?;
    let now = now.get()?;
    let cutoff = before(now, parse_duration(older_than)?);
    let gone = ring.purge(cutoff, now)?;
    for e in &gone {
        eprintln!(
            "anonlog: destroyed the key of epoch {}: its pseudonyms can no longer be linked to anyone",
            describe(&ring, *e)
        );
    }
    if gone.is_empty() {
        eprintln!("anonlog: no epoch ended before {}", iso(cutoff));
    }
    let bad = ring.invalid_tombstones()?;
    for e in &bad {
        eprintln!("anonlog: error: {e}");
    }
    Ok(if bad.is_empty() { EXIT_OK } else { EXIT_ERROR })
}

/// A short description of an epoch for messages.
fn describe(ring: &Keyring, e: Epoch) -> String {
    let len = ring.epoch_len();
    match (len.start(e), len.end(e)) {
        (Some(s), Some(t)) => format!("{} ({} to {})", e.0, iso(s), iso(t)),
        _ => "static".to_string(),
    }
}
