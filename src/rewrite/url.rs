//! URLs: a request target, a referer, a URL in a message or inside another
//! URL's parameter, rewritten by the value policy.
//!
//! ```text
//! [scheme://[user[:password]@]host[:port]] /seg/ments/script.php/path/info ?key=value&… #fragment
//! ```
//!
//! - the host is kept (an address is truncated); user and password of the
//!   authority become a pseudonym and `REDACTED`;
//! - path segments up to the script are kept when they are lowercase
//!   identifiers or words (the site's and Moodle's directories), numbers of
//!   up to three digits, meeting ids; a token-shaped segment (sixteen or
//!   more letters and digits) is `REDACTED`, anything else an opaque token;
//! - the path after a file-serving script follows that script's grammar
//!   (`pluginfile.php/<context>/<component>/<area>/<item>/…/<file>`, where
//!   the context and item ids are kept, except for the `user` component,
//!   whose context and items are one person's;
//!   `tokenpluginfile.php/<token>/…`, `user/pix.php/<user id>/…`, theme and
//!   JavaScript assets); a file name keeps its extension and its stem when
//!   the stem is made of words;
//! - every query value follows its key's rule in [`Policy`](super::policy::Policy) (per script,
//!   then for any script); values of URL keys are URLs themselves, written
//!   percent-encoded one level down, and rewritten the same way;
//! - the fragment is kept when it is an identifier of words.
//!
//! Every byte that is not a replaced value is copied as it is, so the
//! output is still the URL it was, with other values.

use super::policy::{Rule, Script};
use super::replace::{decode_value, Replacer};
use super::rules::{is_bbb_internal_id, names_no_one, REDACTED};
use super::vocab;
use crate::ip;
use crate::pseudonym::Namespace;

/// How delimiters are written at a nesting level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// As themselves: `/ ? & = #`.
    Raw,
    /// Percent-encoded inside a parameter value: `%2F %3F %26 %3D %23`
    /// (a raw `/` is a separator too).
    Encoded,
}

/// A URL delimiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delim {
    Slash,
    Query,
    Amp,
    Eq,
    Hash,
}

impl Level {
    /// The delimiter at `s[i..]`, and its length.
    #[inline]
    fn delim(self, s: &[u8], i: usize) -> Option<(Delim, usize)> {
        let b = s[i];
        match self {
            Level::Raw => match b {
                b'/' => Some((Delim::Slash, 1)),
                b'?' => Some((Delim::Query, 1)),
                b'&' => Some((Delim::Amp, 1)),
                b'=' => Some((Delim::Eq, 1)),
                b'#' => Some((Delim::Hash, 1)),
                _ => None,
            },
            Level::Encoded => {
                if b == b'/' {
                    return Some((Delim::Slash, 1));
                }
                if b != b'%' || i + 2 >= s.len() {
                    return None;
                }
                let d = match (s[i + 1], s[i + 2].to_ascii_uppercase()) {
                    (b'2', b'F') => Delim::Slash,
                    (b'3', b'F') => Delim::Query,
                    (b'2', b'6') => Delim::Amp,
                    (b'3', b'D') => Delim::Eq,
                    (b'2', b'3') => Delim::Hash,
                    _ => return None,
                };
                Some((d, 3))
            }
        }
    }

    /// How many percent-decodings give a value's text at this level.
    fn depth(self) -> u8 {
        match self {
            Level::Raw => 1,
            Level::Encoded => 2,
        }
    }

    /// The length of a `scheme://` at the start of `s`.
    #[inline]
    fn scheme(self, s: &[u8]) -> Option<usize> {
        // `scheme:` or `scheme%3A` within the first seventeen bytes.
        let head = &s[..s.len().min(17)];
        if !s.first().is_some_and(u8::is_ascii_alphabetic)
            || !head.iter().any(|&b| b == b':' || b == b'%')
        {
            return None;
        }
        self.scheme_slow(s)
    }

    fn scheme_slow(self, s: &[u8]) -> Option<usize> {
        let n = s
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
            .count();
        if n == 0 || n > 16 || !s[0].is_ascii_alphabetic() {
            return None;
        }
        let rest = &s[n..];
        let sep: &[&[u8]] = match self {
            Level::Raw => &[b"://"],
            Level::Encoded => &[b"%3A%2F%2F", b"%3a%2f%2f", b"://"],
        };
        sep.iter()
            .find(|p| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p))
            .map(|p| n + p.len())
    }
}

/// Does `s` look like a URL (with a scheme, or a path), raw or
/// percent-encoded?
pub fn looks_like_url(s: &[u8]) -> bool {
    s.first() == Some(&b'/')
        || Level::Raw.scheme(s).is_some()
        || Level::Encoded.scheme(s).is_some()
        || (s.len() > 3 && s[..3].eq_ignore_ascii_case(b"%2F"))
}

/// Rewrites the URL `s` (as written in the log) into `out`.
pub fn write_url(ctx: &mut Replacer<'_>, s: &[u8], out: &mut Vec<u8>) {
    write_at(ctx, s, Level::Raw, true, out);
}

/// Rewrites a URL or a file path found in free text: like [`write_url`],
/// but the directories of a path are kept only when they are words (a
/// home directory is named after its user).
pub fn write_url_in_text(ctx: &mut Replacer<'_>, s: &[u8], out: &mut Vec<u8>) {
    let site = Level::Raw.scheme(s).is_some();
    write_at(ctx, s, Level::Raw, site, out);
}

/// Rewrites an OAuth 1.0 signature base string (RFC 5849 §3.4.1.1):
/// `METHOD&<percent-encoded URL>&<percent-encoded, sorted parameters>`, as
/// LTI 1.1 tools log it. The URL and the parameters follow the URL rules,
/// one encoding level down. Returns `false` (nothing written) when `s` is
/// not one.
pub fn write_oauth_base_string(ctx: &mut Replacer<'_>, s: &[u8], out: &mut Vec<u8>) -> bool {
    const METHODS: [&[u8]; 6] = [b"GET", b"POST", b"PUT", b"DELETE", b"HEAD", b"PATCH"];
    let Some(a) = memchr::memchr(b'&', s) else {
        return false;
    };
    let Some(b) = memchr::memchr(b'&', &s[a + 1..]).map(|p| a + 1 + p) else {
        return false;
    };
    let url = &s[a + 1..b];
    if !METHODS.contains(&&s[..a])
        || Level::Encoded.scheme(url).is_none()
        || s[b + 1..].contains(&b'&')
    {
        return false;
    }
    out.extend_from_slice(&s[..=a]);
    write_at(ctx, url, Level::Encoded, true, out);
    out.push(b'&');
    write_query(ctx, None, &s[b + 1..], Level::Encoded, out);
    true
}

/// The first delimiter at or after `from` that is one of `stop`.
fn find(s: &[u8], from: usize, level: Level, stop: &[Delim]) -> Option<(usize, usize)> {
    if level == Level::Raw {
        let byte = |d: &Delim| match d {
            Delim::Slash => b'/',
            Delim::Query => b'?',
            Delim::Amp => b'&',
            Delim::Eq => b'=',
            Delim::Hash => b'#',
        };
        let hay = s.get(from..)?;
        let p = match stop {
            [a] => memchr::memchr(byte(a), hay),
            [a, b] => memchr::memchr2(byte(a), byte(b), hay),
            [a, b, c] => memchr::memchr3(byte(a), byte(b), byte(c), hay),
            _ => hay.iter().position(|x| stop.iter().any(|d| byte(d) == *x)),
        };
        return p.map(|p| (from + p, 1));
    }
    let mut i = from;
    while i < s.len() {
        if let Some((d, n)) = level.delim(s, i) {
            if stop.contains(&d) {
                return Some((i, n));
            }
            i += n;
        } else {
            i += 1;
        }
    }
    None
}

/// `site`: the path is a web site's (its directories up to the script are
/// kept when they are lowercase identifiers), not a path found in text.
fn write_at(ctx: &mut Replacer<'_>, s: &[u8], level: Level, site: bool, out: &mut Vec<u8>) {
    let mut i = 0;
    if let Some(n) = level.scheme(s) {
        out.extend_from_slice(&s[..n]);
        let end = find(s, n, level, &[Delim::Slash, Delim::Query, Delim::Hash])
            .map_or(s.len(), |(p, _)| p);
        write_authority(ctx, &s[n..end], level, out);
        i = end;
    }
    let path_end = find(s, i, level, &[Delim::Query, Delim::Hash]).map_or(s.len(), |(p, _)| p);
    let script = if level == Level::Raw && site {
        // A site's paths repeat from line to line: written once.
        let policy = ctx.policy;
        let found = ctx.once_with(4, &s[i..path_end], out, |ctx, path, out| {
            write_path(ctx, path, level, site, out).map_or(0, |sc| sc.id + 1)
        });
        found.checked_sub(1).and_then(|id| policy.script_by_id(id))
    } else {
        write_path(ctx, &s[i..path_end], level, site, out)
    };
    i = path_end;
    if i < s.len() {
        let (d, n) = level.delim(s, i).expect("found above");
        out.extend_from_slice(&s[i..i + n]);
        i += n;
        if d == Delim::Query {
            let q_end = find(s, i, level, &[Delim::Hash]).map_or(s.len(), |(p, _)| p);
            write_query(ctx, script, &s[i..q_end], level, out);
            i = q_end;
            if i < s.len() {
                let (_, n) = level.delim(s, i).expect("found above");
                out.extend_from_slice(&s[i..i + n]);
                i += n;
            }
        }
        write_fragment(ctx, &s[i..], level, out);
    }
}

/// `[user[:password]@]host[:port]`.
fn write_authority(ctx: &mut Replacer<'_>, a: &[u8], level: Level, out: &mut Vec<u8>) {
    let (user_info, host) = match memchr::memrchr(b'@', a) {
        Some(p) => (Some(&a[..p]), &a[p + 1..]),
        None => match find_encoded_at(a) {
            Some((p, n)) if level == Level::Encoded => (Some(&a[..p]), &a[p + n..]),
            _ => (None, a),
        },
    };
    if let Some(ui) = user_info {
        match memchr::memchr(b':', ui) {
            Some(c) => {
                ctx.write_value(Some(Rule::Identity), &ui[..c], level.depth(), out);
                out.push(b':');
                ctx.write_value(Some(Rule::Secret), &ui[c + 1..], level.depth(), out);
            }
            None => ctx.write_value(Some(Rule::Identity), ui, level.depth(), out),
        }
        out.extend_from_slice(&a[ui.len()..a.len() - host.len()]);
    }
    match ip::parse_client(host) {
        Some((addr, s, e)) => {
            out.extend_from_slice(&host[..s]);
            ctx.write_addr(addr, out);
            out.extend_from_slice(&host[e..]);
        }
        None => out.extend_from_slice(host),
    }
}

fn find_encoded_at(a: &[u8]) -> Option<(usize, usize)> {
    memchr::memmem::rfind(a, b"%40").map(|p| (p, 3))
}

/// What a path segment is, by its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg {
    /// A directory or script of the site: lowercase identifiers kept.
    Site,
    /// A path after a script or without one: words kept.
    Words,
    /// A theme or JavaScript asset path: words and revision numbers kept.
    Asset,
    /// A number kept as it is (a context id).
    Number,
    /// A Moodle component or file area.
    Component,
    /// The last segment of a file path.
    File,
    /// A user id.
    UserId,
    /// A secret.
    Secret,
}

/// Scripts whose path after the script is a stored file's.
const FILE_SCRIPTS: [&[u8]; 4] = [
    b"pluginfile.php",
    b"draftfile.php",
    b"tokenpluginfile.php",
    b"brokenfile.php",
];

/// Scripts whose path after the script names theme or JavaScript assets.
const ASSET_SCRIPTS: [&[u8]; 9] = [
    b"image.php",
    b"styles.php",
    b"styles_debug.php",
    b"font.php",
    b"yui_combo.php",
    b"yui_image.php",
    b"javascript.php",
    b"requirejs.php",
    b"jquery.php",
];

/// Rewrites a path; returns the rules of its script.
fn write_path<'p>(
    ctx: &mut Replacer<'p>,
    path: &[u8],
    level: Level,
    site: bool,
    out: &mut Vec<u8>,
) -> Option<&'p Script> {
    let mut ranges = std::mem::take(&mut ctx.record.ranges);
    ranges.clear();
    let mut i = 0;
    let mut start = 0;
    while i < path.len() {
        match level.delim(path, i) {
            Some((Delim::Slash, n)) => {
                ranges.push(start..i);
                i += n;
                start = i;
            }
            _ => i += 1,
        }
    }
    ranges.push(start..path.len());
    let segs = |k: usize| &path[ranges[k].clone()];
    let script_at = (0..ranges.len()).find(|&k| {
        let s = segs(k);
        s.len() > 4 && s[s.len() - 4..].eq_ignore_ascii_case(b".php")
    });
    let script_end = script_at.map_or(ranges.len(), |k| k + 1);
    let policy = ctx.policy;
    let script = {
        let mut v: [&[u8]; 12] = [b""; 12];
        let from = script_end.saturating_sub(12);
        let mut n = 0;
        for k in from..script_end {
            if !segs(k).is_empty() {
                v[n] = segs(k);
                n += 1;
            }
        }
        policy.script(&v[..n])
    };
    let shape = PathShape::new(&ranges, path, script_at, site);
    let mut pos = 0;
    for (k, r) in ranges.iter().enumerate() {
        let r = r.clone();
        out.extend_from_slice(&path[pos..r.start]);
        pos = r.end;
        let seg = &path[r];
        if seg.is_empty() {
            continue;
        }
        let kind = shape.kind(k, seg);
        write_segment(ctx, seg, kind, level, out);
    }
    out.extend_from_slice(&path[pos..]);
    ctx.record.ranges = ranges;
    script
}

/// What a path's script says about the segments after it.
struct PathShape {
    script_at: Option<usize>,
    last: usize,
    site: bool,
    is_file: bool,
    is_token_file: bool,
    is_asset: bool,
    is_pix: bool,
    /// A user's files (`/<user context>/user/icon|draft|private/<item>/`):
    /// the context and the item belong to one person.
    user_files: bool,
}

impl PathShape {
    fn new(
        ranges: &[std::ops::Range<usize>],
        path: &[u8],
        script_at: Option<usize>,
        site: bool,
    ) -> Self {
        let segs = |k: usize| &path[ranges[k].clone()];
        let script_name = script_at.map(segs).unwrap_or_default();
        let is_file = FILE_SCRIPTS
            .iter()
            .any(|f| f.eq_ignore_ascii_case(script_name));
        let is_token_file = script_name.eq_ignore_ascii_case(b"tokenpluginfile.php");
        let user_files = is_file
            && script_at.is_some_and(|k| {
                let c = k + if is_token_file { 3 } else { 2 };
                c < ranges.len() && segs(c).eq_ignore_ascii_case(b"user")
            });
        PathShape {
            script_at,
            last: ranges.len() - 1,
            site,
            is_file,
            is_token_file,
            is_asset: ASSET_SCRIPTS
                .iter()
                .any(|f| f.eq_ignore_ascii_case(script_name)),
            is_pix: script_name.eq_ignore_ascii_case(b"pix.php")
                && script_at.is_some_and(|k| k > 0 && segs(k - 1).eq_ignore_ascii_case(b"user")),
            user_files,
        }
    }

    /// The kind of segment `k`, `seg`.
    fn kind(&self, k: usize, seg: &[u8]) -> Seg {
        match self.script_at {
            Some(s) if k <= s && self.site => Seg::Site,
            Some(s) if k < s => Seg::Words,
            Some(s) if k == s => Seg::File,
            None if k == self.last && has_extension(seg) => Seg::File,
            None => Seg::Words,
            Some(s) => {
                let n = k - s; // 1-based position after the script
                let info = if self.is_token_file {
                    n.saturating_sub(1)
                } else {
                    n
                };
                let file = self.is_file;
                match () {
                    _ if self.is_token_file && n == 1 => Seg::Secret,
                    _ if self.is_pix && n == 1 => Seg::UserId,
                    _ if self.is_asset => Seg::Asset,
                    _ if self.user_files && (info == 1 || info == 4) => Seg::Words,
                    _ if file && info == 1 => Seg::Number,
                    _ if file && (info == 2 || info == 3) => Seg::Component,
                    // The item id of a file area: a post, a submission, a
                    // revision; not a person.
                    _ if file && info == 4 && seg.iter().all(u8::is_ascii_digit) => Seg::Number,
                    _ if k == self.last && has_extension(seg) => Seg::File,
                    _ => Seg::Words,
                }
            }
        }
    }
}

fn has_extension(seg: &[u8]) -> bool {
    memchr::memrchr(b'.', seg).is_some_and(|d| d > 0 && d + 1 < seg.len())
}

/// A lowercase identifier of a site's path: `[a-z0-9][a-z0-9_.-]*`, with a
/// letter, no run of more than three digits, not token-shaped.
fn is_site_word(s: &[u8]) -> bool {
    s.len() <= 64
        && s[0].is_ascii_alphanumeric()
        && s.iter().any(u8::is_ascii_lowercase)
        && s.iter().all(|&b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
        })
        && longest_digit_run(s) <= 3
}

fn longest_digit_run(s: &[u8]) -> usize {
    let (mut best, mut run) = (0, 0);
    for &b in s {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// Sixteen or more letters and digits (and `-_`), with both letters and
/// digits, or hexadecimal: a token, key or checksum.
pub fn is_token_shaped(s: &[u8]) -> bool {
    s.len() >= 16
        && s.iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        && s.iter().any(u8::is_ascii_digit)
        && (s.iter().any(u8::is_ascii_alphabetic) || s.len() >= 24)
}

/// Writes one path segment by its kind.
fn write_segment(ctx: &mut Replacer<'_>, seg: &[u8], kind: Seg, level: Level, out: &mut Vec<u8>) {
    let plain = !seg
        .iter()
        .any(|&b| b == b'%' || b == b'\\' || b == b'+' || b >= 0x80);
    let digits = seg.iter().all(u8::is_ascii_digit);
    match kind {
        Seg::Secret => return out.extend_from_slice(REDACTED),
        Seg::UserId => return ctx.write_value(Some(Rule::Identity), seg, level.depth(), out),
        Seg::Number if digits => return ctx.keep(seg, out),
        Seg::Component if plain && is_component(seg) => return ctx.keep(seg, out),
        Seg::Asset
            if plain && (digits || is_site_word(seg) || vocab::is_identifier_of_words(seg)) =>
        {
            return ctx.keep(seg, out)
        }
        _ => {}
    }
    if plain {
        if digits && seg.len() <= 3 {
            return ctx.keep(seg, out);
        }
        if names_no_one(seg) {
            return ctx.keep(seg, out);
        }
        if is_bbb_internal_id(seg) {
            return ctx.token(Namespace::BbbUser, seg, out);
        }
        if is_token_shaped(seg) {
            return out.extend_from_slice(REDACTED);
        }
        match kind {
            Seg::Site if is_site_word(seg) || vocab::is_identifier_of_words(seg) => {
                return ctx.keep(seg, out)
            }
            Seg::Words | Seg::Asset | Seg::Component | Seg::Number
                if vocab::is_word(seg) || vocab::is_identifier_of_words(seg) =>
            {
                return ctx.keep(seg, out)
            }
            Seg::File => return write_file_name(ctx, seg, level, out),
            _ => {}
        }
    } else if kind == Seg::File {
        return write_file_name(ctx, seg, level, out);
    }
    ctx.write_value(None, seg, level.depth(), out);
}

/// A Moodle component or file area: `[a-z][a-z0-9_]*`.
fn is_component(s: &[u8]) -> bool {
    s.len() <= 64
        && s[0].is_ascii_lowercase()
        && s.iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// `stem.ext`: the extension is kept when it is short and alphanumeric, the
/// stem when it is made of words; otherwise the stem becomes an opaque token
/// (a stored file's name can name its author).
fn write_file_name(ctx: &mut Replacer<'_>, seg: &[u8], level: Level, out: &mut Vec<u8>) {
    let dot = memchr::memrchr(b'.', seg).unwrap_or(seg.len());
    let (stem, ext) = seg.split_at(dot);
    let ext_ok = ext.len() <= 9 && ext[1..].iter().all(u8::is_ascii_alphanumeric);
    let plain = !stem.iter().any(|&b| b == b'%' || b == b'\\' || b >= 0x80);
    if plain
        && (vocab::is_identifier_of_words(stem)
            || (stem.len() <= 3 && stem.iter().all(u8::is_ascii_alphanumeric)))
    {
        ctx.keep(seg, out);
        return;
    }
    if ext_ok {
        ctx.write_value(None, stem, level.depth(), out);
        out.extend_from_slice(ext);
    } else {
        ctx.write_value(None, seg, level.depth(), out);
    }
}

/// The names a key's rule is looked up by: the outer name and the
/// innermost name of `a[0][b]` (`a`, `b`: the rule of `a.b`, then of `b`),
/// or `a` alone for `a` and `a[0]`.
fn rule_name(key: &[u8]) -> (Option<&[u8]>, &[u8]) {
    let Some(open) = memchr::memchr(b'[', key) else {
        return (None, key);
    };
    let outer = &key[..open];
    let mut name = outer;
    let mut i = open;
    while i < key.len() && key[i] == b'[' {
        let Some(close) = memchr::memchr(b']', &key[i..]) else {
            break;
        };
        let inner = &key[i + 1..i + close];
        if !inner.is_empty() && !inner.iter().all(u8::is_ascii_digit) {
            name = inner;
        }
        i += close + 1;
    }
    if std::ptr::eq(name, outer) {
        (None, name)
    } else {
        (Some(outer), name)
    }
}

/// Is `k` the shape of a parameter name (letters, digits, `_ - . [ ]`, an
/// encoded bracket)?
fn is_key_shaped(k: &[u8]) -> bool {
    !k.is_empty()
        && k.len() <= 96
        && k.iter().all(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']' | b'%' | b':')
        })
}

fn write_query(
    ctx: &mut Replacer<'_>,
    script: Option<&Script>,
    q: &[u8],
    level: Level,
    out: &mut Vec<u8>,
) {
    let mut i = 0;
    while i <= q.len() {
        let end = find(q, i, level, &[Delim::Amp]);
        let item_end = end.map_or(q.len(), |(p, _)| p);
        let mut item = &q[i..item_end];
        // `&amp;` of a URL copied out of HTML.
        if level == Level::Raw && item.len() >= 4 && item[..4].eq_ignore_ascii_case(b"amp;") {
            out.extend_from_slice(&item[..4]);
            item = &item[4..];
        }
        write_item(ctx, script, item, level, out);
        match end {
            Some((p, n)) => {
                out.extend_from_slice(&q[p..p + n]);
                i = p + n;
            }
            None => break,
        }
    }
}

fn write_item(
    ctx: &mut Replacer<'_>,
    script: Option<&Script>,
    item: &[u8],
    level: Level,
    out: &mut Vec<u8>,
) {
    if item.is_empty() {
        return;
    }
    let Some((eq, n)) = find(item, 0, level, &[Delim::Eq]) else {
        // A bare item (`?4711`, a yui_combo file list): like a path.
        if item.contains(&b'/') {
            write_path(ctx, item, level, true, out);
        } else {
            write_segment(ctx, item, Seg::Words, level, out);
        }
        return;
    };
    let key = &item[..eq];
    let value = &item[eq + n..];
    if is_key_shaped(key) {
        out.extend_from_slice(key);
    } else {
        ctx.write_value(None, key, level.depth(), out);
    }
    out.extend_from_slice(&item[eq..eq + n]);
    let mut name = std::mem::take(ctx.buf2);
    let plain = !key.iter().any(|&b| matches!(b, b'%' | b'+' | b'\\'));
    if plain {
        name.clear();
        name.extend_from_slice(key);
    } else {
        decode_value(key, level.depth(), &mut name, ctx.buf);
    }
    let (outer, inner) = rule_name(&name);
    let rule = ctx.policy.query_rule_in(script, outer, inner);
    // The key's name (for the id-like test of an unknown key's value).
    let mut kbuf = [0u8; 32];
    let kn = inner.len().min(32);
    kbuf[..kn].copy_from_slice(&inner[..kn]);
    *ctx.buf2 = name;
    match rule {
        Some(Rule::Url) if level == Level::Raw && looks_like_url(value) => {
            let nested = if value.contains(&b'%') && !value.contains(&b'?') {
                Level::Encoded
            } else {
                Level::Raw
            };
            write_at(ctx, value, nested, true, out);
        }
        Some(Rule::Url) | Some(Rule::Text) => {
            // A word (`returnto=profile`) names a page, not a person.
            let plain = !value.iter().any(|&b| b == b'%' || b == b'\\' || b == b'+');
            if plain && vocab::is_identifier_of_words(value) {
                ctx.keep(value, out);
            } else {
                ctx.write_value(None, value, level.depth(), out);
            }
        }
        None => ctx.write_unknown(&kbuf[..kn], value, level.depth(), out),
        r => ctx.write_value(r, value, level.depth(), out),
    }
}

fn write_fragment(ctx: &mut Replacer<'_>, f: &[u8], level: Level, out: &mut Vec<u8>) {
    if f.is_empty() {
        return;
    }
    if vocab::is_identifier_of_words(f) || (f.len() <= 3 && f.iter().all(u8::is_ascii_alphanumeric))
    {
        ctx.keep(f, out);
    } else {
        ctx.write_value(None, f, level.depth(), out);
    }
}

#[cfg(test)]
mod tests;
