//! Dated outputs: a pattern such as `dir/access.%Y-%m-%d.log` ([`DatedPath`])
//! and the writer that appends every line to the file its own time (in UTC)
//! names ([`DatedOutput`]), opened for appending like Apache's `rotatelogs`
//! does, so a restarted pipe continues the day's file.
//!
//! Only whole records reach a file: a record is buffered until it is
//! complete, and each write holds whole records only; a write that fails
//! (a full disk) is cut back to the record before it. A file found ending
//! inside a line (a run killed with SIGKILL, a power cut) gets a line end
//! before anything is appended, and is reported ([`DatedOutput::repaired`]),
//! so two lines are never glued together.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::atomic::open_append;
use crate::error::{Error, ErrorKind};
use crate::time::{civil, civil_from_days, days_from_civil, iso_week1_monday, iso_weekday, Civil};

/// A field of a dated output pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// `%Y`: the year, 4 digits.
    Year,
    /// `%m`: the month, 01–12.
    Month,
    /// `%d`: the day of the month, 01–31.
    Day,
    /// `%H`: the hour, 00–23.
    Hour,
    /// `%M`: the minute, 00–59.
    Minute,
    /// `%j`: the day of the year, 001–366.
    YearDay,
    /// `%G`: the ISO 8601 week-based year, 4 digits.
    IsoYear,
    /// `%V`: the ISO 8601 week, 01–53.
    IsoWeek,
    /// `%u`: the ISO 8601 weekday, 1 (Monday) – 7 (Sunday).
    IsoWeekday,
}

impl Field {
    fn from_char(c: char) -> Option<Field> {
        Some(match c {
            'Y' => Field::Year,
            'm' => Field::Month,
            'd' => Field::Day,
            'H' => Field::Hour,
            'M' => Field::Minute,
            'j' => Field::YearDay,
            'G' => Field::IsoYear,
            'V' => Field::IsoWeek,
            'u' => Field::IsoWeekday,
            _ => return None,
        })
    }

    /// The number of digits the field is written with.
    fn width(self) -> usize {
        match self {
            Field::Year | Field::IsoYear => 4,
            Field::YearDay => 3,
            Field::IsoWeekday => 1,
            Field::Month | Field::Day | Field::Hour | Field::Minute | Field::IsoWeek => 2,
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }

    fn value(self, c: &Civil) -> i64 {
        match self {
            Field::Year => c.year,
            Field::Month => i64::from(c.month),
            Field::Day => i64::from(c.day),
            Field::Hour => i64::from(c.hour),
            Field::Minute => i64::from(c.minute),
            Field::YearDay => i64::from(c.yday),
            Field::IsoYear => c.iso_year,
            Field::IsoWeek => i64::from(c.iso_week),
            Field::IsoWeekday => i64::from(c.iso_wday),
        }
    }
}

/// The fields a dated pattern understands, as shown in messages.
pub const DATED_FIELDS: &str = "%Y %m %d %H %M %j %G %V %u %%";

/// The span of time one file of a pattern covers, when its files cover
/// contiguous spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Minute,
    Hour,
    Day,
    IsoWeek,
    Month,
    Year,
    IsoYear,
}

impl Unit {
    /// The span `[start, end)` (Unix seconds) of the unit that holds `t`.
    fn span(self, t: i64) -> (i64, i64) {
        let days = t.div_euclid(86_400);
        let whole = |len: i64| {
            let s = t - t.rem_euclid(len);
            (s, s + len)
        };
        let d = |a: i64, b: i64| (a * 86_400, b * 86_400);
        match self {
            Unit::Minute => whole(60),
            Unit::Hour => whole(3600),
            Unit::Day => whole(86_400),
            Unit::IsoWeek => {
                let monday = days - i64::from(iso_weekday(days) - 1);
                d(monday, monday + 7)
            }
            Unit::Month => {
                let (y, m, _) = civil_from_days(days);
                let next = if m == 12 {
                    days_from_civil(y + 1, 1, 1)
                } else {
                    days_from_civil(y, m + 1, 1)
                };
                d(days_from_civil(y, m, 1), next)
            }
            Unit::Year => {
                let (y, _, _) = civil_from_days(days);
                d(days_from_civil(y, 1, 1), days_from_civil(y + 1, 1, 1))
            }
            Unit::IsoYear => {
                let g = civil(t).iso_year;
                d(iso_week1_monday(g), iso_week1_monday(g + 1))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(Field),
}

/// A dated output pattern: a path with `strftime`-like fields, expanded
/// with the UTC date and time of each line.
///
/// Fields: `%Y` year (4 digits), `%m` month (01–12), `%d` day (01–31), `%H`
/// hour (00–23), `%M` minute (00–59), `%j` day of the year (001–366), `%G`
/// ISO 8601 week-based year, `%V` ISO week (01–53), `%u` ISO weekday (1 =
/// Monday … 7 = Sunday), and `%%` for a `%` sign. Any other `%x` is refused.
/// Fields may appear in directory names too (`%Y/%m/access.%d.log`).
///
/// Besides naming files ([`DatedPath::expand`]), a pattern reads names back:
/// [`DatedPath::matches`] tells whether a path is one of its files and the
/// time span that file covers, and [`DatedPath::base_dir`] is the directory
/// to look in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedPath {
    pattern: String,
    pieces: Vec<Piece>,
    /// The fields used, as [`Field::bit`]s.
    fields: u16,
    /// What one file covers; `None` when files do not cover one contiguous
    /// span each (`%m-%d` without a year, `%u` alone, `%Y-%V`...).
    unit: Option<Unit>,
}

impl std::fmt::Display for DatedPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.pattern)
    }
}

impl DatedPath {
    /// Reads an `-o` argument: `Ok(None)` when it has no `%` (an ordinary
    /// file), the pattern when it has fields, and a usage error naming the
    /// problem for an unknown field (`%Q`), a `%` at the end, a pattern
    /// without a date field (only `%%`), a pattern that ends in `/`, or one
    /// that is not UTF-8.
    pub fn parse(arg: &OsStr) -> Result<Option<DatedPath>, Error> {
        if !arg.as_encoded_bytes().contains(&b'%') {
            return Ok(None);
        }
        let usage = |m: String| Error::new(ErrorKind::Usage, m);
        let Some(pattern) = arg.to_str() else {
            return Err(usage(format!(
                "output pattern {} is not valid UTF-8",
                arg.to_string_lossy()
            )));
        };
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut fields = 0u16;
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                text.push(c);
                continue;
            }
            match chars.next() {
                Some('%') => text.push('%'),
                Some(f) => match Field::from_char(f) {
                    Some(field) => {
                        if !text.is_empty() {
                            pieces.push(Piece::Text(std::mem::take(&mut text)));
                        }
                        pieces.push(Piece::Field(field));
                        fields |= field.bit();
                    }
                    None => {
                        return Err(usage(format!(
                            "output pattern '{pattern}': unknown field '%{f}' \
                             (known: {DATED_FIELDS})"
                        )))
                    }
                },
                None => {
                    return Err(usage(format!(
                        "output pattern '{pattern}': '%' at the end (write '%%' for a '%' sign)"
                    )))
                }
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        if fields == 0 {
            return Err(usage(format!(
                "output pattern '{pattern}': no date field ({DATED_FIELDS})"
            )));
        }
        if pattern.ends_with('/') {
            return Err(usage(format!(
                "output pattern '{pattern}' names a directory, not a file"
            )));
        }
        Ok(Some(DatedPath {
            pattern: pattern.to_string(),
            unit: unit_of(fields),
            pieces,
            fields,
        }))
    }

    /// One file that every line is appended to, as to the files of a
    /// pattern (a missing file and its directories created, a file ending
    /// inside a line given a line end first): for output that a run must
    /// add to rather than replace. `None` for a path that is not UTF-8.
    pub fn fixed(path: &Path) -> Option<DatedPath> {
        let pattern = path.to_str()?.to_string();
        Some(DatedPath {
            pieces: vec![Piece::Text(pattern.clone())],
            pattern,
            fields: 0,
            unit: None,
        })
    }

    /// The pattern as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The file for time `t` (Unix seconds; fields in UTC).
    pub fn expand(&self, t: i64) -> PathBuf {
        PathBuf::from(self.expand_string(t))
    }

    fn expand_string(&self, t: i64) -> String {
        let c = civil(t);
        let mut s = String::with_capacity(self.pattern.len() + 8);
        for p in &self.pieces {
            match p {
                Piece::Text(t) => s.push_str(t),
                Piece::Field(f) => {
                    let _ = write!(s, "{:0w$}", f.value(&c), w = f.width());
                }
            }
        }
        s
    }

    /// A length of time in seconds (60, 3600 or 86 400) such that all
    /// times in one aligned slot of it (UTC) have the same file.
    pub fn granularity(&self) -> i64 {
        if self.fields & Field::Minute.bit() != 0 {
            60
        } else if self.fields & Field::Hour.bit() != 0 {
            3600
        } else {
            86_400
        }
    }

    /// The span `[start, end)` of time (Unix seconds) that the file holding
    /// time `t` covers, or `None` when the pattern's files do not each
    /// cover one contiguous span (a pattern without a year such as
    /// `%m-%d` or `%u`, or a mix such as `%Y-W%V` whose fields change at
    /// different times). Spans are minutes, hours, days (`%Y-%m-%d`,
    /// `%Y-%j`, `%G-%V-%u`), ISO weeks Monday 00:00 UTC to Monday (`%G-W%V`),
    /// months (`%Y-%m`), years (`%Y`) or ISO years (`%G`).
    pub fn period(&self, t: i64) -> Option<(i64, i64)> {
        self.unit.map(|u| u.span(t))
    }

    /// The directory part of the pattern before its first field (empty
    /// when the pattern starts with a field in its first component, as in
    /// `access.%Y.log`: then its files are in the current directory, and
    /// `base_dir().join(name)` is just `name`).
    pub fn base_dir(&self) -> &Path {
        let before = match self.pieces.first() {
            Some(Piece::Text(t)) => t.as_str(),
            _ => "",
        };
        Path::new(
            before
                .rfind('/')
                .map_or("", |i| if i == 0 { "/" } else { &before[..i] }),
        )
    }

    /// Whether `path` is a file of this pattern — exactly what
    /// [`DatedPath::expand`] gives for some time, compared as text with the
    /// whole pattern (so pass `base_dir().join(name)`, or the bare name
    /// when `base_dir()` is empty) — and if so the span `[start, end)` of
    /// time (Unix seconds, UTC) it covers. `None` for other paths, and for
    /// every path when the pattern's files do not cover contiguous spans
    /// (see [`DatedPath::period`]).
    pub fn matches(&self, path: &Path) -> Option<(i64, i64)> {
        let unit = self.unit?;
        let mut rest = path.to_str()?;
        let mut v = [None::<i64>; 9];
        for p in &self.pieces {
            match p {
                Piece::Text(t) => rest = rest.strip_prefix(t.as_str())?,
                Piece::Field(f) => {
                    let w = f.width();
                    let digits = rest.get(..w)?;
                    if !digits.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    let n: i64 = digits.parse().ok()?;
                    if v[*f as usize].is_some_and(|old| old != n) {
                        return None;
                    }
                    v[*f as usize] = Some(n);
                    rest = &rest[w..];
                }
            }
        }
        if !rest.is_empty() {
            return None;
        }
        let get = |f: Field| v[f as usize];
        let in_range = |f: Field, lo: i64, hi: i64| get(f).is_none_or(|n| (lo..=hi).contains(&n));
        let ok = in_range(Field::Month, 1, 12)
            && in_range(Field::Day, 1, 31)
            && in_range(Field::Hour, 0, 23)
            && in_range(Field::Minute, 0, 59)
            && in_range(Field::YearDay, 1, 366)
            && in_range(Field::IsoWeek, 1, 53)
            && in_range(Field::IsoWeekday, 1, 7);
        if !ok {
            return None;
        }
        let week = |g: i64, w: i64| iso_week1_monday(g) + (w - 1) * 7;
        let day = || -> Option<i64> {
            let (y, m, d) = (get(Field::Year), get(Field::Month), get(Field::Day));
            if let (Some(y), Some(m), Some(d)) = (y, m, d) {
                return Some(days_from_civil(y, m as u32, d as u32));
            }
            if let (Some(y), Some(j)) = (y, get(Field::YearDay)) {
                return Some(days_from_civil(y, 1, 1) + j - 1);
            }
            let (g, w, u) = (
                get(Field::IsoYear),
                get(Field::IsoWeek),
                get(Field::IsoWeekday),
            );
            Some(week(g?, w?) + u? - 1)
        };
        let hm = || get(Field::Hour).unwrap_or(0) * 3600 + get(Field::Minute).unwrap_or(0) * 60;
        let start = match unit {
            Unit::Minute | Unit::Hour | Unit::Day => day()? * 86_400 + hm(),
            Unit::IsoWeek => week(get(Field::IsoYear)?, get(Field::IsoWeek)?) * 86_400,
            Unit::Month => {
                days_from_civil(get(Field::Year)?, get(Field::Month)? as u32, 1) * 86_400
            }
            Unit::Year => days_from_civil(get(Field::Year)?, 1, 1) * 86_400,
            Unit::IsoYear => iso_week1_monday(get(Field::IsoYear)?) * 86_400,
        };
        // The name must be the one the pattern gives that time: this
        // rejects impossible dates (2026-02-30, week 53 of a 52-week year)
        // and fields that contradict each other.
        (path.to_str()? == self.expand_string(start)).then(|| unit.span(start))
    }
}

/// What one file of a pattern with `fields` covers (see [`Unit`]): the
/// coarsest span over which every field used stays constant and that the
/// fields pin down.
fn unit_of(fields: u16) -> Option<Unit> {
    let has = |f: Field| fields & f.bit() != 0;
    let only = |allowed: &[Field]| fields & !allowed.iter().fold(0, |a, f| a | f.bit()) == 0;
    let day = (has(Field::Year) && has(Field::Month) && has(Field::Day))
        || (has(Field::Year) && has(Field::YearDay))
        || (has(Field::IsoYear) && has(Field::IsoWeek) && has(Field::IsoWeekday));
    if has(Field::Minute) {
        (day && has(Field::Hour)).then_some(Unit::Minute)
    } else if has(Field::Hour) {
        day.then_some(Unit::Hour)
    } else if has(Field::Day) || has(Field::YearDay) || has(Field::IsoWeekday) {
        day.then_some(Unit::Day)
    } else if has(Field::IsoWeek) {
        (has(Field::IsoYear) && only(&[Field::IsoYear, Field::IsoWeek])).then_some(Unit::IsoWeek)
    } else if has(Field::Month) {
        (has(Field::Year) && only(&[Field::Year, Field::Month])).then_some(Unit::Month)
    } else if has(Field::Year) {
        only(&[Field::Year]).then_some(Unit::Year)
    } else {
        has(Field::IsoYear).then_some(Unit::IsoYear)
    }
}

/// How many dated files are kept open at once (least recently used ones
/// are closed first).
const OPEN_FILES: usize = 4;

/// How much output before the first timestamp of an input is held in
/// memory waiting for it before it goes to the file of the run's time.
const HOLD_LIMIT: usize = 4 << 20;

/// One block of rewritten output, as the dated writer needs it.
#[derive(Debug, Clone, Copy)]
pub struct DatedBlock<'a> {
    /// The block's output bytes, whole lines.
    pub data: &'a [u8],
    /// The length of the input's prelude at the start of `data` (a UTF-8
    /// BOM and/or a CSV header row; only in an input's first block), which
    /// goes at the top of every new file instead of into one.
    pub prelude: usize,
    /// Runs of lines after the prelude: (time, end offset in `data`). A run
    /// starts where the previous one ended; its lines go to the file of its
    /// time. `None` (only the first run) means lines before the first
    /// timestamp of the block: they go with the line before them.
    pub segments: &'a [(Option<i64>, usize)],
    /// The time of the block's first line that has one (written or not).
    pub first_time: Option<i64>,
    /// The time of the block's last line that has one (written or not).
    pub last_time: Option<i64>,
    /// The input paused after this block: flush everything.
    pub pause: bool,
}

struct OpenFile {
    path: PathBuf,
    file: RecordWriter,
}

/// A buffered appender that writes whole records only.
struct RecordWriter {
    file: File,
    buf: Vec<u8>,
}

impl Drop for RecordWriter {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// How much a [`RecordWriter`] buffers before writing.
const RECORD_BUFFER: usize = 64 << 10;

impl RecordWriter {
    fn new(file: File) -> RecordWriter {
        RecordWriter {
            file,
            buf: Vec::with_capacity(RECORD_BUFFER),
        }
    }

    /// Adds whole records (`bytes` ends at a record's end).
    fn push(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.buf.len() + bytes.len() > RECORD_BUFFER {
            self.flush()?;
        }
        if bytes.len() > RECORD_BUFFER {
            return self.write_whole(bytes);
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// Writes what is buffered.
    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let buf = std::mem::take(&mut self.buf);
        let r = self.write_whole(&buf);
        self.buf = buf;
        self.buf.clear();
        r
    }

    /// Appends `bytes` (whole records); on failure cuts the file back to
    /// its length before, so no part of a record stays.
    fn write_whole(&mut self, bytes: &[u8]) -> io::Result<()> {
        let before = self.file.metadata()?.len();
        self.file.write_all(bytes).inspect_err(|_| {
            let _ = self.file.set_len(before);
        })
    }
}

/// Writes lines to the files a [`DatedPath`] names for their times, in
/// append mode.
///
/// Files are created with mode 0640 (less the umask), their directories
/// with 0750 as needed. A file that is new (or empty) starts with the
/// input's prelude (a UTF-8 BOM, a CSV header row); a file that already has
/// data does not get it again. At most a few files are open at once.
/// Lines without a time go with the line before them; lines before the
/// first time of an input are held until it comes, and go to the file of
/// the run's time (`now`) when the input ends, pauses, or holds more than
/// a few MiB before one comes. Errors name the file.
pub struct DatedOutput {
    path: DatedPath,
    now: i64,
    /// Most recently used first.
    open: Vec<OpenFile>,
    prelude: Vec<u8>,
    /// The time the next untimed line goes by.
    carry: Option<i64>,
    /// Output before the input's first time.
    held: Vec<u8>,
    written: HashSet<PathBuf>,
    started: usize,
    repaired: Vec<PathBuf>,
}

impl std::fmt::Debug for DatedOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatedOutput")
            .field("path", &self.path)
            .field("now", &self.now)
            .field("open", &self.open.len())
            .finish_non_exhaustive()
    }
}

/// An I/O error that names `path`.
fn named(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

impl DatedOutput {
    /// A writer for `path`; lines of an input without any time go to the
    /// file of `now` (Unix seconds).
    pub fn new(path: DatedPath, now: i64) -> DatedOutput {
        DatedOutput {
            path,
            now,
            open: Vec::with_capacity(OPEN_FILES),
            prelude: Vec::new(),
            carry: None,
            held: Vec::new(),
            written: HashSet::new(),
            started: 0,
            repaired: Vec::new(),
        }
    }

    /// The pattern.
    pub fn pattern(&self) -> &DatedPath {
        &self.path
    }

    /// How many distinct files this writer has written to.
    pub fn files_written(&self) -> usize {
        self.written.len()
    }

    /// How many of them it started (they were new or empty: they got the
    /// prelude).
    pub fn files_started(&self) -> usize {
        self.started
    }

    /// The files that ended inside a line when they were opened (an earlier
    /// run was killed): each got a line end before this run appended.
    pub fn repaired(&self) -> &[PathBuf] {
        &self.repaired
    }

    /// Starts a new input: no prelude, no time to carry.
    pub fn start_input(&mut self) {
        self.prelude.clear();
        self.carry = None;
        self.held.clear();
    }

    /// Writes one block (blocks in input order).
    pub fn write_block(&mut self, b: &DatedBlock<'_>) -> io::Result<()> {
        if b.prelude > 0 {
            self.prelude.clear();
            self.prelude.extend_from_slice(&b.data[..b.prelude]);
        }
        // Lines before the input's first time take that time.
        if self.carry.is_none() {
            self.carry = b.first_time;
        }
        if let (Some(t), false) = (self.carry, self.held.is_empty()) {
            let held = std::mem::take(&mut self.held);
            self.write_at(t, &held)?;
        }
        let mut start = b.prelude;
        for &(ts, end) in b.segments {
            let bytes = &b.data[start..end];
            start = end;
            if bytes.is_empty() {
                continue;
            }
            match ts.or(self.carry) {
                Some(t) => self.write_at(t, bytes)?,
                None => self.held.extend_from_slice(bytes),
            }
        }
        if b.last_time.is_some() {
            self.carry = b.last_time;
        }
        if !self.held.is_empty() && (b.pause || self.held.len() >= HOLD_LIMIT) {
            self.release_held()?;
        }
        if b.pause {
            self.flush()?;
        }
        Ok(())
    }

    /// Flushes every open file (at the points where the input pauses, and
    /// at the end of the run).
    pub fn flush(&mut self) -> io::Result<()> {
        for f in &mut self.open {
            f.file.flush().map_err(|e| named(&f.path, e))?;
        }
        Ok(())
    }

    /// Ends an input: lines still held (the input had no time at all) go to
    /// the file of the run's time.
    pub fn end_input(&mut self) -> io::Result<()> {
        self.release_held()?;
        self.start_input();
        Ok(())
    }

    /// Held lines go to the file of the run's time, and so do the untimed
    /// lines after them.
    fn release_held(&mut self) -> io::Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        let held = std::mem::take(&mut self.held);
        self.carry = Some(self.now);
        self.write_at(self.now, &held)
    }

    /// Appends `bytes` to the file of time `t`.
    fn write_at(&mut self, t: i64, bytes: &[u8]) -> io::Result<()> {
        let path = self.path.expand(t);
        let i = match self.open.iter().position(|f| f.path == path) {
            Some(i) => i,
            None => {
                if self.open.len() == OPEN_FILES {
                    let mut old = self.open.pop().expect("full");
                    old.file.flush().map_err(|e| named(&old.path, e))?;
                }
                let (file, state) = open_dated(&path, &self.prelude)?;
                self.started += usize::from(state == Opened::New);
                if state == Opened::Repaired && !self.repaired.contains(&path) {
                    self.repaired.push(path.clone());
                }
                self.written.insert(path.clone());
                self.open.push(OpenFile { path, file });
                self.open.len() - 1
            }
        };
        if i != 0 {
            let f = self.open.remove(i);
            self.open.insert(0, f);
        }
        let f = &mut self.open[0];
        f.file.push(bytes).map_err(|e| named(&f.path, e))
    }
}

/// What [`open_dated`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opened {
    /// A new or empty file (it got the prelude).
    New,
    /// A file ending with a line end.
    Whole,
    /// A file ending inside a line (it got a line end).
    Repaired,
}

/// Opens (creating it and its directories as needed) a dated file for
/// appending; a new or empty file gets `prelude` first, one that ends
/// inside a line gets a line end.
fn open_dated(path: &Path, prelude: &[u8]) -> io::Result<(RecordWriter, Opened)> {
    use std::os::unix::fs::FileExt;
    let file = open_append(path).map_err(|e| named(path, e))?;
    let len = file.metadata().map_err(|e| named(path, e))?.len();
    let reader = std::fs::File::open(path).map_err(|e| named(path, e))?;
    let mut last = [0u8];
    let state = if len == 0 {
        Opened::New
    } else if reader.read_exact_at(&mut last, len - 1).is_ok() && last[0] != b'\n' {
        Opened::Repaired
    } else {
        Opened::Whole
    };
    let mut file = RecordWriter::new(file);
    match state {
        Opened::New => file.push(prelude),
        Opened::Repaired => file.push(b"\n"),
        Opened::Whole => Ok(()),
    }
    .map_err(|e| named(path, e))?;
    Ok((file, state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// Unix seconds of a UTC date and time.
    fn at(y: i64, m: u32, d: u32, hh: i64, mm: i64) -> i64 {
        days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60
    }

    fn pat(s: &str) -> DatedPath {
        DatedPath::parse(OsStr::new(s)).unwrap().unwrap()
    }

    #[test]
    fn iso_weeks_at_year_boundaries() {
        let p = pat("%G-W%V-%u");
        for (y, m, d, want) in [
            (2020, 12, 31, "2020-W53-4"),
            (2021, 1, 3, "2020-W53-7"),
            (2021, 1, 4, "2021-W01-1"),
            (2024, 12, 30, "2025-W01-1"),
            (2026, 11, 25, "2026-W48-3"),
            (2027, 1, 1, "2026-W53-5"),
            (2008, 12, 29, "2009-W01-1"),
            (2010, 1, 3, "2009-W53-7"),
        ] {
            assert_eq!(
                p.expand(at(y, m, d, 12, 0)),
                PathBuf::from(want),
                "{y}-{m}-{d}"
            );
        }
    }

    #[test]
    fn every_field_expands() {
        let t = at(2026, 11, 25, 14, 5) + 9;
        let p = pat("d/%Y %m %d %H %M %j %G %V %u %%.log");
        assert_eq!(
            p.expand(t),
            PathBuf::from("d/2026 11 25 14 05 329 2026 48 3 %.log")
        );
        assert_eq!(
            pat("%Y%m%d").expand(at(1999, 1, 2, 0, 0)),
            PathBuf::from("19990102")
        );
        assert_eq!(
            pat("%j").expand(at(2024, 12, 31, 23, 59)),
            PathBuf::from("366")
        );
        // Times before 1970 and at the very end of a day.
        assert_eq!(
            pat("%Y-%m-%d %H:%M").expand(-1),
            PathBuf::from("1969-12-31 23:59")
        );
    }

    #[test]
    fn parse_accepts_plain_paths_and_refuses_unknown_fields() {
        assert_eq!(
            DatedPath::parse(OsStr::new("out/access.log")).unwrap(),
            None
        );
        let err = |s: &str| DatedPath::parse(OsStr::new(s)).unwrap_err();
        let e = err("out/%Q.log");
        assert_eq!(e.kind(), ErrorKind::Usage);
        assert!(e.to_string().contains("'%Q'"), "{e}");
        assert!(err("out/%Y-%").to_string().contains("at the end"));
        assert!(err("out/100%%.log").to_string().contains("no date field"));
        assert!(err("out/%Y/").to_string().contains("directory"));
        assert!(err("%y.log").to_string().contains("'%y'"));
        assert_eq!(pat("a%%b%Y").expand(0), PathBuf::from("a%b1970"));
    }

    #[test]
    fn a_fixed_path_is_one_file_for_every_time() {
        let p = DatedPath::fixed(Path::new("/var/log/anonlog/access.log")).unwrap();
        assert_eq!(p.expand(0), PathBuf::from("/var/log/anonlog/access.log"));
        assert_eq!(p.expand(2_000_000_000), p.expand(0));
        assert_eq!(p.period(0), None);
        assert_eq!(p.base_dir(), Path::new("/var/log/anonlog"));
    }

    #[test]
    fn granularity_follows_the_finest_field() {
        assert_eq!(pat("%Y-%m-%d").granularity(), 86_400);
        assert_eq!(pat("%G-W%V").granularity(), 86_400);
        assert_eq!(pat("%Y-%m-%dT%H").granularity(), 3600);
        assert_eq!(pat("%H%M").granularity(), 60);
    }

    #[test]
    fn periods() {
        let t = at(2026, 11, 25, 14, 5);
        let day = |y, m, d| at(y, m, d, 0, 0);
        let cases: &[(&str, Option<(i64, i64)>)] = &[
            ("%Y-%m-%d", Some((day(2026, 11, 25), day(2026, 11, 26)))),
            ("%Y-%j", Some((day(2026, 11, 25), day(2026, 11, 26)))),
            ("%G-%V-%u", Some((day(2026, 11, 25), day(2026, 11, 26)))),
            (
                "%Y-%m-%d-%H",
                Some((at(2026, 11, 25, 14, 0), at(2026, 11, 25, 15, 0))),
            ),
            (
                "%Y-%m-%d-%H%M",
                Some((at(2026, 11, 25, 14, 5), at(2026, 11, 25, 14, 6))),
            ),
            ("%G-W%V", Some((day(2026, 11, 23), day(2026, 11, 30)))),
            ("%Y-%m", Some((day(2026, 11, 1), day(2026, 12, 1)))),
            ("%Y", Some((day(2026, 1, 1), day(2027, 1, 1)))),
            ("%G", Some((day(2025, 12, 29), day(2027, 1, 4)))),
            // Redundant fields are fine as long as they are constant.
            (
                "%Y/%G-W%V/%Y-%m-%d",
                Some((day(2026, 11, 25), day(2026, 11, 26))),
            ),
            // Files that are not one contiguous span each.
            ("%m-%d", None),
            ("%u", None),
            ("%Y-W%V", None),
            ("%G-%m", None),
            ("%Y-%H", None),
            ("%Y-%m-%d-%M", None),
        ];
        for (p, want) in cases {
            assert_eq!(pat(p).period(t), *want, "{p}");
        }
    }

    #[test]
    fn matches_reads_names_back() {
        let patterns = [
            "/var/log/anonlog/access.%Y-%m-%d.log",
            "logs/%Y/%m/access.%d.log",
            "a.%G-W%V.log",
            "a.%Y-%j.log",
            "a.%G-%V-%u.log",
            "a.%Y-%m-%dT%H:%M.log",
            "a.%Y-%m.log",
            "a.%Y.log",
            "a.%G.log",
            "a.%Y-%m-%d.%G-W%V.log",
        ];
        let mut t = at(2019, 12, 20, 0, 0) + 17;
        while t < at(2021, 1, 20, 0, 0) {
            for p in patterns {
                let p = pat(p);
                let name = p.expand(t);
                let span = p.matches(&name);
                assert_eq!(span, p.period(t), "{} at {t}", name.display());
                let (s, e) = span.unwrap();
                assert!(s <= t && t < e);
            }
            t += 3 * 3600 + 7 * 60 + 11;
        }
        let p = pat("logs/access.%Y-%m-%d.log");
        assert_eq!(p.base_dir(), Path::new("logs"));
        assert_eq!(
            p.matches(Path::new("logs/access.2026-11-25.log")),
            Some((at(2026, 11, 25, 0, 0), at(2026, 11, 26, 0, 0)))
        );
        for other in [
            "logs/access.2026-02-30.log",
            "logs/access.2026-13-01.log",
            "logs/access.2026-11-25.log.gz",
            "logs/access.2026-11-5.log",
            "logs/access.2026-11-+5.log",
            "logs/access.log",
            "other/access.2026-11-25.log",
            "access.2026-11-25.log",
        ] {
            assert_eq!(p.matches(Path::new(other)), None, "{other}");
        }
        // Contradicting fields, a week 53 that does not exist.
        let p = pat("%Y-%m-%d.%G-W%V");
        assert_eq!(p.matches(Path::new("2026-11-25.2026-W47")), None);
        assert_eq!(pat("%G-W%V").matches(Path::new("2025-W53")), None);
        assert!(pat("%G-W%V").matches(Path::new("2026-W53")).is_some());
        // Not contiguous: nothing matches.
        assert_eq!(pat("%m-%d").matches(Path::new("11-25")), None);
        assert_eq!(pat("access.%Y.log").base_dir(), Path::new(""));
        assert_eq!(pat("/%Y.log").base_dir(), Path::new("/"));
        assert_eq!(pat("/srv/%Y/x%m/a.log").base_dir(), Path::new("/srv"));
    }

    /// Feeds `blocks` of lines (time or `None`, text) as the pipeline would,
    /// one block per slice, with segments cut per line.
    fn feed(out: &mut DatedOutput, prelude: &[u8], blocks: &[&[(Option<i64>, &str)]]) {
        out.start_input();
        for (i, lines) in blocks.iter().enumerate() {
            let mut data = Vec::new();
            if i == 0 {
                data.extend_from_slice(prelude);
            }
            let mut segs = Vec::new();
            let mut cur = None;
            let (mut first, mut last) = (None, None);
            for (t, text) in lines.iter() {
                if t.is_some() {
                    cur = *t;
                    first = first.or(*t);
                    last = *t;
                }
                data.extend_from_slice(text.as_bytes());
                data.push(b'\n');
                segs.push((cur, data.len()));
            }
            let b = DatedBlock {
                data: &data,
                prelude: if i == 0 { prelude.len() } else { 0 },
                segments: &segs,
                first_time: first,
                last_time: last,
                pause: false,
            };
            out.write_block(&b).unwrap();
        }
        out.end_input().unwrap();
        out.flush().unwrap();
    }

    fn read(dir: &Path, name: &str) -> String {
        String::from_utf8(fs::read(dir.join(name)).unwrap()).unwrap()
    }

    #[test]
    fn dated_output_routes_lines_holds_untimed_ones_and_appends() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/dir/%Y-%m-%d.csv");
        let p = DatedPath::parse(p.as_os_str()).unwrap().unwrap();
        let now = at(2030, 1, 1, 12, 0);
        let d1 = Some(at(2026, 11, 24, 23, 0));
        let d2 = Some(at(2026, 11, 25, 1, 0));
        let mut out = DatedOutput::new(p.clone(), now);
        feed(
            &mut out,
            b"\xEF\xBB\xBFh1,h2\n",
            &[
                &[(None, "early")],
                &[(None, "early2"), (d1, "a"), (None, "a-cont")],
                &[(None, "a-cont2"), (d2, "b"), (d1, "c")],
            ],
        );
        let base = dir.path().join("sub/dir");
        assert_eq!(
            read(&base, "2026-11-24.csv"),
            "\u{feff}h1,h2\nearly\nearly2\na\na-cont\na-cont2\nc\n"
        );
        assert_eq!(read(&base, "2026-11-25.csv"), "\u{feff}h1,h2\nb\n");
        assert_eq!((out.files_written(), out.files_started()), (2, 2));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            // Less the umask, which may only take bits away.
            assert_eq!(mode(&base.join("2026-11-25.csv")) & !0o640, 0);
            assert_eq!(mode(&base) & !0o750, 0);
        }
        // A second run appends, without a second header; a new day gets one.
        let d3 = Some(at(2026, 11, 26, 0, 0));
        let mut out = DatedOutput::new(p.clone(), now);
        feed(&mut out, b"\xEF\xBB\xBFh1,h2\n", &[&[(d2, "x"), (d3, "y")]]);
        assert_eq!(read(&base, "2026-11-25.csv"), "\u{feff}h1,h2\nb\nx\n");
        assert_eq!(read(&base, "2026-11-26.csv"), "\u{feff}h1,h2\ny\n");
        assert_eq!((out.files_written(), out.files_started()), (2, 1));
        // An input without any time goes to the file of the run's time.
        let mut out = DatedOutput::new(p, now);
        feed(&mut out, b"", &[&[(None, "u1")], &[(None, "u2")]]);
        assert_eq!(read(&base, "2030-01-01.csv"), "u1\nu2\n");
    }

    #[test]
    fn dated_output_keeps_few_files_open_and_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = DatedPath::parse(dir.path().join("%Y-%m-%d").as_os_str())
            .unwrap()
            .unwrap();
        let mut out = DatedOutput::new(p, 0);
        let days: Vec<i64> = (0..40)
            .map(|i| at(2026, 1, 1 + (i * 7 % 10) as u32, 3, 0))
            .collect();
        let lines: Vec<(Option<i64>, String)> = days
            .iter()
            .enumerate()
            .map(|(i, &t)| (Some(t), format!("line {i}")))
            .collect();
        let lines: Vec<(Option<i64>, &str)> = lines.iter().map(|(t, s)| (*t, s.as_str())).collect();
        let blocks: Vec<&[(Option<i64>, &str)]> = lines.chunks(3).collect();
        feed(&mut out, b"", &blocks);
        assert!(out.open.len() <= OPEN_FILES);
        for d in 1..=10u32 {
            let want: String = (0..40)
                .filter(|i| 1 + (i * 7 % 10) as u32 == d)
                .map(|i| format!("line {i}\n"))
                .collect();
            assert_eq!(
                read(dir.path(), &format!("2026-01-{d:02}")),
                want,
                "day {d}"
            );
        }
        assert_eq!(out.files_written(), 10);
    }

    #[test]
    fn dated_output_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("plain"), b"").unwrap();
        let p = DatedPath::parse(dir.path().join("plain/%Y.log").as_os_str())
            .unwrap()
            .unwrap();
        let mut out = DatedOutput::new(p, 0);
        let b = DatedBlock {
            data: b"x\n",
            prelude: 0,
            segments: &[(Some(0), 2)],
            first_time: Some(0),
            last_time: Some(0),
            pause: true,
        };
        let e = out.write_block(&b).unwrap_err();
        assert!(e.to_string().contains("plain/1970.log"), "{e}");
    }
}
