//! Documentation made from the clap definitions: `anonlog completions SHELL`
//! (shell completions, `clap_complete`) and the hidden `anonlog man --out
//! DIR`, which writes anonlog(1) and one page per subcommand
//! (`anonlog-rotate.1`, `anonlog-key-init.1`, …) with `clap_mangen`.
//!
//! The pages add what clap has no field for: EXIT STATUS, read from the
//! "Exit status:" block of each command's `after_help` text (so `--help`
//! and the page cannot disagree), ENVIRONMENT (every variable an argument
//! declares with `env`, and `ANONLOG_PROGRESS_MIN`), FILES and SEE ALSO. The
//! rest of `after_help` (examples, notes) becomes a NOTES section, kept as
//! written.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use clap_complete::Shell;
use clap_mangen::roff::{bold, italic, roman, Roff};
use clap_mangen::Man;

use anonlog::config;
use anonlog::error::{Error, EXIT_OK};

/// The options of `anonlog completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print completions for.
    #[arg(value_enum)]
    shell: Shell,
}

/// The options of the hidden `anonlog man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The directory to write the pages into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Where to install the completions, for the help text.
pub const COMPLETIONS_HELP: &str = "\
Examples:
  anonlog completions bash > /usr/share/bash-completion/completions/anonlog
  anonlog completions zsh > /usr/share/zsh/vendor-completions/_anonlog
  anonlog completions fish > /usr/share/fish/vendor_completions.d/anonlog.fish

Exit status:
  0  completions printed
  2  standard output could not be written";

/// The variable that sets the input size from which a terminal shows a
/// progress bar, documented with the variables clap declares.
const PROGRESS_ENV: (&str, &str) = (
    anonlog::progress::MIN_ENV,
    "The input size in bytes from which anonymize, stats and rotate show a \
     progress bar (bytes, rate, time left) on standard error when it is a \
     terminal and -q is not given; default 268435456 (256 MiB).",
);

/// The commands whose pages document [`PROGRESS_ENV`].
const PROGRESS_COMMANDS: &[&str] = &[
    "anonlog",
    "anonlog-anonymize",
    "anonlog-stats",
    "anonlog-rotate",
];

/// The files every page lists.
fn files() -> [(&'static str, &'static str); 2] {
    [
        (
            config::DEFAULT_PATH,
            "The config: retention sources, windows and actions for rotate, \
             and defaults for anonymize (read when it exists and no --config \
             is given). The package installs an example to adapt.",
        ),
        (
            "/var/lib/anonlog/keys",
            "The keyring directory the package creates (mode 0700, owned by \
             the anonlog system user); create its keys with anonlog key init \
             --key-dir /var/lib/anonlog/keys and name it with --key-dir or \
             ANONLOG_KEY_DIR.",
        ),
    ]
}

/// Statuses for commands whose help has no "Exit status:" block.
const DEFAULT_EXIT: &[(&str, &str)] = &[("0", "success"), ("2", "usage, key or I/O error")];

/// Prints the completions of the command tree `root` for `a.shell` on
/// standard output.
pub fn completions(a: &CompletionsArgs, mut root: clap::Command) -> Result<u8, Error> {
    let cmd = &mut root;
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, cmd, "anonlog", &mut buf);
    let mut out = std::io::stdout().lock();
    match out.write_all(&buf).and_then(|()| out.flush()) {
        Ok(()) => Ok(EXIT_OK),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(EXIT_OK),
        Err(e) => Err(Error::io("standard output", &e)),
    }
}

/// Writes every page of the command tree `root` into `a.out` and prints
/// their paths.
pub fn man(a: &ManArgs, root: clap::Command) -> Result<u8, Error> {
    std::fs::create_dir_all(&a.out).map_err(|e| Error::io(&a.out.display().to_string(), &e))?;
    for (name, text) in pages(root) {
        let p = a.out.join(format!("{name}.1"));
        std::fs::write(&p, text).map_err(|e| Error::io(&p.display().to_string(), &e))?;
        println!("{}", p.display());
    }
    Ok(EXIT_OK)
}

/// Every page: (name without the section, roff text), anonlog first.
pub fn pages(root: clap::Command) -> Vec<(String, String)> {
    let mut root = root.disable_help_subcommand(true);
    root.build();
    let version = root.get_version().unwrap_or_default().to_string();
    let mut out = Vec::new();
    collect(&root, &version, &mut out);
    out
}

/// The non-hidden commands of the tree below (and including) `cmd`.
fn commands(cmd: &clap::Command) -> Vec<&clap::Command> {
    let mut all = vec![cmd];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        all.extend(commands(sub));
    }
    all
}

fn collect(cmd: &clap::Command, version: &str, out: &mut Vec<(String, String)>) {
    out.push((display_name(cmd).to_string(), page(cmd, version)));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, version, out);
    }
}

fn display_name(cmd: &clap::Command) -> &str {
    cmd.get_display_name().unwrap_or_else(|| cmd.get_name())
}

/// One page: clap_mangen's sections, then NOTES, EXIT STATUS, ENVIRONMENT,
/// FILES and SEE ALSO.
fn page(cmd: &clap::Command, version: &str) -> String {
    let name = display_name(cmd).to_string();
    let source = format!("anonlog {}", env!("CARGO_PKG_VERSION"));
    // The after_help text goes into NOTES and EXIT STATUS below, not into
    // clap_mangen's EXTRA section.
    let bare = cmd
        .clone()
        .after_help(None::<&str>)
        .after_long_help(None::<&str>);
    let man = Man::new(bare).source(source).manual("anonlog manual");
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = man.render_title(&mut buf);
    let _ = man.render_name_section(&mut buf);
    let _ = man.render_synopsis_section(&mut buf);
    let _ = man.render_description_section(&mut buf);
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        let _ = man.render_options_section(&mut buf);
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        let _ = man.render_subcommands_section(&mut buf);
    }
    let help = cmd
        .get_after_help()
        .map(|h| h.to_string())
        .unwrap_or_default();
    let (rest, exit) = split_exit_status(&help);
    let mut roff = Roff::new();
    if !rest.trim().is_empty() {
        roff.control("SH", ["NOTES"]);
        notes(&mut roff, &rest);
    }
    exit_section(&mut roff, exit);
    environment_section(&mut roff, cmd, &name);
    roff.control("SH", ["FILES"]);
    for (path, what) in files() {
        roff.control("TP", [])
            .text([italic(path)])
            .text([roman(what)]);
    }
    see_also(&mut roff, cmd, &name);
    roff.control("SH", ["VERSION"]);
    roff.text([roman(format!("anonlog {version}"))]);
    let mut text = String::from_utf8(buf).unwrap_or_default();
    text.push_str(&roff.to_roff());
    ascii(&text)
}

/// `text` with every non-ASCII character written as a groff escape
/// (`\[u2014]`), so that the page renders the same with or without preconv.
fn ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", c as u32));
        }
    }
    out
}

/// The "Exit status" block of an after_help text.
#[derive(Debug, Default, PartialEq)]
struct ExitStatus {
    /// What the heading says after "Exit status" ("of anonymize (…)").
    intro: String,
    /// (status, meaning), in order.
    entries: Vec<(String, String)>,
}

/// Splits `help` into the text around its "Exit status" block and the
/// block: a heading line starting with "Exit status", then indented lines,
/// each `  STATUS  meaning` with the meaning continued on lines indented
/// further.
fn split_exit_status(help: &str) -> (String, Option<ExitStatus>) {
    let lines: Vec<&str> = help.lines().collect();
    let Some(start) = lines.iter().position(|l| {
        l.trim_start()
            .to_ascii_lowercase()
            .starts_with("exit status")
    }) else {
        return (help.to_string(), None);
    };
    let heading = lines[start].trim();
    let intro = heading["exit status".len()..]
        .trim()
        .trim_end_matches(':')
        .trim()
        .to_string();
    let mut status = ExitStatus {
        intro,
        entries: Vec::new(),
    };
    let mut end = start + 1;
    while end < lines.len() && lines[end].starts_with(' ') && !lines[end].trim().is_empty() {
        let line = lines[end];
        let t = line.trim_start();
        let indent = line.len() - t.len();
        match t.split_once("  ") {
            Some((code, meaning)) if indent <= 2 => {
                status
                    .entries
                    .push((code.to_string(), meaning.trim().to_string()));
            }
            _ => {
                if let Some(last) = status.entries.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(t.trim());
                }
            }
        }
        end += 1;
    }
    let mut rest: Vec<&str> = lines[..start].to_vec();
    rest.extend(&lines[end..]);
    while rest.last().is_some_and(|l| l.trim().is_empty()) {
        rest.pop();
    }
    (rest.join("\n"), Some(status))
}

fn exit_section(roff: &mut Roff, exit: Option<ExitStatus>) {
    roff.control("SH", ["EXIT STATUS"]);
    let entries: Vec<(String, String)> = match exit {
        Some(e) if !e.entries.is_empty() => {
            if !e.intro.is_empty() {
                roff.text([roman(format!("The exit status {}:", e.intro))]);
            }
            e.entries
        }
        _ => DEFAULT_EXIT
            .iter()
            .map(|(c, m)| (c.to_string(), m.to_string()))
            .collect(),
    };
    for (code, meaning) in entries {
        roff.control("TP", [])
            .text([bold(code)])
            .text([roman(meaning)]);
    }
}

/// The variables the arguments of `cmd` declare (of every command below it
/// on anonlog(1)), each once, with the first sentence of its argument's help.
fn environment_section(roff: &mut Roff, cmd: &clap::Command, name: &str) {
    let root = cmd.get_name() == "anonlog";
    let scope = if root { commands(cmd) } else { vec![cmd] };
    let mut vars: Vec<(String, String)> = Vec::new();
    for c in scope {
        for arg in c.get_arguments().filter(|a| !a.is_hide_set()) {
            let Some(var) = arg.get_env() else { continue };
            let var = var.to_string_lossy().into_owned();
            if vars.iter().any(|(v, _)| *v == var) {
                continue;
            }
            let long = arg.get_long().map(|l| format!("--{l}")).unwrap_or_default();
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let first = help.split(". ").next().unwrap_or("").trim_end_matches('.');
            // anonlog(1) names the command each variable belongs to.
            let of = match c.get_bin_name() {
                Some(bin) if root => format!("{} {long}", bin.trim_start_matches("anonlog ")),
                _ => long,
            };
            vars.push((var, format!("The default of {of}: {}.", lower_first(first))));
        }
    }
    if PROGRESS_COMMANDS.contains(&name) {
        vars.push((PROGRESS_ENV.0.to_string(), PROGRESS_ENV.1.to_string()));
    }
    roff.control("SH", ["ENVIRONMENT"]);
    if vars.is_empty() {
        roff.text([roman("No variable changes what this command does.")]);
    }
    for (var, what) in vars {
        roff.control("TP", []).text([bold(var)]).text([roman(what)]);
    }
}

/// `s` with its first letter in lower case, unless it starts an acronym.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(s[a.len_utf8()..].chars()).collect()
        }
        _ => s.to_string(),
    }
}

/// anonlog(1), the parent's page and the subcommands' pages.
fn see_also(roff: &mut Roff, cmd: &clap::Command, name: &str) {
    let mut refs: Vec<String> = Vec::new();
    if name != "anonlog" {
        refs.push("anonlog".to_string());
        if let Some((parent, _)) = name.rsplit_once('-') {
            if parent != "anonlog" {
                refs.push(parent.to_string());
            }
        }
    }
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        refs.push(display_name(sub).to_string());
    }
    if refs.is_empty() {
        return;
    }
    roff.control("SH", ["SEE ALSO"]);
    let mut inlines = Vec::new();
    for (i, r) in refs.iter().enumerate() {
        if i > 0 {
            inlines.push(roman(", "));
        }
        inlines.push(bold(r.as_str()));
        inlines.push(roman("(1)"));
    }
    roff.text(inlines);
}

/// `text` as paragraphs: runs of lines that start at the margin are filled,
/// runs of indented lines (examples, lists) are kept as written.
fn notes(roff: &mut Roff, text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            roff.control("PP", []);
            i += 1;
        } else if lines[i].starts_with(' ') {
            let end = (i..lines.len())
                .find(|&j| !lines[j].starts_with(' '))
                .unwrap_or(lines.len());
            let block = &lines[i..end];
            let indent = block
                .iter()
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            roff.control("RS", []).control("nf", []);
            for line in block {
                roff.text([roman(&line[indent..])]);
            }
            i = end;
            roff.control("fi", []).control("RE", []);
        } else {
            let mut para = Vec::new();
            while i < lines.len() && !lines[i].trim().is_empty() && !lines[i].starts_with(' ') {
                para.push(lines[i].trim());
                i += 1;
            }
            roff.text([roman(para.join(" "))]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The anonlog command tree.
    fn root() -> clap::Command {
        use clap::CommandFactory;
        super::super::Cli::command()
    }

    /// The names of the pages.
    fn names() -> Vec<String> {
        pages(root()).into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn exit_status_block_is_split_from_the_notes() {
        let help = "Examples:\n  anonlog x\n\nExit status:\n  0  fine\n  1  lost\n     lines\n  128+N  signal N\n\nAfter.";
        let (notes, exit) = split_exit_status(help);
        assert_eq!(notes, "Examples:\n  anonlog x\n\n\nAfter.");
        let exit = exit.unwrap();
        assert_eq!(exit.intro, "");
        assert_eq!(
            exit.entries,
            [
                ("0".to_string(), "fine".to_string()),
                ("1".to_string(), "lost lines".to_string()),
                ("128+N".to_string(), "signal N".to_string()),
            ]
        );
    }

    #[test]
    fn heading_text_is_kept_as_the_intro() {
        let (notes, exit) = split_exit_status("Exit status of x (each has its own):\n  0  ok");
        assert_eq!(notes, "");
        assert_eq!(exit.unwrap().intro, "of x (each has its own)");
    }

    #[test]
    fn nested_subcommands_get_dashed_names_and_man_is_hidden() {
        let names = names();
        assert_eq!(names[0], "anonlog");
        assert!(names.contains(&"anonlog-key-init".to_string()), "{names:?}");
        assert!(names.contains(&"anonlog-rotate".to_string()), "{names:?}");
        assert!(
            !names
                .iter()
                .any(|n| n == "anonlog-man" || n.ends_with("-help")),
            "{names:?}"
        );
    }

    #[test]
    fn rotate_page_has_its_exit_statuses_and_environment() {
        let (_, text) = pages(root())
            .into_iter()
            .find(|(n, _)| n == "anonlog-rotate")
            .unwrap();
        assert!(text.contains(".SH \"EXIT STATUS\""), "{text}");
        assert!(text.contains("\\-\\-check found violations"), "{text}");
        assert!(text.contains("ANONLOG_CONFIG"), "{text}");
        assert!(text.contains("ANONLOG_PROGRESS_MIN"), "{text}");
        assert!(text.contains("/var/lib/anonlog/keys"), "{text}");
    }
}
