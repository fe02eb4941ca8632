//! Fuzz target `pipeline`: whole inputs through `pipeline::run`.
//!
//! The first input byte picks a block size (1 to 256 bytes) and a thread
//! count (2 to 4); the rest is the log. Properties:
//!
//! 1. no panic;
//! 2. the output is byte-identical to a run with one thread and 1 MiB blocks
//!    (memory-mapped), whatever the block size, thread count and input path
//!    (here: streamed);
//! 3. every line is accounted for, and the output has as many lines.

#![no_main]

mod common;

use std::io::Write;
use std::sync::OnceLock;

use anonlog::rewrite::Rewriter;
use libfuzzer_sys::fuzz_target;

fn rewriter() -> &'static Rewriter {
    static RW: OnceLock<Rewriter> = OnceLock::new();
    RW.get_or_init(|| common::rewriter(0x77))
}

fn run(path: &std::path::Path, threads: usize, block: usize, mmap: bool) -> (Vec<u8>, u64, u64) {
    let (out, s) = common::run_file(rewriter(), path, threads, block, mmap);
    (out, s.total.lines_read, s.total.lines_written)
}

fuzz_target!(|data: &[u8]| {
    let Some((&knob, log)) = data.split_first() else {
        return;
    };
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    file.write_all(log).expect("write");
    file.flush().expect("flush");
    let (reference, read, written) = run(file.path(), 1, 1 << 20, true);
    let block = usize::from(knob) + 1;
    let threads = usize::from(knob % 3) + 2;
    let (out, read2, written2) = run(file.path(), threads, block, false);
    assert!(out == reference, "output depends on threads or blocks");
    assert_eq!((read, written), (read2, written2));
    let lines = |d: &[u8]| d.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(lines(&out), lines(log), "line count kept");
    assert_eq!(written, read, "scrub mode writes every line");
});
