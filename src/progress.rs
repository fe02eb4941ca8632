//! The progress bar of long runs: bytes read, rate and time left, drawn on
//! standard error by `indicatif`.
//!
//! The readers count: every block [`crate::input`] hands out (and every
//! whole file it reads at once) adds its length to one process-wide atomic
//! counter ([`add`]), one relaxed atomic add per block of about a MiB, which
//! is all a run pays when no bar is shown. A [`Bar`], when shown, starts a
//! ticker thread that reads the counter a few times a second and draws; the
//! hot path never touches the terminal.
//!
//! A bar is shown only when standard error is a terminal, the run is not
//! quiet, and the input is known to be at least [`min_bytes`] long
//! (`ANONLOG_PROGRESS_MIN`, default 256 MiB); an input of unknown size (a
//! pipe) never shows one. `ANONLOG_PROGRESS=force` shows it whatever
//! standard error is (for tests and benchmarks) and `ANONLOG_PROGRESS=never`
//! never does.
//!
//! This module does not own what the total is: each command passes it
//! (see [`input_size`]).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// The variable that sets the input size from which a bar is shown.
pub const MIN_ENV: &str = "ANONLOG_PROGRESS_MIN";
/// The variable that forces the bar on (`force`) or off (`never`).
pub const MODE_ENV: &str = "ANONLOG_PROGRESS";
/// The default of [`MIN_ENV`]: 256 MiB.
pub const DEFAULT_MIN: u64 = 256 << 20;

/// How often the ticker draws.
const TICK: Duration = Duration::from_millis(200);

/// Bytes read so far by this process's readers.
static READ: AtomicU64 = AtomicU64::new(0);

/// The bar being drawn, for [`message`].
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Prints `line` on standard error, above the bar when one is drawn (a
/// bare `eprintln!` would be written into the bar's line).
pub fn message(line: &str) {
    let shown = SHOWN.lock().ok().and_then(|b| b.clone());
    match shown {
        Some(bar) => bar.suspend(|| eprintln!("{line}")),
        None => eprintln!("{line}"),
    }
}

/// Counts `n` bytes read (called once per block).
#[inline]
pub fn add(n: usize) {
    READ.fetch_add(n as u64, Ordering::Relaxed);
}

/// Bytes counted so far.
pub fn read() -> u64 {
    READ.load(Ordering::Relaxed)
}

/// What `ANONLOG_PROGRESS` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Show the bar when the rules say so (the default).
    Auto,
    /// Always show it, on standard error even when it is not a terminal.
    Force,
    /// Never show it.
    Never,
}

impl Mode {
    /// The mode `ANONLOG_PROGRESS` asks for (`force`, `never`; anything
    /// else is [`Mode::Auto`]).
    pub fn from_env() -> Mode {
        match std::env::var(MODE_ENV).as_deref() {
            Ok("force") => Mode::Force,
            Ok("never") => Mode::Never,
            _ => Mode::Auto,
        }
    }
}

/// `ANONLOG_PROGRESS_MIN` in bytes, or [`DEFAULT_MIN`] when unset or not a
/// number.
pub fn min_bytes() -> u64 {
    std::env::var(MIN_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_MIN)
}

/// Whether a run shows a bar: forced, or on a terminal, not quiet, with a
/// known total of at least `min` bytes.
pub fn shows(mode: Mode, terminal: bool, quiet: bool, total: Option<u64>, min: u64) -> bool {
    match mode {
        Mode::Force => true,
        Mode::Never => false,
        Mode::Auto => terminal && !quiet && total.is_some_and(|t| t >= min),
    }
}

/// The total size of `files` (a command's FILE arguments: none or `-` is
/// standard input), or `None` when one of them has no known size (a pipe,
/// a terminal) or cannot be read (the run reports that itself).
pub fn input_size(files: &[PathBuf]) -> Option<u64> {
    if files.is_empty() {
        return stdin_size();
    }
    let mut total = 0u64;
    for f in files {
        total += if f.as_os_str() == "-" {
            stdin_size()?
        } else {
            file_size(f)?
        };
    }
    Some(total)
}

/// The total size of the regular files that the glob `patterns` match
/// (those of a retention config), or `None` when a pattern is invalid.
pub fn glob_size<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Option<u64> {
    let mut total = 0u64;
    for p in patterns {
        for path in glob::glob(p).ok()?.flatten() {
            total += file_size(&path).unwrap_or(0);
        }
    }
    Some(total)
}

/// The size of a regular file at `p`.
pub fn file_size(p: &Path) -> Option<u64> {
    let m = std::fs::metadata(p).ok()?;
    m.is_file().then_some(m.len())
}

/// The size of standard input when it is a regular file.
fn stdin_size() -> Option<u64> {
    // SAFETY: fstat writes only into the zeroed struct it is given, and
    // file descriptor 0 is not closed or changed by this call.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(0, &mut st) } != 0 {
        return None;
    }
    ((st.st_mode & libc::S_IFMT) == libc::S_IFREG).then_some(st.st_size as u64)
}

/// A progress bar while it lives: cleared when dropped. Inert when the
/// rules say no bar.
#[must_use = "the bar is cleared when this is dropped"]
pub struct Bar {
    ticker: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl Bar {
    /// A bar over `total` bytes if [`shows`] says so with the environment's
    /// mode and minimum and whether standard error is a terminal.
    pub fn start(total: Option<u64>, quiet: bool) -> Bar {
        let mode = Mode::from_env();
        let terminal = std::io::stderr().is_terminal();
        if !shows(mode, terminal, quiet, total, min_bytes()) {
            return Bar { ticker: None };
        }
        let target = if terminal {
            ProgressDrawTarget::stderr()
        } else {
            // Forced: draw even though standard error is not a terminal.
            ProgressDrawTarget::term_like(Box::new(PlainStderr))
        };
        let bar = ProgressBar::with_draw_target(total, target);
        bar.set_style(style(total.is_some()));
        let base = read();
        if let Ok(mut shown) = SHOWN.lock() {
            *shown = Some(bar.clone());
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let handle = std::thread::Builder::new()
            .name("anonlog-progress".to_string())
            .spawn(move || {
                loop {
                    bar.set_position(read().saturating_sub(base));
                    match stopped.recv_timeout(TICK) {
                        Err(mpsc::RecvTimeoutError::Timeout) => continue,
                        _ => break,
                    }
                }
                bar.finish_and_clear();
            });
        match handle {
            Ok(h) => Bar {
                ticker: Some((stop, h)),
            },
            // No thread, no bar: the run goes on without one.
            Err(_) => Bar { ticker: None },
        }
    }

    /// Whether a bar is being drawn.
    pub fn is_shown(&self) -> bool {
        self.ticker.is_some()
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some((stop, h)) = self.ticker.take() {
            if let Ok(mut shown) = SHOWN.lock() {
                *shown = None;
            }
            let _ = stop.send(());
            let _ = h.join();
        }
    }
}

fn style(known: bool) -> ProgressStyle {
    let template = if known {
        "{bytes:>10}/{total_bytes} {wide_bar} {binary_bytes_per_sec:>12} ETA {eta}"
    } else {
        "{bytes:>10} {binary_bytes_per_sec:>12}"
    };
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// Standard error as a terminal of 80 columns, for [`Mode::Force`] when it
/// is not one: each draw is a line ending in a carriage return.
#[derive(Debug)]
struct PlainStderr;

impl TermLike for PlainStderr {
    fn width(&self) -> u16 {
        80
    }
    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        writeln!(std::io::stderr(), "{s}")
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        write!(std::io::stderr(), "{s}")
    }
    fn clear_line(&self) -> std::io::Result<()> {
        write!(std::io::stderr(), "\r{:80}\r", "")
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_only_on_a_terminal_for_large_known_inputs_unless_quiet() {
        let min = 100;
        let rows = [
            // (mode, terminal, quiet, total, shown)
            (Mode::Auto, true, false, Some(100), true),
            (Mode::Auto, true, false, Some(99), false),
            (Mode::Auto, true, false, None, false),
            (Mode::Auto, true, true, Some(1000), false),
            (Mode::Auto, false, false, Some(1000), false),
            (Mode::Force, false, true, None, true),
            (Mode::Never, true, false, Some(1000), false),
        ];
        for (mode, terminal, quiet, total, shown) in rows {
            assert_eq!(
                shows(mode, terminal, quiet, total, min),
                shown,
                "{mode:?} terminal={terminal} quiet={quiet} total={total:?}"
            );
        }
    }

    #[test]
    fn sizes_add_up_and_unknown_sizes_are_none() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::write(&a, b"12345").unwrap();
        std::fs::write(&b, b"678").unwrap();
        assert_eq!(input_size(&[a.clone(), b]), Some(8));
        assert_eq!(input_size(&[a, dir.path().join("missing")]), None);
        assert_eq!(input_size(&[dir.path().to_path_buf()]), None);
    }

    #[test]
    fn the_counter_adds_up() {
        let before = read();
        add(10);
        add(5);
        assert!(read() >= before + 15);
    }
}
