//! The leak checker: looks at output that should be anonymous for personal
//! data that survived, in two ways.
//!
//! [`Checker`] looks at the output alone, for what looks personal wherever
//! it stands:
//! - an IPv4/IPv6 address that is not truncated to the configured prefixes;
//! - an e-mail address, of any domain;
//! - a value under a secret key (the value policy's lists) that is not
//!   `REDACTED`, or under an identity key that is not a pseudonym;
//! - a BigBlueButton internal user id (`w_…`) or a token-shaped string
//!   (sixteen or more letters and digits) that is not a pseudonym;
//! - an access line whose user or ident field is not a pseudonym;
//! - in a Moodle CSV export, a user-id or user-name column, or a
//!   `user with id 'N'` of a description, that is not a pseudonym;
//! - with a roster, any form of any of its people.
//!
//! [`RawChecker`] does not share anonymize's eyes: it reads the raw input,
//! collects every value that any rule (or the roster) identifies in it — the
//! identities and secrets of every record — and then looks for each of them
//! anywhere in the output, raw or encoded (`+`, `%20`, `%C3%BC`), as a
//! whole word: in the whole output for values of four or more characters,
//! and in the record of the same number for shorter ones. A value that
//! survived anywhere is found, whatever position anonymize missed it in.

use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::format::moodle::{self, Column, Schema};
use crate::format::{access, csv, Format};
use crate::input::{self, Framing};
use crate::ip::IpPolicy;
use crate::pseudonym::{Key, Pseudonymizer};
use crate::rewrite::policy::{Policy, Rule};
use crate::rewrite::roster::Roster;
use crate::rewrite::rules::email_any;
use crate::rewrite::rules::{is_bbb_internal_id, names_no_one, REDACTED};
use crate::rewrite::url::is_token_shaped;
use crate::rewrite::vocab;
use crate::rewrite::{Options, Rewriter, Worker};

/// One piece of surviving personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Byte offset in the line (0-based).
    pub column: usize,
    /// What was found.
    pub what: &'static str,
    /// The text found (print it masked, see [`mask`]).
    pub text: String,
}

/// `text` with all but its first and last character hidden (`j****8`), for
/// messages that end up in cron mail.
pub fn mask(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    match chars.len() {
        0 => String::new(),
        1..=3 => "*".repeat(chars.len()),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// What the checker looks for.
#[derive(Debug, Clone, Default)]
pub struct Checker {
    /// The prefixes addresses must be truncated to.
    pub policy: IpPolicy,
    /// Whether addresses are not checked (output of `--ip-mode pfx`).
    pub encrypted_addresses: bool,
    /// The value policy (which keys are secrets and identities).
    pub values: Option<Arc<Policy>>,
    /// The site's people.
    pub roster: Option<Arc<Roster>>,
    /// Texts that are never reported (false positives of a site).
    pub allow: Vec<Vec<u8>>,
}

/// Is `v` something anonlog writes in place of an identity: a pseudonym
/// token, `REDACTED`, or a value kept because it is nobody (`0`, `1`,
/// Moodle's pseudo-users `-10` and `-20`, or only dashes and spaces, the
/// rewriter's placeholder rule)?
pub fn is_pseudonym_or_placeholder(v: &[u8]) -> bool {
    matches!(v, b"0" | b"1")
        || crate::rewrite::rules::is_pseudo_user(v)
        || v.iter().all(|&b| b == b'-' || b == b' ')
        || v == REDACTED
        || crate::pseudonym::is_token(v)
        || is_token_run(v)
        || names_no_one(v)
}

/// Is `val`, the value of a query parameter that no rule names, one the
/// rewriter keeps by its shape: empty, a pseudonym or placeholder, a
/// constant of the software, a count, or (once decoded) one of those?
fn kept_by_shape(key: &[u8], val: &[u8]) -> bool {
    use crate::rewrite::rules::{is_constant, keeps_count};
    let ok = |v: &[u8]| {
        v.is_empty() || is_pseudonym_or_placeholder(v) || is_constant(v) || keeps_count(key, v)
    };
    if ok(val) {
        return true;
    }
    let (mut dec, mut tmp) = (Vec::new(), Vec::new());
    crate::rewrite::replace::decode_value(val, 1, &mut dec, &mut tmp);
    ok(&dec)
}

/// Tokens written one after the other (`t_dsmzf2fmmujft_d4y6pipzfdj2`: two
/// replaced values that were adjacent in the input).
fn is_token_run(v: &[u8]) -> bool {
    v.len() >= 28 && v.len().is_multiple_of(14) && v.chunks(14).all(crate::pseudonym::is_token)
}

impl Checker {
    fn allowed(&self, text: &[u8]) -> bool {
        self.allow
            .iter()
            .any(|a| !a.is_empty() && memchr::memmem::find(text, a).is_some())
    }

    fn values(&self) -> &Policy {
        self.values.as_deref().unwrap_or(Policy::builtin())
    }

    /// The findings in one line (without its terminator).
    pub fn check_line(&self, line: &[u8]) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut push = |column: usize, what: &'static str, text: &[u8]| {
            if !self.allowed(text) {
                out.push(Finding {
                    column,
                    what,
                    text: String::from_utf8_lossy(text).into_owned(),
                });
            }
        };
        if !self.encrypted_addresses {
            let mut i = 0;
            while let Some(f) = crate::ip::find_next(line, i) {
                if self.policy.truncate(f.addr) != f.addr {
                    push(f.start, "address not truncated", &line[f.start..f.end]);
                }
                i = f.end;
            }
        }
        for at in memchr::memchr_iter(b'@', line) {
            if let Some((s, e)) = email_any(line, at) {
                if line[s..e].contains(&b'.') || is_local_host(&line[at + 1..e]) {
                    push(s, "e-mail address", &line[s..e]);
                }
            }
        }
        let mut kept = Vec::new();
        for (k, v, rule) in pairs(self.values(), line) {
            let val = &line[v.clone()];
            if rule == Rule::Keep {
                // A value the policy keeps (a meeting id): no finding by
                // its shape.
                kept.push(v);
                continue;
            }
            let bad = match rule {
                // A flag (`cookie=1`) under a key that is a secret
                // elsewhere says nothing.
                Rule::Secret => {
                    !(val.is_empty() || val == REDACTED || crate::rewrite::rules::is_trivial(val))
                }
                Rule::Opaque => !kept_by_shape(&line[k.clone()], val),
                _ => !(val.is_empty() || is_pseudonym_or_placeholder(val)),
            };
            if bad {
                let what = match rule {
                    Rule::Secret => "secret not redacted",
                    Rule::Opaque => "value of an unlisted parameter kept",
                    _ => "identity not pseudonymized",
                };
                push(v.start, what, val);
            }
        }
        shaped_words(line, &kept, &mut push);
        if let Ok(rec) = access::parse(line) {
            let mut toks = Vec::new();
            let mut parts = Vec::new();
            access::parse_head(line, rec.head.clone(), &mut toks, &mut parts);
            for (role, r) in parts {
                if !matches!(role, access::Role::User | access::Role::Ident) {
                    continue;
                }
                let field = &line[r.clone()];
                for (off, side) in split_as(field, b" as ") {
                    if !is_pseudonym_or_placeholder(side) {
                        push(r.start + off, "user field not pseudonymized", side);
                    }
                }
            }
        }
        if let Some(r) = &self.roster {
            for (s, e, _) in r.find_in(line) {
                push(s, "a roster person's name", &line[s..e]);
            }
        }
        out.sort_by_key(|f| f.column);
        out.dedup();
        out
    }

    /// The findings in one record of a Moodle CSV export (without its line
    /// terminator): those of [`Checker::check_line`], plus its user-id and
    /// user-name columns and the user ids of its description. Columns are
    /// byte offsets in the record.
    pub fn check_record(&self, schema: &Schema, rec: &[u8]) -> Vec<Finding> {
        let mut out = self.check_line(rec);
        let mut fields = Vec::new();
        schema.dialect.split(rec, &mut fields);
        if fields.len() != schema.columns.len() {
            return out;
        }
        let mut v = Vec::new();
        for (c, r) in schema.columns.iter().zip(&fields) {
            let raw = &rec[r.clone()];
            v.clear();
            schema.dialect.decode(raw, &mut v);
            // Offsets into the decoded value, from after an opening quote.
            let base = r.start + usize::from(schema.dialect.is_quoted(raw));
            let mut push = |off: usize, what: &'static str, text: &[u8]| {
                if !self.allowed(text) {
                    out.push(Finding {
                        column: base + off,
                        what,
                        text: String::from_utf8_lossy(text).into_owned(),
                    });
                }
            };
            let empty = v.is_empty() || schema.dialect.is_null(raw);
            match c {
                Column::UserId(_) if !(empty || is_pseudonym_or_placeholder(&v)) => {
                    push(0, "user id not pseudonymized", &v);
                }
                Column::Name(_) | Column::Email if !(empty || is_pseudonym_or_placeholder(&v)) => {
                    push(0, "user name not pseudonymized", &v);
                }
                Column::FullName | Column::RelatedFullName => {
                    for (off, side) in split_as(&v, schema.lang.as_separator()) {
                        if !is_pseudonym_or_placeholder(side) {
                            push(off, "user name not pseudonymized", side);
                        }
                    }
                }
                Column::Description => {
                    let mut i = 0;
                    while let Some(id) = moodle::find_user_ids(&v, i) {
                        if !is_pseudonym_or_placeholder(&v[id.clone()]) {
                            push(id.start, "user id not pseudonymized", &v[id.clone()]);
                        }
                        i = id.end;
                    }
                }
                _ => {}
            }
        }
        out.sort_by_key(|f| f.column);
        out
    }

    /// Checks a whole input read from `r`: line by line, or, when it is a
    /// Moodle CSV export (detected from its first bytes), record by record
    /// with its columns. `on(n, finding)` gets each finding with its line (or
    /// row) number, 1-based.
    pub fn check_reader(
        &self,
        r: &mut dyn std::io::BufRead,
        on: &mut dyn FnMut(u64, Finding),
    ) -> std::io::Result<()> {
        let schema = {
            let head = r.fill_buf()?;
            crate::format::detect(head)
                .moodle_kind()
                .and_then(|k| Schema::from_sample(head, Some(k)))
        };
        let mut line = Vec::new();
        let mut n = 0u64;
        loop {
            line.clear();
            // One line, or with a schema one record (lines until the
            // record is complete).
            loop {
                if r.read_until(b'\n', &mut line)? == 0 {
                    break;
                }
                match &schema {
                    Some(s) if s.dialect.record_end(&line).is_none() => {}
                    _ => break,
                }
            }
            if line.is_empty() {
                return Ok(());
            }
            n += 1;
            let content = csv::trim_terminator(&line);
            let found = match &schema {
                Some(s) if n > 1 || !s.header => self.check_record(s, content),
                _ => self.check_line(content),
            };
            for f in found {
                on(n, f);
            }
        }
    }

    /// [`Checker::check_reader`] over bytes in memory: every finding with its
    /// line (row) number.
    pub fn check_bytes(&self, data: &[u8]) -> Vec<(u64, Finding)> {
        let mut out = Vec::new();
        let mut r = data;
        self.check_reader(&mut r, &mut |n, f| out.push((n, f)))
            .expect("reading memory does not fail");
        out
    }
}

/// `localhost`, `invalid`, `local` and other one-word domains Moodle warns
/// about.
fn is_local_host(d: &[u8]) -> bool {
    !d.is_empty() && d.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

/// Forty or more hex digits, or a meeting id: a hash of something public
/// (BigBlueButton's meeting ids are SHA-1 hashes of an external id).
fn is_hex_id(w: &[u8]) -> bool {
    names_no_one(w) || (w.len() >= 40 && w.iter().all(u8::is_ascii_hexdigit))
}

/// The words of a line: runs of letters, digits and `_-`.
fn words(line: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let is_w = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < line.len() && !is_w(line[i]) {
            i += 1;
        }
        if i >= line.len() {
            return None;
        }
        let s = i;
        while i < line.len() && is_w(line[i]) {
            i += 1;
        }
        Some((s, i))
    })
}

/// BigBlueButton user ids and token-shaped words of `line` that are no
/// pseudonym, hex id or identifier of words, outside the values the policy
/// keeps (`kept`).
fn shaped_words(
    line: &[u8],
    kept: &[std::ops::Range<usize>],
    push: &mut impl FnMut(usize, &'static str, &[u8]),
) {
    for (s, e) in words(line) {
        let mut s = s;
        // nginx's `\x22` quote, or a percent-encoded delimiter
        // (`%2F`, `%3D`), before a word.
        if s > 0 && line[s - 1] == b'\\' && line[s..e].starts_with(b"x22") {
            s += 3;
        } else if s > 0
            && line[s - 1] == b'%'
            && e - s > 2
            && line[s..s + 2].iter().all(u8::is_ascii_hexdigit)
        {
            s += 2;
        }
        let w = &line[s..e];
        if w.len() >= 14 && w.starts_with(b"w_") && is_bbb_internal_id(&w[..14]) {
            push(s, "BigBlueButton user id", &w[..14]);
        } else if is_token_shaped(w)
            && !kept.iter().any(|k| k.contains(&s))
            && !is_pseudonym_or_placeholder(w)
            && !is_hex_id(w)
            && !vocab::is_identifier_of_words(w)
        {
            push(s, "token-shaped value", w);
        }
    }
}

/// The key of the JSON object that the key starting at `ks` is in
/// (`envelope` in `"envelope":{"name":…`), when the object opens after a
/// key of its own; nesting is not followed.
fn json_parent(line: &[u8], ks: usize) -> Option<&[u8]> {
    let open = memchr::memrchr2(b'{', b'}', &line[..ks])?;
    if line[open] != b'{' || open < 3 || line[open - 1] != b':' || line[open - 2] != b'"' {
        return None;
    }
    let ke = open - 2;
    let q = memchr::memrchr(b'"', &line[..ke])?;
    Some(&line[q + 1..ke])
}

/// The key and the start of the value of a pair whose separator is at
/// `i` (`key=`, `"key":`, `key:[`), if there is one.
fn pair_at(line: &[u8], i: usize) -> Option<(usize, usize, usize)> {
    let is_key = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']');
    let b = line[i];
    let found = match b {
        b'=' => {
            let mut ks = i;
            while ks > 0 && is_key(line[ks - 1]) {
                ks -= 1;
            }
            (ks, i, i + 1)
        }
        b':' if i > 0 && line[i - 1] == b'"' => {
            let ke = i - 1;
            let q = memchr::memrchr(b'"', &line[..ke])?;
            let mut vs = i + 1;
            while line.get(vs) == Some(&b' ') {
                vs += 1;
            }
            if line.get(vs) == Some(&b'"') {
                vs += 1;
            }
            (q + 1, ke, vs)
        }
        b':' if line.get(i + 1) == Some(&b'[') => {
            let mut ks = i;
            while ks > 0 && is_key(line[ks - 1]) {
                ks -= 1;
            }
            (ks, i, i + 2)
        }
        _ => return None,
    };
    Some(found)
}

/// The `key=value`, `"key":"value"` and `key:[value]` pairs of a line whose
/// key is a secret, identity or e-mail key: (key range, value range, rule).
/// Query keys are judged with their script (`id` on `/user/profile.php`).
fn pairs(p: &Policy, line: &[u8]) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>, Rule)> {
    let mut out = Vec::new();
    for i in memchr::memchr3_iter(b'=', b':', b'"', line) {
        let b = line[i];
        let Some((ks, ke, vs)) = pair_at(line, i) else {
            continue;
        };
        if ks == ke {
            continue;
        }
        let key = &line[ks..ke];
        let name = match (memchr::memrchr(b'[', key), key.last()) {
            (Some(o), Some(b']')) => &key[o + 1..key.len() - 1],
            _ => key,
        };
        let script = if b == b'=' {
            script_before(p, line, ks)
        } else {
            None
        };
        let rule = match b {
            b'=' => p
                .query_rule(script, name)
                .or_else(|| p.structured_rule(name)),
            _ => p
                .structured_rule_in(json_parent(line, ks), name)
                .or_else(|| p.query_rule(None, name)),
        };
        // A query parameter no rule names: the rewriter keeps its value
        // only by shape (a constant, a count); anything else must be a
        // token.
        let in_query = b == b'=' && ks > 0 && matches!(line[ks - 1], b'?' | b'&');
        let rule = match rule {
            None | Some(Rule::Opaque) if in_query => Rule::Opaque,
            Some(r @ (Rule::Secret | Rule::Identity | Rule::Email | Rule::Keep)) => r,
            _ => continue,
        };
        let mut vs = vs;
        match line.get(vs) {
            // A structure: its own pairs are found on their own.
            Some(b'{') => continue,
            // A JSON array, or a bracketed value (`uid=[…]`): its first
            // element.
            Some(b'[') => {
                vs += 1;
                if line.get(vs) == Some(&b'"') {
                    vs += 1;
                }
            }
            _ => {}
        }
        let ve = line[vs..]
            .iter()
            .position(|&c| {
                matches!(
                    c,
                    b'&' | b' ' | b'"' | b']' | b',' | b'}' | b'#' | b'\'' | b';'
                )
            })
            .map_or(line.len(), |e| vs + e);
        let mut v = vs..ve;
        // An escaped quote ends the value too.
        if line[v.clone()].ends_with(b"\\") {
            v.end -= 1;
        }
        if let Some(x) = memchr::memmem::find(&line[v.clone()], b"\\x22") {
            v.end = v.start + x;
        }
        out.push((ks..ke, v, rule));
    }
    out
}

/// The script of the URL whose query holds the key at `ks`, if any.
fn script_before<'p>(
    p: &'p Policy,
    line: &[u8],
    ks: usize,
) -> Option<&'p crate::rewrite::policy::Script> {
    let q = memchr::memrchr(b'?', &line[..ks])?;
    let start = line[..q]
        .iter()
        .rposition(|&b| matches!(b, b' ' | b'"'))
        .map_or(0, |p| p + 1);
    let path = &line[start..q];
    let segs: Vec<&[u8]> = path
        .split(|&b| b == b'/')
        .filter(|s| !s.is_empty())
        .collect();
    p.script(&segs)
}

/// `a as b` (or another language's separator) → both sides with their
/// offsets.
fn split_as<'a>(field: &'a [u8], sep: &[u8]) -> Vec<(usize, &'a [u8])> {
    match memchr::memmem::find(field, sep) {
        Some(p) => vec![(0, &field[..p]), (p + sep.len(), &field[p + sep.len()..])],
        None => vec![(0, field)],
    }
}

/// The independent checker: the identities and secrets of a raw input,
/// looked for in its anonymized output (see the module docs).
pub struct RawChecker {
    /// Every value and its kind, for the whole output.
    search: Option<AhoCorasick>,
    pattern_value: Vec<usize>,
    /// (value, what) of every value collected.
    values: Vec<(Vec<u8>, &'static str)>,
    /// Per raw record (1-based): the values looked for only there (see
    /// [`local`]).
    short: HashMap<u64, Vec<usize>>,
    /// Records in the raw input.
    pub records: u64,
}

impl std::fmt::Debug for RawChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawChecker({} values)", self.values.len())
    }
}

/// Values shorter than this are looked for only in their own record.
const GLOBAL_MIN: usize = 4;
/// Values shorter than this are not looked for at all (`2`, `58`: they
/// cannot be told from the other numbers of a log).
const RECORD_MIN: usize = 3;

impl RawChecker {
    /// Reads the raw input `raw` (all of it, in `format` or detected) with
    /// the rules of `opts` (and a throwaway key), and collects what they
    /// identify.
    pub fn collect(raw: &[u8], format: Option<Format>, opts: &Options) -> RawChecker {
        let key = Key::generate().unwrap_or_else(|_| Key::from_bytes([7; 32]));
        let rw = Rewriter::new(opts.clone(), Pseudonymizer::new(&key));
        let (fmt, schema) = crate::format::detect_with_schema(raw, format);
        let framing = schema
            .as_ref()
            .map_or(Framing::Lines, |s| Framing::Csv(s.dialect));
        let mut w = Worker::default();
        let mut out = Vec::new();
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut values: Vec<(Vec<u8>, &'static str)> = Vec::new();
        let mut short: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut records = 0u64;
        for unit in input::units(raw, framing, true) {
            records += 1;
            out.clear();
            let mut carry = None;
            match &schema {
                Some(s) => {
                    rw.rewrite_record(
                        &mut w,
                        s,
                        unit.body,
                        unit.first && s.header,
                        &mut carry,
                        &mut out,
                    );
                }
                None => {
                    rw.rewrite_line(&mut w, fmt, unit.body, &mut carry, &mut out);
                }
            }
            for (v, secret) in w.last_replaced() {
                let v = trim_value(v);
                if v.len() < RECORD_MIN || v == REDACTED || is_pseudonym_or_placeholder(v) {
                    continue;
                }
                let what = if secret {
                    "secret of the raw input"
                } else {
                    "identity of the raw input"
                };
                let n = *index.entry(v.to_vec()).or_insert_with(|| {
                    values.push((v.to_vec(), what));
                    values.len() - 1
                });
                if local(v) {
                    short.entry(records).or_default().push(n);
                }
            }
        }
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut pattern_value = Vec::new();
        for (n, (v, _)) in values.iter().enumerate() {
            if local(v) {
                continue;
            }
            for p in encodings(v) {
                patterns.push(p);
                pattern_value.push(n);
            }
        }
        let search = (!patterns.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .expect("values build")
        });
        RawChecker {
            search,
            pattern_value,
            values,
            short,
            records,
        }
    }

    /// How many distinct values were collected.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Were no values collected?
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every collected value found in `out` (the anonymized output, in the
    /// same framing as the raw input): (record number, finding).
    pub fn check(&self, out: &[u8], framing: Framing) -> Vec<(u64, Finding)> {
        let mut found = Vec::new();
        let boundary = |s: &[u8], a: usize, b: usize| {
            let word = |c: Option<&u8>| {
                c.is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80)
            };
            !word(a.checked_sub(1).and_then(|i| s.get(i))) && !word(s.get(b))
        };
        for (n, unit) in input::units(out, framing, true).enumerate() {
            let n = n as u64 + 1;
            let line = unit.body;
            if let Some(ac) = &self.search {
                for m in ac.find_iter(line) {
                    if boundary(line, m.start(), m.end()) {
                        let (_, what) = &self.values[self.pattern_value[m.pattern().as_usize()]];
                        found.push((
                            n,
                            Finding {
                                column: m.start(),
                                what,
                                text: String::from_utf8_lossy(&line[m.start()..m.end()])
                                    .into_owned(),
                            },
                        ));
                    }
                }
            }
            for &k in self.short.get(&n).into_iter().flatten() {
                let (v, what) = &self.values[k];
                for p in memchr::memmem::find_iter(line, v) {
                    if boundary(line, p, p + v.len()) {
                        found.push((
                            n,
                            Finding {
                                column: p,
                                what,
                                text: String::from_utf8_lossy(v).into_owned(),
                            },
                        ));
                    }
                }
            }
        }
        found
    }
}

/// Is `v` looked for only in its own record, as written? Short values
/// (`58` is every other number of a log) and values made only of words of
/// the vocabulary (`Actor` after `by`, a meeting called `Demo Meeting`):
/// such words are kept in other records, where they are words, and say
/// nothing of the record they were an identity in; in that record the
/// rewriter replaces them everywhere (see `Replacer::fix_kept`).
fn local(v: &[u8]) -> bool {
    v.len() < GLOBAL_MIN
        || v.split(|&b| b == b' ')
            .all(|w| w.is_empty() || crate::rewrite::vocab::is_word(w))
}

/// A value without the white space around it.
fn trim_value(v: &[u8]) -> &[u8] {
    let s = v
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(v.len());
    let e = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(s, |e| e + 1);
    &v[s..e]
}

/// The ways a decoded value can be written in a log: as it is, with `+` or
/// `%20` for its spaces, and percent-encoded (both cases of hex digits).
fn encodings(v: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![v.to_vec()];
    let special = |b: u8| {
        b == b' ' || b >= 0x80 || matches!(b, b'@' | b'/' | b'&' | b'=' | b'+' | b'?' | b'#' | b'%')
    };
    if v.contains(&b' ') {
        out.push(
            v.iter()
                .map(|&b| if b == b' ' { b'+' } else { b })
                .collect(),
        );
    }
    if v.iter().any(|&b| special(b)) {
        for upper in [true, false] {
            let mut e = Vec::with_capacity(v.len() * 3);
            for &b in v {
                if special(b) {
                    let hex = if upper {
                        b"0123456789ABCDEF"
                    } else {
                        b"0123456789abcdef"
                    };
                    e.push(b'%');
                    e.push(hex[usize::from(b >> 4)]);
                    e.push(hex[usize::from(b & 15)]);
                } else {
                    e.push(b);
                }
            }
            out.push(e);
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests;
