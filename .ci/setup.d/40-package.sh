#!/bin/sh
# Tools for the packaging tests (tests/install.rs, tests/package.rs): man
# and groff to render the man pages, zsh and fish to parse the completions,
# cargo-deb, fakeroot and lintian to build and lint the .deb, systemd for
# systemd-analyze.
set -eu

CARGO_DEB_VERSION=3.8.0

need=""
for pair in man:man-db groff:groff-base zsh:zsh fish:fish fakeroot:fakeroot \
    lintian:lintian systemd-analyze:systemd dpkg-deb:dpkg; do
    cmd=${pair%%:*}
    pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || need="$need $pkg"
done
# shellcheck disable=SC2086
"$(dirname "$0")/../apt-install" $need

if ! command -v cargo-deb >/dev/null 2>&1; then
    cargo install --quiet --locked cargo-deb --version "$CARGO_DEB_VERSION"
fi
