#!/usr/bin/env bash
# What the rolling report costs the packet path (issue 4): offline throughput of the same capture
# with the text report every second and with -q, as a ratio measured in one run, median of
# RUNS alternating runs each. The report must cost at most 5%.
#
#   scripts/bench-report.sh [RUNS [OPTIONS...]]   (default 5 runs; OPTIONS go to both sides, e.g.
#                                                 --no-dpi; makes build/bench-data/bench.pcap)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
runs=${1:-5}
shift || true
extra=("$@")
ensure_packages "${BUILD_PACKAGES[@]}" python3
build release >/dev/null
bin=$PAIRWATCH_ROOT/build/release/pairwatch
data=$PAIRWATCH_ROOT/build/bench-data
capture=$data/bench.pcap
if [[ ! -f $capture ]]; then
    mkdir -p "$data"
    echo "making $capture (2M packets, 20k conversations open at once)" >&2
    python3 "$PAIRWATCH_ROOT/scripts/make-bench-capture.py" "$capture"
fi
cat "$capture" >/dev/null # into the page cache, so both sides read from memory

quiet=()
report=()
for ((i = 0; i < runs; i++)); do
    quiet+=("$(bench_seconds "$bin" -r "$capture" -q "${extra[@]}")")
    report+=("$(bench_seconds "$bin" -r "$capture" --interval 1 "${extra[@]}")")
done
q=$(printf '%s\n' "${quiet[@]}" | median)
r=$(printf '%s\n' "${report[@]}" | median)
packets=2000000
printf 'capture: %s; options: %s\n' "$capture" "${extra[*]:-(none)}"
printf '%-34s %8s %14s\n' "run" "median s" "packets/s"
printf '%-34s %8.3f %14.0f\n' "-q" "$q" "$(echo "$packets / $q" | bc -l)"
printf '%-34s %8.3f %14.0f\n' "--interval 1 (text report, 1/s)" "$r" "$(echo "$packets / $r" | bc -l)"
overhead=$(echo "($r / $q - 1) * 100" | bc -l)
printf 'report overhead: %.1f%% (target: at most 5%%)\n' "$overhead"
awk -v o="$overhead" 'BEGIN { exit !(o <= 5) }' || { echo "OVER BUDGET" >&2; exit 1; }
