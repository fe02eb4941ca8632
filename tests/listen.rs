//! Syslog relay headers and the listener (`anonymize --listen`): the header
//! a sender or relay puts in front of an access line is kept as the line's
//! header part, and messages received on a socket come out as lines.

use crate::util::Work;

/// The access line behind every header below.
const ACCESS: &str = r#"127.0.0.1 - jdoe [02/Dec/2026:05:03:46 +0000] "GET /course/view.php?id=5 HTTP/1.1" 200 512 "-" "Mozilla/5.0""#;
/// What it is rewritten into.
const ACCESS_OUT: &str = r#"127.0.0.0 - n_sfmbrenpkf6b [02/Dec/2026:05:03:46 +0000] "GET /course/view.php?id=5 HTTP/1.1" 200 512 "-" "Mozilla/5.0""#;

/// Each header kind, as real senders and relays write it, with what it
/// becomes.
///
/// - nginx's `syslog:` target, with and without `nohostname`: the format is
///   `"<%ui>%V %V %V: "` in nginx's src/core/ngx_syslog.c; an access line
///   behind it in NethServer/nethsecurity#897.
/// - rsyslog's RSYSLOG_TraditionalFileFormat storing what nginx sent with its
///   host name: the relay's host in front of nginx's own
///   (NethServer/nethsecurity#897: `Nov 11 14:07:18 NSec8-VM-davidem
///   nsec8-vm-davidem nginx: 192.168.56.1 - - [...`).
/// - rsyslog's RSYSLOG_FileFormat (h2o/h2o#1124:
///   `2016-11-21T09:28:27.943396+00:00 localhost h2o: 127.0.0.1 - - [...`).
/// - RFC 5424 as nginx's `rfc=rfc5424` writes it (nginx/nginx#1287:
///   `<190>1 2003-10-11T22:14:15.003+05:30 myhost nginx 1234 ACCESS - message`),
///   and with structured data holding an escaped `\]` (RFC 5424 §6.3.3).
const HEADERS: &[(&str, &str, &str)] = &[
    (
        "nginx nohostname",
        "<190>Dec  2 05:03:46 nginx_access: ",
        "<190>Dec  2 05:03:46 nginx_access: ",
    ),
    (
        "nginx with host",
        "<190>Dec  2 05:03:46 web1 nginx_access: ",
        "<190>Dec  2 05:03:46 web1 nginx_access: ",
    ),
    (
        "traditional, tag with pid",
        "Dec  2 05:03:46 web1 nginx[812]: ",
        "Dec  2 05:03:46 web1 nginx[812]: ",
    ),
    (
        "traditional, relay and sender host",
        "Dec  2 05:03:46 relay1 web1 nginx: ",
        "Dec  2 05:03:46 relay1 web1 nginx: ",
    ),
    (
        "rsyslog file format",
        "2026-12-02T05:03:46.123456+01:00 web1 nginx: ",
        "2026-12-02T05:03:46.123456+01:00 web1 nginx: ",
    ),
    (
        "rfc 5424, nil structured data",
        "<190>1 2026-12-02T05:03:46.123Z web1 nginx 1234 ACCESS - ",
        "<190>1 2026-12-02T05:03:46.123Z web1 nginx 1234 ACCESS - ",
    ),
    (
        "rfc 5424, structured data",
        r#"<165>1 2026-12-02T05:03:46.123Z web1 nginx - - [meta k="a\]b"] "#,
        r#"<165>1 2026-12-02T05:03:46.123Z web1 nginx - - [meta k="a\]b"] "#,
    ),
    (
        "address as host",
        "<190>Dec  2 05:03:46 192.168.7.42 nginx: ",
        "<190>Dec  2 05:03:46 192.168.7.0 nginx: ",
    ),
];

#[test]
fn syslog_headers_are_kept_in_front_of_an_access_line() {
    let w = Work::new();
    for (name, header, expected) in HEADERS {
        let input = format!("{header}{ACCESS}\n");
        let out = w.anonymize().write_stdin(input).output().unwrap();
        assert!(out.status.success(), "{name}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("{expected}{ACCESS_OUT}\n"),
            "{name}"
        );
    }
}

/// The regression of issue 16: behind nginx's `nohostname` header the PRI
/// became a host pseudonym and the date a user pseudonym.
#[test]
fn issue_16_pri_and_date_are_not_pseudonymized() {
    let w = Work::new();
    w.anonymize()
        .write_stdin(
            "<190>Dec  2 05:03:46 nginx_access: 127.0.0.1 - - [02/Dec/2026:05:03:46 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\"\n",
        )
        .assert()
        .success()
        .stdout("<190>Dec  2 05:03:46 nginx_access: 127.0.0.0 - - [02/Dec/2026:05:03:46 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\"\n");
}
