#!/usr/bin/env bash
# A short, bounded fuzzing campaign over every target.
#
# Seeds the corpora (fuzz/seed.sh), then runs each target for SECONDS
# (default 60) with inputs up to MAX_LEN bytes (default 4096), one after the
# other, and prints a line per target. Exits 1 when any target found a crash
# (saved under fuzz/artifacts/<target>/), 0 otherwise. Needs a nightly
# toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#
# A second, hostile phase runs the targets that take whole lines again for
# HOSTILE_SECONDS (default SECONDS/2) with inputs up to HOSTILE_MAX_LEN
# (default 1 MiB) and a per-input time limit (HOSTILE_TIMEOUT, default 10 s),
# so that deeply nested structures and long lines (seeded by seed.sh) are
# mutated whole and anything slower than linear shows as a timeout.
#
# Usage: fuzz/campaign.sh                 (60 s per target)
#        SECONDS_PER_TARGET=300 fuzz/campaign.sh
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
secs=${SECONDS_PER_TARGET:-60}
max_len=${MAX_LEN:-4096}
targets=(access_parse layout_parse rewrite_line scrub_line bbb_line pipeline moodle_csv moodle_other config_parse bbb_meetings roster_parse free_text check_raw syslog_header)

"$here/seed.sh" || exit 2
cd "$here" || exit 2
failed=0
for t in "${targets[@]}"; do
    log=$(mktemp)
    # The whole-pipeline targets start a rayon pool on every input; its
    # threads wind down after the pool is dropped, and their thread-local
    # destructors show up as "leaks" in LeakSanitizer (per input and at
    # exit), which are not anonlog's.
    extra=()
    asan=${ASAN_OPTIONS:-}
    case $t in pipeline | moodle_csv | check_raw) extra=(-detect_leaks=0) asan=detect_leaks=0 ;; esac
    if ASAN_OPTIONS=$asan cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -max_len="$max_len" "${extra[@]}" >"$log" 2>&1; then
        runs=$(grep -Eo 'Done [0-9]+ runs' "$log" | tail -n1)
        echo "$t: ok (${runs:-no run count}, ${secs}s)"
    else
        echo "$t: FAILED, see fuzz/artifacts/$t/; last lines:"
        tail -n 20 "$log"
        failed=1
    fi
    rm -f "$log"
done

hostile_secs=${HOSTILE_SECONDS:-$((secs / 2))}
hostile_len=${HOSTILE_MAX_LEN:-1048576}
hostile_timeout=${HOSTILE_TIMEOUT:-10}
for t in bbb_line scrub_line rewrite_line moodle_other moodle_csv pipeline; do
    log=$(mktemp)
    extra=()
    asan=${ASAN_OPTIONS:-}
    case $t in pipeline | moodle_csv) extra=(-detect_leaks=0) asan=detect_leaks=0 ;; esac
    if ASAN_OPTIONS=$asan cargo +nightly fuzz run "$t" -- -max_total_time="$hostile_secs" \
        -max_len="$hostile_len" -timeout="$hostile_timeout" "${extra[@]}" >"$log" 2>&1; then
        runs=$(grep -Eo 'Done [0-9]+ runs' "$log" | tail -n1)
        echo "$t (hostile: nested, long lines): ok (${runs:-no run count}, ${hostile_secs}s)"
    else
        echo "$t (hostile): FAILED (a crash or a timeout), see fuzz/artifacts/$t/; last lines:"
        tail -n 20 "$log"
        failed=1
    fi
    rm -f "$log"
done
exit "$failed"
