//! Output files: a file that replaces its target atomically, and the
//! directories and append-mode files anonlog creates (with its modes).
//!
//! A file output is written to a temporary file in the same directory and
//! renamed over the target only when the run succeeded, after the data is
//! synced to disk. A failed run or a full disk leaves the previous file
//! untouched and removes the temporary file; a termination signal removes it
//! too (see [`remove_temporaries`]). Only `SIGKILL` or a power cut can leave
//! a `.NAME.anonlog-PID-N.tmp` file behind: [`stale_temporary`] recognises
//! one whose process is gone, so that `anonlog rotate` removes it.
//!
//! A target that exists and is not a regular file (a character device such
//! as `/dev/null`, a FIFO, a socket) is written directly by [`FileOutput`]:
//! only regular files are replaced.

use std::ffi::CString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicPtr, Ordering};

/// How many temporary files can be open at once and still be removed by a
/// signal handler (anonlog opens one or two).
const SLOTS: usize = 64;

/// The temporary files open now, as C strings a signal handler can pass to
/// `unlink` (null: a free slot). A string is never freed once published: the
/// handler may be reading it on another thread.
static TEMPS: [AtomicPtr<libc::c_char>; SLOTS] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; SLOTS];

/// Publishes `path` for [`remove_temporaries`]; the slot, if one was free.
fn register(path: &Path) -> Option<usize> {
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    let ptr = c.into_raw();
    for (i, slot) in TEMPS.iter().enumerate() {
        if slot
            .compare_exchange(
                std::ptr::null_mut(),
                ptr,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_ok()
        {
            return Some(i);
        }
    }
    // SAFETY: `ptr` came from `into_raw` above and was never published.
    drop(unsafe { CString::from_raw(ptr) });
    None
}

/// Withdraws a slot of [`register`] (its string is leaked on purpose).
fn unregister(slot: Option<usize>) {
    if let Some(i) = slot {
        TEMPS[i].store(std::ptr::null_mut(), Ordering::SeqCst);
    }
}

/// Removes every temporary file open now. Async-signal-safe: only loads and
/// `unlink`, for a handler of SIGTERM, SIGINT, SIGHUP or SIGBUS that ends
/// the process right after.
pub fn remove_temporaries() {
    for slot in &TEMPS {
        let p = slot.load(Ordering::SeqCst);
        if !p.is_null() {
            // SAFETY: a published pointer is a NUL-terminated string that is
            // never freed.
            unsafe {
                libc::unlink(p);
            }
        }
    }
}

/// The process id in the name of a temporary file of anonlog
/// (`.NAME.anonlog-PID-N.tmp`), if `name` is one.
pub fn temporary_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (_, tail) = rest.rsplit_once(".anonlog-")?;
    let (pid, n) = tail.split_once('-')?;
    n.parse::<u32>().ok()?;
    pid.parse().ok()
}

/// Is `name` a temporary file of anonlog whose process no longer runs (one
/// killed by SIGKILL or a power cut)? Such a file is never completed.
pub fn stale_temporary(name: &str) -> bool {
    temporary_pid(name).is_some_and(|pid| pid != std::process::id() && !pid_alive(pid))
}

fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// A file that appears at its path only when [`AtomicFile::commit`] is called.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
    slot: Option<usize>,
}

impl AtomicFile {
    /// Creates the temporary file beside `target`. New files get mode 0640
    /// (less the umask); an existing target's permissions are kept.
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
        let mut n = 0u32;
        loop {
            let tmp = dir.join(format!(
                ".{}.anonlog-{}-{n}.tmp",
                name.to_string_lossy(),
                std::process::id()
            ));
            let mut opts = OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o640);
            }
            // Published before it exists: a signal between the creation
            // and the publication would otherwise leave the file behind
            // (unlinking a name not yet created is harmless).
            let slot = register(&tmp);
            match opts.open(&tmp) {
                Ok(f) => {
                    if let Ok(meta) = fs::metadata(target) {
                        let _ = f.set_permissions(meta.permissions());
                    }
                    return Ok(AtomicFile {
                        target: target.to_path_buf(),
                        tmp,
                        file: Some(BufWriter::with_capacity(1 << 20, f)),
                        slot,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100 => {
                    unregister(slot);
                    n += 1;
                }
                Err(e) => {
                    unregister(slot);
                    return Err(e);
                }
            }
        }
    }

    /// The temporary file's path (removed on drop unless committed).
    pub fn temp_path(&self) -> &Path {
        &self.tmp
    }

    /// Flushes, syncs and renames the file into place. On failure (a full
    /// disk) the temporary file is removed and the target left as it was.
    pub fn commit(mut self) -> io::Result<()> {
        let f = self.file.take().expect("not committed twice");
        let done = f
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .and_then(|()| fs::rename(&self.tmp, &self.target));
        if let Err(e) = done {
            let _ = fs::remove_file(&self.tmp);
            unregister(self.slot.take());
            return Err(e);
        }
        unregister(self.slot.take());
        #[cfg(unix)]
        if let Some(dir) = self.target.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.as_mut().expect("open").write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.as_mut().expect("open").write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().expect("open").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
        unregister(self.slot.take());
    }
}

/// A file output: a regular file (or a new one) replaced atomically, or an
/// existing device, FIFO or other non-regular file written directly. A
/// symbolic link is followed: the file it names is replaced, the link kept.
#[derive(Debug)]
pub enum FileOutput {
    /// A regular file, replaced on commit.
    Atomic(AtomicFile),
    /// A non-regular file, written as the data comes.
    Direct(BufWriter<File>),
}

impl FileOutput {
    /// Opens the output `path`.
    pub fn create(path: &Path) -> io::Result<FileOutput> {
        match fs::metadata(path) {
            Ok(m) if !m.file_type().is_file() => {
                let f = OpenOptions::new().write(true).open(path)?;
                Ok(FileOutput::Direct(BufWriter::with_capacity(1 << 16, f)))
            }
            Ok(_) => {
                let real = fs::canonicalize(path)?;
                AtomicFile::create(&real).map(FileOutput::Atomic)
            }
            Err(_) => AtomicFile::create(path).map(FileOutput::Atomic),
        }
    }

    /// Makes the output final: renames a replacement into place, or flushes
    /// a direct write.
    pub fn commit(self) -> io::Result<()> {
        match self {
            FileOutput::Atomic(a) => a.commit(),
            FileOutput::Direct(mut w) => w.flush(),
        }
    }
}

impl Write for FileOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            FileOutput::Atomic(a) => a.write(buf),
            FileOutput::Direct(w) => w.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            FileOutput::Atomic(a) => a.write_all(buf),
            FileOutput::Direct(w) => w.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            FileOutput::Atomic(a) => a.flush(),
            FileOutput::Direct(w) => w.flush(),
        }
    }
}

/// Creates directory `dir` and its missing parents (new ones with mode
/// 0750, less the umask).
pub fn create_dirs(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o750);
    }
    b.create(dir)
}

/// Opens `path` for appending; a missing file is created with mode 0640
/// (less the umask), and missing directories above it with [`create_dirs`].
pub fn open_append(path: &Path) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o640);
    }
    match opts.open(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                create_dirs(dir)?;
            }
            opts.open(path)
        }
        r => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names() {
        assert_eq!(temporary_pid(".access.log.anonlog-1234-0.tmp"), Some(1234));
        assert_eq!(temporary_pid(".a.anonlog-b.anonlog-7-12.tmp"), Some(7));
        assert_eq!(temporary_pid("access.log.anonlog-1234-0.tmp"), None);
        assert_eq!(temporary_pid(".access.log.anonlog-x-0.tmp"), None);
        assert!(!stale_temporary(&format!(
            ".a.anonlog-{}-0.tmp",
            std::process::id()
        )));
    }

    #[test]
    fn a_device_is_written_not_replaced() {
        let mut f = FileOutput::create(Path::new("/dev/null")).unwrap();
        assert!(matches!(f, FileOutput::Direct(_)));
        f.write_all(b"x\n").unwrap();
        f.commit().unwrap();
        assert!(!fs::metadata("/dev/null").unwrap().file_type().is_file());
    }

    #[test]
    fn a_failed_commit_leaves_no_temporary() {
        // The buffered data cannot be written (as on a full disk): the
        // descriptor is read-only.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.log");
        let mut f = AtomicFile::create(&target).unwrap();
        let ro = File::open(f.temp_path()).unwrap();
        f.file = Some(BufWriter::new(ro));
        f.write_all(b"data\n").unwrap();
        assert!(f.commit().is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn appears_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.log");
        fs::write(&target, b"old\n").unwrap();
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"new\n").unwrap();
        f.flush().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"old\n");
        f.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn dropped_without_commit_leaves_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.log");
        fs::write(&target, b"old\n").unwrap();
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.write_all(b"partial").unwrap();
        }
        assert_eq!(fs::read(&target).unwrap(), b"old\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
