#!/bin/sh
# Builds the Debian package: the release binary (a no-op when it is up to
# date), the man pages and completions it generates, then `cargo deb`
# without a second build. Prints the path of the .deb on the last line.
#   tools/build-deb.sh            # target/debian/anonlog_<version>-1_<arch>.deb
set -eu
cd "$(dirname "$0")/.."

cargo build --release --locked --bin anonlog
bin=target/release/anonlog

rm -rf target/man target/completions
"$bin" man --out target/man >/dev/null
gzip -9n target/man/*.1
mkdir -p target/completions
"$bin" completions bash >target/completions/anonlog
"$bin" completions zsh >target/completions/_anonlog
"$bin" completions fish >target/completions/anonlog.fish

# The release profile keeps line tables for backtraces; the package does
# not ship them (lintian: unstripped-binary-or-object).
cargo deb --no-build --strip --locked --output target/debian/ | tail -n 1
