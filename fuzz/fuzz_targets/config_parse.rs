//! Fuzz target `config_parse`: the config file and dated-output patterns.
//!
//! The first byte chooses what the rest is. Properties:
//!
//! 1. `Config::parse` never panics on any text, and a config it accepts has
//!    sources whose windows, globs and destinations are all valid (the
//!    accessors do not fail);
//! 2. `DatedPath::parse` never panics; for a pattern it accepts, and a time
//!    taken from the input, the file for that time is recognised by
//!    `matches` as a file of the pattern whose span contains the time
//!    (when the pattern's files cover one span each).

#![no_main]

use std::ffi::OsStr;
use std::path::Path;

use anonlog::config::Config;
use anonlog::output::DatedPath;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    if which % 2 == 0 {
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        if let Ok(cfg) = Config::parse(text) {
            for s in &cfg.sources {
                assert!(s.window_secs() >= 0);
                let _ = s.destination_for(Path::new("/var/log/x.log"));
            }
            let _ = cfg.lock_path();
        }
        return;
    }
    if rest.len() < 8 {
        return;
    }
    let (t, pattern) = rest.split_at(8);
    // Times between 1970 and 2100.
    let t = (u64::from_le_bytes(t.try_into().expect("8 bytes")) % 4_102_444_800) as i64;
    let Ok(pattern) = std::str::from_utf8(pattern) else {
        return;
    };
    let Ok(Some(p)) = DatedPath::parse(OsStr::new(pattern)) else {
        return;
    };
    let file = p.expand(t);
    if let Some((start, end)) = p.period(t) {
        assert!(start <= t && t < end, "{pattern}: {t} not in its period");
        assert_eq!(
            p.matches(&file),
            Some((start, end)),
            "{pattern}: {} not read back",
            file.display()
        );
    }
});
