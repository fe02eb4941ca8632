//! Retention: how old the records of a file are, pruning the old ones, and
//! the plan and actions of `anonlog rotate` (delete, prune,
//! anonymize-then-delete, key schedule), each recorded in an audit log.
//!
//! A record's time is the one the rewriter uses: an access line's `[time]`, a
//! BigBlueButton line's time, a Moodle row's `timecreated` or report Time.
//! Records without a time of their own (stack traces, continuation lines)
//! share the fate of the record before them; those before the first timed
//! record share the first one's. A CSV header is always kept. A file without
//! any timed record is as old as its modification time.
//!
//! Every change is atomic on its own: a pruned file is written beside the
//! original and renamed over it (mode and owner kept); an anonymized copy is
//! written, synced, checked with [`crate::check`], and renamed into place
//! before its raw file is removed. A failure leaves the file as it was.
//!
//! Files are found without following symbolic links below a pattern's fixed
//! root, and a file is deleted or replaced only while it is still the one
//! that was read ([`safe`]): a file renamed onto its name, appended to or
//! truncated meanwhile is left alone and reported. Temporary files that a
//! killed run left behind are removed (and audited) by the next run and
//! counted by `--check`.

pub mod moodle_db;
pub mod record;
pub mod safe;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::check::{Checker, RawChecker};
use crate::config::{Action, Config, Source};
use crate::error::{Error, ErrorKind};
use crate::format::moodle::Schema;
use crate::format::{self, record_time, Format, TimeScratch};
use crate::input::compressed::Compression;
use crate::input::{self, Framing, Unit};
use crate::keyring::{EpochState, Keyring};
use crate::output::atomic::{stale_temporary, temporary_pid};
use crate::output::{create_dirs, open_append, AtomicFile};
use crate::pipeline::counts::Counts;
use crate::pipeline::{self, RunConfig};
use crate::rewrite::Rewriter;
use crate::time::{before, iso, mtime, parse_duration, wall_clock};
pub use record::{AuditEntry, Report, Violation};
use safe::Ident;

/// The time span of a file's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// The oldest record's time.
    pub oldest: Option<i64>,
    /// The newest record's time.
    pub newest: Option<i64>,
    /// Records (lines, or CSV rows without the header).
    pub records: u64,
}

/// How to read one file's records: its format, schema and framing, from
/// [`input::open`].
struct Reader {
    format: Format,
    schema: Option<Schema>,
    framing: Framing,
}

impl Reader {
    /// Opens `path` (in `format`, or detected) and reads all of it.
    fn open(path: &Path, format: Option<Format>) -> Result<(Reader, input::Bytes), Error> {
        let opts = input::OpenOptions {
            format,
            ..input::OpenOptions::default()
        };
        let cannot = |e: Error| Error::new(e.kind(), format!("cannot read {e}"));
        let d = input::open(&input::Input::Path(path.to_path_buf()), &opts).map_err(cannot)?;
        let r = Reader {
            format: d.format,
            schema: d.schema,
            framing: d.framing,
        };
        let bytes = d
            .source
            .into_bytes()
            .map_err(|e| cannot(Error::input(&path.display().to_string(), &e)))?;
        Ok((r, bytes))
    }

    /// Calls `f(unit, own time, is header)` for every record of `data` (a
    /// whole file), until `f` says stop.
    fn each(&self, data: &[u8], mut f: impl FnMut(&Unit<'_>, Option<i64>, bool) -> bool) {
        let mut scratch = TimeScratch::default();
        let has_header = self.schema.as_ref().is_some_and(|s| s.header);
        for unit in input::units(data, self.framing, true) {
            let header = unit.first && has_header;
            let t = if header {
                None
            } else {
                record_time(self.format, self.schema.as_ref(), unit.body, &mut scratch)
            };
            if !f(&unit, t, header) {
                return;
            }
        }
    }
}

/// The span of the file at `path`, read in `format` (`None`: detected).
pub fn span(path: &Path, format: Option<Format>) -> Result<Span, Error> {
    let (r, data) = Reader::open(path, format)?;
    let mut s = Span::default();
    r.each(&data, |unit, t, header| {
        if !header && !unit.raw.iter().all(u8::is_ascii_whitespace) {
            s.records += 1;
        }
        if let Some(t) = t {
            s.oldest = Some(s.oldest.map_or(t, |o| o.min(t)));
            s.newest = Some(s.newest.map_or(t, |n| n.max(t)));
        }
        true
    });
    Ok(s)
}

/// What a prune did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Pruned {
    /// Records kept.
    pub kept: u64,
    /// Records removed.
    pub removed: u64,
    /// Bytes before (of the records: decoded, for a compressed file).
    pub bytes_before: u64,
    /// Bytes after (decoded, as before).
    pub bytes_after: u64,
}

/// Removes the records older than `cutoff` from the file at `path` (see the
/// module docs for untimed records), replacing it atomically with the same
/// mode and owner. Nothing is written when nothing is old. `dry_run`: only
/// count. A compressed file (gzip, xz, zstd) is written back compressed
/// with the same codec.
pub fn prune(
    path: &Path,
    format: Option<Format>,
    cutoff: i64,
    dry_run: bool,
) -> Result<Pruned, Error> {
    let meta = fs::symlink_metadata(path)
        .map_err(|e| Error::io(&format!("cannot inspect {}", path.display()), &e))?;
    let root = path.parent().unwrap_or(Path::new("."));
    let root = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    prune_file(path, root, &Ident::of(&meta), format, cutoff, dry_run)
}

/// [`prune`] of the file `path` (below `root`) that was `expected` when it
/// was surveyed: a file written to meanwhile is refused, before and after
/// it is read, and right before the rename.
fn prune_file(
    path: &Path,
    root: &Path,
    expected: &Ident,
    format: Option<Format>,
    cutoff: i64,
    dry_run: bool,
) -> Result<Pruned, Error> {
    let live = |e: io::Error| {
        Error::new(
            ErrorKind::Io,
            format!(
                "cannot prune {}: {e}; a file that is being written cannot be pruned",
                path.display()
            ),
        )
    };
    safe::still_same(root, path, expected).map_err(live)?;
    let held = File::open(path).map_err(live)?;
    let codec = compression_of(&held, path)?;
    let (r, data) = Reader::open(path, format)?;
    let (out, mut res) = kept_records(&r, &data, cutoff);
    if res.removed == 0 || dry_run {
        if res.removed == 0 {
            res.bytes_after = res.bytes_before;
        }
        return Ok(res);
    }
    let size = match codec {
        None => res.bytes_before,
        Some(_) => held.metadata().map_err(live)?.len(),
    };
    if size != expected.len {
        return Err(live(io::Error::other("its size changed while it was read")));
    }
    drop(data);
    // A compressed file stays compressed, with the same codec.
    let out = match codec {
        None => out,
        Some(c) => compress(c, &out).map_err(|e| {
            Error::io(
                &format!("cannot prune {}: {} compression", path.display(), c.name()),
                &e,
            )
        })?,
    };
    let last_check = || safe::still_same(root, path, expected).map_err(live);
    replace_keeping_owner(path, &out, last_check)?;
    let late = rescue_late_writes(&held, expected.len, path).map_err(live)?;
    if late > 0 {
        return Err(live(io::Error::other(format!(
            "{late} bytes were written to it during the rename; they were appended to the \
             pruned file"
        ))));
    }
    Ok(res)
}

/// The records of `data` (read by `r`) at or after `cutoff` (see the
/// module docs for untimed records), and the counts.
fn kept_records(r: &Reader, data: &[u8], cutoff: i64) -> (Vec<u8>, Pruned) {
    // Records before the first timed one go with it.
    let mut lead_keep = true;
    r.each(data, |_, t, _| match t {
        Some(t) => {
            lead_keep = t >= cutoff;
            false
        }
        None => true,
    });
    let mut res = Pruned {
        bytes_before: data.len() as u64,
        ..Pruned::default()
    };
    let mut out = Vec::with_capacity(data.len());
    if data.starts_with(format::BOM) {
        out.extend_from_slice(format::BOM);
    }
    let mut keep = lead_keep;
    r.each(data, |unit, t, header| {
        if let Some(t) = t {
            keep = t >= cutoff;
        }
        let blank = unit.raw.iter().all(u8::is_ascii_whitespace);
        if header || keep {
            out.extend_from_slice(unit.raw);
            res.kept += u64::from(!header && !blank);
        } else {
            res.removed += u64::from(!blank);
        }
        true
    });
    res.bytes_after = out.len() as u64;
    (out, res)
}

/// The compression of the file `f` (at `path`) by its first bytes, as
/// [`input::open`] decides it.
fn compression_of(f: &File, path: &Path) -> Result<Option<Compression>, Error> {
    use std::io::Read;
    let mut head = Vec::with_capacity(8);
    f.take(8)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(&format!("cannot read {}", path.display()), &e))?;
    Ok(match input::compressed::sniff(&head) {
        input::compressed::Sniffed::Compressed(c) => Some(c),
        _ => None,
    })
}

/// `data` compressed with `c`: the pruned records of a compressed file are
/// written back in its own compression, never as plain text under a
/// `.gz` name.
fn compress(c: Compression, data: &[u8]) -> io::Result<Vec<u8>> {
    match c {
        Compression::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data)?;
            e.finish()
        }
        Compression::Xz => {
            let mut e = xz2::write::XzEncoder::new(Vec::new(), 6);
            e.write_all(data)?;
            e.finish()
        }
        Compression::Zstd => zstd::stream::encode_all(data, 3),
    }
}

/// After a pruned file was renamed over `old` (read up to `read` bytes),
/// appends to `path` whatever a writer still put into `old`, until it stays
/// quiet for a moment (at most about a second). Returns the bytes moved.
fn rescue_late_writes(old: &File, read: u64, path: &Path) -> io::Result<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut moved = read;
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(20));
        let len = old.metadata()?.len();
        if len <= moved {
            return Ok(moved - read);
        }
        let mut buf = Vec::new();
        let mut f = old;
        f.seek(SeekFrom::Start(moved))?;
        f.take(len - moved).read_to_end(&mut buf)?;
        let mut out = open_append(path)?;
        out.write_all(&buf)?;
        out.sync_data()?;
        moved = len;
    }
    Err(io::Error::other(
        "a writer keeps writing to the replaced file (it holds it open); reopen the log \
         after pruning",
    ))
}

/// Replaces `path` atomically with `bytes`, keeping its mode and owner,
/// if `ready` (called between the write and the rename) agrees.
fn replace_keeping_owner(
    path: &Path,
    bytes: &[u8],
    ready: impl FnOnce() -> Result<(), Error>,
) -> Result<(), Error> {
    let io_err = |what: &str, e: &io::Error| Error::io(&format!("{what} {}", path.display()), e);
    let meta = fs::metadata(path).map_err(|e| io_err("cannot inspect", &e))?;
    let mut f = AtomicFile::create(path).map_err(|e| io_err("cannot rewrite", &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::os::unix::fs::chown(f.temp_path(), Some(meta.uid()), Some(meta.gid()))
            .map_err(|e| io_err("cannot keep the owner of", &e))?;
    }
    f.write_all(bytes)
        .and_then(|()| f.flush())
        .map_err(|e| io_err("cannot rewrite", &e))?;
    ready()?;
    f.commit().map_err(|e| io_err("cannot rewrite", &e))
}

/// One thing `rotate` does (or would do).
#[derive(Debug, Clone)]
pub struct Step {
    /// The source's name.
    pub source: String,
    /// The file.
    pub file: PathBuf,
    /// What happens to it.
    pub action: Action,
    /// Its records' span.
    pub span: Span,
    /// Its size.
    pub bytes: u64,
    /// Its modification time (Unix seconds).
    pub mtime: i64,
    /// Records older than this go (now − window).
    pub cutoff: i64,
    /// Where the anonymized copy goes.
    pub destination: Option<PathBuf>,
    /// The fixed root of the pattern that matched it.
    pub root: PathBuf,
    /// Which file it was when surveyed.
    pub ident: Ident,
}

impl Step {
    /// The file's age as the rules see it: its newest record, or its
    /// modification time when it has none.
    pub fn newest(&self) -> i64 {
        self.span.newest.unwrap_or(self.mtime)
    }

    /// Is anything due for this file at its cutoff?
    pub fn due(&self) -> bool {
        match self.action {
            Action::Delete | Action::AnonymizeThenDelete => self.newest() < self.cutoff,
            Action::Prune => self.span.oldest.is_some_and(|o| o < self.cutoff),
        }
    }
}

/// The suffixes of the compressions anonlog decodes ([`input::compressed`]).
const COMPRESSED: [&str; 3] = [".gz", ".xz", ".zst"];

/// `name` without the suffix of a compression anonlog decodes (the
/// anonymized copy of `access.log.2.gz` is written uncompressed, so its
/// `{name}` is `access.log.2`).
fn uncompressed_name(name: &str) -> &str {
    COMPRESSED
        .iter()
        .find_map(|ext| name.strip_suffix(ext).filter(|n| !n.is_empty()))
        .unwrap_or(name)
}

/// The anonymized copy of raw file `file` of `src`, whose newest record is
/// at `newest`: the destination with its date fields filled from `newest`
/// (UTC; `{date}` is `%Y-%m-%d`, and the fields of dated outputs, `%Y`,
/// `%m`, `%d`, `%G`, `%V`..., are known too) and `{name}` replaced by the
/// raw file's name without a compression suffix. Dates first: a `%` in a
/// file name is never read as a field.
fn destination(src: &Source, file: &Path, newest: i64) -> Result<Option<PathBuf>, String> {
    let Some(template) = src.destination.as_deref() else {
        return Ok(None);
    };
    let Some(name) = file.file_name().map(|n| n.to_string_lossy()) else {
        return Ok(None);
    };
    let dated = template.replace("{date}", "%Y-%m-%d");
    let dated = match crate::output::dated::DatedPath::parse(std::ffi::OsStr::new(&dated)) {
        Ok(Some(p)) => p.expand(newest).to_string_lossy().into_owned(),
        Ok(None) => dated,
        Err(e) => {
            return Err(format!(
                "source \"{}\": destination {template:?}: {}",
                src.name,
                e.message()
            ))
        }
    };
    Ok(Some(PathBuf::from(
        dated.replace("{name}", uncompressed_name(&name)),
    )))
}

/// The files of one source with their spans (due or not), sorted by path,
/// plus the errors met (a file that cannot be read).
pub fn survey(src: &Source, now: i64) -> (Vec<Step>, Vec<String>) {
    let (files, mut errors) = matches(src, &src.paths);
    let cutoff = now.saturating_sub(src.window_secs());
    let mut steps = Vec::new();
    for (file, root) in files {
        let meta = match fs::symlink_metadata(&file) {
            Ok(m) => m,
            Err(e) => {
                errors.push(format!("{}: {e}", file.display()));
                continue;
            }
        };
        // Only regular files; never anonlog's own temporary files.
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        if !meta.file_type().is_file()
            || name
                .as_deref()
                .is_some_and(|n| n.ends_with(".tmp") && n.contains(".anonlog-"))
        {
            continue;
        }
        let span = match span(&file, src.kind.format()) {
            Ok(s) => s,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        let destination = match destination(src, &file, span.newest.unwrap_or(mtime(&meta))) {
            Ok(d) => d,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        steps.push(Step {
            source: src.name.clone(),
            destination,
            root,
            ident: Ident::of(&meta),
            file,
            action: src.action,
            span,
            bytes: meta.len(),
            mtime: mtime(&meta),
            cutoff,
        });
    }
    (steps, errors)
}

/// The paths `patterns` match for `src`, each with its pattern's fixed root,
/// sorted; a path reached through a symbolic link below the root is left
/// out with an error (once per link).
fn matches(src: &Source, patterns: &[String]) -> (Vec<(PathBuf, PathBuf)>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut links = std::collections::BTreeSet::new();
    for p in patterns {
        let root = safe::root_of(p);
        match glob::glob(p) {
            Ok(paths) => {
                for entry in paths {
                    match entry {
                        Ok(path) => match safe::link_below(&root, &path) {
                            None => files.push((path, root.clone())),
                            Some(link) => {
                                links.insert(link);
                            }
                        },
                        Err(e) => errors.push(format!("source \"{}\": {e}", src.name)),
                    }
                }
            }
            Err(e) => errors.push(format!("source \"{}\": {p}: {e}", src.name)),
        }
    }
    for link in links {
        errors.push(format!(
            "source \"{}\": {} is a symbolic link; links are not followed, nothing through it \
             is touched",
            src.name,
            link.display()
        ));
    }
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    (files, errors)
}

/// The patterns of `src` that match no file at all (a typo, or a
/// directory that does not exist): one message each, naming the source and
/// the pattern. Not for a source of anonymized copies: anonlog writes those
/// files itself, and until the first copy exists there is none to find.
pub fn empty_patterns(src: &Source) -> Vec<&str> {
    if src.kind == crate::config::SourceKind::Anonymized {
        return Vec::new();
    }
    src.paths
        .iter()
        .filter(|p| glob::glob(p).is_ok_and(|mut m| m.next().is_none()))
        .map(String::as_str)
        .collect()
}

/// Why a pattern that matches no file is reported.
const MATCHES_NOTHING: &str =
    "matches no file; check its spelling (nothing of it is deleted or anonymized)";

/// A temporary file of anonlog left by a process that no longer runs (it
/// may hold raw records), in a directory of a source or of its
/// destination.
#[derive(Debug, Clone)]
pub struct StaleTemp {
    /// The source whose directory holds it.
    pub source: String,
    /// The file.
    pub file: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// The process that left it.
    pub pid: u32,
    /// The fixed root it was found below.
    pub root: PathBuf,
    /// Which file it was when found.
    pub ident: Ident,
}

/// The directory patterns of `src`: its paths' and its destination's.
fn temp_dirs(src: &Source) -> Vec<String> {
    let mut dirs: Vec<String> = src
        .paths
        .iter()
        .chain(src.destination.iter())
        .filter_map(|p| {
            let p = glob_of_template(p);
            let dir = Path::new(&p).parent()?.to_string_lossy().into_owned();
            Some(if dir.is_empty() { ".".into() } else { dir })
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// A glob for every path of a path or destination template: `{name}`,
/// `{date}` and `%X` fields become `*`.
fn glob_of_template(p: &str) -> String {
    let p = p.replace("{name}", "*").replace("{date}", "*");
    let mut out = String::with_capacity(p.len());
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => match chars.next() {
                Some('%') => out.push('%'),
                Some(_) => out.push('*'),
                None => out.push('%'),
            },
            c => out.push(c),
        }
    }
    out
}

/// Every stale temporary file in the directories of `cfg`'s sources and
/// destinations (see [`StaleTemp`]), sorted, each once.
pub fn stale_temporaries(cfg: &Config) -> Vec<StaleTemp> {
    let mut out: Vec<StaleTemp> = Vec::new();
    for src in &cfg.sources {
        let patterns: Vec<String> = temp_dirs(src)
            .into_iter()
            .map(|d| format!("{d}/.*.anonlog-*.tmp"))
            .collect();
        let (files, _) = matches(src, &patterns);
        for (file, root) in files {
            let Some(name) = file.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            let (Some(pid), Ok(meta)) = (temporary_pid(&name), fs::symlink_metadata(&file)) else {
                continue;
            };
            if stale_temporary(&name) && meta.file_type().is_file() {
                out.push(StaleTemp {
                    source: src.name.clone(),
                    file,
                    bytes: meta.len(),
                    pid,
                    root,
                    ident: Ident::of(&meta),
                });
            }
        }
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out.dedup_by(|a, b| a.file == b.file);
    out
}

/// [`survey`] of every source of `cfg`, in order. A file matched by more
/// than one source belongs to the first; the others are reported as errors
/// (a config mistake) and leave it alone.
pub fn survey_all(cfg: &Config, now: i64) -> (Vec<(&Source, Vec<Step>)>, Vec<String>) {
    let mut claimed: std::collections::HashMap<PathBuf, String> = Default::default();
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for src in &cfg.sources {
        let (steps, errs) = survey(src, now);
        errors.extend(errs);
        let mut mine = Vec::new();
        for st in steps {
            match claimed.get(&st.file) {
                Some(first) => errors.push(format!(
                    "{} is matched by sources \"{first}\" and \"{}\"; only \"{first}\" applies",
                    st.file.display(),
                    src.name
                )),
                None => {
                    claimed.insert(st.file.clone(), src.name.clone());
                    mine.push(st);
                }
            }
        }
        out.push((src, mine));
    }
    (out, errors)
}

/// The audit log, opened for appending (created 0640, directories 0750).
pub struct Audit {
    file: File,
    path: PathBuf,
}

impl Audit {
    /// Opens (creates) the audit log at `path`.
    pub fn open(path: &Path) -> Result<Audit, Error> {
        let file = open_append(path)
            .map_err(|e| Error::io(&format!("cannot open audit log {}", path.display()), &e))?;
        Ok(Audit {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Appends one entry and makes it durable.
    pub fn record(&mut self, e: &AuditEntry) -> Result<(), Error> {
        let mut line = serde_json::to_vec(e).expect("plain values serialize");
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .map_err(|err| {
                Error::io(
                    &format!("cannot write audit log {}", self.path.display()),
                    &err,
                )
            })
    }
}

/// An exclusive lock on a file, held until dropped.
pub struct Lock(#[allow(dead_code)] File);

impl Lock {
    /// Takes the lock at `path` (created as needed), waiting while another
    /// process holds it.
    pub fn acquire(path: &Path) -> Result<Lock, Error> {
        let err = |e: &io::Error| Error::io(&format!("cannot lock {}", path.display()), e);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_dirs(dir).map_err(|e| err(&e))?;
        }
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| err(&e))?;
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            loop {
                // SAFETY: flock on a descriptor we own; no memory involved.
                let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
                if r == 0 {
                    break;
                }
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(err(&e));
                }
            }
        }
        Ok(Lock(f))
    }
}

/// Checks that every promise of `cfg` holds at `now`: no file (or, for
/// prune sources, no record) older than its window, and no key of an epoch
/// that ended more than `destroy_after` ago. Also returns the errors met
/// while looking.
pub fn check(cfg: &Config, now: i64) -> (Vec<Violation>, Vec<String>) {
    let mut v = Vec::new();
    let mut errors = Vec::new();
    let (surveyed, errs) = survey_all(cfg, now);
    errors.extend(errs);
    for (src, steps) in surveyed {
        for pattern in empty_patterns(src) {
            v.push(Violation {
                source: src.name.clone(),
                what: pattern.to_string(),
                why: format!("the pattern {MATCHES_NOTHING}"),
            });
        }
        for s in steps.iter().filter(|s| s.due()) {
            let why = match s.action {
                Action::Prune => format!(
                    "holds records from {}, older than its window of {} (cutoff {})",
                    iso(s.span.oldest.unwrap_or(0)),
                    src.window,
                    iso(s.cutoff)
                ),
                _ => format!(
                    "its newest record ({}) is older than its window of {} (cutoff {}): the file should be gone",
                    iso(s.newest()),
                    src.window,
                    iso(s.cutoff)
                ),
            };
            v.push(Violation {
                source: src.name.clone(),
                what: s.file.display().to_string(),
                why,
            });
        }
        v.extend(collisions(src, &steps));
    }
    moodle_db::check(cfg, now, &mut v, &mut errors);
    for t in stale_temporaries(cfg) {
        v.push(Violation {
            source: t.source,
            what: t.file.display().to_string(),
            why: format!(
                "a temporary file of process {}, which no longer runs ({} bytes): it may hold raw \
                 records; anonlog rotate removes it",
                t.pid, t.bytes
            ),
        });
    }
    if let (Some(k), Some(dir)) = (&cfg.keys, cfg.key_dir()) {
        match expired_keys(dir, &k.destroy_after, now) {
            Ok(list) => {
                for (e, end) in list {
                    v.push(Violation {
                        source: "keys".into(),
                        what: format!("{} epoch e{e}", dir.display()),
                        why: format!(
                            "the epoch ended {}, more than {} ago, and its key still exists",
                            iso(end),
                            k.destroy_after
                        ),
                    });
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
        if let Ok(ring) = Keyring::open(dir) {
            match ring.invalid_tombstones() {
                Ok(bad) => errors.extend(bad.iter().map(Error::to_string)),
                Err(e) => errors.push(e.to_string()),
            }
        }
    }
    (v, errors)
}

/// The due copies of `steps` (of `src`) that would collide: with a file
/// that is there, or with each other.
fn collisions(src: &Source, steps: &[Step]) -> Vec<Violation> {
    let mut planned = std::collections::BTreeSet::new();
    let mut v = Vec::new();
    for s in steps.iter().filter(|s| s.due()) {
        let Some(dest) = &s.destination else { continue };
        let why = if dest.exists() {
            collision_why(dest)
        } else if !planned.insert(dest.clone()) {
            collision_text(dest, "is the copy of another raw file of this run too")
        } else {
            continue;
        };
        v.push(Violation {
            source: src.name.clone(),
            what: s.file.display().to_string(),
            why,
        });
    }
    v
}

/// The epochs of the keyring at `dir` whose key exists though they ended
/// more than `destroy_after` before `now`: (epoch, end).
fn expired_keys(dir: &Path, destroy_after: &str, now: i64) -> Result<Vec<(i64, i64)>, Error> {
    let ring = Keyring::open(dir)?;
    let cutoff = key_cutoff(destroy_after, now)?;
    Ok(ring
        .list()?
        .into_iter()
        .filter(|i| matches!(i.state, EpochState::Present { .. }))
        .filter_map(|i| i.end.filter(|&e| e <= cutoff).map(|e| (i.epoch.0, e)))
        .collect())
}

fn key_cutoff(destroy_after: &str, now: i64) -> Result<i64, Error> {
    Ok(before(now, parse_duration(destroy_after)?))
}

/// Does all due work of `cfg` at `now`: the key schedule first (so that
/// anonymize-then-delete finds its keys), then every source in order. With
/// `dry_run` nothing changes and nothing is recorded. `rewriter` builds the
/// rewriter for anonymize-then-delete (from `[anonymize]`).
pub fn rotate(
    cfg: &Config,
    now: i64,
    dry_run: bool,
    rewriter: &dyn Fn() -> Result<Rewriter, Error>,
) -> Result<Report, Error> {
    let mut report = Report::default();
    let _lock = if dry_run {
        None
    } else {
        Some(Lock::acquire(&cfg.lock_path())?)
    };
    let mut audit = if dry_run {
        None
    } else {
        Some(Audit::open(&cfg.audit_log)?)
    };
    let mut record = |mut e: AuditEntry| -> Result<(), Error> {
        e.as_of = iso(now);
        match audit.as_mut() {
            Some(a) => a.record(&e),
            None => Ok(()),
        }
    };
    if !dry_run {
        complete_intents(&cfg.audit_log, &mut record)?;
    }
    remove_stale(cfg, dry_run, &mut report, &mut record)?;
    if let (Some(k), Some(dir)) = (&cfg.keys, cfg.key_dir()) {
        keys(
            dir,
            &k.destroy_after,
            now,
            dry_run,
            &mut report,
            &mut record,
        )?;
    }
    sources(cfg, now, dry_run, rewriter, &mut report, &mut record)?;
    moodle_db::rotate(cfg, now, dry_run, &mut report, &mut record)?;
    Ok(report)
}

/// The due work of every source: each change between an intent record and
/// its done (or failed) record; keys an anonymization created on demand
/// (for past epochs) are recorded too.
fn sources(
    cfg: &Config,
    now: i64,
    dry_run: bool,
    rewriter: &dyn Fn() -> Result<Rewriter, Error>,
    report: &mut Report,
    record: &mut Record<'_>,
) -> Result<(), Error> {
    let mut rw: Option<Rewriter> = None;
    // The copy is checked with the same settings it was written with.
    let opts = cfg.anonymize.options(now);
    let checker = Checker {
        policy: opts.policy,
        encrypted_addresses: opts.policy.mode == crate::ip::IpMode::Pfx,
        values: Some(opts.values.clone()),
        roster: None,
        allow: Vec::new(),
    };
    let ring = cfg.anonymize.key_dir.as_deref();
    let (surveyed, errs) = survey_all(cfg, now);
    report.errors.extend(errs);
    for (src, steps) in surveyed {
        report.warnings.extend(
            empty_patterns(src)
                .into_iter()
                .map(|p| format!("source \"{}\": pattern {p:?} {MATCHES_NOTHING}", src.name)),
        );
        for s in steps.into_iter().filter(Step::due) {
            let action = action_name(s.action);
            if !dry_run {
                record(phased(entry(&s, action), "intent"))?;
            }
            let keys_before = ring.map(present_epochs);
            let res = match s.action {
                Action::Delete => do_delete(&s, dry_run),
                Action::Prune => do_prune(&s, src, dry_run),
                Action::AnonymizeThenDelete => {
                    if rw.is_none() && !dry_run {
                        rw = Some(rewriter()?);
                    }
                    do_anonymize(&s, src, rw.as_ref(), &checker, dry_run)
                }
            };
            if let (Some(dir), Some(before)) = (ring, keys_before) {
                for e in present_epochs(dir).difference(&before) {
                    report
                        .done
                        .push(format!("created the key of epoch e{e} on demand"));
                    let mut k = blank_entry("keys", dir, "create-key");
                    k.epoch = Some(*e);
                    record(stamp(k))?;
                }
            }
            match res {
                Ok((line, entry)) => {
                    report.done.push(line);
                    record(entry)?;
                }
                Err(e) => {
                    report.errors.push(e.to_string());
                    if !dry_run {
                        record(phased(entry(&s, action), "failed"))?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The audit log's name of `a`.
fn action_name(a: Action) -> &'static str {
    match a {
        Action::Delete => "delete",
        Action::Prune => "prune",
        Action::AnonymizeThenDelete => "anonymize-then-delete",
    }
}

/// The epochs whose key exists in the keyring at `dir` (none when it
/// cannot be read).
fn present_epochs(dir: &Path) -> std::collections::BTreeSet<i64> {
    Keyring::open(dir)
        .and_then(|r| r.list())
        .map(|l| {
            l.into_iter()
                .filter(|i| matches!(i.state, EpochState::Present { .. }))
                .map(|i| i.epoch.0)
                .collect()
        })
        .unwrap_or_default()
}

/// Closes the intents of killed runs found in the audit log at `path`:
/// each gets a record of what is found now (the file gone: `found-done`;
/// still there: `found-not-done`; a prune: `outcome-unknown`).
fn complete_intents(path: &Path, record: &mut Record<'_>) -> Result<(), Error> {
    // Only a regular file is read back (a device would never end).
    if !fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    let Ok(text) = fs::read_to_string(path) else {
        return Ok(());
    };
    let mut open: Vec<(String, String, Option<i64>, serde_json::Value)> = Vec::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let key = |v: &serde_json::Value| {
            (
                v["action"].as_str().unwrap_or("").to_string(),
                v["file"].as_str().unwrap_or("").to_string(),
                v["epoch"].as_i64(),
            )
        };
        let (a, f, e) = key(&v);
        open.retain(|(a2, f2, e2, _)| (a2, f2, e2) != (&a, &f, &e));
        if v["phase"] == "intent" {
            open.push((a, f, e, v));
        }
    }
    for (action, file, _, v) in open {
        let phase = match action.as_str() {
            "prune" | "destroy-key" | "create-key" => "outcome-unknown",
            _ if Path::new(&file).exists() => "found-not-done",
            _ => "found-done",
        };
        let mut e: AuditEntry = blank_entry(
            v["source"].as_str().unwrap_or(""),
            Path::new(&file),
            &action,
        );
        e.bytes = v["bytes"].as_u64().unwrap_or(0);
        e.oldest = v["oldest"].as_str().map(String::from);
        e.newest = v["newest"].as_str().map(String::from);
        e.epoch = v["epoch"].as_i64();
        record(phased(e, phase))?;
    }
    Ok(())
}

/// Removes the temporary files killed runs left ([`stale_temporaries`]),
/// each recorded as `remove-temporary`.
fn remove_stale(
    cfg: &Config,
    dry_run: bool,
    report: &mut Report,
    record: &mut Record<'_>,
) -> Result<(), Error> {
    for t in stale_temporaries(cfg) {
        let line = format!(
            "{}remove {} (a temporary file of process {}, which no longer runs; {} bytes)",
            would(dry_run),
            t.file.display(),
            t.pid,
            t.bytes
        );
        let e = AuditEntry {
            bytes: t.bytes,
            ..blank_entry(&t.source, &t.file, "remove-temporary")
        };
        if !dry_run {
            record(phased(e.clone(), "intent"))?;
            if let Err(err) = safe::remove_if_same(&t.root, &t.file, &t.ident) {
                report
                    .errors
                    .push(format!("cannot remove {}: {err}", t.file.display()));
                record(phased(e, "failed"))?;
                continue;
            }
        }
        report.done.push(line);
        record(stamp(e))?;
    }
    Ok(())
}

fn blank_entry(source: &str, file: &Path, action: &str) -> AuditEntry {
    AuditEntry {
        time: String::new(),
        as_of: String::new(),
        source: source.to_string(),
        file: file.display().to_string(),
        action: action.to_string(),
        bytes: 0,
        oldest: None,
        newest: None,
        records: None,
        kept: None,
        destination: None,
        epoch: None,
        phase: None,
    }
}

fn entry(s: &Step, action: &str) -> AuditEntry {
    AuditEntry {
        time: String::new(),
        as_of: String::new(),
        source: s.source.clone(),
        file: s.file.display().to_string(),
        action: action.to_string(),
        bytes: s.bytes,
        oldest: s.span.oldest.map(iso),
        newest: s.span.newest.map(iso),
        records: None,
        kept: None,
        destination: None,
        epoch: None,
        phase: None,
    }
}

/// `e` as an intent (or another phase) record.
fn phased(mut e: AuditEntry, phase: &str) -> AuditEntry {
    e.phase = Some(phase.to_string());
    stamp(e)
}

fn stamp(mut e: AuditEntry) -> AuditEntry {
    e.time = iso(wall_clock());
    e
}

fn would(dry_run: bool) -> &'static str {
    if dry_run {
        "would "
    } else {
        ""
    }
}

fn do_delete(s: &Step, dry_run: bool) -> Result<(String, AuditEntry), Error> {
    if !dry_run {
        safe::remove_if_same(&s.root, &s.file, &s.ident)
            .map_err(|e| Error::io(&format!("cannot delete {}", s.file.display()), &e))?;
    }
    Ok((
        format!(
            "{}delete {} (source {}, newest record {}, {} bytes)",
            would(dry_run),
            s.file.display(),
            s.source,
            iso(s.newest()),
            s.bytes
        ),
        stamp(entry(s, "delete")),
    ))
}

fn do_prune(s: &Step, src: &Source, dry_run: bool) -> Result<(String, AuditEntry), Error> {
    let p = prune_file(
        &s.file,
        &s.root,
        &s.ident,
        src.kind.format(),
        s.cutoff,
        dry_run,
    )?;
    let mut e = entry(s, "prune");
    e.records = Some(p.removed);
    e.kept = Some(p.kept);
    Ok((
        format!(
            "{}prune {} (source {}): {} records older than {} removed, {} kept",
            would(dry_run),
            s.file.display(),
            s.source,
            p.removed,
            iso(s.cutoff),
            p.kept
        ),
        stamp(e),
    ))
}

fn do_anonymize(
    s: &Step,
    src: &Source,
    rw: Option<&Rewriter>,
    checker: &Checker,
    dry_run: bool,
) -> Result<(String, AuditEntry), Error> {
    let dest = s
        .destination
        .clone()
        .ok_or_else(|| Error::new(ErrorKind::Usage, "no destination"))?;
    let line = format!(
        "{}anonymize {} to {}, then delete it (source {}, newest record {})",
        would(dry_run),
        s.file.display(),
        dest.display(),
        s.source,
        iso(s.newest())
    );
    let mut e = entry(s, "anonymize-then-delete");
    e.destination = Some(dest.display().to_string());
    let Some(rw) = rw.filter(|_| !dry_run) else {
        return Ok((line, stamp(e)));
    };
    let fail = |what: &str, err: &dyn std::fmt::Display| kept(s, what, err);
    let (out, counts) = verified_copy(s, src, rw, checker, &dest)?;
    safe::still_same(&s.root, &s.file, &s.ident)
        .map_err(|err| fail("the anonymized copy was not kept", &err))?;
    let line = match fs::symlink_metadata(&dest) {
        // A copy is never overwritten. The same bytes are the copy of this
        // very file by a run killed before it deleted the raw file.
        Ok(_) => {
            let same = fs::read(&dest)
                .ok()
                .zip(fs::read(out.temp_path()).ok())
                .is_some_and(|(a, b)| a == b);
            if !same {
                return Err(collision(s, &dest));
            }
            drop(out);
            format!("{line}; the identical copy was there already")
        }
        Err(_) => {
            out.commit()
                .map_err(|err| fail(&format!("cannot write {}", dest.display()), &err))?;
            line
        }
    };
    safe::remove_if_same(&s.root, &s.file, &s.ident).map_err(|err| {
        Error::io(
            &format!(
                "{} was anonymized to {} but was not deleted",
                s.file.display(),
                dest.display()
            ),
            &err,
        )
    })?;
    e.records = Some(counts.lines_read);
    Ok((line, stamp(e)))
}

/// Why the anonymized copy of `s` cannot go to `dest`: another file is
/// there.
fn collision_why(dest: &Path) -> String {
    collision_text(dest, "exists already")
}

/// [`collision_why`] with what is wrong with `dest`.
fn collision_text(dest: &Path, what: &str) -> String {
    format!(
        "its anonymized copy's destination {} {what}; anonlog never overwrites an \
         anonymized copy (give the source's destination a date, {{date}} or %Y-%m-%d, \
         so that every raw file has a name of its own)",
        dest.display()
    )
}

fn collision(s: &Step, dest: &Path) -> Error {
    Error::new(
        ErrorKind::Io,
        format!(
            "{}: {} (it differs from this file's copy); the raw file was kept",
            s.file.display(),
            collision_why(dest)
        ),
    )
}

/// The error of an anonymize-then-delete that failed before anything was
/// deleted.
fn kept(s: &Step, what: &str, err: &dyn std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("{}: {what}: {err}; the raw file was kept", s.file.display()),
    )
}

/// Writes the anonymized copy of `s.file` beside `dest` (not yet in its
/// place), checks that every record was written and that the copy read
/// back from disk passes `checker`, and returns it uncommitted with the
/// run's counts.
fn verified_copy(
    s: &Step,
    src: &Source,
    rw: &Rewriter,
    checker: &Checker,
    dest: &Path,
) -> Result<(AtomicFile, Counts), Error> {
    let fail = |what: &str, err: &dyn std::fmt::Display| kept(s, what, err);
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dirs(dir).map_err(|err| fail(&format!("cannot create {}", dir.display()), &err))?;
    }
    let mut out = AtomicFile::create(dest)
        .map_err(|err| fail(&format!("cannot create {}", dest.display()), &err))?;
    let cfg = RunConfig {
        inputs: vec![crate::input::Input::Path(s.file.clone())],
        format: src.kind.format(),
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        // Streamed, not mapped: a file truncated under the reader
        // (copytruncate) ends early instead of raising SIGBUS.
        mmap: false,
        block_size: 1 << 20,
    };
    let summary = pipeline::run(rw, &cfg, &mut out, &mut |_| {})
        .map_err(|err| fail("cannot anonymize", &err))?;
    let t = summary.total;
    if let Some(err) = summary.inputs.iter().find_map(|i| i.error.clone()) {
        return Err(fail("cannot anonymize", &err));
    }
    if !t.balanced() || t.lost_data() || t.lines_written != t.lines_read {
        return Err(fail(
            "the anonymized copy is incomplete",
            &format!(
                "{} records read, {} written, {} fields unreadable",
                t.lines_read, t.lines_written, t.fields_redacted
            ),
        ));
    }
    // Verify what is on disk before anything is deleted.
    out.flush()
        .map_err(|err| fail("cannot write the copy", &err))?;
    let written =
        fs::read(out.temp_path()).map_err(|err| fail("cannot read the copy back", &err))?;
    let findings = checker.check_bytes(&written);
    if let Some((line, f)) = findings.first() {
        return Err(fail(
            "the anonymized copy did not pass the check",
            &format!(
                "{} finding(s), the first at record {line}: {}",
                findings.len(),
                f.what
            ),
        ));
    }
    // And with independent eyes: no identity or secret of the raw file may
    // be anywhere in the copy.
    let (reader, raw) = Reader::open(&s.file, src.kind.format())
        .map_err(|err| fail("cannot read the raw file again", &err))?;
    let raw_check = RawChecker::collect(&raw, src.kind.format(), rw.options());
    let findings = raw_check.check(&written, reader.framing);
    if let Some((line, f)) = findings.first() {
        return Err(fail(
            "the anonymized copy did not pass the check against the raw file",
            &format!(
                "{} value(s) of the raw file found in it, the first at record {line}: {}",
                findings.len(),
                f.what
            ),
        ));
    }
    Ok((out, t))
}

type Record<'a> = dyn FnMut(AuditEntry) -> Result<(), Error> + 'a;

fn keys(
    dir: &Path,
    destroy_after: &str,
    now: i64,
    dry_run: bool,
    report: &mut Report,
    record: &mut Record<'_>,
) -> Result<(), Error> {
    let ring = Keyring::open(dir)?;
    if dry_run {
        let present: Vec<i64> = ring
            .list()?
            .into_iter()
            .filter(|i| !matches!(i.state, EpochState::Destroyed { .. }))
            .map(|i| i.epoch.0)
            .collect();
        let cur = ring.epoch_len().epoch_of(now).0;
        for e in [cur, cur + 1] {
            if !present.contains(&e) {
                report
                    .done
                    .push(format!("would create the key of epoch e{e}"));
            }
        }
        for (e, end) in expired_keys(dir, destroy_after, now)? {
            report.done.push(format!(
                "would destroy the key of epoch e{e} (ended {})",
                iso(end)
            ));
        }
        return Ok(());
    }
    match ring.rotate(now) {
        Ok(created) => {
            for e in created {
                report.done.push(format!("created the key of epoch {e}"));
                record(key_entry(dir, "create-key", e.0, None))?;
            }
        }
        Err(e) => report.errors.push(e.to_string()),
    }
    destroy_keys(&ring, destroy_after, now, report, record)
}

/// An audit record of a key change in the keyring at `dir`.
fn key_entry(dir: &Path, action: &str, epoch: i64, phase: Option<&str>) -> AuditEntry {
    AuditEntry {
        time: iso(wall_clock()),
        epoch: Some(epoch),
        phase: phase.map(String::from),
        ..blank_entry("keys", dir, action)
    }
}

/// The purge of the key schedule: an intent for every key due, then a done
/// (or failed) record each; invalid tombstones are errors.
fn destroy_keys(
    ring: &Keyring,
    destroy_after: &str,
    now: i64,
    report: &mut Report,
    record: &mut Record<'_>,
) -> Result<(), Error> {
    let dir = ring.dir();
    let cutoff = key_cutoff(destroy_after, now)?;
    for e in ring.invalid_tombstones()? {
        report.errors.push(e.to_string());
    }
    let due: Vec<i64> = expired_keys(dir, destroy_after, now)?
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    for &e in &due {
        record(key_entry(dir, "destroy-key", e, Some("intent")))?;
    }
    let gone = ring.purge(cutoff, now)?;
    for e in &gone {
        report.done.push(format!(
            "destroyed the key of epoch {e}: its pseudonyms can no longer be linked to anyone"
        ));
        record(key_entry(dir, "destroy-key", e.0, None))?;
    }
    for e in due.into_iter().filter(|e| !gone.iter().any(|g| g.0 == *e)) {
        record(key_entry(dir, "destroy-key", e, Some("failed")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(data: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(data).unwrap();
        f.flush().unwrap();
        f
    }

    const LOG: &[u8] = b"\xEF\xBB\xBFcontinuation before any time\n\
        1.2.3.4 - - [02/Nov/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n\
        \tat a.stack.Trace(Trace.java:1)\n\
        1.2.3.4 - - [04/Nov/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n\
        \tat another.Trace(Trace.java:2)\n\
        \n";

    #[test]
    fn span_reads_record_times() {
        let f = file(LOG);
        let s = span(f.path(), None).unwrap();
        assert_eq!(s.oldest, Some(1_793_577_600));
        assert_eq!(s.newest, Some(1_793_577_600 + 2 * 86_400));
        assert_eq!(s.records, 5);
    }

    #[test]
    fn untimed_lines_share_the_fate_of_the_record_before_them() {
        let f = file(LOG);
        let cutoff = 1_793_577_600 + 86_400;
        let dry = prune(f.path(), None, cutoff, true).unwrap();
        assert_eq!(std::fs::read(f.path()).unwrap(), LOG, "dry run");
        let p = prune(f.path(), None, cutoff, false).unwrap();
        assert_eq!(p, dry);
        assert_eq!((p.removed, p.kept), (3, 2));
        assert_eq!(
            std::fs::read(f.path()).unwrap(),
            b"\xEF\xBB\xBF1.2.3.4 - - [04/Nov/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n\
              \tat another.Trace(Trace.java:2)\n\
              \n"
        );
        // Nothing older: the file is not rewritten.
        let again = prune(f.path(), None, cutoff, false).unwrap();
        assert_eq!(again.removed, 0);
    }

    #[test]
    fn csv_headers_stay_and_quoted_line_breaks_are_one_row() {
        let data = b"id,other,timecreated\n1,\"a\nb\",100\n2,\"c\",300\n";
        let f = file(data);
        let p = prune(f.path(), None, 200, false).unwrap();
        assert_eq!((p.removed, p.kept), (1, 1));
        assert_eq!(
            std::fs::read(f.path()).unwrap(),
            b"id,other,timecreated\n2,\"c\",300\n"
        );
    }

    #[test]
    fn a_compressed_file_is_pruned_in_its_own_compression() {
        use std::io::Read;
        let data = b"id,other,timecreated\n1,\"a\",100\n2,\"c\",300\n";
        for c in [Compression::Gzip, Compression::Xz, Compression::Zstd] {
            let f = file(&compress(c, data).unwrap());
            let p = prune(f.path(), None, 200, false).unwrap();
            assert_eq!((p.removed, p.kept), (1, 1), "{}", c.name());
            let on_disk = std::fs::read(f.path()).unwrap();
            let head = &on_disk[..8];
            assert!(
                matches!(
                    input::compressed::sniff(head),
                    input::compressed::Sniffed::Compressed(k) if k == c
                ),
                "{}",
                c.name()
            );
            let mut plain = Vec::new();
            input::compressed::decoder(c, Box::new(std::io::Cursor::new(on_disk)))
                .unwrap()
                .read_to_end(&mut plain)
                .unwrap();
            assert_eq!(
                plain,
                b"id,other,timecreated\n2,\"c\",300\n",
                "{}",
                c.name()
            );
        }
    }

    #[test]
    fn compressed_names() {
        assert_eq!(uncompressed_name("access.log.2.gz"), "access.log.2");
        assert_eq!(uncompressed_name("access.log.2.zst"), "access.log.2");
        assert_eq!(uncompressed_name("access.log.2"), "access.log.2");
        assert_eq!(uncompressed_name(".gz"), ".gz");
    }
}
