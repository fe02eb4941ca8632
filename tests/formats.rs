//! Inputs as deployments have them: missing files next to an existing
//! output, compressed rotated files, binary files that are not logs, and
//! the contrib configuration's formats.

use crate::util::Work;

const LINE: &[u8] = b"10.1.2.3 - jdoe [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 5\n";
const ANON: &str = "10.1.2.0 - n_";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `-o FILE` with a missing input: the previous FILE stays as it was, no
/// temporary file is left, and the status is 2 (issue 16).
#[test]
fn missing_input_leaves_previous_output_untouched() {
    let w = Work::new();
    let out = w.write("out.log", b"previous\n");
    let good = w.write("good.log", LINE);
    for inputs in [
        vec![w.path("missing.log")],
        vec![good, w.path("missing.log")],
    ] {
        let r = w
            .anonymize()
            .args(&inputs)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(r.status.code(), Some(2), "{}", text(&r.stderr));
        let err = text(&r.stderr);
        assert!(err.contains("missing.log: No such file"), "{err}");
        assert!(err.contains("out.log was left as it was"), "{err}");
        assert_eq!(std::fs::read(&out).unwrap(), b"previous\n");
        let names: Vec<String> = std::fs::read_dir(w.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains(".anonlog-")), "{names:?}");
    }
}

/// An unreadable input (mode 0) is the same case; root reads anything, so
/// the test only runs where the permission is enforced.
#[test]
fn unreadable_input_leaves_previous_output_untouched() {
    let w = Work::new();
    let out = w.write("out.log", b"previous\n");
    let f = w.write("secret.log", LINE);
    crate::util::set_mode(&f, 0o000);
    if std::fs::File::open(&f).is_ok() {
        eprintln!("SKIP: running as root, mode 0 does not stop reading");
        return;
    }
    w.anonymize().arg(&f).arg("-o").arg(&out).assert().code(2);
    assert_eq!(std::fs::read(&out).unwrap(), b"previous\n");
}

#[test]
fn readable_input_replaces_the_output() {
    let w = Work::new();
    let out = w.write("out.log", b"previous\n");
    let good = w.write("good.log", LINE);
    w.anonymize()
        .arg(&good)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert!(text(&std::fs::read(&out).unwrap()).starts_with(ANON));
}
