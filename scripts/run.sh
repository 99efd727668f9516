#!/usr/bin/env bash
# Installs what is missing, builds Release if needed, runs pairwatch with the given arguments.
# With none, pairwatch replays the bundled demo capture.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_packages "${BUILD_PACKAGES[@]}"
build release >&2
exec "$PAIRWATCH_ROOT/build/release/pairwatch" "$@"
