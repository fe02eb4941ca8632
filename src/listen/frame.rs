//! Framing of a syslog byte stream (TCP): newline-terminated messages or
//! RFC 6587 octet counting (`LEN SP MSG`), decided by the first byte of a
//! connection (a digit from 1 to 9 means octet counting, as RFC 6587 §3.4.1
//! and rsyslog's `imptcp` do). Owns the cutting of a stream into messages and
//! nothing else: it does not know what a message holds.
//!
//! A message is at most [`MAX_MESSAGE`] bytes. A longer octet-counted frame
//! is skipped by its declared length (the stream stays in step); a longer
//! newline-terminated message is skipped up to its line feed. A frame whose
//! length is not a number ends the connection: the stream cannot be
//! resynchronised.

/// The largest message accepted, in bytes.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// What the framer found in the bytes given to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// One whole message, without its framing.
    Message(&'a [u8]),
    /// A message longer than [`MAX_MESSAGE`] was skipped.
    Oversize,
    /// The stream is not framed as it started: the connection must be closed.
    Malformed,
}

/// How a connection frames its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Not known until the first byte.
    Unknown,
    /// Messages end with `\n` (a `\r` before it is dropped).
    Newline,
    /// `LEN SP MSG`.
    Octet,
}

/// The state of one connection's stream.
#[derive(Debug)]
pub struct Framer {
    mode: Mode,
    buf: Vec<u8>,
    /// Bytes still to be skipped of an oversize octet-counted frame.
    skip: usize,
    /// Skipping an oversize line up to its line feed.
    skip_line: bool,
    broken: bool,
}

impl Default for Framer {
    fn default() -> Framer {
        Framer::new()
    }
}

impl Framer {
    /// A framer for a new connection.
    pub fn new() -> Framer {
        Framer {
            mode: Mode::Unknown,
            buf: Vec::new(),
            skip: 0,
            skip_line: false,
            broken: false,
        }
    }

    /// Takes `data`, the next bytes of the stream, and reports every event
    /// they complete to `f`. After [`Event::Malformed`] nothing more is
    /// reported.
    pub fn push(&mut self, data: &[u8], f: &mut dyn FnMut(Event<'_>)) {
        if self.broken {
            return;
        }
        let mut data = data;
        if self.skip > 0 {
            let n = self.skip.min(data.len());
            self.skip -= n;
            data = &data[n..];
        }
        self.buf.extend_from_slice(data);
        if self.mode == Mode::Unknown {
            match self.buf.first() {
                None => return,
                Some(b'1'..=b'9') => self.mode = Mode::Octet,
                Some(_) => self.mode = Mode::Newline,
            }
        }
        let used = match self.mode {
            Mode::Octet => self.octets(f),
            _ => self.lines(f),
        };
        self.buf.drain(..used);
    }

    /// The end of the stream: a last line without a line feed is a message;
    /// an octet-counted frame cut short is malformed.
    pub fn finish(&mut self, f: &mut dyn FnMut(Event<'_>)) {
        if self.broken || self.buf.is_empty() {
            return;
        }
        match self.mode {
            Mode::Octet => f(Event::Malformed),
            _ if self.skip_line => {}
            _ => f(Event::Message(strip_cr(&self.buf))),
        }
        self.buf.clear();
    }

    fn lines(&mut self, f: &mut dyn FnMut(Event<'_>)) -> usize {
        let mut p = 0;
        while let Some(n) = memchr::memchr(b'\n', &self.buf[p..]) {
            let line = &self.buf[p..p + n];
            if self.skip_line {
                self.skip_line = false;
            } else if line.len() > MAX_MESSAGE {
                f(Event::Oversize);
            } else {
                f(Event::Message(strip_cr(line)));
            }
            p += n + 1;
        }
        if self.buf.len() - p > MAX_MESSAGE && !self.skip_line {
            f(Event::Oversize);
            self.skip_line = true;
        }
        if self.skip_line {
            // The rest of the oversize line is not kept.
            return self.buf.len();
        }
        p
    }

    fn octets(&mut self, f: &mut dyn FnMut(Event<'_>)) -> usize {
        let mut p = 0;
        loop {
            let s = &self.buf[p..];
            let digits = s.iter().take(7).take_while(|b| b.is_ascii_digit()).count();
            if digits == s.len() && digits < 7 {
                return p; // the length is not complete yet
            }
            if digits == 0 || digits == 7 || s[digits] != b' ' || s[0] == b'0' {
                self.broken = true;
                f(Event::Malformed);
                return self.buf.len();
            }
            let len = s[..digits]
                .iter()
                .fold(0usize, |a, b| a * 10 + usize::from(b - b'0'));
            let start = p + digits + 1;
            if len > MAX_MESSAGE {
                f(Event::Oversize);
                let have = self.buf.len() - start;
                if have >= len {
                    p = start + len;
                    continue;
                }
                self.skip = len - have;
                return self.buf.len();
            }
            if self.buf.len() - start < len {
                return p;
            }
            f(Event::Message(&self.buf[start..start + len]));
            p = start + len;
        }
    }
}

fn strip_cr(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\r").unwrap_or(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `parts` one after the other, then ends the stream.
    fn events(parts: &[&[u8]]) -> Vec<String> {
        let mut fr = Framer::new();
        let mut out = Vec::new();
        let mut f = |e: Event<'_>| {
            out.push(match e {
                Event::Message(m) => String::from_utf8_lossy(m).into_owned(),
                Event::Oversize => "<oversize>".into(),
                Event::Malformed => "<malformed>".into(),
            })
        };
        for p in parts {
            fr.push(p, &mut f);
        }
        fr.finish(&mut f);
        out
    }

    #[test]
    fn newline_framing() {
        assert_eq!(events(&[b"a\nb\r\nc"]), ["a", "b", "c"]);
        assert_eq!(events(&[b"ab", b"c\nd", b"\n"]), ["abc", "d"]);
        assert_eq!(events(&[b"<13>x\n"]), ["<13>x"]);
    }

    #[test]
    fn octet_counting() {
        assert_eq!(events(&[b"3 abc5 de\nfg"]), ["abc", "de\nfg"]);
        assert_eq!(events(&[b"1", b"0 0123", b"456789"]), ["0123456789"]);
        assert_eq!(events(&[b"3 ab"]), ["<malformed>"]);
        assert_eq!(events(&[b"3 abcX"]), ["abc", "<malformed>"]);
        assert_eq!(events(&[b"3 abc03 abc"]), ["abc", "<malformed>"]);
    }

    #[test]
    fn oversize_frames_are_skipped_in_step() {
        let big = MAX_MESSAGE + 1;
        let mut s = format!("{big} ").into_bytes();
        s.extend(std::iter::repeat_n(b'x', big));
        s.extend_from_slice(b"2 ok");
        assert_eq!(events(&[&s]), ["<oversize>", "ok"]);
        let (a, b) = s.split_at(100);
        assert_eq!(events(&[a, b]), ["<oversize>", "ok"]);
        let mut l = vec![b'y'; big + 10];
        l.extend_from_slice(b"\nnext\n");
        let (a, b) = l.split_at(big + 5);
        assert_eq!(events(&[a, b]), ["<oversize>", "next"]);
        assert_eq!(events(&[&l]), ["<oversize>", "next"]);
    }
}
