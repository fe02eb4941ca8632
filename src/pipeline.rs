//! The flow of a run: read → parse → rewrite → write, in parallel and in order.
//!
//! Per input, a producer thread cuts the input into blocks of whole lines
//! (borrowed from the memory map, or read from a stream); each block is
//! rewritten as a task on a rayon pool, by a worker that owns a pseudonym
//! cache; the calling thread collects the results, puts them back in input
//! order and writes them. At most `2 × threads + 2` blocks are in flight, so
//! memory stays bounded whatever the input size. Output bytes do not depend on
//! the number of threads or on how the input was cut: every line is rewritten
//! on its own.
//!
//! With a dated output ([`Output::Dated`]) each worker also notes, per
//! block, the time of each run of lines that go to one file, and the writer
//! routes those runs to their files; without one, nothing per line is added.
//!
//! This module is the only one that knows about threads and output order.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Mutex;
use std::time::Instant;

use crossbeam_channel as channel;

use crate::error::{Error, ErrorKind};
use crate::format::access::ParseError;
use crate::format::moodle::Schema;
use crate::format::{self, Format};
use crate::input::{self, Block, Framing, Input, Opened, StreamBlocks};
use crate::output::{DatedBlock, DatedOutput};
use crate::rewrite::{Outcome, Rewriter, Worker};
use crate::stats::Stats;

/// How to run: everything except what to rewrite and where to write.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Inputs, in order.
    pub inputs: Vec<Input>,
    /// A forced format, or `None` to detect per input.
    pub format: Option<Format>,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Memory-map regular files (default true).
    pub mmap: bool,
    /// Target block size in bytes (default 1 MiB).
    pub block_size: usize,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            inputs: vec![Input::Stdin],
            format: None,
            threads: 1,
            mmap: true,
            block_size: 1 << 20,
        }
    }
}

/// A line that no parser understood, reported to the caller.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// The input it came from.
    pub input: String,
    /// 1-based line number in that input.
    pub line: u64,
    /// What failed.
    pub error: ParseError,
    /// What was done with the line.
    pub action: &'static str,
    /// The input is CSV: `line` counts records (rows, the header being
    /// row 1), the field is a column and its offset is within the row.
    pub csv: bool,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = &self.error;
        if !self.csv {
            return write!(
                f,
                "{}:{}: not understood (field '{}' at byte {}); {}",
                self.input, self.line, e.field, e.offset, self.action
            );
        }
        let what = if e.field == crate::rewrite::moodle::ROW_SHAPE {
            "wrong number of fields".to_string()
        } else if e.field == crate::rewrite::DESTROYED {
            format!("no key: {}", e.field)
        } else {
            format!(
                "column '{}' (byte {} of the row) not understood",
                e.field, e.offset
            )
        };
        let action = match self.action {
            "scrubbed" => "written as REDACTED",
            a => a,
        };
        write!(f, "{}: row {}: {}; {}", self.input, self.line, what, action)
    }
}

/// What one input gave.
#[derive(Debug, Clone)]
pub struct InputSummary {
    /// The input's name.
    pub input: String,
    /// The format used.
    pub format: Format,
    /// Its counters.
    pub stats: Stats,
    /// Set when the input could not be read (the run went on without it).
    pub error: Option<String>,
}

/// What a whole run gave.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Per input, in order.
    pub inputs: Vec<InputSummary>,
    /// All inputs added up.
    pub total: Stats,
    /// Wall-clock seconds.
    pub elapsed_secs: f64,
    /// The run stopped at a line (`--on-unparsed fail`).
    pub aborted: Option<Diagnostic>,
    /// The output was closed by the reader (broken pipe); the run stopped.
    pub broken_pipe: bool,
}

/// Where a run's output goes.
pub enum Output<'a> {
    /// One stream (standard output, an atomic file), in input order.
    Stream(&'a mut dyn Write),
    /// The files of a dated pattern, each line in the file of its own time.
    Dated(&'a mut DatedOutput),
}

/// Per-block results from a worker.
struct Done {
    seq: u64,
    out: Vec<u8>,
    /// Dated output only: the prelude's length at the start of `out` (a BOM,
    /// a CSV header row), the runs of lines after it as (time, end offset)
    /// (see [`DatedBlock::segments`]), and the first and last times seen.
    prelude: usize,
    segments: Vec<(Option<i64>, usize)>,
    first_ts: Option<i64>,
    last_ts: Option<i64>,
    stats: Stats,
    /// (0-based line index in the block, error, action)
    diags: Vec<(u64, ParseError, &'static str)>,
    /// Lines in the block up to and including a failing one.
    lines: u64,
    failed: bool,
    flush: bool,
}

/// Worker states are checked out by tasks and returned, so each cache stays
/// warm without thread-local storage. Output buffers go round the same way
/// (worker fills, writer empties), so no block allocates fresh memory.
struct WorkerPool(Mutex<Vec<Worker>>, Mutex<Vec<Vec<u8>>>);

impl WorkerPool {
    fn take(&self) -> Worker {
        self.0
            .lock()
            .map(|mut v| v.pop())
            .ok()
            .flatten()
            .unwrap_or_default()
    }
    fn give(&self, w: Worker) {
        if let Ok(mut v) = self.0.lock() {
            v.push(w);
        }
    }
    fn take_buf(&self) -> Vec<u8> {
        self.1
            .lock()
            .map(|mut v| v.pop())
            .ok()
            .flatten()
            .unwrap_or_default()
    }
    fn give_buf(&self, b: Vec<u8>) {
        if let Ok(mut v) = self.1.lock() {
            v.push(b);
        }
    }
}

/// Keep at most this many diagnostics per block; the counters have the rest.
const DIAGS_PER_BLOCK: usize = 8;

/// Rewrites one block of whole lines (or of whole CSV records, when the
/// input has a `schema`). With `dated` (the pattern's granularity in
/// seconds), also notes each line's time: consecutive written lines whose
/// times fall in one slot of that length (and so go to one file) form one
/// segment; lines without a time join the segment before them.
#[allow(clippy::too_many_arguments)]
fn process_block(
    rw: &Rewriter,
    w: &mut Worker,
    format: Format,
    schema: Option<&Schema>,
    data: &[u8],
    first: bool,
    dated: Option<i64>,
    mut out: Vec<u8>,
) -> Done {
    out.clear();
    out.reserve(data.len() + data.len() / 8 + 64);
    let mut stats = Stats {
        bytes_in: data.len() as u64,
        ..Stats::default()
    };
    let mut diags = Vec::new();
    let mut failed = false;
    let mut pos = 0;
    let mut idx = 0u64;
    let mut prelude = 0;
    let mut segments: Vec<(Option<i64>, usize)> = Vec::new();
    // The time of the current line (or of the last line before it that had
    // one), and the slot it is in.
    let mut cur: Option<i64> = None;
    let mut cur_slot: Option<i64> = None;
    let (mut first_ts, mut last_ts) = (None, None);
    if dated.is_some() {
        w.set_track_time(true);
    }
    let framing = schema.map_or(Framing::Lines, |s| Framing::Csv(s.dialect));
    while pos < data.len() {
        let unit = framing.unit_end(&data[pos..]);
        let (end, next) = match unit {
            Some(n) => (pos + n - 1, pos + n),
            None => (data.len(), data.len()),
        };
        let mut content = &data[pos..end];
        let cr = content.last() == Some(&b'\r');
        if cr {
            content = &content[..content.len() - 1];
        }
        let mark = out.len();
        if first && pos == 0 && content.starts_with(format::BOM) {
            out.extend_from_slice(format::BOM);
            content = &content[format::BOM.len()..];
            prelude = 3;
        }
        stats.lines_read += 1;
        let outcome = match schema {
            None => rw.rewrite_line(w, format, content, &mut out),
            Some(s) => rw.rewrite_record(w, s, content, s.header && first && pos == 0, &mut out),
        };
        if let Outcome::Scrubbed(e) | Outcome::Dropped(e) | Outcome::Failed(e) = outcome {
            if e.field == crate::rewrite::DESTROYED {
                stats.lines_key_destroyed += 1;
            }
        }
        let written = match outcome {
            Outcome::Blank => {
                stats.lines_blank += 1;
                true
            }
            Outcome::Rewritten => {
                stats.lines_rewritten += 1;
                true
            }
            Outcome::Header => {
                stats.lines_header += 1;
                true
            }
            Outcome::OutOfWindow => {
                stats.lines_out_of_window += 1;
                false
            }
            Outcome::Scrubbed(e) => {
                stats.lines_scrubbed += 1;
                // In a generic input every line is scrubbed by design.
                let report = format != Format::Generic || e.field == crate::rewrite::DESTROYED;
                if report && diags.len() < DIAGS_PER_BLOCK {
                    diags.push((idx, e, "scrubbed"));
                }
                true
            }
            Outcome::Dropped(e) => {
                stats.lines_dropped += 1;
                if diags.len() < DIAGS_PER_BLOCK {
                    diags.push((idx, e, "dropped"));
                }
                false
            }
            Outcome::Failed(e) => {
                stats.lines_failed += 1;
                diags.push((idx, e, "run stopped"));
                failed = true;
                false
            }
        };
        if written {
            stats.lines_written += 1;
            out.extend_from_slice(&data[end - usize::from(cr)..next]);
        } else {
            out.truncate(mark);
        }
        if let Some(g) = dated {
            prelude = prelude.min(out.len());
            // A line left out by --since/--until does not lead the untimed
            // lines after it into a file outside the window.
            let t = w.take_line_time();
            if let (Some(t), false) = (t, outcome == Outcome::OutOfWindow) {
                first_ts = first_ts.or(Some(t));
                last_ts = Some(t);
                cur = Some(t);
                cur_slot = Some(t.div_euclid(g));
            }
            if outcome == Outcome::Header && first && pos == 0 {
                prelude = out.len();
            } else if out.len() > mark {
                match segments.last_mut() {
                    Some((t, e)) if t.map(|t| t.div_euclid(g)) == cur_slot => *e = out.len(),
                    _ => segments.push((cur, out.len())),
                }
            }
        }
        idx += 1;
        pos = next;
        if failed {
            break;
        }
    }
    stats.bytes_out = out.len() as u64;
    stats.fields_redacted = w.take_fields_redacted();
    Done {
        seq: 0,
        out,
        prelude,
        segments,
        first_ts,
        last_ts,
        stats,
        diags,
        lines: idx,
        failed,
        flush: false,
    }
}

/// The timestamp of the first line of `data` that has one.
fn first_timestamp(data: &[u8]) -> Option<i64> {
    data.split(|&b| b == b'\n').find_map(format::line_timestamp)
}

/// The timestamp of the last line of `data` that has one.
fn last_timestamp(data: &[u8]) -> Option<i64> {
    data.rsplit(|&b| b == b'\n')
        .find_map(format::line_timestamp)
}

/// What the producer sends: a block, or a read error.
type Produced<'a> = io::Result<Block<'a>>;

/// Runs the whole job: every input in order into `out`. `report` receives
/// diagnostics in input order as they are written.
pub fn run(
    rw: &Rewriter,
    cfg: &RunConfig,
    out: &mut dyn Write,
    report: &mut dyn FnMut(&Diagnostic),
) -> Result<RunSummary, Error> {
    run_to(rw, cfg, Output::Stream(out), report)
}

/// [`run`] into any [`Output`]: with [`Output::Dated`], every line goes to
/// the file of its own time. A write error stops the run (lines written
/// before it stay in their files).
pub fn run_to(
    rw: &Rewriter,
    cfg: &RunConfig,
    mut out: Output<'_>,
    report: &mut dyn FnMut(&Diagnostic),
) -> Result<RunSummary, Error> {
    let started = Instant::now();
    let threads = cfg.threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("anonlog-worker-{i}"))
        .build()
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot start worker threads: {e}")))?;
    let workers = WorkerPool(Mutex::new(Vec::new()), Mutex::new(Vec::new()));
    let mut summary = RunSummary::default();
    for input in &cfg.inputs {
        let name = input.display();
        let opened = match input::open(input, cfg.mmap) {
            Ok(o) => o,
            Err(e) => {
                summary.inputs.push(InputSummary {
                    input: name.clone(),
                    format: cfg.format.unwrap_or(Format::Access),
                    stats: Stats::default(),
                    error: Some(format!("{name}: {e}")),
                });
                continue;
            }
        };
        let one = run_input(rw, cfg, &pool, &workers, &name, opened, &mut out, report)?;
        summary.total += &one.summary.stats;
        let stop = one.aborted.is_some() || one.broken_pipe;
        summary.aborted = one.aborted;
        summary.broken_pipe = one.broken_pipe;
        summary.inputs.push(one.summary);
        if stop {
            break;
        }
    }
    if !summary.broken_pipe {
        match &mut out {
            Output::Stream(w) => w.flush().map_err(|e| Error::io("output", &e))?,
            Output::Dated(d) => d.flush().map_err(|e| dated_error(&e))?,
        }
    }
    summary.elapsed_secs = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// A write error of a dated output (its message names the file).
fn dated_error(e: &io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("cannot write dated output {e}"))
}

struct OneInput {
    summary: InputSummary,
    aborted: Option<Diagnostic>,
    broken_pipe: bool,
}

#[allow(clippy::too_many_arguments)]
fn run_input(
    rw: &Rewriter,
    cfg: &RunConfig,
    pool: &rayon::ThreadPool,
    workers: &WorkerPool,
    name: &str,
    opened: Opened,
    out: &mut Output<'_>,
    report: &mut dyn FnMut(&Diagnostic),
) -> Result<OneInput, Error> {
    let threads = cfg.threads.max(1);
    let (block_tx, block_rx) = channel::bounded::<Produced<'_>>(threads);
    let mut summary = InputSummary {
        input: name.to_string(),
        format: cfg.format.unwrap_or(Format::Access),
        stats: Stats::default(),
        error: None,
    };
    let mut aborted = None;
    let mut broken_pipe = false;
    let mut write_err = None;
    // Detection (and, for CSV, the header's schema and dialect) comes first:
    // it decides where blocks may be cut.
    let (mapped, mut stream) = match opened {
        Opened::Mapped(m) => (Some(m), None),
        Opened::Stream(r, fd) => (None, Some(StreamBlocks::new(r, fd, cfg.block_size))),
    };
    let sample: &[u8] = match (&mapped, &mut stream) {
        (Some(m), _) => &m[..m.len().min(format::SAMPLE_LEN)],
        (None, Some(s)) => match s.peek() {
            Ok(b) => b,
            Err(e) => {
                summary.error = Some(format!("{name}: read error: {e}"));
                return Ok(OneInput {
                    summary,
                    aborted,
                    broken_pipe,
                });
            }
        },
        (None, None) => unreachable!("an input is mapped or streamed"),
    };
    let (fmt, schema) = format::detect_with_schema(sample, cfg.format);
    summary.format = fmt;
    if fmt.moodle_kind().is_some() && schema.is_none() {
        summary.error = Some(format!(
            "{name}: not a {} export: its first line is not a header anonlog can map to columns",
            fmt.name()
        ));
        return Ok(OneInput {
            summary,
            aborted,
            broken_pipe,
        });
    }
    let framing = schema
        .as_ref()
        .map_or(Framing::Lines, |s| Framing::Csv(s.dialect));
    if let Some(s) = &mut stream {
        s.set_framing(framing);
    }
    let schema = schema.as_ref();
    let dated = match out {
        Output::Stream(_) => None,
        Output::Dated(d) => {
            d.start_input();
            Some(d.pattern().granularity())
        }
    };

    std::thread::scope(|ts| {
        match (&mapped, stream) {
            (Some(m), _) => {
                let data: &[u8] = m;
                let size = cfg.block_size;
                let tx = block_tx;
                ts.spawn(move || {
                    for b in input::mapped_blocks(data, size, framing) {
                        if tx.send(Ok(b)).is_err() {
                            break;
                        }
                    }
                });
            }
            (None, Some(mut s)) => {
                let tx = block_tx;
                ts.spawn(move || loop {
                    match s.next_block() {
                        Ok(Some(b)) => {
                            if tx.send(Ok(b)).is_err() {
                                break;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            break;
                        }
                    }
                });
            }
            (None, None) => unreachable!("an input is mapped or streamed"),
        }

        let (done_tx, done_rx) = channel::unbounded::<Done>();
        let max_in_flight = 2 * threads + 2;
        let mut in_flight = 0usize;
        let mut next_seq = 0u64;
        let mut next_write = 0u64;
        let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
        let mut line_base = 0u64;
        let mut last_ts: Option<i64> = None;
        let mut input_done = false;
        let mut stop = false;

        pool.in_place_scope(|rs| {
            loop {
                // Take a new block when there is room and nothing says stop.
                let can_take = !input_done && !stop && in_flight < max_in_flight;
                if !can_take && in_flight == 0 {
                    break;
                }
                let never = channel::never();
                let brx = if can_take { &block_rx } else { &never };
                channel::select! {
                    recv(brx) -> msg => match msg {
                        Ok(Ok(block)) => {
                            // With a keyring, lines without a timestamp take
                            // the epoch of the last line before them that has
                            // one, across blocks; the first lines of an input
                            // take that of its first timestamped line.
                            let carry_in = if rw.uses_epochs() && schema.is_none() {
                                let carry = last_ts.or_else(|| first_timestamp(&block.data));
                                last_ts = last_timestamp(&block.data).or(carry);
                                carry
                            } else {
                                None
                            };
                            let seq = next_seq;
                            next_seq += 1;
                            in_flight += 1;
                            let tx = done_tx.clone();
                            let first = seq == 0;
                            rs.spawn(move |_| {
                                let mut w = workers.take();
                                w.set_carry(carry_in);
                                let buf = workers.take_buf();
                                let mut d = process_block(
                                    rw, &mut w, fmt, schema, &block.data, first, dated, buf,
                                );
                                workers.give(w);
                                d.seq = seq;
                                d.flush = block.flush;
                                let _ = tx.send(d);
                            });
                        }
                        Ok(Err(e)) => {
                            summary.error = Some(format!("{name}: read error: {e}"));
                            input_done = true;
                        }
                        Err(_) => input_done = true,
                    },
                    recv(done_rx) -> d => {
                        let d = d.expect("the sender lives in this scope");
                        in_flight -= 1;
                        pending.insert(d.seq, d);
                        while let Some(d) = pending.remove(&next_write) {
                            next_write += 1;
                            if stop {
                                continue;
                            }
                            for (idx, e, action) in &d.diags {
                                let diag = Diagnostic {
                                    input: name.to_string(),
                                    line: line_base + idx + 1,
                                    error: *e,
                                    action,
                                    csv: schema.is_some(),
                                };
                                if d.failed && action == &"run stopped" {
                                    aborted = Some(diag.clone());
                                }
                                report(&diag);
                            }
                            line_base += d.lines;
                            let res = match out {
                                Output::Stream(o) => o.write_all(&d.out).and_then(|()| {
                                    if d.flush { o.flush() } else { Ok(()) }
                                }),
                                Output::Dated(o) => o.write_block(&DatedBlock {
                                    data: &d.out,
                                    prelude: d.prelude,
                                    segments: &d.segments,
                                    first_time: d.first_ts,
                                    last_time: d.last_ts,
                                    pause: d.flush,
                                }),
                            };
                            let mut st = d.stats;
                            if res.is_err() {
                                // Nothing of this block is known to have arrived.
                                st.lines_written = 0;
                                st.bytes_out = 0;
                            }
                            summary.stats += &st;
                            if let Err(e) = res {
                                if e.kind() == io::ErrorKind::BrokenPipe {
                                    broken_pipe = true;
                                } else {
                                    write_err = Some(e);
                                }
                                stop = true;
                            }
                            if d.failed {
                                stop = true;
                            }
                            workers.give_buf(d.out);
                        }
                    },
                }
            }
        });
        // Unblock the producer if it is waiting to send.
        drop(block_rx);
    });
    if let (Output::Dated(o), None) = (&mut *out, &write_err) {
        if let Err(e) = o.end_input() {
            write_err = Some(e);
        }
    }
    if let Some(e) = write_err {
        return Err(match out {
            Output::Stream(_) => Error::io("output", &e),
            Output::Dated(_) => dated_error(&e),
        });
    }
    Ok(OneInput {
        summary,
        aborted,
        broken_pipe,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::DatedPath;
    use crate::pseudonym::{Key, Pseudonymizer};
    use crate::rewrite::Options;

    fn rewriter() -> Rewriter {
        Rewriter::new(
            Options::default(),
            Pseudonymizer::new(&Key::from_bytes([5; 32])),
        )
    }

    /// Every file of `dir`, sorted by name, with its bytes.
    fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read(e.path()).unwrap())
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn dated_files_do_not_depend_on_threads_block_size_or_streaming() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.log");
        let mut text = b"\xEF\xBB\xBFbefore any time, jane@example.com\n".to_vec();
        for (i, (day, hour, zone)) in [
            (24, 22, "+0000"),
            (25, 0, "+0100"),
            (25, 0, "+0000"),
            (25, 23, "-0200"),
            (26, 12, "+0000"),
        ]
        .iter()
        .enumerate()
        {
            for k in 0..3 {
                text.extend_from_slice(
                    format!(
                        "192.0.2.{i} - {k}{i}58 [{day}/Nov/2026:{hour:02}:0{k}:00 {zone}] \"GET /x?id={k} HTTP/1.1\" 200 {k}\n"
                    )
                    .as_bytes(),
                );
            }
            text.extend_from_slice(b"\tat org.example.Trace(Trace.java:42)\n\n");
        }
        std::fs::write(&input, &text).unwrap();
        let rw = rewriter();
        let mut plain = Vec::new();
        let cfg = RunConfig {
            inputs: vec![Input::Path(input.clone())],
            ..RunConfig::default()
        };
        run(&rw, &cfg, &mut plain, &mut |_| {}).unwrap();

        let mut first = None;
        for (n, (threads, block_size, mmap)) in [
            (1, 1 << 20, true),
            (1, 1, true),
            (3, 7, true),
            (3, 13, false),
            (2, 1, false),
        ]
        .into_iter()
        .enumerate()
        {
            let out = dir.path().join(format!("run{n}"));
            let pattern = DatedPath::parse(out.join("%Y-%m-%d.log").as_os_str())
                .unwrap()
                .unwrap();
            let mut d = DatedOutput::new(pattern, 0);
            let cfg = RunConfig {
                inputs: vec![Input::Path(input.clone())],
                threads,
                block_size,
                mmap,
                ..RunConfig::default()
            };
            let s = run_to(&rw, &cfg, Output::Dated(&mut d), &mut |_| {}).unwrap();
            assert_eq!(s.total.lines_written, s.total.lines_read);
            let got = files(&out);
            let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(
                names,
                ["2026-11-24.log", "2026-11-25.log", "2026-11-26.log"]
            );
            // Each file starts with the BOM; without them, the files in
            // date order are the plain output (the input is in time order).
            let mut joined = b"\xEF\xBB\xBF".to_vec();
            for (_, bytes) in &got {
                joined.extend_from_slice(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap());
            }
            assert_eq!(
                String::from_utf8_lossy(&joined),
                String::from_utf8_lossy(&plain)
            );
            match &first {
                None => first = Some(got),
                Some(f) => assert_eq!(
                    &got, f,
                    "threads {threads}, block {block_size}, mmap {mmap}"
                ),
            }
        }
        // The first day: the line before any time, the 22:00 lines and their
        // trace; 00:00 +0100 is still the 24th in UTC.
        let day1 = String::from_utf8(first.unwrap()[0].1.clone()).unwrap();
        assert!(day1.starts_with("\u{feff}before any time, e_"), "{day1}");
        assert_eq!(day1.matches("24/Nov/2026:22:").count(), 3);
        assert_eq!(day1.matches("25/Nov/2026:00:0").count(), 3);
        assert_eq!(day1.matches("Trace.java").count(), 2);
    }
}
