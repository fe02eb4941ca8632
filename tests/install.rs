//! Installing like a system tool: `--version`, the man pages and the shell
//! completions.

use std::process::Command as Process;

use crate::util::anonlog;

/// `anonlog --version` names the version, the commit it was built from
/// and the enabled features, in one line.
#[test]
fn version_names_commit_and_features() {
    let out = anonlog().arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let prefix = concat!("anonlog ", env!("CARGO_PKG_VERSION"), " (commit ");
    let rest = text
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("unexpected --version: {text:?}"));
    let (commit, rest) = rest.split_once(", features: ").unwrap();
    let features = rest.strip_suffix(")\n").unwrap();
    assert!(
        commit == "unknown" || (commit.len() >= 4 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "commit {commit:?}"
    );
    assert!(
        features == "none"
            || features.split(", ").all(|f| !f.is_empty()
                && f.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')),
        "features {features:?}"
    );
    // Built from this checkout: the commit is HEAD's.
    let head = Process::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Ok(h) = head {
        if h.status.success() && std::env::var_os("ANONLOG_COMMIT").is_none() {
            assert_eq!(commit, String::from_utf8(h.stdout).unwrap().trim());
        }
    }
}
