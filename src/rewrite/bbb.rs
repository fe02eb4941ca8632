//! BigBlueButton lines: the message as free text, a checksum logged on its
//! own as a secret, and the prefix (time, level, logger, thread, identifier)
//! scrubbed for addresses and e-mail addresses only.

use super::replace::Replacer;
use super::rules::REDACTED;
use super::scrub;
use crate::format::bbb;

/// A BigBlueButton line: the message is rewritten as free text; a request
/// checksum logged on its own (`SHA256 <hex>`) is a secret like the
/// `checksum` parameter. The prefix (time, level, logger, thread, a journald
/// or syslog identifier) normally holds nothing personal, but its addresses
/// and e-mail addresses are rewritten too: an identifier word can be
/// anything, an address included.
pub fn write_bbb(ctx: &mut Replacer<'_>, line: &[u8], b: &bbb::BbbLine, out: &mut Vec<u8>) {
    scrub::scrub_addresses(ctx, &line[..b.message], out);
    let msg = &line[b.message..];
    match bbb::checksum_line(msg) {
        Some((hs, he)) => {
            out.extend_from_slice(&msg[..hs]);
            out.extend_from_slice(REDACTED);
            scrub::scrub(ctx, &msg[he..], out);
        }
        None => scrub::scrub(ctx, msg, out),
    }
}
