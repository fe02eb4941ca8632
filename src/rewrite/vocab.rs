//! The words strict free text keeps: English words (SCOWL, sizes up to 50,
//! without the rarer words that are also people's names), the words of the
//! software anonlog reads (`vocabulary/technical.txt`), the parts of the
//! identifiers Moodle, BigBlueButton and FreeSWITCH define in their code
//! (`vocabulary/software.txt`, built by `tools/vocabulary/build-software.py`
//! from the harvested names in `tools/vocabulary/harvest/`, without any
//! proper name), and the rule for code identifiers built from them.
//!
//! A word is kept when its lowercase form is in the list. An identifier
//! (`MeetingService`, `user_joined_message`, `o.b.api.ApiController#join`)
//! is kept when every part of it that has three or more letters is a word;
//! parts are split at `_ . # : / $ -`, at lowercase-to-uppercase steps and
//! between letters and digits.

use std::collections::HashSet;
use std::sync::OnceLock;

const ENGLISH: &str = include_str!("vocabulary/english.txt");
const TECHNICAL: &str = include_str!("vocabulary/technical.txt");
const SOFTWARE: &str = include_str!("vocabulary/software.txt");

/// The longest word looked up.
const MAX_WORD: usize = 40;

fn words() -> &'static HashSet<&'static [u8], foldhash::fast::FixedState> {
    static WORDS: OnceLock<HashSet<&'static [u8], foldhash::fast::FixedState>> = OnceLock::new();
    WORDS.get_or_init(|| {
        ENGLISH
            .lines()
            .chain(TECHNICAL.lines())
            .chain(SOFTWARE.lines())
            .map(str::trim)
            .filter(|w| !w.is_empty() && !w.starts_with('#'))
            .map(str::as_bytes)
            .collect()
    })
}

/// Is `w` (ASCII letters and digits) a word of the vocabulary, in any
/// case?
pub fn is_word(w: &[u8]) -> bool {
    if w.is_empty() || w.len() > MAX_WORD {
        return false;
    }
    let mut buf = [0u8; MAX_WORD];
    let low = &mut buf[..w.len()];
    low.copy_from_slice(w);
    low.make_ascii_lowercase();
    let words = words();
    // A plural of a word (`auths`, `hdlrs` is not one: `hdlr` is no word).
    let stem = |suffix: &[u8]| {
        low.len() > suffix.len() + 2
            && low.ends_with(suffix)
            && words.contains(&low[..low.len() - suffix.len()])
    };
    // A plural (`auths`; `hdlrs` is not one: `hdlr` is no word), or a
    // Moodle library named after its subject (`moodlelib`, `messagelib`).
    words.contains(&low[..]) || stem(b"s") || stem(b"lib")
}

/// The parts of an identifier: runs of letters split at case steps
/// (`MeetingService` → `Meeting`, `Service`; `HTTPServer` → `HTTP`,
/// `Server`), runs of digits, and nothing of the separators.
pub fn parts(tok: &[u8], mut f: impl FnMut(&[u8]) -> bool) -> bool {
    let n = tok.len();
    let mut i = 0;
    while i < n {
        let b = tok[i];
        if b.is_ascii_digit() {
            let s = i;
            while i < n && tok[i].is_ascii_digit() {
                i += 1;
            }
            if !f(&tok[s..i]) {
                return false;
            }
        } else if b.is_ascii_alphabetic() {
            let s = i;
            i += 1;
            if b.is_ascii_uppercase() {
                // An acronym run: `HTTPServer` ends the run before `Server`.
                while i < n && tok[i].is_ascii_uppercase() {
                    i += 1;
                }
                if i < n && tok[i].is_ascii_lowercase() && i - s > 1 {
                    i -= 1;
                }
            }
            while i < n && tok[i].is_ascii_lowercase() {
                i += 1;
            }
            if !f(&tok[s..i]) {
                return false;
            }
        } else {
            i += 1;
        }
    }
    true
}

/// Is every part of `tok` with three or more letters a word? Shorter
/// letter parts (`o.b.`, `id`, `v2`) and digit parts of up to three digits
/// are kept too (a longer run of digits is an id: `user4711`); at least
/// one part must be a letter part, and at most one short letter part may
/// touch digits (`x64`, `utf8mb4`), so that random tokens (`k3m9x2p7`) are
/// not identifiers.
pub fn is_identifier_of_words(tok: &[u8]) -> bool {
    if is_word(tok) {
        return true;
    }
    let mut letters = false;
    let mut mixed = 0;
    let base = tok.as_ptr() as usize;
    parts(tok, |p| {
        if p[0].is_ascii_digit() {
            // `user4711`: a run of digits longer than three is an id.
            return p.len() <= 3;
        }
        letters = true;
        if p.len() < 3 {
            let s = p.as_ptr() as usize - base;
            let e = s + p.len();
            let digit_at =
                |i: Option<usize>| i.and_then(|i| tok.get(i)).is_some_and(u8::is_ascii_digit);
            if digit_at(s.checked_sub(1)) || digit_at(Some(e)) {
                mixed += 1;
            }
            return mixed < 2;
        }
        is_word(p)
    }) && letters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_identifiers() {
        for w in [
            "the",
            "User",
            "joined",
            "MEETING",
            "api",
            "json",
            "bigbluebutton",
        ] {
            assert!(is_word(w.as_bytes()), "{w}");
        }
        for w in ["jdoe58", "Wüstenhagen", "schmidt", "annegret", ""] {
            assert!(!is_word(w.as_bytes()), "{w}");
        }
        for t in [
            "MeetingService",
            "o.b.web.controllers.ApiController#join",
            "user_joined_message",
            "HTTPServer",
            "MeetingService.java:42",
            "html5client",
            "sha256",
        ] {
            assert!(is_identifier_of_words(t.as_bytes()), "{t}");
        }
        for t in [
            "jdoe58",
            "AnnaSchmidt",
            "Hausarbeit_Meyer.pdf",
            "12345",
            "user4711",
            "w_k3m9x2p7q4zt",
            "k3m9x2p7q4zt",
        ] {
            assert!(!is_identifier_of_words(t.as_bytes()), "{t}");
        }
    }
}
