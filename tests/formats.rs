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

/// A small access log with a user per line, and its compressed forms.
fn access_log() -> Vec<u8> {
    let mut s = String::new();
    for i in 0..400 {
        s += &format!(
            "10.{}.2.{} - user{} [10/Oct/2026:13:{:02}:36 +0000] \"GET /course/view.php?id={} HTTP/1.1\" 200 {}\n",
            i % 7,
            i % 250,
            i % 13,
            i % 60,
            2 + i % 3,
            i
        );
    }
    s.into_bytes()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn xz(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = xz2::write::XzEncoder::new(Vec::new(), 6);
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 3).unwrap()
}

/// The three compressions, with file names as logrotate would leave them
/// and one without any extension (the bytes decide, not the name).
fn compressed_copies(w: &Work, data: &[u8]) -> Vec<std::path::PathBuf> {
    vec![
        w.write("access.log.2.gz", &gzip(data)),
        w.write("access.log.2.xz", &xz(data)),
        w.write("access.log.2.zst", &zstd(data)),
        w.write("access.log.3", &gzip(data)),
    ]
}

#[test]
fn compressed_inputs_give_the_plain_output() {
    let w = Work::new();
    let data = access_log();
    let plain = w.write("access.log", &data);
    let want = w.anonymize().arg(&plain).output().unwrap();
    assert!(want.status.success());
    assert!(text(&want.stdout).starts_with("10.0.2.0 - n_"));
    for f in compressed_copies(&w, &data) {
        for extra in [&[][..], &["--mmap", "-j", "2", "--block-size", "1000"]] {
            let got = w.anonymize().arg(&f).args(extra).output().unwrap();
            assert_eq!(got.status.code(), Some(0), "{}", text(&got.stderr));
            assert_eq!(text(&got.stdout), text(&want.stdout), "{f:?} {extra:?}");
        }
        // Standard input too.
        let got = w
            .anonymize()
            .write_stdin(std::fs::read(&f).unwrap())
            .output()
            .unwrap();
        assert_eq!(text(&got.stdout), text(&want.stdout), "stdin {f:?}");
        // And into -o, which commits.
        let out = w.path("out.log");
        w.anonymize().arg(&f).arg("-o").arg(&out).assert().success();
        assert_eq!(std::fs::read(&out).unwrap(), want.stdout);
    }
}

#[test]
fn stats_and_check_read_compressed_inputs() {
    let w = Work::new();
    let data = access_log();
    let plain = w.write("access.log", &data);
    let stats = |f: &std::path::Path, dir: &str| {
        let out = w.path(dir);
        let r = crate::util::anonlog()
            .arg("stats")
            .arg("--out")
            .arg(&out)
            .arg(f)
            .output()
            .unwrap();
        assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
        std::fs::read_to_string(out.join("stats.csv")).unwrap()
    };
    let want = stats(&plain, "plain");
    assert!(want.contains(",course,2,"), "{want}");
    let check = |f: &std::path::Path| {
        let r = crate::util::anonlog().arg("check").arg(f).output().unwrap();
        assert_eq!(r.status.code(), Some(1), "{}", text(&r.stderr));
        text(&r.stdout).replace(&*f.to_string_lossy(), "FILE")
    };
    let findings = check(&plain);
    assert!(
        findings.contains("FILE:2:1: address not truncated"),
        "{findings}"
    );
    for (i, f) in compressed_copies(&w, &data).iter().enumerate() {
        assert_eq!(stats(f, &format!("c{i}")), want, "{f:?}");
        assert_eq!(check(f), findings, "{f:?}");
    }
}

/// Other compressed or binary files are refused: status 2, a message that
/// names the file, nothing written (and a previous `-o` file kept).
#[test]
fn other_binary_inputs_are_refused() {
    let w = Work::new();
    let mut noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    noise.extend_from_slice(b"\n10.1.2.3 jane@example.com\n");
    let cases: [(&str, &[u8], &str); 4] = [
        ("a.log.bz2", b"BZh91AY&SY", "bzip2-compressed"),
        ("a.log.lz4", b"\x04\x22\x4d\x18\x64\x40", "lz4-compressed"),
        ("a.zip", b"PK\x03\x04\x14\x00\x00\x00", "a zip archive"),
        (
            "core",
            b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
            "binary data",
        ),
    ];
    let out = w.write("out.log", b"previous\n");
    for (name, magic, what) in cases {
        let f = w.write(name, &[magic, &noise[..]].concat());
        let r = w.anonymize().arg(&f).output().unwrap();
        assert_eq!(r.status.code(), Some(2), "{name}");
        assert!(r.stdout.is_empty(), "{name}: {}", text(&r.stdout));
        let err = text(&r.stderr);
        assert!(
            err.contains(&format!("{}: {what}", f.display()))
                && err.contains("nothing was written"),
            "{name}: {err}"
        );
        assert!(!err.contains("jane"), "{err}");
        w.anonymize().arg(&f).arg("-o").arg(&out).assert().code(2);
        assert_eq!(std::fs::read(&out).unwrap(), b"previous\n");
        for cmd in [&["stats", "--out"][..], &["check"]] {
            let mut c = crate::util::anonlog();
            c.args(cmd);
            if cmd.len() > 1 {
                c.arg(w.path("st"));
            }
            let r = c.arg(&f).output().unwrap();
            assert_eq!(
                r.status.code(),
                Some(2),
                "{cmd:?} {name}: {}",
                text(&r.stderr)
            );
            assert!(text(&r.stderr).contains(what), "{cmd:?} {name}");
        }
    }
    // A stray NUL in a log line is still a log.
    let f = w.write(
        "nul.log",
        b"10.1.2.3 - - [10/Oct/2026:13:55:36 +0000] \"GET /a\x00b HTTP/1.1\" 200 5\n",
    );
    w.anonymize().arg(&f).assert().success();
}

/// A compressed file cut short (a copy interrupted) is an error naming the
/// file; `-o` keeps its previous file.
#[test]
fn truncated_compressed_input_is_an_error() {
    let w = Work::new();
    let data = access_log();
    let out = w.write("out.log", b"previous\n");
    for (name, bytes) in [
        ("t.gz", gzip(&data)),
        ("t.xz", xz(&data)),
        ("t.zst", zstd(&data)),
    ] {
        let f = w.write(name, &bytes[..bytes.len() / 2]);
        let r = w.anonymize().arg(&f).arg("-o").arg(&out).output().unwrap();
        assert_eq!(r.status.code(), Some(2), "{name}: {}", text(&r.stderr));
        let err = text(&r.stderr);
        assert!(
            err.contains(&format!("{}: read error", f.display())),
            "{name}: {err}"
        );
        assert_eq!(std::fs::read(&out).unwrap(), b"previous\n");
    }
}
