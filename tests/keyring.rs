//! Keyrings: epochs chosen by each line's own time, rotation, destruction,
//! keyed IP mode, and the data-subject commands.

use predicates::prelude::*;

use crate::util::{anonlog, set_mode, Work};

/// 2026-11-23 is a Monday: with 7-day epochs, a boundary falls at its
/// midnight UTC.
const BEFORE: &str = "22/Nov/2026:23:59:59 +0000";
const AFTER: &str = "23/Nov/2026:00:00:00 +0000";
const LATER: &str = "29/Nov/2026:23:59:59 +0000";

fn line(time: &str, user: &str) -> String {
    format!("192.0.2.7 - {user} [{time}] \"GET /user/profile.php?id={user} HTTP/1.1\" 200 5\n")
}

struct Ring {
    w: Work,
}

impl Ring {
    fn new() -> Ring {
        let w = Work::new();
        anonlog()
            .args(["key", "init", "--epoch", "7d", "--key-dir"])
            .arg(w.path("ring"))
            .assert()
            .success();
        Ring { w }
    }

    fn dir(&self) -> std::path::PathBuf {
        self.w.path("ring")
    }

    fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut c = anonlog();
        c.args(args).arg("--key-dir").arg(self.dir());
        c
    }

    fn anonymize(&self, input: &str, extra: &[&str]) -> (String, String, i32) {
        let f = self.w.write("in.log", input.as_bytes());
        let out = anonlog()
            .args(["anonymize", "--key-dir"])
            .arg(self.dir())
            .args(extra)
            .arg(&f)
            .output()
            .unwrap();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
            out.status.code().unwrap(),
        )
    }
}

fn users(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| l.split(' ').nth(2).unwrap().to_string())
        .collect()
}

#[test]
fn init_makes_a_private_directory_with_current_and_next_keys() {
    use std::os::unix::fs::PermissionsExt;
    let r = Ring::new();
    let mode = std::fs::metadata(r.dir()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let keys: Vec<_> = std::fs::read_dir(r.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "key"))
        .collect();
    assert_eq!(keys.len(), 2, "{keys:?}");
    for k in &keys {
        assert_eq!(
            std::fs::metadata(k).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // init again is fine and changes nothing; another length is refused.
    anonlog()
        .args(["key", "init", "--key-dir"])
        .arg(r.dir())
        .assert()
        .success();
    anonlog()
        .args(["key", "init", "--epoch", "30d", "--key-dir"])
        .arg(r.dir())
        .assert()
        .code(2);
}

#[test]
fn lines_take_the_key_of_their_own_epoch() {
    let r = Ring::new();
    let input = [line(BEFORE, "58"), line(AFTER, "58"), line(LATER, "58")].concat();
    let (out, err, code) = r.anonymize(&input, &["-q"]);
    assert_eq!(code, 0, "{err}");
    let u = users(&out);
    assert_ne!(u[0], u[1], "a new epoch gives a new pseudonym");
    assert_eq!(u[1], u[2], "one epoch, one pseudonym");
    assert!(!out.contains(" 58 ") && !out.contains("id=58 "), "{out}");
    // The user field and the profile id agree within a line.
    for l in out.lines() {
        let user = l.split(' ').nth(2).unwrap();
        assert!(l.contains(&format!("id={user} ")), "{l}");
    }
    // Deterministic over runs, threads, block sizes and stdin.
    let (again, _, _) = r.anonymize(&input, &["-q", "-j", "3", "--block-size", "1"]);
    assert_eq!(again, out);
    let stdin = anonlog()
        .args(["anonymize", "-q", "--mmap", "--key-dir"])
        .arg(r.dir())
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(stdin.stdout).unwrap(), out);
}

#[test]
fn untimed_lines_take_the_epoch_of_the_line_before() {
    let r = Ring::new();
    let input = format!(
        "# no time here, mail jane@example.org\n{}free text by jane@example.org\n{}free text by jane@example.org\n",
        line(BEFORE, "58"),
        line(AFTER, "58")
    );
    let (out, err, code) = r.anonymize(&input, &["-q"]);
    assert_eq!(code, 0, "{err}");
    let emails: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with("192."))
        .map(|l| l.rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(emails.len(), 3);
    assert_eq!(
        emails[0], emails[1],
        "before the first time: the first epoch"
    );
    assert_ne!(emails[1], emails[2], "after a boundary: the new epoch");
}

#[test]
fn lookup_finds_exactly_what_anonymize_wrote() {
    let r = Ring::new();
    let input = [line(BEFORE, "58"), line(AFTER, "58")].concat();
    let (out, _, _) = r.anonymize(&input, &["-q"]);
    let u = users(&out);
    let found = r.cmd(&["lookup", "--user-id", "58"]).output().unwrap();
    let found = String::from_utf8(found.stdout).unwrap();
    for token in &u {
        assert!(found.contains(token.as_str()), "{token} not in\n{found}");
    }
    assert!(found.contains("user id 58"));
}

#[test]
fn purged_epochs_are_never_pseudonymized_again() {
    let r = Ring::new();
    let input = [line(BEFORE, "58"), line(AFTER, "58")].concat();
    let (first, _, _) = r.anonymize(&input, &["-q"]);
    // Destroy every epoch that ended before the Monday of AFTER.
    r.cmd(&["key", "purge", "--older-than", "0s", "--now", "2026-11-23"])
        .assert()
        .success()
        .stderr(predicate::str::contains("destroyed the key of epoch"));
    let listed = r.cmd(&["key", "list"]).output().unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(listed.contains("destroyed"), "{listed}");
    let (out, err, code) = r.anonymize(&input, &[]);
    assert_eq!(code, 0, "{err}");
    let u = users(&out);
    assert_eq!(u[0], "REDACTED", "{out}");
    assert!(out.lines().next().unwrap().contains("id=REDACTED"), "{out}");
    assert_eq!(u[1], users(&first)[1], "the live epoch is unchanged");
    assert!(err.contains("epoch key (destroyed"), "{err}");
    assert!(
        err.contains("1 of them in epochs whose key was destroyed"),
        "{err}"
    );
    // Dropping those lines is data loss: exit status 1.
    let (out, _, code) = r.anonymize(&input, &["-q", "--on-unparsed", "drop"]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1);
    // lookup says so plainly.
    r.cmd(&["lookup", "--user-id", "58"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "can no longer be linked to anyone",
        ));
    // Purging again is harmless.
    r.cmd(&["key", "purge", "--older-than", "0s", "--now", "2026-11-23"])
        .assert()
        .success();
}

#[test]
fn erase_removes_one_persons_lines() {
    let r = Ring::new();
    let input = [line(AFTER, "58"), line(AFTER, "59"), line(LATER, "58")].concat();
    let (out, _, _) = r.anonymize(&input, &["-q"]);
    let f = r.w.write("anon.log", out.as_bytes());
    r.cmd(&["erase", "--user-id", "58"])
        .arg(&f)
        .assert()
        .success()
        .stderr(predicate::str::contains("removed 2 line(s), kept 1"));
    let left = std::fs::read_to_string(&f).unwrap();
    assert_eq!(left, out.lines().nth(1).unwrap().to_string() + "\n");
}

#[test]
fn loose_permissions_are_refused() {
    let r = Ring::new();
    set_mode(&r.dir(), 0o755);
    r.cmd(&["key", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(r.dir().display().to_string()));
    set_mode(&r.dir(), 0o700);
    let key = std::fs::read_dir(r.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "key"))
        .unwrap();
    set_mode(&key, 0o644);
    let (_, err, code) = r.anonymize(&line(AFTER, "58"), &["-q"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn no_key_byte_is_ever_printed() {
    let r = Ring::new();
    r.cmd(&["key", "rotate", "--now", "2026-11-25"])
        .assert()
        .success();
    let mut secrets = Vec::new();
    for e in std::fs::read_dir(r.dir()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "key") {
            let k = std::fs::read(&p).unwrap();
            let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
            secrets.push((k, hex));
        }
    }
    assert!(secrets.len() >= 2);
    let mut outputs = Vec::new();
    for args in [
        &["key", "list"][..],
        &["key", "rotate"],
        &["lookup", "--user-id", "58"],
    ] {
        let o = r.cmd(args).output().unwrap();
        outputs.push(o.stdout);
        outputs.push(o.stderr);
    }
    let (out, err, _) = r.anonymize(&[line(AFTER, "58"), line(LATER, "59")].concat(), &[]);
    outputs.push(out.into_bytes());
    outputs.push(err.into_bytes());
    for o in &outputs {
        for (raw, hex) in &secrets {
            assert!(
                !o.windows(8).any(|w| raw.windows(8).any(|k| k == w)),
                "raw key bytes printed"
            );
            assert!(
                !String::from_utf8_lossy(o).contains(&hex[..16]),
                "key printed in hex"
            );
        }
    }
}

#[test]
fn pfx_mode_keeps_prefixes_and_distinct_clients() {
    let r = Ring::new();
    let input = format!(
        "10.1.2.3 - - [{AFTER}] \"GET / HTTP/1.1\" 200 5\n10.1.2.4 - - [{AFTER}] \"GET / HTTP/1.1\" 200 5\n10.1.2.3 - - [{AFTER}] \"GET / HTTP/1.1\" 200 5\n"
    );
    let (out, err, code) = r.anonymize(&input, &["-q", "--ip-mode", "pfx"]);
    assert_eq!(code, 0, "{err}");
    let ips: Vec<&str> = out.lines().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(ips[0], ips[2], "one client, one address");
    assert_ne!(ips[0], ips[1], "two clients stay distinct");
    assert_ne!(ips[0], "10.1.2.3");
    assert_ne!(ips[0], "10.1.2.0");
    let a: std::net::Ipv4Addr = ips[0].parse().unwrap();
    let b: std::net::Ipv4Addr = ips[1].parse().unwrap();
    assert_eq!(
        a.octets()[..3],
        b.octets()[..3],
        "the shared /24 prefix is kept"
    );
}

/// Regression (re-cut issue): syslog-wrapped BigBlueButton lines followed by
/// untimed lines (stack traces) were pseudonymized with different epochs
/// for different `-j`/`--block-size`, because the epoch carry between
/// blocks was read by a timestamp reader that could not see past the
/// syslog header. Every untimed line must take the epoch of the timed line
/// before it, however the input is cut.
#[test]
fn untimed_lines_behind_a_syslog_header_keep_their_epoch_across_blocks() {
    let w = Work::new();
    anonlog()
        .args(["key", "init", "--epoch", "1d", "--key-dir"])
        .arg(w.path("ring"))
        .assert()
        .success();
    let mut input = String::new();
    for i in 0..120 {
        let day = 10 + i / 40;
        input.push_str(&format!(
            "Nov {day} 10:00:00 bbb1 bbb-web[812]: 2026-11-{day}T10:00:00.000+00:00 ERROR \
             o.b.api.MeetingService - data={{\"externalUserId\":\"4711\"}}\n"
        ));
        input.push_str(&format!(
            "Nov {day} 10:00:00 bbb1 bbb-web[812]: \tat org.bigbluebutton.api.MeetingService.x(MeetingService.java:0) userID=4711\n"
        ));
    }
    let f = w.write("in.log", input.as_bytes());
    let run = |extra: &[&str]| {
        let out = anonlog()
            .args([
                "anonymize",
                "-q",
                "--format",
                "bbb",
                "--now",
                "2026-11-20",
                "--key-dir",
            ])
            .arg(w.path("ring"))
            .args(extra)
            .arg(&f)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let whole = run(&["-j1"]);
    for extra in [
        &["-j3", "--block-size", "1"][..],
        &["-j2", "--block-size", "300"],
        &["-j3", "--block-size", "1", "--mmap"],
    ] {
        assert_eq!(run(extra), whole, "{extra:?}");
    }
    // Each day's trace line carries the pseudonym of that day's timed line.
    let lines: Vec<&str> = whole.lines().collect();
    assert_eq!(lines.len(), 240);
    for pair in lines.chunks(2) {
        let timed = pair[0].split("externalUserId\":\"").nth(1).unwrap();
        let id = &timed[..timed.find('"').unwrap()];
        assert!(pair[1].ends_with(&format!("userID={id}")), "{pair:?}");
    }
    assert!(!whole.contains("4711"));
}

/// A static key of 32 zero bytes is no secret: refused, as the keyring
/// refuses it.
#[test]
fn an_all_zero_static_key_is_refused() {
    let w = Work::new();
    let k = w.write_key("zero", &[0u8; 32], 0o600);
    anonlog()
        .args(["anonymize", "-k"])
        .arg(&k)
        .write_stdin(line(BEFORE, "jdoe"))
        .assert()
        .code(2)
        // Piped: the line is kept, with no identity (see tests/piped.rs).
        .stdout(
            "192.0.2.0 - REDACTED [22/Nov/2026:23:59:59 +0000] \"GET /user/profile.php?id=REDACTED HTTP/1.1\" 200 5\n",
        )
        .stderr(predicate::str::contains(format!(
            "key file {} holds only zero bytes",
            k.display()
        )));
    let f = w.write("in.log", line(BEFORE, "jdoe").as_bytes());
    anonlog()
        .args(["anonymize", "-k"])
        .arg(&k)
        .arg(&f)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "key file {} holds only zero bytes",
            k.display()
        )));
}

/// `-k` naming a FIFO is refused at once (it would wait for a writer).
#[test]
fn a_fifo_as_key_file_is_refused_without_blocking() {
    let w = Work::new();
    let fifo = w.path("keypipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    anonlog()
        .args(["anonymize", "-k"])
        .arg(&fifo)
        .write_stdin(line(BEFORE, "jdoe"))
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a regular file"));
}

/// An invalid tombstone makes every command that meets it fail with a
/// message naming it: key purge and rotate too, which skip the epoch.
#[test]
fn an_invalid_tombstone_fails_purge_and_rotate() {
    let r = Ring::new();
    let tomb = r.dir().join("e2900-2025-08-04.destroyed");
    std::fs::write(&tomb, "{bad").unwrap();
    set_mode(&tomb, 0o600);
    let named = predicate::str::contains(format!("tombstone {} is not valid", tomb.display()));
    r.cmd(&["key", "purge", "--older-than", "1y"])
        .assert()
        .code(2)
        .stderr(named.clone());
    let cfg = r.w.write(
        "c.toml",
        format!(
            "audit_log = \"{}\"\n[anonymize]\nkey_dir = \"{}\"\n[keys]\ndestroy_after = \"14d\"\n",
            r.w.path("audit.jsonl").display(),
            r.dir().display()
        )
        .as_bytes(),
    );
    for extra in [&[][..], &["--check"]] {
        anonlog()
            .args(["rotate", "--config"])
            .arg(&cfg)
            .args(extra)
            .assert()
            .code(2)
            .stderr(named.clone());
    }
}

/// A keyring key of the wrong length is reported as such, not as destroyed.
#[test]
fn a_bad_length_key_says_bad_length() {
    let r = Ring::new();
    let key = std::fs::read_dir(r.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "key"))
        .unwrap();
    std::fs::write(&key, [7u8; 5]).unwrap();
    let bad = format!(
        "key file {} must hold exactly 32 bytes, it holds 5",
        key.display()
    );
    r.cmd(&["key", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(bad.clone()));
    let name = key.file_name().unwrap().to_string_lossy().into_owned();
    // The epoch's first day, from its name: e<n>-YYYY-MM-DD.key.
    let date = &name[name.find('-').unwrap() + 1..name.len() - 4];
    let (y, rest) = date.split_once('-').unwrap();
    let (m, d) = rest.split_once('-').unwrap();
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][m.parse::<usize>().unwrap() - 1];
    let (_, err, code) = r.anonymize(
        &line(&format!("{d}/{month}/{y}:12:00:00 +0000"), "jdoe"),
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&bad), "{err}");
    assert!(err.contains("whose key could not be loaded"), "{err}");
}

/// The static key of Quick start (`anonymize -k`) serves the data-subject
/// commands too: lookup finds the pseudonym anonymize wrote, erase removes
/// the person's lines.
#[test]
fn lookup_and_erase_take_the_static_key() {
    let w = Work::new();
    let input = [line(AFTER, "58"), line(AFTER, "59")].concat();
    let f = w.write("in.log", input.as_bytes());
    let out = anonlog()
        .args(["anonymize", "-q", "-k"])
        .arg(w.key())
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = String::from_utf8(out.stdout).unwrap();
    let u = users(&out);
    let found = anonlog()
        .args(["lookup", "--user-id", "58", "-k"])
        .arg(w.key())
        .env_remove("ANONLOG_KEY_DIR")
        .output()
        .unwrap();
    assert_eq!(found.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(found.stdout).unwrap(),
        format!(
            "epoch\tstart\tend\tidentifier\tpseudonym\n0\t-\t-\tuser id 58\t{}\n",
            u[0]
        )
    );
    let anon = w.write("anon.log", out.as_bytes());
    anonlog()
        .args(["erase", "--user-id", "58", "--key"])
        .arg(w.key())
        .arg(&anon)
        .assert()
        .success()
        .stderr(predicate::str::contains("removed 1 line(s), kept 1"));
    assert_eq!(
        std::fs::read_to_string(&anon).unwrap(),
        out.lines().nth(1).unwrap().to_string() + "\n"
    );
    // No key at all: a usage error that names both ways.
    anonlog()
        .args(["lookup", "--user-id", "58"])
        .env_remove("ANONLOG_KEY_DIR")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "-k PATH (a static key file) or --key-dir DIR",
        ));
}
