//! Field layouts compiled from the servers' own format strings: Apache's
//! `LogFormat` (mod_log_config) and nginx's `log_format`
//! (ngx_http_log_module).
//!
//! A [`Layout`] is the string's literal text and its fields in order, each
//! field with a [`Role`] that says how it is rewritten. A directive anonlog
//! does not know is an [`Role::Opaque`] field: its value becomes a keyed
//! token, so a custom field is never passed through raw. [`Layout::parse`]
//! splits a line by the layout: literal text must match byte for byte, a
//! field between quotes ends at the first unescaped `"` (Apache writes `\"`,
//! nginx `\x22`), any other field at the first occurrence of the literal
//! that follows it. Parsing is linear in the line's length, and a layout has
//! at most [`MAX_ITEMS`] items.

use std::fmt;
use std::ops::Range;

use super::combinator::{clf_time_body, ParseError};

/// At most this many literals and fields in a layout.
pub const MAX_ITEMS: usize = 128;
/// At most this many bytes in a format string.
pub const MAX_FORMAT_LEN: usize = 8192;

/// Which server's syntax a format string is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Apache `LogFormat` (`%h %l %u %t \"%r\" %>s %b`).
    Apache,
    /// nginx `log_format` (`$remote_addr - $remote_user [$time_local] ...`).
    Nginx,
}

impl Dialect {
    /// The option that takes a string in this dialect.
    pub fn option(self) -> &'static str {
        match self {
            Dialect::Apache => "--log-format",
            Dialect::Nginx => "--nginx-format",
        }
    }
}

/// How a field's time is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKind {
    /// `10/Oct/2000:13:55:36 -0700` (nginx `$time_local`).
    Clf,
    /// `[10/Oct/2000:13:55:36 -0700]`, brackets included (Apache `%t`).
    ClfBracketed,
    /// `2000-10-10T13:55:36-07:00` (`$time_iso8601`).
    Iso8601,
    /// Seconds with a fraction (`$msec`).
    Seconds,
    /// A format of the admin's choice (`%{...}t`).
    Custom,
}

/// What a field holds, which decides how it is rewritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Client addresses (`%h`, `%a`, `$remote_addr`, X-Forwarded-For lists).
    Client,
    /// The identd name (`%l`).
    Ident,
    /// The user (`%u`, `%{MOODLEUSER}n`, `$remote_user`, `$sent_http_x_moodleuser`).
    User,
    /// The request's time.
    Time(TimeKind),
    /// The request line (`%r`, `$request`).
    Request,
    /// A URL path and/or query (`%U%q`, `$request_uri`, `$uri`, `$args`).
    Url,
    /// The referer (`%{Referer}i`, `$http_referer`).
    Referer,
    /// The user agent (`%{User-Agent}i`, `$http_user_agent`).
    UserAgent,
    /// A status code (`%>s`, `$status`).
    Status,
    /// A byte count or other count (`%b`, `$body_bytes_sent`).
    Size,
    /// A duration (`%D`, `$request_time`): kept only when it is numbers.
    Duration,
    /// The server's configured name (`%v`, `$server_name`, `$hostname`).
    Vhost,
    /// The request method (`%m`, `$request_method`).
    Method,
    /// The protocol or a similar keyword (`%H`, `$scheme`, `$ssl_protocol`).
    Protocol,
    /// A port (`%p`, `$server_port`).
    Port,
    /// A directive anonlog does not know: replaced by a keyed opaque token.
    Opaque,
}

impl Role {
    /// The field's name in parse errors.
    pub fn name(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Ident => "ident",
            Role::User => "user",
            Role::Time(_) => "time",
            Role::Request => "request",
            Role::Url => "url",
            Role::Referer => "referer",
            Role::UserAgent => "user agent",
            Role::Status => "status",
            Role::Size => "size",
            Role::Duration => "duration",
            Role::Vhost => "vhost",
            Role::Method => "method",
            Role::Protocol => "protocol",
            Role::Port => "port",
            Role::Opaque => "custom field",
        }
    }
}

/// One field of a layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// What it holds.
    pub role: Role,
    /// The directive as written (`%{Referer}i`, `$request_time`).
    pub directive: String,
    /// Between double quotes in the layout (`"%r"`).
    pub quoted: bool,
}

/// A part of a layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// Text written as it is.
    Literal(Vec<u8>),
    /// A field (index into [`Layout::fields`]).
    Field(usize),
}

/// A compiled format string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The syntax it was written in.
    pub dialect: Dialect,
    /// Literals and fields in line order; no two fields are adjacent.
    pub items: Vec<Item>,
    /// The fields, in line order.
    pub fields: Vec<Field>,
}

/// Why a format string could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError {
    /// The syntax.
    pub dialect: Dialect,
    /// The directive (or text) at fault.
    pub directive: String,
    /// Its byte offset in the format string.
    pub position: usize,
    /// What is wrong.
    pub why: &'static str,
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} `{}` at byte {}",
            self.dialect.option(),
            self.why,
            self.directive,
            self.position
        )
    }
}

impl std::error::Error for LayoutError {}

/// Builds the item list, merging adjacent URL parts and refusing other
/// adjacent fields.
struct Builder {
    dialect: Dialect,
    items: Vec<Item>,
    fields: Vec<Field>,
    lit: Vec<u8>,
}

impl Builder {
    fn literal(&mut self, b: &[u8]) {
        self.lit.extend_from_slice(b);
    }

    fn flush(&mut self) {
        if !self.lit.is_empty() {
            self.items
                .push(Item::Literal(std::mem::take(&mut self.lit)));
        }
    }

    fn field(&mut self, role: Role, directive: &str, pos: usize) -> Result<(), LayoutError> {
        let dialect = self.dialect;
        let err = |why| LayoutError {
            dialect,
            directive: directive.to_string(),
            position: pos,
            why,
        };
        if self.lit.is_empty() {
            if let Some(Item::Field(k)) = self.items.last() {
                let prev = &mut self.fields[*k];
                // `%U%q`, `$uri$is_args$args`: one URL.
                if prev.role == Role::Url && role == Role::Url {
                    prev.directive.push_str(directive);
                    return Ok(());
                }
                return Err(err(
                    "a field directly after another field cannot be told apart",
                ));
            }
        }
        self.flush();
        if self.items.len() >= MAX_ITEMS {
            return Err(err("too many fields in the format"));
        }
        let quoted = matches!(self.items.last(), Some(Item::Literal(l)) if l.ends_with(b"\""));
        self.items.push(Item::Field(self.fields.len()));
        self.fields.push(Field {
            role,
            directive: directive.to_string(),
            quoted,
        });
        Ok(())
    }

    fn finish(mut self) -> Result<Layout, LayoutError> {
        self.flush();
        if self.items.len() > MAX_ITEMS {
            return Err(LayoutError {
                dialect: self.dialect,
                directive: String::new(),
                position: 0,
                why: "too many fields in the format",
            });
        }
        // A quoted field needs its closing quote too.
        for (k, item) in self.items.iter().enumerate() {
            if let Item::Field(f) = item {
                let closes =
                    matches!(self.items.get(k + 1), Some(Item::Literal(l)) if l.starts_with(b"\""));
                let field = &mut self.fields[*f];
                field.quoted &= closes;
            }
        }
        Ok(Layout {
            dialect: self.dialect,
            items: self.items,
            fields: self.fields,
        })
    }
}

impl Layout {
    /// Compiles a format string in `dialect`. The string may be given as
    /// the server's configuration has it: Apache's with `\"` escapes, in
    /// quotes, or as a whole `LogFormat "..." name` line; nginx's as one or
    /// more quoted strings, or as a whole `log_format name '...' '...';`.
    pub fn compile(dialect: Dialect, spec: &str) -> Result<Layout, LayoutError> {
        if spec.len() > MAX_FORMAT_LEN {
            return Err(LayoutError {
                dialect,
                directive: String::new(),
                position: MAX_FORMAT_LEN,
                why: "format string longer than 8192 bytes",
            });
        }
        match dialect {
            Dialect::Apache => compile_apache(&apache_unwrap(spec)),
            Dialect::Nginx => compile_nginx(&nginx_unwrap(spec)),
        }
    }

    /// The layout named by an Apache and/or an nginx format string (at most
    /// one of them), compiled.
    pub fn from_strings(
        apache: Option<&str>,
        nginx: Option<&str>,
    ) -> Result<Option<std::sync::Arc<Layout>>, LayoutError> {
        let l = match (apache, nginx) {
            (Some(_), Some(n)) => {
                return Err(LayoutError {
                    dialect: Dialect::Nginx,
                    directive: n.chars().take(40).collect(),
                    position: 0,
                    why: "both an Apache and an nginx format given; keep one:",
                })
            }
            (Some(a), None) => Layout::compile(Dialect::Apache, a)?,
            (None, Some(n)) => Layout::compile(Dialect::Nginx, n)?,
            (None, None) => return Ok(None),
        };
        Ok(Some(std::sync::Arc::new(l)))
    }

    /// The index of the first field with role `role`.
    pub fn field_of(&self, pred: impl Fn(Role) -> bool) -> Option<usize> {
        self.fields.iter().position(|f| pred(f.role))
    }

    /// Splits `line` (without its terminator) by the layout into `out`, one
    /// range per field, in order. Trailing white space after the last item
    /// is allowed.
    pub fn parse(&self, line: &[u8], out: &mut Vec<Range<usize>>) -> Result<(), ParseError> {
        out.clear();
        let mut pos = 0;
        for (k, item) in self.items.iter().enumerate() {
            match item {
                Item::Literal(l) => {
                    if !line[pos..].starts_with(l) {
                        let field = match self.items.get(k.wrapping_sub(1)) {
                            Some(Item::Field(f)) => self.fields[*f].role.name(),
                            _ => "literal text",
                        };
                        return Err(ParseError { field, offset: pos });
                    }
                    pos += l.len();
                }
                Item::Field(f) => {
                    let field = &self.fields[*f];
                    let err = ParseError {
                        field: field.role.name(),
                        offset: pos,
                    };
                    let end = if field.quoted {
                        quoted_end(line, pos).ok_or(err)?
                    } else if field.role == Role::Time(TimeKind::ClfBracketed)
                        && line.get(pos) == Some(&b'[')
                    {
                        pos + memchr::memchr(b']', &line[pos..]).ok_or(err)? + 1
                    } else {
                        match self.items.get(k + 1) {
                            Some(Item::Literal(l)) => {
                                // Before Apache's `%t`, the literal must be
                                // followed by its `[`: a user field with
                                // spaces (`%{MOODLEUSER}n %t`) ends there.
                                let bracket = matches!(self.items.get(k + 2),
                                    Some(Item::Field(g)) if self.fields[*g].role
                                        == Role::Time(TimeKind::ClfBracketed));
                                let mut from = pos;
                                loop {
                                    let at = from + find(&line[from..], l).ok_or(err)?;
                                    if !bracket || line.get(at + l.len()) == Some(&b'[') {
                                        break at;
                                    }
                                    from = at + 1;
                                }
                            }
                            _ => line.len(),
                        }
                    };
                    out.push(pos..end);
                    pos = end;
                }
            }
        }
        if line[pos..]
            .iter()
            .all(|&b| b == b' ' || b == b'\t' || b == b'\r')
        {
            Ok(())
        } else {
            Err(ParseError {
                field: "end of line",
                offset: pos,
            })
        }
    }

    /// The time of a parsed line (`fields` from [`Layout::parse`]) as Unix
    /// seconds, from its first time field.
    pub fn timestamp(&self, line: &[u8], fields: &[Range<usize>]) -> Option<i64> {
        let k = self.field_of(|r| matches!(r, Role::Time(_)))?;
        let v = &line[fields.get(k)?.clone()];
        match self.fields[k].role {
            Role::Time(kind) => time_value(kind, v),
            _ => None,
        }
    }
}

/// The value of a time field of `kind`, when it has that shape.
pub fn time_value(kind: TimeKind, v: &[u8]) -> Option<i64> {
    match kind {
        TimeKind::Clf => match clf_time_body(v) {
            Ok((b"", t)) => t,
            _ => None,
        },
        TimeKind::ClfBracketed => {
            let inner = v.strip_prefix(b"[")?.strip_suffix(b"]")?;
            time_value(TimeKind::Clf, inner)
        }
        TimeKind::Iso8601 => crate::time::iso8601_prefix(v)
            .filter(|(_, n)| *n == v.len())
            .map(|(t, _)| t),
        TimeKind::Seconds => {
            let int = v.split(|&b| b == b'.').next()?;
            if int.is_empty() || int.len() > 12 || !int.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(int).ok()?.parse().ok()
        }
        TimeKind::Custom => None,
    }
}

/// The first occurrence of `lit` in `hay`. Literals of a layout are mostly
/// one to three bytes (` `, ` [`, `" "`), for which a scan for the first
/// byte beats setting up a substring searcher per field; longer ones use
/// one. Either way the cost is linear in `hay` (times at most 16 for short
/// literals).
fn find(hay: &[u8], lit: &[u8]) -> Option<usize> {
    let (&first, rest) = lit.split_first()?;
    if lit.len() > 16 {
        return memchr::memmem::find(hay, lit);
    }
    memchr::memchr_iter(first, hay).find(|&p| hay[p + 1..].starts_with(rest))
}

/// The end of a field that starts at `pos` inside double quotes: the first
/// `"` not escaped by a backslash.
fn quoted_end(line: &[u8], pos: usize) -> Option<usize> {
    let mut i = pos;
    while i < line.len() {
        match line[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Apache's format string as the configuration has it, unwrapped: a whole
/// `LogFormat "..." [name]` line, or the string in quotes, gives the string;
/// `\"`, `\\`, `\t` and `\n` are undone as mod_log_config does.
fn apache_unwrap(spec: &str) -> Vec<u8> {
    let mut s = spec.trim();
    if let Some(rest) = s.strip_prefix("LogFormat ") {
        s = rest.trim_start();
    }
    let b = s.as_bytes();
    let body: &[u8] = if b.first() == Some(&b'"') {
        // Up to the closing unescaped quote; a nickname may follow.
        let end = quoted_end(b, 1).unwrap_or(b.len());
        &b[1..end]
    } else {
        b
    };
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' && i + 1 < body.len() {
            out.push(match body[i + 1] {
                b'n' => b'\n',
                b't' => b'\t',
                c => c,
            });
            i += 2;
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// nginx's format as the configuration has it, unwrapped: an optional
/// `log_format NAME` and `escape=...`, then one or more quoted strings
/// (concatenated) and an optional `;`; or the bare string.
fn nginx_unwrap(spec: &str) -> Vec<u8> {
    let mut s = spec.trim();
    if let Some(rest) = s.strip_prefix("log_format") {
        let rest = rest.trim_start();
        // The format's name.
        s = rest
            .find(|c: char| c.is_ascii_whitespace())
            .map_or("", |p| rest[p..].trim_start());
    }
    if let Some(rest) = s.strip_prefix("escape=") {
        s = rest
            .find(|c: char| c.is_ascii_whitespace())
            .map_or("", |p| rest[p..].trim_start());
    }
    let b = s.strip_suffix(';').unwrap_or(s).trim_end().as_bytes();
    if !matches!(b.first(), Some(b'\'' | b'"')) {
        return b.to_vec();
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let q = b[i];
        if q != b'\'' && q != b'"' {
            i += 1; // white space between the strings
            continue;
        }
        i += 1;
        while i < b.len() && b[i] != q {
            if b[i] == b'\\' && i + 1 < b.len() {
                out.push(b[i + 1]);
                i += 2;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        i += 1;
    }
    out
}

fn compile_apache(s: &[u8]) -> Result<Layout, LayoutError> {
    let mut b = Builder {
        dialect: Dialect::Apache,
        items: Vec::new(),
        fields: Vec::new(),
        lit: Vec::new(),
    };
    let err = |directive: &[u8], position, why| LayoutError {
        dialect: Dialect::Apache,
        directive: String::from_utf8_lossy(directive).into_owned(),
        position,
        why,
    };
    let mut i = 0;
    while i < s.len() {
        let Some(p) = memchr::memchr(b'%', &s[i..]) else {
            b.literal(&s[i..]);
            break;
        };
        b.literal(&s[i..i + p]);
        let start = i + p;
        let mut j = start + 1;
        if s.get(j) == Some(&b'%') {
            b.literal(b"%");
            i = j + 1;
            continue;
        }
        // Modifiers: `!`, status lists, `<` / `>`.
        while j < s.len() && matches!(s[j], b'!' | b',' | b'<' | b'>' | b'0'..=b'9') {
            j += 1;
        }
        let mut arg: Option<&[u8]> = None;
        if s.get(j) == Some(&b'{') {
            let Some(c) = memchr::memchr(b'}', &s[j..]) else {
                return Err(err(&s[start..], start, "unclosed `{` in directive"));
            };
            arg = Some(&s[j + 1..j + c]);
            j += c + 1;
        }
        // `%^ti`, `%^to`: trailers.
        let (letter, end) = match s.get(j) {
            Some(b'^') if j + 2 < s.len() => (s[j + 2], j + 3),
            Some(&c) => (c, j + 1),
            None => return Err(err(&s[start..], start, "incomplete directive")),
        };
        let directive = &s[start..end];
        let role = apache_role(letter, arg, &s[j..end])
            .ok_or_else(|| err(directive, start, "unknown directive"))?;
        b.field(role, &String::from_utf8_lossy(directive), start)?;
        i = end;
    }
    b.finish()
}

fn apache_role(letter: u8, arg: Option<&[u8]>, tail: &[u8]) -> Option<Role> {
    let named = |n: &str| arg.is_some_and(|a| a.eq_ignore_ascii_case(n.as_bytes()));
    if tail.first() == Some(&b'^') {
        return Some(Role::Opaque);
    }
    Some(match letter {
        b'h' | b'a' | b'A' => Role::Client,
        b'l' => Role::Ident,
        b'u' => Role::User,
        b't' if arg.is_none() => Role::Time(TimeKind::ClfBracketed),
        b't' => Role::Time(TimeKind::Custom),
        b'r' => Role::Request,
        b'U' | b'q' => Role::Url,
        b's' => Role::Status,
        b'b' | b'B' | b'O' | b'I' | b'S' | b'k' | b'P' => Role::Size,
        b'D' | b'T' => Role::Duration,
        // `%v` is the configured ServerName; `%V` is the client's Host
        // header under Apache's default `UseCanonicalName Off` (mod_log_config,
        // core docs): a client sends what it likes there.
        b'v' => Role::Vhost,
        b'V' => Role::Opaque,
        b'm' => Role::Method,
        b'H' => Role::Protocol,
        b'p' => Role::Port,
        b'i' if named("Referer") => Role::Referer,
        b'i' if named("User-Agent") => Role::UserAgent,
        b'i' if named("X-Forwarded-For") || named("X-Real-IP") => Role::Client,
        b'n' if named("MOODLEUSER") => Role::User,
        b'o' if named("X-MOODLEUSER") => Role::User,
        b'i' | b'o' | b'n' | b'e' | b'C' | b'x' | b'c' | b'f' | b'L' | b'R' | b'X' => Role::Opaque,
        _ => return None,
    })
}

fn compile_nginx(s: &[u8]) -> Result<Layout, LayoutError> {
    let mut b = Builder {
        dialect: Dialect::Nginx,
        items: Vec::new(),
        fields: Vec::new(),
        lit: Vec::new(),
    };
    let err = |directive: &[u8], position, why| LayoutError {
        dialect: Dialect::Nginx,
        directive: String::from_utf8_lossy(directive).into_owned(),
        position,
        why,
    };
    let name_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < s.len() {
        let Some(p) = memchr::memchr(b'$', &s[i..]) else {
            b.literal(&s[i..]);
            break;
        };
        b.literal(&s[i..i + p]);
        let start = i + p;
        let (name, end) = if s.get(start + 1) == Some(&b'{') {
            let Some(c) = memchr::memchr(b'}', &s[start..]) else {
                return Err(err(&s[start..], start, "unclosed `${` in variable"));
            };
            (&s[start + 2..start + c], start + c + 1)
        } else {
            let n = s[start + 1..].iter().take_while(|&&c| name_byte(c)).count();
            (&s[start + 1..start + 1 + n], start + 1 + n)
        };
        if name.is_empty() || !name.iter().all(|&c| name_byte(c)) {
            return Err(err(
                &s[start..end.max(start + 1)],
                start,
                "invalid variable",
            ));
        }
        let directive = String::from_utf8_lossy(&s[start..end]).into_owned();
        if name == b"is_args" {
            // `?` or nothing: part of the URL around it.
            b.field(Role::Url, &directive, start)?;
        } else {
            b.field(nginx_role(name), &directive, start)?;
        }
        i = end;
    }
    b.finish()
}

fn nginx_role(name: &[u8]) -> Role {
    match name {
        b"remote_addr"
        | b"realip_remote_addr"
        | b"http_x_forwarded_for"
        | b"proxy_add_x_forwarded_for"
        | b"http_x_real_ip"
        | b"server_addr"
        | b"upstream_addr" => Role::Client,
        b"remote_user" | b"sent_http_x_moodleuser" | b"upstream_http_x_moodleuser" => Role::User,
        b"time_local" => Role::Time(TimeKind::Clf),
        b"time_iso8601" => Role::Time(TimeKind::Iso8601),
        b"msec" => Role::Time(TimeKind::Seconds),
        b"request" => Role::Request,
        b"request_uri" | b"uri" | b"document_uri" | b"args" | b"query_string" => Role::Url,
        b"http_referer" => Role::Referer,
        b"http_user_agent" => Role::UserAgent,
        b"status" | b"upstream_status" => Role::Status,
        b"body_bytes_sent"
        | b"bytes_sent"
        | b"request_length"
        | b"connection"
        | b"connection_requests"
        | b"upstream_response_length"
        | b"upstream_bytes_received"
        | b"upstream_bytes_sent"
        | b"pid" => Role::Size,
        b"request_time"
        | b"upstream_response_time"
        | b"upstream_connect_time"
        | b"upstream_header_time"
        | b"gzip_ratio" => Role::Duration,
        // `$server_name` and `$hostname` are the configuration's and the
        // machine's; `$host` is the request line's or the Host header's value
        // when there is one (ngx_http_core_module), `$http_host` the header
        // as sent: the client's words.
        b"server_name" | b"hostname" => Role::Vhost,
        b"host" | b"http_host" => Role::Opaque,
        b"request_method" => Role::Method,
        b"server_protocol"
        | b"scheme"
        | b"https"
        | b"ssl_protocol"
        | b"ssl_cipher"
        | b"pipe"
        | b"upstream_cache_status" => Role::Protocol,
        b"server_port" | b"remote_port" => Role::Port,
        _ => Role::Opaque,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(l: &Layout) -> Vec<Role> {
        l.fields.iter().map(|f| f.role).collect()
    }

    #[test]
    fn apache_combined_compiles() {
        let l = Layout::compile(
            Dialect::Apache,
            r#"LogFormat "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\"" combined"#,
        )
        .unwrap();
        assert_eq!(
            roles(&l),
            [
                Role::Client,
                Role::Ident,
                Role::User,
                Role::Time(TimeKind::ClfBracketed),
                Role::Request,
                Role::Status,
                Role::Size,
                Role::Referer,
                Role::UserAgent
            ]
        );
        assert!(l.fields[4].quoted && !l.fields[5].quoted);
        let line = br#"1.2.3.4 - frank [10/Oct/2000:13:55:36 -0700] "GET /a?b=\"c\" HTTP/1.0" 200 2326 "-" "Mozilla/5.0""#;
        let mut f = Vec::new();
        l.parse(line, &mut f).unwrap();
        assert_eq!(&line[f[2].clone()], b"frank");
        assert_eq!(&line[f[4].clone()], br#"GET /a?b=\"c\" HTTP/1.0"#);
        assert_eq!(&line[f[8].clone()], b"Mozilla/5.0");
        assert_eq!(l.timestamp(line, &f), Some(971_211_336));
    }

    #[test]
    fn nginx_strings_unwrap_and_merge_urls() {
        let l = Layout::compile(
            Dialect::Nginx,
            "log_format x escape=default '$remote_addr [$time_local] '\n  '\"$uri$is_args$args\" $cookie_a';",
        )
        .unwrap();
        assert_eq!(
            roles(&l),
            [
                Role::Client,
                Role::Time(TimeKind::Clf),
                Role::Url,
                Role::Opaque
            ]
        );
        assert_eq!(l.fields[2].directive, "$uri$is_args$args");
    }

    #[test]
    fn bad_formats_name_the_directive() {
        let e = Layout::compile(Dialect::Apache, "%h %Z").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--log-format: unknown directive `%Z` at byte 3"
        );
        let e = Layout::compile(Dialect::Apache, "%h%l").unwrap_err();
        assert_eq!(e.position, 2);
        let e = Layout::compile(Dialect::Nginx, "$remote_addr ${x").unwrap_err();
        assert_eq!(e.position, 13);
        let e = Layout::compile(Dialect::Nginx, "a $ b").unwrap_err();
        assert_eq!(e.why, "invalid variable");
        assert!(Layout::compile(Dialect::Apache, &"%h ".repeat(200)).is_err());
    }

    #[test]
    fn a_user_with_spaces_ends_at_the_time() {
        let l = Layout::compile(Dialect::Apache, "%h %l %{MOODLEUSER}n %t \\\"%r\\\"").unwrap();
        let line = b"1.2.3.4 - Jane Doe [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\"";
        let mut f = Vec::new();
        l.parse(line, &mut f).unwrap();
        assert_eq!(&line[f[2].clone()], b"Jane Doe");
        assert_eq!(&line[f[3].clone()], b"[10/Oct/2000:13:55:36 -0700]");
    }

    /// What the fuzz target checks, on a deterministic sample: compiling
    /// never panics, and a parsed line's ranges are in order with the
    /// layout's literals between them.
    #[test]
    fn arbitrary_formats_and_lines_keep_the_contract() {
        const ABC: &[u8] = b"%$ {}\"[]\\hlutrsb>iU_q-a0:x";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut fields = Vec::new();
        for round in 0..4000 {
            let len = next(24);
            let spec: String = (0..len).map(|_| ABC[next(ABC.len())] as char).collect();
            let dialect = if round % 2 == 0 {
                Dialect::Apache
            } else {
                Dialect::Nginx
            };
            let Ok(l) = Layout::compile(dialect, &spec) else {
                continue;
            };
            for _ in 0..8 {
                let line: Vec<u8> = (0..next(40)).map(|_| ABC[next(ABC.len())]).collect();
                if l.parse(&line, &mut fields).is_err() {
                    continue;
                }
                assert_eq!(fields.len(), l.fields.len());
                let mut pos = 0;
                for item in &l.items {
                    match item {
                        Item::Literal(t) => {
                            assert_eq!(&line[pos..pos + t.len()], &t[..], "{spec:?}");
                            pos += t.len();
                        }
                        Item::Field(f) => {
                            let r = &fields[*f];
                            assert!(r.start == pos && r.end >= r.start && r.end <= line.len());
                            pos = r.end;
                        }
                    }
                }
                let _ = l.timestamp(&line, &fields);
            }
        }
    }

    #[test]
    fn lines_off_the_layout_fail() {
        let l = Layout::compile(Dialect::Nginx, "$remote_addr \"$request\" $status").unwrap();
        let mut f = Vec::new();
        assert!(l.parse(b"1.2.3.4 \"GET /\" 200", &mut f).is_ok());
        assert!(l.parse(b"1.2.3.4 \"GET /\" 200 extra", &mut f).is_ok());
        assert!(l.parse(b"1.2.3.4 GET / 200", &mut f).is_err());
        assert!(l.parse(b"", &mut f).is_err());
    }
}
