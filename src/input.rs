//! Input: opening files or standard input and cutting them into blocks of
//! whole lines, or of whole CSV records.
//!
//! A regular file is memory-mapped when possible and cut into blocks at line
//! (or record, see [`Framing`]) boundaries without copying; anything else (standard input, pipes, FIFOs, a
//! file whose mapping fails or with `--no-mmap`) is read in bounded blocks.
//! Its `unsafe` code is the mapping and one `poll` call; the only other
//! `unsafe` in anonlog is the SSE2 byte scan in `scrub`.
//!
//! Streaming reads return a block as soon as no more input is ready (checked
//! with `poll` on Unix), so a line that Apache pipes in reaches the output at
//! once instead of waiting for a buffer to fill.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use crate::format::csv::Dialect;

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

impl Framing {
    /// The length of the first unit of `data` including its line feed, or
    /// `None` when `data` does not hold a complete one.
    pub fn unit_end(&self, data: &[u8]) -> Option<usize> {
        match self {
            Framing::Lines => memchr::memchr(b'\n', data).map(|p| p + 1),
            Framing::Csv(d) => d.record_end(data),
        }
    }

    /// The length of the longest prefix of `data` made of complete units.
    pub fn complete(&self, data: &[u8]) -> usize {
        match self {
            Framing::Lines => memchr::memrchr(b'\n', data).map_or(0, |p| p + 1),
            Framing::Csv(d) => d.complete_prefix(data),
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
                    match d.record_end(&data[end..]) {
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

/// An opened input.
pub enum Opened {
    /// A memory-mapped regular file.
    Mapped(Mmap),
    /// A byte stream, with its file descriptor for readiness checks.
    Stream(Box<dyn Read + Send>, Option<i32>),
}

/// Opens `input`. With `mmap`, regular non-empty files are mapped; when
/// mapping fails the file is streamed instead.
pub fn open(input: &Input, mmap: bool) -> io::Result<Opened> {
    match input {
        Input::Stdin => Ok(Opened::Stream(Box::new(io::stdin()), Some(0))),
        Input::Path(p) => open_path(p, mmap),
    }
}

fn open_path(p: &Path, mmap: bool) -> io::Result<Opened> {
    let f = File::open(p)?;
    let meta = f.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a directory",
        ));
    }
    if mmap && meta.is_file() && meta.len() > 0 {
        // SAFETY: the map is read-only and lives only as long as this run. If
        // another process truncates the file meanwhile, reads past the new end
        // raise SIGBUS; log files are appended to or rotated by rename, not
        // truncated in place, and `--no-mmap` avoids the risk entirely.
        if let Ok(m) = unsafe { Mmap::map(&f) } {
            #[cfg(unix)]
            let _ = m.advise(memmap2::Advice::Sequential);
            return Ok(Opened::Mapped(m));
        }
    }
    #[cfg(unix)]
    let fd = {
        use std::os::unix::io::AsRawFd;
        Some(f.as_raw_fd())
    };
    #[cfg(not(unix))]
    let fd = None;
    Ok(Opened::Stream(Box::new(f), fd))
}

/// Cuts a mapped file into blocks of about `size` bytes of whole units.
pub fn mapped_blocks(
    data: &[u8],
    size: usize,
    framing: Framing,
) -> impl Iterator<Item = Block<'_>> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= data.len() {
            return None;
        }
        let target = (pos + size.max(1)).min(data.len());
        let end = if target == data.len() {
            target
        } else {
            framing.cut(data, pos, target)
        };
        let b = Block {
            data: Cow::Borrowed(&data[pos..end]),
            flush: end == data.len(),
        };
        pos = end;
        Some(b)
    })
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
            fd,
            size: size.max(1),
            carry: Vec::new(),
            eof: false,
            paused: false,
            framing: Framing::Lines,
        }
    }

    /// Reads until the input holds a complete line that is neither blank
    /// nor a `#` comment (or ends), and returns what was read, for format
    /// detection; the next block starts with it. Detection thus sees the same
    /// bytes whether the input is mapped or streamed.
    pub fn peek(&mut self) -> io::Result<&[u8]> {
        while !self.eof && !has_meaningful_line(&self.carry[..Framing::Lines.complete(&self.carry)])
        {
            self.read_more()?;
        }
        Ok(&self.carry)
    }

    /// Sets where blocks are cut from now on (after [`StreamBlocks::peek`]
    /// and detection).
    pub fn set_framing(&mut self, framing: Framing) {
        self.framing = framing;
    }

    /// Appends one read to the buffer; notes the end of the input and
    /// whether more is ready.
    fn read_more(&mut self) -> io::Result<()> {
        let old = self.carry.len();
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
            let complete = self.framing.complete(&self.carry);
            let ready = complete > 0 && (self.carry.len() >= self.size || self.paused);
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
            let end = self.framing.complete(&buf);
            self.carry = buf[end..].to_vec();
            buf.truncate(end);
        }
        let flush = self.eof || self.paused || !self.more_ready();
        Ok(Some(Block {
            data: Cow::Owned(buf),
            flush,
        }))
    }
}

/// Does `data` contain a line that format detection can go by
/// ([`crate::format::is_meaningful`])?
pub fn has_meaningful_line(data: &[u8]) -> bool {
    data.split(|&b| b == b'\n')
        .map(crate::format::strip_bom)
        .any(crate::format::is_meaningful)
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
                assert!(has_meaningful_line(s.peek().unwrap()));
                let mut got = Vec::new();
                let mut first = true;
                while let Some(b) = s.next_block().unwrap() {
                    if first {
                        assert!(has_meaningful_line(&b.data));
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
