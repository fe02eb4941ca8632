//! Termination signals: every temporary file anonlog has open (an atomic
//! `-o` output, a pruned file, an anonymized copy in `rotate`) is removed
//! before the process ends, so SIGTERM (systemd stopping a unit), SIGINT
//! (Ctrl-C) or SIGHUP leave neither a partial file in place of a target (that
//! never happens: a target is replaced only by a rename) nor a temporary
//! file holding raw rows beside it. SIGBUS (a mapped input truncated under
//! the reader) ends the run the same way, with a message.

use anonlog::output::atomic::remove_temporaries;

extern "C" fn on_signal(sig: libc::c_int) {
    remove_temporaries();
    if sig == libc::SIGBUS {
        let msg = b"anonlog: error: an input file was truncated while it was read \
(copytruncate?); nothing was written in place of the output\n";
        // SAFETY: write to standard error is async-signal-safe.
        unsafe {
            libc::write(2, msg.as_ptr().cast(), msg.len());
        }
    }
    // SAFETY: _exit is async-signal-safe and ends the process at once.
    unsafe { libc::_exit(128 + sig) }
}

/// Arranges for every temporary file to be removed if the process is
/// terminated by SIGTERM, SIGINT or SIGHUP (or killed by SIGBUS), and for
/// the process to exit with status 128 + signal number.
pub fn install() {
    for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP, libc::SIGBUS] {
        // SAFETY: installs a handler that only calls async-signal-safe
        // functions; the previous disposition is not needed.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}
