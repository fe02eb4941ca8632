//! The listener's counters, and the tiny HTTP/1.0 responder that serves them
//! as Prometheus text on `GET /metrics`. Owns their names and their text
//! forms (the summary line and the exposition format); not the sockets they
//! count.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// What the listener has counted since it started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Messages received (datagrams, or frames on a stream).
    pub received: u64,
    /// Lines written to an output.
    pub written: u64,
    /// Lines no parser understood (or `--format generic`), written by the
    /// generic scrubber.
    pub scrubbed: u64,
    /// Lines left out: not understood with `--on-unparsed drop`/`fail`, or
    /// outside `--since`/`--until`.
    pub dropped: u64,
    /// Frames that broke the stream's framing (the connection was closed).
    pub malformed: u64,
    /// Messages longer than the limit, skipped.
    pub oversize: u64,
    /// Datagrams the kernel dropped because the receive buffer was full
    /// (`None`: the kernel does not tell for this socket).
    pub kernel_drops: Option<u64>,
    /// Stream connections accepted.
    pub connections: u64,
    /// Outputs reopened on SIGHUP.
    pub reopens: u64,
}

impl Counters {
    /// The summary line written on standard error at the end.
    pub fn summary(&self) -> String {
        let drops = match self.kernel_drops {
            Some(n) => n.to_string(),
            None => "not known".into(),
        };
        format!(
            "anonlog: listen: {} received, {} written ({} scrubbed), {} dropped, {} malformed, \
             {} oversize, kernel drops {drops}; {} connections, {} reopens",
            self.received,
            self.written,
            self.scrubbed,
            self.dropped,
            self.malformed,
            self.oversize,
            self.connections,
            self.reopens
        )
    }

    /// The counters in Prometheus' text exposition format.
    pub fn prometheus(&self) -> String {
        let mut s = String::new();
        let mut one = |name: &str, help: &str, v: u64| {
            s.push_str(&format!(
                "# HELP anonlog_listen_{name} {help}\n# TYPE anonlog_listen_{name} counter\n\
                 anonlog_listen_{name} {v}\n"
            ));
        };
        one("received_total", "Messages received.", self.received);
        one("written_total", "Lines written.", self.written);
        one(
            "scrubbed_total",
            "Lines written by the generic scrubber.",
            self.scrubbed,
        );
        one("dropped_total", "Lines left out.", self.dropped);
        one(
            "malformed_total",
            "Frames that broke the framing.",
            self.malformed,
        );
        one(
            "oversize_total",
            "Messages over 64 KiB, skipped.",
            self.oversize,
        );
        one(
            "connections_total",
            "Stream connections accepted.",
            self.connections,
        );
        one("reopens_total", "Outputs reopened on SIGHUP.", self.reopens);
        if let Some(d) = self.kernel_drops {
            one(
                "kernel_drops_total",
                "Datagrams dropped by the kernel (receive buffer full).",
                d,
            );
        }
        s
    }
}

/// Answers one HTTP request on `conn`: the counters for `GET /metrics`,
/// 404 for anything else. Reads at most 8 KiB of request and waits at most
/// a second for it, so a slow client cannot hold the listener.
pub fn respond(mut conn: TcpStream, c: &Counters) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = conn.set_write_timeout(Some(Duration::from_secs(1)));
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while req.len() < 8192 && !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                req.extend_from_slice(&buf[..n]);
                // HTTP/0.9-style clients end with a bare line feed.
                if req.ends_with(b"\n\n") {
                    break;
                }
            }
        }
    }
    let first = req.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut words = first.split(|&b| b == b' ');
    let ok = words.next() == Some(b"GET") && words.next() == Some(b"/metrics");
    let (status, body) = if ok {
        ("200 OK", c.prometheus())
    } else {
        ("404 Not Found", "not found: try GET /metrics\n".to_string())
    };
    let head = format!(
        "HTTP/1.0 {status}\r\nContent-Type: text/plain; version=0.0.4\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms() {
        let c = Counters {
            received: 3,
            written: 2,
            oversize: 1,
            ..Counters::default()
        };
        assert!(c.summary().contains("3 received, 2 written (0 scrubbed)"));
        assert!(c.summary().contains("kernel drops not known"));
        let p = c.prometheus();
        assert!(p.contains("\nanonlog_listen_received_total 3\n"));
        assert!(p.contains("\nanonlog_listen_oversize_total 1\n"));
        assert!(!p.contains("kernel_drops"));
    }
}
