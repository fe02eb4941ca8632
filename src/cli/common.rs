//! What several subcommands share: the argument groups for formats, address
//! prefixes, parameter lists and `--now`, and the inputs named on a command
//! line.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};

use anonlog::error::Error;
use anonlog::format::layout::Layout;
use anonlog::format::Format;
use anonlog::input::Input;
use anonlog::ip::IpPolicy;
use anonlog::rewrite::policy::SiteLists;
use anonlog::rewrite::rules::FreeText;
use anonlog::time::{parse_time, wall_clock};

/// Input formats for `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Detect per input.
    Auto,
    /// Apache/nginx access logs: common, combined, vhost_combined, nginx
    /// main, X-Forwarded-For lists, Moodle user fields, trailing fields.
    Access,
    /// BigBlueButton logs: bbb-web, bbb-apps-akka (with or without a
    /// journald prefix), the nginx html5-client log, stack traces.
    Bbb,
    /// Moodle's logstore_standard_log exported as CSV (PostgreSQL COPY,
    /// MySQL INTO OUTFILE / mysqldump --tab, phpMyAdmin, Adminer, pandas):
    /// any subset and order of its columns, named in the header.
    MoodleLogstore,
    /// Moodle's Logs report downloaded as CSV, header in English, German,
    /// French, Spanish (or any language, recognised by its shape).
    MoodleReport,
    /// No structure: scrub every line (addresses, e-mail addresses, secret
    /// and identity parameters).
    Generic,
}

impl FormatArg {
    /// The forced format, or `None` to detect.
    pub fn format(self) -> Option<Format> {
        match self {
            FormatArg::Auto => None,
            FormatArg::Access => Some(Format::Access),
            FormatArg::Bbb => Some(Format::Bbb),
            FormatArg::MoodleLogstore => Some(Format::MoodleLogstore),
            FormatArg::MoodleReport => Some(Format::MoodleReport),
            FormatArg::Generic => Some(Format::Generic),
        }
    }
}

/// Address prefixes, shared by `anonymize` and `check`.
#[derive(Debug, Args)]
pub struct PrefixArgs {
    /// Leading bits of an IPv4 address to keep [default: 24, or the
    /// config's ipv4_prefix].
    #[arg(long, value_name = "BITS", value_parser = clap::value_parser!(u8).range(0..=32))]
    ipv4_prefix: Option<u8>,

    /// Leading bits of an IPv6 address to keep [default: 48, or the
    /// config's ipv6_prefix].
    #[arg(long, value_name = "BITS", value_parser = clap::value_parser!(u8).range(0..=128))]
    ipv6_prefix: Option<u8>,
}

impl PrefixArgs {
    /// `base` with the prefixes given on the command line.
    pub fn apply(&self, base: IpPolicy) -> IpPolicy {
        IpPolicy {
            v4_prefix: self.ipv4_prefix.unwrap_or(base.v4_prefix),
            v6_prefix: self.ipv6_prefix.unwrap_or(base.v6_prefix),
            mode: base.mode,
        }
    }
}

/// The site's additions to the value policy, shared by `anonymize` and
/// `check`.
#[derive(Debug, Args)]
pub struct ParamArgs {
    /// Keep the value of parameter or key NAME as it is (it is not
    /// personal): URL queries, JSON and `key=value` in messages
    /// (case-insensitive; repeat or separate with commas). Without a rule,
    /// a value becomes an opaque token.
    #[arg(long = "keep-param", value_name = "NAME", value_delimiter = ',')]
    pub keep_params: Vec<String>,

    /// Also redact the value of parameter or key NAME (case-insensitive;
    /// repeat or separate with commas). Wins over every list.
    #[arg(long = "secret-param", value_name = "NAME", value_delimiter = ',')]
    pub secret_params: Vec<String>,

    /// Also pseudonymize the value of parameter or key NAME as an identity
    /// (case-insensitive; repeat or separate with commas).
    #[arg(long = "identity-param", value_name = "NAME", value_delimiter = ',')]
    pub identity_params: Vec<String>,
}

impl ParamArgs {
    /// These names added to `base` (a config's lists).
    pub fn site_lists(&self, base: SiteLists) -> SiteLists {
        let join = |a: Vec<String>, b: &[String]| [&a[..], b].concat();
        SiteLists {
            keep: join(base.keep, &self.keep_params),
            secret: join(base.secret, &self.secret_params),
            identity: join(base.identity, &self.identity_params),
        }
    }
}

/// Choices for `--free-text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FreeTextArg {
    /// Keep only words of the vocabulary, identifiers made of them, small
    /// numbers and times; every other word of a message becomes an opaque
    /// token (the default: what is not known to be safe does not survive).
    Strict,
    /// Keep words; rewrite only what structure, shape or context marks as
    /// personal (for sites with a --roster).
    Lenient,
}

impl FreeTextArg {
    /// The library's mode.
    pub fn mode(self) -> FreeText {
        match self {
            FreeTextArg::Strict => FreeText::Strict,
            FreeTextArg::Lenient => FreeText::Lenient,
        }
    }
}

/// `--now`, for cron jobs that must act on a given time, and for tests.
#[derive(Debug, Args)]
pub struct NowArg {
    /// Act as if it were TIME (`@UNIX-SECONDS`, `2026-11-25`,
    /// `2026-11-25T10:00:00Z`) [default: the current time].
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
}

impl NowArg {
    /// The time given, or the wall clock.
    pub fn get(&self) -> Result<i64, Error> {
        match &self.now {
            None => Ok(wall_clock()),
            Some(s) => parse_time(s, wall_clock()),
        }
    }
}

/// The inputs named on a command line: standard input for none or `-`.
pub fn inputs_of(files: &[PathBuf]) -> Vec<Input> {
    if files.is_empty() {
        return vec![Input::Stdin];
    }
    files
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                Input::Stdin
            } else {
                Input::Path(p.clone())
            }
        })
        .collect()
}

/// Worker threads: as given, or one per core.
pub fn threads(given: Option<std::num::NonZeroUsize>) -> usize {
    given
        .map(std::num::NonZeroUsize::get)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The input's format and access-log layout, shared by `anonymize`,
/// `stats`, `check`, `lookup` and `erase`.
#[derive(Debug, Args)]
pub struct LayoutArgs {
    /// Input format. `auto` decides per input from its first line.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub format: FormatArg,

    /// The last field of each access line (after the user agent) is a user
    /// field, e.g. `%{MOODLEUSER}n` or `$sent_http_x_moodleuser` appended to
    /// the combined format. It may contain spaces and "X as Y". Prefer
    /// --log-format / --nginx-format, which know every field by position.
    #[arg(long)]
    pub trailing_user: bool,

    /// The access log's Apache LogFormat string, as in the server's
    /// configuration (`%h %l %u %t \"%r\" %>s %b ...`, or the whole
    /// `LogFormat "..." name` line): each field is rewritten by what its
    /// directive holds; a directive anonlog does not know becomes an opaque
    /// token; a line that does not match goes to --on-unparsed [default: the
    /// config's log_format].
    #[arg(long, value_name = "FORMAT", conflicts_with = "nginx_format")]
    pub log_format: Option<String>,

    /// The access log's nginx log_format, as in the server's configuration
    /// (`'$remote_addr - $remote_user [$time_local] ...'`, one or more
    /// quoted strings, or the whole `log_format name ...;`); like
    /// --log-format [default: the config's nginx_format].
    #[arg(long, value_name = "FORMAT")]
    pub nginx_format: Option<String>,
}

impl LayoutArgs {
    /// The declared layout: the command line's, else the config's
    /// (`log_format`, `nginx_format`), compiled. An invalid string is a
    /// usage error naming the directive and its position.
    pub fn layout(
        &self,
        config_apache: Option<&str>,
        config_nginx: Option<&str>,
    ) -> Result<Option<Arc<Layout>>, Error> {
        let (apache, nginx) = match (&self.log_format, &self.nginx_format) {
            (None, None) => (config_apache, config_nginx),
            (a, n) => (a.as_deref(), n.as_deref()),
        };
        Layout::from_strings(apache, nginx)
            .map_err(|e| Error::new(anonlog::error::ErrorKind::Usage, e.to_string()))
    }

    /// The forced format: `access` when a layout is given on the command
    /// line (which another `--format` contradicts: a usage error). A
    /// layout from the config applies to the inputs that are access logs,
    /// detected or forced.
    pub fn forced(&self) -> Result<Option<Format>, Error> {
        let given = self.log_format.is_some() || self.nginx_format.is_some();
        match self.format {
            FormatArg::Auto | FormatArg::Access if given => Ok(Some(Format::Access)),
            f if given => Err(Error::new(
                anonlog::error::ErrorKind::Usage,
                format!(
                    "--format {}: --log-format and --nginx-format describe access logs",
                    f.format().map_or("auto", Format::name)
                ),
            )),
            f => Ok(f.format()),
        }
    }
}
