//! The roster: the real people of a site (a CSV export of Moodle's `user`
//! table), so that every form of every identity is recognised wherever it
//! stands and replaced by that person's pseudonym — the pseudonym of their
//! Moodle user id, the same in every log.
//!
//! Forms of a person: username, e-mail address, idnumber (the student
//! number), `First Last`, `Last First`, `Last, First`, with the middle and
//! alternate names where the export has them. Matching is case- and
//! accent-insensitive (`Wüstenhagen`, `WUSTENHAGEN`, `Wuestenhagen`); the
//! rewriter decodes `%`-encoding, `+` and log escapes before it looks a value
//! up, and free text is searched for every form at once with an
//! Aho–Corasick automaton.
//!
//! The roster is personal data: its file must be readable by its owner only
//! (like a key file), it is held in memory only, and nothing of it is ever
//! printed; errors name the file, the row and the column, never a value.

use std::collections::HashMap;
use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::error::{Error, ErrorKind};

/// The known people.
pub struct Roster {
    /// Folded form → index into `ids` (`u32::MAX`: two people share it),
    /// and whether the form is a common word (a login name such as `admin`
    /// or `guest`, a vocabulary word: see [`Roster::lookup_uncommon`]).
    forms: HashMap<Vec<u8>, (u32, bool), foldhash::fast::RandomState>,
    /// User ids, as digits.
    ids: Vec<Vec<u8>>,
    /// Every form as written (and folded) for free text, and the person of
    /// each pattern.
    search: Option<AhoCorasick>,
    pattern_person: Vec<u32>,
    /// How many people.
    people: usize,
}

impl std::fmt::Debug for Roster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Roster({} people)", self.people)
    }
}

const AMBIGUOUS: u32 = u32::MAX;

/// One person as read from a roster.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Person {
    /// Moodle's user id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
    /// Middle name.
    pub middlename: String,
    /// Alternate name.
    pub alternatename: String,
    /// E-mail address.
    pub email: String,
    /// The site's id number (student number).
    pub idnumber: String,
}

impl Person {
    /// Every form of this person, as written.
    fn forms(&self) -> Vec<String> {
        let mut f = Vec::new();
        let (first, last) = (self.firstname.trim(), self.lastname.trim());
        for v in [&self.username, &self.email, &self.idnumber] {
            let v = v.trim();
            if v.len() >= 3 {
                f.push(v.to_string());
            }
        }
        if !first.is_empty() && !last.is_empty() {
            f.push(format!("{first} {last}"));
            f.push(format!("{last} {first}"));
            f.push(format!("{last}, {first}"));
            let mid = self.middlename.trim();
            if !mid.is_empty() {
                f.push(format!("{first} {mid} {last}"));
            }
            let alt = self.alternatename.trim();
            if !alt.is_empty() {
                f.push(format!("{alt} {last}"));
            }
        }
        f
    }
}

/// Appends the folded form of `v`: ASCII lowercase, Latin letters without
/// their accents (`ü` → `u`, `ß` → `ss`, `ł` → `l`), or with `german`
/// their German spelling (`ü` → `ue`), white space collapsed to one space.
pub fn fold_into(v: &[u8], german: bool, out: &mut Vec<u8>) {
    let text = String::from_utf8_lossy(v);
    let mut space = false;
    for c in text.trim().chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push(b' ');
            space = false;
        }
        let lower: char = c.to_lowercase().next().unwrap_or(c);
        match fold_char(lower, german) {
            Some(s) => out.extend_from_slice(s.as_bytes()),
            None => {
                let mut b = [0u8; 4];
                out.extend_from_slice(lower.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

fn fold_char(c: char, german: bool) -> Option<&'static str> {
    Some(match c {
        'ä' if german => "ae",
        'ö' if german => "oe",
        'ü' if german => "ue",
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

impl Roster {
    /// A roster of `people`.
    pub fn new(people: &[Person]) -> Roster {
        let mut forms: HashMap<Vec<u8>, (u32, bool), foldhash::fast::RandomState> =
            HashMap::default();
        let mut ids = Vec::with_capacity(people.len());
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_person = Vec::new();
        let mut seen_pattern: HashMap<String, usize, foldhash::fast::RandomState> =
            HashMap::default();
        for p in people {
            let id = p.id.trim();
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let n = ids.len() as u32;
            ids.push(id.as_bytes().to_vec());
            for f in p.forms() {
                // An ASCII form folds the same both ways.
                for german in [false, true] {
                    if german && f.is_ascii() {
                        break;
                    }
                    let mut k = Vec::new();
                    fold_into(f.as_bytes(), german, &mut k);
                    // A one-word form that is a word of the vocabulary
                    // (`admin`, `teacher`) is matched only where a person
                    // stands, never in free text or paths.
                    let common = !k.contains(&b' ') && super::vocab::is_identifier_of_words(&k);
                    let e = forms.entry(k.clone()).or_insert((n, common));
                    if e.0 != n {
                        e.0 = AMBIGUOUS;
                    }
                    // One-word forms (logins, addresses, student numbers)
                    // are found word by word (`find_in`, and the rewriter's
                    // own lookups); the automaton holds the names of
                    // several words. ASCII case is the automaton's.
                    if common || !k.contains(&b' ') {
                        continue;
                    }
                    let written = String::from_utf8(k).unwrap_or_default();
                    for pat in [f.to_lowercase(), written] {
                        match seen_pattern.get(&pat) {
                            Some(&i) => {
                                if pattern_person[i] != n {
                                    pattern_person[i] = AMBIGUOUS;
                                }
                            }
                            None => {
                                seen_pattern.insert(pat.clone(), patterns.len());
                                patterns.push(pat);
                                pattern_person.push(n);
                            }
                        }
                    }
                }
            }
        }
        let search = (!patterns.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .expect("roster patterns build")
        });
        Roster {
            forms,
            ids,
            search,
            pattern_person,
            people: people.len(),
        }
    }

    /// How many people the roster knows.
    pub fn len(&self) -> usize {
        self.people
    }

    /// Does it know nobody?
    pub fn is_empty(&self) -> bool {
        self.people == 0
    }

    /// The user id of the person whose form the decoded value `v` is.
    #[inline]
    pub fn lookup(&self, v: &[u8]) -> Option<&[u8]> {
        self.find_form(v).map(|(id, _)| id)
    }

    /// Like [`Roster::lookup`], but not for forms that are common words:
    /// for values kept as they are (words of free text, path segments), where
    /// `admin` is a directory and not the admin's login.
    #[inline]
    pub fn lookup_uncommon(&self, v: &[u8]) -> Option<&[u8]> {
        self.find_form(v).filter(|f| !f.1).map(|(id, _)| id)
    }

    fn find_form(&self, v: &[u8]) -> Option<(&[u8], bool)> {
        if v.len() < 3 || v.len() > 200 || self.forms.is_empty() {
            return None;
        }
        let (n, common) = if v.len() <= 64 && v.is_ascii() {
            // The usual case, without allocating: ASCII lowercase, white
            // space trimmed and collapsed (what fold_into does to ASCII).
            let mut buf = [0u8; 64];
            let mut len = 0;
            let mut space = false;
            for &b in v.trim_ascii() {
                if b.is_ascii_whitespace() {
                    space = true;
                    continue;
                }
                if space {
                    buf[len] = b' ';
                    len += 1;
                    space = false;
                }
                buf[len] = b.to_ascii_lowercase();
                len += 1;
            }
            *self.forms.get(&buf[..len])?
        } else {
            let mut k = Vec::with_capacity(v.len() + 4);
            fold_into(v, false, &mut k);
            *self.forms.get(&k)?
        };
        (n != AMBIGUOUS).then(|| (&self.ids[n as usize][..], common))
    }

    /// The forms of known people in free text `s`, left to right, each on
    /// word boundaries: (start, end, user id), the id `None` where the form
    /// is shared by several people (`Anna Berg` twice on a site). Names of
    /// several words and one-word forms (logins, e-mail addresses, student
    /// numbers) that are not common words.
    pub fn find_in(&self, s: &[u8]) -> Vec<(usize, usize, Option<&[u8]>)> {
        let mut found = self.find_names_in(s);
        let mut words = Vec::new();
        let part = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80 || b"._-@+".contains(&b);
        let mut i = 0;
        while i < s.len() {
            if !part(s[i]) {
                i += 1;
                continue;
            }
            let mut e = i;
            while e < s.len() && part(s[e]) {
                e += 1;
            }
            // Sentence punctuation at the end is not part of the word.
            let mut w = e;
            while w > i && matches!(s[w - 1], b'.' | b'-') {
                w -= 1;
            }
            if let Some(id) = self.lookup_uncommon(&s[i..w]) {
                words.push((i, w, Some(id)));
            }
            i = e;
        }
        if !words.is_empty() {
            found.retain(|n| !words.iter().any(|w| w.0 < n.1 && n.0 < w.1));
            found.extend(words);
            found.sort_unstable_by_key(|f| f.0);
        }
        found
    }

    /// The names of several words of known people in `s` (see
    /// [`Roster::find_in`]); the rewriter finds one-word forms itself.
    pub fn find_names_in(&self, s: &[u8]) -> Vec<(usize, usize, Option<&[u8]>)> {
        let Some(ac) = &self.search else {
            return Vec::new();
        };
        let word = |b: Option<&u8>| {
            b.is_some_and(|&b| b.is_ascii_alphanumeric() || b >= 0x80 || b == b'_')
        };
        ac.find_iter(s)
            .filter(|m| {
                !word(m.start().checked_sub(1).and_then(|i| s.get(i))) && !word(s.get(m.end()))
            })
            .map(|m| {
                let n = self.pattern_person[m.pattern().as_usize()];
                let id = (n != AMBIGUOUS).then(|| &self.ids[n as usize][..]);
                (m.start(), m.end(), id)
            })
            .collect()
    }

    /// Reads a roster file: CSV with a header naming at least `id` and one
    /// of `username`, `email`, `firstname`/`lastname` (any order, any other
    /// columns ignored; a `u.` table prefix is fine). The file must be a
    /// regular file readable by its owner only.
    pub fn load(path: &Path) -> Result<Roster, Error> {
        let shown = path.display();
        let bad = |m: String| Error::new(ErrorKind::Key, m);
        let meta =
            std::fs::metadata(path).map_err(|e| bad(format!("cannot open roster {shown}: {e}")))?;
        if !meta.is_file() {
            return Err(bad(format!("roster {shown} is not a regular file")));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(bad(format!(
                    "roster {shown} has mode {mode:04o}: it holds personal data and must be \
                     readable by its owner only; run `chmod 600 {shown}`"
                )));
            }
        }
        let data =
            std::fs::read(path).map_err(|e| bad(format!("cannot read roster {shown}: {e}")))?;
        let people = parse_people(crate::format::strip_bom(&data))
            .map_err(|m| bad(format!("roster {shown}: {m}")))?;
        Ok(Roster::new(&people))
    }
}

/// The people of a roster CSV (header first).
pub fn parse_people(data: &[u8]) -> Result<Vec<Person>, String> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(sniff_delimiter(data))
        .from_reader(data);
    let headers = r
        .headers()
        .map_err(|e| format!("cannot read the header: {e}"))?
        .clone();
    let col = |name: &str| {
        headers.iter().position(|h| {
            let h = h.trim().trim_matches('"').to_ascii_lowercase();
            h.rsplit('.').next() == Some(name)
        })
    };
    let id = col("id").ok_or("the header has no `id` column")?;
    let cols = [
        col("username"),
        col("firstname"),
        col("lastname"),
        col("middlename"),
        col("alternatename"),
        col("email"),
        col("idnumber"),
    ];
    if cols.iter().all(Option::is_none) {
        return Err(
            "the header names none of username, firstname, lastname, email, idnumber".into(),
        );
    }
    let mut people = Vec::new();
    for (n, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("row {}: {}", n + 2, csv_reason(&e)))?;
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").to_string();
        people.push(Person {
            id: get(Some(id)),
            username: get(cols[0]),
            firstname: get(cols[1]),
            lastname: get(cols[2]),
            middlename: get(cols[3]),
            alternatename: get(cols[4]),
            email: get(cols[5]),
            idnumber: get(cols[6]),
        });
    }
    Ok(people)
}

/// What is wrong with a CSV row, without its content.
fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8".into(),
        csv::ErrorKind::UnequalLengths { .. } => "wrong number of fields".into(),
        _ => "cannot be read".into(),
    }
}

fn sniff_delimiter(data: &[u8]) -> u8 {
    let head = &data[..memchr::memchr(b'\n', data).unwrap_or(data.len())];
    [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| head.iter().filter(|b| *b == d).count())
        .unwrap_or(b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster() -> Roster {
        let csv = "id,username,firstname,lastname,email,idnumber,alternatename,middlename\n\
                   4711,a.wuestenhagen,Annegret,Wüstenhagen,annegret.w@uni-example.de,20261234,,\n\
                   58,jdoe58,Jane,Doe,jane@example.org,,Janie,Q\n\
                   59,jdoe59,Jane,Doe,jane2@example.org,,,\n";
        Roster::new(&parse_people(csv.as_bytes()).unwrap())
    }

    #[test]
    fn forms_are_found_in_any_case_and_spelling() {
        let r = roster();
        for v in [
            "a.wuestenhagen",
            "A.Wuestenhagen",
            "Annegret Wüstenhagen",
            "ANNEGRET WUSTENHAGEN",
            "Annegret Wuestenhagen",
            "Wüstenhagen, Annegret",
            "Wüstenhagen  Annegret",
            "annegret.w@uni-example.de",
            "20261234",
        ] {
            assert_eq!(r.lookup(v.as_bytes()), Some(&b"4711"[..]), "{v}");
        }
        // Two Jane Does: the name says nobody in particular.
        assert_eq!(r.lookup(b"Jane Doe"), None);
        assert_eq!(r.lookup(b"jdoe58"), Some(&b"58"[..]));
        assert_eq!(r.lookup(b"Janie Doe"), Some(&b"58"[..]));
        assert_eq!(r.lookup(b"Jane Q Doe"), Some(&b"58"[..]));
        assert_eq!(r.lookup(b"Annegret"), None);
    }

    #[test]
    fn free_text_is_searched_on_word_boundaries() {
        let r = roster();
        let s = b"Found user Annegret Wuestenhagen (a.wuestenhagen) and xa.wuestenhagen; Jane Doe";
        let hits: Vec<_> = r
            .find_in(s)
            .into_iter()
            .map(|(a, b, id)| (std::str::from_utf8(&s[a..b]).unwrap(), id))
            .collect();
        assert_eq!(
            hits,
            vec![
                ("Annegret Wuestenhagen", Some(&b"4711"[..])),
                ("a.wuestenhagen", Some(&b"4711"[..])),
                // Shared by two people: found, but nobody's in particular.
                ("Jane Doe", None),
            ]
        );
    }

    #[test]
    fn bad_files_are_refused_without_their_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("roster.csv");
        std::fs::write(&p, "id,username\n1,secretname\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Roster::load(&p).unwrap_err().to_string();
        assert!(e.contains("chmod 600") && !e.contains("secretname"), "{e}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(Roster::load(&p).unwrap().len(), 1);
        std::fs::write(&p, "name,mail\nx,y\n").unwrap();
        let e = Roster::load(&p).unwrap_err().to_string();
        assert!(e.contains("no `id` column"), "{e}");
    }
}
