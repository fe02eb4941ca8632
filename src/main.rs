//! The `anonlog` binary: parse arguments, run, map the result to an exit
//! status. Everything else lives in the library and in `cli`.

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    cli::Cli::parse().run()
}
