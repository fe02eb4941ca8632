//! Moodle's `config.php`, read without PHP: the `$CFG->db*` settings, the
//! table prefix and `$CFG->dboptions` (`dbport`, `dbsocket`).
//!
//! The file is PHP, so this is a small tokenizer (comments, single- and
//! double-quoted strings with their escapes, numbers, `array(...)` and
//! `[...]`) and a reader of the statements `$CFG->NAME = VALUE;`. Any other
//! statement (`unset($CFG);`, `global $CFG;`, `require_once(...)`) is
//! skipped to its `;`. A setting anonlog needs whose value is not a literal
//! (a concatenation, a constant, `getenv(...)`, a `"$var"` interpolation) is
//! an error naming its line, never a guess.
//!
//! Bounded and linear: the file may hold at most [`MAX_BYTES`], arrays nest
//! at most [`MAX_DEPTH`] deep, and every byte is looked at a constant number
//! of times. Values are never printed: errors name the line and the setting.

use std::collections::BTreeMap;

/// The largest `config.php` read (Moodle's is a few KiB).
pub const MAX_BYTES: usize = 1 << 20;
/// How deep `array(...)` may nest.
pub const MAX_DEPTH: usize = 16;

/// A PHP literal value of a setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string (decoded).
    Str(Vec<u8>),
    /// A number as written (`5432`, `-1`, `1.5`).
    Num(String),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `array(...)` / `[...]`: the string or number keys and their values
    /// (keys of elements without `=>` are their positions).
    Array(Vec<(String, Value)>),
    /// Something that is not a literal (an expression): where it starts.
    Expr,
}

impl Value {
    /// The value as text (strings and numbers), for a setting that must be
    /// one.
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(String::from_utf8_lossy(s).into_owned()),
            Value::Num(n) => Some(n.clone()),
            _ => None,
        }
    }
}

/// The `$CFG` settings of a file: name → (line, value). A setting made twice
/// keeps the last (as PHP would).
pub type Settings = BTreeMap<String, (usize, Value)>;

/// A syntax error: the line and what was wrong (never the file's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhpError {
    /// 1-based line.
    pub line: usize,
    /// What was expected or found.
    pub what: String,
}

impl std::fmt::Display for PhpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.what)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// `$name`.
    Var(String),
    /// A bare word (`array`, `true`, `new`, `stdClass`, `__DIR__`).
    Word(String),
    Str(Vec<u8>),
    /// A double-quoted string with a `$` interpolation.
    Interpolated,
    Num(String),
    /// `->`.
    Arrow,
    /// `=>`.
    DoubleArrow,
    /// `::`.
    Scope,
    Punct(u8),
    /// `?>`: back to HTML.
    Close,
}

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
    line: usize,
}

impl<'a> Lexer<'a> {
    fn err(&self, what: impl Into<String>) -> PhpError {
        PhpError {
            line: self.line,
            what: what.into(),
        }
    }

    fn bump(&mut self) -> Option<u8> {
        let b = *self.s.get(self.i)?;
        self.i += 1;
        if b == b'\n' {
            self.line += 1;
        }
        Some(b)
    }

    fn peek(&self, k: usize) -> Option<u8> {
        self.s.get(self.i + k).copied()
    }

    /// Skips HTML up to and including `<?php` (or `<?`).
    fn skip_html(&mut self) {
        while self.i < self.s.len() {
            if self.s[self.i..].starts_with(b"<?php") {
                for _ in 0..5 {
                    self.bump();
                }
                return;
            }
            if self.s[self.i..].starts_with(b"<?=") || self.s[self.i..].starts_with(b"<?") {
                self.bump();
                self.bump();
                return;
            }
            self.bump();
        }
    }

    /// Skips white space and comments.
    fn skip_trivia(&mut self) -> Result<(), PhpError> {
        loop {
            match self.peek(0) {
                Some(b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c) => {
                    self.bump();
                }
                Some(b'#') if self.peek(1) != Some(b'[') => self.line_comment(),
                Some(b'/') if self.peek(1) == Some(b'/') => self.line_comment(),
                Some(b'/') if self.peek(1) == Some(b'*') => {
                    let start = self.line;
                    self.bump();
                    self.bump();
                    loop {
                        match self.bump() {
                            None => {
                                return Err(PhpError {
                                    line: start,
                                    what: "comment not closed".into(),
                                })
                            }
                            Some(b'*') if self.peek(0) == Some(b'/') => {
                                self.bump();
                                break;
                            }
                            _ => {}
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// A `//` or `#` comment: to the end of the line or a `?>`.
    fn line_comment(&mut self) {
        while let Some(b) = self.peek(0) {
            if b == b'\n' || (b == b'?' && self.peek(1) == Some(b'>')) {
                return;
            }
            self.bump();
        }
    }

    fn next(&mut self) -> Result<Option<Tok>, PhpError> {
        self.skip_trivia()?;
        let Some(b) = self.peek(0) else {
            return Ok(None);
        };
        let tok = match b {
            b'$' if self.peek(1).is_some_and(is_ident_start) => {
                self.bump();
                Tok::Var(self.ident())
            }
            b'\'' => self.single_quoted()?,
            b'"' => self.double_quoted()?,
            b'0'..=b'9' => Tok::Num(self.number()),
            b'.' if self.peek(1).is_some_and(|c| c.is_ascii_digit()) => Tok::Num(self.number()),
            _ if is_ident_start(b) => Tok::Word(self.ident()),
            b'-' if self.peek(1) == Some(b'>') => {
                self.bump();
                self.bump();
                Tok::Arrow
            }
            b'=' if self.peek(1) == Some(b'>') => {
                self.bump();
                self.bump();
                Tok::DoubleArrow
            }
            b':' if self.peek(1) == Some(b':') => {
                self.bump();
                self.bump();
                Tok::Scope
            }
            b'?' if self.peek(1) == Some(b'>') => {
                self.bump();
                self.bump();
                self.skip_html();
                Tok::Close
            }
            b'<' if self.s[self.i..].starts_with(b"<<<") => {
                return Err(self.err("heredoc strings are not read"))
            }
            _ => {
                self.bump();
                Tok::Punct(b)
            }
        };
        Ok(Some(tok))
    }

    fn ident(&mut self) -> String {
        let start = self.i;
        while self.peek(0).is_some_and(is_ident_char) {
            self.bump();
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }

    fn number(&mut self) -> String {
        let start = self.i;
        while self
            .peek(0)
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_')
        {
            self.bump();
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }

    /// `'...'`: only `\'` and `\\` are escapes.
    fn single_quoted(&mut self) -> Result<Tok, PhpError> {
        let start = self.line;
        self.bump();
        let mut v = Vec::new();
        loop {
            match self.bump() {
                None => {
                    return Err(PhpError {
                        line: start,
                        what: "string not closed".into(),
                    })
                }
                Some(b'\'') => return Ok(Tok::Str(v)),
                Some(b'\\') if matches!(self.peek(0), Some(b'\'' | b'\\')) => {
                    v.push(self.bump().unwrap_or(b'\\'));
                }
                Some(c) => v.push(c),
            }
        }
    }

    /// `"..."`: PHP's escapes; a `$` before a name or `{$` is an
    /// interpolation, which is not evaluated.
    fn double_quoted(&mut self) -> Result<Tok, PhpError> {
        let start = self.line;
        self.bump();
        let mut v = Vec::new();
        let mut interpolated = false;
        loop {
            let Some(c) = self.bump() else {
                return Err(PhpError {
                    line: start,
                    what: "string not closed".into(),
                });
            };
            match c {
                b'"' => break,
                b'$' if self.peek(0).is_some_and(is_ident_start) => {
                    interpolated = true;
                    v.push(c);
                }
                b'{' if self.peek(0) == Some(b'$') => {
                    interpolated = true;
                    v.push(c);
                }
                b'\\' => self.escape(&mut v),
                _ => v.push(c),
            }
        }
        Ok(if interpolated {
            Tok::Interpolated
        } else {
            Tok::Str(v)
        })
    }

    /// The escape after a `\` in a double-quoted string.
    fn escape(&mut self, v: &mut Vec<u8>) {
        let Some(e) = self.peek(0) else {
            v.push(b'\\');
            return;
        };
        let simple = match e {
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'v' => Some(0x0b),
            b'e' => Some(0x1b),
            b'f' => Some(0x0c),
            b'\\' => Some(b'\\'),
            b'$' => Some(b'$'),
            b'"' => Some(b'"'),
            _ => None,
        };
        if let Some(c) = simple {
            self.bump();
            v.push(c);
            return;
        }
        if e.is_ascii_digit() && e < b'8' {
            let mut n: u32 = 0;
            for _ in 0..3 {
                match self.peek(0) {
                    Some(d @ b'0'..=b'7') => {
                        self.bump();
                        n = n * 8 + u32::from(d - b'0');
                    }
                    _ => break,
                }
            }
            v.push((n & 0xff) as u8);
            return;
        }
        if e == b'x' && self.peek(1).is_some_and(|c| c.is_ascii_hexdigit()) {
            self.bump();
            let mut n: u32 = 0;
            for _ in 0..2 {
                match self.peek(0).and_then(|c| (c as char).to_digit(16)) {
                    Some(d) => {
                        self.bump();
                        n = n * 16 + d;
                    }
                    None => break,
                }
            }
            v.push(n as u8);
            return;
        }
        if e == b'u' && self.peek(1) == Some(b'{') {
            let save = (self.i, self.line);
            self.bump();
            self.bump();
            let mut n: u32 = 0;
            let mut digits = 0;
            while let Some(d) = self.peek(0).and_then(|c| (c as char).to_digit(16)) {
                self.bump();
                digits += 1;
                n = n.saturating_mul(16).saturating_add(d);
            }
            if digits > 0 && self.peek(0) == Some(b'}') {
                self.bump();
                if let Some(ch) = char::from_u32(n) {
                    let mut buf = [0u8; 4];
                    v.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    return;
                }
            }
            (self.i, self.line) = save;
        }
        // Not an escape: PHP keeps the backslash.
        v.push(b'\\');
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

/// A token with its line.
type Spanned = (usize, Tok);

/// Reads the `$CFG->NAME = VALUE;` settings of a `config.php`.
pub fn parse(src: &[u8]) -> Result<Settings, PhpError> {
    if src.len() > MAX_BYTES {
        return Err(PhpError {
            line: 1,
            what: format!("longer than {MAX_BYTES} bytes"),
        });
    }
    let mut lx = Lexer {
        s: src,
        i: 0,
        line: 1,
    };
    lx.skip_html();
    let mut toks: Vec<Spanned> = Vec::new();
    while let Some(t) = lx.next()? {
        toks.push((lx.line, t));
    }
    let mut out = Settings::new();
    let mut p = 0;
    while p < toks.len() {
        if let Some((name, line, value, next)) = setting(&toks, p)? {
            out.insert(name, (line, value));
            p = next;
        } else {
            p = skip_statement(&toks, p);
        }
    }
    Ok(out)
}

/// The index after the `;` (or `?>`) that ends the statement at `p`.
fn skip_statement(toks: &[Spanned], mut p: usize) -> usize {
    let mut depth = 0usize;
    while p < toks.len() {
        match &toks[p].1 {
            Tok::Punct(b'(' | b'[' | b'{') => depth += 1,
            Tok::Punct(b')' | b']' | b'}') => depth = depth.saturating_sub(1),
            Tok::Punct(b';') | Tok::Close if depth == 0 => return p + 1,
            _ => {}
        }
        p += 1;
    }
    p
}

/// `$CFG->NAME = VALUE ;` at `p`: the name, its line, the value and the
/// index after the statement; `None` when the statement is another.
fn setting(toks: &[Spanned], p: usize) -> Result<Option<(String, usize, Value, usize)>, PhpError> {
    let is_cfg = matches!(toks.get(p), Some((_, Tok::Var(v))) if v == "CFG");
    let name = match (toks.get(p + 1), toks.get(p + 2), toks.get(p + 3)) {
        (Some((_, Tok::Arrow)), Some((_, Tok::Word(n))), Some((_, Tok::Punct(b'=')))) if is_cfg => {
            n.clone()
        }
        _ => return Ok(None),
    };
    // `==` is a comparison, not an assignment.
    if matches!(toks.get(p + 4), Some((_, Tok::Punct(b'=')))) {
        return Ok(None);
    }
    let line = toks[p].0;
    let mut q = p + 4;
    let value = match literal(toks, &mut q, 0)? {
        Some(v) if matches!(toks.get(q), Some((_, Tok::Punct(b';') | Tok::Close)) | None) => v,
        _ => Value::Expr,
    };
    Ok(Some((name, line, value, skip_statement(toks, p + 4))))
}

/// A literal at `*q`, moving `*q` past it; `None` when the tokens there are
/// not one.
fn literal(toks: &[Spanned], q: &mut usize, depth: usize) -> Result<Option<Value>, PhpError> {
    let Some((line, t)) = toks.get(*q) else {
        return Ok(None);
    };
    let v = match t {
        Tok::Str(s) => Value::Str(s.clone()),
        Tok::Num(n) => Value::Num(n.clone()),
        Tok::Punct(b'-') => match toks.get(*q + 1) {
            Some((_, Tok::Num(n))) => {
                *q += 1;
                Value::Num(format!("-{n}"))
            }
            _ => return Ok(None),
        },
        Tok::Word(w) if w.eq_ignore_ascii_case("true") => Value::Bool(true),
        Tok::Word(w) if w.eq_ignore_ascii_case("false") => Value::Bool(false),
        Tok::Word(w) if w.eq_ignore_ascii_case("null") => Value::Null,
        Tok::Word(w)
            if w.eq_ignore_ascii_case("array")
                && matches!(toks.get(*q + 1), Some((_, Tok::Punct(b'(')))) =>
        {
            *q += 2;
            return array(toks, q, b')', depth + 1, *line);
        }
        Tok::Punct(b'[') => {
            *q += 1;
            return array(toks, q, b']', depth + 1, *line);
        }
        _ => return Ok(None),
    };
    *q += 1;
    Ok(Some(v))
}

/// The elements of an array up to `close`, `*q` after its opening.
fn array(
    toks: &[Spanned],
    q: &mut usize,
    close: u8,
    depth: usize,
    line: usize,
) -> Result<Option<Value>, PhpError> {
    if depth > MAX_DEPTH {
        return Err(PhpError {
            line,
            what: format!("arrays nested deeper than {MAX_DEPTH}"),
        });
    }
    let mut items = Vec::new();
    let mut next_index = 0u64;
    loop {
        if matches!(toks.get(*q), Some((_, Tok::Punct(c))) if *c == close) {
            *q += 1;
            return Ok(Some(Value::Array(items)));
        }
        let Some(first) = literal(toks, q, depth)? else {
            return Ok(None);
        };
        let (key, value) = if matches!(toks.get(*q), Some((_, Tok::DoubleArrow))) {
            *q += 1;
            let Some(v) = literal(toks, q, depth)? else {
                return Ok(None);
            };
            let key = match first {
                Value::Str(s) => String::from_utf8_lossy(&s).into_owned(),
                Value::Num(n) => {
                    if let Ok(k) = n.parse::<u64>() {
                        next_index = k.saturating_add(1);
                    }
                    n
                }
                _ => return Ok(None),
            };
            (key, v)
        } else {
            let k = next_index.to_string();
            next_index = next_index.saturating_add(1);
            (k, first)
        };
        items.push((key, value));
        match toks.get(*q) {
            Some((_, Tok::Punct(b','))) => *q += 1,
            Some((_, Tok::Punct(c))) if *c == close => {}
            _ => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOODLE: &str = r#"<?php  // Moodle configuration file

unset($CFG);
global $CFG;
$CFG = new stdClass();

$CFG->dbtype    = 'pgsql';
$CFG->dblibrary = 'native';
$CFG->dbhost    = 'localhost';
$CFG->dbname    = 'moodle';
$CFG->dbuser    = 'moodleuser';
$CFG->dbpass    = 'it\'s \\ "secret"';
$CFG->prefix    = 'mdl_';
$CFG->dboptions = array (
  'dbpersist' => 0,
  'dbport' => 5432,
  'dbsocket' => '',
  # a comment inside
  /* and another */
);

$CFG->wwwroot   = 'https://moodle.example.edu';
$CFG->dataroot  = '/var/moodledata';
$CFG->admin     = 'admin';

$CFG->directorypermissions = 0777;

require_once(__DIR__ . '/lib/setup.php');

// There is no php closing tag in this file,
// it is intentional because it prevents trailing whitespace problems!
"#;

    fn text(s: &Settings, k: &str) -> Option<String> {
        s.get(k).and_then(|(_, v)| v.text())
    }

    #[test]
    fn reads_moodle_config_dist_shape() {
        let s = parse(MOODLE.as_bytes()).unwrap();
        assert_eq!(text(&s, "dbtype").as_deref(), Some("pgsql"));
        assert_eq!(text(&s, "dbhost").as_deref(), Some("localhost"));
        assert_eq!(text(&s, "dbpass").as_deref(), Some(r#"it's \ "secret""#));
        assert_eq!(text(&s, "prefix").as_deref(), Some("mdl_"));
        assert_eq!(s["dbtype"].0, 7);
        let Value::Array(opts) = &s["dboptions"].1 else {
            panic!("dboptions: {:?}", s["dboptions"]);
        };
        assert_eq!(
            opts,
            &vec![
                ("dbpersist".to_string(), Value::Num("0".into())),
                ("dbport".to_string(), Value::Num("5432".into())),
                ("dbsocket".to_string(), Value::Str(Vec::new())),
            ]
        );
    }

    #[test]
    fn double_quoted_escapes_and_short_arrays() {
        let src = br#"<?php
$CFG->dbpass = "a\tb\x41\101\u{e9}\$x\q";
$CFG->dboptions = ['dbport' => '3307', 'dbsocket' => "/run/mysqld/mysqld.sock",];
$CFG->dbhost = "h" . "ost";
$CFG->dbuser = "$user";
$CFG->dbname = getenv('DB');
"#;
        let s = parse(src).unwrap();
        assert_eq!(
            s["dbpass"].1,
            Value::Str("a\tbAA\u{e9}$x\\q".as_bytes().to_vec())
        );
        let Value::Array(o) = &s["dboptions"].1 else {
            panic!()
        };
        assert_eq!(o[0], ("dbport".into(), Value::Str(b"3307".to_vec())));
        assert_eq!(s["dbhost"].1, Value::Expr);
        assert_eq!(s["dbuser"].1, Value::Expr);
        assert_eq!(s["dbname"].1, Value::Expr);
        assert_eq!(s["dbname"].0, 6);
    }

    #[test]
    fn comments_and_strings_do_not_hide_or_invent_settings() {
        let src = b"<?php\n// $CFG->dbhost = 'no';\n/* $CFG->dbname = 'no'; */\n$x = '$CFG->dbuser = \"no\";';\n# $CFG->prefix = 'no';\n$CFG->dbhost = 'yes'; ?>\n<html>$CFG->dbname = 'no';</html>";
        let s = parse(src).unwrap();
        assert_eq!(s.keys().collect::<Vec<_>>(), vec!["dbhost"]);
        assert_eq!(text(&s, "dbhost").as_deref(), Some("yes"));
    }

    #[test]
    fn errors_name_the_line_and_never_the_text() {
        let e = parse(b"<?php\n$CFG->dbpass = 'hunter2").unwrap_err();
        assert_eq!(e.to_string(), "line 2: string not closed");
        let e = parse(b"<?php\n\n/* open").unwrap_err();
        assert_eq!(e.to_string(), "line 3: comment not closed");
        let deep = format!("<?php $CFG->a = {}{};", "[".repeat(40), "]".repeat(40));
        assert!(parse(deep.as_bytes()).unwrap_err().what.contains("nested"));
    }
}
