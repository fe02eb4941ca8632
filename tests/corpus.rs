//! The shared corpus of real logs (path in ANONLOG_CORPUS, set by .ci/run).
//! Every file must come out with every line accounted for, the line count
//! kept, and no untruncated address left.

use std::path::PathBuf;

use crate::util::{assert_all_addresses_truncated, Work};

fn corpus_files() -> Option<Vec<PathBuf>> {
    let dir = match std::env::var_os("ANONLOG_CORPUS") {
        Some(d) => PathBuf::from(d),
        None => {
            crate::util::skip("SKIPPED: corpus tests need ANONLOG_CORPUS (set by .ci/run)");
            return None;
        }
    };
    let mut files = Vec::new();
    for sub in std::fs::read_dir(&dir).expect("ANONLOG_CORPUS is a directory") {
        let sub = sub.unwrap().path();
        if sub.is_dir() {
            for f in std::fs::read_dir(&sub).unwrap() {
                let f = f.unwrap().path();
                if f.file_name().is_some_and(|n| n != "LICENSE") {
                    files.push(f);
                }
            }
        }
    }
    files.sort();
    assert!(
        files.len() > 40,
        "the corpus looks incomplete: {} files",
        files.len()
    );
    Some(files)
}

#[test]
fn corpus_files_are_anonymized_without_loss() {
    let Some(files) = corpus_files() else { return };
    let w = Work::new();
    for f in files {
        let input = std::fs::read(&f).unwrap();
        let summary = w.path("s.json");
        let out = w
            .anonymize()
            .arg(&f)
            .arg("--summary-json")
            .arg(&summary)
            .output()
            .unwrap();
        let name = f.display().to_string();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lines = |b: &[u8]| b.split(|&c| c == b'\n').count();
        assert_eq!(lines(&out.stdout), lines(&input), "{name}: line count");
        assert_all_addresses_truncated(&out.stdout, &name);
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
        let t = &v["total"];
        let n = |k: &str| t[k].as_u64().unwrap();
        assert_eq!(n("lines_read"), n("lines_written"), "{name}");
        assert_eq!(
            n("lines_read"),
            n("lines_rewritten") + n("lines_scrubbed") + n("lines_blank") + n("lines_header"),
            "{name}: every line accounted for"
        );
        assert_eq!(n("bytes_in"), input.len() as u64, "{name}");
        // The same with the other paths: bytes must not change.
        let again = w
            .anonymize()
            .args(["-j", "3", "--mmap", "--block-size", "100"])
            .arg(&f)
            .output()
            .unwrap();
        assert!(
            again.stdout == out.stdout,
            "{name}: streamed output differs"
        );
    }
}

#[test]
fn corpus_user_names_and_secrets_do_not_survive() {
    let Some(files) = corpus_files() else { return };
    let w = Work::new();
    // Values known to be in the access and error logs of the corpus.
    let needles = [
        "frank",
        "theuser",
        "jsmith",
        "\"xyz\"",
        "scribendio",
        "user123",
        "root -",
    ];
    for f in files {
        let out = w.anonymize().arg(&f).output().unwrap().stdout;
        let text = String::from_utf8_lossy(&out);
        for n in needles {
            assert!(
                !text.contains(&format!(" {n} [")),
                "{}: user {n} survived",
                f.display()
            );
        }
        assert!(!text.contains("user \"xyz\""), "{}", f.display());
        // Names in BigBlueButton analytics JSON and Redis payloads.
        for n in ["Jibon", "jibon", "\"RED\"", "\"moderator_pass\":\"mp\""] {
            assert!(!text.contains(n), "{}: {n} survived", f.display());
        }
        assert!(!text.contains("user \"scribendio\""), "{}", f.display());
    }
}

#[test]
fn corpus_moodle_exports_are_read_as_moodle() {
    let Some(files) = corpus_files() else { return };
    let w = Work::new();
    let moodle: Vec<_> = files
        .iter()
        .filter(|f| f.to_string_lossy().contains("moodle"))
        .collect();
    assert!(moodle.len() >= 2, "the corpus has Moodle exports");
    for f in moodle {
        let summary = w.path("m.json");
        let out = w
            .anonymize()
            .arg(f)
            .arg("--summary-json")
            .arg(&summary)
            .output()
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
        let format = v["inputs"][0]["format"].as_str().unwrap().to_string();
        assert!(format.starts_with("moodle-"), "{}: {format}", f.display());
        assert_eq!(v["total"]["lines_scrubbed"], 0, "{}", f.display());
        let text = String::from_utf8(out.stdout).unwrap();
        let input = std::fs::read_to_string(f).unwrap();
        // Every user id of the input ("user with id '58'", userid columns)
        // and every display name ("User 58") is gone.
        for line in text.lines().skip(1) {
            assert!(
                !line.contains("User 5") && !line.contains("User 2"),
                "{line}"
            );
            assert!(
                !line.contains("with id '58'") && !line.contains("with id '287'"),
                "{line}"
            );
        }
        if input.contains("relateduserid") {
            let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
            for r in &rows[1..] {
                // userid 2 (and relateduserid 2) became a pseudonym.
                assert_eq!(r[3].len(), 16, "{r:?}");
                assert!(r[5] == "\\N" || r[5] == r[3], "{r:?}");
            }
        }
    }
}
