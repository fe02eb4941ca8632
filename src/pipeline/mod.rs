//! The flow of a run: open → produce → work → reorder → write, in parallel
//! and in order.
//!
//! Per input: [`input::open`] detects its format; a producer thread cuts it
//! into blocks of whole lines (borrowed from the memory map, or read from a
//! stream) and gives each the time its untimed first lines inherit; each
//! block is rewritten as a task on a rayon pool ([`block::process`]), by a
//! worker that owns a pseudonym cache; the calling thread puts the results
//! back in input order ([`order::Reorder`]) and writes them. At most
//! `2 × threads + 2` blocks are in flight, so memory stays bounded whatever
//! the input size. Output bytes do not depend on the number of threads or on
//! how the input was cut: every line is rewritten on its own, and what it
//! inherits from the lines before it (the epoch of an untimed line) is
//! computed by the producer from the same record times the rewriter uses.
//!
//! An input read from a pipe, FIFO or terminal (Apache's `CustomLog "|…"`,
//! `tail -F | anonlog`) is rewritten on the reading thread instead, one
//! read batch at a time, each flushed before the next read (`run_serial`):
//! lines come a few at a time there, and waking a worker per line costs more
//! than the line. When such an input comes full blocks at a time (`cat
//! big.log | anonlog`), the rest of it goes to the worker threads. Its
//! output is the same, byte for byte.
//!
//! This module is the only one that knows about threads and output order.

pub mod block;
pub mod counts;
pub mod order;

use std::io::{self, Write};
use std::sync::Mutex;
use std::time::Instant;

use crossbeam_channel as channel;

use crate::error::{Error, ErrorKind};
use crate::format::{self, Format, TimeScratch};
use crate::input::{self, Block, Detected, Input, OpenOptions};
use crate::output::{DatedBlock, DatedOutput};
use crate::rewrite::{Carry, Reason, Rewriter, Worker};
use block::{Action, Done, Job, Shape};
use counts::Counts;
use order::Reorder;

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

impl RunConfig {
    /// How each input is opened.
    pub fn open_options(&self) -> OpenOptions {
        OpenOptions {
            mmap: self.mmap,
            block_size: self.block_size,
            format: self.format,
        }
    }
}

/// A line that was not rewritten field by field, reported to the caller.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// The input it came from.
    pub input: String,
    /// 1-based line number in that input.
    pub line: u64,
    /// Why.
    pub reason: Reason,
    /// What was done with the line.
    pub action: Action,
    /// The input is CSV: `line` counts records (rows, the header being
    /// row 1), and the reason names a column and an offset within the row.
    pub csv: bool,
}

/// The "field" a line without a key is reported with.
const NO_KEY: &str = "epoch key (destroyed or unavailable)";

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let action = match (self.action, self.csv) {
            (Action::Scrubbed, true) => "written as REDACTED",
            (Action::Scrubbed, false) => "scrubbed",
            (Action::Dropped, _) => "dropped",
            (Action::Stopped, _) => "run stopped",
        };
        let (field, offset) = match self.reason {
            Reason::Unparsed(e) => (e.field, e.offset),
            Reason::Field { column, offset } => (column, offset),
            Reason::NoKey => (NO_KEY, 0),
            Reason::RowShape => ("number of fields", 0),
        };
        if !self.csv {
            return write!(
                f,
                "{}:{}: not understood (field '{field}' at byte {offset}); {action}",
                self.input, self.line
            );
        }
        let what = match self.reason {
            Reason::RowShape => "wrong number of fields".to_string(),
            Reason::NoKey => format!("no key: {NO_KEY}"),
            _ => format!("column '{field}' (byte {offset} of the row) not understood"),
        };
        write!(f, "{}: row {}: {what}; {action}", self.input, self.line)
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
    pub counts: Counts,
    /// Set when the input could not be read (the run went on without it).
    pub error: Option<Error>,
}

/// What a whole run gave.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Per input, in order.
    pub inputs: Vec<InputSummary>,
    /// All inputs added up.
    pub total: Counts,
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

/// Worker states are checked out by tasks and returned, so each cache stays
/// warm without thread-local storage. Output buffers go round the same way
/// (worker fills, writer empties), so no block allocates fresh memory.
#[derive(Default)]
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
    // Started for the first input that is not piped, or with more than one
    // thread (a piped input is rewritten on this thread until its blocks
    // come full).
    let mut pool: Option<rayon::ThreadPool> = None;
    let workers = WorkerPool::default();
    let mut summary = RunSummary::default();
    for input in &cfg.inputs {
        let detected = match input::open(input, &cfg.open_options()) {
            Ok(d) => d,
            Err(e) => {
                summary.inputs.push(InputSummary {
                    input: input.display(),
                    format: cfg.format.unwrap_or(Format::Access),
                    counts: Counts::default(),
                    error: Some(e),
                });
                continue;
            }
        };
        let serial = detected.source.piped();
        if (!serial || threads > 1) && pool.is_none() {
            pool = Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("anonlog-worker-{i}"))
                    .build()
                    .map_err(|e| {
                        Error::new(ErrorKind::Io, format!("cannot start worker threads: {e}"))
                    })?,
            );
        }
        let mut writer = Writer::new(&detected, &mut out, report);
        let read_error = match &pool {
            Some(pool) if !serial => run_input(rw, cfg, pool, &workers, detected, &mut writer),
            _ => run_serial(rw, cfg, pool.as_ref(), &workers, detected, &mut writer),
        };
        let one = writer.finish(read_error)?;
        summary.total += &one.summary.counts;
        let stop = one.aborted.is_some() || one.broken_pipe;
        summary.aborted = one.aborted;
        summary.broken_pipe = one.broken_pipe;
        summary.inputs.push(one.summary);
        // A termination signal drained the input: no more inputs.
        if stop || input::drain::requested().is_some() {
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

/// The time of the first and of the last line of `data` that has one, as
/// the rewriter reads it ([`format::record_time`]).
fn block_times(fmt: Format, data: &[u8], scratch: &mut TimeScratch) -> (Carry, Carry) {
    let mut time = |l: &[u8]| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        format::record_time(fmt, None, format::strip_bom(l), scratch)
    };
    let first = data.split(|&b| b == b'\n').find_map(&mut time);
    let last = first.and_then(|_| data.rsplit(|&b| b == b'\n').find_map(&mut time));
    (first, last)
}

/// What the producer sends: a block and the carry it starts with, or a
/// read error.
type Produced<'a> = io::Result<(Block<'a>, Carry)>;

/// Sends the blocks of an input in order, each with the time its untimed
/// first lines inherit, from `carrier` (see [`Carry`]); stops when the
/// receiver is gone.
fn produce<'a>(
    blocks: impl Iterator<Item = io::Result<Block<'a>>>,
    mut carrier: Carrier,
    tx: &channel::Sender<Produced<'a>>,
) {
    for b in blocks {
        let msg = b.map(|b| {
            let carry = carrier.next(&b.data);
            (b, carry)
        });
        if tx.send(msg).is_err() {
            break;
        }
    }
}

/// The time each block's untimed first lines inherit, block after block
/// (see [`produce`]); the same for the parallel and the serial path.
struct Carrier {
    format: Option<Format>,
    last: Carry,
    scratch: TimeScratch,
}

impl Carrier {
    fn new(format: Option<Format>) -> Carrier {
        Carrier {
            format,
            last: None,
            scratch: TimeScratch::default(),
        }
    }

    /// The carry of the next block, `data`.
    fn next(&mut self, data: &[u8]) -> Carry {
        let fmt = self.format?;
        let (first, end) = block_times(fmt, data, &mut self.scratch);
        let carry = self.last.or(first);
        self.last = end.or(carry);
        carry
    }
}

/// Rewrites a piped input on the calling thread, one read batch at a time,
/// each written (and flushed) before the next read. Apache writes one line
/// per `write`: handing each to a worker thread costs far more CPU (thread
/// wake-ups) than rewriting it. When the input comes faster than that
/// (`cat big.log | anonlog`: [`FULL_TO_SWITCH`] blocks in a row read with
/// more input ready behind them) and there is a `pool`, the rest of the
/// input goes to the parallel path. The output is the parallel path's, byte
/// for byte: the same blocks, the same carries, the same [`block::process`].
fn run_serial(
    rw: &Rewriter,
    cfg: &RunConfig,
    pool: Option<&rayon::ThreadPool>,
    workers: &WorkerPool,
    detected: Detected,
    writer: &mut Writer<'_, '_>,
) -> Option<Error> {
    let (name, schema, mut source) = (detected.name, detected.schema, detected.source);
    let shape = Shape {
        format: detected.format,
        schema: schema.as_ref(),
        framing: detected.framing,
    };
    let carries = (rw.uses_epochs() && schema.is_none()).then_some(shape.format);
    let mut carrier = Carrier::new(carries);
    let dated = writer.granularity();
    let mut w = workers.take();
    let mut buf = workers.take_buf();
    let mut read_error = None;
    // SIGTERM now drains the pipe instead of ending the process.
    source.drain_on_signal();
    let mut blocks = source.blocks(cfg.block_size, shape.framing);
    let (mut seq, mut full) = (0u64, 0usize);
    while let Some(b) = blocks.next() {
        let block = match b {
            Ok(b) => b,
            Err(e) => {
                read_error = Some(Error::input(&name, &format!("read error: {e}")));
                break;
            }
        };
        let job = Job {
            seq,
            data: &block.data,
            carry: carrier.next(&block.data),
            flush: block.flush,
        };
        let d = block::process(rw, &mut w, shape, &job, dated, buf);
        buf = writer.write(d);
        seq += 1;
        full = if block.flush { 0 } else { full + 1 };
        if writer.stopped() {
            break;
        }
        if let Some(pool) = pool.filter(|_| full >= FULL_TO_SWITCH) {
            let rest = Rest {
                blocks,
                carrier,
                first_seq: seq,
            };
            read_error = run_parallel(rw, cfg, pool, workers, (&name, shape), rest, writer);
            break;
        }
    }
    input::drain::disarm();
    workers.give(w);
    workers.give_buf(buf);
    read_error
}

/// How many blocks in a row must come with more input ready behind them
/// before a piped input is handed to the worker threads.
const FULL_TO_SWITCH: usize = 2;

/// The rest of an input for [`run_parallel`]: its blocks from number
/// `first_seq` on, and the carry state after the blocks before them.
struct Rest<I> {
    blocks: I,
    carrier: Carrier,
    first_seq: u64,
}

/// Rewrites one opened input into `writer`, in parallel, in order. Returns
/// the read error that ended the input early, if any.
fn run_input(
    rw: &Rewriter,
    cfg: &RunConfig,
    pool: &rayon::ThreadPool,
    workers: &WorkerPool,
    detected: Detected,
    writer: &mut Writer<'_, '_>,
) -> Option<Error> {
    let (name, schema, mut source) = (detected.name, detected.schema, detected.source);
    let shape = Shape {
        format: detected.format,
        schema: schema.as_ref(),
        framing: detected.framing,
    };
    // With a keyring, lines without a timestamp take the epoch of the last
    // line before them that has one, across blocks; the first lines of an
    // input take that of its first timestamped line.
    let carries = (rw.uses_epochs() && schema.is_none()).then_some(shape.format);
    let rest = Rest {
        blocks: source.blocks(cfg.block_size, shape.framing),
        carrier: Carrier::new(carries),
        first_seq: 0,
    };
    run_parallel(rw, cfg, pool, workers, (&name, shape), rest, writer)
}

/// Rewrites `rest` of the input `name` into `writer` on the worker threads,
/// in order; returns the read error that ended it early, if any.
fn run_parallel<'a>(
    rw: &Rewriter,
    cfg: &RunConfig,
    pool: &rayon::ThreadPool,
    workers: &WorkerPool,
    (name, shape): (&str, Shape<'_>),
    rest: Rest<impl Iterator<Item = io::Result<Block<'a>>> + Send>,
    writer: &mut Writer<'_, '_>,
) -> Option<Error> {
    let threads = cfg.threads.max(1);
    let dated = writer.granularity();
    let mut read_error = None;
    let (block_tx, block_rx) = channel::bounded::<Produced<'a>>(threads);
    std::thread::scope(|ts| {
        let (blocks, carrier) = (rest.blocks, rest.carrier);
        ts.spawn(move || produce(blocks, carrier, &block_tx));
        let (done_tx, done_rx) = channel::unbounded::<Done>();
        let max_in_flight = 2 * threads + 2;
        let mut in_flight = 0usize;
        let mut next_seq = rest.first_seq;
        let mut input_done = false;
        let mut order = Reorder::starting_at(rest.first_seq);
        pool.in_place_scope(|rs| loop {
            // Take a new block when there is room and nothing says stop.
            let can_take = !input_done && !writer.stopped() && in_flight < max_in_flight;
            if !can_take && in_flight == 0 {
                break;
            }
            let never = channel::never();
            let brx = if can_take { &block_rx } else { &never };
            channel::select! {
                recv(brx) -> msg => match msg {
                    Ok(Ok((block, carry))) => {
                        let seq = next_seq;
                        next_seq += 1;
                        in_flight += 1;
                        let tx = done_tx.clone();
                        rs.spawn(move |_| {
                            let job = Job { seq, data: &block.data, carry, flush: block.flush };
                            let mut w = workers.take();
                            let d = block::process(rw, &mut w, shape, &job, dated, workers.take_buf());
                            workers.give(w);
                            let _ = tx.send(d);
                        });
                    }
                    Ok(Err(e)) => {
                        read_error = Some(Error::input(name, &format!("read error: {e}")));
                        input_done = true;
                    }
                    Err(_) => input_done = true,
                },
                recv(done_rx) -> d => {
                    let d = d.expect("the sender lives in this scope");
                    in_flight -= 1;
                    order.push(d.seq, d);
                    while let Some(d) = order.pop() {
                        workers.give_buf(writer.write(d));
                    }
                },
            }
        });
        // Unblock the producer if it is waiting to send.
        drop(block_rx);
    });
    read_error
}

/// The write end of one input: reports diagnostics, writes blocks in
/// order, adds up the counts, and notes why the run must stop.
struct Writer<'o, 'a> {
    out: &'o mut Output<'a>,
    report: &'o mut dyn FnMut(&Diagnostic),
    summary: InputSummary,
    csv: bool,
    line_base: u64,
    aborted: Option<Diagnostic>,
    broken_pipe: bool,
    write_err: Option<io::Error>,
    stop: bool,
}

/// What [`Writer::finish`] gives.
struct OneInput {
    summary: InputSummary,
    aborted: Option<Diagnostic>,
    broken_pipe: bool,
}

impl<'o, 'a> Writer<'o, 'a> {
    fn new(
        d: &Detected,
        out: &'o mut Output<'a>,
        report: &'o mut dyn FnMut(&Diagnostic),
    ) -> Writer<'o, 'a> {
        if let Output::Dated(o) = out {
            o.start_input();
        }
        Writer {
            out,
            report,
            summary: InputSummary {
                input: d.name.clone(),
                format: d.format,
                counts: Counts::default(),
                error: None,
            },
            csv: d.schema.is_some(),
            line_base: 0,
            aborted: None,
            broken_pipe: false,
            write_err: None,
            stop: false,
        }
    }

    /// The granularity of a dated output, in seconds.
    fn granularity(&self) -> Option<i64> {
        match &self.out {
            Output::Stream(_) => None,
            Output::Dated(d) => Some(d.pattern().granularity()),
        }
    }

    /// Must the run stop (a failed line, a write error, a broken pipe)?
    fn stopped(&self) -> bool {
        self.stop
    }

    /// Handles the next block in order; gives its buffer back for reuse.
    fn write(&mut self, d: Done) -> Vec<u8> {
        if self.stop {
            return d.out;
        }
        for &(idx, reason, action) in &d.diags {
            let diag = Diagnostic {
                input: self.summary.input.clone(),
                line: self.line_base + idx + 1,
                reason,
                action,
                csv: self.csv,
            };
            if d.failed && action == Action::Stopped {
                self.aborted = Some(diag.clone());
            }
            (self.report)(&diag);
        }
        self.line_base += d.lines;
        let res = match self.out {
            Output::Stream(o) => {
                o.write_all(&d.out)
                    .and_then(|()| if d.flush { o.flush() } else { Ok(()) })
            }
            Output::Dated(o) => o.write_block(&DatedBlock {
                data: &d.out,
                prelude: d.segments.prelude,
                segments: &d.segments.runs,
                first_time: d.segments.first,
                last_time: d.segments.last,
                pause: d.flush,
            }),
        };
        let mut counts = d.counts;
        if let Err(e) = res {
            // Nothing of this block is known to have arrived.
            counts.lines_written = 0;
            counts.bytes_out = 0;
            if e.kind() == io::ErrorKind::BrokenPipe {
                self.broken_pipe = true;
            } else {
                self.write_err = Some(e);
            }
            self.stop = true;
        }
        self.summary.counts += &counts;
        if d.failed {
            self.stop = true;
        }
        d.out
    }

    /// Ends the input: closes a dated output's files of this input, and
    /// turns a write error into the run's error.
    fn finish(mut self, read_error: Option<Error>) -> Result<OneInput, Error> {
        self.summary.error = read_error;
        if let (Output::Dated(o), None) = (&mut *self.out, &self.write_err) {
            if let Err(e) = o.end_input() {
                self.write_err = Some(e);
            }
        }
        if let Some(e) = self.write_err {
            return Err(match self.out {
                Output::Stream(_) => Error::io("output", &e),
                Output::Dated(_) => dated_error(&e),
            });
        }
        Ok(OneInput {
            summary: self.summary,
            aborted: self.aborted,
            broken_pipe: self.broken_pipe,
        })
    }
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
