//! `anonlog report` and `anonlog stats --html` / `--partition`: the page's
//! exact structure on a small fixture, every number in it read back and
//! compared with stats.csv, no withheld value and no outside reference in
//! it, the page opened in a real browser, and README's loading examples run
//! as written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::util::{anonlog, server_unavailable, Work};

const HEAD: &str = "window_start,window_end,dimension,value,events,users,participants,minutes,peak_concurrency,suppressed\n";
const W: &str = "2026-03-30T00:00:00Z,2026-04-06T00:00:00Z";

/// A release directory written by hand: a few rows and the metadata.
fn fixture(w: &Work, rows: &str) -> PathBuf {
    let dir = w.path("stats");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("stats.csv"), format!("{HEAD}{rows}")).unwrap();
    let meta = r#"{
  "anonlog_version": "0.1.0",
  "window_lengths_seconds": [604800],
  "window_alignment": "from Monday 1970-01-05 00:00 UTC, like key epochs",
  "time_zone": "UTC",
  "min_users": 5,
  "epsilon": null,
  "delta": null,
  "inputs": [{"input": "access <1>.log", "format": "access", "records": 40, "skipped": 1, "identified": 38}],
  "privacy": {"tables": 3, "cells": 6, "published": 4, "suppressed_primary": 1, "suppressed_complementary": 1,
              "zero_rows": 0, "audit": {"sensitive_cells": 1, "suppressed_by_audit": 0, "unprotected": 0, "linear_programs": 2}},
  "not_protected": "Only the tables of this run."
}"#;
    std::fs::write(dir.join("metadata.json"), meta).unwrap();
    dir
}

fn report(dir: &Path, out: &Path) -> std::process::Output {
    anonlog()
        .arg("report")
        .arg(dir)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

/// The value of attribute `name` in the tag text `tag` (unescaped).
fn attr(tag: &str, name: &str) -> Option<String> {
    let pat = format!(" {name}=\"");
    let i = tag.find(&pat)? + pat.len();
    let j = tag[i..].find('"')? + i;
    Some(unescape(&tag[i..j]))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A drawn row: the element's tag name, its key, and (column, text) of
/// each number in it.
type Drawn = (String, String, Vec<(String, String)>);

/// Every element with `data-key` (a table row or a chart's bar or cell):
/// its tag name, key and the `data-col` texts inside it, in page order.
fn drawn(page: &str) -> Vec<Drawn> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = page[at..].find(" data-key=\"") {
        let start = page[..at + i].rfind('<').unwrap();
        let tag_end = page[start..].find('>').unwrap() + start;
        let tag = &page[start..=tag_end];
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let close = format!("</{name}>");
        let end = page[tag_end..].find(&close).unwrap() + tag_end;
        let inner = &page[tag_end..end];
        let mut cols = Vec::new();
        let mut k = 0;
        while let Some(c) = inner[k..].find(" data-col=\"") {
            let c = c + k;
            let tstart = inner[..c].rfind('<').unwrap();
            let tend = inner[c..].find('>').unwrap() + c;
            let text_end = inner[tend..].find('<').unwrap() + tend;
            cols.push((
                attr(&inner[tstart..=tend], "data-col").unwrap(),
                unescape(&inner[tend + 1..text_end]),
            ));
            k = text_end;
        }
        out.push((name, attr(tag, "data-key").unwrap(), cols));
        at = end;
    }
    out
}

/// The page's outline: headings (h2, h3 by id) and table rows with their
/// cells, one line each.
fn outline(page: &str) -> String {
    let mut lines = Vec::new();
    for (i, _) in page.match_indices('<') {
        let rest = &page[i..];
        if rest.starts_with("<h2 ") || rest.starts_with("<h3 ") {
            let tag = &rest[..rest.find('>').unwrap() + 1];
            lines.push(format!("{} #{}", &rest[1..3], attr(tag, "id").unwrap()));
        }
    }
    let mut out = lines.join("\n");
    for (name, key, cols) in drawn(page) {
        let cols: Vec<String> = cols.iter().map(|(c, v)| format!("{c}={v}")).collect();
        out += &format!("\n{name} {key} {}", cols.join(" "));
    }
    out
}

#[test]
fn exact_structure_of_a_small_release() {
    let w = Work::new();
    let dir = fixture(
        &w,
        &format!(
            "{W},total,all,40,12,,,,false\n\
             {W},course,5,25,9,,,,false\n\
             {W},course,(none),15,6,,,,false\n\
             {W},hour,09,,,,,,true\n\
             {W},hour,10,33,10,,,,false\n\
             {W},ua_family,\"<b>Fire\"\"fox</b>\",40,12,,,,false\n"
        ),
    );
    let out = w.path("r.html");
    let o = report(&dir, &out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let page = std::fs::read_to_string(&out).unwrap();
    let k = |d: &str, v: &str| format!("2026-03-30T00:00:00Z|2026-04-06T00:00:00Z|{d}|{v}");
    let want = [
        "h2 #overview-h".to_string(),
        "h2 #time-h".into(),
        "h3 #dim-total".into(),
        "h2 #courses-h".into(),
        "h3 #dim-course".into(),
        "h2 #activities-h".into(),
        "h2 #events-h".into(),
        "h2 #hours-h".into(),
        "h3 #dim-hour".into(),
        "h2 #status-h".into(),
        "h2 #clients-h".into(),
        "h3 #dim-ua_family".into(),
        "h2 #bbb-h".into(),
        format!("g {} events=40 users=12", k("total", "all")),
        format!("tr {} events=40 users=12", k("total", "all")),
        format!("g {} events=25 users=9", k("course", "5")),
        format!("g {} events=15 users=6", k("course", "(none)")),
        format!("tr {} events=25 users=9", k("course", "5")),
        format!("tr {} events=15 users=6", k("course", "(none)")),
        format!("g {} events=suppressed users=suppressed", k("hour", "09")),
        format!("g {} events=33 users=10", k("hour", "10")),
        format!("tr {} events=suppressed users=suppressed", k("hour", "09")),
        format!("tr {} events=33 users=10", k("hour", "10")),
        format!(
            "g {} events=40 users=12",
            k("ua_family", "<b>Fire\"fox</b>")
        ),
        format!(
            "tr {} events=40 users=12",
            k("ua_family", "<b>Fire\"fox</b>")
        ),
    ]
    .join("\n");
    assert_eq!(outline(&page), want);
    // The overview's figures, and CSV text escaped.
    for (key, n) in [
        ("min_users", 5),
        ("cells", 6),
        ("published", 4),
        ("suppressed_primary", 1),
        ("suppressed_complementary", 1),
        ("rows", 6),
        ("suppressed_rows", 1),
    ] {
        assert!(
            page.contains(&format!("data-meta=\"{key}\">{n}<")),
            "{key} = {n} missing"
        );
    }
    assert!(page.contains("<td>access &lt;1&gt;.log</td>"));
    assert!(!page.contains("<b>"));
    assert!(page.contains("&lt;b&gt;Fire&quot;fox&lt;/b&gt;"));
    assert!(
        page.contains("Not in this release"),
        "empty sections say so"
    );
}

#[test]
fn a_bad_release_names_the_file_line_and_field() {
    let w = Work::new();
    let dir = fixture(
        &w,
        &format!("{W},course,5,25,9,,,,false\n{W},course,6,x,9,,,,false\n"),
    );
    let o = report(&dir, &w.path("r.html"));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let want = format!(
        "{}:3: field events: \"x\" is not a count",
        dir.join("stats.csv").display()
    );
    assert!(err.contains(&want), "{err}");
    assert!(!w.path("r.html").exists());
    std::fs::write(dir.join("metadata.json"), "{\n\"min_users\": []}").unwrap();
    std::fs::write(dir.join("stats.csv"), HEAD).unwrap();
    let o = report(&dir, &w.path("r.html"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{}:2:", dir.join("metadata.json").display())),
        "{err}"
    );
    std::fs::remove_file(dir.join("stats.csv")).unwrap();
    let o = report(&dir, &w.path("r.html"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("stats.csv"));
}

/// The bundled example: one week of an access log, a logstore export and
/// a bbb-web log.
fn example() -> Vec<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/stats");
    ["access.log", "logstore.csv", "bbb-web.log"]
        .iter()
        .map(|f| d.join(f))
        .collect()
}

/// `anonlog stats --out DIR --html FILE --partition ROOT` over `inputs`.
fn release(w: &Work, extra: &[&str], inputs: &[PathBuf]) -> (PathBuf, PathBuf, PathBuf) {
    let (dir, html, root) = (w.path("stats"), w.path("report.html"), w.path("parts"));
    let o = anonlog()
        .arg("stats")
        .args(extra)
        .arg("--out")
        .arg(&dir)
        .arg("--html")
        .arg(&html)
        .arg("--partition")
        .arg(&root)
        .args(inputs)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (dir, html, root)
}

type CsvRow = BTreeMap<String, String>;

fn read_csv(p: &Path) -> Vec<CsvRow> {
    let mut r = csv::Reader::from_path(p).unwrap();
    let head = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            head.iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn csv_key(r: &CsvRow) -> String {
    format!(
        "{}|{}|{}|{}",
        r["window_start"], r["window_end"], r["dimension"], r["value"]
    )
}

#[test]
fn every_number_in_the_report_is_the_cell_of_stats_csv() {
    let w = Work::new();
    let (dir, html, _) = release(&w, &[], &example());
    let rows = read_csv(&dir.join("stats.csv"));
    let by_key: BTreeMap<String, &CsvRow> = rows.iter().map(|r| (csv_key(r), r)).collect();
    assert_eq!(by_key.len(), rows.len(), "keys are unique");
    assert!(
        rows.iter().any(|r| r["suppressed"] == "true"),
        "the example has suppressed cells"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    let mut in_tables = std::collections::BTreeSet::new();
    let mut numbers = 0;
    for (name, key, cols) in drawn(&page) {
        let row = by_key
            .get(&key)
            .unwrap_or_else(|| panic!("{key} is not in stats.csv"));
        if name == "tr" {
            assert!(in_tables.insert(key.clone()), "{key} in two tables");
        }
        assert!(!cols.is_empty(), "{key}");
        for (col, text) in cols {
            let want = match (row["suppressed"].as_str(), row[&col].as_str()) {
                ("true", _) => "suppressed",
                (_, "") => "–",
                (_, v) => v,
            };
            assert_eq!(text, want, "{key} {col}");
            numbers += usize::from(text.bytes().all(|b| b.is_ascii_digit()));
        }
    }
    assert_eq!(
        in_tables.len(),
        rows.len(),
        "every row of stats.csv is in a table"
    );
    assert!(numbers > rows.len(), "{numbers}");
    // The overview gives metadata.json's figures.
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("metadata.json")).unwrap()).unwrap();
    for key in [
        "cells",
        "published",
        "suppressed_primary",
        "suppressed_complementary",
    ] {
        let n = &meta["privacy"][key];
        assert!(page.contains(&format!("data-meta=\"{key}\">{n}<")), "{key}");
    }
    // `anonlog report` of the directory gives the same page.
    let again = w.path("again.html");
    assert_eq!(report(&dir, &again).status.code(), Some(0));
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&html).unwrap()
    );
}

/// An access line of `user` on `path` at `hour` on Monday 2026-03-30.
fn line(user: &str, path: &str, hour: u32, agent: &str) -> String {
    format!("192.0.2.7 - {user} [30/Mar/2026:{hour:02}:10:00 +0000] \"GET {path} HTTP/1.1\" 200 99 \"-\" \"{agent}\"\n")
}

#[test]
fn no_suppressed_value_is_in_the_page() {
    // One user alone at 03:00 with 137 requests (the hour table lists 03
    // suppressed), six users at 10:00 with four each.
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:136.0) Gecko/20100101 Firefox/136.0";
    let mut log = String::new();
    for _ in 0..137 {
        log += &line(
            "lonely",
            "/course/view.php?id=77",
            3,
            "Opera/9.80 (Windows NT 6.1) Presto/2.12.388 Version/12.16",
        );
    }
    for u in ["a", "b", "c", "d", "e", "f"] {
        for _ in 0..4 {
            log += &line(u, "/course/view.php?id=3", 10, firefox);
        }
    }
    let w = Work::new();
    let input = w.write("access.log", log.as_bytes());
    let (dir, html, _) = release(&w, &[], &[input]);
    let csv = std::fs::read_to_string(dir.join("stats.csv")).unwrap();
    assert!(csv.contains(",hour,03,,,,,,true\n"), "{csv}");
    let page = std::fs::read_to_string(&html).unwrap();
    let tokens: Vec<&str> = page
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .collect();
    assert!(
        !tokens.contains(&"137"),
        "the lonely user's count is in the page"
    );
    assert!(
        !page.contains(">77<") && !page.contains("Opera"),
        "nor their course or browser"
    );
    for (_, key, cols) in drawn(&page) {
        if key.ends_with("|hour|03") {
            assert!(
                cols.iter().all(|(_, v)| v == "suppressed"),
                "{key}: {cols:?}"
            );
        }
    }
}

#[test]
fn the_page_refers_to_nothing_outside_it() {
    let w = Work::new();
    let (_, html, _) = release(&w, &[], &example());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert!(!page.contains("<script") && !page.contains("<img") && !page.contains("<link"));
    for pat in ["src=\"", "href=\"", "url("] {
        for (i, _) in page.match_indices(pat) {
            let v = &page[i + pat.len()..];
            assert!(
                v.starts_with('#'),
                "{pat}{} is not a reference inside the page",
                &v[..v.len().min(40)]
            );
        }
    }
    assert!(page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""));
    assert!(std::fs::metadata(&html).unwrap().len() < 300_000);
}

#[test]
fn partition_tree_has_the_rows_of_stats_csv() {
    let w = Work::new();
    let (dir, _, root) = release(&w, &[], &example());
    let rows = read_csv(&dir.join("stats.csv"));
    let mut files = BTreeMap::new();
    for r in &rows {
        let f = root
            .join("window=2026-03-30_7d")
            .join(format!("dimension={}", r["dimension"]))
            .join("part.csv");
        files.entry(f).or_insert_with(Vec::new).push(r);
    }
    assert!(files.len() > 10);
    for (f, want) in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("value,events,users,participants,minutes,peak_concurrency,suppressed")
        );
        let got: Vec<CsvRow> = read_csv(f);
        assert_eq!(got.len(), want.len(), "{}", f.display());
        for (g, r) in got.iter().zip(want) {
            for (c, v) in g {
                assert_eq!(v, &r[c], "{} {c}", f.display());
            }
        }
    }
    let dirs = std::fs::read_dir(&root).unwrap().count();
    assert_eq!(dirs, 1, "one window");
}

/// The first of `names` on PATH.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|n| {
        std::env::split_paths(&path)
            .map(|d| d.join(n))
            .find(|p| p.is_file())
    })
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

#[test]
fn the_report_renders_in_chromium_without_errors_or_requests() {
    let chromium = std::env::var_os("ANONLOG_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| on_path(&["chromium", "chromium-browser"]));
    let Some(chromium) = chromium else {
        return server_unavailable(
            "Chromium",
            "no chromium on PATH (.ci/setup.d/50-report.sh installs it)",
        );
    };
    let Some(python) = on_path(&["python3"]) else {
        return server_unavailable("Chromium", "no python3 on PATH to drive it");
    };
    let w = Work::new();
    let (_, html, _) = release(&w, &[], &example());
    let shot = target_dir().join("report-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/report.py");
    let o = std::process::Command::new(python)
        .arg(script)
        .arg(&chromium)
        .arg(&html)
        .arg(&shot)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let seen: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(seen["problems"], serde_json::json!([]));
    assert_eq!(seen["requests"].as_array().unwrap().len(), 1, "{out}");
    assert!(seen["dom"]["charts"].as_u64().unwrap() > 10, "{out}");
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

/// The fenced blocks of README's section `heading` (up to the next heading
/// of its level or above): (info string, text).
fn readme_blocks(heading: &str) -> Vec<(String, String)> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README has no {heading:?}"));
    let level = heading.split(' ').next().unwrap();
    let body = &readme[start + heading.len() + 2..];
    let end = body
        .match_indices("\n#")
        .find(|(i, _)| {
            let h = &body[i + 1..];
            let hashes = h.bytes().take_while(|&b| b == b'#').count();
            hashes <= level.len() && h.as_bytes().get(hashes) == Some(&b' ')
        })
        .map_or(body.len(), |(i, _)| i);
    let mut blocks = Vec::new();
    let mut lines = body[..end].lines();
    while let Some(l) = lines.next() {
        if let Some(info) = l.strip_prefix("```") {
            let text: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            blocks.push((info.to_string(), text.join("\n") + "\n"));
        }
    }
    blocks
}

/// Runs a README command line (`anonlog ...`, or `cargo run --release --
/// ...`) with this build's binary in `dir`, where `testdata` is the
/// project's.
fn run_readme_command(line: &str, dir: &Path) {
    let line = line.trim();
    let args = line
        .strip_prefix("cargo run --release -- ")
        .or_else(|| line.strip_prefix("anonlog "))
        .unwrap_or_else(|| panic!("not an anonlog command: {line}"));
    let o = anonlog()
        .current_dir(dir)
        .args(args.split_whitespace())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{line}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn with_testdata() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"),
        t.path().join("testdata"),
    )
    .unwrap();
    t
}

#[test]
fn readme_makes_the_report_of_the_bundled_example_in_one_line() {
    let blocks = readme_blocks("### The HTML report");
    let (_, cmd) = blocks.iter().find(|(i, _)| i == "sh").expect("a sh block");
    assert_eq!(cmd.lines().count(), 1, "{cmd}");
    let t = with_testdata();
    run_readme_command(cmd, t.path());
    let page = std::fs::read_to_string(t.path().join("target/example/report.html")).unwrap();
    assert!(page.contains("<h2 id=\"overview-h\">Overview</h2>"));
}

#[test]
fn readme_loading_examples_run_as_written() {
    let python = std::env::var_os("ANONLOG_CI_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/anonlog-ci/python/bin/python"));
    let has = |cmd: &mut std::process::Command| cmd.output().is_ok_and(|o| o.status.success());
    if !has(std::process::Command::new(&python).args(["-c", "import duckdb, pandas"])) {
        return server_unavailable(
            "pandas and DuckDB",
            "no venv with them (.ci/setup.d/50-report.sh makes one; or set ANONLOG_CI_PYTHON)",
        );
    }
    if !has(std::process::Command::new("Rscript").arg("--version")) {
        return server_unavailable(
            "R",
            "no Rscript on PATH (.ci/setup.d/50-report.sh installs r-base-core)",
        );
    }
    let blocks = readme_blocks("### Loading the tables");
    let t = with_testdata();
    let (_, cmd) = blocks.iter().find(|(i, _)| i == "sh").expect("a sh block");
    run_readme_command(cmd, t.path());
    let rows = read_csv(&t.path().join("stats/stats.csv"));
    let total = rows
        .iter()
        .find(|r| r["dimension"] == "total")
        .map(|r| r["events"].clone())
        .unwrap();
    let mut ran = Vec::new();
    for (info, code) in &blocks {
        let mut cmd = match info.as_str() {
            "python" => {
                let mut c = std::process::Command::new(&python);
                c.arg("-c").arg(code);
                c
            }
            "r" => {
                let mut c = std::process::Command::new("Rscript");
                c.arg("-e").arg(code);
                c
            }
            _ => continue,
        };
        let o = cmd.current_dir(t.path()).output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{info} block failed:\n{code}\n{out}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let lines: Vec<&str> = out.lines().map(str::trim_end).collect();
        assert!(
            lines.contains(&format!("total events {total}").as_str()),
            "{info}: {out}"
        );
        assert!(
            lines.contains(&format!("rows {}", rows.len()).as_str()),
            "{info}: {out}"
        );
        ran.push(info.clone());
    }
    assert_eq!(ran, ["python", "python", "r"], "pandas, DuckDB and R");
}
