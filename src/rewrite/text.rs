//! Free text: log messages, error-log lines, stack traces, lines of no
//! known shape, user agents.
//!
//! Structure comes first, so that rules cannot collide: JSON objects (with
//! `"`, Apache's `\"` or nginx's `\x22` quotes), BigBlueButton parameter-map
//! dumps (`[name:[…], …]`), `key=value` and known `key: value` pairs, URLs
//! and paths are found and their values rewritten by the value policy
//! ([`super::policy`], [`super::url`]). What is left are words, rewritten one
//! by one:
//!
//! - addresses are truncated; e-mail addresses of any domain (`x@localhost`
//!   too) and BigBlueButton internal ids (`w_…`, also inside a voice
//!   caller id `w_…_1-bbbID-Name`) become pseudonyms;
//! - a value right after a word that introduces a person (`user`, `userid`,
//!   `username`, `student`, `for`, `by`, …: see [`CUES`]) is an identity:
//!   `user 4711`, `User 4711 (`, `user "jdoe"`, `Found user Jane Doe`;
//! - a run of two or more capitalized words with a word outside the
//!   vocabulary (`Annegret Wüstenhagen`) is a name;
//! - token-shaped words (sixteen or more letters and digits) are
//!   `REDACTED`; meeting ids, times, small numbers are kept;
//! - in [`FreeText::Strict`] (the default) every other word is kept only
//!   when it is a vocabulary word or an identifier made of vocabulary words
//!   ([`super::vocab`]), and becomes an opaque token otherwise; in
//!   [`FreeText::Lenient`] it is kept.
//!
//! The work is linear in the text: every structure is parsed once, with a
//! bounded depth, and a budget bounds the bytes spent on structures that turn
//! out not to be ones.

use super::policy::Rule;
use super::replace::{decode_value, Replacer};
use super::rules::{
    email_any, is_bbb_internal_id, is_constant, is_month_day_or_zone, is_time_value, keeps_count,
    keeps_number, names_no_one, FreeText, UaAction, REDACTED,
};
use super::url;
use super::vocab;
use crate::format::escape::{json_unescape_into, log_unescape_into};
use crate::ip;
use crate::pseudonym::Namespace;

/// Words after which a value is a person (an identity).
pub const CUES: [&[u8]; 24] = [
    b"user",
    b"userid",
    b"username",
    b"uid",
    b"login",
    b"fullname",
    b"name",
    b"student",
    b"teacher",
    b"participant",
    b"moderator",
    b"viewer",
    b"presenter",
    b"attendee",
    b"caller",
    b"member",
    b"sender",
    b"author",
    b"account",
    b"person",
    b"for",
    b"by",
    b"as",
    b"owner",
];

/// How deep JSON may nest before the rest is treated as words.
const MAX_DEPTH: usize = 32;

/// Rewrites free text `s` into `out` in the replacer's free-text mode.
pub fn write_text(ctx: &mut Replacer<'_>, s: &[u8], out: &mut Vec<u8>) {
    // The gaps between an access line's fields: spaces and quotes.
    if s.iter().all(|&b| matches!(b, b' ' | b'"' | b'\t')) {
        return out.extend_from_slice(s);
    }
    let strict = ctx.free == FreeText::Strict;
    Text::new(ctx, strict).run(s, out);
}

/// Rewrites a whole line of free text: a syslog header (`Nov 24 08:11:31
/// host tag[pid]: `, the server's own time, name and program) is kept like
/// [`write_lenient`] keeps text, the message after it as [`write_text`].
pub fn write_line(ctx: &mut Replacer<'_>, line: &[u8], out: &mut Vec<u8>) {
    match crate::format::combinator::syslog_header(line) {
        Some(n) => {
            write_lenient(ctx, &line[..n], out);
            write_text(ctx, &line[n..], out);
        }
        None => write_text(ctx, line, out),
    }
}

/// Rewrites text that is kept as a whole where it is not personal (user
/// agents, the fixed prefix of a log line): structures, addresses, e-mail
/// addresses, ids and tokens are rewritten, other words kept.
pub fn write_lenient(ctx: &mut Replacer<'_>, s: &[u8], out: &mut Vec<u8>) {
    Text::new(ctx, false).run(s, out);
}

/// Writes a user agent according to the line's policy (`ctx.ua`): kept
/// (rewritten like [`write_lenient`]), reduced to its family, or dropped.
pub fn write_user_agent(ctx: &mut Replacer<'_>, raw: &[u8], out: &mut Vec<u8>) {
    match ctx.ua {
        UaAction::Keep => ctx.once(1, raw, out, |ctx, raw, out| {
            // Product tokens come in capitalized runs (`Intel Mac OS X`)
            // that are no one's name.
            let mut t = Text::new(ctx, false);
            t.names = false;
            t.run(raw, out);
        }),
        UaAction::Family => out.extend_from_slice(crate::useragent::family(raw).as_bytes()),
        UaAction::Drop => out.push(b'-'),
    }
}

/// What the words before the current one say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Cue {
    /// Nothing.
    #[default]
    None,
    /// A person comes next (`user`, `for`, …).
    Person,
    /// `user … id`: a user id comes next.
    UserId,
    /// A number that counts or locates, not an id, comes next (`line`,
    /// `pid`, `port`, `code`, …: see [`COUNT_CUES`]).
    Count,
}

/// Words after which a number is a position, a process, a port, a status
/// or a size, kept as it is.
pub const COUNT_CUES: [&[u8]; 12] = [
    b"line", b"pid", b"port", b"errno", b"code", b"status", b"length", b"size", b"bytes", b"depth",
    b"version", b"tid",
];

struct Text<'c, 'a> {
    ctx: &'c mut Replacer<'a>,
    strict: bool,
    cue: Cue,
    /// The previous word was `user` (for `user id 4711`, `user with id`).
    after_user: bool,
    /// Bytes left for structure attempts that fail.
    budget: usize,
    /// No word has been written yet (a capitalized word starts the text).
    first_word: bool,
    /// The last word was a time (`… 12:12:44.089 CET [48817]`: a process
    /// id in brackets follows the time of a log line's prefix).
    after_time: bool,
    /// Capitalized runs are looked at as names (not in user agents).
    names: bool,
}

/// Bytes that end a word.
#[inline]
fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t'
            | b'\n'
            | b'\r'
            | b'('
            | b')'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'<'
            | b'>'
            | b','
            | b';'
            | b'"'
            | b'\''
            | b'`'
            | b'|'
            | b'!'
            | b'*'
    )
}

/// The quote token at `s[i..]`: `"`, Apache's `\"` or nginx's `\x22`.
fn quote_at(s: &[u8], i: usize) -> Option<&'static [u8]> {
    match s.get(i)? {
        b'"' => Some(b"\""),
        b'\\' if s.get(i + 1) == Some(&b'"') => Some(b"\\\""),
        b'\\' if s.get(i + 1..i + 4) == Some(b"x22") => Some(b"\\x22"),
        _ => None,
    }
}

impl<'c, 'a> Text<'c, 'a> {
    fn new(ctx: &'c mut Replacer<'a>, strict: bool) -> Self {
        Text {
            ctx,
            strict,
            cue: Cue::None,
            after_user: false,
            budget: 0,
            first_word: true,
            after_time: false,
            names: true,
        }
    }

    fn run(&mut self, s: &[u8], out: &mut Vec<u8>) {
        self.budget = 4 * s.len() + 64;
        // A known person's name anywhere in the text (`Anna Berg`, `Berg,
        // Anna`) is their pseudonym, whatever structure it stands in; the
        // text between is rewritten as usual (its one-word forms, `aberg`,
        // are found where each word is written).
        let hits = match self.ctx.roster {
            Some(r) if s.len() >= 3 => r.find_names_in(s),
            _ => Vec::new(),
        };
        let mut from = 0;
        for (start, end, id) in hits {
            self.run_inner(&s[from..start], out);
            match id {
                Some(id) => self.ctx.token(Namespace::UserId, id, out),
                None => self.ctx.token(Namespace::Opaque, &s[start..end], out),
            }
            from = end;
        }
        self.run_inner(&s[from..], out);
    }

    /// Handles what starts at `i`; returns where to go on.
    fn step(&mut self, s: &[u8], i: usize, out: &mut Vec<u8>) -> usize {
        let b = s[i];
        if b == b'{' && self.budget > 0 {
            if let Some(end) = self.json_object(s, i, out) {
                self.cue = Cue::None;
                return end;
            }
        }
        if b == b'[' && self.budget > 0 {
            if let Some(end) = self.map_dump(s, i, out) {
                self.cue = Cue::None;
                return end;
            }
        }
        if let Some(q) = quote_at(s, i) {
            return self.quoted(s, i, q, out);
        }
        if let Some(n) = ansi_sequence(&s[i..]) {
            out.extend_from_slice(&s[i..i + n]);
            return i + n;
        }
        if is_delim(b) {
            out.push(b);
            if !matches!(b, b' ' | b'\t') {
                // Punctuation other than `(`/`[` ends what a cue introduced.
                if !matches!(b, b'(' | b'[' | b'\'' | b'"') {
                    self.cue = Cue::None;
                }
            }
            return i + 1;
        }
        // A word: up to the next delimiter.
        let mut end = i;
        while end < s.len() && !is_delim(s[end]) && quote_at(s, end).is_none() {
            end += 1;
        }
        self.word(s, i, end, out)
    }

    /// A quoted string: its content as text, the quotes kept. After a cue
    /// the whole content is one identity.
    fn quoted(&mut self, s: &[u8], i: usize, q: &[u8], out: &mut Vec<u8>) -> usize {
        let cs = i + q.len();
        let close = memchr::memmem::find(&s[cs..], q).map(|p| cs + p);
        let Some(ce) = close else {
            out.extend_from_slice(q);
            return cs;
        };
        out.extend_from_slice(q);
        let content = &s[cs..ce];
        let structured = memchr::memmem::find(content, b"w_").is_some()
            || content
                .iter()
                .any(|b| matches!(b, b'=' | b'{' | b'[' | b'/'));
        if self.cue != Cue::None && !content.is_empty() && !structured {
            self.identity(content, out);
            self.cue = Cue::None;
        } else {
            self.run_inner(content, out);
        }
        out.extend_from_slice(q);
        ce + q.len()
    }

    /// Rewrites a part of the text with the same state.
    fn run_inner(&mut self, s: &[u8], out: &mut Vec<u8>) {
        let mut i = 0;
        while i < s.len() {
            i = self.step(s, i, out);
        }
    }

    /// Writes the identity of a raw value (log escapes undone, `+` and
    /// `%XX` decoded).
    fn identity(&mut self, raw: &[u8], out: &mut Vec<u8>) {
        self.ctx.write_value(Some(Rule::Identity), raw, 1, out);
    }

    /// The word `s[i..end]`; returns `end` (or further, for a name run).
    fn word(&mut self, s: &[u8], i: usize, end: usize, out: &mut Vec<u8>) -> usize {
        // Sentence punctuation at the end is not part of the word.
        let mut e = end;
        while e > i + 1 && matches!(s[e - 1], b'.' | b':' | b'?') {
            e -= 1;
        }
        let w = &s[i..e];
        let first = std::mem::replace(&mut self.first_word, false);
        let cue = std::mem::take(&mut self.cue);
        let after_user = std::mem::take(&mut self.after_user);
        let after_time = std::mem::take(&mut self.after_time);
        if is_time_value(w) || is_month_day_or_zone(w) {
            self.ctx.keep(w, out);
            out.extend_from_slice(&s[e..end]);
            self.after_time = true;
            return end;
        }
        if let Some(n) = line_number_suffix(w) {
            // `moodle_database.php:1234`, `mod_dialplan_xml.c:639`: a file
            // and a line in it.
            let f = i + n;
            if self.structured_word(s, i, f, f, Cue::None, out).is_none() {
                self.plain_word(s, i, f, Cue::None, false, out);
            }
            out.extend_from_slice(&s[f..end]);
            return end;
        }
        if let Some(next) = self.structured_word(s, i, e, end, cue, out) {
            return next;
        }
        let cue = match cue {
            Cue::None if self.counted(s, i, e, after_time) => Cue::Count,
            c => c,
        };
        let next = self.plain_word(s, i, e, cue, first, out);
        self.note_cue(w, after_user);
        out.extend_from_slice(&s[next.max(e)..end.max(next)]);
        next.max(end)
    }

    /// Notes what the word `w` says about the next one.
    fn note_cue(&mut self, w: &[u8], after_user: bool) {
        let low = |c: &[u8]| w.eq_ignore_ascii_case(c);
        if (after_user && (low(b"id") || low(b"with"))) || low(b"userid") || low(b"uid") {
            self.cue = Cue::UserId;
            self.after_user = after_user && low(b"with");
        } else if CUES.iter().any(|c| low(c)) {
            self.cue = Cue::Person;
            self.after_user = low(b"user");
        } else if COUNT_CUES.iter().any(|c| low(c)) {
            self.cue = Cue::Count;
        }
    }

    /// Is the number `s[i..e]` a position by where it stands: a process id
    /// or index in brackets right after a name (`systemd_start.sh[1934]`,
    /// `PendingAuths length [1]`) or after a log line's time, a line number
    /// in parentheses after a file (`auth.php(412)`)?
    fn counted(&self, s: &[u8], i: usize, e: usize, after_time: bool) -> bool {
        if !s[i..e].iter().all(u8::is_ascii_digit) || e - i > 7 || i == 0 {
            return false;
        }
        let before = s[i - 1];
        let prev = i.checked_sub(2).map(|k| s[k]);
        let word_before =
            prev.is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        match (before, s.get(e)) {
            (b'[', Some(b']')) => word_before || after_time,
            (b'(', Some(b')')) => has_extension_before(&s[..i - 1]),
            // nginx's connection serial (`*4711 open() …`).
            (b'*', _) => prev.is_none_or(|b| b == b' '),
            _ => false,
        }
    }

    /// Words with structure of their own: URLs, paths, `key=value`,
    /// `key:` of a known key, e-mail addresses, addresses, BBB ids.
    fn structured_word(
        &mut self,
        s: &[u8],
        i: usize,
        e: usize,
        end: usize,
        cue: Cue,
        out: &mut Vec<u8>,
    ) -> Option<usize> {
        let w = &s[i..e];
        if w.contains(&b'&') && url::write_oauth_base_string(self.ctx, w, out) {
            return Some(e);
        }
        if url::looks_like_url(w) && (w[0] != b'/' || w.len() > 1) && !w.starts_with(b"//") {
            url::write_url_in_text(self.ctx, w, out);
            return Some(e);
        }
        if let Some(eq) = memchr::memchr(b'=', w).filter(|&p| p > 0) {
            return Some(self.key_value(s, i, i + eq, out));
        }
        if w.last() == Some(&b':') || s.get(e) == Some(&b':') {
            // `key: value` of a known key.
            let key_end = if w.last() == Some(&b':') { e - 1 } else { e };
            let key = &s[i..key_end];
            if let Some(r) = self.ctx.policy.structured_rule(key) {
                if s.get(key_end + 1) == Some(&b' ')
                    && s.get(key_end + 2).is_some_and(|&b| b != b' ')
                {
                    out.extend_from_slice(&s[i..key_end + 2]);
                    return Some(self.value_after(s, key_end + 2, r, out));
                }
            }
        }
        if let Some(at) = memchr::memchr(b'@', w) {
            if let Some((ls, le)) = email_any(w, at) {
                out.extend_from_slice(&w[..ls]);
                self.ctx.write_email(&w[ls..le], out);
                out.extend_from_slice(&w[le..]);
                return Some(e);
            }
        }
        if let Some(n) = self.address(w, out) {
            out.extend_from_slice(&s[i + n..e]);
            return Some(e);
        }
        if let Some(p) = memchr::memmem::find(w, b"w_") {
            if p == 0 || !w[p - 1].is_ascii_alphanumeric() {
                if let Some(next) = self.bbb_id(s, i + p, end, out, &s[i..i + p]) {
                    return Some(next);
                }
            }
        }
        let _ = cue;
        None
    }

    /// An address at the start of `w` (with a port, in brackets): writes it
    /// and returns how much of `w` it took.
    fn address(&mut self, w: &[u8], out: &mut Vec<u8>) -> Option<usize> {
        if !w[0].is_ascii_hexdigit() && w[0] != b'[' && w[0] != b':' {
            return None;
        }
        let (addr, s, e) = ip::parse_client(w)?;
        // A version number (`5.0.1`) is no address: a full dotted quad or
        // IPv6 only, which parse_client guarantees.
        out.extend_from_slice(&w[..s]);
        self.ctx.write_addr(addr, out);
        Some(e)
    }

    /// `w_…` at `p`: the BBB internal id, and what follows it (`_1`, a
    /// voice caller's `-bbbID-Name` up to the end of the field).
    fn bbb_id(
        &mut self,
        s: &[u8],
        p: usize,
        end: usize,
        out: &mut Vec<u8>,
        lead: &[u8],
    ) -> Option<usize> {
        let id = s.get(p..p + 14)?;
        if !is_bbb_internal_id(id) || s.get(p + 14).is_some_and(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        self.write_lead(lead, out);
        self.ctx.token(Namespace::BbbUser, id, out);
        let mut i = p + 14;
        while i < end && matches!(s[i], b'_' | b'-') && s.get(i + 1).is_some_and(u8::is_ascii_digit)
        {
            let d = s[i + 1..end]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            out.extend_from_slice(&s[i..i + 1 + d]);
            i += 1 + d;
        }
        const CALLER: &[u8] = b"-bbbID-";
        if s[i..].starts_with(CALLER) {
            out.extend_from_slice(CALLER);
            let rest = i + CALLER.len();
            // A SIP channel's caller name ends at its `@host`.
            let stop = s[rest..]
                .iter()
                .position(|&b| {
                    matches!(
                        b,
                        b'"' | b'\''
                            | b','
                            | b']'
                            | b')'
                            | b'}'
                            | b'\n'
                            | b'\r'
                            | b'@'
                            | b'<'
                            | b'>'
                    )
                })
                .map_or(s.len(), |q| rest + q);
            let name = trim_end(&s[rest..stop]);
            if !name.is_empty() {
                self.identity(name, out);
            }
            return Some(rest + name.len());
        }
        Some(i)
    }

    /// Text before a structure inside a word, as a word.
    fn write_lead(&mut self, lead: &[u8], out: &mut Vec<u8>) {
        if !lead.is_empty() {
            self.plain_word(lead, 0, lead.len(), Cue::None, false, out);
        }
    }

    /// A word without structure.
    fn plain_word(
        &mut self,
        s: &[u8],
        i: usize,
        e: usize,
        cue: Cue,
        first: bool,
        out: &mut Vec<u8>,
    ) -> usize {
        let w = &s[i..e];
        if w == REDACTED
            || crate::pseudonym::is_token(w)
            || !w.iter().any(|b| b.is_ascii_alphanumeric() || *b >= 0x80)
        {
            out.extend_from_slice(w);
            return e;
        }
        // `$1` (an SQL placeholder), `#0` (a stack frame).
        let bare = match w {
            [b'$' | b'#', rest @ ..]
                if !rest.is_empty() && rest.len() <= 3 && rest.iter().all(u8::is_ascii_digit) =>
            {
                rest
            }
            _ => w,
        };
        let digits = bare.iter().all(u8::is_ascii_digit);
        if digits {
            match cue {
                Cue::UserId | Cue::Person => self.identity(w, out),
                Cue::Count => self.ctx.keep(w, out),
                _ if keeps_number(bare) || !self.strict => self.ctx.keep(w, out),
                _ => self.ctx.opaque(w, out),
            }
            return e;
        }
        if let Some(p) = meeting_id_suffix(w) {
            // `handlePresentationUploadTokenReqMsg<meeting id>`: a message
            // name and the meeting it is about, written together.
            self.plain_word(s, i, i + p, Cue::None, false, out);
            self.ctx.keep(&w[p..], out);
            return e;
        }
        if is_numeric(w) || names_no_one(w) || is_apache_message_number(w) || is_conference(w) {
            self.ctx.keep(w, out);
            return e;
        }
        let identifier = vocab::is_word(w) || vocab::is_identifier_of_words(w);
        if !identifier && url::is_token_shaped(trim_padding(w)) {
            out.extend_from_slice(REDACTED);
            return e;
        }
        if self.names && is_capitalized(w) {
            if let Some(next) = self.name_run(s, i, e, cue, first, out) {
                return next;
            }
        }
        // Words of one or two letters (`a`, `t` of `doesn't`, an initial)
        // name no one on their own.
        let short = w.len() <= 2 && w.iter().all(u8::is_ascii_alphabetic);
        let known = identifier || short;
        if cue == Cue::Person && !known {
            self.identity(w, out);
        } else if known || !self.strict {
            self.ctx.keep(w, out);
        } else {
            let mut v = std::mem::take(self.ctx.buf);
            decode_value(w, 1, &mut v, self.ctx.buf2);
            self.ctx.opaque(&v, out);
            *self.ctx.buf = v;
        }
        e
    }

    /// A run of capitalized words starting with `s[i..e]`, separated by
    /// single spaces or hyphens: a name when one of them is not a vocabulary
    /// word, or when a cue came before. Returns where the run ends when it
    /// was written as a name.
    fn name_run(
        &mut self,
        s: &[u8],
        i: usize,
        e: usize,
        cue: Cue,
        first: bool,
        out: &mut Vec<u8>,
    ) -> Option<usize> {
        let mut words = 1;
        let mut unknown = !vocab::is_word(&s[i..e]);
        let mut end = e;
        while end + 1 < s.len() && matches!(s[end], b' ' | b'-') && words < 6 {
            let ws = end + 1;
            let mut we = ws;
            while we < s.len() && !is_delim(s[we]) && s[we] != b'-' && quote_at(s, we).is_none() {
                we += 1;
            }
            let mut wt = we;
            while wt > ws + 1 && matches!(s[wt - 1], b'.' | b':') {
                wt -= 1;
            }
            if wt == ws || !is_capitalized(&s[ws..wt]) || is_month_day_or_zone(&s[ws..wt]) {
                break;
            }
            unknown |= !vocab::is_word(&s[ws..wt]);
            words += 1;
            end = wt;
            if wt != we {
                break;
            }
        }
        // Two or more words, one of them unknown or after a cue; a run of
        // known words at the start of the text is a sentence's start.
        let name = words >= 2 && (unknown || (cue == Cue::Person && !first));
        let single = words == 1 && cue == Cue::Person && !is_month_day_or_zone(&s[i..e]);
        if !(name || single) || is_month_day_or_zone(&s[i..e]) {
            return None;
        }
        self.identity(&s[i..end], out);
        Some(end)
    }

    /// `key=value` with the `=` at `eq`; returns where the value ends.
    fn key_value(&mut self, s: &[u8], i: usize, eq: usize, out: &mut Vec<u8>) -> usize {
        let key = &s[i..eq];
        // `a=b` inside a longer token: the key is the identifier before `=`.
        let ks = key
            .iter()
            .rposition(|&b| {
                !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']'))
            })
            .map_or(0, |p| p + 1);
        if ks > 0 {
            self.write_lead(&key[..ks], out);
        }
        let key = &key[ks..];
        let rule = self
            .ctx
            .policy
            .structured_rule(key)
            .or_else(|| self.ctx.policy.query_rule(None, key));
        let named = rule.is_some() || vocab::is_identifier_of_words(key);
        if !named {
            let mut end = eq;
            while end < s.len() && !is_delim(s[end]) && quote_at(s, end).is_none() {
                end += 1;
            }
            if s[eq..end].iter().all(|&b| b == b'=') {
                // Not a pair (`kD3v9Qz0mX7pL2sR8tY1wE4uI6o=`, base64 with its
                // padding): the word as a whole.
                return self.plain_word(s, i + ks, end, Cue::None, false, out);
            }
        }
        self.write_key(key, rule.is_some(), out);
        out.push(b'=');
        match rule {
            Some(r) => self.value_after(s, eq + 1, r, out),
            None => self.unknown_after(s, eq + 1, key, out),
        }
    }

    /// The key of a pair in text (`key=`, `"key":`, `[key:[`): kept when the
    /// policy names it (`named`) or it is an identifier of vocabulary words.
    /// A key no one knows may itself be data (`{"jdoe58": …}`, `{"Anna
    /// Berg": …}`) and becomes a token (or its person's pseudonym), the
    /// punctuation kept.
    fn write_key(&mut self, key: &[u8], named: bool, out: &mut Vec<u8>) {
        if named || vocab::is_identifier_of_words(key) {
            out.extend_from_slice(key);
        } else {
            self.ctx.opaque(key, out);
        }
    }

    /// [`Text::write_key`] for the keys of JSON objects and parameter maps,
    /// which programs write: a key of the shape of a program's identifier
    /// (`ismoodleapp`, `body_bytes_sent`: ASCII letters, `_` and `-`, digits
    /// never two in a row) is kept too, unless it is a roster person's form
    /// ([`Replacer::keep`]); names with spaces or dots, logins with numbers
    /// and ids become tokens.
    fn write_struct_key(&mut self, key: &[u8], named: bool, out: &mut Vec<u8>) {
        let code = key.first().is_some_and(u8::is_ascii_alphabetic)
            && key
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && !key
                .windows(2)
                .any(|w| w[0].is_ascii_digit() && w[1].is_ascii_digit());
        if code && !named {
            self.ctx.keep(key, out);
        } else {
            self.write_key(key, named, out);
        }
    }

    /// The value at `v` of a key no list names: kept when it is a constant
    /// ([`is_constant`]) or a count under a key that names no id
    /// ([`keeps_count`]), else free text.
    fn unknown_after(&mut self, s: &[u8], v: usize, key: &[u8], out: &mut Vec<u8>) -> usize {
        let mut e = v;
        while e < s.len() && !is_delim(s[e]) && s[e] != b'&' && quote_at(s, e).is_none() {
            e += 1;
        }
        let mut vend = e;
        while vend > v && matches!(s[vend - 1], b'.' | b':') {
            vend -= 1;
        }
        let val = &s[v..vend];
        if !val.is_empty() && (is_constant(val) || keeps_count(key, val)) {
            self.ctx.keep(val, out);
            out.extend_from_slice(&s[vend..e]);
            return e;
        }
        self.value_after(s, v, Rule::Text, out)
    }

    /// A value at `v` under `rule`: quoted, bracketed, or up to the next
    /// delimiter (`&` ends it too). Returns where it ends.
    fn value_after(&mut self, s: &[u8], v: usize, rule: Rule, out: &mut Vec<u8>) -> usize {
        if let Some(q) = quote_at(s, v) {
            let cs = v + q.len();
            if let Some(p) = memchr::memmem::find(&s[cs..], q) {
                out.extend_from_slice(q);
                self.value(rule, &s[cs..cs + p], out);
                out.extend_from_slice(q);
                return cs + p + q.len();
            }
        }
        if s.get(v) == Some(&b'[') {
            if let Some(p) = memchr::memchr(b']', &s[v..]) {
                out.push(b'[');
                self.value(rule, &s[v + 1..v + p], out);
                out.push(b']');
                return v + p + 1;
            }
        }
        let mut e = v;
        while e < s.len() && !is_delim(s[e]) && s[e] != b'&' && quote_at(s, e).is_none() {
            e += 1;
        }
        let mut vend = e;
        while vend > v && matches!(s[vend - 1], b'.' | b':') && rule != Rule::Secret {
            vend -= 1;
        }
        self.value(rule, &s[v..vend], out);
        out.extend_from_slice(&s[vend..e]);
        e
    }

    /// A structured value under `rule`.
    fn value(&mut self, rule: Rule, v: &[u8], out: &mut Vec<u8>) {
        match rule {
            Rule::Text => {
                let strict = self.strict;
                Text::new(self.ctx, strict).run(v, out);
            }
            Rule::Url if url::looks_like_url(v) => url::write_url_in_text(self.ctx, v, out),
            Rule::Url => self.ctx.write_value(None, v, 1, out),
            Rule::UserAgent => write_user_agent(self.ctx, v, out),
            r => self.ctx.write_value(Some(r), v, 1, out),
        }
    }

    /// `[key:[v, …], key:[…]]` (a Groovy map's `toMapString`). Returns
    /// where it ends, or `None` when `s[i..]` is not one.
    fn map_dump(&mut self, s: &[u8], i: usize, out: &mut Vec<u8>) -> Option<usize> {
        let k = s[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            .count();
        if k == 0 || s.get(i + 1 + k..i + 3 + k) != Some(b":[") {
            return None;
        }
        let mut j = i + 1;
        out.push(b'[');
        loop {
            let k = s[j..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                .count();
            if k == 0 || s.get(j + k..j + k + 2) != Some(b":[") {
                break;
            }
            let key = &s[j..j + k];
            let vs = j + k + 2;
            let ve = vs + memchr::memchr(b']', &s[vs..])?;
            let rule = self
                .ctx
                .policy
                .structured_rule(key)
                .or_else(|| self.ctx.policy.query_rule(None, key));
            self.write_struct_key(key, rule.is_some(), out);
            out.extend_from_slice(b":[");
            for (n, item) in s[vs..ve].split(|&b| b == b',').enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                let lead = item.iter().take_while(|&&b| b == b' ').count();
                out.extend_from_slice(&item[..lead]);
                match rule {
                    Some(r) => self.value(r, &item[lead..], out),
                    None => self.ctx.write_unknown(key, &item[lead..], 1, out),
                }
            }
            out.push(b']');
            j = ve + 1;
            match s.get(j..j + 2) {
                Some(b", ") => {
                    out.extend_from_slice(b", ");
                    j += 2;
                }
                Some([b']', ..]) => {
                    out.push(b']');
                    return Some(j + 1);
                }
                _ => return Some(j),
            }
        }
        Some(j)
    }

    /// A JSON object at `i`; returns where it ends, or `None` (nothing
    /// written) when it is not one.
    fn json_object(&mut self, s: &[u8], i: usize, out: &mut Vec<u8>) -> Option<usize> {
        let mut k = i + 1;
        while s.get(k) == Some(&b' ') {
            k += 1;
        }
        let q = if s.get(k) == Some(&b'}') {
            b"\"" as &[u8]
        } else {
            quote_at(s, k)?
        };
        let mark = out.len();
        let mut j = Json {
            text: self,
            s,
            q,
            out_mark: mark,
        };
        match j.object(i, None, None, 0, out) {
            Some(end) => Some(end),
            None => {
                out.truncate(mark);
                self.budget = self.budget.saturating_sub(s.len() - i);
                None
            }
        }
    }
}

/// The JSON walker: writes values by their keys' rules, copies the rest.
struct Json<'t, 'c, 'a, 's> {
    text: &'t mut Text<'c, 'a>,
    s: &'s [u8],
    q: &'static [u8],
    out_mark: usize,
}

impl<'s> Json<'_, '_, '_, 's> {
    fn ws(&self, mut i: usize) -> usize {
        while i < self.s.len() && matches!(self.s[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    }

    /// The end of the string whose content starts at `cs`.
    fn string_end(&self, cs: usize) -> Option<usize> {
        let s = self.s;
        if self.q == b"\"" {
            let mut e = cs;
            while e < s.len() {
                match s[e] {
                    b'"' => return Some(e),
                    b'\\' => e += 2,
                    _ => e += 1,
                }
            }
            None
        } else {
            memchr::memmem::find(&s[cs..], self.q).map(|p| cs + p)
        }
    }

    fn object(
        &mut self,
        i: usize,
        parent: Option<Rule>,
        parent_key: Option<&'s [u8]>,
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Option<usize> {
        if depth >= MAX_DEPTH {
            return None;
        }
        out.push(b'{');
        let mut j = self.ws(i + 1);
        out.extend_from_slice(&self.s[i + 1..j]);
        if self.s.get(j) == Some(&b'}') {
            out.push(b'}');
            return Some(j + 1);
        }
        loop {
            if !self.s[j..].starts_with(self.q) {
                return None;
            }
            let ks = j + self.q.len();
            let ke = self.string_end(ks)?;
            let key = &self.s[ks..ke];
            let after = ke + self.q.len();
            let c = self.ws(after);
            if self.s.get(c) != Some(&b':') {
                return None;
            }
            let rule = match parent {
                Some(Rule::Secret) => Some(Rule::Secret),
                _ => self.text.ctx.policy.structured_rule_in(parent_key, key),
            };
            out.extend_from_slice(&self.s[j..ks]);
            self.text.write_struct_key(key, rule.is_some(), out);
            out.extend_from_slice(&self.s[ke..c + 1]);
            let v = self.ws(c + 1);
            out.extend_from_slice(&self.s[c + 1..v]);
            let rule = rule.or(match parent {
                Some(Rule::Identity) => Some(Rule::Identity),
                _ => None,
            });
            let ve = self.value(v, rule, key, depth + 1, out)?;
            match self.after_member(ve, b'}', out)? {
                Ok(next) => j = next,
                Err(end) => return Some(end),
            }
        }
    }

    /// After a member ending at `ve`: white space, then `,` (`Ok` with the
    /// start of the next member) or `close` (`Err` with the end of the
    /// structure); anything else is not this structure.
    fn after_member(
        &mut self,
        ve: usize,
        close: u8,
        out: &mut Vec<u8>,
    ) -> Option<Result<usize, usize>> {
        let n = self.ws(ve);
        out.extend_from_slice(&self.s[ve..n]);
        match *self.s.get(n)? {
            b',' => {
                out.push(b',');
                let j = self.ws(n + 1);
                out.extend_from_slice(&self.s[n + 1..j]);
                Some(Ok(j))
            }
            b if b == close => {
                out.push(close);
                Some(Err(n + 1))
            }
            _ => None,
        }
    }

    fn array(
        &mut self,
        i: usize,
        rule: Option<Rule>,
        key: &'s [u8],
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Option<usize> {
        if depth >= MAX_DEPTH {
            return None;
        }
        out.push(b'[');
        let mut j = self.ws(i + 1);
        out.extend_from_slice(&self.s[i + 1..j]);
        if self.s.get(j) == Some(&b']') {
            out.push(b']');
            return Some(j + 1);
        }
        loop {
            let ve = self.value(j, rule, key, depth + 1, out)?;
            match self.after_member(ve, b']', out)? {
                Ok(next) => j = next,
                Err(end) => return Some(end),
            }
        }
    }

    fn value(
        &mut self,
        i: usize,
        rule: Option<Rule>,
        key: &'s [u8],
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Option<usize> {
        let s = self.s;
        match *s.get(i)? {
            b'{' => self.object(i, rule, Some(key), depth, out),
            b'[' => self.array(i, rule, key, depth, out),
            _ if s[i..].starts_with(self.q) => {
                let cs = i + self.q.len();
                let ce = self.string_end(cs)?;
                out.extend_from_slice(self.q);
                self.string(rule, key, &s[cs..ce], out);
                out.extend_from_slice(self.q);
                Some(ce + self.q.len())
            }
            _ => {
                let mut e = i;
                while e < s.len()
                    && !matches!(s[e], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                {
                    e += 1;
                }
                if e == i {
                    return None;
                }
                self.scalar(rule, key, &s[i..e], out);
                Some(e)
            }
        }
    }

    /// A string's content under `rule`.
    fn string(&mut self, rule: Option<Rule>, key: &[u8], raw: &[u8], out: &mut Vec<u8>) {
        let ctx = &mut *self.text.ctx;
        if raw.is_empty() {
            return;
        }
        match rule {
            Some(Rule::Secret) => out.extend_from_slice(REDACTED),
            Some(Rule::Text) => {
                let strict = self.text.strict;
                Text::new(ctx, strict).run(raw, out);
            }
            Some(Rule::Url) if url::looks_like_url(raw) => url::write_url(ctx, raw, out),
            Some(Rule::UserAgent) => write_user_agent(ctx, raw, out),
            _ => {
                // Decode the JSON (and, inside an escaped field, the log's)
                // escapes for the value's text.
                let mut v = std::mem::take(ctx.buf);
                v.clear();
                if self.q == b"\"" {
                    json_unescape_into(raw, &mut v);
                } else {
                    let mut t = std::mem::take(ctx.buf2);
                    t.clear();
                    log_unescape_into(raw, &mut t);
                    json_unescape_into(&t, &mut v);
                    *ctx.buf2 = t;
                }
                match rule {
                    Some(Rule::Keep) | None if names_no_one(&v) => ctx.keep(raw, out),
                    Some(Rule::Keep) => {
                        let shaped = is_bbb_internal_id(&v)
                            || memchr::memchr(b'@', &v)
                                .and_then(|a| email_any(&v, a))
                                .is_some_and(|(s, e)| s == 0 && e == v.len())
                            || ip::parse_client(&v).is_some_and(|c| c.1 == 0 && c.2 == v.len());
                        if shaped {
                            ctx.identity(&v, out);
                        } else {
                            ctx.keep(raw, out);
                        }
                    }
                    Some(Rule::Identity) if names_no_one(&v) => ctx.keep(raw, out),
                    Some(Rule::Identity) => ctx.identity(&v, out),
                    Some(Rule::Email) => {
                        v.make_ascii_lowercase();
                        ctx.token(Namespace::Email, &v, out);
                    }
                    Some(Rule::Opaque) if super::rules::is_trivial(&v) => ctx.keep(raw, out),
                    Some(Rule::Opaque) => ctx.opaque(&v, out),
                    _ if is_constant(&v) || keeps_count(key, &v) => ctx.write_kept(raw, &v, out),
                    _ => ctx.opaque(&v, out),
                }
                *ctx.buf = v;
            }
        }
        let _ = self.out_mark;
    }

    /// A number, `true`, `false` or `null` under `rule`.
    fn scalar(&mut self, rule: Option<Rule>, key: &[u8], v: &[u8], out: &mut Vec<u8>) {
        let ctx = &mut *self.text.ctx;
        let number = v
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
        match rule {
            _ if matches!(v, b"true" | b"false" | b"null") => out.extend_from_slice(v),
            Some(Rule::Secret) => {
                out.extend_from_slice(self.q);
                out.extend_from_slice(REDACTED);
                out.extend_from_slice(self.q);
            }
            Some(Rule::Identity) if v.iter().all(u8::is_ascii_digit) => {
                let mark = out.len();
                ctx.identity(v, out);
                if !out[mark..].iter().all(u8::is_ascii_digit) {
                    out.insert(mark, b'"');
                    out.push(b'"');
                }
            }
            Some(Rule::Keep) if number => ctx.keep(v, out),
            None if number && (keeps_count(key, v) || is_time_value(v)) => ctx.keep(v, out),
            _ => {
                out.extend_from_slice(self.q);
                ctx.opaque(v, out);
                out.extend_from_slice(self.q);
            }
        }
    }
}

/// Digits with separators and no letters: times (`08:01:12.123`), dates
/// (`2026-11-24`), versions (`1.2.3`), decimals, sizes.
fn is_numeric(w: &[u8]) -> bool {
    w.iter().any(u8::is_ascii_digit)
        && w.iter().all(|b| {
            b.is_ascii_digit() || matches!(b, b'.' | b':' | b'-' | b'+' | b'/' | b',' | b'#')
        })
        && !w.iter().all(u8::is_ascii_digit)
        && w.iter().filter(|b| b.is_ascii_digit()).count() <= 20
        && !has_long_digit_run(w)
}

/// A run of more than four digits outside a date or time: an id.
fn has_long_digit_run(w: &[u8]) -> bool {
    let mut run = 0;
    for &b in w {
        if b.is_ascii_digit() {
            run += 1;
            if run > 4 && !(run == 6 || run == 9) {
                // fractions of seconds have 3, 6 or 9 digits after a dot
            }
        } else {
            run = 0;
        }
    }
    w.split(|b| !b.is_ascii_digit())
        .any(|r| r.len() > 4 && !matches!(r.len(), 6 | 9))
}

/// `Anna`, `Wüstenhagen`: an uppercase ASCII letter, then lowercase letters
/// (or any non-ASCII bytes, the letters of other scripts).
fn is_capitalized(w: &[u8]) -> bool {
    w.len() >= 2
        && w[0].is_ascii_uppercase()
        && w[1..]
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b >= 0x80 || b == b'\'')
}

/// The length of an ANSI colour sequence at the start of `s`, written raw
/// (`ESC[32m`) or as rsyslog escapes control bytes (`#033[32m`).
fn ansi_sequence(s: &[u8]) -> Option<usize> {
    let lead = if s.first() == Some(&0x1b) {
        1
    } else if s.starts_with(b"#033") {
        4
    } else {
        return None;
    };
    if s.get(lead) != Some(&b'[') {
        return None;
    }
    let body = s[lead + 1..]
        .iter()
        .take(16)
        .take_while(|b| b.is_ascii_digit() || **b == b';')
        .count();
    let fin = *s.get(lead + 1 + body)?;
    fin.is_ascii_alphabetic().then_some(lead + 2 + body)
}

/// Where a `:line` (or `:line:column`) suffix starts in a word that names a
/// file (`text.php:357`, `mod_dialplan_xml.c:639`, `Foo.java:42:7`).
fn line_number_suffix(w: &[u8]) -> Option<usize> {
    let mut end = w.len();
    let mut found = None;
    for _ in 0..2 {
        let Some(c) = memchr::memrchr(b':', &w[..end]) else {
            break;
        };
        let n = &w[c + 1..end];
        if n.is_empty() || n.len() > 6 || !n.iter().all(u8::is_ascii_digit) {
            break;
        }
        found = Some(c);
        end = c;
    }
    let c = found?;
    has_extension_before(&w[..c]).then_some(c)
}

/// Does `s` end with a file name's extension (`.php`, `.c`, `.java`: a dot,
/// then one to five letters after a name)?
fn has_extension_before(s: &[u8]) -> bool {
    let ext = s
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    (1..=5).contains(&ext)
        && s.len() > ext + 1
        && s[s.len() - ext - 1] == b'.'
        && s[s.len() - ext - 2].is_ascii_alphanumeric()
}

/// Where a meeting id that ends `w` starts, when something comes before it.
fn meeting_id_suffix(w: &[u8]) -> Option<usize> {
    if w.len() < 43 {
        return None;
    }
    memchr::memchr_iter(b'-', w)
        .take(4)
        .filter_map(|d| d.checked_sub(40))
        .find(|&p| p > 0 && names_no_one(&w[p..]))
}

/// A FreeSWITCH conference and its profile (`71234@cdquality`: the voice
/// bridge number of a meeting, `@` and a profile name of words).
fn is_conference(w: &[u8]) -> bool {
    let Some(at) = memchr::memchr(b'@', w) else {
        return false;
    };
    let (n, profile) = (&w[..at], &w[at + 1..]);
    (1..=9).contains(&n.len())
        && n.iter().all(u8::is_ascii_digit)
        && !profile.contains(&b'.')
        && vocab::is_identifier_of_words(profile)
}

/// Apache httpd's message numbers (`AH01071`, the `APLOGNO` of every
/// message of the server and its modules).
fn is_apache_message_number(w: &[u8]) -> bool {
    w.len() == 7 && w.starts_with(b"AH") && w[2..].iter().all(u8::is_ascii_digit)
}

/// A token without the `=` padding of base64.
fn trim_padding(w: &[u8]) -> &[u8] {
    let n = w.iter().rev().take_while(|&&b| b == b'=').count().min(2);
    &w[..w.len() - n]
}

fn trim_end(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    &s[..s.len() - n]
}

#[cfg(test)]
mod tests;
