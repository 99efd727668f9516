#!/usr/bin/env bash
# Builds the `fuzz` preset (clang, libFuzzer, ASan+UBSan) and runs each fuzz target for SECONDS
# (default 60) from its corpus and regressions. Stops non-zero at the first crash and prints the
# reproducer's path. New inputs go to build/fuzz/corpus/TARGET, never into tests/fuzz/corpus.
#
#   scripts/fuzz.sh [SECONDS [TARGET...]]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

seconds=${1:-60}
if [[ ! $seconds =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS [TARGET...]]" >&2
    exit 2
fi
shift || true
targets=("$@")
((${#targets[@]})) || targets=(fuzz_decode_frame fuzz_pcap_file)

# -max_len per target: a few frames; a capture file of a few records.
declare -A max_len=([fuzz_decode_frame]=4096 [fuzz_pcap_file]=16384)

ensure_packages "${BUILD_PACKAGES[@]}" clang libclang-rt-dev
cd "$PAIRWATCH_ROOT"
dir=build/fuzz
if [[ ! -f $dir/build.ninja ]]; then
    cmake --preset fuzz >/dev/null
fi
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for target in "${targets[@]}"; do
    if [[ -z ${max_len[$target]:-} ]]; then
        echo "fuzz.sh: unknown target $target (known: ${!max_len[*]})" >&2
        exit 2
    fi
    work=$dir/corpus/$target
    artifacts=$dir/artifacts/$target
    log=$dir/logs/$target.log
    mkdir -p "$work" "$artifacts" "$(dirname "$log")"
    dict=()
    [[ -f tests/fuzz/$target.dict ]] && dict=(-dict="tests/fuzz/$target.dict")
    echo "=== $target: ${seconds}s (log: $log)" >&2
    status=0
    "$dir/tests/fuzz/$target" -max_total_time="$seconds" -max_len="${max_len[$target]}" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "${dict[@]}" "$work" "tests/fuzz/corpus/$target" "tests/fuzz/regressions/$target" \
        >"$log" 2>&1 || status=$?
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::new_units_added)' "$log" >&2 ||
        true
    if ((status != 0)); then
        tail -40 "$log" >&2
        reproducer=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -1 | cut -d' ' -f5)
        echo "fuzz.sh: $target failed (exit $status); reproducer: ${reproducer:-see $log}" >&2
        if [[ -n $reproducer ]]; then
            echo "  replay: $dir/tests/fuzz/$target $reproducer" >&2
            echo "  keep it: cp $reproducer tests/fuzz/regressions/$target/WHAT-IT-BROKE-1.bin" >&2
        fi
        exit 1
    fi
done
echo "fuzz.sh: no crash in ${seconds}s per target" >&2
