//! The work on one block: every unit rewritten in order into one output
//! buffer, counted, and (for a dated output) grouped into runs of lines that
//! go to one file.

use crate::format::{Format, BOM};
use crate::input::{units, Framing};
use crate::rewrite::{Carry, Outcome, Reason, Rewriter, Worker};

use super::counts::Counts;
use crate::format::moodle::Schema;

/// What was done with a line not rewritten field by field, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Rewritten by the fallback (a CSV field written as `REDACTED`).
    Scrubbed,
    /// Left out of the output.
    Dropped,
    /// The run stopped at it.
    Stopped,
}

/// A block to rewrite.
#[derive(Debug)]
pub struct Job<'a> {
    /// Its number in the input, from 0.
    pub seq: u64,
    /// Whole units.
    pub data: &'a [u8],
    /// The time of the last record before the block that had one (see
    /// [`Carry`]).
    pub carry: Carry,
    /// No more input was ready after it: flush once it is written.
    pub flush: bool,
}

/// How one input is read: its format and, for a Moodle export, its schema.
#[derive(Debug, Clone, Copy)]
pub struct Shape<'a> {
    /// The format.
    pub format: Format,
    /// The schema of a CSV export.
    pub schema: Option<&'a Schema>,
    /// Where units end.
    pub framing: Framing,
}

/// What a block gave.
#[derive(Debug)]
pub struct Done {
    /// The block's number.
    pub seq: u64,
    /// The rewritten units.
    pub out: Vec<u8>,
    /// Dated output only: the runs of lines of one file (see
    /// [`Segments`]).
    pub segments: Segments,
    /// Its counters.
    pub counts: Counts,
    /// (0-based unit index in the block, reason, action), at most
    /// [`DIAGS_PER_BLOCK`] plus a failing one.
    pub diags: Vec<(u64, Reason, Action)>,
    /// Units in the block up to and including a failing one.
    pub lines: u64,
    /// A unit stopped the run (`--on-unparsed fail`).
    pub failed: bool,
    /// Flush the output after this block.
    pub flush: bool,
}

/// Keep at most this many diagnostics per block; the counters have the rest.
pub const DIAGS_PER_BLOCK: usize = 8;

/// For a dated output: the prelude at the start of a block's output (a
/// BOM, a CSV header row), the runs of written lines after it whose times
/// fall into one slot of the pattern's granularity, as (time, end offset),
/// and the first and last times seen. Lines without a time join the run
/// before them.
#[derive(Debug, Default)]
pub struct Segments {
    /// The prelude's length.
    pub prelude: usize,
    /// (time of the run, end offset in the output).
    pub runs: Vec<(Option<i64>, usize)>,
    /// The first time seen.
    pub first: Option<i64>,
    /// The last time seen.
    pub last: Option<i64>,
    /// The current run's time and slot.
    cur: Option<i64>,
    cur_slot: Option<i64>,
}

impl Segments {
    /// Notes one unit whose output starts at `mark` and ends at `len`, with
    /// slots of `g` seconds.
    fn note(
        &mut self,
        g: i64,
        outcome: Outcome,
        time: Option<i64>,
        first: bool,
        mark: usize,
        len: usize,
    ) {
        self.prelude = self.prelude.min(len);
        // A line left out by --since/--until does not lead the untimed
        // lines after it into a file outside the window.
        if let (Some(t), false) = (time, outcome == Outcome::OutOfWindow) {
            self.first = self.first.or(Some(t));
            self.last = Some(t);
            self.cur = Some(t);
            self.cur_slot = Some(t.div_euclid(g));
        }
        if outcome == Outcome::Header && first {
            self.prelude = len;
        } else if len > mark {
            match self.runs.last_mut() {
                Some((t, e)) if t.map(|t| t.div_euclid(g)) == self.cur_slot => *e = len,
                _ => self.runs.push((self.cur, len)),
            }
        }
    }
}

/// Counts one outcome and notes its diagnostic; returns whether the unit
/// was written.
fn tally(
    c: &mut Counts,
    diags: &mut Vec<(u64, Reason, Action)>,
    idx: u64,
    outcome: Outcome,
    format: Format,
) -> bool {
    if outcome.reason() == Some(Reason::NoKey) {
        c.lines_key_destroyed += 1;
    }
    let mut note = |reason, action| {
        if diags.len() < DIAGS_PER_BLOCK || action == Action::Stopped {
            diags.push((idx, reason, action));
        }
    };
    match outcome {
        Outcome::Blank => c.lines_blank += 1,
        Outcome::Rewritten => c.lines_rewritten += 1,
        Outcome::Header => c.lines_header += 1,
        Outcome::OutOfWindow => c.lines_out_of_window += 1,
        Outcome::Scrubbed(r) => {
            c.lines_scrubbed += 1;
            // In a generic input every line is scrubbed by design.
            if format != Format::Generic || r == Reason::NoKey {
                note(r, Action::Scrubbed);
            }
        }
        Outcome::Dropped(r) => {
            c.lines_dropped += 1;
            note(r, Action::Dropped);
        }
        Outcome::Failed(r) => {
            c.lines_failed += 1;
            note(r, Action::Stopped);
        }
    }
    outcome.written()
}

/// Rewrites the units of `job` (whole lines, or whole CSV records when the
/// input has a schema) into `out` (a recycled buffer). With `dated` (the
/// pattern's granularity in seconds) the output's [`Segments`] are noted.
pub fn process(
    rw: &Rewriter,
    w: &mut Worker,
    shape: Shape<'_>,
    job: &Job<'_>,
    dated: Option<i64>,
    mut out: Vec<u8>,
) -> Done {
    let data = job.data;
    out.clear();
    out.reserve(data.len() + data.len() / 8 + 64);
    let mut counts = Counts {
        bytes_in: data.len() as u64,
        ..Counts::default()
    };
    let mut diags = Vec::new();
    let mut segments = Segments::default();
    let mut carry = job.carry;
    let mut failed = false;
    let mut lines = 0u64;
    for (idx, unit) in units(data, shape.framing, job.seq == 0).enumerate() {
        let mark = out.len();
        if !unit.bom.is_empty() {
            out.extend_from_slice(BOM);
            segments.prelude = BOM.len();
        }
        counts.lines_read += 1;
        let produced = match shape.schema {
            None => rw.rewrite_line(w, shape.format, unit.body, &mut carry, &mut out),
            Some(s) => {
                let header = s.header && unit.first;
                rw.rewrite_record(w, s, unit.body, header, &mut carry, &mut out)
            }
        };
        counts.fields_redacted += produced.fields_redacted;
        let outcome = produced.outcome;
        if tally(&mut counts, &mut diags, idx as u64, outcome, shape.format) {
            counts.lines_written += 1;
            out.extend_from_slice(unit.end);
        } else {
            out.truncate(mark);
        }
        if let Some(g) = dated {
            segments.note(g, outcome, produced.time, unit.first, mark, out.len());
        }
        lines += 1;
        if matches!(outcome, Outcome::Failed(_)) {
            failed = true;
            break;
        }
    }
    counts.bytes_out = out.len() as u64;
    Done {
        seq: job.seq,
        out,
        segments,
        counts,
        diags,
        lines,
        failed,
        flush: job.flush,
    }
}
