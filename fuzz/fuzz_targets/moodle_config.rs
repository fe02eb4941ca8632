//! Fuzz target `moodle_config`: the `config.php` reader on arbitrary bytes.
//!
//! Owns the reader's contract: [`php::parse`] never panics and never loops;
//! its error names a line inside the input; the settings it finds have lines
//! inside the input; and a setting written as a plain single-quoted literal
//! at the end of any input that ended outside a string or comment is read
//! back exactly.

#![no_main]

use anonlog::moodledb::php;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    match php::parse(data) {
        Err(e) => assert!(e.line >= 1 && e.line <= lines, "error line {} of {lines}", e.line),
        Ok(settings) => {
            for (name, (line, _)) in &settings {
                assert!(*line >= 1 && *line <= lines, "{name} at line {line} of {lines}");
            }
            // Appended after a statement end, a literal setting is found.
            let mut src = data.to_vec();
            src.extend_from_slice(b"\n;?><?php $CFG->fuzzprobe = 'v\\'1';\n");
            if let Ok(s) = php::parse(&src) {
                if let Some((_, v)) = s.get("fuzzprobe") {
                    assert_eq!(v, &php::Value::Str(b"v'1".to_vec()));
                }
            }
        }
    }
});
