//! The configuration file (`/etc/anonlog/anonlog.toml`): retention sources
//! for `anonlog rotate`, the keyring's schedule, and the defaults of
//! `anonlog anonymize`.
//!
//! This module owns parsing and validation only: every duration, glob,
//! destination and enum is checked when the file is read, so that a mistake
//! is reported with the source's name before anything is touched.
//!
//! ```toml
//! audit_log = "/var/log/anonlog/audit.jsonl"
//!
//! [anonymize]
//! key_dir = "/var/lib/anonlog/keys"
//! ipv4_prefix = 24
//!
//! [keys]
//! destroy_after = "14d"
//!
//! [[source]]
//! name = "apache"
//! paths = ["/var/log/apache2/access.log.*"]
//! kind = "access"
//! window = "7d"
//! action = "anonymize-then-delete"
//! destination = "/var/log/anonlog/apache/{name}"
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, ErrorKind};
use crate::format::layout::{Layout, LayoutError};
use crate::format::Format;
use crate::ip::{IpMode, IpPolicy};
use crate::keyring::Keyring;
use crate::pseudonym::{Key, Pseudonymizer};
use crate::rewrite::policy::{Policy, SiteLists};
use crate::rewrite::roster::Roster;
use crate::rewrite::rules::{FreeText, UaPolicy};
use crate::rewrite::{Keys, Options, Rewriter};
use crate::time::parse_duration;

/// Where the config is read from when `--config` is not given.
pub const DEFAULT_PATH: &str = "/etc/anonlog/anonlog.toml";

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The audit log (JSON lines), appended to by every change `rotate`
    /// makes. Default `/var/log/anonlog/audit.jsonl`.
    #[serde(default = "default_audit_log")]
    pub audit_log: PathBuf,
    /// The lock file that keeps two `rotate` runs apart. Default: the audit
    /// log's directory, `rotate.lock`.
    pub lock_file: Option<PathBuf>,
    /// Defaults for `anonymize` (and for anonymize-then-delete).
    #[serde(default)]
    pub anonymize: AnonymizeDefaults,
    /// The keyring's schedule, if `rotate` manages keys.
    pub keys: Option<KeysConfig>,
    /// The retention sources, in order.
    #[serde(default, rename = "source")]
    pub sources: Vec<Source>,
    /// Moodle's database, when it is not read from Moodle's `config.php`.
    pub moodle_db: Option<MoodleDbConfig>,
}

/// `[moodle_db]`: Moodle's database, the fields of `config.php` (see
/// [`crate::moodledb`]); the password is in `password_file` (mode 0600).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoodleDbConfig {
    /// `pgsql`, `mariadb` or `mysqli`.
    pub dbtype: String,
    /// Host name or address. Default `localhost`.
    #[serde(default = "default_dbhost")]
    pub dbhost: String,
    /// Database name.
    pub dbname: String,
    /// User (a read-only one is enough for export and stats).
    pub dbuser: String,
    /// A file whose first line is the password, readable by its owner only.
    pub password_file: Option<PathBuf>,
    /// Moodle's table prefix. Default `mdl_`.
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// TCP port. Default 5432 (PostgreSQL) or 3306 (MariaDB/MySQL).
    pub dbport: Option<u16>,
    /// A unix socket: PostgreSQL's socket directory, MariaDB's socket file.
    pub dbsocket: Option<PathBuf>,
}

fn default_dbhost() -> String {
    "localhost".into()
}

fn default_prefix() -> String {
    "mdl_".into()
}

fn default_audit_log() -> PathBuf {
    PathBuf::from("/var/log/anonlog/audit.jsonl")
}

/// `[anonymize]`: what `anonymize` uses when the command line does not say.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnonymizeDefaults {
    /// A keyring directory (`--key-dir`).
    pub key_dir: Option<PathBuf>,
    /// A static key file (`--key-file`).
    pub key_file: Option<PathBuf>,
    /// `--ipv4-prefix`.
    pub ipv4_prefix: Option<u8>,
    /// `--ipv6-prefix`.
    pub ipv6_prefix: Option<u8>,
    /// `--ip-mode`: `truncate` or `pfx`.
    pub ip_mode: Option<String>,
    /// `--user-agent`: `auto`, `keep`, `family` or `drop`.
    pub user_agent: Option<String>,
    /// Added to `--secret-param`.
    #[serde(default)]
    pub secret_params: Vec<String>,
    /// Added to `--identity-param`.
    #[serde(default)]
    pub identity_params: Vec<String>,
    /// Added to `--keep-param`.
    #[serde(default)]
    pub keep_params: Vec<String>,
    /// `--free-text`: `strict` or `lenient`.
    pub free_text: Option<String>,
    /// `--roster`: a CSV export of Moodle's user table (mode 0600).
    pub roster: Option<PathBuf>,
    /// `--trailing-user`.
    #[serde(default)]
    pub trailing_user: bool,
    /// `--log-format`: the access log's Apache LogFormat string.
    pub log_format: Option<String>,
    /// `--nginx-format`: the access log's nginx log_format.
    pub nginx_format: Option<String>,
}

impl AnonymizeDefaults {
    /// The rewriting options these defaults give (unset values take the
    /// command line's defaults), with `now` as the run's time.
    pub fn options(&self, now: i64) -> Options {
        let policy = IpPolicy {
            v4_prefix: self.ipv4_prefix.unwrap_or(24),
            v6_prefix: self.ipv6_prefix.unwrap_or(48),
            mode: match self.ip_mode.as_deref() {
                Some("pfx") => IpMode::Pfx,
                _ => IpMode::Truncate,
            },
        };
        Options {
            policy,
            values: Policy::with_site(&self.site_lists()),
            free_text: match self.free_text.as_deref() {
                Some("lenient") => FreeText::Lenient,
                _ => FreeText::Strict,
            },
            trailing_user: self.trailing_user,
            layout: self.layout().ok().flatten(),
            user_agent: match self.user_agent.as_deref() {
                Some("keep") => UaPolicy::Keep,
                Some("family") => UaPolicy::Family,
                Some("drop") => UaPolicy::Drop,
                _ => UaPolicy::Auto,
            },
            now,
            ..Options::default()
        }
    }

    /// The declared access-log layout (`log_format` or `nginx_format`).
    pub fn layout(&self) -> Result<Option<std::sync::Arc<Layout>>, LayoutError> {
        Layout::from_strings(self.log_format.as_deref(), self.nginx_format.as_deref())
    }

    /// The site's additions to the value policy.
    pub fn site_lists(&self) -> SiteLists {
        SiteLists {
            keep: self.keep_params.clone(),
            secret: self.secret_params.clone(),
            identity: self.identity_params.clone(),
        }
    }

    /// The roster named by `roster`, loaded.
    pub fn load_roster(&self) -> Result<Option<std::sync::Arc<Roster>>, Error> {
        self.roster
            .as_deref()
            .map(|p| Roster::load(p).map(std::sync::Arc::new))
            .transpose()
    }

    /// A rewriter with these defaults and their key (`key_dir` or
    /// `key_file`).
    pub fn rewriter(&self, now: i64) -> Result<Rewriter, Error> {
        let keys = match (&self.key_dir, &self.key_file) {
            (Some(d), _) => Keys::Ring(Keyring::open(d)?),
            (None, Some(f)) => Keys::Static(Box::new(Pseudonymizer::new(&Key::load(f)?))),
            (None, None) => {
                return Err(Error::new(
                    ErrorKind::Config,
                    "[anonymize] has neither key_dir nor key_file",
                ))
            }
        };
        let mut opts = self.options(now);
        opts.roster = self.load_roster()?;
        Ok(Rewriter::with_keys(opts, keys))
    }
}

/// `[keys]`: the keyring `rotate` keeps.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
    /// The keyring (default: `anonymize.key_dir`).
    pub dir: Option<PathBuf>,
    /// Destroy the key of an epoch this long after the epoch ended (e.g.
    /// `14d`): its pseudonyms become unlinkable.
    pub destroy_after: String,
}

/// What a source's files are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// Raw web-server access logs.
    Access,
    /// Raw BigBlueButton logs.
    Bbb,
    /// Raw Moodle CSV exports (logstore or report).
    Moodle,
    /// Output of `anonlog anonymize` (any format, detected).
    Anonymized,
    /// Anything: the format is detected per file.
    Auto,
    /// Rows of Moodle's `{prefix}logstore_standard_log`, in the database
    /// (`moodle_config` or `[moodle_db]`; no `paths`; action `delete`).
    MoodleDb,
}

impl SourceKind {
    /// The format to read files of this kind in (`None`: detect).
    pub fn format(self) -> Option<Format> {
        match self {
            SourceKind::Access => Some(Format::Access),
            SourceKind::Bbb => Some(Format::Bbb),
            SourceKind::Moodle | SourceKind::Anonymized | SourceKind::Auto => None,
            SourceKind::MoodleDb => None,
        }
    }
}

/// What happens to a file (or its records) past the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Delete the whole file once its newest record is older than the
    /// window.
    Delete,
    /// Remove the records older than the window from the file.
    Prune,
    /// Once its newest record is older than the window: write the
    /// anonymized copy to `destination`, verify it, delete the file.
    AnonymizeThenDelete,
}

impl Action {
    /// The name used in the config, plans and the audit log.
    pub fn name(self) -> &'static str {
        match self {
            Action::Delete => "delete",
            Action::Prune => "prune",
            Action::AnonymizeThenDelete => "anonymize-then-delete",
        }
    }
}

/// One `[[source]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// A name for messages and the audit log.
    pub name: String,
    /// Glob patterns of the files (`*`, `?`, `[...]`, `**`).
    #[serde(default)]
    pub paths: Vec<String>,
    /// What the files are.
    pub kind: SourceKind,
    /// How long records (or whole files, after their newest record) may
    /// exist: `7d`, `30d`, `6mo`, `1y`, any duration.
    pub window: String,
    /// What to do past the window.
    pub action: Action,
    /// For anonymize-then-delete: where the anonymized copy goes; `{name}`
    /// is the raw file's name (required, so that every raw file has its own
    /// copy and a repeated run rewrites the same file).
    pub destination: Option<String>,
    /// The access log's Apache LogFormat string (default: `[anonymize]`'s).
    pub log_format: Option<String>,
    /// The access log's nginx log_format (default: `[anonymize]`'s).
    pub nginx_format: Option<String>,
    /// `moodle-db`: Moodle's `config.php` (default: the config's
    /// `[moodle_db]`).
    pub moodle_config: Option<PathBuf>,
    /// `moodle-db`: ids per chunk, each deleted in its own transaction
    /// (default 10000).
    pub chunk_rows: Option<u64>,
    /// `moodle-db`: no new chunk is started after this much time per run
    /// (default `300s`, like Moodle's cleanup task).
    pub time_budget: Option<String>,
}

impl Source {
    /// The layout this source declares (`log_format` or `nginx_format`).
    pub fn layout(&self) -> Result<Option<std::sync::Arc<Layout>>, LayoutError> {
        Layout::from_strings(self.log_format.as_deref(), self.nginx_format.as_deref())
    }

    /// The window in seconds (validated on load).
    pub fn window_secs(&self) -> i64 {
        parse_duration(&self.window).map_or(i64::MAX, |d| i64::try_from(d).unwrap_or(i64::MAX))
    }

    /// The anonymized copy of raw file `raw`.
    pub fn destination_for(&self, raw: &Path) -> Option<PathBuf> {
        let name = raw.file_name()?.to_string_lossy();
        self.destination
            .as_ref()
            .map(|d| PathBuf::from(d.replace("{name}", &name)))
    }
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("cannot read config {}: {e}", path.display()),
            )
        })?;
        Config::parse(&text).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("config {}: {}", path.display(), e.message()),
            )
        })
    }

    /// Parses and validates config text.
    pub fn parse(text: &str) -> Result<Config, Error> {
        let cfg: Config =
            toml::from_str(text).map_err(|e| Error::new(ErrorKind::Config, e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The lock file's path.
    pub fn lock_path(&self) -> PathBuf {
        self.lock_file.clone().unwrap_or_else(|| {
            self.audit_log
                .parent()
                .unwrap_or(Path::new("."))
                .join("rotate.lock")
        })
    }

    /// This config split into runs by access-log layout, for `rotate`,
    /// whose rewriter serves every source of a run: the first run has
    /// `[keys]` and every source that declares no layout of its own (they
    /// take `[anonymize]`'s); each further run has the sources that declare
    /// one same layout, with it as `[anonymize]`'s, and no `[keys]`.
    pub fn runs_by_layout(&self) -> Vec<Config> {
        let own = |s: &Source| (s.log_format.clone(), s.nginx_format.clone());
        let mut first = self.clone();
        first.sources.retain(|s| own(s) == (None, None));
        let mut runs = vec![first];
        let mut seen: Vec<(Option<String>, Option<String>)> = Vec::new();
        for s in &self.sources {
            let l = own(s);
            if l == (None, None) || seen.contains(&l) {
                continue;
            }
            let mut run = self.clone();
            run.keys = None;
            run.sources.retain(|x| own(x) == l);
            run.anonymize.log_format = l.0.clone();
            run.anonymize.nginx_format = l.1.clone();
            seen.push(l);
            runs.push(run);
        }
        runs
    }

    /// The keyring directory `rotate` manages, if any.
    pub fn key_dir(&self) -> Option<&Path> {
        let k = self.keys.as_ref()?;
        k.dir.as_deref().or(self.anonymize.key_dir.as_deref())
    }

    fn validate(&self) -> Result<(), Error> {
        let mut names = std::collections::HashSet::new();
        for s in &self.sources {
            if !names.insert(&s.name) {
                return invalid(format!("source \"{}\" is defined twice", s.name));
            }
            self.validate_source(s)?;
        }
        if let Some(k) = &self.keys {
            parse_duration(&k.destroy_after)
                .map_err(|e| Error::new(ErrorKind::Config, format!("[keys]: {}", e.message())))?;
            if self.key_dir().is_none() {
                return invalid("[keys] needs dir, or [anonymize] key_dir".into());
            }
        }
        self.anonymize.validate()
    }

    fn validate_source(&self, s: &Source) -> Result<(), Error> {
        let what = format!("source \"{}\"", s.name);
        if s.name.is_empty() {
            return invalid("a source has an empty name".into());
        }
        if s.kind == SourceKind::MoodleDb {
            return self.validate_db_source(s, &what);
        }
        if s.moodle_config.is_some() || s.chunk_rows.is_some() || s.time_budget.is_some() {
            return invalid(format!(
                "{what}: moodle_config, chunk_rows and time_budget are only for kind = \"moodle-db\""
            ));
        }
        if s.paths.is_empty() {
            return invalid(format!("{what} has no paths"));
        }
        for p in &s.paths {
            if let Err(e) = glob::Pattern::new(p) {
                return invalid(format!("{what}: path pattern {p:?}: {e}"));
            }
            if !Path::new(p).is_absolute() {
                return invalid(format!(
                    "{what}: path pattern {p:?} is relative; write an absolute path"
                ));
            }
        }
        parse_duration(&s.window)
            .map_err(|e| Error::new(ErrorKind::Config, format!("{what}: {}", e.message())))?;
        if let Err(e) = s.layout() {
            return invalid(format!("{what}: {e}"));
        }
        match (s.action, &s.destination) {
            (Action::AnonymizeThenDelete, None) => {
                invalid(format!("{what}: anonymize-then-delete needs a destination"))
            }
            (Action::AnonymizeThenDelete, Some(d)) if !d.contains("{name}") => invalid(format!(
                "{what}: destination {d:?} must contain {{name}} (the raw file's \
                 name), so that each raw file has its own anonymized copy"
            )),
            (Action::AnonymizeThenDelete, Some(_)) if s.kind == SourceKind::Anonymized => {
                invalid(format!("{what}: its files are anonymized already"))
            }
            (Action::AnonymizeThenDelete, Some(_))
                if self.anonymize.key_dir.is_none() && self.anonymize.key_file.is_none() =>
            {
                invalid(format!(
                    "{what}: anonymize-then-delete needs [anonymize] key_dir or key_file"
                ))
            }
            (Action::AnonymizeThenDelete, Some(_)) | (_, None) => Ok(()),
            (_, Some(_)) => invalid(format!(
                "{what}: destination is only for anonymize-then-delete"
            )),
        }
    }
}

impl Config {
    /// A `moodle-db` source: a window, action `delete`, no paths, a
    /// connection, and a sound chunk size and time budget.
    fn validate_db_source(&self, s: &Source, what: &str) -> Result<(), Error> {
        parse_duration(&s.window)
            .map_err(|e| Error::new(ErrorKind::Config, format!("{what}: {}", e.message())))?;
        if !s.paths.is_empty() || s.destination.is_some() {
            return invalid(format!(
                "{what}: a moodle-db source has no paths or destination (its rows are in the database)"
            ));
        }
        if s.action != Action::Delete {
            return invalid(format!(
                "{what}: a moodle-db source deletes its old rows: action = \"delete\""
            ));
        }
        if s.moodle_config.is_none() && self.moodle_db.is_none() {
            return invalid(format!("{what}: needs moodle_config, or [moodle_db]"));
        }
        if s.chunk_rows == Some(0) {
            return invalid(format!("{what}: chunk_rows must be at least 1"));
        }
        if let Some(b) = &s.time_budget {
            parse_duration(b).map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("{what}: time_budget: {}", e.message()),
                )
            })?;
        }
        Ok(())
    }
}

impl AnonymizeDefaults {
    fn validate(&self) -> Result<(), Error> {
        if let Err(e) = self.layout() {
            return invalid(format!("[anonymize]: {e}"));
        }
        if self.key_dir.is_some() && self.key_file.is_some() {
            return invalid("[anonymize]: key_dir and key_file exclude each other".into());
        }
        if self.ipv4_prefix.is_some_and(|p| p > 32) || self.ipv6_prefix.is_some_and(|p| p > 128) {
            return invalid(
                "[anonymize]: ipv4_prefix is at most 32, ipv6_prefix at most 128".into(),
            );
        }
        if let Some(m) = &self.ip_mode {
            if !matches!(m.as_str(), "truncate" | "pfx") {
                return invalid(format!("[anonymize]: ip_mode {m:?}: use truncate or pfx"));
            }
        }
        if let Some(m) = &self.free_text {
            if !matches!(m.as_str(), "strict" | "lenient") {
                return invalid(format!(
                    "[anonymize]: free_text {m:?}: use strict or lenient"
                ));
            }
        }
        if let Some(m) = &self.user_agent {
            if !matches!(m.as_str(), "auto" | "keep" | "family" | "drop") {
                return invalid(format!(
                    "[anonymize]: user_agent {m:?}: use auto, keep, family or drop"
                ));
            }
        }
        Ok(())
    }
}

/// A config mistake.
fn invalid(m: String) -> Result<(), Error> {
    Err(Error::new(ErrorKind::Config, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
audit_log = "/var/log/anonlog/audit.jsonl"

[anonymize]
key_dir = "/var/lib/anonlog/keys"
ipv4_prefix = 16
secret_params = ["ticket2"]

[keys]
destroy_after = "14d"

[[source]]
name = "apache"
paths = ["/var/log/apache2/access.log.*"]
kind = "access"
window = "7d"
action = "anonymize-then-delete"
destination = "/var/log/anonlog/apache/{name}"

[[source]]
name = "moodle"
paths = ["/srv/exports/*.csv"]
kind = "moodle"
window = "30d"
action = "prune"
"#;

    #[test]
    fn a_full_config_loads() {
        let c = Config::parse(GOOD).unwrap();
        assert_eq!(c.sources.len(), 2);
        assert_eq!(c.sources[0].action, Action::AnonymizeThenDelete);
        assert_eq!(c.sources[1].window_secs(), 30 * 86_400);
        assert_eq!(c.anonymize.ipv4_prefix, Some(16));
        assert_eq!(c.key_dir(), Some(Path::new("/var/lib/anonlog/keys")));
        assert_eq!(c.lock_path(), Path::new("/var/log/anonlog/rotate.lock"));
        assert_eq!(
            c.sources[0].destination_for(Path::new("/var/log/apache2/access.log.3")),
            Some(PathBuf::from("/var/log/anonlog/apache/access.log.3"))
        );
    }

    #[test]
    fn sources_with_their_own_layout_run_apart() {
        let text = GOOD.to_string()
            + r#"
[[source]]
name = "nginx"
paths = ["/var/log/nginx/access.log.*"]
kind = "access"
window = "7d"
action = "anonymize-then-delete"
destination = "/var/log/anonlog/nginx/{name}"
nginx_format = '$remote_addr [$time_local] "$request" $status "$sent_http_x_moodleuser"'
"#;
        let c = Config::parse(&text).unwrap();
        let runs = c.runs_by_layout();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].sources.len(), 2);
        assert!(runs[0].anonymize.layout().unwrap().is_none());
        assert_eq!(runs[1].sources.len(), 1);
        assert!(runs[1].keys.is_none());
        assert!(runs[1].anonymize.layout().unwrap().is_some());
        let bad = text.replace("$status", "${status");
        let e = Config::parse(&bad).unwrap_err();
        assert!(
            e.message()
                .contains("source \"nginx\": --nginx-format: unclosed"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn mistakes_are_named() {
        let bad = |from: &str, to: &str, want: &str| {
            let text = GOOD.replacen(from, to, 1);
            let e = Config::parse(&text).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config);
            assert!(
                e.message().contains(want),
                "{want:?} not in {:?}",
                e.message()
            );
        };
        bad(
            "window = \"7d\"",
            "window = \"7 days\"",
            "source \"apache\": invalid duration",
        );
        bad("/{name}", "/x", "must contain {name}");
        bad(
            "kind = \"access\"",
            "kind = \"acces\"",
            "unknown variant `acces`",
        );
        bad(
            "action = \"prune\"",
            "action = \"purge\"",
            "unknown variant `purge`",
        );
        bad(
            "ipv4_prefix = 16",
            "ipv4_prefix = 40",
            "ipv4_prefix is at most 32",
        );
        bad(
            "destroy_after = \"14d\"",
            "destroy_after = \"soon\"",
            "[keys]: invalid duration",
        );
        bad("name = \"moodle\"", "name = \"apache\"", "defined twice");
        bad("\"/srv/exports/*.csv\"", "\"exports/*.csv\"", "is relative");
        bad(
            "secret_params",
            "secret_parameters",
            "unknown field `secret_parameters`",
        );
    }
}
