# Sourced by benches/compare.sh and benches/compare-moodle.sh: best-of-RUNS
# timing of shell functions. Needs `runs` set; fills `names` and `secs`.

now() {
    if [ -n "${EPOCHREALTIME:-}" ]; then
        echo "${EPOCHREALTIME/,/.}"
    else
        date +%s.%N
    fi
}

names=()
secs=()

# time_case LABEL FUNCTION: runs FUNCTION RUNS times, keeps the best time.
time_case() {
    local label=$1 fn=$2 best="" t0 t1 t i
    for ((i = 0; i < runs; i++)); do
        t0=$(now)
        if ! "$fn"; then
            echo "  $label: FAILED (exit status non-zero); left out" >&2
            return 0
        fi
        t1=$(now)
        t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
            best=$t
        fi
    done
    echo "  $label: ${best} s" >&2
    names+=("$label")
    secs+=("$best")
}

skip() {
    echo "  $1: skipped ($2)" >&2
}
