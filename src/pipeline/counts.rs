//! A run's counters: plain numbers that add up.
//!
//! Each worker fills its own [`Counts`] for the block it processed; the
//! pipeline adds them up in input order. Nothing here is shared or locked.

use std::ops::{Add, AddAssign};

use serde::Serialize;

/// Counters for one block, one input, or a whole run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Lines read (a final line without a newline counts).
    pub lines_read: u64,
    /// Lines written to the output.
    pub lines_written: u64,
    /// Lines parsed and rewritten field by field.
    pub lines_rewritten: u64,
    /// Lines no parser understood, rewritten by the generic scrubber.
    pub lines_scrubbed: u64,
    /// Lines no parser understood, left out (`--on-unparsed drop`).
    pub lines_dropped: u64,
    /// Lines that stopped the run (`--on-unparsed fail`).
    pub lines_failed: u64,
    /// Empty or white-space-only lines, copied as they are.
    pub lines_blank: u64,
    /// Lines whose epoch key was destroyed (also counted as scrubbed,
    /// dropped or failed).
    pub lines_key_destroyed: u64,
    /// Lines (or rows) whose time is outside `--since`/`--until`, left out
    /// as asked.
    pub lines_out_of_window: u64,
    /// CSV header rows, copied as they are.
    pub lines_header: u64,
    /// CSV fields that could not be read and were replaced by `REDACTED`
    /// (their rows are counted as scrubbed).
    pub fields_redacted: u64,
    /// Bytes read.
    pub bytes_in: u64,
    /// Bytes written.
    pub bytes_out: u64,
}

impl AddAssign<&Counts> for Counts {
    fn add_assign(&mut self, o: &Counts) {
        self.lines_read += o.lines_read;
        self.lines_written += o.lines_written;
        self.lines_rewritten += o.lines_rewritten;
        self.lines_scrubbed += o.lines_scrubbed;
        self.lines_dropped += o.lines_dropped;
        self.lines_failed += o.lines_failed;
        self.lines_blank += o.lines_blank;
        self.lines_key_destroyed += o.lines_key_destroyed;
        self.lines_out_of_window += o.lines_out_of_window;
        self.lines_header += o.lines_header;
        self.fields_redacted += o.fields_redacted;
        self.bytes_in += o.bytes_in;
        self.bytes_out += o.bytes_out;
    }
}

impl AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        *self += &o;
    }
}

impl Add for Counts {
    type Output = Counts;
    fn add(mut self, o: Counts) -> Counts {
        self += &o;
        self
    }
}

impl Counts {
    /// Every line read is accounted for exactly once.
    pub fn balanced(&self) -> bool {
        self.lines_read
            == self.lines_rewritten
                + self.lines_scrubbed
                + self.lines_dropped
                + self.lines_failed
                + self.lines_blank
                + self.lines_out_of_window
                + self.lines_header
    }

    /// Did the run lose data: a line left out for being not understood, or
    /// a CSV field replaced by `REDACTED` because it could not be read?
    /// (Lines outside `--since`/`--until` were left out as asked: not a
    /// loss.)
    pub fn lost_data(&self) -> bool {
        self.lines_dropped > 0 || self.lines_failed > 0 || self.fields_redacted > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_field_by_field() {
        let a = Counts {
            lines_read: 3,
            lines_rewritten: 2,
            lines_scrubbed: 1,
            bytes_in: 10,
            ..Counts::default()
        };
        let b = Counts {
            lines_read: 1,
            lines_dropped: 1,
            bytes_in: 5,
            ..Counts::default()
        };
        let s = a + b;
        assert_eq!(s.lines_read, 4);
        assert_eq!(s.bytes_in, 15);
        assert!(s.balanced());
        assert!(s.lost_data());
        assert!(!a.lost_data());
    }
}
