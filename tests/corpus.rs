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
            n("lines_rewritten") + n("lines_scrubbed") + n("lines_blank"),
            "{name}: every line accounted for"
        );
        assert_eq!(n("bytes_in"), input.len() as u64, "{name}");
        // The same with the other paths: bytes must not change.
        let again = w
            .anonymize()
            .args(["-j", "3", "--no-mmap", "--block-size", "100"])
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
