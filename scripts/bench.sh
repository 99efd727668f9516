#!/usr/bin/env bash
# Builds Release with the benchmarks and runs them. Issue 7 grows this into the full table
# against the libpcap read floor and the peer tools; for now: the flow table's ns per packet and
# bytes per open conversation at 10k and 1M concurrent conversations.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_packages "${BUILD_PACKAGES[@]}" libbenchmark-dev
dir="$PAIRWATCH_ROOT/build/bench"
cmake -S "$PAIRWATCH_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPAIRWATCH_TESTS=OFF \
    -DPAIRWATCH_BENCH=ON >/dev/null
cmake --build "$dir" --target pairwatch_bench
"$dir/bench/pairwatch_bench" "$@"
