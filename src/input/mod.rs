//! Input: opening files or standard input, detecting their format, and
//! cutting them into blocks of whole lines or whole CSV records, and blocks
//! into their units.
//!
//! [`open`] gives a [`Detected`] input: its format (forced or detected from
//! its first bytes), a Moodle export's schema, where blocks may be cut
//! ([`Framing`]), and its [`Source`]. A regular file is memory-mapped when
//! possible and cut into blocks without copying; anything else (standard
//! input, pipes, FIFOs, a file whose mapping fails or with `--no-mmap`) is
//! read in bounded blocks. [`units`] walks the records of a block, the one
//! way every reader of anonlog (rewriting, statistics, retention) does it.
//! Its `unsafe` code is the mapping and one `poll` call. Compressed files
//! (gzip, xz, zstd) are recognised by their first bytes and read through a
//! decoder; other binary input is refused ([`compressed`]).
//!
//! Streaming reads return a block as soon as no more input is ready (checked
//! with `poll` on Unix), so a line that Apache pipes in reaches the output at
//! once instead of waiting for a buffer to fill.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use memmap2::Mmap;

pub mod compressed;
pub mod drain;

use compressed::{Compression, Sniffed};

use crate::error::Error;
use crate::format::csv::Dialect;
use crate::format::moodle::Schema;
use crate::format::{self, Format, BOM};

/// Where blocks may be cut: after any line feed, or only after the line feed
/// that ends a CSV record (a quoted field may hold line feeds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Framing {
    /// Lines.
    #[default]
    Lines,
    /// CSV records in this dialect.
    Csv(Dialect),
}

/// The longest CSV record: a quoted field still open after this many bytes
/// (an unbalanced quote) does not swallow the rest of the input; the record
/// ends at its first line feed instead, and the row is parsed (and reported)
/// as malformed. The same rule holds for mapped and streamed input.
pub const MAX_CSV_RECORD: usize = 8 << 20;

/// The end of the first CSV record of `data` under [`MAX_CSV_RECORD`].
fn csv_record_end(d: &Dialect, data: &[u8]) -> Option<usize> {
    let bounded = &data[..data.len().min(MAX_CSV_RECORD + 1)];
    match d.record_end(bounded) {
        Some(n) => Some(n),
        None if data.len() > MAX_CSV_RECORD => memchr::memchr(b'\n', data).map(|p| p + 1),
        None => None,
    }
}

/// The complete CSV records at the start of `data` (see [`csv_record_end`]).
fn csv_complete(d: &Dialect, data: &[u8]) -> usize {
    let mut pos = 0;
    while let Some(n) = csv_record_end(d, &data[pos..]) {
        pos += n;
    }
    pos
}

impl Framing {
    /// The length of the first unit of `data` including its line feed, or
    /// `None` when `data` does not hold a complete one.
    pub fn unit_end(&self, data: &[u8]) -> Option<usize> {
        match self {
            Framing::Lines => memchr::memchr(b'\n', data).map(|p| p + 1),
            Framing::Csv(d) => csv_record_end(d, data),
        }
    }

    /// The length of the longest prefix of `data` made of complete units.
    pub fn complete(&self, data: &[u8]) -> usize {
        match self {
            Framing::Lines => memchr::memrchr(b'\n', data).map_or(0, |p| p + 1),
            Framing::Csv(d) => csv_complete(d, data),
        }
    }

    /// The end of the first unit that ends at or after `target` (at least
    /// `pos + 1`), or `data.len()`.
    fn cut(&self, data: &[u8], pos: usize, target: usize) -> usize {
        match self {
            Framing::Lines => {
                memchr::memchr(b'\n', &data[target - 1..]).map_or(data.len(), |p| target + p)
            }
            Framing::Csv(d) => {
                let mut end = pos;
                while end < target {
                    match csv_record_end(d, &data[end..]) {
                        Some(n) => end += n,
                        None => return data.len(),
                    }
                }
                end
            }
        }
    }
}

/// Where lines come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input (`-` or no file on the command line).
    Stdin,
    /// A file.
    Path(PathBuf),
}

impl Input {
    /// The name used in messages: the path, or `<stdin>`.
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::Path(p) => p.display().to_string(),
        }
    }
}

/// A block of whole lines (the last block of an input may end without a
/// newline).
#[derive(Debug)]
pub struct Block<'a> {
    /// The bytes.
    pub data: Cow<'a, [u8]>,
    /// No more input was ready after this block: write and flush the output
    /// once it is processed.
    pub flush: bool,
}

/// Where an input's bytes come from.
pub enum Source {
    /// A memory-mapped regular file.
    Mapped(Mmap),
    /// A byte stream read in blocks.
    Stream(StreamBlocks),
}

/// How to open inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Memory-map regular files (default true).
    pub mmap: bool,
    /// Target block size in bytes (default 1 MiB).
    pub block_size: usize,
    /// A forced format, or `None` to detect it.
    pub format: Option<Format>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            mmap: true,
            block_size: 1 << 20,
            format: None,
        }
    }
}

/// An opened input whose format is known.
pub struct Detected {
    /// The input's name in messages.
    pub name: String,
    /// Its format, forced or detected.
    pub format: Format,
    /// For a Moodle export, its columns and dialect.
    pub schema: Option<Schema>,
    /// Where its blocks may be cut.
    pub framing: Framing,
    /// Its bytes.
    pub source: Source,
}

/// All of an input's bytes (see [`Source::into_bytes`]).
pub enum Bytes {
    /// The memory map.
    Mapped(Mmap),
    /// Read from a stream.
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Read(v) => v,
        }
    }
}

impl Source {
    /// Is the input read from a pipe, FIFO, socket or terminal (see
    /// [`StreamBlocks::piped`])? Lines then come a few at a time, and are
    /// best rewritten on the reading thread.
    pub fn piped(&self) -> bool {
        matches!(self, Source::Stream(s) if s.piped())
    }

    /// A piped input drains on a termination signal from now on (see
    /// [`StreamBlocks::drain_on_signal`]); others are unchanged.
    pub fn drain_on_signal(&mut self) {
        if let Source::Stream(s) = self {
            s.drain_on_signal();
        }
    }

    /// All of the input: the map itself, or the stream read to its end.
    pub fn into_bytes(self) -> io::Result<Bytes> {
        match self {
            Source::Mapped(m) => {
                crate::progress::add(m.len());
                Ok(Bytes::Mapped(m))
            }
            Source::Stream(mut s) => {
                let mut all = std::mem::take(&mut s.carry);
                s.reader.read_to_end(&mut all)?;
                crate::progress::add(all.len());
                Ok(Bytes::Read(all))
            }
        }
    }

    /// The blocks of the input, in order, of about `size` bytes each (see
    /// [`OpenOptions::block_size`]), cut by `framing`.
    pub fn blocks(&mut self, size: usize, framing: Framing) -> Blocks<'_> {
        match self {
            Source::Mapped(m) => Blocks::Mapped(mapped_blocks(m, size, framing)),
            Source::Stream(s) => {
                s.set_framing(framing);
                Blocks::Stream(s, false)
            }
        }
    }
}

/// The blocks of a [`Detected`] input: borrowed from its map, or read from
/// its stream. After a read error, which is the last item, there are none.
pub enum Blocks<'a> {
    /// Of a memory map.
    Mapped(MappedBlocks<'a>),
    /// Of a stream; `true` once it failed.
    Stream(&'a mut StreamBlocks, bool),
}

impl<'a> Iterator for Blocks<'a> {
    type Item = io::Result<Block<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = match self {
            Blocks::Mapped(m) => m.next().map(Ok),
            Blocks::Stream(_, true) => None,
            Blocks::Stream(s, failed) => match s.next_block() {
                Ok(b) => b.map(Ok),
                Err(e) => {
                    *failed = true;
                    Some(Err(e))
                }
            },
        };
        if let Some(Ok(b)) = &item {
            crate::progress::add(b.data.len());
        }
        item
    }
}

/// Opens `input` and decides its format: `opts.format`, or detected from
/// its first bytes (for a stream, from what it holds once a meaningful line
/// has arrived, so that a pipe is detected like the same bytes in a file).
/// With `opts.mmap`, regular non-empty files are mapped; when mapping fails
/// the file is streamed instead. Errors are of kind `Input` and name the
/// input.
pub fn open(input: &Input, opts: &OpenOptions) -> Result<Detected, Error> {
    let name = input.display();
    let source = match input {
        Input::Stdin => Source::Stream(StreamBlocks::new(
            Box::new(io::stdin()),
            Some(0),
            opts.block_size,
        )),
        Input::Path(p) => open_path(p, opts).map_err(|e| Error::input(&name, &e))?,
    };
    let mut source = source;
    match compressed::sniff(sample(&mut source, &name)?) {
        Sniffed::Text => {}
        Sniffed::Binary(what) => return Err(Error::input(&name, &compressed::refusal(what))),
        Sniffed::Compressed(c) => {
            source = decompressed(source, c, opts.block_size)
                .map_err(|e| Error::input(&name, &format!("{} data: {e}", c.name())))?;
            let inner = match compressed::sniff(sample(&mut source, &name)?) {
                Sniffed::Text => None,
                Sniffed::Compressed(_) => Some("compressed twice"),
                Sniffed::Binary(what) => Some(what),
            };
            if let Some(what) = inner {
                let what = format!("{}-compressed {what}", c.name());
                return Err(Error::input(&name, &compressed::refusal(&what)));
            }
        }
    }
    let sample = sample(&mut source, &name)?;
    let (format, schema) = format::detect_with_schema(sample, opts.format);
    if format.moodle_kind().is_some() && schema.is_none() {
        return Err(Error::input(
            &name,
            &format!(
                "not a {} export: its first line is not a header anonlog can map to columns",
                format.name()
            ),
        ));
    }
    let framing = schema
        .as_ref()
        .map_or(Framing::Lines, |s| Framing::Csv(s.dialect));
    Ok(Detected {
        name,
        format,
        schema,
        framing,
        source,
    })
}

/// `input` as one stream of text, for readers that do not cut blocks
/// (`check` without `--raw`): a compressed file decoded, a binary one
/// refused with an error that names it (see [`compressed`]).
pub fn reader(input: &Input) -> Result<Box<dyn Read + Send>, Error> {
    let name = input.display();
    let mut raw: Box<dyn Read + Send> = match input {
        Input::Stdin => Box::new(io::stdin()),
        Input::Path(p) => {
            let f = File::open(p).map_err(|e| Error::input(&name, &e))?;
            if f.metadata().is_ok_and(|m| m.is_dir()) {
                return Err(Error::input(&name, &"is a directory"));
            }
            Box::new(f)
        }
    };
    let mut head = vec![0u8; format::SAMPLE_LEN];
    let mut n = 0;
    // Enough bytes for the magic numbers; a file gives its whole first
    // block at once.
    while n < 16 {
        match raw.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::input(&name, &format!("read error: {e}"))),
        }
    }
    head.truncate(n);
    let sniffed = compressed::sniff(&head);
    let whole: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(raw));
    match sniffed {
        Sniffed::Text => Ok(whole),
        Sniffed::Binary(what) => Err(Error::input(&name, &compressed::refusal(what))),
        Sniffed::Compressed(c) => compressed::decoder(c, whole)
            .map_err(|e| Error::input(&name, &format!("{} data: {e}", c.name()))),
    }
}

/// The first bytes of `source` for detection: the start of its map, or what
/// [`StreamBlocks::peek`] read (again the same bytes when called twice).
fn sample<'s>(source: &'s mut Source, name: &str) -> Result<&'s [u8], Error> {
    match source {
        Source::Mapped(m) => Ok(&m[..m.len().min(format::SAMPLE_LEN)]),
        Source::Stream(s) => s
            .peek()
            .map_err(|e| Error::input(name, &format!("read error: {e}"))),
    }
}

/// A memory map read as a stream (for a compressed file that was mapped).
struct MapReader {
    map: Mmap,
    pos: usize,
}

impl Read for MapReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (&self.map[self.pos..]).read(buf)?;
        self.pos += n;
        Ok(n)
    }
}

/// `source` (compressed with `c`, nothing of it consumed but what a peek
/// holds) as a stream of its decoded bytes.
fn decompressed(source: Source, c: Compression, block_size: usize) -> io::Result<Source> {
    let raw: Box<dyn Read + Send> = match source {
        Source::Mapped(map) => Box::new(MapReader { map, pos: 0 }),
        Source::Stream(s) => Box::new(io::Cursor::new(s.carry).chain(s.reader)),
    };
    Ok(Source::Stream(StreamBlocks::new(
        compressed::decoder(c, raw)?,
        None,
        block_size,
    )))
}

fn open_path(p: &Path, opts: &OpenOptions) -> io::Result<Source> {
    let f = File::open(p)?;
    let meta = f.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a directory",
        ));
    }
    if opts.mmap && meta.is_file() && meta.len() > 0 {
        // SAFETY: the map is read-only and lives only as long as this run. If
        // another process truncates the file meanwhile, reads past the new end
        // raise SIGBUS; log files are appended to or rotated by rename, not
        // truncated in place, and `--no-mmap` avoids the risk entirely.
        if let Ok(m) = unsafe { Mmap::map(&f) } {
            #[cfg(unix)]
            let _ = m.advise(memmap2::Advice::Sequential);
            return Ok(Source::Mapped(m));
        }
    }
    #[cfg(unix)]
    let fd = {
        use std::os::unix::io::AsRawFd;
        Some(f.as_raw_fd())
    };
    #[cfg(not(unix))]
    let fd = None;
    Ok(Source::Stream(StreamBlocks::new(
        Box::new(f),
        fd,
        opts.block_size,
    )))
}

/// Is standard input a pipe, FIFO, socket or terminal — what a reader of
/// it treats as piped (see [`StreamBlocks::piped`])?
pub fn stdin_piped() -> bool {
    not_a_file(0)
}

/// Is `fd` open on anything but a regular file?
fn not_a_file(fd: i32) -> bool {
    #[cfg(unix)]
    {
        // SAFETY: fstat fills a plain struct for a descriptor we were given.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::fstat(fd, &mut st) };
        r == 0 && (st.st_mode & libc::S_IFMT) != libc::S_IFREG
    }
    #[cfg(not(unix))]
    {
        let _ = fd;
        false
    }
}

/// The blocks of a memory map (see [`mapped_blocks`]).
pub struct MappedBlocks<'a> {
    data: &'a [u8],
    size: usize,
    framing: Framing,
    pos: usize,
}

impl<'a> Iterator for MappedBlocks<'a> {
    type Item = Block<'a>;

    fn next(&mut self) -> Option<Block<'a>> {
        let (data, pos) = (self.data, self.pos);
        if pos >= data.len() {
            return None;
        }
        let target = (pos + self.size.max(1)).min(data.len());
        let end = if target == data.len() {
            target
        } else {
            self.framing.cut(data, pos, target)
        };
        self.pos = end;
        Some(Block {
            data: Cow::Borrowed(&data[pos..end]),
            flush: end == data.len(),
        })
    }
}

/// Cuts a mapped file into blocks of about `size` bytes of whole units.
pub fn mapped_blocks(data: &[u8], size: usize, framing: Framing) -> MappedBlocks<'_> {
    MappedBlocks {
        data,
        size,
        framing,
        pos: 0,
    }
}

/// Reads a stream in blocks of whole units (lines or records).
pub struct StreamBlocks {
    reader: Box<dyn Read + Send>,
    fd: Option<i32>,
    size: usize,
    carry: Vec<u8>,
    eof: bool,
    /// The last read left nothing more ready.
    paused: bool,
    framing: Framing,
    /// `carry[..complete]` is made of complete units (as far as scanned).
    complete: usize,
    /// `carry[..scanned]` was scanned for line ends (line framing): only
    /// new bytes are scanned after a read, so a long line costs linear time.
    scanned: usize,
    /// The descriptor is a pipe, FIFO, socket or terminal, not a file.
    piped: bool,
    /// The self-pipe of [`drain`] to poll beside the input, once armed.
    wake: Option<i32>,
    /// When this reader saw a drain request.
    draining: Option<std::time::Instant>,
    /// A piped stream's read buffer, kept from read to read: a pipe gives a
    /// line or a few per read, and preparing a fresh block-sized buffer for
    /// each would cost more than the line.
    scratch: Vec<u8>,
}

impl StreamBlocks {
    /// A block reader that aims for blocks of `size` bytes.
    pub fn new(reader: Box<dyn Read + Send>, fd: Option<i32>, size: usize) -> StreamBlocks {
        #[cfg(target_os = "linux")]
        if let Some(fd) = fd {
            // A larger pipe buffer (1 MiB, the default limit for unprivileged
            // processes) means fewer, larger reads when a fast writer feeds
            // us. Fails harmlessly on anything that is not a pipe.
            // SAFETY: fcntl on a descriptor we were given; no memory involved.
            unsafe {
                libc::fcntl(fd, libc::F_SETPIPE_SZ, 1 << 20);
            }
        }
        StreamBlocks {
            reader,
            piped: fd.is_some_and(not_a_file),
            wake: None,
            draining: None,
            scratch: Vec::new(),
            fd,
            size: size.max(1),
            carry: Vec::new(),
            eof: false,
            paused: false,
            framing: Framing::Lines,
            complete: 0,
            scanned: 0,
        }
    }

    /// Is this stream read from a pipe, FIFO, socket or terminal (standard
    /// input that is not redirected from a file)? A decoded compressed file
    /// is not.
    pub fn piped(&self) -> bool {
        self.piped
    }

    /// From now on, wait for input so that a termination signal (see
    /// [`drain`]) makes this reader read what is in the pipe and then end.
    /// Only a piped stream drains; call [`drain::disarm`] when done.
    pub fn drain_on_signal(&mut self) {
        if self.piped {
            self.wake = drain::arm();
        }
    }

    /// Waits until the input is readable. Returns false when a drain was
    /// asked for and nothing came for [`drain::IDLE`], or [`drain::TOTAL`]
    /// has passed: the input is then over.
    fn wait_readable(&mut self) -> io::Result<bool> {
        let (Some(fd), Some(wake)) = (self.fd, self.wake) else {
            return Ok(true);
        };
        loop {
            let timeout = match self.draining {
                None if drain::requested().is_some() => {
                    self.draining = Some(std::time::Instant::now());
                    continue;
                }
                None => -1,
                Some(t0) => {
                    let left = drain::TOTAL.saturating_sub(t0.elapsed());
                    if left.is_zero() {
                        return Ok(false);
                    }
                    left.min(drain::IDLE).as_millis() as libc::c_int
                }
            };
            let mut p = [
                libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: wake,
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            // While draining, the self-pipe stays readable: watch the input
            // only.
            let n = if self.draining.is_some() { 1 } else { 2 };
            // SAFETY: `n` valid pollfds.
            let r = unsafe { libc::poll(p.as_mut_ptr(), n, timeout) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if p[0].revents != 0 {
                return Ok(true);
            }
            if r == 0 && self.draining.is_some() {
                return Ok(false);
            }
        }
    }

    /// Brings `complete` up to date with the bytes read since the last
    /// scan: line framing looks at the new bytes only; CSV framing resumes
    /// at the last record end.
    fn update_complete(&mut self) {
        match self.framing {
            Framing::Lines => {
                if let Some(p) = memchr::memrchr(b'\n', &self.carry[self.scanned..]) {
                    self.complete = self.scanned + p + 1;
                }
                self.scanned = self.carry.len();
            }
            Framing::Csv(d) => {
                self.complete += csv_complete(&d, &self.carry[self.complete..]);
            }
        }
    }

    /// Reads until the input holds a complete line that is neither blank
    /// nor a `#` comment (or ends), and returns what was read, for format
    /// detection; the next block starts with it. Detection thus sees the same
    /// bytes whether the input is mapped or streamed.
    pub fn peek(&mut self) -> io::Result<&[u8]> {
        let lines =
            |c: &[u8], from: usize| memchr::memrchr(b'\n', &c[from..]).map(|p| from + p + 1);
        let (mut complete, mut scanned) = (lines(&self.carry, 0).unwrap_or(0), self.carry.len());
        while !self.eof && !format::has_meaningful_line(&self.carry[..complete]) {
            self.read_more()?;
            if let Some(end) = lines(&self.carry, scanned) {
                complete = end;
            }
            scanned = self.carry.len();
        }
        Ok(&self.carry)
    }

    /// Sets where blocks are cut from now on (after [`StreamBlocks::peek`]
    /// and detection).
    pub fn set_framing(&mut self, framing: Framing) {
        self.framing = framing;
        self.complete = 0;
        self.scanned = 0;
    }

    /// Appends one read to the buffer; notes the end of the input and
    /// whether more is ready.
    fn read_more(&mut self) -> io::Result<()> {
        if !self.wait_readable()? {
            // Drained after a termination signal: the input ends here.
            self.eof = true;
            self.paused = false;
            return Ok(());
        }
        let old = self.carry.len();
        let n = if self.piped {
            if self.scratch.is_empty() {
                self.scratch = vec![0; 64 * 1024];
            }
            let n = loop {
                match self.reader.read(&mut self.scratch) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            self.carry.extend_from_slice(&self.scratch[..n]);
            n
        } else {
            let want = (self.size.saturating_sub(old)).max(64 * 1024);
            self.carry.resize(old + want, 0);
            let n = loop {
                match self.reader.read(&mut self.carry[old..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.carry.truncate(old);
                        return Err(e);
                    }
                }
            };
            self.carry.truncate(old + n);
            n
        };
        self.paused = false;
        if n == 0 {
            self.eof = true;
        } else if !self.more_ready() {
            self.paused = true;
        }
        Ok(())
    }

    /// Is more input ready to be read without blocking?
    fn more_ready(&self) -> bool {
        #[cfg(unix)]
        if let Some(fd) = self.fd {
            let mut p = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd, zero timeout.
            let r = unsafe { libc::poll(&mut p, 1, 0) };
            return r > 0;
        }
        true
    }

    /// The next block, or `None` at the end of the input. A block ends
    /// after a complete unit, unless it is the end of the input.
    pub fn next_block(&mut self) -> io::Result<Option<Block<'static>>> {
        loop {
            self.update_complete();
            let ready = self.complete > 0 && (self.carry.len() >= self.size || self.paused);
            if ready || self.eof {
                break;
            }
            self.read_more()?;
        }
        if self.carry.is_empty() {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut self.carry);
        if !self.eof {
            let end = self.complete;
            self.carry = buf[end..].to_vec();
            buf.truncate(end);
        }
        // What is carried over holds no complete unit: nothing before its
        // end needs scanning again for a line end.
        self.complete = 0;
        self.scanned = match self.framing {
            Framing::Lines => self.carry.len(),
            Framing::Csv(_) => 0,
        };
        let flush = self.eof || self.paused || !self.more_ready();
        Ok(Some(Block {
            data: Cow::Owned(buf),
            flush,
        }))
    }
}

/// One record of a block, as [`units`] finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit<'a> {
    /// A byte-order mark in front of the first record of an input (empty
    /// everywhere else).
    pub bom: &'a [u8],
    /// The record without its terminator.
    pub body: &'a [u8],
    /// Its terminator as written: `\n`, `\r\n`, or nothing (or a lone `\r`)
    /// at the end of the input.
    pub end: &'a [u8],
    /// The record with its terminator, without the byte-order mark.
    pub raw: &'a [u8],
    /// It is the first record of its input.
    pub first: bool,
}

/// The units of a block (see [`units`]).
#[derive(Debug, Clone)]
pub struct Units<'a> {
    data: &'a [u8],
    pos: usize,
    framing: Framing,
    first: bool,
}

impl<'a> Iterator for Units<'a> {
    type Item = Unit<'a>;

    #[inline]
    fn next(&mut self) -> Option<Unit<'a>> {
        let (data, pos) = (self.data, self.pos);
        if pos >= data.len() {
            return None;
        }
        let (end, next) = match self.framing.unit_end(&data[pos..]) {
            Some(n) => (pos + n - 1, pos + n),
            None => (data.len(), data.len()),
        };
        self.pos = next;
        let mut start = pos;
        let first = std::mem::take(&mut self.first);
        if first && data[pos..end].starts_with(BOM) {
            start += BOM.len();
        }
        let body_end = if end > start && data[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        Some(Unit {
            bom: &data[pos..start],
            body: &data[start..body_end],
            end: &data[body_end..next],
            raw: &data[start..next],
            first,
        })
    }
}

/// The records of `block` cut by `framing`: lines, or CSV records (whose
/// quoted fields may hold line feeds). `first_block`: the block starts its
/// input, so its first record may carry a byte-order mark and may be a
/// header.
pub fn units(block: &[u8], framing: Framing, first_block: bool) -> Units<'_> {
    Units {
        data: block,
        pos: 0,
        framing,
        first: first_block,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect_mapped(data: &[u8], size: usize) -> Vec<Vec<u8>> {
        mapped_blocks(data, size, Framing::Lines)
            .map(|b| b.data.into_owned())
            .collect()
    }

    #[test]
    fn mapped_blocks_end_at_newlines_and_cover_everything() {
        let data = b"aa\nbbbb\nc\n\ndd";
        for size in 1..20 {
            let blocks = collect_mapped(data, size);
            assert_eq!(blocks.concat(), data, "size {size}");
            for b in &blocks[..blocks.len() - 1] {
                assert_eq!(b.last(), Some(&b'\n'), "size {size}");
            }
        }
    }

    /// A reader that returns at most `step` bytes per call.
    struct Trickle(Vec<u8>, usize, usize);
    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len() - self.2);
            buf[..n].copy_from_slice(&self.0[self.2..self.2 + n]);
            self.2 += n;
            Ok(n)
        }
    }

    #[test]
    fn stream_blocks_end_at_newlines_and_cover_everything() {
        let data = b"# c\n\nline one\nline two\nthree\nno newline".to_vec();
        for step in 1..8 {
            for size in 1..12 {
                let mut s = StreamBlocks::new(Box::new(Trickle(data.clone(), step, 0)), None, size);
                assert!(format::has_meaningful_line(s.peek().unwrap()));
                let mut got = Vec::new();
                let mut first = true;
                while let Some(b) = s.next_block().unwrap() {
                    if first {
                        assert!(format::has_meaningful_line(&b.data));
                        first = false;
                    }
                    let last = b.data.last().copied();
                    got.extend_from_slice(&b.data);
                    if got.len() < data.len() {
                        assert_eq!(last, Some(b'\n'));
                    }
                }
                assert_eq!(got, data, "step {step} size {size}");
            }
        }
    }

    #[test]
    fn csv_blocks_end_at_record_ends_only() {
        let d = Dialect::default();
        let data = b"id,other\n1,\"a\nb\"\n2,\"\"\"x\n\n\"\"\"\n3,c\n4,\"d\ne\"";
        let framing = Framing::Csv(d);
        let ends = |blocks: &[Vec<u8>]| {
            let mut all = Vec::new();
            for b in &blocks[..blocks.len() - 1] {
                all.extend_from_slice(b);
                assert_eq!(d.complete_prefix(&all), all.len(), "cut inside a record");
            }
        };
        for size in 1..40 {
            let blocks: Vec<Vec<u8>> = mapped_blocks(data, size, framing)
                .map(|b| b.data.into_owned())
                .collect();
            assert_eq!(blocks.concat(), data, "size {size}");
            ends(&blocks);
            for step in [1, 3, 7] {
                let mut s =
                    StreamBlocks::new(Box::new(Trickle(data.to_vec(), step, 0)), None, size);
                s.peek().unwrap();
                s.set_framing(framing);
                let mut blocks = Vec::new();
                while let Some(b) = s.next_block().unwrap() {
                    blocks.push(b.data.into_owned());
                }
                assert_eq!(blocks.concat(), data, "size {size} step {step}");
                ends(&blocks);
            }
        }
    }
}
