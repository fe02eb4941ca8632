//! The rules that decide what a value is: which parameter and JSON keys
//! name secrets, identities and e-mail addresses, which values name no one,
//! and what the user-agent policy does in each format.
//!
//! This is data and small predicates only; [`super::replace`] and
//! [`super::scrub`] act on what these rules say.

use crate::format::Format;

/// The marker written in place of a secret parameter's value.
pub const REDACTED: &[u8] = b"REDACTED";

/// What a parameter key says about its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A secret: the value is replaced by [`REDACTED`].
    Secret,
    /// A user identity: digits are a user id, values with `@` an e-mail
    /// address, anything else a name.
    Identity,
    /// An e-mail address.
    Email,
}

/// Secret parameter names recognised by default (lowercase).
pub const DEFAULT_SECRETS: &[&str] = &[
    "sesskey",
    "wstoken",
    "token",
    "password",
    "passwd",
    "pass",
    "pw",
    "pwd",
    "authtoken",
    "auth_token",
    "checksum",
    "sessiontoken",
    "session_token",
    "moderatorpw",
    "attendeepw",
    "moderator_pass",
    "attendee_pass",
    "moderatorpass",
    "attendeepass",
    "secret",
    "apikey",
    "api_key",
    "access_token",
    "refresh_token",
    "id_token",
    "logintoken",
    "ticket",
    "samlresponse",
    "samlrequest",
    "sid",
    "sessid",
    "sessionid",
    "phpsessid",
    "jsessionid",
    "moodlesession",
    "csrf",
    "csrf_token",
    "_token",
    "nsp",
];

/// Identity parameter names recognised by default (lowercase). `id` is an
/// identity only on the user pages listed in [`USER_ID_PATHS`].
pub const DEFAULT_IDENTITIES: &[&str] = &[
    "userid",
    "user_id",
    "user",
    "username",
    "realuserid",
    "relateduserid",
    "externaluserid",
    "fullname",
    "firstname",
    "lastname",
    "avatarurl",
    "remote_user",
    "uid",
    "cid",
    "_id",
];

/// Keys that name a person only in structured text — JSON objects and
/// BigBlueButton's parameter-map dumps (`[name:[Jane], ...]`), where `name`
/// is a user's or a meeting's name, `intId`/`extId` are user ids and
/// `filename` is an uploaded document's name (which can carry its author's).
/// As URL parameters they are too common to mean a person (`name=file.pdf`).
pub const STRUCTURED_IDENTITIES: &[&str] =
    &["name", "intid", "extid", "internaluserid", "filename"];

/// E-mail parameter names recognised by default (lowercase).
pub const DEFAULT_EMAILS: &[&str] = &["email", "mail", "e-mail", "emailaddress"];

/// Paths (suffixes) on which the `id` parameter is a user id.
pub const USER_ID_PATHS: &[&[u8]] = &[
    b"/user/profile.php",
    b"/user/view.php",
    b"/message/index.php",
];

/// Longest parameter name that can match.
const MAX_KEY: usize = 32;

/// The parameter-name lists in force, bucketed by length so that a look-up
/// compares against a handful of names at most.
#[derive(Debug, Clone)]
pub struct ParamRules {
    by_len: Vec<Vec<(Vec<u8>, ParamKind)>>,
}

impl Default for ParamRules {
    fn default() -> Self {
        ParamRules::new(&[], &[])
    }
}

impl ParamRules {
    /// The default lists extended with `extra_secrets` and `extra_identities`
    /// (matched case-insensitively).
    pub fn new(extra_secrets: &[String], extra_identities: &[String]) -> ParamRules {
        let mut names = Vec::new();
        let mut add = |n: &[u8], k: ParamKind| {
            let n = n.to_ascii_lowercase();
            names.retain(|(m, _): &(Vec<u8>, ParamKind)| *m != n);
            names.push((n, k));
        };
        for n in DEFAULT_IDENTITIES {
            add(n.as_bytes(), ParamKind::Identity);
        }
        for n in DEFAULT_EMAILS {
            add(n.as_bytes(), ParamKind::Email);
        }
        for n in extra_identities {
            add(n.as_bytes(), ParamKind::Identity);
        }
        // Secrets last: a name in both lists is treated as a secret.
        for n in DEFAULT_SECRETS {
            add(n.as_bytes(), ParamKind::Secret);
        }
        for n in extra_secrets {
            add(n.as_bytes(), ParamKind::Secret);
        }
        let mut by_len = vec![Vec::new(); MAX_KEY + 1];
        for (n, k) in names {
            if (1..=MAX_KEY).contains(&n.len()) {
                by_len[n.len()].push((n, k));
            }
        }
        ParamRules { by_len }
    }

    /// The kind of key `key` in structured text (JSON, parameter maps):
    /// [`classify`](Self::classify) plus [`STRUCTURED_IDENTITIES`].
    pub fn classify_structured(&self, key: &[u8]) -> Option<ParamKind> {
        self.classify(key).or_else(|| {
            STRUCTURED_IDENTITIES
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(key))
                .then_some(ParamKind::Identity)
        })
    }

    /// The kind of parameter `key`, if it is sensitive. Besides the lists,
    /// BigBlueButton's `userdata-*` join parameters (free-form data an LMS
    /// attaches to a user) are identities.
    #[inline]
    pub fn classify(&self, key: &[u8]) -> Option<ParamKind> {
        let listed = self.by_len.get(key.len()).and_then(|names| {
            names
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(key))
                .map(|(_, k)| *k)
        });
        listed.or_else(|| {
            (key.len() > 9 && key[..9].eq_ignore_ascii_case(b"userdata-"))
                .then_some(ParamKind::Identity)
        })
    }
}

/// Values under identity keys that name no one: BigBlueButton message types
/// (`"name":"UserJoinedMeetingEvtMsg"` in akka envelopes and headers) and
/// meeting ids (`"intId":"<40 hex>-<13 digits>"` of a meeting's props).
pub fn names_no_one(v: &[u8]) -> bool {
    let message_type = v.len() <= 64
        && v.first().is_some_and(u8::is_ascii_uppercase)
        && v.ends_with(b"Msg")
        && v.iter().all(u8::is_ascii_alphanumeric);
    let meeting_id = v.len() == 54
        && v[40] == b'-'
        && v[..40].iter().all(u8::is_ascii_hexdigit)
        && v[41..].iter().all(u8::is_ascii_digit);
    message_type || meeting_id
}

/// What `--user-agent` says to do with user agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UaPolicy {
    /// `family` in BigBlueButton logs (the policy deletes browser
    /// identification with the connection metadata after 7 days), `keep` in
    /// web-server access logs and other text (log analysers need it; choose
    /// `family` or `drop` when the access-log policy does not list it).
    #[default]
    Auto,
    /// Keep user agents as they are.
    Keep,
    /// Replace them by a coarse family (`Firefox`, `Chrome`, `Bot`, ...).
    Family,
    /// Replace them by `-`.
    Drop,
}

/// The action for one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UaAction {
    /// Keep.
    #[default]
    Keep,
    /// Family.
    Family,
    /// `-`.
    Drop,
}

impl UaPolicy {
    /// The action in `format`.
    pub fn action(self, format: Format) -> UaAction {
        match (self, format) {
            (UaPolicy::Keep, _) => UaAction::Keep,
            (UaPolicy::Family, _) => UaAction::Family,
            (UaPolicy::Drop, _) => UaAction::Drop,
            (UaPolicy::Auto, Format::Bbb) => UaAction::Family,
            (UaPolicy::Auto, _) => UaAction::Keep,
        }
    }
}

/// BigBlueButton's internal user ids: `w_` and twelve lowercase letters or
/// digits (`w_u0rjuthid3ab`).
pub fn is_bbb_internal_id(v: &[u8]) -> bool {
    v.len() == 14
        && v.starts_with(b"w_")
        && v[2..]
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Values that are not people: kept as they are in user fields.
pub fn is_placeholder(v: &[u8]) -> bool {
    v.is_empty() || v.iter().all(|&b| b == b'-' || b == b' ')
}
