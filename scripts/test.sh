#!/usr/bin/env bash
# Installs what the tests need, builds, and runs the whole suite: the Debug build, then the
# ASan+UBSan build; in CI (CI=true) then every fuzz target for a short fixed time
# (FUZZ_CI_SECONDS each, two at once on two cores). Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fuzz_packages=()
[[ ${CI:-} == true ]] && fuzz_packages=("${FUZZ_PACKAGES[@]}")
ensure_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${fuzz_packages[@]}"
cd "$PAIRWATCH_ROOT"
werror=()
[[ ${CI:-} == true ]] && werror=(-DPAIRWATCH_WERROR=ON)

if [[ ! -d ../shared/captures ]]; then
    echo "note: ../shared/captures is absent: the tests that read it will be skipped" >&2
fi

for preset in dev asan; do
    echo "=== $preset: build" >&2
    build "$preset" "${werror[@]}"
    echo "=== $preset: test" >&2
    ctest --preset "$preset" -j "$(nproc)"
done

if [[ ${CI:-} == true ]]; then
    # Short runs catch what a change breaks near the corpus; the long campaigns are
    # scripts/fuzz.sh's (tests/fuzz/README.md says how long each target ran).
    echo "=== fuzz: ${FUZZ_CI_SECONDS:-15}s per target" >&2
    FUZZ_JOBS=$(nproc) scripts/fuzz.sh "${FUZZ_CI_SECONDS:-15}"
fi
