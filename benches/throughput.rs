//! Throughput benchmarks (criterion, bytes per second) over synthetic Moodle
//! access logs from `gen/`.
//!
//! Owns three measurements, from the innermost loop outwards:
//! - `lines/access_parse`: [`access::parse`] over 10 000 lines;
//! - `lines/rewrite_line`: [`Rewriter::rewrite_line`] over the same lines,
//!   with one warm [`Worker`], as a pipeline worker runs them;
//! - `pipeline/*`: [`pipeline::run`] over a ~20 MB temporary file, output to
//!   a sink, with 1 and 2 threads, memory-mapped (`mmap`) and read as a
//!   stream (`stream`, as for `--no-mmap` and standard input);
//! - `bbb/rewrite_line`: [`Rewriter::rewrite_line`] over the BigBlueButton
//!   lines of `testdata/bbb.log` (every line kind), repeated with varied
//!   user ids and addresses.
//!
//! Byte counts include the line terminators, so the figures compare with
//! file sizes divided by wall time. Run with `cargo bench --bench throughput`.

mod gen;

use std::hint::black_box;
use std::io::Write;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use anonlog::format::{access, Format};
use anonlog::input::Input;
use anonlog::pipeline::{self, RunConfig};
use anonlog::pseudonym::{Key, Pseudonymizer};
use anonlog::rewrite::{Options, Outcome, Rewriter, Worker};

/// Lines in the per-line benchmarks.
const LINES: usize = 10_000;

/// Size of the pipeline benchmark's input file.
const PIPELINE_BYTES: usize = 20_000_000;

fn rewriter() -> Rewriter {
    Rewriter::new(
        Options::default(),
        Pseudonymizer::new(&Key::from_bytes([7; 32])),
    )
}

fn sample_lines(seed: u64, n: usize) -> Vec<Vec<u8>> {
    let mut g = gen::Generator::new(seed);
    (0..n)
        .map(|_| {
            let mut l = Vec::with_capacity(320);
            g.line(&mut l);
            l
        })
        .collect()
}

fn lines(c: &mut Criterion) {
    let lines = sample_lines(1, LINES);
    let bytes: u64 = lines.iter().map(|l| l.len() as u64 + 1).sum();
    let rw = rewriter();

    let mut g = c.benchmark_group("lines");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("access_parse", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in &lines {
                if let Ok(rec) = access::parse(black_box(l)) {
                    n += rec.request.len();
                }
            }
            n
        })
    });
    bench_rewrite(&mut g, &rw, Format::Access, &lines);
    g.finish();
}

/// `rewrite_line` over `lines` with one warm worker, as a pipeline worker
/// runs them.
fn bench_rewrite(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rw: &Rewriter,
    format: Format,
    lines: &[Vec<u8>],
) {
    let mut w = Worker::default();
    let mut out = Vec::with_capacity(lines.iter().map(|l| l.len() * 2).sum());
    // Every line is understood: the benchmark measures the rewriting path,
    // not the fallback scrubber.
    for l in lines {
        out.clear();
        let o = rw
            .rewrite_line(&mut w, format, l, &mut None, &mut out)
            .outcome;
        assert_eq!(
            o,
            Outcome::Rewritten,
            "not understood: {}",
            String::from_utf8_lossy(l)
        );
    }
    g.bench_function("rewrite_line", |b| {
        b.iter(|| {
            out.clear();
            for l in lines {
                rw.rewrite_line(&mut w, format, black_box(l), &mut None, &mut out);
                out.push(b'\n');
            }
            out.len()
        })
    });
}

fn pipeline(c: &mut Criterion) {
    // The input file is written once; every run reads it from the page cache.
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    let mut gen = gen::Generator::new(2);
    let mut buf = Vec::with_capacity(PIPELINE_BYTES + 4096);
    let mut n_lines = 0u64;
    while buf.len() < PIPELINE_BYTES {
        gen.line(&mut buf);
        buf.push(b'\n');
        n_lines += 1;
    }
    file.write_all(&buf).expect("write temporary file");
    file.flush().expect("flush temporary file");
    let size = buf.len() as u64;
    drop(buf);
    let rw = rewriter();
    let config = |threads: usize, mmap: bool| RunConfig {
        inputs: vec![Input::Path(file.path().to_path_buf())],
        format: None,
        threads,
        mmap,
        ..RunConfig::default()
    };
    // Sanity: every line is read and rewritten, none falls back.
    let s = pipeline::run(&rw, &config(2, true), &mut std::io::sink(), &mut |_| {})
        .expect("pipeline run");
    assert_eq!(s.total.lines_read, n_lines);
    assert_eq!(s.total.lines_rewritten, n_lines);

    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(size));
    for (mode, mmap) in [("mmap", true), ("stream", false)] {
        for threads in [1, 2] {
            let cfg = config(threads, mmap);
            g.bench_with_input(BenchmarkId::new(mode, threads), &cfg, |b, cfg| {
                b.iter(|| {
                    pipeline::run(&rw, cfg, &mut std::io::sink(), &mut |_| {})
                        .expect("pipeline run")
                        .total
                        .bytes_out
                })
            });
        }
    }
    g.finish();
}

fn bbb(c: &mut Criterion) {
    let fixture = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/bbb.log"))
        .expect("testdata/bbb.log");
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for i in 0..700 {
        for l in fixture.lines() {
            let l = l
                .replace("109", &(1000 + i).to_string())
                .replace("192.0.2.", &format!("10.{}.{}.", i % 250, i % 7));
            lines.push(l.into_bytes());
        }
    }
    let bytes: u64 = lines.iter().map(|l| l.len() as u64 + 1).sum();
    let rw = rewriter();
    let mut g = c.benchmark_group("bbb");
    g.throughput(Throughput::Bytes(bytes));
    bench_rewrite(&mut g, &rw, Format::Bbb, &lines);
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = lines, pipeline, bbb
}
criterion_main!(benches);
