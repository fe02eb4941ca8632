//! Where a received line goes: standard output, or the file an `-o` pattern
//! names for the line's tag (`{tag}`) and time (the date fields of
//! [`crate::output::dated`]). Owns the open output files: appending to
//! them, flushing, and closing them all on SIGHUP so that the next line
//! opens the file logrotate left in place.

use std::collections::HashMap;
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;

use crate::error::{Error, ErrorKind};
use crate::output::dated::DatedPath;

/// The placeholder for the sender's tag in an `-o` pattern.
pub const TAG: &str = "{tag}";

/// At most this many output files are open at once; past it all are closed
/// and reopened as lines come.
const MAX_OPEN: usize = 64;

/// The tag as it may appear in a file name: `[A-Za-z0-9_.-]`, at most 64
/// bytes, not starting with a `.`; `other` for anything else (no tag, a tag
/// with other bytes, `..`).
pub fn file_tag(tag: Option<&[u8]>) -> &str {
    match tag {
        Some(t)
            if !t.is_empty()
                && t.len() <= 64
                && t[0] != b'.'
                && t.iter()
                    .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')) =>
        {
            // Checked just above: ASCII only.
            std::str::from_utf8(t).unwrap_or("other")
        }
        _ => "other",
    }
}

/// The outputs of a listener.
pub struct Router {
    pattern: Option<String>,
    stdout: BufWriter<io::Stdout>,
    files: HashMap<PathBuf, BufWriter<File>>,
    /// The parsed date pattern per tag (`None`: a plain file name).
    dated: HashMap<String, Option<DatedPath>>,
}

impl Router {
    /// Standard output when `pattern` is `None`, else the files it names.
    /// The pattern is checked here (a usage error for a bad date field).
    pub fn new(pattern: Option<String>) -> Result<Router, Error> {
        if let Some(p) = &pattern {
            DatedPath::parse(p.replace(TAG, "tag").as_ref())?;
            if p.ends_with('/') {
                return Err(Error::new(
                    ErrorKind::Usage,
                    format!("output '{p}' names a directory, not a file"),
                ));
            }
        }
        Ok(Router {
            pattern,
            stdout: BufWriter::with_capacity(1 << 16, io::stdout()),
            files: HashMap::new(),
            dated: HashMap::new(),
        })
    }

    /// The file a line with `tag` and time `t` goes to (`None`: stdout).
    fn path(&mut self, tag: &str, t: i64) -> Option<PathBuf> {
        let p = self.pattern.as_ref()?;
        let d = self.dated.entry(tag.to_string()).or_insert_with(|| {
            DatedPath::parse(p.replace(TAG, tag).as_ref())
                .ok()
                .flatten()
        });
        Some(match d {
            Some(d) => d.expand(t),
            None => PathBuf::from(p.replace(TAG, tag)),
        })
    }

    /// Appends `line` (with its line feed) for `tag` at time `t`.
    pub fn write(&mut self, tag: &str, t: i64, line: &[u8]) -> Result<(), Error> {
        let Some(path) = self.path(tag, t) else {
            return self
                .stdout
                .write_all(line)
                .map_err(|e| Error::io("standard output", &e));
        };
        if !self.files.contains_key(&path) {
            if self.files.len() >= MAX_OPEN {
                self.close()?;
            }
            let f = open_append(&path).map_err(|e| Error::io(&path.display().to_string(), &e))?;
            self.files
                .insert(path.clone(), BufWriter::with_capacity(1 << 16, f));
        }
        let w = self.files.get_mut(&path).expect("opened above");
        w.write_all(line)
            .map_err(|e| Error::io(&path.display().to_string(), &e))
    }

    /// Writes out everything buffered.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.stdout
            .flush()
            .map_err(|e| Error::io("standard output", &e))?;
        for (p, w) in &mut self.files {
            w.flush()
                .map_err(|e| Error::io(&p.display().to_string(), &e))?;
        }
        Ok(())
    }

    /// Flushes and closes every file; the next line opens its file anew
    /// (SIGHUP after logrotate moved the files away).
    pub fn close(&mut self) -> Result<(), Error> {
        let r = self.flush();
        self.files.clear();
        r
    }
}

/// Opens `path` for appending, created with mode 0640 (its directory 0750)
/// as the dated outputs are.
fn open_append(path: &std::path::Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            DirBuilder::new().recursive(true).mode(0o750).create(dir)?;
        }
    }
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o640)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_in_file_names() {
        assert_eq!(file_tag(Some(b"nginx_access")), "nginx_access");
        assert_eq!(file_tag(Some(b"php-fpm8.2")), "php-fpm8.2");
        for bad in [&b""[..], b"..", b".hidden", b"a/b", b"a b", b"\xff"] {
            assert_eq!(file_tag(Some(bad)), "other", "{bad:?}");
        }
        assert_eq!(file_tag(None), "other");
    }
}
