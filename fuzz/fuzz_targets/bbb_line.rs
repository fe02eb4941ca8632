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

mod common;

use std::sync::OnceLock;

use anonlog::format::{bbb, Format};
use anonlog::rewrite::Rewriter;
use libfuzzer_sys::fuzz_target;

fn rewriter() -> &'static Rewriter {
    static RW: OnceLock<Rewriter> = OnceLock::new();
    RW.get_or_init(|| common::rewriter(0x3c))
}

fn rewrite(line: &[u8]) -> Vec<u8> {
    common::rewrite(rewriter(), Format::Bbb, line)
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
    let line = common::first_line(data);
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

    common::assert_no_padded_ipv4_survives(line, &out);
});
