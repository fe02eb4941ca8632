//! `anonlog rotate` on a temporary tree with a fake clock (`--now`).

use std::path::{Path, PathBuf};

use crate::util::{anonlog, Work};

const DAY: i64 = 86_400;
/// Monday 2026-11-02 00:00 UTC: day 0 of the scenarios.
const T0: i64 = 1_793_577_600;

/// A CLF time for `t`.
fn clf(t: i64) -> String {
    let days = t.div_euclid(DAY);
    let s = t.rem_euclid(DAY);
    // 2026-11-02 is day 20759 since 1970; every scenario stays in November.
    let d = 2 + (days - 20_759);
    format!(
        "{d:02}/Nov/2026:{:02}:{:02}:{:02} +0000",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// An access log with one line per day for `days` (day offsets from T0).
fn access_log(days: std::ops::Range<i64>) -> String {
    days.map(|d| {
        format!(
            "192.0.2.{} - {} [{}] \"GET /course/view.php?id=3 HTTP/1.1\" 200 5\n",
            10 + d,
            100 + d,
            clf(T0 + d * DAY + 3600)
        )
    })
    .collect()
}

struct Tree {
    w: Work,
}

impl Tree {
    fn new() -> Tree {
        Tree { w: Work::new() }
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.w.path(rel)
    }
    fn write(&self, rel: &str, data: &str) -> PathBuf {
        let p = self.p(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        p
    }
    fn config(&self, sources: &str) -> PathBuf {
        let text = format!(
            "audit_log = \"{}\"\n\n[anonymize]\nkey_file = \"{}\"\n\n{sources}",
            self.p("audit/audit.jsonl").display(),
            self.w.key().display()
        );
        self.write("anonlog.toml", &text)
    }
    fn rotate(&self, cfg: &Path, now: i64, extra: &[&str]) -> std::process::Output {
        anonlog()
            .arg("rotate")
            .arg("--config")
            .arg(cfg)
            .arg("--now")
            .arg(format!("@{now}"))
            .args(extra)
            .output()
            .unwrap()
    }
    /// The records of changes made (no intents, no failures).
    fn audit(&self) -> Vec<serde_json::Value> {
        self.audit_all()
            .into_iter()
            .filter(|e| e.get("phase").is_none())
            .collect()
    }
    /// Every record of the audit log.
    fn audit_all(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.p("audit/audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn access_sources(root: &Path) -> String {
    format!(
        r#"[[source]]
name = "apache-raw"
paths = ["{root}/raw/access.log.*"]
kind = "access"
window = "7d"
action = "anonymize-then-delete"
destination = "{root}/anon/{{name}}"

[[source]]
name = "apache-anon"
paths = ["{root}/anon/*"]
kind = "anonymized"
window = "1y"
action = "delete"
"#,
        root = root.display()
    )
}

#[test]
fn the_seven_plus_seven_day_access_cycle() {
    let t = Tree::new();
    let week1 = t.write("raw/access.log.2", &access_log(0..7));
    let week2 = t.write("raw/access.log.1", &access_log(7..14));
    let cfg = t.config(&access_sources(t.w.dir.path()));

    // A dry run at day 30 plans both files and changes nothing at all.
    let snapshot = |t: &Tree| {
        let mut v = Vec::new();
        for d in ["raw", "anon", "audit"] {
            if let Ok(rd) = std::fs::read_dir(t.p(d)) {
                for e in rd {
                    let p = e.unwrap().path();
                    v.push((p.clone(), std::fs::read(&p).unwrap()));
                }
            }
        }
        v.sort();
        v
    };
    let before = snapshot(&t);
    let out = t.rotate(&cfg, T0 + 30 * DAY, &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    let plan = text(&out.stdout);
    assert_eq!(plan.matches("would anonymize").count(), 2, "{plan}");
    assert_eq!(snapshot(&t), before);

    // Day 13: nothing is older than 7 days past its newest line.
    let out = t.rotate(&cfg, T0 + 13 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(week1.exists() && week2.exists());
    assert!(t.audit().is_empty());

    // Day 14, 01:00:01: week 1's newest line (day 6, 01:00) is 7 days old.
    let out = t.rotate(&cfg, T0 + 13 * DAY + DAY + 3601, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!week1.exists(), "raw week 1 deleted");
    assert!(week2.exists(), "raw week 2 kept");
    let copy = std::fs::read_to_string(t.p("anon/access.log.2")).unwrap();
    assert_eq!(copy.lines().count(), 7);
    assert!(copy.starts_with("192.0.2.0 - 9"), "{copy}");
    assert!(!copy.contains("192.0.2.10 "));
    let audit = t.audit();
    assert_eq!(audit.len(), 1);
    let e = &audit[0];
    assert_eq!(e["action"], "anonymize-then-delete");
    assert_eq!(e["source"], "apache-raw");
    assert_eq!(e["file"], week1.display().to_string());
    assert_eq!(e["newest"], "2026-11-08T01:00:00Z");
    assert_eq!(e["oldest"], "2026-11-02T01:00:00Z");
    assert_eq!(e["records"], 7);
    assert_eq!(e["as_of"], "2026-11-16T01:00:01Z", "the --now of the run");
    assert!(e["bytes"].as_u64().unwrap() > 0);
    assert!(
        !e.to_string().contains("192.0.2"),
        "no content in the audit log"
    );

    // The same run again changes nothing.
    let out = t.rotate(&cfg, T0 + 15 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(t.audit().len(), 1);

    // Day 21: week 2 follows; the anonymized copies stay (1 year).
    let out = t.rotate(&cfg, T0 + 21 * DAY + 3601, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!week2.exists());
    assert!(t.p("anon/access.log.1").exists() && t.p("anon/access.log.2").exists());
    assert_eq!(t.audit().len(), 2);

    // A year later the copies go too, and --check is clean throughout.
    let out = t.rotate(&cfg, T0 + 380 * DAY, &["--check"]);
    assert_eq!(out.status.code(), Some(1), "the copies are overdue");
    let out = t.rotate(&cfg, T0 + 380 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!t.p("anon/access.log.1").exists());
    // Every file is gone: what --check reports now is that the raw pattern
    // matches nothing, and nothing else (the copies' source is anonlog's
    // own output, which may well be empty).
    let out = t.rotate(&cfg, T0 + 380 * DAY, &["--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let v = text(&out.stdout);
    assert_eq!(v.lines().count(), 1, "{v}");
    assert_eq!(v.matches("matches no file").count(), 1, "{v}");
    let actions: Vec<String> = t.audit().iter().map(|e| e["action"].to_string()).collect();
    assert_eq!(actions.len(), 4);
    assert_eq!(actions[2], "\"delete\"");
}

/// A logstore export with one row per day for `days`.
fn logstore(days: std::ops::Range<i64>) -> String {
    let mut s = String::from("id,eventname,userid,other,timecreated,ip\n");
    for d in days {
        s += &format!(
            "{d},\\core\\event\\course_viewed,{},\"{{\"\"note\"\":\"\"multi\nline\"\"}}\",{},192.0.2.{}\n",
            100 + d,
            T0 + d * DAY,
            d + 1
        );
    }
    s
}

#[test]
fn the_thirty_day_moodle_cycle_prunes_inside_the_csv() {
    let t = Tree::new();
    let export = t.write("moodle/logstore.csv", &logstore(0..40));
    crate::util::set_mode(&export, 0o600);
    // Another owner, where this test may set one (as root).
    let owned = std::os::unix::fs::chown(&export, Some(4321), Some(4322)).is_ok();
    let cfg = t.config(&format!(
        r#"[[source]]
name = "moodle"
paths = ["{}/moodle/*.csv"]
kind = "moodle"
window = "30d"
action = "prune"
"#,
        t.w.dir.path().display()
    ));
    let before = std::fs::read(&export).unwrap();

    // --check names the violation; --dry-run says what it would do and
    // changes nothing.
    let now = T0 + 39 * DAY + 10;
    let out = t.rotate(&cfg, now, &["--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("holds records from 2026-11-02T00:00:00Z"));
    let out = t.rotate(&cfg, now, &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("would prune") && text(&out.stdout).contains("10 records"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(std::fs::read(&export).unwrap(), before);
    assert!(
        !t.p("audit/audit.jsonl").exists(),
        "a dry run records nothing"
    );

    let out = t.rotate(&cfg, now, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let after = std::fs::read_to_string(&export).unwrap();
    // Rows of days 9..39 are within 30 days of day 39 00:00:10.
    let want = logstore(10..40);
    assert_eq!(after, want);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&export).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode kept");
    if owned {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(&export).unwrap();
        assert_eq!((m.uid(), m.gid()), (4321, 4322), "owner kept");
    } else {
        crate::util::skip("SKIPPED: owner check of prune (needs root to chown)");
    }
    let audit = t.audit();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["action"], "prune");
    assert_eq!(audit[0]["records"], 10);
    assert_eq!(audit[0]["kept"], 30);
    let out = t.rotate(&cfg, now, &["--check"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn two_runs_at_once_do_the_work_once() {
    let t = Tree::new();
    for i in 0..40 {
        t.write(&format!("old/{i:02}.log"), &access_log(0..3));
    }
    let cfg = t.config(&format!(
        r#"[[source]]
name = "old"
paths = ["{}/old/*.log"]
kind = "access"
window = "7d"
action = "delete"
"#,
        t.w.dir.path().display()
    ));
    let spawn = || {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("anonlog"));
        c.arg("rotate")
            .arg("--config")
            .arg(&cfg)
            .arg("--now")
            .arg(format!("@{}", T0 + 30 * DAY))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        c.spawn().unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!(a.status.code(), Some(0), "{}", text(&a.stderr));
    assert_eq!(b.status.code(), Some(0), "{}", text(&b.stderr));
    assert_eq!(std::fs::read_dir(t.p("old")).unwrap().count(), 0);
    let audit = t.audit();
    assert_eq!(audit.len(), 40, "each deletion recorded once");
    let mut files: Vec<String> = audit.iter().map(|e| e["file"].to_string()).collect();
    files.sort();
    files.dedup();
    assert_eq!(files.len(), 40);
}

#[test]
fn a_failure_half_way_leaves_everything_consistent() {
    let t = Tree::new();
    let raw = t.write("raw/access.log.1", &access_log(0..7));
    let old = t.write("old/gone.log", &access_log(0..1));
    // The destination's directory cannot be created: its parent is a file.
    t.write("blocker", "not a directory");
    let cfg = t.config(&format!(
        r#"[[source]]
name = "raw"
paths = ["{root}/raw/access.log.*"]
kind = "access"
window = "7d"
action = "anonymize-then-delete"
destination = "{root}/blocker/anon/{{name}}"

[[source]]
name = "old"
paths = ["{root}/old/*.log"]
kind = "access"
window = "7d"
action = "delete"
"#,
        root = t.w.dir.path().display()
    ));
    let out = t.rotate(&cfg, T0 + 30 * DAY, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{}: cannot create", raw.display()))
            && err.contains("the raw file was kept"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&raw).unwrap(), access_log(0..7));
    assert!(!old.exists(), "the other source's work is still done");
    let audit = t.audit();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["source"], "old");
    // No temporary files anywhere.
    let mut stray = Vec::new();
    for d in ["raw", "old"] {
        for e in std::fs::read_dir(t.p(d)).unwrap() {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            if n.contains(".anonlog-") {
                stray.push(n);
            }
        }
    }
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn keys_are_created_and_destroyed_on_schedule() {
    let t = Tree::new();
    let dir = t.p("keys");
    anonlog()
        .args(["key", "init", "--epoch", "7d", "--key-dir"])
        .arg(&dir)
        .assert()
        .success();
    // Anonymizing lines of week 0 creates that epoch's key.
    let log = t.write("week0.log", &access_log(0..2));
    anonlog()
        .args(["anonymize", "-q", "--key-dir"])
        .arg(&dir)
        .arg(&log)
        .assert()
        .success();
    let cfg = t.write(
        "anonlog.toml",
        &format!(
            "audit_log = \"{}\"\n\n[anonymize]\nkey_dir = \"{}\"\n\n[keys]\ndestroy_after = \"14d\"\n",
            t.p("audit/audit.jsonl").display(),
            dir.display()
        ),
    );
    // Five weeks on: the keys of weeks 5 and 6 are created; the week-0 key
    // (ended day 7, more than 14 days before day 36) is destroyed.
    let now = T0 + 36 * DAY;
    let out = t.rotate(&cfg, now, &["--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("its key still exists"));
    let out = t.rotate(&cfg, now, &["--dry-run"]);
    assert!(
        text(&out.stdout).contains("would destroy the key of epoch"),
        "{}",
        text(&out.stdout)
    );
    let out = t.rotate(&cfg, now, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let actions: Vec<String> = t
        .audit()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert!(actions.contains(&"create-key".to_string()), "{actions:?}");
    assert!(actions.contains(&"destroy-key".to_string()), "{actions:?}");
    let out = t.rotate(&cfg, now, &["--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn config_mistakes_name_the_source_and_change_nothing() {
    let t = Tree::new();
    let f = t.write("raw/x.log", &access_log(0..1));
    let cfg = t.config(&format!(
        "[[source]]\nname = \"web\"\npaths = [\"{}/raw/*.log\"]\nkind = \"access\"\nwindow = \"a week\"\naction = \"delete\"\n",
        t.w.dir.path().display()
    ));
    let out = t.rotate(&cfg, T0 + 30 * DAY, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("source \"web\": invalid duration `a week`"),
        "{}",
        text(&out.stderr)
    );
    assert!(f.exists());
    let out = anonlog()
        .args(["rotate", "--config"])
        .arg(t.p("missing.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("missing.toml"));
}

#[test]
fn files_without_timestamps_go_by_modification_time() {
    let t = Tree::new();
    let f = t.write("misc/notes.txt", "no time here\n");
    let cfg = t.config(&format!(
        "[[source]]\nname = \"misc\"\npaths = [\"{}/misc/*\"]\nkind = \"auto\"\nwindow = \"7d\"\naction = \"delete\"\n",
        t.w.dir.path().display()
    ));
    // Just written: far from 7 days old by its mtime.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let out = t.rotate(&cfg, now, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(f.exists());
    let out = t.rotate(&cfg, now + 8 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!f.exists());
}

#[test]
fn anonymize_takes_its_defaults_from_the_config() {
    let t = Tree::new();
    let cfg = t.write(
        "a.toml",
        &format!(
            "[anonymize]\nkey_file = \"{}\"\nipv4_prefix = 16\nsecret_params = [\"ticket2\"]\n",
            t.w.key().display()
        ),
    );
    let log = t.write(
        "a.log",
        "192.0.2.77 - - [02/Nov/2026:00:00:00 +0000] \"GET /?ticket2=abc&x=1 HTTP/1.1\" 200 5\n",
    );
    let run = |extra: &[&str]| {
        let out = anonlog()
            .args(["anonymize", "-q", "--config"])
            .arg(&cfg)
            .args(extra)
            .arg(&log)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let out = run(&[]);
    assert!(out.starts_with("192.0.0.0 - - "), "{out}");
    assert!(out.contains("ticket2=REDACTED&x=1"), "{out}");
    // The command line wins; parameter lists add up.
    let out = run(&["--ipv4-prefix", "24", "--secret-param", "x"]);
    assert!(out.starts_with("192.0.2.0 "), "{out}");
    assert!(out.contains("ticket2=REDACTED&x=REDACTED"), "{out}");
}

#[test]
fn a_file_of_two_sources_belongs_to_the_first() {
    let t = Tree::new();
    let f = t.write("logs/a.log", &access_log(0..3));
    let root = t.w.dir.path().display().to_string();
    let cfg = t.config(&format!(
        "[[source]]\nname = \"first\"\npaths = [\"{root}/logs/*.log\"]\nkind = \"access\"\nwindow = \"1y\"\naction = \"delete\"\n\n\
         [[source]]\nname = \"second\"\npaths = [\"{root}/logs/a.*\"]\nkind = \"access\"\nwindow = \"1d\"\naction = \"delete\"\n"
    ));
    let out = t.rotate(&cfg, T0 + 30 * DAY, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("is matched by sources \"first\" and \"second\"; only \"first\" applies"),
        "{}",
        text(&out.stderr)
    );
    assert!(f.exists(), "the first source's window (1 year) applies");
}

#[test]
fn anonymize_then_delete_checks_the_copy_with_its_own_settings() {
    // With prefix-preserving encryption the copy's addresses look whole;
    // the check must know, or no raw file would ever go.
    let t = Tree::new();
    let raw = t.write("raw/access.log.1", &access_log(0..3));
    let root = t.w.dir.path().display().to_string();
    let cfg = t.config(&format!(
        "ip_mode = \"pfx\"\n\n[[source]]\nname = \"raw\"\npaths = [\"{root}/raw/access.log.*\"]\nkind = \"access\"\nwindow = \"7d\"\naction = \"anonymize-then-delete\"\ndestination = \"{root}/anon/{{name}}\"\n"
    ));
    let out = t.rotate(&cfg, T0 + 30 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!raw.exists());
    let copy = std::fs::read_to_string(t.p("anon/access.log.1")).unwrap();
    assert_eq!(copy.lines().count(), 3);
    assert!(
        !copy.contains("192.0.2.10 ") && !copy.starts_with("192.0.2.0 "),
        "{copy}"
    );
}

fn delete_source(name: &str, pattern: &str) -> String {
    format!(
        "[[source]]\nname = \"{name}\"\npaths = [\"{pattern}\"]\nkind = \"access\"\nwindow = \"7d\"\naction = \"delete\"\n"
    )
}

/// A link to a directory outside the tree, planted inside it, leads
/// nowhere: the file it reaches is not deleted, and the run says why.
#[test]
fn a_linked_directory_inside_a_watched_tree_is_not_followed() {
    let t = Tree::new();
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = elsewhere.path().join("app.log");
    std::fs::write(&outside, access_log(0..2)).unwrap();
    std::fs::create_dir_all(elsewhere.path().join("deep")).unwrap();
    let outside_deep = elsewhere.path().join("deep/access.1.log");
    std::fs::write(&outside_deep, access_log(0..2)).unwrap();
    let inside = t.write("watched/real/app.log", &access_log(0..2));
    std::os::unix::fs::symlink(elsewhere.path(), t.p("watched/evil")).unwrap();
    let root = t.w.dir.path().display().to_string();
    let cfg = t.config(&format!(
        "{}\n{}",
        delete_source("apps", &format!("{root}/watched/*/app.log")),
        delete_source("deep", &format!("{root}/watched/**/access.*.log"))
    ));
    let out = t.rotate(&cfg, T0 + 30 * DAY, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(outside.exists() && outside_deep.exists(), "{err}");
    assert!(!inside.exists());
    assert!(
        err.contains(&format!(
            "{root}/watched/evil is a symbolic link; links are not followed"
        )),
        "{err}"
    );
    let audit = t.audit();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["file"], inside.display().to_string());
    // --check does not count what it cannot reach either.
    let out = t.rotate(&cfg, T0 + 30 * DAY, &["--check"]);
    assert_eq!(text(&out.stdout), "");
}

/// The lines of a temporary file of process `pid` in `dir`.
fn fake_temp(dir: &Path, name: &str, pid: u32) -> PathBuf {
    let p = dir.join(format!(".{name}.anonlog-{pid}-0.tmp"));
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        &p,
        "192.0.2.44 - jdoe [02/Nov/2026:01:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n",
    )
    .unwrap();
    p
}

/// A process id that is not running (one that ran and ended).
fn dead_pid() -> u32 {
    let mut c = std::process::Command::new("true").spawn().unwrap();
    let pid = c.id();
    c.wait().unwrap();
    pid
}

/// A killed run's temporary files (raw rows in the source's directory, a
/// partial copy in the destination) are violations for --check, and the
/// next run removes and audits them; those of a live process stay.
#[test]
fn stale_temporaries_are_counted_removed_and_audited() {
    let t = Tree::new();
    let cfg = t.config(&access_sources(t.w.dir.path()));
    let dead = dead_pid();
    let raw_tmp = fake_temp(&t.p("raw"), "access.log.3", dead);
    let anon_tmp = fake_temp(&t.p("anon"), "access.log.3", dead);
    let live_tmp = fake_temp(&t.p("raw"), "access.log.4", std::process::id());
    let out = t.rotate(&cfg, T0 + 400 * DAY, &["--check"]);
    assert_eq!(out.status.code(), Some(1));
    let v = text(&out.stdout);
    let v: String = v
        .lines()
        .filter(|l| !l.contains("matches no file"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(v.lines().count(), 2, "{v}");
    assert!(v.contains(&format!(
        "apache-raw: {}: a temporary file of process {dead}, which no longer runs",
        raw_tmp.display()
    )));
    // The destination of one source is the directory of the next: the
    // first source names it.
    assert!(
        v.contains(&format!("apache-raw: {}:", anon_tmp.display())),
        "{v}"
    );
    let out = t.rotate(&cfg, T0 + 400 * DAY, &["--dry-run"]);
    assert!(raw_tmp.exists());
    assert_eq!(text(&out.stdout).matches("would remove").count(), 2);
    let out = t.rotate(&cfg, T0 + 400 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!raw_tmp.exists() && !anon_tmp.exists());
    assert!(live_tmp.exists());
    let audit = t.audit();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(audit.iter().all(|e| e["action"] == "remove-temporary"));
    assert!(audit.iter().all(|e| e["bytes"].as_u64().unwrap() > 0));
    // Left: only the raw pattern that matches nothing (the copies' source
    // is anonlog's own output and is not reported empty).
    let out = t.rotate(&cfg, T0 + 400 * DAY, &["--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert_eq!(
        text(&out.stdout).matches("matches no file").count(),
        1,
        "{}",
        text(&out.stdout)
    );
}

/// A file renamed onto the name of a raw file while it is being
/// anonymized (logrotate shifting `.log.7` onto `.log.8`) was never read:
/// it is not deleted. Bounded: a few attempts to hit the window.
#[test]
fn a_file_renamed_onto_the_raw_name_during_the_copy_is_kept() {
    let mut hit = false;
    for _ in 0..3 {
        let t = Tree::new();
        // Big enough that the copy takes a while.
        let old = t.write("raw/access.log.8", &access_log(0..7).repeat(20_000));
        let newer = t.write("raw/newer", &access_log(20..27));
        let cfg = t.config(&access_sources(t.w.dir.path()));
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("anonlog"))
            .args(["rotate", "-q", "--config"])
            .arg(&cfg)
            .arg(format!("--now=@{}", T0 + 40 * DAY))
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Wait for the copy's temporary file, then rename.
        let renamed =
            wait_for_entry(&t.p("anon"), &mut child) && std::fs::rename(&newer, &old).is_ok();
        let out = child.wait_with_output().unwrap();
        if !renamed || out.status.code() == Some(0) && old.exists() {
            continue; // the rename came after the delete
        }
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("it changed since it was read"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&old).unwrap(),
            access_log(20..27),
            "the newer file is kept"
        );
        hit = true;
        break;
    }
    assert!(hit, "the rename never landed inside the copy");
}

/// A writer appending to a file while it is pruned loses nothing: rotate
/// either refuses (the file changed) or moves what came late; each written
/// line is there once. Bounded: three rounds of 1,500 lines.
#[test]
fn a_prune_of_a_file_being_written_loses_no_line() {
    use std::io::Write as _;
    for round in 0..3 {
        let t = Tree::new();
        let f = t.write("live/app.log", &access_log(0..3).repeat(5_000));
        let root = t.w.dir.path().display();
        let cfg = t.config(&format!(
            "[[source]]\nname = \"live\"\npaths = [\"{root}/live/app.log\"]\nkind = \"access\"\nwindow = \"7d\"\naction = \"prune\"\n"
        ));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (path, stop2) = (f.clone(), stop.clone());
        let writer = std::thread::spawn(move || {
            let mut n = 0;
            while n < 1_500 && !stop2.load(std::sync::atomic::Ordering::SeqCst) {
                let mut o = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .unwrap();
                let line = format!(
                    "192.0.2.9 - - [{}] \"GET /w{round}-{n} HTTP/1.1\" 200 5\n",
                    clf(T0 + 29 * DAY)
                );
                o.write_all(line.as_bytes()).unwrap();
                n += 1;
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
            n
        });
        let out = t.rotate(&cfg, T0 + 30 * DAY, &[]);
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let written = writer.join().unwrap();
        let err = text(&out.stderr);
        match out.status.code() {
            Some(0) => {}
            Some(2) => assert!(err.contains("being written"), "{err}"),
            c => panic!("{c:?}: {err}"),
        }
        let data = std::fs::read_to_string(&f).unwrap();
        for n in 0..written {
            assert_eq!(
                data.matches(&format!(" /w{round}-{n} ")).count(),
                1,
                "line {n} of {written}: {err}"
            );
        }
    }
}

/// Waits until `dir` has an entry (the copy's temporary file) or `child`
/// ended; true when it has.
/// A tree with a large raw access log due for anonymize-then-delete, and
/// `rotate` started on it in the background: (tree, raw file, config,
/// child, whether the copy was seen started within 20 s).
fn rotate_in_background() -> (Tree, PathBuf, PathBuf, std::process::Child, bool) {
    let t = Tree::new();
    let raw = t.write("raw/access.log.2", &access_log(0..7).repeat(20_000));
    let cfg = t.config(&access_sources(t.w.dir.path()));
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("anonlog"))
        .args(["rotate", "-q", "--config"])
        .arg(&cfg)
        .arg(format!("--now=@{}", T0 + 40 * DAY))
        .spawn()
        .unwrap();
    let started = wait_for_entry(&t.p("anon"), &mut child);
    (t, raw, cfg, child, started)
}

fn wait_for_entry(dir: &Path, child: &mut std::process::Child) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if std::fs::read_dir(dir).is_ok_and(|mut rd| rd.next().is_some()) {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    false
}

/// SIGTERM and SIGINT (systemd stopping the unit, Ctrl-C) during an
/// anonymize-then-delete leave no temporary file anywhere and the raw file
/// in place. Bounded: the signal comes while the copy is being written, up
/// to three rounds each.
#[test]
fn a_termination_signal_during_rotate_leaves_no_temporary() {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        let mut hit = false;
        for _ in 0..3 {
            let (t, raw, _, child, started) = rotate_in_background();
            // SAFETY: signals our own child.
            unsafe {
                libc::kill(child.id() as libc::pid_t, sig);
            }
            let out = child.wait_with_output().unwrap();
            let temps: Vec<_> = ["raw", "anon"]
                .iter()
                .flat_map(|d| crate::util::temporaries(&t.p(d)))
                .collect();
            assert!(temps.is_empty(), "signal {sig}: {temps:?}");
            if started && out.status.code() == Some(128 + sig) {
                assert!(raw.exists());
                assert!(t.audit().is_empty());
                hit = true;
                break;
            }
        }
        assert!(hit, "signal {sig} never came during the copy");
    }
}

/// Each change is recorded as an intent (synced) before it is made and as
/// done after; a failed change closes its intent as failed.
#[test]
fn every_change_has_an_intent_before_it() {
    let t = Tree::new();
    let f = t.write("old/a.log", &access_log(0..2));
    let root = t.w.dir.path().display().to_string();
    let cfg = t.config(&delete_source("old", &format!("{root}/old/*.log")));
    let out = t.rotate(&cfg, T0 + 30 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!f.exists());
    let all = t.audit_all();
    let phases: Vec<_> = all.iter().map(|e| e["phase"].as_str()).collect();
    assert_eq!(phases, [Some("intent"), None], "{all:?}");
    assert_eq!(all[0]["file"], all[1]["file"]);
    assert_eq!(all[0]["action"], "delete");
}

/// SIGKILL in the middle of an anonymize-then-delete: the next run finds
/// the intent without its done record and closes it (the raw file is still
/// there: found-not-done), removes the killed run's temporary copy, audits
/// that, and does the work. Bounded: up to three rounds to land the kill
/// inside the copy.
#[test]
fn a_rerun_completes_the_record_of_a_killed_run() {
    for _ in 0..3 {
        let (t, raw, cfg, mut child, started) = rotate_in_background();
        child.kill().unwrap();
        child.wait().unwrap();
        if !started || crate::util::temporaries(&t.p("anon")).is_empty() {
            continue;
        }
        let out = t.rotate(&cfg, T0 + 40 * DAY, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(!raw.exists() && t.p("anon/access.log.2").exists());
        assert!(crate::util::temporaries(&t.p("anon")).is_empty());
        let all = t.audit_all();
        let phases: Vec<(String, Option<&str>)> = all
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap().to_string(),
                    e["phase"].as_str(),
                )
            })
            .collect();
        let want: Vec<(String, Option<&str>)> = vec![
            ("anonymize-then-delete".into(), Some("intent")),
            ("anonymize-then-delete".into(), Some("found-not-done")),
            ("remove-temporary".into(), Some("intent")),
            ("remove-temporary".into(), None),
            ("anonymize-then-delete".into(), Some("intent")),
            ("anonymize-then-delete".into(), None),
        ];
        assert_eq!(phases, want, "{all:?}");
        return;
    }
    panic!("the kill never landed inside the copy");
}

/// A key an anonymize-then-delete creates on demand (for the past epoch of
/// the raw file's lines) is audited.
#[test]
fn keys_created_on_demand_are_audited() {
    let t = Tree::new();
    let dir = t.p("keys");
    anonlog()
        .args(["key", "init", "--epoch", "7d", "--key-dir"])
        .arg(&dir)
        .assert()
        .success();
    t.write("raw/access.log.2", &access_log(0..2));
    let root = t.w.dir.path().display();
    let cfg = t.write(
        "anonlog.toml",
        &format!(
            "audit_log = \"{}\"\n\n[anonymize]\nkey_dir = \"{}\"\n\n[[source]]\nname = \"raw\"\npaths = [\"{root}/raw/access.log.*\"]\nkind = \"access\"\nwindow = \"7d\"\naction = \"anonymize-then-delete\"\ndestination = \"{root}/anon/{{name}}\"\n",
            t.p("audit/audit.jsonl").display(),
            dir.display()
        ),
    );
    let out = t.rotate(&cfg, T0 + 30 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let created: Vec<_> = t
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "create-key")
        .collect();
    assert_eq!(created.len(), 1, "{created:?}");
    // 7-day epochs from Monday 1970-01-05: T0 (a Monday) starts one.
    assert_eq!(created[0]["epoch"], (T0 / DAY - 4) / 7);
}

/// An audit log that cannot be written (a full disk: /dev/full) stops the
/// run before any change: nothing is deleted unrecorded.
#[test]
fn a_full_audit_log_stops_the_run_before_any_change() {
    let t = Tree::new();
    let f = t.write("old/a.log", &access_log(0..2));
    let root = t.w.dir.path().display().to_string();
    let text_cfg = format!(
        "audit_log = \"/dev/full\"\nlock_file = \"{}\"\n\n[anonymize]\nkey_file = \"{}\"\n\n{}",
        t.p("rotate.lock").display(),
        t.w.key().display(),
        delete_source("old", &format!("{root}/old/*.log"))
    );
    let cfg = t.write("full.toml", &text_cfg);
    let out = t.rotate(&cfg, T0 + 30 * DAY, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write audit log /dev/full"), "{err}");
    assert!(f.exists());
}

/// An anonymize-then-delete source whose copies are named `dest`.
fn rotated_source(root: &Path, pattern: &str, dest: &str) -> String {
    format!(
        r#"[[source]]
name = "nginx-raw"
paths = ["{root}/raw/{pattern}"]
kind = "access"
window = "7d"
action = "anonymize-then-delete"
destination = "{root}/anon/{dest}"
"#,
        root = root.display()
    )
}

/// logrotate names yesterday's file `access.log.1` every day: with a
/// destination of `{name}` alone, the second day's copy would land on the
/// first's. It is refused: the raw file stays, both files are named, the
/// exit status says so and --check reports it.
#[test]
fn a_repeated_rotated_name_never_overwrites_a_copy() {
    let t = Tree::new();
    let root = t.w.dir.path();
    let cfg = t.config(&rotated_source(root, "access.log.*", "{name}"));
    let raw = t.write("raw/access.log.1", &access_log(0..1));
    let out = t.rotate(&cfg, T0 + 9 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let first = std::fs::read(t.p("anon/access.log.1")).unwrap();
    // The next day's file under the same name.
    t.write("raw/access.log.1", &access_log(1..2));
    let out = t.rotate(&cfg, T0 + 10 * DAY, &["--check"]);
    assert_eq!(out.status.code(), Some(1));
    let v = text(&out.stdout);
    assert!(
        v.contains(&format!(
            "nginx-raw: {}: its anonymized copy's destination {} exists already",
            raw.display(),
            t.p("anon/access.log.1").display()
        )),
        "{v}"
    );
    let out = t.rotate(&cfg, T0 + 10 * DAY, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "anonlog: error: {}: its anonymized copy's destination {} exists already",
            raw.display(),
            t.p("anon/access.log.1").display()
        )) && err.contains("the raw file was kept"),
        "{err}"
    );
    assert!(raw.exists(), "the raw file is kept");
    assert_eq!(std::fs::read(t.p("anon/access.log.1")).unwrap(), first);
    assert!(crate::util::temporaries(&t.p("anon")).is_empty());
    assert_eq!(t.audit().len(), 1, "only the first copy was made");
}

/// A dated destination gives every day's `access.log.1` its own copy,
/// named by the date of its newest line; a copy left by a run killed
/// between the copy and the deletion (the same bytes) lets the raw file go.
#[test]
fn dated_destinations_give_each_rotated_file_its_own_copy() {
    let t = Tree::new();
    let root = t.w.dir.path();
    let cfg = t.config(&rotated_source(root, "access.log.*", "{name}.{date}"));
    let raw = t.write("raw/access.log.1", &access_log(0..1));
    let out = t.rotate(&cfg, T0 + 9 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    t.write("raw/access.log.1", &access_log(1..2));
    let out = t.rotate(&cfg, T0 + 10 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut names: Vec<String> = std::fs::read_dir(t.p("anon"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["access.log.1.2026-11-02", "access.log.1.2026-11-03"]
    );
    // strftime fields work too, and the same file again meets its own copy.
    let cfg = t.config(&rotated_source(root, "access.log.*", "%Y/%m/{name}.%d"));
    t.write("raw/access.log.1", &access_log(1..2));
    let out = t.rotate(&cfg, T0 + 10 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let copy = std::fs::read(t.p("anon/2026/11/access.log.1.03")).unwrap();
    assert_eq!(
        copy,
        std::fs::read(t.p("anon/access.log.1.2026-11-03")).unwrap()
    );
    t.write("raw/access.log.1", &access_log(1..2));
    let out = t.rotate(&cfg, T0 + 10 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("the identical copy was there already"),
        "{}",
        text(&out.stdout)
    );
    assert!(!raw.exists());
    assert_eq!(
        std::fs::read(t.p("anon/2026/11/access.log.1.03")).unwrap(),
        copy
    );
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// logrotate's `compress` + `delaycompress` leave `x.log.1`, `x.log.2.gz`,
/// ...: one pattern finds both, the `.gz` is read through its
/// decompression, its copy is written uncompressed under the name without
/// `.gz`, and it is deleted like the plain one.
#[test]
fn compressed_rotated_files_are_anonymized_uncompressed() {
    let t = Tree::new();
    let root = t.w.dir.path();
    let cfg = t.config(&rotated_source(root, "access.log.[0-9]*", "{date}.{name}"));
    let plain = t.write("raw/access.log.1", &access_log(1..2));
    let gz = t.p("raw/access.log.2.gz");
    std::fs::write(&gz, gzip(access_log(0..1).as_bytes())).unwrap();
    let out = t.rotate(&cfg, T0 + 10 * DAY, &["--dry-run"]);
    assert_eq!(
        text(&out.stdout).matches("would anonymize").count(),
        2,
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let out = t.rotate(&cfg, T0 + 10 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!plain.exists() && !gz.exists());
    let copy = std::fs::read_to_string(t.p("anon/2026-11-02.access.log.2")).unwrap();
    assert_eq!(copy.lines().count(), 1);
    assert!(copy.starts_with("192.0.2.0 - "), "{copy}");
    assert!(!copy.contains("192.0.2.10"), "{copy}");
    assert!(t.p("anon/2026-11-03.access.log.1").exists());
}

/// A compressed file is never pruned into plain text under its `.gz`
/// name: the kept rows are written back gzip-compressed.
#[test]
fn a_compressed_file_is_pruned_compressed() {
    use std::io::Read;
    let t = Tree::new();
    let gz = t.p("exports/logstore-1.csv.gz");
    std::fs::create_dir_all(gz.parent().unwrap()).unwrap();
    std::fs::write(&gz, gzip(logstore(0..40).as_bytes())).unwrap();
    let cfg = t.config(&format!(
        "[[source]]\nname = \"logstore\"\npaths = [\"{}/exports/*.csv*\"]\nkind = \"moodle\"\nwindow = \"30d\"\naction = \"prune\"\n",
        t.w.dir.path().display()
    ));
    let out = t.rotate(&cfg, T0 + 40 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let on_disk = std::fs::read(&gz).unwrap();
    assert!(on_disk.starts_with(b"\x1f\x8b"), "still gzip");
    let mut plain = String::new();
    flate2::read::MultiGzDecoder::new(&on_disk[..])
        .read_to_string(&mut plain)
        .unwrap();
    assert_eq!(plain, logstore(10..40));
    let out = t.rotate(&cfg, T0 + 40 * DAY, &["--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

/// A pattern that matches nothing (a typo) is a warning naming the source
/// and the pattern, and a --check failure.
#[test]
fn a_pattern_that_matches_nothing_is_reported() {
    let t = Tree::new();
    t.write("raw/access.log.1", &access_log(0..1));
    let root = t.w.dir.path();
    let cfg = t.config(&rotated_source(root, "acess.log.*", "{date}.{name}"));
    let pattern = format!("{}/raw/acess.log.*", root.display());
    let out = t.rotate(&cfg, T0 + 2 * DAY, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stderr),
        format!(
            "anonlog: warning: source \"nginx-raw\": pattern \"{pattern}\" matches no file; \
             check its spelling (nothing of it is deleted or anonymized)\n"
        )
    );
    let out = t.rotate(&cfg, T0 + 2 * DAY, &["--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        format!(
            "nginx-raw: {pattern}: the pattern matches no file; check its spelling (nothing of \
             it is deleted or anonymized)\n"
        )
    );
}

/// contrib's anonlog.toml, moved below `root`, with a keyring there.
fn contrib_config(t: &Tree) -> PathBuf {
    let root = t.w.dir.path().display().to_string();
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/anonlog.toml"))
            .unwrap();
    let mut moved = text;
    for top in ["\"/var/", "\"/srv/", "\"/run/"] {
        moved = moved.replace(top, &format!("\"{root}{}", &top[1..]));
    }
    anonlog()
        .args(["key", "init", "--epoch", "7d", "--key-dir"])
        .arg(t.p("var/lib/anonlog/keys"))
        .assert()
        .success();
    t.write("anonlog.toml", &moved)
}

/// contrib's policy on Debian's logrotate output for the BigBlueButton
/// nginx log (compress + delaycompress): `.1` and `.2.gz` are both found,
/// each copy gets a dated name of its own, the copies have a source with
/// their own window, and --check is clean in between.
#[test]
fn contribs_policy_covers_logrotates_files_and_the_copies() {
    let t = Tree::new();
    let cfg = contrib_config(&t);
    let dir = "var/log/nginx";
    t.write(
        &format!("{dir}/bigbluebutton.access.log.1"),
        &access_log(1..2),
    );
    let gz = t.p(&format!("{dir}/bigbluebutton.access.log.2.gz"));
    std::fs::write(&gz, gzip(access_log(0..1).as_bytes())).unwrap();
    // The directories of the other sources hold a file each.
    t.write(
        "var/log/anonlog/raw/apache/access.2026-11-02.log",
        &access_log(8..9),
    );
    t.write(
        "var/log/anonlog/apache/access.2026-W45.log",
        &access_log(8..9),
    );
    t.write("var/log/bigbluebutton/bbb-web.2026-11-10.log", "");
    t.write("var/log/nginx/access.log.1", &access_log(8..9));
    t.write("srv/moodle-exports/logstore-1.csv", &logstore(8..9));
    let now = T0 + 9 * DAY;
    let out = t.rotate(&cfg, now, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!gz.exists());
    let mut copies: Vec<String> = std::fs::read_dir(t.p("var/log/anonlog/bbb"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    copies.sort();
    assert_eq!(
        copies,
        [
            "2026-11-02.bigbluebutton.access.log.2",
            "2026-11-03.bigbluebutton.access.log.1"
        ]
    );
    // logrotate's next run leaves a new `.1`.
    t.write(
        &format!("{dir}/bigbluebutton.access.log.1"),
        &access_log(8..9),
    );
    let out = t.rotate(&cfg, now, &["--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // A year and a bit later the copies are due under their own source.
    let out = t.rotate(&cfg, T0 + 370 * DAY, &["--dry-run"]);
    let plan = text(&out.stdout);
    assert!(
        plan.contains("2026-11-02.bigbluebutton.access.log.2 (source bbb-nginx-anonymized"),
        "{plan}"
    );
}

/// Two raw files of one run whose copies would have one name: the first is
/// anonymized, the second kept and reported; --check names the second
/// before the run.
#[test]
fn two_raw_files_of_one_run_never_share_a_copy() {
    let t = Tree::new();
    let root = t.w.dir.path();
    let cfg = t.config(&rotated_source(root, "*/access.log.1", "{name}"));
    let a = t.write("raw/a/access.log.1", &access_log(0..1));
    let b = t.write("raw/b/access.log.1", &access_log(1..2));
    let out = t.rotate(&cfg, T0 + 10 * DAY, &["--check"]);
    assert_eq!(out.status.code(), Some(1));
    let v = text(&out.stdout);
    let dest = t.p("anon/access.log.1");
    assert!(
        v.contains(&format!(
            "nginx-raw: {}: its anonymized copy's destination {} is the copy of another raw \
             file of this run too",
            b.display(),
            dest.display()
        )),
        "{v}"
    );
    let out = t.rotate(&cfg, T0 + 10 * DAY, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!a.exists() && b.exists());
    assert!(text(&out.stderr).contains(&format!("{}: its anonymized copy's", b.display())));
}
