//! Moodle's database, live, against real PostgreSQL and MariaDB servers
//! (see `server`): `anonlog moodle export` gives what `anonlog anonymize`
//! gives for a CSV export of the same rows; incremental exports are exactly
//! once across crashes; a read-only user is enough; connection errors are
//! clear, exit 2 and never show the password; table prefixes other than
//! `mdl_`.

mod server;

use std::io::Write;
use std::path::Path;
use std::process::Output;

use server::{Conn, Kind, TestDb};

use crate::util::{anonlog, server_unavailable, testdata, Work};

/// The test's database, or `None` after [`server_unavailable`].
fn db(kind: Kind, prefix: &str) -> Option<TestDb> {
    match server::server(kind) {
        Ok(s) => Some(s.fresh(prefix)),
        Err(why) => {
            server_unavailable(kind.name(), &why);
            None
        }
    }
}

/// The fixture: a real `COPY … TO STDOUT CSV HEADER` of logstore rows.
fn fixture() -> Vec<u8> {
    std::fs::read(testdata("moodle/logstore-postgres.csv")).unwrap()
}

/// Loads the fixture's rows (ids kept) into the test's log table.
fn load_fixture(t: &TestDb) {
    let table = format!("{}logstore_standard_log", t.prefix);
    match t.owner_conn() {
        Conn::Pg(mut c) => {
            let mut w = c
                .copy_in(&format!(
                    "COPY {table} FROM STDIN (FORMAT csv, HEADER true)"
                ))
                .unwrap();
            w.write_all(&fixture()).unwrap();
            w.finish().unwrap();
            c.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            ))
            .unwrap();
        }
        Conn::My(mut c) => {
            use mysql::prelude::Queryable;
            let data = fixture();
            let mut r = csv::ReaderBuilder::new().from_reader(&data[..]);
            let cols = r.headers().unwrap().iter().collect::<Vec<_>>().join(",");
            for rec in r.byte_records() {
                let rec = rec.unwrap();
                let vals: Vec<mysql::Value> = rec
                    .iter()
                    .map(|f| {
                        if f.is_empty() {
                            mysql::Value::NULL
                        } else {
                            mysql::Value::Bytes(f.to_vec())
                        }
                    })
                    .collect();
                let marks = vec!["?"; vals.len()].join(",");
                c.exec_drop(
                    format!("INSERT INTO `{table}` ({cols}) VALUES ({marks})"),
                    mysql::Params::Positional(vals),
                )
                .unwrap();
            }
        }
    }
}

/// Inserts `n` generated rows created at `time` (ids from the sequence).
fn insert_rows(c: &mut Conn, prefix: &str, n: usize, time: i64) {
    let q = |s: &str| match c {
        Conn::Pg(_) => s.to_string(),
        Conn::My(_) => format!("`{s}`"),
    };
    let table = q(&format!("{prefix}logstore_standard_log"));
    let mut sql = format!(
        "INSERT INTO {table} (eventname, component, action, target, objecttable, objectid, crud, \
         edulevel, contextid, contextlevel, contextinstanceid, userid, courseid, relateduserid, \
         anonymous, other, timecreated, origin, ip, realuserid) VALUES "
    );
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        let user = 100 + i % 7;
        sql += &format!(
            "('\\\\core\\\\event\\\\course_viewed', 'core', 'viewed', 'course', NULL, NULL, 'r', 2, \
             {ctx}, 50, {course}, {user}, {course}, NULL, 0, 'N;', {time}, 'web', '192.0.2.{oct}', NULL)",
            ctx = 10 + i % 3,
            course = 2 + i % 3,
            oct = 1 + i % 200,
        );
    }
    if let Conn::Pg(_) = c {
        // PostgreSQL strings take a backslash as it is.
        sql = sql.replace("\\\\", "\\");
    }
    c.exec(&sql);
}

fn write_config(
    w: &Work,
    t: &TestDb,
    socket: bool,
    reader: bool,
    password: &str,
) -> std::path::PathBuf {
    let p = w.path("config.php");
    std::fs::write(&p, t.config_php(socket, reader, password)).unwrap();
    p
}

fn export(w: &Work, config: &Path, args: &[&str], env: Option<(&str, &str)>) -> Output {
    let mut c = anonlog();
    c.args(["moodle", "export", "-q", "-k"])
        .arg(w.key())
        .arg("--moodle-config")
        .arg(config)
        .args(args);
    if let Some((k, v)) = env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn ok(o: &Output) -> &[u8] {
    assert!(
        o.status.success(),
        "status {:?}: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    &o.stdout
}

/// What `anonlog anonymize` makes of the fixture, a CSV export of the rows.
fn anonymized_fixture(w: &Work) -> Vec<u8> {
    let p = w.write("export.csv", &fixture());
    let o = w
        .anonymize()
        .args(["--format", "moodle-logstore"])
        .arg(&p)
        .output()
        .unwrap();
    ok(&o).to_vec()
}

fn export_is_the_rewrite_of_a_csv_export(kind: Kind) {
    let Some(t) = db(kind, "mdl_") else { return };
    load_fixture(&t);
    let w = Work::new();
    let cfg = write_config(&w, &t, false, false, &t.owner_pw);
    let out = export(&w, &cfg, &[], None);
    let want = anonymized_fixture(&w);
    assert_eq!(
        String::from_utf8_lossy(ok(&out)),
        String::from_utf8_lossy(&want)
    );
    if kind == Kind::Pg {
        // The CSV anonlog reads the rows into is psql's own.
        let psql = std::process::Command::new("psql")
            .args(["-X", "-q", "-h", "127.0.0.1", "-p"])
            .arg(t.server.port.to_string())
            .args(["-U", &t.owner, "-d", &t.name, "-c"])
            .arg(
                "\\copy (SELECT * FROM mdl_logstore_standard_log ORDER BY id) TO STDOUT CSV HEADER",
            )
            .env("PGPASSWORD", &t.owner_pw)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(ok(&psql)),
            String::from_utf8_lossy(&fixture())
        );
    }
    // --since/--until select by timecreated.
    let out = export(
        &w,
        &cfg,
        &["--since", "@1700000100", "--until", "@1700000300"],
        None,
    );
    let text = String::from_utf8(ok(&out).to_vec()).unwrap();
    let ids: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["3", "4", "5"]);
}

#[test]
fn pg_export_is_the_rewrite_of_a_csv_export() {
    export_is_the_rewrite_of_a_csv_export(Kind::Pg);
}

#[test]
fn maria_export_is_the_rewrite_of_a_csv_export() {
    export_is_the_rewrite_of_a_csv_export(Kind::Maria);
}

/// The ids in an export file (after its header).
fn ids_in(p: &Path) -> Vec<i64> {
    let data = std::fs::read(p).unwrap();
    let mut r = csv::ReaderBuilder::new().from_reader(&data[..]);
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>().join(","),
        anonlog::moodledb::LOG_COLUMNS.join(",")
    );
    r.records()
        .map(|rec| rec.unwrap()[0].parse().unwrap())
        .collect()
}

fn incremental_exports_each_row_once_across_crashes(kind: Kind) {
    let Some(t) = db(kind, "ab_") else { return };
    let w = Work::new();
    let cfg = write_config(&w, &t, true, false, &t.owner_pw);
    let state = w.path("state");
    let st = state.to_str().unwrap();
    let mut c = t.owner_conn();
    insert_rows(&mut c, "ab_", 5, 1_800_000_000);
    let day = |n: u32| w.path(&format!("day{n}.csv"));
    let inc = |n: u32, env: Option<(&str, &str)>| {
        let out = day(n);
        export(
            &w,
            &cfg,
            &["--incremental", st, "-o", out.to_str().unwrap()],
            env,
        )
    };
    ok(&inc(1, None));
    assert_eq!(ids_in(&day(1)), [1, 2, 3, 4, 5]);
    insert_rows(&mut c, "ab_", 4, 1_800_000_100);

    // Killed halfway through the rows: no output, the state as it was.
    let o = inc(2, Some(("ANONLOG_TEST_CRASH", "rows:2")));
    assert!(!o.status.success());
    assert!(!day(2).exists());
    assert_eq!(std::fs::read_to_string(&state).unwrap(), "last_id 5\n");
    // Killed after the output was synced, before it was renamed into place.
    let o = inc(2, Some(("ANONLOG_TEST_CRASH", "before-rename")));
    assert!(!o.status.success());
    assert!(!day(2).exists());
    // Killed after the rename, before the state said so.
    let o = inc(2, Some(("ANONLOG_TEST_CRASH", "before-state")));
    assert!(!o.status.success());
    assert_eq!(ids_in(&day(2)), [6, 7, 8, 9]);
    assert!(std::fs::read_to_string(&state)
        .unwrap()
        .contains("pending_id 9\n"));
    // The next run completes the pending entry and exports only new rows.
    ok(&inc(3, None));
    assert_eq!(ids_in(&day(3)), Vec::<i64>::new());
    insert_rows(&mut c, "ab_", 2, 1_800_000_200);
    ok(&inc(4, None));
    assert_eq!(ids_in(&day(4)), [10, 11]);
    assert_eq!(std::fs::read_to_string(&state).unwrap(), "last_id 11\n");
    // Every row exactly once.
    let mut all: Vec<i64> = (1..=4).flat_map(|n| ids_in(&day(n))).collect();
    all.sort();
    assert_eq!(all, (1..=11).collect::<Vec<_>>());
}

#[test]
fn pg_incremental_exports_each_row_once_across_crashes() {
    incremental_exports_each_row_once_across_crashes(Kind::Pg);
}

#[test]
fn maria_incremental_exports_each_row_once_across_crashes() {
    incremental_exports_each_row_once_across_crashes(Kind::Maria);
}

fn read_only_user_exports_with_the_roster(kind: Kind) {
    let Some(t) = db(kind, "mdl_") else { return };
    load_fixture(&t);
    let mut c = t.owner_conn();
    let q = |s: &str| match kind {
        Kind::Pg => s.to_string(),
        Kind::Maria => format!("`{s}`"),
    };
    c.exec(&format!(
        "INSERT INTO {} (id, deleted, username, idnumber, firstname, lastname, email, middlename, alternatename) VALUES \
         (58, 0, 'jdoe58', 's1234567', 'Jane', 'Doe', 'jane.doe@example.edu', NULL, 'JJ'), \
         (287, 1, 'kwuest', '', 'Karl', 'Wüstenhagen', 'k.w@example.edu', 'Maria', NULL)",
        q("mdl_user")
    ));
    // A row that names both people in a free-text field.
    c.exec(&format!(
        "INSERT INTO {} (eventname, component, action, target, crud, edulevel, contextid, contextlevel, \
         contextinstanceid, userid, anonymous, other, timecreated) VALUES \
         ('x', 'core', 'x', 'x', 'r', 0, 1, 10, 0, 2, 0, '{{\"note\":\"Karl Wüstenhagen met jdoe58\"}}', 1700000500)",
        q("mdl_logstore_standard_log")
    ));
    let w = Work::new();
    let cfg = write_config(&w, &t, true, true, &t.reader_pw);
    let out = export(&w, &cfg, &["--roster"], None);
    let text = String::from_utf8(ok(&out).to_vec()).unwrap();
    let rows = csv::ReaderBuilder::new()
        .from_reader(text.as_bytes())
        .records()
        .count();
    assert_eq!(rows, 10);
    for name in ["Wüstenhagen", "jdoe58", "Jane Doe", "jane.doe@"] {
        assert!(!text.contains(name), "{name} survived:\n{text}");
    }
    // The reader cannot change the table.
    let mut rc = t.conn_as(&t.reader, &t.reader_pw);
    let denied = match &mut rc {
        Conn::Pg(c) => c
            .batch_execute("DELETE FROM mdl_logstore_standard_log")
            .is_err(),
        Conn::My(c) => {
            use mysql::prelude::Queryable;
            c.query_drop("DELETE FROM mdl_logstore_standard_log")
                .is_err()
        }
    };
    assert!(denied, "the read-only user could delete");
}

#[test]
fn pg_read_only_user_exports_with_the_roster() {
    read_only_user_exports_with_the_roster(Kind::Pg);
}

#[test]
fn maria_read_only_user_exports_with_the_roster() {
    read_only_user_exports_with_the_roster(Kind::Maria);
}

fn connection_errors_are_clear_and_never_show_the_password(kind: Kind) {
    let Some(t) = db(kind, "mdl_") else { return };
    let w = Work::new();
    let wrong = "Wr0ng-Pa55word-xyzzy";
    for socket in [false, true] {
        let cfg = write_config(&w, &t, socket, false, wrong);
        let o = export(&w, &cfg, &[], None);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains(wrong), "{err}");
        assert!(!err.contains(&t.owner_pw), "{err}");
        assert!(o.stdout.is_empty());
        let want = match kind {
            Kind::Pg => "password authentication failed",
            Kind::Maria => "Access denied",
        };
        assert!(err.contains("cannot connect"), "{err}");
        assert!(err.contains(&format!("database {} on ", t.name)), "{err}");
        assert!(err.contains(&format!(" as {}", t.owner)), "{err}");
        assert!(err.contains(want), "{err}");
    }
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let php = t.config_php(false, false, &t.owner_pw).replace(
        &format!("'dbport' => '{}'", t.server.port),
        &format!("'dbport' => '{port}'"),
    );
    let cfg = w.write("config.php", php.as_bytes());
    let o = export(&w, &cfg, &[], None);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("on 127.0.0.1:{port} as {}", t.owner)),
        "{err}"
    );
    assert!(err.to_lowercase().contains("refused"), "{err}");
    assert!(!err.contains(&t.owner_pw), "{err}");
}

#[test]
fn pg_connection_errors_are_clear_and_never_show_the_password() {
    connection_errors_are_clear_and_never_show_the_password(Kind::Pg);
}

#[test]
fn maria_connection_errors_are_clear_and_never_show_the_password() {
    connection_errors_are_clear_and_never_show_the_password(Kind::Maria);
}

/// `[moodle_db]` takes the password from a file readable by its owner only.
#[test]
fn moodle_db_table_refuses_a_readable_password_file() {
    let w = Work::new();
    let pw = w.write_key("db.pw", b"s3cret-pw\n", 0o644);
    let cfg = w.write(
        "anonlog.toml",
        format!(
            "[moodle_db]\ndbtype = \"pgsql\"\ndbname = \"moodle\"\ndbuser = \"ro\"\npassword_file = \"{}\"\n",
            pw.display()
        )
        .as_bytes(),
    );
    let o = anonlog()
        .args(["moodle", "export", "-k"])
        .arg(w.key())
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("has mode 0644"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
}

/// `anonlog rotate` with a `moodle-db` source, as of `now`.
fn rotate(config: &Path, now: i64, args: &[&str]) -> Output {
    anonlog()
        .arg("rotate")
        .arg("--config")
        .arg(config)
        .arg("--now")
        .arg(format!("@{now}"))
        .args(args)
        .output()
        .unwrap()
}

fn retention_deletes_old_rows_in_chunks_while_moodle_writes(kind: Kind) {
    let Some(t) = db(kind, "r_") else { return };
    let now: i64 = 1_800_000_000;
    let old = now - 40 * 86_400;
    let mut c = t.owner_conn();
    // Old and recent rows with interleaved ids.
    for _ in 0..6 {
        insert_rows(&mut c, "r_", 500, old);
        insert_rows(&mut c, "r_", 100, now - 86_400);
    }
    let table = match kind {
        Kind::Pg => "r_logstore_standard_log".to_string(),
        Kind::Maria => "`r_logstore_standard_log`".to_string(),
    };
    let cutoff = now - 30 * 86_400;
    let older = format!("SELECT count(*) FROM {table} WHERE timecreated < {cutoff}");
    let newer = format!("SELECT count(*) FROM {table} WHERE timecreated >= {cutoff}");
    let w = Work::new();
    let php = write_config(&w, &t, false, false, &t.owner_pw);
    let audit = w.path("audit.jsonl");
    let conf = |budget: &str| {
        w.write(
            "anonlog.toml",
            format!(
                "audit_log = \"{}\"\nlock_file = \"{}\"\n\n[[source]]\nname = \"moodle-log\"\nkind = \"moodle-db\"\n\
                 window = \"30d\"\naction = \"delete\"\nmoodle_config = \"{}\"\nchunk_rows = 100\ntime_budget = \"{budget}\"\n",
                audit.display(),
                w.path("rotate.lock").display(),
                php.display()
            )
            .as_bytes(),
        )
    };
    let cfg = conf("300s");

    let o = rotate(&cfg, now, &["--check"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("moodle-log: "), "{out}");
    assert!(out.contains("holds 3000 rows from 2026-12-06"), "{out}");

    let o = rotate(&cfg, now, &["--dry-run"]);
    assert_eq!(
        String::from_utf8_lossy(ok(&o)),
        format!(
            "would delete 3000 rows of r_logstore_standard_log older than 2026-12-16T08:00:00Z \
             (2026-12-06T08:00:00Z to 2026-12-06T08:00:00Z) [moodle-log]\n"
        )
    );
    assert_eq!(c.count(&older), 3000);
    assert!(!audit.exists(), "a dry run records nothing");

    // No time left: nothing is deleted, and the run says what is left.
    let o = rotate(&conf("0s"), now, &[]);
    assert!(
        String::from_utf8_lossy(ok(&o)).contains("3000 rows of r_logstore_standard_log older than")
    );
    assert_eq!(c.count(&older), 3000);

    // Moodle keeps writing while old rows are deleted.
    let cfg = conf("300s");
    let done = std::sync::atomic::AtomicBool::new(false);
    let inserted = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut c = t.owner_conn();
            let mut n = 0;
            while n < 20 || !done.load(std::sync::atomic::Ordering::SeqCst) {
                insert_rows(&mut c, "r_", 10, now);
                n += 1;
            }
            n * 10
        });
        let o = rotate(&cfg, now, &[]);
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        let out = String::from_utf8_lossy(ok(&o)).to_string();
        assert!(
            out.starts_with(
                "deleted 3000 rows of r_logstore_standard_log older than 2026-12-16T08:00:00Z"
            ),
            "{out}"
        );
        writer.join().unwrap()
    });
    assert_eq!(c.count(&older), 0);
    assert_eq!(c.count(&newer), 600 + inserted as i64);

    // One audit record per chunk: counts and times, never content.
    let log = std::fs::read_to_string(&audit).unwrap();
    let mut total = 0;
    for line in log.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["action"], "delete-rows");
        assert_eq!(v["source"], "moodle-log");
        assert_eq!(v["oldest"], "2026-12-06T08:00:00Z");
        let n = v["records"].as_u64().unwrap();
        assert!((1..=100).contains(&n), "{line}");
        total += n;
    }
    assert_eq!(total, 3000);
    for content in ["192.0.2", "course_viewed", &t.owner_pw] {
        assert!(!log.contains(content), "{content} in the audit log");
    }
    let o = rotate(&cfg, now, &["--check"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn pg_retention_deletes_old_rows_in_chunks_while_moodle_writes() {
    retention_deletes_old_rows_in_chunks_while_moodle_writes(Kind::Pg);
}

#[test]
fn maria_retention_deletes_old_rows_in_chunks_while_moodle_writes() {
    retention_deletes_old_rows_in_chunks_while_moodle_writes(Kind::Maria);
}

/// Mistakes in a `moodle-db` source are named before anything is touched.
#[test]
fn moodle_db_source_mistakes_are_named() {
    let w = Work::new();
    let base = "[[source]]\nname = \"m\"\nkind = \"moodle-db\"\nwindow = \"30d\"\naction = \"delete\"\nmoodle_config = \"/var/www/moodle/config.php\"\n";
    for (from, to, want) in [
        (
            "action = \"delete\"",
            "action = \"prune\"",
            "source \"m\": a moodle-db source deletes its old rows: action = \"delete\"",
        ),
        (
            "kind = ",
            "paths = [\"/x/*\"]\nkind = ",
            "source \"m\": a moodle-db source has no paths or destination",
        ),
        (
            "moodle_config = \"/var/www/moodle/config.php\"\n",
            "",
            "source \"m\": needs moodle_config, or [moodle_db]",
        ),
        (
            "window = ",
            "time_budget = \"soon\"\nwindow = ",
            "source \"m\": time_budget: invalid duration",
        ),
        (
            "window = ",
            "chunk_rows = 0\nwindow = ",
            "source \"m\": chunk_rows must be at least 1",
        ),
        (
            "kind = \"moodle-db\"",
            "kind = \"access\"\npaths = [\"/x/*\"]",
            "only for kind = \"moodle-db\"",
        ),
    ] {
        let cfg = w.write("anonlog.toml", base.replacen(from, to, 1).as_bytes());
        let o = rotate(&cfg, 0, &["--dry-run"]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{want:?} not in {err}");
    }
}

/// The rows [`insert_rows`] makes, as PostgreSQL's CSV of them.
fn generated_csv(first_id: i64, n: usize, time: i64) -> String {
    let mut s = String::new();
    for i in 0..n {
        let course = 2 + i % 3;
        s += &format!(
            "{},\\core\\event\\course_viewed,core,viewed,course,,,r,2,{},50,{course},{},{course},,0,N;,{time},web,192.0.2.{},\n",
            first_id + i as i64,
            10 + i % 3,
            100 + i % 7,
            1 + i % 200
        );
    }
    s
}

fn stats_from_the_database_equal_stats_from_an_export(kind: Kind) {
    let Some(t) = db(kind, "s_") else { return };
    load_fixture(&t);
    let mut c = t.owner_conn();
    insert_rows(&mut c, "s_", 60, 1_700_000_600);
    let q = |s: &str| match kind {
        Kind::Pg => s.to_string(),
        Kind::Maria => format!("`{s}`"),
    };
    c.exec(&format!(
        "INSERT INTO {} (id, fullname, shortname, visible) VALUES (1, 'Site', 'site', 1), \
         (2, 'Physics', 'phy', 1), (3, 'Chemistry', 'chem', 1), (4, 'Hidden', 'hid', 0), (5, 'Empty', 'emp', 1)",
        q("s_course")
    ));
    let w = Work::new();
    let php = write_config(&w, &t, true, true, &t.reader_pw);
    let mut export = fixture();
    export.extend_from_slice(generated_csv(10, 60, 1_700_000_600).as_bytes());
    let file = w.write("export.csv", &export);
    let stats = |out: &str, args: &[&str], from: &[&std::ffi::OsStr]| {
        let o = anonlog()
            .arg("stats")
            .arg("-k")
            .arg(w.key())
            .arg("--out")
            .arg(w.path(out))
            .args(args)
            .args(from)
            .output()
            .unwrap();
        ok(&o);
        std::fs::read_to_string(w.path(out).join("stats.csv")).unwrap()
    };
    let from_db = stats("db", &[], &["--moodle-config".as_ref(), php.as_os_str()]);
    let from_file = stats("file", &[], &[file.as_os_str()]);
    assert_eq!(from_db, from_file);
    assert!(from_db.lines().count() > 5, "{from_db}");
    let meta = std::fs::read_to_string(w.path("db").join("metadata.json")).unwrap();
    assert!(meta.contains("table s_logstore_standard_log"), "{meta}");
    assert!(!meta.contains(&t.reader_pw));

    // The public course list from s_course (visible courses but the front
    // page) is listed whether a course has records or not: course 5 has
    // none, hidden course 4 is not in the list.
    let with_domain = stats(
        "dom",
        &["--domain", "course=db"],
        &["--moodle-config".as_ref(), php.as_os_str()],
    );
    let course_values = |t: &str| -> std::collections::BTreeSet<String> {
        t.lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f.get(2) == Some(&"course")).then(|| f[3].to_string())
            })
            .collect()
    };
    let plain = course_values(&from_db);
    let listed = course_values(&with_domain);
    assert!(
        !plain.contains("5") && listed.contains("5"),
        "{with_domain}"
    );
    assert!(
        listed.contains("2") && listed.contains("3"),
        "{with_domain}"
    );
    assert!(!listed.contains("1"), "{with_domain}");
    assert!(with_domain.contains("2023-11-13T00:00:00Z,2023-11-20T00:00:00Z,course,5,0,0,"));
}

#[test]
fn pg_stats_from_the_database_equal_stats_from_an_export() {
    stats_from_the_database_equal_stats_from_an_export(Kind::Pg);
}

#[test]
fn maria_stats_from_the_database_equal_stats_from_an_export() {
    stats_from_the_database_equal_stats_from_an_export(Kind::Maria);
}
