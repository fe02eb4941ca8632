//! Fuzz target `moodle_csv`: Moodle CSV exports through `pipeline::run`.
//!
//! The first input byte picks one of four headers (a full PostgreSQL
//! logstore export, a phpMyAdmin `;` subset, a MySQL tab-separated header, the
//! English Logs report with a BOM), a block size (1 to 64 bytes) and a thread
//! count (2 to 4); the rest of the input is the body under that header.
//! Properties:
//!
//! 1. no panic;
//! 2. the input is read as the Moodle format its header names;
//! 3. the output is byte-identical to a run with one thread and 1 MiB blocks
//!    (memory-mapped), whatever the block size and thread count, streamed:
//!    blocks are never cut inside a quoted field;
//! 4. every record is accounted for, and the output has as many records;
//! 5. in every output row with the header's number of fields, each user-id
//!    column holds nothing, a NULL marker, 0, 1, `REDACTED` or a pseudonym
//!    (16 digits starting with 9): a raw id never survives.

#![no_main]

mod common;

use std::io::Write;
use std::sync::OnceLock;

use anonlog::format::moodle::{Column, Schema};
use anonlog::format::Format;
use anonlog::rewrite::Rewriter;
use libfuzzer_sys::fuzz_target;

const HEADERS: [&[u8]; 4] = [
    b"id,eventname,component,action,target,objecttable,objectid,crud,edulevel,contextid,contextlevel,contextinstanceid,userid,courseid,relateduserid,anonymous,other,timecreated,origin,ip,realuserid\n",
    b"\"id\";\"timecreated\";\"userid\";\"relateduserid\";\"eventname\";\"ip\";\"other\"\r\n",
    b"id\tuserid\trelateduserid\tother\ttimecreated\tip\trealuserid\n",
    b"\xEF\xBB\xBFCourse,Time,\"User full name\",\"Affected user\",\"Event context\",Component,\"Event name\",Description,Origin,\"IP address\"\n",
];

fn rewriter() -> &'static Rewriter {
    static RW: OnceLock<Rewriter> = OnceLock::new();
    RW.get_or_init(|| common::rewriter(0x4d))
}

fn run(path: &std::path::Path, threads: usize, block: usize, mmap: bool) -> (Vec<u8>, Format) {
    let (out, s) = common::run_file(rewriter(), path, threads, block, mmap);
    assert_eq!(
        s.total.lines_read, s.total.lines_written,
        "scrub mode writes every record"
    );
    (out, s.inputs[0].format)
}

/// The records of `data` (terminators and a leading BOM removed).
fn records<'a>(schema: &Schema, data: &'a [u8]) -> Vec<&'a [u8]> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut v = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let n = schema
            .dialect
            .record_end(&data[pos..])
            .unwrap_or(data.len() - pos);
        v.push(anonlog::format::csv::trim_terminator(&data[pos..pos + n]));
        pos += n;
    }
    v
}

fn is_clean_user_id(schema: &Schema, raw: &[u8]) -> bool {
    let mut v = Vec::new();
    schema.dialect.decode(raw, &mut v);
    v.is_empty()
        || schema.dialect.is_null(raw)
        || v == b"0"
        || v == b"1"
        || v == b"REDACTED"
        || (v.len() == 16 && v[0] == b'9' && v.iter().all(u8::is_ascii_digit))
}

fuzz_target!(|data: &[u8]| {
    let Some((&knob, body)) = data.split_first() else {
        return;
    };
    let header = HEADERS[usize::from(knob % 4)];
    let mut input = header.to_vec();
    input.extend_from_slice(body);
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    file.write_all(&input).expect("write");
    file.flush().expect("flush");
    let (reference, format) = run(file.path(), 1, 1 << 20, true);
    let kind = format.moodle_kind().expect("read as a Moodle export");
    let block = usize::from(knob / 4 % 64) + 1;
    let threads = usize::from(knob % 3) + 2;
    let (out, _) = run(file.path(), threads, block, false);
    assert!(out == reference, "output depends on threads or blocks");

    let schema = Schema::from_sample(&input, Some(kind)).expect("the header maps");
    let (rin, rout) = (records(&schema, &input), records(&schema, &out));
    assert_eq!(rin.len(), rout.len(), "record count kept");
    let ids: Vec<usize> = schema
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Column::UserId(_)))
        .map(|(i, _)| i)
        .collect();
    let mut fields = Vec::new();
    for rec in rout.iter().skip(1) {
        schema.dialect.split(rec, &mut fields);
        if fields.len() != schema.columns.len() {
            continue;
        }
        for &i in &ids {
            let raw = &rec[fields[i].clone()];
            assert!(
                is_clean_user_id(&schema, raw),
                "a user id survived: {:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }
});
