//! Throughput of `anonlog stats` (criterion, bytes per second): counting a
//! ~20 MB synthetic Moodle access log from `gen/` into a [`State`] with 1 and
//! 2 threads, and turning the state into published tables.
//!
//! The 1 GB figure in the README comes from `anonlog stats` on the log that
//! `benches/compare.sh` generates. Run with `cargo bench --bench stats`.

mod gen;

use std::io::Write;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use anonlog::input::Input;
use anonlog::pseudonym::Key;
use anonlog::stats::{self, privacy, ReadConfig, State, UserHasher};

const BYTES: usize = 20_000_000;

fn stats(c: &mut Criterion) {
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    let mut g = gen::Generator::new(3);
    let mut buf = Vec::with_capacity(BYTES + 4096);
    let mut lines = 0u64;
    while buf.len() < BYTES {
        g.line(&mut buf);
        buf.push(b'\n');
        lines += 1;
    }
    file.write_all(&buf).expect("write temporary file");
    file.flush().expect("flush temporary file");
    let size = buf.len() as u64;
    drop(buf);
    let hasher = UserHasher::new(&Key::from_bytes([3; 32]));
    let input = Input::Path(file.path().to_path_buf());
    let count = |threads: usize| {
        let mut s = State::new(7 * 86_400);
        let cfg = ReadConfig {
            format: None,
            threads,
            block_size: 1 << 20,
            layout: None,
            trailing_user: false,
        };
        s.add_input(&input, &cfg, &hasher).expect("read");
        s
    };
    // Sanity: every line is counted.
    let s = count(2);
    assert_eq!(s.inputs[0].records, lines);

    let mut grp = c.benchmark_group("stats");
    grp.throughput(Throughput::Bytes(size));
    grp.sample_size(10);
    grp.measurement_time(Duration::from_secs(8));
    for threads in [1, 2] {
        grp.bench_with_input(BenchmarkId::new("count", threads), &threads, |b, &t| {
            b.iter(|| count(t).cells.values().map(|t| t.len()).sum::<usize>())
        });
    }
    grp.bench_function("tables", |b| {
        b.iter(|| {
            stats::tables(std::slice::from_ref(&s), &privacy::Options::default())
                .0
                .len()
        })
    });
    grp.finish();
}

criterion_group!(benches, stats);
criterion_main!(benches);
