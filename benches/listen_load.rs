//! The listener's load generator (`benches/listen.sh` drives it): sends N
//! nginx access messages, as nginx's syslog target writes them, to a unix
//! datagram socket or a TCP address, as fast as possible or paced to a rate,
//! and prints what it sent. Built as an example target so that it stays out
//! of the shipped binary:
//!
//! ```text
//! cargo build --release --example listen_load
//! target/release/examples/listen_load unix:/tmp/x.sock 200000 [RATE] [nonblock]
//! target/release/examples/listen_load tcp://127.0.0.1:5514 200000 [RATE]
//! ```
//!
//! RATE 0 (the default) sends as fast as the socket takes them: a unix
//! datagram socket blocks the sender while the receive queue is full, so
//! nothing is lost and the figure is the listener's throughput. With
//! `nonblock`, a full queue makes `send` fail (as it does for nginx, whose
//! socket is non-blocking): those messages are counted as refused.

use std::io::Write;
use std::net::TcpStream;
use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

fn message(i: usize) -> String {
    format!(
        "<190>Dec  3 10:{:02}:{:02} nginx_access: 10.{}.{}.{} - - [03/Dec/2026:10:{:02}:{:02} +0000] \
         \"GET /course/view.php?id={} HTTP/1.1\" 200 {} \"https://moodle.example.org/my/\" \
         \"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\"",
        i / 60 % 60,
        i % 60,
        i % 200,
        i % 7,
        i % 250,
        i / 60 % 60,
        i % 60,
        i % 4000,
        1000 + i % 50_000
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: listen_load unix:/path|tcp://IP:PORT N [RATE] [nonblock]");
        std::process::exit(2);
    }
    let n: usize = args[2].parse().expect("N");
    let rate: f64 = args.get(3).map_or(0.0, |r| r.parse().expect("RATE"));
    let nonblock = args.get(4).is_some_and(|a| a == "nonblock");
    let msgs: Vec<String> = (0..1000).map(message).collect();
    let t0 = Instant::now();
    let pace = |i: usize| {
        if rate > 0.0 {
            let due = t0 + Duration::from_secs_f64(i as f64 / rate);
            if let Some(d) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(d);
            }
        }
    };
    let (mut sent, mut refused, mut bytes) = (0usize, 0usize, 0usize);
    if let Some(path) = args[1].strip_prefix("unix:") {
        let s = UnixDatagram::unbound().unwrap();
        s.connect(path).unwrap();
        s.set_nonblocking(nonblock).unwrap();
        for i in 0..n {
            pace(i);
            let m = msgs[i % msgs.len()].as_bytes();
            match s.send(m) {
                Ok(_) => {
                    sent += 1;
                    bytes += m.len();
                }
                Err(_) => refused += 1,
            }
        }
    } else if let Some(addr) = args[1].strip_prefix("tcp://") {
        let mut s = std::io::BufWriter::with_capacity(1 << 16, TcpStream::connect(addr).unwrap());
        for i in 0..n {
            pace(i);
            let m = &msgs[i % msgs.len()];
            // RFC 6587 octet counting.
            write!(s, "{} {m}", m.len()).unwrap();
            if rate > 0.0 {
                s.flush().unwrap();
            }
            sent += 1;
            bytes += m.len();
        }
        s.flush().unwrap();
    } else {
        eprintln!("listen_load: unknown address {}", args[1]);
        std::process::exit(2);
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "sent {sent} refused {refused} bytes {bytes} seconds {secs:.3} rate {:.0}/s",
        sent as f64 / secs
    );
}
