//! Hostile-input benchmarks (criterion): time that must grow linearly with
//! the input, measured at two sizes each so that the ratio shows it.
//!
//! Owns two measurements:
//! - `long_line_stream/<MiB>`: framing one line of 8 and 32 MiB read as a
//!   stream in 64 KiB reads (as from a pipe), with [`StreamBlocks`];
//! - `nested_json/<depth>`: [`Rewriter::rewrite_line`] over a BigBlueButton
//!   analytics line whose JSON body nests 2,000 and 8,000 levels deep (a
//!   client controls that body).
//!
//! Run with `cargo bench --bench hostile`.

use std::hint::black_box;
use std::io::Read;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use anonlog::format::Format;
use anonlog::input::StreamBlocks;
use anonlog::pseudonym::{Key, Pseudonymizer};
use anonlog::rewrite::{Options, Rewriter, Worker};

/// A reader that hands out at most 64 KiB per read, as a pipe does.
struct Pipe {
    data: std::sync::Arc<Vec<u8>>,
    pos: usize,
}

impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(64 << 10).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn long_line(c: &mut Criterion) {
    let mut g = c.benchmark_group("long_line_stream");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for mib in [8usize, 32] {
        let mut line = vec![b'x'; mib << 20];
        line.push(b'\n');
        let data = std::sync::Arc::new(line);
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(mib), &data, |b, data| {
            b.iter(|| {
                let pipe = Pipe {
                    data: data.clone(),
                    pos: 0,
                };
                let mut s = StreamBlocks::new(Box::new(pipe), None, 1 << 20);
                let mut n = 0;
                while let Some(block) = s.next_block().unwrap() {
                    n += block.data.len();
                }
                black_box(n)
            })
        });
    }
    g.finish();
}

fn nested_json(c: &mut Criterion) {
    let rw = Rewriter::new(
        Options::default(),
        Pseudonymizer::new(&Key::from_bytes([7; 32])),
    );
    let mut g = c.benchmark_group("nested_json");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for depth in [2_000usize, 8_000] {
        let mut line = b"2026-11-24T08:11:28.120+01:00 INFO  o.b.web.controllers.ApiController -  --analytics-- data={\"userid\":\"w_u0rjuthid3ab\",\"body\":".to_vec();
        line.extend(std::iter::repeat_n(b"{\"a\":[".as_slice(), depth).flatten());
        line.extend_from_slice(b"\"jane.doe@example.edu\"");
        line.extend(std::iter::repeat_n(b"]}".as_slice(), depth).flatten());
        line.push(b'}');
        g.throughput(Throughput::Bytes(line.len() as u64));
        let mut w = Worker::default();
        let mut out = Vec::with_capacity(line.len() * 2);
        g.bench_with_input(BenchmarkId::from_parameter(depth), &line, |b, line| {
            b.iter(|| {
                out.clear();
                rw.rewrite_line(&mut w, Format::Bbb, black_box(line), &mut None, &mut out);
                out.len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, long_line, nested_json);
criterion_main!(benches);
