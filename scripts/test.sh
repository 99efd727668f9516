#!/usr/bin/env bash
# Installs what the tests need, builds, and runs the whole suite: the Debug build, then the
# ASan+UBSan build. Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
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
