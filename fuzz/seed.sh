#!/usr/bin/env bash
# Seed corpora for the fuzz targets: one file per line.
#
# Owns fuzz/corpus/<target>/ (ignored by git). Copies every non-empty line
# of testdata/*.log into each target's corpus, plus GEN_LINES (default 200)
# synthetic Moodle lines from the `genlog` example, so the targets start
# from real shapes even while testdata/ is empty. Files are named by the
# SHA-1 of their content, so running it again adds nothing twice.
#
# Usage: fuzz/seed.sh            (from anywhere in the repository)
#        GEN_LINES=0 fuzz/seed.sh   (testdata only; no build)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
targets=(access_parse rewrite_line scrub_line bbb_line pipeline)
gen_lines=${GEN_LINES:-200}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lines=$work/lines

: >"$lines"
shopt -s nullglob
logs=("$root"/testdata/*.log)
shopt -u nullglob
for f in "${logs[@]}"; do
    cat -- "$f" >>"$lines"
    # A last line without a newline is still a line.
    [ -z "$(tail -c1 -- "$f")" ] || echo >>"$lines"
done
echo "seed: ${#logs[@]} testdata file(s)"

if [ "$gen_lines" -gt 0 ]; then
    (cd "$root" && cargo run --quiet --release --example genlog -- \
        --lines "$gen_lines" --seed 11) >>"$lines"
    echo "seed: $gen_lines generated line(s)"
fi

total=0
for t in "${targets[@]}"; do
    dir=$here/corpus/$t
    mkdir -p "$dir"
    added=0
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%$'\r'}
        [ -n "$line" ] || continue
        name=$(printf '%s' "$line" | sha1sum | cut -c1-40)
        if [ ! -e "$dir/$name" ]; then
            printf '%s' "$line" >"$dir/$name"
            added=$((added + 1))
        fi
    done <"$lines"
    echo "seed: $t: $added new, $(find "$dir" -type f | wc -l) in corpus"
    total=$((total + added))
done

# moodle_csv: one knob byte choosing the header (see the target), then the
# body of a Moodle fixture under that header.
add() { # target file
    local dir=$here/corpus/$1 name
    mkdir -p "$dir"
    name=$(sha1sum <"$2" | cut -c1-40)
    [ -e "$dir/$name" ] || { cp "$2" "$dir/$name"; total=$((total + 1)); }
}
for pair in 0:logstore-postgres.csv 1:logstore-phpmyadmin.csv 3:report-en.csv 0:bad-rows.csv; do
    f=$root/testdata/moodle/${pair#*:}
    { printf "\\x0${pair%%:*}"; tail -n +2 -- "$f"; } >"$work/seed"
    add moodle_csv "$work/seed"
done
# moodle_other: `other` values in both encodings.
for v in 'N;' 'null' '{"username":"jdoe1","reason":3}' \
    'a:2:{s:8:"username";s:5:"jdoe1";s:6:"reason";i:3;}' \
    '{"originalusername":"Admin User","loggedinasusername":"Jos\u00e9","relateduserid":"58","userids":[2,3]}' \
    'a:2:{s:12:"discussionid";i:9;s:7:"subject";s:12:"Hello;World!";}' \
    'O:8:"stdClass":2:{s:5:"email";s:10:"a@b.example";s:6:"userid";i:5;}'; do
    printf '%s' "$v" >"$work/seed"
    add moodle_other "$work/seed"
done
# config_parse: a config (first byte even) and a time with a pattern (odd).
cp "$root/contrib/anonlog.toml" "$work/cfg"
{ printf '\x00'; cat "$work/cfg"; } >"$work/seed"
add config_parse "$work/seed"
printf '\x01\x00\x00\x00\x60\x00\x00\x00\x00/var/log/anonlog/access.%%G-W%%V.log' >"$work/seed"
add config_parse "$work/seed"
# bbb_meetings: the BBB fixture and its corpus files, whole.
for f in "$root"/testdata/bbb.log; do
    add bbb_meetings "$f"
done
# Hostile shapes (for campaign.sh's hostile phase): deeply nested JSON in a
# BigBlueButton body and in a URL parameter, nested PHP serialization, and
# long lines (one of 256 KiB, one with a long quoted CSV field).
nest() { # open close depth
    local i out=
    for ((i = 0; i < $3; i++)); do out+=$1; done
    printf '%s' "$out"
    out=
    for ((i = 0; i < $3; i++)); do out+=$2; done
    printf '"jane.doe@example.edu"%s' "$out"
}
{
    printf '2026-11-24T08:11:28.120+01:00 INFO  o.b.web.controllers.ApiController -  --analytics-- data={"userid":"w_u1","body":'
    nest '{"a":[' ']}' 3000
    printf '}\n'
} >"$work/seed"
for t in bbb_line scrub_line pipeline; do add "$t" "$work/seed"; done
{
    printf '192.0.2.7 - jdoe [24/Nov/2026:08:11:28 +0000] "GET /mod/x.php?json='
    nest '%%7B%%22a%%22%%3A%%5B' '%%5D%%7D' 2000
    printf ' HTTP/1.1" 200 5\n'
} >"$work/seed"
for t in access_parse rewrite_line pipeline; do add "$t" "$work/seed"; done
nest 'a:1:{s:1:"a";' '}' 2000 >"$work/seed"
add moodle_other "$work/seed"
{
    printf '192.0.2.7 - jdoe [24/Nov/2026:08:11:28 +0000] "GET /?q='
    head -c 262144 /dev/zero | tr '\0' 'x'
    printf ' HTTP/1.1" 200 5\n'
} >"$work/seed"
for t in rewrite_line scrub_line pipeline; do add "$t" "$work/seed"; done
{
    printf '\x00'
    tail -n +2 -- "$root/testdata/moodle/logstore-postgres.csv" | head -n 3
    printf '1,"'
    head -c 262144 /dev/zero | tr '\0' 'y'
    printf '\n'
} >"$work/seed"
add moodle_csv "$work/seed"

echo "seed: moodle_csv, moodle_other: $(find "$here/corpus/moodle_csv" "$here/corpus/moodle_other" -type f | wc -l) in corpus"
[ "$total" -gt 0 ] || echo "seed: nothing new (no testdata lines and GEN_LINES=0?)"
