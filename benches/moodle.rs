//! Throughput benchmarks (criterion) over synthetic Moodle
//! `logstore_standard_log` exports from `gen/moodle.rs`.
//!
//! Owns two measurements, each reported twice: in bytes per second (group
//! `moodle`) and in rows per second (group `moodle_rows`, the same code
//! with `Throughput::Elements`):
//! - `rewrite_record/{postgres,mysql}`: [`Rewriter::rewrite_record`] over
//!   20 000 rows of a PostgreSQL `COPY ... CSV HEADER` export and of the same
//!   rows as MySQL `INTO OUTFILE`, with one warm [`Worker`], as a pipeline
//!   worker runs them (records cut by the schema's dialect beforehand);
//! - `pipeline/{1,2}`: [`pipeline::run`] with 1 and 2 threads over a
//!   temporary PostgreSQL export of 1 000 000 rows (about 170 MB; format
//!   detected as the command line does), memory-mapped, output to a sink.
//!   One run takes about a second, so these use flat sampling: 10 runs
//!   each. Under `cargo test --all-targets` (no `--bench` argument, every
//!   benchmark run once in a debug build) the file has 10 000 rows.
//!
//! Byte counts include the line terminators (and, for the pipeline, the
//! header), so the figures compare with file sizes divided by wall time.
//! Every row is checked to be rewritten (none scrubbed, no field redacted)
//! before it is timed. Run with `cargo bench --bench moodle`.

#[path = "gen/moodle.rs"]
mod gen_moodle;

use std::hint::black_box;
use std::io::Write;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode,
    Throughput,
};

use anonlog::format::moodle::Schema;
use anonlog::format::{Format, SAMPLE_LEN};
use anonlog::input::Input;
use anonlog::pipeline::{self, RunConfig};
use anonlog::pseudonym::{Key, Pseudonymizer};
use anonlog::rewrite::{Options, Outcome, Rewriter, Worker};

use gen_moodle::{Dialect, Generator};

/// Rows in the per-record benchmarks.
const ROWS: usize = 20_000;

/// Rows of the pipeline benchmark's input file.
const PIPELINE_ROWS: u64 = 1_000_000;

/// Rows of that file when the benchmarks only run once each as a smoke test
/// (`cargo test --all-targets`, a debug build, no `--bench` argument).
const SMOKE_ROWS: u64 = 10_000;

fn rewriter() -> Rewriter {
    Rewriter::new(
        Options::default(),
        Pseudonymizer::new(&Key::from_bytes([7; 32])),
    )
}

/// A generated export of `rows` rows, with a header when the dialect has one.
fn export(seed: u64, dialect: Dialect, rows: u64) -> Vec<u8> {
    let mut g = Generator::new(seed, dialect);
    let mut buf = Vec::with_capacity(rows as usize * 180 + 4096);
    if g.header(&mut buf) {
        buf.push(b'\n');
    }
    for _ in 0..rows {
        g.row(&mut buf);
        buf.push(b'\n');
    }
    buf
}

/// The rows of an export as the pipeline cuts them: the schema read from its
/// start, and each data record without its line terminator.
fn records(dialect: Dialect) -> (Schema, Vec<Vec<u8>>) {
    let data = export(1, dialect, ROWS as u64);
    let schema = Schema::from_sample(&data[..data.len().min(SAMPLE_LEN)], None)
        .expect("the generated export has a schema");
    let mut recs = Vec::with_capacity(ROWS);
    let mut pos = 0;
    while pos < data.len() {
        let n = schema
            .dialect
            .record_end(&data[pos..])
            .expect("every generated record ends with a line feed");
        recs.push(data[pos..pos + n - 1].to_vec());
        pos += n;
    }
    if schema.header {
        recs.remove(0);
    }
    assert_eq!(recs.len(), ROWS);
    (schema, recs)
}

/// Which throughput a group reports.
#[derive(Clone, Copy)]
enum Unit {
    Bytes,
    Rows,
}

impl Unit {
    fn group(self) -> &'static str {
        match self {
            Unit::Bytes => "moodle",
            Unit::Rows => "moodle_rows",
        }
    }

    fn throughput(self, bytes: u64, rows: u64) -> Throughput {
        match self {
            Unit::Bytes => Throughput::Bytes(bytes),
            Unit::Rows => Throughput::Elements(rows),
        }
    }
}

/// `rewrite_record` over `recs` with one warm worker.
fn bench_records(
    g: &mut BenchmarkGroup<'_, WallTime>,
    rw: &Rewriter,
    name: &str,
    schema: &Schema,
    recs: &[Vec<u8>],
) {
    let mut w = Worker::default();
    let mut out = Vec::with_capacity(recs.iter().map(|r| r.len() * 2).sum());
    // Every row is understood: the benchmark measures the rewriting path,
    // not the redaction of unreadable fields.
    for r in recs {
        out.clear();
        let o = rw
            .rewrite_record(&mut w, schema, r, false, &mut None, &mut out)
            .outcome;
        assert_eq!(
            o,
            Outcome::Rewritten,
            "not rewritten: {}",
            String::from_utf8_lossy(r)
        );
    }
    g.bench_function(BenchmarkId::new("rewrite_record", name), |b| {
        b.iter(|| {
            out.clear();
            for r in recs {
                rw.rewrite_record(&mut w, schema, black_box(r), false, &mut None, &mut out);
                out.push(b'\n');
            }
            out.len()
        })
    });
}

fn per_record(c: &mut Criterion) {
    let rw = rewriter();
    let sets = [
        ("postgres", records(Dialect::Postgres)),
        ("mysql", records(Dialect::Mysql)),
    ];
    for unit in [Unit::Bytes, Unit::Rows] {
        let mut g = c.benchmark_group(unit.group());
        for (name, (schema, recs)) in &sets {
            let bytes: u64 = recs.iter().map(|r| r.len() as u64 + 1).sum();
            g.throughput(unit.throughput(bytes, recs.len() as u64));
            bench_records(&mut g, &rw, name, schema, recs);
        }
        g.finish();
    }
}

fn pipeline(c: &mut Criterion) {
    // The input file is written once; every run reads it from the page cache.
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    let rows = if std::env::args().any(|a| a == "--bench") {
        PIPELINE_ROWS
    } else {
        SMOKE_ROWS
    };
    let data = export(2, Dialect::Postgres, rows);
    file.write_all(&data).expect("write temporary file");
    file.flush().expect("flush temporary file");
    let size = data.len() as u64;
    drop(data);
    let rw = rewriter();
    let config = |threads: usize| RunConfig {
        inputs: vec![Input::Path(file.path().to_path_buf())],
        format: None,
        threads,
        mmap: true,
        ..RunConfig::default()
    };
    // Sanity: detected as a logstore export, every row read and rewritten.
    let s =
        pipeline::run(&rw, &config(2), &mut std::io::sink(), &mut |_| {}).expect("pipeline run");
    assert_eq!(s.inputs[0].format, Format::MoodleLogstore);
    assert_eq!(s.total.lines_header, 1);
    assert_eq!(s.total.lines_read, rows + 1);
    assert_eq!(s.total.lines_rewritten, rows);
    assert_eq!(s.total.fields_redacted, 0);
    eprintln!(
        "moodle/pipeline input: {rows} rows, {:.1} MB",
        size as f64 / 1e6
    );

    for unit in [Unit::Bytes, Unit::Rows] {
        let mut g = c.benchmark_group(unit.group());
        g.throughput(unit.throughput(size, rows));
        g.sampling_mode(SamplingMode::Flat);
        g.warm_up_time(Duration::from_millis(500));
        g.measurement_time(Duration::from_secs(5));
        for threads in [1, 2] {
            let cfg = config(threads);
            g.bench_with_input(BenchmarkId::new("pipeline", threads), &cfg, |b, cfg| {
                b.iter(|| {
                    pipeline::run(&rw, cfg, &mut std::io::sink(), &mut |_| {})
                        .expect("pipeline run")
                        .total
                        .bytes_out
                })
            });
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = per_record, pipeline
}
criterion_main!(benches);
