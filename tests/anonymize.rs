//! The anonymize command on fixtures: exact output, counts, fallbacks.

use predicates::prelude::*;

use crate::util::{assert_all_addresses_truncated, testdata, Work};

#[test]
fn moodle_fixture_gives_the_expected_bytes() {
    let w = Work::new();
    let out = w
        .anonymize()
        .arg(testdata("moodle-access.log"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let want = std::fs::read(testdata("moodle-access.expected.log")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&want)
    );
    assert_all_addresses_truncated(&out, "moodle-access.log");
    let text = String::from_utf8(out).unwrap();
    for secret in [
        "Xk39fLq0Zp",
        "Jane Doe",
        "Max+Mustermann",
        "bayqiyjxpekll5k0",
        "jane.doe",
        "ap8Tq1",
        "jdoe",
    ] {
        assert!(!text.contains(secret), "{secret} survived");
    }
}

#[test]
fn summary_json_accounts_for_every_line() {
    let w = Work::new();
    let summary = w.path("summary.json");
    w.anonymize()
        .arg(testdata("moodle-access.log"))
        .arg("--summary-json")
        .arg(&summary)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    let t = &v["total"];
    assert_eq!(t["lines_read"], 21);
    assert_eq!(t["lines_written"], 21);
    assert_eq!(t["lines_rewritten"], 19);
    assert_eq!(t["lines_scrubbed"], 1);
    assert_eq!(t["lines_blank"], 1);
    assert_eq!(t["lines_dropped"], 0);
    let size = std::fs::metadata(testdata("moodle-access.log"))
        .unwrap()
        .len();
    assert_eq!(t["bytes_in"], size);
    assert_eq!(v["exit_status"], 0);
    assert_eq!(v["inputs"][0]["format"], "access");
}

#[test]
fn summary_on_stderr_unless_quiet() {
    let w = Work::new();
    let mut c = crate::util::anonlog();
    c.arg("anonymize")
        .arg("-k")
        .arg(w.key())
        .arg(testdata("moodle-access.log"));
    c.assert().success().stderr(
        predicate::str::contains(
            "21 lines read, 21 written: 19 rewritten, 1 scrubbed, 1 blank, 0 dropped",
        )
        .and(predicate::str::contains(
            "moodle-access.log:20: not understood (field 'time' at byte 0); scrubbed",
        )),
    );
}

const MIXED: &[u8] = b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5\n\
Mar 24 14:02:50 web1 tomcat.log: 127.0.0.1 - - \"GET /x?token=abc HTTP/1.1\" 404 6\n\
5.6.7.8 - - [10/Oct/2000:13:55:37 -0700] \"GET / HTTP/1.1\" 200 5\n";

#[test]
fn on_unparsed_scrub_keeps_the_line_count() {
    let w = Work::new();
    let f = w.write("mixed.log", MIXED);
    w.anonymize().arg(&f).assert().success().stdout(
        "1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5\n\
Mar 24 14:02:50 web1 tomcat.log: 127.0.0.0 - - \"GET /x?token=REDACTED HTTP/1.1\" 404 6\n\
5.6.7.0 - - [10/Oct/2000:13:55:37 -0700] \"GET / HTTP/1.1\" 200 5\n",
    );
}

#[test]
fn on_unparsed_drop_exits_1_and_says_so() {
    let w = Work::new();
    let f = w.write("mixed.log", MIXED);
    w.anonymize()
        .arg(&f)
        .args(["--on-unparsed", "drop"])
        .assert()
        .code(1)
        .stdout(
            "1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5\n\
5.6.7.0 - - [10/Oct/2000:13:55:37 -0700] \"GET / HTTP/1.1\" 200 5\n",
        )
        .stderr(
            predicate::str::contains("mixed.log:2: not understood")
                .and(predicate::str::contains("1 lines were dropped"))
                .and(predicate::str::contains("1 dropped")),
        );
}

#[test]
fn on_unparsed_fail_exits_2_and_leaves_no_output_file() {
    let w = Work::new();
    let f = w.write("mixed.log", MIXED);
    let out = w.path("out.log");
    w.anonymize()
        .arg(&f)
        .args(["--on-unparsed", "fail", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("stopped at").and(predicate::str::contains("mixed.log:2")),
        );
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(w.dir.path()).unwrap().count(),
        2,
        "no temporary file left"
    );
}

#[test]
fn output_file_is_written_atomically() {
    let w = Work::new();
    let out = w.path("out.log");
    std::fs::write(&out, b"previous\n").unwrap();
    w.anonymize()
        .arg(testdata("moodle-access.log"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(testdata("moodle-access.expected.log")).unwrap()
    );
}

#[test]
fn line_endings_bom_and_final_line_are_kept() {
    let w = Work::new();
    let f = w.write(
        "crlf.log",
        b"\xEF\xBB\xBF1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5\r\n\r\n\
          5.6.7.8 - - [10/Oct/2000:13:55:37 -0700] \"GET / HTTP/1.1\" 200 5",
    );
    w.anonymize().arg(&f).assert().success().stdout(
        &b"\xEF\xBB\xBF1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5\r\n\r\n\
          5.6.7.0 - - [10/Oct/2000:13:55:37 -0700] \"GET / HTTP/1.1\" 200 5"[..],
    );
}

#[test]
fn non_utf8_bytes_are_no_error_and_become_a_token() {
    let w = Work::new();
    let f = w.write(
        "big5.log",
        b"1.2.3.4 - - [10/Feb/2012:16:42:07 -0500] \"GET /\xa4\xa4\xa4\xe5 HTTP/1.0\" 301 368\n",
    );
    // A path segment in another script (Big5 here) is no vocabulary word:
    // an opaque token, the line otherwise as it was.
    let out = w.anonymize().arg(&f).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let token = text
        .strip_prefix("1.2.3.0 - - [10/Feb/2012:16:42:07 -0500] \"GET /")
        .and_then(|r| r.strip_suffix(" HTTP/1.0\" 301 368\n"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(token.starts_with("t_") && token.len() == 14, "{token}");
}

#[test]
fn trailing_user_and_extra_params() {
    let w = Work::new();
    let f = w.write(
        "t.log",
        b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /x?matrikel=12345&mytok=s3cr3t HTTP/1.1\" 200 5 \"-\" \"UA\" Jane Doe\n",
    );
    let out = w
        .anonymize()
        .arg(&f)
        .args([
            "--trailing-user",
            "--identity-param",
            "matrikel",
            "--secret-param",
            "MyTok",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let s = String::from_utf8(out).unwrap();
    assert!(s.contains("mytok=REDACTED"), "{s}");
    assert!(!s.contains("12345") && !s.contains("Jane"), "{s}");
    assert!(s.contains("\"UA\" n_"), "{s}");
}

#[test]
fn generic_format_scrubs_everything() {
    let w = Work::new();
    let f = w.write(
        "e.log",
        b"[client 89.207.132.76:59635] File does not exist, user \"bob\"\n",
    );
    let out = w
        .anonymize()
        .arg(&f)
        .args(["--format", "generic"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let s = String::from_utf8(out).unwrap();
    assert!(
        s.starts_with("[client 89.207.132.0:59635] File does not exist, user \"n_"),
        "{s}"
    );
}

/// The keys of structures in free text are data too when no rule names
/// them: a login, a name or an id as a JSON key, a parameter-map key or a
/// `key=` becomes a token, while keys of a program's identifier shape
/// (`grade`, `ismoodleapp`) stay and the structure stays valid.
#[test]
fn keys_that_are_people_or_ids_become_tokens() {
    let w = Work::new();
    let input = w.write(
        "keys.log",
        b"Nov 24 08:11:31 moodle php: {\"a.wuestenhagen\":{\"grade\":1},\"Annegret Wuestenhagen\":2,\"user4711\":3,\"ismoodleapp\":true}\n\
          Nov 24 08:11:31 bbb akka: [a.wuestenhagen:[1], jdoe58:[x]] a.wuestenhagen=5\n",
    );
    let out = w.anonymize().arg(&input).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for gone in ["wuestenhagen", "Wuestenhagen", "user4711", "jdoe58"] {
        assert!(!text.contains(gone), "{gone} in {text}");
    }
    let json = text.lines().next().unwrap();
    let json = &json[json.find('{').unwrap()..];
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), 4);
    assert_eq!(obj["ismoodleapp"], true);
    assert!(obj.values().any(|x| x.get("grade").is_some()));
    assert!(
        obj.keys().filter(|k| k.starts_with("t_")).count() == 3,
        "{json}"
    );
}
