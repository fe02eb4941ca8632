//! Free text: exact output for structures, shapes, cues and the strict
//! vocabulary rule.

use crate::pseudonym::{Key, Namespace, Pseudonymizer};
use crate::rewrite::rules::FreeText;
use crate::rewrite::{Options, Rewriter, Worker};

fn p() -> Pseudonymizer {
    Pseudonymizer::new(&Key::from_bytes([6; 32]))
}

fn t(ns: Namespace, v: &str) -> String {
    format!("{:?}", p().pseudonym(ns, v.as_bytes()))
}

fn text_with(mode: FreeText, s: &str) -> String {
    let opts = Options {
        free_text: mode,
        ..Options::default()
    };
    let rw = Rewriter::new(opts, p());
    let mut out = Vec::new();
    rw.scrub_line(&mut Worker::default(), s.as_bytes(), &mut out);
    String::from_utf8(out).unwrap()
}

fn text(s: &str) -> String {
    text_with(FreeText::Strict, s)
}

#[test]
fn strict_free_text() {
    let n = |v: &str| t(Namespace::Name, v);
    let u = |v: &str| t(Namespace::UserId, v);
    let o = |v: &str| t(Namespace::Opaque, v);
    #[rustfmt::skip]
    let rows: Vec<(&str, String)> = vec![
        ("Found user Annegret Wüstenhagen in the meeting", format!("Found user {} in the meeting", n("Annegret Wüstenhagen"))),
        ("User 4711 (Jane Doe) email (jdoe@localhost) is invalid!", format!("User {} ({}) email ({}) is invalid!", u("4711"), n("Jane Doe"), t(Namespace::Email, "jdoe@localhost"))),
        ("Failed Login: jdoe58 192.0.2.7", format!("Failed Login: {} 192.0.2.0", n("jdoe58"))),
        ("user \"jdoe58\" was not found", format!("user \"{}\" was not found", n("jdoe58"))),
        ("Purging user [w_k3m9x2p7q4zt]", format!("Purging user [{}]", t(Namespace::BbbUser, "w_k3m9x2p7q4zt"))),
        ("caller \"w_k3m9x2p7q4zt_1-bbbID-Jane Doe\" joined", format!("caller \"{}_1-bbbID-{}\" joined", t(Namespace::BbbUser, "w_k3m9x2p7q4zt"), n("Jane Doe"))),
        ("sessionToken=ubabe0myshke4dco&meetingID=abc&frob=xyz", format!("sessionToken=REDACTED&meetingID=abc&{}={}", o("frob"), o("xyz"))),
        (r#"data={"name":"Jibon","logCode":"user_joined_message","sessionToken":"x1"}"#, format!(r#"data={{"name":"{}","logCode":"user_joined_message","sessionToken":"REDACTED"}}"#, n("Jibon"))),
        ("Failed for user {\"username\":\"Anna Schmidt\",\"auth\":\"ldap\"}", format!("Failed for user {{\"username\":\"{}\",\"auth\":\"{}\"}}", n("Anna Schmidt"), "ldap")),
        ("/home/jdoe58/public_html/moodle/config.php", format!("/home/{}/public_html/moodle/config.php", o("jdoe58"))),
        ("Retrieving meeting 2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1586894220067", "Retrieving meeting 2fd4cacadbe53b582b2a2a910d617cd6365d27ce-1586894220067".into()),
    ];
    for (input, want) in rows {
        assert_eq!(text(input), want, "{input}");
    }
}
