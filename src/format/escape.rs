//! Decoding the escapes a value carries in a log: Apache's and nginx's log
//! escaping (`\xHH`, `\"`, `\\`, `\n`...) and URL percent-encoding. The
//! rewriter decodes a value before it is hashed, so that one person written
//! in different ways gets one pseudonym.

use crate::ip::hexval;

/// Undoes Apache and nginx log escaping: `\xHH`, `\"`, `\\`, `\n`, `\t`, `\r`.
pub fn log_unescape_into(s: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && i + 1 < s.len() {
            match s[i + 1] {
                b'x' if i + 3 < s.len() => {
                    if let (Some(h), Some(l)) = (hexval(s[i + 2]), hexval(s[i + 3])) {
                        out.push(h << 4 | l);
                        i += 4;
                        continue;
                    }
                }
                b'"' | b'\\' => {
                    out.push(s[i + 1]);
                    i += 2;
                    continue;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                b'r' => {
                    out.push(b'\r');
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(s[i]);
        i += 1;
    }
}

/// Percent-decodes `s` into `out`; with `plus`, `+` becomes a space (query
/// strings). Invalid escapes are copied as they are.
pub fn percent_decode_into(s: &[u8], plus: bool, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'%' && i + 2 < s.len() {
            if let (Some(h), Some(l)) = (hexval(s[i + 1]), hexval(s[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(if plus && b == b'+' { b' ' } else { b });
        i += 1;
    }
}

/// Appends the decoded form of JSON string content `raw` (between the
/// quotes): `\n`, `\"`, `\u00e9` and surrogate pairs; a broken escape
/// becomes U+FFFD.
pub fn json_unescape_into(raw: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let e = raw.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        let c = match e {
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let mut u = hex4(raw, i).unwrap_or(0xFFFD);
                i += 4;
                if (0xD800..=0xDBFF).contains(&u) {
                    let low = hex4(raw, i + 2).unwrap_or(0xDC00);
                    u = 0x10000 + ((u - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
                    i += 6;
                }
                let ch = char::from_u32(u).unwrap_or('\u{FFFD}');
                out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                continue;
            }
            other => other,
        };
        out.push(c);
    }
}

fn hex4(s: &[u8], at: usize) -> Option<u32> {
    let h = s.get(at..at + 4)?;
    let mut v = 0u32;
    for &c in h {
        v = v * 16 + u32::from(hexval(c)?);
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_helpers() {
        let mut v = Vec::new();
        log_unescape_into(br#"J\xC3\xBCrgen \"x\" \\ \n"#, &mut v);
        assert_eq!(v, "Jürgen \"x\" \\ \n".as_bytes());
        v.clear();
        percent_decode_into(b"a+b%20c%zz%4", true, &mut v);
        assert_eq!(v, b"a b c%zz%4");
        v.clear();
        json_unescape_into(br#"J\u00fcrgen \"x\" \ud83d\ude00"#, &mut v);
        assert_eq!(v, "Jürgen \"x\" 😀".as_bytes());
    }
}
