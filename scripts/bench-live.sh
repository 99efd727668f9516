#!/usr/bin/env bash
# Issue 7's live benchmark: tcpreplay --topspeed sends a generated capture into one end of a veth
# pair (its own network namespaces, nothing leaves them) while pairwatch, with its report and
# --json on, captures on the other end; then tcpdump on the same setup for comparison. Prints
# the packets sent, captured and dropped (pcap_stats) for each, and the conversations pairwatch
# recorded live against its offline result for the same file. Needs root.
#
#   scripts/bench-live.sh [--packets N] [--conversations M] [--buffer-mib B] [--runs R]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

packets=2000000
conversations=10000
buffer_mib=256
runs=3
while (($#)); do
    case $1 in
    --packets) packets=$2; shift 2 ;;
    --conversations) conversations=$2; shift 2 ;;
    --buffer-mib) buffer_mib=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) sed -n '2,/^set -euo/p' "$0" | grep '^#' >&2; exit 2 ;;
    esac
done
[[ $(id -u) -eq 0 ]] || { echo "bench-live.sh: needs root (network namespaces)" >&2; exit 2; }
ensure_packages "${BUILD_PACKAGES[@]}" libbenchmark-dev tcpreplay tcpdump iproute2
dir=$PAIRWATCH_ROOT/build/bench
cmake -S "$PAIRWATCH_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPAIRWATCH_TESTS=OFF \
    -DPAIRWATCH_BENCH=ON >/dev/null
cmake --build "$dir" -j 2 --target pairwatch pairwatch_make_capture >/dev/null
pairwatch=$dir/pairwatch
data=$PAIRWATCH_ROOT/build/bench-data
mkdir -p "$data"
# Whole frames (snaplen 0): tcpreplay sends what the file holds.
capture=$data/gen-n$packets-m$conversations-s0-seed1.pcap
if [[ ! -f $capture.meta ]]; then
    "$dir/bench/pairwatch_make_capture" "$capture" --packets "$packets" --conversations "$conversations" \
        --snaplen 0 --seed 1
fi
max_flows=$((2 * conversations > 1000 ? 2 * conversations : 1000))
offline=$("$pairwatch" -r "$capture" -q --no-dpi --max-flows "$max_flows" --json - | wc -l)

source "$PAIRWATCH_ROOT/tests/e2e/netns.sh"
tx="pwlive-tx-$$"
rx="pwlive-rx-$$"
work=$(mktemp -d)
chmod 1777 "$work"
cleanup() {
    netns_teardown "$tx" "$rx"
    rm -rf "$work"
}
trap cleanup EXIT
make_pair "$tx" "$rx" veth-tx veth-rx 10.96.0.1/24 10.96.0.2/24
ip netns exec "$rx" ip link set veth-rx promisc on
cat "$capture" >/dev/null

# replay: tcpreplay's "Actual: N packets ... (R pps)" line, as "N R".
replay() {
    ip netns exec "$tx" tcpreplay --topspeed -i veth-tx "$capture" 2>&1 |
        awk '/Actual:/ { n = $2 } /Rated:/ { for (i = 1; i <= NF; i++) if ($i ~ /^pps,?$/) r = $(i - 1) } END { print n + 0, r + 0 }'
}

# capture_during_replay READY CMD...: starts CMD in the receiving namespace (stdout to out.txt,
# stderr to err.txt), waits for READY on its stderr, replays the file, then stops it with
# SIGINT as a user would. Sets sent and pps from tcpreplay.
capture_during_replay() {
    local ready=$1
    shift
    ip netns exec "$rx" "$@" >"$work/out.txt" 2>"$work/err.txt" &
    local pid=$!
    wait_for grep -q "$ready" "$work/err.txt" || { cat "$work/err.txt"; exit 1; }
    read -r sent pps < <(replay)
    sleep 2
    kill -INT "$pid"
    wait "$pid" || true
}

row() { printf '%-10s %4s %10s %10s %10s %10s %10s %10s\n' "$@"; }
row tool run sent pps captured "k-drops" "if-drops" conversations
for ((run = 1; run <= runs; run++)); do
    # pairwatch: report every second, JSON on, DPI on (the default).
    capture_during_replay "capturing on veth-rx" "$pairwatch" -i veth-rx -B $((buffer_mib * 1024)) \
        --max-flows "$max_flows" --interval 1 --json "$work/live.jsonl"
    read -r received kdrops ifdrops < <(grep -oE 'capture: [0-9]+ received, [0-9]+ dropped by the kernel, [0-9]+ dropped by the interface' \
        "$work/out.txt" | grep -oE '[0-9]+' | xargs)
    row pairwatch "$run" "$sent" "$pps" "$received" "$kdrops" "$ifdrops" "$(wc -l <"$work/live.jsonl")"

    capture_during_replay "listening on veth-rx" tcpdump -i veth-rx -B $((buffer_mib * 1024)) -w /dev/null
    received=$(awk '/packets received by filter/ { print $1 }' "$work/err.txt")
    kdrops=$(awk '/packets dropped by kernel/ { print $1 }' "$work/err.txt")
    ifdrops=$(awk '/packets dropped by interface/ { print $1 }' "$work/err.txt")
    row tcpdump "$run" "$sent" "$pps" "$received" "$kdrops" "${ifdrops:-0}" "-"
done
echo "offline, the same file: $offline conversations (pairwatch -r, --max-flows $max_flows)"
