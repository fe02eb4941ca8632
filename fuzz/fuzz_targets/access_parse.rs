//! Fuzz target `access_parse`: the access-log parser on arbitrary bytes.
//!
//! Owns the parser's range contract: [`access::parse`] never panics, and when
//! it accepts a line every range it returns lies inside the line, in line
//! order (head, time, request, quoted fields, extra fields), with the
//! timestamp's brackets where the range says. The head is then split into
//! roles by [`access::parse_head`], whose parts must be in order, disjoint
//! and inside the head.

#![no_main]

use std::ops::Range;

use anonlog::format::access;
use libfuzzer_sys::fuzz_target;

fn check_range(name: &str, r: &Range<usize>, len: usize) {
    assert!(
        r.start <= r.end && r.end <= len,
        "{name} {r:?} out of bounds (line length {len})"
    );
}

fuzz_target!(|line: &[u8]| {
    let Ok(rec) = access::parse(line) else {
        return;
    };
    let n = line.len();
    check_range("head", &rec.head, n);
    check_range("time", &rec.time, n);
    check_range("request", &rec.request, n);
    check_range("tail", &rec.tail, n);
    assert_eq!(rec.head.start, 0, "head starts the line");
    assert!(
        rec.head.end <= rec.time.start,
        "head {:?} overlaps time {:?}",
        rec.head,
        rec.time
    );
    assert!(
        rec.time.end - rec.time.start >= 2,
        "time {:?} too short",
        rec.time
    );
    assert_eq!(line[rec.time.start], b'[');
    assert_eq!(line[rec.time.end - 1], b']');
    assert!(
        rec.time.end <= rec.request.start,
        "time {:?} overlaps request {:?}",
        rec.time,
        rec.request
    );
    assert_eq!(
        rec.tail,
        rec.time.end..n,
        "tail is everything after the time"
    );
    // The request sits between its quotes.
    assert!(rec.request.start > rec.time.end && rec.request.end < n);
    assert_eq!(line[rec.request.start - 1], b'"');
    assert_eq!(line[rec.request.end], b'"');
    let mut last = rec.request.end;
    for q in rec.quoted_after.iter().flatten() {
        check_range("quoted field", q, n);
        assert!(last < q.start, "quoted field {q:?} before {last}");
        assert_eq!(line[q.start - 1], b'"');
        assert_eq!(line[q.end], b'"');
        last = q.end;
    }
    assert!(
        rec.extra >= rec.request.end && rec.extra <= n,
        "extra {} outside {}..={n}",
        rec.extra,
        rec.request.end
    );

    let mut toks = Vec::new();
    let mut parts = Vec::new();
    access::parse_head(line, rec.head.clone(), &mut toks, &mut parts);
    let mut pos = rec.head.start;
    for (role, r) in &parts {
        assert!(
            pos <= r.start && r.start <= r.end && r.end <= rec.head.end,
            "{role:?} part {r:?} out of order or outside head {:?}",
            rec.head
        );
        pos = r.end;
    }
});
