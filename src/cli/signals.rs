//! Termination signals during `anonymize -o FILE`: the temporary output file
//! is removed before the process ends, so SIGTERM (systemd stopping a unit),
//! SIGINT (Ctrl-C) or SIGHUP leave neither a partial file in place of the
//! target (that never happens: the target is replaced only by a rename) nor a
//! stray temporary file beside it.

use std::ffi::CString;
use std::path::Path;
use std::sync::OnceLock;

/// The temporary file to remove, as a C string prepared before any signal
/// can arrive (the handler may only call async-signal-safe functions).
static TEMP: OnceLock<CString> = OnceLock::new();

extern "C" fn on_signal(sig: libc::c_int) {
    if let Some(p) = TEMP.get() {
        // SAFETY: `p` is a valid NUL-terminated string that lives for the
        // whole process; unlink and _exit are async-signal-safe.
        unsafe {
            libc::unlink(p.as_ptr());
        }
    }
    // SAFETY: _exit is async-signal-safe and ends the process at once.
    unsafe { libc::_exit(128 + sig) }
}

/// Arranges for `path` to be removed if the process is terminated by
/// SIGTERM, SIGINT or SIGHUP, and exits with status 128 + signal number.
pub fn remove_on_termination(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return;
    };
    if TEMP.set(c).is_err() {
        return;
    }
    for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        // SAFETY: installs a handler that only calls async-signal-safe
        // functions; the previous disposition is not needed.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}
