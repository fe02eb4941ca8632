//! Fuzz target `free_text`: one line of free text through the strict
//! rewriter, with a roster.
//!
//! Owns three properties of [`Rewriter::rewrite_line`] with
//! [`Format::Generic`] and strict free text, on arbitrary bytes (the first
//! line): it never panics; it is deterministic; and no uncommon form of the
//! roster's people (`Wüstenhagen`, `a.wuestenhagen`, their e-mail address)
//! survives anywhere in the output, in any case.

#![no_main]

mod common;

use std::sync::{Arc, OnceLock};

use anonlog::format::Format;
use anonlog::pseudonym::{Key, Pseudonymizer};
use anonlog::rewrite::roster::{parse_people, Roster};
use anonlog::rewrite::{Options, Rewriter};
use libfuzzer_sys::fuzz_target;

const ROSTER: &[u8] = b"id,username,firstname,lastname,email\n\
    4711,a.wuestenhagen,Annegret,W\xc3\xbcstenhagen,annegret.w@uni-example.de\n\
    77,mberg,Malte,Bergstr\xc3\xb6m,malte.b@uni-example.de\n";

/// Forms that must never be in the output, lower case.
const FORMS: [&str; 6] = [
    "a.wuestenhagen",
    "wuestenhagen",
    "w\u{fc}stenhagen",
    "annegret.w@uni-example.de",
    "bergstr\u{f6}m",
    "malte.b@uni-example.de",
];

fn rewriter() -> &'static Rewriter {
    static RW: OnceLock<Rewriter> = OnceLock::new();
    RW.get_or_init(|| {
        let roster = Roster::new(&parse_people(ROSTER).expect("roster"));
        let opts = Options {
            roster: Some(Arc::new(roster)),
            ..Options::default()
        };
        Rewriter::new(opts, Pseudonymizer::new(&Key::from_bytes([0x3c; 32])))
    })
}

fuzz_target!(|data: &[u8]| {
    let line = common::first_line(data);
    let out = common::rewrite(rewriter(), Format::Generic, line);
    assert_eq!(out, common::rewrite(rewriter(), Format::Generic, line));
    let lower = String::from_utf8_lossy(&out).to_lowercase();
    for f in FORMS {
        // Only where the form stands as a word of its own in the input too:
        // `xwuestenhagenx` is someone else's word.
        let input = String::from_utf8_lossy(line).to_lowercase();
        let standalone = input.match_indices(f).any(|(i, _)| {
            let before = input[..i].chars().next_back();
            let after = input[i + f.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        });
        if standalone {
            assert!(!lower.contains(f), "{f:?} survives in {lower:?}");
        }
    }
});
