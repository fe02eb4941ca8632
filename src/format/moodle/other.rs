//! The `other` column of Moodle's `logstore_standard_log`: an event's extra
//! data, written either by PHP `serialize()` or by `json_encode()` (the
//! `jsonformat` setting of the standard log store decides; a table can hold
//! both). This module owns telling the two apart, validating the value
//! exactly, and rewriting the sensitive values inside it so that the result
//! is still valid in its own encoding:
//!
//! * every byte that is not a replaced value is copied verbatim (keys,
//!   spacing, JSON escapes such as `\/` and `\u00e9`, number formatting);
//! * PHP strings get their `s:LEN:` prefix recomputed from the new byte
//!   length, so the output unserializes in PHP;
//! * what replaces a value depends on the key it sits under (see [`rewrite`]).
//!
//! A NULL column is the caller's business, not this module's.

use std::str;

use crate::format::escape::json_unescape_into as json_unescape;

/// What the rewriter needs from its caller: the pseudonyms and the scrubber.
/// Every method appends to `out`; what it writes is ASCII without quotes or
/// backslashes unless the method says otherwise.
pub trait Sink {
    /// Is `key` a secret whose value must be replaced by `REDACTED`? The key
    /// is decoded (JSON escapes resolved; for a PHP object property, the
    /// `\0Class\0` / `\0*\0` visibility prefix removed), in its original
    /// case.
    fn is_secret(&self, key: &[u8]) -> bool;
    /// Writes the replacement of Moodle user id `digits` (ASCII digits only).
    /// Should write ASCII digits: anything else is written as a string (see
    /// [`rewrite`]).
    fn user_id(&mut self, digits: &[u8], out: &mut Vec<u8>);
    /// Writes the replacement of a user name or full name (decoded value).
    fn name(&mut self, value: &[u8], out: &mut Vec<u8>);
    /// Writes the replacement of an e-mail address (decoded value).
    fn email(&mut self, value: &[u8], out: &mut Vec<u8>);
    /// Writes free text with addresses and e-mail addresses inside it
    /// replaced; every other byte is copied, so JSON escapes in `raw` stay.
    /// Called for the strings under kept keys ([`Sink::is_kept`]).
    fn text(&mut self, raw: &[u8], out: &mut Vec<u8>);
    /// Is the value under `key` known not to be personal, so that it is
    /// kept (strings through [`Sink::text`], numbers as they are)? `None`:
    /// the value of `other` itself, outside any object. Every value that is
    /// neither kept nor an identity nor a secret goes to [`Sink::opaque`].
    fn is_kept(&self, key: Option<&[u8]>) -> bool;
    /// Writes the opaque token of a decoded value (a string's text, a
    /// number's literal). Should write ASCII letters, digits and `_`.
    fn opaque(&mut self, value: &[u8], out: &mut Vec<u8>);
    /// Is the value under `key` free text, rewritten by
    /// [`Sink::free_text`]?
    fn is_text(&self, _key: &[u8]) -> bool {
        false
    }
    /// Writes free text under a text key (strings only): by default like
    /// [`Sink::text`].
    fn free_text(&mut self, raw: &[u8], out: &mut Vec<u8>) {
        self.text(raw, out)
    }
    /// Does `key`, a key that is not kept, name an id (so that its numbers
    /// are always opaque)? By default every such key does.
    fn names_id(&self, _key: &[u8]) -> bool {
        true
    }
    /// Is the value under `key` typed by a person (a search term, a
    /// message), so that it is opaque even when it is a constant?
    fn is_typed(&self, _key: &[u8]) -> bool {
        false
    }
    /// Is the decoded string `value`, under a key that is neither kept nor
    /// an id, a constant that is kept as written?
    fn is_constant(&self, _value: &[u8]) -> bool {
        false
    }
    /// Is the number literal `value`, under a key that is neither kept nor
    /// an id, a count that is kept as written?
    fn is_count(&self, _value: &[u8]) -> bool {
        false
    }
}

/// Why an `other` value could not be rewritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtherError {
    /// Byte offset in the value where parsing failed.
    pub offset: usize,
    /// What was expected there.
    pub what: &'static str,
}

impl std::fmt::Display for OtherError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.offset)
    }
}

impl std::error::Error for OtherError {}

/// The text that replaces secrets (and the typed user name of a failed
/// login): `"REDACTED"` (quoted) in JSON, `s:8:"REDACTED";` in PHP.
pub const REDACTED: &[u8] = b"REDACTED";

/// How many arrays/objects may nest inside each other; deeper values are
/// rejected (JSON: serde_json accepts 127).
pub const MAX_DEPTH: usize = 128;

/// The two encodings of `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `json_encode()`.
    Json,
    /// PHP `serialize()`.
    Php,
}

/// The encoding of `value`, from its first byte that is not JSON white
/// space: `{`, `[`, `"`, a digit, `-`, `t`, `f` or `null` → JSON; `N;`,
/// `b:`, `i:`, `d:`, `s:`, `a:`, `O:` → PHP. `None` for anything else,
/// including an empty or all-space value.
pub fn detect(value: &[u8]) -> Option<Encoding> {
    let i = value.iter().position(|&b| !is_ws(b))?;
    let v = &value[i..];
    match v[0] {
        b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' => Some(Encoding::Json),
        b'n' if v.starts_with(b"null") => Some(Encoding::Json),
        b'N' if v.get(1) == Some(&b';') => Some(Encoding::Php),
        b'b' | b'i' | b'd' | b's' | b'a' | b'O' if v.get(1) == Some(&b':') => Some(Encoding::Php),
        _ => None,
    }
}

/// What the row's event says about its `other` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Event {
    /// Any event without special rules.
    #[default]
    Other,
    /// `\core\event\user_login_failed`: its `username` is whatever was
    /// typed (it can be a password) and is replaced by `REDACTED`.
    FailedLogin,
    /// `\core\event\config_log_created`: `value` and `oldvalue` are a site
    /// setting before and after (a support contact's name, an SMTP password,
    /// ...) and are replaced by `REDACTED`; `name` and `plugin` stay.
    ConfigChange,
}

impl Event {
    /// The event of a row with event name `eventname`.
    pub fn of(eventname: &[u8]) -> Event {
        if eventname.ends_with(b"user_login_failed") {
            Event::FailedLogin
        } else if eventname.ends_with(b"config_log_created") {
            Event::ConfigChange
        } else {
            Event::Other
        }
    }
}

/// Rewrites an `other` value (already decoded from its CSV field) into
/// `out`, following the rules of the row's `event`.
///
/// The encoding is chosen by [`detect`]; an empty (or all-space) value is
/// copied as it is. Values are replaced according to the nearest key above
/// them, compared ASCII-case-insensitively (JSON keys after unescaping, PHP
/// property names without their visibility prefix). Array elements, and
/// members whose key is an integer (`i:` keys, JSON keys such as `"3"`),
/// take the key of the array or object that holds them:
///
/// * for [`Event::FailedLogin`] a key ending in `username`, for
///   [`Event::ConfigChange`] the keys `value` and `oldvalue`, and a key for
///   which [`Sink::is_secret`] holds, and everything nested below such a key:
///   strings and numbers become `"REDACTED"` (JSON, always quoted) or
///   `s:8:"REDACTED";` (PHP); `null` and booleans stay.
/// * a key ending in `userid` or `userids`, or beginning with `userid`
///   (`relateduserid`, `useridfrom`), or one of `submitterid`, `graderid`,
///   `reviewerid`, `authorid`, `assessorid`, `teacherid`, `studentid`,
///   `memberid`, `senderid`, `recipientid`, `usermodified`, `loggedinas`:
///   a non-negative integer goes through
///   [`Sink::user_id`] and is written bare when the result is a valid
///   integer of the encoding (else as a string); a string of ASCII digits
///   goes through `user_id` inside the string; any other non-empty string
///   through [`Sink::name`]. Negative numbers, floats, `null` and booleans
///   stay.
/// * a key ending in `username`, `fullname` (not `coursefullname`),
///   `firstname`, `lastname`, `middlename`, `alternatename`,
///   `firstnamephonetic` or `lastnamephonetic`: non-empty strings, and
///   integers (written as a string), go through [`Sink::name`].
/// * a key ending in `email`: non-empty strings go through [`Sink::email`].
/// * a key the sink keeps ([`Sink::is_kept`]): strings go through
///   [`Sink::text`] (JSON: the raw, still escaped text between the quotes),
///   numbers are copied.
/// * any other key: strings (decoded) and numbers (their literal) go
///   through [`Sink::opaque`] and are written as strings; `null` and
///   booleans stay. All keys are copied.
///
/// Inside a JSON string the sink's output must be valid string content;
/// when it is not, the value is rejected rather than written broken. On
/// error nothing is appended to `out`.
pub fn rewrite(
    value: &[u8],
    event: Event,
    sink: &mut dyn Sink,
    out: &mut Vec<u8>,
) -> Result<(), OtherError> {
    let mark = out.len();
    let result = rewrite_into(value, event, sink, out);
    if result.is_err() {
        out.truncate(mark);
    }
    result
}

fn rewrite_into(
    value: &[u8],
    event: Event,
    sink: &mut dyn Sink,
    out: &mut Vec<u8>,
) -> Result<(), OtherError> {
    let Some(first) = value.iter().position(|&b| !is_ws(b)) else {
        out.extend_from_slice(value);
        return Ok(());
    };
    let Some(encoding) = detect(value) else {
        return Err(err(first, "not JSON or PHP serialize"));
    };
    let root = if sink.is_kept(None) {
        Role::Other
    } else {
        Role::Opaque
    };
    let mut w = Walker {
        src: value,
        pos: 0,
        flushed: 0,
        out,
        sink,
        event,
        scratch: Vec::new(),
        key: Vec::new(),
        php_values: 0,
    };
    match encoding {
        Encoding::Json => {
            w.skip_ws();
            w.json_value(root, 0)?;
            w.skip_ws();
        }
        Encoding::Php => {
            if first != 0 {
                return Err(err(0, "space before serialized value"));
            }
            w.php_value(root, 0)?;
        }
    }
    if w.pos != value.len() {
        return Err(err(w.pos, "trailing bytes"));
    }
    w.flush_to(value.len());
    Ok(())
}

fn err(offset: usize, what: &'static str) -> OtherError {
    OtherError { offset, what }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// What a value is, judged by the key it sits under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Known not to be personal: strings go through `Sink::text`, numbers
    /// are kept.
    Other,
    /// Not known to be safe: strings and numbers become opaque tokens.
    Opaque,
    /// Not known, under a key that names no id: constants and counts
    /// ([`Sink::is_constant`], [`Sink::is_count`]) are kept, the rest is
    /// opaque.
    Unknown,
    /// Not known, under a key that names an id: constants are kept,
    /// numbers and the rest are opaque.
    UnknownId,
    /// Free text ([`Sink::free_text`]); numbers as under `Unknown`.
    Text,
    /// A Moodle user id (or a list of them).
    UserId,
    /// A user name or a person's name.
    Name,
    /// An e-mail address.
    Email,
    /// A secret, or the typed user name of a failed login: `REDACTED`.
    Redact,
}

fn ends_ci(key: &[u8], suffix: &[u8]) -> bool {
    key.len() >= suffix.len() && key[key.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

fn starts_ci(key: &[u8], prefix: &[u8]) -> bool {
    key.len() >= prefix.len() && key[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// `-?[0-9]+`: a key PHP would store as an integer (list positions).
fn is_int_key(key: &[u8]) -> bool {
    let digits = key.strip_prefix(b"-").unwrap_or(key);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

fn all_digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

/// Keys of user ids in Moodle's `other` that do not say `userid`.
const USER_ID_KEYS: [&[u8]; 12] = [
    b"submitterid",
    b"graderid",
    b"reviewerid",
    b"authorid",
    b"assessorid",
    b"teacherid",
    b"studentid",
    b"memberid",
    b"senderid",
    b"recipientid",
    b"usermodified",
    b"loggedinas",
];

/// The role of a member with string key `key` (`None`: an integer key)
/// inside a container whose role is `parent`.
fn classify(key: Option<&[u8]>, parent: Role, event: Event, sink: &dyn Sink) -> Role {
    let Some(key) = key else { return parent };
    if parent == Role::Redact || is_int_key(key) {
        return parent;
    }
    let redact = match event {
        Event::FailedLogin => ends_ci(key, b"username"),
        Event::ConfigChange => {
            key.eq_ignore_ascii_case(b"value") || key.eq_ignore_ascii_case(b"oldvalue")
        }
        Event::Other => false,
    };
    if redact || sink.is_secret(key) {
        return Role::Redact;
    }
    if ends_ci(key, b"userid")
        || ends_ci(key, b"userids")
        || starts_ci(key, b"userid")
        || USER_ID_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k))
    {
        return Role::UserId;
    }
    const NAMES: [&[u8]; 8] = [
        b"username",
        b"fullname",
        b"firstname",
        b"lastname",
        b"middlename",
        b"alternatename",
        b"firstnamephonetic",
        b"lastnamephonetic",
    ];
    if NAMES.iter().any(|n| ends_ci(key, n)) && !ends_ci(key, b"coursefullname") {
        return Role::Name;
    }
    if ends_ci(key, b"email") {
        return Role::Email;
    }
    if sink.is_kept(Some(key)) {
        Role::Other
    } else if sink.is_text(key) {
        Role::Text
    } else if sink.is_typed(key) {
        Role::Opaque
    } else if sink.names_id(key) {
        Role::UnknownId
    } else {
        Role::Unknown
    }
}

/// The name of a PHP object property without its visibility prefix
/// (`\0Class\0name` private, `\0*\0name` protected).
fn unmangle(key: &[u8]) -> &[u8] {
    match key.split_first() {
        Some((0, rest)) => match rest.iter().position(|&b| b == 0) {
            Some(p) => &rest[p + 1..],
            None => key,
        },
        _ => key,
    }
}

fn push_usize(out: &mut Vec<u8>, mut n: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends `s:LEN:"content";`.
fn push_php_string(out: &mut Vec<u8>, content: &[u8]) {
    out.extend_from_slice(b"s:");
    push_usize(out, content.len());
    out.extend_from_slice(b":\"");
    out.extend_from_slice(content);
    out.extend_from_slice(b"\";");
}

/// A JSON integer as JSON writes it: `0` or `[1-9][0-9]*`.
fn is_json_uint(s: &[u8]) -> bool {
    all_digits(s) && (s[0] != b'0' || s.len() == 1)
}

/// Scans JSON string content from `from` (just after the opening quote) to
/// the closing quote, validating escapes (surrogates must pair) and
/// rejecting control characters. Returns the index of the closing quote (or
/// `s.len()` when there is none) and whether there was an escape. UTF-8 is
/// not checked here.
fn scan_json_string(s: &[u8], from: usize) -> Result<(usize, bool), OtherError> {
    let mut i = from;
    let mut escaped = false;
    while i < s.len() {
        match s[i] {
            b'"' => return Ok((i, escaped)),
            b'\\' => {
                escaped = true;
                match s.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u') => {
                        let u = hex4(s, i + 2).ok_or(err(i, "bad escape"))?;
                        match u {
                            0xD800..=0xDBFF => {
                                let low = match s.get(i + 6..i + 8) {
                                    Some(b"\\u") => hex4(s, i + 8),
                                    _ => None,
                                };
                                if !matches!(low, Some(0xDC00..=0xDFFF)) {
                                    return Err(err(i, "lone surrogate"));
                                }
                                i += 12;
                            }
                            0xDC00..=0xDFFF => return Err(err(i, "lone surrogate")),
                            _ => i += 6,
                        }
                    }
                    Some(_) => return Err(err(i, "bad escape")),
                    None => return Err(err(s.len(), "unterminated string")),
                }
            }
            0..=0x1f => return Err(err(i, "control character in string")),
            _ => i += 1,
        }
    }
    Ok((s.len(), escaped))
}

fn hex4(s: &[u8], at: usize) -> Option<u32> {
    let h = s.get(at..at + 4)?;
    let mut v = 0u32;
    for &c in h {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

/// Checks UTF-8 of `s[from..to]`.
fn check_utf8(s: &[u8], from: usize, to: usize) -> Result<(), OtherError> {
    str::from_utf8(&s[from..to])
        .map(|_| ())
        .map_err(|e| err(from + e.valid_up_to(), "invalid UTF-8"))
}

/// Is `s` valid content of a JSON string (between the quotes)?
fn is_json_content(s: &[u8]) -> bool {
    matches!(scan_json_string(s, 0), Ok((end, _)) if end == s.len()) && str::from_utf8(s).is_ok()
}

/// One rewrite: the input, the position, and what of the input has been
/// copied to `out` so far (`flushed`): bytes are copied lazily, in runs, up
/// to each replaced value.
struct Walker<'v, 'o, 's> {
    src: &'v [u8],
    pos: usize,
    flushed: usize,
    out: &'o mut Vec<u8>,
    sink: &'s mut dyn Sink,
    event: Event,
    /// Decoded JSON strings / the sink's output for a PHP string.
    scratch: Vec<u8>,
    /// Decoded JSON keys.
    key: Vec<u8>,
    /// PHP: how many values (what `r:`/`R:` count) have begun so far.
    php_values: usize,
}

impl Walker<'_, '_, '_> {
    /// Copies the input up to `to` (not yet copied) to the output.
    fn flush_to(&mut self, to: usize) {
        if to > self.flushed {
            self.out.extend_from_slice(&self.src[self.flushed..to]);
            self.flushed = to;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8, what: &'static str) -> Result<(), OtherError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(err(self.pos, what))
        }
    }

    fn digits(&mut self) -> (usize, usize) {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        (start, self.pos)
    }

    // ---- JSON ----

    fn json_value(&mut self, role: Role, depth: usize) -> Result<(), OtherError> {
        let start = self.pos;
        match self.peek() {
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(err(start, "nesting too deep"));
                }
                self.pos += 1;
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip_ws();
                    let child = self.json_key(role)?;
                    self.skip_ws();
                    self.expect(b':', "expected ':'")?;
                    self.skip_ws();
                    self.json_value(child, depth + 1)?;
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(err(self.pos, "expected ',' or '}'")),
                    }
                }
            }
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(err(start, "nesting too deep"));
                }
                self.pos += 1;
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip_ws();
                    self.json_value(role, depth + 1)?;
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(err(self.pos, "expected ',' or ']'")),
                    }
                }
            }
            Some(b'"') => self.json_string(role),
            Some(b'-' | b'0'..=b'9') => self.json_number(role),
            Some(b't') => self.json_literal(b"true"),
            Some(b'f') => self.json_literal(b"false"),
            Some(b'n') => self.json_literal(b"null"),
            _ => Err(err(start, "expected value")),
        }
    }

    fn json_literal(&mut self, lit: &[u8]) -> Result<(), OtherError> {
        if self.src[self.pos..].starts_with(lit) {
            self.pos += lit.len();
            Ok(())
        } else {
            Err(err(self.pos, "literal"))
        }
    }

    /// Scans the string starting at `self.pos` (a quote); returns the
    /// content range and whether it has escapes, leaving `pos` after it.
    fn json_scan_string(&mut self) -> Result<(usize, usize, bool), OtherError> {
        let cs = self.pos + 1;
        let (ce, escaped) = scan_json_string(self.src, cs)?;
        if ce == self.src.len() {
            return Err(err(self.pos, "unterminated string"));
        }
        check_utf8(self.src, cs, ce)?;
        self.pos = ce + 1;
        Ok((cs, ce, escaped))
    }

    /// An object key; returns the role of its value.
    fn json_key(&mut self, parent: Role) -> Result<Role, OtherError> {
        if self.peek() != Some(b'"') {
            return Err(err(self.pos, "object key"));
        }
        let (cs, ce, escaped) = self.json_scan_string()?;
        let src = self.src;
        let key: &[u8] = if escaped {
            self.key.clear();
            json_unescape(&src[cs..ce], &mut self.key);
            &self.key
        } else {
            &src[cs..ce]
        };
        Ok(classify(Some(key), parent, self.event, &*self.sink))
    }

    fn json_string(&mut self, role: Role) -> Result<(), OtherError> {
        let start = self.pos;
        let (cs, ce, escaped) = self.json_scan_string()?;
        let src = self.src;
        let raw = &src[cs..ce];
        if role == Role::Redact {
            self.flush_to(start);
            self.out.push(b'"');
            self.out.extend_from_slice(REDACTED);
            self.out.push(b'"');
            self.flushed = self.pos;
            return Ok(());
        }
        self.flush_to(cs);
        let mark = self.out.len();
        if role == Role::Other || raw.is_empty() {
            self.sink.text(raw, self.out);
        } else if role == Role::Text {
            self.sink.free_text(raw, self.out);
        } else if matches!(role, Role::Opaque | Role::Unknown | Role::UnknownId) {
            let decoded: &[u8] = if escaped {
                self.scratch.clear();
                json_unescape(raw, &mut self.scratch);
                &self.scratch
            } else {
                raw
            };
            if role != Role::Opaque && self.sink.is_constant(decoded) {
                self.out.extend_from_slice(raw);
            } else {
                self.sink.opaque(decoded, self.out);
            }
        } else {
            let decoded: &[u8] = if escaped {
                self.scratch.clear();
                json_unescape(raw, &mut self.scratch);
                &self.scratch
            } else {
                raw
            };
            match role {
                Role::UserId if all_digits(decoded) => self.sink.user_id(decoded, self.out),
                Role::Email => self.sink.email(decoded, self.out),
                _ => self.sink.name(decoded, self.out),
            }
        }
        self.flushed = ce;
        if !is_json_content(&self.out[mark..]) {
            return Err(err(cs, "replacement not valid in JSON"));
        }
        Ok(())
    }

    fn json_number(&mut self, role: Role) -> Result<(), OtherError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let (is, ie) = self.digits();
        if is == ie || (self.src[is] == b'0' && ie - is > 1) {
            // A leading zero is a number of its own; what follows is
            // trailing (or a missing comma).
            if is == ie {
                return Err(err(is, "number"));
            }
            self.pos = is + 1;
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.pos += 1;
            let (fs, fe) = self.digits();
            if fs == fe {
                return Err(err(fs, "number"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integer = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            let (es, ee) = self.digits();
            if es == ee {
                return Err(err(es, "number"));
            }
        }
        let end = self.pos;
        let src = self.src;
        let literal = &src[start..end];
        match role {
            Role::Redact => {
                self.flush_to(start);
                self.out.push(b'"');
                self.out.extend_from_slice(REDACTED);
                self.out.push(b'"');
                self.flushed = end;
            }
            Role::UserId if integer && !negative => {
                self.flush_to(start);
                let mark = self.out.len();
                self.sink.user_id(literal, self.out);
                if !is_json_uint(&self.out[mark..]) {
                    self.quote_from(mark, start)?;
                }
                self.flushed = end;
            }
            Role::Name if integer => {
                self.flush_to(start);
                let mark = self.out.len();
                self.sink.name(literal, self.out);
                self.quote_from(mark, start)?;
                self.flushed = end;
            }
            Role::Unknown | Role::Text if self.sink.is_count(literal) => {}
            Role::Opaque | Role::Unknown | Role::UnknownId | Role::Text => {
                self.flush_to(start);
                let mark = self.out.len();
                self.sink.opaque(literal, self.out);
                self.quote_from(mark, start)?;
                self.flushed = end;
            }
            _ => {}
        }
        Ok(())
    }

    /// Turns what the sink wrote at `mark` into a JSON string.
    fn quote_from(&mut self, mark: usize, at: usize) -> Result<(), OtherError> {
        if !is_json_content(&self.out[mark..]) {
            return Err(err(at, "replacement not valid in JSON"));
        }
        self.out.insert(mark, b'"');
        self.out.push(b'"');
        Ok(())
    }

    // ---- PHP serialize ----

    /// `[0-9]+` as a number (lengths and counts).
    fn php_uiv(&mut self, what: &'static str) -> Result<usize, OtherError> {
        let (s, e) = self.digits();
        if s == e {
            return Err(err(s, what));
        }
        self.src[s..e]
            .iter()
            .try_fold(0usize, |n, &d| {
                n.checked_mul(10)?.checked_add((d - b'0') as usize)
            })
            .ok_or(err(s, what))
    }

    fn php_tag(&mut self, tag: &[u8], what: &'static str) -> Result<(), OtherError> {
        if self.src[self.pos..].starts_with(tag) {
            self.pos += tag.len();
            Ok(())
        } else {
            Err(err(self.pos, what))
        }
    }

    /// `s:LEN:"...";` at `pos`; returns the content range.
    fn php_string_token(&mut self) -> Result<(usize, usize), OtherError> {
        self.php_tag(b"s:", "string")?;
        let len_at = self.pos;
        let len = self.php_uiv("string length")?;
        self.php_tag(b":\"", "string")?;
        let cs = self.pos;
        if len > self.src.len() - cs {
            return Err(err(len_at, "string length"));
        }
        let ce = cs + len;
        self.pos = ce;
        if !self.src[ce..].starts_with(b"\";") {
            return Err(err(ce, "string length"));
        }
        self.pos = ce + 2;
        Ok((cs, ce))
    }

    /// `i:[+-]?[0-9]+;` at `pos`; returns the range of the sign and digits.
    fn php_int_token(&mut self) -> Result<(usize, usize), OtherError> {
        self.php_tag(b"i:", "integer")?;
        let s = self.pos;
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.pos += 1;
        }
        let (ds, de) = self.digits();
        if ds == de {
            return Err(err(ds, "integer"));
        }
        self.expect(b';', "integer")?;
        Ok((s, de))
    }

    /// Replaces the value at `start..self.pos` with a PHP string of the
    /// scratch buffer.
    fn php_replace_with_scratch(&mut self, start: usize) {
        self.flush_to(start);
        push_php_string(self.out, &self.scratch);
        self.flushed = self.pos;
    }

    fn php_redact(&mut self, start: usize) {
        self.flush_to(start);
        push_php_string(self.out, REDACTED);
        self.flushed = self.pos;
    }

    fn php_value(&mut self, role: Role, depth: usize) -> Result<(), OtherError> {
        let start = self.pos;
        let Some(t) = self.peek() else {
            return Err(err(start, "truncated"));
        };
        if t != b'R' {
            self.php_values += 1;
        }
        match t {
            b'N' => self.php_tag(b"N;", "null"),
            b'b' => {
                self.php_tag(b"b:", "bool")?;
                if !matches!(self.peek(), Some(b'0' | b'1')) {
                    return Err(err(self.pos, "bool"));
                }
                self.pos += 1;
                self.expect(b';', "bool")
            }
            b'i' => {
                let (s, e) = self.php_int_token()?;
                let src = self.src;
                let literal = &src[s..e];
                match role {
                    Role::Redact => self.php_redact(start),
                    Role::UserId if literal[0] != b'-' => {
                        let digits = literal.strip_prefix(b"+").unwrap_or(literal);
                        self.scratch.clear();
                        self.sink.user_id(digits, &mut self.scratch);
                        if all_digits(&self.scratch) {
                            self.flush_to(start);
                            self.out.extend_from_slice(b"i:");
                            self.out.extend_from_slice(&self.scratch);
                            self.out.push(b';');
                            self.flushed = self.pos;
                        } else {
                            self.php_replace_with_scratch(start);
                        }
                    }
                    Role::Name => {
                        self.scratch.clear();
                        self.sink.name(literal, &mut self.scratch);
                        self.php_replace_with_scratch(start);
                    }
                    Role::Unknown | Role::Text if self.sink.is_count(literal) => {}
                    Role::Opaque | Role::Unknown | Role::UnknownId | Role::Text => {
                        self.scratch.clear();
                        self.sink.opaque(literal, &mut self.scratch);
                        self.php_replace_with_scratch(start);
                    }
                    _ => {}
                }
                Ok(())
            }
            b'd' => {
                let fs = self.pos + 2;
                self.php_float()?;
                match role {
                    Role::Redact => self.php_redact(start),
                    Role::Opaque | Role::Unknown | Role::UnknownId | Role::Text
                        if !(matches!(role, Role::Unknown | Role::Text)
                            && self.sink.is_count(&self.src[fs..self.pos - 1])) =>
                    {
                        let src = self.src;
                        let literal = &src[fs..self.pos - 1];
                        self.scratch.clear();
                        self.sink.opaque(literal, &mut self.scratch);
                        self.php_replace_with_scratch(start);
                    }
                    _ => {}
                }
                Ok(())
            }
            b's' => {
                let (cs, ce) = self.php_string_token()?;
                let src = self.src;
                let raw = &src[cs..ce];
                if role == Role::Redact {
                    self.php_redact(start);
                    return Ok(());
                }
                self.scratch.clear();
                match role {
                    _ if raw.is_empty() => return Ok(()),
                    Role::UserId if all_digits(raw) => self.sink.user_id(raw, &mut self.scratch),
                    Role::UserId | Role::Name => self.sink.name(raw, &mut self.scratch),
                    Role::Email => self.sink.email(raw, &mut self.scratch),
                    Role::Opaque => self.sink.opaque(raw, &mut self.scratch),
                    Role::Unknown | Role::UnknownId if self.sink.is_constant(raw) => return Ok(()),
                    Role::Unknown | Role::UnknownId => self.sink.opaque(raw, &mut self.scratch),
                    Role::Text => self.sink.free_text(raw, &mut self.scratch),
                    _ => {
                        self.sink.text(raw, &mut self.scratch);
                        if self.scratch == raw {
                            return Ok(());
                        }
                    }
                }
                self.php_replace_with_scratch(start);
                Ok(())
            }
            b'a' => {
                if depth >= MAX_DEPTH {
                    return Err(err(start, "nesting too deep"));
                }
                self.php_tag(b"a:", "array")?;
                let count = self.php_uiv("array count")?;
                self.php_tag(b":{", "array")?;
                self.php_members(count, role, false, depth)
            }
            b'O' => {
                if depth >= MAX_DEPTH {
                    return Err(err(start, "nesting too deep"));
                }
                self.php_tag(b"O:", "object")?;
                let len_at = self.pos;
                let len = self.php_uiv("class name length")?;
                self.php_tag(b":\"", "object")?;
                let cs = self.pos;
                if len == 0 || len > self.src.len() - cs {
                    return Err(err(len_at, "class name length"));
                }
                self.pos = cs + len;
                self.php_tag(b"\":", "class name length")?;
                let class = &self.src[cs..cs + len];
                if let Some(bad) = class.iter().position(|&b| {
                    !(b.is_ascii_alphanumeric() || b == b'_' || b == b'\\' || b >= 0x7f)
                }) {
                    return Err(err(cs + bad, "class name"));
                }
                let count = self.php_uiv("object count")?;
                self.php_tag(b":{", "object")?;
                self.php_members(count, role, true, depth)
            }
            b'r' | b'R' => {
                self.pos += 1;
                self.expect(b':', "reference")?;
                let at = self.pos;
                let n = self.php_uiv("reference")?;
                self.expect(b';', "reference")?;
                // `r:` counts itself but may not point at itself.
                let max = if t == b'r' {
                    self.php_values - 1
                } else {
                    self.php_values
                };
                if n == 0 || n > max {
                    return Err(err(at, "reference"));
                }
                Ok(())
            }
            _ => Err(err(start, "value type")),
        }
    }

    /// `d:` with PHP's number forms, `NAN`, `INF`, `-INF`.
    fn php_float(&mut self) -> Result<(), OtherError> {
        self.php_tag(b"d:", "float")?;
        let rest = &self.src[self.pos..];
        for special in [&b"NAN;"[..], b"INF;", b"-INF;"] {
            if rest.starts_with(special) {
                self.pos += special.len();
                return Ok(());
            }
        }
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.pos += 1;
        }
        let (is, ie) = self.digits();
        let mut mantissa = ie > is;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let (fs, fe) = self.digits();
            mantissa |= fe > fs;
        }
        if !mantissa {
            return Err(err(self.pos, "float"));
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            let (es, ee) = self.digits();
            if es == ee {
                return Err(err(es, "float"));
            }
        }
        self.expect(b';', "float")
    }

    /// `count` key/value pairs and the closing `}` of an array or object.
    fn php_members(
        &mut self,
        count: usize,
        role: Role,
        object: bool,
        depth: usize,
    ) -> Result<(), OtherError> {
        for _ in 0..count {
            let child = match self.peek() {
                Some(b'i') => {
                    self.php_int_token()?;
                    classify(None, role, self.event, &*self.sink)
                }
                Some(b's') => {
                    let (cs, ce) = self.php_string_token()?;
                    let src = self.src;
                    let mut key = &src[cs..ce];
                    if object {
                        key = unmangle(key);
                    }
                    classify(Some(key), role, self.event, &*self.sink)
                }
                Some(b'}') => return Err(err(self.pos, "array count")),
                None => return Err(err(self.pos, "truncated")),
                Some(_) => return Err(err(self.pos, "array key")),
            };
            self.php_value(child, depth + 1)?;
        }
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                Ok(())
            }
            None => Err(err(self.pos, "truncated")),
            Some(_) => Err(err(self.pos, "array count")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids become `9` + the id (or `u` + the id), names `N<len>`, e-mail
    /// addresses `E`; text has `10.1.2.3` replaced by `IP`.
    struct TestSink {
        letter_ids: bool,
    }

    impl Sink for TestSink {
        fn is_secret(&self, key: &[u8]) -> bool {
            key.eq_ignore_ascii_case(b"password") || key.eq_ignore_ascii_case(b"sesskey")
        }
        fn user_id(&mut self, digits: &[u8], out: &mut Vec<u8>) {
            out.push(if self.letter_ids { b'u' } else { b'9' });
            out.extend_from_slice(digits);
        }
        fn name(&mut self, value: &[u8], out: &mut Vec<u8>) {
            out.push(b'N');
            push_usize(out, value.len());
        }
        fn email(&mut self, _value: &[u8], out: &mut Vec<u8>) {
            out.push(b'E');
        }
        fn text(&mut self, raw: &[u8], out: &mut Vec<u8>) {
            let mut i = 0;
            while i < raw.len() {
                if raw[i..].starts_with(b"10.1.2.3") {
                    out.extend_from_slice(b"IP");
                    i += 8;
                } else {
                    out.push(raw[i]);
                    i += 1;
                }
            }
        }
        fn is_kept(&self, key: Option<&[u8]>) -> bool {
            !key.is_some_and(|k| k.starts_with(b"opaque"))
        }
        fn opaque(&mut self, value: &[u8], out: &mut Vec<u8>) {
            out.extend_from_slice(b"T");
            push_usize(out, value.len());
        }
    }

    /// A sink that changes nothing.
    struct Identity;

    impl Sink for Identity {
        fn is_secret(&self, _key: &[u8]) -> bool {
            false
        }
        fn user_id(&mut self, digits: &[u8], out: &mut Vec<u8>) {
            out.extend_from_slice(digits);
        }
        fn name(&mut self, value: &[u8], out: &mut Vec<u8>) {
            out.extend_from_slice(value);
        }
        fn email(&mut self, value: &[u8], out: &mut Vec<u8>) {
            out.extend_from_slice(value);
        }
        fn text(&mut self, raw: &[u8], out: &mut Vec<u8>) {
            out.extend_from_slice(raw);
        }
        fn is_kept(&self, _key: Option<&[u8]>) -> bool {
            true
        }
        fn opaque(&mut self, value: &[u8], out: &mut Vec<u8>) {
            out.extend_from_slice(value);
        }
    }

    fn run_with(
        input: &[u8],
        failed_login: bool,
        sink: &mut dyn Sink,
    ) -> Result<String, OtherError> {
        let mut out = b"prefix:".to_vec();
        let event = if failed_login {
            Event::FailedLogin
        } else {
            Event::Other
        };
        let r = rewrite(input, event, sink, &mut out);
        match r {
            Ok(()) => Ok(String::from_utf8_lossy(&out["prefix:".len()..]).into_owned()),
            Err(e) => {
                assert_eq!(out, b"prefix:", "output left behind on error");
                Err(e)
            }
        }
    }

    fn run(input: &str, failed_login: bool) -> Result<String, OtherError> {
        run_with(
            input.as_bytes(),
            failed_login,
            &mut TestSink { letter_ids: false },
        )
    }

    fn ok(input: &str) -> String {
        run(input, false).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    fn fails(input: &str) -> OtherError {
        match run(input, false) {
            Ok(out) => panic!("{input:?} accepted: {out:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn formats_md_example_php() {
        let v = r#"a:2:{s:8:"username";s:5:"jdoe1";s:6:"reason";i:3;}"#;
        assert_eq!(
            run(v, true).unwrap(),
            r#"a:2:{s:8:"username";s:8:"REDACTED";s:6:"reason";i:3;}"#
        );
        assert_eq!(
            run(v, false).unwrap(),
            r#"a:2:{s:8:"username";s:2:"N5";s:6:"reason";i:3;}"#
        );
    }

    #[test]
    fn formats_md_example_json() {
        let v = r#"{"username":"jdoe1","reason":3}"#;
        assert_eq!(
            run(v, true).unwrap(),
            r#"{"username":"REDACTED","reason":3}"#
        );
        assert_eq!(run(v, false).unwrap(), r#"{"username":"N5","reason":3}"#);
    }

    #[test]
    fn failed_login_redacts_numbers_and_not_other_keys() {
        assert_eq!(
            run(r#"{"username":12345,"reason":3,"name":"x"}"#, true).unwrap(),
            r#"{"username":"REDACTED","reason":3,"name":"x"}"#
        );
        assert_eq!(
            run(r#"a:1:{s:8:"username";i:12345;}"#, true).unwrap(),
            r#"a:1:{s:8:"username";s:8:"REDACTED";}"#
        );
    }

    #[test]
    fn null_and_empty() {
        assert_eq!(ok("N;"), "N;");
        assert_eq!(ok("null"), "null");
        assert_eq!(ok(" null \n"), " null \n");
        assert_eq!(ok(""), "");
        assert_eq!(ok("  "), "  ");
        assert_eq!(ok("[]"), "[]");
        assert_eq!(ok("{ }"), "{ }");
        assert_eq!(ok("a:0:{}"), "a:0:{}");
    }

    #[test]
    fn scalars_at_top_level() {
        assert_eq!(ok("b:1;"), "b:1;");
        assert_eq!(ok("i:-12;"), "i:-12;");
        assert_eq!(ok("d:1.5;"), "d:1.5;");
        assert_eq!(ok("d:-INF;"), "d:-INF;");
        assert_eq!(ok("d:NAN;"), "d:NAN;");
        assert_eq!(ok("d:1.0E+25;"), "d:1.0E+25;");
        assert_eq!(ok("d:.5;"), "d:.5;");
        assert_eq!(ok("d:5.;"), "d:5.;");
        assert_eq!(ok(r#"s:8:"10.1.2.3";"#), r#"s:2:"IP";"#);
        assert_eq!(ok(r#""10.1.2.3""#), r#""IP""#);
        assert_eq!(ok("-1.5e-3"), "-1.5e-3");
        assert_eq!(ok("true"), "true");
        assert_eq!(ok("false"), "false");
    }

    #[test]
    fn relateduserid_int_and_string_in_both_encodings() {
        assert_eq!(
            ok(r#"a:2:{s:13:"relateduserid";i:42;s:6:"userid";s:2:"17";}"#),
            r#"a:2:{s:13:"relateduserid";i:942;s:6:"userid";s:3:"917";}"#
        );
        assert_eq!(
            ok(r#"{"relateduserid":42,"userid":"17"}"#),
            r#"{"relateduserid":942,"userid":"917"}"#
        );
    }

    #[test]
    fn user_id_tokens_that_are_not_integers_become_strings() {
        let mut s = TestSink { letter_ids: true };
        assert_eq!(
            run_with(br#"a:1:{s:6:"userid";i:42;}"#, false, &mut s).unwrap(),
            r#"a:1:{s:6:"userid";s:3:"u42";}"#
        );
        assert_eq!(
            run_with(br#"{"userid": 42 }"#, false, &mut s).unwrap(),
            r#"{"userid": "u42" }"#
        );
    }

    #[test]
    fn user_id_keys_and_other_values_under_them() {
        assert_eq!(
            ok(
                r#"{"useridfrom":1,"useridto":2,"submissionuserid":3,"realuserid":-1,"userid":null,"x":5}"#
            ),
            r#"{"useridfrom":91,"useridto":92,"submissionuserid":93,"realuserid":-1,"userid":null,"x":5}"#
        );
        assert_eq!(
            ok(r#"{"userid":"jdoe","relateduserid":1.5,"userid2":""}"#),
            r#"{"userid":"N4","relateduserid":1.5,"userid2":""}"#
        );
        assert_eq!(
            ok(r#"a:3:{s:6:"userid";s:4:"jdoe";s:6:"USERID";i:-4;s:6:"userId";b:1;}"#),
            r#"a:3:{s:6:"userid";s:2:"N4";s:6:"USERID";i:-4;s:6:"userId";b:1;}"#
        );
    }

    #[test]
    fn userids_arrays() {
        assert_eq!(
            ok(r#"{"userids":[1,"2",[3]],"enrolleduserids":{"7":4}}"#),
            r#"{"userids":[91,"92",[93]],"enrolleduserids":{"7":94}}"#
        );
        assert_eq!(
            ok(r#"a:1:{s:7:"userids";a:2:{i:0;i:5;i:1;s:2:"66";}}"#),
            r#"a:1:{s:7:"userids";a:2:{i:0;i:95;i:1;s:3:"966";}}"#
        );
        // A string key inside resets the role.
        assert_eq!(
            ok(r#"{"userids":{"note":"10.1.2.3","n":7}}"#),
            r#"{"userids":{"note":"IP","n":7}}"#
        );
    }

    #[test]
    fn names_and_email() {
        assert_eq!(
            ok(
                r#"{"fullname":"Jane Doe","coursefullname":"Bio 10.1.2.3","firstname":"Jane","lastname":"Doe","middlename":"Q","alternatename":"JD","originalusername":"jd","loggedinasusername":"x","realusername":"abc","email":"a@b.c","useremail":"c@d.e"}"#
            ),
            r#"{"fullname":"N8","coursefullname":"Bio IP","firstname":"N4","lastname":"N3","middlename":"N1","alternatename":"N2","originalusername":"N2","loggedinasusername":"N1","realusername":"N3","email":"E","useremail":"E"}"#
        );
        assert_eq!(
            ok(r#"a:2:{s:5:"email";s:5:"a@b.c";s:8:"username";i:20231234;}"#),
            r#"a:2:{s:5:"email";s:1:"E";s:8:"username";s:2:"N8";}"#
        );
        assert_eq!(ok(r#"{"username":20231234}"#), r#"{"username":"N8"}"#);
        assert_eq!(ok(r#"{"username":""}"#), r#"{"username":""}"#);
    }

    #[test]
    fn json_unicode_escapes_decode_like_raw_utf8() {
        // "José" is 5 bytes; so is its escaped form decoded.
        assert_eq!(ok(r#"{"fullname":"Jos\u00e9"}"#), r#"{"fullname":"N5"}"#);
        assert_eq!(ok(r#"{"fullname":"José"}"#), r#"{"fullname":"N5"}"#);
        // Surrogate pair: U+1F600 is 4 bytes.
        assert_eq!(
            ok(r#"{"firstname":"\ud83d\ude00"}"#),
            r#"{"firstname":"N4"}"#
        );
        assert_eq!(ok(r#"{"lastname":"a\/b\"c\\"}"#), r#"{"lastname":"N6"}"#);
        // Escaped keys are decoded before they are compared.
        assert_eq!(
            ok(r#"{"user\u006eame":"jdoe1"}"#),
            r#"{"user\u006eame":"N5"}"#
        );
    }

    #[test]
    fn json_escapes_and_spacing_are_copied_verbatim() {
        let v = "{ \"url\" : \"http:\\/\\/x\\/10.1.2.3\\u00e9\" ,\n \"n\":1.50E+2 , \"a\":[ true,false , null ] }";
        let want = "{ \"url\" : \"http:\\/\\/x\\/IP\\u00e9\" ,\n \"n\":1.50E+2 , \"a\":[ true,false , null ] }";
        assert_eq!(ok(v), want);
        assert_eq!(run_with(v.as_bytes(), false, &mut Identity).unwrap(), v);
    }

    #[test]
    fn php_strings_with_quotes_semicolons_and_braces() {
        let v =
            "a:2:{s:4:\"text\";s:18:\"a\";}\"; 10.1.2.3\nok\";s:8:\"username\";s:5:\"j\";}x\";}";
        assert_eq!(
            ok(v),
            "a:2:{s:4:\"text\";s:12:\"a\";}\"; IP\nok\";s:8:\"username\";s:2:\"N5\";}"
        );
        assert_eq!(run_with(v.as_bytes(), false, &mut Identity).unwrap(), v);
    }

    #[test]
    fn php_objects_and_mangled_properties() {
        let v = "O:8:\"stdClass\":3:{s:8:\"username\";s:4:\"jdoe\";s:9:\"\0*\0userid\";i:5;s:10:\"\0Foo\0email\";s:3:\"a@b\";}";
        assert_eq!(
            ok(v),
            "O:8:\"stdClass\":3:{s:8:\"username\";s:2:\"N4\";s:9:\"\0*\0userid\";i:95;s:10:\"\0Foo\0email\";s:1:\"E\";}"
        );
        assert_eq!(
            ok(r#"a:1:{s:1:"o";O:13:"core\event\x_":1:{i:0;s:8:"10.1.2.3";}}"#),
            r#"a:1:{s:1:"o";O:13:"core\event\x_":1:{i:0;s:2:"IP";}}"#
        );
    }

    #[test]
    fn php_references() {
        assert_eq!(ok("a:2:{i:0;i:1;i:1;r:2;}"), "a:2:{i:0;i:1;i:1;r:2;}");
        assert_eq!(ok("a:1:{i:0;R:1;}"), "a:1:{i:0;R:1;}");
        assert_eq!(fails("a:1:{i:0;r:2;}").what, "reference");
        assert_eq!(fails("a:1:{i:0;R:0;}").what, "reference");
        assert_eq!(fails("a:1:{i:0;R:3;}").offset, 11);
    }

    #[test]
    fn keys_compare_case_insensitively() {
        assert_eq!(
            ok(r#"{"UserName":"jdoe1","RelatedUserId":3,"EMAIL":"x@y","Password":"p"}"#),
            r#"{"UserName":"N5","RelatedUserId":93,"EMAIL":"E","Password":"REDACTED"}"#
        );
        assert_eq!(
            ok(r#"a:2:{s:8:"USERNAME";s:2:"ab";s:8:"PassWord";s:1:"x";}"#),
            r#"a:2:{s:8:"USERNAME";s:2:"N2";s:8:"PassWord";s:8:"REDACTED";}"#
        );
    }

    #[test]
    fn secrets() {
        assert_eq!(
            ok(
                r#"{"password":"hunter2","sesskey":12345,"x":{"password":[1,"a",null,true,{"k":"v"}]}}"#
            ),
            r#"{"password":"REDACTED","sesskey":"REDACTED","x":{"password":["REDACTED","REDACTED",null,true,{"k":"REDACTED"}]}}"#
        );
        assert_eq!(
            ok(
                r#"a:3:{s:8:"password";s:3:"abc";s:7:"sesskey";d:1.5;s:1:"x";a:1:{s:8:"password";b:0;}}"#
            ),
            r#"a:3:{s:8:"password";s:8:"REDACTED";s:7:"sesskey";s:8:"REDACTED";s:1:"x";a:1:{s:8:"password";b:0;}}"#
        );
    }

    #[test]
    fn nested_arrays_and_objects() {
        assert_eq!(
            ok(r#"{"a":{"b":[{"userid":1,"c":{"username":"xy"}}],"d":"10.1.2.3"}}"#),
            r#"{"a":{"b":[{"userid":91,"c":{"username":"N2"}}],"d":"IP"}}"#
        );
        assert_eq!(
            ok(
                r#"a:1:{s:1:"a";a:2:{i:0;a:1:{s:6:"userid";i:1;}i:1;a:1:{s:4:"name";s:8:"10.1.2.3";}}}"#
            ),
            r#"a:1:{s:1:"a";a:2:{i:0;a:1:{s:6:"userid";i:91;}i:1;a:1:{s:4:"name";s:2:"IP";}}}"#
        );
    }

    #[test]
    fn invalid_php() {
        let e = fails(r#"a:1:{s:8:"username";s:6:"jdoe1";}"#);
        assert_eq!(e, err(31, "string length"));
        assert_eq!(fails(r#"s:99:"x";"#), err(2, "string length"));
        assert_eq!(fails(r#"a:2:{i:0;N;}"#), err(11, "array count"));
        assert_eq!(fails(r#"a:1:{i:0;N;i:1;N;}"#), err(11, "array count"));
        assert_eq!(fails("N;x"), err(2, "trailing bytes"));
        assert_eq!(fails("a:1:{i:0;N;} "), err(12, "trailing bytes"));
        assert_eq!(fails(" N;"), err(0, "space before serialized value"));
        assert_eq!(fails("a:1:{i:0;N;"), err(11, "truncated"));
        assert_eq!(fails("a:1:{i:0;"), err(9, "truncated"));
        assert_eq!(fails("i:;"), err(2, "integer"));
        assert_eq!(fails("i:5"), err(3, "integer"));
        assert_eq!(fails("b:2;"), err(2, "bool"));
        assert_eq!(fails("d:.;"), err(3, "float"));
        assert_eq!(fails("d:1e;"), err(4, "float"));
        assert_eq!(fails("a:1:{d:1;N;}"), err(5, "array key"));
        assert_eq!(fails("a:99999999999999999999999:{}"), err(2, "array count"));
        assert_eq!(fails(r#"O:3:"a-b":0:{}"#), err(6, "class name"));
        assert_eq!(fails(r#"O:9:"stdClass":0:{}"#).what, "class name length");
        assert_eq!(fails("x:1;"), err(0, "not JSON or PHP serialize"));
        assert_eq!(fails("a:1:{i:0;x:1;}"), err(9, "value type"));
        assert_eq!(fails("Nope").what, "not JSON or PHP serialize");
    }

    #[test]
    fn invalid_json() {
        assert_eq!(fails(r#"{"a":"b"#), err(5, "unterminated string"));
        assert_eq!(fails(r#"{"a":"\x"}"#), err(6, "bad escape"));
        assert_eq!(fails(r#"{"a":"\u12"}"#), err(6, "bad escape"));
        assert_eq!(fails(r#""\ud800""#), err(1, "lone surrogate"));
        assert_eq!(fails(r#""\udc00x""#), err(1, "lone surrogate"));
        assert_eq!(fails("\"a\tb\""), err(2, "control character in string"));
        assert_eq!(fails(r#"{"a":1} x"#), err(8, "trailing bytes"));
        assert_eq!(fails(r#"{"a":1,}"#), err(7, "object key"));
        assert_eq!(fails(r#"{"a" 1}"#), err(5, "expected ':'"));
        assert_eq!(fails(r#"[1 2]"#), err(3, "expected ',' or ']'"));
        assert_eq!(fails(r#"{"a":1"#), err(6, "expected ',' or '}'"));
        assert_eq!(fails("[01]"), err(2, "expected ',' or ']'"));
        assert_eq!(fails("[1.]"), err(3, "number"));
        assert_eq!(fails("[-]"), err(2, "number"));
        assert_eq!(fails("[1e+]"), err(4, "number"));
        assert_eq!(fails("tru"), err(0, "literal"));
        assert_eq!(fails("nul"), err(0, "not JSON or PHP serialize"));
        assert_eq!(fails("[,]"), err(1, "expected value"));
        assert_eq!(fails("[1,"), err(3, "expected value"));
        assert_eq!(
            run_with(b"\"\xff\"", false, &mut Identity),
            Err(err(1, "invalid UTF-8"))
        );
    }

    #[test]
    fn sink_output_that_breaks_json_is_rejected() {
        struct Quote;
        impl Sink for Quote {
            fn is_secret(&self, _: &[u8]) -> bool {
                false
            }
            fn user_id(&mut self, _: &[u8], out: &mut Vec<u8>) {
                out.push(b'"');
            }
            fn name(&mut self, _: &[u8], out: &mut Vec<u8>) {
                out.push(b'"');
            }
            fn email(&mut self, _: &[u8], out: &mut Vec<u8>) {
                out.push(b'"');
            }
            fn text(&mut self, _: &[u8], out: &mut Vec<u8>) {
                out.push(b'\\');
            }
            fn is_kept(&self, _: Option<&[u8]>) -> bool {
                true
            }
            fn opaque(&mut self, _: &[u8], out: &mut Vec<u8>) {
                out.push(b'"');
            }
        }
        for v in [
            r#"{"a":"x"}"#,
            r#"{"username":"x"}"#,
            r#"{"userid":5}"#,
            r#"{"username":5}"#,
        ] {
            assert_eq!(
                run_with(v.as_bytes(), false, &mut Quote).map_err(|e| e.what),
                Err("replacement not valid in JSON"),
                "{v}"
            );
        }
        // PHP takes any bytes.
        assert_eq!(
            run_with(br#"a:1:{s:1:"a";s:1:"x";}"#, false, &mut Quote).unwrap(),
            r#"a:1:{s:1:"a";s:1:"\";}"#
        );
    }

    #[test]
    fn nesting_is_capped() {
        let deep_ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert_eq!(ok(&deep_ok), deep_ok);
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(fails(&deep), err(MAX_DEPTH, "nesting too deep"));
        let php = "a:1:{i:0;".repeat(MAX_DEPTH + 1) + "N;" + &"}".repeat(MAX_DEPTH + 1);
        assert_eq!(fails(&php).what, "nesting too deep");
        let php = "a:1:{i:0;".repeat(MAX_DEPTH) + "N;" + &"}".repeat(MAX_DEPTH);
        assert_eq!(ok(&php), php);
        // Far deeper than the cap: an error, not a stack overflow.
        let huge = "[".repeat(1_000_000);
        assert_eq!(fails(&huge).what, "nesting too deep");
    }

    #[test]
    fn detect_by_first_byte() {
        assert_eq!(detect(b" {}"), Some(Encoding::Json));
        assert_eq!(detect(b"-1"), Some(Encoding::Json));
        assert_eq!(detect(b"null"), Some(Encoding::Json));
        assert_eq!(detect(b"N;"), Some(Encoding::Php));
        assert_eq!(detect(b"O:8:"), Some(Encoding::Php));
        assert_eq!(detect(b"n"), None);
        assert_eq!(detect(b"N"), None);
        assert_eq!(detect(b"r:1;"), None);
        assert_eq!(detect(b""), None);
    }

    mod property {
        use super::*;
        use proptest::prelude::*;

        #[derive(Debug, Clone)]
        enum Val {
            Null,
            Bool(bool),
            Int(i64),
            Float(f64),
            Str(String),
            List(Vec<Val>),
            Map(Vec<(String, Val)>),
        }

        const KEYS: &[&str] = &[
            "userid",
            "relateduserid",
            "userids",
            "username",
            "fullname",
            "coursefullname",
            "email",
            "password",
            "name",
            "url",
            "x",
            "UserName",
            "7",
        ];

        fn val() -> impl Strategy<Value = Val> {
            let leaf = prop_oneof![
                Just(Val::Null),
                any::<bool>().prop_map(Val::Bool),
                any::<i64>().prop_map(Val::Int),
                (0i64..100_000).prop_map(Val::Int),
                (-1e9f64..1e9).prop_map(Val::Float),
                "[a-z\"';{}:/\\\\\n\t 0-9.@é€😀]{0,12}".prop_map(Val::Str),
                "[0-9]{1,6}".prop_map(Val::Str),
                Just(Val::Str("see 10.1.2.3 now".into())),
            ];
            leaf.prop_recursive(5, 48, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Val::List),
                    prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(
                        |kv| Val::Map(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    ),
                ]
            })
        }

        /// `v` with every key wrapped in `k_…_k`, so no key has a role.
        fn neutral_keys(v: &Val) -> Val {
            match v {
                Val::List(items) => Val::List(items.iter().map(neutral_keys).collect()),
                Val::Map(kv) => Val::Map(
                    kv.iter()
                        .map(|(k, v)| (format!("k_{k}_k"), neutral_keys(v)))
                        .collect(),
                ),
                other => other.clone(),
            }
        }

        fn php(v: &Val, out: &mut Vec<u8>) {
            match v {
                Val::Null => out.extend_from_slice(b"N;"),
                Val::Bool(b) => out.extend_from_slice(if *b { b"b:1;" } else { b"b:0;" }),
                Val::Int(i) => out.extend_from_slice(format!("i:{i};").as_bytes()),
                Val::Float(f) => out.extend_from_slice(format!("d:{f:?};").as_bytes()),
                Val::Str(s) => push_php_string(out, s.as_bytes()),
                Val::List(items) => {
                    out.extend_from_slice(format!("a:{}:{{", items.len()).as_bytes());
                    for (i, item) in items.iter().enumerate() {
                        out.extend_from_slice(format!("i:{i};").as_bytes());
                        php(item, out);
                    }
                    out.push(b'}');
                }
                Val::Map(kv) => {
                    // PHP keeps the last of duplicate keys; duplicates are
                    // still valid serialize output syntax.
                    out.extend_from_slice(format!("a:{}:{{", kv.len()).as_bytes());
                    for (k, v) in kv {
                        push_php_string(out, k.as_bytes());
                        php(v, out);
                    }
                    out.push(b'}');
                }
            }
        }

        fn json(v: &Val) -> serde_json::Value {
            use serde_json::Value as J;
            match v {
                Val::Null => J::Null,
                Val::Bool(b) => J::Bool(*b),
                Val::Int(i) => J::from(*i),
                Val::Float(f) => J::from(*f),
                Val::Str(s) => J::String(s.clone()),
                Val::List(items) => J::Array(items.iter().map(json).collect()),
                Val::Map(kv) => J::Object(kv.iter().map(|(k, v)| (k.clone(), json(v))).collect()),
            }
        }

        /// Like json_encode: `/` escaped as `\/`, non-ASCII as `\uXXXX`.
        fn php_style_json(v: &Val) -> Vec<u8> {
            let s = serde_json::to_string(&json(v)).unwrap();
            let mut out = String::new();
            let mut in_string = false;
            let mut escaped = false;
            for c in s.chars() {
                if in_string && !escaped && c == '/' {
                    out.push_str("\\/");
                    continue;
                }
                if !c.is_ascii() {
                    let mut buf = [0u16; 2];
                    for u in c.encode_utf16(&mut buf) {
                        out.push_str(&format!("\\u{u:04x}"));
                    }
                    continue;
                }
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = !in_string;
                }
                out.push(c);
            }
            out.into_bytes()
        }

        fn rw(input: &[u8], failed_login: bool) -> Vec<u8> {
            let mut out = Vec::new();
            let event = if failed_login {
                Event::FailedLogin
            } else {
                Event::Other
            };
            rewrite(input, event, &mut TestSink { letter_ids: false }, &mut out)
                .unwrap_or_else(|e| panic!("{e} in {:?}", String::from_utf8_lossy(input)));
            out
        }

        fn same_kind(a: &serde_json::Value, b: &serde_json::Value) -> bool {
            std::mem::discriminant(a) == std::mem::discriminant(b)
        }

        proptest! {
            #[test]
            fn php_output_reparses(v in val(), failed_login in any::<bool>()) {
                let mut input = Vec::new();
                php(&v, &mut input);
                let out = rw(&input, failed_login);
                prop_assert_eq!(&out, &rw(&input, failed_login));
                // Valid again (every s:LEN checked) and unchanged by a
                // sink that changes nothing.
                let mut again = Vec::new();
                prop_assert!(rewrite(&out, Event::Other, &mut Identity, &mut again).is_ok());
                prop_assert_eq!(&again, &out);
                prop_assert!(!contains(&out, b"10.1.2.3"));
                // Without identity keys, a sink that changes nothing gives
                // the input back byte for byte.
                let mut neutral = Vec::new();
                php(&neutral_keys(&v), &mut neutral);
                let mut same = Vec::new();
                prop_assert!(rewrite(&neutral, Event::Other, &mut Identity, &mut same).is_ok());
                prop_assert_eq!(&same, &neutral);
            }

            #[test]
            fn json_output_reparses(v in val(), failed_login in any::<bool>(), php_style in any::<bool>()) {
                let input = if php_style {
                    php_style_json(&v)
                } else {
                    serde_json::to_vec_pretty(&json(&v)).unwrap()
                };
                let want: serde_json::Value = serde_json::from_slice(&input).unwrap();
                let out = rw(&input, failed_login);
                prop_assert_eq!(&out, &rw(&input, failed_login));
                let got: serde_json::Value = serde_json::from_slice(&out)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&out))))?;
                prop_assert!(same_kind(&want, &got));
                prop_assert!(!contains(&out, b"10.1.2.3"));
                let neutral = if php_style {
                    php_style_json(&neutral_keys(&v))
                } else {
                    serde_json::to_vec_pretty(&json(&neutral_keys(&v))).unwrap()
                };
                let mut same = Vec::new();
                prop_assert!(rewrite(&neutral, Event::Other, &mut Identity, &mut same).is_ok());
                prop_assert_eq!(&same, &neutral);
            }

            #[test]
            fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..64)) {
                let mut out = Vec::new();
                let a = rewrite(&data, Event::Other, &mut TestSink { letter_ids: false }, &mut out);
                if a.is_err() {
                    prop_assert!(out.is_empty());
                }
            }
        }

        fn contains(hay: &[u8], needle: &[u8]) -> bool {
            hay.windows(needle.len()).any(|w| w == needle)
        }
    }

    #[test]
    fn user_ids_under_other_names_and_config_changes() {
        assert_eq!(
            ok(r#"{"submitterid":"5188","quizid":3,"graderid":7,"loggedinas":12}"#),
            r#"{"submitterid":"95188","quizid":3,"graderid":97,"loggedinas":912}"#
        );
        let mut sink = TestSink { letter_ids: false };
        let mut out = Vec::new();
        let v = br#"{"name":"supportname","oldvalue":"Jane Doe","value":"L\u00e9a Rossi","plugin":null}"#;
        rewrite(v, Event::ConfigChange, &mut sink, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"name":"supportname","oldvalue":"REDACTED","value":"REDACTED","plugin":null}"#
        );
        assert_eq!(
            Event::of(br"\core\event\config_log_created"),
            Event::ConfigChange
        );
        assert_eq!(
            Event::of(br"\core\event\user_login_failed"),
            Event::FailedLogin
        );
        assert_eq!(Event::of(br"\core\event\course_viewed"), Event::Other);
    }
}
