//! Whole-line rewriting: exact expected output for the access-log variants.

use super::access::{common_head, write_head};
use super::*;
use crate::format::access as access_fmt;
use crate::ip;
use crate::pseudonym::{Key, Namespace};

fn p() -> Pseudonymizer {
    Pseudonymizer::new(&Key::from_bytes([5; 32]))
}

fn t(ns: Namespace, v: &str) -> String {
    format!("{:?}", p().pseudonym(ns, v.as_bytes()))
}

fn n(v: &str) -> String {
    t(Namespace::Name, v)
}

fn u(v: &str) -> String {
    t(Namespace::UserId, v)
}

fn rewrite_with(opts: Options, line: &str) -> (String, Outcome) {
    let rw = Rewriter::new(opts, p());
    let mut w = Worker::default();
    let mut out = Vec::new();
    let o = rw
        .rewrite_line(&mut w, Format::Access, line.as_bytes(), &mut None, &mut out)
        .outcome;
    (String::from_utf8(out).unwrap(), o)
}

fn rewrite(line: &str) -> String {
    let (s, o) = rewrite_with(Options::default(), line);
    assert_eq!(o, Outcome::Rewritten, "{line}");
    s
}

#[test]
fn combined_with_moodle_user_ids_and_names() {
    #[rustfmt::skip]
    let rows: Vec<(&str, String)> = vec![
        (r#"83.149.9.216 - 58 [17/May/2015:10:05:03 +0000] "GET /course/view.php?id=4 HTTP/1.1" 200 203023 "https://moodle.example.org/my/" "Mozilla/5.0""#,
         format!(r#"83.149.9.0 - {} [17/May/2015:10:05:03 +0000] "GET /course/view.php?id=4 HTTP/1.1" 200 203023 "https://moodle.example.org/my/" "Mozilla/5.0""#, u("58"))),
        (r#"10.1.2.3 - Jane Doe as John Roe [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#,
         format!(r#"10.1.2.0 - {} as {} [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#, n("Jane Doe"), n("John Roe"))),
        (r#"10.1.2.3 - 2 as 57 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#,
         format!(r#"10.1.2.0 - {} as {} [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#, u("2"), u("57"))),
        // Guest (1) and not logged in (-) are not people.
        (r#"10.1.2.3 - 1 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#,
         r#"10.1.2.0 - 1 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#.to_string()),
        (r#"10.1.2.3 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#,
         r#"10.1.2.0 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#.to_string()),
        // nginx escapes non-ASCII in $remote_user; the pseudonym is that of the name.
        (r#"10.1.2.3 - J\xC3\xBCrgen [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#,
         format!(r#"10.1.2.0 - {} [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#, n("Jürgen"))),
    ];
    for (input, want) in rows {
        assert_eq!(rewrite(input), want, "{input}");
    }
}

#[test]
fn clients_in_every_position() {
    #[rustfmt::skip]
    let rows: Vec<(&str, String)> = vec![
        (r#"2001:0db8:85a3:0000:0000:8a2e:0370:7334 - - [29/Sep/2021:14:11:34 +0200] "HEAD / HTTP/1.1" 200 0 "-" "x""#,
         r#"2001:db8:85a3:: - - [29/Sep/2021:14:11:34 +0200] "HEAD / HTTP/1.1" 200 0 "-" "x""#.to_string()),
        (r#"::ffff:192.0.2.128 - - [29/Sep/2021:14:11:34 +0200] "GET / HTTP/1.1" 200 0"#,
         r#"::ffff:192.0.2.0 - - [29/Sep/2021:14:11:34 +0200] "GET / HTTP/1.1" 200 0"#.to_string()),
        (r#"127.0.0.1:80 - - [13/Nov/2023:10:44:01 +0000] "GET / HTTP/1.1" 200 0"#,
         r#"127.0.0.0:80 - - [13/Nov/2023:10:44:01 +0000] "GET / HTTP/1.1" 200 0"#.to_string()),
        (r#"[2001:db8::1]:443 - - [13/Nov/2023:10:44:01 +0000] "GET / HTTP/1.1" 200 0"#,
         r#"[2001:db8::]:443 - - [13/Nov/2023:10:44:01 +0000] "GET / HTTP/1.1" 200 0"#.to_string()),
        (r#""10.5.102.222, 199.96.1.1, 204.246.1.1" 10.2.1.185 - - [22/Jan/2016:13:18:29 +0000] "GET /a HTTP/1.1" 200 1 "-" "x""#,
         r#""10.5.102.0, 199.96.1.0, 204.246.1.0" 10.2.1.0 - - [22/Jan/2016:13:18:29 +0000] "GET /a HTTP/1.1" 200 1 "-" "x""#.to_string()),
        (r#"10.0.0.2,10.0.0.1 - - [22/Jan/2016:13:18:29 +0000] "GET /a HTTP/1.1" 200 1"#,
         r#"10.0.0.0,10.0.0.0 - - [22/Jan/2016:13:18:29 +0000] "GET /a HTTP/1.1" 200 1"#.to_string()),
        // Trailing X-Forwarded-For fields (nginx main, key=value form).
        (r#"1.2.3.4 - - [22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 1 "-" "x" "103.28.132.65, 10.0.0.1""#,
         r#"1.2.3.0 - - [22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 1 "-" "x" "103.28.132.0, 10.0.0.0""#.to_string()),
        (r#"1.2.3.4 - - [22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 1 "-" "x" X-Forwarded-For="10.0.0.2,10.0.0.1""#,
         r#"1.2.3.0 - - [22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 1 "-" "x" X-Forwarded-For="10.0.0.0,10.0.0.0""#.to_string()),
        // Addresses in the URL and the referer.
        (r#"1.2.3.4 - - [22/Jan/2016:13:18:29 +0000] "GET /x?ip=192.168.7.9 HTTP/1.1" 200 1 "http://10.20.30.40/y" "x""#,
         r#"1.2.3.0 - - [22/Jan/2016:13:18:29 +0000] "GET /x?ip=192.168.7.0 HTTP/1.1" 200 1 "http://10.20.30.0/y" "x""#.to_string()),
        // A client host name is pseudonymized; localhost is not a person.
        (r#"dsl-84-1-2-3.example.net - - [29/May/2017:19:02:48 +0000] "GET / HTTP/1.1" 200 1"#,
         format!(r#"{} - - [29/May/2017:19:02:48 +0000] "GET / HTTP/1.1" 200 1"#, t(Namespace::Host, "dsl-84-1-2-3.example.net"))),
        (r#"localhost - - [29/May/2017:19:02:48 +0000] "GET / HTTP/1.1" 200 1"#,
         r#"localhost - - [29/May/2017:19:02:48 +0000] "GET / HTTP/1.1" 200 1"#.to_string()),
    ];
    for (input, want) in rows {
        assert_eq!(rewrite(input), want, "{input}");
    }
}

#[test]
fn request_and_referer_parameters() {
    let line = r#"1.2.3.4 - 58 [22/Jan/2016:13:18:29 +0000] "GET /bigbluebutton/api/join?fullName=Max+Mustermann&userID=58&password=mp&checksum=9c81 HTTP/1.1" 302 0 "https://m.example.org/user/profile.php?id=58&sesskey=Zz9" "x""#;
    let want = format!(
        r#"1.2.3.0 - {u58} [22/Jan/2016:13:18:29 +0000] "GET /bigbluebutton/api/join?fullName={max}&userID={u58}&password=REDACTED&checksum=REDACTED HTTP/1.1" 302 0 "https://m.example.org/user/profile.php?id={u58}&sesskey=REDACTED" "x""#,
        u58 = u("58"),
        max = n("Max Mustermann")
    );
    assert_eq!(rewrite(line), want);
}

#[test]
fn apache_escaped_quotes_stay_intact() {
    let line = r#"172.17.0.1 - - [29/Sep/2021:12:37:05 +0000] "GET /sys/code/box.inc.php?config[\\\"sipssys\\\"]=http://cirt.net/rfiinc.txt? HTTP/1.1" 404 196"#;
    // The key (with its escaped quotes) and the value are not known to be
    // safe: both become tokens, and the line is still an access line.
    let want = format!(
        r#"172.17.0.0 - - [29/Sep/2021:12:37:05 +0000] "GET /sys/code/box.inc.php?{}={} HTTP/1.1" 404 196"#,
        t(Namespace::Opaque, r#"config[\"sipssys\"]"#),
        t(Namespace::Opaque, "http://cirt.net/rfiinc.txt?")
    );
    let got = rewrite(line);
    assert_eq!(got, want);
    assert!(access_fmt::parse(got.as_bytes()).is_ok());
}

#[test]
fn trailing_user_field() {
    let opts = Options {
        trailing_user: true,
        ..Options::default()
    };
    #[rustfmt::skip]
    let rows: Vec<(&str, String)> = vec![
        (r#"1.2.3.4 - - [22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 1 "-" "x" Jane Doe as 57"#,
         format!(r#"1.2.3.0 - - [22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 1 "-" "x" {} as {}"#, n("Jane Doe"), u("57"))),
        (r#"1.2.3.4 - - [22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 1 "-" "x" "58""#,
         format!(r#"1.2.3.0 - - [22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 1 "-" "x" "{}""#, u("58"))),
        (r#"1.2.3.4 - - [22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 1 "-" "x" -"#,
         r#"1.2.3.0 - - [22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 1 "-" "x" -"#.to_string()),
        (r#"1.2.3.4 - - [22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 1 jdoe"#,
         format!(r#"1.2.3.0 - - [22/Jan/2016:13:18:29 +0000] "GET / HTTP/1.1" 200 1 {}"#, n("jdoe"))),
    ];
    for (input, want) in rows {
        let (got, o) = rewrite_with(opts.clone(), input);
        assert_eq!(o, Outcome::Rewritten);
        assert_eq!(got, want, "{input}");
    }
}

#[test]
fn prefixes_are_configurable() {
    let opts = Options {
        policy: IpPolicy {
            v4_prefix: 16,
            v6_prefix: 32,
            mode: ip::IpMode::Truncate,
        },
        ..Options::default()
    };
    let (got, _) = rewrite_with(
        opts,
        r#"192.168.33.2 - - [26/Dec/2016:16:22:13 +0000] "GET /?a=2001:db8:1:2::1 HTTP/1.1" 404 499"#,
    );
    assert_eq!(
        got,
        r#"192.168.0.0 - - [26/Dec/2016:16:22:13 +0000] "GET /?a=2001:db8:: HTTP/1.1" 404 499"#
    );
}

#[test]
fn unparsed_lines_follow_the_policy() {
    let line = "Mar 24 14:02:50 web1 tomcat.log: 127.0.0.1 - - \"GET /bad.foo?token=abc HTTP/1.1\" 404 65508";
    let (s, o) = rewrite_with(Options::default(), line);
    assert!(matches!(o, Outcome::Scrubbed(_)));
    // A line of no known shape keeps only what is known to be safe: the
    // number after the status could be anything.
    assert_eq!(
        s,
        format!(
            "Mar 24 14:02:50 web1 tomcat.log: 127.0.0.0 - - \"GET /bad.foo?token=REDACTED HTTP/1.1\" 404 {}",
            t(Namespace::Opaque, "65508")
        )
    );
    for (policy, want) in [(OnUnparsed::Drop, "dropped"), (OnUnparsed::Fail, "failed")] {
        let opts = Options {
            on_unparsed: policy,
            ..Options::default()
        };
        let (s, o) = rewrite_with(opts, line);
        assert_eq!(s, "", "nothing is written for a {want} line");
        assert!(matches!(
            (o, want),
            (Outcome::Dropped(_), "dropped") | (Outcome::Failed(_), "failed")
        ));
    }
}

/// Found by fuzzing: a value must not run across the end of a bracketed
/// field, nor split an escaped backslash from its pair, or the line stops
/// being an access line.
#[test]
fn values_end_where_fields_end() {
    for line in [
        r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 [x /user/profile.php?id=58] "t""#,
        r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /user/profile.php?id=58\\" 200 5"#,
    ] {
        let out = rewrite(line);
        assert!(access_fmt::parse(out.as_bytes()).is_ok(), "{out}");
        assert!(!out.contains("=58"), "{out}");
    }
}

#[test]
fn blank_lines_pass() {
    let (s, o) = rewrite_with(Options::default(), "   ");
    assert_eq!((s.as_str(), o), ("   ", Outcome::Blank));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn line_parts() -> impl Strategy<Value = ([u8; 4], String, String, String, u16)> {
        (
            any::<[u8; 4]>(),
            "[A-Za-z][A-Za-z0-9]{2,8}( [A-Za-z][a-z]{2,8})?",
            "/[a-z]{1,8}/[a-z]{1,8}\\.php",
            "[a-z]{1,6}=[A-Za-z0-9%+]{0,12}(&[a-z]{1,6}=[A-Za-z0-9%+]{0,12}){0,3}",
            100u16..600,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// For any combined line: the client address and the user do not
        /// survive, the rest of the structure does, and the output is the
        /// same every time.
        #[test]
        fn combined_lines((ip, user, path, query, status) in line_parts()) {
            let ip = std::net::Ipv4Addr::from(ip);
            let line = format!(
                r#"{ip} - {user} [10/Oct/2000:13:55:36 -0700] "GET {path}?{query}&sesskey=s3cr3t HTTP/1.1" {status} 99 "-" "UA/1.0""#
            );
            let (out, o) = rewrite_with(Options::default(), &line);
            prop_assert_eq!(o, Outcome::Rewritten);
            let (again, _) = rewrite_with(Options::default(), &line);
            prop_assert_eq!(&out, &again);
            let o = ip.octets();
            let truncated = format!("{}.{}.{}.0 - ", o[0], o[1], o[2]);
            prop_assert!(out.starts_with(&truncated), "{}", out);
            prop_assert!(!out.contains(&format!(" {user} ")), "{}", out);
            prop_assert!(!out.contains("s3cr3t"));
            let tail = format!(r#"[10/Oct/2000:13:55:36 -0700] "GET {path}?"#);
            prop_assert!(out.contains(&tail), "{}", out);
            let end = format!(r#"HTTP/1.1" {status} 99 "-" "UA/1.0""#);
            prop_assert!(out.ends_with(&end), "{}", out);
        }
    }
}

/// The fast path for `a.b.c.d - user` heads gives the same bytes as the
/// general role assignment.
#[test]
fn common_head_fast_path_matches_general_roles() {
    let rw = Rewriter::new(Options::default(), p());
    for user in [
        "-",
        "jdoe",
        "Jane Doe",
        "2 as 57",
        "Admin User as Jane Doe",
        "Doe, Jane",
        "\"quoted name\" x",
        "5.6.7.8",
        "- -",
        "-  x",
        "a  b",
        "localhost",
        "example.com:80 x y",
    ] {
        for client in CLIENTS {
            check_fast_path(&rw, &format!("{client} - {user}"));
        }
    }
    for not_common in [
        "192.0.2.77 -  jdoe",
        "192.0.2.77:80 - jdoe",
        "192.0.2.77 x jdoe",
        "[2001:db8::1]:443 - jdoe",
        "fe80::1%eth0 - jdoe",
        "10.0.0.1,10.0.0.2 - jdoe",
        "host.example - jdoe",
    ] {
        let line = format!("{not_common} [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5");
        let rec = access_fmt::parse(line.as_bytes()).unwrap();
        assert!(
            common_head(line.as_bytes(), rec.head.end).is_none(),
            "{line}"
        );
    }
}

const CLIENTS: [&str; 4] = [
    "192.0.2.77",
    "2001:db8:4711:0:a1b2:c3d4:e5f6:7788",
    "::1",
    "::ffff:10.1.2.3",
];

/// `head` takes the fast path and gives the same bytes as the general one.
fn check_fast_path(rw: &Rewriter, head: &str) {
    let line = format!("{head} [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5");
    let b = line.as_bytes();
    let rec = access_fmt::parse(b).unwrap();
    assert!(common_head(b, rec.head.end).is_some(), "{line}");
    let mut w = Worker::default();
    let mut fast = Vec::new();
    rw.rewrite_line(&mut w, Format::Access, b, &mut None, &mut fast);
    let mut general = Vec::new();
    let (mut ctx, _, _) = rw.replacer(&mut w, UaAction::Keep);
    let (mut toks, mut parts) = (Vec::new(), Vec::new());
    access_fmt::parse_head(b, rec.head.clone(), &mut toks, &mut parts);
    let pos = write_head(&mut ctx, &parts, b, &mut general);
    general.extend_from_slice(&b[pos..]);
    // The tail has nothing to rewrite in these lines.
    assert_eq!(
        String::from_utf8_lossy(&fast),
        String::from_utf8_lossy(&general),
        "{line}"
    );
}

mod bbb_properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// For any bbb-web analytics line: the time, level, logger, JSON keys
        /// and non-personal values are kept byte for byte; names, ids and
        /// tokens change; the JSON stays JSON.
        #[test]
        fn analytics_lines(
            name in "[A-Z][a-z]{2,9}( [A-Z][a-z]{2,9})?",
            uid in 2u32..1_000_000,
            token in "[a-z0-9]{16}",
            meeting in "[0-9a-f]{40}",
            code in "(user_joined_message|join_api|user_left_message)",
        ) {
            let prefix = "2020-04-14T15:57:14.463-04:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data=";
            let json = format!(
                r#"{{"role":"VIEWER","externalUserId":"{uid}","logCode":"{code}","name":"{name}","meetingId":"{meeting}-1586894220067","sessionToken":"{token}","userId":"w_u0rjuthid3ab"}}"#
            );
            let line = format!("{prefix}{json}");
            let rw = Rewriter::new(Options::default(), p());
            let mut out = Vec::new();
            let o = rw.rewrite_line(&mut Worker::default(), Format::Bbb, line.as_bytes(), &mut None, &mut out).outcome;
            prop_assert_eq!(o, Outcome::Rewritten);
            let out = String::from_utf8(out).unwrap();
            prop_assert!(out.starts_with(prefix));
            let v: serde_json::Value = serde_json::from_str(&out[prefix.len()..]).unwrap();
            prop_assert_eq!(&v["role"], "VIEWER");
            prop_assert_eq!(v["logCode"].as_str(), Some(code.as_str()));
            let meeting_id = format!("{meeting}-1586894220067");
            prop_assert_eq!(v["meetingId"].as_str(), Some(meeting_id.as_str()));
            let (want_uid, want_name) = (u(&uid.to_string()), n(&name));
            prop_assert_eq!(v["externalUserId"].as_str(), Some(want_uid.as_str()));
            prop_assert_eq!(v["name"].as_str(), Some(want_name.as_str()));
            prop_assert_eq!(&v["sessionToken"], "REDACTED");
            prop_assert!(v["userId"].as_str().unwrap().starts_with("b_"));
            // The same keys (their order is kept by construction: only values
            // are rewritten; tests/bbb.rs checks the order on the fixture).
            let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
            let before: serde_json::Value = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(keys(&before), keys(&v));
            prop_assert_eq!(survivors(&v, &name), Vec::<String>::new());
            prop_assert!(!out.contains(&token));
        }
    }

    /// The values of a JSON object that contain `needle` (the keys, which
    /// are kept byte for byte, may contain it by chance: `logCode` holds the
    /// name `Cod`).
    fn survivors(v: &serde_json::Value, needle: &str) -> Vec<String> {
        v.as_object()
            .unwrap()
            .values()
            .filter_map(|x| x.as_str())
            .filter(|x| x.contains(needle))
            .map(str::to_string)
            .collect()
    }

    /// Regression: a name that is part of a JSON key (`Cod` in `logCode`)
    /// is still rewritten in its value, and the key stays.
    #[test]
    fn a_name_inside_a_key_is_rewritten_in_its_value() {
        let line = r#"2020-04-14T15:57:14.463-04:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"logCode":"user_joined_message","name":"Cod"}"#;
        let rw = Rewriter::new(Options::default(), p());
        let mut out = Vec::new();
        rw.rewrite_line(
            &mut Worker::default(),
            Format::Bbb,
            line.as_bytes(),
            &mut None,
            &mut out,
        );
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.ends_with(&format!(
                r#"{{"logCode":"user_joined_message","name":"{}"}}"#,
                n("Cod")
            )),
            "{out}"
        );
    }
}

/// A request method is kept only when it is a registered HTTP method: a
/// client can send any token there, and the server logs it as sent.
#[test]
fn only_registered_methods_are_kept() {
    #[rustfmt::skip]
    let rows: Vec<(&str, String)> = vec![
        (r#"1.2.3.4 - - [22/Jan/2016:13:18:29 +0000] "PROPFIND /webdav/ HTTP/1.1" 207 1"#,
         r#"1.2.3.0 - - [22/Jan/2016:13:18:29 +0000] "PROPFIND /webdav/ HTTP/1.1" 207 1"#.to_string()),
        (r#"1.2.3.4 - - [22/Jan/2016:13:18:29 +0000] "VERSION-CONTROL / HTTP/1.1" 405 1"#,
         r#"1.2.3.0 - - [22/Jan/2016:13:18:29 +0000] "VERSION-CONTROL / HTTP/1.1" 405 1"#.to_string()),
        (r#"1.2.3.4 - - [22/Jan/2016:13:18:29 +0000] "JANEDOE / HTTP/1.1" 400 1"#,
         format!(r#"1.2.3.0 - - [22/Jan/2016:13:18:29 +0000] "{} / HTTP/1.1" 400 1"#, t(Namespace::Opaque, "JANEDOE"))),
    ];
    for (input, want) in rows {
        assert_eq!(rewrite(input), want, "{input}");
    }
}
