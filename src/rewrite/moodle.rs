//! Moodle CSV rows: each field rewritten by its column's role, every other
//! byte (delimiters, quoting, NULL markers, untouched fields) copied.
//!
//! A field is decoded from its CSV quoting, rewritten, and encoded again in
//! the file's dialect, quoted when the original was (or when the new value
//! needs it). A field that cannot be read (a user id that is not a number, a
//! broken `other`, an address that is not one) is replaced by `REDACTED` and
//! reported; a row with the wrong number of fields becomes a row of
//! `REDACTED` fields (`--on-unparsed drop|fail` leave it out or stop).

use std::ops::Range;

use super::policy::Rule;
use super::replace::Replacer;
use super::rules::{self, is_placeholder, is_pseudo_user, REDACTED};
use super::text;
use crate::format::csv::unquote;
use crate::format::moodle::{self as m, other, Column, Schema};
use crate::ip;
use crate::pseudonym::Namespace;

/// Reusable buffers for one row.
#[derive(Debug, Default)]
pub struct RowScratch {
    dec: Vec<u8>,
    val: Vec<u8>,
    tmp: Vec<u8>,
    /// The row's decoded user names (for "User: Jane Doe" contexts).
    names: Vec<u8>,
    name_ends: Vec<usize>,
    fields: Vec<Range<usize>>,
}

/// What a row says about itself, read before its fields are written.
#[derive(Debug, Default)]
pub struct RowFacts {
    /// The row has as many fields as the header.
    pub shape_ok: bool,
    /// The row's own time (`timecreated`, the report's Time).
    pub time: Option<i64>,
    object_is_user: bool,
    context_is_user: bool,
    event: other::Event,
}

/// A field that could not be read: its column's name and its offset in
/// the row.
pub type Unreadable = (&'static str, usize);

/// Splits a record (without its terminator) into fields and reads its
/// facts; the fields stay in `s` for [`write_row`].
pub fn read_row(schema: &Schema, rec: &[u8], s: &mut RowScratch) -> RowFacts {
    schema.dialect.split(rec, &mut s.fields);
    if s.fields.len() != schema.columns.len() {
        return RowFacts::default();
    }
    row_facts(schema, rec, &s.fields, &mut s.dec)
}

/// The replacement of a row with the wrong number of fields: one
/// `REDACTED` per column of the header. Returns how many fields that is.
pub fn write_misshapen(schema: &Schema, out: &mut Vec<u8>) -> u64 {
    for i in 0..schema.columns.len() {
        if i > 0 {
            out.push(schema.dialect.delimiter);
        }
        out.extend_from_slice(REDACTED);
    }
    schema.columns.len() as u64
}

/// Rewrites a row read by [`read_row`] (of the right shape) field by field
/// into `out`. A field that cannot be read is written as `REDACTED` when
/// `redact_unreadable`; otherwise the row stops there (the caller drops
/// it). Returns the first unreadable field and how many there were.
pub fn write_row(
    ctx: &mut Replacer<'_>,
    s: &mut RowScratch,
    schema: &Schema,
    facts: &RowFacts,
    rec: &[u8],
    redact_unreadable: bool,
    out: &mut Vec<u8>,
) -> (Option<Unreadable>, u64) {
    let d = schema.dialect;
    let mut redacted = 0;
    let mut first_err = None;
    collect_names(schema, rec, &s.fields, &mut s.names, &mut s.name_ends);
    remember_identities(ctx, schema, facts, rec, &s.fields, &mut s.dec);
    for (i, r) in s.fields.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(&rec[s.fields[i - 1].end..r.start]);
        }
        let raw = &rec[r.clone()];
        let mark = out.len();
        let col = schema.columns[i];
        let bufs = (&mut s.dec, &mut s.val, &mut s.tmp);
        let names = (&s.names[..], &s.name_ends[..]);
        if let Err(field) = write_field(ctx, schema, facts, col, raw, bufs, names, out) {
            out.truncate(mark);
            redacted += 1;
            first_err.get_or_insert((field, r.start));
            if !redact_unreadable {
                break;
            }
            d.encode(REDACTED, d.is_quoted(raw), out);
        }
    }
    (first_err, redacted)
}

/// Reads the row's time and the columns other columns depend on.
fn row_facts(schema: &Schema, rec: &[u8], fields: &[Range<usize>], dec: &mut Vec<u8>) -> RowFacts {
    let mut f = RowFacts {
        shape_ok: true,
        time: schema.record_time(rec, fields, dec),
        ..RowFacts::default()
    };
    for (c, r) in schema.columns.iter().zip(fields) {
        let raw = &rec[r.clone()];
        match c {
            Column::ObjectTable => f.object_is_user = unquote(raw) == b"user",
            Column::ContextLevel => f.context_is_user = unquote(raw) == b"30",
            Column::EventName => f.event = other::Event::of(unquote(raw)),
            _ => {}
        }
    }
    f
}

/// Decodes the row's user-name fields ("X as Y" split) into `names`.
fn collect_names(
    schema: &Schema,
    rec: &[u8],
    fields: &[Range<usize>],
    names: &mut Vec<u8>,
    ends: &mut Vec<usize>,
) {
    names.clear();
    ends.clear();
    if schema.kind != m::Kind::Report {
        return;
    }
    let sep = schema.lang.as_separator();
    for (c, r) in schema.columns.iter().zip(fields) {
        if matches!(c, Column::FullName | Column::RelatedFullName) {
            let start = names.len();
            schema.dialect.decode(&rec[r.clone()], names);
            ends.push(names.len());
            if let Some(p) = memchr::memmem::find(&names[start..], sep) {
                let whole = names[start..].to_vec();
                names.extend_from_slice(&whole[..p]);
                ends.push(names.len());
                names.extend_from_slice(&whole[p + sep.len()..]);
                ends.push(names.len());
            }
        }
    }
}

type Bufs<'b> = (&'b mut Vec<u8>, &'b mut Vec<u8>, &'b mut Vec<u8>);

/// A field's rewritten value: encoded in place of the field, or the field
/// kept as it is (a placeholder such as `-`).
type Value = Result<Keep, &'static str>;

/// Whether the rewriter keeps the raw field after all.
#[derive(PartialEq, Eq)]
enum Keep {
    Raw,
    Rewritten,
}

/// Writes one field by its column's role; `Err(column name)` when it cannot
/// be read (nothing useful was written; the caller truncates).
#[allow(clippy::too_many_arguments)]
fn write_field(
    ctx: &mut Replacer<'_>,
    schema: &Schema,
    facts: &RowFacts,
    col: Column,
    raw: &[u8],
    (dec, val, tmp): Bufs<'_>,
    (names, name_ends): (&[u8], &[usize]),
    out: &mut Vec<u8>,
) -> Result<(), &'static str> {
    let d = schema.dialect;
    let verbatim = match col {
        Column::Keep
        | Column::ObjectTable
        | Column::ContextLevel
        | Column::EventName
        | Column::TimeCreated
        | Column::ReportTime => true,
        Column::ObjectId => !facts.object_is_user,
        Column::ContextInstanceId => !facts.context_is_user,
        // NULL stays NULL in every other column.
        _ => raw.is_empty() || d.is_null(raw),
    };
    if verbatim {
        out.extend_from_slice(raw);
        return Ok(());
    }
    dec.clear();
    d.decode(raw, dec);
    val.clear();
    let mark = ctx.kept_mark();
    let kept = match col {
        Column::UserId(_) if is_pseudo_user(dec) => {
            // Moodle's no-reply and support users (`core_user::NOREPLY_USER`
            // = -10, `SUPPORT_USER` = -20) are nobody.
            val.extend_from_slice(dec);
            Keep::Rewritten
        }
        Column::UserId(_) | Column::ObjectId | Column::ContextInstanceId => {
            if dec.is_empty() || !dec.iter().all(u8::is_ascii_digit) {
                return Err(col.name());
            }
            write_user_id(ctx, dec, val);
            Keep::Rewritten
        }
        Column::Ip => ip_field(ctx, col, dec, val)?,
        Column::Other => {
            let mut sink = OtherSink(ctx);
            other::rewrite(dec, facts.event, &mut sink, val).map_err(|_| col.name())?;
            Keep::Rewritten
        }
        Column::FullName | Column::RelatedFullName | Column::Name(_) | Column::Email => {
            name_field(ctx, schema, col, dec, val)
        }
        Column::Context => {
            context_field(ctx, schema, dec, (names, name_ends), val);
            Keep::Rewritten
        }
        Column::Description => {
            description_field(ctx, facts, dec, tmp, val);
            Keep::Rewritten
        }
        _ => {
            text::write_text(ctx, dec, val);
            Keep::Rewritten
        }
    };
    ctx.fix_kept(val, mark);
    match kept {
        Keep::Raw => out.extend_from_slice(raw),
        Keep::Rewritten => d.encode(val, d.is_quoted(raw), out),
    }
    Ok(())
}

/// Remembers the row's identities (user ids, names, e-mail addresses of its
/// identity columns) before any field is written, so that no field keeps
/// one of them raw, wherever it stands in the row.
fn remember_identities(
    ctx: &mut Replacer<'_>,
    schema: &Schema,
    facts: &RowFacts,
    rec: &[u8],
    fields: &[Range<usize>],
    dec: &mut Vec<u8>,
) {
    for (c, r) in schema.columns.iter().zip(fields) {
        let ns = match c {
            Column::UserId(_) => Namespace::UserId,
            Column::ObjectId if facts.object_is_user => Namespace::UserId,
            Column::ContextInstanceId if facts.context_is_user => Namespace::UserId,
            Column::FullName | Column::RelatedFullName | Column::Name(_) => Namespace::Name,
            Column::Email => Namespace::Email,
            _ => continue,
        };
        dec.clear();
        schema.dialect.decode(&rec[r.clone()], dec);
        if is_placeholder(dec) || (ns == Namespace::UserId && matches!(&dec[..], b"0" | b"1")) {
            continue;
        }
        if ns == Namespace::Email {
            dec.make_ascii_lowercase();
        }
        let sep = schema.lang.as_separator();
        match memchr::memmem::find(dec, sep) {
            Some(p) if *c == Column::FullName && p > 0 => {
                let (a, b) = (dec[..p].to_vec(), dec[p + sep.len()..].to_vec());
                ctx.remember(ns, &a);
                ctx.remember(ns, &b);
            }
            _ => ctx.remember(ns, dec),
        }
    }
}

/// An address column: truncated (or encrypted); empty and `-` stay.
fn ip_field(ctx: &mut Replacer<'_>, col: Column, dec: &[u8], val: &mut Vec<u8>) -> Value {
    let v = dec.trim_ascii();
    if v.is_empty() || v == b"-" {
        return Ok(Keep::Raw);
    }
    match ip::parse_client(v) {
        Some((a, 0, e)) if e == v.len() => {
            ctx.write_addr(a, val);
            Ok(Keep::Rewritten)
        }
        _ => Err(col.name()),
    }
}

/// A name or e-mail column: a pseudonym, both sides of "X as Y" in the
/// header's language; placeholders (`-`) stay.
fn name_field(
    ctx: &mut Replacer<'_>,
    schema: &Schema,
    col: Column,
    dec: &mut [u8],
    val: &mut Vec<u8>,
) -> Keep {
    if is_placeholder(dec) {
        return Keep::Raw;
    }
    let sep = schema.lang.as_separator();
    match memchr::memmem::find(dec, sep) {
        Some(p) if col == Column::FullName && p > 0 && p + sep.len() < dec.len() => {
            ctx.token(Namespace::Name, &dec[..p], val);
            val.extend_from_slice(sep);
            ctx.token(Namespace::Name, &dec[p + sep.len()..], val);
        }
        _ if col == Column::Email => {
            dec.make_ascii_lowercase();
            ctx.token(Namespace::Email, dec, val);
        }
        _ => ctx.token(Namespace::Name, dec, val),
    }
    Keep::Rewritten
}

/// A description: a failed login's typed name redacted, `user with id 'N'`
/// pseudonymized, the rest through the scrubber.
fn description_field(
    ctx: &mut Replacer<'_>,
    facts: &RowFacts,
    dec: &[u8],
    tmp: &mut Vec<u8>,
    val: &mut Vec<u8>,
) {
    tmp.clear();
    let mut i = 0;
    if facts.event == other::Event::FailedLogin
        || dec.starts_with(b"Login failed for the username '")
    {
        if let Some(r) = m::failed_login_name(dec) {
            tmp.extend_from_slice(&dec[..r.start]);
            tmp.extend_from_slice(REDACTED);
            i = r.end;
        }
    }
    while let Some(r) = m::find_user_ids(dec, i) {
        tmp.extend_from_slice(&dec[i..r.start]);
        write_user_id(ctx, &dec[r.clone()], tmp);
        i = r.end;
    }
    tmp.extend_from_slice(&dec[i..]);
    // What is left quoted is the id of the event's object, course, module
    // or context (`the submission '12'`, `course module id '3364'`): the
    // event classes' descriptions quote every id, and the user ids are
    // pseudonymized above.
    let mut from = 0;
    let mut k = 0;
    while let Some(q) = memchr::memchr(b'\'', &tmp[k..]).map(|p| k + p) {
        let n = tmp[q + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if n > 0 && tmp.get(q + 1 + n) == Some(&b'\'') {
            text::write_text(ctx, &tmp[from..=q], val);
            ctx.keep(&tmp[q + 1..q + 1 + n], val);
            from = q + 1 + n;
        }
        k = q + 1 + n;
    }
    text::write_text(ctx, &tmp[from..], val);
}

/// An event context: a user's (`User: Jane Doe`, the name a pseudonym), or
/// a course's or activity's (`Kurs: Physik 101`: the context level's name in
/// the export's language kept, the name as free text).
fn context_field(
    ctx: &mut Replacer<'_>,
    schema: &Schema,
    dec: &[u8],
    (names, name_ends): (&[u8], &[usize]),
    val: &mut Vec<u8>,
) {
    if let Some(p) = user_context(schema, dec, names, name_ends) {
        val.extend_from_slice(&dec[..p]);
        ctx.token(Namespace::Name, &dec[p..], val);
    } else if let Some(p) = context_label(dec) {
        val.extend_from_slice(&dec[..p]);
        text::write_text(ctx, &dec[p..], val);
    } else {
        text::write_text(ctx, dec, val);
    }
}

/// Where the name starts in an event context (`Course: `, `Kurs: `,
/// `Aufgabe: `): after one word (Moodle's name of the context level, from
/// its language pack) and `: `.
fn context_label(v: &[u8]) -> Option<usize> {
    let p = memchr::memmem::find(v, b": ")?;
    let word = &v[..p];
    (!word.is_empty()
        && word.len() <= 32
        && word[0].is_ascii_uppercase()
        && !word
            .iter()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_digit()))
    .then_some(p + 2)
}

/// A Moodle user id: 0 (not logged in) and 1 (the guest user) are kept, any
/// other id becomes its pseudonym, the same as in access logs.
fn write_user_id(ctx: &mut Replacer<'_>, digits: &[u8], out: &mut Vec<u8>) {
    if digits == b"0" || digits == b"1" {
        out.extend_from_slice(digits);
    } else {
        ctx.token(Namespace::UserId, digits, out);
    }
}

/// Where the person's name starts in an "Event context" that names a user:
/// the header language's word for "User" before `: `, or, in any language,
/// a name after `: ` that is one of the row's user names.
fn user_context(schema: &Schema, v: &[u8], names: &[u8], ends: &[usize]) -> Option<usize> {
    let p = memchr::memmem::find(v, b": ")?;
    let (word, rest) = (&v[..p], &v[p + 2..]);
    if rest.is_empty() {
        return None;
    }
    let named = schema
        .lang
        .user_context()
        .iter()
        .any(|w| w.eq_ignore_ascii_case(word));
    let mut start = 0;
    let is_row_name = ends.iter().any(|&e| {
        let n = &names[start..e];
        start = e;
        n == rest && !is_placeholder(n)
    });
    (named || is_row_name).then_some(p + 2)
}

/// The pseudonyms and the scrubber, for the `other` rewriter.
struct OtherSink<'c, 'a>(&'c mut Replacer<'a>);

impl other::Sink for OtherSink<'_, '_> {
    fn is_secret(&self, key: &[u8]) -> bool {
        self.0.policy.is_secret(key)
    }
    fn user_id(&mut self, digits: &[u8], out: &mut Vec<u8>) {
        write_user_id(self.0, digits, out);
    }
    fn name(&mut self, value: &[u8], out: &mut Vec<u8>) {
        self.0.token(Namespace::Name, value, out);
    }
    fn email(&mut self, value: &[u8], out: &mut Vec<u8>) {
        let lower = value.to_ascii_lowercase();
        self.0.token(Namespace::Email, &lower, out);
    }
    fn text(&mut self, raw: &[u8], out: &mut Vec<u8>) {
        text::write_lenient(self.0, raw, out);
    }
    fn is_kept(&self, key: Option<&[u8]>) -> bool {
        key.is_some_and(|k| self.0.policy.other.get(k) == Some(Rule::Keep))
    }
    fn opaque(&mut self, value: &[u8], out: &mut Vec<u8>) {
        self.0.opaque(value, out);
    }
    fn is_text(&self, key: &[u8]) -> bool {
        self.0.policy.other.get(key) == Some(Rule::Text)
    }
    fn free_text(&mut self, raw: &[u8], out: &mut Vec<u8>) {
        text::write_text(self.0, raw, out);
    }
    fn names_id(&self, key: &[u8]) -> bool {
        rules::id_like(key)
    }
    fn is_typed(&self, key: &[u8]) -> bool {
        self.0.policy.other.get(key) == Some(Rule::Opaque)
    }
    fn is_constant(&self, value: &[u8]) -> bool {
        rules::is_constant(value) && !rules::is_bbb_internal_id(value) && !value.contains(&b'@')
    }
    fn is_count(&self, value: &[u8]) -> bool {
        rules::keeps_number(value) || rules::is_time_value(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::csv::{Dialect, Escape};
    use crate::pseudonym::{Key, Pseudonymizer};
    use crate::rewrite::{Options, Outcome, Rewriter, Worker};
    use proptest::prelude::*;

    fn rewriter() -> Rewriter {
        Rewriter::new(
            Options::default(),
            Pseudonymizer::new(&Key::from_bytes([9; 32])),
        )
    }

    /// One generated row: (user id, related user id, name, e-mail, last
    /// address octet, `other` in PHP or JSON).
    fn row() -> impl Strategy<Value = (u32, Option<u32>, String, String, u8, bool)> {
        (
            2u32..100_000,
            proptest::option::of(2u32..100_000),
            "[A-Z][a-z]{2,8} [A-Z][a-z]{2,10}",
            "[a-z]{3,8}\\.[a-z]{3,8}@[a-z]{3,8}\\.edu",
            1u8..255,
            any::<bool>(),
        )
    }

    proptest! {
        /// Whatever the ids, names, e-mail addresses and addresses in a
        /// logstore row (PostgreSQL or MySQL dialect, JSON or PHP `other`),
        /// the output row has the same fields, the user ids are pseudonyms,
        /// and none of the values survives anywhere in it.
        #[test]
        fn no_value_survives_a_logstore_row(rows in proptest::collection::vec(row(), 1..20), mysql in any::<bool>()) {
            let (d, null) = if mysql {
                (Dialect { delimiter: b'\t', escape: Escape::Backslash }, "\\N")
            } else {
                (Dialect { delimiter: b',', escape: Escape::Double }, "")
            };
            let header = "id,userid,relateduserid,other,ip";
            let header = header.replace(',', &(d.delimiter as char).to_string());
            let schema = Schema::from_sample(format!("{header}\n").as_bytes(), None).unwrap();
            prop_assert_eq!(schema.dialect, d);
            let rw = rewriter();
            let mut w = Worker::default();
            for (i, (uid, rel, name, email, octet, php)) in rows.iter().enumerate() {
                let other = if *php {
                    format!("a:2:{{s:8:\"username\";s:{}:\"{name}\";s:5:\"email\";s:{}:\"{email}\";}}", name.len(), email.len())
                } else {
                    format!("{{\"fullname\":\"{name}\",\"note\":\"mail {email}\",\"relateduserid\":{uid}}}")
                };
                let rel = rel.map_or(null.to_string(), |r| r.to_string());
                let addr = format!("198.51.100.{octet}");
                let fields = [i.to_string(), uid.to_string(), rel.clone(), other, addr.clone()];
                let mut rec = Vec::new();
                for (j, f) in fields.iter().enumerate() {
                    if j > 0 {
                        rec.push(d.delimiter);
                    }
                    if j == 2 && rel == null {
                        rec.extend_from_slice(f.as_bytes());
                    } else {
                        d.encode(f.as_bytes(), j == 3 && !mysql, &mut rec);
                    }
                }
                let mut out = Vec::new();
                let o = rw.rewrite_record(&mut w, &schema, &rec, false, &mut None, &mut out).outcome;
                prop_assert_eq!(o, Outcome::Rewritten);
                let mut r = Vec::new();
                d.split(&out, &mut r);
                prop_assert_eq!(r.len(), 5);
                let text = String::from_utf8_lossy(&out);
                for needle in [name.as_str(), email.as_str(), &addr, &format!("\"relateduserid\":{uid}}}")] {
                    prop_assert!(!text.contains(needle), "{} survived in {}", needle, text);
                }
                let mut v = Vec::new();
                d.decode(&out[r[1].clone()], &mut v);
                prop_assert!(crate::pseudonym::is_token(&v));
                let id = i.to_string();
                prop_assert_eq!(&out[r[0].clone()], id.as_bytes());
                if rel == null {
                    prop_assert_eq!(&out[r[2].clone()], null.as_bytes());
                }
            }
        }
    }
}
