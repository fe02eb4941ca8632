//! The leak checker: scans output that should be anonymous for personal data
//! that survived.
//!
//! A finding is one of:
//! - an IPv4/IPv6 address that is not truncated to the configured prefixes;
//! - an e-mail address;
//! - a secret parameter (by the scrubber's own key lists) whose value is not
//!   `REDACTED` or empty;
//! - an identity parameter, JSON or map value whose value is not a pseudonym
//!   (or `-`, `0`, `1`, empty, `REDACTED`);
//! - an access line whose user or ident field is not a pseudonym;
//! - in a Moodle CSV export, a user-id column, a user-name column ("X as Y"
//!   sides) or a `user with id 'N'` of a description that is not a
//!   pseudonym (or NULL, `0`, `1`, `-`, `REDACTED`).
//!
//! The checker reuses the parsers and the scrubber's finders, so it looks
//! exactly where anonlog rewrites; it knows nothing of the key.

use crate::format::access;
use crate::format::moodle::{self, Column, Schema};
use crate::ip::IpPolicy;
use crate::rewrite::rules::{names_no_one, ParamKind, ParamRules, REDACTED};
use crate::rewrite::scrub;

/// One piece of surviving personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Byte offset in the line (0-based).
    pub column: usize,
    /// What was found.
    pub what: &'static str,
    /// The text found.
    pub text: String,
}

/// What the checker looks for.
#[derive(Debug, Clone, Default)]
pub struct Checker {
    /// The prefixes addresses must be truncated to.
    pub policy: IpPolicy,
    /// Whether addresses are not checked (output of `--ip-mode pfx`).
    pub encrypted_addresses: bool,
    /// Parameter names.
    pub rules: ParamRules,
    /// Texts that are never reported (false positives of a site).
    pub allow: Vec<Vec<u8>>,
}

/// Is `v` something anonlog writes in place of an identity: a pseudonym
/// token, `REDACTED`, or a value kept because it is nobody (`0`, `1`, or
/// only dashes and spaces, the rewriter's placeholder rule)?
pub fn is_pseudonym_or_placeholder(v: &[u8]) -> bool {
    matches!(v, b"0" | b"1")
        || v.iter().all(|&b| b == b'-' || b == b' ')
        || v == REDACTED
        || crate::pseudonym::is_token(v)
        || names_no_one(v)
}

impl Checker {
    fn allowed(&self, text: &[u8]) -> bool {
        self.allow
            .iter()
            .any(|a| !a.is_empty() && memchr::memmem::find(text, a).is_some())
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
        let mut i = 0;
        while let Some((s, e)) = scrub::find_email(line, i) {
            push(s, "e-mail address", &line[s..e]);
            i = e;
        }
        for v in scrub::sensitive_values(&self.rules, line) {
            let value = &line[v.value.clone()];
            let elements: Vec<(usize, &[u8])> = match v.array {
                Some(q) => scrub::array_items(q, value)
                    .into_iter()
                    .map(|r| (r.start, &value[r]))
                    .collect(),
                None => vec![(0, value)],
            };
            for (off, el) in elements {
                let bad = match v.kind {
                    ParamKind::Secret => !(el.is_empty() || el == REDACTED),
                    ParamKind::Identity | ParamKind::Email => !is_pseudonym_or_placeholder(el),
                };
                if bad {
                    let what = match v.kind {
                        ParamKind::Secret => "secret not redacted",
                        _ => "identity not pseudonymized",
                    };
                    push(v.value.start + off, what, el);
                }
            }
        }
        if let Ok(rec) = access::parse(line) {
            let mut toks = Vec::new();
            let mut parts = Vec::new();
            access::parse_head(line, rec.head.clone(), &mut toks, &mut parts);
            for (role, r) in parts {
                if !matches!(role, access::Role::User | access::Role::Ident) {
                    continue;
                }
                let field = &line[r.clone()];
                let sides = split_as(field, b" as ");
                for (off, side) in sides {
                    if !is_pseudonym_or_placeholder(side) {
                        push(r.start + off, "user field not pseudonymized", side);
                    }
                }
            }
        }
        out.sort_by_key(|f| f.column);
        out
    }
}

impl Checker {
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
            match c {
                Column::UserId(_)
                    if !(v.is_empty()
                        || schema.dialect.is_null(raw)
                        || is_pseudonym_or_placeholder(&v)) =>
                {
                    push(0, "user id not pseudonymized", &v);
                }
                Column::Name(_) | Column::Email
                    if !(v.is_empty()
                        || schema.dialect.is_null(raw)
                        || is_pseudonym_or_placeholder(&v)) =>
                {
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
}

impl Checker {
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
            let content = crate::format::csv::trim_terminator(&line);
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

/// `a as b` (or another language's separator) → both sides with their
/// offsets.
fn split_as<'a>(field: &'a [u8], sep: &[u8]) -> Vec<(usize, &'a [u8])> {
    match memchr::memmem::find(field, sep) {
        Some(p) => vec![(0, &field[..p]), (p + sep.len(), &field[p + sep.len()..])],
        None => vec![(0, field)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str) -> Vec<(&'static str, String)> {
        Checker::default()
            .check_line(line.as_bytes())
            .into_iter()
            .map(|f| (f.what, f.text))
            .collect()
    }

    #[test]
    fn clean_output_has_no_findings() {
        for line in [
            r#"192.0.2.0 - 9879774820391883 [24/Nov/2026:08:01:12 +0100] "GET /my/?sesskey=REDACTED HTTP/1.1" 200 5 "-" "UA""#,
            r#"198.51.100.0 - n_thk2oolip6yk as n_yftcsv6vgzyf [24/Nov/2026:08:05:09 +0100] "GET /user/profile.php?id=9914842323751274 HTTP/1.1" 200 5"#,
            r#"x data={"name":"n_qrq5v6sftav4","userId":"b_n66eigppmmsq","sessionToken":["REDACTED"]}"#,
            "[fullName:[n_spnmvwtx7npp], password:[REDACTED], userID:[9786073992491707]]",
            "2001:db8:4711:: - - [24/Nov/2026:08:02:40 +0100] \"GET / HTTP/1.1\" 200 5",
        ] {
            assert_eq!(check(line), vec![], "{line}");
        }
    }

    #[test]
    fn leaks_are_found() {
        assert_eq!(
            check(
                r#"192.0.2.17 - jdoe [24/Nov/2026:08:01:12 +0100] "GET /?sesskey=abc&userid=58 HTTP/1.1" 200 5 "mailto:jane@example.org" "UA""#
            ),
            vec![
                ("address not truncated", "192.0.2.17".to_string()),
                ("user field not pseudonymized", "jdoe".to_string()),
                ("secret not redacted", "abc".to_string()),
                ("identity not pseudonymized", "58".to_string()),
                ("e-mail address", "jane@example.org".to_string()),
            ]
        );
        assert_eq!(
            check(r#"{"sessionToken":["luu9"],"name":"Jane"}"#),
            vec![
                ("secret not redacted", "luu9".to_string()),
                ("identity not pseudonymized", "Jane".to_string()),
            ]
        );
        assert_eq!(
            check(
                "1.2.3.0 - Jane Doe as n_yftcsv6vgzyf [24/Nov/2026:08:01:12 +0100] \"GET /\" 200 5"
            ),
            vec![("user field not pseudonymized", "Jane Doe".to_string())]
        );
    }

    #[test]
    fn allow_list_silences_findings() {
        let c = Checker {
            allow: vec![b"noreply@example.org".to_vec()],
            ..Checker::default()
        };
        assert!(c.check_line(b"from noreply@example.org").is_empty());
        assert_eq!(c.check_line(b"from jane@example.org").len(), 1);
    }

    #[test]
    fn moodle_columns_are_checked() {
        let schema = Schema::from_sample(
            b"Time,User full name,Affected user,Event context,Component,Event name,Description,Origin,IP address\n",
            None,
        )
        .unwrap();
        let c = Checker::default();
        let clean = br#""7/09/26, 21:39:12","n_thk2oolip6yk as n_yftcsv6vgzyf",-,System,System,Viewed,"The user with id '9744513280208573' viewed the user with id '0'.",web,192.0.2.0"#;
        assert!(c.check_record(&schema, clean).is_empty());
        let leak = br#""7/09/26, 21:39:12","n_thk2oolip6yk as Jane Doe",Max,System,System,Viewed,"The user with id '58' viewed.",web,192.0.2.0"#;
        let found: Vec<_> = c
            .check_record(&schema, leak)
            .into_iter()
            .map(|f| (f.what, f.text))
            .collect();
        assert_eq!(
            found,
            vec![
                ("user name not pseudonymized", "Jane Doe".to_string()),
                ("user name not pseudonymized", "Max".to_string()),
                ("user id not pseudonymized", "58".to_string()),
            ]
        );
        let logstore = Schema::from_sample(b"id,userid,relateduserid\n", None).unwrap();
        assert!(c
            .check_record(&logstore, b"1,9744513280208573,\\N")
            .is_empty());
        assert_eq!(c.check_record(&logstore, b"1,58,").len(), 1);
    }
}
