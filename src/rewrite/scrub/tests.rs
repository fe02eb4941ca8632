//! Tests of the free-text scrubber: exact output for each rule.

use super::*;
use crate::pseudonym::{Key, Namespace, Pseudonymizer};
use crate::rewrite::{Options, Rewriter, Worker};

fn p() -> Pseudonymizer {
    Pseudonymizer::new(&Key::from_bytes([3; 32]))
}

fn tok(ns: Namespace, v: &str) -> String {
    format!("{:?}", p().pseudonym(ns, v.as_bytes()))
}

/// Scrubs `s` as a whole line with the generic format.
fn scrub_str(s: &str) -> String {
    let rw = Rewriter::new(Options::default(), p());
    let mut w = Worker::default();
    let mut out = Vec::new();
    rw.scrub_line(&mut w, s.as_bytes(), &mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn secrets_are_redacted_raw_and_encoded() {
    #[rustfmt::skip]
    let rows: &[(&str, &str)] = &[
        ("/lib/ajax/service.php?sesskey=Ab12xY&info=core", "/lib/ajax/service.php?sesskey=REDACTED&info=core"),
        ("/webservice/rest/server.php?wstoken=0123abcd&wsfunction=x", "/webservice/rest/server.php?wstoken=REDACTED&wsfunction=x"),
        ("/api/join?meetingID=m1&password=mp&checksum=9c81f9ad", "/api/join?meetingID=m1&password=REDACTED&checksum=REDACTED"),
        ("/html5client/join?sessionToken=bayqiyjxpekll5k0", "/html5client/join?sessionToken=REDACTED"),
        ("?SESSKEY=x&Token=y", "?SESSKEY=REDACTED&Token=REDACTED"),
        // A secret value is taken greedily: ';' and '%26' stay inside it.
        ("?password=a;b%26c&next=1", "?password=REDACTED&next=1"),
        // Nested, percent-encoded query in a return URL.
        ("/login/index.php?wantsurl=%2Fx.php%3Fsesskey%3Dabc%26id%3D3", "/login/index.php?wantsurl=%2Fx.php%3Fsesskey%3DREDACTED%26id%3D3"),
        // Empty values have nothing to hide.
        ("?password=&a=1", "?password=&a=1"),
        // A key inside a word is not a key.
        ("?mytoken=abc", "?mytoken=abc"),
        // JSON-like pairs.
        (r#"{"sessionToken":"ubabe0my","auth_token": "e6sp"}"#, r#"{"sessionToken":"REDACTED","auth_token": "REDACTED"}"#),
        // Path parameters.
        ("/app;jsessionid=ABCDEF0123?x=1", "/app;jsessionid=REDACTED?x=1"),
    ];
    for (input, want) in rows {
        assert_eq!(scrub_str(input), *want, "{input}");
    }
}

#[test]
fn identities_are_pseudonymized_consistently() {
    let jane = tok(Namespace::Name, "Max Mustermann");
    let u58 = tok(Namespace::UserId, "58");
    let mail = tok(Namespace::Email, "jane@example.org");
    #[rustfmt::skip]
    let rows: Vec<(&str, String)> = vec![
        ("/api/join?fullName=Max+Mustermann&userID=58", format!("/api/join?fullName={jane}&userID={u58}")),
        ("/api/join?fullName=Max%20Mustermann", format!("/api/join?fullName={jane}")),
        ("/user/profile.php?id=58", format!("/user/profile.php?id={u58}")),
        ("/user/view.php?id=58&course=3", format!("/user/view.php?id={u58}&course=3")),
        ("/message/index.php?id=58", format!("/message/index.php?id={u58}")),
        // `id` elsewhere is a course or module id and stays.
        ("/course/view.php?id=58", "/course/view.php?id=58".to_string()),
        // Nested user URL in an encoded return URL.
        ("/login/index.php?wantsurl=%2Fuser%2Fprofile.php%3Fid%3D58", format!("/login/index.php?wantsurl=%2Fuser%2Fprofile.php%3Fid%3D{u58}")),
        // 0 (not logged in) and 1 (guest) are kept.
        ("?userid=0&relateduserid=1", "?userid=0&relateduserid=1".to_string()),
        ("?email=Jane%40Example.org", format!("?email={mail}")),
        ("/api/join?userdata-bbb_custom=x1&userdata-=y", format!("/api/join?userdata-bbb_custom={}&userdata-=y", tok(Namespace::Name, "x1"))),
        ("?username=jane@example.org", format!("?username={mail}")),
    ];
    for (input, want) in rows {
        assert_eq!(scrub_str(input), want, "{input}");
    }
}

#[test]
fn bigbluebutton_structures() {
    let jibon = tok(Namespace::Name, "Jibon");
    let red = tok(Namespace::Name, "RED");
    let meeting = tok(Namespace::Name, "MEETINGNAME");
    let w = tok(Namespace::BbbUser, "w_tpmaedg8qly7");
    #[rustfmt::skip]
    let rows: Vec<(&str, String)> = vec![
        (r#"--analytics-- data={"extMeetingid":"demoapp_1000","name":"Jibon","sessionToken":"ubabe0my","userid":"w_tpmaedg8qly7"}"#,
         format!(r#"--analytics-- data={{"extMeetingid":"demoapp_1000","name":"{jibon}","sessionToken":"REDACTED","userid":"{w}"}}"#)),
        (r#"{"payload":{"name":"RED","userid":"98","role":"MODERATOR","auth_token":"e6sp"}}"#,
         format!(r#"{{"payload":{{"name":"{red}","userid":"{}","role":"MODERATOR","auth_token":"REDACTED"}}}}"#, tok(Namespace::UserId, "98"))),
        ("[name:[MEETINGNAME], meetingID:[zbz], attendeePW:[jb4X], moderatorPW:[SwaC], checksum:[cd39]]",
         format!("[name:[{meeting}], meetingID:[zbz], attendeePW:[REDACTED], moderatorPW:[REDACTED], checksum:[REDACTED]]")),
        // JSON arrays, and JSON written into an nginx log with `\x22` quotes.
        (r#"{"sessionToken":["luu9hawec7fr6ict"],"name":"RED"}"#,
         format!(r#"{{"sessionToken":["REDACTED"],"name":"{red}"}}"#)),
        (r#"1.2.3.4 [2019-01-01T10:00:00+03:00] {\x22userId\x22:\x22w_tpmaedg8qly7\x22,\x22fullname\x22:\x22RED\x22}"#,
         format!(r#"1.2.3.0 [2019-01-01T10:00:00+03:00] {{\x22userId\x22:\x22{w}\x22,\x22fullname\x22:\x22{red}\x22}}"#)),
        // `name` as a URL parameter is not a person.
        ("GET /pluginfile.php?name=brief.pdf", "GET /pluginfile.php?name=brief.pdf".to_string()),
    ];
    for (input, want) in rows {
        assert_eq!(scrub_str(input), want, "{input}");
    }
}

#[test]
fn emails_anywhere() {
    let mail = tok(Namespace::Email, "jane.doe@uni-x.de");
    assert_eq!(
        scrub_str("mailto:Jane.Doe@Uni-X.de, see jane.doe%40uni-x.de."),
        format!("mailto:{mail}, see {mail}.")
    );
    // Not addresses.
    for s in ["@handle", "a@b", "user@localhost", "x@y.1"] {
        assert_eq!(scrub_str(s), s);
    }
}

#[test]
fn addresses_anywhere() {
    assert_eq!(
        scrub_str("[Thu Oct 13 12:24:49.880562 2022] [auth_basic:error] [client 31.33.58.75:50229] AH01618"),
        "[Thu Oct 13 12:24:49.880562 2022] [auth_basic:error] [client 31.33.58.0:50229] AH01618"
    );
    assert_eq!(
        scrub_str("client: 1.2.3.4, server: localhost, upstream: \"http://[2001:db8:1:2::7]:80/\""),
        "client: 1.2.3.0, server: localhost, upstream: \"http://[2001:db8:1::]:80/\""
    );
}

#[test]
fn error_log_user_names() {
    let xyz = tok(Namespace::Name, "xyz");
    let sp = tok(Namespace::Name, "scriben dio");
    let sss = tok(Namespace::Name, "sss");
    #[rustfmt::skip]
    let rows: Vec<(&str, String)> = vec![
        (r#"*66647 user "xyz" was not found in "/var/www/.htpasswd", client: 192.0.43.10"#,
         format!(r#"*66647 user "{xyz}" was not found in "/var/www/.htpasswd", client: 192.0.43.0"#)),
        (r#"*3 user "scriben dio": password mismatch"#, format!(r#"*3 user "{sp}": password mismatch"#)),
        ("AH01618: user sss not found: /", format!("AH01618: user {sss} not found: /")),
        ("AH01617: user sss: authentication failure", format!("AH01617: user {sss}: authentication failure")),
        ("the user agent", "the user agent".to_string()),
    ];
    for (input, want) in rows {
        assert_eq!(scrub_str(input), want, "{input}");
    }
}

#[test]
fn fallback_keeps_the_access_head_roles() {
    // An access line whose user agent was cut off: the line is not understood,
    // but its head is still rewritten by role.
    let line = r#"192.0.2.7 - jdoe [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0 (cut"#;
    let want = format!(
        r#"192.0.2.0 - {} [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0 (cut"#,
        tok(Namespace::Name, "jdoe")
    );
    assert_eq!(scrub_str(line), want);
}

#[test]
fn rules_are_extensible_and_case_insensitive() {
    let r = ParamRules::new(&["MyToken".to_string()], &["Matrikel".to_string()]);
    assert_eq!(r.classify(b"mytoken"), Some(ParamKind::Secret));
    assert_eq!(r.classify(b"MATRIKEL"), Some(ParamKind::Identity));
    assert_eq!(r.classify(b"SessKey"), Some(ParamKind::Secret));
    assert_eq!(r.classify(b"course"), None);
    // A name on both lists is a secret.
    let r = ParamRules::new(&["user".to_string()], &[]);
    assert_eq!(r.classify(b"user"), Some(ParamKind::Secret));
}

#[test]
fn bracketed_values_keys_after_brackets_and_parenthesised_values() {
    let n = |v: &str| tok(Namespace::Name, v);
    // akka: `uid=[...]` keeps its brackets, also right after `mid=[...]`.
    assert_eq!(
        scrub_str("Ejecting user from meeting:  mid=[m-1]uid=[98an1y6oh6um_2]"),
        format!(
            "Ejecting user from meeting:  mid=[m-1]uid=[{}]",
            n("98an1y6oh6um_2")
        )
    );
    assert_eq!(
        scrub_str("User joined meeting:  mid=[m-1] uid=[98an1y6oh6um_2] role=[MODERATOR]"),
        format!(
            "User joined meeting:  mid=[m-1] uid=[{}] role=[MODERATOR]",
            n("98an1y6oh6um_2")
        )
    );
    // A value with parentheses is one value, spaces and all.
    assert_eq!(
        scrub_str("Registering user=UserVO(w_abc123,ext,Max Mustermann) done"),
        format!(
            "Registering user={} done",
            n("UserVO(w_abc123,ext,Max Mustermann)")
        )
    );
}

#[test]
fn bbb_message_types_and_meeting_ids_are_no_ones_names() {
    let mid = "183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1433784803813";
    let line = format!(
        r#"x {{"envelope":{{"name":"UserJoinedMeetingEvtMsg"}},"core":{{"header":{{"name":"UserJoinedMeetingEvtMsg"}},"body":{{"name":"Jane Doe","meetingProp":{{"intId":"{mid}"}}}}}}}}"#
    );
    let out = scrub_str(&line);
    assert_eq!(
        out.matches("\"UserJoinedMeetingEvtMsg\"").count(),
        2,
        "{out}"
    );
    assert!(out.contains(mid), "{out}");
    assert!(!out.contains("Jane Doe"), "{out}");
    assert!(out.contains(&tok(Namespace::Name, "Jane Doe")), "{out}");
}
