//! Table-driven tests of the access-log grammar, on the real lines quoted in
//! docs/formats.md §1 and the corpus.

use super::*;

/// The head roles of `line` as (role, text) pairs.
fn roles(line: &str) -> Vec<(Role, String)> {
    let b = line.as_bytes();
    let rec = parse(b).unwrap_or_else(|e| panic!("{line}: {e:?}"));
    let mut toks = Vec::new();
    let mut parts = Vec::new();
    parse_head(b, rec.head, &mut toks, &mut parts);
    parts
        .into_iter()
        .map(|(r, span)| (r, line[span].to_string()))
        .collect()
}

use Role::*;

fn r(v: &[(Role, &str)]) -> Vec<(Role, String)> {
    v.iter().map(|(r, s)| (*r, s.to_string())).collect()
}

#[test]
fn head_roles_of_real_lines() {
    #[rustfmt::skip]
    let rows: &[(&str, &[(Role, &str)])] = &[
        // Apache common, the canonical example.
        (r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#,
         &[(Client, "127.0.0.1"), (Ident, "-"), (User, "frank")]),
        // Moodle user field with spaces and "X as Y".
        (r#"10.1.2.3 - Jane Doe as John Roe [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#,
         &[(Client, "10.1.2.3"), (Ident, "-"), (User, "Jane Doe as John Roe")]),
        (r#"10.1.2.3 - 2 as 57 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5"#,
         &[(Client, "10.1.2.3"), (Ident, "-"), (User, "2 as 57")]),
        // vhost_combined with and without port.
        (r#"www.crowdsec11.net:80 192.168.1.1 - - [08/Jun/2020:08:04:43 +0000] "GET / HTTP/1.1" 500 803 "-" "-""#,
         &[(Vhost, "www.crowdsec11.net:80"), (Client, "192.168.1.1"), (Ident, "-"), (User, "-")]),
        (r#"vhost1.domaine.fr 123.123.123.123 - - [04/Jul/2019:09:20:46 +0200] "GET / HTTP/1.1" 200 32953 "-" "x""#,
         &[(Vhost, "vhost1.domaine.fr"), (Client, "123.123.123.123"), (Ident, "-"), (User, "-")]),
        // vhost:port with an ident and a user (lnav, Jira).
        (r#"localhost:443 178.20.184.42 1j0vhgd jsmith [26/Jul/2023:00:01:26 -0700] "GET / HTTP/2.0" 200 17163 "-" "Mozilla/5.0" 116075"#,
         &[(Vhost, "localhost:443"), (Client, "178.20.184.42"), (Ident, "1j0vhgd"), (User, "jsmith")]),
        // X-Forwarded-For lists, unquoted and quoted, with the peer after.
        (r#"10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 "-" "x""#,
         &[(Client, "10.0.0.2, 10.0.0.1, 127.0.0.1"), (Ident, "-"), (User, "-")]),
        (r#""10.5.102.222, 199.96.1.1, 204.246.1.1" 10.2.1.185 - - [22/Jan/2016:13:18:29 +0000] "GET /a HTTP/1.1" 200 25507 "-" "Amazon CloudFront""#,
         &[(Client, r#""10.5.102.222, 199.96.1.1, 204.246.1.1""#), (Client, "10.2.1.185"), (Ident, "-"), (User, "-")]),
        (r#"2a03:0000:10ff:f00f:0000:0000:0:8000, 10.225.192.17 10.2.2.121 - - [30/Dec/2016:06:47:09 +0000] "GET /test.html HTTP/1.1" 404 8571 "-" "x""#,
         &[(Client, "2a03:0000:10ff:f00f:0000:0000:0:8000, 10.225.192.17"), (Client, "10.2.2.121"), (Ident, "-"), (User, "-")]),
        // A server address as $host, then a list and the peer.
        (r#"1.128.3.4 2a02:cf40:10ff:f00f:0000:0000:0:8000, 10.225.192.17 10.2.2.121 - - [30/Dec/2016:06:47:09 +0000] "GET / HTTP/1.1" 404 8571 "-" "x""#,
         &[(Client, "1.128.3.4"), (Client, "2a02:cf40:10ff:f00f:0000:0000:0:8000, 10.225.192.17"), (Client, "10.2.2.121"), (Ident, "-"), (User, "-")]),
        (r#"example.com localhost, localhost - - [29/May/2017:19:02:48 +0000] "GET /test2 HTTP/1.1" 200 612 "-" "x" "-""#,
         &[(Vhost, "example.com"), (Client, "localhost, localhost"), (Ident, "-"), (User, "-")]),
        (r#"example.com:80 unix: - - [26/Feb/2019:15:39:42 +0100] "hello" 400 173 "-" "-""#,
         &[(Vhost, "example.com:80"), (Client, "unix:"), (Ident, "-"), (User, "-")]),
        // Client and vhost swapped.
        (r#"192.168.33.2:11111 vhost1.domaine.fr:22222 - - [26/Dec/2016:16:22:13 +0000] "GET /hello HTTP/1.1" 404 499 "-" "x""#,
         &[(Client, "192.168.33.2:11111"), (Vhost, "vhost1.domaine.fr:22222"), (Ident, "-"), (User, "-")]),
        // IPv6 and host-name clients.
        (r#"::1 - - [26/Dec/2016:16:16:48 +0200] "-" 408 -"#,
         &[(Client, "::1"), (Ident, "-"), (User, "-")]),
        (r#"monitoring-server - - [29/May/2017:19:02:48 +0000] "GET /status HTTP/1.1" 200 612 "-" "x" "-""#,
         &[(Client, "monitoring-server"), (Ident, "-"), (User, "-")]),
        // ovh: vhost in the %l position.
        (r#"1.2.3.4 www.example.com theuser [10/Feb/2012:16:42:07 -0500] "GET / HTTP/1.1" 301 368 "-" "x""#,
         &[(Client, "1.2.3.4"), (Ident, "www.example.com"), (User, "theuser")]),
        // Missing %l %u (lnav bad_access_log, crowdsec).
        (r#"192.168.202.254 [20/Jul/2009:22:59:29 +0000] "GET /vmkboot.gz HTTP/1.0" 404 46210 "-" "gPXE/0.9.7""#,
         &[(Client, "192.168.202.254")]),
        (r#"192.168.1.1 - [08/Jun/2020:08:04:43 +0000] "GET /api/test HTTP/1.1" 200 100 "-" "curl/7.68.0""#,
         &[(Client, "192.168.1.1"), (User, "-")]),
        // Four leading fields (fail2ban apache-fakegooglebot).
        (r#"66.249.66.1 - - - [31/Jan/2015:14:29:44 ] fail2ban.org "GET / HTTP/1.1" 200 814 "-" "x" + 293 1149 546"#,
         &[(Client, "66.249.66.1"), (Ident, "-"), (User, "- -")]),
        // Double spaces (openhab / Jetty).
        (r#"175.18.15.10 -  -  [02/sept./2015:00:11:31 +0200] "GET /openhab.app HTTP/1.1" 401 1382 "#,
         &[(Client, "175.18.15.10"), (Ident, "-"), (User, "-")]),
        // moosh's extended Moodle format.
        (r#"H: www,example.com U: 10164391 T: 0s / 20500µs | 192.198.151.44 - - [22/Dec/2013:08:20:35 +0000] "GET /login/index.php?testsession=1164 HTTP/1.1" 303 904 "-" "x""#,
         &[(Vhost, "www,example.com"), (User, "10164391"), (Other, "0s / 20500µs"), (Client, "192.198.151.44"), (Ident, "-"), (User, "-")]),
        // Through syslog.
        (r#"Mar 24 14:02:50 web1 nginx: 10.1.2.3 - jdoe [24/Mar/2024:14:02:50 +0000] "GET / HTTP/1.1" 200 5"#,
         &[(Other, "Mar 24 14:02:50 web1 nginx: "), (Client, "10.1.2.3"), (Ident, "-"), (User, "jdoe")]),
        // mod_ssl ssl_request_log: no head at all.
        (r#"[10/Aug/2018:09:45:56 +0200] 172.30.0.119 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 "GET / HTTP/1.1" -"#,
         &[]),
    ];
    for (line, want) in rows {
        assert_eq!(roles(line), r(want), "{line}");
    }
}

#[test]
fn tail_fields() {
    let line = br#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.1" 404 7 "http://r/" "UA \"x\"" 12 [up] "t""#;
    let rec = parse(line).unwrap();
    let s = |r: Range<usize>| String::from_utf8_lossy(&line[r]).into_owned();
    assert_eq!(s(rec.request.clone()), "GET /a?b=1 HTTP/1.1");
    assert_eq!(rec.status, Some(404));
    assert_eq!(rec.timestamp, Some(971211336));
    assert_eq!(s(rec.quoted_after[0].clone().unwrap()), "http://r/");
    assert_eq!(s(rec.quoted_after[1].clone().unwrap()), r#"UA \"x\""#);
    assert_eq!(s(rec.extra..line.len()), r#" 12 [up] "t""#);

    let common = br#"::1 - - [26/Dec/2016:16:16:48 +0200] "-" 408 -"#;
    let rec = parse(common).unwrap();
    assert_eq!(rec.status, Some(408));
    assert_eq!(rec.extra, common.len());
    assert_eq!(rec.quoted_after, [None, None]);
}

#[test]
fn rejects_with_the_failing_field() {
    #[rustfmt::skip]
    let rows: &[(&[u8], &str)] = &[
        (b"not a log line", "time"),
        (b"2012/04/09 11:53:29 [error] 2865#0: *1 user \"x\" was not found", "time"),
        (br#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700]"#, "separator after time"),
        (br#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] no quoted request at all here"#, "request"),
        (br#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0 (cut"#, "quoted field"),
        (br#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /unterminated"#, "request"),
        (br#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /" 2000 5"#, "status"),
        (br#"1.2.3.4 - - [February - 10, 2012:16:42:07] "GET / HTTP/1.0" 301 368"#, "time"),
    ];
    for (line, field) in rows {
        let e = parse(line).expect_err(&String::from_utf8_lossy(line));
        assert_eq!(e.field, *field, "{}", String::from_utf8_lossy(line));
        assert!(e.offset <= line.len());
    }
}

#[test]
fn apache_and_nginx_escapes_in_the_request() {
    // crowdsec apache-http-probing line 45: `\\\"` inside the request.
    let apache = br#"172.17.0.1 - - [29/Sep/2021:12:37:05 +0000] "GET /sys/code/box.inc.php?config[\\\"sipssys\\\"]=http://cirt.net/rfiinc.txt? HTTP/1.1" 404 196"#;
    let rec = parse(apache).unwrap();
    assert!(line_ends_request(apache, &rec, br#"rfiinc.txt? HTTP/1.1"#));
    assert_eq!(rec.status, Some(404));
    // nginx writes quotes as \x22 and raw bytes as uppercase \xHH.
    let nginx = br#"1.2.3.4 - - [29/Jul/2023:10:26:06 -0700] "Gh0st\xAD\x00\x22x" 400 157 "-" "-""#;
    let rec = parse(nginx).unwrap();
    assert!(line_ends_request(nginx, &rec, br#"\x22x"#));
}

fn line_ends_request(line: &[u8], rec: &AccessLine, suffix: &[u8]) -> bool {
    line[rec.request.clone()].ends_with(suffix)
}
