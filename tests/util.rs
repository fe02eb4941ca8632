//! Shared helpers: a temporary work directory with a key, and the command.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The fixed test key: bytes 0, 1, ..., 31. `testdata/*.expected.log` were
/// made with it.
pub const KEY: [u8; 32] = {
    let mut k = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        k[i] = i as u8;
        i += 1;
    }
    k
};

/// A temporary directory holding `key` (mode 0600).
pub struct Work {
    pub dir: tempfile::TempDir,
}

impl Work {
    pub fn new() -> Work {
        let dir = tempfile::tempdir().unwrap();
        let w = Work { dir };
        w.write_key("key", &KEY, 0o600);
        w
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn key(&self) -> PathBuf {
        self.path("key")
    }

    pub fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, data).unwrap();
        p
    }

    pub fn write_key(&self, name: &str, bytes: &[u8], mode: u32) -> PathBuf {
        let p = self.write(name, bytes);
        set_mode(&p, mode);
        p
    }

    /// `anonlog anonymize -q -k <key>`, ready for more arguments.
    pub fn anonymize(&self) -> Command {
        let mut c = anonlog();
        c.arg("anonymize").arg("-q").arg("-k").arg(self.key());
        c
    }
}

pub fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The `anonlog` binary with a clean environment.
pub fn anonlog() -> Command {
    let mut c = Command::cargo_bin("anonlog").unwrap();
    c.env_remove("ANONLOG_KEY_FILE");
    c
}

/// A file in testdata/.
pub fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
}

/// Every address anonlog's own scanner finds in `out` is already truncated
/// under the default policy: no untruncated client address survived.
pub fn assert_all_addresses_truncated(out: &[u8], what: &str) {
    let policy = anonlog::ip::IpPolicy::default();
    let mut i = 0;
    while let Some(f) = anonlog::ip::find_next(out, i) {
        assert_eq!(
            policy.truncate(f.addr),
            f.addr,
            "{what}: untruncated address {} at byte {}",
            f.addr,
            f.start
        );
        i = f.end;
    }
}

/// Says that a test skipped a part, on the real standard error: the test
/// harness captures `eprintln!`, not direct writes, so this shows even when
/// the test passes.
pub fn skip(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// Makes `cmd` run as on a disk that is full past `bytes` per file: the
/// file size limit (RLIMIT_FSIZE) with SIGXFSZ ignored, so a write past it
/// fails with EFBIG as a full disk's fails with ENOSPC. Needs no privilege.
pub fn limit_file_size(cmd: &mut std::process::Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the child before exec and only calls
    // async-signal-safe functions (signal, setrlimit).
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// The names in `dir` that end in `.tmp` (anonlog's temporary files).
pub fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// Whether this run is CI's (`.ci/run` sets `ANONLOG_CI`): there a test
/// that needs a real server and cannot start it fails, with the reason.
pub fn in_ci() -> bool {
    std::env::var_os("ANONLOG_CI").is_some_and(|v| !v.is_empty())
}

/// A real server (a database, a web server, a browser) that a test needs
/// could not be started: in CI the test fails with `why`; elsewhere it
/// skips, visibly. Returns only outside CI, and the caller then returns.
pub fn server_unavailable(what: &str, why: &str) {
    if in_ci() {
        panic!("{what} could not be started in CI: {why}");
    }
    skip(&format!(
        "SKIP: {what} could not be started here ({why}); CI runs this test"
    ));
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound, then
/// released), for a server a test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether `program` is an executable found on PATH (or is a path to one).
pub fn have_program(program: &str) -> bool {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v '{program}' >/dev/null 2>&1"))
        .status()
        .is_ok_and(|s| s.success())
}
