//! Build script: records the git commit and the enabled cargo features, for
//! `anonlog --version`.
//!
//! The commit comes from `git rev-parse --short HEAD` when the package is
//! built from its own git checkout; anywhere else (a source tarball, no git
//! installed, a checkout of some other repository around the sources) it is
//! `unknown`, or the value of `ANONLOG_COMMIT` when a packager sets it. This
//! script never fails the build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=ANONLOG_COMMIT");
    let commit = match std::env::var("ANONLOG_COMMIT") {
        Ok(c) if !c.trim().is_empty() => c.trim().to_string(),
        _ => git_commit().unwrap_or_else(|| "unknown".to_string()),
    };
    println!("cargo:rustc-env=ANONLOG_COMMIT={commit}");
    println!("cargo:rustc-env=ANONLOG_FEATURES={}", features());
}

/// The short hash of HEAD, if the manifest directory is the top of a git
/// work tree; asks cargo to rerun when HEAD or the branch it names moves.
fn git_commit() -> Option<String> {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let top = PathBuf::from(git(&manifest, &["rev-parse", "--show-toplevel"])?);
    if top.canonicalize().ok()? != manifest.canonicalize().ok()? {
        return None;
    }
    rerun_on(&manifest, "HEAD");
    if let Some(reference) = git(&manifest, &["symbolic-ref", "-q", "HEAD"]) {
        rerun_on(&manifest, &reference);
        // A branch whose ref was packed lives in packed-refs.
        rerun_on(&manifest, "packed-refs");
    }
    git(&manifest, &["rev-parse", "--short", "HEAD"])
}

/// `cargo:rerun-if-changed` on a file in the git directory, when it exists
/// (a path that does not exist would make cargo rerun this every build).
fn rerun_on(dir: &Path, name: &str) {
    if let Some(p) = git(dir, &["rev-parse", "--git-path", name]) {
        let p = dir.join(p);
        if p.exists() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
}

/// The trimmed standard output of a successful `git ARGS` run in `dir`.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// The enabled features, sorted and comma-separated, or `none`.
fn features() -> String {
    let mut names: Vec<String> = std::env::vars()
        .filter_map(|(k, _)| {
            k.strip_prefix("CARGO_FEATURE_")
                .map(|f| f.to_ascii_lowercase().replace('_', "-"))
        })
        .filter(|f| f != "default")
        .collect();
    names.sort();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}
