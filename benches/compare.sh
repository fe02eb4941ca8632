#!/usr/bin/env bash
# Wall-clock comparison of anonlog with the usual shell alternatives on one
# large synthetic Moodle access log.
#
# Owns benches/data/ (ignored by git): the generated input is kept there and
# reused by later runs with the same size and seed. Steps:
#   1. build the `genlog` example in release mode when the input is missing
#      and generate SIZE_MB megabytes (10^6 bytes) of Moodle combined-format
#      lines with seed SEED (deterministic: same size and seed, same bytes);
#   2. build anonlog in release mode (or take the binary named by ANONLOG);
#   3. read the file once to warm the page cache, make a throw-away key;
#   4. time each command once (best of RUNS with RUNS > 1), output to
#      /dev/null: anonlog on the file with -j1 and -j2, anonlog on standard
#      input (through `cat |` and redirected from the file), mawk (IPv4
#      truncation and user-field rename), sed -E (IPv4 truncation) and
#      anonip (when installed); a missing tool is skipped with a message;
#   5. print seconds, MB/s and the time ratio to `anonlog -j2 FILE`, then the
#      peak RSS of anonlog reading standard input (with /usr/bin/time).
#
# The shell tools do much less than anonlog (no user pseudonyms, no query
# parameters, no addresses outside the first field, no IPv6 in mawk and
# sed), so their times are a floor for "touching every byte", not a
# like-for-like rival.
#
# Usage: benches/compare.sh                  (1000 MB, seed 1)
#        SIZE_MB=100 SEED=2 RUNS=3 benches/compare.sh
#        ANONLOG=path/to/anonlog benches/compare.sh   (time a given build)
#        ROSTER_PEOPLE=100000 benches/compare.sh  (also time -j2 with a
#            generated roster of that many people; 0 for none, the default)
#        BASELINE=path/to/old/anonlog benches/compare.sh
#            (also time another build, interleaved with this one in the
#            same run, for before/after figures on a noisy machine)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

size_mb=${SIZE_MB:-1000}
seed=${SEED:-1}
runs=${RUNS:-1}
threads_note="$(nproc 2>/dev/null || echo '?') cores"
data_dir=benches/data
file=$data_dir/moodle-${size_mb}MB-seed${seed}.log

mkdir -p "$data_dir"
if [ ! -s "$file" ]; then
    echo "building genlog (release) ..." >&2
    cargo build --release --quiet --example genlog
    echo "generating $file ..." >&2
    "$root/target/release/examples/genlog" --bytes "$((size_mb * 1000000))" \
        --seed "$seed" >"$file.tmp"
    mv "$file.tmp" "$file"
fi

people=${ROSTER_PEOPLE:-0}
roster=$data_dir/roster-${people}-seed${seed}.csv
if [ "$people" -gt 0 ] && [ ! -s "$roster" ]; then
    cargo build --release --quiet --example genlog
    echo "generating $roster ..." >&2
    (umask 077 && "$root/target/release/examples/genlog" --roster "$people" --seed "$seed" >"$roster.tmp")
    mv "$roster.tmp" "$roster"
fi

if [ -n "${ANONLOG:-}" ]; then
    anonlog=$ANONLOG
    echo "using anonlog binary $anonlog" >&2
else
    echo "building anonlog (release) ..." >&2
    cargo build --release --quiet --bin anonlog
    anonlog=$root/target/release/anonlog
fi
bytes=$(wc -c <"$file")
lines=$(wc -l <"$file")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
key=$tmp/key
"$anonlog" key init "$key" >/dev/null 2>&1

# Warm the page cache so that every command reads from memory.
cat "$file" >/dev/null

# shellcheck source=benches/timing.sh
. "$root/benches/timing.sh"

anon() { "$anonlog" anonymize -q -k "$key" "$@"; }
case_file_j1() { anon -j1 "$file" >/dev/null; }
case_file_j2() { anon -j2 "$file" >/dev/null; }
case_roster_j2() { anon -j2 --roster "$roster" "$file" >/dev/null; }
case_cat_pipe() { cat "$file" | anon -j2 >/dev/null; }
case_stdin() { anon -j2 <"$file" >/dev/null; }
case_mawk() { mawk '{ sub(/\.[0-9]+$/, ".0", $1); $3 = "u"; print }' "$file" >/dev/null; }
case_sed() { LC_ALL=C sed -E 's/^([0-9]+\.[0-9]+\.[0-9]+)\.[0-9]+ /\1.0 /' "$file" >/dev/null; }
case_anonip() { anonip -4 8 -6 80 -c 1 <"$file" >/dev/null; }

base() { "$BASELINE" anonymize -q -k "$key" "$@"; }
case_base_j1() { base -j1 "$file" >/dev/null; }
case_base_j2() { base -j2 "$file" >/dev/null; }

echo "timing (best of $runs) ..." >&2
time_case "anonlog -j1 FILE" case_file_j1
[ -n "${BASELINE:-}" ] && time_case "baseline -j1 FILE" case_base_j1
time_case "anonlog -j2 FILE" case_file_j2
[ -n "${BASELINE:-}" ] && time_case "baseline -j2 FILE" case_base_j2
[ "$people" -gt 0 ] && time_case "anonlog -j2 --roster ($people)" case_roster_j2
time_case "cat FILE | anonlog -j2" case_cat_pipe
time_case "anonlog -j2 < FILE" case_stdin
if command -v mawk >/dev/null; then
    time_case "mawk (IPv4 /24, user field)" case_mawk
else
    skip mawk "not installed"
fi
if command -v sed >/dev/null; then
    time_case "sed -E (IPv4 /24, LC_ALL=C)" case_sed
else
    skip sed "not installed"
fi
if command -v anonip >/dev/null; then
    time_case "anonip -4 8 -6 80" case_anonip
else
    skip anonip "not installed (pip install anonip)"
fi

ref=""
for i in "${!names[@]}"; do
    [ "${names[$i]}" = "anonlog -j2 FILE" ] && ref=${secs[$i]}
done

echo
printf 'input: %s, %.1f MB, %d lines, seed %s, %s\n' \
    "$file" "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" "$lines" "$seed" "$threads_note"
printf '%-32s %9s %9s %14s\n' "command" "seconds" "MB/s" "time / -j2"
for i in "${!names[@]}"; do
    awk -v n="${names[$i]}" -v s="${secs[$i]}" -v b="$bytes" -v r="$ref" 'BEGIN {
        mbs = (s > 0) ? sprintf("%.1f", b / 1e6 / s) : "inf"
        ratio = (r > 0) ? sprintf("%.2f", s / r) : "n/a"
        printf "%-32s %9.3f %9s %14s\n", n, s, mbs, ratio
    }'
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
