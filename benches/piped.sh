#!/usr/bin/env bash
# Piped mode's CPU cost, as Apache's `CustomLog "|…"` feeds it: N lines
# (default 20000) written one per write(2) at RATE lines/s (default 2500),
# into each consumer in turn; prints the consumer's user+system CPU seconds
# (GNU time). Consumers: cat, rotatelogs (apache2-utils), this build's
# anonlog and, with PREV=path/to/anonlog, a previous build.
#
#   cargo build --release
#   PREV=/path/to/old/anonlog benches/piped.sh [N] [RATE]
set -euo pipefail
n=${1:-20000}
rate=${2:-2500}
here=$(cd "$(dirname "$0")/.." && pwd)
anonlog=${ANONLOG:-$here/target/release/anonlog}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$anonlog" key init "$work/key" >/dev/null 2>&1

# The generator: one combined line per write(2), paced to RATE lines/s.
cat >"$work/gen.py" <<'PY'
import os, sys, time
n, rate = int(sys.argv[1]), float(sys.argv[2])
lines = [
    ('10.%d.%d.%d - user%d [03/Dec/2026:10:%02d:%02d +0000] "GET /course/view.php?id=%d HTTP/1.1" '
     '200 %d "https://moodle.example.org/my/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"\n'
     % (i % 200, i % 7, i % 250, i % 97, i % 60, i % 60, i % 40, 1000 + i)).encode()
    for i in range(1000)
]
t0 = time.monotonic()
for i in range(n):
    d = t0 + i / rate - time.monotonic()
    if d > 0:
        time.sleep(d)
    os.write(1, lines[i % len(lines)])
PY

# measure LABEL CMD...: CPU seconds of CMD reading the generator's pipe.
measure() {
    local label=$1
    shift
    python3 "$work/gen.py" "$n" "$rate" |
        /usr/bin/time -f '%U %S' -o "$work/t" "$@" >"$work/out" 2>"$work/err" ||
        { echo "$label: FAILED"; cat "$work/err"; return 0; }
    local lines
    lines=$(wc -l <"$work/out")
    awk -v l="$label" -v n="$n" -v got="$lines" '{ cpu = $1 + $2;
        printf "%-22s %6.2f CPU-s  %7.1f us/line  (%d lines out)\n", l, cpu, cpu / n * 1e6, got }' "$work/t"
}

echo "$n lines, one per write, at $rate lines/s"
measure cat cat
if command -v rotatelogs >/dev/null; then
    # rotatelogs writes its own files: count their lines as output.
    python3 "$work/gen.py" "$n" "$rate" |
        /usr/bin/time -f '%U %S' -o "$work/t" rotatelogs -f "$work/rl.%Y%m%d" 86400
    awk -v n="$n" -v got="$(cat "$work"/rl.* | wc -l)" '{ cpu = $1 + $2;
        printf "%-22s %6.2f CPU-s  %7.1f us/line  (%d lines out)\n", "rotatelogs", cpu, cpu / n * 1e6, got }' "$work/t"
fi
if [ -n "${PREV:-}" ]; then
    measure "anonlog (previous)" "$PREV" anonymize -q -k "$work/key"
fi
measure "anonlog" "$anonlog" anonymize -q -k "$work/key"
