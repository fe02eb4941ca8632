//! Every input path gives the same bytes: memory map or stream, file or
//! stdin, 1 or N threads, any block size. Plus promptness and I/O errors.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use predicates::prelude::*;

use crate::util::{testdata, Work};

/// A larger input: the fixture repeated with distinct addresses and users.
fn big_input() -> Vec<u8> {
    let base = std::fs::read_to_string(testdata("moodle-access.log")).unwrap();
    let mut out = String::new();
    for i in 0..400 {
        for line in base.lines() {
            out.push_str(
                &line
                    .replace("192.0.2.", &format!("10.{}.{}.", i % 251, i % 7))
                    .replace(" 58 ", &format!(" {} ", 100 + i)),
            );
            out.push('\n');
        }
    }
    out.into_bytes()
}

#[test]
fn same_bytes_for_every_path_threads_and_block_size() {
    let w = Work::new();
    let data = big_input();
    let f = w.write("big.log", &data);
    let reference = w.anonymize().arg(&f).args(["-j", "1"]).output().unwrap();
    assert!(reference.status.success());
    let reference = reference.stdout;
    assert_eq!(
        reference.iter().filter(|&&b| b == b'\n').count(),
        data.iter().filter(|&&b| b == b'\n').count()
    );
    crate::util::assert_all_addresses_truncated(&reference, "big.log");
    let variants: Vec<Vec<&str>> = vec![
        vec!["-j", "2"],
        vec!["-j", "4"],
        vec!["-j", "3", "--block-size", "1"],
        vec!["-j", "2", "--block-size", "777"],
        vec!["-j", "1", "--mmap"],
        vec!["-j", "4", "--mmap", "--block-size", "4096"],
    ];
    for v in &variants {
        let out = w.anonymize().arg(&f).args(v).output().unwrap();
        assert!(out.status.success(), "{v:?}");
        assert!(out.stdout == reference, "file input with {v:?} differs");
        let out = w
            .anonymize()
            .args(v)
            .write_stdin(data.clone())
            .output()
            .unwrap();
        assert!(out.status.success(), "{v:?}");
        assert!(out.stdout == reference, "stdin input with {v:?} differs");
    }
}

#[test]
fn several_files_are_concatenated_in_order_and_counted() {
    let w = Work::new();
    let a = w.write(
        "a.log",
        b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 5\n",
    );
    let b = w.write(
        "b.log",
        b"5.6.7.8 - - [10/Oct/2000:13:55:36 -0700] \"GET /b HTTP/1.1\" 200 5",
    );
    let summary = w.path("s.json");
    w.anonymize()
        .arg(&a)
        .arg(&b)
        .arg(&a)
        .arg("--summary-json")
        .arg(&summary)
        .assert()
        .success()
        .stdout(
            "1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 5\n\
             5.6.7.0 - - [10/Oct/2000:13:55:36 -0700] \"GET /b HTTP/1.1\" 200 5\
             1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 5\n",
        );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert_eq!(v["inputs"].as_array().unwrap().len(), 3);
    assert_eq!(v["total"]["lines_read"], 3);
}

#[test]
fn unreadable_and_directory_inputs_are_reported_and_skipped() {
    let w = Work::new();
    let good = w.write(
        "good.log",
        b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5\n",
    );
    w.anonymize()
        .arg(w.path("missing.log"))
        .arg(w.dir.path())
        .arg(&good)
        .assert()
        .code(2)
        .stdout("1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5\n")
        .stderr(
            predicate::str::contains("missing.log: No such file")
                .and(predicate::str::contains("is a directory")),
        );
}

#[test]
fn empty_input_is_fine() {
    let w = Work::new();
    let f = w.write("empty.log", b"");
    w.anonymize().arg(&f).assert().success().stdout("");
    w.anonymize().write_stdin("").assert().success().stdout("");
}

/// Apache pipes one line at a time and keeps the pipe open: each line must
/// reach the output while the input is still open, not when it closes.
#[test]
fn piped_lines_come_out_before_the_input_ends() {
    let w = Work::new();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("anonlog"))
        .args(["anonymize", "-q", "-j", "2", "-k"])
        .arg(w.key())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    for (i, ip) in ["10.0.0.7", "10.0.1.8", "10.0.2.9"].iter().enumerate() {
        writeln!(
            stdin,
            "{ip} - - [10/Oct/2000:13:55:3{i} -0700] \"GET / HTTP/1.1\" 200 5"
        )
        .unwrap();
        stdin.flush().unwrap();
        // The bound only guards against a hang; the point is that the line
        // arrives while stdin is still open.
        let got = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("line arrived while input open");
        assert!(got.starts_with(&format!("10.0.{i}.0 - - ")), "{got}");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// SIGTERM while a pipe is written to `-o FILE` (Apache stopping its piped
/// logger): the lines read are appended after what the file held, no
/// temporary file is made or left, the status says the run was terminated.
#[test]
fn sigterm_on_a_pipe_appends_what_was_read() {
    let w = Work::new();
    let out = w.write("out.log", b"previous\n");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("anonlog"))
        .args(["anonymize", "-q", "-k"])
        .arg(w.key())
        .arg("-o")
        .arg(&out)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(
        stdin,
        "10.0.0.7 - - [10/Oct/2000:13:55:30 -0700] \"GET / HTTP/1.1\" 200 5"
    )
    .unwrap();
    stdin.flush().unwrap();
    let temp_exists = || {
        std::fs::read_dir(w.dir.path()).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".anonlog-")
        })
    };
    // Wait (bounded) for the line to be written, then terminate.
    let lines = || std::fs::read(&out).unwrap().split(|&b| b == b'\n').count() - 1;
    for _ in 0..200 {
        if lines() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(lines(), 2, "the line was written as it came");
    assert!(!temp_exists(), "a pipe's output is appended, not staged");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap();
    drop(stdin);
    assert_eq!(code.code(), Some(128 + 15), "{code:?}");
    assert!(!temp_exists(), "no temporary file left");
    assert_eq!(
        String::from_utf8(std::fs::read(&out).unwrap()).unwrap(),
        "previous\n10.0.0.0 - - [10/Oct/2000:13:55:30 -0700] \"GET / HTTP/1.1\" 200 5\n"
    );
}

/// A full disk (here /dev/full as standard output) is an I/O error with a
/// message and status 2, not a silent loss.
#[test]
fn full_disk_is_an_error() {
    let w = Work::new();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full");
    let Ok(full) = full else {
        crate::util::skip("SKIPPED: no /dev/full on this system");
        return;
    };
    let out = Command::new(assert_cmd::cargo::cargo_bin("anonlog"))
        .args(["anonymize", "-q", "-k"])
        .arg(w.key())
        .arg(testdata("moodle-access.log"))
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("output") && err.contains("No space left"),
        "{err}"
    );
}
