//! Fuzz target `scrub_line`: one line through the generic scrubber.
//!
//! Owns three properties of [`Rewriter::rewrite_line`] with
//! [`Format::Generic`] (every line goes through the fail-closed fallback) and
//! a fixed key, on arbitrary bytes:
//!
//! 1. it never panics;
//! 2. it is deterministic: two fresh [`Worker`]s give the same bytes;
//! 3. every IPv4 address that [`ip::find_next`] finds in the input, whose
//!    last octet is nonzero and that has a space on both sides (the start
//!    and end of the line count as spaces), is gone: ` a.b.c.d ` does not
//!    appear in the output (with the same padding).
//!
//! The space on both sides is what makes the check sound. A rewrite writes
//! a '.' only inside a truncated address, whose last octet is 0, and
//! pseudonyms have no '.', so ` a.b.c.d ` with d != 0 in the output would
//! have to be copied from the input: exactly the leak looked for. Without
//! the padding, input text the scrubber rightly keeps (`v1.2.3.4`, an
//! address never starts inside a word) would be reported.

#![no_main]

use std::net::IpAddr;
use std::sync::OnceLock;

use anonlog::format::Format;
use anonlog::ip;
use anonlog::pseudonym::{Key, Pseudonymizer};
use anonlog::rewrite::{Options, Rewriter, Worker};
use libfuzzer_sys::fuzz_target;

fn rewriter() -> &'static Rewriter {
    static RW: OnceLock<Rewriter> = OnceLock::new();
    RW.get_or_init(|| {
        Rewriter::new(
            Options::default(),
            Pseudonymizer::new(&Key::from_bytes([0xa5; 32])),
        )
    })
}

fn rewrite(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len() * 2);
    rewriter().rewrite_line(&mut Worker::default(), Format::Generic, line, &mut out);
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn padded(s: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(s.len() + 2);
    p.push(b' ');
    p.extend_from_slice(s);
    p.push(b' ');
    p
}

fuzz_target!(|data: &[u8]| {
    let line = data.split(|&b| b == b'\n').next().unwrap_or_default();
    let out = rewrite(line);
    assert_eq!(out, rewrite(line), "scrubbing is not deterministic");

    let padded_out = padded(&out);
    let mut from = 0;
    while let Some(f) = ip::find_next(line, from) {
        from = f.end.max(f.start + 1);
        let IpAddr::V4(v4) = f.addr else {
            continue;
        };
        let before = f.start.checked_sub(1).map_or(b' ', |p| line[p]);
        let after = line.get(f.end).copied().unwrap_or(b' ');
        if v4.octets()[3] == 0 || before != b' ' || after != b' ' {
            continue;
        }
        let needle = padded(&line[f.start..f.end]);
        assert!(
            !contains(&padded_out, &needle),
            "address {:?} survives in {:?}",
            String::from_utf8_lossy(&line[f.start..f.end]),
            String::from_utf8_lossy(&out)
        );
    }
});
