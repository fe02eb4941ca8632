//! CSV as database tools and Moodle write it: dialects, record boundaries,
//! fields as byte ranges, and decoding/encoding of single fields.
//!
//! Two families of dialects occur in Moodle exports:
//!
//! * RFC 4180 ([`Escape::Double`]): PostgreSQL `COPY ... CSV`, phpMyAdmin,
//!   Adminer, pandas and Moodle's own "Download table data": a field that
//!   starts with `"` is quoted, `""` inside it is one quote, and it may hold
//!   delimiters and line breaks;
//! * MySQL `SELECT ... INTO OUTFILE` and `mysqldump --tab`
//!   ([`Escape::Backslash`]): `\` escapes the next byte (`\"`, `\\`, `\N` for
//!   NULL, a backslash before a literal delimiter or line break), inside and
//!   outside of optional `"` enclosures.
//!
//! The tokenizer here reports *raw byte ranges* rather than decoded records,
//! because anonlog copies every field it does not rewrite byte for byte: the
//! output is the input's own dialect, with only sensitive fields replaced. The
//! same [`Dialect::record_end`] cuts the input into blocks for the worker threads and
//! walks the records inside a block, so the two can never disagree about
//! where a quoted multi-line field ends. The `csv` crate is the oracle in the
//! tests: on RFC 4180 input, the fields found here decode to exactly what it
//! reads.

use std::ops::Range;

/// How quotes and special bytes are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// RFC 4180: `""` inside a quoted field is one `"`.
    Double,
    /// MySQL: `\` escapes the next byte, inside and outside quotes.
    Backslash,
}

/// A CSV dialect: delimiter and escaping. The quote character is always `"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// Field delimiter: `,`, `;`, tab or `|`.
    pub delimiter: u8,
    /// Escaping.
    pub escape: Escape,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            delimiter: b',',
            escape: Escape::Double,
        }
    }
}

const QUOTE: u8 = b'"';

/// Where one field ends.
struct FieldEnd {
    /// End of the field's bytes (exclusive).
    end: usize,
    /// What follows: a delimiter (another field), a line feed (end of
    /// record, at `end`), or nothing more in the data.
    next: Next,
    /// Bytes follow the closing quote of a quoted field (`"ab"c`): kept in
    /// the field, but a sign that this is not the file's dialect.
    dirty: bool,
}

#[derive(PartialEq, Eq)]
enum Next {
    Delimiter,
    LineFeed,
    /// The data ends inside or right after this field; whether the field is
    /// complete depends on whether more data can follow.
    Eof,
}

impl Dialect {
    /// The end of a quoted field's quoted part: `i` is just after its
    /// opening quote; returns the index just after the closing quote, or
    /// `None` when `data` ends first (or right after a `"` that could be the
    /// first of `""`).
    #[inline]
    fn closing_quote(&self, data: &[u8], mut i: usize) -> Option<usize> {
        loop {
            let hit = match self.escape {
                Escape::Double => memchr::memchr(QUOTE, &data[i..]),
                Escape::Backslash => memchr::memchr2(QUOTE, b'\\', &data[i..]),
            };
            let j = i + hit?;
            if data[j] == b'\\' {
                i = j + 2;
                if i > data.len() {
                    return None;
                }
                continue;
            }
            if self.escape == Escape::Double && data.get(j + 1) == Some(&QUOTE) {
                i = j + 2;
                continue;
            }
            if j + 1 == data.len() {
                return None;
            }
            return Some(j + 1);
        }
    }

    /// The first delimiter or line feed at or after `i` outside of
    /// backslash escapes (unquoted text). Fields are mostly short, so the
    /// first bytes are looked at one by one before a vectorised search.
    #[inline]
    fn unquoted_end(&self, data: &[u8], mut i: usize) -> Option<usize> {
        let d = self.delimiter;
        let backslash = self.escape == Escape::Backslash;
        let short = data.len().min(i + 24);
        while i < short {
            let b = data[i];
            if b == d || b == b'\n' {
                return Some(i);
            }
            if backslash && b == b'\\' {
                i += 2;
                continue;
            }
            i += 1;
        }
        loop {
            if i >= data.len() {
                return None;
            }
            let hit = if backslash {
                memchr::memchr3(d, b'\n', b'\\', &data[i..])
            } else {
                memchr::memchr2(d, b'\n', &data[i..])
            };
            let j = i + hit?;
            if data[j] == b'\\' {
                i = j + 2;
                continue;
            }
            return Some(j);
        }
    }

    /// Scans the field starting at `start` in `data`.
    fn field_end(&self, data: &[u8], start: usize) -> FieldEnd {
        let eof = |dirty| FieldEnd {
            end: data.len(),
            next: Next::Eof,
            dirty,
        };
        let mut i = start;
        let mut dirty = false;
        if data.get(i) == Some(&QUOTE) {
            let Some(after) = self.closing_quote(data, i + 1) else {
                return eof(false);
            };
            i = after;
            dirty = !matches!(data[i], b'\n' | b'\r') && data[i] != self.delimiter;
        }
        // Unquoted bytes (or bytes after a closing quote, which belong to the
        // same field, as in the csv crate).
        match self.unquoted_end(data, i) {
            None => eof(dirty),
            Some(j) => FieldEnd {
                end: j,
                next: if data[j] == b'\n' {
                    Next::LineFeed
                } else {
                    Next::Delimiter
                },
                dirty,
            },
        }
    }

    /// Does a raw field start with a quote?
    pub fn is_quoted(&self, raw: &[u8]) -> bool {
        raw.first() == Some(&QUOTE)
    }

    /// Guesses the dialect of a CSV file from its first bytes: the delimiter
    /// is the one of `,` `;` tab `|` that occurs most often outside quotes in
    /// the first line; the escaping is the one under which most of the sample's
    /// complete records have as many fields as the header (ties go to RFC 4180
    /// unless a field is MySQL's `\N` or the file is tab-separated without
    /// quotes).
    pub fn sniff(sample: &[u8]) -> Dialect {
        let sample = super::combinator::strip_bom(sample);
        let first = &sample[..memchr::memchr(b'\n', sample).unwrap_or(sample.len())];
        let mut counts = [0usize; 4];
        let mut quoted = false;
        for &b in first {
            match b {
                QUOTE => quoted = !quoted,
                _ if quoted => {}
                b',' => counts[0] += 1,
                b';' => counts[1] += 1,
                b'\t' => counts[2] += 1,
                b'|' => counts[3] += 1,
                _ => {}
            }
        }
        let delims = [b',', b';', b'\t', b'|'];
        let best = (0..4).max_by_key(|&i| (counts[i], 4 - i)).unwrap_or(0);
        let delimiter = delims[best];
        let score = |escape: Escape| -> (usize, bool) {
            let d = Dialect { delimiter, escape };
            let mut fields = Vec::new();
            let mut pos = 0;
            let mut header = None;
            let mut good = 0usize;
            let mut null_marker = false;
            let mut dirty = 0;
            while let Some(end) = d.record_end(&sample[pos..]) {
                let rec = trim_terminator(&sample[pos..pos + end]);
                dirty += d.split(rec, &mut fields);
                null_marker |= fields.iter().any(|r| &rec[r.clone()] == b"\\N");
                match header {
                    None => header = Some(fields.len()),
                    Some(n) if n == fields.len() => good += 1,
                    _ => {}
                }
                pos += end;
                if pos >= sample.len() {
                    break;
                }
            }
            (good.saturating_sub(dirty), null_marker)
        };
        let (double, nulls) = score(Escape::Double);
        let (backslash, _) = score(Escape::Backslash);
        // Tab-separated dumps without quotes (MySQL's OUTFILE and batch
        // mode, PostgreSQL's text COPY) escape with backslashes.
        let quoted = memchr::memchr(QUOTE, &sample[..sample.len().min(4096)]).is_some();
        let tsv = delimiter == b'\t' && !quoted;
        let escape = if backslash > double || (backslash == double && (nulls || tsv)) {
            Escape::Backslash
        } else {
            Escape::Double
        };
        Dialect { delimiter, escape }
    }

    /// The length of the record at the start of `data`, including its line
    /// feed, or `None` when `data` holds no complete record (the record's
    /// line feed is still to come, or `data` ends right after a quote).
    ///
    /// Agrees with [`Dialect::split`] without looking at every delimiter: a
    /// quote opens a quoted field only at the start of a field (the record's
    /// start, or after a delimiter that is not backslash-escaped); other
    /// quotes are literal.
    pub fn record_end(&self, data: &[u8]) -> Option<usize> {
        let backslash = self.escape == Escape::Backslash;
        let mut i = 0;
        // A byte escaped by a backslash outside quotes.
        let mut escaped = usize::MAX;
        loop {
            let hit = if backslash {
                memchr::memchr3(QUOTE, b'\n', b'\\', &data[i..])
            } else {
                memchr::memchr2(QUOTE, b'\n', &data[i..])
            };
            let p = i + hit?;
            match data[p] {
                b'\n' => return Some(p + 1),
                b'\\' => {
                    escaped = p + 1;
                    i = p + 2;
                    if i > data.len() {
                        return None;
                    }
                }
                _ => {
                    let field_start = p == 0 || (data[p - 1] == self.delimiter && p - 1 != escaped);
                    i = if field_start {
                        self.closing_quote(data, p + 1)?
                    } else {
                        p + 1
                    };
                }
            }
        }
    }

    /// The length of the longest prefix of `data` made of complete records.
    pub fn complete_prefix(&self, data: &[u8]) -> usize {
        let mut pos = 0;
        while let Some(n) = self.record_end(&data[pos..]) {
            pos += n;
        }
        pos
    }

    /// Splits one record (without its line terminator) into the raw byte
    /// ranges of its fields, quotes included. An empty record has one empty
    /// field. Returns how many quoted fields have bytes after their closing
    /// quote (malformed for this dialect; the bytes stay in the field).
    pub fn split(&self, rec: &[u8], fields: &mut Vec<Range<usize>>) -> usize {
        fields.clear();
        let mut dirty = 0;
        let mut i = 0;
        loop {
            let f = self.field_end(rec, i);
            dirty += usize::from(f.dirty);
            fields.push(i..f.end);
            match f.next {
                Next::Delimiter => i = f.end + 1,
                // A line feed inside a record can only be a quoted one that
                // this scan did not see as such: the caller passed a record
                // that `record_end` did not produce. Keep it in the field.
                Next::LineFeed => {
                    let last = fields.pop().map_or(i, |r| r.start);
                    fields.push(last..rec.len());
                    return dirty;
                }
                Next::Eof => return dirty,
            }
        }
    }

    /// Is a raw field one of the NULL markers: MySQL's `\N`, or an unquoted
    /// `NULL` (phpMyAdmin, Adminer)? (An unquoted empty field, PostgreSQL's
    /// NULL, is empty and needs no test.)
    pub fn is_null(&self, raw: &[u8]) -> bool {
        raw == b"\\N" || raw == b"NULL"
    }

    /// Appends the value of raw field `raw` to `out`: quotes removed, escapes
    /// undone.
    pub fn decode(&self, raw: &[u8], out: &mut Vec<u8>) {
        let backslash = self.escape == Escape::Backslash;
        let mut quoted = raw.first() == Some(&QUOTE);
        let mut i = usize::from(quoted);
        while i < raw.len() {
            // Copy the run up to the next byte that means something here.
            let hit = match (quoted, backslash) {
                (false, false) => None,
                (true, false) => memchr::memchr(QUOTE, &raw[i..]),
                (false, true) => memchr::memchr(b'\\', &raw[i..]),
                (true, true) => memchr::memchr2(QUOTE, b'\\', &raw[i..]),
            };
            let Some(p) = hit else {
                out.extend_from_slice(&raw[i..]);
                return;
            };
            out.extend_from_slice(&raw[i..i + p]);
            i += p;
            if raw[i] == b'\\' {
                match raw.get(i + 1) {
                    Some(&c) => out.push(match c {
                        b'0' => 0,
                        b'b' => 8,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'Z' => 0x1a,
                        c => c,
                    }),
                    None => out.push(b'\\'),
                }
                i += 2;
            } else if !backslash && raw.get(i + 1) == Some(&QUOTE) {
                out.push(QUOTE);
                i += 2;
            } else {
                // The closing quote; any bytes after it are kept as they are.
                quoted = false;
                i += 1;
            }
        }
    }

    /// Does a value need quoting or escaping to be written as a field?
    fn needs_care(&self, v: &[u8]) -> bool {
        v.first() == Some(&QUOTE)
            || v.iter().any(|&b| {
                b == self.delimiter
                    || b == b'\n'
                    || b == b'\r'
                    || (self.escape == Escape::Double && b == QUOTE)
                    || (self.escape == Escape::Backslash && (b == b'\\' || b == 0))
            })
    }

    /// Appends `v` as a field: quoted when `quote` is set (the original field
    /// was) or when it needs quoting, with this dialect's escapes.
    pub fn encode(&self, v: &[u8], quote: bool, out: &mut Vec<u8>) {
        if !quote && !self.needs_care(v) {
            out.extend_from_slice(v);
            return;
        }
        match self.escape {
            Escape::Double => {
                out.push(QUOTE);
                for &b in v {
                    if b == QUOTE {
                        out.push(QUOTE);
                    }
                    out.push(b);
                }
                out.push(QUOTE);
            }
            Escape::Backslash => {
                if quote {
                    out.push(QUOTE);
                }
                for (i, &b) in v.iter().enumerate() {
                    match b {
                        0 => out.extend_from_slice(b"\\0"),
                        // A bare CR before the line feed would read as a
                        // CRLF line end; MySQL reads `\r` as CR.
                        b'\r' => out.extend_from_slice(b"\\r"),
                        // MySQL escapes the enclosing quote only when it
                        // encloses fields (or would seem to: a leading one).
                        QUOTE if !quote && i > 0 => out.push(b),
                        b'\\' | QUOTE | b'\n' => {
                            out.push(b'\\');
                            out.push(b);
                        }
                        _ if b == self.delimiter => {
                            out.push(b'\\');
                            out.push(b);
                        }
                        _ => out.push(b),
                    }
                }
                if quote {
                    out.push(QUOTE);
                }
            }
        }
    }
}

/// A raw field's inside when it is enclosed in quotes, for comparing short
/// values that need no unescaping (`user`, `30`, a Unix time); else the
/// field itself.
pub fn unquote(raw: &[u8]) -> &[u8] {
    if raw.len() >= 2 && raw[0] == QUOTE && raw[raw.len() - 1] == QUOTE {
        &raw[1..raw.len() - 1]
    } else {
        raw
    }
}

/// A record without its line terminator (`\n` or `\r\n`).
pub fn trim_terminator(rec: &[u8]) -> &[u8] {
    let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
    rec.strip_suffix(b"\r").unwrap_or(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC: Dialect = Dialect {
        delimiter: b',',
        escape: Escape::Double,
    };
    const MYSQL: Dialect = Dialect {
        delimiter: b'\t',
        escape: Escape::Backslash,
    };

    fn fields(d: Dialect, rec: &[u8]) -> Vec<String> {
        let mut r = Vec::new();
        d.split(rec, &mut r);
        r.into_iter()
            .map(|r| {
                let mut v = Vec::new();
                d.decode(&rec[r], &mut v);
                String::from_utf8(v).unwrap()
            })
            .collect()
    }

    #[test]
    fn records_end_outside_quotes_only() {
        let data = b"a,\"b\nc\",d\ne,f\n";
        assert_eq!(RFC.record_end(data), Some(10));
        assert_eq!(RFC.record_end(&data[10..]), Some(4));
        assert_eq!(RFC.complete_prefix(data), data.len());
        // Incomplete: inside quotes, or a quote at the very end.
        assert_eq!(RFC.record_end(b"a,\"b\n"), None);
        assert_eq!(RFC.record_end(b"a,\"b\""), None);
        assert_eq!(RFC.record_end(b"a,b"), None);
        assert_eq!(RFC.complete_prefix(b"x\ny,\"z\n"), 2);
        // `""` inside quotes does not close them.
        assert_eq!(RFC.record_end(b"\"a\"\"\nb\"\nc"), Some(8));
        // Quotes inside an unquoted field are literal.
        assert_eq!(RFC.record_end(b"a\"b,c\n"), Some(6));
    }

    #[test]
    fn mysql_backslash_escapes_delimiters_and_line_feeds() {
        let data = b"1\ta\\\tb\tc\\\nd\t\\N\n2\tx\ty\tz\n";
        let end = MYSQL.record_end(data).unwrap();
        assert_eq!(
            fields(MYSQL, &data[..end - 1]),
            ["1", "a\tb", "c\nd", "N"].map(String::from)
        );
        assert!(MYSQL.is_null(b"\\N"));
        assert_eq!(MYSQL.record_end(&data[end..]), Some(data.len() - end));
        let q = Dialect {
            delimiter: b',',
            escape: Escape::Backslash,
        };
        assert_eq!(
            fields(
                q,
                br#""{\"a\":\"b\\/c\"}",\N,"x\
y""#
            ),
            ["{\"a\":\"b\\/c\"}", "N", "x\ny"].map(String::from)
        );
    }

    #[test]
    fn split_and_decode() {
        assert_eq!(
            fields(RFC, br#"1,"7/09/26, 21:40:58","say ""hi""",,x"#),
            ["1", "7/09/26, 21:40:58", "say \"hi\"", "", "x"].map(String::from)
        );
        assert_eq!(fields(RFC, b""), [""].map(String::from));
        assert_eq!(fields(RFC, b","), ["", ""].map(String::from));
        // Bytes after a closing quote stay in the field.
        assert_eq!(fields(RFC, br#""ab"c,d"#), ["abc", "d"].map(String::from));
    }

    #[test]
    fn encode_round_trips() {
        for d in [
            RFC,
            MYSQL,
            Dialect {
                delimiter: b';',
                escape: Escape::Double,
            },
        ] {
            for v in [
                &b"plain"[..],
                b"with, comma; and\ttab",
                b"quote \" inside",
                b"line\nbreak\r\n",
                b"back\\slash",
                b"",
            ] {
                for quote in [false, true] {
                    let mut rec = b"x".to_vec();
                    rec.push(d.delimiter);
                    d.encode(v, quote, &mut rec);
                    rec.push(d.delimiter);
                    rec.push(b'y');
                    rec.push(b'\n');
                    let end = d.record_end(&rec).expect("one record");
                    assert_eq!(end, rec.len(), "{d:?} {v:?}");
                    let mut r = Vec::new();
                    d.split(&rec[..end - 1], &mut r);
                    assert_eq!(r.len(), 3, "{d:?} {v:?}");
                    let mut out = Vec::new();
                    d.decode(&rec[r[1].clone()], &mut out);
                    assert_eq!(out, v, "{d:?} quote={quote}");
                }
            }
        }
    }

    #[test]
    fn sniffing() {
        assert_eq!(Dialect::sniff(b"id,userid\n1,2\n"), RFC);
        assert_eq!(
            Dialect::sniff(b"\xEF\xBB\xBFid;userid;other\n1;2;\"a;b\"\n").delimiter,
            b';'
        );
        assert_eq!(Dialect::sniff(b"id\tuserid\n1\t\\N\n"), MYSQL);
        assert_eq!(Dialect::sniff(b"id\tuserid\n"), MYSQL);
        assert_eq!(
            Dialect::sniff(b"id\tother\n1\t\"x\"\n").escape,
            Escape::Double
        );
        // A backslash-escaped quote decides the escaping.
        let s = b"id,other\n1,\"{\\\"a\\\":1}\"\n2,\"x\"\n";
        assert_eq!(Dialect::sniff(s).escape, Escape::Backslash);
        let s = b"id,other\n1,\"{\"\"a\"\":\"\"b\\\\\"\"}\"\n2,\"x\"\n";
        assert_eq!(Dialect::sniff(s).escape, Escape::Double);
    }

    mod oracle {
        use super::*;
        use proptest::prelude::*;

        fn field() -> impl Strategy<Value = String> {
            proptest::string::string_regex("[a-z ,;\t\"\n\r\\\\é0-9]{0,12}").unwrap()
        }

        fn table() -> impl Strategy<Value = Vec<Vec<String>>> {
            (1usize..5).prop_flat_map(|n| {
                proptest::collection::vec(proptest::collection::vec(field(), n), 1..12)
            })
        }

        fn walk(d: Dialect, data: &[u8]) -> Vec<Vec<Vec<u8>>> {
            let mut rows = Vec::new();
            let mut pos = 0;
            let mut ranges = Vec::new();
            while pos < data.len() {
                let n = d.record_end(&data[pos..]).unwrap_or(data.len() - pos);
                let rec = trim_terminator(&data[pos..pos + n]);
                d.split(rec, &mut ranges);
                rows.push(
                    ranges
                        .iter()
                        .map(|r| {
                            let mut v = Vec::new();
                            d.decode(&rec[r.clone()], &mut v);
                            v
                        })
                        .collect(),
                );
                pos += n;
            }
            rows
        }

        /// The record end found field by field, as `split` walks records.
        fn record_end_by_fields(d: &Dialect, data: &[u8]) -> Option<usize> {
            let mut i = 0;
            loop {
                let f = d.field_end(data, i);
                match f.next {
                    Next::Delimiter => i = f.end + 1,
                    Next::LineFeed => return Some(f.end + 1),
                    Next::Eof => return None,
                }
            }
        }

        proptest! {
            /// `record_end`, which skips delimiters, ends records exactly
            /// where the field-by-field walk does, on any bytes.
            #[test]
            fn record_end_agrees_with_the_field_walk(
                data in proptest::collection::vec(prop::sample::select(b"ab,;\t\"\\\n\r".to_vec()), 0..40),
                delim in prop::sample::select(vec![b',', b';', b'\t']),
                backslash in any::<bool>(),
            ) {
                let d = Dialect { delimiter: delim, escape: if backslash { Escape::Backslash } else { Escape::Double } };
                let mut pos = 0;
                while pos <= data.len() {
                    let rest = &data[pos..];
                    let a = d.record_end(rest);
                    prop_assert_eq!(a, record_end_by_fields(&d, rest), "at {} of {:?}", pos, String::from_utf8_lossy(&data));
                    match a {
                        Some(n) => pos += n,
                        None => break,
                    }
                }
            }

            /// The csv crate is the oracle: whatever it writes (RFC 4180,
            /// any delimiter, quoting as needed or always), the records and
            /// fields found here decode to what it was given, and every
            /// record ends where a block may be cut.
            #[test]
            fn agrees_with_the_csv_crate(t in table(), delim in prop::sample::select(vec![b',', b';', b'\t']), always in any::<bool>()) {
                let mut w = ::csv::WriterBuilder::new()
                    .delimiter(delim)
                    .quote_style(if always { ::csv::QuoteStyle::Always } else { ::csv::QuoteStyle::Necessary })
                    .from_writer(Vec::new());
                for r in &t {
                    w.write_record(r).unwrap();
                }
                let data = w.into_inner().unwrap();
                let d = Dialect { delimiter: delim, escape: Escape::Double };
                prop_assert_eq!(d.complete_prefix(&data), data.len());
                let want: Vec<Vec<Vec<u8>>> = t.iter().map(|r| r.iter().map(|f| f.as_bytes().to_vec()).collect()).collect();
                prop_assert_eq!(walk(d, &data), want);
            }

            /// Fields written with [`Dialect::encode`] in either escaping
            /// read back as themselves, and the csv crate reads RFC 4180
            /// output the same way.
            #[test]
            fn encode_then_read(t in table(), delim in prop::sample::select(vec![b',', b';', b'\t']), backslash in any::<bool>(), quote in any::<bool>()) {
                let d = Dialect { delimiter: delim, escape: if backslash { Escape::Backslash } else { Escape::Double } };
                let mut data = Vec::new();
                for r in &t {
                    for (i, f) in r.iter().enumerate() {
                        if i > 0 {
                            data.push(delim);
                        }
                        d.encode(f.as_bytes(), quote, &mut data);
                    }
                    data.push(b'\n');
                }
                let want: Vec<Vec<Vec<u8>>> = t.iter().map(|r| r.iter().map(|f| f.as_bytes().to_vec()).collect()).collect();
                prop_assert_eq!(walk(d, &data), want.clone());
                // (The csv crate skips empty lines: a record of one empty,
                // unquoted field is not one to it.)
                let empty_line = t.iter().any(|r| r.len() == 1 && r[0].is_empty());
                if !backslash && (!empty_line || quote) {
                    let got: Vec<Vec<Vec<u8>>> = ::csv::ReaderBuilder::new()
                        .delimiter(delim)
                        .has_headers(false)
                        .flexible(true)
                        .from_reader(&data[..])
                        .byte_records()
                        .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
                        .collect();
                    prop_assert_eq!(got, want);
                }
            }
        }
    }
}
