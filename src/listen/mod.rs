//! `anonymize --listen`: receives syslog messages on a unix datagram socket
//! (what nginx's `syslog:server=unix:` writes to), UDP or TCP, rewrites each
//! message as a line and writes `header + rewritten message` to the output
//! its tag routes it to. Owns the sockets, the event loop, and the
//! listener's reaction to SIGHUP (reopen outputs) and SIGTERM/SIGINT (read
//! what the sockets hold, write it, end). The header grammar is
//! [`crate::format::syslog`], stream framing [`frame`], outputs [`route`],
//! counters [`metrics`]; rewriting is the [`Rewriter`]'s.
//!
//! Everything runs on one thread around `poll`: a message is written within
//! one poll round (at most [`TICK`]) of its arrival, and outputs are flushed
//! after every round that wrote.

pub mod addr;
pub mod frame;
pub mod handler;
pub mod metrics;
pub mod route;
mod socket;

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, ErrorKind};
use crate::format::Format;
use crate::rewrite::Rewriter;

pub use addr::Addr;
pub use handler::Handler;
pub use metrics::Counters;
pub use socket::TICK;

/// What the listener is to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen.
    pub addr: Addr,
    /// The format of every message (`None`: detected per message).
    pub format: Option<Format>,
    /// The `-o` pattern (`None`: standard output).
    pub output: Option<String>,
    /// Where to serve `/metrics` (`None`: nowhere).
    pub metrics: Option<SocketAddr>,
}

static ARMED: AtomicBool = AtomicBool::new(false);
static STOP: AtomicBool = AtomicBool::new(false);
static REOPEN: AtomicBool = AtomicBool::new(false);

/// Is a listener running (so that SIGTERM and SIGHUP are requests to it)?
pub fn armed() -> bool {
    ARMED.load(Ordering::SeqCst)
}

/// Asks the listener to stop (async-signal-safe). Returns false when a stop
/// was already asked for.
pub fn request_stop() -> bool {
    let first = !STOP.swap(true, Ordering::SeqCst);
    crate::wake::wake();
    first
}

/// Asks the listener to reopen its outputs (async-signal-safe).
pub fn request_reopen() {
    REOPEN.store(true, Ordering::SeqCst);
    crate::wake::wake();
}

/// Listens as `cfg` says until SIGTERM or SIGINT; returns the counters.
/// Errors (a socket that cannot be bound, a bad output pattern) come before
/// anything is received.
pub fn run(rw: &Rewriter, cfg: &Config) -> Result<Counters, Error> {
    if let Some(f) = cfg.format.filter(|f| f.moodle_kind().is_some()) {
        return Err(Error::new(
            ErrorKind::Usage,
            format!(
                "--listen: --format {} is a CSV export, not a log stream",
                f.name()
            ),
        ));
    }
    let router = route::Router::new(cfg.output.clone())?;
    let metrics = match cfg.metrics {
        Some(a) => Some(bind_metrics(a)?),
        None => None,
    };
    // Armed before the socket is bound (and the start message written), so
    // that a SIGTERM right after the start message is a stop request.
    ARMED.store(true, Ordering::SeqCst);
    let mut src =
        socket::Source::bind(&cfg.addr).inspect_err(|_| ARMED.store(false, Ordering::SeqCst))?;
    let mut h = Handler::new(rw, cfg.format, router);
    let r = socket::serve(&mut src, metrics.as_ref(), &mut h, &STOP, &REOPEN);
    ARMED.store(false, Ordering::SeqCst);
    h.flush();
    h.router.close()?;
    r?;
    h.counters.kernel_drops = src.kernel_drops();
    Ok(h.counters)
}

fn bind_metrics(a: SocketAddr) -> Result<TcpListener, Error> {
    let l = TcpListener::bind(a).map_err(|e| Error::io(&format!("--metrics {a}"), &e))?;
    l.set_nonblocking(true)
        .map_err(|e| Error::io(&format!("--metrics {a}"), &e))?;
    Ok(l)
}
