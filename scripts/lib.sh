# Shared by the scripts: where things are, and installing missing Debian packages.
# shellcheck shell=bash

PAIRWATCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PAIRWATCH_ROOT

# What building pairwatch needs.
BUILD_PACKAGES=(g++ cmake ninja-build pkg-config libpcap-dev libfmt-dev libspdlog-dev libabsl-dev libncurses-dev nlohmann-json3-dev libtomlplusplus-dev libmicrohttpd-dev libndpi-dev)
# What the tests need besides: tshark for the differential tests, nfdump (nfcapd) for the IPFIX
# round trip, tmux for the full-screen view, time (peak RSS of the flood tests), tcpdump and the
# servers and clients of the live tests in network namespaces.
TEST_PACKAGES=(libgtest-dev nlohmann-json3-dev tshark nfdump tcpdump iproute2 curl python3 tmux time)
# What the `fuzz` preset needs (scripts/fuzz.sh, and CI through scripts/test.sh): clang, and
# libclang-rt-dev for libFuzzer and the sanitizer runtimes (Debian 12: the clang-14 ones).
FUZZ_PACKAGES=(clang libclang-rt-dev)

# ensure_packages PKG...: installs the ones not installed yet (as root), or says how.
ensure_packages() {
    local missing=()
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    if [[ $(id -u) -ne 0 ]]; then
        echo "pairwatch needs these Debian packages; install them with:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        return 1
    fi
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # An old or empty package list makes apt-get install fail: refresh it once first.
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/pairwatch-apt.log 2>&1; then
        apt-get update -q >>/tmp/pairwatch-apt.log 2>&1 || true
        apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/pairwatch-apt.log 2>&1 || {
            tail -20 /tmp/pairwatch-apt.log >&2
            echo "apt-get install failed (log: /tmp/pairwatch-apt.log)" >&2
            return 1
        }
    fi
}

# bench_seconds CMD...: the wall time of one run of CMD (its stdout dropped), in seconds.
bench_seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}

# median: the median of the numbers on standard input, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# build PRESET [cmake -D options...]: configures once, then builds incrementally; every target,
# or only those in BUILD_TARGETS (space-separated).
build() {
    local preset=$1
    shift
    local dir="$PAIRWATCH_ROOT/build/$preset"
    if [[ ! -f $dir/build.ninja ]] || (($#)); then
        cmake --preset "$preset" -S "$PAIRWATCH_ROOT" "$@" >/dev/null
    fi
    local targets=()
    # shellcheck disable=SC2206 # a list of target names, split on purpose
    [[ -n ${BUILD_TARGETS:-} ]] && targets=(--target ${BUILD_TARGETS})
    cmake --build "$dir" -j "$(nproc)" "${targets[@]}"
}
