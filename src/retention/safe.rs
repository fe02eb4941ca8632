//! Safe paths for retention: a file is reached from the fixed root of its
//! source's pattern without following any symbolic link, and it is removed
//! or replaced only while it is still the file that was read (same device,
//! inode, size and modification time).
//!
//! The root is the leading part of a pattern without wildcards, as the
//! config wrote it (a link there is the administrator's choice); everything
//! below it is walked with `O_NOFOLLOW` and removed with `unlinkat`, so a
//! link planted inside a watched tree never leads a deletion outside it.

use std::ffi::CString;
use std::fs::{File, Metadata};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// Which file a path named when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ident {
    dev: u64,
    ino: u64,
    /// Its size.
    pub len: u64,
    mtime_ns: i128,
}

impl Ident {
    /// The identity of the file `meta` describes.
    pub fn of(meta: &Metadata) -> Ident {
        Ident {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        }
    }

    // The field types of `stat` differ between platforms.
    #[allow(clippy::unnecessary_cast)]
    fn of_stat(st: &libc::stat) -> Ident {
        Ident {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            len: st.st_size as u64,
            mtime_ns: i128::from(st.st_mtime) * 1_000_000_000 + i128::from(st.st_mtime_nsec),
        }
    }
}

/// The fixed root of a glob pattern: its leading components without a
/// wildcard (`.` for a relative pattern that starts with one).
pub fn root_of(pattern: &str) -> PathBuf {
    let mut root = PathBuf::new();
    for c in Path::new(pattern).components() {
        let s = c.as_os_str().to_string_lossy();
        if s.contains(['*', '?', '[']) {
            break;
        }
        root.push(c);
    }
    if root.as_os_str().is_empty() {
        root.push(".");
    }
    root
}

/// The components of `path` below `root` (`None` when it is not below).
fn below<'a>(root: &Path, path: &'a Path) -> Option<Vec<&'a std::ffi::OsStr>> {
    let root = root.strip_prefix("./").unwrap_or(root);
    let rel = if root == Path::new(".") {
        path.strip_prefix("./").unwrap_or(path)
    } else {
        path.strip_prefix(root).ok()?
    };
    rel.components()
        .map(|c| match c {
            Component::Normal(n) => Some(n),
            _ => None,
        })
        .collect()
}

/// The first symbolic link on the way from `root` to `path`, `path` itself
/// included, or `path` itself when it is not below `root` at all.
pub fn link_below(root: &Path, path: &Path) -> Option<PathBuf> {
    let Some(parts) = below(root, path) else {
        return Some(path.to_path_buf());
    };
    let mut p = root.to_path_buf();
    for part in parts {
        p.push(part);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => return Some(p),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

fn cstr(s: &std::ffi::OsStr) -> io::Result<CString> {
    CString::new(s.as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// Opens the directory that holds `path`, from `root` down, refusing any
/// link below `root`; returns it with the file's own name.
fn open_parent(root: &Path, path: &Path) -> io::Result<(OwnedFd, CString)> {
    let link = || io::Error::other("it is reached through a symbolic link; links are not followed");
    let parts = below(root, path).ok_or_else(link)?;
    let (name, dirs) = parts.split_last().ok_or_else(link)?;
    let mut dir: OwnedFd = File::open(root)?.into();
    for d in dirs {
        let c = cstr(d)?;
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: openat on a descriptor we own with a NUL-terminated name.
        let fd = unsafe { libc::openat(dir.as_raw_fd(), c.as_ptr(), flags) };
        if fd < 0 {
            let e = io::Error::last_os_error();
            return Err(match e.raw_os_error() {
                Some(libc::ELOOP) | Some(libc::ENOTDIR) => link(),
                _ => e,
            });
        }
        // SAFETY: `fd` was just opened and is owned by nobody else.
        dir = unsafe { OwnedFd::from_raw_fd(fd) };
    }
    Ok((dir, cstr(name)?))
}

/// The identity `name` has in `dir` now, without following a link.
fn ident_at(dir: &OwnedFd, name: &CString) -> io::Result<(Ident, bool)> {
    // SAFETY: a zeroed stat is a valid out-parameter.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstatat on our descriptor, a NUL-terminated name and `st`.
    let r = unsafe {
        libc::fstatat(
            dir.as_raw_fd(),
            name.as_ptr(),
            &mut st,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    let regular = st.st_mode & libc::S_IFMT == libc::S_IFREG;
    Ok((Ident::of_stat(&st), regular))
}

/// The error of a file that is no longer the one that was read.
fn changed() -> io::Error {
    io::Error::other(
        "it changed since it was read (written to, truncated, or another file renamed onto its \
         name); it was left alone",
    )
}

/// Checks that `path` (below `root`, no link on the way) is still the
/// regular file `expected`.
pub fn still_same(root: &Path, path: &Path, expected: &Ident) -> io::Result<()> {
    let (dir, name) = open_parent(root, path)?;
    match ident_at(&dir, &name)? {
        (now, true) if now == *expected => Ok(()),
        _ => Err(changed()),
    }
}

/// Removes `path` (below `root`, no link on the way) if it is still the
/// regular file `expected`.
pub fn remove_if_same(root: &Path, path: &Path, expected: &Ident) -> io::Result<()> {
    let (dir, name) = open_parent(root, path)?;
    match ident_at(&dir, &name)? {
        (now, true) if now == *expected => {}
        _ => return Err(changed()),
    }
    // SAFETY: unlinkat on our descriptor with a NUL-terminated name.
    if unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots() {
        assert_eq!(root_of("/var/log/*/app.log"), Path::new("/var/log"));
        assert_eq!(root_of("/var/log/a.log.*"), Path::new("/var/log"));
        assert_eq!(root_of("logs/**/x"), Path::new("logs"));
        assert_eq!(root_of("*.log"), Path::new("."));
    }

    #[test]
    fn a_link_inside_the_tree_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("real")).unwrap();
        std::fs::write(d.path().join("real/app.log"), b"x\n").unwrap();
        std::fs::write(out.path().join("app.log"), b"y\n").unwrap();
        std::os::unix::fs::symlink(out.path(), d.path().join("evil")).unwrap();
        let evil = d.path().join("evil/app.log");
        assert_eq!(link_below(d.path(), &evil), Some(d.path().join("evil")));
        assert_eq!(link_below(d.path(), &d.path().join("real/app.log")), None);
        let id = Ident::of(&std::fs::metadata(&evil).unwrap());
        let e = remove_if_same(d.path(), &evil, &id).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert!(out.path().join("app.log").exists());
        let real = d.path().join("real/app.log");
        let id = Ident::of(&std::fs::metadata(&real).unwrap());
        std::fs::write(&real, b"xy\n").unwrap();
        assert!(remove_if_same(d.path(), &real, &id).is_err());
        let id = Ident::of(&std::fs::metadata(&real).unwrap());
        remove_if_same(d.path(), &real, &id).unwrap();
        assert!(!real.exists());
    }
}
