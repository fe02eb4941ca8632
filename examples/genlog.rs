//! `genlog`: writes a synthetic Moodle access log to standard output.
//!
//! Owns only the command line around the shared generator in
//! `benches/gen/` (the same lines the criterion benches use). Used by
//! `benches/compare.sh` to make large inputs and by `fuzz/seed.sh` for seed
//! lines. The same arguments always give the same bytes.
//!
//! ```text
//! cargo run --release --example genlog -- --bytes 1000000000 --seed 1 > big.log
//! cargo run --release --example genlog -- --lines 200 --seed 7 > few.log
//! ```
//!
//! `--bytes N` stops before the file would exceed N bytes; `--lines N` writes
//! N lines. With both, whichever limit comes first wins. `--roster N`
//! writes, instead of a log, a roster of N people for `--roster` (user ids
//! 2 to N+1, the ids of the log's users):
//!
//! ```text
//! cargo run --release --example genlog -- --roster 100000 --seed 1 > roster.csv
//! ```

#[path = "../benches/gen/mod.rs"]
mod gen;

use std::io::{self, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: genlog [--bytes N] [--lines N] [--seed S] | --roster N [--seed S]";

fn main() -> ExitCode {
    let mut bytes = u64::MAX;
    let mut lines = u64::MAX;
    let mut seed = 1u64;
    let mut people = u64::MAX;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let target = match a.as_str() {
            "--bytes" => &mut bytes,
            "--lines" => &mut lines,
            "--seed" => &mut seed,
            "--roster" => &mut people,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("genlog: unknown argument {a:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        match args.next().and_then(|v| v.replace('_', "").parse().ok()) {
            Some(v) => *target = v,
            None => {
                eprintln!("genlog: {a} needs a non-negative integer\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    if people != u64::MAX {
        let mut out = io::BufWriter::new(io::stdout().lock());
        return match gen::roster(people, seed, &mut out).and_then(|()| out.flush()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("genlog: {e}");
                ExitCode::from(1)
            }
        };
    }
    if bytes == u64::MAX && lines == u64::MAX {
        eprintln!("genlog: give --bytes or --lines\n{USAGE}");
        return ExitCode::from(2);
    }
    match write_log(bytes, lines, seed) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops early (`| head`) is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("genlog: {e}");
            ExitCode::from(1)
        }
    }
}

fn write_log(bytes: u64, lines: u64, seed: u64) -> io::Result<()> {
    let mut g = gen::Generator::new(seed);
    let mut out = io::BufWriter::with_capacity(1 << 20, io::stdout().lock());
    let mut line = Vec::with_capacity(1024);
    let mut written = 0u64;
    let mut n = 0u64;
    while n < lines {
        line.clear();
        g.line(&mut line);
        line.push(b'\n');
        if written + line.len() as u64 > bytes {
            break;
        }
        out.write_all(&line)?;
        written += line.len() as u64;
        n += 1;
    }
    out.flush()
}
