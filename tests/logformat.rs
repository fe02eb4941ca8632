//! `--log-format` and `--nginx-format`: access logs split by the servers'
//! own format strings, each field rewritten by its directive, unknown
//! directives as opaque tokens, and lines off the layout to the fallback.

use crate::util::Work;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `anonymize` with `args` on `input`; returns stdout (status 0).
fn run(w: &Work, args: &[&str], input: &str) -> String {
    let f = w.write("in.log", input.as_bytes());
    let r = w.anonymize().args(args).arg(&f).output().unwrap();
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    text(&r.stdout)
}

const COMBINED: &str = r#"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\""#;

#[test]
fn apache_combined() {
    let w = Work::new();
    let out = run(
        &w,
        &["--log-format", COMBINED],
        "192.0.2.10 - jdoe [10/Oct/2026:13:55:36 -0700] \"GET /user/profile.php?id=58 HTTP/1.1\" 200 2326 \"https://moodle.example.org/my/\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n",
    );
    assert_eq!(out, "192.0.2.0 - n_sfmbrenpkf6b [10/Oct/2026:13:55:36 -0700] \"GET /user/profile.php?id=9879774820391883 HTTP/1.1\" 200 2326 \"https://moodle.example.org/my/\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n");
}

#[test]
fn apache_with_duration_and_moodle_header() {
    let w = Work::new();
    let fmt = r#"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D "%{X-MOODLEUSER}o""#;
    let out = run(
        &w,
        &["--log-format", fmt],
        "192.0.2.10 - - [10/Oct/2026:13:55:36 +0000] \"GET /my/ HTTP/1.1\" 200 512 \"-\" \"curl/8.0\" 15234 \"Jane Doe\"\n\
         192.0.2.11 - - [10/Oct/2026:13:55:37 +0000] \"GET /my/ HTTP/1.1\" 200 512 \"-\" \"curl/8.0\" 834 \"Jane Doe\"\n",
    );
    assert_eq!(out, "192.0.2.0 - - [10/Oct/2026:13:55:36 +0000] \"GET /my/ HTTP/1.1\" 200 512 \"-\" \"curl/8.0\" 15234 \"n_yftcsv6vgzyf\"\n\
         192.0.2.0 - - [10/Oct/2026:13:55:37 +0000] \"GET /my/ HTTP/1.1\" 200 512 \"-\" \"curl/8.0\" 834 \"n_yftcsv6vgzyf\"\n");
}

/// contrib/nginx-anonlog.conf's `log_format moodle`, as written there.
const NGINX_MOODLE: &str = r#"log_format moodle '$remote_addr - $remote_user [$time_local] "$request" '
                  '$status $body_bytes_sent "$http_referer" "$http_user_agent" '
                  '"$sent_http_x_moodleuser"';"#;

#[test]
fn nginx_moodle_format() {
    let w = Work::new();
    let out = run(
        &w,
        &["--nginx-format", NGINX_MOODLE],
        "198.51.100.7 - - [10/Oct/2026:13:55:36 +0000] \"GET /course/view.php?id=4 HTTP/1.1\" 200 5120 \"-\" \"Mozilla/5.0\" \"58\"\n\
         198.51.100.7 - - [10/Oct/2026:13:55:36 +0000] \"GET /course/view.php?id=4 HTTP/1.1\" 200 5120 \"-\" \"Mozilla/5.0\" \"Jane Doe\"\n",
    );
    assert_eq!(out, "198.51.100.0 - - [10/Oct/2026:13:55:36 +0000] \"GET /course/view.php?id=4 HTTP/1.1\" 200 5120 \"-\" \"Mozilla/5.0\" \"9879774820391883\"\n\
         198.51.100.0 - - [10/Oct/2026:13:55:36 +0000] \"GET /course/view.php?id=4 HTTP/1.1\" 200 5120 \"-\" \"Mozilla/5.0\" \"n_yftcsv6vgzyf\"\n");
}

/// `$request_time` before the user: the user gets one pseudonym on every
/// request, the time is kept (issue 16: `--trailing-user` swallowed the time
/// into the user).
#[test]
fn nginx_request_time_before_user() {
    let w = Work::new();
    let fmt = r#"'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $sent_http_x_moodleuser'"#;
    let out = run(
        &w,
        &["--nginx-format", fmt],
        "198.51.100.7 - - [10/Oct/2026:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8.0\" 0.004 Jane Doe\n\
         198.51.100.7 - - [10/Oct/2026:13:55:37 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8.0\" 1.250 Jane Doe\n",
    );
    let users: Vec<&str> = out.lines().map(|l| l.rsplit(' ').next().unwrap()).collect();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0], users[1], "{out}");
    assert!(users[0].starts_with("n_"), "{out}");
    assert!(out.contains(" 0.004 ") && out.contains(" 1.250 "), "{out}");
    assert!(!out.contains("Jane") && !out.contains("Doe"), "{out}");
}

/// A custom field (`$cookie_MoodleSession`) becomes a token, never raw.
#[test]
fn nginx_custom_field_is_a_token() {
    let w = Work::new();
    let fmt = r#"$remote_addr [$time_local] "$request" $status "$cookie_MoodleSession""#;
    let out = run(
        &w,
        &["--nginx-format", fmt],
        "198.51.100.7 [10/Oct/2026:13:55:36 +0000] \"GET / HTTP/1.1\" 200 \"k3j4h5g6f7d8s9a0\"\n\
         198.51.100.7 [10/Oct/2026:13:55:36 +0000] \"GET / HTTP/1.1\" 200 \"-\"\n",
    );
    assert_eq!(
        out,
        "198.51.100.0 [10/Oct/2026:13:55:36 +0000] \"GET / HTTP/1.1\" 200 \"t_set2s45teelw\"\n\
         198.51.100.0 [10/Oct/2026:13:55:36 +0000] \"GET / HTTP/1.1\" 200 \"-\"\n"
    );
}

/// The host a client names (nginx `$host`, Apache `%V`) is its own words:
/// a token. The server's configured name (`$server_name`) is kept.
#[test]
fn a_client_supplied_host_is_a_token() {
    let w = Work::new();
    let fmt = r#"$remote_addr $server_name $host [$time_local] "$request" $status"#;
    let out = run(
        &w,
        &["--nginx-format", fmt],
        "198.51.100.7 moodle.example.org jane-doe.example [10/Oct/2026:13:55:36 +0000] \"GET / HTTP/1.1\" 200\n",
    );
    assert_eq!(
        out,
        "198.51.100.0 moodle.example.org t_lwl7yznxikdi [10/Oct/2026:13:55:36 +0000] \"GET / HTTP/1.1\" 200\n"
    );
}

/// A line that does not match the layout goes to the fallback and is
/// counted.
#[test]
fn line_off_the_layout_is_scrubbed_and_counted() {
    let w = Work::new();
    let f = w.write(
        "in.log",
        b"198.51.100.7 - jdoe [10/Oct/2026:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5\n",
    );
    let r = crate::util::anonlog()
        .args(["anonymize", "-k"])
        .arg(w.key())
        .args(["--nginx-format", NGINX_MOODLE])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let err = text(&r.stderr);
    assert!(err.contains("in.log:1: not understood"), "{err}");
    assert!(err.contains("0 rewritten, 1 scrubbed"), "{err}");
    let out = text(&r.stdout);
    assert!(
        !out.contains("jdoe") && !out.contains("198.51.100.7"),
        "{out}"
    );
}

/// An invalid format string is a usage error naming the directive and its
/// position.
#[test]
fn unknown_directive_is_a_usage_error() {
    let w = Work::new();
    let f = w.write("in.log", b"x\n");
    let r = w
        .anonymize()
        .args(["--log-format", "%h %l %Z"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r.stderr).contains("--log-format: unknown directive `%Z` at byte 6"),
        "{}",
        text(&r.stderr)
    );
}

/// `stats` takes the user from the layout's user field, or from the last
/// field with `--trailing-user`: an nginx log whose user comes after the
/// user agent counts its distinct users (issue 16: it counted none).
#[test]
fn stats_counts_users_of_a_trailing_user_log() {
    let w = Work::new();
    let mut log = String::new();
    for (k, u) in ["58", "Jane Doe", "61", "58"].iter().enumerate() {
        log += &format!(
            "198.51.100.{k} - - [02/Nov/2026:10:00:00 +0000] \"GET /course/view.php?id=3 HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0\" \"{u}\"\n"
        );
    }
    let f = w.write("access.log", log.as_bytes());
    let total = |args: &[&str]| {
        let out = w.path(&format!("out{}", args.len()));
        let r = crate::util::anonlog()
            .args(["stats", "--min-users", "1", "--out"])
            .arg(&out)
            .args(args)
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
        let csv = std::fs::read_to_string(out.join("stats.csv")).unwrap();
        csv.lines()
            .find(|l| l.contains(",total,all,"))
            .map(|l| l.split(',').nth(5).unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(total(&["--trailing-user"]), "3");
    assert_eq!(total(&["--nginx-format", NGINX_MOODLE]), "3");
}

/// Without a declared layout, a field after the user agent that is not a
/// plain number never passes raw, quoted or bare (issue 16: contrib's
/// `moodle` format kept `"58"` and `"Jane Doe"` in the "verified" copy).
#[test]
fn undeclared_trailing_fields_never_pass_raw() {
    let w = Work::new();
    let head = "198.51.100.7 - - [10/Oct/2026:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0\"";
    let mut input = String::new();
    for tail in [
        "\"58\"",
        "\"Jane Doe\"",
        "Jane",
        "Jane Doe",
        "0.123 teacher 12",
        "X-User=\"admin\"",
    ] {
        input += &format!("{head} {tail}\n");
    }
    let out = run(&w, &[], &input);
    for word in ["58", "Jane", "Doe", "teacher", "admin"] {
        assert!(!out.contains(word), "{word} survived in\n{out}");
    }
    let tails: Vec<&str> = out.lines().map(|l| &l[head.len()..]).collect();
    assert_eq!(tails[0], " \"t_sjtybjnaaysn\"", "{out}");
    assert!(
        tails[4].starts_with(" 0.123 t_") && tails[4].ends_with(" 12"),
        "{out}"
    );
    assert!(tails[5].starts_with(" X-User=\"t_"), "{out}");
}

/// The line of `text` that starts with `start`, or with `until`, the text
/// from there up to and including the first `until` after it.
fn statement<'a>(text: &'a str, start: &str, until: char) -> &'a str {
    let at = text
        .find(&format!("\n{start}"))
        .unwrap_or_else(|| panic!("no line starting with {start:?}"))
        + 1;
    let s = &text[at..];
    &s[..s.find(until).unwrap() + until.len_utf8()]
}

/// contrib/anonlog.toml declares for its nginx and Apache sources exactly
/// the formats of contrib/nginx-anonlog.conf and apache-anonlog.conf, and a
/// line in each format, rewritten with the config's string, keeps no
/// personal value.
#[test]
fn contrib_formats_leave_nothing_personal() {
    use anonlog::format::layout::{Dialect, Layout};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib");
    let read = |n: &str| std::fs::read_to_string(root.join(n)).unwrap();
    let cfg = anonlog::config::Config::parse(&read("anonlog.toml")).unwrap();
    let nginx_conf = read("nginx-anonlog.conf");
    let apache_conf = read("apache-anonlog.conf");
    let source = |name: &str| cfg.sources.iter().find(|s| s.name == name).unwrap();
    let nginx = source("nginx-raw").nginx_format.clone().unwrap();
    let apache = source("apache-raw").log_format.clone().unwrap();
    let compile = |d, s: &str| Layout::compile(d, s).unwrap();
    assert_eq!(
        compile(Dialect::Nginx, &nginx),
        compile(
            Dialect::Nginx,
            statement(&nginx_conf, "log_format moodle", ';')
        )
    );
    assert_eq!(
        compile(Dialect::Apache, &apache),
        compile(Dialect::Apache, statement(&apache_conf, "LogFormat ", '\n'))
    );
    let w = Work::new();
    let cases = [
        (
            "--nginx-format",
            nginx,
            "203.0.113.45 - - [10/Oct/2026:13:55:36 +0000] \"GET /user/profile.php?id=58&sesskey=Zx81kQ HTTP/1.1\" 200 5120 \"https://moodle.example.org/user/view.php?id=58\" \"Mozilla/5.0\" \"Jane Doe\"\n",
        ),
        (
            "--log-format",
            apache,
            "203.0.113.45 - Jane Doe [10/Oct/2026:13:55:36 +0000] \"GET /user/profile.php?id=58&sesskey=Zx81kQ HTTP/1.1\" 200 5120 \"https://moodle.example.org/user/view.php?id=58\" \"Mozilla/5.0\"\n",
        ),
    ];
    for (opt, fmt, line) in cases {
        let out = run(&w, &[opt, &fmt], line);
        for personal in ["203.0.113.45", "Jane", "Doe", "=58", "Zx81kQ"] {
            assert!(!out.contains(personal), "{opt}: {personal} in {out}");
        }
        assert!(out.starts_with("203.0.113.0 - "), "{opt}: {out}");
    }
}

/// `rotate` reads each source's own `nginx_format`: the Moodle user after
/// the user agent gets the user's pseudonym in the verified copy, next to a
/// source without a format of its own (issue 16: the copy kept `"58"`).
#[test]
fn rotate_uses_each_sources_format() {
    let w = Work::new();
    let root = w.dir.path();
    let dir = |d: &str| {
        std::fs::create_dir_all(root.join(d)).unwrap();
    };
    for d in ["nginx", "apache", "anon-nginx", "anon-apache"] {
        dir(d);
    }
    let nginx_line = "198.51.100.7 - - [02/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8.0\" \"Jane Doe\"\n";
    let apache_line =
        "198.51.100.7 - Jane Doe [02/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n";
    std::fs::write(root.join("nginx/access.log.1"), nginx_line).unwrap();
    std::fs::write(root.join("apache/access.log.1"), apache_line).unwrap();
    let cfg = format!(
        r#"audit_log = "{root}/audit.jsonl"

[anonymize]
key_file = "{key}"

[[source]]
name = "nginx-raw"
paths = ["{root}/nginx/access.log.*"]
kind = "access"
window = "7d"
action = "anonymize-then-delete"
destination = "{root}/anon-nginx/{{name}}"
nginx_format = '''{fmt}'''

[[source]]
name = "apache-raw"
paths = ["{root}/apache/access.log.*"]
kind = "access"
window = "7d"
action = "anonymize-then-delete"
destination = "{root}/anon-apache/{{name}}"
"#,
        root = root.display(),
        key = w.key().display(),
        fmt = NGINX_MOODLE,
    );
    let cfg_path = w.write("anonlog.toml", cfg.as_bytes());
    let r = crate::util::anonlog()
        .args(["rotate", "-q", "--now", "2026-11-20", "--config"])
        .arg(&cfg_path)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    let nginx = std::fs::read_to_string(root.join("anon-nginx/access.log.1")).unwrap();
    let apache = std::fs::read_to_string(root.join("anon-apache/access.log.1")).unwrap();
    // The same person, the same pseudonym, whichever field it came from.
    let user = apache.split(' ').nth(2).unwrap();
    assert!(user.starts_with("n_"), "{apache}");
    assert!(
        nginx.ends_with(&format!("\"{user}\"\n")),
        "{nginx}\n{apache}"
    );
    assert!(!root.join("nginx/access.log.1").exists());
    assert!(!root.join("apache/access.log.1").exists());
}

/// A format in the config's `[anonymize]` applies to access logs only: a
/// BigBlueButton log is still detected as such; on the command line, a
/// format makes every input an access log, and contradicts `--format bbb`.
#[test]
fn a_config_format_applies_to_access_logs() {
    let w = Work::new();
    let cfg = w.write(
        "anonlog.toml",
        format!(
            "[anonymize]\nkey_file = \"{}\"\nnginx_format = '''{NGINX_MOODLE}'''\n",
            w.key().display()
        )
        .as_bytes(),
    );
    let bbb = w.write(
        "bbb-web.log",
        b"2026-11-02T10:00:00.000+00:00 INFO  o.b.w.c.ApiController - Meeting created\n",
    );
    let r = crate::util::anonlog()
        .args(["anonymize", "--config"])
        .arg(&cfg)
        .arg(&bbb)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    assert!(
        text(&r.stderr).contains("1 rewritten"),
        "{}",
        text(&r.stderr)
    );
    let r = w
        .anonymize()
        .args(["--format", "bbb", "--nginx-format", "$remote_addr"])
        .arg(&bbb)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(text(&r.stderr)
        .contains("--format bbb: --log-format and --nginx-format describe access logs"));
}
