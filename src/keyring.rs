//! The keyring: one pseudonym key per time epoch, in one directory.
//!
//! This module owns the keyring directory and everything in it: the epoch
//! rule, the file layout, creating keys safely when several processes run at
//! once, listing them, and destroying old keys. Once every key of a period has
//! been destroyed, the pseudonyms published for that period can no longer be
//! recomputed from names or ids, nor linked to pseudonyms of other periods.
//!
//! # Epochs
//!
//! Time is cut into epochs of one fixed length ([`EpochLen`], `7d` by
//! default), aligned to [`ORIGIN`] (1970-01-05T00:00:00Z, a Monday): epoch
//! `n` covers the Unix seconds `[ORIGIN + n*len, ORIGIN + (n+1)*len)`, so
//! weekly epochs start on Mondays at 00:00 UTC, daily epochs at midnight UTC,
//! and timestamps before `ORIGIN` have negative epoch numbers. The length
//! `never` means a single static key (epoch 0) that is never purged.
//!
//! # Directory layout
//!
//! The directory is mode 0700 and owned by the user running anonlog;
//! [`Keyring::open`] refuses it otherwise.
//!
//! - `keyring.json`: the configuration, written once by [`Keyring::init`]:
//!   `{"version":1,"epoch":"7d","origin":345600}`. The epoch length can never
//!   change, because epoch numbers and file names depend on it.
//! - `e<n>-<YYYY-MM-DD>.key`: the key of epoch `n`, named after the UTC date
//!   its epoch starts (`e2817-2024-01-01.key`). When the length is not a whole
//!   number of days the start time follows as `THH-MM` (and `-SS` if it is not
//!   a whole number of minutes either): `e41-1970-01-25T12-00.key`. Negative
//!   epochs read `e-1-1969-12-29.key`. With `never` the only key file is
//!   `static.key`. A key file holds exactly 32 raw random bytes, mode 0600. Its
//!   creation time is the file's modification time (key files are never
//!   modified after they are created, until they are destroyed).
//! - `e<n>-<date>.destroyed`: the tombstone of a destroyed epoch, JSON
//!   `{"epoch":n,"start":s,"end":e,"destroyed_at":t}` (Unix seconds; `end` is
//!   exclusive). A tombstone is permanent.
//! - `.tmp-*`: files being written; left behind only by a crash, and safe to
//!   delete when no anonlog process is running.
//!
//! Other files are ignored, except that a `.key` or `.destroyed` file whose
//! name does not belong to an epoch of the keyring's length is an error.
//!
//! # Creating and destroying
//!
//! Every file is written to a temporary file (mode 0600, `O_EXCL`), flushed
//! to disk, and then hard-linked to its final name, which fails rather than
//! replacing an existing file. So a file is either absent or complete, and
//! when two processes create the key of the same epoch at once, both end up
//! with the one that was linked first.
//!
//! A destroyed epoch is never recreated: its tombstone is written (and made
//! durable) *before* its key file is overwritten with zeros, flushed and
//! unlinked, and [`Keyring::key_for`] consults the tombstone before and after
//! it reads or creates a key. Overwriting reduces what remains on disk, but
//! copy-on-write file systems, SSD wear levelling, snapshots and backups may
//! still keep old key bytes; keep the keyring off snapshotted or backed-up
//! storage if that matters.
//!
//! No function here reads the clock: every "now" is a parameter. Key bytes
//! never appear in `Debug` output, `Display` output or error messages.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind};
use crate::pseudonym::{Key, KEY_LEN};
use crate::time::{civil_from_days, parse_duration, DAY};

/// 1970-01-05T00:00:00Z, a Monday: epochs of any length are aligned to it.
pub const ORIGIN: i64 = 345_600;

const CONFIG_FILE: &str = "keyring.json";
const CONFIG_VERSION: u32 = 1;
const KEY_SUFFIX: &str = ".key";
const TOMB_SUFFIX: &str = ".destroyed";
const STATIC_STEM: &str = "static";
const TMP_PREFIX: &str = ".tmp-";

fn key_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Key, msg)
}

fn io_err(what: &str, path: &Path, e: &io::Error) -> Error {
    key_err(format!("cannot {what} {}: {e}", path.display()))
}

/// The length of an epoch: a fixed number of seconds, or `Never` (one static
/// key for all time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochLen {
    /// Epochs of this many seconds (at least 1, at most `i64::MAX`).
    Secs(u64),
    /// A single epoch, `Epoch(0)`, whose key is never purged.
    Never,
}

impl Default for EpochLen {
    /// Seven days.
    fn default() -> Self {
        EpochLen::Secs(7 * DAY)
    }
}

impl EpochLen {
    /// Parses an epoch length: a positive duration as in [`parse_duration`]
    /// ("1d", "7d" (the default), "30d", "12h", "90m", "2w", "3600s") or
    /// "never".
    pub fn parse(s: &str) -> Result<EpochLen, Error> {
        if s == "never" {
            return Ok(EpochLen::Never);
        }
        let secs = parse_duration(s).map_err(|e| {
            Error::new(
                ErrorKind::Usage,
                format!("invalid epoch length: {e}, or `never`"),
            )
        })?;
        if secs == 0 {
            return Err(Error::new(
                ErrorKind::Usage,
                format!("invalid epoch length `{s}`: it must be longer than zero"),
            ));
        }
        Ok(EpochLen::Secs(secs))
    }

    /// The epoch containing the Unix time `ts`: `floor((ts - ORIGIN) / len)`
    /// (`Epoch(0)` for `Never`). `Secs(0)` is treated as `Secs(1)`.
    pub fn epoch_of(&self, ts: i64) -> Epoch {
        match *self {
            EpochLen::Never => Epoch(0),
            EpochLen::Secs(len) => {
                let q = (i128::from(ts) - i128::from(ORIGIN)).div_euclid(i128::from(len.max(1)));
                Epoch(q.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
            }
        }
    }

    /// The first second of epoch `e` (`None` for `Never`, or when it does not
    /// fit an `i64`).
    pub fn start(&self, e: Epoch) -> Option<i64> {
        self.boundary(i128::from(e.0))
    }

    /// The end of epoch `e`, exclusive: the first second of the next epoch
    /// (`None` for `Never`, or when it does not fit an `i64`).
    pub fn end(&self, e: Epoch) -> Option<i64> {
        self.boundary(i128::from(e.0) + 1)
    }

    fn boundary(&self, n: i128) -> Option<i64> {
        match *self {
            EpochLen::Never => None,
            EpochLen::Secs(len) => {
                i64::try_from(n * i128::from(len.max(1)) + i128::from(ORIGIN)).ok()
            }
        }
    }

    /// Refuses lengths that `parse` would not produce.
    fn validate(&self) -> Result<(), Error> {
        match *self {
            EpochLen::Secs(0) => Err(Error::new(
                ErrorKind::Usage,
                "invalid epoch length: it must be longer than zero",
            )),
            EpochLen::Secs(n) if i64::try_from(n).is_err() => Err(Error::new(
                ErrorKind::Usage,
                format!("invalid epoch length: {n} seconds is too long"),
            )),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for EpochLen {
    /// The largest unit among d, h, m, s that divides the length ("7d",
    /// "12h", "90m", "45s"), or "never". Round-trips through
    /// [`EpochLen::parse`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            EpochLen::Never => f.write_str("never"),
            EpochLen::Secs(n) if n != 0 && n % DAY == 0 => write!(f, "{}d", n / DAY),
            EpochLen::Secs(n) if n != 0 && n % 3600 == 0 => write!(f, "{}h", n / 3600),
            EpochLen::Secs(n) if n != 0 && n % 60 == 0 => write!(f, "{}m", n / 60),
            EpochLen::Secs(n) => write!(f, "{n}s"),
        }
    }
}

/// An epoch number (see the module docs for the rule). Negative before
/// [`ORIGIN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Epoch(pub i64);

impl fmt::Display for Epoch {
    /// `e<n>`, as at the start of the epoch's file names.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "e{}", self.0)
    }
}

/// What [`Keyring::key_for`] found for an epoch. `Debug` never shows key
/// bytes.
#[derive(Debug, Clone)]
pub enum KeyState {
    /// The epoch's key.
    Present(Key),
    /// The key was destroyed at `destroyed_at` (Unix seconds); it will never
    /// exist again.
    Destroyed {
        /// When the key was destroyed (the `now` given to the purge).
        destroyed_at: i64,
    },
    /// The key was never created (and `create_missing` was false).
    Missing,
}

/// The state of a known epoch, as [`Keyring::list`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EpochState {
    /// The key exists.
    Present {
        /// When the key file was created (its modification time, Unix
        /// seconds).
        created: i64,
    },
    /// The key was destroyed.
    Destroyed {
        /// When the key was destroyed (Unix seconds, from the tombstone).
        destroyed_at: i64,
    },
}

/// One known epoch of a keyring, without its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochInfo {
    /// The epoch.
    pub epoch: Epoch,
    /// Its first second (`None` for `EpochLen::Never`).
    pub start: Option<i64>,
    /// Its end, exclusive (`None` for `EpochLen::Never`).
    pub end: Option<i64>,
    /// Whether its key exists or was destroyed.
    pub state: EpochState,
}

/// The `keyring.json` configuration file.
#[derive(Debug, Serialize, Deserialize)]
struct Config {
    version: u32,
    epoch: String,
    origin: i64,
}

/// The contents of a `.destroyed` tombstone.
#[derive(Debug, Serialize, Deserialize)]
struct Tombstone {
    epoch: i64,
    start: Option<i64>,
    end: Option<i64>,
    destroyed_at: i64,
}

/// Which files of an epoch exist.
#[derive(Debug, Default, Clone, Copy)]
struct Found {
    key: bool,
    tomb: bool,
}

/// A keyring directory: one 32-byte key per epoch. Holds no key bytes itself
/// and is cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Keyring {
    dir: PathBuf,
    len: EpochLen,
}

impl Keyring {
    /// Creates the keyring directory (mode 0700, parents as needed) and its
    /// config file recording the epoch length, then opens it. Re-running on
    /// an existing keyring with the same length is fine (idempotent); a
    /// different length is an error, as is an existing directory that
    /// [`Keyring::open`] would refuse.
    pub fn init(dir: &Path, len: EpochLen) -> Result<Keyring, Error> {
        len.validate()?;
        let mut b = fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(dir)
            .map_err(|e| io_err("create keyring directory", dir, &e))?;
        check_dir(dir)?;
        let cfg_path = dir.join(CONFIG_FILE);
        let exists = match fs::symlink_metadata(&cfg_path) {
            Ok(_) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(io_err("inspect", &cfg_path, &e)),
        };
        if !exists {
            let cfg = Config {
                version: CONFIG_VERSION,
                epoch: len.to_string(),
                origin: ORIGIN,
            };
            let mut text = serde_json::to_string(&cfg).expect("plain values serialize");
            text.push('\n');
            // Another process may have created it first: then it is checked below.
            create_file_atomic(dir, CONFIG_FILE, text.as_bytes())?;
        }
        let ring = Keyring::open(dir)?;
        if ring.len != len {
            return Err(key_err(format!(
                "keyring {} already uses {} epochs, not {len}; the length of a keyring \
                 cannot change (epoch numbers and key file names depend on it): keep \
                 {} or use a new directory",
                dir.display(),
                ring.len,
                ring.len
            )));
        }
        Ok(ring)
    }

    /// Opens an existing keyring. Refuses (with [`ErrorKind::Key`] and a
    /// message naming the path and the fix) when the directory is not 0700
    /// (any group/other bit set), is not owned by the current effective uid,
    /// or a key file is not 0600 (any group/other bit set), not a regular
    /// file, or not owned by us; also when the configuration is missing or
    /// invalid, or a `.key`/`.destroyed` file name matches no epoch.
    pub fn open(dir: &Path) -> Result<Keyring, Error> {
        match fs::metadata(dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(key_err(format!(
                    "no keyring at {}: the directory does not exist; \
                 initialize a keyring there first",
                    dir.display()
                )))
            }
            Err(e) => return Err(io_err("open keyring directory", dir, &e)),
            Ok(_) => {}
        }
        check_dir(dir)?;
        let cfg_path = dir.join(CONFIG_FILE);
        let meta = match fs::symlink_metadata(&cfg_path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(key_err(format!(
                    "{} is not a keyring: it has no {CONFIG_FILE}; \
                 initialize a keyring there first",
                    dir.display()
                )))
            }
            Err(e) => return Err(io_err("inspect", &cfg_path, &e)),
            Ok(m) => m,
        };
        check_owned_file(&cfg_path, &meta, "keyring configuration")?;
        let text = fs::read_to_string(&cfg_path).map_err(|e| io_err("read", &cfg_path, &e))?;
        let cfg: Config = serde_json::from_str(&text).map_err(|e| {
            key_err(format!(
                "keyring configuration {} is not valid: {e}",
                cfg_path.display()
            ))
        })?;
        if cfg.version != CONFIG_VERSION {
            return Err(key_err(format!(
                "keyring configuration {} has version {}; this anonlog reads version {CONFIG_VERSION}",
                cfg_path.display(),
                cfg.version
            )));
        }
        if cfg.origin != ORIGIN {
            return Err(key_err(format!(
                "keyring configuration {} has origin {}; this anonlog only supports {ORIGIN}",
                cfg_path.display(),
                cfg.origin
            )));
        }
        let len = EpochLen::parse(&cfg.epoch).map_err(|e| {
            key_err(format!(
                "keyring configuration {} is not valid: {e}",
                cfg_path.display()
            ))
        })?;
        let ring = Keyring {
            dir: dir.to_path_buf(),
            len,
        };
        for (e, found) in ring.scan()? {
            if found.key {
                let path = ring.key_path(e)?;
                let meta = fs::symlink_metadata(&path)
                    .map_err(|err| io_err("inspect key file", &path, &err))?;
                check_key_meta(&path, &meta)?;
            }
        }
        Ok(ring)
    }

    /// The length of this keyring's epochs.
    pub fn epoch_len(&self) -> EpochLen {
        self.len
    }

    /// The keyring directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of epoch `e`. With `create_missing`, a missing (never created,
    /// not destroyed) key is generated and written atomically (a temporary
    /// file 0600 in the directory, flushed, then hard-linked to its name
    /// without replacing: if another process created the same epoch first,
    /// theirs is loaded and returned). A destroyed epoch is never recreated:
    /// [`KeyState::Destroyed`]. With [`EpochLen::Never`] only `Epoch(0)`
    /// exists.
    pub fn key_for(&self, e: Epoch, create_missing: bool) -> Result<KeyState, Error> {
        self.key_state(e, create_missing).map(|(state, _)| state)
    }

    /// Makes sure keys exist for the epoch containing `now` and the next one
    /// (for `Never`: the static key). Returns the epochs it created. Meant to
    /// run from cron, so that keys exist before they are needed. An error if
    /// one of those epochs was destroyed (the other is still created).
    pub fn rotate(&self, now: i64) -> Result<Vec<Epoch>, Error> {
        let epochs = match self.len {
            EpochLen::Never => vec![Epoch(0)],
            EpochLen::Secs(_) => {
                let cur = self.len.epoch_of(now);
                let mut v = vec![cur];
                if let Some(next) = cur.0.checked_add(1) {
                    v.push(Epoch(next));
                }
                v
            }
        };
        let mut created = Vec::new();
        let mut destroyed = Vec::new();
        for e in epochs {
            match self.key_state(e, true)? {
                (KeyState::Present(_), true) => created.push(e),
                (KeyState::Present(_), false) => {}
                (KeyState::Destroyed { destroyed_at }, _) => destroyed.push((e, destroyed_at)),
                (KeyState::Missing, _) => {
                    return Err(key_err(format!(
                        "the key file of epoch {e} in keyring {} vanished \
                     right after it was created",
                        self.dir.display()
                    )))
                }
            }
        }
        if let Some((e, at)) = destroyed.first() {
            return Err(key_err(format!(
                "the key of epoch {e} ({}) in keyring {} was destroyed at {at} and cannot be \
                 recreated; the keys of the current and next epoch must exist{}",
                self.describe(*e),
                self.dir.display(),
                if created.is_empty() {
                    String::new()
                } else {
                    let names: Vec<String> = created.iter().map(|e| e.to_string()).collect();
                    format!(" (created: {})", names.join(", "))
                }
            )));
        }
        Ok(created)
    }

    /// All known epochs (present and destroyed), sorted by epoch. Never
    /// exposes key bytes.
    pub fn list(&self) -> Result<Vec<EpochInfo>, Error> {
        let mut out = Vec::new();
        for (e, found) in self.scan()? {
            let state = if found.tomb {
                let path = self.tomb_path(e)?;
                let t = read_tombstone(&path)?
                    .ok_or_else(|| key_err(format!("tombstone {} disappeared", path.display())))?;
                EpochState::Destroyed {
                    destroyed_at: t.destroyed_at,
                }
            } else {
                let path = self.key_path(e)?;
                // A key that cannot be used (bad length, mode) says why.
                read_key_file(&path)?;
                let meta = fs::symlink_metadata(&path)
                    .map_err(|err| io_err("inspect key file", &path, &err))?;
                EpochState::Present {
                    created: crate::time::mtime(&meta),
                }
            };
            out.push(EpochInfo {
                epoch: e,
                start: self.len.start(e),
                end: self.len.end(e),
                state,
            });
        }
        Ok(out)
    }

    /// Destroys the keys of every epoch whose end is `<= cutoff` (never for
    /// [`EpochLen::Never`]): writes a tombstone (JSON: epoch, start, end,
    /// `destroyed_at = now`) atomically and makes it durable, then overwrites
    /// the key file with zeros, flushes it, unlinks it and flushes the
    /// directory. Returns the epochs whose key it destroyed, sorted.
    /// Idempotent: a second run returns nothing. Also finishes a purge that
    /// was interrupted between tombstone and unlink.
    pub fn purge(&self, cutoff: i64, now: i64) -> Result<Vec<Epoch>, Error> {
        if self.len == EpochLen::Never {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for (e, found) in self.scan()? {
            if !found.key {
                continue;
            }
            let Some(end) = self.len.end(e) else {
                continue;
            };
            if end > cutoff {
                continue;
            }
            if !found.tomb {
                let t = Tombstone {
                    epoch: e.0,
                    start: self.len.start(e),
                    end: Some(end),
                    destroyed_at: now,
                };
                let mut text = serde_json::to_string(&t).expect("plain values serialize");
                text.push('\n');
                // If another purge wrote it first, its time stands.
                create_file_atomic(&self.dir, &self.tomb_name(e)?, text.as_bytes())?;
            }
            if destroy_key_file(&self.key_path(e)?)? {
                out.push(e);
            }
        }
        if !out.is_empty() {
            fsync_dir(&self.dir)?;
        }
        Ok(out)
    }

    /// The tombstones that cannot be read, one error each (a purge or
    /// rotation that skips them must still fail).
    pub fn invalid_tombstones(&self) -> Result<Vec<Error>, Error> {
        let mut out = Vec::new();
        for (e, found) in self.scan()? {
            if found.tomb {
                if let Err(err) = read_tombstone(&self.tomb_path(e)?) {
                    out.push(err);
                }
            }
        }
        Ok(out)
    }

    /// `key_for`, also telling whether this call created the key.
    fn key_state(&self, e: Epoch, create_missing: bool) -> Result<(KeyState, bool), Error> {
        let key_path = self.key_path(e)?;
        let tomb_path = self.tomb_path(e)?;
        if let Some(t) = read_tombstone(&tomb_path)? {
            return Ok((
                KeyState::Destroyed {
                    destroyed_at: t.destroyed_at,
                },
                false,
            ));
        }
        let mut created = false;
        if create_missing {
            let absent = match fs::symlink_metadata(&key_path) {
                Ok(_) => false,
                Err(err) if err.kind() == io::ErrorKind::NotFound => true,
                Err(err) => return Err(io_err("inspect key file", &key_path, &err)),
            };
            if absent {
                let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
                getrandom::fill(&mut bytes[..])
                    .map_err(|err| key_err(format!("the OS random source failed: {err}")))?;
                created = create_file_atomic(&self.dir, &self.key_name(e)?, &bytes[..])?;
            }
        }
        let bytes = read_key_file(&key_path)?;
        // A purge writes the tombstone before it touches the key file, so
        // checking again here catches a purge that ran meanwhile (including
        // one that may have zeroed the bytes just read).
        if let Some(t) = read_tombstone(&tomb_path)? {
            if created {
                // The purge may have looked before this key was linked.
                destroy_key_file(&key_path)?;
                fsync_dir(&self.dir)?;
            }
            return Ok((
                KeyState::Destroyed {
                    destroyed_at: t.destroyed_at,
                },
                false,
            ));
        }
        match bytes {
            None => Ok((KeyState::Missing, false)),
            Some(b) if b.iter().all(|&x| x == 0) => Err(key_err(format!(
                "key file {} holds only zero bytes: it is damaged or was being destroyed \
                 without a tombstone; remove it to let a new key be created",
                key_path.display()
            ))),
            Some(b) => Ok((KeyState::Present(Key::from_bytes(*b)), created)),
        }
    }

    /// The common part of an epoch's file names.
    fn stem(&self, e: Epoch) -> Result<String, Error> {
        match self.len {
            EpochLen::Never if e.0 == 0 => Ok(STATIC_STEM.to_string()),
            EpochLen::Never => Err(key_err(format!(
                "keyring {} has a single static key (epoch length never): there is no epoch {e}",
                self.dir.display()
            ))),
            EpochLen::Secs(len) => {
                let start = self.len.start(e).ok_or_else(|| {
                    key_err(format!("epoch {e} is out of range for {} epochs", self.len))
                })?;
                Ok(format!("{e}-{}", stamp(start, len)))
            }
        }
    }

    /// The epoch whose file names start with `stem`, if any.
    fn epoch_of_stem(&self, stem: &str) -> Option<Epoch> {
        let e = match self.len {
            EpochLen::Never => Epoch(0),
            EpochLen::Secs(_) => {
                let rest = stem.strip_prefix('e')?;
                let digits_from = usize::from(rest.starts_with('-'));
                let end = rest[digits_from..].find('-')? + digits_from;
                Epoch(rest[..end].parse().ok()?)
            }
        };
        // Only the canonical spelling counts.
        (self.stem(e).ok()? == stem).then_some(e)
    }

    /// A short human description of an epoch's span.
    fn describe(&self, e: Epoch) -> String {
        match (self.len.start(e), self.len.end(e), self.len) {
            (Some(s), Some(end), EpochLen::Secs(len)) => {
                format!("{} to {}", stamp(s, len), stamp(end, len))
            }
            _ => "all time".to_string(),
        }
    }

    fn key_name(&self, e: Epoch) -> Result<String, Error> {
        Ok(self.stem(e)? + KEY_SUFFIX)
    }

    fn tomb_name(&self, e: Epoch) -> Result<String, Error> {
        Ok(self.stem(e)? + TOMB_SUFFIX)
    }

    fn key_path(&self, e: Epoch) -> Result<PathBuf, Error> {
        Ok(self.dir.join(self.key_name(e)?))
    }

    fn tomb_path(&self, e: Epoch) -> Result<PathBuf, Error> {
        Ok(self.dir.join(self.tomb_name(e)?))
    }

    /// The epochs that have a key file or a tombstone.
    fn scan(&self) -> Result<BTreeMap<Epoch, Found>, Error> {
        let mut found: BTreeMap<Epoch, Found> = BTreeMap::new();
        let rd =
            fs::read_dir(&self.dir).map_err(|e| io_err("read keyring directory", &self.dir, &e))?;
        for entry in rd {
            let entry = entry.map_err(|e| io_err("read keyring directory", &self.dir, &e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            if name == CONFIG_FILE || name.starts_with('.') {
                continue;
            }
            let (stem, is_key) = if let Some(s) = name.strip_suffix(KEY_SUFFIX) {
                (s, true)
            } else if let Some(s) = name.strip_suffix(TOMB_SUFFIX) {
                (s, false)
            } else {
                continue;
            };
            let e = self.epoch_of_stem(stem).ok_or_else(|| {
                key_err(format!(
                    "unexpected file {} in keyring {}: its name matches no epoch of length {}; \
                     move it out of the keyring",
                    entry.path().display(),
                    self.dir.display(),
                    self.len
                ))
            })?;
            let f = found.entry(e).or_default();
            if is_key {
                f.key = true;
            } else {
                f.tomb = true;
            }
        }
        Ok(found)
    }
}

/// `YYYY-MM-DD` of the UTC day containing `ts`, followed by `THH-MM` (and
/// `-SS`) when `len` is not a whole number of days (minutes).
fn stamp(ts: i64, len: u64) -> String {
    let days = ts.div_euclid(DAY as i64);
    let secs = ts.rem_euclid(DAY as i64);
    let (y, m, d) = civil_from_days(days);
    let mut s = if y >= 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("-{:04}-{m:02}-{d:02}", -y)
    };
    if !len.is_multiple_of(DAY) {
        s.push_str(&format!("T{:02}-{:02}", secs / 3600, secs % 3600 / 60));
        if !len.is_multiple_of(60) {
            s.push_str(&format!("-{:02}", secs % 60));
        }
    }
    s
}

#[cfg(unix)]
fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The directory must be a directory, 0700 at most, and ours.
fn check_dir(dir: &Path) -> Result<(), Error> {
    let meta = fs::metadata(dir).map_err(|e| io_err("inspect keyring directory", dir, &e))?;
    let shown = dir.display();
    if !meta.is_dir() {
        return Err(key_err(format!("keyring {shown} is not a directory")));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(key_err(format!(
                "keyring directory {shown} has mode {mode:04o}, which lets group or others \
                 see or change its keys; run `chmod 700 {shown}`"
            )));
        }
        let (uid, me) = (meta.uid(), euid());
        if uid != me {
            return Err(key_err(format!(
                "keyring directory {shown} is owned by uid {uid}, not by the current user \
                 (uid {me}); run anonlog as its owner, or `chown` it to this user"
            )));
        }
    }
    Ok(())
}

/// A file of the keyring must be a regular file (not a symbolic link) owned
/// by us.
fn check_owned_file(path: &Path, meta: &fs::Metadata, what: &str) -> Result<(), Error> {
    let shown = path.display();
    if !meta.file_type().is_file() {
        return Err(key_err(format!(
            "{what} {shown} is not a regular file (symbolic links are refused); replace it \
             with a regular file"
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (uid, me) = (meta.uid(), euid());
        if uid != me {
            return Err(key_err(format!(
                "{what} {shown} is owned by uid {uid}, not by the current user (uid {me}); \
                 run `chown` on it, or remove it if you did not put it there"
            )));
        }
    }
    Ok(())
}

/// A key file must also be 0600 at most.
fn check_key_meta(path: &Path, meta: &fs::Metadata) -> Result<(), Error> {
    check_owned_file(path, meta, "key file")?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            let shown = path.display();
            return Err(key_err(format!(
                "key file {shown} has mode {mode:04o}, which lets group or others use it; \
                 run `chmod 600 {shown}`"
            )));
        }
    }
    Ok(())
}

/// Opens an existing file without following a final symbolic link.
fn open_nofollow(path: &Path, write: bool) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(!write).write(write);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Non-blocking: a FIFO in place of a key must not hang the run.
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    opts.open(path)
}

/// Reads a key file: exactly 32 bytes, checked like [`Keyring::open`] does.
/// `None` when it does not exist.
fn read_key_file(path: &Path) -> Result<Option<Zeroizing<[u8; KEY_LEN]>>, Error> {
    let shown = path.display();
    let mut f = match open_nofollow(path, false) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            // A symbolic link fails here (ELOOP); say so clearly.
            if let Ok(meta) = fs::symlink_metadata(path) {
                check_key_meta(path, &meta)?;
            }
            return Err(io_err("open key file", path, &e));
        }
    };
    let meta = f
        .metadata()
        .map_err(|e| io_err("inspect key file", path, &e))?;
    check_key_meta(path, &meta)?;
    let mut buf = Zeroizing::new(Vec::with_capacity(KEY_LEN + 1));
    Read::by_ref(&mut f)
        .take(KEY_LEN as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| io_err("read key file", path, &e))?;
    if buf.len() != KEY_LEN {
        return Err(key_err(format!(
            "key file {shown} must hold exactly {KEY_LEN} bytes, it holds {}{}",
            if buf.len() > KEY_LEN {
                "more than "
            } else {
                ""
            },
            buf.len().min(KEY_LEN)
        )));
    }
    let mut k = Zeroizing::new([0u8; KEY_LEN]);
    k.copy_from_slice(&buf);
    Ok(Some(k))
}

/// Reads a tombstone; `None` when it does not exist.
fn read_tombstone(path: &Path) -> Result<Option<Tombstone>, Error> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("read tombstone", path, &e)),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        key_err(format!(
            "tombstone {} is not valid ({e}); the epoch stays destroyed, but the file needs repair",
            path.display()
        ))
    })
}

/// Overwrites a key file with zeros, flushes it and unlinks it. `false` when
/// it did not exist. The caller flushes the directory.
fn destroy_key_file(path: &Path) -> Result<bool, Error> {
    let mut f = match open_nofollow(path, true) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io_err("open key file to destroy it", path, &e)),
    };
    let meta = f
        .metadata()
        .map_err(|e| io_err("inspect key file", path, &e))?;
    if !meta.is_file() {
        return Err(key_err(format!(
            "key file {} is not a regular file; remove it by hand",
            path.display()
        )));
    }
    let zeros = [0u8; 4096];
    let mut left = meta.len().max(KEY_LEN as u64);
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        f.write_all(&zeros[..n])
            .map_err(|e| io_err("overwrite key file", path, &e))?;
        left -= n as u64;
    }
    f.sync_all()
        .map_err(|e| io_err("flush key file", path, &e))?;
    drop(f);
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        // Another process destroyed it meanwhile.
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(io_err("remove key file", path, &e)),
    }
}

/// Flushes a directory's entries to disk.
fn fsync_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        let res = File::open(dir).and_then(|d| d.sync_all());
        match res {
            Ok(()) => {}
            // Some file systems cannot flush directories; nothing more to do there.
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOTSUP)) => {}
            Err(e) => return Err(io_err("flush keyring directory", dir, &e)),
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `contents` to `dir/name` atomically and without replacing: a
/// temporary file (0600, exclusive) is written and flushed, then hard-linked
/// to `name`. Returns `false` (and changes nothing) when `name` already
/// existed.
fn create_file_atomic(dir: &Path, name: &str, contents: &[u8]) -> Result<bool, Error> {
    let target = dir.join(name);
    let (tmp, mut f) = create_temp(dir)?;
    let written = f.write_all(contents).and_then(|()| f.sync_all());
    drop(f);
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io_err("write", &tmp, &e));
    }
    let linked = fs::hard_link(&tmp, &target);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            fsync_dir(dir)?;
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(key_err(format!(
            "cannot create {} (by hard-linking a temporary file; the keyring needs a file \
             system with hard links): {e}",
            target.display()
        ))),
    }
}

/// A new, empty temporary file in `dir`, mode 0600, created exclusively.
fn create_temp(dir: &Path) -> Result<(PathBuf, File), Error> {
    let mut last = None;
    for _ in 0..16 {
        let mut r = [0u8; 8];
        getrandom::fill(&mut r)
            .map_err(|e| key_err(format!("the OS random source failed: {e}")))?;
        let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
        let path = dir.join(format!("{TMP_PREFIX}{hex}"));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(io_err("create a temporary file in", dir, &e)),
        }
    }
    Err(io_err(
        "create a temporary file in",
        dir,
        &last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pseudonym::{Namespace, Pseudonymizer};
    use crate::time::{civil_from_days, days_from_civil};
    use std::os::unix::fs::PermissionsExt;

    const D: i64 = 86_400;
    const W: i64 = 7 * D;
    /// 2024-01-01T00:00:00Z, a Monday.
    const JAN_2024: i64 = 1_704_067_200;
    const NOW: i64 = 1_700_000_000;

    fn tok(k: &KeyState) -> String {
        match k {
            KeyState::Present(k) => {
                format!(
                    "{:?}",
                    Pseudonymizer::new(k).pseudonym(Namespace::Name, b"jdoe")
                )
            }
            other => panic!("expected a key, got {other:?}"),
        }
    }

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    fn set_mode(p: &Path, m: u32) {
        fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn lengths_parse_and_display_round_trip() {
        for (s, secs, shown) in [
            ("1d", 86_400, "1d"),
            ("7d", 604_800, "7d"),
            ("30d", 2_592_000, "30d"),
            ("12h", 43_200, "12h"),
            ("90m", 5_400, "90m"),
            ("2w", 1_209_600, "14d"),
            ("3600s", 3_600, "1h"),
            ("45s", 45, "45s"),
        ] {
            let l = EpochLen::parse(s).unwrap();
            assert_eq!(l, EpochLen::Secs(secs), "{s}");
            assert_eq!(l.to_string(), shown, "{s}");
            assert_eq!(EpochLen::parse(&l.to_string()).unwrap(), l, "{s}");
        }
        assert_eq!(EpochLen::parse("never").unwrap(), EpochLen::Never);
        assert_eq!(EpochLen::Never.to_string(), "never");
        assert_eq!(EpochLen::default().to_string(), "7d");
        for n in [
            1u64, 59, 60, 61, 3_599, 3_600, 86_399, 86_400, 90_000, 604_800,
        ] {
            let l = EpochLen::Secs(n);
            assert_eq!(EpochLen::parse(&l.to_string()).unwrap(), l, "{n}");
        }
        for bad in [
            "", "0d", "0s", "d", "7", "7x", "-1d", "1.5d", "7 d", "7D", "Never",
        ] {
            let e = EpochLen::parse(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Usage, "{bad}");
        }
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("30d").unwrap(), 30 * 86_400);
        assert_eq!(parse_duration("7d").unwrap(), 604_800);
        assert_eq!(parse_duration("12h").unwrap(), 43_200);
        assert_eq!(parse_duration("90m").unwrap(), 5_400);
        assert_eq!(parse_duration("2w").unwrap(), 1_209_600);
        assert_eq!(parse_duration("3600s").unwrap(), 3_600);
        assert_eq!(parse_duration("0d").unwrap(), 0);
        assert_eq!(parse_duration("6mo").unwrap(), 180 * 86_400);
        assert_eq!(parse_duration("3y").unwrap(), 3 * 365 * 86_400);
        for bad in [
            "",
            "d",
            "30",
            "30x",
            "30dd",
            "+3d",
            "-3d",
            "3.5h",
            " 3d",
            "99999999999999999999s",
            "9223372036854775807m",
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Usage, "{bad}");
            assert!(e.to_string().contains(&format!("`{bad}`")), "{e}");
        }
        assert_eq!(
            parse_duration("9223372036854775807s").unwrap(),
            i64::MAX as u64
        );
    }

    #[test]
    fn epoch_boundaries() {
        let w = EpochLen::Secs(W as u64);
        assert_eq!(w.epoch_of(ORIGIN), Epoch(0));
        assert_eq!(w.epoch_of(ORIGIN - 1), Epoch(-1));
        assert_eq!(w.epoch_of(ORIGIN + W - 1), Epoch(0));
        assert_eq!(w.epoch_of(ORIGIN + W), Epoch(1));
        assert_eq!(w.start(Epoch(0)), Some(ORIGIN));
        assert_eq!(w.end(Epoch(0)), Some(ORIGIN + W));
        // Before the origin: negative epochs, still aligned.
        assert_eq!(w.epoch_of(0), Epoch(-1));
        assert_eq!(w.start(Epoch(-1)), Some(ORIGIN - W));
        assert_eq!(w.epoch_of(-1), Epoch(-1));
        assert_eq!(w.epoch_of(ORIGIN - W - 1), Epoch(-2));
        assert_eq!(EpochLen::Secs(D as u64).epoch_of(0), Epoch(-4));
        // 2024-01-01 is a Monday: a weekly epoch starts exactly there.
        let e = w.epoch_of(JAN_2024);
        assert_eq!(w.start(e), Some(JAN_2024));
        assert_eq!(w.epoch_of(JAN_2024 - 1), Epoch(e.0 - 1));
        // Every weekly epoch starts on a Monday at 00:00 UTC.
        for n in (-3000..3000).step_by(7) {
            let s = w.start(Epoch(n)).unwrap();
            assert_eq!(s.rem_euclid(D), 0, "{n}");
            let weekday = (s.div_euclid(D) + 4).rem_euclid(7); // 0 = Sunday
            assert_eq!(weekday, 1, "epoch {n} starts on weekday {weekday}");
            assert_eq!(w.epoch_of(s), Epoch(n));
            assert_eq!(w.epoch_of(s - 1), Epoch(n - 1));
            assert_eq!(w.end(Epoch(n - 1)), Some(s));
        }
        // 12-hour epochs start at 00:00 and 12:00 UTC.
        let h = EpochLen::Secs(12 * 3600);
        for ts in [0, JAN_2024 + 5, JAN_2024 + 12 * 3600, -123_456_789] {
            let s = h.start(h.epoch_of(ts)).unwrap();
            assert!(s <= ts && ts < h.end(h.epoch_of(ts)).unwrap());
            assert_eq!(s.rem_euclid(12 * 3600), 0);
        }
        // Never: one epoch, no bounds.
        assert_eq!(EpochLen::Never.epoch_of(i64::MIN), Epoch(0));
        assert_eq!(EpochLen::Never.epoch_of(JAN_2024), Epoch(0));
        assert_eq!(EpochLen::Never.start(Epoch(0)), None);
        assert_eq!(EpochLen::Never.end(Epoch(0)), None);
        // Extremes neither panic nor wrap.
        assert_eq!(EpochLen::Secs(1).epoch_of(i64::MIN), Epoch(i64::MIN));
        assert_eq!(EpochLen::Secs(1).start(Epoch(i64::MAX)), None);
    }

    #[test]
    fn civil_dates() {
        for z in (-1_000_000..1_000_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z, "{z}");
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(JAN_2024 / D), (2024, 1, 1));
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
    }

    #[test]
    fn file_names() {
        let dir = tempfile::tempdir().unwrap();
        let w = Keyring::init(&dir.path().join("w"), EpochLen::Secs(W as u64)).unwrap();
        let e = w.len.epoch_of(JAN_2024);
        assert_eq!(w.key_name(e).unwrap(), "e2817-2024-01-01.key");
        assert_eq!(w.key_name(Epoch(0)).unwrap(), "e0-1970-01-05.key");
        assert_eq!(w.tomb_name(Epoch(-1)).unwrap(), "e-1-1969-12-29.destroyed");
        let h = Keyring::init(&dir.path().join("h"), EpochLen::Secs(12 * 3600)).unwrap();
        assert_eq!(h.key_name(Epoch(1)).unwrap(), "e1-1970-01-05T12-00.key");
        assert_eq!(h.key_name(Epoch(41)).unwrap(), "e41-1970-01-25T12-00.key");
        let s = Keyring::init(&dir.path().join("s"), EpochLen::Secs(90)).unwrap();
        assert_eq!(s.key_name(Epoch(1)).unwrap(), "e1-1970-01-05T00-01-30.key");
        let n = Keyring::init(&dir.path().join("n"), EpochLen::Never).unwrap();
        assert_eq!(n.key_name(Epoch(0)).unwrap(), "static.key");
        assert!(n.key_name(Epoch(1)).is_err());
        for (ring, e) in [
            (&w, e),
            (&w, Epoch(-1)),
            (&w, Epoch(-12345)),
            (&h, Epoch(1)),
            (&n, Epoch(0)),
        ] {
            assert_eq!(ring.epoch_of_stem(&ring.stem(e).unwrap()), Some(e));
        }
        for bad in [
            "e1-1970-01-05",
            "e+0-1970-01-05",
            "e00-1970-01-05",
            "e0",
            "x0-1970-01-05",
            "static",
        ] {
            assert_eq!(w.epoch_of_stem(bad), None, "{bad}");
        }
    }

    #[test]
    fn init_is_idempotent_and_refuses_another_length() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b/keys");
        let r = Keyring::init(&dir, EpochLen::Secs(W as u64)).unwrap();
        assert_eq!(r.epoch_len(), EpochLen::Secs(W as u64));
        assert_eq!(r.dir(), dir.as_path());
        assert_eq!(mode(&dir), 0o700);
        let cfg: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.join(CONFIG_FILE)).unwrap()).unwrap();
        assert_eq!(
            cfg,
            serde_json::json!({"version": 1, "epoch": "7d", "origin": 345_600})
        );
        let again = Keyring::init(&dir, EpochLen::parse("1w").unwrap()).unwrap();
        assert_eq!(again.epoch_len(), r.epoch_len());
        let err = Keyring::init(&dir, EpochLen::Secs(D as u64)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Key);
        let msg = err.to_string();
        assert!(msg.contains("7d") && msg.contains("1d"), "{msg}");
        assert!(msg.contains(&dir.display().to_string()), "{msg}");
        assert!(Keyring::init(&dir, EpochLen::Never).is_err());
        assert_eq!(Keyring::open(&dir).unwrap().epoch_len(), r.epoch_len());
        assert!(Keyring::init(&tmp.path().join("z"), EpochLen::Secs(0)).is_err());
    }

    #[test]
    fn open_refuses_missing_and_unconfigured_dirs() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("nope");
        let msg = Keyring::open(&missing).unwrap_err().to_string();
        assert!(msg.contains(&missing.display().to_string()), "{msg}");
        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).unwrap();
        set_mode(&empty, 0o700);
        let msg = Keyring::open(&empty).unwrap_err().to_string();
        assert!(msg.contains("keyring.json"), "{msg}");
    }

    #[test]
    fn open_refuses_open_permissions() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let r = Keyring::init(&dir, EpochLen::Secs(D as u64)).unwrap();
        r.key_for(Epoch(3), true).unwrap();
        set_mode(&dir, 0o755);
        let err = Keyring::open(&dir).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Key);
        let msg = err.to_string();
        assert!(msg.contains(&dir.display().to_string()), "{msg}");
        assert!(msg.contains("0755") && msg.contains("chmod 700"), "{msg}");
        // init refuses it too rather than changing it silently.
        assert!(Keyring::init(&dir, EpochLen::Secs(D as u64)).is_err());
        set_mode(&dir, 0o700);
        let key = dir.join(r.key_name(Epoch(3)).unwrap());
        assert_eq!(mode(&key), 0o600);
        set_mode(&key, 0o644);
        let err = Keyring::open(&dir).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Key);
        let msg = err.to_string();
        assert!(msg.contains(&key.display().to_string()), "{msg}");
        assert!(msg.contains("chmod 600"), "{msg}");
        // An already open keyring checks again when it reads the key.
        assert!(r.key_for(Epoch(3), false).is_err());
        set_mode(&key, 0o600);
        Keyring::open(&dir).unwrap();
    }

    #[test]
    fn open_refuses_symlinked_and_stray_key_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let r = Keyring::init(&dir, EpochLen::Secs(D as u64)).unwrap();
        let outside = tmp.path().join("outside.key");
        fs::write(&outside, [5u8; 32]).unwrap();
        set_mode(&outside, 0o600);
        let link = dir.join(r.key_name(Epoch(1)).unwrap());
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let msg = Keyring::open(&dir).unwrap_err().to_string();
        assert!(msg.contains("not a regular file"), "{msg}");
        assert!(r.key_for(Epoch(1), true).is_err());
        fs::remove_file(&link).unwrap();
        fs::write(dir.join("old.key"), [5u8; 32]).unwrap();
        let msg = Keyring::open(&dir).unwrap_err().to_string();
        assert!(msg.contains("old.key"), "{msg}");
        fs::remove_file(dir.join("old.key")).unwrap();
        // Other files, and temporary files, are ignored.
        fs::write(dir.join("README"), "notes").unwrap();
        fs::write(dir.join(".tmp-0011223344556677"), "x").unwrap();
        Keyring::open(&dir).unwrap();
    }

    #[test]
    fn key_for_creates_once_and_persists() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let r = Keyring::init(&dir, EpochLen::Secs(W as u64)).unwrap();
        let e = r.epoch_len().epoch_of(JAN_2024);
        assert!(matches!(r.key_for(e, false).unwrap(), KeyState::Missing));
        assert!(names(&dir) == ["keyring.json"]);
        let k1 = r.key_for(e, true).unwrap();
        assert!(format!("{k1:?}").contains("Key(<secret>)"));
        let path = dir.join(format!("e{}-2024-01-01.key", e.0));
        assert_eq!(fs::read(&path).unwrap().len(), 32);
        assert_eq!(mode(&path), 0o600);
        let k2 = r.key_for(e, true).unwrap();
        let k3 = r.key_for(e, false).unwrap();
        let reopened = Keyring::open(&dir).unwrap();
        let k4 = reopened.key_for(e, true).unwrap();
        assert_eq!(tok(&k1), tok(&k2));
        assert_eq!(tok(&k1), tok(&k3));
        assert_eq!(tok(&k1), tok(&k4));
        // Another epoch, another key; no temporary files left.
        let other = r.key_for(Epoch(e.0 + 1), true).unwrap();
        assert_ne!(tok(&k1), tok(&other));
        assert!(names(&dir).iter().all(|n| !n.starts_with('.')));
        // A malformed key file is an error that names the file.
        fs::write(&path, [1u8; 31]).unwrap();
        let msg = r.key_for(e, true).unwrap_err().to_string();
        assert!(
            msg.contains(&path.display().to_string()) && msg.contains("31"),
            "{msg}"
        );
    }

    #[test]
    fn concurrent_creation_agrees() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        Keyring::init(&dir, EpochLen::Secs(D as u64)).unwrap();
        let toks: Vec<String> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..8)
                .map(|_| {
                    let dir = dir.clone();
                    s.spawn(move || {
                        let r = Keyring::open(&dir).unwrap();
                        tok(&r.key_for(Epoch(42), true).unwrap())
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(toks.windows(2).all(|w| w[0] == w[1]), "{toks:?}");
        assert_eq!(names(&dir), ["e42-1970-02-16.key", "keyring.json"]);
    }

    #[test]
    fn rotate_creates_current_and_next() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let r = Keyring::init(&dir, EpochLen::Secs(W as u64)).unwrap();
        let cur = r.epoch_len().epoch_of(JAN_2024 + 3 * D);
        assert_eq!(
            r.rotate(JAN_2024 + 3 * D).unwrap(),
            vec![cur, Epoch(cur.0 + 1)]
        );
        assert_eq!(r.rotate(JAN_2024 + 3 * D).unwrap(), vec![]);
        assert_eq!(r.rotate(JAN_2024).unwrap(), vec![]);
        // A week later only the next one is new.
        assert_eq!(r.rotate(JAN_2024 + W).unwrap(), vec![Epoch(cur.0 + 2)]);
        let listed: Vec<Epoch> = r.list().unwrap().iter().map(|i| i.epoch).collect();
        assert_eq!(listed, vec![cur, Epoch(cur.0 + 1), Epoch(cur.0 + 2)]);
        // Rotating into a destroyed epoch is an error (the next one is still made).
        r.purge(JAN_2024 + 2 * W, NOW).unwrap();
        let err = r.rotate(JAN_2024 + 2 * W - 1).unwrap_err();
        assert!(err.to_string().contains("destroyed"), "{err}");
    }

    #[test]
    fn list_and_purge() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let r = Keyring::init(&dir, EpochLen::Secs(D as u64)).unwrap();
        let mut toks = Vec::new();
        for n in 0..6 {
            toks.push(tok(&r.key_for(Epoch(n), true).unwrap()));
        }
        let before = r.list().unwrap();
        assert_eq!(before.len(), 6);
        for (n, info) in before.iter().enumerate() {
            assert_eq!(info.epoch, Epoch(n as i64));
            assert_eq!(info.start, Some(ORIGIN + n as i64 * D));
            assert_eq!(info.end, Some(ORIGIN + (n as i64 + 1) * D));
            assert!(matches!(info.state, EpochState::Present { created } if created > 0));
        }
        // Cutoff at the end of epoch 2: epochs 0, 1, 2 ended; 3 ends one second later.
        let cutoff = r.epoch_len().end(Epoch(2)).unwrap();
        assert_eq!(r.purge(cutoff - 1, NOW).unwrap(), vec![Epoch(0), Epoch(1)]);
        assert_eq!(r.purge(cutoff, NOW + 5).unwrap(), vec![Epoch(2)]);
        assert_eq!(r.purge(cutoff, NOW + 9).unwrap(), vec![]);
        let names = names(&dir);
        for n in 0..3 {
            let stem = r.stem(Epoch(n)).unwrap();
            assert!(!names.contains(&format!("{stem}.key")), "{names:?}");
            let tomb: serde_json::Value = serde_json::from_str(
                &fs::read_to_string(dir.join(format!("{stem}.destroyed"))).unwrap(),
            )
            .unwrap();
            let at = if n < 2 { NOW } else { NOW + 5 };
            assert_eq!(
                tomb,
                serde_json::json!({
                    "epoch": n,
                    "start": ORIGIN + n * D,
                    "end": ORIGIN + (n + 1) * D,
                    "destroyed_at": at,
                })
            );
        }
        for n in 3..6 {
            assert!(names.contains(&r.key_name(Epoch(n)).unwrap()), "{names:?}");
        }
        let after = r.list().unwrap();
        let states: Vec<EpochState> = after.iter().map(|i| i.state.clone()).collect();
        assert_eq!(states[0], EpochState::Destroyed { destroyed_at: NOW });
        assert_eq!(states[1], EpochState::Destroyed { destroyed_at: NOW });
        assert_eq!(
            states[2],
            EpochState::Destroyed {
                destroyed_at: NOW + 5
            }
        );
        assert!(states[3..]
            .iter()
            .all(|s| matches!(s, EpochState::Present { .. })));
        // A destroyed epoch is never recreated, even on request.
        for n in 0..3 {
            assert!(matches!(
                r.key_for(Epoch(n), true).unwrap(),
                KeyState::Destroyed { .. }
            ));
        }
        assert!(matches!(
            Keyring::open(&dir)
                .unwrap()
                .key_for(Epoch(1), true)
                .unwrap(),
            KeyState::Destroyed { destroyed_at: NOW }
        ));
        assert_eq!(r.list().unwrap(), after);
        // The survivors keep their keys.
        for n in 3..6 {
            assert_eq!(tok(&r.key_for(Epoch(n), false).unwrap()), toks[n as usize]);
        }
        // Epochs never created are not listed, and purging does not invent them.
        assert_eq!(
            r.purge(r.epoch_len().end(Epoch(5)).unwrap(), NOW)
                .unwrap()
                .len(),
            3
        );
        assert_eq!(r.list().unwrap().len(), 6);
    }

    #[test]
    fn purge_finishes_an_interrupted_purge() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let r = Keyring::init(&dir, EpochLen::Secs(D as u64)).unwrap();
        r.key_for(Epoch(1), true).unwrap();
        // A tombstone next to a key file: a purge stopped between the two.
        let t = Tombstone {
            epoch: 1,
            start: r.epoch_len().start(Epoch(1)),
            end: r.epoch_len().end(Epoch(1)),
            destroyed_at: NOW,
        };
        fs::write(
            dir.join(r.tomb_name(Epoch(1)).unwrap()),
            serde_json::to_string(&t).unwrap(),
        )
        .unwrap();
        assert!(matches!(
            r.key_for(Epoch(1), true).unwrap(),
            KeyState::Destroyed { destroyed_at: NOW }
        ));
        assert_eq!(
            r.list().unwrap()[0].state,
            EpochState::Destroyed { destroyed_at: NOW }
        );
        assert_eq!(r.purge(i64::MAX, NOW + 1).unwrap(), vec![Epoch(1)]);
        assert!(!dir.join(r.key_name(Epoch(1)).unwrap()).exists());
        // The first tombstone's time stands.
        assert_eq!(
            r.list().unwrap()[0].state,
            EpochState::Destroyed { destroyed_at: NOW }
        );
    }

    #[test]
    fn zeroed_key_is_never_used() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let r = Keyring::init(&dir, EpochLen::Secs(D as u64)).unwrap();
        r.key_for(Epoch(1), true).unwrap();
        let path = dir.join(r.key_name(Epoch(1)).unwrap());
        fs::write(&path, [0u8; 32]).unwrap();
        let msg = r.key_for(Epoch(1), true).unwrap_err().to_string();
        assert!(msg.contains("zero"), "{msg}");
    }

    #[test]
    fn never_has_one_static_key_that_purge_keeps() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let r = Keyring::init(&dir, EpochLen::Never).unwrap();
        assert_eq!(r.rotate(NOW).unwrap(), vec![Epoch(0)]);
        assert_eq!(r.rotate(NOW + 10 * W).unwrap(), vec![]);
        let e = r.epoch_len().epoch_of(JAN_2024);
        assert_eq!(e, Epoch(0));
        let k = tok(&r.key_for(e, true).unwrap());
        assert!(r.key_for(Epoch(1), true).is_err());
        assert_eq!(r.purge(i64::MAX, NOW).unwrap(), vec![]);
        assert_eq!(names(&dir), ["keyring.json", "static.key"]);
        let listed = r.list().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].epoch, Epoch(0));
        assert_eq!((listed[0].start, listed[0].end), (None, None));
        assert!(matches!(listed[0].state, EpochState::Present { .. }));
        let reopened = Keyring::open(&dir).unwrap();
        assert_eq!(reopened.epoch_len(), EpochLen::Never);
        assert_eq!(tok(&reopened.key_for(Epoch(0), false).unwrap()), k);
    }
}
