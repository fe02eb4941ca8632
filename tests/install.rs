//! Installing like a system tool: `--version`, the man pages and the shell
//! completions.

use std::process::Command as Process;

use crate::util::anonlog;

/// `anonlog --version` names the version, the commit it was built from
/// and the enabled features, in one line.
#[test]
fn version_names_commit_and_features() {
    let out = anonlog().arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let prefix = concat!("anonlog ", env!("CARGO_PKG_VERSION"), " (commit ");
    let rest = text
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("unexpected --version: {text:?}"));
    let (commit, rest) = rest.split_once(", features: ").unwrap();
    let features = rest.strip_suffix(")\n").unwrap();
    assert!(
        commit == "unknown" || (commit.len() >= 4 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "commit {commit:?}"
    );
    assert!(
        features == "none"
            || features.split(", ").all(|f| !f.is_empty()
                && f.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')),
        "features {features:?}"
    );
    // Built from this checkout: the commit is HEAD's.
    let head = Process::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Ok(h) = head {
        if h.status.success() && std::env::var_os("ANONLOG_COMMIT").is_none() {
            assert_eq!(commit, String::from_utf8(h.stdout).unwrap().trim());
        }
    }
}

/// The subcommands `anonlog ... --help` lists, recursively, as page names
/// (`anonlog-key-init`): read from the help text, not from the code that
/// writes the pages.
fn commands_in_help(path: &[&str], out: &mut Vec<String>) {
    let o = anonlog().args(path).arg("--help").output().unwrap();
    let help = String::from_utf8(o.stdout).unwrap();
    out.push(
        std::iter::once("anonlog")
            .chain(path.iter().copied())
            .collect::<Vec<_>>()
            .join("-"),
    );
    let Some(list) = help.split("\nCommands:\n").nth(1) else {
        return;
    };
    for line in list.lines() {
        if !line.starts_with("  ") {
            break;
        }
        if line.starts_with("   ") {
            continue; // a description's continuation
        }
        let name = line.split_whitespace().next().unwrap();
        if name == "help" {
            continue;
        }
        let mut sub = path.to_vec();
        sub.push(name);
        commands_in_help(&sub, out);
    }
}

fn write_pages() -> (tempfile::TempDir, Vec<std::path::PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let out = anonlog()
        .arg("man")
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    (dir, pages)
}

fn have(tool: &str) -> bool {
    Process::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Every subcommand `--help` lists has a page, and no other page is
/// written (the hidden `man` has none).
#[test]
fn every_subcommand_has_a_page() {
    let mut expected = Vec::new();
    commands_in_help(&[], &mut expected);
    assert!(
        expected.contains(&"anonlog-key-init".to_string()),
        "{expected:?}"
    );
    expected.sort();
    let (_dir, pages) = write_pages();
    let mut got: Vec<String> = pages
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .strip_suffix(".1")
                .unwrap()
                .to_string()
        })
        .collect();
    got.sort();
    assert_eq!(got, expected);
}

/// Each page renders with `man` without a single warning, and has the
/// sections clap has no field for.
#[test]
fn man_renders_every_page_without_warnings() {
    let (_dir, pages) = write_pages();
    let (tool, args): (&str, &[&str]) = if have("man") {
        ("man", &["--warnings", "-l"])
    } else if have("groff") {
        ("groff", &["-ww", "-man", "-Tutf8"])
    } else {
        crate::util::server_unavailable("man", "neither man nor groff is installed");
        return;
    };
    for p in &pages {
        let text = std::fs::read_to_string(p).unwrap();
        for section in [
            "NAME",
            "SYNOPSIS",
            "\"EXIT STATUS\"",
            "ENVIRONMENT",
            "FILES",
        ] {
            assert!(
                text.contains(&format!(".SH {section}\n")),
                "{}: no {section}",
                p.display()
            );
        }
        let out = Process::new(tool)
            .args(args)
            .arg(p)
            .env("MANWIDTH", "80")
            .env("MAN_KEEP_FORMATTING", "0")
            .output()
            .unwrap();
        assert!(out.status.success(), "{tool} {}", p.display());
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "",
            "{tool} {}",
            p.display()
        );
        assert!(!out.stdout.is_empty());
    }
}

/// rotate's page carries the exit statuses of `anonlog rotate --help`.
#[test]
fn rotate_page_has_the_exit_statuses_of_its_help() {
    let (dir, _) = write_pages();
    let text = std::fs::read_to_string(dir.path().join("anonlog-rotate.1")).unwrap();
    let exit = text.split(".SH \"EXIT STATUS\"\n").nth(1).unwrap();
    let exit = exit.split("\n.SH ").next().unwrap();
    assert!(
        exit.starts_with(".TP\n\\fB0\\fR\ndone (or, with \\-\\-check, every promise holds)\n.TP\n\\fB1\\fR\n\\-\\-check found violations\n"),
        "{exit}"
    );
    assert!(text.contains("\\fBANONLOG_CONFIG\\fR\n"), "{text}");
}

/// The completions of each shell parse in that shell.
#[test]
fn completions_parse_in_their_shells() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, check) in [
        ("bash", &["bash", "-n"][..]),
        ("zsh", &["zsh", "-n"][..]),
        ("fish", &["fish", "--no-execute"][..]),
    ] {
        let out = anonlog().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("rotate") && text.contains("dry-run"),
            "{shell}: {text}"
        );
        let file = dir.path().join(format!("anonlog.{shell}"));
        std::fs::write(&file, &text).unwrap();
        if !have(check[0]) {
            crate::util::server_unavailable(check[0], "the shell is not installed");
            continue;
        }
        let run = Process::new(check[0])
            .args(&check[1..])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            run.status.success() && run.stderr.is_empty(),
            "{shell}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    for shell in ["elvish", "powershell"] {
        let out = anonlog().args(["completions", shell]).output().unwrap();
        assert!(out.status.success() && !out.stdout.is_empty(), "{shell}");
    }
}

/// An unknown shell is a usage error.
#[test]
fn completions_refuse_an_unknown_shell() {
    anonlog().args(["completions", "tcsh"]).assert().code(2);
}

/// A small access log (about 90 KB).
fn access_log(w: &crate::util::Work) -> std::path::PathBuf {
    let mut log = String::new();
    for i in 0..1000 {
        log.push_str(&format!(
            "10.1.2.{} - alice [10/Oct/2023:13:55:36 +0000] \"GET /course/view.php?id={i} HTTP/1.1\" 200 2326\n",
            i % 250
        ));
    }
    w.write("access.log", log.as_bytes())
}

/// What a drawn bar leaves on standard error.
fn has_bar(stderr: &[u8]) -> bool {
    let s = String::from_utf8_lossy(stderr);
    s.contains("ETA") || s.contains('\r')
}

/// Standard error that is not a terminal never gets a bar, however small
/// the threshold; forcing it shows one (so the check above can see one).
#[test]
fn progress_never_when_stderr_is_not_a_terminal() {
    let w = crate::util::Work::new();
    let log = access_log(&w);
    let run = |env: (&str, &str)| {
        let out = anonlog()
            .args(["anonymize", "-k"])
            .arg(w.key())
            .arg(&log)
            .arg("-o")
            .arg(w.path("out.log"))
            .env_remove("ANONLOG_PROGRESS")
            .env(env.0, env.1)
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stderr
    };
    let plain = run(("ANONLOG_PROGRESS_MIN", "0"));
    assert!(!has_bar(&plain), "{}", String::from_utf8_lossy(&plain));
    assert!(
        String::from_utf8_lossy(&plain).starts_with("anonlog: 1000 lines"),
        "{}",
        String::from_utf8_lossy(&plain)
    );
    let forced = run(("ANONLOG_PROGRESS", "force"));
    assert!(has_bar(&forced), "{}", String::from_utf8_lossy(&forced));
}

/// Runs `args` under `script`, so that standard error is a terminal, and
/// returns what the terminal showed; `None` (after saying so) without
/// `script`.
fn on_a_terminal(args: &str, min: &str) -> Option<String> {
    if !have("script") {
        crate::util::server_unavailable("script", "util-linux's script is not installed");
        return None;
    }
    let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_anonlog"));
    let out = Process::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("ANONLOG_PROGRESS_MIN", min)
        .env_remove("ANONLOG_PROGRESS")
        .env_remove("ANONLOG_KEY_FILE")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{cmd}: {shown}");
    Some(shown)
}

/// On a terminal the bar shows bytes, rate and time left once the input
/// reaches ANONLOG_PROGRESS_MIN, and never with -q or below it.
#[test]
fn progress_on_a_terminal_above_the_threshold_unless_quiet() {
    let w = crate::util::Work::new();
    let log = access_log(&w);
    let anonymize = format!(
        "anonymize -k {} {} -o {}",
        w.key().display(),
        log.display(),
        w.path("out.log").display()
    );
    let Some(shown) = on_a_terminal(&anonymize, "0") else {
        return;
    };
    assert!(shown.contains("ETA") && shown.contains("KiB"), "{shown:?}");
    let quiet = on_a_terminal(&format!("{anonymize} -q"), "0").unwrap();
    assert!(!quiet.contains("ETA"), "{quiet:?}");
    let small = on_a_terminal(&anonymize, "1000000").unwrap();
    assert!(!small.contains("ETA"), "{small:?}");
    let stats = format!(
        "stats --out {} {}",
        w.path("stats").display(),
        log.display()
    );
    let shown = on_a_terminal(&stats, "0").unwrap();
    assert!(shown.contains("ETA"), "{shown:?}");
}
