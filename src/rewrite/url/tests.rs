//! URL rules: exact output for each kind of value and segment.

use crate::format::Format;
use crate::pseudonym::{Key, Namespace, Pseudonymizer};
use crate::rewrite::{Options, Rewriter, Worker};

fn p() -> Pseudonymizer {
    Pseudonymizer::new(&Key::from_bytes([4; 32]))
}

fn t(ns: Namespace, v: &str) -> String {
    format!("{:?}", p().pseudonym(ns, v.as_bytes()))
}

/// The request target `url` of an access line, rewritten.
fn url(url: &str) -> String {
    let line = format!("192.0.2.1 - - [24/Nov/2026:08:01:12 +0100] \"GET {url} HTTP/1.1\" 200 5");
    let rw = Rewriter::new(Options::default(), p());
    let mut out = Vec::new();
    rw.rewrite_line(
        &mut Worker::default(),
        Format::Access,
        line.as_bytes(),
        &mut None,
        &mut out,
    );
    let out = String::from_utf8(out).unwrap();
    let s = out.find("GET ").unwrap() + 4;
    let e = out.rfind(" HTTP/1.1").unwrap();
    out[s..e].to_string()
}

#[test]
fn kept_values_and_tokens() {
    let u = |v: &str| t(Namespace::UserId, v);
    let o = |v: &str| t(Namespace::Opaque, v);
    #[rustfmt::skip]
    let rows: Vec<(&str, String)> = vec![
        ("/course/view.php?id=42&section=3", "/course/view.php?id=42&section=3".into()),
        ("/moodle/course/view.php?id=42", "/moodle/course/view.php?id=42".into()),
        ("/user/profile.php?id=4711", format!("/user/profile.php?id={}", u("4711"))),
        ("/user/edit.php?id=4711&course=1", format!("/user/edit.php?id={}&course=1", u("4711"))),
        ("/mod/forum/view.php?id=7", "/mod/forum/view.php?id=7".into()),
        ("/mod/forum/search.php?id=33&search=userid%3A4711", format!("/mod/forum/search.php?id=33&search={}", o("userid:4711"))),
        ("/lib/ajax/service.php?sesskey=Ab12&info=core_fetch", "/lib/ajax/service.php?sesskey=REDACTED&info=core_fetch".into()),
        // A constant word under an unknown key stays; a name, a number or
        // what a person typed under a search key does not.
        ("/x.php?frobnicate=hello", "/x.php?frobnicate=hello".into()),
        ("/x.php?frobnicate=Annegret&count=12&fooid=12", format!("/x.php?frobnicate={}&count=12&fooid={}", o("Annegret"), o("12"))),
        ("/x.php?q=hello", format!("/x.php?q={}", o("hello"))),
        ("/x.php?flag=1&empty=", "/x.php?flag=1&empty=".into()),
        ("/webservice/rest/server.php?wstoken=x&wsfunction=core_message_send&messages%5B0%5D%5Btouserid%5D=4711",
         format!("/webservice/rest/server.php?wstoken=REDACTED&wsfunction=core_message_send&messages%5B0%5D%5Btouserid%5D={}", u("4711"))),
        ("/login/index.php?wantsurl=%2Fuser%2Fprofile.php%3Fid%3D4711", format!("/login/index.php?wantsurl=%2Fuser%2Fprofile.php%3Fid%3D{}", u("4711"))),
        ("/user/pix.php/4711/f1.jpg", format!("/user/pix.php/{}/f1.jpg", u("4711"))),
        ("/tokenpluginfile.php/a1b2c3d4e5f60718293a4b5c6d7e8f90/12/user/icon/f1", "/tokenpluginfile.php/REDACTED/12/user/icon/f1".into()),
        ("/pluginfile.php/47041/mod_resource/content/2/Exercise_sheet_5.pdf", "/pluginfile.php/47041/mod_resource/content/2/Exercise_sheet_5.pdf".into()),
        ("/pluginfile.php/47041/mod_assign/submission_files/81234/Hausarbeit_Meyer.pdf",
         format!("/pluginfile.php/47041/mod_assign/submission_files/81234/{}.pdf", o("Hausarbeit_Meyer"))),
        // A user's own files: the user context and the draft item are theirs.
        ("/draftfile.php/6011/user/draft/912345678/notes.pdf", format!("/draftfile.php/{}/user/draft/{}/notes.pdf", o("6011"), o("912345678"))),
        ("/theme/image.php/boost/core/1709500000/i/edit", "/theme/image.php/boost/core/1709500000/i/edit".into()),
        ("/~jdoe58/index.html", format!("/{}/index.html", o("~jdoe58"))),
        ("/bigbluebutton/api/join?fullName=Annegret+W%C3%BCstenhagen&meetingID=m1&password=mp&checksum=9c81",
         format!("/bigbluebutton/api/join?fullName={}&meetingID=m1&password=REDACTED&checksum=REDACTED", t(Namespace::Name, "Annegret Wüstenhagen"))),
    ];
    for (input, want) in rows {
        assert_eq!(url(input), want, "{input}");
    }
}
