#!/usr/bin/env bash
# What payload inspection (nDPI, on by default) costs the packet path: offline throughput of the
# Release binary with and without --no-dpi, median of RUNS alternating runs each, on two inputs:
#   - synthetic: scripts/make-bench-capture.py's 2M packets in 20k concurrent conversations;
#     its payloads are filler no dissector claims, so every conversation is inspected up to the
#     packet bound (the worst case per conversation);
#   - real: the Ethernet captures among ../shared/captures/ndpi-* (HTTP, TLS, QUIC, DNS, SSH,
#     mail, BitTorrent, SNMP, syslog, scans...) replayed COPIES times by make-replay-capture.py,
#     each copy later than the flows' timeouts so every conversation is new to nDPI again.
#
#   scripts/bench-dpi.sh [RUNS] [COPIES]    (defaults 5 and 200)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
runs=${1:-5}
copies=${2:-200}
ensure_packages "${BUILD_PACKAGES[@]}" python3 bc
build release >/dev/null
bin=$PAIRWATCH_ROOT/build/release/pairwatch
data=$PAIRWATCH_ROOT/build/bench-data
mkdir -p "$data"

synthetic=$data/bench.pcap
if [[ ! -f $synthetic ]]; then
    echo "making $synthetic (2M packets, 20k conversations open at once)" >&2
    python3 "$PAIRWATCH_ROOT/scripts/make-bench-capture.py" "$synthetic"
fi
inputs=("$synthetic")
shared=$PAIRWATCH_ROOT/../shared/captures
if [[ -d $shared ]]; then
    real=$data/ndpi-replay-$copies.pcap
    if [[ ! -f $real ]]; then
        # Ethernet ones (link type 1); the script skips the others.
        python3 "$PAIRWATCH_ROOT/scripts/make-replay-capture.py" "$real" "$copies" \
            "$shared"/ndpi-*.pcap "$shared"/ndpi-*.pcapng "$shared"/ndpi-*.cap
    fi
    inputs+=("$real")
else
    echo "../shared/captures is absent: measuring the synthetic capture only" >&2
fi

printf '%-28s %10s %12s %12s %14s %14s %7s\n' capture packets "s no-dpi" "s dpi" \
    "pkt/s no-dpi" "pkt/s dpi" ratio
for capture in "${inputs[@]}"; do
    cat "$capture" >/dev/null # into the page cache, so both sides read from memory
    # Both inputs are little-endian classic pcaps (the scripts write them): count the records.
    packets=$(python3 -c "
import struct, sys
d = open(sys.argv[1], 'rb').read(); o = 24; n = 0
while o + 16 <= len(d):
    o += 16 + struct.unpack('<I', d[o + 8:o + 12])[0]; n += 1
print(n)" "$capture")
    off=()
    on=()
    for ((i = 0; i < runs; i++)); do
        off+=("$(bench_seconds "$bin" -r "$capture" -q --no-dpi)")
        on+=("$(bench_seconds "$bin" -r "$capture" -q)")
    done
    a=$(printf '%s\n' "${off[@]}" | median)
    b=$(printf '%s\n' "${on[@]}" | median)
    printf '%-28s %10d %12.3f %12.3f %14.0f %14.0f %7.2f\n' "$(basename "$capture")" "$packets" \
        "$a" "$b" "$(echo "$packets / $a" | bc -l)" "$(echo "$packets / $b" | bc -l)" \
        "$(echo "$b / $a" | bc -l)"
done
echo "ratio: wall time with payload inspection / without (median of $runs runs each)"
