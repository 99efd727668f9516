#!/usr/bin/env bash
# Installs what the tests need, builds, and runs the whole test suite under ASan+UBSan (which
# finds whatever the plain build would, and more); then, in the plain Debug build, the tests whose
# bounds a sanitizer's own memory would distort (the floods' peak RSS); then the threaded parts
# under TSan (the unit tests and every test that runs the binary, which is three threads at
# least; the differential tests against tshark, Zeek and nDPI and the floods read the same code
# single-file and would only add minutes). In CI (CI=true) then every fuzz target for a short
# fixed time (FUZZ_CI_SECONDS each, two at once on two cores). Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fuzz_packages=()
[[ ${CI:-} == true ]] && fuzz_packages=("${FUZZ_PACKAGES[@]}")
ensure_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${fuzz_packages[@]}"
cd "$PAIRWATCH_ROOT"
ci_flags=()
if [[ ${CI:-} == true ]]; then
    # Warnings are errors. CI builds three times from cold, so: unity builds (several files per
    # compiler run: half the build time, measured 270 s -> 137 s for dev), and line tables only,
    # which is all a sanitizer's report needs.
    ci_flags=(-DPAIRWATCH_WERROR=ON -DCMAKE_UNITY_BUILD=ON -DCMAKE_CXX_FLAGS_DEBUG=-g1
              "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG")
fi

# Each stage's start, with the seconds since this script began: CI's budget is 25 minutes.
stage() { echo "=== $* (at ${SECONDS} s)" >&2; }

if [[ ! -d ../shared/captures ]]; then
    echo "note: ../shared/captures is absent: the tests that read it will be skipped" >&2
fi

stage "asan: build"
build asan "${ci_flags[@]}"
stage "asan: test (the whole suite)"
ctest --preset asan -j "$(nproc)"

stage "dev: build"
BUILD_TARGETS="pairwatch pairwatch_golden_tests" build dev "${ci_flags[@]}"
stage "dev: test (what sanitizers distort: peak RSS)"
ctest --preset dev -j "$(nproc)" -R '^Flood\.'

stage "tsan: build"
BUILD_TARGETS="pairwatch pairwatch_tests pairwatch_golden_tests" build tsan "${ci_flags[@]}"
stage "tsan: test (the threaded parts)"
# Left out: the peers' differential tests, the floods and the IPFIX round trip (minutes, and no
# thread of their own), and the per-capture rolling-report comparison of 1 and 3 workers (4.5
# minutes under TSan; ASan runs it, and TSan keeps its demo case and the pipeline's unit tests).
ctest --preset tsan -j "$(nproc)" -E 'Tshark|Zeek|Ndpi|Flood|IpfixCollector|_replay|ThreeWorkersGiveTheSameRollingReport'

if [[ ${CI:-} == true ]]; then
    # Short runs catch what a change breaks near the corpus; the long campaigns are
    # scripts/fuzz.sh's (tests/fuzz/README.md says how long each target ran).
    stage "fuzz: ${FUZZ_CI_SECONDS:-15}s per target"
    FUZZ_JOBS=$(nproc) scripts/fuzz.sh "${FUZZ_CI_SECONDS:-15}"
fi
stage "done"
