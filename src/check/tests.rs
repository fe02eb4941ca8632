//! Tests of the leak checkers: what each finds, and what it leaves alone.

use super::*;

fn check(line: &str) -> Vec<(&'static str, String)> {
    Checker::default()
        .check_line(line.as_bytes())
        .into_iter()
        .map(|f| (f.what, f.text))
        .collect()
}

#[test]
fn clean_output_has_no_findings() {
    for line in [
        r#"192.0.2.0 - 9879774820391883 [24/Nov/2026:08:01:12 +0100] "GET /my/?sesskey=REDACTED HTTP/1.1" 200 5 "-" "UA""#,
        r#"198.51.100.0 - n_thk2oolip6yk as n_yftcsv6vgzyf [24/Nov/2026:08:05:09 +0100] "GET /user/profile.php?id=9914842323751274 HTTP/1.1" 200 5"#,
        r#"x data={"name":"n_qrq5v6sftav4","userId":"b_n66eigppmmsq","sessionToken":["REDACTED"]}"#,
        "[fullName:[n_spnmvwtx7npp], password:[REDACTED], userID:[9786073992491707]]",
        "2001:db8:4711:: - - [24/Nov/2026:08:02:40 +0100] \"GET / HTTP/1.1\" 200 5",
    ] {
        assert_eq!(check(line), vec![], "{line}");
    }
}

#[test]
fn leaks_are_found() {
    assert_eq!(
        check(
            r#"192.0.2.17 - jdoe [24/Nov/2026:08:01:12 +0100] "GET /?sesskey=abc&userid=58 HTTP/1.1" 200 5 "mailto:jane@example.org" "UA""#
        ),
        vec![
            ("address not truncated", "192.0.2.17".to_string()),
            ("user field not pseudonymized", "jdoe".to_string()),
            ("secret not redacted", "abc".to_string()),
            ("identity not pseudonymized", "58".to_string()),
            ("e-mail address", "jane@example.org".to_string()),
        ]
    );
    assert_eq!(
        check(r#"{"sessionToken":["luu9"],"name":"Jane"}"#),
        vec![
            ("secret not redacted", "luu9".to_string()),
            ("identity not pseudonymized", "Jane".to_string()),
        ]
    );
    assert_eq!(
        check("1.2.3.0 - Jane Doe as n_yftcsv6vgzyf [24/Nov/2026:08:01:12 +0100] \"GET /\" 200 5"),
        vec![("user field not pseudonymized", "Jane Doe".to_string())]
    );
}

#[test]
fn allow_list_silences_findings() {
    let c = Checker {
        allow: vec![b"noreply@example.org".to_vec()],
        ..Checker::default()
    };
    assert!(c.check_line(b"from noreply@example.org").is_empty());
    assert_eq!(c.check_line(b"from jane@example.org").len(), 1);
}

#[test]
fn moodle_columns_are_checked() {
    let schema = Schema::from_sample(
        b"Time,User full name,Affected user,Event context,Component,Event name,Description,Origin,IP address\n",
        None,
    )
    .unwrap();
    let c = Checker::default();
    let clean = br#""7/09/26, 21:39:12","n_thk2oolip6yk as n_yftcsv6vgzyf",-,System,System,Viewed,"The user with id '9744513280208573' viewed the user with id '0'.",web,192.0.2.0"#;
    assert!(c.check_record(&schema, clean).is_empty());
    let leak = br#""7/09/26, 21:39:12","n_thk2oolip6yk as Jane Doe",Max,System,System,Viewed,"The user with id '58' viewed.",web,192.0.2.0"#;
    let found: Vec<_> = c
        .check_record(&schema, leak)
        .into_iter()
        .map(|f| (f.what, f.text))
        .collect();
    assert_eq!(
        found,
        vec![
            ("user name not pseudonymized", "Jane Doe".to_string()),
            ("user name not pseudonymized", "Max".to_string()),
            ("user id not pseudonymized", "58".to_string()),
        ]
    );
    let logstore = Schema::from_sample(b"id,userid,relateduserid\n", None).unwrap();
    assert!(c
        .check_record(&logstore, b"1,9744513280208573,\\N")
        .is_empty());
    assert_eq!(c.check_record(&logstore, b"1,58,").len(), 1);
}

#[test]
fn the_raw_checker_finds_what_survived_anywhere() {
    let raw = b"192.0.2.7 - 4711 [24/Nov/2026:08:01:12 +0100] \"GET /user/profile.php?id=4711 HTTP/1.1\" 200 5 \"https://m.example.edu/user/edit.php?id=4711\" \"UA\"\n\
                192.0.2.8 - Annegret Wuestenhagen [24/Nov/2026:08:01:13 +0100] \"GET /login/index.php?password=hunter22 HTTP/1.1\" 200 5 \"-\" \"UA\"\n";
    let c = RawChecker::collect(raw, None, &Options::default());
    assert!(c.len() >= 3, "{c:?}");
    // An output that kept the referer's id and the password raw.
    let out = b"192.0.2.0 - 9123456789012345 [24/Nov/2026:08:01:12 +0100] \"GET /user/profile.php?id=9123456789012345 HTTP/1.1\" 200 5 \"https://m.example.edu/user/edit.php?id=4711\" \"UA\"\n\
                192.0.2.0 - n_aaaaaaaaaaaa [24/Nov/2026:08:01:13 +0100] \"GET /login/index.php?password=hunter22 HTTP/1.1\" 200 5 \"-\" \"Annegret+Wuestenhagen\"\n";
    let found: Vec<(u64, String)> = c
        .check(out, Framing::Lines)
        .into_iter()
        .map(|(n, f)| (n, f.text))
        .collect();
    assert_eq!(
        found,
        vec![
            (1, "4711".to_string()),
            (2, "hunter22".to_string()),
            (2, "Annegret+Wuestenhagen".to_string())
        ]
    );
    // The real anonymized output has none of them.
    let rw = Rewriter::new(
        Options::default(),
        Pseudonymizer::new(&Key::from_bytes([3; 32])),
    );
    let mut w = Worker::default();
    let mut anon = Vec::new();
    for line in raw.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        rw.rewrite_line(&mut w, Format::Access, line, &mut None, &mut anon);
        anon.push(b'\n');
    }
    assert_eq!(
        c.check(&anon, Framing::Lines),
        vec![],
        "{}",
        String::from_utf8_lossy(&anon)
    );
}

#[test]
fn masking() {
    assert_eq!(mask("jdoe58"), "j****8");
    assert_eq!(mask("58"), "**");
    assert_eq!(mask("Jürgen"), "J****n");
}
