//! Fuzz target `layout_parse`: compiling a format string and splitting a
//! line by it.
//!
//! Owns the layout's contract: [`Layout::compile`] never panics and bounds
//! the layout's size; when a line parses, there is one range per field, the
//! ranges are in line order, inside the line, and the bytes between them are
//! the layout's literal text.

#![no_main]

use anonlog::format::layout::{Dialect, Item, Layout, MAX_ITEMS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first line is the format string, the rest the log line; the
    // first byte chooses the dialect.
    let Some((&d, rest)) = data.split_first() else {
        return;
    };
    let nl = memchr_nl(rest);
    let (spec, line) = (&rest[..nl], rest.get(nl + 1..).unwrap_or_default());
    let Ok(spec) = std::str::from_utf8(spec) else {
        return;
    };
    let dialect = if d & 1 == 0 {
        Dialect::Apache
    } else {
        Dialect::Nginx
    };
    let Ok(layout) = Layout::compile(dialect, spec) else {
        return;
    };
    assert!(layout.items.len() <= MAX_ITEMS);
    let mut fields = Vec::new();
    if layout.parse(line, &mut fields).is_err() {
        return;
    }
    assert_eq!(fields.len(), layout.fields.len());
    let mut pos = 0;
    let mut k = 0;
    for item in &layout.items {
        match item {
            Item::Literal(l) => {
                assert_eq!(&line[pos..pos + l.len()], &l[..]);
                pos += l.len();
            }
            Item::Field(f) => {
                assert_eq!(*f, k);
                let r = &fields[k];
                assert!(r.start == pos && r.start <= r.end && r.end <= line.len());
                pos = r.end;
                k += 1;
            }
        }
    }
    let _ = layout.timestamp(line, &fields);
});

fn memchr_nl(s: &[u8]) -> usize {
    s.iter().position(|&b| b == b'\n').unwrap_or(s.len())
}
