//! Pseudonymized extracts of the live log: rows of
//! `{prefix}logstore_standard_log` in id order, written as the CSV that
//! PostgreSQL's `COPY … TO … CSV HEADER` makes of them (comma, `"` quoting
//! where needed, NULL an empty field, an empty string `""`), each row
//! rewritten by the logstore rewriter exactly as a file of that CSV would
//! be; and the state of incremental exports.
//!
//! Exactly once. `--incremental STATE` keeps the last exported id. A run
//! writes its output beside the target, syncs it, records in STATE the id it
//! reached together with the output's path, size and SHA-256 as *pending*,
//! renames the output into place, and only then records the id as done. A
//! run that finds a pending entry completes it when the file at that path
//! is the one described (the rename happened), and drops it otherwise (the
//! crash came before): no row is lost and none is exported twice, wherever
//! the previous run stopped.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::client::{Db, RowQuery};
use super::{DbConfig, LOG_COLUMNS};
use crate::error::{Error, ErrorKind};
use crate::format::moodle::{Kind, Schema};
use crate::output::AtomicFile;
use crate::rewrite::{Outcome, Rewriter, Worker};

/// The environment variable of the crash tests: `rows:N` aborts after N
/// rows, `before-rename` after the pending state is written, `before-state`
/// after the output is in place but before the state says so.
pub const CRASH_ENV: &str = "ANONLOG_TEST_CRASH";

/// The CSV header of an export.
pub fn header() -> Vec<u8> {
    LOG_COLUMNS.join(",").into_bytes()
}

/// Appends one row in PostgreSQL's CSV form.
pub fn write_csv_row(row: &[Option<&[u8]>], out: &mut Vec<u8>) {
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let Some(v) = v else { continue };
        let quote = v.is_empty()
            || *v == b"\\."
            || v.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
        if !quote {
            out.extend_from_slice(v);
            continue;
        }
        out.push(b'"');
        for &b in *v {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    }
}

/// The state of an incremental export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// The last id exported (0: none yet).
    pub last_id: i64,
    /// A run that had written its output but may not have put it in place.
    pub pending: Option<Pending>,
}

/// A run's output that is not yet known to be in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The id it reaches.
    pub id: i64,
    /// Where it goes.
    pub output: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256, hex.
    pub sha256: String,
}

impl State {
    /// Reads STATE (a missing file: a first run).
    pub fn load(path: &Path) -> Result<State, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::default()),
            Err(e) => return Err(Error::input(&format!("state {}", path.display()), &e)),
        };
        let bad = |n: usize, what: &str| {
            Error::new(
                ErrorKind::Input,
                format!("state {}: line {n}: {what}", path.display()),
            )
        };
        let mut s = State::default();
        let (mut id, mut out, mut bytes, mut sha) = (None, None, None, None);
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let Some((k, v)) = line.split_once(' ') else {
                return Err(bad(n, "not `key value`"));
            };
            let int = || v.parse::<i64>().map_err(|_| bad(n, "not a number"));
            match k {
                "last_id" => s.last_id = int()?,
                "pending_id" => id = Some(int()?),
                "pending_bytes" => bytes = Some(int()? as u64),
                "pending_output" => out = Some(PathBuf::from(v)),
                "pending_sha256" => sha = Some(v.to_string()),
                _ => return Err(bad(n, "unknown key")),
            }
        }
        s.pending = match (id, out, bytes, sha) {
            (Some(id), Some(output), Some(bytes), Some(sha256)) => Some(Pending {
                id,
                output,
                bytes,
                sha256,
            }),
            (None, None, None, None) => None,
            _ => return Err(bad(0, "incomplete pending entry")),
        };
        Ok(s)
    }

    /// Writes STATE atomically (synced, renamed, directory synced).
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let mut text = format!("last_id {}\n", self.last_id);
        if let Some(p) = &self.pending {
            text += &format!(
                "pending_id {}\npending_output {}\npending_bytes {}\npending_sha256 {}\n",
                p.id,
                p.output.display(),
                p.bytes,
                p.sha256
            );
        }
        let io =
            |e: std::io::Error| Error::io(&format!("cannot write state {}", path.display()), &e);
        let mut f = AtomicFile::create(path).map_err(io)?;
        f.write_all(text.as_bytes()).map_err(io)?;
        f.commit().map_err(io)
    }

    /// Completes or drops a pending entry by what is on disk; returns the
    /// state to continue from and whether the entry was completed.
    pub fn recover(mut self) -> (State, Option<bool>) {
        let Some(p) = self.pending.take() else {
            return (self, None);
        };
        let done = std::fs::read(&p.output).is_ok_and(|data| {
            data.len() as u64 == p.bytes && hex(&Sha256::digest(&data)) == p.sha256
        });
        if done {
            self.last_id = p.id;
        }
        (self, Some(done))
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportSummary {
    /// Rows read from the database.
    pub rows: u64,
    /// Rows written (rewritten field by field or scrubbed).
    pub written: u64,
    /// Rows left out (`--on-unparsed drop`).
    pub dropped: u64,
    /// Fields that could not be read, written as `REDACTED`.
    pub fields_redacted: u64,
    /// The first and last id exported.
    pub ids: Option<(i64, i64)>,
    /// Bytes written.
    pub bytes_out: u64,
}

/// Where an export goes.
pub enum Sink<'a> {
    /// A stream (standard output).
    Stream(&'a mut dyn Write),
    /// A file replaced atomically; with STATE for an incremental export.
    File {
        /// The target.
        path: &'a Path,
        /// The incremental state file.
        state: Option<&'a Path>,
    },
}

fn crash_point(at: &str) {
    if std::env::var(CRASH_ENV).is_ok_and(|v| v == at) {
        std::process::abort();
    }
}

/// Streams the rows `q` selects through `rw` into `sink`.
pub fn export(
    db: &mut Db,
    cfg: &DbConfig,
    rw: &Rewriter,
    mut q: RowQuery,
    sink: Sink<'_>,
) -> Result<ExportSummary, Error> {
    let (path, state_path) = match sink {
        Sink::Stream(w) => {
            let mut h = Sha256::new();
            return stream_rows(db, cfg, rw, &q, w, &mut h)
                .map_err(|e| e.into_error("standard output"));
        }
        Sink::File { path, state } => (path, state),
    };
    let mut state = None;
    if let Some(sp) = state_path {
        let (s, _) = State::load(sp)?.recover();
        q.after_id = q.after_id.max(s.last_id);
        state = Some(s);
    }
    let what = path.display().to_string();
    let io = |e: std::io::Error| Error::io(&format!("cannot write output {what}"), &e);
    let mut file = AtomicFile::create(path)
        .map_err(|e| Error::io(&format!("cannot create output {what}"), &e))?;
    let mut h = Sha256::new();
    let sum = stream_rows(db, cfg, rw, &q, &mut file, &mut h).map_err(|e| e.into_error(&what))?;
    let (Some(sp), Some(mut st)) = (state_path, state) else {
        file.commit().map_err(io)?;
        return Ok(sum);
    };
    let reached = sum.ids.map_or(st.last_id, |(_, last)| last.max(st.last_id));
    st.pending = Some(Pending {
        id: reached,
        output: std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
        bytes: sum.bytes_out,
        sha256: hex(&h.finalize()),
    });
    st.save(sp)?;
    crash_point("before-rename");
    file.commit().map_err(io)?;
    crash_point("before-state");
    st.pending = None;
    st.last_id = reached;
    st.save(sp)?;
    Ok(sum)
}

/// An error of [`stream_rows`]: the database's, or the output's.
enum StreamError {
    Db(Error),
    Out(std::io::Error),
}

impl StreamError {
    fn into_error(self, output: &str) -> Error {
        match self {
            StreamError::Db(e) => e,
            StreamError::Out(e) => Error::io(&format!("cannot write output {output}"), &e),
        }
    }
}

/// Rows per batch handed from the reading thread to the rewriters.
const BATCH_ROWS: usize = 2048;

/// Rows read from the database in their CSV form.
#[derive(Default)]
struct Batch {
    /// The records, one after another, without terminators.
    data: Vec<u8>,
    /// Where each ends in `data`.
    ends: Vec<usize>,
    /// The first and last id.
    ids: Option<(i64, i64)>,
}

/// A batch rewritten.
#[derive(Default)]
struct Rewritten {
    out: Vec<u8>,
    written: u64,
    dropped: u64,
    fields_redacted: u64,
    failed: Option<usize>,
}

/// Rewrites the records of `b` (each with a line end) with one worker.
fn rewrite_batch(rw: &Rewriter, schema: &Schema, w: &mut Worker, b: &Batch) -> Rewritten {
    let mut r = Rewritten {
        out: Vec::with_capacity(b.data.len() + b.data.len() / 4),
        ..Rewritten::default()
    };
    let mut carry = None;
    let mut start = 0;
    for (k, &end) in b.ends.iter().enumerate() {
        let p = rw.rewrite_record(
            w,
            schema,
            &b.data[start..end],
            false,
            &mut carry,
            &mut r.out,
        );
        start = end;
        r.fields_redacted += p.fields_redacted;
        match p.outcome {
            Outcome::Failed(_) => {
                r.failed.get_or_insert(k);
            }
            o if o.written() => {
                r.out.push(b'\n');
                r.written += 1;
            }
            _ => r.dropped += 1,
        }
    }
    r
}

/// Reads the rows in id order into batches of CSV records for `tx`.
/// PostgreSQL writes the CSV itself; the other servers' rows are encoded
/// here, the same way.
fn read_batches(
    db: &mut Db,
    cfg: &DbConfig,
    q: &RowQuery,
    tx: &crossbeam_channel::Sender<Batch>,
) -> Result<(), Error> {
    let mut b = Batch::default();
    let push = |b: &mut Batch, id: i64| -> Result<(), Error> {
        b.ends.push(b.data.len());
        b.ids = Some((b.ids.map_or(id, |(a, _)| a), id));
        if b.ends.len() >= BATCH_ROWS && tx.send(std::mem::take(b)).is_err() {
            return Err(Error::new(ErrorKind::Io, "the writer stopped"));
        }
        Ok(())
    };
    let r = db
        .log_csv(cfg, q, &mut |rec, id| {
            b.data.extend_from_slice(rec);
            push(&mut b, id)
        })
        .and_then(|done| {
            if done {
                return Ok(());
            }
            db.log_rows(cfg, q, &mut |row| {
                let id = row
                    .first()
                    .copied()
                    .flatten()
                    .and_then(|v| std::str::from_utf8(v).ok()?.parse::<i64>().ok())
                    .unwrap_or(0);
                write_csv_row(row, &mut b.data);
                push(&mut b, id)
            })
        });
    if r.is_ok() && !b.ends.is_empty() {
        let _ = tx.send(b);
    }
    r
}

/// Adds a rewritten batch's counts to `sum`.
fn account(b: &Batch, r: &Rewritten, sum: &mut ExportSummary) {
    sum.rows += b.ends.len() as u64;
    sum.written += r.written;
    sum.dropped += r.dropped;
    sum.fields_redacted += r.fields_redacted;
    if let Some((first, last)) = b.ids {
        sum.ids = Some((sum.ids.map_or(first, |(a, _)| a), last));
    }
}

/// Up to `threads` batches into `pending`, waiting for the first: `None`
/// when there is none left, else whether the reader has finished.
fn next_batches(
    rx: &crossbeam_channel::Receiver<Batch>,
    threads: usize,
    pending: &mut Vec<Batch>,
) -> Option<bool> {
    pending.clear();
    pending.push(rx.recv().ok()?);
    while pending.len() < threads {
        match rx.try_recv() {
            Ok(b) => pending.push(b),
            Err(crossbeam_channel::TryRecvError::Empty) => break,
            Err(crossbeam_channel::TryRecvError::Disconnected) => return Some(true),
        }
    }
    Some(false)
}

/// The header line as the rewriter writes it.
fn header_line(rw: &Rewriter, schema: &Schema, head: &[u8]) -> Vec<u8> {
    let mut buf = Vec::new();
    rw.rewrite_record(
        &mut Worker::default(),
        schema,
        head,
        true,
        &mut None,
        &mut buf,
    );
    buf.push(b'\n');
    buf
}

/// The header and the rows, rewritten, into `w` (and `h`). One thread reads
/// the database and turns rows into CSV records; the records are rewritten
/// in batches on all cores and written in id order.
fn stream_rows(
    db: &mut Db,
    cfg: &DbConfig,
    rw: &Rewriter,
    q: &RowQuery,
    w: &mut dyn Write,
    h: &mut Sha256,
) -> Result<ExportSummary, StreamError> {
    use rayon::prelude::*;
    let head = header();
    let schema = Schema::from_sample(&[&head[..], b"\n"].concat(), Some(Kind::Logstore))
        .expect("the logstore header is a logstore header");
    let crash_after: Option<u64> = std::env::var(CRASH_ENV)
        .ok()
        .and_then(|v| v.strip_prefix("rows:")?.parse().ok());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut sum = ExportSummary::default();
    let buf = header_line(rw, &schema, &head);
    let mut emit = |data: &[u8], sum: &mut ExportSummary| -> std::io::Result<()> {
        h.update(data);
        sum.bytes_out += data.len() as u64;
        w.write_all(data)
    };
    emit(&buf, &mut sum).map_err(StreamError::Out)?;
    let (tx, rx) = crossbeam_channel::bounded::<Batch>(threads * 2);
    std::thread::scope(|s| {
        let reader = s.spawn(move || read_batches(db, cfg, q, &tx));
        let mut pending: Vec<Batch> = Vec::with_capacity(threads);
        let mut out_err = None;
        let mut done = false;
        while !done {
            match next_batches(&rx, threads, &mut pending) {
                None => break,
                Some(last) => done = last,
            }
            let results: Vec<Rewritten> = pending
                .par_iter()
                .map_init(Worker::default, |wk, b| rewrite_batch(rw, &schema, wk, b))
                .collect();
            for (b, r) in pending.iter().zip(results) {
                if let Some(k) = r.failed {
                    out_err = Some(StreamError::Db(Error::new(
                        ErrorKind::Unparsed,
                        format!(
                            "row {} of the batch from id {} could not be read (--on-unparsed fail)",
                            k + 1,
                            b.ids.map_or(0, |i| i.0)
                        ),
                    )));
                    break;
                }
                if let Err(e) = emit(&r.out, &mut sum) {
                    out_err = Some(StreamError::Out(e));
                    break;
                }
                account(b, &r, &mut sum);
                if crash_after.is_some_and(|c| sum.rows >= c) {
                    std::process::abort();
                }
            }
            if out_err.is_some() {
                break;
            }
        }
        drop(rx);
        let read = reader.join().expect("the reading thread does not panic");
        match out_err {
            Some(e) => Err(e),
            None => read.map_err(StreamError::Db),
        }
    })?;
    w.flush().map_err(StreamError::Out)?;
    Ok(sum)
}
