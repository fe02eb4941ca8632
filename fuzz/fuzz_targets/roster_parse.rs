//! Fuzz target `roster_parse`: a roster file, then text searched with it.
//!
//! Owns the properties of [`parse_people`] and [`Roster`] on arbitrary
//! bytes: the input up to the first NUL is the roster file, the rest is
//! free text. Parsing never panics; a parsed roster builds; every match of
//! [`Roster::find_in`] lies inside the text, in order and without overlap;
//! and a whole match looked up again names the same person (or, for a form
//! that several people share, nobody).

#![no_main]

use anonlog::rewrite::roster::{parse_people, Roster};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (file, text) = match data.iter().position(|&b| b == 0) {
        Some(p) => (&data[..p], &data[p + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(people) = parse_people(file) else {
        return;
    };
    let roster = Roster::new(&people);
    let mut last = 0;
    for (s, e, id) in roster.find_in(text) {
        assert!(last <= s && s < e && e <= text.len(), "match out of order");
        last = e;
        if let (Some(id), Some(again)) = (id, roster.lookup(&text[s..e])) {
            assert_eq!(id, again, "a form names two people");
        }
    }
    let _ = roster.lookup(text);
    let _ = roster.lookup_uncommon(text);
});
