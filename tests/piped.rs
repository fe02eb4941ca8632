//! Piped mode, as Apache's `CustomLog "|anonlog …"` and `tail -F | anonlog`
//! use it: lines written one per `write` are rewritten on the reading thread
//! and come out exactly as the same bytes read from a file would.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::util::{anonlog, testdata, Work};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The lines of `data` (with their line feeds).
fn lines(data: &[u8]) -> Vec<&[u8]> {
    data.split_inclusive(|&b| b == b'\n').collect()
}

/// Writes `data` to `w` one line per `write`, pausing now and then so that
/// the reader sees both single lines and batches.
fn trickle(mut w: impl Write, data: &[u8]) {
    for (i, l) in lines(data).iter().enumerate() {
        w.write_all(l).unwrap();
        w.flush().unwrap();
        if i % 50 == 7 {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
}

/// `anonlog ARGS` with `data` written to its standard input a line at a
/// time; its output and status.
fn piped(args: &[&std::ffi::OsStr], data: &[u8]) -> (Vec<u8>, String, Option<i32>) {
    piped_by(args, data, trickle)
}

/// `anonlog ARGS` with `data` written to its standard input in one go.
fn piped_at_once(args: &[&std::ffi::OsStr], data: &[u8]) -> (Vec<u8>, String, Option<i32>) {
    piped_by(args, data, |mut w: std::process::ChildStdin, d: &[u8]| {
        w.write_all(d).unwrap()
    })
}

/// `anonlog ARGS` with `data` written to its standard input by `write`.
fn piped_by(
    args: &[&std::ffi::OsStr],
    data: &[u8],
    write: fn(std::process::ChildStdin, &[u8]),
) -> (Vec<u8>, String, Option<i32>) {
    let mut child: Child = Command::new(assert_cmd::cargo::cargo_bin("anonlog"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let data = data.to_vec();
    let writer = std::thread::spawn(move || write(stdin, &data));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (out.stdout, text(&out.stderr), out.status.code())
}

/// `anonlog ARGS FILE`: the file-mode output.
fn from_file(args: &[&std::ffi::OsStr], file: &Path) -> (Vec<u8>, Option<i32>) {
    let out = anonlog().args(args).arg(file).output().unwrap();
    (out.stdout, out.status.code())
}

fn access_log() -> Vec<u8> {
    let mut s = String::new();
    for i in 0..600 {
        s += &format!(
            "10.{}.2.{} - user{} [{:02}/Oct/2026:13:{:02}:36 +0000] \"GET /course/view.php?id={}&sesskey=abc{} HTTP/1.1\" 200 {}\n",
            i % 7,
            i % 250,
            i % 13,
            1 + i / 30,
            i % 60,
            2 + i % 3,
            i,
            i
        );
        if i % 97 == 0 {
            s += "\tat org.example.Trace(Trace.java:42) from 10.9.8.7\n";
        }
    }
    s.into_bytes()
}

/// Piped input gives the file-mode output byte for byte: access lines with
/// a static key and with a keyring (where untimed lines inherit an epoch),
/// a Moodle CSV export, BigBlueButton lines, any thread count.
#[test]
fn piped_output_is_file_output() {
    let w = Work::new();
    anonlog()
        .args(["key", "init", "--epoch", "7d", "--key-dir"])
        .arg(w.path("ring"))
        .assert()
        .success();
    let access = w.write("access.log", &access_log());
    let key = w.key().into_os_string();
    let ring = w.path("ring").into_os_string();
    let cases: Vec<(Vec<std::ffi::OsString>, std::path::PathBuf)> = vec![
        (vec!["-k".into(), key.clone()], access.clone()),
        (vec!["--key-dir".into(), ring], access),
        (
            vec!["-k".into(), key.clone()],
            testdata("moodle/logstore-postgres.csv"),
        ),
        (vec!["-k".into(), key.clone()], testdata("bbb.log")),
        (vec!["-k".into(), key], testdata("moodle-access.log")),
    ];
    for (keys, file) in cases {
        for threads in ["1", "4"] {
            let mut args: Vec<std::ffi::OsString> =
                vec!["anonymize".into(), "-q".into(), "-j".into(), threads.into()];
            args.extend(keys.iter().cloned());
            let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
            let (want, code) = from_file(&args, &file);
            assert!(!want.is_empty(), "{file:?}");
            let (got, err, got_code) = piped(&args, &std::fs::read(&file).unwrap());
            assert_eq!(got_code, code, "{file:?}: {err}");
            assert_eq!(text(&got), text(&want), "{file:?} -j {threads}");
        }
    }
}

/// A FIFO named as the input is piped too; its output is the file's.
#[test]
fn fifo_input_is_file_output() {
    let w = Work::new();
    let data = access_log();
    let file = w.write("access.log", &data);
    let fifo = w.path("access.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("SKIP: mkfifo is not available");
        return;
    }
    let key = w.key().into_os_string();
    let args: Vec<&std::ffi::OsStr> = [
        "anonymize".as_ref(),
        "-q".as_ref(),
        "-k".as_ref(),
        key.as_os_str(),
    ]
    .to_vec();
    let (want, _) = from_file(&args, &file);
    let child = Command::new(assert_cmd::cargo::cargo_bin("anonlog"))
        .args(&args)
        .arg(&fifo)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let fifo2 = fifo.clone();
    let writer = std::thread::spawn(move || {
        let f = std::fs::OpenOptions::new().write(true).open(fifo2).unwrap();
        trickle(f, &data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), text(&want));
}

/// Dated outputs from a pipe are the dated outputs from the file.
#[test]
fn piped_dated_output_is_file_output() {
    let w = Work::new();
    let data = access_log();
    let file = w.write("access.log", &data);
    let run = |dir: &str, piped_in: bool| {
        let pattern = w.path(dir).join("access.%Y-%m-%d.log").into_os_string();
        let key = w.key().into_os_string();
        let args: Vec<&std::ffi::OsStr> = vec![
            "anonymize".as_ref(),
            "-q".as_ref(),
            "-k".as_ref(),
            key.as_os_str(),
            "-o".as_ref(),
            pattern.as_os_str(),
        ];
        if piped_in {
            let (_, err, code) = piped(&args, &data);
            assert_eq!(code, Some(0), "{err}");
        } else {
            assert_eq!(from_file(&args, &file).1, Some(0));
        }
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(w.path(dir))
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let want = run("file", false);
    assert_eq!(want.len(), 20);
    assert_eq!(run("pipe", true), want);
}

fn kill(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// `apachectl restart`/`stop` sends SIGTERM to a piped logger whose pipe
/// still holds lines: they are read, rewritten and written, then the
/// process exits 143 (issue 16). The lines are put in the pipe while the
/// process is stopped, so that they are unread when the signal arrives; the
/// pipe stays open, as Apache keeps it.
#[test]
fn sigterm_drains_the_pipe_then_exits_143() {
    let w = Work::new();
    let data = access_log();
    let file = w.write("access.log", &data);
    let out_file = w.path("out.log");
    for dated in [false, true] {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("anonlog"));
        c.args(["anonymize", "-q", "-k"]).arg(w.key());
        if dated {
            c.arg("-o").arg(w.path("dated").join("a.%Y-%m-%d.log"));
        }
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(std::fs::File::create(&out_file).unwrap())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let all = lines(&data);
        // The first line, and wait (bounded) until it was written: anonlog
        // is now reading the pipe.
        stdin.write_all(all[0]).unwrap();
        stdin.flush().unwrap();
        let written = || {
            if dated {
                std::fs::read_dir(w.path("dated"))
                    .map(|d| d.count())
                    .unwrap_or(0)
            } else {
                std::fs::read(&out_file).unwrap().len()
            }
        };
        for _ in 0..400 {
            if written() > 0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        assert!(written() > 0, "the first line was written");
        kill(child.id(), "-STOP");
        for l in &all[1..] {
            stdin.write_all(l).unwrap();
        }
        stdin.flush().unwrap();
        kill(child.id(), "-TERM");
        kill(child.id(), "-CONT");
        let out = child.wait_with_output().unwrap();
        drop(stdin);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(143), "{err}");
        assert!(err.contains("terminated by signal 15"), "{err}");
        let got = if dated {
            let mut files: Vec<_> = std::fs::read_dir(w.path("dated"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            files
                .iter()
                .flat_map(|f| std::fs::read(f).unwrap())
                .collect()
        } else {
            std::fs::read(&out_file).unwrap()
        };
        let key = w.key().into_os_string();
        let args: Vec<&std::ffi::OsStr> = vec![
            "anonymize".as_ref(),
            "-q".as_ref(),
            "-k".as_ref(),
            key.as_os_str(),
        ];
        let (want, _) = from_file(&args, &file);
        assert_eq!(text(&got), text(&want), "dated: {dated}");
    }
}

/// Lines with every kind of identity: a user field, a profile id, an
/// e-mail address, a secret, a BigBlueButton user, addresses in XFF and in
/// a stack trace.
const IDENTITIES: &[u8] = b"203.0.113.9 - jdoe [02/Nov/2026:10:00:00 +0000] \"GET /user/profile.php?id=58&sesskey=s3cr3t HTTP/1.1\" 200 5 \"-\" \"curl/8\"\n\
\tat org.example.Trace(Trace.java:42) from 198.51.100.23 for jane@example.org\n\
2026-11-02T10:00:01.000Z INFO  [qtp-1] o.b.w.c.ApiController - Meeting joined data={\"meetingId\":\"abc\",\"userId\":\"w_xyz\",\"fullName\":\"Jane Doe\",\"ipAddress\":\"192.0.2.44\"}\n";

/// A missing or bad key in piped mode (Apache restarts a pipe that exits,
/// losing every line): anonlog says so loudly once, keeps reading, writes
/// every line with every identity REDACTED and addresses truncated, and
/// exits 2 at the end with a summary that counts them.
#[test]
fn an_unusable_key_in_piped_mode_redacts_every_identity_and_loses_no_line() {
    let w = Work::new();
    let loose = w.write_key("loose", &crate::util::KEY, 0o644);
    let missing = w.path("missing");
    let cases: [(&str, &Path); 3] = [("-k", &missing), ("-k", &loose), ("--key-dir", &missing)];
    let mut outputs = Vec::new();
    for (opt, path) in cases {
        let args = [
            std::ffi::OsStr::new("anonymize"),
            std::ffi::OsStr::new(opt),
            path.as_os_str(),
        ];
        let (out, err, code) = piped(&args, IDENTITIES);
        assert_eq!(code, Some(2), "{err}");
        let first = err.lines().next().unwrap();
        assert!(
            first.starts_with(&format!(
                "anonlog: ERROR: key {} unusable (",
                path.display()
            )) && first.ends_with("): writing every identity as REDACTED"),
            "{err}"
        );
        assert_eq!(err.matches("writing every identity as REDACTED").count(), 1);
        assert!(
            err.contains(
                "anonlog: ERROR: no usable key: 3 lines were written with every identity REDACTED"
            ),
            "{err}"
        );
        assert!(err.contains("3 lines read, 3 written"), "{err}");
        outputs.push(out);
    }
    assert!(outputs.iter().all(|o| *o == outputs[0]));
    let out = text(&outputs[0]);
    for raw in [
        "203.0.113.9",
        "jdoe",
        "id=58",
        "s3cr3t",
        "198.51.100.23",
        "jane@",
        "w_xyz",
        "Jane Doe",
        "192.0.2.44",
    ] {
        assert!(!out.contains(raw), "{raw} in\n{out}");
    }
    assert_eq!(
        out,
        "203.0.113.0 - REDACTED [02/Nov/2026:10:00:00 +0000] \"GET /user/profile.php?id=REDACTED&sesskey=REDACTED HTTP/1.1\" 200 5 \"-\" \"curl/8\"\n\
         \tat org.example.Trace(Trace.java:42) from 198.51.100.0 for REDACTED\n\
         2026-11-02T10:00:01.000Z INFO  [REDACTED] o.b.w.c.ApiController - Meeting joined data={\"meetingId\":\"abc\",\"userId\":\"REDACTED\",\"fullName\":\"REDACTED\",\"ipAddress\":\"REDACTED\"}\n"
    );
}

/// A file input keeps failing at once on a bad key: nothing is written.
#[test]
fn an_unusable_key_with_a_file_input_fails_at_once() {
    let w = Work::new();
    let f = w.write("in.log", IDENTITIES);
    let out = anonlog()
        .args(["anonymize", "-k"])
        .arg(w.path("missing"))
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).starts_with("anonlog: error: cannot open key file"));
}

/// `anonlog key check` for `apachectl configtest`-style scripts: 0 for a
/// usable key, 2 with the reason otherwise.
#[test]
fn key_check_says_whether_a_key_is_usable() {
    let w = Work::new();
    let check = |args: &[&std::ffi::OsStr]| {
        let out = anonlog()
            .args(["key", "check"])
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), text(&out.stderr))
    };
    let (code, err) = check(&["-k".as_ref(), w.key().as_os_str()]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        err,
        format!(
            "anonlog: key {} is usable (a static key)\n",
            w.key().display()
        )
    );
    let loose = w.write_key("loose", &crate::util::KEY, 0o644);
    let (code, err) = check(&["-k".as_ref(), loose.as_os_str()]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with(&format!(
            "anonlog: error: key {} unusable: key file {} has mode 0644",
            loose.display(),
            loose.display()
        )),
        "{err}"
    );
    let (code, err) = check(&["-k".as_ref(), w.path("missing").as_os_str()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("cannot open key file"), "{err}");
    // A keyring: usable while the current epoch has its key.
    let ring = w.path("ring");
    anonlog()
        .args(["key", "init", "--epoch", "7d", "--key-dir"])
        .arg(&ring)
        .assert()
        .success();
    let (code, err) = check(&["--key-dir".as_ref(), ring.as_os_str()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("is usable (the key of the current epoch"),
        "{err}"
    );
    let (code, err) = check(&[
        "--key-dir".as_ref(),
        ring.as_os_str(),
        "--now".as_ref(),
        "@4000000000".as_ref(),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("has no key yet; run `anonlog key rotate"),
        "{err}"
    );
}

/// A pipe's `-o FILE` is appended to, never replaced: Apache restarts its
/// piped loggers on every (graceful) restart, and each run's lines must stay
/// after the next run has started, including the lines of a run that ended
/// by SIGTERM. A file left ending inside a line gets a line end first.
#[test]
fn a_pipes_output_file_is_appended_to_across_restarts() {
    let w = Work::new();
    let data = access_log();
    let all = lines(&data);
    let (first, second) = (all[..10].concat(), all[10..20].concat());
    let file = w.path("logs").join("access.log");
    let key = w.key().into_os_string();
    let args: Vec<&std::ffi::OsStr> = vec![
        "anonymize".as_ref(),
        "-q".as_ref(),
        "-k".as_ref(),
        key.as_os_str(),
        "-o".as_ref(),
        file.as_os_str(),
    ];
    let (_, err, code) = piped(&args, &first);
    assert_eq!(code, Some(0), "{err}");
    // The way a killed writer leaves it.
    let mut cut = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap();
    cut.write_all(b"10.1.2.0 - n_x [01/Oct/2026:13:").unwrap();
    drop(cut);
    let (_, err, code) = piped(&args, &second);
    assert_eq!(code, Some(0), "{err}");
    let stdout_args = &args[..4];
    let (want_first, _) = from_file(stdout_args, &w.write("first.log", &first));
    let (want_second, _) = from_file(stdout_args, &w.write("second.log", &second));
    let got = std::fs::read(&file).unwrap();
    let mut want = want_first;
    want.extend_from_slice(b"10.1.2.0 - n_x [01/Oct/2026:13:\n");
    want.extend_from_slice(&want_second);
    assert_eq!(text(&got), text(&want));
}

/// A pipe that delivers faster than one thread rewrites (`cat big.log |
/// anonlog`) is handed to the worker threads once its blocks come full; the
/// output is still the file-mode output byte for byte, for a static key
/// and for a keyring (whose carries continue across the hand-over).
#[test]
fn a_bulk_pipe_goes_parallel_with_the_same_bytes() {
    let w = Work::new();
    anonlog()
        .args(["key", "init", "--epoch", "7d", "--key-dir"])
        .arg(w.path("ring"))
        .assert()
        .success();
    let mut data = Vec::new();
    for _ in 0..40 {
        data.extend_from_slice(&access_log());
    }
    let file = w.write("big.log", &data);
    let key = w.key().into_os_string();
    let ring = w.path("ring").into_os_string();
    for keys in [["-k".into(), key], ["--key-dir".into(), ring]] {
        let keys: [std::ffi::OsString; 2] = keys;
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "anonymize".as_ref(),
            "-q".as_ref(),
            "-j".as_ref(),
            "4".as_ref(),
            "--block-size".as_ref(),
            "4096".as_ref(),
        ];
        args.extend(keys.iter().map(|k| k.as_os_str()));
        let (want, code) = from_file(&args, &file);
        assert_eq!(code, Some(0));
        let (got, err, code) = piped_at_once(&args, &data);
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(got.len(), want.len());
        assert!(got == want, "piped bulk output differs from file mode");
    }
}
