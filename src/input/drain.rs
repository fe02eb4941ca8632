//! Draining a pipe on termination: when Apache's `apachectl restart` or
//! `stop` (or systemd) sends SIGTERM to a piped anonlog, the lines already
//! in the pipe are read, rewritten and written before the process exits,
//! instead of being lost with it.
//!
//! The signal handler (in the binary) calls [`request`], which only stores
//! the signal number and writes a byte to a self-pipe: both
//! async-signal-safe. A piped reader that has called [`arm`] waits for its
//! input with `poll` on its descriptor and that self-pipe, so the request
//! wakes it wherever the signal was delivered; from then on it reads what
//! comes, and ends its input as if at end of file once nothing came for
//! [`IDLE`] or [`TOTAL`] has passed. The handler also arms an alarm at
//! [`HARD_LIMIT_SECS`] that ends the process whatever it is doing (a writer
//! blocked on a full disk or a stopped reader). This module does not know
//! about signals' numbers or what the process does after its input ends.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use crate::wake;
use std::time::Duration;

/// How long a draining reader waits for more input before it stops.
pub const IDLE: Duration = Duration::from_secs(2);

/// How long a draining reader reads at most, from the request.
pub const TOTAL: Duration = Duration::from_millis(4500);

/// When the process is ended regardless, in seconds after the request.
pub const HARD_LIMIT_SECS: u32 = 5;

/// The signal that asked for a drain (0: none).
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// A piped input is being read by a reader that drains.
static ARMED: AtomicBool = AtomicBool::new(false);

/// Says that a piped reader will drain on a request from now on (until
/// [`disarm`]); makes the self-pipe the first time. Returns the descriptor
/// to poll beside the input, if the pipe could be made.
pub fn arm() -> Option<i32> {
    let fd = wake::fd()?;
    ARMED.store(true, Ordering::SeqCst);
    Some(fd)
}

/// Says that no reader drains any more (its input ended).
pub fn disarm() {
    ARMED.store(false, Ordering::SeqCst);
}

/// Is a reader ready to drain (see [`arm`])?
pub fn armed() -> bool {
    ARMED.load(Ordering::SeqCst)
}

/// Asks the piped reader to drain and stop, for signal `sig`. Returns false
/// when a drain was already asked for (a second signal), so the caller can
/// end the process at once. Async-signal-safe.
pub fn request(sig: i32) -> bool {
    if SIGNAL
        .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        return false;
    }
    wake::wake();
    true
}

/// The signal a drain was asked for by, if one was.
pub fn requested() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}
