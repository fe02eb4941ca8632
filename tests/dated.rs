//! Dated outputs: `-o 'dir/access.%Y-%m-%d.log'` splits the output by each
//! line's own time (UTC), appending like rotatelogs.

use std::collections::BTreeMap;
use std::path::Path;

use predicates::prelude::*;

use crate::util::{skip, testdata, Work};

/// Every file under `dir` (recursively), by its path relative to `dir`.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// An access log over three UTC days whose zone offsets move lines across
/// midnight, with untimed lines (garbage, a stack trace, a blank line) and a
/// line out of time order. `DAYS[i]` is the UTC day of line `i`.
const LOG: &str = "\
192.0.2.10 - 58 [24/Nov/2026:23:59:59 +0000] \"GET /my/ HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0\"
192.0.2.11 - 59 [25/Nov/2026:00:30:00 +0100] \"GET /course/view.php?id=2&sesskey=Xk39fLq0Zp HTTP/1.1\" 200 11 \"-\" \"Mozilla/5.0\"
garbage without a time from jane.doe@example.edu
192.0.2.12 - 60 [24/Nov/2026:19:00:00 -0500] \"GET /user/profile.php?id=61 HTTP/1.1\" 200 12 \"-\" \"Mozilla/5.0\"
\tat java.lang.Thread.run(Thread.java:829)

192.0.2.13 - Jane Doe [25/Nov/2026:22:00:00 -0300] \"GET /my/ HTTP/1.1\" 200 13 \"-\" \"Mozilla/5.0\"
2001:db8::1 - 62 [26/Nov/2026:10:00:00 +0000] \"GET /my/ HTTP/1.1\" 200 14 \"-\" \"Mozilla/5.0\"
192.0.2.15 - 63 [25/Nov/2026:23:59:00 +0000] \"GET /late HTTP/1.1\" 200 15 \"-\" \"Mozilla/5.0\"
untimed, after the late line, user=max
";
const DAYS: [u32; 10] = [24, 24, 24, 25, 25, 25, 26, 26, 25, 25];

/// What each day's file must hold: the plain output's lines of that day,
/// in input order.
fn expected_by_day(w: &Work) -> BTreeMap<String, String> {
    let plain = w
        .anonymize()
        .write_stdin(LOG)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plain = text(&plain);
    let lines: Vec<&str> = plain.split_inclusive('\n').collect();
    assert_eq!(lines.len(), DAYS.len());
    let mut want = BTreeMap::new();
    for (line, day) in lines.iter().zip(DAYS) {
        want.entry(format!("access.2026-11-{day}.log"))
            .or_insert_with(String::new)
            .push_str(line);
    }
    want
}

#[test]
fn lines_go_to_the_file_of_their_utc_day_the_same_for_any_reading() {
    let w = Work::new();
    let input = w.write("access.log", LOG.as_bytes());
    let want = expected_by_day(&w);
    assert_eq!(want.len(), 3);
    let runs: [(&str, &[&str], bool); 5] = [
        ("default", &[], false),
        ("j1", &["-j1", "--block-size", "1"], false),
        ("j3", &["-j3", "--block-size", "1"], false),
        ("mmap", &["-j3", "--block-size", "64", "--mmap"], false),
        ("stdin", &["-j2", "--block-size", "100"], true),
    ];
    for (name, args, stdin) in runs {
        let out = w.path(name);
        let mut c = w.anonymize();
        c.args(args).arg("-o").arg(out.join("access.%Y-%m-%d.log"));
        if stdin {
            c.write_stdin(LOG);
        } else {
            c.arg(&input);
        }
        c.assert().success().stdout("");
        let got: BTreeMap<String, String> = files(&out)
            .into_iter()
            .map(|(k, v)| (k, text(&v)))
            .collect();
        assert_eq!(got, want, "{name}");
    }
    let day24 = &want["access.2026-11-24.log"];
    assert!(day24.contains("garbage without a time from e_"), "{day24}");
    assert!(!day24.contains("jane.doe") && !day24.contains("Xk39fLq0Zp"));
    let day25 = &want["access.2026-11-25.log"];
    assert!(
        day25.contains("Thread.java") && day25.contains(", after the late line"),
        "{day25}"
    );
}

#[test]
fn dated_files_are_mode_0640_in_directories_made_0750() {
    use std::os::unix::fs::PermissionsExt;
    let w = Work::new();
    let out = w.path("a/b");
    w.anonymize()
        .arg("-o")
        .arg(out.join("%Y/%m/access.%d.log"))
        .write_stdin(LOG)
        .assert()
        .success();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let file = out.join("2026/11/access.24.log");
    // The umask may only take bits away.
    assert_eq!(mode(&file) & !0o640, 0, "{:o}", mode(&file));
    assert_ne!(mode(&file) & 0o600, 0);
    assert_eq!(mode(&out.join("2026/11")) & !0o750, 0);
    assert_eq!(mode(&out.join("2026")) & !0o750, 0);
    assert_eq!(files(&out).len(), 3);
}

#[test]
fn iso_week_pattern_follows_iso_years() {
    let w = Work::new();
    let line = |d: &str| {
        format!("192.0.2.1 - 58 [{d}:12:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"\n")
    };
    let input: String = [
        "31/Dec/2020", // Thursday: 2020-W53
        "03/Jan/2021", // Sunday: still 2020-W53
        "04/Jan/2021", // Monday: 2021-W01
        "30/Dec/2024", // Monday: 2025-W01
        "25/Nov/2026", // 2026-W48
    ]
    .iter()
    .map(|d| line(d))
    .collect();
    let out = w.path("weeks");
    w.anonymize()
        .arg("-o")
        .arg(out.join("%G/access.%G-W%V.log"))
        .write_stdin(input)
        .assert()
        .success();
    let got: BTreeMap<String, usize> = files(&out)
        .into_iter()
        .map(|(k, v)| (k, text(&v).lines().count()))
        .collect();
    let want: BTreeMap<String, usize> = [
        ("2020/access.2020-W53.log", 2),
        ("2021/access.2021-W01.log", 1),
        ("2025/access.2025-W01.log", 1),
        ("2026/access.2026-W48.log", 1),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn a_second_run_appends_to_the_days_file() {
    let w = Work::new();
    let out = w.path("out");
    let pattern = out.join("access.%Y-%m-%d.log");
    let first: String = LOG.lines().take(2).map(|l| format!("{l}\n")).collect();
    w.anonymize()
        .arg("-o")
        .arg(&pattern)
        .write_stdin(first)
        .assert()
        .success();
    let after_first = files(&out);
    assert_eq!(after_first.len(), 1);
    w.anonymize()
        .arg("-o")
        .arg(&pattern)
        .write_stdin(LOG)
        .assert()
        .success();
    let want = expected_by_day(&w);
    let got = files(&out);
    let day24 = text(&got["access.2026-11-24.log"]);
    // The first run's two lines, then the whole day again.
    let first_two = text(&after_first["access.2026-11-24.log"]);
    assert_eq!(day24, first_two + &want["access.2026-11-24.log"]);
    assert_eq!(
        text(&got["access.2026-11-25.log"]),
        want["access.2026-11-25.log"]
    );
}

#[test]
fn every_new_csv_file_starts_with_the_header() {
    let w = Work::new();
    let src = testdata("moodle/logstore-postgres.csv");
    let plain = w
        .anonymize()
        .arg(&src)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    // Records as the csv crate reads them: the header and nine rows, the
    // last of 2023-11-21, the others of 2023-11-14.
    let records = |b: &[u8]| -> Vec<csv::StringRecord> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(b)
            .records()
            .map(Result::unwrap)
            .collect()
    };
    let all = records(&plain);
    assert_eq!(all.len(), 10);
    let header = text(&plain).lines().next().unwrap().to_string() + "\n";

    let mut first = None;
    for args in [&[][..], &["-j3", "--block-size", "1"], &["--mmap", "-j2"]] {
        let out = w.path(&format!("csv{}", args.len()));
        w.anonymize()
            .args(args)
            .arg(&src)
            .arg("-o")
            .arg(out.join("logstore.%Y-%m-%d.csv"))
            .assert()
            .success();
        let got = files(&out);
        let names: Vec<&str> = got.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["logstore.2023-11-14.csv", "logstore.2023-11-21.csv"]
        );
        let a = &got["logstore.2023-11-14.csv"];
        let b = &got["logstore.2023-11-21.csv"];
        assert!(text(a).starts_with(&header) && text(b).starts_with(&header));
        assert_eq!(records(a), all[..9].to_vec());
        assert_eq!(records(b), [all[0].clone(), all[9].clone()]);
        match &first {
            None => first = Some(got),
            Some(f) => assert_eq!(&got, f, "{args:?}"),
        }
    }
    // Appending to a file that has data adds rows, not a second header.
    let out = w.path("csv0");
    w.anonymize()
        .arg(&src)
        .arg("-o")
        .arg(out.join("logstore.%Y-%m-%d.csv"))
        .assert()
        .success();
    let got = files(&out);
    let b = records(&got["logstore.2023-11-21.csv"]);
    assert_eq!(b, [all[0].clone(), all[9].clone(), all[9].clone()]);
}

#[test]
fn a_bom_starts_every_new_file_and_only_there() {
    let w = Work::new();
    let out = w.path("bom");
    let input = format!("\u{feff}{LOG}");
    for _ in 0..2 {
        w.anonymize()
            .arg("-o")
            .arg(out.join("%Y-%m-%d.log"))
            .write_stdin(input.clone())
            .assert()
            .success();
    }
    for (name, bytes) in files(&out) {
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{name}");
        let boms = text(&bytes).matches('\u{feff}').count();
        assert_eq!(boms, 1, "{name}");
    }
}

#[test]
fn an_unknown_field_is_a_usage_error_naming_it() {
    let w = Work::new();
    let out = w.path("out");
    w.anonymize()
        .arg("-o")
        .arg(out.join("access.%Y-%Q.log"))
        .write_stdin(LOG)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("unknown field '%Q'"));
    assert!(!out.exists());
}

#[test]
fn a_path_under_a_regular_file_is_an_io_error_naming_it() {
    // Fails even as root: a regular file cannot hold files.
    let w = Work::new();
    w.write("somefile", b"");
    w.anonymize()
        .arg("-o")
        .arg(w.path("somefile/%Y.log"))
        .write_stdin(LOG)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("somefile/2026.log"));
}

#[test]
fn a_failed_run_keeps_the_lines_written_before_it() {
    // `out/25` is a regular file, so the 24th is written and the 25th
    // fails; unlike an atomic `-o FILE`, what was written stays.
    let w = Work::new();
    std::fs::create_dir(w.path("out")).unwrap();
    w.write("out/25", b"");
    let want = expected_by_day(&w);
    w.anonymize()
        .arg("-o")
        .arg(w.path("out/%d/access.log"))
        .write_stdin(LOG)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("out/25/access.log")
                .and(predicate::str::contains("Not a directory")),
        );
    let got = std::fs::read(w.path("out/24/access.log")).unwrap();
    assert_eq!(text(&got), want["access.2026-11-24.log"]);
}

#[test]
fn an_unwritable_directory_is_an_io_error_naming_the_file() {
    let w = Work::new();
    let ro = w.path("ro");
    std::fs::create_dir(&ro).unwrap();
    crate::util::set_mode(&ro, 0o500);
    if std::fs::write(ro.join("probe"), b"").is_ok() {
        skip("SKIPPED: an_unwritable_directory_is_an_io_error_naming_the_file (running as root: a 0500 directory is writable)");
        return;
    }
    w.anonymize()
        .arg("-o")
        .arg(ro.join("sub/access.%Y-%m-%d.log"))
        .write_stdin(LOG)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("ro/sub").and(predicate::str::contains("ermission denied")),
        );
    crate::util::set_mode(&ro, 0o700);
}

#[test]
fn fail_mode_says_the_lines_before_are_in_the_files() {
    let w = Work::new();
    let out = w.path("out");
    w.anonymize()
        .arg("--on-unparsed")
        .arg("fail")
        .arg("-o")
        .arg(out.join("%Y-%m-%d.log"))
        .write_stdin(LOG)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "stopped at <stdin>:3 (--on-unparsed fail); the lines before it are in the dated files",
        ));
    let got = files(&out);
    assert_eq!(got.len(), 1);
    assert_eq!(text(&got["2026-11-24.log"]).lines().count(), 2);
}

#[test]
fn lines_outside_the_window_lead_no_line_into_their_file() {
    // The trace after a line left out by --since is kept (it has no time of
    // its own) and goes with the next line in the window, not into the
    // left-out line's day.
    let w = Work::new();
    let out = w.path("out");
    let input = "\
192.0.2.1 - 58 [24/Nov/2026:12:00:00 +0000] \"GET /old HTTP/1.1\" 500 1 \"-\" \"-\"
\tat org.example.Old(Old.java:1)
192.0.2.2 - 59 [25/Nov/2026:12:00:00 +0000] \"GET /new HTTP/1.1\" 200 1 \"-\" \"-\"
";
    w.anonymize()
        .args(["--since", "2026-11-25", "-o"])
        .arg(out.join("%Y-%m-%d.log"))
        .write_stdin(input)
        .assert()
        .success();
    let got = files(&out);
    assert_eq!(got.keys().collect::<Vec<_>>(), ["2026-11-25.log"]);
    let day = text(&got["2026-11-25.log"]);
    assert!(
        day.starts_with("\tat org.example.Old") && day.contains("GET /new"),
        "{day}"
    );
}

/// A day's file left ending inside a line (a run killed mid-write) gets a
/// line end before the next run appends: two lines are never glued, and
/// the repair is reported.
#[test]
fn a_file_ending_inside_a_line_is_repaired_before_appending() {
    let w = Work::new();
    let out = w.path("out");
    std::fs::create_dir_all(&out).unwrap();
    let torn =
        b"192.0.2.0 - n_aaaa [24/Nov/2026:23:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"Ge";
    std::fs::write(out.join("access.2026-11-24.log"), torn).unwrap();
    let run = w
        .anonymize()
        .arg("-o")
        .arg(out.join("access.%Y-%m-%d.log"))
        .write_stdin(LOG)
        .output()
        .unwrap();
    assert!(run.status.success());
    let err = text(&run.stderr);
    assert!(
        err.contains(&format!(
            "warning: {} ended inside a line",
            out.join("access.2026-11-24.log").display()
        )),
        "{err}"
    );
    assert!(err.contains("1 dated file(s) repaired"), "{err}");
    let day = std::fs::read(out.join("access.2026-11-24.log")).unwrap();
    let mut want = torn.to_vec();
    want.push(b'\n');
    assert!(day.starts_with(&want), "{}", text(&day));
    assert!(text(&day[want.len()..]).starts_with("192.0.2.0 - "));
    // The other days were whole: nothing to report on the next run.
    let again = w
        .anonymize()
        .arg("-o")
        .arg(out.join("access.%Y-%m-%d.log"))
        .write_stdin(LOG)
        .output()
        .unwrap();
    assert!(!text(&again.stderr).contains("repaired"));
}

/// The many lines of a big input, all of one day.
fn one_day(lines: usize) -> String {
    (0..lines)
        .map(|i| {
            format!(
                "192.0.2.{} - u{i} [24/Nov/2026:10:00:00 +0000] \"GET /course/view.php?id={i} HTTP/1.1\" 200 1 \"-\" \"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/119.0\"\n",
                i % 250
            )
        })
        .collect()
}

/// A full disk (here a file size limit) stops the run with an error naming
/// the file, and the file holds whole lines only.
#[test]
fn a_full_disk_leaves_whole_lines_only() {
    let w = Work::new();
    let input = w.write("big.log", one_day(20_000).as_bytes());
    let out = w.path("out");
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("anonlog"));
    c.args(["anonymize", "-q", "-k"])
        .arg(w.key())
        .arg("-o")
        .arg(out.join("access.%Y-%m-%d.log"))
        .args(["--block-size", "4096"])
        .arg(&input);
    crate::util::limit_file_size(&mut c, 300_001);
    let run = c.output().unwrap();
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    let file = out.join("access.2026-11-24.log");
    assert!(err.contains(&file.display().to_string()), "{err}");
    let day = std::fs::read(&file).unwrap();
    assert!(day.len() > 200_000 && day.len() <= 300_001, "{}", day.len());
    assert_eq!(day.last(), Some(&b'\n'), "a torn last line");
}

/// SIGTERM while dated files are written leaves them ending at a line end.
/// Bounded: three rounds.
#[test]
fn sigterm_leaves_dated_files_ending_at_a_line_end() {
    let w = Work::new();
    let input = w.write("big.log", one_day(200_000).as_bytes());
    for round in 0..3 {
        let out = w.path(&format!("out{round}"));
        let file = out.join("access.2026-11-24.log");
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("anonlog"))
            .args(["anonymize", "-q", "-j1", "-k"])
            .arg(w.key())
            .arg("-o")
            .arg(out.join("access.%Y-%m-%d.log"))
            .arg(&input)
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::fs::metadata(&file).map_or(true, |m| m.len() < 100_000)
            && child.try_wait().unwrap().is_none()
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        // SAFETY: signals our own child.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
        }
        child.wait().unwrap();
        let day = std::fs::read(&file).unwrap();
        assert_eq!(day.last(), Some(&b'\n'), "round {round}: a torn last line");
    }
}
