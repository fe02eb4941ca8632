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
//! (See `common::assert_no_padded_ipv4_survives` for why the padding makes
//! the check sound.)

#![no_main]

mod common;

use std::sync::OnceLock;

use anonlog::format::Format;
use anonlog::rewrite::Rewriter;
use libfuzzer_sys::fuzz_target;

fn rewriter() -> &'static Rewriter {
    static RW: OnceLock<Rewriter> = OnceLock::new();
    RW.get_or_init(|| common::rewriter(0xa5))
}

fuzz_target!(|data: &[u8]| {
    let line = common::first_line(data);
    let out = common::rewrite(rewriter(), Format::Generic, line);
    assert_eq!(
        out,
        common::rewrite(rewriter(), Format::Generic, line),
        "scrubbing is not deterministic"
    );
    common::assert_no_padded_ipv4_survives(line, &out);
});
