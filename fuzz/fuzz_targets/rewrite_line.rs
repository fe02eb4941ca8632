//! Fuzz target `rewrite_line`: one line through the access-log rewriter.
//!
//! Owns three properties of [`Rewriter::rewrite_line`] with
//! [`Format::Access`] and a fixed key, on the input's first `\n`-free line:
//!
//! 1. it never panics;
//! 2. it is deterministic: two fresh [`Worker`]s give the same bytes, and a
//!    parsed line's output parses again as an access line with the same time;
//! 3. a parsed line whose head begins with a dotted-quad IPv4 client
//!    `a.b.c.d` (d != 0) followed by a space does not keep that client:
//!    the output does not begin with `a.b.c.d `, the output is the same
//!    when the client's last octet is 0 instead (so no trace of the host
//!    bits is anywhere in it), and when nothing after the client could
//!    legitimately spell it, `a.b.c.d ` appears nowhere in the output.
//!
//! Why not simply "the output does not contain `a.b.c.d `"? Other fields may
//! hold that text for reasons that have nothing to do with the client, and
//! the scrubber rightly leaves them: `GET /v1.2.3.4 HTTP/1.0` keeps
//! `v1.2.3.4 ` (an address never starts inside a word), and
//! `10.1.2.3.5 ` becomes `10.1.2.0.5 `, which contains `1.2.0.5 `. A plain
//! substring test would report those as leaks of a client `1.2.3.4` or
//! `1.2.0.5`; the comparison with the zeroed client cannot be fooled.

#![no_main]

mod common;

use std::sync::OnceLock;

use anonlog::format::{access, Format};
use anonlog::ip;
use anonlog::rewrite::Rewriter;
use common::contains;
use libfuzzer_sys::fuzz_target;

fn rewriter() -> &'static Rewriter {
    static RW: OnceLock<Rewriter> = OnceLock::new();
    RW.get_or_init(|| common::rewriter(0x5a))
}

fn rewrite(line: &[u8]) -> Vec<u8> {
    common::rewrite(rewriter(), Format::Access, line)
}

fuzz_target!(|data: &[u8]| {
    let line = common::first_line(data);
    let out = rewrite(line);
    assert_eq!(out, rewrite(line), "rewriting is not deterministic");

    let Ok(rec) = access::parse(line) else {
        return;
    };
    // The output is an access line again, with the same time.
    let again = access::parse(&out).expect("a rewritten access line parses again");
    assert_eq!(again.timestamp, rec.timestamp);
    let head = &line[rec.head.clone()];
    let Some((addr, n)) = ip::parse_ipv4_prefix(head) else {
        return;
    };
    if addr.octets()[3] == 0 || line.get(n) != Some(&b' ') {
        return;
    }
    let needle = &line[..=n];
    assert!(
        !out.starts_with(needle),
        "client {:?} kept in {:?}",
        String::from_utf8_lossy(needle),
        String::from_utf8_lossy(&out)
    );

    // The same line with the last octet written as 0.
    let last_dot = needle
        .iter()
        .rposition(|&b| b == b'.')
        .expect("a dotted quad has dots");
    let mut zeroed = line[..=last_dot].to_vec();
    zeroed.push(b'0');
    zeroed.extend_from_slice(&line[n..]);
    assert!(
        access::parse(&zeroed).is_ok(),
        "zeroing the client changed the parse"
    );
    assert_eq!(
        out,
        rewrite(&zeroed),
        "the output depends on the client's last octet"
    );

    // Every '.' that a rewrite writes (truncated addresses) is followed by
    // digits and then ".", or by a last octet 0: a nonzero `.d ` can only come
    // from the input. Without a '.' after the client, nothing can spell it.
    if !line[n..].contains(&b'.') {
        assert!(
            !contains(&out, needle),
            "client {:?} survives in {:?}",
            String::from_utf8_lossy(needle),
            String::from_utf8_lossy(&out)
        );
    }
});
