//! Moodle's database, live: where it is ([`DbConfig`], from Moodle's own
//! `config.php` or from the `[moodle_db]` table of anonlog's config), and
//! what anonlog does in it ([`client::Db`]): stream the rows of
//! `{prefix}logstore_standard_log` in id order, delete old rows in short
//! chunks, and read the people of `{prefix}user` and the courses of
//! `{prefix}course`.
//!
//! The password is a secret like a key: it is read from `config.php` or
//! from a file of mode 0600, held in memory only (zeroed when dropped),
//! given to the client library, and never printed, logged or put on a
//! command line. Errors name the host, database and user, and the server's
//! own message.
//!
//! This module knows nothing of pseudonyms: [`crate::rewrite`] rewrites the
//! rows it hands out, exactly as it rewrites a CSV export of them.

pub mod client;
pub mod export;
pub mod php;
pub mod stats;

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::config::MoodleDbConfig;
use crate::error::{Error, ErrorKind};

/// The columns of `logstore_standard_log`, in the table's order (Moodle's
/// `admin/tool/log/store/standard/db/install.xml`).
pub const LOG_COLUMNS: [&str; 21] = [
    "id",
    "eventname",
    "component",
    "action",
    "target",
    "objecttable",
    "objectid",
    "crud",
    "edulevel",
    "contextid",
    "contextlevel",
    "contextinstanceid",
    "userid",
    "courseid",
    "relateduserid",
    "anonymous",
    "other",
    "timecreated",
    "origin",
    "ip",
    "realuserid",
];

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    /// PostgreSQL (`$CFG->dbtype = 'pgsql'`).
    Postgres,
    /// MariaDB or MySQL (`mariadb`, `mysqli`, `auroramysql`).
    MySql,
}

impl DbKind {
    /// Moodle's `dbtype` names.
    pub fn parse(dbtype: &str) -> Option<DbKind> {
        match dbtype {
            "pgsql" | "postgres" | "postgresql" => Some(DbKind::Postgres),
            "mariadb" | "mysqli" | "mysql" | "auroramysql" => Some(DbKind::MySql),
            _ => None,
        }
    }

    /// The server's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            DbKind::Postgres => "PostgreSQL",
            DbKind::MySql => "MariaDB/MySQL",
        }
    }
}

/// How to reach Moodle's database. `Debug` leaves the password out.
#[derive(Clone)]
pub struct DbConfig {
    /// The server.
    pub kind: DbKind,
    /// Host name or address (TCP), unless `socket` is set.
    pub host: String,
    /// TCP port (default 5432 or 3306; PostgreSQL's socket file is named
    /// after it too).
    pub port: Option<u16>,
    /// A unix socket: PostgreSQL's socket directory or MariaDB's socket file.
    pub socket: Option<PathBuf>,
    /// Database name.
    pub name: String,
    /// User.
    pub user: String,
    /// Password (empty: none).
    pub password: Zeroizing<String>,
    /// Moodle's table prefix (`mdl_`).
    pub prefix: String,
}

impl std::fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbConfig")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("socket", &self.socket)
            .field("name", &self.name)
            .field("user", &self.user)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl DbConfig {
    /// Where the database is, for messages: `PostgreSQL database moodle on
    /// db.example.edu:5432 as moodleuser` (never the password).
    pub fn describe(&self) -> String {
        let at = match &self.socket {
            Some(s) => format!("socket {}", s.display()),
            None => match self.port {
                Some(p) => format!("{}:{p}", self.host),
                None => self.host.clone(),
            },
        };
        format!(
            "{} database {} on {at} as {}",
            self.kind.name(),
            self.name,
            self.user
        )
    }

    /// `{prefix}NAME`, the name of one of Moodle's tables.
    pub fn table(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Reads Moodle's `config.php` (see [`php`]).
    pub fn from_moodle_config(path: &Path) -> Result<DbConfig, Error> {
        let what = path.display();
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::input(&format!("cannot read Moodle config {what}"), &e))?;
        if meta.len() > php::MAX_BYTES as u64 {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "{what}: longer than {} bytes; not a Moodle config.php",
                    php::MAX_BYTES
                ),
            ));
        }
        let src = Zeroizing::new(
            std::fs::read(path)
                .map_err(|e| Error::input(&format!("cannot read Moodle config {what}"), &e))?,
        );
        let settings =
            php::parse(&src).map_err(|e| Error::new(ErrorKind::Config, format!("{what}: {e}")))?;
        from_settings(&settings, &what.to_string())
    }

    /// The `[moodle_db]` table of anonlog's config; the password is read
    /// from its `password_file`, which must not be readable by group or
    /// others.
    pub fn from_table(t: &MoodleDbConfig) -> Result<DbConfig, Error> {
        let kind = DbKind::parse(&t.dbtype).ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                format!(
                    "[moodle_db] dbtype: '{}' is not pgsql, mariadb or mysqli",
                    t.dbtype
                ),
            )
        })?;
        let password = match &t.password_file {
            Some(p) => read_password_file(p)?,
            None => Zeroizing::new(String::new()),
        };
        let cfg = DbConfig {
            kind,
            host: t.dbhost.clone(),
            port: t.dbport,
            socket: t.dbsocket.clone(),
            name: t.dbname.clone(),
            user: t.dbuser.clone(),
            password,
            prefix: t.prefix.clone(),
        };
        check_prefix(&cfg.prefix, "[moodle_db] prefix")?;
        Ok(cfg)
    }
}

/// A password file: its first line, the file readable by its owner only.
pub fn read_password_file(path: &Path) -> Result<Zeroizing<String>, Error> {
    let what = path.display();
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::new(
            ErrorKind::Config,
            format!("cannot read password file {what}: {e}"),
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "password file {what} has mode {mode:04o}: it must be readable by its \
                     owner only (chmod 600 {what})"
                ),
            ));
        }
    }
    let _ = meta;
    let raw = Zeroizing::new(std::fs::read(path).map_err(|e| {
        Error::new(
            ErrorKind::Config,
            format!("cannot read password file {what}: {e}"),
        )
    })?);
    let line = raw.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match std::str::from_utf8(line) {
        Ok(s) => Ok(Zeroizing::new(s.to_string())),
        Err(_) => Err(Error::new(
            ErrorKind::Config,
            format!("password file {what}: not UTF-8"),
        )),
    }
}

/// A table prefix anonlog puts into SQL: letters, digits and `_` only.
fn check_prefix(prefix: &str, what: &str) -> Result<(), Error> {
    if prefix.len() <= 32
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Config,
            format!("{what}: a table prefix is at most 32 letters, digits and '_'"),
        ))
    }
}

/// The connection settings among a `config.php`'s.
fn from_settings(s: &php::Settings, file: &str) -> Result<DbConfig, Error> {
    let get = |name: &str, required: bool| -> Result<Option<String>, Error> {
        match s.get(name) {
            None if required => Err(Error::new(
                ErrorKind::Config,
                format!("{file}: no $CFG->{name}"),
            )),
            None => Ok(None),
            Some((line, v)) => match v {
                php::Value::Null => Ok(None),
                v => v.text().map(Some).ok_or_else(|| {
                    Error::new(
                        ErrorKind::Config,
                        format!(
                            "{file}: line {line}: $CFG->{name} is not a plain string \
                             (anonlog reads config.php without running PHP: write it as \
                             a literal, or use [moodle_db] in anonlog's config)"
                        ),
                    )
                }),
            },
        }
    };
    let dbtype = get("dbtype", true)?.unwrap_or_default();
    let kind = DbKind::parse(&dbtype).ok_or_else(|| {
        let line = s.get("dbtype").map_or(0, |(l, _)| *l);
        Error::new(
            ErrorKind::Config,
            format!("{file}: line {line}: $CFG->dbtype '{dbtype}' is not pgsql, mariadb or mysqli"),
        )
    })?;
    let host = get("dbhost", false)?.unwrap_or_else(|| "localhost".into());
    let name = get("dbname", true)?.unwrap_or_default();
    let user = get("dbuser", true)?.unwrap_or_default();
    let password = Zeroizing::new(get("dbpass", false)?.unwrap_or_default());
    let prefix = get("prefix", false)?.unwrap_or_else(|| "mdl_".into());
    check_prefix(&prefix, &format!("{file}: $CFG->prefix"))?;
    let (port, socket) = db_options(s, file, kind, &host)?;
    Ok(DbConfig {
        kind,
        host,
        port,
        socket,
        name,
        user,
        password,
        prefix,
    })
}

/// `$CFG->dboptions`: the port and the socket, if given.
fn db_options(
    s: &php::Settings,
    file: &str,
    kind: DbKind,
    host: &str,
) -> Result<(Option<u16>, Option<PathBuf>), Error> {
    let mut port = None;
    let mut socket = None;
    if let Some((line, opts)) = s.get("dboptions") {
        let bad = |k: &str| {
            Error::new(
                ErrorKind::Config,
                format!("{file}: line {line}: $CFG->dboptions['{k}'] is not a literal"),
            )
        };
        match opts {
            php::Value::Array(items) => {
                for (k, v) in items {
                    match k.as_str() {
                        "dbport" => {
                            let t = match v {
                                php::Value::Null => continue,
                                v => v.text().ok_or_else(|| bad(k))?,
                            };
                            if t.is_empty() {
                                continue;
                            }
                            port = Some(t.parse::<u16>().map_err(|_| {
                                Error::new(
                                    ErrorKind::Config,
                                    format!(
                                        "{file}: line {line}: $CFG->dboptions['dbport'] \
                                         '{t}' is not a port"
                                    ),
                                )
                            })?);
                        }
                        "dbsocket" => socket = socket_option(kind, host, v).map_err(|_| bad(k))?,
                        _ => {}
                    }
                }
            }
            php::Value::Null => {}
            _ => {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("{file}: line {line}: $CFG->dboptions is not an array literal"),
                ))
            }
        }
    }
    Ok((port, socket))
}

/// `dboptions['dbsocket']`: empty, `0` or `false` for TCP; a path; `1` or
/// `true` for the server's default socket. Moodle uses a socket only when
/// `dbhost` is the local host.
fn socket_option(kind: DbKind, host: &str, v: &php::Value) -> Result<Option<PathBuf>, ()> {
    let t = match v {
        php::Value::Bool(false) | php::Value::Null => return Ok(None),
        php::Value::Bool(true) => "1".to_string(),
        v => v.text().ok_or(())?,
    };
    let local = host.is_empty() || host == "localhost" || host == "127.0.0.1";
    if t.is_empty() || t == "0" || !local {
        return Ok(None);
    }
    if t.contains('/') {
        return Ok(Some(PathBuf::from(t)));
    }
    Ok(Some(PathBuf::from(match kind {
        DbKind::Postgres => "/var/run/postgresql",
        DbKind::MySql => "/run/mysqld/mysqld.sock",
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(src: &str) -> Result<DbConfig, Error> {
        let s = php::parse(src.as_bytes()).unwrap();
        from_settings(&s, "config.php")
    }

    #[test]
    fn postgres_over_tcp() {
        let c = cfg("<?php $CFG->dbtype='pgsql'; $CFG->dbhost='db.example.edu'; $CFG->dbname='moodle';\n$CFG->dbuser='mu'; $CFG->dbpass='pw'; $CFG->prefix='m_';\n$CFG->dboptions=array('dbport'=>'6432');").unwrap();
        assert_eq!(c.kind, DbKind::Postgres);
        assert_eq!(c.port, Some(6432));
        assert_eq!(c.socket, None);
        assert_eq!(&*c.password, "pw");
        assert_eq!(c.table("logstore_standard_log"), "m_logstore_standard_log");
        assert_eq!(
            c.describe(),
            "PostgreSQL database moodle on db.example.edu:6432 as mu"
        );
        assert!(!format!("{c:?}").contains("pw"));
    }

    #[test]
    fn mariadb_sockets() {
        let c = cfg("<?php $CFG->dbtype='mariadb'; $CFG->dbhost='localhost'; $CFG->dbname='m';$CFG->dbuser='u';\n$CFG->dboptions=['dbsocket'=>'/tmp/my.sock','dbport'=>''];").unwrap();
        assert_eq!(c.kind, DbKind::MySql);
        assert_eq!(c.socket.as_deref(), Some(Path::new("/tmp/my.sock")));
        assert_eq!(c.port, None);
        assert_eq!(c.prefix, "mdl_");
        let c = cfg("<?php $CFG->dbtype='pgsql'; $CFG->dbhost='localhost'; $CFG->dbname='m';$CFG->dbuser='u';\n$CFG->dboptions=['dbsocket'=>true];").unwrap();
        assert_eq!(c.socket.as_deref(), Some(Path::new("/var/run/postgresql")));
        let c = cfg("<?php $CFG->dbtype='pgsql'; $CFG->dbhost='db'; $CFG->dbname='m';$CFG->dbuser='u';\n$CFG->dboptions=['dbsocket'=>1];").unwrap();
        assert_eq!(c.socket, None, "a socket only for the local host");
    }

    #[test]
    fn errors_name_file_line_and_setting_never_the_value() {
        let e = cfg("<?php\n$CFG->dbtype='oci';\n$CFG->dbname='m';$CFG->dbuser='u';")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "config.php: line 2: $CFG->dbtype 'oci' is not pgsql, mariadb or mysqli"
        );
        let e = cfg("<?php $CFG->dbtype='pgsql';$CFG->dbname='m';$CFG->dbuser='u';\n\n$CFG->dbpass = 'se' . 'cret';")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("config.php: line 3: $CFG->dbpass is not a plain string"));
        assert!(!e.contains("cret"));
        let e = cfg("<?php $CFG->dbtype='pgsql';$CFG->dbuser='u';")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "config.php: no $CFG->dbname");
        let e = cfg(
            "<?php $CFG->dbtype='pgsql';$CFG->dbname='m';$CFG->dbuser='u';$CFG->prefix='x; DROP';",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("prefix"), "{e}");
    }
}
