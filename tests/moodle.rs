//! Moodle event logs as CSV: logstore exports in every dialect and the Logs
//! report download (testdata/moodle/).

use std::path::Path;

use crate::util::{anonlog, assert_all_addresses_truncated, testdata, Work};

/// The fixtures with a golden output in testdata/moodle/expected/.
const FIXTURES: &[&str] = &[
    "logstore-postgres.csv",
    "logstore-mysql-outfile.tsv",
    "logstore-phpmyadmin.csv",
    "report-en.csv",
    "report-de.csv",
    "report-7col.csv",
];

/// Personal values in the fixtures, none of which may survive.
const NEEDLES: &[&str] = &[
    "jdoe58",
    "Tr0ub4dor",
    "hunter2",
    "Jane Doe",
    "Jane.Doe",
    "jane.doe",
    "Admin User",
    "Max Mustermann",
    "Jürgen",
    "Groß",
    "Jos",
    "P\\\\u00e9rez",
    "noreply@",
    "x@example",
    "192.0.2.58",
    "192.0.2.44",
    "192.0.2.99",
    "203.0.113.9,",
    "198.51.100.7",
    "212.5.158.162",
    "5678::1",
    "2001:db8::7",
    "'287'",
    "'58'",
    "'2'",
];

fn moodle(name: &str) -> std::path::PathBuf {
    testdata(&format!("moodle/{name}"))
}

fn run(w: &Work, args: &[&str], file: &Path) -> std::process::Output {
    w.anonymize().args(args).arg(file).output().unwrap()
}

#[test]
fn fixtures_give_the_expected_bytes() {
    let w = Work::new();
    for name in FIXTURES {
        let out = run(&w, &[], &moodle(name));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want = std::fs::read(moodle(&format!("expected/{name}"))).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&want),
            "{name}"
        );
    }
}

#[test]
fn no_personal_value_survives_and_addresses_are_truncated() {
    let w = Work::new();
    for name in FIXTURES {
        let out = run(&w, &[], &moodle(name)).stdout;
        let text = String::from_utf8_lossy(&out);
        for n in NEEDLES {
            assert!(!text.contains(n), "{name}: {n} survived:\n{text}");
        }
        assert_all_addresses_truncated(&out, name);
        // The checker finds nothing either.
        let f = w.write("out.csv", &out);
        anonlog().arg("check").arg(&f).assert().success();
    }
}

/// Reads a CSV file with the csv crate, the way a researcher's tools do.
fn records(data: &[u8], delimiter: u8) -> Vec<Vec<String>> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(data)
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

#[test]
fn output_loads_as_the_same_table() {
    let w = Work::new();
    for (name, delimiter, personal) in [
        (
            "logstore-postgres.csv",
            b',',
            &[6, 11, 12, 14, 16, 19, 20][..],
        ),
        ("logstore-phpmyadmin.csv", b';', &[2, 3, 4, 6, 7, 8]),
        ("report-en.csv", b',', &[2, 3, 4, 7, 9]),
        ("report-de.csv", b',', &[1, 2, 3, 6, 8]),
    ] {
        let input = std::fs::read(moodle(name)).unwrap();
        let out = run(&w, &[], &moodle(name)).stdout;
        let (a, b) = (records(&input, delimiter), records(&out, delimiter));
        assert_eq!(a.len(), b.len(), "{name}: records");
        assert_eq!(a[0], b[0], "{name}: header");
        for (ra, rb) in a.iter().zip(&b).skip(1) {
            assert_eq!(ra.len(), rb.len(), "{name}: fields");
            for (i, (fa, fb)) in ra.iter().zip(rb).enumerate() {
                if !personal.contains(&i) {
                    assert_eq!(fa, fb, "{name}: column {i} changed");
                }
            }
        }
        // User-id columns hold integers (pseudonyms fit a BIGINT), NULL
        // markers or the kept 0 and 1.
        if name.starts_with("logstore") {
            for r in &b[1..] {
                for &i in personal {
                    let v = &r[i];
                    let header = &b[0][i];
                    if header.contains("userid") && !v.is_empty() && v != "NULL" {
                        let n: i64 = v.parse().unwrap_or_else(|_| panic!("{name}: {v}"));
                        assert!(!(2..9_000_000_000_000_000).contains(&n), "{name}: {v}");
                    }
                }
            }
        }
    }
}

#[test]
fn other_stays_valid_json_and_php() {
    let w = Work::new();
    let out = run(&w, &[], &moodle("logstore-postgres.csv")).stdout;
    for r in records(&out, b',').iter().skip(1) {
        let other = &r[16];
        if other.starts_with('{') || other.starts_with('[') || other == "null" {
            serde_json::from_str::<serde_json::Value>(other)
                .unwrap_or_else(|e| panic!("{other}: {e}"));
        } else {
            // PHP: every s:N: prefix is the byte length of its string.
            assert!(other.starts_with("a:"), "{other}");
            let mut rest = other.as_str();
            while let Some(p) = rest.find("s:") {
                rest = &rest[p + 2..];
                let colon = rest.find(':').unwrap();
                let n: usize = rest[..colon].parse().unwrap();
                assert_eq!(&rest[colon + 1..colon + 2], "\"");
                assert_eq!(&rest[colon + 2 + n..colon + 4 + n], "\";", "{other}");
                rest = &rest[colon + 4 + n..];
            }
        }
    }
}

/// The token a user id gets in an access log's user field.
fn access_token(w: &Work, id: &str) -> String {
    let line =
        format!("192.0.2.1 - {id} [25/Nov/2026:10:00:00 +0000] \"GET /my/ HTTP/1.1\" 200 5\n");
    let f = w.write("a.log", line.as_bytes());
    let out = String::from_utf8(run(w, &[], &f).stdout).unwrap();
    out.split(' ').nth(2).unwrap().to_string()
}

#[test]
fn user_ids_get_the_access_log_pseudonyms_everywhere() {
    let w = Work::new();
    let t287 = access_token(&w, "287");
    let t58 = access_token(&w, "58");
    assert_eq!(t287.len(), 16);
    let pg = String::from_utf8(run(&w, &[], &moodle("logstore-postgres.csv")).stdout).unwrap();
    let rows = records(pg.as_bytes(), b',');
    // Row 5: userid 2, objectid and relateduserid 287 (objecttable user).
    assert_eq!(rows[5][6], t287);
    assert_eq!(rows[5][14], t287);
    // Row 3: a user context (level 30) of user 58, userid 58.
    assert_eq!(rows[3][11], t58);
    assert_eq!(rows[3][12], t58);
    // Row 2: not logged in (0) stays 0; a course context stays.
    assert_eq!(rows[2][12], "0");
    assert_eq!(rows[2][11], "1");
    // Inside `other` (JSON, as a string) and in the report's descriptions.
    assert!(rows[8][16].contains(&format!("\"relateduserid\":\"{t58}\"")));
    let rep = String::from_utf8(run(&w, &[], &moodle("report-en.csv")).stdout).unwrap();
    assert!(rep.contains(&format!("for the user with id '{t287}'")));
    assert!(rep.contains("The user with id '0' viewed"));
    assert!(rep.contains("in the course with id '1'"));
    // MySQL's tab-separated dump, no header.
    let my = String::from_utf8(run(&w, &[], &moodle("logstore-mysql-outfile.tsv")).stdout).unwrap();
    let first: Vec<&str> = my.lines().next().unwrap().split('\t').collect();
    assert_eq!(first[12], t58);
}

#[test]
fn names_join_across_report_and_logstore() {
    let w = Work::new();
    let rep = String::from_utf8(run(&w, &[], &moodle("report-en.csv")).stdout).unwrap();
    let rows = records(rep.as_bytes(), b',');
    // "Admin User as Jane Doe": both sides, " as " kept; the affected user
    // and the user context name the same person.
    let (real, as_) = rows[2][2].split_once(" as ").unwrap();
    assert_eq!(as_, rows[2][3]);
    assert_eq!(rows[2][4], format!("User: {as_}"));
    assert_eq!(rows[1][2], as_);
    assert_eq!(rows[5][2], real);
    // Course and activity contexts stay.
    assert_eq!(rows[1][4], "Course: Physics 101");
    assert_eq!(rows[4][4], "Assignment: Lab report");
    // The same names in logstore's `other` get the same pseudonyms.
    let pg = String::from_utf8(run(&w, &[], &moodle("logstore-postgres.csv")).stdout).unwrap();
    assert!(pg.contains(&format!("\"\"loggedinasusername\"\":\"\"{as_}\"\"")));
    assert!(pg.contains(&format!("\"\"originalusername\"\":\"\"{real}\"\"")));
    // German: "als" and "Nutzer/in:".
    let de = String::from_utf8(run(&w, &[], &moodle("report-de.csv")).stdout).unwrap();
    let rows = records(de.as_bytes(), b',');
    let (_, als) = rows[1][1].split_once(" als ").unwrap();
    assert_eq!(als, as_);
    assert_eq!(rows[1][3], format!("Nutzer/in: {as_}"));
    // The context level's name stays; words outside the vocabulary of the
    // course's name become tokens.
    assert!(
        rows[2][3].starts_with("Kurs: t_") && rows[2][3].ends_with(" 101"),
        "{}",
        rows[2][3]
    );
    assert!(!rows[2][3].contains("Physik"));
}

#[test]
fn failed_login_usernames_are_redacted() {
    let w = Work::new();
    let pg = String::from_utf8(run(&w, &[], &moodle("logstore-postgres.csv")).stdout).unwrap();
    assert!(pg.contains(r#""{""username"":""REDACTED"",""reason"":3}""#));
    let my = String::from_utf8(run(&w, &[], &moodle("logstore-mysql-outfile.tsv")).stdout).unwrap();
    assert!(my.contains(r#"s:8:"username";s:8:"REDACTED";s:6:"reason";i:3;"#));
    let rep = String::from_utf8(run(&w, &[], &moodle("report-en.csv")).stdout).unwrap();
    assert!(rep.contains("Login failed for the username 'REDACTED' for the reason with id '3'."));
}

#[test]
fn bad_rows_are_reported_redacted_and_counted() {
    let w = Work::new();
    let summary = w.path("s.json");
    let out = w
        .anonymize()
        .arg("--summary-json")
        .arg(&summary)
        .arg(moodle("bad-rows.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "data was lost: exit 1");
    let err = String::from_utf8(out.stderr).unwrap();
    let f = moodle("bad-rows.csv").display().to_string();
    for m in [
        format!(
            "{f}: row 3: column 'userid' (byte 2 of the row) not understood; written as REDACTED"
        ),
        format!(
            "{f}: row 4: column 'other' (byte 6 of the row) not understood; written as REDACTED"
        ),
        format!("{f}: row 5: wrong number of fields; written as REDACTED"),
        format!("{f}: row 6: column 'ip' (byte 22 of the row) not understood; written as REDACTED"),
        "9 CSV fields could not be read".to_string(),
    ] {
        assert!(err.contains(&m), "missing {m:?} in:\n{err}");
    }
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[2], "2,REDACTED,,null,1700000001,192.0.2.0");
    assert_eq!(
        lines[3],
        "3,9879774820391883,,\"REDACTED\",1700000002,192.0.2.0"
    );
    assert_eq!(
        lines[4],
        "REDACTED,REDACTED,REDACTED,REDACTED,REDACTED,REDACTED"
    );
    assert!(!text.contains("jdoe58") && !text.contains("not-an-address"));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert_eq!(v["total"]["fields_redacted"], 9);
    assert_eq!(v["total"]["lines_scrubbed"], 4);
    assert_eq!(v["total"]["lines_written"], 7);

    // drop: the rows are left out; fail: the run stops at the first.
    let out = run(&w, &["--on-unparsed", "drop"], &moodle("bad-rows.csv"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 3);
    let out = run(&w, &["--on-unparsed", "fail"], &moodle("bad-rows.csv"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("row 3: column 'userid'"));
}

#[test]
fn since_and_until_keep_the_window() {
    let w = Work::new();
    let ids = |out: &[u8]| -> Vec<String> {
        records(out, b',')
            .iter()
            .skip(1)
            .map(|r| r[0].clone())
            .collect()
    };
    let pg = moodle("logstore-postgres.csv");
    let out = run(
        &w,
        &["--since", "@1700000100", "--until", "@1700000400"],
        &pg,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(ids(&out.stdout), ["3", "4", "5", "6"]);
    // A duration back from --now: the day before row 9's time.
    let out = run(&w, &["--since", "1d", "--now", "@1700604801"], &pg);
    assert_eq!(ids(&out.stdout), ["9"]);
    // The report's times, day first.
    let out = run(&w, &["--since", "2026-09-07"], &moodle("report-en.csv"));
    let rows = records(&out.stdout, b',');
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| !r[1].starts_with("6/09")));
    let summary = w.path("s.json");
    w.anonymize()
        .args(["--since", "2026-09-07", "--summary-json"])
        .arg(&summary)
        .arg(moodle("report-en.csv"))
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert_eq!(v["total"]["lines_out_of_window"], 1);
    // Access lines too.
    let f = w.write(
        "a.log",
        b"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n\
          1.2.3.4 - - [25/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n",
    );
    let out = run(&w, &["--since", "2026-11-25"], &f);
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);
    // A bad time is a usage error naming the value.
    let out = run(&w, &["--since", "yesterday"], &f);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("\"yesterday\""));
}

/// A larger logstore export with quoted multi-line fields, names and e-mail
/// addresses, for the thread/block tests.
fn big_export(rows: usize) -> Vec<u8> {
    let mut s =
        String::from("id,eventname,userid,relateduserid,other,timecreated,ip,description\n");
    for i in 0..rows {
        let other = match i % 4 {
            0 => format!("{{\"\"username\"\":\"\"user{i}\"\"}}"),
            1 => format!(
                "a:1:{{s:5:\"\"email\"\";s:{}:\"\"u{i}@example.edu\"\";}}",
                format!("u{i}@example.edu").len()
            ),
            2 => "null".to_string(),
            _ => format!(
                "a:1:{{s:7:\"\"subject\"\";s:{}:\"\"line\nbreak {i}\"\";}}",
                format!("line\nbreak {i}").len()
            ),
        };
        s += &format!(
            "{i},\\core\\event\\x,{},{},\"{other}\",{},10.{}.{}.{},\"multi\nline, \"\"quoted\"\" {i}\"\n",
            100 + i % 37,
            if i % 3 == 0 { String::new() } else { (200 + i % 11).to_string() },
            1_700_000_000 + i,
            i % 250,
            i % 200,
            1 + i % 250
        );
    }
    s.into_bytes()
}

#[test]
fn threads_blocks_and_streams_give_the_same_bytes() {
    let w = Work::new();
    let data = big_export(3000);
    let f = w.write("big.csv", &data);
    let base = run(&w, &["-j", "1"], &f);
    assert_eq!(base.status.code(), Some(0));
    let rows = records(&base.stdout, b',');
    assert_eq!(rows.len(), 3001);
    assert!(rows.iter().all(|r| r.len() == 8));
    for args in [
        &["-j", "4", "--block-size", "100"][..],
        &["-j", "3", "--block-size", "4096"],
        &["-j", "2", "--mmap", "--block-size", "333"],
    ] {
        let out = run(&w, args, &f);
        assert!(out.stdout == base.stdout, "{args:?} differs");
    }
    let piped = w
        .anonymize()
        .args(["-j", "2", "--block-size", "500"])
        .write_stdin(data.clone())
        .output()
        .unwrap();
    assert!(piped.stdout == base.stdout, "stdin differs");
    let text = String::from_utf8(base.stdout).unwrap();
    assert!(!text.contains("@example.edu") && !text.contains("\"\"user1\"\""));
    assert_all_addresses_truncated(text.as_bytes(), "big.csv");
}

#[test]
fn forced_formats_and_headers_not_understood() {
    let w = Work::new();
    // A report header in Italian with only the header: --format decides.
    let it = w.write(
        "it.csv",
        "Ora,Nome completo,Utente coinvolto,Contesto evento,Componente,Evento,Descrizione,Origine,Indirizzo IP\n\
         \"7/09/26, 21:40:58\",Mario Rossi,-,Sistema,Sistema,Accesso,The user with id '58' has logged in.,web,192.0.2.1\n"
            .as_bytes(),
    );
    let out = run(&w, &[], &it);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("Mario Rossi") && !text.contains("'58'"),
        "{text}"
    );
    let out = run(&w, &["--format", "moodle-report"], &it);
    assert_eq!(out.status.code(), Some(0));
    // Forcing a Moodle format on something else is an error naming the file.
    let out = run(&w, &["--format", "moodle-logstore"], &testdata("bbb.log"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("bbb.log: not a moodle-logstore export"),
        "{err}"
    );
}

#[test]
fn keyring_epochs_follow_timecreated() {
    let w = Work::new();
    let dir = w.path("keys");
    anonlog()
        .args(["key", "init", "--epoch", "7d", "--key-dir"])
        .arg(&dir)
        .assert()
        .success();
    // 2023-11-19 23:59:59 (Sunday) and 2023-11-20 00:00:00 (Monday) UTC.
    let f = w.write(
        "k.csv",
        b"id,userid,timecreated\n1,58,1700438399\n2,58,1700438400\n3,58,1700438401\n",
    );
    let out = anonlog()
        .args(["anonymize", "-q", "--key-dir"])
        .arg(&dir)
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let rows = records(&out.stdout, b',');
    assert_ne!(rows[1][1], rows[2][1], "a new epoch, a new pseudonym");
    assert_eq!(rows[2][1], rows[3][1]);
}

#[test]
fn check_finds_raw_ids_and_names_in_columns() {
    let out = anonlog()
        .arg("check")
        .arg(moodle("report-en.csv"))
        .arg(moodle("logstore-mysql-outfile.tsv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let en = moodle("report-en.csv").display().to_string();
    let my = moodle("logstore-mysql-outfile.tsv").display().to_string();
    for want in [
        format!("{en}:2:29: user name not pseudonymized: J******e"),
        format!("{en}:3:38: user name not pseudonymized: J******e"),
        format!("{en}:2:105: user id not pseudonymized: ***"),
        format!("{my}:1:70: user id not pseudonymized: **"),
    ] {
        assert!(text.contains(&want), "missing {want:?} in:\n{text}");
    }
}
