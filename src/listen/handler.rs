//! One received message to output lines: the syslog header's tag chooses
//! the output, the message's own format (detected per message, or forced)
//! chooses the rewriter, and every outcome is counted. Owns the counting;
//! not the sockets (`super::socket`) nor the files (`super::route`).

use crate::error::Error;
use crate::format::{self, syslog, Format};
use crate::rewrite::{Carry, Outcome, Rewriter, Worker};

use super::metrics::Counters;
use super::route;

/// Turns a received message into output lines and counts them.
pub struct Handler<'a> {
    rw: &'a Rewriter,
    format: Option<Format>,
    worker: Worker,
    carry: Carry,
    out: Vec<u8>,
    /// The outputs.
    pub router: route::Router,
    /// What was counted.
    pub counters: Counters,
    errors: u64,
}

impl<'a> Handler<'a> {
    /// A handler writing through `router`.
    pub fn new(rw: &'a Rewriter, format: Option<Format>, router: route::Router) -> Handler<'a> {
        Handler {
            rw,
            format,
            worker: Worker::default(),
            carry: None,
            out: Vec::new(),
            router,
            counters: Counters::default(),
            errors: 0,
        }
    }

    /// One message (a datagram or a frame). A message holding line feeds is
    /// several lines, routed by the tag of the first.
    pub fn message(&mut self, msg: &[u8]) {
        self.counters.received += 1;
        let msg = msg.strip_suffix(b"\0").unwrap_or(msg);
        let msg = msg.strip_suffix(b"\n").unwrap_or(msg);
        let tag = syslog::parse(msg).map(|h| msg[h.tag].to_vec());
        let tag = route::file_tag(tag.as_deref()).to_string();
        for line in msg.split(|&b| b == b'\n') {
            self.line(&tag, line.strip_suffix(b"\r").unwrap_or(line));
        }
    }

    fn line(&mut self, tag: &str, line: &[u8]) {
        let body = syslog::parse(line).map_or(line, |h| &line[h.len..]);
        let format = self.format.unwrap_or_else(|| match format::detect(body) {
            f @ (Format::Access | Format::Bbb) => f,
            _ => Format::Generic,
        });
        self.out.clear();
        let p = self.rw.rewrite_line(
            &mut self.worker,
            format,
            line,
            &mut self.carry,
            &mut self.out,
        );
        match p.outcome {
            Outcome::Blank => return,
            Outcome::Scrubbed(_) => self.counters.scrubbed += 1,
            o if !o.written() => {
                self.counters.dropped += 1;
                return;
            }
            _ => {}
        }
        self.out.push(b'\n');
        let t = p.time.unwrap_or_else(now);
        match self.router.write(tag, t, &self.out) {
            Ok(()) => self.counters.written += 1,
            Err(e) => self.error(&e),
        }
    }

    /// Writes out what is buffered.
    pub fn flush(&mut self) {
        if let Err(e) = self.router.flush() {
            self.error(&e);
        }
    }

    /// Reports an output error; the first ten are shown, all are counted
    /// (received minus written).
    fn error(&mut self, e: &Error) {
        self.errors += 1;
        if self.errors <= 10 {
            crate::progress::message(&format!("anonlog: listen: {e}"));
        }
    }
}

/// The current time, Unix seconds.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
