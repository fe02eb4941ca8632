//! Real database servers for the tests: PostgreSQL and MariaDB from the
//! distribution's packages, each started in a temporary directory on a unix
//! socket and a free port of 127.0.0.1, as an unprivileged user (`nobody`
//! when the tests run as root: PostgreSQL refuses root), with password
//! authentication on. One server of each kind is shared by the tests running
//! at the same time and shut down when the last of them ends.
//!
//! Each test gets its own database and users ([`Server::fresh`]), with
//! Moodle's schema of `logstore_standard_log`, `user` and `course` under the
//! test's table prefix.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pg,
    Maria,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pg => "PostgreSQL",
            Kind::Maria => "MariaDB",
        }
    }
    /// Moodle's `$CFG->dbtype`.
    pub fn dbtype(self) -> &'static str {
        match self {
            Kind::Pg => "pgsql",
            Kind::Maria => "mariadb",
        }
    }
}

/// The superuser's password (test servers only).
const ADMIN_PW: &str = "admin-pw-7Hq";

pub struct Server {
    pub kind: Kind,
    pub port: u16,
    /// PostgreSQL: the socket directory; MariaDB: the socket file.
    pub socket: PathBuf,
    dir: tempfile::TempDir,
    child: Mutex<Child>,
    next: Mutex<u32>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let mut c = self.child.lock().unwrap();
        // SIGINT: PostgreSQL's fast shutdown; SIGTERM: MariaDB's.
        let sig = match self.kind {
            Kind::Pg => libc::SIGINT,
            Kind::Maria => libc::SIGTERM,
        };
        // SAFETY: signalling our own child by its pid.
        unsafe { libc::kill(c.id() as libc::pid_t, sig) };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = c.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = c.kill();
        let _ = c.wait();
        let _ = &self.dir;
    }
}

static PG: Mutex<Weak<Server>> = Mutex::new(Weak::new());
static MARIA: Mutex<Weak<Server>> = Mutex::new(Weak::new());

/// The shared server of `kind`, started when none runs; `Err(why)` when it
/// cannot start.
pub fn server(kind: Kind) -> Result<Arc<Server>, String> {
    let slot = match kind {
        Kind::Pg => &PG,
        Kind::Maria => &MARIA,
    };
    let mut g = slot.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = g.upgrade() {
        return Ok(s);
    }
    let s = Arc::new(match kind {
        Kind::Pg => start_pg()?,
        Kind::Maria => start_maria()?,
    });
    *g = Arc::downgrade(&s);
    Ok(s)
}

fn is_root() -> bool {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::getuid() == 0 }
}

/// `program args…` as the unprivileged user.
fn unprivileged(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "--reset-env",
        ])
        .arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// A temporary directory the unprivileged user owns.
fn owned_dir() -> Result<tempfile::TempDir, String> {
    let d = tempfile::Builder::new()
        .prefix("anonlog-db-")
        .tempdir()
        .map_err(|e| format!("temporary directory: {e}"))?;
    if is_root() {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(d.path().as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid C string; 65534 is nobody/nogroup.
        if unsafe { libc::chown(c.as_ptr(), 65534, 65534) } != 0 {
            return Err(format!("chown: {}", std::io::Error::last_os_error()));
        }
    }
    Ok(d)
}

fn write_owned(path: &Path, data: &str) -> Result<(), String> {
    std::fs::write(path, data).map_err(|e| format!("{}: {e}", path.display()))?;
    if is_root() {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid C string.
        unsafe { libc::chown(c.as_ptr(), 65534, 65534) };
    }
    Ok(())
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    Ok(l.local_addr().unwrap().port())
}

fn run_checked(mut c: Command, what: &str) -> Result<(), String> {
    let out = c
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn pg_bin(name: &str) -> Result<PathBuf, String> {
    let mut found: Vec<PathBuf> = glob::glob(&format!("/usr/lib/postgresql/*/bin/{name}"))
        .map_err(|e| e.to_string())?
        .flatten()
        .collect();
    found.sort();
    found
        .pop()
        .ok_or_else(|| format!("no /usr/lib/postgresql/*/bin/{name} (apt-get install postgresql)"))
}

fn wait_for(
    what: &str,
    child: &mut Child,
    log: &Path,
    ok: &dyn Fn() -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if ok() {
            return Ok(());
        }
        if let Ok(Some(st)) = child.try_wait() {
            return Err(format!(
                "{what} exited ({st}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    Err(format!(
        "{what} did not accept connections within 60 s: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    ))
}

fn start_pg() -> Result<Server, String> {
    let initdb = pg_bin("initdb")?;
    let postgres = pg_bin("postgres")?;
    let dir = owned_dir()?;
    let data = dir.path().join("data");
    let pwfile = dir.path().join("pw");
    write_owned(&pwfile, ADMIN_PW)?;
    let mut c = unprivileged(&initdb);
    c.arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "-A",
            "scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ])
        .arg(format!("--pwfile={}", pwfile.display()));
    run_checked(c, "initdb")?;
    let port = free_port()?;
    let log = dir.path().join("log");
    let logf = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let mut c = unprivileged(&postgres);
    c.arg("-D")
        .arg(&data)
        .arg("-k")
        .arg(dir.path())
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
        .args(["-c", "fsync=off", "-c", "max_connections=100"])
        .stdin(Stdio::null())
        .stdout(logf.try_clone().unwrap())
        .stderr(logf);
    let mut child = c.spawn().map_err(|e| format!("postgres: {e}"))?;
    let sock = dir.path().to_path_buf();
    let ok = || admin_pg(port).is_ok();
    if let Err(e) = wait_for("postgres", &mut child, &log, &ok) {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    Ok(Server {
        kind: Kind::Pg,
        port,
        socket: sock,
        dir,
        child: Mutex::new(child),
        next: Mutex::new(0),
    })
}

fn admin_pg(port: u16) -> Result<postgres::Client, postgres::Error> {
    postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user("postgres")
        .password(ADMIN_PW)
        .dbname("postgres")
        .connect_timeout(Duration::from_secs(5))
        .connect(postgres::NoTls)
}

fn start_maria() -> Result<Server, String> {
    let which = |n: &str| -> Result<PathBuf, String> {
        for d in ["/usr/sbin", "/usr/bin"] {
            let p = Path::new(d).join(n);
            if p.exists() {
                return Ok(p);
            }
        }
        Err(format!("no {n} (apt-get install mariadb-server)"))
    };
    let install = which("mariadb-install-db")?;
    let mariadbd = which("mariadbd")?;
    let dir = owned_dir()?;
    let data = dir.path().join("data");
    let mut c = unprivileged(&install);
    c.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .args([
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
        ]);
    run_checked(c, "mariadb-install-db")?;
    let port = free_port()?;
    let sock = dir.path().join("my.sock");
    let log = dir.path().join("log");
    let mut c = unprivileged(&mariadbd);
    c.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", sock.display()))
        .arg(format!("--pid-file={}", dir.path().join("pid").display()))
        .arg(format!("--log-error={}", log.display()))
        .arg(format!("--port={port}"))
        .args([
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=64M",
            "--innodb-log-file-size=16M",
            "--innodb-flush-log-at-trx-commit=0",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().map_err(|e| format!("mariadbd: {e}"))?;
    let s2 = sock.clone();
    let ok = || root_maria_socket(&s2).is_ok();
    if let Err(e) = wait_for("mariadbd", &mut child, &log, &ok).and_then(|()| secure_maria(&sock)) {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    Ok(Server {
        kind: Kind::Maria,
        port,
        socket: sock,
        dir,
        child: Mutex::new(child),
        next: Mutex::new(0),
    })
}

/// Gives root a password: from now on everything authenticates.
fn secure_maria(sock: &Path) -> Result<(), String> {
    let mut root = root_maria_socket(sock).map_err(|e| e.to_string())?;
    use mysql::prelude::Queryable;
    root.query_drop(format!(
        "ALTER USER 'root'@'localhost' IDENTIFIED BY '{ADMIN_PW}'"
    ))
    .map_err(|e| e.to_string())?;
    root.query_drop(format!(
        "CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '{ADMIN_PW}'"
    ))
    .map_err(|e| e.to_string())?;
    root.query_drop("GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION")
        .map_err(|e| e.to_string())
}

fn root_maria_socket(sock: &Path) -> Result<mysql::Conn, mysql::Error> {
    mysql::Conn::new(
        mysql::OptsBuilder::new()
            .socket(Some(sock.to_string_lossy()))
            .user(Some("root")),
    )
}

/// A test's own database on a server: the admin connection, the database
/// name, and the owner's and a read-only user's passwords.
pub struct TestDb {
    pub server: Arc<Server>,
    pub name: String,
    pub prefix: String,
    pub owner: String,
    pub owner_pw: String,
    pub reader: String,
    pub reader_pw: String,
}

/// Runs SQL as the database's owner.
pub enum Conn {
    Pg(Box<postgres::Client>),
    My(Box<mysql::Conn>),
}

impl Conn {
    pub fn exec(&mut self, sql: &str) {
        match self {
            Conn::Pg(c) => c
                .batch_execute(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            Conn::My(c) => {
                use mysql::prelude::Queryable;
                c.query_drop(sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        }
    }

    pub fn count(&mut self, sql: &str) -> i64 {
        match self {
            Conn::Pg(c) => c.query_one(sql, &[]).unwrap().get::<_, i64>(0),
            Conn::My(c) => {
                use mysql::prelude::Queryable;
                c.query_first::<i64, _>(sql).unwrap().unwrap()
            }
        }
    }
}

impl Server {
    /// A new database with Moodle's tables under `prefix`, owned by a new
    /// user, with a read-only user beside.
    pub fn fresh(self: &Arc<Server>, prefix: &str) -> TestDb {
        let n = {
            let mut g = self.next.lock().unwrap();
            *g += 1;
            *g
        };
        let pid = std::process::id();
        let name = format!("moodle_{pid}_{n}");
        let t = TestDb {
            server: Arc::clone(self),
            name: name.clone(),
            prefix: prefix.to_string(),
            owner: format!("owner_{n}"),
            owner_pw: format!("Own'er \"pw\" {n}$x"),
            reader: format!("reader_{n}"),
            reader_pw: format!("rd-pw-{n}-Zq"),
        };
        match self.kind {
            Kind::Pg => {
                let mut a = admin_pg(self.port).unwrap();
                let q = |s: &str| s.replace('\'', "''");
                a.batch_execute(&format!(
                    "CREATE USER {} PASSWORD '{}'; CREATE USER {} PASSWORD '{}'",
                    t.owner,
                    q(&t.owner_pw),
                    t.reader,
                    q(&t.reader_pw),
                ))
                .unwrap();
                a.batch_execute(&format!("CREATE DATABASE {name} OWNER {}", t.owner))
                    .unwrap();
            }
            Kind::Maria => {
                let mut a = self.admin_maria();
                use mysql::prelude::Queryable;
                let q = |s: &str| s.replace('\\', "\\\\").replace('\'', "\\'");
                for host in ["localhost", "127.0.0.1"] {
                    a.query_drop(format!(
                        "CREATE USER '{}'@'{host}' IDENTIFIED BY '{}'",
                        t.owner,
                        q(&t.owner_pw)
                    ))
                    .unwrap();
                    a.query_drop(format!(
                        "CREATE USER '{}'@'{host}' IDENTIFIED BY '{}'",
                        t.reader,
                        q(&t.reader_pw)
                    ))
                    .unwrap();
                }
                a.query_drop(format!(
                    "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                ))
                .unwrap();
                for host in ["localhost", "127.0.0.1"] {
                    a.query_drop(format!("GRANT ALL ON {name}.* TO '{}'@'{host}'", t.owner))
                        .unwrap();
                }
            }
        }
        let mut c = t.owner_conn();
        for stmt in schema(self.kind, prefix) {
            c.exec(&stmt);
        }
        t.grant_reader();
        t
    }

    fn admin_maria(&self) -> mysql::Conn {
        mysql::Conn::new(
            mysql::OptsBuilder::new()
                .ip_or_hostname(Some("127.0.0.1"))
                .tcp_port(self.port)
                .prefer_socket(false)
                .user(Some("root"))
                .pass(Some(ADMIN_PW)),
        )
        .unwrap()
    }
}

impl TestDb {
    pub fn owner_conn(&self) -> Conn {
        self.conn_as(&self.owner, &self.owner_pw)
    }

    /// A TCP connection to this database as `user`.
    pub fn conn_as(&self, user: &str, password: &str) -> Conn {
        match self.server.kind {
            Kind::Pg => Conn::Pg(Box::new(
                postgres::Config::new()
                    .host("127.0.0.1")
                    .port(self.server.port)
                    .user(user)
                    .password(password)
                    .dbname(&self.name)
                    .connect(postgres::NoTls)
                    .unwrap(),
            )),
            Kind::Maria => Conn::My(Box::new(
                mysql::Conn::new(
                    mysql::OptsBuilder::new()
                        .ip_or_hostname(Some("127.0.0.1"))
                        .tcp_port(self.server.port)
                        .prefer_socket(false)
                        .user(Some(user))
                        .pass(Some(password))
                        .db_name(Some(&self.name)),
                )
                .unwrap(),
            )),
        }
    }

    /// SELECT only, on the three tables.
    fn grant_reader(&self) {
        let mut c = self.owner_conn();
        for t in ["logstore_standard_log", "user", "course"] {
            let t = format!("{}{t}", self.prefix);
            match self.server.kind {
                Kind::Pg => c.exec(&format!("GRANT SELECT ON \"{t}\" TO {}", self.reader)),
                Kind::Maria => {
                    let mut a = self.server.admin_maria();
                    use mysql::prelude::Queryable;
                    for host in ["localhost", "127.0.0.1"] {
                        a.query_drop(format!(
                            "GRANT SELECT ON {}.`{t}` TO '{}'@'{host}'",
                            self.name, self.reader
                        ))
                        .unwrap();
                    }
                }
            }
        }
    }

    /// A Moodle `config.php` for this database: over TCP, or over the unix
    /// socket; as the owner or the read-only user; with the password given.
    pub fn config_php(&self, socket: bool, reader: bool, password: &str) -> String {
        let user = if reader { &self.reader } else { &self.owner };
        let esc = |s: &str| s.replace('\\', "\\\\").replace('\'', "\\'");
        let opts = if socket {
            format!(
                "'dbport' => {}, 'dbsocket' => '{}'",
                self.server.port,
                self.server.socket.display()
            )
        } else {
            format!("'dbport' => '{}', 'dbsocket' => ''", self.server.port)
        };
        let host = if socket { "localhost" } else { "127.0.0.1" };
        format!(
            "<?php  // Moodle configuration file\n\nunset($CFG);\nglobal $CFG;\n$CFG = new stdClass();\n\n\
             $CFG->dbtype    = '{}';\n$CFG->dblibrary = 'native';\n$CFG->dbhost    = '{host}';\n\
             $CFG->dbname    = '{}';\n$CFG->dbuser    = '{user}';\n$CFG->dbpass    = '{}';\n\
             $CFG->prefix    = '{}';\n$CFG->dboptions = array (\n  'dbpersist' => 0,\n  {opts},\n  'dbcollation' => 'utf8mb4_unicode_ci',\n);\n\n\
             $CFG->wwwroot   = 'https://moodle.example.edu';\n$CFG->dataroot  = '/var/moodledata';\n\
             require_once(__DIR__ . '/lib/setup.php');\n",
            self.server.kind.dbtype(),
            self.name,
            esc(password),
            self.prefix
        )
    }
}

/// Moodle's tables (the columns and indexes of `logstore_standard_log` from
/// `admin/tool/log/store/standard/db/install.xml`; the columns of `user` and
/// `course` that anonlog reads, from `lib/db/install.xml`).
pub fn schema(kind: Kind, p: &str) -> Vec<String> {
    match kind {
        Kind::Pg => vec![
            format!(
                "CREATE TABLE {p}logstore_standard_log (
                id BIGSERIAL PRIMARY KEY,
                eventname VARCHAR(255) NOT NULL DEFAULT '',
                component VARCHAR(100) NOT NULL DEFAULT '',
                action VARCHAR(100) NOT NULL DEFAULT '',
                target VARCHAR(100) NOT NULL DEFAULT '',
                objecttable VARCHAR(50),
                objectid BIGINT,
                crud VARCHAR(1) NOT NULL DEFAULT '',
                edulevel SMALLINT NOT NULL,
                contextid BIGINT NOT NULL,
                contextlevel BIGINT NOT NULL,
                contextinstanceid BIGINT NOT NULL,
                userid BIGINT NOT NULL,
                courseid BIGINT,
                relateduserid BIGINT,
                anonymous SMALLINT NOT NULL DEFAULT 0,
                other TEXT,
                timecreated BIGINT NOT NULL,
                origin VARCHAR(10),
                ip VARCHAR(45),
                realuserid BIGINT)"
            ),
            format!("CREATE INDEX {p}logsstanlog_tim_ix ON {p}logstore_standard_log (timecreated)"),
            format!("CREATE INDEX {p}logsstanlog_couanotim_ix ON {p}logstore_standard_log (courseid, anonymous, timecreated)"),
            format!("CREATE INDEX {p}logsstanlog_useconconcr_ix ON {p}logstore_standard_log (userid, contextlevel, contextinstanceid, crud, edulevel, timecreated)"),
            format!("CREATE INDEX {p}logsstanlog_con_ix ON {p}logstore_standard_log (contextid)"),
            format!(
                "CREATE TABLE {p}user (
                id BIGSERIAL PRIMARY KEY,
                auth VARCHAR(20) NOT NULL DEFAULT 'manual',
                deleted SMALLINT NOT NULL DEFAULT 0,
                username VARCHAR(100) NOT NULL DEFAULT '',
                idnumber VARCHAR(255) NOT NULL DEFAULT '',
                firstname VARCHAR(100) NOT NULL DEFAULT '',
                lastname VARCHAR(100) NOT NULL DEFAULT '',
                email VARCHAR(100) NOT NULL DEFAULT '',
                middlename VARCHAR(255),
                alternatename VARCHAR(255))"
            ),
            format!(
                "CREATE TABLE {p}course (
                id BIGSERIAL PRIMARY KEY,
                category BIGINT NOT NULL DEFAULT 0,
                fullname VARCHAR(1333) NOT NULL DEFAULT '',
                shortname VARCHAR(255) NOT NULL DEFAULT '',
                visible SMALLINT NOT NULL DEFAULT 1)"
            ),
        ],
        Kind::Maria => vec![
            format!(
                "CREATE TABLE `{p}logstore_standard_log` (
                `id` BIGINT(10) NOT NULL AUTO_INCREMENT,
                `eventname` VARCHAR(255) NOT NULL DEFAULT '',
                `component` VARCHAR(100) NOT NULL DEFAULT '',
                `action` VARCHAR(100) NOT NULL DEFAULT '',
                `target` VARCHAR(100) NOT NULL DEFAULT '',
                `objecttable` VARCHAR(50) DEFAULT NULL,
                `objectid` BIGINT(10) DEFAULT NULL,
                `crud` VARCHAR(1) NOT NULL DEFAULT '',
                `edulevel` TINYINT(1) NOT NULL,
                `contextid` BIGINT(10) NOT NULL,
                `contextlevel` BIGINT(10) NOT NULL,
                `contextinstanceid` BIGINT(10) NOT NULL,
                `userid` BIGINT(10) NOT NULL,
                `courseid` BIGINT(10) DEFAULT NULL,
                `relateduserid` BIGINT(10) DEFAULT NULL,
                `anonymous` TINYINT(1) NOT NULL DEFAULT 0,
                `other` LONGTEXT,
                `timecreated` BIGINT(10) NOT NULL,
                `origin` VARCHAR(10) DEFAULT NULL,
                `ip` VARCHAR(45) DEFAULT NULL,
                `realuserid` BIGINT(10) DEFAULT NULL,
                PRIMARY KEY (`id`),
                KEY `{p}logsstanlog_tim_ix` (`timecreated`),
                KEY `{p}logsstanlog_couanotim_ix` (`courseid`, `anonymous`, `timecreated`),
                KEY `{p}logsstanlog_useconconcr_ix` (`userid`, `contextlevel`, `contextinstanceid`, `crud`, `edulevel`, `timecreated`),
                KEY `{p}logsstanlog_con_ix` (`contextid`)
                ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
            ),
            format!(
                "CREATE TABLE `{p}user` (
                `id` BIGINT(10) NOT NULL AUTO_INCREMENT,
                `auth` VARCHAR(20) NOT NULL DEFAULT 'manual',
                `deleted` TINYINT(1) NOT NULL DEFAULT 0,
                `username` VARCHAR(100) NOT NULL DEFAULT '',
                `idnumber` VARCHAR(255) NOT NULL DEFAULT '',
                `firstname` VARCHAR(100) NOT NULL DEFAULT '',
                `lastname` VARCHAR(100) NOT NULL DEFAULT '',
                `email` VARCHAR(100) NOT NULL DEFAULT '',
                `middlename` VARCHAR(255) DEFAULT NULL,
                `alternatename` VARCHAR(255) DEFAULT NULL,
                PRIMARY KEY (`id`)
                ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
            ),
            format!(
                "CREATE TABLE `{p}course` (
                `id` BIGINT(10) NOT NULL AUTO_INCREMENT,
                `category` BIGINT(10) NOT NULL DEFAULT 0,
                `fullname` VARCHAR(1333) NOT NULL DEFAULT '',
                `shortname` VARCHAR(255) NOT NULL DEFAULT '',
                `visible` TINYINT(1) NOT NULL DEFAULT 1,
                PRIMARY KEY (`id`)
                ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
            ),
        ],
    }
}
