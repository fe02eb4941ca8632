#!/usr/bin/env bash
# The listener under load (release build): messages/s over a unix datagram
# socket and over TCP on 127.0.0.1 (octet-counted), side by side with the
# same lines through `anonymize` from a file; peak memory (VmHWM) after a
# steady load and after a 10x burst; messages lost while the receive
# buffer is not full (a non-blocking sender at a steady rate, as nginx).
#
#   cargo build --release --bin anonlog --example listen_load
#   benches/listen.sh [N] [RATE]      # N messages (200000), steady RATE/s (5000)
set -euo pipefail
n=${1:-200000}
rate=${2:-5000}
here=$(cd "$(dirname "$0")/.." && pwd)
anonlog=${ANONLOG:-$here/target/release/anonlog}
gen=${GEN:-$here/target/release/examples/listen_load}
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$anonlog" key init "$work/key" >/dev/null 2>&1

now() { date +%s.%N; }
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
# wait_for FILE COUNT: until FILE has COUNT lines (at most 120 s).
wait_for() {
    local i
    for i in $(seq 1 2400); do
        [ "$(lines "$1")" -ge "$2" ] && return 0
        sleep 0.05
    done
    echo "timeout: $1 has $(lines "$1") of $2 lines" >&2
    return 1
}
hwm() { awk '/VmHWM/ {print $2 " kB"}' "/proc/$1/status"; }
# start ADDR: a listener writing $work/out/{tag}.log.
start() {
    rm -rf "$work/out"
    "$anonlog" anonymize -k "$work/key" --listen "$1" -o "$work/out/{tag}.log" \
        2>"$work/listen.err" &
    pid=$!
    for _ in $(seq 1 100); do grep -q listening "$work/listen.err" 2>/dev/null && break; sleep 0.05; done
}
stop() { kill "$pid"; wait "$pid" || true; pid=; grep 'listen:' "$work/listen.err"; }

out=$work/out/nginx_access.log
sock=$work/l.sock
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

echo "== throughput, $n messages"
for addr in "unix:$sock" "tcp://127.0.0.1:$port"; do
    start "$addr"
    t0=$(now)
    "$gen" "$addr" "$n" >"$work/gen.out"
    wait_for "$out" "$n"
    t1=$(now)
    awk -v a="$addr" -v n="$n" -v t0="$t0" -v t1="$t1" -v m="$(hwm "$pid")" \
        'BEGIN { printf "%-28s %8.0f msg/s  (%.2f s, VmHWM %s)\n", a, n/(t1-t0), t1-t0, m }'
    cp "$out" "$work/lines.log"
    stop
done
# The same lines from a file, through line mode (the alternative: nginx
# writing a file that anonlog reads afterwards).
sed 's/^<190>[^:]*: //' "$work/lines.log" | head -n "$n" >"$work/plain.log"
t0=$(now)
"$anonlog" anonymize -q -k "$work/key" -j 1 "$work/plain.log" >/dev/null
t1=$(now)
awk -v n="$n" -v t0="$t0" -v t1="$t1" \
    'BEGIN { printf "%-28s %8.0f lines/s (%.2f s)\n", "file, 1 thread", n/(t1-t0), t1-t0 }'

echo "== memory: steady $rate/s for 4 s, then a 10x burst for 1 s (unix)"
start "unix:$sock"
"$gen" "unix:$sock" $((rate * 4)) "$rate" >/dev/null
wait_for "$out" $((rate * 4))
echo "after steady: VmHWM $(hwm "$pid")"
"$gen" "unix:$sock" $((rate * 10)) $((rate * 10)) >/dev/null
wait_for "$out" $((rate * 14))
echo "after burst:  VmHWM $(hwm "$pid")"
stop

echo "== loss: non-blocking sender (as nginx) at $rate/s, $((rate * 10)) messages (unix)"
start "unix:$sock"
"$gen" "unix:$sock" $((rate * 10)) "$rate" nonblock
sleep 1
echo "written: $(lines "$out")"
stop
