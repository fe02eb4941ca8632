//! The value policy: what each key of a URL query, of structured text in a
//! message (JSON, parameter maps, `key=value`) and of Moodle's `other` says
//! about its value, read from the documented table `policy.toml` (compiled
//! in) and the site's own additions.
//!
//! A value is kept only when its key is on a keep list; secrets become
//! `REDACTED`; identities pseudonyms of their kind; URLs are rewritten by the
//! same rules; every other value becomes an opaque keyed token. Lookups are
//! ASCII case-insensitive and allocate nothing.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

/// What a key says about its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// Not personal: kept as written.
    Keep,
    /// Free text: kept word by word where the words are safe.
    Text,
    /// A user agent: by the user-agent policy (`--user-agent`).
    UserAgent,
    /// Typed by a person (search terms, message bodies): always an opaque
    /// token, even when it is a word.
    Opaque,
    /// A URL: rewritten by the URL rules.
    Url,
    /// An e-mail address: an e-mail pseudonym.
    Email,
    /// A user id, a name, a login name: a pseudonym of its kind.
    Identity,
    /// A secret: `REDACTED`.
    Secret,
}

/// The longest key a rule can name; longer keys have no rule.
const MAX_KEY: usize = 64;

/// Keys and their rules, matched ASCII case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct KeyRules {
    map: HashMap<Vec<u8>, Rule, foldhash::fast::FixedState>,
}

impl KeyRules {
    /// Adds `keys` with `rule`; a key named twice keeps the stronger rule
    /// (secret over identity over e-mail over URL over opaque over text over
    /// keep).
    fn add<S: AsRef<str>>(&mut self, keys: &[S], rule: Rule) {
        for k in keys {
            let k = k.as_ref().as_bytes().to_ascii_lowercase();
            let e = self.map.entry(k).or_insert(rule);
            *e = (*e).max(rule);
        }
    }

    /// Sets `keys` to `rule`, whatever they had.
    fn set<S: AsRef<str>>(&mut self, keys: &[S], rule: Rule) {
        for k in keys {
            self.map
                .insert(k.as_ref().as_bytes().to_ascii_lowercase(), rule);
        }
    }

    /// The rule of `key`, if it has one.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<Rule> {
        if key.is_empty() || key.len() > MAX_KEY {
            return None;
        }
        let mut buf = [0u8; MAX_KEY];
        let low = &mut buf[..key.len()];
        low.copy_from_slice(key);
        low.make_ascii_lowercase();
        self.map.get(&low[..]).copied()
    }

    /// The rule of `key` inside `parent`: the table's `parent.key` first
    /// (`envelope.name`: a message name, where `name` alone is a person's),
    /// then `key`.
    #[inline]
    pub fn get_in(&self, parent: Option<&[u8]>, key: &[u8]) -> Option<Rule> {
        if let Some(p) = parent.filter(|p| !p.is_empty() && p.len() + key.len() < MAX_KEY) {
            let mut buf = [0u8; MAX_KEY];
            let n = p.len() + 1 + key.len();
            buf[..p.len()].copy_from_slice(p);
            buf[p.len()] = b'.';
            buf[p.len() + 1..n].copy_from_slice(key);
            if let Some(r) = self.get(&buf[..n]) {
                return Some(r);
            }
        }
        self.get(key)
    }

    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// The rules of one script (a URL path, matched as a suffix; `*` stands for
/// one segment).
#[derive(Debug, Clone)]
pub struct Script {
    /// Its place in the policy ([`Policy::script_by_id`]).
    pub id: u32,
    /// The path's segments.
    segments: Vec<Vec<u8>>,
    /// Its keys.
    pub keys: KeyRules,
}

impl Script {
    /// Does the path `path` (its segments, without the query) end with this
    /// script's path?
    fn matches(&self, path: &[&[u8]]) -> bool {
        if path.len() < self.segments.len() {
            return false;
        }
        let tail = &path[path.len() - self.segments.len()..];
        self.segments
            .iter()
            .zip(tail)
            .all(|(p, s)| p == b"*" || p.eq_ignore_ascii_case(s))
    }
}

/// The whole policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// URL query keys on any script.
    pub query: KeyRules,
    /// Per-script rules, indexed by their last segment (lowercase).
    scripts: HashMap<Vec<u8>, Vec<Script>, foldhash::fast::FixedState>,
    /// Where each script is, by its id.
    script_ids: Vec<(Vec<u8>, usize)>,
    /// Keys of structured text in messages.
    pub structured: KeyRules,
    /// Keys of Moodle's logstore `other` that are kept.
    pub other: KeyRules,
    /// Keys the site added to the secret list (they win everywhere).
    site_secrets: KeyRules,
}

/// The additions a site makes, from options and the config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteLists {
    /// Keys whose values are kept (URL queries and structured text).
    pub keep: Vec<String>,
    /// Keys whose values are secrets.
    pub secret: Vec<String>,
    /// Keys whose values are identities.
    pub identity: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Lists {
    #[serde(default)]
    keep: Vec<String>,
    #[serde(default)]
    text: Vec<String>,
    #[serde(default)]
    opaque: Vec<String>,
    #[serde(default)]
    user_agent: Vec<String>,
    #[serde(default)]
    url: Vec<String>,
    #[serde(default)]
    email: Vec<String>,
    #[serde(default)]
    identity: Vec<String>,
    #[serde(default)]
    secret: Vec<String>,
}

impl Lists {
    fn into_rules(self) -> KeyRules {
        let mut r = KeyRules::default();
        r.add(&self.keep, Rule::Keep);
        r.add(&self.text, Rule::Text);
        r.add(&self.user_agent, Rule::UserAgent);
        r.add(&self.opaque, Rule::Opaque);
        r.add(&self.url, Rule::Url);
        r.add(&self.email, Rule::Email);
        r.add(&self.identity, Rule::Identity);
        r.add(&self.secret, Rule::Secret);
        r
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptFile {
    path: String,
    #[serde(flatten)]
    lists: Lists,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    query: Lists,
    #[serde(default)]
    script: Vec<ScriptFile>,
    structured: Lists,
    other: Lists,
}

/// The table, as shipped.
pub const POLICY_TOML: &str = include_str!("policy.toml");

impl Policy {
    /// The shipped policy, parsed once.
    pub fn builtin() -> &'static Arc<Policy> {
        static BUILTIN: OnceLock<Arc<Policy>> = OnceLock::new();
        BUILTIN.get_or_init(|| Arc::new(Policy::parse(POLICY_TOML).expect("policy.toml is valid")))
    }

    /// The shipped policy with a site's additions: kept keys are kept,
    /// identities pseudonymized, secrets redacted wherever they appear
    /// (a site's secret overrides every list of the table).
    pub fn with_site(site: &SiteLists) -> Arc<Policy> {
        if site == &SiteLists::default() {
            return Arc::clone(Policy::builtin());
        }
        let mut p = (**Policy::builtin()).clone();
        for r in [&mut p.query, &mut p.structured] {
            r.set(&site.keep, Rule::Keep);
            r.set(&site.identity, Rule::Identity);
            r.set(&site.secret, Rule::Secret);
        }
        p.site_secrets.set(&site.secret, Rule::Secret);
        Arc::new(p)
    }

    /// Parses a policy table (the format of `policy.toml`).
    pub fn parse(text: &str) -> Result<Policy, String> {
        let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut scripts: HashMap<Vec<u8>, Vec<Script>, foldhash::fast::FixedState> =
            HashMap::default();
        for s in f.script {
            let segments: Vec<Vec<u8>> = s
                .path
                .split('/')
                .filter(|x| !x.is_empty())
                .map(|x| x.as_bytes().to_vec())
                .collect();
            let Some(last) = segments.last() else {
                return Err(format!("script path {:?} is empty", s.path));
            };
            let last = last.to_ascii_lowercase();
            scripts.entry(last).or_default().push(Script {
                id: 0,
                segments,
                keys: s.lists.into_rules(),
            });
        }
        // More specific paths first: longer ones, then those with fewer
        // `*` segments.
        for v in scripts.values_mut() {
            let stars = |s: &Script| s.segments.iter().filter(|x| x.as_slice() == b"*").count();
            v.sort_by(|a, b| {
                b.segments
                    .len()
                    .cmp(&a.segments.len())
                    .then(stars(a).cmp(&stars(b)))
            });
        }
        let mut script_ids = Vec::new();
        for (last, v) in scripts.iter_mut() {
            for (k, sc) in v.iter_mut().enumerate() {
                sc.id = script_ids.len() as u32;
                script_ids.push((last.clone(), k));
            }
        }
        Ok(Policy {
            query: f.query.into_rules(),
            scripts,
            script_ids,
            structured: f.structured.into_rules(),
            other: f.other.into_rules(),
            site_secrets: KeyRules::default(),
        })
    }

    /// The rules of the script whose path `segments` (without the query)
    /// end with, if any.
    pub fn script(&self, segments: &[&[u8]]) -> Option<&Script> {
        let last = segments.last()?;
        let mut buf = [0u8; MAX_KEY];
        if last.len() > MAX_KEY {
            return None;
        }
        let low = &mut buf[..last.len()];
        low.copy_from_slice(last);
        low.make_ascii_lowercase();
        self.scripts
            .get(&low[..])?
            .iter()
            .find(|s| s.matches(segments))
    }

    /// The script whose [`Script::id`] is `id`.
    pub fn script_by_id(&self, id: u32) -> Option<&Script> {
        let (last, k) = self.script_ids.get(id as usize)?;
        self.scripts.get(last)?.get(*k)
    }

    /// The rule of query key `key` on `script`; `outer` is the name a
    /// bracketed key is nested in (`criteria` for `criteria[0][key]`), whose
    /// `outer.key` rule comes first.
    #[inline]
    pub fn query_rule_in(
        &self,
        script: Option<&Script>,
        outer: Option<&[u8]>,
        key: &[u8],
    ) -> Option<Rule> {
        if !self.site_secrets.is_empty() && self.site_secrets.get(key).is_some() {
            return Some(Rule::Secret);
        }
        script
            .and_then(|s| s.keys.get_in(outer, key))
            .or_else(|| self.query.get_in(outer, key))
            .or_else(|| userdata(key))
    }

    /// The rule of query key `key` on `script`.
    #[inline]
    pub fn query_rule(&self, script: Option<&Script>, key: &[u8]) -> Option<Rule> {
        self.query_rule_in(script, None, key)
    }

    /// The rule of a key in structured text.
    #[inline]
    pub fn structured_rule(&self, key: &[u8]) -> Option<Rule> {
        self.structured_rule_in(None, key)
    }

    /// The rule of a key in structured text inside the object under
    /// `parent`.
    #[inline]
    pub fn structured_rule_in(&self, parent: Option<&[u8]>, key: &[u8]) -> Option<Rule> {
        if !self.site_secrets.is_empty() && self.site_secrets.get(key).is_some() {
            return Some(Rule::Secret);
        }
        self.structured
            .get_in(parent, key)
            .or_else(|| userdata(key))
    }

    /// Is `key` a secret in structured text or a query?
    pub fn is_secret(&self, key: &[u8]) -> bool {
        self.structured.get(key) == Some(Rule::Secret) || self.query.get(key) == Some(Rule::Secret)
    }
}

/// BigBlueButton's `userdata-*` join parameters: data an LMS attaches to a
/// user, identities.
fn userdata(key: &[u8]) -> Option<Rule> {
    (key.len() > 9 && key[..9].eq_ignore_ascii_case(b"userdata-")).then_some(Rule::Identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_and_answers() {
        let p = Policy::builtin();
        assert_eq!(p.query_rule(None, b"SESSKEY"), Some(Rule::Secret));
        assert_eq!(p.query_rule(None, b"courseid"), Some(Rule::Keep));
        assert_eq!(p.query_rule(None, b"id"), None, "id depends on the script");
        assert_eq!(p.query_rule(None, b"frobnicate"), None);
        let seg = |s: &'static str| -> Vec<&'static [u8]> {
            s.split('/')
                .filter(|x| !x.is_empty())
                .map(str::as_bytes)
                .collect()
        };
        let view = p.script(&seg("/moodle/course/view.php")).unwrap();
        assert_eq!(p.query_rule(Some(view), b"id"), Some(Rule::Keep));
        let profile = p.script(&seg("/user/profile.php")).unwrap();
        assert_eq!(p.query_rule(Some(profile), b"id"), Some(Rule::Identity));
        let history = p.script(&seg("/grade/report/history/index.php")).unwrap();
        assert_eq!(
            p.query_rule(Some(history), b"grader"),
            Some(Rule::Identity),
            "the exact path wins over grade/report/*"
        );
        let forum = p.script(&seg("/mod/forum/view.php")).unwrap();
        assert_eq!(p.query_rule(Some(forum), b"id"), Some(Rule::Keep));
        assert!(p.script(&seg("/course/unknown.php")).is_none());
        let admin = p.script(&seg("/admin/user.php")).unwrap();
        assert_eq!(p.query_rule(Some(admin), b"delete"), Some(Rule::Identity));
        assert_eq!(p.query_rule(None, b"delete"), Some(Rule::Keep));
        assert_eq!(
            p.query_rule(None, b"userdata-bbb_custom"),
            Some(Rule::Identity)
        );
        assert_eq!(p.structured_rule(b"logCode"), Some(Rule::Keep));
        assert_eq!(p.structured_rule(b"sessionToken"), Some(Rule::Secret));
        assert_eq!(p.other.get(b"cmid"), Some(Rule::Keep));
    }

    #[test]
    fn a_site_extends_and_its_secrets_win() {
        let p = Policy::with_site(&SiteLists {
            keep: vec!["Matrikel".into()],
            secret: vec!["courseid".into()],
            identity: vec!["grp".into()],
        });
        assert_eq!(p.query_rule(None, b"matrikel"), Some(Rule::Keep));
        assert_eq!(p.query_rule(None, b"courseid"), Some(Rule::Secret));
        assert_eq!(p.query_rule(None, b"GRP"), Some(Rule::Identity));
        let seg: Vec<&[u8]> = vec![b"course", b"view.php"];
        let view = p.script(&seg).unwrap();
        assert_eq!(p.query_rule(Some(view), b"courseid"), Some(Rule::Secret));
    }
}
