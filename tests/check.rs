//! `anonlog check`: findings with file:line:column on raw input, none on
//! anonymized output (the fixtures and, with ANONLOG_CORPUS, the corpus).

use predicates::prelude::*;

use crate::util::{anonlog, testdata, Work};

#[test]
fn raw_input_has_findings_with_positions() {
    anonlog()
        .arg("check")
        .arg(testdata("moodle-access.log"))
        .assert()
        .code(1)
        .stdout(
            // Values masked: the output ends up in cron mail.
            predicate::str::contains("moodle-access.log:1:1: address not truncated: 1********7")
                .and(predicate::str::contains(
                    "moodle-access.log:2:82: secret not redacted: X********p",
                ))
                .and(predicate::str::contains(
                    "user field not pseudonymized: J******e",
                ))
                .and(predicate::str::contains("Xk39fLq0Zp").not())
                .and(predicate::str::contains("Jane Doe").not()),
        )
        .stderr(predicate::str::contains("finding(s)"));
}

#[test]
fn allow_list_and_errors() {
    let w = Work::new();
    let f = w.write("a.log", b"contact noreply@example.org\n");
    anonlog().arg("check").arg(&f).assert().code(1);
    anonlog()
        .arg("check")
        .arg(&f)
        .args(["--allow", "noreply@example.org"])
        .assert()
        .success()
        .stdout("");
    let allow = w.write("allow.txt", b"# not a finding\nnoreply@example.org\n");
    anonlog()
        .arg("check")
        .arg(&f)
        .arg("--allow-file")
        .arg(&allow)
        .assert()
        .success();
    anonlog()
        .arg("check")
        .arg(w.path("missing.log"))
        .assert()
        .code(2);
}

/// Every fixture and every corpus file, anonymized, has no finding, and
/// none of its raw identities and secrets.
#[test]
fn anonymized_output_has_no_findings() {
    let w = Work::new();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(testdata(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "log") && !p.to_string_lossy().contains("expected")
        })
        .collect();
    match std::env::var_os("ANONLOG_CORPUS") {
        Some(dir) => {
            for sub in std::fs::read_dir(dir).unwrap() {
                let sub = sub.unwrap().path();
                if sub.is_dir() {
                    for f in std::fs::read_dir(sub).unwrap() {
                        let f = f.unwrap().path();
                        if f.file_name().is_some_and(|n| n != "LICENSE") {
                            files.push(f);
                        }
                    }
                }
            }
        }
        None => {
            crate::util::skip("SKIPPED (corpus part): set ANONLOG_CORPUS to check the corpus too")
        }
    }
    files.sort();
    assert!(files.len() >= 2);
    for f in files {
        let out = w.anonymize().arg(&f).output().unwrap();
        let anon = w.write("anon.log", &out.stdout);
        let checked = anonlog().arg("check").arg(&anon).output().unwrap();
        assert!(
            checked.status.success(),
            "{}: findings:\n{}",
            f.display(),
            String::from_utf8_lossy(&checked.stdout)
        );
        // And with independent eyes: nothing the raw file identifies.
        let raw = anonlog()
            .arg("check")
            .arg("--raw")
            .arg(&f)
            .arg(&anon)
            .output()
            .unwrap();
        assert!(
            raw.status.success(),
            "{}: raw values in the output:\n{}",
            f.display(),
            String::from_utf8_lossy(&raw.stdout)
        );
    }
}

/// `check --raw` does not share anonymize's eyes: a secret of the raw file
/// moved into a path segment (where the plain check has no rule) and a name
/// moved under a parameter no rule names (which the plain check flags as
/// kept) are both found.
#[test]
fn raw_values_are_found_wherever_they_survived() {
    let w = Work::new();
    let raw = testdata("moodle-access.log");
    let out = w.anonymize().arg(&raw).output().unwrap().stdout;
    let good = w.write("good.log", &out);
    let mut lines: Vec<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines[0] = lines[0].replacen("GET /my/", "GET /my/Xk39fLq0Zp/", 1);
    lines[2] = lines[2].replacen("\"-\"", "\"https://example.org/?q=Jane%20Doe\"", 1);
    let bad = w.write("bad.log", (lines.join("\n") + "\n").as_bytes());
    let check = |f: &std::path::Path| {
        let mut c = anonlog();
        c.arg("check").arg("--raw").arg(&raw).arg(f);
        c
    };
    check(&good).assert().success().stdout("");
    // The plain check sees the parameter no rule names, but has no rule
    // for a path segment ...
    anonlog()
        .arg("check")
        .arg(&bad)
        .assert()
        .code(1)
        .stdout(format!(
            "{}:3:135: value of an unlisted parameter kept: J********e\n",
            bad.display()
        ));
    // ... the raw check finds both (and what the plain check finds), masked.
    check(&bad).assert().code(1).stdout(format!(
        "{0}:1:68: secret of the raw input: X********p\n\
         {0}:3:135: identity of the raw input: J********e\n\
         {0}:3:135: value of an unlisted parameter kept: J********e\n",
        bad.display()
    ));
    // One FILE only: RAW's output.
    check(&good).arg(&bad).assert().code(2);
}
