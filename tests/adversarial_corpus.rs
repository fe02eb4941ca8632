//! The adversarial corpus (`tests/adversarial/*.jsonl`): lines written from
//! the shapes that Moodle's and BigBlueButton's code really logs (each with
//! its source), with personal values planted where lists of known names miss
//! them. Every planted value must be gone from the output, every value a log
//! analyser needs must still be there, and each line must stay a line of
//! its format.
//!
//! See tests/adversarial/README.md for the file format.

use anonlog::check::{Checker, RawChecker};
use anonlog::format::{self, Format};
use anonlog::input::Framing;
use anonlog::pipeline::{self, RunConfig};
use anonlog::pseudonym::{Key, Pseudonymizer};
use anonlog::rewrite::policy::Policy;
use anonlog::rewrite::{Options, Outcome, Rewriter, Worker};

#[derive(serde::Deserialize)]
struct Fixture {
    class: String,
    format: String,
    input: String,
    must_not_survive: Vec<String>,
    must_survive: Vec<String>,
    source: String,
}

fn fixtures() -> Vec<(String, usize, Fixture)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/adversarial");
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        for (n, line) in std::fs::read_to_string(&f).unwrap().lines().enumerate() {
            let fx: Fixture =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}:{}: {e}", n + 1));
            out.push((name.clone(), n + 1, fx));
        }
    }
    out
}

fn rewriter() -> Rewriter {
    Rewriter::new(
        Options::default(),
        Pseudonymizer::new(&Key::from_bytes([11; 32])),
    )
}

/// Does `out` still hold `v`: a number as a whole number, anything else
/// as text in any ASCII case?
fn survives(out: &str, v: &str) -> bool {
    if v.bytes().all(|b| b.is_ascii_digit()) {
        let b = out.as_bytes();
        out.match_indices(v).any(|(p, _)| {
            let before = p.checked_sub(1).map(|i| b[i]);
            let after = b.get(p + v.len()).copied();
            !before.is_some_and(|c| c.is_ascii_alphanumeric())
                && !after.is_some_and(|c| c.is_ascii_alphanumeric())
        })
    } else {
        out.to_lowercase().contains(&v.to_lowercase())
    }
}

/// The anonymized form of a fixture, and whether each line was understood
/// as it was before.
fn anonymize(rw: &Rewriter, fx: &Fixture) -> (String, Vec<String>) {
    let mut problems = Vec::new();
    let out = match fx.format.as_str() {
        "moodle-logstore" => {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("in.csv");
            std::fs::write(&p, &fx.input).unwrap();
            let cfg = RunConfig {
                inputs: vec![anonlog::input::Input::Path(p)],
                format: Some(Format::MoodleLogstore),
                ..RunConfig::default()
            };
            let mut out = Vec::new();
            let s = pipeline::run(rw, &cfg, &mut out, &mut |_| {}).unwrap();
            if s.total.lines_rewritten + s.total.lines_header != s.total.lines_read {
                problems.push(format!("not every row was rewritten: {:?}", s.total));
            }
            String::from_utf8_lossy(&out).into_owned()
        }
        f => {
            let format = match f {
                "access" => Format::Access,
                "bbb" => Format::Bbb,
                "generic" => Format::Generic,
                other => panic!("unknown format {other}"),
            };
            let mut out = Vec::new();
            let p = rw.rewrite_line(
                &mut Worker::default(),
                format,
                fx.input.as_bytes(),
                &mut None,
                &mut out,
            );
            let before = format::parse_line(format, fx.input.as_bytes()).is_ok();
            let after = format::parse_line(format, &out).is_ok();
            if before && !after {
                problems.push("the output is no longer a line of its format".into());
            }
            if before && p.outcome != Outcome::Rewritten {
                problems.push(format!("parsed but not rewritten: {:?}", p.outcome));
            }
            String::from_utf8_lossy(&out).into_owned()
        }
    };
    (out, problems)
}

#[test]
fn no_planted_value_survives_and_what_analysers_need_stays() {
    let rw = rewriter();
    let mut failures = Vec::new();
    let all = fixtures();
    assert!(all.len() >= 150, "the corpus has {} fixtures", all.len());
    for (file, line, fx) in &all {
        assert!(!fx.source.is_empty(), "{file}:{line}: no source");
        let (out, problems) = anonymize(&rw, fx);
        let mut why: Vec<String> = problems;
        for v in &fx.must_not_survive {
            if survives(&out, v) {
                why.push(format!("{v:?} survives"));
            }
        }
        for v in &fx.must_survive {
            if !out.contains(v.as_str()) {
                why.push(format!("{v:?} is lost"));
            }
        }
        if !why.is_empty() {
            failures.push(format!(
                "{file}:{line} [{}]: {}\n    out: {out}",
                fx.class,
                why.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures fail:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

/// The raw file's values as the independent checker collects them, and
/// the framing of the fixture's format.
fn raw_checker(fx: &Fixture) -> (RawChecker, Framing) {
    let format = (fx.format == "moodle-logstore").then_some(Format::MoodleLogstore);
    let (_, schema) = format::detect_with_schema(fx.input.as_bytes(), format);
    let framing = schema.map_or(Framing::Lines, |s| Framing::Csv(s.dialect));
    let rc = RawChecker::collect(fx.input.as_bytes(), format, &Options::default());
    (rc, framing)
}

/// `check --raw` agrees with the rewriter on every fixture (nothing it
/// identifies in the raw line is in the output), and it sees what the plain
/// check cannot: on raw lines that the plain check passes, it still finds
/// the planted values.
#[test]
fn the_raw_check_passes_every_output_and_sees_what_the_plain_check_misses() {
    let rw = rewriter();
    let plain = Checker {
        values: Some(std::sync::Arc::new(Policy::default())),
        ..Checker::default()
    };
    let mut failures = Vec::new();
    let mut missed_by_plain = 0;
    let all = fixtures();
    for (file, line, fx) in &all {
        let (out, _) = anonymize(&rw, fx);
        let (rc, framing) = raw_checker(fx);
        let found = rc.check(out.as_bytes(), framing);
        if !found.is_empty() {
            let what: Vec<_> = found.iter().map(|(_, f)| f.text.clone()).collect();
            failures.push(format!("{file}:{line}: {what:?} in {out}"));
        }
        // The raw line itself, read as if it were output.
        let input = fx.input.as_bytes();
        if plain.check_bytes(input).is_empty() && !rc.check(input, framing).is_empty() {
            missed_by_plain += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "{missed_by_plain} of {} raw fixtures pass the plain check and fail check --raw",
        all.len()
    );
    // 17 when this was written: the raw lines whose planted values stand
    // where no rule of the plain check looks.
    assert!(missed_by_plain >= 15, "only {missed_by_plain}");
}
