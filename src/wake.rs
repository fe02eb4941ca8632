//! The process's self-pipe: how a signal handler wakes a thread that waits
//! in `poll` (a piped reader draining on SIGTERM, the listener stopping or
//! reopening), whichever thread the signal was delivered to. Made once, on
//! first use, non-blocking and close-on-exec; [`wake`] is
//! async-signal-safe. This module knows nothing of what the waiter does.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, Ordering};

/// The self-pipe: [read end, write end], -1 until [`fd`] made it.
static PIPE: [AtomicI32; 2] = [AtomicI32::new(-1), AtomicI32::new(-1)];

/// The read end to poll beside one's own descriptors, made the first time;
/// `None` when no pipe could be made.
pub fn fd() -> Option<RawFd> {
    if PIPE[0].load(Ordering::SeqCst) < 0 {
        let mut fds = [-1; 2];
        // SAFETY: pipe2 fills two descriptors.
        let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
        if r != 0 {
            return None;
        }
        PIPE[1].store(fds[1], Ordering::SeqCst);
        PIPE[0].store(fds[0], Ordering::SeqCst);
    }
    Some(PIPE[0].load(Ordering::SeqCst))
}

/// Reads away the wake-ups written so far.
pub fn empty() {
    let fd = PIPE[0].load(Ordering::SeqCst);
    if fd < 0 {
        return;
    }
    let mut b = [0u8; 64];
    // SAFETY: reads into a live buffer of its length; non-blocking.
    while unsafe { libc::read(fd, b.as_mut_ptr().cast(), b.len()) } > 0 {}
}

/// Wakes the waiter (async-signal-safe: one `write` to a non-blocking
/// pipe); nothing when no pipe was made, as then nobody waits on it.
pub fn wake() {
    let fd = PIPE[1].load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: write is async-signal-safe; the pipe is non-blocking.
        unsafe {
            libc::write(fd, b"x".as_ptr().cast(), 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wake_makes_the_read_end_readable_until_emptied() {
        let r = fd().expect("a pipe");
        let ready = || {
            let mut p = libc::pollfd {
                fd: r,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd, no wait.
            unsafe { libc::poll(&mut p, 1, 0) == 1 }
        };
        empty();
        assert!(!ready());
        wake();
        assert!(ready());
        empty();
        assert!(!ready());
        assert_eq!(fd(), Some(r), "made once");
    }
}
