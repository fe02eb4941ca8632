#!/usr/bin/env bash
# What the HTML report's tests need: Chromium (the browser test opens the
# report headless), R (the README's R loading example), and a Python venv
# with pinned pandas and DuckDB (the README's pandas and DuckDB examples).
# Idempotent: a second run installs nothing new.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core)
command -v Rscript >/dev/null 2>&1 || need+=(r-base-core)
/usr/bin/python3 -m venv --help >/dev/null 2>&1 && /usr/bin/python3 -c 'import ensurepip' 2>/dev/null \
  || need+=(python3-venv)
"$(dirname "$0")/../apt-install" "${need[@]}"

# The venv the loading-example test uses (tests/report.rs looks for it at
# this path, or at $ANONLOG_CI_PYTHON).
venv=/opt/anonlog-ci/python
pins=(duckdb==1.1.3 pandas==2.2.3)
if ! "$venv/bin/python" -c 'import duckdb, pandas' >/dev/null 2>&1; then
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "${pins[@]}"
fi
