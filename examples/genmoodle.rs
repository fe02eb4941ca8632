//! `genmoodle`: writes a synthetic Moodle `logstore_standard_log` export to
//! standard output.
//!
//! Owns only the command line around the shared generator in
//! `benches/gen/moodle.rs` (the same rows the `moodle` criterion bench uses).
//! Used by `benches/compare-moodle.sh` to make large inputs. The same
//! arguments always give the same bytes.
//!
//! ```text
//! cargo run --release --example genmoodle -- --rows 1000000 --seed 1 > logstore.csv
//! cargo run --release --example genmoodle -- --rows 200 --dialect mysql > logstore.tsv
//! ```
//!
//! `--dialect postgres` (the default) writes PostgreSQL `COPY ... CSV
//! HEADER`; `--dialect mysql` writes MySQL `SELECT ... INTO OUTFILE`
//! (tab-separated, `\N`, backslash escapes, no header). `--rows N` writes N
//! rows (the header not counted); `--bytes N` stops before the file would
//! exceed N bytes. With both, whichever limit comes first wins.

#[path = "../benches/gen/moodle.rs"]
mod moodle;

use std::io::{self, Write};
use std::process::ExitCode;

use moodle::Dialect;

const USAGE: &str = "usage: genmoodle [--rows N] [--bytes N] [--seed S] [--dialect postgres|mysql]";

fn main() -> ExitCode {
    let mut bytes = u64::MAX;
    let mut rows = u64::MAX;
    let mut seed = 1u64;
    let mut dialect = Dialect::Postgres;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let target = match a.as_str() {
            "--bytes" => &mut bytes,
            "--rows" => &mut rows,
            "--seed" => &mut seed,
            "--dialect" => {
                dialect = match args.next().as_deref() {
                    Some("postgres") => Dialect::Postgres,
                    Some("mysql") => Dialect::Mysql,
                    _ => {
                        eprintln!("genmoodle: --dialect needs postgres or mysql\n{USAGE}");
                        return ExitCode::from(2);
                    }
                };
                continue;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("genmoodle: unknown argument {a:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        match args.next().and_then(|v| v.replace('_', "").parse().ok()) {
            Some(v) => *target = v,
            None => {
                eprintln!("genmoodle: {a} needs a non-negative integer\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    if bytes == u64::MAX && rows == u64::MAX {
        eprintln!("genmoodle: give --rows or --bytes\n{USAGE}");
        return ExitCode::from(2);
    }
    match write_export(bytes, rows, seed, dialect) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops early (`| head`) is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("genmoodle: {e}");
            ExitCode::from(1)
        }
    }
}

fn write_export(bytes: u64, rows: u64, seed: u64, dialect: Dialect) -> io::Result<()> {
    let mut g = moodle::Generator::new(seed, dialect);
    let mut out = io::BufWriter::with_capacity(1 << 20, io::stdout().lock());
    let mut rec = Vec::with_capacity(1024);
    let mut written = 0u64;
    if g.header(&mut rec) {
        rec.push(b'\n');
        if rec.len() as u64 > bytes {
            return out.flush();
        }
        out.write_all(&rec)?;
        written += rec.len() as u64;
    }
    let mut n = 0u64;
    while n < rows {
        rec.clear();
        g.row(&mut rec);
        rec.push(b'\n');
        if written + rec.len() as u64 > bytes {
            break;
        }
        out.write_all(&rec)?;
        written += rec.len() as u64;
        n += 1;
    }
    out.flush()
}
