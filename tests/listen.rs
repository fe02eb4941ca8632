//! Syslog relay headers and the listener (`anonymize --listen`): the header
//! a sender or relay puts in front of an access line is kept as the line's
//! header part, and messages received on a socket come out as lines.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

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

/// A running `anonlog anonymize --listen`, its stderr lines on a channel.
struct Listener {
    child: Child,
    stderr: mpsc::Receiver<String>,
    /// The address it said it listens on.
    addr: String,
}

impl Listener {
    fn start(w: &Work, args: &[&str]) -> Listener {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("anonlog"))
            .env_remove("ANONLOG_KEY_FILE")
            .arg("anonymize")
            .arg("-k")
            .arg(w.key())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines() {
                let Ok(l) = l else { return };
                if tx.send(l).is_err() {
                    return;
                }
            }
        });
        let first = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("listener started");
        let addr = first
            .strip_prefix("anonlog: listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_string();
        Listener {
            child,
            stderr: rx,
            addr,
        }
    }

    /// The `IP:PORT` of a udp:// or tcp:// listener.
    fn port_addr(&self) -> String {
        self.addr.split_once("://").unwrap().1.to_string()
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(sig)
            .arg(self.child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    /// SIGTERM, then the exit status and the summary line.
    fn stop(mut self) -> (Option<i32>, String) {
        self.signal("-TERM");
        let status = self.child.wait().unwrap();
        let rest: Vec<String> = self.stderr.iter().collect();
        let summary = rest
            .into_iter()
            .find(|l| l.starts_with("anonlog: listen: "))
            .unwrap_or_default();
        (status.code(), summary)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits (bounded) until `path` holds `n` lines; returns its lines.
fn wait_lines(path: &Path, n: usize) -> Vec<String> {
    for _ in 0..300 {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.lines().count() >= n {
            return text.lines().map(str::to_string).collect();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(path).unwrap_or_default();
    panic!(
        "{} has {} lines, expected {n}",
        path.display(),
        text.lines().count()
    );
}

/// `n` nginx messages as nginx's `syslog:` target sends them (no line
/// feed), each with its own client and user.
fn messages(tag: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "<190>Dec  2 05:03:46 {tag}: 10.1.{}.{} - user{i} [02/Dec/2026:05:03:46 +0000] \"GET /course/view.php?id={i} HTTP/1.1\" 200 {i} \"-\" \"curl/8.5\"",
                i / 200,
                i % 200
            )
        })
        .collect()
}

/// What `anonymize` makes of `msgs` as lines of a file: what the listener
/// must write for them.
fn expected(w: &Work, msgs: &[String]) -> Vec<String> {
    let out = w
        .anonymize()
        .write_stdin(msgs.join("\n") + "\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn unix_datagrams_come_out_as_the_lines_of_a_file() {
    let w = Work::new();
    let sock = w.path("nginx.sock");
    let out = w.path("out.log");
    let l = Listener::start(
        &w,
        &[
            "--listen",
            &format!("unix:{}", sock.display()),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let meta = std::fs::metadata(&sock).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    let msgs = messages("nginx_access", 200);
    let s = UnixDatagram::unbound().unwrap();
    for m in &msgs {
        s.send_to(m.as_bytes(), &sock).unwrap();
    }
    assert_eq!(wait_lines(&out, 200), expected(&w, &msgs));
    let (code, summary) = l.stop();
    assert_eq!(code, Some(0));
    assert!(
        summary
            .contains("200 received, 200 written (0 scrubbed), 0 dropped, 0 malformed, 0 oversize"),
        "{summary}"
    );
    assert!(!sock.exists(), "the socket file is removed at exit");
}

#[test]
fn a_stale_socket_file_is_replaced_and_a_regular_file_is_not() {
    let w = Work::new();
    let sock = w.path("s.sock");
    drop(std::os::unix::net::UnixDatagram::bind(&sock).unwrap());
    assert!(sock.exists());
    let l = Listener::start(&w, &["--listen", &format!("unix:{}", sock.display())]);
    assert_eq!(l.stop().0, Some(0));
    let f = w.write("plain", b"keep me");
    crate::util::anonlog()
        .args(["anonymize", "-q", "-k"])
        .arg(w.key())
        .arg("--listen")
        .arg(format!("unix:{}", f.display()))
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&f).unwrap(), b"keep me");
}

#[test]
fn a_missing_key_is_an_error_at_start() {
    let w = Work::new();
    let sock = w.path("k.sock");
    crate::util::anonlog()
        .args(["anonymize", "-k"])
        .arg(w.path("no-such-key"))
        .arg("--listen")
        .arg(format!("unix:{}", sock.display()))
        .assert()
        .code(2);
    assert!(!sock.exists());
}

#[test]
fn udp_messages_are_written_and_counted() {
    let w = Work::new();
    let out = w.path("out.log");
    let l = Listener::start(
        &w,
        &["--listen", "udp://127.0.0.1:0", "-o", out.to_str().unwrap()],
    );
    let msgs = messages("nginx", 200);
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    for m in &msgs {
        s.send_to(m.as_bytes(), l.port_addr()).unwrap();
    }
    assert_eq!(wait_lines(&out, 200), expected(&w, &msgs));
    let (code, summary) = l.stop();
    assert_eq!(code, Some(0));
    assert!(summary.contains("200 received, 200 written"), "{summary}");
    assert!(summary.contains("kernel drops 0"), "{summary}");
}

#[test]
fn tcp_newline_and_octet_counted_framing() {
    let w = Work::new();
    let out = w.path("out.log");
    let l = Listener::start(
        &w,
        &["--listen", "tcp://127.0.0.1:0", "-o", out.to_str().unwrap()],
    );
    let msgs = messages("nginx", 8);
    // Newline framing, two connections.
    let mut a = TcpStream::connect(l.port_addr()).unwrap();
    let mut b = TcpStream::connect(l.port_addr()).unwrap();
    a.write_all(format!("{}\n{}\n", msgs[0], msgs[1]).as_bytes())
        .unwrap();
    b.write_all(format!("{}\r\n", msgs[2]).as_bytes()).unwrap();
    drop(a);
    drop(b);
    wait_lines(&out, 3);
    // Octet counting: two messages in one write, then one split over two.
    let mut c = TcpStream::connect(l.port_addr()).unwrap();
    let frame = |m: &str| format!("{} {m}", m.len());
    c.write_all((frame(&msgs[3]) + &frame(&msgs[4])).as_bytes())
        .unwrap();
    let f = frame(&msgs[5]);
    let (x, y) = f.split_at(f.len() / 2);
    c.write_all(x.as_bytes()).unwrap();
    c.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    c.write_all(y.as_bytes()).unwrap();
    // An oversize frame is skipped and the stream stays in step.
    let big = "x".repeat(70_000);
    c.write_all(frame(&big).as_bytes()).unwrap();
    c.write_all(frame(&msgs[6]).as_bytes()).unwrap();
    wait_lines(&out, 7);
    // A frame whose length is not a number closes the connection.
    c.write_all(b"12x oops").unwrap();
    drop(c);
    let mut lines = wait_lines(&out, 7);
    let (code, summary) = l.stop();
    assert_eq!(code, Some(0));
    let mut want = expected(&w, &msgs[..7]);
    lines[..3].sort();
    want[..3].sort();
    assert_eq!(lines, want);
    assert!(
        summary.contains("8 received, 7 written (0 scrubbed), 0 dropped, 1 malformed, 1 oversize"),
        "{summary}"
    );
    assert!(summary.contains("3 connections"), "{summary}");
}

#[test]
fn tags_route_to_their_own_files() {
    let w = Work::new();
    let sock = w.path("r.sock");
    let pattern = w.path("{tag}.log");
    let l = Listener::start(
        &w,
        &[
            "--listen",
            &format!("unix:{}", sock.display()),
            "-o",
            pattern.to_str().unwrap(),
        ],
    );
    let access = messages("nginx_access", 20);
    let other = messages("bbb", 10);
    let s = UnixDatagram::unbound().unwrap();
    for (a, b) in access
        .iter()
        .zip(other.iter().chain(std::iter::repeat(&access[0])))
    {
        s.send_to(a.as_bytes(), &sock).unwrap();
        s.send_to(b.as_bytes(), &sock).unwrap();
    }
    s.send_to(b"no header at all from 10.9.8.7", &sock).unwrap();
    let mut want_access = Vec::new();
    for (i, a) in access.iter().enumerate() {
        want_access.push(a.clone());
        if i >= other.len() {
            want_access.push(access[0].clone());
        }
    }
    assert_eq!(
        wait_lines(&w.path("nginx_access.log"), 30),
        expected(&w, &want_access)
    );
    assert_eq!(wait_lines(&w.path("bbb.log"), 10), expected(&w, &other));
    assert_eq!(
        wait_lines(&w.path("other.log"), 1),
        ["no header at all from 10.9.8.0"]
    );
    assert_eq!(l.stop().0, Some(0));
}

#[test]
fn sighup_reopens_and_nothing_is_lost() {
    let w = Work::new();
    let sock = w.path("h.sock");
    let out = w.path("out.log");
    let l = Listener::start(
        &w,
        &[
            "--listen",
            &format!("unix:{}", sock.display()),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let mut msgs = messages("nginx", 1000);
    let s = UnixDatagram::unbound().unwrap();
    for m in &msgs[..50] {
        s.send_to(m.as_bytes(), &sock).unwrap();
    }
    wait_lines(&out, 50);
    let rotated = w.path("out.log.1");
    std::fs::rename(&out, &rotated).unwrap();
    l.signal("-HUP");
    // Lines that arrive before the signal is handled still go to the
    // renamed file (as with any logger under logrotate): together the two
    // files hold every line once, in order, and the new file gets the later
    // ones.
    let mut sent = 50;
    for m in &msgs[50..100] {
        s.send_to(m.as_bytes(), &sock).unwrap();
        sent += 1;
    }
    let n = |p: &Path| {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .lines()
            .count()
    };
    while !out.exists() && sent < msgs.len() {
        std::thread::sleep(Duration::from_millis(20));
        s.send_to(msgs[sent].as_bytes(), &sock).unwrap();
        sent += 1;
    }
    for _ in 0..300 {
        if n(&rotated) + n(&out) >= sent {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    msgs.truncate(sent);
    let (code, summary) = l.stop();
    assert_eq!(code, Some(0));
    let mut all = std::fs::read_to_string(&rotated).unwrap();
    all.push_str(&std::fs::read_to_string(&out).unwrap());
    let all: Vec<String> = all.lines().map(str::to_string).collect();
    assert_eq!(all, expected(&w, &msgs));
    assert!(std::fs::read_to_string(&out).unwrap().lines().count() > 0);
    assert!(summary.contains("1 reopens"), "{summary}");
}

#[test]
fn sigterm_writes_everything_received_and_exits_0() {
    let w = Work::new();
    let sock = w.path("t.sock");
    let out = w.path("out.log");
    let l = Listener::start(
        &w,
        &[
            "--listen",
            &format!("unix:{}", sock.display()),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let msgs = messages("nginx", 200);
    let s = UnixDatagram::unbound().unwrap();
    for m in &msgs {
        s.send_to(m.as_bytes(), &sock).unwrap();
    }
    // No wait: the messages still queued in the socket are read after the
    // signal, before the end.
    let (code, summary) = l.stop();
    assert_eq!(code, Some(0));
    let lines: Vec<String> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines, expected(&w, &msgs));
    assert!(summary.contains("200 received, 200 written"), "{summary}");
}

#[test]
fn metrics_serve_the_counters() {
    let w = Work::new();
    let sock = w.path("m.sock");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let metrics = format!("127.0.0.1:{port}");
    let out = w.path("out.log");
    let l = Listener::start(
        &w,
        &[
            "--listen",
            &format!("unix:{}", sock.display()),
            "--metrics",
            &metrics,
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let s = UnixDatagram::unbound().unwrap();
    for m in messages("nginx", 5) {
        s.send_to(m.as_bytes(), &sock).unwrap();
    }
    s.send_to(&vec![b'x'; 70_000], &sock).unwrap();
    wait_lines(&out, 5);
    let get = |path: &str| {
        let mut c = TcpStream::connect(&metrics).unwrap();
        c.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes())
            .unwrap();
        let mut r = String::new();
        c.read_to_string(&mut r).unwrap();
        r
    };
    let mut r = get("/metrics");
    for _ in 0..100 {
        if r.contains("anonlog_listen_oversize_total 1\n") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        r = get("/metrics");
    }
    assert!(r.starts_with("HTTP/1.0 200 OK\r\n"), "{r}");
    assert!(r.contains("\nanonlog_listen_received_total 6\n"), "{r}");
    assert!(r.contains("\nanonlog_listen_written_total 5\n"), "{r}");
    assert!(r.contains("\nanonlog_listen_oversize_total 1\n"), "{r}");
    assert!(get("/other").starts_with("HTTP/1.0 404 "));
    assert_eq!(l.stop().0, Some(0));
}

/// A free TCP port on 127.0.0.1 (bound, then let go).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn http_get(port: u16, path: &str) {
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.write_all(format!("GET {path} HTTP/1.0\r\nHost: moodle\r\n\r\n").as_bytes())
        .unwrap();
    let mut r = Vec::new();
    c.read_to_end(&mut r).unwrap();
    assert!(
        r.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&r)
    );
}

/// Every line of `lines` is nginx's header in front of a rewritten access
/// line, and the ids `0..n` appear once each, in order.
fn assert_nginx_lines(lines: &[String], n: usize) {
    assert_eq!(lines.len(), n);
    for (i, l) in lines.iter().enumerate() {
        assert!(l.starts_with("<190>"), "{l}");
        let rest = l.split_once(" nginx_access: ").map(|x| x.1).unwrap_or("");
        assert!(rest.starts_with("127.0.0.0 - - ["), "{l}");
        assert!(
            rest.contains(&format!(
                "\"GET /course/view.php?id={i}&sesskey=REDACTED HTTP/1.0\" 200 "
            )),
            "{l}"
        );
    }
}

/// nginx's own syslog target into the listener, across a reload: every
/// request exactly once (issue 16, "nginx cannot pipe").
#[test]
fn nginx_syslog_target_into_the_listener() {
    if Command::new("nginx").arg("-v").output().is_err() {
        return crate::util::server_unavailable("nginx", "not installed");
    }
    let w = Work::new();
    let sock = w.path("nginx.sock");
    let out = w.path("{tag}.log");
    let l = Listener::start(
        &w,
        &[
            "--listen",
            &format!("unix:{}", sock.display()),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let port = free_port();
    let dir = w.dir.path().display().to_string();
    // As root, nginx's workers would run as nobody, who may not write to the
    // 0660 socket: here they stay root (a real set-up adds www-data to the
    // socket's group instead).
    let user = if Command::new("id").arg("-u").output().unwrap().stdout == b"0\n" {
        "user root root;"
    } else {
        ""
    };
    let conf = w.write(
        "nginx.conf",
        format!(
            "{user}\nworker_processes 1;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log;\n\
             events {{}}\nhttp {{\n client_body_temp_path {dir}/t1; proxy_temp_path {dir}/t2;\n\
             fastcgi_temp_path {dir}/t3; uwsgi_temp_path {dir}/t4; scgi_temp_path {dir}/t5;\n\
             server {{\n  listen 127.0.0.1:{port};\n\
             access_log syslog:server=unix:{},tag=nginx_access,nohostname combined;\n\
             location / {{ return 200 \"ok\\n\"; }}\n }}\n}}\n",
            sock.display()
        )
        .as_bytes(),
    );
    let nginx = |args: &[&str]| {
        let o = Command::new("nginx")
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf)
            .args(args)
            .output()
            .unwrap();
        o.status
            .success()
            .then_some(())
            .ok_or_else(|| String::from_utf8_lossy(&o.stderr).into_owned())
    };
    if let Err(e) = nginx(&[]) {
        return crate::util::server_unavailable("nginx", &e);
    }
    for i in 0..100 {
        if i == 50 {
            nginx(&["-s", "reload"]).unwrap();
        }
        http_get(port, &format!("/course/view.php?id={i}&sesskey=s3cr3t"));
    }
    let lines = wait_lines(&w.path("nginx_access.log"), 100);
    nginx(&["-s", "stop"]).unwrap();
    assert_nginx_lines(&lines, 100);
    let (code, summary) = l.stop();
    assert_eq!(code, Some(0));
    assert!(summary.contains("100 received, 100 written"), "{summary}");
}

/// rsyslog forwarding to the listener as contrib/rsyslog-anonlog.conf
/// says: omfwd with octet-counted TCP (RFC 5424 headers) and omuxsock to
/// the unix socket (traditional headers).
#[test]
fn rsyslog_forwards_into_the_listener() {
    if Command::new("rsyslogd").arg("-v").output().is_err() {
        return crate::util::server_unavailable("rsyslogd", "not installed");
    }
    let w = Work::new();
    let port = free_port();
    let tcp = Listener::start(
        &w,
        &[
            "--listen",
            &format!("tcp://127.0.0.1:{port}"),
            "-o",
            w.path("tcp-{tag}.log").to_str().unwrap(),
        ],
    );
    let usock = w.path("an.sock");
    let unix = Listener::start(
        &w,
        &[
            "--listen",
            &format!("unix:{}", usock.display()),
            "-o",
            w.path("unix-{tag}.log").to_str().unwrap(),
        ],
    );
    let dir = w.dir.path().display().to_string();
    let conf = w.write(
        "rsyslog.conf",
        format!(
            "global(workDirectory=\"{dir}\")\n\
             module(load=\"imuxsock\" SysSock.Use=\"off\")\n\
             input(type=\"imuxsock\" Socket=\"{dir}/in.sock\")\n\
             $ModLoad omuxsock\n$OMUxSockSocket {}\n\
             if $programname == 'nginx_access' then {{\n\
             action(type=\"omfwd\" target=\"127.0.0.1\" port=\"{port}\" protocol=\"tcp\"\n\
             TCP_Framing=\"octet-counted\" template=\"RSYSLOG_SyslogProtocol23Format\")\n\
             :omuxsock:;RSYSLOG_TraditionalForwardFormat\n stop\n}}\n",
            usock.display()
        )
        .as_bytes(),
    );
    let mut rs = match Command::new("rsyslogd")
        .args(["-n", "-f"])
        .arg(&conf)
        .arg("-i")
        .arg(w.path("rsyslog.pid"))
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return crate::util::server_unavailable("rsyslogd", &e.to_string()),
    };
    let insock = w.path("in.sock");
    for _ in 0..100 {
        if insock.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for i in 0..20 {
        let ok = Command::new("logger")
            .arg("-u")
            .arg(&insock)
            .args(["-t", "nginx_access"])
            .arg(format!(
                "127.0.0.1 - - [02/Dec/2026:05:03:46 +0000] \"GET /course/view.php?id={i}&sesskey=s3cr3t HTTP/1.0\" 200 3 \"-\" \"-\""
            ))
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
    let via_tcp = wait_lines(&w.path("tcp-nginx_access.log"), 20);
    let via_unix = wait_lines(&w.path("unix-nginx_access.log"), 20);
    let _ = rs.kill();
    let _ = rs.wait();
    for lines in [&via_tcp, &via_unix] {
        assert_eq!(lines.len(), 20);
        for (i, l) in lines.iter().enumerate() {
            let rest = l.split_once("127.0.0.0 - - [").map(|x| x.1).unwrap_or("");
            assert!(
                rest.contains(&format!(
                    "\"GET /course/view.php?id={i}&sesskey=REDACTED HTTP/1.0\" 200 3"
                )),
                "{l}"
            );
        }
    }
    assert!(via_tcp[0].starts_with("<13>1 "), "{}", via_tcp[0]);
    assert!(via_unix[0].starts_with("<13>"), "{}", via_unix[0]);
    assert_eq!(tcp.stop().0, Some(0));
    assert_eq!(unix.stop().0, Some(0));
}
