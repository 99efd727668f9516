#!/usr/bin/env bash
# Builds the `fuzz` preset (clang, libFuzzer, ASan+UBSan) and runs each fuzz target for SECONDS
# (default 60) from its corpus and regressions. Stops non-zero at the first crash and prints the
# reproducer's path. New inputs go to build/fuzz/corpus/TARGET, never into tests/fuzz/corpus.
#
#   scripts/fuzz.sh [SECONDS [TARGET...]]
#
# FUZZ_JOBS=N runs N targets at once (default 1; CI uses one per core). FUZZ_NICE=N runs them
# under `nice -n N` (default 19 outside CI: a long campaign should not slow others down).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Every target, with its -max_len: a few frames; a capture file of a few records; a policy or
# services file of a few dozen lines; a few dozen IPFIX records. Keep in step with
# PAIRWATCH_FUZZ_TARGETS in tests/fuzz/CMakeLists.txt (a target missing here is refused below).
declare -A max_len=(
    [fuzz_decode_frame]=4096 [fuzz_pcap_file]=16384 [fuzz_flow_pipeline]=16384
    [fuzz_link_ethernet]=4096 [fuzz_link_sll]=4096 [fuzz_link_sll2]=4096 [fuzz_link_null]=4096
    [fuzz_link_raw]=4096 [fuzz_link_ppp]=4096 [fuzz_link_nflog]=4096
    [fuzz_policy]=4096 [fuzz_services_file]=4096 [fuzz_ipfix_encoder]=8192
)
all_targets=(fuzz_decode_frame fuzz_pcap_file fuzz_flow_pipeline fuzz_link_ethernet fuzz_link_sll
    fuzz_link_sll2 fuzz_link_null fuzz_link_raw fuzz_link_ppp fuzz_link_nflog fuzz_policy
    fuzz_services_file fuzz_ipfix_encoder)

seconds=${1:-60}
if [[ ! $seconds =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS [TARGET...]]" >&2
    exit 2
fi
shift || true
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
    if [[ -z ${max_len[$target]:-} ]]; then
        echo "fuzz.sh: unknown target $target (known: ${all_targets[*]})" >&2
        exit 2
    fi
done
jobs=${FUZZ_JOBS:-1}
nice_level=${FUZZ_NICE:-19}
[[ ${CI:-} == true ]] && nice_level=${FUZZ_NICE:-0}

ensure_packages "${BUILD_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"
cd "$PAIRWATCH_ROOT"
dir=build/fuzz
if [[ ! -f $dir/build.ninja ]]; then
    cmake --preset fuzz >/dev/null
fi
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# run_one TARGET: fuzzes it for $seconds; its summary (or its crash) goes to stderr.
run_one() {
    local target=$1
    local work=$dir/corpus/$target
    local artifacts=$dir/artifacts/$target
    local log=$dir/logs/$target.log
    mkdir -p "$work" "$artifacts" "$(dirname "$log")"
    local dict=()
    local dict_file=tests/fuzz/$target.dict
    # The link targets are fuzz_decode_frame cut to a few link types: the same words.
    [[ $target == fuzz_link_* ]] && dict_file=tests/fuzz/fuzz_decode_frame.dict
    [[ -f $dict_file ]] && dict=(-dict="$dict_file")
    local status=0
    # -timeout: a hang, not a slow input on a busy machine (fuzz_policy's inputs with a service
    # name take ~0.5 s of CPU each in this build: the policy parser indexes 2 x 65536 ports).
    nice -n "$nice_level" "$dir/tests/fuzz/$target" -max_total_time="$seconds" \
        -max_len="${max_len[$target]}" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "${dict[@]}" \
        "$work" "tests/fuzz/corpus/$target" "tests/fuzz/regressions/$target" \
        >"$log" 2>&1 || status=$?
    {
        echo "=== $target: ${seconds}s (log: $log)"
        grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::new_units_added)' "$log" ||
            true
    } >&2
    if ((status != 0)); then
        tail -40 "$log" >&2
        local reproducer
        reproducer=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -1 | cut -d' ' -f5)
        echo "fuzz.sh: $target failed (exit $status); reproducer: ${reproducer:-see $log}" >&2
        if [[ -n $reproducer ]]; then
            echo "  replay: $dir/tests/fuzz/$target $reproducer" >&2
            echo "  keep it: cp $reproducer tests/fuzz/regressions/$target/WHAT-IT-BROKE-1.bin" >&2
        fi
        return 1
    fi
}

failed=0
running=0
for target in "${targets[@]}"; do
    if ((running == jobs)); then
        wait -n || failed=1
        running=$((running - 1))
    fi
    ((failed)) && break
    run_one "$target" &
    running=$((running + 1))
done
while ((running > 0)); do
    wait -n || failed=1
    running=$((running - 1))
done
if ((failed)); then
    exit 1
fi
echo "fuzz.sh: no crash in ${seconds}s per target (${#targets[@]} targets)" >&2
