#!/usr/bin/env bash
# Wall-clock throughput of anonlog on one large synthetic Moodle
# `logstore_standard_log` export (PostgreSQL `COPY ... CSV HEADER`, all 21
# columns), with a Python csv-module script as a floor for comparison.
#
# Owns benches/data/moodle-logstore-*.csv (benches/data/ is ignored by git):
# the generated input is kept there and reused by later runs with the same
# number of rows and seed. Steps:
#   1. build the `genmoodle` example in release mode when the input is
#      missing and generate ROWS rows with seed SEED (deterministic: same
#      rows and seed, same bytes);
#   2. build anonlog in release mode (or take the binary named by ANONLOG);
#   3. read the file once to warm the page cache, make a throw-away key, and
#      run anonlog once with --summary-json to check that every row was
#      rewritten (none scrubbed, no field redacted);
#   4. time each command once (best of RUNS with RUNS > 1), output to
#      /dev/null: anonlog on the file with -j1 and -j2, anonlog on standard
#      input (redirected from the file, and through `cat |`), and a
#      `python3 -c` script that reads and writes the same CSV with the csv
#      module, replacing userid/relateduserid/realuserid by an HMAC-SHA256
#      hex digest and truncating `ip` (IPv4 /24, IPv6 /48); skipped with a
#      message when python3 is missing;
#      Then `anonlog stats` on the file (one 7-day window, and 1d,7d,30d
#      audited together), with the auditor's work from metadata.json;
#   5. print seconds, MB/s (10^6 bytes), rows/s and the time ratio to
#      `anonlog -j2 FILE`, then the peak RSS of anonlog reading standard
#      input (with /usr/bin/time).
#
# The Python script does much less than anonlog (no `other` column, no user
# ids by context or object, no pseudonym formats, no validation), so its
# time is a floor for "parse and rewrite every row in a script", not a
# like-for-like rival.
#
# Cargo honours CARGO_TARGET_DIR; the binaries are taken from there.
#
# Usage: benches/compare-moodle.sh                (1 000 000 rows, seed 1)
#        ROWS=200000 SEED=2 RUNS=3 benches/compare-moodle.sh
#        ANONLOG=path/to/anonlog benches/compare-moodle.sh   (time a given build)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

rows=${ROWS:-1000000}
seed=${SEED:-1}
runs=${RUNS:-1}
threads_note="$(nproc 2>/dev/null || echo '?') cores"
target_dir=${CARGO_TARGET_DIR:-$root/target}
data_dir=benches/data
file=$data_dir/moodle-logstore-${rows}rows-seed${seed}.csv

mkdir -p "$data_dir"
if [ ! -s "$file" ]; then
    echo "building genmoodle (release) ..." >&2
    cargo build --release --quiet --example genmoodle
    echo "generating $file ..." >&2
    "$target_dir/release/examples/genmoodle" --rows "$rows" --seed "$seed" >"$file.tmp"
    mv "$file.tmp" "$file"
fi

if [ -n "${ANONLOG:-}" ]; then
    anonlog=$ANONLOG
    echo "using anonlog binary $anonlog" >&2
else
    echo "building anonlog (release) ..." >&2
    cargo build --release --quiet --bin anonlog
    anonlog=$target_dir/release/anonlog
fi
bytes=$(wc -c <"$file")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
key=$tmp/key
"$anonlog" key init "$key" >/dev/null 2>&1

# Warm the page cache so that every command reads from memory.
cat "$file" >/dev/null

# Every row must be rewritten: a timing of the fallback path is no timing.
"$anonlog" anonymize -q -k "$key" -j2 --summary-json "$tmp/summary.json" "$file" >/dev/null
counts=$(tr -d ' \n' <"$tmp/summary.json" | grep -o '"total":{[^}]*}')
field() { echo "$counts" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
rewritten=$(field lines_rewritten)
scrubbed=$(field lines_scrubbed)
redacted=$(field fields_redacted)
header=$(field lines_header)
echo "check: $rewritten rows rewritten, $scrubbed scrubbed, $redacted fields redacted, $header header" >&2
if [ "$rewritten" != "$rows" ] || [ "$scrubbed" != 0 ] || [ "$redacted" != 0 ]; then
    echo "check FAILED: expected $rows rows rewritten, 0 scrubbed, 0 fields redacted" >&2
    exit 1
fi

# shellcheck source=benches/timing.sh
. "$root/benches/timing.sh"

# The floor: the csv module, one HMAC per user id, addresses truncated.
read -r -d '' python_floor <<'EOF' || true
import csv, hashlib, hmac, io, ipaddress, os, sys
key = os.urandom(32)
src = io.TextIOWrapper(open(sys.argv[1], "rb"), encoding="utf-8", newline="")
dst = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
r = csv.reader(src)
w = csv.writer(dst, lineterminator="\n")
header = next(r)
w.writerow(header)
ids = [header.index(c) for c in ("userid", "relateduserid", "realuserid")]
ip = header.index("ip")
for row in r:
    for i in ids:
        v = row[i]
        if v:
            row[i] = hmac.new(key, v.encode(), hashlib.sha256).hexdigest()
    a = row[ip]
    if a:
        if ":" in a:
            row[ip] = str(ipaddress.IPv6Network(a + "/48", strict=False).network_address)
        else:
            row[ip] = a.rsplit(".", 1)[0] + ".0"
    w.writerow(row)
dst.flush()
EOF

anon() { "$anonlog" anonymize -q -k "$key" "$@"; }
case_file_j1() { anon -j1 "$file" >/dev/null; }
case_file_j2() { anon -j2 "$file" >/dev/null; }
case_stdin() { anon -j2 <"$file" >/dev/null; }
case_cat_pipe() { cat "$file" | anon -j2 >/dev/null; }
case_python() { python3 -c "$python_floor" "$file" >/dev/null; }
case_stats() { "$anonlog" stats -k "$key" -j2 --out "$tmp/stats" "$file" 2>/dev/null; }
case_stats_windows() {
    "$anonlog" stats -k "$key" -j2 --window 1d,7d,30d --out "$tmp/stats3" "$file" 2>/dev/null
}

echo "timing (best of $runs) ..." >&2
time_case "anonlog -j1 FILE" case_file_j1
time_case "anonlog -j2 FILE" case_file_j2
time_case "anonlog -j2 < FILE" case_stdin
time_case "cat FILE | anonlog -j2" case_cat_pipe
if command -v python3 >/dev/null; then
    time_case "python3 csv + hmac (floor)" case_python
else
    skip "python3 csv + hmac (floor)" "python3 not installed"
fi
time_case "anonlog stats -j2 FILE" case_stats
time_case "anonlog stats 1d,7d,30d" case_stats_windows

ref=""
for i in "${!names[@]}"; do
    [ "${names[$i]}" = "anonlog -j2 FILE" ] && ref=${secs[$i]}
done

echo
printf 'input: %s, %.1f MB, %d rows (+ header), seed %s, %s\n' \
    "$file" "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" "$rows" "$seed" "$threads_note"
printf '%-30s %9s %9s %12s %12s\n' "command" "seconds" "MB/s" "rows/s" "time / -j2"
for i in "${!names[@]}"; do
    awk -v n="${names[$i]}" -v s="${secs[$i]}" -v b="$bytes" -v rows="$rows" -v r="$ref" 'BEGIN {
        mbs = (s > 0) ? sprintf("%.1f", b / 1e6 / s) : "inf"
        rps = (s > 0) ? sprintf("%.0f", rows / s) : "inf"
        ratio = (r > 0) ? sprintf("%.2f", s / r) : "n/a"
        printf "%-30s %9.3f %9s %12s %12s\n", n, s, mbs, rps, ratio
    }'
done

# What the auditor did in each statistics run (from metadata.json).
for d in stats stats3; do
    audit=$(tr -d ' \n' <"$tmp/$d/metadata.json" | grep -o '"audit":{[^}]*}' |
        grep -o '"[a-z_]*":[0-9][0-9]*' | tr -d '"' | tr '\n' ' ' || true)
    printf 'audit of %s: %s\n' "$d" "${audit:-none}"
done

echo
if [ -x /usr/bin/time ]; then
    rss_file=$tmp/rss
    if /usr/bin/time -f %M -o "$rss_file" "$anonlog" anonymize -q -k "$key" -j2 \
        <"$file" >/dev/null; then
        kb=$(tail -n 1 "$rss_file")
        printf 'peak RSS, anonlog -j2 < FILE: %d KB (%.1f MB)\n' "$kb" \
            "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
    else
        echo "peak RSS: anonlog failed; not measured"
    fi
else
    echo "peak RSS: skipped (/usr/bin/time not installed)"
fi
