//! Fuzz target `moodle_other`: one `other` value of Moodle's standard log.
//!
//! Owns five properties of [`other::rewrite`], on arbitrary bytes, with
//! each [`other::Event`] and a sink that writes fixed tokens (user
//! ids `4242`, names `nm`, e-mail addresses `em`; text with every `ip`
//! replaced by `IPADDR`, which can never land inside a JSON escape):
//!
//! 1. it never panics;
//! 2. it is deterministic: a second run gives the same result, and an error
//!    appends nothing to the output;
//! 3. when serde_json accepts the input, the rewrite succeeds and serde_json
//!    accepts the output, with the same top-level type (object, array,
//!    string, number, bool or null);
//! 4. an output (PHP or JSON) is accepted by the rewriter again;
//! 5. rewriting is idempotent: rewriting the output gives it back unchanged
//!    (the sink's tokens map to themselves, and the second pass sees the
//!    values in the same places).

#![no_main]

use anonlog::format::moodle::other::{self, Sink};
use libfuzzer_sys::fuzz_target;

/// Fixed tokens; `password` and `secret` are secrets.
struct FixedSink;

impl Sink for FixedSink {
    fn is_secret(&self, key: &[u8]) -> bool {
        key.eq_ignore_ascii_case(b"password") || key.eq_ignore_ascii_case(b"secret")
    }
    fn user_id(&mut self, _digits: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(b"4242");
    }
    fn name(&mut self, _value: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(b"nm");
    }
    fn email(&mut self, _value: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(b"em");
    }
    fn text(&mut self, raw: &[u8], out: &mut Vec<u8>) {
        let mut i = 0;
        while i < raw.len() {
            if raw[i..].starts_with(b"ip") {
                out.extend_from_slice(b"IPADDR");
                i += 2;
            } else {
                out.push(raw[i]);
                i += 1;
            }
        }
    }
    fn is_kept(&self, key: Option<&[u8]>) -> bool {
        key.is_some_and(|k| k.len() % 2 == 0)
    }
    fn opaque(&mut self, _value: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(b"op");
    }
}

/// The rewrite of `value`, appended after a marker that an error must leave
/// alone.
fn rewrite(value: &[u8], event: other::Event) -> Result<Vec<u8>, other::OtherError> {
    const MARK: &[u8] = b"mark";
    let mut out = MARK.to_vec();
    match other::rewrite(value, event, &mut FixedSink, &mut out) {
        Ok(()) => Ok(out.split_off(MARK.len())),
        Err(e) => {
            assert_eq!(out, MARK, "an error appended to the output");
            Err(e)
        }
    }
}

fn same_kind(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fuzz_target!(|data: &[u8]| {
    let json = serde_json::from_slice::<serde_json::Value>(data).ok();
    for event in [
        other::Event::Other,
        other::Event::FailedLogin,
        other::Event::ConfigChange,
    ] {
        let result = rewrite(data, event);
        assert_eq!(result, rewrite(data, event), "not deterministic");

        if let Some(before) = &json {
            let out = result.as_ref().expect("valid JSON is accepted");
            let after = serde_json::from_slice::<serde_json::Value>(out)
                .expect("the rewritten JSON is valid");
            assert!(same_kind(before, &after), "top-level type changed");
        }

        if let Ok(out) = &result {
            let again = rewrite(out, event).expect("the output is accepted again");
            assert_eq!(&again, out, "rewriting is not idempotent");
        }
    }
});
