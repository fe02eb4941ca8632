//! Termination signals: every temporary file anonlog has open (an atomic
//! `-o` output, a pruned file, an anonymized copy in `rotate`) is removed
//! before the process ends, so SIGTERM (systemd stopping a unit), SIGINT
//! (Ctrl-C) or SIGHUP leave neither a partial file in place of a target (that
//! never happens: a target is replaced only by a rename) nor a temporary
//! file holding raw rows beside it. SIGBUS (a mapped input truncated under
//! the reader) ends the run the same way, with a message.
//!
//! SIGTERM while `anonymize` reads a pipe is different: the lines already in
//! the pipe are read, rewritten and written first (see
//! `anonlog::input::drain`), within a few seconds, and the run then exits
//! with 128 + 15; an atomic `-o` file is still not replaced.
//!
//! While `anonymize --listen` runs, SIGHUP asks it to reopen its outputs and
//! SIGTERM/SIGINT to stop (see `anonlog::listen`): both only set a flag.

use anonlog::input::drain;
use anonlog::output::atomic::remove_temporaries;

extern "C" fn on_signal(sig: libc::c_int) {
    // `anonymize --listen`: SIGHUP reopens the outputs (logrotate's
    // convention); SIGTERM and SIGINT stop receiving, and what was received
    // is written before the run ends with 0. A second SIGTERM or SIGINT, or
    // the alarm, ends it at once.
    if anonlog::listen::armed() {
        match sig {
            libc::SIGHUP => return anonlog::listen::request_reopen(),
            libc::SIGTERM | libc::SIGINT if anonlog::listen::request_stop() => {
                // SAFETY: alarm is async-signal-safe.
                unsafe {
                    libc::alarm(drain::HARD_LIMIT_SECS);
                }
                return;
            }
            _ => {}
        }
    }
    // A piped input being read (Apache's `CustomLog "|…"` on restart or
    // stop): read what is in the pipe, write it, then exit 128 + 15 from
    // `anonymize`. The alarm ends the process if that takes too long; a
    // second signal ends it at once.
    if sig == libc::SIGTERM && drain::armed() && drain::request(sig) {
        // SAFETY: alarm is async-signal-safe.
        unsafe {
            libc::alarm(drain::HARD_LIMIT_SECS);
        }
        return;
    }
    let sig = if sig == libc::SIGALRM {
        // The drain's time is up: end as terminated by the SIGTERM.
        libc::SIGTERM
    } else {
        sig
    };
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
    for sig in [
        libc::SIGTERM,
        libc::SIGINT,
        libc::SIGHUP,
        libc::SIGBUS,
        libc::SIGALRM,
    ] {
        // SAFETY: installs a handler that only calls async-signal-safe
        // functions; the previous disposition is not needed.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}
