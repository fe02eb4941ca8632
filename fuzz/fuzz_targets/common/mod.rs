//! Helpers shared by the fuzz targets: a rewriter with a fixed key, one-line
//! rewriting, and the "no padded IPv4 address survives" check.

#![allow(dead_code)]

use std::net::IpAddr;

use anonlog::format::Format;
use anonlog::ip;
use anonlog::pseudonym::{Key, Pseudonymizer};
use anonlog::rewrite::{Options, Rewriter, Worker};

/// A rewriter with default options and a key of `byte` repeated.
pub fn rewriter(byte: u8) -> Rewriter {
    Rewriter::new(
        Options::default(),
        Pseudonymizer::new(&Key::from_bytes([byte; 32])),
    )
}

/// `line` rewritten in `format` by a fresh worker.
pub fn rewrite(rw: &Rewriter, format: Format, line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len() * 2);
    rw.rewrite_line(&mut Worker::default(), format, line, &mut None, &mut out);
    out
}

/// `path` through `pipeline::run` with `rw`, `threads` workers, blocks of
/// `block` bytes, mapped or streamed; every line (record) must be accounted
/// for. Returns the output and the run's summary.
pub fn run_file(
    rw: &Rewriter,
    path: &std::path::Path,
    threads: usize,
    block: usize,
    mmap: bool,
) -> (Vec<u8>, anonlog::pipeline::RunSummary) {
    let cfg = anonlog::pipeline::RunConfig {
        inputs: vec![anonlog::input::Input::Path(path.to_path_buf())],
        format: None,
        threads,
        mmap,
        block_size: block,
    };
    let mut out = Vec::new();
    let s = anonlog::pipeline::run(rw, &cfg, &mut out, &mut |_| {}).expect("run");
    assert!(s.total.balanced(), "every line accounted for");
    (out, s)
}

/// The first `\n`-free line of the input.
pub fn first_line(data: &[u8]) -> &[u8] {
    data.split(|&b| b == b'\n').next().unwrap_or_default()
}

/// Does `hay` contain `needle`?
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn padded(s: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(s.len() + 2);
    p.push(b' ');
    p.extend_from_slice(s);
    p.push(b' ');
    p
}

/// Every IPv4 address of `line` with a nonzero last octet and a space on both
/// sides (line ends count as spaces) is gone from `out`.
///
/// The padding makes the check sound: a rewrite writes a '.' only inside a
/// truncated address, whose last octet is 0, and pseudonyms have no '.', so
/// ` a.b.c.d ` with d != 0 in the output can only be copied from the input.
/// Without it, text the scrubber rightly keeps (`v1.2.3.4`: an address never
/// starts inside a word) would be reported.
pub fn assert_no_padded_ipv4_survives(line: &[u8], out: &[u8]) {
    let padded_out = padded(out);
    let mut from = 0;
    while let Some(f) = ip::find_next(line, from) {
        from = f.end.max(f.start + 1);
        let IpAddr::V4(v4) = f.addr else { continue };
        let before = f.start.checked_sub(1).map_or(b' ', |p| line[p]);
        let after = line.get(f.end).copied().unwrap_or(b' ');
        if v4.octets()[3] == 0 || before != b' ' || after != b' ' {
            continue;
        }
        let needle = padded(&line[f.start..f.end]);
        assert!(
            !contains(&padded_out, &needle),
            "address {:?} survives in {:?}",
            String::from_utf8_lossy(&line[f.start..f.end]),
            String::from_utf8_lossy(out)
        );
    }
}
