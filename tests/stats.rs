//! `anonlog stats`: exact tables on small inputs, suppression, merging of
//! partial states, determinism.

use std::path::Path;

use crate::util::{anonlog, testdata, Work};

/// An access line of user `u` at 2026-11-02 10:00 UTC (a Monday).
fn line(u: &str, path: &str, addr: u8) -> String {
    format!(
        "192.0.2.{addr} - {u} [02/Nov/2026:10:00:00 +0000] \"GET {path} HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0\"\n"
    )
}

/// Four users on course 3, three on the forum, one on a quiz.
fn fixture() -> (String, String) {
    let mut a = String::new();
    let mut b = String::new();
    for u in ["u1", "u2", "u3", "u4"] {
        a += &line(u, "/course/view.php?id=3", 10);
    }
    for u in ["u1", "u2", "u3"] {
        b += &line(u, "/mod/forum/view.php?id=9", 11);
    }
    b += &line("u5", "/mod/quiz/view.php?id=7", 12);
    (a, b)
}

fn stats(args: &[&str], files: &[&Path]) -> std::process::Output {
    let out = anonlog()
        .arg("stats")
        .args(args)
        .args(files)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn exact_tables_with_small_cells_suppressed() {
    let w = Work::new();
    let (a, b) = fixture();
    let fa = w.write("a.log", a.as_bytes());
    let fb = w.write("b.log", b.as_bytes());
    let out = w.path("out");
    stats(
        &["--min-users", "3", "--out", out.to_str().unwrap()],
        &[&fa, &fb],
    );
    let csv = read(&out.join("stats.csv"));
    let row = |dim: &str, value: &str, events: u64, users: u64| {
        format!("2026-11-02T00:00:00Z,2026-11-09T00:00:00Z,{dim},{value},{events},{users},,,,false")
    };
    for want in [
        row("course", "3", 4, 4),
        row("course", "(none)", 4, 4),
        row("status", "2xx", 8, 5),
        row("hour", "10", 8, 5),
        row("weekday", "Mon", 8, 5),
        row("total", "all", 8, 5),
        row("origin", "web", 8, 5),
        row("ua_family", "Firefox", 8, 5),
        row("event", "(none)", 8, 5),
    ] {
        assert!(csv.lines().any(|l| l == want), "missing {want:?} in\n{csv}");
    }
    // The quiz (1 user) is suppressed, and the forum (3 users) with it:
    // otherwise the activity table's total minus the published cells would
    // give the quiz.
    assert!(!csv.contains(",activity,quiz,"), "{csv}");
    assert!(!csv.contains(",activity,forum,"), "{csv}");
    // And (none) too: quiz + forum = 4 with each at least 1 leaves the quiz
    // within 1..3, narrower than the protection interval of K = 3.
    assert!(!csv.contains(",activity,(none),"), "{csv}");
    let meta: serde_json::Value = serde_json::from_str(&read(&out.join("metadata.json"))).unwrap();
    assert_eq!(meta["min_users"], 3);
    assert_eq!(meta["window_seconds"], 604_800);
    assert_eq!(meta["inputs"][0]["records"], 4);
    assert_eq!(meta["inputs"][1]["format"], "access");
    assert_eq!(meta["privacy"]["suppressed_primary"], 1);
    assert_eq!(meta["privacy"]["suppressed_complementary"], 2);
    assert_eq!(meta["privacy"]["audit"]["unprotected"], 0);
    assert_eq!(meta["rows"], csv.lines().count() as u64 - 1);
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("stats.json"))).unwrap();
    assert_eq!(
        json.as_array().unwrap().len() as u64,
        meta["rows"].as_u64().unwrap()
    );
    // No user, address or pseudonym in any output.
    for f in ["stats.csv", "stats.json", "metadata.json"] {
        let t = read(&out.join(f));
        for needle in ["u1", "u5", "192.0.2", "9879"] {
            assert!(!t.contains(needle), "{f} contains {needle}");
        }
        for word in t.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
            assert!(
                !anonlog::pseudonym::is_token(word.as_bytes()),
                "{f} contains {word}"
            );
        }
    }
    anonlog()
        .arg("check")
        .arg(out.join("stats.csv"))
        .assert()
        .success();
}

#[test]
fn default_k_suppresses_cells_of_four() {
    let w = Work::new();
    let (a, b) = fixture();
    let f = w.write("ab.log", (a + &b).as_bytes());
    let out = w.path("out");
    stats(&["--out", out.to_str().unwrap()], &[&f]);
    let csv = read(&out.join("stats.csv"));
    for l in csv.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        if f[9] == "true" || f[4] == "0" {
            assert!(f[4] == "0" || f[4].is_empty(), "{l}");
            continue;
        }
        let users: u64 = f[5].parse().unwrap();
        assert!(users >= 5, "{l}");
    }
    assert!(csv.contains(",status,2xx,8,5,"));
    assert!(!csv.contains(",course,3,"), "4 users < 5");
}

#[test]
fn merged_partials_equal_one_run_over_all_inputs() {
    let w = Work::new();
    let (a, b) = fixture();
    let fa = w.write("a.log", a.as_bytes());
    let fb = w.write("b.log", b.as_bytes());
    let moodle = testdata("moodle/logstore-postgres.csv");
    let key = w.key();
    let k = key.to_str().unwrap();
    let one = w.path("one");
    stats(
        &["-k", k, "--min-users", "2", "--out", one.to_str().unwrap()],
        &[&fa, &fb, &moodle],
    );
    let p1 = w.path("web1.state");
    let p2 = w.path("web2.state");
    stats(&["-k", k, "--partial", p1.to_str().unwrap()], &[&fa]);
    stats(
        &["-k", k, "--partial", p2.to_str().unwrap()],
        &[&fb, &moodle],
    );
    let merged = w.path("merged");
    let out = anonlog()
        .args(["stats", "merge", "--min-users", "2", "--out"])
        .arg(&merged)
        .arg(&p1)
        .arg(&p2)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        read(&merged.join("stats.csv")),
        read(&one.join("stats.csv"))
    );
    // u1..u3 are in both parts: counted once.
    assert!(read(&merged.join("stats.csv")).contains(",status,2xx,8,5,"));
    // A state made with another key is refused.
    let other = w.write_key("other.key", &[9u8; 32], 0o600);
    let p3 = w.path("web3.state");
    stats(
        &[
            "-k",
            other.to_str().unwrap(),
            "--partial",
            p3.to_str().unwrap(),
        ],
        &[&fa],
    );
    let out = anonlog()
        .args(["stats", "merge", "--out"])
        .arg(w.path("x"))
        .arg(&p1)
        .arg(&p3)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another key"));
    // --partial without a key is refused.
    let out = anonlog()
        .args(["stats", "--partial"])
        .arg(w.path("y.state"))
        .arg(&fa)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn tables_do_not_depend_on_threads_or_reading() {
    let w = Work::new();
    let mut big = String::new();
    for i in 0..3000 {
        big += &line(
            &format!("u{}", i % 37),
            &format!("/course/view.php?id={}", i % 5),
            (i % 200) as u8,
        );
    }
    let f = w.write("big.log", big.as_bytes());
    let run = |args: &[&str]| {
        let out = w.path(&format!("o{}", args.join("_")));
        let mut a = vec!["--out", out.to_str().unwrap()];
        a.extend_from_slice(args);
        stats(&a, &[&f]);
        read(&out.join("stats.csv"))
    };
    let base = run(&["-j", "1"]);
    assert!(base.contains(",course,2,600,"), "{base}");
    // Course 0 (no course) and 1 (the front page) are not courses.
    assert!(
        !base.contains(",course,0,") && !base.contains(",course,1,"),
        "{base}"
    );
    assert_eq!(run(&["-j", "3"]), base);
    let piped = anonlog()
        .args(["stats", "-j", "2", "--out"])
        .arg(w.path("piped"))
        .write_stdin(big.clone())
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(0));
    assert_eq!(read(&w.path("piped").join("stats.csv")), base);
}

#[test]
fn epsilon_adds_noise_and_says_so() {
    let w = Work::new();
    let mut big = String::new();
    for i in 0..2000 {
        big += &line(&format!("u{}", i % 300), "/course/view.php?id=3", 1);
    }
    let f = w.write("big.log", big.as_bytes());
    let out = w.path("dp");
    stats(&["--epsilon", "50", "--out", out.to_str().unwrap()], &[&f]);
    let meta: serde_json::Value = serde_json::from_str(&read(&out.join("metadata.json"))).unwrap();
    assert_eq!(meta["epsilon"], 50.0);
    // 16 tables (one window, the default dimensions), half of each
    // table's share for users.
    let dp = &meta["privacy"]["differential_privacy"];
    assert_eq!(dp["tables"], 16);
    assert_eq!(dp["epsilon_per_table"], 50.0 / 16.0);
    assert_eq!(dp["users_noise_scale"], 4.0 / (50.0 / 32.0));
    assert_eq!(meta["max_cells_per_user"], 4);
    let csv = read(&out.join("stats.csv"));
    // 300 users and 2000 events; noise of scale 4 / 2.5 and 400 / 2.5.
    let line = csv
        .lines()
        .find(|l| l.contains(",course,3,"))
        .expect("published");
    let users: f64 = line.split(',').nth(5).unwrap().parse().unwrap();
    let events: f64 = line.split(',').nth(4).unwrap().parse().unwrap();
    assert!((280.0..320.0).contains(&users), "{line}");
    assert!((400.0..3600.0).contains(&events), "{line}");
    let out = anonlog()
        .args(["stats", "--epsilon", "-1", "--out"])
        .arg(w.path("bad"))
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn moodle_exports_give_course_activity_event_crud_and_edulevel() {
    let w = Work::new();
    let out = w.path("m");
    stats(
        &["--min-users", "1", "--out", out.to_str().unwrap()],
        &[
            &testdata("moodle/logstore-postgres.csv"),
            &testdata("moodle/report-en.csv"),
        ],
    );
    let csv = read(&out.join("stats.csv"));
    for want in [
        ",course,36,",
        ",activity,assign,",
        ",event,\\core\\event\\user_loggedin,",
        ",crud,r,",
        ",edulevel,2,",
        ",origin,ws,",
        ",course,PHY101,",
    ] {
        assert!(csv.contains(want), "missing {want} in\n{csv}");
    }
    // Rows of not-logged-in users (userid 0) have no user: never published
    // on their own.
    for l in csv.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        if f[9] == "true" || f[4] == "0" {
            continue;
        }
        let users: u64 = f[5].parse().unwrap();
        assert!(users >= 1, "{l}");
    }
}

/// A bbb-web analytics line.
fn bbb(time: &str, data: &str) -> String {
    format!(
        "2026-11-02T{time}.000Z INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={{{data}}}\n"
    )
}

fn meetings_log() -> String {
    let m1 = "183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1793613600000";
    let m2 = "2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1793617200000";
    let mut s = String::new();
    s += &bbb(
        "10:00:00",
        &format!(r#""logCode":"meeting_started","meetingId":"{m1}","name":"Physics""#),
    );
    for i in 1..=6 {
        s += &bbb(
            &format!("10:0{i}:00"),
            &format!(
                r#""logCode":"user_joined_message","meetingId":"{m1}","userId":"w_user0000000{i}","username":"Person {i}""#
            ),
        );
    }
    s += &bbb(
        "10:10:00",
        &format!(r#""logCode":"user_left_message","meetingId":"{m1}","userId":"w_user00000001""#),
    );
    s += &bbb(
        "10:20:00",
        &format!(r#""userId":"w_user00000002","logCode":"user_left_message","meetingId":"{m1}""#),
    );
    s += &bbb(
        "10:50:00",
        &format!(r#""logCode":"meeting_ended","meetingId":"{m1}""#),
    );
    s += &bbb(
        "11:00:00",
        &format!(r#""logCode":"meeting_started","meetingId":"{m2}""#),
    );
    for i in 7..=8 {
        s += &bbb(
            "11:01:00",
            &format!(
                r#""logCode":"user_joined_message","meetingId":"{m2}","userId":"w_user0000000{i}""#
            ),
        );
    }
    s += &bbb(
        "11:14:00",
        &format!(r#""logCode":"meeting_ended","meetingId":"{m2}""#),
    );
    s
}

#[test]
fn bbb_meetings_participants_minutes_and_peak() {
    let w = Work::new();
    let raw = w.write("bbb-web.log", meetings_log().as_bytes());
    let out = w.path("raw");
    stats(
        &["--min-users", "2", "--out", out.to_str().unwrap()],
        &[&raw],
    );
    let csv = read(&out.join("stats.csv"));
    let row = |dim: &str, value: &str, rest: &str| {
        format!("2026-11-02T00:00:00Z,2026-11-09T00:00:00Z,{dim},{value},{rest}")
    };
    for want in [
        row("bbb_meetings", "all", "2,8,8,64,6,false"),
        row("bbb_meeting_size", "6-20", "1,6,6,50,6,false"),
        row("bbb_meeting_size", "2-5", "1,2,2,14,2,false"),
        row("bbb_meeting_duration", "45-89 min", "1,6,6,50,6,false"),
        row("bbb_meeting_duration", "<15 min", "1,2,2,14,2,false"),
    ] {
        assert!(csv.lines().any(|l| l == want), "missing {want:?} in\n{csv}");
    }
    // The anonymized log gives the same meetings.
    let anon = w.path("anon.log");
    w.anonymize()
        .arg(&raw)
        .arg("-o")
        .arg(&anon)
        .assert()
        .success();
    let text = read(&anon);
    assert!(
        !text.contains("w_user0000000") && !text.contains("Person "),
        "{text}"
    );
    let out2 = w.path("anon");
    stats(
        &["--min-users", "2", "--out", out2.to_str().unwrap()],
        &[&anon],
    );
    let meetings = |c: &str| -> Vec<String> {
        c.lines()
            .filter(|l| l.contains(",bbb_"))
            .map(String::from)
            .collect()
    };
    assert_eq!(meetings(&read(&out2.join("stats.csv"))), meetings(&csv));
    // With the default K = 5 the 2-person meeting is never shown, and
    // neither is anything that would give it away.
    let out3 = w.path("k5");
    stats(&["--out", out3.to_str().unwrap()], &[&raw]);
    let csv = read(&out3.join("stats.csv"));
    // Public values (meeting sizes and durations) are listed, marked.
    let shown = |pat: &str| {
        csv.lines()
            .any(|l| l.contains(pat) && !l.ends_with(",true"))
    };
    assert!(!shown(",2-5,") && !shown(",<15 min,"), "{csv}");
    assert!(!shown(",bbb_meeting_size,6-20,"), "{csv}");
    assert!(csv.contains(",bbb_meeting_size,2-5,,,,,,true"), "{csv}");
    // Two meetings in all would pin both sizes at exactly 1 (each is at
    // least 1): the total is withheld too.
    assert!(csv.contains(",bbb_meetings,all,,,,,,true"), "{csv}");
}

#[test]
fn chosen_dimensions_only_and_their_budget() {
    let w = Work::new();
    let mut big = String::new();
    for i in 0..400 {
        big += &line(&format!("u{}", i % 100), "/course/view.php?id=1", 1);
    }
    let f = w.write("big.log", big.as_bytes());
    let out = w.path("dims");
    stats(
        &[
            "--dimensions",
            "course,status",
            "--epsilon",
            "4",
            "--out",
            out.to_str().unwrap(),
        ],
        &[&f],
    );
    let csv = read(&out.join("stats.csv"));
    for l in csv.lines().skip(1) {
        let dim = l.split(',').nth(2).unwrap();
        assert!(dim == "course" || dim == "status", "{l}");
    }
    let meta: serde_json::Value = serde_json::from_str(&read(&out.join("metadata.json"))).unwrap();
    assert_eq!(meta["privacy"]["tables"], 2);
    assert_eq!(
        meta["privacy"]["differential_privacy"]["epsilon_per_table"],
        2.0
    );
    let bad = anonlog()
        .args(["stats", "--dimensions", "courses", "--out"])
        .arg(w.path("bad"))
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown dimension \"courses\""));
}

#[test]
fn logged_in_as_counts_the_user_logged_in_as() {
    let w = Work::new();
    let report = w.write(
        "report.csv",
        "Course,Time,User full name,Affected user,Event context,Component,Event name,Description,Origin,IP address\n\
         PHY,\"2/11/26, 10:00\",Jane Doe,-,Course: PHY,System,Course viewed,The user with id '7' viewed the course with id '3'.,web,192.0.2.1\n\
         PHY,\"2/11/26, 10:05\",Admin User as Jane Doe,-,Course: PHY,System,Course viewed,The user with id '7' viewed the course with id '3'.,web,192.0.2.2\n"
            .as_bytes(),
    );
    let access = w.write(
        "a.log",
        (line("2 as 57", "/course/view.php?id=3", 1) + &line("57", "/course/view.php?id=3", 2))
            .as_bytes(),
    );
    let out = w.path("as");
    stats(
        &["--min-users", "1", "--out", out.to_str().unwrap()],
        &[&report, &access],
    );
    let csv = read(&out.join("stats.csv"));
    assert!(csv.contains(",course,PHY,2,1,"), "{csv}");
    assert!(csv.contains(",course,3,2,1,"), "{csv}");
}

#[test]
fn a_forced_moodle_format_on_something_else_is_an_error() {
    let w = Work::new();
    let out = anonlog()
        .args(["stats", "--format", "moodle-report", "--out"])
        .arg(w.path("x"))
        .arg(testdata("bbb.log"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bbb.log") && err.contains("not a moodle-report export"),
        "{err}"
    );
}

#[test]
fn people_courses_and_agents_as_moodle_means_them() {
    let w = Work::new();
    let mut log = String::new();
    // Users 0, 1 and guest are no one; Moodle under /moodle; id=05 is 5.
    for u in ["0", "1", "guest", "-"] {
        log += &line(u, "/moodle/course/view.php?id=05", 1);
    }
    for u in ["a1", "a2", "a3", "a4", "a5"] {
        log += &line(u, "/moodle/course/view.php?id=5", 1);
        log += &line(u, "/moodle/mod/quiz/view.php?courseid=5", 1);
        log += &line(u, "/course/view.php?id=1", 1);
        log += &line(u, "/moodle/webservice/rest/server.php?courseid=0", 1);
    }
    log += "192.0.2.1 - a1 [02/Nov/2026:10:00:00 +0000] \"GET /x HTTP/1.1\" 200 5 \"-\" \"-\"\n";
    let f = w.write("a.log", log.as_bytes());
    let out = w.path("out");
    stats(&["--min-users", "1", "--out", out.to_str().unwrap()], &[&f]);
    let csv = read(&out.join("stats.csv"));
    let has = |p: &str| csv.lines().any(|l| l.contains(p));
    assert!(has(",course,5,14,5,"), "{csv}");
    assert!(has(",activity,quiz,5,5,"), "{csv}");
    assert!(has(",origin,ws,5,5,"), "{csv}");
    assert!(has(",total,all,25,5,"), "{csv}");
    assert!(
        !has(",course,1,") && !has(",course,0,") && !has(",course,05,"),
        "{csv}"
    );
    assert!(has(",ua_family,(none),1,1,"), "{csv}");
    // The same input twice is refused.
    let twice = anonlog()
        .args(["stats", "--out"])
        .arg(w.path("o2"))
        .arg(&f)
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("counted twice"));
    // A log that names no user is said to be so.
    let anon = w.write("anon.log", line("-", "/", 1).as_bytes());
    let o = stats(&["--out", w.path("o3").to_str().unwrap()], &[&anon]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("names a user"));
}

#[test]
fn the_same_partial_twice_is_refused() {
    let w = Work::new();
    let (a, _) = fixture();
    let fa = w.write("a.log", a.as_bytes());
    let key = w.key();
    let p = w.path("p.state");
    stats(
        &[
            "-k",
            key.to_str().unwrap(),
            "--partial",
            p.to_str().unwrap(),
        ],
        &[&fa],
    );
    let out = anonlog()
        .args(["stats", "merge", "--out"])
        .arg(w.path("m"))
        .arg(&p)
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("counted twice"));
}

/// A partial counts the dimensions its run asked for: merging it for a
/// cross-tabulation it never counted is refused, naming the dimension;
/// for dimensions it did count, the merge gives the run's own tables.
#[test]
fn merge_refuses_a_dimension_the_partials_did_not_count() {
    let w = Work::new();
    let (a, _) = fixture();
    let fa = w.write("a.log", a.as_bytes());
    let key = w.key();
    let p = w.path("p.state");
    let direct = w.path("direct");
    stats(
        &[
            "-k",
            key.to_str().unwrap(),
            "--partial",
            p.to_str().unwrap(),
            "--out",
            direct.to_str().unwrap(),
        ],
        &[&fa],
    );
    let out = anonlog()
        .args(["stats", "merge", "--dimensions", "course_activity", "--out"])
        .arg(w.path("m"))
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("dimension course_activity"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!w.path("m").exists());
    let out = anonlog()
        .args(["stats", "merge", "--out"])
        .arg(w.path("m2"))
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        read(&w.path("m2").join("stats.csv")),
        read(&direct.join("stats.csv"))
    );
}

/// The audit works within a counted budget: a release whose audit does not
/// finish in it is refused with status 2 and nothing is written (no table
/// with an unchecked small cell is ever published); within it the same
/// input is released, with the audit's work in metadata.json.
#[test]
fn a_release_the_audit_cannot_finish_is_not_written() {
    let w = Work::new();
    let out = w.path("out");
    let input = testdata("moodle-access.log");
    let run = anonlog()
        .args(["stats", "--audit-budget", "1", "--out"])
        .arg(&out)
        .arg(&input)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains("could not be shown to be protected")
            && err.contains("--audit-budget 1")
            && err.contains("nothing was written"),
        "{err}"
    );
    assert!(!out.exists());
    anonlog()
        .args(["stats", "--out"])
        .arg(&out)
        .arg(&input)
        .assert()
        .success();
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("metadata.json")).unwrap()).unwrap();
    let audit = &meta["privacy"]["audit"];
    assert_eq!(audit["budget_exhausted"], false);
    assert_eq!(audit["unprotected"], 0);
    assert!(audit["work"].as_u64().unwrap() > 0);
}

#[test]
fn bbb_attendance_per_moodle_course_from_the_external_meeting_id() {
    // Moodle's activity names meetings <sha1>-<course>-<activity>[<group>].
    let seed = "7f0e4c1d2b3a49586776a5b4c3d2e1f0a9b8c7d6";
    let meetings = [
        (
            "5ad1e6c0e0b8b9a6f2a33b5c7f2f24ad0a7b0d1e-1793613600000",
            format!("{seed}-12-7[0]"),
            3,
        ),
        (
            "b1c3d6e9f2a5b8c1d4e7f0a3b6c9d2e5f8a1b4c7-1793617200000",
            format!("{seed}-012-9"),
            2,
        ),
        (
            "c2d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0-1793620800000",
            "demoapp_1000".to_string(),
            4,
        ),
    ];
    let mut log = String::new();
    for (n, (id, ext, people)) in meetings.iter().enumerate() {
        let h = 10 + n;
        log += &bbb(
            &format!("{h}:00:00"),
            &format!(
                r#""logCode":"meeting_started","meetingId":"{id}","externalMeetingId":"{ext}""#
            ),
        );
        for i in 0..*people {
            log += &bbb(
                &format!("{h}:0{}:00", i + 1),
                &format!(
                    r#""logCode":"user_joined_message","meetingId":"{id}","externalMeetingId":"{ext}","userId":"w_m{n}p{i}""#
                ),
            );
        }
        log += &bbb(
            &format!("{h}:30:00"),
            &format!(r#""logCode":"meeting_ended","meetingId":"{id}""#),
        );
    }
    let w = Work::new();
    let raw = w.write("bbb-web.log", log.as_bytes());
    let out = w.path("out");
    stats(
        &[
            "--min-users",
            "1",
            "--dimensions",
            "bbb_course",
            "--out",
            out.to_str().unwrap(),
        ],
        &[&raw],
    );
    let csv = read(&out.join("stats.csv"));
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    // Course 12's two meetings (its id written 12 and 012): 5 people, 60
    // minutes, at most 3 at once; the meeting of another front end has none.
    assert_eq!(
        rows,
        [
            "2026-11-02T00:00:00Z,2026-11-09T00:00:00Z,bbb_course,(none),1,4,4,30,4,false",
            "2026-11-02T00:00:00Z,2026-11-09T00:00:00Z,bbb_course,12,2,5,5,60,3,false",
        ],
        "{csv}"
    );
}
