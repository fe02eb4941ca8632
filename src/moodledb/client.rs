//! The two database clients behind one small interface: `postgres` (the
//! synchronous client of rust-postgres) and `mysql` (pure Rust, built
//! without TLS or C libraries), both maintained, both blocking, which is
//! what a cron job that streams one table needs.
//!
//! Every statement is one of a handful written here; the only values put
//! into SQL text are integers and the table prefix, which is checked to be
//! letters, digits and `_` when the settings are read. Rows are streamed
//! (PostgreSQL's portal, MariaDB's text protocol), never collected.

use std::time::Duration;

use super::{DbConfig, DbKind, LOG_COLUMNS};
use crate::error::{Error, ErrorKind};
use crate::rewrite::roster::Person;

/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// An open connection.
pub enum Db {
    /// PostgreSQL.
    Pg(Box<postgres::Client>),
    /// MariaDB or MySQL.
    My(Box<mysql::Conn>),
}

/// What is called with each row: its columns in text form (`None`: NULL).
pub type RowFn<'f> = dyn FnMut(&[Option<&[u8]>]) -> Result<(), Error> + 'f;

/// What is called with each CSV record (without its line end) and its id.
pub type RecordFn<'f> = dyn FnMut(&[u8], i64) -> Result<(), Error> + 'f;

/// Which rows of the log to read: `id > after_id`, `since <= timecreated <
/// until`, in id order.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowQuery {
    /// Only rows after this id.
    pub after_id: i64,
    /// Only rows created at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Only rows created before this time.
    pub until: Option<i64>,
    /// At most this many rows.
    pub limit: Option<u64>,
}

impl RowQuery {
    /// ` WHERE ... ORDER BY id [LIMIT n]`: the rows this query selects (all
    /// numbers, so nothing to quote).
    fn clause(&self) -> String {
        let mut sql = format!(" WHERE id > {}", self.after_id);
        if let Some(s) = self.since {
            sql += &format!(" AND timecreated >= {s}");
        }
        if let Some(u) = self.until {
            sql += &format!(" AND timecreated < {u}");
        }
        sql += " ORDER BY id";
        if let Some(l) = self.limit {
            sql += &format!(" LIMIT {l}");
        }
        sql
    }
}

/// What one deleted chunk held (for the audit log; never content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// The id range deleted from (inclusive).
    pub ids: (i64, i64),
    /// Rows deleted.
    pub rows: u64,
    /// The oldest and newest `timecreated` among them.
    pub time: (i64, i64),
}

/// Rows older than a cutoff: how many and the oldest time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Older {
    /// Rows.
    pub rows: u64,
    /// The oldest `timecreated`.
    pub oldest: Option<i64>,
    /// The newest `timecreated` among them.
    pub newest: Option<i64>,
}

fn db_error(cfg: &DbConfig, what: &str, e: &dyn std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Input,
        format!("{what} ({}): {e}", cfg.describe()),
    )
}

/// A PostgreSQL error with the server's own message when there is one.
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{}: {}", d.severity(), d.message()),
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(c) = src {
                s.push_str(": ");
                s.push_str(&c.to_string());
                src = c.source();
            }
            s
        }
    }
}

impl Db {
    /// Connects as `cfg` says.
    pub fn connect(cfg: &DbConfig) -> Result<Db, Error> {
        match cfg.kind {
            DbKind::Postgres => {
                let mut c = postgres::Config::new();
                match &cfg.socket {
                    Some(dir) => c.host_path(dir),
                    None => c.host(&cfg.host),
                };
                c.port(cfg.port.unwrap_or(5432))
                    .user(&cfg.user)
                    .dbname(&cfg.name)
                    .application_name("anonlog")
                    .connect_timeout(CONNECT_TIMEOUT);
                if !cfg.password.is_empty() {
                    c.password(cfg.password.as_bytes());
                }
                let client = c
                    .connect(postgres::NoTls)
                    .map_err(|e| db_error(cfg, "cannot connect", &pg_message(&e)))?;
                Ok(Db::Pg(Box::new(client)))
            }
            DbKind::MySql => {
                let mut o = mysql::OptsBuilder::new()
                    .user(Some(cfg.user.clone()))
                    .db_name(Some(cfg.name.clone()))
                    .tcp_connect_timeout(Some(CONNECT_TIMEOUT))
                    // The mysql crate would otherwise switch a TCP connection
                    // to the local host over to the server's socket.
                    .prefer_socket(false);
                if !cfg.password.is_empty() {
                    o = o.pass(Some(cfg.password.to_string()));
                }
                o = match &cfg.socket {
                    Some(s) => o.socket(Some(s.to_string_lossy().into_owned())),
                    None => o
                        .ip_or_hostname(Some(cfg.host.clone()))
                        .tcp_port(cfg.port.unwrap_or(3306)),
                };
                let conn = mysql::Conn::new(o).map_err(|e| db_error(cfg, "cannot connect", &e))?;
                let mut db = Db::My(Box::new(conn));
                db.exec(cfg, "SET NAMES utf8mb4")?;
                Ok(db)
            }
        }
    }

    /// Runs a statement without results.
    fn exec(&mut self, cfg: &DbConfig, sql: &str) -> Result<u64, Error> {
        match self {
            Db::Pg(c) => c
                .execute(sql, &[])
                .map_err(|e| db_error(cfg, "query failed", &pg_message(&e))),
            Db::My(c) => {
                use mysql::prelude::Queryable;
                c.query_drop(sql)
                    .map_err(|e| db_error(cfg, "query failed", &e))?;
                Ok(c.affected_rows())
            }
        }
    }

    /// Runs a query whose result is one row of integers (NULL: `None`).
    fn ints(&mut self, cfg: &DbConfig, sql: &str) -> Result<Vec<Option<i64>>, Error> {
        let mut out = Vec::new();
        self.each_text_row(cfg, sql, &mut |row| {
            out = row
                .iter()
                .map(|v| v.and_then(|b| std::str::from_utf8(b).ok()?.parse().ok()))
                .collect();
            Ok(())
        })?;
        Ok(out)
    }

    /// Streams the rows of a query whose columns are all text (PostgreSQL:
    /// cast to `text` in the query).
    fn each_text_row(&mut self, cfg: &DbConfig, sql: &str, f: &mut RowFn<'_>) -> Result<(), Error> {
        match self {
            Db::Pg(c) => {
                use postgres::fallible_iterator::FallibleIterator;
                let none: [&(dyn postgres::types::ToSql + Sync); 0] = [];
                let mut it = c
                    .query_raw(sql, none.iter().copied())
                    .map_err(|e| db_error(cfg, "query failed", &pg_message(&e)))?;
                while let Some(row) = it
                    .next()
                    .map_err(|e| db_error(cfg, "query failed", &pg_message(&e)))?
                {
                    let mut vals: Vec<Option<&[u8]>> = Vec::with_capacity(row.len());
                    for i in 0..row.len() {
                        let v: Option<&str> = row
                            .try_get(i)
                            .map_err(|e| db_error(cfg, "query failed", &pg_message(&e)))?;
                        vals.push(v.map(str::as_bytes));
                    }
                    f(&vals)?;
                }
                Ok(())
            }
            Db::My(c) => {
                use mysql::prelude::Queryable;
                let result = c
                    .query_iter(sql)
                    .map_err(|e| db_error(cfg, "query failed", &e))?;
                let mut owned: Vec<mysql::Value>;
                let mut nums: Vec<Vec<u8>> = Vec::new();
                for row in result {
                    let row = row.map_err(|e| db_error(cfg, "query failed", &e))?;
                    owned = row.unwrap();
                    nums.clear();
                    for v in &owned {
                        nums.push(match v {
                            mysql::Value::Int(n) => n.to_string().into_bytes(),
                            mysql::Value::UInt(n) => n.to_string().into_bytes(),
                            _ => Vec::new(),
                        });
                    }
                    let mut vals: Vec<Option<&[u8]>> = Vec::with_capacity(owned.len());
                    for (v, n) in owned.iter().zip(&nums) {
                        vals.push(match v {
                            mysql::Value::NULL => None,
                            mysql::Value::Bytes(b) => Some(&b[..]),
                            mysql::Value::Int(_) | mysql::Value::UInt(_) => Some(&n[..]),
                            _ => {
                                return Err(Error::new(
                                    ErrorKind::Input,
                                    format!("{}: a value of an unexpected type", cfg.describe()),
                                ))
                            }
                        });
                    }
                    f(&vals)?;
                }
                Ok(())
            }
        }
    }

    /// `{prefix}NAME` quoted for this server.
    fn table(&self, cfg: &DbConfig, name: &str) -> String {
        match self {
            Db::Pg(_) => format!("\"{}\"", cfg.table(name)),
            Db::My(_) => format!("`{}`", cfg.table(name)),
        }
    }

    /// A column as text.
    fn text_col(&self, name: &str) -> String {
        match self {
            Db::Pg(_) => format!("{name}::text"),
            Db::My(_) => name.to_string(),
        }
    }

    /// Streams the log's rows that `q` selects, in id order, as the 21
    /// columns of [`LOG_COLUMNS`] in text form (`None`: NULL).
    pub fn log_rows(
        &mut self,
        cfg: &DbConfig,
        q: &RowQuery,
        f: &mut RowFn<'_>,
    ) -> Result<(), Error> {
        let cols: Vec<String> = LOG_COLUMNS.iter().map(|c| self.text_col(c)).collect();
        let sql = format!(
            "SELECT {} FROM {}{}",
            cols.join(", "),
            self.table(cfg, "logstore_standard_log"),
            q.clause()
        );
        self.each_text_row(cfg, &sql, f)
    }

    /// PostgreSQL: streams the rows `q` selects as the server's own CSV
    /// records (`COPY (SELECT ...) TO STDOUT (FORMAT csv)`, what `psql
    /// \copy ... CSV` prints), each without its line end, with its id.
    /// Returns `false` (and reads nothing) on other servers.
    pub fn log_csv(
        &mut self,
        cfg: &DbConfig,
        q: &RowQuery,
        f: &mut RecordFn<'_>,
    ) -> Result<bool, Error> {
        let Db::Pg(c) = self else {
            return Ok(false);
        };
        let sql = format!(
            "COPY (SELECT {} FROM \"{}\"{}) TO STDOUT (FORMAT csv)",
            LOG_COLUMNS.join(", "),
            cfg.table("logstore_standard_log"),
            q.clause()
        );
        let mut rd = c
            .copy_out(sql.as_str())
            .map_err(|e| db_error(cfg, "query failed", &pg_message(&e)))?;
        let d = crate::format::csv::Dialect {
            delimiter: b',',
            escape: crate::format::csv::Escape::Double,
        };
        let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
        let mut chunk = vec![0u8; 1 << 20];
        let mut eof = false;
        while !eof {
            use std::io::Read;
            let n = rd
                .read(&mut chunk)
                .map_err(|e| db_error(cfg, "query failed", &e))?;
            if n == 0 {
                eof = true;
                if !buf.is_empty() && buf.last() != Some(&b'\n') {
                    buf.push(b'\n');
                }
            }
            buf.extend_from_slice(&chunk[..n]);
            let mut start = 0;
            while let Some(e) = d.record_end(&buf[start..]) {
                let rec = crate::format::csv::trim_terminator(&buf[start..start + e]);
                let id = rec
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .fold(0i64, |a, &b| {
                        a.saturating_mul(10).saturating_add(i64::from(b - b'0'))
                    });
                f(rec, id)?;
                start += e;
            }
            buf.drain(..start);
        }
        Ok(true)
    }

    /// How many rows are older than `cutoff`, and their time range.
    pub fn older_than(&mut self, cfg: &DbConfig, cutoff: i64) -> Result<Older, Error> {
        let sql = format!(
            "SELECT {}, {}, {} FROM {} WHERE timecreated < {cutoff}",
            self.text_col("count(*)"),
            self.text_col("min(timecreated)"),
            self.text_col("max(timecreated)"),
            self.table(cfg, "logstore_standard_log"),
        );
        let v = self.ints(cfg, &sql)?;
        Ok(Older {
            rows: v.first().copied().flatten().unwrap_or(0) as u64,
            oldest: v.get(1).copied().flatten(),
            newest: v.get(2).copied().flatten(),
        })
    }

    /// Deletes one chunk of rows older than `cutoff`: those among the
    /// `chunk_rows` ids from the oldest such row's, in one short
    /// transaction. Rows of that id range that are not older than the
    /// cutoff stay. `None` when no row is older.
    pub fn delete_chunk(
        &mut self,
        cfg: &DbConfig,
        cutoff: i64,
        chunk_rows: u64,
    ) -> Result<Option<Chunk>, Error> {
        let t = self.table(cfg, "logstore_standard_log");
        let first = self.ints(
            cfg,
            &format!(
                "SELECT {} FROM {t} WHERE timecreated < {cutoff}",
                self.text_col("min(id)")
            ),
        )?;
        let Some(lo) = first.first().copied().flatten() else {
            return Ok(None);
        };
        let hi = lo.saturating_add(chunk_rows.max(1) as i64 - 1);
        let range = format!("id >= {lo} AND id <= {hi} AND timecreated < {cutoff}");
        self.exec(cfg, "BEGIN")?;
        let result = (|| {
            let span = self.ints(
                cfg,
                &format!(
                    "SELECT {}, {} FROM {t} WHERE {range}",
                    self.text_col("min(timecreated)"),
                    self.text_col("max(timecreated)")
                ),
            )?;
            let rows = self.exec(cfg, &format!("DELETE FROM {t} WHERE {range}"))?;
            self.exec(cfg, "COMMIT")?;
            Ok(Chunk {
                ids: (lo, hi),
                rows,
                time: (
                    span.first().copied().flatten().unwrap_or(0),
                    span.get(1).copied().flatten().unwrap_or(0),
                ),
            })
        })();
        if result.is_err() {
            let _ = self.exec(cfg, "ROLLBACK");
        }
        result.map(Some)
    }

    /// The people of `{prefix}user`, deleted users included.
    pub fn people(&mut self, cfg: &DbConfig) -> Result<Vec<Person>, Error> {
        let cols = [
            "id",
            "username",
            "firstname",
            "lastname",
            "email",
            "idnumber",
            "alternatename",
            "middlename",
        ];
        let sql = format!(
            "SELECT {} FROM {} ORDER BY id",
            cols.iter()
                .map(|c| self.text_col(c))
                .collect::<Vec<_>>()
                .join(", "),
            self.table(cfg, "user")
        );
        let mut people = Vec::new();
        self.each_text_row(cfg, &sql, &mut |r| {
            let s = |i: usize| {
                r.get(i)
                    .copied()
                    .flatten()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default()
            };
            people.push(Person {
                id: s(0),
                username: s(1),
                firstname: s(2),
                lastname: s(3),
                email: s(4),
                idnumber: s(5),
                alternatename: s(6),
                middlename: s(7),
            });
            Ok(())
        })?;
        Ok(people)
    }

    /// The ids of the visible courses of `{prefix}course` (without the
    /// front page, id 1): the public course list.
    pub fn public_courses(&mut self, cfg: &DbConfig) -> Result<Vec<i64>, Error> {
        let sql = format!(
            "SELECT {} FROM {} WHERE visible = 1 AND id <> 1 ORDER BY id",
            self.text_col("id"),
            self.table(cfg, "course")
        );
        let mut ids = Vec::new();
        self.each_text_row(cfg, &sql, &mut |r| {
            if let Some(n) = r
                .first()
                .copied()
                .flatten()
                .and_then(|b| std::str::from_utf8(b).ok()?.parse().ok())
            {
                ids.push(n);
            }
            Ok(())
        })?;
        Ok(ids)
    }
}
