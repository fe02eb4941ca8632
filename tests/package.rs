//! The Debian package: built with tools/build-deb.sh, linted, installed,
//! removed and purged on this machine. Runs in CI (ANONLOG_CI) or with
//! ANONLOG_TEST_DEB=1, as root; skips visibly otherwise, since it installs
//! a package and creates a system user.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::{server_unavailable, skip};

fn run(cmd: &str, args: &[&str]) -> Output {
    Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

fn ok(cmd: &str, args: &[&str]) -> String {
    let out = run(cmd, args);
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn user_exists() -> bool {
    run("getent", &["passwd", "anonlog"]).status.success()
}

/// Purges the package when the test ends, passed or not.
struct Purge;

impl Drop for Purge {
    fn drop(&mut self) {
        let _ = run("dpkg", &["--purge", "anonlog"]);
    }
}

fn mode_and_owner(p: &Path) -> (u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    (m.mode() & 0o7777, m.uid())
}

#[test]
fn deb_builds_lints_installs_and_purges() {
    let wanted = crate::util::in_ci() || std::env::var("ANONLOG_TEST_DEB").as_deref() == Ok("1");
    if !wanted {
        skip("SKIP: package test (installs a .deb; set ANONLOG_TEST_DEB=1 to run it)");
        return;
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        server_unavailable("dpkg", "installing a package needs root");
        return;
    }
    for tool in ["dpkg", "lintian", "cargo-deb", "systemd-analyze", "man"] {
        if !run("sh", &["-c", &format!("command -v {tool}")])
            .status
            .success()
        {
            server_unavailable(tool, "not installed (.ci/setup.d/40-package.sh)");
            return;
        }
    }
    if run("dpkg", &["-s", "anonlog"]).status.success() || user_exists() {
        server_unavailable(
            "dpkg",
            "anonlog is already installed, or its user exists, here",
        );
        return;
    }

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let built = ok("sh", &[root.join("tools/build-deb.sh").to_str().unwrap()]);
    let deb = PathBuf::from(built.lines().last().unwrap().trim());
    let deb = if deb.is_absolute() {
        deb
    } else {
        root.join(deb)
    };
    assert!(deb.is_file(), "no package at {}", deb.display());
    let deb = deb.to_str().unwrap();

    let lint = run("lintian", &["--tag-display-limit", "0", deb]);
    let lint = String::from_utf8_lossy(&lint.stdout);
    let errors: Vec<&str> = lint.lines().filter(|l| l.starts_with("E: ")).collect();
    assert!(errors.is_empty(), "lintian errors:\n{}", errors.join("\n"));

    let _purge = Purge;
    ok("dpkg", &["-i", deb]);
    let version = ok("/usr/bin/anonlog", &["--version"]);
    assert!(
        version.starts_with(concat!("anonlog ", env!("CARGO_PKG_VERSION"), " (commit ")),
        "{version}"
    );
    assert_eq!(
        ok("man", &["-w", "anonlog-rotate"]).trim(),
        "/usr/share/man/man1/anonlog-rotate.1.gz"
    );
    for f in [
        "/usr/share/bash-completion/completions/anonlog",
        "/usr/share/zsh/vendor-completions/_anonlog",
        "/usr/share/fish/vendor_completions.d/anonlog.fish",
        "/usr/share/doc/anonlog/README.Debian",
    ] {
        assert!(Path::new(f).is_file(), "{f}");
    }
    let conffiles = ok("dpkg-query", &["-W", "-f=${Conffiles}", "anonlog"]);
    assert!(
        conffiles.contains("/etc/anonlog/anonlog.toml"),
        "{conffiles}"
    );

    // The user and its key directory; nothing enabled, no key made.
    let uid: u32 = ok("id", &["-u", "anonlog"]).trim().parse().unwrap();
    let keys = Path::new("/var/lib/anonlog/keys");
    assert_eq!(mode_and_owner(keys), (0o700, uid));
    assert_eq!(std::fs::read_dir(keys).unwrap().count(), 0);
    let enabled = run("systemctl", &["is-enabled", "anonlog-rotate.timer"]);
    assert!(!enabled.status.success(), "the timer is enabled");

    let units: Vec<String> = [
        "anonlog-rotate.service",
        "anonlog-rotate.timer",
        "anonlog-keys.service",
        "anonlog-keys.timer",
        "anonlog-listen.service",
    ]
    .iter()
    .map(|u| format!("/usr/lib/systemd/system/{u}"))
    .collect();
    let mut verify = vec!["verify"];
    verify.extend(units.iter().map(String::as_str));
    let v = run("systemd-analyze", &verify);
    let verr = String::from_utf8_lossy(&v.stderr);
    let ours: Vec<&str> = verr.lines().filter(|l| l.contains("anonlog")).collect();
    assert!(
        v.status.success() && ours.is_empty(),
        "systemd-analyze verify:\n{verr}"
    );

    // README.Debian's first step, then remove: the keys and the user stay.
    ok(
        "runuser",
        &[
            "-u",
            "anonlog",
            "--",
            "/usr/bin/anonlog",
            "key",
            "init",
            "--key-dir",
            "/var/lib/anonlog/keys",
            "--epoch",
            "7d",
        ],
    );
    let made = std::fs::read_dir(keys).unwrap().count();
    assert!(made > 0);
    ok("dpkg", &["-r", "anonlog"]);
    assert!(!Path::new("/usr/bin/anonlog").exists());
    assert_eq!(std::fs::read_dir(keys).unwrap().count(), made);
    assert!(user_exists());

    // Purge: the keys and the user go.
    ok("dpkg", &["--purge", "anonlog"]);
    assert!(!keys.exists());
    assert!(!user_exists());
}
