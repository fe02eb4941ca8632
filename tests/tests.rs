//! Integration tests: one binary that drives the real `anonlog` command.

mod util;

mod adversarial_corpus;
mod anonymize;
mod bbb;
mod check;
mod cli;
mod corpus;
mod dated;
mod db;
mod deploy;
mod faults;
mod formats;
mod install;
mod keyring;
mod listen;
mod logformat;
mod moodle;
mod package;
mod paths;
mod piped;
mod report;
mod roster;
mod rotate;
mod stats;
mod stats_attack;
mod structure;
