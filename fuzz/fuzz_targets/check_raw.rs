//! Fuzz target `check_raw`: anonymize's output against its own raw input.
//!
//! Owns the property that joins the rewriter and the independent checker:
//! for arbitrary input (any format the detector picks), the rewriter's
//! output holds none of the identities and secrets that [`RawChecker`]
//! collects from the raw input. Neither side may panic.

#![no_main]

mod common;

use std::io::Write;

use anonlog::check::RawChecker;
use anonlog::input::Framing;
use anonlog::rewrite::Options;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let rw = common::rewriter(0x77);
    let mut f = tempfile::NamedTempFile::new().expect("temporary file");
    f.write_all(data).expect("write");
    let (out, _) = common::run_file(&rw, f.path(), 1, 1 << 16, false);
    let raw = RawChecker::collect(data, None, &Options::default());
    let findings = raw.check(&out, Framing::Lines);
    assert!(
        findings.is_empty(),
        "raw values in the output: {:?}",
        findings.iter().map(|(l, f)| (l, f.what)).collect::<Vec<_>>()
    );
});
