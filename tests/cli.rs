//! Command-line behaviour: help, usage errors, key files.

use predicates::prelude::*;

use crate::util::{anonlog, testdata, Work, KEY};

#[test]
fn help_explains_options_and_exit_status() {
    anonlog()
        .args(["anonymize", "--help"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("--ipv4-prefix")
                .and(predicate::str::contains("--on-unparsed"))
                .and(predicate::str::contains("Exit status"))
                .and(predicate::str::contains("CustomLog")),
        );
}

#[test]
fn missing_key_is_a_usage_error() {
    anonlog()
        .args(["anonymize"])
        .arg(testdata("moodle-access.log"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no key given").and(predicate::str::contains("key init")));
}

#[test]
fn key_readable_by_others_is_refused_without_showing_it() {
    let w = Work::new();
    let k = w.write_key("open.key", &[0xAB; 32], 0o644);
    anonlog()
        .args(["anonymize", "-k"])
        .arg(&k)
        .arg(testdata("moodle-access.log"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("mode 0644")
                .and(predicate::str::contains("chmod 600"))
                .and(predicate::str::contains("ab").not())
                .and(predicate::str::contains("AB").not()),
        );
}

#[test]
fn short_long_and_missing_keys_are_refused() {
    let w = Work::new();
    let short = w.write_key("short.key", &KEY[..16], 0o600);
    let long = w.write_key("long.key", &[KEY, KEY].concat(), 0o600);
    for (k, msg) in [
        (short, "exactly 32 bytes, it holds 16"),
        (long, "exactly 32 bytes, it holds more than 32"),
        (w.path("absent.key"), "cannot open key file"),
    ] {
        anonlog()
            .args(["anonymize", "-k"])
            .arg(&k)
            .arg(testdata("moodle-access.log"))
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(msg));
    }
}

#[test]
fn key_from_the_environment() {
    let w = Work::new();
    anonlog()
        .env("ANONLOG_KEY_FILE", w.key())
        .args(["anonymize", "-q"])
        .arg(testdata("moodle-access.log"))
        .assert()
        .success()
        .stdout(std::fs::read(testdata("moodle-access.expected.log")).unwrap());
}

#[test]
fn key_init_creates_a_private_key_and_never_overwrites() {
    use std::os::unix::fs::PermissionsExt;
    let w = Work::new();
    let k = w.path("sub/new.key");
    anonlog().args(["key", "init"]).arg(&k).assert().success();
    let meta = std::fs::metadata(&k).unwrap();
    assert_eq!(meta.len(), 32);
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let dir_mode = std::fs::metadata(w.path("sub"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    let before = std::fs::read(&k).unwrap();
    anonlog()
        .args(["key", "init"])
        .arg(&k)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot create key file"));
    anonlog()
        .args(["key", "init", "--if-missing"])
        .arg(&k)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&k).unwrap(),
        before,
        "the key was not replaced"
    );
    // Two new keys differ.
    let k2 = w.path("sub/other.key");
    anonlog().args(["key", "init"]).arg(&k2).assert().success();
    assert_ne!(std::fs::read(&k2).unwrap(), before);
}

#[test]
fn bad_option_values_are_usage_errors() {
    let w = Work::new();
    for args in [
        &["--ipv4-prefix", "33"][..],
        &["--ipv6-prefix", "129"],
        &["--on-unparsed", "ignore"],
        &["--format", "xml"],
        &["-j", "0"],
    ] {
        w.anonymize()
            .args(args)
            .arg(testdata("moodle-access.log"))
            .assert()
            .code(2)
            .stdout("");
    }
}

#[test]
fn a_different_key_gives_different_pseudonyms() {
    let w = Work::new();
    let other = w.write_key("other.key", &[9u8; 32], 0o600);
    let a = w
        .anonymize()
        .arg(testdata("moodle-access.log"))
        .output()
        .unwrap()
        .stdout;
    let b = anonlog()
        .args(["anonymize", "-q", "-k"])
        .arg(&other)
        .arg(testdata("moodle-access.log"))
        .output()
        .unwrap()
        .stdout;
    assert_eq!(a.len(), b.len());
    assert_ne!(a, b);
}
