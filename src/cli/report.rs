//! `anonlog report`: the HTML report of a statistics release that
//! `anonlog stats --out DIR` wrote (reading and drawing are
//! [`anonlog::report`]).

use std::path::PathBuf;

use clap::Args;

use anonlog::error::{Error, EXIT_OK};

/// Extra help text.
pub const HELP: &str = "\
Reads STATS_DIR/stats.csv and STATS_DIR/metadata.json and writes one HTML
file: an overview (windows, inputs, K, epsilon and delta, suppression) and
per dimension a chart and its table. The file has no script and refers to
nothing outside itself; suppressed cells are drawn hatched, never as zero.

Examples:
  anonlog report stats/ -o report.html
  anonlog stats --out stats/ --html report.html access.anon.log

Exit status:
  0  report written
  2  a file is missing or not what anonlog stats writes (the error names
     the file and line), or the report cannot be written";

/// The options of `anonlog report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A directory written by `anonlog stats --out`.
    #[arg(value_name = "STATS_DIR")]
    dir: PathBuf,
    /// The HTML file to write (replaced atomically).
    #[arg(short = 'o', long, value_name = "FILE")]
    output: PathBuf,
}

/// Runs `anonlog report`.
pub fn run(a: &ReportArgs) -> Result<u8, Error> {
    let release = anonlog::report::read_dir(&a.dir)?;
    anonlog::report::write(&release, &a.output)?;
    Ok(EXIT_OK)
}
