//! BigBlueButton lines: the message as free text, a checksum logged on its
//! own as a secret, and the prefix (time, level, logger, thread, identifier)
//! kept where it is not personal (addresses, e-mail addresses and ids in it
//! are still rewritten).

use super::replace::Replacer;
use super::rules::REDACTED;
use super::text;
use crate::format::bbb;

/// A BigBlueButton line: the message is rewritten as free text; a request
/// checksum logged on its own (`SHA256 <hex>`) is a secret like the
/// `checksum` parameter. The prefix (time, level, logger, thread, a journald
/// or syslog identifier) normally holds nothing personal, but its addresses
/// and e-mail addresses are rewritten too: an identifier word can be
/// anything, an address included.
pub fn write_bbb(ctx: &mut Replacer<'_>, line: &[u8], b: &bbb::BbbLine, out: &mut Vec<u8>) {
    text::write_lenient(ctx, &line[..b.message], out);
    let msg = &line[b.message..];
    match bbb::checksum_line(msg) {
        Some((hs, he)) => {
            out.extend_from_slice(&msg[..hs]);
            out.extend_from_slice(REDACTED);
            text::write_text(ctx, &msg[he..], out);
        }
        None => text::write_text(ctx, msg, out),
    }
}
