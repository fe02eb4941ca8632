#!/usr/bin/env bash
# Behaviour of two anonlog builds, side by side: runs `anonymize` (several
# option sets), `check` (on the raw inputs and on the outputs), `stats` and
# `rotate` (dry run, check and a real run) with each binary on every fixture in testdata/ and every
# file of the corpus, and compares what they wrote: standard output, standard
# error (the summary's timing figures masked), exit status and output files.
#
# For a refactoring that must not change behaviour: build the old commit,
# keep its binary, build the new one, and run
#
#   OLD=/path/to/old/anonlog NEW=target/release/anonlog \
#     ANONLOG_CORPUS=../shared/corpus bash tests/compare-builds.sh
#
# It prints one line per difference and "identical: N runs" at the end; the
# exit status is 0 when nothing differs, 1 otherwise. KEEP=DIR keeps both
# result trees in DIR (old/ and new/) for a closer look. The key and keyring
# are made once and shared by both builds: a single 36500-day epoch covers
# every time in the inputs, so no key is created during a run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
old=${OLD:?set OLD to the old anonlog binary}
new=${NEW:-$root/target/release/anonlog}
corpus=${ANONLOG_CORPUS:-}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The inputs: every fixture and every corpus file (not the licence notice).
inputs=()
while IFS= read -r f; do inputs+=("$f"); done < <(
    find "$root/testdata" -type f ! -name '*.expected*' ! -path '*/expected/*' | sort
    if [ -n "$corpus" ] && [ -d "$corpus" ]; then
        find "$corpus" -type f ! -name LICENSE ! -name '*.md' | sort
    fi
)
if [ -z "$corpus" ]; then
    echo "note: ANONLOG_CORPUS not set: comparing on testdata/ only" >&2
fi

# One key and one keyring for both builds.
head -c 32 /dev/urandom >"$work/key"
chmod 600 "$work/key"
"$new" key init --key-dir "$work/ring" --epoch 36500d >/dev/null 2>&1

mask() { sed -E 's/[0-9]+\.[0-9]+ s, [0-9]+ MB\/s/T s, R MB\/s/g'; }

# run NAME BINARY ARGS...: records stdout, stderr and status under $out/NAME.
run() {
    local name=$1 bin=$2
    shift 2
    local d=$out/$name
    mkdir -p "$(dirname "$d")"
    set +e
    "$bin" "$@" >"$d.out" 2>"$d.err.raw"
    echo $? >"$d.status"
    set -e
    sed "s#$work#WORK#g; s#$root#ROOT#g" "$d.err.raw" | mask >"$d.err"
    rm -f "$d.err.raw"
}

sets=(
    "plain:"
    "family:--user-agent family"
    "pfx:--ip-mode pfx"
    "drop:--on-unparsed drop"
    "trailing:--trailing-user"
    "generic:--format generic"
    "j1block:-j1 --block-size 7"
    "nommap:--no-mmap -j2 --block-size 100"
)

for which in old new; do
    bin=$old
    [ "$which" = new ] && bin=$new
    out=$work/$which
    mkdir -p "$out"
    n=0
    for f in "${inputs[@]}"; do
        n=$((n + 1))
        id=$(printf '%03d' "$n")
        for s in "${sets[@]}"; do
            sname=${s%%:*}
            # shellcheck disable=SC2206
            opts=(${s#*:})
            run "anonymize/$id.$sname" "$bin" anonymize -k "$work/key" "${opts[@]}" "$f"
        done
        run "anonymize/$id.ring" "$bin" anonymize --key-dir "$work/ring" "$f"
        run "anonymize/$id.window" "$bin" anonymize -k "$work/key" --since 2015-01-01 --until 2024-01-01 "$f"
        run "check/$id.raw" "$bin" check "$f"
        run "check/$id.anon" "$bin" check "$out/anonymize/$id.plain.out"
        mkdir -p "$out/stats/$id"
        run "stats/$id/run" "$bin" stats -k "$work/key" -j2 --min-users 1 --out "$out/stats/$id" "$f"
    done
    mkdir -p "$out/stats/all"
    run "stats/all/run" "$bin" stats -k "$work/key" --min-users 2 --window 30d --out "$out/stats/all" "${inputs[@]}"
    # stats.json repeats stats.csv; metadata names the inputs' paths.
    find "$out/stats" -name metadata.json -exec sed -i "s#$root#ROOT#g; s#${corpus:-/nonexistent}#CORPUS#g" {} +

    # rotate --dry-run over copies of the inputs, one source per action.
    tree=$work/tree
    rm -rf "$tree"
    mkdir -p "$tree/raw" "$tree/prune" "$tree/dest"
    for f in "${inputs[@]}"; do
        b=$(basename "$f")
        cp "$f" "$tree/raw/$b"
        cp "$f" "$tree/prune/$b"
        touch -d 2026-01-01 "$tree/raw/$b" "$tree/prune/$b"
    done
    cat >"$work/rotate-$which.toml" <<EOF
audit_log = "$tree/audit.jsonl"
[anonymize]
key_file = "$work/key"
[[source]]
name = "raw"
paths = ["$tree/raw/*"]
kind = "auto"
window = "7d"
action = "anonymize-then-delete"
destination = "$tree/dest/{name}"
[[source]]
name = "prune"
paths = ["$tree/prune/*"]
kind = "auto"
window = "400d"
action = "prune"
EOF
    run "rotate/dry" "$bin" rotate --config "$work/rotate-$which.toml" --dry-run --now 2026-11-25
    run "rotate/check" "$bin" rotate --config "$work/rotate-$which.toml" --check --now 2026-11-25
    run "rotate/real" "$bin" rotate --config "$work/rotate-$which.toml" --now 2026-11-25
    # What the real run left: the anonymized copies, the pruned files, the
    # audit log (its wall-clock times masked).
    cp -r "$tree/dest" "$out/rotate/dest"
    cp -r "$tree/prune" "$out/rotate/prune"
    ls "$tree/raw" >"$out/rotate/raw-left.txt"
    sed -E 's/"time":"[^"]*"/"time":"T"/' "$tree/audit.jsonl" >"$out/rotate/audit.jsonl"
    sed -i "s#$tree#TREE#g" "$out/rotate/"*.out "$out/rotate/"*.err "$out/rotate/audit.jsonl"
done

status=0
diffs=$(diff -rq "$work/old" "$work/new" || true)
if [ -n "$diffs" ]; then
    echo "$diffs" | sed "s#$work/##g"
    status=1
fi
runs=$(find "$work/old" -name '*.status' | wc -l)
if [ $status -eq 0 ]; then
    echo "identical: $runs runs over ${#inputs[@]} inputs"
else
    echo "differences found ($runs runs over ${#inputs[@]} inputs)"
fi
if [ -n "${KEEP:-}" ]; then
    mkdir -p "$KEEP"
    rm -rf "$KEEP/old" "$KEEP/new"
    cp -r "$work/old" "$work/new" "$KEEP/"
fi
exit $status
