//! BigBlueButton logs: every line kind of the fixture is understood, nothing
//! personal survives, pseudonyms join with Moodle's, JSON stays JSON.

use crate::util::{testdata, Work, KEY};

use anonlog::pseudonym::{Key, Namespace, Pseudonymizer};

fn token(ns: Namespace, v: &str) -> String {
    format!(
        "{:?}",
        Pseudonymizer::new(&Key::from_bytes(KEY)).pseudonym(ns, v.as_bytes())
    )
}

fn run(extra: &[&str]) -> (String, serde_json::Value) {
    let w = Work::new();
    let summary = w.path("s.json");
    let out = w
        .anonymize()
        .arg(testdata("bbb.log"))
        .arg("--summary-json")
        .arg(&summary)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    (String::from_utf8(out.stdout).unwrap(), v)
}

#[test]
fn every_line_kind_is_understood() {
    let (out, v) = run(&[]);
    assert_eq!(v["inputs"][0]["format"], "bbb");
    assert_eq!(v["total"]["lines_read"], 15);
    assert_eq!(v["total"]["lines_rewritten"], 15, "{out}");
    assert_eq!(out.lines().count(), 15);
}

#[test]
fn nothing_personal_or_secret_survives() {
    let (out, _) = run(&[]);
    for needle in [
        "Max Mustermann",
        "Max+Mustermann",
        "Jane Doe",
        "jane.doe@",
        "ap8Tq1",
        "9c81f9ad",
        "1a1e4296",
        "bayqiyjxpekll5k0",
        "luu9hawec7fr6ict",
        "e6spdysrikwy",
        "\"mp\"",
        "\"RED\"",
        "w_u0rjuthid3ab",
        "w_4tbvct7hw0r8",
        "98an1y6oh6um",
        "192.0.2.44",
        "192.0.2.45",
        "2001:db8:4711:0:a1b2",
        "Firefox/132.0",
        "userdata-bbb_override_default_locale=de",
    ] {
        assert!(!out.contains(needle), "{needle} survived:\n{out}");
    }
    crate::util::assert_all_addresses_truncated(out.as_bytes(), "bbb.log");
}

#[test]
fn pseudonyms_join_with_moodle_and_across_lines() {
    let (out, _) = run(&[]);
    let lines: Vec<&str> = out.lines().collect();
    // Moodle user id 109: the userID parameter, the map dump, externalUserId.
    let u109 = token(Namespace::UserId, "109");
    for i in [1, 2, 7] {
        assert!(lines[i].contains(&u109), "line {}: {}", i + 1, lines[i]);
    }
    // The BBB internal id in its own namespace, the same on every line.
    let w = token(Namespace::BbbUser, "w_u0rjuthid3ab");
    assert!(w.starts_with("b_"));
    for i in [5, 7, 14] {
        assert!(lines[i].contains(&w), "line {}: {}", i + 1, lines[i]);
    }
    // The display name, as a parameter, in a map, in JSON.
    let max = token(Namespace::Name, "Max Mustermann");
    for i in [1, 2, 5, 7, 14] {
        assert!(lines[i].contains(&max), "line {}: {}", i + 1, lines[i]);
    }
    // Secrets are redacted, never hashed.
    assert!(lines[3].contains("CHECKSUM=REDACTED length=40"));
    assert!(lines[4].ends_with("SHA256 REDACTED"));
    assert!(lines[6].ends_with("sessionToken=REDACTED"));
}

#[test]
fn json_stays_json_with_its_key_order() {
    let (out, _) = run(&[]);
    let input = std::fs::read_to_string(testdata("bbb.log")).unwrap();
    for (i, o) in input.lines().zip(out.lines()) {
        for marker in ["data=", "-- analytics -- "] {
            if let (Some(a), Some(b)) = (i.find(marker), o.find(marker)) {
                let before: serde_json::Value =
                    serde_json::from_str(&i[a + marker.len()..]).unwrap();
                let after: serde_json::Value = serde_json::from_str(&o[b + marker.len()..])
                    .unwrap_or_else(|e| panic!("{e}: {o}"));
                assert_eq!(
                    before.as_object().map(|m| m.len()),
                    after.as_object().map(|m| m.len())
                );
                assert_eq!(json_keys(&i[a..]), json_keys(&o[b..]), "key order kept");
            }
        }
    }
    // The html5-client line: JSON with nginx's \x22 quotes.
    let last = out.lines().last().unwrap();
    let body = &last[last.find("] ").unwrap() + 2..].replace("\\x22", "\"");
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    assert!(v["userId"].as_str().unwrap().starts_with("b_"));
}

/// The keys of a JSON text, in order of appearance.
fn json_keys(s: &str) -> Vec<String> {
    s.split('"')
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| {
            w[1].starts_with(':')
                && !w[0].is_empty()
                && w[0].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        .map(|w| w[0].to_string())
        .collect()
}

#[test]
fn user_agent_policy() {
    let (auto, _) = run(&[]);
    assert!(auto.contains("\"userAgent\":\"Firefox\""), "{auto}");
    let (keep, _) = run(&["--user-agent", "keep"]);
    assert!(keep.contains("Gecko/20100101 Firefox/132.0"));
    let (drop, _) = run(&["--user-agent", "drop"]);
    assert!(drop.contains("\"userAgent\":\"-\""));
}

#[test]
fn access_logs_keep_user_agents_unless_asked() {
    let w = Work::new();
    let f = w.write(
        "a.log",
        b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0\"\n",
    );
    w.anonymize()
        .arg(&f)
        .assert()
        .success()
        .stdout(predicates::str::contains("Gecko/20100101 Firefox/132.0"));
    w.anonymize()
        .arg(&f)
        .args(["--user-agent", "family"])
        .assert()
        .success()
        .stdout(
            "1.2.3.0 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5 \"-\" \"Firefox\"\n",
        );
}

/// Found by fuzzing: an address as the "identifier" word before the time.
#[test]
fn an_address_before_the_time_is_truncated() {
    let w = Work::new();
    let f = w.write(
        "b.log",
        b"192.0.2.45 2026-11-24T08:11:28.104+01:00 INFO  o.b.api.ParamsProcessorUtil - x\n",
    );
    w.anonymize()
        .arg(&f)
        .args(["--format", "bbb"])
        .assert()
        .success()
        .stdout("192.0.2.0 2026-11-24T08:11:28.104+01:00 INFO  o.b.api.ParamsProcessorUtil - x\n");
}

/// nginx on a BBB server: join and enter URLs in a combined access log.
#[test]
fn join_urls_in_bbb_nginx_access_logs() {
    let w = Work::new();
    let f = w.write(
        "bbb-access.log",
        b"193.140.26.22 - - [04/Dec/2019:10:43:39 +0300] \"GET /bigbluebutton/api/join?fullName=Max+Mustermann&firstName=Max&lastName=Mustermann&meetingID=m1&password=d1ed48d6&userID=109&avatarURL=https%3A%2F%2Fmoodle.example.edu%2Fuser%2Fpix.php%2F109%2Ff1.jpg&userdata-bbb_custom_style=x&checksum=59ee1dd9668358276f4505cbf0b9f486d5d9431c HTTP/1.1\" 302 0 \"-\" \"Mozilla/5.0\"\n\
193.140.26.22 - - [04/Dec/2019:10:43:40 +0300] \"GET /html5client/join?sessionToken=bayqiyjxpekll5k0 HTTP/1.1\" 200 1337 \"-\" \"Mozilla/5.0\"\n",
    );
    let out = w.anonymize().arg(&f).output().unwrap();
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Mustermann",
        "=Max",
        "d1ed48d6",
        "userID=109",
        "pix.php",
        "59ee1dd9",
        "bayqiyjxpekll5k0",
        "193.140.26.22",
        "style=x",
    ] {
        assert!(!s.contains(needle), "{needle} survived: {s}");
    }
    assert!(s.contains(&format!("userID={}", token(Namespace::UserId, "109"))));
    assert!(
        s.contains("password=REDACTED")
            && s.contains("checksum=REDACTED")
            && s.contains("sessionToken=REDACTED")
    );
    assert!(s.starts_with("193.140.26.0 - - "));
}
