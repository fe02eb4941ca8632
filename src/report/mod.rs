//! The HTML report of a statistics release (`anonlog report`, `anonlog
//! stats --html`): reads what `anonlog stats --out DIR` wrote (`stats.csv`
//! and `metadata.json`) back into typed rows, and renders them as one
//! self-contained HTML file ([`html`]) with inline SVG charts ([`svg`]).
//!
//! The report shows only what the release publishes. A suppressed row's
//! counts are dropped when it is read, whatever the file holds, so no
//! withheld number can reach the page; it is drawn as "suppressed", never as
//! zero. The counting and the privacy rules are [`crate::stats`]; this
//! module only reads and draws.

pub mod html;
pub mod release;
pub mod svg;

use std::path::Path;

use crate::error::Error;

pub use release::{
    parse_csv, parse_metadata, read_dir, window_partition, Audit, Dp, Input, Metadata, Privacy,
    Release, Row, COLUMNS,
};

/// Writes the report of `release` to `out`, atomically.
pub fn write(release: &Release, out: &Path) -> Result<(), Error> {
    use std::io::Write;
    let page = html::render(release);
    let mut f = crate::output::AtomicFile::create(out)
        .map_err(|e| Error::io(&format!("cannot write {}", out.display()), &e))?;
    f.write_all(page.as_bytes())
        .and_then(|()| f.commit())
        .map_err(|e| Error::io(&format!("cannot write {}", out.display()), &e))
}
