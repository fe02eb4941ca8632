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

/// Per-block results from a worker.
struct Done {
    seq: u64,
    out: Vec<u8>,
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
/// input has a `schema`).
fn process_block(
    rw: &Rewriter,
    w: &mut Worker,
    format: Format,
    schema: Option<&Schema>,
    data: &[u8],
    first: bool,
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
    while pos < data.len() {
        let unit = match schema {
            None => memchr::memchr(b'\n', &data[pos..]).map(|p| p + 1),
            Some(s) => s.dialect.record_end(&data[pos..]),
        };
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
        if first && pos == 0 && content.starts_with(b"\xEF\xBB\xBF") {
            out.extend_from_slice(b"\xEF\xBB\xBF");
            content = &content[3..];
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
        let one = run_input(rw, cfg, &pool, &workers, &name, opened, out, report)?;
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
        out.flush().map_err(|e| Error::io("output", &e))?;
    }
    summary.elapsed_secs = started.elapsed().as_secs_f64();
    Ok(summary)
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
    out: &mut dyn Write,
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
    let fmt = cfg.format.unwrap_or_else(|| format::detect(sample));
    summary.format = fmt;
    let schema = match fmt.moodle_kind() {
        Some(kind) => match Schema::from_sample(sample, Some(kind)) {
            Some(s) => Some(s),
            None => {
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
        },
        None => None,
    };
    let framing = schema
        .as_ref()
        .map_or(Framing::Lines, |s| Framing::Csv(s.dialect));
    if let Some(s) = &mut stream {
        s.set_framing(framing);
    }
    let schema = schema.as_ref();

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
                                let mut d = process_block(rw, &mut w, fmt, schema, &block.data, first, buf);
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
                            let res = out.write_all(&d.out).and_then(|()| {
                                if d.flush { out.flush() } else { Ok(()) }
                            });
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
    if let Some(e) = write_err {
        return Err(Error::io("output", &e));
    }
    Ok(OneInput {
        summary,
        aborted,
        broken_pipe,
    })
}
