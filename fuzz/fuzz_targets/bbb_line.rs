//! Fuzz target `bbb_line`: one line through the BigBlueButton rewriter.
//!
//! Properties of [`Rewriter::rewrite_line`] with [`Format::Bbb`] and a fixed
//! key, on the input's first `\n`-free line:
//!
//! 1. it never panics;
//! 2. it is deterministic: two fresh [`Worker`]s give the same bytes;
//! 3. a line the BigBlueButton parser understands still parses after the
//!    rewrite, as the same kind of line with the same time;
//! 4. when the message is an analytics record (` --analytics-- data=` and a
//!    JSON object), the rewritten message is one too, with as many keys;
//! 5. a space-delimited IPv4 address with a nonzero last octet does not
//!    survive (see `scrub_line` for why the padding makes this sound).

#![no_main]

use std::net::IpAddr;
use std::sync::OnceLock;

use anonlog::format::{bbb, Format};
use anonlog::ip;
use anonlog::pseudonym::{Key, Pseudonymizer};
use anonlog::rewrite::{Options, Rewriter, Worker};
use libfuzzer_sys::fuzz_target;

fn rewriter() -> &'static Rewriter {
    static RW: OnceLock<Rewriter> = OnceLock::new();
    RW.get_or_init(|| {
        Rewriter::new(
            Options::default(),
            Pseudonymizer::new(&Key::from_bytes([0x3c; 32])),
        )
    })
}

fn rewrite(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len() * 2);
    rewriter().rewrite_line(&mut Worker::default(), Format::Bbb, line, &mut out);
    out
}

fn padded(s: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(s.len() + 2);
    p.push(b' ');
    p.extend_from_slice(s);
    p.push(b' ');
    p
}

/// The JSON object of an analytics message (` --analytics-- data={...}`, the
/// whole message after the fixed prefix).
fn json_after_data(msg: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let json = msg.strip_prefix(b" --analytics-- data=")?;
    match serde_json::from_slice::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(m)) => Some(m),
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let line = data.split(|&b| b == b'\n').next().unwrap_or_default();
    let out = rewrite(line);
    assert_eq!(out, rewrite(line), "rewriting is not deterministic");

    if let Ok(before) = bbb::parse(line) {
        let after = bbb::parse(&out).expect("a rewritten BBB line parses again");
        assert_eq!(before.kind, after.kind);
        assert_eq!(before.timestamp, after.timestamp);
        if let Some(obj) = json_after_data(&line[before.message..]) {
            let new = json_after_data(&out[after.message..]).expect("JSON stays JSON");
            assert_eq!(obj.len(), new.len(), "same keys");
        }
    }

    let padded_out = padded(&out);
    let mut from = 0;
    while let Some(f) = ip::find_next(line, from) {
        from = f.end.max(f.start + 1);
        let IpAddr::V4(v4) = f.addr else { continue };
        let before = f.start.checked_sub(1).map_or(b' ', |p| line[p]);
        let after = line.get(f.end).copied().unwrap_or(b' ');
        if v4.octets()[3] == 0 || before != b' ' || after != b' ' {
            continue;
        }
        let needle = padded(&line[f.start..f.end]);
        assert!(
            !padded_out.windows(needle.len()).any(|w| w == needle.as_slice()),
            "address survives in {:?}",
            String::from_utf8_lossy(&out)
        );
    }
});
