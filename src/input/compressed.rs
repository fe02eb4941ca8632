//! Compressed and binary inputs: recognising them by their first bytes, and
//! the decoders that make gzip, xz and zstd files read like the text they
//! hold.
//!
//! logrotate's `compress` leaves `access.log.2.gz`, and a sysadmin points
//! anonlog at it; scrubbing the compressed bytes as if they were text would
//! write garbage and say nothing. So a file's first bytes decide, whatever
//! its name: gzip (`1f 8b`), xz (`fd 37 7a 58 5a 00`) and zstd
//! (`28 b5 2f fd`) are decoded on the fly; other compressed or archive
//! formats (bzip2, lz4, zip, 7z) and binary data (NUL bytes in the first
//! block) are refused with an error that names the file, and nothing is
//! written for them. This module knows nothing about formats of lines or
//! about blocks; [`super::open`] calls it.

use std::io::{self, Read};

/// A compression anonlog decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// gzip (RFC 1952), also several members one after the other.
    Gzip,
    /// xz (`.xz`), also several streams one after the other.
    Xz,
    /// Zstandard (`.zst`), also several frames one after the other.
    Zstd,
}

impl Compression {
    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }
}

/// What the first bytes of an input say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// Text (a log, possibly with a stray NUL byte in a line).
    Text,
    /// Compressed in a way anonlog decodes.
    Compressed(Compression),
    /// Not text and not decodable: why, for the message.
    Binary(&'static str),
}

/// How many NUL bytes in the first block make an input binary. A log line
/// may carry one (a bot's request, `\0` in a query string) and is still
/// rewritten; executables, archives, databases and compressed data have
/// dozens in their first kilobytes.
const NUL_LIMIT: usize = 8;

/// How many bytes of the first block are looked at for NUL bytes.
const NUL_WINDOW: usize = 64 * 1024;

/// Decides what `sample` (the first bytes of an input; at least 6 unless
/// the input is shorter) is.
pub fn sniff(sample: &[u8]) -> Sniffed {
    const MAGIC: &[(&[u8], Sniffed)] = &[
        (b"\x1f\x8b", Sniffed::Compressed(Compression::Gzip)),
        (b"\xfd7zXZ\x00", Sniffed::Compressed(Compression::Xz)),
        (b"\x28\xb5\x2f\xfd", Sniffed::Compressed(Compression::Zstd)),
        (b"BZh", Sniffed::Binary("bzip2-compressed")),
        (b"\x04\x22\x4d\x18", Sniffed::Binary("lz4-compressed")),
        (
            b"\x02\x21\x4c\x18",
            Sniffed::Binary("lz4-compressed (legacy)"),
        ),
        (b"PK\x03\x04", Sniffed::Binary("a zip archive")),
        (b"7z\xbc\xaf\x27\x1c", Sniffed::Binary("a 7z archive")),
        (b"\x1f\x9d", Sniffed::Binary("compress(1)-compressed (.Z)")),
        (b"\x89LZO", Sniffed::Binary("lzop-compressed")),
        (b"\x5d\x00\x00", Sniffed::Binary("lzma-compressed")),
    ];
    for (magic, what) in MAGIC {
        if sample.starts_with(magic) {
            // "BZh" must be followed by a block size digit to be bzip2.
            if *magic == b"BZh" && !matches!(sample.get(3), Some(b'1'..=b'9')) {
                continue;
            }
            return *what;
        }
    }
    let window = &sample[..sample.len().min(NUL_WINDOW)];
    if memchr::memchr_iter(0, window).take(NUL_LIMIT).count() >= NUL_LIMIT {
        return Sniffed::Binary("binary data (NUL bytes in its first block)");
    }
    Sniffed::Text
}

/// The message for an input that is refused.
pub fn refusal(what: &str) -> String {
    format!(
        "{what}, not a log anonlog can read (it reads text, and gzip, xz and zstd \
         files); nothing was written for it"
    )
}

/// `reader` (the compressed bytes from their start) decoded.
pub fn decoder(c: Compression, reader: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    Ok(match c {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(reader)),
        Compression::Xz => Box::new(xz2::read::XzDecoder::new_multi_decoder(reader)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(reader)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn magic_bytes_decide() {
        let rows: &[(&str, &[u8], Sniffed)] = &[
            ("log", b"1.2.3.4 - - [", Sniffed::Text),
            ("empty", b"", Sniffed::Text),
            ("one nul", b"GET /a\x00b\n", Sniffed::Text),
            (
                "gzip",
                b"\x1f\x8b\x08\x00",
                Sniffed::Compressed(Compression::Gzip),
            ),
            (
                "xz",
                b"\xfd7zXZ\x00\x00",
                Sniffed::Compressed(Compression::Xz),
            ),
            (
                "zstd",
                b"\x28\xb5\x2f\xfd\x00",
                Sniffed::Compressed(Compression::Zstd),
            ),
            ("bzip2", b"BZh91AY&SY", Sniffed::Binary("bzip2-compressed")),
            ("BZh word", b"BZhello world\n", Sniffed::Text),
            (
                "lz4",
                b"\x04\x22\x4d\x18\x64",
                Sniffed::Binary("lz4-compressed"),
            ),
            (
                "zip",
                b"PK\x03\x04\x14\x00",
                Sniffed::Binary("a zip archive"),
            ),
            (
                "nuls",
                b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
                Sniffed::Binary("binary data (NUL bytes in its first block)"),
            ),
        ];
        for (name, sample, want) in rows {
            assert_eq!(sniff(sample), *want, "{name}");
        }
    }

    #[test]
    fn each_compression_decodes_to_the_same_text() {
        let text = b"line one\nline two\n".repeat(100);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        let mut xz = xz2::write::XzEncoder::new(Vec::new(), 1);
        xz.write_all(&text).unwrap();
        let xz = xz.finish().unwrap();
        let zst = zstd::stream::encode_all(&text[..], 1).unwrap();
        for (c, data) in [
            (Compression::Gzip, gz),
            (Compression::Xz, xz),
            (Compression::Zstd, zst),
        ] {
            assert_eq!(sniff(&data), Sniffed::Compressed(c));
            let mut out = Vec::new();
            decoder(c, Box::new(io::Cursor::new(data)))
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, text, "{}", c.name());
        }
    }
}
