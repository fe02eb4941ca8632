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
    }
}
