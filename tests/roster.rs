//! `--roster`: the site's people are found wherever they stand (user
//! fields, URLs, file names, free text, JSON), in any spelling the roster
//! implies, and become the pseudonym of their user id; a name two people
//! share becomes an opaque token; `check --roster` finds a form that
//! survived.

use crate::util::{anonlog, Work};

const ROSTER: &str = "\
id,username,firstname,lastname,email,idnumber,alternatename,middlename
2,admin,Admin,User,admin@uni-example.de,,,
4711,a.wuestenhagen,Annegret,Wüstenhagen,annegret.w@uni-example.de,20261234,,
58,jdoe58,Jane,Doe,jane@example.org,,,
59,jdoe59,Jane,Doe,jane2@example.org,,,
77,mberg,Malte,Bergström,malte.bergstroem@uni-example.de,,,
";

const ACCESS: &str = "\
192.0.2.17 - a.wuestenhagen [24/Nov/2026:08:11:31 +0100] \"GET /admin/index.php HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0\"
192.0.2.18 - - [24/Nov/2026:08:11:32 +0100] \"GET /user/profile.php?id=4711&fullname=Annegret+W%C3%BCstenhagen HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"
192.0.2.19 - - [24/Nov/2026:08:11:33 +0100] \"GET /pluginfile.php/12/user/private/Bergstr%C3%B6m-Malte-thesis.pdf HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"
";

const APP: &str = "\
Nov 24 08:11:31 moodle php: Failed login for Annegret Wuestenhagen (a.wuestenhagen) from 192.0.2.20; Jane Doe also tried; Malte Bergström joined meeting
Nov 24 08:11:31 moodle php: {\"fullname\":\"Wüstenhagen, Annegret\",\"email\":\"annegret.w@uni-example.de\",\"note\":\"call MALTE BERGSTROEM\"}
";

/// The pseudonyms of user ids 4711 and 77 under the test key.
const P4711: &str = "9888136089969743";
const P77: &str = "9638413273161025";

fn setup() -> Work {
    let w = Work::new();
    w.write_key("roster.csv", ROSTER.as_bytes(), 0o600);
    w.write("access.log", ACCESS.as_bytes());
    w.write("app.log", APP.as_bytes());
    w
}

fn anonymize(w: &Work, name: &str) -> String {
    let out = w
        .anonymize()
        .arg("--roster")
        .arg(w.path("roster.csv"))
        .arg(w.path(name))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn people_become_their_user_ids_pseudonym_wherever_they_stand() {
    let w = setup();
    // `admin` is a login on this site, but also a directory: the path stays.
    assert_eq!(
        anonymize(&w, "access.log"),
        format!(
            "\
192.0.2.0 - {P4711} [24/Nov/2026:08:11:31 +0100] \"GET /admin/index.php HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0\"
192.0.2.0 - - [24/Nov/2026:08:11:32 +0100] \"GET /user/profile.php?id={P4711}&fullname={P4711} HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"
192.0.2.0 - - [24/Nov/2026:08:11:33 +0100] \"GET /pluginfile.php/12/user/private/t_5hkfzewopsk3 HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"
"
        )
    );
    // Free text: every spelling (umlaut folded or spelled out, either
    // order, any case) is the same person; `Jane Doe` is two people and so
    // nobody in particular.
    assert_eq!(
        anonymize(&w, "app.log"),
        format!(
            "\
Nov 24 08:11:31 moodle php: Failed login for {P4711} ({P4711}) from 192.0.2.0; t_vcjzcpkgy3a2 also tried; {P77} joined meeting
Nov 24 08:11:31 moodle php: {{\"fullname\":\"{P4711}\",\"email\":\"{P4711}\",\"note\":\"call {P77}\"}}
"
        )
    );
}

#[test]
fn check_finds_a_surviving_form_in_any_spelling() {
    let w = setup();
    for name in ["access.log", "app.log"] {
        let out = w.write(&format!("{name}.anon"), anonymize(&w, name).as_bytes());
        anonlog()
            .arg("check")
            .arg("--raw")
            .arg(w.path(name))
            .arg("--roster")
            .arg(w.path("roster.csv"))
            .arg(&out)
            .assert()
            .success();
    }
    let bad = anonymize(&w, "app.log").replace(P77, "Malte Bergstroem");
    let bad = w.write("bad.anon", bad.as_bytes());
    let out = anonlog()
        .arg("check")
        .arg("--roster")
        .arg(w.path("roster.csv"))
        .arg(&bad)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(
        out,
        format!(
            "{0}:1:125: a roster person's name: M**************m\n\
             {0}:2:100: a roster person's name: M**************m\n",
            bad.display()
        )
    );
}

#[test]
fn a_roster_readable_by_others_is_refused() {
    let w = setup();
    crate::util::set_mode(&w.path("roster.csv"), 0o644);
    let out = w
        .anonymize()
        .arg("--roster")
        .arg(w.path("roster.csv"))
        .arg(w.path("app.log"))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("roster.csv") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(
        !err.contains("wuestenhagen") && out.stdout.is_empty(),
        "{err}"
    );
}
