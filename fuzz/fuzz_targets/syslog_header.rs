//! Fuzz target `syslog_header`: the syslog relay header grammar on arbitrary
//! bytes.
//!
//! Owns the header's range contract: [`syslog::parse`] never panics; an
//! accepted header ends inside the line and within the length bound, its
//! tag and host lie inside it in order (host before tag), the tag is not
//! empty, and parsing the header alone (or, when it ends with a space, with
//! a message behind it) finds the same header.

#![no_main]

use anonlog::format::syslog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &[u8]| {
    let Some(h) = syslog::parse(line) else {
        return;
    };
    assert!(h.len <= line.len() && h.len <= syslog::MAX_HEADER);
    assert!(h.tag.start < h.tag.end && h.tag.end <= h.len, "{h:?}");
    if let Some(host) = &h.host {
        assert!(host.start < host.end && host.end <= h.tag.start, "{h:?}");
    }
    let mut again = line[..h.len].to_vec();
    assert_eq!(syslog::parse(&again).as_ref(), Some(&h));
    if again.ends_with(b" ") {
        again.extend_from_slice(b"msg with: colons [and] brackets");
        assert_eq!(syslog::parse(&again).map(|g| g.len), Some(h.len));
    }
});
